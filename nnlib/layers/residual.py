"""The residual connection :math:`Y = X + F(X)` (He et al. 2016).

The Jacobian of a residual block is :math:`I + \\partial F/\\partial X`, so the
backward pass adds the gradient that flows through :math:`F` to the one that
skips it:

.. math::

    \\frac{\\partial L}{\\partial X} = \\frac{\\partial L}{\\partial Y}
    + \\Big(\\frac{\\partial F}{\\partial X}\\Big)^{\\top} \\frac{\\partial L}{\\partial Y} .

Even when :math:`\\partial F/\\partial X` is small the identity term carries the
gradient through many blocks unchanged, which is why very deep residual
networks train.
"""

from __future__ import annotations

import numpy as np

from nnlib._validation import format_shape
from nnlib.layers.base import Layer, Parameter

__all__ = ["Residual"]


class Residual(Layer):
    """A residual block :math:`Y = X + F(X)`, with :math:`F` the inner layers in order.

    Parameters
    ----------
    *layers : Layer
        The layers of :math:`F`, applied one after the other (at least one).
        :math:`F(X)` must have the shape of :math:`X`; a clear ``ValueError``
        is raised otherwise.

    Attributes
    ----------
    layers : list of Layer
        The inner layers.

    Notes
    -----
    Backward: :math:`\\partial L/\\partial X = \\partial L/\\partial Y +
    J_F^\\top\\,\\partial L/\\partial Y`, where the second term is the inner
    layers' ``backward`` chain applied to :math:`\\partial L/\\partial Y`.

    Examples
    --------
    >>> from nnlib.layers import Dense, ReLU
    >>> block = Residual(Dense(4, 4, rng=0), ReLU(), Dense(4, 4, rng=1))
    >>> block.forward(np.ones((2, 4))).shape
    (2, 4)
    """

    preserves_shape = True

    def __init__(self, *layers: Layer) -> None:
        super().__init__()
        if len(layers) == 1 and isinstance(layers[0], list | tuple):
            layers = tuple(layers[0])
        if not layers:
            raise ValueError("Residual: expected at least one inner layer, got none")
        for i, layer in enumerate(layers):
            if not isinstance(layer, Layer):
                raise TypeError(
                    f"Residual: expected Layer instances, got {type(layer).__name__} "
                    f"at position {i}"
                )
        self.layers: list[Layer] = list(layers)
        self._shape: tuple[int, ...] | None = None

    def extra_repr(self) -> str:
        return ", ".join(repr(layer) for layer in self.layers)

    def forward(self, X: np.ndarray) -> np.ndarray:
        """Compute :math:`X + F(X)`.

        Parameters
        ----------
        X : numpy.ndarray, shape (batch, ...)

        Returns
        -------
        Y : numpy.ndarray, shape like X
        """
        X = self._check_input(X)
        A = X
        for i, layer in enumerate(self.layers):
            try:
                A = layer.forward(A)
            except (ValueError, TypeError) as err:
                raise type(err)(f"{self._where('forward')}: inner layer ({i}): {err}") from err
        if A.shape != X.shape:
            raise ValueError(
                f"{self._where('forward')}: expected the inner layers F to keep the input "
                f"shape {format_shape(X.shape)} (Y = X + F(X)), got F(X) of shape "
                f"{format_shape(A.shape)}"
            )
        self._shape = X.shape
        return X + A

    def backward(self, dL_dY: np.ndarray, *, input_grad: bool = True) -> np.ndarray | None:
        """Return :math:`\\partial L/\\partial Y + J_F^\\top \\partial L/\\partial Y`.

        Parameters
        ----------
        dL_dY : numpy.ndarray, shape like the forward output
        input_grad : bool, keyword-only
            If ``False``, skip the first inner layer's input gradient and return ``None``.

        Returns
        -------
        dL_dX : numpy.ndarray, shape like the forward input, or None
        """
        shape = self._cached("_shape")
        dY = self._check_grad_shape(dL_dY, shape)
        grad: np.ndarray | None = dY
        for i in range(len(self.layers) - 1, -1, -1):
            assert grad is not None  # only the first inner layer may skip its dX
            try:
                grad = self.layers[i].backward(grad, input_grad=input_grad or i > 0)
            except (ValueError, TypeError) as err:
                raise type(err)(f"{self._where('backward')}: inner layer ({i}): {err}") from err
        return dY + grad if input_grad else None

    def parameters(self) -> list[Parameter]:
        """The inner layers' parameters, layer by layer."""
        return [p for layer in self.layers for p in layer.parameters()]

    def named_parameters(self) -> list[tuple[str, Parameter]]:
        """``[("layers[0].W", W), ("layers[0].b", b), ...]``."""
        named = []
        for i, layer in enumerate(self.layers):
            if hasattr(layer, "named_parameters"):
                named += [(f"layers[{i}].{n}", p) for n, p in layer.named_parameters()]
            else:
                named += [(f"layers[{i}].{p.name}", p) for p in layer.parameters()]
        return named

    def train(self, mode: bool = True) -> Residual:
        """Put the block and its inner layers in training (or evaluation) mode."""
        self.training = bool(mode)
        for layer in self.layers:
            layer.train(mode)
        return self
