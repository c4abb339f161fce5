"""RNN: the recurrence, BPTT against SymPy (T = 3, scalar state), finite differences, PyTorch."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from nnlib.gradcheck import gradcheck, numerical_gradient, relative_error
from nnlib.layers import RNN, Dense, LastTimeStep
from nnlib.losses import MSE
from nnlib.network import Sequential


def make(n_in=3, n_hidden=4, n=2, T=5, seed=0):
    rng = np.random.default_rng(seed)
    rnn = RNN(n_in, n_hidden, rng=rng)
    rnn.b.value[...] = 0.1 * rng.standard_normal(n_hidden)
    X = rng.standard_normal((n, T, n_in))
    return rnn, X, rng


def test_forward_is_the_recurrence():
    rnn, X, rng = make()
    h0 = rng.standard_normal((2, 4))
    H = rnn.forward(X, h0)
    h = h0
    for t in range(X.shape[1]):
        h = np.tanh(rnn.W_hh.value @ h.T + rnn.W_xh.value @ X[:, t].T + rnn.b.value[:, None]).T
        assert relative_error(H[:, t], h) < 1e-13


@pytest.mark.parametrize("n_in, n_hidden, T", [(1, 1, 1), (3, 4, 5), (2, 6, 8)])
def test_gradients_match_finite_differences(n_in, n_hidden, T):
    rnn, X, _ = make(n_in, n_hidden, 3, T)
    errors = gradcheck(rnn, X, per_tensor=True)
    assert max(errors.values()) < 1e-7, errors


def test_dh0_matches_finite_differences():
    rnn, X, rng = make()
    h0 = 0.5 * rng.standard_normal((2, 4))
    R = rng.standard_normal((2, 5, 4))
    rnn.forward(X, h0)
    rnn.backward(R)
    numeric = numerical_gradient(lambda h: float(np.sum(R * rnn.forward(X, h))), h0)
    assert relative_error(rnn.dh0, numeric) < 1e-7


def test_sympy_bptt_scalar_three_steps():
    """dL/dw, dL/du, dL/db, dL/dx_t by sp.diff equal the BPTT recursion (scalar state)."""
    w, u, b, h0, y = sp.symbols("w u b h0 y")
    xs = sp.symbols("x1:4")
    hs = [h0]
    for x in xs:
        hs.append(sp.tanh(w * hs[-1] + u * x + b))
    L = (hs[-1] - y) ** 2 / 2
    # BPTT: delta_T = (h_T - y)(1 - h_T^2), delta_t = w delta_{t+1} (1 - h_t^2)
    delta = [None] * 4
    delta[3] = (hs[3] - y) * (1 - hs[3] ** 2)
    for t in (2, 1):
        delta[t] = w * delta[t + 1] * (1 - hs[t] ** 2)
    claims = {
        w: sum(delta[t] * hs[t - 1] for t in (1, 2, 3)),
        u: sum(delta[t] * xs[t - 1] for t in (1, 2, 3)),
        b: sum(delta[t] for t in (1, 2, 3)),
        h0: w * delta[1],
    }
    claims.update({xs[t - 1]: u * delta[t] for t in (1, 2, 3)})
    for var, stated in claims.items():
        assert sp.expand(sp.diff(L, var) - stated) == 0, var
    # and nnlib agrees with the SymPy gradient at a random point
    rng = np.random.default_rng(5)
    vals = dict(zip((w, u, b, h0, y, *xs), rng.uniform(-1, 1, 8), strict=True))
    rnn = RNN(1, 1)
    rnn.W_hh.value[...] = vals[w]
    rnn.W_xh.value[...] = vals[u]
    rnn.b.value[...] = vals[b]
    X = np.array([[[vals[x]] for x in xs]])
    H = rnn.forward(X, np.array([[vals[h0]]]))
    G = np.zeros_like(H)
    G[0, -1, 0] = H[0, -1, 0] - vals[y]
    dX = rnn.backward(G)
    got = {w: rnn.W_hh.grad.item(), u: rnn.W_xh.grad.item(), b: rnn.b.grad.item(),
           h0: rnn.dh0.item(), **{x: dX[0, t, 0] for t, x in enumerate(xs)}}
    for var, value in got.items():
        assert abs(value - float(sp.diff(L, var).subs(vals))) < 1e-12, var


def test_jacobian_dht_dh0_is_product_of_step_jacobians():
    rnn, X, _ = make(2, 3, 1, 6)
    h0 = np.zeros((1, 3))
    H = rnn.forward(X, h0)
    J = np.eye(3)
    for t in range(6):
        J = np.diag(1 - H[0, t] ** 2) @ rnn.W_hh.value @ J
    # rows of dL/dh0 for L = e_k . h_T give the rows of J
    Xb, h0b = np.repeat(X, 3, axis=0), np.zeros((3, 3))
    Hb = rnn.forward(Xb, h0b)
    G = np.zeros_like(Hb)
    G[:, -1, :] = np.eye(3)
    rnn.backward(G)
    assert relative_error(rnn.dh0, J) < 1e-12


def test_weight_sharing_gradient_is_a_sum_over_time():
    rnn, X, rng = make()
    H = rnn.forward(X)
    G = rng.standard_normal(H.shape)
    rnn.backward(G)
    total = rnn.W_xh.grad.copy()
    per_step = np.zeros_like(total)
    for t in range(X.shape[1]):  # only step t's output gets a gradient
        Gt = np.zeros_like(G)
        Gt[:, t] = G[:, t]
        rnn.forward(X)
        rnn.backward(Gt)
        per_step += rnn.W_xh.grad
    assert relative_error(total, per_step) < 1e-12


def test_sequence_model_gradcheck_with_loss():
    rng = np.random.default_rng(6)
    model = Sequential(RNN(2, 3, rng=rng), LastTimeStep(), Dense(3, 1, rng=rng))
    X = rng.standard_normal((4, 5, 2))
    y = rng.standard_normal((4, 1))
    assert gradcheck(model, X, y=y, loss=MSE()) < 1e-7


def test_last_time_step():
    layer = LastTimeStep()
    X = np.arange(24.0).reshape(2, 3, 4)
    assert np.array_equal(layer.forward(X), X[:, -1])
    dX = layer.backward(np.ones((2, 4)))
    assert dX[:, -1].sum() == 8 and dX[:, :-1].sum() == 0
    assert gradcheck(layer, X) < 1e-7


def test_default_init_spectral_radius_near_one():
    rnn = RNN(4, 200, rng=0)
    rho = np.max(np.abs(np.linalg.eigvals(rnn.W_hh.value)))
    assert 0.9 < rho < 1.1
    assert [p.name for p in rnn.parameters()] == ["W_xh", "W_hh", "b"]
    assert rnn.n_params == 200 * 4 + 200 * 200 + 200


# -- bad input ----------------------------------------------------------------------------
def test_wrong_input_shape_names_layer():
    with pytest.raises(ValueError, match=r"RNN\(n_in=3, n_hidden=4\).forward: expected X of "
                       r"shape \(batch, T, 3\) with T >= 1, got \(2, 5, 2\)"):
        RNN(3, 4).forward(np.zeros((2, 5, 2)))
    with pytest.raises(ValueError, match=r"got \(2, 3\)"):
        RNN(3, 4).forward(np.zeros((2, 3)))


def test_wrong_h0_shape():
    with pytest.raises(ValueError, match=r"expected h0 of shape \(2, 4\), got \(4,\)"):
        RNN(3, 4).forward(np.zeros((2, 5, 3)), np.zeros(4))


def test_backward_errors():
    rnn = RNN(3, 4)
    with pytest.raises(ValueError, match="backward before forward"):
        rnn.backward(np.zeros((2, 5, 4)))
    rnn.forward(np.zeros((2, 5, 3)))
    with pytest.raises(ValueError, match=r"expected dL_dY of shape \(2, 5, 4\).*got \(2, 4\)"):
        rnn.backward(np.zeros((2, 4)))


def test_bad_arguments():
    with pytest.raises(ValueError, match="RNN"):
        RNN(0, 3)
    with pytest.raises(TypeError, match="RNN"):
        RNN(2, 3, dtype=np.int64)
    with pytest.raises(ValueError, match=r"LastTimeStep.*\(batch, T, n\)"):
        LastTimeStep().forward(np.zeros((2, 3)))


# -- PyTorch ------------------------------------------------------------------------------
def test_agrees_with_pytorch():
    torch = pytest.importorskip("torch")
    rnn, X, rng = make(3, 4, 2, 6)
    h0 = rng.standard_normal((2, 4))
    H = rnn.forward(X, h0)
    G = rng.standard_normal(H.shape)
    dX = rnn.backward(G)
    ref = torch.nn.RNN(3, 4, batch_first=True, nonlinearity="tanh").double()
    with torch.no_grad():
        ref.weight_ih_l0.copy_(torch.tensor(rnn.W_xh.value))
        ref.weight_hh_l0.copy_(torch.tensor(rnn.W_hh.value))
        ref.bias_ih_l0.copy_(torch.tensor(rnn.b.value))
        ref.bias_hh_l0.zero_()
    Xt = torch.tensor(X, requires_grad=True)
    h0t = torch.tensor(h0[None], requires_grad=True)
    Ht, _ = ref(Xt, h0t)
    (Ht * torch.tensor(G)).sum().backward()
    assert relative_error(H, Ht.detach().numpy()) < 1e-12
    assert relative_error(dX, Xt.grad.numpy()) < 1e-12
    assert relative_error(rnn.dh0, h0t.grad.numpy()[0]) < 1e-12
    assert relative_error(rnn.W_xh.grad, ref.weight_ih_l0.grad.numpy()) < 1e-12
    assert relative_error(rnn.W_hh.grad, ref.weight_hh_l0.grad.numpy()) < 1e-12
    assert relative_error(rnn.b.grad, ref.bias_ih_l0.grad.numpy()) < 1e-12
