# The two commands of the README:
#   make book   install what the book needs into .venv, then build _build/html
#   make test   install the test tools too, then run every test
#   make pdf    the whole book as one PDF, _build/latex/book.pdf (needs TeX Live, README "The PDF")
# Both work on a fresh machine with Python 3.11 and the package index.

PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: book pdf test test-fast install install-dev node execute lint format serve clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Stamps: reinstall only when a requirements file (or nnlib's metadata) changes.
NEWS_SETTINGS := .jupyter/lab/user-settings/@jupyterlab/apputils-extension/notification.jupyterlab-settings
$(VENV)/.installed: $(BIN)/python requirements.txt constraints.txt pyproject.toml .jupyter/jupyter_server_config.json $(NEWS_SETTINGS)
	$(BIN)/python -m pip install --quiet -r requirements.txt
	# the server reads jupyter_server_config.json from each config directory; files in
	# jupyter_server_config.d/ only enable extensions, so hide_globs must not go there
	mkdir -p $(VENV)/etc/jupyter
	cp .jupyter/jupyter_server_config.json $(VENV)/etc/jupyter/jupyter_server_config.json
	# JupyterLab asks every new reader whether to fetch Jupyter news: answer "never" for
	# them (Binder reads the same setting from the repository's .jupyter/lab/user-settings)
	mkdir -p $(VENV)/share/jupyter/lab/settings
	$(BIN)/python -c 'import json, sys; print(json.dumps({"@jupyterlab/apputils-extension:notification": json.load(open(sys.argv[1]))}, indent=2))' \
	  $(NEWS_SETTINGS) > $(VENV)/share/jupyter/lab/settings/overrides.json
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

# The Node tools (package.json, pinned by package-lock.json): MathJax to typeset
# the math at build time, axe-core for tests/book/test_accessibility.py, Lighthouse for
# benchmarks/lighthouse.py. Without npm the book still builds (its math is then
# typeset in the reader's browser) and the accessibility tests skip.
node_modules/.installed: package.json package-lock.json
	@if command -v npm >/dev/null; then \
	  npm ci --no-audit --no-fund --loglevel=error && touch $@; \
	else echo "npm not found: the math is typeset in the browser (README, Node)"; fi

node: node_modules/.installed

# The HTML book, from the committed (nbval-verified) notebook outputs. --all: a
# full rebuild, so that -W sees the warnings of unchanged pages too.
book: install node
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
# (nbval), the notebook checks, and the -W -n --keep-going book build (tests/book/test_book.py).
test: install-dev node
	$(BIN)/ruff check nnlib nnbook tests benchmarks tools book
	$(BIN)/ruff format --check book
	$(BIN)/python -m pytest --durations=15

# The fast loop (~30 s): the library's and the exercise checkers' tests and nnlib's
# doctests; no notebook is executed and the book is not built.
FAST_TESTS = tests/nnlib tests/exercises
test-fast: install-dev
	$(BIN)/python -m pytest -q $(FAST_TESTS) nnlib

# Refresh every notebook's stored outputs and widget state: a fresh kernel each, top to
# bottom, in book/ (tools/execute_notebooks.py says why not `jupyter execute`).
execute: install
	$(BIN)/python tools/execute_notebooks.py book/*.ipynb

lint: install-dev
	$(BIN)/ruff check nnlib nnbook tests benchmarks tools book
	$(BIN)/ruff format --check book
	$(BIN)/mypy nnlib

# The notebooks' code in the book's style: ruff format at 78 columns (book/ruff.toml),
# then ruff's safe fixes. Re-run `make execute` if a fix changed what a cell prints.
format: install-dev
	$(BIN)/ruff format book
	$(BIN)/ruff check --fix book

serve:
	$(BIN)/python -m http.server --directory _build/html 8000

clean:
	rm -rf _build
