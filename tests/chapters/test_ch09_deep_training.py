"""Chapter 9's math: the variance recursion, Glorot/He, the three-term batch-norm
gradient, the residual Jacobian (SymPy), and the measured claims (NumPy / nnlib)."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from _deep_checks import (
    M_NEXT,
    M_PREV,
    MU_A,
    V_A,
    V_W,
    bn_backward_check,
    init_check,
    relu_second_moment_check,
    residual_jacobian_check,
    residual_stated,
    three_term,
    variance_check,
)

from nnlib.gradcheck import gradcheck
from nnlib.layers import BatchNorm, Dense, ReLU, Residual, Tanh
from nnlib.layers.init import init_weights
from nnlib.network import Sequential


@pytest.mark.parametrize("m", [2, 3, 4])
def test_preactivation_variance(m):
    assert variance_check(m * V_W * (V_A + MU_A**2), m)


def test_relu_keeps_half_the_second_moment():
    assert relu_second_moment_check(lambda s: s**2 / 2)


def test_glorot_and_he_from_the_conditions():
    assert init_check(2 / (M_PREV + M_NEXT), 2 / M_PREV)


def test_batchnorm_three_term_gradient_sympy():
    assert bn_backward_check(three_term, N=3)
    assert bn_backward_check(three_term, N=2)


def test_residual_jacobian_sympy():
    assert residual_jacobian_check(residual_stated)


@pytest.mark.parametrize(
    "scheme, variance",
    [("he", lambda i, o: 2 / i), ("xavier", lambda i, o: 2 / (i + o))],
)
def test_init_weights_variance_uses_fan_in(scheme, variance):
    n_in, n_out = 400, 100  # fan-in and fan-out differ a lot: a swap would show
    W = init_weights(n_in, n_out, scheme, rng=0)
    target = variance(n_in, n_out)
    assert W.shape == (n_out, n_in)
    assert abs(W.var() - target) < 4 * target * np.sqrt(2 / W.size)
    assert abs(W.mean()) < 4 * np.sqrt(target / W.size)


def test_he_keeps_relu_scale_through_50_layers_and_small_init_vanishes():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((128, 64))
    for init, low, high in [("he", 0.3, 3.0), (0.01, 0.0, 1e-40)]:
        A = X
        for _ in range(50):
            A = ReLU().forward(Dense(64, 64, init=init, rng=rng).forward(A))
        rms = np.sqrt(np.mean(A**2))
        assert low <= rms <= high, (init, rms)


def test_constant_init_keeps_hidden_units_identical():
    rng = np.random.default_rng(1)
    X, y = rng.standard_normal((40, 5)), rng.integers(0, 3, 40)
    from nnlib.losses import CrossEntropy
    from nnlib.optim import SGD

    net = Sequential(Dense(5, 6, rng=0), Tanh(), Dense(6, 3, rng=0))
    net[0].W.value[...] = 0.3
    net[2].W.value[...] = -0.2
    loss, opt = CrossEntropy(), SGD(net.parameters(), lr=0.5)
    for _ in range(20):
        opt.zero_grad()
        loss.forward(net.forward(X), y)
        net.backward(loss.backward())
        opt.step()
    W1 = net[0].W.value
    assert np.abs(W1 - W1[0]).max() < 1e-12
    assert np.abs(W1 - 0.3).max() > 1e-3  # they moved, together


def test_residual_gradient_does_not_vanish_through_50_blocks():
    rng = np.random.default_rng(2)
    X = rng.standard_normal((32, 64))

    def input_grad_rms(skip):
        r = np.random.default_rng(0)
        stack = []
        for _ in range(50):
            d = Dense(64, 64, init=np.sqrt(0.5 / 64), rng=r)
            stack.append(Residual(d, Tanh()) if skip else Sequential(d, Tanh()))
        A = X
        for b in stack:
            A = b.forward(A)
        G = np.ones_like(A)
        for b in reversed(stack):
            G = b.backward(G)
        return np.sqrt(np.mean(G**2))

    assert input_grad_rms(False) < 1e-5
    assert input_grad_rms(True) > 1.0


def test_batchnorm_eval_prediction_independent_of_batch():
    rng = np.random.default_rng(3)
    bn = BatchNorm(3)
    for _ in range(20):
        bn.forward(rng.standard_normal((8, 3)) * 2 + 1)
    X = rng.standard_normal((5, 3))
    train_rows = bn.forward(X)[:2]
    train_pair = bn.forward(X[:2])
    assert not np.allclose(train_rows, train_pair)  # training mode: depends on the batch
    bn.eval()
    np.testing.assert_allclose(bn.forward(X)[:2], bn.forward(X[:2]), rtol=1e-14)
    assert gradcheck(bn, X) < 1e-7


def test_dense_before_batchnorm_bias_gets_zero_gradient():
    rng = np.random.default_rng(4)
    net = Sequential(Dense(4, 3, rng=0), BatchNorm(3))
    net.forward(rng.standard_normal((6, 4)))
    net.backward(rng.standard_normal((6, 3)))
    np.testing.assert_allclose(net[0].b.grad, 0.0, atol=1e-12)


def test_sympy_expressions_are_not_trivially_equal():
    # the checks compare derived with stated, not an expression with itself
    assert not variance_check(sp.Integer(0))
