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


# ---------------------------------------------------------------------------------------
# every catalogued mistake is recognised and named; correct alternatives pass
# ---------------------------------------------------------------------------------------
import pytest  # noqa: E402

from nnbook.exercises.reg import (  # noqa: E402
    DROPOUT_MISTAKES,
    RIDGE_MISTAKES,
    SOFT_THRESHOLD_MISTAKES,
)


def _first_words(mistake) -> str:
    return mistake.message.split(":")[0][:40]


@pytest.mark.parametrize("mistake", SOFT_THRESHOLD_MISTAKES, ids=_first_words)
def test_soft_threshold_mistakes_are_named(mistake):
    verdict = check_soft_threshold(mistake.answer)
    assert not verdict
    assert mistake.message in str(verdict)


@pytest.mark.parametrize("mistake", DROPOUT_MISTAKES, ids=_first_words)
def test_dropout_mistakes_are_named(mistake):
    verdict = check_inverted_dropout(mistake.answer)
    assert not verdict
    assert mistake.message in str(verdict)


@pytest.mark.parametrize("mistake", RIDGE_MISTAKES, ids=_first_words)
def test_ridge_mistakes_are_named(mistake):
    verdict = check_ridge(mistake.answer)
    assert not verdict
    assert mistake.message in str(verdict)


def test_correct_alternative_forms_pass():
    assert check_soft_threshold(lambda z, t: z - np.clip(z, -t, t))
    assert check_inverted_dropout(lambda a, keep, p: np.where(keep, a / (1 - p), 0.0))
    # the dual form, and a form that copes with a singular X^T X
    assert check_ridge(
        lambda X, y, lam: X.T @ np.linalg.solve(X @ X.T + len(y) * lam * np.eye(len(y)), y)
    )


def test_ridge_checker_requires_rank_deficient_inputs_to_work():
    def via_normal_equations_without_penalty(X, y, lam):
        return np.linalg.solve(X.T @ X, X.T @ y)  # singular for a repeated column

    verdict = check_ridge(via_normal_equations_without_penalty)
    assert not verdict


def test_hint_shown_when_the_code_raises():
    def broken(z, t):
        raise ValueError("oops")

    verdict = check_soft_threshold(broken)
    assert not verdict and "hint" in str(verdict)
