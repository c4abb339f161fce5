"""Chapter 10's checkers accept right answers, reject wrong ones and name each classic mistake."""

from __future__ import annotations

import numpy as np
import pytest

from nnbook.exercises.models import (
    LOGREG_GRAD_MISTAKES,
    LOGREG_HESSIAN_MISTAKES,
    RIDGE_FIT_MISTAKES,
    check_logreg_grad,
    check_logreg_hessian,
    check_ridge_fit,
    reference_logreg_grad,
    reference_logreg_hessian,
    reference_ridge_fit,
)


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


# -- right answers ------------------------------------------------------------------------
def test_checkers_accept_the_references_and_alternative_forms():
    assert check_logreg_grad(reference_logreg_grad).message.startswith("✔")
    assert check_logreg_grad(lambda w, X, y: np.mean((_sigmoid(X @ w) - y)[:, None] * X, axis=0))
    assert check_logreg_hessian(reference_logreg_hessian)

    def hessian_einsum(w, X):  # the sum of p_i (1 - p_i) x_i x_i^T, as an einsum
        p = _sigmoid(X @ w)
        return np.einsum("i,ij,ik->jk", p * (1 - p), X, X) / len(X)

    assert check_logreg_hessian(hessian_einsum)
    assert check_ridge_fit(reference_ridge_fit)

    def ridge_dual(X, y, lam):  # w = X^T (X X^T + N lam I)^{-1} y, the dual form
        N = len(X)
        return X.T @ np.linalg.solve(X @ X.T + N * lam * np.eye(N), y) if lam > 0 else \
            np.linalg.lstsq(X, y, rcond=None)[0]

    assert check_ridge_fit(ridge_dual)


def test_unwritten_answers_say_so():
    def unwritten(*args):
        raise NotImplementedError

    for check in (check_logreg_grad, check_logreg_hessian, check_ridge_fit):
        result = check(unwritten)
        assert not result and "not written yet" in result.message


def test_ridge_fit_rejects_ols_first_on_rank_deficient_x():
    def ols_then_ridge(X, y, lam):
        np.linalg.solve(X.T @ X, X.T @ y)  # crashes when X^T X is singular
        N, d = X.shape
        return np.linalg.solve(X.T @ X / N + lam * np.eye(d), X.T @ y / N)

    result = check_ridge_fit(ols_then_ridge)
    assert not result.passed
    assert "Singular" in str(result) and "hint:" in str(result)  # the hint says why


def test_hessian_of_the_wrong_shape_is_reported():
    def outer_wrong(w, X):
        p = _sigmoid(X @ w)
        return (X * (p * (1 - p))[:, None]) @ X.T / len(X)  # (N, N) instead of (d, d)

    result = check_logreg_hessian(outer_wrong)
    assert not result and "shape" in result.message


def test_ridge_reference_zeroes_the_gradient():
    rng = np.random.default_rng(0)
    X, y, lam = rng.standard_normal((30, 4)), rng.standard_normal(30), 0.3
    w = reference_ridge_fit(X, y, lam)
    grad = X.T @ (X @ w - y) / len(X) + lam * w
    assert np.max(np.abs(grad)) < 1e-12


# -- every classic mistake, written independently of the catalogue, is named ----------
def _weights(w, X):
    p = _sigmoid(X @ w)
    return p * (1 - p)


def _ridge(X, y, lam):  # solved through the normal equations with N lam on X^T X
    return np.linalg.solve(X.T @ X + lam * np.eye(X.shape[1]), X.T @ y)


WRONG = [
    (check_logreg_grad, lambda w, X, y: X.T @ (y - _sigmoid(X @ w)) / len(X), "sign is flipped"),
    (check_logreg_grad, lambda w, X, y: X.T @ (_sigmoid(X @ w) - y), "N times too large"),
    (check_logreg_grad, lambda w, X, y: X.T @ ((_sigmoid(X @ w) - y) * _weights(w, X)) / len(X),
     "squared error"),
    (check_logreg_grad, lambda w, X, y: X.T @ (X @ w - y) / len(X), "linear regression"),
    (check_logreg_grad, lambda w, X, y: X.T @ (np.tanh(X @ w) - y) / len(X), "tanh"),
    (check_logreg_grad, lambda w, X, y: X.T @ (_sigmoid(X @ w) - y) / X.shape[1], "divided by d"),
    (check_logreg_hessian, lambda w, X: X.T @ np.diag(_weights(w, X)) @ X, "N times too large"),
    (check_logreg_hessian, lambda w, X: X.T @ X / len(X), "linear regression"),
    (check_logreg_hessian, lambda w, X: X.T @ np.diag(_sigmoid(X @ w)) @ X / len(X),
     "weights are p_i"),
    (check_logreg_hessian, lambda w, X: -X.T @ np.diag(_weights(w, X)) @ X / len(X),
     "sign is flipped"),
    (check_logreg_hessian, lambda w, X: _weights(w, X).mean() * (X.T @ X) / len(X),
     "one average weight"),
    (check_logreg_hessian, lambda w, X: X.T @ np.diag(np.sqrt(_weights(w, X))) @ X / len(X),
     "ONE side"),
    (check_ridge_fit, _ridge, "lam without its N"),
    (check_ridge_fit, lambda X, y, lam: _ridge(X, y, len(X) ** 2 * lam), "N times too large"),
    (check_ridge_fit, lambda X, y, lam: _ridge(X, y, len(X) * lam / 2), "not lam w / 2"),
    (check_ridge_fit, lambda X, y, lam: _ridge(X, y, -len(X) * lam), "sign of the penalty"),
    (check_ridge_fit, lambda X, y, lam: np.linalg.pinv(X) @ y, "ordinary least squares"),
]


@pytest.mark.parametrize(("check", "wrong", "named"), WRONG,
                         ids=[f"{c.__name__}-{n}" for c, _, n in WRONG])
def test_every_classic_mistake_is_named(check, wrong, named):
    with np.errstate(all="ignore"):
        result = check(wrong)
    assert not result
    assert "diagnosis:" in result.message and named in result.message, result.message


def test_catalogue_sizes():
    for catalogue in (LOGREG_GRAD_MISTAKES, LOGREG_HESSIAN_MISTAKES, RIDGE_FIT_MISTAKES):
        assert len(catalogue) >= 3
    assert len(WRONG) == sum(map(len, (LOGREG_GRAD_MISTAKES, LOGREG_HESSIAN_MISTAKES,
                                       RIDGE_FIT_MISTAKES)))
