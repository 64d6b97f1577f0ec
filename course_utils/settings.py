"""Settings read from the environment, each in one place (standard library only).

``COURSE_DATA``
    Where optional downloads and caches are kept (default ``~/.cache/course_utils``).
``COURSE_PROGRESS``
    ``0``/``false``/``no``/``off`` turns progress bars off (headless runs, tests).
``COURSE_DEVICE``
    The device :func:`course_utils.get_device` picks when it is given none.
``COURSE_SEED``
    An offset added to the seed of every :func:`course_utils.seed_everything` call, so
    a lecture runs on other random numbers without editing it (``course run NN
    --seed S``); 0 or unset runs it as committed. Seeds that differ stay different.
"""

from __future__ import annotations

import os
from pathlib import Path

from .errors import InvalidArgumentError

__all__ = ["cache_dir", "progress_enabled", "seed_offset"]

DATA_VARIABLE = "COURSE_DATA"
PROGRESS_VARIABLE = "COURSE_PROGRESS"
DEVICE_VARIABLE = "COURSE_DEVICE"
SEED_VARIABLE = "COURSE_SEED"
_OFF = {"0", "false", "no", "off"}


def cache_dir() -> Path:
    """Where the course keeps downloads and caches: ``$COURSE_DATA``, else ``~/.cache/course_utils``.

    Returns
    -------
    pathlib.Path
        The folder; it is not created here.

    Examples
    --------
    >>> cache_dir().name in {"course_utils"} or "COURSE_DATA" in os.environ
    True
    >>> cache_dir()                                   # doctest: +SKIP
    PosixPath('/home/student/.cache/course_utils')
    """
    return Path(os.environ.get(DATA_VARIABLE) or Path.home() / ".cache" / "course_utils")


def progress_enabled() -> bool:
    """False when ``COURSE_PROGRESS`` says no progress bars (``0``, ``false``, ``no`` or ``off``).

    Returns
    -------
    bool
        True when ``COURSE_PROGRESS`` is unset or says anything else.

    Examples
    --------
    >>> os.environ["COURSE_PROGRESS"] = "off"
    >>> progress_enabled()
    False
    >>> del os.environ["COURSE_PROGRESS"]
    """
    return os.environ.get(PROGRESS_VARIABLE, "").strip().lower() not in _OFF


def seed_offset() -> int:
    """What ``COURSE_SEED`` adds to every seed: 0 when it is unset or empty.

    Returns
    -------
    int
        The non-negative offset.

    Raises
    ------
    InvalidArgumentError
        When ``COURSE_SEED`` is not a non-negative integer.

    Examples
    --------
    >>> os.environ["COURSE_SEED"] = "3"
    >>> seed_offset()
    3
    >>> del os.environ["COURSE_SEED"]
    """
    text = os.environ.get(SEED_VARIABLE, "").strip()
    if not text:
        return 0
    if not text.isdigit():
        raise InvalidArgumentError(f"{SEED_VARIABLE} must be a non-negative integer, got {text!r}")
    return int(text)
