"""The one way the tooling executes a notebook: nbclient, with a result per cell as data.

``course run``, the benchmarks and grading all call :func:`execute`. Each code
cell's status comes from the kernel's ``execute_reply`` (never from what the cell
displayed): ``ok``, ``error`` (with the exception's name and message),
``timeout`` (the cell ran past its limit), ``dead`` (the kernel died while it
ran) or ``not-run`` (an earlier cell stopped the run). Wall times are measured
per cell and for the kernel's start.

nbval stays what ``make test`` uses to test the lectures; this module is for the
tools that need the results as data.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .config import KERNEL_ENV, require

__all__ = ["CellResult", "Execution", "execute"]

STATUSES = ("ok", "error", "timeout", "dead", "not-run")


@dataclass
class CellResult:
    """What happened to one code cell.

    Attributes
    ----------
    index : int
        The cell's position in ``notebook.cells`` (markdown cells counted).
    id : str
        The cell's id.
    status : {"ok", "error", "timeout", "dead", "not-run"}
    ename, evalue : str
        The exception's class name and message, for ``error``.
    seconds : float
        Wall time from sending the cell to the kernel's reply.
    """

    index: int
    id: str
    status: str = "not-run"
    ename: str = ""
    evalue: str = ""
    seconds: float = 0.0

    @property
    def error(self) -> str:
        """``"Name: message"`` for a failed cell, else ``""``."""
        if self.status == "error":
            return f"{self.ename}: {self.evalue}" if self.evalue else self.ename
        return {"timeout": "the cell ran past its time limit", "dead": "the kernel died"}.get(
            self.status, ""
        )


@dataclass
class Execution:
    """A notebook's run: one :class:`CellResult` per code cell, in order, and the timings."""

    cells: list[CellResult] = field(default_factory=list)
    seconds: float = 0.0
    startup_seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """Every code cell ran and replied ``ok``."""
        return all(cell.status == "ok" for cell in self.cells)

    @property
    def failed(self) -> CellResult | None:
        """The first cell that did not reply ``ok`` and was run, if any."""
        return next((c for c in self.cells if c.status not in {"ok", "not-run"}), None)

    @property
    def kernel_died(self) -> bool:
        return any(cell.status == "dead" for cell in self.cells)

    @property
    def timed_out(self) -> bool:
        return any(cell.status == "timeout" for cell in self.cells)

    def by_id(self) -> dict[str, CellResult]:
        return {cell.id: cell for cell in self.cells}


def execute(
    notebook,
    cwd: Path | str,
    *,
    timeout: float | None = 600,
    stop_on_error: bool = True,
    env: Mapping[str, str] | None = None,
    kernel_name: str = "python3",
    record_timing: bool = False,
) -> Execution:
    """Run ``notebook``'s code cells in a fresh kernel, in place (outputs are written into it).

    Parameters
    ----------
    notebook : nbformat.NotebookNode
        Changed in place: outputs and execution counts.
    cwd : path
        The kernel's working folder.
    timeout : float or None, default 600
        Seconds one cell may run; ``None`` for no limit.
    stop_on_error : bool, default True
        Stop at the first failing cell (the others are ``not-run``), except cells
        tagged ``raises-exception``; with False every cell runs.
    env : mapping, optional
        The kernel's environment (default: this process's), always with
        :data:`~course_tools.config.KERNEL_ENV` on top.
    record_timing : bool, default False
        Keep nbclient's timing metadata in the cells (the benchmarks use it).

    Returns
    -------
    Execution

    Raises
    ------
    ToolError
        When nbclient is not installed.

    Examples
    --------
    >>> result = execute(notebook, ".")                     # doctest: +SKIP
    >>> result.ok, result.failed and result.failed.error    # doctest: +SKIP
    (False, "AssertionError: expected ≥ 96 % accuracy")
    """
    nbclient = require("nbclient")
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    code = [(i, c) for i, c in enumerate(notebook.cells) if c.cell_type == "code"]
    results = {i: CellResult(i, str(c.get("id", i))) for i, c in code}
    for index, cell in code:
        if not cell.source.strip():
            results[index].status = "ok"
    started: dict[int, float] = {}
    current: list[int] = []

    def on_execute(cell, cell_index, **_):
        current[:] = [cell_index]
        started[cell_index] = time.perf_counter()

    def on_executed(cell, cell_index, execute_reply, **_):
        result = results[cell_index]
        result.seconds = time.perf_counter() - started.get(cell_index, time.perf_counter())
        content = (execute_reply or {}).get("content", {})
        if content.get("status") == "ok":
            result.status = "ok"
        else:
            result.status = "error"
            result.ename = str(content.get("ename", "Error"))
            result.evalue = str(content.get("evalue", ""))

    client = nbclient.NotebookClient(
        notebook,
        timeout=timeout,
        kernel_name=kernel_name,
        resources={"metadata": {"path": str(cwd)}},
        record_timing=record_timing,
        allow_errors=not stop_on_error,
        on_cell_execute=on_execute,
        on_cell_executed=on_executed,
    )
    execution = Execution()
    start = time.perf_counter()
    try:
        # env is passed on to the kernel manager's start_kernel
        client.execute(env={**(env if env is not None else os.environ), **KERNEL_ENV})
    except CellExecutionError:
        pass  # the failing cell's reply is already recorded; later cells stay not-run
    except CellTimeoutError:
        if current:
            results[current[0]].status = "timeout"
            results[current[0]].seconds = time.perf_counter() - started[current[0]]
    except DeadKernelError:
        if current:
            results[current[0]].status = "dead"
    execution.seconds = time.perf_counter() - start
    first = min(started.values(), default=None)
    execution.startup_seconds = (first - start) if first is not None else execution.seconds
    execution.cells = [results[i] for i, _ in code]
    if not record_timing:
        for cell in notebook.cells:
            cell.metadata.pop("execution", None)
    notebook.metadata.pop("widgets", None)
    return execution
