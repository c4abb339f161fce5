"""Residual: Y = X + F(X), its Jacobian I + dF/dX, gradients, PyTorch, bad input."""

from __future__ import annotations

import numpy as np
import pytest
from _helpers import requires_torch

from nnlib.gradcheck import gradcheck, relative_error
from nnlib.layers import BatchNorm, Dense, Dropout, LayerNorm, ReLU, Residual, Tanh


def block(d=4, seed=0):
    rng = np.random.default_rng(seed)
    return Residual(Dense(d, 6, rng=rng), Tanh(), Dense(6, d, rng=rng))


def test_forward_is_x_plus_f_of_x():
    rng = np.random.default_rng(0)
    res = block()
    X = rng.standard_normal((3, 4))
    F = X
    for layer in res.layers:
        F = layer.forward(F)
    np.testing.assert_allclose(res.forward(X), X + F, rtol=1e-14)


def test_jacobian_is_identity_plus_jacobian_of_f():
    rng = np.random.default_rng(1)
    res = block()
    x = rng.standard_normal((1, 4))
    res.forward(x)
    J = np.stack([res.backward(np.eye(4)[[k]])[0] for k in range(4)])  # rows: dY_k/dX
    # J_F from the inner layers alone
    JF = []
    for k in range(4):
        g = np.eye(4)[[k]]
        for layer in reversed(res.layers):
            g = layer.backward(g)
        JF.append(g[0])
    np.testing.assert_allclose(J, np.eye(4) + np.array(JF), rtol=1e-13, atol=1e-15)
    # a residual block with F == 0 passes the gradient unchanged
    zero = Residual(Dense(4, 4, rng=0))
    zero.layers[0].W.value[...] = 0.0
    zero.forward(x)
    g = rng.standard_normal((1, 4))
    np.testing.assert_array_equal(zero.backward(g), g)


def test_gradients_match_finite_differences():
    rng = np.random.default_rng(2)
    res = Residual(Dense(3, 5, rng=rng), ReLU(), Dense(5, 3, rng=rng), LayerNorm(3))
    errors = gradcheck(res, rng.standard_normal((4, 3)), per_tensor=True)
    assert set(errors) == {
        "X",
        "layers[0].W",
        "layers[0].b",
        "layers[2].W",
        "layers[2].b",
        "layers[3].gamma",
        "layers[3].beta",
    }
    assert max(errors.values()) < 1e-7, errors


def test_parameters_train_eval_reach_inner_layers():
    res = Residual(Dense(3, 3, rng=0), Dropout(0.5, rng=0), BatchNorm(3))
    assert len(res.parameters()) == 4
    assert res.n_params == 3 * 3 + 3 + 3 + 3
    res.eval()
    assert not any(layer.training for layer in res.layers)
    res.train()
    assert all(layer.training for layer in res.layers)


@requires_torch
def test_matches_torch():
    import torch

    rng = np.random.default_rng(3)
    res = block(seed=3)
    X = rng.standard_normal((5, 4))
    G = rng.standard_normal((5, 4))
    d1, d2 = res.layers[0], res.layers[2]
    t1, t2 = torch.nn.Linear(4, 6).double(), torch.nn.Linear(6, 4).double()
    with torch.no_grad():
        for t, d in ((t1, d1), (t2, d2)):
            t.weight.copy_(torch.from_numpy(d.W.value))
            t.bias.copy_(torch.from_numpy(d.b.value))
    Xt = torch.from_numpy(X).requires_grad_(True)
    Yt = Xt + t2(torch.tanh(t1(Xt)))
    (Yt * torch.from_numpy(G)).sum().backward()
    Y = res.forward(X)
    dX = res.backward(G)
    assert relative_error(Y, Yt.detach().numpy()) < 1e-13
    assert relative_error(dX, Xt.grad.numpy()) < 1e-12
    assert relative_error(d1.W.grad, t1.weight.grad.numpy()) < 1e-12
    assert relative_error(d2.b.grad, t2.bias.grad.numpy()) < 1e-12


def test_shape_mismatch_is_a_clear_error():
    res = Residual(Dense(4, 3, rng=0))
    with pytest.raises(
        ValueError, match=r"keep the input shape \(2, 4\).*got F\(X\) of shape \(2, 3\)"
    ):
        res.forward(np.ones((2, 4)))


def test_bad_construction_and_inner_errors():
    with pytest.raises(ValueError, match="at least one inner layer"):
        Residual()
    with pytest.raises(TypeError, match="expected Layer instances, got int at position 1"):
        Residual(Dense(2, 2, rng=0), 3)
    res = block()
    with pytest.raises(ValueError, match=r"inner layer \(0\)"):
        res.forward(np.ones((2, 5)))
    X = np.ones((2, 4))
    X[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        res.forward(X)
    with pytest.raises(ValueError, match="backward before forward"):
        block().backward(np.ones((2, 4)))


def test_float32():
    rng = np.random.default_rng(4)
    res = Residual(Dense(3, 3, rng=0, dtype=np.float32), LayerNorm(3, dtype=np.float32))
    X = rng.standard_normal((2, 3)).astype(np.float32)
    Y = res.forward(X)
    assert Y.dtype == np.float32
    assert res.backward(np.ones_like(Y)).dtype == np.float32
