"""How fast `course grade` grades a class: students per hour here, and 1 against 2 Dask workers.

Makes a class of complete submissions (each student hands in every lecture's
instructor notebook, solutions and all), grades it with the default settings
(sandboxed, one job per core), then on a local Dask cluster with one worker and
with two, and checks every run gives full marks.

    .venv/bin/python benchmarks/grading.py                 # 4 students, all lectures
    .venv/bin/python benchmarks/grading.py --students 8 --no-dask

Writes benchmarks/results/grading.csv (or --out) and prints a table. Measure on an
idle machine: shared cores make every figure meaningless.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from course_tools.config import find_notebooks  # noqa: E402
from course_tools.grading import grade  # noqa: E402
from course_tools.notebooks import build  # noqa: E402

FIELDS = (
    "setting",
    "students",
    "notebooks",
    "seconds",
    "students_per_hour",
    "full_marks",
    "machine",
    "date",
)


def make_class(folder: Path, sources: list[Path], students: int) -> Path:
    import nbformat

    built = {source.stem: build(source) for source in sources}
    for i in range(students):
        student = folder / "class" / f"student{i:02d}"
        student.mkdir(parents=True)
        for stem, notebook in built.items():
            nbformat.write(notebook, student / f"{stem}.ipynb")
    return folder / "class"


def timed(subs: Path, sources: list[Path], out: Path, **options) -> tuple[float, bool]:
    start = time.perf_counter()
    rows = grade(subs, sources, out, seed=1, progress=lambda line: None, **options)
    seconds = time.perf_counter() - start
    return seconds, all(row.status == "passed" for row in rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=4, help="class size (default 4)")
    parser.add_argument("--no-dask", action="store_true", help="skip the Dask measurements")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "grading.csv")
    args = parser.parse_args(argv)

    sources = find_notebooks(root=ROOT)
    machine = f"{platform.machine()}, {os.cpu_count()} cores"
    results = []
    with tempfile.TemporaryDirectory() as folder:
        subs = make_class(Path(folder), sources, args.students)
        settings = [("here, default jobs", {})]
        if not args.no_dask:
            settings += [("dask, 1 worker", {"workers": 1}), ("dask, 2 workers", {"workers": 2})]
        for index, (name, setting) in enumerate(settings):
            out = Path(folder) / f"grades-{index}.csv"
            if "workers" in setting:
                from distributed import LocalCluster

                with LocalCluster(
                    n_workers=setting["workers"], threads_per_worker=1, processes=True,
                    dashboard_address=None,
                ) as cluster:  # fmt: skip
                    seconds, full = timed(subs, sources, out, scheduler=cluster.scheduler_address)
            else:
                seconds, full = timed(subs, sources, out)
            results.append(
                {
                    "setting": name,
                    "students": args.students,
                    "notebooks": args.students * len(sources),
                    "seconds": f"{seconds:.1f}",
                    "students_per_hour": f"{args.students / seconds * 3600:.0f}",
                    "full_marks": "yes" if full else "no",
                    "machine": machine,
                    "date": datetime.now().strftime("%Y-%m-%d"),
                }
            )
            print(f"{name}: {seconds:.1f} s, {results[-1]['students_per_hour']} students/hour, "
                  f"full marks: {results[-1]['full_marks']}", flush=True)  # fmt: skip
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=FIELDS)
        writer.writeheader()
        writer.writerows(results)
    dask = {r["setting"]: float(r["seconds"]) for r in results if r["setting"].startswith("dask")}
    if len(dask) == 2:
        print(
            f"2 workers against 1: {dask['dask, 1 worker'] / dask['dask, 2 workers']:.2f}× faster"
        )
    print(f"written to {args.out}")
    return 0 if all(r["full_marks"] == "yes" for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
