"""The checks of chapter 11's new sections, shared by its tests and its negative controls.

Each ``*_holds(closed_form)`` computes with SymPy (``diff``, ``limit``, ``solve``,
``rsolve``) or with an ``nnlib`` simulation and says whether the closed form the
caller passes agrees: the chapter's form must give True, the classic wrong forms
False.

* Saxe et al. (2014): the mode strength of a two-layer linear network under
  gradient flow, ``u(t) = s e^{2st} / (e^{2st} - 1 + s/u0)``, and its half time.
* The PL theorem: one step of gradient descent contracts ``J - J*`` by ``1 - eta mu``;
  measured on over-parameterised least squares (``Dense(50, 1)``, 20 examples).
* The neural tangent kernel: the residual of a linearised model under gradient flow
  on the mean squared loss, ``r(t) = exp(-K t / n) r(0)`` with ``K = D D^T``.
* Weight matching: the permutation that aligns two networks' hidden units.
"""

from __future__ import annotations

import numpy as np
import sympy as sp
from scipy.optimize import linear_sum_assignment

from nnlib.layers import Dense
from nnlib.losses import MSE
from nnlib.network import Sequential
from nnlib.optim import SGD

T = sp.Symbol("t", nonnegative=True)
S, U0 = sp.symbols("s u_0", positive=True)
SAXE = S * sp.exp(2 * S * T) / (sp.exp(2 * S * T) - 1 + S / U0)


# -- Saxe's plateaus -----------------------------------------------------------------------
def saxe_solves_ode(u) -> bool:
    """``u(t)`` solves du/dt = 2u(s - u) with u(0) = u0 and tends to s."""
    ode = sp.simplify(sp.diff(u, T) - 2 * u * (S - u)) == 0
    start = sp.simplify(u.subs(T, 0) - U0) == 0
    return bool(ode and start and sp.limit(u, T, sp.oo) == S)


def saxe_half_time_holds(t_half) -> bool:
    """``t_half`` is the time at which the closed form reaches s/2."""
    roots = sp.solve(sp.Eq(SAXE, S / 2), T)
    return len(roots) == 1 and sp.simplify(roots[0] - t_half) == 0


def saxe_gd_strengths(s_modes=(3.0, 1.5, 0.75), u0=1e-3, eta=0.005, steps=2000):
    """Mode strengths of nnlib's GD on a 6 -> 8 -> 5 linear network, balanced start.

    Returns ``(t, strengths)``, ``t = eta * step`` of shape ``(steps + 1,)`` and the
    strengths ``u_k^T W2 W1 v_k`` of shape ``(steps + 1, len(s_modes))``.
    """
    rng = np.random.default_rng(0)
    n, d_in, d_hidden, d_out, k = 64, 6, 8, 5, len(s_modes)
    X = rng.standard_normal((n, d_in))
    X -= X.mean(axis=0)
    X = X @ np.linalg.inv(np.linalg.cholesky(X.T @ X / n)).T
    U = np.linalg.qr(rng.standard_normal((d_out, k)))[0]
    V = np.linalg.qr(rng.standard_normal((d_in, k)))[0]
    Y = X @ (U @ np.diag(s_modes) @ V.T).T
    R = np.linalg.qr(rng.standard_normal((d_hidden, k)))[0]
    net = Sequential(Dense(d_in, d_hidden, rng=1), Dense(d_hidden, d_out, rng=2))
    net[0].W.value[...] = np.sqrt(u0) * R @ V.T
    net[1].W.value[...] = np.sqrt(u0) * U @ R.T
    for layer in net:
        layer.b.value[...] = 0.0
    optimizer, mse = SGD(net.parameters(), lr=eta), MSE()
    strengths = []
    for _ in range(steps + 1):
        strengths.append(np.einsum("ik,ij,jk->k", U, net[1].W.value @ net[0].W.value, V))
        optimizer.zero_grad()
        mse.forward(net.forward(X), Y)
        net.backward(mse.backward())
        optimizer.step()
    return eta * np.arange(steps + 1), np.array(strengths)


def saxe_simulation_matches(curve, s_modes=(3.0, 1.5, 0.75), u0=1e-3, tol=0.03) -> bool:
    """nnlib's GD follows ``curve(t, s, u0)`` to within ``tol * s`` for every mode."""
    t, strengths = saxe_gd_strengths(s_modes, u0)
    s = np.asarray(s_modes)
    predicted = curve(t[:, None], s, u0)
    return bool(np.all(np.max(np.abs(strengths - predicted), axis=0) < tol * s))


def saxe_curve(t, s, u0):
    return s * np.exp(2 * s * t) / (np.exp(2 * s * t) - 1 + s / u0)


# -- the PL theorem ------------------------------------------------------------------------
def pl_one_step_gap_holds(gap) -> bool:
    """``gap`` = (descent-lemma bound) - (J - eta |g|^2 / 2), as SymPy computes it.

    Use the symbols of :data:`PL_SYMBOLS` (``J_t, g^2, L, eta``, positive).
    """
    J, g2, L, eta = PL_SYMBOLS
    descent = J - eta * g2 + L * eta**2 / 2 * g2
    return sp.simplify(descent - (J - eta / 2 * g2) - gap) == 0


PL_SYMBOLS = sp.symbols("J_t g^2 L eta", positive=True)


def pl_rate_unrolled_holds(closed_form) -> bool:
    """``closed_form(t)`` solves e_{t+1} = (1 - eta mu) e_t, e_0 given (by rsolve)."""
    eta, mu, e0 = sp.symbols("eta mu e_0", positive=True)
    t = sp.Symbol("t", integer=True, nonnegative=True)
    e = sp.Function("e")
    solved = sp.rsolve(e(t + 1) - (1 - eta * mu) * e(t), e(t), {e(0): e0})
    return sp.simplify(solved - closed_form(t, eta, mu, e0)) == 0


def pl_least_squares_run(steps=400):
    """GD with eta = 1/L on J = |X w + b - y|^2 / (2n), n = 20 < P = 51.

    Returns ``(J, mu, L)``: the losses ``J_t`` (J* = 0), the PL constant
    ``lambda_min(D D^T) / n`` and the smoothness ``lambda_max(D^T D) / n``.
    """
    rng = np.random.default_rng(0)
    n, d = 20, 50
    X, y = rng.standard_normal((n, d)), rng.standard_normal((n, 1))
    D = np.hstack([X, np.ones((n, 1))])
    mu = np.linalg.eigvalsh(D @ D.T)[0] / n
    L = np.linalg.eigvalsh(D.T @ D)[-1] / n
    model, mse = Dense(d, 1, rng=0), MSE()
    optimizer = SGD(model.parameters(), lr=1 / L)
    losses = []
    for _ in range(steps):
        optimizer.zero_grad()
        losses.append(mse.forward(model.forward(X), y))
        model.backward(mse.backward(), input_grad=False)
        optimizer.step()
    return np.array(losses), mu, L


def pl_rate_bounds_run(rate) -> bool:
    """Every measured step contracts J by at most ``rate(eta, mu)`` (eta = 1/L)."""
    J, mu, L = pl_least_squares_run()
    ratios = (J[1:] / J[:-1])[J[:-1] > 1e-20 * J[0]]
    return bool(np.all(ratios <= rate(1 / L, mu) + 1e-9))


# -- the neural tangent kernel ---------------------------------------------------------------
def ntk_residual_holds(residual_of) -> bool:
    """``residual_of(K, r0, t, n)`` is the linearised model's residual under gradient flow.

    The flow is d theta/dt = -(1/n) D^T r with r = r0 + D (theta - theta0), so
    dr/dt = -(1/n) D D^T r; the candidate must solve it and start at r0.
    """
    D = sp.Matrix([[1, 1, 0], [0, 1, 1]])
    n = 2
    K = D * D.T
    r0 = sp.Matrix(sp.symbols("r_1 r_2", real=True))
    r = residual_of(K, r0, T, n)
    flow = (sp.diff(r, T) + D * D.T * r / n).applyfunc(sp.expand)
    start = (r.subs(T, 0) - r0).applyfunc(sp.expand)
    return flow == sp.zeros(2, 1) and start == sp.zeros(2, 1)


# -- weight matching ---------------------------------------------------------------------------
def weight_matching(theta_a, theta_b, *, maximize=True):
    """The permutation of theta_b's hidden units most similar to theta_a's."""
    W1a, b1a, W2a = theta_a[:3]
    W1b, b1b, W2b = theta_b[:3]
    similarity = W1a @ W1b.T + np.outer(b1a, b1b) + W2a.T @ W2b
    return linear_sum_assignment(similarity, maximize=maximize)[1]
