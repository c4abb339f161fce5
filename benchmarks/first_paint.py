"""When does a page with an explorable paint its text and math? (issue 12, frames)

Builds the one-page fixture book of ``tests/book/_fixture_book.py`` twice, with no
explorable frames worth speaking of (the 30 small test frames) and with the page
budget of issue 12 (150 chapter-size frames, about 1 MB), serves each on a loopback
port and loads the page in headless Chromium, unthrottled and with the network
throttled through the DevTools protocol (``--mbps``, ``--latency``). Reports, as
the median of ``--runs`` cold loads: bytes of the page's HTML, first contentful
paint (``performance.getEntriesByType('paint')``), MathJax done (its startup
promise resolved, timed with ``performance.now()``) and the first frame on view.

Usage::

    PYTHONPATH=$PWD:$PWD/tests python benchmarks/first_paint.py [--runs 5]
"""

from __future__ import annotations

import argparse
import functools
import http.server
import shutil
import statistics
import tempfile
import threading
from pathlib import Path

from _fixture_book import PAGE, build_fixture_book, chapter_size_explorable
from selenium import webdriver

TIMES = """
const done = arguments[arguments.length - 1];
const t = {};
const paint = performance.getEntriesByType('paint')
    .find(e => e.name === 'first-contentful-paint');
t.fcp = paint ? paint.startTime : null;
const nav = performance.getEntriesByType('navigation')[0];
t.dcl = nav.domContentLoadedEventEnd;
const math = (window.MathJax && MathJax.startup && MathJax.startup.promise)
    ? MathJax.startup.promise : Promise.resolve();
math.then(() => {
  t.math = window.__mathAt || performance.now();
  const wait = () => {
    const img = document.querySelector('img.nnbook-frame');
    if (img && img.complete && img.naturalWidth > 0) { t.frame = performance.now(); done(t); }
    else setTimeout(wait, 5);
  };
  wait();
});
"""


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def _driver():
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    options.page_load_strategy = "eager"  # return at DOMContentLoaded, frames or not
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu",
                 "--disable-dev-shm-usage", "--window-size=1280,1600"):
        options.add_argument(flag)
    return webdriver.Chrome(options=options, service=webdriver.ChromeService(
        executable_path=shutil.which("chromedriver")))


def measure(html: Path, runs: int, mbps: float | None, latency: float) -> dict:
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_Quiet, directory=str(html)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/{PAGE}.html"
    samples: dict[str, list[float]] = {}
    try:
        for _ in range(runs):
            driver = _driver()  # a cold cache every run
            try:
                if mbps:
                    driver.execute_cdp_cmd("Network.enable", {})
                    driver.execute_cdp_cmd("Network.emulateNetworkConditions", {
                        "offline": False, "latency": latency,
                        "downloadThroughput": mbps * 1e6 / 8,
                        "uploadThroughput": mbps * 1e6 / 8})
                driver.set_script_timeout(120)
                driver.get(url)
                times = driver.execute_async_script(TIMES)
            finally:
                driver.quit()
            for name, value in times.items():
                samples.setdefault(name, []).append(value)
    finally:
        server.shutdown()
    return {name: statistics.median(values) for name, values in samples.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--mbps", type=float, default=10.0)
    parser.add_argument("--latency", type=float, default=40.0, help="ms per request")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        books = {"30 small frames": build_fixture_book(Path(tmp) / "small"),
                 "150 chapter frames": build_fixture_book(Path(tmp) / "big",
                                                          chapter_size_explorable())}
        print(f"{'page':20} {'network':16} {'HTML kB':>8} {'FCP ms':>8} {'DCL ms':>8} "
              f"{'math ms':>8} {'frame ms':>9}")
        for label, html in books.items():
            size = (html / f"{PAGE}.html").stat().st_size / 1000
            for network, mbps in (("loopback", None), (f"{args.mbps:g} Mbit/s", args.mbps)):
                t = measure(html, args.runs, mbps, args.latency)
                print(f"{label:20} {network:16} {size:8.0f} {t['fcp']:8.0f} {t['dcl']:8.0f} "
                      f"{t['math']:8.0f} {t['frame']:9.0f}", flush=True)


if __name__ == "__main__":
    main()
