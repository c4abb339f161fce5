"""Finite-difference gradient checks.

The central difference

.. math::

    \\frac{\\partial f}{\\partial x_i} \\approx
    \\frac{f(x + \\varepsilon e_i) - f(x - \\varepsilon e_i)}{2\\varepsilon}

has truncation error :math:`O(\\varepsilon^2)` and round-off error about
:math:`\\epsilon_{\\text{mach}} |f| / \\varepsilon`; with float64 and
:math:`\\varepsilon = 10^{-6}` an analytic gradient that is right agrees to a
relative error of about :math:`10^{-9}` or better, and one with a bug is off by
far more.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from nnlib._validation import as_rng
from nnlib.layers.base import Layer, Parameter

__all__ = ["gradcheck", "numerical_gradient", "relative_error"]


def numerical_gradient(
    f: Callable[[np.ndarray], float], x: np.ndarray, eps: float = 1e-6
) -> np.ndarray:
    """Gradient of a scalar function by central differences.

    Parameters
    ----------
    f : callable
        ``f(x) -> float``.  It is called with ``x`` itself, perturbed in place
        one entry at a time (and restored afterwards), so ``f`` may also read
        ``x`` through another reference, e.g. a layer's ``W.value``.
    x : numpy.ndarray, shape (...)
        Float array where the gradient is taken.
    eps : float
        Step :math:`\\varepsilon`.

    Returns
    -------
    numpy.ndarray, shape like x
        :math:`[f(x + \\varepsilon e_i) - f(x - \\varepsilon e_i)] / (2\\varepsilon)`.
    """
    if not isinstance(x, np.ndarray) or x.dtype.kind != "f":
        got = type(x).__name__ + (f" of dtype {x.dtype}" if isinstance(x, np.ndarray) else "")
        raise TypeError(f"numerical_gradient: expected x to be a float numpy array, got {got}")
    grad = np.zeros(x.shape, dtype=np.float64)
    flat_x = x.reshape(-1)  # a view when x is contiguous
    if not np.shares_memory(flat_x, x):
        raise ValueError("numerical_gradient: expected a contiguous array x")
    flat_g = grad.reshape(-1)
    for i in range(flat_x.size):
        old = flat_x[i]
        flat_x[i] = old + eps
        f_plus = float(f(x))
        flat_x[i] = old - eps
        f_minus = float(f(x))
        flat_x[i] = old
        flat_g[i] = (f_plus - f_minus) / (2.0 * eps)
    return grad


def relative_error(a: np.ndarray, b: np.ndarray, tiny: float = 1e-300) -> float:
    """Max-norm relative error between two arrays.

    .. math::

        \\mathrm{err}(a, b) = \\frac{\\max_i |a_i - b_i|}
                                  {\\max(\\max_i |a_i|,\\ \\max_i |b_i|,\\ \\text{tiny})}

    It is 0 for equal arrays (also both zero), scale-invariant, and not
    inflated by individual entries that are tiny, as an element-wise relative
    error would be.

    Parameters
    ----------
    a, b : array_like, same shape
    tiny : float
        Guards the division when both arrays are zero.

    Returns
    -------
    float
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(
            f"relative_error: expected arrays of equal shape, got {a.shape} and {b.shape}"
        )
    if a.size == 0:
        return 0.0
    num = np.max(np.abs(a - b))
    den = max(np.max(np.abs(a)), np.max(np.abs(b)), tiny)
    return float(num / den)


def _layer_objective(
    layer: Layer,
    X: np.ndarray,
    y: np.ndarray | None,
    loss: Any,
    rng: np.random.Generator,
) -> tuple[Callable[[], float], Callable[[], np.ndarray | None]]:
    """Scalar objective of a layer/network and a function returning its dL/dX.

    With a loss: :math:`J = \\mathrm{loss}(\\mathrm{layer}(X), y)`.  Without:
    :math:`J = \\sum R \\odot \\mathrm{layer}(X)` for a fixed random ``R``, which
    checks the full vector-Jacobian product of ``backward``.
    """
    if loss is None:
        R = rng.standard_normal(np.shape(layer.forward(X)))

        def objective() -> float:
            return float(np.sum(R * layer.forward(X)))

        def analytic() -> np.ndarray | None:
            layer.forward(X)
            return layer.backward(R.copy())

    else:
        if y is None:
            raise ValueError("gradcheck: expected targets y together with loss, got y=None")

        def objective() -> float:
            return float(loss.forward(layer.forward(X), y))

        def analytic() -> np.ndarray | None:
            loss.forward(layer.forward(X), y)
            return layer.backward(loss.backward())

    return objective, analytic


def gradcheck(
    f: Callable[[np.ndarray], float] | Layer,
    X: np.ndarray,
    *,
    grad: np.ndarray | Callable[[np.ndarray], np.ndarray] | None = None,
    y: np.ndarray | None = None,
    loss: object | None = None,
    eps: float = 1e-6,
    rng: np.random.Generator | int | None = 0,
    check_input: bool = True,
    per_tensor: bool = False,
) -> float | dict[str, float]:
    """Compare analytic gradients with central differences; return the max relative error.

    Three uses:

    * **a function**: ``gradcheck(f, x, grad=df)`` with ``f(x) -> float`` and
      ``df(x) -> array`` (or the gradient array itself) checks
      :math:`\\nabla f(x)`;
    * **a layer or network without a loss**: ``gradcheck(layer, X)`` checks
      ``backward`` on :math:`J = \\sum_{ij} R_{ij}\\, Y_{ij}` for a fixed
      random :math:`R` (a random vector-Jacobian product), both
      :math:`\\partial J/\\partial X` and every parameter's ``.grad``;
    * **a network with a loss**: ``gradcheck(model, X, y=y, loss=CrossEntropy())``
      checks the gradients of :math:`J = \\mathrm{loss}(\\mathrm{model}(X), y)`.

    The relative error of each tensor is :func:`relative_error`; the result is
    their maximum.  Layers with randomness (``Dropout`` in training mode) must
    be put in ``eval()`` mode or given a fixed mask first.

    Parameters
    ----------
    f : callable or Layer
        The function ``f(x) -> float``, or a layer / :class:`~nnlib.network.Sequential`.
    X : numpy.ndarray, shape (...) or (batch, n_in)
        The point (function) or the input batch (layer).  Use float64.
    grad : numpy.ndarray or callable, optional
        Analytic gradient of ``f`` at ``X`` (required for a function).
    y : numpy.ndarray, optional
        Targets, with ``loss``.
    loss : Loss, optional
        A loss object (``forward(pred, target)``, ``backward()``).
    eps : float
        Finite-difference step.
    rng : numpy.random.Generator or int or None
        Randomness for :math:`R` (default seed 0, so the check is reproducible).
    check_input : bool
        Also check :math:`\\partial J/\\partial X` (layers only).
    per_tensor : bool
        Return a dict ``{"X": err, "layers[0].W": err, ...}`` instead of the max.

    Returns
    -------
    float or dict of str to float
    """
    if not isinstance(f, Layer):
        if grad is None:
            raise ValueError("gradcheck: expected grad= (the analytic gradient) for a function f")
        x = np.array(X, dtype=np.float64)
        analytic = np.asarray(grad(x.copy()) if callable(grad) else grad, dtype=np.float64)
        numeric = numerical_gradient(f, x, eps)
        if analytic.shape != numeric.shape:
            raise ValueError(
                f"gradcheck: expected grad of shape {numeric.shape}, got {analytic.shape}"
            )
        err = relative_error(analytic, numeric)
        return {"x": err} if per_tensor else err

    layer = f
    X = np.array(X, dtype=np.float64)
    objective, analytic_fn = _layer_objective(layer, X, y, loss, as_rng(rng, "gradcheck"))
    if hasattr(layer, "named_parameters"):
        named: list[tuple[str, Parameter]] = layer.named_parameters()
    else:
        named = [(p.name, p) for p in layer.parameters()]

    dX = analytic_fn()
    param_grads = {name: p.grad.copy() for name, p in named}
    errors: dict[str, float] = {}
    if check_input:
        if dX is None:
            raise ValueError(f"gradcheck: expected {layer!r}.backward to return dL_dX, got None")
        errors["X"] = relative_error(dX, numerical_gradient(lambda _: objective(), X, eps))
    for name, p in named:
        numeric = numerical_gradient(lambda _: objective(), p.value, eps)
        errors[name] = relative_error(param_grads[name], numeric)
    if per_tensor:
        return errors
    return max(errors.values(), default=0.0)
