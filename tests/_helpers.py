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
