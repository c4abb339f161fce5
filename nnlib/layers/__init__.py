"""Layers: every layer subclasses :class:`Layer` and owns :class:`Parameter` objects.

See ``nnlib/layers/base.py`` for how to write a new layer.  This file is a
plain list of re-exports: a new layer module adds one import line here.
"""

from nnlib.layers.activation import (
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
from nnlib.layers.attention import Attention
from nnlib.layers.base import Layer, Parameter
from nnlib.layers.conv import Conv2D
from nnlib.layers.dense import Dense
from nnlib.layers.dropout import Dropout
from nnlib.layers.gated import GRU, LSTM
from nnlib.layers.init import init_weights
from nnlib.layers.normalization import BatchNorm, LayerNorm
from nnlib.layers.pooling import AvgPool2D, MaxPool2D
from nnlib.layers.recurrent import RNN
from nnlib.layers.reshape import Flatten, LastTimeStep
from nnlib.layers.residual import Residual
from nnlib.layers.transformer import Embedding, TransformerBlock, positional_encoding

__all__ = [
    "GELU",
    "GRU",
    "LSTM",
    "RNN",
    "Attention",
    "AvgPool2D",
    "BatchNorm",
    "Conv2D",
    "Dense",
    "Dropout",
    "Embedding",
    "Flatten",
    "Identity",
    "LastTimeStep",
    "Layer",
    "LayerNorm",
    "LeakyReLU",
    "MaxPool2D",
    "Parameter",
    "ReLU",
    "Residual",
    "SiLU",
    "Sigmoid",
    "Softmax",
    "Softplus",
    "Tanh",
    "TransformerBlock",
    "init_weights",
    "positional_encoding",
]
