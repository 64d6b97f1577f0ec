"""Student versions of the lectures: solutions between nbgrader's markers replaced, outputs cleared.

``course release`` writes ``release/NN_name.ipynb`` for each lecture. Everything but
the solutions (prose, check cells, slide metadata, the Colab cell) is unchanged.
Instructor tooling: needs the ``dev`` extra.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from .config import ANSWER_TAG, EXERCISE_TAG, HIDDEN_TAG
from .errors import ToolError

__all__ = ["BEGIN", "END", "ReleaseError", "release", "solution_lines", "strip_solutions"]

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
CODE_PROMPT = ("# YOUR CODE HERE", "raise NotImplementedError")
MARKDOWN_PROMPT = "*YOUR ANSWER HERE*"


class ReleaseError(ToolError):
    """The solution markers of a notebook are wrong; the message names the notebook, cell and line."""


def _tags(cell) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def _marker(line: str) -> str | None:
    stripped = line.strip()
    if stripped.startswith(BEGIN):
        return BEGIN
    if stripped.startswith(END):
        return END
    return None


def strip_solutions(source: str, cell_type: str, where: str) -> str:
    """Replace every marked solution in one cell's source with the prompt for students.

    ``where`` names the cell in error messages. Raises :class:`ReleaseError` for
    unbalanced or nested markers.
    """
    out: list[str] = []
    inside_since = None
    for number, line in enumerate(source.splitlines(), start=1):
        marker = _marker(line)
        if marker == BEGIN:
            if inside_since is not None:
                raise ReleaseError(
                    f"{where}, line {number}: nested '{BEGIN}' (the one on line {inside_since} is not closed)"
                )
            inside_since = number
            indent = line[: len(line) - len(line.lstrip())]
            if cell_type == "code":
                out.extend(indent + text for text in CODE_PROMPT)
            else:
                out.append(indent + MARKDOWN_PROMPT)
        elif marker == END:
            if inside_since is None:
                raise ReleaseError(f"{where}, line {number}: '{END}' without a '{BEGIN}' before it")
            inside_since = None
        elif inside_since is None:
            out.append(line)
    if inside_since is not None:
        raise ReleaseError(f"{where}, line {inside_since}: '{BEGIN}' is never closed by '{END}'")
    return "\n".join(out)


def solution_lines(source: str) -> list[str]:
    """The lines between the markers of one cell (without the markers)."""
    lines, inside = [], False
    for line in source.splitlines():
        marker = _marker(line)
        if marker:
            inside = marker == BEGIN
        elif inside:
            lines.append(line)
    return lines


def student_notebook(notebook, name: str):
    """A copy of ``notebook`` for students: solutions replaced, outputs cleared, hidden checks gone.

    Raises ReleaseError.
    """
    import copy

    student = copy.deepcopy(notebook)
    student.metadata.pop("jupytext", None)
    student.cells = [cell for cell in student.cells if HIDDEN_TAG not in _tags(cell)]
    for index, cell in enumerate(student.cells):
        where = f"{name}: cell {index} (id {cell.get('id', '?')})"
        has_marker = any(_marker(line) for line in cell.source.splitlines())
        answer = ANSWER_TAG in _tags(cell)
        if answer and cell.cell_type != "markdown":
            raise ReleaseError(f"{where}: a cell tagged '{ANSWER_TAG}' must be markdown")
        if has_marker and EXERCISE_TAG not in _tags(cell) and not answer:
            line = next(n for n, text in enumerate(cell.source.splitlines(), 1) if _marker(text))
            raise ReleaseError(
                f"{where}, line {line}: solution markers in a cell not tagged "
                f"'{EXERCISE_TAG}' or '{ANSWER_TAG}'"
            )
        if has_marker:
            cell.source = strip_solutions(cell.source, cell.cell_type, where)
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    return student


def release(sources: list[Path], out: Path, home: tuple[str, str] | None = None) -> list[Path]:
    """Write the student version of each notebook source into ``out``; all or nothing.

    With ``home`` (``(repository URL, branch)``, see
    :func:`course_tools.config.student_home`), every Colab badge and the setup cell
    point at the student notebooks there, never at the instructor's. Every notebook
    is built and checked before anything is written, so a marker error leaves
    ``out`` as it was.
    """
    import nbformat

    prepared = [(source, released(source, home)) for source in sources]
    out.mkdir(parents=True, exist_ok=True)
    written = []
    with tempfile.TemporaryDirectory(dir=out) as staging:
        for source, notebook in prepared:
            target = Path(staging) / f"{source.stem}.ipynb"
            nbformat.write(notebook, target)
        for source, _ in prepared:
            final = out / f"{source.stem}.ipynb"
            shutil.move(str(Path(staging) / final.name), final)
            written.append(final)
    return written


def released(source: Path, home: tuple[str, str] | None = None):
    """The student notebook of one lecture source, its links pointing at ``home``."""
    from .notebooks import build
    from .stamping import stamp_text

    notebook = student_notebook(build(source), source.name)
    if home is not None:
        url, branch = home
        for cell in notebook.cells:
            cell.source = stamp_text(cell.source, url, branch)
    return notebook
