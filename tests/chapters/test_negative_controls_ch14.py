"""Negative controls for chapter 14's headline derivations.

The backward pass of scaled dot-product attention is checked as in the
chapter: SymPy differentiates L = sum(G * softmax(Q K^T / sqrt(d)) V) and the
difference from the stated closed forms must cancel to zero. Fed the classic
wrong forms (no row-sum term, the diagonal softmax Jacobian, no 1/sqrt(d_k),
dS not transposed in dK) it must not. Likewise the variance Var(q.k) =
d_k sigma_q^2 sigma_k^2 by sympy.stats must reject d_k sigma_q sigma_k and 1.
The order-blind ceiling E[max_v c_v] / T of the reversal task must match a
brute-force search, and chance, unweighted bags and other slips must not.
"""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import pytest
import sympy as sp
from sympy.stats import Normal, variance

N = 2  # positions and width
Q = sp.Matrix(N, N, lambda i, j: sp.Symbol(f"q_{i}{j}"))
K = sp.Matrix(N, N, lambda i, j: sp.Symbol(f"k_{i}{j}"))
V = sp.Matrix(N, N, lambda i, j: sp.Symbol(f"v_{i}{j}"))
G = sp.Matrix(N, N, lambda i, j: sp.Symbol(f"g_{i}{j}"))
S = Q * K.T / sp.sqrt(N)
E = S.applyfunc(sp.exp)
P = sp.Matrix(N, N, lambda i, j: E[i, j] / sum(E[i, :]))
LOSS = sum(G.multiply_elementwise(P * V))
# exact evaluation at rational points keeps the comparison fast and exact
POINT = {s: sp.Rational((7 * k) % 11 - 5, 4) for k, s in enumerate([*Q, *K, *V, *G])}


def _closed(*, rule="right", scaled=True, dk_transposed=True):
    dP = G * V.T
    if rule == "right":
        rowsum = [sum(dP[i, j] * P[i, j] for j in range(N)) for i in range(N)]
        dS = sp.Matrix(N, N, lambda i, j: P[i, j] * (dP[i, j] - rowsum[i]))
    elif rule == "no_rowsum":
        dS = P.multiply_elementwise(dP)
    else:  # the diagonal of the softmax Jacobian only
        dS = sp.Matrix(N, N, lambda i, j: P[i, j] * (1 - P[i, j]) * dP[i, j])
    c = 1 / sp.sqrt(N) if scaled else 1
    return dS * K * c, (dS.T if dk_transposed else dS) * Q * c


def matches(closed) -> bool:
    dQ_closed, dK_closed = closed
    for M, stated in ((Q, dQ_closed), (K, dK_closed)):
        derived = M.applyfunc(lambda s: sp.diff(LOSS, s))
        difference = (derived - stated).subs(POINT)
        if any(abs(sp.N(x, 30)) > 1e-25 for x in difference):
            return False
    return True


def test_attention_backward_closed_forms_pass():
    assert matches(_closed())


@pytest.mark.parametrize(
    "wrong",
    [dict(rule="no_rowsum"), dict(rule="diagonal"), dict(scaled=False),
     dict(dk_transposed=False)],
    ids=["no row sum", "diagonal Jacobian", "no 1/sqrt(d_k)", "dS not transposed"],
)
def test_attention_backward_wrong_forms_fail(wrong):
    assert not matches(_closed(**wrong))


sigma_q, sigma_k = sp.symbols("sigma_q sigma_k", positive=True)


def variance_matches(stated, d_k=2) -> bool:
    q = [Normal(f"q{c}", 0, sigma_q) for c in range(d_k)]
    k = [Normal(f"k{c}", 0, sigma_k) for c in range(d_k)]
    dot = sum(a * b for a, b in zip(q, k, strict=True))
    return sp.simplify(variance(dot) - stated) == 0


def test_variance_closed_form_passes():
    assert variance_matches(2 * sigma_q**2 * sigma_k**2)


@pytest.mark.parametrize(
    "wrong", [2 * sigma_q * sigma_k, sigma_q**2 * sigma_k**2, sp.Integer(2)],
    ids=["standard deviations", "no d_k", "sigma = 1 assumed"],
)
def test_variance_wrong_forms_fail(wrong):
    assert not variance_matches(wrong)


# ---------------------------------------------------------------------------------
# eq-attn-pe-shift: shifting the position by k turns each (sin, cos) pair by the
# fixed rotation R(k) = [[cos wk, sin wk], [-sin wk, cos wk]]. The classic wrong
# forms (the rotation with the wrong sign, i.e. R(-k); a t-dependent angle; the
# identity) fail the same SymPy check.
# ---------------------------------------------------------------------------------
_t, _k, _w = sp.symbols("t k omega", real=True)
_PAIR = sp.Matrix([sp.sin(_w * _t), sp.cos(_w * _t)])


def _rotation(angle):
    return sp.Matrix([[sp.cos(angle), sp.sin(angle)], [-sp.sin(angle), sp.cos(angle)]])


def shift_is(stated) -> bool:
    residual = sp.expand_trig(_PAIR.subs(_t, _t + _k) - stated * _PAIR)
    return sp.simplify(residual) == sp.zeros(2, 1)


def test_shift_is_the_rotation():
    assert shift_is(_rotation(_w * _k))


@pytest.mark.parametrize(
    "wrong",
    [_rotation(-_w * _k), _rotation(_w * _k * _t), sp.eye(2)],
    ids=["wrong sign", "angle depends on t", "identity"],
)
def test_shift_wrong_forms_fail(wrong):
    assert not shift_is(wrong)


# ---------------------------------------------------------------------------------
# eq-attn-bag-ceiling: the best accuracy of an order-blind model on reversal is
# E[max_v c_v] / T over multinomial bags. The check is independent of the formula:
# a brute-force search for the best order-blind guess over all s^T sequences,
# grouped by bag. The classic wrong closed forms (chance 1/s; every bag equally
# likely; guessing uniformly among the symbols present; E[max_v c_v] without
# the 1/T) must fail it.
# ---------------------------------------------------------------------------------
def _bags(T, s):
    return [c for c in itertools.product(range(T + 1), repeat=s) if sum(c) == T]


def _n_sequences(c):
    return Fraction(math.factorial(sum(c)), math.prod(math.factorial(x) for x in c))


def _ceiling(T, s):
    return sum(_n_sequences(c) * max(c) for c in _bags(T, s)) / (s**T * T)


def _brute_force(T, s):
    groups = {}
    for seq in itertools.product(range(s), repeat=T):
        groups.setdefault(tuple(sorted(seq)), []).append(seq[::-1])
    hits = sum(
        max(column.count(v) for v in range(s))
        for targets in groups.values()
        for column in map(list, zip(*targets, strict=True))
    )
    return Fraction(hits, s**T * T)


CEILING_CASES = [(3, 2), (4, 3), (5, 3), (6, 4)]


def ceiling_matches(stated) -> bool:
    return all(stated(T, s) == _brute_force(T, s) for T, s in CEILING_CASES)


def test_order_blind_ceiling_passes():
    assert ceiling_matches(_ceiling)


@pytest.mark.parametrize(
    "wrong",
    [
        lambda T, s: Fraction(1, s),
        lambda T, s: Fraction(sum(max(c) for c in _bags(T, s)), len(_bags(T, s)) * T),
        lambda T, s: sum(
            _n_sequences(c) * Fraction(1, sum(x > 0 for x in c)) for c in _bags(T, s)
        ) / s**T,
        lambda T, s: _ceiling(T, s) * T,
    ],
    ids=["chance", "bags equally likely", "uniform among present", "no 1/T"],
)
def test_order_blind_ceiling_wrong_forms_fail(wrong):
    assert not ceiling_matches(wrong)
