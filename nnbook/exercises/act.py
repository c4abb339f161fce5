"""Self-checks for the exercises of chapter 3, "Activation functions and their derivatives".

Each checker runs the reader's function on a few inputs (including the awkward
ones: large logits, batches, the kink of ReLU avoided or included on purpose)
and compares it with an independent reference written here from the closed
forms of the chapter, not imported from :mod:`nnlib.activations`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from nnbook.exercises import CheckResult, check_function

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


def check_sigmoid_grad(sigmoid_grad: Callable[[np.ndarray], np.ndarray]) -> CheckResult:
    """Check a reader's ``sigmoid_grad(z)``: the element-wise derivative of the sigmoid.

    Cases: ``z = 0`` (where it is 1/4), a grid on [-6, 6], a 2-D array, and
    ``z = ±800`` (where a naive ``exp(-z)`` overflows; the answer is 0 there).
    """
    cases = [
        np.array([0.0]),
        np.linspace(-6.0, 6.0, 13),
        np.array([[-1.0, 0.5], [2.0, -3.0]]),
        np.array([-800.0, 800.0]),
    ]
    return check_function(
        sigmoid_grad,
        reference=_reference_sigmoid_grad,
        cases=cases,
        name="sigmoid_grad",
        hint="sigma'(z) = sigma(z) (1 - sigma(z)); its largest value is 1/4 at z = 0.",
    )


def check_softmax(softmax: Callable[[np.ndarray], np.ndarray]) -> CheckResult:
    """Check a reader's ``softmax(z)`` over the last axis, for a vector or a batch of rows.

    Cases: a small vector, equal logits, a batch of rows, and logits near
    1000 (where ``exp`` overflows unless the maximum is subtracted first).
    """
    cases = [
        np.array([1.0, 2.0, 3.0]),
        np.zeros(4),
        np.array([[1.0, -1.0, 0.5], [0.0, 3.0, -2.0]]),
        np.array([1000.0, 1001.0, 1002.0]),
        np.array([[-1000.0, 0.0, 1000.0], [5.0, 5.0, -5.0]]),
    ]
    return check_function(
        softmax,
        reference=_reference_softmax,
        cases=cases,
        name="softmax",
        hint="use the shift invariance: subtract z.max(axis=-1, keepdims=True) before exp.",
    )


def check_softmax_vjp(softmax_vjp: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> CheckResult:
    """Check a reader's ``softmax_vjp(z, g)``: the product ``J(z)^T g`` for the softmax Jacobian.

    ``z`` and ``g`` have the same shape, ``(K,)`` or ``(batch, K)``.
    """
    rng = np.random.default_rng(3)
    cases = [
        (np.array([0.0, 0.0, 0.0]), np.array([1.0, 0.0, 0.0])),
        (np.array([1.0, 2.0, 3.0]), np.array([0.5, -1.0, 2.0])),
        (rng.normal(size=(4, 5)), rng.normal(size=(4, 5))),
        (np.array([500.0, 0.0, -500.0]), np.array([1.0, 2.0, 3.0])),
    ]
    return check_function(
        softmax_vjp,
        reference=_reference_softmax_vjp,
        cases=cases,
        name="softmax_vjp",
        hint="J = diag(p) - p p^T is symmetric, so J^T g = p * (g - sum(p * g)) row by row.",
    )
