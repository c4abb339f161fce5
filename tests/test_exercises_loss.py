"""Chapter 4's checkers accept the reference answers and reject typical mistakes."""

from __future__ import annotations

import warnings

import numpy as np

from nnbook.exercises.loss import check_bce_with_logits, check_ce_grad, check_logsumexp
from nnlib import activations as act
from nnlib.losses import CrossEntropy


def test_bce_with_logits_accepts_reference():
    def reference(z, y):
        return np.logaddexp(0.0, z) - y * z

    assert check_bce_with_logits(reference)


def test_bce_with_logits_rejects_typical_mistakes():
    def naive(z, y):
        p = 1 / (1 + np.exp(-z))
        return -(y * np.log(p) + (1 - y) * np.log(1 - p))

    def sign_slip(z, y):  # log(1 + e^{-z}) - y z: the softplus of the wrong sign
        return np.logaddexp(0.0, -z) - y * z

    def averaged(z, y):  # returns the mean instead of the element-wise loss
        return np.mean(np.logaddexp(0.0, z) - y * z)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for wrong in (naive, sign_slip, averaged):
            assert not check_bce_with_logits(wrong), wrong.__name__

    def unfinished(z, y):
        raise NotImplementedError

    assert "not written yet" in repr(check_bce_with_logits(unfinished))


def test_logsumexp_accepts_reference():
    assert check_logsumexp(lambda Z: np.logaddexp.reduce(Z, axis=-1))


def test_logsumexp_rejects_typical_mistakes():
    def naive(Z):
        return np.log(np.exp(Z).sum(axis=-1))

    def forgot_to_add_back(Z):
        c = Z.max(axis=-1, keepdims=True)
        return np.log(np.exp(Z - c).sum(axis=-1))

    def max_only(Z):  # the "hard" maximum instead of the soft one
        return Z.max(axis=-1)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for wrong in (naive, forgot_to_add_back, max_only):
            assert not check_logsumexp(wrong), wrong.__name__


def test_ce_grad_accepts_reference_and_matches_nnlib():
    def via_nnlib(Z, labels):
        loss = CrossEntropy()
        loss.forward(Z, labels)
        return loss.backward()

    assert check_ce_grad(via_nnlib)


def test_ce_grad_rejects_typical_mistakes():
    def forgot_batch_mean(Z, labels):
        G = act.softmax(Z, axis=1)
        G[np.arange(len(Z)), labels] -= 1.0
        return G

    def wrong_sign(Z, labels):
        G = act.softmax(Z, axis=1)
        G[np.arange(len(Z)), labels] -= 1.0
        return -G / len(Z)

    def softmax_only(Z, labels):
        return act.softmax(Z, axis=1) / len(Z)

    for wrong in (forgot_batch_mean, wrong_sign, softmax_only):
        result = check_ce_grad(wrong)
        assert not result, wrong.__name__
    assert "hint" in repr(check_ce_grad(forgot_batch_mean))
