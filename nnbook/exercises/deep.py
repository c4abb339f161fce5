"""Self-checks for the exercises of chapter 9, "Initialisation, normalisation and
residual connections".

The references are written here from the chapter's closed forms (not imported
from :mod:`nnlib.layers`), and every checker names the classic mistakes of its
exercise: He with the fan-out, the missing 2 of ReLU, a batch-norm backward
without the mean and variance terms, the unbiased variance, batch statistics
where the running ones belong (forgetting ``eval()``).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from nnbook.exercises import CheckResult
from nnbook.exercises._diagnose import Mistake, check_with_mistakes

__all__ = [
    "BN_BACKWARD_MISTAKES",
    "BN_EVAL_MISTAKES",
    "INIT_STD_MISTAKES",
    "check_bn_backward",
    "check_bn_eval",
    "check_init_std",
]


def _reference_init_std(n_in: int, n_out: int, relu: bool) -> float:
    if relu:
        return float(np.sqrt(2.0 / n_in))  # He: forward condition, fan-in
    return float(np.sqrt(2.0 / (n_in + n_out)))  # Glorot: both conditions


INIT_STD_MISTAKES = (
    Mistake(
        lambda n_in, n_out, act: (
            float(np.sqrt(2.0 / n_out)) if act else _reference_init_std(n_in, n_out, act)
        ),
        "He uses the fan-out m_l: the forward condition m_{l-1} Var(w) = 2 has the "
        "fan-in m_{l-1} = n_in (the fan-out belongs to the backward condition).",
    ),
    Mistake(
        lambda n_in, n_out, act: (
            float(np.sqrt(1.0 / n_in)) if act else _reference_init_std(n_in, n_out, act)
        ),
        "the 2 of ReLU is missing: ReLU keeps only half of E[z^2] "
        "(E[ReLU(z)^2] = Var(z)/2), so He's variance is 2/n_in, not 1/n_in.",
    ),
    Mistake(
        lambda n_in, n_out, act: _reference_init_std(n_in, n_out, act) ** 2,
        "you returned the variance; the exercise asks for the standard deviation "
        "(its square root).",
    ),
    Mistake(
        lambda n_in, n_out, act: float(np.sqrt(2.0 / n_in)),
        "He's 2/n_in is also used for tanh: tanh'(0) = 1 keeps the signal, so "
        "Glorot's 2/(n_in + n_out) applies (He's doubles the variance each layer).",
    ),
    Mistake(
        lambda n_in, n_out, act: (
            float(np.sqrt(1.0 / (n_in + n_out)))
            if not act
            else _reference_init_std(n_in, n_out, act)
        ),
        "Glorot's variance is 2/(n_in + n_out), the harmonic mean of 1/n_in and "
        "1/n_out: the 2 is missing.",
    ),
)


def check_init_std(init_std: Callable[[int, int, bool], float]) -> CheckResult:
    """Check ``init_std(n_in, n_out, relu)``: He's std if ``relu`` is true, Glorot's
    (Xavier's, for tanh) otherwise."""
    cases = [
        (100, 50, True),
        (64, 256, True),
        (100, 50, False),
        (30, 10, False),
        (7, 7, True),
    ]
    return check_with_mistakes(
        init_std,
        reference=_reference_init_std,
        cases=cases,
        mistakes=INIT_STD_MISTAKES,
        name="init_std",
        hint="ReLU: the forward condition n_in Var(w) / 2 = 1; tanh: Var(w) = 2/(n_in + n_out).",
    )


def _bn_parts(X: np.ndarray, eps: float, ddof: int = 0) -> tuple[np.ndarray, np.ndarray]:
    X = np.asarray(X, dtype=float)
    inv_std = 1.0 / np.sqrt(X.var(axis=0, ddof=ddof) + eps)
    return (X - X.mean(axis=0)) * inv_std, inv_std


def _reference_bn_backward(
    X: np.ndarray, dY: np.ndarray, gamma: np.ndarray, eps: float
) -> np.ndarray:
    X_hat, inv_std = _bn_parts(X, eps)
    G = np.asarray(dY, dtype=float) * gamma
    N = X_hat.shape[0]
    return inv_std / N * (N * G - G.sum(axis=0) - X_hat * (G * X_hat).sum(axis=0))


def _bn_backward_unbiased(X, dY, gamma, eps):
    X_hat, inv_std = _bn_parts(X, eps, ddof=1)
    G = np.asarray(dY, dtype=float) * gamma
    N = X_hat.shape[0]
    return inv_std / N * (N * G - G.sum(axis=0) - X_hat * (G * X_hat).sum(axis=0))


BN_BACKWARD_MISTAKES = (
    Mistake(
        lambda X, dY, gamma, eps: dY * gamma * _bn_parts(X, eps)[1],
        "the mean and variance terms are missing: gamma dY / sqrt(var + eps) treats "
        "mu and sigma^2 as constants, but both depend on every X_ij of the column.",
    ),
    Mistake(
        lambda X, dY, gamma, eps: _bn_parts(X, eps)[1] * (dY * gamma - (dY * gamma).mean(axis=0)),
        "the variance term is missing: subtract also xhat_i times the mean of g xhat.",
    ),
    Mistake(
        lambda X, dY, gamma, eps: (
            _bn_parts(X, eps)[1]
            * (
                dY * gamma
                - _bn_parts(X, eps)[0] * (dY * gamma * _bn_parts(X, eps)[0]).mean(axis=0)
            )
        ),
        "the mean term is missing: subtract also the column mean of g = gamma dY.",
    ),
    Mistake(
        _bn_backward_unbiased,
        "the variance is the unbiased one (ddof=1); batch norm normalises with the "
        "biased batch variance 1/N sum (x - mu)^2.",
    ),
    Mistake(
        lambda X, dY, gamma, eps: _reference_bn_backward(X, dY, np.ones_like(gamma), eps),
        "gamma is missing: the gradient flows through y = gamma xhat + beta, so g = gamma dY.",
    ),
)


def check_bn_backward(
    bn_backward: Callable[[np.ndarray, np.ndarray, np.ndarray, float], np.ndarray],
) -> CheckResult:
    """Check ``bn_backward(X, dY, gamma, eps)``: dL/dX of batch norm in training mode,
    for ``X``, ``dY`` of shape ``(N, D)`` and ``gamma`` of shape ``(D,)``."""
    rng = np.random.default_rng(9)
    cases = []
    for N, D in [(3, 1), (4, 2), (8, 3)]:
        X = 2.0 * rng.standard_normal((N, D)) + 1.0
        cases.append((X, rng.standard_normal((N, D)), 1.0 + 0.5 * rng.standard_normal(D), 1e-5))
    return check_with_mistakes(
        bn_backward,
        reference=_reference_bn_backward,
        cases=cases,
        mistakes=BN_BACKWARD_MISTAKES,
        name="bn_backward",
        hint="with g = gamma dY: dX = (N g - sum g - xhat sum(g xhat)) / (N sqrt(var + eps)), "
        "the sums over the batch axis (axis=0).",
    )


def _reference_bn_eval(X, gamma, beta, running_mean, running_var, eps):
    X = np.asarray(X, dtype=float)
    return gamma * (X - running_mean) / np.sqrt(running_var + eps) + beta


BN_EVAL_MISTAKES = (
    Mistake(
        lambda X, gamma, beta, rm, rv, eps: gamma * _bn_parts(X, eps)[0] + beta,
        "this uses the batch's own mean and variance (training mode): in eval() the "
        "running statistics replace them, so a prediction does not depend on the batch.",
    ),
    Mistake(
        lambda X, gamma, beta, rm, rv, eps: gamma * (X - rm) / (rv + eps) + beta,
        "divided by the variance: divide by the standard deviation sqrt(var + eps).",
    ),
    Mistake(
        lambda X, gamma, beta, rm, rv, eps: (X - rm) / np.sqrt(rv + eps),
        "gamma and beta are missing: y = gamma xhat + beta.",
    ),
    Mistake(
        lambda X, gamma, beta, rm, rv, eps: gamma * (X - rm) / np.sqrt(rv) + beta,
        "eps is missing: sqrt(running_var + eps) (a feature with zero variance would "
        "divide by 0).",
    ),
)


def check_bn_eval(
    bn_eval: Callable[..., np.ndarray],
) -> CheckResult:
    """Check ``bn_eval(X, gamma, beta, running_mean, running_var, eps)``: batch norm in
    evaluation mode, for ``X`` of shape ``(N, D)``, the others ``(D,)`` and ``eps``."""
    rng = np.random.default_rng(10)
    cases = []
    for N, D in [(1, 3), (5, 2), (4, 4)]:
        cases.append(
            (
                rng.standard_normal((N, D)) * 2 + 1,
                1.0 + 0.5 * rng.standard_normal(D),
                0.5 * rng.standard_normal(D),
                rng.standard_normal(D),
                rng.uniform(0.5, 3.0, D),
                1e-3,
            )
        )
    return check_with_mistakes(
        bn_eval,
        reference=_reference_bn_eval,
        cases=cases,
        mistakes=BN_EVAL_MISTAKES,
        name="bn_eval",
        hint="y = gamma (X - running_mean) / sqrt(running_var + eps) + beta.",
    )
