"""nnlib.symbolic: the SymPy side and the lambdify checker."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from nnlib import activations as act
from nnlib import symbolic
from nnlib.losses import MSE, CrossEntropy
from nnlib.network import mlp

z = sp.Symbol("z", real=True)


def test_vector_symbols():
    assert [str(s) for s in symbolic.vector("z", 3)] == ["z1", "z2", "z3"]
    assert all(s.is_real for s in symbolic.vector("w", 2))


def test_book_formulas_hold_symbolically():
    s = symbolic.sigmoid(z)
    assert sp.simplify(sp.diff(s, z) - s * (1 - s)) == 0
    assert sp.simplify(sp.diff(symbolic.tanh(z), z) - (1 - sp.tanh(z) ** 2)) == 0
    assert sp.diff(symbolic.relu(z), z).subs(z, 2) == 1
    assert sp.diff(symbolic.relu(z), z).subs(z, -2) == 0
    assert sp.diff(symbolic.leaky_relu(z), z).subs(z, -2) == sp.Rational(1, 100)
    zs = symbolic.vector("z", 3)
    p = symbolic.softmax(zs)
    assert sp.simplify(sum(p)) == 1
    J = symbolic.softmax_jacobian(zs)
    for k in range(3):
        for j in range(3):
            expected = p[k] * (1 - p[k]) if j == k else -p[k] * p[j]
            assert sp.simplify(J[k, j] - expected) == 0


def test_softmax_jacobian_accepts_int():
    assert symbolic.softmax_jacobian(2).shape == (2, 2)
    assert symbolic.softmax_jacobian(2).free_symbols == set(symbolic.vector("z", 2))


def test_compare_with_sympy_detects_differences():
    assert symbolic.compare_with_sympy(sp.sin(z), [z], lambda v: np.sin(v[0])) < 1e-15
    assert symbolic.compare_with_sympy(sp.sin(z), [z], lambda v: 1.01 * np.sin(v[0])) > 5e-3
    with pytest.raises(ValueError, match="values"):
        symbolic.compare_with_sympy(sp.Matrix([z, z]), [z], lambda v: v)


def test_compare_with_sympy_is_reproducible_and_takes_points():
    f = sp.exp(z) * sp.cos(z)
    approx = lambda v: np.exp(v[0]) * np.cos(v[0]) * (1 + 1e-9 * v[0])  # noqa: E731
    assert symbolic.compare_with_sympy(f, [z], approx) == symbolic.compare_with_sympy(
        f, [z], approx
    )
    seen = []
    symbolic.compare_with_sympy(
        f, [z], lambda v: seen.append(v[0]) or 0.0, points=np.array([[0.5], [1.5]])
    )
    assert seen == [0.5, 1.5]


def test_losses_match_nnlib():
    a, y = symbolic.vector("a", 2), symbolic.vector("y", 2)
    assert (
        symbolic.compare_with_sympy(
            symbolic.mse(a, y), a + y, lambda v: MSE().forward(v[:2][None], v[2:][None])
        )
        < 1e-14
    )
    zs = symbolic.vector("z", 3)
    L = symbolic.cross_entropy(zs, [0, 0, 1])
    assert (
        symbolic.compare_with_sympy(
            L, zs, lambda v: CrossEntropy().forward(v[None], np.array([2]))
        )
        < 1e-13
    )
    assert (
        symbolic.compare_with_sympy(
            symbolic.cross_entropy(symbolic.softmax(zs), [0, 1, 0], from_logits=False),
            zs,
            lambda v: -np.log(act.softmax(v)[1]),
        )
        < 1e-12
    )


def test_symbolic_network_structure_and_values():
    net_sym = symbolic.symbolic_mlp([2, 3, 1], activation="relu")
    assert [W.shape for W in net_sym.W] == [(3, 2), (1, 3)]
    assert [b.shape for b in net_sym.b] == [(3, 1), (1, 1)]
    assert len(net_sym.params) == 3 * 2 + 3 + 3 + 1
    assert str(net_sym.W[0][1, 0]) == "W1_21"
    net = mlp([2, 3, 1], rng=0)
    subs = net_sym.substitutions(net)
    x = np.array([0.3, -0.8])
    subs.update(dict(zip(net_sym.x, x, strict=True)))
    assert float(net_sym.output[0].subs(subs)) == pytest.approx(float(net.forward(x[None])[0, 0]))
    with pytest.raises(ValueError, match="parameter arrays"):
        net_sym.substitutions(mlp([2, 3, 3, 1], rng=0))
    with pytest.raises(ValueError, match="activation"):
        symbolic.symbolic_mlp([2, 1], activation="swish")
    assert str(symbolic.symbolic_mlp([12, 1]).W[0][0, 10]) == "W1_1_11"  # unambiguous names
