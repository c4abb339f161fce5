#!/usr/bin/env bash
# Write constraints.txt: every package that `pip install -r requirements.txt` brings in,
# at the version it brought in, so that Binder, CI and readers all get the tested set.
# Run it after changing requirements.txt (it needs the package index, about a minute):
#   bash tools/lock_requirements.sh
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-$(command -v python3.11 || command -v python3)}
env=$(mktemp -d)
trap 'rm -rf "$env"' EXIT
"$python" -m venv "$env"
# requirements.txt without its own "-c constraints.txt" line: resolve afresh
grep -v '^-c ' requirements.txt > "$env/requirements.txt"
"$env/bin/python" -m pip install --quiet --disable-pip-version-check -r "$env/requirements.txt"
{
  echo "# A lock of requirements.txt, which includes it with \"-c constraints.txt\": every"
  echo "# package \`pip install -r requirements.txt\` installs, at the version tested."
  echo "# Written by tools/lock_requirements.sh; do not edit by hand."
  "$env/bin/python" -m pip freeze --exclude-editable --disable-pip-version-check | grep -v '^nnlib'
} > constraints.txt
echo "wrote constraints.txt ($(grep -vc '^#' constraints.txt) packages)"
