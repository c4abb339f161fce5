"""Initial weights: :func:`init_weights` draws :math:`W` for the layers that need one.

Used by :class:`~nnlib.layers.Dense`, :class:`~nnlib.layers.Conv2D`,
:class:`~nnlib.layers.RNN` and :class:`~nnlib.layers.Attention`; also
importable as ``nnlib.layers.init_weights`` and ``nnlib.layers.dense.init_weights``.
"""

from __future__ import annotations

import numbers

import numpy as np

from nnlib._validation import as_rng

__all__ = ["init_weights"]

_INITS = ("he", "xavier", "normal")


def init_weights(
    n_in: int,
    n_out: int,
    init: str | float = "he",
    rng: np.random.Generator | int | None = None,
    dtype: type | np.dtype = np.float64,
) -> np.ndarray:
    """Draw an initial weight matrix :math:`W \\in \\mathbb{R}^{n_{out} \\times n_{in}}`.

    Parameters
    ----------
    n_in, n_out : int
        Fan-in :math:`m_{l-1}` and fan-out :math:`m_l`.
    init : {"he", "xavier", "normal"} or float
        ``"he"`` (He et al. 2015, for ReLU): :math:`W_{jk} \\sim \\mathcal N(0, 2/n_{in})`;
        ``"xavier"`` (Glorot & Bengio 2010, for tanh/sigmoid):
        :math:`W_{jk} \\sim \\mathcal N(0, 2/(n_{in}+n_{out}))`;
        ``"normal"``: :math:`\\mathcal N(0, 0.01^2)`, the classic small-random start;
        a float ``s``: :math:`\\mathcal N(0, s^2)`.
    rng : numpy.random.Generator or int or None
        Source of randomness (``None``: fresh entropy).
    dtype : dtype
        Dtype of the result.

    Returns
    -------
    W : numpy.ndarray, shape (n_out, n_in)
    """
    where = "init_weights"
    if isinstance(init, numbers.Real) and not isinstance(init, bool):
        std = float(init)
        if not np.isfinite(std) or std < 0:
            raise ValueError(f"{where}: expected init std >= 0, got {init!r}")
    elif init == "he":
        std = np.sqrt(2.0 / n_in)
    elif init == "xavier":
        std = np.sqrt(2.0 / (n_in + n_out))
    elif init == "normal":
        std = 0.01
    else:
        raise ValueError(f"{where}: expected init in {_INITS} or a float std, got {init!r}")
    rng = as_rng(rng, where)
    return (std * rng.standard_normal((n_out, n_in))).astype(dtype, copy=False)
