"""Every chapter has the shape ARCHITECTURE.md asks for ("A chapter").

Objectives, labelled equations, SymPy derivations that end in an assert, nnlib
checked, figures, a widget, exercises with solutions (some self-checking), a
summary and citations. These are structural checks of the stored notebook; the
content itself is checked by nbval and the tests of nnlib.
"""

from __future__ import annotations

import re

import pytest

from conftest import chapter_notebooks, load_notebook

NOTEBOOKS = chapter_notebooks()
IDS = [path.stem for path in NOTEBOOKS]


def cells_of(notebook: dict, kind: str) -> list[str]:
    """The sources of the cells of ``kind``, without tools/reader_metadata.py's macro cell."""
    return ["".join(c["source"]) if isinstance(c["source"], list) else c["source"]
            for c in notebook["cells"]
            if c["cell_type"] == kind and c.get("id") != "nnbook-macros"]


def outputs(notebook: dict) -> list[dict]:
    return [out for c in notebook["cells"] if c["cell_type"] == "code"
            for out in c.get("outputs", [])]


@pytest.fixture(params=NOTEBOOKS, ids=IDS)
def chapter(request):
    notebook = load_notebook(request.param)
    markdown = "\n".join(cells_of(notebook, "markdown"))
    code = cells_of(notebook, "code")
    return request.param.name, notebook, markdown, code


def test_title_and_learning_objectives(chapter):
    name, notebook, markdown, _ = chapter
    first = cells_of(notebook, "markdown")[0].lstrip()
    assert first.startswith("# "), f"{name}: the first markdown cell must start with '# Title'"
    assert "Learning objectives" in markdown, f"{name}: no learning objectives"


def test_labelled_equations_are_used(chapter):
    name, _, markdown, _ = chapter
    labels = re.findall(r"\$\$\s*\((eq-[\w-]+)\)", markdown)
    assert len(labels) >= 3, f"{name}: expected at least 3 labelled equations, found {labels}"
    assert "{eq}`" in markdown, f"{name}: no {{eq}} cross-reference to its equations"


def test_sympy_derivations_end_in_asserts(chapter):
    name, _, _, code = chapter
    derivations = [c for c in code if re.search(r"\b(sp|sympy)\.(diff|simplify|Matrix)", c)
                   or ".diff(" in c]
    assert derivations, f"{name}: no SymPy derivation"
    asserted = [c for c in derivations if re.search(r"^\s*assert\b", c, re.MULTILINE)]
    assert len(asserted) >= 2, f"{name}: SymPy derivations must end in an assert"


def test_uses_nnlib_and_checks_it(chapter):
    name, _, _, code = chapter
    joined = "\n".join(code)
    assert re.search(r"^\s*(from nnlib|import nnlib)", joined, re.MULTILINE), (
        f"{name}: does not use nnlib")


def test_figures(chapter):
    name, notebook, _, _ = chapter
    images = [o for o in outputs(notebook) if "image/png" in o.get("data", {})
              or "image/svg+xml" in o.get("data", {})]
    assert len(images) >= 2, f"{name}: expected at least 2 figures, found {len(images)}"


def test_an_interactive_widget(chapter):
    name, notebook, _, _ = chapter
    widgets = [o for o in outputs(notebook)
               if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
    assert widgets, f"{name}: no ipywidgets control in the stored outputs"
    state = notebook["metadata"].get("widgets", {}).get(
        "application/vnd.jupyter.widget-state+json")
    assert state, (f"{name}: widget state not stored: "
                   "execute with tools/execute_notebooks.py (make execute)")


def test_exercises_with_solutions(chapter):
    name, _, markdown, code = chapter
    exercises = re.findall(r"```\{exercise(?:-start)?\}", markdown)
    solutions = re.findall(r"```\{solution(?:-start)?\}", markdown)
    assert len(exercises) >= 5, f"{name}: expected at least 5 exercises, found {len(exercises)}"
    assert len(solutions) >= len(exercises), f"{name}: an exercise without a solution"
    assert markdown.count(":class: dropdown") >= len(exercises), (
        f"{name}: solutions belong in dropdowns")
    checkers = [c for c in code if "nnbook.exercises" in c]
    assert checkers, f"{name}: no self-checking exercise (nnbook.exercises)"


def test_summary_and_citations(chapter):
    name, _, markdown, _ = chapter
    assert re.search(r"^#+ Summary", markdown, re.MULTILINE), f"{name}: no Summary section"
    assert "{cite" in markdown, f"{name}: no citations"
    assert "[web:" not in markdown, f"{name}: a placeholder [web:NN] marker"
