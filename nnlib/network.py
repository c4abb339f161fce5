"""Networks as compositions of layers: :class:`Sequential` and :func:`mlp`."""

from __future__ import annotations

import numpy as np

from nnlib._validation import as_rng, check_positive_int
from nnlib.layers.activation import ACTIVATIONS
from nnlib.layers.base import Layer, Parameter
from nnlib.layers.dense import Dense

__all__ = ["Sequential", "mlp"]


class Sequential(Layer):
    """A feedforward network: layers applied one after the other.

    Forward pass (section 5.1 of the book), with :math:`a^0 = X`:

    .. math::

        a^{l} = f_l(a^{l-1}), \\quad l = 1, \\dots, L, \\qquad \\hat y = a^L .

    Backward pass (section 5.2): the chain rule, layer by layer in reverse,

    .. math::

        \\frac{\\partial L}{\\partial a^{l-1}} = f_l'^{\\top}\\,
        \\frac{\\partial L}{\\partial a^{l}},

    where each layer's ``backward`` also fills its parameters' ``.grad``.

    Parameters
    ----------
    *layers : Layer
        The layers, in order.  Widths of consecutive ``Dense`` layers (across
        shape-preserving layers such as activations and dropout) are checked.

    Attributes
    ----------
    layers : list of Layer
        The layers, in order.
    """

    def __init__(self, *layers: Layer) -> None:
        super().__init__()
        if len(layers) == 1 and isinstance(layers[0], list | tuple):
            layers = tuple(layers[0])
        for i, layer in enumerate(layers):
            if not isinstance(layer, Layer):
                raise TypeError(
                    f"Sequential: expected Layer instances, got {type(layer).__name__} "
                    f"at position {i}"
                )
        self.layers: list[Layer] = list(layers)
        self._check_widths()

    def _check_widths(self) -> None:
        width: int | None = None
        source = 0  # the layer that outputs `width` features
        for i, layer in enumerate(self.layers):
            n_in = getattr(layer, "n_in", None)
            if n_in is not None and width is not None and n_in != width:
                raise ValueError(
                    f"Sequential: layer ({i}) {layer!r} expects n_in={n_in}, but layer "
                    f"({source}) {self.layers[source]!r} outputs {width} features"
                )
            n_out = getattr(layer, "n_out", None)
            if n_out is not None:
                width, source = n_out, i
            elif not layer.preserves_shape:
                width = None

    # -- forward / backward -----------------------------------------------------------
    def forward(self, X: np.ndarray) -> np.ndarray:
        """Apply every layer in turn.

        Parameters
        ----------
        X : numpy.ndarray, shape (batch, n_in)

        Returns
        -------
        numpy.ndarray, shape (batch, n_out)
            The output :math:`a^L` (logits for a classifier).
        """
        X = self._check_input(X)
        A = X
        for i, layer in enumerate(self.layers):
            try:
                A = layer.forward(A)
            except (ValueError, TypeError) as err:
                raise type(err)(f"{err} [in Sequential layer ({i})]") from err
        return A

    def backward(self, dL_dY: np.ndarray, *, input_grad: bool = True) -> np.ndarray | None:
        """Backpropagate: fill every parameter's ``.grad`` and return ``dL_dX``.

        Parameters
        ----------
        dL_dY : numpy.ndarray, shape (batch, n_out)
            Gradient of the loss with respect to the network output (from
            ``loss.backward()``).
        input_grad : bool, keyword-only
            If ``False``, skip :math:`\\partial L/\\partial X` (the layers before
            the first trainable one are not visited, and that one only computes
            its parameter gradients) and return ``None``; training does this.

        Returns
        -------
        dL_dX : numpy.ndarray, shape (batch, n_in), or None
        """
        grad = dL_dY
        if input_grad:
            stop = 0
        else:
            first = next((i for i, layer in enumerate(self.layers) if layer.parameters()), None)
            if first is None:  # nothing to train
                return None
            stop = first
        for i in range(len(self.layers) - 1, stop, -1):
            result = self._backward_layer(i, grad, input_grad=True)
            if result is None:
                raise TypeError(
                    f"Sequential.backward: expected layer ({i}) {self.layers[i]!r} to return "
                    f"dL_dX, got None"
                )
            grad = result
        if not self.layers:
            return grad if input_grad else None
        return self._backward_layer(stop, grad, input_grad=input_grad)

    def _backward_layer(self, i: int, grad: np.ndarray, *, input_grad: bool) -> np.ndarray | None:
        layer = self.layers[i]
        try:
            if input_grad:  # the flag is passed only when it is False (the first trainable layer)
                return layer.backward(grad)
            return layer.backward(grad, input_grad=False)
        except (ValueError, TypeError) as err:
            raise type(err)(f"{err} [in Sequential layer ({i})]") from err

    def _check_input(self, X: object) -> np.ndarray:
        """Pass ``X`` on unchanged: every layer checks its own input (and names itself)."""
        return X  # type: ignore[return-value]

    def predict(self, X: np.ndarray, batch_size: int | None = None) -> np.ndarray:
        """Output of the network in evaluation mode (dropout off).

        The previous mode is restored afterwards.

        Parameters
        ----------
        X : numpy.ndarray, shape (n, n_in)
        batch_size : int, optional
            Process ``X`` in chunks of this many rows (saves memory).

        Returns
        -------
        numpy.ndarray, shape (n, n_out)
        """
        was_training = self.training
        self.eval()
        try:
            if batch_size is None:
                return self.forward(X)
            batch_size = check_positive_int(batch_size, "batch_size", "Sequential.predict")
            X = np.asarray(X)
            return np.concatenate(
                [self.forward(X[i : i + batch_size]) for i in range(0, len(X), batch_size)]
            )
        finally:
            self.train(was_training)

    # -- bookkeeping ------------------------------------------------------------------
    def parameters(self) -> list[Parameter]:
        """All parameters, layer by layer (``[W1, b1, W2, b2, ...]`` for an MLP)."""
        return [p for layer in self.layers for p in layer.parameters()]

    def named_parameters(self) -> list[tuple[str, Parameter]]:
        """``[("layers[0].W", W1), ("layers[0].b", b1), ...]``."""
        named = []
        for i, layer in enumerate(self.layers):
            if isinstance(layer, Sequential):
                named += [(f"layers[{i}].{n}", p) for n, p in layer.named_parameters()]
            else:
                named += [(f"layers[{i}].{p.name}", p) for p in layer.parameters()]
        return named

    def train(self, mode: bool = True) -> Sequential:
        """Put the network and all its layers in training mode (or evaluation mode)."""
        self.training = bool(mode)
        for layer in self.layers:
            layer.train(mode)
        return self

    def eval(self) -> Sequential:
        """Put the network and all its layers in evaluation mode."""
        return self.train(False)

    def __len__(self) -> int:
        return len(self.layers)

    def __getitem__(self, i: int) -> Layer:
        return self.layers[i]

    def __iter__(self):
        return iter(self.layers)

    def __repr__(self) -> str:
        if not self.layers:
            return "Sequential()"
        lines = [f"  ({i}): {layer!r}" for i, layer in enumerate(self.layers)]
        return "Sequential(\n" + "\n".join(lines) + "\n)"

    def summary(self) -> str:
        """A table of the layers and their parameter counts (deterministic text).

        Returns
        -------
        str
            One line per layer, then the total, e.g.::

                #   layer                      parameters
                0   Dense(n_in=2, n_out=3)              9
                1   ReLU()                              0
                2   Dense(n_in=3, n_out=1)              4
                total                                  13
        """
        names = [repr(layer).replace("\n", " ") for layer in self.layers]
        counts = [f"{layer.n_params:,}" for layer in self.layers]
        total = f"{self.n_params:,}"
        w_name = max([len("layer"), *map(len, names)])
        w_num = max([len("parameters"), len(total), *map(len, counts)])
        w_idx = max(2, len(str(len(self.layers) - 1)) + 1)
        lines = [f"{'#':<{w_idx}} {'layer':<{w_name}}  {'parameters':>{w_num}}"]
        for i, (name, count) in enumerate(zip(names, counts, strict=True)):
            lines.append(f"{i:<{w_idx}} {name:<{w_name}}  {count:>{w_num}}")
        lines.append(f"{'total':<{w_idx + 1 + w_name}}  {total:>{w_num}}")
        return "\n".join(lines)


def mlp(
    sizes: list[int] | tuple[int, ...],
    activation: str = "relu",
    rng: np.random.Generator | int | None = None,
    init: str | float | None = None,
    dtype: type | np.dtype = np.float64,
) -> Sequential:
    """Build a multilayer perceptron ``Dense, act, Dense, act, ..., Dense``.

    .. math::

        f_\\theta(x) = W^L \\sigma(\\cdots \\sigma(W^1 x + b^1) \\cdots) + b^L

    The last layer is linear: the network outputs logits (or regression
    values), which the losses take.  It has
    :math:`\\sum_{l=1}^{L} (m_l m_{l-1} + m_l)` parameters.

    Parameters
    ----------
    sizes : sequence of int, length >= 2
        Layer widths ``[m_0, m_1, ..., m_L]`` (input width first).
    activation : {"relu", "tanh", "sigmoid", "leaky_relu"}
        Hidden-layer activation.
    rng : numpy.random.Generator or int or None
        Randomness for the initial weights (one generator shared by all layers).
    init : {"he", "xavier", "normal"} or float, optional
        Weight initialisation; default ``"he"`` for relu/leaky_relu and
        ``"xavier"`` for tanh/sigmoid.
    dtype : dtype
        Parameter dtype.

    Returns
    -------
    Sequential
    """
    where = "mlp"
    sizes = list(sizes)
    if len(sizes) < 2:
        raise ValueError(f"{where}: expected at least 2 sizes (input and output), got {sizes}")
    for k, s in enumerate(sizes):
        check_positive_int(s, f"sizes[{k}]", where)
    if activation not in ACTIVATIONS or activation == "identity":
        choices = ", ".join(a for a in ACTIVATIONS if a != "identity")
        raise ValueError(f"{where}: expected activation in {{{choices}}}, got {activation!r}")
    if init is None:
        init = "he" if activation in ("relu", "leaky_relu") else "xavier"
    rng = as_rng(rng, where)
    layers: list[Layer] = []
    for l in range(1, len(sizes)):  # noqa: E741  (l is the book's layer index)
        layers.append(Dense(sizes[l - 1], sizes[l], init=init, rng=rng, dtype=dtype))
        if l < len(sizes) - 1:
            layers.append(ACTIVATIONS[activation]())
    return Sequential(*layers)
