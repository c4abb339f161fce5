"""A local Sphinx extension: the theme's icons without Font Awesome's script.

The theme loads ``fontawesome.js`` (1.5 MB, 0.54 MB gzipped) on every page
only to turn about twenty ``<i class="fa-...">`` into SVG.
:func:`inline_icons` does it at build time and the script is dropped;
:func:`_subset_font_awesome` cuts the solid icon font the theme's CSS still
draws with to the glyphs the book can show (156 kB -> 3 kB).
"""

from __future__ import annotations

import re

from nnbook_pages import built_html, html_pages
from sphinx.util import logging

logger = logging.getLogger(__name__)

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
    outdir = built_html(app, exception)
    if outdir is None:
        return
    script = outdir / "_static" / "scripts" / "fontawesome.js"
    if not script.exists():
        return
    icons = font_awesome_icons(script.read_text(encoding="utf-8"))
    for page in html_pages(outdir):
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
    outdir = built_html(app, exception)
    if outdir is None:
        return
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
    pages = list(html_pages(outdir))
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
    if f"url({url})" in css:
        return  # an incremental build: Sphinx kept the stylesheet cut before
    new, count = _SOLID_FACE.subn(rf'\1url({url}) format("woff")', css)
    if count != 1:
        logger.warning(
            "nnbook: Font Awesome's solid @font-face not in %s", theme_css
        )
        return
    theme_css.write_text(new, encoding="utf-8")


def setup(app):
    app.connect("build-finished", _inline_icons, priority=500)
    # after the icons are inlined: the font keeps only what is still drawn
    app.connect("build-finished", _subset_font_awesome, priority=510)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
