"""Exceptions a student can meet, each with a message that says what to do.

Every error the teaching API raises on bad input is a :class:`CourseError`, so a
notebook (or a grader) can catch them all with one ``except`` clause. Where Python
users expect a built-in exception, the subclass is that one too (as
scikit-learn's ``InvalidParameterError`` is a ``ValueError``): a wrong value is a
``ValueError``, a wrong type a ``TypeError``, a missing record a ``KeyError``.

Examples
--------
>>> from course_utils import fit
>>> try:
...     fit(model, loader, loss_fn, optimizer, epochs=0)      # doctest: +SKIP
... except ValueError as exc:
...     print(exc)
epochs must be a positive integer, got 0
"""

from __future__ import annotations

__all__ = [
    "ArgumentTypeError",
    "CourseError",
    "DatasetUnavailableError",
    "DeviceUnavailableError",
    "InvalidArgumentError",
    "MissingRecordError",
    "ShapeError",
]


class CourseError(Exception):
    """Base class of the course's own errors: one line that says what went wrong and what to do."""


class InvalidArgumentError(CourseError, ValueError):
    """An argument of the right type with a value that cannot work (a negative epoch count, an unknown name)."""


class ArgumentTypeError(CourseError, TypeError):
    """An argument of the wrong type (a float where an integer is needed, a list where a model is)."""


class MissingRecordError(CourseError, KeyError):
    """A name that is not there, e.g. ``history["val_loss"]`` when no validation loader was given."""

    def __str__(self) -> str:  # KeyError would show the message quoted
        return str(self.args[0]) if self.args else ""


class DeviceUnavailableError(CourseError, ValueError):
    """A device was requested (CUDA, MPS) that this machine does not have."""


class DatasetUnavailableError(CourseError):
    """A dataset cannot be loaded here, e.g. it needs a download and there is no network."""


class ShapeError(CourseError, ValueError):
    """Inputs whose shapes do not fit together (features vs. labels, outputs vs. targets)."""
