"""clip_grad_norm: rescales to the threshold, keeps the direction, agrees with PyTorch."""

from __future__ import annotations

import numpy as np
import pytest

from nnlib.clipping import clip_grad_norm, grad_norm
from nnlib.layers import Dense, Parameter


def params_with_grads(seed=0, scale=1.0):
    rng = np.random.default_rng(seed)
    params = [Parameter(np.zeros((3, 2))), Parameter(np.zeros(3)), Parameter(np.zeros((2, 2)))]
    for p in params:
        p.grad[...] = scale * rng.standard_normal(p.shape)
    return params


def test_hand_worked():
    p = Parameter(np.zeros(2))
    p.grad[...] = [3.0, 4.0]
    assert clip_grad_norm([p], 1.0) == 5.0
    assert np.allclose(p.grad, [0.6, 0.8])


def test_global_norm_over_all_parameters():
    params = params_with_grads()
    flat = np.concatenate([p.grad.ravel() for p in params])
    assert abs(grad_norm(params) - np.linalg.norm(flat)) < 1e-12


def test_clips_to_max_norm_and_keeps_direction():
    params = params_with_grads(scale=10.0)
    before = np.concatenate([p.grad.ravel() for p in params])
    total = clip_grad_norm(params, 2.0)
    after = np.concatenate([p.grad.ravel() for p in params])
    assert abs(total - np.linalg.norm(before)) < 1e-12
    assert abs(np.linalg.norm(after) - 2.0) < 1e-12
    assert np.allclose(after * np.linalg.norm(before) / 2.0, before)


def test_small_gradients_untouched():
    params = params_with_grads(scale=0.01)
    before = [p.grad.copy() for p in params]
    clip_grad_norm(params, 1.0)
    assert all(np.array_equal(a, p.grad) for a, p in zip(before, params, strict=True))


def test_accepts_single_parameter_and_generator():
    layer = Dense(2, 2, rng=0)
    for p in layer.parameters():
        p.grad[...] = 100.0
    clip_grad_norm((p for p in layer.parameters()), 1.0)
    assert abs(grad_norm(layer.parameters()) - 1.0) < 1e-12
    clip_grad_norm(layer.W, 0.5)
    assert abs(grad_norm(layer.W) - 0.5) < 1e-12


def test_errors():
    params = params_with_grads()
    with pytest.raises(ValueError, match=r"clip_grad_norm: expected max_norm in \(0, inf\]"):
        clip_grad_norm(params, 0.0)
    with pytest.raises(TypeError, match="an iterable of Parameter, got float"):
        clip_grad_norm(1.0, 1.0)
    with pytest.raises(TypeError, match="Parameter objects, got ndarray at position 0"):
        clip_grad_norm([np.zeros(2)], 1.0)
    params[0].grad[0, 0] = np.inf
    with pytest.raises(ValueError, match="finite gradients"):
        clip_grad_norm(params, 1.0)


@pytest.mark.parametrize("scale", [0.01, 10.0])
def test_agrees_with_pytorch(scale):
    torch = pytest.importorskip("torch")
    params = params_with_grads(scale=scale)
    tensors = [torch.zeros(p.shape, dtype=torch.float64, requires_grad=True) for p in params]
    for t, p in zip(tensors, params, strict=True):
        t.grad = torch.tensor(p.grad)
    total_t = torch.nn.utils.clip_grad_norm_(tensors, 1.0)
    total = clip_grad_norm(params, 1.0)
    assert abs(total - float(total_t)) < 1e-12
    for t, p in zip(tensors, params, strict=True):  # torch divides by (norm + 1e-6)
        assert np.allclose(p.grad, t.grad.numpy(), rtol=1e-5, atol=0)


def test_infinite_max_norm_only_measures():
    p = Parameter(np.zeros(2))
    p.grad[...] = [3.0, 4.0]
    assert clip_grad_norm([p], max_norm=float("inf")) == 5.0
    np.testing.assert_array_equal(p.grad, [3.0, 4.0])
    with pytest.raises(ValueError, match=r"max_norm in \(0, inf\], got -inf"):
        clip_grad_norm([p], max_norm=-float("inf"))
