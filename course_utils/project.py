"""Where the course lives: its folders, its repository URL and the links built from it.

Used by the ``course`` command and the tests; light (standard library only).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from .errors import CourseError

__all__ = [
    "badge_markdown",
    "colab_url",
    "find_notebooks",
    "install_spec",
    "repo_root",
    "repository_url",
]

COLAB_BADGE_IMAGE = "https://colab.research.google.com/assets/colab-badge.svg"
BRANCH = "main"


def repo_root(start: Path | None = None) -> Path:
    """The course repository's top folder: the nearest parent holding ``pyproject.toml`` and ``notebooks/``."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "pyproject.toml").is_file() and (folder / "notebooks").is_dir():
            return folder
    package_parent = Path(__file__).resolve().parent.parent
    if (package_parent / "pyproject.toml").is_file() and (package_parent / "notebooks").is_dir():
        return package_parent
    raise CourseError(
        "run this inside the course repository (the folder with pyproject.toml and notebooks/)"
    )


def _load_toml(path: Path) -> dict:
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
        url = _load_toml(root / "pyproject.toml")["project"]["urls"]["Repository"]
    except KeyError:
        raise CourseError(
            'pyproject.toml has no [project.urls] Repository = "https://github.com/OWNER/REPO"'
        ) from None
    match = re.fullmatch(r"https://github\.com/([\w.-]+)/([\w.-]+?)(?:\.git)?/?", url.strip())
    if not match:
        raise CourseError(
            f"the Repository URL must look like https://github.com/OWNER/REPO, got {url!r}"
        )
    return f"https://github.com/{match.group(1)}/{match.group(2)}"


def install_spec(url: str) -> str:
    """What Colab's setup cell gives to pip: ``course-utils @ git+URL``."""
    return f"course-utils @ git+{url}"


def colab_url(url: str, notebook: str) -> str:
    """The link that opens ``notebooks/<notebook>`` of the repository in Colab."""
    path = url.removeprefix("https://github.com/")
    return f"https://colab.research.google.com/github/{path}/blob/{BRANCH}/notebooks/{notebook}"


def badge_markdown(url: str, notebook: str) -> str:
    """The "Open in Colab" badge for a notebook, in Markdown."""
    return f"[![Open In Colab]({COLAB_BADGE_IMAGE})]({colab_url(url, notebook)})"


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
            raise CourseError(f"no single notebook matches {name!r}; the notebooks are: {known}")
        chosen.append(matches[0])
    return chosen
