"""Chapter 4's formulas (ledger rows 4.1-4.9): SymPy derivations, hand-worked numbers,
finite differences and PyTorch, for the claims the chapter makes beyond nnlib's unit tests."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from _helpers import GRAD_TOL

from nnlib import activations as act
from nnlib.gradcheck import numerical_gradient, relative_error
from nnlib.layers import Dense
from nnlib.losses import MSE, BinaryCrossEntropy, CrossEntropy
from nnlib.regularization import l2_penalty

z, y = sp.symbols("z y", real=True)
SIGMA = 1 / (1 + sp.exp(-z))


def test_empirical_risk_is_the_mean_of_per_example_losses():
    """4.1: J is the mean of the per-example losses; its gradient rows are theirs over m."""
    rng = np.random.default_rng(0)
    A, Y = rng.normal(size=(6, 3)), rng.normal(size=(6, 3))
    loss = MSE()
    J = loss.forward(A, Y)
    grad = loss.backward()
    per_example = [MSE().forward(A[i : i + 1], Y[i : i + 1]) for i in range(6)]
    assert J == pytest.approx(np.mean(per_example), rel=1e-14)
    np.testing.assert_allclose(grad, (A - Y) / 6, rtol=1e-14)


def test_mse_hand_worked():
    """4.2-4.3: a = (1, 2), y = (0, 4): L = 2.5, grad (1, -2)."""
    loss = MSE()
    assert loss.forward(np.array([[1.0, 2.0]]), np.array([[0.0, 4.0]])) == 2.5
    np.testing.assert_array_equal(loss.backward(), [[1.0, -2.0]])
    a = sp.Matrix(sp.symbols("a1:4", real=True))
    t = sp.Matrix(sp.symbols("y1:4", real=True))
    mse = sp.Rational(1, 2) * sum((a[j] - t[j]) ** 2 for j in range(3))
    assert sp.Matrix([sp.diff(mse, a_j) for a_j in a]) - (a - t) == sp.zeros(3, 1)


def test_bce_gradient_is_p_minus_y():
    """4.4-4.5, and the stable logit form max(z, 0) - y z + log(1 + e^{-|z|})."""
    p = sp.Symbol("p", positive=True)
    bce = -(y * sp.log(p) + (1 - y) * sp.log(1 - p))
    assert sp.simplify(sp.diff(bce.subs(p, SIGMA), z) - (SIGMA - y)) == 0
    grid = np.linspace(-30, 30, 61)
    for target in (0.0, 1.0):
        loss = BinaryCrossEntropy()
        value = loss.forward(grid, np.full_like(grid, target))
        expected = np.maximum(grid, 0) - target * grid + np.log1p(np.exp(-np.abs(grid)))
        assert value == pytest.approx(expected.mean(), rel=1e-13)
        np.testing.assert_allclose(loss.backward(), (act.sigmoid(grid) - target) / grid.size)


def test_cross_entropy_gradient_is_p_minus_y_k3():
    """4.6-4.7: grad = p sum(y) - y for any y, p - y on the simplex; also via J^T dL/dp."""
    zs = sp.Matrix(sp.symbols("z1:4", real=True))
    ys = sp.Matrix(sp.symbols("y1:4", real=True))
    e = zs.applyfunc(sp.exp)
    p = e / sum(e)
    ce = -sum(ys[k] * sp.log(p[k]) for k in range(3))
    grad = sp.Matrix([sp.diff(ce, z_j) for z_j in zs])
    assert sp.simplify(grad - (p * sum(ys) - ys)) == sp.zeros(3, 1)
    on_simplex = {ys[2]: 1 - ys[0] - ys[1]}
    assert sp.simplify((grad - (p - ys)).subs(on_simplex)) == sp.zeros(3, 1)
    chain = p.jacobian(zs).T * sp.Matrix([-ys[k] / p[k] for k in range(3)])
    assert sp.simplify(chain - grad) == sp.zeros(3, 1)


def test_losses_are_negative_log_likelihoods():
    a, s = sp.symbols("a s", positive=True)
    gauss = sp.exp(-((y - a) ** 2) / (2 * s**2)) / sp.sqrt(2 * sp.pi * s**2)
    nll = sp.expand_log(-sp.log(gauss), force=True)
    assert sp.simplify(nll - ((y - a) ** 2 / (2 * s**2) + sp.log(2 * sp.pi * s**2) / 2)) == 0
    p = sp.Symbol("p", positive=True)
    bernoulli_nll = sp.expand_log(-sp.log(p**y * (1 - p) ** (1 - y)), force=True)
    assert sp.simplify(bernoulli_nll + y * sp.log(p) + (1 - y) * sp.log(1 - p)) == 0
    ps = sp.symbols("p1:4", positive=True)
    ys = sp.symbols("y1:4", real=True)
    cat_nll = sp.expand_log(-sp.log(sp.Mul(*[ps[k] ** ys[k] for k in range(3)])), force=True)
    assert sp.simplify(cat_nll + sum(ys[k] * sp.log(ps[k]) for k in range(3))) == 0


def test_l2_regularised_cost_gradient():
    """4.8-4.9: d/dW [J + lam/2 ||W||_F^2] = dJ/dW + lam W; the bias is not penalised."""
    W = sp.Matrix(2, 3, sp.symbols("w1:7", real=True))
    lam = sp.Symbol("lambda", positive=True)
    penalty = lam / 2 * sum(w**2 for w in W)
    assert W.applyfunc(lambda w: sp.diff(penalty, w)) == lam * W

    rng = np.random.default_rng(2)
    layer, loss, lam_value = Dense(4, 3, rng=rng), MSE(), 0.3
    X, Y = rng.normal(size=(5, 4)), rng.normal(size=(5, 3))

    def cost():
        return loss.forward(layer.forward(X), Y) + lam_value / 2 * np.sum(layer.W.value**2)

    for param in layer.parameters():
        param.grad[...] = 0.0
    J = loss.forward(layer.forward(X), Y)
    layer.backward(loss.backward())
    assert J + l2_penalty(layer.parameters(), lam_value) == pytest.approx(cost(), rel=1e-14)
    assert (
        relative_error(layer.W.grad, numerical_gradient(lambda _: cost(), layer.W.value))
        < GRAD_TOL
    )
    assert (
        relative_error(layer.b.grad, numerical_gradient(lambda _: cost(), layer.b.value))
        < GRAD_TOL
    )


def test_stable_losses_on_large_logits_where_naive_ones_fail():
    z_big = np.array([[1000.0, 0.0, -1000.0]])
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        p_naive = np.exp(z_big) / np.exp(z_big).sum()
        assert not np.isfinite(-np.log(p_naive[0, 0])) and not np.isfinite(-np.log(p_naive[0, 2]))
        assert not np.isfinite(-np.log(1 - 1 / (1 + np.exp(-40.0))))
    assert CrossEntropy().forward(z_big, np.array([0])) == 0.0
    assert CrossEntropy().forward(z_big, np.array([2])) == 2000.0
    assert BinaryCrossEntropy().forward(np.array([40.0]), np.array([0.0])) == pytest.approx(40.0)
    assert BinaryCrossEntropy().forward(np.array([-800.0]), np.array([1.0])) == 800.0
    loss = CrossEntropy()
    loss.forward(z_big, np.array([2]))
    np.testing.assert_allclose(loss.backward(), [[1.0, 0.0, -1.0]], atol=1e-300)


def test_losses_match_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    Z = rng.normal(scale=3.0, size=(6, 4))
    labels = rng.integers(0, 4, size=6)
    T = rng.integers(0, 2, size=(6, 4)).astype(float)
    for ours, theirs, target, torch_target in (
        (CrossEntropy(), torch.nn.CrossEntropyLoss(), labels, torch.tensor(labels)),
        (BinaryCrossEntropy(), torch.nn.BCEWithLogitsLoss(reduction="sum"), T, torch.tensor(T)),
    ):
        value = ours.forward(Z, target)
        grad = ours.backward()
        zt = torch.tensor(Z, requires_grad=True)
        out = theirs(zt, torch_target)
        if isinstance(theirs, torch.nn.BCEWithLogitsLoss):
            out = out / len(Z)  # nnlib: sum over units, mean over the batch
        out.backward()
        assert value == pytest.approx(out.item(), rel=1e-12)
        assert relative_error(grad, zt.grad.numpy()) < 1e-12
