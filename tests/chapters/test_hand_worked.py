"""A two-layer network worked out by hand, every number derived in the comments.

Network 2 -> 2 (ReLU) -> 1 (linear), MSE loss L = 1/2 (a^2 - y)^2, one example.
The numbers are chosen so that all arithmetic is exact in a few decimals.
"""

from __future__ import annotations

import numpy as np
import pytest

from nnlib.activations import ReLU
from nnlib.layers import Dense
from nnlib.losses import MSE
from nnlib.network import Sequential
from nnlib.optim import SGD


def build():
    net = Sequential(Dense(2, 2), ReLU(), Dense(2, 1))
    W1, b1, W2, b2 = net.parameters()
    W1.value[...] = [[0.1, 0.2], [-0.5, 0.1]]
    b1.value[...] = [0.0, 0.1]
    W2.value[...] = [[1.0, -1.0]]
    b2.value[...] = [0.5]
    return net


x = np.array([[1.0, 2.0]])  # a^0 = x
y = np.array([[0.25]])


def test_forward_pass_by_hand():
    net = build()
    # z^1 = W^1 x + b^1
    #     = [0.1*1 + 0.2*2 + 0.0, -0.5*1 + 0.1*2 + 0.1] = [0.5, -0.2]
    z1 = net.layers[0].forward(x)
    np.testing.assert_allclose(z1, [[0.5, -0.2]])
    # a^1 = ReLU(z^1) = [0.5, 0.0]            (the second unit is off)
    a1 = net.layers[1].forward(z1)
    np.testing.assert_allclose(a1, [[0.5, 0.0]])
    # z^2 = W^2 a^1 + b^2 = 1.0*0.5 + (-1.0)*0.0 + 0.5 = 1.0 ; output is linear: a^2 = 1.0
    np.testing.assert_allclose(net.forward(x), [[1.0]])
    # L = 1/2 (1.0 - 0.25)^2 = 1/2 * 0.5625 = 0.28125
    assert MSE().forward(net.forward(x), y) == pytest.approx(0.28125, abs=1e-15)


def test_backward_pass_by_hand():
    net = build()
    loss = MSE()
    loss.forward(net.forward(x), y)
    dx = net.backward(loss.backward())
    W1, b1, W2, b2 = net.parameters()
    # output layer: delta^2 = a^2 - y = 1.0 - 0.25 = 0.75   (MSE + linear output)
    np.testing.assert_allclose(loss.backward(), [[0.75]])
    # dL/dW^2 = delta^2 (a^1)^T = 0.75 * [0.5, 0.0] = [0.375, 0.0]
    np.testing.assert_allclose(W2.grad, [[0.375, 0.0]])
    # dL/db^2 = delta^2 = 0.75
    np.testing.assert_allclose(b2.grad, [0.75])
    # hidden layer: delta^1 = (W^2)^T delta^2 (.) ReLU'(z^1)
    #                       = [1.0*0.75, -1.0*0.75] (.) [1, 0] = [0.75, 0.0]
    # dL/dW^1 = delta^1 x^T = [[0.75*1, 0.75*2], [0*1, 0*2]] = [[0.75, 1.5], [0, 0]]
    np.testing.assert_allclose(W1.grad, [[0.75, 1.5], [0.0, 0.0]])
    # dL/db^1 = delta^1 = [0.75, 0.0]
    np.testing.assert_allclose(b1.grad, [0.75, 0.0])
    # dL/dx = (W^1)^T delta^1 = [0.1*0.75 + (-0.5)*0, 0.2*0.75 + 0.1*0] = [0.075, 0.15]
    np.testing.assert_allclose(dx, [[0.075, 0.15]])


def test_one_sgd_step_by_hand():
    net = build()
    loss = MSE()
    loss.forward(net.forward(x), y)
    net.backward(loss.backward())
    SGD(net.parameters(), lr=0.1).step()
    W1, b1, W2, b2 = net.parameters()
    # theta <- theta - 0.1 * grad
    # W^1 = [[0.1 - 0.075, 0.2 - 0.15], [-0.5, 0.1]] = [[0.025, 0.05], [-0.5, 0.1]]
    np.testing.assert_allclose(W1.value, [[0.025, 0.05], [-0.5, 0.1]])
    # b^1 = [0 - 0.075, 0.1] = [-0.075, 0.1]
    np.testing.assert_allclose(b1.value, [-0.075, 0.1])
    # W^2 = [1 - 0.0375, -1] = [0.9625, -1.0] ;  b^2 = 0.5 - 0.075 = 0.425
    np.testing.assert_allclose(W2.value, [[0.9625, -1.0]])
    np.testing.assert_allclose(b2.value, [0.425])
    # new forward: z^1 = [0.025 + 0.1 - 0.075, -0.5 + 0.2 + 0.1] = [0.05, -0.2], a^1 = [0.05, 0]
    # z^2 = 0.9625*0.05 + 0.425 = 0.048125 + 0.425 = 0.473125
    np.testing.assert_allclose(net.forward(x), [[0.473125]])
    # L = 1/2 (0.473125 - 0.25)^2 = 1/2 * 0.223125^2 = 1/2 * 0.049784765625 = 0.0248923828125
    assert loss.forward(net.forward(x), y) == pytest.approx(0.0248923828125, rel=1e-12)


def test_batch_of_two_copies_gives_the_same_gradient():
    # the loss is the mean over the batch, so duplicating the example changes nothing
    net = build()
    loss = MSE()
    assert loss.forward(net.forward(np.vstack([x, x])), np.vstack([y, y])) == pytest.approx(
        0.28125
    )
    net.backward(loss.backward())
    np.testing.assert_allclose(net.parameters()[0].grad, [[0.75, 1.5], [0.0, 0.0]])
