"""Agreement with PyTorch (float64) to 1e-10: layers, networks, losses, optimisers.

Skipped with a reason where PyTorch is not installed; CI installs it.
"""

from __future__ import annotations

import numpy as np
import pytest
from _helpers import HAS_TORCH, labels_and_onehot, rng

from nnlib import activations as act
from nnlib.gradcheck import relative_error
from nnlib.layers import Dense
from nnlib.losses import MSE, BinaryCrossEntropy, CrossEntropy
from nnlib.network import mlp
from nnlib.optim import SGD, Adam

pytestmark = pytest.mark.skipif(
    not HAS_TORCH, reason="PyTorch is not installed (CI installs it; pip install torch)"
)
if HAS_TORCH:
    import torch

TOL = 1e-10


def t(a, grad=False):
    """A float64 torch tensor from a NumPy array."""
    return torch.tensor(np.asarray(a, dtype=np.float64), requires_grad=grad)


def n(x):
    return x.detach().numpy()


TORCH_ACT = {
    "relu": lambda: torch.nn.ReLU(),
    "tanh": lambda: torch.nn.Tanh(),
    "sigmoid": lambda: torch.nn.Sigmoid(),
    "leaky_relu": lambda: torch.nn.LeakyReLU(0.01),
}


def torch_twin(net):
    """A torch.nn.Sequential with the same layers and (copied) weights as an nnlib mlp."""
    modules = []
    for layer in net.layers:
        if isinstance(layer, Dense):
            linear = torch.nn.Linear(layer.n_in, layer.n_out, dtype=torch.float64)
            with torch.no_grad():
                linear.weight.copy_(t(layer.W.value))
                linear.bias.copy_(t(layer.b.value))
            modules.append(linear)
        else:
            name = {
                "ReLU": "relu",
                "Tanh": "tanh",
                "Sigmoid": "sigmoid",
                "LeakyReLU": "leaky_relu",
            }
            modules.append(TORCH_ACT[name[type(layer).__name__]]())
    return torch.nn.Sequential(*modules)


def torch_params(twin):
    return [p for m in twin if isinstance(m, torch.nn.Linear) for p in (m.weight, m.bias)]


def test_dense_agrees():
    layer = Dense(5, 3, rng=0)
    layer.b.value[:] = rng(1).standard_normal(3)
    X = rng(2).standard_normal((7, 5))
    dY = rng(3).standard_normal((7, 3))
    twin = torch_twin(type("Net", (), {"layers": [layer]})())[0]
    Xt = t(X, grad=True)
    Yt = twin(Xt)
    Yt.backward(t(dY))
    Y = layer.forward(X)
    dX = layer.backward(dY)
    assert relative_error(Y, n(Yt)) < TOL
    assert relative_error(dX, n(Xt.grad)) < TOL
    assert relative_error(layer.W.grad, n(twin.weight.grad)) < TOL
    assert relative_error(layer.b.grad, n(twin.bias.grad)) < TOL


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "leaky_relu"])
def test_sequential_gradients_agree(activation):
    net = mlp([6, 8, 5, 4], activation=activation, rng=0)
    twin = torch_twin(net)
    X = rng(1).standard_normal((9, 6))
    y = rng(2).integers(0, 4, 9)
    loss = CrossEntropy()
    value = loss.forward(net.forward(X), y)
    dX = net.backward(loss.backward())
    Xt = t(X, grad=True)
    value_t = torch.nn.functional.cross_entropy(twin(Xt), torch.tensor(y))
    value_t.backward()
    assert value == pytest.approx(value_t.item(), rel=TOL)
    assert relative_error(dX, n(Xt.grad)) < TOL
    for p, q in zip(net.parameters(), torch_params(twin), strict=True):
        assert relative_error(p.grad, n(q.grad)) < TOL


def _check_loss(loss, pred, target, torch_fn):
    value = loss.forward(pred, target)
    grad = loss.backward()
    pt = t(pred, grad=True)
    vt = torch_fn(pt)
    vt.backward()
    assert value == pytest.approx(vt.item(), rel=TOL, abs=1e-300)
    assert relative_error(grad, n(pt.grad)) < TOL


def test_losses_agree():
    F = torch.nn.functional
    P = rng(1).standard_normal((8, 4)) * 3
    Y = rng(2).standard_normal((8, 4))
    # MSE: 1/2 sum_j (a_j - y_j)^2 per example, mean over the batch
    _check_loss(MSE(), P, Y, lambda p: 0.5 * ((p - t(Y)) ** 2).sum(dim=1).mean())
    labels, onehot = labels_and_onehot(8, 4, seed=3)
    _check_loss(CrossEntropy(), P, labels, lambda p: F.cross_entropy(p, torch.tensor(labels)))
    _check_loss(CrossEntropy(), P, onehot, lambda p: F.cross_entropy(p, t(onehot)))
    soft = act.softmax(Y)
    _check_loss(CrossEntropy(), P, soft, lambda p: F.cross_entropy(p, t(soft)))
    probs = act.softmax(P / 3)
    _check_loss(
        CrossEntropy(from_logits=False),
        probs,
        labels,
        lambda p: F.nll_loss(torch.log(p), torch.tensor(labels)),
    )
    z = rng(4).standard_normal(10) * 4
    yb = (rng(5).random(10) < 0.5).astype(float)
    _check_loss(
        BinaryCrossEntropy(), z, yb, lambda p: F.binary_cross_entropy_with_logits(p, t(yb))
    )
    pb = act.sigmoid(z / 4)
    _check_loss(
        BinaryCrossEntropy(from_logits=False), pb, yb, lambda p: F.binary_cross_entropy(p, t(yb))
    )


def test_losses_agree_for_extreme_logits():
    F = torch.nn.functional
    P = np.array([[1e4, -1e4, 0.0], [-1e4, 5.0, 1e4]])
    labels = np.array([1, 2])
    _check_loss(CrossEntropy(), P, labels, lambda p: F.cross_entropy(p, torch.tensor(labels)))
    z = np.array([1e4, -1e4, 1e4])
    yb = np.array([0.0, 1.0, 1.0])
    _check_loss(
        BinaryCrossEntropy(), z, yb, lambda p: F.binary_cross_entropy_with_logits(p, t(yb))
    )


def test_softmax_jacobian_agrees():
    z = rng(6).standard_normal((3, 5)) * 2
    for row in z:
        J_t = torch.autograd.functional.jacobian(lambda v: torch.softmax(v, dim=0), t(row))
        assert relative_error(act.softmax_jacobian(row), n(J_t)) < TOL
    assert act.softmax_jacobian(z).shape == (3, 5, 5)


def _trajectories(make_ours, make_theirs, steps=20):
    """Run 20 optimisation steps in nnlib and in torch on the same minibatches."""
    net = mlp([4, 6, 3], activation="tanh", rng=0)
    for p in net.parameters():
        if p.kind == "bias":
            p.value[:] = 0.1 * rng(9).standard_normal(p.shape)
    twin = torch_twin(net)
    weights = [twin[0].weight, twin[2].weight]
    biases = [twin[0].bias, twin[2].bias]
    opt, opt_t = make_ours(net.parameters()), make_theirs(weights, biases)
    data = rng(10)
    for _ in range(steps):
        X = data.standard_normal((5, 4))
        y = data.integers(0, 3, 5)
        loss = CrossEntropy()
        loss.forward(net.forward(X), y)
        net.backward(loss.backward())
        opt.step()
        opt_t.zero_grad()
        torch.nn.functional.cross_entropy(twin(t(X)), torch.tensor(y)).backward()
        opt_t.step()
        for p, q in zip(net.parameters(), torch_params(twin), strict=True):
            assert relative_error(p.value, n(q)) < TOL


def test_sgd_momentum_weight_decay_trajectory_agrees():
    _trajectories(
        lambda params: SGD(params, lr=0.1, momentum=0.9, weight_decay=0.01),
        lambda w, b: torch.optim.SGD(
            [{"params": w, "weight_decay": 0.01}, {"params": b, "weight_decay": 0.0}],
            lr=0.1,
            momentum=0.9,
        ),
    )


def test_adam_trajectory_agrees():
    _trajectories(
        lambda params: Adam(params, lr=0.01, betas=(0.8, 0.99), eps=1e-7, weight_decay=0.05),
        lambda w, b: torch.optim.Adam(
            [{"params": w, "weight_decay": 0.05}, {"params": b, "weight_decay": 0.0}],
            lr=0.01,
            betas=(0.8, 0.99),
            eps=1e-7,
        ),
    )
