"""Small seeded data sets for the chapters, and a stratified train/test split.

Every generator takes ``rng`` (a ``numpy.random.Generator``, an int seed, or
``None``) and returns ``(X, y)`` with ``X`` of shape ``(n_samples, n_features)``.
Classification labels are integers ``0 .. n_classes-1`` of shape
``(n_samples,)``; regression targets are floats of shape ``(n_samples,)``.
``rng=None`` means seed 0, so that the same call gives the same data in every
notebook.
"""

from __future__ import annotations

import functools

import numpy as np

from nnlib._validation import (
    as_float_array,
    as_rng,
    check_in_range,
    check_positive_int,
    format_shape,
)

__all__ = [
    "load_digits",
    "make_blobs",
    "make_moons",
    "make_regression",
    "make_spirals",
    "one_hot",
    "train_test_split",
]


def make_regression(
    n_samples: int = 200,
    n_features: int = 1,
    noise: float = 0.1,
    *,
    kind: str = "linear",
    rng: np.random.Generator | int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Regression data :math:`y = f(x) + \\varepsilon`, :math:`x \\sim U[-1, 1]^d`.

    ``kind="linear"``: :math:`f(x) = w^\\top x + b` with
    :math:`w \\sim \\mathcal N(0, I)`, :math:`b = 0.5`.
    ``kind="sine"``: :math:`f(x) = \\sin(\\pi\\, \\textstyle\\sum_k x_k)`.
    Noise :math:`\\varepsilon \\sim \\mathcal N(0, \\text{noise}^2)`.

    Parameters
    ----------
    n_samples, n_features : int
    noise : float >= 0
    kind : {"linear", "sine"}
    rng : numpy.random.Generator or int or None

    Returns
    -------
    X : numpy.ndarray, shape (n_samples, n_features)
    y : numpy.ndarray, shape (n_samples,)
    """
    where = "make_regression"
    n_samples = check_positive_int(n_samples, "n_samples", where)
    n_features = check_positive_int(n_features, "n_features", where)
    noise = check_in_range(noise, "noise", where, low=0.0)
    rng = as_rng(rng, where, default_seed=0)
    X = rng.uniform(-1.0, 1.0, size=(n_samples, n_features))
    if kind == "linear":
        w = rng.standard_normal(n_features)
        f = X @ w + 0.5
    elif kind == "sine":
        f = np.sin(np.pi * X.sum(axis=1))
    else:
        raise ValueError(f"{where}: expected kind in ('linear', 'sine'), got {kind!r}")
    return X, f + noise * rng.standard_normal(n_samples)


def make_moons(
    n_samples: int = 200, noise: float = 0.1, *, rng: np.random.Generator | int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles (classes 0 and 1) plus Gaussian noise.

    Class 0: :math:`(\\cos t, \\sin t)`, class 1:
    :math:`(1 - \\cos t, \\tfrac12 - \\sin t)`, :math:`t \\sim U[0, \\pi]`.

    Parameters
    ----------
    n_samples : int
        Total number of points (classes differ in size by at most one).
    noise : float >= 0
        Standard deviation of the added noise.
    rng : numpy.random.Generator or int or None

    Returns
    -------
    X : numpy.ndarray, shape (n_samples, 2)
    y : numpy.ndarray of int, shape (n_samples,)
    """
    where = "make_moons"
    n_samples = check_positive_int(n_samples, "n_samples", where, minimum=2)
    noise = check_in_range(noise, "noise", where, low=0.0)
    rng = as_rng(rng, where, default_seed=0)
    n0 = n_samples // 2
    n1 = n_samples - n0
    t0 = rng.uniform(0.0, np.pi, n0)
    t1 = rng.uniform(0.0, np.pi, n1)
    X = np.concatenate(
        [np.stack([np.cos(t0), np.sin(t0)], 1), np.stack([1 - np.cos(t1), 0.5 - np.sin(t1)], 1)]
    )
    y = np.concatenate([np.zeros(n0, dtype=np.int64), np.ones(n1, dtype=np.int64)])
    X += noise * rng.standard_normal(X.shape)
    order = rng.permutation(n_samples)
    return X[order], y[order]


def make_spirals(
    n_samples: int = 300,
    n_classes: int = 3,
    noise: float = 0.2,
    *,
    rng: np.random.Generator | int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Interleaved spiral arms, one per class (not linearly separable).

    Arm :math:`k`: radius :math:`r \\in [0, 1]`, angle
    :math:`\\theta = 4r + 2\\pi k / K + \\text{noise}\\cdot\\mathcal N(0,1)`,
    point :math:`(r\\sin\\theta, r\\cos\\theta)`.

    Parameters
    ----------
    n_samples : int
        Total number of points (split as evenly as possible over the classes).
    n_classes : int >= 2
    noise : float >= 0
        Standard deviation of the angle noise.
    rng : numpy.random.Generator or int or None

    Returns
    -------
    X : numpy.ndarray, shape (n_samples, 2)
    y : numpy.ndarray of int, shape (n_samples,)
    """
    where = "make_spirals"
    n_classes = check_positive_int(n_classes, "n_classes", where, minimum=2)
    n_samples = check_positive_int(n_samples, "n_samples", where, minimum=n_classes)
    noise = check_in_range(noise, "noise", where, low=0.0)
    rng = as_rng(rng, where, default_seed=0)
    y = np.arange(n_samples) % n_classes
    r = rng.uniform(0.0, 1.0, n_samples)
    theta = 4.0 * r + 2.0 * np.pi * y / n_classes + noise * rng.standard_normal(n_samples)
    X = np.stack([r * np.sin(theta), r * np.cos(theta)], axis=1)
    order = rng.permutation(n_samples)
    return X[order], y[order].astype(np.int64)


def make_blobs(
    n_samples: int = 200,
    n_classes: int = 3,
    n_features: int = 2,
    cluster_std: float = 1.0,
    *,
    centers: np.ndarray | None = None,
    center_box: float = 5.0,
    rng: np.random.Generator | int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Isotropic Gaussian clusters, one per class.

    :math:`x \\mid y = k \\;\\sim\\; \\mathcal N(\\mu_k, s^2 I)` with centres
    :math:`\\mu_k \\sim U[-c, c]^d` (or given).

    Parameters
    ----------
    n_samples : int
    n_classes : int
        Ignored when ``centers`` is given.
    n_features : int
        Ignored when ``centers`` is given.
    cluster_std : float >= 0
        :math:`s`.
    centers : array_like, shape (n_classes, n_features), optional
    center_box : float
        :math:`c`.
    rng : numpy.random.Generator or int or None

    Returns
    -------
    X : numpy.ndarray, shape (n_samples, n_features)
    y : numpy.ndarray of int, shape (n_samples,)
    """
    where = "make_blobs"
    n_samples = check_positive_int(n_samples, "n_samples", where)
    cluster_std = check_in_range(cluster_std, "cluster_std", where, low=0.0)
    rng = as_rng(rng, where, default_seed=0)
    if centers is None:
        n_classes = check_positive_int(n_classes, "n_classes", where)
        n_features = check_positive_int(n_features, "n_features", where)
        mu = rng.uniform(-center_box, center_box, size=(n_classes, n_features))
    else:
        mu = as_float_array(centers, "centers", where, ndim=2)
        n_classes = mu.shape[0]
    y = np.arange(n_samples) % n_classes
    X = mu[y] + cluster_std * rng.standard_normal((n_samples, mu.shape[1]))
    order = rng.permutation(n_samples)
    return X[order], y[order].astype(np.int64)


def one_hot(y: np.ndarray, n_classes: int | None = None) -> np.ndarray:
    """One-hot encoding :math:`Y_{ik} = [y_i = k]`.

    Parameters
    ----------
    y : array_like of int, shape (n,)
    n_classes : int, optional
        Default ``y.max() + 1``.

    Returns
    -------
    numpy.ndarray of float64, shape (n, n_classes)
    """
    y = np.asarray(y)
    if y.ndim != 1 or y.dtype.kind not in "iu":
        raise ValueError(
            f"one_hot: expected integer labels of shape (n,), got dtype {y.dtype} and "
            f"shape {format_shape(y.shape)}"
        )
    if n_classes is None:
        n_classes = int(y.max()) + 1 if y.size else 0
    if y.size and (y.min() < 0 or y.max() >= n_classes):
        raise ValueError(f"one_hot: expected labels in [0, {n_classes}), got {y.min()}..{y.max()}")
    Y = np.zeros((y.size, n_classes))
    Y[np.arange(y.size), y] = 1.0
    return Y


def train_test_split(
    X: np.ndarray,
    y: np.ndarray,
    test_size: float = 0.2,
    rng: np.random.Generator | int | None = None,
    stratify: bool = True,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Seeded random split into a training and a test set.

    With ``stratify=True`` (for integer class labels) each class is split
    separately, so both parts keep the class proportions: class :math:`k`
    with :math:`n_k` examples puts :math:`\\mathrm{round}(n_k \\cdot
    \\text{test\\_size})` of them in the test set.

    Parameters
    ----------
    X : array_like, shape (n, ...)
    y : array_like, shape (n,) or (n, k)
    test_size : float in (0, 1)
        Fraction of examples in the test set.
    rng : numpy.random.Generator or int or None
        ``None``: seed 0.
    stratify : bool
        Split per class (needs integer labels ``y`` of shape ``(n,)``).

    Returns
    -------
    X_train, X_test, y_train, y_test : numpy.ndarray
    """
    where = "train_test_split"
    X = np.asarray(X)
    y = np.asarray(y)
    if X.shape[0] != y.shape[0]:
        raise ValueError(
            f"{where}: expected y with {X.shape[0]} rows (as X), got shape {format_shape(y.shape)}"
        )
    test_size = check_in_range(
        test_size, "test_size", where, low=0.0, high=1.0, low_open=True, high_open=True
    )
    rng = as_rng(rng, where, default_seed=0)
    n = X.shape[0]
    if stratify:
        if y.ndim != 1 or y.dtype.kind not in "iu":
            raise ValueError(
                f"{where}: expected integer labels of shape (n,) for stratify=True, got dtype "
                f"{y.dtype} and shape {format_shape(y.shape)}"
            )
        test_parts = []
        for k in np.unique(y):
            members = rng.permutation(np.flatnonzero(y == k))
            test_parts.append(members[: round(len(members) * test_size)])
        test_idx = np.concatenate(test_parts)
    else:
        test_idx = rng.permutation(n)[: round(n * test_size)]
    is_test = np.zeros(n, dtype=bool)
    is_test[test_idx] = True
    train_idx = rng.permutation(np.flatnonzero(~is_test))
    test_idx = rng.permutation(np.flatnonzero(is_test))
    return X[train_idx], X[test_idx], y[train_idx], y[test_idx]


def load_digits(
    test_size: float = 0.2, rng: np.random.Generator | int | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The 8x8 handwritten digits that scikit-learn ships, split into train and test.

    1797 images of the digits 0-9 (UCI, via ``sklearn.datasets.load_digits``;
    no download).  Each image is flattened to 64 features; pixel values
    0..16 are divided by 16, so ``X`` is in :math:`[0, 1]`.  The split is
    :func:`train_test_split` (stratified, seeded).

    Parameters
    ----------
    test_size : float in (0, 1)
    rng : numpy.random.Generator or int or None
        ``None``: seed 0.

    Returns
    -------
    X_train : numpy.ndarray, shape (n_train, 64)
    X_test : numpy.ndarray, shape (n_test, 64)
    y_train : numpy.ndarray of int, shape (n_train,)
    y_test : numpy.ndarray of int, shape (n_test,)
    """
    X, y = _digits()
    return train_test_split(X, y, test_size=test_size, rng=rng, stratify=True)


@functools.cache
def _digits() -> tuple[np.ndarray, np.ndarray]:
    """The full digits set, read once per session (read-only arrays)."""
    try:
        from sklearn.datasets import load_digits as _sk_load_digits
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise ImportError(
            "load_digits needs scikit-learn (pip install 'nnlib[data]' or scikit-learn)"
        ) from err
    digits = _sk_load_digits()
    X = digits.data.astype(np.float64) / 16.0  # pixels 0..16 -> [0, 1]
    y = digits.target.astype(np.int64)
    X.flags.writeable = False
    y.flags.writeable = False
    return X, y
