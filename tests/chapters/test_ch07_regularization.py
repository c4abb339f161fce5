"""Chapter 7: the mathematics of regularization, and nnlib's implementation of it.

* L2: the penalty's gradient lambda W (SymPy, finite differences), the shrinkage
  factor (1 - eta lambda), weight_decay == l2_penalty (SGD and Adam), MAP with a
  Gaussian prior gives lambda = sigma^2 / (N tau^2).
* L1: l1_penalty's subgradient, and the soft-threshold as the proximal step
  (SymPy case analysis and brute-force 1-D minimisation).
* Dropout: E[m a / (1 - p)] = a and Var = a^2 p / (1 - p) (sympy.stats and
  simulation of nnlib's Dropout), the gradient through a fixed mask (finite
  differences), evaluation mode, and agreement with PyTorch on a fixed mask.
* Bias-variance: the decomposition by moment expansion, and by simulation.
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
import sympy.stats as st

from nnlib.gradcheck import numerical_gradient
from nnlib.layers import Dropout, Parameter
from nnlib.losses import MSE
from nnlib.network import mlp
from nnlib.optim import SGD, Adam
from nnlib.regularization import l1_penalty, l2_penalty


def soft_threshold(z, t):
    return np.sign(z) * np.maximum(np.abs(z) - t, 0.0)


def rel_err(a, b):
    return np.max(np.abs(a - b)) / max(np.max(np.abs(a)), np.max(np.abs(b)), 1e-300)


# -- L2 ------------------------------------------------------------------------------------


def test_l2_penalty_gradient_and_shrinkage_symbolic():
    lam, eta = sp.symbols("lambda eta", positive=True)
    W = sp.Matrix(2, 3, lambda j, k: sp.Symbol(f"w{j}{k}"))
    G = sp.Matrix(2, 3, lambda j, k: sp.Symbol(f"G{j}{k}"))
    penalty = lam / 2 * sum(w**2 for w in W)
    grad = W.applyfunc(lambda w: sp.diff(penalty, w))
    assert grad == lam * W
    assert sp.expand(W - eta * (G + grad) - ((1 - eta * lam) * W - eta * G)) == sp.zeros(2, 3)


def test_l2_penalty_value_and_gradient_against_finite_differences():
    model = mlp([3, 5, 2], activation="tanh", rng=0)
    lam = 0.3
    for p in model.parameters():
        p.zero_grad()
    value = l2_penalty(model.parameters(), lam)
    weights = [p for p in model.parameters() if p.kind == "weight"]
    assert value == pytest.approx(lam / 2 * sum(np.sum(W.value**2) for W in weights), rel=1e-14)
    for W in weights:
        fd = numerical_gradient(
            lambda _: l2_penalty(model.parameters(), lam, add_grad=False), W.value)
        assert rel_err(W.grad, fd) < 1e-7
        np.testing.assert_allclose(W.grad, lam * W.value, rtol=1e-14)
    assert all(np.all(p.grad == 0) for p in model.parameters() if p.kind == "bias")


def test_l1_penalty_subgradient_against_finite_differences():
    model = mlp([4, 3, 2], activation="tanh", rng=1)
    lam = 0.2
    for p in model.parameters():
        p.zero_grad()
    l1_penalty(model.parameters(), lam)
    for W in (p for p in model.parameters() if p.kind == "weight"):
        assert np.min(np.abs(W.value)) > 1e-3  # differentiable here
        fd = numerical_gradient(
            lambda _: l1_penalty(model.parameters(), lam, add_grad=False), W.value)
        assert rel_err(W.grad, fd) < 1e-7


def test_weight_decay_step_shrinks_by_one_minus_eta_lambda():
    W = Parameter(np.array([[1.0, -2.0], [0.5, 4.0]]))
    W0 = W.value.copy()
    opt = SGD([W], lr=0.1, weight_decay=0.3)
    W.grad[...] = 0.0
    opt.step()
    np.testing.assert_allclose(W.value, (1 - 0.1 * 0.3) * W0, rtol=1e-15)


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
def test_weight_decay_equals_l2_penalty_gradient(optimizer):
    rng = np.random.default_rng(2)
    X, y = rng.normal(size=(10, 3)), rng.normal(size=(10, 2))
    lam = 0.05
    make = {
        "sgd": lambda p, wd: SGD(p, lr=0.1, weight_decay=wd),
        "momentum": lambda p, wd: SGD(p, lr=0.05, momentum=0.9, weight_decay=wd),
        "adam": lambda p, wd: Adam(p, lr=0.01, weight_decay=wd),
    }[optimizer]

    def train(use_weight_decay):
        net = mlp([3, 4, 2], activation="tanh", rng=3)
        loss = MSE()
        opt = make(net.parameters(), lam if use_weight_decay else 0.0)
        for _ in range(8):
            loss.forward(net.forward(X), y)
            net.backward(loss.backward())
            if not use_weight_decay:
                l2_penalty(net.parameters(), lam)
            opt.step()
        return [p.value for p in net.parameters()]

    for a, b in zip(train(True), train(False), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


def test_map_with_gaussian_prior_is_l2():
    w, sigma, tau = sp.symbols("w sigma tau", positive=True)
    xs, ys = sp.symbols("x1:5", real=True), sp.symbols("y1:5", real=True)
    n = len(xs)

    def log_gauss(z, mean, sd):
        return -((z - mean) ** 2) / (2 * sd**2) - sp.log(sp.sqrt(2 * sp.pi) * sd)

    pairs = list(zip(xs, ys, strict=True))
    neg_log_post = -(sum(log_gauss(yi, w * xi, sigma) for xi, yi in pairs) + log_gauss(w, 0, tau))
    J = sum((yi - w * xi) ** 2 / 2 for xi, yi in pairs) / n
    lam = sigma**2 / (n * tau**2)
    lhs = sigma**2 / n * sp.diff(neg_log_post, w)
    assert sp.simplify(lhs - sp.diff(J + lam / 2 * w**2, w)) == 0


# -- L1: soft-threshold ---------------------------------------------------------------------


def test_soft_threshold_case_analysis():
    u, z = sp.symbols("u z", real=True)
    t = sp.symbols("t", positive=True)
    assert sp.solve(sp.diff((u - z) ** 2 / 2 + t * u, u), u) == [z - t]
    assert sp.solve(sp.diff((u - z) ** 2 / 2 - t * u, u), u) == [z + t]


@pytest.mark.parametrize("t", [0.0, 0.3, 1.0, 2.5])
def test_soft_threshold_against_brute_force_minimisation(t):
    """argmin_u 1/2 (u - z)^2 + t |u| by a grid search refined twice around its best point."""
    for z in np.linspace(-4, 4, 41):
        def objective(u, z=z):
            return 0.5 * (u - z) ** 2 + t * np.abs(u)

        grid = np.linspace(-6, 6, 12_001)
        for _ in range(3):
            best = grid[np.argmin(objective(grid))]
            width = grid[1] - grid[0]
            grid = np.linspace(best - 2 * width, best + 2 * width, 4001)
        best = grid[np.argmin(objective(grid))]
        # a flat minimum is resolved only to about sqrt(machine epsilon)
        assert abs(best - soft_threshold(z, t)) < 1e-6
        assert objective(soft_threshold(z, t)) <= objective(best) + 1e-14


def test_ista_satisfies_the_lasso_optimality_conditions():
    rng = np.random.default_rng(4)
    X = rng.normal(size=(40, 8))
    y = X @ np.array([1.5, 0, 0, -2.0, 0, 0, 0.5, 0]) + 0.1 * rng.normal(size=40)
    lam = 0.1
    L = np.linalg.eigvalsh(X.T @ X / 40).max()
    w = np.zeros(8)
    for _ in range(5000):
        w = soft_threshold(w - X.T @ (X @ w - y) / 40 / L, lam / L)
    grad = X.T @ (X @ w - y) / 40
    active = w != 0
    np.testing.assert_allclose(grad[active], -lam * np.sign(w[active]), atol=1e-10)
    assert np.all(np.abs(grad[~active]) <= lam + 1e-10)
    assert np.sum(~active) >= 3  # sparse


# -- dropout --------------------------------------------------------------------------------


def test_inverted_dropout_expectation_and_variance_symbolic():
    p = sp.symbols("p", positive=True)
    a = sp.symbols("a", real=True)
    m = st.Bernoulli("m", 1 - p)
    assert sp.simplify(st.E(m * a / (1 - p)) - a) == 0
    assert sp.simplify(st.variance(m * a / (1 - p)) - a**2 * p / (1 - p)) == 0
    assert sp.simplify(st.E(m * a) - (1 - p) * a) == 0  # standard dropout: scale by q at test time


@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_nnlib_dropout_preserves_the_mean(p):
    drop = Dropout(p, rng=0)
    a = np.array([1.0, -2.0, 0.5, 3.0])
    out = drop.forward(np.tile(a, (200_000, 1)))
    se = np.abs(a) * np.sqrt(p / (1 - p) / 200_000)
    assert np.all(np.abs(out.mean(axis=0) - a) < 5 * se)
    assert abs((out == 0).mean() - p) < 5e-3
    np.testing.assert_allclose(np.unique(out[:, 0]), [0.0, 1.0 / (1 - p)])
    np.testing.assert_allclose(out.var(axis=0), a**2 * p / (1 - p), rtol=0.03)


def test_nnlib_dropout_eval_mode_is_identity():
    drop = Dropout(0.5, rng=0).eval()
    a = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(drop.forward(a), a)
    np.testing.assert_array_equal(drop.backward(np.ones((2, 3))), np.ones((2, 3)))


def test_nnlib_dropout_gradient_through_fixed_mask():
    rng = np.random.default_rng(5)
    p = 0.3
    drop = Dropout(p, rng=1)
    a, G = rng.normal(size=(6, 5)), rng.normal(size=(6, 5))
    keep = rng.random((6, 5)) >= p
    drop.forward(a, mask=keep)
    analytic = drop.backward(G)
    fd = numerical_gradient(lambda x: np.sum(G * drop.forward(x, mask=keep)), a.copy())
    assert rel_err(analytic, fd) < 1e-7
    np.testing.assert_allclose(analytic, keep * G / (1 - p), rtol=1e-15)


def test_nnlib_dropout_agrees_with_torch_on_a_fixed_mask():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(6)
    p = 0.4
    a, G = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    keep = rng.random((4, 3)) >= p
    drop = Dropout(p, rng=0)
    ours = drop.forward(a, mask=keep)
    ours_grad = drop.backward(G)
    # torch.nn.functional.dropout draws its own mask; reproduce inverted dropout with ours
    at = torch.tensor(a, requires_grad=True)
    out = at * torch.tensor(keep, dtype=torch.float64) / (1 - p)
    out.backward(torch.tensor(G))
    np.testing.assert_allclose(ours, out.detach().numpy(), rtol=1e-15)
    np.testing.assert_allclose(ours_grad, at.grad.numpy(), rtol=1e-15)
    # and torch's own dropout produces the same two output values, 0 and 1/(1-p)
    torch.manual_seed(0)
    ones = torch.ones(100_000, dtype=torch.float64)
    sample = torch.nn.functional.dropout(ones, p=p, training=True)
    np.testing.assert_allclose(np.unique(sample.numpy()), [0.0, 1.0 / (1 - p)])


# -- bias-variance ---------------------------------------------------------------------------


def test_bias_variance_decomposition_by_moments():
    f, fbar, s2, v, eps, d = sp.symbols("f fbar s2 v eps d", real=True)
    moments = {eps: {0: 1, 1: 0, 2: s2}, d: {0: 1, 1: 0, 2: v}}
    expr = sp.expand((f + eps - fbar - d) ** 2)
    E = sum(c * moments[eps][i] * moments[d][j] for (i, j), c in sp.Poly(expr, eps, d).terms())
    assert sp.simplify(E - ((f - fbar) ** 2 + v + s2)) == 0


def test_bias_variance_decomposition_by_simulation():
    """Simulated test error against the closed-form bias^2 + variance + noise.

    The fit is a linear smoother, predictions H y, so bias^2 = mean((H f - f)^2) and
    variance = sigma^2 mean(sum_i H_xi^2) exactly; the simulation never uses them.
    (Comparing with the plug-in bias^2 and variance of the same simulation would hold
    by algebra and could not fail.)
    """
    rng = np.random.default_rng(7)
    sigma, N, S = 0.3, 20, 3000
    x_tr = (np.arange(N) + 0.5) / N
    x_te = np.linspace(0, 1, 50)
    Phi_tr = np.vander(x_tr, 4)
    Phi_te = np.vander(x_te, 4)
    f = np.sin(2 * np.pi * x_tr), np.sin(2 * np.pi * x_te)
    H = Phi_te @ np.linalg.solve(Phi_tr.T @ Phi_tr, Phi_tr.T)
    bias2 = np.mean((H @ f[0] - f[1]) ** 2)
    var = sigma**2 * np.mean(np.sum(H**2, axis=1))
    Y = f[0] + sigma * rng.normal(size=(S, N))
    W = np.linalg.lstsq(Phi_tr, Y.T, rcond=None)[0]  # one fit per training set
    preds = (Phi_te @ W).T
    err = np.mean((f[1] + sigma * rng.normal(size=preds.shape) - preds) ** 2, axis=1)
    se = err.std(ddof=1) / np.sqrt(S)
    assert abs(bias2 + var + sigma**2 - err.mean()) < 3.5 * se
    assert abs(bias2 + sigma**2 - err.mean()) > 3.5 * se  # without the variance: fails
