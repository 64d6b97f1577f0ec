"""The ``course`` command: ``doctor``, ``run``, ``stamp``, ``release``, ``slides``, ``grade``, ``check``.

Importing this module loads neither torch nor matplotlib (a test keeps it so):
each subcommand imports what it needs when it runs, so ``course --help`` answers
at once.
"""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import sys
from collections.abc import Sequence
from pathlib import Path

from course_utils.errors import CourseError

from .errors import ToolError

REQUIRED = ("torch", "torchvision", "numpy", "matplotlib", "sklearn", "tqdm", "mlxtend")
OPTIONAL = ("jupytext", "nbclient", "nbval", "ipywidgets", "jupyterlab")
PIP_NAME = {"sklearn": "scikit-learn"}


def _version(module: str) -> str | None:
    try:
        return getattr(importlib.import_module(module), "__version__", "installed")
    except Exception:  # noqa: BLE001 - a broken install counts as missing
        return None


def _dataset_checks() -> list[tuple[str, bool, str]]:
    """Try each offline dataset; full MNIST is optional."""
    from course_utils import data

    checks = [
        ("iris", lambda: data.load_iris()),
        ("digits", lambda: data.load_digits()),
        ("diabetes", lambda: data.load_diabetes()),
        ("MNIST-5k", lambda: data.load_mnist5k()),
        ("character corpus", lambda: data.load_char_corpus()),
    ]
    results = []
    for name, load in checks:
        try:
            load()
            results.append((name, True, "loads offline"))
        except Exception as exc:  # noqa: BLE001
            results.append((name, False, str(exc).splitlines()[0]))
    try:
        data.load_mnist()
        results.append(("full MNIST (optional)", True, f"found in {data.data_dir()}"))
    except CourseError:
        results.append(("full MNIST (optional)", True, "not downloaded; the course uses MNIST-5k"))
    return results


def doctor(args: argparse.Namespace) -> int:
    """Print what this machine has for the course; exit 1 with advice when something required is missing."""
    problems = []
    print(f"Python        {platform.python_version()} ({sys.executable})")
    for module in REQUIRED:
        version = _version(module)
        print(f"{module:<13} {version or 'MISSING'}")
        if version is None:
            problems.append(f"{module} is missing: pip install {PIP_NAME.get(module, module)}")
    for module in OPTIONAL:
        print(f"{module:<13} {_version(module) or '-'} (optional)")
    in_colab = "google.colab" in sys.modules or "COLAB_RELEASE_TAG" in os.environ
    print(f"Colab         {'yes' if in_colab else 'no'}")
    if _version("torch"):
        import torch

        from course_utils.device import available_devices, get_device

        cuda = torch.version.cuda if torch.cuda.is_available() else None
        print(
            f"CUDA          {f'{cuda} ({torch.cuda.get_device_name(0)})' if cuda else 'not available'}"
        )
        mps = getattr(torch.backends, "mps", None)
        print(
            f"MPS           {'available' if mps is not None and mps.is_available() else 'not available'}"
        )
        print(f"devices       {', '.join(available_devices())}")
        try:
            print(f"chosen device {get_device()}")
        except CourseError as exc:
            problems.append(str(exc))
            print("chosen device ERROR")
    if not problems or all("missing" not in p for p in problems):
        if _version("sklearn") and _version("mlxtend") and _version("torch"):
            for name, ok, detail in _dataset_checks():
                print(f"dataset       {name:<22} {'ok' if ok else 'FAILED'}: {detail}")
                if not ok:
                    problems.append(f"dataset {name}: {detail}")
    if problems:
        print("\nProblems:")
        for problem in problems:
            print(f"  - {problem}")
        print(
            "Fix them (e.g. `make install`, or pip install -e '.[dev,lab]'), then run `course doctor` again."
        )
        return 1
    print("\nAll set: every lecture can run here.")
    return 0


def run(args: argparse.Namespace) -> int:
    """Build each notebook from its .py source, execute it in place and print the wall time."""
    from .config import find_notebooks
    from .notebooks import run_notebook

    sources = find_notebooks(args.notebooks)
    results = []
    env = {} if args.seed is None else {"COURSE_SEED": str(args.seed)}
    if env:
        print(f"COURSE_SEED={args.seed}: the notebooks are executed, not written", flush=True)
    for source in sources:
        print(f"running {source.stem} ...", flush=True)
        result = run_notebook(source, timeout=args.timeout, env=env, write=not env)
        results.append(result)
        print(
            f"  {'ok' if result.ok else 'FAILED'} in {result.seconds:.1f} s"
            + (f": {result.error}" if result.error else ""),
            flush=True,
        )
    width = max(len(r.notebook) for r in results) if results else 8
    print(f"\n{'notebook':<{width}}  {'seconds':>8}  status")
    for r in results:
        print(f"{r.notebook:<{width}}  {r.seconds:>8.1f}  {'ok' if r.ok else 'FAILED'}")
    print(f"{'total':<{width}}  {sum(r.seconds for r in results):>8.1f}")
    return 0 if all(r.ok for r in results) else 1


def seeds_cmd(args: argparse.Namespace) -> int:
    """Run lectures on several seeds (COURSE_SEED) and print which held their asserts."""
    import csv
    import os
    from concurrent.futures import ThreadPoolExecutor

    from .config import find_notebooks
    from .notebooks import run_notebook

    sources = find_notebooks(args.notebooks)
    runs = [(source, seed) for source in sources for seed in args.seeds]
    env = {"OMP_NUM_THREADS": "1"}

    def one(item):
        source, seed = item
        result = run_notebook(source, args.timeout, {**env, "COURSE_SEED": str(seed)}, write=False)
        print(f"{source.stem} seed {seed}: {'ok' if result.ok else result.error}", flush=True)
        return source.stem, seed, result

    with ThreadPoolExecutor(max_workers=args.jobs or os.cpu_count() or 1) as pool:
        results = list(pool.map(one, runs))
    width = max(len(s.stem) for s in sources)
    print(f"\n{'lecture':<{width}}  " + "  ".join(f"seed {s}" for s in args.seeds))
    for source in sources:
        marks = [("ok" if r.ok else "FAIL") for stem, _, r in results if stem == source.stem]
        print(f"{source.stem:<{width}}  " + "  ".join(f"{m:>6}" for m in marks))
    for stem, seed, result in results:
        if not result.ok:
            print(f"  {stem}, seed {seed}: {result.error}")
    if args.out:
        with open(args.out, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["lecture", "seed", "asserts_held", "seconds", "error"])
            for stem, seed, result in results:
                writer.writerow(
                    [
                        stem,
                        seed,
                        "yes" if result.ok else "no",
                        f"{result.seconds:.1f}",
                        result.error,
                    ]
                )
        print(f"written to {args.out}")
    return 0 if all(r.ok for _, _, r in results) else 1


def stamp(args: argparse.Namespace) -> int:
    """Rewrite the Colab badges and install URLs in the notebooks and README from pyproject.toml."""
    from .stamping import stamp_tree

    changed = stamp_tree()
    for path in changed:
        print(f"stamped {path}")
    print(
        f"{len(changed)} file(s) updated"
        if changed
        else "everything already points at the repository URL"
    )
    return 0


def release_cmd(args: argparse.Namespace) -> int:
    """Write the student notebooks (solutions removed), or commit them to the student branch."""
    from .config import find_notebooks, repo_root, student_home

    root = repo_root()
    if args.branch is not None:
        from .publish import publish

        branch = args.branch or student_home(root)[1]
        commit = publish(root, branch, args.notebooks)
        if commit is None:
            print(f"branch {branch!r} already holds these student notebooks; nothing to commit")
        else:
            print(
                f"committed {commit[:12]} to branch {branch!r}; publish it with: git push origin {branch}"
            )
        return 0
    from .release import release

    out = Path(args.out) if args.out else root / "release"
    try:
        home = student_home(root)
    except ToolError:  # no repository URL configured: links are left as they are
        home = None
    for path in release(find_notebooks(args.notebooks), out, home):
        print(f"released {path}")
    return 0


def grade_cmd(args: argparse.Namespace) -> int:
    """Grade every student's notebooks; write grades.csv and print a summary."""
    from .config import find_notebooks
    from .grading import grade, summary

    rows = grade(
        Path(args.submissions),
        find_notebooks(args.notebooks),
        Path(args.out),
        cell_timeout=args.timeout,
        notebook_timeout=args.notebook_timeout,
        memory_mb=args.memory,
        seed=args.seed,
        sandbox=not args.no_sandbox,
        feedback=Path(args.feedback) if args.feedback else None,
        jobs=args.jobs,
        scheduler=args.scheduler,
        progress=lambda line: print(line, flush=True),
    )
    print()
    print(summary(rows))
    print(
        f"\ngrades written to {args.out}"
        + (f"; feedback in {args.feedback}" if args.feedback else "")
    )
    return 0


def check_cmd(args: argparse.Namespace) -> int:
    """Grade one's own notebook as a grader would (no hidden checks) and print the table."""
    import secrets

    import nbformat

    from .config import find_notebooks
    from .grading import Lecture, checks_of, grade_notebook, lecture_of
    from .release import student_notebook
    from .sandbox import bwrap_path

    path = Path(args.notebook)
    if not path.is_file():
        raise ToolError(
            f"{path} does not exist; give the path of your notebook, e.g. 03_adaline.ipynb"
        )
    sandbox = bwrap_path() is not None and not args.no_sandbox
    if not sandbox and not args.no_sandbox:
        print("bubblewrap is not installed: running without a sandbox", file=sys.stderr)
    try:  # in the course repository: the released notebook is the template, as for a grader
        (source,) = find_notebooks([path.stem])
        lecture = lecture_of(source, hidden=False)
        lecture.notebook = student_notebook(lecture.notebook, source.name)
    except ToolError:  # a student's copy: its own check cells are the template
        notebook = nbformat.read(path, as_version=4)
        lecture = Lecture(path.stem, notebook, checks_of(notebook, hidden=False))
    if not lecture.checks:
        raise ToolError(f"{path} has no check cells (cells tagged 'check') to grade")
    rows = grade_notebook(
        "you", path, lecture, seed=secrets.randbelow(2**31), cell_timeout=args.timeout,
        notebook_timeout=args.notebook_timeout, sandbox=sandbox,
    )  # fmt: skip
    width = max(len(r.check) for r in rows) if rows else 5
    for row in rows:
        mark = "✓" if row.status == "passed" else "✗"
        print(f"{mark} {row.check:<{width}}  {row.points:g}/{row.max:g}  {row.status}")
        if row.reason:
            print(f"    {row.reason}")
    got, total = sum(r.points for r in rows), sum(r.max for r in rows)
    print(
        f"\n{got:g} of {total:g} points" + (f" ({rows[0].notes})" if rows and rows[0].notes else "")
    )
    return 0 if got == total else 1


def slides_cmd(args: argparse.Namespace) -> int:
    """Build a reveal.js deck per lecture in slides/build/ that opens offline."""
    from .slides import build_decks

    decks = build_decks(
        args.notebooks,
        out=Path(args.out) if args.out else None,
        cdn=args.cdn,
        progress=lambda line: print(line, flush=True),
        solutions=args.with_solutions,
        pdf=args.pdf,
    )
    if decks:
        how = "offline" if all(d.offline for d in decks) else "with a network only (CDN)"
        print(
            f"{len(decks)} deck(s) in {decks[0].path.parent.parent}, presentable {how}: "
            "open NN_name/index.html in a browser"
        )
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="course", description="Tools for the deep-learning course."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    p = sub.add_parser(
        "doctor", help="check this machine: Python, torch, devices, offline datasets"
    )
    p.set_defaults(func=doctor)
    p = sub.add_parser("run", help="build and execute notebooks in place, with wall times")
    p.add_argument(
        "notebooks", nargs="*", metavar="NOTEBOOK", help="e.g. 00 or 01_perceptron (default: all)"
    )
    p.add_argument("--timeout", type=int, default=600, help="seconds a cell may run (default 600)")
    p.add_argument(
        "--seed",
        type=int,
        metavar="S",
        help="run with COURSE_SEED=S (every seed_everything seed + S); the notebooks are not written",
    )
    p.set_defaults(func=run)
    p = sub.add_parser("seeds", help="run lectures on several seeds and print which asserts held")
    p.add_argument("notebooks", nargs="*", metavar="NOTEBOOK", help="e.g. 04 05 (default: all)")
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4], metavar="S")
    p.add_argument("--jobs", type=int, metavar="N", help="runs at once (default: one per core)")
    p.add_argument("--timeout", type=int, default=600, help="seconds a cell may run (default 600)")
    p.add_argument("--out", metavar="CSV", help="also write the table to this CSV file")
    p.set_defaults(func=seeds_cmd)
    p = sub.add_parser(
        "stamp", help="point badges and install cells at the Repository URL of pyproject.toml"
    )
    p.set_defaults(func=stamp)
    p = sub.add_parser("release", help="write student notebooks with the solutions removed")
    p.add_argument("notebooks", nargs="*", metavar="NOTEBOOK", help="e.g. 00 01 (default: all)")
    p.add_argument("--out", metavar="DIR", help="where to write them (default: release/)")
    p.add_argument(
        "--branch",
        nargs="?",
        const="",
        metavar="NAME",
        help="commit them to this branch instead (default: student-branch of [tool.course])",
    )
    p.set_defaults(func=release_cmd)
    p = sub.add_parser("slides", help="build a reveal.js deck per lecture that opens offline")
    p.add_argument("notebooks", nargs="*", metavar="NOTEBOOK", help="e.g. 00 01 (default: all)")
    p.add_argument("--out", metavar="DIR", help="where to write the decks (default: slides/build/)")
    p.add_argument(
        "--cdn",
        action="store_true",
        help="link reveal.js and MathJax from a CDN instead of copying them beside each deck",
    )
    p.add_argument(
        "--with-solutions",
        action="store_true",
        help="the instructor's decks, with solutions, into NN_name-with-solutions/ "
        "(default: student-safe decks)",
    )
    p.add_argument(
        "--pdf",
        action="store_true",
        help="also print each deck to NN_name.pdf beside it, one page per slide (needs Chromium)",
    )
    p.set_defaults(func=slides_cmd)
    p = sub.add_parser("grade", help="run students' notebooks and score each check")
    p.add_argument(
        "submissions",
        metavar="SUBMISSIONS_DIR",
        help="one folder per student, holding their notebooks",
    )
    p.add_argument(
        "notebooks", nargs="*", metavar="NOTEBOOK", help="lectures to grade (default: all)"
    )
    p.add_argument(
        "--out",
        default="grades.csv",
        help="CSV of results, appended to and resumed (default grades.csv)",
    )
    p.add_argument(
        "--timeout", type=int, default=60, metavar="S", help="seconds one cell may run (default 60)"
    )
    p.add_argument(
        "--notebook-timeout",
        type=int,
        default=600,
        metavar="S",
        help="seconds one notebook may run (default 600)",
    )
    p.add_argument(
        "--memory",
        type=int,
        default=6144,
        metavar="MB",
        help="address space one notebook may use (default 6144)",
    )
    p.add_argument(
        "--seed",
        type=int,
        metavar="N",
        help="seed the cases are drawn from (default: a new one, recorded in the CSV)",
    )
    p.add_argument(
        "--no-sandbox",
        action="store_true",
        help="run without bubblewrap; every row is marked unsandboxed",
    )
    p.add_argument(
        "--feedback", metavar="DIR", help="write a Markdown page per student and notebook"
    )
    p.add_argument(
        "--jobs",
        type=int,
        metavar="N",
        help="notebooks graded at once on this machine (default: one per core)",
    )
    p.add_argument(
        "--scheduler",
        metavar="tcp://HOST:PORT",
        help="grade on a running Dask cluster instead (pip install 'course-utils[cluster]')",
    )
    p.set_defaults(func=grade_cmd)
    p = sub.add_parser(
        "check", help="grade your own notebook as the grader would, and print the points"
    )
    p.add_argument("notebook", metavar="NOTEBOOK", help="your notebook, e.g. 03_adaline.ipynb")
    p.add_argument("--timeout", type=int, default=60, metavar="S", help="seconds one cell may run")
    p.add_argument(
        "--notebook-timeout", type=int, default=600, metavar="S", help="seconds it may run"
    )
    p.add_argument("--no-sandbox", action="store_true", help="run without bubblewrap")
    p.set_defaults(func=check_cmd)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except (ToolError, CourseError) as exc:
        print(f"course {args.command}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # pragma: no cover
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
