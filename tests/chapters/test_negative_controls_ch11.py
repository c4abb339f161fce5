"""Negative controls for chapter 11: each headline check, fed the classic wrong form, fails."""

from __future__ import annotations

import numpy as np
import sympy as sp

from nnlib.data import load_digits

w1, w2, x, y = sp.symbols("w_1 w_2 x y", real=True)
ELL = sp.Rational(1, 2) * (w2 * sp.tanh(w1 * x) - y) ** 2
ORIGIN = {w1: 0, w2: 0}


def _same(a: sp.Matrix, b: sp.Matrix) -> bool:
    return sp.simplify(a - b) == sp.zeros(*a.shape)


def test_saddle_hessian_control():
    H0 = sp.hessian(ELL, (w1, w2)).subs(ORIGIN)
    assert _same(H0, sp.Matrix([[0, -x * y], [-x * y, 0]]))
    assert not _same(H0, sp.Matrix([[0, x * y], [x * y, 0]]))  # the sign
    assert not _same(H0, sp.Matrix([[x**2, -x * y], [-x * y, 1]]))  # Gauss-Newton at w = 0
    assert not _same(H0, sp.Matrix([[0, -2 * x * y], [-2 * x * y, 0]]))  # the factor 1/2


def test_linear_network_has_the_same_saddle():
    ell_linear = sp.Rational(1, 2) * (w2 * w1 * x - y) ** 2
    H_lin = sp.hessian(ell_linear, (w1, w2)).subs(ORIGIN)
    assert _same(H_lin, sp.hessian(ELL, (w1, w2)).subs(ORIGIN))  # tanh plays no part
    assert not _same(H_lin, sp.zeros(2, 2))


def test_valley_hessian_is_g_g_transpose_control():
    a = sp.Symbol("a", positive=True)
    on_valley = {w1: a, w2: y / sp.tanh(a * x)}
    H = sp.hessian(ELL, (w1, w2)).subs(on_valley)
    g = sp.Matrix([w2 * x * (1 - sp.tanh(w1 * x) ** 2), sp.tanh(w1 * x)]).subs(on_valley)
    assert _same(H, g * g.T)
    assert not _same(H, 2 * g * g.T)
    assert not _same(H, (g.T * g)[0] * sp.eye(2))  # full rank: not flat along the valley


def test_higher_order_saddle_when_c_is_zero():
    # the solution's example: x = (1, 2), y = (2, -1) has c = 0 but J takes both signs
    xs, ys = np.array([1.0, 2.0]), np.array([2.0, -1.0])
    assert np.mean(xs * ys) == 0.0

    def loss(a, b):
        return 0.5 * np.mean((b * np.tanh(a * xs) - ys) ** 2)

    angles = np.linspace(0, 2 * np.pi, 721)
    diffs = [loss(0.01 * np.cos(t), 0.01 * np.sin(t)) - loss(0, 0) for t in angles]
    assert min(diffs) < 0 < max(diffs)  # "degenerate, so not a saddle" is wrong


def test_random_features_do_not_interpolate_at_m_equal_n():
    # the erratum "interpolates as soon as m >= N": dead ReLU features keep rank(Phi) < N
    X_train = load_digits(rng=0)[0][:100]
    for seed in range(3):
        rng = np.random.default_rng(seed)
        A, b = 3 * rng.standard_normal((64, 100)) / 8, rng.uniform(-1, 1, 100)
        Phi = np.maximum(X_train @ A + b, 0.0)
        assert np.linalg.matrix_rank(Phi) < 100


def test_path_count_control():
    widths = [3, 4, 4, 1]
    per_input = int(np.prod(widths[1:-1]))
    assert per_input == 16 and widths[0] * per_input == 48  # 16 per input, not 48
