"""The student's side of grading: runs inside the sandbox, returns only data.

``python -m course_tools.runner JOB`` reads ``JOB`` (JSON written by the grader:
for each notebook of one student, the cells to run and, for each check, the
exercise, the name of the student's function and the cases drawn outside). It
imports torch, IPython and the checks once, then runs each notebook in a child
process forked from itself: a fresh IPython namespace in a folder of its own,
where the cells run in order and each checked function is called on its cases
with :func:`course_utils.checks.answer`. The child writes ``NAME/result.json`` (a
status per cell, the answers per check) after every step, so a notebook that
kills its process still leaves what it had done; one that runs past its time
limit is killed with every process it started, and the next notebook starts
fresh. Nothing here decides anything: the grader reads the answers as plain data.
What the student's code prints goes nowhere.
"""

from __future__ import annotations

import importlib
import json
import os
import signal
import sys
import time


class CellTimeout(BaseException):
    """Raised in the student's code when a cell or a check runs past its time limit."""


def _alarm(signum, frame):  # noqa: ARG001 - the signal handler's signature
    raise CellTimeout


def _write(path: str, result: dict, owner: int | None = None) -> None:
    """Write the result atomically; only ``owner`` may (not processes the student's code forked)."""
    if owner is not None and os.getpid() != owner:
        return
    temporary = f"{path}.{os.getpid()}.part"
    with open(temporary, "w", encoding="utf-8") as handle:
        json.dump(result, handle)
    os.replace(temporary, path)


def run_notebook(job: dict, cell_timeout: int, result_path: str) -> None:
    """Run one notebook's cells and answer its checks, in this (forked) process."""
    from IPython.core.interactiveshell import InteractiveShell

    from course_utils.checks import answer

    owner = os.getpid()
    result: dict = {"cells": {}, "answers": {}}
    _write(result_path, result, owner)
    shell = InteractiveShell.instance()
    signal.signal(signal.SIGALRM, _alarm)
    for cell in job["cells"]:
        signal.alarm(cell_timeout)
        try:
            outcome = shell.run_cell(cell["source"], store_history=False, silent=True)
            error = outcome.error_before_exec or outcome.error_in_exec
            if os.getpid() != owner:  # a process the student's code forked: it stops here
                os._exit(0)
        except CellTimeout as exc:  # pragma: no cover - raised outside the cell's own code
            error = exc
        finally:
            signal.alarm(0)
        if error is None:
            status = {"status": "ok"}
        elif isinstance(error, CellTimeout):
            status = {"status": "timeout"}
        else:
            status = {"status": "error", "error": f"{type(error).__name__}: {error}"[:300]}
        result["cells"][cell["id"]] = status
        _write(result_path, result, owner)

    for check in job["checks"]:
        exercise = getattr(importlib.import_module(check["module"]), check["exercise"])
        function = shell.user_ns.get(check["function"])
        signal.alarm(cell_timeout)
        try:
            answers = answer(exercise, function, check["cases"])
        except CellTimeout:
            answers = json.dumps([{"__raised__": "CellTimeout: the check ran past its time limit"}])
        except Exception as exc:  # noqa: BLE001 - anything the student broke is data
            answers = json.dumps([{"__raised__": f"{type(exc).__name__}: {exc}"[:300]}])
        finally:
            signal.alarm(0)
        result["answers"][check["cell_id"]] = answers
        _write(result_path, result, owner)


def _wait(pid: int, seconds: float) -> bool:
    """Wait for the child; False when it ran past ``seconds`` (then it and its group are killed)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done:
            return True
        time.sleep(0.02)
    return False


def main(job_path: str) -> int:
    with open(job_path, encoding="utf-8") as handle:
        job = json.load(handle)
    cell_timeout = int(job.get("cell_timeout", 60))
    here = os.getcwd()
    sys.path[:] = [
        p for p in sys.path if p not in ("", here)
    ]  # nothing importable from the work folder

    devnull = open(os.devnull, "w")  # noqa: SIM115 - open for the whole run
    os.dup2(devnull.fileno(), 1)
    os.dup2(devnull.fileno(), 2)
    sys.stdout = sys.stderr = devnull
    os.environ.setdefault("MPLBACKEND", "Agg")

    # What every lecture imports, loaded once; each notebook's process starts with it loaded.
    import IPython.core.interactiveshell  # noqa: F401
    import matplotlib.pyplot  # noqa: F401
    import numpy  # noqa: F401
    import torch  # noqa: F401

    import course_utils.checks  # noqa: F401

    for notebook in job["notebooks"]:
        folder = os.path.join(here, notebook["name"])
        os.makedirs(folder, exist_ok=True)
        result_path = os.path.join(folder, "result.json")
        pid = os.fork()
        if pid == 0:  # the notebook's own process, in its own process group
            code = 1
            try:
                os.setpgid(0, 0)
                os.chdir(folder)
                run_notebook(notebook, cell_timeout, result_path)
                code = 0
            finally:
                os._exit(code)
        finished = _wait(pid, float(notebook.get("timeout", 600)))
        for target in (-pid, pid):  # whatever it started goes with it
            try:
                os.kill(target, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        if not finished:
            os.waitpid(pid, 0)
            try:
                with open(result_path, encoding="utf-8") as handle:
                    partial = json.load(handle)
            except (OSError, ValueError):
                partial = {}
            _write(result_path, {**partial, "timed_out": True})
    return 0


if __name__ == "__main__":  # pragma: no cover - run inside the sandbox
    sys.exit(main(sys.argv[1]))
