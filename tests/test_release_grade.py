"""`course release` and `course grade` on a small course and a fixture set of synthetic submissions."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import nbformat
import pytest

from course_tools import cli
from course_tools.grading import _reason_from, checks_of, grade, grade_notebook, summary
from course_tools.notebooks import build
from course_tools.release import ReleaseError, release, solution_lines, strip_solutions

SOURCE = '''# %% [markdown]
# # A small lecture

# %%
import torch

from course_utils.checks import lecture00 as check

# %% tags=["exercise"]
def numerical_gradient(f, x, h=1e-5):
    """Central differences."""
    ### BEGIN SOLUTION
    steps = torch.eye(len(x), dtype=x.dtype) * h
    return torch.stack([(f(x + step) - f(x - step)) / (2 * h) for step in steps])
    ### END SOLUTION


# %% tags=["check"]
check.numerical_gradient(numerical_gradient)

# %%
after_the_exercise = 41 + 1
print(after_the_exercise)

# %% tags=["exercise"]
def standardize_columns(X):
    ### BEGIN SOLUTION
    centred = X - X.mean(dim=0)
    return centred / X.std(dim=0, unbiased=False)
    ### END SOLUTION


# %% tags=["check"] points=2
check.standardize_columns(standardize_columns)

# %% [markdown] tags=["exercise"]
# Why does the central difference beat the one-sided one?
#
# ### BEGIN SOLUTION
# Its error shrinks like h squared.
# ### END SOLUTION
'''


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    root = tmp_path_factory.mktemp("course")
    (root / "notebooks").mkdir()
    source = root / "notebooks" / "01_small.py"
    source.write_text(SOURCE)
    return source


def _solved(course: Path):
    return build(course)


def _released(course: Path, tmp: Path):
    return nbformat.read(release([course], tmp)[0], as_version=4)


# --------------------------------------------------------------------------- release
def test_release_replaces_code_solutions_with_a_prompt(course, tmp_path):
    cell = _released(course, tmp_path).cells[2]
    assert "    # YOUR CODE HERE\n    raise NotImplementedError" in cell.source
    assert '"""Central differences."""' in cell.source and "steps" not in cell.source


def test_release_replaces_markdown_answers_with_a_prompt(course, tmp_path):
    cell = _released(course, tmp_path).cells[-1]
    assert "*YOUR ANSWER HERE*" in cell.source and "h squared" not in cell.source


def test_release_keeps_everything_else(course, tmp_path):
    solved, released = _solved(course), _released(course, tmp_path)
    assert len(solved.cells) == len(released.cells)
    for a, b in zip(solved.cells, released.cells):
        assert a.metadata == b.metadata and a.id == b.id
        if "exercise" not in a.metadata.get("tags", []):
            assert a.source == b.source


def test_release_clears_outputs(course, tmp_path):
    for cell in _released(course, tmp_path).cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None


def test_release_leaks_no_solution_line(course, tmp_path):
    text = json.dumps(_released(course, tmp_path).cells)
    lines = [line.strip() for cell in _solved(course).cells for line in solution_lines(cell.source)]
    assert lines and all(line not in text for line in lines if line)


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("### BEGIN SOLUTION\nx = 1\n", "line 1: '### BEGIN SOLUTION' is never closed"),
        ("x = 1\n### END SOLUTION\n", "line 2: '### END SOLUTION' without"),
        ("### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION\n", "line 2: nested"),
    ],
)
def test_strip_solutions_names_the_line_of_a_bad_marker(source, message):
    with pytest.raises(ReleaseError, match=message):
        strip_solutions(source, "code", "nb: cell 3")


def test_release_refuses_markers_outside_an_exercise_and_writes_nothing(course, tmp_path):
    bad = course.parent / "02_bad.py"
    bad.write_text("# %%\nx = 1\n\n# %%\ny = 2\n### BEGIN SOLUTION\ny = 3\n### END SOLUTION\n")
    try:
        with pytest.raises(
            ReleaseError, match=r"02_bad.py: cell 1 \(id 02-001\), line 2: .*not tagged 'exercise'"
        ):
            release([course, bad], tmp_path / "out")
        assert not (tmp_path / "out").exists()
    finally:
        bad.unlink()


def test_cli_release_writes_to_the_folder_given(course, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(course.parent.parent)
    (course.parent.parent / "pyproject.toml").write_text("[project]\n")
    assert cli.main(["release", "--out", str(tmp_path / "rel")]) == 0
    assert (tmp_path / "rel" / "01_small.ipynb").exists()
    assert "released" in capsys.readouterr().out


# --------------------------------------------------------------------------- grading fixtures
def _edit(notebook, index: int, source: str):
    notebook.cells[index].source = source
    return notebook


def _submissions(course: Path, root: Path) -> Path:
    """One folder per student, each a case the grader must handle."""
    solved = _solved(course)
    released = nbformat.read(release([course], root / "release")[0], as_version=4)
    cases = {
        "perfect": solved,
        "empty": released,
        "syntax": _edit(_solved(course), 2, "def numerical_gradient(f, x, h=1e-5)\n    return 0"),
        "exception": _edit(
            _solved(course), 2, "def numerical_gradient(f, x, h=1e-5):\n    return 1 / 0"
        ),
        "loop": _edit(_solved(course), 2, "while True:\n    pass"),
        "crash": _edit(_solved(course), 2, "import os\nos._exit(1)"),
        "edited": _edit(_solved(course), 3, "print('I pass')"),
        "cheat": _edit(
            _solved(course),
            2,
            "def numerical_gradient(f, x, h=1e-5):\n    return 0.0\n"
            "check.numerical_gradient = lambda fn: print('✓ passed')",
        ),
    }
    deleted = _solved(course)
    deleted.cells = [c for c in deleted.cells if c.id != "01-006"]  # the standardize check
    cases["deleted"] = deleted
    reordered = _solved(course)
    extra = nbformat.v4.new_code_cell("scratch = 'my own cell'", id="mine-1")
    reordered.cells = reordered.cells[:1] + [extra] + reordered.cells[1:]
    reordered.cells[4], reordered.cells[5] = (
        reordered.cells[5],
        reordered.cells[4],
    )  # swap two non-check cells
    cases["reordered"] = reordered
    subs = root / "subs"
    for student, notebook in cases.items():
        (subs / student).mkdir(parents=True)
        nbformat.write(notebook, subs / student / "01_small.ipynb")
    (subs / "unreadable").mkdir()
    (subs / "unreadable" / "01_small.ipynb").write_text("{ this is not json")
    (subs / "missing").mkdir()
    return subs


@pytest.fixture(scope="module")
def graded(course, tmp_path_factory):
    root = tmp_path_factory.mktemp("grading")
    subs = _submissions(course, root)
    out = root / "grades.csv"
    rows = grade(
        subs,
        [course],
        out,
        cell_timeout=30,
        notebook_timeout=300,
        junit_dir=root / "junit",
        progress=lambda line: None,
    )
    by_student = {}
    for row in rows:
        by_student.setdefault(row.student, {})[row.check] = row
    return by_student, out, root


def test_checks_are_read_from_the_instructor_notebook_with_points(course):
    checks = checks_of(_solved(course))
    assert [(c.name, c.points, c.module) for c in checks] == [
        ("numerical_gradient", 1.0, "lecture00"),
        ("standardize_columns", 2.0, "lecture00"),
    ]


def test_perfect_submission_gets_full_marks(graded):
    rows = graded[0]["perfect"]
    assert {r.status for r in rows.values()} == {"passed"}
    assert sum(r.points for r in rows.values()) == 3


def test_empty_submission_scores_zero_with_the_reason(graded):
    rows = graded[0]["empty"]
    assert sum(r.points for r in rows.values()) == 0
    assert all(r.status == "failed" and "not written yet" in r.reason for r in rows.values())


def test_syntax_error_fails_that_check_only(graded):
    rows = graded[0]["syntax"]
    assert (
        rows["numerical_gradient"].status == "error"
        and "NameError" in rows["numerical_gradient"].reason
    )
    assert rows["standardize_columns"].status == "passed"


def test_exception_is_reported_as_a_failed_check(graded):
    row = graded[0]["exception"]["numerical_gradient"]
    assert row.points == 0 and "ZeroDivisionError" in row.reason


def test_infinite_loop_times_out_and_grading_goes_on(graded):
    rows = graded[0]["loop"]
    assert (rows["numerical_gradient"].status, rows["numerical_gradient"].points) == (
        "timeout",
        0,
    )
    assert (
        rows["standardize_columns"].status == "passed"
    )  # the kernel was interrupted; the rest ran


def test_crashed_kernel_is_recorded(graded):
    rows = graded[0]["crash"]
    assert {r.points for r in rows.values()} == {0}
    assert {r.status for r in rows.values()} == {"crashed"}


def test_edited_check_scores_zero_as_edited(graded):
    row = graded[0]["edited"]["numerical_gradient"]
    assert (row.status, row.points) == ("edited", 0)
    assert graded[0]["edited"]["standardize_columns"].status == "passed"


def test_deleted_check_scores_zero_as_deleted(graded):
    row = graded[0]["deleted"]["standardize_columns"]
    assert (row.status, row.points) == ("deleted", 0)


def test_added_and_reordered_cells_do_not_matter(graded):
    assert {r.status for r in graded[0]["reordered"].values()} == {"passed"}


def test_redefining_a_check_in_the_notebook_gains_nothing(graded):
    row = graded[0]["cheat"]["numerical_gradient"]
    assert (row.status, row.points) == ("failed", 0)


def test_unreadable_and_missing_notebooks_are_recorded(graded):
    assert {r.status for r in graded[0]["unreadable"].values()} == {"unreadable"}
    assert {r.status for r in graded[0]["missing"].values()} == {"missing"}


def test_grades_csv_has_one_row_per_student_and_check(graded):
    _, out, _ = graded
    with out.open() as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["student", "notebook", "check", "points", "max", "status", "reason"]
    assert len(rows) == 12 * 2


def test_junit_xml_is_kept_per_student(graded):
    _, _, root = graded
    assert (root / "junit" / "perfect" / "01_small.xml").exists()


def test_grading_resumes_without_regrading(graded, course):
    by_student, out, root = graded
    before = out.read_text()
    rows = grade(
        root / "subs", [course], out, progress=lambda line: pytest.fail(f"regraded: {line}")
    )
    assert out.read_text() == before and len(rows) == 24


def test_summary_shows_totals_and_problems(graded):
    rows = [r for student in graded[0].values() for r in student.values()]
    text = summary(rows)
    assert "perfect" in text and "3/3" in text and "unreadable" in text


def test_grade_needs_student_folders(tmp_path, course):
    from course_tools.errors import ToolError

    with pytest.raises(ToolError, match="no student folders"):
        grade(tmp_path, [course], tmp_path / "g.csv")
    with pytest.raises(ToolError, match="is not a folder"):
        grade(tmp_path / "nope", [course], tmp_path / "g.csv")


def test_grade_notebook_with_a_notebook_timeout(course, tmp_path):
    notebook = _edit(_solved(course), 4, "import time\ntime.sleep(60)")
    path = tmp_path / "01_small.ipynb"
    nbformat.write(notebook, path)
    rows = grade_notebook(
        "slow", path, checks_of(_solved(course)), cell_timeout=100, notebook_timeout=8
    )
    assert {(r.status, r.points) for r in rows} == {("timeout", 0)}


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("Timeout of 5 seconds exceeded executing cell", "timeout"),
        ("RuntimeError: Kernel dead on test start", "crashed"),
        ("Timeout of 30 seconds exceeded. Failed to interrupt kernel in 5 seconds", "crashed"),
        ("\x1b[31mAssertionError\x1b[39m: wrong", "failed"),
        ("NameError: name 'f' is not defined", "error"),
    ],
)
def test_failure_texts_map_to_statuses(text, status):
    assert _reason_from(text)[0] == status


def test_cli_grade_prints_a_summary(graded, course, tmp_path, monkeypatch, capsys):
    _, out, root = graded
    monkeypatch.chdir(course.parent.parent)
    (course.parent.parent / "pyproject.toml").write_text("[project]\n")
    copy = tmp_path / "g.csv"
    copy.write_text(out.read_text())
    assert cli.main(["grade", str(root / "subs"), "--out", str(copy)]) == 0
    assert "grades written to" in capsys.readouterr().out


# --------------------------------------------------------------------------- the real lectures
LECTURES = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("[0-9][0-9]_*.py"))


@pytest.mark.parametrize("source", LECTURES, ids=lambda path: path.stem)
def test_lecture_releases_without_solutions_and_otherwise_unchanged(source):
    from course_tools.release import student_notebook

    instructor = build(source)
    student = student_notebook(instructor, source.name)
    assert len(student.cells) == len(instructor.cells)
    exercises = 0
    for mine, theirs in zip(instructor.cells, student.cells):
        secret = [line.strip() for line in solution_lines(mine.source) if line.strip()]
        if secret:
            exercises += 1
            assert "exercise" in mine.metadata.get("tags", [])
            leaked = [line for line in secret if line in theirs.source]
            assert not leaked, f"{source.stem}: solution lines left in the student version: {leaked}"
            assert "raise NotImplementedError" in theirs.source or theirs.cell_type == "markdown"
        else:
            assert theirs.source == mine.source, f"{source.stem}: a cell without a solution changed"
        assert theirs.metadata == mine.metadata, "tags and slide metadata stay"
    assert exercises >= 2, f"{source.stem} has {exercises} exercises"
