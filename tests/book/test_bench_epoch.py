"""benchmarks/bench_epoch.py still runs and prints what benchmarks/README.md describes.

Timings are not checked (they depend on the machine); a tiny problem size keeps
this to a few seconds.
"""

from __future__ import annotations

import re
import subprocess
import sys

from _helpers import REPO

SCRIPT = REPO / "benchmarks" / "bench_epoch.py"


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), *args], cwd=REPO,
                          capture_output=True, text=True, timeout=600)


def test_small_run_prints_ratios_paired_estimate_and_stages():
    result = _run("--n", "640", "--repeats", "1", "--paired", "1", "--stages", "1",
                  "--skip", "scikit", "torch", "naive", "adam")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    rows = dict(re.findall(r"^(bare products|nnlib|nnlib momentum|nnlib float32)\s+"
                           r"[\d.]+\s+[\d.]+\s+([\d.]+)$", out, flags=re.M))
    assert rows.keys() == {"bare products", "nnlib", "nnlib momentum", "nnlib float32"}
    assert float(rows["bare products"]) == 1.0
    for name in ("naive NumPy", "scikit-learn", "PyTorch", "nnlib Adam"):
        assert f"skipped: {name}" in out
    assert re.search(r"paired per-minibatch estimate .* nnlib [\d.]+ s \(ratio [\d.]+\)", out)
    stages = re.search(r"^stages of an nnlib SGD minibatch.*$", out, flags=re.M).group(0)
    for stage in ("bare products", "gather", "forward", "loss + accuracy", "backward", "update"):
        assert re.search(rf"{re.escape(stage)} [\d.]+", stages), stage


def test_skip_names_an_unknown_row():
    result = _run("--n", "256", "--skip", "tensorflow")
    assert result.returncode == 2
    assert "--skip: expected parts of row names" in result.stderr
    assert "'tensorflow'" in result.stderr
