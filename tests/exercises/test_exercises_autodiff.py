"""Chapter 8's checkers accept correct answers (also in other forms) and name every
catalogued mistake."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from nnbook.exercises.autodiff import (
    AFFINE_VJP_MISTAKES,
    NUMERICAL_GRADIENT_MISTAKES,
    RELATIVE_ERROR_MISTAKES,
    check_affine_vjp,
    check_numerical_gradient,
    check_relative_error,
)
from nnlib.autograd import Tensor
from nnlib.gradcheck import relative_error


def test_affine_vjp_accepts_the_engine_and_einsum():
    def by_engine(X, W, b, G):
        Xt, Wt, bt = (Tensor(v, requires_grad=True) for v in (X, W, b))
        (Xt @ Wt.T + bt).backward(G)
        return Xt.grad, Wt.grad, bt.grad

    def by_einsum(X, W, b, G):
        return (np.einsum("bo,oi->bi", G, W), np.einsum("bo,bi->oi", G, X), np.einsum("bo->o", G))

    assert check_affine_vjp(by_engine)
    assert check_affine_vjp(by_einsum)


@pytest.mark.parametrize("mistake", AFFINE_VJP_MISTAKES, ids=lambda m: m.message[:30])
def test_affine_vjp_names_each_mistake(mistake):
    verdict = check_affine_vjp(mistake.answer)
    assert not verdict
    assert mistake.message in repr(verdict)


def test_affine_vjp_not_written_and_wrong_return():
    def unfinished(X, W, b, G):
        raise NotImplementedError

    assert "not written yet" in repr(check_affine_vjp(unfinished))
    assert "hint" in repr(check_affine_vjp(lambda X, W, b, G: G @ W))


def central(f, x, h=1e-5):
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        fp = f(x)
        x[i] = old - h
        fm = f(x)
        x[i] = old
        g[i] = (fp - fm) / (2 * h)
    return g


def test_numerical_gradient_accepts_central_differences_in_two_forms():
    assert check_numerical_gradient(central)

    def on_copies(f, x, h=2e-6):  # perturbs copies, a different step
        g = np.empty(x.shape)
        for i in np.ndindex(x.shape):
            e = np.zeros(x.shape)
            e[i] = h
            g[i] = (f(x + e) - f(x - e)) / (2 * h)
        return g

    assert check_numerical_gradient(on_copies)


def forward_difference(f, x, h=1e-6):
    g, f0 = np.zeros_like(x), f(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        g[i] = (f(x) - f0) / h
        x[i] = old
    return g


def left_perturbed(f, x, h=1e-5):
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        x[i] += h
        fp = f(x)
        x[i] -= 2 * h
        g[i] = (fp - f(x)) / (2 * h)
    return g


@pytest.mark.parametrize(
    ("candidate", "key"),
    [
        (forward_difference, "one-sided"),
        (lambda f, x: forward_difference(f, x, 1e-4), "one-sided"),
        (lambda f, x: central(f, x, 1e-2), "large-step"),
        (lambda f, x: central(f, x, 1e-12), "small-step"),
        (left_perturbed, "in-place"),
        (lambda f, x: central(f, x).ravel(), "shape"),
    ],
)
def test_numerical_gradient_names_each_mistake(candidate, key):
    verdict = check_numerical_gradient(candidate)
    assert not verdict
    assert NUMERICAL_GRADIENT_MISTAKES[key].split(":")[0] in repr(verdict)


def test_relative_error_accepts_nnlib_with_the_floor():
    assert check_relative_error(lambda a, b: relative_error(a, b, tiny=1e-12))


@pytest.mark.parametrize("mistake", RELATIVE_ERROR_MISTAKES, ids=lambda m: m.message[:30])
def test_relative_error_names_each_mistake(mistake):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        verdict = check_relative_error(mistake.answer)
    assert not verdict
    assert mistake.message in repr(verdict)
