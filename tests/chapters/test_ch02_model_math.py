"""Chapter 2's formulas, re-checked outside the notebook (equation ledger, section 2)."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from nnlib.activations import Sigmoid
from nnlib.gradcheck import numerical_gradient, relative_error
from nnlib.layers import Dense, ReLU
from nnlib.network import Sequential, mlp


def _tiny_network() -> Sequential:
    """The hand-traced network of the chapter (2 -> 2 ReLU -> 1 sigmoid)."""
    net = Sequential(Dense(2, 2), ReLU(), Dense(2, 1), Sigmoid())
    net.layers[0].W.value[...] = [[1.0, -1.0], [0.5, 2.0]]
    net.layers[0].b.value[...] = [0.0, -1.0]
    net.layers[2].W.value[...] = [[2.0, -1.0]]
    net.layers[2].b.value[...] = [0.5]
    return net


@settings(max_examples=40, deadline=None)
@given(
    sizes=st.lists(st.integers(min_value=1, max_value=40), min_size=2, max_size=6),
    activation=st.sampled_from(["relu", "tanh", "sigmoid", "leaky_relu"]),
)
def test_n_params_formula(sizes, activation):
    """eq-model-nparams: sum_l (m_l m_{l-1} + m_l) equals Sequential.n_params."""
    net = mlp(sizes, activation=activation, rng=0)
    assert net.n_params == sum(sizes[k] * sizes[k - 1] + sizes[k] for k in range(1, len(sizes)))


def test_n_params_formula_symbolic():
    m = sp.symbols("m0:5", positive=True, integer=True)
    counted = sum(
        sp.prod(sp.MatrixSymbol(f"W{k}", m[k], m[k - 1]).shape) + m[k] for k in range(1, 5)
    )
    assert sp.expand(counted - sum(m[k] * (m[k - 1] + 1) for k in range(1, 5))) == 0


def test_hand_traced_forward_pass():
    """The table of section 'A forward pass, by hand', in exact and floating arithmetic."""
    net = _tiny_network()
    x = np.array([[1.0, 2.0]])
    z1 = net.layers[0].forward(x)
    assert np.allclose(z1, [[-1.0, 3.5]])
    assert np.allclose(net.layers[1].forward(z1), [[0.0, 3.5]])
    assert np.isclose(net.forward(x)[0, 0], 1.0 / (1.0 + np.exp(3.0)))


def test_hand_traced_forward_pass_matches_torch():
    torch = pytest.importorskip("torch")
    net = _tiny_network()
    X = np.array([[1.0, 2.0], [2.0, 1.0], [-1.0, -1.0], [0.3, -0.7]])
    l1, l2 = torch.nn.Linear(2, 2).double(), torch.nn.Linear(2, 1).double()
    with torch.no_grad():
        l1.weight.copy_(torch.tensor(net.layers[0].W.value))
        l1.bias.copy_(torch.tensor(net.layers[0].b.value))
        l2.weight.copy_(torch.tensor(net.layers[2].W.value))
        l2.bias.copy_(torch.tensor(net.layers[2].b.value))
        expected = torch.sigmoid(l2(torch.relu(l1(torch.tensor(X))))).numpy()
    assert relative_error(net.forward(X), expected) < 1e-12


def test_layer_batch_form_equals_column_form():
    """eq-model-layer-batch: Z = A W^T + 1 b^T holds row by row, symbolically and in nnlib."""
    W = sp.Matrix(2, 3, lambda i, j: sp.Symbol(f"w{i}{j}"))
    b = sp.Matrix(sp.symbols("b0:2"))
    A = sp.Matrix(4, 3, lambda k, j: sp.Symbol(f"a{k}{j}"))
    Z = A * W.T + sp.ones(4, 1) * b.T
    for k in range(4):
        assert sp.expand(Z[k, :] - (W * A[k, :].T + b).T) == sp.zeros(1, 2)

    rng = np.random.default_rng(0)
    layer = Dense(3, 2, rng=rng)
    layer.b.value[...] = rng.normal(size=2)
    X = rng.normal(size=(4, 3))
    columns = np.stack([layer.W.value @ x + layer.b.value for x in X])
    assert np.allclose(layer.forward(X), columns)


def test_affine_layers_collapse_without_activation():
    """eq-model-affine-collapse, numerically: Dense -> Dense is one affine map."""
    rng = np.random.default_rng(1)
    net = Sequential(Dense(4, 3, rng=rng), Dense(3, 5, rng=rng))
    for layer in net.layers:
        layer.b.value[...] = rng.normal(size=layer.b.value.shape)
    W1, b1 = net.layers[0].W.value, net.layers[0].b.value
    W2, b2 = net.layers[1].W.value, net.layers[1].b.value
    X = rng.normal(size=(6, 4))
    assert np.allclose(net.forward(X), X @ (W2 @ W1).T + (W2 @ b1 + b2))
    assert np.linalg.matrix_rank(W2 @ W1) <= 3


def test_preactivation_gradient_and_distance():
    """grad_x z = w (finite differences) and eq-model-distance via the closest point."""
    rng = np.random.default_rng(2)
    w, b, x = rng.normal(size=3), 0.4, rng.normal(size=3)
    fd = numerical_gradient(lambda v: float(w @ v + b), x.copy())
    assert relative_error(fd, w) < 1e-7
    d = (w @ x + b) / np.linalg.norm(w)
    closest = x - d * w / np.linalg.norm(w)
    assert abs(w @ closest + b) < 1e-12
    # no other point of the hyperplane is closer
    for _ in range(100):
        v = rng.normal(size=3)
        v -= (w @ v) / (w @ w) * w  # a direction inside the hyperplane
        assert np.linalg.norm(x - (closest + v)) >= abs(d) - 1e-12
