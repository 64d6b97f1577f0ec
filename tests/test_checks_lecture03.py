"""Lecture 03's checks accept correct answers and reject the usual mistakes, saying which."""

import pytest
import torch
import torch.nn.functional as F

from course_utils.checks import lecture03 as check


# --------------------------------------------------------------------------- adaline_gradients
def adaline_gradients(w, b, X, y):
    error = X @ w + b - y
    return X.T @ error / len(y), error.mean()


def test_adaline_gradients_accepts_the_formula(capsys):
    check.adaline_gradients(adaline_gradients)
    assert "✓ adaline_gradients" in capsys.readouterr().out


def test_adaline_gradients_accepts_autograd_and_a_bias_of_shape_one():
    def with_autograd(w, b, X, y):
        w, b = w.clone().requires_grad_(), b.clone().reshape(1).requires_grad_()
        (0.5 * ((X @ w + b - y) ** 2).mean()).backward()
        return w.grad, b.grad

    check.adaline_gradients(with_autograd)


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
    with pytest.raises(AssertionError, match=message):
        check.adaline_gradients(wrong)


def test_adaline_gradients_names_the_perceptron_mistake():
    def thresholded(w, b, X, y):
        error = (X @ w + b >= 0.5).double() - y
        return X.T @ error / len(y), error.mean()

    with pytest.raises(AssertionError, match="thresholded output"):
        check.adaline_gradients(thresholded)


def test_adaline_gradients_rejects_a_single_value():
    with pytest.raises(AssertionError, match="should return a pair"):
        check.adaline_gradients(lambda w, b, X, y: adaline_gradients(w, b, X, y)[0])


def test_adaline_gradients_rejects_the_unwritten_exercise():
    def unwritten(w, b, X, y):
        raise NotImplementedError

    with pytest.raises(AssertionError, match="not written yet"):
        check.adaline_gradients(unwritten)


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


def test_adaline_epoch_accepts_in_place_updates():
    def in_place(w, b, X, y, learning_rate, batch_size):
        for start in range(0, len(y), batch_size):
            grad_w, grad_b = adaline_gradients(
                w, b, X[start : start + batch_size], y[start : start + batch_size]
            )
            w -= learning_rate * grad_w
            b -= learning_rate * grad_b
        return w, b

    check.adaline_epoch(in_place)


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
    with pytest.raises(AssertionError, match=message):
        check.adaline_epoch(wrong)


def test_adaline_epoch_rejects_the_unwritten_exercise():
    def unwritten(w, b, X, y, learning_rate, batch_size):
        raise NotImplementedError

    with pytest.raises(AssertionError, match="not written yet"):
        check.adaline_epoch(unwritten)


# --------------------------------------------------------------------------- logistic_gradients
def logistic_gradients(w, b, X, y):
    signal = torch.sigmoid(X @ w + b) - y
    return X.T @ signal / len(y), signal.mean()


def test_logistic_gradients_accepts_the_formula(capsys):
    check.logistic_gradients(logistic_gradients)
    assert "✓ logistic_gradients" in capsys.readouterr().out


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
    with pytest.raises(AssertionError, match=message):
        check.logistic_gradients(wrong)


def test_logistic_gradients_names_the_squared_error_on_the_sigmoid():
    def mse_on_sigmoid(w, b, X, y):
        p = torch.sigmoid(X @ w + b)
        signal = (p - y) * p * (1 - p)
        return X.T @ signal / len(y), signal.mean()

    with pytest.raises(AssertionError, match="squared error of σ"):
        check.logistic_gradients(mse_on_sigmoid)


def test_logistic_gradients_rejects_the_unwritten_exercise():
    def unwritten(w, b, X, y):
        raise NotImplementedError

    with pytest.raises(AssertionError, match="not written yet"):
        check.logistic_gradients(unwritten)


# --------------------------------------------------------------------------- bce_from_logits
def bce_from_logits(z, y):
    return (z.clamp(min=0) - y * z + torch.log1p(torch.exp(-z.abs()))).mean()


def test_bce_from_logits_accepts_the_stable_formula(capsys):
    check.bce_from_logits(bce_from_logits)
    assert "✓ bce_from_logits" in capsys.readouterr().out


def test_bce_from_logits_accepts_softplus():
    check.bce_from_logits(lambda z, y: (F.softplus(z) - y * z).mean())


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
        (lambda z, y: z.clamp(min=0) - y * z + torch.log1p(torch.exp(-z.abs())), "one number"),
        (lambda z, y: naive(z.clamp(-15, 15), y), "the loss"),
    ],
    ids=["naive", "negative", "sum", "swapped", "per-example", "clamped"],
)
def test_bce_from_logits_rejects_typical_mistakes(wrong, message):
    with pytest.raises(AssertionError, match=message):
        check.bce_from_logits(wrong)


def test_bce_from_logits_rejects_the_unwritten_exercise():
    def unwritten(z, y):
        raise NotImplementedError

    with pytest.raises(AssertionError, match="not written yet"):
        check.bce_from_logits(unwritten)
