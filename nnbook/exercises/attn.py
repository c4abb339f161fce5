"""Self-checks for the exercises of the attention chapter (``book/14_attention.ipynb``).

Each checker runs the reader's function on a few inputs and compares it with a
reference written here from the chapter's equations, one query row at a time
(not imported from :mod:`nnlib.layers.attention`; ``tests/`` checks that the two
agree), saying what is wrong when it disagrees and naming the classic mistakes.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator

import numpy as np

from nnbook.exercises import CheckResult
from nnbook.exercises._diagnose import catalogue, check_diagnosing

__all__ = [
    "ATTENTION_BACKWARD_MISTAKES",
    "ATTENTION_MISTAKES",
    "MHA_PARAM_COUNT_MISTAKES",
    "ORDER_BLIND_CEILING_MISTAKES",
    "check_attention",
    "check_attention_backward",
    "check_mha_param_count",
    "check_order_blind_ceiling",
    "reference_attention",
    "reference_attention_backward",
    "reference_order_blind_ceiling",
]


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


def _weights(Q, K, scale=None, axis=1, shift=True):
    Q, K = np.asarray(Q, dtype=float), np.asarray(K, dtype=float)
    S = Q @ K.T * (1 / np.sqrt(Q.shape[1]) if scale is None else scale)
    if shift:
        S = S - S.max(axis=axis, keepdims=True)
    E = np.exp(S)
    return E / E.sum(axis=axis, keepdims=True)


def _reference_weights(Q: np.ndarray, K: np.ndarray) -> np.ndarray:
    """``P[i] = softmax(q_i . k_j / sqrt(d_k) over j)``, row by row with the max subtracted."""
    Q, K = np.asarray(Q, dtype=float), np.asarray(K, dtype=float)
    P = np.zeros((len(Q), len(K)))
    for i, q in enumerate(Q):
        s = np.array([q @ k for k in K]) / np.sqrt(Q.shape[1])
        e = np.exp(s - s.max())
        P[i] = e / e.sum()
    return P


def reference_attention(Q: np.ndarray, K: np.ndarray, V: np.ndarray) -> np.ndarray:
    """``O = softmax_row(Q K^T / sqrt(d_k)) V``, shape ``(T_q, d_v)``."""
    return _reference_weights(Q, K) @ np.asarray(V, dtype=float)


def reference_attention_backward(dO, Q, K, V):
    """``(dQ, dK, dV)`` by eq-attn-dv-dp, eq-attn-ds and eq-attn-dq-dk, row by row."""
    Q, K, V, dO = (np.asarray(a, dtype=float) for a in (Q, K, V, dO))
    P, c = _reference_weights(Q, K), 1 / np.sqrt(Q.shape[1])
    dV = P.T @ dO
    dS = np.zeros_like(P)
    for i in range(len(Q)):
        dp = V @ dO[i]  # dP[i, j] = dO[i] . v_j
        dS[i] = P[i] * (dp - P[i] @ dp)  # the softmax Jacobian diag(p) - p p^T, applied
    return dS @ K * c, dS.T @ Q * c, dV


def _backward_variant(dO, Q, K, V, *, dS_rule="right", scaled=True, dK_rule="right",
                      dV_rule="right"):
    Q, K, V, dO = (np.asarray(a, dtype=float) for a in (Q, K, V, dO))
    P, c = _reference_weights(Q, K), 1 / np.sqrt(Q.shape[1])
    dP = dO @ V.T
    dS = {
        "right": P * (dP - (dP * P).sum(axis=1, keepdims=True)),
        "no_rowsum": P * dP,
        "diagonal": P * (1 - P) * dP,
        "axis0": P * (dP - (dP * P).sum(axis=0, keepdims=True)),
        "rowsum_dP": P * (dP - dP.sum(axis=1, keepdims=True)),
    }[dS_rule]
    c = c if scaled else 1.0
    dQ = dS @ K * c
    # the wrong products raise for T_q != T_k, as the reader's code would
    dK = dS.T @ Q * c if dK_rule == "right" else dS @ Q * c
    dV = P.T @ dO if dV_rule == "right" else P @ dO
    return dQ, dK, dV


#: classic wrong answers of each exercise, named in the verdict
ATTENTION_MISTAKES = catalogue(
    [
    ("the scores are not scaled: divide Q @ K.T by sqrt(d_k)",
     lambda Q, K, V: _weights(Q, K, scale=1.0) @ V),
    ("you divided by d_k; the scale is 1 / sqrt(d_k)",
     lambda Q, K, V: _weights(Q, K, scale=1 / np.shape(Q)[1]) @ V),
    ("you scaled by 1 / sqrt(d_v) (V's width); the scale uses d_k = Q.shape[1]",
     lambda Q, K, V: _weights(Q, K, scale=1 / np.sqrt(np.shape(V)[1])) @ V),
    ("you scaled by 1 / sqrt(T); the scale uses the key width d_k, not the length",
     lambda Q, K, V: _weights(Q, K, scale=1 / np.sqrt(len(K))) @ V),
    ("the softmax runs over the queries (axis 0); each row (one query) must sum to 1",
     lambda Q, K, V: _weights(Q, K, axis=0) @ V),
    ("you used P.T @ V; the output is P @ V",
     lambda Q, K, V: _weights(Q, K).T @ V),
]
)
ATTENTION_BACKWARD_MISTAKES = catalogue(
    [
    ("dS forgets the row-sum term: dS = P * (dP - rowsum(dP * P)), not P * dP",
     lambda *a: _backward_variant(*a, dS_rule="no_rowsum")),
    ("you used only the diagonal of the softmax Jacobian, P * (1 - P); the off-diagonal "
     "terms -p_i p_j matter too", lambda *a: _backward_variant(*a, dS_rule="diagonal")),
    ("the row sum runs over axis 0; it must run along each row (axis=1)",
     lambda *a: _backward_variant(*a, dS_rule="axis0")),
    ("you subtracted rowsum(dP); the term is rowsum(dP * P)",
     lambda *a: _backward_variant(*a, dS_rule="rowsum_dP")),
    ("the factor 1 / sqrt(d_k) is missing from dQ and dK",
     lambda *a: _backward_variant(*a, scaled=False)),
    ("dK uses dS instead of dS.T", lambda *a: _backward_variant(*a, dK_rule="wrong")),
    ("dV uses P instead of P.T", lambda *a: _backward_variant(*a, dV_rule="wrong")),
]
)
MHA_PARAM_COUNT_MISTAKES = catalogue(
    [
    ("you forgot W_o: there are four d x d matrices, not three",
     lambda d, h: 3 * d * d),
    ("you counted each head with full d x d matrices; the h heads of width d/h share "
     "one d x d matrix each for Q, K, V", lambda d, h: 4 * h * d * d),
    ("you counted the blocks of a single head (4 d d_h); all h heads together make d x d",
     lambda d, h: 4 * d * (d // h)),
    ("you added biases; this layer has none", lambda d, h: 4 * d * d + 4 * d),
]
)


def _attention_ref(Q: np.ndarray, K: np.ndarray, V: np.ndarray) -> np.ndarray:
    return reference_attention(Q, K, V)


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
    return check_diagnosing(
        attention,
        reference=_attention_ref,
        cases=_cases(with_grad=False),
        name="attention",
        hint="scores are Q @ K.T / sqrt(d_k) with d_k = Q.shape[1]; the softmax runs "
        "along each row (axis=-1) and should subtract the row maximum first",
        mistakes=ATTENTION_MISTAKES,
    )


def _backward_ref(
    dO: np.ndarray, Q: np.ndarray, K: np.ndarray, V: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return reference_attention_backward(dO, Q, K, V)


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
    return check_diagnosing(
        attention_backward,
        reference=_backward_ref,
        cases=_cases(with_grad=True),
        name="attention_backward",
        hint="recompute P, then go back one matrix product at a time: O = P V gives dV "
        "and dP, the row softmax gives dS (eq-attn-ds), S = Q K^T / sqrt(d_k) gives dQ, dK",
        mistakes=ATTENTION_BACKWARD_MISTAKES,
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
    return check_diagnosing(
        mha_param_count,
        reference=_param_count_ref,
        cases=cases,
        name="mha_param_count",
        hint="each head has its own d_head x d_model blocks (rows) of W_q, W_k and W_v; "
        "add them up over the heads, then add W_o",
        mistakes=MHA_PARAM_COUNT_MISTAKES,
    )


# ---------------------------------------------------------------------------------
# The order-blind ceiling of the reversal task (eq-attn-bag-ceiling): a model that
# sees only the bag of tokens (their counts c_1, ..., c_s) can do no better at any
# position than guess the most frequent token, right with probability max_v c_v / T.
# ---------------------------------------------------------------------------------
def _count_vectors(T: int, s: int) -> Iterator[tuple[int, ...]]:
    """Every ``(c_1, ..., c_s)`` of non-negative integers with sum ``T``."""
    if s == 1:
        yield (T,)
        return
    for first in range(T + 1):
        for rest in _count_vectors(T - first, s - 1):
            yield (first, *rest)


def _multinomial(counts: tuple[int, ...]) -> int:
    """The number of sequences with these counts, ``T! / (c_1! ... c_s!)``."""
    return math.factorial(sum(counts)) // math.prod(math.factorial(c) for c in counts)


def _bag_mean(T: int, s: int, value: Callable[[tuple[int, ...]], float], *,
              weighted: bool = True) -> float:
    T, s = int(T), int(s)
    bags = list(_count_vectors(T, s))
    if not weighted:  # every bag equally likely: the classic mistake
        return sum(value(c) for c in bags) / len(bags)
    return sum(_multinomial(c) * value(c) for c in bags) / s**T


def reference_order_blind_ceiling(T: int, s: int) -> float:
    """The best accuracy of any order-blind model on reversal, ``E[max_v c_v] / T``.

    .. math::

        \\mathrm{acc}^\\ast = \\frac{1}{T}\\sum_{c_1 + \\dots + c_s = T}
        \\frac{T!}{c_1!\\cdots c_s!}\\, s^{-T} \\max_v c_v .

    Parameters
    ----------
    T : int
        Sequence length.
    s : int
        Alphabet size (tokens uniform and independent).

    Returns
    -------
    float
    """
    return _bag_mean(T, s, max) / int(T)


ORDER_BLIND_CEILING_MISTAKES = catalogue(
    [
    ("that is chance, 1/s; a bag of words knows which tokens occur and how often, "
     "and guessing the most frequent one beats chance", lambda T, s: 1 / s),
    ("you averaged over the bags as if each were equally likely; a bag with counts c "
     "arises from T! / (c_1! ... c_s!) of the s^T sequences, so weight it by that",
     lambda T, s: _bag_mean(T, s, max, weighted=False) / T),
    ("you returned the expected largest count E[max_v c_v]; the probability of a hit "
     "is that count divided by T", lambda T, s: _bag_mean(T, s, max)),
    ("you guessed uniformly among the tokens present, E[1 / #distinct]; the best "
     "guess is the most frequent token, right with probability max_v c_v / T",
     lambda T, s: _bag_mean(T, s, lambda c: 1 / sum(x > 0 for x in c))),
]
)


def check_order_blind_ceiling(order_blind_ceiling: Callable[[int, int], float]) -> CheckResult:
    """Check ``order_blind_ceiling(T, s)``: the best accuracy of a bag-of-words reverser.

    Parameters
    ----------
    order_blind_ceiling : callable
        The reader's exact (or float) value for sequences of ``T`` tokens drawn
        uniformly and independently from ``s`` symbols.

    Returns
    -------
    CheckResult
    """
    cases = [(np.int64(T), np.int64(s)) for T, s in ((2, 2), (3, 2), (4, 3), (6, 4), (5, 5))]
    return check_diagnosing(
        order_blind_ceiling,
        reference=reference_order_blind_ceiling,
        cases=cases,
        name="order_blind_ceiling",
        hint="given the bag (the counts c_v), every arrangement of it is equally likely, "
        "so the token at any one position is v with probability c_v / T; average the "
        "best such probability over the bags, each weighted by how likely it is",
        mistakes=ORDER_BLIND_CEILING_MISTAKES,
    )
