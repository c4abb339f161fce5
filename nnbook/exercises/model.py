"""Self-checks for the exercises of chapter 2, *The core neural network model*.

Each checker runs the reader's function on a few inputs, compares it with an
independent reference and returns a :class:`~nnbook.exercises.CheckResult`
whose message says what is wrong (see :mod:`nnbook.exercises`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from nnbook.exercises import (
    FAIL_MARK,
    PASS_MARK,
    CheckResult,
    compare,
    not_written,
    raised,
)
from nnbook.exercises._diagnose import Mistake, check_with_mistakes

__all__ = ["check_bump", "check_forward", "check_n_params", "check_signed_distance"]


def _reference_n_params(sizes: Sequence[int]) -> int:
    sizes = [int(m) for m in sizes]
    return sum(sizes[l] * sizes[l - 1] + sizes[l] for l in range(1, len(sizes)))  # noqa: E741


def _count(sizes: Sequence[int], weights: bool, bias_per: str) -> int:
    total = 0
    for l in range(1, len(sizes)):  # noqa: E741
        total += sizes[l] * sizes[l - 1] if weights else 0
        total += {"out": sizes[l], "in": sizes[l - 1], "none": 0}[bias_per]
    return total


N_PARAMS_MISTAKES = (
    Mistake(lambda sizes: _count(sizes, True, "none"),
            "the biases are missing: each layer also has m_l biases."),
    Mistake(lambda sizes: _count(sizes, True, "in"),
            "you counted one bias per *input* (m_(l-1)); a layer has one bias per output, m_l."),
    Mistake(lambda sizes: _count(sizes, True, "out") + sizes[0],
            "you gave the input layer m_0 biases; the inputs have no parameters of their own."),
    Mistake(lambda sizes: _count(sizes[:-1], True, "out"),
            "the last layer is missing (an off-by-one in the loop over layers)."),
)


def check_n_params(n_params: Callable[[list[int]], int]) -> CheckResult:
    """Check ``n_params(sizes)``: the number of parameters of a dense network.

    ``sizes = [m_0, m_1, ..., m_L]`` lists the input width and then every
    layer's width; each layer has a weight matrix and a bias vector.
    """
    cases = [[2, 1], [2, 3, 1], [784, 256, 128, 10], [5, 5, 5, 5, 5], [1, 100, 1], [3, 7]]
    def with_int_sizes(sizes: list[int]) -> int:
        return n_params([int(m) for m in sizes])

    return check_with_mistakes(
        with_int_sizes,
        reference=_reference_n_params,
        cases=cases,
        mistakes=N_PARAMS_MISTAKES,
        name="n_params",
        rtol=0,
        atol=0,
        hint="layer l has an m_l x m_(l-1) weight matrix AND m_l biases; "
        "the input layer m_0 has no parameters of its own.",
    )


def _reference_signed_distance(w: np.ndarray, b: float, x: np.ndarray) -> float:
    return float((w @ x + b) / np.sqrt(w @ w))


SIGNED_DISTANCE_MISTAKES = (
    Mistake(lambda w, b, x: float((w @ x + b) / (w @ w)),
            "you divided by ||w||^2; the distance divides by the norm ||w|| itself."),
    Mistake(lambda w, b, x: abs(float((w @ x + b) / np.sqrt(w @ w))),
            "the sign is lost (abs): the *signed* distance is positive on the side w points to."),
    Mistake(lambda w, b, x: float((w @ x) / np.sqrt(w @ w)),
            "the bias b is missing from w^T x + b."),
    Mistake(lambda w, b, x: float((w @ x - b) / np.sqrt(w @ w)),
            "the bias has the wrong sign: the hyperplane is w^T x + b = 0."),
    Mistake(lambda w, b, x: float(w @ x + b),
            "you did not divide by ||w||: w^T x + b is the distance scaled by ||w||."),
)


def check_signed_distance(signed_distance: Callable[..., float]) -> CheckResult:
    """Check ``signed_distance(w, b, x)``: the signed distance of ``x`` to ``w^T x + b = 0``."""
    rng = np.random.default_rng(0)
    cases = [
        (np.array([1.0, 0.0]), 0.0, np.array([3.0, 5.0])),
        (np.array([3.0, 4.0]), -5.0, np.array([0.0, 0.0])),
        (np.array([2.0, -1.0]), 1.0, np.array([1.0, 2.0])),
        (rng.normal(size=3), 0.7, rng.normal(size=3)),
        (rng.normal(size=5) * 4, -2.0, rng.normal(size=5)),
    ]
    return check_with_mistakes(
        signed_distance,
        reference=_reference_signed_distance,
        cases=cases,
        mistakes=SIGNED_DISTANCE_MISTAKES,
        name="signed_distance",
        hint="divide w^T x + b by the Euclidean norm of w (not its square), "
        "and keep the sign: positive on the side w points to.",
    )


def _reference_forward(x: np.ndarray, weights: Sequence[np.ndarray], biases: Sequence[np.ndarray]):
    a = np.asarray(x, dtype=float)
    for l, (W, b) in enumerate(zip(weights, biases, strict=True)):  # noqa: E741
        z = W @ a + b
        a = np.maximum(z, 0.0) if l < len(weights) - 1 else z
    return a


def _random_network(sizes: Sequence[int], rng: np.random.Generator):
    weights = [rng.normal(size=(sizes[l], sizes[l - 1])) for l in range(1, len(sizes))]  # noqa: E741
    biases = [rng.normal(size=sizes[l]) for l in range(1, len(sizes))]  # noqa: E741
    return weights, biases


def check_forward(forward: Callable[..., np.ndarray]) -> CheckResult:
    """Check ``forward(x, weights, biases)``: a ReLU network's output for one input.

    ``x`` has shape ``(m_0,)``; ``weights[l-1]`` is :math:`W^l` with shape
    ``(m_l, m_{l-1})`` and ``biases[l-1]`` is :math:`b^l` with shape ``(m_l,)``.
    Hidden layers apply ReLU; the last layer is linear (it returns :math:`z^L`).
    """
    rng = np.random.default_rng(1)
    architectures = [[2, 1], [2, 2, 1], [3, 4, 2], [4, 5, 3, 2], [2, 6, 6, 6, 1]]
    name = "forward"
    for sizes in architectures:
        weights, biases = _random_network(sizes, rng)
        x = rng.normal(size=sizes[0])
        expected = _reference_forward(x, weights, biases)
        try:
            actual = forward(x.copy(), [W.copy() for W in weights], [b.copy() for b in biases])
        except NotImplementedError:
            return not_written(name)
        except Exception as error:  # the reader's code may raise anything
            hint = "z^l = W^l a^(l-1) + b^l, with W^l of shape (m_l, m_(l-1))."
            if isinstance(error, ValueError) and "matmul" in str(error):
                hint = ("the shapes do not fit a matrix product: W^l has shape (m_l, m_(l-1)), "
                        "so z^l = W @ a (not W.T @ a, nor a @ W).")
            return raised(name, error, context=f"for a network with widths {sizes}", hint=hint)
        problem = compare(expected, actual, 1e-7, 1e-10)
        if problem is not None:
            hint = _forward_hint(x, weights, biases, actual)
            message = f"{FAIL_MARK} {name}: for a network with widths {sizes}\n  {problem}"
            if hint:
                message += f"\n  hint: {hint}"
            return CheckResult(False, message)
    return CheckResult(
        True, f"{PASS_MARK} {name}: correct on all {len(architectures)} test networks."
    )


def _forward_hint(x, weights, biases, actual) -> str | None:
    """Recognise the usual mistakes by recomputing them."""

    def matches(value):
        try:
            return compare(value, actual, 1e-7, 1e-10) is None
        except Exception:
            return False

    last_relu = np.maximum(_reference_forward(x, weights, biases), 0.0)
    no_bias = _reference_forward(x, weights, [np.zeros_like(b) for b in biases])
    if matches(last_relu):
        return "the last layer is linear: do not apply ReLU to z^L."
    if matches(no_bias):
        return "add the bias b^l in every layer: z^l = W^l a^(l-1) + b^l."
    a = np.asarray(x, dtype=float)
    for l, (W, b) in enumerate(zip(weights, biases, strict=True)):  # noqa: E741
        z = W @ a + b
        a = 1 / (1 + np.exp(-z)) if l < len(weights) - 1 else z
    if matches(a):
        return "the hidden layers use ReLU, max(z, 0), not the sigmoid."
    no_act = x
    for W, b in zip(weights, biases, strict=True):
        no_act = W @ no_act + b
    if len(weights) > 1 and matches(no_act):
        return "the ReLU is missing: hidden layers compute a^l = max(z^l, 0)."
    return "z^l = W^l a^(l-1) + b^l, then a^l = ReLU(z^l) for every layer but the last."


def _sig(z: np.ndarray) -> np.ndarray:
    # a sigmoid that does not overflow for large |z|
    return np.exp(-np.logaddexp(0.0, -z))


def _reference_bump(x: np.ndarray, c1: float, c2: float, h: float, w: float) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    return h * (_sig(w * (x - c1)) - _sig(w * (x - c2)))


BUMP_MISTAKES = (
    Mistake(lambda x, c1, c2, h, w: -_reference_bump(x, c1, c2, h, w),
            "the two steps are subtracted the wrong way round (a dip of -h): the step at "
            "c1 comes first, sigma(w (x - c1)) - sigma(w (x - c2))."),
    Mistake(lambda x, c1, c2, h, w: _reference_bump(x, c1, c2, 1.0, w),
            "the height h is missing: multiply the difference of the steps by h."),
    Mistake(lambda x, c1, c2, h, w: h * (_sig(w * np.asarray(x) - c1)
                                         - _sig(w * np.asarray(x) - c2)),
            "the bias is not scaled by w: sigma(w x - c) steps at x = c / w; the step at c is "
            "sigma(w (x - c)), whose bias is -w c."),
    Mistake(lambda x, c1, c2, h, w: h * _sig(w * (np.asarray(x) - c1)),
            "only one step: a bump needs the second, opposite step at c2 to come back down."),
    Mistake(lambda x, c1, c2, h, w: h * (_sig(np.asarray(x) - c1) - _sig(np.asarray(x) - c2)),
            "the steepness w is missing: without it the steps are as wide as sigma itself."),
)


def check_bump(bump: Callable[..., np.ndarray]) -> CheckResult:
    """Check ``bump(x, c1, c2, h, w)``: two opposite sigmoid steps of steepness ``w``."""
    x = np.linspace(-2.0, 2.0, 41)
    cases = [
        (x, -0.5, 0.5, 1.5, 10.0),
        (x, 0.0, 1.2, -0.7, 4.0),
        (x, -1.5, -0.25, 2.0, 30.0),
        (x, 0.3, 0.9, 1.0, 800.0),  # very steep: exp(-w x) overflows in the naive form
    ]
    return check_with_mistakes(
        bump,
        reference=_reference_bump,
        cases=cases,
        mistakes=BUMP_MISTAKES,
        name="bump",
        hint="h * (sigmoid(w * (x - c1)) - sigmoid(w * (x - c2))): both steps have "
        "steepness w, the first at c1, the second at c2.",
        atol=1e-9,
    )
