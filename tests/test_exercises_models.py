"""Chapter 10's self-checks accept the reference answers and reject the usual mistakes."""

from __future__ import annotations

import numpy as np

from nnbook.exercises.models import (
    check_logreg_grad,
    check_logreg_hessian,
    check_ridge_fit,
    reference_logreg_grad,
    reference_logreg_hessian,
    reference_ridge_fit,
)


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


# -- logreg_grad ------------------------------------------------------------------------
def test_logreg_grad_accepts_reference():
    result = check_logreg_grad(reference_logreg_grad)
    assert result
    assert result.message.startswith("✔")


def test_logreg_grad_reports_unwritten():
    def unwritten(w, X, y):
        raise NotImplementedError

    result = check_logreg_grad(unwritten)
    assert not result
    assert "not written yet" in result.message


def test_logreg_grad_rejects_wrong_sign():
    result = check_logreg_grad(lambda w, X, y: X.T @ (y - _sigmoid(X @ w)) / len(X))
    assert not result
    assert "hint" in result.message


def test_logreg_grad_rejects_missing_mean():
    result = check_logreg_grad(lambda w, X, y: X.T @ (_sigmoid(X @ w) - y))
    assert not result


def test_logreg_grad_rejects_linear_regression_gradient():
    result = check_logreg_grad(lambda w, X, y: X.T @ (X @ w - y) / len(X))
    assert not result


# -- logreg_hessian ---------------------------------------------------------------------
def test_logreg_hessian_accepts_reference():
    assert check_logreg_hessian(reference_logreg_hessian)


def test_logreg_hessian_rejects_missing_weights():
    result = check_logreg_hessian(lambda w, X: X.T @ X / len(X))
    assert not result


def test_logreg_hessian_rejects_wrong_product():
    def outer_wrong(w, X):
        p = _sigmoid(X @ w)
        return (X * (p * (1 - p))[:, None]) @ X.T / len(X)  # (N, N) instead of (d, d)

    result = check_logreg_hessian(outer_wrong)
    assert not result
    assert "shape" in result.message


# -- ridge_fit --------------------------------------------------------------------------
def test_ridge_fit_accepts_reference():
    assert check_ridge_fit(reference_ridge_fit)


def test_ridge_fit_rejects_lambda_without_n():
    def wrong(X, y, lam):  # forgets that lam sits next to X^T X / N, not X^T X
        return np.linalg.solve(X.T @ X + lam * np.eye(X.shape[1]), X.T @ y)

    assert not check_ridge_fit(wrong)


def test_ridge_fit_rejects_plain_least_squares():
    assert not check_ridge_fit(lambda X, y, lam: np.linalg.lstsq(X, y, rcond=None)[0])


def test_ridge_reference_zeroes_the_gradient():
    rng = np.random.default_rng(0)
    X, y, lam = rng.standard_normal((30, 4)), rng.standard_normal(30), 0.3
    w = reference_ridge_fit(X, y, lam)
    grad = X.T @ (X @ w - y) / len(X) + lam * w
    assert np.max(np.abs(grad)) < 1e-12


def test_ridge_fit_rejects_ols_first_on_rank_deficient_x():
    def ols_then_ridge(X, y, lam):
        np.linalg.solve(X.T @ X, X.T @ y)  # crashes (or is garbage) when X^T X is singular
        N, d = X.shape
        return np.linalg.solve(X.T @ X / N + lam * np.eye(d), X.T @ y / N)

    result = check_ridge_fit(ols_then_ridge)
    assert not result.passed
    assert "Singular" in str(result)  # the rank-deficient case is what exposes it
