"""Where the course lives and what its tooling agrees on, each defined once.

The repository root and its URL, the links built from that URL, the notebooks,
the per-lecture time budgets (``[tool.course.budgets]`` in ``pyproject.toml``),
the cell tags, the environment every executed kernel gets, and the cache folder.
Standard library only, so every ``course`` subcommand can import it cheaply.
"""

from __future__ import annotations

import importlib
import re
import sys
from pathlib import Path
from types import ModuleType

from course_utils.settings import cache_dir

from .errors import ToolError

__all__ = [
    "CHECK_TAG",
    "CONTEXT_TAG",
    "COLAB_BADGE_IMAGE",
    "EXERCISE_TAG",
    "ANSWER_TAG",
    "HIDDEN_TAG",
    "KERNEL_ENV",
    "badge_markdown",
    "budgets",
    "cache_dir",
    "colab_url",
    "find_notebooks",
    "install_spec",
    "load_toml",
    "repo_root",
    "repository_url",
    "require",
    "student_home",
]

COLAB_BADGE_IMAGE = "https://colab.research.google.com/assets/colab-badge.svg"
BRANCH = "main"
#: The default branch the student notebooks are published to (``course release --branch``).
STUDENT_BRANCH = "student"
#: A code cell holding an exercise; its solution sits between nbgrader's markers.
EXERCISE_TAG = "exercise"
#: A markdown cell holding the written answer to an open-ended experiment's question, between the
#: solution markers; students get a blank to fill in, graders read what they wrote (``--feedback``).
ANSWER_TAG = "answer"
#: The cell right after an exercise that calls its check; graded by ``course grade``.
CHECK_TAG = "check"
#: A check cell students never get: ``course release`` removes it, ``course grade`` runs it.
HIDDEN_TAG = "hidden"
#: A cell the exercises need when graded (data, a helper); grading runs only these, the imports
#: cell and the exercise cells, never the lecture's training runs.
CONTEXT_TAG = "context"
#: What every kernel the tooling starts gets in its environment: no progress bars, no debugger noise.
KERNEL_ENV = {
    "COURSE_PROGRESS": "0",
    "PYDEVD_DISABLE_FILE_VALIDATION": "1",
    "TQDM_DISABLE": "1",
}


def require(module: str) -> ModuleType:
    """Import a tool a subcommand needs, or say how to install it.

    Examples
    --------
    >>> require("json").__name__
    'json'
    """
    try:
        return importlib.import_module(module)
    except ImportError:
        raise ToolError(
            f"{module} is needed for this command; install the tools with: pip install -e '.[dev]'"
        ) from None


def repo_root(start: Path | None = None) -> Path:
    """The course repository's top folder: the nearest parent holding ``pyproject.toml`` and ``notebooks/``."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "pyproject.toml").is_file() and (folder / "notebooks").is_dir():
            return folder
    package_parent = Path(__file__).resolve().parent.parent
    if (package_parent / "pyproject.toml").is_file() and (package_parent / "notebooks").is_dir():
        return package_parent
    raise ToolError(
        "run this inside the course repository (the folder with pyproject.toml and notebooks/)"
    )


def load_toml(path: Path) -> dict:
    """Read a TOML file (``tomllib``, or ``tomli`` on Python 3.10)."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    with path.open("rb") as handle:
        return tomllib.load(handle)


def repository_url(root: Path | None = None) -> str:
    """The course's repository URL, from ``[project.urls] Repository`` in ``pyproject.toml``."""
    root = root or repo_root()
    try:
        url = load_toml(root / "pyproject.toml")["project"]["urls"]["Repository"]
    except KeyError:
        raise ToolError(
            'pyproject.toml has no [project.urls] Repository = "https://github.com/OWNER/REPO"'
        ) from None
    match = re.fullmatch(r"https://github\.com/([\w.-]+)/([\w.-]+?)(?:\.git)?/?", url.strip())
    if not match:
        raise ToolError(
            f"the Repository URL must look like https://github.com/OWNER/REPO, got {url!r}"
        )
    return f"https://github.com/{match.group(1)}/{match.group(2)}"


def budgets(root: Path | None = None) -> dict[str, float]:
    """Each lecture's wall-clock budget on a 2-core CPU in seconds, by number (``{"00": 20, ...}``).

    Read from ``[tool.course.budgets]`` in ``pyproject.toml``: the one place the
    benchmarks and the tests take them from.
    """
    root = root or repo_root()
    table = load_toml(root / "pyproject.toml").get("tool", {}).get("course", {}).get("budgets")
    if not isinstance(table, dict) or not table:
        raise ToolError('pyproject.toml has no [tool.course.budgets] table (e.g. "00" = 20)')
    bad = {k: v for k, v in table.items() if not isinstance(v, (int, float)) or v <= 0}
    if bad:
        raise ToolError(f"[tool.course.budgets]: budgets are positive seconds, got {bad}")
    return {str(number): float(seconds) for number, seconds in table.items()}


def student_home(root: Path | None = None) -> tuple[str, str]:
    """Where students open the released notebooks: ``(repository URL, branch)``.

    From ``[tool.course]`` in ``pyproject.toml``: ``student-repository`` (default: the
    course's own Repository URL) and ``student-branch`` (default ``"student"``).
    """
    root = root or repo_root()
    table = load_toml(root / "pyproject.toml").get("tool", {}).get("course", {})
    url = table.get("student-repository") or repository_url(root)
    match = re.fullmatch(r"https://github\.com/([\w.-]+)/([\w.-]+?)(?:\.git)?/?", str(url).strip())
    if not match:
        raise ToolError(
            f"student-repository must look like https://github.com/OWNER/REPO, got {url!r}"
        )
    branch = str(table.get("student-branch", STUDENT_BRANCH))
    if (
        not re.fullmatch(r"[\w.-]+(/[\w.-]+)*", branch)
        or branch == BRANCH
        and not table.get("student-repository")
    ):
        raise ToolError(
            f"student-branch {branch!r} must be a branch name other than the instructors' {BRANCH!r}"
        )
    return f"https://github.com/{match.group(1)}/{match.group(2)}", branch


def install_spec(url: str, ref: str | None = None) -> str:
    """What Colab's setup cell gives to pip: ``course-utils @ git+URL`` (``@ref`` for a branch)."""
    return f"course-utils @ git+{url}" + (f"@{ref}" if ref else "")


def colab_url(url: str, notebook: str, branch: str = BRANCH) -> str:
    """The link that opens ``notebooks/<notebook>`` of the repository's ``branch`` in Colab."""
    path = url.removeprefix("https://github.com/")
    return f"https://colab.research.google.com/github/{path}/blob/{branch}/notebooks/{notebook}"


def badge_markdown(url: str, notebook: str, branch: str = BRANCH) -> str:
    """The "Open in Colab" badge for a notebook, in Markdown."""
    return f"[![Open In Colab]({COLAB_BADGE_IMAGE})]({colab_url(url, notebook, branch)})"


def find_notebooks(names: list[str] | tuple[str, ...] = (), root: Path | None = None) -> list[Path]:
    """The ``.py`` sources of the notebooks named (``"01"``, ``"01_perceptron"``, a path), or all of them."""
    folder = (root or repo_root()) / "notebooks"
    sources = sorted(p for p in folder.glob("[0-9][0-9]_*.py"))
    if not names:
        return sources
    chosen = []
    for name in names:
        stem = Path(name).name.removesuffix(".py").removesuffix(".ipynb")
        matches = [p for p in sources if p.stem == stem or p.stem.split("_", 1)[0] == stem]
        if len(matches) != 1:
            known = ", ".join(p.stem for p in sources) or "none"
            raise ToolError(f"no single notebook matches {name!r}; the notebooks are: {known}")
        chosen.append(matches[0])
    return chosen
