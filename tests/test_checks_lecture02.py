"""The checks of lecture 02 accept correct answers and reject the typical wrong ones helpfully."""

from __future__ import annotations

import re

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
numpy_eigvalsh = np.linalg.eigvalsh

#: The notebook defines a global n = 100 (its data set) before the exercises.
n = 100


# --------------------------------------------------------------------------- reference answers
def good_loss(w, b, X, y):
    return 0.5 * ((X @ w + b - y) ** 2).mean()


def good_gradient(w, b, X, y):
    r = X @ w + b - y
    return X.T @ r / len(y), r.mean()


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


# --------------------------------------------------------------------------- sgd_momentum
def momentum_rule(rule="right"):
    """sgd_momentum written with one update rule: the right one or a typical mistake."""

    def sgd_momentum(w, b, X, y, batches, learning_rate, momentum):
        velocity_w, velocity_b = torch.zeros_like(w), torch.zeros_like(b)
        for batch in batches:
            rows = slice(None) if rule == "full batch" else batch
            grad_w, grad_b = good_gradient(w, b, X[rows], y[rows])
            old_w, old_b = velocity_w, velocity_b
            if rule == "not carried":
                velocity_w, velocity_b = torch.zeros_like(w), torch.zeros_like(b)
            if rule == "lr twice":
                velocity_w = momentum * velocity_w + learning_rate * grad_w
                velocity_b = momentum * velocity_b + learning_rate * grad_b
            elif rule == "dampened":
                velocity_w = momentum * velocity_w + (1 - momentum) * grad_w
                velocity_b = momentum * velocity_b + (1 - momentum) * grad_b
            elif rule == "momentum on the gradient":
                velocity_w = velocity_w + momentum * grad_w
                velocity_b = velocity_b + momentum * grad_b
            else:
                velocity_w = momentum * velocity_w + grad_w
                velocity_b = momentum * velocity_b + grad_b
            if rule == "old velocity":
                step_w, step_b = old_w, old_b
            else:
                step_w, step_b = velocity_w, velocity_b
            sign = -1 if rule == "uphill" else 1
            w = w - sign * learning_rate * step_w
            if rule != "bias frozen":
                b = b - sign * learning_rate * step_b
        return w, b

    return sgd_momentum


def test_sgd_momentum_accepts_a_correct_implementation(capsys):
    check.sgd_momentum(momentum_rule())
    assert "✓ sgd_momentum" in capsys.readouterr().out
    accepts(check.sgd_momentum, momentum_rule())
    accepts(check.sgd_momentum, momentum_rule(), seed=11)


def test_sgd_momentum_accepts_the_equivalent_form_with_the_rate_inside_the_velocity():
    def rate_inside(w, b, X, y, batches, learning_rate, momentum):
        velocity_w, velocity_b = torch.zeros_like(w), torch.zeros_like(b)
        for batch in batches:
            grad_w, grad_b = good_gradient(w, b, X[batch], y[batch])
            velocity_w = momentum * velocity_w - learning_rate * grad_w
            velocity_b = momentum * velocity_b - learning_rate * grad_b
            w, b = w + velocity_w, b + velocity_b
        return w, b

    accepts(check.sgd_momentum, rate_inside)


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ("not carried", "plain mini-batch SGD: the velocity must be carried"),
        ("lr twice", "learning rate is applied twice"),
        ("dampened", r"\(1 - momentum\) \* gradient"),
        ("momentum on the gradient", "momentum multiplies the wrong term"),
        ("old velocity", "velocity from before this batch"),
        ("full batch", "its batch only"),
        ("uphill", "uphill"),
        ("bias frozen", "bias b is never updated"),
    ],
)
def test_sgd_momentum_rejects_typical_mistakes(rule, message):
    rejects(check.sgd_momentum, momentum_rule(rule), message)


def test_sgd_momentum_rejects_torch_optim_sgd():
    def with_the_library(w, b, X, y, batches, learning_rate, momentum):
        w, b = w.clone().requires_grad_(), b.clone().requires_grad_()
        optimizer = torch.optim.SGD([w, b], lr=learning_rate, momentum=momentum)
        for batch in batches:
            optimizer.zero_grad()
            good_loss(w, b, X[batch], y[batch]).backward()
            optimizer.step()
        return w.detach(), b.detach()

    rejects(check.sgd_momentum, with_the_library, "torch.optim.SGD", "forbidden-call")


def test_sgd_momentum_changing_its_inputs_in_place_is_rejected():
    def in_place(w, b, X, y, batches, learning_rate, momentum):
        velocity_w, velocity_b = torch.zeros_like(w), torch.zeros_like(b)
        for batch in batches:
            grad_w, grad_b = good_gradient(w, b, X[batch], y[batch])
            velocity_w = momentum * velocity_w + grad_w
            velocity_b = momentum * velocity_b + grad_b
            w -= learning_rate * velocity_w
            b -= learning_rate * velocity_b
        return w, b

    rejects(check.sgd_momentum, in_place, "changed w in place")


def test_sgd_momentum_names_an_unwritten_mse_gradient():
    def mse_gradient(w, b, X, y):
        raise NotImplementedError

    def sgd_momentum(w, b, X, y, batches, learning_rate, momentum):
        velocity_w, velocity_b = torch.zeros_like(w), torch.zeros_like(b)
        for batch in batches:
            grad_w, grad_b = mse_gradient(w, b, X[batch], y[batch])
            velocity_w = momentum * velocity_w + grad_w
            velocity_b = momentum * velocity_b + grad_b
            w, b = w - learning_rate * velocity_w, b - learning_rate * velocity_b
        return w, b

    rejects(
        check.sgd_momentum,
        sgd_momentum,
        "^sgd_momentum calls mse_gradient, which is not written yet",
        status="not-written",
    )


def test_sgd_momentum_shows_the_update_only_after_repeated_failures():
    def velocity_halved(w, b, X, y, batches, learning_rate, momentum):
        return momentum_rule()(w, b, X, y, batches, learning_rate / 2, momentum)

    result = rejects(check.sgd_momentum, velocity_halved, "is wrong")
    assert "v = momentum * v + g" in result.reveal and "momentum * v" not in result.message


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


@pytest.mark.parametrize(
    ("pseudo_inverse", "shown"),
    [
        (lambda M: torch.linalg.pinv(M), "torch.linalg.pinv"),
        (lambda M: torch.pinverse(M), "torch.pinverse"),
        (lambda M: torch.from_numpy(np.linalg.pinv(M.numpy())), "np.linalg.pinv"),
    ],
)
def test_normal_equation_rejects_the_pseudo_inverse(pseudo_inverse, shown):
    def with_pinv(X, y):
        A = torch.cat([X, torch.ones(len(X), 1, dtype=X.dtype)], dim=1)
        theta = pseudo_inverse(A) @ y
        return theta[:-1], theta[-1]

    rejects(check.normal_equation, with_pinv, re.escape(shown), "forbidden-call")


def test_normal_equation_rejects_scipys_lstsq():
    import scipy.linalg

    def with_scipy(X, y):
        A = np.column_stack([X.numpy(), np.ones(len(X))])
        theta = scipy.linalg.lstsq(A, y.numpy())[0]
        return theta[:-1], theta[-1]

    rejects(check.normal_equation, with_scipy, "scipy.linalg.lstsq", "forbidden-call")


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


# --------------------------------------------------------------------------- critical_learning_rate
def critical_by(iterations=100, bias=True, mean=True, rate=lambda lam: 2 / lam):
    """critical_learning_rate by power iteration, with the typical mistakes as options."""

    def critical_learning_rate(X):
        A = torch.cat([X, torch.ones(len(X), 1, dtype=X.dtype)], dim=1) if bias else X
        H = A.T @ A / (len(X) if mean else 1)
        v = torch.ones(H.shape[0], dtype=X.dtype)
        for _ in range(iterations):
            v = H @ v
            v = v / v.norm()
        return rate(v @ H @ v)

    return critical_learning_rate


def test_critical_learning_rate_accepts_power_iteration(capsys):
    check.critical_learning_rate(critical_by())
    assert "✓ critical_learning_rate" in capsys.readouterr().out
    accepts(check.critical_learning_rate, critical_by())
    accepts(check.critical_learning_rate, critical_by(), seed=3)


def test_critical_learning_rate_accepts_a_float():
    accepts(check.critical_learning_rate, lambda X: float(critical_by()(X)))


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        (critical_by(bias=False), "column of ones belongs in A"),
        (critical_by(mean=False), "divide by n"),
        (critical_by(rate=lambda lam: 1 / lam), "1/λ_max"),
        (critical_by(rate=lambda lam: lam), "λ_max itself"),
        (critical_by(rate=lambda lam: 2 / lam.sqrt()), "not its square root"),
        (critical_by(iterations=2), "not converged yet"),
    ],
)
def test_critical_learning_rate_rejects_typical_mistakes(wrong, message):
    rejects(check.critical_learning_rate, wrong, message)


def test_critical_learning_rate_recognises_the_smallest_curvature_and_the_best_rate():
    def hessian(X):
        A = torch.cat([X, torch.ones(len(X), 1, dtype=X.dtype)], dim=1)
        return (A.T @ A / len(X)).numpy()

    def from_numpy_eigenvalues(pick):
        return lambda X: pick(numpy_eigvalsh(hessian(X)))

    # kept aside before the check: recognised as the forbidden routine
    rejects(
        check.critical_learning_rate,
        from_numpy_eigenvalues(lambda lam: 2 / lam[-1]),
        "eigvalsh",
        "forbidden-call",
    )
    exercise = check.critical_learning_rate
    case = exercise.cases(np.random.default_rng(exercise.seed))[0]
    expected = exercise.reference(case)
    lam = numpy_eigvalsh(hessian(case["X"]))
    for value, message in [(2 / lam[0], "2/λ_min"), (2 / (lam[0] + lam[-1]), "best fixed rate")]:
        with pytest.raises(AssertionError, match=re.escape(message)):
            exercise.diagnose(case, value, expected)


@pytest.mark.parametrize(
    ("routine", "shown"),
    [
        (lambda H: torch.linalg.eigvalsh(H)[-1], "torch.linalg.eigvalsh"),
        (lambda H: torch.linalg.svdvals(H)[0], "torch.linalg.svdvals"),
        (lambda H: torch.linalg.matrix_norm(H, ord=2), "torch.linalg.matrix_norm"),
        (lambda H: float(np.linalg.eigvalsh(H.numpy())[-1]), "np.linalg.eigvalsh"),
    ],
)
def test_critical_learning_rate_rejects_eigenvalue_routines(routine, shown):
    def with_routine(X):
        A = torch.cat([X, torch.ones(len(X), 1, dtype=X.dtype)], dim=1)
        return 2 / routine(A.T @ A / len(X))

    rejects(check.critical_learning_rate, with_routine, re.escape(shown), "forbidden-call")


# --------------------------------------------------------------------------- every check
NAMES = ["mse_loss", "mse_gradient", "sgd_momentum", "normal_equation", "critical_learning_rate"]


def wrong_everywhere(*args):
    """A function no check accepts."""
    return "not an answer"


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
    first = verdict(exercise, wrong_everywhere, seed=5)
    second = verdict(exercise, wrong_everywhere, seed=5)
    assert (first.status, first.message) == (second.status, second.message)
