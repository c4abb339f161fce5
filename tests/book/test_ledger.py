"""The equation ledger (book/equations.md) accounts for every formula of the source.

Each row must say where the book derives the formula and what checks it; every
test file a row names must exist, so the ledger cannot point at a deleted test.
(That its {eq} references resolve is checked by the -n book build.)
"""

from __future__ import annotations

import re

from _helpers import REPO

LEDGER = (REPO / "book" / "equations.md").read_text(encoding="utf-8")
ROW = re.compile(r"\|\s*(\d+\.\d+)\s*\|")
ROWS = [line for line in LEDGER.splitlines() if ROW.match(line)]


def _number(row: str) -> str:
    return ROW.match(row).group(1)


def test_the_ledger_has_a_row_per_formula_of_the_source():
    numbers = [_number(row) for row in ROWS]
    assert len(numbers) == len(set(numbers)), "a formula number appears twice"
    assert len(ROWS) >= 70, f"expected every formula of the source, found {len(ROWS)} rows"


def test_every_formula_is_derived_and_checked():
    pending = [_number(row) for row in ROWS if "not yet" in row]
    assert not pending, f"ledger rows still 'not yet': {pending}"


def test_the_tests_the_ledger_names_exist():
    paths = set(re.findall(r"\b(tests/(?:\w+/)*test_\w+\.py)", LEDGER))
    assert len(paths) >= 30, f"the ledger names only {len(paths)} test files"
    missing = sorted(path for path in paths if not (REPO / path).exists())
    assert not missing, f"the ledger names tests that do not exist: {missing}"
    # a bare file name (`test_x.py` without its folder) must still name a real file
    known = {path.name for path in (REPO / "tests").rglob("test_*.py")}
    bare = set(re.findall(r"(?<![/\w])(test_\w+\.py)", LEDGER))
    assert not bare - known, f"the ledger names tests that do not exist: {sorted(bare - known)}"


def test_the_test_functions_the_ledger_names_exist():
    # `tests/x/test_y.py::test_a`, `::test_b`: every name is a test of that file
    chains = re.finditer(r"`(tests/[\w/]+\.py)::(\w+)`((?:, `::\w+`)*)", LEDGER)
    named, missing = 0, []
    for chain in chains:
        source = (REPO / chain.group(1)).read_text(encoding="utf-8")
        for name in [chain.group(2), *re.findall(r"`::(\w+)`", chain.group(3))]:
            named += 1
            if not re.search(rf"^def {name}\(", source, flags=re.M):
                missing.append(f"{chain.group(1)}::{name}")
    assert named >= 50, f"the ledger names only {named} test functions"
    assert not missing, f"the ledger names test functions that do not exist: {missing}"
