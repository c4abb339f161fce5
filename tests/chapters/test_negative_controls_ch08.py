"""Negative controls for chapter 8: the classic wrong VJPs fail the same SymPy checks
that the chapter's closed forms pass, and the overwriting sweep fails the fan-out check."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from _ch08_math import (
    cross_entropy_vjp_holds,
    matmul_vjp_holds,
    reverse_sweep,
    tanh_vjp_holds,
    unbroadcast_holds,
)

from nnlib.autograd import Tensor
from nnlib.gradcheck import relative_error


@pytest.mark.parametrize(
    ("dX", "dY"),
    [
        (lambda X, Y, G: G * Y, lambda X, Y, G: X.T * G),  # Y not transposed (shape error)
        (lambda X, Y, G: G * Y.T, lambda X, Y, G: X * G),  # X not transposed
        (lambda X, Y, G: Y.T, lambda X, Y, G: X.T),  # G forgotten
    ],
)
def test_wrong_matmul_vjps_fail(dX, dY):
    assert not matmul_vjp_holds(dX, dY)


def test_tanh_vjp_without_the_derivative_fails():
    assert not tanh_vjp_holds(lambda X, G: G)
    assert not tanh_vjp_holds(lambda X, G: X.applyfunc(sp.tanh).multiply_elementwise(G))


@pytest.mark.parametrize(
    "db",
    [
        lambda G: G,  # no unbroadcast: the shape of Z
        lambda G: sp.ones(1, 2) * G / 2,  # the mean over the batch
        lambda G: G[0, :],  # one row only (the last copy wins)
    ],
)
def test_wrong_unbroadcast_fails(db):
    assert not unbroadcast_holds(db)


@pytest.mark.parametrize(
    "dZ",
    [
        lambda P, E, batch: P - E,  # the 1/B of the mean forgotten
        lambda P, E, batch: (E - P) / batch,  # the sign
        lambda P, E, batch: P / batch,  # the one-hot forgotten
    ],
)
def test_wrong_cross_entropy_vjps_fail(dZ):
    assert not cross_entropy_vjp_holds(dZ)


def test_overwriting_sweep_and_one_use_of_a_shared_weight_fail():
    x0 = 1.3
    x = Tensor(x0, requires_grad=True)
    sin_x = Tensor._make(np.sin(x.value), (x,), lambda g: (g * np.cos(x.value),), "sin")
    f = x * sin_x
    want = np.sin(x0) + x0 * np.cos(x0)
    assert abs(reverse_sweep(f, accumulate=False)[id(x)] - want) > 0.1
    W = Tensor(np.array([[0.5, -0.3], [0.8, 0.2]]), requires_grad=True)
    xv = np.array([0.7, -1.1])
    (W @ (W @ Tensor(xv)).tanh()).sum().backward()
    outer_use_only = np.outer(np.ones(2), np.tanh(W.value @ xv))
    assert relative_error(W.grad, outer_use_only) > 0.1
