"""Scaled dot-product attention and the (multi-head) self-attention layer.

For queries :math:`Q \\in \\mathbb R^{T \\times d_k}`, keys
:math:`K \\in \\mathbb R^{T \\times d_k}` and values
:math:`V \\in \\mathbb R^{T \\times d_v}` (one row per position) the attention of
Vaswani et al. (2017) is

.. math::

    S = \\frac{Q K^\\top}{\\sqrt{d_k}}, \\qquad
    P = \\mathrm{softmax}_{\\text{row}}(S), \\qquad
    O = P V .

Given the upstream gradient :math:`dO = \\partial L/\\partial O` the backward pass is

.. math::

    dV = P^\\top dO, \\quad dP = dO\\, V^\\top, \\quad
    dS = P \\odot \\big(dP - \\mathrm{rowsum}(dP \\odot P)\\big), \\quad
    dQ = \\frac{dS\\, K}{\\sqrt{d_k}}, \\quad dK = \\frac{dS^\\top Q}{\\sqrt{d_k}} .

Chapter 14 of the book derives both (SymPy) and checks them against finite
differences and PyTorch (``tests/nnlib/test_attention.py``).
"""

from __future__ import annotations

import numpy as np

from nnlib._validation import (
    as_float_dtype,
    as_rng,
    check_positive_int,
    format_shape,
)
from nnlib.functional import (
    causal_mask,
    scaled_dot_product_attention,
    scaled_dot_product_attention_backward,
)
from nnlib.layers.base import Layer, Parameter
from nnlib.layers.init import init_weights

__all__ = [
    "Attention",
    "causal_mask",
    "scaled_dot_product_attention",
    "scaled_dot_product_attention_backward",
]


class Attention(Layer):
    """Multi-head scaled dot-product self-attention.

    For one sequence :math:`X \\in \\mathbb R^{T \\times d}` (rows are positions,
    :math:`d` = ``d_model``) and :math:`h` heads of width :math:`d_h = d/h`:

    .. math::

        Q = X W_q^\\top,\\quad K = X W_k^\\top,\\quad V = X W_v^\\top, \\qquad
        O_i = \\mathrm{softmax}\\!\\Big(\\frac{Q_i K_i^\\top}{\\sqrt{d_h}} + M\\Big) V_i,
        \\qquad
        Y = [O_1, \\dots, O_h]\\, W_o^\\top,

    where :math:`Q_i` is the :math:`i`-th block of :math:`d_h` columns of
    :math:`Q` (head :math:`i`) and :math:`M` is :math:`0` where attention is
    allowed and :math:`-\\infty` above the diagonal when ``causal=True``.  The
    weights follow the :class:`~nnlib.layers.Dense` convention (shape
    ``(n_out, n_in)``, applied as ``X @ W.T``), so they can be copied into
    PyTorch's ``nn.Linear``.  There are no biases.

    The backward pass runs :func:`scaled_dot_product_attention_backward` per
    head and then the three input projections back:
    :math:`dX = dQ\\,W_q + dK\\,W_k + dV\\,W_v` and
    :math:`\\partial L/\\partial W_q = \\sum_{\\text{batch}} dQ^\\top X` (likewise for
    :math:`W_k, W_v`), :math:`\\partial L/\\partial W_o = \\sum_{\\text{batch}} dY^\\top O`.

    Parameters
    ----------
    d_model : int
        Width :math:`d` of the input and output vectors.
    n_heads : int, keyword-only
        Number of heads :math:`h`; must divide ``d_model``.
    causal : bool, keyword-only
        If ``True``, position :math:`t` attends only to positions :math:`\\le t`.
    out_proj : bool, keyword-only
        If ``False`` there is no :math:`W_o` and :math:`Y` is the concatenation of
        the heads.
    rng : numpy.random.Generator or int or None, keyword-only
        Randomness for the initial weights, :math:`\\mathcal N(0, 1/d)` entries.
    dtype : dtype, keyword-only
        ``np.float64`` (default) or ``np.float32``.

    Attributes
    ----------
    W_q, W_k, W_v : Parameter, shape (d_model, d_model)
        Query, key and value projections (the heads are consecutive row blocks).
    W_o : Parameter, shape (d_model, d_model)
        Output projection (absent when ``out_proj=False``).
    attention_weights : numpy.ndarray, shape (batch, n_heads, T, T) or None
        The weights :math:`P` of the last forward pass (for plotting).
    """

    preserves_shape = True

    def __init__(
        self,
        d_model: int,
        *,
        n_heads: int = 1,
        causal: bool = False,
        out_proj: bool = True,
        rng: np.random.Generator | int | None = None,
        dtype: type | np.dtype = np.float64,
    ) -> None:
        super().__init__()
        self.d_model = check_positive_int(d_model, "d_model", "Attention")
        self.n_heads = check_positive_int(n_heads, "n_heads", "Attention")
        if self.d_model % self.n_heads:
            raise ValueError(
                f"Attention: expected n_heads to divide d_model={self.d_model}, "
                f"got n_heads={self.n_heads}"
            )
        if not isinstance(causal, bool):
            raise TypeError(
                f"Attention: expected causal to be a bool, got {type(causal).__name__}"
            )
        self.causal = causal
        self.out_proj = bool(out_proj)
        self.d_head = self.d_model // self.n_heads
        self.dtype = as_float_dtype(dtype, "Attention")
        rng = as_rng(rng, "Attention")
        d = self.d_model

        def draw(name: str) -> Parameter:
            return Parameter(init_weights(d, d, "xavier", rng, self.dtype), name, kind="weight")

        self.W_q = draw("W_q")
        self.W_k = draw("W_k")
        self.W_v = draw("W_v")
        self.W_o = draw("W_o") if self.out_proj else None
        self.attention_weights: np.ndarray | None = None
        self._cache: tuple[np.ndarray, ...] | None = None

    def extra_repr(self) -> str:
        text = f"d_model={self.d_model}"
        if self.n_heads != 1:
            text += f", n_heads={self.n_heads}"
        if self.causal:
            text += ", causal=True"
        if not self.out_proj:
            text += ", out_proj=False"
        if self.dtype != np.float64:
            text += f", dtype={self.dtype.name}"
        return text

    # -- helpers --------------------------------------------------------------------
    def _split(self, A: np.ndarray) -> np.ndarray:
        """(batch, T, d_model) -> (batch, heads, T, d_head)."""
        B, T, _ = A.shape
        return A.reshape(B, T, self.n_heads, self.d_head).transpose(0, 2, 1, 3)

    @staticmethod
    def _merge(A: np.ndarray) -> np.ndarray:
        """(batch, heads, T, d_head) -> (batch, T, d_model): concatenate the heads."""
        B, H, T, dh = A.shape
        return A.transpose(0, 2, 1, 3).reshape(B, T, H * dh)

    # -- forward / backward ---------------------------------------------------------
    def forward(self, X: np.ndarray) -> np.ndarray:
        """Self-attention of a batch of sequences.

        Parameters
        ----------
        X : numpy.ndarray, shape (batch, T, d_model)
            One sequence of ``T`` vectors per batch entry.

        Returns
        -------
        Y : numpy.ndarray, shape (batch, T, d_model)
        """
        X = self._check_input(X)
        Q = self._split(X @ self.W_q.value.T)
        K = self._split(X @ self.W_k.value.T)
        V = self._split(X @ self.W_v.value.T)
        mask = causal_mask(X.shape[1]) if self.causal else None
        heads, P = scaled_dot_product_attention(Q, K, V, mask)
        O_cat = self._merge(heads)
        self.attention_weights = P
        self._cache = (X, Q, K, V, P, O_cat)
        if self.W_o is None:
            return O_cat
        return O_cat @ self.W_o.value.T

    def _check_input(self, X: object) -> np.ndarray:
        X = super()._check_input(X)
        where = self._where("forward")
        if X.ndim != 3 or X.shape[2] != self.d_model:
            raise ValueError(
                f"{where}: expected X of shape (batch, T, {self.d_model}), "
                f"got {format_shape(X.shape)}"
            )
        if X.shape[1] == 0:
            raise ValueError(f"{where}: expected at least one position (T >= 1), got T=0")
        return X

    def backward(self, dL_dY: np.ndarray, *, input_grad: bool = True) -> np.ndarray | None:
        """Fill the projections' ``.grad`` and return ``dL_dX``.

        Parameters
        ----------
        dL_dY : numpy.ndarray, shape (batch, T, d_model)

        Returns
        -------
        dL_dX : numpy.ndarray, shape (batch, T, d_model)
        """
        X, Q, K, V, P, O_cat = self._cached("_cache")
        dY = self._check_grad_shape(dL_dY, X.shape).astype(self.dtype, copy=False)
        d = self.d_model
        if self.W_o is None:
            dO_cat = dY
        else:
            # Y = O_cat W_o^T  =>  dW_o = sum_{b,t} dY^T O_cat,  dO_cat = dY W_o
            self.W_o.grad[...] = dY.reshape(-1, d).T @ O_cat.reshape(-1, d)
            dO_cat = dY @ self.W_o.value
        dQ, dK, dV = scaled_dot_product_attention_backward(self._split(dO_cat), Q, K, V, P)
        X2 = X.reshape(-1, d)
        dX = np.zeros_like(X) if input_grad else None
        for W, dA in ((self.W_q, dQ), (self.W_k, dK), (self.W_v, dV)):
            dA = self._merge(dA)  # (batch, T, d_model)
            W.grad[...] = dA.reshape(-1, d).T @ X2  # dW = sum_{b,t} dA^T X
            if dX is not None:
                dX += dA @ W.value  # dX += dA W
        return dX
