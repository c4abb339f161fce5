"""nnlib: the small NumPy neural-network library that the book derives and builds.

Every formula the book derives is implemented here once, and every gradient is
checked against SymPy and finite differences in ``tests/``.

Modules: :mod:`nnlib.functional` (pure array functions), :mod:`nnlib.activations`,
:mod:`nnlib.losses`, :mod:`nnlib.layers`, :mod:`nnlib.network`, :mod:`nnlib.optim`,
:mod:`nnlib.regularization`, :mod:`nnlib.gradcheck`, :mod:`nnlib.symbolic`
(imported on demand: it loads SymPy), :mod:`nnlib.data`, :mod:`nnlib.train`,
:mod:`nnlib.autograd` (a small reverse-mode engine), :mod:`nnlib.curvature`
(Hessian-vector products, Lanczos), :mod:`nnlib.dichotomies` (exact linear
separability) and :mod:`nnlib.bounds` (the arithmetic of generalisation bounds).
"""

__version__ = "0.1.0"

from nnlib.activations import (
    Identity,
    LeakyReLU,
    ReLU,
    Sigmoid,
    Softmax,
    Tanh,
    leaky_relu,
    relu,
    sigmoid,
    softmax,
    softmax_jacobian,
    tanh,
)
from nnlib.gradcheck import gradcheck, numerical_gradient, relative_error
from nnlib.layers import Dense, Dropout, Layer, Parameter
from nnlib.losses import MSE, BinaryCrossEntropy, CrossEntropy
from nnlib.network import Sequential, mlp
from nnlib.optim import SGD, Adam
from nnlib.regularization import l1_penalty, l2_penalty
from nnlib.train import History, accuracy, evaluate, fit

__all__ = [
    "MSE",
    "SGD",
    "Adam",
    "BinaryCrossEntropy",
    "CrossEntropy",
    "Dense",
    "Dropout",
    "History",
    "Identity",
    "Layer",
    "LeakyReLU",
    "Parameter",
    "ReLU",
    "Sequential",
    "Sigmoid",
    "Softmax",
    "Tanh",
    "__version__",
    "accuracy",
    "evaluate",
    "fit",
    "gradcheck",
    "l1_penalty",
    "l2_penalty",
    "leaky_relu",
    "mlp",
    "numerical_gradient",
    "relative_error",
    "relu",
    "sigmoid",
    "softmax",
    "softmax_jacobian",
    "tanh",
]
