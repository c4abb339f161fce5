"""Chapter 5's self-checks accept the reference answers and reject the usual mistakes."""

from __future__ import annotations

import numpy as np

from nnbook.exercises.backprop import (
    check_backward,
    check_delta_hidden,
    check_delta_softmax_ce,
    reference_backward,
    reference_delta_hidden,
    reference_delta_softmax_ce,
)


# -- delta_hidden -----------------------------------------------------------------------
def test_delta_hidden_accepts_reference():
    result = check_delta_hidden(reference_delta_hidden)
    assert result
    assert result.message.startswith("✔")


def test_delta_hidden_reports_unwritten():
    def unwritten(delta_next, W_next, z):
        raise NotImplementedError

    result = check_delta_hidden(unwritten)
    assert not result
    assert "not written yet" in result.message


def test_delta_hidden_missing_transpose():
    result = check_delta_hidden(lambda d, W, z: (W @ d) * (1 - np.tanh(z) ** 2))
    assert not result
    assert "W_next.T @ delta_next" in result.message


def test_delta_hidden_missing_derivative():
    result = check_delta_hidden(lambda d, W, z: W.T @ d)
    assert not result
    assert "without the factor" in result.message


def test_delta_hidden_activation_instead_of_derivative():
    result = check_delta_hidden(lambda d, W, z: (W.T @ d) * np.tanh(z))
    assert not result
    assert "its derivative" in result.message


def test_delta_hidden_derivative_of_wrong_variable():
    result = check_delta_hidden(lambda d, W, z: (W.T @ d) * (1 - z**2))
    assert not result
    assert "1 - tanh(z)**2" in result.message


def test_delta_hidden_wrong_shape():
    result = check_delta_hidden(lambda d, W, z: reference_delta_hidden(d, W, z)[:, None])
    assert not result
    assert "expected shape" in result.message


# -- delta_out (softmax + cross-entropy) ------------------------------------------------
def test_delta_out_accepts_reference():
    assert check_delta_softmax_ce(reference_delta_softmax_ce)


def test_delta_out_rejects_overflowing_softmax():
    result = check_delta_softmax_ce(lambda z, y: np.exp(z) / np.exp(z).sum() - y)
    assert not result
    assert "subtract max(z)" in result.message


def test_delta_out_rejects_flipped_sign():
    result = check_delta_softmax_ce(lambda z, y: -reference_delta_softmax_ce(z, y))
    assert not result
    assert "sign is flipped" in result.message


def test_delta_out_rejects_missing_target():
    result = check_delta_softmax_ce(lambda z, y: reference_delta_softmax_ce(z, y) + y)
    assert not result
    assert "you returned softmax(z)" in result.message


# -- a whole backward pass --------------------------------------------------------------
def _good(params, cache, Y):
    batch = Y.shape[0]
    delta2 = (cache["Z2"] - Y) / batch
    delta1 = (delta2 @ params["W2"]) * (1 - cache["A1"] ** 2)
    return {
        "W1": delta1.T @ cache["X"],
        "b1": delta1.sum(axis=0),
        "W2": delta2.T @ cache["A1"],
        "b2": delta2.sum(axis=0),
    }


def test_backward_accepts_reference_and_nnlib():
    assert check_backward(_good)
    assert check_backward(reference_backward)


def test_backward_names_transposed_weight_gradient():
    def transposed(params, cache, Y):
        grads = _good(params, cache, Y)
        grads["W1"] = grads["W1"].T
        return grads

    result = check_backward(transposed)
    assert not result
    assert "dL_dW1 has the wrong shape (3, 4), expected (4, 3)" in result.message
    assert "forget the transpose" in result.message
    assert "dL_db1, dL_dW2, dL_db2 are right" in result.message


def test_backward_names_missing_mean():
    def summed(params, cache, Y):
        grads = _good(params, cache, Y)
        return {k: v * Y.shape[0] for k, v in grads.items()}

    result = check_backward(summed)
    assert not result
    assert "|B| times too large" in result.message


def test_backward_names_missing_activation_derivative():
    def no_sigma(params, cache, Y):
        grads = _good(params, cache, Y)
        delta1 = (cache["Z2"] - Y) / Y.shape[0] @ params["W2"]
        grads["W1"] = delta1.T @ cache["X"]
        return grads

    result = check_backward(no_sigma)
    assert not result
    assert "dL_dW1 lacks the factor" in result.message
    assert "dL_db1" not in result.message.split("(")[0] or "are right" in result.message


def test_backward_unsummed_bias():
    def unsummed(params, cache, Y):
        grads = _good(params, cache, Y)
        grads["b2"] = (cache["Z2"] - Y) / Y.shape[0]
        return grads

    result = check_backward(unsummed)
    assert not result
    assert "sum (and average) the rows" in result.message


def test_backward_names_keepdims_on_the_bias_sum():
    def kept_axis(params, cache, Y):
        grads = _good(params, cache, Y)
        grads["b1"] = grads["b1"][None, :]  # delta1.sum(axis=0, keepdims=True)
        return grads

    result = check_backward(kept_axis)
    assert not result
    assert "dL_db1 has the wrong shape (1, 4), expected (4,)" in result.message
    assert "keepdims" in result.message


def test_backward_names_the_pre_activation_in_dw2():
    def pre_activation(params, cache, Y):
        grads = _good(params, cache, Y)
        grads["W2"] = ((cache["Z2"] - Y) / Y.shape[0]).T @ cache["Z1"]
        return grads

    result = check_backward(pre_activation)
    assert not result
    assert "pre-activation Z1" in result.message
    assert "dL_dW2 = Delta2^T A1" in result.message


def test_backward_rejects_non_dict_and_missing_keys():
    assert "expected a dict" in check_backward(lambda p, c, Y: [1, 2, 3, 4]).message
    result = check_backward(lambda p, c, Y: {"W1": 0})
    assert "no key(s)" in result.message


def test_backward_reports_unwritten():
    def unwritten(params, cache, Y):
        raise NotImplementedError

    assert "not written yet" in check_backward(unwritten).message


def test_delta_softmax_diagonal_only_shortcut_is_named():
    def diagonal_only(z, y):
        e = np.exp(z - z.max())
        p = e / e.sum()
        return -y / p * p * (1 - p)

    verdict = check_delta_softmax_ce(diagonal_only)
    assert not verdict and "diagonal of the softmax Jacobian" in str(verdict)


def test_delta_hidden_sigmoid_derivative_is_named():
    def sigmoid_prime(delta_next, W_next, z):
        s = 1 / (1 + np.exp(-z))
        return (W_next.T @ delta_next) * s * (1 - s)

    verdict = check_delta_hidden(sigmoid_prime)
    assert not verdict and "sigmoid's derivative" in str(verdict)
