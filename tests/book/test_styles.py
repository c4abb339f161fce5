"""One stylesheet a page (book/_ext/nnbook_styles.py).

The unit tests build a tiny output folder by hand; the others read the built
book (the ``built_book`` fixture).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from _helpers import BOOK, toc_files

sys.path.insert(0, str(BOOK / "_ext"))
import nnbook_styles as styles

_DATA_URI = "url(\"data:image/svg+xml,%3Csvg fill='rgba(0, 0, 0, 0.25)'%3E\")"


def _site(tmp_path: Path) -> tuple[Path, Path]:
    out = tmp_path / "html"
    (out / "_static" / "styles").mkdir(parents=True)
    (out / "_static" / "basic.css").write_text(
        "p { margin: 0 }\nimg { background: url(file.png) }\n")
    (out / "_static" / "styles" / "theme.css").write_text(
        '@charset "UTF-8";\n@import "../basic.css";\n'
        "@font-face { src: url(../vendor/fonts/a.woff2) format(\"woff2\") }\n"
        f".x {{ background: {_DATA_URI} }}\n"
        "/*# sourceMappingURL=theme.css.map*/\n")
    (out / "_static" / "book.css").write_text("p { margin: 1em }\n")
    (out / "book").mkdir()
    page = out / "book" / "p.html"
    page.write_text(
        "<html><head>\n"
        '    <link href="../_static/styles/theme.css?digest=1" rel="stylesheet" />\n'
        '    <link rel="stylesheet" type="text/css" href="../_static/book.css?v=2" />\n'
        '    <link rel="icon" href="../_static/logo.svg"/>\n'
        "</head><body><p>text</p></body></html>\n")
    return out, page


def test_a_page_links_one_bundle_in_the_cascade_order(tmp_path):
    out, page = _site(tmp_path)
    new = styles.bundle(page.read_text(), page, out)
    links = re.findall(r'<link rel="stylesheet"[^>]*href="([^"]+)"', new)
    assert len(links) == 1 and links[0].startswith("../_static/nnbook-styles.")
    assert '<link rel="icon" href="../_static/logo.svg"/>' in new  # other links stay
    assert re.fullmatch(r"\.\./_static/nnbook-styles\.[0-9a-f]{16}\.css\?v=[0-9a-f]{8}", links[0])
    css = (page.parent / links[0].split("?")[0]).read_text()
    assert css.startswith('@charset "UTF-8";') and css.count("@charset") == 1
    assert "@import" not in css and "sourceMappingURL" not in css
    # basic.css (imported at the top of theme.css) before theme.css's rules, the
    # book's own last: the same cascade as the links
    assert css.index("margin: 0") < css.index("@font-face") < css.index("margin: 1em")
    # every url is valid from _static/, where the bundle is; data URIs are untouched
    assert 'url("file.png")' in css  # basic.css is in _static/ already
    assert 'url("vendor/fonts/a.woff2")' in css
    assert _DATA_URI in css


def test_pages_with_the_same_stylesheets_share_one_bundle(tmp_path):
    out, page = _site(tmp_path)
    other = out / "index.html"
    other.write_text(page.read_text().replace("../_static/", "_static/"))
    first = styles.bundle(page.read_text(), page, out)
    second = styles.bundle(other.read_text(), other, out)
    assert len(list((out / "_static").glob("nnbook-styles.*.css"))) == 1
    name = re.search(r"nnbook-styles\.[0-9a-f]+\.css", first)[0]
    assert f'href="_static/{name}?v=' in second


def test_a_bundle_follows_its_parts_when_a_page_is_not_rewritten(tmp_path):
    # an incremental build rewrites only the pages that changed; the others keep
    # their link, and the bundle behind it must carry the current nnbook.css
    out, page = _site(tmp_path)
    first = styles.bundle(page.read_text(), page, out)
    (out / "_static" / "book.css").write_text("p { margin: 2em }\n")
    styles._refresh_bundles(out)
    (bundle,) = (out / "_static").glob("nnbook-styles.*.css")
    assert bundle.name in first and "margin: 2em" in bundle.read_text()


def test_an_import_it_cannot_inline_stops_the_build(tmp_path):
    out, page = _site(tmp_path)
    theme = out / "_static" / "styles" / "theme.css"
    theme.write_text(theme.read_text().replace('@import "../basic.css";',
                                               '@import "../basic.css" print;'))
    with pytest.raises(ValueError, match="cannot be inlined"):
        styles.bundle(page.read_text(), page, out)


def test_a_print_stylesheet_or_an_outside_one_leaves_the_page_alone(tmp_path):
    out, page = _site(tmp_path)
    printed = page.read_text().replace('rel="stylesheet" />', 'rel="stylesheet" media="print" />')
    assert styles.bundle(printed, page, out) == printed
    outside = page.read_text().replace("../_static/book.css?v=2", "https://cdn.example/x.css")
    assert styles.bundle(outside, page, out) == outside


def test_a_missing_import_stops_the_build(tmp_path):
    out, page = _site(tmp_path)
    (out / "_static" / "basic.css").unlink()
    with pytest.raises(FileNotFoundError):
        styles.bundle(page.read_text(), page, out)


@pytest.mark.parametrize("name", toc_files())
def test_every_page_links_one_stylesheet_whose_urls_resolve(built_book, name):
    html, _ = built_book
    page = html / f"{name}.html"
    text = page.read_text(encoding="utf-8")
    head = text[: text.index("</head>")]
    links = re.findall(r'<link\b(?=[^>]*rel="stylesheet")[^>]*href="([^"]+)"', head)
    assert len(links) == 1, f"{name}: {len(links)} stylesheets in <head>: {links}"
    bundle = (page.parent / links[0].split("?")[0]).resolve()
    assert bundle.name.startswith(styles.BUNDLE_PREFIX) and bundle.is_file(), links[0]
    css = bundle.read_text(encoding="utf-8")
    for sheet in ("styles/pydata-sphinx-theme.css", "styles/sphinx-book-theme.css",
                  "nnbook.css"):
        assert f"/* nnbook-styles part: _static/{sheet} */" in css, (
            f"{name}: the bundle lacks {sheet}")
    # built after nnbook_icons cut the icon font: the bundle names the cut font
    assert "fa-solid-900.subset.woff" in css and "fa-solid-900.woff2" not in css
    broken = [
        url for url in (next(g for g in m.groups() if g is not None)
                        for m in styles._URL.finditer(css))
        if url and styles._is_local(url)
        and not (bundle.parent / url.split("?")[0].split("#")[0]).is_file()
    ]
    assert not broken, f"{name}: urls in {bundle.name} that resolve to no file: {broken}"
