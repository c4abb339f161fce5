"""Chapter 3's formulas (ledger rows 3.1-3.10): SymPy derivations, hand-worked numbers,
finite differences and PyTorch, for the claims the chapter makes beyond nnlib's unit tests."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from _helpers import GRAD_TOL
from hypothesis import given, settings
from hypothesis import strategies as st

from nnlib import activations as act
from nnlib.gradcheck import numerical_gradient, relative_error

z = sp.Symbol("z", real=True)
SIGMA = 1 / (1 + sp.exp(-z))


def test_sigmoid_derivative_and_its_bound():
    """3.1-3.2: sigma' = sigma (1 - sigma) <= 1/4, with equality only at 0."""
    dsigma = sp.diff(SIGMA, z)
    assert sp.simplify(dsigma - SIGMA * (1 - SIGMA)) == 0
    assert sp.simplify((dsigma - 1 / (4 * sp.cosh(z / 2) ** 2)).rewrite(sp.exp)) == 0
    # |z| <= 20: beyond, s (1 - s) with s = sigma(z) ~ 1 loses relative (not absolute) accuracy
    grid = np.linspace(-20, 20, 4001)
    values = act.sigmoid_grad(grid)
    assert values.max() == pytest.approx(0.25, abs=1e-15)
    assert grid[np.argmax(values)] == pytest.approx(0.0, abs=1e-12)
    assert np.all(values <= np.exp(-np.abs(grid)) * (1 + 1e-6))  # sigma'(z) <= e^{-|z|}


def test_tanh_derivative_and_sigmoid_relation():
    """3.3-3.4: tanh' = 1 - tanh^2 and tanh(z) = 2 sigma(2z) - 1."""
    tanh_def = (sp.exp(z) - sp.exp(-z)) / (sp.exp(z) + sp.exp(-z))
    assert sp.simplify(sp.diff(tanh_def, z) - (1 - tanh_def**2)) == 0
    assert sp.simplify(tanh_def - (2 * SIGMA.subs(z, 2 * z) - 1)) == 0
    grid = np.linspace(-5, 5, 101)
    np.testing.assert_allclose(act.tanh(grid), 2 * act.sigmoid(2 * grid) - 1, atol=1e-15)


def test_relu_and_leaky_relu_derivatives_and_kink_conventions():
    """3.5-3.8 and the subgradient nnlib uses at 0."""
    z_pos, z_neg = sp.Symbol("z", positive=True), sp.Symbol("z", negative=True)
    assert sp.diff(sp.Max(0, z_pos), z_pos) == 1 and sp.diff(sp.Max(0, z_neg), z_neg) == 0
    alpha = sp.Rational(1, 10)
    assert sp.diff(sp.Max(alpha * z_pos, z_pos), z_pos) == 1
    assert sp.diff(sp.Max(alpha * z_neg, z_neg), z_neg) == alpha
    assert act.relu_grad(np.float64(0.0)) == 0.0
    assert act.leaky_relu_grad(np.float64(0.0), alpha=0.1) == pytest.approx(0.1)
    # a central difference straddling the kink measures another subgradient, 1/2
    eps = 1e-6
    assert (act.relu(eps) - act.relu(-eps)) / (2 * eps) == pytest.approx(0.5)


def test_softmax_jacobian_derived_for_k3():
    """3.9-3.10: J = diag(p) - p p^T and the source's case formula."""
    zs = sp.Matrix(sp.symbols("z1:4", real=True))
    e = zs.applyfunc(sp.exp)
    p = e / sum(e)
    J = p.jacobian(zs)
    assert sp.simplify(J - (sp.diag(*p) - p * p.T)) == sp.zeros(3, 3)
    for k in range(3):
        for j in range(3):
            case = p[k] * (1 - p[k]) if j == k else -p[k] * p[j]
            assert sp.simplify(J[k, j] - case) == 0
    c = sp.Symbol("c", real=True)
    shifted = p.subs({zs[k]: zs[k] + c for k in range(3)}, simultaneous=True)
    assert sp.simplify(shifted - p) == sp.zeros(3, 1)


def test_softmax_jacobian_hand_worked():
    """z = (0, ln 2, ln 3): p = (1, 2, 3)/6 and 36 J = [[5,-2,-3],[-2,8,-6],[-3,-6,9]]."""
    J = act.softmax_jacobian(np.log([1.0, 2.0, 3.0]))
    expected = np.array([[5, -2, -3], [-2, 8, -6], [-3, -6, 9]]) / 36
    np.testing.assert_allclose(J, expected, atol=1e-15)
    np.testing.assert_allclose(J.sum(axis=1), 0.0, atol=1e-15)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.floats(-50, 50), min_size=2, max_size=6),
    st.floats(-1e4, 1e4),
)
def test_softmax_shift_invariance_and_psd(logits, shift):
    """softmax(z + c 1) = softmax(z), also for shifts that overflow exp; J is PSD with J 1 = 0."""
    z_np = np.array(logits)
    np.testing.assert_allclose(act.softmax(z_np + shift), act.softmax(z_np), atol=1e-12)
    J = act.softmax_jacobian(z_np)
    assert np.linalg.eigvalsh(J).min() > -1e-12
    np.testing.assert_allclose(J @ np.ones(len(z_np)), 0.0, atol=1e-15)


def test_softmax_jacobian_finite_differences_batch():
    Z = np.random.default_rng(5).normal(scale=3.0, size=(4, 5))
    J = act.softmax_jacobian(Z)
    for row, J_row in zip(Z, J, strict=True):
        fd = np.stack(
            [numerical_gradient(lambda v, k=k: act.softmax(v)[k], row.copy()) for k in range(5)]
        )
        assert relative_error(J_row, fd) < GRAD_TOL


@pytest.mark.parametrize(
    ("f", "df", "bound"),
    [
        (act.sigmoid, act.sigmoid_grad, 0.25),
        (act.tanh, act.tanh_grad, 1.0),
        (act.relu, act.relu_grad, 1.0),
    ],
)
def test_depth_product_is_the_chain_rule(f, df, bound):
    """eq-act-depth-product: d a^L / d a^0 = prod_l w phi'(z^l) (w = 1), at most bound^L."""
    L, x = 4, 1.0  # deep enough to see the product, shallow enough for float64 differences

    def chain(v):
        a = v[0]
        for _ in range(L):
            a = f(a)
        return a

    product, a = 1.0, x
    for _ in range(L):
        product *= df(a)
        a = f(a)
    fd = numerical_gradient(lambda v: chain(v), np.array([x]), eps=1e-5)[0]
    assert product == pytest.approx(fd, rel=1e-7)
    assert abs(product) <= bound**L


def test_softmax_jacobian_matches_torch():
    torch = pytest.importorskip("torch")
    Z = np.random.default_rng(6).normal(scale=2.0, size=(3, 4))
    for row, J in zip(Z, act.softmax_jacobian(Z), strict=True):
        J_torch = torch.autograd.functional.jacobian(
            lambda t: torch.softmax(t, dim=0), torch.tensor(row, dtype=torch.float64)
        ).numpy()
        assert relative_error(J, J_torch) < 1e-12
