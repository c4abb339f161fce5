"""Self-checks for chapter 5 (backpropagation).

Three checkers, each of which runs the reader's function on a few inputs,
compares it with an independent reference, and, when something is wrong, tries
the usual mistakes to say *which* one was made:

* :func:`check_delta_hidden` -- one step of the hidden-layer recursion
  :math:`\\delta^l = ((W^{l+1})^\\top \\delta^{l+1}) \\odot \\tanh'(z^l)`
  for a single example (column-vector math, as in the chapter's equations);
* :func:`check_delta_softmax_ce` -- the output error of softmax + cross-entropy,
  :math:`\\delta^L = \\operatorname{softmax}(z^L) - y`;
* :func:`check_backward` -- a whole backward pass of a two-layer network
  (``Dense -> tanh -> Dense``, mean MSE over a minibatch, examples as rows),
  compared with ``nnlib`` and with central finite differences, naming the
  gradient that is wrong (and why, when the mistake is a common one).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from nnbook.exercises import (
    FAIL_MARK,
    PASS_MARK,
    CheckResult,
    compare,
    not_written,
    raised,
    short_repr,
)

__all__ = [
    "check_backward",
    "check_delta_hidden",
    "check_delta_softmax_ce",
    "reference_backward",
    "reference_delta_hidden",
    "reference_delta_softmax_ce",
]

_RTOL, _ATOL = 1e-7, 1e-10


def _close(a: Any, b: Any) -> bool:
    try:
        a = np.asarray(a, dtype=float)
        b = np.asarray(b, dtype=float)
    except (TypeError, ValueError):
        return False
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=_RTOL, atol=_ATOL))


# ---------------------------------------------------------------------------------------
# one step of the hidden-layer recursion
# ---------------------------------------------------------------------------------------
def reference_delta_hidden(
    delta_next: np.ndarray, W_next: np.ndarray, z: np.ndarray
) -> np.ndarray:
    """:math:`\\delta^l = ((W^{l+1})^\\top \\delta^{l+1}) \\odot (1 - \\tanh^2 z^l)`.

    Parameters
    ----------
    delta_next : numpy.ndarray, shape (m_{l+1},)
    W_next : numpy.ndarray, shape (m_{l+1}, m_l)
    z : numpy.ndarray, shape (m_l,)

    Returns
    -------
    numpy.ndarray, shape (m_l,)
    """
    return (W_next.T @ delta_next) * (1.0 - np.tanh(z) ** 2)


def _delta_hidden_cases() -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(5)
    cases = []
    for m_next, m in [(2, 3), (3, 3), (1, 4)]:
        cases.append((rng.normal(size=m_next), rng.normal(size=(m_next, m)), rng.normal(size=m)))
    return cases


def check_delta_hidden(delta_hidden: Callable[..., Any]) -> CheckResult:
    """Check ``delta_hidden(delta_next, W_next, z)`` for a tanh hidden layer.

    The function takes :math:`\\delta^{l+1}` (shape ``(m_{l+1},)``),
    :math:`W^{l+1}` (shape ``(m_{l+1}, m_l)``) and :math:`z^l` (shape
    ``(m_l,)``) and must return :math:`\\delta^l` (shape ``(m_l,)``).

    Returns
    -------
    CheckResult
        Truthy when correct; otherwise says which usual mistake was made.
    """
    label = "delta_hidden"
    cases = _delta_hidden_cases()
    for delta_next, W_next, z in cases:
        expected = reference_delta_hidden(delta_next, W_next, z)
        try:
            actual = delta_hidden(delta_next.copy(), W_next.copy(), z.copy())
        except NotImplementedError:
            return not_written(label)
        except Exception as error:  # the reader's code may raise anything
            hint = None
            if isinstance(error, ValueError) and W_next.shape[0] != W_next.shape[1]:
                hint = (
                    f"W_next has shape {W_next.shape} = (m_(l+1), m_l) and delta_next has shape "
                    f"{delta_next.shape}: the product that fits is W_next.T @ delta_next, "
                    "i.e. (W^(l+1))^T delta^(l+1)."
                )
            return raised(label, error, hint=hint)
        if _close(actual, expected):
            continue
        back = W_next.T @ delta_next
        actual_arr = np.asarray(actual, dtype=float) if _is_numeric(actual) else None
        if actual_arr is not None and actual_arr.shape != expected.shape:
            return CheckResult(
                False,
                f"{FAIL_MARK} {label}: expected shape {expected.shape} (one entry per unit of "
                f"layer l), got shape {actual_arr.shape}",
            )
        diagnoses = [
            (
                back,
                "you returned (W^(l+1))^T delta^(l+1) without the factor sigma'(z^l): "
                "multiply elementwise by 1 - tanh(z)**2.",
            ),
            (
                back * np.tanh(z),
                "you multiplied by tanh(z), the activation itself; the recursion "
                "needs its derivative, 1 - tanh(z)**2.",
            ),
            (
                back * (1.0 - z**2),
                "you used 1 - z**2; the derivative of tanh at z is "
                "1 - tanh(z)**2 (1 - a**2 with a = tanh(z)).",
            ),
            (-expected, "the sign is flipped."),
            (
                W_next.T @ (delta_next * (1.0 - np.tanh(z) ** 2))
                if W_next.shape[0] == W_next.shape[1]
                else None,
                "wrong grouping: you applied tanh'(z^l) before the transpose; the "
                "recursion is ((W^(l+1))^T delta^(l+1)) * tanh'(z^l), with sigma' of "
                "THIS layer applied after the product.",
            ),
            (
                back * (1.0 / (1.0 + np.exp(-z))) * (1.0 - 1.0 / (1.0 + np.exp(-z))),
                "you used the sigmoid's derivative sigma(z)(1 - sigma(z)); this layer "
                "is tanh, whose derivative is 1 - tanh(z)**2.",
            ),
        ]
        if W_next.shape[0] == W_next.shape[1]:
            diagnoses.append(
                (
                    (W_next @ delta_next) * (1.0 - np.tanh(z) ** 2),
                    "you used W^(l+1) delta^(l+1); the error flows back through the transpose, "
                    "(W^(l+1))^T delta^(l+1).",
                )
            )
        message = (
            f"{FAIL_MARK} {label}: for delta_next={short_repr(delta_next)}, z={short_repr(z)}\n"
            f"  {compare(expected, actual, _RTOL, _ATOL)}"
        )
        for wrong, hint in diagnoses:
            if wrong is not None and _close(actual, wrong):
                message += f"\n  hint: {hint}"
                break
        return CheckResult(False, message)
    return CheckResult(True, f"{PASS_MARK} {label}: correct on all {len(cases)} test inputs.")


def _is_numeric(value: Any) -> bool:
    try:
        np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return False
    return True


# ---------------------------------------------------------------------------------------
# softmax + cross-entropy output error
# ---------------------------------------------------------------------------------------
def reference_delta_softmax_ce(z: np.ndarray, y: np.ndarray) -> np.ndarray:
    """:math:`\\delta^L = \\operatorname{softmax}(z) - y` for one example (stable softmax).

    Parameters
    ----------
    z : numpy.ndarray, shape (K,)
        Logits.
    y : numpy.ndarray, shape (K,)
        One-hot target.

    Returns
    -------
    numpy.ndarray, shape (K,)
    """
    e = np.exp(z - np.max(z))
    return e / e.sum() - y


def check_delta_softmax_ce(delta_out: Callable[..., Any]) -> CheckResult:
    """Check ``delta_out(z, y)``: the output error of softmax + cross-entropy.

    The cases include logits of size 1000, where an unshifted softmax
    overflows.

    Returns
    -------
    CheckResult
    """
    label = "delta_out"
    cases = [
        (np.array([0.0, 0.0, 0.0]), np.array([1.0, 0.0, 0.0])),
        (np.array([2.0, -1.0, 0.5, 0.0]), np.array([0.0, 0.0, 1.0, 0.0])),
        (np.array([1000.0, 998.0, 990.0]), np.array([0.0, 1.0, 0.0])),
    ]
    for z, y in cases:
        expected = reference_delta_softmax_ce(z, y)
        try:
            with np.errstate(all="ignore"):
                actual = delta_out(z.copy(), y.copy())
        except NotImplementedError:
            return not_written(label)
        except Exception as error:  # the reader's code may raise anything
            return raised(label, error)
        if _close(actual, expected):
            continue
        p = expected + y
        message = (
            f"{FAIL_MARK} {label}: for z={short_repr(z)}, y={short_repr(y)}\n"
            f"  {compare(expected, actual, _RTOL, _ATOL)}"
        )
        if _is_numeric(actual) and not np.all(np.isfinite(np.asarray(actual, dtype=float))):
            message += (
                "\n  hint: exp(1000) overflows; subtract max(z) from z before exponentiating "
                "(softmax(z) = softmax(z - c) for any constant c)."
            )
        elif _close(actual, p):
            message += "\n  hint: you returned softmax(z); the error term is softmax(z) - y."
        elif _close(actual, -expected):
            message += "\n  hint: the sign is flipped: delta^L = p - y, not y - p."
        elif _close(actual, -y * (1.0 - p)):
            message += (
                "\n  hint: you kept only the diagonal of the softmax Jacobian, "
                "(-y/p) * p(1 - p); softmax is not elementwise, so every p_k depends on "
                "every z_j and the full Jacobian gives p - y."
            )
        elif _close(actual, np.exp(z) - y) or _close(actual, z - y):
            message += "\n  hint: normalise: p_k = exp(z_k) / sum_j exp(z_j)."
        return CheckResult(False, message)
    return CheckResult(True, f"{PASS_MARK} {label}: correct on all {len(cases)} test inputs.")


# ---------------------------------------------------------------------------------------
# a whole backward pass
# ---------------------------------------------------------------------------------------
_NAMES = ("W1", "b1", "W2", "b2")


def _forward(params: dict[str, np.ndarray], X: np.ndarray) -> dict[str, np.ndarray]:
    Z1 = X @ params["W1"].T + params["b1"]
    A1 = np.tanh(Z1)
    Z2 = A1 @ params["W2"].T + params["b2"]
    return {"X": X, "Z1": Z1, "A1": A1, "Z2": Z2}


def _loss(params: dict[str, np.ndarray], X: np.ndarray, Y: np.ndarray) -> float:
    Z2 = _forward(params, X)["Z2"]
    return 0.5 * float(np.sum((Z2 - Y) ** 2)) / X.shape[0]


def reference_backward(
    params: dict[str, np.ndarray], cache: dict[str, np.ndarray], Y: np.ndarray
) -> dict[str, np.ndarray]:
    """Gradients of the mean MSE of ``Dense -> tanh -> Dense``, computed by ``nnlib``.

    Parameters
    ----------
    params : dict
        ``W1`` (m1, m0), ``b1`` (m1,), ``W2`` (m2, m1), ``b2`` (m2,).
    cache : dict
        ``X`` (batch, m0), ``Z1``, ``A1`` (batch, m1), ``Z2`` (batch, m2).
    Y : numpy.ndarray, shape (batch, m2)

    Returns
    -------
    dict
        ``W1, b1, W2, b2``: :math:`\\partial J/\\partial\\theta`, each the shape of its parameter.
    """
    from nnlib.activations import Tanh
    from nnlib.layers.dense import Dense
    from nnlib.losses import MSE
    from nnlib.network import Sequential

    m1, m0 = params["W1"].shape
    m2 = params["W2"].shape[0]
    net = Sequential(Dense(m0, m1, rng=0), Tanh(), Dense(m1, m2, rng=0))
    for layer, (W, b) in zip(
        (net.layers[0], net.layers[2]), (("W1", "b1"), ("W2", "b2")), strict=True
    ):
        layer.W.value[...] = params[W]
        layer.b.value[...] = params[b]
    loss = MSE()
    loss.forward(net.forward(cache["X"]), Y)
    net.backward(loss.backward())
    grads = [p.grad.copy() for p in net.parameters()]
    return dict(zip(_NAMES, grads, strict=True))


def _finite_differences(
    params: dict[str, np.ndarray], X: np.ndarray, Y: np.ndarray, eps: float = 1e-6
) -> dict[str, np.ndarray]:
    grads = {}
    for name in _NAMES:
        g = np.zeros_like(params[name])
        for idx in np.ndindex(g.shape):
            plus = {k: v.copy() for k, v in params.items()}
            minus = {k: v.copy() for k, v in params.items()}
            plus[name][idx] += eps
            minus[name][idx] -= eps
            g[idx] = (_loss(plus, X, Y) - _loss(minus, X, Y)) / (2 * eps)
        grads[name] = g
    return grads


def _backward_cases() -> list[tuple[dict[str, np.ndarray], np.ndarray]]:
    rng = np.random.default_rng(55)
    cases = []
    for batch, m0, m1, m2 in [(5, 3, 4, 2), (1, 2, 3, 1), (8, 4, 2, 3)]:
        params = {
            "W1": rng.normal(size=(m1, m0)),
            "b1": rng.normal(size=m1),
            "W2": rng.normal(size=(m2, m1)),
            "b2": rng.normal(size=m2),
        }
        X = rng.normal(size=(batch, m0))
        Y = rng.normal(size=(batch, m2))
        cases.append((params, X, Y))
    return cases


def _diagnose_gradient(
    name: str, actual: Any, expected: np.ndarray, batch: int, extra: list[tuple[np.ndarray, str]]
) -> str:
    """Say what is wrong with one gradient (``actual`` does not match ``expected``)."""
    label = f"dL_d{name}"
    if not _is_numeric(actual):
        return f"{label} is not an array (got {type(actual).__name__})"
    a = np.asarray(actual, dtype=float)
    if a.shape != expected.shape:
        text = f"{label} has the wrong shape {a.shape}, expected {expected.shape}"
        if expected.ndim == 2 and a.shape == expected.T.shape:
            text += (
                ": did you forget the transpose? With examples as rows, "
                "dJ/dW = Delta^T A_prev / |B| has shape (n_out, n_in), like W."
            )
        elif a.shape == (1, *expected.shape):
            text += (
                ": the sum over the batch kept its axis (keepdims=True, or a (1, n) "
                "row). A bias of shape (n,) has a gradient of shape (n,): sum with "
                "axis=0 and no keepdims."
            )
        elif expected.ndim == 1 and a.ndim == 2 and a.shape[1] == expected.shape[0]:
            text += ": sum (and average) the rows over the examples of the batch."
        return text
    problem = compare(expected, a, _RTOL, _ATOL)
    text = f"{label} is wrong: {problem}"
    hints = [
        (
            expected * batch,
            "it is |B| times too large: J is the MEAN over the batch, so divide by |B| (once).",
        ),
        (expected / batch, "it is |B| times too small: you divided by |B| twice."),
        (-expected, "the sign is flipped."),
        *extra,
    ]
    for wrong, hint in hints:
        if _close(a, wrong):
            return text + f"\n  hint: {hint}"
    return text


def check_backward(backward: Callable[..., Any]) -> CheckResult:
    """Check a reader's backward pass of ``Dense -> tanh -> Dense`` with mean MSE.

    ``backward(params, cache, Y)`` receives the parameters (``W1`` of shape
    ``(m1, m0)``, ``b1``, ``W2`` of shape ``(m2, m1)``, ``b2``), the forward
    cache (``X``, ``Z1``, ``A1 = tanh(Z1)``, ``Z2`` = the output, examples as
    rows) and the targets ``Y``, and returns a dict with the gradients of
    :math:`J = \\frac{1}{|B|}\\sum_i \\tfrac12\\lVert a^{2(i)} - y^{(i)}\\rVert^2`
    under the keys ``"W1", "b1", "W2", "b2"``.  Each is compared with
    ``nnlib``'s ``Sequential.backward``, which is itself compared with central
    finite differences; the verdict names every gradient that is wrong.

    Returns
    -------
    CheckResult
    """
    label = "backward"
    cases = _backward_cases()
    for params, X, Y in cases:
        cache = _forward(params, X)
        expected = reference_backward(params, cache, Y)
        numeric = _finite_differences(params, X, Y)
        for name in _NAMES:  # the reference itself must agree with finite differences
            if not np.allclose(expected[name], numeric[name], rtol=1e-5, atol=1e-7):
                raise AssertionError(f"nnlib and finite differences disagree on {name}")
        try:
            actual = backward(
                {k: v.copy() for k, v in params.items()},
                {k: v.copy() for k, v in cache.items()},
                Y.copy(),
            )
        except NotImplementedError:
            return not_written(label)
        except Exception as error:  # the reader's code may raise anything
            hint = None
            if isinstance(error, ValueError) and "matmul" in str(error):
                hint = (
                    "check each product's shapes: rows are examples, Delta2 is (batch, m2), "
                    "W2 is (m2, m1), so Delta2 @ W2 is (batch, m1)."
                )
            return raised(label, error, hint=hint)
        if not isinstance(actual, dict):
            return CheckResult(
                False,
                f"{FAIL_MARK} {label}: expected a dict with keys {list(_NAMES)}, "
                f"got {type(actual).__name__}",
            )
        missing = [n for n in _NAMES if n not in actual]
        if missing:
            return CheckResult(False, f"{FAIL_MARK} {label}: the result has no key(s) {missing}")
        wrong = [n for n in _NAMES if not _close(actual[n], expected[n])]
        if not wrong:
            continue
        batch = X.shape[0]
        # usual mistakes in the hidden layer, computed from the same cache
        delta2 = (cache["Z2"] - Y) / batch
        no_sigma = delta2 @ params["W2"]
        extra = {
            "W1": [
                (no_sigma.T @ X, "dL_dW1 lacks the factor tanh'(z1) = 1 - A1**2 in delta1."),
                (
                    (no_sigma * (1 - cache["Z1"] ** 2)).T @ X,
                    "you used 1 - Z1**2; tanh'(z1) = 1 - tanh(z1)**2 = 1 - A1**2.",
                ),
            ],
            "b1": [
                (no_sigma.sum(axis=0), "dL_db1 lacks the factor tanh'(z1) = 1 - A1**2 in delta1."),
                (
                    (no_sigma * (1 - cache["Z1"] ** 2)).sum(axis=0),
                    "you used 1 - Z1**2; tanh'(z1) = 1 - tanh(z1)**2 = 1 - A1**2.",
                ),
            ],
            "W2": [
                (
                    delta2.T @ cache["Z1"],
                    "dL_dW2 multiplies Delta2 by the pre-activation Z1; the second layer's "
                    "input is the activation A1 = tanh(Z1), so dL_dW2 = Delta2^T A1.",
                ),
            ],
            "b2": [],
        }
        lines = [
            f"{FAIL_MARK} {label}: for a batch of {batch} with widths "
            f"{X.shape[1]}-{cache['A1'].shape[1]}-{Y.shape[1]}:"
        ]
        for name in wrong:
            lines.append(
                "  " + _diagnose_gradient(name, actual[name], expected[name], batch, extra[name])
            )
        right = [f"dL_d{n}" for n in _NAMES if n not in wrong]
        if right:
            lines.append(f"  ({', '.join(right)} {'is' if len(right) == 1 else 'are'} right.)")
        return CheckResult(False, "\n".join(lines))
    return CheckResult(
        True,
        f"{PASS_MARK} {label}: all four gradients agree with nnlib and with central finite "
        f"differences on {len(cases)} networks.",
    )
