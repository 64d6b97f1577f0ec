"""Choosing where tensors live (CUDA, Apple MPS or CPU) and seeding for reproducible runs."""

from __future__ import annotations

import os
import random

import numpy as np
import torch

from ._validation import as_int
from .errors import DeviceUnavailableError
from .settings import DEVICE_VARIABLE, seed_offset

__all__ = ["available_devices", "get_device", "seed_everything"]

_KINDS = ("cuda", "mps", "cpu")


def _mps_available() -> bool:
    mps = getattr(torch.backends, "mps", None)
    return bool(mps is not None and mps.is_available())


def available_devices() -> list[str]:
    """Return the kinds of device this machine offers, best first, e.g. ``["cuda", "cpu"]``.

    Returns
    -------
    list of str
        Some of ``"cuda"`` and ``"mps"``, then always ``"cpu"``.

    Examples
    --------
    >>> available_devices()[-1]
    'cpu'
    >>> available_devices()                           # doctest: +SKIP
    ['cuda', 'cpu']
    """
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
        best device available.

    Returns
    -------
    torch.device

    Raises
    ------
    DeviceUnavailableError
        Naming what is available when the requested device is not (an unknown
        name, a kind this machine lacks, or a CUDA index beyond its devices).

    Examples
    --------
    >>> get_device("cpu")
    device(type='cpu')
    >>> device = get_device()                         # CUDA on a GPU machine
    >>> x = torch.zeros(3, device=device)
    """
    requested = prefer if prefer is not None else os.environ.get(DEVICE_VARIABLE) or None
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
        The seed, a non-negative integer. The same seed gives the same initial
        weights and mini-batch order on the same machine and library versions.
        The environment variable ``COURSE_SEED`` (default 0) is added to it, so
        ``course run NN --seed 3`` runs a lecture on other random numbers.
    deterministic : bool, default False
        Also ask torch for deterministic algorithms (slower on GPU; some
        operations then raise because they have no deterministic version).

    Returns
    -------
    int
        The seed used (``COURSE_SEED`` included), so a notebook can print or store it.

    Raises
    ------
    ArgumentTypeError
        When ``seed`` is not an integer (``True`` and ``3.0`` are not).
    InvalidArgumentError
        When ``seed`` is negative.

    Examples
    --------
    >>> seed_everything(0)
    0
    >>> torch.rand(2)                     # the same numbers after every seed_everything(0)
    tensor([0.4963, 0.7682])
    """
    seed = as_int(seed, "seed", minimum=0)
    seed += seed_offset()
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)  # seeds CUDA and MPS generators too
    if deterministic:
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
        torch.use_deterministic_algorithms(True)
        torch.backends.cudnn.deterministic = True
        torch.backends.cudnn.benchmark = False
    return seed
