"""Lighthouse on every page of the built book, mobile and desktop, over gzip.

Not a test: Lighthouse's timings vary with the machine's load. The numbers go in
``benchmarks/README.md``. Run from the repository root, after ``make book``::

    .venv/bin/python benchmarks/lighthouse.py                  # every TOC page
    .venv/bin/python benchmarks/lighthouse.py book/03_activations book/intro
    .venv/bin/python benchmarks/lighthouse.py --no-reference   # skip the reference book

What it does:

- serves ``_build/html`` on a loopback port and gzips text (HTML, CSS, JS, SVG,
  JSON) when the browser asks, as GitHub Pages does;
- builds, in a temporary folder and with the same pins, the **reference**: a
  default Jupyter Book 1 page with 20 paragraphs of math, a figure and an
  ``interact`` widget (executed during its build), served the same way;
- runs the pinned Lighthouse (``node_modules/.bin/lighthouse``, ``make node``)
  with Debian's chromium, once with Lighthouse's default mobile emulation and
  once with ``--preset=desktop``, and prints one row per page and form factor:
  performance, accessibility, best practices, LCP, TBT and bytes transferred.
"""

from __future__ import annotations

import argparse
import functools
import gzip
import http.server
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import threading
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
LIGHTHOUSE = REPO / "node_modules" / ".bin" / "lighthouse"
TEXT_TYPES = ("text/", "application/javascript", "application/json", "image/svg+xml")


class GzipHandler(http.server.SimpleHTTPRequestHandler):
    """A static server that gzips text for a client that accepts it."""

    def log_message(self, *args):
        pass

    def send_head(self):
        path = self.translate_path(self.path)
        if os.path.isdir(path):
            path = os.path.join(path, "index.html")
        kind = self.guess_type(path)
        wants = "gzip" in self.headers.get("Accept-Encoding", "")
        if not (wants and os.path.isfile(path) and kind.startswith(TEXT_TYPES)):
            return super().send_head()
        body = gzip.compress(Path(path).read_bytes(), 6)
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return io.BytesIO(body)


def serve(folder: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    handler = functools.partial(GzipHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def reference_book(folder: Path) -> Path:
    """Build a default Jupyter Book page (math, a figure, an interact); return its HTML."""
    paragraphs = "\n\n".join(
        f"Paragraph {i}: the gradient $\\nabla_\\theta J(\\theta) = \\frac1N \\sum_i "
        f"\\nabla_\\theta \\ell(f_\\theta(x^{{({i})}}), y^{{({i})}})$ and\n\n"
        f"$$\\sigma'(z) = \\sigma(z)\\,(1 - \\sigma(z)), \\qquad z = {i}.$$"
        for i in range(20)
    )
    cells = [
        {"cell_type": "markdown", "metadata": {}, "source": f"# Reference page\n\n{paragraphs}"},
        {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
         "source": "import matplotlib.pyplot as plt\nimport numpy as np\n"
                   "x = np.linspace(-5, 5, 200)\nplt.plot(x, np.tanh(x));"},
        {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
         "source": "from ipywidgets import interact\n\n@interact(w=(0.0, 2.0, 0.1))\n"
                   "def f(w=1.0):\n    plt.plot(x, np.tanh(w * x))\n    plt.show()"},
    ]
    notebook = {"cells": cells, "metadata": {"kernelspec": {"name": "python3",
                "display_name": "Python 3", "language": "python"}},
                "nbformat": 4, "nbformat_minor": 5}
    (folder / "page.ipynb").write_text(json.dumps(notebook), encoding="utf-8")
    (folder / "_config.yml").write_text(textwrap.dedent("""\
        title: Reference
        execute:
          execute_notebooks: force
        """))
    (folder / "_toc.yml").write_text("format: jb-book\nroot: page\n")
    jupyter_book = shutil.which("jupyter-book", path=str(Path(sys.executable).parent))
    subprocess.run([jupyter_book, "build", str(folder)], check=True, capture_output=True)
    return folder / "_build" / "html"


def lighthouse(url: str, desktop: bool) -> dict:
    """One Lighthouse run; the scores and the numbers of a row."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    command = [str(LIGHTHOUSE), url, "--quiet", "--output=json", "--output-path=stdout",
               "--only-categories=performance,accessibility,best-practices",
               "--chrome-flags=--headless=new --no-sandbox --disable-gpu"]
    if desktop:
        command.append("--preset=desktop")
    done = subprocess.run(command, capture_output=True, text=True,
                          env={**os.environ, "CHROME_PATH": chromium or ""}, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"lighthouse failed on {url}: {done.stderr[-1500:]}")
    report = json.loads(done.stdout)
    audits, categories = report["audits"], report["categories"]
    return {
        "performance": round(100 * categories["performance"]["score"]),
        "accessibility": round(100 * categories["accessibility"]["score"]),
        "best-practices": round(100 * categories["best-practices"]["score"]),
        "LCP s": audits["largest-contentful-paint"]["numericValue"] / 1000,
        "TBT ms": audits["total-blocking-time"]["numericValue"],
        "kB": audits["total-byte-weight"]["numericValue"] / 1000,
    }


def pages_of_the_toc() -> list[str]:
    toc = yaml.safe_load((REPO / "_toc.yml").read_text(encoding="utf-8"))
    return [toc["root"]] + [c["file"] for p in toc["parts"] for c in p["chapters"]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pages", nargs="*", help="TOC names (default: every page)")
    parser.add_argument("--html", type=Path, default=REPO / "_build" / "html")
    parser.add_argument("--no-reference", action="store_true")
    args = parser.parse_args()
    if not LIGHTHOUSE.exists():
        sys.exit("Lighthouse is not installed: run `make node` (npm ci)")
    server, url = serve(args.html)
    rows = [(name, f"{url}/{name}.html") for name in (args.pages or pages_of_the_toc())]
    with tempfile.TemporaryDirectory() as scratch:
        if not args.no_reference:
            reference, reference_url = serve(reference_book(Path(scratch)))
            rows.append(("default Jupyter Book page", f"{reference_url}/page.html"))
        print("| page | form | performance | accessibility | best practices "
              "| LCP (s) | TBT (ms) | transferred (kB) |")
        print("|---|---|---|---|---|---|---|---|")
        for name, address in rows:
            for desktop in (False, True):
                r = lighthouse(address, desktop)
                print(f"| {name} | {'desktop' if desktop else 'mobile'} | {r['performance']} "
                      f"| {r['accessibility']} | {r['best-practices']} | {r['LCP s']:.1f} "
                      f"| {r['TBT ms']:.0f} | {r['kB']:.0f} |", flush=True)
        if not args.no_reference:
            reference.shutdown()
    server.shutdown()


if __name__ == "__main__":
    main()
