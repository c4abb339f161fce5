"""Chapter 6: the mathematics of gradient descent, momentum and Adam, and nnlib.optim against it.

* GD on a quadratic: iteration matrix I - eta A, eigenvalues 1 - eta lambda_i,
  stability iff eta < 2 / lambda_max (SymPy), and nnlib's SGD converging just
  below and diverging just above the threshold.
* Momentum: v_t = sum mu^(t-k) g_k, limit g / (1 - mu) for a constant gradient.
* Adam: the unrolled first moment, E[m_t] = (1 - beta1^t) E[g] (SymPy and Monte
  Carlo), and the first bias-corrected step = -eta sign(g).
* nnlib.optim.SGD / Adam against the update rules written out inline, and
  against torch.optim where PyTorch is installed.
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from nnlib.layers import Parameter
from nnlib.optim import SGD, Adam


def run(optimizer_factory, grad, theta0, steps):
    theta = Parameter(np.array(theta0, dtype=float), "theta")
    optimizer = optimizer_factory([theta])
    path = [theta.value.copy()]
    for _ in range(steps):
        theta.grad[...] = grad(theta.value)
        optimizer.step()
        path.append(theta.value.copy())
    return np.array(path)


# -- GD stability on a quadratic ---------------------------------------------------------------


def test_iteration_matrix_and_its_eigenvalues():
    eta = sp.symbols("eta", positive=True)
    a11, a12, a22, b1, b2 = sp.symbols("a11 a12 a22 b1 b2", real=True)
    A = sp.Matrix([[a11, a12], [a12, a22]])
    b = sp.Matrix([b1, b2])
    th = sp.Matrix(sp.symbols("t1 t2", real=True))
    f = (th.T * A * th / 2 - b.T * th)[0]
    grad = sp.Matrix([f]).jacobian(th).T
    assert sp.simplify(grad - (A * th - b)) == sp.zeros(2, 1)
    star = A.inv() * b
    e_next = th - eta * grad - star
    assert sp.simplify(e_next - (sp.eye(2) - eta * A) * (th - star)) == sp.zeros(2, 1)
    eig_M = list((sp.eye(2) - eta * A).eigenvals())
    for lam in A.eigenvals():
        assert any(sp.simplify(mu - (1 - eta * lam)) == 0 for mu in eig_M)


def test_stability_inequality():
    eta, lam = sp.symbols("eta lambda", positive=True)
    assert sp.solve_univariate_inequality(sp.Abs(1 - eta * lam) < 1, eta) == (eta < 2 / lam)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_gd_converges_below_and_diverges_above_threshold(seed):
    rng = np.random.default_rng(seed)
    B = rng.normal(size=(4, 4))
    A = B @ B.T + 0.5 * np.eye(4)
    eta_max = 2.0 / np.linalg.eigvalsh(A).max()
    theta0 = rng.normal(size=4)
    below = run(lambda p: SGD(p, lr=0.97 * eta_max), lambda t: A @ t, theta0, 2000)
    above = run(lambda p: SGD(p, lr=1.03 * eta_max), lambda t: A @ t, theta0, 2000)
    assert np.linalg.norm(below[-1]) < 1e-3 * np.linalg.norm(theta0)
    assert np.linalg.norm(above[-1]) > 1e3 * np.linalg.norm(theta0)


def test_gd_error_follows_the_iteration_matrix():
    A = np.array([[3.0, 1.0], [1.0, 2.0]])
    b = np.array([1.0, -1.0])
    star = np.linalg.solve(A, b)
    eta = 0.2
    path = run(lambda p: SGD(p, lr=eta), lambda t: A @ t - b, [2.0, 3.0], 10)
    M = np.eye(2) - eta * A
    for t in range(10):
        np.testing.assert_allclose(path[t + 1] - star, M @ (path[t] - star),
                                   rtol=1e-12, atol=1e-14)


# -- momentum ---------------------------------------------------------------------------------


def test_momentum_geometric_sum():
    mu, g = sp.symbols("mu g", positive=True)
    t, k = sp.symbols("t k", integer=True, positive=True)
    v = sp.Sum(mu ** (t - k) * g, (k, 1, t)).doit()
    v = v.replace(lambda e: isinstance(e, sp.Piecewise), lambda e: e.args[-1].expr)
    assert sp.simplify(v - g * (1 - mu**t) / (1 - mu)) == 0
    assert sp.limit(v.subs(mu, sp.Rational(9, 10)), t, sp.oo) == 10 * g


def test_momentum_velocity_tends_to_g_over_one_minus_mu():
    g = np.array([0.3, -1.2])
    theta = Parameter(np.zeros(2))
    opt = SGD([theta], lr=0.01, momentum=0.9)
    for _ in range(400):
        theta.grad[...] = g
        opt.step()
    np.testing.assert_allclose(opt.velocity[0], g / (1 - 0.9), rtol=1e-12)


def test_sgd_matches_inline_updates_with_momentum_and_weight_decay():
    rng = np.random.default_rng(3)
    A = np.diag([1.0, 10.0, 3.0])
    lr, mu, wd = 0.05, 0.8, 0.1
    theta_ref, v_ref = np.array([1.0, -1.0, 2.0]), np.zeros(3)
    theta = Parameter(theta_ref.copy())
    opt = SGD([theta], lr=lr, momentum=mu, weight_decay=wd)
    for _ in range(30):
        noise = rng.normal(size=3)
        g = A @ theta_ref + noise
        v_ref = mu * v_ref + g + wd * theta_ref
        theta_ref = theta_ref - lr * v_ref
        theta.grad[...] = A @ theta.value + noise
        opt.step()
    np.testing.assert_allclose(theta.value, theta_ref, rtol=1e-12, atol=1e-14)


# -- Adam ------------------------------------------------------------------------------------


def test_adam_unrolled_first_moment_and_bias_identity():
    b1 = sp.symbols("beta_1", positive=True)
    gs = sp.symbols("g1:7")
    m = 0
    for t in range(1, 7):
        m = b1 * m + (1 - b1) * gs[t - 1]
        unrolled = (1 - b1) * sum(b1 ** (t - k) * gs[k - 1] for k in range(1, t + 1))
        assert sp.expand(m - unrolled) == 0
    t, k = sp.symbols("t k", integer=True, positive=True)
    Eg = sp.symbols("Eg")
    E_m = sp.Sum((1 - b1) * b1 ** (t - k) * Eg, (k, 1, t)).doit()
    assert sp.simplify(E_m - (1 - b1**t) * Eg) == 0


def test_adam_bias_identity_monte_carlo():
    rng = np.random.default_rng(4)
    b1, b2, T, n = 0.9, 0.999, 12, 200_000
    g = 1.5 + rng.normal(size=(T, n))  # stationary: E[g] = 1.5, E[g^2] = 3.25
    m = np.zeros(n)
    v = np.zeros(n)
    for t in range(1, T + 1):
        m = b1 * m + (1 - b1) * g[t - 1]
        v = b2 * v + (1 - b2) * g[t - 1] ** 2
        assert abs(m.mean() - (1 - b1**t) * 1.5) < 5e-3
        assert abs(v.mean() - (1 - b2**t) * 3.25) < 5e-4
        assert abs((m / (1 - b1**t)).mean() - 1.5) < 2e-2


def test_adam_first_step_is_minus_lr_sign_g():
    theta = Parameter(np.array([1.0, 1.0, 1.0]))
    opt = Adam([theta], lr=0.1, eps=1e-20)  # eps must be > 0; 1e-20 is negligible here
    theta.grad[...] = [1e-6, -3.0, 250.0]
    opt.step()
    np.testing.assert_allclose(theta.value, [0.9, 1.1, 0.9], rtol=1e-12)


def test_adam_matches_inline_updates():
    rng = np.random.default_rng(5)
    lr, b1, b2, eps, wd = 0.01, 0.85, 0.99, 1e-8, 0.05
    theta_ref = rng.normal(size=(2, 3))
    m = np.zeros_like(theta_ref)
    v = np.zeros_like(theta_ref)
    theta = Parameter(theta_ref.copy())
    opt = Adam([theta], lr=lr, betas=(b1, b2), eps=eps, weight_decay=wd)
    for t in range(1, 41):
        noise = rng.normal(size=theta_ref.shape)
        g = np.sin(theta_ref) + noise + wd * theta_ref
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g**2
        theta_ref = theta_ref - lr * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + eps)
        theta.grad[...] = np.sin(theta.value) + noise
        opt.step()
    np.testing.assert_allclose(theta.value, theta_ref, rtol=1e-10, atol=1e-12)


def _least_squares_problem():
    rng = np.random.default_rng(6)
    X, y, w = rng.normal(size=(12, 3)), rng.normal(size=12), rng.normal(size=3)
    per_example = X * (X @ w - y)[:, None]  # row i: the gradient of 1/2 (x_i.w - y_i)^2
    return per_example, per_example.mean(axis=0)


def test_minibatch_gradient_unbiased_and_its_covariance_by_exact_enumeration():
    """All C(12, 3) batches without replacement: mean = full gradient, Cov = (N-B)/(N-1) S/B."""
    import itertools

    per_example, full = _least_squares_problem()
    N, B = len(per_example), 3
    means = np.array([per_example[list(c)].mean(axis=0)
                      for c in itertools.combinations(range(N), B)])
    np.testing.assert_allclose(means.mean(axis=0), full, rtol=1e-12)
    S = np.cov(per_example.T, bias=True)  # population covariance of one example's gradient
    cov = np.cov(means.T, bias=True)
    np.testing.assert_allclose(cov, S / B * (N - B) / (N - 1), rtol=1e-10)
    assert not np.allclose(cov, S / B, rtol=1e-2)  # the with-replacement formula is wrong here


def test_minibatch_gradient_by_simulation_within_standard_errors():
    """Random batches with replacement: the mean is within 4 standard errors, Var ~ 1/B."""
    per_example, full = _least_squares_problem()
    rng = np.random.default_rng(0)
    S = np.cov(per_example.T, bias=True)
    for B in (1, 4):
        draws = per_example[rng.integers(0, 12, size=(20_000, B))].mean(axis=1)
        se = np.sqrt(np.diag(S) / B / len(draws))
        assert np.all(np.abs(draws.mean(axis=0) - full) < 4 * se)
        # trace of the covariance: exact tr(S)/B, estimate within 5 %
        assert abs(np.trace(np.cov(draws.T)) / (np.trace(S) / B) - 1) < 0.05


def test_nesterov_look_ahead_form_equals_nnlib():
    """Sutskever's v = mu v - eta grad(theta + mu v) visits, as theta + mu v, nnlib's iterates."""
    A = np.diag([1.0, 25.0])
    lr, mu, start = 0.02, 0.9, np.array([-4.0, 1.0])
    ours = run(lambda p: SGD(p, lr=lr, momentum=mu, nesterov=True), lambda t: A @ t, start, 40)
    theta, v, looks = start.copy(), np.zeros(2), [start.copy()]
    for _ in range(40):
        v = mu * v - lr * A @ (theta + mu * v)
        theta = theta + v
        looks.append(theta + mu * v)
    np.testing.assert_allclose(ours, np.array(looks), rtol=1e-12, atol=1e-14)
    heavy = run(lambda p: SGD(p, lr=lr, momentum=mu), lambda t: A @ t, start, 40)
    assert np.max(np.abs(heavy - ours)) > 1e-2


def test_constant_step_sgd_noise_floor_matches_the_stationary_variance():
    """theta <- (1 - eta lam) theta - eta sigma xi: variance eta sigma^2 / (lam (2 - eta lam))."""
    lam, eta, sigma = 2.0, 0.3, 1.0
    rng = np.random.default_rng(1)
    theta = np.zeros(4000)
    for _ in range(200):  # 200 steps: (1 - eta lam)^400 is far below 1e-12, stationary
        theta = (1 - eta * lam) * theta - eta * sigma * rng.standard_normal(theta.shape)
    exact = eta * sigma**2 / (lam * (2 - eta * lam))
    se = exact * np.sqrt(2 / len(theta))  # standard error of a Gaussian variance estimate
    assert abs(theta.var() - exact) < 4 * se
    assert abs(theta.var() - eta * sigma**2 / (2 * lam)) > 4 * se  # the small-eta approximation


# -- PyTorch ------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["sgd", "momentum", "adam"])
def test_optimizers_agree_with_torch(kind):
    torch = pytest.importorskip("torch")
    A = np.array([[3.0, 0.5], [0.5, 1.0]])
    theta0 = np.array([1.0, -2.0])
    make = {
        "sgd": (lambda p: SGD(p, lr=0.1, weight_decay=0.01),
                lambda p: torch.optim.SGD(p, lr=0.1, weight_decay=0.01)),
        "momentum": (lambda p: SGD(p, lr=0.05, momentum=0.9, weight_decay=0.01),
                     lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9, weight_decay=0.01)),
        "adam": (lambda p: Adam(p, lr=0.05, betas=(0.8, 0.99), weight_decay=0.01),
                 lambda p: torch.optim.Adam(p, lr=0.05, betas=(0.8, 0.99), weight_decay=0.01)),
    }[kind]
    ours = run(make[0], lambda t: A @ t, theta0, 50)
    tt = torch.tensor(theta0, dtype=torch.float64, requires_grad=True)
    A_t = torch.tensor(A)
    opt = make[1]([tt])
    for _ in range(50):
        opt.zero_grad()
        (0.5 * tt @ A_t @ tt).backward()
        opt.step()
    np.testing.assert_allclose(ours[-1], tt.detach().numpy(), rtol=1e-9, atol=1e-12)
