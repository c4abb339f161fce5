"""softplus, GELU (exact and tanh) and SiLU: SymPy, finite differences, PyTorch, extremes."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import sympy as sp

from nnlib import activations as act
from nnlib.gradcheck import numerical_gradient, relative_error
from tests._helpers import requires_torch

Z = np.linspace(-6.0, 6.0, 241)
z = sp.Symbol("z", real=True)
SIG = 1 / (1 + sp.exp(-z))
PHI = (1 + sp.erf(z / sp.sqrt(2))) / 2  # standard normal CDF
# numpy has no erf: lambdify it to the C library's, element by element
MODULES = [{"erf": np.vectorize(math.erf, otypes=[float])}, "numpy"]
TANH_U = sp.sqrt(2 / sp.pi) * (z + sp.Rational(44715, 1000000) * z**3)

# (nnlib function, its derivative, SymPy function, the derivative the docstring states)
CASES = {
    "softplus": (act.softplus, act.softplus_grad, sp.log(1 + sp.exp(z)), SIG),
    "gelu": (act.gelu, act.gelu_grad, z * PHI, PHI + z * sp.exp(-(z**2) / 2) / sp.sqrt(2 * sp.pi)),
    "gelu-tanh": (
        lambda v: act.gelu(v, "tanh"),
        lambda v: act.gelu_grad(v, "tanh"),
        z * (1 + sp.tanh(TANH_U)) / 2,
        (1 + sp.tanh(TANH_U)) / 2
        + z * (1 - sp.tanh(TANH_U) ** 2) * sp.sqrt(2 / sp.pi)
        * (1 + 3 * sp.Rational(44715, 10**6) * z**2) / 2,
    ),
    "silu": (act.silu, act.silu_grad, z * SIG, SIG * (1 + z * (1 - SIG))),
}  # fmt: skip


@pytest.mark.parametrize("name", list(CASES))
def test_sympy_derivative_is_the_stated_closed_form(name):
    _, _, expr, stated = CASES[name]
    derivative = sp.diff(expr, z)
    difference = sp.lambdify(z, derivative - stated, MODULES)(Z)
    assert np.max(np.abs(difference)) < 1e-12
    assert sp.simplify(derivative - stated) == 0 or name == "gelu-tanh"  # tanh: numeric only


@pytest.mark.parametrize("name", list(CASES))
def test_values_and_derivatives_match_sympy(name):
    f, df, expr, _ = CASES[name]
    assert relative_error(f(Z), sp.lambdify(z, expr, MODULES)(Z)) < 1e-13
    assert relative_error(df(Z), sp.lambdify(z, sp.diff(expr, z), MODULES)(Z)) < 1e-12


@pytest.mark.parametrize("name", list(CASES))
def test_derivatives_match_finite_differences(name):
    f, df, _, _ = CASES[name]
    h = 1e-6  # element-wise central differences: each f(z +- h) is O(1), so round-off ~1e-10
    numeric = (f(Z + h) - f(Z - h)) / (2 * h)
    assert relative_error(df(Z), numeric) < 1e-8
    one = np.array([0.7])
    assert relative_error(df(one), numerical_gradient(lambda v: float(f(v)[0]), one)) < 1e-8


def test_gelu_tanh_approximation_error_is_measured_small():
    grid = np.linspace(-10.0, 10.0, 20001)
    error = np.max(np.abs(act.gelu(grid, "tanh") - act.gelu(grid)))
    assert 1e-5 < error < 1e-3  # 4.7e-4, at z = -2.7: close, but not equal
    with pytest.raises(ValueError, match="gelu: expected approximate in"):
        act.gelu(grid, "erf")


@pytest.mark.parametrize("name", list(CASES))
def test_finite_without_warnings_for_extreme_inputs(name):
    f, df, _, _ = CASES[name]
    extreme = np.array([-1e4, -50.0, 0.0, 50.0, 1e4])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        values, slopes = f(extreme), df(extreme)
    assert np.all(np.isfinite(values)) and np.all(np.isfinite(slopes))
    assert f(extreme.astype(np.float32)).dtype == np.float32


@requires_torch
@pytest.mark.parametrize(
    ("name", "torch_name", "kwargs"),
    [("softplus", "softplus", {}), ("gelu", "gelu", {}),
     ("gelu-tanh", "gelu", {"approximate": "tanh"}), ("silu", "silu", {})],
)  # fmt: skip
def test_agrees_with_torch(name, torch_name, kwargs):
    import torch

    f, df, _, _ = CASES[name]
    x = torch.tensor(Z, requires_grad=True)
    y = getattr(torch.nn.functional, torch_name)(x, **kwargs)
    y.sum().backward()
    assert relative_error(f(Z), y.detach().numpy()) < 1e-12
    assert relative_error(df(Z), x.grad.numpy()) < 1e-12
