"""Shared input checks that turn bad input into clear error messages.

Every public entry point of nnlib calls one of these helpers, so that a wrong
shape, a NaN or a misspelled option raises a ``ValueError`` or ``TypeError``
that names *where* it happened (``where``, e.g. ``"Dense(n_in=3, n_out=2).forward"``),
*what* was expected and *what* was given.  The helpers are cheap: the
finiteness test sums the array (one pass, no temporary) and only looks
element-wise when the sum is not finite.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = [
    "as_float_array",
    "as_float_dtype",
    "as_parameters",
    "as_rng",
    "check_finite",
    "check_in_range",
    "check_labels",
    "check_positive_int",
    "check_probability",
    "check_same_shape",
    "format_shape",
]


def format_shape(shape: Sequence[object]) -> str:
    """Format a shape like NumPy does, e.g. ``(5, 4)`` or ``(3,)``."""
    shape = tuple(shape)
    if len(shape) == 1:
        return f"({shape[0]},)"
    return "(" + ", ".join(str(s) for s in shape) + ")"


def as_float_dtype(dtype: npt.DTypeLike, where: str) -> np.dtype:
    """The floating-point dtype a layer computes in; ``TypeError`` for anything else."""
    result = np.dtype(dtype)
    if result.kind != "f":
        raise TypeError(f"{where}: expected a float dtype, got {result}")
    return result


def check_finite(X: np.ndarray, name: str, where: str) -> None:
    """Raise ``ValueError`` if ``X`` holds a NaN or an infinity.

    One reduction (``X.sum()``) decides the common case; only when the sum is
    not finite (a NaN/inf, or an overflow of huge finite values) is the array
    scanned element by element.
    """
    if X.dtype.kind not in "fc" or X.size == 0:
        return
    with np.errstate(over="ignore", invalid="ignore"):
        total = np.add.reduce(X, axis=None)
    if np.isfinite(total):
        return
    bad = ~np.isfinite(X)
    n_bad = int(np.count_nonzero(bad))
    if n_bad:
        n_nan = int(np.count_nonzero(np.isnan(X)))
        first = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ValueError(
            f"{where}: expected finite values in {name}, got {n_nan} NaN and "
            f"{n_bad - n_nan} infinite entries (first at index {first})"
        )


def as_float_array(
    X: object,
    name: str,
    where: str,
    *,
    dtype: np.dtype | type | None = None,
    ndim: int | tuple[int, ...] | None = None,
    finite: bool = True,
    allow_empty: bool = False,
) -> np.ndarray:
    """Convert ``X`` to a floating-point array and check it.

    Parameters
    ----------
    X : array_like
        The input.
    name, where : str
        Name of the argument and of the function/layer, used in messages.
    dtype : dtype, optional
        Target float dtype; by default float arrays keep theirs and everything
        else becomes float64.  No copy is made when ``X`` already has it.
    ndim : int or tuple of int, optional
        Allowed numbers of dimensions.
    finite : bool
        Reject NaN and infinities.
    allow_empty : bool
        Accept a batch with zero rows.

    Returns
    -------
    numpy.ndarray
    """
    if isinstance(X, np.ndarray):
        arr = X
    else:
        try:
            arr = np.asarray(X)
        except (ValueError, TypeError) as err:  # ragged lists and the like
            raise TypeError(f"{where}: expected a numeric array for {name}, got {err}") from err
    if arr.dtype.kind not in "biuf":
        raise TypeError(
            f"{where}: expected a numeric (float) array for {name}, got dtype {arr.dtype}"
        )
    if dtype is not None:
        if arr.dtype != dtype:
            arr = arr.astype(dtype)
    elif arr.dtype.kind != "f":
        arr = arr.astype(np.float64)
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if arr.ndim not in allowed:
            want = " or ".join(f"{d}-D" for d in allowed)
            raise ValueError(
                f"{where}: expected {name} to be {want}, got {arr.ndim}-D array of shape "
                f"{format_shape(arr.shape)}"
            )
    if not allow_empty and arr.ndim >= 1 and arr.shape[0] == 0:
        raise ValueError(
            f"{where}: expected a non-empty batch for {name}, got shape {format_shape(arr.shape)}"
        )
    if finite:
        check_finite(arr, name, where)
    return arr


def check_same_shape(a: np.ndarray, b: np.ndarray, name_a: str, name_b: str, where: str) -> None:
    """Raise ``ValueError`` unless ``a.shape == b.shape``."""
    if a.shape != b.shape:
        raise ValueError(
            f"{where}: expected {name_b} of the same shape as {name_a} "
            f"{format_shape(a.shape)}, got {format_shape(b.shape)}"
        )


def check_labels(y: object, n_classes: int, n_samples: int, where: str) -> np.ndarray:
    """Check integer class labels ``y`` of shape ``(n_samples,)`` in ``[0, n_classes)``.

    Floats that hold whole numbers (e.g. ``np.array([0., 2.])``) are accepted.
    """
    y = np.asarray(y)
    if y.ndim != 1 or y.shape[0] != n_samples:
        raise ValueError(
            f"{where}: expected labels of shape ({n_samples},), got {format_shape(y.shape)}"
        )
    if y.dtype.kind == "f":
        if not np.all(np.isfinite(y)) or np.any(y != np.round(y)):
            raise TypeError(
                f"{where}: expected integer class labels, got non-integer values of dtype "
                f"{y.dtype}"
            )
        y = y.astype(np.intp)
    elif y.dtype.kind not in "iub":
        raise TypeError(f"{where}: expected integer class labels, got dtype {y.dtype}")
    if y.size:
        lo, hi = int(y.min()), int(y.max())
        if lo < 0 or hi >= n_classes:
            bad = lo if lo < 0 else hi
            raise ValueError(
                f"{where}: expected labels in [0, {n_classes}) for {n_classes} classes, "
                f"got label {bad}"
            )
    return y


def check_probability(p: object, name: str, where: str, *, closed_right: bool = False) -> float:
    """Check that ``p`` is a real number in ``[0, 1)`` (or ``[0, 1]``)."""
    if not isinstance(p, numbers.Real) or isinstance(p, bool):
        raise TypeError(f"{where}: expected {name} to be a real number, got {type(p).__name__}")
    p = float(p)
    ok = 0.0 <= p <= 1.0 if closed_right else 0.0 <= p < 1.0
    if not ok:
        interval = "[0, 1]" if closed_right else "[0, 1)"
        raise ValueError(f"{where}: expected {name} in {interval}, got {p!r}")
    return p


def check_in_range(
    value: object,
    name: str,
    where: str,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
) -> float:
    """Check that ``value`` is a finite real number in the given interval."""
    if not isinstance(value, numbers.Real) or isinstance(value, bool):
        raise TypeError(
            f"{where}: expected {name} to be a real number, got {type(value).__name__}"
        )
    value = float(value)
    ok = np.isfinite(value)
    if low is not None:
        ok = ok and (value > low if low_open else value >= low)
    if high is not None:
        ok = ok and (value < high if high_open else value <= high)
    if not ok:
        left = "(" if low_open else "["
        right = ")" if high_open else "]"
        lo = "-inf" if low is None else f"{low:g}"
        hi = "inf" if high is None else f"{high:g}"
        raise ValueError(f"{where}: expected {name} in {left}{lo}, {hi}{right}, got {value!r}")
    return value


def check_positive_int(value: object, name: str, where: str, *, minimum: int = 1) -> int:
    """Check that ``value`` is an integer ``>= minimum``."""
    if not isinstance(value, numbers.Integral) or isinstance(value, bool):
        raise TypeError(f"{where}: expected {name} to be an integer, got {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{where}: expected {name} >= {minimum}, got {value}")
    return int(value)


def as_parameters(params: object, where: str) -> list[Any]:
    """The parameter list of an optimiser, a clipping or a penalty call.

    One policy for every entry point that takes parameters: a layer or network
    (anything with a ``parameters()`` method) stands for its parameters, a
    single :class:`~nnlib.layers.base.Parameter` for the list of it, and any
    other iterable must hold ``Parameter`` objects only.

    Parameters
    ----------
    params : Layer, Parameter or iterable of Parameter
    where : str
        The caller, named in error messages (``"SGD"``, ``"clip_grad_norm"``).

    Returns
    -------
    list of Parameter
        A new list (the parameters themselves are not copied).
    """
    from nnlib.layers.base import Parameter  # deferred: the layers build on this module

    if isinstance(params, Parameter):
        return [params]
    method = getattr(params, "parameters", None)
    if callable(method):
        params = method()
    try:
        result = list(params)  # type: ignore[call-overload]
    except TypeError as err:
        raise TypeError(
            f"{where}: expected a Layer, a Parameter or an iterable of Parameter, "
            f"got {type(params).__name__}"
        ) from err
    for i, p in enumerate(result):
        if not isinstance(p, Parameter):
            raise TypeError(
                f"{where}: expected params to hold Parameter objects, got "
                f"{type(p).__name__} at position {i}"
            )
    return result


def as_rng(rng: object, where: str, *, default_seed: int | None = None) -> np.random.Generator:
    """Return a ``numpy.random.Generator``.

    ``rng`` may be a Generator (used as is, so its state advances), an integer
    seed, or ``None`` (a new generator seeded with ``default_seed``; fresh OS
    entropy when that is ``None`` too).  The global NumPy random state is never
    used.
    """
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None:
        return np.random.default_rng(default_seed)
    if isinstance(rng, numbers.Integral) and not isinstance(rng, bool):
        return np.random.default_rng(int(rng))
    raise TypeError(
        f"{where}: expected rng to be a numpy.random.Generator, an int seed or None, "
        f"got {type(rng).__name__}"
    )
