"""Negative controls for chapter 15: each headline check, fed the classic wrong form, fails."""

from __future__ import annotations

from fractions import Fraction
from itertools import product

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


def _exact_rademacher_of_halfplanes(n, seed):
    X = np.random.default_rng(seed).standard_normal((n, 2))
    A = 2 * np.array(sorted(halfplane_dichotomies(X))) - 1
    signs = 2 * np.array(list(product((0, 1), repeat=n))) - 1
    return (signs @ A.T).max(axis=1).mean() / n, len(A)


def test_massart_constant_control():
    lam, r, N = sp.symbols("lambda r N", positive=True)
    upper = sp.log(N) / lam + lam * r**2 / 2
    best = upper.subs(lam, sp.solve(sp.diff(upper, lam), lam)[0])
    assert _zero(best - r * sp.sqrt(2 * sp.log(N)))
    assert not _zero(best - r * sp.sqrt(sp.log(N)))  # the 2 under the root lost
    assert not _zero(best - r * sp.sqrt(2 * sp.log(N)) / 2)
    # the same check in numbers: exact complexities against the bound
    for n in (2, 3, 4, 6, 8):
        exact, count = _exact_rademacher_of_halfplanes(n, seed=n)
        assert exact <= np.sqrt(2 * np.log(count) / n)
    exact, count = _exact_rademacher_of_halfplanes(3, seed=3)  # shattered: exactly 1
    assert not exact <= np.sqrt(np.log(count) / 3)  # sqrt(ln 8 / 3) = 0.83 < 1
    assert not exact <= np.sqrt(2 * np.log(count)) / 3  # r = 1 instead of sqrt(n)


def test_no_free_lunch_closed_form_control():
    m = 3
    size = 2 * m
    labelings = np.array(list(product((0, 1), repeat=size)))
    samples = np.array(list(product(range(size), repeat=m)))
    seen = np.zeros((len(samples), size), dtype=bool)
    seen[np.arange(len(samples))[:, None], samples] = True
    wrong = (np.where(seen, labelings[:, None, :], 0) != labelings[:, None, :]).sum(axis=2)
    average = Fraction(int(wrong.sum()), wrong.size * size)
    assert average == Fraction(2 * m - 1, 2 * m) ** m / 2
    assert average != Fraction(1, 4)  # the theorem's bound, not the value
    assert average != Fraction(m - 1, m) ** m / 2  # (1 - 1/m)^m: m points, not 2m
    assert average != Fraction(2 * m - 1, 2 * m) ** m  # the 1/2 per unseen point lost


def test_gaussian_kl_direction_control():
    z = sp.symbols("z", real=True)
    mq, mp = sp.symbols("mu_q mu_p", real=True)
    sq, sp_ = sp.symbols("sigma_q sigma_p", positive=True)

    def log_normal(v, m, s):
        return -((v - m) ** 2) / (2 * s**2) - sp.log(s * sp.sqrt(2 * sp.pi))

    x = mq + sq * z
    poly = sp.Poly(sp.expand(log_normal(x, mq, sq) - log_normal(x, mp, sp_)), z)
    phi = sp.exp(-(z**2) / 2) / sp.sqrt(2 * sp.pi)
    moments = [sp.integrate(phi * z**k, (z, -sp.oo, sp.oo)) for k in range(3)]
    kl = sum(c * moments[k] for (k,), c in poly.terms())

    def zero_log(e):
        return _zero(sp.expand_log(e, force=True))

    right = sp.log(sp_ / sq) + (sq**2 + (mq - mp) ** 2) / (2 * sp_**2) - sp.Rational(1, 2)
    reversed_kl = sp.log(sq / sp_) + (sp_**2 + (mq - mp) ** 2) / (2 * sq**2) - sp.Rational(1, 2)
    assert zero_log(kl - right)
    assert not zero_log(kl - reversed_kl)  # KL(P || Q)
    assert not zero_log(kl - (right + sp.Rational(1, 2)))  # the -1/2 lost
    assert not zero_log(kl - (sp.log(sp_ / sq) + (sq + (mq - mp) ** 2) / (2 * sp_) - 1 / 2))


def test_kl_inverse_control():
    from nnlib.bounds import binary_kl, kl_inverse_upper

    q, c = 0.01, 0.03
    p = kl_inverse_upper(q, c)
    assert abs(binary_kl(q, p) - c) < 1e-9
    wrong_lower = q + c  # below the inverse: kl(q || q + c) < c, so not a bound
    assert not binary_kl(q, wrong_lower) >= c - 1e-9
    pinsker = q + np.sqrt(c / 2)  # valid but loose: far above the inverse
    assert not abs(binary_kl(q, pinsker) - c) < 1e-3


def test_test_set_interval_control():
    n, delta = 359, 0.05
    k = np.arange(n + 1)
    pmf = stats.binom.pmf(k, n, 0.5)

    def miss(t):  # P(|R_hat - R| > t) at the worst variance
        return pmf[np.abs(k / n - 0.5) > t].sum()

    assert miss(np.sqrt(np.log(2 / delta) / (2 * n))) <= delta
    assert not miss(np.log(2 / delta) / (2 * n)) <= delta  # the square root lost
    assert not miss(np.sqrt(np.log(2 / delta) / (2 * n)) / 3) <= delta  # too narrow
