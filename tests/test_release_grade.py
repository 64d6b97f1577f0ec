"""`course release` on a small course and on every real lecture (grading: tests/test_grading.py)."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from course_tools import cli
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
            assert {"exercise", "answer"} & set(mine.metadata.get("tags", []))
            leaked = [line for line in secret if line in theirs.source]
            assert not leaked, f"{source.stem}: solution lines left in the student version: {leaked}"
            assert "raise NotImplementedError" in theirs.source or theirs.cell_type == "markdown"
        else:
            assert theirs.source == mine.source, f"{source.stem}: a cell without a solution changed"
        assert theirs.metadata == mine.metadata, "tags and slide metadata stay"
    assert exercises >= 2, f"{source.stem} has {exercises} exercises"
