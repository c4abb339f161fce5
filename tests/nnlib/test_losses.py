"""nnlib.losses: values and gradients against SymPy and finite differences; stability."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import sympy as sp
from _helpers import GRAD_TOL, labels_and_onehot, rng

from nnlib import activations as act
from nnlib import symbolic
from nnlib.gradcheck import numerical_gradient, relative_error
from nnlib.losses import MSE, BinaryCrossEntropy, CrossEntropy


def loss_and_grad(loss, pred, target):
    value = loss.forward(pred, target)
    return value, loss.backward()


def check_fd(loss, pred, target):
    _, analytic = loss_and_grad(loss, pred, target)
    numeric = numerical_gradient(lambda p: loss.forward(p, target), pred.copy())
    return relative_error(analytic, numeric)


# -- MSE --------------------------------------------------------------------------------
def test_mse_value_and_gradient_by_formula():
    a = np.array([[1.0, 2.0], [0.0, -1.0], [3.0, 3.0]])
    y = np.array([[0.0, 2.0], [1.0, 1.0], [3.0, 0.0]])
    value, grad = loss_and_grad(MSE(), a, y)
    # per example 1/2 sum_j (a_j - y_j)^2: 0.5, 2.5, 4.5 -> mean 2.5
    assert value == pytest.approx(2.5)
    np.testing.assert_allclose(grad, (a - y) / 3)


def test_mse_matches_sympy_per_example():
    K = 3
    a, y = symbolic.vector("a", K), symbolic.vector("y", K)
    L = symbolic.mse(a, y)
    grad = sp.Matrix([sp.diff(L, aj) for aj in a])

    def nnlib_grad(v):
        loss = MSE()
        loss.forward(v[:K].reshape(1, K), v[K:].reshape(1, K))
        return loss.backward()  # batch of 1: gradient of the single example

    assert symbolic.compare_with_sympy(L, a + y, lambda v: MSE()(v[:K][None], v[K:][None])) < 1e-14
    assert symbolic.compare_with_sympy(grad, a + y, nnlib_grad) < 1e-14


def test_mse_finite_differences_and_shapes():
    pred = rng(1).standard_normal((7, 3))
    target = rng(2).standard_normal((7, 3))
    assert check_fd(MSE(), pred, target) < GRAD_TOL
    # (batch,) targets for a (batch, 1) prediction are accepted, gradient keeps pred's shape
    p1 = rng(3).standard_normal((5, 1))
    t1 = rng(4).standard_normal(5)
    value, grad = loss_and_grad(MSE(), p1, t1)
    assert grad.shape == (5, 1)
    assert value == pytest.approx(MSE().forward(p1[:, 0], t1))


# -- binary cross-entropy ---------------------------------------------------------------
def test_bce_matches_sympy_from_logits_and_probs():
    zsym, ysym = sp.symbols("z y", real=True)
    L_logit = symbolic.binary_cross_entropy(zsym, ysym, from_logits=True)
    dL_dz = sp.diff(L_logit, zsym)
    assert sp.simplify(dL_dz - (symbolic.sigmoid(zsym) - ysym)) == 0  # book: dL/dz = p - y

    def value(v, from_logits):
        return BinaryCrossEntropy(from_logits).forward(v[:1], v[1:])

    def grad(v, from_logits):
        loss = BinaryCrossEntropy(from_logits)
        loss.forward(v[:1], v[1:])
        return loss.backward()

    pts = np.column_stack([rng(5).uniform(-6, 6, 30), rng(6).uniform(0, 1, 30)])
    assert (
        symbolic.compare_with_sympy(L_logit, [zsym, ysym], lambda v: value(v, True), points=pts)
        < 1e-13
    )
    assert (
        symbolic.compare_with_sympy(dL_dz, [zsym, ysym], lambda v: grad(v, True), points=pts)
        < 1e-13
    )

    psym = sp.Symbol("p", positive=True)
    L_prob = symbolic.binary_cross_entropy(psym, ysym)
    dL_dp = sp.diff(L_prob, psym)
    pts = np.column_stack([rng(7).uniform(0.01, 0.99, 30), rng(8).uniform(0, 1, 30)])
    assert (
        symbolic.compare_with_sympy(L_prob, [psym, ysym], lambda v: value(v, False), points=pts)
        < 1e-13
    )
    assert (
        symbolic.compare_with_sympy(dL_dp, [psym, ysym], lambda v: grad(v, False), points=pts)
        < 1e-12
    )


@pytest.mark.parametrize("shape", [(8,), (8, 1), (8, 3)])
def test_bce_finite_differences(shape):
    z = rng(9).standard_normal(shape) * 2
    y = (rng(10).random(shape) < 0.5).astype(float)
    assert check_fd(BinaryCrossEntropy(), z, y) < GRAD_TOL
    p = act.sigmoid(z)
    assert check_fd(BinaryCrossEntropy(from_logits=False), p, y) < GRAD_TOL


def test_bce_logits_equal_probabilities():
    z = rng(11).standard_normal(10)
    y = (rng(12).random(10) < 0.5).astype(float)
    assert BinaryCrossEntropy().forward(z, y) == pytest.approx(
        BinaryCrossEntropy(from_logits=False).forward(act.sigmoid(z), y), rel=1e-12
    )


# -- categorical cross-entropy ----------------------------------------------------------
def test_cross_entropy_matches_sympy():
    K = 3
    zs, ys = symbolic.vector("z", K), symbolic.vector("y", K)
    L = symbolic.cross_entropy(zs, ys)
    grad = sp.Matrix([sp.diff(L, zk) for zk in zs])
    # the book's result: dL/dz = p - y for a one-hot y (sum_k y_k = 1)
    p = symbolic.softmax(zs)
    one_hot = {ys[0]: 0, ys[1]: 1, ys[2]: 0}
    assert sp.simplify((grad - (p - sp.Matrix(ys))).subs(one_hot)) == sp.zeros(K, 1)

    def value(v):
        return CrossEntropy().forward(v[:K][None], v[K:][None])

    def nnlib_grad(v):
        loss = CrossEntropy()
        loss.forward(v[:K][None], v[K:][None])
        return loss.backward()

    pts = np.column_stack([rng(13).uniform(-4, 4, (30, K)), rng(14).uniform(0, 1, (30, K))])
    assert symbolic.compare_with_sympy(L, zs + ys, value, points=pts) < 1e-13
    assert symbolic.compare_with_sympy(grad, zs + ys, nnlib_grad, points=pts) < 1e-13


def test_cross_entropy_labels_equal_one_hot():
    Z = rng(15).standard_normal((9, 4)) * 3
    y, Y = labels_and_onehot(9, 4, seed=16)
    v1, g1 = loss_and_grad(CrossEntropy(), Z, y)
    v2, g2 = loss_and_grad(CrossEntropy(), Z, Y)
    assert v1 == pytest.approx(v2, rel=1e-14)
    np.testing.assert_allclose(g1, g2, rtol=1e-14, atol=1e-17)
    np.testing.assert_allclose(g1, (act.softmax(Z) - Y) / 9, atol=1e-16)


def test_cross_entropy_finite_differences():
    Z = rng(17).standard_normal((6, 5)) * 2
    y, Y = labels_and_onehot(6, 5, seed=18)
    assert check_fd(CrossEntropy(), Z, y) < GRAD_TOL
    assert check_fd(CrossEntropy(), Z, Y) < GRAD_TOL
    soft = act.softmax(rng(19).standard_normal((6, 5)))  # probability targets
    assert check_fd(CrossEntropy(), Z, soft) < GRAD_TOL
    # probabilities: -log p has large higher derivatives for small p, so keep p moderate
    P = act.softmax(Z / 4)
    assert check_fd(CrossEntropy(from_logits=False), P, y) < GRAD_TOL
    assert CrossEntropy(from_logits=False).forward(P, y) == pytest.approx(
        CrossEntropy().forward(Z / 4, y), rel=1e-12
    )


def test_backward_returns_fresh_arrays():
    loss = CrossEntropy()
    loss.forward(np.zeros((2, 3)), np.array([0, 1]))
    g = loss.backward()
    g[:] = 99.0
    assert np.all(loss.backward() != 99.0)


# -- stability --------------------------------------------------------------------------
@pytest.mark.parametrize("big", [1e4, -1e4])
def test_huge_logits_finite_without_warnings(big):
    Z = np.array([[big, -big, 0.0], [-big, -big, big], [big, big, big]])
    y = np.array([1, 0, 2])
    z1 = np.array([big, -big, big, -big])
    y1 = np.array([0.0, 1.0, 1.0, 0.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for loss, pred, target in [
            (CrossEntropy(), Z, y),
            (BinaryCrossEntropy(), z1, y1),
            (BinaryCrossEntropy(from_logits=False), act.sigmoid(z1), y1),
            (CrossEntropy(from_logits=False), act.softmax(Z), y),
        ]:
            value, grad = loss_and_grad(loss, pred, target)
            assert np.isfinite(value), loss
            assert np.all(np.isfinite(grad)), loss
    # a confidently wrong prediction costs about |logit gap|, not inf
    value = CrossEntropy().forward(np.array([[1e4, -1e4]]), np.array([1]))
    assert value == pytest.approx(2e4)
    assert BinaryCrossEntropy().forward(np.array([1e4]), np.array([0.0])) == pytest.approx(1e4)


def test_repr():
    assert repr(MSE()) == "MSE()"
    assert repr(CrossEntropy()) == "CrossEntropy(from_logits=True)"
    assert repr(BinaryCrossEntropy(from_logits=False)) == "BinaryCrossEntropy(from_logits=False)"
