"""The instructor tooling: project paths and URLs, stamping, the notebook pipeline and the `course` CLI."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from course_tools import cli
from course_tools.config import (
    badge_markdown,
    budgets,
    colab_url,
    find_notebooks,
    install_spec,
    repo_root,
    repository_url,
)
from course_tools.errors import ToolError
from course_tools.notebooks import build, differences, run_notebook
from course_tools.stamping import stamp_text, stamp_tree

DEMO = """# %% [markdown] slideshow={"slide_type": "slide"}
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/old-owner/old-repo/blob/main/notebooks/01_demo.ipynb)
# # Demo

# %%
import sys

if "google.colab" in sys.modules:
    print("course-utils @ git+https://github.com/old-owner/old-repo")

# %% tags=["check"]
value = 6 * 7
print(value)
"""


@pytest.fixture
def course(tmp_path, monkeypatch):
    """A tiny course repository with one notebook source, as the working directory."""
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n[project.urls]\nRepository = "https://github.com/new-owner/new-repo"\n'
    )
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "01_demo.py").write_text(DEMO)
    (tmp_path / "README.md").write_text(
        "[![Open In Colab](x)](https://colab.research.google.com/github/old-owner/old-repo/blob/main/notebooks/01_demo.ipynb)\n"
    )
    monkeypatch.chdir(tmp_path)
    return tmp_path


# --------------------------------------------------------------------------- project
def test_repo_root_finds_the_folder_with_pyproject_and_notebooks(course):
    (course / "notebooks" / "deeper").mkdir()
    assert repo_root(course / "notebooks" / "deeper") == course


def test_repo_root_outside_a_course_says_where_to_run(tmp_path, monkeypatch):
    monkeypatch.setattr("course_tools.config.__file__", str(tmp_path / "pkg" / "project.py"))
    with pytest.raises(ToolError, match="inside the course repository"):
        repo_root(tmp_path)


def test_repository_url_is_read_from_pyproject(course):
    assert repository_url(course) == "https://github.com/new-owner/new-repo"


def test_repository_url_drops_a_git_suffix(course):
    (course / "pyproject.toml").write_text(
        '[project]\n[project.urls]\nRepository = "https://github.com/a/b.git"\n'
    )
    assert repository_url(course) == "https://github.com/a/b"


def test_repository_url_must_be_on_github(course):
    (course / "pyproject.toml").write_text('[project]\n[project.urls]\nRepository = "ftp://x/y"\n')
    with pytest.raises(ToolError, match="https://github.com/OWNER/REPO"):
        repository_url(course)


def test_repository_url_missing_says_what_to_add(course):
    (course / "pyproject.toml").write_text('[project]\nname = "x"\n')
    with pytest.raises(ToolError, match=r"\[project.urls\]"):
        repository_url(course)


def test_links_are_built_from_the_repository_url():
    url = "https://github.com/o/r"
    assert install_spec(url) == "course-utils @ git+https://github.com/o/r"
    assert (
        colab_url(url, "01_x.ipynb")
        == "https://colab.research.google.com/github/o/r/blob/main/notebooks/01_x.ipynb"
    )
    assert badge_markdown(url, "01_x.ipynb").startswith(
        "[![Open In Colab](https://colab.research.google.com/"
    )


def test_find_notebooks_by_number_name_or_path(course):
    expected = [course / "notebooks" / "01_demo.py"]
    assert find_notebooks(root=course) == expected
    assert find_notebooks(["01"], root=course) == expected
    assert find_notebooks(["01_demo"], root=course) == expected
    assert find_notebooks(["notebooks/01_demo.ipynb"], root=course) == expected


def test_find_notebooks_unknown_name_lists_the_notebooks(course):
    with pytest.raises(ToolError, match="01_demo"):
        find_notebooks(["99"], root=course)


# --------------------------------------------------------------------------- stamping
def test_stamp_text_rewrites_badges_and_install_specs():
    text = DEMO
    new = stamp_text(text, "https://github.com/new-owner/new-repo")
    assert "old-owner" not in new
    assert (
        "https://colab.research.google.com/github/new-owner/new-repo/blob/main/notebooks/01_demo.ipynb"
        in new
    )
    assert "course-utils @ git+https://github.com/new-owner/new-repo" in new


def test_stamp_tree_updates_sources_notebooks_and_readme_once(course):
    changed = stamp_tree(course)
    assert sorted(map(str, changed)) == ["README.md", "notebooks/01_demo.py"]
    assert stamp_tree(course) == []
    assert "new-owner/new-repo" in (course / "README.md").read_text()


# --------------------------------------------------------------------------- pipeline
def test_build_gives_stable_ids_and_course_metadata(course):
    notebook = build(course / "notebooks" / "01_demo.py")
    assert [c.id for c in notebook.cells] == ["01-000", "01-001", "01-002"]
    assert notebook.metadata["kernelspec"]["name"] == "python3"
    assert notebook.cells[2].metadata["tags"] == ["check"]
    assert notebook.cells[0].metadata["slideshow"] == {"slide_type": "slide"}


def test_differences_reports_a_missing_notebook(course):
    assert "does not exist" in differences(course / "notebooks" / "01_demo.py")[0]


def test_run_notebook_executes_and_writes_the_pair_in_sync(course):
    source = course / "notebooks" / "01_demo.py"
    result = run_notebook(source, timeout=60)
    assert result.ok, result.error
    notebook = nbformat.read(source.with_suffix(".ipynb"), as_version=4)
    assert notebook.cells[2].outputs[0]["text"] == "42\n"
    assert all("execution" not in c.metadata for c in notebook.cells)
    assert differences(source) == []
    source.write_text(DEMO.replace("6 * 7", "6 * 8"))
    assert differences(source) == ["cell 2 differs in source"]


def test_run_notebook_reports_the_failing_cell_and_keeps_the_outputs(course):
    source = course / "notebooks" / "01_demo.py"
    source.write_text(DEMO + '\n# %%\nraise ValueError("broken lecture")\n')
    result = run_notebook(source, timeout=60)
    assert not result.ok and "ValueError: broken lecture" in result.error
    notebook = nbformat.read(source.with_suffix(".ipynb"), as_version=4)
    assert notebook.cells[2].outputs[0]["text"] == "42\n"


def test_differences_notices_a_changed_cell_count(course):
    source = course / "notebooks" / "01_demo.py"
    nbformat.write(build(source), source.with_suffix(".ipynb"))
    source.write_text(DEMO + "\n# %%\nprint('one more')\n")
    assert "has 4 cells but" in differences(source)[0]


# --------------------------------------------------------------------------- CLI
def test_cli_run_prints_a_table_of_wall_times(course, capsys):
    assert cli.main(["run", "01"]) == 0
    out = capsys.readouterr().out
    assert "01_demo" in out and "total" in out and "ok" in out


def test_cli_run_fails_when_a_notebook_fails(course, capsys):
    (course / "notebooks" / "01_demo.py").write_text("# %%\nraise RuntimeError('no')\n")
    assert cli.main(["run"]) == 1
    assert "FAILED" in capsys.readouterr().out


def test_cli_course_errors_are_one_line_on_stderr(course, capsys):
    assert cli.main(["run", "42"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("course run: no single notebook matches '42'") and err.count("\n") == 1


def test_cli_stamp_reports_the_files_it_changed(course, capsys):
    assert cli.main(["stamp"]) == 0
    assert "stamped notebooks/01_demo.py" in capsys.readouterr().out
    assert cli.main(["stamp"]) == 0
    assert "already points" in capsys.readouterr().out


def test_cli_doctor_passes_on_a_complete_install(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("COURSE_DATA", str(tmp_path))
    monkeypatch.setattr(cli, "_dataset_checks", lambda: [("iris", True, "loads offline")])
    assert cli.main(["doctor"]) == 0
    out = capsys.readouterr().out
    assert "torch" in out and "chosen device cpu" in out and "All set" in out


def test_cli_doctor_names_a_missing_package_and_fails(capsys, monkeypatch):
    real = cli._version
    monkeypatch.setattr(cli, "_version", lambda m: None if m == "mlxtend" else real(m))
    assert cli.main(["doctor"]) == 1
    out = capsys.readouterr().out
    assert "mlxtend is missing: pip install mlxtend" in out


def test_cli_doctor_reports_a_dataset_that_fails(capsys, monkeypatch):
    monkeypatch.setattr(cli, "_dataset_checks", lambda: [("MNIST-5k", False, "broken file")])
    assert cli.main(["doctor"]) == 1
    assert "dataset MNIST-5k: broken file" in capsys.readouterr().out


def test_cli_doctor_reports_a_bad_course_device(capsys, monkeypatch):
    monkeypatch.setenv("COURSE_DEVICE", "cuda")
    monkeypatch.setattr("torch.cuda.is_available", lambda: False)
    monkeypatch.setattr(cli, "_dataset_checks", lambda: [])
    assert cli.main(["doctor"]) == 1
    assert "no cuda device" in capsys.readouterr().out


def test_dataset_checks_cover_every_offline_set(monkeypatch, tmp_path):
    monkeypatch.setenv("COURSE_DATA", str(tmp_path))
    import course_utils.data as data

    monkeypatch.setattr(data, "load_char_corpus", lambda: None)
    results = {name: ok for name, ok, _ in cli._dataset_checks()}
    assert results == {
        "iris": True,
        "digits": True,
        "diabetes": True,
        "MNIST-5k": True,
        "character corpus": True,
        "full MNIST (optional)": True,
    }


def test_cli_needs_a_command(capsys):
    with pytest.raises(SystemExit):
        cli.main([])


def test_console_script_is_declared():
    text = (Path(__file__).resolve().parents[1] / "pyproject.toml").read_text()
    assert 'course = "course_tools.cli:main"' in text


# --------------------------------------------------------------------------- budgets
def test_every_lecture_has_exactly_one_budget():
    root = Path(__file__).resolve().parents[1]
    numbers = [source.stem[:2] for source in find_notebooks(root=root)]
    assert sorted(budgets(root)) == numbers


def test_budgets_are_read_from_pyproject(course):
    (course / "pyproject.toml").write_text('[tool.course.budgets]\n"01" = 20\n"02" = 40.5\n')
    assert budgets(course) == {"01": 20.0, "02": 40.5}


@pytest.mark.parametrize("table", ['[project]\nname = "x"\n', '[tool.course.budgets]\n"01" = -3\n'])
def test_budgets_missing_or_wrong_say_what_to_write(course, table):
    (course / "pyproject.toml").write_text(table)
    with pytest.raises(ToolError, match=r"\[tool.course.budgets\]"):
        budgets(course)


# --------------------------------------------------------------------------- seeds
SEEDED = """# %%
from course_utils import seed_everything

seed = seed_everything(0)
assert seed < 2, f"this lecture holds for seeds 0 and 1 only, got {seed}"
"""


def test_course_run_with_a_seed_executes_without_writing(course, capsys):
    (course / "notebooks" / "02_seeded.py").write_text(SEEDED)
    assert cli.main(["run", "02", "--seed", "1"]) == 0
    assert not (course / "notebooks" / "02_seeded.ipynb").exists()
    assert cli.main(["run", "02", "--seed", "2"]) == 1
    assert "COURSE_SEED=2" in capsys.readouterr().out


def test_course_seeds_prints_which_seeds_hold(course, capsys):
    (course / "notebooks" / "02_seeded.py").write_text(SEEDED)
    out = course / "seeds.csv"
    assert (
        cli.main(["seeds", "02", "--seeds", "0", "1", "2", "--jobs", "2", "--out", str(out)]) == 1
    )
    text = capsys.readouterr().out
    assert "02_seeded      ok      ok    FAIL" in text
    assert "02_seeded, seed 2: cell 0: AssertionError: this lecture holds for seeds 0 and 1" in text
    rows = out.read_text().splitlines()
    assert rows[0] == "lecture,seed,asserts_held,seconds,error" and len(rows) == 4
