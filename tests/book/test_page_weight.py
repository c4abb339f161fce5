"""What a page costs a reader on first load: bytes transferred, gzip as served.

For every page of the TOC, the resources the browser fetches before the reader
scrolls: the page itself, its stylesheets and the fonts they or the page's own
``<style>`` name, its scripts, and its images that are not ``loading="lazy"``.
Text (HTML, CSS, JavaScript, SVG, JSON) is counted gzipped, as GitHub Pages
serves it; images and fonts as they are. Widget frames (``_frames/``) and the
widget manager are not counted: they load when a widget nears the viewport
(``book/_offline/js/widgets-offline.js``). Deterministic, unlike Lighthouse's
timings (``benchmarks/lighthouse.py`` measures those).

The budget is the pages issue's: 1.2 MB for a chapter's first load.
"""

from __future__ import annotations

import gzip
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest
from _helpers import toc_files

BUDGET = 1_200_000
TEXT = {".html", ".css", ".js", ".svg", ".json", ".txt", ".map"}


class _FirstLoad(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.styles: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script" and attributes.get("src"):
            self.urls.append(attributes["src"])
        elif tag == "link" and attributes.get("href"):
            rel = (attributes.get("rel") or "").split()
            if {"stylesheet", "preload", "icon"} & set(rel):
                self.urls.append(attributes["href"])
        elif tag == "img" and attributes.get("src") and attributes.get("loading") != "lazy":
            self.urls.append(attributes["src"])
        elif tag == "style":
            self._in_style = True

    def handle_endtag(self, tag):
        if tag == "style":
            self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.styles.append(data)


def _css_urls(css: str) -> list[str]:
    return [u.strip("'\"") for u in re.findall(r"url\(([^)]+)\)", css)
            if not u.strip("'\"").startswith("data:")]


def transferred(html: Path, page: Path) -> dict[str, int]:
    """Resource (relative to the build) -> bytes on the wire, for one page's first load."""
    sizes: dict[str, int] = {}
    queue: list[tuple[Path, str]] = []

    def add(base: Path, url: str) -> None:
        if urlparse(url).scheme in ("http", "https", "data") or url.startswith("//"):
            return
        target = (base.parent / unquote(url.split("#")[0].split("?")[0])).resolve()
        if target.is_file():
            queue.append((target, url))

    parser = _FirstLoad()
    text = page.read_text(encoding="utf-8")
    parser.feed(text)
    sizes[page.relative_to(html).as_posix()] = len(gzip.compress(text.encode(), 6))
    for url in parser.urls:
        add(page, url)
    for style in parser.styles:  # fonts named by the page's own CSS (the math's)
        for url in _css_urls(style):
            add(page, url)
    while queue:
        target, _ = queue.pop()
        key = target.relative_to(html.resolve()).as_posix()
        if key in sizes:
            continue
        data = target.read_bytes()
        sizes[key] = len(gzip.compress(data, 6)) if target.suffix in TEXT else len(data)
        if target.suffix == ".css":
            for url in _css_urls(data.decode("utf-8", "replace")):
                if not url.endswith((".woff", ".woff2", ".ttf", ".eot")):
                    add(target, url)
    return sizes


@pytest.mark.parametrize("name", toc_files())
def test_first_load_fits_the_budget(built_book, name):
    html, _ = built_book
    page = html / f"{name}.html"
    sizes = transferred(html, page)
    total = sum(sizes.values())
    heaviest = sorted(sizes.items(), key=lambda item: -item[1])[:6]
    listing = ", ".join(f"{key} {size / 1000:.0f} kB" for key, size in heaviest)
    assert total <= BUDGET, (
        f"{name}: first load {total / 1e6:.2f} MB > {BUDGET / 1e6:.1f} MB; heaviest: {listing}"
    )


def test_the_measure_counts_what_a_browser_fetches(tmp_path):
    """A page, a stylesheet, a script and an eager image count; a lazy one does not."""
    (tmp_path / "s.css").write_text("body { color: red }" * 100)
    (tmp_path / "a.js").write_text("var a = 1;" * 100)
    (tmp_path / "eager.png").write_bytes(b"\x89PNG" + b"\0" * 996)
    (tmp_path / "lazy.png").write_bytes(b"\x89PNG" + b"\0" * 4996)
    page = tmp_path / "p.html"
    page.write_text('<html><head><link rel="stylesheet" href="s.css"><script src="a.js">'
                    '</script></head><body><img src="eager.png">'
                    '<img src="lazy.png" loading="lazy"></body></html>')
    sizes = transferred(tmp_path, page)
    assert set(sizes) == {"p.html", "s.css", "a.js", "eager.png"}
    assert sizes["eager.png"] == 1000
    assert sizes["s.css"] < 1900  # gzipped


def test_the_icon_font_is_cut_to_the_glyphs_the_theme_draws(built_book):
    # book/_ext/nnbook_icons.py serves Font Awesome's solid font cut to the icons
    # the theme's CSS draws (admonition titles, the contents chevron): 157 kB -> 3 kB
    from fontTools.ttLib import TTFont

    html, _ = built_book
    styles = html / "_static" / "styles"
    theme = (styles / "pydata-sphinx-theme.css").read_text(encoding="utf-8")
    face = re.search(r"@font-face\{[^}]*font-weight:900;src:url\(([^)]+)\)", theme)
    assert face, "no @font-face for Font Awesome's solid font"
    font_file = (styles / face[1]).resolve()
    assert font_file.name.endswith(".subset.woff"), f"the pages load {font_file.name}"
    assert font_file.stat().st_size < 20_000, f"{font_file.name}: {font_file.stat().st_size} B"
    drawn = set(re.findall(r'--pst-icon-[a-z-]+:"(.)"', theme))
    book_theme = (styles / "sphinx-book-theme.css").read_text(encoding="utf-8")
    drawn |= {chr(int(h, 16)) for h in re.findall(r'content:"\\(f[0-9a-f]{3})"', book_theme)}
    drawn = {ord(c) for c in drawn if ord(c) >= 0xE000}
    assert len(drawn) >= 10, f"found only {len(drawn)} icons the theme draws"
    # the brands' icons (GitHub, GitLab) are drawn by the brands font, not this one
    solid = set(TTFont(str(font_file.parent / "fa-solid-900.ttf")).getBestCmap())
    missing = (drawn & solid) - set(TTFont(str(font_file)).getBestCmap())
    assert not missing, f"icons the theme draws but the font lacks: {sorted(map(hex, missing))}"


#: The page's own HTML, gzipped. On Lighthouse's phone (1.6 Mbit/s) 150 kB take
#: 0.75 s before anything else; the heaviest chapter is 110 kB. Chapter 6 was 237 kB
#: while its interact's figure sat in the page's widget state as a base64 PNG.
HTML_BUDGET = 150_000

_STATE = re.compile(
    r'<script type="application/vnd.jupyter.widget-state\+json">(.*?)</script>', re.S
)


@pytest.mark.parametrize("name", toc_files())
def test_the_page_itself_is_light_and_its_widget_state_holds_no_image(built_book, name):
    import json

    html, _ = built_book
    page = html / f"{name}.html"
    text = page.read_text(encoding="utf-8")
    gzipped = len(gzip.compress(text.encode(), 6))
    assert gzipped <= HTML_BUDGET, (
        f"{name}.html is {gzipped / 1000:.0f} kB gzipped > {HTML_BUDGET / 1000:.0f} kB")
    for state in _STATE.findall(text):
        for model_id, model in json.loads(state)["state"].items():
            images = [
                key
                for output in model.get("state", {}).get("outputs", [])
                for key in output.get("data", {})
                if key.startswith("image/")
            ]
            images += [
                "buffer" for buffer in model.get("buffers", [])
                if buffer.get("encoding") == "base64" and len(buffer.get("data", "")) > 2000
            ]
            assert not images, (
                f"{name}: widget {model_id} ({model.get('model_name')}) stores {images} in "
                "the page; nnbook_frames.frames_to_files should have moved it to _frames/")


def test_an_interact_figure_moves_to_a_file(tmp_path):
    import base64
    import json
    import sys

    from _helpers import BOOK

    sys.path.insert(0, str(BOOK / "_ext"))
    import nnbook_frames

    png = b"\x89PNG\r\n\x1a\n" + b"\0\0\0\rIHDR" + (640).to_bytes(4, "big") + (
        (480).to_bytes(4, "big")) + b"\0" * 3000
    state = {"state": {"out": {"model_name": "OutputModel", "state": {"outputs": [
        {"output_type": "display_data", "metadata": {},
         "data": {"image/png": base64.b64encode(png).decode(), "text/plain": "<Figure>"}},
    ]}}}}
    (tmp_path / "book").mkdir()
    page = tmp_path / "book" / "p.html"
    page.write_text('<html><head><script type="application/vnd.jupyter.widget-state+json">'
                    f"{json.dumps(state)}</script></head><body></body></html>")
    assert nnbook_frames.frames_to_files(page, tmp_path) == 1
    (stored,) = _STATE.findall(page.read_text())
    data = json.loads(stored)["state"]["out"]["state"]["outputs"][0]["data"]
    (written,) = (tmp_path / "_frames").glob("*.png")
    assert written.read_bytes() == png
    assert set(data) == {"text/html", "text/plain"}
    assert f'src="../_frames/{written.name}" width="640" height="480"' in data["text/html"]



#: The one external script a page's ``<head>`` may load blocking: the page's
#: inline scripts set its ``DOCUMENTATION_OPTIONS`` while they are parsed.
BLOCKING_ALLOWED = {"_static/documentation_options.js"}


class _HeadScripts(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.blocking: list[str] = []
        self._in_head = True

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "body":
            self._in_head = False
        elif (tag == "script" and self._in_head and attributes.get("src")
              and "async" not in attributes and "defer" not in attributes
              and attributes.get("type", "text/javascript") in ("text/javascript", "")):
            self.blocking.append(attributes["src"])


def blocking_head_scripts(page_text: str) -> list[str]:
    """The ``src`` of each script in ``<head>`` that stops the parser until it has run."""
    parser = _HeadScripts()
    parser.feed(page_text)
    return parser.blocking


@pytest.mark.parametrize("name", toc_files())
def test_no_script_in_the_head_holds_up_the_first_paint(built_book, name):
    # book/_ext/nnbook_scripts.py defers the theme's and the extensions' scripts: on
    # Lighthouse's phone seven blocking ones held back chapter 7's first paint by ~1 s
    html, _ = built_book
    page = html / f"{name}.html"
    blocking = [
        (page.parent / src.split("?")[0]).resolve().relative_to(html.resolve()).as_posix()
        for src in blocking_head_scripts(page.read_text(encoding="utf-8"))
    ]
    extra = [src for src in blocking if src not in BLOCKING_ALLOWED]
    assert not extra, (
        f"{name}: scripts in <head> without defer or async: {extra}; add each that waits "
        "for the document to nnbook_scripts.DEFERRED")


def test_the_head_script_measure_sees_a_blocking_script():
    page = ('<html><head><script src="a.js"></script><script defer src="b.js"></script>'
            '<script async="async" src="c.js"></script><script>var x;</script>'
            '<script type="application/json" src="d.json"></script></head>'
            '<body><script src="e.js"></script></body></html>')
    assert blocking_head_scripts(page) == ["a.js"]
