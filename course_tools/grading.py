"""Grading students' notebooks by running them, with the grader's own checks.

Layout of a submissions folder: one folder per student, holding that student's
notebooks under the lectures' file names::

    submissions/
        ada/00_tensors_autograd_devices.ipynb
        ada/01_perceptron.ipynb
        grace/00_tensors_autograd_devices.ipynb

Each notebook runs with nbval (``pytest --nbval-lax``) in a kernel of its own, in
the grader's environment. The checks that decide the grade are the cells tagged
``check`` in the instructor's notebook, found in the submission by cell id: a
student may add, remove or reorder other cells. A check cell that was deleted or
edited scores zero. Before a check cell runs, the grader re-imports the checks
from its own installation of ``course_utils``, so a notebook that redefines a
check function gains nothing. Points per check come from the instructor's cell
metadata (``points``, default 1).

Instructor tooling: needs the ``dev`` extra.
"""

from __future__ import annotations

import csv
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from dataclasses import asdict, dataclass
from pathlib import Path

from .config import CHECK_TAG, KERNEL_ENV
from .errors import ToolError

__all__ = ["Check", "Row", "checks_of", "grade", "grade_notebook"]

FIELDS = ("student", "notebook", "check", "points", "max", "status", "reason")
_CHECK_IMPORT = re.compile(r"from\s+course_utils\.checks\s+import\s+(lecture\d+)\s+as\s+(\w+)")
_CALL = re.compile(r"\b\w+\.(\w+)\(")
_ANSI = re.compile(r"(?:\x1b|#x1B)\[[0-9;]*m")


@dataclass
class Check:
    """One graded check: the cell of the instructor's notebook that calls it."""

    cell_id: str
    name: str
    source: str
    points: float
    module: str | None = None  # e.g. "lecture00", re-imported before the check runs
    alias: str = "check"


@dataclass
class Row:
    student: str
    notebook: str
    check: str
    points: float
    max: float
    status: str
    reason: str = ""


def _normalise(source: str) -> str:
    return "\n".join(line.rstrip() for line in source.strip().splitlines())


def checks_of(notebook) -> list[Check]:
    """The graded checks of an instructor notebook, in order."""
    module, alias = None, "check"
    for cell in notebook.cells:
        match = _CHECK_IMPORT.search(cell.source) if cell.cell_type == "code" else None
        if match:
            module, alias = match.groups()
            break
    checks = []
    for cell in notebook.cells:
        if cell.cell_type != "code" or CHECK_TAG not in cell.metadata.get("tags", []):
            continue
        call = _CALL.search(cell.source)
        points = cell.metadata.get("points", 1)
        if not isinstance(points, (int, float)) or points < 0:
            raise ToolError(f"cell {cell.id}: points must be a non-negative number, got {points!r}")
        checks.append(
            Check(
                cell.id,
                call.group(1) if call else cell.id,
                cell.source,
                float(points),
                module,
                alias,
            )
        )
    return checks


def _guarded(check: Check) -> str:
    """The check cell as the grader runs it: fresh checks from the grader's installation first."""
    if check.module is None:
        return check.source
    guard = (
        "import importlib as _grader_importlib\n"
        "import course_utils.checks._core as _grader_core\n"
        "_grader_importlib.reload(_grader_core)\n"
        f"{check.alias} = _grader_importlib.reload("
        f"_grader_importlib.import_module('course_utils.checks.{check.module}'))\n"
    )
    return guard + check.source


def _reason_from(text: str) -> tuple[str, str]:
    """(status, one-line reason) from nbval's failure text for a cell."""
    text = _ANSI.sub("", text or "")
    if "Failed to interrupt kernel" in text:
        return "crashed", "the kernel stopped responding (it crashed, or ignored the interrupt)"
    if "Timeout of" in text and "exceeded" in text:
        return "timeout", "the cell ran past the per-cell time limit"
    if "Kernel dead" in text or "Kernel died" in text or "kernel died" in text.lower():
        return "crashed", "the kernel died"
    verdicts = re.findall(r"^✗ (.*)$", text, flags=re.MULTILINE)  # a check's own message
    if verdicts:
        return "failed", verdicts[-1].strip()[:300]
    errors = re.findall(r"^(\w+(?:Error|Exception|Interrupt)\b.*)$", text, flags=re.MULTILINE)
    last = errors[-1].strip() if errors else (text.strip().splitlines() or ["failed"])[-1].strip()
    status = "failed" if last.startswith("AssertionError") else "error"
    return status, last[:300]


def _kill(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):  # pragma: no cover - already gone
        pass
    process.wait()


def grade_notebook(
    student: str,
    submission: Path,
    checks: list[Check],
    *,
    cell_timeout: int = 60,
    notebook_timeout: int = 600,
    junit: Path | None = None,
) -> list[Row]:
    """Run one student's notebook and score each check; never raises for a bad submission."""
    import nbformat

    name = submission.stem

    def rows(status: str, reason: str) -> list[Row]:
        return [Row(student, name, c.name, 0.0, c.points, status, reason) for c in checks]

    if not submission.is_file():
        return rows("missing", f"no {submission.name} in the student's folder")
    try:
        notebook = nbformat.read(submission, as_version=4)
        nbformat.validate(notebook)
    except Exception as exc:  # noqa: BLE001 - any unreadable file is recorded, not raised
        return rows(
            "unreadable",
            f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"[:300],
        )

    by_id = {cell.get("id"): cell for cell in notebook.cells}
    results: dict[str, Row] = {}
    code_index: dict[str, int] = {}
    for check in checks:
        cell = by_id.get(check.cell_id)
        if cell is None or cell.cell_type != "code":
            results[check.cell_id] = Row(
                student,
                name,
                check.name,
                0.0,
                check.points,
                "deleted",
                f"check cell {check.cell_id} is missing",
            )
        elif _normalise(cell.source) != _normalise(check.source):
            results[check.cell_id] = Row(
                student,
                name,
                check.name,
                0.0,
                check.points,
                "edited",
                f"check cell {check.cell_id} was changed",
            )
        else:
            cell.source = _guarded(check)
    for index, cell in enumerate(c for c in notebook.cells if c.cell_type == "code"):
        code_index[cell.get("id")] = index
    to_run = [c for c in checks if c.cell_id not in results]
    if to_run:
        outcome = _run_nbval(notebook, name, cell_timeout, notebook_timeout, junit)
        for check in to_run:
            if isinstance(outcome, tuple):
                status, reason = outcome
            else:
                status, reason = outcome.get(
                    code_index[check.cell_id], ("error", "the cell did not run")
                )
            points = check.points if status == "passed" else 0.0
            results[check.cell_id] = Row(
                student, name, check.name, points, check.points, status, reason
            )
    return [results[c.cell_id] for c in checks]


def _run_nbval(notebook, name: str, cell_timeout: int, notebook_timeout: int, junit: Path | None):
    """Run a prepared notebook under nbval: {code cell index: (status, reason)}, or one (status, reason)."""
    import nbformat

    with tempfile.TemporaryDirectory(prefix="course-grade-") as work:
        path = Path(work) / f"{name}.ipynb"
        nbformat.write(notebook, path)
        report = Path(work) / "junit.xml"
        command = [
            sys.executable,
            "-m",
            "pytest",
            path.name,
            "--nbval-lax",
            "--nbval-current-env",
            f"--nbval-cell-timeout={cell_timeout}",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:cov",
            "-q",
            f"--junitxml={report}",
            "-o",
            "junit_family=xunit2",
            "--rootdir",
            work,
        ]
        env = {**os.environ, **KERNEL_ENV, "PYTHONDONTWRITEBYTECODE": "1", "COURSE_CHECKS_STRICT": "1"}
        process = subprocess.Popen(
            command,
            cwd=work,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            process.wait(timeout=notebook_timeout)
        except subprocess.TimeoutExpired:
            _kill(process)
            return "timeout", f"the notebook ran longer than {notebook_timeout} s"
        if not report.exists():
            return "crashed", f"nbval stopped without a report (exit code {process.returncode})"
        if junit is not None:
            junit.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(report, junit)
        return _parse_junit(report)


def _parse_junit(report: Path) -> dict[int, tuple[str, str]]:
    outcome: dict[int, tuple[str, str]] = {}
    cause: tuple[str, str] | None = (
        None  # the timeout or crash after which nbval expects cells to fail
    )
    for case in ET.parse(report).getroot().iter("testcase"):
        match = re.search(r"Cell (\d+)", case.get("name", ""))
        if not match:
            continue
        problem = case.find("failure")
        if problem is None:
            problem = case.find("error")
        if (
            case.find("skipped") is not None
        ):  # failed after an earlier cell timed out (nbval's xfail)
            if cause is not None and cause[0] == "crashed":
                result = ("crashed", "not run: the kernel had stopped responding")
            else:
                result = (
                    "timeout",
                    "failed after an earlier cell ran past the per-cell time limit",
                )
        elif problem is None:
            result = ("passed", "")
        else:
            result = _reason_from(f"{problem.get('message', '')}\n{problem.text or ''}")
            if result[0] in {"timeout", "crashed"}:
                cause = result
        outcome[int(match.group(1))] = result
    return outcome


def _done(out: Path) -> set[tuple[str, str]]:
    if not out.exists():
        return set()
    with out.open(newline="", encoding="utf-8") as handle:
        return {(row["student"], row["notebook"]) for row in csv.DictReader(handle)}


def grade(
    submissions: Path,
    instructor_sources: list[Path],
    out: Path,
    *,
    cell_timeout: int = 60,
    notebook_timeout: int = 600,
    junit_dir: Path | None = None,
    progress=print,
) -> list[Row]:
    """Grade every student folder in ``submissions`` against the instructor notebooks.

    Rows are appended to ``out`` (CSV) as each notebook is graded; notebooks
    already in ``out`` are skipped, so an interrupted run resumes where it stopped.
    Returns every row in ``out``.
    """
    from .notebooks import build

    if not submissions.is_dir():
        raise ToolError(f"{submissions} is not a folder; it should hold one folder per student")
    students = sorted(p for p in submissions.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not students:
        raise ToolError(
            f"{submissions} has no student folders (one folder per student, holding their notebooks)"
        )
    lectures = [(source.stem, checks_of(build(source))) for source in instructor_sources]
    done = _done(out)
    new_file = not out.exists()
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("a", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=FIELDS)
        if new_file:
            writer.writeheader()
        for student in students:
            for stem, checks in lectures:
                if (student.name, stem) in done or not checks:
                    continue
                progress(f"grading {student.name}/{stem}.ipynb ...")
                junit = junit_dir / student.name / f"{stem}.xml" if junit_dir else None
                rows = grade_notebook(
                    student.name,
                    student / f"{stem}.ipynb",
                    checks,
                    cell_timeout=cell_timeout,
                    notebook_timeout=notebook_timeout,
                    junit=junit,
                )
                for row in rows:
                    writer.writerow(asdict(row))
                handle.flush()
    return read_grades(out)


def read_grades(path: Path) -> list[Row]:
    with path.open(newline="", encoding="utf-8") as handle:
        return [
            Row(
                r["student"],
                r["notebook"],
                r["check"],
                float(r["points"]),
                float(r["max"]),
                r["status"],
                r["reason"],
            )
            for r in csv.DictReader(handle)
        ]


def summary(rows: list[Row]) -> str:
    """A table of points per student and notebook, and each student's total."""
    notebooks = sorted({r.notebook for r in rows})
    students = sorted({r.student for r in rows})
    short = [n[:2] for n in notebooks]
    width = max([len(s) for s in students] + [7])
    lines = [f"{'student':<{width}}  " + "  ".join(f"{s:>9}" for s in short) + f"  {'total':>11}"]
    for student in students:
        cells, got, total = [], 0.0, 0.0
        for notebook in notebooks:
            mine = [r for r in rows if r.student == student and r.notebook == notebook]
            points, maximum = sum(r.points for r in mine), sum(r.max for r in mine)
            got, total = got + points, total + maximum
            cells.append(f"{points:g}/{maximum:g}".rjust(9))
        lines.append(f"{student:<{width}}  " + "  ".join(cells) + f"  {f'{got:g}/{total:g}':>11}")
    problems = [r for r in rows if r.status not in {"passed", "failed"}]
    if problems:
        lines.append("")
        lines.append("not graded normally:")
        seen = set()
        for r in problems:
            key = (r.student, r.notebook, r.status, r.reason)
            if key not in seen:
                seen.add(key)
                lines.append(f"  {r.student}/{r.notebook}: {r.status} - {r.reason}")
    return "\n".join(lines)
