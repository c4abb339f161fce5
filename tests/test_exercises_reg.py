"""The checkers of chapter 7's exercises accept the reference and reject typical slips."""

from __future__ import annotations

import numpy as np

from nnbook.exercises.reg import check_inverted_dropout, check_ridge, check_soft_threshold


def test_soft_threshold_checker():
    assert check_soft_threshold(lambda z, t: np.sign(z) * np.maximum(np.abs(z) - t, 0.0))
    assert not check_soft_threshold(lambda z, t: np.maximum(z - t, 0.0))  # positive z only
    assert not check_soft_threshold(lambda z, t: np.where(np.abs(z) > t, z, 0.0))  # hard threshold


def test_inverted_dropout_checker():
    assert check_inverted_dropout(lambda a, keep, p: a * keep / (1 - p))
    assert not check_inverted_dropout(lambda a, keep, p: a * keep / p)  # keep/drop mixed up
    assert not check_inverted_dropout(lambda a, keep, p: a * keep)  # no rescaling


def test_ridge_checker():
    def ok(X, y, lam):
        return np.linalg.solve(X.T @ X + len(y) * lam * np.eye(X.shape[1]), X.T @ y)

    def summed_loss(X, y, lam):  # forgets the factor N
        return np.linalg.solve(X.T @ X + lam * np.eye(X.shape[1]), X.T @ y)

    assert check_ridge(ok)
    assert not check_ridge(summed_loss)
    assert not check_ridge(lambda X, y, lam: np.linalg.lstsq(X, y, rcond=None)[0])  # no penalty
