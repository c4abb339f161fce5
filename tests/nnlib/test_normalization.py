"""BatchNorm and LayerNorm: forward, the three-term backward against SymPy, finite
differences and PyTorch; running statistics; train vs eval; bad input; float32."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from _helpers import requires_torch

from nnlib.gradcheck import gradcheck, relative_error
from nnlib.layers import BatchNorm, LayerNorm


def _randomise(layer, rng):
    layer.gamma.value[...] = 1.0 + 0.5 * rng.standard_normal(layer.n_features)
    layer.beta.value[...] = 0.5 * rng.standard_normal(layer.n_features)
    return layer


# ---------------------------------------------------------------------------------
# forward
# ---------------------------------------------------------------------------------
def test_batchnorm_forward_standardises_columns():
    rng = np.random.default_rng(0)
    X = 3.0 + 2.0 * rng.standard_normal((50, 4))
    Y = BatchNorm(4).forward(X)
    np.testing.assert_allclose(Y.mean(axis=0), 0.0, atol=1e-12)
    # biased variance: var(Y) = var / (var + eps)
    var = X.var(axis=0)
    np.testing.assert_allclose(Y.var(axis=0), var / (var + 1e-5), rtol=1e-12)


def test_layernorm_forward_standardises_rows_of_sequences():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((3, 5, 6)) * 4 + 1
    Y = LayerNorm(6).forward(X)
    np.testing.assert_allclose(Y.mean(axis=-1), 0.0, atol=1e-12)
    var = X.var(axis=-1)
    np.testing.assert_allclose(Y.var(axis=-1), var / (var + 1e-5), rtol=1e-12)


def test_parameters_start_at_one_and_zero():
    for layer in (BatchNorm(3), LayerNorm(3)):
        names = [p.name for p in layer.parameters()]
        assert names == ["gamma", "beta"]
        np.testing.assert_array_equal(layer.gamma.value, np.ones(3))
        np.testing.assert_array_equal(layer.beta.value, np.zeros(3))


def test_running_statistics_use_unbiased_variance_and_momentum():
    rng = np.random.default_rng(2)
    bn = BatchNorm(3, momentum=0.25)
    X1, X2 = rng.standard_normal((6, 3)), rng.standard_normal((4, 3)) + 2
    bn.forward(X1)
    bn.forward(X2)
    rm, rv = np.zeros(3), np.ones(3)
    for X in (X1, X2):
        rm = 0.75 * rm + 0.25 * X.mean(axis=0)
        rv = 0.75 * rv + 0.25 * X.var(axis=0, ddof=1)
    np.testing.assert_allclose(bn.running_mean, rm, rtol=1e-13)
    np.testing.assert_allclose(bn.running_var, rv, rtol=1e-13)


def test_eval_uses_running_statistics_and_does_not_update_them():
    rng = np.random.default_rng(3)
    bn = _randomise(BatchNorm(3), rng)
    bn.running_mean[...] = [1.0, -2.0, 0.5]
    bn.running_var[...] = [4.0, 0.25, 1.0]
    bn.eval()
    X = rng.standard_normal((1, 3))  # a batch of one is fine in eval mode
    Y = bn.forward(X)
    expected = (X - bn.running_mean) / np.sqrt(bn.running_var + 1e-5) * bn.gamma.value
    np.testing.assert_allclose(Y, expected + bn.beta.value, rtol=1e-13)
    np.testing.assert_array_equal(bn.running_mean, [1.0, -2.0, 0.5])
    assert gradcheck(bn, rng.standard_normal((4, 3))) < 1e-7


# ---------------------------------------------------------------------------------
# backward: SymPy, finite differences
# ---------------------------------------------------------------------------------
def _sympy_norm_grad(m, eps):
    """dL/dx of L = sum_i r_i * xhat_i for one group of m values, by SymPy."""
    x = sp.symbols(f"x0:{m}", real=True)
    r = sp.symbols(f"r0:{m}", real=True)
    mu = sum(x) / m
    var = sum((xi - mu) ** 2 for xi in x) / m
    L = sum(ri * (xi - mu) / sp.sqrt(var + eps) for ri, xi in zip(r, x, strict=True))
    grads = [sp.diff(L, xi) for xi in x]
    return sp.lambdify((x, r), grads, "numpy")


@pytest.mark.parametrize("layer_cls", [BatchNorm, LayerNorm])
def test_backward_matches_sympy(layer_cls):
    m, eps = 3, sp.Rational(1, 100)
    grad_fn = _sympy_norm_grad(m, eps)
    rng = np.random.default_rng(4)
    if layer_cls is BatchNorm:  # groups are the columns of a (3, 2) batch
        layer, X = layer_cls(2, eps=0.01), rng.standard_normal((m, 2))
        R = rng.standard_normal(X.shape)
        expected = np.column_stack(
            [np.array(grad_fn(X[:, j], R[:, j]), dtype=float) for j in range(2)]
        )
    else:  # groups are the rows of a (2, 3) batch
        layer, X = layer_cls(m, eps=0.01), rng.standard_normal((2, m))
        R = rng.standard_normal(X.shape)
        expected = np.vstack([np.array(grad_fn(X[i], R[i]), dtype=float) for i in range(2)])
    layer.forward(X)  # gamma = 1, beta = 0: Y = xhat
    assert relative_error(layer.backward(R), expected) < 1e-12


@pytest.mark.parametrize(
    "make, shape",
    [
        (lambda: BatchNorm(4), (5, 4)),
        (lambda: BatchNorm(2), (3, 2)),
        (lambda: LayerNorm(4), (5, 4)),
        (lambda: LayerNorm(3), (2, 4, 3)),
    ],
)
def test_gradients_match_finite_differences(make, shape):
    rng = np.random.default_rng(5)
    layer = _randomise(make(), rng)
    X = rng.standard_normal(shape)
    errors = gradcheck(layer, X, per_tensor=True)
    assert max(errors.values()) < 1e-7, errors


def test_batchnorm_grad_is_orthogonal_to_shift_and_scale():
    # With eps -> 0 the BN output is invariant to X -> a X + c per column, so dL/dX
    # sums to 0 and is orthogonal to xhat in every column (what the three terms
    # enforce; with eps > 0 the second holds only up to O(eps / var)).
    rng = np.random.default_rng(6)
    bn = _randomise(BatchNorm(3, eps=1e-14), rng)
    X = rng.standard_normal((7, 3))
    Y_hat = (bn.forward(X) - bn.beta.value) / bn.gamma.value
    dX = bn.backward(rng.standard_normal((7, 3)))
    np.testing.assert_allclose(dX.sum(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose((dX * Y_hat).sum(axis=0), 0.0, atol=1e-11)


# ---------------------------------------------------------------------------------
# PyTorch
# ---------------------------------------------------------------------------------
@requires_torch
@pytest.mark.parametrize("training", [True, False])
def test_batchnorm_matches_torch(training):
    import torch

    rng = np.random.default_rng(7)
    bn = _randomise(BatchNorm(4, momentum=0.2), rng)
    tb = torch.nn.BatchNorm1d(4, eps=1e-5, momentum=0.2).double()
    with torch.no_grad():
        tb.weight.copy_(torch.from_numpy(bn.gamma.value))
        tb.bias.copy_(torch.from_numpy(bn.beta.value))
    for _ in range(3):  # update the running statistics in both
        Xw = rng.standard_normal((6, 4)) * 2 + 1
        bn.forward(Xw)
        tb(torch.from_numpy(Xw))
    np.testing.assert_allclose(bn.running_mean, tb.running_mean.numpy(), rtol=1e-12)
    np.testing.assert_allclose(bn.running_var, tb.running_var.numpy(), rtol=1e-12)
    bn.train(training)
    tb.train(training)
    X = rng.standard_normal((5, 4))
    G = rng.standard_normal((5, 4))
    Xt = torch.from_numpy(X).requires_grad_(True)
    Yt = tb(Xt)
    (Yt * torch.from_numpy(G)).sum().backward()
    Y = bn.forward(X)
    dX = bn.backward(G)
    assert relative_error(Y, Yt.detach().numpy()) < 1e-12
    assert relative_error(dX, Xt.grad.numpy()) < 1e-10
    assert relative_error(bn.gamma.grad, tb.weight.grad.numpy()) < 1e-12
    assert relative_error(bn.beta.grad, tb.bias.grad.numpy()) < 1e-12


@requires_torch
def test_layernorm_matches_torch():
    import torch

    rng = np.random.default_rng(8)
    ln = _randomise(LayerNorm(5), rng)
    tl = torch.nn.LayerNorm(5, eps=1e-5).double()
    with torch.no_grad():
        tl.weight.copy_(torch.from_numpy(ln.gamma.value))
        tl.bias.copy_(torch.from_numpy(ln.beta.value))
    X = rng.standard_normal((2, 3, 5))
    G = rng.standard_normal((2, 3, 5))
    Xt = torch.from_numpy(X).requires_grad_(True)
    Yt = tl(Xt)
    (Yt * torch.from_numpy(G)).sum().backward()
    Y = ln.forward(X)
    dX = ln.backward(G)
    assert relative_error(Y, Yt.detach().numpy()) < 1e-12
    assert relative_error(dX, Xt.grad.numpy()) < 1e-10
    assert relative_error(ln.gamma.grad, tl.weight.grad.numpy()) < 1e-12
    assert relative_error(ln.beta.grad, tl.bias.grad.numpy()) < 1e-12


# ---------------------------------------------------------------------------------
# bad input, float32, numerics
# ---------------------------------------------------------------------------------
def test_batch_of_one_in_training_is_a_clear_error():
    with pytest.raises(
        ValueError, match=r"BatchNorm\(n_features=3\)\.forward.*at least 2.*batch of 1"
    ):
        BatchNorm(3).forward(np.ones((1, 3)))


@pytest.mark.parametrize("layer", [BatchNorm(3), LayerNorm(3)])
def test_wrong_shape_and_nan_are_clear_errors(layer):
    with pytest.raises(ValueError, match=r"expected X of shape .*3\), got \(4, 2\)"):
        layer.forward(np.ones((4, 2)))
    X = np.ones((4, 3))
    X[1, 2] = np.nan
    with pytest.raises(ValueError, match="1 NaN"):
        layer.forward(X)
    with pytest.raises(ValueError, match="backward before forward"):
        type(layer)(3).backward(np.ones((4, 3)))
    layer.forward(np.arange(12.0).reshape(4, 3))
    with pytest.raises(ValueError, match=r"expected dL_dY of shape \(4, 3\)"):
        layer.backward(np.ones((4, 2)))


@pytest.mark.parametrize("bad", [0, -1, 2.5, True])
def test_bad_constructor_arguments(bad):
    with pytest.raises((ValueError, TypeError), match="n_features"):
        BatchNorm(bad)
    with pytest.raises((ValueError, TypeError), match="n_features"):
        LayerNorm(bad)


def test_bad_eps_and_momentum():
    with pytest.raises(ValueError, match="eps"):
        LayerNorm(3, eps=0.0)
    with pytest.raises(ValueError, match="momentum"):
        BatchNorm(3, momentum=1.5)
    with pytest.raises(TypeError, match="eps"):
        BatchNorm(3, eps="small")


@pytest.mark.parametrize("layer_cls", [BatchNorm, LayerNorm])
def test_constant_input_gives_finite_output(layer_cls):
    layer = layer_cls(3)
    Y = layer.forward(np.full((4, 3), 7.0))
    dX = layer.backward(np.ones((4, 3)))
    assert np.all(np.isfinite(Y)) and np.all(np.isfinite(dX))
    np.testing.assert_allclose(Y, 0.0, atol=1e-12)


@pytest.mark.parametrize("layer_cls", [BatchNorm, LayerNorm])
def test_float32_stays_float32_and_agrees(layer_cls):
    rng = np.random.default_rng(9)
    X = rng.standard_normal((6, 4))
    G = rng.standard_normal((6, 4))
    a, b = layer_cls(4), layer_cls(4, dtype=np.float32)
    Y64, dX64 = a.forward(X), a.backward(G)
    Y32 = b.forward(X.astype(np.float32))
    dX32 = b.backward(G.astype(np.float32))
    assert Y32.dtype == np.float32 and dX32.dtype == np.float32
    assert relative_error(Y32.astype(float), Y64) < 1e-5
    assert relative_error(dX32.astype(float), dX64) < 1e-5
