"""The self-checks of chapter 1 accept the reference answers and reject typical mistakes."""

from __future__ import annotations

import numpy as np

from nnbook.exercises.prereq import (
    check_gaussian_mle,
    check_kl_divergence,
    check_low_rank,
    check_matrix_grad,
    check_norm,
    check_quadratic_grad,
)


def _not_written(*args):
    raise NotImplementedError


# ---------------------------------------------------------------- norm
def _norm(x, p):
    if p == 1:
        return np.sum(np.abs(x))
    if p == 2:
        return np.sqrt(np.sum(x**2))
    return np.max(np.abs(x))


def test_norm_accepts_reference_and_numpy():
    assert check_norm(_norm)
    assert check_norm(lambda x, p: np.linalg.norm(x, p))


def test_norm_rejects_missing_abs():
    result = check_norm(lambda x, p: np.sum(x) if p == 1 else _norm(x, p))
    assert not result
    assert "hint" in result.message


def test_norm_rejects_max_without_abs_and_squared_l2():
    assert not check_norm(lambda x, p: np.max(x) if p == np.inf else _norm(x, p))
    assert not check_norm(lambda x, p: np.sum(x**2) if p == 2 else _norm(x, p))


def test_norm_reports_not_written():
    result = check_norm(_not_written)
    assert not result
    assert "not written yet" in result.message


# ---------------------------------------------------------------- quadratic form
def test_quadratic_grad_accepts_reference():
    assert check_quadratic_grad(lambda A, x: (A + A.T) @ x)
    assert check_quadratic_grad(lambda A, x: A @ x + A.T @ x)


def test_quadratic_grad_rejects_symmetric_only_formula():
    result = check_quadratic_grad(lambda A, x: 2 * A @ x)
    assert not result
    assert "A^T" in result.message


def test_quadratic_grad_rejects_half_gradient():
    assert not check_quadratic_grad(lambda A, x: A @ x)


def test_quadratic_grad_reference_matches_finite_differences():
    rng = np.random.default_rng(0)
    A, x, eps = rng.normal(size=(4, 4)), rng.normal(size=4), 1e-6
    f = lambda v: v @ A @ v  # noqa: E731
    fd = np.array([(f(x + eps * e) - f(x - eps * e)) / (2 * eps) for e in np.eye(4)])
    assert np.allclose(fd, (A + A.T) @ x, rtol=1e-7, atol=1e-9)


# ---------------------------------------------------------------- low rank
def _low_rank(A, k):
    U, s, Vt = np.linalg.svd(A, full_matrices=False)
    return U[:, :k] @ np.diag(s[:k]) @ Vt[:k, :]


def test_low_rank_accepts_reference():
    assert check_low_rank(_low_rank)


def test_low_rank_rejects_wrong_slices():
    def columns_of_vt(A, k):
        U, s, Vt = np.linalg.svd(A, full_matrices=False)
        return U[:, :k] @ np.diag(s[:k]) @ Vt[:, :k].T if Vt.shape[0] == Vt.shape[1] else A

    def smallest_values(A, k):
        U, s, Vt = np.linalg.svd(A, full_matrices=False)
        return U[:, -k:] @ np.diag(s[-k:]) @ Vt[-k:, :]

    def no_sigma(A, k):
        U, _, Vt = np.linalg.svd(A, full_matrices=False)
        return U[:, :k] @ Vt[:k, :]

    for wrong in (columns_of_vt, smallest_values, no_sigma):
        assert not check_low_rank(wrong)


def test_low_rank_error_is_eckart_young():
    rng = np.random.default_rng(1)
    A = rng.normal(size=(7, 5))
    s = np.linalg.svd(A, compute_uv=False)
    for k in range(6):
        assert np.isclose(np.sum((A - _low_rank(A, k)) ** 2), np.sum(s[k:] ** 2))


# ---------------------------------------------------------------- Gaussian MLE
def test_gaussian_mle_accepts_reference():
    assert check_gaussian_mle(lambda y: (np.mean(y), np.var(y)))


def test_gaussian_mle_rejects_unbiased_variance():
    result = check_gaussian_mle(lambda y: (np.mean(y), np.var(y, ddof=1)))
    assert not result
    assert "divides by n" in result.message


def test_gaussian_mle_rejects_standard_deviation():
    assert not check_gaussian_mle(lambda y: (np.mean(y), np.std(y)))


# --- the catalogue: every classic mistake is recognised and named ---------------------

def _svd(A):
    return np.linalg.svd(A, full_matrices=False)


CATALOGUE = {
    "norm": (check_norm, {
        "no abs": (lambda x, p: float(np.sum(x)) if p == 1 else (
            float(np.max(x)) if p == np.inf else float(np.sqrt(np.sum(x * x)))),
            "absolute values are missing"),
        "no sqrt": (lambda x, p: float(np.sum(x * x)) if p == 2 else float(
            np.linalg.norm(x, p)), "square root"),
        "L1 as max": (lambda x, p: float(np.max(np.abs(x))) if p == 1 else float(
            np.linalg.norm(x, p)), "L-infinity"),
    }),
    "quadratic_grad": (check_quadratic_grad, {
        "2Ax": (lambda A, x: 2 * A @ x, "only for a symmetric A"),
        "2ATx": (lambda A, x: 2 * A.T @ x, "2 A^T x"),
        "half": (lambda A, x: (A + A.T) @ x / 2, "no factor 1/2"),
        "sign": (lambda A, x: -(A + A.T) @ x, "sign is flipped"),
        "Ax": (lambda A, x: A @ x, "missing the A^T x term"),
    }),
    "low_rank": (check_low_rank, {
        "Vt columns": (lambda A, k: (lambda U, s, Vt: (U[:, :k] * s[:k]) @ Vt[:, :k].T)(
            *_svd(A)), "columns of Vt"),
        "smallest": (lambda A, k: (lambda U, s, Vt: (U[:, -k:] * s[-k:]) @ Vt[-k:])(
            *_svd(A)), "smallest"),
        "no sigma": (lambda A, k: (lambda U, s, Vt: U[:, :k] @ Vt[:k])(*_svd(A)),
                     "singular values are missing"),
        "k+1": (lambda A, k: (lambda U, s, Vt: (U[:, :k + 1] * s[:k + 1]) @ Vt[:k + 1])(
            *_svd(A)), "off-by-one"),
    }),
    "gaussian_mle": (check_gaussian_mle, {
        "ddof=1": (lambda x: (np.mean(x), np.var(x, ddof=1)), "n - 1"),
        "std": (lambda x: (np.mean(x), np.std(x)), "standard deviation"),
        "raw second moment": (lambda x: (np.mean(x), np.mean(x**2)), "subtract the mean"),
        "swapped": (lambda x: (np.var(x), np.mean(x)), "swapped"),
    }),
}


def test_prereq_checkers_name_each_mistake():
    for checker_name, (checker, wrongs) in CATALOGUE.items():
        for label, (wrong, phrase) in wrongs.items():
            verdict = checker(wrong)
            assert not verdict, (checker_name, label)
            assert phrase in repr(verdict), (checker_name, label, repr(verdict))


def test_prereq_checkers_accept_alternative_forms():
    assert check_gaussian_mle(lambda x: np.array([np.mean(x), np.var(x)]))  # an array
    assert check_gaussian_mle(lambda x: [np.mean(x), np.mean((x - np.mean(x)) ** 2)])
    assert check_quadratic_grad(lambda A, x: A @ x + A.T @ x)
    assert check_low_rank(lambda A, k: sum(
        s * np.outer(u, v) for u, s, v in zip(_svd(A)[0].T[:k], _svd(A)[1][:k], _svd(A)[2][:k],
                                              strict=True)))
    assert check_norm(lambda x, p: float(np.linalg.norm(x, p)))


def test_low_rank_prints_matrices_as_matrices():
    verdict = repr(check_low_rank(CATALOGUE["low_rank"][1]["no sigma"][0]))
    assert "\n      [[" in verdict


# --- the checkers of the new sections: matrix gradients and KL -----------------------

def _kl(p, q):
    p, q = np.asarray(p), np.asarray(q)
    m = p > 0
    return float(np.sum(p[m] * np.log(p[m] / q[m])))


NEW_CATALOGUE = {
    "matrix_grad": (check_matrix_grad, {
        "transposed": (lambda W, x, y: np.outer(x, W @ x - y), "transpose"),
        "factor 2": (lambda W, x, y: 2 * np.outer(W @ x - y, x), "twice the gradient"),
        "sign": (lambda W, x, y: np.outer(y - W @ x, x), "sign is flipped"),
        "output not input": (lambda W, x, y: np.outer(W @ x - y, W @ x), "input x belongs"),
        "dJ/dx": (lambda W, x, y: W.T @ (W @ x - y), "with respect to the *input*"),
    }),
    "kl": (check_kl_divergence, {
        "swapped": (lambda p, q: _kl(q, p), "swapped"),
        "bits": (lambda p, q: _kl(p, q) / np.log(2), "base 2"),
        "no weights": (lambda p, q: float(np.sum(np.log(p[p > 0] / q[p > 0]))), "weights p_k"),
        "sign": (lambda p, q: -_kl(p, q), "sign is flipped"),
        "cross-entropy": (lambda p, q: float(-np.sum(p[p > 0] * np.log(q[p > 0]))),
                          "cross-entropy"),
        "nan at zeros": (lambda p, q: float(np.sum(p * np.log(p / q))), "0 * log(0)"),
    }),
}


def test_new_prereq_checkers_name_each_mistake():
    for checker_name, (checker, wrongs) in NEW_CATALOGUE.items():
        for label, (wrong, phrase) in wrongs.items():
            with np.errstate(all="ignore"):  # the nan-at-zeros answer warns
                verdict = checker(wrong)
            assert not verdict, (checker_name, label)
            assert phrase in repr(verdict), (checker_name, label, repr(verdict))


def test_new_prereq_checkers_accept_alternative_forms():
    assert check_matrix_grad(lambda W, x, y: (W @ x - y)[:, None] * x[None, :])
    assert check_matrix_grad(lambda W, x, y: np.einsum("i,j->ij", W @ x - y, x))
    assert check_kl_divergence(
        lambda p, q: float(np.sum(np.where(p > 0, p * np.log(np.where(p > 0, p, 1) / q), 0))))
    from scipy.stats import entropy  # scipy's KL for two arguments
    assert check_kl_divergence(lambda p, q: float(entropy(p, q)))


def test_new_prereq_checkers_show_hint_when_code_raises():
    def broken(*args):
        raise IndexError("oops")
    assert "hint" in repr(check_matrix_grad(broken))
    assert "hint" in repr(check_kl_divergence(broken))
