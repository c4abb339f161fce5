"""The simple (Elman) recurrent layer with backpropagation through time.

For an input sequence :math:`x_1, \\dots, x_T` and an initial state
:math:`h_0` (zeros unless given), the layer computes

.. math::

    a_t = W_{hh} h_{t-1} + W_{xh} x_t + b, \\qquad h_t = \\tanh(a_t),
    \\qquad t = 1, \\dots, T,

and returns every hidden state.  Backpropagation through time (Werbos 1990)
runs the recursion backwards: with :math:`g_t = \\partial L/\\partial h_t`
the gradient arriving *directly* at step :math:`t` (from whatever reads
:math:`h_t`) and :math:`\\delta_t = \\partial L/\\partial a_t`,

.. math::

    \\delta_T = (1 - h_T^2) \\odot g_T, \\qquad
    \\delta_t = (1 - h_t^2) \\odot \\big(g_t + W_{hh}^\\top \\delta_{t+1}\\big),

.. math::

    \\frac{\\partial L}{\\partial W_{hh}} = \\sum_t \\delta_t h_{t-1}^\\top, \\quad
    \\frac{\\partial L}{\\partial W_{xh}} = \\sum_t \\delta_t x_t^\\top, \\quad
    \\frac{\\partial L}{\\partial b} = \\sum_t \\delta_t, \\quad
    \\frac{\\partial L}{\\partial x_t} = W_{xh}^\\top \\delta_t, \\quad
    \\frac{\\partial L}{\\partial h_0} = W_{hh}^\\top \\delta_1 .

The weights are shared across time, so their gradients are sums over
:math:`t`.  In code the examples are rows, so ``H[:, t] = tanh(H[:, t-1] @ W_hh.T +
X[:, t] @ W_xh.T + b)``; the loop runs over time (it must: step :math:`t`
needs step :math:`t-1`), never over examples.
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
from nnlib.layers.init import init_weights

__all__ = ["RNN"]


class RNN(Layer):
    """Single-layer tanh recurrent network (Elman 1990) that returns all hidden states.

    Parameters
    ----------
    n_in : int
        Size of each input vector :math:`x_t`.
    n_hidden : int
        Size of the hidden state :math:`h_t`.
    init : {"xavier", "he", "normal"} or float, keyword-only
        Initialisation of both weight matrices (see
        :func:`nnlib.layers.dense.init_weights`).  The default ``"xavier"``
        draws :math:`W_{hh}` with entries of variance :math:`1/m`
        (:math:`m` = ``n_hidden``), whose eigenvalues fill roughly the unit
        disc, i.e. spectral radius :math:`\\approx 1`.  Biases start at 0.
    rng : numpy.random.Generator or int or None, keyword-only
        Randomness for the initial weights.
    dtype : dtype, keyword-only
        ``np.float64`` (default) or ``np.float32``; inputs are cast to it.

    Attributes
    ----------
    W_xh : Parameter, shape (n_hidden, n_in)
        Input-to-hidden weights (``torch.nn.RNN``'s ``weight_ih_l0``).
    W_hh : Parameter, shape (n_hidden, n_hidden)
        Hidden-to-hidden (recurrent) weights (``weight_hh_l0``).
    b : Parameter, shape (n_hidden,)
        Bias (PyTorch has two, ``bias_ih_l0 + bias_hh_l0``; only their sum matters).
    dh0 : numpy.ndarray or None, shape (batch, n_hidden)
        :math:`\\partial L/\\partial h_0` from the last ``backward``.

    Examples
    --------
    >>> rnn = RNN(3, 5, rng=0)
    >>> rnn.forward(np.zeros((2, 7, 3))).shape   # (batch, T, n_hidden)
    (2, 7, 5)
    """

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
        self.n_in = check_positive_int(n_in, "n_in", "RNN")
        self.n_hidden = check_positive_int(n_hidden, "n_hidden", "RNN")
        self.dtype = as_float_dtype(dtype, "RNN")
        rng = as_rng(rng, "RNN")
        self.W_xh = Parameter(
            init_weights(self.n_in, self.n_hidden, init, rng, self.dtype), "W_xh", kind="weight"
        )
        self.W_hh = Parameter(
            init_weights(self.n_hidden, self.n_hidden, init, rng, self.dtype),
            "W_hh",
            kind="weight",
        )
        self.b = Parameter(np.zeros(self.n_hidden, dtype=self.dtype), "b", kind="bias")
        self.dh0: np.ndarray | None = None
        self._X: np.ndarray | None = None
        self._H: np.ndarray | None = None
        self._h0: np.ndarray | None = None

    def extra_repr(self) -> str:
        text = f"n_in={self.n_in}, n_hidden={self.n_hidden}"
        if self.dtype != np.float64:
            text += f", dtype={self.dtype.name}"
        return text

    def forward(self, X: np.ndarray, h0: np.ndarray | None = None) -> np.ndarray:
        """Run the recurrence over a batch of sequences.

        Parameters
        ----------
        X : numpy.ndarray, shape (batch, T, n_in)
            Input sequences, time along axis 1.
        h0 : numpy.ndarray, shape (batch, n_hidden), optional
            Initial states :math:`h_0` (zeros by default).

        Returns
        -------
        H : numpy.ndarray, shape (batch, T, n_hidden)
            Hidden states :math:`h_1, \\dots, h_T`.
        """
        X = self._check_input(X)
        where = self._where("forward")
        n, T, _ = X.shape
        if h0 is None:
            h0 = np.zeros((n, self.n_hidden), dtype=self.dtype)
        else:
            h0 = as_float_array(h0, "h0", where, dtype=self.dtype)
            if h0.shape != (n, self.n_hidden):
                raise ValueError(
                    f"{where}: expected h0 of shape ({n}, {self.n_hidden}), "
                    f"got {format_shape(h0.shape)}"
                )
        # the input part of every a_t in one matrix product, then the recurrence
        A = X @ self.W_xh.value.T + self.b.value  # (N, T, n_hidden)
        H = np.empty((n, T, self.n_hidden), dtype=self.dtype)
        h = h0
        W_hh_T = self.W_hh.value.T
        for t in range(T):
            h = np.tanh(A[:, t] + h @ W_hh_T)
            H[:, t] = h
        self._X, self._H, self._h0 = X, H, h0
        return H

    def _check_input(self, X: object) -> np.ndarray:
        X = super()._check_input(X)
        if X.ndim != 3 or X.shape[2] != self.n_in or X.shape[1] == 0:
            raise ValueError(
                f"{self._where('forward')}: expected X of shape (batch, T, {self.n_in}) "
                f"with T >= 1, got {format_shape(X.shape)}"
            )
        return X

    def backward(self, dL_dH: np.ndarray, *, input_grad: bool = True) -> np.ndarray | None:
        """Backpropagation through time.

        Parameters
        ----------
        dL_dH : numpy.ndarray, shape (batch, T, n_hidden)
            :math:`g_t = \\partial L/\\partial h_t` arriving directly at each step
            (zeros at the steps nothing reads).

        Returns
        -------
        dL_dX : numpy.ndarray, shape (batch, T, n_in)
            :math:`\\partial L/\\partial x_t`.  Also fills ``W_xh.grad``,
            ``W_hh.grad``, ``b.grad`` and the attribute ``dh0``.
        """
        X = self._cached("_X")
        H, h0 = self._cached("_H"), self._cached("_h0")
        G = self._check_grad_shape(dL_dH, H.shape).astype(self.dtype, copy=False)
        n, T, _ = H.shape
        W_hh = self.W_hh.value
        delta = np.empty_like(H)  # delta_t = dL/da_t
        carry = np.zeros((n, self.n_hidden), dtype=self.dtype)  # W_hh^T delta_{t+1}, as rows
        for t in range(T - 1, -1, -1):
            d = (G[:, t] + carry) * (1.0 - H[:, t] ** 2)
            delta[:, t] = d
            carry = d @ W_hh
        H_prev = np.concatenate([h0[:, None, :], H[:, :-1]], axis=1)  # h_0, ..., h_{T-1}
        # weight sharing: the gradients are sums over the batch *and* over time
        self.W_xh.grad[...] = np.tensordot(delta, X, axes=([0, 1], [0, 1]))
        self.W_hh.grad[...] = np.tensordot(delta, H_prev, axes=([0, 1], [0, 1]))
        self.b.grad[...] = delta.sum(axis=(0, 1))
        self.dh0 = carry
        if not input_grad:
            return None
        return delta @ self.W_xh.value
