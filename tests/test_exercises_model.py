"""The self-checks of chapter 2 accept the reference answers and reject typical mistakes."""

from __future__ import annotations

import numpy as np

from nnbook.exercises.model import check_forward, check_n_params, check_signed_distance
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
