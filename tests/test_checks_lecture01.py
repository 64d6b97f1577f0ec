"""The checks of lecture 01 accept correct answers and reject the typical wrong ones helpfully."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from conftest import not_written

from course_utils.checks import lecture01 as check


# --------------------------------------------------------------------------- reference answers
def good_predict(w, b, X):
    return (X @ w + b >= 0).astype(int)


def good_update(w, b, x, y, lr):
    error = y - (1.0 if x @ w + b >= 0 else 0.0)
    return w + lr * error * x, b + lr * error


def good_margin_and_bound(X, y, w, b):
    X_aug, w_aug = np.c_[X, np.ones(len(X))], np.r_[w, b]
    R = np.linalg.norm(X_aug, axis=1).max()
    gamma = ((2 * y - 1) * (X_aug @ w_aug)).min() / np.linalg.norm(w_aug)
    return R, gamma, (R / gamma) ** 2


def pocket(X, y, n_epochs, lr=1.0, *, when="update", keep="best"):
    """The pocket algorithm, or a typical wrong variant (compare at epoch ends, keep the last)."""
    w, b = np.zeros(X.shape[1]), 0.0
    best_w, best_b, fewest = w.copy(), b, np.sum((X @ w + b >= 0) != y)

    def consider():
        nonlocal best_w, best_b, fewest
        mistakes = np.sum((X @ w + b >= 0) != y)
        if mistakes < fewest:
            best_w, best_b, fewest = w.copy(), b, mistakes

    for _ in range(n_epochs):
        for x_i, y_i in zip(X, y, strict=True):
            error = y_i - (1.0 if x_i @ w + b >= 0 else 0.0)
            if error != 0:
                w, b = w + lr * error * x_i, b + lr * error
                if when == "update":
                    consider()
        if when == "epoch":
            consider()
    return (w, b) if keep == "last" else (best_w, best_b)



# --------------------------------------------------------------------------- predict
def test_predict_accepts_a_correct_answer(capsys):
    check.predict(good_predict)
    assert "✓ predict" in capsys.readouterr().out


def test_predict_accepts_booleans_and_tensors():
    check.predict(lambda w, b, X: X @ w + b >= 0)
    check.predict(lambda w, b, X: (torch.as_tensor(X) @ torch.as_tensor(w) + b >= 0).long())


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        (lambda w, b, X: (X @ w + b > 0).astype(int), "z >= 0, not z > 0"),
        (lambda w, b, X: (X @ w >= 0).astype(int), "ignored the bias"),
        (lambda w, b, X: np.where(X @ w + b >= 0, 1, -1), "-1/\\+1"),
        (lambda w, b, X: (X @ w + b < 0).astype(int), "swapped"),
        (lambda w, b, X: (X @ w + b >= 0).astype(int)[:, None], "1-D array"),
        (not_written, "not written yet"),
    ],
)
def test_predict_rejects_typical_mistakes(wrong, message):
    with pytest.raises(AssertionError, match=message):
        check.predict(wrong)


# --------------------------------------------------------------------------- perceptron_update
def test_perceptron_update_accepts_a_correct_answer(capsys):
    check.perceptron_update(good_update)
    assert "✓ perceptron_update" in capsys.readouterr().out


def test_perceptron_update_rejects_an_in_place_update():
    def in_place(w, b, x, y, lr):
        error = y - float(w @ x + b >= 0)
        w += lr * error * x
        return w, b + lr * error

    with pytest.raises(AssertionError, match="changed w in place"):
        check.perceptron_update(in_place)


def test_perceptron_update_accepts_a_copy_updated_in_place():
    def copy_then_add(w, b, x, y, lr):
        error = y - float(w @ x + b >= 0)
        new_w = w.copy()
        new_w += lr * error * x
        return new_w, b + lr * error

    check.perceptron_update(copy_then_add)


def test_perceptron_update_accepts_tensors():
    def with_tensors(w, b, x, y, lr):
        w_t, x_t = torch.as_tensor(w), torch.as_tensor(x)
        error = y - float(w_t @ x_t + b >= 0)
        return w_t + lr * error * x_t, b + lr * error

    check.perceptron_update(with_tensors)


def without_bias_update(w, b, x, y, lr):
    return good_update(w, b, x, y, lr)[0], b


def with_sign_error(w, b, x, y, lr):
    error = (1.0 if x @ w + b >= 0 else 0.0) - y
    return w + lr * error * x, b + lr * error


def with_bias_sign_error(w, b, x, y, lr):
    new_w, new_b = good_update(w, b, x, y, lr)
    return new_w, 2 * b - new_b


def always_updating(w, b, x, y, lr):
    t = 2 * y - 1
    return w + lr * t * x, b + lr * t


def without_learning_rate(w, b, x, y, lr):
    return good_update(w, b, x, y, 1.0)


def strict_threshold(w, b, x, y, lr):
    error = y - (1.0 if x @ w + b > 0 else 0.0)
    return w + lr * error * x, b + lr * error


def only_adding(w, b, x, y, lr):
    """Treats the labels as signs: a class-0 mistake gives y * x = 0, so nothing changes."""
    if (x @ w + b >= 0) != y:
        return w + lr * y * x, b + lr * y
    return w, b


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        (without_bias_update, "bias was not updated"),
        (with_sign_error, "sign error"),
        (with_bias_sign_error, "sign error in the bias"),
        (always_updating, "prediction was right but the weights changed"),
        (without_learning_rate, "learning rate is missing"),
        (strict_threshold, "at z = 0 the neuron fires"),
        (only_adding, "class-0 example predicted as 1 must change"),
        (lambda w, b, x, y, lr: good_update(w, b, x, y, lr)[0], "pair"),
        (not_written, "not written yet"),
    ],
)
def test_perceptron_update_rejects_typical_mistakes(wrong, message):
    with pytest.raises(AssertionError, match=message):
        check.perceptron_update(wrong)


# --------------------------------------------------------------------------- margin_and_bound
def test_margin_and_bound_accepts_a_correct_answer(capsys):
    check.margin_and_bound(good_margin_and_bound)
    assert "✓ margin_and_bound" in capsys.readouterr().out


def unaugmented_radius(X, y, w, b):
    _, gamma, _ = good_margin_and_bound(X, y, w, b)
    R = np.linalg.norm(X, axis=1).max()
    return R, gamma, (R / gamma) ** 2


def unnormalised_margin(X, y, w, b):
    R, _, _ = good_margin_and_bound(X, y, w, b)
    gamma = ((2 * y - 1) * (X @ w + b)).min()
    return R, gamma, (R / gamma) ** 2


def margin_over_w_only(X, y, w, b):
    R, _, _ = good_margin_and_bound(X, y, w, b)
    gamma = ((2 * y - 1) * (X @ w + b)).min() / np.linalg.norm(w)
    return R, gamma, (R / gamma) ** 2


def zero_one_labels(X, y, w, b):
    R, _, _ = good_margin_and_bound(X, y, w, b)
    gamma = (y * (X @ w + b)).min() / np.linalg.norm(np.r_[w, b])  # 0: class-0 points count 0
    with np.errstate(divide="ignore"):
        return R, gamma, (R / gamma) ** 2


def bound_not_squared(X, y, w, b):
    R, gamma, _ = good_margin_and_bound(X, y, w, b)
    return R, gamma, R / gamma


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        (unaugmented_radius, "augmented input"),
        (unnormalised_margin, "does not depend on their scale"),
        (margin_over_w_only, "not of w alone"),
        (zero_one_labels, "t = 2 y - 1"),
        (bound_not_squared, "square it"),
        (lambda X, y, w, b: good_margin_and_bound(X, y, w, b)[:2], "triple"),
        (not_written, "not written yet"),
    ],
)
def test_margin_and_bound_rejects_typical_mistakes(wrong, message):
    with pytest.raises(AssertionError, match=message):
        check.margin_and_bound(wrong)


# --------------------------------------------------------------------------- pocket_perceptron
def test_pocket_perceptron_accepts_a_correct_answer(capsys):
    check.pocket_perceptron(pocket)
    assert "✓ pocket_perceptron" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        (lambda X, y, n, lr=1.0: pocket(X, y, n, lr, keep="last"), "last weights"),
        (lambda X, y, n, lr=1.0: pocket(X, y, n, lr, when="epoch"), "after every update"),
        (lambda X, y, n, lr=1.0: (np.zeros(X.shape[1] + 1), 0.0), "shape"),
        (not_written, "not written yet"),
    ],
)
def test_pocket_perceptron_rejects_typical_mistakes(wrong, message):
    with pytest.raises(AssertionError, match=message):
        check.pocket_perceptron(wrong)
