"""A local Sphinx extension: which scripts a page loads.

* **One copy of each.** sphinx-thebe 0.3.1 registers its inline configuration
  script (``const THEBE_JS_URL = ...``) from an ``env-before-read-docs`` hook;
  with Sphinx 7 that script ends up twice in every page, and the second
  ``const`` declaration is a SyntaxError that breaks the "live code" button.
  :func:`_dedupe_scripts` drops exact duplicates (same file, or same inline
  body) from each page's script list, keeping the first.
* **The colours from the first paint** (:data:`RESOLVE_THEME`).
* **Nothing waits for a script in** ``<head>`` (:func:`_defer_scripts`).
* **The search index on the search page only** (:func:`drop_search_scripts`).
"""

from __future__ import annotations

import re

from nnbook_pages import built_html, rewrite_pages


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


#: Run in ``<head>`` before the body is parsed. On a reader's first visit
#: the theme's own inline script sets ``data-theme="auto"``, which none of
#: pydata-sphinx-theme's colour rules match (they are written for
#: ``light``, ``dark`` and no attribute); its deferred script resolves
#: ``auto`` only after the whole page is parsed. A first paint before then
#: (a long page arrives in parts) had no theme colours, no borders on inline
#: code and admonitions, and every line moved once they came: a layout
#: shift of up to 0.33 on Lighthouse's desktop run of chapter 9.
RESOLVE_THEME = (
    "(function () { var root = document.documentElement;"
    ' if (root.dataset.theme !== "light" && root.dataset.theme !== "dark") {'
    " root.dataset.theme = window.matchMedia("
    '"(prefers-color-scheme: dark)").matches ? "dark" : "light"; } })();'
)

#: The head scripts that only act once the document is parsed (each waits
#: for ``DOMContentLoaded`` or Sphinx's ``_ready``), in the order they load.
#: ``documentation_options.js`` is not one: the page's inline scripts set
#: its ``DOCUMENTATION_OPTIONS`` as they are parsed.
DEFERRED = (
    "doctools.js",
    "sphinx_highlight.js",
    "clipboard.min.js",
    "copybutton.js",
    "scripts/sphinx-book-theme.js",
    "togglebutton.js",
    "design-tabs.js",
)


def _defer_scripts(app, pagename, templatename, context, doctree) -> None:
    """Load the scripts of :data:`DEFERRED` with ``defer``.

    A plain ``<script src>`` in ``<head>`` stops the parser until it has
    arrived and run: seven of them held back a chapter's first paint on a
    phone (Lighthouse's "render-blocking resources"). Deferred scripts run
    in the order they appear, after parsing and before ``DOMContentLoaded``,
    so each still finds the DOM and the handlers it waits for. The search
    page keeps them as they are: its ``searchtools.js`` calls doctools'
    ``_ready`` as it loads.
    """
    scripts = context.get("script_files")
    if not scripts or pagename == "search":
        return
    from sphinx.builders.html._assets import _JavaScript

    for index, script in enumerate(scripts):
        filename = str(getattr(script, "filename", "") or "")
        attributes = dict(getattr(script, "attributes", {}) or {})
        named = filename.removeprefix("_static/")
        if named not in DEFERRED or {"async", "defer"} & set(attributes):
            continue
        attributes["defer"] = "defer"
        scripts[index] = _JavaScript(
            filename, priority=script.priority, **attributes
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
    outdir = built_html(app, exception)
    if outdir is None or app.config.html_theme_options.get(
        "search_as_you_type"
    ):
        return
    rewrite_pages(
        outdir,
        lambda text, _page: drop_search_scripts(text),
        skip={outdir / "search.html"},
    )


def setup(app):
    # priority 1: before every other script of the page's <head>
    app.add_js_file(None, body=RESOLVE_THEME, priority=1)
    app.connect("html-page-context", _dedupe_scripts, priority=900)
    app.connect("html-page-context", _defer_scripts, priority=910)
    app.connect("build-finished", _drop_search_scripts)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
