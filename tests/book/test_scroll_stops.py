"""Keyboard reach for boxes that scroll sideways (book/_ext/nnbook_scrolling.py).

The build marks every code block and table that may overflow with a tab stop and
cuts the theme's load-time scan of their widths; ``nnbook.js`` keeps a stop only
where the laid-out box overflows. These tests check the build's part without a
browser; ``test_browser.py`` checks the page.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from _helpers import BOOK

sys.path.insert(0, str(BOOK / "_ext"))
import nnbook_scrolling as scrolling
from sphinx.errors import ExtensionError


def test_longest_line_counts_characters_not_markup():
    code = '<span></span><span class="n">x</span> <span class="o">=</span> 1\n&lt;&gt;&amp;\n'
    assert scrolling.longest_line(code) == len("x = 1")
    assert scrolling.longest_line("a\tb") == len("a       b")  # a tab stops at 8
    assert scrolling.longest_line("") == 0


def test_a_long_code_block_and_every_table_get_a_tab_stop():
    wide = "w" * scrolling.MIN_CHARS
    narrow = "n" * (scrolling.MIN_CHARS - 1)
    page = (
        f'<div class="highlight"><pre><span></span>{wide}\nshort</pre></div>'
        f"<pre>{narrow}\n{narrow}</pre>"
        f'<pre tabindex="-1">{wide}</pre>'
        '<div class="pst-scrollable-table-container"><table></table></div>'
        '<div class="pst-scrollable-table-container" tabindex="-1"><table></table></div>'
    )
    marked = scrolling.initial_tab_stops(page)
    assert f'<pre tabindex="0"><span></span>{wide}' in marked
    assert f"<pre>{narrow}" in marked  # cannot overflow: no stop
    assert f'<pre tabindex="-1">{wide}</pre>' in marked  # a stop chosen by the page stays
    assert '<div class="pst-scrollable-table-container" tabindex="0">' in marked
    assert marked.count('tabindex="0"') == 2
    assert scrolling.initial_tab_stops(marked) == marked  # a second pass changes nothing


def test_the_pinned_theme_scan_is_cut_once():
    import pydata_sphinx_theme

    script = (
        Path(pydata_sphinx_theme.__file__).parent
        / "theme" / "pydata_sphinx_theme" / "static" / "scripts" / "pydata-sphinx-theme.js"
    )
    text = script.read_text(encoding="utf-8")
    cut = scrolling.theme_scan_off(text)
    assert scrolling.THEME_SCAN not in cut
    assert len(text) - len(cut) == len(scrolling.THEME_SCAN) - len(scrolling.SCAN_CUT)
    assert scrolling.theme_scan_off(cut) == cut  # an incremental build sees it cut


def test_an_unknown_theme_script_stops_the_build():
    with pytest.raises(ExtensionError, match="update THEME_SCAN"):
        scrolling.theme_scan_off("function I(){document.querySelectorAll('pre')}")
