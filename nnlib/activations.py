"""Activation functions, their derivatives, and the corresponding layers (a re-export).

The functions live in :mod:`nnlib.functional` (pure array functions), the
layer classes in :mod:`nnlib.layers.activation`; this module keeps the
public import path ``nnlib.activations`` that the book uses.

The functions act element-wise on arrays of any shape (``softmax`` along
``axis``); the derivatives take the **pre-activation** ``z``, as in the book's
:math:`\\sigma'(z)`.  The layer classes wrap them for use in
:class:`nnlib.network.Sequential`; their ``backward`` computes
:math:`\\partial L/\\partial z = \\partial L/\\partial a \\odot \\sigma'(z)`
(for softmax, the Jacobian-vector product).
"""

from nnlib.functional import (
    gelu,
    gelu_grad,
    leaky_relu,
    leaky_relu_grad,
    log_softmax,
    relu,
    relu_grad,
    sigmoid,
    sigmoid_grad,
    silu,
    silu_grad,
    softmax,
    softmax_jacobian,
    softplus,
    softplus_grad,
    tanh,
    tanh_grad,
)
from nnlib.layers.activation import (
    ACTIVATIONS,
    GELU,
    Identity,
    LeakyReLU,
    ReLU,
    Sigmoid,
    SiLU,
    Softmax,
    Softplus,
    Tanh,
)

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
    "gelu",
    "gelu_grad",
    "leaky_relu",
    "leaky_relu_grad",
    "log_softmax",
    "relu",
    "relu_grad",
    "sigmoid",
    "sigmoid_grad",
    "silu",
    "silu_grad",
    "softmax",
    "softmax_jacobian",
    "softplus",
    "softplus_grad",
    "tanh",
    "tanh_grad",
]
