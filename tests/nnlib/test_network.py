"""nnlib.network: Sequential and mlp; whole-network gradients (property-based)."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from _helpers import GRAD_TOL, rng
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from nnlib import symbolic
from nnlib.activations import ReLU, Sigmoid, Tanh
from nnlib.gradcheck import gradcheck
from nnlib.layers import Dense, Dropout
from nnlib.losses import MSE, BinaryCrossEntropy, CrossEntropy
from nnlib.network import Sequential, mlp


def test_mlp_structure_and_parameter_count():
    net = mlp([4, 8, 5, 3], activation="tanh", rng=0)
    kinds = [type(layer).__name__ for layer in net.layers]
    assert kinds == ["Dense", "Tanh", "Dense", "Tanh", "Dense"]
    sizes = [4, 8, 5, 3]
    # book: number of parameters = sum_l (m_l m_{l-1} + m_l)
    assert net.n_params == sum(sizes[i] * sizes[i - 1] + sizes[i] for i in range(1, 4))
    assert len(net.parameters()) == 6
    assert [n for n, _ in net.named_parameters()][:2] == ["layers[0].W", "layers[0].b"]


def test_summary_and_repr_are_deterministic_text():
    net = mlp([2, 3, 1], rng=0)
    assert repr(net) == (
        "Sequential(\n"
        "  (0): Dense(n_in=2, n_out=3)\n"
        "  (1): ReLU()\n"
        "  (2): Dense(n_in=3, n_out=1)\n"
        ")"
    )
    assert net.summary() == (
        "#  layer                   parameters\n"
        "0  Dense(n_in=2, n_out=3)           9\n"
        "1  ReLU()                           0\n"
        "2  Dense(n_in=3, n_out=1)           4\n"
        "total                              13"
    )
    assert repr(Sequential()) == "Sequential()"


def test_forward_composes_layers():
    net = mlp([3, 4, 2], rng=0)
    X = rng(1).standard_normal((5, 3))
    W1, b1, W2, b2 = (p.value for p in net.parameters())
    expected = np.maximum(X @ W1.T + b1, 0) @ W2.T + b2
    np.testing.assert_allclose(net.forward(X), expected)
    np.testing.assert_allclose(net(X), expected)


def test_backward_without_input_grad_gives_same_parameter_gradients():
    net = Sequential(Dropout(0.0), Dense(3, 4, rng=0), Tanh(), Dense(4, 2, rng=1))
    X = rng(1).standard_normal((5, 3))
    dY = rng(2).standard_normal((5, 2))
    net.forward(X)
    dX = net.backward(dY)
    assert dX.shape == X.shape
    full = [p.grad.copy() for p in net.parameters()]
    net.zero_grad()
    assert net.backward(dY, input_grad=False) is None
    for g, p in zip(full, net.parameters(), strict=True):
        np.testing.assert_array_equal(g, p.grad)


def test_predict_uses_eval_mode_and_restores_it():
    net = Sequential(Dense(3, 50, rng=0), Dropout(0.5, rng=1), Dense(50, 2, rng=2))
    X = rng(3).standard_normal((4, 3))
    p1 = net.predict(X)
    np.testing.assert_array_equal(p1, net.predict(X))  # no dropout noise
    assert net.training and all(layer.training for layer in net.layers)
    np.testing.assert_allclose(net.predict(X, batch_size=3), p1)
    net.eval()
    np.testing.assert_array_equal(net.forward(X), p1)
    net.train()
    assert not np.allclose(net.forward(X), p1)


def test_container_protocol():
    net = mlp([2, 3, 1], rng=0)
    assert len(net) == 3
    assert isinstance(net[0], Dense)
    assert [type(layer) for layer in net] == [Dense, ReLU, Dense]
    nested = Sequential(net, Sigmoid())
    assert nested.n_params == net.n_params
    assert gradcheck(nested, rng(1).standard_normal((3, 2))) < GRAD_TOL


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "leaky_relu"])
@pytest.mark.parametrize("loss", ["mse", "ce", "bce"])
def test_whole_network_gradcheck(activation, loss):
    net = mlp([3, 5, 4, 2], activation=activation, rng=0)
    X = rng(1).standard_normal((6, 3))
    targets = {
        "mse": (MSE(), rng(2).standard_normal((6, 2))),
        "ce": (CrossEntropy(), np.array([0, 1, 1, 0, 1, 0])),
        "bce": (BinaryCrossEntropy(), (rng(3).random((6, 2)) < 0.5).astype(float)),
    }
    loss_fn, y = targets[loss]
    assert gradcheck(net, X, y=y, loss=loss_fn) < GRAD_TOL


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    widths=st.lists(st.integers(1, 6), min_size=2, max_size=5),
    activation=st.sampled_from(["relu", "tanh", "sigmoid", "leaky_relu"]),
    batch=st.integers(1, 5),
    use_ce=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_random_networks_gradcheck(widths, activation, batch, use_ce, seed):
    """Any depth/width: backprop agrees with central differences to < 1e-7.

    Central differences have a round-off error of about 1e-10 * |J| in each
    gradient entry (machine epsilon * |J| / eps, eps = 1e-6).  A tensor whose
    gradient is far below |J| (vanishing gradients through a deep, narrow
    sigmoid or leaky-ReLU chain) cannot be checked to 1e-7 by *any* correct
    implementation, so such examples (about one in ten) are discarded: every
    checked gradient has max|g| >= 3e-3 * max(|J|, 1).
    """
    g = np.random.default_rng(seed)
    net = mlp(widths, activation=activation, rng=g)
    for p in net.parameters():  # non-zero biases too
        if p.kind == "bias":
            p.value[:] = 0.1 * g.standard_normal(p.shape)
    X = g.standard_normal((batch, widths[0]))
    if use_ce and widths[-1] >= 2:
        loss, y = CrossEntropy(), g.integers(0, widths[-1], batch)
    else:
        loss, y = MSE(), g.standard_normal((batch, widths[-1]))
    J = loss.forward(net.forward(X), y)
    dX = net.backward(loss.backward())
    smallest = min([np.abs(dX).max()] + [np.abs(p.grad).max() for p in net.parameters()])
    assume(smallest >= 3e-3 * max(abs(J), 1.0))
    assert gradcheck(net, X, y=y, loss=loss) < GRAD_TOL


def test_network_matches_symbolic_network():
    """A 2-3-2 tanh network: nnlib's backprop equals SymPy's differentiation."""
    sym = symbolic.symbolic_mlp([2, 3, 2], activation="tanh")
    y, L = sym.loss("cross_entropy")
    grads = sym.gradients(L)
    symbols = sym.params + list(sym.x) + list(y)
    net = mlp([2, 3, 2], activation="tanh", rng=0)
    x_val = np.array([0.4, -1.1])
    y_val = np.array([0.0, 1.0])
    subs = sym.substitutions(net)
    values = [subs[s] for s in sym.params] + [*x_val, *y_val]
    point = {s: sp.Float(v, 30) for s, v in zip(symbols, values, strict=True)}

    def at_point(expr):  # evaluate at the point with 30 significant digits
        return np.array(sp.sympify(expr).xreplace(point).evalf(30), dtype=float)

    out = net.forward(x_val[None])
    np.testing.assert_allclose(out[0], at_point(sym.output)[:, 0], rtol=1e-13)
    loss = CrossEntropy()
    value = loss.forward(out, y_val[None])
    assert value == pytest.approx(float(at_point(L)), rel=1e-12)
    net.backward(loss.backward())
    dense = [layer for layer in net.layers if isinstance(layer, Dense)]
    for layer, (dW, db) in zip(dense, grads, strict=True):
        np.testing.assert_allclose(layer.W.grad, at_point(dW), rtol=1e-11, atol=1e-15)
        np.testing.assert_allclose(layer.b.grad, at_point(db)[:, 0], rtol=1e-11, atol=1e-15)


def test_symbolic_backprop_recursion():
    """delta^l = (W^{l+1})^T delta^{l+1} (.) sigma'(z^l), checked symbolically for MSE."""
    sym = symbolic.symbolic_mlp([2, 2, 1], activation="sigmoid")
    y, L = sym.loss("mse")
    z1 = sym.z[0]
    a_L = sp.Symbol("a", real=True)
    assert sp.diff(symbolic.mse([a_L], [y[0]]), a_L) == a_L - y[0]  # MSE: dL/da = a - y
    delta2 = sym.output - y  # linear output + MSE: delta^L = a^L - y
    sig = z1.applyfunc(symbolic.sigmoid)
    delta1 = (sym.W[1].T * delta2).multiply_elementwise(sig.applyfunc(lambda s: s * (1 - s)))
    dW1 = sym.gradients(L)[0][0]
    assert sp.simplify(dW1 - delta1 * sym.x.T) == sp.zeros(2, 2)  # dL/dW^1 = delta^1 (a^0)^T
