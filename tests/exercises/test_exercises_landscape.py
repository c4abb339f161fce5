"""Chapter 11's self-checks accept the reference answers and reject the usual mistakes."""

from __future__ import annotations

import numpy as np
import pytest
from _helpers import assert_each_mistake_named

from nnbook.exercises.landscape import (
    FILTER_NORMALISE_MISTAKES,
    PERMUTE_HIDDEN_MISTAKES,
    SADDLE_HESSIAN_MISTAKES,
    check_filter_normalise,
    check_permute_hidden,
    check_saddle_hessian,
    reference_filter_normalise,
    reference_permute_hidden,
    reference_saddle_hessian,
)


# -- permute_hidden ---------------------------------------------------------------------
def test_permute_hidden_accepts_reference():
    result = check_permute_hidden(reference_permute_hidden)
    assert result
    assert result.message.startswith("✔")


def test_permute_hidden_reports_unwritten():
    def unwritten(W1, b1, W2, perm):
        raise NotImplementedError

    result = check_permute_hidden(unwritten)
    assert not result
    assert "not written yet" in result.message


def test_permute_hidden_rejects_inverse_permutation():
    def inverse(W1, b1, W2, perm):
        inv = np.argsort(perm)
        return W1[inv], b1[inv], W2[:, inv]

    result = check_permute_hidden(inverse)
    assert not result.passed
    assert "argsort" in str(result)


def test_permute_hidden_rejects_rows_of_w2():
    result = check_permute_hidden(lambda W1, b1, W2, perm: (W1[perm], b1[perm], W2[perm]))
    assert not result
    assert "hint" in result.message or "raised" in result.message


def test_permute_hidden_rejects_forgotten_bias():
    assert not check_permute_hidden(lambda W1, b1, W2, perm: (W1[perm], b1, W2[:, perm]))


def test_permute_hidden_rejects_columns_of_w1():
    assert not check_permute_hidden(lambda W1, b1, W2, perm: (W1[:, perm], b1[perm], W2[:, perm]))


def test_permute_reference_preserves_the_function():
    rng = np.random.default_rng(0)
    W1, b1, W2 = rng.standard_normal((5, 3)), rng.standard_normal(5), rng.standard_normal((2, 5))
    X = rng.standard_normal((7, 3))
    W1p, b1p, W2p = reference_permute_hidden(W1, b1, W2, rng.permutation(5))
    assert np.allclose(np.tanh(X @ W1.T + b1) @ W2.T, np.tanh(X @ W1p.T + b1p) @ W2p.T)


# -- filter_normalise -------------------------------------------------------------------
def test_filter_normalise_accepts_reference():
    assert check_filter_normalise(reference_filter_normalise)


def test_filter_normalise_rejects_frobenius_normalisation():
    def whole_matrix(direction, weight):
        return direction / np.linalg.norm(direction) * np.linalg.norm(weight)

    result = check_filter_normalise(whole_matrix)
    assert not result
    assert "ROW" in result.message


def test_filter_normalise_rejects_unit_rows():
    assert not check_filter_normalise(lambda d, W: d / np.linalg.norm(d, axis=1, keepdims=True))


def test_filter_normalise_reference_row_norms():
    rng = np.random.default_rng(1)
    d, W = rng.standard_normal((4, 6)), 0.1 * rng.standard_normal((4, 6))
    out = reference_filter_normalise(d, W)
    assert np.allclose(np.linalg.norm(out, axis=1), np.linalg.norm(W, axis=1))
    assert np.allclose(
        out / np.linalg.norm(out, axis=1, keepdims=True),
        d / np.linalg.norm(d, axis=1, keepdims=True),
    )


# -- saddle_hessian ---------------------------------------------------------------------
def test_saddle_hessian_accepts_reference():
    assert check_saddle_hessian(reference_saddle_hessian)


def test_saddle_hessian_rejects_wrong_sign():
    def wrong(x, y):
        c = np.mean(x * y)
        return np.array([[0.0, c], [c, 0.0]])

    assert not check_saddle_hessian(wrong)


def test_saddle_hessian_rejects_sum_instead_of_mean():
    def wrong(x, y):
        c = np.sum(x * y)
        return np.array([[0.0, -c], [-c, 0.0]])

    assert not check_saddle_hessian(wrong)


# -- the catalogues of classic mistakes -------------------------------------------------
@pytest.mark.parametrize(
    ("check", "mistakes"),
    [
        (check_permute_hidden, PERMUTE_HIDDEN_MISTAKES),
        (check_filter_normalise, FILTER_NORMALISE_MISTAKES),
        (check_saddle_hessian, SADDLE_HESSIAN_MISTAKES),
    ],
)
def test_every_catalogued_mistake_is_named(check, mistakes):
    assert_each_mistake_named(check, mistakes)


def test_correct_alternative_forms_pass():
    def permute_by_matrix(W1, b1, W2, perm):  # Pi W1, Pi b1, W2 Pi^T
        Pi = np.eye(len(perm))[perm]
        return Pi @ W1, Pi @ b1, W2 @ Pi.T

    def normalise_by_loop(direction, weight):
        out = np.empty_like(direction)
        for i, (d, w) in enumerate(zip(direction, weight, strict=True)):
            out[i] = d * (np.sqrt(w @ w) / np.sqrt(d @ d))
        return out

    def hessian_by_sum(x, y):
        c = sum(a * b for a, b in zip(x, y, strict=True)) / len(x)
        return -c * np.array([[0.0, 1.0], [1.0, 0.0]])

    assert check_permute_hidden(permute_by_matrix)
    assert check_filter_normalise(normalise_by_loop)
    assert check_saddle_hessian(hessian_by_sum)


def test_hint_is_shown_when_the_code_raises():
    def broken(W1, b1, W2, perm):
        raise KeyError("oops")

    result = check_permute_hidden(broken)
    assert not result and "raised KeyError" in result.message and "COLUMN of W2" in result.message
