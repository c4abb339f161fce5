"""Chapter 13's self-checks accept the reference answers and reject the usual mistakes."""

from __future__ import annotations

import numpy as np
import pytest

from nnbook.exercises.rnn import (
    BPTT_MISTAKES,
    CLIP_MISTAKES,
    LSTM_STEP_MISTAKES,
    RNN_FORWARD_MISTAKES,
    check_bptt,
    check_clip_grad_norm,
    check_lstm_step,
    check_rnn_forward,
    reference_bptt,
    reference_clip_grad_norm,
    reference_lstm_step,
    reference_rnn_forward,
)
from nnlib.clipping import clip_grad_norm
from nnlib.layers import RNN, Parameter


def _pairs(mistakes):
    # a catalogue of Mistake(answer, message) as (message, answer) pairs
    return [(m.message, m.answer) for m in mistakes]



def test_references_agree_with_nnlib():
    rng = np.random.default_rng(0)
    rnn = RNN(3, 4, rng=rng)
    rnn.b.value[...] = 0.1 * rng.normal(size=4)
    X, h0 = rng.normal(size=(2, 5, 3)), rng.normal(size=(2, 4))
    H = rnn.forward(X, h0)
    assert np.allclose(H, reference_rnn_forward(X, rnn.W_xh.value, rnn.W_hh.value,
                                                rnn.b.value, h0))
    dH = rng.normal(size=H.shape)
    rnn.backward(dH)
    dW_xh, dW_hh, db = reference_bptt(X, H, h0, dH, rnn.W_hh.value)
    assert np.allclose(dW_xh, rnn.W_xh.grad) and np.allclose(dW_hh, rnn.W_hh.grad)
    assert np.allclose(db, rnn.b.grad)
    grads = [rng.normal(size=(3, 2)), rng.normal(size=4)]
    params = [Parameter(np.zeros_like(g)) for g in grads]
    for p, g in zip(params, grads, strict=True):
        p.grad[...] = g
    clip_grad_norm(params, 0.7)
    for p, g in zip(params, reference_clip_grad_norm(grads, 0.7), strict=True):
        assert np.allclose(p.grad, g)


def test_accept_references():
    assert check_rnn_forward(reference_rnn_forward)
    assert check_bptt(reference_bptt)
    assert check_clip_grad_norm(reference_clip_grad_norm)


def test_unwritten():
    def unwritten(*args):
        raise NotImplementedError

    for check in (check_rnn_forward, check_bptt, check_clip_grad_norm):
        result = check(unwritten)
        assert not result and "not written yet" in result.message


def test_rnn_forward_rejects_swapped_weights_and_missing_h0():
    def swapped(X, W_xh, W_hh, b, h0):
        h, out = h0, []
        for t in range(X.shape[1]):
            h = np.tanh(h @ W_hh + X[:, t] @ W_xh.T + b)  # W_hh not transposed
            out.append(h)
        return np.stack(out, axis=1)

    result = check_rnn_forward(swapped)
    assert not result and "hint" in result.message
    no_h0 = check_rnn_forward(
        lambda X, W_xh, W_hh, b, h0: reference_rnn_forward(X, W_xh, W_hh, b, 0 * h0))
    assert not no_h0


def test_bptt_rejects_truncation_and_missing_derivative():
    def truncated(X, H, h0, dH, W_hh):  # forgets the gradient from the future
        delta = (1 - H**2) * dH
        H_prev = np.concatenate([h0[:, None], H[:, :-1]], axis=1)
        return (np.einsum("ntj,nti->ji", delta, X), np.einsum("ntj,nti->ji", delta, H_prev),
                delta.sum(axis=(0, 1)))

    result = check_bptt(truncated)
    assert not result and "go backwards in time" in result.message

    def no_tanh_grad(X, H, h0, dH, W_hh):
        return reference_bptt(X, np.zeros_like(H) * H, h0, dH, W_hh)

    assert not check_bptt(no_tanh_grad)


def test_clip_rejects_per_array_clipping_and_always_scaling():
    def per_array(grads, max_norm):
        return [g * min(1.0, max_norm / np.linalg.norm(g)) for g in grads]

    result = check_clip_grad_norm(per_array)
    assert not result and "one norm for all arrays" in result.message

    def always(grads, max_norm):
        total = np.sqrt(sum(np.sum(g**2) for g in grads))
        return [g * max_norm / total for g in grads]

    assert not check_clip_grad_norm(always)


# --- the catalogue: every classic mistake is named, a correct alternative passes ---


@pytest.mark.parametrize(
    ("check", "diagnosis", "wrong"),
    [(check_rnn_forward, d, f) for d, f in _pairs(RNN_FORWARD_MISTAKES)]
    + [(check_bptt, d, f) for d, f in _pairs(BPTT_MISTAKES)]
    + [(check_clip_grad_norm, d, f) for d, f in _pairs(CLIP_MISTAKES)],
    ids=lambda v: v[:30] if isinstance(v, str) else None,
)
def test_every_catalogued_mistake_is_named(check, diagnosis, wrong):
    result = check(wrong)
    assert not result
    assert f"diagnosis: {diagnosis}" in result.message


def test_catalogue_sizes():
    assert min(map(len, (RNN_FORWARD_MISTAKES, BPTT_MISTAKES, CLIP_MISTAKES))) >= 3


def test_correct_alternative_forms_pass():
    def batched_forward(X, W_xh, W_hh, b, h0):
        h, out = h0, []
        for t in range(X.shape[1]):
            h = np.tanh(h @ W_hh.T + X[:, t] @ W_xh.T + b)
            out.append(h)
        return np.stack(out, axis=1)

    def batched_bptt(X, H, h0, dH, W_hh):
        H_prev = np.concatenate([h0[:, None], H[:, :-1]], axis=1)
        delta, deltas = np.zeros_like(h0), np.zeros_like(H)
        for t in range(X.shape[1] - 1, -1, -1):
            delta = (1 - H[:, t] ** 2) * (dH[:, t] + delta @ W_hh)
            deltas[:, t] = delta
        return (np.einsum("nti,ntj->ij", deltas, X), np.einsum("nti,ntj->ij", deltas, H_prev),
                deltas.sum(axis=(0, 1)))

    def clip_flat(grads, max_norm):
        norm = np.linalg.norm(np.concatenate([g.ravel() for g in grads]))
        return [g * min(1.0, max_norm / norm) for g in grads]

    assert check_rnn_forward(batched_forward)
    assert check_bptt(batched_bptt)
    assert check_clip_grad_norm(clip_flat)


# ---------------------------------------------------------------------------------
# the LSTM step (chapter 13, ex-rnn-lstm-step)
# ---------------------------------------------------------------------------------
def test_lstm_step_reference_agrees_with_nnlib():
    from nnlib.layers import LSTM

    rng = np.random.default_rng(3)
    lstm = LSTM(3, 4, rng=1)
    lstm.b.value[...] = rng.normal(size=16)
    x, h0, c0 = rng.normal(size=(2, 3)), rng.normal(size=(2, 4)), rng.normal(size=(2, 4))
    H = lstm.forward(x[:, None], h0, c0)
    h, c = reference_lstm_step(x, h0, c0, lstm.W_ih.value, lstm.W_hh.value, lstm.b.value)
    np.testing.assert_allclose(h, H[:, 0], rtol=1e-13)
    np.testing.assert_allclose(c, lstm.c[:, 0], rtol=1e-13)


@pytest.mark.parametrize(
    "diagnosis, wrong",
    _pairs(LSTM_STEP_MISTAKES),
    ids=lambda v: v[:30] if isinstance(v, str) else None,
)
def test_lstm_step_mistakes_are_named(diagnosis, wrong):
    result = check_lstm_step(wrong)
    assert not result and diagnosis in result.message


def test_lstm_step_accepts_alternatives_and_catalogue_size():
    assert len(LSTM_STEP_MISTAKES) >= 3

    def split_weights(x, h, c, W_ih, W_hh, b):
        # per gate, with an explicit logistic function
        m = h.shape[1]

        def gate(k, act):
            rows = slice(k * m, (k + 1) * m)
            return act(x @ W_ih[rows].T + h @ W_hh[rows].T + b[rows])

        sig = lambda a: 1 / (1 + np.exp(-a))  # noqa: E731
        i, f, g, o = gate(0, sig), gate(1, sig), gate(2, np.tanh), gate(3, sig)
        c_new = f * c + i * g
        return o * np.tanh(c_new), c_new

    assert check_lstm_step(split_weights)
    assert "not written" in check_lstm_step(
        lambda *a: (_ for _ in ()).throw(NotImplementedError)
    ).message
