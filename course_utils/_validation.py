"""Argument checks shared by the whole teaching API, so every function rejects bad input alike.

An integer argument accepts any integral number (``3``, ``np.int64(3)``,
``torch.tensor(3)`` as a 0-dim integer tensor) and rejects ``True``/``False``,
floats and strings, with a one-line message naming the argument.
"""

from __future__ import annotations

import numbers
import operator
from typing import Any

from .errors import ArgumentTypeError, InvalidArgumentError

__all__ = ["as_int", "as_number"]


def as_int(value: Any, name: str, *, minimum: int | None = None, maximum: int | None = None) -> int:
    """Return ``value`` as a Python ``int``, or raise a :class:`CourseError` that names ``name``.

    Parameters
    ----------
    value : object
        Any integral number: ``3``, ``np.int64(3)`` or a 0-dim integer tensor.
        ``True``/``False``, floats and strings are rejected.
    name : str
        The argument's name, used in the error message.
    minimum, maximum : int, optional
        Inclusive bounds.

    Returns
    -------
    int

    Raises
    ------
    ArgumentTypeError
        When ``value`` is not an integer (a bool, a float, a string, ...).
    InvalidArgumentError
        When ``value`` is below ``minimum`` or above ``maximum``.

    Examples
    --------
    >>> as_int(np.int64(3), "epochs", minimum=1)      # doctest: +SKIP
    3
    >>> as_int(True, "epochs")                        # doctest: +SKIP
    Traceback (most recent call last):
    ArgumentTypeError: epochs must be an integer, got bool True
    """
    if isinstance(value, bool) or (
        hasattr(value, "dtype") and str(getattr(value, "dtype", "")) in {"bool", "torch.bool"}
    ):
        raise ArgumentTypeError(f"{name} must be an integer, got bool {value!r}")
    if isinstance(value, numbers.Integral):
        number = int(value)
    else:
        try:
            if getattr(value, "ndim", 0) != 0 or isinstance(value, (str, bytes, float)):
                raise TypeError
            number = operator.index(value)  # NumPy and torch integer scalars
        except TypeError:
            raise ArgumentTypeError(
                f"{name} must be an integer, got {type(value).__name__} {value!r}"
            ) from None
    _check_range(number, name, minimum, maximum)
    return number


def as_number(
    value: Any,
    name: str,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    strict_minimum: bool = False,
) -> float:
    """Return ``value`` as a finite Python ``float``, or raise a :class:`CourseError`.

    Ints are accepted; ``True``/``False`` are rejected. The error names ``name``.

    Parameters
    ----------
    value : object
        A real number: a Python ``int`` or ``float``, a NumPy scalar or a 0-dim tensor.
    name : str
        The argument's name, used in the error message.
    minimum, maximum : float, optional
        Inclusive bounds.
    strict_minimum : bool, default False
        Make ``minimum`` exclusive: ``value`` must be greater than it.

    Returns
    -------
    float

    Raises
    ------
    ArgumentTypeError
        When ``value`` is not a number (a bool, a string, a tensor of several values, ...).
    InvalidArgumentError
        When ``value`` is NaN or infinite, or outside the bounds.

    Examples
    --------
    >>> as_number(3, "grad_clip", minimum=0, strict_minimum=True)
    3.0
    >>> as_number(0.5, "val_fraction", maximum=1)
    0.5
    """
    if isinstance(value, bool) or not (isinstance(value, numbers.Real) or _is_real_scalar(value)):
        raise ArgumentTypeError(f"{name} must be a number, got {type(value).__name__} {value!r}")
    number = float(value)
    if number != number or number in {float("inf"), float("-inf")}:
        raise InvalidArgumentError(f"{name} must be a finite number, got {number}")
    if strict_minimum and minimum is not None and number <= minimum:
        raise InvalidArgumentError(f"{name} must be greater than {minimum:g}, got {value!r}")
    _check_range(number, name, None if strict_minimum else minimum, maximum)
    return number


def _is_real_scalar(value: Any) -> bool:
    dtype = str(getattr(value, "dtype", ""))
    return getattr(value, "ndim", None) == 0 and any(k in dtype for k in ("int", "float"))


def _check_range(number: float, name: str, minimum: float | None, maximum: float | None) -> None:
    if minimum is not None and number < minimum:
        if minimum == 1 and isinstance(number, int):
            raise InvalidArgumentError(f"{name} must be a positive integer, got {number}")
        raise InvalidArgumentError(f"{name} must be at least {minimum:g}, got {number:g}")
    if maximum is not None and number > maximum:
        raise InvalidArgumentError(f"{name} must be at most {maximum:g}, got {number:g}")
