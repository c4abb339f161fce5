"""Chapter 8 (automatic differentiation): the VJPs it derives, the fan-out rule,
and the counted cost of forward and reverse mode."""

from __future__ import annotations

import itertools

import numpy as np
import sympy as sp
from _ch08_math import (
    cross_entropy_vjp_holds,
    matmul_vjp_holds,
    reverse_sweep,
    tanh_vjp_holds,
    unbroadcast_holds,
)

from nnlib.autograd import Tensor
from nnlib.gradcheck import relative_error


def test_matmul_and_elementwise_vjps_sympy():
    assert matmul_vjp_holds(lambda X, Y, G: G * Y.T, lambda X, Y, G: X.T * G)
    assert tanh_vjp_holds(
        lambda X, G: X.applyfunc(lambda v: 1 - sp.tanh(v) ** 2).multiply_elementwise(G)
    )


def test_unbroadcast_sympy():
    assert unbroadcast_holds(lambda G: sp.ones(1, 2) * G)


def test_cross_entropy_vjp_sympy():
    assert cross_entropy_vjp_holds(lambda P, E, batch: (P - E) / batch)


def _sin_node(x):
    return Tensor._make(np.sin(x.value), (x,), lambda g: (g * np.cos(x.value),), "sin")


def test_fan_out_sum_and_the_overwrite_bug():
    x0 = 1.3
    x = Tensor(x0, requires_grad=True)
    f = x * _sin_node(x)
    want = np.sin(x0) + x0 * np.cos(x0)
    assert abs(reverse_sweep(f)[id(x)] - want) < 1e-12
    assert abs(reverse_sweep(f, accumulate=False)[id(x)] - x0 * np.cos(x0)) < 1e-12
    f.backward()
    assert abs(x.grad - want) < 1e-12
    # x * x: the bug keeps half of 2x
    y = Tensor(0.7, requires_grad=True)
    sq = y * y
    assert abs(reverse_sweep(sq)[id(y)] - 1.4) < 1e-12
    assert abs(reverse_sweep(sq, accumulate=False)[id(y)] - 0.7) < 1e-12


def test_weight_sharing_and_residual_against_sympy():
    W_sym = sp.Matrix(2, 2, sp.symbols("w0:4", real=True))
    xs = sp.Matrix(sp.symbols("x0:2", real=True))
    hidden = (W_sym * xs).applyfunc(sp.tanh)
    point = dict(zip(W_sym, (0.5, -0.3, 0.8, 0.2), strict=True)) | {xs[0]: 0.7, xs[1]: -1.1}
    W = Tensor(np.array([[0.5, -0.3], [0.8, 0.2]]), requires_grad=True)
    x = Tensor(np.array([0.7, -1.1]), requires_grad=True)
    (W @ (W @ x).tanh()).sum().backward()
    L_shared = sum(W_sym * hidden)
    want = np.array(
        [[float(sp.diff(L_shared, W_sym[i, j]).subs(point)) for j in range(2)] for i in range(2)]
    )
    assert relative_error(W.grad, want) < 1e-12
    x.zero_grad()
    (x + (W @ x).tanh()).sum().backward()
    L_res = sum(xs + hidden)
    want_x = np.array([float(sp.diff(L_res, s).subs(point)) for s in xs])
    assert relative_error(x.grad, want_x) < 1e-12


def _costs(n_in, n_out, width=32):
    """Multiply-adds of the full Jacobian by forward and by reverse mode, per evaluation."""
    rng = np.random.default_rng(3)
    sizes = [n_in, width, width, n_out]
    weights = [rng.standard_normal((b, a)) / np.sqrt(a) for a, b in itertools.pairwise(sizes)]
    x = rng.standard_normal(n_in)
    count = {"fwd": 0, "rev": 0}

    def mm(A, v, mode):
        count[mode] += A.shape[0] * A.shape[1]
        return A @ v

    cols = []
    for i in range(n_in):
        a, t = x, np.eye(n_in)[:, i]
        for k, W in enumerate(weights):
            z, t = mm(W, a, "fwd"), mm(W, t, "fwd")
            a = np.tanh(z) if k < 2 else z
            t = (1 - a**2) * t if k < 2 else t
        cols.append(t)
    acts, a = [x], x
    for k, W in enumerate(weights):
        a = mm(W, a, "rev")
        a = np.tanh(a) if k < 2 else a
        acts.append(a)
    rows = []
    for j in range(n_out):
        adj = np.eye(n_out)[j]
        for k in reversed(range(3)):
            adj = adj * (1 - acts[k + 1] ** 2) if k < 2 else adj
            adj = mm(weights[k].T, adj, "rev")
        rows.append(adj)
    assert relative_error(np.stack(cols, 1), np.stack(rows)) < 1e-12
    evaluation = sum(W.size for W in weights)
    return count["fwd"] / evaluation, count["rev"] / evaluation


def test_counted_costs_of_the_two_modes():
    for n in (1, 8, 64, 256):
        forward, reverse = _costs(n, 1)
        assert reverse == 2.0  # one recorded pass, one adjoint pass
        assert forward == 2.0 * n  # value and tangent, once per input
    forward, reverse = _costs(1, 64)
    assert forward == 2.0 and reverse == 65.0  # many outputs: forward mode wins
