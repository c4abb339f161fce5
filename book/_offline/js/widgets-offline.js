// Loaded between require.js and the widget manager (see nb_ipywidgets_js in _config.yml).
//
// 1. The widget manager finds its own files (its icon fonts) next to the URL that
//    RequireJS resolves for the module that asks for them; point both names at the copy
//    served with the book. The fonts are requested by "@jupyter-widgets/html-manager",
//    which the longer "@jupyter-widgets/html-manager/dist" path does not match: without
//    the "@jupyter-widgets" path, RequireJS puts it next to the page, and the browser
//    asks for book/@jupyter-widgets/<hash>.woff2 (a 404 on every widget page).
// 2. It typesets math in widget labels with MathJax 2's MathJax.Hub.Queue; the
//    book uses MathJax 3, so forward those calls to MathJax.typesetPromise.
/* global require, MathJax */
require.config({
  paths: {
    "@jupyter-widgets": "../vendor/html-manager",
    "@jupyter-widgets/html-manager/dist": "../vendor/html-manager",
  },
});

(function () {
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
  installHub();
  document.addEventListener("DOMContentLoaded", installHub);
  window.addEventListener("load", installHub);
})();
