"""Self-checks for the exercises of chapter 3, "Activation functions and their derivatives".

Each checker runs the reader's function on a few inputs (including the awkward
ones: large logits, batches, the kink of ReLU avoided or included on purpose)
and compares it with an independent reference written here from the closed
forms of the chapter, not imported from :mod:`nnlib.activations`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from nnbook.exercises import CheckResult
from nnbook.exercises._diagnose import Mistake, check_with_mistakes

__all__ = ["check_sigmoid_grad", "check_softmax", "check_softmax_vjp"]


def _sigmoid(z: np.ndarray) -> np.ndarray:
    z = np.asarray(z, dtype=float)
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # sigma(z) = (1 + tanh(z/2)) / 2, never overflows


def _reference_sigmoid_grad(z: np.ndarray) -> np.ndarray:
    s = _sigmoid(z)
    return s * (1.0 - s)


def _reference_softmax(z: np.ndarray) -> np.ndarray:
    z = np.asarray(z, dtype=float)
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _reference_softmax_vjp(z: np.ndarray, g: np.ndarray) -> np.ndarray:
    p = _reference_softmax(z)
    J = p[..., :, None] * (np.eye(p.shape[-1]) - p[..., None, :])  # J_kj = p_k (1[k=j] - p_j)
    return np.einsum("...kj,...k->...j", J, np.asarray(g, dtype=float))  # J^T g


def _naive_sigmoid_grad(z: np.ndarray) -> np.ndarray:
    s = 1.0 / (1.0 + np.exp(-np.asarray(z, dtype=float)))
    return s * (1.0 - s)


def _naive_softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(np.asarray(z, dtype=float))
    return e / e.sum(axis=-1, keepdims=True)


def _softmax_vjp_from(softmax: Callable[[np.ndarray], np.ndarray]) -> Callable[..., np.ndarray]:
    def vjp(z: np.ndarray, g: np.ndarray) -> np.ndarray:
        p = softmax(z)
        return p * (g - (p * g).sum(axis=-1, keepdims=True))

    return vjp


SIGMOID_GRAD_MISTAKES = (
    Mistake(_naive_sigmoid_grad,
            "this is the naive sigmoid 1/(1 + exp(-z)): exp(-z) overflows for z << 0. "
            "Use a form that never overflows, e.g. sigma(z) = (1 + tanh(z/2))/2."),
    Mistake(lambda z: np.exp(-z) / (1.0 + np.exp(-z)) ** 2,
            "exp(-z) / (1 + exp(-z))^2 is right in exact arithmetic but gives inf/inf = nan "
            "for z << 0; write it through sigma(z)."),
    Mistake(lambda z: _sigmoid(z) * (_sigmoid(z) - 1.0),
            "the sign is flipped: sigma (sigma - 1) instead of sigma (1 - sigma)."),
    Mistake(_sigmoid, "you returned sigma(z) itself, not its derivative."),
    Mistake(lambda z: np.asarray(z) * (1.0 - np.asarray(z)),
            "z (1 - z) applies the output form to the input: use sigma(z) (1 - sigma(z))."),
    Mistake(lambda z: 1.0 - np.tanh(z) ** 2, "1 - tanh(z)^2 is the derivative of tanh."),
    Mistake(lambda z: 1.0 - _sigmoid(z) ** 2,
            "1 - sigma^2 is the tanh pattern; the sigmoid's is sigma (1 - sigma)."),
)

SOFTMAX_MISTAKES = (
    Mistake(_naive_softmax,
            "no max shift: exp(z) overflows for large logits. Subtract "
            "z.max(axis=-1, keepdims=True) first (shift invariance)."),
    Mistake(lambda z: (lambda e: e / e.sum(axis=-1, keepdims=True))(np.exp(z - np.max(z))),
            "you subtracted the global maximum of the whole batch; a row far below it "
            "underflows to 0/0. Subtract each row's own maximum."),
    Mistake(lambda z: (lambda e: e / e.sum())(np.exp(z - z.max(axis=-1, keepdims=True))),
            "you normalised by the sum over the whole batch; each row must sum to 1."),
    Mistake(lambda z: (lambda e: e / e.sum(axis=0, keepdims=True))(
                np.exp(z - z.max(axis=0, keepdims=True))),
            "softmax over axis 0 (the batch); it is over the last axis (the K classes)."),
)

SOFTMAX_VJP_MISTAKES = (
    Mistake(lambda z, g: _reference_softmax(z) * g
            - _reference_softmax(z) * g.sum(axis=-1, keepdims=True),
            "p * g - p * sum(g): the inner sum must be weighted by p, sum(p * g)."),
    Mistake(lambda z, g: -_reference_softmax_vjp(z, g), "the sign is flipped."),
    Mistake(lambda z, g: _reference_softmax(z) * (1.0 - _reference_softmax(z)) * g,
            "only the diagonal p(1 - p) of J: the off-diagonal -p_k p_j terms are missing."),
    Mistake(lambda z, g: (lambda p: p * (g - (p * g).sum()))(_reference_softmax(z)),
            "the sum p.g is taken over the whole batch; it must be per row "
            "(axis=-1, keepdims=True)."),
    Mistake(_softmax_vjp_from(_naive_softmax),
            "the softmax inside is not shifted, so it overflows for large logits."),
)


def check_sigmoid_grad(sigmoid_grad: Callable[[np.ndarray], np.ndarray]) -> CheckResult:
    """Check a reader's ``sigmoid_grad(z)``: the element-wise derivative of the sigmoid.

    Cases: ``z = 0`` (where it is 1/4), a grid on [-6, 6], a 2-D array, and
    ``z = ±800`` (the answer is 0 there). The exercise requires a version that
    never overflows, so the candidate runs under ``np.errstate(over="raise")``:
    the naive ``1/(1 + exp(-z))`` fails even though it rounds to the right values.
    The classic wrong answers of ``SIGMOID_GRAD_MISTAKES`` are named in the verdict.
    """
    cases = [
        np.array([0.0]),
        np.linspace(-6.0, 6.0, 13),
        np.array([[-1.0, 0.5], [2.0, -3.0]]),
        np.array([-800.0, 800.0]),
    ]
    return check_with_mistakes(
        sigmoid_grad,
        reference=_reference_sigmoid_grad,
        cases=cases,
        mistakes=SIGMOID_GRAD_MISTAKES,
        name="sigmoid_grad",
        hint="sigma'(z) = sigma(z) (1 - sigma(z)); its largest value is 1/4 at z = 0.",
        strict_overflow=True,
    )


def check_softmax(softmax: Callable[[np.ndarray], np.ndarray]) -> CheckResult:
    """Check a reader's ``softmax(z)`` over the last axis, for a vector or a batch of rows.

    Cases: a small vector, equal logits, a batch of rows, and logits near
    1000 (where ``exp`` overflows unless the maximum is subtracted first). The
    classic wrong answers of ``SOFTMAX_MISTAKES`` are named in the verdict.
    """
    cases = [
        np.array([1.0, 2.0, 3.0]),
        np.zeros(4),
        np.array([[1.0, -1.0, 0.5], [0.0, 3.0, -2.0]]),
        np.array([1000.0, 1001.0, 1002.0]),
        np.array([[-1000.0, 0.0, 1000.0], [5.0, 5.0, -5.0]]),
    ]
    return check_with_mistakes(
        softmax,
        reference=_reference_softmax,
        cases=cases,
        mistakes=SOFTMAX_MISTAKES,
        name="softmax",
        hint="subtract z.max(axis=-1, keepdims=True) before exp, and sum over axis=-1 "
        "with keepdims=True so a batch of rows broadcasts.",
    )


def check_softmax_vjp(softmax_vjp: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> CheckResult:
    """Check a reader's ``softmax_vjp(z, g)``: the product ``J(z)^T g`` for the softmax Jacobian.

    ``z`` and ``g`` have the same shape, ``(K,)`` or ``(batch, K)``. The cases
    include logits of ±1000, where an unshifted softmax overflows; the classic
    wrong answers of ``SOFTMAX_VJP_MISTAKES`` are named in the verdict.
    """
    rng = np.random.default_rng(3)
    cases = [
        (np.array([0.0, 0.0, 0.0]), np.array([1.0, 0.0, 0.0])),
        (np.array([1.0, 2.0, 3.0]), np.array([0.5, -1.0, 2.0])),
        (rng.normal(size=(4, 5)), rng.normal(size=(4, 5))),
        (np.array([500.0, 0.0, -500.0]), np.array([1.0, 2.0, 3.0])),
        (np.array([1000.0, 999.0, -1000.0]), np.array([1.0, -2.0, 0.5])),
    ]
    return check_with_mistakes(
        softmax_vjp,
        reference=_reference_softmax_vjp,
        cases=cases,
        mistakes=SOFTMAX_VJP_MISTAKES,
        name="softmax_vjp",
        hint="J = diag(p) - p p^T is symmetric, so J^T g = p * (g - sum(p * g)) row by row.",
    )
