// Small accessibility repairs the theme and the widget manager leave to the book
// (html_js_files in _config.yml; tests/book/test_accessibility.py runs axe-core on them).
//
// 1. A displayed formula wider than the column scrolls sideways; a keyboard reader
//    can scroll it only if it takes the focus (axe: scrollable-region-focusable).
//    Only the formulas that overflow on this screen get a tab stop. Which ones is
//    decided without laying the page out: tools/typeset_math.mjs writes each
//    formula's width in em (data-width-em, MathJax's font metrics) into the page,
//    and a section off screen is not laid out (content-visibility in nnbook.css).
//    Reading every formula's scrollWidth instead laid out all sections at once:
//    1.2 s of main-thread time on Lighthouse's phone for chapter 14.
// 2. The same holds for a code block or a table wider than the column. The build
//    (book/_ext/nnbook_scrolling.py) gives every box that may overflow tabindex="0",
//    and cuts the theme's load-time scan of all their widths (which laid out every
//    section: 0.9 s on Lighthouse's phone for chapter 14). Here a ResizeObserver
//    reports each box once the browser has laid it out anyway (its section nears the
//    viewport, or the window is resized), and the tab stop stays only if it overflows.
// 3. Widgets are drawn by the widget manager after the page has loaded
//    (widgets-offline.js). When they appear: every slider handle gets the text of
//    its visible label as its accessible name (axe: aria-input-field-name), and
//    every frame of an explorable, and an interact's figure, gets its cell's alt
//    text (metadata.mystnb.image.alt, written into the page by
//    nnbook_frames.widget_alt_text as span.nnbook-alt).
(function () {
  "use strict";

  // Containers that narrow the column a formula gets (padding, indent, border), and
  // the room an equation number takes beside it. Measured in Chromium at 412 and 1280
  // px: the number takes 71-81 px of the column, each container 32 px (2 em).
  var INSET = ".admonition, details, li, dd, blockquote, .sd-card, .proof";
  var NUMBER_EM = 5.5;
  var INSET_EM = 2.5;

  function isWide(box, content, em) {
    var width = parseFloat(box.getAttribute("data-width-em"));
    if (isNaN(width)) {
      // typeset in the browser (no Node at build time): measure it
      return box.scrollWidth > box.clientWidth + 1;
    }
    var room = content;
    if (box.parentElement && box.parentElement.querySelector(":scope > .eqno")) {
      room -= NUMBER_EM * em;
    }
    for (var node = box.parentElement; node && node !== document.body; node = node.parentElement) {
      if (node.matches(INSET)) {
        room -= INSET_EM * em;
      }
    }
    return width * em > room - 2;
  }

  function markWideFormulas() {
    var boxes = document.querySelectorAll('mjx-container[display="true"]');
    if (!boxes.length) {
      return;
    }
    var article = document.querySelector(".bd-article") || document.body;
    var style = window.getComputedStyle(article);
    var content =
      article.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    var em = parseFloat(window.getComputedStyle(boxes[0]).fontSize) || 16;
    boxes.forEach(function (box) {
      var wide = isWide(box, content, em);
      if (wide && !box.hasAttribute("tabindex")) {
        box.setAttribute("tabindex", "0");
      } else if (!wide && box.getAttribute("tabindex") === "0") {
        box.removeAttribute("tabindex");
      }
    });
  }

  // The boxes the theme would have scanned (pydata-sphinx-theme 0.17,
  // addTabStopsToScrollableElements).
  var SCROLLABLE =
    "pre, .nboutput > .output_area, .cell_output > .output, .jp-RenderedHTMLCommon, " +
    ".pst-scrollable-table-container";
  var watched = new WeakSet();
  var sizes = window.ResizeObserver
    ? new ResizeObserver(function (entries) {
        // read every size first, then write: a write between reads would make the
        // next read lay the page out again
        var overflows = entries.map(function (entry) {
          var box = entry.target;
          // strictly wider, as axe-core and the theme count it: one pixel scrolls
          return box.scrollWidth > box.clientWidth || box.scrollHeight > box.clientHeight;
        });
        entries.forEach(function (entry, i) {
          var box = entry.target;
          if (overflows[i] && box.getAttribute("tabindex") !== "0") {
            box.setAttribute("tabindex", "0");
          } else if (!overflows[i] && box.getAttribute("tabindex") === "0") {
            box.removeAttribute("tabindex");
          }
        });
      })
    : null;

  function watchScrollables(root) {
    if (!sizes) {
      return; // an old browser keeps the build's tab stops
    }
    root.querySelectorAll(SCROLLABLE).forEach(function (box) {
      if (!watched.has(box)) {
        watched.add(box);
        sizes.observe(box);
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
        // "Image" is what JupyterLab's renderers write when an <img> has no alt
        // (an interact's figure, nnbook_frames.frames_to_files)
        if (!image.hasAttribute("alt") || image.getAttribute("alt") === "Image") {
          image.setAttribute("alt", alt.textContent);
        }
      });
    });
  }

  function start() {
    // after the browser's own first layout, so that reading the column's width
    // and a formula's font size costs nothing (read earlier, they force it)
    window.requestAnimationFrame(function () {
      window.setTimeout(markWideFormulas, 0);
    });
    nameWidgets(document);
    watchScrollables(document);
    var pending = false;
    new MutationObserver(function () {
      if (pending) {
        return;
      }
      pending = true;
      window.requestAnimationFrame(function () {
        pending = false;
        nameWidgets(document);
        watchScrollables(document);
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
