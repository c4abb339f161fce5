"""Batch normalisation and layer normalisation, forward and the full backward pass.

Both layers standardise a vector of :math:`D` features with a mean
:math:`\\mu` and a (biased) variance :math:`\\sigma^2` and then rescale it with
learnable :math:`\\gamma, \\beta \\in \\mathbb R^D`:

.. math::

    \\hat x = \\frac{x - \\mu}{\\sqrt{\\sigma^2 + \\varepsilon}}, \\qquad
    y = \\gamma \\odot \\hat x + \\beta .

They differ only in *what* is averaged: batch normalisation (Ioffe & Szegedy
2015) averages each feature over the :math:`N` examples of the batch, layer
normalisation (Ba, Kiros & Hinton 2016) averages each example over its
:math:`D` features.  Because :math:`\\mu` and :math:`\\sigma^2` depend on every
input of the group they average over, the backward pass has three terms (the
direct path, the path through :math:`\\mu`, the path through :math:`\\sigma^2`);
for a group of :math:`m` values with :math:`g = \\gamma \\odot \\partial L/\\partial y`,

.. math::

    \\frac{\\partial L}{\\partial x_i} = \\frac{1}{m\\sqrt{\\sigma^2 + \\varepsilon}}
    \\Big( m\\, g_i - \\sum_{k} g_k - \\hat x_i \\sum_k g_k \\hat x_k \\Big),
    \\qquad
    \\frac{\\partial L}{\\partial \\gamma} = \\sum \\frac{\\partial L}{\\partial y}\\odot\\hat x,
    \\qquad
    \\frac{\\partial L}{\\partial \\beta} = \\sum \\frac{\\partial L}{\\partial y} .

The conventions are PyTorch's (``torch.nn.BatchNorm1d``, ``torch.nn.LayerNorm``),
so that the parameters copy across and the outputs agree.
"""

from __future__ import annotations

import numbers

import numpy as np

from nnlib._validation import (
    as_float_dtype,
    check_in_range,
    check_positive_int,
    format_shape,
)
from nnlib.layers.base import Layer, Parameter

__all__ = ["BatchNorm", "LayerNorm"]


def _check_eps(eps: object, where: str) -> float:
    if not isinstance(eps, numbers.Real) or isinstance(eps, bool):
        raise TypeError(f"{where}: expected eps to be a real number, got {type(eps).__name__}")
    return check_in_range(eps, "eps", where, low=0.0, low_open=True)


def _normalised_backward(
    G: np.ndarray, X_hat: np.ndarray, inv_std: np.ndarray, axis: int
) -> np.ndarray:
    """The three-term gradient through mean and variance along ``axis``.

    ``G`` is :math:`g = \\gamma\\odot\\partial L/\\partial y`; the result is
    :math:`\\frac{1}{m\\sqrt{\\sigma^2+\\varepsilon}}(m g - \\sum g - \\hat x \\sum g \\hat x)`.
    """
    m = G.shape[axis]
    sum_g = G.sum(axis=axis, keepdims=True)
    sum_gx = (G * X_hat).sum(axis=axis, keepdims=True)
    return (inv_std / m) * (m * G - sum_g - X_hat * sum_gx)


class BatchNorm(Layer):
    """Batch normalisation over the batch axis (``torch.nn.BatchNorm1d``).

    In training mode each feature :math:`j` is normalised with the batch mean
    and the **biased** batch variance,

    .. math::

        \\mu_j = \\frac1N \\sum_i X_{ij}, \\qquad
        \\sigma_j^2 = \\frac1N \\sum_i (X_{ij} - \\mu_j)^2, \\qquad
        Y_{ij} = \\gamma_j \\frac{X_{ij} - \\mu_j}{\\sqrt{\\sigma_j^2 + \\varepsilon}} + \\beta_j,

    and the running statistics are updated with the **unbiased** variance
    (momentum :math:`\\rho`):

    .. math::

        \\bar\\mu \\leftarrow (1-\\rho)\\bar\\mu + \\rho\\mu, \\qquad
        \\bar\\sigma^2 \\leftarrow (1-\\rho)\\bar\\sigma^2 + \\rho \\frac{N}{N-1}\\sigma^2 .

    In evaluation mode (``eval()``) :math:`\\bar\\mu, \\bar\\sigma^2` replace the
    batch statistics, so the layer is a fixed affine map with
    :math:`\\partial L/\\partial X = \\gamma \\odot \\partial L/\\partial Y /
    \\sqrt{\\bar\\sigma^2+\\varepsilon}`.  In training mode the backward pass is
    the three-term formula (batch axis, :math:`m = N`)

    .. math::

        \\frac{\\partial L}{\\partial X_{ij}} =
        \\frac{1}{N\\sqrt{\\sigma_j^2+\\varepsilon}}\\Big(N g_{ij} - \\sum_k g_{kj}
        - \\hat X_{ij}\\sum_k g_{kj}\\hat X_{kj}\\Big), \\qquad
        g = \\gamma \\odot \\frac{\\partial L}{\\partial Y} .

    A batch of one example has no variance to estimate, so training mode
    rejects it (as PyTorch does).

    Parameters
    ----------
    n_features : int
        Number of features :math:`D` (columns of the input).
    eps : float, keyword-only
        :math:`\\varepsilon > 0` added to the variance.
    momentum : float, keyword-only
        :math:`\\rho \\in [0, 1]` of the running averages (PyTorch's meaning: the
        weight of the *new* batch).

    dtype : numpy dtype, keyword-only
        float64 (default) or float32, for the parameters and the computation.

    Attributes
    ----------
    gamma : Parameter, shape (n_features,)
        Scale :math:`\\gamma`, starts at 1 (``weight`` in PyTorch).
    beta : Parameter, shape (n_features,)
        Shift :math:`\\beta`, starts at 0 (``bias`` in PyTorch).
    running_mean : numpy.ndarray, shape (n_features,)
        :math:`\\bar\\mu`, starts at 0.
    running_var : numpy.ndarray, shape (n_features,)
        :math:`\\bar\\sigma^2`, starts at 1.

    Examples
    --------
    >>> bn = BatchNorm(3)
    >>> Y = bn.forward(np.arange(12.0).reshape(4, 3))
    >>> np.allclose(Y.mean(axis=0), 0.0)
    True
    """

    preserves_shape = True

    def __init__(
        self,
        n_features: int,
        *,
        eps: float = 1e-5, momentum: float = 0.1,
        dtype: type | np.dtype = np.float64,
    ) -> None:
        super().__init__()
        self.dtype = as_float_dtype(dtype, "BatchNorm")
        self.n_features = check_positive_int(n_features, "n_features", "BatchNorm")
        self.eps = _check_eps(eps, "BatchNorm")
        self.momentum = check_in_range(momentum, "momentum", "BatchNorm", low=0.0, high=1.0)
        self.gamma = Parameter(np.ones(self.n_features, dtype=self.dtype), "gamma", kind="bias")
        self.beta = Parameter(np.zeros(self.n_features, dtype=self.dtype), "beta", kind="bias")
        self.running_mean = np.zeros(self.n_features, dtype=self.dtype)
        self.running_var = np.ones(self.n_features, dtype=self.dtype)
        self._cache: tuple[np.ndarray, np.ndarray, bool] | None = None

    def extra_repr(self) -> str:
        text = f"n_features={self.n_features}"
        if self.eps != 1e-5:
            text += f", eps={self.eps:g}"
        if self.momentum != 0.1:
            text += f", momentum={self.momentum:g}"
        return text

    def forward(self, X: np.ndarray) -> np.ndarray:
        """Normalise a batch.

        Parameters
        ----------
        X : numpy.ndarray, shape (batch, n_features)

        Returns
        -------
        Y : numpy.ndarray, shape (batch, n_features)
        """
        X = self._check_input(X)
        where = self._where("forward")
        N = X.shape[0]
        if self.training:
            if N < 2:
                raise ValueError(
                    f"{where}: expected a batch of at least 2 examples in training mode "
                    f"(the batch variance of one example is undefined), got batch of {N}; "
                    f"call eval() to use the running statistics"
                )
            mu = X.mean(axis=0)
            var = ((X - mu) ** 2).mean(axis=0)  # biased, used to normalise
            rho = self.momentum
            self.running_mean = (1 - rho) * self.running_mean + rho * mu
            self.running_var = (1 - rho) * self.running_var + rho * var * (N / (N - 1))
        else:
            mu, var = self.running_mean, self.running_var
        inv_std = (1.0 / np.sqrt(var + self.eps)).astype(X.dtype, copy=False)
        X_hat = (X - mu.astype(X.dtype, copy=False)) * inv_std
        self._cache = (X_hat, inv_std, self.training)
        return X_hat * self.gamma.value.astype(X.dtype) + self.beta.value.astype(X.dtype)

    def _check_input(self, X: object) -> np.ndarray:
        X = super()._check_input(X)
        if X.ndim != 2 or X.shape[1] != self.n_features:
            raise ValueError(
                f"{self._where('forward')}: expected X of shape (batch, {self.n_features}), "
                f"got {format_shape(X.shape)}"
            )
        return X

    def backward(self, dL_dY: np.ndarray, *, input_grad: bool = True) -> np.ndarray | None:
        """Fill ``gamma.grad``, ``beta.grad`` and return ``dL_dX`` (three-term formula).

        Parameters
        ----------
        dL_dY : numpy.ndarray, shape (batch, n_features)
        input_grad : bool, keyword-only
            If ``False``, fill the parameter gradients only and return ``None``.

        Returns
        -------
        dL_dX : numpy.ndarray, shape (batch, n_features), or None
        """
        X_hat, inv_std, training = self._cached("_cache")
        dY = self._check_grad_shape(dL_dY, X_hat.shape).astype(X_hat.dtype, copy=False)
        self.gamma.grad[...] = (dY * X_hat).sum(axis=0)
        self.beta.grad[...] = dY.sum(axis=0)
        if not input_grad:
            return None
        G = dY * self.gamma.value.astype(X_hat.dtype)
        if not training:  # running statistics are constants
            return G * inv_std
        return _normalised_backward(G, X_hat, inv_std, axis=0)


class LayerNorm(Layer):
    """Layer normalisation over the last axis (``torch.nn.LayerNorm(n_features)``).

    Each example (each row; for sequences each position) is normalised over
    its own :math:`D` features with the biased variance,

    .. math::

        \\mu = \\frac1D \\sum_j x_j, \\qquad \\sigma^2 = \\frac1D \\sum_j (x_j-\\mu)^2,
        \\qquad y = \\gamma\\odot\\frac{x-\\mu}{\\sqrt{\\sigma^2+\\varepsilon}} + \\beta,

    identically in training and evaluation.  Backward (feature axis, :math:`m = D`):

    .. math::

        \\frac{\\partial L}{\\partial x_j} =
        \\frac{1}{D\\sqrt{\\sigma^2+\\varepsilon}}\\Big(D g_j - \\sum_k g_k
        - \\hat x_j\\sum_k g_k\\hat x_k\\Big), \\qquad
        g = \\gamma \\odot \\frac{\\partial L}{\\partial y} .

    Parameters
    ----------
    n_features : int
        Size :math:`D` of the last axis.
    eps : float, keyword-only
        :math:`\\varepsilon > 0` added to the variance.

    dtype : numpy dtype, keyword-only
        float64 (default) or float32, for the parameters and the computation.

    Attributes
    ----------
    gamma : Parameter, shape (n_features,)
        Scale, starts at 1 (``weight`` in PyTorch).
    beta : Parameter, shape (n_features,)
        Shift, starts at 0 (``bias`` in PyTorch).
    """

    preserves_shape = True

    def __init__(
        self,
        n_features: int,
        *,
        eps: float = 1e-5,
        dtype: type | np.dtype = np.float64,
    ) -> None:
        super().__init__()
        self.dtype = as_float_dtype(dtype, "LayerNorm")
        self.n_features = check_positive_int(n_features, "n_features", "LayerNorm")
        self.eps = _check_eps(eps, "LayerNorm")
        self.gamma = Parameter(np.ones(self.n_features, dtype=self.dtype), "gamma", kind="bias")
        self.beta = Parameter(np.zeros(self.n_features, dtype=self.dtype), "beta", kind="bias")
        self._cache: tuple[np.ndarray, np.ndarray] | None = None

    def extra_repr(self) -> str:
        text = f"n_features={self.n_features}"
        if self.eps != 1e-5:
            text += f", eps={self.eps:g}"
        return text

    def forward(self, X: np.ndarray) -> np.ndarray:
        """Normalise every row (every position) over its features.

        Parameters
        ----------
        X : numpy.ndarray, shape (..., n_features)
            E.g. ``(batch, n_features)`` or ``(batch, T, n_features)``.

        Returns
        -------
        Y : numpy.ndarray, shape (..., n_features)
        """
        X = self._check_input(X)
        mu = X.mean(axis=-1, keepdims=True)
        var = ((X - mu) ** 2).mean(axis=-1, keepdims=True)
        inv_std = 1.0 / np.sqrt(var + self.eps)
        X_hat = (X - mu) * inv_std
        self._cache = (X_hat, inv_std)
        return X_hat * self.gamma.value.astype(X.dtype) + self.beta.value.astype(X.dtype)

    def _check_input(self, X: object) -> np.ndarray:
        X = super()._check_input(X)
        if X.ndim < 2 or X.shape[-1] != self.n_features:
            raise ValueError(
                f"{self._where('forward')}: expected X of shape (batch, ..., {self.n_features}), "
                f"got {format_shape(X.shape)}"
            )
        return X

    def backward(self, dL_dY: np.ndarray, *, input_grad: bool = True) -> np.ndarray | None:
        """Fill ``gamma.grad``, ``beta.grad`` and return ``dL_dX`` (three-term formula).

        Parameters
        ----------
        dL_dY : numpy.ndarray, shape (..., n_features)
        input_grad : bool, keyword-only
            If ``False``, fill the parameter gradients only and return ``None``.

        Returns
        -------
        dL_dX : numpy.ndarray, shape (..., n_features), or None
        """
        X_hat, inv_std = self._cached("_cache")
        dY = self._check_grad_shape(dL_dY, X_hat.shape).astype(X_hat.dtype, copy=False)
        D = self.n_features
        self.gamma.grad[...] = (dY * X_hat).reshape(-1, D).sum(axis=0)
        self.beta.grad[...] = dY.reshape(-1, D).sum(axis=0)
        if not input_grad:
            return None
        return _normalised_backward(
            dY * self.gamma.value.astype(X_hat.dtype), X_hat, inv_std, axis=-1
        )
