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
from _helpers import REPO

import nnbook


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


# spelled in two pieces, so that tools/migrate_notebooks.py leaves this file alone
OLD = "nnlib" + ".exercises"


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
            "source": [f"from {OLD}.act import check_softmax\n", "import nnlib.data"],
            "outputs": [
                {
                    "name": "stdout",
                    "output_type": "stream",
                    "text": [f"{OLD} stays in outputs\n"],
                }
            ],
        },
        {
            "cell_type": "markdown",
            "id": "b",
            "metadata": {},
            "source": f"See `{OLD}.theory.separating_line`; not my{OLD}.",
        },
    ]
    notebook = {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    path = tmp_path / "nb.ipynb"
    path.write_text(json.dumps(notebook, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    script = tmp_path / "t.py"
    script.write_text(f"from nnlib import {'exercises'}\nfrom {OLD} import CheckResult\n")

    assert migrate_notebooks.main([str(path), str(script), "--check"]) == 1
    assert migrate_notebooks.main([str(path), str(script)]) == 0
    after = json.loads(path.read_text(encoding="utf-8"))
    assert after["cells"][0]["source"] == [
        "from nnbook.exercises.act import check_softmax\n",
        "import nnlib.data",
    ]
    assert after["cells"][0]["outputs"] == cells[0]["outputs"]
    assert after["cells"][1]["source"] == (
        f"See `nnbook.exercises.theory.separating_line`; not my{OLD}."
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


# --- nnbook.figures -----------------------------------------------------------------------


@pytest.fixture
def plt():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    yield plt
    plt.close("all")


def test_learning_curves_draw_each_series_and_history_plot_is_the_same_call(plt):
    from nnbook.figures import learning_curves
    from nnlib.train import History

    h = History(loss=[1.0, 0.5, 0.25], accuracy=[0.5, 0.7, 0.9], val_loss=[1.1, 0.6, 0.4])
    axes = learning_curves(h)
    assert len(axes) == 2
    loss_lines = {line.get_label(): list(line.get_ydata()) for line in axes[0].get_lines()}
    assert loss_lines == {"train": h.loss, "validation": h.val_loss}
    assert [list(line.get_ydata()) for line in axes[1].get_lines()] == [h.accuracy]
    assert list(axes[0].get_lines()[0].get_xdata()) == [1, 2, 3]
    via_history = h.plot()
    assert [list(line.get_ydata()) for line in via_history[0].get_lines()] == [h.loss, h.val_loss]
    regression = learning_curves(History(loss=[2.0, 1.0]))
    assert len(regression) == 1


def test_decision_grid_labels_each_point_by_the_rule(plt):
    from nnbook.figures import decision_grid

    GX, GY, labels = decision_grid(lambda P: P[:, 0] + P[:, 1] > 0, (-1, 1, -2, 2), (5, 9))
    assert GX.shape == GY.shape == labels.shape == (9, 5)
    np.testing.assert_array_equal(labels, (GX + GY > 0).astype(int))
    with pytest.raises(ValueError, match=r"labels of shape \(45,\).*got \(45, 1\)"):
        decision_grid(lambda P: P[:, :1] > 0, (-1, 1, -2, 2), (5, 9))
    with pytest.raises(ValueError, match=r"non-negative integer .*got dtype float64"):
        decision_grid(lambda P: P[:, 0], (-1, 1, -2, 2), 4)
    with pytest.raises(ValueError, match=r"x0 < x1 and y0 < y1, got \(1, -1, 0, 1\)"):
        decision_grid(lambda P: P[:, 0] > 0, (1, -1, 0, 1))


def test_decision_regions_fill_every_class_and_show_every_point(plt):
    from nnbook.figures import POINT_COLORS, decision_regions

    rng = np.random.default_rng(0)
    X = rng.standard_normal((30, 2))
    y = (X[:, 0] > 0).astype(int) + (X[:, 1] > 1)
    ax = decision_regions(lambda P: (P[:, 0] > 0).astype(int) + (P[:, 1] > 1), X, y)
    scatters = ax.collections[1:]
    assert sum(len(c.get_offsets()) for c in scatters) == len(X)
    assert [c.get_label() for c in scatters] == [f"class {k}" for k in np.unique(y)]
    assert np.allclose(scatters[0].get_facecolor()[0][:3], matplotlib_rgb(POINT_COLORS[0]))
    assert ax.get_xlim() == (X[:, 0].min() - 0.5, X[:, 0].max() + 0.5)
    with pytest.raises(ValueError, match=r"expected y of shape \(30,\), got \(29,\)"):
        decision_regions(lambda P: P[:, 0] > 0, X, y[:-1])


def matplotlib_rgb(color: str) -> tuple[float, float, float]:
    from matplotlib.colors import to_rgb

    return to_rgb(color)


def test_optimizer_paths_draw_the_given_iterates_on_contours(plt):
    from nnbook.figures import optimizer_paths

    def rosenbrock(P):
        x, y = P[..., 0], P[..., 1]
        return (1 - x) ** 2 + 100 * (y - x**2) ** 2

    path = np.array([[-1.2, 1.0], [-1.0, 0.9], [0.5, 0.3], [1.0, 1.0]])
    ax = optimizer_paths(rosenbrock, {"GD": path}, box=(-1.6, 1.6, -0.6, 1.8), optima=[(1, 1)])
    lines = {line.get_label(): line for line in ax.get_lines()}
    np.testing.assert_array_equal(np.column_stack(lines["GD"].get_data()), path)
    starts = [ln for ln in ax.get_lines() if ln.get_marker() == "o"]
    assert [tuple(np.ravel(ln.get_data())) for ln in starts] == [(-1.2, 1.0)]
    assert len(ax.collections) >= 1, "no contour lines"
    assert ax.get_xlim() == (-1.6, 1.6) and ax.get_ylim() == (-0.6, 1.8)
    with pytest.raises(ValueError, match=r"path 'bad' of shape \(n, 2\)"):
        optimizer_paths(rosenbrock, {"bad": [1.0, 2.0]}, box=(-1, 1, -1, 1))
    with pytest.raises(ValueError, match=r"values of shape \(200, 200\), got \(\)"):
        optimizer_paths(lambda P: 0.0, {}, box=(-1, 1, -1, 1))
