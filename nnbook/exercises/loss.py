"""Self-checks for the exercises of chapter 4, "Loss functions and empirical risk".

The references are written here from the chapter's closed forms (not imported
from :mod:`nnlib.losses`), and every checker includes the large logits on which
a naive implementation overflows.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from nnbook.exercises import CheckResult
from nnbook.exercises._diagnose import Mistake, check_with_mistakes

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


def _softmax_rows(Z: np.ndarray, shift: bool = True) -> np.ndarray:
    Z = np.asarray(Z, dtype=float)
    E = np.exp(Z - Z.max(axis=1, keepdims=True)) if shift else np.exp(Z)
    return E / E.sum(axis=1, keepdims=True)


def _onehot(labels: np.ndarray, K: int) -> np.ndarray:
    return np.eye(K)[np.asarray(labels, dtype=int)]


BCE_MISTAKES = (
    Mistake(lambda z, y: -(y * np.log(1 / (1 + np.exp(-z)))
                           + (1 - y) * np.log(1 - 1 / (1 + np.exp(-z)))),
            "this is the naive log(sigma(z)) / log(1 - sigma(z)): sigma rounds to 0 or 1 for "
            "large |z| and the log returns -inf. Use the logit form."),
    Mistake(lambda z, y: np.log1p(np.exp(z)) - y * z,
            "log(1 + exp(z)) - y z is right in exact arithmetic but exp(z) overflows for "
            "large z: write log(1 + e^z) = max(z, 0) + log1p(exp(-|z|))."),
    Mistake(lambda z, y: np.maximum(z, 0.0) + y * z + np.log1p(np.exp(-np.abs(z))),
            "the sign of the y z term is flipped: it is - y z."),
    Mistake(lambda z, y: np.maximum(z, 0.0) - (1 - y) * z + np.log1p(np.exp(-np.abs(z))),
            "the labels are swapped (1 - y instead of y)."),
    Mistake(lambda z, y: np.mean(_reference_bce_with_logits(z, y)),
            "you returned the mean; the exercise asks for the element-wise losses."),
)

LOGSUMEXP_MISTAKES = (
    Mistake(lambda Z: np.log(np.exp(Z).sum(axis=-1)),
            "no shift: exp overflows at 1000 (and underflows at -1000). Subtract the max."),
    Mistake(lambda Z: np.log(np.exp(Z - Z.max(axis=-1, keepdims=True)).sum(axis=-1)),
            "the shift c is subtracted but not added back: c + log(sum(exp(Z - c)))."),
    Mistake(lambda Z: Z.max(axis=-1, keepdims=True)
            + np.log(np.exp(Z - Z.max(axis=-1, keepdims=True)).sum(axis=-1, keepdims=True)),
            "keepdims=True leaves a trailing axis of length 1: a (batch, K) input must give "
            "shape (batch,)."),
    Mistake(lambda Z: np.max(Z) + np.log(np.exp(Z - np.max(Z)).sum(axis=-1)),
            "you subtracted the global maximum; a row far below it underflows to log(0). "
            "Use each row's own maximum."),
)

CE_GRAD_MISTAKES = (
    Mistake(lambda Z, lab: _softmax_rows(Z) - _onehot(lab, Z.shape[1]),
            "the 1/m is missing: the gradient of the *mean* loss is (p - y)/m, m the batch size."),
    Mistake(lambda Z, lab: (_onehot(lab, Z.shape[1]) - _softmax_rows(Z)) / Z.shape[0],
            "the sign is flipped: it is p - y, not y - p."),
    Mistake(lambda Z, lab: (_softmax_rows(Z) - _onehot(lab, Z.shape[1])) / Z.shape[1],
            "you divided by K (the number of classes); divide by m (the batch size)."),
    Mistake(lambda Z, lab: (_softmax_rows(Z, shift=False) - _onehot(lab, Z.shape[1]))
            / Z.shape[0],
            "the softmax is not shifted, so it overflows for large logits: subtract each "
            "row's max first."),
    Mistake(lambda Z, lab: -_onehot(lab, Z.shape[1]) / _softmax_rows(Z)
            / Z.shape[0],
            "-y/p is the gradient with respect to p; through the softmax it becomes p - y."),
    Mistake(lambda Z, lab: (lambda E: E / E.sum(axis=0, keepdims=True))(
                np.exp(Z - Z.max(axis=0, keepdims=True))) / Z.shape[0]
            - _onehot(lab, Z.shape[1]) / Z.shape[0],
            "the softmax is over axis 0 (the batch); it is over each row's K logits."),
)


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
    return check_with_mistakes(
        bce_with_logits,
        reference=_reference_bce_with_logits,
        cases=cases,
        mistakes=BCE_MISTAKES,
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
    return check_with_mistakes(
        logsumexp,
        reference=_reference_logsumexp,
        cases=cases,
        mistakes=LOGSUMEXP_MISTAKES,
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
    return check_with_mistakes(
        ce_grad,
        reference=_reference_ce_grad,
        cases=cases,
        mistakes=CE_GRAD_MISTAKES,
        name="ce_grad",
        hint="row i of the gradient is (softmax(z_i) - onehot(y_i)) / m, with m the batch size.",
    )
