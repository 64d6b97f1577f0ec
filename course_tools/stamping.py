"""Pointing every Colab badge and install cell at the repository named in ``pyproject.toml``.

After forking the course, change ``[project.urls] Repository`` and run
``course stamp``: the notebooks (both files of each pair) and the README follow.
"""

from __future__ import annotations

import re
from pathlib import Path

from .config import colab_url, install_spec, repo_root, repository_url

__all__ = ["stamp_text", "stamp_tree"]

_COLAB = re.compile(
    r"https://colab\.research\.google\.com/github/[\w.-]+/[\w.-]+/blob/[\w.-]+/notebooks/"
)
_INSTALL = re.compile(
    r"course-utils @ git\+https://github\.com/[\w.-]+/[\w.-]+?(?:@[\w./-]+?)?(?=[\"'\s\\]|$)"
)


def stamp_text(text: str, url: str, branch: str | None = None) -> str:
    """Replace every Colab link and ``course-utils @ git+...`` spec in ``text`` with ones for ``url``.

    With ``branch``, the links open that branch's notebooks and pip installs from it.
    """
    text = _COLAB.sub(colab_url(url, "", branch or "main"), text)
    return _INSTALL.sub(install_spec(url, branch), text)


def stamp_tree(root: Path | None = None) -> list[Path]:
    """Stamp ``README.md`` and ``notebooks/*.py``, ``*.ipynb``, ``README.md``; return the files changed."""
    root = root or repo_root()
    url = repository_url(root)
    notebooks = root / "notebooks"
    candidates = [
        root / "README.md",
        *sorted(notebooks.glob("*.py")),
        *sorted(notebooks.glob("*.ipynb")),
        notebooks / "README.md",
    ]
    changed = []
    for path in candidates:
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8")
        new = stamp_text(text, url)
        if new != text:
            path.write_text(new, encoding="utf-8")
            changed.append(path.relative_to(root))
    return changed
