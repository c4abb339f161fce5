"""MaxPool2D, AvgPool2D and Flatten: loops, hand-worked numbers, finite differences, PyTorch."""

from __future__ import annotations

import numpy as np
import pytest

from nnlib.gradcheck import gradcheck, relative_error
from nnlib.layers import AvgPool2D, Flatten, MaxPool2D

SETTINGS = [(2, None), (3, 1), (3, 2), ((2, 3), (1, 2))]


def loop_pool(X, k, s, reduce):
    kh, kw = k
    sh, sw = s
    n, c, h, w = X.shape
    ho, wo = (h - kh) // sh + 1, (w - kw) // sw + 1
    Y = np.zeros((n, c, ho, wo))
    for i in range(ho):
        for j in range(wo):
            Y[:, :, i, j] = reduce(X[:, :, sh * i : sh * i + kh, sw * j : sw * j + kw],
                                   axis=(2, 3))
    return Y


@pytest.mark.parametrize("Pool, reduce", [(MaxPool2D, np.max), (AvgPool2D, np.mean)])
@pytest.mark.parametrize("k, s", SETTINGS)
def test_forward_matches_loop(Pool, reduce, k, s):
    X = np.random.default_rng(0).standard_normal((2, 3, 7, 8))
    pool = Pool(k, s)
    Y = pool.forward(X)
    assert Y.shape == pool.output_shape(X.shape)
    assert relative_error(Y, loop_pool(X, pool.kernel_size, pool.stride, reduce)) < 1e-13


@pytest.mark.parametrize("Pool", [MaxPool2D, AvgPool2D])
@pytest.mark.parametrize("k, s", SETTINGS)
def test_gradients_match_finite_differences(Pool, k, s):
    # distinct values far apart (> eps) so that no maximum changes under the perturbation
    rng = np.random.default_rng(1)
    X = rng.permutation(2 * 2 * 7 * 8).reshape(2, 2, 7, 8) * 0.1
    assert gradcheck(Pool(k, s), X) < 1e-7


def test_max_pool_by_hand():
    X = np.array([[1.0, 2.0, 0.0, 1.0],
                  [4.0, 3.0, 5.0, 2.0],
                  [0.0, 1.0, 1.0, 1.0],
                  [2.0, 0.0, 3.0, 0.5]])[None, None]
    pool = MaxPool2D(2)
    assert np.array_equal(pool.forward(X)[0, 0], [[4.0, 5.0], [2.0, 3.0]])
    dX = pool.backward(np.array([[10.0, 20.0], [30.0, 40.0]])[None, None])[0, 0]
    expected = np.zeros((4, 4))
    expected[1, 0], expected[1, 2], expected[3, 0], expected[3, 2] = 10, 20, 30, 40
    assert np.array_equal(dX, expected)


def test_overlapping_max_windows_add_their_gradients():
    X = np.zeros((1, 1, 3, 3))
    X[0, 0, 1, 1] = 1.0  # the centre is the maximum of all four 2x2 windows
    pool = MaxPool2D(2, stride=1)
    pool.forward(X)
    dX = pool.backward(np.ones((1, 1, 2, 2)))
    assert dX[0, 0, 1, 1] == 4.0 and dX.sum() == 4.0


def test_avg_pool_by_hand():
    X = np.arange(16.0).reshape(1, 1, 4, 4)
    pool = AvgPool2D(2)
    assert np.array_equal(pool.forward(X)[0, 0], [[2.5, 4.5], [10.5, 12.5]])
    dX = pool.backward(np.ones((1, 1, 2, 2)))
    assert np.allclose(dX, 0.25)


def test_pooling_has_no_parameters():
    assert MaxPool2D(2).parameters() == [] and AvgPool2D(2).n_params == 0


def test_flatten_round_trip():
    X = np.random.default_rng(2).standard_normal((3, 2, 4, 5))
    flat = Flatten()
    Y = flat.forward(X)
    assert Y.shape == (3, 40) and np.array_equal(Y[1], X[1].ravel())
    assert np.array_equal(flat.backward(Y), X)
    assert gradcheck(flat, X) < 1e-7


# -- bad input ----------------------------------------------------------------------------
def test_pool_wrong_ndim():
    with pytest.raises(ValueError, match=r"MaxPool2D.*expected X of shape \(batch, channels, "
                       r"height, width\), got \(2, 64\)"):
        MaxPool2D(2).forward(np.zeros((2, 64)))


def test_pool_window_too_large():
    with pytest.raises(ValueError, match=r"AvgPool2D.*at least 3x3.*\(1, 1, 2, 2\)"):
        AvgPool2D(3).forward(np.zeros((1, 1, 2, 2)))


def test_pool_backward_before_forward_and_wrong_shape():
    pool = MaxPool2D(2)
    with pytest.raises(ValueError, match="backward before forward"):
        pool.backward(np.zeros((1, 1, 2, 2)))
    pool.forward(np.zeros((1, 1, 4, 4)))
    with pytest.raises(ValueError, match=r"dL_dY of shape \(1, 1, 2, 2\).*\(1, 1, 4, 4\)"):
        pool.backward(np.zeros((1, 1, 4, 4)))


def test_pool_bad_arguments():
    with pytest.raises(ValueError, match="MaxPool2D"):
        MaxPool2D(0)
    with pytest.raises(TypeError, match="AvgPool2D"):
        AvgPool2D(2, stride=1.5)


def test_flatten_errors():
    with pytest.raises(ValueError, match=r"Flatten.*at least 2 dimensions, got \(5,\)"):
        Flatten().forward(np.zeros(5))
    flat = Flatten()
    flat.forward(np.zeros((2, 3, 4)))
    with pytest.raises(ValueError, match=r"expected dL_dY of shape \(2, 12\)"):
        flat.backward(np.zeros((2, 3, 4)))


# -- PyTorch ------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["max", "avg"])
@pytest.mark.parametrize("k, s", SETTINGS)
def test_agrees_with_pytorch(name, k, s):
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    rng = np.random.default_rng(3)
    X = rng.standard_normal((2, 3, 7, 8))
    pool = MaxPool2D(k, s) if name == "max" else AvgPool2D(k, s)
    Y = pool.forward(X)
    G = rng.standard_normal(Y.shape)
    dX = pool.backward(G)
    Xt = torch.tensor(X, requires_grad=True)
    fn = F.max_pool2d if name == "max" else F.avg_pool2d
    Yt = fn(Xt, pool.kernel_size, pool.stride)
    (Yt * torch.tensor(G)).sum().backward()
    assert relative_error(Y, Yt.detach().numpy()) < 1e-13
    assert relative_error(dX, Xt.grad.numpy()) < 1e-13
