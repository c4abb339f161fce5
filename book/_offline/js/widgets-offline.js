// Loaded between require.js and the widget manager (see nb_ipywidgets_js in _config.yml).
//
// 1. The widget manager finds its own files (its icon fonts) next to the URL that
//    RequireJS resolved for it; point that at the copy served with the book.
// 2. It typesets math in widget labels with MathJax 2's MathJax.Hub.Queue; the
//    book uses MathJax 3, so forward those calls to MathJax.typesetPromise.
/* global require, MathJax */
require.config({
  paths: { "@jupyter-widgets/html-manager/dist": "../vendor/html-manager" },
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
