"""Curvature of a loss surface: Hessian-vector products, the full Hessian, Lanczos.

For a model with parameters :math:`\\theta \\in \\mathbb R^P` (all its arrays,
flattened and concatenated in ``model.parameters()`` order) and the batch loss
:math:`J(\\theta)`, the Hessian-vector product is the directional derivative of
the gradient (Pearlmutter 1994),

.. math::

    H v = \\frac{d}{dh} \\nabla J(\\theta + h v)\\Big|_{h=0}
        = \\frac{\\nabla J(\\theta + h v) - \\nabla J(\\theta - h v)}{2h} + O(h^2),

computed here with two backward passes (the central difference of exact
backprop gradients; nnlib's layers have no second-order backward).  The error
is :math:`O(h^2)` in the third derivatives plus round-off
:math:`\\approx \\epsilon_{\\text{mach}}\\|\\nabla J\\|/h`; with :math:`\\|v\\| = 1`
and :math:`h = 10^{-4}` both are far below the spread of the eigenvalues one
plots.  The full Hessian is :math:`P` such products (tiny networks only), and
the top of the spectrum of a real network comes from the Lanczos iteration,
which needs only products :math:`v \\mapsto Hv`.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable

import numpy as np

from nnlib._validation import as_rng, check_positive_int, format_shape
from nnlib.layers.base import Layer, Parameter
from nnlib.losses import Loss

__all__ = [
    "flat_gradient",
    "hessian",
    "hessian_vector_product",
    "lanczos",
    "top_hessian_eigenvalues",
]


def _params(model: Layer) -> list[Parameter]:
    if not isinstance(model, Layer):
        raise TypeError(
            f"curvature: expected a Layer or Sequential model, got {type(model).__name__}"
        )
    params = model.parameters()
    if not params:
        raise ValueError(f"curvature: expected a model with parameters, got {model!r} with none")
    return params


def flat_gradient(model: Layer, loss: Loss, X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """:math:`\\nabla J(\\theta)` of ``loss(model(X), y)``, flattened.

    Parameters
    ----------
    model : Layer
        E.g. a :class:`~nnlib.network.Sequential` (put dropout in ``eval()`` mode).
    loss : Loss
        An nnlib loss (``forward(pred, target)``, ``backward()``).
    X, y : numpy.ndarray
        The batch and its targets.

    Returns
    -------
    g : numpy.ndarray, shape (P,)
        Gradients of ``model.parameters()`` in order, each flattened.
    """
    params = _params(model)
    loss.forward(model.forward(X), y)
    model.backward(loss.backward())
    return np.concatenate([p.grad.reshape(-1) for p in params]).astype(np.float64)


def hessian_vector_product(
    model: Layer, loss: Loss, X: np.ndarray, y: np.ndarray, v: np.ndarray, *, eps: float = 1e-4
) -> np.ndarray:
    """:math:`H v` by the central difference of two backprop gradients along :math:`v`.

    .. math::

        H v \\approx \\|v\\|\\,
        \\frac{\\nabla J(\\theta + h\\hat v) - \\nabla J(\\theta - h\\hat v)}{2h},
        \\qquad \\hat v = v/\\|v\\|, \\quad h = \\varepsilon .

    Parameters
    ----------
    model, loss, X, y
        As for :func:`flat_gradient`.
    v : numpy.ndarray, shape (P,)
        Direction in parameter space (``P = model.n_params``).
    eps : float
        Step :math:`h` along the unit vector :math:`\\hat v`.

    Returns
    -------
    Hv : numpy.ndarray, shape (P,)
        The parameters are restored afterwards (bit for bit).
    """
    params = _params(model)
    P = sum(p.size for p in params)
    v = np.asarray(v, dtype=np.float64)
    if v.shape != (P,):
        raise ValueError(
            f"hessian_vector_product: expected v of shape ({P},) (model.n_params), "
            f"got {format_shape(v.shape)}"
        )
    if not np.all(np.isfinite(v)):
        raise ValueError("hessian_vector_product: expected finite values in v, got NaN or inf")
    if not isinstance(eps, numbers.Real) or not eps > 0:
        raise ValueError(f"hessian_vector_product: expected eps > 0, got {eps!r}")
    norm = float(np.linalg.norm(v))
    if norm == 0.0:
        return np.zeros(P)
    u = v / norm
    saved = [p.value.copy() for p in params]
    pieces = np.split(u, np.cumsum([p.size for p in params])[:-1])
    try:
        grads = []
        for sign in (1.0, -1.0):
            for p, s, d in zip(params, saved, pieces, strict=True):
                p.value[...] = s + sign * eps * d.reshape(p.shape)
            grads.append(flat_gradient(model, loss, X, y))
    finally:
        for p, s in zip(params, saved, strict=True):
            p.value[...] = s
    return norm * (grads[0] - grads[1]) / (2.0 * eps)


def hessian(
    model: Layer,
    loss: Loss,
    X: np.ndarray,
    y: np.ndarray,
    *,
    eps: float = 1e-4,
    max_params: int = 2000,
) -> np.ndarray:
    """The full Hessian :math:`\\nabla^2 J(\\theta)` of a tiny network, column by column.

    Column :math:`i` is :math:`H e_i` (:func:`hessian_vector_product`); the
    result is symmetrised, :math:`(H + H^\\top)/2`, which removes the
    (antisymmetric part of the) finite-difference error.

    Parameters
    ----------
    model, loss, X, y
        As for :func:`flat_gradient`.
    eps : float
        Step of each product.
    max_params : int
        Refuse models with more parameters (``2 P`` backward passes).

    Returns
    -------
    H : numpy.ndarray, shape (P, P)
    """
    P = sum(p.size for p in _params(model))
    if P > max_params:
        raise ValueError(
            f"hessian: expected at most max_params={max_params} parameters for a full "
            f"Hessian, got {P}; use hessian_vector_product or top_hessian_eigenvalues"
        )
    eye = np.eye(P)
    H = np.column_stack(
        [hessian_vector_product(model, loss, X, y, eye[i], eps=eps) for i in range(P)]
    )
    return 0.5 * (H + H.T)


def lanczos(
    matvec: Callable[[np.ndarray], np.ndarray],
    dim: int,
    *,
    n_iter: int = 30,
    k: int = 1,
    rng: np.random.Generator | int | None = None,
) -> np.ndarray:
    """The ``k`` largest eigenvalues of a symmetric operator by the Lanczos iteration.

    Starting from a random unit :math:`q_1`, Lanczos builds an orthonormal basis
    :math:`Q_m` of the Krylov space :math:`\\{q_1, Aq_1, \\dots, A^{m-1}q_1\\}` in
    which :math:`A` is tridiagonal,

    .. math::

        A q_j = \\beta_{j-1} q_{j-1} + \\alpha_j q_j + \\beta_j q_{j+1}, \\qquad
        T_m = Q_m^\\top A Q_m = \\mathrm{tridiag}(\\beta, \\alpha, \\beta),

    and the largest eigenvalues of :math:`T_m` (Ritz values) converge to the
    largest of :math:`A` from below (Golub & Van Loan 2013, ch. 10).  Each new
    vector is re-orthogonalised against all previous ones, so round-off does
    not produce spurious copies of converged eigenvalues.

    Parameters
    ----------
    matvec : callable
        ``matvec(v) -> A v`` for ``v`` of shape ``(dim,)``; ``A`` symmetric.
    dim : int
        Dimension of the space.
    n_iter : int
        Number of Lanczos steps :math:`m` (capped at ``dim``).
    k : int
        How many of the largest Ritz values to return.
    rng : numpy.random.Generator or int or None
        Randomness for the starting vector.

    Returns
    -------
    eigenvalues : numpy.ndarray, shape (k,)
        Largest first.
    """
    dim = check_positive_int(dim, "dim", "lanczos")
    m = min(check_positive_int(n_iter, "n_iter", "lanczos"), dim)
    k = check_positive_int(k, "k", "lanczos")
    if k > m:
        raise ValueError(f"lanczos: expected k <= n_iter (and <= dim) = {m}, got k={k}")
    q = as_rng(rng, "lanczos").standard_normal(dim)
    q /= np.linalg.norm(q)
    Q = [q]
    alpha, beta = [], []
    for j in range(m):
        w = np.asarray(matvec(Q[j]), dtype=np.float64)
        if w.shape != (dim,):
            raise ValueError(
                f"lanczos: expected matvec to return shape ({dim},), got {format_shape(w.shape)}"
            )
        alpha.append(float(Q[j] @ w))
        Qm = np.array(Q)
        w = w - Qm.T @ (Qm @ w)  # full re-orthogonalisation (twice is enough)
        w = w - Qm.T @ (Qm @ w)
        b = float(np.linalg.norm(w))
        if j == m - 1 or b < 1e-12 * max(1.0, abs(alpha[-1])):
            break  # an invariant subspace was found, or the last step
        beta.append(b)
        Q.append(w / b)
    n = len(alpha)
    if k > n:
        raise ValueError(
            f"lanczos: expected k <= {n} (the Krylov space of the start vector has "
            f"dimension {n}), got k={k}"
        )
    T = np.diag(alpha) + np.diag(beta[: n - 1], 1) + np.diag(beta[: n - 1], -1)
    return np.sort(np.linalg.eigvalsh(T))[::-1][:k]


def top_hessian_eigenvalues(
    model: Layer,
    loss: Loss,
    X: np.ndarray,
    y: np.ndarray,
    *,
    k: int = 1,
    n_iter: int = 30,
    eps: float = 1e-4,
    rng: np.random.Generator | int | None = 0,
) -> np.ndarray:
    """The ``k`` largest Hessian eigenvalues of ``loss(model(X), y)`` (Lanczos on HVPs).

    Parameters
    ----------
    model, loss, X, y
        As for :func:`flat_gradient`.
    k, n_iter, rng
        As for :func:`lanczos` (default seed 0, so results are reproducible).
    eps : float
        Step of each Hessian-vector product.

    Returns
    -------
    eigenvalues : numpy.ndarray, shape (k,)
        Largest first.
    """
    P = sum(p.size for p in _params(model))
    return lanczos(
        lambda v: hessian_vector_product(model, loss, X, y, v, eps=eps),
        P,
        n_iter=n_iter,
        k=k,
        rng=rng,
    )
