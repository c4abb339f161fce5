"""Self-checks for the exercises of chapter 7, "Regularization and generalization".

Each checker runs the reader's function on a few inputs and compares it with an
independent reference written out from the chapter's equations.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from nnbook.exercises import CheckResult, check_function

__all__ = ["check_inverted_dropout", "check_ridge", "check_soft_threshold"]


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
    return check_function(
        soft_threshold,
        _reference_soft_threshold,
        cases,
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
    return check_function(
        dropout,
        _reference_inverted_dropout,
        cases,
        name="inverted_dropout",
        hint="p is the DROP probability: divide kept activations by the keep probability 1 - p",
    )


def check_ridge(ridge: Callable[[Any, Any, float], Any]) -> CheckResult:
    """Check ``ridge(X, y, lam) -> (X^T X + N lam I)^{-1} X^T y``."""
    rng = np.random.default_rng(72)
    cases = []
    for N, d, lam in [(10, 3, 0.1), (30, 5, 1e-3), (6, 8, 0.5)]:
        cases.append((rng.normal(size=(N, d)), rng.normal(size=N), lam))
    return check_function(
        ridge,
        _reference_ridge,
        cases,
        name="ridge",
        rtol=1e-6,
        atol=1e-9,
        hint="with the MEAN loss the normal equations are (X^T X + N*lam*I) w = X^T y",
    )
