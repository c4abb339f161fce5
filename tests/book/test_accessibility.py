"""Every page of the built book passes axe-core, in light and in dark mode.

axe-core (npm, pinned in package.json; ``make node`` installs it) is injected with
Selenium into Debian's chromium, after the page's widgets have rendered (the
widget manager loads when a widget nears the viewport; the test asks for it at
once), and runs every rule of its default set (WCAG 2.x A and AA and best
practices). A page passes with **zero** violations of any impact; the failure
lists each rule id, its impact and the first elements it names.

Skips with a reason where chromium, chromedriver or ``node_modules/axe-core`` is
missing (``.ci/run`` installs all three).
"""

from __future__ import annotations

import pytest
from _helpers import REPO, headless_chromium, requires_chromium, toc_files

webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed")
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
pytestmark = [
    pytest.mark.browser,
    requires_chromium,
    pytest.mark.skipif(
        not AXE.exists(), reason="needs axe-core from npm: run `make node` (npm ci)"
    ),
]

VIEW = 'script[type="application/vnd.jupyter.widget-view+json"]'

_RUN_AXE = """
const done = arguments[arguments.length - 1];
axe.run(document, {resultTypes: ['violations']}).then(result => done(
  result.violations.map(v => ({
    id: v.id, impact: v.impact, count: v.nodes.length,
    where: v.nodes.slice(0, 3).map(n => n.target.join(' ')),
  }))));
"""


@pytest.fixture(scope="module")
def browser():
    driver = headless_chromium()
    driver.set_script_timeout(180)
    yield driver
    driver.quit()


def open_page(driver, url: str, mode: str) -> None:
    """Open ``url`` in the theme's ``mode`` (as a reader's saved choice), widgets drawn."""
    driver.get(url)
    # The theme stores the mode it applied (localStorage) once its deferred script
    # has run; a value written before that is overwritten: write it, load the page
    # again, and repeat until the page shows it.
    for _attempt in range(3):
        driver.execute_script("localStorage.setItem('mode', arguments[0]);"
                              "localStorage.setItem('theme', arguments[0]);", mode)
        driver.get(url)
        WebDriverWait(driver, 30).until(
            lambda d: d.execute_script("return document.readyState") == "complete")
        shown = driver.execute_script("return document.documentElement.dataset.theme")
        if shown == mode:
            break
    saved = driver.execute_script("return [localStorage.getItem('mode'),"
                                  " localStorage.getItem('theme')]")
    assert shown == mode, f"{url}: the page shows {shown} mode, localStorage holds {saved}"
    views = driver.execute_script(f"return document.querySelectorAll('{VIEW}').length")
    if views:
        driver.execute_script("window.nnbookLoadWidgets()")
        WebDriverWait(driver, 60).until(
            lambda d: d.execute_script("return document.querySelectorAll("
                                       "'.widget-subarea').length") >= views,
            message="the page's widgets did not render")
    # Sections off screen are not rendered (content-visibility: auto in nnbook.css);
    # render them all, as a reader scrolling through sees them, so that axe can
    # measure their colours.
    driver.execute_script(
        "const s = document.createElement('style');"
        "s.textContent = '.bd-article section { content-visibility: visible !important; }';"
        "document.head.appendChild(s);")
    # Let the theme's colour transitions finish before colours are measured.
    driver.execute_script("return new Promise(r => setTimeout(r, 400))")


def _violations(driver) -> list[dict]:
    driver.execute_script(AXE.read_text(encoding="utf-8"))
    return driver.execute_async_script(_RUN_AXE)


def _report(violations: list[dict]) -> str:
    return "\n".join(
        f"  {v['id']} ({v['impact']}, {v['count']} elements): {', '.join(v['where'])}"
        for v in violations
    )


@pytest.mark.parametrize("mode", ["light", "dark"])
@pytest.mark.parametrize("page", toc_files())
def test_no_accessibility_violations(browser, site, page, mode):
    open_page(browser, f"{site}/{page}.html", mode)
    violations = _violations(browser)
    assert not violations, (
        f"{page} in {mode} mode: axe-core rules violated "
        f"{sorted(v['id'] for v in violations)}:\n{_report(violations)}"
    )


# Pages whose layout changes most on a phone: the ledger's and the notation
# table's rows become cards (nnbook.css), a chapter's explorables and sidebar
# fold away.
PHONE_PAGES = ["book/equations", "book/notation", "book/06_gradient_descent"]


@pytest.mark.parametrize("mode", ["light", "dark"])
@pytest.mark.parametrize("page", PHONE_PAGES)
def test_no_accessibility_violations_on_a_phone(browser, site, page, mode):
    browser.set_window_size(412, 900)
    try:
        open_page(browser, f"{site}/{page}.html", mode)
        violations = _violations(browser)
    finally:
        browser.set_window_size(1280, 1600)
    assert not violations, (
        f"{page} at 412 px in {mode} mode: axe-core rules violated "
        f"{sorted(v['id'] for v in violations)}:\n{_report(violations)}"
    )
