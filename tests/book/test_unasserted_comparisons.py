"""No notebook cell prints a comparison without asserting it.

A cell that prints ``np.allclose(a, b)`` or ``f"{x == y}"`` shows a reader a
check that nbval cannot fail: the stored output would simply change from True
to False. In every chapter that uses SymPy (all of them), a code cell whose
printed values are themselves comparisons (``==``, ``<``, ``is``, …) or calls of
``allclose``, ``isclose``, ``array_equal``, ``equals`` or ``relative_error``
must also ``assert``.
"""

from __future__ import annotations

import ast
import re

import pytest
from _helpers import chapter_notebooks, load_notebook

CHECKS = {"allclose", "isclose", "array_equal", "array_equiv", "equals", "relative_error"}


def _is_comparison(node: ast.AST) -> bool:
    if isinstance(node, ast.Compare):
        return True
    if isinstance(node, ast.Call):
        name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
        return name in CHECKS
    return False


def printed_comparisons(source: str) -> list[str]:
    """The ``print`` calls of ``source`` that print a comparison's value."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "print"):
            continue
        values = []
        for argument in node.args:
            if isinstance(argument, ast.JoinedStr):
                values += [part.value for part in argument.values
                           if isinstance(part, ast.FormattedValue)]
            else:
                values.append(argument)
        if any(_is_comparison(value) for value in values):
            found.append(ast.unparse(node))
    return found


def _code_cells(notebook: dict) -> list[tuple[int, str]]:
    return [(index, "".join(cell["source"])) for index, cell in enumerate(notebook["cells"])
            if cell["cell_type"] == "code"]


@pytest.mark.parametrize("path", chapter_notebooks(), ids=lambda p: p.stem)
def test_every_printed_comparison_is_asserted(path):
    cells = _code_cells(load_notebook(path))
    if not any(re.search(r"^\s*(import sympy|from sympy)", src, re.M) for _, src in cells):
        pytest.skip(f"{path.name} does not use SymPy")
    offenders = []
    for index, source in cells:
        if re.search(r"^\s*assert\b", source, re.M):
            continue
        try:
            printed = printed_comparisons(source)
        except SyntaxError:  # a cell of IPython magics; ruff checks the rest
            continue
        offenders += [f"cell {index}: {call[:100]}" for call in printed]
    assert not offenders, (
        f"{path.name}: cells print a comparison but assert nothing:\n  " + "\n  ".join(offenders)
    )


def test_the_scan_sees_what_it_must():
    assert printed_comparisons("print(np.allclose(a, b))")
    assert printed_comparisons('print(f"agree: {x == y}")')
    assert printed_comparisons("print('max', relative_error(a, b) < 1e-6)")
    assert not printed_comparisons("print(f'{np.sum(norms > 1.0)} steps')")
    assert not printed_comparisons("print('a == b')")
