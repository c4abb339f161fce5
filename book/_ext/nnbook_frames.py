"""A local Sphinx extension: widget figures out of the page's ``<head>``.

myst-nb writes a notebook's widget state into the page's ``<head>``, and the
browser renders no text until all of it has arrived. The explorables' frames
and an ``interact``'s stored figure sit in that state as base64 images (up to
1 MB a page). :func:`frames_to_files` moves them to ``_frames/`` in the build;
:func:`widget_alt_text` carries each widget cell's alt text into the page.
The notebooks are not touched: JupyterLab and a kernel see them as before.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import os
import re
from pathlib import Path

from nnbook_pages import built_html, html_pages

#: The widget state a myst-nb page stores in its <head>.
_STATE = re.compile(
    r'(<script type="application/vnd.jupyter.widget-state\+json">)'
    r"(.*?)(</script>)",
    re.S,
)


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

    Each Image of an explorable (CSS class ``nnbook-frame``) is written to
    ``_frames/<sha256>.webp`` and its state becomes ``format="url"`` with the
    file's address relative to the page, which the widget manager puts in
    the ``<img>`` ``src``: the frames load after the page has rendered, also
    from ``file://``. A figure that an ``interact`` drew into its Output
    widget (a PNG in the output's data) is written to ``_frames/<sha256>.png``
    and shown by an ``<img>`` in the output's ``text/html`` instead. Returns
    the number of images moved.
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
    outdir = built_html(app, exception)
    if outdir is None:
        return
    for page in html_pages(outdir):
        frames_to_files(page, outdir)


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


def setup(app):
    app.connect("doctree-read", widget_alt_text)
    app.connect("build-finished", _frames_to_files)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
