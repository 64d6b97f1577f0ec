"""`course grade` and `course check`: sandboxed runs, verdicts decided outside, hostile submissions.

Every hostile submission below must score 0 for the exercise it attacks (the other
exercise is solved honestly and keeps its points) and leave no trace outside its
sandbox. The tests that need bubblewrap are skipped, with the reason, where it is
missing; `.ci/run` installs it.
"""

from __future__ import annotations

import csv
import os
import socket
import sys
import threading
from pathlib import Path

import nbformat
import pytest
from test_release_grade import SOURCE

import course_utils
from course_tools import cli, sandbox
from course_tools.errors import ToolError
from course_tools.grading import (
    FIELDS,
    Row,
    checks_of,
    grade,
    grade_notebook,
    lecture_of,
    summary,
    write_feedback,
    written_answers,
)
from course_tools.notebooks import build
from course_tools.release import release

needs_bwrap = pytest.mark.skipif(
    sandbox.bwrap_path() is None,
    reason="bubblewrap is not installed (apt-get install bubblewrap); .ci/run installs it",
)

HIDDEN_MODULE = '''
"""Checks students never get: the same exercise on other, larger cases."""
from dataclasses import replace

from course_utils.checks import lecture00

standardize_large = replace(lecture00.standardize_columns, name="standardize_large", seed=99)
'''
HIDDEN_CELL = """

# %% tags=["check", "hidden"]
import hidden_checks as hidden
hidden.standardize_large(standardize_columns)
"""
WRONG = "def numerical_gradient(f, x, h=1e-5):\n    return 0 * x\n"
HOME_FILE = Path.home() / ".ipython" / "profile_default" / "startup" / "99-course-test.py"
INSTALLED_FILE = Path(course_utils.__file__).parent / "checks" / "zz_planted_by_a_student.py"


class Listener:
    """A TCP server on 127.0.0.1 that counts the connections it gets."""

    def __init__(self) -> None:
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.server.listen()
        self.server.settimeout(0.2)
        self.port = self.server.getsockname()[1]
        self.connections = 0
        self.running = True
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while self.running:
            try:
                self.server.accept()[0].close()
                self.connections += 1
            except OSError:
                continue

    def close(self) -> None:
        self.running = False
        self.thread.join()
        self.server.close()


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    root = tmp_path_factory.mktemp("course")
    (root / "notebooks").mkdir()
    source = root / "notebooks" / "01_small.py"
    source.write_text(SOURCE + HIDDEN_CELL)
    (root / "hidden").mkdir()
    (root / "hidden" / "hidden_checks.py").write_text(HIDDEN_MODULE)
    return source


@pytest.fixture(scope="module")
def hidden_path(course):
    """The instructor's hidden checks module on the path, here and in the sandbox."""
    folder = str(course.parent.parent / "hidden")
    old = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = folder + (os.pathsep + old if old else "")
    sys.path.insert(0, folder)
    yield folder
    sys.path.remove(folder)
    if old is None:
        del os.environ["PYTHONPATH"]
    else:
        os.environ["PYTHONPATH"] = old


def _solved(course: Path):
    return build(course)


def _with(notebook, index: int, source: str):
    notebook.cells[index].source = source
    return notebook


def _submissions(course: Path, root: Path, out: Path, listener: Listener) -> Path:
    """One folder per student, each a case the grader must handle."""
    released = nbformat.read(release([course], root / "release")[0], as_version=4)
    attack = {
        "hidden-traceback": "get_ipython().showtraceback = lambda *a, **k: None\n" + WRONG,
        "patched-check": "import course_utils.checks.lecture00 as m\n"
        "m.numerical_gradient = lambda fn: print('passed')\n"
        "import importlib\nimportlib.reload = lambda module: module\n" + WRONG,
        "patched-comparisons": "import numpy as np, torch\n"
        "np.allclose = lambda *a, **k: True\nnp.isfinite = lambda x: np.ones(np.shape(x), bool)\n"
        "torch.allclose = lambda *a, **k: True\ntorch.equal = lambda *a, **k: True\n" + WRONG,
        "always-equal": "class Yes:\n    def __eq__(self, other):\n        return True\n"
        "    def __array__(self, *a, **k):\n        raise TypeError\n"
        "def numerical_gradient(f, x, h=1e-5):\n    return Yes()\n",
        "writes-installation": f"open({str(INSTALLED_FILE)!r}, 'w').write('x = 1')\n" + WRONG,
        "writes-home": f"import os\nos.makedirs({str(HOME_FILE.parent)!r}, exist_ok=True)\n"
        f"open({str(HOME_FILE)!r}, 'w').write('print(1)')\n" + WRONG,
        "writes-grades": f"open({str(out)!r}, 'a').write('writes-grades,01_small,x,9,9,passed,,,,\\n')\n"
        + WRONG,
        "network": f"import socket\nsocket.create_connection(('127.0.0.1', {listener.port}), 2)\n"
        + WRONG,
        "exits": "import os\nos._exit(0)\n",
        "memory-hog": "hog = [bytearray(2**30) for _ in range(64)]\n" + WRONG,
        "endless-output": "while True:\n    print('spam' * 1000)\n",
        "endless-loop": "def numerical_gradient(f, x, h=1e-5):\n    while True:\n        pass\n",
        "syntax-error": "def numerical_gradient(f, x, h=1e-5)\n    return 0",
        "forbidden": "def numerical_gradient(f, x, h=1e-5):\n    y = x.clone().requires_grad_()\n"
        "    f(y).backward()\n    return y.grad\n",
    }
    cases = {"perfect": _solved(course), "empty": released}
    for student, code in attack.items():
        cases[student] = _with(_solved(course), 2, code)
    cases["edited"] = _with(_solved(course), 3, "print('✓ numerical_gradient')")
    markdown = _solved(course)
    markdown.cells[3] = nbformat.v4.new_markdown_cell(markdown.cells[3].source, id="01-003")
    cases["check-to-markdown"] = markdown
    deleted = _solved(course)
    deleted.cells = [c for c in deleted.cells if c.id != "01-006"]  # the standardize check
    cases["deleted"] = deleted
    reordered = _solved(course)
    extra = nbformat.v4.new_code_cell("raise SystemExit('my own cell never runs')", id="mine-1")
    reordered.cells = reordered.cells[:1] + [extra] + reordered.cells[1:]
    reordered.cells[4], reordered.cells[5] = reordered.cells[5], reordered.cells[4]
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
def graded(course, hidden_path, tmp_path_factory):
    if sandbox.bwrap_path() is None:
        pytest.skip("bubblewrap is not installed (apt-get install bubblewrap); .ci/run installs it")
    root = tmp_path_factory.mktemp("grading")
    out = root / "grades.csv"
    listener = Listener()
    try:
        subs = _submissions(course, root, out, listener)
        rows = grade(
            subs,
            [course],
            out,
            cell_timeout=5,
            notebook_timeout=90,
            memory_mb=4096,
            seed=1234,
            feedback=root / "feedback",
            progress=lambda line: None,
        )
    finally:
        listener.close()
    by_student = {}
    for row in rows:
        by_student.setdefault(row.student, {})[row.check] = row
    return by_student, out, root, listener


def _points(graded, student):
    return {check: row.points for check, row in graded[0][student].items()}


HONEST = {"numerical_gradient": 0.0, "standardize_columns": 2.0, "standardize_large": 1.0}


# --------------------------------------------------------------------------- reading the checks
def test_checks_are_read_from_the_instructor_notebook(course):
    checks = checks_of(_solved(course))
    assert [(c.name, c.function, c.points, c.hidden) for c in checks] == [
        ("numerical_gradient", "numerical_gradient", 1.0, False),
        ("standardize_columns", "standardize_columns", 2.0, False),
        ("standardize_large", "standardize_columns", 1.0, True),
    ]
    assert checks[0].module == "course_utils.checks.lecture00"
    assert checks[0].exercise_cell == "01-002" and checks[2].module == "hidden_checks"
    assert [c.name for c in checks_of(_solved(course), hidden=False)] == [
        "numerical_gradient",
        "standardize_columns",
    ]


def test_a_check_cell_that_calls_nothing_is_an_instructor_error(course):
    notebook = _solved(course)
    notebook.cells[3].source = "print('no check here')"
    with pytest.raises(ToolError, match="must call alias.exercise"):
        checks_of(notebook)


def test_release_removes_hidden_checks(course, tmp_path):
    released = nbformat.read(release([course], tmp_path)[0], as_version=4)
    assert not any("hidden" in c.metadata.get("tags", []) for c in released.cells)
    assert "standardize_large" not in nbformat.writes(released)


# --------------------------------------------------------------------------- honest submissions
@needs_bwrap
def test_an_honest_complete_submission_gets_full_marks(graded):
    assert _points(graded, "perfect") == {
        "numerical_gradient": 1.0,
        "standardize_columns": 2.0,
        "standardize_large": 1.0,
    }


@needs_bwrap
def test_a_released_notebook_scores_zero_with_the_reason(graded):
    rows = graded[0]["empty"]
    assert sum(r.points for r in rows.values()) == 0
    assert all(r.status == "failed" for r in rows.values())
    shown = [r for name, r in rows.items() if name != "standardize_large"]
    assert all("not written yet" in r.reason for r in shown)
    assert rows["standardize_large"].reason == "a hidden check did not pass"  # no details


@needs_bwrap
def test_added_and_reordered_cells_do_not_matter_and_never_run(graded):
    rows = graded[0]["reordered"]
    assert {r.status for r in rows.values()} == {"passed"}
    assert "1 added cell(s) not run" in rows["numerical_gradient"].notes


# --------------------------------------------------------------------------- hostile submissions
@needs_bwrap
@pytest.mark.parametrize(
    ("student", "status"),
    [
        ("hidden-traceback", "failed"),
        ("patched-check", "failed"),
        ("patched-comparisons", "failed"),
        ("always-equal", "failed"),
        ("writes-installation", "error"),
        ("writes-grades", "error"),
        ("network", "error"),
        ("memory-hog", "error"),
        ("endless-output", "timeout"),
        ("endless-loop", "timeout"),
        ("syntax-error", "error"),
        ("forbidden", "forbidden-call"),
    ],
)
def test_a_hostile_exercise_scores_nothing_for_itself(graded, student, status):
    rows = graded[0][student]
    assert rows["numerical_gradient"].status == status, rows["numerical_gradient"].reason
    assert _points(graded, student) == HONEST


@needs_bwrap
def test_writing_home_stays_inside_the_sandbox(graded):
    assert _points(graded, "writes-home") == HONEST
    assert not HOME_FILE.exists()


@needs_bwrap
def test_the_grader_s_installation_is_read_only(graded):
    assert "OSError" in graded[0]["writes-installation"]["numerical_gradient"].reason
    assert not INSTALLED_FILE.exists()


@needs_bwrap
def test_the_grades_file_is_out_of_reach(graded):
    _, out, _, _ = graded
    with out.open() as handle:
        rows = list(csv.DictReader(handle))
    assert all(row["student"] != "writes-grades" or row["check"] != "x" for row in rows)
    assert {row["status"] for row in rows if row["student"] == "writes-grades"} <= {
        "error",
        "passed",
    }


@needs_bwrap
def test_no_network(graded):
    assert graded[3].connections == 0
    assert "Connection" in graded[0]["network"]["numerical_gradient"].reason


@needs_bwrap
def test_a_process_that_exits_is_recorded_as_crashed(graded):
    assert {r.status for r in graded[0]["exits"].values()} == {"crashed"}
    assert sum(r.points for r in graded[0]["exits"].values()) == 0


@needs_bwrap
def test_edited_deleted_and_markdown_check_cells_score_zero(graded):
    assert graded[0]["edited"]["numerical_gradient"].status == "edited"
    assert graded[0]["check-to-markdown"]["numerical_gradient"].status == "deleted"
    assert graded[0]["deleted"]["standardize_columns"].status == "deleted"
    assert graded[0]["edited"]["standardize_columns"].points == 2


@needs_bwrap
def test_unreadable_and_missing_notebooks_are_recorded(graded):
    assert {r.status for r in graded[0]["unreadable"].values()} == {"unreadable"}
    assert {r.status for r in graded[0]["missing"].values()} == {"missing"}


@needs_bwrap
@pytest.mark.skipif(
    not os.access(sandbox.PIDS_CGROUP, os.W_OK),
    reason="no writable pids cgroup here: a fork bomb would only be stopped by the time limit",
)
def test_a_fork_bomb_is_contained(course, hidden_path, tmp_path, monkeypatch):
    notebook = _with(_solved(course), 2, "import os\nwhile True:\n    os.fork()\n")
    path = tmp_path / "01_small.ipynb"
    nbformat.write(notebook, path)
    groups = []
    make_group = sandbox._pids_cgroup
    monkeypatch.setattr(
        sandbox, "_pids_cgroup", lambda n: groups.append(make_group(n)) or groups[-1]
    )
    rows = grade_notebook(
        "bomb", path, lecture_of(course), seed=1, cell_timeout=10, notebook_timeout=60
    )
    assert rows[0].points == 0 and rows[1].points == 2  # the other exercise is still graded
    assert groups and groups[0] is not None and not groups[0].exists()  # every process ended


# --------------------------------------------------------------------------- the record
@needs_bwrap
def test_grades_csv_has_one_row_per_student_check_with_seed_and_sandbox(graded):
    _, out, _, _ = graded
    with out.open() as handle:
        rows = list(csv.DictReader(handle))
    assert tuple(rows[0]) == FIELDS
    assert len(rows) == 3 * len(graded[0])
    assert {row["seed"] for row in rows} == {"1234"} and {row["sandbox"] for row in rows} == {"yes"}


@needs_bwrap
def test_grading_resumes_without_regrading(graded, course):
    _, out, root, _ = graded
    before = out.read_text()
    rows = grade(
        root / "subs", [course], out, progress=lambda line: pytest.fail(f"regraded: {line}")
    )
    assert out.read_text() == before and len(rows) == 3 * len(graded[0])


@needs_bwrap
def test_feedback_pages_show_verdicts_but_not_hidden_details(graded):
    _, _, root, _ = graded
    page = (root / "feedback" / "empty" / "01_small.md").read_text()
    assert page.startswith("# 01_small: 0 / 4 points")
    assert "`numerical_gradient` | 0 / 1 | failed: numerical_gradient is not written yet" in page
    assert "(hidden check)" in page and "standardize_large" not in page


def test_write_feedback_needs_rows(tmp_path):
    with pytest.raises(ToolError, match="no rows"):
        write_feedback(tmp_path, [], {})


@needs_bwrap
def test_summary_shows_totals_and_problems(graded):
    text = summary([r for student in graded[0].values() for r in student.values()])
    assert "perfect" in text and "4/4" in text and "unreadable" in text
    assert "UNSANDBOXED" not in text


# --------------------------------------------------------------------------- without a sandbox
def test_grading_without_bubblewrap_refuses_and_says_how_to_install(course, tmp_path, monkeypatch):
    monkeypatch.setattr(sandbox.shutil, "which", lambda name: None)
    (tmp_path / "ada").mkdir()
    with pytest.raises(ToolError, match="apt-get install bubblewrap.*--no-sandbox"):
        grade(tmp_path, [course], tmp_path / "g.csv")


def test_no_sandbox_marks_every_row_unsandboxed(course, hidden_path, tmp_path):
    (tmp_path / "subs" / "ada").mkdir(parents=True)
    nbformat.write(_solved(course), tmp_path / "subs" / "ada" / "01_small.ipynb")
    rows = grade(tmp_path / "subs", [course], tmp_path / "g.csv", sandbox=False, progress=print)
    assert {r.sandbox for r in rows} == {"no"} and sum(r.points for r in rows) == 4
    assert "UNSANDBOXED" in summary(rows)


def test_grade_needs_student_folders(tmp_path, course):
    with pytest.raises(ToolError, match="no student folders"):
        grade(tmp_path, [course], tmp_path / "g.csv", sandbox=False)
    with pytest.raises(ToolError, match="is not a folder"):
        grade(tmp_path / "nope", [course], tmp_path / "g.csv", sandbox=False)


def test_a_notebook_past_its_time_limit_is_a_timeout(course, hidden_path, tmp_path):
    path = tmp_path / "01_small.ipynb"
    nbformat.write(_with(_solved(course), 2, "import time\ntime.sleep(60)"), path)
    rows = grade_notebook(
        "slow", path, lecture_of(course), seed=3, cell_timeout=100, notebook_timeout=8,
        sandbox=sandbox.bwrap_path() is not None,
    )  # fmt: skip
    assert {(r.status, r.points) for r in rows} == {("timeout", 0)}


# --------------------------------------------------------------------------- the CLI
def test_course_check_prints_the_points_a_student_would_get(course, tmp_path, capsys):
    notebook = _with(_solved(course), 2, WRONG)
    path = tmp_path / "01_small.ipynb"
    nbformat.write(notebook, path)
    assert cli.main(["check", str(path), "--no-sandbox"]) == 1
    out = capsys.readouterr().out
    assert "✗ numerical_gradient" in out and "✓ standardize_columns" in out
    assert "2 of 3 points" in out and "standardize_large" not in out  # no hidden checks


def test_course_check_of_a_missing_file_says_so(capsys):
    assert cli.main(["check", "nowhere/01_small.ipynb"]) == 2
    assert "does not exist" in capsys.readouterr().err


@needs_bwrap
def test_cli_grade_prints_a_summary(graded, course, tmp_path, monkeypatch, capsys):
    _, out, root, _ = graded
    monkeypatch.chdir(course.parent.parent)
    (course.parent.parent / "pyproject.toml").write_text("[project]\n")
    copy = tmp_path / "g.csv"
    copy.write_text(out.read_text())
    assert cli.main(["grade", str(root / "subs"), "--out", str(copy)]) == 0
    assert "grades written to" in capsys.readouterr().out


# --------------------------------------------------------------------------- the real lectures
LECTURES = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("[0-9][0-9]_*.py"))


@needs_bwrap
@pytest.mark.parametrize("source", LECTURES, ids=lambda path: path.stem)
def test_grading_an_instructor_notebook_trimmed_gives_full_marks(source, tmp_path):
    """Only the imports, context and exercise cells run: no cell an exercise needs is left out."""
    path = tmp_path / f"{source.stem}.ipynb"
    nbformat.write(build(source), path)
    lecture = lecture_of(source)
    rows = grade_notebook("instructor", path, lecture, seed=7, cell_timeout=60)
    assert rows and all(r.status == "passed" for r in rows), [(r.check, r.reason) for r in rows]


# --------------------------------------------------------------------------- a class at once
def _small_class(course: Path, root: Path, size: int = 6) -> Path:
    subs = root / "class"
    kinds = [_solved(course), _with(_solved(course), 2, WRONG), _with(_solved(course), 5, "x = 1")]
    for i in range(size):
        (subs / f"s{i}").mkdir(parents=True)
        nbformat.write(kinds[i % len(kinds)], subs / f"s{i}" / "01_small.ipynb")
    return subs


def _sorted_rows(path: Path) -> list[dict]:
    with path.open() as handle:
        return sorted(csv.DictReader(handle), key=lambda r: (r["student"], r["check"]))


@needs_bwrap
def test_parallel_jobs_give_the_same_grades_as_one_at_a_time(course, hidden_path, tmp_path):
    subs = _small_class(course, tmp_path)
    for jobs in (1, 2):
        grade(subs, [course], tmp_path / f"{jobs}.csv", seed=5, jobs=jobs, progress=lambda _: None)
    assert _sorted_rows(tmp_path / "1.csv") == _sorted_rows(tmp_path / "2.csv")
    assert {r["points"] for r in _sorted_rows(tmp_path / "2.csv")} == {"0.0", "1.0", "2.0"}


class DaskCluster:
    """A real `dask scheduler` and two `dask worker` processes on 127.0.0.1."""

    def __init__(self, folder: Path, env: dict[str, str]) -> None:
        import subprocess
        import time

        dask = str(Path(sys.executable).parent / "dask")
        self.file = folder / "scheduler.json"
        common = {
            "cwd": folder,
            "env": env,
            "stdout": subprocess.DEVNULL,
            "stderr": subprocess.DEVNULL,
        }
        self.processes = [
            subprocess.Popen(
                [
                    dask,
                    "scheduler",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    "0",
                    "--no-dashboard",
                    "--scheduler-file",
                    str(self.file),
                ],
                **common,
            )  # fmt: skip
        ]
        deadline = time.time() + 60
        while not self.file.exists() and time.time() < deadline:
            time.sleep(0.2)
        for _ in range(2):
            self.processes.append(
                subprocess.Popen(
                    [
                        dask,
                        "worker",
                        "--scheduler-file",
                        str(self.file),
                        "--nthreads",
                        "1",
                        "--host",
                        "127.0.0.1",
                        "--no-dashboard",
                    ],
                    **common,
                )  # fmt: skip
            )
        from distributed import Client

        with Client(scheduler_file=str(self.file), timeout="60s") as client:
            client.wait_for_workers(2, timeout=60)
            self.address = client.scheduler.address

    def worker_pids(self) -> list[int]:
        from distributed import Client

        with Client(self.address, timeout="20s") as client:
            return list(client.run(os.getpid).values())

    def close(self) -> None:
        for process in reversed(self.processes):
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except Exception:  # noqa: BLE001
                process.kill()


@pytest.fixture(scope="module")
def dask_cluster(tmp_path_factory, course, hidden_path):
    pytest.importorskip("distributed", reason="Dask is not installed (pip install distributed)")
    if sandbox.bwrap_path() is None:
        pytest.skip("bubblewrap is not installed (apt-get install bubblewrap); .ci/run installs it")
    cluster = DaskCluster(tmp_path_factory.mktemp("dask"), {**os.environ, "OMP_NUM_THREADS": "1"})
    yield cluster
    cluster.close()


def test_grading_on_a_dask_cluster_gives_the_same_csv_as_here(dask_cluster, course, tmp_path):
    subs = _small_class(course, tmp_path)
    grade(subs, [course], tmp_path / "here.csv", seed=9, progress=lambda _: None)
    grade(
        subs, [course], tmp_path / "dask.csv", seed=9, scheduler=dask_cluster.address,
        progress=lambda _: None,
    )  # fmt: skip
    assert _sorted_rows(tmp_path / "dask.csv") == _sorted_rows(tmp_path / "here.csv")


def test_a_worker_killed_mid_run_loses_nothing(dask_cluster, course, tmp_path):
    import signal

    subs = _small_class(course, tmp_path, size=8)
    killed = []

    def kill_one(line: str) -> None:
        if not killed:
            pid = dask_cluster.worker_pids()[0]
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)

    rows = grade(
        subs, [course], tmp_path / "g.csv", seed=9, scheduler=dask_cluster.address,
        progress=kill_one,
    )  # fmt: skip
    assert killed and len(rows) == 8 * 3
    assert {r.student for r in rows} == {f"s{i}" for i in range(8)}
    assert {r.status for r in rows} <= {"passed", "failed"}


def test_an_unreachable_scheduler_says_so(course, tmp_path):
    pytest.importorskip("distributed")
    subs = _small_class(course, tmp_path, size=1)
    with pytest.raises(ToolError, match="no Dask scheduler answers"):
        grade(subs, [course], tmp_path / "g.csv", scheduler="tcp://127.0.0.1:9", sandbox=False)


# --------------------------------------------------------------------------- written answers
ANSWERED = '''# %% [markdown]
# # A lecture with a question

# %% [markdown]
# **Experiment.** What happens to the loss when the learning rate doubles?

# %% [markdown] tags=["answer"]
# ### BEGIN SOLUTION
# It diverges past 2 / lambda_max.
# ### END SOLUTION
'''


def test_answer_cells_are_released_blank_and_shown_to_the_grader(tmp_path):
    source = tmp_path / "01_asked.py"
    source.write_text(ANSWERED)
    [student] = release([source], tmp_path / "released")
    released = nbformat.read(student, as_version=4)
    blank = [c for c in released.cells if "answer" in c.metadata.get("tags", [])]
    assert [c.source for c in blank] == ["*YOUR ANSWER HERE*"]
    lecture = lecture_of(source)
    # a student who has not written anything, one who has, one without the notebook
    assert written_answers(lecture, student) == [
        ("**Experiment.** What happens to the loss when the learning rate doubles?", "*(no answer written)*")
    ]
    blank[0].source = "It blows up: the steps overshoot the valley."
    nbformat.write(released, student)
    [(question, answer)] = written_answers(lecture, student)
    assert answer == "It blows up: the steps overshoot the valley."
    assert written_answers(lecture, tmp_path / "nowhere.ipynb")[0][1] == "*(no answer written)*"
    rows = [Row("ada", "01_asked", "x", 1.0, 1.0, "passed", "", "1", "yes", "")]
    page = write_feedback(tmp_path / "feedback", rows, {}, [(question, answer)]).read_text()
    assert "## Written answers" in page and "It blows up" in page and question in page


def test_answer_cells_must_be_markdown(tmp_path):
    from course_tools.release import ReleaseError

    source = tmp_path / "01_code_answer.py"
    source.write_text('# %% tags=["answer"]\nx = 1\n')
    with pytest.raises(ReleaseError, match="tagged 'answer' must be markdown"):
        release([source], tmp_path / "released")
