"""Negative controls for chapter 1: each headline check, fed the classic wrong closed form, fails.

The same SymPy derivation as the notebook's; the right closed form must pass
and the classic wrong one must not, so the check is shown to have power.
"""

from __future__ import annotations

import numpy as np
import sympy as sp


def test_quadratic_form_gradient_control():
    x = sp.Matrix(sp.symbols("x1:3"))
    A = sp.Matrix(2, 2, sp.symbols("a1:5"))  # not symmetric
    derived = sp.Matrix([sp.diff((x.T * A * x)[0], xi) for xi in x])
    assert sp.expand(derived - (A + A.T) * x) == sp.zeros(2, 1)
    for wrong in (2 * A * x, 2 * A.T * x, (A + A.T) * x / 2):
        assert sp.expand(derived - wrong) != sp.zeros(2, 1)


def test_gaussian_mle_variance_control():
    n = 4
    ys = sp.symbols(f"y1:{n + 1}", real=True)
    mu = sp.Symbol("mu", real=True)
    s2 = sp.Symbol("s2", positive=True)
    LL = -sp.Rational(n, 2) * sp.log(2 * sp.pi * s2) - sum((y - mu) ** 2 for y in ys) / (2 * s2)
    mu_hat = sp.solve(sp.diff(LL, mu), mu)[0]
    s2_hat = sp.solve(sp.diff(LL, s2).subs(mu, mu_hat), s2)[0]
    mean = sum(ys) / n
    right = sum((y - mean) ** 2 for y in ys) / n
    assert sp.simplify(mu_hat - mean) == 0
    assert sp.simplify(s2_hat - right) == 0
    assert sp.simplify(s2_hat - right * n / (n - 1)) != 0  # the n - 1 estimator fails
    assert sp.simplify(s2_hat - sp.sqrt(right)) != 0  # the standard deviation fails


def test_variance_of_mean_control():
    q = sp.Symbol("q", positive=True)
    n = 3
    E = V = 0
    for bits in np.ndindex(*(2,) * n):
        prob = sp.Mul(*[q**b * (1 - q) ** (1 - b) for b in bits])
        xbar = sp.Rational(sum(bits), n)
        E += prob * xbar
        V += prob * xbar**2
    V -= E**2
    assert sp.simplify(V - q * (1 - q) / n) == 0
    assert sp.simplify(V - q * (1 - q) / n**2) != 0  # Var/n^2 fails
    assert sp.simplify(V - q * (1 - q)) != 0  # no 1/n fails


def test_gd_rate_control():
    # the per-step factor is max |1 - eta lambda_i|; at eta = 0.19 on lambda = (1, 10)
    # it is |1 - 10 eta| = 0.9, not 1 - eta lambda_min = 0.81
    H = np.diag([1.0, 10.0])
    eta = 0.19
    e = np.array([1.0, 1.0])
    for _ in range(200):
        e = e - eta * H @ e
    rate = np.linalg.norm(e) ** (1 / 200)
    assert abs(rate - abs(1 - 10 * eta)) < 1e-3
    assert abs(rate - (1 - eta * 1.0)) > 0.05


def test_eckart_young_optimality_control():
    rng = np.random.default_rng(0)
    A = rng.normal(size=(8, 6))
    U, _s, _ = np.linalg.svd(A, full_matrices=False)
    k = 2

    def err(Q):
        return np.sum((A - Q @ (Q.T @ A)) ** 2)

    tilted = [np.linalg.qr(U[:, :k] + 0.002 * rng.normal(size=(8, k)))[0] for _ in range(200)]
    assert min(err(Q) for Q in tilted) >= err(U[:, :k]) - 1e-12
    # a non-optimal subspace (u_2, u_3) is beaten by one of the tilted near-optima
    assert min(err(Q) for Q in tilted) < err(U[:, 1 : k + 1])
