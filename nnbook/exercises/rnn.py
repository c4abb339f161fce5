"""Self-checks for the exercises of chapter 13, "Recurrent networks".

The references are written here from the chapter's equations (the recurrence,
the BPTT recursion, clipping by the global norm), not imported from
:mod:`nnlib.layers.recurrent` or :mod:`nnlib.clipping`.  Shapes follow nnlib:
``X`` is ``(batch, T, n_in)``, hidden states ``H`` are ``(batch, T, n_hidden)``,
``h0`` is ``(batch, n_hidden)``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from nnbook.exercises import CheckResult
from nnbook.exercises._diagnose import Mistake, catalogue, check_diagnosing

__all__ = [
    "BPTT_MISTAKES",
    "CLIP_MISTAKES",
    "LSTM_STEP_MISTAKES",
    "RNN_FORWARD_MISTAKES",
    "check_bptt",
    "check_clip_grad_norm",
    "check_lstm_step",
    "check_rnn_forward",
    "reference_bptt",
    "reference_clip_grad_norm",
    "reference_lstm_step",
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


def _rnn_forward_variant(X, W_xh, W_hh, b, h0, *, transpose=False, use_h0=True,
                         bias=True, tanh_input_only=False, store_prev=False):
    X = np.asarray(X, dtype=float)
    n, T, _ = X.shape
    H = np.zeros((n, T, W_hh.shape[0]))
    for k in range(n):
        h = np.asarray(h0[k], dtype=float) if use_h0 else np.zeros(W_hh.shape[0])
        for t in range(T):
            rec = (W_hh.T if transpose else W_hh) @ h
            inp = W_xh @ X[k, t] + (b if bias else 0.0)
            new = rec + np.tanh(inp) if tanh_input_only else np.tanh(rec + inp)
            H[k, t] = h if store_prev else new
            h = new
    return H


def _bptt_variant(X, H, h0, dH, W_hh, *, no_tanh_grad=False, transpose=False,
                  truncated=False, prev_tanh=False, h_t_in_dW=False, mean=False):
    n, T, _ = X.shape
    dW_xh = np.zeros((W_hh.shape[0], X.shape[2]))
    dW_hh = np.zeros_like(W_hh, dtype=float)
    db = np.zeros(W_hh.shape[0])
    for k in range(n):
        delta_next = np.zeros(W_hh.shape[0])
        for t in range(T - 1, -1, -1):
            h_prev = h0[k] if t == 0 else H[k, t - 1]
            carry = 0.0 if truncated else (W_hh if transpose else W_hh.T) @ delta_next
            slope = 1.0 if no_tanh_grad else 1 - (h_prev if prev_tanh else H[k, t]) ** 2
            delta = slope * (dH[k, t] + carry)
            dW_xh += np.outer(delta, X[k, t])
            dW_hh += np.outer(delta, H[k, t] if h_t_in_dW else h_prev)
            db += delta
            delta_next = delta
    if mean:
        return dW_xh / n, dW_hh / n, db / n
    return dW_xh, dW_hh, db


def _clip_per_array(grads, max_norm):
    out = []
    for g in grads:
        g = np.asarray(g, dtype=float)
        norm = np.linalg.norm(g)
        out.append(g * min(1.0, max_norm / norm) if norm > 0 else g)
    return tuple(out)


def _clip_by_norm(grads, max_norm, order):
    flat = np.concatenate([np.ravel(g) for g in grads])
    total = np.linalg.norm(flat, order)
    scale = min(1.0, max_norm / total) if total > 0 else 1.0
    return tuple(np.asarray(g, dtype=float) * scale for g in grads)


#: classic wrong answers of each exercise, named in the verdict
RNN_FORWARD_MISTAKES = catalogue(
    [
    ("you multiplied by W_hh.T instead of W_hh (with rows as examples: h @ W_hh.T)",
     lambda *a: _rnn_forward_variant(*a, transpose=True)),
    ("h0 is ignored: the first step must start from the given h0, not from zeros",
     lambda *a: _rnn_forward_variant(*a, use_h0=False)),
    ("the bias b is missing", lambda *a: _rnn_forward_variant(*a, bias=False)),
    ("tanh is applied to the input part only; it wraps the whole sum "
     "W_hh h + W_xh x + b", lambda *a: _rnn_forward_variant(*a, tanh_input_only=True)),
    ("H[:, t] holds h_{t-1}; it must hold the new state h_t",
     lambda *a: _rnn_forward_variant(*a, store_prev=True)),
]
)
BPTT_MISTAKES = catalogue(
    [
    ("the tanh derivative 1 - h_t**2 is missing", lambda *a: _bptt_variant(*a, no_tanh_grad=True)),
    ("the recurrent term uses W_hh instead of W_hh.T (rows: delta @ W_hh.T instead of "
     "delta @ W_hh)", lambda *a: _bptt_variant(*a, transpose=True)),
    ("the recurrent term W_hh.T delta_{t+1} is missing: this is BPTT truncated to one step",
     lambda *a: _bptt_variant(*a, truncated=True)),
    ("the tanh derivative uses h_{t-1}; it is 1 - h_t**2 of the step's own output",
     lambda *a: _bptt_variant(*a, prev_tanh=True)),
    ("dW_hh uses h_t; the weight multiplies h_{t-1} (h0 at the first step)",
     lambda *a: _bptt_variant(*a, h_t_in_dW=True)),
    ("you averaged over the batch; the loss is a sum, so are its gradients",
     lambda *a: _bptt_variant(*a, mean=True)),
]
)
CLIP_MISTAKES = catalogue(
    [
    ("each array is clipped by its own norm; clip all arrays together by their global norm",
     _clip_per_array),
    ("this is clipping by value (each entry to [-c, c]); it changes the direction",
     lambda grads, c: tuple(np.clip(np.asarray(g, dtype=float), -c, c) for g in grads)),
    ("you used the L1 norm; the global norm is the 2-norm, sqrt(sum of squares)",
     lambda grads, c: _clip_by_norm(grads, c, 1)),
    ("you always rescale to length max_norm; a gradient already shorter must stay unchanged",
     lambda grads, c: tuple(np.asarray(g, dtype=float) * c / np.sqrt(
         sum(float(np.sum(np.asarray(h) ** 2)) for h in grads)) for g in grads)),
]
)


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
    return check_diagnosing(
        rnn_forward,
        reference=reference_rnn_forward,
        cases=cases,
        name="rnn_forward",
        hint="with rows as examples, h = tanh(h @ W_hh.T + X[:, t] @ W_xh.T + b), starting "
        "from h = h0, and H[:, t] = h.",
        mistakes=RNN_FORWARD_MISTAKES,
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
    return check_diagnosing(
        bptt,
        reference=reference_bptt,
        cases=cases,
        name="bptt",
        hint="go backwards in time: delta_t = (1 - h_t**2) * (dH_t + delta_{t+1} @ W_hh) "
        "(rows), then add delta_t^T x_t, delta_t^T h_{t-1} (h_0 at t = 1) and delta_t over "
        "every step and example.",
        mistakes=BPTT_MISTAKES,
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

    mistakes = [
        Mistake(
            answer=lambda grads, max_norm, wrong=m.answer: wrong(list(grads), float(max_norm)),
            message=m.message,
        )
        for m in CLIP_MISTAKES
    ]
    return check_diagnosing(
        candidate,
        reference=reference,
        cases=[(list(grads), max_norm) for grads, max_norm in cases],
        name="clip_grad_norm",
        hint="one norm for all arrays together, sqrt(sum of all squares); if it exceeds "
        "max_norm, multiply every array by max_norm / norm, otherwise change nothing.",
        mistakes=mistakes,
    )


# ---------------------------------------------------------------------------------
# One LSTM step (eq-rnn-lstm-gates, eq-rnn-lstm-cell), gate order (i, f, g, o)
# ---------------------------------------------------------------------------------
def _sig(a):
    return 0.5 * (1.0 + np.tanh(0.5 * a))  # the logistic function, without overflow


def reference_lstm_step(x, h, c, W_ih, W_hh, b):
    """``(h_t, c_t)`` of one LSTM step for every row, one example at a time, column form."""
    x, h, c = (np.asarray(v, dtype=float) for v in (x, h, c))
    m = h.shape[1]
    h_new, c_new = np.zeros_like(h), np.zeros_like(c)
    for k in range(x.shape[0]):
        a = W_ih @ x[k] + W_hh @ h[k] + b
        i, f, g, o = _sig(a[:m]), _sig(a[m : 2 * m]), np.tanh(a[2 * m : 3 * m]), _sig(a[3 * m :])
        c_new[k] = f * c[k] + i * g
        h_new[k] = o * np.tanh(c_new[k])
    return h_new, c_new


def _lstm_step_variant(x, h, c, W_ih, W_hh, b, *, rule):
    m = h.shape[1]
    a = x @ W_ih.T + h @ W_hh.T + b
    blocks = [a[:, k * m : (k + 1) * m] for k in range(4)]
    if rule == "ifog":  # the order (i, f, o, g) of some papers: g and o swapped
        blocks = [blocks[0], blocks[1], blocks[3], blocks[2]]
    i, f, o = _sig(blocks[0]), _sig(blocks[1]), _sig(blocks[3])
    g = _sig(blocks[2]) if rule == "sigmoid_g" else np.tanh(blocks[2])
    c_new = (c if rule == "no_forget" else f * c) + i * g
    if rule == "no_tanh":
        return o * c_new, c_new
    if rule == "no_output_gate":
        return np.tanh(c_new), c_new
    return o * np.tanh(c_new), c_new


#: classic wrong answers of the LSTM-step exercise
LSTM_STEP_MISTAKES = catalogue(
    [
        (
            "the old cell is not multiplied by the forget gate: c_t = f_t * c_{t-1} + i_t * g_t",
            lambda *a: _lstm_step_variant(*a, rule="no_forget"),
        ),
        (
            "the gate blocks are read in the order (i, f, o, g); nnlib and PyTorch use "
            "(i, f, g, o): the third block is the candidate g, the fourth the output gate",
            lambda *a: _lstm_step_variant(*a, rule="ifog"),
        ),
        (
            "h_t = o_t * c_t: the cell goes through tanh before the output gate",
            lambda *a: _lstm_step_variant(*a, rule="no_tanh"),
        ),
        (
            "h_t = tanh(c_t): the output gate o_t is missing",
            lambda *a: _lstm_step_variant(*a, rule="no_output_gate"),
        ),
        (
            "the candidate g_t uses a sigmoid; it is a tanh (values in (-1, 1))",
            lambda *a: _lstm_step_variant(*a, rule="sigmoid_g"),
        ),
    ]
)


def check_lstm_step(lstm_step: Callable[..., tuple]) -> CheckResult:
    """Check a reader's ``lstm_step(x, h, c, W_ih, W_hh, b)`` returning ``(h_t, c_t)``.

    Rows are examples: ``x`` is ``(batch, n_in)``, ``h`` and ``c`` are
    ``(batch, H)``, ``W_ih`` is ``(4H, n_in)``, ``W_hh`` is ``(4H, H)``, ``b`` is
    ``(4H,)`` with the gate blocks in the order (i, f, g, o).
    """
    rng = np.random.default_rng(23)
    cases = []
    for n, n_in, m in [(1, 1, 1), (2, 3, 2), (3, 2, 4)]:
        cases.append(
            (
                rng.normal(size=(n, n_in)),
                rng.normal(size=(n, m)),
                rng.normal(size=(n, m)),
                rng.normal(size=(4 * m, n_in)),
                rng.normal(size=(4 * m, m)),
                rng.normal(size=4 * m),
            )
        )
    return check_diagnosing(
        lstm_step,
        reference=reference_lstm_step,
        cases=cases,
        name="lstm_step",
        hint="a = x @ W_ih.T + h @ W_hh.T + b, split into four blocks of H columns "
        "(i, f, g, o); sigmoid for i, f, o and tanh for g; c_t = f*c + i*g, "
        "h_t = o*tanh(c_t).",
        mistakes=LSTM_STEP_MISTAKES,
    )
