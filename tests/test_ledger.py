"""The equation ledger (book/equations.md) accounts for every formula of the source.

Each row must say where the book derives the formula and what checks it; every
test file a row names must exist, so the ledger cannot point at a deleted test.
(That its {eq} references resolve is checked by the -n book build.)
"""

from __future__ import annotations

import re

from conftest import REPO

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
    named = set(re.findall(r"tests/(test_[\w]+\.py)", LEDGER))
    named |= {f"{name}.py" for name in re.findall(r"\b(test_[a-z0-9_]+)\.py", LEDGER)}
    missing = sorted(name for name in named if not (REPO / "tests" / name).exists())
    assert not missing, f"the ledger names tests that do not exist: {missing}"
