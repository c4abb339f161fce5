"""Chapter 15's claims, checked outside the notebook: shattering by half-planes,
the growth function n^2 - n + 2, the algebra of the finite-class bound, Massart's
lemma and the Rademacher complexity of half-planes, the no-free-lunch average,
the test-set interval and a PAC-Bayes bound for a small trained network."""

from __future__ import annotations

import math
from fractions import Fraction
from itertools import product

import numpy as np
import pytest
import sympy as sp
from scipy import stats

from nnbook.exercises.theory import (
    count_separable_labellings,
    halfplane_dichotomies,
    linearly_separable,
    separating_line,
)


def test_three_points_in_general_position_are_shattered():
    X = np.array([[0.0, 0.0], [1.0, 0.0], [0.3, 0.8]])
    for lab in product((0, 1), repeat=3):
        line = separating_line(X, lab)
        assert line is not None
        w, b = line
        assert np.array_equal((X @ w + b > 0).astype(int), np.array(lab))


def test_three_collinear_points_are_not_shattered():
    X = np.array([[0.0, 0.0], [1.0, 0.0], [2.0, 0.0]])
    assert not linearly_separable(X, [1, 0, 1])
    assert count_separable_labellings(X) == 6


@pytest.mark.parametrize(
    "X",
    [
        np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]),  # square: XOR fails
        np.array([[0.0, 0.0], [4.0, 0.0], [0.0, 4.0], [1.0, 1.0]]),  # one point inside
    ],
)
def test_four_points_are_not_shattered(X):
    assert count_separable_labellings(X) == 14


def test_no_random_four_points_are_shattered():
    rng = np.random.default_rng(0)
    for _ in range(200):
        X = rng.standard_normal((4, 2))
        assert count_separable_labellings(X) < 16


def test_xor_is_not_separable_and_its_complement_neither():
    X = np.array([[0.0, 0.0], [1.0, 1.0], [1.0, 0.0], [0.0, 1.0]])
    assert not linearly_separable(X, [1, 1, 0, 0])
    assert not linearly_separable(X, [0, 0, 1, 1])
    assert linearly_separable(X, [1, 0, 1, 0])


def test_growth_function_of_halfplanes_is_n2_minus_n_plus_2():
    rng = np.random.default_rng(1)
    for n in range(1, 9):
        X = rng.standard_normal((n, 2))
        sweep = halfplane_dichotomies(X)
        assert len(sweep) == n * n - n + 2
        if n <= 6:
            assert count_separable_labellings(X) == len(sweep)


def test_separability_agrees_with_a_perceptron_when_separable():
    """Whenever the exact test says 'separable', the returned line works; a perceptron
    (which converges on separable data) finds a line too."""
    rng = np.random.default_rng(2)
    for _ in range(50):
        X = rng.uniform(-1, 1, size=(6, 2))
        lab = rng.integers(0, 2, size=6)
        line = separating_line(X, lab)
        if line is None:
            continue
        Xa = np.hstack([X, np.ones((6, 1))])
        s = 2 * lab - 1
        theta = np.zeros(3)
        for _ in range(100000):
            wrong = np.nonzero(s * (Xa @ theta) <= 0)[0]
            if wrong.size == 0:
                break
            theta += s[wrong[0]] * Xa[wrong[0]]
        assert np.all(s * (Xa @ theta) > 0)


def test_bound_algebra():
    n, eps, delta, H = sp.symbols("n epsilon delta H", positive=True)
    bound = 2 * H * sp.exp(-2 * n * eps**2)
    n_star = sp.solve(sp.Eq(bound, delta), n)[0]
    eps_star = sp.solve(sp.Eq(bound, delta), eps)[0]
    assert sp.simplify(n_star - sp.log(2 * H / delta) / (2 * eps**2)) == 0
    assert sp.simplify(eps_star - sp.sqrt(sp.log(2 * H / delta) / (2 * n))) == 0
    # a numeric instance
    assert math.ceil(float(n_star.subs({H: 1000, delta: 0.01, eps: 0.05}))) == 2442


def test_hoeffding_exponent():
    s, n, eps, a, b = sp.symbols("s n epsilon a b", positive=True)
    exponent = -s * eps + s**2 * (b - a) ** 2 / (8 * n)
    s_star = sp.solve(sp.diff(exponent, s), s)[0]
    assert sp.simplify(exponent.subs(s, s_star) + 2 * n * eps**2 / (b - a) ** 2) == 0


# ---------------------------------------------------------------------------------
# Rademacher complexity, Massart's lemma, the fundamental theorem, PAC-Bayes
# ---------------------------------------------------------------------------------
def _halfplane_labellings_pm1(X):
    return 2 * np.array(sorted(halfplane_dichotomies(X))) - 1


def _exact_rademacher(A):
    n = A.shape[1]
    signs = 2 * np.array(list(product((0, 1), repeat=n))) - 1
    return (signs @ A.T).max(axis=1).mean() / n


def test_massart_minimisation_and_cosh_bound():
    lam, r, N = sp.symbols("lambda r N", positive=True)
    upper = sp.log(N) / lam + lam * r**2 / 2
    lam_star = sp.solve(sp.diff(upper, lam), lam)
    assert lam_star == [sp.sqrt(2 * sp.log(N)) / r]
    assert sp.simplify(upper.subs(lam, lam_star[0]) - r * sp.sqrt(2 * sp.log(N))) == 0
    for k in range(15):  # cosh x <= exp(x^2/2) coefficientwise
        assert sp.Rational(1, sp.factorial(2 * k)) <= sp.Rational(1, 2**k * sp.factorial(k))
    grid = np.linspace(-6, 6, 241)
    assert np.all(np.cosh(grid) <= np.exp(grid**2 / 2) + 1e-12)


def test_rademacher_route_gives_the_quoted_vc_bound():
    n, d, delta, Rhat = sp.symbols("n d delta Rhat", positive=True)
    massart = sp.sqrt(n) * sp.sqrt(2 * sp.log((sp.E * n / d) ** d)) / n
    route = Rhat + massart + sp.sqrt(sp.log(1 / delta) / (2 * n))
    quoted = (
        Rhat + sp.sqrt(2 * d * sp.log(sp.E * n / d) / n) + sp.sqrt(sp.log(1 / delta) / (2 * n))
    )
    assert sp.simplify(sp.expand_log(route - quoted, force=True)) == 0


def test_rademacher_of_halfplanes_exact_monte_carlo_and_massart():
    rng = np.random.default_rng(11)
    for n in (2, 3, 4, 7, 10):
        A = _halfplane_labellings_pm1(rng.standard_normal((n, 2)))
        exact = _exact_rademacher(A)
        draws = rng.choice([-1, 1], size=(3000, n))
        best = (draws @ A.T).max(axis=1) / n
        se = best.std(ddof=1) / np.sqrt(len(best))
        assert abs(best.mean() - exact) <= 4 * se + 1e-12
        assert exact <= np.sqrt(2 * np.log(len(A)) / n)  # Massart
        if n <= 3:
            assert exact == 1.0  # shattered
        if n == 4:
            assert exact == pytest.approx(15 / 16, abs=1e-12)


def test_rademacher_of_a_finite_class_is_below_massart():
    # the 21 thresholds of the chapter's simulation on 12 points of [0, 1]
    rng = np.random.default_rng(3)
    x = np.sort(rng.random(12))
    t = np.linspace(0, 1, 21)
    A = np.unique(np.where(x[None, :] >= t[:, None], 1, -1), axis=0)
    exact = _exact_rademacher(A)
    assert 0 < exact <= np.sqrt(2 * np.log(21) / 12)


def _nfl_average_risks(m):
    size = 2 * m
    labelings = np.array(list(product((0, 1), repeat=size)))
    samples = np.array(list(product(range(size), repeat=m)))
    seen = np.zeros((len(samples), size), dtype=bool)
    seen[np.arange(len(samples))[:, None], samples] = True
    memorise = np.where(seen, labelings[:, None, :], 0)
    dist = np.abs(np.arange(size)[None, :, None] - samples[:, None, :])
    nearest = samples[np.arange(len(samples))[:, None], dist.argmin(axis=2)]
    risks = {}
    for name, pred in (("memorise", memorise), ("1-nn", labelings[:, nearest])):
        wrong = (pred != labelings[:, None, :]).sum(axis=2)
        risks[name] = Fraction(int(wrong.sum()), wrong.size * size)
    return risks


@pytest.mark.parametrize("m", [1, 2, 3])
def test_no_free_lunch_average_is_the_closed_form(m):
    closed = Fraction(2 * m - 1, 2 * m) ** m / 2
    risks = _nfl_average_risks(m)
    assert risks["memorise"] == closed == risks["1-nn"]
    assert closed >= Fraction(1, 4)
    ms = sp.symbols("m", positive=True, integer=True)
    assert sp.limit((1 - 1 / (2 * ms)) ** ms / 2, ms, sp.oo) == sp.exp(-sp.Rational(1, 2)) / 2


def test_test_set_interval_covers_at_the_worst_variance():
    n, delta = 359, 0.05
    t = math.sqrt(math.log(2 / delta) / (2 * n))
    assert round(t, 4) == 0.0717
    k = np.arange(n + 1)
    pmf = stats.binom.pmf(k, n, 0.5)
    assert pmf[np.abs(k / n - 0.5) > t].sum() <= delta


def test_pac_bayes_bound_exceeds_the_error_of_its_posterior():
    from nnlib.bounds import gaussian_kl, kl_inverse_upper, pac_bayes_kl_bound
    from nnlib.data import make_moons
    from nnlib.losses import BinaryCrossEntropy
    from nnlib.network import mlp
    from nnlib.optim import Adam
    from nnlib.train import fit

    X, y = make_moons(2000, noise=0.1, rng=0)
    X_new, y_new = make_moons(4000, noise=0.1, rng=1)
    net = mlp([2, 8, 1], rng=0)
    theta0 = np.concatenate([p.value.ravel().copy() for p in net.parameters()])
    fit(
        net,
        BinaryCrossEntropy(),
        Adam(net.parameters(), lr=0.01),
        X,
        y.astype(float),
        epochs=10,
        batch_size=100,
        rng=0,
        progress=False,
    )
    params = net.parameters()
    theta = np.concatenate([p.value.ravel().copy() for p in params])

    def set_weights(v):
        i = 0
        for p in params:
            p.value[...] = v[i : i + p.value.size].reshape(p.value.shape)
            i += p.value.size

    rng = np.random.default_rng(2)
    sigma, K = 0.1, 100
    train_err, new_err = [], []
    for _ in range(K):
        set_weights(theta + sigma * rng.standard_normal(theta.size))
        train_err.append(np.mean((net.forward(X)[:, 0] > 0) != y))
        new_err.append(np.mean((net.forward(X_new)[:, 0] > 0) != y_new))
    set_weights(theta)
    upper = kl_inverse_upper(np.mean(train_err), math.log(2 / 0.01) / K)
    bound = pac_bayes_kl_bound(upper, gaussian_kl(theta, theta0, sigma, 1.0), len(X), 0.04)
    assert np.mean(new_err) < bound < 1
