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
import json
import os
import re
from pathlib import Path

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


def frames_to_files(page: Path, outdir: Path) -> int:
    """Move the explorables' frames out of a page's widget state.

    A page stores its widget state in its ``<head>``: with every frame
    inside (up to 1 MB), the browser renders no text until all of it has
    arrived. Each Image of an explorable (CSS class ``nnbook-frame``) is
    written to ``_frames/<sha256>.webp`` and its state becomes
    ``format="url"`` with the file's address relative to the page, which
    the widget manager puts in the ``<img>`` ``src``: the frames load after
    the page has rendered, also from ``file://``. The notebook is not
    touched, so JupyterLab and a kernel see the bytes as before. Returns
    the number of frames moved.
    """
    text = page.read_text(encoding="utf-8")
    match = _STATE.search(text)
    if not match:
        return 0
    state = json.loads(match.group(2))
    moved = 0
    for model in state.get("state", {}).values():
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
            name = hashlib.sha256(data).hexdigest()[:20] + ".webp"
            target = outdir / "_frames" / name
            target.parent.mkdir(exist_ok=True)
            if not target.exists():
                target.write_bytes(data)
            url = os.path.relpath(target, page.parent).replace(os.sep, "/")
            buffer["data"] = base64.b64encode(url.encode()).decode()
            model["state"]["format"] = "url"
            moved += 1
    if moved:
        body = json.dumps(state).replace("</", "<\\/")
        text = text[: match.start(2)] + body + text[match.end(2) :]
        page.write_text(text, encoding="utf-8")
    return moved


def _frames_to_files(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    for page in outdir.rglob("*.html"):
        frames_to_files(page, outdir)


def setup(app):
    app.connect("html-page-context", _dedupe_scripts, priority=900)
    app.connect("build-finished", _frames_to_files)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
