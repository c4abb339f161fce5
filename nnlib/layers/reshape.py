"""Layers that only rearrange their input: :class:`Flatten` and :class:`LastTimeStep`.

They have no parameters; their backward passes undo the rearrangement
(a reshape, or placing the gradient back at the selected time step).
"""

from __future__ import annotations

import numpy as np

from nnlib._validation import format_shape
from nnlib.layers.base import Layer

__all__ = ["Flatten", "LastTimeStep"]


class Flatten(Layer):
    """Flatten every example to a vector: ``(batch, d1, d2, ...) -> (batch, d1*d2*...)``.

    The order is row-major (C order), the same as ``torch.flatten(x, 1)``, so a
    ``(batch, C, H, W)`` feature map becomes ``C*H*W`` features with the channel
    varying slowest.  Backward reshapes the gradient back to the input's shape.

    Examples
    --------
    >>> Flatten().forward(np.zeros((5, 8, 4, 4))).shape
    (5, 128)
    """

    def __init__(self) -> None:
        super().__init__()
        self._x_shape: tuple[int, ...] | None = None

    def forward(self, X: np.ndarray) -> np.ndarray:
        """Parameters: ``X`` (batch, ...). Returns ``X`` reshaped to (batch, prod(...))."""
        X = self._check_input(X)
        self._x_shape = X.shape
        return X.reshape(X.shape[0], -1)

    def _check_input(self, X: object) -> np.ndarray:
        X = super()._check_input(X)
        if X.ndim < 2:
            raise ValueError(
                f"{self._where('forward')}: expected X of shape (batch, ...) with at least "
                f"2 dimensions, got {format_shape(X.shape)}"
            )
        return X

    def backward(self, dL_dY: np.ndarray, *, input_grad: bool = True) -> np.ndarray | None:
        """Parameters: ``dL_dY`` (batch, features). Returns it reshaped to the input's shape."""
        x_shape = self._cached("_x_shape")
        n_features = int(np.prod(x_shape[1:]))
        G = self._check_grad_shape(dL_dY, (x_shape[0], n_features))
        if not input_grad:
            return None
        return G.reshape(x_shape)


class LastTimeStep(Layer):
    """Keep only the last time step of a sequence: ``(batch, T, n) -> (batch, n)``.

    Put it after a recurrent layer (which returns every hidden state
    :math:`h_1, \\dots, h_T`) to feed :math:`h_T` to a ``Dense`` read-out.
    Backward places the gradient at step :math:`T` and zeros elsewhere.

    Examples
    --------
    >>> LastTimeStep().forward(np.arange(12.0).reshape(2, 3, 2))
    array([[ 4.,  5.],
           [10., 11.]])
    """

    def __init__(self) -> None:
        super().__init__()
        self._x_shape: tuple[int, ...] | None = None

    def forward(self, X: np.ndarray) -> np.ndarray:
        """Parameters: ``X`` (batch, T, n). Returns ``X[:, -1, :]`` (batch, n)."""
        X = self._check_input(X)
        self._x_shape = X.shape
        return X[:, -1, :].copy()

    def _check_input(self, X: object) -> np.ndarray:
        X = super()._check_input(X)
        if X.ndim != 3 or X.shape[1] == 0:
            raise ValueError(
                f"{self._where('forward')}: expected X of shape (batch, T, n) with T >= 1, "
                f"got {format_shape(X.shape)}"
            )
        return X

    def backward(self, dL_dY: np.ndarray, *, input_grad: bool = True) -> np.ndarray | None:
        """Parameters: ``dL_dY`` (batch, n). Returns ``dL_dX`` (batch, T, n), zero before T."""
        x_shape = self._cached("_x_shape")
        G = self._check_grad_shape(dL_dY, (x_shape[0], x_shape[2]))
        if not input_grad:
            return None
        dX = np.zeros(x_shape, dtype=G.dtype)
        dX[:, -1, :] = G
        return dX
