"""Activation functions, their derivatives, and the corresponding layers.

The functions act element-wise on arrays of any shape (``softmax`` along
``axis``); the derivatives take the **pre-activation** ``z``, as in the book's
:math:`\\sigma'(z)`.  The layer classes (:class:`Sigmoid`, :class:`Tanh`,
:class:`ReLU`, :class:`LeakyReLU`, :class:`Softmax`, :class:`Identity`) wrap
them for use in :class:`nnlib.network.Sequential`; their ``backward`` computes
:math:`\\partial L/\\partial z = \\partial L/\\partial a \\odot \\sigma'(z)`
(for softmax, the Jacobian-vector product).

All functions are numerically stable: ``sigmoid`` never evaluates
:math:`e^{t}` for :math:`t > 0`, ``softmax`` subtracts the row maximum, so
inputs like ``±1e4`` give finite results without warnings.
"""

from __future__ import annotations

import numpy as np

from nnlib._validation import as_float_array, check_in_range
from nnlib.layers.base import Layer

__all__ = [
    "Identity",
    "LeakyReLU",
    "ReLU",
    "Sigmoid",
    "Softmax",
    "Tanh",
    "leaky_relu",
    "leaky_relu_grad",
    "log_softmax",
    "relu",
    "relu_grad",
    "sigmoid",
    "sigmoid_grad",
    "softmax",
    "softmax_jacobian",
    "tanh",
    "tanh_grad",
]


def _as_float(z: object) -> np.ndarray:
    z = np.asarray(z)
    if z.dtype.kind not in "f":
        if z.dtype.kind not in "biu":
            raise TypeError(f"expected a numeric array, got dtype {z.dtype}")
        z = z.astype(np.float64)
    return z


# ---------------------------------------------------------------------------------------
# functions
# ---------------------------------------------------------------------------------------
def sigmoid(z: np.ndarray) -> np.ndarray:
    """Logistic sigmoid, computed without overflow.

    .. math::

        \\sigma(z) = \\frac{1}{1 + e^{-z}}
        = \\begin{cases} \\dfrac{1}{1+e^{-|z|}} & z \\ge 0 \\\\[1ex]
                         \\dfrac{e^{-|z|}}{1+e^{-|z|}} & z < 0 \\end{cases}

    Parameters
    ----------
    z : array_like, shape (...)

    Returns
    -------
    numpy.ndarray, shape (...)
        Values in :math:`[0, 1]`.
    """
    z = _as_float(z)
    e = np.exp(-np.abs(z))  # e^{-|z|} in (0, 1]: never overflows
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(z.dtype, copy=False)


def sigmoid_grad(z: np.ndarray) -> np.ndarray:
    """Derivative of the sigmoid, :math:`\\sigma'(z) = \\sigma(z)\\,(1 - \\sigma(z))`.

    Computed in the equal, symmetric form

    .. math::

        \\sigma'(z) = \\frac{e^{-|z|}}{(1 + e^{-|z|})^2},

    which keeps full relative accuracy in the tails: :math:`\\sigma(1-\\sigma)`
    rounds :math:`1 - \\sigma(z)` to 0 once :math:`z \\gtrsim 37` and loses
    digits well before that.

    Parameters
    ----------
    z : array_like, shape (...)

    Returns
    -------
    numpy.ndarray, shape (...)
        Values in :math:`[0, 1/4]`.
    """
    z = _as_float(z)
    e = np.exp(-np.abs(z))  # e^{-|z|} in (0, 1]: never overflows
    return (e / (1.0 + e) ** 2).astype(z.dtype, copy=False)


def tanh(z: np.ndarray) -> np.ndarray:
    """Hyperbolic tangent :math:`\\tanh z = (e^z - e^{-z})/(e^z + e^{-z})`.

    Parameters
    ----------
    z : array_like, shape (...)

    Returns
    -------
    numpy.ndarray, shape (...)
    """
    return np.tanh(_as_float(z))


def tanh_grad(z: np.ndarray) -> np.ndarray:
    """Derivative of tanh, :math:`\\tanh'(z) = 1 - \\tanh^2 z`.

    Parameters
    ----------
    z : array_like, shape (...)

    Returns
    -------
    numpy.ndarray, shape (...)
    """
    t = np.tanh(_as_float(z))
    return 1.0 - t * t


def relu(z: np.ndarray) -> np.ndarray:
    """Rectified linear unit :math:`\\mathrm{ReLU}(z) = \\max(0, z)`.

    Parameters
    ----------
    z : array_like, shape (...)

    Returns
    -------
    numpy.ndarray, shape (...)
    """
    z = _as_float(z)
    return np.maximum(z, 0.0).astype(z.dtype, copy=False)


def relu_grad(z: np.ndarray) -> np.ndarray:
    """(Sub)derivative of ReLU: :math:`1` for :math:`z > 0`, else :math:`0` (also at 0).

    Parameters
    ----------
    z : array_like, shape (...)

    Returns
    -------
    numpy.ndarray, shape (...)
    """
    z = _as_float(z)
    return (z > 0).astype(z.dtype)


def leaky_relu(z: np.ndarray, alpha: float = 0.01) -> np.ndarray:
    """Leaky ReLU :math:`\\max(\\alpha z, z)` for :math:`0 < \\alpha < 1`.

    Parameters
    ----------
    z : array_like, shape (...)
    alpha : float
        Slope for negative inputs.

    Returns
    -------
    numpy.ndarray, shape (...)
    """
    z = _as_float(z)
    return np.where(z > 0, z, alpha * z).astype(z.dtype, copy=False)


def leaky_relu_grad(z: np.ndarray, alpha: float = 0.01) -> np.ndarray:
    """Derivative of leaky ReLU: :math:`1` for :math:`z > 0`, :math:`\\alpha` otherwise.

    Parameters
    ----------
    z : array_like, shape (...)
    alpha : float

    Returns
    -------
    numpy.ndarray, shape (...)
    """
    z = _as_float(z)
    return np.where(z > 0, 1.0, alpha).astype(z.dtype)


def softmax(z: np.ndarray, axis: int = -1) -> np.ndarray:
    """Softmax along ``axis``, with the maximum subtracted first.

    .. math::

        \\mathrm{softmax}(z)_k = \\frac{e^{z_k}}{\\sum_j e^{z_j}}
        = \\frac{e^{z_k - \\max_j z_j}}{\\sum_j e^{z_j - \\max_j z_j}}

    Parameters
    ----------
    z : array_like, shape (..., K, ...)
        Logits.
    axis : int
        The class axis.

    Returns
    -------
    numpy.ndarray, shape like z
        Probabilities; they sum to 1 along ``axis``.
    """
    z = _as_float(z)
    e = z - np.max(z, axis=axis, keepdims=True)
    np.exp(e, out=e)
    e /= np.sum(e, axis=axis, keepdims=True)
    return e


def log_softmax(z: np.ndarray, axis: int = -1) -> np.ndarray:
    """Log of the softmax by the log-sum-exp trick.

    .. math::

        \\log \\mathrm{softmax}(z)_k = z_k - m - \\log \\sum_j e^{z_j - m},
        \\qquad m = \\max_j z_j

    Parameters
    ----------
    z : array_like, shape (..., K, ...)
    axis : int

    Returns
    -------
    numpy.ndarray, shape like z
        Finite for finite ``z`` (no :math:`\\log 0`).
    """
    z = _as_float(z)
    shifted = z - np.max(z, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


def softmax_jacobian(z: np.ndarray) -> np.ndarray:
    """Jacobian of the softmax over the last axis.

    .. math::

        J_{kj} = \\frac{\\partial\\, \\mathrm{softmax}(z)_k}{\\partial z_j}
        = p_k(\\delta_{kj} - p_j), \\qquad
        J = \\mathrm{diag}(p) - p\\, p^\\top, \\quad p = \\mathrm{softmax}(z)

    Parameters
    ----------
    z : array_like, shape (..., K)
        Logits (a single vector or a batch).

    Returns
    -------
    J : numpy.ndarray, shape (..., K, K)
        ``J[..., k, j]`` is :math:`\\partial p_k / \\partial z_j`.
    """
    p = softmax(z, axis=-1)
    J = -p[..., :, None] * p[..., None, :]
    K = p.shape[-1]
    idx = np.arange(K)
    J[..., idx, idx] += p
    return J


# ---------------------------------------------------------------------------------------
# layers
# ---------------------------------------------------------------------------------------
class _Activation(Layer):
    """Common code of the element-wise activation layers."""

    preserves_shape = True

    def __init__(self) -> None:
        super().__init__()
        self._cache: np.ndarray | None = None

    def _input(self, Z: np.ndarray) -> np.ndarray:
        return as_float_array(Z, "Z", self._where("forward"))

    def _grad_in(self, dL_dA: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        cache = self._cached("_cache")
        return cache, self._check_grad_shape(dL_dA, cache.shape)


# Shared docstrings of the element-wise layers' forward/backward (assigned in each class).
_FORWARD_DOC = """Apply the activation element-wise and cache what backward needs.

        Parameters
        ----------
        Z : numpy.ndarray, shape (batch, ...)
            Pre-activations :math:`z`.

        Returns
        -------
        A : numpy.ndarray, shape like Z
            Activations :math:`a = \\sigma(z)`.
        """

_BACKWARD_DOC = """Chain rule through the activation, :math:`\\partial L/\\partial z =
        \\partial L/\\partial a \\odot \\sigma'(z)`.

        Parameters
        ----------
        dL_dA : numpy.ndarray, shape like the forward output
            :math:`\\partial L/\\partial a`.

        Returns
        -------
        dL_dZ : numpy.ndarray, same shape
            :math:`\\partial L/\\partial z`.
        """


class Sigmoid(_Activation):
    """Sigmoid layer.

    .. math::

        a = \\sigma(z) = \\frac{1}{1+e^{-z}}, \\qquad
        \\frac{\\partial L}{\\partial z} = \\frac{\\partial L}{\\partial a} \\odot a (1 - a)
    """

    def forward(self, Z: np.ndarray) -> np.ndarray:
        A = sigmoid(self._input(Z))
        self._cache = A  # sigma'(z) = a (1 - a) needs only a
        return A

    def backward(self, dL_dA: np.ndarray) -> np.ndarray:
        A, dL_dA = self._grad_in(dL_dA)
        return dL_dA * A * (1.0 - A)

    forward.__doc__, backward.__doc__ = _FORWARD_DOC, _BACKWARD_DOC


class Tanh(_Activation):
    """Tanh layer.

    .. math::

        a = \\tanh z, \\qquad
        \\frac{\\partial L}{\\partial z} = \\frac{\\partial L}{\\partial a} \\odot (1 - a^2)
    """

    def forward(self, Z: np.ndarray) -> np.ndarray:
        A = np.tanh(self._input(Z))
        self._cache = A  # tanh'(z) = 1 - a^2 needs only a
        return A

    def backward(self, dL_dA: np.ndarray) -> np.ndarray:
        A, dL_dA = self._grad_in(dL_dA)
        return dL_dA * (1.0 - A * A)

    forward.__doc__, backward.__doc__ = _FORWARD_DOC, _BACKWARD_DOC


class ReLU(_Activation):
    """ReLU layer.

    .. math::

        a = \\max(0, z), \\qquad
        \\frac{\\partial L}{\\partial z} = \\frac{\\partial L}{\\partial a} \\odot [z > 0]

    (the subgradient 0 is used at :math:`z = 0`, as PyTorch does).
    """

    def forward(self, Z: np.ndarray) -> np.ndarray:
        Z = self._input(Z)
        self._cache = Z > 0  # the mask [z > 0] is all backward needs
        return np.maximum(Z, 0.0)

    def backward(self, dL_dA: np.ndarray) -> np.ndarray:
        positive, dL_dA = self._grad_in(dL_dA)
        return dL_dA * positive  # multiplying by a bool mask keeps dL_dA's dtype

    forward.__doc__, backward.__doc__ = _FORWARD_DOC, _BACKWARD_DOC


class LeakyReLU(_Activation):
    """Leaky ReLU layer.

    .. math::

        a = \\max(\\alpha z, z), \\qquad
        \\frac{\\partial L}{\\partial z} = \\frac{\\partial L}{\\partial a} \\odot
        \\begin{cases} 1 & z > 0 \\\\ \\alpha & z \\le 0 \\end{cases}

    Parameters
    ----------
    alpha : float in [0, 1)
        Slope for negative inputs.
    """

    def __init__(self, alpha: float = 0.01) -> None:
        super().__init__()
        self.alpha = check_in_range(alpha, "alpha", "LeakyReLU", low=0.0, high=1.0, high_open=True)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha:g}"

    def forward(self, Z: np.ndarray) -> np.ndarray:
        Z = self._input(Z)
        self._cache = Z > 0
        return np.where(self._cache, Z, self.alpha * Z)

    def backward(self, dL_dA: np.ndarray) -> np.ndarray:
        positive, dL_dA = self._grad_in(dL_dA)
        return np.where(positive, dL_dA, self.alpha * dL_dA)

    forward.__doc__, backward.__doc__ = _FORWARD_DOC, _BACKWARD_DOC


class Softmax(_Activation):
    """Softmax layer :math:`p = \\mathrm{softmax}(z)` along ``axis``.

    The backward pass is the Jacobian-vector product with
    :math:`J = \\mathrm{diag}(p) - p p^\\top`, without forming :math:`J`:

    .. math::

        \\frac{\\partial L}{\\partial z} = J^\\top g
        = p \\odot \\Big(g - \\sum_k g_k p_k\\Big), \\qquad
        g = \\frac{\\partial L}{\\partial p}.

    For classification prefer a linear last layer and
    ``CrossEntropy(from_logits=True)``, which fuses softmax and the loss.

    Parameters
    ----------
    axis : int
        The class axis.
    """

    def __init__(self, axis: int = -1) -> None:
        super().__init__()
        self.axis = axis

    def extra_repr(self) -> str:
        return "" if self.axis == -1 else f"axis={self.axis}"

    def forward(self, Z: np.ndarray) -> np.ndarray:
        """Softmax of each row (along ``axis``).

        Parameters
        ----------
        Z : numpy.ndarray, shape (batch, K)
            Logits.

        Returns
        -------
        P : numpy.ndarray, shape (batch, K)
            Probabilities.
        """
        P = softmax(self._input(Z), axis=self.axis)
        self._cache = P
        return P

    def backward(self, dL_dP: np.ndarray) -> np.ndarray:
        """Jacobian-vector product ``dL_dZ = P * (dL_dP - sum(dL_dP * P, axis))``.

        Parameters
        ----------
        dL_dP : numpy.ndarray, shape (batch, K)

        Returns
        -------
        dL_dZ : numpy.ndarray, shape (batch, K)
        """
        P, g = self._grad_in(dL_dP)
        return P * (g - np.sum(g * P, axis=self.axis, keepdims=True))


class Identity(_Activation):
    """Identity layer (a linear output, or a placeholder).

    .. math::

        a = z, \\qquad \\frac{\\partial L}{\\partial z} = \\frac{\\partial L}{\\partial a}
    """

    def forward(self, Z: np.ndarray) -> np.ndarray:
        Z = self._input(Z)
        self._cache = np.broadcast_to(np.False_, Z.shape)  # only its shape is used
        return Z

    def backward(self, dL_dA: np.ndarray) -> np.ndarray:
        _, dL_dA = self._grad_in(dL_dA)
        return dL_dA

    forward.__doc__, backward.__doc__ = _FORWARD_DOC, _BACKWARD_DOC


ACTIVATIONS: dict[str, type[Layer]] = {
    "relu": ReLU,
    "tanh": Tanh,
    "sigmoid": Sigmoid,
    "leaky_relu": LeakyReLU,
    "identity": Identity,
}
"""Activation layers by name (used by :func:`nnlib.network.mlp`)."""
