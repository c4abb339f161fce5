"""Dichotomies of points in the plane: exact linear separability and half-plane labellings.

The learning-theory chapter counts the labellings ("dichotomies") that half-planes
realise on a point set (the growth function) and shows which labellings no line
separates. The tests here are exact, with no tolerance, no LP solver and no
perceptron epochs.

Exact separability test
-----------------------
Two finite point sets in :math:`\\mathbb R^2` are strictly separable by a line
iff some unit normal :math:`w(\\theta) = (\\cos\\theta, \\sin\\theta)` orders the
projections :math:`w^\\top x_i` so that every negative point comes before every
positive one. The order only changes at the *critical* angles where two points
project to the same value (:math:`w \\perp x_i - x_j`). The set of separating
normals is open, so if one exists, one exists strictly between two consecutive
critical angles, where the order is the same as at the midpoint. Testing the
midpoints of all arcs is therefore exact.
"""

from __future__ import annotations

import math
from itertools import product

import numpy as np

from nnlib._validation import as_float_array, check_labels, format_shape

__all__ = [
    "count_separable_labellings",
    "halfplane_dichotomies",
    "linearly_separable",
    "separating_line",
]


def _as_points(X: object, where: str) -> np.ndarray:
    X = as_float_array(X, "X", where, ndim=2)
    if X.shape[1] != 2:
        raise ValueError(f"{where}: expected points of shape (n, 2), got {format_shape(X.shape)}")
    return X


def _arc_directions(X: np.ndarray) -> np.ndarray:
    """One unit normal inside every arc between consecutive critical angles.

    Parameters
    ----------
    X : numpy.ndarray, shape (n, 2)

    Returns
    -------
    numpy.ndarray, shape (m, 2)
        Unit vectors :math:`(\\cos\\theta_k, \\sin\\theta_k)`, :math:`\\theta_k` the
        midpoint of the k-th arc (two opposite normals when all points coincide).
    """
    n = len(X)
    angles = []
    for i in range(n):
        for j in range(i + 1, n):
            dx, dy = X[i] - X[j]
            if dx == 0 and dy == 0:
                continue
            a = math.atan2(dy, dx) + math.pi / 2  # w perpendicular to x_i - x_j
            angles.extend([a % (2 * math.pi), (a + math.pi) % (2 * math.pi)])
    if not angles:
        mids = np.array([0.0, math.pi])
    else:
        a = np.unique(np.array(angles))
        nxt = np.append(a[1:], a[0] + 2 * math.pi)
        mids = (a + nxt) / 2
    return np.stack([np.cos(mids), np.sin(mids)], axis=1)


def separating_line(X: object, y: object) -> tuple[np.ndarray, float] | None:
    """A line :math:`w^\\top x + b = 0` with :math:`w^\\top x_i + b > 0` exactly where ``y == 1``.

    .. math::

        \\exists\\, (w, b):\\quad w^\\top x_i + b > 0 \\iff y_i = 1
        \\quad (i = 1, \\dots, n)

    Parameters
    ----------
    X : array_like, shape (n, 2)
        Points in the plane (finite).
    y : array_like of {0, 1}, shape (n,)
        Labels (integers or booleans).

    Returns
    -------
    (w, b) or None
        ``w`` of shape (2,) (a unit vector) and ``b`` a float: a strictly separating
        line; or ``None`` if none exists (exact test, see the module docstring).

    Raises
    ------
    ValueError
        If ``X`` is not of shape (n, 2) with finite entries, or ``y`` not of shape
        (n,) with values in {0, 1}.
    """
    where = "separating_line"
    X = _as_points(X, where)
    y = check_labels(y, 2, len(X), where).astype(bool)
    if y.all() or not y.any():
        # every point on one side: a line far away, with the points on its positive
        # side when y is all ones and on its negative side when y is all zeros
        w = np.array([1.0, 0.0])
        b = -float(X[:, 0].min()) + 1.0 if y.all() else -float(X[:, 0].max()) - 1.0
        return w, b
    for w in _arc_directions(X):
        proj = X @ w
        lo, hi = proj[~y].max(), proj[y].min()
        if lo < hi:
            return w, -float(lo + hi) / 2
    return None


def linearly_separable(X: object, y: object) -> bool:
    """Whether some line strictly separates the points with ``y == 1`` from the others.

    Parameters
    ----------
    X : array_like, shape (n, 2)
    y : array_like of {0, 1}, shape (n,)

    Returns
    -------
    bool
        ``separating_line(X, y) is not None``.
    """
    return separating_line(X, y) is not None


def count_separable_labellings(X: object) -> int:
    """Number of the :math:`2^n` labellings of ``X`` that a half-plane realises (enumerated).

    Parameters
    ----------
    X : array_like, shape (n, 2)

    Returns
    -------
    int
        :math:`\\lvert\\{y \\in \\{0,1\\}^n : y \\text{ linearly separable on } X\\}\\rvert`;
        at most :math:`n^2 - n + 2` for :math:`n \\ge 1` (Cover, 1965), with equality
        for points in general position.
    """
    X = _as_points(X, "count_separable_labellings")
    return sum(linearly_separable(X, np.array(lab)) for lab in product((0, 1), repeat=len(X)))


def halfplane_dichotomies(X: object) -> set[tuple[int, ...]]:
    """All labellings of ``X`` realised by half-planes, by sweeping the arcs.

    For each normal direction between critical angles the realisable labellings
    are the :math:`n + 1` cuts of the sorted projections.

    Parameters
    ----------
    X : array_like, shape (n, 2)

    Returns
    -------
    set of tuple of int
        Each labelling as a tuple of 0/1 of length n.
    """
    X = _as_points(X, "halfplane_dichotomies")
    n = len(X)
    found: set[tuple[int, ...]] = set()
    for w in _arc_directions(X):
        order = np.argsort(X @ w)
        for cut in range(n + 1):
            lab = np.zeros(n, dtype=int)
            lab[order[cut:]] = 1
            found.add(tuple(int(v) for v in lab))
    return found
