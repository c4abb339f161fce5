"""A local Sphinx extension: a "Download PDF" link in every page's header.

The PDF is built by ``make pdf`` (``nnbook_latex``) and published beside the
HTML book by ``.github/workflows/book.yml``.
"""

from __future__ import annotations

import re


def published_pdf_url(repository_url: str) -> str:
    """Where the publishing workflow puts the PDF of a GitHub repository.

    ``.github/workflows/book.yml`` copies ``_build/latex/book.pdf`` into the
    site it publishes to GitHub Pages, so a fork that changes
    ``repository.url`` in ``_config.yml`` links its own PDF.

    >>> published_pdf_url("https://github.com/nnbook/nn-math-book")
    'https://nnbook.github.io/nn-math-book/book.pdf'
    """
    match = re.fullmatch(
        r"https?://github\.com/([^/]+)/([^/]+?)(?:\.git)?/?", repository_url
    )
    if not match:
        raise ValueError(
            "repository.url in _config.yml must be "
            f"https://github.com/<owner>/<name>, got {repository_url!r}"
        )
    owner, name = match.groups()
    return f"https://{owner.lower()}.github.io/{name}/book.pdf"


def _add_pdf_link(app, config) -> None:
    """A "Download PDF" icon in the header of every page."""
    options = config.html_theme_options
    url = options.get("repository_url")
    if not url:
        return
    links = list(options.get("icon_links") or [])
    links.append(
        {
            "name": "Download the book as a PDF",
            "url": published_pdf_url(url),
            "icon": "fa-solid fa-file-pdf",
            "type": "fontawesome",
        }
    )
    options["icon_links"] = links


def setup(app):
    app.connect("config-inited", _add_pdf_link)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
