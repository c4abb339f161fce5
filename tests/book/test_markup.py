"""Page markup the build adds (book/_ext/nnbook_markup.py): tables as cards.

``labelled_cells`` gives each cell of the equation ledger's and the notation
page's tables its column's name, which ``nnbook.css`` shows above the cell on a
phone, where each row is a card; the unit tests feed it Sphinx's table markup,
the last test reads the built pages. How the cards look at 412 px is tested in
tests/book/test_browser.py.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from _helpers import BOOK

sys.path.insert(0, str(BOOK / "_ext"))
import nnbook_markup as markup

# A table as Sphinx writes it for a MyST pipe table.
TABLE = """<div class="pst-scrollable-table-container"><table class="table">
<thead>
<tr class="row-odd"><th class="head"><p>#</p></th>
<th class="head"><p>Formula</p></th>
<th class="head"><p>Checked &amp; <em>by</em></p></th>
</tr>
</thead>
<tbody>
<tr class="row-even"><td><p>1.1</p></td>
<td><p>x</p></td>
<td><p><code>test_a</code></p></td>
</tr>
<tr class="row-odd"><td><p>1.2</p></td>
<td><p>y</p></td>
<td><p>z</p></td>
</tr>
</tbody>
</table>
</div>"""


def test_each_cell_carries_its_columns_name():
    out = markup.labelled_cells(TABLE, Path("equations.html"))
    assert re.findall(r'data-label="([^"]*)"', out) == ["#", "Formula", "Checked &amp; by"] * 2
    assert out.count('role="cell"') == 6 and out.count('role="row"') == 3
    assert out.count('role="columnheader"') == 3 and out.count('role="rowgroup"') == 2
    assert '<table role="table" class="table nnbook-cards">' in out
    # the cells' own content is untouched
    unlabelled = re.sub(r' (role|data-label)="[^"]*"', "", out)
    assert unlabelled.replace(" nnbook-cards", "") == TABLE


def test_other_pages_are_left_alone():
    assert markup.labelled_cells(TABLE, Path("book/01_prerequisites.html")) == TABLE


def test_a_row_wider_than_its_header_is_refused():
    wide = TABLE.replace("<td><p>z</p></td>", "<td><p>z</p></td><td><p>extra</p></td>")
    with pytest.raises(ValueError, match="4 cells but its header names 3 columns"):
        markup.labelled_cells(wide, Path("equations.html"))


COLUMNS = {
    "equations.html": {"#", "Formula", "Derived in", "Checked by"},
    "notation.html": {"Symbol", "Meaning", "Shape (math)", "In nnlib",
                      "In chapters 12–14", "Elsewhere"},
}


@pytest.mark.parametrize("name", sorted(COLUMNS))
def test_the_built_pages_label_every_cell(built_book, name):
    assert set(COLUMNS) == set(markup.CARD_PAGES)
    html, _log = built_book
    page = (html / "book" / name).read_text(encoding="utf-8")
    cells = page.count("<td")
    assert cells > 100, f"only {cells} cells in the built {name}"
    labels = re.findall(r'<td role="cell" data-label="([^"]*)"', page)
    assert len(labels) == cells, f"{name}: {cells - len(labels)} cells have no label"
    assert set(labels) == COLUMNS[name]
    assert page.count("nnbook-cards") == page.count("<table"), name
