"""Shared fixtures: the built book and a loopback server for it.

The plain helpers every test file imports (paths, the TOC, the skip markers) are in
``tests/_helpers.py``; this file puts ``tests/`` on ``sys.path`` so that the test
files in ``tests/nnlib``, ``tests/chapters``, ``tests/exercises`` and ``tests/book``
all import them the same way: ``from _helpers import REPO, requires_torch``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _helpers import REPO, serve_folder


@pytest.fixture(scope="session")
def built_book(tmp_path_factory) -> tuple[Path, str]:
    """Build the whole book once, as `make book` does (-W -n --keep-going, a full rebuild).

    Returns the HTML folder and the build's combined output. Set BOOK_HTML to an
    already built ``_build/html`` to reuse it (the warnings check then skips).
    """
    reuse = os.environ.get("BOOK_HTML")
    if reuse:
        return Path(reuse), ""
    out = tmp_path_factory.mktemp("book")
    jupyter_book = shutil.which("jupyter-book", path=str(Path(sys.executable).parent))
    assert jupyter_book, "jupyter-book is not installed in this environment"
    result = subprocess.run(
        [jupyter_book, "build", str(REPO), "--path-output", str(out), "--all",
         "-W", "-n", "--keep-going"],
        capture_output=True, text=True, cwd=REPO, timeout=1800,
    )
    log = result.stdout + result.stderr
    html = out / "_build" / "html"
    if result.returncode != 0 or not (html / "index.html").exists():
        pytest.fail(f"jupyter-book build failed (exit {result.returncode}):\n{log[-6000:]}")
    return html, log


@pytest.fixture(scope="module")
def site(built_book):
    """The built book served on a loopback port, for the browser tests."""
    html, _ = built_book
    with serve_folder(html) as url:
        yield url
