"""A local Sphinx extension: page markup readers need and the theme lacks.

* **Figures** (:func:`lazy_images`): ``loading="lazy"``, async decoding and
  their pixel size, so a figure below the fold costs nothing on first load
  and its box is reserved before it arrives.
* **Landmarks** (:func:`_landmarks`): the primary sidebar becomes a
  ``complementary`` landmark, and the bibliography's entries list items.
* **Tables that become cards** (:func:`labelled_cells`): each cell of the
  equation ledger's and the notation page's tables carries its column's
  name, so that on a phone ``nnbook.css`` can show each row as a card
  ("Derived in", "Checked by") instead of a table wider than the screen.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

from nnbook_pages import built_html, rewrite_pages

_IMG = re.compile(r"<img\b([^>]*)/?>")
_TABLE = re.compile(r"<table\b.*?</table>", re.S)
_HEAD_CELL = re.compile(r"<th\b[^>]*>(.*?)</th>", re.S)
_ROW = re.compile(r"(<tr\b[^>]*>)(.*?)</tr>", re.S)
_TAG = re.compile(r"<[^>]+>")

# Pages whose tables read as cards on a narrow screen (nnbook.css): their
# rows are records (a formula, a symbol), not lines of numbers to compare
# down a column, which stay a table that scrolls sideways.
CARD_PAGES = ("equations.html", "notation.html")


def _image_size(path: Path) -> tuple[int, int] | None:
    """(width, height) in pixels of a PNG, or None for another format."""
    head = path.read_bytes()[:24] if path.is_file() else b""
    if head[:8] != b"\x89PNG\r\n\x1a\n":
        return None
    return int.from_bytes(head[16:20], "big"), int.from_bytes(
        head[20:24], "big"
    )


def lazy_images(page_text: str, page: Path) -> str:
    """Give each content image ``loading="lazy"``, async decoding, its size.

    A figure below the fold then costs nothing on first load, and the
    explicit width and height let the browser reserve its box (no layout
    shift while it arrives). The size is the PNG's own in pixels, which is
    what the browser showed without it; the book's CSS scales it to the
    column (``height: auto``).
    """

    def rewrite(match: re.Match) -> str:
        attributes = match[1].rstrip(" /")
        source = re.search(r'\bsrc="([^"]+)"', attributes)
        if not source or "_images/" not in source[1]:
            return match[0]  # only the chapters' figures, not the theme's
        if "loading=" not in attributes:
            attributes += ' loading="lazy" decoding="async"'
        if "width=" not in attributes and "height=" not in attributes:
            size = _image_size(page.parent / source[1].split("?")[0])
            if size:
                attributes += f' width="{size[0]}" height="{size[1]}"'
        return f"<img{attributes} />"

    return _IMG.sub(rewrite, page_text)


def labelled_cells(page_text: str, page: Path) -> str:
    """Give every cell of the page's tables its column's name.

    Each ``<td>`` gets ``data-label="<its column's header text>"``, which the
    narrow-screen rule of ``nnbook.css`` shows above the cell; the table gets
    the class ``nnbook-cards`` that rule selects, and explicit ARIA roles
    (``table``, ``rowgroup``, ``row``, ``columnheader``, ``cell``): a table
    whose rows are laid out as blocks keeps its table semantics for screen
    readers in every browser. Only the pages of :data:`CARD_PAGES`.

    Raises
    ------
    ValueError
        If a row has more cells than the table has header cells.
    """
    if page.name not in CARD_PAGES:
        return page_text

    def label_table(table: re.Match) -> str:
        text = table[0]
        head_end = text.find("</thead>")
        if head_end < 0:
            return text
        names = [
            html.escape(html.unescape(_TAG.sub("", cell)).strip(), quote=True)
            for cell in _HEAD_CELL.findall(text[:head_end])
        ]

        def label_row(row: re.Match) -> str:
            if "<td" not in row[2]:
                return f'{row[1][:-1]} role="row">{row[2]}</tr>'
            cells = row[2].split("<td")
            if len(cells) - 1 > len(names):
                raise ValueError(
                    f"{page.name}: a table row has {len(cells) - 1} cells "
                    f"but its header names {len(names)} columns: {names}"
                )
            labelled = [cells[0]] + [
                f' role="cell" data-label="{name}"{cell}'
                # a short row (a cell spanning columns) labels what it has
                for name, cell in zip(names, cells[1:], strict=False)
            ]
            return f'{row[1][:-1]} role="row">{"<td".join(labelled)}</tr>'

        text = _ROW.sub(label_row, text)
        text = text.replace("<th ", '<th role="columnheader" ')
        for part in ("thead", "tbody"):
            text = text.replace(f"<{part}>", f'<{part} role="rowgroup">')
        text = text.replace('class="table"', 'class="table nnbook-cards"', 1)
        return text.replace("<table ", '<table role="table" ', 1)

    return _TABLE.sub(label_table, page_text)


def _lazy_images(app, exception) -> None:
    outdir = built_html(app, exception)
    if outdir is not None:
        rewrite_pages(outdir, lazy_images)


_SIDEBAR = (
    '<div id="pst-primary-sidebar" class="bd-sidebar-primary bd-sidebar">'
)


def _landmarks(app, exception) -> None:
    """Put the primary sidebar (logo, PDF link, chapters) in a landmark.

    The theme's sidebar is a plain ``<div>``: its logo and icon links are then
    outside every landmark, which screen-reader users navigate by (axe's
    ``region`` rule).
    """
    outdir = built_html(app, exception)
    if outdir is None:
        return
    landmark = _SIDEBAR[:-1] + ' role="complementary" aria-label="The book">'
    # docutils marks a bibliography entry with the deprecated DPUB role
    # doc-biblioentry inside role="list": a list needs list items.
    rewrite_pages(
        outdir,
        lambda text, _page: text.replace(_SIDEBAR, landmark).replace(
            'role="doc-biblioentry"', 'role="listitem"'
        ),
    )


def _labelled_cells(app, exception) -> None:
    outdir = built_html(app, exception)
    if outdir is not None:
        rewrite_pages(outdir, labelled_cells)


def setup(app):
    app.connect("build-finished", _lazy_images)
    app.connect("build-finished", _labelled_cells)
    app.connect("build-finished", _landmarks)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
