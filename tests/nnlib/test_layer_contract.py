"""The layer contract, checked for every layer nnlib exports.

Each entry of :data:`REGISTRY` builds one layer and an input for it; every
test below runs on every entry:

* ``backward`` agrees with central differences (:func:`nnlib.gradcheck.gradcheck`,
  the input gradient and every parameter's ``.grad``);
* ``backward(dY, input_grad=False)`` returns ``None`` and leaves the same
  parameter gradients;
* the float32 path: a layer built for float32 (or, without a ``dtype``, given
  float32 input) computes, returns and stores gradients in float32, close to
  the float64 result;
* ``backward`` before ``forward`` raises a ``ValueError`` that names the layer;
* a badly shaped input (where the layer has a shape requirement) and a badly
  shaped ``dY`` raise a ``ValueError`` that names the layer;
* ``repr`` is the documented one;
* where PyTorch has a twin, outputs and gradients agree with it (float64, 1e-10).

**Adding a layer** is a one-line change: append a :func:`case` to
:data:`REGISTRY` (the class, a factory ``make(dtype)``, the input shape, the
expected ``repr``, optionally a bad input shape and a PyTorch twin).
:func:`test_registry_lists_every_exported_layer` fails until every ``Layer``
subclass exported by :mod:`nnlib.layers` has an entry.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
from _helpers import GRAD_TOL, requires_torch

import nnlib.layers
from nnlib.gradcheck import gradcheck, relative_error
from nnlib.layers import (
    GELU,
    GRU,
    LSTM,
    RNN,
    Attention,
    AvgPool2D,
    BatchNorm,
    Conv2D,
    Dense,
    Dropout,
    Embedding,
    Flatten,
    Identity,
    LastTimeStep,
    Layer,
    LayerNorm,
    LeakyReLU,
    MaxPool2D,
    ReLU,
    Residual,
    Sigmoid,
    SiLU,
    Softmax,
    Softplus,
    Tanh,
    TransformerBlock,
)
from nnlib.network import Sequential

F32_TOL = 1e-4
"""Relative error allowed between the float32 and the float64 result."""

TORCH_TOL = 1e-10


@dataclass(frozen=True)
class LayerCase:
    """One registry entry (see the module docstring)."""

    cls: type[Layer]
    make: Callable[[Any], Layer]
    shape: tuple[int, ...]
    repr: str
    bad_shape: tuple[int, ...] | None = None
    torch: Callable[..., Any] | None = None
    eval_mode: bool = False

    @property
    def id(self) -> str:
        return self.repr.replace(" ", "")


def case(cls, make, shape, repr, *, bad_shape=None, torch=None, eval_mode=False) -> LayerCase:
    """A registry entry; ``make(dtype)`` builds the layer (``dtype`` may be ignored)."""
    return LayerCase(cls, make, shape, repr, bad_shape, torch, eval_mode)


# -- PyTorch twins: f(torch, X, params) -> Y, params as torch tensors in parameters() order --
def _torch_dense(torch, X, P):
    return torch.nn.functional.linear(X, P[0], P[1])


def _torch_conv(torch, X, P):
    return torch.nn.functional.conv2d(X, P[0], P[1], stride=2, padding=1)


def _torch_rnn(torch, X, P):
    W_xh, W_hh, b = P
    h = torch.zeros(X.shape[0], W_hh.shape[0], dtype=X.dtype)
    states = []
    for t in range(X.shape[1]):
        h = torch.tanh(X[:, t] @ W_xh.T + h @ W_hh.T + b)
        states.append(h)
    return torch.stack(states, dim=1)


def _torch_attention(torch, X, P, n_heads=2, causal=True):
    W_q, W_k, W_v, W_o = P
    B, T, d = X.shape

    def split(A):
        return A.reshape(B, T, n_heads, d // n_heads).transpose(1, 2)

    heads = torch.nn.functional.scaled_dot_product_attention(
        split(X @ W_q.T), split(X @ W_k.T), split(X @ W_v.T), is_causal=causal
    )
    return heads.transpose(1, 2).reshape(B, T, d) @ W_o.T


def _torch_gated(kind):
    """torch.nn.LSTM / GRU with nnlib's weights (LSTM's one bias goes into bias_ih)."""

    def twin(torch, X, P):
        n_in, H = X.shape[2], P[1].shape[1]
        net = getattr(torch.nn, kind)(n_in, H, batch_first=True).double()
        with torch.no_grad():
            net.bias_hh_l0.zero_()
        names = ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"][: len(P)]
        # parametrise by the test's tensors so that gradients flow back to them
        params = dict(zip(names, P, strict=True))
        if kind == "LSTM":
            params["bias_hh_l0"] = torch.zeros_like(P[2])
        out, _ = torch.func.functional_call(net, params, (X,))
        return out

    return twin


def _elementwise(name, **kwargs):
    def twin(torch, X, P):
        return getattr(torch.nn.functional, name)(X, **kwargs)

    return twin


REGISTRY: list[LayerCase] = [
    case(Dense, lambda dt: Dense(4, 3, rng=0, dtype=dt), (5, 4), "Dense(n_in=4, n_out=3)",
         bad_shape=(5, 3), torch=_torch_dense),
    case(Sigmoid, lambda dt: Sigmoid(), (5, 3), "Sigmoid()", torch=_elementwise("sigmoid")),
    case(Tanh, lambda dt: Tanh(), (5, 3), "Tanh()", torch=_elementwise("tanh")),
    case(ReLU, lambda dt: ReLU(), (5, 3), "ReLU()", torch=_elementwise("relu")),
    case(LeakyReLU, lambda dt: LeakyReLU(0.1), (5, 3), "LeakyReLU(alpha=0.1)",
         torch=_elementwise("leaky_relu", negative_slope=0.1)),
    case(Softmax, lambda dt: Softmax(), (5, 3), "Softmax()",
         torch=_elementwise("softmax", dim=-1)),
    case(Softplus, lambda dt: Softplus(), (5, 3), "Softplus()", torch=_elementwise("softplus")),
    case(GELU, lambda dt: GELU(), (5, 3), "GELU()", torch=_elementwise("gelu")),
    case(SiLU, lambda dt: SiLU(), (5, 3), "SiLU()", torch=_elementwise("silu")),
    case(Identity, lambda dt: Identity(), (5, 3), "Identity()", torch=lambda torch, X, P: X * 1.0),
    case(Dropout, lambda dt: Dropout(0.3, rng=0), (5, 3), "Dropout(p=0.3)", eval_mode=True,
         torch=lambda torch, X, P: X * 1.0),
    case(Conv2D, lambda dt: Conv2D(2, 3, 3, stride=2, padding=1, rng=0, dtype=dt), (2, 2, 5, 5),
         "Conv2D(2, 3, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1))", bad_shape=(2, 3, 5, 5),
         torch=_torch_conv),
    case(MaxPool2D, lambda dt: MaxPool2D(2), (2, 2, 4, 4), "MaxPool2D(kernel_size=(2, 2))",
         bad_shape=(2, 4, 4), torch=_elementwise("max_pool2d", kernel_size=2)),
    case(AvgPool2D, lambda dt: AvgPool2D(2), (2, 2, 4, 4), "AvgPool2D(kernel_size=(2, 2))",
         bad_shape=(2, 2, 1, 1), torch=_elementwise("avg_pool2d", kernel_size=2)),
    case(Flatten, lambda dt: Flatten(), (3, 2, 2, 2), "Flatten()", bad_shape=(3,),
         torch=lambda torch, X, P: torch.flatten(X, 1)),
    case(LastTimeStep, lambda dt: LastTimeStep(), (3, 4, 2), "LastTimeStep()", bad_shape=(3, 2),
         torch=lambda torch, X, P: X[:, -1, :] * 1.0),
    case(RNN, lambda dt: RNN(3, 4, rng=0, dtype=dt), (2, 5, 3), "RNN(n_in=3, n_hidden=4)",
         bad_shape=(2, 5, 2), torch=_torch_rnn),
    case(Attention, lambda dt: Attention(4, n_heads=2, causal=True, rng=0, dtype=dt), (2, 3, 4),
         "Attention(d_model=4, n_heads=2, causal=True)", bad_shape=(2, 3, 5),
         torch=_torch_attention),
    case(BatchNorm, lambda dt: BatchNorm(3, dtype=dt), (5, 3), "BatchNorm(n_features=3)",
         bad_shape=(5, 4),
         torch=lambda torch, X, P: torch.nn.functional.batch_norm(
             X, None, None, P[0], P[1], training=True, eps=1e-5)),
    case(LayerNorm, lambda dt: LayerNorm(3, dtype=dt), (5, 3), "LayerNorm(n_features=3)",
         bad_shape=(5, 4),
         torch=lambda torch, X, P: torch.nn.functional.layer_norm(X, (3,), P[0], P[1], eps=1e-5)),
    case(Residual, lambda dt: Residual(Dense(3, 3, rng=0, dtype=dt), Tanh()), (5, 3),
         "Residual(Dense(n_in=3, n_out=3), Tanh())",
         torch=lambda torch, X, P: X + torch.tanh(X @ P[0].T + P[1])),
    case(LSTM, lambda dt: LSTM(3, 4, rng=0, dtype=dt), (2, 5, 3), "LSTM(n_in=3, n_hidden=4)",
         bad_shape=(2, 5, 2), torch=_torch_gated("LSTM")),
    case(GRU, lambda dt: GRU(3, 4, rng=0, dtype=dt), (2, 5, 3), "GRU(n_in=3, n_hidden=4)",
         bad_shape=(2, 5, 2), torch=_torch_gated("GRU")),
    case(TransformerBlock, lambda dt: TransformerBlock(4, n_heads=2, d_ff=6, rng=0, dtype=dt),
         (2, 3, 4), "TransformerBlock(d_model=4, n_heads=2, d_ff=6)", bad_shape=(2, 3, 5)),
    case(Sequential, lambda dt: Sequential(Dense(3, 4, rng=0, dtype=dt), Tanh(),
                                           Dense(4, 2, rng=1, dtype=dt)), (5, 3),
         "Sequential(\n  (0): Dense(n_in=3, n_out=4)\n  (1): Tanh()\n"
         "  (2): Dense(n_in=4, n_out=2)\n)",
         bad_shape=(5, 4),
         torch=lambda torch, X, P: torch.tanh(X @ P[0].T + P[1]) @ P[2].T + P[3]),
]  # fmt: skip

CASES = pytest.mark.parametrize("entry", REGISTRY, ids=[c.cls.__name__ for c in REGISTRY])


def _build(entry: LayerCase, dtype: Any = np.float64) -> Layer:
    layer = entry.make(dtype)
    if entry.eval_mode:
        layer.eval()
    return layer


def _input(entry: LayerCase, dtype: Any = np.float64, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(entry.shape).astype(dtype)


EXEMPT = {
    # Its input is integer token ids, which have no gradient and no float32 path;
    # tests/nnlib/test_transformer.py checks its W.grad (finite differences, PyTorch) and errors.
    Embedding: "integer input",
}


def _exported_layer_classes() -> set[type]:
    return {
        obj
        for name in nnlib.layers.__all__
        if isinstance(obj := getattr(nnlib.layers, name), type)
        and issubclass(obj, Layer)
        and obj is not Layer
    }


def test_registry_lists_every_exported_layer():
    missing = _exported_layer_classes() - {c.cls for c in REGISTRY} - set(EXEMPT)
    assert not missing, (
        f"add a case(...) line to REGISTRY in tests/nnlib/test_layer_contract.py for "
        f"{sorted(c.__name__ for c in missing)}"
    )


@CASES
def test_gradcheck(entry):
    layer = _build(entry)
    # rng=1: the random cotangent R must not equal the input (seed 0), or J = sum(X * f(X))
    # has a near-zero gradient for scale-invariant layers (BatchNorm, LayerNorm)
    assert gradcheck(layer, _input(entry), rng=1) < GRAD_TOL


@CASES
def test_backward_without_input_grad(entry):
    layer = _build(entry)
    X = _input(entry)
    dY = np.random.default_rng(1).standard_normal(layer.forward(X).shape)
    dX = layer.backward(dY)
    assert dX is not None and dX.shape == X.shape
    grads = [p.grad.copy() for p in layer.parameters()]
    layer.zero_grad()
    layer.forward(X)
    assert layer.backward(dY, input_grad=False) is None
    for p, g in zip(layer.parameters(), grads, strict=True):
        np.testing.assert_array_equal(p.grad, g)


@CASES
def test_float32_path(entry):
    layer64, layer32 = _build(entry), _build(entry, np.float32)
    X = _input(entry)
    Y64, Y32 = layer64.forward(X), layer32.forward(X.astype(np.float32))
    assert Y32.dtype == np.float32
    assert relative_error(Y32.astype(np.float64), Y64) < F32_TOL
    dY = np.random.default_rng(1).standard_normal(Y64.shape)
    dX64, dX32 = layer64.backward(dY), layer32.backward(dY.astype(np.float32))
    assert dX32.dtype == np.float32
    assert relative_error(dX32.astype(np.float64), dX64) < F32_TOL
    for p64, p32 in zip(layer64.parameters(), layer32.parameters(), strict=True):
        assert p32.grad.dtype == np.float32
        assert relative_error(p32.grad.astype(np.float64), p64.grad) < F32_TOL


@CASES
def test_backward_before_forward_names_the_layer(entry):
    layer = _build(entry)
    dY = np.zeros(_build(entry).forward(_input(entry)).shape)
    last = layer.layers[-1] if isinstance(layer, Sequential) else layer  # backward starts there
    with pytest.raises(ValueError, match=re.escape(f"{last!r}.backward: expected a preceding")):
        layer.backward(dY)


@CASES
def test_bad_shapes_name_the_layer(entry):
    layer = _build(entry)
    if entry.bad_shape is not None:
        with pytest.raises(ValueError) as info:
            layer.forward(np.zeros(entry.bad_shape))
        first = layer.layers[0] if isinstance(layer, Sequential) else layer
        assert f"{first!r}.forward: expected" in str(info.value)
    Y = layer.forward(_input(entry))
    last = layer.layers[-1] if isinstance(layer, Sequential) else layer
    with pytest.raises(ValueError, match=re.escape(f"{last!r}.backward: expected dL_dY of shape")):
        layer.backward(np.zeros((Y.shape[0] + 1, *Y.shape[1:])))


@CASES
def test_repr(entry):
    assert repr(_build(entry)) == entry.repr


# TransformerBlock's PyTorch twin, torch.nn.TransformerEncoderLayer, needs its
# weights copied in its own layout: tests/nnlib/test_transformer.py
# (test_matches_torch_encoder_layer) compares the two.
CHECKED_AGAINST_TORCH_ELSEWHERE = {TransformerBlock}
TWINNED = [c for c in REGISTRY if c.torch is not None]


def test_every_layer_is_compared_with_pytorch():
    untwinned = {c.cls for c in REGISTRY if c.torch is None}
    assert untwinned == CHECKED_AGAINST_TORCH_ELSEWHERE, (
        f"layers with no PyTorch comparison: {untwinned - CHECKED_AGAINST_TORCH_ELSEWHERE}")


@requires_torch
@pytest.mark.parametrize("entry", TWINNED, ids=[c.cls.__name__ for c in TWINNED])
def test_agrees_with_torch(entry):
    import torch

    layer = _build(entry)
    X = _input(entry)
    Y = layer.forward(X)
    R = np.random.default_rng(1).standard_normal(Y.shape)
    dX = layer.backward(R)
    X_t = torch.tensor(X, requires_grad=True)
    P_t = [torch.tensor(p.value, requires_grad=True) for p in layer.parameters()]
    Y_t = entry.torch(torch, X_t, P_t)
    Y_t.backward(torch.tensor(R))
    assert relative_error(Y, Y_t.detach().numpy()) < TORCH_TOL
    assert relative_error(dX, X_t.grad.numpy()) < TORCH_TOL
    for p, p_t in zip(layer.parameters(), P_t, strict=True):
        assert relative_error(p.grad, p_t.grad.numpy()) < TORCH_TOL, p.name


def test_every_layer_forward_reads_check_input():
    """The protocol of nnlib/layers/base.py: forward starts with X = self._check_input(X)."""
    import inspect

    for cls in _exported_layer_classes() | {Sequential}:
        source = inspect.getsource(cls.forward)
        body = source.split('"""')[-1] if '"""' in source else source
        first = next(line.strip() for line in body.splitlines()[1:] if line.strip())
        assert re.fullmatch(r"(X|Z|ids) = self\._check_input\((X|Z|ids)\)", first), (cls, first)


