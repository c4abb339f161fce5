"""Chapter 13's self-checks accept the reference answers and reject the usual mistakes."""

from __future__ import annotations

import numpy as np
import pytest

from nnbook.exercises.rnn import (
    BPTT_MISTAKES,
    CLIP_MISTAKES,
    RNN_FORWARD_MISTAKES,
    check_bptt,
    check_clip_grad_norm,
    check_rnn_forward,
    reference_bptt,
    reference_clip_grad_norm,
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
