"""Self-checks for the exercises of chapter 1, *Mathematical prerequisites*.

Each checker runs the reader's function on a few inputs, compares it with an
independent reference and returns a :class:`~nnbook.exercises.CheckResult`
whose message says what is wrong (see :mod:`nnbook.exercises`).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from nnbook.exercises import CheckResult, check_function

__all__ = ["check_gaussian_mle", "check_low_rank", "check_norm", "check_quadratic_grad"]


def _reference_norm(x: np.ndarray, p: float) -> float:
    x = np.asarray(x, dtype=float)
    if p == 1:
        return float(np.sum(np.abs(x)))
    if p == 2:
        return float(np.sqrt(np.sum(x * x)))
    if p == np.inf:
        return float(np.max(np.abs(x)))
    raise ValueError(f"p must be 1, 2 or inf, got {p}")


def check_norm(norm: Callable[[np.ndarray, float], float]) -> CheckResult:
    """Check ``norm(x, p)``: the L1, L2 or L-infinity norm of a vector ``x``.

    The reference is the definition (sum of absolute values, square root of the
    sum of squares, largest absolute value), not ``numpy.linalg.norm``.
    """
    rng = np.random.default_rng(0)
    x = rng.normal(size=5)
    cases = []
    for p in (1, 2, np.inf):
        cases += [(np.array([3.0, -4.0]), p), (x, p), (np.array([-2.0]), p)]
    return check_function(
        norm,
        reference=_reference_norm,
        cases=cases,
        name="norm",
        hint="L1 sums |x_i|, L2 is the square root of the sum of x_i**2, "
        "L-infinity is the largest |x_i|; negative entries count by their size.",
    )


def _reference_quadratic_grad(A: np.ndarray, x: np.ndarray) -> np.ndarray:
    return (A + A.T) @ x


def check_quadratic_grad(grad: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> CheckResult:
    """Check ``grad(A, x)``, the gradient of ``f(x) = x^T A x`` for a square ``A``.

    The cases include non-symmetric matrices, for which ``2 A x`` is wrong.
    """
    rng = np.random.default_rng(1)
    cases = [
        (np.eye(2), np.array([1.0, -2.0])),
        (np.array([[1.0, 2.0], [0.0, 3.0]]), np.array([1.0, 1.0])),
        (rng.normal(size=(3, 3)), rng.normal(size=3)),
        (rng.normal(size=(4, 4)), rng.normal(size=4)),
    ]
    return check_function(
        grad,
        reference=_reference_quadratic_grad,
        cases=cases,
        name="quadratic_grad",
        hint="A need not be symmetric: x^T A x has gradient (A + A^T) x, "
        "which equals 2 A x only when A = A^T.",
    )


def _reference_low_rank(A: np.ndarray, k: int) -> np.ndarray:
    U, s, Vt = np.linalg.svd(A, full_matrices=False)
    return (U[:, :k] * s[:k]) @ Vt[:k]


def check_low_rank(low_rank: Callable[[np.ndarray, int], np.ndarray]) -> CheckResult:
    """Check ``low_rank(A, k)``, the best rank-``k`` approximation of ``A``.

    The matrices have distinct singular values, so the answer is unique.
    """
    rng = np.random.default_rng(2)
    A = rng.normal(size=(6, 4))
    B = rng.normal(size=(3, 5))
    cases = [(A, 1), (A, 2), (A, 4), (B, 1), (B, 3)]
    return check_function(
        low_rank,
        reference=_reference_low_rank,
        cases=cases,
        name="low_rank",
        hint="keep the k largest singular values: U[:, :k] @ diag(s[:k]) @ Vt[:k, :] "
        "(NumPy returns V^T, whose rows are the right singular vectors).",
    )


def _reference_gaussian_mle(x: np.ndarray) -> tuple[float, float]:
    mu = float(np.sum(x) / x.size)
    return mu, float(np.sum((x - mu) ** 2) / x.size)


def check_gaussian_mle(gaussian_mle: Callable[[np.ndarray], tuple[float, float]]) -> CheckResult:
    """Check ``gaussian_mle(x) -> (mu_hat, sigma2_hat)`` for a sample ``x``."""
    rng = np.random.default_rng(3)
    cases = [
        np.array([1.0, 2.0, 3.0, 6.0]),
        rng.normal(2.0, 3.0, size=10),
        rng.normal(-1.0, 0.5, size=25),
    ]
    return check_function(
        gaussian_mle,
        reference=_reference_gaussian_mle,
        cases=cases,
        name="gaussian_mle",
        hint="the maximum-likelihood variance divides by n, not n - 1 "
        "(it is the biased estimator; numpy's default ddof=0).",
    )
