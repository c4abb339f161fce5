"""A small reverse-mode automatic differentiation engine on NumPy arrays.

Every operation creates a new :class:`Tensor` that remembers its inputs
(*parents*) and its **vector-Jacobian product** (VJP): given the gradient
:math:`\\bar y = \\partial L/\\partial y` of the output it returns each parent's
contribution :math:`\\bar x = J^\\top \\bar y`.  :meth:`Tensor.backward` visits the
graph once in reverse topological order (every node after all the nodes that
use it) and **adds** the contributions,

.. math::

    \\bar x = \\sum_{y \\,\\text{uses}\\, x} J_{y,x}^\\top \\bar y ,

so a value used twice (fan-out, weight sharing, a residual connection) gets
the sum of both gradients.  The VJPs, with :math:`\\odot` element-wise:

.. math::

    z = x + y:\\ \\bar x = \\bar z,\\ \\bar y = \\bar z; \\qquad
    z = x \\odot y:\\ \\bar x = \\bar z \\odot y; \\qquad
    Z = XY:\\ \\bar X = \\bar Z Y^\\top,\\ \\bar Y = X^\\top \\bar Z;

.. math::

    y = f(x)\\ \\text{element-wise}:\\ \\bar x = f'(x) \\odot \\bar y; \\qquad
    s = \\textstyle\\sum_i x_i:\\ \\bar x = \\bar s\\,\\mathbf 1; \\qquad
    p = \\mathrm{softmax}(x):\\ \\bar x = p \\odot (\\bar p - \\langle \\bar p, p\\rangle).

**Broadcasting** copies a value along new or length-1 axes; the VJP of a copy
is a sum, so the gradient of a broadcast operand is the output gradient summed
over the broadcast axes (:func:`unbroadcast`).

Examples
--------
>>> x = Tensor([1.0, 2.0], requires_grad=True)
>>> y = (x * x + x).sum()          # x is used three times
>>> y.backward()
>>> x.grad                          # 2x + 1
array([3., 5.])
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence
from typing import Any, cast

import numpy as np

from nnlib._validation import check_labels, format_shape

__all__ = [
    "Tensor",
    "cross_entropy",
    "exp",
    "log",
    "relu",
    "sigmoid",
    "softmax",
    "tanh",
    "unbroadcast",
]


def unbroadcast(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum ``grad`` over the axes that broadcasting added or stretched, down to ``shape``.

    Parameters
    ----------
    grad : numpy.ndarray, shape (...)
        Gradient with respect to a broadcast result.
    shape : tuple of int
        Shape of the operand before broadcasting.

    Returns
    -------
    numpy.ndarray, shape ``shape``
        :math:`\\bar x_{k} = \\sum_{\\text{copies } j \\text{ of } x_k} \\bar z_j`.
    """
    extra = grad.ndim - len(shape)
    if extra > 0:
        grad = grad.sum(axis=tuple(range(extra)))
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if stretched:
        grad = grad.sum(axis=stretched, keepdims=True)
    return grad.reshape(shape)


def _as_array(value: object) -> np.ndarray:
    arr = np.array(value, copy=True) if not isinstance(value, np.ndarray) else value.copy()
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"Tensor: expected a numeric array, got dtype {arr.dtype}")
    return arr if arr.dtype.kind == "f" else arr.astype(np.float64)


class Tensor:
    """An array that records the operations applied to it, for reverse-mode gradients.

    Parameters
    ----------
    value : array_like, shape (...)
        The data, copied into a float array (float64 unless already float).
    requires_grad : bool
        ``True`` for the leaves whose gradient is wanted (parameters, inputs).

    Attributes
    ----------
    value : numpy.ndarray, shape (...)
        The data.
    grad : numpy.ndarray or None, shape (...)
        :math:`\\partial L/\\partial\\,\\text{self}` after :meth:`backward`;
        ``None`` before.  For leaves repeated ``backward`` calls **add** to it
        (as in PyTorch; call :meth:`zero_grad` between steps); intermediate
        tensors hold the gradient of the latest call.
    requires_grad : bool
        Whether gradients flow to (and through) this tensor.
    """

    __array_ufunc__ = None  # make ``ndarray + Tensor`` call Tensor.__radd__

    def __init__(self, value: object, requires_grad: bool = False) -> None:
        self.value: np.ndarray = _as_array(value)
        self.requires_grad = bool(requires_grad)
        self.grad: np.ndarray | None = None
        self._parents: tuple[Tensor, ...] = ()
        self._vjp: Callable[[np.ndarray], Sequence[np.ndarray | None]] | None = None
        self._op = ""

    # -- building the graph ---------------------------------------------------------
    @staticmethod
    def _make(
        value: np.ndarray,
        parents: Sequence[Tensor],
        vjp: Callable[[np.ndarray], Sequence[np.ndarray | None]],
        op: str,
    ) -> Tensor:
        """A result node; it records parents and VJP only if some parent needs a gradient."""
        out = Tensor.__new__(Tensor)
        out.value, out.grad, out._op = value, None, op
        out.requires_grad = any(p.requires_grad for p in parents)
        out._parents = tuple(parents) if out.requires_grad else ()
        out._vjp = vjp if out.requires_grad else None
        return out

    @staticmethod
    def _lift(other: object) -> Tensor:
        return other if isinstance(other, Tensor) else Tensor(other)

    # -- properties -----------------------------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        """Shape of ``value``."""
        return self.value.shape

    @property
    def ndim(self) -> int:
        """Number of axes of ``value``."""
        return self.value.ndim

    def __repr__(self) -> str:
        op = f", op={self._op!r}" if self._op else ""
        rg = ", requires_grad=True" if self.requires_grad else ""
        return f"Tensor(shape={format_shape(self.shape)}{rg}{op})"

    def item(self) -> float:
        """The value of a one-element tensor as a Python float."""
        if self.value.size != 1:
            raise ValueError(
                f"Tensor.item: expected a one-element tensor, got shape {format_shape(self.shape)}"
            )
        return float(self.value.reshape(-1)[0])

    def detach(self) -> Tensor:
        """A new leaf with the same value and no history."""
        return Tensor(self.value)

    def zero_grad(self) -> None:
        """Forget the accumulated gradient (``grad = None``)."""
        self.grad = None

    # -- arithmetic (broadcasting: each VJP unbroadcasts to its operand's shape) --------
    def __add__(self, other: object) -> Tensor:
        o = self._lift(other)
        return self._make(
            self.value + o.value,
            (self, o),
            lambda g: (unbroadcast(g, self.shape), unbroadcast(g, o.shape)),
            "add",
        )

    __radd__ = __add__

    def __neg__(self) -> Tensor:
        return self._make(-self.value, (self,), lambda g: (-g,), "neg")

    def __sub__(self, other: object) -> Tensor:
        o = self._lift(other)
        return self._make(
            self.value - o.value,
            (self, o),
            lambda g: (unbroadcast(g, self.shape), unbroadcast(-g, o.shape)),
            "sub",
        )

    def __rsub__(self, other: object) -> Tensor:
        return self._lift(other) - self

    def __mul__(self, other: object) -> Tensor:
        o = self._lift(other)
        return self._make(
            self.value * o.value,
            (self, o),
            lambda g: (unbroadcast(g * o.value, self.shape), unbroadcast(g * self.value, o.shape)),
            "mul",
        )

    __rmul__ = __mul__

    def __truediv__(self, other: object) -> Tensor:
        o = self._lift(other)
        q = self.value / o.value
        return self._make(
            q,
            (self, o),
            # z = x / y: xbar = zbar / y,  ybar = -zbar x / y^2 = -zbar z / y
            lambda g: (
                unbroadcast(g / o.value, self.shape),
                unbroadcast(-g * q / o.value, o.shape),
            ),
            "div",
        )

    def __rtruediv__(self, other: object) -> Tensor:
        return self._lift(other) / self

    def __pow__(self, exponent: object) -> Tensor:
        if isinstance(exponent, Tensor):  # x ** y with y a tensor: ybar = zbar z log x
            y = exponent
            z = self.value**y.value
            return self._make(
                z,
                (self, y),
                lambda g: (
                    unbroadcast(g * y.value * self.value ** (y.value - 1), self.shape),
                    unbroadcast(g * z * np.log(self.value), y.shape),
                ),
                "pow",
            )
        if not isinstance(exponent, numbers.Real) or isinstance(exponent, bool):
            raise TypeError(
                f"Tensor.__pow__: expected a real exponent or a Tensor, "
                f"got {type(exponent).__name__}"
            )
        p = float(exponent)
        return self._make(
            self.value**p, (self,), lambda g: (g * p * self.value ** (p - 1),), f"pow{p:g}"
        )

    def __matmul__(self, other: object) -> Tensor:
        o = self._lift(other)
        if self.ndim == 0 or o.ndim == 0:
            raise ValueError(
                f"Tensor.__matmul__: expected operands with at least one axis, got shapes "
                f"{format_shape(self.shape)} and {format_shape(o.shape)}"
            )
        if self.shape[-1] != o.shape[-2 if o.ndim > 1 else 0]:
            raise ValueError(
                f"Tensor.__matmul__: expected inner dimensions to agree, got "
                f"{format_shape(self.shape)} @ {format_shape(o.shape)}"
            )

        def vjp(g: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            # promote vectors to matrices, Zbar = g: Xbar = g Y^T, Ybar = X^T g
            A = self.value[None, :] if self.ndim == 1 else self.value
            B = o.value[:, None] if o.ndim == 1 else o.value
            G = g
            if o.ndim == 1:
                G = G[..., None]
            if self.ndim == 1:
                G = G[..., None, :]
            dA = G @ np.swapaxes(B, -1, -2)
            dB = np.swapaxes(A, -1, -2) @ G
            if self.ndim == 1:
                dA = dA[..., 0, :]
            if o.ndim == 1:
                dB = dB[..., 0]
            return unbroadcast(dA, self.shape), unbroadcast(dB, o.shape)

        return self._make(self.value @ o.value, (self, o), vjp, "matmul")

    def __rmatmul__(self, other: object) -> Tensor:
        return self._lift(other) @ self

    # -- shapes and reductions ------------------------------------------------------
    @property
    def T(self) -> Tensor:  # noqa: N802 (the name of ndarray.T)
        """Transpose (all axes reversed, as ``ndarray.T``); its VJP is the transpose."""
        return self._make(self.value.T, (self,), lambda g: (g.T,), "T")

    def reshape(self, *shape: int | Sequence[int]) -> Tensor:
        """Same values, new shape; the VJP reshapes back."""
        if len(shape) == 1 and not isinstance(shape[0], numbers.Integral):
            new_shape = tuple(cast("Sequence[int]", shape[0]))
        else:
            new_shape = tuple(cast("tuple[int, ...]", shape))
        return self._make(
            self.value.reshape(new_shape), (self,), lambda g: (g.reshape(self.shape),), "reshape"
        )

    def __getitem__(self, index: Any) -> Tensor:
        def vjp(g: np.ndarray) -> tuple[np.ndarray]:
            out = np.zeros_like(self.value)
            np.add.at(out, index, g)  # repeated indices add up
            return (out,)

        return self._make(self.value[index], (self,), vjp, "getitem")

    def sum(self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Tensor:
        """Sum over ``axis``; the VJP copies the gradient back along the summed axes."""

        def vjp(g: np.ndarray) -> tuple[np.ndarray]:
            if not keepdims and axis is not None:
                g = np.expand_dims(g, axis)
            return (np.broadcast_to(g, self.shape).copy(),)

        return self._make(self.value.sum(axis=axis, keepdims=keepdims), (self,), vjp, "sum")

    def mean(self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Tensor:
        """Mean over ``axis``: the sum divided by the number of summed entries."""
        n_out = np.sum(self.value, axis=axis, keepdims=True).size  # entries left after the sum
        n = self.value.size // max(n_out, 1)
        return self.sum(axis=axis, keepdims=keepdims) * (1.0 / n)

    # -- element-wise functions -----------------------------------------------------
    def exp(self) -> Tensor:
        """:math:`e^x`, VJP :math:`e^x \\odot \\bar y`."""
        y = np.exp(self.value)
        return self._make(y, (self,), lambda g: (g * y,), "exp")

    def log(self) -> Tensor:
        """:math:`\\log x` for :math:`x \\ge 0`, VJP :math:`\\bar y / x`."""
        if np.any(self.value < 0):
            raise ValueError(
                f"Tensor.log: expected non-negative values, got minimum {self.value.min()!r}"
            )
        with np.errstate(divide="ignore"):
            y = np.log(self.value)
        return self._make(y, (self,), lambda g: (g / self.value,), "log")

    def tanh(self) -> Tensor:
        """:math:`\\tanh x`, VJP :math:`(1 - \\tanh^2 x) \\odot \\bar y`."""
        y = np.tanh(self.value)
        return self._make(y, (self,), lambda g: (g * (1.0 - y * y),), "tanh")

    def sigmoid(self) -> Tensor:
        """:math:`\\sigma(x)` (overflow-free), VJP :math:`\\sigma(1-\\sigma) \\odot \\bar y`."""
        e = np.exp(-np.abs(self.value))
        y = np.where(self.value >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
        return self._make(y, (self,), lambda g: (g * y * (1.0 - y),), "sigmoid")

    def relu(self) -> Tensor:
        """:math:`\\max(x, 0)`, VJP :math:`[x > 0] \\odot \\bar y`."""
        mask = self.value > 0
        return self._make(self.value * mask, (self,), lambda g: (g * mask,), "relu")

    # -- the backward pass ----------------------------------------------------------
    def backward(self, grad: object | None = None) -> None:
        """Fill ``.grad`` of every tensor this one depends on (that requires a gradient).

        Parameters
        ----------
        grad : array_like, optional
            :math:`\\partial L/\\partial\\,\\text{self}`, same shape as ``self``;
            may be omitted when ``self`` is a scalar (it is then 1).

        Notes
        -----
        The nodes are sorted topologically (depth-first search, iterative so
        deep graphs do not hit Python's recursion limit); walking that list
        backwards, each node's VJP runs once, after every consumer has added
        its contribution to the node's gradient.
        """
        if not self.requires_grad:
            raise ValueError(
                "Tensor.backward: expected a tensor that requires a gradient (some leaf "
                "with requires_grad=True), got one with requires_grad=False"
            )
        if grad is None:
            if self.value.size != 1:
                raise ValueError(
                    f"Tensor.backward: expected a scalar or an explicit grad, got shape "
                    f"{format_shape(self.shape)}"
                )
            grad = np.ones_like(self.value)
        grad = np.asarray(grad, dtype=self.value.dtype)
        if grad.shape != self.shape:
            raise ValueError(
                f"Tensor.backward: expected grad of shape {format_shape(self.shape)}, "
                f"got {format_shape(grad.shape)}"
            )
        order: list[Tensor] = []
        seen: set[int] = set()
        stack: list[tuple[Tensor, bool]] = [(self, False)]
        while stack:
            node, done = stack.pop()
            if done:
                order.append(node)  # all parents already placed: post-order
                continue
            if id(node) in seen:
                continue
            seen.add(id(node))
            stack.append((node, True))
            stack.extend((p, False) for p in node._parents if id(p) not in seen)
        grads: dict[int, np.ndarray] = {id(self): grad}
        for node in reversed(order):  # consumers before producers
            g = grads.pop(id(node), None)
            if g is None:
                continue
            if node._vjp is None:  # a leaf: accumulate across backward calls
                node.grad = g.copy() if node.grad is None else node.grad + g
                continue
            node.grad = g
            for parent, pg in zip(node._parents, node._vjp(g), strict=True):
                if pg is None or not parent.requires_grad:
                    continue
                if id(parent) in grads:
                    grads[id(parent)] = grads[id(parent)] + pg  # fan-out: gradients add
                else:
                    grads[id(parent)] = pg


# -- functions ------------------------------------------------------------------------
def _t(x: object) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


def exp(x: object) -> Tensor:
    """:math:`e^x` element-wise (see :meth:`Tensor.exp`)."""
    return _t(x).exp()


def log(x: object) -> Tensor:
    """:math:`\\log x` element-wise (see :meth:`Tensor.log`)."""
    return _t(x).log()


def tanh(x: object) -> Tensor:
    """:math:`\\tanh x` element-wise."""
    return _t(x).tanh()


def sigmoid(x: object) -> Tensor:
    """:math:`\\sigma(x) = 1/(1+e^{-x})` element-wise."""
    return _t(x).sigmoid()


def relu(x: object) -> Tensor:
    """:math:`\\max(x, 0)` element-wise."""
    return _t(x).relu()


def softmax(x: object, axis: int = -1) -> Tensor:
    """Softmax along ``axis`` (log-sum-exp shifted).

    .. math::

        p_i = \\frac{e^{x_i - \\max x}}{\\sum_k e^{x_k - \\max x}}, \\qquad
        \\bar x = p \\odot \\big(\\bar p - \\textstyle\\sum_k \\bar p_k p_k\\big).
    """
    x = _t(x)
    e = np.exp(x.value - x.value.max(axis=axis, keepdims=True))
    p = e / e.sum(axis=axis, keepdims=True)
    return Tensor._make(
        p, (x,), lambda g: (p * (g - (g * p).sum(axis=axis, keepdims=True)),), "softmax"
    )


def cross_entropy(logits: object, labels: object) -> Tensor:
    """Mean softmax cross-entropy of integer labels.

    .. math::

        L = -\\frac1N \\sum_n \\log \\mathrm{softmax}(z_n)_{y_n}, \\qquad
        \\frac{\\partial L}{\\partial z_n} = \\frac1N\\big(\\mathrm{softmax}(z_n) - e_{y_n}\\big).

    Parameters
    ----------
    logits : Tensor, shape (batch, n_classes)
    labels : array_like of int, shape (batch,)
        Class indices in ``[0, n_classes)``.

    Returns
    -------
    Tensor, shape ()
    """
    z = _t(logits)
    if z.ndim != 2:
        raise ValueError(
            f"cross_entropy: expected logits of shape (batch, n_classes), "
            f"got {format_shape(z.shape)}"
        )
    N, K = z.shape
    y = check_labels(labels, K, N, "cross_entropy")
    shifted = z.value - z.value.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -log_p[np.arange(N), y].mean()

    def vjp(g: np.ndarray) -> tuple[np.ndarray]:
        d = np.exp(log_p)
        d[np.arange(N), y] -= 1.0
        return (g * d / N,)

    return Tensor._make(np.asarray(loss, dtype=z.value.dtype), (z,), vjp, "cross_entropy")
