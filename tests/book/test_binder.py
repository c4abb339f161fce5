"""A Binder-equivalent run: requirements.txt alone must be enough for every chapter.

This does what repo2docker does with this repository: a fresh virtual
environment on Python 3.11, ``pip install -r requirements.txt`` from a copy of
the repository root and nothing else, then every notebook executed with
``book/`` as its working directory. It fails if a notebook needs a package that
only the test environment (requirements-dev.txt) has.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import venv
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import pytest
from _helpers import REPO, chapter_notebooks

pytestmark = pytest.mark.slow

COPY_IGNORE = shutil.ignore_patterns(".venv", "_build", ".git", "artifacts", "*.egg-info",
                                     "__pycache__", ".pytest_cache", ".ipynb_checkpoints")


@pytest.fixture(scope="module")
def binder_env(tmp_path_factory) -> tuple[Path, Path]:
    if sys.version_info[:2] != (3, 11):
        pytest.skip(f"runtime.txt asks for Python 3.11; this is {sys.version.split()[0]}")
    root = tmp_path_factory.mktemp("binder")
    repo = root / "repo"
    shutil.copytree(REPO, repo, ignore=COPY_IGNORE)
    env = root / "env"
    venv.create(env, with_pip=True, system_site_packages=False)
    python = env / "bin" / "python"
    result = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "-r", "requirements.txt"],
        cwd=repo, capture_output=True, text=True, timeout=1800,
    )
    assert result.returncode == 0, (
        f"pip install -r requirements.txt failed:\n{result.stderr[-4000:]}")
    return repo, env


def test_constraints_lock_exactly_what_requirements_install(binder_env):
    """constraints.txt pins every package requirements.txt brings in, and nothing else."""
    _, env = binder_env
    frozen = subprocess.run(
        [str(env / "bin" / "python"), "-m", "pip", "freeze", "--exclude-editable",
         "--disable-pip-version-check"],
        capture_output=True, text=True, check=True).stdout.splitlines()
    installed = {line for line in frozen if line and not line.startswith("nnlib")}
    locked = {line for line in (REPO / "constraints.txt").read_text().splitlines()
              if line and not line.startswith("#")}
    assert installed == locked, (
        "constraints.txt is out of date with requirements.txt; run tools/lock_requirements.sh\n"
        f"installed, not locked: {sorted(installed - locked)}\n"
        f"locked, not installed: {sorted(locked - installed)}")


def test_requirements_alone_run_every_notebook(binder_env):
    repo, env = binder_env
    dev_only = subprocess.run([str(env / "bin" / "python"), "-c",
                               "import importlib.util as u; "
                               "print([m for m in ('torch', 'hypothesis', 'selenium')"
                               " if u.find_spec(m)])"],
                              capture_output=True, text=True, check=True).stdout.strip()
    assert dev_only == "[]", f"dev-only packages leaked into requirements.txt: {dev_only}"
    notebooks = sorted((repo / "book").glob("*.ipynb"))
    assert len(notebooks) > len(chapter_notebooks()), "the copy misses notebooks"
    # nbval (pinned in requirements.txt) runs each notebook top to bottom in a fresh kernel
    # with book/ as its working directory; --nbval-lax fails on errors, not on changed outputs
    # (the main test run compares those). Not `jupyter execute`: its asyncio client can miss
    # a kernel's reply and, with no cell timeout, wait forever (see tools/execute_notebooks.py).
    report = repo / "binder-report.xml"
    result = subprocess.run(
        [str(env / "bin" / "python"), "-m", "pytest", "-o", "addopts=", "-p", "no:cacheprovider",
         "--nbval-lax", "--nbval-current-env", "--nbval-cell-timeout=600", "-q",
         f"--junitxml={report}", *[str(notebook.relative_to(repo)) for notebook in notebooks]],
        cwd=repo, capture_output=True, text=True, timeout=3600,
    )
    assert result.returncode == 0, (
        "notebooks that fail with requirements.txt alone:\n" + result.stdout[-6000:])
    cells_run = Counter(case.get("classname") for case in ET.parse(report).iter("testcase"))
    not_run = [notebook.name for notebook in notebooks
               if not cells_run[f"book.{notebook.name}"]]
    assert not not_run, f"nbval collected no cells from {not_run}: {dict(cells_run)}"
