"""Chapter numbers agree everywhere a reader or a maintainer meets them.

Jupyter Book numbers the chapters of the numbered parts of ``_toc.yml`` in
order; that displayed number is the one the prose, the file names and the
tests use. When a chapter is inserted, every place that names a chapter by
number must move with it, and these checks say which did not:

- the file ``book/NN_slug.ipynb`` of the chapter displayed as N starts ``NN_``;
- the introduction's "How the book is organised" list gives each part the
  range of chapters the TOC gives it;
- a chapter's tests (``tests/chapters/test_chNN_*.py``, ``test_negative_controls_chNN.py``)
  and the checker module a chapter imports open their docstrings with the
  chapter's own number.
"""

from __future__ import annotations

import json
import re

import pytest
import yaml
from _helpers import BOOK, REPO

TOC = yaml.safe_load((REPO / "_toc.yml").read_text(encoding="utf-8"))


def numbered_chapters() -> dict[int, str]:
    """Displayed chapter number -> file stem, as Jupyter Book numbers them."""
    numbers: dict[int, str] = {}
    for part in TOC["parts"]:
        if part.get("numbered"):
            for chapter in part["chapters"]:
                numbers[len(numbers) + 1] = chapter["file"].removeprefix("book/")
    return numbers


CHAPTERS = numbered_chapters()


def part_ranges() -> dict[str, tuple[int, int]]:
    ranges, number = {}, 0
    for part in TOC["parts"]:
        if part.get("numbered"):
            first = number + 1
            number += len(part["chapters"])
            ranges[part["caption"]] = (first, number)
    return ranges


def notebook_text(path) -> str:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return "\n".join("".join(cell["source"]) for cell in cells)


def docstring_chapter(path) -> int | None:
    """The first "chapter N" of a module's docstring, or None if it names none."""
    text = path.read_text(encoding="utf-8")
    doc = re.match(r'\s*(?:"""|\'\'\')(.*?)(?:"""|\'\'\')', text, re.S)
    found = re.search(r"\b[Cc]hapter (\d+)\b", doc.group(1)) if doc else None
    return int(found.group(1)) if found else None


@pytest.mark.parametrize("number", sorted(CHAPTERS), ids=lambda n: f"chapter{n}")
def test_file_name_carries_the_displayed_number(number):
    stem = CHAPTERS[number]
    assert stem.startswith(f"{number:02d}_"), (
        f"_toc.yml displays {stem}.ipynb as chapter {number}: rename it "
        f"{number:02d}_{stem[3:]}.ipynb (and its references) or move it in the TOC"
    )


def test_the_introduction_gives_each_part_its_chapters():
    intro = notebook_text(BOOK / "intro.ipynb")
    stated = {
        caption: (int(first), int(last or first))
        for caption, first, last in re.findall(
            r"\*\*([^*]+)\*\* \(chapters? (\d+)(?:[–-](\d+))?\)", intro
        )
    }
    assert stated == part_ranges(), (
        f"intro.ipynb's part list says {stated}; _toc.yml numbers {part_ranges()}"
    )


CHAPTER_TESTS = sorted(
    path
    for pattern in ("test_ch[0-9][0-9]_*.py", "test_negative_controls_ch[0-9][0-9].py")
    for path in (REPO / "tests" / "chapters").glob(pattern)
)


def test_the_chapter_tests_are_found():
    # an empty glob (a moved folder) would parametrize the test below over nothing
    assert len(CHAPTER_TESTS) >= 2 * 10, f"found {len(CHAPTER_TESTS)} chapter test files"


@pytest.mark.parametrize("path", CHAPTER_TESTS, ids=lambda p: p.stem)
def test_a_chapters_tests_name_its_number(path):
    number = int(re.search(r"ch(\d\d)", path.stem).group(1))
    assert number in CHAPTERS, f"{path.name} is named for chapter {number}, which the TOC lacks"
    said = docstring_chapter(path)
    assert said in (None, number), (
        f"{path.name} is chapter {number}'s ({CHAPTERS[number]}) "
        f"but its docstring says chapter {said}"
    )


def checker_modules() -> list[tuple[str, int]]:
    """(checker slug, number of the chapter that imports it) for every chapter."""
    used = []
    for number, stem in CHAPTERS.items():
        text = notebook_text(BOOK / f"{stem}.ipynb")
        for slug in sorted(set(re.findall(r"nnbook\.exercises\.(\w+)", text))):
            if not slug.startswith("_"):
                used.append((slug, number))
    return used


@pytest.mark.parametrize("slug, number", checker_modules(), ids=lambda v: str(v))
def test_a_checker_module_names_the_chapter_that_uses_it(slug, number):
    path = REPO / "nnbook" / "exercises" / f"{slug}.py"
    said = docstring_chapter(path)
    assert said in (None, number), (
        f"nnbook/exercises/{slug}.py serves chapter {number} ({CHAPTERS[number]}) "
        f"but its docstring says chapter {said}"
    )
