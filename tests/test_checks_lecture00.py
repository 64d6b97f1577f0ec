"""The checks of lecture 00 accept correct answers and reject the typical wrong ones."""

from __future__ import annotations

import pytest
import torch

from course_utils.checks import lecture00 as check
from course_utils.checks._core import assert_close, call


def central_gradient(f, x, h=1e-5):
    steps = torch.eye(len(x), dtype=x.dtype) * h
    return torch.stack([(f(x + step) - f(x - step)) / (2 * h) for step in steps])


def one_sided_gradient(f, x, h=1e-5):
    steps = torch.eye(len(x), dtype=x.dtype) * h
    return torch.stack([(f(x + step) - f(x)) / h for step in steps])


def not_written(*args, **kwargs):
    raise NotImplementedError


def test_numerical_gradient_accepts_central_differences(capsys):
    check.numerical_gradient(central_gradient)
    assert capsys.readouterr().out.startswith("✓ numerical_gradient")


def test_numerical_gradient_names_a_one_sided_difference():
    with pytest.raises(AssertionError, match="one-sided"):
        check.numerical_gradient(one_sided_gradient)


def test_numerical_gradient_rejects_a_wrong_sign():
    with pytest.raises(AssertionError, match="numerical_gradient of"):
        check.numerical_gradient(lambda f, x, h=1e-5: -central_gradient(f, x, h))


def test_numerical_gradient_rejects_changing_x_in_place():
    def shifts_x(f, x, h=1e-5):
        result = central_gradient(f, x, h)
        x += 1.0
        return result

    with pytest.raises(AssertionError, match="changed x in place"):
        check.numerical_gradient(shifts_x)


def test_numerical_gradient_rejects_a_non_tensor():
    with pytest.raises(AssertionError, match="should return a tensor"):
        check.numerical_gradient(lambda f, x, h=1e-5: central_gradient(f, x, h).tolist())


def test_standardize_columns_accepts_the_broadcast_formula():
    check.standardize_columns(lambda X: (X - X.mean(dim=0)) / X.std(dim=0, correction=0))


def test_standardize_columns_names_the_whole_tensor_mistake():
    with pytest.raises(AssertionError, match="whole tensor"):
        check.standardize_columns(lambda X: (X - X.mean()) / X.std(correction=0))


def test_standardize_columns_names_the_sample_std():
    with pytest.raises(AssertionError, match="sample std"):
        check.standardize_columns(lambda X: (X - X.mean(dim=0)) / X.std(dim=0))


def test_standardize_columns_rejects_a_forgotten_mean():
    with pytest.raises(AssertionError, match="standardize_columns on a"):
        check.standardize_columns(lambda X: X / X.std(dim=0, correction=0))


def test_standardize_columns_rejects_changing_the_input():
    def in_place(X):
        X -= X.mean(dim=0)
        X /= X.std(dim=0, correction=0)
        return X

    with pytest.raises(AssertionError, match="in place"):
        check.standardize_columns(in_place)


def test_standardize_columns_rejects_a_non_tensor():
    with pytest.raises(AssertionError, match="should return a tensor"):
        check.standardize_columns(lambda X: X.numpy())


def test_analytic_gradient_accepts_the_chain_rule():
    check.analytic_gradient(
        lambda x, y: (2 * x * y + y * torch.cos(x * y), x**2 + x * torch.cos(x * y))
    )


def test_analytic_gradient_rejects_a_missing_inner_derivative():
    with pytest.raises(AssertionError, match="∂f/∂x.*2 x y \\+ y cos"):
        check.analytic_gradient(
            lambda x, y: (2 * x * y + torch.cos(x * y), x**2 + x * torch.cos(x * y))
        )


def test_analytic_gradient_rejects_swapped_partials():
    with pytest.raises(AssertionError, match="is wrong"):
        check.analytic_gradient(
            lambda x, y: (x**2 + x * torch.cos(x * y), 2 * x * y + y * torch.cos(x * y))
        )


def test_analytic_gradient_needs_a_pair():
    with pytest.raises(AssertionError, match="pair"):
        check.analytic_gradient(lambda x, y: 2 * x * y)


@pytest.mark.parametrize("name", ["numerical_gradient", "standardize_columns", "analytic_gradient"])
def test_every_check_says_when_the_exercise_is_not_written(name):
    with pytest.raises(AssertionError, match="not written yet"):
        getattr(check, name)(not_written)


def test_call_reports_a_crash_in_one_line():
    with pytest.raises(AssertionError, match="mine raised ZeroDivisionError: division by zero"):
        call(lambda: 1 / 0, name="mine")


def test_call_refuses_something_that_is_not_a_function():
    with pytest.raises(AssertionError, match="pass the function itself"):
        call(42, name="mine")


def test_assert_close_reports_shape_nan_and_the_worst_entry():
    with pytest.raises(AssertionError, match=r"has shape \(2,\), expected \(3,\)"):
        assert_close([1, 2], [1, 2, 3], what="v")
    with pytest.raises(AssertionError, match="nan or inf"):
        assert_close([float("nan")], [1.0], what="v")
    with pytest.raises(AssertionError, match=r"at index \(1,\): got 5, expected 2. a hint"):
        assert_close([1, 5], [1, 2], what="v", hint="a hint")
