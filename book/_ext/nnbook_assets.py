"""A local Sphinx extension: one copy of every script a page loads.

sphinx-thebe 0.3.1 registers its inline configuration script
(``const THEBE_JS_URL = ...``) from an ``env-before-read-docs`` hook; with
Sphinx 7 that script ends up twice in every page, and the second
``const`` declaration is a SyntaxError that breaks the "live code" button.
This drops exact duplicates (same file, or same inline body) from each page's
script list, keeping the first.
"""

from __future__ import annotations


def _dedupe_scripts(app, pagename, templatename, context, doctree) -> None:
    scripts = context.get("script_files")
    if not scripts:
        return
    seen: set[tuple[str, str]] = set()
    unique = []
    for script in scripts:
        attributes = getattr(script, "attributes", {}) or {}
        key = (getattr(script, "filename", str(script)) or "", attributes.get("body", ""))
        if key in seen:
            continue
        seen.add(key)
        unique.append(script)
    scripts[:] = unique


def setup(app):
    app.connect("html-page-context", _dedupe_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
