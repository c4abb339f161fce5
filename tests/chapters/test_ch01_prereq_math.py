"""Chapter 1's formulas, re-checked outside the notebook.

SymPy derivations, nnlib and central finite differences must agree (float64,
relative error < 1e-7); see the equation ledger, section 1.
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from nnlib.gradcheck import numerical_gradient, relative_error
from nnlib.layers import Dense, Parameter
from nnlib.losses import MSE
from nnlib.optim import SGD


def test_quadratic_form_gradient_sympy_closed_form_and_finite_differences():
    """eq-prereq-quadform-grad: grad(x^T A x) = (A + A^T) x for a generic 3x3 A."""
    A = sp.Matrix(3, 3, lambda i, j: sp.Symbol(f"a{i}{j}"))
    x = sp.Matrix(sp.symbols("x0:3"))
    f = (x.T * A * x)[0, 0]
    grad = sp.Matrix([sp.diff(f, xi) for xi in x])
    assert sp.expand(grad - (A + A.T) * x) == sp.zeros(3, 1)

    rng = np.random.default_rng(0)
    A_num, x_num = rng.normal(size=(3, 3)), rng.normal(size=3)
    lambdified = sp.lambdify(list(A) + list(x), grad, "numpy")(*A_num.ravel(), *x_num).ravel()
    closed = (A_num + A_num.T) @ x_num
    fd = numerical_gradient(lambda v: v @ A_num @ v, x_num.copy())
    assert relative_error(lambdified, closed) < 1e-12
    assert relative_error(fd, closed) < 1e-7


def test_chain_rule_jacobian_product():
    """eq-prereq-chain: J_{g o h} = J_g(h(x)) J_h(x), also against finite differences."""
    x1, x2, u1, u2, u3 = sp.symbols("x1 x2 u1 u2 u3", real=True)
    h = sp.Matrix([x1 * x2, x1 + x2, x1**2])
    g = sp.Matrix([u1 + u2 * u3, sp.sin(u1)])
    at_h = dict(zip((u1, u2, u3), h, strict=True))
    J_direct = g.subs(at_h).jacobian([x1, x2])
    J_chain = g.jacobian([u1, u2, u3]).subs(at_h) * h.jacobian([x1, x2])
    assert sp.simplify(J_direct - J_chain) == sp.zeros(2, 2)

    point = np.array([0.3, -1.2])
    J_num = np.array(J_direct.subs({x1: point[0], x2: point[1]}), dtype=float)
    comp = sp.lambdify([x1, x2], g.subs(at_h), "numpy")
    for row in range(2):
        fd = numerical_gradient(lambda v, r=row: float(comp(*v)[r][0]), point.copy())
        assert relative_error(fd, J_num[row]) < 1e-7


def test_gaussian_mle_is_stationary_point_of_loglik():
    """eq-prereq-gauss-mle: the closed form zeroes both partial derivatives."""
    rng = np.random.default_rng(1)
    y = rng.normal(1.0, 2.0, size=50)
    mu_hat, s2_hat = y.mean(), y.var()

    def loglik(theta):
        mu, s2 = theta
        return -y.size / 2 * np.log(2 * np.pi * s2) - np.sum((y - mu) ** 2) / (2 * s2)

    grad = numerical_gradient(loglik, np.array([mu_hat, s2_hat]))
    assert np.max(np.abs(grad)) < 1e-6


def test_nnlib_sgd_matches_gd_error_recursion():
    """eq-prereq-gd-error: theta_t - theta* = (I - eta H)^t (theta_0 - theta*)."""
    H = np.array([[3.0, 1.0], [1.0, 2.0]])
    c = np.array([1.0, -1.0])
    theta_star = np.linalg.solve(H, c)
    theta0, lr = np.array([2.0, 2.0]), 0.2
    theta = Parameter(theta0.copy(), "theta")
    opt = SGD([theta], lr=lr)
    for t in range(1, 31):
        theta.grad[...] = H @ theta.value - c
        opt.step()
        step_matrix = np.linalg.matrix_power(np.eye(2) - lr * H, t)
        expected = theta_star + step_matrix @ (theta0 - theta_star)
        assert np.allclose(theta.value, expected, rtol=0, atol=1e-12)


@pytest.mark.parametrize("lr, converges", [(0.1, True), (0.39, True), (0.41, False)])
def test_gd_stability_limit(lr, converges):
    """eq-prereq-gd-stable: converges iff eta < 2 / lambda_max (here lambda_max = 5)."""
    H = np.diag([1.0, 5.0])
    theta = np.array([1.0, 1.0])
    for _ in range(400):
        theta = theta - lr * (H @ theta)
    assert (np.linalg.norm(theta) < 1e-6) == converges


def test_minibatch_gradient_unbiased_and_variance_exact():
    """eq-prereq-minibatch-unbiased, exactly: enumerate every batch drawn with replacement."""
    rng = np.random.default_rng(2)
    N, size = 6, 2
    X = rng.normal(size=(N, 3))
    y = rng.normal(size=(N, 1))
    layer = Dense(3, 1, rng=rng)
    loss = MSE()
    loss.forward(layer.forward(X), y)
    layer.backward(loss.backward())
    full = layer.W.grad.ravel().copy()

    per_example = []
    for i in range(N):
        loss.forward(layer.forward(X[i : i + 1]), y[i : i + 1])
        layer.backward(loss.backward())
        per_example.append(layer.W.grad.ravel().copy())
    per_example = np.array(per_example)
    assert relative_error(per_example.mean(axis=0), full) < 1e-12

    batches = np.array([(a, b) for a in range(N) for b in range(N)])
    estimates = per_example[batches].mean(axis=1)
    assert relative_error(estimates.mean(axis=0), full) < 1e-12
    Sigma = np.cov(per_example.T, bias=True)
    assert np.allclose(np.cov(estimates.T, bias=True), Sigma / size, rtol=1e-10, atol=1e-14)


def test_eckart_young_error_formula():
    """eq-prereq-eckart-young: ||A - A_k||_F^2 = sum_{i>k} sigma_i^2."""
    rng = np.random.default_rng(3)
    A = rng.normal(size=(9, 6))
    U, s, Vt = np.linalg.svd(A, full_matrices=False)
    for k in range(7):
        A_k = (U[:, :k] * s[:k]) @ Vt[:k]
        assert np.isclose(np.sum((A - A_k) ** 2), np.sum(s[k:] ** 2), rtol=1e-10, atol=1e-12)
