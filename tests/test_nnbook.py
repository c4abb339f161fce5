"""The nnbook package: shipped with nnlib, and ``nnbook.setup()`` (one call per chapter)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib

import numpy as np
import pytest
import setuptools

import nnbook
from conftest import REPO


def test_one_distribution_ships_both_packages():
    config = tomllib.loads((REPO / "pyproject.toml").read_text())
    include = config["tool"]["setuptools"]["packages"]["find"]["include"]
    found = set(setuptools.find_packages(where=str(REPO), include=include))
    assert {"nnlib", "nnbook"} <= found, f"expected nnlib and nnbook, found {sorted(found)}"
    assert not {p for p in found if p.startswith(("tests", "tools", "book"))}, found


def test_importing_nnbook_loads_neither_matplotlib_nor_sympy():
    code = "import sys, nnbook; print(json.dumps([m in sys.modules for m in M]))"
    out = subprocess.run(
        [sys.executable, "-c", "import json; M = ['matplotlib', 'sympy']; " + code],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    ).stdout
    assert json.loads(out) == [False, False], out


# Run in a fresh interpreter: setup() changes process-wide state (rcParams, NumPy's
# print options, SymPy's IPython formatters) that other tests must not inherit.
SETUP_SCRIPT = r"""
import json
import matplotlib
matplotlib.use("Agg")
import numpy as np
import sympy as sp
from IPython.core.interactiveshell import InteractiveShell

ip = InteractiveShell.instance()
import matplotlib.pyplot as plt
import nnbook

def state():
    latex = ip.display_formatter.formatters["text/latex"]
    png = ip.display_formatter.formatters["image/png"]
    x = sp.Symbol("x")
    return {
        "rc": {k: plt.rcParams[k] for k in nnbook.RC_PARAMS},
        "np": {k: np.get_printoptions()[k] for k in nnbook.NUMPY_PRINT_OPTIONS},
        "array": repr(np.array([1 / 3, 1e-9])),
        "latex": latex(x**2),
        "plain": ip.display_formatter.formatters["text/plain"](sp.pi * x),
        "png": png(x**2) is not None,
    }

before = state()
nnbook.setup()
once = state()
nnbook.setup()
twice = state()
print(json.dumps({"before": before, "once": once, "twice": twice}))
"""


@pytest.fixture(scope="module")
def setup_states() -> dict:
    result = subprocess.run(
        [sys.executable, "-c", SETUP_SCRIPT],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO), "MPLBACKEND": "Agg"},
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


def test_setup_sets_rcparams_and_print_options(setup_states):
    once = setup_states["once"]
    assert once["rc"] == dict(nnbook.RC_PARAMS)
    assert setup_states["before"]["rc"]["font.size"] != once["rc"]["font.size"]
    assert once["np"] == dict(nnbook.NUMPY_PRINT_OPTIONS)
    assert once["array"] == "array([0.3333, 0.    ])", once["array"]
    assert setup_states["before"]["array"] != once["array"]


def test_setup_gives_sympy_pretty_text_latex_for_mathjax_and_no_png(setup_states):
    before, once = setup_states["before"], setup_states["once"]
    assert before["plain"] == "pi*x", before
    assert once["plain"] == "π⋅x", once  # SymPy's unicode pretty printer: init_printing ran
    assert once["latex"] == "$\\displaystyle x^{2}$"
    assert once["png"] is False


def test_setup_is_idempotent(setup_states):
    assert setup_states["twice"] == setup_states["once"]


def test_setup_outside_ipython_sets_numpy_and_leaves_displayhook():
    # the test process has no IPython shell: SymPy's init_printing must not run
    hook = sys.displayhook
    saved = np.get_printoptions()
    pytest.importorskip("matplotlib")
    import matplotlib as mpl

    try:
        with mpl.rc_context():
            assert nnbook.setup() is None
            assert mpl.rcParams["font.size"] == nnbook.RC_PARAMS["font.size"]
            assert np.get_printoptions()["precision"] == 4
        assert sys.displayhook is hook
    finally:
        np.set_printoptions(**saved)


def test_migrate_notebooks_rewrites_sources_only_and_is_idempotent(tmp_path):
    sys.path.insert(0, str(REPO / "tools"))
    try:
        import migrate_notebooks
    finally:
        sys.path.remove(str(REPO / "tools"))
    cells = [
        {
            "cell_type": "code",
            "execution_count": 1,
            "id": "a",
            "metadata": {},
            "source": ["from nnlib.exercises.act import check_softmax\n", "import nnlib.data"],
            "outputs": [
                {
                    "name": "stdout",
                    "output_type": "stream",
                    "text": ["nnlib.exercises stays in outputs\n"],
                }
            ],
        },
        {
            "cell_type": "markdown",
            "id": "b",
            "metadata": {},
            "source": "See `nnlib.exercises.theory.separating_line`; not mynnlib.exercises.",
        },
    ]
    notebook = {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    path = tmp_path / "nb.ipynb"
    path.write_text(json.dumps(notebook, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    script = tmp_path / "t.py"
    script.write_text("from nnlib import exercises\nfrom nnlib.exercises import CheckResult\n")

    assert migrate_notebooks.main([str(path), str(script), "--check"]) == 1
    assert migrate_notebooks.main([str(path), str(script)]) == 0
    after = json.loads(path.read_text(encoding="utf-8"))
    assert after["cells"][0]["source"] == [
        "from nnbook.exercises.act import check_softmax\n",
        "import nnlib.data",
    ]
    assert after["cells"][0]["outputs"] == cells[0]["outputs"]
    assert after["cells"][1]["source"] == (
        "See `nnbook.exercises.theory.separating_line`; not mynnlib.exercises."
    )
    assert script.read_text() == (
        "from nnbook import exercises\nfrom nnbook.exercises import CheckResult\n"
    )
    text = path.read_text(encoding="utf-8")
    assert migrate_notebooks.main([str(path), str(script), "--check"]) == 0
    migrate_notebooks.main([str(path), str(script)])
    assert path.read_text(encoding="utf-8") == text  # idempotent


def test_the_checkers_live_in_nnbook_not_in_the_library():
    from nnbook.exercises import CheckResult, check_function  # noqa: F401

    assert not list((REPO / "nnlib").glob("exercises/*.py")), "nnlib/exercises/ came back"
