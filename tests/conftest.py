"""Shared test setup and helpers: a non-interactive plotting backend, no progress bars, and
``not_written``, an exercise as a student receives it (``from conftest import not_written``)."""

import os

import matplotlib

matplotlib.use("Agg")
os.environ.setdefault("COURSE_PROGRESS", "0")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    """Close every figure a test opened, so figures do not pile up across tests."""
    yield
    plt.close("all")


def not_written(*args, **kwargs):
    """An exercise as released to students: ``raise NotImplementedError`` where the solution was."""
    raise NotImplementedError


def verdicts(exercise, fn, seed=None):
    """The in-notebook verdict and the split runner's, which must agree on status and message."""
    from course_utils.checks import answer, decide, draw, verdict

    here = verdict(exercise, fn, seed)
    cases = draw(exercise, exercise.seed if seed is None else seed)
    split = decide(exercise, cases, answer(exercise, fn, cases), _source(fn))
    assert (split.status, split.message) == (here.status, here.message), "the runners disagree"
    return here


def _source(fn):
    import inspect

    try:
        return inspect.getsource(fn)
    except (OSError, TypeError):
        return ""


def accepts(exercise, fn, seed=None):
    """Both runners pass ``fn``."""
    result = verdicts(exercise, fn, seed)
    assert result.passed, result.message
    return result


def rejects(exercise, fn, match, status="failed", seed=None):
    """Both runners reject ``fn`` with ``status`` and a message matching the regex ``match``."""
    import re

    result = verdicts(exercise, fn, seed)
    assert result.status == status, f"{result.status}: {result.message}"
    assert re.search(match, result.message), result.message
    return result
