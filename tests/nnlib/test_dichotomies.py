"""nnlib.dichotomies: the exact separability test and the half-plane growth function."""

from __future__ import annotations

import numpy as np
import pytest

import nnbook.exercises.theory as theory
from nnlib import dichotomies
from nnlib.dichotomies import (
    count_separable_labellings,
    halfplane_dichotomies,
    linearly_separable,
    separating_line,
)


def test_the_chapter_imports_the_same_functions_from_the_checkers_module():
    for name in dichotomies.__all__:
        assert getattr(theory, name) is getattr(dichotomies, name)
        assert name in theory.__all__


def test_general_position_realises_n_squared_minus_n_plus_2():
    rng = np.random.default_rng(0)
    for n in range(1, 7):
        X = rng.standard_normal((n, 2))
        assert count_separable_labellings(X) == n**2 - n + 2
        assert len(halfplane_dichotomies(X)) == n**2 - n + 2


def test_xor_is_not_separable_and_a_returned_line_separates():
    X = np.array([[0.0, 0.0], [1.0, 1.0], [0.0, 1.0], [1.0, 0.0]])
    assert not linearly_separable(X, [1, 1, 0, 0])
    w, b = separating_line(X, [0, 1, 1, 1])
    np.testing.assert_array_equal((X @ w + b > 0).astype(int), [0, 1, 1, 1])
    assert separating_line(X, np.array([False, True, True, True])) is not None


@pytest.mark.parametrize(
    ("X", "y", "match"),
    [
        (np.zeros((3, 3)), [0, 1, 0], r"separating_line: expected points of shape \(n, 2\)"),
        ([[0.0, np.nan], [1.0, 1.0]], [0, 1], r"expected finite values in X, got 1 NaN"),
        (np.zeros((3, 2)), [0, 1], r"expected labels of shape \(3,\), got \(2,\)"),
        (np.eye(2), [0, 2], r"expected labels in \[0, 2\).*got label 2"),
        (np.eye(2), [-1, 1], r"got label -1"),
    ],
)
def test_bad_input_says_what_was_expected(X, y, match):
    with pytest.raises(ValueError, match=match):
        separating_line(X, y)
