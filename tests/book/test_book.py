"""The HTML book: builds with zero warnings, every page is there, and it reads offline.

The build is the README's (`jupyter-book build . --all -W -n --keep-going`), run
once per session by the `built_book` fixture in conftest.py.
"""

from __future__ import annotations

import re

import pytest
from _helpers import REPO, chapter_notebooks, repository_url, toc_files

CHAPTERS = chapter_notebooks()


def html_page(html, name: str) -> str:
    return (html / f"{name}.html").read_text(encoding="utf-8")


def test_build_has_zero_warnings(built_book):
    _, log = built_book
    if not log:
        pytest.skip("BOOK_HTML points at a prebuilt book; its build log is not available")
    warnings = [line for line in log.splitlines() if "WARNING" in line or "ERROR" in line]
    assert not warnings, "the book build warned:\n" + "\n".join(warnings[:40])


def test_every_toc_page_is_built(built_book):
    html, _ = built_book
    missing = [name for name in toc_files() if not (html / f"{name}.html").exists()]
    assert not missing, f"pages missing from the build: {missing}"
    assert (html / "index.html").exists()


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_launch_buttons_point_at_this_notebook(built_book, path):
    html, _ = built_book
    page = html_page(html, f"book/{path.stem}")
    repo = repository_url().removeprefix("https://github.com/")
    binder = f"https://mybinder.org/v2/gh/{repo}/main?urlpath=lab/tree/book/{path.name}"
    colab = f"https://colab.research.google.com/github/{repo}/blob/main/book/{path.name}"
    assert binder in page.replace("&amp;", "&"), f"{path.name}: no Binder (JupyterLab) button"
    assert colab in page, f"{path.name}: no Colab button"
    assert "thebe" in page.lower(), f"{path.name}: no live-code (Thebe) button"
    assert f"https://github.com/{repo}" in page, f"{path.name}: no repository button"
    assert f"_sources/book/{path.name}" in page, f"{path.name}: no download (.ipynb) button"


def test_one_search_field_per_page(built_book):
    """The sidebar's, and no second full-width one in a top bar (pydata-sphinx-theme 0.17
    adds that unless `navbar_persistent` is set, see _config.yml)."""
    html, _ = built_book
    for name in toc_files():
        page = html_page(html, name)
        header = re.search(r'<header id="pst-header".*?</header>', page, flags=re.S)
        assert header and "search-button" not in header.group(0), f"{name}: search in the top bar"
        sidebar = re.search(r'<div id="pst-primary-sidebar".*?<nav', page, flags=re.S)
        assert sidebar and "search-button-field" in sidebar.group(0), f"{name}: no sidebar search"


def test_math_and_widgets_are_served_from_the_build(built_book):
    """Offline reading: no page loads MathJax or the widget manager from a CDN."""
    html, _ = built_book
    for relative in ("vendor/mathjax/tex-chtml-full.js", "vendor/require.js",
                     "vendor/html-manager/embed-amd.js",
                     "vendor/mathjax/output/chtml/fonts/woff-v2/MathJax_Main-Regular.woff"):
        assert (html / relative).exists(), f"{relative} is not in the build"
    for page in html.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        scripts = re.findall(r'<script[^>]+src="([^"]+)"', text)
        remote = [s for s in scripts if s.startswith(("http:", "https:", "//"))]
        assert not remote, f"{page.relative_to(html)} loads scripts from the network: {remote}"


def test_no_placeholder_citations_anywhere():
    for path in list((REPO / "book").rglob("*.md")) + list((REPO / "book").rglob("*.ipynb")):
        if "_build" in path.parts or "_offline" in path.parts:
            continue
        assert "[web:" not in path.read_text(encoding="utf-8"), f"{path}: a [web:NN] marker"
