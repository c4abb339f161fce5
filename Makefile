# The two commands of the README:
#   make book   install what the book needs into .venv, then build _build/html
#   make test   install the test tools too, then run every test
#   make pdf    the whole book as one PDF, _build/latex/book.pdf (needs TeX Live, README "The PDF")
# Both work on a fresh machine with Python 3.11 and the package index.

PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: book pdf test install install-dev execute lint serve clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Stamps: reinstall only when a requirements file (or nnlib's metadata) changes.
$(VENV)/.installed: $(BIN)/python requirements.txt constraints.txt pyproject.toml
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

# The HTML book, from the committed (nbval-verified) notebook outputs. --all: a
# full rebuild, so that -W sees the warnings of unchanged pages too.
book: install
	$(BIN)/jupyter-book build . --all -W -n --keep-going
	@echo "The book is in _build/html/index.html. Read it with:"
	@echo "  $(BIN)/python -m http.server --directory _build/html 8000   # then open http://localhost:8000"

# The book as one PDF (XeLaTeX; book/_ext/nnbook_latex.py): _build/latex/book.pdf.
# TeX Live from Debian: see README "The PDF" (.ci/run installs it in CI).
pdf: install
	@command -v xelatex >/dev/null && command -v latexmk >/dev/null || \
	  { echo "make pdf needs xelatex and latexmk: see README, The PDF"; exit 1; }
	$(BIN)/jupyter-book build . --builder pdflatex
	@echo "The PDF is _build/latex/book.pdf"

# Every test: ruff, the nnlib tests, every notebook re-executed and compared
# (nbval), the notebook checks, and the -W -n --keep-going book build (tests/test_book.py).
test: install-dev
	$(BIN)/ruff check nnlib tests benchmarks tools
	$(BIN)/python -m pytest --durations=15

# Refresh every notebook's stored outputs and widget state: a fresh kernel each, top to
# bottom, in book/ (tools/execute_notebooks.py says why not `jupyter execute`).
execute: install
	$(BIN)/python tools/execute_notebooks.py book/*.ipynb

lint: install-dev
	$(BIN)/ruff check nnlib tests benchmarks tools

serve:
	$(BIN)/python -m http.server --directory _build/html 8000

clean:
	rm -rf _build
