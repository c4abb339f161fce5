"""Self-checks for chapter 10, "Key supervised models" (slug ``models``).

Each checker takes the reader's function, runs it on a few fixed inputs and
compares the result with an independent reference (the closed forms that the
chapter derives in SymPy), saying what is wrong when they differ.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from nnbook.exercises import CheckResult, check_function

__all__ = [
    "check_logreg_grad",
    "check_logreg_hessian",
    "check_ridge_fit",
    "reference_logreg_grad",
    "reference_logreg_hessian",
    "reference_ridge_fit",
]


def _sigmoid(z: np.ndarray) -> np.ndarray:
    # 1 / (1 + e^{-z}) written so that it never overflows
    return np.exp(-np.logaddexp(0.0, -z))


def reference_logreg_grad(w: np.ndarray, X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """:math:`\\nabla J(w) = \\frac1N X^\\top(\\sigma(Xw) - y)` (rows of ``X`` are examples)."""
    p = _sigmoid(X @ w)
    return X.T @ (p - y) / X.shape[0]


def reference_logreg_hessian(w: np.ndarray, X: np.ndarray) -> np.ndarray:
    """:math:`H(w) = \\frac1N X^\\top \\operatorname{diag}(p(1-p)) X`, :math:`p = \\sigma(Xw)`."""
    p = _sigmoid(X @ w)
    return (X * (p * (1.0 - p))[:, None]).T @ X / X.shape[0]


def reference_ridge_fit(X: np.ndarray, y: np.ndarray, lam: float) -> np.ndarray:
    """Minimiser of :math:`\\frac{1}{2N}\\|Xw - y\\|^2 + \\frac{\\lambda}{2}\\|w\\|^2`."""
    N, d = X.shape
    return np.linalg.solve(X.T @ X / N + lam * np.eye(d), X.T @ y / N)


def _logreg_cases() -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(8)
    cases = []
    for N, d in [(1, 2), (5, 3), (40, 4)]:
        X = rng.standard_normal((N, d))
        y = rng.integers(0, 2, N).astype(float)
        w = rng.standard_normal(d)
        cases.append((w, X, y))
    return cases


def check_logreg_grad(logreg_grad: Callable[..., np.ndarray]) -> CheckResult:
    """Check ``logreg_grad(w, X, y)`` against :math:`\\frac1N X^\\top(\\sigma(Xw) - y)`.

    ``w`` has shape ``(d,)``, ``X`` shape ``(N, d)`` (one example per row) and
    ``y`` shape ``(N,)`` with entries in {0, 1}; the result has shape ``(d,)``.
    """
    return check_function(
        logreg_grad,
        reference=reference_logreg_grad,
        cases=_logreg_cases(),
        name="logreg_grad",
        hint="the gradient of the mean loss is X^T (p - y) / N with p = sigmoid(X @ w): "
        "check the sign (p - y, not y - p) and the 1/N.",
    )


def check_logreg_hessian(logreg_hessian: Callable[..., np.ndarray]) -> CheckResult:
    """Check ``logreg_hessian(w, X)`` against the closed form.

    The closed form is :math:`\\frac1N X^\\top S X` with :math:`S = \\mathrm{diag}(p(1-p))`;
    the result has shape ``(d, d)``.
    """
    cases = [(w, X) for w, X, _ in _logreg_cases()]
    return check_function(
        logreg_hessian,
        reference=reference_logreg_hessian,
        cases=cases,
        name="logreg_hessian",
        hint="H = X^T diag(p(1-p)) X / N is (d, d); each example contributes "
        "p_i (1 - p_i) x_i x_i^T.",
    )


def check_ridge_fit(ridge_fit: Callable[..., np.ndarray]) -> CheckResult:
    """Check ``ridge_fit(X, y, lam)``: the minimiser of the L2-penalised least squares.

    The objective is :math:`\\frac{1}{2N}\\|Xw - y\\|^2 + \\frac{\\lambda}{2}\\|w\\|^2`
    (every entry of ``w`` penalised); the result has shape ``(d,)``.
    """
    rng = np.random.default_rng(18)
    cases = []
    for N, d, lam in [(10, 2, 0.0), (30, 3, 0.1), (8, 5, 1.0)]:
        X = rng.standard_normal((N, d))
        y = rng.standard_normal(N)
        cases.append((X, y, lam))
    # Rank-deficient inputs, the case the exercise is about: fewer examples than
    # features, and a duplicated column. lam > 0 makes the solution unique.
    X_wide = rng.standard_normal((3, 6))
    X_dup = rng.standard_normal((12, 3))
    X_dup = np.column_stack([X_dup, X_dup[:, 0]])
    cases.append((X_wide, rng.standard_normal(3), 0.5))
    cases.append((X_dup, rng.standard_normal(12), 0.2))
    return check_function(
        ridge_fit,
        reference=reference_ridge_fit,
        cases=cases,
        name="ridge_fit",
        hint="set the gradient X^T (Xw - y) / N + lam w to zero and solve "
        "(X^T X / N + lam I) w = X^T y / N; mind the 1/N next to lam. Do not "
        "solve X^T X w = X^T y first: X^T X is singular when X is rank-deficient.",
    )
