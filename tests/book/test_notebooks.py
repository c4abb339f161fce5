"""The notebooks as files: listed in the TOC, executed top to bottom, clean outputs.

nbval (`pytest --nbval`, on by default in pyproject.toml) re-executes each
notebook and compares its outputs; these tests check what nbval does not: that
the stored outputs come from one fresh top-to-bottom run, hold no errors and no
memory addresses, and that every chapter opens with the Colab install cell.
"""

from __future__ import annotations

import re

import pytest
from _helpers import BOOK, REPO, chapter_notebooks, load_notebook, repository_url, toc_files

NOTEBOOKS = chapter_notebooks()
IDS = [path.stem for path in NOTEBOOKS]
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"


def code_cells(notebook: dict) -> list[dict]:
    return [cell for cell in notebook["cells"] if cell["cell_type"] == "code"]


def source(cell: dict) -> str:
    text = cell["source"]
    return text if isinstance(text, str) else "".join(text)


def test_every_toc_entry_exists():
    missing = [name for name in toc_files()
               if not any((REPO / f"{name}{ext}").exists() for ext in (".md", ".ipynb"))]
    assert not missing, f"_toc.yml lists files that do not exist: {missing}"


def test_every_notebook_is_in_the_toc():
    listed = set(toc_files())
    unlisted = [str(p.relative_to(REPO)) for p in BOOK.rglob("*.ipynb")
                if "_build" not in p.parts and ".ipynb_checkpoints" not in p.parts
                and str(p.relative_to(REPO).with_suffix("")) not in listed]
    assert not unlisted, f"notebooks in book/ that _toc.yml does not list: {unlisted}"


def test_there_are_chapters():
    assert len(NOTEBOOKS) >= 13, f"expected the 13 chapters of _toc.yml, found {IDS}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_executed_top_to_bottom_in_a_fresh_kernel(path):
    cells = [c for c in code_cells(load_notebook(path)) if source(c).strip()]
    counts = [c["execution_count"] for c in cells]
    assert None not in counts, f"{path.name}: code cells that were never executed"
    assert counts == list(range(1, len(counts) + 1)), (
        f"{path.name}: execution counts {counts} are not 1..{len(counts)}: "
        "re-run it with tools/execute_notebooks.py (make execute)"
    )


@pytest.mark.parametrize("path", sorted(BOOK.glob("*.ipynb")), ids=lambda path: path.stem)
def test_no_run_timestamps_in_cell_metadata(path):
    stamped = [index for index, cell in enumerate(load_notebook(path)["cells"])
               if "execution" in cell.get("metadata", {})]
    assert not stamped, (
        f"{path.name}: cells {stamped} store the timestamps of a run (metadata.execution), "
        "which change on every run: re-run it with tools/execute_notebooks.py (make execute)"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_no_errors_and_no_addresses_in_outputs(path):
    for index, cell in enumerate(code_cells(load_notebook(path))):
        for output in cell.get("outputs", []):
            assert output["output_type"] != "error", (
                f"{path.name}, code cell {index}: stored error {output.get('ename')}"
            )
            text = "".join(output.get("text", "")) + "".join(
                output.get("data", {}).get("text/plain", ""))
            assert not re.search(r"at 0x[0-9a-f]{6,}", text), (
                f"{path.name}, code cell {index}: a memory address in the output: {text[:200]}"
            )
            assert output.get("name") != "stderr" or not text.strip() or "Warning" not in text, (
                f"{path.name}, code cell {index}: a warning in the output: {text[:300]}"
            )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_first_code_cell_installs_nnlib_on_colab_only(path):
    notebook = load_notebook(path)
    assert notebook["cells"][0]["cell_type"] == "markdown", (
        f"{path.name}: the first cell must be the title, not code")
    colab_cell = code_cells(notebook)[0]
    first = source(colab_cell)
    assert '"google.colab" in sys.modules' in first, f"{path.name}: no Colab guard in cell 1"
    assert "remove-cell" in colab_cell["metadata"].get("tags", []), (
        f"{path.name}: tag the Colab cell remove-cell: HTML readers need no install")
    assert f"git+{repository_url()}" in first, (
        f"{path.name}: the Colab cell must install nnlib from {repository_url()} (_config.yml)"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_ignore_output_tag_only_on_cells_that_cannot_be_stable(path):
    """nbval-ignore-output is for widgets, progress bars and timings, nothing else."""
    for index, cell in enumerate(code_cells(load_notebook(path))):
        if "nbval-ignore-output" not in cell.get("metadata", {}).get("tags", []):
            continue
        text = source(cell)
        has_widget = any(WIDGET_MIME in out.get("data", {}) for out in cell.get("outputs", []))
        is_timing = re.search(r"\b(time|perf_counter|timeit)\b", text) is not None
        assert has_widget or is_timing, (
            f"{path.name}, code cell {index} is tagged nbval-ignore-output but shows no widget "
            "and measures no time: make its output deterministic instead"
        )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_kernel_is_python3(path):
    kernelspec = load_notebook(path)["metadata"].get("kernelspec", {})
    assert kernelspec.get("name") == "python3", f"{path.name}: kernelspec {kernelspec}"
