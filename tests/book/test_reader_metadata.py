"""What a JupyterLab, Binder or Colab reader needs is in every chapter.

`tools/reader_metadata.py` writes it from `_config.yml`; these tests fail when a
chapter or `_config.yml` changed without re-running it, and check that a solution
never replaces the reader's own function when they choose Run All.
"""

from __future__ import annotations

import ast
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))

import reader_metadata  # noqa: E402

CHAPTERS = sorted((ROOT / "book").glob("[0-9][0-9]_*.ipynb"))
IDS = [p.stem for p in CHAPTERS]


def load(path: Path) -> dict:
    return json.loads(path.read_text())


@pytest.mark.parametrize("path", CHAPTERS, ids=IDS)
def test_reader_metadata_is_current(path):
    assert reader_metadata.main(["--check", str(path)]) == 0, (
        f"{path.name}: run `python tools/reader_metadata.py book/*.ipynb`"
    )


def test_macro_cell_carries_every_macro_of_config():
    macros = reader_metadata.config_macros()
    source = reader_metadata.macro_cell_source(macros)
    assert len(macros) >= 15
    for name, definition in macros.items():
        body = definition[0] if isinstance(definition, list) else definition
        assert f"'\\{name}': {json.dumps(body)}" in source, name
        assert f"\\def\\{name}" in source, name
    assert "\\def\\pd#1#2{\\frac{\\partial #1}{\\partial #2}}" in source


@pytest.mark.parametrize("path", CHAPTERS, ids=IDS)
def test_macro_cell_first_and_removed_from_html(path):
    first = load(path)["cells"][0]
    assert first.get("id") == reader_metadata.MACRO_CELL_ID
    assert "remove-cell" in first["metadata"].get("tags", [])


def test_solution_cells_found_across_shared_markdown_cells():
    cells = [
        {"cell_type": "markdown", "source": "```{exercise} A\n:label: ex-a\n```"},
        {"cell_type": "code", "source": "def f(x): ..."},
        {"cell_type": "markdown", "source": "```{solution-start} ex-a\n```"},
        {"cell_type": "code", "source": "def f_solution(x): ..."},
        {"cell_type": "markdown", "source": "```{solution-end}\n```\n\n```{exercise} B\n```"},
        {"cell_type": "code", "source": "def g(x): ..."},
        {
            "cell_type": "markdown",
            "source": "```{solution-end}\n```\n```{solution-start} ex-b\n```",
        },
        {"cell_type": "code", "source": "def g_solution(x): ..."},
        {"cell_type": "markdown", "source": "```{solution-end}\n```"},
        {"cell_type": "code", "source": "after = 1"},
    ]
    assert reader_metadata.solution_code_cells({"cells": cells}) == [3, 7]


@pytest.mark.parametrize("path", CHAPTERS, ids=IDS)
def test_solutions_collapsed_and_never_replace_a_readers_function(path):
    notebook = load(path)
    inside = set(reader_metadata.solution_code_cells(notebook))

    def defined(index: int) -> set[str]:
        cell = notebook["cells"][index]
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        tree = ast.parse(source)
        return {
            node.name for node in tree.body if isinstance(node, (ast.FunctionDef, ast.ClassDef))
        }

    for index in inside:
        assert notebook["cells"][index]["metadata"].get("jupyter", {}).get("source_hidden"), (
            f"{path.name}, cell {index}: a solution's code is not collapsed"
        )
    solution_names = set().union(set(), *(defined(i) for i in inside))
    reader_names = set().union(
        set(),
        *(
            defined(i)
            for i, c in enumerate(notebook["cells"])
            if c["cell_type"] == "code" and i not in inside
        ),
    )
    clash = sorted(solution_names & reader_names)
    assert not clash, (
        f"{path.name}: solutions redefine {clash}, so Run All replaces the reader's function "
        "(name the solution's function <name>_solution)"
    )


@pytest.mark.parametrize("path", CHAPTERS, ids=IDS)
def test_kernel_metadata_is_what_jupyterlab_writes(path):
    assert load(path)["metadata"]["kernelspec"] == reader_metadata.KERNELSPEC


def test_cited_keys_reads_every_citation_role_once_in_order():
    notebook = {
        "cells": [
            {"cell_type": "markdown", "source": "as {cite:t}`b2` and {cite:p}`a1, b2`"},
            {"cell_type": "code", "source": "# {cite}`not_a_citation_in_code`"},
            {"cell_type": "markdown", "source": ["see {cite}`c3`", " and {cite:p}`a1`"]},
        ]
    }
    assert reader_metadata.cited_keys(notebook) == ["b2", "a1", "c3"]


def test_references_cell_refuses_a_key_missing_from_the_bibliography():
    with pytest.raises(KeyError, match="nosuch2099"):
        reader_metadata.references_cell(["nosuch2099"], {"a1": "A. Author. 2001."})


@pytest.mark.parametrize("path", CHAPTERS, ids=IDS)
def test_references_cell_lists_every_cited_work(path):
    # jupyterlab-myst shows a citation's key only: the chapter's last cell resolves it
    notebook = load(path)
    keys = reader_metadata.cited_keys(notebook)
    if not keys:
        return
    last = notebook["cells"][-1]
    assert last.get("id") == reader_metadata.REFERENCES_CELL_ID
    assert "remove-cell" in last["metadata"].get("tags", [])
    text = "".join(last["source"])
    references = reader_metadata.formatted_references()
    for key in keys:
        assert f"- `{key}`: {references[key]}" in text, key
