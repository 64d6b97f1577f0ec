"""The lecture 04 checks pass correct answers and reject typical mistakes with a helpful message."""

import numpy as np
import pytest
from conftest import not_written

from course_utils.checks import lecture04 as check


# --------------------------------------------------------------------------- relu_derivative
def relu_derivative(z):
    return (z > 0).astype(float)


def test_relu_derivative_accepts_a_correct_answer(capsys):
    check.relu_derivative(relu_derivative)
    assert "✓ relu_derivative" in capsys.readouterr().out


def test_relu_derivative_accepts_a_boolean_array():
    check.relu_derivative(lambda z: z > 0)


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        (lambda z: np.maximum(z, 0), "the ReLU itself"),
        (lambda z: (z < 0).astype(float), "negative z"),
        (lambda z: (z >= 0).astype(float), "z = 0"),
        (lambda z: float((z > 0).mean()), "shape"),
        (not_written, "not written yet"),
    ],
)
def test_relu_derivative_rejects_typical_mistakes(wrong, message):
    with pytest.raises(AssertionError, match=message):
        check.relu_derivative(wrong)


def test_relu_derivative_rejects_changing_the_input_in_place():
    def in_place(z):
        z[z <= 0] = 0
        z[z > 0] = 1
        return z

    with pytest.raises(AssertionError, match="in place"):
        check.relu_derivative(in_place)


# --------------------------------------------------------------------------- softmax
def softmax(Z):
    exps = np.exp(Z - Z.max(axis=1, keepdims=True))
    return exps / exps.sum(axis=1, keepdims=True)


def unstable_softmax(Z):
    with np.errstate(over="ignore", invalid="ignore"):
        return np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)


def global_max_softmax(Z):
    with np.errstate(invalid="ignore"):
        exps = np.exp(Z - Z.max())
        return exps / exps.sum(axis=1, keepdims=True)


def column_softmax(Z):
    exps = np.exp(Z - Z.max(axis=0, keepdims=True))
    return exps / exps.sum(axis=0, keepdims=True)


def test_softmax_accepts_a_correct_answer(capsys):
    check.softmax(softmax)
    assert "✓ softmax" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        (unstable_softmax, "overflowed"),
        (global_max_softmax, "row's own maximum"),
        (column_softmax, "each column"),
        (lambda Z: softmax(Z).sum(axis=1), "keepdims"),
        (lambda Z: np.exp(Z - Z.max(axis=1, keepdims=True)), "softmax on small logits is wrong"),
        (not_written, "not written yet"),
    ],
)
def test_softmax_rejects_typical_mistakes(wrong, message):
    with pytest.raises(AssertionError, match=message):
        check.softmax(wrong)


def test_softmax_rejects_changing_the_input_in_place():
    def in_place(Z):
        Z -= Z.max(axis=1, keepdims=True)
        np.exp(Z, out=Z)
        Z /= Z.sum(axis=1, keepdims=True)
        return Z

    with pytest.raises(AssertionError, match="in place"):
        check.softmax(in_place)


# --------------------------------------------------------------------------- cross_entropy
def log_softmax(Z):
    m = Z.max(axis=1, keepdims=True)
    return Z - m - np.log(np.exp(Z - m).sum(axis=1, keepdims=True))


def cross_entropy(Z, y):
    return -log_softmax(Z)[np.arange(len(y)), y].mean()


def log_of_softmax_cross_entropy(Z, y):
    with np.errstate(divide="ignore"):
        return -np.log(softmax(Z)[np.arange(len(y)), y]).mean()


def test_cross_entropy_accepts_a_correct_answer(capsys):
    check.cross_entropy(cross_entropy)
    assert "✓ cross_entropy" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        (lambda Z, y: -log_softmax(Z)[np.arange(len(y)), y].sum(), "divide by the batch size"),
        (lambda Z, y: log_softmax(Z)[np.arange(len(y)), y].mean(), "wrong sign"),
        (lambda Z, y: -log_softmax(Z)[np.arange(len(y)), y], "one number"),
        (lambda Z, y: -log_softmax(Z).mean(), "true class"),
        (log_of_softmax_cross_entropy, "log-sum-exp"),
        (lambda Z, y: -log_softmax(Z)[np.arange(len(y)), 0].mean(), "returned"),
        (not_written, "not written yet"),
    ],
)
def test_cross_entropy_rejects_typical_mistakes(wrong, message):
    with pytest.raises(AssertionError, match=message):
        check.cross_entropy(wrong)


# --------------------------------------------------------------------------- two_layer_backward
def make_backward(
    *,
    transpose_dW1=False,
    transpose_dW2=False,
    divide=True,
    sign=1.0,
    sum_bias=True,
    derivative="relu",
):
    """A backward pass of the ReLU-softmax network with one chosen mistake (none by default)."""

    def backward(X, y, W1, b1, W2, b2):
        Z1 = X @ W1 + b1
        A1 = np.maximum(Z1, 0)
        P = softmax(A1 @ W2 + b2)
        dZ2 = P.copy()
        dZ2[np.arange(len(y)), y] -= 1
        dZ2 *= sign
        if divide:
            dZ2 /= len(y)
        local = (Z1 > 0) if derivative == "relu" else (1 - np.tanh(Z1) ** 2)
        dZ1 = (dZ2 @ W2.T) * local
        dW1 = dZ1.T @ X if transpose_dW1 else X.T @ dZ1
        dW2 = dZ2.T @ A1 if transpose_dW2 else A1.T @ dZ2
        db1, db2 = (dZ1.sum(axis=0), dZ2.sum(axis=0)) if sum_bias else (dZ1, dZ2)
        return dW1, db1, dW2, db2

    return backward


def test_two_layer_backward_accepts_a_correct_answer(capsys):
    check.two_layer_backward(make_backward())
    assert "✓ two_layer_backward" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("mistake", "message"),
    [
        ({"transpose_dW1": True}, "missing or extra transpose"),
        ({"transpose_dW2": True}, "missing or extra transpose"),
        ({"divide": False}, "times too large"),
        ({"sign": -1.0}, "wrong sign"),
        ({"sum_bias": False}, "sums over the batch"),
        ({"derivative": "tanh"}, r"relu'\(Z1\)"),
    ],
)
def test_two_layer_backward_rejects_typical_mistakes(mistake, message):
    with pytest.raises(AssertionError, match=message):
        check.two_layer_backward(make_backward(**mistake))


def test_two_layer_backward_rejects_dividing_by_the_batch_size_twice():
    correct = make_backward()

    def twice(X, y, *params):
        dW1, db1, dW2, db2 = correct(X, y, *params)
        return dW1 / len(y), db1, dW2, db2

    with pytest.raises(AssertionError, match="times too small"):
        check.two_layer_backward(twice)


def test_two_layer_backward_rejects_a_wrong_return_value_and_an_unwritten_function():
    with pytest.raises(AssertionError, match="four arrays"):
        check.two_layer_backward(lambda *args: make_backward()(*args)[:3])
    with pytest.raises(AssertionError, match="not written yet"):
        check.two_layer_backward(not_written)
