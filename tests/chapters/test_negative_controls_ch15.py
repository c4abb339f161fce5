"""Negative controls for chapter 15: each headline check, fed the classic wrong form, fails."""

from __future__ import annotations

import numpy as np
import sympy as sp
from scipy import stats

from nnlib.dichotomies import halfplane_dichotomies


def _zero(expr: sp.Expr) -> bool:
    return sp.simplify(expr) == 0


def test_hoeffding_exponent_control():
    s, n, eps, a, b = sp.symbols("s n epsilon a b", positive=True)
    exponent = -s * eps + s**2 * (b - a) ** 2 / (8 * n)
    best = exponent.subs(s, sp.solve(sp.diff(exponent, s), s)[0])
    assert _zero(best + 2 * n * eps**2 / (b - a) ** 2)
    assert not _zero(best + n * eps**2 / (2 * (b - a) ** 2))  # the exponent 4x too small
    assert not _zero(best + 2 * n * eps**2 / (b - a))  # (b - a) not squared


def test_hoeffding_against_the_exact_fair_coin_tail():
    n = 100
    k = np.arange(n + 1)
    pmf = stats.binom.pmf(k, n, 0.5)
    eps = np.linspace(0.0, 0.3, 61)
    tail = np.array([pmf[np.abs(k / n - 0.5) >= e - 1e-12].sum() for e in eps])
    assert np.all(tail <= 2 * np.exp(-2 * n * eps**2) + 1e-12)
    assert not np.all(tail <= 2 * np.exp(-6 * n * eps**2) + 1e-12)  # exponent 3x too large
    assert not np.all(tail <= 2 * np.exp(-4 * n * eps**2) + 1e-12)  # exponent 2x too large


def test_union_bound_epsilon_control():
    n, eps, delta, H = sp.symbols("n epsilon delta H", positive=True)
    solved = sp.solve(sp.Eq(2 * H * sp.exp(-2 * n * eps**2), delta), eps)[0]
    assert _zero(solved - sp.sqrt(sp.log(2 * H / delta) / (2 * n)))
    assert not _zero(solved - sp.sqrt(sp.log(H / delta) / (2 * n)))  # the factor 2 lost
    assert not _zero(solved - sp.sqrt(sp.log(2 * H / delta) / n))  # the 1/2 lost


def test_threshold_risk_control():
    x, t, eta = sp.symbols("x t eta", positive=True)
    half = sp.Rational(1, 2)
    left = (
        sp.integrate(eta, (x, 0, t))
        + sp.integrate(1 - eta, (x, t, half))
        + sp.integrate(eta, (x, half, 1))
    )
    assert _zero(left - (eta + (1 - 2 * eta) * (half - t)))
    assert not _zero(left - (eta + (1 - eta) * (half - t)))  # the clean-region error forgotten


def test_growth_function_control():
    rng = np.random.default_rng(5)
    for m in range(4, 9):
        count = len(halfplane_dichotomies(rng.standard_normal((m, 2))))
        assert count == m * m - m + 2
        assert count != 2**m  # not shattered
        assert count != 1 + m + m * (m - 1) // 2  # Sauer with d = 2 is too small
