"""Helpers shared by the nnlib test files (not a conftest: plain imports)."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

HAS_TORCH = importlib.util.find_spec("torch") is not None
requires_torch = pytest.mark.skipif(
    not HAS_TORCH, reason="PyTorch is not installed (CI installs it; pip install torch)"
)

HAS_SKLEARN = importlib.util.find_spec("sklearn") is not None
requires_sklearn = pytest.mark.skipif(
    not HAS_SKLEARN,
    reason="scikit-learn is not installed (load_digits needs it; pip install scikit-learn)",
)

GRAD_TOL = 1e-7
"""Relative error below which an analytic gradient counts as correct (float64)."""


def rng(seed: int = 0) -> np.random.Generator:
    """A seeded generator."""
    return np.random.default_rng(seed)


def labels_and_onehot(n: int, K: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Random integer labels of shape (n,) and the matching one-hot matrix (n, K)."""
    y = rng(seed).integers(0, K, size=n)
    Y = np.zeros((n, K))
    Y[np.arange(n), y] = 1.0
    return y, Y


def assert_each_mistake_named(check, mistakes, *, at_least: int = 3) -> None:
    """Feed every catalogued wrong answer to ``check``: each fails, and the verdict names it.

    ``mistakes`` is a checker's catalogue of :class:`nnbook.exercises._diagnose.Mistake`
    (``answer``, ``message``); the exercise issue asks for ``at_least`` of them.
    """
    assert len(mistakes) >= at_least, f"a catalogue of {len(mistakes)} mistakes, not {at_least}"
    for mistake in mistakes:
        result = check(mistake.answer)
        assert not result, f"the checker accepts the catalogued mistake {mistake.message!r}"
        assert mistake.message in result.message, mistake.message
