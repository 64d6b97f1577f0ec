"""Exercise checks, one module per lecture (``lecture00``, ``lecture01``, ...).

A notebook imports the module of its lecture and calls a check right after each
exercise::

    from course_utils.checks import lecture00 as check
    check.numerical_gradient(numerical_gradient)

Each check is an :class:`~course_utils.checks._core.Exercise`: cases drawn from
a seed, how the student's function is called, a reference computed without
student code, and a diagnosis of the typical mistakes. In the notebook a check
prints one line when the answer is right, reports an exercise that is not written
yet without stopping Run All, and fails with one message (no traceback) when the
answer is wrong. Graders run the same definitions split in two
(:func:`~course_utils.checks._core.draw`, :func:`~course_utils.checks._core.answer`,
:func:`~course_utils.checks._core.decide`), so the verdict is decided in a process
where no student code ran.
"""

from ._core import CheckFailure, Exercise, Forbidden, Verdict, answer, decide, draw, verdict

__all__ = [
    "CheckFailure",
    "Exercise",
    "Forbidden",
    "Verdict",
    "answer",
    "decide",
    "draw",
    "verdict",
]
