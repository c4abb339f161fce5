"""Negative controls for chapter 9: the classic wrong closed forms fail the same checks
that accept the chapter's (tests/chapters/_deep_checks.py)."""

from __future__ import annotations

import pytest
import sympy as sp
from _deep_checks import (
    M_NEXT,
    M_PREV,
    MU_A,
    V_A,
    V_W,
    bn_backward_check,
    init_check,
    relu_second_moment_check,
    residual_jacobian_check,
    variance_check,
)


@pytest.mark.parametrize(
    "wrong",
    [
        3 * V_W * V_A,  # Var(a) where E[a^2] belongs: wrong for non-centred inputs
        V_W * (V_A + MU_A**2),  # the fan-in m is missing
        3 * V_W**2 * (V_A + MU_A**2),  # Var(w) squared
        3 * V_W * (V_A + MU_A),  # mean not squared
    ],
)
def test_wrong_preactivation_variance_fails(wrong):
    assert not variance_check(wrong, 3)


@pytest.mark.parametrize("wrong", [lambda s: s**2, lambda s: s**2 / 4, lambda s: s / 2])
def test_wrong_relu_second_moment_fails(wrong):
    assert not relu_second_moment_check(wrong)


@pytest.mark.parametrize(
    "glorot, he",
    [
        (1 / (M_PREV + M_NEXT), 2 / M_PREV),  # Glorot without the 2
        (2 / (M_PREV + M_NEXT), 2 / M_NEXT),  # He with the fan-out
        (2 / (M_PREV + M_NEXT), 1 / M_PREV),  # He without ReLU's 2
        (1 / M_PREV, 2 / M_PREV),  # Glorot = the forward condition only
    ],
)
def test_wrong_initialisations_fail(glorot, he):
    assert not init_check(glorot, he)


def _naive(i, r, x_hat, std, N):  # statistics treated as constants
    return r[i] / std


def _no_variance_term(i, r, x_hat, std, N):
    return (N * r[i] - sum(r)) / (N * std)


def _no_mean_term(i, r, x_hat, std, N):
    return (N * r[i] - x_hat[i] * sum(a * b for a, b in zip(r, x_hat, strict=True))) / (N * std)


def _unbiased(i, r, x_hat, std, N):  # 1/(N-1) where the biased 1/N belongs
    return (
        (N - 1) * r[i]
        - sum(r)
        + r[i]
        - x_hat[i] * sum(a * b for a, b in zip(r, x_hat, strict=True))
    ) / ((N - 1) * std)


@pytest.mark.parametrize("wrong", [_naive, _no_variance_term, _no_mean_term, _unbiased])
def test_wrong_batchnorm_gradients_fail(wrong):
    assert not bn_backward_check(wrong, N=3)


@pytest.mark.parametrize(
    "wrong",
    [
        lambda W1, W2, pre: W2 * sp.diag(*[1 - sp.tanh(p) ** 2 for p in pre]) * W1,  # no I
        lambda W1, W2, pre: sp.eye(2) + W1 * sp.diag(*[1 - sp.tanh(p) ** 2 for p in pre]) * W2,
        lambda W1, W2, pre: sp.eye(2) + W2 * W1,  # tanh' forgotten
    ],
)
def test_wrong_residual_jacobians_fail(wrong):
    assert not residual_jacobian_check(wrong)
