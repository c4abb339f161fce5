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


# --- the catalogue: every classic mistake is recognised and named ---------------------

def _naive_sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


SIGMOID_GRAD_WRONG = {
    "naive sigmoid": (lambda z: _naive_sigmoid(z) * (1 - _naive_sigmoid(z)), "overflow"),
    "exp form": (lambda z: np.exp(-z) / (1 + np.exp(-z)) ** 2, "inf/inf"),
    "sign": (lambda z: act.sigmoid(z) * (act.sigmoid(z) - 1), "sign is flipped"),
    "returns sigma": (lambda z: act.sigmoid(z), "sigma(z) itself"),
    "input form": (lambda z: z * (1 - z), "output form to the input"),
    "tanh": (lambda z: 1 - np.tanh(z) ** 2, "derivative of tanh"),
    "1 - s^2": (lambda z: 1 - act.sigmoid(z) ** 2, "tanh pattern"),
}


def test_sigmoid_grad_names_each_mistake():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for label, (wrong, phrase) in SIGMOID_GRAD_WRONG.items():
            verdict = check_sigmoid_grad(wrong)
            assert not verdict, label
            assert phrase in repr(verdict), (label, repr(verdict))


def test_sigmoid_grad_accepts_alternative_forms():
    def via_tanh(z):
        return 0.25 * (1 - np.tanh(z / 2) ** 2)  # 1/(4 cosh^2(z/2))

    def stable_piecewise(z):
        e = np.exp(-np.abs(z))
        return e / (1 + e) ** 2

    assert check_sigmoid_grad(via_tanh)
    assert check_sigmoid_grad(stable_piecewise)


def test_sigmoid_grad_shows_hint_when_code_raises_and_catches_mutation():
    def raises(z):
        raise KeyError("oops")

    def mutates(z):
        z *= 1.0  # in place
        z[...] = act.sigmoid_grad(z)
        return z.copy()

    assert "hint:" in repr(check_sigmoid_grad(raises))
    assert "modified its input" in repr(check_sigmoid_grad(mutates))


SOFTMAX_WRONG = {
    "naive": (lambda z: np.exp(z) / np.exp(z).sum(axis=-1, keepdims=True), "no max shift"),
    "global max": (
        lambda z: np.exp(z - np.max(z)) / np.exp(z - np.max(z)).sum(axis=-1, keepdims=True),
        "global maximum",
    ),
    "total sum": (
        lambda z: (lambda e: e / e.sum())(np.exp(z - z.max(axis=-1, keepdims=True))),
        "whole batch",
    ),
    "axis 0": (
        lambda z: (lambda e: e / e.sum(axis=0, keepdims=True))(
            np.exp(z - z.max(axis=0, keepdims=True))),
        "axis 0",
    ),
}


def test_softmax_names_each_mistake():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for label, (wrong, phrase) in SOFTMAX_WRONG.items():
            verdict = check_softmax(wrong)
            assert not verdict, label
            assert phrase in repr(verdict), (label, repr(verdict))


def test_softmax_accepts_alternative_form():
    def via_logsumexp(z):
        m = z.max(axis=-1, keepdims=True)
        return np.exp(z - m - np.log(np.exp(z - m).sum(axis=-1, keepdims=True)))

    assert check_softmax(via_logsumexp)


def _naive_p(z):
    return np.exp(z) / np.exp(z).sum(axis=-1, keepdims=True)


SOFTMAX_VJP_WRONG = {
    "unweighted sum": (
        lambda z, g: act.softmax(z) * (g - g.sum(axis=-1, keepdims=True)), "weighted by p"),
    "sign": (lambda z, g: -act.softmax(z) * (g - (act.softmax(z) * g).sum(-1, keepdims=True)),
             "sign is flipped"),
    "diagonal": (lambda z, g: act.softmax(z) * (1 - act.softmax(z)) * g, "diagonal"),
    "batch sum": (lambda z, g: act.softmax(z) * (g - np.sum(act.softmax(z) * g)), "per row"),
    "unshifted": (lambda z, g: _naive_p(z) * (g - (_naive_p(z) * g).sum(-1, keepdims=True)),
                  "not shifted"),
}


def test_softmax_vjp_names_each_mistake():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for label, (wrong, phrase) in SOFTMAX_VJP_WRONG.items():
            verdict = check_softmax_vjp(wrong)
            assert not verdict, label
            assert phrase in repr(verdict), (label, repr(verdict))


def test_softmax_vjp_prints_batch_as_matrix():
    verdict = repr(check_softmax_vjp(SOFTMAX_VJP_WRONG["batch sum"][0]))
    assert "\n      [[" in verdict  # the (4, 5) batch case is shown as a matrix
