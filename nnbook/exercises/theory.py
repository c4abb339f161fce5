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

from nnbook.exercises import CheckResult
from nnbook.exercises._diagnose import Mistake, check_with_mistakes
from nnlib.dichotomies import (
    count_separable_labellings,
    halfplane_dichotomies,
    linearly_separable,
    separating_line,
)

__all__ = [
    "GAUSSIAN_KL_MISTAKES",
    "GENERALIZATION_GAP_MISTAKES",
    "INTERVAL_DICHOTOMIES_MISTAKES",
    "SAMPLE_COMPLEXITY_MISTAKES",
    "check_gaussian_kl",
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


def _n_of(log_term: float, epsilon: float) -> float:
    return log_term / (2 * epsilon**2)


SAMPLE_COMPLEXITY_MISTAKES = (
    Mistake(
        lambda e, d, H: math.floor(_n_of(math.log(2 * H / d), e)),
        "you rounded DOWN (floor); the smallest n that satisfies the bound is the "
        "ceiling: math.ceil(...).",
    ),
    Mistake(
        lambda e, d, H: _n_of(math.log(2 * H / d), e),
        "n must be an integer: round the solution UP with math.ceil.",
    ),
    Mistake(
        lambda e, d, H: round(_n_of(math.log(2 * H / d), e)),
        "round() can round down and break the inequality; use math.ceil.",
    ),
    Mistake(
        lambda e, d, H: math.ceil(_n_of(math.log(H / d), e)),
        "the factor 2 of the two-sided bound is missing: ln(2|H|/delta), not ln(|H|/delta).",
    ),
    Mistake(
        lambda e, d, H: math.ceil(_n_of(math.log10(2 * H / d), e)),
        "log10 is not the natural logarithm; the exponential bound needs ln (math.log / np.log).",
    ),
    Mistake(
        lambda e, d, H: math.ceil((math.log(H) + math.log(1 / d)) / e),
        "this is the REALISABLE sample size (ln|H| + ln(1/delta))/eps; the exercise "
        "asks for uniform accuracy, ln(2|H|/delta)/(2 eps^2).",
    ),
    Mistake(
        lambda e, d, H: math.ceil(2 * math.log(2 * H / d) / e**2),
        "this is the ERM version with eps/2 in place of eps; the exercise asks for "
        "|R - R_hat| <= eps: ln(2|H|/delta)/(2 eps^2).",
    ),
    Mistake(
        lambda e, d, H: math.ceil(math.log(2 / d) / (2 * e**2)),
        "|H| is missing: the union bound over all hypotheses contributes ln|H|.",
    ),
)


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
    return check_with_mistakes(
        sample_complexity,
        _sample_complexity_ref,
        cases,
        mistakes=SAMPLE_COMPLEXITY_MISTAKES,
        name="sample_complexity",
        rtol=0.0,
        atol=0.0,
        hint="solve 2|H| exp(-2 n eps^2) <= delta for n and round UP to an integer "
        "(math.ceil); the logarithm is natural (np.log)",
    )


def _gap_ref(n: float, delta: float, n_hypotheses: float) -> float:
    return math.sqrt(math.log(2 * n_hypotheses / delta) / (2 * n))


GENERALIZATION_GAP_MISTAKES = (
    Mistake(
        lambda n, d, H: math.sqrt(math.log(H / d) / (2 * n)),
        "the factor 2 of the two-sided bound is missing: ln(2|H|/delta).",
    ),
    Mistake(
        lambda n, d, H: math.log(2 * H / d) / (2 * n),
        "the square root is missing: eps = sqrt(ln(2|H|/delta)/(2n)).",
    ),
    Mistake(
        lambda n, d, H: math.sqrt(math.log10(2 * H / d) / (2 * n)),
        "log10 is not the natural logarithm: use math.log / np.log.",
    ),
    Mistake(
        lambda n, d, H: math.sqrt(math.log(2 * H) / d / (2 * n)),
        "delta belongs inside the logarithm: ln(2|H|/delta), not ln(2|H|)/delta.",
    ),
    Mistake(
        lambda n, d, H: 2 * math.sqrt(math.log(2 * H / d) / (2 * n)),
        "this is 2 eps, the ERM excess-risk guarantee; the gap itself is eps.",
    ),
    Mistake(
        lambda n, d, H: math.sqrt(math.log(2 * H / d) / n),
        "the 2 under the square root is missing: sqrt(ln(2|H|/delta)/(2n)).",
    ),
    Mistake(
        lambda n, d, H: math.sqrt(math.log(2 / d) / (2 * n)),
        "|H| is missing: this is Hoeffding for one hypothesis, not the union bound.",
    ),
)


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
    return check_with_mistakes(
        generalization_gap,
        _gap_ref,
        cases,
        mistakes=GENERALIZATION_GAP_MISTAKES,
        name="generalization_gap",
        hint="set 2|H| exp(-2 n eps^2) = delta and solve for eps",
    )


def _interval_dichotomies_ref(n: int) -> int:
    # the empty labelling plus one labelling per run x_i..x_j (i <= j) of sorted points
    n = int(n)
    return 1 + n * (n + 1) // 2


INTERVAL_DICHOTOMIES_MISTAKES = (
    Mistake(
        lambda n: n * (n + 1) // 2,
        "the all-zero labelling (an interval that contains no point) is missing: add 1.",
    ),
    Mistake(
        lambda n: 2**n,
        "2^n counts every labelling; an interval cannot label 1, 0, 1 (it would contain "
        "the middle point), so it realises far fewer.",
    ),
    Mistake(
        lambda n: n * n - n + 2,
        "n^2 - n + 2 is the growth function of half-planes in the plane, not of "
        "intervals on the line.",
    ),
    Mistake(
        lambda n: n + 1,
        "n + 1 is the count for thresholds (rays); an interval has two ends, so count "
        "the contiguous runs i..j.",
    ),
    Mistake(
        lambda n: n * (n - 1) // 2 + 1,
        "runs of a single point are missing: there are C(n, 2) runs with i < j and n with i = j.",
    ),
    Mistake(
        lambda n: n * (n + 1) + 2,
        "doubled: an interval labels the points INSIDE it 1; its complement is not an interval.",
    ),
)


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
    return check_with_mistakes(
        interval_dichotomies,
        _interval_dichotomies_ref,
        [(n,) for n in (1, 2, 3, 4, 7, 20)],
        mistakes=INTERVAL_DICHOTOMIES_MISTAKES,
        name="interval_dichotomies",
        rtol=0.0,
        atol=0.0,
        hint="an interval labels a contiguous run of the sorted points 1 (or none at all): "
        "count the runs, then add the all-zero labelling",
    )


def _gaussian_kl_ref(mean_q, mean_p, sigma_q: float, sigma_p: float) -> float:
    # KL(N(mean_q, sigma_q^2 I) || N(mean_p, sigma_p^2 I)), eq-theory-gaussian-kl
    P = len(mean_q)
    dist2 = float(np.sum((np.asarray(mean_q) - np.asarray(mean_p)) ** 2))
    ratio = sigma_q**2 / sigma_p**2
    return dist2 / (2 * sigma_p**2) + P / 2 * (ratio - 1 - math.log(ratio))


def _kl_parts(mean_q, mean_p, sigma_q, sigma_p):
    P = len(mean_q)
    dist2 = float(np.sum((np.asarray(mean_q) - np.asarray(mean_p)) ** 2))
    return P, dist2, sigma_q**2 / sigma_p**2


GAUSSIAN_KL_MISTAKES = (
    Mistake(
        lambda mq, mp, sq, sp: _gaussian_kl_ref(mp, mq, sp, sq),
        "this is KL(P || Q), the divergence the other way round: the bound needs "
        "KL(Q || P), the expectation under the POSTERIOR Q of log(q/p).",
    ),
    Mistake(
        lambda mq, mp, sq, sp: 2 * _gaussian_kl_ref(mq, mp, sq, sp),
        "twice the answer: every term of the Gaussian KL carries a factor 1/2.",
    ),
    Mistake(
        lambda mq, mp, sq, sp: (
            (lambda P, d2, r: d2 / (2 * sp**2) + P / 2 * (r - math.log(r)))(
                *_kl_parts(mq, mp, sq, sp)
            )
        ),
        "the -P/2 term is missing: with Q = P (same mean and sigma) the KL must be 0.",
    ),
    Mistake(
        lambda mq, mp, sq, sp: (
            (lambda P, d2, r: d2 / (2 * sq**2) + P / 2 * (r - 1 - math.log(r)))(
                *_kl_parts(mq, mp, sq, sp)
            )
        ),
        "the squared distance of the means is measured in units of the PRIOR's "
        "variance: |mean_q - mean_p|^2 / (2 sigma_p^2), not sigma_q^2.",
    ),
    Mistake(
        lambda mq, mp, sq, sp: (
            (lambda P, d2, r: d2 / (2 * sp**2) + 0.5 * (r - 1 - math.log(r)))(
                *_kl_parts(mq, mp, sq, sp)
            )
        ),
        "the variance terms count once per coordinate: multiply them by P = len(mean_q).",
    ),
    Mistake(
        lambda mq, mp, sq, sp: (
            (lambda P, d2, r: d2 / (2 * sp) + P / 2 * (r - 1 - math.log(r)))(
                *_kl_parts(mq, mp, sq, sp)
            )
        ),
        "divide the squared distance by 2 sigma_p^2 (the variance), not by 2 sigma_p.",
    ),
    Mistake(
        lambda mq, mp, sq, sp: (
            (lambda P, d2, r: d2 / (2 * sp**2) + P / 2 * (r - 1 - math.log(math.sqrt(r))))(
                *_kl_parts(mq, mp, sq, sp)
            )
        ),
        "the logarithm is of the variance ratio sigma_p^2 / sigma_q^2 (P/2 ln of it), "
        "i.e. P ln(sigma_p / sigma_q), not half of that.",
    ),
    Mistake(
        lambda mq, mp, sq, sp: (
            (lambda P, d2, r: P / 2 * (r - 1 - math.log(r)))(*_kl_parts(mq, mp, sq, sp))
        ),
        "the distance between the means is missing: |mean_q - mean_p|^2 / (2 sigma_p^2).",
    ),
)


def check_gaussian_kl(gaussian_kl: Callable[..., float]) -> CheckResult:
    """Check ``gaussian_kl(mean_q, mean_p, sigma_q, sigma_p)`` for isotropic Gaussians.

    The answer is

    .. math::

        \\mathrm{KL}\\big(\\mathcal N(\\mu_q, \\sigma_q^2 I)\\,\\|\\,
        \\mathcal N(\\mu_p, \\sigma_p^2 I)\\big)
        = \\frac{\\lVert\\mu_q - \\mu_p\\rVert^2}{2\\sigma_p^2}
        + \\frac P2\\Big(\\frac{\\sigma_q^2}{\\sigma_p^2} - 1
        + \\ln\\frac{\\sigma_p^2}{\\sigma_q^2}\\Big)

    with :math:`P` the dimension (``len(mean_q)``).

    Parameters
    ----------
    gaussian_kl : callable
        The reader's function; the means are 1-D arrays, the sigmas positive floats.

    Returns
    -------
    CheckResult
    """
    rng = np.random.default_rng(0)
    cases = [
        (np.array([1.0, 0.0, 0.0]), np.zeros(3), 1.0, 1.0),
        (rng.standard_normal(5), rng.standard_normal(5), 0.1, 1.0),
        (rng.standard_normal(10), rng.standard_normal(10), 0.5, 0.2),
        (np.zeros(4), np.zeros(4), 0.3, 3.0),
        (rng.standard_normal(65), rng.standard_normal(65), 0.05, 3.0),
    ]
    return check_with_mistakes(
        gaussian_kl,
        _gaussian_kl_ref,
        cases,
        mistakes=GAUSSIAN_KL_MISTAKES,
        name="gaussian_kl",
        hint="sum the one-dimensional KL ln(sigma_p/sigma_q) + (sigma_q^2 + (m_q - m_p)^2) "
        "/ (2 sigma_p^2) - 1/2 over the P coordinates",
    )
