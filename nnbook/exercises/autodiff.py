"""Self-checks for the exercises of chapter 8, "Automatic differentiation".

The references are written here from the chapter's closed forms (not imported
from :mod:`nnlib.autograd`). Each checker names the classic mistakes of its
exercise: forgetting to unbroadcast, a mean instead of a sum, transposed
gradients; one-sided differences, a step too large or too small, an input
left perturbed; a relative error without a floor.
"""

from __future__ import annotations

import copy
from collections.abc import Callable

import numpy as np

from nnbook.exercises import FAIL_MARK, PASS_MARK, CheckResult, not_written
from nnbook.exercises._diagnose import Mistake, check_with_mistakes

__all__ = [
    "AFFINE_VJP_MISTAKES",
    "NUMERICAL_GRADIENT_MISTAKES",
    "RELATIVE_ERROR_MISTAKES",
    "check_affine_vjp",
    "check_numerical_gradient",
    "check_relative_error",
]


def _reference_affine_vjp(
    X: np.ndarray, W: np.ndarray, b: np.ndarray, G: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """VJP of ``Z = X @ W.T + b``: (G W, G^T X, column sums of G)."""
    return G @ W, G.T @ X, G.sum(axis=0)


AFFINE_VJP_MISTAKES = (
    Mistake(
        lambda X, W, b, G: (G @ W, G.T @ X, G),
        "db has the shape of Z: b was broadcast over the batch, so its gradient is "
        "G summed over the batch axis (unbroadcast), shape (n_out,).",
    ),
    Mistake(
        lambda X, W, b, G: (G @ W, G.T @ X, G.mean(axis=0)),
        "db is the mean of G over the batch; broadcasting copies b, and the VJP of a "
        "copy is a sum, not a mean (the 1/B is already inside G).",
    ),
    Mistake(
        lambda X, W, b, G: (G @ W, X.T @ G, G.sum(axis=0)),
        "dW is transposed: Z = X W^T, so dW = G^T X, of the shape (n_out, n_in) of W.",
    ),
    Mistake(
        lambda X, W, b, G: (G @ W.T, G.T @ X, G.sum(axis=0)),
        "dX uses W^T: Z = X W^T, so dX = G W, of the shape (batch, n_in) of X.",
    ),
    Mistake(
        lambda X, W, b, G: (W, X, np.ones_like(b)),
        "the gradients do not use G: a VJP multiplies the upstream gradient G by the "
        "local Jacobian (transposed).",
    ),
)


def _affine_cases() -> list[tuple[np.ndarray, ...]]:
    rng = np.random.default_rng(8)
    cases = []
    for batch, n_in, n_out in ((4, 3, 2), (5, 3, 3), (1, 2, 4), (6, 4, 4)):
        cases.append(
            (
                rng.standard_normal((batch, n_in)),
                rng.standard_normal((n_out, n_in)),
                rng.standard_normal(n_out),
                rng.standard_normal((batch, n_out)),
            )
        )
    return cases


def check_affine_vjp(candidate: Callable[..., object]) -> CheckResult:
    """Check ``candidate(X, W, b, G) -> (dX, dW, db)``, the VJP of ``X @ W.T + b``.

    The three gradients are checked one at a time, so a verdict names the one that
    is wrong and the mistake in it.
    """
    verdicts = []
    for k, part in enumerate(("dX", "dW", "db")):

        def component(*args: object, k: int = k) -> object:
            result = candidate(*args)
            if not isinstance(result, tuple | list) or len(result) != 3:
                raise TypeError(f"expected a tuple (dX, dW, db), got {type(result).__name__}")
            return result[k]

        mistakes = [
            Mistake(lambda *a, m=m, k=k: m.answer(*a)[k], m.message) for m in AFFINE_VJP_MISTAKES
        ]
        verdict = check_with_mistakes(
            component,
            lambda *a, k=k: _reference_affine_vjp(*a)[k],
            _affine_cases(),
            mistakes=mistakes,
            name=f"my_affine_vjp ({part})",
            hint="dX = G W, dW = G^T X, db = sum of G over the batch axis; each has the "
            "shape of its operand.",
        )
        if not verdict:
            return verdict
        verdicts.append(verdict)
    return CheckResult(
        True,
        f"{PASS_MARK} my_affine_vjp: dX, dW and db correct on all "
        f"{len(_affine_cases())} test inputs.",
    )


# -- the numerical gradient: diagnosed by the shape of its error -----------------------
#: The catalogue the numerical-gradient checker recognises (recognised by the error's form).
NUMERICAL_GRADIENT_MISTAKES = {
    "one-sided": "a one-sided (forward) difference (f(x + h) - f(x)) / h: its error is "
    "O(h), here a constant offset h on f = sum x^2. Use the central difference "
    "(f(x + h) - f(x - h)) / (2h), whose error is O(h^2).",
    "large-step": "the step is too large: the central difference of x^3 is 3x^2 + h^2, "
    "and your error is h^2 = {err:.2g}. Take h around 1e-5 (the cube root of "
    "the machine epsilon, times the scale of x).",
    "small-step": "the step is too small: round-off in f(x + h) - f(x - h) is divided by "
    "2h and dominates (error {err:.2g}, noisy). Take h around 1e-5.",
    "in-place": "x was left modified: restore x[i] after each perturbation (or perturb a copy).",
    "shape": "the gradient must have the shape of x (one partial derivative per entry).",
}


def _numerical_gradient_cases() -> list[
    tuple[str, Callable[[np.ndarray], float], Callable[[np.ndarray], np.ndarray], np.ndarray]
]:
    x = np.array([[0.3, -1.2, 2.0], [0.7, 1.5, -0.4]])
    return [
        ("sum x^2", lambda v: float(np.sum(v**2)), lambda v: 2 * v, x.copy()),
        ("sum x^3", lambda v: float(np.sum(v**3)), lambda v: 3 * v**2, x.copy()),
        (
            "sum sin(x) exp(x/2)",
            lambda v: float(np.sum(np.sin(v) * np.exp(v / 2))),
            lambda v: np.exp(v / 2) * (np.cos(v) + np.sin(v) / 2),
            x.copy() * 0.8,
        ),
    ]


def check_numerical_gradient(candidate: Callable[..., object]) -> CheckResult:
    """Check ``candidate(f, x) -> grad``, central differences accurate to about 1e-8.

    The diagnosis reads the *form* of the error: a constant offset on a quadratic
    is a one-sided difference; a constant ``h^2`` on a cubic is too large a step; an
    error that is large and irregular is too small a step; a changed ``x`` is an
    input left perturbed.
    """
    label = "my_numerical_gradient"
    errors = {}
    for name, f, grad, x in _numerical_gradient_cases():
        x_before = x.copy()
        try:
            with np.errstate(all="ignore"):
                got = candidate(f, x)
        except NotImplementedError:
            return not_written(label)
        except Exception as error:  # the reader's code may raise anything
            return CheckResult(
                False,
                f"{FAIL_MARK} {label}: on f = {name} it raised "
                f"{type(error).__name__}: {error}\n  hint: loop over "
                f"np.ndindex(x.shape), perturb x[i] by ±h, restore it.",
            )
        if not np.array_equal(x, x_before):
            return CheckResult(
                False,
                f"{FAIL_MARK} {label}: on f = {name}\n  diagnosis: "
                + NUMERICAL_GRADIENT_MISTAKES["in-place"],
            )
        got = np.asarray(got, dtype=float)
        if got.shape != x.shape:
            return CheckResult(
                False,
                f"{FAIL_MARK} {label}: on f = {name} the result has "
                f"shape {got.shape}, x has {x.shape}\n  diagnosis: "
                + NUMERICAL_GRADIENT_MISTAKES["shape"],
            )
        errors[name] = got - grad(x_before)
    worst = max(float(np.abs(e).max()) for e in errors.values())
    if worst <= 1e-7:
        return CheckResult(
            True,
            f"{PASS_MARK} {label}: within {worst:.1e} of the exact "
            f"gradient on all {len(errors)} functions.",
        )
    quad, cube = errors["sum x^2"], errors["sum x^3"]
    message = f"{FAIL_MARK} {label}: largest error {worst:.2g} (expected at most 1e-7)"

    def constant(e: np.ndarray) -> bool:
        return bool(
            np.ptp(e) <= 0.05 * max(abs(float(e.mean())), 1e-300) and abs(float(e.mean())) > 1e-7
        )

    if constant(quad):
        key, err = "one-sided", float(quad.mean())
    elif constant(cube) and float(cube.mean()) > 0 and np.abs(quad).max() < 1e-7:
        key, err = "large-step", float(cube.mean())
    elif np.abs(quad).max() > 1e-7:
        key, err = "small-step", float(np.abs(quad).max())
    else:
        return CheckResult(
            False,
            message + "\n  hint: the central difference "
            "(f(x + h e_i) - f(x - h e_i)) / (2h), h = 1e-5.",
        )
    return CheckResult(
        False, message + "\n  diagnosis: " + NUMERICAL_GRADIENT_MISTAKES[key].format(err=err)
    )


# -- the relative error -------------------------------------------------------------------
def _reference_relative_error(a: np.ndarray, b: np.ndarray) -> float:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    scale = max(np.abs(a).max(initial=0.0), np.abs(b).max(initial=0.0), 1e-12)
    return float(np.abs(a - b).max(initial=0.0) / scale)


RELATIVE_ERROR_MISTAKES = (
    Mistake(
        lambda a, b: float(np.abs(a - b).max() / max(np.abs(a).max(), np.abs(b).max())),
        "no floor in the denominator: two zero gradients give 0/0 = NaN. Divide by "
        "max(max|a|, max|b|, 1e-12).",
    ),
    Mistake(
        lambda a, b: float(np.max(np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), 1e-12))),
        "an element-wise relative error: one entry that is round-off in both "
        "(1e-17 against 0) scores 1. Divide the largest difference by the largest "
        "magnitude instead.",
    ),
    Mistake(
        lambda a, b: float(np.abs(a - b).max() / max(np.abs(b).max(), 1e-12)),
        "only b in the denominator: the measure is not symmetric (swap a and b and it "
        "changes). Use max(max|a|, max|b|, 1e-12).",
    ),
    Mistake(
        lambda a, b: float(np.abs(a - b).max()),
        "an absolute error: it is not scale-invariant (a gradient of size 1e6 with "
        "round-off 1e-9 would fail). Divide by the larger magnitude.",
    ),
)


def _relative_error_cases() -> list[tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(80)
    a = rng.standard_normal((3, 4)) * 1e3
    return [
        (a, a + rng.standard_normal((3, 4)) * 1e-6),
        (np.array([1.0, 1e-17, -2.0]), np.array([1.0, 0.0, -2.0])),
        (np.zeros(3), np.zeros(3)),
        (np.array([2.0, 0.0]), np.array([1.0, 0.5])),
        (np.array([[1e-14, 0.0]]), np.array([[0.0, 0.0]])),
    ]


def check_relative_error(candidate: Callable[..., object]) -> CheckResult:
    """Check ``candidate(a, b) -> float``: max|a - b| / max(max|a|, max|b|, 1e-12)."""
    return check_with_mistakes(
        candidate,
        _reference_relative_error,
        copy.deepcopy(_relative_error_cases()),
        mistakes=RELATIVE_ERROR_MISTAKES,
        name="my_relative_error",
        hint="max|a - b| divided by max(max|a|, max|b|, 1e-12): symmetric, scale-invariant, "
        "0 for two zero arrays.",
    )
