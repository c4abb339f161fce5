"""Execute notebooks in place: a fresh kernel each, top to bottom, in the notebook's folder.

Usage (``make execute`` runs it on every chapter)::

    python tools/execute_notebooks.py book/05_backpropagation.ipynb [more.ipynb ...]

This stores what ``jupyter execute --inplace`` stores (outputs, execution counts
and the widget state the HTML book needs) with the same library, nbclient, but
without per-cell timestamps (``metadata.execution``: they change on every run
and would bury a real change in the diff) and without the stall that
``jupyter execute`` shows here.

The stall: now and then (between one run in five and one in twenty of
``01_prerequisites.ipynb`` on this project's machine, more often under load,
always right after a ``widgets.interact`` cell) the kernel has replied, the
reply is waiting in the client's ZMQ socket, and the asyncio client is never
woken up for it. ``jupyter execute`` has no cell timeout by default, so it
waits forever; with a timeout of T seconds it carries on after T seconds,
because pyzmq polls the socket once more when a wait times out and then finds
the reply. Nothing is wrong with the notebook or the kernel (nbval's blocking
client never stalls on the same notebooks). The channels below wait in slices
of ``RECHECK_SECONDS`` instead of one long wait, so a reply that was missed is
picked up within that slice; ``timeout`` still bounds each cell.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from queue import Empty

import nbformat
from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.channels import AsyncZMQSocketChannel
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient
from traitlets import Type, default

RECHECK_SECONDS = 1.0


class RecheckingChannel(AsyncZMQSocketChannel):
    """A channel whose waits end every ``RECHECK_SECONDS`` with a real poll of the socket."""

    async def get_msg(self, timeout: float | None = None) -> dict:
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
            wait = RECHECK_SECONDS if remaining is None else min(RECHECK_SECONDS, remaining)
            try:
                return await super().get_msg(timeout=wait)
            except Empty:
                if remaining is not None and remaining <= RECHECK_SECONDS:
                    raise


class RecheckingKernelClient(AsyncKernelClient):
    """nbclient's asyncio kernel client with `RecheckingChannel` for every ZMQ channel."""

    shell_channel_class = Type(RecheckingChannel)
    iopub_channel_class = Type(RecheckingChannel)
    stdin_channel_class = Type(RecheckingChannel)
    control_channel_class = Type(RecheckingChannel)


class RecheckingKernelManager(AsyncKernelManager):
    """nbclient's kernel manager, handing out `RecheckingKernelClient` clients."""

    @default("client_factory")
    def _client_factory_default(self) -> type:
        return RecheckingKernelClient


def execute_notebook(path: Path, timeout: int) -> None:
    """Run the notebook at ``path`` in a fresh kernel and write it back with its outputs.

    Raises nbclient's ``CellExecutionError`` (naming the cell) if a cell raises,
    unless the cell is tagged ``raises-exception``, and ``CellTimeoutError`` if a
    cell runs longer than ``timeout`` seconds.
    """
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        cell.metadata.pop("execution", None)  # timestamps of an earlier run
    client = NotebookClient(
        notebook,
        kernel_manager_class=RecheckingKernelManager,  # the client starts and stops the kernel
        timeout=timeout,
        record_timing=False,
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()
    nbformat.write(notebook, path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", type=Path, help="notebooks to execute in place")
    parser.add_argument("--timeout", type=int, default=600,
                        help="seconds one cell may run before the run fails (default 600)")
    args = parser.parse_args(argv)
    for path in args.notebooks:
        if path.suffix != ".ipynb" or not path.is_file():
            parser.error(f"expected an existing .ipynb file, got {str(path)!r}")
    for path in args.notebooks:
        start = time.perf_counter()
        execute_notebook(path, args.timeout)
        print(f"executed {path} in {time.perf_counter() - start:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
