#!/usr/bin/env bash
# Refresh the JavaScript the built book serves itself, so that it reads offline:
# MathJax 3 (math) and the Jupyter widgets HTML manager with RequireJS (stored
# widget state). They land in book/_offline/vendor/, which _config.yml copies to
# _build/html/vendor/ with html_extra_path (not _static/: Jupyter Book would inject
# every .js there into every page). Needs npm; readers never run this.
set -euo pipefail
MATHJAX=3.2.2
HTML_MANAGER=1.0.15
REQUIREJS=2.3.8

root=$(cd "$(dirname "$0")/.." && pwd)
dest="$root/book/_offline/vendor"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
npm pack --silent "mathjax@$MATHJAX" "@jupyter-widgets/html-manager@$HTML_MANAGER" "requirejs@$REQUIREJS" >/dev/null
for tarball in *.tgz; do mkdir "${tarball%.tgz}" && tar xzf "$tarball" -C "${tarball%.tgz}"; done

rm -rf "$dest" && mkdir -p "$dest/mathjax/output/chtml/fonts" "$dest/html-manager"
es5="mathjax-$MATHJAX/package/es5"
cp "$es5/tex-chtml-full.js" "$dest/mathjax/"
cp -r "$es5/output/chtml/fonts/woff-v2" "$dest/mathjax/output/chtml/fonts/"
cp -r "$es5/ui" "$es5/a11y" "$dest/mathjax/"
cp "mathjax-$MATHJAX/package/LICENSE" "$dest/mathjax/LICENSE"
manager="jupyter-widgets-html-manager-$HTML_MANAGER/package"
cp "$manager/dist/embed-amd.js" "$dest/html-manager/"
# the icon fonts it loads from next to itself (see book/_offline/js/widgets-offline.js)
cp "$manager"/dist/*.woff "$manager"/dist/*.woff2 "$dest/html-manager/"
cp "$manager/dist/embed.js.LICENSE.txt" "$dest/html-manager/LICENSE.txt"
cp "requirejs-$REQUIREJS/package/require.js" "$dest/require.js"
cat > "$dest/VERSIONS.txt" <<TXT
mathjax $MATHJAX (Apache-2.0)
@jupyter-widgets/html-manager $HTML_MANAGER (BSD-3-Clause)
requirejs $REQUIREJS (MIT)
TXT
du -sh "$dest"
