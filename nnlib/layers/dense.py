"""The fully connected (affine) layer :math:`z = W a + b`."""

from __future__ import annotations

import numpy as np

from nnlib._validation import (
    as_float_dtype,
    as_rng,
    check_positive_int,
    format_shape,
)
from nnlib.layers.base import Layer, Parameter
from nnlib.layers.init import init_weights

__all__ = ["Dense", "init_weights"]


class Dense(Layer):
    """Fully connected layer :math:`z = W a + b`, batched as ``Z = X @ W.T + b``.

    With examples stored as rows (``X`` has shape ``(batch, n_in)``) the book's
    column-vector equation :math:`z^l = W^l a^{l-1} + b^l` becomes

    .. math::

        Z = X W^\\top + \\mathbf 1 b^\\top,

    and with :math:`\\delta = \\partial L/\\partial Z` (shape ``(batch, n_out)``)
    the backward pass is

    .. math::

        \\frac{\\partial L}{\\partial W} = \\delta^\\top X, \\qquad
        \\frac{\\partial L}{\\partial b} = \\sum_{i} \\delta_{i,:}, \\qquad
        \\frac{\\partial L}{\\partial X} = \\delta W .

    (The sums over the batch already carry the :math:`1/m` of the mean loss,
    because the losses' ``backward`` returns the gradient of the mean.)

    Parameters
    ----------
    n_in : int
        Number of input features :math:`m_{l-1}`.
    n_out : int
        Number of units :math:`m_l`.
    init : {"he", "xavier", "normal"} or float, keyword-only
        Weight initialisation, see :func:`init_weights`.  Biases start at 0.
    rng : numpy.random.Generator or int or None, keyword-only
        Randomness for the initial weights.
    dtype : dtype, keyword-only
        ``np.float64`` (default) or ``np.float32``; inputs are cast to it.

    Attributes
    ----------
    W : Parameter, shape (n_out, n_in)
        Weights, the same :math:`W^l` as in the math (and as ``torch.nn.Linear``).
    b : Parameter, shape (n_out,)
        Biases.
    """

    def __init__(
        self,
        n_in: int,
        n_out: int,
        *,
        init: str | float = "he",
        rng: np.random.Generator | int | None = None,
        dtype: type | np.dtype = np.float64,
    ) -> None:
        super().__init__()
        self.n_in = check_positive_int(n_in, "n_in", "Dense")
        self.n_out = check_positive_int(n_out, "n_out", "Dense")
        self.dtype = as_float_dtype(dtype, "Dense")
        self.init = init
        W0 = init_weights(self.n_in, self.n_out, init, as_rng(rng, "Dense"), self.dtype)
        self.W = Parameter(W0, "W", kind="weight")
        self.b = Parameter(np.zeros(self.n_out, dtype=self.dtype), "b", kind="bias")
        self._X: np.ndarray | None = None

    def extra_repr(self) -> str:
        text = f"n_in={self.n_in}, n_out={self.n_out}"
        if self.dtype != np.float64:
            text += f", dtype={self.dtype.name}"
        return text

    def forward(self, X: np.ndarray) -> np.ndarray:
        """Affine map of a batch.

        Parameters
        ----------
        X : numpy.ndarray, shape (batch, n_in)
            Inputs :math:`a^{l-1}` as rows.

        Returns
        -------
        Z : numpy.ndarray, shape (batch, n_out)
            Pre-activations :math:`z^l` as rows.
        """
        X = self._check_input(X)
        Z = X @ self.W.value.T
        Z += self.b.value
        self._X = X
        return Z

    def _check_input(self, X: object) -> np.ndarray:
        X = super()._check_input(X)
        if X.ndim != 2 or X.shape[1] != self.n_in:
            raise ValueError(
                f"{self._where('forward')}: expected X of shape (batch, {self.n_in}), "
                f"got {format_shape(X.shape)}"
            )
        return X

    def backward(self, dL_dZ: np.ndarray, *, input_grad: bool = True) -> np.ndarray | None:
        """Backward pass: fill ``W.grad`` and ``b.grad``, return ``dL_dX``.

        Parameters
        ----------
        dL_dZ : numpy.ndarray, shape (batch, n_out)
            :math:`\\delta^l = \\partial L / \\partial z^l` as rows.
        input_grad : bool, keyword-only
            If ``False``, skip ``dL_dX`` (one matrix product) and return ``None``.

        Returns
        -------
        dL_dX : numpy.ndarray, shape (batch, n_in), or None
            :math:`\\partial L/\\partial a^{l-1} = (W^l)^\\top \\delta^l` as rows.
        """
        X = self._cached("_X")
        delta = self._check_grad_shape(dL_dZ, (X.shape[0], self.n_out))
        if delta.dtype != self.dtype:
            delta = delta.astype(self.dtype)
        np.matmul(delta.T, X, out=self.W.grad)  # dL/dW = delta^T X      (n_out, n_in)
        np.sum(delta, axis=0, out=self.b.grad)  # dL/db = sum_i delta_i  (n_out,)
        if not input_grad:
            return None
        return delta @ self.W.value  # dL/dX = delta W   (batch, n_in)
