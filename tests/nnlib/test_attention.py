"""Tests of nnlib.layers.attention: scaled dot-product attention and the Attention layer.

Every gradient is checked three ways: against SymPy (exact derivatives on small
sizes), against central finite differences in float64 (relative error < 1e-7),
and against PyTorch autograd where PyTorch is installed.
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from nnlib.gradcheck import numerical_gradient, relative_error
from nnlib.layers import Attention
from nnlib.layers.attention import (
    causal_mask,
    scaled_dot_product_attention,
    scaled_dot_product_attention_backward,
)

TOL = 1e-7


def _qkv(rng, batch=(2,), T=4, d_k=3, d_v=2):
    Q = rng.standard_normal((*batch, T, d_k))
    K = rng.standard_normal((*batch, T, d_k))
    V = rng.standard_normal((*batch, T, d_v))
    return Q, K, V


# ---------------------------------------------------------------------------------
# the functional form
# ---------------------------------------------------------------------------------
def test_forward_matches_definition():
    rng = np.random.default_rng(0)
    Q, K, V = _qkv(rng, batch=())
    Out, P = scaled_dot_product_attention(Q, K, V)
    S = Q @ K.T / np.sqrt(3)
    E = np.exp(S)
    P_ref = E / E.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(P, P_ref, rtol=1e-12)
    np.testing.assert_allclose(Out, P_ref @ V, rtol=1e-12)
    np.testing.assert_allclose(P.sum(axis=-1), 1.0, rtol=1e-12)


def test_hand_worked_example():
    # Two positions, d_k = 1: scores s = q k / 1, P row 1 = softmax(0, 0) = (1/2, 1/2).
    Q = np.array([[0.0], [np.log(3.0)]])
    K = np.array([[0.0], [1.0]])
    V = np.array([[1.0, 0.0], [0.0, 1.0]])
    Out, P = scaled_dot_product_attention(Q, K, V)
    # row 2: scores (0, ln 3) -> weights (1/4, 3/4)
    np.testing.assert_allclose(P, [[0.5, 0.5], [0.25, 0.75]], rtol=1e-12)
    np.testing.assert_allclose(Out, P, rtol=1e-12)


def _sympy_attention_grads(T=2, d_k=2, d_v=2, masked=False):
    """Exact dL/dQ, dL/dK, dL/dV of L = sum(G * O) by SymPy, lambdified."""
    Q = sp.Matrix(T, d_k, lambda i, j: sp.Symbol(f"q{i}{j}"))
    K = sp.Matrix(T, d_k, lambda i, j: sp.Symbol(f"k{i}{j}"))
    V = sp.Matrix(T, d_v, lambda i, j: sp.Symbol(f"v{i}{j}"))
    G = sp.Matrix(T, d_v, lambda i, j: sp.Symbol(f"g{i}{j}"))
    S = Q * K.T / sp.sqrt(d_k)
    allowed = [[(j <= i) if masked else True for j in range(T)] for i in range(T)]
    E = sp.Matrix(T, T, lambda i, j: sp.exp(S[i, j]) if allowed[i][j] else 0)
    P = sp.Matrix(T, T, lambda i, j: E[i, j] / sum(E[i, :]))
    Out = P * V
    L = sum(G[i, j] * Out[i, j] for i in range(T) for j in range(d_v))
    syms = [*Q, *K, *V, *G]
    grads = [M.applyfunc(lambda s: sp.diff(L, s)) for M in (Q, K, V)]
    return [sp.lambdify(syms, g, "numpy") for g in grads]


@pytest.mark.parametrize("masked", [False, True])
def test_backward_matches_sympy(masked):
    T, d_k, d_v = 3, 2, 2
    fns = _sympy_attention_grads(T, d_k, d_v, masked)
    rng = np.random.default_rng(1)
    for _ in range(3):
        Q, K, V = _qkv(rng, batch=(), T=T, d_k=d_k, d_v=d_v)
        G = rng.standard_normal((T, d_v))
        mask = causal_mask(T) if masked else None
        _, P = scaled_dot_product_attention(Q, K, V, mask)
        dQ, dK, dV = scaled_dot_product_attention_backward(G, Q, K, V, P)
        args = [*Q.ravel(), *K.ravel(), *V.ravel(), *G.ravel()]
        for fn, ours in zip(fns, (dQ, dK, dV), strict=True):
            exact = np.array(fn(*args), dtype=float)
            assert relative_error(ours, exact) < TOL


def test_closed_form_equals_sympy_symbolically():
    """The closed-form backward *is* the derivative (exact, T = d_k = d_v = 2)."""
    T = d = 2
    Q = sp.Matrix(T, d, lambda i, j: sp.Symbol(f"q{i}{j}"))
    K = sp.Matrix(T, d, lambda i, j: sp.Symbol(f"k{i}{j}"))
    V = sp.Matrix(T, d, lambda i, j: sp.Symbol(f"v{i}{j}"))
    G = sp.Matrix(T, d, lambda i, j: sp.Symbol(f"g{i}{j}"))
    S = Q * K.T / sp.sqrt(d)
    E = S.applyfunc(sp.exp)
    P = sp.Matrix(T, T, lambda i, j: E[i, j] / sum(E[i, :]))
    L = sum(G.multiply_elementwise(P * V))
    dV = P.T * G
    dP = G * V.T
    rowsum = [sum(dP[i, j] * P[i, j] for j in range(T)) for i in range(T)]
    dS = sp.Matrix(T, T, lambda i, j: P[i, j] * (dP[i, j] - rowsum[i]))
    for M, closed in ((V, dV), (Q, dS * K / sp.sqrt(d)), (K, dS.T * Q / sp.sqrt(d))):
        derived = M.applyfunc(lambda s: sp.diff(L, s))
        assert all(sp.simplify(x) == 0 for x in derived - closed)


def test_backward_matches_finite_differences_batched_masked():
    rng = np.random.default_rng(2)
    Q, K, V = _qkv(rng, batch=(2, 2), T=4)
    G = rng.standard_normal(V.shape)
    mask = causal_mask(4)
    _, P = scaled_dot_product_attention(Q, K, V, mask)
    grads = scaled_dot_product_attention_backward(G, Q, K, V, P)
    for i, A in enumerate((Q, K, V)):

        def f(_, i=i):
            args = [Q, K, V]
            return float(np.sum(G * scaled_dot_product_attention(*args, mask)[0]))

        assert relative_error(grads[i], numerical_gradient(f, A)) < TOL
    # masked weights are exactly zero
    assert np.all(P[..., ~mask] == 0.0)


def test_mask_must_leave_a_key():
    rng = np.random.default_rng(3)
    Q, K, V = _qkv(rng, batch=(), T=2)
    with pytest.raises(ValueError, match="at least one key"):
        scaled_dot_product_attention(Q, K, V, np.array([[True, False], [False, False]]))


def test_shape_mismatch_names_function_and_shapes():
    rng = np.random.default_rng(4)
    Q, K, V = _qkv(rng, batch=(), T=3)
    with pytest.raises(ValueError, match=r"scaled_dot_product_attention.*K \(3, 3\)"):
        scaled_dot_product_attention(Q, K, V[:2])


# ---------------------------------------------------------------------------------
# the layer
# ---------------------------------------------------------------------------------
CONFIGS = [
    dict(n_heads=1, causal=False, out_proj=True),
    dict(n_heads=2, causal=False, out_proj=True),
    dict(n_heads=1, causal=True, out_proj=True),
    dict(n_heads=2, causal=True, out_proj=False),
]


@pytest.mark.parametrize("cfg", CONFIGS)
def test_layer_gradients_finite_differences(cfg):
    rng = np.random.default_rng(5)
    layer = Attention(4, rng=6, **cfg)
    X = rng.standard_normal((2, 3, 4))
    R = rng.standard_normal((2, 3, 4))
    layer.forward(X)
    dX = layer.backward(R)

    def f(_):
        return float(np.sum(R * layer.forward(X)))

    assert relative_error(dX, numerical_gradient(f, X)) < TOL
    analytic = {p.name: p.grad.copy() for p in layer.parameters()}
    expected = {"W_q", "W_k", "W_v"} | ({"W_o"} if cfg["out_proj"] else set())
    assert set(analytic) == expected
    for p in layer.parameters():
        assert relative_error(analytic[p.name], numerical_gradient(f, p.value)) < TOL


def test_layer_gradcheck_helper():
    from nnlib.gradcheck import gradcheck

    layer = Attention(6, n_heads=3, causal=True, rng=0)
    X = np.random.default_rng(7).standard_normal((2, 5, 6))
    assert gradcheck(layer, X) < TOL


def test_layer_single_head_equals_functional_form():
    rng = np.random.default_rng(8)
    layer = Attention(3, rng=9)
    X = rng.standard_normal((1, 4, 3))
    Y = layer.forward(X)
    x = X[0]
    Out, P = scaled_dot_product_attention(
        x @ layer.W_q.value.T, x @ layer.W_k.value.T, x @ layer.W_v.value.T
    )
    np.testing.assert_allclose(Y[0], Out @ layer.W_o.value.T, rtol=1e-12)
    np.testing.assert_allclose(layer.attention_weights[0, 0], P, rtol=1e-12)


def test_causal_layer_ignores_the_future():
    rng = np.random.default_rng(10)
    layer = Attention(4, n_heads=2, causal=True, rng=11)
    X = rng.standard_normal((1, 5, 4))
    Y = layer.forward(X)
    P = layer.attention_weights
    assert np.all(np.triu(np.ones((5, 5), bool), k=1) <= (P[0, 0] == 0))
    X2 = X.copy()
    X2[0, 3:] = rng.standard_normal((2, 4))  # change positions 3 and 4
    Y2 = layer.forward(X2)
    np.testing.assert_allclose(Y2[0, :3], Y[0, :3], rtol=1e-13)
    assert not np.allclose(Y2[0, 3:], Y[0, 3:])


def test_non_causal_layer_is_permutation_equivariant():
    rng = np.random.default_rng(12)
    layer = Attention(4, n_heads=2, rng=13)
    X = rng.standard_normal((1, 6, 4))
    perm = rng.permutation(6)
    np.testing.assert_allclose(layer.forward(X[:, perm]), layer.forward(X)[:, perm], rtol=1e-12)


def test_multihead_parameter_count_is_independent_of_heads():
    for h in (1, 2, 4):
        assert Attention(8, n_heads=h, rng=0).n_params == 4 * 8 * 8
    assert Attention(8, n_heads=2, out_proj=False, rng=0).n_params == 3 * 8 * 8


def test_float32():
    layer = Attention(4, n_heads=2, rng=0, dtype=np.float32)
    X = np.random.default_rng(0).standard_normal((2, 3, 4))
    Y = layer.forward(X)
    assert Y.dtype == np.float32
    assert layer.backward(np.ones_like(Y)).dtype == np.float32


def test_large_scores_stay_finite():
    layer = Attention(2, rng=0)
    layer.W_q.value[...] = 1e3 * np.eye(2)
    layer.W_k.value[...] = 1e3 * np.eye(2)
    X = np.random.default_rng(1).standard_normal((1, 4, 2))
    Y = layer.forward(X)
    dX = layer.backward(np.ones_like(Y))
    assert np.all(np.isfinite(Y)) and np.all(np.isfinite(dX))


@pytest.mark.parametrize(
    ("X", "pattern"),
    [
        (
            np.zeros((3, 4)),
            r"Attention\(d_model=4\)\.forward.*expected X of shape \(batch, T, 4\)",
        ),
        (np.zeros((2, 3, 5)), r"expected X of shape \(batch, T, 4\), got \(2, 3, 5\)"),
        (np.zeros((2, 0, 4)), r"Attention\(d_model=4\)\.forward: expected at least one position"),
        (np.zeros((0, 3, 4)), r"Attention\(d_model=4\)\.forward: expected a non-empty batch"),
        (np.full((1, 2, 4), np.nan), r"Attention\(d_model=4\)\.forward: expected finite values"),
    ],
)
def test_bad_input_names_layer_and_shapes(X, pattern):
    layer = Attention(4, rng=0)
    with pytest.raises(ValueError, match=pattern):
        layer.forward(X)


def test_bad_construction_and_backward_errors():
    with pytest.raises(ValueError, match=r"Attention: expected n_heads to divide d_model=6"):
        Attention(6, n_heads=4)
    with pytest.raises(TypeError, match=r"Attention: expected causal to be a bool"):
        Attention(6, causal="yes")
    with pytest.raises(ValueError, match=r"Attention: expected d_model >= 1"):
        Attention(0)
    layer = Attention(4, rng=0)
    with pytest.raises(ValueError, match=r"Attention\(d_model=4\)\.backward.*before forward"):
        layer.backward(np.zeros((1, 2, 4)))
    layer.forward(np.zeros((1, 2, 4)))
    with pytest.raises(ValueError, match=r"expected dL_dY of shape \(1, 2, 4\).*got \(1, 3, 4\)"):
        layer.backward(np.zeros((1, 3, 4)))


# ---------------------------------------------------------------------------------
# PyTorch
# ---------------------------------------------------------------------------------
def test_functional_form_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(14)
    Q, K, V = _qkv(rng, batch=(2, 3), T=5, d_k=4, d_v=3)
    G = rng.standard_normal((2, 3, 5, 3))
    for causal in (False, True):
        tq, tk, tv = (torch.tensor(A, requires_grad=True) for A in (Q, K, V))
        out = torch.nn.functional.scaled_dot_product_attention(tq, tk, tv, is_causal=causal)
        (out * torch.tensor(G)).sum().backward()
        Out, P = scaled_dot_product_attention(Q, K, V, causal_mask(5) if causal else None)
        np.testing.assert_allclose(Out, out.detach().numpy(), rtol=1e-10, atol=1e-12)
        ours = scaled_dot_product_attention_backward(G, Q, K, V, P)
        for mine, t in zip(ours, (tq, tk, tv), strict=True):
            assert relative_error(mine, t.grad.numpy()) < 1e-10


@pytest.mark.parametrize("cfg", CONFIGS)
def test_layer_matches_torch(cfg):
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    rng = np.random.default_rng(15)
    layer = Attention(6, rng=16, **{**cfg, "n_heads": 3 if cfg["n_heads"] > 1 else 1})
    B, T, d, h = 2, 5, 6, layer.n_heads
    X = rng.standard_normal((B, T, d))
    G = rng.standard_normal((B, T, d))
    Y = layer.forward(X)
    dX = layer.backward(G)

    tX = torch.tensor(X, requires_grad=True)
    W = {p.name: torch.tensor(p.value, requires_grad=True) for p in layer.parameters()}

    def heads(A):
        return A.reshape(B, T, h, d // h).transpose(1, 2)

    q, k, v = (heads(F.linear(tX, W[n])) for n in ("W_q", "W_k", "W_v"))
    o = F.scaled_dot_product_attention(q, k, v, is_causal=cfg["causal"])
    o = o.transpose(1, 2).reshape(B, T, d)
    if "W_o" in W:
        o = F.linear(o, W["W_o"])
    (o * torch.tensor(G)).sum().backward()
    np.testing.assert_allclose(Y, o.detach().numpy(), rtol=1e-10, atol=1e-12)
    assert relative_error(dX, tX.grad.numpy()) < 1e-10
    for p in layer.parameters():
        assert relative_error(p.grad, W[p.name].grad.numpy()) < 1e-10
