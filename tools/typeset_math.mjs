// Typeset a built page's math at build time, so the reader's browser gets HTML and
// CSS instead of a TeX engine (issue: pages that open fast on a phone).
//
//   node tools/typeset_math.mjs MACROS.json FONT_DIR PAGE.html [PAGE.html ...]
//
// MACROS.json: the mathjax3_config.tex.macros of _config.yml (nnbook_math.py writes
// it); FONT_DIR: the build's copy of MathJax's CHTML woff-v2 fonts (the same
// MathJax 3.2.2 the book serves for offline reading). For every page, each
// \(...\) of a <span class="math"> and each \[...\] of a <div class="math"> that
// Sphinx wrote is converted by MathJax's own TeX input and CHTML output (the
// renderer the browser would have run, with the same macros), the page gets one
// <style> with the CSS of the characters it uses, and the page-level MathJax
// loader is removed. A page whose widgets or notebook outputs carry math of
// their own keeps the loader (nothing to do for the page). Pages are rewritten
// in place; each line of stdout is a JSON record {page, converted, errors}
// that nnbook_math.py reads. A TeX error is reported, not hidden.
import fs from "node:fs";
import path from "node:path";

import { mathjax } from "mathjax-full/js/mathjax.js";
import { TeX } from "mathjax-full/js/input/tex.js";
import { CHTML } from "mathjax-full/js/output/chtml.js";
import { liteAdaptor } from "mathjax-full/js/adaptors/liteAdaptor.js";
import { RegisterHTMLHandler } from "mathjax-full/js/handlers/html.js";
import { AllPackages } from "mathjax-full/js/input/tex/AllPackages.js";
import { AssistiveMmlHandler } from "mathjax-full/js/a11y/assistive-mml.js";

const [macrosFile, fontDir, ...pages] = process.argv.slice(2);
if (!macrosFile || !fontDir || pages.length === 0) {
  console.error("usage: node tools/typeset_math.mjs MACROS.json FONT_DIR PAGE.html [...]");
  process.exit(2);
}
const macros = JSON.parse(fs.readFileSync(macrosFile, "utf8"));

const adaptor = liteAdaptor();
// Each formula also carries its MathML, hidden from sight and read by screen
// readers (what the browser's MathJax does with its assistive-mml option).
AssistiveMmlHandler(RegisterHTMLHandler(adaptor));
const ASSISTIVE_CSS =
  "mjx-assistive-mml{position:absolute!important;top:0;left:0;clip:rect(1px,1px,1px,1px);" +
  "padding:1px 0 0 0!important;border:0!important;display:block!important;width:auto!important;" +
  "overflow:hidden!important;user-select:none}mjx-assistive-mml[display=block]{width:100%!important}";

// The loader Sphinx writes into a page: the configuration and the script.
const LOADER = [
  /<script>window\.MathJax = [\s\S]*?<\/script>\s*/g,
  /<script[^>]*src="[^"]*tex-chtml-full\.js[^"]*"[^>]*><\/script>\s*/g,
];
const INLINE = /<span class="math notranslate nohighlight">\\\(([\s\S]*?)\\\)<\/span>/g;
const DISPLAY_BLOCK = /(<div class="math notranslate nohighlight"[^>]*>)([\s\S]*?)(<\/div>)/g;
const DISPLAY = /\\\[([\s\S]*?)\\\]/g;

function unescapeHtml(text) {
  return text
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&");
}

// Math that is not in Sphinx's math nodes: widget descriptions or HTML outputs
// that the browser would typeset. Such a page keeps MathJax.
function hasOtherMath(html) {
  const state = html.match(
    /<script type="application\/vnd\.jupyter\.widget-state\+json">([\s\S]*?)<\/script>/,
  );
  return Boolean(state && /HTMLMath|\\\\\(|\$[^$\s][^$]*\$/.test(state[1]));
}

function typesetPage(page) {
  const original = fs.readFileSync(page, "utf8");
  const fontURL = path.relative(path.dirname(page), fontDir).split(path.sep).join("/");
  // Without "noundefined", an undefined macro is an error (reported), not red text.
  const packages = AllPackages.filter((name) => name !== "noundefined");
  const tex = new TeX({ packages, macros, formatError: (jax, err) => jax.formatError(err) });
  const chtml = new CHTML({ fontURL, adaptiveCSS: true });
  const doc = mathjax.document("", { InputJax: tex, OutputJax: chtml });
  const errors = [];
  let converted = 0;

  // doc.convert(), keeping the MathItem: a displayed formula also records its width
  // in em (data-width-em, from MathJax's font metrics), so that the page can tell
  // which formulas overflow the column without laying out the whole page
  // (book/_static/nnbook.js gives those a tab stop).
  const render = (source, display) => {
    const item = new doc.options.MathItem(unescapeHtml(source), doc.inputJax[0], display);
    item.start.node = adaptor.body(doc.document);
    item.setMetrics(16, 8, 80 * 8, 1000000, 1);
    item.convert(doc);
    const node = item.typesetRoot;
    if (display) {
      const width = doc.outputJax.getBBox(item, doc).w;
      adaptor.setAttribute(node, "data-width-em", width.toFixed(2));
    }
    const html = adaptor.outerHTML(node);
    if (html.includes("<mjx-merror")) {
      errors.push(source.slice(0, 120));
    }
    converted += 1;
    return html;
  };

  let text = original.replace(INLINE, (_, source) => render(source, false));
  text = text.replace(DISPLAY_BLOCK, (_, open, body, close) =>
    open + body.replace(DISPLAY, (__, source) => render(source, true)) + close,
  );
  const keepLoader = hasOtherMath(text);
  if (!keepLoader) {
    for (const loader of LOADER) {
      text = text.replace(loader, "");
    }
  }
  if (converted > 0) {
    const css = adaptor.textContent(chtml.styleSheet(doc)) + ASSISTIVE_CSS;
    text = text.replace("</head>", `<style id="nnbook-math-css">${css}</style>\n</head>`);
  }
  fs.writeFileSync(page, text);
  return { page, converted, errors, kept_loader: keepLoader };
}

for (const page of pages) {
  console.log(JSON.stringify(typesetPage(page)));
}
