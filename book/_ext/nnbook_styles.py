"""A local Sphinx extension: one stylesheet a page instead of thirteen.

A page of the book links twelve stylesheets (the theme's, each extension's,
the book's own), and the first of them imports a thirteenth
(``theme.css`` -> ``basic.css``), so the first paint waited for a chain of
two requests and for eleven more beside it: on a phone's round trips that is
most of the time before anything shows. After the build, :func:`bundle`
concatenates a page's stylesheets in their order (the cascade is unchanged),
with imports inlined and every ``url()`` rewritten to stay valid from the
bundle's folder, into ``_static/nnbook-styles.<hash>.css``; the page then
links that one file. Pages with the same stylesheets share one bundle, and
every bundle is rebuilt from its parts on each build. The original files stay
in the build; edit those (``book/_static/nnbook.css``), never a bundle.
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
    the build, ``ValueError`` for an import it cannot inline.
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
    if len(_IMPORT.findall(text)) != text.count("@import"):
        raise ValueError(
            f"nnbook_styles: an @import in {css_file} that cannot be inlined "
            "(a media query or an unusual form); inline it by hand or extend "
            "_IMPORT"
        )
    pieces, at = [], 0
    for match in _IMPORT.finditer(text):  # an import's urls are its own
        pieces.append(_URL.sub(url, text[at : match.start()]))
        target = (css_file.parent / match[1].split("?")[0]).resolve()
        pieces.append(stylesheet_text(target, outdir, bundle_dir))
        at = match.end()
    pieces.append(_URL.sub(url, text[at:]))
    return "".join(pieces)


#: The first line of each stylesheet's part in a bundle: the bundle can be
#: rebuilt from its own parts (:func:`_refresh_bundles`).
_PART = re.compile(r"^/\* nnbook-styles part: (\S+) \*/$", re.M)


def write_bundle(files: list[Path], outdir: Path) -> tuple[Path, str]:
    """Write the bundle of ``files`` (in order); return it and its version.

    The name depends on the list of files only, so a page that a later,
    incremental build does not rewrite keeps a valid link, and the bundle's
    content is refreshed from the current files. The version (a hash of the
    content) goes in the link's query, as Sphinx's ``?v=`` does.
    """
    static = outdir / "_static"
    names = [file.relative_to(outdir).as_posix() for file in files]
    parts = [
        f"/* nnbook-styles part: {name} */\n"
        + stylesheet_text(file, outdir, static).strip()
        for name, file in zip(names, files, strict=True)
    ]
    data = ('@charset "UTF-8";\n' + "\n".join(parts) + "\n").encode("utf-8")
    key = hashlib.sha256("\n".join(names).encode()).hexdigest()[:16]
    target = static / f"{BUNDLE_PREFIX}{key}.css"
    if not target.exists() or target.read_bytes() != data:
        target.write_bytes(data)
    return target, hashlib.sha256(data).hexdigest()[:8]


def bundle(page_text: str, page: Path, outdir: Path) -> str:
    """The page linking one bundle of its local stylesheets.

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
    files = [
        (page.parent / href.split("?")[0].split("#")[0]).resolve()
        for href in hrefs
    ]
    target, version = write_bundle(files, outdir)
    href = os.path.relpath(target, page.parent).replace(os.sep, "/")
    link = f'    <link rel="stylesheet" href="{href}?v={version}" />\n'
    pieces, at = [], 0
    for index, match in enumerate(links):
        pieces.append(page_text[at : match.start()])
        if index == 0:
            pieces.append(link)
        at = match.end()
    pieces.append(page_text[at:])
    return "".join(pieces)


def _refresh_bundles(outdir: Path) -> None:
    """Rebuild every bundle from the current files of its parts.

    A page an incremental build did not rewrite links a bundle that no
    rewritten page asked for; its parts (``nnbook.css`` say) may have changed.
    """
    outdir = outdir.resolve()
    for existing in (outdir / "_static").glob(BUNDLE_PREFIX + "*.css"):
        names = _PART.findall(existing.read_text(encoding="utf-8"))
        files = [outdir / name for name in names]
        if names and all(file.is_file() for file in files):
            write_bundle(files, outdir)


def _bundle_styles(app, exception) -> None:
    outdir = built_html(app, exception)
    if outdir is None:
        return
    written = rewrite_pages(
        outdir, lambda text, page: bundle(text, page, outdir)
    )
    _refresh_bundles(outdir)
    logger.info("nnbook: %d pages link one stylesheet bundle", written)


def setup(app):
    # after every step that edits a stylesheet (nnbook_icons cuts the font)
    app.connect("build-finished", _bundle_styles, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
