"""nnlib.activations: values and derivatives against SymPy and finite differences.

Also: softplus, GELU (exact and tanh) and SiLU: SymPy, finite differences, PyTorch, extremes.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import sympy as sp
from _helpers import GRAD_TOL, requires_torch, rng
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from nnlib import activations as act
from nnlib import symbolic
from nnlib.gradcheck import gradcheck, numerical_gradient, relative_error

z = sp.Symbol("z", real=True)

# (nnlib function, nnlib derivative, SymPy function)
SCALAR_ACTIVATIONS = {
    "sigmoid": (act.sigmoid, act.sigmoid_grad, symbolic.sigmoid),
    "tanh": (act.tanh, act.tanh_grad, symbolic.tanh),
    "relu": (act.relu, act.relu_grad, symbolic.relu),
    "leaky_relu": (act.leaky_relu, act.leaky_relu_grad, symbolic.leaky_relu),
}
LAYERS = {
    "sigmoid": act.Sigmoid,
    "tanh": act.Tanh,
    "relu": act.ReLU,
    "leaky_relu": act.LeakyReLU,
}


@pytest.mark.parametrize("name", SCALAR_ACTIVATIONS)
def test_function_matches_sympy(name):
    f, _, f_sym = SCALAR_ACTIVATIONS[name]
    assert symbolic.compare_with_sympy(f_sym(z), [z], lambda v: f(v[0]), n_points=50) < 1e-14


@pytest.mark.parametrize("name", SCALAR_ACTIVATIONS)
def test_derivative_matches_sympy(name):
    _, df, f_sym = SCALAR_ACTIVATIONS[name]
    derivative = sp.diff(f_sym(z), z)
    assert symbolic.compare_with_sympy(derivative, [z], lambda v: df(v[0]), n_points=50) < 1e-13


@pytest.mark.parametrize("name", SCALAR_ACTIVATIONS)
def test_derivative_matches_finite_differences(name):
    f, df, _ = SCALAR_ACTIVATIONS[name]
    x = rng(1).uniform(-3, 3, size=(4, 5))
    x[np.abs(x) < 1e-3] = 0.5  # keep away from the ReLU kink
    numeric = numerical_gradient(lambda v: float(np.sum(f(v))), x)
    assert relative_error(df(x), numeric) < GRAD_TOL


def test_closed_form_derivatives_symbolically():
    s = symbolic.sigmoid(z)
    assert sp.simplify(sp.diff(s, z) - s * (1 - s)) == 0
    t = symbolic.tanh(z)
    assert sp.simplify(sp.diff(t, z) - (1 - t**2)) == 0


@pytest.mark.parametrize("name", LAYERS)
def test_layer_forward_and_backward(name):
    f, df, _ = SCALAR_ACTIVATIONS[name]
    layer = LAYERS[name]()
    Z = rng(2).standard_normal((6, 4))
    np.testing.assert_allclose(layer.forward(Z), f(Z), rtol=0, atol=1e-15)
    dA = rng(3).standard_normal(Z.shape)
    np.testing.assert_allclose(layer.backward(dA), dA * df(Z), rtol=1e-14, atol=1e-15)
    assert gradcheck(layer, Z) < GRAD_TOL


def test_leaky_relu_alpha():
    layer = act.LeakyReLU(alpha=0.2)
    Z = np.array([[-2.0, 3.0]])
    np.testing.assert_allclose(layer.forward(Z), [[-0.4, 3.0]])
    np.testing.assert_allclose(layer.backward(np.ones((1, 2))), [[0.2, 1.0]])
    assert repr(layer) == "LeakyReLU(alpha=0.2)"


def test_softmax_layer_and_identity_gradcheck():
    Z = rng(4).standard_normal((5, 4))
    assert gradcheck(act.Softmax(), Z) < GRAD_TOL
    assert gradcheck(act.Identity(), Z) < GRAD_TOL
    np.testing.assert_array_equal(act.Identity().forward(Z), Z)


def test_softmax_jacobian_matches_sympy_and_closed_form():
    K = 4
    zs = symbolic.vector("z", K)
    J_sym = symbolic.softmax_jacobian(K)
    p = symbolic.softmax(zs)
    closed = sp.diag(*p) - p * p.T  # diag(p) - p p^T
    assert sp.simplify(J_sym - closed) == sp.zeros(K, K)
    assert symbolic.compare_with_sympy(J_sym, zs, act.softmax_jacobian) < 1e-14


def test_softmax_jacobian_batched_and_finite_differences():
    Z = rng(5).standard_normal((3, 5))
    J = act.softmax_jacobian(Z)
    assert J.shape == (3, 5, 5)
    for i in range(3):
        for k in range(5):
            numeric = numerical_gradient(lambda v, k=k: float(act.softmax(v)[k]), Z[i].copy())
            assert relative_error(J[i, k], numeric) < GRAD_TOL
    # each Jacobian is symmetric and its rows sum to 0 (softmax sums to 1)
    np.testing.assert_allclose(J, np.swapaxes(J, -1, -2))
    np.testing.assert_allclose(J.sum(axis=-1), 0.0, atol=1e-16)


def test_softmax_matches_sympy():
    zs = symbolic.vector("z", 3)
    assert symbolic.compare_with_sympy(symbolic.softmax(zs), zs, act.softmax) < 1e-14


def test_log_softmax_is_log_of_softmax():
    Z = rng(6).standard_normal((4, 6)) * 5
    np.testing.assert_allclose(act.log_softmax(Z), np.log(act.softmax(Z)), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("scale", [1e4, -1e4, 1e300])
def test_stable_for_huge_inputs(scale):
    Z = scale * np.array([[1.0, -1.0, 0.5, 0.0], [-1.0, -1.0, 1.0, 1.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for f in (
            act.sigmoid,
            act.sigmoid_grad,
            act.tanh,
            act.tanh_grad,
            act.softmax,
            act.log_softmax,
        ):
            out = f(Z)
            assert np.all(np.isfinite(out)), f.__name__
        assert np.all(np.isfinite(act.softmax_jacobian(Z)))
        p = act.softmax(Z)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-15)
    assert np.all((act.sigmoid(Z) >= 0) & (act.sigmoid(Z) <= 1))


def test_sigmoid_saturates_correctly():
    np.testing.assert_array_equal(act.sigmoid(np.array([-1e4, 1e4])), [0.0, 1.0])
    assert act.sigmoid(np.array(0.0)) == 0.5


def test_float32_preserved():
    Z = np.ones((2, 3), dtype=np.float32)
    for f in (act.sigmoid, act.tanh, act.relu, act.leaky_relu, act.softmax):
        assert f(Z).dtype == np.float32, f.__name__


@settings(max_examples=40, deadline=None)
@given(
    arrays(
        np.float64,
        st.tuples(st.integers(1, 5), st.integers(1, 6)),
        elements=st.floats(-1e6, 1e6, allow_nan=False),
    )
)
def test_softmax_property_rows_sum_to_one(Z):
    P = act.softmax(Z)
    assert np.all(np.isfinite(P))
    assert np.all(P >= 0)
    np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=1e-12)
    # softmax is invariant to adding a constant per row
    np.testing.assert_allclose(act.softmax(Z + 3.0), P, rtol=1e-9, atol=1e-12)


@settings(max_examples=40, deadline=None)
@given(arrays(np.float64, st.integers(1, 20), elements=st.floats(-50, 50, allow_nan=False)))
def test_sigmoid_property_symmetry(z_values):
    # sigma(-z) = 1 - sigma(z)
    np.testing.assert_allclose(act.sigmoid(-z_values), 1.0 - act.sigmoid(z_values), atol=1e-15)


def test_sigmoid_grad_keeps_relative_accuracy_in_the_tails():
    """sigma'(z) for |z| up to 700 agrees with 50-digit SymPy to 1e-13 relative error.

    (The textbook form s(1 - s) would return exactly 0 from z of about 37 on.)
    """
    import sympy as sp

    from nnlib.activations import sigmoid_grad

    zs = np.array([-700.0, -300.0, -40.0, -30.0, -1.5, 0.0, 2.0, 30.0, 40.0, 300.0, 700.0])
    t = sp.Symbol("t")
    exact_expr = sp.exp(-t) / (1 + sp.exp(-t)) ** 2
    exact = np.array([float(exact_expr.subs(t, sp.Float(z, 50)).evalf(50)) for z in zs])
    got = sigmoid_grad(zs)
    assert np.all(got > 0), "sigma'(z) is positive for every finite z"
    assert np.max(np.abs(got - exact) / exact) < 1e-13


# ----------------------------------------------------------------------------
# softplus, GELU (exact and tanh) and SiLU: SymPy, finite differences, PyTorch, extremes.
# ----------------------------------------------------------------------------
Z = np.linspace(-6.0, 6.0, 241)
SIG = 1 / (1 + sp.exp(-z))
PHI = (1 + sp.erf(z / sp.sqrt(2))) / 2  # standard normal CDF
# numpy has no erf: lambdify it to the C library's, element by element
MODULES = [{"erf": np.vectorize(math.erf, otypes=[float])}, "numpy"]
TANH_U = sp.sqrt(2 / sp.pi) * (z + sp.Rational(44715, 1000000) * z**3)

# (nnlib function, its derivative, SymPy function, the derivative the docstring states)
CASES = {
    "softplus": (act.softplus, act.softplus_grad, sp.log(1 + sp.exp(z)), SIG),
    "gelu": (act.gelu, act.gelu_grad, z * PHI, PHI + z * sp.exp(-(z**2) / 2) / sp.sqrt(2 * sp.pi)),
    "gelu-tanh": (
        lambda v: act.gelu(v, "tanh"),
        lambda v: act.gelu_grad(v, "tanh"),
        z * (1 + sp.tanh(TANH_U)) / 2,
        (1 + sp.tanh(TANH_U)) / 2
        + z * (1 - sp.tanh(TANH_U) ** 2) * sp.sqrt(2 / sp.pi)
        * (1 + 3 * sp.Rational(44715, 10**6) * z**2) / 2,
    ),
    "silu": (act.silu, act.silu_grad, z * SIG, SIG * (1 + z * (1 - SIG))),
}  # fmt: skip


@pytest.mark.parametrize("name", list(CASES))
def test_sympy_derivative_is_the_stated_closed_form(name):
    _, _, expr, stated = CASES[name]
    derivative = sp.diff(expr, z)
    difference = sp.lambdify(z, derivative - stated, MODULES)(Z)
    assert np.max(np.abs(difference)) < 1e-12
    assert sp.simplify(derivative - stated) == 0 or name == "gelu-tanh"  # tanh: numeric only


@pytest.mark.parametrize("name", list(CASES))
def test_values_and_derivatives_match_sympy(name):
    f, df, expr, _ = CASES[name]
    assert relative_error(f(Z), sp.lambdify(z, expr, MODULES)(Z)) < 1e-13
    assert relative_error(df(Z), sp.lambdify(z, sp.diff(expr, z), MODULES)(Z)) < 1e-12


@pytest.mark.parametrize("name", list(CASES))
def test_derivatives_match_finite_differences(name):
    f, df, _, _ = CASES[name]
    h = 1e-6  # element-wise central differences: each f(z +- h) is O(1), so round-off ~1e-10
    numeric = (f(Z + h) - f(Z - h)) / (2 * h)
    assert relative_error(df(Z), numeric) < 1e-8
    one = np.array([0.7])
    assert relative_error(df(one), numerical_gradient(lambda v: float(f(v)[0]), one)) < 1e-8


def test_gelu_tanh_approximation_error_is_measured_small():
    grid = np.linspace(-10.0, 10.0, 20001)
    error = np.max(np.abs(act.gelu(grid, "tanh") - act.gelu(grid)))
    assert 1e-5 < error < 1e-3  # 4.7e-4, at z = -2.7: close, but not equal
    with pytest.raises(ValueError, match="gelu: expected approximate in"):
        act.gelu(grid, "erf")


@pytest.mark.parametrize("name", list(CASES))
def test_finite_without_warnings_for_extreme_inputs(name):
    f, df, _, _ = CASES[name]
    extreme = np.array([-1e4, -50.0, 0.0, 50.0, 1e4])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        values, slopes = f(extreme), df(extreme)
    assert np.all(np.isfinite(values)) and np.all(np.isfinite(slopes))
    assert f(extreme.astype(np.float32)).dtype == np.float32


@requires_torch
@pytest.mark.parametrize(
    ("name", "torch_name", "kwargs"),
    [("softplus", "softplus", {}), ("gelu", "gelu", {}),
     ("gelu-tanh", "gelu", {"approximate": "tanh"}), ("silu", "silu", {})],
)  # fmt: skip
def test_agrees_with_torch(name, torch_name, kwargs):
    import torch

    f, df, _, _ = CASES[name]
    x = torch.tensor(Z, requires_grad=True)
    y = getattr(torch.nn.functional, torch_name)(x, **kwargs)
    y.sum().backward()
    assert relative_error(f(Z), y.detach().numpy()) < 1e-12
    assert relative_error(df(Z), x.grad.numpy()) < 1e-12
