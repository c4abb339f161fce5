"""What the build steps share: the built HTML pages, rewritten in place.

Not an extension: ``nnbook_scripts``, ``nnbook_frames``, ``nnbook_icons``,
``nnbook_markup`` and ``nnbook_scrolling`` import it. Each of them runs on
Sphinx's ``build-finished`` event, after every page has been written.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Iterator
from pathlib import Path


def built_html(app, exception) -> Path | None:
    """The HTML output folder, or None when there is nothing to post-process.

    None after a failed build and for every builder but HTML (the PDF's
    LaTeX builder, linkcheck).
    """
    if exception is not None or app.builder.format != "html":
        return None
    return Path(app.outdir)


def html_pages(outdir: Path) -> Iterator[Path]:
    """Every built page of the book, not the vendored libraries' pages."""
    for page in sorted(outdir.rglob("*.html")):
        if "vendor" not in page.relative_to(outdir).parts:
            yield page


def rewrite_pages(
    outdir: Path,
    transform: Callable[[str, Path], str],
    *,
    skip: Container[Path] = (),
) -> int:
    """Apply ``transform(text, page) -> text`` to every built page, in place.

    Pages in ``skip`` are left alone; a page is written only if it changed.
    Returns the number of pages written.
    """
    written = 0
    for page in html_pages(outdir):
        if page in skip:
            continue
        text = page.read_text(encoding="utf-8")
        new = transform(text, page)
        if new != text:
            page.write_text(new, encoding="utf-8")
            written += 1
    return written
