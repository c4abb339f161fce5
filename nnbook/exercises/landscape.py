"""Self-checks for chapter 11, "Optimization landscape" (slug ``landscape``).

Each checker takes the reader's function, runs it on a few fixed inputs and
compares the result with an independent reference, saying what is wrong when
they differ.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from nnbook.exercises import CheckResult, check_function

__all__ = [
    "check_filter_normalise",
    "check_permute_hidden",
    "check_saddle_hessian",
    "reference_filter_normalise",
    "reference_permute_hidden",
    "reference_saddle_hessian",
]


def reference_permute_hidden(
    W1: np.ndarray, b1: np.ndarray, W2: np.ndarray, perm: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Reorder the hidden units of ``x -> W2 sigma(W1 x + b1) + b2`` by ``perm``.

    Hidden unit ``j`` of the result is unit ``perm[j]`` of the original: its
    incoming weights (row ``perm[j]`` of ``W1``), its bias and its outgoing
    weights (column ``perm[j]`` of ``W2``) move together.
    """
    perm = np.asarray(perm)
    return W1[perm], b1[perm], W2[:, perm]


def reference_filter_normalise(direction: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Scale each row ("filter") of ``direction`` to the norm of the same row of ``weight``.

    Li et al. (2018): :math:`d_i \\leftarrow d_i\\, \\|W_i\\| / \\|d_i\\|` for every
    row :math:`i` (the incoming weights of one unit).
    """
    row_norms_w = np.linalg.norm(weight, axis=1, keepdims=True)
    row_norms_d = np.linalg.norm(direction, axis=1, keepdims=True)
    return direction * row_norms_w / row_norms_d


def reference_saddle_hessian(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Hessian at :math:`w = 0` of the tiny network's loss.

    The loss is :math:`J(w_1, w_2) = \\frac{1}{2N}\\sum_i (w_2\\tanh(w_1 x_i) - y_i)^2`.

    It is :math:`\\begin{pmatrix}0 & -c\\\\ -c & 0\\end{pmatrix}` with
    :math:`c = \\frac1N\\sum_i x_i y_i`.
    """
    c = float(np.mean(x * y))
    return np.array([[0.0, -c], [-c, 0.0]])


def check_permute_hidden(permute_hidden: Callable[..., tuple]) -> CheckResult:
    """Check ``permute_hidden(W1, b1, W2, perm) -> (W1p, b1p, W2p)``.

    ``W1`` has shape ``(m, n_in)``, ``b1`` shape ``(m,)``, ``W2`` shape
    ``(n_out, m)`` (nnlib's layout) and ``perm`` is a permutation of ``range(m)``.
    """
    rng = np.random.default_rng(9)
    cases = []
    # Non-involutive permutations (each contains a 3-cycle), so that the inverse
    # permutation W1[argsort(perm)] is told apart from the convention stated.
    perms = {3: [1, 2, 0], 5: [3, 1, 4, 0, 2], 6: [2, 0, 1, 5, 3, 4]}
    for n_in, m, n_out in [(2, 3, 1), (4, 5, 3), (3, 6, 2)]:
        cases.append((rng.standard_normal((m, n_in)), rng.standard_normal(m),
                      rng.standard_normal((n_out, m)), np.array(perms[m])))
    return check_function(
        permute_hidden,
        reference=reference_permute_hidden,
        cases=cases,
        name="permute_hidden",
        hint="a hidden unit is a row of W1, an entry of b1 and a COLUMN of W2; "
        "all three move together: W1[perm], b1[perm], W2[:, perm] (unit j of the "
        "new network is unit perm[j] of the old, not the inverse argsort(perm)).",
    )


def check_filter_normalise(filter_normalise: Callable[..., np.ndarray]) -> CheckResult:
    """Check ``filter_normalise(direction, weight)`` (both of shape ``(n_out, n_in)``)."""
    rng = np.random.default_rng(19)
    cases = [(rng.standard_normal(shape), rng.standard_normal(shape) * scale)
             for shape, scale in [((1, 3), 1.0), ((4, 2), 0.1), ((5, 7), 3.0)]]
    return check_function(
        filter_normalise,
        reference=reference_filter_normalise,
        cases=cases,
        name="filter_normalise",
        hint="normalise each ROW separately (norms along axis=1), not the whole matrix, "
        "then scale it to the norm of the same row of the weights.",
    )


def check_saddle_hessian(saddle_hessian: Callable[..., np.ndarray]) -> CheckResult:
    """Check ``saddle_hessian(x, y)``: the 2x2 Hessian at the origin, for data ``x``, ``y``."""
    rng = np.random.default_rng(29)
    cases = [(np.array([1.0]), np.array([1.0])),
             (rng.standard_normal(5), rng.standard_normal(5)),
             (rng.standard_normal(20), rng.standard_normal(20))]
    return check_function(
        saddle_hessian,
        reference=reference_saddle_hessian,
        cases=cases,
        name="saddle_hessian",
        hint="at w = 0 both diagonal entries vanish; the off-diagonal one is "
        "-(1/N) sum_i x_i y_i (mind the sign and the mean).",
    )
