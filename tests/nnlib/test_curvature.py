"""nnlib.curvature: Hessian-vector products and the full Hessian against SymPy and
PyTorch on a tiny network, Lanczos against numpy.linalg.eigvalsh, bad input."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from _helpers import requires_torch

from nnlib.curvature import (
    flat_gradient,
    hessian,
    hessian_vector_product,
    lanczos,
    top_hessian_eigenvalues,
)
from nnlib.gradcheck import relative_error
from nnlib.layers import Dense, Tanh
from nnlib.losses import MSE, CrossEntropy
from nnlib.network import Sequential, mlp


def tiny(seed=0):
    """Dense(2, 2) - tanh - Dense(2, 1) with MSE on 3 examples: P = 9 parameters."""
    rng = np.random.default_rng(seed)
    model = Sequential(Dense(2, 2, rng=rng), Tanh(), Dense(2, 1, rng=rng))
    for p in model.parameters():
        p.value[...] = rng.standard_normal(p.shape)
    X = rng.standard_normal((3, 2))
    y = rng.standard_normal((3, 1))
    return model, X, y


def sympy_hessian(model, X, y):
    """Exact Hessian of the mean of 1/2 (a - y)^2 for the tiny net, by SymPy."""
    W1 = sp.Matrix(2, 2, lambda i, j: sp.Symbol(f"W1_{i}{j}", real=True))
    b1 = sp.Matrix(2, 1, lambda i, j: sp.Symbol(f"b1_{i}", real=True))
    W2 = sp.Matrix(1, 2, lambda i, j: sp.Symbol(f"W2_{j}", real=True))
    b2 = sp.Symbol("b2", real=True)
    theta = [*W1, *b1, *W2, b2]  # row-major, the order of model.parameters()
    J = 0
    for n in range(X.shape[0]):
        a1 = (W1 * sp.Matrix(X[n]) + b1).applyfunc(sp.tanh)
        out = (W2 * a1)[0] + b2
        J += sp.Rational(1, 2) * (out - y[n, 0]) ** 2
    J = J / X.shape[0]
    H = sp.hessian(J, theta)
    values = np.concatenate([p.value.reshape(-1) for p in model.parameters()])
    return np.array(sp.lambdify(theta, H, "numpy")(*values), dtype=float)


def test_full_hessian_matches_sympy():
    model, X, y = tiny()
    H = hessian(model, MSE(), X, y)
    H_exact = sympy_hessian(model, X, y)
    assert H.shape == (9, 9)
    assert relative_error(H, H_exact) < 1e-7
    np.testing.assert_array_equal(H, H.T)


def test_hvp_matches_exact_hessian_times_v():
    model, X, y = tiny(1)
    H_exact = sympy_hessian(model, X, y)
    v = np.random.default_rng(2).standard_normal(9) * 3.0
    assert relative_error(hessian_vector_product(model, MSE(), X, y, v), H_exact @ v) < 1e-7
    np.testing.assert_array_equal(hessian_vector_product(model, MSE(), X, y, np.zeros(9)), 0.0)


def test_parameters_are_restored_bit_for_bit():
    model, X, y = tiny(3)
    before = [p.value.copy() for p in model.parameters()]
    hessian_vector_product(model, MSE(), X, y, np.ones(9))
    for p, b in zip(model.parameters(), before, strict=True):
        np.testing.assert_array_equal(p.value, b)


def test_flat_gradient_order_and_value():
    model, X, y = tiny(4)
    g = flat_gradient(model, MSE(), X, y)
    assert g.shape == (model.n_params,)
    np.testing.assert_array_equal(g[:4], model.layers[0].W.grad.reshape(-1))
    np.testing.assert_array_equal(g[-1:], model.layers[2].b.grad)


@requires_torch
def test_hessian_matches_torch_on_a_classifier():
    import torch

    rng = np.random.default_rng(5)
    model = mlp([3, 4, 3], activation="tanh", rng=rng)
    X = rng.standard_normal((6, 3))
    y = rng.integers(0, 3, size=6)
    H = hessian(model, CrossEntropy(), X, y)
    shapes = [p.shape for p in model.parameters()]
    theta0 = torch.from_numpy(np.concatenate([p.value.reshape(-1) for p in model.parameters()]))
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)

    def loss_of(theta):
        parts, i = [], 0
        for s in shapes:
            n = int(np.prod(s))
            parts.append(theta[i : i + n].reshape(s))
            i += n
        W1, b1, W2, b2 = parts
        logits = torch.tanh(Xt @ W1.T + b1) @ W2.T + b2
        return torch.nn.functional.cross_entropy(logits, yt)

    H_torch = torch.autograd.functional.hessian(loss_of, theta0).numpy()
    assert relative_error(H, H_torch) < 1e-7


# ---------------------------------------------------------------------------------
# Lanczos
# ---------------------------------------------------------------------------------
def test_lanczos_matches_eigvalsh():
    rng = np.random.default_rng(6)
    Q, _ = np.linalg.qr(rng.standard_normal((60, 60)))
    spectrum = np.concatenate([[10.0, 7.0, 5.0], rng.uniform(-1, 1, 57)])
    A = Q @ np.diag(spectrum) @ Q.T
    top = lanczos(lambda v: A @ v, 60, n_iter=30, k=3, rng=0)
    np.testing.assert_allclose(top, [10.0, 7.0, 5.0], rtol=1e-10)
    full = lanczos(lambda v: A @ v, 60, n_iter=60, k=60, rng=1)
    np.testing.assert_allclose(full, np.sort(spectrum)[::-1], atol=1e-9)
    # Ritz values never exceed the true top eigenvalue (interlacing)
    few = lanczos(lambda v: A @ v, 60, n_iter=3, k=1, rng=2)
    assert few[0] <= 10.0 + 1e-12


def test_lanczos_stops_in_an_invariant_subspace():
    A = np.diag([3.0, 3.0, 3.0, 1.0])  # Krylov space of any start has dimension <= 2
    assert lanczos(lambda v: A @ v, 4, n_iter=4, k=1, rng=0)[0] == pytest.approx(3.0, rel=1e-12)


def test_top_hessian_eigenvalues_match_full_hessian():
    rng = np.random.default_rng(7)
    model = mlp([4, 5, 2], activation="tanh", rng=rng)
    X = rng.standard_normal((8, 4))
    y = rng.integers(0, 2, size=8)
    H = hessian(model, CrossEntropy(), X, y)
    expected = np.sort(np.linalg.eigvalsh(H))[::-1][:2]
    got = top_hessian_eigenvalues(model, CrossEntropy(), X, y, k=2, n_iter=model.n_params)
    np.testing.assert_allclose(got, expected, rtol=1e-6)


# ---------------------------------------------------------------------------------
# bad input
# ---------------------------------------------------------------------------------
def test_bad_input_is_a_clear_error():
    model, X, y = tiny()
    with pytest.raises(
        ValueError, match=r"expected v of shape \(9,\) \(model.n_params\), got \(8,\)"
    ):
        hessian_vector_product(model, MSE(), X, y, np.ones(8))
    with pytest.raises(ValueError, match="finite values in v"):
        hessian_vector_product(model, MSE(), X, y, np.full(9, np.nan))
    with pytest.raises(ValueError, match="eps > 0"):
        hessian_vector_product(model, MSE(), X, y, np.ones(9), eps=0.0)
    with pytest.raises(ValueError, match=r"at most max_params=5 parameters.*got 9"):
        hessian(model, MSE(), X, y, max_params=5)
    with pytest.raises(TypeError, match="expected a Layer or Sequential model, got function"):
        flat_gradient(lambda x: x, MSE(), X, y)
    with pytest.raises(ValueError, match="expected a model with parameters"):
        flat_gradient(Tanh(), MSE(), X, y)
    with pytest.raises(ValueError, match=r"expected k <= n_iter"):
        lanczos(lambda v: v, 5, n_iter=2, k=3)
    with pytest.raises(ValueError, match=r"return shape \(5,\)"):
        lanczos(lambda v: v[:2], 5)
