"""Self-checks for the exercises of chapter 1, *Mathematical prerequisites*.

Each checker runs the reader's function on a few inputs, compares it with an
independent reference and returns a :class:`~nnbook.exercises.CheckResult`
whose message says what is wrong (see :mod:`nnbook.exercises`).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from nnbook.exercises import CheckResult
from nnbook.exercises._diagnose import Mistake, check_with_mistakes

__all__ = [
    "check_gaussian_mle",
    "check_kl_divergence",
    "check_low_rank",
    "check_matrix_grad",
    "check_norm",
    "check_quadratic_grad",
]


def _reference_norm(x: np.ndarray, p: float) -> float:
    x = np.asarray(x, dtype=float)
    if p == 1:
        return float(np.sum(np.abs(x)))
    if p == 2:
        return float(np.sqrt(np.sum(x * x)))
    if p == np.inf:
        return float(np.max(np.abs(x)))
    raise ValueError(f"p must be 1, 2 or inf, got {p}")


def _without_abs(x: np.ndarray, p: float) -> float:
    x = np.asarray(x, dtype=float)
    if p == 1:
        return float(np.sum(x))
    if p == 2:
        return float(np.sqrt(np.sum(x * x)))
    return float(np.max(x))


NORM_MISTAKES = (
    Mistake(_without_abs, "the absolute values are missing: negative entries count by their "
            "size, sum(|x_i|) and max(|x_i|), not sum(x_i) and max(x_i)."),
    Mistake(lambda x, p: _reference_norm(x, 2) ** 2 if p == 2 else _reference_norm(x, p),
            "the L2 norm lacks its square root: sum(x_i**2) is the *squared* norm."),
    Mistake(lambda x, p: float(np.max(np.abs(x))) if p == 1 else _reference_norm(x, p),
            "for p = 1 you returned the largest |x_i| (the L-infinity norm)."),
)


def check_norm(norm: Callable[[np.ndarray, float], float]) -> CheckResult:
    """Check ``norm(x, p)``: the L1, L2 or L-infinity norm of a vector ``x``.

    The reference is the definition (sum of absolute values, square root of the
    sum of squares, largest absolute value), not ``numpy.linalg.norm``.
    """
    rng = np.random.default_rng(0)
    x = rng.normal(size=5)
    cases = []
    for p in (1, 2, np.inf):
        cases += [(np.array([3.0, -4.0]), p), (x, p), (np.array([-2.0]), p)]
    return check_with_mistakes(
        norm,
        reference=_reference_norm,
        cases=cases,
        mistakes=NORM_MISTAKES,
        name="norm",
        hint="L1 sums |x_i|, L2 is the square root of the sum of x_i**2, "
        "L-infinity is the largest |x_i|; negative entries count by their size.",
    )


def _reference_quadratic_grad(A: np.ndarray, x: np.ndarray) -> np.ndarray:
    return (A + A.T) @ x


QUADRATIC_GRAD_MISTAKES = (
    Mistake(lambda A, x: 2 * A @ x,
            "2 A x is the gradient only for a symmetric A; in general it is (A + A^T) x."),
    Mistake(lambda A, x: 2 * A.T @ x,
            "2 A^T x is the gradient only for a symmetric A; in general it is (A + A^T) x."),
    Mistake(lambda A, x: (A + A.T) @ x / 2,
            "half the gradient: (A + A^T) x / 2. Differentiating x_i x_j gives both terms, "
            "so there is no factor 1/2."),
    Mistake(lambda A, x: -(A + A.T) @ x, "the sign is flipped."),
    Mistake(lambda A, x: A @ x, "A x is missing the A^T x term (and is only half of 2 A x)."),
    Mistake(lambda A, x: x @ (A + A.T) @ x,
            "you returned a number; the gradient is a vector, (A + A^T) x."),
)


def check_quadratic_grad(grad: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> CheckResult:
    """Check ``grad(A, x)``, the gradient of ``f(x) = x^T A x`` for a square ``A``.

    The cases include non-symmetric matrices, for which ``2 A x`` is wrong.
    """
    rng = np.random.default_rng(1)
    cases = [
        (np.eye(2), np.array([1.0, -2.0])),
        (np.array([[1.0, 2.0], [0.0, 3.0]]), np.array([1.0, 1.0])),
        (rng.normal(size=(3, 3)), rng.normal(size=3)),
        (rng.normal(size=(4, 4)), rng.normal(size=4)),
    ]
    return check_with_mistakes(
        grad,
        reference=_reference_quadratic_grad,
        cases=cases,
        mistakes=QUADRATIC_GRAD_MISTAKES,
        name="quadratic_grad",
        hint="A need not be symmetric: x^T A x has gradient (A + A^T) x, "
        "which equals 2 A x only when A = A^T.",
    )


def _reference_low_rank(A: np.ndarray, k: int) -> np.ndarray:
    U, s, Vt = np.linalg.svd(A, full_matrices=False)
    return (U[:, :k] * s[:k]) @ Vt[:k]


def _svd(A: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return np.linalg.svd(A, full_matrices=False)


LOW_RANK_MISTAKES = (
    Mistake(lambda A, k: (lambda U, s, Vt: (U[:, :k] * s[:k]) @ Vt[:, :k].T)(*_svd(A)),
            "you used the columns of Vt (Vt[:, :k]); NumPy returns V^T, whose *rows* are the "
            "right singular vectors: use Vt[:k, :]."),
    Mistake(lambda A, k: (lambda U, s, Vt: (U[:, -k:] * s[-k:]) @ Vt[-k:])(*_svd(A)),
            "you kept the k *smallest* singular values; NumPy sorts them largest first, "
            "so keep the first k."),
    Mistake(lambda A, k: (lambda U, s, Vt: U[:, :k] @ Vt[:k])(*_svd(A)),
            "the singular values are missing: U_k Sigma_k V_k^T, not U_k V_k^T."),
    Mistake(lambda A, k: (lambda U, s, Vt: (U[:, :k + 1] * s[:k + 1]) @ Vt[:k + 1])(*_svd(A)),
            "you kept k + 1 terms (an off-by-one): the slice [:k] already holds k of them."),
)


def check_low_rank(low_rank: Callable[[np.ndarray, int], np.ndarray]) -> CheckResult:
    """Check ``low_rank(A, k)``, the best rank-``k`` approximation of ``A``.

    The matrices have distinct singular values, so the answer is unique.
    """
    rng = np.random.default_rng(2)
    A = rng.normal(size=(6, 4))
    B = rng.normal(size=(3, 5))
    cases = [(A, 1), (A, 2), (A, 4), (B, 1), (B, 3)]
    return check_with_mistakes(
        low_rank,
        reference=_reference_low_rank,
        cases=cases,
        mistakes=LOW_RANK_MISTAKES,
        name="low_rank",
        hint="keep the k largest singular values: U[:, :k] @ diag(s[:k]) @ Vt[:k, :] "
        "(NumPy returns V^T, whose rows are the right singular vectors).",
    )


def _reference_gaussian_mle(x: np.ndarray) -> tuple[float, float]:
    mu = float(np.sum(x) / x.size)
    return mu, float(np.sum((x - mu) ** 2) / x.size)


GAUSSIAN_MLE_MISTAKES = (
    Mistake(lambda x: (float(np.mean(x)), float(np.var(x, ddof=1))),
            "you divided by n - 1 (ddof=1): that is the unbiased estimator; the "
            "maximum-likelihood variance divides by n."),
    Mistake(lambda x: (float(np.mean(x)), float(np.std(x))),
            "you returned the standard deviation s; the exercise asks for the variance s^2."),
    Mistake(lambda x: (float(np.mean(x)), float(np.mean(x**2))),
            "you returned the mean of x^2; subtract the mean first: mean((x - mu_hat)^2)."),
    Mistake(lambda x: (float(np.var(x)), float(np.mean(x))),
            "the two values are swapped: return (mu_hat, s2_hat) in that order."),
)


def check_gaussian_mle(gaussian_mle: Callable[[np.ndarray], tuple[float, float]]) -> CheckResult:
    """Check ``gaussian_mle(x) -> (mu_hat, sigma2_hat)`` for a sample ``x``."""
    rng = np.random.default_rng(3)
    cases = [
        np.array([1.0, 2.0, 3.0, 6.0]),
        rng.normal(2.0, 3.0, size=10),
        rng.normal(-1.0, 0.5, size=25),
    ]

    def as_pair(x: np.ndarray) -> object:
        # a tuple, a list or an array of two numbers are all fine
        result = gaussian_mle(x)
        if isinstance(result, np.ndarray) and result.shape == (2,):
            return tuple(result)
        return result

    as_pair.__name__ = getattr(gaussian_mle, "__name__", "gaussian_mle")
    return check_with_mistakes(
        as_pair,
        reference=_reference_gaussian_mle,
        cases=cases,
        mistakes=GAUSSIAN_MLE_MISTAKES,
        name="gaussian_mle",
        hint="return the pair (mu_hat, s2_hat): the sample mean and the mean squared "
        "deviation from it.",
    )


def _reference_matrix_grad(W: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return np.outer(W @ x - y, x)


MATRIX_GRAD_MISTAKES = (
    Mistake(lambda W, x, y: np.outer(x, W @ x - y),
            "you returned x r^T, the transpose (the Jacobian layout); dJ/dW has the shape "
            "of W, (m, n): r x^T with r = W x - y."),
    Mistake(lambda W, x, y: 2 * np.outer(W @ x - y, x),
            "twice the gradient: the 1/2 in J = ||W x - y||^2 / 2 cancels the 2 of the "
            "square, so dJ/dW = r x^T."),
    Mistake(lambda W, x, y: np.outer(y - W @ x, x),
            "the sign is flipped: the residual is r = W x - y, not y - W x."),
    Mistake(lambda W, x, y: np.outer(W @ x - y, W @ x),
            "you multiplied the residual by the output W x; the input x belongs there: "
            "dJ/dW_ij = r_i x_j."),
    Mistake(lambda W, x, y: W.T @ (W @ x - y),
            "W^T r is dJ/dx, the gradient with respect to the *input*; dJ/dW is r x^T."),
)


def check_matrix_grad(grad_W: Callable[..., np.ndarray]) -> CheckResult:
    """Check ``grad_W(W, x, y)``, the gradient of ``||W x - y||^2 / 2`` with respect to ``W``.

    The cases mix square and non-square ``W``, so that a transposed answer is caught by
    its values where its shape happens to fit.
    """
    rng = np.random.default_rng(4)
    cases = [
        (np.array([[1.0, 2.0], [0.0, -1.0]]), np.array([1.0, 3.0]), np.array([0.5, -2.0])),
        (rng.normal(size=(3, 3)), rng.normal(size=3), rng.normal(size=3)),
        (rng.normal(size=(2, 4)), rng.normal(size=4), rng.normal(size=2)),
        (rng.normal(size=(4, 3)), rng.normal(size=3), rng.normal(size=4)),
    ]
    return check_with_mistakes(
        grad_W,
        reference=_reference_matrix_grad,
        cases=cases,
        mistakes=MATRIX_GRAD_MISTAKES,
        name="grad_W",
        hint="dJ/dW_ij = r_i x_j with r = W x - y: the outer product np.outer(r, x), "
        "of the shape of W.",
    )


def _reference_kl(p: np.ndarray, q: np.ndarray) -> float:
    p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)
    support = p > 0
    return float(np.sum(p[support] * np.log(p[support] / q[support])))


def _kl_naive(p: np.ndarray, q: np.ndarray) -> float:
    p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)
    return float(np.sum(p * np.log(p / q)))


KL_MISTAKES = (
    Mistake(lambda p, q: _reference_kl(q, p),
            "you computed KL(q || p): the arguments are swapped, and KL is not symmetric. "
            "The weights are p: sum_k p_k log(p_k / q_k)."),
    Mistake(lambda p, q: _reference_kl(p, q) / np.log(2),
            "you used log base 2 (bits); the book uses natural logarithms (nats)."),
    Mistake(lambda p, q: float(np.sum(np.log(np.asarray(p)[np.asarray(p) > 0]
                                             / np.asarray(q)[np.asarray(p) > 0]))),
            "the weights p_k are missing: KL is the *average* of log(p_k / q_k) under p."),
    Mistake(lambda p, q: -_reference_kl(p, q),
            "the sign is flipped: KL(p || q) = sum_k p_k log(p_k / q_k) >= 0."),
    Mistake(lambda p, q: float(-np.sum(np.asarray(p)[np.asarray(p) > 0]
                                       * np.log(np.asarray(q)[np.asarray(p) > 0]))),
            "you returned the cross-entropy H(p, q); KL subtracts the entropy: "
            "KL = H(p, q) - H(p)."),
    Mistake(_kl_naive,
            "0 * log(0) gave nan: where p_k = 0 the term is 0 by convention, so sum only "
            "over the outcomes with p_k > 0."),
)


def check_kl_divergence(kl: Callable[[np.ndarray, np.ndarray], float]) -> CheckResult:
    """Check ``kl(p, q)``, the Kullback-Leibler divergence in nats, with zeros in ``p``."""
    cases = [
        (np.array([0.5, 0.5]), np.array([0.9, 0.1])),
        (np.array([0.2, 0.3, 0.5]), np.array([0.3, 0.3, 0.4])),
        (np.array([0.7, 0.2, 0.1]), np.array([0.1, 0.2, 0.7])),
        (np.array([0.0, 0.4, 0.6]), np.array([0.2, 0.3, 0.5])),
        (np.array([0.25, 0.25, 0.25, 0.25]), np.array([0.25, 0.25, 0.25, 0.25])),
    ]
    return check_with_mistakes(
        kl,
        reference=_reference_kl,
        cases=cases,
        mistakes=KL_MISTAKES,
        name="kl_divergence",
        hint="KL(p || q) = sum over k with p_k > 0 of p_k * log(p_k / q_k), natural log.",
    )
