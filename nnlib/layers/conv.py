"""2-D convolution (cross-correlation, as in every deep-learning library).

The layer computes, for a batch ``X`` of shape ``(batch, C_in, H, W)`` padded
with ``p`` zeros on each side (:math:`\\tilde X`), with stride ``s``,

.. math::

    Y_{n,o,i,j} = b_o + \\sum_{c=1}^{C_{in}} \\sum_{u=0}^{k_h-1} \\sum_{v=0}^{k_w-1}
        W_{o,c,u,v}\\, \\tilde X_{n,c,\\,s i+u,\\,s j+v},

an output of shape ``(batch, C_out, H_out, W_out)`` with
:math:`H_{out} = \\lfloor (H + 2p - k_h)/s \\rfloor + 1` (Dumoulin & Visin 2016).

With :math:`G = \\partial L/\\partial Y` the backward pass is

.. math::

    \\frac{\\partial L}{\\partial W_{o,c,u,v}} = \\sum_{n,i,j} G_{n,o,i,j}\\,
        \\tilde X_{n,c,\\,s i+u,\\,s j+v}
    \\quad \\text{(the input cross-correlated with } G\\text{)},

.. math::

    \\frac{\\partial L}{\\partial \\tilde X_{n,c}} = \\sum_o
        \\operatorname{pad}_{k-1}\\big(\\operatorname{dilate}_s(G_{n,o})\\big)
        \\star \\operatorname{rot180}(W_{o,c})
    \\quad \\text{(a full convolution of } G \\text{ with the flipped kernel)},

and :math:`\\partial L/\\partial b_o = \\sum_{n,i,j} G_{n,o,i,j}`.

Implementation ("im2col"): :func:`numpy.lib.stride_tricks.sliding_window_view`
gives every ``kh x kw`` patch without copying; the patches are laid out as the
rows of one matrix :math:`P` of shape ``(batch * H_out * W_out, C_in * kh * kw)``,
so the forward pass is one BLAS product :math:`Y = P\\,W_{mat}^\\top` and the
kernel gradient another, :math:`G_{mat}^\\top P`.  The input gradient is
computed in the equivalent "col2im" form: :math:`G_{mat} W_{mat}` gives, for
every window, the gradient of each of its pixels, and ``kh * kw`` strided
additions put them back in place.  That is the transpose of im2col, i.e. the
product with :math:`T^\\top` of the convolution matrix (:func:`conv_matrix`),
and it equals the full convolution above (the tests check both forms).
"""

from __future__ import annotations

import numbers

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from nnlib._validation import (
    as_float_array,
    as_float_dtype,
    as_rng,
    check_positive_int,
    format_shape,
)
from nnlib.layers.base import Layer, Parameter
from nnlib.layers.init import init_weights

__all__ = ["Conv2D", "conv_matrix", "conv_output_size", "pair"]


def pair(value: object, name: str, where: str, *, minimum: int = 1) -> tuple[int, int]:
    """Turn ``k`` or ``(kh, kw)`` into a pair of integers ``>= minimum``.

    Parameters
    ----------
    value : int or tuple of two ints
    name, where : str
        Used in error messages.
    minimum : int
        Smallest allowed value.

    Returns
    -------
    tuple of int
    """
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        values = (value, value)
    elif isinstance(value, tuple | list) and len(value) == 2:
        values = tuple(value)
    else:
        raise TypeError(f"{where}: expected {name} to be an int or a pair of ints, got {value!r}")
    first, second = (check_positive_int(v, name, where, minimum=minimum) for v in values)
    return first, second


def conv_output_size(n: int, k: int, stride: int = 1, padding: int = 0) -> int:
    """Output length of a convolution or pooling along one axis.

    .. math::

        n_{out} = \\left\\lfloor \\frac{n + 2p - k}{s} \\right\\rfloor + 1

    Parameters
    ----------
    n : int
        Input length (height or width).
    k : int
        Kernel length.
    stride : int
        Stride :math:`s`.
    padding : int
        Zeros added on each side, :math:`p`.

    Returns
    -------
    int
        The output length (``<= 0`` means the kernel does not fit).
    """
    return (n + 2 * padding - k) // stride + 1


def conv_matrix(
    kernel: np.ndarray,
    input_shape: tuple[int, int],
    stride: int | tuple[int, int] = 1,
    padding: int | tuple[int, int] = 0,
) -> np.ndarray:
    """The matrix :math:`T` of a single-channel 2-D convolution (cross-correlation).

    For an ``H x W`` image :math:`X` and a ``kh x kw`` kernel :math:`K`,
    ``vec(conv(X, K)) = T @ vec(X)`` with row-major ``vec`` (``X.ravel()``):

    .. math::

        T_{(i, j),\\,(r, c)} = K_{r - s i + p,\\; c - s j + p}
        \\quad\\text{(zero when the index falls outside the kernel)}.

    With stride 1 and no padding, :math:`T` is *doubly block Toeplitz*: an
    ``H_out x H`` grid of ``W_out x W`` blocks, block :math:`(i, r)` being the
    Toeplitz matrix built from kernel row :math:`r - i`.

    Parameters
    ----------
    kernel : numpy.ndarray, shape (kh, kw)
    input_shape : (int, int)
        ``(H, W)``.
    stride, padding : int or (int, int)

    Returns
    -------
    T : numpy.ndarray, shape (H_out * W_out, H * W)
    """
    where = "conv_matrix"
    kernel = as_float_array(kernel, "kernel", where, ndim=2)
    h, w = pair(tuple(input_shape), "input_shape", where)
    sh, sw = pair(stride, "stride", where)
    ph, pw = pair(padding, "padding", where, minimum=0)
    kh, kw = kernel.shape
    ho, wo = conv_output_size(h, kh, sh, ph), conv_output_size(w, kw, sw, pw)
    if ho < 1 or wo < 1:
        raise ValueError(
            f"{where}: expected a padded input of at least {kh}x{kw} pixels, got "
            f"input_shape {(h, w)} with padding {(ph, pw)}"
        )
    T = np.zeros((ho * wo, h * w), dtype=kernel.dtype)
    for i in range(ho):
        for j in range(wo):
            for u in range(kh):
                for v in range(kw):
                    r, c = sh * i + u - ph, sw * j + v - pw
                    if 0 <= r < h and 0 <= c < w:  # padded pixels are zeros: no column
                        T[i * wo + j, r * w + c] = kernel[u, v]
    return T


def _windows(Xp: np.ndarray, kernel: tuple[int, int], stride: tuple[int, int]) -> np.ndarray:
    """Zero-copy view of all ``kh x kw`` patches: shape ``(N, C, H_out, W_out, kh, kw)``."""
    view = sliding_window_view(Xp, kernel, axis=(2, 3))
    return view[:, :, :: stride[0], :: stride[1]]


class Conv2D(Layer):
    """2-D convolution layer (cross-correlation) with channels, padding and stride.

    Shapes follow PyTorch's ``torch.nn.Conv2d``: input ``(batch, C_in, H, W)``,
    weights ``(C_out, C_in, kh, kw)``, output ``(batch, C_out, H_out, W_out)``.
    See the module docstring for the forward and backward formulas.

    Parameters
    ----------
    in_channels : int
        :math:`C_{in}`, the number of input feature maps.
    out_channels : int
        :math:`C_{out}`, the number of kernels (output feature maps).
    kernel_size : int or (int, int)
        :math:`(k_h, k_w)`.
    stride : int or (int, int), keyword-only
        Step :math:`s` between neighbouring windows (default 1).
    padding : int or (int, int), keyword-only
        Zeros added on each side of the height and width (default 0).
        ``padding=(k - 1) // 2`` with stride 1 keeps the size for odd ``k``.
    bias : bool, keyword-only
        Whether to learn a bias per output channel (default ``True``).
    init : {"he", "xavier", "normal"} or float, keyword-only
        Weight initialisation with fan-in :math:`C_{in} k_h k_w` and fan-out
        :math:`C_{out} k_h k_w` (see :func:`nnlib.layers.dense.init_weights`).
    rng : numpy.random.Generator or int or None, keyword-only
        Randomness for the initial weights.
    dtype : dtype, keyword-only
        ``np.float64`` (default) or ``np.float32``; inputs are cast to it.

    Attributes
    ----------
    W : Parameter, shape (out_channels, in_channels, kh, kw)
        The kernels.
    b : Parameter, shape (out_channels,)
        Biases (absent when ``bias=False``).

    Examples
    --------
    >>> conv = Conv2D(1, 4, 3, padding=1, rng=0)
    >>> conv.forward(np.zeros((2, 1, 8, 8))).shape
    (2, 4, 8, 8)
    >>> conv.n_params   # 4 kernels of 1*3*3 weights + 4 biases
    40
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | tuple[int, int],
        *,
        stride: int | tuple[int, int] = 1,
        padding: int | tuple[int, int] = 0,
        bias: bool = True,
        init: str | float = "he",
        rng: np.random.Generator | int | None = None,
        dtype: type | np.dtype = np.float64,
    ) -> None:
        super().__init__()
        where = "Conv2D"
        self.in_channels = check_positive_int(in_channels, "in_channels", where)
        self.out_channels = check_positive_int(out_channels, "out_channels", where)
        self.kernel_size = pair(kernel_size, "kernel_size", where)
        self.stride = pair(stride, "stride", where)
        self.padding = pair(padding, "padding", where, minimum=0)
        self.dtype = as_float_dtype(dtype, where)
        kh, kw = self.kernel_size
        fan_in = self.in_channels * kh * kw
        fan_out = self.out_channels * kh * kw
        # init_weights draws an (n_out, n_in) matrix whose std depends on the fans
        # (He: fan_in; Xavier: fan_in + fan_out); draw it with the convolution's fans
        # and keep the first C_out rows, i.e. C_out kernels of C_in * kh * kw weights.
        W0 = init_weights(fan_in, fan_out, init, as_rng(rng, where), self.dtype)
        W0 = W0[: self.out_channels].reshape(self.out_channels, self.in_channels, kh, kw)
        self.W = Parameter(W0, "W", kind="weight")
        self.b: Parameter | None
        if bias:
            self.b = Parameter(np.zeros(self.out_channels, dtype=self.dtype), "b", kind="bias")
        else:
            self.b = None
        self._P: np.ndarray | None = None
        self._x_shape: tuple[int, ...] | None = None
        self._xp_shape: tuple[int, ...] | None = None
        self._y_shape: tuple[int, ...] | None = None

    def extra_repr(self) -> str:
        text = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}"
        if self.stride != (1, 1):
            text += f", stride={self.stride}"
        if self.padding != (0, 0):
            text += f", padding={self.padding}"
        if self.b is None:
            text += ", bias=False"
        if self.dtype != np.float64:
            text += f", dtype={self.dtype.name}"
        return text

    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        """Shape of the output for an input of shape ``(batch, C_in, H, W)``."""
        n, _, h, w = input_shape
        return (
            n,
            self.out_channels,
            conv_output_size(h, self.kernel_size[0], self.stride[0], self.padding[0]),
            conv_output_size(w, self.kernel_size[1], self.stride[1], self.padding[1]),
        )

    def _check_input(self, X: object) -> np.ndarray:
        where = self._where("forward")
        X = super()._check_input(X)
        if X.ndim != 4 or X.shape[1] != self.in_channels:
            raise ValueError(
                f"{where}: expected X of shape (batch, {self.in_channels}, height, width), "
                f"got {format_shape(X.shape)}"
            )
        kh, kw = self.kernel_size
        ph, pw = self.padding
        if X.shape[2] + 2 * ph < kh or X.shape[3] + 2 * pw < kw:
            raise ValueError(
                f"{where}: expected a padded input of at least {kh}x{kw} pixels (the kernel "
                f"size), got X of shape {format_shape(X.shape)} with padding {self.padding}"
            )
        return X

    def forward(self, X: np.ndarray) -> np.ndarray:
        """Convolve a batch of images.

        Parameters
        ----------
        X : numpy.ndarray, shape (batch, in_channels, H, W)

        Returns
        -------
        Y : numpy.ndarray, shape (batch, out_channels, H_out, W_out)
        """
        X = self._check_input(X)
        ph, pw = self.padding
        Xp = np.pad(X, ((0, 0), (0, 0), (ph, ph), (pw, pw))) if ph or pw else X
        win = _windows(Xp, self.kernel_size, self.stride)  # (N, C, Ho, Wo, kh, kw), a view
        n, c, ho, wo, kh, kw = win.shape
        # im2col: one row per output pixel, one column per (channel, kernel row, kernel col)
        P = win.transpose(0, 2, 3, 1, 4, 5).reshape(n * ho * wo, c * kh * kw)
        Y = P @ self.W.value.reshape(self.out_channels, -1).T  # (N*Ho*Wo, C_out)
        if self.b is not None:
            Y += self.b.value
        self._P = P
        self._x_shape = X.shape
        self._xp_shape = Xp.shape
        Y = Y.reshape(n, ho, wo, self.out_channels).transpose(0, 3, 1, 2)
        self._y_shape = Y.shape
        return np.ascontiguousarray(Y)

    def backward(self, dL_dY: np.ndarray, *, input_grad: bool = True) -> np.ndarray | None:
        """Kernel, bias and input gradients.

        Parameters
        ----------
        dL_dY : numpy.ndarray, shape (batch, out_channels, H_out, W_out)
            :math:`G = \\partial L/\\partial Y`.
        input_grad : bool, keyword-only
            If ``False``, fill ``W.grad`` and ``b.grad`` only and return ``None``.

        Returns
        -------
        dL_dX : numpy.ndarray, shape (batch, in_channels, H, W), or None
            Equal to a full convolution of :math:`G` (dilated by the stride)
            with the flipped kernels, with the padding cut off; computed by
            col2im (see the module docstring).
        """
        G = self._param_grads(dL_dY)
        return self._input_grad(G) if input_grad else None

    def _param_grads(self, dL_dY: np.ndarray) -> np.ndarray:
        P = self._cached("_P")
        G = self._check_grad_shape(dL_dY, self._cached("_y_shape")).astype(self.dtype, copy=False)
        Gm = G.transpose(0, 2, 3, 1).reshape(-1, self.out_channels)  # (N*Ho*Wo, C_out)
        # dL/dW[o,c,u,v] = sum_{n,i,j} G[n,o,i,j] Xp[n,c,s i+u,s j+v]: the input correlated with G
        self.W.grad[...] = (Gm.T @ P).reshape(self.W.shape)
        if self.b is not None:
            self.b.grad[...] = Gm.sum(axis=0)
        return Gm

    def _input_grad(self, Gm: np.ndarray) -> np.ndarray:
        xp_shape: tuple[int, ...] = self._cached("_xp_shape")
        n, c, hp, wp = xp_shape
        _, _, ho, wo = self._cached("_y_shape")
        kh, kw = self.kernel_size
        sh, sw = self.stride
        ph, pw = self.padding
        # gradient of every pixel of every window: (N, Ho, Wo, C_in, kh, kw)
        dP = (Gm @ self.W.value.reshape(self.out_channels, -1)).reshape(n, ho, wo, c, kh, kw)
        dP = dP.transpose(0, 3, 4, 5, 1, 2)  # (N, C_in, kh, kw, Ho, Wo)
        dXp = np.zeros(xp_shape, dtype=self.dtype)
        for u in range(kh):  # col2im: add each kernel position's share back in place
            for v in range(kw):
                dXp[:, :, u : u + sh * ho : sh, v : v + sw * wo : sw] += dP[:, :, u, v]
        return np.ascontiguousarray(dXp[:, :, ph : hp - ph, pw : wp - pw])
