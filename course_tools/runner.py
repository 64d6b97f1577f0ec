"""The student's side of grading: runs inside the sandbox, returns only data.

``python -m course_tools.runner JOB RESULT`` reads ``JOB`` (JSON written by the
grader: the cells to run, in order, and for each check the exercise, the name of
the student's function and the cases drawn outside), runs the cells in one IPython
namespace, calls each checked function on its cases with
:func:`course_utils.checks.answer`, and writes ``RESULT`` (JSON: a status per cell,
the answers per check). It decides nothing: the grader reads the answers as plain
data and computes references and verdicts in its own process.

The result file is rewritten after every step, so a submission that kills the
process still leaves what it had done. What the student's code prints goes
nowhere. Each cell and each check has a time limit (``SIGALRM``); the grader also
limits the whole run and kills the sandbox at the end.
"""

from __future__ import annotations

import importlib
import json
import os
import signal
import sys


class CellTimeout(BaseException):
    """Raised in the student's code when a cell or a check runs past its time limit."""


def _alarm(signum, frame):  # noqa: ARG001 - the signal handler's signature
    raise CellTimeout


def _write(path: str, result: dict) -> None:
    temporary = path + ".part"
    with open(temporary, "w", encoding="utf-8") as handle:
        json.dump(result, handle)
    os.replace(temporary, path)


def main(job_path: str, result_path: str) -> int:
    with open(job_path, encoding="utf-8") as handle:
        job = json.load(handle)
    limit = int(job.get("cell_timeout", 60))
    result: dict = {"cells": {}, "answers": {}}
    _write(result_path, result)

    devnull = open(os.devnull, "w")  # noqa: SIM115 - open for the whole run
    os.dup2(devnull.fileno(), 1)
    os.dup2(devnull.fileno(), 2)
    sys.stdout = sys.stderr = devnull
    os.environ.setdefault("MPLBACKEND", "Agg")

    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    signal.signal(signal.SIGALRM, _alarm)
    for cell in job["cells"]:
        signal.alarm(limit)
        try:
            outcome = shell.run_cell(cell["source"], store_history=False, silent=True)
            error = outcome.error_before_exec or outcome.error_in_exec
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
        _write(result_path, result)

    from course_utils.checks import answer

    for check in job["checks"]:
        module = importlib.import_module(check["module"])
        exercise = getattr(module, check["exercise"])
        function = shell.user_ns.get(check["function"])
        signal.alarm(limit)
        try:
            answers = answer(exercise, function, check["cases"])
        except CellTimeout:
            answers = json.dumps([{"__raised__": "CellTimeout: the check ran past its time limit"}])
        except Exception as exc:  # noqa: BLE001 - anything the student broke is data
            answers = json.dumps([{"__raised__": f"{type(exc).__name__}: {exc}"[:300]}])
        finally:
            signal.alarm(0)
        result["answers"][check["cell_id"]] = answers
        _write(result_path, result)
    return 0


if __name__ == "__main__":  # pragma: no cover - run inside the sandbox
    sys.exit(main(sys.argv[1], sys.argv[2]))
