"""nnlib.layers: Parameter, the Layer base class, Dense and Dropout."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from _helpers import GRAD_TOL, rng

from nnlib import symbolic
from nnlib.gradcheck import gradcheck
from nnlib.layers import RNN, Attention, Conv2D, Dense, Dropout, Layer, Parameter
from nnlib.network import Sequential


# -- Parameter and Layer ----------------------------------------------------------------
def test_parameter_basics():
    p = Parameter([[1, 2], [3, 4]], "W")
    assert p.value.dtype == np.float64
    assert p.grad.shape == (2, 2) and not p.grad.any()
    assert p.kind == "weight" and p.is_weight
    assert p.size == 4 and p.shape == (2, 2)
    p.grad += 1.0
    p.zero_grad()
    assert not p.grad.any()
    assert repr(p) == "Parameter(name='W', shape=(2, 2), kind='weight')"
    assert Parameter(np.zeros(3), "b", kind="bias").kind == "bias"
    with pytest.raises(ValueError, match="kind"):
        Parameter(np.zeros(3), "b", kind="offset")


class Scale(Layer):
    """The example layer of nnlib/layers/base.py's docstring: Y = X * s."""

    def __init__(self, n):
        super().__init__()
        self.s = Parameter(np.linspace(0.5, 1.5, n), "s", kind="weight")

    def forward(self, X):
        X = self._check_input(X)
        self._X = X
        return X * self.s.value

    def backward(self, dL_dY, *, input_grad=True):
        X = self._cached("_X")
        self.s.grad[...] = (dL_dY * X).sum(axis=0)
        if not input_grad:
            return None
        return dL_dY * self.s.value


def test_custom_layer_from_docstring_works_everywhere():
    layer = Scale(3)
    assert layer.parameters() == [layer.s]
    assert layer.n_params == 3
    assert repr(layer) == "Scale()"
    X = rng(0).standard_normal((4, 3))
    assert gradcheck(layer, X) < GRAD_TOL
    net = Sequential(Dense(3, 3, rng=1), Scale(3), Dense(3, 2, rng=2))
    assert gradcheck(net, X) < GRAD_TOL
    with pytest.raises(ValueError, match="backward before forward"):
        Scale(2).backward(np.ones((1, 2)))


def test_train_eval_flags():
    layer = Dense(2, 2, rng=0)
    assert layer.training
    assert layer.eval() is layer and not layer.training
    assert layer.train() is layer and layer.training


def test_base_layer_must_be_implemented():
    with pytest.raises(NotImplementedError):
        Layer().forward(np.ones((1, 1)))
    assert Layer().parameters() == []


# -- Dense ------------------------------------------------------------------------------
def test_dense_forward_is_affine():
    layer = Dense(3, 2, rng=0)
    layer.b.value[:] = [0.5, -1.0]
    X = rng(1).standard_normal((4, 3))
    np.testing.assert_allclose(layer.forward(X), X @ layer.W.value.T + layer.b.value)
    assert layer.W.shape == (2, 3) and layer.b.shape == (2,)
    assert layer.n_params == 3 * 2 + 2
    assert repr(layer) == "Dense(n_in=3, n_out=2)"
    assert [p.name for p in layer.parameters()] == ["W", "b"]
    assert [p.kind for p in layer.parameters()] == ["weight", "bias"]


def test_dense_backward_formulas():
    layer = Dense(3, 2, rng=0)
    X = rng(1).standard_normal((5, 3))
    delta = rng(2).standard_normal((5, 2))
    layer.forward(X)
    dX = layer.backward(delta)
    np.testing.assert_allclose(layer.W.grad, delta.T @ X)  # dL/dW = delta^T X
    np.testing.assert_allclose(layer.b.grad, delta.sum(axis=0))  # dL/db = sum_i delta_i
    np.testing.assert_allclose(dX, delta @ layer.W.value)  # dL/dX = delta W
    # backward overwrites .grad (it does not accumulate)
    layer.backward(delta)
    np.testing.assert_allclose(layer.W.grad, delta.T @ X)


def test_dense_backward_without_input_grad_matches_backward():
    layer = Dense(4, 3, rng=0)
    X = rng(1).standard_normal((6, 4))
    delta = rng(2).standard_normal((6, 3))
    layer.forward(X)
    layer.backward(delta)
    W_grad, b_grad = layer.W.grad.copy(), layer.b.grad.copy()
    layer.zero_grad()
    assert layer.backward(delta, input_grad=False) is None
    np.testing.assert_array_equal(layer.W.grad, W_grad)
    np.testing.assert_array_equal(layer.b.grad, b_grad)


def test_dense_gradcheck():
    layer = Dense(4, 3, rng=0)
    layer.b.value[:] = rng(3).standard_normal(3)
    assert gradcheck(layer, rng(1).standard_normal((5, 4))) < GRAD_TOL


def test_dense_matches_sympy():
    # one example, column-vector math: z = W a + b, L = sum_j r_j z_j
    n_in, n_out = 3, 2
    W = sp.Matrix(n_out, n_in, lambda j, k: sp.Symbol(f"W_{j}{k}", real=True))
    b = sp.Matrix(symbolic.vector("b", n_out))
    a = sp.Matrix(symbolic.vector("a", n_in))
    r = np.array([0.7, -1.3])
    L = (sp.Matrix(r).T * (W * a + b))[0]
    dL_dW = W.applyfunc(lambda w: sp.diff(L, w))
    dL_da = sp.Matrix([sp.diff(L, ak) for ak in a])
    symbols = list(W) + list(b) + list(a)

    def nnlib_grads(v):
        layer = Dense(n_in, n_out)
        layer.W.value[:] = v[:6].reshape(2, 3)
        layer.b.value[:] = v[6:8]
        layer.forward(v[8:][None])
        dX = layer.backward(r[None])
        return np.concatenate([layer.W.grad.ravel(), dX.ravel()])

    expr = sp.Matrix([*dL_dW, *dL_da])
    assert symbolic.compare_with_sympy(expr, symbols, nnlib_grads) < 1e-14


@pytest.mark.parametrize(
    ("init", "var"), [("he", 2 / 400), ("xavier", 2 / 600), ("normal", 1e-4), (0.5, 0.25)]
)
def test_dense_init_variance(init, var):
    W = Dense(400, 200, init=init, rng=0).W.value
    assert W.var() == pytest.approx(var, rel=0.05)
    assert abs(W.mean()) < 0.05 * np.sqrt(var)


def test_dense_rng_reproducible():
    a = Dense(5, 4, rng=np.random.default_rng(7)).W.value
    b = Dense(5, 4, rng=7).W.value
    np.testing.assert_array_equal(a, b)


def test_dense_float32_path():
    layer = Dense(4, 3, rng=0, dtype=np.float32)
    assert repr(layer) == "Dense(n_in=4, n_out=3, dtype=float32)"
    X = rng(1).standard_normal((5, 4))  # float64 input is cast
    Z = layer.forward(X)
    assert Z.dtype == np.float32
    dX = layer.backward(np.ones((5, 3), dtype=np.float32))
    assert dX.dtype == np.float32 and layer.W.grad.dtype == np.float32


# -- Dropout ----------------------------------------------------------------------------
def test_dropout_fixed_mask_gradcheck():
    X = rng(0).standard_normal((4, 5))
    mask = rng(1).random((4, 5)) > 0.3
    drop = Dropout(0.3)
    Y = drop.forward(X, mask=mask)
    np.testing.assert_allclose(Y, X * mask / 0.7)
    R = rng(2).standard_normal(X.shape)
    dX = drop.backward(R)
    np.testing.assert_allclose(dX, R * mask / 0.7)
    assert (
        gradcheck(lambda x: float(np.sum(R * drop.forward(x, mask=mask))), X, grad=dX) < GRAD_TOL
    )


def test_dropout_statistics_and_inverted_scaling():
    p = 0.25
    drop = Dropout(p, rng=0)
    X = np.ones((400, 250))
    Y = drop.forward(X)
    kept = Y != 0
    assert kept.mean() == pytest.approx(1 - p, abs=0.01)
    np.testing.assert_allclose(Y[kept], 1 / (1 - p))
    assert Y.mean() == pytest.approx(1.0, abs=0.01)  # E[a~] = a
    # backward uses the same mask
    np.testing.assert_array_equal(drop.backward(np.ones_like(X)) != 0, kept)


def test_dropout_eval_is_identity_and_reproducible():
    X = rng(0).standard_normal((3, 4))
    drop = Dropout(0.5, rng=1).eval()
    np.testing.assert_array_equal(drop.forward(X), X)
    np.testing.assert_array_equal(drop.backward(X), X)
    a = Dropout(0.5, rng=3).forward(X)
    b = Dropout(0.5, rng=3).forward(X)
    np.testing.assert_array_equal(a, b)
    assert repr(Dropout(0.5)) == "Dropout(p=0.5)"
    np.testing.assert_array_equal(Dropout(0.0).forward(X), X)



@pytest.mark.parametrize(
    "layer, args, dtype",
    [(Dense, (3, 2), np.int64), (RNN, (3, 2), np.int32), (Conv2D, (1, 2, 3), int),
     (Attention, (4,), bool)],
    ids=["Dense", "RNN", "Conv2D", "Attention"],
)
def test_layers_refuse_a_non_float_dtype_naming_themselves(layer, args, dtype):
    with pytest.raises(TypeError, match=rf"{layer.__name__}.*expected a float dtype, got"):
        layer(*args, dtype=dtype)


def test_sequential_passes_input_grad_only_to_the_first_trainable_layer():
    """A layer written as backward(self, dL_dY) still works after the first trainable one."""

    class Double(Layer):
        def forward(self, X):
            X = self._check_input(X)
            self._shape = X.shape
            return 2.0 * X

        def backward(self, dL_dY):  # no input_grad flag
            self._cached("_shape")
            return 2.0 * dL_dY

    net = Sequential(Dense(3, 2, rng=0), Double(), Dense(2, 1, rng=1))
    X = rng(0).standard_normal((4, 3))
    net.forward(X)
    assert net.backward(np.ones((4, 1)), input_grad=False) is None
    assert gradcheck(net, X) < GRAD_TOL
