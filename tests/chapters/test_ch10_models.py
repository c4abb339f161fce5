"""Chapter 10 (key supervised models): the formulas the chapter derives, checked again.

* Linear regression: SymPy's gradient of the summed objective is X^T(Xw - y)/N; the
  normal equations, gradient descent, nnlib Dense + MSE + SGD and scikit-learn agree.
* Logistic regression: SymPy's gradient and Hessian; nnlib's Dense + BinaryCrossEntropy
  gradient equals X^T(p - y)/N and central finite differences; the Hessian
  X^T diag(p(1-p)) X / N is positive semidefinite and equals finite differences of the
  gradient; the quadratic-form identity behind the convexity proof.
* Softmax classifier: nnlib's gradient equals (P - Y)^T X / N and finite differences;
  for K = 2 it reduces to logistic regression.
* PyTorch agrees, where it is installed.
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from nnbook.exercises.models import reference_logreg_grad, reference_logreg_hessian
from nnlib.data import make_moons, make_regression, one_hot
from nnlib.gradcheck import gradcheck, numerical_gradient, relative_error
from nnlib.layers import Dense
from nnlib.losses import MSE, BinaryCrossEntropy, CrossEntropy
from nnlib.network import Sequential
from nnlib.optim import SGD

TOL = 1e-7


def _with_ones(X):
    return np.column_stack([X, np.ones(len(X))])


# -- linear regression ------------------------------------------------------------------
def test_linreg_gradient_and_hessian_sympy():
    N, d = 3, 2
    X = sp.Matrix(N, d, lambda i, j: sp.Symbol(f"x_{i}{j}", real=True)).row_join(sp.ones(N, 1))
    y = sp.Matrix(N, 1, lambda i, j: sp.Symbol(f"y_{i}", real=True))
    w = sp.Matrix(sp.symbols("w_0 w_1 b", real=True))
    J = sp.Rational(1, N) * sum(sp.Rational(1, 2) * (y[i] - (X[i, :] * w)[0]) ** 2
                                for i in range(N))
    grad = sp.Matrix([sp.diff(J, v) for v in w])
    assert sp.simplify(grad - X.T * (X * w - y) / N) == sp.zeros(3, 1)
    assert sp.simplify(sp.hessian(J, w) - X.T * X / N) == sp.zeros(3, 3)


def test_four_linear_regression_solutions_agree():
    sklearn = pytest.importorskip("sklearn.linear_model")
    X, y = make_regression(150, n_features=3, noise=0.3, rng=5)
    Xa = _with_ones(X)
    w_closed = np.linalg.solve(Xa.T @ Xa, Xa.T @ y)

    eta = 1.0 / np.linalg.eigvalsh(Xa.T @ Xa / len(X)).max()
    layer = Dense(3, 1, rng=2)
    w_gd = np.concatenate([layer.W.value.ravel(), layer.b.value])
    loss, opt = MSE(), SGD(layer.parameters(), lr=eta)
    for _ in range(400):
        w_gd = w_gd - eta * Xa.T @ (Xa @ w_gd - y) / len(X)
        loss.forward(layer.forward(X), y[:, None])
        layer.backward(loss.backward())
        opt.step()
    w_nnlib = np.concatenate([layer.W.value.ravel(), layer.b.value])
    sk = sklearn.LinearRegression().fit(X, y)
    w_sk = np.append(sk.coef_, sk.intercept_)
    for w in (w_gd, w_nnlib, w_sk):
        assert np.max(np.abs(w - w_closed)) < 1e-10
    residual = y - Xa @ w_closed
    assert np.max(np.abs(Xa.T @ residual)) < 1e-10  # normal equations


# -- logistic regression ----------------------------------------------------------------
def test_logreg_gradient_and_hessian_sympy_one_example():
    x1, x2, w1, w2, y = sp.symbols("x_1 x_2 w_1 w_2 y", real=True)
    p = 1 / (1 + sp.exp(-(w1 * x1 + w2 * x2)))
    ell = -(y * sp.log(p) + (1 - y) * sp.log(1 - p))
    pairs = [(w1, x1), (w2, x2)]
    for wj, xj in pairs:
        assert sp.simplify(sp.diff(ell, wj) - (p - y) * xj) == 0
        for wk, xk in pairs:
            assert sp.simplify(sp.diff(ell, wj, wk) - p * (1 - p) * xj * xk) == 0


def test_logreg_quadratic_form_is_a_sum_of_squares():
    N, d = 3, 2
    X = sp.Matrix(N, d, lambda i, j: sp.Symbol(f"x_{i}{j}", real=True))
    p = sp.symbols(f"p_0:{N}", positive=True)
    v = sp.Matrix(sp.symbols(f"v_0:{d}", real=True))
    H = X.T * sp.diag(*[pi * (1 - pi) for pi in p]) * X / N
    squares = sum(p[i] * (1 - p[i]) * (X[i, :] * v)[0] ** 2 for i in range(N)) / N
    assert sp.expand((v.T * H * v)[0] - squares) == 0


def _moons():
    X, y = make_moons(120, noise=0.25, rng=7)
    return X, _with_ones(X), y.astype(float)


def test_logreg_nnlib_gradient_matches_formula_and_finite_differences():
    X, Xa, y = _moons()
    rng = np.random.default_rng(0)
    for _ in range(3):
        w = rng.standard_normal(3)
        layer, bce = Dense(2, 1, rng=0), BinaryCrossEntropy()
        layer.W.value[:] = w[:2]
        layer.b.value[:] = w[2:]
        J = bce.forward(layer.forward(X), y[:, None])
        layer.backward(bce.backward())
        grad_nnlib = np.concatenate([layer.W.grad.ravel(), layer.b.grad])
        assert relative_error(grad_nnlib, reference_logreg_grad(w, Xa, y)) < 1e-12

        def loss(v):
            z = Xa @ v
            return np.mean(np.logaddexp(0.0, z) - y * z)

        assert abs(loss(w) - J) < 1e-12
        assert relative_error(numerical_gradient(loss, w.copy()), grad_nnlib) < TOL


def test_logreg_hessian_psd_and_matches_finite_differences_of_gradient():
    _, Xa, y = _moons()
    rng = np.random.default_rng(1)
    for _ in range(5):
        w = 2 * rng.standard_normal(3)
        H = reference_logreg_hessian(w, Xa)
        fd = np.array([numerical_gradient(lambda v, j=j: reference_logreg_grad(v, Xa, y)[j],
                                          w.copy()) for j in range(3)])
        assert relative_error(H, fd) < TOL
        assert np.allclose(H, H.T)
        assert np.linalg.eigvalsh(H).min() >= -1e-12
        # v^T H v = mean_i p_i (1 - p_i) (v . x_i)^2 for random v
        p = 1 / (1 + np.exp(-(Xa @ w)))
        v = rng.standard_normal(3)
        assert np.isclose(v @ H @ v, np.mean(p * (1 - p) * (Xa @ v) ** 2))


def test_logreg_newton_matches_sklearn():
    linear_model = pytest.importorskip("sklearn.linear_model")
    X, Xa, y = _moons()
    w = np.zeros(3)
    for _ in range(10):
        w = w - np.linalg.solve(reference_logreg_hessian(w, Xa), reference_logreg_grad(w, Xa, y))
    assert np.linalg.norm(reference_logreg_grad(w, Xa, y)) < 1e-10
    sk = linear_model.LogisticRegression(C=np.inf, tol=1e-12, max_iter=10_000)
    sk.fit(X, y.astype(int))
    assert np.max(np.abs(w - np.append(sk.coef_.ravel(), sk.intercept_))) < 1e-4


def _logistic_loss(w, Xa, y):
    z = Xa @ w
    return np.mean(np.logaddexp(0.0, z) - y * z)


def test_pure_newton_diverges_and_damped_newton_converges():
    """Convexity is not enough: from (3, 3, 3) the full Newton step overshoots."""
    _, Xa, y = _moons()
    w = np.array([3.0, 3.0, 3.0])
    J0 = _logistic_loss(w, Xa, y)
    with np.errstate(over="ignore"):
        H, g = reference_logreg_hessian(w, Xa), reference_logreg_grad(w, Xa, y)
        full_step = np.linalg.solve(H, g)
        w_pure = w - full_step
    assert _logistic_loss(w_pure, Xa, y) > 10 * J0  # the full step makes J ten times worse
    losses = [J0]
    for _ in range(30):  # backtracking: halve the step until J decreases
        step = np.linalg.solve(reference_logreg_hessian(w, Xa), reference_logreg_grad(w, Xa, y))
        t = 1.0
        while _logistic_loss(w - t * step, Xa, y) > losses[-1] and t > 1e-8:
            t /= 2
        w = w - t * step
        losses.append(_logistic_loss(w, Xa, y))
    assert np.all(np.diff(losses) <= 1e-15)
    assert np.linalg.norm(reference_logreg_grad(w, Xa, y)) < 1e-9


# -- softmax classifier -----------------------------------------------------------------
def test_softmax_classifier_gradient():
    rng = np.random.default_rng(3)
    X, y = rng.standard_normal((20, 5)), rng.integers(0, 4, 20)
    layer, ce = Dense(5, 4, rng=0), CrossEntropy()
    Z = layer.forward(X)
    ce.forward(Z, y)
    layer.backward(ce.backward())
    P = np.exp(Z - Z.max(axis=1, keepdims=True))
    P /= P.sum(axis=1, keepdims=True)
    assert relative_error(layer.W.grad, (P - one_hot(y, 4)).T @ X / len(X)) < 1e-12
    assert relative_error(layer.b.grad, (P - one_hot(y, 4)).mean(axis=0)) < 1e-12
    assert gradcheck(Sequential(layer), X, y=y, loss=CrossEntropy()) < TOL


def test_two_class_softmax_is_logistic_regression():
    rng = np.random.default_rng(4)
    X, y = rng.standard_normal((30, 3)), rng.integers(0, 2, 30)
    soft = Dense(3, 2, rng=1)
    ce = CrossEntropy().forward(soft.forward(X), y)
    logi = Dense(3, 1, rng=0)
    logi.W.value[:] = soft.W.value[1] - soft.W.value[0]
    logi.b.value[:] = soft.b.value[1] - soft.b.value[0]
    bce = BinaryCrossEntropy().forward(logi.forward(X), y[:, None].astype(float))
    assert abs(ce - bce) < 1e-12


# -- PyTorch ----------------------------------------------------------------------------
def test_logreg_hessian_matches_torch():
    torch = pytest.importorskip("torch")
    _, Xa, y = _moons()
    w = np.array([0.3, -1.2, 0.4])
    Xt, yt = torch.tensor(Xa), torch.tensor(y)

    def objective(v):
        return torch.nn.functional.binary_cross_entropy_with_logits(Xt @ v, yt)

    H_torch = torch.autograd.functional.hessian(objective, torch.tensor(w)).numpy()
    assert relative_error(reference_logreg_hessian(w, Xa), H_torch) < 1e-12
    wt = torch.tensor(w, requires_grad=True)
    objective(wt).backward()
    assert relative_error(reference_logreg_grad(w, Xa, y), wt.grad.numpy()) < 1e-12
