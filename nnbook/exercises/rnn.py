"""Self-checks for the exercises of chapter 11, "Recurrent networks".

The references are written here from the chapter's equations (the recurrence,
the BPTT recursion, clipping by the global norm), not imported from
:mod:`nnlib.layers.recurrent` or :mod:`nnlib.clipping`.  Shapes follow nnlib:
``X`` is ``(batch, T, n_in)``, hidden states ``H`` are ``(batch, T, n_hidden)``,
``h0`` is ``(batch, n_hidden)``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from nnbook.exercises import CheckResult, check_function

__all__ = [
    "check_bptt",
    "check_clip_grad_norm",
    "check_rnn_forward",
    "reference_bptt",
    "reference_clip_grad_norm",
    "reference_rnn_forward",
]


def reference_rnn_forward(X, W_xh, W_hh, b, h0):
    """``h_t = tanh(W_hh h_{t-1} + W_xh x_t + b)`` for every row; returns all ``h_t``."""
    X = np.asarray(X, dtype=float)
    n, T, _ = X.shape
    H = np.zeros((n, T, W_hh.shape[0]))
    for k in range(n):
        h = np.asarray(h0[k], dtype=float)
        for t in range(T):
            h = np.tanh(W_hh @ h + W_xh @ X[k, t] + b)
            H[k, t] = h
    return H


def reference_bptt(X, H, h0, dH, W_hh):
    """``(dW_xh, dW_hh, db)`` by the BPTT recursion, one example and one step at a time."""
    n, T, _ = X.shape
    dW_xh = np.zeros((W_hh.shape[0], X.shape[2]))
    dW_hh = np.zeros_like(W_hh, dtype=float)
    db = np.zeros(W_hh.shape[0])
    for k in range(n):
        delta_next = np.zeros(W_hh.shape[0])
        for t in range(T - 1, -1, -1):
            delta = (1 - H[k, t] ** 2) * (dH[k, t] + W_hh.T @ delta_next)
            h_prev = h0[k] if t == 0 else H[k, t - 1]
            dW_xh += np.outer(delta, X[k, t])
            dW_hh += np.outer(delta, h_prev)
            db += delta
            delta_next = delta
    return dW_xh, dW_hh, db


def reference_clip_grad_norm(grads, max_norm):
    """Rescale the list of arrays ``grads`` so that their global 2-norm is <= max_norm."""
    total = np.sqrt(sum(float(np.sum(np.asarray(g, dtype=float) ** 2)) for g in grads))
    scale = min(1.0, max_norm / total) if total > 0 else 1.0
    return tuple(np.asarray(g, dtype=float) * scale for g in grads)


def _rnn_case(rng, n, T, n_in, n_hidden, scale=0.6):
    X = rng.normal(size=(n, T, n_in))
    W_xh = scale * rng.normal(size=(n_hidden, n_in))
    W_hh = scale * rng.normal(size=(n_hidden, n_hidden)) / np.sqrt(n_hidden)
    b = 0.1 * rng.normal(size=n_hidden)
    h0 = 0.5 * rng.normal(size=(n, n_hidden))
    return X, W_xh, W_hh, b, h0


def check_rnn_forward(rnn_forward: Callable[..., np.ndarray]) -> CheckResult:
    """Check a reader's ``rnn_forward(X, W_xh, W_hh, b, h0)`` returning ``H`` (batch, T, n_hidden).

    Cases: one step of a scalar RNN, a nonzero initial state, and batches with
    different ``n_in`` and ``n_hidden`` (so swapped weight matrices fail).
    """
    rng = np.random.default_rng(20)
    cases = [
        (np.ones((1, 1, 1)), np.array([[0.5]]), np.array([[2.0]]), np.array([0.0]),
         np.array([[1.0]])),
        _rnn_case(rng, 1, 4, 1, 1),
        _rnn_case(rng, 3, 5, 2, 4),
        _rnn_case(rng, 2, 6, 4, 3),
    ]
    return check_function(
        rnn_forward,
        reference=reference_rnn_forward,
        cases=cases,
        name="rnn_forward",
        hint="with rows as examples, h = tanh(h @ W_hh.T + X[:, t] @ W_xh.T + b), starting "
        "from h = h0, and H[:, t] = h.",
    )


def check_bptt(bptt: Callable[..., tuple]) -> CheckResult:
    """Check a reader's ``bptt(X, H, h0, dH, W_hh)`` returning ``(dW_xh, dW_hh, db)``.

    ``H`` are the hidden states of a forward pass with ``h0``; ``dH`` holds
    :math:`\\partial L/\\partial h_t` arriving directly at each step.
    """
    rng = np.random.default_rng(21)
    cases = []
    for n, T, n_in, n_hidden in [(1, 1, 1, 1), (1, 3, 1, 1), (2, 4, 3, 2), (3, 5, 2, 4)]:
        X, W_xh, W_hh, b, h0 = _rnn_case(rng, n, T, n_in, n_hidden)
        H = reference_rnn_forward(X, W_xh, W_hh, b, h0)
        cases.append((X, H, h0, rng.normal(size=H.shape), W_hh))
    return check_function(
        bptt,
        reference=reference_bptt,
        cases=cases,
        name="bptt",
        hint="go backwards in time: delta_t = (1 - h_t**2) * (dH_t + delta_{t+1} @ W_hh) "
        "(rows), then add delta_t^T x_t, delta_t^T h_{t-1} (h_0 at t = 1) and delta_t over "
        "every step and example.",
    )


def check_clip_grad_norm(clip: Callable[..., tuple]) -> CheckResult:
    """Check a reader's ``clip(grads, max_norm)`` returning the clipped arrays as a tuple.

    Cases: a gradient already short enough (must be unchanged), the 3-4-5
    triangle, and several arrays that are clipped *together* by their global norm.
    """
    rng = np.random.default_rng(22)
    cases = [
        ((np.array([0.3, 0.4]),), 1.0),
        ((np.array([3.0, 4.0]),), 1.0),
        ((rng.normal(size=(3, 2)), rng.normal(size=3), rng.normal(size=(2, 2))), 0.5),
        ((10 * rng.normal(size=4), 0.1 * rng.normal(size=(2, 3))), 2.0),
    ]

    def candidate(grads, max_norm):
        return tuple(clip([np.array(g, dtype=float) for g in grads], max_norm))

    def reference(grads, max_norm):
        return reference_clip_grad_norm(list(grads), float(max_norm))

    return check_function(
        candidate,
        reference=reference,
        cases=[(list(grads), max_norm) for grads, max_norm in cases],
        name="clip_grad_norm",
        hint="one norm for all arrays together, sqrt(sum of all squares); if it exceeds "
        "max_norm, multiply every array by max_norm / norm, otherwise change nothing.",
    )
