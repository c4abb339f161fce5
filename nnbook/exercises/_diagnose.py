"""Checkers that recognise the classic wrong answers of an exercise.

:func:`check_with_mistakes` runs a reader's function like
:func:`nnbook.exercises.check_function` does, and when it fails (or raises) it
recomputes every catalogued :class:`Mistake` on the same inputs. If the reader's
results agree with one of them on every input, the verdict names that mistake
instead of giving a generic hint. (:func:`check_diagnosing` uses the same
catalogue with the verdict layout of :func:`nnbook.exercises.check_function`, for
chapters 12-14.) :func:`check_with_mistakes` also enforces two requirements that a
value comparison cannot see: no floating-point overflow (``strict_overflow``)
and inputs left unmodified. Matrices in a verdict are printed as matrices.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from nnbook.exercises import (
    FAIL_MARK,
    PASS_MARK,
    CheckResult,
    check_function,
    compare,
    not_written,
    short_repr,
)

__all__ = [
    "Mistake",
    "catalogue",
    "check_diagnosing",
    "check_with_mistakes",
    "matching_mistake",
    "show",
]


@dataclass(frozen=True)
class Mistake:
    """A classic wrong answer, recomputed so a checker can recognise it.

    Attributes
    ----------
    answer : callable
        The wrong answer, with the signature of the exercise's function.
    message : str
        What the verdict says when the reader's results match ``answer``.
    """

    answer: Callable[..., Any]
    message: str


def show(value: Any) -> str:
    """Render a value for a verdict: a small 2-D array as a matrix, anything else compactly."""
    array = np.asarray(value) if not isinstance(value, tuple | list) else None
    if array is not None and array.ndim == 2 and array.size <= 64 and array.dtype.kind in "fiub":
        text = np.array2string(array.astype(float), precision=6, suppress_small=True)
        return "\n      " + text.replace("\n", "\n      ")
    return short_repr(value)


def _outputs(fn: Callable[..., Any], cases: Sequence[tuple[Any, ...]]) -> list[Any]:
    """``fn`` on every case, floating-point errors ignored; an exception is kept as its type."""
    results = []
    for args in cases:
        try:
            with np.errstate(all="ignore"):
                results.append(fn(*copy.deepcopy(args)))
        except Exception as error:  # the reader's code may raise anything
            results.append(type(error))
    return results


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, type) or isinstance(b, type):
        return a is b
    if isinstance(a, tuple | list) and isinstance(b, tuple | list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    try:
        a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    except (TypeError, ValueError):
        return False
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=1e-7, atol=1e-10, equal_nan=True))


def _diagnose(
    candidate: Callable[..., Any], mistakes: Sequence[Mistake], cases: Sequence[tuple[Any, ...]]
) -> str | None:
    """The message of the first mistake whose results equal the candidate's on every case."""
    got = _outputs(candidate, cases)
    for mistake in mistakes:
        if all(_same(g, w) for g, w in zip(got, _outputs(mistake.answer, cases), strict=True)):
            return mistake.message
    return None


def _as_array(value: Any) -> np.ndarray | None:
    if isinstance(value, tuple | list):
        return None
    try:
        return np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return None


def _unchanged(before: tuple[Any, ...], after: tuple[Any, ...]) -> bool:
    return all(_same(b, a) for b, a in zip(before, after, strict=True))


def check_with_mistakes(
    candidate: Callable[..., Any],
    reference: Callable[..., Any],
    cases: Sequence[Any],
    *,
    mistakes: Sequence[Mistake] = (),
    name: str | None = None,
    hint: str | None = None,
    strict_overflow: bool = False,
    rtol: float = 1e-7,
    atol: float = 1e-10,
) -> CheckResult:
    """Run ``candidate`` on every case, compare with ``reference``, and name a recognised mistake.

    Parameters
    ----------
    candidate, reference : callable
        The reader's function and an independent correct one.
    cases : sequence
        Inputs; a tuple is unpacked into positional arguments.
    mistakes : sequence of Mistake
        The classic wrong answers; the first one that matches the candidate on
        every case is named in a failing verdict.
    name : str, optional
        The name used in the verdict.
    hint : str, optional
        Shown when the candidate fails (or raises) and no mistake matches.
    strict_overflow : bool
        Run the candidate under ``np.errstate(over="raise")``, so a result that
        is right only because an overflow happened to round harmlessly fails.
    rtol, atol : float
        Tolerances of the value comparison.

    Returns
    -------
    CheckResult
        Truthy when every case agrees.
    """
    label = name or getattr(candidate, "__name__", "your function")
    tuples = [case if isinstance(case, tuple) else (case,) for case in cases]

    def fail(args: tuple[Any, ...], problem: str) -> CheckResult:
        inputs = ", ".join(show(a) for a in args)
        message = f"{FAIL_MARK} {label}: for input {inputs}\n  {problem}"
        diagnosis = _diagnose(candidate, mistakes, tuples)
        if diagnosis:
            message += f"\n  diagnosis: {diagnosis}"
        elif hint:
            message += f"\n  hint: {hint}"
        return CheckResult(False, message)

    for args in tuples:
        expected = reference(*copy.deepcopy(args))
        given = copy.deepcopy(args)
        try:
            with np.errstate(over="raise" if strict_overflow else "warn"):
                actual = candidate(*given)
        except NotImplementedError:
            return not_written(label)
        except FloatingPointError as error:
            return fail(
                args, f"overflow ({error}); the exercise requires a version that never overflows"
            )
        except Exception as error:  # the reader's code may raise anything
            return fail(args, f"raised {type(error).__name__}: {error}")
        if not _unchanged(args, given):
            return fail(
                args, "your function modified its input in place; it must leave it unchanged"
            )
        problem = compare(expected, actual, rtol, atol)
        if problem is not None:
            # a tuple of results (e.g. gradients of different shapes) has no matrix view
            e, a = _as_array(expected), _as_array(actual)
            if (
                e is not None
                and a is not None
                and e.ndim == 2
                and e.shape == a.shape
                and "expected" in problem
            ):
                problem = f"expected{show(e)}\n  got{show(a)}"
            return fail(args, problem)
    return CheckResult(True, f"{PASS_MARK} {label}: correct on all {len(tuples)} test inputs.")


# ---------------------------------------------------------------------------------
# The verdict layout of chapters 12-14's checkers (conv, rnn, attn): check_function's
# message, then the hint, the diagnosis, and the first failing 2-D result as a matrix.
# ---------------------------------------------------------------------------------
def catalogue(pairs: Sequence[tuple[str, Callable[..., Any]]]) -> list[Mistake]:
    """``[(message, answer), ...]`` as :class:`Mistake` objects (the checkers' tables)."""
    return [Mistake(answer=answer, message=message) for message, answer in pairs]


def _args(case: Any) -> tuple[Any, ...]:
    return case if isinstance(case, tuple) else (case,)


def _matrix(value: np.ndarray) -> str:  # the layout of chapters 12-14's verdicts
    text = np.array2string(value, precision=4, suppress_small=True, max_line_width=90)
    return "\n".join("      " + line for line in text.splitlines())


def matching_mistake(
    candidate: Callable[..., Any], cases: Sequence[Any], mistakes: Sequence[Mistake]
) -> str | None:
    """The diagnosis of the first catalogued mistake ``candidate`` reproduces on every case.

    A case where both the candidate and the wrong variant raise (a matrix product
    whose shapes do not fit, say) counts as reproduced.
    """

    def outcome(function: Callable[..., Any], case: Any) -> tuple[bool, Any]:
        try:
            return True, function(*copy.deepcopy(_args(case)))
        except Exception:  # the reader's code or the wrong variant may raise anything
            return False, None

    for mistake in mistakes:
        diagnosis, wrong = mistake.message, mistake.answer
        agrees = True
        for case in cases:
            (wrong_ok, wrong_value), (ok, value) = outcome(wrong, case), outcome(candidate, case)
            if wrong_ok != ok or (ok and compare(wrong_value, value) is not None):
                agrees = False
                break
        if agrees:
            return diagnosis
    return None


def check_diagnosing(
    candidate: Callable[..., Any],
    reference: Callable[..., Any],
    cases: Sequence[Any],
    *,
    name: str,
    hint: str,
    mistakes: Sequence[Mistake] = (),
    rtol: float = 1e-7,
    atol: float = 1e-10,
) -> CheckResult:
    """:func:`check_function`, then name the mistake and show 2-D results as matrices.

    Parameters
    ----------
    candidate, reference, cases, name, hint, rtol, atol
        As for :func:`nnbook.exercises.check_function`.
    mistakes : sequence of Mistake
        Classic wrong answers; the first one the candidate reproduces on every
        case is named in the verdict.

    Returns
    -------
    CheckResult
        As :func:`check_function`'s, with a ``diagnosis:`` line when a mistake
        is recognised, the hint also when the candidate raised, and the first
        failing 2-D result printed as a matrix beside the expected one.
    """
    result = check_function(
        candidate, reference, cases, name=name, rtol=rtol, atol=atol, hint=hint
    )
    if result or "not written yet" in result.message:
        return result
    message = result.message
    diagnosis = matching_mistake(candidate, cases, mistakes)
    if "hint:" not in message:  # the candidate raised: the hint helps there too
        message += f"\n  hint: {hint}"
        if diagnosis is not None:
            message += f"\n  diagnosis: {diagnosis}"
        return CheckResult(False, message)
    if diagnosis is not None:
        message += f"\n  diagnosis: {diagnosis}"
    try:
        for case in cases:
            expected = reference(*copy.deepcopy(_args(case)))
            actual = candidate(*copy.deepcopy(_args(case)))
            if compare(expected, actual, rtol, atol) is None:
                continue
            pairs = (
                zip(expected, actual, strict=True)
                if isinstance(expected, tuple)
                else [(expected, actual)]
            )
            for index, (e, a) in enumerate(pairs):
                e, a = np.asarray(e, dtype=float), np.asarray(a, dtype=float)
                if e.ndim == 2 and e.shape == a.shape and not np.allclose(a, e, rtol, atol):
                    label = f"item {index}, " if isinstance(expected, tuple) else ""
                    message += (
                        f"\n  {label}expected (as a matrix):\n{_matrix(e)}"
                        f"\n  {label}got:\n{_matrix(a)}"
                    )
                    break
            break
    except Exception:  # a result that is not an array: the lines above say enough
        pass
    return CheckResult(False, message)
