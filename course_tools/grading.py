"""Grading a class: student code runs sandboxed and returns data; verdicts are decided here.

Layout of a submissions folder: one folder per student, holding that student's
notebooks under the lectures' file names::

    submissions/
        ada/00_tensors_autograd_devices.ipynb
        ada/01_perceptron.ipynb
        grace/00_tensors_autograd_devices.ipynb

For each student's notebook, :func:`grade_notebook`:

1. **assembles** the notebook that runs from the *instructor's* notebook: every
   cell is the instructor's except the student's exercise cells (matched by cell
   id), so code a student adds elsewhere never runs; deleted or edited check
   cells, added cells and a changed kernel are reported;
2. **trims** it to what the exercises need: the imports cell, cells tagged
   ``context`` and the exercise cells, never the lecture's training runs;
3. runs that in a **sandbox** (:mod:`course_tools.sandbox`): the student's functions
   are called on cases drawn here from a seed chosen per grading run, and only
   their answers come back, as JSON;
4. **decides** every verdict here, in the grader's process, which never runs
   student code (:func:`course_utils.checks.decide`), including the scan of each
   exercise cell for the library calls a by-hand exercise forbids;
5. **records** one row per check in the CSV, written only by this process.

Statuses: ``passed``; ``failed`` (a wrong answer, or an exercise not written);
``forbidden-call`` (it used the library function the exercise replaces); ``error``
(the exercise cell itself raised, e.g. a SyntaxError); ``timeout``; ``crashed`` (the
run ended before the check, e.g. ``os._exit`` or a memory limit); ``deleted`` and
``edited`` (the check cell is missing or changed); ``missing`` (no notebook);
``unreadable`` (not a notebook).
"""

from __future__ import annotations

import ast
import csv
import json
import os
import re
import secrets
import shutil
import sys
import zlib
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .config import ANSWER_TAG, CHECK_TAG, CONTEXT_TAG, EXERCISE_TAG, HIDDEN_TAG, KERNEL_ENV
from .errors import ToolError
from .sandbox import Limits, job_folder, require_bwrap
from .sandbox import run as run_sandboxed

__all__ = ["Check", "Lecture", "Row", "checks_of", "grade", "grade_notebook", "summary"]

FIELDS = (
    "student",
    "notebook",
    "check",
    "points",
    "max",
    "status",
    "reason",
    "seed",
    "sandbox",
    "notes",
)


@dataclass
class Check:
    """One graded check: a check cell of the instructor's notebook."""

    cell_id: str
    name: str  #: the exercise, e.g. "conv2d"
    function: str  #: the student's function it is called with
    module: str  #: where the exercise is defined, e.g. "course_utils.checks.lecture05"
    source: str
    points: float
    exercise_cell: str | None = None  #: the exercise cell before it, scanned for forbidden calls
    hidden: bool = False


@dataclass
class Row:
    student: str
    notebook: str
    check: str
    points: float
    max: float
    status: str
    reason: str = ""
    seed: int | str = ""
    sandbox: str = "yes"
    notes: str = ""


@dataclass
class Lecture:
    """An instructor notebook ready for grading: its cells and its checks."""

    stem: str
    notebook: object
    checks: list[Check] = field(default_factory=list)


def _normalise(source: str) -> str:
    return "\n".join(line.rstrip() for line in source.strip().splitlines())


def _tags(cell) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def _aliases(notebook) -> dict[str, str]:
    """Every ``import X as a`` / ``from X import Y as a`` in the notebook: alias → module path."""
    found = {}
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for alias in node.names:
                    found[alias.asname or alias.name] = f"{node.module}.{alias.name}"
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname:
                        found[alias.asname] = alias.name
    return found


def checks_of(notebook, *, hidden: bool = True) -> list[Check]:
    """The graded checks of an instructor notebook, in order (``hidden`` ones too, unless False).

    A check cell calls ``alias.exercise(function)``, where ``alias`` is a checks
    module imported in the notebook. Points come from the cell's ``points``
    metadata (default 1).
    """
    aliases = _aliases(notebook)
    checks, last_exercise = [], None
    for cell in notebook.cells:
        tags = _tags(cell)
        if EXERCISE_TAG in tags:
            last_exercise = cell.get("id")
        if cell.cell_type != "code" or CHECK_TAG not in tags:
            continue
        if HIDDEN_TAG in tags and not hidden:
            continue
        call = next(
            (
                node
                for node in ast.walk(ast.parse(cell.source))
                if isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id in aliases
                and node.args
                and isinstance(node.args[0], ast.Name)
            ),
            None,
        )
        if call is None:
            raise ToolError(
                f"cell {cell.id}: a check cell must call alias.exercise(function), "
                f"with alias a checks module imported in the notebook; got {cell.source!r}"
            )
        points = cell.metadata.get("points", 1)
        if not isinstance(points, (int, float)) or isinstance(points, bool) or points < 0:
            raise ToolError(f"cell {cell.id}: points must be a non-negative number, got {points!r}")
        checks.append(
            Check(
                cell_id=cell.id,
                name=call.func.attr,
                function=call.args[0].id,
                module=aliases[call.func.value.id],
                source=cell.source,
                points=float(points),
                exercise_cell=last_exercise,
                hidden=HIDDEN_TAG in tags,
            )
        )
    return checks


def lecture_of(source: Path, *, hidden: bool = True) -> Lecture:
    """Build the instructor notebook of ``source`` (a ``.py``) and read its checks."""
    from .notebooks import build

    notebook = build(source)
    return Lecture(source.stem, notebook, checks_of(notebook, hidden=hidden))


def written_answers(lecture: Lecture, submission: Path) -> list[tuple[str, str]]:
    """``(question, answer)`` for each open-ended question of the lecture, as the student wrote it.

    The question is the first line of the markdown cell before the instructor's
    ``answer`` cell; the answer is the student's cell with the same id (read as
    data, never run), or a note that it is missing or still blank.
    """
    import nbformat

    try:
        theirs = {c.get("id"): c for c in nbformat.read(submission, as_version=4).cells}
    except Exception:  # a missing or unreadable notebook has no answers to show
        theirs = {}
    found, question = [], ""
    for cell in lecture.notebook.cells:
        if ANSWER_TAG in _tags(cell):
            mine = theirs.get(cell.get("id"))
            text = mine.source.strip() if mine is not None and mine.cell_type == "markdown" else ""
            if not text or text.endswith("*YOUR ANSWER HERE*"):
                text = "*(no answer written)*"
            found.append((question, text))
        elif cell.cell_type == "markdown" and cell.source.strip():
            question = cell.source.strip().splitlines()[0].lstrip("#").strip()
    return found


def _imports_cell(notebook) -> str | None:
    """The cell that imports the lecture's checks: its imports and seeding are context."""
    for cell in notebook.cells:
        if cell.cell_type == "code" and re.search(r"import\s+\w+\s+as\s+check\b", cell.source):
            return cell.get("id")
    return None


def assemble(
    lecture: Lecture, submission
) -> tuple[list[dict], dict[str, tuple[str, str]], list[str]]:
    """The cells to run (instructor's, with the student's exercise cells), problems, notes.

    Returns ``(cells, problems, notes)``: ``cells`` is a list of ``{"id", "source"}``;
    ``problems`` maps a check cell id to ``(status, reason)`` for deleted or edited
    check cells; ``notes`` says what else the submission changed.
    """
    from .release import student_notebook

    theirs = {cell.get("id"): cell for cell in submission.cells}
    released = {
        cell.get("id"): cell for cell in student_notebook(lecture.notebook, lecture.stem).cells
    }
    ours = {cell.get("id") for cell in lecture.notebook.cells}
    imports = _imports_cell(lecture.notebook)
    cells, problems, notes = [], {}, []
    for cell in lecture.notebook.cells:
        cell_id, tags = cell.get("id"), _tags(cell)
        if cell.cell_type != "code":
            continue
        if CHECK_TAG in tags:
            if HIDDEN_TAG in tags:
                continue
            mine = theirs.get(cell_id)
            if mine is None or mine.cell_type != "code":
                problems[cell_id] = ("deleted", f"check cell {cell_id} is missing")
            elif _normalise(mine.source) != _normalise(cell.source):
                problems[cell_id] = ("edited", f"check cell {cell_id} was changed")
        elif EXERCISE_TAG in tags:
            mine = theirs.get(cell_id)
            if mine is None or mine.cell_type != "code":
                notes.append(f"exercise cell {cell_id} is missing")
                mine = released[cell_id]
            cells.append({"id": cell_id, "source": mine.source})
        elif cell_id == imports or CONTEXT_TAG in tags:
            cells.append({"id": cell_id, "source": cell.source})
    added = [cell_id for cell_id in theirs if cell_id not in ours]
    if added:
        notes.append(f"{len(added)} added cell(s) not run")
    kernel = submission.metadata.get("kernelspec", {}).get("name")
    if kernel not in (None, lecture.notebook.metadata.get("kernelspec", {}).get("name")):
        notes.append(f"kernel changed to {kernel!r}; graded with the course's")
    return cells, problems, notes


def check_seed(seed: int, check: Check) -> int:
    """The seed one check's cases are drawn from: the run's seed and the exercise together."""
    return (seed * 1_000_003 + zlib.crc32(f"{check.module}.{check.name}".encode())) % 2**32


@dataclass
class _Prepared:
    """One notebook ready to run: what goes to the sandbox, and what stays here to decide."""

    student: str
    lecture: Lecture
    rows: list[Row] | None = None  #: already decided (missing, unreadable)
    job: dict = field(default_factory=dict)
    problems: dict = field(default_factory=dict)
    notes: str = ""
    exercises: dict = field(default_factory=dict)
    cases: dict = field(default_factory=dict)
    sources: dict = field(default_factory=dict)


def _prepare(student: str, submission: Path, lecture: Lecture, seed: int, flag: str, limit: int):
    import importlib

    import nbformat

    from course_utils.checks import draw

    prepared = _Prepared(student, lecture)

    def rows(status: str, reason: str) -> list[Row]:
        return [
            Row(student, lecture.stem, c.name, 0.0, c.points, status, reason, seed, flag)
            for c in lecture.checks
        ]

    if not submission.is_file():
        prepared.rows = rows("missing", f"no {submission.name} in the student's folder")
        return prepared
    try:
        notebook = nbformat.read(submission, as_version=4)
        nbformat.validate(notebook)
    except Exception as exc:  # noqa: BLE001 - any unreadable file is recorded, not raised
        first = str(exc).splitlines()[0] if str(exc) else ""
        prepared.rows = rows("unreadable", f"{type(exc).__name__}: {first}"[:300])
        return prepared
    cells, prepared.problems, notes = assemble(lecture, notebook)
    prepared.notes = "; ".join(notes)
    prepared.sources = {cell["id"]: cell["source"] for cell in cells}
    prepared.exercises = {
        c.cell_id: getattr(importlib.import_module(c.module), c.name) for c in lecture.checks
    }
    to_run = [c for c in lecture.checks if c.cell_id not in prepared.problems]
    prepared.cases = {
        c.cell_id: draw(prepared.exercises[c.cell_id], check_seed(seed, c)) for c in to_run
    }
    prepared.job = {
        "name": lecture.stem,
        "timeout": limit,
        "cells": cells,
        "checks": [
            {
                "cell_id": c.cell_id,
                "module": c.module,
                "exercise": c.name,
                "function": c.function,
                "cases": prepared.cases[c.cell_id],
            }
            for c in to_run
        ],
    }
    return prepared


def grade_student(
    student: str,
    notebooks: Sequence[tuple[Path, Lecture]],
    *,
    seed: int,
    cell_timeout: int = 60,
    notebook_timeout: int = 600,
    memory_mb: int = Limits.memory_mb,
    sandbox: bool = True,
    hide: Sequence[Path] = (),
) -> list[list[Row]]:
    """Grade several notebooks of one student in one sandbox; one list of rows per notebook.

    The sandbox imports torch and IPython once, then runs each notebook in a fresh
    process forked from it (its own namespace, time limit and result file), so a
    notebook that crashes or patches a library affects no other. Never raises for a
    bad submission.
    """
    from course_utils.checks import decide

    flag = "yes" if sandbox else "no"
    prepared = [
        _prepare(student, path, lecture, seed, flag, notebook_timeout)
        for path, lecture in notebooks
    ]
    jobs = [p.job for p in prepared if p.rows is None]
    results: dict[str, dict] = {}
    outcome = None
    if jobs:
        work = job_folder()
        try:
            (work / "job.json").write_text(
                json.dumps({"cell_timeout": cell_timeout, "notebooks": jobs}), encoding="utf-8"
            )
            env = {
                **{k: v for k, v in os.environ.items() if k in _PASSED_ON},
                **KERNEL_ENV,
                "PYTHONDONTWRITEBYTECODE": "1",
                "OMP_NUM_THREADS": "1",
                "MPLBACKEND": "Agg",
            }
            outcome = run_sandboxed(
                [sys.executable, "-m", "course_tools.runner", "job.json"],
                work,
                Limits(seconds=notebook_timeout * len(jobs) + 30, memory_mb=memory_mb),
                sandbox=sandbox,
                hide=hide,
                env=env,
            )
            for job in jobs:
                try:
                    path = work / job["name"] / "result.json"
                    results[job["name"]] = json.loads(path.read_text(encoding="utf-8"))
                except (OSError, ValueError):
                    results[job["name"]] = {}
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return [
        p.rows
        if p.rows is not None
        else _decide(p, results.get(p.lecture.stem, {}), outcome, seed, flag, decide)
        for p in prepared
    ]


def _decide(prepared: _Prepared, result: dict, outcome, seed: int, flag: str, decide) -> list[Row]:
    """The rows of one notebook, from its run's data; no student code runs here."""
    cell_status = dict(result.get("cells", {})) if isinstance(result, dict) else {}
    answers = dict(result.get("answers", {})) if isinstance(result, dict) else {}
    timed_out = bool(result.get("timed_out")) if isinstance(result, dict) else False
    graded = []
    for check in prepared.lecture.checks:
        status, reason = prepared.problems.get(check.cell_id, (None, ""))
        if status is None:
            status, reason = _verdict(
                check, prepared.exercises[check.cell_id], prepared.cases.get(check.cell_id, "[]"),
                answers.get(check.cell_id), cell_status, prepared.sources,
                timed_out or (outcome is not None and outcome.timed_out), decide,
            )  # fmt: skip
        if check.hidden and status not in {"passed", "timeout", "crashed"}:
            reason = "a hidden check did not pass"
        points = check.points if status == "passed" else 0.0
        graded.append(
            Row(prepared.student, prepared.lecture.stem, check.name, points, check.points, status,
                reason, seed, flag, prepared.notes)
        )  # fmt: skip
    return graded


def grade_notebook(student: str, submission: Path, lecture: Lecture, **options) -> list[Row]:
    """Grade one student's notebook (see :func:`grade_student` for the options)."""
    return grade_student(student, [(submission, lecture)], **options)[0]


#: Environment variables the sandboxed run keeps from the grader's (nothing that names the grader).
_PASSED_ON = {"PATH", "PYTHONPATH", "LANG", "LC_ALL", "VIRTUAL_ENV", "COURSE_DATA", "COURSE_SEED"}


def _verdict(check, exercise, cases, answers, cell_status, sources, timed_out, decide):
    """(status, reason) of one check, from the run's data; no student code runs here."""
    exercise_cell = cell_status.get(check.exercise_cell or "", {})
    if exercise_cell.get("status") == "timeout":
        return "timeout", "the exercise cell ran past the per-cell time limit"
    if exercise_cell.get("status") == "error":
        return "error", f"the exercise cell raised {exercise_cell.get('error', 'an error')}"
    if answers is None:
        if timed_out:
            return "timeout", "the notebook ran past its time limit"
        return "crashed", "the run stopped before this check (the process died or was killed)"
    if "CellTimeout" in answers:
        return "timeout", f"{check.name} ran past the per-cell time limit"
    result = decide(exercise, cases, answers, sources.get(check.exercise_cell or "", ""))
    if result.status == "not-written":
        return "failed", result.message
    return result.status, result.message


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
    memory_mb: int = Limits.memory_mb,
    seed: int | None = None,
    sandbox: bool = True,
    feedback: Path | None = None,
    jobs: int | None = None,
    scheduler: str | None = None,
    progress: Callable[[str], object] = print,
) -> list[Row]:
    """Grade every student folder in ``submissions`` against the instructor notebooks.

    Notebooks are graded ``jobs`` at a time on this machine (default: one per
    core), each in its own sandbox, or, with ``scheduler`` (``tcp://HOST:PORT``),
    as one task each on a Dask cluster whose workers have the same course
    installed. Rows are appended to ``out`` (CSV) by this process as each notebook
    finishes; notebooks already in ``out`` are skipped, so an interrupted run
    resumes. ``seed`` (default: a fresh random one, recorded in every row) draws
    the cases. Returns every row in ``out``.

    Raises
    ------
    ToolError
        For a submissions folder without student folders, or without bubblewrap
        when ``sandbox`` is True and grading runs here.
    """
    if sandbox and scheduler is None:
        require_bwrap()
    if not submissions.is_dir():
        raise ToolError(f"{submissions} is not a folder; it should hold one folder per student")
    students = sorted(p for p in submissions.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not students:
        raise ToolError(
            f"{submissions} has no student folders (one folder per student, holding their notebooks)"
        )
    seed = secrets.randbelow(2**31) if seed is None else int(seed)
    lectures = [lecture_of(source) for source in instructor_sources]
    done = _done(out)
    tasks = [
        (student, lecture)
        for student in students
        for lecture in lectures
        if (student.name, lecture.stem) not in done and lecture.checks
    ]
    options = {
        "seed": seed,
        "cell_timeout": cell_timeout,
        "notebook_timeout": notebook_timeout,
        "memory_mb": memory_mb,
        "sandbox": sandbox,
    }
    if scheduler is not None:
        results = _on_dask(scheduler, tasks, options)
    else:
        hide = [submissions.resolve(), out.resolve()] + ([feedback.resolve()] if feedback else [])
        results = _here(tasks, {**options, "hide": hide}, jobs or os.cpu_count() or 1)
    new_file = not out.exists()
    out.parent.mkdir(parents=True, exist_ok=True)
    checks = {lecture.stem: {c.name: c for c in lecture.checks} for lecture in lectures}
    with out.open("a", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=FIELDS)
        if new_file:
            writer.writeheader()
        for count, rows in enumerate(results, start=1):
            for row in rows:
                writer.writerow(asdict(row))
            handle.flush()
            progress(f"graded {rows[0].student}/{rows[0].notebook}.ipynb ({count}/{len(tasks)})")
            if feedback is not None:
                stem = rows[0].notebook
                lecture = next(lecture for lecture in lectures if lecture.stem == stem)
                answers = written_answers(lecture, submissions / rows[0].student / f"{stem}.ipynb")
                write_feedback(feedback, rows, checks[stem], answers)
    return read_grades(out)


def _here(tasks, options: dict, jobs: int):
    """Grade on this machine, ``jobs`` students at a time, each student's notebooks in one sandbox.

    Yields each notebook's rows as its student is done.
    """
    from concurrent.futures import ThreadPoolExecutor, as_completed

    by_student: dict[Path, list] = {}
    for student, lecture in tasks:
        by_student.setdefault(student, []).append((student / f"{lecture.stem}.ipynb", lecture))
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = [
            pool.submit(grade_student, student.name, notebooks, **options)
            for student, notebooks in by_student.items()
        ]
        for future in as_completed(futures):
            yield from future.result()


def grade_task(
    student: str, stem: str, submission: bytes | None, instructor: str, options: dict
) -> list[dict]:
    """One notebook graded on a Dask worker: everything it needs travels as bytes and text.

    ``instructor`` is the instructor notebook as JSON; the worker needs only the same
    installed course (and bubblewrap, unless ``options["sandbox"]`` is False).
    """
    import nbformat

    notebook = nbformat.reads(instructor, as_version=4)
    lecture = Lecture(stem, notebook, checks_of(notebook))
    folder = job_folder()
    try:
        path = folder / "submission" / f"{stem}.ipynb"
        path.parent.mkdir()
        if submission is not None:
            path.write_bytes(submission)
        rows = grade_notebook(student, path, lecture, **options, hide=[path.parent])
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return [asdict(row) for row in rows]


def _on_dask(scheduler: str, tasks, options: dict):
    """One task per (student, notebook) on a Dask cluster; yield each notebook's rows when done.

    A task whose worker dies is run again by Dask; one that fails is retried once,
    then recorded as crashed with the reason, and grading goes on.
    """
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise ToolError(
            "grading on a cluster needs Dask: pip install 'course-utils[cluster]'"
        ) from None
    import nbformat

    try:
        client = Client(scheduler, timeout="20s")
    except OSError as exc:
        raise ToolError(f"no Dask scheduler answers at {scheduler}: {exc}") from None
    with client:
        lectures = {lecture.stem: lecture for _, lecture in tasks}
        instructors = {
            stem: client.scatter(nbformat.writes(lecture.notebook), broadcast=True)
            for stem, lecture in lectures.items()
        }
        futures = {}
        for student, lecture in tasks:
            path = student / f"{lecture.stem}.ipynb"
            submission = path.read_bytes() if path.is_file() else None
            future = client.submit(
                grade_task, student.name, lecture.stem, submission, instructors[lecture.stem],
                options, pure=False, retries=1,
            )  # fmt: skip
            futures[future] = (student.name, lecture)
        for future in as_completed(list(futures)):
            name, lecture = futures[future]
            try:
                yield [Row(**row) for row in future.result()]
            except Exception as exc:  # noqa: BLE001 - a lost task is recorded, grading goes on
                reason = f"the cluster could not grade it: {type(exc).__name__}: {exc}"[:300]
                flag = "yes" if options["sandbox"] else "no"
                yield [
                    Row(name, lecture.stem, c.name, 0.0, c.points, "crashed", reason,
                        options["seed"], flag)
                    for c in lecture.checks
                ]  # fmt: skip


def write_feedback(
    folder: Path, rows: list[Row], checks: dict[str, Check], answers: list[tuple[str, str]] = ()
) -> Path:
    """One Markdown page for one student's notebook: each check's points, status and message.

    ``answers`` (see :func:`written_answers`) are the student's written answers to
    the open-ended questions, which no check scores: the page shows them for the
    grader to read.
    """
    if not rows:
        raise ToolError("no rows to write feedback from")
    student, notebook = rows[0].student, rows[0].notebook
    page = folder / student / f"{notebook}.md"
    page.parent.mkdir(parents=True, exist_ok=True)
    got, total = sum(r.points for r in rows), sum(r.max for r in rows)
    lines = [
        f"# {notebook}: {got:g} / {total:g} points",
        "",
        "| check | points | result |",
        "|---|---|---|",
    ]
    for row in rows:
        hidden = checks.get(row.check) is not None and checks[row.check].hidden
        message = "" if hidden else row.reason.replace("|", "\\|").replace("\n", " ")
        label = "(hidden check)" if hidden else f"`{row.check}`"
        result = row.status + (f": {message}" if message else "")
        lines.append(f"| {label} | {row.points:g} / {row.max:g} | {result} |")
    if rows[0].notes:
        lines += ["", f"Notes: {rows[0].notes}."]
    if answers:
        lines += ["", "## Written answers (read by the grader; no check scores them)"]
        for question, answer in answers:
            lines += ["", f"**{question}**" if question else "**(question)**", "", answer]
    page.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return page


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
                r.get("seed", ""),
                r.get("sandbox", ""),
                r.get("notes", ""),
            )
            for r in csv.DictReader(handle)
        ]


def summary(rows: list[Row]) -> str:
    """A table of points per student and notebook, each student's total, and what went wrong."""
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
    if any(str(r.sandbox) == "no" for r in rows):
        lines += ["", "UNSANDBOXED: some rows were graded with --no-sandbox (column sandbox = no)"]
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
