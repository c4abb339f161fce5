"""Chapter 3's checkers accept the reference answers and reject typical mistakes."""

from __future__ import annotations

import warnings

import numpy as np

from nnbook.exercises.act import check_sigmoid_grad, check_softmax, check_softmax_vjp
from nnlib import activations as act


def test_sigmoid_grad_accepts_reference():
    assert check_sigmoid_grad(act.sigmoid_grad)


def test_sigmoid_grad_rejects_typical_mistakes():
    def output_not_input(z):  # z (1 - z): the formula applied to z instead of sigma(z)
        return z * (1 - z)

    def tanh_derivative(z):
        return 1 - np.tanh(z) ** 2

    def not_implemented(z):
        raise NotImplementedError

    for wrong in (output_not_input, tanh_derivative):
        result = check_sigmoid_grad(wrong)
        assert not result
        assert "✘" in repr(result)
    assert "not written yet" in repr(check_sigmoid_grad(not_implemented))


def test_softmax_accepts_reference():
    assert check_softmax(lambda z: act.softmax(z, axis=-1))


def test_softmax_rejects_typical_mistakes():
    def naive(z):
        e = np.exp(z)
        return e / e.sum(axis=-1, keepdims=True)

    def global_sum(z):  # normalises over the whole batch instead of each row
        e = np.exp(z - np.max(z))
        return e / e.sum()

    def no_keepdims(z):  # max over the wrong axis for batches
        e = np.exp(z - z.max(axis=0))
        return e / e.sum(axis=-1, keepdims=True)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for wrong in (naive, global_sum, no_keepdims):
            assert not check_softmax(wrong), wrong.__name__
        assert "NaN or inf" in repr(check_softmax(naive))  # the overflow is named


def test_softmax_vjp_accepts_reference():
    def vjp(z, g):
        return np.einsum("...kj,...k->...j", act.softmax_jacobian(z), g)

    assert check_softmax_vjp(vjp)


def test_softmax_vjp_rejects_typical_mistakes():
    def forgot_sum(z, g):  # diag(p) g only
        return act.softmax(z) * g

    def elementwise(z, g):  # treats softmax as element-wise: p (1 - p) g
        p = act.softmax(z)
        return p * (1 - p) * g

    def global_dot(z, g):  # p^T g summed over the whole batch
        p = act.softmax(z)
        return p * (g - np.sum(p * g))

    for wrong in (forgot_sum, elementwise, global_dot):
        assert not check_softmax_vjp(wrong), wrong.__name__
