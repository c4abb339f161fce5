"""Positional encodings, token embeddings and the transformer encoder block.

The block of Vaswani et al. (2017) is built from parts nnlib already has:
multi-head self-attention (:class:`~nnlib.layers.Attention`), two residual
connections, two layer normalisations (:class:`~nnlib.layers.LayerNorm`) and a
position-wise feed-forward network
:math:`\\mathrm{FFN}(x) = W_2\\,\\mathrm{relu}(W_1 x + b_1) + b_2`
(:class:`~nnlib.layers.Dense`, :class:`~nnlib.layers.ReLU`).  Two arrangements:

.. math::

    \\text{pre-LN:}\\quad X_1 = X + \\mathrm{MHA}(\\mathrm{LN}_1(X)), \\qquad
    Y = X_1 + \\mathrm{FFN}(\\mathrm{LN}_2(X_1));

.. math::

    \\text{post-LN:}\\quad X_1 = \\mathrm{LN}_1(X + \\mathrm{MHA}(X)), \\qquad
    Y = \\mathrm{LN}_2(X_1 + \\mathrm{FFN}(X_1)).

In pre-LN the residual path from :math:`Y` to :math:`X` is the identity, so
the gradient reaches the first layers undiminished (Xiong et al. 2020); in
post-LN it passes through every layer normalisation.
"""

from __future__ import annotations

import numpy as np

from nnlib._validation import as_float_dtype, as_rng, check_positive_int, format_shape
from nnlib.layers.activation import ReLU
from nnlib.layers.attention import Attention
from nnlib.layers.base import Layer, Parameter
from nnlib.layers.dense import Dense
from nnlib.layers.normalization import LayerNorm

__all__ = ["Embedding", "TransformerBlock", "positional_encoding"]


def positional_encoding(T: int, d_model: int) -> np.ndarray:
    """Sinusoidal positional encodings (Vaswani et al. 2017, section 3.5).

    .. math::

        P_{t, 2i} = \\sin\\!\\big(t\\,\\omega_i\\big), \\qquad
        P_{t, 2i+1} = \\cos\\!\\big(t\\,\\omega_i\\big), \\qquad
        \\omega_i = 10000^{-2i/d},

    for positions :math:`t = 0, \\dots, T-1`.  Each pair of columns
    :math:`(2i, 2i+1)` is a point on the unit circle turning at frequency
    :math:`\\omega_i`, so shifting every position by :math:`k` rotates each pair
    by the fixed angle :math:`k\\omega_i`.

    Parameters
    ----------
    T : int
        Number of positions.
    d_model : int
        Width :math:`d` (an odd width drops the last cosine column).

    Returns
    -------
    P : numpy.ndarray, shape (T, d_model)
    """
    T = check_positive_int(T, "T", "positional_encoding")
    d = check_positive_int(d_model, "d_model", "positional_encoding")
    t = np.arange(T, dtype=np.float64)[:, None]
    omega = 10000.0 ** (-np.arange(0, d, 2, dtype=np.float64) / d)  # one per pair
    P = np.empty((T, d))
    P[:, 0::2] = np.sin(t * omega)
    P[:, 1::2] = np.cos(t * omega)[:, : d // 2]
    return P


def _input_grad(layer: Layer, dL_dY: np.ndarray) -> np.ndarray:
    """``layer.backward(dL_dY)`` inside the block, where every input gradient is needed."""
    dL_dX = layer.backward(dL_dY)
    assert dL_dX is not None  # input_grad defaults to True
    return dL_dX


class Embedding(Layer):
    """A lookup table of learned vectors: token id :math:`k` becomes row :math:`k` of :math:`W`.

    Equivalent to multiplying a one-hot vector by :math:`W^\\top`; the gradient
    of a row is the sum of the output gradients at every position holding
    that token:

    .. math::

        Y_{n,t} = W_{x_{n,t}}, \\qquad
        \\frac{\\partial L}{\\partial W_k} = \\sum_{(n,t):\\, x_{n,t} = k}
        \\frac{\\partial L}{\\partial Y_{n,t}} .

    Parameters
    ----------
    n_tokens : int
        Vocabulary size.
    d_model : int
        Width of each vector.
    rng : numpy.random.Generator or int or None, keyword-only
        Randomness for the initial :math:`\\mathcal N(0, 1)` entries (as
        ``torch.nn.Embedding``).

    Attributes
    ----------
    W : Parameter, shape (n_tokens, d_model)
        The table (``torch.nn.Embedding``'s ``weight``).
    """

    input_name = "ids"

    def __init__(
        self, n_tokens: int, d_model: int, *, rng: np.random.Generator | int | None = None
    ) -> None:
        super().__init__()
        self.n_tokens = check_positive_int(n_tokens, "n_tokens", "Embedding")
        self.d_model = check_positive_int(d_model, "d_model", "Embedding")
        W0 = as_rng(rng, "Embedding").standard_normal((self.n_tokens, self.d_model))
        self.W = Parameter(W0, "W", kind="weight")
        self._ids: np.ndarray | None = None

    def extra_repr(self) -> str:
        return f"n_tokens={self.n_tokens}, d_model={self.d_model}"

    def forward(self, ids: np.ndarray) -> np.ndarray:
        """Look up the vectors of a batch of token ids.

        Parameters
        ----------
        ids : numpy.ndarray of int, shape (batch, ...)
            Token ids in ``[0, n_tokens)``, e.g. ``(batch, T)``.

        Returns
        -------
        Y : numpy.ndarray, shape (batch, ..., d_model)
        """
        ids = self._check_input(ids)
        self._ids = ids
        return self.W.value[ids]

    def _check_input(self, ids: object) -> np.ndarray:
        # not the float check of Layer: token ids are integers
        where = self._where("forward")
        ids = np.asarray(ids)
        if ids.dtype.kind not in "iu":
            raise TypeError(f"{where}: expected integer token ids, got dtype {ids.dtype}")
        if ids.ndim == 0 or ids.shape[0] == 0:
            raise ValueError(
                f"{where}: expected a non-empty batch of ids (batch, ...), "
                f"got shape {format_shape(ids.shape)}"
            )
        lo, hi = int(ids.min()), int(ids.max())
        if lo < 0 or hi >= self.n_tokens:
            bad = lo if lo < 0 else hi
            raise ValueError(f"{where}: expected token ids in [0, {self.n_tokens}), got id {bad}")
        return ids

    def backward(self, dL_dY: np.ndarray, *, input_grad: bool = True) -> None:
        """Fill ``W.grad`` (scatter-add); token ids have no gradient, so return ``None``.

        Parameters
        ----------
        dL_dY : numpy.ndarray, shape (batch, ..., d_model)
        input_grad : bool, keyword-only
            Ignored: there is no input gradient either way.

        Returns
        -------
        None
        """
        ids = self._cached("_ids")
        dY = self._check_grad_shape(dL_dY, (*ids.shape, self.d_model))
        self.W.grad[...] = 0.0
        np.add.at(self.W.grad, ids.reshape(-1), dY.reshape(-1, self.d_model))
        return None


class TransformerBlock(Layer):
    """One transformer encoder block (self-attention and feed-forward, each with a residual).

    See the module docstring for the pre-LN (``norm_first=True``) and post-LN
    equations.  The backward pass is the chain rule through the parts, with
    the two skips adding their gradients (pre-LN):

    .. math::

        \\bar X_1 = \\bar Y + J_{\\mathrm{LN}_2}^\\top J_{\\mathrm{FFN}}^\\top \\bar Y, \\qquad
        \\bar X = \\bar X_1 + J_{\\mathrm{LN}_1}^\\top J_{\\mathrm{MHA}}^\\top \\bar X_1 .

    Parameters
    ----------
    d_model : int
        Width :math:`d` of every position's vector.
    n_heads : int, keyword-only
        Number of attention heads (must divide ``d_model``).
    d_ff : int, keyword-only
        Hidden width of the feed-forward network.
    causal : bool, keyword-only
        Position :math:`t` attends only to positions :math:`\\le t`.
    norm_first : bool, keyword-only
        Pre-LN (``True``, default) or post-LN (``False``, the original 2017 block).
    rng : numpy.random.Generator or int or None, keyword-only
        Randomness for all initial weights.
    dtype : dtype, keyword-only
        ``np.float64`` (default) or ``np.float32``.

    Attributes
    ----------
    attn : Attention
        ``attn.W_q``, ``attn.W_k``, ``attn.W_v`` ``(d, d)`` are the three row
        blocks of ``torch.nn.TransformerEncoderLayer``'s
        ``self_attn.in_proj_weight`` ``(3d, d)``; ``attn.W_o`` is
        ``self_attn.out_proj.weight``.  nnlib's attention has no biases: set
        ``self_attn.in_proj_bias`` and ``self_attn.out_proj.bias`` to zero.
    norm1, norm2 : LayerNorm
        ``gamma``/``beta`` are ``norm1.weight``/``norm1.bias`` (and ``norm2``).
    ff1 : Dense
        ``W (d_ff, d)``, ``b (d_ff,)``: ``linear1.weight``, ``linear1.bias``.
    ff2 : Dense
        ``W (d, d_ff)``, ``b (d,)``: ``linear2.weight``, ``linear2.bias``.

    The matching PyTorch layer is
    ``torch.nn.TransformerEncoderLayer(d_model, n_heads, d_ff, dropout=0.0,
    batch_first=True, norm_first=norm_first)`` (activation ReLU, ``eps=1e-5``);
    for ``causal=True`` pass ``src_mask=torch.nn.Transformer.generate_square_subsequent_mask(T)``.
    """

    preserves_shape = True

    def __init__(
        self,
        d_model: int,
        *,
        n_heads: int,
        d_ff: int,
        causal: bool = False,
        norm_first: bool = True,
        rng: np.random.Generator | int | None = None,
        dtype: type | np.dtype = np.float64,
    ) -> None:
        super().__init__()
        self.d_model = check_positive_int(d_model, "d_model", "TransformerBlock")
        self.d_ff = check_positive_int(d_ff, "d_ff", "TransformerBlock")
        if not isinstance(norm_first, bool):
            raise TypeError(
                f"TransformerBlock: expected norm_first to be a bool, "
                f"got {type(norm_first).__name__}"
            )
        self.norm_first = norm_first
        self.dtype = as_float_dtype(dtype, "TransformerBlock")
        rng = as_rng(rng, "TransformerBlock")
        d = self.d_model
        self.attn = Attention(d, n_heads=n_heads, causal=causal, rng=rng, dtype=self.dtype)
        self.norm1 = LayerNorm(d, dtype=self.dtype)
        self.norm2 = LayerNorm(d, dtype=self.dtype)
        self.ff1 = Dense(d, self.d_ff, init="he", rng=rng, dtype=self.dtype)
        self.relu = ReLU()
        self.ff2 = Dense(self.d_ff, d, init="xavier", rng=rng, dtype=self.dtype)
        self._shape: tuple[int, ...] | None = None

    @property
    def sublayers(self) -> list[tuple[str, Layer]]:
        """The parts, by attribute name, in the order their parameters are listed."""
        return [
            ("attn", self.attn),
            ("norm1", self.norm1),
            ("ff1", self.ff1),
            ("ff2", self.ff2),
            ("norm2", self.norm2),
        ]

    def extra_repr(self) -> str:
        text = f"d_model={self.d_model}, n_heads={self.attn.n_heads}, d_ff={self.d_ff}"
        if self.attn.causal:
            text += ", causal=True"
        if not self.norm_first:
            text += ", norm_first=False"
        if self.dtype != np.float64:
            text += f", dtype={self.dtype.name}"
        return text

    # -- the feed-forward network on (batch, T, d) ----------------------------------
    def _ffn(self, X: np.ndarray) -> np.ndarray:
        B, T, d = X.shape
        Z = self.ff2.forward(self.relu.forward(self.ff1.forward(X.reshape(B * T, d))))
        return Z.reshape(B, T, d)

    def _ffn_backward(self, dZ: np.ndarray) -> np.ndarray:
        B, T, d = dZ.shape
        g = _input_grad(self.ff2, dZ.reshape(B * T, d))
        g = _input_grad(self.ff1, _input_grad(self.relu, g))
        return g.reshape(B, T, d)

    def forward(self, X: np.ndarray) -> np.ndarray:
        """Apply the block to a batch of sequences.

        Parameters
        ----------
        X : numpy.ndarray, shape (batch, T, d_model)

        Returns
        -------
        Y : numpy.ndarray, shape (batch, T, d_model)
        """
        X = self._check_input(X)
        self._shape = X.shape
        if self.norm_first:
            X1 = X + self.attn.forward(self.norm1.forward(X))
            return X1 + self._ffn(self.norm2.forward(X1))
        X1 = self.norm1.forward(X + self.attn.forward(X))
        return self.norm2.forward(X1 + self._ffn(X1))

    def _check_input(self, X: object) -> np.ndarray:
        X = super()._check_input(X)
        if X.ndim != 3 or X.shape[-1] != self.d_model:
            raise ValueError(
                f"{self._where('forward')}: expected X of shape (batch, T, {self.d_model}), "
                f"got {format_shape(X.shape)}"
            )
        return X

    def backward(self, dL_dY: np.ndarray, *, input_grad: bool = True) -> np.ndarray | None:
        """Fill every part's ``.grad`` and return ``dL_dX``.

        Parameters
        ----------
        dL_dY : numpy.ndarray, shape (batch, T, d_model)
        input_grad : bool, keyword-only
            If ``False``, return ``None`` (the parameter gradients are filled either way).

        Returns
        -------
        dL_dX : numpy.ndarray, shape (batch, T, d_model), or None
        """
        shape = self._cached("_shape")
        dY = self._check_grad_shape(dL_dY, shape)
        if self.norm_first:
            dX1 = dY + _input_grad(self.norm2, self._ffn_backward(dY))
            dX = dX1 + _input_grad(self.norm1, _input_grad(self.attn, dX1))
            return dX if input_grad else None
        dZ2 = _input_grad(self.norm2, dY)  # Z2 = X1 + FFN(X1)
        dX1 = dZ2 + self._ffn_backward(dZ2)
        dZ1 = _input_grad(self.norm1, dX1)  # Z1 = X + MHA(X)
        dX = dZ1 + _input_grad(self.attn, dZ1)
        return dX if input_grad else None

    # -- bookkeeping ------------------------------------------------------------------
    def parameters(self) -> list[Parameter]:
        """All parameters: attention, norm1, ff1, ff2, norm2."""
        return [p for _, layer in self.sublayers for p in layer.parameters()]

    def named_parameters(self) -> list[tuple[str, Parameter]]:
        """``[("attn.W_q", ...), ..., ("norm2.beta", ...)]``."""
        return [(f"{n}.{p.name}", p) for n, layer in self.sublayers for p in layer.parameters()]

    def train(self, mode: bool = True) -> TransformerBlock:
        """Training or evaluation mode for the block and its parts."""
        self.training = bool(mode)
        for _, layer in self.sublayers:
            layer.train(mode)
        return self
