"""Chapter 12's self-checks accept the reference answers and reject the usual mistakes."""

from __future__ import annotations

import numpy as np
import pytest

from nnbook.exercises.conv import (
    CONV2D_MISTAKES,
    INPUT_GRAD_MISTAKES,
    KERNEL_GRAD_MISTAKES,
    check_conv2d,
    check_conv_input_grad,
    check_conv_kernel_grad,
    reference_conv2d,
    reference_conv_input_grad,
    reference_conv_kernel_grad,
)
from nnlib.layers import Conv2D
from nnlib.layers.conv import conv_matrix


def _pairs(mistakes):
    # a catalogue of Mistake(answer, message) as (message, answer) pairs
    return [(m.message, m.answer) for m in mistakes]



def test_references_agree_with_nnlib():
    rng = np.random.default_rng(0)
    X, K = rng.normal(size=(6, 5)), rng.normal(size=(3, 2))
    for stride in (1, 2):
        conv = Conv2D(1, 1, K.shape, stride=stride, bias=False)
        conv.W.value[0, 0] = K
        Y = conv.forward(X[None, None])[0, 0]
        assert np.allclose(Y, reference_conv2d(X, K, stride))
    conv = Conv2D(1, 1, K.shape, bias=False)
    conv.W.value[0, 0] = K
    G = rng.normal(size=conv.forward(X[None, None]).shape)
    dX = conv.backward(G)
    assert np.allclose(dX[0, 0], reference_conv_input_grad(G[0, 0], K))
    assert np.allclose(conv.W.grad[0, 0], reference_conv_kernel_grad(X, G[0, 0]))


def test_accept_references():
    assert check_conv2d(reference_conv2d)
    assert check_conv_kernel_grad(reference_conv_kernel_grad)
    assert check_conv_input_grad(reference_conv_input_grad)


def test_unwritten():
    def unwritten(*args):
        raise NotImplementedError

    for check in (check_conv2d, check_conv_kernel_grad, check_conv_input_grad):
        result = check(unwritten)
        assert not result and "not written yet" in result.message


def test_conv2d_rejects_flipped_kernel_and_ignored_stride():
    flipped = check_conv2d(lambda X, K, stride=1: reference_conv2d(X, K[::-1, ::-1], stride))
    assert not flipped and "cross-correlation" in flipped.message
    no_stride = check_conv2d(lambda X, K, stride=1: reference_conv2d(X, K, 1))
    assert not no_stride and "expected shape" in no_stride.message


def test_kernel_grad_rejects_swapped_roles():
    # correlating G with X (instead of X with G) has the wrong shape unless sizes match
    result = check_conv_kernel_grad(lambda X, G: reference_conv2d(X, G)[::-1, ::-1])
    assert not result and "hint" in result.message


def test_input_grad_rejects_missing_flip_and_missing_padding():
    def no_flip(G, K):
        kh, kw = K.shape
        return reference_conv2d(np.pad(G, ((kh - 1, kh - 1), (kw - 1, kw - 1))), K)

    result = check_conv_input_grad(no_flip)
    assert not result and "180 degrees" in result.message
    no_pad = check_conv_input_grad(lambda G, K: reference_conv2d(G, K[::-1, ::-1]))
    assert not no_pad and "expected shape" in no_pad.message


# --- the catalogue: every classic mistake is named, a correct alternative passes ---

@pytest.mark.parametrize(
    ("check", "diagnosis", "wrong"),
    [(check_conv2d, d, f) for d, f in _pairs(CONV2D_MISTAKES)]
    + [(check_conv_kernel_grad, d, f) for d, f in _pairs(KERNEL_GRAD_MISTAKES)]
    + [(check_conv_input_grad, d, f) for d, f in _pairs(INPUT_GRAD_MISTAKES)],
    ids=lambda v: v[:30] if isinstance(v, str) else None,
)
def test_every_catalogued_mistake_is_named(check, diagnosis, wrong):
    result = check(wrong)
    assert not result
    assert f"diagnosis: {diagnosis}" in result.message


def test_catalogue_sizes():
    assert min(map(len, (CONV2D_MISTAKES, KERNEL_GRAD_MISTAKES, INPUT_GRAD_MISTAKES))) >= 3


def test_input_grad_accepts_the_transpose_of_the_conv_matrix():
    # a correct answer written differently: vec(dX) = T^T vec(G)
    def via_transpose(G, K):
        H, W = G.shape[0] + K.shape[0] - 1, G.shape[1] + K.shape[1] - 1
        return (conv_matrix(K, (H, W)).T @ G.ravel()).reshape(H, W)

    assert check_conv_input_grad(via_transpose)


def test_conv2d_accepts_a_vectorised_answer():
    def windows(X, K, stride=1):
        view = np.lib.stride_tricks.sliding_window_view(X, K.shape)[::stride, ::stride]
        return np.einsum("ijuv,uv->ij", view, K)

    assert check_conv2d(windows)


def test_raising_answer_shows_the_hint_and_matrices_are_2d():
    def boom(G, K):
        raise IndexError("oops")

    result = check_conv_input_grad(boom)
    assert "raised IndexError" in result.message and "hint:" in result.message
    no_flip = check_conv_input_grad(_pairs(INPUT_GRAD_MISTAKES)[0][1])
    assert "expected (as a matrix):\n      [[" in no_flip.message
