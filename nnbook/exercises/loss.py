"""Self-checks for the exercises of chapter 4, "Loss functions and empirical risk".

The references are written here from the chapter's closed forms (not imported
from :mod:`nnlib.losses`), and every checker includes the large logits on which
a naive implementation overflows.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from nnbook.exercises import CheckResult, check_function

__all__ = ["check_bce_with_logits", "check_ce_grad", "check_logsumexp"]


def _reference_bce_with_logits(z: np.ndarray, y: np.ndarray) -> np.ndarray:
    z = np.asarray(z, dtype=float)
    return np.maximum(z, 0.0) - y * z + np.log1p(np.exp(-np.abs(z)))


def _reference_logsumexp(Z: np.ndarray) -> np.ndarray:
    Z = np.asarray(Z, dtype=float)
    c = Z.max(axis=-1)
    return c + np.log(np.exp(Z - c[..., None]).sum(axis=-1))


def _reference_ce_grad(Z: np.ndarray, labels: np.ndarray) -> np.ndarray:
    Z = np.asarray(Z, dtype=float)
    m = Z.shape[0]
    P = np.exp(Z - Z.max(axis=1, keepdims=True))
    P /= P.sum(axis=1, keepdims=True)
    P[np.arange(m), np.asarray(labels, dtype=int)] -= 1.0
    return P / m


def check_bce_with_logits(
    bce_with_logits: Callable[[np.ndarray, np.ndarray], np.ndarray],
) -> CheckResult:
    """Check a reader's ``bce_with_logits(z, y)``: the element-wise binary cross-entropy of
    logits ``z`` and targets ``y`` in {0, 1} (same shape), without averaging.

    Cases include ``z = 0`` (loss log 2), moderate logits, and ``z = ±40, ±800``
    where ``sigmoid`` rounds to 0 or 1 and a naive ``log`` returns ``-inf``.
    """
    cases = [
        (np.array([0.0]), np.array([1.0])),
        (np.array([-2.0, -0.5, 0.5, 2.0]), np.array([0.0, 1.0, 0.0, 1.0])),
        (np.array([[3.0, -1.0], [0.25, 4.0]]), np.array([[1.0, 1.0], [0.0, 0.0]])),
        (np.array([40.0, -40.0, 800.0, -800.0]), np.array([0.0, 1.0, 1.0, 1.0])),
    ]
    return check_function(
        bce_with_logits,
        reference=_reference_bce_with_logits,
        cases=cases,
        name="bce_with_logits",
        hint="use L = max(z, 0) - y z + log(1 + exp(-|z|)) (np.log1p), which never overflows.",
    )


def check_logsumexp(logsumexp: Callable[[np.ndarray], np.ndarray]) -> CheckResult:
    """Check a reader's ``logsumexp(Z)``: ``log(sum(exp(Z)))`` over the last axis.

    A vector gives a number (shape ``()``), a ``(batch, K)`` array a ``(batch,)`` array.
    """
    cases = [
        np.array([0.0, 0.0]),
        np.array([1.0, 2.0, 3.0]),
        np.array([[0.5, -1.0, 2.0], [3.0, 3.0, 3.0]]),
        np.array([1000.0, 1000.0]),
        np.array([[-1000.0, -1001.0, -1002.0], [1000.0, 0.0, -1000.0]]),
    ]
    return check_function(
        logsumexp,
        reference=_reference_logsumexp,
        cases=cases,
        name="logsumexp",
        hint="subtract c = max over the last axis, then add it back: c + log(sum(exp(Z - c))).",
    )


def check_ce_grad(ce_grad: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> CheckResult:
    """Check a reader's ``ce_grad(Z, labels)``: the gradient of the **mean** cross-entropy
    over the batch with respect to the logits ``Z`` of shape ``(m, K)``, for integer labels.
    """
    rng = np.random.default_rng(4)
    cases = [
        (np.array([[0.0, 0.0, 0.0]]), np.array([0])),
        (np.array([[1.0, 2.0, 3.0], [3.0, 1.0, -1.0]]), np.array([2, 1])),
        (rng.normal(size=(5, 4)), rng.integers(0, 4, size=5)),
        (np.array([[1000.0, 0.0, -1000.0], [0.0, 500.0, 0.0]]), np.array([2, 1])),
    ]
    return check_function(
        ce_grad,
        reference=_reference_ce_grad,
        cases=cases,
        name="ce_grad",
        hint="row i of the gradient is (softmax(z_i) - onehot(y_i)) / m, with m the batch size.",
    )
