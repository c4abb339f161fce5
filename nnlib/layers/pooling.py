"""2-D pooling layers: :class:`MaxPool2D` and :class:`AvgPool2D`.

Both slide a ``kh x kw`` window with stride ``s`` (by default the window size,
so the windows do not overlap) over every channel of a batch of shape
``(batch, C, H, W)`` and summarise each window by one number; the output has
shape ``(batch, C, H_out, W_out)`` with
:math:`H_{out} = \\lfloor (H - k_h)/s \\rfloor + 1`.  Pooling has no parameters.

* Max pooling :math:`Y_{n,c,i,j} = \\max_{u,v} X_{n,c,\\,s i+u,\\,s j+v}`; its
  gradient routes :math:`G_{n,c,i,j}` to the position of the maximum (the
  "switch") and gives zero to the others.
* Average pooling :math:`Y_{n,c,i,j} = \\frac{1}{k_h k_w}\\sum_{u,v}
  X_{n,c,\\,s i+u,\\,s j+v}`; its gradient spreads :math:`G_{n,c,i,j}/(k_h k_w)`
  evenly over the window.

Where windows overlap (``stride < kernel_size``) the contributions add up.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from nnlib._validation import format_shape
from nnlib.layers.base import Layer
from nnlib.layers.conv import conv_output_size, pair

__all__ = ["AvgPool2D", "MaxPool2D"]


class _Pool2D(Layer):
    """Common code: arguments, input checks, window views."""

    def __init__(
        self, kernel_size: int | tuple[int, int], stride: int | tuple[int, int] | None = None
    ) -> None:
        super().__init__()
        name = type(self).__name__
        self.kernel_size = pair(kernel_size, "kernel_size", name)
        self.stride = self.kernel_size if stride is None else pair(stride, "stride", name)
        self._x_shape: tuple[int, ...] | None = None
        self._y_shape: tuple[int, ...] | None = None

    def extra_repr(self) -> str:
        text = f"kernel_size={self.kernel_size}"
        if self.stride != self.kernel_size:
            text += f", stride={self.stride}"
        return text

    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        """Shape of the output for an input of shape ``(batch, C, H, W)``."""
        n, c, h, w = input_shape
        return (
            n,
            c,
            conv_output_size(h, self.kernel_size[0], self.stride[0]),
            conv_output_size(w, self.kernel_size[1], self.stride[1]),
        )

    def _check_input(self, X: object) -> np.ndarray:
        X = super()._check_input(X)
        where = self._where("forward")
        kh, kw = self.kernel_size
        if X.ndim != 4:
            raise ValueError(
                f"{where}: expected X of shape (batch, channels, height, width), "
                f"got {format_shape(X.shape)}"
            )
        if X.shape[2] < kh or X.shape[3] < kw:
            raise ValueError(
                f"{where}: expected an input of at least {kh}x{kw} pixels (the window size), "
                f"got X of shape {format_shape(X.shape)}"
            )
        return X

    def _windows(self, X: np.ndarray) -> np.ndarray:
        """The pooling windows of ``X``, shape (N, C, Ho, Wo, kh, kw) (a view)."""
        view = sliding_window_view(X, self.kernel_size, axis=(2, 3))
        return view[:, :, :: self.stride[0], :: self.stride[1]]


class MaxPool2D(_Pool2D):
    """Max pooling over ``kh x kw`` windows (no parameters).

    Parameters
    ----------
    kernel_size : int or (int, int)
        Window size :math:`(k_h, k_w)`.
    stride : int or (int, int), optional
        Step between windows; defaults to ``kernel_size`` (non-overlapping).

    Notes
    -----
    Forward caches the flat index of each window's maximum; backward adds
    :math:`G_{n,c,i,j}` at that index (``numpy.bincount``), so overlapping
    windows that share a maximum add their gradients.  Ties go to the first
    maximum in row-major order.

    Examples
    --------
    >>> pool = MaxPool2D(2)
    >>> pool.forward(np.arange(16.0).reshape(1, 1, 4, 4))[0, 0]
    array([[ 5.,  7.],
           [13., 15.]])
    """

    def __init__(
        self, kernel_size: int | tuple[int, int] = 2, stride: int | tuple[int, int] | None = None
    ) -> None:
        super().__init__(kernel_size, stride)
        self._index: np.ndarray | None = None

    def forward(self, X: np.ndarray) -> np.ndarray:
        """Parameters: ``X`` (batch, C, H, W). Returns ``Y`` (batch, C, H_out, W_out)."""
        X = self._check_input(X)
        win = self._windows(X)
        n, c, ho, wo, kh, kw = win.shape
        flat = win.reshape(n, c, ho, wo, kh * kw)  # copies the (small) windows
        arg = flat.argmax(axis=-1)
        Y = np.take_along_axis(flat, arg[..., None], axis=-1)[..., 0]
        # flat index of each maximum in X viewed as (N*C, H, W)
        h, w = X.shape[2], X.shape[3]
        rows = np.arange(ho)[:, None] * self.stride[0] + arg // kw
        cols = np.arange(wo)[None, :] * self.stride[1] + arg % kw
        plane = np.arange(n * c).reshape(n, c, 1, 1) * (h * w)
        self._index = (plane + rows * w + cols).ravel()
        self._x_shape = X.shape
        self._y_shape = Y.shape
        return Y

    def backward(self, dL_dY: np.ndarray, *, input_grad: bool = True) -> np.ndarray | None:
        """Parameters: ``dL_dY`` (batch, C, H_out, W_out). Returns ``dL_dX`` (batch, C, H, W)."""
        index = self._cached("_index")
        x_shape = self._cached("_x_shape")
        G = self._check_grad_shape(dL_dY, self._cached("_y_shape"))
        if not input_grad:
            return None
        size = int(np.prod(x_shape))
        dX = np.bincount(index, weights=G.ravel(), minlength=size)
        return dX.reshape(x_shape).astype(G.dtype, copy=False)


class AvgPool2D(_Pool2D):
    """Average pooling over ``kh x kw`` windows (no parameters).

    Parameters
    ----------
    kernel_size : int or (int, int)
        Window size :math:`(k_h, k_w)`.
    stride : int or (int, int), optional
        Step between windows; defaults to ``kernel_size`` (non-overlapping).

    Notes
    -----
    Average pooling is a convolution of every channel with the constant kernel
    :math:`\\mathbf 1/(k_h k_w)`, so its backward pass spreads
    :math:`G_{n,c,i,j}/(k_h k_w)` over each window.
    """

    def __init__(
        self, kernel_size: int | tuple[int, int] = 2, stride: int | tuple[int, int] | None = None
    ) -> None:
        super().__init__(kernel_size, stride)

    def forward(self, X: np.ndarray) -> np.ndarray:
        """Parameters: ``X`` (batch, C, H, W). Returns ``Y`` (batch, C, H_out, W_out)."""
        X = self._check_input(X)
        win = self._windows(X)
        Y = win.mean(axis=(-2, -1))
        self._x_shape = X.shape
        self._y_shape = Y.shape
        self._dtype = X.dtype
        return Y

    def backward(self, dL_dY: np.ndarray, *, input_grad: bool = True) -> np.ndarray | None:
        """Parameters: ``dL_dY`` (batch, C, H_out, W_out). Returns ``dL_dX`` (batch, C, H, W)."""
        x_shape = self._cached("_x_shape")
        G = self._check_grad_shape(dL_dY, self._cached("_y_shape"))
        if not input_grad:
            return None
        kh, kw = self.kernel_size
        sh, sw = self.stride
        ho, wo = G.shape[2], G.shape[3]
        dX = np.zeros(x_shape, dtype=np.result_type(G.dtype, self._dtype))
        share = G / (kh * kw)
        for u in range(kh):  # kh * kw strided additions, each over the whole batch
            for v in range(kw):
                dX[:, :, u : u + sh * ho : sh, v : v + sw * wo : sw] += share
        return dX
