"""environment.yml (for conda users) agrees with pyproject.toml; there is no conda here to try it."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import yaml

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
ENV = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def _pip_lines() -> list[str]:
    for item in ENV["dependencies"]:
        if isinstance(item, dict) and "pip" in item:
            return item["pip"]
    return []


def test_environment_uses_conda_forge_only():
    assert ENV["channels"] == ["conda-forge"]


def test_environment_python_matches_requires_python():
    pythons = [d for d in ENV["dependencies"] if isinstance(d, str) and re.match(r"python\b", d)]
    assert pythons == [f"python{PROJECT['requires-python']}"]


def test_environment_installs_pip_itself():
    assert "pip" in ENV["dependencies"]


def test_environment_pip_installs_the_package_with_every_extra():
    lines = _pip_lines()
    assert len(lines) == 1, "pip should install the course package and nothing else"
    match = re.fullmatch(r'-e "?\.\[([\w,-]+)\]"?', lines[0])
    assert match, f'expected -e ".[extras]", got {lines[0]!r}'
    assert set(match.group(1).split(",")) == set(PROJECT["optional-dependencies"])


def test_environment_pins_nothing_that_pyproject_leaves_open():
    conda_packages = {re.split(r"[<>=! ]", d)[0] for d in ENV["dependencies"] if isinstance(d, str)}
    assert conda_packages == {"python", "pip"}, (
        "dependencies belong in pyproject.toml, installed by pip"
    )


def test_pyproject_uses_lower_bounds_only():
    pinned = [d for d in PROJECT["dependencies"] if "==" in d or "<" in d]
    assert not pinned, f"exact or upper pins break Colab's own torch: {pinned}"


def test_pyproject_requires_what_the_course_imports():
    names = {re.split(r"[<>=!; \[]", d)[0].lower() for d in PROJECT["dependencies"]}
    assert {
        "torch",
        "torchvision",
        "numpy",
        "matplotlib",
        "scikit-learn",
        "tqdm",
        "mlxtend",
    } <= names


def test_lab_extra_brings_widgets_for_progress_bars():
    lab = {re.split(r"[<>=!; ]", d)[0] for d in PROJECT["optional-dependencies"]["lab"]}
    dev = {re.split(r"[<>=!; ]", d)[0] for d in PROJECT["optional-dependencies"]["dev"]}
    assert "ipywidgets" in lab and "ipywidgets" in dev
    assert {
        "pytest",
        "nbval",
        "pytest-xdist",
        "pytest-cov",
        "jupytext",
        "nbconvert",
        "nbclient",
        "ruff",
    } <= dev
