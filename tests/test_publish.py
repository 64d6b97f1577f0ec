"""Student notebooks with a home of their own: `course release` links there, `--branch` commits there."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import nbformat
import pytest

from course_tools import cli
from course_tools.config import colab_url, find_notebooks, student_home
from course_tools.errors import ToolError
from course_tools.publish import publish
from course_tools.release import released

ROOT = Path(__file__).resolve().parents[1]
URL = "https://github.com/teacher/course"
LECTURE = f"""# %% [markdown]
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]({colab_url(URL, "01_small.ipynb")})
# # A small lecture

# %%
import sys

if "google.colab" in sys.modules:
    print("course-utils @ git+{URL}")

# %% tags=["exercise"]
def double(x):
    ### BEGIN SOLUTION
    return 2 * x
    ### END SOLUTION
"""


def git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=root, check=True, capture_output=True, text=True
    ).stdout.strip()


@pytest.fixture
def repo(tmp_path):
    """An instructor repository with one lecture, the package and a commit."""
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "01_small.py").write_text(LECTURE)
    (tmp_path / "course_utils").mkdir()
    (tmp_path / "course_utils" / "__init__.py").write_text('"""The package."""\n')
    (tmp_path / "pyproject.toml").write_text(
        f'[project]\nname = "x"\n[project.urls]\nRepository = "{URL}"\n'
        '[tool.course]\nstudent-branch = "student"\n'
    )
    (tmp_path / "scratch.txt").write_text("uncommitted work\n")
    git(tmp_path, "init", "-q", "-b", "main")
    git(tmp_path, "add", "notebooks", "course_utils", "pyproject.toml")
    git(tmp_path, "-c", "user.name=t", "-c", "user.email=t@x", "commit", "-q", "-m", "lecture")
    return tmp_path


def _state(root: Path) -> tuple[str, str, str]:
    return (
        git(root, "status", "--porcelain"),
        git(root, "rev-parse", "HEAD"),
        git(root, "diff", "--cached"),
    )


def test_the_student_home_comes_from_pyproject(repo):
    assert student_home(repo) == (URL, "student")
    (repo / "pyproject.toml").write_text(
        f'[project.urls]\nRepository = "{URL}"\n[tool.course]\n'
        'student-repository = "https://github.com/teacher/handout"\nstudent-branch = "main"\n'
    )
    assert student_home(repo) == ("https://github.com/teacher/handout", "main")


def test_the_student_branch_cannot_be_the_instructors(repo):
    (repo / "pyproject.toml").write_text(
        f'[project.urls]\nRepository = "{URL}"\n[tool.course]\nstudent-branch = "main"\n'
    )
    with pytest.raises(ToolError, match="other than the instructors' 'main'"):
        student_home(repo)


def test_released_links_open_the_student_notebooks(repo):
    notebook = released(repo / "notebooks" / "01_small.py", (URL, "student"))
    text = nbformat.writes(notebook)
    assert (
        f"{URL.removeprefix('https://github.com/')}/blob/student/notebooks/01_small.ipynb" in text
    )
    assert f"course-utils @ git+{URL}@student" in text
    assert "/blob/main/" not in text and "return 2 * x" not in text


def test_publish_commits_the_student_edition_without_touching_the_work_tree(repo):
    before = _state(repo)
    commit = publish(repo)
    assert commit and _state(repo) == before
    files = git(repo, "ls-tree", "-r", "--name-only", "student").splitlines()
    assert files == [
        "README.md",
        "course_utils/__init__.py",
        "notebooks/01_small.ipynb",
        "pyproject.toml",
    ]
    notebook = git(repo, "show", "student:notebooks/01_small.ipynb")
    assert "return 2 * x" not in notebook and "raise NotImplementedError" in notebook
    assert "blob/student/notebooks/01_small.ipynb" in notebook and "blob/main" not in notebook
    readme = git(repo, "show", "student:README.md")
    assert "course check" in readme and f"git+{URL}@student" in readme
    assert "blob/student/notebooks/01_small.ipynb" in readme


def test_publishing_again_commits_only_what_changed(repo):
    first = publish(repo)
    assert publish(repo) is None  # nothing changed: no commit
    source = repo / "notebooks" / "01_small.py"
    source.write_text(
        source.read_text().replace("# # A small lecture", "# # A small, fixed lecture")
    )
    git(repo, "-c", "user.name=t", "-c", "user.email=t@x", "commit", "-qam", "fix")
    second = publish(repo)
    assert git(repo, "rev-parse", f"{second}^") == first
    assert git(repo, "diff", "--name-only", first, second).splitlines() == [
        "notebooks/01_small.ipynb"
    ]


def test_publish_refuses_the_checked_out_branch(repo):
    with pytest.raises(ToolError, match="checked out here"):
        publish(repo, "main")


def test_cli_release_branch(repo, monkeypatch, capsys):
    monkeypatch.chdir(repo)
    assert cli.main(["release", "--branch"]) == 0
    assert "committed" in capsys.readouterr().out
    assert cli.main(["release", "--branch", "student"]) == 0
    assert "nothing to commit" in capsys.readouterr().out


@pytest.mark.parametrize("source", find_notebooks(root=ROOT), ids=lambda p: p.stem)
def test_no_released_lecture_links_an_instructor_notebook(source):
    url, branch = student_home(ROOT)
    text = nbformat.writes(released(source, (url, branch)))
    links = re.findall(r"https://colab\.research\.google\.com/github/[^)\s\"\\]+", text)
    assert links and all(f"/blob/{branch}/notebooks/{source.stem}.ipynb" in link for link in links)
    assert f"course-utils @ git+{url}@{branch}" in text
