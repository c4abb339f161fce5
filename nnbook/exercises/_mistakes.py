"""Verdicts that name the mistake: :func:`check_function` plus a catalogue of wrong answers.

Used by the checkers of chapters 12-14 (:mod:`nnbook.exercises.conv`,
:mod:`nnbook.exercises.rnn`, :mod:`nnbook.exercises.attn`).  A catalogue is a
sequence of ``(diagnosis, wrong_reference)`` pairs: ``wrong_reference`` takes
the same arguments as the reference and computes one classic wrong answer.
When the reader's function fails and agrees with a wrong reference on every
case, the verdict adds ``diagnosis: <diagnosis>``.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from nnbook.exercises import CheckResult, check_function, compare

Mistake = tuple[str, Callable[..., Any]]


def _args(case: Any) -> tuple[Any, ...]:
    return case if isinstance(case, tuple) else (case,)


def _matrix(value: np.ndarray) -> str:
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

    for diagnosis, wrong in mistakes:
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
    mistakes : sequence of (str, callable)
        Classic wrong answers; the first one the candidate reproduces on every
        case is named in the verdict.

    Returns
    -------
    CheckResult
        As :func:`check_function`'s, with a ``diagnosis:`` line when a mistake
        is recognised, the hint also when the candidate raised, and the first
        failing 2-D result printed as a matrix beside the expected one.
    """
    result = check_function(candidate, reference, cases, name=name, rtol=rtol, atol=atol,
                            hint=hint)
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
                    message += (f"\n  {label}expected (as a matrix):\n{_matrix(e)}"
                                f"\n  {label}got:\n{_matrix(a)}")
                    break
            break
    except Exception:  # a result that is not an array: the lines above say enough
        pass
    return CheckResult(False, message)
