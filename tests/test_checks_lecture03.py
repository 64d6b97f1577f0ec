"""Lecture 03's checks accept correct answers and reject the usual mistakes, saying which."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from conftest import accepts, not_written, rejects

from course_utils.checks import draw, verdict
from course_utils.checks import lecture03 as check

#: Library functions kept aside before a check runs: still caught.
grad_lib = torch.autograd.grad
bce_lib = F.binary_cross_entropy_with_logits


# --------------------------------------------------------------------------- adaline_epoch
def batch_gradients(w, b, X, y):
    """Adaline's gradients on one batch (lecture 02's mean-squared-error gradient)."""
    error = X @ w + b - y
    return X.T @ error / len(y), error.mean()


def adaline_epoch(w, b, X, y, learning_rate, batch_size):
    for start in range(0, len(y), batch_size):
        Xb, yb = X[start : start + batch_size], y[start : start + batch_size]
        grad_w, grad_b = batch_gradients(w, b, Xb, yb)
        w, b = w - learning_rate * grad_w, b - learning_rate * grad_b
    return w, b


def test_adaline_epoch_accepts_a_correct_epoch(capsys):
    check.adaline_epoch(adaline_epoch)
    assert "✓ adaline_epoch" in capsys.readouterr().out
    accepts(check.adaline_epoch, adaline_epoch)


def test_adaline_epoch_accepts_float32():
    def float32(w, b, X, y, learning_rate, batch_size):
        return adaline_epoch(w.float(), b.float(), X.float(), y.float(), learning_rate, batch_size)

    accepts(check.adaline_epoch, float32)


def test_adaline_epoch_accepts_in_place_updates():
    def in_place(w, b, X, y, learning_rate, batch_size):
        for start in range(0, len(y), batch_size):
            grad_w, grad_b = batch_gradients(
                w, b, X[start : start + batch_size], y[start : start + batch_size]
            )
            w -= learning_rate * grad_w
            b -= learning_rate * grad_b
        return w, b

    accepts(check.adaline_epoch, in_place)


def test_adaline_epoch_rejects_changing_X_in_place():
    def shuffles_X(w, b, X, y, learning_rate, batch_size):
        new = adaline_epoch(w, b, X, y, learning_rate, batch_size)
        X *= 2
        return new

    rejects(check.adaline_epoch, shuffles_X, "changed X in place")


def _epoch_with(
    sign=1.0, fixed_divisor=False, stale=False, update_bias=True, first_only=False, full=False
):
    def epoch(w, b, X, y, learning_rate, batch_size):
        w0, b0 = w, b
        size = len(y) if full else batch_size
        for start in range(0, len(y), size):
            Xb, yb = X[start : start + size], y[start : start + size]
            error = Xb @ (w0 if stale else w) + (b0 if stale else b) - yb
            divisor = size if fixed_divisor else len(yb)
            w = w - sign * learning_rate * Xb.T @ error / divisor
            if update_bias:
                b = b - sign * learning_rate * error.sum() / divisor
            if first_only:
                break
        return w, b

    return epoch


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        (_epoch_with(sign=-1.0), "uphill"),
        (_epoch_with(update_bias=False), "update the bias"),
        (_epoch_with(fixed_divisor=True), "last batch can be smaller"),
        (_epoch_with(stale=True), "starting weights"),
        (_epoch_with(first_only=True), "first mini-batch"),
        (_epoch_with(full=True), "one full-batch step"),
        (lambda w, b, X, y, lr, bs: (w, b), "unchanged"),
        (lambda w, b, X, y, lr, bs: adaline_epoch(w, b, X, y, 2 * lr, bs), "the new w"),
    ],
    ids=["sign", "no-bias", "divisor", "stale", "first-only", "full-batch", "unchanged", "other"],
)
def test_adaline_epoch_rejects_typical_mistakes(wrong, message):
    rejects(check.adaline_epoch, wrong, message)


def test_adaline_epoch_shows_its_recipe_only_after_repeated_failures():
    result = rejects(
        check.adaline_epoch,
        lambda w, b, X, y, lr, bs: adaline_epoch(w, b, X, y, 2 * lr, bs),
        "the new w",
    )
    assert "Xb.T @ error" not in result.message and "Xb.T @ error" in result.reveal


def test_adaline_epoch_names_the_unwritten_helper_it_calls():
    def batch_gradients(w, b, X, y):
        raise NotImplementedError

    def epoch(w, b, X, y, learning_rate, batch_size):
        grad_w, grad_b = batch_gradients(w, b, X, y)
        return w - learning_rate * grad_w, b - learning_rate * grad_b

    rejects(
        check.adaline_epoch,
        epoch,
        "adaline_epoch calls batch_gradients, which is not written yet",
        status="not-written",
    )


# --------------------------------------------------------------------------- fit_logistic_regression
def fit_logistic_regression(X, y, learning_rate, n_epochs, weight_decay):
    w, b = torch.zeros(X.shape[1], dtype=X.dtype), torch.zeros((), dtype=X.dtype)
    for _ in range(n_epochs):
        error = torch.sigmoid(X @ w + b) - y
        w = w - learning_rate * (X.T @ error / len(y) + weight_decay * w)
        b = b - learning_rate * error.mean()
    return w, b


def _fit_with(signal="cross-entropy", sign=1.0, mean=True, decay=1.0, decay_bias=False):
    """A student's fit with one typical mistake, written as a student would write it."""

    def fit(X, y, learning_rate, n_epochs, weight_decay):
        w, b = torch.zeros(X.shape[1], dtype=X.dtype), torch.zeros((), dtype=X.dtype)
        for _ in range(n_epochs):
            z = X @ w + b
            y_hat = torch.sigmoid(z)
            if signal == "adaline":
                error = z - y
            elif signal == "sigmoid-mse":
                error = (y_hat - y) * y_hat * (1 - y_hat)
            elif signal == "labels-pm1":
                error = y_hat - (2 * y - 1)
            elif signal == "loss-pm1":
                error = -y * torch.sigmoid(-y * z)
            else:
                error = y_hat - y
            n = len(y) if mean else 1
            grad_w = X.T @ error / n + decay * weight_decay * w
            grad_b = error.sum() / n + (weight_decay * b if decay_bias else 0)
            w, b = w - sign * learning_rate * grad_w, b - sign * learning_rate * grad_b
        return w, b

    return fit


def test_fit_logistic_regression_accepts_gradient_descent_by_hand(capsys):
    check.fit_logistic_regression(fit_logistic_regression)
    assert "✓ fit_logistic_regression" in capsys.readouterr().out
    accepts(check.fit_logistic_regression, fit_logistic_regression)


def test_fit_logistic_regression_accepts_float32_in_place_steps_and_a_bias_of_shape_one():
    def float32(X, y, learning_rate, n_epochs, weight_decay):
        return fit_logistic_regression(X.float(), y.float(), learning_rate, n_epochs, weight_decay)

    def in_place(X, y, learning_rate, n_epochs, weight_decay):
        w, b = torch.zeros(X.shape[1], dtype=X.dtype), torch.zeros(1, dtype=X.dtype)
        for _ in range(n_epochs):
            error = torch.sigmoid(X @ w + b) - y
            w *= 1 - learning_rate * weight_decay
            w -= learning_rate * X.T @ error / len(y)
            b -= learning_rate * error.mean()
        return w, b

    accepts(check.fit_logistic_regression, float32)
    accepts(check.fit_logistic_regression, in_place)


def test_fit_logistic_regression_reference_is_the_descent_torch_optim_takes():
    """The check's reference (autograd) is SGD on BCEWithLogitsLoss with the penalty on w only."""
    for case in check.fit_logistic_regression.cases(np.random.default_rng(7)):
        X, y = case["X"], case["y"]
        model = torch.nn.Linear(X.shape[1], 1, dtype=torch.float64)
        torch.nn.init.zeros_(model.weight)
        torch.nn.init.zeros_(model.bias)
        optimizer = torch.optim.SGD(
            [
                {"params": [model.weight], "weight_decay": case["weight_decay"]},
                {"params": [model.bias], "weight_decay": 0.0},
            ],
            lr=case["learning_rate"],
        )
        for _ in range(case["n_epochs"]):
            loss = F.binary_cross_entropy_with_logits(model(X).squeeze(1), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        expected = check.fit_logistic_regression.reference(case)
        assert torch.allclose(model.weight.detach().view(-1), expected["w"], atol=1e-12)
        assert torch.allclose(model.bias.detach().view(()), expected["b"], atol=1e-12)


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        (_fit_with(sign=-1.0), "uphill"),
        (_fit_with(mean=False), "n times too large"),
        (_fit_with(signal="adaline"), "Adaline's gradient"),
        (_fit_with(signal="sigmoid-mse"), r"squared error of σ\(z\).*σ'\(z\)"),
        (_fit_with(signal="labels-pm1"), "turned into −1 and \\+1"),
        (_fit_with(signal="loss-pm1"), r"labels y ∈ \{−1, \+1\}.*class 0 got no gradient"),
        (_fit_with(decay=0.0), "weight_decay had no effect"),
        (_fit_with(decay=2.0), "twice too large"),
        (_fit_with(decay=-1.0), "away from 0"),
        (_fit_with(decay_bias=True), "bias was penalised"),
        (
            lambda X, y, lr, n, wd: (torch.zeros(X.shape[1]), torch.zeros(())),
            "starting weights",
        ),
        (
            lambda X, y, lr, n, wd: fit_logistic_regression(X, y, lr, n + 1, wd),
            "the fitted w",
        ),
    ],
    ids=[
        "sign",
        "sum",
        "adaline",
        "sigmoid-mse",
        "labels-pm1",
        "loss-pm1",
        "no-decay",
        "decay-twice",
        "decay-sign",
        "decay-bias",
        "unchanged",
        "other",
    ],
)
def test_fit_logistic_regression_rejects_typical_mistakes(wrong, message):
    rejects(check.fit_logistic_regression, wrong, message)


def test_fit_logistic_regression_rejects_a_single_value_and_a_column_w():
    rejects(
        check.fit_logistic_regression,
        lambda X, y, lr, n, wd: fit_logistic_regression(X, y, lr, n, wd)[0],
        "should return a pair",
    )

    def column(X, y, lr, n, wd):
        w, b = fit_logistic_regression(X, y, lr, n, wd)
        return w.reshape(-1, 1), b

    rejects(
        check.fit_logistic_regression, column, r"the fitted w .* shape \(2, 1\), expected \(2,\)"
    )


def test_fit_logistic_regression_names_the_inputs_when_shapes_do_not_meet():
    def missing_transpose(X, y, learning_rate, n_epochs, weight_decay):
        w, b = torch.zeros(X.shape[1], dtype=X.dtype), torch.zeros((), dtype=X.dtype)
        error = torch.sigmoid(X @ w + b) - y
        return w - learning_rate * X @ error / len(y), b

    rejects(check.fit_logistic_regression, missing_transpose, r"X \(10, 2\).*\.T")


def test_fit_logistic_regression_shows_the_recipe_only_after_repeated_failures():
    def wrong(X, y, learning_rate, n_epochs, weight_decay):
        return fit_logistic_regression(X, y, 0.9 * learning_rate, n_epochs, weight_decay)

    result = rejects(check.fit_logistic_regression, wrong, "the fitted w")
    assert "Xᵀ(ŷ − y)/n" not in result.message and "Xᵀ(ŷ − y)/n" in result.reveal
    messages = []
    for _ in range(3):
        with pytest.raises(AssertionError) as info:
            check.fit_logistic_regression(wrong)
        messages.append(str(info.value))
    assert "Xᵀ(ŷ − y)/n" not in messages[0] and "Xᵀ(ŷ − y)/n" in messages[2]


def test_fit_logistic_regression_rejects_autograd_and_the_library_loss():
    def with_backward(X, y, learning_rate, n_epochs, weight_decay):
        w = torch.zeros(X.shape[1], dtype=X.dtype, requires_grad=True)
        b = torch.zeros((), dtype=X.dtype, requires_grad=True)
        for _ in range(n_epochs):
            z = X @ w + b
            loss = (z.clamp(min=0) - y * z + torch.log1p(torch.exp(-z.abs()))).mean()
            (loss + 0.5 * weight_decay * (w**2).sum()).backward()
            with torch.no_grad():
                w -= learning_rate * w.grad
                b -= learning_rate * b.grad
            w.grad = b.grad = None
        return w, b

    rejects(check.fit_logistic_regression, with_backward, "by hand.*backward", "forbidden-call")

    def kept_aside(X, y, learning_rate, n_epochs, weight_decay):
        w = torch.zeros(X.shape[1], dtype=X.dtype, requires_grad=True)
        b = torch.zeros((), dtype=X.dtype, requires_grad=True)
        return grad_lib((X @ w + b).sum(), (w, b))

    rejects(check.fit_logistic_regression, kept_aside, "torch.autograd.grad", "forbidden-call")

    def library_loss(X, y, learning_rate, n_epochs, weight_decay):
        w, b = fit_logistic_regression(X, y, learning_rate, n_epochs, weight_decay)
        F.binary_cross_entropy_with_logits(X @ w + b, y)  # "just to print the loss"
        return w, b

    rejects(
        check.fit_logistic_regression,
        library_loss,
        "by hand.*F.binary_cross_entropy_with_logits",
        "forbidden-call",
    )


# --------------------------------------------------------------------------- bce_from_logits
def bce_from_logits(z, y):
    return (z.clamp(min=0) - y * z + torch.log1p(torch.exp(-z.abs()))).mean()


def test_bce_from_logits_accepts_the_stable_formula(capsys):
    check.bce_from_logits(bce_from_logits)
    assert "✓ bce_from_logits" in capsys.readouterr().out
    accepts(check.bce_from_logits, bce_from_logits)


def test_bce_from_logits_accepts_float32_and_a_python_number():
    accepts(check.bce_from_logits, lambda z, y: bce_from_logits(z.float(), y.float()))
    accepts(check.bce_from_logits, lambda z, y: bce_from_logits(z, y).item())


def naive(z, y):
    p = torch.sigmoid(z)
    return -(y * torch.log(p) + (1 - y) * torch.log(1 - p)).mean()


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        (naive, "underflows"),
        (lambda z, y: -bce_from_logits(z, y), "negative"),
        (lambda z, y: bce_from_logits(z, y) * len(y), "sum over examples"),
        (lambda z, y: bce_from_logits(z, 1 - y), "swapped"),
        (
            lambda z, y: z.clamp(min=0) - y * z + torch.log1p(torch.exp(-z.abs())),
            r"one number.*shape \(6,\).*one loss per example",
        ),
        (lambda z, y: naive(z.clamp(-15, 15), y), "the loss"),
    ],
    ids=["naive", "negative", "sum", "swapped", "per-example", "clamped"],
)
def test_bce_from_logits_rejects_typical_mistakes(wrong, message):
    rejects(check.bce_from_logits, wrong, message)


def test_bce_from_logits_shows_the_stable_formula_only_in_the_reveal():
    result = rejects(check.bce_from_logits, naive, "underflows")
    assert "− y z + log" not in result.message and "− y z + log" in result.reveal


@pytest.mark.parametrize(
    ("library", "shown"),
    [
        (lambda z, y: F.binary_cross_entropy_with_logits(z, y), "F.binary_cross_entropy_with"),
        (lambda z, y: F.binary_cross_entropy(torch.sigmoid(z), y), "F.binary_cross_entropy"),
        (lambda z, y: torch.nn.BCEWithLogitsLoss()(z, y), "nn.BCEWithLogitsLoss"),
        (lambda z, y: torch.nn.BCELoss()(torch.sigmoid(z), y), "nn.BCELoss"),
        (lambda z, y: (F.softplus(z) - y * z).mean(), "F.softplus"),
        (lambda z, y: -(y * F.logsigmoid(z) + (1 - y) * F.logsigmoid(-z)).mean(), "F.logsigmoid"),
        (lambda z, y: bce_lib(z, y), "F.binary_cross_entropy_with_logits"),
    ],
    ids=["with-logits", "bce", "module-with-logits", "module", "softplus", "logsigmoid", "kept"],
)
def test_bce_from_logits_rejects_the_library(library, shown):
    rejects(check.bce_from_logits, library, f"by hand.*{shown}", "forbidden-call")


# --------------------------------------------------------------------------- every check
SOLUTIONS = {
    "adaline_epoch": adaline_epoch,
    "fit_logistic_regression": fit_logistic_regression,
    "bce_from_logits": bce_from_logits,
}


@pytest.mark.parametrize("name", sorted(SOLUTIONS))
def test_every_check_says_when_the_exercise_is_not_written_without_stopping(name, capsys):
    getattr(check, name)(not_written)  # does not raise: Run All goes on
    assert "not written yet" in capsys.readouterr().out
    rejects(getattr(check, name), not_written, "not written yet", status="not-written")


WRONG = {
    "adaline_epoch": lambda w, b, X, y, lr, bs: adaline_epoch(w, b, X, y, 2 * lr, bs),
    "fit_logistic_regression": lambda X, y, lr, n, wd: fit_logistic_regression(
        X, y, lr, n, wd + 0.1
    ),
    "bce_from_logits": lambda z, y: 1.1 * bce_from_logits(z, y),
}


@pytest.mark.parametrize("name", sorted(SOLUTIONS))
def test_every_check_is_deterministic_and_right_on_other_seeds(name):
    exercise = getattr(check, name)
    assert draw(exercise, 5) == draw(exercise, 5) != draw(exercise, 6)
    assert verdict(exercise, WRONG[name], 5) == verdict(exercise, WRONG[name], 5)
    for seed in (1, 2, 3):
        accepts(exercise, SOLUTIONS[name], seed)
