"""The two building blocks every layer uses: :class:`Parameter` and :class:`Layer`.

How to write a new layer
------------------------
Subclass :class:`Layer` and implement two methods; everything else
(``parameters``, ``zero_grad``, ``n_params``, ``train``/``eval``, ``__call__``,
``__repr__``) is inherited.

1. ``__init__``: call ``super().__init__()``, then create each learnable array
   as a :class:`Parameter` attribute, e.g.
   ``self.W = Parameter(W0, "W", kind="weight")`` and
   ``self.b = Parameter(np.zeros(n_out), "b", kind="bias")``.  The inherited
   :meth:`Layer.parameters` finds ``Parameter`` attributes (and lists/tuples of
   them) by itself, in the order they were assigned.  ``kind="weight"`` marks
   the arrays that L2/L1 penalties and ``weight_decay`` act on; biases (and
   e.g. normalisation gains) get ``kind="bias"`` and are left alone, as in the
   book's :math:`\\tfrac{\\lambda}{2}\\sum_l \\|W^l\\|_F^2`.
2. ``forward(X)``: start with ``X = self._check_input(X)`` (the inherited
   check turns ``X`` into a finite, non-empty float array, in ``self.dtype``
   when the layer has one; override ``_check_input`` and call
   ``super()._check_input(X)`` first to add shape checks; messages name the
   layer via ``self._where("forward")``), then the math, then **cache** what
   the backward pass needs on ``self`` (e.g. ``self._X = X``), and return the
   output ``Y``.  Read ``self.training`` if the layer behaves differently in
   training and evaluation (dropout, batch norm).
3. ``backward(dL_dY, *, input_grad=True)``: given :math:`\\partial L/\\partial Y`
   (same shape as ``Y``), **overwrite** each parameter's ``.grad`` with
   :math:`\\partial L/\\partial \\theta` and **return**
   :math:`\\partial L/\\partial X` (same shape as ``X``).  With
   ``input_grad=False`` skip :math:`\\partial L/\\partial X` and return
   ``None``: :class:`nnlib.network.Sequential` asks this of its first
   trainable layer during training, whose input gradient nobody needs (for
   ``Dense`` it saves one matrix product).  Raise via ``self._cached(...)``
   if ``forward`` has not been called.

Gradient convention: ``backward`` *overwrites* ``.grad`` (it does not add to
it), so one forward/backward pair gives exactly the gradient of that batch and
no ``zero_grad`` call is needed between steps.  ``zero_grad`` still exists
(optimisers call it, and it makes the intent explicit in notebooks).  A layer
that uses a parameter several times in one pass (weight sharing in a
recurrent or convolutional layer) sums the contributions *inside* its own
``backward`` before writing ``.grad``.  Code that adds extra terms, such as
:func:`nnlib.regularization.l2_penalty`, does so after ``backward``.

Layers whose output has the shape of their input (activations, dropout) set
the class attribute ``preserves_shape = True`` so that ``Sequential`` can
check the widths of the layers around them.  A new layer is also added to the
registry of ``tests/nnlib/test_layer_contract.py`` (one line), which checks its
gradients, float32 path, error messages and ``repr``.

Example
-------
A layer that scales its input by a learnable vector :math:`s`,
:math:`Y = X \\odot s`::

    class Scale(Layer):
        def __init__(self, n):
            super().__init__()
            self.s = Parameter(np.ones(n), "s", kind="weight")

        def forward(self, X):
            X = self._check_input(X)
            self._X = X
            return X * self.s.value

        def backward(self, dL_dY, *, input_grad=True):
            X = self._cached("_X")
            self.s.grad[...] = (dL_dY * X).sum(axis=0)   # dL/ds_j = sum_i dL/dY_ij X_ij
            if not input_grad:
                return None
            return dL_dY * self.s.value                  # dL/dX = dL/dY (.) s
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from nnlib._located import Located
from nnlib._validation import as_float_array, format_shape

__all__ = ["Layer", "Parameter"]

_KINDS = ("weight", "bias")


class Parameter:
    """A learnable array together with its gradient.

    Parameters
    ----------
    value : array_like, shape (...)
        Initial value, copied into a floating-point ``numpy.ndarray`` (float64
        unless ``value`` already has a float dtype); optimisers update it in
        place, so other code may hold a reference to ``.value``.
    name : str, optional
        Short name used in messages and summaries (``"W"``, ``"b"``).
    kind : {"weight", "bias"}, optional
        ``"weight"`` (the default) for arrays that regularisation and
        ``weight_decay`` act on, ``"bias"`` for the ones they leave alone.

    Attributes
    ----------
    value : numpy.ndarray, shape (...)
        The current value :math:`\\theta`.
    grad : numpy.ndarray, shape (...)
        :math:`\\partial L / \\partial \\theta`, same shape and dtype as
        ``value``; filled by the owning layer's ``backward`` (zeros at first).
    """

    __slots__ = ("grad", "kind", "name", "value")

    def __init__(self, value: Any, name: str = "param", *, kind: str = "weight") -> None:
        value = np.array(value, copy=True)
        if value.dtype.kind != "f":
            value = value.astype(np.float64)
        if kind not in _KINDS:
            raise ValueError(f"Parameter {name!r}: expected kind in {_KINDS}, got {kind!r}")
        self.value: np.ndarray = value
        self.grad: np.ndarray = np.zeros_like(value)
        self.name = str(name)
        self.kind = kind

    @property
    def shape(self) -> tuple[int, ...]:
        """Shape of ``value``."""
        return self.value.shape

    @property
    def size(self) -> int:
        """Number of scalars in ``value``."""
        return int(self.value.size)

    @property
    def dtype(self) -> np.dtype:
        """Dtype of ``value``."""
        return self.value.dtype

    @property
    def is_weight(self) -> bool:
        """``True`` if regularisation and weight decay act on this parameter."""
        return self.kind == "weight"

    def zero_grad(self) -> None:
        """Set ``grad`` to zero in place."""
        self.grad.fill(0.0)

    def __repr__(self) -> str:
        return (
            f"Parameter(name={self.name!r}, shape={format_shape(self.shape)}, kind={self.kind!r})"
        )


class Layer(Located):
    """Base class of every layer (see the module docstring for how to write one).

    Attributes
    ----------
    training : bool
        ``True`` in training mode (the default), ``False`` after :meth:`eval`.
    preserves_shape : bool
        Class attribute: ``True`` if the output always has the input's shape.
    input_name : str
        Class attribute: the input's name in error messages (``"X"``; ``"Z"``
        for the activations, whose input is a pre-activation).
    """

    preserves_shape: ClassVar[bool] = False
    input_name: ClassVar[str] = "X"

    def __init__(self) -> None:
        self.training = True

    # -- the two methods a layer implements -------------------------------------------
    def forward(self, X: np.ndarray) -> np.ndarray:
        """Compute the output ``Y`` for a batch ``X`` and cache what ``backward`` needs."""
        raise NotImplementedError(f"{type(self).__name__} must implement forward")

    def backward(self, dL_dY: np.ndarray, *, input_grad: bool = True) -> np.ndarray | None:
        """Fill the parameters' ``.grad``; return ``dL_dX`` (``None`` if not ``input_grad``)."""
        raise NotImplementedError(f"{type(self).__name__} must implement backward")

    # -- inherited machinery ----------------------------------------------------------
    def __call__(self, X: np.ndarray) -> np.ndarray:
        return self.forward(X)

    def parameters(self) -> list[Parameter]:
        """Learnable parameters, in the order they were assigned in ``__init__``."""
        params: list[Parameter] = []
        for value in vars(self).values():
            if isinstance(value, Parameter):
                params.append(value)
            elif isinstance(value, list | tuple):
                params.extend(v for v in value if isinstance(v, Parameter))
        return params

    @property
    def n_params(self) -> int:
        """Total number of learnable scalars."""
        return sum(p.size for p in self.parameters())

    def zero_grad(self) -> None:
        """Set every parameter's ``grad`` to zero."""
        for p in self.parameters():
            p.zero_grad()

    def train(self, mode: bool = True) -> Layer:
        """Switch to training mode (``mode=True``) or evaluation mode; returns ``self``."""
        self.training = bool(mode)
        return self

    def eval(self) -> Layer:
        """Switch to evaluation mode (dropout off); returns ``self``."""
        return self.train(False)

    def _check_input(self, X: object) -> np.ndarray:
        """The input of ``forward`` as a finite, non-empty float array.

        In ``self.dtype`` when the layer has that attribute (no copy when ``X``
        already has it), otherwise float arrays keep their dtype and the rest
        become float64.  Subclasses add their shape checks after calling this.
        """
        dtype = getattr(self, "dtype", None)
        return as_float_array(X, self.input_name, self._where("forward"), dtype=dtype)

    def _check_grad_shape(self, dL_dY: np.ndarray, expected: tuple[int, ...]) -> np.ndarray:
        """Check that the incoming gradient has the shape of the cached output."""
        dL_dY = np.asarray(dL_dY)
        if dL_dY.shape != expected:
            raise ValueError(
                f"{self._where('backward')}: expected dL_dY of shape {format_shape(expected)} "
                f"(the shape of the forward output), got {format_shape(dL_dY.shape)}"
            )
        return dL_dY
