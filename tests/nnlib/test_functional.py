"""nnlib.functional: pure array functions below the layer framework."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np

from nnlib import activations as act
from nnlib import functional as fn
from nnlib.layers import attention as attention_module

NNLIB = Path(__file__).resolve().parents[2] / "nnlib"


def _nnlib_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("nnlib"):
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(a.name for a in node.names if a.name.startswith("nnlib"))
    return names


def test_functional_imports_nothing_of_nnlib_but_validation():
    assert _nnlib_imports(NNLIB / "functional.py") == {"nnlib._validation"}


def test_losses_and_attention_build_on_functional_not_on_activations():
    for path in (NNLIB / "losses.py", NNLIB / "layers" / "attention.py"):
        imports = _nnlib_imports(path)
        assert "nnlib.functional" in imports, path
        assert "nnlib.activations" not in imports, path


def test_no_import_order_workarounds_left():
    for path in NNLIB.rglob("*.py"):
        if "exercises" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        assert "isort: skip" not in text, path
        assert "must be imported before" not in text, path


def test_activations_reexports_the_same_objects():
    for name in ("sigmoid", "sigmoid_grad", "softmax", "log_softmax", "softmax_jacobian"):
        assert getattr(act, name) is getattr(fn, name)
    for name in ("causal_mask", "scaled_dot_product_attention"):
        assert getattr(attention_module, name) is getattr(fn, name)


def test_softmax_jacobian_matches_finite_differences():
    rng = np.random.default_rng(0)
    z = rng.standard_normal(4)
    h = 1e-6
    numeric = np.stack(
        [(fn.softmax(z + h * e) - fn.softmax(z - h * e)) / (2 * h) for e in np.eye(4)], axis=1
    )
    np.testing.assert_allclose(fn.softmax_jacobian(z), numeric, atol=1e-9)
