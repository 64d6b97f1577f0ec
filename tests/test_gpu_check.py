"""benchmarks/gpu_check.sh, the whole course on one CUDA GPU (issue 21), checked without a GPU.

The script runs on a copy of itself in a throw-away project folder, with ``PYTHON`` pointing at
a fake interpreter (a shell script written here) and a fake ``nvidia-smi`` first on ``PATH``, so
nothing is installed, nothing in the repository is written and no test needs CUDA. The fake
interpreter logs each call with the ``COURSE_SEED`` and ``COURSE_DEVICE`` it saw.
"""

from __future__ import annotations

import csv
import os
import re
import shutil
import stat
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "gpu_check.sh"
STEPS = ["cuda", "install", "doctor", "nbval-seed0", "nbval-seed1", "train-loop", "runtime"]
GPU = 'Fake GPU, 80GB "SXM"'  # a comma and quotes: the summary must quote it

# The fake interpreter: answers the CUDA check with $FAKE_CUDA (0 = a GPU), makes a "venv" whose
# bin/python is itself and whose bin/course only logs, fails any call containing $FAKE_FAIL and
# hangs in any call containing $FAKE_SLOW.
FAKE_PYTHON = """#!/bin/sh
echo "$* |seed=${COURSE_SEED-unset} device=${COURSE_DEVICE-unset}" >> "$FAKE_LOG"
if [ -n "$FAKE_FAIL" ]; then
    case "$*" in *"$FAKE_FAIL"*) exit 3 ;; esac
fi
if [ -n "$FAKE_SLOW" ]; then
    case "$*" in *"$FAKE_SLOW"*) sleep 60 ;; esac
fi
case "$*" in
    *cuda.is_available*) exit "$FAKE_CUDA" ;;
    *get_device_name*) echo "$FAKE_GPU"; exit 0 ;;
    "-m venv"*)
        for dir; do :; done
        mkdir -p "$dir/bin"
        cp "$0" "$dir/bin/python"
        printf '#!/bin/sh\\necho "course $* |device=$COURSE_DEVICE" >> "$FAKE_LOG"\\n' > "$dir/bin/course"
        chmod +x "$dir/bin/python" "$dir/bin/course" ;;
esac
exit 0
"""


def write_executable(path: Path, text: str) -> Path:
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


@pytest.fixture
def sandbox(tmp_path):
    """A project folder holding a copy of the script, fake tools, and a function that runs it."""
    project = tmp_path / "project"
    (project / "benchmarks").mkdir(parents=True)
    shutil.copy2(SCRIPT, project / "benchmarks" / "gpu_check.sh")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    python = write_executable(bin_dir / "fake-python", FAKE_PYTHON)
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    log = tmp_path / "calls.log"
    log.touch()

    def run(*, cuda=True, nvidia_smi=None, fail="", slow="", **extra):
        if nvidia_smi is not None:  # (stdout, exit status) of the fake nvidia-smi
            output, status = nvidia_smi
            write_executable(bin_dir / "nvidia-smi", f"#!/bin/sh\necho '{output}'\nexit {status}\n")
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("COURSE_", "GPU_CHECK_", "PIP_", "OMP_"))
        }
        env.update(
            PATH=f"{bin_dir}{os.pathsep}{env.get('PATH', '')}",
            PYTHON=str(python),
            TMPDIR=str(scratch),
            FAKE_LOG=str(log),
            FAKE_CUDA="0" if cuda else "1",
            FAKE_GPU=GPU,
            FAKE_FAIL=fail,
            FAKE_SLOW=slow,
        )
        env.update(extra)
        result = subprocess.run(
            ["bash", str(project / "benchmarks" / "gpu_check.sh")],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=30,
        )
        result.calls = log.read_text().splitlines()
        return result

    run.project, run.scratch, run.python = project, scratch, python
    return run


def summary(project: Path) -> list[dict]:
    with (project / "benchmarks" / "results" / "gpu_check_cuda.csv").open(newline="") as handle:
        return list(csv.DictReader(handle))


def files_under(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*"))


# ---- the script as a file -------------------------------------------------------------------------


def test_script_is_executable_bash_that_parses():
    assert SCRIPT.read_text().splitlines()[0] == "#!/usr/bin/env bash"
    assert os.access(SCRIPT, os.X_OK), "chmod +x benchmarks/gpu_check.sh"
    assert "set -euo pipefail" in SCRIPT.read_text()
    result = subprocess.run(["bash", "-n", str(SCRIPT)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_header_says_what_how_long_and_how_to_run():
    header = "".join(
        line for line in SCRIPT.read_text().splitlines(keepends=True)[:40] if line.startswith("#")
    )
    for words in ("make gpu-check", "bash benchmarks/gpu_check.sh", "8", "PYTHON"):
        assert words in header


@pytest.mark.skipif(shutil.which("shellcheck") is None, reason="shellcheck is not installed")
def test_shellcheck_is_clean():
    result = subprocess.run(["shellcheck", str(SCRIPT)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    "words",
    [
        'course" doctor',
        "--nbval-lax --nbval-current-env notebooks/ -p no:cacheprovider",
        "COURSE_SEED=1",
        "unset COURSE_SEED",
        "COURSE_DEVICE=cuda",
        "--system-site-packages",
        'pip install --quiet --disable-pip-version-check -e ".[dev]"',
        'benchmarks/train_loop.py --device cuda --out "$RESULTS/train_loop_cuda.csv"',
        'benchmarks/course_runtime.py --runs 1 --out "$RESULTS/course_runtime_cuda.csv"',
        "gpu_check_cuda.csv",
        "--query-gpu=name --format=csv,noheader",
    ],
)
def test_script_names_each_step(words):
    assert words in SCRIPT.read_text()


def test_train_loop_really_has_the_flags_the_script_passes():
    source = (ROOT / "benchmarks" / "train_loop.py").read_text()
    assert '"--device"' in source and '"--out"' in source
    source = (ROOT / "benchmarks" / "course_runtime.py").read_text()
    assert '"--runs"' in source and '"--out"' in source


def test_makefile_has_a_gpu_check_target_that_calls_the_script():
    makefile = (ROOT / "Makefile").read_text()
    recipe = re.search(r"^gpu-check:.*\n((?:\t.*\n)+)", makefile, re.MULTILINE)
    assert recipe, "no gpu-check target"
    assert "bash benchmarks/gpu_check.sh" in recipe.group(1)
    assert re.search(r"^\.PHONY:.*\bgpu-check\b", makefile, re.MULTILINE)
    assert re.search(r'@echo "make gpu-check ', makefile), "make help does not list it"


# ---- refusing on a machine without a GPU ----------------------------------------------------------


def assert_refused_untouched(result, sandbox, message):
    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("gpu_check: ") and message in lines[0], lines
    assert result.stdout == ""
    assert not any("-m venv" in call or "pip" in call for call in result.calls)
    assert files_under(sandbox.scratch) == []  # no venv
    assert files_under(sandbox.project) == [  # no results folder, no result file
        sandbox.project / "benchmarks",
        sandbox.project / "benchmarks" / "gpu_check.sh",
    ]


def test_refuses_when_torch_sees_no_cuda(sandbox):
    result = sandbox(cuda=False)
    assert_refused_untouched(result, sandbox, "no CUDA device")
    assert str(sandbox.python) in result.stderr  # says which interpreter it asked
    assert len(result.calls) == 1 and "torch.cuda.is_available()" in result.calls[0]


def test_refuses_when_nvidia_smi_lists_no_gpu(sandbox):
    result = sandbox(nvidia_smi=("No devices were found", 6))
    assert_refused_untouched(result, sandbox, "nvidia-smi lists no GPU")


def test_refuses_when_the_interpreter_does_not_exist(sandbox):
    result = sandbox(PYTHON=str(sandbox.scratch / "no-such-python"))
    assert_refused_untouched(result, sandbox, "no-such-python")


# ---- the steps, with a fake GPU ----------------------------------------------------------------------


@pytest.mark.parametrize("nvidia_smi", [(GPU, 0), None], ids=["nvidia-smi", "torch-name"])
def test_every_step_runs_and_is_recorded(sandbox, nvidia_smi):
    result = sandbox(nvidia_smi=nvidia_smi)
    assert result.returncode == 0, result.stdout + result.stderr
    rows = summary(sandbox.project)
    assert [r["step"] for r in rows] == STEPS
    assert {r["status"] for r in rows} == {"ok"}
    assert {r["gpu"] for r in rows} == {GPU}
    assert all(float(r["seconds"]) >= 0 for r in rows)
    assert f"every step passed on {GPU}" in result.stdout
    assert re.search(r"^nbval-seed1\s+ok\s+[\d.]+\s+Fake GPU", result.stdout, re.MULTILINE)

    calls = result.calls
    assert any(c.startswith("-m venv --system-site-packages ") for c in calls)
    assert any("pip install" in c and "-e .[dev]" in c for c in calls)
    assert any(c.startswith("course doctor |device=cuda") for c in calls)
    nbval = [c for c in calls if "--nbval-lax --nbval-current-env notebooks/" in c]
    assert [c.rsplit("|", 1)[1] for c in nbval] == [
        "seed=unset device=cuda",  # the committed seeds first
        "seed=1 device=cuda",
    ]
    assert all("-p no:cacheprovider" in c for c in nbval)
    assert any(
        "benchmarks/train_loop.py --device cuda --out benchmarks/results/train_loop_cuda.csv" in c
        for c in calls
    )
    runtime = (
        "benchmarks/course_runtime.py --runs 1 --out benchmarks/results/course_runtime_cuda.csv"
    )
    assert any(c.startswith(runtime) and c.endswith("device=cuda") for c in calls)
    assert files_under(sandbox.scratch) == []  # the temporary venv is removed


def test_a_failing_step_is_recorded_and_the_next_ones_still_run(sandbox):
    result = sandbox(nvidia_smi=(GPU, 0), fail="train_loop.py")
    assert result.returncode == 1
    statuses = {r["step"]: r["status"] for r in summary(sandbox.project)}
    assert statuses == {**dict.fromkeys(STEPS, "ok"), "train-loop": "failed"}
    assert "1 step(s) not ok: train-loop" in result.stderr
    assert any("course_runtime.py" in c for c in result.calls)  # ran after the failure


def test_a_failed_install_skips_the_steps_that_need_it(sandbox):
    result = sandbox(nvidia_smi=(GPU, 0), fail="pip install")
    assert result.returncode == 1
    statuses = [r["status"] for r in summary(sandbox.project)]
    assert statuses == ["ok", "failed"] + ["skipped"] * 5
    assert "the course did not install" in result.stdout


def test_a_spent_budget_skips_the_remaining_steps(sandbox):
    result = sandbox(nvidia_smi=(GPU, 0), GPU_CHECK_BUDGET="0")
    assert result.returncode == 1
    assert [r["status"] for r in summary(sandbox.project)] == ["ok"] + ["skipped"] * 6
    assert not any("-m venv" in c for c in result.calls)


def test_a_kept_venv_stays_where_it_was_asked_for(sandbox, tmp_path):
    kept = tmp_path / "kept-venv"
    result = sandbox(nvidia_smi=(GPU, 0), GPU_CHECK_VENV=str(kept))
    assert result.returncode == 0, result.stdout + result.stderr
    assert (kept / "bin" / "python").exists()
    assert files_under(sandbox.scratch) == []


def test_a_step_still_running_when_the_budget_is_spent_is_stopped_with_its_children(sandbox):
    # The install hangs in the fake's `sleep 60`, a child of the step: were it left running it
    # would hold the captured output open and subprocess.run would wait for it.
    start = time.perf_counter()
    result = sandbox(nvidia_smi=(GPU, 0), slow="pip install", GPU_CHECK_BUDGET="0.5")
    assert time.perf_counter() - start < 15
    assert result.returncode == 1
    statuses = [r["status"] for r in summary(sandbox.project)]
    assert statuses == ["ok", "timeout"] + ["skipped"] * 5
    assert "stopped after the budget ran out" in result.stderr
