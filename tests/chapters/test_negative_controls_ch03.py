"""Negative controls for chapter 3: the chapter's checks, fed the classic wrong closed form, fail.

Each test runs the same SymPy derivation the notebook runs and asserts that the
right closed form passes *and* a classic wrong one does not, so the check has
the power to catch the mistake.
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from nnlib import activations as act

z = sp.Symbol("z", real=True)
sigma = 1 / (1 + sp.exp(-z))


def _matches(derived: sp.Expr, stated: sp.Expr) -> bool:
    return sp.simplify(derived - stated) == 0


def test_sigmoid_derivative_control():
    derived = sp.diff(sigma, z)
    assert _matches(derived, sigma * (1 - sigma))
    for wrong in (sigma * (1 + sigma), sigma * (sigma - 1), 1 - sigma**2, sigma):
        assert not _matches(derived, wrong), wrong


def test_tanh_derivative_control():
    derived = sp.diff(sp.tanh(z), z)
    assert _matches(derived, 1 - sp.tanh(z) ** 2)
    assert not _matches(derived, 1 + sp.tanh(z) ** 2)
    assert not _matches(derived, sp.tanh(z) * (1 - sp.tanh(z)))  # the sigmoid pattern


def _softmax_jacobian_sympy(K: int = 3):
    zs = sp.symbols(f"z1:{K + 1}", real=True)
    e = [sp.exp(v) for v in zs]
    p = sp.Matrix([ei / sum(e) for ei in e])
    return p, p.jacobian(zs), zs


def test_softmax_jacobian_control():
    p, J, zs = _softmax_jacobian_sympy()
    K = len(zs)
    assert sp.simplify(J - (sp.diag(*p) - p * p.T)) == sp.zeros(K, K)
    wrong_forms = {
        "plus sign": sp.diag(*p) + p * p.T,
        "diagonal only": sp.diag(*[pk * (1 - pk) for pk in p]),
        "missing diag(p)": -p * p.T,
    }
    for label, wrong in wrong_forms.items():
        assert sp.simplify(J - wrong) != sp.zeros(K, K), label


def test_softmax_jacobian_is_hessian_of_lse_control():
    _p, J, zs = _softmax_jacobian_sympy()
    lse = sp.log(sum(sp.exp(v) for v in zs))
    assert sp.simplify(sp.hessian(lse, zs) - J) == sp.zeros(len(zs), len(zs))
    # the Hessian of sum(exp) (forgetting the log) is not J
    assert sp.simplify(sp.hessian(sp.exp(lse), zs) - J) != sp.zeros(len(zs), len(zs))


def _chain(w: float, L: int = 30) -> np.ndarray:
    a, prod, out = 1.0, 1.0, []
    for _ in range(L):
        zl = w * a
        prod *= w * act.sigmoid_grad(zl)
        a = act.sigmoid(zl)
        out.append(abs(prod))
    return np.array(out)


def test_depth_product_below_bound_control():
    depths = np.arange(1, 31)
    values = _chain(1.0)
    assert np.all(values <= 0.25**depths)  # the corrected claim: below 4^-L
    assert not np.all(values >= 0.25**depths)  # the erratum's "above the bound" fails


def test_large_weights_control():
    # the erratum "large |w| does not rescue it" is false for w = -5.8
    assert _chain(-5.8)[-1] > 1e6 * _chain(1.0)[-1]
    # and true for large positive w
    assert _chain(4.0)[-1] < _chain(1.0)[-1]


def test_layer_jacobian_order_control():
    # diag(sigma'(z)) W has the shape of da^l/da^{l-1}; W diag(sigma'(z)) does not
    rng = np.random.default_rng(0)
    W = rng.normal(size=(2, 3))
    a = rng.normal(size=3)
    D = np.diag(act.sigmoid_grad(W @ a))
    eps = 1e-6
    fd = np.stack(
        [
            (act.sigmoid(W @ (a + eps * e)) - act.sigmoid(W @ (a - eps * e))) / (2 * eps)
            for e in np.eye(3)
        ],
        axis=1,
    )
    assert np.allclose(D @ W, fd, atol=1e-8)
    try:
        W @ D
    except ValueError:
        pass
    else:  # pragma: no cover
        raise AssertionError("W diag(sigma') should not even have matching dimensions")


def test_smooth_rectifier_derivatives_control():
    """GELU' = Phi + z phi and SiLU' = sigma (1 + z (1 - sigma)); the classic short forms fail."""
    z = sp.symbols("z", real=True)
    Phi = (1 + sp.erf(z / sp.sqrt(2))) / 2
    phi = sp.exp(-(z**2) / 2) / sp.sqrt(2 * sp.pi)
    sig = 1 / (1 + sp.exp(-z))
    assert sp.simplify(sp.diff(z * Phi, z) - (Phi + z * phi)) == 0
    assert sp.simplify(sp.diff(z * Phi, z) - Phi) != 0  # the product rule forgotten
    assert sp.simplify(sp.diff(z * sig, z) - sig * (1 + z * (1 - sig))) == 0
    assert sp.simplify(sp.diff(z * sig, z) - sig * (1 - sig)) != 0  # sigma' alone
    assert sp.simplify(sp.diff(sp.log(1 + sp.exp(z)), z) - sig) == 0
    assert sp.simplify(sp.diff(sp.log(1 + sp.exp(z)), z) - sig * (1 - sig)) != 0
