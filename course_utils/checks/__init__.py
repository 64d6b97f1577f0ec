"""Exercise checks: each compares a student's function with a reference on fresh inputs.

One module per lecture (``lecture00``, ``lecture01``, ...). A notebook imports the
module of its lecture and calls a check right after each exercise::

    from course_utils.checks import lecture00 as check
    check.numerical_derivative(numerical_derivative)

A check prints one line when the answer is right, and raises ``AssertionError``
with a message that helps when it is not. The inputs it uses are drawn fresh,
so an answer that only works on the notebook's own example does not pass.
Graders run the same checks from their own installation of ``course_utils``.
"""

from ._core import assert_close, call, passed

__all__ = ["assert_close", "call", "passed"]
