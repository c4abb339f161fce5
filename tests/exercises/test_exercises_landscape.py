"""Chapter 11's self-checks accept the reference answers and reject the usual mistakes."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from _helpers import assert_each_mistake_named

from nnbook.exercises.landscape import (
    FILTER_NORMALISE_MISTAKES,
    MATCH_HIDDEN_MISTAKES,
    PERMUTE_HIDDEN_MISTAKES,
    SADDLE_HESSIAN_MISTAKES,
    check_filter_normalise,
    check_match_hidden,
    check_permute_hidden,
    check_saddle_hessian,
    reference_filter_normalise,
    reference_match_hidden,
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
        (check_match_hidden, MATCH_HIDDEN_MISTAKES),
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


# -- match_hidden -----------------------------------------------------------------------
def test_match_hidden_accepts_reference_and_a_brute_force_answer():
    assert check_match_hidden(reference_match_hidden)

    def brute_force(W1a, b1a, W2a, W1b, b1b, W2b):
        # the permutation with the smallest distance |theta_a - pi(theta_b)|, by search
        best, best_perm = np.inf, None
        for perm in itertools.permutations(range(len(b1a))):
            p = np.array(perm)
            d = (np.sum((W1a - W1b[p]) ** 2) + np.sum((b1a - b1b[p]) ** 2)
                 + np.sum((W2a - W2b[:, p]) ** 2))
            if d < best:
                best, best_perm = d, p
        return best_perm

    rng = np.random.default_rng(5)
    for _ in range(3):
        args = tuple(rng.standard_normal(shape) for shape in [(6, 2), (6,), (2, 6)] * 2)
        assert np.array_equal(reference_match_hidden(*args), brute_force(*args))


def test_match_hidden_recovers_a_hidden_permutation():
    rng = np.random.default_rng(3)
    W1a, b1a, W2a = (rng.standard_normal(shape) for shape in [(8, 3), (8,), (2, 8)])
    hidden = rng.permutation(8)
    permuted = reference_permute_hidden(W1a, b1a, W2a, hidden)
    perm = reference_match_hidden(W1a, b1a, W2a, *permuted)
    W1p, b1p, W2p = reference_permute_hidden(*permuted, perm)
    assert np.array_equal(W1p, W1a) and np.array_equal(b1p, b1a) and np.array_equal(W2p, W2a)


def test_match_hidden_rejects_minimised_similarity_with_its_hint():
    from scipy.optimize import linear_sum_assignment

    def minimised(W1a, b1a, W2a, W1b, b1b, W2b):
        S = W1a @ W1b.T + np.outer(b1a, b1b) + W2a.T @ W2b
        return linear_sum_assignment(S)[1]

    result = check_match_hidden(minimised)
    assert not result and "maximize=True" in result.message


def test_match_hidden_shows_hint_when_the_code_raises():
    def broken(*weights):
        raise IndexError("oops")

    result = check_match_hidden(broken)
    assert not result and "raised IndexError" in result.message
    assert "linear_sum_assignment" in result.message
