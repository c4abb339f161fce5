"""nnlib.regularization: L2 and L1 penalties on weights (not biases)."""

from __future__ import annotations

import numpy as np
import pytest
from _helpers import GRAD_TOL, rng

from nnlib.gradcheck import numerical_gradient, relative_error
from nnlib.layers import Parameter
from nnlib.losses import MSE
from nnlib.network import mlp
from nnlib.optim import SGD
from nnlib.regularization import l1_penalty, l2_penalty, weights


def test_l2_value_and_gradient():
    W = Parameter(np.array([[1.0, -2.0], [3.0, 0.0]]), "W")
    b = Parameter(np.array([5.0, 5.0]), "b", kind="bias")
    value = l2_penalty([W, b], lam=0.1)
    assert value == pytest.approx(0.5 * 0.1 * (1 + 4 + 9))  # lambda/2 ||W||_F^2; b ignored
    np.testing.assert_allclose(W.grad, 0.1 * W.value)  # added: lambda W
    assert not b.grad.any()
    assert l2_penalty([W, b], lam=0.1, add_grad=False) == pytest.approx(value)
    np.testing.assert_allclose(W.grad, 0.1 * W.value)  # unchanged


def test_l1_value_and_gradient():
    W = Parameter(np.array([[1.0, -2.0], [3.0, 0.0]]), "W")
    assert l1_penalty([W], lam=0.5) == pytest.approx(0.5 * 6)
    np.testing.assert_allclose(W.grad, 0.5 * np.array([[1, -1], [1, 0]]))


@pytest.mark.parametrize("penalty", [l1_penalty, l2_penalty])
def test_penalty_gradients_match_finite_differences(penalty):
    net = mlp([3, 4, 2], rng=0)
    for W in weights(net):
        numeric = numerical_gradient(lambda _: penalty(net, 0.3, add_grad=False), W.value)
        W.zero_grad()
        penalty([W], 0.3)
        assert relative_error(W.grad, numeric) < GRAD_TOL


def test_weights_selects_kind_weight():
    net = mlp([3, 4, 2], rng=0)
    assert [p.name for p in weights(net)] == ["W", "W"]
    with pytest.raises(TypeError, match="Parameter"):
        weights([np.zeros(3)])


def test_l2_penalty_equals_sgd_weight_decay():
    X = rng(1).standard_normal((8, 3))
    y = rng(2).standard_normal((8, 2))
    nets = [mlp([3, 4, 2], rng=5) for _ in range(2)]
    opt_penalty = SGD(nets[0].parameters(), lr=0.1)
    opt_decay = SGD(nets[1].parameters(), lr=0.1, weight_decay=0.01)
    for _ in range(5):
        for net, opt, add in [(nets[0], opt_penalty, True), (nets[1], opt_decay, False)]:
            loss = MSE()
            loss.forward(net.forward(X), y)
            net.backward(loss.backward())
            if add:
                l2_penalty(net, 0.01)
            opt.step()
    for p, q in zip(nets[0].parameters(), nets[1].parameters(), strict=True):
        np.testing.assert_allclose(p.value, q.value, rtol=1e-13)
