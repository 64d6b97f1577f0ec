"""Running a student's code in a sandbox: bubblewrap, rlimits, a pids cgroup where there is one.

Inside the sandbox the whole file system is read-only (the grader's Python and
course included); the run's own folder, which is also its HOME and TMPDIR, is the
only place it can write; the grades file, the submissions and every other run's
folder are hidden; there is no network (its own network
namespace) and no view of the grader's processes (its own PID namespace). The
address space, the size of files it writes and, where the pids cgroup is
writable, the number of processes are limited; the run is killed at its time
limit, and with it every process it started (the PID namespace ends with it).

``bwrap`` is Debian's and Ubuntu's package ``bubblewrap``. Ubuntu 24.04 restricts
unprivileged user namespaces by default: either run the grader as root, or allow
them (``sysctl kernel.apparmor_restrict_unprivileged_userns=0``), or install an
AppArmor profile for ``/usr/bin/bwrap``. On macOS and Windows, grade inside a Linux
container or VM.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .errors import ToolError

__all__ = ["Limits", "Run", "bwrap_path", "require_bwrap", "run"]

PIDS_CGROUP = Path("/sys/fs/cgroup/pids")
#: The folder every run's own folder is made in; each sandbox sees it empty but for its own.
JOBS = Path(tempfile.gettempdir()) / "course-grading"
INSTALL_HINT = (
    "grading runs student code under bubblewrap, which is missing: install it "
    "(Debian/Ubuntu: sudo apt-get install bubblewrap), or pass --no-sandbox to grade "
    "without one (every row is then marked unsandboxed)"
)


@dataclass(frozen=True)
class Limits:
    """What one sandboxed run may use."""

    seconds: float = 600  #: wall time of the whole run
    memory_mb: int = 6144  #: address space (torch alone maps about 1.5 GB)
    file_mb: int = 64  #: the largest file it may write
    processes: int = 128  #: processes and threads, where the pids cgroup can be used


@dataclass
class Run:
    """How a sandboxed run ended."""

    returncode: int | None
    timed_out: bool
    seconds: float
    sandboxed: bool


def bwrap_path() -> str | None:
    """The ``bwrap`` program, or None."""
    return shutil.which("bwrap")


def require_bwrap() -> str:
    """The ``bwrap`` program, or a :class:`ToolError` saying how to install it."""
    path = bwrap_path()
    if path is None:
        raise ToolError(INSTALL_HINT)
    return path


def _bwrap_args(bwrap: str, work: Path, hide: Sequence[Path]) -> list[str]:
    """Everything read-only, the hidden paths empty, ``work`` the one writable folder and HOME."""
    args = [
        bwrap,
        "--unshare-all",
        "--die-with-parent",
        "--new-session",
        "--ro-bind", "/", "/",
        "--dev", "/dev",
        "--proc", "/proc",
    ]  # fmt: skip
    for path in [*hide, JOBS]:
        path = Path(path).resolve()
        if path.is_dir():
            args += ["--tmpfs", str(path)]
        elif path.exists():
            args += ["--ro-bind", "/dev/null", str(path)]
    home, tmp = work / "home", work / "tmp"
    home.mkdir(exist_ok=True)
    tmp.mkdir(exist_ok=True)
    args += ["--bind", str(work), str(work), "--chdir", str(work)]
    args += ["--setenv", "HOME", str(home), "--setenv", "TMPDIR", str(tmp)]
    return args


def job_folder() -> Path:
    """A fresh folder for one sandboxed run; every such folder is hidden from every sandbox."""
    JOBS.mkdir(mode=0o700, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix="run-", dir=JOBS))


def _pids_cgroup(limit: int) -> Path | None:
    """A fresh pids cgroup limited to ``limit`` processes, where this machine lets us make one."""
    if not (PIDS_CGROUP / "cgroup.procs").exists() or not os.access(PIDS_CGROUP, os.W_OK):
        return None
    group = PIDS_CGROUP / f"course-grade-{uuid.uuid4().hex[:12]}"
    try:
        group.mkdir()
        (group / "pids.max").write_text(str(limit))
    except OSError:
        return None
    return group


def run(
    argv: Sequence[str],
    work: Path,
    limits: Limits = Limits(),
    *,
    sandbox: bool = True,
    hide: Sequence[Path] = (),
    env: dict[str, str] | None = None,
) -> Run:
    """Run ``argv`` in ``work`` (the only writable folder), sandboxed unless ``sandbox`` is False.

    Raises
    ------
    ToolError
        When a sandbox is asked for and bubblewrap is missing.
    """
    prefix: list[str] = []
    if sandbox:
        prefix = _bwrap_args(require_bwrap(), work, hide)
    memory = limits.memory_mb * 2**20
    rlimits = [f"--as={memory}", f"--fsize={limits.file_mb * 2**20}", "--core=0"]
    command = [*prefix, "prlimit", *rlimits, "--", *argv]
    group = _pids_cgroup(limits.processes) if sandbox else None

    def join_group() -> None:  # in the child, before exec: the sandbox starts inside the cgroup
        if group is not None:
            (group / "cgroup.procs").write_text(str(os.getpid()))

    start = time.perf_counter()
    process = subprocess.Popen(
        command,
        cwd=work,
        env=env if env is not None else os.environ.copy(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        preexec_fn=join_group if group is not None else None,  # noqa: PLW1509
    )
    timed_out = False
    try:
        process.wait(timeout=limits.seconds)
    except subprocess.TimeoutExpired:
        timed_out = True
    finally:
        _kill(process, group)
    return Run(process.returncode, timed_out, time.perf_counter() - start, sandbox)


def _kill(process: subprocess.Popen, group: Path | None) -> None:
    """End the run and everything it started."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    if group is not None:
        for _ in range(50):  # processes that left the session group are still in the cgroup
            pids = (group / "cgroup.procs").read_text().split()
            if not pids:
                break
            for pid in pids:
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except (ProcessLookupError, ValueError):
                    pass
            time.sleep(0.05)
    process.wait()
    if group is not None:
        try:
            group.rmdir()
        except OSError:  # pragma: no cover - a process that would not die
            print(f"course: could not remove {group}", file=sys.stderr)
