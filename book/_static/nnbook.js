// Small accessibility repairs the theme and the widget manager leave to the book
// (html_js_files in _config.yml; tests/book/test_accessibility.py runs axe-core on them).
//
// 1. A displayed formula wider than the column scrolls sideways; a keyboard reader
//    can scroll it only if it takes the focus (axe: scrollable-region-focusable).
//    Only the formulas that overflow on this screen get a tab stop.
// 2. Widgets are drawn by the widget manager after the page has loaded
//    (widgets-offline.js). When they appear: every slider handle gets the text of
//    its visible label as its accessible name (axe: aria-input-field-name), and
//    every frame of an explorable gets its cell's alt text (metadata.mystnb.image.alt,
//    written into the page by nnbook_assets.widget_alt_text as span.nnbook-alt).
(function () {
  "use strict";

  function markWideFormulas() {
    document.querySelectorAll('mjx-container[display="true"]').forEach(function (box) {
      var wide = box.scrollWidth > box.clientWidth + 1;
      if (wide && !box.hasAttribute("tabindex")) {
        box.setAttribute("tabindex", "0");
      } else if (!wide && box.getAttribute("tabindex") === "0") {
        box.removeAttribute("tabindex");
      }
    });
  }

  function nameWidgets(root) {
    root.querySelectorAll(".widget-slider, .widget-hslider").forEach(function (slider) {
      var label = slider.querySelector(".widget-label");
      var text = label ? label.textContent.trim() : "";
      slider.querySelectorAll('[role="slider"]').forEach(function (handle) {
        if (text && !handle.hasAttribute("aria-label")) {
          handle.setAttribute("aria-label", text);
        }
      });
    });
    root.querySelectorAll(".cell").forEach(function (cell) {
      var alt = cell.querySelector(".nnbook-alt");
      if (!alt) {
        return;
      }
      cell.querySelectorAll("img").forEach(function (image) {
        if (!image.hasAttribute("alt")) {
          image.setAttribute("alt", alt.textContent);
        }
      });
    });
  }

  function start() {
    markWideFormulas();
    nameWidgets(document);
    var pending = false;
    new MutationObserver(function () {
      if (pending) {
        return;
      }
      pending = true;
      window.requestAnimationFrame(function () {
        pending = false;
        nameWidgets(document);
      });
    }).observe(document.body, { childList: true, subtree: true });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
  window.addEventListener("resize", markWideFormulas);
})();
