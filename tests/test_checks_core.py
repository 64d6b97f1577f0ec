"""The checks' framework: plain-data answers, the split runner, forbidden calls, hints, messages.

The tamper tests run the student's side in a separate Python process that patches
numpy, torch and importlib the way a hostile notebook could; the verdict is then
decided here, where none of that code ran.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import torch
from conftest import accepts, not_written, rejects

from course_utils.checks import CheckFailure, answer, decide, draw, verdict
from course_utils.checks import lecture00 as check
from course_utils.checks._core import (
    Forbidden,
    Unconvertible,
    _kept_aside,
    as_array,
    as_number,
    close,
    decode,
    encode,
    expect_close,
    scan_source,
    to_data,
)

RIGHT = "(X - X.mean(dim=0)) / X.std(dim=0, correction=0)"


# --------------------------------------------------------------------------- plain data
@pytest.mark.parametrize(
    "value",
    [
        torch.arange(6, dtype=torch.float32).reshape(2, 3),
        torch.tensor(2.5, dtype=torch.float64),
        torch.tensor([1, 2], dtype=torch.int64),
        np.eye(2),
        [1, 2.5, "x", None, True],
        {"w": torch.ones(2), "loss": 0.25},
        float("nan"),
        float("-inf"),
    ],
)
def test_plain_data_survives_json_unchanged(value):
    back = decode(json.loads(json.dumps(encode(value))))
    if isinstance(value, torch.Tensor):
        assert isinstance(back, torch.Tensor) and back.dtype == value.dtype
        assert back.shape == value.shape and torch.equal(back, value)
    elif isinstance(value, np.ndarray):
        assert isinstance(back, np.ndarray) and np.array_equal(back, value)
    elif isinstance(value, dict):
        assert torch.equal(back["w"], value["w"]) and back["loss"] == value["loss"]
    elif isinstance(value, float) and value != value:
        assert back != back
    else:
        assert back == value


def test_anything_else_becomes_a_named_unconvertible():
    class AlwaysEqual:
        def __eq__(self, other):
            return True

    assert to_data(AlwaysEqual()) == Unconvertible("AlwaysEqual")
    assert to_data(np.array([object()])) == Unconvertible("ndarray of objects")
    assert decode(json.loads(json.dumps(encode(to_data((1, AlwaysEqual())))))) == [
        1,
        Unconvertible("AlwaysEqual"),
    ]


def test_decode_refuses_arrays_of_objects():
    payload = {"__array__": {"dtype": "|O", "shape": [1], "data": ""}}
    with pytest.raises(ValueError, match="refusing"):
        decode(payload)


def test_a_fake_object_that_equals_everything_fails():
    class AlwaysEqual:
        def __eq__(self, other):
            return True

        __hash__ = object.__hash__

    rejects(check.standardize_columns, lambda X: AlwaysEqual(), "should return a tensor")


# --------------------------------------------------------------------------- comparing
def test_one_tolerance_policy_that_always_rejects_nan_and_inf():
    assert close(torch.tensor([1.0]), np.array([1.0 + 1e-7]))
    assert not close([float("nan")], [float("nan")])
    assert not close([float("inf")], [float("inf")])
    assert not close([1.0, 2.0], [1.0])
    with pytest.raises(CheckFailure, match="nan or inf"):
        expect_close([float("nan")], [1.0], what="v")
    with pytest.raises(CheckFailure, match=r"has shape \(2,\), expected \(3,\)"):
        expect_close([1, 2], [1, 2, 3], what="v")
    with pytest.raises(CheckFailure, match=r"at index \(1,\): got 5, expected 2; a hint"):
        expect_close([1, 5], [1, 2], what="v", hint="a hint")


def test_any_dtype_and_container_converts():
    assert as_array(torch.tensor([1, 2], dtype=torch.int32)).dtype == np.float64
    assert as_number(torch.tensor([3.0], dtype=torch.float16)) == 3.0
    assert as_number(np.float32(0.5)) == 0.5
    with pytest.raises(CheckFailure, match="one number"):
        as_number([1.0, 2.0], "the loss")
    with pytest.raises(CheckFailure, match="should be a number, got str"):
        as_number("0.5", "the loss")


# --------------------------------------------------------------------------- forbidden calls
FORBIDDEN = (Forbidden("torch.nn.functional.conv2d"), Forbidden("torch.Tensor.backward"))


@pytest.mark.parametrize(
    "source",
    [
        "def f(x, w):\n    return F.conv2d(x, w)",
        "def f(x, w):\n    return torch.nn.functional.conv2d(x, w)",
        "def f(x, w):\n    from torch.nn.functional import conv2d as c\n    return c(x, w)",
        "def f(x):\n    x.sum().backward()\n    return x.grad",
        "lib = F.conv2d\ndef f(x, w):\n    return lib(x, w)",
    ],
)
def test_the_source_scan_finds_forbidden_names(source):
    assert scan_source(source, FORBIDDEN, "f") is not None


def test_the_source_scan_lets_other_code_through():
    source = "def conv2d(x, w):\n    return (x.unfold(2, 3, 1) * w).sum()\n"
    assert scan_source(source, FORBIDDEN, "conv2d") is None


def test_forbidden_functions_raise_only_while_the_student_runs():
    def autograd(f, x, h=1e-5):
        y = x.clone().requires_grad_()
        f(y).backward()
        return y.grad

    rejects(check.numerical_gradient, autograd, "written by hand", "forbidden-call")
    x = torch.ones(2, requires_grad=True)
    x.sum().backward()  # restored afterwards
    assert torch.equal(x.grad, torch.ones(2))


lib_grad = torch.autograd.grad


def test_a_reference_kept_aside_is_caught():
    def sneaky(x, y):
        x, y = x.clone().requires_grad_(), y.clone().requires_grad_()
        return lib_grad(x**2 * y + torch.sin(x * y), (x, y))

    rejects(check.analytic_gradient, sneaky, "torch.autograd.grad", "forbidden-call")


# The same function under its other names, or kept in a container: each must still be caught.
TOOLS = {"distances": torch.cdist}
AUTOGRAD_TOOLS = {"grad": torch.autograd.grad}
VF = torch._C._VariableFunctions


def _via_torch_functional(A, B):
    return torch.functional.cdist(A, B) ** 2


def _via_an_import(A, B):
    from torch.functional import cdist

    return cdist(A, B) ** 2


def _via_an_alias(A, B):
    import torch.functional as tf

    return tf.cdist(A, B) ** 2


def _via_a_dict(A, B):
    return TOOLS["distances"](A, B) ** 2


def _via_the_operator_table(A, B):
    return VF.cdist(A, B, 2.0, None) ** 2


@pytest.mark.parametrize(
    "fn", [_via_torch_functional, _via_an_import, _via_an_alias, _via_a_dict, _via_the_operator_table]
)
def test_a_forbidden_function_is_caught_under_any_of_its_names(fn):
    rejects(check.pairwise_sq_distances, fn, "by hand.*cdist", "forbidden-call")


def test_gradients_kept_in_a_dict_or_asked_of_autograd_s_engine_are_caught():
    def from_a_dict(f, x, h=1e-5):
        x = x.clone().requires_grad_()
        return AUTOGRAD_TOOLS["grad"](f(x), x)[0]

    def from_the_engine(f, x, h=1e-5):
        x = x.clone().requires_grad_()
        y = f(x)
        torch.autograd.Variable._execution_engine.run_backward(
            (y,), (torch.ones_like(y),), False, False, (), True, True
        )
        return x.grad

    rejects(check.numerical_gradient, from_a_dict, "torch.autograd.grad", "forbidden-call")
    rejects(check.numerical_gradient, from_the_engine, "autograd", "forbidden-call")
    x = torch.ones(2, requires_grad=True)
    (x * 3).sum().backward()  # everything restored afterwards
    assert torch.equal(x.grad, torch.full((2,), 3.0)) and torch.cdist is TOOLS["distances"]


def test_a_module_used_for_something_else_is_not_mistaken_for_a_forbidden_call():
    def by_hand(A, B):
        difference = A[:, None, :] - B[None, :, :]
        return torch.functional.einsum("ijk,ijk->ij", difference, difference)

    accepts(check.pairwise_sq_distances, by_hand)


# --------------------------------------------------------------------------- what a student sees
def test_an_unwritten_helper_is_named():
    def helper(X):
        raise NotImplementedError

    def standardize_columns(X):
        return helper(X)

    rejects(
        check.standardize_columns,
        standardize_columns,
        "calls helper, which is not written",
        status="not-written",
    )


def test_a_crash_is_one_line_with_the_input_shapes():
    result = rejects(check.standardize_columns, lambda X: X @ X, r"raised RuntimeError")
    assert "X (5, 3)" in result.message and "\n" not in result.message


def test_a_failure_shows_its_message_without_the_check_s_traceback():
    with pytest.raises(CheckFailure) as info:
        check.standardize_columns(lambda X: X)
    assert info.value._render_traceback_() == [f"\x1b[31m✗ {info.value.args[0]}\x1b[0m"]


def test_not_written_does_not_stop_run_all(capsys):
    check.standardize_columns(not_written)
    assert "not written yet" in capsys.readouterr().out


def test_a_check_given_a_value_instead_of_a_function_says_so():
    assert "pass the function itself" in verdict(check.standardize_columns, 42).message


def test_checks_leave_the_global_random_state_alone():
    def uses_randomness(X):
        torch.rand(3)
        np.random.rand(3)
        return (X - X.mean(dim=0)) / X.std(dim=0, correction=0)

    torch_state, numpy_state = torch.random.get_rng_state(), np.random.get_state()[1].copy()
    check.standardize_columns(uses_randomness)
    assert torch.equal(torch.random.get_rng_state(), torch_state)
    assert np.array_equal(np.random.get_state()[1], numpy_state)


def test_another_seed_draws_other_cases_and_the_same_verdict():
    assert draw(check.standardize_columns, 1) != draw(check.standardize_columns, 2)
    assert draw(check.standardize_columns, 1) == draw(check.standardize_columns, 1)
    right = eval(f"lambda X: {RIGHT}")  # noqa: S307 - a fixed expression
    for seed in (1, 2, 99):
        assert accepts(check.standardize_columns, right, seed=seed).cases == 4


# --------------------------------------------------------------------------- the split runner
def test_decide_runs_no_student_code_and_rejects_garbage():
    cases = draw(check.standardize_columns, 5)
    for junk in ["not json", "[1, 2]", '{"a": 1}', "[]"]:
        try:
            json.loads(junk)
        except ValueError:
            pass
        result = decide(check.standardize_columns, cases, junk)
        assert result.status == "failed", junk


STUDENT = r"""
import importlib, json, sys
import numpy as np
import torch

# A hostile notebook: every comparison says "equal", reload returns a fake module.
np.allclose = lambda *a, **k: True
np.isfinite = lambda x: np.ones_like(x, dtype=bool)
torch.allclose = lambda *a, **k: True
torch.equal = lambda *a, **k: True
importlib.reload = lambda module: module

from course_utils.checks import answer
from course_utils.checks import lecture00 as check
import course_utils.checks._core as core
core.close = lambda *a, **k: True
core.expect_close = lambda *a, **k: None

def standardize_columns(X):
    return X * 0                      # wrong
print(answer(check.standardize_columns, standardize_columns, sys.stdin.read()))
"""


def test_a_student_process_that_patches_numpy_torch_and_importlib_cannot_change_the_verdict():
    cases = draw(check.standardize_columns, 123)
    student = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(STUDENT)],
        input=cases,
        capture_output=True,
        text=True,
        check=True,
    )
    result = decide(check.standardize_columns, cases, student.stdout.strip())
    assert result.status == "failed" and "is wrong" in result.message
    honest = answer(check.standardize_columns, eval(f"lambda X: {RIGHT}"), cases)  # noqa: S307
    assert decide(check.standardize_columns, cases, honest).passed


def test_answers_forged_for_other_cases_fail():
    """Answers memorised from the notebook's own seed do not fit a grader's fresh seed."""
    right = eval(f"lambda X: {RIGHT}")  # noqa: S307
    memorised = answer(check.standardize_columns, right, draw(check.standardize_columns, 7))
    result = decide(check.standardize_columns, draw(check.standardize_columns, 8), memorised)
    assert result.status == "failed"


def test_decide_scans_the_exercise_cell_for_forbidden_calls():
    cases = draw(check.analytic_gradient, 4)
    right = "def analytic_gradient(x, y):\n    return 2*x*y + y*torch.cos(x*y), x**2 + x*torch.cos(x*y)\n"
    namespace = {"torch": torch}
    exec(right, namespace)  # noqa: S102 - a fixed solution
    answers = answer(check.analytic_gradient, namespace["analytic_gradient"], cases)
    assert decide(check.analytic_gradient, cases, answers, right).passed
    cheat = right + "\n_ = torch.autograd.grad\n"
    assert decide(check.analytic_gradient, cases, answers, cheat).status == "forbidden-call"


def test_a_student_s_own_helper_with_a_library_name_is_not_forbidden():
    softplus = (Forbidden("torch.nn.functional.softplus"),)
    own = "def bce(z, y):\n    def softplus(t):\n        return t.clamp(min=0)\n    return softplus(z)\n"
    assert scan_source(own, softplus, "bce") is None
    assert scan_source("def bce(z, y):\n    return F.softplus(z)\n", softplus, "bce") is not None
    counted = (Forbidden("course_utils.metrics.modes_covered", bare=True),)
    assert scan_source("def count(s):\n    return modes_covered(s)\n", counted, "count")
    local = "def count(s):\n    modes_covered = len(s)\n    return modes_covered\n"
    assert scan_source(local, counted, "count") is None


def test_a_function_that_only_shares_the_forbidden_name_is_allowed():
    forbidden = (Forbidden("torch.linalg.norm"),)
    assert scan_source("def f(v):\n    return v.norm() + torch.norm(v)\n", forbidden, "f") is None
    assert scan_source("def f(v):\n    return torch.linalg.norm(v)\n", forbidden, "f") is not None
    assert scan_source("def f(v):\n    import torch.linalg as la\n    return la.norm(v)\n", forbidden, "f")
    assert scan_source("def f(v):\n    from torch import norm\n    return norm(v)\n", forbidden, "f") is None
    assert _kept_aside(lambda v: torch.norm(v) + v.norm(), forbidden) is None
