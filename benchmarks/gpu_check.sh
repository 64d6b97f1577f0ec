#!/usr/bin/env bash
# gpu_check.sh -- the whole course on one CUDA GPU, in one go.
#
# What it does, in this order; each step is timed and recorded, and a failing step does not stop
# the ones after it:
#   cuda         refuse at once (exit 2, one line on stderr) unless the torch of $PYTHON sees a CUDA
#                device and, where nvidia-smi is installed, nvidia-smi lists a GPU
#   install      a fresh venv in a temporary folder, made with --system-site-packages so the machine's
#                CUDA build of torch is reused, and pip install -e ".[dev]" into it
#   doctor       course doctor
#   nbval-seed0  every lecture under nbval, with the committed seeds
#   nbval-seed1  every lecture again with COURSE_SEED=1 (seed_everything adds it to every seed)
#   train-loop   benchmarks/train_loop.py --device cuda  -> benchmarks/results/train_loop_cuda.csv
#   runtime      benchmarks/course_runtime.py --runs 1   -> benchmarks/results/course_runtime_cuda.csv
# All of them run with COURSE_DEVICE=cuda, so get_device() must choose CUDA or raise. At the end it
# writes benchmarks/results/gpu_check_cuda.csv (step,status,seconds,gpu), prints it as a table and
# exits 1 if any step failed, timed out or was skipped (0 when all passed, 2 when it refused).
#
# How long: a few minutes on one data-centre GPU, and 8 at most: the steps share a budget of
# GPU_CHECK_BUDGET seconds (default 470); a step still running when it is spent is stopped (killed
# 10 s later if it must be) and recorded as "timeout", and the steps after it as "skipped".
#
# How to run it, from anywhere:
#     make gpu-check                 (or: make gpu-check PYTHON=python3.12)
#     bash benchmarks/gpu_check.sh
# Settings, from the environment:
#     PYTHON            the interpreter whose torch is checked and that makes the venv (default python3)
#     GPU_CHECK_BUDGET  seconds all the steps together may take (default 470)
#     GPU_CHECK_JOBS    lectures run at once under pytest-xdist (default 4; 0 runs them one by one)
#     GPU_CHECK_VENV    make (and keep) the venv in this folder instead of a temporary one
# On a machine without internet, point pip at a folder of wheels:
#     PIP_NO_INDEX=1 PIP_FIND_LINKS=/path/to/wheels make gpu-check
set -euo pipefail

PYTHON="${PYTHON:-python3}"
BUDGET="${GPU_CHECK_BUDGET:-470}"
JOBS="${GPU_CHECK_JOBS:-4}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RESULTS="benchmarks/results"
SUMMARY="$RESULTS/gpu_check_cuda.csv"

refuse() { # one clear line on stderr, exit status 2: this machine cannot run the check
    echo "gpu_check: $*" >&2
    exit 2
}

now() { # seconds since the epoch, with a fraction where bash gives one
    if [[ -n "${EPOCHREALTIME:-}" ]]; then echo "${EPOCHREALTIME/,/.}"; else date +%s; fi
}

# ---- cuda: refuse before anything is created ---------------------------------------------------
# relative paths in PYTHON and GPU_CHECK_VENV count from where the script was started
[[ "$PYTHON" != */* || "$PYTHON" == /* ]] || PYTHON="$PWD/$PYTHON"
[[ -z "${GPU_CHECK_VENV:-}" || "$GPU_CHECK_VENV" == /* ]] || GPU_CHECK_VENV="$PWD/$GPU_CHECK_VENV"
cd "$ROOT"
check_start="$(now)"
command -v "$PYTHON" >/dev/null 2>&1 ||
    refuse "no CUDA check possible: PYTHON=$PYTHON is not an interpreter on this machine (set PYTHON=...)"
"$PYTHON" -c 'import torch,sys; sys.exit(0 if torch.cuda.is_available() else 1)' >/dev/null 2>&1 ||
    refuse "no CUDA device: torch in $PYTHON sees no GPU (or torch is missing there); run this on a machine with an NVIDIA GPU"
gpu=""
if command -v nvidia-smi >/dev/null 2>&1; then
    # it exits non-zero, after a line such as "No devices were found", when it sees no GPU
    names="$(nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null)" || names=""
    gpu="${names%%$'\n'*}" # the first GPU's name
    [[ -n "$gpu" ]] ||
        refuse "no CUDA device: nvidia-smi lists no GPU although torch sees one; check the driver"
fi
if [[ -z "$gpu" ]]; then
    gpu="$("$PYTHON" -c 'import torch; print(torch.cuda.get_device_name(0))' 2>/dev/null || true)"
fi
gpu="${gpu:-unknown GPU}"

# ---- from here on every step is recorded --------------------------------------------------------
export COURSE_DEVICE=cuda COURSE_PROGRESS=0
unset COURSE_SEED # the committed seeds, unless a step sets it
mkdir -p "$RESULTS"

if [[ -n "${GPU_CHECK_VENV:-}" ]]; then
    venv="$GPU_CHECK_VENV"
else
    work="$(mktemp -d "${TMPDIR:-/tmp}/gpu-check.XXXXXX")"
    trap 'rm -rf "$work"' EXIT
    venv="$work/venv"
fi
vpy="$venv/bin/python"
export JUPYTER_PATH="$venv/share/jupyter" # course_runtime.py's kernels: this venv's python

steps=() statuses=() seconds=()
blocked=""  # set when a step leaves nothing for the later ones to run with
running=""  # the pid of the running step's timeout

stop_running_step() { # on Ctrl-C or TERM: stop the running step with all its processes, then leave
    trap - INT TERM
    if [[ -n "$running" ]]; then
        kill -TERM "$running" 2>/dev/null || true
        wait "$running" 2>/dev/null || true
    fi
    echo "gpu_check: interrupted; no summary written" >&2
    exit 130
}
trap stop_running_step INT TERM

since() { # seconds since START, to a tenth
    awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'
}

record() { # record NAME STATUS START
    steps+=("$1") statuses+=("$2") seconds+=("$(since "$3")")
}

# step NAME COMMAND...: run COMMAND (a program or an exported function) in a bash of its own, so
# that `set -e` holds inside it, under what is left of the budget; record ok, failed, timeout or
# skipped. It never stops the script.
step() {
    local name="$1" start left rc=0
    shift
    start="$(now)"
    left="$(awk -v budget="$BUDGET" -v used="$(since "$check_start")" 'BEGIN { print budget - used }')"
    if [[ -n "$blocked" ]] || awk -v left="$left" 'BEGIN { exit left > 0 }'; then
        echo "==> $name: skipped (${blocked:-the budget of ${BUDGET} s is spent})"
        record "$name" skipped "$start"
        return 0
    fi
    echo "==> $name: $*"
    # In the background, so that Ctrl-C is acted on at once (see stop_running_step); timeout puts
    # the step in a process group of its own and stops all of it when the budget is spent.
    timeout --kill-after=10 "$left" bash -euo pipefail -c '"$@"' "$name" "$@" &
    running=$!
    wait "$running" || rc=$?
    running=""
    if ((rc == 0)); then
        record "$name" ok "$start"
    elif ((rc == 124 || rc == 137)); then
        echo "==> $name: stopped after the budget ran out" >&2
        record "$name" timeout "$start"
    else
        echo "==> $name: FAILED (exit status $rc)" >&2
        record "$name" failed "$start"
    fi
}

install_course() { # install_course VENV
    "$PYTHON" -m venv --system-site-packages "$1"
    "$1/bin/python" -m pip install --quiet --disable-pip-version-check -e ".[dev]"
    # a kernelspec inside the venv, so that kernels started by name run the venv's python
    "$1/bin/python" -m ipykernel install --sys-prefix --name python3 >/dev/null
}
export -f install_course
export PYTHON

record cuda ok "$check_start"
echo "==> cuda: $gpu (budget ${BUDGET} s for the steps)"

step install install_course "$venv"
[[ -x "$vpy" && "${statuses[-1]}" == ok ]] || blocked="the course did not install"

step doctor "$venv/bin/course" doctor

# pytest-xdist runs JOBS lectures at once, each in its own kernel; one CPU share of torch threads each
threads=$(($(nproc) / (JOBS > 0 ? JOBS : 1)))
nbval=(env "OMP_NUM_THREADS=${OMP_NUM_THREADS:-$((threads > 0 ? threads : 1))}"
    "$vpy" -m pytest --nbval-lax --nbval-current-env notebooks/ -p no:cacheprovider
    -n "$JOBS" --dist loadscope)
step nbval-seed0 "${nbval[@]}"
step nbval-seed1 env COURSE_SEED=1 "${nbval[@]}"

step train-loop "$vpy" benchmarks/train_loop.py --device cuda --out "$RESULTS/train_loop_cuda.csv"
step runtime "$vpy" benchmarks/course_runtime.py --runs 1 --out "$RESULTS/course_runtime_cuda.csv"

# ---- summary ---------------------------------------------------------------------------------------
csv_field() { # quote a CSV field when it needs it
    if [[ "$1" == *[,\"]* ]]; then printf '"%s"' "${1//\"/\"\"}"; else printf '%s' "$1"; fi
}
failed=()
{
    echo "step,status,seconds,gpu"
    for i in "${!steps[@]}"; do
        echo "${steps[i]},${statuses[i]},${seconds[i]},$(csv_field "$gpu")"
    done
} >"$SUMMARY"

echo
printf '%-12s %-8s %8s  %s\n' step status seconds gpu
for i in "${!steps[@]}"; do
    printf '%-12s %-8s %8s  %s\n' "${steps[i]}" "${statuses[i]}" "${seconds[i]}" "$gpu"
    [[ "${statuses[i]}" == ok ]] || failed+=("${steps[i]}")
done
echo "written to $SUMMARY"

if ((${#failed[@]})); then
    echo "gpu check: ${#failed[@]} step(s) not ok: ${failed[*]}" >&2
    exit 1
fi
echo "gpu check: every step passed on $gpu in ${SECONDS} s"
