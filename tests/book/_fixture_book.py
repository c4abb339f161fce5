"""A one-page book holding one small explorable, built with the book's own config.

``tests/book/test_explorables.py`` drives it in Chromium, so there is always an explorable
to move even before the chapters have theirs; ``benchmarks/first_paint.py`` times its
first paint. The notebook is written without a kernel: the explorable is built in
this process and its widget state stored as ``tools/execute_notebooks.py`` stores a
chapter's (``metadata.widgets`` plus one widget-view output).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import nbformat
import numpy as np
import yaml
from ipywidgets import ToggleButtons
from ipywidgets.embed import embed_data

from nnbook.widgets import explorable

REPO = Path(__file__).resolve().parents[2]
PAGE = "book/explore"
#: The controls of the fixture explorable: a slider, a dropdown and toggle buttons.
SLOPES = [0.5, 1.0, 1.5, 2.0, 2.5]
KINDS = {"line": "line", "parabola": "parabola", "sine": "sine"}
GRIDS = ("off", "on")


def draw(slope, kind, grid):
    """One small frame; every (slope, kind, grid) gives a different image."""
    x = np.linspace(-2, 2, 81)
    y = {"line": slope * x, "parabola": slope * x**2, "sine": np.sin(slope * x)}[kind]
    fig, ax = plt.subplots(figsize=(3, 2))
    ax.plot(x, y)
    ax.set(ylim=(-5, 10), title=f"{kind}, slope {slope:g}")
    ax.grid(grid == "on")
    return fig


def fixture_explorable():
    """The explorable of the fixture page: 5 × 3 × 2 = 30 frames."""
    return explorable(
        draw,
        slope=SLOPES,
        kind=KINDS,
        grid=ToggleButtons(options=list(GRIDS), description="grid"),
        initial={"slope": 1.0},
    )


def draw_chapter_size(slope, kind):
    """A chapter-size frame (6.4 × 4 in at 100 dpi), for the first-paint benchmark."""
    x = np.linspace(-2, 2, 401)
    y = {"line": slope * x, "parabola": slope * x**2, "sine": np.sin(slope * x)}[kind]
    fig, ax = plt.subplots(figsize=(6.4, 4))
    ax.plot(x, y, label=kind)
    ax.fill_between(x, y, alpha=0.3)
    ax.set(ylim=(-5, 10), xlabel="$x$", ylabel="$y$", title=f"{kind}, slope {slope:g}")
    ax.grid(True)
    ax.legend(loc="upper left")
    return fig


def chapter_size_explorable():
    """The page budget of issue 12: 50 × 3 = 150 chapter-size frames."""
    return explorable(draw_chapter_size, slope=list(np.round(np.linspace(0.1, 5.0, 50), 2)),
                      kind=KINDS)


def fixture_notebook(widget=None) -> nbformat.NotebookNode:
    """A notebook as a chapter stores it: prose with math, one explorable output."""
    widget = fixture_explorable() if widget is None else widget
    data = embed_data(views=[widget])
    (view,) = data["view_specs"]
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json":
                              data["manager_state"]}
    nb.cells = [
        nbformat.v4.new_markdown_cell(
            "# An explorable\n\nThe line $y = a x$ and the parabola\n\n"
            "$$\ny = a x^2, \\qquad a > 0\n$$\n\nfollow the slope $a$ below."),
        nbformat.v4.new_code_cell(
            "explorable(draw, slope=..., kind=..., grid=...)",
            outputs=[nbformat.v4.new_output(
                "display_data",
                data={"text/plain": repr(widget),
                      "application/vnd.jupyter.widget-view+json": view})],
            execution_count=1),
        nbformat.v4.new_markdown_cell("After the figure, more prose with $\\sigma(z)$."),
    ]
    return nb


def write_fixture_book(root: Path, widget=None) -> Path:
    """Lay the one-page book out in ``root`` (the book's config, assets and extension).

    ``widget`` is the explorable the page stores (:func:`fixture_explorable` if not
    given).
    """
    root.mkdir(parents=True, exist_ok=True)
    (root / "book").mkdir(exist_ok=True)
    for folder in ("_offline", "_static", "_ext"):
        shutil.copytree(REPO / "book" / folder, root / "book" / folder,
                        ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "book/references.bib", root / "book/references.bib")
    config = yaml.safe_load((REPO / "_config.yml").read_text())
    (root / "_config.yml").write_text(yaml.safe_dump(config, sort_keys=False))
    (root / "_toc.yml").write_text(f"format: jb-book\nroot: {PAGE}\n")
    nbformat.write(fixture_notebook(widget), root / f"{PAGE}.ipynb")
    return root


def build_fixture_book(root: Path, widget=None, timeout: float = 300) -> Path:
    """Write and build the fixture book; return its ``_build/html`` folder."""
    write_fixture_book(root, widget)
    jupyter_book = shutil.which("jupyter-book", path=str(Path(sys.executable).parent))
    if jupyter_book is None:
        raise RuntimeError("jupyter-book is not installed in this environment")
    result = subprocess.run(
        [jupyter_book, "build", str(root), "--all", "-W", "-n", "--keep-going"],
        capture_output=True, text=True, cwd=root, timeout=timeout,
    )
    html = root / "_build" / "html"
    if result.returncode != 0 or not (html / f"{PAGE}.html").exists():
        raise RuntimeError(f"jupyter-book build of the fixture failed (exit "
                           f"{result.returncode}):\n{(result.stdout + result.stderr)[-4000:]}")
    return html
