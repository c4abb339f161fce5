"""Numbers for generalisation bounds: the binary kl, its inverse, the Gaussian KL.

The learning-theory chapter computes a PAC-Bayes bound for a trained network
(in the manner of Dziugaite & Roy, 2017). Three pieces of arithmetic recur:

* the KL divergence between two Bernoulli distributions ("binary kl"),
  :math:`\\mathrm{kl}(q\\,\\|\\,p) = q\\ln\\frac qp + (1-q)\\ln\\frac{1-q}{1-p}`;
* its upper inverse :math:`\\mathrm{kl}^{-1}(q, c) = \\sup\\{p \\in [q, 1] :
  \\mathrm{kl}(q\\,\\|\\,p) \\le c\\}`, found by bisection (``kl`` grows in ``p``
  on ``[q, 1]``), which turns a bound on ``kl`` into a bound on a risk;
* the KL divergence between two Gaussians with diagonal covariances, the
  complexity term of a Gaussian posterior around trained weights.
"""

from __future__ import annotations

import numpy as np

from nnlib._validation import as_float_array, check_in_range, format_shape

__all__ = ["binary_kl", "gaussian_kl", "kl_inverse_upper", "pac_bayes_kl_bound"]


def _probabilities(x: object, name: str, where: str) -> np.ndarray:
    arr = as_float_array(x, name, where, allow_empty=True)
    if np.any((arr < 0) | (arr > 1)):
        bad = arr[(arr < 0) | (arr > 1)].flat[0]
        raise ValueError(f"{where}: expected {name} in [0, 1], got {float(bad)!r}")
    return arr


def binary_kl(q: object, p: object) -> np.ndarray | float:
    """The KL divergence of Bernoulli(``q``) from Bernoulli(``p``), elementwise.

    .. math::

        \\mathrm{kl}(q\\,\\|\\,p) = q\\ln\\frac{q}{p} + (1-q)\\ln\\frac{1-q}{1-p},
        \\qquad 0 \\ln 0 = 0

    Parameters
    ----------
    q, p : float or array_like, broadcastable shapes
        Probabilities in [0, 1].

    Returns
    -------
    float or numpy.ndarray
        Of the broadcast shape; ``inf`` where ``p`` is 0 or 1 and ``q`` is not.

    Examples
    --------
    >>> round(float(binary_kl(0.5, 0.5)), 12)
    0.0
    >>> round(float(binary_kl(0.0, 0.5)), 6)  # ln 2
    0.693147
    """
    where = "binary_kl"
    q_arr = _probabilities(q, "q", where)
    p_arr = _probabilities(p, "p", where)
    q_arr, p_arr = np.broadcast_arrays(q_arr, p_arr)
    with np.errstate(divide="ignore", invalid="ignore"):
        first = np.where(q_arr > 0, q_arr * np.log(q_arr / p_arr), 0.0)
        second = np.where(q_arr < 1, (1 - q_arr) * np.log((1 - q_arr) / (1 - p_arr)), 0.0)
    out = first + second
    return float(out) if out.ndim == 0 else out


def kl_inverse_upper(q: object, c: object, *, tol: float = 1e-12) -> np.ndarray | float:
    """The largest ``p >= q`` with ``binary_kl(q, p) <= c``, by bisection.

    .. math::

        \\mathrm{kl}^{-1}(q, c) = \\sup\\{p \\in [q, 1] :
        \\mathrm{kl}(q\\,\\|\\,p) \\le c\\}

    On :math:`[q, 1]` the map :math:`p \\mapsto \\mathrm{kl}(q\\,\\|\\,p)` is
    continuous and increasing from 0, so bisection on that interval converges;
    the result is returned from the upper end of the final bracket, so it is
    never below the true inverse (a bound computed with it stays valid).

    Parameters
    ----------
    q : float or array_like
        Empirical risks in [0, 1].
    c : float or array_like, broadcastable with ``q``
        Non-negative budgets (e.g. ``(KL + ln(2 sqrt(n)/delta)) / n``).
    tol : float
        Width of the final bracket.

    Returns
    -------
    float or numpy.ndarray
        In ``[q, 1]`` (1 only when ``q == 1``: ``kl(q || 1)`` is infinite otherwise).

    Examples
    --------
    >>> p = kl_inverse_upper(0.1, 0.05)
    >>> bool(abs(binary_kl(0.1, p) - 0.05) < 1e-9)
    True
    """
    where = "kl_inverse_upper"
    q_arr = _probabilities(q, "q", where)
    c_arr = as_float_array(c, "c", where, allow_empty=True)
    if np.any(c_arr < 0):
        bad = float(c_arr[c_arr < 0].flat[0])
        raise ValueError(f"{where}: expected a budget c >= 0, got {bad!r}")
    tol = check_in_range(tol, "tol", where, low=0.0, low_open=True)
    q_arr, c_arr = np.broadcast_arrays(q_arr, c_arr)
    lo = q_arr.astype(float).copy()
    hi = np.ones_like(lo)
    while np.any(hi - lo > tol):
        mid = (lo + hi) / 2
        inside = np.asarray(binary_kl(q_arr, mid)) <= c_arr
        lo = np.where(inside, mid, lo)
        hi = np.where(inside, hi, mid)
    out = hi
    return float(out) if out.ndim == 0 else out


def gaussian_kl(mean_q: object, mean_p: object, sigma_q: object, sigma_p: object) -> float:
    """The KL divergence of one diagonal Gaussian, :math:`Q`, from another, :math:`P`.

    :math:`Q = \\mathcal N(\\mu_q, \\mathrm{diag}\\,\\sigma_q^2)`,
    :math:`P = \\mathcal N(\\mu_p, \\mathrm{diag}\\,\\sigma_p^2)`:

    .. math::

        \\mathrm{KL}(Q\\,\\|\\,P) = \\sum_{j=1}^{P}\\Big[\\ln\\frac{\\sigma_{p,j}}{\\sigma_{q,j}}
        + \\frac{\\sigma_{q,j}^2 + (\\mu_{q,j} - \\mu_{p,j})^2}{2\\sigma_{p,j}^2}
        - \\frac12\\Big]

    Parameters
    ----------
    mean_q, mean_p : array_like, shape (P,)
        The two means (e.g. trained weights and initial weights, flattened).
    sigma_q, sigma_p : float or array_like of shape (P,)
        Positive standard deviations; a scalar means the same for every coordinate
        (an isotropic Gaussian).

    Returns
    -------
    float
        In nats, >= 0.

    Examples
    --------
    >>> gaussian_kl([0.0, 0.0], [0.0, 0.0], 1.0, 1.0)
    0.0
    >>> gaussian_kl([1.0], [0.0], 1.0, 1.0)  # a unit shift: 1/2
    0.5
    """
    where = "gaussian_kl"
    mq = as_float_array(mean_q, "mean_q", where, ndim=1)
    mp = as_float_array(mean_p, "mean_p", where, ndim=1)
    if mq.shape != mp.shape:
        raise ValueError(
            f"{where}: expected mean_p of the same shape as mean_q {format_shape(mq.shape)}, "
            f"got {format_shape(mp.shape)}"
        )
    sq = as_float_array(sigma_q, "sigma_q", where, ndim=(0, 1))
    sp_ = as_float_array(sigma_p, "sigma_p", where, ndim=(0, 1))
    for name, s in (("sigma_q", sq), ("sigma_p", sp_)):
        if s.ndim == 1 and s.shape != mq.shape:
            raise ValueError(
                f"{where}: expected {name} a scalar or of shape {format_shape(mq.shape)}, "
                f"got {format_shape(s.shape)}"
            )
        if np.any(s <= 0):
            raise ValueError(f"{where}: expected {name} > 0, got {float(s[s <= 0].flat[0])!r}")
    sq = np.broadcast_to(sq, mq.shape)
    sp_ = np.broadcast_to(sp_, mq.shape)
    terms = np.log(sp_ / sq) + (sq**2 + (mq - mp) ** 2) / (2 * sp_**2) - 0.5
    return float(terms.sum())


def pac_bayes_kl_bound(empirical_risk: float, kl_divergence: float, n: int, delta: float) -> float:
    """Maurer's PAC-Bayes-kl bound on the risk of a posterior :math:`Q`.

    With probability at least :math:`1-\\delta` over an i.i.d. sample of size
    :math:`n \\ge 8`, for every posterior :math:`Q` (Maurer, 2004, building on
    McAllester, 1999, and Seeger, 2002),

    .. math::

        \\mathrm{kl}\\big(\\hat R_n(Q)\\,\\|\\,R(Q)\\big) \\le
        \\frac{\\mathrm{KL}(Q\\,\\|\\,P) + \\ln(2\\sqrt n/\\delta)}{n},

    so :math:`R(Q) \\le \\mathrm{kl}^{-1}\\big(\\hat R_n(Q), \\cdot\\big)`.

    Parameters
    ----------
    empirical_risk : float
        :math:`\\hat R_n(Q)` in [0, 1] (or an upper bound on it).
    kl_divergence : float
        :math:`\\mathrm{KL}(Q\\,\\|\\,P) \\ge 0`, the prior fixed before the sample.
    n : int
        Sample size, at least 8.
    delta : float
        Failure probability in (0, 1).

    Returns
    -------
    float
        The bound on :math:`R(Q)`.
    """
    where = "pac_bayes_kl_bound"
    q = check_in_range(empirical_risk, "empirical_risk", where, low=0.0, high=1.0)
    kl = check_in_range(kl_divergence, "kl_divergence", where, low=0.0)
    if not isinstance(n, int | np.integer) or isinstance(n, bool) or n < 8:
        raise ValueError(f"{where}: expected an integer n >= 8 (Maurer's bound), got {n!r}")
    delta = check_in_range(delta, "delta", where, low=0.0, high=1.0, low_open=True, high_open=True)
    budget = (kl + np.log(2 * np.sqrt(n) / delta)) / n
    return float(kl_inverse_upper(q, budget))
