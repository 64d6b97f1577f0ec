"""The two packages stay apart: students' ``import course_utils`` is light, ``course --help`` is fast.

Each probe imports a module in a fresh interpreter and lists which forbidden
top-level packages got loaded. The probe itself is tested on a small fixture
package that breaks the rule, so these tests can fail.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import course_utils

ROOT = Path(__file__).resolve().parents[1]

#: What a student's kernel must not pay for when it imports the teaching API.
HEAVY_FOR_STUDENTS = (
    "course_tools",
    "nbformat",
    "nbclient",
    "jupytext",
    "nbval",
    "pytest",
    "sklearn",
    "torchvision",
    "pandas",
)
HEAVY_FOR_THE_CLI = ("torch", "matplotlib")


def loaded(statement: str, forbidden: tuple[str, ...], path: Path | None = None) -> list[str]:
    """Run ``statement`` in a new interpreter; return the forbidden packages it loaded."""
    code = textwrap.dedent(
        f"""
        import json, sys
        {statement}
        names = {{m.split('.')[0] for m in sys.modules}}
        print(json.dumps(sorted(names & set({list(forbidden)!r}))))
        """
    )
    env = None
    if path is not None:
        import os

        env = {**os.environ, "PYTHONPATH": str(path)}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=path or ROOT
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_import_course_utils_loads_none_of_the_tooling():
    assert loaded("import course_utils", HEAVY_FOR_STUDENTS) == []


def test_a_lecture_s_usual_imports_load_none_of_the_tooling():
    statement = (
        "from course_utils import fit, evaluate, get_device, seed_everything, load_iris, "
        "plot_history, SmallCNN, modes_covered; from course_utils.checks import lecture04"
    )
    assert loaded(statement, HEAVY_FOR_STUDENTS) == []


def test_the_cli_module_loads_neither_torch_nor_matplotlib():
    assert loaded("import course_tools.cli", HEAVY_FOR_THE_CLI) == []


def test_course_help_loads_neither_torch_nor_matplotlib():
    statement = (
        "import contextlib, io\n"
        "from course_tools import cli\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try:\n"
        "        cli.main(['--help'])\n"
        "    except SystemExit:\n"
        "        pass"
    )
    statement = statement.replace("\n", "\n        ")
    assert loaded(statement, HEAVY_FOR_THE_CLI) == []


@pytest.fixture
def rule_breaker(tmp_path):
    """A package shaped like course_utils whose import pulls in the tooling and pytest."""
    package = tmp_path / "teaching_pkg"
    package.mkdir()
    (package / "__init__.py").write_text("from .helpers import helper\n")
    (package / "helpers.py").write_text(
        "import course_tools.grading\nimport pytest\n\ndef helper():\n    pass\n"
    )
    return tmp_path


def test_the_probe_catches_a_planted_forbidden_import(rule_breaker):
    found = loaded("import teaching_pkg", HEAVY_FOR_STUDENTS, path=rule_breaker)
    assert "course_tools" in found and "pytest" in found


def test_the_probe_catches_torch_in_a_cli(tmp_path):
    (tmp_path / "slow_cli.py").write_text("import torch\n\ndef main():\n    pass\n")
    assert loaded("import slow_cli", HEAVY_FOR_THE_CLI, path=tmp_path) == ["torch"]


def test_no_module_of_the_teaching_api_imports_the_tooling():
    """Also statically: an import of course_tools inside a function would escape the probes."""
    offenders = []
    for path in sorted((ROOT / "course_utils").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] == "course_tools"]
    assert offenders == []


def test_no_private_name_is_imported_across_modules():
    offenders = []
    for package in ("course_utils", "course_tools"):
        for path in sorted((ROOT / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.ImportFrom):
                    offenders += [
                        f"{path.relative_to(ROOT)}: {alias.name}"
                        for alias in node.names
                        if alias.name.startswith("_") and not alias.name.startswith("__")
                    ]
    assert offenders == []


# --------------------------------------------------------------------------- the public names
def _module_all(name: str) -> list[str]:
    tree = ast.parse((ROOT / "course_utils" / f"{name}.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            getattr(t, "id", "") == "__all__" for t in node.targets
        ):
            return list(ast.literal_eval(node.value))
    raise AssertionError(f"course_utils/{name}.py has no __all__")


def test_all_is_the_union_of_the_modules_public_names():
    modules = sorted(
        p.stem for p in (ROOT / "course_utils").glob("*.py") if not p.stem.startswith("_")
    )
    union = sorted(name for module in modules for name in _module_all(module))
    assert sorted(course_utils.__all__) == union
    assert {m: sorted(n) for m, n in course_utils._EXPORTS.items()} == {
        m: sorted(_module_all(m)) for m in modules
    }


def test_every_public_name_resolves_to_its_module():
    for name in course_utils.__all__:
        value = getattr(course_utils, name)
        assert value is not None
    assert "fit" in dir(course_utils)
    with pytest.raises(AttributeError, match="no attribute 'fitt'"):
        course_utils.fitt  # noqa: B018
