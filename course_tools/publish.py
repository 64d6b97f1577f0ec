"""Publishing the student edition to a branch: ``course release --branch student``.

The branch holds what students need and nothing else: the released notebooks
(solutions removed, outputs cleared, every badge and setup cell pointing at this
branch), the course package so the setup cell can ``pip install`` it from the
branch, and a README for students. It is committed with git's plumbing
(``hash-object``, a temporary index, ``write-tree``, ``commit-tree``,
``update-ref``), so the instructor's working tree, index and checked-out branch are
never touched. Running it again after a fix makes one new commit with only what
changed, or none when nothing did. Pushing the branch is left to the instructor.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

from .config import badge_markdown, find_notebooks, install_spec, student_home
from .errors import ToolError

__all__ = ["PACKAGE_PATHS", "publish", "student_readme"]

#: What of the instructor's last commit goes onto the branch too, so pip can install from it.
PACKAGE_PATHS = ("pyproject.toml", "course_utils", "course_tools", "LICENSE")


def _git(root: Path, *args: str, stdin: bytes | None = None, env: dict | None = None) -> str:
    result = subprocess.run(
        ["git", *args], cwd=root, input=stdin, capture_output=True,
        env={**os.environ, **(env or {})},
    )  # fmt: skip
    if result.returncode != 0:
        message = result.stderr.decode(errors="replace").strip().splitlines()
        raise ToolError(f"git {args[0]} failed: {message[-1] if message else 'no message'}")
    return result.stdout.decode().strip()


def student_readme(url: str, branch: str, notebooks: list[str]) -> str:
    """The README on the student branch: how to open a lecture, set up locally, check your work."""
    rows = "\n".join(
        f"| {name[:2]} | {name.split('_', 1)[1].replace('_', ' ')} | "
        f"{badge_markdown(url, f'{name}.ipynb', branch)} |"
        for name in notebooks
    )
    return f"""# Deep learning from first principles, in PyTorch: student notebooks

Each lecture is a notebook with exercises. Open one, run it top to bottom, and write your code where it
says `# YOUR CODE HERE`; the check cell after each exercise tells you whether it is right and, if not,
what to look at. An exercise you have not written yet does not stop the rest of the lecture.

| # | lecture | open |
|---|---|---|
{rows}

## In Google Colab

Click a lecture's badge. The notebook's first code cell installs the course package in Colab by itself.
For a GPU: *Runtime → Change runtime type → GPU*.

## On your own machine

```bash
python -m venv .venv && .venv/bin/pip install "{install_spec(url, branch)}" jupyterlab
.venv/bin/jupyter lab notebooks/
```

## Before you hand a notebook in

```bash
.venv/bin/course check notebooks/03_adaline.ipynb
```

runs your notebook the way the grader does (in a sandbox where bubblewrap is installed) and prints the
points of each check, so you know that you have not broken a check cell. Do not edit or delete the
cells that call a check; you may add cells of your own anywhere.
"""


def publish(
    root: Path, branch: str | None = None, names: list[str] | tuple[str, ...] = ()
) -> str | None:
    """Commit the student edition of the lectures to ``branch``; the new commit, or None if unchanged.

    Raises
    ------
    ToolError
        Outside a git repository, on the branch checked out here, or when git fails.
    """
    from .release import released

    url, default = student_home(root)
    branch = branch or default
    if _git(root, "rev-parse", "--is-inside-work-tree") != "true":  # pragma: no cover
        raise ToolError(f"{root} is not a git work tree")
    current = subprocess.run(
        ["git", "symbolic-ref", "-q", "--short", "HEAD"], cwd=root, capture_output=True, text=True
    ).stdout.strip()
    if current == branch:
        raise ToolError(f"{branch!r} is the branch checked out here; publish to another branch")
    sources = find_notebooks(list(names), root=root) if names else find_notebooks(root=root)
    if not sources:
        raise ToolError("there are no lectures to publish")

    import nbformat

    files: dict[str, bytes] = {}
    for source in sources:
        notebook = released(source, (url, branch))
        files[f"notebooks/{source.stem}.ipynb"] = nbformat.writes(notebook).encode() + b"\n"
    files["README.md"] = student_readme(url, branch, [s.stem for s in sources]).encode()

    with tempfile.TemporaryDirectory() as folder:
        env = {"GIT_INDEX_FILE": str(Path(folder) / "index")}
        for line in _git(root, "ls-tree", "-r", "HEAD", "--", *PACKAGE_PATHS).splitlines():
            mode_type_sha, path = line.split("\t", 1)
            mode, _, sha = mode_type_sha.split()
            _git(root, "update-index", "--add", "--cacheinfo", f"{mode},{sha},{path}", env=env)
        for path, data in sorted(files.items()):
            sha = _git(root, "hash-object", "-w", "--stdin", stdin=data)
            _git(root, "update-index", "--add", "--cacheinfo", f"100644,{sha},{path}", env=env)
        tree = _git(root, "write-tree", env=env)
    parent = subprocess.run(
        ["git", "rev-parse", "-q", "--verify", f"refs/heads/{branch}"],
        cwd=root, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    if parent and _git(root, "rev-parse", f"{parent}^{{tree}}") == tree:
        return None
    head = _git(root, "rev-parse", "--short", "HEAD")
    identity = {}
    if not subprocess.run(["git", "config", "user.email"], cwd=root, capture_output=True).stdout:
        identity = {
            "GIT_AUTHOR_NAME": "course release", "GIT_AUTHOR_EMAIL": "course@localhost",
            "GIT_COMMITTER_NAME": "course release", "GIT_COMMITTER_EMAIL": "course@localhost",
        }  # fmt: skip
    message = f"Student notebooks released from {head}"
    commit = _git(
        root, "commit-tree", tree, *(["-p", parent] if parent else []), "-m", message, env=identity
    )
    _git(root, "update-ref", f"refs/heads/{branch}", commit, *([parent] if parent else []))
    return commit
