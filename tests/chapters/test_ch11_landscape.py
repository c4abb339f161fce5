"""Chapter 11 (optimization landscape): symmetry, the saddle, filter normalisation, cost.

* Permuting (and, for tanh, sign-flipping) hidden units of an nnlib MLP leaves its
  outputs and loss unchanged, and permutes its gradient the same way; for a trained
  network the midpoint of the two equivalent minima has a larger loss (non-convexity).
* The saddle of J(w1, w2) = mean 1/2 (w2 tanh(w1 x) - y)^2 at the origin: SymPy's
  Hessian [[0, -xy], [-xy, 0]], nnlib's gradient against the lambdified SymPy gradient,
  and finite differences of nnlib's gradient at the origin; eigenvalues +-c.
* On the valley of minima the Hessian has rank one (SymPy).
* Weight matching recovers a hidden permutation and lowers the loss barrier between
  two independently trained networks.
* Saxe et al.'s mode strength solves its ODE (SymPy), and nnlib's gradient descent on a
  two-layer linear network follows it.
* The PL theorem's one-step inequality and unrolled rate (SymPy), and the measured
  contraction on over-parameterised least squares.
* The linearised network's residual under gradient flow decays as exp(-K t / n) r(0)
  (SymPy), and the empirical NTK of a wide nnlib network moves less than a narrow one's.
* Backprop equals the chain-rule sum over paths for a linear network.
* PyTorch agrees, where it is installed.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import sympy as sp
from _ch11_math import (
    PL_SYMBOLS,
    SAXE,
    U0,
    S,
    T,
    ntk_residual_holds,
    pl_least_squares_run,
    pl_one_step_gap_holds,
    pl_rate_bounds_run,
    pl_rate_unrolled_holds,
    saxe_curve,
    saxe_gd_strengths,
    saxe_half_time_holds,
    saxe_simulation_matches,
    saxe_solves_ode,
    weight_matching,
)

from nnbook.exercises.landscape import reference_permute_hidden, reference_saddle_hessian
from nnlib.activations import Identity, Tanh
from nnlib.data import make_moons
from nnlib.gradcheck import numerical_gradient, relative_error
from nnlib.layers import Dense
from nnlib.losses import MSE, CrossEntropy
from nnlib.network import Sequential, mlp
from nnlib.optim import SGD, Adam
from nnlib.train import fit

TOL = 1e-7


def _grads(model):
    return [p.grad.copy() for p in model.parameters()]


def _loss_and_grads(model, loss, X, y):
    value = loss.forward(model.forward(X), y)
    model.backward(loss.backward())
    return value, _grads(model)


def _set(model, values):
    for p, v in zip(model.parameters(), values, strict=True):
        p.value[...] = v


# -- symmetry ---------------------------------------------------------------------------
@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_permuting_hidden_units_preserves_function_and_permutes_gradient(activation):
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((16, 3)), rng.integers(0, 2, 16)
    net = mlp([3, 5, 2], activation, rng=1)
    W1, b1, W2, b2 = (p.value.copy() for p in net.parameters())
    J, (gW1, gb1, gW2, gb2) = _loss_and_grads(net, CrossEntropy(), X, y)
    out = net.forward(X)
    perm = rng.permutation(5)
    _set(net, [*reference_permute_hidden(W1, b1, W2, perm), b2])
    J_perm, grads_perm = _loss_and_grads(net, CrossEntropy(), X, y)
    assert np.allclose(net.forward(X), out, atol=1e-12, rtol=0)
    assert abs(J_perm - J) < 1e-12
    expected = [*reference_permute_hidden(gW1, gb1, gW2, perm), gb2]  # equivariance
    for g, e in zip(grads_perm, expected, strict=True):
        assert np.allclose(g, e, atol=1e-12, rtol=0)


def test_sign_flip_symmetry_of_tanh_units():
    rng = np.random.default_rng(2)
    X = rng.standard_normal((10, 2))
    net = mlp([2, 4, 1], "tanh", rng=3)
    out = net.forward(X)
    flip = np.array([1.0, -1.0, -1.0, 1.0])
    net[0].W.value *= flip[:, None]
    net[0].b.value *= flip
    net[2].W.value *= flip[None, :]
    assert np.allclose(net.forward(X), out, atol=1e-12, rtol=0)


def test_permutation_symmetry_sympy():
    W1 = sp.Matrix(3, 2, lambda i, j: sp.Symbol(f"a_{i}{j}", real=True))
    b1 = sp.Matrix(3, 1, lambda i, j: sp.Symbol(f"b_{i}", real=True))
    W2 = sp.Matrix(1, 3, lambda i, j: sp.Symbol(f"c_{j}", real=True))
    x = sp.Matrix(sp.symbols("x_0 x_1", real=True))
    Pi = sp.Matrix(3, 3, lambda i, j: 1 if j == (i + 1) % 3 else 0)

    def f(A, b, C):
        return (C * (A * x + b).applyfunc(sp.tanh))[0]

    assert sp.simplify(f(Pi * W1, Pi * b1, W2 * Pi.T) - f(W1, b1, W2)) == 0


def test_trained_network_midpoint_of_equivalent_minima_is_worse():
    X, y = make_moons(100, noise=0.2, rng=0)
    net, ce = mlp([2, 6, 2], "tanh", rng=0), CrossEntropy()
    fit(net, ce, Adam(net.parameters(), lr=0.02), X, y, epochs=400, batch_size=len(X), rng=0,
        progress=False)
    theta = [p.value.copy() for p in net.parameters()]
    perm = np.arange(6)[::-1]
    theta_perm = [*reference_permute_hidden(theta[0], theta[1], theta[2], perm), theta[3]]

    def loss_at(values):
        _set(net, values)
        return ce.forward(net.forward(X), y)

    J_star, J_perm = loss_at(theta), loss_at(theta_perm)
    J_mid = loss_at([(a + b) / 2 for a, b in zip(theta, theta_perm, strict=True)])
    assert abs(J_star - J_perm) < 1e-12
    assert J_mid > (J_star + J_perm) / 2  # convexity inequality violated


def _barrier(loss_at, theta_a, theta_b):
    ts = np.linspace(0, 1, 21)
    pairs = list(zip(theta_a, theta_b, strict=True))
    losses = np.array([loss_at([(1 - t) * a + t * b for a, b in pairs]) for t in ts])
    return np.max(losses - ((1 - ts) * losses[0] + ts * losses[-1]))


def test_weight_matching_recovers_a_permuted_noisy_copy():
    rng = np.random.default_rng(0)
    theta_a = [rng.standard_normal((10, 3)), rng.standard_normal(10), rng.standard_normal((2, 10))]
    hidden = rng.permutation(10)
    theta_b = [v + 0.2 * rng.standard_normal(v.shape)
               for v in reference_permute_hidden(*theta_a, hidden)]
    perm = weight_matching(theta_a, theta_b)
    assert np.array_equal(hidden[perm], np.arange(10))  # undoes the hidden permutation


def test_alignment_lowers_the_barrier_between_two_trained_networks():
    X, y = make_moons(200, noise=0.2, rng=0)
    ce = CrossEntropy()
    thetas = []
    for seed in (1, 2):
        net = mlp([2, 64, 2], "tanh", rng=seed)
        fit(net, ce, Adam(net.parameters(), lr=0.01), X, y, epochs=300, batch_size=len(X),
            rng=seed, progress=False)
        thetas.append([p.value.copy() for p in net.parameters()])

    def loss_at(values):
        _set(net, values)
        return ce.forward(net.forward(X), y)

    theta_a, theta_b = thetas
    perm = weight_matching(theta_a, theta_b)
    aligned = [*reference_permute_hidden(*theta_b[:3], perm), theta_b[3]]
    before, after = _barrier(loss_at, theta_a, theta_b), _barrier(loss_at, theta_a, aligned)
    assert after < 0.5 * before


# -- Saxe's plateaus ----------------------------------------------------------------------
def test_saxe_closed_form_solves_the_ode_and_has_the_stated_half_time():
    assert saxe_solves_ode(SAXE)
    assert saxe_half_time_holds(sp.log(S / U0 - 1) / (2 * S))
    assert sp.limit(SAXE / (U0 * sp.exp(2 * S * T)), U0, 0) == 1  # exponential growth


def test_saxe_mode_ode_from_balanced_weights():
    a, u = sp.Function("a")(T), sp.Symbol("u", positive=True)
    du = sp.diff(a**2, T).subs(sp.Derivative(a, T), a * (S - a**2))
    assert sp.expand(du.subs(a, sp.sqrt(u)) - 2 * u * (S - u)) == 0


def test_saxe_gradient_descent_follows_the_closed_form():
    assert saxe_simulation_matches(saxe_curve)
    t, strengths = saxe_gd_strengths()
    s = np.array([3.0, 1.5, 0.75])
    t_half = t[np.argmax(strengths > s / 2, axis=0)]
    assert np.allclose(t_half, np.log(s / 1e-3 - 1) / (2 * s), rtol=0.03)


# -- the PL condition ---------------------------------------------------------------------
def test_pl_one_step_inequality_and_unrolled_rate():
    _, g2, L, eta = PL_SYMBOLS
    assert pl_one_step_gap_holds(-eta * (1 - L * eta) * g2 / 2)
    assert pl_rate_unrolled_holds(lambda t, eta_, mu, e0: (1 - eta_ * mu) ** t * e0)


def test_pl_rate_on_overparameterised_least_squares():
    J, mu, L = pl_least_squares_run()
    assert mu > 0
    assert pl_rate_bounds_run(lambda eta, mu_: 1 - eta * mu_)
    steps = np.arange(len(J))
    assert np.all(J <= (1 - mu / L) ** steps * J[0] * (1 + 1e-9))
    late = (J[1:] / J[:-1])[J[:-1] > 1e-20 * J[0]][-20:]
    assert np.allclose(late, (1 - mu / L) ** 2, rtol=1e-3)  # the residual's rate, squared


# -- the neural tangent kernel ------------------------------------------------------------
def test_ntk_residual_decays_as_the_matrix_exponential():
    assert ntk_residual_holds(lambda K, r0, t, n: (-K * t / n).exp() * r0)


def _ntk_relative_change(width, seeds=(0, 1)):
    X = np.linspace(-2, 2, 12)[:, None]
    y = np.sin(2 * X)
    changes = []
    for seed in seeds:
        net = Sequential(Dense(1, width, init=1.0, rng=seed), Tanh(),
                         Dense(width, 1, init=1 / np.sqrt(width), rng=seed + 100))
        net[0].b.value[...] = np.random.default_rng(seed + 200).normal(size=width)

        def jacobian(net=net):
            rows = []
            for x in X:
                net.forward(x[None, :])
                net.backward(np.ones((1, 1)))
                scale = [1.0, 1.0, 1 / np.sqrt(width), 1.0]
                pairs = zip(scale, net.parameters(), strict=True)
                rows.append(np.concatenate([c * p.grad.ravel() for c, p in pairs]))
            return np.array(rows)

        D0 = jacobian()
        opts = [SGD([net[0].W, net[0].b, net[2].b], lr=1.0), SGD([net[2].W], lr=1.0 / width)]
        mse = MSE()
        for _ in range(200):
            for opt in opts:
                opt.zero_grad()
            mse.forward(net.forward(X), y)
            net.backward(mse.backward())
            for opt in opts:
                opt.step()
        D1 = jacobian()
        changes.append(np.linalg.norm(D1 @ D1.T - D0 @ D0.T) / np.linalg.norm(D0 @ D0.T))
    return np.mean(changes)


def test_empirical_ntk_moves_less_in_wider_networks():
    narrow, wide = _ntk_relative_change(16), _ntk_relative_change(512)
    assert wide < narrow / np.sqrt(512 / 16)  # at least as fast as 1/sqrt(m)


# -- the saddle -------------------------------------------------------------------------
W1_, W2_, X_, Y_ = sp.symbols("w_1 w_2 x y", real=True)
ELL = sp.Rational(1, 2) * (W2_ * sp.tanh(W1_ * X_) - Y_) ** 2


def test_saddle_hessian_sympy():
    origin = {W1_: 0, W2_: 0}
    grad = sp.Matrix([sp.diff(ELL, W1_), sp.diff(ELL, W2_)])
    assert grad.subs(origin) == sp.zeros(2, 1)
    H0 = sp.hessian(ELL, (W1_, W2_)).subs(origin)
    assert H0 == sp.Matrix([[0, -X_ * Y_], [-X_ * Y_, 0]])
    assert set(H0.eigenvals()) == {X_ * Y_, -X_ * Y_}


def test_valley_hessian_has_rank_one():
    a = sp.Symbol("a", positive=True)
    on_valley = {W1_: a, W2_: Y_ / sp.tanh(a * X_)}
    assert sp.simplify(ELL.subs(on_valley)) == 0
    H = sp.hessian(ELL, (W1_, W2_)).subs(on_valley)
    assert sp.simplify(H.det()) == 0


def _tiny_net_grad(w, x, y):
    net = Sequential(Dense(1, 1, rng=0), Tanh(), Dense(1, 1, rng=0))
    net[0].W.value[...] = w[0]
    net[2].W.value[...] = w[1]
    net[0].b.value[...] = 0.0
    net[2].b.value[...] = 0.0
    mse = MSE()
    mse.forward(net.forward(x[:, None]), y[:, None])
    net.backward(mse.backward())
    return np.array([net[0].W.grad.item(), net[2].W.grad.item()])


def test_saddle_nnlib_gradient_and_hessian():
    x = np.linspace(-1, 1, 9)
    y = np.sin(1.5 * x)
    sympy_grad = sp.lambdify((W1_, W2_, X_, Y_), [sp.diff(ELL, W1_), sp.diff(ELL, W2_)], "numpy")
    rng = np.random.default_rng(0)
    for _ in range(5):
        w = rng.standard_normal(2)
        g_sym = np.array([np.mean(g) for g in sympy_grad(w[0], w[1], x, y)])
        assert relative_error(_tiny_net_grad(w, x, y), g_sym) < 1e-12
    assert np.all(_tiny_net_grad(np.zeros(2), x, y) == 0.0)
    H_fd = np.array([numerical_gradient(lambda w, k=k: _tiny_net_grad(w, x, y)[k], np.zeros(2))
                     for k in range(2)])
    H = reference_saddle_hessian(x, y)
    assert np.max(np.abs(H_fd - H)) < TOL
    c = np.mean(x * y)
    assert np.allclose(np.linalg.eigvalsh(H_fd), [-c, c], atol=TOL)


# -- backprop as dynamic programming ----------------------------------------------------
def test_backprop_equals_sum_over_paths():
    net = Sequential(Dense(3, 4, rng=0), Identity(), Dense(4, 5, rng=1), Identity(),
                     Dense(5, 1, rng=2))
    A, B, C = (net[i].W.value for i in (0, 2, 4))
    path_sum = np.zeros(3)
    for j in range(3):
        for i1, i2 in itertools.product(range(4), range(5)):
            path_sum[j] += C[0, i2] * B[i2, i1] * A[i1, j]
    net.forward(np.ones((1, 3)))
    assert np.allclose(net.backward(np.ones((1, 1)))[0], path_sum, atol=1e-12, rtol=0)


# -- PyTorch ----------------------------------------------------------------------------
def test_saddle_hessian_matches_torch():
    torch = pytest.importorskip("torch")
    x = np.linspace(-1, 1, 9)
    y = np.sin(1.5 * x)
    xt, yt = torch.tensor(x), torch.tensor(y)

    def objective(w):
        return 0.5 * torch.mean((w[1] * torch.tanh(w[0] * xt) - yt) ** 2)

    origin = torch.zeros(2, dtype=torch.float64)
    H_torch = torch.autograd.functional.hessian(objective, origin).numpy()
    assert np.max(np.abs(H_torch - reference_saddle_hessian(x, y))) < 1e-12
