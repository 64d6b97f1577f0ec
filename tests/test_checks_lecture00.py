"""The checks of lecture 00 accept correct answers and reject the typical wrong ones."""

from __future__ import annotations

import pytest
import torch
from conftest import accepts, not_written, rejects

from course_utils.checks import lecture00 as check


def central_gradient(f, x, h=1e-5):
    steps = torch.eye(len(x), dtype=x.dtype) * h
    return torch.stack([(f(x + step) - f(x - step)) / (2 * h) for step in steps])


def one_sided_gradient(f, x, h=1e-5):
    steps = torch.eye(len(x), dtype=x.dtype) * h
    return torch.stack([(f(x + step) - f(x)) / h for step in steps])


def test_numerical_gradient_accepts_central_differences(capsys):
    check.numerical_gradient(central_gradient)
    assert capsys.readouterr().out.startswith("✓ numerical_gradient")


def test_numerical_gradient_names_a_one_sided_difference():
    rejects(check.numerical_gradient, one_sided_gradient, "one-sided")


def test_numerical_gradient_rejects_a_wrong_sign():
    rejects(
        check.numerical_gradient,
        lambda f, x, h=1e-5: -central_gradient(f, x, h),
        "numerical_gradient of .* wrong sign: take f\\(x \\+ h e_i\\) - f\\(x - h e_i\\)",
    )


def over_h(f, x, h=1e-5):
    """The central difference divided by h instead of 2 h (the /2 forgotten)."""
    steps = torch.eye(len(x), dtype=x.dtype) * h
    return torch.stack([(f(x + step) - f(x - step)) / h for step in steps])


def over_4h(f, x, h=1e-5):
    steps = torch.eye(len(x), dtype=x.dtype) * h
    return torch.stack([(f(x + step) - f(x - step)) / (2 * h) / 2 for step in steps])


def in_float32(f, x, h=1e-5):
    """The central difference with x converted to float32: rounding noise of about ε |f| / h."""
    x = x.float()
    grad = torch.zeros_like(x)
    for i in range(len(x)):
        step = torch.zeros_like(x)
        step[i] = h
        grad[i] = (f(x + step) - f(x - step)) / (2 * h)
    return grad


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        (over_h, r"twice the gradient.*2 h apart.*divide the difference by 2 h \(not by h\)"),
        (over_4h, "half the gradient"),
        (in_float32, "off by up to .* float32 rounding .* float64 here .* section 2"),
        (lambda f, x, h=1e-5: in_float32(f, x, h).double(), "float32 rounding"),
        (lambda f, x, h=1e-5: central_gradient(f, x, h) + 1e-3, "is wrong at index"),
    ],
)
def test_numerical_gradient_names_typical_mistakes(wrong, message):
    rejects(check.numerical_gradient, wrong, message)


def test_numerical_gradient_names_float32_on_other_seeds():
    for seed in (0, 1, 2):
        rejects(check.numerical_gradient, in_float32, "float32 rounding", seed=seed)
        accepts(check.numerical_gradient, central_gradient, seed=seed)


def test_numerical_gradient_rejects_changing_x_in_place():
    def shifts_x(f, x, h=1e-5):
        result = central_gradient(f, x, h)
        x += 1.0
        return result

    rejects(check.numerical_gradient, shifts_x, "changed x in place")


def test_numerical_gradient_rejects_a_non_tensor():
    rejects(
        check.numerical_gradient,
        lambda f, x, h=1e-5: central_gradient(f, x, h).tolist(),
        "should return a tensor",
    )


def broadcast_distances(A, B):
    return ((A[:, None, :] - B[None, :, :]) ** 2).sum(dim=-1)


def test_pairwise_sq_distances_accepts_broadcasting(capsys):
    check.pairwise_sq_distances(broadcast_distances)
    assert capsys.readouterr().out.startswith("✓ pairwise_sq_distances")
    accepts(check.pairwise_sq_distances, broadcast_distances)


def test_pairwise_sq_distances_accepts_a_slow_python_loop():
    def loops(A, B):
        D = torch.zeros(len(A), len(B), dtype=A.dtype)
        for i in range(len(A)):
            for j in range(len(B)):
                D[i, j] = ((A[i] - B[j]) ** 2).sum()
        return D

    accepts(check.pairwise_sq_distances, loops)


def test_pairwise_sq_distances_accepts_the_expanded_square():
    def expanded(A, B):  # ||a||² - 2 a·b + ||b||², with its rounding
        return (A**2).sum(1)[:, None] - 2 * A @ B.T + (B**2).sum(1)[None, :]

    accepts(check.pairwise_sq_distances, expanded)


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        (lambda A, B: broadcast_distances(A, B).sqrt(), "these are the distances.*no sqrt"),
        (lambda A, B: broadcast_distances(B, A), "transpose"),
        (lambda A, B: ((A - B) ** 2).sum(dim=-1), r"only the pairs \(i, i\)"),
        (lambda A, B: (A[:, None, :] - B[None, :, :]).sum(dim=-1) ** 2, "square each difference"),
        (lambda A, B: broadcast_distances(A, A), "compared A with itself"),
        (lambda A, B: ((A[:, None, :] - B[None, :, :]) ** 2).sum(dim=1), "sum over the last"),
        (lambda A, B: broadcast_distances(A, B).tolist(), "should return a tensor"),
    ],
)
def test_pairwise_sq_distances_rejects_typical_mistakes(wrong, message):
    rejects(check.pairwise_sq_distances, wrong, message)


def test_pairwise_sq_distances_rejects_cdist():
    rejects(
        check.pairwise_sq_distances,
        lambda A, B: torch.cdist(A, B) ** 2,
        "by hand.*torch.cdist",
        "forbidden-call",
    )

    def pairwise(A, B):
        return torch.nn.functional.pairwise_distance(A[:, None], B[None], eps=0) ** 2

    rejects(check.pairwise_sq_distances, pairwise, "pairwise_distance", "forbidden-call")


def test_pairwise_sq_distances_rejects_changing_the_input():
    def in_place(A, B):
        A -= B.mean(dim=0)
        return broadcast_distances(A, B - B.mean(dim=0))

    rejects(check.pairwise_sq_distances, in_place, "changed A in place")


def test_pairwise_sq_distances_passes_on_other_seeds():
    for seed in (0, 1, 2):
        accepts(check.pairwise_sq_distances, broadcast_distances, seed=seed)


def test_analytic_gradient_accepts_the_chain_rule():
    check.analytic_gradient(
        lambda x, y: (2 * x * y + y * torch.cos(x * y), x**2 + x * torch.cos(x * y))
    )


def test_analytic_gradient_rejects_a_missing_inner_derivative():
    result = rejects(
        check.analytic_gradient,
        lambda x, y: (2 * x * y + torch.cos(x * y), x**2 + x * torch.cos(x * y)),
        "∂f/∂x.*chain rule",
    )
    assert "2 x y + y cos(x y)" in result.reveal  # the formula comes only after repeated failures


def test_analytic_gradient_names_swapped_partials():
    rejects(
        check.analytic_gradient,
        lambda x, y: (x**2 + x * torch.cos(x * y), 2 * x * y + y * torch.cos(x * y)),
        r"swapped.*return \(df_dx, df_dy\) in that order",
    )


def test_analytic_gradient_needs_a_pair():
    rejects(check.analytic_gradient, lambda x, y: 2 * x * y, "pair")
    rejects(check.analytic_gradient, lambda x, y: [2 * x * y], "pair")


def test_analytic_gradient_asks_for_a_tuple_not_a_stacked_tensor():
    def stacked(x, y):
        return torch.stack([2 * x * y + y * torch.cos(x * y), x**2 + x * torch.cos(x * y)])

    rejects(check.analytic_gradient, stacked, r"return a tuple \(df_dx, df_dy\), not one stacked")


def test_analytic_gradient_accepts_plain_floats_and_one_element_tensors():
    import math

    def floats(x, y):
        x, y = float(x), float(y)
        return 2 * x * y + y * math.cos(x * y), x**2 + x * math.cos(x * y)

    def one_element(x, y):
        return (2 * x * y + y * torch.cos(x * y))[None], (x**2 + x * torch.cos(x * y))[None]

    accepts(check.analytic_gradient, floats)
    accepts(check.analytic_gradient, one_element)


@pytest.mark.parametrize(
    "name", ["numerical_gradient", "pairwise_sq_distances", "analytic_gradient"]
)
def test_every_check_says_when_the_exercise_is_not_written_without_stopping(name, capsys):
    getattr(check, name)(not_written)  # does not raise: Run All goes on
    assert "not written yet" in capsys.readouterr().out
    rejects(getattr(check, name), not_written, "not written yet", status="not-written")


def test_library_answers_are_rejected_for_by_hand_exercises():
    def autograd_gradient(f, x, h=1e-5):
        x = x.clone().requires_grad_()
        f(x).backward()
        return x.grad

    rejects(check.numerical_gradient, autograd_gradient, "by hand.*backward", "forbidden-call")

    def autograd_partials(x, y):
        x, y = x.clone().requires_grad_(), y.clone().requires_grad_()
        return torch.autograd.grad(x**2 * y + torch.sin(x * y), (x, y))

    rejects(check.analytic_gradient, autograd_partials, "torch.autograd.grad", "forbidden-call")


def test_a_float32_answer_is_compared_not_crashed():
    def float32_gradient(f, x, h=1e-5):
        return torch.tensor(central_gradient(f, x, h).tolist(), dtype=torch.float32)

    accepts(check.numerical_gradient, float32_gradient)


def test_repeated_failures_reveal_the_formula():
    wrong = lambda A, B: broadcast_distances(A, B) + 1.0  # noqa: E731
    messages = []
    for _ in range(3):
        with pytest.raises(AssertionError) as info:
            check.pairwise_sq_distances(wrong)
        messages.append(str(info.value))
    assert "B[None" not in messages[0] and "B[None" in messages[2]
