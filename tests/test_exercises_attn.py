"""The attention chapter's checkers accept the reference and reject typical mistakes."""

from __future__ import annotations

import numpy as np

from nnbook.exercises.attn import check_attention, check_attention_backward, check_mha_param_count
from nnlib.activations import softmax


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
