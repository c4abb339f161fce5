"""tools/execute_notebooks.py: what `make execute` stores, and its sliced waits."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from queue import Empty

import nbformat
import pytest
from _helpers import REPO
from jupyter_client.channels import AsyncZMQSocketChannel
from nbclient.exceptions import CellExecutionError

sys.path.insert(0, str(REPO / "tools"))
import execute_notebooks


def _fake_waits(monkeypatch, replies):
    """Replace the socket wait: each call takes the next reply (a message, or Empty after
    waiting its timeout); Empty once the replies run out."""
    asked = []

    async def get_msg(self, timeout=None):
        asked.append(timeout)
        reply = replies.pop(0) if replies else Empty
        if reply is Empty:
            await asyncio.sleep(timeout)
            raise Empty
        return reply

    monkeypatch.setattr(AsyncZMQSocketChannel, "get_msg", get_msg)
    return asked


def _channel():
    return execute_notebooks.RecheckingChannel.__new__(execute_notebooks.RecheckingChannel)


def test_a_wait_without_timeout_rechecks_every_slice_until_a_message(monkeypatch):
    monkeypatch.setattr(execute_notebooks, "RECHECK_SECONDS", 0.05)
    asked = _fake_waits(monkeypatch, [Empty, Empty, {"msg_type": "execute_reply"}])
    message = asyncio.run(_channel().get_msg(timeout=None))
    assert message == {"msg_type": "execute_reply"}
    assert asked == [execute_notebooks.RECHECK_SECONDS] * 3


def test_a_wait_with_timeout_still_ends_with_empty(monkeypatch):
    monkeypatch.setattr(execute_notebooks, "RECHECK_SECONDS", 0.05)
    asked = _fake_waits(monkeypatch, [])
    with pytest.raises(Empty):
        asyncio.run(_channel().get_msg(timeout=0.12))
    # slices of 0.05 s, the last one cut to what is left of 0.12 s
    assert 2 <= len(asked) <= 4
    assert all(0 <= t <= 0.05 for t in asked)
    assert asked[-1] < 0.05


def test_a_zero_timeout_polls_once(monkeypatch):
    asked = _fake_waits(monkeypatch, [Empty])
    with pytest.raises(Empty):
        asyncio.run(_channel().get_msg(timeout=0))
    assert asked == [0.0]


def test_the_kernel_manager_hands_out_rechecking_channels():
    client = execute_notebooks.RecheckingKernelManager(kernel_name="python3").client()
    assert isinstance(client, execute_notebooks.RecheckingKernelClient)
    for channel in ("shell", "iopub", "stdin", "control"):
        assert getattr(client, f"{channel}_channel_class") is execute_notebooks.RecheckingChannel


def _child_kernels() -> list[int]:
    """Process ids of kernels started by this process (Linux /proc)."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            cmdline = (stat.parent / "cmdline").read_bytes()
        except OSError:  # the process ended meanwhile
            continue
        if int(fields[1]) == os.getpid() and b"ipykernel" in cmdline:
            children.append(int(stat.parent.name))
    return children


def _notebook(tmp_path: Path, *sources: str) -> Path:
    notebook = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_markdown_cell("# A test notebook")]
        + [nbformat.v4.new_code_cell(source, metadata={"execution": {  # an earlier run's
            "iopub.status.busy": "2026-01-01T00:00:00.000000Z"}}) for source in sources],
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}},
    )
    path = tmp_path / "scratch.ipynb"
    nbformat.write(notebook, path)
    return path


def test_stores_outputs_counts_and_widget_state_in_place(tmp_path):
    (tmp_path / "data.txt").write_text("read from the notebook's own folder")
    path = _notebook(
        tmp_path,
        "print(open('data.txt').read())",
        "import ipywidgets as widgets\nwidgets.IntSlider(value=3, description='k')",
        "6 * 7",
    )
    execute_notebooks.execute_notebook(path, timeout=120)
    if Path("/proc/self/stat").exists():
        assert _child_kernels() == [], "the kernel outlived its notebook"
    notebook = nbformat.read(path, as_version=4)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert [cell.execution_count for cell in code] == [1, 2, 3]
    assert code[0].outputs[0].text == "read from the notebook's own folder\n"
    assert code[2].outputs[0].data["text/plain"] == "42"
    assert not [cell for cell in notebook.cells if "execution" in cell.metadata], "timestamps"
    state = notebook.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    sliders = [model for model in state.values() if model["model_name"] == "IntSliderModel"]
    assert [slider["state"]["value"] for slider in sliders] == [3]


def test_an_error_names_the_cell_and_leaves_the_file_alone(tmp_path):
    path = _notebook(tmp_path, "x = 1", "raise ValueError('expected a positive n, got -1')")
    before = path.read_text()
    with pytest.raises(CellExecutionError, match="expected a positive n, got -1"):
        execute_notebooks.execute_notebook(path, timeout=120)
    assert path.read_text() == before


def test_command_line_rejects_what_is_not_a_notebook(tmp_path, capsys):
    with pytest.raises(SystemExit):
        execute_notebooks.main([str(tmp_path / "missing.ipynb")])
    assert "expected an existing .ipynb file" in capsys.readouterr().err
