"""Shared fixtures: where the book is, which notebooks it lists, and the built HTML."""

from __future__ import annotations

import functools
import http.server
import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
BOOK = REPO / "book"


def toc_files() -> list[str]:
    """Every `file:` entry of _toc.yml (root first), as paths relative to the repo root."""
    toc = yaml.safe_load((REPO / "_toc.yml").read_text())
    files = [toc["root"]]
    for part in toc.get("parts", []):
        files.extend(chapter["file"] for chapter in part.get("chapters", []))
    return files


def toc_notebooks() -> list[Path]:
    """The notebooks _toc.yml lists, in reading order."""
    return [REPO / f"{name}.ipynb" for name in toc_files() if (REPO / f"{name}.ipynb").exists()]


def chapter_notebooks() -> list[Path]:
    """Every chapter notebook in book/ (NN_slug.ipynb), sorted."""
    return sorted(BOOK.glob("[0-9][0-9]_*.ipynb"))


def load_notebook(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def repository_url() -> str:
    config = yaml.safe_load((REPO / "_config.yml").read_text())
    return config["repository"]["url"].rstrip("/")


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


def headless_chromium():
    """Debian's chromium, headless, driven by chromedriver, with the console log kept.

    The browser tests (tests/test_browser.py, tests/test_explorables.py) share it; they
    skip before calling it where chromium or chromedriver is missing.
    """
    from selenium import webdriver

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or shutil.which("chromium-browser")
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--hide-scrollbars",
                 "--window-size=1280,1600", "--disable-dev-shm-usage"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = webdriver.ChromeService(executable_path=shutil.which("chromedriver"))
    driver = webdriver.Chrome(options=options, service=service)
    driver.set_page_load_timeout(60)
    return driver


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep the test output readable
        pass


@pytest.fixture(scope="module")
def site(built_book):
    """The built book served on a loopback port, for the browser tests."""
    html, _ = built_book
    handler = functools.partial(_QuietHandler, directory=str(html))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
