"""Every lecture follows the conventions of notebooks/README.md, and every pair is in sync."""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pytest

from course_tools.config import badge_markdown, find_notebooks, install_spec, repository_url
from course_tools.notebooks import differences

ROOT = Path(__file__).resolve().parents[1]
SOURCES = find_notebooks(root=ROOT)
IDS = [p.stem for p in SOURCES]
URL = repository_url(ROOT)


def _notebook(source: Path):
    return nbformat.read(source.with_suffix(".ipynb"), as_version=4)


def test_there_are_lecture_notebooks():
    assert SOURCES, "no notebooks/NN_name.py found"


@pytest.mark.parametrize("source", SOURCES, ids=IDS)
def test_ipynb_is_built_from_its_py_source(source):
    problems = differences(source)
    assert not problems, (
        f"{source.stem}: {'; '.join(problems)} - rebuild with: course run {source.stem[:2]}"
    )


@pytest.mark.parametrize("source", SOURCES, ids=IDS)
def test_notebook_is_committed_executed(source):
    code = [c for c in _notebook(source).cells if c.cell_type == "code" and c.source.strip()]
    assert code and all(c.execution_count is not None for c in code), (
        f"{source.stem}.ipynb has unexecuted cells; run: course run {source.stem[:2]}"
    )


@pytest.mark.parametrize("source", SOURCES, ids=IDS)
def test_outputs_hold_no_progress_bars_or_timings(source):
    notebook = _notebook(source)
    for cell in notebook.cells:
        assert "execution" not in cell.metadata, f"{source.stem}: timing metadata stored"
        for output in cell.get("outputs", []):
            text = json.dumps(output)
            assert "application/vnd.jupyter.widget-view+json" not in text, (
                f"{source.stem}: a widget is stored"
            )
            assert not re.search(r"\d+%\|", text), f"{source.stem}: a progress bar is stored"


@pytest.mark.parametrize("source", SOURCES, ids=IDS)
def test_first_cell_has_the_colab_badge_for_this_repository(source):
    first = _notebook(source).cells[0]
    assert first.cell_type == "markdown"
    assert first.source.splitlines()[0] == badge_markdown(URL, source.with_suffix(".ipynb").name), (
        f"{source.stem}: the badge must point at {URL}; run: course stamp"
    )


@pytest.mark.parametrize("source", SOURCES, ids=IDS)
def test_setup_cell_installs_from_this_repository_only_in_colab(source):
    setup = _notebook(source).cells[1]
    assert setup.cell_type == "code"
    assert 'if "google.colab" in sys.modules:' in setup.source
    assert install_spec(URL) in setup.source, (
        f"{source.stem}: the setup cell must install {install_spec(URL)!r}"
    )


@pytest.mark.parametrize("source", SOURCES, ids=IDS)
def test_imports_cell_seeds_and_picks_the_device(source):
    imports = _notebook(source).cells[2].source
    assert "seed_everything(" in imports and "get_device()" in imports
    assert "import *" not in imports


@pytest.mark.parametrize("source", SOURCES, ids=IDS)
def test_every_exercise_has_markers_and_is_followed_by_a_check(source):
    cells = _notebook(source).cells
    exercises = [i for i, c in enumerate(cells) if "exercise" in c.metadata.get("tags", [])]
    assert exercises, f"{source.stem} has no exercise"
    for i in exercises:
        text = cells[i].source
        assert text.count("### BEGIN SOLUTION") == text.count("### END SOLUTION") >= 1, (
            f"cell {i}: markers"
        )
        following = cells[i + 1] if i + 1 < len(cells) else None
        assert following is not None and "check" in following.metadata.get("tags", []), (
            f"{source.stem}: exercise cell {i} must be followed by a cell tagged 'check'"
        )
        assert "check." in following.source
    for i, cell in enumerate(cells):
        if "### BEGIN SOLUTION" in cell.source:
            assert i in exercises or "answer" in cell.metadata.get("tags", []), (
                f"{source.stem}: cell {i} has solution markers but no 'exercise' or 'answer' tag"
            )


@pytest.mark.parametrize("source", SOURCES, ids=IDS)
def test_every_lecture_ends_with_an_experiment_and_a_written_answer(source):
    cells = _notebook(source).cells
    answers = [i for i, c in enumerate(cells) if "answer" in c.metadata.get("tags", [])]
    assert answers, f"{source.stem} has no open-ended experiment with an 'answer' cell"
    for i in answers:
        assert cells[i].cell_type == "markdown", f"{source.stem}: answer cell {i} must be markdown"
        assert cells[i].source.count("### BEGIN SOLUTION") == cells[i].source.count("### END SOLUTION") == 1


@pytest.mark.parametrize("source", SOURCES, ids=IDS)
def test_exercises_come_after_the_lecture_has_taught_them(source):
    """Exercises and their checks sit together at the end, before the summary, never mid-lecture."""
    cells = _notebook(source).cells
    graded = [i for i, c in enumerate(cells) if {"exercise", "check", "answer"} & set(c.metadata.get("tags", []))]
    first = graded[0]
    headings = [
        i for i, c in enumerate(cells)
        if c.cell_type == "markdown" and c.source.lstrip().startswith("## ") and i < first
    ]
    assert headings and "xercise" in cells[headings[-1]].source, (
        f"{source.stem}: the first exercise (cell {first}) is not under an 'Exercises' heading"
    )
    later_sections = [
        i for i, c in enumerate(cells)
        if i > first and c.cell_type == "markdown" and c.source.lstrip().startswith("## ")
    ]
    assert len(later_sections) <= 1, (
        f"{source.stem}: lecture sections follow the exercises (cells {later_sections}); only the summary may"
    )


@pytest.mark.parametrize("source", SOURCES, ids=IDS)
def test_lecture_makes_a_deck_of_15_to_40_slides(source):
    kinds = [c.metadata.get("slideshow", {}).get("slide_type") for c in _notebook(source).cells]
    slides = sum(kind in {"slide", "subslide"} for kind in kinds)
    assert 15 <= slides <= 40, (
        f"{source.stem} makes {slides} slides; mark sections with slide_type 'slide' or 'subslide'"
    )


@pytest.mark.parametrize("source", SOURCES, ids=IDS)
def test_lecture_ends_with_a_summary(source):
    last = _notebook(source).cells[-1]
    assert last.cell_type == "markdown" and "summary" in last.source.lower()


@pytest.mark.parametrize("source", SOURCES, ids=IDS)
def test_lecture_imports_the_course_only_from_course_utils(source):
    """The teaching API is all a notebook needs; the tooling is for instructors."""
    import ast

    tree = ast.parse(source.read_text(encoding="utf-8"))
    modules = {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    modules |= {
        node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module
    }
    course = {m for m in modules if m.split(".")[0].startswith("course")}
    assert course and all(m.split(".")[0] == "course_utils" for m in course), sorted(course)
