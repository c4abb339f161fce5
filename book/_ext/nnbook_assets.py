"""A local Sphinx extension: one copy of every script a page loads.

sphinx-thebe 0.3.1 registers its inline configuration script
(``const THEBE_JS_URL = ...``) from an ``env-before-read-docs`` hook; with
Sphinx 7 that script ends up twice in every page, and the second
``const`` declaration is a SyntaxError that breaks the "live code" button.
This drops exact duplicates (same file, or same inline body) from each page's
script list, keeping the first.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from sphinx.util import logging

logger = logging.getLogger(__name__)

#: The widget state a myst-nb page stores in its <head>.
_STATE = re.compile(
    r'(<script type="application/vnd.jupyter.widget-state\+json">)'
    r"(.*?)(</script>)",
    re.S,
)


def _dedupe_scripts(app, pagename, templatename, context, doctree) -> None:
    scripts = context.get("script_files")
    if not scripts:
        return
    seen: set[tuple[str, str]] = set()
    unique = []
    for script in scripts:
        attributes = getattr(script, "attributes", {}) or {}
        key = (
            getattr(script, "filename", str(script)) or "",
            attributes.get("body", ""),
        )
        if key in seen:
            continue
        seen.add(key)
        unique.append(script)
    scripts[:] = unique


def _write_frame(data: bytes, suffix: str, page: Path, outdir: Path) -> str:
    """Write ``data`` to ``_frames/<sha256><suffix>``; return its URL."""
    target = (
        outdir / "_frames" / (hashlib.sha256(data).hexdigest()[:20] + suffix)
    )
    target.parent.mkdir(exist_ok=True)
    if not target.exists():
        target.write_bytes(data)
    return os.path.relpath(target, page.parent).replace(os.sep, "/")


def frames_to_files(page: Path, outdir: Path) -> int:
    """Move the explorables' frames out of a page's widget state.

    A page stores its widget state in its ``<head>``: with every frame
    inside (up to 1 MB), the browser renders no text until all of it has
    arrived. Each Image of an explorable (CSS class ``nnbook-frame``) is
    written to ``_frames/<sha256>.webp`` and its state becomes
    ``format="url"`` with the file's address relative to the page, which
    the widget manager puts in the ``<img>`` ``src``: the frames load after
    the page has rendered, also from ``file://``. A figure that an
    ``interact`` drew into its Output widget (a PNG in the output's data) is
    written to ``_frames/<sha256>.png`` and shown by an ``<img>`` in the
    output's ``text/html`` instead. The notebook is not touched, so
    JupyterLab and a kernel see the bytes as before. Returns the number of
    images moved.
    """
    text = page.read_text(encoding="utf-8")
    match = _STATE.search(text)
    if not match:
        return 0
    state = json.loads(match.group(2))
    moved = 0
    for model in state.get("state", {}).values():
        if model.get("model_name") == "OutputModel":
            moved += _output_figures_to_files(model, page, outdir)
            continue
        classes = model.get("state", {}).get("_dom_classes", [])
        is_image = model.get("model_name") == "ImageModel"
        if not is_image or "nnbook-frame" not in classes:
            continue
        for buffer in model.get("buffers", []):
            if buffer.get("path") != ["value"]:
                continue
            if buffer.get("encoding") != "base64":
                continue
            data = base64.b64decode(buffer["data"])
            url = _write_frame(data, ".webp", page, outdir)
            buffer["data"] = base64.b64encode(url.encode()).decode()
            model["state"]["format"] = "url"
            moved += 1
    if moved:
        body = json.dumps(state).replace("</", "<\\/")
        text = text[: match.start(2)] + body + text[match.end(2) :]
        page.write_text(text, encoding="utf-8")
    return moved


def _output_figures_to_files(model: dict, page: Path, outdir: Path) -> int:
    """Write each PNG of an Output widget to a file; show it by address."""
    moved = 0
    for output in model.get("state", {}).get("outputs", []):
        data = output.get("data", {})
        png = data.get("image/png")
        if not isinstance(png, str):
            continue
        image = base64.b64decode(png)
        url = _write_frame(image, ".png", page, outdir)
        width = int.from_bytes(image[16:20], "big")
        height = int.from_bytes(image[20:24], "big")
        # no alt: nnbook.js gives it the cell's alt text (widget_alt_text)
        data["text/html"] = (
            f'<img src="{url}" width="{width}" height="{height}" '
            'loading="lazy" decoding="async">'
        )
        del data["image/png"]
        moved += 1
    return moved


def _frames_to_files(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    for page in outdir.rglob("*.html"):
        frames_to_files(page, outdir)


#: The Node script that typesets a built page's math (issue: fast pages).
TYPESET = Path(__file__).resolve().parents[2] / "tools" / "typeset_math.mjs"
#: The vendored MathJax CHTML fonts in the HTML build (html_extra_path).
FONTS = Path("vendor") / "mathjax" / "output" / "chtml" / "fonts" / "woff-v2"


def _typeset_math(app, exception) -> None:
    """Typeset every page's math at build time with MathJax in Node.

    Needs ``node`` and ``npm ci`` (``make node``, which ``make book`` runs);
    without them the pages keep MathJax and typeset in the browser, as a
    default Jupyter Book does. A TeX error is a build warning (so ``-W``
    fails), naming the page and the source.
    """
    if exception is not None or app.builder.format != "html":
        return
    node = shutil.which("node")
    modules = TYPESET.parent.parent / "node_modules" / "mathjax-full"
    outdir = Path(app.outdir)
    if node is None or not modules.is_dir():
        logger.info(
            "nnbook: math is typeset in the browser (no node or no `npm ci`)"
        )
        return
    macros = (
        (app.config.mathjax3_config or {}).get("tex", {}).get("macros", {})
    )
    pages = sorted(
        str(page)
        for page in outdir.rglob("*.html")
        if "vendor" not in page.parts
    )
    with tempfile.NamedTemporaryFile(
        "w", suffix=".json", delete=False
    ) as handle:
        json.dump(macros, handle)
    try:
        done = subprocess.run(
            [node, str(TYPESET), handle.name, str(outdir / FONTS), *pages],
            capture_output=True,
            text=True,
            check=False,
        )
    finally:
        os.unlink(handle.name)
    if done.returncode != 0:
        logger.warning(
            "nnbook: typesetting the math failed: %s",
            done.stderr.strip()[-2000:],
        )
        return
    converted = 0
    for line in done.stdout.splitlines():
        record = json.loads(line)
        converted += record["converted"]
        for source in record["errors"]:
            logger.warning(
                "nnbook: TeX error on %s: %s", record["page"], source
            )
    logger.info(
        "nnbook: %d formulas typeset at build time on %d pages",
        converted,
        len(pages),
    )


#: An icon's definition in Font Awesome's fontawesome.js:
#: ``name:[width,height,[aliases],"unicode","svg path"]``.
_ICON = re.compile(
    r'(?:"([a-z0-9-]+)"|\b([a-z][a-z0-9]*)):\[(\d+),(\d+),\[([^\]]*)\],'
    r'"[0-9a-f]+","([^"]+)"\]'
)
#: Where fontawesome.js hands a pack's icons to the library.
_PACK = re.compile(r'\bd\("(fa[bsr])",\w+\)')
_ICON_TAG = re.compile(r'<i ([^>]*class="([^"]*\bfa-[^"]*)"[^>]*)>\s*</i>')
_FA_SCRIPT = re.compile(
    r'<script[^>]*src="[^"]*scripts/fontawesome\.js[^"]*"[^>]*>\s*</script>\s*'
)
_NOT_NAMES = {
    "fa-lg",
    "fa-fw",
    "fa-xs",
    "fa-sm",
    "fa-2x",
    "fa-solid",
    "fa-regular",
    "fa-brands",
}


def font_awesome_icons(
    script: str,
) -> dict[tuple[str, str], tuple[int, int, str]]:
    """``(pack, name) -> (width, height, path)`` of fontawesome.js's icons.

    Aliases (``search`` for ``magnifying-glass``) map to the same icon; a
    pack is ``fab`` (brands), ``far`` (regular) or ``fas`` (solid).
    """
    calls = [(m.start(), m.group(1)) for m in _PACK.finditer(script)]
    icons: dict[tuple[str, str], tuple[int, int, str]] = {}
    for match in _ICON.finditer(script):
        pack = next((p for at, p in calls if at > match.start()), None)
        if pack is None:
            continue
        width, height, path = int(match[3]), int(match[4]), match[6]
        names = [
            match[1] or match[2],
            *re.findall(r'"([a-z0-9-]+)"', match[5]),
        ]
        for name in names:
            icons.setdefault((pack, name), (width, height, path))
    return icons


def inline_icons(page_text: str, icons: dict) -> tuple[str, list[str]]:
    """Replace each Font Awesome ``<i>`` by the SVG the library would draw.

    The theme loads fontawesome.js (1.5 MB, 0.54 MB gzipped) on every page
    only to turn about twenty ``<i class="fa-...">`` into SVG; doing it here
    drops the script. Attributes of the ``<i>`` stay (the theme switcher's
    CSS reads them). Returns the page and the icon classes not found.
    """
    missing: list[str] = []

    def svg(match: re.Match) -> str:
        classes = match[2].split()
        pack = (
            "fab"
            if {"fab", "fa-brands"} & set(classes)
            else ("far" if {"far", "fa-regular"} & set(classes) else "fas")
        )
        names = [
            c[3:]
            for c in classes
            if c.startswith("fa-") and c not in _NOT_NAMES
        ]
        icon = next(
            (icons[(pack, n)] for n in names if (pack, n) in icons), None
        )
        if icon is None:
            missing.append(match[2])
            return match[0]
        width, height, path = icon
        attributes = match[1].replace(match[2], match[2] + " svg-inline--fa")
        if "aria-hidden" not in attributes:
            attributes += ' aria-hidden="true"'
        return (
            f'<svg {attributes} focusable="false" role="img" '
            'xmlns="http://www.w3.org/2000/svg" '
            f'viewBox="0 0 {width} {height}">'
            f'<path fill="currentColor" d="{path}"></path></svg>'
        )

    return _ICON_TAG.sub(svg, page_text), missing


def _inline_icons(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    script = outdir / "_static" / "scripts" / "fontawesome.js"
    if not script.exists():
        return
    icons = font_awesome_icons(script.read_text(encoding="utf-8"))
    for page in outdir.rglob("*.html"):
        if "vendor" in page.parts:
            continue
        text = page.read_text(encoding="utf-8")
        new, missing = inline_icons(text, icons)
        if missing:
            logger.warning(
                "nnbook: icons not in fontawesome.js on %s: %s", page, missing
            )
            continue  # keep the script where an icon would be lost
        new = _FA_SCRIPT.sub("", new)
        if new != text:
            page.write_text(new, encoding="utf-8")


#: A selector of Font Awesome's own icon table: ``.fa-angle-down:before``.
_FA_SELECTOR = re.compile(r"\.fa-([a-z0-9-]+):+(?:before|after)")
_CSS_RULE = re.compile(r"([^{}]+)\{([^{}]*)\}")
#: A glyph a declaration names: ``content:"\f107"``, or a literal
#: character as in ``--pst-icon-x:"\uf058"``.
_GLYPH = re.compile(
    r'(?:content|--[\w-]+):\s*"(\\[0-9a-fA-F]{2,6}|[\ue000-\uf8ff])"'
)
_SOLID_FACE = re.compile(
    r"(@font-face\{[^}]*font-weight:900;src:)url\([^)]*fa-solid-900\.woff2\)"
    r' format\("woff2"\),url\([^)]*fa-solid-900\.ttf\) format\("truetype"\)'
)
SOLID_SUBSET = "fa-solid-900.subset.woff"


def _codepoint(text: str) -> int | None:
    """The character of a one-character CSS string (``\\f107``, ``\\@``)."""
    if re.fullmatch(r"\\[0-9a-fA-F]{1,6}", text):
        return int(text[1:], 16)
    if len(text) == 2 and text.startswith("\\"):
        return ord(text[1])
    return ord(text) if len(text) == 1 else None


def font_awesome_codepoints(
    css_texts: list[str], page_texts: list[str]
) -> set[int]:
    """The Font Awesome glyphs a built book can show.

    The theme's CSS draws a few icons itself (admonition titles, the
    page-contents chevron: ``content`` or ``--pst-icon-*`` values outside
    Font Awesome's own class table), and any page or script may use a class
    ``fa-NAME``; the class table maps each such name to its glyph.
    """
    table: dict[str, int] = {}
    points: set[int] = set()
    for css in css_texts:
        for selectors, body in _CSS_RULE.findall(css):
            glyphs = [_codepoint(g) for g in _GLYPH.findall(body)]
            names = [
                _FA_SELECTOR.fullmatch(s.strip())
                for s in selectors.split(",")
            ]
            if all(
                names
            ):  # Font Awesome's table: .fa-x:before,.fa-y:before{...}
                for name in names:
                    for point in glyphs:
                        if point is not None:
                            table.setdefault(name[1], point)
            else:
                points |= {point or 0 for point in glyphs}
    for text in page_texts:
        for name in set(re.findall(r"\bfa-([a-z0-9-]+)", text)):
            if name in table:
                points.add(table[name])
    # the private use area: icons, not letters
    return {p for p in points if p >= 0xE000}


def _subset_font_awesome(app, exception) -> None:
    """Serve Font Awesome's solid font cut to the glyphs the book shows.

    With the icons of the pages inlined as SVG (:func:`inline_icons`), the
    font only draws the theme's CSS icons, yet every page downloaded all its
    glyphs (157 kB).
    """
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    static = outdir / "_static"
    theme_css = static / "styles" / "pydata-sphinx-theme.css"
    fonts = static / "vendor" / "fontawesome" / "webfonts"
    source = fonts / "fa-solid-900.ttf"
    if not theme_css.exists() or not source.exists():
        return
    from fontTools import subset

    css_files = [p for p in static.rglob("*.css") if "vendor" not in p.parts]
    # fontawesome.js (which names every icon) is no longer loaded by any page
    scripts = [
        p
        for p in static.rglob("*.js")
        if "vendor" not in p.parts and p.name != "fontawesome.js"
    ]
    pages = [p for p in outdir.rglob("*.html") if "vendor" not in p.parts]
    points = font_awesome_codepoints(
        [p.read_text(encoding="utf-8") for p in css_files],
        [
            p.read_text(encoding="utf-8", errors="replace")
            for p in pages + scripts
        ],
    )
    options = subset.Options()
    options.flavor = "woff"  # woff2 would need brotli; woff is zlib
    options.layout_features = ["*"]
    font = subset.load_font(str(source), options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(points))
    subsetter.subset(font)
    subset.save_font(font, str(fonts / SOLID_SUBSET), options)
    css = theme_css.read_text(encoding="utf-8")
    url = f"../vendor/fontawesome/webfonts/{SOLID_SUBSET}"
    new, count = _SOLID_FACE.subn(rf'\1url({url}) format("woff")', css)
    if count != 1:
        logger.warning(
            "nnbook: Font Awesome's solid @font-face not in %s", theme_css
        )
        return
    theme_css.write_text(new, encoding="utf-8")


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


def _rewrite_pages(outdir: Path, transform, *, skip=()) -> None:
    """Apply ``transform(text, page) -> text`` to every built page, in place.

    Pages under ``vendor/`` and those in ``skip`` are left alone; a page is
    written only if it changed.
    """
    for page in outdir.rglob("*.html"):
        if "vendor" in page.parts or page in skip:
            continue
        text = page.read_text(encoding="utf-8")
        new = transform(text, page)
        if new != text:
            page.write_text(new, encoding="utf-8")


def _lazy_images(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    _rewrite_pages(Path(app.outdir), lazy_images)


_SIDEBAR = (
    '<div id="pst-primary-sidebar" class="bd-sidebar-primary bd-sidebar">'
)


def _landmarks(app, exception) -> None:
    """Put the primary sidebar (logo, PDF link, chapters) in a landmark.

    The theme's sidebar is a plain ``<div>``: its logo and icon links are then
    outside every landmark, which screen-reader users navigate by (axe's
    ``region`` rule).
    """
    if exception is not None or app.builder.format != "html":
        return
    landmark = _SIDEBAR[:-1] + ' role="complementary" aria-label="The book">'
    # docutils marks a bibliography entry with the deprecated DPUB role
    # doc-biblioentry inside role="list": a list needs list items.
    _rewrite_pages(
        Path(app.outdir),
        lambda text, _page: text.replace(_SIDEBAR, landmark).replace(
            'role="doc-biblioentry"', 'role="listitem"'
        ),
    )


#: What pydata-sphinx-theme's layout loads on every page for its optional
#: search-as-you-type: Sphinx's search code and the whole search index.
_SEARCH_SCRIPTS = re.compile(
    r'<script src="[^"]*(?:_static/searchtools\.js|_static/language_data\.js'
    r'|searchindex\.js)"></script>\s*'
)


def drop_search_scripts(page_text: str) -> str:
    """The page without the search index and the search code."""
    return _SEARCH_SCRIPTS.sub("", page_text)


def _drop_search_scripts(app, exception) -> None:
    """Load the search index (51 kB gzipped) on the search page only.

    The theme loads it on every page for search-as-you-type, which the book
    does not turn on: its search box sends the reader to ``search.html``,
    which loads the index itself.
    """
    if exception is not None or app.builder.format != "html":
        return
    if app.config.html_theme_options.get("search_as_you_type"):
        return
    outdir = Path(app.outdir)
    _rewrite_pages(
        outdir,
        lambda text, _page: drop_search_scripts(text),
        skip={outdir / "search.html"},
    )


def widget_alt_text(app, doctree) -> None:
    """Carry a widget cell's alt text (``mystnb.image.alt``) into the page.

    An explorable's frames are ``<img>`` elements the widget manager draws
    in the browser, out of reach of MyST-NB's image options. The cell's
    ``metadata.mystnb.image.alt`` (the same key as for a static figure) is
    written as a hidden ``<span class="nnbook-alt">`` in the cell, and
    ``book/_static/nnbook.js`` gives it to every frame of the cell.
    """
    if app.builder.format != "html":
        return
    from docutils import nodes

    for cell in doctree.findall(nodes.container):
        if cell.get("nb_element") != "cell_code":
            continue
        metadata = cell.get("cell_metadata") or {}
        alt = (metadata.get("mystnb", {}).get("image") or {}).get("alt")
        has_widget = any(
            "widget-view+json" in raw.astext()
            for raw in cell.findall(nodes.raw)
        )
        if alt and has_widget:
            span = (
                f'<span class="nnbook-alt" hidden>{html.escape(alt)}</span>'
            )
            cell += nodes.raw("", span, format="html")


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
    app.connect("html-page-context", _dedupe_scripts, priority=900)
    app.connect("build-finished", _frames_to_files)
    app.connect("build-finished", _typeset_math)
    app.connect("build-finished", _inline_icons)
    # after the icons are inlined:
    app.connect("build-finished", _subset_font_awesome)
    app.connect("build-finished", _lazy_images)
    app.connect("build-finished", _landmarks)
    app.connect("build-finished", _drop_search_scripts)
    app.connect("doctree-read", widget_alt_text)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
