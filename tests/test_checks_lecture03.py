"""Lecture 03's checks accept correct answers and reject the usual mistakes, saying which."""

import pytest
import torch
import torch.nn.functional as F
from conftest import accepts, not_written, rejects

from course_utils.checks import draw, verdict
from course_utils.checks import lecture03 as check

#: Library functions kept aside before a check runs: still caught.
grad_lib = torch.autograd.grad
bce_lib = F.binary_cross_entropy_with_logits


# --------------------------------------------------------------------------- adaline_gradients
def adaline_gradients(w, b, X, y):
    error = X @ w + b - y
    return X.T @ error / len(y), error.mean()


def test_adaline_gradients_accepts_the_formula(capsys):
    check.adaline_gradients(adaline_gradients)
    assert "✓ adaline_gradients" in capsys.readouterr().out
    accepts(check.adaline_gradients, adaline_gradients)


def test_adaline_gradients_accepts_a_bias_of_shape_one_and_float32():
    def shape_one(w, b, X, y):
        grad_w, grad_b = adaline_gradients(w, b, X, y)
        return grad_w, grad_b.reshape(1)

    accepts(check.adaline_gradients, shape_one)
    accepts(
        check.adaline_gradients,
        lambda w, b, X, y: tuple(g.float() for g in adaline_gradients(w, b, X, y)),
    )


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        (lambda w, b, X, y: tuple(-g for g in adaline_gradients(w, b, X, y)), "opposite sign"),
        (lambda w, b, X, y: (X.T @ (X @ w + b - y), (X @ w + b - y).sum()), "mean, not the sum"),
        (lambda w, b, X, y: tuple(2 * g for g in adaline_gradients(w, b, X, y)), "½"),
        (
            lambda w, b, X, y: (adaline_gradients(w, b, X, y)[0], torch.tensor(0.0)),
            "grad_b is zero",
        ),
        (lambda w, b, X, y: (adaline_gradients(w, b, X, y)[0], None), "returned None"),
        (
            lambda w, b, X, y: (adaline_gradients(w, b, X, y)[0], (X @ w + b - y).sum()),
            "mean of the errors",
        ),
        (lambda w, b, X, y: adaline_gradients(w, b, X, y - 0.3), "grad_w"),
    ],
    ids=["sign", "sum", "factor-two", "bias-zero", "bias-none", "bias-sum", "something-else"],
)
def test_adaline_gradients_rejects_typical_mistakes(wrong, message):
    rejects(check.adaline_gradients, wrong, message)


def test_adaline_gradients_names_the_perceptron_mistake():
    def thresholded(w, b, X, y):
        error = (X @ w + b >= 0.5).double() - y
        return X.T @ error / len(y), error.mean()

    rejects(check.adaline_gradients, thresholded, "thresholded output")


def test_adaline_gradients_rejects_a_single_value():
    rejects(
        check.adaline_gradients,
        lambda w, b, X, y: adaline_gradients(w, b, X, y)[0],
        "should return a pair",
    )


def test_adaline_gradients_names_the_shapes_of_a_column_gradient():
    def column(w, b, X, y):
        grad_w, grad_b = adaline_gradients(w, b, X, y)
        return grad_w.reshape(-1, 1), grad_b

    rejects(check.adaline_gradients, column, r"grad_w .* has shape \(2, 1\), expected \(2,\)")


def test_adaline_gradients_names_the_inputs_when_shapes_do_not_meet():
    def missing_transpose(w, b, X, y):
        error = X @ w + b - y
        return X @ error / len(y), error.mean()

    rejects(check.adaline_gradients, missing_transpose, r"X \(9, 2\).*\.T")


def test_adaline_gradients_shows_the_formula_only_after_repeated_failures():
    def wrong(w, b, X, y):
        return adaline_gradients(w, b, X, y - 0.3)

    result = rejects(check.adaline_gradients, wrong, "grad_w for 9 examples")
    assert "Xᵀ(z − y)" not in result.message and "Xᵀ(z − y)" in result.reveal
    messages = []
    for _ in range(3):
        with pytest.raises(AssertionError) as info:
            check.adaline_gradients(wrong)
        messages.append(str(info.value))
    assert "Xᵀ(z − y)" not in messages[0] and "Xᵀ(z − y)" in messages[2]


def test_adaline_gradients_rejects_autograd():
    def with_backward(w, b, X, y):
        w, b = w.clone().requires_grad_(), b.clone().requires_grad_()
        (0.5 * ((X @ w + b - y) ** 2).mean()).backward()
        return w.grad, b.grad

    rejects(check.adaline_gradients, with_backward, "by hand.*backward", "forbidden-call")

    def kept_aside(w, b, X, y):
        w, b = w.clone().requires_grad_(), b.clone().requires_grad_()
        return grad_lib(0.5 * ((X @ w + b - y) ** 2).mean(), (w, b))

    rejects(check.adaline_gradients, kept_aside, "torch.autograd.grad", "forbidden-call")


# --------------------------------------------------------------------------- adaline_epoch
def adaline_epoch(w, b, X, y, learning_rate, batch_size):
    for start in range(0, len(y), batch_size):
        Xb, yb = X[start : start + batch_size], y[start : start + batch_size]
        grad_w, grad_b = adaline_gradients(w, b, Xb, yb)
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
            grad_w, grad_b = adaline_gradients(
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
    def adaline_gradients(w, b, X, y):
        raise NotImplementedError

    def epoch(w, b, X, y, learning_rate, batch_size):
        grad_w, grad_b = adaline_gradients(w, b, X, y)
        return w - learning_rate * grad_w, b - learning_rate * grad_b

    rejects(
        check.adaline_epoch,
        epoch,
        "adaline_epoch calls adaline_gradients, which is not written yet",
        status="not-written",
    )


# --------------------------------------------------------------------------- logistic_gradients
def logistic_gradients(w, b, X, y):
    signal = torch.sigmoid(X @ w + b) - y
    return X.T @ signal / len(y), signal.mean()


def test_logistic_gradients_accepts_the_formula(capsys):
    check.logistic_gradients(logistic_gradients)
    assert "✓ logistic_gradients" in capsys.readouterr().out
    accepts(check.logistic_gradients, logistic_gradients)


def test_logistic_gradients_accepts_float32():
    accepts(
        check.logistic_gradients,
        lambda w, b, X, y: logistic_gradients(w.float(), b.float(), X.float(), y.float()),
    )


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        (lambda w, b, X, y: tuple(-g for g in logistic_gradients(w, b, X, y)), "opposite sign"),
        (
            lambda w, b, X, y: tuple(len(y) * g for g in logistic_gradients(w, b, X, y)),
            "n times too large",
        ),
        (adaline_gradients, "Adaline's gradient"),
        (
            lambda w, b, X, y: (logistic_gradients(w, b, X, y)[0], torch.tensor(0.0)),
            "grad_b is zero",
        ),
        (lambda w, b, X, y: tuple(0.5 * g for g in logistic_gradients(w, b, X, y)), "grad_w"),
    ],
    ids=["sign", "sum", "adaline", "bias-zero", "other"],
)
def test_logistic_gradients_rejects_typical_mistakes(wrong, message):
    rejects(check.logistic_gradients, wrong, message)


def test_logistic_gradients_names_the_squared_error_on_the_sigmoid():
    def mse_on_sigmoid(w, b, X, y):
        p = torch.sigmoid(X @ w + b)
        signal = (p - y) * p * (1 - p)
        return X.T @ signal / len(y), signal.mean()

    rejects(check.logistic_gradients, mse_on_sigmoid, "squared error of σ")


def test_logistic_gradients_shows_the_formula_only_in_the_reveal():
    def half(w, b, X, y):
        return tuple(0.5 * g for g in logistic_gradients(w, b, X, y))

    result = rejects(check.logistic_gradients, half, "grad_w for 8 examples")
    assert "σ(z) − y" not in result.message and "Xᵀ(σ(z) − y)" in result.reveal


def test_logistic_gradients_rejects_autograd():
    def with_backward(w, b, X, y):
        w, b = w.clone().requires_grad_(), b.clone().requires_grad_()
        F.binary_cross_entropy_with_logits(X @ w + b, y).backward()
        return w.grad, b.grad

    rejects(check.logistic_gradients, with_backward, "by hand", "forbidden-call")

    def kept_aside(w, b, X, y):
        w, b = w.clone().requires_grad_(), b.clone().requires_grad_()
        z = X @ w + b
        loss = (z.clamp(min=0) - y * z + torch.log1p(torch.exp(-z.abs()))).mean()
        return grad_lib(loss, (w, b))

    rejects(check.logistic_gradients, kept_aside, "torch.autograd.grad", "forbidden-call")


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
    "adaline_gradients": adaline_gradients,
    "adaline_epoch": adaline_epoch,
    "logistic_gradients": logistic_gradients,
    "bce_from_logits": bce_from_logits,
}


@pytest.mark.parametrize("name", sorted(SOLUTIONS))
def test_every_check_says_when_the_exercise_is_not_written_without_stopping(name, capsys):
    getattr(check, name)(not_written)  # does not raise: Run All goes on
    assert "not written yet" in capsys.readouterr().out
    rejects(getattr(check, name), not_written, "not written yet", status="not-written")


WRONG = {
    "adaline_gradients": lambda w, b, X, y: adaline_gradients(w, b, X, y - 0.3),
    "adaline_epoch": lambda w, b, X, y, lr, bs: adaline_epoch(w, b, X, y, 2 * lr, bs),
    "logistic_gradients": lambda w, b, X, y: logistic_gradients(w, b, X, y - 0.3),
    "bce_from_logits": lambda z, y: 1.1 * bce_from_logits(z, y),
}


@pytest.mark.parametrize("name", sorted(SOLUTIONS))
def test_every_check_is_deterministic_and_right_on_other_seeds(name):
    exercise = getattr(check, name)
    assert draw(exercise, 5) == draw(exercise, 5) != draw(exercise, 6)
    assert verdict(exercise, WRONG[name], 5) == verdict(exercise, WRONG[name], 5)
    for seed in (1, 2, 3):
        accepts(exercise, SOLUTIONS[name], seed)
