"""The learning-theory chapter's checkers accept the reference and reject typical mistakes."""

from __future__ import annotations

import math
from itertools import product

import numpy as np
import pytest
from _helpers import assert_each_mistake_named

from nnbook.exercises.theory import (
    GAUSSIAN_KL_MISTAKES,
    GENERALIZATION_GAP_MISTAKES,
    INTERVAL_DICHOTOMIES_MISTAKES,
    SAMPLE_COMPLEXITY_MISTAKES,
    check_gaussian_kl,
    check_generalization_gap,
    check_interval_dichotomies,
    check_sample_complexity,
)


def test_sample_complexity():
    def good(eps, delta, H):
        return math.ceil(np.log(2 * H / delta) / (2 * eps**2))

    assert check_sample_complexity(good)

    def no_ceiling(eps, delta, H):
        return np.log(2 * H / delta) / (2 * eps**2)

    def no_union_bound(eps, delta, H):
        return math.ceil(np.log(2 / delta) / (2 * eps**2))

    def log10(eps, delta, H):
        return math.ceil(np.log10(2 * H / delta) / (2 * eps**2))

    for wrong in (no_ceiling, no_union_bound, log10):
        result = check_sample_complexity(wrong)
        assert not result and ("hint" in repr(result) or "diagnosis" in repr(result))


def test_generalization_gap():
    assert check_generalization_gap(lambda n, d, H: np.sqrt(np.log(2 * H / d) / (2 * n)))
    assert not check_generalization_gap(lambda n, d, H: np.sqrt(np.log(2 / d) / (2 * n)))
    assert not check_generalization_gap(lambda n, d, H: np.log(2 * H / d) / (2 * n))


def _brute_force_intervals(n):
    """Distinct labellings of the points 0..n-1 by [a <= x <= b] over a fine grid of a, b."""
    grid = np.arange(-1, n + 1) + 0.5
    labs = {tuple([0] * n)}
    for a, b in product(grid, grid):
        labs.add(tuple(int(a <= x <= b) for x in range(n)))
    return len(labs)


def test_interval_reference_matches_brute_force():
    good = lambda n: 1 + n * (n + 1) // 2  # noqa: E731
    for n in range(1, 8):
        assert good(n) == _brute_force_intervals(n)
    assert check_interval_dichotomies(good)
    assert not check_interval_dichotomies(lambda n: 2**n)
    assert not check_interval_dichotomies(lambda n: n * (n + 1) // 2)
    not_yet = check_interval_dichotomies(lambda n: (_ for _ in ()).throw(NotImplementedError))
    assert "not written yet" in repr(not_yet)


@pytest.mark.parametrize(
    ("check", "mistakes"),
    [
        (check_sample_complexity, SAMPLE_COMPLEXITY_MISTAKES),
        (check_generalization_gap, GENERALIZATION_GAP_MISTAKES),
        (check_interval_dichotomies, INTERVAL_DICHOTOMIES_MISTAKES),
        (check_gaussian_kl, GAUSSIAN_KL_MISTAKES),
    ],
)
def test_every_catalogued_mistake_is_named(check, mistakes):
    assert_each_mistake_named(check, mistakes)


def test_correct_alternative_forms_pass():
    def n_by_search(eps, delta, H):  # the smallest n by counting up from 1
        n = 1
        while 2 * H * math.exp(-2 * n * eps**2) > delta:
            n += 1
        return n

    def gap_by_logs(n, delta, H):
        return ((math.log(2) + math.log(H) - math.log(delta)) / (2 * n)) ** 0.5

    def intervals_by_binomials(n):
        return math.comb(n + 1, 2) + 1

    assert check_sample_complexity(n_by_search)
    assert check_generalization_gap(gap_by_logs)
    assert check_interval_dichotomies(intervals_by_binomials)


def test_hint_is_shown_when_the_code_raises():
    result = check_generalization_gap(lambda n, d, H: 1 / 0)
    assert not result and "raised ZeroDivisionError" in result.message
    assert "hint" in result.message


def test_gaussian_kl_accepts_the_closed_form_and_a_coordinatewise_sum():
    def closed_form(mq, mp, sq, sp):
        P = len(mq)
        return np.sum((mq - mp) ** 2) / (2 * sp**2) + P / 2 * (
            sq**2 / sp**2 - 1 + np.log(sp**2 / sq**2)
        )

    def coordinatewise(mq, mp, sq, sp):  # the 1-D KL, summed
        return sum(
            math.log(sp / sq) + (sq**2 + (a - b) ** 2) / (2 * sp**2) - 0.5
            for a, b in zip(mq, mp, strict=True)
        )

    assert check_gaussian_kl(closed_form)
    assert check_gaussian_kl(coordinatewise)


def test_gaussian_kl_agrees_with_nnlib():
    from nnlib.bounds import gaussian_kl

    assert check_gaussian_kl(gaussian_kl)


def test_gaussian_kl_rejects_the_reversed_divergence_with_its_hint():
    from nnlib.bounds import gaussian_kl

    result = check_gaussian_kl(lambda mq, mp, sq, sp: gaussian_kl(mp, mq, sp, sq))
    assert not result and "KL(P || Q)" in result.message
    raised = check_gaussian_kl(lambda mq, mp, sq, sp: mq @ np.ones(2))
    assert not raised and "hint" in raised.message and "raised" in raised.message
