"""The book as one PDF (`make pdf`): it builds cleanly and reads like the book.

The PDF is built once per session (``jupyter-book build . --builder pdflatex``,
XeLaTeX, book/_ext/nnbook_latex.py) into a temporary folder; every test then
reads the LaTeX log or the PDF (poppler's pdftotext, pdfimages, pdffonts). Without
TeX Live (xelatex, latexmk) or poppler the tests skip, saying which is missing;
README "The PDF" says what to install, and .ci/run installs it in CI.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from _helpers import REPO, load_notebook, toc_files

TOOLS = ("xelatex", "latexmk", "pdftotext", "pdfimages", "pdffonts")
MISSING = [tool for tool in TOOLS if shutil.which(tool) is None]
pytestmark = pytest.mark.skipif(
    bool(MISSING),
    reason=f"the PDF needs TeX Live and poppler; missing: {', '.join(MISSING)} (README, The PDF)",
)


@pytest.fixture(scope="session")
def built_pdf(tmp_path_factory) -> tuple[Path, str, str]:
    """Build the PDF once; return its path, the LaTeX log and its text (pdftotext)."""
    out = tmp_path_factory.mktemp("pdf")
    jupyter_book = shutil.which("jupyter-book", path=str(Path(sys.executable).parent))
    assert jupyter_book, "jupyter-book is not installed in this environment"
    result = subprocess.run(
        [jupyter_book, "build", str(REPO), "--builder", "pdflatex", "--path-output", str(out)],
        capture_output=True, text=True, cwd=REPO, timeout=1800,
    )
    latex = out / "_build" / "latex"
    pdf = latex / "book.pdf"
    log_path = latex / "book.log"
    log = log_path.read_text(encoding="utf-8", errors="replace") if log_path.exists() else ""
    if result.returncode != 0 or not pdf.exists():
        errors = "\n".join(line for line in log.splitlines() if line.startswith("!"))
        pytest.fail(f"the PDF build failed (exit {result.returncode}):\n{errors}\n"
                    f"{(result.stdout + result.stderr)[-4000:]}")
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    return pdf, log, text


def flat(text: str) -> str:
    """Whitespace collapsed, so that a title broken over two lines still matches."""
    return " ".join(text.split())


def page_title(name: str) -> str:
    """The first level-1 heading of a _toc.yml page (notebook or Markdown)."""
    path = REPO / f"{name}.ipynb"
    if path.exists():
        sources = ["".join(c["source"]) for c in load_notebook(path)["cells"]
                   if c["cell_type"] == "markdown"]
    else:
        sources = [(REPO / f"{name}.md").read_text(encoding="utf-8")]
    for source in sources:
        match = re.search(r"^# (.+)$", source, flags=re.M)
        if match:
            return match.group(1).strip()
    raise AssertionError(f"{name}: no level-1 heading")


def test_latex_has_no_errors_and_no_missing_glyphs(built_pdf):
    _, log, _ = built_pdf
    errors = [line for line in log.splitlines() if line.startswith("! ")]
    assert not errors, "LaTeX errors:\n" + "\n".join(errors[:20])
    missing = [line for line in log.splitlines() if "Missing character" in line]
    assert not missing, "glyphs the fonts lack:\n" + "\n".join(sorted(set(missing))[:20])


def test_no_undefined_references_or_citations(built_pdf):
    _, log, text = built_pdf
    # The log of the last LaTeX run: "Reference `x' on page N undefined", "Citation ..."
    undefined = re.findall(r"(?:Reference|Citation|Hyper reference) `[^']+' on page \d+ undefined",
                           log.replace("\n", ""))
    assert not undefined, "undefined in the PDF:\n" + "\n".join(sorted(set(undefined))[:20])
    assert "There were undefined references" not in log
    assert "??" not in text, "a '??' (an unresolved reference) is printed in the PDF"


def test_every_chapter_title_and_part_caption_is_in_the_text(built_pdf):
    _, _, text = built_pdf
    body = flat(text)
    toc = yaml.safe_load((REPO / "_toc.yml").read_text())
    captions = [part["caption"] for part in toc["parts"]]
    titles = [page_title(name) for name in toc_files() if name != toc["root"]]
    missing = [t for t in captions + titles if flat(t) not in body]
    assert not missing, f"not found in the PDF's text: {missing}"


@pytest.mark.parametrize("raw", [r"\(", r"\)", "$$", "[web:", "\\begin{", "interactive(children",
                                 "Loading widget", "application/vnd.jupyter"])
def test_no_raw_markup_in_the_text(built_pdf, raw):
    _, _, text = built_pdf
    where = text.find(raw)
    assert where < 0, f"{raw!r} printed in the PDF: ...{text[max(0, where - 80):where + 80]}..."


def notebook_figures() -> int:
    """Figures the notebooks store: image outputs, and the PNG each widget view shows."""
    count = 0
    for name in toc_files():
        path = REPO / f"{name}.ipynb"
        if not path.exists():
            continue
        for cell in load_notebook(path)["cells"]:
            for output in cell.get("outputs", []):
                data = output.get("data", {})
                if "image/png" in data or "application/vnd.jupyter.widget-view+json" in data:
                    count += 1
    return count


def test_every_figure_is_embedded(built_pdf):
    pdf, _, _ = built_pdf
    listing = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True,
                             check=True).stdout.splitlines()[2:]
    images = [line for line in listing if line.split()[2] == "image"]
    expected = notebook_figures()
    assert expected > 0
    assert len(images) >= expected, f"{len(images)} images in the PDF, {expected} figures stored"


def test_fonts_are_embedded(built_pdf):
    pdf, _, _ = built_pdf
    rows = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True,
                          check=True).stdout.splitlines()[2:]
    assert rows, "pdffonts lists no fonts"
    not_embedded = [row for row in rows if row.split()[-5] != "yes"]
    assert not not_embedded, "fonts not embedded:\n" + "\n".join(not_embedded)
    assert any("DejaVuSansMono" in row for row in rows), "code is not set in DejaVu Sans Mono"


SOLUTION = r"^(?:`{3,}|:{3,})\{solution(?:-start)?\}"  # a {solution} or {solution-start} fence


def test_every_solution_is_present_and_marked(built_pdf):
    _, _, text = built_pdf
    solutions = 0
    for path in sorted((REPO / "book").glob("[0-9][0-9]_*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        markdown = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
        solutions += len(re.findall(SOLUTION, markdown, flags=re.M))
    marked = len(re.findall(r"Solution to Exercise \d+\.\d+", flat(text)))
    assert solutions > 0
    assert marked == solutions, f"{marked} solutions titled in the PDF, {solutions} in notebooks"
