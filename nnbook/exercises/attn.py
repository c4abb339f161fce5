"""Self-checks for the exercises of the attention chapter (``book/12_attention.ipynb``).

Each checker runs the reader's function on a few inputs and compares it with
:mod:`nnlib.layers.attention`, saying what is wrong when it disagrees.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from nnbook.exercises import CheckResult, check_function
from nnlib.layers.attention import (
    scaled_dot_product_attention,
    scaled_dot_product_attention_backward,
)

__all__ = ["check_attention", "check_attention_backward", "check_mha_param_count"]


def _cases(with_grad: bool) -> list[tuple[np.ndarray, ...]]:
    rng = np.random.default_rng(2017)
    cases = []
    # (T_q, T_k, d_k, d_v): a square case, a rectangular one (T_q != T_k, d_k != d_v),
    # and one with large scores (a softmax that forgets to subtract the max overflows)
    for T_q, T_k, d_k, d_v, scale in ((3, 3, 4, 4, 1.0), (2, 5, 3, 2, 1.0), (4, 4, 2, 3, 30.0)):
        Q = scale * rng.standard_normal((T_q, d_k))
        K = scale * rng.standard_normal((T_k, d_k))
        V = rng.standard_normal((T_k, d_v))
        if with_grad:
            cases.append((rng.standard_normal((T_q, d_v)), Q, K, V))
        else:
            cases.append((Q, K, V))
    return cases


def _attention_ref(Q: np.ndarray, K: np.ndarray, V: np.ndarray) -> np.ndarray:
    return scaled_dot_product_attention(Q, K, V)[0]


def check_attention(attention: Callable[..., np.ndarray]) -> CheckResult:
    """Check ``attention(Q, K, V) -> O`` of shape ``(T_q, d_v)``.

    Parameters
    ----------
    attention : callable
        The reader's :math:`O = \\mathrm{softmax}(QK^\\top/\\sqrt{d_k})V` for
        ``Q (T_q, d_k)``, ``K (T_k, d_k)``, ``V (T_k, d_v)``.

    Returns
    -------
    CheckResult
    """
    return check_function(
        attention,
        reference=_attention_ref,
        cases=_cases(with_grad=False),
        name="attention",
        hint="scores are Q @ K.T / sqrt(d_k) with d_k = Q.shape[1]; the softmax runs "
        "along each row (axis=-1) and should subtract the row maximum first",
    )


def _backward_ref(
    dO: np.ndarray, Q: np.ndarray, K: np.ndarray, V: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    _, P = scaled_dot_product_attention(Q, K, V)
    return scaled_dot_product_attention_backward(dO, Q, K, V, P)


def check_attention_backward(
    attention_backward: Callable[..., tuple[np.ndarray, np.ndarray, np.ndarray]],
) -> CheckResult:
    """Check ``attention_backward(dO, Q, K, V) -> (dQ, dK, dV)``.

    Parameters
    ----------
    attention_backward : callable
        The reader's backward pass of scaled dot-product attention (it recomputes
        :math:`P` from ``Q`` and ``K``).

    Returns
    -------
    CheckResult
    """
    return check_function(
        attention_backward,
        reference=_backward_ref,
        cases=_cases(with_grad=True),
        name="attention_backward",
        hint="dV = P.T @ dO; dP = dO @ V.T; dS = P * (dP - (dP * P).sum(axis=1, "
        "keepdims=True)); dQ = dS @ K / sqrt(d_k); dK = dS.T @ Q / sqrt(d_k)",
    )


def _param_count_ref(d_model: int, n_heads: int) -> int:
    return 4 * d_model * d_model


def check_mha_param_count(mha_param_count: Callable[[int, int], int]) -> CheckResult:
    """Check ``mha_param_count(d_model, n_heads)``: weights of multi-head attention.

    The layer is :class:`nnlib.layers.Attention` (``W_q, W_k, W_v, W_o``, no
    biases, head width ``d_model // n_heads``).

    Parameters
    ----------
    mha_param_count : callable
        The reader's formula.

    Returns
    -------
    CheckResult
    """
    cases = [(np.int64(d), np.int64(h)) for d, h in ((4, 1), (8, 2), (12, 3), (64, 8))]
    return check_function(
        mha_param_count,
        reference=_param_count_ref,
        cases=cases,
        name="mha_param_count",
        hint="each head has its own d_model x d_head blocks of W_q, W_k and W_v; add them "
        "up over the heads, then add W_o",
    )
