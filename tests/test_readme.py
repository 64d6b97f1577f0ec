"""The README's lecture table: one row per lecture, each linking its notebook, with the measured runtime."""

from __future__ import annotations

import csv
import importlib.util
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
RESULTS = ROOT / "benchmarks" / "results" / "course_runtime.csv"


def _benchmark():
    spec = importlib.util.spec_from_file_location(
        "course_runtime", ROOT / "benchmarks" / "course_runtime.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _table_rows(text: str) -> dict[str, list[str]]:
    table = text.split("<!-- lectures:start -->")[1].split("<!-- lectures:end -->")[0]
    rows = {}
    for line in table.splitlines():
        match = re.match(r"\| (\d\d) \|", line)
        if match:
            rows[match.group(1)] = [cell.strip() for cell in line.strip().strip("|").split("|")]
    return rows


def test_every_lecture_has_a_row_linking_its_notebook_and_colab():
    rows = _table_rows(README.read_text(encoding="utf-8"))
    notebooks = sorted(ROOT.glob("notebooks/[0-9][0-9]_*.ipynb"))
    assert sorted(rows) == [nb.name[:2] for nb in notebooks], "one README row per lecture"
    for notebook in notebooks:
        row = " | ".join(rows[notebook.name[:2]])
        assert f"(notebooks/{notebook.name})" in row, f"the row of {notebook.stem} links its notebook"
        assert f"blob/main/notebooks/{notebook.name})" in row, f"the row of {notebook.stem} opens in Colab"


def test_readme_runtimes_are_the_measured_ones():
    if not RESULTS.exists():
        pytest.fail(f"{RESULTS.relative_to(ROOT)} is missing: run benchmarks/course_runtime.py")
    measured = _benchmark().readme_runtimes(RESULTS)
    shown = {number: cells[-1] for number, cells in _table_rows(README.read_text()).items()}
    assert shown == {number: measured.get(number, "–") for number in shown}, (
        "the README's runtime column differs from benchmarks/results/course_runtime.csv: "
        "run benchmarks/course_runtime.py --update-readme"
    )
    assert set(measured) == set(shown), "every lecture is measured, and only lectures in the table"


def test_update_readme_rewrites_only_the_runtime_column(tmp_path):
    results = tmp_path / "runtime.csv"
    with results.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["notebook", "median_s"])
        writer.writerow(["01_demo", "12.34"])
    readme = tmp_path / "README.md"
    readme.write_text(
        "| # | lecture | CPU runtime |\n|---|---|---|\n| 01 | [Demo](x.ipynb) | – |\n"
        "| 02 | [Other](y.ipynb) | 9 s |\nprose | 01 | untouched\n"
    )
    _benchmark().update_readme(results, readme)
    lines = readme.read_text().splitlines()
    assert lines[2] == "| 01 | [Demo](x.ipynb) | 12 s |"
    assert lines[3] == "| 02 | [Other](y.ipynb) | 9 s |"
    assert lines[4] == "prose | 01 | untouched"
