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
    assert "1/m is missing" in repr(check_ce_grad(forgot_batch_mean))  # named, not a hint


# --- the catalogue: every classic mistake is recognised and named ---------------------

def _sm(Z, shift=True):
    E = np.exp(Z - Z.max(axis=1, keepdims=True)) if shift else np.exp(Z)
    return E / E.sum(axis=1, keepdims=True)


def _oh(lab, K):
    return np.eye(K)[lab]


LOSS_CATALOGUE = {
    "bce": (check_bce_with_logits, {
        "naive": (lambda z, y: -(y * np.log(1 / (1 + np.exp(-z)))
                                 + (1 - y) * np.log(1 - 1 / (1 + np.exp(-z)))), "naive log"),
        "log1p(exp z)": (lambda z, y: np.log1p(np.exp(z)) - y * z, "overflows"),
        "+yz": (lambda z, y: np.maximum(z, 0) + y * z + np.log1p(np.exp(-np.abs(z))),
                "sign of the y z term"),
        "swapped": (lambda z, y: np.maximum(z, 0) - (1 - y) * z + np.log1p(np.exp(-np.abs(z))),
                    "labels are swapped"),
        "mean": (lambda z, y: np.mean(np.maximum(z, 0) - y * z + np.log1p(np.exp(-np.abs(z)))),
                 "returned the mean"),
    }),
    "lse": (check_logsumexp, {
        "no shift": (lambda Z: np.log(np.exp(Z).sum(axis=-1)), "no shift"),
        "not added back": (lambda Z: np.log(np.exp(Z - Z.max(-1, keepdims=True)).sum(-1)),
                           "not added back"),
        "keepdims": (lambda Z: Z.max(-1, keepdims=True) + np.log(
            np.exp(Z - Z.max(-1, keepdims=True)).sum(-1, keepdims=True)), "keepdims"),
        "global max": (lambda Z: np.max(Z) + np.log(np.exp(Z - np.max(Z)).sum(-1)),
                       "global maximum"),
    }),
    "ce_grad": (check_ce_grad, {
        "no 1/m": (lambda Z, lab: _sm(Z) - _oh(lab, Z.shape[1]), "1/m is missing"),
        "sign": (lambda Z, lab: (_oh(lab, Z.shape[1]) - _sm(Z)) / len(Z), "sign is flipped"),
        "/K": (lambda Z, lab: (_sm(Z) - _oh(lab, Z.shape[1])) / Z.shape[1], "divided by K"),
        "unshifted": (lambda Z, lab: (_sm(Z, False) - _oh(lab, Z.shape[1])) / len(Z),
                      "not shifted"),
        "-y/p": (lambda Z, lab: -_oh(lab, Z.shape[1]) / _sm(Z) / len(Z), "with respect to p"),
    }),
}


def test_loss_checkers_name_each_mistake():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for group, (checker, wrongs) in LOSS_CATALOGUE.items():
            for label, (wrong, phrase) in wrongs.items():
                verdict = checker(wrong)
                assert not verdict, (group, label)
                assert phrase in repr(verdict), (group, label, repr(verdict))


def test_loss_checkers_accept_alternative_forms():
    assert check_bce_with_logits(
        lambda z, y: np.logaddexp(0.0, z) - y * z)  # log(1 + e^z) via logaddexp
    assert check_logsumexp(lambda Z: np.logaddexp.reduce(Z, axis=-1))
    assert check_ce_grad(lambda Z, lab: (_sm(Z) - _oh(lab, Z.shape[1])) / Z.shape[0])
