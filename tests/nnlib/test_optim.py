"""nnlib.optim: SGD (momentum, weight decay) and Adam, step by step.

Also: Nesterov SGD, RMSProp, AdamW, the learning-rate schedules and early stopping.

Each optimiser and schedule is matched step for step against ``torch.optim``
(float64, 1e-12), on a quadratic-plus-quartic objective whose gradient changes
from step to step, with a weight and a bias so that weights-only decay is
exercised.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from _helpers import requires_torch, rng

from nnlib.data import make_regression
from nnlib.layers import Dense, Parameter
from nnlib.losses import MSE
from nnlib.network import mlp
from nnlib.optim import SGD, Adam, AdamW, RMSProp
from nnlib.optim.schedules import CosineLR, StepLR, WarmupLR
from nnlib.train import fit


def make_params():
    W = Parameter(np.array([[1.0, -2.0], [0.5, 3.0]]), "W", kind="weight")
    b = Parameter(np.array([0.25, -0.75]), "b", kind="bias")
    W.grad[...] = [[0.1, 0.2], [-0.3, 0.4]]
    b.grad[...] = [1.0, -1.0]
    return W, b


def test_plain_sgd_step():
    W, b = make_params()
    W0, b0, gW, gb = W.value.copy(), b.value.copy(), W.grad.copy(), b.grad.copy()
    SGD([W, b], lr=0.1).step()
    np.testing.assert_allclose(W.value, W0 - 0.1 * gW)  # theta <- theta - eta grad
    np.testing.assert_allclose(b.value, b0 - 0.1 * gb)


def test_sgd_momentum_matches_the_recursion():
    W, _ = make_params()
    theta, v = W.value.copy(), np.zeros_like(W.value)
    opt = SGD([W], lr=0.05, momentum=0.9)
    for t in range(5):
        g = np.cos(t + theta)  # any gradient sequence that depends on theta
        W.grad[...] = np.cos(t + W.value)
        opt.step()
        v = 0.9 * v + g  # v <- mu v + g
        theta = theta - 0.05 * v  # theta <- theta - eta v
        np.testing.assert_allclose(W.value, theta, rtol=1e-15)
    np.testing.assert_allclose(opt.velocity[0], v, rtol=1e-15)
    assert opt.t == 5


def test_weight_decay_acts_on_weights_only():
    W, b = make_params()
    W0, b0, gW, gb = W.value.copy(), b.value.copy(), W.grad.copy(), b.grad.copy()
    SGD([W, b], lr=0.1, weight_decay=0.01).step()
    np.testing.assert_allclose(W.value, W0 - 0.1 * (gW + 0.01 * W0))  # g + lambda W
    np.testing.assert_allclose(b.value, b0 - 0.1 * gb)  # biases not decayed
    W, b = make_params()
    Adam([W, b], lr=0.1, weight_decay=0.5).step()
    W2, b2 = make_params()
    W2.grad += 0.5 * W2.value
    Adam([W2, b2], lr=0.1).step()
    np.testing.assert_allclose(W.value, W2.value)
    np.testing.assert_allclose(b.value, b2.value)


def test_adam_matches_the_equations():
    W, _ = make_params()
    lr, b1, b2, eps = 0.01, 0.8, 0.95, 1e-6
    opt = Adam([W], lr=lr, betas=(b1, b2), eps=eps)
    theta = W.value.copy()
    m = np.zeros_like(theta)
    v = np.zeros_like(theta)
    for t in range(1, 8):
        g = np.sin(3 * theta) + 0.1 * t
        W.grad[...] = np.sin(3 * W.value) + 0.1 * t
        opt.step()
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g**2
        m_hat = m / (1 - b1**t)
        v_hat = v / (1 - b2**t)
        theta = theta - lr * m_hat / (np.sqrt(v_hat) + eps)
        np.testing.assert_allclose(W.value, theta, rtol=1e-13)


def test_adam_first_step_is_about_lr_times_sign():
    W, _ = make_params()
    W0 = W.value.copy()
    Adam([W], lr=0.001).step()
    np.testing.assert_allclose(W.value, W0 - 0.001 * np.sign(W.grad), rtol=1e-6)


def test_zero_grad_and_in_place_updates():
    layer = Dense(3, 2, rng=0)
    W_array = layer.W.value
    layer.W.grad[...] = 1.0
    opt = SGD(layer.parameters(), lr=0.1)
    opt.step()
    assert layer.W.value is W_array  # updated in place
    opt.zero_grad()
    assert not layer.W.grad.any() and not layer.b.grad.any()


@pytest.mark.parametrize(
    "make",
    [
        lambda p: SGD(p, lr=0.1),
        lambda p: SGD(p, lr=0.05, momentum=0.9),
        lambda p: Adam(p, lr=0.05),
    ],
)
def test_optimisers_minimise_a_quadratic(make):
    # J(theta) = 1/2 theta^T A theta - c^T theta, minimum at A^{-1} c
    A = np.array([[3.0, 0.5], [0.5, 1.0]])
    c = np.array([1.0, -2.0])
    theta = Parameter(np.zeros(2), "theta")
    opt = make([theta])
    for _ in range(2000):
        theta.grad[...] = A @ theta.value - c
        opt.step()
    np.testing.assert_allclose(theta.value, np.linalg.solve(A, c), atol=1e-6)


def test_float32_parameters_stay_float32():
    layer = Dense(3, 2, rng=0, dtype=np.float32)
    for opt in (
        SGD(layer.parameters(), lr=0.1, momentum=0.9, weight_decay=0.1),
        Adam(layer.parameters(), weight_decay=0.1),
    ):
        layer.forward(rng(1).standard_normal((4, 3)))
        layer.backward(np.ones((4, 2), dtype=np.float32))
        opt.step()
        assert layer.W.value.dtype == np.float32 and layer.b.value.dtype == np.float32


def test_repr():
    p = [Parameter(np.zeros(1))]
    assert repr(SGD(p, lr=0.1, momentum=0.9)) == "SGD(lr=0.1, momentum=0.9, weight_decay=0)"
    assert repr(Adam(p)) == "Adam(lr=0.001, betas=(0.9, 0.999), eps=1e-08, weight_decay=0)"


def test_one_parameter_policy_for_optimizers_clipping_and_penalties():
    from nnlib._validation import as_parameters
    from nnlib.clipping import grad_norm
    from nnlib.network import mlp
    from nnlib.regularization import weights

    net = mlp([2, 3, 1], rng=0)
    params = net.parameters()
    assert as_parameters(net, "test") == params
    assert as_parameters(params[0], "test") == [params[0]]
    assert Adam(net).params == Adam(params).params
    assert grad_norm(net) == grad_norm(params)
    assert weights(net) == [p for p in params if p.kind == "weight"]
    for bad, got in ((3.0, "got float"), ([np.zeros(2)], "got ndarray at position 0")):
        with pytest.raises(TypeError, match=got):
            as_parameters(bad, "test")


# ----------------------------------------------------------------------------
# Nesterov SGD, RMSProp, AdamW, the learning-rate schedules and early stopping.
# ----------------------------------------------------------------------------
TOL = 1e-12
STEPS = 25


def _objective_grad(w: np.ndarray) -> np.ndarray:
    """Gradient of J(w) = sum(0.5 * c * w^2 + 0.1 * w^4 - w), c = 1..n."""
    c = np.arange(1, w.size + 1, dtype=np.float64).reshape(w.shape)
    return c * w + 0.4 * w**3 - 1.0


def _run_nnlib(make_opt, steps=STEPS):
    rng = np.random.default_rng(0)
    W = Parameter(rng.standard_normal((3, 2)), "W", kind="weight")
    b = Parameter(rng.standard_normal(3), "b", kind="bias")
    opt = make_opt([W, b])
    path = []
    for _ in range(steps):
        for p in (W, b):
            p.grad[...] = _objective_grad(p.value)
        opt.step()
        path.append(np.concatenate([W.value.ravel(), b.value]))
    return np.array(path)


def _run_torch(make_opt, steps=STEPS):
    import torch

    rng = np.random.default_rng(0)
    W = torch.tensor(rng.standard_normal((3, 2)), requires_grad=True)
    b = torch.tensor(rng.standard_normal(3), requires_grad=True)
    opt = make_opt(W, b)
    path = []
    for _ in range(steps):
        for p in (W, b):
            p.grad = torch.tensor(_objective_grad(p.detach().numpy().copy()))
        opt.step()
        path.append(np.concatenate([W.detach().numpy().ravel(), b.detach().numpy()]))
    return np.array(path)


def _groups(W, b, weight_decay):
    """torch param groups that decay the weight only, as nnlib does."""
    return [{"params": [W], "weight_decay": weight_decay}, {"params": [b], "weight_decay": 0.0}]


OPTIMIZERS = {
    "sgd-nesterov": (
        lambda ps: SGD(ps, lr=0.05, momentum=0.9, nesterov=True),
        lambda torch, W, b: torch.optim.SGD([W, b], lr=0.05, momentum=0.9, nesterov=True),
    ),
    "sgd-nesterov-decay": (
        lambda ps: SGD(ps, lr=0.05, momentum=0.8, weight_decay=0.1, nesterov=True),
        lambda torch, W, b: torch.optim.SGD(
            _groups(W, b, 0.1), lr=0.05, momentum=0.8, nesterov=True
        ),
    ),
    "rmsprop": (
        lambda ps: RMSProp(ps),
        lambda torch, W, b: torch.optim.RMSprop([W, b], lr=1e-2, alpha=0.99, eps=1e-8),
    ),
    "rmsprop-decay": (
        lambda ps: RMSProp(ps, lr=3e-3, alpha=0.9, eps=1e-6, weight_decay=0.05),
        lambda torch, W, b: torch.optim.RMSprop(_groups(W, b, 0.05), lr=3e-3, alpha=0.9, eps=1e-6),
    ),
    "adamw": (
        lambda ps: AdamW(ps, lr=0.05),
        lambda torch, W, b: torch.optim.AdamW(_groups(W, b, 1e-2), lr=0.05),
    ),
    "adamw-strong-decay": (
        lambda ps: AdamW(ps, lr=0.02, betas=(0.8, 0.95), eps=1e-6, weight_decay=0.5),
        lambda torch, W, b: torch.optim.AdamW(
            _groups(W, b, 0.5), lr=0.02, betas=(0.8, 0.95), eps=1e-6
        ),
    ),
}


@requires_torch
@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_optimizer_matches_torch_step_for_step(name):
    import torch

    ours, theirs = OPTIMIZERS[name]
    path = _run_nnlib(ours)
    reference = _run_torch(lambda W, b: theirs(torch, W, b))
    assert np.max(np.abs(path - reference)) < TOL
    assert np.max(np.abs(path[-1] - path[0])) > 1e-2  # the parameters did move


def test_nesterov_differs_from_heavy_ball_and_needs_momentum():
    heavy = _run_nnlib(lambda ps: SGD(ps, lr=0.05, momentum=0.9))
    nesterov = _run_nnlib(lambda ps: SGD(ps, lr=0.05, momentum=0.9, nesterov=True))
    assert np.max(np.abs(heavy - nesterov)) > 1e-3
    with pytest.raises(ValueError, match="SGD: expected momentum > 0 with nesterov=True"):
        SGD([Parameter([1.0])], lr=0.1, nesterov=True)


def test_first_rmsprop_step_is_lr_over_sqrt_one_minus_alpha():
    """s_1 = (1 - alpha) g^2, so theta_1 = theta_0 - lr g / (sqrt(1 - alpha)|g| + eps)."""
    p = Parameter([2.0, -1.0])
    p.grad[...] = [4.0, -0.5]
    RMSProp([p], lr=0.01, alpha=0.99, eps=1e-12).step()
    expected = np.array([2.0, -1.0]) - 0.01 * np.sign([4.0, -0.5]) / math.sqrt(0.01)
    np.testing.assert_allclose(p.value, expected, rtol=1e-10)


def test_adamw_decays_a_gradient_free_weight_at_a_rate_independent_of_adam():
    """No data gradient: AdamW gives theta_t = (1 - lr lambda)^t theta_0; Adam's L2 does not."""
    for lam in (0.01, 0.1):
        p = Parameter([3.0])
        opt = AdamW([p], lr=0.1, weight_decay=lam)
        for _ in range(10):
            p.grad[...] = 0.0
            opt.step()
        np.testing.assert_allclose(p.value, 3.0 * (1 - 0.1 * lam) ** 10, rtol=1e-13)
    # Adam with L2: the step is lr * m_hat / sqrt(v_hat) ~ lr, whatever lambda is
    moves = []
    for lam in (0.01, 0.1):
        p = Parameter([3.0])
        opt = Adam([p], lr=0.1, weight_decay=lam)
        p.grad[...] = 0.0
        opt.step()
        moves.append(3.0 - float(p.value[0]))
    np.testing.assert_allclose(moves, [0.1, 0.1], rtol=1e-6)


def test_reprs():
    ps = [Parameter([1.0])]
    assert repr(SGD(ps, lr=0.1, momentum=0.9, nesterov=True)) == (
        "SGD(lr=0.1, momentum=0.9, weight_decay=0, nesterov=True)"
    )
    assert repr(RMSProp(ps)) == "RMSProp(lr=0.01, alpha=0.99, eps=1e-08, weight_decay=0)"
    assert repr(AdamW(ps)) == "AdamW(lr=0.001, betas=(0.9, 0.999), eps=1e-08, weight_decay=0.01)"
    assert repr(StepLR(SGD(ps, lr=0.1), 3)) == "StepLR(step_size=3, gamma=0.1)"


# -- schedules ------------------------------------------------------------------------
SCHEDULES = {
    "step": (
        lambda opt: StepLR(opt, step_size=3, gamma=0.5),
        lambda torch, opt: torch.optim.lr_scheduler.StepLR(opt, step_size=3, gamma=0.5),
    ),
    "cosine": (
        lambda opt: CosineLR(opt, T_max=10, eta_min=1e-3),
        lambda torch, opt: torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=10, eta_min=1e-3),
    ),
    "warmup": (
        lambda opt: WarmupLR(opt, warmup_steps=4, start_factor=0.25),
        lambda torch, opt: torch.optim.lr_scheduler.LinearLR(
            opt, start_factor=0.25, end_factor=1.0, total_iters=4
        ),
    ),
}


@requires_torch
@pytest.mark.parametrize("name", list(SCHEDULES))
def test_schedule_matches_torch_step_for_step(name):
    import torch

    ours, theirs = SCHEDULES[name]
    opt = SGD([Parameter([1.0])], lr=0.2)
    schedule = ours(opt)
    t_opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.2)
    t_schedule = theirs(torch, t_opt)
    ours_lr, torch_lr = [opt.lr], [t_opt.param_groups[0]["lr"]]
    for _ in range(10):
        opt.step()
        schedule.step()
        t_opt.step()
        t_schedule.step()
        ours_lr.append(opt.lr)
        torch_lr.append(t_opt.param_groups[0]["lr"])
    np.testing.assert_allclose(ours_lr, torch_lr, rtol=1e-12, atol=1e-15)
    assert len(set(np.round(ours_lr, 12))) > 2  # the rate did change


def test_schedule_closed_forms():
    opt = SGD([Parameter([1.0])], lr=1.0)
    cosine = CosineLR(opt, T_max=4)
    assert [cosine.lr_at(t) for t in (0, 2, 4, 6)] == pytest.approx([1.0, 0.5, 0.0, 0.0])
    warm = WarmupLR(SGD([Parameter([1.0])], lr=2.0), warmup_steps=2, start_factor=0.5)
    assert [warm.lr_at(t) for t in (0, 1, 2, 5)] == pytest.approx([1.0, 1.5, 2.0, 2.0])
    with pytest.raises(ValueError, match="StepLR: expected gamma in"):
        StepLR(opt, 2, gamma=0.0)
    with pytest.raises(TypeError, match="expected an optimizer with an lr attribute"):
        StepLR(object(), 2)


# -- early stopping -------------------------------------------------------------------
def _overfitting_problem():
    X, y = make_regression(n_samples=40, n_features=3, noise=1.0, rng=0)
    return X[:20], y[:20], X[20:], y[20:]


def test_early_stopping_restores_the_best_weights():
    X, y, X_val, y_val = _overfitting_problem()
    net = mlp([3, 64, 1], activation="tanh", rng=0)
    history = fit(
        net, MSE(), Adam(net.parameters(), lr=3e-2), X, y, epochs=300, batch_size=20,
        rng=0, validation=(X_val, y_val), progress=False, early_stopping=5,
    )  # fmt: skip
    best = history.best_epoch
    assert best is not None and len(history.val_loss) == best + 5 < 300
    assert history.val_loss[best - 1] == min(history.val_loss)
    assert all(v >= history.val_loss[best - 1] for v in history.val_loss[best:])
    val = MSE().forward(net.predict(X_val), y_val)
    assert val == pytest.approx(history.val_loss[best - 1], rel=1e-12)


def test_best_epoch_without_early_stopping_and_errors():
    X, y, X_val, y_val = _overfitting_problem()
    net = mlp([3, 8, 1], rng=0)
    history = fit(net, MSE(), SGD(net.parameters(), lr=0.01), X, y, epochs=5,
                  rng=0, validation=(X_val, y_val), progress=False)  # fmt: skip
    assert history.best_epoch == int(np.argmin(history.val_loss)) + 1
    assert fit(net, MSE(), SGD(net.parameters(), lr=0.01), X, y, epochs=1, rng=0,
               progress=False).best_epoch is None  # fmt: skip
    with pytest.raises(ValueError, match=r"fit: expected validation=.* with early_stopping"):
        fit(net, MSE(), SGD(net.parameters(), lr=0.01), X, y, epochs=1, early_stopping=3)
