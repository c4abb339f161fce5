"""Every explorable of the built book follows its controls, in Chromium, without a kernel.

On every page of the built book that stores an explorable, and on a one-page fixture
book this test builds (``tests/book/_fixture_book.py``: a slider, a dropdown and toggle
buttons, 30 frames, so there is always something to move), every control is moved:
arrow keys and a drag on a slider's handle, every option of a dropdown, every toggle
button. After each move the image on view must be the stored frame for the values
the controls display (its bytes compared with the frame of that key in the page's
widget state), and it must differ from the image before the move. The browser must
log no JavaScript error and fetch nothing from outside the book.

Needs Debian's ``chromium`` and ``chromium-driver``; skips with that reason elsewhere.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import http.server
import json
import math
import re
import threading
from pathlib import Path

import pytest
from _helpers import REPO, headless_chromium, requires_chromium, toc_files

webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed")
from selenium.common.exceptions import TimeoutException  # noqa: E402
from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402

pytestmark = [pytest.mark.browser, requires_chromium]

STATE_SCRIPT = re.compile(
    r'<script type="application/vnd.jupyter.widget-state\+json">(.*?)</script>', re.S)
VIEW_SCRIPT = re.compile(
    r'<script type="application/vnd.jupyter.widget-view\+json">(.*?)</script>', re.S)


def _pages_with_explorables() -> list[str]:
    """The TOC pages whose notebook stores an explorable (decided from the sources)."""
    pages = []
    for name in toc_files():
        notebook = REPO / f"{name}.ipynb"
        if notebook.exists() and "nnbook-explorable" in notebook.read_text(encoding="utf-8"):
            pages.append(name)
    return pages


# --- what the page stores ------------------------------------------------------------


class StoredExplorable:
    """One explorable as the page stores it: its controls (in order) and its frames."""

    def __init__(self, state: dict, model_id: str, page: Path):
        self.model_id = model_id
        models = state["state"]
        children = [c.removeprefix("IPY_MODEL_") for c in models[model_id]["state"]["children"]]
        self.names: list[str] = []
        self.labels: dict[str, list[str]] = {}
        for child in children[:-1]:
            control = models[child]["state"]
            (name,) = [c.removeprefix("nnbook-control-") for c in control["_dom_classes"]
                       if c.startswith("nnbook-control-")]
            self.names.append(name)
            self.labels[name] = list(control["_options_labels"])
        self.frames: dict[tuple[int, ...], bytes] = {}
        pending = [children[-1]]
        while pending:  # walk the nested Stacks down to the Images
            model = models[pending.pop()]
            if model["model_name"] == "ImageModel":
                (cls,) = [c for c in model["state"]["_dom_classes"]
                          if c.startswith("nnbook-frame-")]
                key = tuple(int(i) for i in cls.removeprefix("nnbook-frame-").split("-"))
                self.frames[key] = _stored_bytes(model, page)
            else:
                pending.extend(c.removeprefix("IPY_MODEL_")
                               for c in model["state"].get("children", []))
        sizes = [len(self.labels[n]) for n in self.names]
        assert len(self.frames) == math.prod(sizes), (
            f"explorable {model_id}: {len(self.frames)} frames stored for a grid of {sizes}")

    def key_of(self, shown: dict[str, str]) -> tuple[int, ...]:
        """The frame key of the labels the controls display."""
        # a browser shows a space of an option's label as a no-break space (U+00A0)
        return tuple(self.labels[name].index(shown[name].replace("\xa0", " "))
                     for name in self.names)


def _stored_bytes(model: dict, page: Path) -> bytes:
    """A frame's bytes: in the widget state's buffers, or in the file the build wrote."""
    for buffer in model.get("buffers", []):
        if buffer["path"] == ["value"]:
            data = base64.b64decode(buffer["data"])
            if model["state"].get("format") == "url":  # the address of a _frames/ file
                return (page.parent / data.decode()).read_bytes()
            return data
    raise AssertionError(f"an Image without a stored value: {model['state']}")


def stored_explorables(page_html: Path) -> list[StoredExplorable]:
    """The explorables of a built page, in the order of their views in the page."""
    text = page_html.read_text(encoding="utf-8")
    states = STATE_SCRIPT.findall(text)
    if not states:
        return []
    state = json.loads(states[0])
    found = []
    for view in VIEW_SCRIPT.findall(text):
        model_id = json.loads(view)["model_id"]
        model = state["state"].get(model_id, {})
        if "nnbook-explorable" in model.get("state", {}).get("_dom_classes", []):
            found.append(StoredExplorable(state, model_id, page_html))
    return found


# --- the browser ---------------------------------------------------------------------


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def _serve(folder: Path):
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


@pytest.fixture(scope="module")
def browser():
    driver = headless_chromium()
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def fixture_site(tmp_path_factory):
    from _fixture_book import PAGE, build_fixture_book

    html = build_fixture_book(tmp_path_factory.mktemp("explorable-book"))
    server, url = _serve(html)
    yield html, url, PAGE
    server.shutdown()


@pytest.fixture(scope="module")
def book_site(built_book):
    html, _ = built_book
    server, url = _serve(html)
    yield html, url
    server.shutdown()


# The image on view in explorable number `index` of the page, as base64 of its bytes.
_SHOWN_IMAGE = """
const [index, done] = [arguments[0], arguments[arguments.length - 1]];
const root = document.querySelectorAll('.nnbook-explorable')[index];
const shown = Array.from(root.querySelectorAll('img.nnbook-frame'))
    .filter(img => img.checkVisibility() && img.complete && img.naturalWidth > 0);
if (shown.length !== 1) { done({error: `${shown.length} frames on view`}); return; }
const img = shown[0];
const key = Array.from(img.classList).find(c => c.startsWith('nnbook-frame-'));
fetch(img.src).then(r => r.arrayBuffer()).then(buffer => {
  let text = '';
  new Uint8Array(buffer).forEach(b => { text += String.fromCharCode(b); });
  done({key: key, bytes: btoa(text)});
}).catch(e => done({error: String(e)}));
"""

# The label each control of explorable number `index` displays, by control name.
_SHOWN_LABELS = """
const root = document.querySelectorAll('.nnbook-explorable')[arguments[0]];
const shown = {};
for (const name of arguments[1]) {
  const el = root.querySelector('.nnbook-control-' + CSS.escape(name));
  if (!el) { shown[name] = null; continue; }
  const readout = el.querySelector('.widget-readout');
  const select = el.querySelector('select');
  const active = el.querySelector('button.mod-active');
  shown[name] = readout ? readout.textContent.trim()
      : select ? select.options[select.selectedIndex].textContent
      : active ? active.textContent.trim() : null;
}
return shown;
"""


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:12]


class Mover:
    """Moves the controls of one explorable and checks the frame on view after each move."""

    def __init__(self, driver, stored: StoredExplorable, index: int, where: str):
        self.driver, self.stored, self.index, self.where = driver, stored, index, where
        self.root = driver.find_elements(By.CSS_SELECTOR, ".nnbook-explorable")[index]
        self.moves = 0
        self.last = self.check(changed=False, move="initial view")

    def control(self, name: str):
        return self.root.find_element(By.CSS_SELECTOR, f".nnbook-control-{name}")

    def shown(self) -> tuple[dict[str, str], tuple[int, ...], bytes] | str:
        """The labels on display, the frame key and bytes on view; or what is missing."""
        labels = self.driver.execute_script(_SHOWN_LABELS, self.index, self.stored.names)
        if None in labels.values():
            return f"a control shows no value: {labels}"
        image = self.driver.execute_async_script(_SHOWN_IMAGE, self.index)
        if "error" in image:
            return image["error"]
        key = tuple(int(i) for i in image["key"].removeprefix("nnbook-frame-").split("-"))
        return labels, key, base64.b64decode(image["bytes"])

    def check(self, *, changed: bool, move: str) -> bytes:
        """Wait until the image on view is the stored frame of the displayed values."""
        result: dict = {}

        def settled(_driver) -> bool:
            shown = self.shown()
            if isinstance(shown, str):  # not rendered yet (or never: the message says)
                result["problem"] = shown
                return False
            result.pop("problem", None)
            labels, key, data = shown
            expected = self.stored.key_of(labels)
            result.update(labels=labels, key=key, expected=expected, data=data)
            return key == expected and data == self.stored.frames[expected]

        try:
            WebDriverWait(self.driver, 10, poll_frequency=0.05).until(settled)
        except TimeoutException:
            raise AssertionError(
                f"{self.where}, after {move}: {result['problem']}" if "problem" in result
                else f"{self.where}, after {move}: the controls show {result['labels']} "
                f"(frame {result['expected']}) but the image on view is frame "
                f"{result['key']} (sha256 {_digest(result['data'])})") from None
        if changed:
            assert result["data"] != self.last, (
                f"{self.where}, after {move}: the image did not change")
            self.moves += 1
        self.last = result["data"]
        return result["data"]

    def move_slider(self, name: str) -> None:
        size = len(self.stored.labels[name])
        handle = self.control(name).find_element(By.CSS_SELECTOR, ".noUi-handle")
        start = self.stored.labels[name].index(self.driver.execute_script(
            _SHOWN_LABELS, self.index, [name])[name])
        # arrow keys: right to the end, then left to the start (the handle centred
        # first, so that the click does not land under the sticky header)
        self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", handle)
        handle.click()
        position = start
        for key, step, stop in ((Keys.ARROW_RIGHT, 1, size - 1), (Keys.ARROW_LEFT, -1, 0)):
            while position != stop:
                handle.send_keys(key)
                position += step
                self.check(changed=True, move=f"{key!r} on slider {name!r}")
        # a drag of the handle to the far end of the track
        track = self.control(name).find_element(By.CSS_SELECTOR, ".noUi-target")
        width = track.size["width"]
        ActionChains(self.driver).click_and_hold(handle).move_by_offset(
            width // 2, 0).move_by_offset(width, 0).release().perform()
        self.check(changed=True, move=f"a drag on slider {name!r}")
        shown = self.driver.execute_script(_SHOWN_LABELS, self.index, [name])[name]
        shown = shown.replace("\xa0", " ")
        assert shown == self.stored.labels[name][-1], (
            f"{self.where}: a drag to the end of {name!r} shows {shown!r}")

    def move_dropdown(self, name: str) -> None:
        select = Select(self.control(name).find_element(By.TAG_NAME, "select"))
        first = select.first_selected_option.text
        for option in [*self.stored.labels[name], first]:
            if option == select.first_selected_option.text:
                continue
            select.select_by_visible_text(option)
            self.check(changed=True, move=f"option {option!r} of {name!r}")

    def move_toggles(self, name: str) -> None:
        buttons = self.control(name).find_elements(By.TAG_NAME, "button")
        active = [b.text for b in buttons if "mod-active" in b.get_attribute("class")]
        for button in [*buttons, *(b for b in buttons if b.text in active)]:
            if "mod-active" in button.get_attribute("class"):
                continue
            button.click()
            self.check(changed=True, move=f"button {button.text!r} of {name!r}")

    def move_all(self) -> None:
        for name in self.stored.names:
            element = self.control(name)
            if element.find_elements(By.CSS_SELECTOR, ".noUi-handle"):
                self.move_slider(name)
            elif element.find_elements(By.TAG_NAME, "select"):
                self.move_dropdown(name)
            elif element.find_elements(By.TAG_NAME, "button"):
                self.move_toggles(name)
            else:
                raise AssertionError(f"{self.where}: control {name!r} is of no known kind")


def move_every_control(driver, url: str, html: Path, page: str) -> int:
    """Open ``page``, move every control of every explorable; return the checked moves."""
    stored = stored_explorables(html / f"{page}.html")
    assert stored, f"{page}: no explorable stored in the built page"
    driver.get_log("browser")  # drop what earlier pages logged
    driver.get(f"{url}/{page}.html")
    WebDriverWait(driver, 30).until(
        lambda d: d.execute_script("return document.readyState") == "complete")
    # The widget manager loads when a widget nears the viewport (widgets-offline.js):
    # scroll to the first one, as a reader does.
    driver.execute_script(
        "document.querySelector('script[type=\"application/vnd.jupyter.widget-view+json\"]')"
        ".parentElement.scrollIntoView()")
    WebDriverWait(driver, 30).until(
        lambda d: d.execute_script(
            "return document.querySelectorAll('.nnbook-explorable').length") == len(stored),
        message=f"{page}: {len(stored)} explorables stored, not all rendered")
    sources = driver.execute_script(
        "return Array.from(document.querySelectorAll('img.nnbook-frame'), i => i.src)")
    stray = [s for s in sources if "/_frames/" not in s]
    assert not stray, f"{page}: frames not loaded from _frames/: {stray[:3]}"
    moves = 0
    for index, explorable in enumerate(stored):
        mover = Mover(driver, explorable, index, f"{page} explorable {index}")
        mover.move_all()
        moves += mover.moves
    outside = driver.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)"
        ".filter(n => !n.startsWith(arguments[0] + '/') && !n.startsWith('data:')"
        " && !n.startsWith('blob:' + arguments[0] + '/'))", url)
    assert not outside, f"{page}: fetched from outside the book: {outside}"
    severe = [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
    assert not severe, f"{page}: JavaScript errors: {severe[:5]}"
    return moves


def test_fixture_explorable_follows_every_control(browser, fixture_site):
    html, url, page = fixture_site
    (stored,) = stored_explorables(html / f"{page}.html")
    assert stored.names == ["slope", "kind", "grid"]
    # the build moved the frames out of the page's widget state (book/_ext)
    page_bytes = (html / f"{page}.html").stat().st_size
    frame_files = sorted((html / "_frames").glob("*.webp"))
    assert len(frame_files) == len(stored.frames) == 30, len(frame_files)
    assert page_bytes < sum(f.stat().st_size for f in frame_files), (
        f"the page ({page_bytes} bytes) still holds its frames")
    moves = move_every_control(browser, url, html, page)
    # slider: 3 right + 4 left (from 1.0 of five values) + 1 drag; dropdown: 2 + back
    # to the first; toggles: 1 + back
    assert moves == 8 + 3 + 2, f"{moves} moves checked"


@pytest.mark.parametrize("page", _pages_with_explorables())
def test_book_explorables_follow_every_control(browser, book_site, page):
    html, url = book_site
    assert move_every_control(browser, url, html, page) > 0
