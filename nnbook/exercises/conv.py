"""Self-checks for the exercises of chapter 10, "Convolutional networks".

Each checker runs the reader's function on a few small inputs and compares it
with an independent reference written here with explicit loops from the
chapter's formulas (not imported from :mod:`nnlib.layers.conv`).  All arrays
are single-channel 2-D images; ``X`` is ``(H, W)``, a kernel ``K`` is
``(kh, kw)`` and an upstream gradient ``G`` has the output's shape.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from nnbook.exercises import CheckResult, check_function

__all__ = [
    "check_conv2d",
    "check_conv_input_grad",
    "check_conv_kernel_grad",
    "reference_conv2d",
    "reference_conv_input_grad",
    "reference_conv_kernel_grad",
]


def reference_conv2d(X: np.ndarray, K: np.ndarray, stride: int = 1) -> np.ndarray:
    """Valid cross-correlation ``Y[i, j] = sum_{u,v} K[u, v] X[s i + u, s j + v]``."""
    X, K = np.asarray(X, dtype=float), np.asarray(K, dtype=float)
    kh, kw = K.shape
    ho, wo = (X.shape[0] - kh) // stride + 1, (X.shape[1] - kw) // stride + 1
    Y = np.zeros((ho, wo))
    for i in range(ho):
        for j in range(wo):
            Y[i, j] = np.sum(K * X[stride * i : stride * i + kh, stride * j : stride * j + kw])
    return Y


def reference_conv_kernel_grad(X: np.ndarray, G: np.ndarray) -> np.ndarray:
    """``dL/dK[u, v] = sum_{i,j} G[i, j] X[i + u, j + v]`` (stride 1): X correlated with G."""
    return reference_conv2d(X, G)


def reference_conv_input_grad(G: np.ndarray, K: np.ndarray) -> np.ndarray:
    """``dL/dX``: the full convolution of G with K (pad G by k - 1, correlate with rot180 K)."""
    G, K = np.asarray(G, dtype=float), np.asarray(K, dtype=float)
    kh, kw = K.shape
    Gp = np.pad(G, ((kh - 1, kh - 1), (kw - 1, kw - 1)))
    return reference_conv2d(Gp, K[::-1, ::-1])


def _images(rng: np.random.Generator) -> list[tuple[np.ndarray, np.ndarray]]:
    return [
        (np.arange(9.0).reshape(3, 3), np.array([[1.0, 0.0], [0.0, -1.0]])),
        (rng.normal(size=(5, 6)), rng.normal(size=(3, 3))),
        (rng.normal(size=(6, 4)), rng.normal(size=(2, 3))),
    ]


def check_conv2d(conv2d: Callable[..., np.ndarray]) -> CheckResult:
    """Check a reader's ``conv2d(X, K, stride)``: single-channel valid cross-correlation.

    Cases: a hand-sized 3x3 image with a 2x2 kernel, non-square images and
    kernels, and strides 1, 2 and 3 (where the last windows may not fit).
    """
    rng = np.random.default_rng(10)
    cases = [(X, K, 1) for X, K in _images(rng)]
    cases += [(rng.normal(size=(7, 7)), rng.normal(size=(3, 3)), 2),
              (rng.normal(size=(8, 6)), rng.normal(size=(2, 2)), 3)]
    return check_function(
        conv2d,
        reference=reference_conv2d,
        cases=cases,
        name="conv2d",
        hint="Y[i, j] = sum(K * X[s*i : s*i + kh, s*j : s*j + kw]); the output has "
        "(H - kh) // s + 1 rows. Do not flip K: deep learning's convolution is a "
        "cross-correlation.",
    )


def check_conv_kernel_grad(kernel_grad: Callable[..., np.ndarray]) -> CheckResult:
    """Check a reader's ``kernel_grad(X, G)``: dL/dK for a stride-1 valid convolution.

    ``G`` has the output's shape ``(H - kh + 1, W - kw + 1)``; the result has the
    kernel's shape ``(kh, kw) = (H - G.shape[0] + 1, W - G.shape[1] + 1)``.
    """
    rng = np.random.default_rng(11)
    cases = []
    for X, K in _images(rng):
        ho, wo = X.shape[0] - K.shape[0] + 1, X.shape[1] - K.shape[1] + 1
        cases.append((X, rng.normal(size=(ho, wo))))
    return check_function(
        kernel_grad,
        reference=reference_conv_kernel_grad,
        cases=cases,
        name="kernel_grad",
        hint="dL/dK[u, v] = sum_ij G[i, j] X[i + u, j + v]: slide G over X like a kernel.",
    )


def check_conv_input_grad(input_grad: Callable[..., np.ndarray]) -> CheckResult:
    """Check a reader's ``input_grad(G, K)``: dL/dX for a stride-1 valid convolution.

    The result has the input's shape ``(G.shape[0] + kh - 1, G.shape[1] + kw - 1)``.
    """
    rng = np.random.default_rng(12)
    cases = []
    for X, K in _images(rng):
        ho, wo = X.shape[0] - K.shape[0] + 1, X.shape[1] - K.shape[1] + 1
        cases.append((rng.normal(size=(ho, wo)), K))
    return check_function(
        input_grad,
        reference=reference_conv_input_grad,
        cases=cases,
        name="input_grad",
        hint="pad G with kh - 1 rows and kw - 1 columns of zeros on every side, then "
        "cross-correlate it with the kernel rotated by 180 degrees, K[::-1, ::-1].",
    )
