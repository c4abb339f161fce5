// The book's widget loader: the only widget script a page loads (nb_ipywidgets_js in
// _config.yml). It keeps the widget manager (3.6 MB, 0.9 MB gzipped) off the page's
// critical path (issue: pages that open fast on a phone):
//
// 1. A page without stored widgets loads nothing more.
// 2. On a page with widgets, RequireJS and the offline widget manager
//    (vendor/html-manager/embed-amd.js) are fetched only when the first widget
//    comes within ~1.5 screens of the viewport, or when the reader prints or
//    follows a link to an element inside a widget's cell. The manager then
//    renders every widget of the page (it does so at once when the page has
//    already loaded).
// 3. The widget manager finds its own files (its icon fonts) next to the URL that
//    RequireJS resolves for the module that asks for them; both names point at the
//    copy served with the book (without the "@jupyter-widgets" path the browser asks
//    for book/@jupyter-widgets/<hash>.woff2, a 404 on every widget page).
// 4. It typesets math in widget labels with MathJax 2's MathJax.Hub.Queue; where a
//    page loads MathJax 3 (pages whose widgets carry math: tools/typeset_math.mjs
//    typesets all other math at build time), those calls go to MathJax.typesetPromise.
//
// window.nnbookLoadWidgets() starts the load at once (the browser tests use it).
/* global MathJax */
(function () {
  "use strict";
  var script = document.currentScript;
  // This file is <site>/js/widgets-offline.js; the vendored files are <site>/vendor/.
  var site = script ? script.src.replace(/js\/widgets-offline\.js(\?.*)?$/, "") : "../";
  var VIEW = 'script[type="application/vnd.jupyter.widget-view+json"]';
  var started = null;

  function load(src, attributes) {
    return new Promise(function (resolve, reject) {
      var element = document.createElement("script");
      element.src = src;
      Object.keys(attributes || {}).forEach(function (name) {
        element.setAttribute(name, attributes[name]);
      });
      element.onload = resolve;
      element.onerror = function () {
        reject(new Error("could not load " + src));
      };
      document.head.appendChild(element);
    });
  }

  function installHub() {
    if (window.MathJax && !window.MathJax.Hub) {
      window.MathJax.Hub = {
        Queue: function (job) {
          var element = Array.isArray(job) ? job[2] : undefined;
          var ready = MathJax.startup && MathJax.startup.promise
            ? MathJax.startup.promise : Promise.resolve();
          return ready.then(function () {
            return MathJax.typesetPromise ? MathJax.typesetPromise(element ? [element] : undefined) : null;
          });
        },
      };
    }
  }

  function loadWidgets() {
    if (started) {
      return started;
    }
    installHub();
    started = load(site + "vendor/require.js").then(function () {
      window.require.config({
        paths: {
          "@jupyter-widgets": site + "vendor/html-manager",
          "@jupyter-widgets/html-manager/dist": site + "vendor/html-manager",
        },
      });
      return load(site + "vendor/html-manager/embed-amd.js", {
        "data-jupyter-widgets-cdn": site + "vendor/",
      });
    });
    return started;
  }
  window.nnbookLoadWidgets = loadWidgets;

  function watch() {
    var views = Array.prototype.slice.call(document.querySelectorAll(VIEW));
    if (views.length === 0) {
      return;
    }
    window.addEventListener("beforeprint", loadWidgets);
    if (!("IntersectionObserver" in window)) {
      loadWidgets();
      return;
    }
    var observer = new IntersectionObserver(function (entries) {
      if (entries.some(function (entry) { return entry.isIntersecting; })) {
        observer.disconnect();
        loadWidgets();
      }
    }, { rootMargin: "150% 0px" });
    views.forEach(function (view) {
      observer.observe(view.parentElement);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", watch);
  } else {
    watch();
  }
})();
