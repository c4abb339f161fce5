"""Negative controls for chapter 5: the classic wrong backprop formulas fail its checks.

Each check is the one the chapter runs (SymPy's chain rule on abstract or concrete
functions, finite differences of a network), written as a function of the closed
form it is given. The right form passes; the classic wrong one (the output error
without sigma', the hidden recursion without the transpose or without sigma', the
softmax Jacobian reduced to its diagonal, the sign flipped, the minibatch gradient
without 1/|B|) must fail.
"""

from __future__ import annotations

import numpy as np
import sympy as sp

z = sp.Matrix(sp.symbols("z_1:4", real=True))
sigma, ell = sp.Function("sigma"), sp.Function("ell")


def output_delta_check(stated) -> bool:
    """delta^L = d ell(sigma(z)) / dz for an abstract loss and activation."""
    a = sp.symbols("a_1:4", real=True)
    derived = sp.Matrix([sp.diff(ell(*[sigma(t) for t in z]), zj) for zj in z])
    grad_a = sp.Matrix([sp.diff(ell(*a), ak) for ak in a]).subs(
        dict(zip(a, [sigma(t) for t in z], strict=True))
    )
    return sp.simplify(derived - stated(grad_a)) == sp.zeros(3, 1)


def test_output_delta():
    dsig = z.applyfunc(lambda t: sp.diff(sigma(t), t))
    assert output_delta_check(lambda g: g.multiply_elementwise(dsig))
    assert not output_delta_check(lambda g: g)  # sigma' forgotten
    assert not output_delta_check(lambda g: g.multiply_elementwise(z.applyfunc(sigma)))


def hidden_recursion_check(stated) -> bool:
    """delta^1 of a 2-2 layer pair: SymPy's direct derivative against a stated recursion."""
    W2 = sp.Matrix(2, 2, lambda i, j: sp.Symbol(f"v_{i}{j}"))
    c = sp.Matrix(sp.symbols("c_1:3", real=True))  # dL/dz^2 = c (a linear loss)
    # z^1 as free symbols s: L = c^T W2 tanh(s), differentiated by SymPy
    zs = sp.Matrix(sp.symbols("s_1:3", real=True))
    loss_s = (c.T * (W2 * zs.applyfunc(sp.tanh)))[0]
    derived = sp.Matrix([sp.diff(loss_s, s) for s in zs])
    try:
        candidate = stated(W2, c, zs)
    except sp.ShapeError:
        return False
    point = {s: v for s, v in zip(zs, [0.3, -0.7], strict=True)}
    point |= {sym: 0.1 * (k + 1) * (-1) ** k for k, sym in enumerate(W2)}
    point |= {sym: 0.5 - k for k, sym in enumerate(c)}
    diff = (derived - candidate).subs(point).evalf()
    return max(abs(d) for d in diff) < 1e-12


def test_hidden_recursion():
    def dtanh(s):
        return s.applyfunc(lambda t: 1 - sp.tanh(t) ** 2)

    assert hidden_recursion_check(lambda W, d, s: (W.T * d).multiply_elementwise(dtanh(s)))
    assert not hidden_recursion_check(lambda W, d, s: (W * d).multiply_elementwise(dtanh(s)))
    assert not hidden_recursion_check(lambda W, d, s: W.T * d)  # sigma' forgotten
    assert not hidden_recursion_check(lambda W, d, s: -(W.T * d).multiply_elementwise(dtanh(s)))


def softmax_delta_check(stated) -> bool:
    """delta^L of softmax + CE at a point, against SymPy's direct derivative."""
    y = sp.Matrix([0, 1, 0])
    p = z.applyfunc(sp.exp) / sum(z.applyfunc(sp.exp))
    ce = -sum(y[k] * sp.log(p[k]) for k in range(3))
    derived = sp.Matrix([sp.diff(ce, zk) for zk in z])
    point = {z[0]: 1, z[1]: -2, z[2]: sp.Rational(1, 2)}
    gap = (derived - stated(p, y)).subs(point).evalf()
    return max(abs(g) for g in gap) < 1e-12


def test_softmax_cross_entropy_delta():
    assert softmax_delta_check(lambda p, y: p - y)
    assert not softmax_delta_check(lambda p, y: y - p)  # sign

    def diagonal_only(p, y):  # softmax treated as elementwise
        return sp.Matrix([-y[k] / p[k] * p[k] * (1 - p[k]) for k in range(3)])

    assert not softmax_delta_check(diagonal_only)


def minibatch_gradient_check(scale) -> bool:
    """dJ/dW of the mean MSE of a linear layer against central differences."""
    rng = np.random.default_rng(0)
    X, Y, W = rng.normal(size=(8, 3)), rng.normal(size=(8, 2)), rng.normal(size=(2, 3))

    def mean_loss(Wm):
        return 0.5 * np.mean(np.sum((X @ Wm.T - Y) ** 2, axis=1))

    fd = np.zeros_like(W)
    for idx in np.ndindex(W.shape):
        E = np.zeros_like(W)
        E[idx] = 1e-6
        fd[idx] = (mean_loss(W + E) - mean_loss(W - E)) / 2e-6
    Delta = X @ W.T - Y
    stated = scale(len(X)) * Delta.T @ X
    return bool(np.allclose(stated, fd, rtol=1e-6, atol=1e-8))


def test_minibatch_mean():
    assert minibatch_gradient_check(lambda B: 1 / B)
    assert not minibatch_gradient_check(lambda B: 1)  # |B| times too large
    assert not minibatch_gradient_check(lambda B: 1 / B**2)  # divided twice
