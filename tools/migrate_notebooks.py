"""Rewrite a moved module's name in notebooks and tests: nnlib.exercises -> nnbook.exercises.

The exercise checkers moved from ``nnlib/exercises/`` to ``nnbook/exercises/`` (the
book's own code left the library; issue 18, part 3). Run this once after merging,
from the repository root::

    python tools/migrate_notebooks.py            # book/*.ipynb and tests/*.py
    python tools/migrate_notebooks.py --check    # only report; exit 1 if a file would change

It rewrites every whole-word ``nnlib.exercises`` (imports, and text such as
``nnlib.exercises.theory.separating_line``) and ``from nnlib import exercises`` in
the cell sources of ``book/*.ipynb`` (code and Markdown; stored outputs are left as
they are, so nbval still compares them) and in ``tests/*.py``, whose imports it then
sorts again with ``ruff check --select I --fix`` (``nnbook`` sorts before ``nnlib``;
the notebooks are not given to ruff). Running it again
changes nothing (it is idempotent). A notebook is written back with the same JSON
layout nbformat uses (one-space indent, a final newline), so the diff shows only the
renamed lines; its outputs need no re-execution.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

#: (pattern, replacement), applied in order to each source text.
RENAMES = [
    (re.compile(r"\bnnlib\.exercises\b"), "nnbook.exercises"),
    (re.compile(r"\bfrom nnlib import exercises\b"), "from nnbook import exercises"),
]


def rewrite(text: str) -> str:
    """``text`` with every old module name replaced by the new one."""
    for pattern, replacement in RENAMES:
        text = pattern.sub(replacement, text)
    return text


def migrate_notebook(path: Path, *, write: bool) -> bool:
    """Rewrite the cell sources of one notebook; return whether anything changed."""
    raw = path.read_text(encoding="utf-8")
    notebook = json.loads(raw)
    changed = False
    for cell in notebook.get("cells", []):
        source = cell.get("source", "")
        if isinstance(source, list):
            new = [rewrite(line) for line in source]
        else:
            new = rewrite(source)
        if new != source:
            cell["source"] = new
            changed = True
    if changed and write:
        # nbformat's own layout: indent=1, sorted keys, non-ASCII kept, a final newline
        text = json.dumps(notebook, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
        path.write_text(text, encoding="utf-8")
    return changed


def migrate_text(path: Path, *, write: bool) -> bool:
    """Rewrite one Python file; return whether anything changed."""
    text = path.read_text(encoding="utf-8")
    new = rewrite(text)
    if new != text and write:
        path.write_text(new, encoding="utf-8")
    return new != text


def sort_imports(files: list[str]) -> None:
    """Sort the imports of the rewritten Python files with ruff (the project's isort)."""
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    if ruff is None:
        print("ruff not found: sort the imports of the rewritten files by hand", file=sys.stderr)
        return
    subprocess.run([ruff, "check", "--quiet", "--select", "I", "--fix", *files], cwd=REPO)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "paths",
        nargs="*",
        type=Path,
        help="notebooks and .py files (default: book/*.ipynb and tests/*.py)",
    )
    parser.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 if a file would change"
    )
    args = parser.parse_args(argv)
    paths = args.paths or sorted((REPO / "book").glob("*.ipynb")) + sorted(
        (REPO / "tests").glob("*.py")
    )
    changed = []
    for path in paths:
        if path.suffix == ".ipynb":
            did = migrate_notebook(path, write=not args.check)
        elif path.suffix == ".py":
            did = migrate_text(path, write=not args.check)
        else:
            print(f"skipped {path}: expected a .ipynb or .py file", file=sys.stderr)
            continue
        if did:
            changed.append(path)
    python_files = [str(path) for path in changed if path.suffix == ".py"]
    if python_files and not args.check:
        sort_imports(python_files)
    verb = "would rewrite" if args.check else "rewrote"
    for path in changed:
        print(f"{verb} {path}")
    print(f"{len(changed)} of {len(paths)} files {'need' if args.check else 'got'} the new names")
    return 1 if args.check and changed else 0


if __name__ == "__main__":
    sys.exit(main())
