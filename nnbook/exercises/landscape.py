"""Self-checks for chapter 11, "Optimization landscape" (slug ``landscape``).

Each checker takes the reader's function, runs it on a few fixed inputs and
compares the result with an independent reference, saying what is wrong when
they differ.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy.optimize import linear_sum_assignment

from nnbook.exercises import CheckResult
from nnbook.exercises._diagnose import Mistake, check_with_mistakes

__all__ = [
    "FILTER_NORMALISE_MISTAKES",
    "MATCH_HIDDEN_MISTAKES",
    "PERMUTE_HIDDEN_MISTAKES",
    "SADDLE_HESSIAN_MISTAKES",
    "check_filter_normalise",
    "check_match_hidden",
    "check_permute_hidden",
    "check_saddle_hessian",
    "reference_filter_normalise",
    "reference_match_hidden",
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


def _inverse_permutation(W1, b1, W2, perm):
    inv = np.argsort(perm)
    return W1[inv], b1[inv], W2[:, inv]


def _packed(fn: Callable[..., tuple]) -> Callable[..., object]:
    """``fn`` with a result of three arrays returned as one labelled 1-D array.

    The verdict then compares (and prints) one vector, ``W1p``, ``b1p`` and ``W2p``
    flattened in this order; any other result is passed on unchanged.
    """

    def run(*args: object) -> object:
        result = fn(*args)
        if isinstance(result, tuple | list) and len(result) == 3:
            return np.concatenate([np.ravel(np.asarray(r, dtype=float)) for r in result])
        return result

    run.__name__ = getattr(fn, "__name__", "permute_hidden")
    return run


PERMUTE_HIDDEN_MISTAKES = (
    Mistake(
        _inverse_permutation,
        "this is the INVERSE permutation (argsort(perm)): unit j of the new network "
        "must be unit perm[j] of the old one, i.e. W1[perm], b1[perm], W2[:, perm].",
    ),
    Mistake(
        lambda W1, b1, W2, perm: (W1[perm], b1, W2[:, perm]),
        "the biases did not move: b1 belongs to the hidden units, so b1[perm] too.",
    ),
    Mistake(
        lambda W1, b1, W2, perm: (W1[perm], b1[perm], W2),
        "W2 did not move: the outgoing weights of a unit (a COLUMN of W2) move with it, "
        "W2[:, perm]; otherwise the function changes.",
    ),
    Mistake(
        lambda W1, b1, W2, perm: (W1[perm], b1[perm], W2[perm]),
        "an index ran along the wrong axis: W2[perm] reorders the ROWS of W2 (the "
        "output units) and W1[:, perm] the inputs; a hidden unit is a ROW of W1 and "
        "a COLUMN of W2: W1[perm], W2[:, perm].",
    ),
)


def check_permute_hidden(permute_hidden: Callable[..., tuple]) -> CheckResult:
    """Check ``permute_hidden(W1, b1, W2, perm) -> (W1p, b1p, W2p)``.

    ``W1`` has shape ``(m, n_in)``, ``b1`` shape ``(m,)``, ``W2`` shape
    ``(n_out, m)`` (nnlib's layout) and ``perm`` is a permutation of ``range(m)``.
    The verdict names the mistakes of :data:`PERMUTE_HIDDEN_MISTAKES`.
    """
    rng = np.random.default_rng(9)
    cases = []
    # Non-involutive permutations (each contains a 3-cycle), so that the inverse
    # permutation W1[argsort(perm)] is told apart from the convention stated.
    perms = {3: [1, 2, 0], 5: [3, 1, 4, 0, 2], 6: [2, 0, 1, 5, 3, 4]}
    for n_in, m, n_out in [(2, 3, 1), (4, 5, 3), (3, 6, 2)]:
        cases.append(
            (
                rng.standard_normal((m, n_in)),
                rng.standard_normal(m),
                rng.standard_normal((n_out, m)),
                np.array(perms[m]),
            )
        )
    return check_with_mistakes(
        _packed(permute_hidden),
        _packed(reference_permute_hidden),
        cases,
        mistakes=[Mistake(_packed(m.answer), m.message) for m in PERMUTE_HIDDEN_MISTAKES],
        name="permute_hidden",
        hint="a hidden unit is a row of W1, an entry of b1 and a COLUMN of W2; "
        "all three move together: W1[perm], b1[perm], W2[:, perm] (unit j of the "
        "new network is unit perm[j] of the old, not the inverse argsort(perm)).",
    )


FILTER_NORMALISE_MISTAKES = (
    Mistake(
        lambda d, W: d / np.linalg.norm(d) * np.linalg.norm(W),
        "you normalised the whole matrix (Frobenius norm); filter normalisation works "
        "ROW by row: norms along axis=1, keepdims=True.",
    ),
    Mistake(
        lambda d, W: (
            d / np.linalg.norm(d, axis=0, keepdims=True) * np.linalg.norm(W, axis=0, keepdims=True)
        ),
        "these are COLUMN norms (axis=0); a unit's incoming weights are a ROW (axis=1).",
    ),
    Mistake(
        lambda d, W: d / np.linalg.norm(d, axis=1, keepdims=True),
        "each row has norm 1; it must get the norm of the same row of the weights "
        "(multiply by np.linalg.norm(weight, axis=1, keepdims=True)).",
    ),
    Mistake(
        lambda d, W: d * np.linalg.norm(W, axis=1, keepdims=True),
        "you multiplied by the weights' row norms but did not divide by the "
        "direction's own row norms first.",
    ),
    Mistake(
        lambda d, W: (
            W / np.linalg.norm(W, axis=1, keepdims=True) * np.linalg.norm(d, axis=1, keepdims=True)
        ),
        "the roles are swapped: the DIRECTION keeps its orientation and gets the "
        "weights' row norms, not the other way round.",
    ),
)


def check_filter_normalise(filter_normalise: Callable[..., np.ndarray]) -> CheckResult:
    """Check ``filter_normalise(direction, weight)`` (both of shape ``(n_out, n_in)``).

    The verdict names the mistakes of :data:`FILTER_NORMALISE_MISTAKES`.
    """
    rng = np.random.default_rng(19)
    cases = [
        (rng.standard_normal(shape), rng.standard_normal(shape) * scale)
        for shape, scale in [((1, 3), 1.0), ((4, 2), 0.1), ((5, 7), 3.0)]
    ]
    return check_with_mistakes(
        filter_normalise,
        reference_filter_normalise,
        cases,
        mistakes=FILTER_NORMALISE_MISTAKES,
        name="filter_normalise",
        hint="normalise each ROW separately (norms along axis=1), not the whole matrix, "
        "then scale it to the norm of the same row of the weights.",
    )


def _hessian_of(c: float) -> np.ndarray:
    return np.array([[0.0, -c], [-c, 0.0]])


SADDLE_HESSIAN_MISTAKES = (
    Mistake(
        lambda x, y: _hessian_of(float(np.sum(x * y))),
        "you used the SUM over examples; J is the MEAN, so c = (1/N) sum_i x_i y_i.",
    ),
    Mistake(
        lambda x, y: _hessian_of(-float(np.mean(x * y))),
        "the sign is flipped: the off-diagonal entries are -c, c = mean(x y).",
    ),
    Mistake(
        lambda x, y: _hessian_of(float(np.mean(x) * np.mean(y))),
        "mean(x) mean(y) is not mean(x y): average the products x_i y_i.",
    ),
    Mistake(
        lambda x, y: _hessian_of(float(np.mean(x * y)) / 2),
        "half too small: the factor 1/2 of the squared error cancels against the 2 "
        "of the derivative; c = mean(x y).",
    ),
    Mistake(
        lambda x, y: np.array([-np.mean(x * y), np.mean(x * y)]),
        "these are the eigenvalues -c and c; the exercise asks for the 2x2 matrix.",
    ),
    Mistake(
        lambda x, y: np.array([[np.mean(x**2), -np.mean(x * y)], [-np.mean(x * y), 0.0]]),
        "at w = 0 the diagonal entries vanish: d2J/dw1^2 carries the factor w2^2 and "
        "d2J/dw2^2 the factor tanh(0)^2.",
    ),
)


def check_saddle_hessian(saddle_hessian: Callable[..., np.ndarray]) -> CheckResult:
    """Check ``saddle_hessian(x, y)``: the 2x2 Hessian at the origin, for data ``x``, ``y``.

    The verdict names the mistakes of :data:`SADDLE_HESSIAN_MISTAKES`.
    """
    rng = np.random.default_rng(29)
    cases = [
        (np.array([1.0]), np.array([1.0])),
        (rng.standard_normal(5), rng.standard_normal(5)),
        (rng.standard_normal(20), rng.standard_normal(20)),
    ]
    return check_with_mistakes(
        saddle_hessian,
        reference_saddle_hessian,
        cases,
        mistakes=SADDLE_HESSIAN_MISTAKES,
        name="saddle_hessian",
        hint="at w = 0 both diagonal entries vanish; the off-diagonal one is "
        "-(1/N) sum_i x_i y_i (mind the sign and the mean).",
    )


def _unit_similarity(W1a, b1a, W2a, W1b, b1b, W2b, *, outgoing=True, bias=True):
    """``S[i, j]``: inner product of unit ``i`` of network a with unit ``j`` of b."""
    S = W1a @ W1b.T
    if bias:
        S = S + np.outer(b1a, b1b)
    if outgoing:
        S = S + W2a.T @ W2b
    return S


def reference_match_hidden(
    W1a: np.ndarray,
    b1a: np.ndarray,
    W2a: np.ndarray,
    W1b: np.ndarray,
    b1b: np.ndarray,
    W2b: np.ndarray,
) -> np.ndarray:
    """Weight matching: the permutation of network b's hidden units closest to a's.

    Returns ``perm`` (shape ``(m,)``) such that unit ``j`` of the permuted b,
    ``W1b[perm]``, ``b1b[perm]``, ``W2b[:, perm]``, is matched with unit ``j`` of
    a. It maximises the summed inner products of matched units,

    .. math::

        \\pi^\\star = \\arg\\max_\\pi \\sum_j \\big(W^1_{a,j} \\cdot W^1_{b,\\pi(j)}
        + b^1_{a,j} b^1_{b,\\pi(j)} + W^2_{a,:j} \\cdot W^2_{b,:\\pi(j)}\\big),

    which minimises :math:`\\|\\theta_a - \\pi(\\theta_b)\\|^2` (Ainsworth et al.
    2023), a linear assignment problem solved exactly by
    :func:`scipy.optimize.linear_sum_assignment`.
    """
    S = _unit_similarity(W1a, b1a, W2a, W1b, b1b, W2b)
    rows, cols = linear_sum_assignment(S, maximize=True)
    return cols[np.argsort(rows)]


def _assignment(S: np.ndarray, *, maximize: bool = True) -> np.ndarray:
    rows, cols = linear_sum_assignment(S, maximize=maximize)
    return cols[np.argsort(rows)]


MATCH_HIDDEN_MISTAKES = (
    Mistake(
        lambda *w: _assignment(_unit_similarity(*w), maximize=False),
        "this is the WORST match: linear_sum_assignment MINIMISES its cost by "
        "default; on a similarity matrix pass maximize=True (or minimise -S).",
    ),
    Mistake(
        lambda *w: np.argsort(_assignment(_unit_similarity(*w))),
        "this is the INVERSE permutation: unit j of the permuted b must be unit "
        "perm[j] of b, i.e. return the column indices col_ind, not argsort(col_ind).",
    ),
    Mistake(
        lambda *w: _assignment(_unit_similarity(*w, outgoing=False)),
        "the outgoing weights are missing: a hidden unit is also a COLUMN of W2; "
        "add W2a.T @ W2b to the similarity.",
    ),
    Mistake(
        lambda *w: _assignment(_unit_similarity(*w, outgoing=False, bias=False)),
        "only the incoming weights were compared: add the biases (np.outer(b1a, "
        "b1b)) and the outgoing weights (W2a.T @ W2b) to the similarity.",
    ),
)


def check_match_hidden(match_hidden: Callable[..., np.ndarray]) -> CheckResult:
    """Check ``match_hidden(W1a, b1a, W2a, W1b, b1b, W2b) -> perm``.

    ``W1*`` have shape ``(m, n_in)``, ``b1*`` shape ``(m,)``, ``W2*`` shape
    ``(n_out, m)``. Network b of each test is a noisy, permuted copy of a, so the
    matching is unambiguous. The verdict names the mistakes of
    :data:`MATCH_HIDDEN_MISTAKES`.
    """
    rng = np.random.default_rng(39)
    cases = []
    for n_in, m, n_out, noise in [(2, 5, 1, 0.3), (3, 7, 2, 0.3), (4, 9, 3, 0.5)]:
        W1a, b1a = rng.standard_normal((m, n_in)), rng.standard_normal(m)
        W2a = rng.standard_normal((n_out, m))
        hidden = rng.permutation(m)
        W1b, b1b, W2b = (
            v + noise * rng.standard_normal(v.shape)
            for v in (W1a[hidden], b1a[hidden], W2a[:, hidden])
        )
        cases.append((W1a, b1a, W2a, W1b, b1b, W2b))
    return check_with_mistakes(
        match_hidden,
        reference_match_hidden,
        cases,
        mistakes=MATCH_HIDDEN_MISTAKES,
        name="match_hidden",
        hint="build S[i, j] = W1a[i] . W1b[j] + b1a[i] b1b[j] + W2a[:, i] . "
        "W2b[:, j] (S = W1a @ W1b.T + np.outer(b1a, b1b) + W2a.T @ W2b), then "
        "rows, cols = linear_sum_assignment(S, maximize=True) and return cols.",
    )
