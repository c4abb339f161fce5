"""Activation layers: element-wise nonlinearities and softmax as :class:`Layer` objects.

The layer classes (:class:`Sigmoid`, :class:`Tanh`, :class:`ReLU`,
:class:`LeakyReLU`, :class:`Softmax`, :class:`Identity`) wrap the functions of
:mod:`nnlib.functional` for use in :class:`nnlib.network.Sequential`; their
``backward`` computes
:math:`\\partial L/\\partial z = \\partial L/\\partial a \\odot \\sigma'(z)`
(for softmax, the Jacobian-vector product).  They are re-exported by
:mod:`nnlib.activations` and :mod:`nnlib.layers`.
"""

from __future__ import annotations

import numpy as np

from nnlib._validation import check_in_range
from nnlib.functional import gelu, gelu_grad, sigmoid, silu_grad, softmax, softplus
from nnlib.layers.base import Layer

__all__ = [
    "ACTIVATIONS",
    "GELU",
    "Identity",
    "LeakyReLU",
    "ReLU",
    "SiLU",
    "Sigmoid",
    "Softmax",
    "Softplus",
    "Tanh",
]


class _Activation(Layer):
    """Common code of the element-wise activation layers."""

    preserves_shape = True
    input_name = "Z"

    def __init__(self) -> None:
        super().__init__()
        self._cache: np.ndarray | None = None

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
        input_grad : bool, keyword-only
            If ``False`` (nothing to learn here), return ``None``.

        Returns
        -------
        dL_dZ : numpy.ndarray, same shape, or None
            :math:`\\partial L/\\partial z`.
        """


class Sigmoid(_Activation):
    """Sigmoid layer.

    .. math::

        a = \\sigma(z) = \\frac{1}{1+e^{-z}}, \\qquad
        \\frac{\\partial L}{\\partial z} = \\frac{\\partial L}{\\partial a} \\odot a (1 - a)
    """

    def forward(self, Z: np.ndarray) -> np.ndarray:
        Z = self._check_input(Z)
        A = sigmoid(Z)
        self._cache = A  # sigma'(z) = a (1 - a) needs only a
        return A

    def backward(self, dL_dA: np.ndarray, *, input_grad: bool = True) -> np.ndarray | None:
        A, dL_dA = self._grad_in(dL_dA)
        if not input_grad:
            return None
        return dL_dA * A * (1.0 - A)

    forward.__doc__, backward.__doc__ = _FORWARD_DOC, _BACKWARD_DOC


class Tanh(_Activation):
    """Tanh layer.

    .. math::

        a = \\tanh z, \\qquad
        \\frac{\\partial L}{\\partial z} = \\frac{\\partial L}{\\partial a} \\odot (1 - a^2)
    """

    def forward(self, Z: np.ndarray) -> np.ndarray:
        Z = self._check_input(Z)
        A = np.tanh(Z)
        self._cache = A  # tanh'(z) = 1 - a^2 needs only a
        return A

    def backward(self, dL_dA: np.ndarray, *, input_grad: bool = True) -> np.ndarray | None:
        A, dL_dA = self._grad_in(dL_dA)
        if not input_grad:
            return None
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
        Z = self._check_input(Z)
        self._cache = Z > 0  # the mask [z > 0] is all backward needs
        return np.maximum(Z, 0.0)

    def backward(self, dL_dA: np.ndarray, *, input_grad: bool = True) -> np.ndarray | None:
        positive, dL_dA = self._grad_in(dL_dA)
        if not input_grad:
            return None
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
        Z = self._check_input(Z)
        self._cache = Z > 0
        return np.where(self._cache, Z, self.alpha * Z)

    def backward(self, dL_dA: np.ndarray, *, input_grad: bool = True) -> np.ndarray | None:
        positive, dL_dA = self._grad_in(dL_dA)
        if not input_grad:
            return None
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
        Z = self._check_input(Z)
        P = softmax(Z, axis=self.axis)
        self._cache = P
        return P

    def backward(self, dL_dP: np.ndarray, *, input_grad: bool = True) -> np.ndarray | None:
        """Jacobian-vector product ``dL_dZ = P * (dL_dP - sum(dL_dP * P, axis))``.

        Parameters
        ----------
        dL_dP : numpy.ndarray, shape (batch, K)
        input_grad : bool, keyword-only
            If ``False`` (nothing to learn here), return ``None``.

        Returns
        -------
        dL_dZ : numpy.ndarray, shape (batch, K), or None
        """
        P, g = self._grad_in(dL_dP)
        if not input_grad:
            return None
        return P * (g - np.sum(g * P, axis=self.axis, keepdims=True))


class Identity(_Activation):
    """Identity layer (a linear output, or a placeholder).

    .. math::

        a = z, \\qquad \\frac{\\partial L}{\\partial z} = \\frac{\\partial L}{\\partial a}
    """

    def forward(self, Z: np.ndarray) -> np.ndarray:
        Z = self._check_input(Z)
        self._cache = np.broadcast_to(np.False_, Z.shape)  # only its shape is used
        return Z

    def backward(self, dL_dA: np.ndarray, *, input_grad: bool = True) -> np.ndarray | None:
        _, dL_dA = self._grad_in(dL_dA)
        if not input_grad:
            return None
        return dL_dA

    forward.__doc__, backward.__doc__ = _FORWARD_DOC, _BACKWARD_DOC


class Softplus(_Activation):
    """Softplus layer, a smooth ReLU.

    .. math::

        a = \\log(1 + e^{z}), \\qquad
        \\frac{\\partial L}{\\partial z} = \\frac{\\partial L}{\\partial a} \\odot \\sigma(z)
    """

    def forward(self, Z: np.ndarray) -> np.ndarray:
        Z = self._check_input(Z)
        self._cache = Z
        return softplus(Z)

    def backward(self, dL_dA: np.ndarray, *, input_grad: bool = True) -> np.ndarray | None:
        Z, dL_dA = self._grad_in(dL_dA)
        if not input_grad:
            return None
        return dL_dA * sigmoid(Z)

    forward.__doc__, backward.__doc__ = _FORWARD_DOC, _BACKWARD_DOC


class GELU(_Activation):
    """GELU layer, :math:`a = z\\,\\Phi(z)` (exact by default; see :func:`nnlib.functional.gelu`).

    .. math::

        \\frac{\\partial L}{\\partial z} = \\frac{\\partial L}{\\partial a} \\odot
        \\big(\\Phi(z) + z\\,\\varphi(z)\\big)

    Parameters
    ----------
    approximate : {"none", "tanh"}
        ``"tanh"``: the tanh approximation (as ``torch.nn.GELU(approximate="tanh")``).
    """

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        gelu(np.zeros(1), approximate)  # raises for an unknown approximation
        self.approximate = approximate

    def extra_repr(self) -> str:
        return "" if self.approximate == "none" else f"approximate={self.approximate!r}"

    def forward(self, Z: np.ndarray) -> np.ndarray:
        Z = self._check_input(Z)
        self._cache = Z
        return gelu(Z, self.approximate)

    def backward(self, dL_dA: np.ndarray, *, input_grad: bool = True) -> np.ndarray | None:
        Z, dL_dA = self._grad_in(dL_dA)
        if not input_grad:
            return None
        return dL_dA * gelu_grad(Z, self.approximate)

    forward.__doc__, backward.__doc__ = _FORWARD_DOC, _BACKWARD_DOC


class SiLU(_Activation):
    """SiLU (swish) layer.

    .. math::

        a = z\\,\\sigma(z), \\qquad
        \\frac{\\partial L}{\\partial z} = \\frac{\\partial L}{\\partial a} \\odot
        \\sigma(z)\\big(1 + z (1 - \\sigma(z))\\big)
    """

    def forward(self, Z: np.ndarray) -> np.ndarray:
        Z = self._check_input(Z)
        self._cache = Z
        return Z * sigmoid(Z)

    def backward(self, dL_dA: np.ndarray, *, input_grad: bool = True) -> np.ndarray | None:
        Z, dL_dA = self._grad_in(dL_dA)
        if not input_grad:
            return None
        return dL_dA * silu_grad(Z)

    forward.__doc__, backward.__doc__ = _FORWARD_DOC, _BACKWARD_DOC


ACTIVATIONS: dict[str, type[Layer]] = {
    "relu": ReLU,
    "tanh": Tanh,
    "sigmoid": Sigmoid,
    "leaky_relu": LeakyReLU,
    "identity": Identity,
}
"""Activation layers by name (used by :func:`nnlib.network.mlp`)."""
