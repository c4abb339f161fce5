"""Inverted dropout (Srivastava et al. 2014)."""

from __future__ import annotations

import numpy as np

from nnlib._validation import as_rng, check_probability, format_shape
from nnlib.layers.base import Layer

__all__ = ["Dropout"]


class Dropout(Layer):
    """Inverted dropout: drop each unit with probability ``p`` while training.

    In training mode a fresh mask :math:`m_{ij} \\sim \\mathrm{Bernoulli}(1-p)`
    (1 = keep) is drawn for every forward pass and

    .. math::

        \\tilde a = \\frac{m \\odot a}{1-p}, \\qquad
        \\frac{\\partial L}{\\partial a} = \\frac{m}{1-p} \\odot
        \\frac{\\partial L}{\\partial \\tilde a}.

    Scaling by :math:`1/(1-p)` during training keeps
    :math:`\\mathbb E[\\tilde a] = a`, so evaluation mode is the identity (the
    book's "use the expectation at test time", done at training time instead).
    Note that ``p`` is the probability of *dropping* (as in PyTorch), whereas
    the source's :math:`m \\sim \\mathrm{Bernoulli}(p)` uses the keep probability.

    Parameters
    ----------
    p : float in [0, 1)
        Probability of dropping a unit.
    rng : numpy.random.Generator or int or None
        Randomness for the masks (``None``: fresh entropy).

    Attributes
    ----------
    mask : numpy.ndarray or None, shape (batch, ...)
        The scaled mask :math:`m/(1-p)` of the last training-mode forward pass.
    """

    preserves_shape = True

    def __init__(self, p: float = 0.5, rng: np.random.Generator | int | None = None) -> None:
        super().__init__()
        self.p = check_probability(p, "p", "Dropout")
        self.rng = as_rng(rng, "Dropout")
        self.mask: np.ndarray | None = None
        self._shape: tuple[int, ...] | None = None

    def extra_repr(self) -> str:
        return f"p={self.p:g}"

    def forward(self, X: np.ndarray, *, mask: np.ndarray | None = None) -> np.ndarray:
        """Apply dropout.

        Parameters
        ----------
        X : numpy.ndarray, shape (batch, ...)
            Activations :math:`a`.
        mask : numpy.ndarray of {0, 1} or bool, shape like X, optional
            Use this keep-mask instead of drawing one (for gradient checks and
            worked examples).  Ignored in evaluation mode.

        Returns
        -------
        numpy.ndarray, shape like X
        """
        X = self._check_input(X)
        where = self._where("forward")
        self._shape = X.shape
        if not self.training or self.p == 0.0:
            self.mask = None
            return X
        scale = 1.0 / (1.0 - self.p)
        if mask is None:
            keep = self.rng.random(X.shape) >= self.p
        else:
            keep = np.asarray(mask)
            if keep.shape != X.shape:
                raise ValueError(
                    f"{where}: expected mask of shape {format_shape(X.shape)}, "
                    f"got {format_shape(keep.shape)}"
                )
        self.mask = keep.astype(X.dtype) * X.dtype.type(scale)
        return X * self.mask

    def backward(self, dL_dY: np.ndarray, *, input_grad: bool = True) -> np.ndarray | None:
        """Backward pass, :math:`\\partial L/\\partial a = (m/(1-p)) \\odot
        \\partial L/\\partial \\tilde a`.

        Parameters
        ----------
        dL_dY : numpy.ndarray, shape like the forward input

        Returns
        -------
        dL_dX : numpy.ndarray, same shape
        """
        shape = self._cached("_shape")
        dL_dY = self._check_grad_shape(dL_dY, shape)
        if not input_grad:
            return None
        if self.mask is None:  # evaluation mode or p == 0: identity
            return dL_dY
        return dL_dY * self.mask
