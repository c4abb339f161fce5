"""Self-checks for the exercises of chapter 6, "Gradient descent and its variants".

Each checker runs the reader's function on a few inputs and compares it with an
independent reference written out from the chapter's equations.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from nnbook.exercises import CheckResult, check_function

__all__ = ["check_adam_step", "check_max_stable_lr", "check_momentum_step"]


def _reference_momentum_step(theta, v, g, lr, mu):
    v_new = mu * v + g  # v_t = mu v_{t-1} + g_t
    return theta - lr * v_new, v_new  # theta_{t+1} = theta_t - eta v_t


def _reference_adam_step(theta, m, v, g, t, lr, beta1, beta2, eps):
    m_new = beta1 * m + (1.0 - beta1) * g
    v_new = beta2 * v + (1.0 - beta2) * g * g
    m_hat = m_new / (1.0 - beta1**t)
    v_hat = v_new / (1.0 - beta2**t)
    return theta - lr * m_hat / (np.sqrt(v_hat) + eps), m_new, v_new


def _reference_max_stable_lr(A):
    return 2.0 / np.max(np.linalg.eigvalsh(np.asarray(A, dtype=float)))


def _as_tuple(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn a returned list into a tuple so the comparison treats it item by item."""

    def wrapped(*args):
        out = func(*args)
        return tuple(out) if isinstance(out, list) else out

    wrapped.__name__ = getattr(func, "__name__", "your function")
    return wrapped


def check_momentum_step(momentum_step: Callable[..., Any]) -> CheckResult:
    """Check ``momentum_step(theta, v, g, lr, mu) -> (theta_new, v_new)``."""
    rng = np.random.default_rng(6)
    cases = [
        (np.array([1.0, -2.0]), np.zeros(2), np.array([0.5, 0.25]), 0.1, 0.9),
        (np.array([1.0, -2.0]), np.array([1.0, 1.0]), np.array([0.5, 0.25]), 0.1, 0.9),
        (rng.normal(size=(3, 2)), rng.normal(size=(3, 2)), rng.normal(size=(3, 2)), 0.05, 0.5),
        (rng.normal(size=4), rng.normal(size=4), rng.normal(size=4), 0.3, 0.0),
    ]
    return check_function(
        _as_tuple(momentum_step),
        _reference_momentum_step,
        cases,
        name="momentum_step",
        hint="update v first (v = mu*v + g), then step theta with the NEW v; return (theta, v)",
    )


def check_adam_step(adam_step: Callable[..., Any]) -> CheckResult:
    """Check ``adam_step(theta, m, v, g, t, lr, beta1, beta2, eps) -> (theta, m, v)``."""
    rng = np.random.default_rng(7)
    cases = [
        (np.array([1.0, -2.0]), np.zeros(2), np.zeros(2), np.array([0.5, -4.0]),
         1, 0.1, 0.9, 0.999, 1e-8),
        (rng.normal(size=3), 0.1 * rng.normal(size=3), 0.01 * rng.random(3), rng.normal(size=3),
         3, 0.01, 0.9, 0.999, 1e-8),
        (rng.normal(size=(2, 2)), 0.1 * rng.normal(size=(2, 2)), 0.1 * rng.random((2, 2)),
         rng.normal(size=(2, 2)), 10, 0.001, 0.8, 0.99, 1e-6),
    ]
    return check_function(
        _as_tuple(adam_step),
        _reference_adam_step,
        cases,
        name="adam_step",
        hint=(
            "return the UNcorrected m and v; use m/(1-beta1**t) and v/(1-beta2**t) "
            "only for the step"
        ),
    )


def check_max_stable_lr(max_stable_lr: Callable[..., Any]) -> CheckResult:
    """Check ``max_stable_lr(A) -> 2 / lambda_max(A)``."""
    rng = np.random.default_rng(8)
    B = rng.normal(size=(4, 4))
    cases = [
        np.diag([1.0, 25.0]),
        np.array([[3.0, 1.0], [1.0, 3.0]]),
        B @ B.T + 0.1 * np.eye(4),
    ]
    return check_function(
        max_stable_lr,
        _reference_max_stable_lr,
        cases,
        name="max_stable_lr",
        hint="the threshold is 2 / (largest eigenvalue of A), not of the diagonal entries",
    )
