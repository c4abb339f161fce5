"""Negative controls for chapter 12's headline derivations.

Each test runs the chapter's SymPy check (the derivative of a symbolic
convolution against a stated closed form) once with the closed form the text
states, which must pass, and once with the classic wrong one, which must fail:
the check has the power to tell them apart.
"""

from __future__ import annotations

import pytest
import sympy as sp

H = W = 3
KH = KW = 2
HO, WO = H - KH + 1, W - KW + 1
X = sp.Matrix(H, W, lambda r, c: sp.Symbol(f"x_{r}{c}"))
K = sp.Matrix(KH, KW, lambda u, v: sp.Symbol(f"k_{u}{v}"))
G = sp.Matrix(HO, WO, lambda i, j: sp.Symbol(f"g_{i}{j}"))
Y = sp.Matrix(
    HO, WO, lambda i, j: sum(K[u, v] * X[i + u, j + v] for u in range(KH) for v in range(KW))
)
LOSS = sum(G[i, j] * Y[i, j] for i in range(HO) for j in range(WO))


def _corr_full(A, B):
    """pad A by (kh - 1, kw - 1) and cross-correlate it with B (valid)."""
    kh, kw = B.shape
    P = sp.zeros(A.rows + 2 * (kh - 1), A.cols + 2 * (kw - 1))
    P[kh - 1 : kh - 1 + A.rows, kw - 1 : kw - 1 + A.cols] = A
    return sp.Matrix(
        P.rows - kh + 1,
        P.cols - kw + 1,
        lambda r, c: sum(B[u, v] * P[r + u, c + v] for u in range(kh) for v in range(kw)),
    )


def _rot180(M):
    return sp.Matrix(M.rows, M.cols, lambda i, j: M[M.rows - 1 - i, M.cols - 1 - j])


def _toeplitz(entry):
    # T[(i, j), (r, c)] from entry(i, j, r, c), zero outside the kernel
    return sp.Matrix(HO * WO, H * W, lambda a, b: entry(a // WO, a % WO, b // W, b % W))


def _kernel(u, v):
    return K[u, v] if 0 <= u < KH and 0 <= v < KW else 0


def jacobian_matches(T_stated) -> bool:
    vecY = sp.Matrix([Y[i, j] for i in range(HO) for j in range(WO)])
    vecX = sp.Matrix([X[r, c] for r in range(H) for c in range(W)])
    return sp.expand(vecY.jacobian(vecX) - T_stated) == sp.zeros(HO * WO, H * W)


def input_grad_matches(stated) -> bool:
    derived = X.applyfunc(lambda x: sp.diff(LOSS, x))
    return sp.expand(derived - stated) == sp.zeros(H, W)


def kernel_grad_matches(stated) -> bool:
    derived = K.applyfunc(lambda k: sp.diff(LOSS, k))
    return sp.expand(derived - stated) == sp.zeros(KH, KW)


def _valid_corr(A, B):
    kh, kw = B.shape
    return sp.Matrix(
        A.rows - kh + 1,
        A.cols - kw + 1,
        lambda r, c: sum(B[u, v] * A[r + u, c + v] for u in range(kh) for v in range(kw)),
    )


def test_toeplitz_formula_passes():
    assert jacobian_matches(_toeplitz(lambda i, j, r, c: _kernel(r - i, c - j)))


@pytest.mark.parametrize(
    "wrong",
    [
        lambda i, j, r, c: _kernel(i - r + KH - 1, j - c + KW - 1),  # flipped kernel
        lambda i, j, r, c: _kernel(c - j, r - i),  # transposed kernel
    ],
    ids=["flipped", "transposed"],
)
def test_toeplitz_formula_wrong_forms_fail(wrong):
    assert not jacobian_matches(_toeplitz(wrong))


def test_input_gradient_full_correlation_with_rot180_passes():
    assert input_grad_matches(_corr_full(G, _rot180(K)))


@pytest.mark.parametrize(
    "wrong",
    [lambda: _corr_full(G, K), lambda: _corr_full(G, K.T)],
    ids=["unflipped kernel", "transposed kernel"],
)
def test_input_gradient_wrong_forms_fail(wrong):
    assert not input_grad_matches(wrong())


def test_kernel_gradient_passes_and_flipped_g_fails():
    assert kernel_grad_matches(_valid_corr(X, G))
    assert not kernel_grad_matches(_valid_corr(X, _rot180(G)))
    assert not kernel_grad_matches(_rot180(_valid_corr(X, G)))


def test_maxpool_tie_control():
    """At a tie the whole gradient goes to the first maximum; the split answer fails."""
    import numpy as np

    from nnlib.layers import MaxPool2D

    pool = MaxPool2D(2)
    pool.forward(np.array([[3.0, 3.0], [1.0, 0.0]])[None, None])
    dX = pool.backward(np.array([[7.0]])[None, None])[0, 0]
    assert np.array_equal(dX, [[7.0, 0.0], [0.0, 0.0]])
    assert not np.array_equal(dX, [[3.5, 3.5], [0.0, 0.0]])  # split evenly
    assert not np.array_equal(dX, [[0.0, 7.0], [0.0, 0.0]])  # the last maximum
