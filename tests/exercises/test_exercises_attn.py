"""The attention chapter's checkers accept the reference and reject typical mistakes."""

from __future__ import annotations

import itertools
from fractions import Fraction

import numpy as np
import pytest
from _helpers import assert_each_mistake_named

from nnbook.exercises.attn import (
    ATTENTION_BACKWARD_MISTAKES,
    ATTENTION_MISTAKES,
    MHA_PARAM_COUNT_MISTAKES,
    ORDER_BLIND_CEILING_MISTAKES,
    check_attention,
    check_attention_backward,
    check_mha_param_count,
    check_order_blind_ceiling,
    reference_attention,
    reference_attention_backward,
    reference_order_blind_ceiling,
)
from nnlib.activations import softmax
from nnlib.layers.attention import (
    scaled_dot_product_attention,
    scaled_dot_product_attention_backward,
)


def _pairs(mistakes):
    # a catalogue of Mistake(answer, message) as (message, answer) pairs
    return [(m.message, m.answer) for m in mistakes]



def good_attention(Q, K, V):
    return softmax(Q @ K.T / np.sqrt(Q.shape[1]), axis=1) @ V


def good_backward(dO, Q, K, V):
    s = 1 / np.sqrt(Q.shape[1])
    P = softmax(Q @ K.T * s, axis=1)
    dV = P.T @ dO
    dP = dO @ V.T
    dS = P * (dP - (dP * P).sum(axis=1, keepdims=True))
    return dS @ K * s, dS.T @ Q * s, dV


def test_attention_accepts_reference():
    assert check_attention(good_attention)


def test_attention_rejects_typical_mistakes():
    def no_scale(Q, K, V):
        return softmax(Q @ K.T, axis=1) @ V

    def wrong_axis(Q, K, V):
        return softmax(Q @ K.T / np.sqrt(Q.shape[1]), axis=0) @ V

    def unstable(Q, K, V):
        E = np.exp(Q @ K.T / np.sqrt(Q.shape[1]))
        return E / E.sum(axis=1, keepdims=True) @ V

    for wrong in (no_scale, wrong_axis):
        result = check_attention(wrong)
        assert not result and "✘" in repr(result) and "hint" in repr(result)
    # a softmax without the max subtracted overflows on the large-score case
    with np.errstate(over="ignore", invalid="ignore"):
        result = check_attention(unstable)
    assert not result and "NaN" in repr(result)


def test_attention_not_written_yet():
    def todo(Q, K, V):
        raise NotImplementedError

    assert "not written yet" in repr(check_attention(todo))


def test_backward_accepts_reference_and_rejects_mistakes():
    assert check_attention_backward(good_backward)

    def no_rowsum(dO, Q, K, V):
        s = 1 / np.sqrt(Q.shape[1])
        P = softmax(Q @ K.T * s, axis=1)
        dS = P * (dO @ V.T)
        return dS @ K * s, dS.T @ Q * s, P.T @ dO

    def forgot_transpose_in_dk(dO, Q, K, V):
        dQ, _, dV = good_backward(dO, Q, K, V)
        s = 1 / np.sqrt(Q.shape[1])
        P = softmax(Q @ K.T * s, axis=1)
        dP = dO @ V.T
        dS = P * (dP - (dP * P).sum(axis=1, keepdims=True))
        return dQ, dS @ Q * s, dV  # the first case is square, so the shapes fit

    def forgot_transpose_in_dv(dO, Q, K, V):
        dQ, dK, _ = good_backward(dO, Q, K, V)
        P = softmax(Q @ K.T / np.sqrt(Q.shape[1]), axis=1)
        return dQ, dK, P @ dO

    for wrong in (no_rowsum, forgot_transpose_in_dk, forgot_transpose_in_dv):
        assert not check_attention_backward(wrong)


def test_param_count():
    assert check_mha_param_count(lambda d, h: 4 * d * d)
    assert not check_mha_param_count(lambda d, h: 4 * d * d * h)
    assert not check_mha_param_count(lambda d, h: 3 * d * d)


# --- the catalogue: every classic mistake is named, a correct alternative passes ---


@pytest.mark.parametrize(
    ("check", "diagnosis", "wrong"),
    [(check_attention, d, f) for d, f in _pairs(ATTENTION_MISTAKES)]
    + [(check_attention_backward, d, f) for d, f in _pairs(ATTENTION_BACKWARD_MISTAKES)]
    + [(check_mha_param_count, d, f) for d, f in _pairs(MHA_PARAM_COUNT_MISTAKES)],
    ids=lambda v: v[:30] if isinstance(v, str) else None,
)
def test_every_catalogued_mistake_is_named(check, diagnosis, wrong):
    result = check(wrong)
    assert not result
    assert f"diagnosis: {diagnosis}" in result.message


def test_catalogue_sizes():
    assert min(map(len, (_pairs(ATTENTION_MISTAKES), _pairs(ATTENTION_BACKWARD_MISTAKES),
                         _pairs(MHA_PARAM_COUNT_MISTAKES)))) >= 3


def test_independent_references_agree_with_nnlib():
    rng = np.random.default_rng(5)
    Q, K = rng.standard_normal((3, 4)), rng.standard_normal((5, 4))
    V, dO = rng.standard_normal((5, 2)), rng.standard_normal((3, 2))
    out, P = scaled_dot_product_attention(Q, K, V)
    assert np.allclose(reference_attention(Q, K, V), out)
    for mine, nnlib_grad in zip(reference_attention_backward(dO, Q, K, V),
                                scaled_dot_product_attention_backward(dO, Q, K, V, P),
                                strict=True):
        assert np.allclose(mine, nnlib_grad)


def test_correct_alternative_forms_pass():
    def via_logsumexp(Q, K, V):
        S = Q @ K.T / np.sqrt(Q.shape[1])
        m = S.max(axis=1, keepdims=True)
        return np.exp(S - m - np.log(np.exp(S - m).sum(axis=1, keepdims=True))) @ V

    def via_jacobians(dO, Q, K, V):
        S = Q @ K.T / np.sqrt(Q.shape[1])
        P = np.exp(S - S.max(axis=1, keepdims=True))
        P /= P.sum(axis=1, keepdims=True)
        dP = dO @ V.T
        dS = np.stack([(np.diag(p) - np.outer(p, p)) @ g for p, g in zip(P, dP, strict=True)])
        return dS @ K / np.sqrt(Q.shape[1]), dS.T @ Q / np.sqrt(Q.shape[1]), P.T @ dO

    assert check_attention(via_logsumexp)
    assert check_attention_backward(via_jacobians)
    assert check_mha_param_count(lambda d, h: 3 * h * d * (d // h) + d * d)


def test_backward_hint_does_not_give_the_solution_away():
    result = check_attention_backward(_pairs(ATTENTION_BACKWARD_MISTAKES)[0][1])
    assert "keepdims" not in result.message and "P.T @ dO" not in result.message


# --- the order-blind ceiling of the reversal task (eq-attn-bag-ceiling) ---


def _best_order_blind_by_brute_force(T, s):
    """The Bayes-optimal order-blind accuracy found without the formula.

    Group all s^T sequences by their bag (sorted tuple); within a group, at each
    position, the best guess of the reversed target is its most frequent value.
    """
    groups = {}
    for seq in itertools.product(range(s), repeat=T):
        groups.setdefault(tuple(sorted(seq)), []).append(seq[::-1])
    hits = sum(
        max(column.count(v) for v in range(s))
        for targets in groups.values()
        for column in map(list, zip(*targets, strict=True))
    )
    return Fraction(hits, s**T * T)


@pytest.mark.parametrize(("T", "s"), [(1, 3), (2, 2), (3, 2), (4, 3), (5, 3), (6, 4)])
def test_order_blind_reference_is_the_brute_force_optimum(T, s):
    assert np.isclose(reference_order_blind_ceiling(T, s),
                      float(_best_order_blind_by_brute_force(T, s)), rtol=1e-12)


def test_order_blind_checker_accepts_reference_and_brute_force():
    assert check_order_blind_ceiling(reference_order_blind_ceiling)
    assert check_order_blind_ceiling(
        lambda T, s: float(_best_order_blind_by_brute_force(int(T), int(s)))
    )


def test_order_blind_checker_names_each_mistake():
    assert_each_mistake_named(check_order_blind_ceiling, ORDER_BLIND_CEILING_MISTAKES)


def test_order_blind_checker_hint_when_the_code_raises_and_not_written():
    def todo(T, s):
        raise NotImplementedError

    def broken(T, s):
        return [0][T]

    assert "not written yet" in repr(check_order_blind_ceiling(todo))
    result = check_order_blind_ceiling(broken)
    assert not result and "hint: given the bag" in result.message


def test_order_blind_checker_rejects_a_near_miss():
    # off by a little (a rounded value) is still wrong
    assert not check_order_blind_ceiling(
        lambda T, s: round(reference_order_blind_ceiling(T, s), 3)
    )
