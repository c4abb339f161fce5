"""Self-checks for the exercises of chapter 7, "Regularization and generalization".

Each checker runs the reader's function on a few inputs and compares it with an
independent reference written out from the chapter's equations.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from nnbook.exercises import CheckResult
from nnbook.exercises._diagnose import Mistake, check_with_mistakes

__all__ = [
    "DROPOUT_MISTAKES",
    "RIDGE_MISTAKES",
    "SOFT_THRESHOLD_MISTAKES",
    "check_inverted_dropout",
    "check_ridge",
    "check_soft_threshold",
]

#: The classic wrong soft-thresholds (the threshold is ``t``).
SOFT_THRESHOLD_MISTAKES = (
    Mistake(
        lambda z, t: np.maximum(np.asarray(z, dtype=float) - t, 0.0),
        "max(z - t, 0) is right for positive z only: negative z must shrink towards 0 "
        "too, so shrink |z| and restore the sign, sign(z) * max(|z| - t, 0)",
    ),
    Mistake(
        lambda z, t: np.where(np.abs(z) > t, np.asarray(z, dtype=float), 0.0),
        "this is the HARD threshold (keep z if |z| > t): the proximal step of L1 also "
        "shrinks the survivors by t",
    ),
    Mistake(
        lambda z, t: np.sign(z) * (np.abs(z) - t),
        "you shrank |z| by t but did not clip at 0: small z must become exactly 0, not flip sign",
    ),
    Mistake(
        lambda z, t: np.clip(np.asarray(z, dtype=float), -t, t),
        "clip(z, -t, t) is the part the soft-threshold REMOVES; the answer is z minus it",
    ),
    Mistake(
        lambda z, t: np.asarray(z, dtype=float) / (1.0 + t),
        "z / (1 + t) is the proximal step of the L2 penalty (t/2) u^2, not of t |u|",
    ),
)

#: The classic wrong inverted dropouts (``p`` is the DROP probability).
DROPOUT_MISTAKES = (
    Mistake(
        lambda a, keep, p: np.where(keep, np.asarray(a, dtype=float) / p, 0.0),
        "you divided by p, the DROP probability; inverted dropout divides by the keep "
        "probability 1 - p (the source's p is the keep probability)",
    ),
    Mistake(
        lambda a, keep, p: np.where(keep, np.asarray(a, dtype=float), 0.0),
        "no rescale: without dividing by 1 - p the expected output is (1 - p) a, not a",
    ),
    Mistake(
        lambda a, keep, p: np.where(keep, np.asarray(a, dtype=float) * (1.0 - p), 0.0),
        "you multiplied by 1 - p (test-time scaling); inverted dropout DIVIDES by 1 - p "
        "during training",
    ),
    Mistake(
        lambda a, keep, p: np.where(keep, 0.0, np.asarray(a, dtype=float) / (1.0 - p)),
        "the mask is inverted: keep == True means the unit is KEPT",
    ),
    Mistake(
        lambda a, keep, p: np.asarray(a, dtype=float) / (1.0 - p),
        "you rescaled but never applied the mask: dropped units must output 0",
    ),
)


def _ridge_with(scale):
    def wrong(X, y, lam):
        X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
        d = X.shape[1]
        return np.linalg.lstsq(
            np.vstack([X, np.sqrt(scale(len(y), lam)) * np.eye(d)]),
            np.concatenate([y, np.zeros(d)]),
            rcond=None,
        )[0]

    return wrong


#: The classic wrong ridge solutions (mean loss, penalty lam/2 ||w||^2).
RIDGE_MISTAKES = (
    Mistake(
        _ridge_with(lambda N, lam: lam),
        "you used lam * I: that solves the SUMMED loss; with the MEAN loss the normal "
        "equations are (X^T X + N lam I) w = X^T y",
    ),
    Mistake(
        _ridge_with(lambda N, lam: N * lam / 2),
        "you used N lam / 2: the 1/2 of the penalty lam/2 ||w||^2 cancels against the "
        "2 of its derivative, leaving N lam",
    ),
    Mistake(
        _ridge_with(lambda N, lam: 0.0),
        "this is ordinary least squares: the penalty is missing",
    ),
    Mistake(
        _ridge_with(lambda N, lam: lam / N),
        "you used (lam / N) I; the factor N multiplies lam",
    ),
)


def _reference_soft_threshold(z, t):
    """S_t(z): the closed form, computed case by case (not the sign/max formula)."""
    z = np.asarray(z, dtype=float)
    return np.where(z > t, z - t, np.where(z < -t, z + t, 0.0))


def _reference_inverted_dropout(a, keep, p):
    return np.where(np.asarray(keep, dtype=bool), np.asarray(a, dtype=float) / (1.0 - p), 0.0)


def _reference_ridge(X, y, lam):
    """Minimiser of (1/N) sum 1/2 (y - Xw)^2 + lam/2 ||w||^2, via augmented least squares."""
    N, d = X.shape
    X_aug = np.vstack([X, np.sqrt(N * lam) * np.eye(d)])
    y_aug = np.concatenate([y, np.zeros(d)])
    return np.linalg.lstsq(X_aug, y_aug, rcond=None)[0]


def check_soft_threshold(soft_threshold: Callable[[Any, float], Any]) -> CheckResult:
    """Check ``soft_threshold(z, t) -> sign(z) * max(|z| - t, 0)`` elementwise."""
    rng = np.random.default_rng(70)
    cases = [
        (np.array([2.0]), 0.5),
        (np.array([-2.0, -0.3, 0.0, 0.3, 2.0]), 0.5),
        (np.array([-1.0, 1.0]), 1.0),
        (rng.normal(size=(3, 4)), 0.4),
        (rng.normal(size=6), 0.0),
    ]
    return check_with_mistakes(
        soft_threshold,
        _reference_soft_threshold,
        cases,
        mistakes=SOFT_THRESHOLD_MISTAKES,
        name="soft_threshold",
        hint="shrink the magnitude |z| by t, clip at 0, keep the sign of z (negative z too)",
    )


def check_inverted_dropout(dropout: Callable[[Any, Any, float], Any]) -> CheckResult:
    """Check ``dropout(a, keep, p) -> keep * a / (1 - p)`` (``p`` = drop probability)."""
    rng = np.random.default_rng(71)
    a = rng.normal(size=(4, 5))
    cases = [
        (np.array([[1.0, 2.0, 3.0]]), np.array([[True, False, True]]), 0.5),
        (a, rng.random((4, 5)) >= 0.2, 0.2),
        (a, rng.random((4, 5)) >= 0.7, 0.7),
        (a, np.ones((4, 5), dtype=bool), 0.0),
    ]
    return check_with_mistakes(
        dropout,
        _reference_inverted_dropout,
        cases,
        mistakes=DROPOUT_MISTAKES,
        name="inverted_dropout",
        hint="p is the DROP probability: divide kept activations by the keep probability 1 - p",
    )


def check_ridge(ridge: Callable[[Any, Any, float], Any]) -> CheckResult:
    """Check ``ridge(X, y, lam) -> (X^T X + N lam I)^{-1} X^T y``."""
    rng = np.random.default_rng(72)
    cases = []
    for N, d, lam in [(10, 3, 0.1), (30, 5, 1e-3), (6, 8, 0.5)]:
        cases.append((rng.normal(size=(N, d)), rng.normal(size=N), lam))
    X_dup = rng.normal(size=(12, 3))
    X_dup = np.hstack([X_dup, X_dup[:, :1]])  # a repeated column: X^T X singular
    cases.append((X_dup, rng.normal(size=12), 0.2))
    return check_with_mistakes(
        ridge,
        _reference_ridge,
        cases,
        mistakes=RIDGE_MISTAKES,
        name="ridge",
        rtol=1e-6,
        atol=1e-9,
        hint="with the MEAN loss the normal equations are (X^T X + N*lam*I) w = X^T y",
    )
