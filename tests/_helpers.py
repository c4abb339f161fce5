"""Helpers shared by every test file: ``from _helpers import ...`` (fixtures: conftest.py).

Where the book is and what its TOC lists, the skip markers for optional tools
(PyTorch, scikit-learn, chromium), and small factories for the nnlib tests.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import importlib.util
import json
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]  # tests/ is one below the root
BOOK = REPO / "book"


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    """A static file server that keeps the test output readable."""

    def log_message(self, *args):
        pass


@contextlib.contextmanager
def serve_folder(folder: Path, handler: type = QuietHandler) -> Iterator[str]:
    """Serve ``folder`` on a loopback port with ``handler``; yield the base URL."""
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(handler, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()


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


def headless_chromium():
    """Debian's chromium, headless, driven by chromedriver, with the console log kept.

    The browser tests (tests/book/test_browser.py, tests/book/test_explorables.py) share it; they
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


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
requires_chromium = pytest.mark.skipif(
    CHROMIUM is None or shutil.which("chromedriver") is None,
    reason="needs Debian's chromium and chromium-driver (apt-get install them; .ci/run does)",
)

HAS_TORCH = importlib.util.find_spec("torch") is not None
requires_torch = pytest.mark.skipif(
    not HAS_TORCH, reason="PyTorch is not installed (CI installs it; pip install torch)"
)

HAS_SKLEARN = importlib.util.find_spec("sklearn") is not None
requires_sklearn = pytest.mark.skipif(
    not HAS_SKLEARN,
    reason="scikit-learn is not installed (load_digits needs it; pip install scikit-learn)",
)

GRAD_TOL = 1e-7
"""Relative error below which an analytic gradient counts as correct (float64)."""


def rng(seed: int = 0) -> np.random.Generator:
    """A seeded generator."""
    return np.random.default_rng(seed)


def labels_and_onehot(n: int, K: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Random integer labels of shape (n,) and the matching one-hot matrix (n, K)."""
    y = rng(seed).integers(0, K, size=n)
    Y = np.zeros((n, K))
    Y[np.arange(n), y] = 1.0
    return y, Y


def assert_each_mistake_named(check, mistakes, *, at_least: int = 3) -> None:
    """Feed every catalogued wrong answer to ``check``: each fails, and the verdict names it.

    ``mistakes`` is a checker's catalogue of :class:`nnbook.exercises._diagnose.Mistake`
    (``answer``, ``message``); the exercise issue asks for ``at_least`` of them.
    """
    assert len(mistakes) >= at_least, f"a catalogue of {len(mistakes)} mistakes, not {at_least}"
    for mistake in mistakes:
        result = check(mistake.answer)
        assert not result, f"the checker accepts the catalogued mistake {mistake.message!r}"
        assert mistake.message in result.message, mistake.message
