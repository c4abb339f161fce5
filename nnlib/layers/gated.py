"""Gated recurrent layers: the LSTM (Hochreiter & Schmidhuber 1997) and the GRU (Cho et al. 2014).

Both have the interface of :class:`nnlib.layers.RNN`: the input is a batch of
sequences ``(batch, T, n_in)``, the output every hidden state
``(batch, T, n_hidden)``, an initial state is optional, and ``backward`` runs
backpropagation through time, summing the gradients of the shared weights
over the steps.  Gate order, parameter shapes and equations are PyTorch's
(``torch.nn.LSTM``, ``torch.nn.GRU``, one layer, ``batch_first=True``) so that
weights copy across; see each class for the mapping.

Why gates help: in the LSTM the cell state is updated additively,
:math:`c_t = f_t \\odot c_{t-1} + i_t \\odot g_t`, so (holding the gates fixed)
:math:`\\partial c_t/\\partial c_{t-1} = \\mathrm{diag}(f_t)`, which stays
close to the identity while the forget gate is open, whereas the tanh RNN
multiplies by :math:`\\mathrm{diag}(1-h_t^2)\\,W_{hh}` at every step.
"""

from __future__ import annotations

import numpy as np

from nnlib._validation import (
    as_float_array,
    as_float_dtype,
    as_rng,
    check_positive_int,
    format_shape,
)
from nnlib.layers.base import Layer, Parameter
from nnlib.layers.dense import init_weights

__all__ = ["GRU", "LSTM"]


def _sigmoid(a: np.ndarray) -> np.ndarray:
    """Overflow-free logistic function."""
    e = np.exp(-np.abs(a))
    return np.where(a >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(a.dtype, copy=False)


class _Gated(Layer):
    """What LSTM and GRU share: sizes, weights drawn gate by gate, input checks."""

    n_gates = 0

    def __init__(
        self,
        n_in: int,
        n_hidden: int,
        *,
        init: str | float = "xavier",
        rng: np.random.Generator | int | None = None,
        dtype: type | np.dtype = np.float64,
    ) -> None:
        super().__init__()
        name = type(self).__name__
        self.n_in = check_positive_int(n_in, "n_in", name)
        self.n_hidden = check_positive_int(n_hidden, "n_hidden", name)
        self.dtype = as_float_dtype(dtype, name)
        rng = as_rng(rng, name)
        H = self.n_hidden
        # each gate's block is drawn as its own (H, n_in) / (H, H) matrix, so that
        # "xavier"/"he" use that gate's fan-in and fan-out, not 4H or 3H
        W_ih = np.concatenate(
            [init_weights(self.n_in, H, init, rng, self.dtype) for _ in range(self.n_gates)]
        )
        W_hh = np.concatenate(
            [init_weights(H, H, init, rng, self.dtype) for _ in range(self.n_gates)]
        )
        self.W_ih = Parameter(W_ih, "W_ih", kind="weight")
        self.W_hh = Parameter(W_hh, "W_hh", kind="weight")
        self._cache: tuple[np.ndarray, ...] | None = None

    def extra_repr(self) -> str:
        text = f"n_in={self.n_in}, n_hidden={self.n_hidden}"
        if self.dtype != np.float64:
            text += f", dtype={self.dtype.name}"
        return text

    def _check_input(self, X: object) -> np.ndarray:
        X = super()._check_input(X)
        where = self._where("forward")
        if X.ndim != 3 or X.shape[2] != self.n_in or X.shape[1] == 0:
            raise ValueError(
                f"{where}: expected X of shape (batch, T, {self.n_in}) with T >= 1, "
                f"got {format_shape(X.shape)}"
            )
        return X

    def _check_state(self, s: np.ndarray | None, name: str, n: int) -> np.ndarray:
        if s is None:
            return np.zeros((n, self.n_hidden), dtype=self.dtype)
        where = self._where("forward")
        s = as_float_array(s, name, where, dtype=self.dtype)
        if s.shape != (n, self.n_hidden):
            raise ValueError(
                f"{where}: expected {name} of shape ({n}, {self.n_hidden}), "
                f"got {format_shape(s.shape)}"
            )
        return s


class LSTM(_Gated):
    """Long short-term memory layer that returns all hidden states.

    With :math:`a_t = W_{ih} x_t + W_{hh} h_{t-1} + b` split into four blocks
    of :math:`H` rows in the order :math:`(i, f, g, o)`,

    .. math::

        i_t = \\sigma(a^i_t),\\quad f_t = \\sigma(a^f_t),\\quad
        g_t = \\tanh(a^g_t),\\quad o_t = \\sigma(a^o_t),

    .. math::

        c_t = f_t \\odot c_{t-1} + i_t \\odot g_t, \\qquad h_t = o_t \\odot \\tanh(c_t).

    Backpropagation through time, with :math:`\\bar h_t` the total gradient at
    :math:`h_t` (direct plus :math:`W_{hh}^\\top \\bar a_{t+1}`) and
    :math:`\\bar c_t` the one at :math:`c_t` (plus :math:`f_{t+1}\\odot\\bar c_{t+1}`):

    .. math::

        \\bar o_t = \\bar h_t \\odot \\tanh c_t, \\quad
        \\bar c_t \\mathrel{+}= \\bar h_t \\odot o_t \\odot (1 - \\tanh^2 c_t), \\quad
        \\bar i_t = \\bar c_t \\odot g_t, \\quad \\bar g_t = \\bar c_t \\odot i_t, \\quad
        \\bar f_t = \\bar c_t \\odot c_{t-1},

    then :math:`\\bar a_t` is each gate's gradient times its activation's
    derivative (:math:`s(1-s)` for :math:`\\sigma`, :math:`1-g^2` for tanh),
    :math:`\\partial L/\\partial W_{ih} = \\sum_t \\bar a_t x_t^\\top`,
    :math:`\\partial L/\\partial W_{hh} = \\sum_t \\bar a_t h_{t-1}^\\top`,
    :math:`\\partial L/\\partial b = \\sum_t \\bar a_t`,
    :math:`\\partial L/\\partial x_t = W_{ih}^\\top \\bar a_t`.

    Parameters
    ----------
    n_in : int
        Size of each input :math:`x_t`.
    n_hidden : int
        Size :math:`H` of :math:`h_t` and :math:`c_t`.
    init : {"xavier", "he", "normal"} or float, keyword-only
        Initialisation of each gate's weight block (see
        :func:`nnlib.layers.dense.init_weights`); biases start at 0.
    rng : numpy.random.Generator or int or None, keyword-only
        Randomness for the initial weights.
    dtype : dtype, keyword-only
        ``np.float64`` (default) or ``np.float32``.

    Attributes
    ----------
    W_ih : Parameter, shape (4 * n_hidden, n_in)
        Input weights, gate blocks (i, f, g, o): ``torch.nn.LSTM``'s ``weight_ih_l0``.
    W_hh : Parameter, shape (4 * n_hidden, n_hidden)
        Recurrent weights: ``weight_hh_l0``.
    b : Parameter, shape (4 * n_hidden,)
        Bias.  PyTorch has ``bias_ih_l0`` and ``bias_hh_l0``, which only enter as
        their sum: copy ``b`` into ``bias_ih_l0`` and zero ``bias_hh_l0``.
    dh0, dc0 : numpy.ndarray or None, shape (batch, n_hidden)
        :math:`\\partial L/\\partial h_0` and :math:`\\partial L/\\partial c_0`
        from the last ``backward``.
    c : numpy.ndarray or None, shape (batch, T, n_hidden)
        Cell states :math:`c_1, \\dots, c_T` of the last ``forward``.

    Examples
    --------
    >>> lstm = LSTM(3, 5, rng=0)
    >>> lstm.forward(np.zeros((2, 7, 3))).shape
    (2, 7, 5)
    """

    n_gates = 4

    def __init__(
        self,
        n_in: int,
        n_hidden: int,
        *,
        init: str | float = "xavier",
        rng: np.random.Generator | int | None = None,
        dtype: type | np.dtype = np.float64,
    ) -> None:
        super().__init__(n_in, n_hidden, init=init, rng=rng, dtype=dtype)
        self.b = Parameter(np.zeros(4 * self.n_hidden, dtype=self.dtype), "b", kind="bias")
        self.dh0: np.ndarray | None = None
        self.dc0: np.ndarray | None = None
        self.c: np.ndarray | None = None

    def forward(
        self, X: np.ndarray, h0: np.ndarray | None = None, c0: np.ndarray | None = None
    ) -> np.ndarray:
        """Run the LSTM over a batch of sequences.

        Parameters
        ----------
        X : numpy.ndarray, shape (batch, T, n_in)
        h0, c0 : numpy.ndarray, shape (batch, n_hidden), optional
            Initial hidden and cell states (zeros by default).

        Returns
        -------
        H : numpy.ndarray, shape (batch, T, n_hidden)
            :math:`h_1, \\dots, h_T`.
        """
        X = self._check_input(X)
        n, T, _ = X.shape
        h0 = self._check_state(h0, "h0", n)
        c0 = self._check_state(c0, "c0", n)
        Hd = self.n_hidden
        A_in = X @ self.W_ih.value.T + self.b.value  # input part of every a_t
        W_hh_T = self.W_hh.value.T
        gates = np.empty((n, T, 4 * Hd), dtype=self.dtype)  # activated i, f, g, o
        Hs = np.empty((n, T, Hd), dtype=self.dtype)
        Cs = np.empty((n, T, Hd), dtype=self.dtype)
        h, c = h0, c0
        for t in range(T):
            a = A_in[:, t] + h @ W_hh_T
            # one sigmoid call for all four blocks, then g's block replaced
            # by its tanh: the same numbers as a call per gate, fewer calls
            act = _sigmoid(a)
            act[:, 2 * Hd : 3 * Hd] = np.tanh(a[:, 2 * Hd : 3 * Hd])
            i, f, g, o = (act[:, k * Hd : (k + 1) * Hd] for k in range(4))
            c = f * c + i * g
            h = o * np.tanh(c)
            gates[:, t] = act
            Hs[:, t], Cs[:, t] = h, c
        self.c = Cs
        self._cache = (X, Hs, Cs, gates, h0, c0)
        return Hs

    def backward(self, dL_dH: np.ndarray, *, input_grad: bool = True) -> np.ndarray | None:
        """Backpropagation through time.

        Parameters
        ----------
        dL_dH : numpy.ndarray, shape (batch, T, n_hidden)
            :math:`\\partial L/\\partial h_t` arriving directly at each step.

        Returns
        -------
        dL_dX : numpy.ndarray, shape (batch, T, n_in), or None when ``input_grad=False``
            Also fills ``W_ih.grad``, ``W_hh.grad``, ``b.grad``, ``dh0``, ``dc0``.
        """
        X, Hs, Cs, gates, h0, c0 = self._cached("_cache")
        G = self._check_grad_shape(dL_dH, Hs.shape).astype(self.dtype, copy=False)
        n, T, Hd = Hs.shape
        W_hh = self.W_hh.value
        dA = np.empty((n, T, 4 * Hd), dtype=self.dtype)
        dh_next = np.zeros((n, Hd), dtype=self.dtype)
        dc_next = np.zeros((n, Hd), dtype=self.dtype)
        for t in range(T - 1, -1, -1):
            i, f, g, o = (gates[:, t, k * Hd : (k + 1) * Hd] for k in range(4))
            c_prev = Cs[:, t - 1] if t > 0 else c0
            tc = np.tanh(Cs[:, t])
            dh = G[:, t] + dh_next
            dc = dc_next + dh * o * (1.0 - tc * tc)
            dA[:, t, :Hd] = dc * g * i * (1.0 - i)  # through i = sigma(a^i)
            dA[:, t, Hd : 2 * Hd] = dc * c_prev * f * (1.0 - f)  # through f
            dA[:, t, 2 * Hd : 3 * Hd] = dc * i * (1.0 - g * g)  # through g = tanh(a^g)
            dA[:, t, 3 * Hd :] = dh * tc * o * (1.0 - o)  # through o
            dc_next = dc * f  # dc_t/dc_{t-1} = diag(f_t)
            dh_next = dA[:, t] @ W_hh
        H_prev = np.concatenate([h0[:, None, :], Hs[:, :-1]], axis=1)
        self.W_ih.grad[...] = np.tensordot(dA, X, axes=([0, 1], [0, 1]))
        self.W_hh.grad[...] = np.tensordot(dA, H_prev, axes=([0, 1], [0, 1]))
        self.b.grad[...] = dA.sum(axis=(0, 1))
        self.dh0, self.dc0 = dh_next, dc_next
        return dA @ self.W_ih.value if input_grad else None


class GRU(_Gated):
    """Gated recurrent unit layer that returns all hidden states (PyTorch's form).

    With the input and hidden parts kept apart (blocks in the order
    :math:`(r, z, n)`), :math:`u_t = W_{ih} x_t + b_{ih}` and
    :math:`v_t = W_{hh} h_{t-1} + b_{hh}`:

    .. math::

        r_t = \\sigma(u^r_t + v^r_t), \\quad z_t = \\sigma(u^z_t + v^z_t), \\quad
        n_t = \\tanh\\big(u^n_t + r_t \\odot v^n_t\\big), \\quad
        h_t = (1 - z_t) \\odot n_t + z_t \\odot h_{t-1} .

    The two biases do not merge: :math:`b_{hh}^n` is multiplied by
    :math:`r_t`.  Backward, with :math:`\\bar h_t` the total gradient at
    :math:`h_t`:

    .. math::

        \\bar n = \\bar h \\odot (1 - z), \\quad \\bar z = \\bar h \\odot (h_{t-1} - n), \\quad
        \\bar u^n = \\bar n \\odot (1 - n^2), \\quad \\bar v^n = \\bar u^n \\odot r, \\quad
        \\bar r = \\bar u^n \\odot v^n,

    :math:`\\bar u^{r} = \\bar v^{r} = \\bar r \\odot r(1-r)`,
    :math:`\\bar u^{z} = \\bar v^{z} = \\bar z \\odot z(1-z)`,
    :math:`\\bar h_{t-1} = \\bar h_t \\odot z_t + W_{hh}^\\top \\bar v_t`;
    :math:`\\partial L/\\partial W_{ih} = \\sum_t \\bar u_t x_t^\\top`,
    :math:`\\partial L/\\partial W_{hh} = \\sum_t \\bar v_t h_{t-1}^\\top`,
    :math:`\\partial L/\\partial b_{ih} = \\sum_t \\bar u_t`,
    :math:`\\partial L/\\partial b_{hh} = \\sum_t \\bar v_t`.

    Parameters
    ----------
    n_in, n_hidden : int
        Input size and hidden size :math:`H`.
    init, rng, dtype
        As for :class:`LSTM`.

    Attributes
    ----------
    W_ih : Parameter, shape (3 * n_hidden, n_in)
        ``torch.nn.GRU``'s ``weight_ih_l0`` (blocks r, z, n).
    W_hh : Parameter, shape (3 * n_hidden, n_hidden)
        ``weight_hh_l0``.
    b_ih, b_hh : Parameter, shape (3 * n_hidden,)
        ``bias_ih_l0`` and ``bias_hh_l0``, copied one to one.
    dh0 : numpy.ndarray or None, shape (batch, n_hidden)
        :math:`\\partial L/\\partial h_0` from the last ``backward``.
    """

    n_gates = 3

    def __init__(
        self,
        n_in: int,
        n_hidden: int,
        *,
        init: str | float = "xavier",
        rng: np.random.Generator | int | None = None,
        dtype: type | np.dtype = np.float64,
    ) -> None:
        super().__init__(n_in, n_hidden, init=init, rng=rng, dtype=dtype)
        self.b_ih = Parameter(np.zeros(3 * self.n_hidden, dtype=self.dtype), "b_ih", kind="bias")
        self.b_hh = Parameter(np.zeros(3 * self.n_hidden, dtype=self.dtype), "b_hh", kind="bias")
        self.dh0: np.ndarray | None = None

    def forward(self, X: np.ndarray, h0: np.ndarray | None = None) -> np.ndarray:
        """Run the GRU over a batch of sequences.

        Parameters
        ----------
        X : numpy.ndarray, shape (batch, T, n_in)
        h0 : numpy.ndarray, shape (batch, n_hidden), optional
            Initial state (zeros by default).

        Returns
        -------
        H : numpy.ndarray, shape (batch, T, n_hidden)
        """
        X = self._check_input(X)
        n, T, _ = X.shape
        h0 = self._check_state(h0, "h0", n)
        Hd = self.n_hidden
        U = X @ self.W_ih.value.T + self.b_ih.value  # (n, T, 3H), input parts
        W_hh_T = self.W_hh.value.T
        acts = np.empty((n, T, 3 * Hd), dtype=self.dtype)  # r, z, n
        Vn = np.empty((n, T, Hd), dtype=self.dtype)  # v^n_t = W_hn h_{t-1} + b_hn
        Hs = np.empty((n, T, Hd), dtype=self.dtype)
        h = h0
        for t in range(T):
            v = h @ W_hh_T + self.b_hh.value
            r = _sigmoid(U[:, t, :Hd] + v[:, :Hd])
            z = _sigmoid(U[:, t, Hd : 2 * Hd] + v[:, Hd : 2 * Hd])
            nn = np.tanh(U[:, t, 2 * Hd :] + r * v[:, 2 * Hd :])
            h = (1.0 - z) * nn + z * h
            acts[:, t] = np.concatenate([r, z, nn], axis=1)
            Vn[:, t], Hs[:, t] = v[:, 2 * Hd :], h
        self._cache = (X, Hs, acts, Vn, h0)
        return Hs

    def backward(self, dL_dH: np.ndarray, *, input_grad: bool = True) -> np.ndarray | None:
        """Backpropagation through time.

        Parameters
        ----------
        dL_dH : numpy.ndarray, shape (batch, T, n_hidden)

        Returns
        -------
        dL_dX : numpy.ndarray, shape (batch, T, n_in), or None when ``input_grad=False``
            Also fills ``W_ih.grad``, ``W_hh.grad``, ``b_ih.grad``, ``b_hh.grad``, ``dh0``.
        """
        X, Hs, acts, Vn, h0 = self._cached("_cache")
        G = self._check_grad_shape(dL_dH, Hs.shape).astype(self.dtype, copy=False)
        n, T, Hd = Hs.shape
        W_hh = self.W_hh.value
        dU = np.empty((n, T, 3 * Hd), dtype=self.dtype)
        dV = np.empty((n, T, 3 * Hd), dtype=self.dtype)
        dh_next = np.zeros((n, Hd), dtype=self.dtype)
        for t in range(T - 1, -1, -1):
            r, z, nn = (acts[:, t, k * Hd : (k + 1) * Hd] for k in range(3))
            h_prev = Hs[:, t - 1] if t > 0 else h0
            dh = G[:, t] + dh_next
            du_n = dh * (1.0 - z) * (1.0 - nn * nn)
            da_r = du_n * Vn[:, t] * r * (1.0 - r)
            da_z = dh * (h_prev - nn) * z * (1.0 - z)
            dU[:, t] = np.concatenate([da_r, da_z, du_n], axis=1)
            dV[:, t] = np.concatenate([da_r, da_z, du_n * r], axis=1)
            dh_next = dh * z + dV[:, t] @ W_hh
        H_prev = np.concatenate([h0[:, None, :], Hs[:, :-1]], axis=1)
        self.W_ih.grad[...] = np.tensordot(dU, X, axes=([0, 1], [0, 1]))
        self.W_hh.grad[...] = np.tensordot(dV, H_prev, axes=([0, 1], [0, 1]))
        self.b_ih.grad[...] = dU.sum(axis=(0, 1))
        self.b_hh.grad[...] = dV.sum(axis=(0, 1))
        self.dh0 = dh_next
        return dU @ self.W_ih.value if input_grad else None
