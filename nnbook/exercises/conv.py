"""Self-checks for the exercises of chapter 12, "Convolutional networks".

Each checker runs the reader's function on a few small inputs and compares it
with an independent reference written here with explicit loops from the
chapter's formulas (not imported from :mod:`nnlib.layers.conv`).  All arrays
are single-channel 2-D images; ``X`` is ``(H, W)``, a kernel ``K`` is
``(kh, kw)`` and an upstream gradient ``G`` has the output's shape.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from nnbook.exercises import CheckResult
from nnbook.exercises._diagnose import catalogue, check_diagnosing

__all__ = [
    "CONV2D_MISTAKES",
    "INPUT_GRAD_MISTAKES",
    "KERNEL_GRAD_MISTAKES",
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
    """``dL/dX``: the full true convolution G * K (pad G by k - 1, correlate with rot180 K)."""
    G, K = np.asarray(G, dtype=float), np.asarray(K, dtype=float)
    kh, kw = K.shape
    Gp = np.pad(G, ((kh - 1, kh - 1), (kw - 1, kw - 1)))
    return reference_conv2d(Gp, K[::-1, ::-1])


def _pad_full(G: np.ndarray, ph: int, pw: int) -> np.ndarray:
    return np.pad(np.asarray(G, dtype=float), ((ph, ph), (pw, pw)))


def _conv2d_dropping_last_window(X, K, stride=1):
    X, K = np.asarray(X, dtype=float), np.asarray(K, dtype=float)
    kh, kw = K.shape
    rows = range(0, X.shape[0] - kh, stride)
    cols = range(0, X.shape[1] - kw, stride)
    return np.array([[np.sum(K * X[r : r + kh, c : c + kw]) for c in cols] for r in rows])


#: classic wrong answers of each exercise, named in the verdict
CONV2D_MISTAKES = catalogue(
    [
    ("this is the true convolution: you flipped the kernel, K[::-1, ::-1]; deep "
     "learning's convolution is a cross-correlation",
     lambda X, K, stride=1: reference_conv2d(X, np.asarray(K)[::-1, ::-1], stride)),
    ("you used the transposed kernel K.T",
     lambda X, K, stride=1: reference_conv2d(X, np.asarray(K).T, stride)),
    ("the stride is ignored (this is the stride-1 output)",
     lambda X, K, stride=1: reference_conv2d(X, K, 1)),
    ("the last window is missing: range(0, H - kh, s) stops one window early; "
     "it must run to H - kh inclusive",
     _conv2d_dropping_last_window),
]
)
KERNEL_GRAD_MISTAKES = catalogue(
    [
    ("you flipped G; the kernel gradient is X cross-correlated with G, no flip",
     lambda X, G: reference_conv2d(X, np.asarray(G)[::-1, ::-1])),
    ("your result is rotated by 180 degrees; do not flip anything here",
     lambda X, G: reference_conv_kernel_grad(X, G)[::-1, ::-1]),
    ("you averaged over the output positions; a shared weight sums its gradients",
     lambda X, G: reference_conv_kernel_grad(X, G) / np.size(G)),
]
)
INPUT_GRAD_MISTAKES = catalogue(
    [
    ("this is the unflipped kernel: the full cross-correlation of G with K; rotate "
     "K by 180 degrees (K[::-1, ::-1])",
     lambda G, K: reference_conv2d(_pad_full(G, *(np.shape(K)[0] - 1, np.shape(K)[1] - 1)),
                                   K)),
    ("you flipped only the rows of K; the rotation flips rows and columns",
     lambda G, K: reference_conv2d(_pad_full(G, np.shape(K)[0] - 1, np.shape(K)[1] - 1),
                                   np.asarray(K)[::-1, :])),
    ("you flipped only the columns of K; the rotation flips rows and columns",
     lambda G, K: reference_conv2d(_pad_full(G, np.shape(K)[0] - 1, np.shape(K)[1] - 1),
                                   np.asarray(K)[:, ::-1])),
    ("G is not padded: pad it with kh - 1 rows and kw - 1 columns of zeros on every side",
     lambda G, K: reference_conv2d(G, np.asarray(K)[::-1, ::-1])),
    ("G is padded by k instead of k - 1 zeros on every side",
     lambda G, K: reference_conv2d(_pad_full(G, *np.shape(K)), np.asarray(K)[::-1, ::-1])),
]
)


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
    return check_diagnosing(
        conv2d,
        reference=reference_conv2d,
        cases=cases,
        name="conv2d",
        hint="Y[i, j] = sum(K * X[s*i : s*i + kh, s*j : s*j + kw]); the output has "
        "(H - kh) // s + 1 rows. Do not flip K: deep learning's convolution is a "
        "cross-correlation.",
        mistakes=CONV2D_MISTAKES,
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
    return check_diagnosing(
        kernel_grad,
        reference=reference_conv_kernel_grad,
        cases=cases,
        name="kernel_grad",
        hint="dL/dK[u, v] = sum_ij G[i, j] X[i + u, j + v]: slide G over X like a kernel.",
        mistakes=KERNEL_GRAD_MISTAKES,
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
    return check_diagnosing(
        input_grad,
        reference=reference_conv_input_grad,
        cases=cases,
        name="input_grad",
        hint="pad G with kh - 1 rows and kw - 1 columns of zeros on every side, then "
        "cross-correlate it with the kernel rotated by 180 degrees, K[::-1, ::-1].",
        mistakes=INPUT_GRAD_MISTAKES,
    )
