"""Links in the built book: every internal link resolves, external ones are listed.

An internal link (a relative ``href``) must name a file of the build and, when it
has a ``#fragment``, an element with that id in the target page: this catches
broken equation references, cross-chapter links and stale anchors. Sphinx's own
linkcheck builder does not look inside local links; this does. External links
cannot be fetched here (no network): they are written, one per line with the
pages that use them, to ``$BOOK_ARTIFACTS/external-links.txt``.
"""

from __future__ import annotations

import os
import re
from collections import defaultdict
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urldefrag, urljoin, urlparse

from _helpers import REPO


class _LinksAndIds(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if "id" in attributes:
            self.ids.add(attributes["id"])
        if tag == "a" and attributes.get("name"):
            self.ids.add(attributes["name"])
        if tag in ("a", "link") and attributes.get("href"):
            self.links.append(attributes["href"])
        if tag in ("img", "script") and attributes.get("src"):
            self.links.append(attributes["src"])


def _parse(path: Path) -> _LinksAndIds:
    parser = _LinksAndIds()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def test_internal_links_resolve_and_external_links_are_listed(built_book):
    html, _ = built_book
    pages = {path: _parse(path) for path in html.rglob("*.html")
             if "_static" not in path.parts and "vendor" not in path.parts}
    broken: list[str] = []
    external: dict[str, set[str]] = defaultdict(set)
    for page, parsed in pages.items():
        base = page.relative_to(html).as_posix()
        for link in parsed.links:
            scheme = urlparse(link).scheme
            if scheme in ("http", "https"):
                external[link].add(base)
                continue
            if scheme in ("mailto", "javascript", "data") or link.startswith("//"):
                continue
            target, fragment = urldefrag(urljoin(base, link))
            target_path = html / unquote(target.split("?")[0]) if target else page
            if target and not target_path.exists():
                broken.append(f"{base}: {link} (no file {target})")
                continue
            if fragment and target_path.suffix == ".html":
                ids = pages[target_path].ids if target_path in pages else _parse(target_path).ids
                if unquote(fragment) not in ids:
                    broken.append(f"{base}: {link} (no #{fragment} in {target or base})")
    assert not broken, f"{len(broken)} broken internal links:\n" + "\n".join(broken[:40])

    folder = Path(os.environ.get("BOOK_ARTIFACTS", REPO / "artifacts"))
    folder.mkdir(parents=True, exist_ok=True)
    lines = [f"{url}\t{', '.join(sorted(used_in))}" for url, used_in in sorted(external.items())]
    (folder / "external-links.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    malformed = [url for url in external if not re.match(r"https?://[\w.-]+\.[a-z]{2,}", url)]
    assert not malformed, f"malformed external links: {malformed}"
