"""What every check needs: calling the student's code safely, comparing, reporting."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NoReturn

import numpy as np
import torch

__all__ = ["assert_close", "call", "fail", "passed", "to_numpy"]


def fail(message: str) -> NoReturn:
    """Stop the check with a message for the student."""
    raise AssertionError(message)


def to_numpy(value: Any) -> np.ndarray:
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().double().numpy()
    return np.asarray(value, dtype=float)


def call(fn: Callable, *args: Any, name: str | None = None, **kwargs: Any) -> Any:
    """Call the student's ``fn``; turn "not written yet" and crashes into clear check failures."""
    name = name or getattr(fn, "__name__", "your function")
    if not callable(fn):
        fail(
            f"expected a function for {name}, got {type(fn).__name__}; pass the function itself, not its result"
        )
    try:
        return fn(*args, **kwargs)
    except NotImplementedError:
        fail(f"{name} is not written yet: replace `raise NotImplementedError` with your code")
    except AssertionError:
        raise
    except Exception as exc:  # noqa: BLE001 - any crash is reported, not re-raised deep
        fail(f"{name} raised {type(exc).__name__}: {exc}")


def assert_close(
    actual: Any,
    expected: Any,
    *,
    what: str,
    hint: str = "",
    rtol: float = 1e-5,
    atol: float = 1e-6,
) -> None:
    """Fail unless ``actual`` matches ``expected`` in shape and value."""
    a, e = to_numpy(actual), to_numpy(expected)
    if a.shape != e.shape:
        fail(f"{what} has shape {a.shape}, expected {e.shape}" + (f". {hint}" if hint else ""))
    if not np.all(np.isfinite(a)):
        fail(f"{what} contains nan or inf" + (f". {hint}" if hint else ""))
    if not np.allclose(a, e, rtol=rtol, atol=atol):
        worst = np.unravel_index(np.argmax(np.abs(a - e)), a.shape) if a.shape else ()
        where = f" at index {tuple(int(i) for i in worst)}" if worst else ""
        fail(
            f"{what} is wrong{where}: got {a[worst]:.6g}, expected {e[worst]:.6g}"
            + (f". {hint}" if hint else "")
        )


def passed(what: str, n_cases: int) -> None:
    """Report success in one line."""
    print(
        f"✓ {what}: correct on {n_cases} test case{'s' if n_cases != 1 else ''} you have not seen"
    )
