"""The one notebook executor: per-cell status from the kernel's replies, as data."""

from __future__ import annotations

import nbformat
import pytest

from course_tools.executor import execute


def notebook(*sources: str, tags: dict[int, list[str]] | None = None):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# a title")]
    for i, source in enumerate(sources):
        cell = nbformat.v4.new_code_cell(source)
        cell["id"] = f"c{i}"
        cell.metadata["tags"] = (tags or {}).get(i, [])
        nb.cells.append(cell)
    return nb


def statuses(result):
    return [cell.status for cell in result.cells]


def test_every_cell_ok(tmp_path):
    nb = notebook("x = 6 * 7", "print(x)", "")
    result = execute(nb, tmp_path)
    assert result.ok and statuses(result) == ["ok", "ok", "ok"]
    assert [c.index for c in result.cells] == [1, 2, 3]  # positions in notebook.cells
    assert nb.cells[2].outputs[0]["text"] == "42\n"
    assert result.seconds >= result.startup_seconds > 0
    assert result.failed is None and not result.kernel_died and not result.timed_out


def test_an_error_stops_the_run_and_names_the_exception(tmp_path):
    result = execute(notebook("1", "raise ValueError('bad input')", "2"), tmp_path)
    assert statuses(result) == ["ok", "error", "not-run"]
    assert not result.ok
    assert result.failed.id == "c1"
    assert result.failed.ename == "ValueError" and result.failed.evalue == "bad input"
    assert result.failed.error == "ValueError: bad input"


def test_status_comes_from_the_reply_not_from_what_the_cell_shows(tmp_path):
    """A cell that hides its traceback from the display still replies with an error."""
    hide = "get_ipython().showtraceback = lambda *a, **k: None"
    result = execute(notebook(hide, "assert False, 'wrong'", "1"), tmp_path, stop_on_error=False)
    assert statuses(result) == ["ok", "error", "ok"]
    assert result.cells[1].ename == "AssertionError"


def test_without_stop_on_error_every_cell_runs(tmp_path):
    result = execute(notebook("1/0", "y = 1", "print(y)"), tmp_path, stop_on_error=False)
    assert statuses(result) == ["error", "ok", "ok"]
    assert result.cells[0].ename == "ZeroDivisionError"


def test_a_cell_tagged_raises_exception_does_not_stop_the_run(tmp_path):
    nb = notebook("raise KeyError('k')", "z = 3", tags={0: ["raises-exception"]})
    result = execute(nb, tmp_path)
    assert statuses(result) == ["error", "ok"]


def test_a_cell_past_its_time_limit_is_a_timeout(tmp_path):
    result = execute(notebook("1", "import time; time.sleep(30)", "2"), tmp_path, timeout=2)
    assert statuses(result) == ["ok", "timeout", "not-run"]
    assert result.timed_out and result.failed.error == "the cell ran past its time limit"
    assert 1.5 < result.cells[1].seconds < 20


def test_a_kernel_that_dies_is_reported_as_dead(tmp_path):
    result = execute(notebook("1", "import os; os._exit(1)", "2"), tmp_path, timeout=30)
    assert statuses(result) == ["ok", "dead", "not-run"]
    assert result.kernel_died and result.failed.error == "the kernel died"


def test_the_kernel_gets_the_course_environment(tmp_path):
    nb = notebook("import os; print(os.environ['COURSE_PROGRESS'], os.environ['EXTRA'])")
    result = execute(nb, tmp_path, env={"EXTRA": "yes", "PATH": __import__("os").environ["PATH"]})
    assert result.ok and nb.cells[1].outputs[0]["text"] == "0 yes\n"


def test_it_runs_in_the_folder_given(tmp_path):
    (tmp_path / "data.txt").write_text("here")
    nb = notebook("print(open('data.txt').read())")
    assert execute(nb, tmp_path).ok
    assert nb.cells[1].outputs[0]["text"] == "here\n"


@pytest.mark.parametrize("record", [False, True])
def test_timing_metadata_is_kept_only_when_asked(tmp_path, record):
    nb = notebook("1")
    execute(nb, tmp_path, record_timing=record)
    assert ("execution" in nb.cells[1].metadata) is record
