"""How long each lecture takes, executed headless as `course run` does.

Runs every notebook (or those named) several times in fresh kernels and reports,
per notebook: the median wall time, the time to start the kernel and run the
set-up and import cells, the time spent in training cells (cells that call
``fit(``, a lecture's own ``train_...(`` function, ``.backward()`` or an optimizer's
``.step()``), and whether every cell
ran (the lectures assert their quality targets, so "ok" means they were met).

    .venv/bin/python benchmarks/course_runtime.py                # all, 3 runs each
    .venv/bin/python benchmarks/course_runtime.py 04 05 --runs 5
    .venv/bin/python benchmarks/course_runtime.py --update-readme

Writes benchmarks/results/course_runtime.csv (or --out; rows of notebooks not named
are kept) and prints a table. With
--update-readme it also rewrites the CPU runtime column of the README's lecture
table from that file. The notebooks on disk are not changed.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import re
import statistics
import sys
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from course_tools.config import budgets, find_notebooks  # noqa: E402
from course_tools.executor import execute  # noqa: E402
from course_tools.notebooks import build  # noqa: E402

TRAINING = re.compile(r"\bfit\(|\btrain_\w*\(|\.backward\(|\.step\(")
FIELDS = (
    "notebook",
    "runs",
    "median_s",
    "min_s",
    "max_s",
    "startup_imports_s",
    "training_s",
    "budget_s",
    "within_budget",
    "asserts_passed",
    "device",
    "threads",
    "machine",
    "date",
)


def run_once(source: Path) -> dict:
    """Execute one notebook in a fresh kernel with the course's executor; per-cell timings."""
    notebook = build(source)
    execution = execute(notebook, source.parent, timeout=900)
    code = [c for c in notebook.cells if c.cell_type == "code"]
    seconds = {result.index: result.seconds for result in execution.cells}
    setup = sum(seconds[i] for i, c in enumerate(notebook.cells) if c in code[:2])
    training = sum(
        seconds[i] for i, c in enumerate(notebook.cells) if c in code and TRAINING.search(c.source)
    )
    return {
        "wall": execution.seconds,
        "startup": execution.startup_seconds + setup,  # kernel start + setup + imports
        "training": training,
        "ok": execution.ok,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", help="e.g. 00 04 (default: all)")
    parser.add_argument("--runs", type=int, default=3, help="runs per notebook (default 3)")
    parser.add_argument(
        "--out", type=Path, default=ROOT / "benchmarks" / "results" / "course_runtime.csv"
    )
    parser.add_argument(
        "--update-readme", action="store_true", help="rewrite the README's runtime column"
    )
    args = parser.parse_args(argv)

    import torch

    from course_utils import get_device

    sources = find_notebooks(args.notebooks, root=ROOT)
    limits = budgets(ROOT)
    results: dict[str, list[dict]] = {s.stem: [] for s in sources}
    for run in range(args.runs):  # interleaved: every notebook once, then again
        for source in sources:
            outcome = run_once(source)
            results[source.stem].append(outcome)
            print(
                f"run {run + 1}/{args.runs} {source.stem}: {outcome['wall']:.1f} s"
                + ("" if outcome["ok"] else "  FAILED"),
                flush=True,
            )

    rows = []
    machine = f"{platform.machine()}, {os.cpu_count()} cores"
    for stem, runs in results.items():
        walls = [r["wall"] for r in runs]
        budget = limits.get(stem[:2])
        median = statistics.median(walls)
        rows.append(
            {
                "notebook": stem,
                "runs": len(runs),
                "median_s": f"{median:.1f}",
                "min_s": f"{min(walls):.1f}",
                "max_s": f"{max(walls):.1f}",
                "startup_imports_s": f"{statistics.median(r['startup'] for r in runs):.1f}",
                "training_s": f"{statistics.median(r['training'] for r in runs):.1f}",
                "budget_s": f"{budget:g}" if budget else "",
                "within_budget": "yes" if budget and median <= budget else "no",
                "asserts_passed": "yes" if all(r["ok"] for r in runs) else "no",
                "device": str(get_device()),
                "threads": torch.get_num_threads(),
                "machine": machine,
                "date": datetime.now().strftime("%Y-%m-%d"),
            }
        )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    kept = []  # rows of notebooks not measured this time stay as they were
    if args.out.exists():
        with args.out.open(newline="") as handle:
            kept = [r for r in csv.DictReader(handle) if r["notebook"] not in results]
    with args.out.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=FIELDS)
        writer.writeheader()
        writer.writerows(sorted(kept + rows, key=lambda r: r["notebook"]))

    print(f"\n{'notebook':<30} {'median':>7} {'start+imp':>9} {'training':>8} {'budget':>6}  ok")
    for r in rows:
        print(
            f"{r['notebook']:<30} {r['median_s']:>7} {r['startup_imports_s']:>9} {r['training_s']:>8} "
            f"{r['budget_s']!s:>6}  {r['asserts_passed']}"
        )
    total = sum(float(r["median_s"]) for r in rows)
    print(f"{'whole course (serial)':<30} {total:>7.1f}")
    print(f"written to {args.out}")
    if args.update_readme:
        update_readme(args.out)
    return 0 if all(r["asserts_passed"] == "yes" for r in rows) else 1


def readme_runtimes(csv_path: Path) -> dict[str, str]:
    """The runtime cell the README shows for each notebook, from the results file."""
    with csv_path.open(newline="") as handle:
        return {
            row["notebook"][:2]: f"{float(row['median_s']):.0f} s" for row in csv.DictReader(handle)
        }


def update_readme(csv_path: Path, readme: Path = ROOT / "README.md") -> None:
    """Rewrite the last column of the README's lecture table from the results file."""
    runtimes = readme_runtimes(csv_path)
    lines = readme.read_text(encoding="utf-8").splitlines()
    for i, line in enumerate(lines):
        match = re.match(r"\| (\d\d) \|", line)
        if match and match.group(1) in runtimes:
            cells = line.rstrip("|").split("|")
            cells[-1] = f" {runtimes[match.group(1)]} "
            lines[i] = "|".join(cells) + "|"
    readme.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"updated the runtime column of {readme.name}")


if __name__ == "__main__":
    sys.exit(main())
