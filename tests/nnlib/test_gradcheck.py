"""nnlib.gradcheck: the checker itself (and that it catches bugs)."""

from __future__ import annotations

import numpy as np
import pytest
from _helpers import GRAD_TOL, rng

from nnlib.gradcheck import gradcheck, numerical_gradient, relative_error
from nnlib.layers import Dense
from nnlib.losses import CrossEntropy
from nnlib.network import Sequential, mlp


def test_numerical_gradient_of_known_functions():
    x = np.array([[0.5, -1.0, 2.0], [1.5, 0.0, -0.3]])
    # f(x) = sum x^3 -> 3 x^2
    np.testing.assert_allclose(
        numerical_gradient(lambda v: float(np.sum(v**3)), x), 3 * x**2, rtol=1e-9, atol=1e-9
    )
    # f(x) = sin(x_00) * x_12 (mixed entries)
    g = numerical_gradient(lambda v: float(np.sin(v[0, 0]) * v[1, 2]), x)
    expected = np.zeros_like(x)
    expected[0, 0] = np.cos(x[0, 0]) * x[1, 2]
    expected[1, 2] = np.sin(x[0, 0])
    np.testing.assert_allclose(g, expected, atol=1e-9)
    # x is restored
    np.testing.assert_array_equal(x, [[0.5, -1.0, 2.0], [1.5, 0.0, -0.3]])


def test_numerical_gradient_error_is_second_order():
    x = np.array([0.7])
    exact = np.cos(0.7)
    errs = [
        abs(numerical_gradient(lambda v: float(np.sin(v[0])), x, eps)[0] - exact)
        for eps in (1e-2, 1e-3)
    ]
    assert errs[1] < errs[0] / 50  # O(eps^2): 10x smaller step -> ~100x smaller error


def test_relative_error_properties():
    a = np.array([1.0, 2.0, -4.0])
    assert relative_error(a, a) == 0.0
    assert relative_error(np.zeros(3), np.zeros(3)) == 0.0
    assert relative_error(a, 1.01 * a) == pytest.approx(0.04 / 4.04)
    assert relative_error(1e-9 * a, 1.01e-9 * a) == pytest.approx(relative_error(a, 1.01 * a))
    assert relative_error(a, -a) == pytest.approx(2.0)
    with pytest.raises(ValueError, match="equal shape"):
        relative_error(np.zeros(2), np.zeros(3))


def test_gradcheck_function():
    x = rng(0).standard_normal(5)
    assert gradcheck(lambda v: float(np.sum(np.exp(v))), x, grad=np.exp) < GRAD_TOL
    assert gradcheck(lambda v: float(np.sum(np.exp(v))), x, grad=lambda v: 1.1 * np.exp(v)) > 0.05
    with pytest.raises(ValueError, match="grad="):
        gradcheck(lambda v: 0.0, x)


class BuggyDense(Dense):
    """Dense whose dL/db forgets to sum over the batch."""

    def backward(self, dL_dZ, *, input_grad=True):
        dX = super().backward(dL_dZ, input_grad=input_grad)
        self.b.grad[...] = dL_dZ[0]  # should be dL_dZ.sum(axis=0)
        return dX


class DoubleMeanBug(Dense):
    """Divides dL/dW by the batch size a second time (the loss already did)."""

    def backward(self, dL_dZ, *, input_grad=True):
        dX = super().backward(dL_dZ, input_grad=input_grad)
        self.W.grad /= dL_dZ.shape[0]
        return dX


@pytest.mark.parametrize("bug", [BuggyDense, DoubleMeanBug])
def test_gradcheck_catches_bugs(bug):
    net = Sequential(bug(3, 4, rng=0), Dense(4, 2, rng=1))
    X = rng(2).standard_normal((5, 3))
    errors = gradcheck(net, X, y=np.array([0, 1, 1, 0, 1]), loss=CrossEntropy(), per_tensor=True)
    assert max(errors.values()) > 1e-2
    assert errors["layers[1].W"] < GRAD_TOL  # the correct layer passes


def test_gradcheck_layer_and_network_reports():
    net = mlp([3, 4, 2], rng=0)
    X = rng(1).standard_normal((5, 3))
    report = gradcheck(net, X, per_tensor=True)
    assert set(report) == {"X", "layers[0].W", "layers[0].b", "layers[2].W", "layers[2].b"}
    assert max(report.values()) < GRAD_TOL
    assert gradcheck(net, X, check_input=False, per_tensor=True).keys() == report.keys() - {"X"}
    layer_report = gradcheck(Dense(3, 2, rng=0), X, per_tensor=True)
    assert set(layer_report) == {"X", "W", "b"}
    with pytest.raises(ValueError, match="y=None"):
        gradcheck(net, X, loss=CrossEntropy())


def test_numerical_gradient_rejects_non_float():
    with pytest.raises(TypeError, match="float numpy array"):
        numerical_gradient(lambda v: 0.0, np.arange(3))
