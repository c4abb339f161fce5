"""The SymPy checks of chapter 9, shared by its tests and its negative controls.

Each check compares what SymPy computes with a closed form passed in, so the
negative controls can feed the classic wrong closed forms to the same check.
"""

from __future__ import annotations

import sympy as sp

V_W, V_A, MU_A = sp.symbols("v_w v_a mu_a", positive=True)
M_PREV, M_NEXT, V = sp.symbols("m_prev m_next v", positive=True)


def _expect(expr, moments):
    total = 0
    for term in sp.Add.make_args(sp.expand(expr)):
        powers = term.as_powers_dict()
        value = term
        for s, table in moments.items():
            k = int(powers.get(s, 0))
            value = value.subs(s, 1) * table[k] if k else value
        total += value
    return sp.expand(total)


def preactivation_variance(m: int = 3):
    """Var(z) of z = sum_k w_k a_k for independent w (mean 0, var v_w) and a (mean mu_a,
    var v_a), by expanding z^2 and replacing monomials by products of moments."""
    w = sp.symbols(f"w1:{m + 1}", real=True)
    a = sp.symbols(f"a1:{m + 1}", real=True)
    moments = {
        **{s: {0: 1, 1: 0, 2: V_W} for s in w},
        **{s: {0: 1, 1: MU_A, 2: V_A + MU_A**2} for s in a},
    }
    z = sum(wk * ak for wk, ak in zip(w, a, strict=True))
    return _expect(z**2, moments) - _expect(z, moments) ** 2


def variance_check(stated, m: int = 3) -> bool:
    """True iff ``stated`` (in V_W, V_A, MU_A, m) equals the derived Var(z)."""
    return sp.simplify(preactivation_variance(m) - stated) == 0


def relu_second_moment_check(stated) -> bool:
    """E[ReLU(z)^2] for z ~ N(0, s^2) by integration, against ``stated`` in s."""
    x, s = sp.Symbol("x", real=True), sp.Symbol("s", positive=True)
    gauss = sp.exp(-(x**2) / (2 * s**2)) / sp.sqrt(2 * sp.pi * s**2)
    derived = sp.integrate(x**2 * gauss, (x, 0, sp.oo))
    return sp.simplify(derived - stated(s)) == 0


def init_check(stated_glorot, stated_he) -> bool:
    """Glorot = harmonic mean of the forward and backward solutions (c = 1), He = the
    forward solution for ReLU (c = 2), against the stated closed forms."""
    v_fwd = sp.solve(sp.Eq(M_PREV * V, 1), V)[0]
    v_bwd = sp.solve(sp.Eq(M_NEXT * V, 1), V)[0]
    glorot = 2 / (1 / v_fwd + 1 / v_bwd)
    he = sp.solve(sp.Eq(M_PREV * V / 2, 1), V)[0]
    return sp.simplify(glorot - stated_glorot) == 0 and sp.simplify(he - stated_he) == 0


def bn_backward_check(stated, N: int = 3) -> bool:
    """dL/dx_i of L = sum_i r_i xhat_i by SymPy, against ``stated(i, r, xhat, std, N)``."""
    xs = sp.symbols(f"x1:{N + 1}", real=True)
    rs = sp.symbols(f"r1:{N + 1}", real=True)
    eps = sp.Symbol("epsilon", positive=True)
    mu = sum(xs) / N
    var = sum((xi - mu) ** 2 for xi in xs) / N
    std = sp.sqrt(var + eps)
    x_hat = [(xi - mu) / std for xi in xs]
    L = sum(ri * hi for ri, hi in zip(rs, x_hat, strict=True))
    return all(
        sp.simplify(sp.diff(L, xs[i]) - stated(i, rs, x_hat, std, N)) == 0 for i in range(N)
    )


def three_term(i, r, x_hat, std, N):
    """The chapter's closed form (eq-deep-bn-backward)."""
    return (
        N * r[i] - sum(r) - x_hat[i] * sum(rk * hk for rk, hk in zip(r, x_hat, strict=True))
    ) / (N * std)


def residual_jacobian_check(stated) -> bool:
    """Jacobian of x + W2 tanh(W1 x) (2x2, symbolic) against ``stated(W1, W2, pre)``."""
    x = sp.Matrix(sp.symbols("x1 x2", real=True))
    W1 = sp.Matrix(2, 2, lambda i, j: sp.Symbol(f"u{i}{j}", real=True))
    W2 = sp.Matrix(2, 2, lambda i, j: sp.Symbol(f"v{i}{j}", real=True))
    pre = W1 * x
    J = (x + W2 * pre.applyfunc(sp.tanh)).jacobian(x)
    return sp.simplify(J - stated(W1, W2, pre)) == sp.zeros(2, 2)


def residual_stated(W1, W2, pre):
    """I + W2 diag(1 - tanh^2(W1 x)) W1 (eq-deep-residual)."""
    return sp.eye(2) + W2 * sp.diag(*[1 - sp.tanh(p) ** 2 for p in pre]) * W1
