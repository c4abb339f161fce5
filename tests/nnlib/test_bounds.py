"""nnlib.bounds: the binary kl, its bisection inverse, the Gaussian KL, Maurer's bound.

Each is checked against SymPy (closed forms and integrals), finite differences
(the derivative of kl that makes the bisection valid) and PyTorch's
``torch.distributions`` where it has a twin.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp
from scipy import optimize

from nnlib.bounds import binary_kl, gaussian_kl, kl_inverse_upper, pac_bayes_kl_bound
from nnlib.gradcheck import numerical_gradient


def test_binary_kl_is_the_kl_of_two_bernoullis_sympy():
    q, p = sp.symbols("q p", positive=True)
    kl = q * sp.log(q / p) + (1 - q) * sp.log((1 - q) / (1 - p))
    # the sum over the two outcomes of Q(x) log(Q(x)/P(x)), and its derivative in p
    assert sp.simplify(sp.diff(kl, p) - (p - q) / (p * (1 - p))) == 0
    f = sp.lambdify((q, p), kl)
    for qv, pv in [(0.1, 0.3), (0.5, 0.2), (0.9, 0.99), (0.01, 0.5)]:
        assert binary_kl(qv, pv) == pytest.approx(f(qv, pv), rel=1e-12)


def test_binary_kl_derivative_matches_finite_differences():
    for qv in (0.05, 0.3, 0.7):
        for pv in (0.1, 0.5, 0.8):
            numeric = numerical_gradient(lambda x, q=qv: float(binary_kl(q, x[0])), np.array([pv]))
            assert numeric[0] == pytest.approx((pv - qv) / (pv * (1 - pv)), rel=1e-6)


def test_binary_kl_edges_and_broadcasting():
    assert binary_kl(0.0, 0.0) == 0.0 and binary_kl(1.0, 1.0) == 0.0
    assert binary_kl(0.0, 0.5) == pytest.approx(math.log(2))
    assert binary_kl(0.3, 0.0) == math.inf and binary_kl(0.3, 1.0) == math.inf
    out = binary_kl(np.array([0.1, 0.2]), 0.5)
    assert out.shape == (2,) and np.all(out > 0)


def test_binary_kl_matches_torch():
    torch = pytest.importorskip("torch")
    from torch.distributions import Bernoulli, kl_divergence

    for qv, pv in [(0.1, 0.3), (0.5, 0.2), (0.9, 0.99)]:
        expected = kl_divergence(
            Bernoulli(probs=torch.tensor(qv, dtype=torch.float64)),
            Bernoulli(probs=torch.tensor(pv, dtype=torch.float64)),
        ).item()
        assert binary_kl(qv, pv) == pytest.approx(expected, rel=1e-10)


@pytest.mark.parametrize(("q", "c"), [(0.0, 0.01), (0.05, 0.02), (0.3, 0.1), (0.5, 1e-4)])
def test_kl_inverse_solves_kl_equals_c(q, c):
    p = kl_inverse_upper(q, c)
    assert q <= p <= 1
    assert binary_kl(q, p) == pytest.approx(c, abs=1e-9)
    assert p >= optimize.brentq(lambda x: binary_kl(q, x) - c, q, 1 - 1e-15) - 1e-12
    # Pinsker (kl >= 2 (p - q)^2) gives a looser bound, never a tighter one
    assert p <= q + math.sqrt(c / 2) + 1e-12


def test_kl_inverse_saturates_and_vectorises():
    # c = 0: only p = q, up to the rounding of kl near its minimum (~1e-8)
    assert kl_inverse_upper(0.2, 0.0) == pytest.approx(0.2, abs=1e-7)
    assert 1 - 1e-6 < kl_inverse_upper(0.5, 10.0) < 1  # kl(0.5 || p) -> inf as p -> 1
    assert kl_inverse_upper(1.0, 0.1) == 1.0
    qs = np.array([0.0, 0.1, 0.2])
    ps = kl_inverse_upper(qs, 0.05)
    assert ps.shape == (3,) and np.all(np.diff(ps) > 0)
    assert np.allclose(binary_kl(qs, ps), 0.05, atol=1e-9)


def test_gaussian_kl_matches_the_sympy_integral():
    x = sp.symbols("x", real=True)
    mq, mp = sp.Rational(3, 10), sp.Rational(-1, 5)
    sq, sp_ = sp.Rational(1, 2), sp.Rational(3, 2)

    def density(m, s):
        return sp.exp(-((x - m) ** 2) / (2 * s**2)) / (s * sp.sqrt(2 * sp.pi))

    log_ratio = sp.expand(sp.expand_log(sp.log(density(mq, sq) / density(mp, sp_)), force=True))
    exact = sp.integrate(density(mq, sq) * log_ratio, (x, -sp.oo, sp.oo))
    closed = sp.log(sp_ / sq) + (sq**2 + (mq - mp) ** 2) / (2 * sp_**2) - sp.Rational(1, 2)
    assert sp.simplify(exact - closed) == 0
    assert gaussian_kl([0.3], [-0.2], 0.5, 1.5) == pytest.approx(float(exact), rel=1e-12)


def test_gaussian_kl_isotropic_closed_form():
    rng = np.random.default_rng(0)
    m_q, m_p = rng.standard_normal(50), rng.standard_normal(50)
    s_q, s_p, P = 0.2, 0.7, 50
    expected = 0.5 * (
        P * s_q**2 / s_p**2 + np.sum((m_q - m_p) ** 2) / s_p**2 - P + 2 * P * math.log(s_p / s_q)
    )
    assert gaussian_kl(m_q, m_p, s_q, s_p) == pytest.approx(expected, rel=1e-12)
    assert gaussian_kl(m_q, m_q, s_q, s_q) == 0.0


def test_gaussian_kl_matches_torch():
    torch = pytest.importorskip("torch")
    from torch.distributions import Normal, kl_divergence

    rng = np.random.default_rng(1)
    m_q, m_p = rng.standard_normal(7), rng.standard_normal(7)
    s_q, s_p = rng.uniform(0.1, 2, 7), rng.uniform(0.1, 2, 7)
    expected = (
        kl_divergence(
            Normal(torch.tensor(m_q), torch.tensor(s_q)),
            Normal(torch.tensor(m_p), torch.tensor(s_p)),
        )
        .sum()
        .item()
    )
    assert gaussian_kl(m_q, m_p, s_q, s_p) == pytest.approx(expected, rel=1e-12)


def test_maurer_bound_is_the_kl_inverse_of_its_budget():
    n, delta, kl, q = 5000, 0.05, 120.0, 0.01
    budget = (kl + math.log(2 * math.sqrt(n) / delta)) / n
    bound = pac_bayes_kl_bound(q, kl, n, delta)
    assert binary_kl(q, bound) == pytest.approx(budget, abs=1e-9)
    # tighter than the square-root (Pinsker) form q + sqrt(budget / 2) for small q
    assert q < bound < q + math.sqrt(budget / 2)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: binary_kl(1.5, 0.5), r"binary_kl: expected q in \[0, 1\], got 1.5"),
        (lambda: kl_inverse_upper(0.1, -1.0), r"expected a budget c >= 0, got -1.0"),
        (lambda: gaussian_kl([0.0, 1.0], [0.0], 1.0, 1.0), r"expected mean_p of the same shape"),
        (lambda: gaussian_kl([0.0], [0.0], 0.0, 1.0), r"expected sigma_q > 0, got 0.0"),
        (lambda: gaussian_kl([0.0, 0.0], [0.0, 0.0], [1.0, 1.0, 1.0], 1.0), r"sigma_q a scalar"),
        (lambda: pac_bayes_kl_bound(0.1, 1.0, 5, 0.05), r"n >= 8"),
        (lambda: pac_bayes_kl_bound(0.1, 1.0, 100, 1.0), r"expected delta in \(0, 1\)"),
    ],
)
def test_bad_input_names_what_was_expected(call, match):
    with pytest.raises(ValueError, match=match):
        call()
