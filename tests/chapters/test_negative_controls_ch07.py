"""Negative controls for chapter 7: the classic wrong closed forms fail the chapter's checks.

Each check below is the one the notebook (and ``tests/chapters/test_ch07_regularization.py``)
runs, written as a function of the closed form it is given. The right form passes;
the classic wrong one (the L2 gradient without the factor 1/2 cancelled, dropout
without the 1/(1 - p) rescale, ridge without the factor N, a hard threshold for
the soft one, the shrink factor claimed for Adam, bias^2 + variance without the
noise) must fail, so the check can fail.
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from nnlib.layers import Parameter
from nnlib.optim import SGD, Adam, AdamW

lam, eta = sp.symbols("lambda eta", positive=True)
W = sp.Matrix(2, 3, lambda j, k: sp.Symbol(f"w_{j}{k}"))


def l2_gradient_check(stated) -> bool:
    penalty = lam / 2 * sum(w**2 for w in W)
    derived = W.applyfunc(lambda w: sp.diff(penalty, w))
    return sp.simplify(derived - stated) == sp.zeros(2, 3)


def test_l2_gradient():
    assert l2_gradient_check(lam * W)
    assert not l2_gradient_check(2 * lam * W)  # the factor 2 of d(w^2) kept
    assert not l2_gradient_check(lam / 2 * W)  # lambda/2 conventions mixed


def shrink_check(stated) -> bool:
    G = sp.Matrix(2, 3, lambda j, k: sp.Symbol(f"G_{j}{k}"))
    step = W - eta * (G + lam * W)
    return sp.expand(step - (stated * W - eta * G)) == sp.zeros(2, 3)


def test_shrink_factor():
    assert shrink_check(1 - eta * lam)
    assert not shrink_check(1 + eta * lam)  # wrong sign
    assert not shrink_check(1 - lam)  # the learning rate forgotten


def dropout_expectation_check(scale) -> bool:
    """E[m a * scale] = a for m ~ Bernoulli(1 - p): sympy.stats, as in the chapter."""
    import sympy.stats as st

    p = sp.symbols("p", positive=True)
    a = sp.symbols("a", real=True)
    m = st.Bernoulli("m", 1 - p)
    return sp.simplify(st.E(m * a * scale(p)) - a) == 0


def test_inverted_dropout_rescale():
    assert dropout_expectation_check(lambda p: 1 / (1 - p))
    assert not dropout_expectation_check(lambda p: 1 / p)  # keep/drop mixed up
    assert not dropout_expectation_check(lambda p: 1)  # no rescale


def soft_threshold_check(formula) -> bool:
    """The stated minimiser beats its neighbours on the convex objective."""
    u, z = sp.symbols("u z", real=True)
    F = (u - z) ** 2 / 2 + sp.Abs(u)  # t = 1
    h = sp.Rational(1, 1000)
    for zv in [-3, -1, -sp.Rational(1, 2), 0, sp.Rational(1, 3), 1, 2]:
        u_star = formula(sp.Integer(zv) if isinstance(zv, int) else zv)
        Fz = F.subs(z, zv)
        if not (Fz.subs(u, u_star) <= Fz.subs(u, u_star + h)):
            return False
        if not (Fz.subs(u, u_star) <= Fz.subs(u, u_star - h)):
            return False
    return True


def test_soft_threshold():
    assert soft_threshold_check(lambda z: sp.sign(z) * sp.Max(sp.Abs(z) - 1, 0))
    assert not soft_threshold_check(lambda z: z if abs(z) > 1 else 0)  # hard threshold
    assert not soft_threshold_check(lambda z: sp.Max(z - 1, 0))  # positive z only


def ridge_eigen_check(factor) -> bool:
    rng = np.random.default_rng(3)
    X, y = rng.normal(size=(50, 6)), rng.normal(size=50)
    X[:, 1] = X[:, 0] + 0.1 * X[:, 1]  # correlated features
    N, lam_ = len(y), 0.3
    d, V = np.linalg.eigh(X.T @ X)
    w_hat = np.linalg.lstsq(X, y, rcond=None)[0]
    w_lam = np.linalg.solve(X.T @ X + N * lam_ * np.eye(6), X.T @ y)
    return bool(np.allclose(V.T @ w_lam, factor(d, N, lam_) * (V.T @ w_hat)))


def test_ridge_shrinks_along_eigenvectors():
    assert ridge_eigen_check(lambda d, N, lam_: d / (d + N * lam_))
    assert not ridge_eigen_check(lambda d, N, lam_: d / (d + lam_))  # the N forgotten
    assert not ridge_eigen_check(lambda d, N, lam_: np.full_like(d, 1 / (1 + lam_)))


def _halving(make_opt, lam_, steps=3000):
    w = Parameter(np.array([0.1]), "w")
    opt = make_opt([w], lam_)
    for t in range(1, steps + 1):
        w.grad[...] = 0.0
        opt.step()
        if abs(w.value[0]) <= 0.05:
            return t
    return None


@pytest.mark.parametrize("lam_", [0.1, 1.0])
def test_adam_l2_is_not_geometric_decay(lam_):
    """'Halves in ln2/(eta lambda) steps' holds for AdamW and SGD, not for Adam."""
    eta_ = 3e-3
    claimed = int(np.ceil(np.log(2) / -np.log(1 - eta_ * lam_)))
    assert _halving(lambda ps, lv: AdamW(ps, lr=eta_, weight_decay=lv), lam_) == claimed
    assert _halving(lambda ps, lv: SGD(ps, lr=eta_, weight_decay=lv), lam_) == claimed
    assert _halving(lambda ps, lv: Adam(ps, lr=eta_, weight_decay=lv), lam_) != claimed


def bias_variance_check(stated, S=400, seed=4) -> bool:
    """Measured test error of a linear smoother against a stated closed form."""
    rng = np.random.default_rng(seed)
    sigma, N = 0.3, 25
    x_tr = (np.arange(N) + 0.5) / N
    x_te = np.linspace(0, 1, 100)
    Phi_tr = np.polynomial.legendre.legvander(2 * x_tr - 1, 3)
    Phi_te = np.polynomial.legendre.legvander(2 * x_te - 1, 3)
    H = Phi_te @ np.linalg.solve(Phi_tr.T @ Phi_tr, Phi_tr.T)
    f_tr, f_te = np.sin(2 * np.pi * x_tr), np.sin(2 * np.pi * x_te)
    bias2 = np.mean((H @ f_tr - f_te) ** 2)
    var = sigma**2 * np.mean(np.sum(H**2, axis=1))
    preds = (f_tr + sigma * rng.normal(size=(S, N))) @ H.T
    err = np.mean((f_te + sigma * rng.normal(size=preds.shape) - preds) ** 2, axis=1)
    se = err.std(ddof=1) / np.sqrt(S)
    return abs(err.mean() - stated(bias2, var, sigma**2)) < 3.5 * se


def test_bias_variance_decomposition():
    assert bias_variance_check(lambda b2, v, s2: b2 + v + s2)
    assert not bias_variance_check(lambda b2, v, s2: b2 + v)  # the noise forgotten
    assert not bias_variance_check(lambda b2, v, s2: b2 + s2)  # the variance forgotten


def early_stopping_check(factor) -> bool:
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(40, 5)), rng.normal(size=40)
    N, eta_, t = len(y), 0.05, 30
    d, V = np.linalg.eigh(X.T @ X)
    w_hat = np.linalg.lstsq(X, y, rcond=None)[0]
    w = np.zeros(5)
    for _ in range(t):
        w -= eta_ * X.T @ (X @ w - y) / N
    return bool(np.allclose(V.T @ w, factor(d / N, eta_, t) * (V.T @ w_hat)))


def test_early_stopping_shrink_factor():
    assert early_stopping_check(lambda h, e, t: 1 - (1 - e * h) ** t)
    assert not early_stopping_check(lambda h, e, t: (1 - e * h) ** t)  # the error, not w
    assert not early_stopping_check(lambda h, e, t: 1 - (1 - e * h) ** (t + 1))  # off by one
