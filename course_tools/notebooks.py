"""Building and executing the lectures: ``NN_name.py`` (the source) → executed ``NN_name.ipynb``.

Each lecture is a jupytext pair. The ``.py`` file (py:percent format) is the one
to edit; the ``.ipynb`` is built from it and executed, so GitHub and Colab show
the outputs. Execution records no timings and no progress bars (the kernel runs
with :data:`~course_tools.config.KERNEL_ENV`), so a rebuild changes only what
really changed.

Needs the ``dev`` extra (jupytext, nbclient, nbformat).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from .config import require
from .executor import Execution, execute

__all__ = ["RunResult", "build", "differences", "run_notebook"]

NOTEBOOK_METADATA = {
    "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
    "language_info": {"name": "python"},
}


def build(source: Path):
    """Read a py:percent source into a notebook with stable cell ids and no outputs."""
    jupytext = require("jupytext")
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


@dataclass
class RunResult:
    """How ``course run`` went for one lecture."""

    notebook: str
    seconds: float
    ok: bool
    error: str = ""
    execution: Execution | None = None


def run_notebook(
    source: Path, timeout: int = 600, env: dict[str, str] | None = None, write: bool = True
) -> RunResult:
    """Build ``source`` (a ``.py``), execute it and write the ``.ipynb`` beside it.

    On failure the notebook is still written, with outputs up to the failing
    cell, so the error can be read where it happened. ``env`` adds variables to
    the kernel's environment (e.g. ``COURSE_SEED``); with ``write=False`` nothing is
    written (a run on another seed must not replace the committed notebook).
    """
    nbformat = require("nbformat")
    notebook = build(source)
    execution = execute(notebook, source.parent, timeout=timeout, env={**os.environ, **(env or {})})
    failed = execution.failed
    error = f"cell {failed.index}: {failed.error}" if failed else ""
    if write:
        nbformat.write(notebook, source.with_suffix(".ipynb"))
    return RunResult(source.stem, execution.seconds, execution.ok, error, execution)


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
    nbformat = require("nbformat")
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
