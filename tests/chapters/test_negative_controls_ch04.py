"""Negative controls for chapter 4: each headline derivation, fed the classic wrong form, fails."""

from __future__ import annotations

import sympy as sp

z, y = sp.symbols("z y", real=True)
sigma = 1 / (1 + sp.exp(-z))


def _same(a: sp.Expr, b: sp.Expr) -> bool:
    return sp.simplify(a - b) == 0


def test_bce_logit_gradient_control():
    bce = -(y * sp.log(sigma) + (1 - y) * sp.log(1 - sigma))
    derived = sp.diff(bce, z)
    assert _same(derived, sigma - y)
    assert not _same(derived, y - sigma)  # the sign
    assert not _same(derived, (sigma - y) * sigma * (1 - sigma))  # an extra sigma'
    # squared error on a sigmoid does carry the extra factor
    mse_sig = sp.Rational(1, 2) * (sigma - y) ** 2
    assert _same(sp.diff(mse_sig, z), (sigma - y) * sigma * (1 - sigma))
    assert not _same(sp.diff(mse_sig, z), sigma - y)


def test_ce_softmax_gradient_control():
    zs = sp.symbols("z1:4", real=True)
    ys = sp.symbols("y1:4", real=True)
    S = sum(sp.exp(v) for v in zs)
    p = [sp.exp(v) / S for v in zs]
    ce = -sum(yk * sp.log(pk) for yk, pk in zip(ys, p, strict=True))
    grad = [sp.diff(ce, v) for v in zs]
    # in general p * sum(y) - y; p - y only when sum(y) = 1
    for g, pk, yk in zip(grad, p, ys, strict=True):
        assert _same(g, pk * sum(ys) - yk)
        assert not _same(g, pk - yk)  # without sum(y) = 1 the short form is wrong
        assert _same(g.subs(ys[2], 1 - ys[0] - ys[1]), (pk - yk).subs(ys[2], 1 - ys[0] - ys[1]))


def test_ce_minimum_is_entropy_control():
    p1, p2 = sp.symbols("p1 p2", positive=True)
    y_soft = [sp.Rational(1, 20), sp.Rational(9, 10), sp.Rational(1, 20)]
    pv = [p1, p2, 1 - p1 - p2]
    ce = -sum(a * sp.log(b) for a, b in zip(y_soft, pv, strict=True))
    sol = sp.solve([sp.diff(ce, p1), sp.diff(ce, p2)], [p1, p2], dict=True)[0]
    minimum = ce.subs(sol)
    H = -sum(a * sp.log(a) for a in y_soft)
    assert sp.simplify(minimum - H) == 0
    assert sp.simplify(minimum) != 0  # the erratum "0 at a perfect prediction" fails


def test_mse_gradient_factor_control():
    a = sp.Symbol("a", real=True)
    derived = sp.diff(sp.Rational(1, 2) * (a - y) ** 2, a)
    assert _same(derived, a - y)
    assert not _same(derived, 2 * (a - y))  # PyTorch's MSELoss convention has no 1/2


def test_population_minimisers_control():
    """Squared error -> mean, absolute error -> median, for y ~ Exp(1); swapped fails."""
    a, u = sp.symbols("a u", positive=True)
    dens = sp.exp(-u)
    risk_sq = sp.integrate(sp.Rational(1, 2) * (a - u) ** 2 * dens, (u, 0, sp.oo))
    risk_abs = sp.integrate((a - u) * dens, (u, 0, a)) + sp.integrate(
        (u - a) * dens, (u, a, sp.oo)
    )
    (a_sq,) = sp.solve(sp.diff(risk_sq, a), a)
    (a_abs,) = sp.solve(sp.diff(risk_abs, a), a)
    assert _same(a_sq, 1) and _same(a_abs, sp.log(2))
    # the classic confusion: the absolute error's minimiser is not the mean,
    # and the squared error's is not the median
    assert not _same(a_abs, 1)
    assert not _same(a_sq, sp.log(2))


def test_lse_hessian_control():
    """grad LSE = softmax, Hessian = diag(p) - p p^T (PSD); diag(p) alone fails."""
    w = sp.Matrix(sp.symbols("w1:4", real=True))
    S = sum(sp.exp(v) for v in w)
    p = sp.Matrix([sp.exp(v) for v in w]) / S
    lse = sp.log(S)
    hess = sp.hessian(lse, list(w))
    assert sp.simplify(sp.Matrix([sp.diff(lse, v) for v in w]) - p) == sp.zeros(3, 1)
    assert sp.simplify(hess - (sp.diag(*p) - p * p.T)) == sp.zeros(3, 3)
    assert sp.simplify(hess - sp.diag(*p)) != sp.zeros(3, 3)  # the -p p^T forgotten
    assert sp.simplify(hess - (p * p.T - sp.diag(*p))) != sp.zeros(3, 3)  # the sign
