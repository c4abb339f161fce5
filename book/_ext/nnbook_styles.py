"""A local Sphinx extension: one stylesheet a page instead of thirteen.

A page of the book links twelve stylesheets (the theme's, each extension's,
the book's own), and the first of them imports a thirteenth
(``theme.css`` -> ``basic.css``), so the first paint waited for a chain of
two requests and for eleven more beside it: on a phone's round trips that is
most of the time before anything shows. After the build, :func:`bundle`
concatenates a page's stylesheets in their order (the cascade is unchanged),
with imports inlined and every ``url()`` rewritten to stay valid from the
bundle's folder, into ``_static/nnbook-styles.<hash>.css``; the page then
links that one file. Pages with the same stylesheets share one bundle. The
original files stay in the build.
"""

from __future__ import annotations

import hashlib
import os
import posixpath
import re
from pathlib import Path

from nnbook_pages import built_html, rewrite_pages
from sphinx.util import logging

logger = logging.getLogger(__name__)

BUNDLE_PREFIX = "nnbook-styles."

_STYLESHEET = re.compile(
    r'[ \t]*<link\b(?=[^>]*\brel="stylesheet")[^>]*\bhref="([^"]+)"[^>]*/?>'
    r"[ \t]*\n?"
)
_URL = re.compile(
    r"""url\(\s*(?:"([^"]*)"|'([^']*)'|([^)'"\s]*))\s*\)""", re.IGNORECASE
)
_IMPORT = re.compile(
    r"""@import\s+(?:url\(\s*)?["']?([^"')\s;]+)["']?\s*\)?\s*;""",
    re.IGNORECASE,
)
_CHARSET = re.compile(r'@charset\s+"[^"]*"\s*;', re.IGNORECASE)
_SOURCE_MAP = re.compile(r"/\*#\s*sourceMappingURL=[^*]*\*/")


def _is_local(url: str) -> bool:
    return not (
        url.startswith(("data:", "#", "/"))
        or re.match(r"^[a-z][a-z0-9+.-]*:", url, re.IGNORECASE)
    )


def _rebase(url: str, css_dir: str, bundle_dir: str) -> str:
    """``url``, written in a stylesheet of ``css_dir``, from the bundle."""
    path, hash_mark, fragment = url.partition("#")
    path, query_mark, query = path.partition("?")
    target = posixpath.normpath(posixpath.join(css_dir, path))
    moved = posixpath.relpath(target, bundle_dir)
    return moved + query_mark + query + hash_mark + fragment


def stylesheet_text(css_file: Path, outdir: Path, bundle_dir: Path) -> str:
    """One stylesheet, imports inlined, its urls valid from the bundle.

    Raises ``FileNotFoundError`` for a stylesheet or an import that is not in
    the build.
    """
    text = css_file.read_text(encoding="utf-8")
    css_dir = css_file.parent.relative_to(outdir).as_posix()
    home = bundle_dir.relative_to(outdir).as_posix()

    def url(match: re.Match) -> str:
        value = next(group for group in match.groups() if group is not None)
        if not value or not _is_local(value):
            return match[0]
        return f'url("{_rebase(value, css_dir, home)}")'

    text = _CHARSET.sub("", _SOURCE_MAP.sub("", text))
    pieces, at = [], 0
    for match in _IMPORT.finditer(text):  # an import's urls are its own
        pieces.append(_URL.sub(url, text[at : match.start()]))
        target = (css_file.parent / match[1].split("?")[0]).resolve()
        pieces.append(stylesheet_text(target, outdir, bundle_dir))
        at = match.end()
    pieces.append(_URL.sub(url, text[at:]))
    return "".join(pieces)


def bundle(page_text: str, page: Path, outdir: Path) -> str:
    """The page linking one bundle of its local stylesheets, written once.

    The bundle replaces the first ``<link rel="stylesheet">`` of the page's
    ``<head>``; the others are removed. A page with fewer than two, or with
    one from outside the book or for a ``media`` (print), is left as it is.
    """
    head_end = page_text.find("</head>")
    links = list(_STYLESHEET.finditer(page_text, 0, max(head_end, 0)))
    hrefs = [match[1] for match in links]
    if (
        len(links) < 2
        or not all(_is_local(href) for href in hrefs)
        or any("media=" in match[0] for match in links)
    ):
        return page_text
    outdir = outdir.resolve()
    static = outdir / "_static"
    files = [
        (page.parent / href.split("?")[0].split("#")[0]).resolve()
        for href in hrefs
    ]
    parts = [
        f"/* {file.relative_to(outdir).as_posix()} */\n"
        + stylesheet_text(file, outdir, static).strip()
        for file in files
    ]
    text = '@charset "UTF-8";\n' + "\n".join(parts) + "\n"
    data = text.encode("utf-8")
    name = BUNDLE_PREFIX + hashlib.sha256(data).hexdigest()[:16] + ".css"
    target = static / name
    if not target.exists():
        target.write_bytes(data)
    href = os.path.relpath(target, page.parent).replace(os.sep, "/")
    first = links[0]
    pieces, at = [], 0
    for match in links:
        pieces.append(page_text[at : match.start()])
        if match is first:
            pieces.append(f'    <link rel="stylesheet" href="{href}" />\n')
        at = match.end()
    pieces.append(page_text[at:])
    return "".join(pieces)


def _bundle_styles(app, exception) -> None:
    outdir = built_html(app, exception)
    if outdir is None:
        return
    for old in (outdir / "_static").glob(BUNDLE_PREFIX + "*.css"):
        old.unlink()  # an incremental build writes the bundles afresh
    written = rewrite_pages(
        outdir, lambda text, page: bundle(text, page, outdir)
    )
    count = len(list((outdir / "_static").glob(BUNDLE_PREFIX + "*.css")))
    logger.info("nnbook: %d pages link %d stylesheet bundles", written, count)


def setup(app):
    # after every step that edits a stylesheet (nnbook_icons cuts the font)
    app.connect("build-finished", _bundle_styles, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
