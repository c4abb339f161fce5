"""Make the chapters read well where they run: JupyterLab, Binder, Colab.

The HTML book gets its MathJax macros from ``_config.yml`` and renders MyST
itself. A notebook opened in JupyterLab (locally or on Binder, with
``jupyterlab-myst``) or on Colab sees only the notebook. This tool writes into
every chapter what those readers need, generated from the one source of truth:

* **a macro cell** (cell 0, id ``nnbook-macros``, tagged ``remove-cell`` so the
  HTML and PDF builds drop it): MyST front matter whose ``math:`` entries are
  the macros of ``_config.yml`` (``jupyterlab-myst`` applies them to the whole
  notebook), followed by the same macros as ``\\def``s in an inline math span,
  for renderers without MyST that keep definitions across cells;
* **kernel metadata** JupyterLab does not rewrite on opening
  (``"Python 3 (ipykernel)"``);
* **collapsed solutions**: every code cell between a ``{solution-start}`` and
  its ``{solution-end}`` has its source hidden (``jupyter.source_hidden``), so
  a reader sees the exercise, not its answer, until they expand it;
* **a references cell** (the last cell, id ``nnbook-references``, tagged
  ``remove-cell``): ``jupyterlab-myst`` cannot read ``book/references.bib``, so
  a citation shows only its key there (and as written on Colab); this cell
  lists every key the chapter cites with the work, formatted from
  ``book/references.bib`` as the book's bibliography formats it.

Idempotent: run it after editing a chapter or ``_config.yml``::

    python tools/reader_metadata.py book/*.ipynb

``--check`` exits 1, listing the notebooks it would change.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]
MACRO_CELL_ID = "nnbook-macros"
REFERENCES_CELL_ID = "nnbook-references"
BIBLIOGRAPHY = ROOT / "book" / "references.bib"
# {cite}`a`, {cite:p}`a,b`, {cite:t}`a`: the keys of sphinxcontrib-bibtex's roles
CITE_ROLE = re.compile(r"\{cite(?::\w+)?\}`([^`]+)`")
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}


def config_macros(config_path: Path = ROOT / "_config.yml") -> dict[str, str | list]:
    """The MathJax macros of ``_config.yml`` (name without backslash -> definition)."""
    config = yaml.safe_load(config_path.read_text())
    return config["sphinx"]["config"]["mathjax3_config"]["tex"]["macros"]


def macro_cell_source(macros: dict[str, str | list]) -> str:
    """The macro cell: MyST front matter for jupyterlab-myst, ``\\def``s for the rest."""
    front = ["---", "math:"]
    defs = []
    for name, definition in macros.items():
        body, n_args = (
            (definition[0], int(definition[1]))
            if isinstance(definition, list)
            else (definition, 0)
        )
        front.append(f"  '\\{name}': {json.dumps(body)}")
        params = "".join(f"#{k}" for k in range(1, n_args + 1))
        defs.append(f"\\def\\{name}{params}{{{body}}}")
    # inline math: a display block would take equation number (1) in JupyterLab
    return "\n".join([*front, "---", "", "$" + "".join(defs) + "$", ""])


def macro_cell(macros: dict[str, str | list]) -> dict:
    return {
        "cell_type": "markdown",
        "id": MACRO_CELL_ID,
        "metadata": {"tags": ["remove-cell"]},
        "source": macro_cell_source(macros),
    }


def formatted_references(bib_path: Path = BIBLIOGRAPHY) -> dict[str, str]:
    """Every entry of the bibliography as one line of Markdown (pybtex's plain style)."""
    from pybtex.database import parse_file
    from pybtex.plugin import find_plugin

    entries = parse_file(str(bib_path)).entries
    style = find_plugin("pybtex.style.formatting", "plain")()
    return {
        entry.key: " ".join(entry.text.render_as("markdown").split())
        for entry in style.format_entries(entries.values())
    }


def cited_keys(notebook: dict) -> list[str]:
    """The keys the notebook's markdown cells cite, in order of first citation."""
    keys = [
        key.strip()
        for cell in notebook["cells"]
        if cell["cell_type"] == "markdown" and cell.get("id") != REFERENCES_CELL_ID
        for group in CITE_ROLE.findall(_text(cell))
        for key in group.split(",")
    ]
    return list(dict.fromkeys(keys))


def references_cell(keys: list[str], references: dict[str, str]) -> dict:
    missing = [k for k in keys if k not in references]
    if missing:
        raise KeyError(f"cited but not in {BIBLIOGRAPHY.name}: {missing}")
    lines = [
        "## References",
        "",
        "*In JupyterLab and Colab a citation shows its key; these are the works",
        "this chapter cites (the HTML book's bibliography has them all).*",
        "",
        *(f"- `{key}`: {references[key]}" for key in keys),
    ]
    return {
        "cell_type": "markdown",
        "id": REFERENCES_CELL_ID,
        "metadata": {"tags": ["remove-cell"]},
        "source": "\n".join(lines) + "\n",
    }


def _text(cell: dict) -> str:
    source = cell["source"]
    return source if isinstance(source, str) else "".join(source)


def solution_code_cells(notebook: dict) -> list[int]:
    """Indices of the code cells inside ``{solution-start}`` ... ``{solution-end}``."""
    inside, found = False, []
    for index, cell in enumerate(notebook["cells"]):
        text = _text(cell)
        if cell["cell_type"] == "markdown":
            # a cell may end one solution and open the next exercise's
            if "{solution-end}" in text:
                inside = False
            if "{solution-start}" in text and text.rfind("{solution-start}") > text.rfind(
                "{solution-end}"
            ):
                inside = True
        elif inside:
            found.append(index)
    return found


def apply(
    notebook: dict, macros: dict[str, str | list], references: dict[str, str]
) -> dict:
    """Return ``notebook`` with the macro cell, kernel metadata, collapsed solutions
    and the references cell."""
    generated = (MACRO_CELL_ID, REFERENCES_CELL_ID)
    cells = [c for c in notebook["cells"] if c.get("id") not in generated]
    notebook = {**notebook, "cells": [macro_cell(macros), *cells]}
    keys = cited_keys(notebook)
    if keys:
        notebook["cells"].append(references_cell(keys, references))
    notebook["metadata"] = {**notebook["metadata"], "kernelspec": dict(KERNELSPEC)}
    if notebook.get("nbformat_minor", 0) < 5:
        notebook["nbformat_minor"] = 5  # cell ids (the macro cell has one)
    for index in solution_code_cells(notebook):
        cell = notebook["cells"][index]
        jupyter = {**cell["metadata"].get("jupyter", {}), "source_hidden": True}
        cell["metadata"] = {**cell["metadata"], "jupyter": jupyter}
    return notebook


def dumps(notebook: dict) -> str:
    """Serialise exactly as nbformat (and so tools/execute_notebooks.py) writes notebooks."""
    return nbformat.writes(nbformat.from_dict(notebook)) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument(
        "--check", action="store_true", help="change nothing; exit 1 if a notebook would change"
    )
    args = parser.parse_args(argv)
    macros, references = config_macros(), formatted_references()
    stale = []
    for path in args.notebooks:
        before = path.read_text()
        after = dumps(apply(json.loads(before), macros, references))
        if after != before:
            stale.append(path)
            if not args.check:
                path.write_text(after)
    if args.check and stale:
        print(
            "out of date (run python tools/reader_metadata.py book/*.ipynb):",
            *map(str, stale),
            sep="\n  ",
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
