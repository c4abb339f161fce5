"""nnlib.optim: SGD (momentum, weight decay) and Adam, step by step."""

from __future__ import annotations

import numpy as np
import pytest

from nnlib.layers import Dense, Parameter
from nnlib.optim import SGD, Adam
from tests._helpers import rng


def make_params():
    W = Parameter(np.array([[1.0, -2.0], [0.5, 3.0]]), "W", kind="weight")
    b = Parameter(np.array([0.25, -0.75]), "b", kind="bias")
    W.grad[...] = [[0.1, 0.2], [-0.3, 0.4]]
    b.grad[...] = [1.0, -1.0]
    return W, b


def test_plain_sgd_step():
    W, b = make_params()
    W0, b0, gW, gb = W.value.copy(), b.value.copy(), W.grad.copy(), b.grad.copy()
    SGD([W, b], lr=0.1).step()
    np.testing.assert_allclose(W.value, W0 - 0.1 * gW)  # theta <- theta - eta grad
    np.testing.assert_allclose(b.value, b0 - 0.1 * gb)


def test_sgd_momentum_matches_the_recursion():
    W, _ = make_params()
    theta, v = W.value.copy(), np.zeros_like(W.value)
    opt = SGD([W], lr=0.05, momentum=0.9)
    for t in range(5):
        g = np.cos(t + theta)  # any gradient sequence that depends on theta
        W.grad[...] = np.cos(t + W.value)
        opt.step()
        v = 0.9 * v + g  # v <- mu v + g
        theta = theta - 0.05 * v  # theta <- theta - eta v
        np.testing.assert_allclose(W.value, theta, rtol=1e-15)
    np.testing.assert_allclose(opt.velocity[0], v, rtol=1e-15)
    assert opt.t == 5


def test_weight_decay_acts_on_weights_only():
    W, b = make_params()
    W0, b0, gW, gb = W.value.copy(), b.value.copy(), W.grad.copy(), b.grad.copy()
    SGD([W, b], lr=0.1, weight_decay=0.01).step()
    np.testing.assert_allclose(W.value, W0 - 0.1 * (gW + 0.01 * W0))  # g + lambda W
    np.testing.assert_allclose(b.value, b0 - 0.1 * gb)  # biases not decayed
    W, b = make_params()
    Adam([W, b], lr=0.1, weight_decay=0.5).step()
    W2, b2 = make_params()
    W2.grad += 0.5 * W2.value
    Adam([W2, b2], lr=0.1).step()
    np.testing.assert_allclose(W.value, W2.value)
    np.testing.assert_allclose(b.value, b2.value)


def test_adam_matches_the_equations():
    W, _ = make_params()
    lr, b1, b2, eps = 0.01, 0.8, 0.95, 1e-6
    opt = Adam([W], lr=lr, betas=(b1, b2), eps=eps)
    theta = W.value.copy()
    m = np.zeros_like(theta)
    v = np.zeros_like(theta)
    for t in range(1, 8):
        g = np.sin(3 * theta) + 0.1 * t
        W.grad[...] = np.sin(3 * W.value) + 0.1 * t
        opt.step()
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g**2
        m_hat = m / (1 - b1**t)
        v_hat = v / (1 - b2**t)
        theta = theta - lr * m_hat / (np.sqrt(v_hat) + eps)
        np.testing.assert_allclose(W.value, theta, rtol=1e-13)


def test_adam_first_step_is_about_lr_times_sign():
    W, _ = make_params()
    W0 = W.value.copy()
    Adam([W], lr=0.001).step()
    np.testing.assert_allclose(W.value, W0 - 0.001 * np.sign(W.grad), rtol=1e-6)


def test_zero_grad_and_in_place_updates():
    layer = Dense(3, 2, rng=0)
    W_array = layer.W.value
    layer.W.grad[...] = 1.0
    opt = SGD(layer.parameters(), lr=0.1)
    opt.step()
    assert layer.W.value is W_array  # updated in place
    opt.zero_grad()
    assert not layer.W.grad.any() and not layer.b.grad.any()


@pytest.mark.parametrize(
    "make",
    [
        lambda p: SGD(p, lr=0.1),
        lambda p: SGD(p, lr=0.05, momentum=0.9),
        lambda p: Adam(p, lr=0.05),
    ],
)
def test_optimisers_minimise_a_quadratic(make):
    # J(theta) = 1/2 theta^T A theta - c^T theta, minimum at A^{-1} c
    A = np.array([[3.0, 0.5], [0.5, 1.0]])
    c = np.array([1.0, -2.0])
    theta = Parameter(np.zeros(2), "theta")
    opt = make([theta])
    for _ in range(2000):
        theta.grad[...] = A @ theta.value - c
        opt.step()
    np.testing.assert_allclose(theta.value, np.linalg.solve(A, c), atol=1e-6)


def test_float32_parameters_stay_float32():
    layer = Dense(3, 2, rng=0, dtype=np.float32)
    for opt in (
        SGD(layer.parameters(), lr=0.1, momentum=0.9, weight_decay=0.1),
        Adam(layer.parameters(), weight_decay=0.1),
    ):
        layer.forward(rng(1).standard_normal((4, 3)))
        layer.backward(np.ones((4, 2), dtype=np.float32))
        opt.step()
        assert layer.W.value.dtype == np.float32 and layer.b.value.dtype == np.float32


def test_repr():
    p = [Parameter(np.zeros(1))]
    assert repr(SGD(p, lr=0.1, momentum=0.9)) == "SGD(lr=0.1, momentum=0.9, weight_decay=0)"
    assert repr(Adam(p)) == "Adam(lr=0.001, betas=(0.9, 0.999), eps=1e-08, weight_decay=0)"


def test_one_parameter_policy_for_optimizers_clipping_and_penalties():
    from nnlib._validation import as_parameters
    from nnlib.clipping import grad_norm
    from nnlib.network import mlp
    from nnlib.regularization import weights

    net = mlp([2, 3, 1], rng=0)
    params = net.parameters()
    assert as_parameters(net, "test") == params
    assert as_parameters(params[0], "test") == [params[0]]
    assert Adam(net).params == Adam(params).params
    assert grad_norm(net) == grad_norm(params)
    assert weights(net) == [p for p in params if p.kind == "weight"]
    for bad, got in ((3.0, "got float"), ([np.zeros(2)], "got ndarray at position 0")):
        with pytest.raises(TypeError, match=got):
            as_parameters(bad, "test")
