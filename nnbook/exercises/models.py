"""Self-checks for chapter 10, "Key supervised models" (slug ``models``).

Each checker takes the reader's function, runs it on a few fixed inputs and
compares the result with an independent reference (the closed forms that the
chapter derives in SymPy). When the answer is wrong, it recomputes the classic
wrong answers of the exercise (the ``*_MISTAKES`` catalogues) and names the one
the reader's results match: the flipped sign, the missing 1/N, X^T X without the
weights, lam without its N, ...
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from nnbook.exercises import CheckResult
from nnbook.exercises._diagnose import Mistake, check_with_mistakes

__all__ = [
    "LOGREG_GRAD_MISTAKES",
    "LOGREG_HESSIAN_MISTAKES",
    "RIDGE_FIT_MISTAKES",
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


# -- the catalogues of classic wrong answers -----------------------------------------
def _mse_through_sigmoid_grad(w, X, y):
    p = _sigmoid(X @ w)
    return X.T @ ((p - y) * p * (1 - p)) / X.shape[0]


LOGREG_GRAD_MISTAKES = (
    Mistake(lambda w, X, y: X.T @ (y - _sigmoid(X @ w)) / X.shape[0],
            "the sign is flipped: X^T (y - p) / N is the gradient of the log-likelihood "
            "(which we maximise); J is its negative, so the gradient is X^T (p - y) / N."),
    Mistake(lambda w, X, y: X.T @ (_sigmoid(X @ w) - y),
            "N times too large: J is the MEAN loss, so divide the sum X^T (p - y) by N."),
    Mistake(_mse_through_sigmoid_grad,
            "this is the gradient of the squared error (p - y)^2 / 2 through the sigmoid, "
            "with the extra factor p (1 - p); the cross-entropy cancels it: X^T (p - y) / N."),
    Mistake(lambda w, X, y: X.T @ (X @ w - y) / X.shape[0],
            "this is linear regression's gradient X^T (Xw - y) / N: the prediction is "
            "p = sigmoid(Xw), not Xw."),
    Mistake(lambda w, X, y: X.T @ (np.tanh(X @ w) - y) / X.shape[0],
            "tanh is not the logistic sigmoid: p = 1 / (1 + exp(-Xw))."),
    Mistake(lambda w, X, y: X.T @ (_sigmoid(X @ w) - y) / X.shape[1],
            "you divided by d, the number of features; the mean is over the N examples."),
)


def _hessian_weights(w, X):
    p = _sigmoid(X @ w)
    return p * (1.0 - p)


LOGREG_HESSIAN_MISTAKES = (
    Mistake(lambda w, X: (X * _hessian_weights(w, X)[:, None]).T @ X,
            "N times too large: the Hessian of the MEAN loss has the factor 1/N."),
    Mistake(lambda w, X: X.T @ X / X.shape[0],
            "X^T X / N is linear regression's Hessian: each example is weighted by the "
            "sigmoid's slope p_i (1 - p_i)."),
    Mistake(lambda w, X: (X * _sigmoid(X @ w)[:, None]).T @ X / X.shape[0],
            "the weights are p_i; the derivative of p = sigmoid(z) is p (1 - p)."),
    Mistake(lambda w, X: -(X * _hessian_weights(w, X)[:, None]).T @ X / X.shape[0],
            "the sign is flipped: the Hessian of the convex J is positive semidefinite."),
    Mistake(lambda w, X: np.mean(_hessian_weights(w, X)) * X.T @ X / X.shape[0],
            "you used one average weight mean(p(1 - p)) for every example; each example "
            "has its own weight p_i (1 - p_i)."),
    Mistake(lambda w, X: (X * np.sqrt(_hessian_weights(w, X))[:, None]).T @ X / X.shape[0],
            "the rows are scaled by sqrt(p(1 - p)) on ONE side only; scale one side by "
            "p(1 - p), or both sides by its square root."),
)


def _ridge(X, y, lam_eff):
    N, d = X.shape
    return np.linalg.solve(X.T @ X / N + lam_eff * np.eye(d), X.T @ y / N)


RIDGE_FIT_MISTAKES = (
    Mistake(lambda X, y, lam: _ridge(X, y, lam / X.shape[0]),
            "lam without its N: you solved (X^T X + lam I) w = X^T y. With the MEAN loss "
            "the equations are (X^T X / N + lam I) w = X^T y / N."),
    Mistake(lambda X, y, lam: _ridge(X, y, lam * X.shape[0]),
            "lam is N times too large: (X^T X / N + lam I) w = X^T y / N, or "
            "(X^T X + N lam I) w = X^T y."),
    Mistake(lambda X, y, lam: _ridge(X, y, lam / 2),
            "the penalty (lam/2)||w||^2 has the gradient lam w, not lam w / 2."),
    Mistake(lambda X, y, lam: _ridge(X, y, -lam),
            "the sign of the penalty term is flipped: + lam I."),
    Mistake(lambda X, y, lam: np.linalg.lstsq(X, y, rcond=None)[0],
            "this is ordinary least squares: the penalty is missing."),
)


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
    return check_with_mistakes(
        logreg_grad,
        reference_logreg_grad,
        _logreg_cases(),
        mistakes=LOGREG_GRAD_MISTAKES,
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
    return check_with_mistakes(
        logreg_hessian,
        reference_logreg_hessian,
        cases,
        mistakes=LOGREG_HESSIAN_MISTAKES,
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
    return check_with_mistakes(
        ridge_fit,
        reference_ridge_fit,
        cases,
        mistakes=RIDGE_FIT_MISTAKES,
        name="ridge_fit",
        hint="set the gradient X^T (Xw - y) / N + lam w to zero and solve "
        "(X^T X / N + lam I) w = X^T y / N; mind the 1/N next to lam. Do not "
        "solve X^T X w = X^T y first: X^T X is singular when X is rank-deficient.",
    )
