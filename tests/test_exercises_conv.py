"""Chapter 10's self-checks accept the reference answers and reject the usual mistakes."""

from __future__ import annotations

import numpy as np

from nnbook.exercises.conv import (
    check_conv2d,
    check_conv_input_grad,
    check_conv_kernel_grad,
    reference_conv2d,
    reference_conv_input_grad,
    reference_conv_kernel_grad,
)
from nnlib.layers import Conv2D


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
