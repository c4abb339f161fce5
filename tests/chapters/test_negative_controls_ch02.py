"""Negative controls for chapter 2: each headline check, fed the classic wrong form, fails."""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import sympy as sp

from nnlib.layers import Dense


def test_signed_distance_control():
    # the closest point of w^T x + b = 0 to x0, by a Lagrange multiplier
    x1, x2, lam = sp.symbols("x1 x2 lam", real=True)
    w = sp.Matrix([3, 4])
    b = -5
    x0 = sp.Matrix([2, 3])
    x = sp.Matrix([x1, x2])
    lagr = (x - x0).dot(x - x0) / 2 + lam * (w.dot(x) + b)
    sol = sp.solve([sp.diff(lagr, v) for v in (x1, x2, lam)], [x1, x2, lam], dict=True)[0]
    dist = sp.sqrt((x.subs(sol) - x0).dot(x.subs(sol) - x0))
    signed = (w.dot(x0) + b) / w.norm()
    assert sp.simplify(dist - abs(signed)) == 0
    assert sp.simplify(dist - (w.dot(x0) + b) / w.dot(w)) != 0  # divided by ||w||^2
    assert sp.simplify(dist - abs(w.dot(x0)) / w.norm()) != 0  # bias forgotten


def _formula(widths):
    return sum(widths[i] * widths[i - 1] + widths[i] for i in range(1, len(widths)))


def test_parameter_count_control():
    rng = np.random.default_rng(0)
    for _ in range(20):
        widths = list(rng.integers(1, 30, size=rng.integers(2, 6)))
        layers = [Dense(int(a), int(b), rng=rng) for a, b in pairwise(widths)]
        counted = sum(lay.W.value.size + lay.b.value.size for lay in layers)
        assert counted == _formula(widths)
        assert counted != _formula(widths) - sum(widths[1:])  # the biases forgotten
    assert _formula([784, 256, 128, 10]) == 235_146


def test_batch_form_control():
    # a square layer, so the tempting A W (no transpose) fits the shapes and only the
    # values can tell it from Z = A W^T + 1 b^T; the derivative of a row with respect
    # to its own example must be W (one row per output)
    W = sp.Matrix(3, 3, lambda i, j: sp.Symbol(f"W{i}{j}"))
    b = sp.Matrix(sp.symbols("b0:3"))
    A = sp.Matrix(2, 3, lambda k, j: sp.Symbol(f"a{k}{j}"))

    def passes(Z):
        return all(
            sp.expand(Z[k, :] - (W * A[k, :].T + b).T) == sp.zeros(1, 3)
            and Z[k, :].T.jacobian(A[k, :]) == W
            for k in range(2)
        )

    assert passes(A * W.T + sp.ones(2, 1) * b.T)
    assert not passes(A * W + sp.ones(2, 1) * b.T)  # no transpose
    assert not passes(A * W.T)  # bias forgotten
    # and nnlib agrees with the right form
    rng = np.random.default_rng(1)
    layer = Dense(3, 3, rng=rng)
    layer.b.value[...] = rng.normal(size=3)
    X = rng.normal(size=(5, 3))
    assert np.allclose(layer.forward(X), X @ layer.W.value.T + layer.b.value)
    assert not np.allclose(layer.forward(X), X @ layer.W.value + layer.b.value)


def test_affine_collapse_control():
    # the collapsed map's slope is the Jacobian, its offset the value at x = 0
    x = sp.Matrix(sp.symbols("x1:3"))
    W1 = sp.Matrix(3, 2, lambda i, j: sp.Symbol(f"u{i}{j}"))
    b1 = sp.Matrix(sp.symbols("c0:3"))
    W2 = sp.Matrix(1, 3, lambda i, j: sp.Symbol(f"v{j}"))
    b2 = sp.Matrix([sp.Symbol("d")])
    f = W2 * (W1 * x + b1) + b2
    slope, offset = f.jacobian(x), f.subs(dict.fromkeys(x, 0))
    assert sp.expand(slope - W2 * W1) == sp.zeros(1, 2)
    assert sp.expand(offset - (W2 * b1 + b2)) == sp.zeros(1, 1)
    assert sp.expand(offset - b2) != sp.zeros(1, 1)  # the offset b2 alone
    assert sp.expand(offset - (b2 + sp.Matrix([sum(b1)]))) != sp.zeros(1, 1)  # b1 + b2
    assert sp.expand(slope - sp.Matrix([[sum(W1[:, 0]), sum(W1[:, 1])]])) != sp.zeros(1, 2)


def test_xor_construction_control():
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    y = np.array([0, 1, 1, 0], dtype=float)

    def net(c, w_out):
        H = np.maximum(X @ np.ones((2, 2)) + c, 0)
        return H @ w_out

    assert np.array_equal(net(np.array([0.0, -1.0]), np.array([1.0, -2.0])), y)
    assert not np.array_equal(net(np.array([0.0, -1.0]), np.array([1.0, 2.0])), y)  # sign
    assert not np.array_equal(net(np.array([0.0, 0.0]), np.array([1.0, -2.0])), y)  # bias


def test_bump_limit_control():
    x, w = sp.symbols("x w", real=True)

    def sig(v):
        return 1 / (1 + sp.exp(-v))

    h, c = sp.Rational(3, 2), sp.Rational(1, 2)
    right = h * (sig(w * (x + c)) - sig(w * (x - c)))
    wrong = h * (sig(w * (x - c)) - sig(w * (x + c)))
    assert sp.limit(right.subs(x, 0), w, sp.oo) == h
    assert sp.limit(wrong.subs(x, 0), w, sp.oo) != h  # steps reversed
    unscaled = h * (sig(w * x + c) - sig(w * x - c))  # bias not scaled by w
    assert sp.limit(unscaled.subs(x, sp.Rational(1, 4)), w, sp.oo) != h


def _regions(W, b, box=12.0, n=800):
    side = np.linspace(-box, box, n)
    grid = np.stack(np.meshgrid(side, side), axis=-1).reshape(-1, 2)
    return len(np.unique((grid @ W.T + b > 0) @ (1 << np.arange(len(W)))))


def test_linear_regions_control():
    # four lines in general position (crossings within the box): 1 + 4 + 6 = 11
    W = np.array([[1.0, 0.2], [0.1, 1.0], [1.0, -1.0], [1.0, 1.3]])
    b = np.array([0.5, -0.3, 1.0, -1.2])
    m = len(W)
    assert _regions(W, b) == 1 + m + m * (m - 1) // 2
    assert _regions(W, b) != 2**m  # the tempting "every pattern occurs" fails
    assert _regions(W, 0 * b) == 2 * m  # concurrent lines


def test_sawtooth_pieces_control():
    def tent(x):
        return 2 * np.maximum(x, 0) - 4 * np.maximum(x - 0.5, 0)

    x = np.arange(2**10 + 1) / 2**10
    for depth in range(1, 6):
        y = x
        for _ in range(depth):
            y = tent(y)
        slopes = np.round(np.diff(y) * 2**10, 6)
        pieces = 1 + int(np.sum(slopes[1:] != slopes[:-1]))
        assert pieces == 2**depth
        assert pieces != 2 * depth + 1 or depth <= 2  # not the shallow count m + 1
