"""Building and executing the notebooks: ``NN_name.py`` (the source) → executed ``NN_name.ipynb``.

Each lecture is a jupytext pair. The ``.py`` file (py:percent format) is the one
to edit; the ``.ipynb`` is built from it and executed, so GitHub and Colab show
the outputs. Execution records no timings and no progress bars (the kernel runs
with ``COURSE_PROGRESS=0``), so a rebuild changes only what really changed.

Instructor tooling: needs the ``dev`` extra (jupytext, nbclient, nbformat).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

from .errors import CourseError

__all__ = ["RunResult", "build", "differences", "execute", "run_notebook"]

KERNEL_ENV = {"COURSE_PROGRESS": "0", "PYDEVD_DISABLE_FILE_VALIDATION": "1", "TQDM_DISABLE": "1"}
NOTEBOOK_METADATA = {
    "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
    "language_info": {"name": "python"},
}


def _require(module: str):
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        raise CourseError(
            f"{module} is needed for this command; install the tools with: pip install -e '.[dev]'"
        ) from None


def build(source: Path):
    """Read a py:percent source into a notebook with stable cell ids and no outputs."""
    jupytext = _require("jupytext")
    notebook = jupytext.read(source, fmt="py:percent")
    notebook.metadata.pop("jupytext", None)
    notebook.metadata.update(NOTEBOOK_METADATA)
    notebook.metadata["jupytext"] = {"formats": "ipynb,py:percent"}
    notebook.nbformat, notebook.nbformat_minor = 4, 5
    for index, cell in enumerate(notebook.cells):
        cell["id"] = f"{source.stem[:2]}-{index:03d}"
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    return notebook


def execute(notebook, cwd: Path, timeout: int = 600):
    """Run every cell in a fresh kernel of this Python; returns the notebook with outputs."""
    nbclient = _require("nbclient")
    env = {**os.environ, **KERNEL_ENV}
    client = nbclient.NotebookClient(
        notebook,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(cwd)}},
        record_timing=False,
    )
    client.execute(env=env)  # passed on to the kernel manager's start_kernel
    for cell in notebook.cells:
        cell.metadata.pop("execution", None)
    notebook.metadata.pop("widgets", None)
    return notebook


@dataclass
class RunResult:
    notebook: str
    seconds: float
    ok: bool
    error: str = ""


def run_notebook(source: Path, timeout: int = 600) -> RunResult:
    """Build ``source`` (a ``.py``), execute it and write the ``.ipynb`` beside it.

    On failure the notebook is still written, with outputs up to the failing
    cell, so the error can be read where it happened.
    """
    nbformat = _require("nbformat")
    nbclient = _require("nbclient")
    notebook = build(source)
    target = source.with_suffix(".ipynb")
    start = time.perf_counter()
    error = ""
    try:
        execute(notebook, source.parent, timeout=timeout)
    except nbclient.exceptions.CellExecutionError as exc:
        error = f"{exc.ename}: {exc.evalue}"
    except nbclient.exceptions.CellTimeoutError:
        error = f"a cell ran longer than {timeout} s"
    seconds = time.perf_counter() - start
    nbformat.write(notebook, target)
    return RunResult(source.stem, seconds, not error, error)


def _comparable(notebook) -> list[tuple]:
    cells = []
    for cell in notebook.cells:
        metadata = {
            k: v
            for k, v in cell.metadata.items()
            if k not in {"execution", "collapsed", "scrolled"}
        }
        cells.append((cell.cell_type, cell.source.strip(), metadata))
    return cells


def differences(source: Path) -> list[str]:
    """How the ``.ipynb`` beside ``source`` differs from what ``source`` would build (empty if in sync)."""
    nbformat = _require("nbformat")
    target = source.with_suffix(".ipynb")
    if not target.exists():
        return [f"{target.name} does not exist; build it with: course run {source.stem}"]
    built = _comparable(build(source))
    stored = _comparable(nbformat.read(target, as_version=4))
    problems = []
    if len(built) != len(stored):
        problems.append(f"{source.name} has {len(built)} cells but {target.name} has {len(stored)}")
    for index, (a, b) in enumerate(zip(built, stored)):
        if a != b:
            what = "type" if a[0] != b[0] else "source" if a[1] != b[1] else "metadata"
            problems.append(f"cell {index} differs in {what}")
    return problems
