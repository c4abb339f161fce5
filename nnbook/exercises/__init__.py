"""Self-checks for the book's exercises.

A self-checking exercise hands the reader's function to a checker, which runs it
on a handful of inputs, compares every result with an independent reference and
says *what* is wrong: an exception, a wrong shape, or the first input where the
value is off (with the expected and the actual value side by side).

Each chapter keeps its checkers in a module of its own
(``nnbook.exercises.<chapter>``), built from :func:`check_function`::

    from nnbook.exercises import check_function

    def check_sigmoid_grad(sigmoid_grad):
        cases = [np.array([0.0]), np.linspace(-5, 5, 11)]
        return check_function(sigmoid_grad, reference=_reference_sigmoid_grad,
                              cases=cases, name="sigmoid_grad")

In a notebook the checker is the last expression of a cell, so the verdict is
displayed as the cell's output::

    check_sigmoid_grad(my_sigmoid_grad)
    ✔ sigmoid_grad: correct on all 2 test inputs.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["FAIL_MARK", "PASS_MARK", "CheckResult", "check_function", "check_value",
           "compare", "not_written", "raised", "short_repr"]

PASS_MARK = "✔"
FAIL_MARK = "✘"


@dataclass(frozen=True)
class CheckResult:
    """The verdict of a checker.

    Truthy when the reader's answer passed; its ``repr`` is the message, so a
    checker called as the last line of a notebook cell shows the verdict.

    Attributes
    ----------
    passed : bool
        Whether every case agreed with the reference.
    message : str
        One or more lines saying what was checked and, on failure, what is wrong.
    """

    passed: bool
    message: str

    def __bool__(self) -> bool:
        return self.passed

    def __repr__(self) -> str:
        return self.message


def short_repr(value: Any, max_items: int = 6) -> str:
    """A compact, deterministic rendering of a value for a verdict message."""
    if isinstance(value, list | tuple):
        inner = ", ".join(short_repr(item, max_items) for item in value[:max_items])
        more = ", ..." if len(value) > max_items else ""
        return f"[{inner}{more}]" if isinstance(value, list) else f"({inner}{more})"
    array = np.asarray(value)
    if array.ndim == 0 and array.dtype.kind == "f":
        # A real scalar at 6 significant digits: ε = 1e-8 must not read as 0.
        return f"{float(array):.6g}"
    if array.dtype.kind in "fc" or array.ndim > 0:
        text = np.array2string(
            array.ravel()[:max_items] if array.size > max_items else array,
            precision=6,
            suppress_small=True,
            separator=", ",
        )
        if array.size > max_items:
            text = text.rstrip("]") + ", ...]"
        return text
    return repr(value)


def _format_case(args: tuple[Any, ...]) -> str:
    return ", ".join(short_repr(a) for a in args)


def not_written(label: str) -> CheckResult:
    """The verdict for a reader's function that still raises ``NotImplementedError``."""
    return CheckResult(
        False, f"{FAIL_MARK} {label}: not written yet (it raised NotImplementedError)."
    )


def raised(
    label: str, error: Exception, *, context: str | None = None, hint: str | None = None
) -> CheckResult:
    """The verdict for a reader's function that raised ``error``.

    ``context`` (e.g. ``"for input [1., 2.]"``) and ``hint`` each add a line.
    """
    message = f"{FAIL_MARK} {label}: raised {type(error).__name__}: {error}"
    if context:
        message += f"\n  {context}"
    if hint:
        message += f"\n  hint: {hint}"
    return CheckResult(False, message)


def compare(expected: Any, actual: Any, rtol: float = 1e-7, atol: float = 1e-10) -> str | None:
    """Return ``None`` when ``actual`` matches ``expected``, else a sentence saying what differs.

    Tuples are compared item by item; arrays by shape, finiteness, then
    :func:`numpy.allclose` with ``rtol`` and ``atol``.
    """
    if isinstance(expected, tuple):
        if not isinstance(actual, tuple | list) or len(actual) != len(expected):
            return f"expected a tuple of {len(expected)} values, got {short_repr(actual)}"
        for index, (e, a) in enumerate(zip(expected, actual, strict=True)):
            problem = compare(e, a, rtol, atol)
            if problem is not None:
                return f"item {index} of the result: {problem}"
        return None
    expected_array = np.asarray(expected, dtype=float)
    try:
        actual_array = np.asarray(actual, dtype=float)
    except (TypeError, ValueError):
        return f"expected a number or an array, got {type(actual).__name__}"
    if actual_array.shape != expected_array.shape:
        return f"expected shape {expected_array.shape}, got shape {actual_array.shape}"
    if not np.all(np.isfinite(actual_array)):
        return f"the result holds NaN or inf: {short_repr(actual_array)}"
    if not np.allclose(actual_array, expected_array, rtol=rtol, atol=atol):
        error = np.max(np.abs(actual_array - expected_array))
        return (
            f"expected {short_repr(expected_array)}, got {short_repr(actual_array)} "
            f"(largest absolute error {error:.3g})"
        )
    return None


def check_function(
    candidate: Callable[..., Any],
    reference: Callable[..., Any],
    cases: Sequence[Any],
    *,
    name: str | None = None,
    rtol: float = 1e-7,
    atol: float = 1e-10,
    hint: str | None = None,
) -> CheckResult:
    """Run ``candidate`` on every case and compare it with ``reference``.

    Parameters
    ----------
    candidate : callable
        The reader's function.
    reference : callable
        An independent implementation (closed form, SymPy, or nnlib) that the
        candidate must agree with.
    cases : sequence
        Inputs; a tuple is unpacked into positional arguments, anything else is
        passed as the single argument. Inputs are deep-copied before each call
        (lists of arrays of different shapes too), so a candidate that modifies
        its input in place cannot spoil the reference.
    name : str, optional
        The name used in the verdict (defaults to the candidate's ``__name__``).
    rtol, atol : float
        Tolerances of :func:`numpy.allclose`.
    hint : str, optional
        A line added to a failing verdict, pointing at the usual mistake.

    Returns
    -------
    CheckResult
        Truthy when every case agrees; its message says what was wrong otherwise.
    """
    label = name or getattr(candidate, "__name__", "your function")
    for case in cases:
        args = case if isinstance(case, tuple) else (case,)
        expected = reference(*copy.deepcopy(args))
        try:
            actual = candidate(*copy.deepcopy(args))
        except NotImplementedError:
            return not_written(label)
        except Exception as error:  # the reader's code may raise anything
            return raised(label, error, context=f"for input {_format_case(args)}")
        problem = compare(expected, actual, rtol, atol)
        if problem is not None:
            message = f"{FAIL_MARK} {label}: for input {_format_case(args)}\n  {problem}"
            if hint:
                message += f"\n  hint: {hint}"
            return CheckResult(False, message)
    return CheckResult(True, f"{PASS_MARK} {label}: correct on all {len(cases)} test inputs.")


def check_value(
    actual: Any,
    expected: Any,
    *,
    name: str,
    rtol: float = 1e-7,
    atol: float = 1e-10,
    hint: str | None = None,
) -> CheckResult:
    """Compare a single value the reader computed with the expected one.

    Parameters
    ----------
    actual : array_like or tuple
        The reader's answer.
    expected : array_like or tuple
        The value it must match.
    name : str
        What the value is, for the verdict.
    rtol, atol : float
        Tolerances of :func:`numpy.allclose`.
    hint : str, optional
        A line added to a failing verdict.

    Returns
    -------
    CheckResult
        Truthy when the values agree.
    """
    problem = compare(expected, actual, rtol, atol)
    if problem is None:
        return CheckResult(True, f"{PASS_MARK} {name}: correct.")
    message = f"{FAIL_MARK} {name}: {problem}"
    if hint:
        message += f"\n  hint: {hint}"
    return CheckResult(False, message)
