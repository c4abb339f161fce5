"""Negative controls for chapter 10: each headline check, fed the classic wrong form, fails."""

from __future__ import annotations

import numpy as np
import sympy as sp

x1, x2, w1, w2, y = sp.symbols("x_1 x_2 w_1 w_2 y", real=True)
z = w1 * x1 + w2 * x2
p = 1 / (1 + sp.exp(-z))
ell = -(y * sp.log(p) + (1 - y) * sp.log(1 - p))


def _same(a: sp.Expr, b: sp.Expr) -> bool:
    return sp.simplify(a - b) == 0


def test_logistic_gradient_control():
    derived = sp.diff(ell, w1)
    assert _same(derived, (p - y) * x1)
    assert not _same(derived, (y - p) * x1)  # the sign of the log-likelihood's gradient
    assert not _same(derived, (p - y) * p * (1 - p) * x1)  # squared error through a sigmoid
    # the source's unbracketed objective has another gradient
    unbracketed = -y * sp.log(p) + (1 - y) * sp.log(1 - p)
    assert not _same(sp.diff(unbracketed, w1), (p - y) * x1)


def test_logistic_hessian_control():
    derived = sp.diff(ell, w1, w2)
    assert _same(derived, p * (1 - p) * x1 * x2)
    assert not _same(derived, p * x1 * x2)
    assert not _same(derived, x1 * x2)  # linear regression's Hessian


def test_slope_is_positive_control():
    # the sign that carries convexity: sigma'(z) = e^{-z}/(1 + e^{-z})^2 > 0 for real z
    zz = sp.Symbol("z", real=True)
    slope = sp.diff(1 / (1 + sp.exp(-zz)), zz)
    assert slope.is_positive
    assert not (-slope).is_positive
    assert (slope - sp.Rational(1, 3)).is_positive is not True  # SymPy does not prove falsehoods


def test_normal_equations_control():
    X = sp.Matrix([[0, 1, 1], [1, 0, 1], [1, 1, 1], [2, 1, 1]])
    yv = sp.Matrix([1, 2, 4, 5])
    w = sp.Matrix(sp.symbols("w_1 w_2 b", real=True))
    J = sum(sp.Rational(1, 2) * (yv[i] - (X[i, :] * w)[0]) ** 2 for i in range(4)) / 4
    solved = w.subs(sp.solve([sp.diff(J, v) for v in w], list(w), dict=True)[0])
    assert solved == (X.T * X).inv() * X.T * yv
    assert solved == sp.Matrix([2, sp.Rational(4, 3), 0])  # the chapter's hand-worked w*
    assert solved != (X.T * X).inv() * X.T * yv / 4  # the 1/N is on both sides


def _loss(w, X, y, kind):
    zz = X @ w
    if kind == "logistic":
        return np.mean(np.logaddexp(0.0, zz) - y * zz)
    s = 1.0 / (1.0 + np.exp(-zz))
    return np.mean(0.5 * (s - y) ** 2)  # squared error through a sigmoid: not convex


def _chord_violations(kind: str) -> int:
    rng = np.random.default_rng(0)
    X = np.column_stack([rng.normal(size=(50, 2)), np.ones(50)])
    yv = (rng.random(50) < 0.5).astype(float)
    count = 0
    for _ in range(500):
        a, b = 4 * rng.standard_normal(3), 4 * rng.standard_normal(3)
        c = rng.random()
        chord = c * _loss(a, X, yv, kind) + (1 - c) * _loss(b, X, yv, kind)
        count += _loss(c * a + (1 - c) * b, X, yv, kind) > chord + 1e-12
    return count


def test_chord_inequality_control():
    assert _chord_violations("logistic") == 0  # the chapter's convexity check
    assert _chord_violations("mse-sigmoid") > 0  # the same check finds a non-convex loss


def test_two_class_softmax_control():
    za, zb = sp.symbols("z_1 z_2", real=True)
    two_class = sp.exp(za) / (sp.exp(za) + sp.exp(zb))
    assert _same(two_class, 1 / (1 + sp.exp(-(za - zb))))
    assert not _same(two_class, 1 / (1 + sp.exp(-(za + zb))))
    assert not _same(two_class, 1 / (1 + sp.exp(-za)))
