"""Exceptions a student can meet, each with a message that says what to do.

Every error raised on purpose by ``course_utils`` is a :class:`CourseError`, so a
notebook (or a grader) can catch them all with one ``except`` clause.
"""

from __future__ import annotations

__all__ = [
    "CourseError",
    "DeviceUnavailableError",
    "DatasetUnavailableError",
    "ShapeError",
]


class CourseError(Exception):
    """Base class of the course's own errors: one line that says what went wrong and what to do."""


class DeviceUnavailableError(CourseError):
    """A device was requested (CUDA, MPS) that this machine does not have."""


class DatasetUnavailableError(CourseError):
    """A dataset cannot be loaded here, e.g. it needs a download and there is no network."""


class ShapeError(CourseError, ValueError):
    """Inputs whose shapes do not fit together (features vs. labels, outputs vs. targets)."""
