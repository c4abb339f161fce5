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


# -- mode connectivity, Saxe, PL, NTK (sections sec-landscape-alignment ... -ntk) ---------
def test_weight_matching_control():
    # linear_sum_assignment minimises: on a similarity matrix without maximize=True it
    # returns the WORST match, which does not undo a hidden permutation
    from _ch11_math import weight_matching

    rng = np.random.default_rng(0)
    theta_a = [rng.standard_normal((10, 3)), rng.standard_normal(10), rng.standard_normal((2, 10))]
    hidden = rng.permutation(10)
    theta_b = [theta_a[0][hidden], theta_a[1][hidden], theta_a[2][:, hidden]]
    assert np.array_equal(hidden[weight_matching(theta_a, theta_b)], np.arange(10))
    worst = weight_matching(theta_a, theta_b, maximize=False)
    assert not np.array_equal(hidden[worst], np.arange(10))


def test_saxe_closed_form_controls():
    from _ch11_math import SAXE, U0, S, T, saxe_half_time_holds, saxe_solves_ode

    assert saxe_solves_ode(SAXE)
    # the rate of one layer (e^{st}, from du/dt = u (s - u)) instead of the product's
    wrong_rate = S * sp.exp(S * T) / (sp.exp(S * T) - 1 + S / U0)
    assert not saxe_solves_ode(wrong_rate)
    # plain exponential growth without saturation
    assert not saxe_solves_ode(U0 * sp.exp(2 * S * T))
    # half time without the factor 1/2, or with the small-u0 approximation taken as exact
    assert not saxe_half_time_holds(sp.log(S / U0 - 1) / S)
    assert not saxe_half_time_holds(sp.log(S / U0) / (2 * S))


def test_saxe_simulation_control():
    from _ch11_math import saxe_simulation_matches

    def one_layer_rate(t, s, u0):
        return s * np.exp(s * t) / (np.exp(s * t) - 1 + s / u0)

    def no_plateau(t, s, u0):  # learning at rate s from the start: 1 - e^{-st}
        return s * (1 - np.exp(-s * t))

    assert not saxe_simulation_matches(one_layer_rate)
    assert not saxe_simulation_matches(no_plateau)


def test_pl_rate_controls():
    from _ch11_math import (
        PL_SYMBOLS,
        pl_one_step_gap_holds,
        pl_rate_bounds_run,
        pl_rate_unrolled_holds,
    )

    _, g2, L, eta = PL_SYMBOLS
    assert not pl_one_step_gap_holds(-eta * (1 - L * eta / 2) * g2)  # the half dropped
    assert not pl_rate_unrolled_holds(lambda t, eta_, mu, e0: (1 - eta_ * mu) * t * e0)
    assert not pl_rate_unrolled_holds(lambda t, eta_, mu, e0: sp.exp(-eta_ * mu) ** (t + 1) * e0)
    # the classic over-claim 1 - 2 eta mu (a factor 2 from 1/2 |g|^2 >= mu (J - J*)) fails
    # on the measurement; the theorem's 1 - eta mu holds
    assert pl_rate_bounds_run(lambda eta_, mu: 1 - eta_ * mu)
    assert not pl_rate_bounds_run(lambda eta_, mu: 1 - 2 * eta_ * mu)


def test_ntk_residual_controls():
    from _ch11_math import ntk_residual_holds

    assert ntk_residual_holds(lambda K, r0, t, n: (-K * t / n).exp() * r0)
    assert not ntk_residual_holds(lambda K, r0, t, n: (-K * t).exp() * r0)  # the 1/n of the mean
    assert not ntk_residual_holds(lambda K, r0, t, n: (K * t / n).exp() * r0)  # the sign
    # each example decaying on its own at rate K_ii / n, ignoring the coupling of the
    # examples through the off-diagonal entries of K
    assert not ntk_residual_holds(
        lambda K, r0, t, n: sp.diag(*[sp.exp(-K[i, i] * t / n) for i in range(2)]) * r0
    )
