"""Keyboard reach for boxes that scroll sideways, without laying out the page.

A code block or table wider than the column scrolls sideways; a keyboard
reader can scroll it only if it takes the focus (axe-core's
``scrollable-region-focusable``). pydata-sphinx-theme 0.17 gives the focus by
reading the ``scrollWidth`` of every code block, output and table as the page
loads. That forces the browser to lay out every section, including those that
``content-visibility: auto`` (``nnbook.css``) would have skipped: 0.9 s of
layout and style on Lighthouse's simulated phone for chapter 14, the page's
longest task.

This extension moves the job:

- at build time, each ``<pre>`` with a line of :data:`MIN_CHARS` characters or
  more, and each table, gets ``tabindex="0"``: it may overflow on a narrow
  screen, so it is reachable before anything is laid out;
- in the browser, ``nnbook.js`` watches each such box with a
  ``ResizeObserver``, which reports a box only once the browser has laid it
  out (its section is near the viewport), and keeps the tab stop only if the
  box does overflow;
- the theme's load-time scan is cut out of its script
  (:func:`theme_scan_off`), so nothing reads a size before the browser's own
  first layout.
"""

from __future__ import annotations

import html
import re

from nnbook_pages import built_html, rewrite_pages
from sphinx.errors import ExtensionError

#: The shortest longest line of a code block that may overflow the column:
#: on a 320 px phone the column holds about 34 characters of the code font.
MIN_CHARS = 30

#: pydata-sphinx-theme 0.17.1's scan (``addTabStopsToScrollableElements``),
#: as it stands in its built ``scripts/pydata-sphinx-theme.js``.
THEME_SCAN = (
    'document.querySelectorAll(["pre",".nboutput > .output_area",'
    '".cell_output > .output",".jp-RenderedHTMLCommon",'
    '".pst-scrollable-table-container"].join(", ")).forEach('
)
SCAN_CUT = "[].forEach("

_PRE = re.compile(r"<pre\b([^>]*)>(.*?)</pre>", re.S)
_TAG = re.compile(r"<[^>]+>")
_TABLE_BOX = re.compile(
    r'<div\b(?![^>]*\btabindex=)([^>]*\bclass="[^"]*'
    r'\bpst-scrollable-table-container\b[^"]*"[^>]*)>'
)


def longest_line(pre_html: str) -> int:
    """Characters in the longest line of a ``<pre>``'s HTML content."""
    text = html.unescape(_TAG.sub("", pre_html)).expandtabs(8)
    return max((len(line) for line in text.split("\n")), default=0)


def initial_tab_stops(page_text: str) -> str:
    """The page with ``tabindex="0"`` on every box that may scroll sideways.

    A ``<pre>`` qualifies when its longest line has at least
    :data:`MIN_CHARS` characters; every table container qualifies (its width
    cannot be known before layout). A box that already has a ``tabindex`` is
    left alone.
    """

    def pre(match: re.Match) -> str:
        attributes, content = match[1], match[2]
        if "tabindex=" in attributes or longest_line(content) < MIN_CHARS:
            return match[0]
        return f'<pre{attributes} tabindex="0">{content}</pre>'

    page_text = _PRE.sub(pre, page_text)
    return _TABLE_BOX.sub(r'<div\1 tabindex="0">', page_text)


def theme_scan_off(script: str) -> str:
    """The theme's script without its load-time scan of every box's width.

    The scan's selector list becomes an empty list, so the theme's function
    (run at load, on resize and on every change under ``#main-content``)
    visits nothing. A script already cut is returned as it is. Raises
    ``ExtensionError`` if the theme's code is not the one this was written for
    (a theme upgrade must revisit it).
    """
    if script.count(THEME_SCAN) == 1:
        return script.replace(THEME_SCAN, SCAN_CUT)
    if THEME_SCAN not in script and SCAN_CUT + "e=>{e.tabIndex=" in script:
        return script
    raise ExtensionError(
        "nnbook_scrolling: pydata-sphinx-theme's scan of scrollable boxes "
        "was not found once in scripts/pydata-sphinx-theme.js (expected "
        f"{THEME_SCAN!r}); the theme changed: update THEME_SCAN"
    )


def _build_finished(app, exception) -> None:
    outdir = built_html(app, exception)
    if outdir is None:
        return
    script = outdir / "_static" / "scripts" / "pydata-sphinx-theme.js"
    text = script.read_text(encoding="utf-8")
    cut = theme_scan_off(text)
    if cut != text:
        script.write_text(cut, encoding="utf-8")
    rewrite_pages(outdir, lambda text, _page: initial_tab_stops(text))


def setup(app):
    app.connect("build-finished", _build_finished)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
