"""Choosing where tensors live (CUDA, Apple MPS or CPU) and seeding for reproducible runs."""

from __future__ import annotations

import os
import random

import numpy as np
import torch

from .errors import DeviceUnavailableError

__all__ = ["available_devices", "get_device", "seed_everything"]

_KINDS = ("cuda", "mps", "cpu")


def _mps_available() -> bool:
    mps = getattr(torch.backends, "mps", None)
    return bool(mps is not None and mps.is_available())


def available_devices() -> list[str]:
    """Return the kinds of device this machine offers, best first, e.g. ``["cuda", "cpu"]``."""
    found = []
    if torch.cuda.is_available():
        found.append("cuda")
    if _mps_available():
        found.append("mps")
    found.append("cpu")
    return found


def get_device(prefer: str | None = None) -> torch.device:
    """Return the device to train on: CUDA if present, then Apple MPS, then CPU.

    Parameters
    ----------
    prefer : {"cuda", "mps", "cpu"}, optional
        Ask for one device (an index such as ``"cuda:1"`` is allowed). When not
        given, the environment variable ``COURSE_DEVICE`` is used if set, else the
        best device available. Raises ``DeviceUnavailableError`` naming what is
        available when the requested device is not.

    Returns
    -------
    torch.device
    """
    requested = prefer if prefer is not None else os.environ.get("COURSE_DEVICE") or None
    available = available_devices()
    if requested is None:
        return torch.device(available[0])

    name = str(requested).strip().lower()
    kind = name.split(":", 1)[0]
    source = "prefer" if prefer is not None else "COURSE_DEVICE"
    if kind not in _KINDS:
        raise DeviceUnavailableError(
            f"unknown device {requested!r} (from {source}); use one of 'cuda', 'mps' or 'cpu'"
        )
    if kind not in available:
        raise DeviceUnavailableError(
            f"{kind.upper() if kind == 'cuda' else kind.upper()} was requested (from {source}) "
            f"but this machine has no {kind} device; available: {', '.join(available)}. "
            "Use get_device() without arguments to fall back automatically."
        )
    if kind == "cuda" and ":" in name:
        index = name.split(":", 1)[1]
        count = torch.cuda.device_count()
        if not index.isdigit() or int(index) >= count:
            raise DeviceUnavailableError(
                f"{requested!r} was requested but this machine has {count} CUDA device(s) "
                f"(cuda:0 to cuda:{count - 1})"
            )
    return torch.device(name)


def seed_everything(seed: int, deterministic: bool = False) -> int:
    """Seed Python's, NumPy's and torch's random generators (CUDA included).

    Parameters
    ----------
    seed : int
        The seed. The same seed gives the same data splits, initial weights and
        mini-batch order on the same machine and library versions.
    deterministic : bool, default False
        Also ask torch for deterministic algorithms (slower on GPU; some
        operations then raise because they have no deterministic version).

    Returns
    -------
    int
        The seed, so a notebook can print or store it.
    """
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
        raise TypeError(f"seed must be an int, got {type(seed).__name__}")
    seed = int(seed)
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)  # seeds CUDA and MPS generators too
    if deterministic:
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
        torch.use_deterministic_algorithms(True)
        torch.backends.cudnn.deterministic = True
        torch.backends.cudnn.benchmark = False
    return seed
