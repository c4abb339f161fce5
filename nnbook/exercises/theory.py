"""Self-checks and reference computations for the learning-theory chapter.

``book/15_learning_theory.ipynb`` uses the reference functions here to decide,
exactly, whether a labelling of points in the plane is linearly separable and
how many labellings ("dichotomies") half-planes realise on a point set; the
checkers grade the chapter's exercises. The reference computations are library
math: they live in :mod:`nnlib.dichotomies` and stay importable from here.

Exact separability test
-----------------------
Two finite point sets in :math:`\\mathbb R^2` are strictly separable by a line
iff some unit normal :math:`w(\\theta) = (\\cos\\theta, \\sin\\theta)` orders the
projections :math:`w^\\top x_i` so that every negative point comes before every
positive one.  The order only changes at the *critical* angles where two points
project to the same value (:math:`w \\perp x_i - x_j`).  The set of separating
normals is open, so if one exists, one exists strictly between two consecutive
critical angles, where the order is the same as at the midpoint.  Testing the
midpoints of all arcs is therefore exact: no LP solver, no perceptron epochs.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from nnbook.exercises import CheckResult, check_function
from nnlib.dichotomies import (
    count_separable_labellings,
    halfplane_dichotomies,
    linearly_separable,
    separating_line,
)

__all__ = [
    "check_generalization_gap",
    "check_interval_dichotomies",
    "check_sample_complexity",
    "count_separable_labellings",
    "halfplane_dichotomies",
    "linearly_separable",
    "separating_line",
]


# ---------------------------------------------------------------------------------
# checkers
# ---------------------------------------------------------------------------------
def _sample_complexity_ref(epsilon: float, delta: float, n_hypotheses: float) -> int:
    return math.ceil(math.log(2 * n_hypotheses / delta) / (2 * epsilon**2))


def check_sample_complexity(sample_complexity: Callable[[float, float, int], int]) -> CheckResult:
    """Check ``sample_complexity(epsilon, delta, n_hypotheses)``.

    The answer is the smallest integer :math:`n` with
    :math:`2|\\mathcal H| e^{-2n\\varepsilon^2} \\le \\delta`.

    Parameters
    ----------
    sample_complexity : callable
        The reader's function.

    Returns
    -------
    CheckResult
    """
    cases = [(0.1, 0.05, 1), (0.05, 0.01, 1000), (0.02, 0.1, 10**6), (0.2, 0.001, 50)]
    return check_function(
        sample_complexity,
        reference=_sample_complexity_ref,
        cases=[tuple(np.float64(v) for v in c) for c in cases],
        name="sample_complexity",
        rtol=0.0,
        atol=0.0,
        hint="solve 2|H| exp(-2 n eps^2) <= delta for n and round UP to an integer "
        "(math.ceil); the logarithm is natural (np.log)",
    )


def _gap_ref(n: float, delta: float, n_hypotheses: float) -> float:
    return math.sqrt(math.log(2 * n_hypotheses / delta) / (2 * n))


def check_generalization_gap(
    generalization_gap: Callable[[int, float, int], float],
) -> CheckResult:
    """Check ``generalization_gap(n, delta, n_hypotheses)``: the :math:`\\varepsilon` of the bound.

    With probability at least :math:`1-\\delta`, every :math:`h \\in \\mathcal H`
    has :math:`|R(h) - \\hat R_n(h)| \\le \\varepsilon =
    \\sqrt{\\ln(2|\\mathcal H|/\\delta)/(2n)}`.

    Parameters
    ----------
    generalization_gap : callable
        The reader's function.

    Returns
    -------
    CheckResult
    """
    cases = [(100, 0.05, 1), (1000, 0.01, 21), (50, 0.1, 10**6), (10**5, 0.001, 2**30)]
    return check_function(
        generalization_gap,
        reference=_gap_ref,
        cases=[tuple(np.float64(v) for v in c) for c in cases],
        name="generalization_gap",
        hint="set 2|H| exp(-2 n eps^2) = delta and solve for eps",
    )


def _interval_dichotomies_ref(n: int) -> int:
    # the empty labelling plus one labelling per run x_i..x_j (i <= j) of sorted points
    n = int(n)
    return 1 + n * (n + 1) // 2


def check_interval_dichotomies(interval_dichotomies: Callable[[int], int]) -> CheckResult:
    """Check ``interval_dichotomies(n)``: labellings of n distinct reals by intervals.

    The classifiers are :math:`h_{a,b}(x) = [a \\le x \\le b]`.

    Parameters
    ----------
    interval_dichotomies : callable
        The reader's growth function :math:`\\Pi_{\\mathcal H}(n)`.

    Returns
    -------
    CheckResult
    """
    return check_function(
        interval_dichotomies,
        reference=_interval_dichotomies_ref,
        cases=[np.int64(n) for n in (1, 2, 3, 4, 7, 20)],
        name="interval_dichotomies",
        rtol=0.0,
        atol=0.0,
        hint="an interval labels a contiguous run of the sorted points 1 (or none at all): "
        "count the runs, then add the all-zero labelling",
    )
