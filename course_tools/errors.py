"""The error the ``course`` command reports in one line, without a traceback."""

from __future__ import annotations

__all__ = ["ToolError"]


class ToolError(Exception):
    """Something an instructor or grader must fix: a bad argument, a missing tool, a broken notebook.

    ``course`` prints the message alone (``course grade: ...``) and exits with status 2.
    """
