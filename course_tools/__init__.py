"""course_tools: the ``course`` command instructors and graders run.

Building and executing the lectures (``course run``), pointing links at the
repository (``course stamp``), student versions (``course release``), grading
(``course grade``), slide decks (``course slides``) and the machine check
(``course doctor``). It is a separate layer from :mod:`course_utils`, the teaching
API the notebooks import: nothing in ``course_utils`` imports this package, and
``import course_tools.cli`` loads neither torch nor matplotlib, so ``course --help``
answers at once. Each subcommand imports what it needs when it runs.
"""

from .errors import ToolError

__all__ = ["ToolError"]
