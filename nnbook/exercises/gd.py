"""Self-checks for the exercises of chapter 6, "Gradient descent and its variants".

Each checker runs the reader's function on a few inputs and compares it with an
independent reference written out from the chapter's equations. When the answer
is wrong, the checker recomputes the classic wrong answers of the exercise (its
``*_MISTAKES`` catalogue) and names the one the reader's results match: the EMA
convention :math:`(1-\\mu)g` for momentum, Adam without its bias correction, the
diagonal entries instead of the eigenvalues, ... A step that modifies its input
arrays in place fails whatever it returns (the exercises say not to).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from nnbook.exercises import CheckResult
from nnbook.exercises._diagnose import Mistake, check_with_mistakes

__all__ = [
    "ADAM_STEP_MISTAKES",
    "MAX_STABLE_LR_MISTAKES",
    "MOMENTUM_STEP_MISTAKES",
    "NESTEROV_STEP_MISTAKES",
    "check_adam_step",
    "check_max_stable_lr",
    "check_momentum_step",
    "check_nesterov_step",
]


# -- references, written out from the chapter's equations ---------------------------
def _reference_momentum_step(theta, v, g, lr, mu):
    v_new = mu * v + g  # v_t = mu v_{t-1} + g_t
    return theta - lr * v_new, v_new  # theta_t = theta_{t-1} - eta v_t


def _reference_nesterov_step(theta, v, g, lr, mu):
    v_new = mu * v + g  # the same velocity as heavy ball
    return theta - lr * (g + mu * v_new), v_new  # the step looks ahead: g + mu v_t


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


# -- the catalogues of classic wrong answers -----------------------------------------
def _momentum_ema(theta, v, g, lr, mu):
    v_new = mu * v + (1 - mu) * g
    return theta - lr * v_new, v_new


def _momentum_sutskever(theta, v, g, lr, mu):
    v_new = mu * v - lr * g
    return theta + v_new, v_new


def _momentum_old_velocity(theta, v, g, lr, mu):
    return theta - lr * v, mu * v + g


def _momentum_swapped(theta, v, g, lr, mu):
    v_new = mu * v + g
    return v_new, theta - lr * v_new


def _momentum_plain_gd(theta, v, g, lr, mu):
    return theta - lr * g, mu * v + g


MOMENTUM_STEP_MISTAKES = (
    Mistake(_momentum_ema,
            "you used the EMA convention v = mu*v + (1 - mu)*g. This chapter (and "
            "torch.optim.SGD) sums raw gradients: v = mu*v + g; the average form is the "
            "same method only with a learning rate 1/(1 - mu) times larger."),
    Mistake(_momentum_sutskever,
            "this is the form v = mu*v - lr*g, theta = theta + v (Sutskever et al.): its v "
            "is -lr times the chapter's. Return the chapter's v = mu*v + g and step "
            "theta - lr*v."),
    Mistake(_momentum_old_velocity,
            "theta moved with the OLD velocity: update v first, then step with the new "
            "one, theta - lr*(mu*v + g)."),
    Mistake(_momentum_swapped, "the pair is swapped: return (theta_new, v_new), in that order."),
    Mistake(_reference_nesterov_step,
            "this is Nesterov's step theta - lr*(g + mu*v_new); heavy-ball momentum steps "
            "with v_new itself."),
    Mistake(_momentum_plain_gd,
            "theta took a plain gradient step, theta - lr*g: the velocity must move theta."),
)


def _nesterov_returns_lookahead(theta, v, g, lr, mu):
    v_new = mu * v + g
    return theta - lr * (g + mu * v_new), g + mu * v_new


def _nesterov_ema(theta, v, g, lr, mu):
    v_new = mu * v + (1 - mu) * g
    return theta - lr * (g + mu * v_new), v_new


def _nesterov_double(theta, v, g, lr, mu):
    v_new = mu * v + g
    return theta - lr * (v_new + mu * v_new), v_new


NESTEROV_STEP_MISTAKES = (
    Mistake(_reference_momentum_step,
            "this is heavy-ball momentum (theta - lr*v_new); Nesterov's step looks ahead "
            "along the NEW velocity: theta - lr*(g + mu*v_new)."),
    Mistake(_nesterov_returns_lookahead,
            "theta is right, but you returned the look-ahead direction g + mu*v_new as the "
            "velocity; the velocity to store is v_new = mu*v + g."),
    Mistake(_nesterov_ema,
            "you used the EMA convention v = mu*v + (1 - mu)*g; the chapter sums raw "
            "gradients, v = mu*v + g."),
    Mistake(_nesterov_double,
            "the step is (1 + mu)*v_new: the look-ahead adds mu*v_new to the gradient g, "
            "not to v_new."),
)


def _adam_no_correction(theta, m, v, g, t, lr, beta1, beta2, eps):
    m_new = beta1 * m + (1 - beta1) * g
    v_new = beta2 * v + (1 - beta2) * g * g
    return theta - lr * m_new / (np.sqrt(v_new) + eps), m_new, v_new


def _adam_only_m_corrected(theta, m, v, g, t, lr, beta1, beta2, eps):
    m_new = beta1 * m + (1 - beta1) * g
    v_new = beta2 * v + (1 - beta2) * g * g
    return theta - lr * m_new / (1 - beta1**t) / (np.sqrt(v_new) + eps), m_new, v_new


def _adam_stores_corrected(theta, m, v, g, t, lr, beta1, beta2, eps):
    m_hat = (beta1 * m + (1 - beta1) * g) / (1 - beta1**t)
    v_hat = (beta2 * v + (1 - beta2) * g * g) / (1 - beta2**t)
    return theta - lr * m_hat / (np.sqrt(v_hat) + eps), m_hat, v_hat


def _adam_t_plus_one(theta, m, v, g, t, lr, beta1, beta2, eps):
    return _reference_adam_step(theta, m, v, g, t + 1, lr, beta1, beta2, eps)


def _adam_no_sqrt(theta, m, v, g, t, lr, beta1, beta2, eps):
    m_new = beta1 * m + (1 - beta1) * g
    v_new = beta2 * v + (1 - beta2) * g * g
    m_hat, v_hat = m_new / (1 - beta1**t), v_new / (1 - beta2**t)
    return theta - lr * m_hat / (v_hat + eps), m_new, v_new


def _adam_folded(theta, m, v, g, t, lr, beta1, beta2, eps):
    m_new = beta1 * m + (1 - beta1) * g
    v_new = beta2 * v + (1 - beta2) * g * g
    step = lr * np.sqrt(1 - beta2**t) / (1 - beta1**t)
    return theta - step * m_new / (np.sqrt(v_new) + eps), m_new, v_new


ADAM_STEP_MISTAKES = (
    Mistake(_adam_no_correction,
            "Adam without bias correction: the step uses m and v themselves. Divide by "
            "(1 - beta1**t) and (1 - beta2**t) for the step (m_hat, v_hat)."),
    Mistake(_adam_only_m_corrected,
            "only m is bias-corrected; v needs its own correction, v / (1 - beta2**t)."),
    Mistake(_adam_stores_corrected,
            "you returned the CORRECTED moments; return the uncorrected m and v (the next "
            "step would apply the correction again) and use m_hat, v_hat only for the step."),
    Mistake(_adam_t_plus_one,
            "off by one: the corrections use beta**t with the t you were given (t counts "
            "from 1), not beta**(t + 1)."),
    Mistake(_adam_no_sqrt, "the denominator is sqrt(v_hat) + eps; you forgot the square root."),
    Mistake(_adam_folded,
            "this is the folded form lr*sqrt(1 - beta2**t)/(1 - beta1**t) * m/(sqrt(v) + eps): "
            "it equals the exercise's update only with eps replaced by "
            "eps*sqrt(1 - beta2**t); put eps next to sqrt(v_hat)."),
)


def _eigenvalues(A):
    return np.linalg.eigvalsh(np.asarray(A, dtype=float))


MAX_STABLE_LR_MISTAKES = (
    Mistake(lambda A: 1.0 / _eigenvalues(A)[-1],
            "1/lambda_max is where the steep direction is killed in one step, not where GD "
            "stops converging: the error factor 1 - eta*lambda may reach -1, so eta < "
            "2/lambda_max."),
    Mistake(lambda A: 2.0 / _eigenvalues(A)[0],
            "2/lambda_min: the SMALLEST eigenvalue allows the largest step; the steepest "
            "direction (largest eigenvalue) sets the limit."),
    Mistake(lambda A: 2.0 / np.max(np.diag(np.asarray(A, dtype=float))),
            "you used the largest DIAGONAL entry; for a non-diagonal A the curvatures are "
            "its eigenvalues (np.linalg.eigvalsh)."),
    Mistake(lambda A: 2.0 / (_eigenvalues(A)[0] + _eigenvalues(A)[-1]),
            "2/(lambda_min + lambda_max) is the BEST constant step (fastest), not the "
            "largest stable one."),
    Mistake(lambda A: 2.0 / np.max(np.sum(np.abs(np.asarray(A, dtype=float)), axis=1)),
            "2/(largest absolute row sum) is Gershgorin's safe bound, which is smaller than "
            "the supremum 2/lambda_max."),
)


# -- the checkers ---------------------------------------------------------------------
def _velocity_cases() -> list[tuple[Any, ...]]:
    rng = np.random.default_rng(6)
    return [
        (np.array([1.0, -2.0]), np.zeros(2), np.array([0.5, 0.25]), 0.1, 0.9),
        (np.array([1.0, -2.0]), np.array([1.0, 1.0]), np.array([0.5, 0.25]), 0.1, 0.9),
        (rng.normal(size=(3, 2)), rng.normal(size=(3, 2)), rng.normal(size=(3, 2)), 0.05, 0.5),
        (rng.normal(size=4), rng.normal(size=4), rng.normal(size=4), 0.3, 0.0),
    ]


def check_momentum_step(momentum_step: Callable[..., Any]) -> CheckResult:
    """Check ``momentum_step(theta, v, g, lr, mu) -> (theta_new, v_new)``.

    The reference is the chapter's :math:`v_t = \\mu v_{t-1} + g_t`,
    :math:`\\theta_t = \\theta_{t-1} - \\eta v_t`; the inputs must be left unmodified.
    """
    return check_with_mistakes(
        _as_tuple(momentum_step),
        _reference_momentum_step,
        _velocity_cases(),
        mistakes=MOMENTUM_STEP_MISTAKES,
        name="momentum_step",
        hint="v_new = mu*v + g, then theta_new = theta - lr*v_new; return (theta_new, v_new) "
        "as new arrays",
    )


def check_nesterov_step(nesterov_step: Callable[..., Any]) -> CheckResult:
    """Check ``nesterov_step(theta, v, g, lr, mu) -> (theta_new, v_new)``.

    The reference is the chapter's (and PyTorch's) Nesterov update
    :math:`v_t = \\mu v_{t-1} + g_t`, :math:`\\theta_t = \\theta_{t-1} - \\eta(g_t + \\mu v_t)`;
    the inputs must be left unmodified.
    """
    return check_with_mistakes(
        _as_tuple(nesterov_step),
        _reference_nesterov_step,
        _velocity_cases()[:3],  # mu = 0 would make Nesterov and heavy ball the same
        mistakes=NESTEROV_STEP_MISTAKES,
        name="nesterov_step",
        hint="v_new = mu*v + g, then theta_new = theta - lr*(g + mu*v_new)",
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
        # gradients of the size of eps: where the folded form differs
        (np.zeros(2), np.zeros(2), np.zeros(2), np.array([1e-8, -3e-8]),
         1, 0.001, 0.9, 0.999, 1e-8),
    ]
    return check_with_mistakes(
        _as_tuple(adam_step),
        _reference_adam_step,
        cases,
        mistakes=ADAM_STEP_MISTAKES,
        name="adam_step",
        hint="m and v are the uncorrected moving averages; the step is "
        "lr * m_hat / (sqrt(v_hat) + eps) with m_hat = m/(1 - beta1**t), "
        "v_hat = v/(1 - beta2**t)",
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
    return check_with_mistakes(
        max_stable_lr,
        _reference_max_stable_lr,
        cases,
        mistakes=MAX_STABLE_LR_MISTAKES,
        name="max_stable_lr",
        hint="GD converges iff |1 - eta*lambda_i| < 1 for every eigenvalue lambda_i of A",
    )
