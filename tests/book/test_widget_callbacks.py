"""Every widget still works after a reader's Run All, as in JupyterLab or on Binder.

nbval runs each chapter once, top to bottom, and checks the stored outputs; a
reader then moves the sliders. A later cell that rebinds a name a widget's
function reads (chapter 1 once rebound ``s``, and its rank-k slider raised
``TypeError: 'Symbol' object is not subscriptable`` on every move) passes nbval
and breaks the reader's widget. This test runs each chapter in a fresh kernel,
top to bottom, then appends one cell that calls every live widget's function
the way a moved control does:

* each ``ipywidgets.interactive`` (``interact``) at the lowest, middle and
  highest value of each control, one control at a time, and then each of them
  again as the first draw does, with the values a slider snaps to
  (``FloatSlider`` rounds to its step), repeated three times;
* each ``nnbook.widgets.Explorable`` redraw at its first, middle and last grid
  point (the live observer a kernel reader triggers).

Any exception fails the test with the chapter, the widget and the values.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))

from execute_notebooks import RecheckingKernelManager  # noqa: E402
from nbclient import NotebookClient  # noqa: E402

CHAPTERS = sorted((ROOT / "book").glob("[0-9][0-9]_*.ipynb"))

PROBE = r'''
import json as _json
import traceback as _traceback

import ipywidgets as _widgets
import matplotlib.pyplot as _plt
from ipywidgets.widgets.widget import _instances as _registry


def _probe_values(control):
    """Lowest, middle and highest value of a control, as a moved control sends them."""
    if hasattr(control, "options") and len(control.options):
        options = [o[1] if isinstance(o, tuple) else o for o in control.options]
        return [options[0], options[len(options) // 2], options[-1]]
    if hasattr(control, "min") and hasattr(control, "max"):
        lo, hi = control.min, control.max
        mid = lo + (hi - lo) / 2
        step = getattr(control, "step", None) or 0
        if step:
            mid = lo + round((mid - lo) / step) * step
        if isinstance(control.value, int) and not isinstance(control.value, bool):
            mid = int(round(mid))
        return [lo, mid, hi]
    return [control.value]


_failures, _calls = [], 0
# The live widget registry (``Widget.widgets`` is its deprecated alias, whose
# warning on stderr would interleave with the report line below).
_all = list(_registry.values())
for _w in _all:
    if isinstance(_w, _widgets.interactive):
        _controls = {c._kwarg: c for c in _w.kwargs_widgets if hasattr(c, "_kwarg")}
        _base = {name: c.value for name, c in _controls.items()}
        _trials = [dict(_base) for _ in range(3)]  # first draws, repeated
        for _name, _c in _controls.items():
            for _v in _probe_values(_c):
                _trials.append({**_base, _name: _v})
        for _kwargs in _trials:
            _calls += 1
            try:
                _w.f(**_kwargs)
            except Exception:
                _failures.append(f"interact {getattr(_w.f, '__name__', _w.f)}({_kwargs}): "
                                 + _traceback.format_exc(limit=2)[-600:])
            finally:
                _plt.close("all")
    elif type(_w).__name__ == "Explorable":
        # move each control to its first, middle and last value: the live observer redraws
        for _name, _c in _w.controls.items():
            _start = _c.index
            for _i in sorted({0, len(_c.options) // 2, len(_c.options) - 1}):
                _calls += 1
                try:
                    _c.index = _i
                    if _c.index == _start:
                        _w._redraw()  # no change event when the index stays
                except Exception:
                    _failures.append(f"explorable {_w!r} at {_name}={_c.options[_i]!r}: "
                                     + _traceback.format_exc(limit=2)[-600:])
                finally:
                    _plt.close("all")
            _c.index = _start
print("PROBE-REPORT " + _json.dumps({"calls": _calls, "failures": _failures}))
'''


def _run_with_probe(path: Path) -> dict:
    notebook = nbformat.read(path, as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell(PROBE))
    client = NotebookClient(
        notebook,
        kernel_manager_class=RecheckingKernelManager,
        timeout=600,
        record_timing=False,
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()
    outputs = notebook.cells[-1].outputs
    stdout = "".join(
        o.get("text", "")
        for o in outputs
        if o.output_type == "stream" and o.get("name") == "stdout"
    )
    reports = [
        line.removeprefix("PROBE-REPORT ")
        for line in stdout.splitlines()
        if line.startswith("PROBE-REPORT ")
    ]
    assert reports, f"{path.name}: the probe cell printed no report; its outputs: {outputs}"
    return json.loads(reports[-1])


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_every_widget_callback_works_after_run_all(path):
    report = _run_with_probe(path)
    # every chapter has at least one explorable (tests/book/test_chapter_shape.py): a probe
    # that found no widget would pass while testing nothing
    assert report["calls"] > 0, f"{path.name}: the probe found no live widget to move"
    assert not report["failures"], (
        f"{path.name}: {len(report['failures'])} widget call(s) fail after Run All:\n"
        + "\n".join(report["failures"][:5])
    )
