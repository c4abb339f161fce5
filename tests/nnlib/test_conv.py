"""Conv2D: forward against a loop, the Toeplitz matrix, SymPy, finite differences, PyTorch."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from nnlib.gradcheck import gradcheck, numerical_gradient, relative_error
from nnlib.layers import Conv2D, Dense, Flatten, MaxPool2D, ReLU
from nnlib.layers.conv import conv_matrix, conv_output_size
from nnlib.losses import CrossEntropy
from nnlib.network import Sequential

CONFIGS = [
    # (C_in, C_out, kernel, stride, padding, H, W)
    (1, 1, 2, 1, 0, 3, 3),
    (2, 3, 3, 1, 0, 5, 6),
    (2, 3, 3, 2, 1, 7, 6),
    (1, 2, (2, 3), (2, 1), (1, 0), 6, 5),
    (3, 2, 3, 3, 0, 8, 8),
    (2, 2, 1, 1, 2, 3, 4),
]


def loop_conv(X, W, b, stride, padding):
    """The defining sum, one output pixel at a time."""
    sh, sw = stride
    ph, pw = padding
    Xp = np.pad(X, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    n, _, hp, wp = Xp.shape
    c_out, _, kh, kw = W.shape
    ho, wo = (hp - kh) // sh + 1, (wp - kw) // sw + 1
    Y = np.zeros((n, c_out, ho, wo))
    for i in range(ho):
        for j in range(wo):
            patch = Xp[:, :, sh * i : sh * i + kh, sw * j : sw * j + kw]
            Y[:, :, i, j] = np.einsum("ncuv,ocuv->no", patch, W) + b
    return Y


def make(cfg, seed=0):
    c_in, c_out, k, s, p, h, w = cfg
    rng = np.random.default_rng(seed)
    conv = Conv2D(c_in, c_out, k, stride=s, padding=p, rng=rng)
    conv.b.value[...] = rng.standard_normal(c_out)
    X = rng.standard_normal((2, c_in, h, w))
    return conv, X, rng


@pytest.mark.parametrize("cfg", CONFIGS)
def test_forward_matches_loop(cfg):
    conv, X, _ = make(cfg)
    Y = conv.forward(X)
    expected = loop_conv(X, conv.W.value, conv.b.value, conv.stride, conv.padding)
    assert Y.shape == conv.output_shape(X.shape) == expected.shape
    assert relative_error(Y, expected) < 1e-12


@pytest.mark.parametrize("cfg", CONFIGS)
def test_gradients_match_finite_differences(cfg):
    conv, X, _ = make(cfg)
    errors = gradcheck(conv, X, per_tensor=True)
    assert max(errors.values()) < 1e-7, errors


def test_backward_without_input_grad_equals_backward():
    conv, X, rng = make(CONFIGS[2])
    G = rng.standard_normal(conv.forward(X).shape)
    conv.backward(G)
    dW, db = conv.W.grad.copy(), conv.b.grad.copy()
    conv.zero_grad()
    assert conv.backward(G, input_grad=False) is None
    assert np.array_equal(conv.W.grad, dW) and np.array_equal(conv.b.grad, db)


def test_no_bias():
    conv = Conv2D(2, 3, 2, bias=False, rng=0)
    assert conv.b is None and conv.n_params == 3 * 2 * 2 * 2
    X = np.random.default_rng(1).standard_normal((2, 2, 4, 4))
    assert gradcheck(conv, X) < 1e-7


def test_output_size_formula():
    assert conv_output_size(8, 3, 1, 1) == 8
    assert conv_output_size(7, 3, 2, 1) == 4
    assert conv_output_size(5, 2, 2, 0) == 2
    assert Conv2D(1, 1, 3, stride=2, padding=1).output_shape((4, 1, 7, 9)) == (4, 1, 4, 5)


@pytest.mark.parametrize("stride, padding", [(1, 0), (2, 1), ((1, 2), (0, 1))])
def test_conv_is_the_toeplitz_matrix_product(stride, padding):
    rng = np.random.default_rng(2)
    K, X = rng.standard_normal((2, 3)), rng.standard_normal((5, 6))
    conv = Conv2D(1, 1, (2, 3), stride=stride, padding=padding, bias=False)
    conv.W.value[0, 0] = K
    Y = conv.forward(X[None, None])[0, 0]
    T = conv_matrix(K, (5, 6), stride, padding)
    assert T.shape == (Y.size, X.size)
    assert relative_error(T @ X.ravel(), Y.ravel()) < 1e-12
    # and the input gradient is the transposed matrix applied to the upstream gradient
    G = rng.standard_normal(Y.shape)
    dX = conv.backward(G[None, None])[0, 0]
    assert relative_error(T.T @ G.ravel(), dX.ravel()) < 1e-12


def test_toeplitz_block_structure():
    K = np.arange(1.0, 5.0).reshape(2, 2)
    T = conv_matrix(K, (3, 3))
    blocks = T.reshape(2, 2, 3, 3).transpose(0, 2, 1, 3)  # block (i, r) of size 2 x 3
    for i in range(2):
        for r in range(3):
            u = r - i
            expected = np.zeros((2, 3))
            if 0 <= u < 2:
                expected[0, :2] = expected[1, 1:] = K[u]
            assert np.array_equal(blocks[i, r], expected)


def test_sympy_gradients_3x3_input_2x2_kernel():
    """The kernel gradient is X correlated with G; the input gradient the full convolution
    of G with the flipped kernel: derived by SymPy, compared with nnlib."""
    x = sp.Matrix(3, 3, lambda i, j: sp.Symbol(f"x{i}{j}"))
    k = sp.Matrix(2, 2, lambda i, j: sp.Symbol(f"k{i}{j}"))
    g = sp.Matrix(2, 2, lambda i, j: sp.Symbol(f"g{i}{j}"))
    y = sp.Matrix(2, 2, lambda i, j: sum(k[u, v] * x[i + u, j + v] for u in range(2)
                                          for v in range(2)))
    L = sum(g[i, j] * y[i, j] for i in range(2) for j in range(2))
    dk = sp.Matrix(2, 2, lambda u, v: sp.diff(L, k[u, v]))
    dx = sp.Matrix(3, 3, lambda r, c: sp.diff(L, x[r, c]))
    corr = sp.Matrix(2, 2, lambda u, v: sum(x[u + i, v + j] * g[i, j] for i in range(2)
                                             for j in range(2)))
    gp = sp.zeros(5, 5)
    gp[1:3, 1:3] = g
    kf = sp.Matrix(2, 2, lambda u, v: k[1 - u, 1 - v])
    full = sp.Matrix(3, 3, lambda r, c: sum(gp[r + u, c + v] * kf[u, v] for u in range(2)
                                             for v in range(2)))
    assert sp.expand(dk - corr) == sp.zeros(2, 2)
    assert sp.expand(dx - full) == sp.zeros(3, 3)
    # numerically against nnlib
    rng = np.random.default_rng(3)
    vals = {s: rng.standard_normal() for s in (*x, *k, *g)}
    conv = Conv2D(1, 1, 2, bias=False)
    conv.W.value[0, 0] = np.array(k.subs(vals), dtype=float)
    conv.forward(np.array(x.subs(vals), dtype=float)[None, None])
    dX = conv.backward(np.array(g.subs(vals), dtype=float)[None, None])
    assert relative_error(dX[0, 0], np.array(dx.subs(vals), dtype=float)) < 1e-12
    assert relative_error(conv.W.grad[0, 0], np.array(dk.subs(vals), dtype=float)) < 1e-12


def test_small_cnn_gradcheck_with_loss():
    rng = np.random.default_rng(4)
    model = Sequential(
        Conv2D(1, 2, 3, padding=1, rng=rng), ReLU(), MaxPool2D(2), Flatten(),
        Dense(2 * 2 * 2, 3, rng=rng),
    )
    X = rng.standard_normal((3, 1, 4, 4))
    y = np.array([0, 2, 1])
    assert gradcheck(model, X, y=y, loss=CrossEntropy()) < 1e-7


def test_float32():
    conv = Conv2D(2, 2, 3, dtype=np.float32, rng=0)
    Y = conv.forward(np.ones((1, 2, 4, 4)))
    assert Y.dtype == np.float32 and conv.W.value.dtype == np.float32
    assert conv.backward(np.ones_like(Y)).dtype == np.float32


def test_init_scale_he():
    conv = Conv2D(16, 64, 3, rng=0)
    assert conv.W.shape == (64, 16, 3, 3)
    assert abs(conv.W.value.std() - np.sqrt(2 / (16 * 9))) < 0.01


def test_numerical_gradient_of_a_kernel_by_hand():
    # a 1x1 "image" convolved with a 1x1 kernel is a product: dL/dk = x g
    conv = Conv2D(1, 1, 1, bias=False)
    conv.W.value[...] = 3.0
    X = np.full((1, 1, 1, 1), 2.0)
    conv.forward(X)
    dX = conv.backward(np.full((1, 1, 1, 1), 5.0))
    assert conv.W.grad.item() == 10.0 and dX.item() == 15.0
    num = numerical_gradient(lambda _: float(conv.forward(X).sum() * 5.0), conv.W.value)
    assert abs(num.item() - 10.0) < 1e-8


# -- bad input ----------------------------------------------------------------------------
def test_wrong_channels_names_layer_and_shapes():
    conv = Conv2D(3, 4, 3)
    with pytest.raises(ValueError, match=r"Conv2D\(3, 4.*expected X of shape \(batch, 3, "
                       r"height, width\), got \(2, 1, 8, 8\)"):
        conv.forward(np.zeros((2, 1, 8, 8)))


def test_wrong_ndim():
    with pytest.raises(ValueError, match=r"Conv2D.*got \(2, 64\)"):
        Conv2D(1, 4, 3).forward(np.zeros((2, 64)))


def test_kernel_larger_than_input():
    with pytest.raises(ValueError, match=r"at least 5x5 pixels.*\(1, 1, 3, 3\)"):
        Conv2D(1, 1, 5).forward(np.zeros((1, 1, 3, 3)))


def test_backward_before_forward():
    with pytest.raises(ValueError, match=r"Conv2D.*backward before forward"):
        Conv2D(1, 1, 2).backward(np.zeros((1, 1, 2, 2)))


def test_wrong_grad_shape():
    conv = Conv2D(1, 2, 2)
    conv.forward(np.zeros((1, 1, 3, 3)))
    with pytest.raises(ValueError, match=r"dL_dY of shape \(1, 2, 2, 2\).*\(1, 2, 3, 3\)"):
        conv.backward(np.zeros((1, 2, 3, 3)))


def test_nan_input():
    with pytest.raises(ValueError, match="finite"):
        Conv2D(1, 1, 2).forward(np.full((1, 1, 3, 3), np.nan))


@pytest.mark.parametrize("kwargs, err", [
    ({"kernel_size": 0}, ValueError), ({"kernel_size": 2.5}, TypeError),
    ({"kernel_size": 2, "stride": 0}, ValueError), ({"kernel_size": 2, "padding": -1}, ValueError),
    ({"kernel_size": (2, 2, 2)}, TypeError),
])
def test_bad_arguments(kwargs, err):
    with pytest.raises(err, match="Conv2D"):
        Conv2D(1, 1, **kwargs)


# -- PyTorch ------------------------------------------------------------------------------
@pytest.mark.parametrize("cfg", CONFIGS)
def test_agrees_with_pytorch(cfg):
    torch = pytest.importorskip("torch")
    conv, X, rng = make(cfg)
    Y = conv.forward(X)
    G = rng.standard_normal(Y.shape)
    dX = conv.backward(G)
    Xt = torch.tensor(X, requires_grad=True)
    Wt = torch.tensor(conv.W.value, requires_grad=True)
    bt = torch.tensor(conv.b.value, requires_grad=True)
    Yt = torch.nn.functional.conv2d(Xt, Wt, bt, stride=conv.stride, padding=conv.padding)
    (Yt * torch.tensor(G)).sum().backward()
    assert relative_error(Y, Yt.detach().numpy()) < 1e-12
    assert relative_error(dX, Xt.grad.numpy()) < 1e-12
    assert relative_error(conv.W.grad, Wt.grad.numpy()) < 1e-12
    assert relative_error(conv.b.grad, bt.grad.numpy()) < 1e-12


def full_convolution_input_grad(G, W, stride, padding, x_shape):
    """dL/dX as the text states it: the dilated, (k-1)-padded G cross-correlated with rot180(W)."""
    n, c_out, ho, wo = G.shape
    _, c_in, kh, kw = W.shape
    sh, sw = stride
    ph, pw = padding
    hp, wp = x_shape[2] + 2 * ph, x_shape[3] + 2 * pw
    Gd = np.zeros((n, c_out, (ho - 1) * sh + 1, (wo - 1) * sw + 1))
    Gd[:, :, ::sh, ::sw] = G
    Gp = np.pad(Gd, ((0, 0), (0, 0), (kh - 1, hp - Gd.shape[2]), (kw - 1, wp - Gd.shape[3])))
    Wf = W[:, :, ::-1, ::-1]
    dXp = np.zeros((n, c_in, hp, wp))
    for r in range(hp):
        for c in range(wp):
            dXp[:, :, r, c] = np.einsum("nouv,ocuv->nc", Gp[:, :, r : r + kh, c : c + kw], Wf)
    return dXp[:, :, ph : hp - ph, pw : wp - pw]


@pytest.mark.parametrize("cfg", CONFIGS)
def test_input_grad_is_full_convolution_with_flipped_kernel(cfg):
    conv, X, rng = make(cfg)
    G = rng.standard_normal(conv.forward(X).shape)
    dX = conv.backward(G)
    expected = full_convolution_input_grad(G, conv.W.value, conv.stride, conv.padding, X.shape)
    assert relative_error(dX, expected) < 1e-12
