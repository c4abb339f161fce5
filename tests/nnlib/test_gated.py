"""LSTM and GRU: the gate equations, BPTT against SymPy (2-unit cell), finite
differences and PyTorch (copied weights), initial states, bad input, float32."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from _helpers import requires_torch

from nnlib.gradcheck import gradcheck, numerical_gradient, relative_error
from nnlib.layers import GRU, LSTM


def make(cls, n_in=3, n_hidden=4, n=2, T=5, seed=0):
    rng = np.random.default_rng(seed)
    layer = cls(n_in, n_hidden, rng=rng)
    for p in layer.parameters():
        if p.kind == "bias":
            p.value[...] = 0.3 * rng.standard_normal(p.shape)
    return layer, rng.standard_normal((n, T, n_in)), rng


def sig(a):
    return 1 / (1 + np.exp(-a))


def test_lstm_forward_is_the_gate_equations():
    lstm, X, rng = make(LSTM)
    h0, c0 = rng.standard_normal((2, 4)), rng.standard_normal((2, 4))
    H = lstm.forward(X, h0, c0)
    h, c = h0, c0
    for t in range(X.shape[1]):
        a = lstm.W_ih.value @ X[:, t].T + lstm.W_hh.value @ h.T + lstm.b.value[:, None]
        i, f, g, o = sig(a[:4]), sig(a[4:8]), np.tanh(a[8:12]), sig(a[12:])
        c = (f * c.T + i * g).T
        h = (o * np.tanh(c.T)).T
        assert relative_error(H[:, t], h) < 1e-13
        assert relative_error(lstm.c[:, t], c) < 1e-13


def test_gru_forward_is_the_gate_equations():
    gru, X, rng = make(GRU)
    h0 = rng.standard_normal((2, 4))
    H = gru.forward(X, h0)
    h = h0
    Wi, Wh, bi, bh = gru.W_ih.value, gru.W_hh.value, gru.b_ih.value, gru.b_hh.value
    for t in range(X.shape[1]):
        u = X[:, t] @ Wi.T + bi
        v = h @ Wh.T + bh
        r, z = sig(u[:, :4] + v[:, :4]), sig(u[:, 4:8] + v[:, 4:8])
        n = np.tanh(u[:, 8:] + r * v[:, 8:])
        h = (1 - z) * n + z * h
        assert relative_error(H[:, t], h) < 1e-13


def test_shapes_and_parameter_names():
    lstm, gru = LSTM(3, 5, rng=0), GRU(3, 5, rng=0)
    assert [(p.name, p.shape) for p in lstm.parameters()] == [
        ("W_ih", (20, 3)),
        ("W_hh", (20, 5)),
        ("b", (20,)),
    ]
    assert [(p.name, p.shape) for p in gru.parameters()] == [
        ("W_ih", (15, 3)),
        ("W_hh", (15, 5)),
        ("b_ih", (15,)),
        ("b_hh", (15,)),
    ]
    assert lstm.forward(np.zeros((2, 7, 3))).shape == (2, 7, 5)
    assert gru.forward(np.zeros((2, 7, 3))).shape == (2, 7, 5)


# ---------------------------------------------------------------------------------
# BPTT against SymPy on a 2-unit cell, 2 steps
# ---------------------------------------------------------------------------------
def _sympy_loss(cls, P, xs, R, H):
    """L = sum_t R_t . h_t built in SymPy from the gate equations (P: name -> Matrix)."""

    def sg(a):
        return a.applyfunc(lambda e: 1 / (1 + sp.exp(-e)))

    def th(a):
        return a.applyfunc(sp.tanh)

    h, c, L = sp.zeros(H, 1), sp.zeros(H, 1), 0
    for t, x in enumerate(xs):
        if cls is LSTM:
            a = P["W_ih"] * x + P["W_hh"] * h + P["b"]
            i, f, g, o = (
                sg(a[0:H, 0]),
                sg(a[H : 2 * H, 0]),
                th(a[2 * H : 3 * H, 0]),
                sg(a[3 * H :, 0]),
            )
            c = f.multiply_elementwise(c) + i.multiply_elementwise(g)
            h = o.multiply_elementwise(th(c))
        else:
            u = P["W_ih"] * x + P["b_ih"]
            v = P["W_hh"] * h + P["b_hh"]
            r, z = sg(u[0:H, 0] + v[0:H, 0]), sg(u[H : 2 * H, 0] + v[H : 2 * H, 0])
            n = th(u[2 * H :, 0] + r.multiply_elementwise(v[2 * H :, 0]))
            h = (sp.ones(H, 1) - z).multiply_elementwise(n) + z.multiply_elementwise(h)
        L += sum(sp.Float(R[t, j]) * h[j] for j in range(H))
    return L


def _sympy_check(cls, seed):
    """Each exact derivative dL/d(theta_k): theta_k is the only SymPy symbol, the rest
    are numbers, so every expression stays small; sp.diff, then evaluate."""
    H, n_in, T = 2, 1, 2
    layer, X, rng = make(cls, n_in, H, 1, T, seed)
    R = rng.standard_normal((T, H))
    layer.forward(X)
    dX = layer.backward(R[None])
    s = sp.Symbol("s", real=True)

    def numeric():
        P = {p.name: sp.Matrix(p.value.reshape(p.shape[0], -1)) for p in layer.parameters()}
        xs = [sp.Matrix([[X[0, t, 0]]]) for t in range(T)]
        return P, xs

    for p in layer.parameters():  # three entries of each (one per gate block at least)
        for flat in rng.choice(p.size, size=3, replace=False):
            idx = np.unravel_index(flat, p.shape)
            P, xs = numeric()
            row, col = (idx[0], idx[1]) if p.value.ndim == 2 else (idx[0], 0)
            P[p.name][row, col] = s
            dL = float(sp.diff(_sympy_loss(cls, P, xs, R, H), s).subs(s, p.value[idx]))
            assert abs(dL - p.grad[idx]) < 1e-12 * max(1.0, abs(p.grad).max()), (p.name, idx)
    for t in range(T):
        P, xs = numeric()
        xs[t] = sp.Matrix([[s]])
        dL = sp.diff(_sympy_loss(cls, P, xs, R, H), s)
        assert abs(float(dL.subs(s, X[0, t, 0])) - dX[0, t, 0]) < 1e-12 * max(1, abs(dX).max())


@pytest.mark.parametrize("cls", [LSTM, GRU])
def test_bptt_matches_sympy(cls):
    _sympy_check(cls, seed=1)


# ---------------------------------------------------------------------------------
# finite differences
# ---------------------------------------------------------------------------------
@pytest.mark.parametrize("cls", [LSTM, GRU])
@pytest.mark.parametrize("n_in, n_hidden, T", [(1, 1, 1), (3, 4, 5), (2, 3, 8)])
def test_gradients_match_finite_differences(cls, n_in, n_hidden, T):
    layer, X, _ = make(cls, n_in, n_hidden, 3, T)
    errors = gradcheck(layer, X, per_tensor=True)
    assert max(errors.values()) < 1e-7, errors


@pytest.mark.parametrize("cls", [LSTM, GRU])
def test_initial_state_gradients_match_finite_differences(cls):
    layer, X, rng = make(cls, 2, 3, 2, 4)
    h0, c0 = rng.standard_normal((2, 3)), rng.standard_normal((2, 3))
    R = rng.standard_normal((2, 4, 3))
    extra = (c0,) if cls is LSTM else ()

    def objective(_):
        return float(np.sum(R * layer.forward(X, h0, *extra)))

    layer.forward(X, h0, *extra)
    layer.backward(R)
    assert relative_error(layer.dh0, numerical_gradient(objective, h0)) < 1e-8
    if cls is LSTM:
        assert relative_error(layer.dc0, numerical_gradient(objective, c0)) < 1e-8


def test_cell_state_jacobian_is_diag_f():
    # with W_hh = 0 the gates do not depend on h, so dc_T/dc_{T-1} = diag(f_T):
    # the gradient reaching c_0 through one step with only dL/dc_1 = e is f_1 * e
    lstm, X, rng = make(LSTM, 2, 3, 1, 1)
    lstm.W_hh.value[...] = 0.0
    c0 = rng.standard_normal((1, 3))
    lstm.forward(X, None, c0)
    _, f, _, o = np.split(lstm._cache[3][0, 0], 4)
    tc = np.tanh(lstm.c[0, 0])
    G = rng.standard_normal((1, 1, 3))
    lstm.backward(G)
    # dL/dc_1 = G o (1 - tanh^2 c_1), then times f_1
    np.testing.assert_allclose(lstm.dc0[0], G[0, 0] * o * (1 - tc**2) * f, rtol=1e-13)


# ---------------------------------------------------------------------------------
# PyTorch, copied weights
# ---------------------------------------------------------------------------------
@requires_torch
@pytest.mark.parametrize("cls", [LSTM, GRU])
def test_matches_torch(cls):
    import torch

    layer, X, rng = make(cls, 3, 4, 2, 6, seed=5)
    h0 = rng.standard_normal((2, 4))
    c0 = rng.standard_normal((2, 4))
    G = rng.standard_normal((2, 6, 4))
    tcls = torch.nn.LSTM if cls is LSTM else torch.nn.GRU
    t = tcls(3, 4, batch_first=True).double()
    with torch.no_grad():
        t.weight_ih_l0.copy_(torch.from_numpy(layer.W_ih.value))
        t.weight_hh_l0.copy_(torch.from_numpy(layer.W_hh.value))
        if cls is LSTM:
            t.bias_ih_l0.copy_(torch.from_numpy(layer.b.value))
            t.bias_hh_l0.zero_()
        else:
            t.bias_ih_l0.copy_(torch.from_numpy(layer.b_ih.value))
            t.bias_hh_l0.copy_(torch.from_numpy(layer.b_hh.value))
    Xt = torch.from_numpy(X).requires_grad_(True)
    h0t = torch.from_numpy(h0[None]).requires_grad_(True)
    c0t = torch.from_numpy(c0[None]).requires_grad_(True)
    if cls is LSTM:
        Yt, _ = t(Xt, (h0t, c0t))
        Y = layer.forward(X, h0, c0)
    else:
        Yt, _ = t(Xt, h0t)
        Y = layer.forward(X, h0)
    (Yt * torch.from_numpy(G)).sum().backward()
    dX = layer.backward(G)
    assert relative_error(Y, Yt.detach().numpy()) < 1e-12
    assert relative_error(dX, Xt.grad.numpy()) < 1e-11
    assert relative_error(layer.W_ih.grad, t.weight_ih_l0.grad.numpy()) < 1e-11
    assert relative_error(layer.W_hh.grad, t.weight_hh_l0.grad.numpy()) < 1e-11
    assert relative_error(layer.dh0, h0t.grad.numpy()[0]) < 1e-11
    if cls is LSTM:
        assert relative_error(layer.b.grad, t.bias_ih_l0.grad.numpy()) < 1e-11
        assert relative_error(layer.dc0, c0t.grad.numpy()[0]) < 1e-11
    else:
        assert relative_error(layer.b_ih.grad, t.bias_ih_l0.grad.numpy()) < 1e-11
        assert relative_error(layer.b_hh.grad, t.bias_hh_l0.grad.numpy()) < 1e-11


# ---------------------------------------------------------------------------------
# bad input, float32, numerics
# ---------------------------------------------------------------------------------
@pytest.mark.parametrize("cls", [LSTM, GRU])
def test_bad_input_is_a_clear_error(cls):
    layer = cls(3, 4, rng=0)
    name = cls.__name__
    with pytest.raises(
        ValueError,
        match=rf"{name}\(n_in=3, n_hidden=4\)\.forward: expected X of shape "
        r"\(batch, T, 3\) with T >= 1, got \(2, 5, 2\)",
    ):
        layer.forward(np.zeros((2, 5, 2)))
    with pytest.raises(ValueError, match=r"got \(2, 0, 3\)"):
        layer.forward(np.zeros((2, 0, 3)))
    with pytest.raises(ValueError, match=r"expected h0 of shape \(2, 4\), got \(2, 3\)"):
        layer.forward(np.zeros((2, 5, 3)), np.zeros((2, 3)))
    X = np.zeros((2, 5, 3))
    X[1, 2, 0] = np.nan
    with pytest.raises(ValueError, match="1 NaN"):
        layer.forward(X)
    with pytest.raises(ValueError, match="backward before forward"):
        cls(3, 4, rng=0).backward(np.zeros((2, 5, 4)))
    layer.forward(np.zeros((2, 5, 3)))
    with pytest.raises(ValueError, match=r"expected dL_dY of shape \(2, 5, 4\)"):
        layer.backward(np.zeros((2, 5, 3)))
    with pytest.raises((ValueError, TypeError), match="n_hidden"):
        cls(3, 0)
    with pytest.raises(TypeError, match="float dtype"):
        cls(3, 4, dtype=np.int32)


def test_lstm_c0_shape_checked():
    with pytest.raises(ValueError, match=r"expected c0 of shape \(1, 2\)"):
        LSTM(1, 2, rng=0).forward(np.zeros((1, 3, 1)), None, np.zeros((2, 2)))


@pytest.mark.parametrize("cls", [LSTM, GRU])
def test_huge_inputs_stay_finite(cls):
    layer, X, _ = make(cls)
    H = layer.forward(1e4 * X)
    dX = layer.backward(np.ones_like(H))
    assert np.all(np.isfinite(H)) and np.all(np.isfinite(dX))


@pytest.mark.parametrize("cls", [LSTM, GRU])
def test_float32(cls):
    rng = np.random.default_rng(0)
    a, b = cls(3, 4, rng=1), cls(3, 4, rng=1, dtype=np.float32)
    X, G = rng.standard_normal((2, 5, 3)), rng.standard_normal((2, 5, 4))
    Y64, dX64 = a.forward(X), a.backward(G)
    Y32, dX32 = b.forward(X.astype(np.float32)), b.backward(G.astype(np.float32))
    assert Y32.dtype == np.float32 and dX32.dtype == np.float32
    assert all(p.grad.dtype == np.float32 for p in b.parameters())
    assert relative_error(Y32.astype(float), Y64) < 1e-5
    assert relative_error(dX32.astype(float), dX64) < 1e-5
