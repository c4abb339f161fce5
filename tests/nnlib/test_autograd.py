"""nnlib.autograd: every VJP against SymPy and finite differences, random expression
graphs against PyTorch (hypothesis), an MLP against Sequential.backward to 1e-12,
fan-out accumulation, broadcasting, bad input."""

from __future__ import annotations

import zlib

import numpy as np
import pytest
import sympy as sp
from _helpers import HAS_TORCH, requires_torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nnlib import autograd as ag
from nnlib.autograd import Tensor, cross_entropy, unbroadcast
from nnlib.gradcheck import numerical_gradient, relative_error
from nnlib.losses import CrossEntropy
from nnlib.network import mlp


def grad_of(f, *values):
    """Gradients of the scalar f(*tensors) with respect to each input, by the engine."""
    ts = [Tensor(v, requires_grad=True) for v in values]
    f(*ts).backward()
    return [t.grad for t in ts]


def fd_of(f, *values):
    """The same by central differences."""
    values = [np.array(v, dtype=float) for v in values]
    out = []
    for i, v in enumerate(values):

        def fi(x, i=i):
            args = [Tensor(x if j == i else values[j]) for j in range(len(values))]
            return f(*args).value

        out.append(numerical_gradient(fi, v))
    return out


# ---------------------------------------------------------------------------------
# VJPs against SymPy (exact) for a small case
# ---------------------------------------------------------------------------------
def test_elementwise_and_reductions_match_sympy():
    x = sp.symbols("x0:3", real=True)
    exprs = {
        "exp": (lambda t: t.exp().sum(), sum(sp.exp(xi) for xi in x)),
        "tanh": (lambda t: t.tanh().sum(), sum(sp.tanh(xi) for xi in x)),
        "sigmoid": (lambda t: t.sigmoid().sum(), sum(1 / (1 + sp.exp(-xi)) for xi in x)),
        "log": (lambda t: (t * t + 1).log().sum(), sum(sp.log(xi**2 + 1) for xi in x)),
        "pow": (lambda t: (t**3 / (t * t + 2)).mean(), sum(xi**3 / (xi**2 + 2) for xi in x) / 3),
        "softmax": (
            lambda t: (ag.softmax(t) * Tensor([1.0, -2.0, 0.5])).sum(),
            sum(c * sp.exp(xi) for c, xi in zip([1, -2, sp.Rational(1, 2)], x, strict=True))
            / sum(sp.exp(xi) for xi in x),
        ),
    }
    point = np.array([0.3, -1.2, 0.7])
    subs = dict(zip(x, point, strict=True))
    for name, (f, expr) in exprs.items():
        expected = np.array([float(sp.diff(expr, xi).subs(subs)) for xi in x])
        (got,) = grad_of(f, point)
        assert relative_error(got, expected) < 1e-13, name


def test_cross_entropy_matches_sympy_and_closed_form():
    z = sp.Matrix(2, 3, lambda i, j: sp.Symbol(f"z{i}{j}", real=True))
    labels = [2, 0]
    L = (
        -sum(
            sp.log(sp.exp(z[n, labels[n]]) / sum(sp.exp(z[n, k]) for k in range(3)))
            for n in range(2)
        )
        / 2
    )
    Z = np.array([[0.1, -0.4, 1.3], [2.0, 0.5, -1.0]])
    subs = {z[i, j]: Z[i, j] for i in range(2) for j in range(3)}
    expected = np.array(
        [[float(sp.diff(L, z[i, j]).subs(subs)) for j in range(3)] for i in range(2)]
    )
    t = Tensor(Z, requires_grad=True)
    loss = cross_entropy(t, labels)
    assert abs(loss.item() - float(L.subs(subs))) < 1e-14
    loss.backward()
    assert relative_error(t.grad, expected) < 1e-13
    # closed form: (softmax - onehot) / N
    P = np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)
    P[[0, 1], labels] -= 1
    assert relative_error(t.grad, P / 2) < 1e-13


# ---------------------------------------------------------------------------------
# matmul, transpose, reshape, sums, broadcasting: finite differences
# ---------------------------------------------------------------------------------
CASES = {
    "matmul": (lambda a, b: (a @ b).tanh().sum(), [(3, 4), (4, 2)]),
    "matvec": (lambda a, b: ((a @ b) ** 2).sum(), [(3, 4), (4,)]),
    "vecmat": (lambda a, b: (a @ b).exp().sum(), [(4,), (4, 2)]),
    "batched": (lambda a, b: (a @ b).sigmoid().mean(), [(2, 3, 4), (4, 2)]),
    "T": (lambda a, b: (a.T @ b).sum(), [(4, 3), (4, 2)]),
    "reshape": (lambda a, b: (a.reshape(2, 6) @ b.reshape((6, 1))).tanh().sum(), [(3, 4), (2, 3)]),
    "sum_axis": (lambda a, b: (a.sum(axis=0) * b).sum(), [(3, 4), (4,)]),
    "sum_keepdims": (lambda a, b: (a.sum(axis=1, keepdims=True) * a * b).sum(), [(3, 4), (1, 4)]),
    "mean_axis": (lambda a, b: (a.mean(axis=(0, 1)) * b).sum(), [(2, 3, 4), (4,)]),
    "broadcast_div": (lambda a, b: (a / (b * b + 1)).sum(), [(3, 4), (3, 1)]),
    "rsub_rdiv": (lambda a, b: (2.0 - a).sum() + (1.0 / (1 + b * b)).sum(), [(3,), (2, 2)]),
    "getitem": (lambda a, b: (a[[0, 0, 2]] * b).sum(), [(3, 4), (3, 4)]),
    "tensor_pow": (lambda a, b: ((a * a + 1) ** b).sum(), [(3,), (3,)]),
    "relu": (lambda a, b: (a.relu() * b).sum(), [(3, 4), (4,)]),
}


def fd_error(got, fd):
    """Largest difference from central differences, in units of max(1, |fd|).

    With step h = 1e-6, central differences carry a rounding error of about
    eps |f| / h ~ 1e-10 |f| whatever the size of the gradient, so where the
    gradient is small (a saturated tanh) a purely relative error of 1e-8 can
    be rounding alone; a wrong VJP is off by a fraction of the gradient itself.
    """
    return float(np.max(np.abs(got - fd)) / max(1.0, float(np.max(np.abs(fd)))))


@pytest.mark.parametrize("name", sorted(CASES))
def test_vjps_match_finite_differences(name):
    f, shapes = CASES[name]
    # A seed fixed by the case's name (str hash() changes with every process).
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    values = [rng.standard_normal(s) for s in shapes]
    if name == "relu":
        values[0] = values[0] + np.sign(values[0]) * 0.1  # stay away from the kink
    for got, fd in zip(grad_of(f, *values), fd_of(f, *values), strict=True):
        assert fd_error(got, fd) < 1e-8, name


def test_unbroadcast_sums_over_copied_axes():
    g = np.arange(24.0).reshape(2, 3, 4)
    np.testing.assert_array_equal(unbroadcast(g, (4,)), g.sum(axis=(0, 1)))
    np.testing.assert_array_equal(unbroadcast(g, (3, 1)), g.sum(axis=(0, 2))[:, None])
    np.testing.assert_array_equal(unbroadcast(g, (1, 1, 1)), g.sum().reshape(1, 1, 1))
    np.testing.assert_array_equal(unbroadcast(g, (2, 3, 4)), g)


# ---------------------------------------------------------------------------------
# fan-out: gradients add
# ---------------------------------------------------------------------------------
def test_fan_out_adds_gradients_and_leaves_accumulate():
    x = Tensor([2.0, -1.0], requires_grad=True)
    y = x * x  # x used twice in one node
    z = (y + x).sum() + (y * 3).sum()  # y used twice, x three times
    z.backward()
    np.testing.assert_allclose(x.grad, 8 * x.value + 1)  # d/dx (4x^2 + x)
    z.backward()  # a second call accumulates into the leaf (as in torch)
    np.testing.assert_allclose(x.grad, 2 * (8 * x.value + 1))
    x.zero_grad()
    assert x.grad is None


def test_deep_chain_has_no_recursion_limit():
    x = Tensor(0.5, requires_grad=True)
    y = x
    for _ in range(5000):
        y = y * 1.0001
    y.backward()
    assert abs(x.grad - 1.0001**5000) < 1e-9


def test_ndarray_on_the_left_uses_tensor_ops():
    x = Tensor(np.ones(3), requires_grad=True)
    y = np.array([1.0, 2.0, 3.0]) * x + np.ones(3)
    assert isinstance(y, Tensor)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, [1.0, 2.0, 3.0])


def test_no_graph_without_requires_grad():
    y = Tensor([1.0, 2.0]) * 3
    assert not y.requires_grad and y._parents == ()
    with pytest.raises(ValueError, match="requires_grad=False"):
        y.sum().backward()


# ---------------------------------------------------------------------------------
# the engine reproduces Sequential.backward on an MLP
# ---------------------------------------------------------------------------------
@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid"])
def test_reproduces_sequential_backward_on_an_mlp(activation):
    rng = np.random.default_rng(0)
    model = mlp([5, 8, 6, 3], activation=activation, rng=rng)
    X = rng.standard_normal((10, 5))
    y = rng.integers(0, 3, size=10)
    loss = CrossEntropy()
    value = loss.forward(model.forward(X), y)
    model.backward(loss.backward())
    dense = [layer for layer in model.layers if layer.parameters()]
    params = [
        (Tensor(d.W.value, requires_grad=True), Tensor(d.b.value, requires_grad=True))
        for d in dense
    ]
    a = Tensor(X)
    for i, (W, b) in enumerate(params):
        a = a @ W.T + b
        if i < len(params) - 1:
            a = getattr(a, activation)()
    L = cross_entropy(a, y)
    assert abs(L.item() - value) < 1e-12
    L.backward()
    for d, (W, b) in zip(dense, params, strict=True):
        assert relative_error(W.grad, d.W.grad) < 1e-12
        assert relative_error(b.grad, d.b.grad) < 1e-12


# ---------------------------------------------------------------------------------
# random expression graphs against PyTorch
# ---------------------------------------------------------------------------------
SHAPES = [(3, 4), (4,), (3, 1), (1, 4), ()]
UNARY = [
    "exp_tanh",
    "log1p_sq",
    "sigmoid",
    "tanh",
    "square",
    "cube",
    "softmax",
    "neg",
    "mean0",
    "relu",
    "sum_last",
]
BINARY = ["add", "sub", "mul", "div_safe"]


def _run(program, leaves, lib):
    """Evaluate a program on nnlib Tensors (lib='ag') or torch tensors (lib='torch')."""
    import torch

    pool = list(leaves)
    for op, i, j in program:
        a, b = pool[i % len(pool)], pool[j % len(pool)]
        if op == "exp_tanh":
            r = a.tanh().exp()
        elif op == "log1p_sq":
            r = (a * a + 1).log()
        elif op == "sigmoid":
            r = a.sigmoid()
        elif op == "tanh":
            r = a.tanh()
        elif op == "square":
            r = a**2
        elif op == "cube":
            r = a**3 * 0.1
        elif op == "softmax":
            r = ag.softmax(a, axis=-1) if lib == "ag" else torch.softmax(a, dim=-1)
        elif op == "neg":
            r = -a
        elif op == "mean0":
            r = a.mean(axis=0, keepdims=True) if lib == "ag" else a.mean(dim=0, keepdim=True)
            if a.ndim == 0:
                r = a
        elif op == "relu":
            r = a.relu()
        elif op == "sum_last":
            if a.ndim == 0:
                r = a
            else:
                r = a.sum(axis=-1, keepdims=True) if lib == "ag" else a.sum(dim=-1, keepdim=True)
        elif op == "add":
            r = a + b
        elif op == "sub":
            r = a - b
        elif op == "mul":
            r = a * b
        else:
            r = a / (b * b + 1)
        pool.append(r)
    out = pool[-1]
    return (out * out).sum() + sum(p.sum() for p in pool[len(leaves) :])


programs = st.lists(
    st.tuples(st.sampled_from(UNARY + BINARY), st.integers(0, 50), st.integers(0, 50)),
    min_size=1,
    max_size=12,
)


@requires_torch
@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,  # the same 60 graphs on every run
    suppress_health_check=[HealthCheck.too_slow],
)
@given(program=programs, seed=st.integers(0, 2**31 - 1))
def test_random_graphs_match_torch(program, seed):
    import torch

    rng = np.random.default_rng(seed)
    values = [rng.standard_normal(s) for s in SHAPES]
    mine = [Tensor(v, requires_grad=True) for v in values]
    theirs = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in values]
    L = _run(program, mine, "ag")
    Lt = _run(program, theirs, "torch")
    L.backward()
    Lt.backward()
    assert abs(L.item() - Lt.item()) <= 1e-10 * max(1.0, abs(Lt.item()))
    pairs = [
        (
            np.zeros(m.shape) if m.grad is None else m.grad,
            np.zeros(m.shape) if t.grad is None else t.grad.numpy(),
        )
        for m, t in zip(mine, theirs, strict=True)
    ]
    # one scale for all leaves: a gradient that is exactly 0 in one engine and
    # round-off (1e-17) in the other (e.g. of sum(softmax(x))) must not count as wrong
    scale = max(1.0, *(np.abs(tg).max(initial=0.0) for _, tg in pairs))
    for mg, tg in pairs:
        assert np.abs(mg - tg).max(initial=0.0) <= 1e-10 * scale


@pytest.mark.skipif(not HAS_TORCH, reason="PyTorch is not installed")
def test_matmul_graph_matches_torch():
    import torch

    rng = np.random.default_rng(1)
    A, B, c = rng.standard_normal((3, 4)), rng.standard_normal((4, 5)), rng.standard_normal(5)
    mine = [Tensor(v, requires_grad=True) for v in (A, B, c)]
    theirs = [torch.tensor(v, requires_grad=True) for v in (A, B, c)]
    for (a, b, cc), lib in ((mine, ag), (theirs, torch)):
        h = (a @ b + cc).tanh()
        s = lib.softmax(h @ b.T, -1) if lib is ag else torch.softmax(h @ b.T, -1)
        (s * a).sum().backward()
    for m, t in zip(mine, theirs, strict=True):
        assert relative_error(m.grad, t.grad.numpy()) < 1e-12


# ---------------------------------------------------------------------------------
# bad input, numerics, float32
# ---------------------------------------------------------------------------------
def test_bad_input_is_a_clear_error():
    with pytest.raises(
        ValueError, match=r"expected inner dimensions to agree, got \(2, 3\) @ \(2, 3\)"
    ):
        Tensor(np.ones((2, 3))) @ Tensor(np.ones((2, 3)))
    with pytest.raises(
        ValueError, match=r"expected a scalar or an explicit grad, got shape \(2,\)"
    ):
        Tensor([1.0, 2.0], requires_grad=True).backward()
    t = Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(ValueError, match=r"expected grad of shape \(2,\), got \(3,\)"):
        (t * 2).backward(np.ones(3))
    with pytest.raises(ValueError, match="non-negative"):
        Tensor([-1.0]).log()
    with pytest.raises(ValueError, match=r"labels in \[0, 3\).*got label 3"):
        cross_entropy(Tensor(np.zeros((2, 3))), [0, 3])
    with pytest.raises(ValueError, match=r"logits of shape \(batch, n_classes\)"):
        cross_entropy(Tensor(np.zeros(3)), [0])
    with pytest.raises(TypeError, match="numeric"):
        Tensor(["a"])
    with pytest.raises(TypeError, match="real exponent"):
        Tensor([1.0]) ** "2"


def test_extreme_logits_give_finite_values_and_gradients():
    z = Tensor([[1e4, -1e4, 0.0], [-1e4, -1e4, 1e4]], requires_grad=True)
    L = cross_entropy(z, [1, 2]) + ag.sigmoid(z).sum() + ag.softmax(z).sum()
    L.backward()
    assert np.isfinite(L.item()) and np.all(np.isfinite(z.grad))


def test_float32_stays_float32():
    x = Tensor(np.ones((2, 3), dtype=np.float32), requires_grad=True)
    W = Tensor(np.full((3, 2), 0.5, dtype=np.float32), requires_grad=True)
    L = cross_entropy(x @ W, [0, 1])
    L.backward()
    assert L.value.dtype == np.float32
    assert x.grad.dtype == np.float32 and W.grad.dtype == np.float32
