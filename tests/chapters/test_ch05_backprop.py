"""Chapter 5 (backpropagation): the delta recursion against SymPy, nnlib, finite differences.

* A 2-2-1 network with symbolic weights: SymPy's direct derivative of the loss with
  respect to every weight equals what the delta recursion gives (symbolically).
* nnlib's ``Sequential.backward`` equals the lambdified SymPy gradients at random
  points, and central finite differences (float64, relative error < 1e-7).
* The minibatch matrix form (rows = examples) equals the average of per-example
  gradients, and nnlib; the outer-product identity behind it holds symbolically.
* The output errors (MSE + linear, softmax + cross-entropy) and the hidden-layer
  recursion hold for abstract activations and losses.
* PyTorch agrees, where it is installed.
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from nnlib.activations import Sigmoid, Tanh, sigmoid, sigmoid_grad, tanh_grad
from nnlib.gradcheck import gradcheck
from nnlib.layers import Dense
from nnlib.losses import MSE, CrossEntropy
from nnlib.network import Sequential, mlp
from nnlib.symbolic import compare_with_sympy, symbolic_mlp

ACTIVATIONS = {"sigmoid": Sigmoid, "tanh": Tanh}


def _recursion_gradients(net, y):
    """Gradients of 1/2 (a^2 - y)^2 for a symbolic 2-2-1 network by the delta recursion."""
    a1 = net.a[0]
    if net.activation == "sigmoid":
        dsigma = a1.applyfunc(lambda a: a * (1 - a))
    else:
        dsigma = a1.applyfunc(lambda a: 1 - a**2)
    delta2 = net.output - y  # MSE + linear output
    delta1 = (net.W[1].T * delta2).multiply_elementwise(dsigma)
    return [*(delta1 * net.x.T), *delta1, *(delta2 * a1.T), *delta2]


@pytest.mark.parametrize("activation", ["sigmoid", "tanh"])
def test_221_direct_derivatives_equal_delta_recursion(activation):
    net = symbolic_mlp([2, 2, 1], activation=activation)
    y, loss = net.loss("mse")
    direct = [sp.diff(loss, w) for w in net.params]
    recursion = _recursion_gradients(net, y)
    assert len(direct) == 9
    for w, d, r in zip(net.params, direct, recursion, strict=True):
        assert sp.simplify(d - r) == 0, w


def _set_params(model, values):
    for p, v in zip(model.parameters(), values, strict=True):
        p.value[...] = np.asarray(v).reshape(p.shape)


@pytest.mark.parametrize("activation", ["sigmoid", "tanh"])
def test_221_nnlib_backward_matches_lambdified_sympy(activation):
    net = symbolic_mlp([2, 2, 1], activation=activation)
    y, loss = net.loss("mse")
    grads = sp.Matrix([sp.diff(loss, w) for w in net.params])
    symbols = [*net.params, *net.x, *y]
    model = Sequential(Dense(2, 2, rng=0), ACTIVATIONS[activation](), Dense(2, 1, rng=0))

    def nnlib_grads(v):
        _set_params(model, [v[0:4], v[4:6], v[6:8], v[8:9]])
        mse = MSE()
        mse.forward(model.forward(v[9:11][None, :]), v[11:12][None, :])
        model.backward(mse.backward())
        return np.concatenate([p.grad.ravel() for p in model.parameters()])

    err = compare_with_sympy(grads, symbols, nnlib_grads, n_points=30, low=-2, high=2, rng=7)
    assert err < 1e-10


@pytest.mark.parametrize("activation", ["sigmoid", "tanh"])
def test_221_nnlib_backward_matches_finite_differences(activation):
    rng = np.random.default_rng(11)
    model = Sequential(Dense(2, 2, rng=rng), ACTIVATIONS[activation](), Dense(2, 1, rng=rng))
    X, Y = rng.normal(size=(5, 2)), rng.normal(size=(5, 1))
    errors = gradcheck(model, X, y=Y, loss=MSE(), per_tensor=True)
    assert max(errors.values()) < 1e-7, errors


def _scratch_backprop(Ws, bs, grads, x, y):
    """Column-vector backprop for 1/2||a^L - y||^2, hidden activation tanh, linear output."""
    a, zs = [x], [None]
    L = len(Ws) - 1
    for l in range(1, L + 1):  # noqa: E741
        zs.append(Ws[l] @ a[-1] + bs[l])
        a.append(zs[-1] if l == L else np.tanh(zs[-1]))
    delta = a[L] - y
    dW, db = [None] * (L + 1), [None] * (L + 1)
    for l in range(L, 0, -1):  # noqa: E741
        dW[l], db[l] = delta @ a[l - 1].T, delta
        if l > 1:
            delta = (Ws[l].T @ delta) * grads(zs[l - 1])
    return dW, db


def test_minibatch_matrix_form_equals_average_and_nnlib():
    rng = np.random.default_rng(5)
    sizes = [3, 5, 4, 2]
    model = mlp(sizes, activation="tanh", rng=rng)
    X, Y = rng.normal(size=(7, 3)), rng.normal(size=(7, 2))
    dense = [layer for layer in model.layers if isinstance(layer, Dense)]
    Ws = [None] + [d.W.value for d in dense]
    bs = [None] + [d.b.value for d in dense]

    # nnlib on the batch
    loss = MSE()
    loss.forward(model.forward(X), Y)
    model.backward(loss.backward())
    nnlib_grads = [p.grad.copy() for p in model.parameters()]

    # the matrix form, eq-backprop-batch (rows = examples)
    n = len(X)
    A, Z = [X], [None]
    for l in range(1, 4):  # noqa: E741
        Z.append(A[-1] @ Ws[l].T + bs[l])
        A.append(Z[-1] if l == 3 else np.tanh(Z[-1]))
    Delta = A[3] - Y
    matrix = {}
    for l in range(3, 0, -1):  # noqa: E741
        matrix[l] = (Delta.T @ A[l - 1] / n, Delta.T @ np.ones(n) / n)
        if l > 1:
            Delta = (Delta @ Ws[l]) * tanh_grad(Z[l - 1])
    matrix_grads = [g for l in (1, 2, 3) for g in matrix[l]]  # noqa: E741

    # the average of per-example column-vector gradients
    per = [
        _scratch_backprop(
            Ws, [None] + [b[:, None] for b in bs[1:]], tanh_grad, x[:, None], y[:, None]
        )
        for x, y in zip(X, Y, strict=True)
    ]
    loop_grads = []
    for l in (1, 2, 3):  # noqa: E741
        loop_grads.append(np.mean([dW[l] for dW, _ in per], axis=0))
        loop_grads.append(np.mean([db[l] for _, db in per], axis=0).ravel())

    for a, b, c in zip(nnlib_grads, matrix_grads, loop_grads, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(a, c, rtol=1e-12, atol=1e-14)


def test_outer_product_identity_and_row_recursion_symbolic():
    B, m_l, m_prev, m_next = 3, 2, 3, 2
    Delta = sp.Matrix(B, m_l, lambda i, j: sp.Symbol(f"d{i}{j}"))
    A_prev = sp.Matrix(B, m_prev, lambda i, k: sp.Symbol(f"a{i}{k}"))
    outer_sum = sum((Delta.row(i).T * A_prev.row(i) for i in range(B)), sp.zeros(m_l, m_prev))
    assert outer_sum == Delta.T * A_prev
    Delta_next = sp.Matrix(B, m_next, lambda i, k: sp.Symbol(f"e{i}{k}"))
    W = sp.Matrix(m_next, m_l, lambda k, j: sp.Symbol(f"w{k}{j}"))
    rows = Delta_next * W
    for i in range(B):
        assert rows.row(i) == (W.T * Delta_next.row(i).T).T


def test_output_delta_and_hidden_recursion_for_abstract_functions():
    sigma, ell = sp.Function("sigma"), sp.Function("ell")
    z = sp.Matrix(sp.symbols("z1:4", real=True))
    a = sp.symbols("a1:4", real=True)
    derived = sp.Matrix([sp.diff(ell(*[sigma(t) for t in z]), t) for t in z])
    grad_a = sp.Matrix([sp.diff(ell(*a), ak) for ak in a]).subs(
        dict(zip(a, [sigma(t) for t in z], strict=True))
    )
    stated = grad_a.multiply_elementwise(z.applyfunc(lambda t: sp.diff(sigma(t), t)))
    assert sp.simplify(derived - stated) == sp.zeros(3, 1)

    W = sp.Matrix(2, 3, lambda k, j: sp.Symbol(f"W{k}{j}", real=True))
    b = sp.Matrix(sp.symbols("b1:3", real=True))
    u = sp.symbols("u1:3", real=True)
    z_next = W * z.applyfunc(sigma) + b
    derived = sp.Matrix([sp.diff(ell(*z_next), t) for t in z])
    delta_next = sp.Matrix([sp.diff(ell(*u), uk) for uk in u]).subs(
        dict(zip(u, z_next, strict=True))
    )
    stated = (W.T * delta_next).multiply_elementwise(z.applyfunc(lambda t: sp.diff(sigma(t), t)))
    assert sp.simplify(derived - stated) == sp.zeros(3, 1)


def test_softmax_cross_entropy_delta_symbolic_and_nnlib():
    z = sp.Matrix(sp.symbols("z1:4", real=True))
    y = sp.Matrix(sp.symbols("y1:4", real=True))
    e = z.applyfunc(sp.exp)
    p = e / sum(e)
    ce = -sum(y[k] * sp.log(p[k]) for k in range(3))
    delta = sp.Matrix([sp.diff(ce, t) for t in z])
    assert sp.simplify((delta - (p - y)).subs({y[2]: 1 - y[0] - y[1]})) == sp.zeros(3, 1)

    rng = np.random.default_rng(3)
    Z = rng.normal(scale=3.0, size=(6, 3))
    labels = rng.integers(0, 3, size=6)
    loss = CrossEntropy()
    loss.forward(Z, labels)
    got = loss.backward()
    P = np.exp(Z - Z.max(axis=1, keepdims=True))
    P /= P.sum(axis=1, keepdims=True)
    expected = (P - np.eye(3)[labels]) / len(Z)  # (p - y) / |B|
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-15)


def test_worked_example_numbers():
    """The chapter's hand-worked 2-2-1 example (sigmoid hidden layer, linear output)."""
    W1, b1 = np.array([[0.5, -0.4], [0.3, 0.8]]), np.array([0.1, -0.2])
    W2, b2 = np.array([[1.5, -1.0]]), np.array([0.2])
    x, y = np.array([1.0, 0.5]), np.array([1.0])
    z1 = W1 @ x + b1
    np.testing.assert_allclose(z1, [0.4, 0.5])
    a1 = sigmoid(z1)
    a2 = W2 @ a1 + b2
    delta2 = a2 - y
    delta1 = (W2.T @ delta2) * sigmoid_grad(z1)
    model = Sequential(Dense(2, 2, rng=0), Sigmoid(), Dense(2, 1, rng=0))
    _set_params(model, [W1, b1, W2, b2])
    loss = MSE()
    loss.forward(model.forward(x[None, :]), y[None, :])
    model.backward(loss.backward())
    expected = [np.outer(delta1, x), delta1, np.outer(delta2, a1), delta2]
    for p, e in zip(model.parameters(), expected, strict=True):
        np.testing.assert_allclose(p.grad, e, rtol=1e-12)
    np.testing.assert_allclose(np.round(delta1, 4), [-0.189, 0.1232])


def test_deeper_network_cross_entropy_gradcheck():
    rng = np.random.default_rng(9)
    model = mlp([4, 6, 5, 3], activation="tanh", rng=rng)
    X = rng.normal(size=(6, 4))
    labels = rng.integers(0, 3, size=6)
    assert gradcheck(model, X, y=labels, loss=CrossEntropy()) < 1e-7


def test_221_matches_pytorch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(21)
    model = Sequential(Dense(2, 2, rng=rng), Sigmoid(), Dense(2, 1, rng=rng))
    X, Y = rng.normal(size=(5, 2)), rng.normal(size=(5, 1))
    loss = MSE()
    loss.forward(model.forward(X), Y)
    model.backward(loss.backward())

    W1, b1, W2, b2 = (
        torch.tensor(p.value, dtype=torch.float64, requires_grad=True) for p in model.parameters()
    )
    Xt, Yt = torch.tensor(X), torch.tensor(Y)
    out = torch.sigmoid(Xt @ W1.T + b1) @ W2.T + b2
    J = 0.5 * ((out - Yt) ** 2).sum() / len(X)
    J.backward()
    for p, t in zip(model.parameters(), (W1, b1, W2, b2), strict=True):
        np.testing.assert_allclose(p.grad, t.grad.numpy(), rtol=1e-12, atol=1e-14)
