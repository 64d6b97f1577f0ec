"""The checks of lecture 02 accept correct answers and reject the typical wrong ones helpfully."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from conftest import accepts, not_written, rejects
from sklearn.linear_model import LinearRegression

from course_utils.checks import draw, verdict
from course_utils.checks import lecture02 as check

#: Library functions kept aside before a check runs: still recognised as what they are.
autograd_grad = torch.autograd.grad
numpy_lstsq = np.linalg.lstsq

#: The notebook defines a global n = 100 (its data set) before the exercises.
n = 100


# --------------------------------------------------------------------------- reference answers
def good_loss(w, b, X, y):
    return 0.5 * ((X @ w + b - y) ** 2).mean()


def good_gradient(w, b, X, y):
    r = X @ w + b - y
    return X.T @ r / len(y), r.mean()


def good_step(w, b, X, y, learning_rate):
    grad_w, grad_b = good_gradient(w, b, X, y)
    return w - learning_rate * grad_w, b - learning_rate * grad_b


def good_normal_equation(X, y):
    A = torch.cat([X, torch.ones(len(X), 1, dtype=X.dtype)], dim=1)
    theta = torch.linalg.solve(A.T @ A, A.T @ y)
    return theta[:-1], theta[-1]


# --------------------------------------------------------------------------- mse_loss
def test_mse_loss_accepts_a_correct_loss(capsys):
    check.mse_loss(good_loss)
    assert "✓ mse_loss" in capsys.readouterr().out
    accepts(check.mse_loss, good_loss)


def test_mse_loss_accepts_numpy_style_floats():
    accepts(check.mse_loss, lambda w, b, X, y: float(good_loss(w, b, X, y)))


def test_mse_loss_accepts_a_float32_loss():
    accepts(
        check.mse_loss, lambda w, b, X, y: good_loss(w.float(), b.float(), X.float(), y.float())
    )


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        (lambda w, b, X, y: ((X @ w + b - y) ** 2).mean(), "½ in front is missing"),
        (lambda w, b, X, y: 0.5 * ((X @ w + b - y) ** 2).sum(), "not the sum"),
        (lambda w, b, X, y: ((X @ w + b - y) ** 2).sum(), "divide by 2n"),
        (lambda w, b, X, y: 0.5 * ((X @ w - y) ** 2).mean(), "bias b is missing"),
        (lambda w, b, X, y: 0.5 * (X @ w + b - y).abs().mean(), "square the residuals"),
        (lambda w, b, X, y: 0.5 * (X @ w + b - y) ** 2, "one number"),
        (lambda w, b, X, y: 0.5 * ((X @ w + b - y) ** 2).sum() / n, "fixed number .*global"),
    ],
)
def test_mse_loss_rejects_typical_mistakes(wrong, message):
    rejects(check.mse_loss, wrong, message)


def test_mse_loss_shows_its_formula_only_after_repeated_failures():
    result = rejects(check.mse_loss, lambda w, b, X, y: 0.3 * good_loss(w, b, X, y), "is wrong")
    assert "0.5 * (r ** 2).mean()" in result.reveal
    assert "(r ** 2)" not in result.message


# --------------------------------------------------------------------------- mse_gradient
def test_mse_gradient_accepts_a_correct_gradient(capsys):
    check.mse_gradient(good_gradient)
    assert "✓ mse_gradient" in capsys.readouterr().out
    accepts(check.mse_gradient, good_gradient)


def test_mse_gradient_accepts_float32_and_numpy_answers():
    accepts(
        check.mse_gradient,
        lambda w, b, X, y: good_gradient(w.float(), b.float(), X.float(), y.float()),
    )
    accepts(
        check.mse_gradient,
        lambda w, b, X, y: tuple(np.asarray(g) for g in good_gradient(w, b, X, y)),
    )


def test_mse_gradient_rejects_autograd_itself():
    def with_backward(w, b, X, y):
        w, b = w.clone().requires_grad_(), b.clone().requires_grad_()
        good_loss(w, b, X, y).backward()
        return w.grad, b.grad

    rejects(check.mse_gradient, with_backward, "by hand.*backward", status="forbidden-call")

    def with_grad_kept_aside(w, b, X, y):
        w, b = w.clone().requires_grad_(), b.clone().requires_grad_()
        return autograd_grad(good_loss(w, b, X, y), (w, b))

    rejects(
        check.mse_gradient,
        with_grad_kept_aside,
        "by hand.*torch.autograd.grad",
        status="forbidden-call",
    )

    def with_autograd_backward(w, b, X, y):
        w, b = w.clone().requires_grad_(), b.clone().requires_grad_()
        torch.autograd.backward(good_loss(w, b, X, y))
        return w.grad, b.grad

    rejects(check.mse_gradient, with_autograd_backward, "torch.autograd.backward", "forbidden-call")


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        # a sign error: residual taken as y - ŷ
        (lambda w, b, X, y: (X.T @ (y - X @ w - b) / len(y), (y - X @ w - b).mean()), "wrong sign"),
        # a forgotten mean: sum over the points
        (lambda w, b, X, y: (X.T @ (X @ w + b - y), (X @ w + b - y).sum()), "not sum"),
        # a stray factor 2 (the ½ of the loss forgotten in the derivative)
        (
            lambda w, b, X, y: (2 * X.T @ (X @ w + b - y) / len(y), 2 * (X @ w + b - y).mean()),
            "twice",
        ),
        # a missing factor: the 2 of the square dropped while the ½ is kept
        (
            lambda w, b, X, y: (X.T @ (X @ w + b - y) / (2 * len(y)), (X @ w + b - y).mean() / 2),
            "half",
        ),
        # right ∂L/∂w, but ∂L/∂b summed
        (lambda w, b, X, y: (good_gradient(w, b, X, y)[0], (X @ w + b - y).sum()), "∂L/∂b is n ="),
        (lambda w, b, X, y: good_gradient(w, b, X, y)[0], "pair"),
    ],
)
def test_mse_gradient_rejects_typical_mistakes(wrong, message):
    rejects(check.mse_gradient, wrong, message)


def test_mse_gradient_shows_the_chain_rule_only_after_repeated_failures():
    def bias_gradient_for_every_weight(w, b, X, y):
        r = X @ w + b - y
        return torch.full_like(w, float(r.mean())), r.mean()

    result = rejects(check.mse_gradient, bias_gradient_for_every_weight, "∂L/∂w .* is wrong")
    assert "X.T @ r / n" in result.reveal and "X.T @ r" not in result.message
    messages = []
    for _ in range(3):
        with pytest.raises(AssertionError) as info:
            check.mse_gradient(bias_gradient_for_every_weight)
        messages.append(str(info.value))
    assert "X.T @ r / n" not in messages[0] and "X.T @ r / n" in messages[2]


def test_mse_gradient_recognises_the_notebooks_global_n():
    def forgets_the_number_of_rows(w, b, X, y):
        r = X @ w + b - y
        return X.T @ r / n, r.sum() / n  # n is the global 100, not X.shape[0]

    result = rejects(
        check.mse_gradient,
        forgets_the_number_of_rows,
        "∂L/∂w seems to divide by a fixed number .*100.* instead of the number of rows"
        ".*global variable",
    )
    assert "X.T @ r / n" not in result.message and "r.sum()" not in result.message

    def only_the_bias_forgets(w, b, X, y):
        r = X @ w + b - y
        return X.T @ r / len(y), r.sum() / 42

    rejects(check.mse_gradient, only_the_bias_forgets, "∂L/∂b seems to divide by a fixed number")


def test_mse_gradient_gives_shape_hints():
    # ∂L/∂w with one entry per point instead of one per weight
    rejects(
        check.mse_gradient,
        lambda w, b, X, y: ((X @ w + b - y) / len(y), (X @ w + b - y).mean()),
        r"shape \(1,\).*got \(7,\).*X is \(7, 1\) and r .* is \(7,\).*\.T",
    )
    # the product the wrong way round: X (n, d) @ r (n,) does not fit
    rejects(
        check.mse_gradient,
        lambda w, b, X, y: (X @ (X @ w + b - y) / len(y), (X @ w + b - y).mean()),
        r"size mismatch.*X \(7, 1\), y \(7,\).*\.T",
    )


# --------------------------------------------------------------------------- gradient_descent_step
def test_gradient_descent_step_accepts_a_correct_step(capsys):
    check.gradient_descent_step(good_step)
    assert "✓ gradient_descent_step" in capsys.readouterr().out
    accepts(check.gradient_descent_step, good_step)


def test_gradient_descent_step_accepts_a_float32_step():
    accepts(
        check.gradient_descent_step,
        lambda w, b, X, y, lr: good_step(w.float(), b.float(), X.float(), y.float(), lr),
    )


def uphill(w, b, X, y, learning_rate):
    grad_w, grad_b = good_gradient(w, b, X, y)
    return w + learning_rate * grad_w, b + learning_rate * grad_b


def bias_frozen(w, b, X, y, learning_rate):
    return good_step(w, b, X, y, learning_rate)[0], b


def no_learning_rate(w, b, X, y, learning_rate):
    grad_w, grad_b = good_gradient(w, b, X, y)
    return w - grad_w, b - grad_b


def in_place(w, b, X, y, learning_rate):
    grad_w, grad_b = good_gradient(w, b, X, y)
    w -= learning_rate * grad_w
    b -= learning_rate * grad_b
    return w, b


def summed_gradient(w, b, X, y, learning_rate):
    r = X @ w + b - y
    return w - learning_rate * X.T @ r, b - learning_rate * r.sum()


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        (uphill, "uphill"),
        (bias_frozen, "update it too"),
        (no_learning_rate, "learning rate is missing"),
        (in_place, "changed w in place"),
        (summed_gradient, "w_new .* is wrong"),
        (lambda w, b, X, y, lr: (X @ w, b), r"w_new should have shape \(1,\), like w, got \(7,\)"),
    ],
)
def test_gradient_descent_step_rejects_typical_mistakes(wrong, message):
    rejects(check.gradient_descent_step, wrong, message)


def test_gradient_descent_step_names_an_unwritten_mse_gradient():
    def mse_gradient(w, b, X, y):
        raise NotImplementedError

    def gradient_descent_step(w, b, X, y, learning_rate):
        grad_w, grad_b = mse_gradient(w, b, X, y)
        return w - learning_rate * grad_w, b - learning_rate * grad_b

    rejects(
        check.gradient_descent_step,
        gradient_descent_step,
        "^gradient_descent_step calls mse_gradient, which is not written yet",
        status="not-written",
    )


# --------------------------------------------------------------------------- normal_equation
def test_normal_equation_accepts_a_correct_solution(capsys):
    check.normal_equation(good_normal_equation)
    assert "✓ normal_equation" in capsys.readouterr().out
    accepts(check.normal_equation, good_normal_equation)


def test_normal_equation_accepts_numpy_results_and_the_inverse():
    def with_numpy(X, y):
        A = np.column_stack([X.numpy(), np.ones(len(X))])
        theta = np.linalg.solve(A.T @ A, A.T @ y.numpy())
        return theta[:-1], theta[-1]

    accepts(check.normal_equation, with_numpy)

    def with_inverse(X, y):
        A = torch.cat([X, torch.ones(len(X), 1, dtype=X.dtype)], dim=1)
        theta = torch.linalg.inv(A.T @ A) @ A.T @ y
        return theta[:-1], theta[-1]

    accepts(check.normal_equation, with_inverse)


def test_normal_equation_rejects_the_library_solvers():
    def with_numpy_lstsq(X, y):
        A = np.column_stack([X.numpy(), np.ones(len(X))])
        theta = np.linalg.lstsq(A, y.numpy(), rcond=None)[0]
        return theta[:-1], theta[-1]

    rejects(check.normal_equation, with_numpy_lstsq, "np.linalg.lstsq", "forbidden-call")

    def with_lstsq_kept_aside(X, y):
        A = np.column_stack([X.numpy(), np.ones(len(X))])
        theta = numpy_lstsq(A, y.numpy(), rcond=None)[0]
        return theta[:-1], theta[-1]

    rejects(check.normal_equation, with_lstsq_kept_aside, "by hand.*lstsq", "forbidden-call")

    def with_torch_lstsq(X, y):
        A = torch.cat([X, torch.ones(len(X), 1, dtype=X.dtype)], dim=1)
        theta = torch.linalg.lstsq(A, y[:, None]).solution[:, 0]
        return theta[:-1], theta[-1]

    rejects(check.normal_equation, with_torch_lstsq, "torch.linalg.lstsq", "forbidden-call")

    def with_sklearn(X, y):
        model = LinearRegression().fit(X.numpy(), y.numpy())
        return model.coef_, model.intercept_

    rejects(check.normal_equation, with_sklearn, "LinearRegression", "forbidden-call")


def without_bias(X, y):
    w = torch.linalg.solve(X.T @ X, X.T @ y)
    return w, torch.zeros(())


def ones_first_split_last(X, y):
    A = torch.cat([torch.ones(len(X), 1, dtype=X.dtype), X], dim=1)
    theta = torch.linalg.solve(A.T @ A, A.T @ y)
    return theta[:-1], theta[-1]


def unsplit(X, y):
    A = torch.cat([X, torch.ones(len(X), 1, dtype=X.dtype)], dim=1)
    return torch.linalg.solve(A.T @ A, A.T @ y)


def whole_theta_as_w(X, y):
    return unsplit(X, y), torch.zeros(())


def wrong_system(X, y):
    A = torch.cat([X, torch.ones(len(X), 1, dtype=X.dtype)], dim=1)
    theta = torch.linalg.solve(A.T @ A + torch.eye(A.shape[1], dtype=X.dtype), A.T @ y)
    return theta[:-1], theta[-1]


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        (without_bias, "column of ones"),
        (ones_first_split_last, "θ\\[0\\] is the bias"),
        (unsplit, "one vector"),
        (whole_theta_as_w, "last entry of θ is the bias"),
        (wrong_system, "is wrong"),
    ],
)
def test_normal_equation_rejects_typical_mistakes(wrong, message):
    rejects(check.normal_equation, wrong, message)


def test_normal_equation_shows_the_system_only_after_repeated_failures():
    result = rejects(check.normal_equation, wrong_system, "is wrong")
    assert "(Aᵀ A) θ = Aᵀ y" in result.reveal and "Aᵀ" not in result.message


# --------------------------------------------------------------------------- every check
NAMES = ["mse_loss", "mse_gradient", "gradient_descent_step", "normal_equation"]


@pytest.mark.parametrize("name", NAMES)
def test_every_check_says_when_the_exercise_is_not_written_without_stopping(name, capsys):
    getattr(check, name)(not_written)  # does not raise: Run All goes on
    assert "not written yet" in capsys.readouterr().out
    rejects(getattr(check, name), not_written, "not written yet", status="not-written")


def test_an_unwritten_exercise_is_named_as_itself(capsys):
    def mse_loss(w, b, X, y):
        raise NotImplementedError

    check.mse_loss(mse_loss)
    assert capsys.readouterr().out.startswith("… mse_loss is not written yet")


@pytest.mark.parametrize("name", NAMES)
def test_checks_are_deterministic(name):
    exercise = getattr(check, name)
    assert draw(exercise, 5) == draw(exercise, 5)
    assert draw(exercise, 5) != draw(exercise, 6)
    first, second = verdict(exercise, uphill, seed=5), verdict(exercise, uphill, seed=5)
    assert (first.status, first.message) == (second.status, second.message)
