"""The checks of lecture 02 accept correct answers and reject the typical wrong ones helpfully."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from conftest import not_written

from course_utils.checks import lecture02 as check


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


def test_mse_loss_accepts_numpy_style_floats():
    check.mse_loss(lambda w, b, X, y: float(good_loss(w, b, X, y)))


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        (lambda w, b, X, y: ((X @ w + b - y) ** 2).mean(), "½ in front is missing"),
        (lambda w, b, X, y: 0.5 * ((X @ w + b - y) ** 2).sum(), "not the sum"),
        (lambda w, b, X, y: ((X @ w + b - y) ** 2).sum(), "divide by 2n"),
        (lambda w, b, X, y: 0.5 * ((X @ w - y) ** 2).mean(), "bias b is missing"),
        (lambda w, b, X, y: 0.5 * (X @ w + b - y).abs().mean(), "square the residuals"),
        (lambda w, b, X, y: 0.5 * (X @ w + b - y) ** 2, "one number"),
        (not_written, "not written yet"),
    ],
)
def test_mse_loss_rejects_typical_mistakes(wrong, message):
    with pytest.raises(AssertionError, match=message):
        check.mse_loss(wrong)


# --------------------------------------------------------------------------- mse_gradient
def test_mse_gradient_accepts_a_correct_gradient(capsys):
    check.mse_gradient(good_gradient)
    assert "✓ mse_gradient" in capsys.readouterr().out


def test_mse_gradient_accepts_autograd_itself():
    def with_autograd(w, b, X, y):
        w, b = w.clone().requires_grad_(), b.clone().requires_grad_()
        good_loss(w, b, X, y).backward()
        return w.grad, b.grad

    check.mse_gradient(with_autograd)


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
        # ∂L/∂w without the inputs: the gradient of b used for every weight
        (
            lambda w, b, X, y: (
                torch.full_like(w, float((X @ w + b - y).mean())),
                (X @ w + b - y).mean(),
            ),
            "X.T @ r / n",
        ),
        # a gradient of the wrong shape
        (lambda w, b, X, y: ((X @ w + b - y) / len(y), (X @ w + b - y).mean()), "shape"),
        (lambda w, b, X, y: good_gradient(w, b, X, y)[0], "pair"),
        (not_written, "not written yet"),
    ],
)
def test_mse_gradient_rejects_typical_mistakes(wrong, message):
    with pytest.raises(AssertionError, match=message):
        check.mse_gradient(wrong)


# --------------------------------------------------------------------------- gradient_descent_step
def test_gradient_descent_step_accepts_a_correct_step(capsys):
    check.gradient_descent_step(good_step)
    assert "✓ gradient_descent_step" in capsys.readouterr().out


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
        (in_place, "in place"),
        (summed_gradient, "w_new .* is wrong"),
        (not_written, "not written yet"),
    ],
)
def test_gradient_descent_step_rejects_typical_mistakes(wrong, message):
    with pytest.raises(AssertionError, match=message):
        check.gradient_descent_step(wrong)


# --------------------------------------------------------------------------- normal_equation
def test_normal_equation_accepts_a_correct_solution(capsys):
    check.normal_equation(good_normal_equation)
    assert "✓ normal_equation" in capsys.readouterr().out


def test_normal_equation_accepts_numpy_results():
    def with_numpy(X, y):
        A = np.column_stack([X.numpy(), np.ones(len(X))])
        theta = np.linalg.lstsq(A, y.numpy(), rcond=None)[0]
        return theta[:-1], theta[-1]

    check.normal_equation(with_numpy)


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
        (not_written, "not written yet"),
    ],
)
def test_normal_equation_rejects_typical_mistakes(wrong, message):
    with pytest.raises(AssertionError, match=message):
        check.normal_equation(wrong)
