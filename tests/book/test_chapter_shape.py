"""Every chapter has the shape ARCHITECTURE.md asks for ("A chapter").

Objectives, labelled equations, SymPy derivations that end in an assert, nnlib
checked, figures, a widget, exercises with solutions (some self-checking), a
summary and citations. These are structural checks of the stored notebook; the
content itself is checked by nbval and the tests of nnlib.
"""

from __future__ import annotations

import re

import pytest
from _helpers import REPO, chapter_notebooks, load_notebook

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


def test_no_doubled_parentheses_around_equation_numbers(chapter):
    # {eq} renders "(4.2)" with its parentheses: "({eq}`x`)" shows "((4.2))"
    name, _, markdown, _ = chapter
    doubled = re.findall(r"\(\{eq\}`[^`]+`\)", markdown)
    assert not doubled, f"{name}: write {{eq}}`label`, not ({{eq}}`label`): {doubled}"


def test_long_drawing_cells_hide_their_input(chapter):
    # the architecture issue: a drawing cell longer than 30 lines is an nnbook.figures
    # call or is tagged hide-input, so the page shows the figure, not the plotting code
    name, notebook, _, _ = chapter
    long_drawings = [
        index
        for index, cell in enumerate(notebook["cells"])
        if cell["cell_type"] == "code"
        and "plt.show()" in "".join(cell["source"])
        and "assert" not in "".join(cell["source"])  # a check shows its code
        and len("".join(cell["source"]).splitlines()) > 30
        and not {"hide-input", "remove-input"} & set(cell["metadata"].get("tags", []))
    ]
    assert not long_drawings, f"{name}: tag drawing cells {long_drawings} hide-input"


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


def _alt_text_problem(alt: object) -> str | None:
    """Why ``alt`` is not a description of a figure, or None if it is one."""
    if not isinstance(alt, str) or not alt.strip():
        return "no alt text"
    words = alt.split()
    if len(words) < 4:
        return f"alt text {alt!r} is too short to say what the figure shows"
    if alt.strip().lower().rstrip(".") in {"figure", "image", "plot", "a figure"}:
        return f"alt text {alt!r} does not describe the figure"
    return None


def test_every_figure_has_a_caption_and_alt_text(chapter):
    """A figure is numbered and captioned, and a screen reader can say what it shows.

    A cell that draws an image carries ``metadata.mystnb.figure`` (``caption``,
    ``name``) and ``metadata.mystnb.image.alt``; a widget cell (an explorable's
    frames) carries ``metadata.mystnb.image.alt``, which the HTML build gives to
    every frame (book/_ext/nnbook_frames.py, widget_alt_text).
    """
    name, notebook, _, _ = chapter
    problems = []
    for index, cell in enumerate(notebook["cells"]):
        if cell["cell_type"] != "code":
            continue
        kinds = {kind for out in cell.get("outputs", []) for kind in out.get("data", {})}
        draws = bool({"image/png", "image/svg+xml"} & kinds)
        widget = "application/vnd.jupyter.widget-view+json" in kinds
        if not (draws or widget):
            continue
        mystnb = cell.get("metadata", {}).get("mystnb", {})
        figure = mystnb.get("figure") or {}
        if draws and not (figure.get("caption") and figure.get("name")):
            problems.append(f"cell {index}: a figure without mystnb.figure caption and name")
        problem = _alt_text_problem((mystnb.get("image") or {}).get("alt"))
        if problem:
            problems.append(f"cell {index} ({'widget' if widget else 'figure'}): {problem}")
    assert not problems, f"{name}:\n  " + "\n  ".join(problems)


def test_code_fits_the_page(chapter):
    """Notebook code is at most 78 columns wide (book/ruff.toml), so it fits the page."""
    name, _, _, code = chapter
    long = [(i, line) for i, cell in enumerate(code) for line in cell.splitlines()
            if len(line) > 78 and not line.lstrip().startswith("#")]
    assert not long, f"{name}: code lines over 78 columns: {long[:3]}"


def test_setup_explorable_and_negative_controls(chapter):
    """nnbook.setup() at the top, an explorable for the static page, negative controls."""
    name, _, _, code = chapter
    joined = "\n".join(code)
    assert "nnbook.setup()" in joined or re.search(r"^setup\(\)", joined, re.M), (
        f"{name}: call nnbook.setup() instead of setting rcParams and print options by hand")
    assert "explorable(" in joined, (
        f"{name}: no nnbook.widgets.explorable, so no figure follows its control in the HTML")
    number = name[:2]
    controls = REPO / "tests" / "chapters" / f"test_negative_controls_ch{number}.py"
    assert controls.exists(), (
        f"{name}: no {controls.name}: the classic wrong closed forms of its headline "
        "derivations must fail the chapter's checks")
