"""The self-checks of chapter 2 accept the reference answers and reject typical mistakes."""

from __future__ import annotations

import numpy as np

from nnbook.exercises.model import (
    check_bump,
    check_forward,
    check_n_params,
    check_signed_distance,
)
from nnlib.layers import Dense, ReLU
from nnlib.network import Sequential


def _not_written(*args):
    raise NotImplementedError


# ---------------------------------------------------------------- n_params
def test_n_params_accepts_reference():
    assert check_n_params(lambda s: sum(s[k] * (s[k - 1] + 1) for k in range(1, len(s))))


def test_n_params_rejects_forgotten_biases():
    result = check_n_params(lambda s: sum(s[k] * s[k - 1] for k in range(1, len(s))))
    assert not result
    assert "biases" in result.message


def test_n_params_rejects_counting_input_biases():
    assert not check_n_params(lambda s: sum(s[k] * s[k - 1] for k in range(1, len(s))) + sum(s))


def test_n_params_reports_not_written():
    assert "not written yet" in check_n_params(_not_written).message


# ---------------------------------------------------------------- signed distance
def test_signed_distance_accepts_reference():
    assert check_signed_distance(lambda w, b, x: (w @ x + b) / np.linalg.norm(w))


def test_signed_distance_rejects_unnormalised_and_squared_norm():
    assert not check_signed_distance(lambda w, b, x: w @ x + b)
    assert not check_signed_distance(lambda w, b, x: (w @ x + b) / (w @ w))


def test_signed_distance_rejects_absolute_value():
    assert not check_signed_distance(lambda w, b, x: abs(w @ x + b) / np.linalg.norm(w))


# ---------------------------------------------------------------- forward
def _forward(x, weights, biases):
    a = x
    for l, (W, b) in enumerate(zip(weights, biases, strict=True), start=1):  # noqa: E741
        z = W @ a + b
        a = np.maximum(z, 0) if l < len(weights) else z
    return a


def test_forward_accepts_reference():
    assert check_forward(_forward)


def test_forward_accepts_nnlib():
    def via_nnlib(x, weights, biases):
        layers = []
        for l, (W, b) in enumerate(zip(weights, biases, strict=True), start=1):  # noqa: E741
            dense = Dense(W.shape[1], W.shape[0])
            dense.W.value[...] = W
            dense.b.value[...] = b
            layers.append(dense)
            if l < len(weights):
                layers.append(ReLU())
        return Sequential(*layers).forward(x[None, :])[0]

    assert check_forward(via_nnlib)


def test_forward_rejects_relu_on_output_with_hint():
    result = check_forward(lambda x, W, b: np.maximum(_forward(x, W, b), 0))
    assert not result
    assert "last layer is linear" in result.message


def test_forward_rejects_missing_bias_with_hint():
    result = check_forward(lambda x, W, b: _forward(x, W, [np.zeros_like(v) for v in b]))
    assert not result
    assert "bias" in result.message


def test_forward_rejects_transposed_weights():
    def transposed(x, weights, biases):
        a = x
        for l, (W, b) in enumerate(zip(weights, biases, strict=True), start=1):  # noqa: E741
            z = W.T @ a + b
            a = np.maximum(z, 0) if l < len(weights) else z
        return a

    result = check_forward(transposed)
    assert not result
    assert "raised" in result.message or "expected" in result.message


def test_forward_reports_not_written():
    assert "not written yet" in check_forward(_not_written).message


# --- the catalogue: every classic mistake is recognised and named ---------------------

def _count(sizes, bias):
    return sum(sizes[i] * sizes[i - 1] + bias(sizes, i) for i in range(1, len(sizes)))


N_PARAMS_WRONG = {
    "no biases": (lambda s: _count(s, lambda s_, i: 0), "biases are missing"),
    "bias per input": (lambda s: _count(s, lambda s_, i: s_[i - 1]), "per *input*"),
    "input biases": (lambda s: _count(s, lambda s_, i: s_[i]) + s[0], "input layer m_0"),
    "last layer missing": (lambda s: _count(s[:-1], lambda s_, i: s_[i]), "last layer"),
}

SIGNED_DISTANCE_WRONG = {
    "||w||^2": (lambda w, b, x: (w @ x + b) / (w @ w), "||w||^2"),
    "unsigned": (lambda w, b, x: abs((w @ x + b) / np.linalg.norm(w)), "sign is lost"),
    "no b": (lambda w, b, x: (w @ x) / np.linalg.norm(w), "bias b is missing"),
    "-b": (lambda w, b, x: (w @ x - b) / np.linalg.norm(w), "wrong sign"),
    "no division": (lambda w, b, x: w @ x + b, "did not divide"),
}


def test_model_checkers_name_each_mistake():
    for label, (wrong, phrase) in N_PARAMS_WRONG.items():
        verdict = check_n_params(wrong)
        assert not verdict and phrase in repr(verdict), (label, repr(verdict))
    for label, (wrong, phrase) in SIGNED_DISTANCE_WRONG.items():
        verdict = check_signed_distance(wrong)
        assert not verdict and phrase in repr(verdict), (label, repr(verdict))


def test_forward_names_transposed_sigmoid_and_missing_relu():
    def transposed(x, weights, biases):
        a = x
        for i, (W, b) in enumerate(zip(weights, biases, strict=True)):
            z = W.T @ a + b
            a = np.maximum(z, 0) if i < len(weights) - 1 else z
        return a

    def sigmoid_hidden(x, weights, biases):
        a = x
        for i, (W, b) in enumerate(zip(weights, biases, strict=True)):
            z = W @ a + b
            a = 1 / (1 + np.exp(-z)) if i < len(weights) - 1 else z
        return a

    def no_relu(x, weights, biases):
        a = x
        for W, b in zip(weights, biases, strict=True):
            a = W @ a + b
        return a

    assert "not W.T @ a" in repr(check_forward(transposed))
    assert "not the sigmoid" in repr(check_forward(sigmoid_hidden))
    assert "ReLU is missing" in repr(check_forward(no_relu))


def test_model_checkers_accept_alternative_forms():
    assert check_n_params(lambda s: sum(s[i] * (s[i - 1] + 1) for i in range(1, len(s))))
    assert check_signed_distance(lambda w, b, x: (x @ w + b) / np.sqrt(np.sum(w**2)))


# --- the bump of the universal-approximation construction ---------------------------

def _sig(z):
    return np.exp(-np.logaddexp(0.0, -z))


BUMP_WRONG = {
    "reversed": (lambda x, c1, c2, h, w: h * (_sig(w * (x - c2)) - _sig(w * (x - c1))),
                 "wrong way round"),
    "no h": (lambda x, c1, c2, h, w: _sig(w * (x - c1)) - _sig(w * (x - c2)),
             "height h is missing"),
    "bias unscaled": (lambda x, c1, c2, h, w: h * (_sig(w * x - c1) - _sig(w * x - c2)),
                      "not scaled by w"),
    "one step": (lambda x, c1, c2, h, w: h * _sig(w * (x - c1)), "only one step"),
    "no w": (lambda x, c1, c2, h, w: h * (_sig(x - c1) - _sig(x - c2)), "steepness w"),
}


def test_bump_checker_names_each_mistake():
    for label, (wrong, phrase) in BUMP_WRONG.items():
        verdict = check_bump(wrong)
        assert not verdict, label
        assert phrase in repr(verdict), (label, repr(verdict))


def test_bump_checker_accepts_alternative_forms():
    from nnlib.activations import sigmoid
    assert check_bump(lambda x, c1, c2, h, w: h * (sigmoid(w * (x - c1)) - sigmoid(w * (x - c2))))
    # through tanh: sigma(z) = (1 + tanh(z / 2)) / 2
    assert check_bump(lambda x, c1, c2, h, w: h / 2 * (np.tanh(w * (x - c1) / 2)
                                                       - np.tanh(w * (x - c2) / 2)))


def test_bump_checker_rejects_overflowing_sigmoid_values_and_shows_hint_on_error():
    def broken(*args):
        raise KeyError("oops")
    assert "hint" in repr(check_bump(broken))
