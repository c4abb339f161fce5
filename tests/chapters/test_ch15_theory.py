"""Chapter 15's claims, checked outside the notebook: shattering by half-planes,
the growth function n^2 - n + 2, and the algebra of the finite-class bound."""

from __future__ import annotations

import math
from itertools import product

import numpy as np
import pytest
import sympy as sp

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
