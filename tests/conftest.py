"""Shared test setup: a non-interactive plotting backend and no progress bars."""

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
