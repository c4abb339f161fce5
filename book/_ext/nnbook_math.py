"""A local Sphinx extension: the book's math typeset at build time.

A default Jupyter Book ships MathJax's TeX engine (1.3 MB) and typesets
hundreds of formulas in the reader's browser, seconds of work on a phone.
Here ``tools/typeset_math.mjs`` (Node, the pinned ``mathjax-full`` of
``package.json``) converts every formula of the built pages to CHTML with
the macros of ``_config.yml``, adds its MathML for screen readers and removes
the MathJax loader from the page.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from nnbook_pages import built_html, html_pages
from sphinx.util import logging

logger = logging.getLogger(__name__)

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
    outdir = built_html(app, exception)
    if outdir is None:
        return
    node = shutil.which("node")
    modules = TYPESET.parent.parent / "node_modules" / "mathjax-full"
    if node is None or not modules.is_dir():
        logger.info(
            "nnbook: math is typeset in the browser (no node or no `npm ci`)"
        )
        return
    macros = (
        (app.config.mathjax3_config or {}).get("tex", {}).get("macros", {})
    )
    pages = [str(page) for page in html_pages(outdir)]
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


def setup(app):
    app.connect("build-finished", _typeset_math)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
