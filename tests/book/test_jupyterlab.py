"""The chapters as a JupyterLab (local or Binder) reader sees them.

Starts JupyterLab from the test environment on loopback, with the pinned
``jupyterlab-myst`` that renders MyST in markdown cells, on a copy of
``book/`` (so that nothing the browser does can touch the committed
notebooks), opens every chapter in headless Chromium and asserts:

* no math error (an undefined macro is a red error in jupyterlab-myst): the
  macro cell of ``tools/reader_metadata.py`` defines ``_config.yml``'s macros;
* no raw MyST syntax (`` {eq}` ``, `` {numref}` ``, ``:::{``, ````` ```{ `````) in
  any rendered markdown cell;
* the learning objectives render as an admonition;
* the notebook is not marked modified on opening (kernel metadata that
  JupyterLab would rewrite), and JupyterLab does not ask about Jupyter news;
* after Run All Cells, no cell shows an error, and every control of every
  explorable (``nnbook.widgets``) changes the figure on view when a reader
  moves it (a dropdown to its next option, a slider by the arrow key), with
  its label shown whole;
* the file browser lists the chapters, not the helper folders `_ext`, `_offline`, `_static`.

Skips where Chromium or chromedriver is missing, like ``tests/book/test_browser.py``.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from _helpers import requires_chromium

ROOT = Path(__file__).resolve().parents[2]
CHAPTERS = sorted(p.name for p in (ROOT / "book").glob("[0-9][0-9]_*.ipynb"))

pytestmark = [pytest.mark.browser, requires_chromium]

RAW_MYST = ["{eq}`", "{numref}`", "{ref}`", ":::{", "```{", "(sec-"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A JupyterLab server on a copy of book/, every cell rendered (no windowing)."""
    base = tmp_path_factory.mktemp("lab")
    shutil.copytree(ROOT / "book", base / "book")
    settings = base / "settings" / "@jupyterlab" / "notebook-extension"
    settings.mkdir(parents=True)
    # JupyterLab 4 renders only the cells on screen; the checks need all of them.
    (settings / "tracker.jupyterlab-settings").write_text(json.dumps({"windowingMode": "none"}))
    port = _free_port()
    env = {
        **os.environ,
        "JUPYTERLAB_SETTINGS_DIR": str(base / "settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(base / "workspaces"),
        "JUPYTER_RUNTIME_DIR": str(base / "runtime"),
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyterlab",
            "--no-browser",
            f"--port={port}",
            "--ServerApp.ip=127.0.0.1",
            "--IdentityProvider.token=",
            "--ServerApp.password=",
            f"--ServerApp.root_dir={base / 'book'}",
            "--LabApp.expose_app_in_browser=True",
            "--ServerApp.disable_check_xsrf=True",
            "--LabApp.news_url=None",
            "--allow-root",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.5)
    else:
        server.kill()
        pytest.fail("JupyterLab did not start within 60 s")
    yield f"http://127.0.0.1:{port}"
    server.terminate()
    server.wait(timeout=30)


@pytest.fixture(scope="module")
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = shutil.which("chromium")
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--window-size=1280,1000",
        "--disable-dev-shm-usage",
    ):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
    yield driver
    driver.quit()


def _wait(driver, script: str, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = driver.execute_script(script)
        if value:
            return value
        time.sleep(0.25)
    pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")


def _open(driver, lab: str, name: str) -> None:
    driver.get(f"{lab}/lab/tree/{name}?reset")
    _wait(
        driver,
        "return window.jupyterapp && document.querySelectorAll("
        "'.jp-MarkdownCell .myst').length > 5",
        60,
        f"{name} to render",
    )
    # rendering is asynchronous: wait until the count of rendered cells settles
    previous = -1
    for _ in range(40):
        count = driver.execute_script(
            "return document.querySelectorAll('.jp-MarkdownCell .myst').length"
        )
        if count == previous:
            break
        previous = count
        time.sleep(0.5)


@pytest.mark.parametrize("name", CHAPTERS)
def test_chapter_renders_and_runs_in_jupyterlab(lab, browser, name):
    _open(browser, lab, name)
    errors = browser.execute_script(
        "return [...document.querySelectorAll('.jp-MarkdownCell .myst .text-red-500')]"
        ".map(e => (e.parentElement.title || e.textContent).slice(0, 120))"
    )
    assert not errors, f"{name}: math or MyST errors in JupyterLab: {errors[:5]}"
    texts = browser.execute_script(
        "return [...document.querySelectorAll('.jp-MarkdownCell .myst')].map(e => e.innerText)"
    )
    raw = [(marker, t[:80]) for t in texts for marker in RAW_MYST if marker in t]
    assert not raw, f"{name}: raw MyST in rendered markdown: {raw[:5]}"
    assert browser.execute_script(
        "return [...document.querySelectorAll('.jp-MarkdownCell aside.myst-admonition')]"
        ".some(a => a.textContent.includes('Learning objectives'))"
    ), f"{name}: the learning objectives do not render as an admonition"
    assert not browser.execute_script("return document.querySelector('.jp-mod-dirty') !== null"), (
        f"{name}: JupyterLab marks the notebook modified on opening (kernel metadata?)"
    )
    assert "Jupyter news" not in browser.execute_script("return document.body.innerText"), (
        f"{name}: JupyterLab asks about Jupyter news (the notification settings of make install)"
    )

    browser.execute_script("window.jupyterapp.commands.execute('notebook:run-all-cells')")
    time.sleep(1.0)  # let the queued cells show their [*] prompts
    _wait(
        browser,
        "return ![...document.querySelectorAll('.jp-InputPrompt')]"
        ".some(p => p.textContent.includes('*'))",
        120,
        f"{name} to finish running",
    )
    ran = browser.execute_script(
        "return [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')]"
        ".filter(p => /\\[\\d+\\]/.test(p.textContent)).length"
    )
    assert ran > 0, f"{name}: Run All Cells ran nothing"
    failed = browser.execute_script(
        "return [...document.querySelectorAll('.jp-OutputArea-output[data-mime-type="
        '"application/vnd.jupyter.stderr"], .jp-RenderedText[data-mime-type='
        '"application/vnd.jupyter.error"]\')].map(e => e.innerText.slice(0, 200))'
        ".filter(t => /Error|Traceback/.test(t))"
    )
    assert not failed, f"{name}: errors after Run All in JupyterLab: {failed[:3]}"
    _assert_explorables_follow_their_controls(browser, name)


def test_file_browser_lists_the_chapters_not_the_helper_folders(lab):
    # `make install` puts .jupyter/jupyter_server_config.json (hide_globs) where the
    # server reads it; Binder reads the same file from the repository (its home)
    import urllib.request

    with urllib.request.urlopen(f"{lab}/api/contents/", timeout=30) as response:
        names = {item["name"] for item in json.load(response)["content"]}
    helpers = {"_ext", "_offline", "_static"}
    assert helpers <= {p.name for p in (ROOT / "book").iterdir()}  # they exist in book/
    assert not names & helpers, f"the file browser lists {sorted(names & helpers)}"
    assert set(CHAPTERS) <= names


# the frame on view of each explorable: its Stacks show one Image, named by class
VISIBLE_FRAMES = """return [...document.querySelectorAll('.nnbook-explorable')].map(e =>
  [...e.querySelectorAll('.nnbook-frame')].filter(f => f.offsetParent !== null)
    .map(f => [...f.classList].find(c => /^nnbook-frame-\\d/.test(c))).join(','))"""


def _move(control) -> None:
    """Move a control one step, as a reader does: the next option, or one arrow key."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import Select

    selects = control.find_elements(By.TAG_NAME, "select")
    if selects:
        menu = Select(selects[0])
        values = [o.get_attribute("value") for o in menu.options]
        current = values.index(menu.first_selected_option.get_attribute("value"))
        menu.select_by_index((current + 1) % len(values))
        return
    handle = control.find_element(By.CSS_SELECTOR, ".noUi-handle")
    before = handle.get_attribute("aria-valuenow")
    handle.send_keys(Keys.ARROW_RIGHT)
    time.sleep(0.3)
    if handle.get_attribute("aria-valuenow") == before:  # at its highest value
        handle.send_keys(Keys.ARROW_LEFT)


def _assert_explorables_follow_their_controls(driver, name: str) -> None:
    from selenium.webdriver.common.by import By

    explorables = driver.find_elements(By.CSS_SELECTOR, ".nnbook-explorable")
    assert explorables, f"{name}: no explorable rendered after Run All"
    for index, explorable in enumerate(explorables):
        for control in explorable.find_elements(By.CSS_SELECTOR, ".nnbook-control"):
            label = control.find_element(By.CSS_SELECTOR, ".widget-label")
            what = f"{name}, explorable {index + 1}, control {label.text!r}"
            driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", control)
            assert driver.execute_script(
                "return arguments[0].scrollWidth <= arguments[0].clientWidth + 1", label
            ), f"{what}: the label is cut off"
            start = driver.execute_script(VISIBLE_FRAMES)[index]
            _move(control)
            deadline = time.monotonic() + 10
            while driver.execute_script(VISIBLE_FRAMES)[index] == start:
                assert time.monotonic() < deadline, f"{what}: the figure did not change"
                time.sleep(0.25)
