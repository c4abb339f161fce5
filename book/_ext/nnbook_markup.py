"""A local Sphinx extension: page markup readers need and the theme lacks.

* **Figures** (:func:`lazy_images`): ``loading="lazy"``, async decoding and
  their pixel size, so a figure below the fold costs nothing on first load
  and its box is reserved before it arrives.
* **Landmarks** (:func:`_landmarks`): the primary sidebar becomes a
  ``complementary`` landmark, and the bibliography's entries list items.
"""

from __future__ import annotations

import re
from pathlib import Path

from nnbook_pages import built_html, rewrite_pages

_IMG = re.compile(r"<img\b([^>]*)/?>")


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


def setup(app):
    app.connect("build-finished", _lazy_images)
    app.connect("build-finished", _landmarks)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
