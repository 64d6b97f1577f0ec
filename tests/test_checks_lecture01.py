"""The checks of lecture 01 accept correct answers and reject the typical wrong ones helpfully."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from conftest import accepts, not_written, rejects, verdicts
from sklearn.linear_model import Perceptron

from course_utils.checks import lecture01 as check

#: sklearn's perceptron kept aside before the check runs.
lib_perceptron = Perceptron


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
    accepts(check.predict, good_predict)


def test_predict_accepts_booleans_tensors_and_float32():
    accepts(check.predict, lambda w, b, X: X @ w + b >= 0)
    accepts(
        check.predict, lambda w, b, X: (torch.as_tensor(X) @ torch.as_tensor(w) + b >= 0).long()
    )
    accepts(check.predict, lambda w, b, X: (X @ w + b >= 0).astype(np.float32))


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        (lambda w, b, X: (X @ w + b > 0).astype(int), "z >= 0, not z > 0"),
        (lambda w, b, X: (X @ w >= 0).astype(int), "ignored the bias"),
        (lambda w, b, X: np.where(X @ w + b >= 0, 1, -1), "-1/\\+1"),
        (lambda w, b, X: (X @ w + b < 0).astype(int), "swapped"),
        (lambda w, b, X: (X @ w + b >= 0).astype(int)[:, None], r"shape \(\d+, 1\).*1-D array"),
    ],
)
def test_predict_rejects_typical_mistakes(wrong, message):
    rejects(check.predict, wrong, message)


def test_predict_keeps_the_formula_for_repeated_failures():
    result = rejects(
        check.predict, lambda w, b, X: (X @ w + b >= 1).astype(int), "predict on .* is wrong"
    )
    assert "X @ w + b >= 0" not in result.message
    assert "X @ w + b >= 0" in result.reveal


def test_predict_rejects_changing_x_in_place():
    def in_place(w, b, X):
        X *= 1.0
        X += b
        return (X @ w >= 0).astype(int)

    rejects(check.predict, in_place, "changed X in place")


# --------------------------------------------------------------------------- perceptron_update
def test_perceptron_update_accepts_a_correct_answer(capsys):
    check.perceptron_update(good_update)
    assert "✓ perceptron_update" in capsys.readouterr().out
    accepts(check.perceptron_update, good_update)


def test_perceptron_update_rejects_an_in_place_update():
    def in_place(w, b, x, y, lr):
        error = y - float(w @ x + b >= 0)
        w += lr * error * x
        return w, b + lr * error

    rejects(check.perceptron_update, in_place, "changed w in place")


def test_perceptron_update_accepts_a_copy_updated_in_place():
    def copy_then_add(w, b, x, y, lr):
        error = y - float(w @ x + b >= 0)
        new_w = w.copy()
        new_w += lr * error * x
        return new_w, b + lr * error

    accepts(check.perceptron_update, copy_then_add)


def test_perceptron_update_accepts_tensors_and_float32():
    def with_tensors(w, b, x, y, lr):
        w_t, x_t = torch.as_tensor(w), torch.as_tensor(x)
        error = y - float(w_t @ x_t + b >= 0)
        return w_t + lr * error * x_t, b + lr * error

    def in_float32(w, b, x, y, lr):
        new_w, new_b = good_update(w, b, x, y, lr)
        return torch.tensor(new_w, dtype=torch.float32), np.float32(new_b)

    accepts(check.perceptron_update, with_tensors)
    accepts(check.perceptron_update, in_float32)


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


def halved_step(w, b, x, y, lr):
    new_w, new_b = good_update(w, b, x, y, lr)
    return (w + new_w) / 2, (b + new_b) / 2


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
        (halved_step, "the new w .* is wrong"),
        (lambda w, b, x, y, lr: good_update(w, b, x, y, lr)[0], "pair"),
        (lambda w, b, x, y, lr: (good_update(w, b, x, y, lr)[0][:-1], b), r"shapes \(\d+,\)"),
    ],
)
def test_perceptron_update_rejects_typical_mistakes(wrong, message):
    rejects(check.perceptron_update, wrong, message)


def test_perceptron_update_shows_the_rule_only_after_repeated_failures():
    result = rejects(check.perceptron_update, with_sign_error, "sign error")
    assert "lr * (y - y_hat)" not in result.message
    assert "w <- w + lr * (y - y_hat) * x" in result.reveal
    messages = []
    for _ in range(3):
        with pytest.raises(AssertionError) as info:
            check.perceptron_update(with_sign_error)
        messages.append(str(info.value))
    assert "w <- w + lr" not in messages[0] and "w <- w + lr" in messages[2]


# --------------------------------------------------------------------------- margin_and_bound
def test_margin_and_bound_accepts_a_correct_answer(capsys):
    check.margin_and_bound(good_margin_and_bound)
    assert "✓ margin_and_bound" in capsys.readouterr().out
    accepts(check.margin_and_bound, good_margin_and_bound)


def test_margin_and_bound_accepts_float32_and_tensors():
    def in_float32(X, y, w, b):
        return tuple(np.float32(v) for v in good_margin_and_bound(X, y, w, b))

    def as_tensors(X, y, w, b):
        return tuple(torch.tensor(v) for v in good_margin_and_bound(X, y, w, b))

    accepts(check.margin_and_bound, in_float32)
    accepts(check.margin_and_bound, as_tensors)


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


def mean_margin(X, y, w, b):
    R, _, _ = good_margin_and_bound(X, y, w, b)
    gamma = ((2 * y - 1) * (X @ w + b)).mean() / np.linalg.norm(np.r_[w, b])
    return R, gamma, (R / gamma) ** 2


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        (unaugmented_radius, "augmented input"),
        (unnormalised_margin, "does not depend on their scale"),
        (margin_over_w_only, "not of w alone"),
        (zero_one_labels, "t = 2 y - 1"),
        (bound_not_squared, "square it"),
        (mean_margin, "gamma on .* is wrong"),
        (lambda X, y, w, b: good_margin_and_bound(X, y, w, b)[:2], "triple"),
        (lambda X, y, w, b: (np.ones(2), 1.0, 1.0), "three numbers"),
    ],
)
def test_margin_and_bound_rejects_typical_mistakes(wrong, message):
    rejects(check.margin_and_bound, wrong, message)


def test_margin_and_bound_keeps_the_formula_for_repeated_failures():
    result = rejects(check.margin_and_bound, mean_margin, "gamma on")
    assert "min_i" not in result.message and "min_i" in result.reveal


# --------------------------------------------------------------------------- pocket_perceptron
def test_pocket_perceptron_accepts_a_correct_answer(capsys):
    check.pocket_perceptron(pocket)
    assert "✓ pocket_perceptron" in capsys.readouterr().out
    accepts(check.pocket_perceptron, pocket)


def test_pocket_perceptron_accepts_float32_and_tensors():
    def in_float32(X, y, n_epochs, lr=1.0):
        w, b = pocket(X, y, n_epochs, lr)
        return w.astype(np.float32), np.float32(b)

    def as_tensors(X, y, n_epochs, lr=1.0):
        w, b = pocket(X, y, n_epochs, lr)
        return torch.tensor(w)[None], torch.tensor(b)

    accepts(check.pocket_perceptron, in_float32)
    accepts(check.pocket_perceptron, as_tensors)


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        (lambda X, y, n, lr=1.0: pocket(X, y, n, lr, keep="last"), "last weights"),
        (lambda X, y, n, lr=1.0: pocket(X, y, n, lr, when="epoch"), "after every update"),
        (lambda X, y, n, lr=1.0: pocket(X[::-1], y[::-1], n, lr), "given order"),
        (lambda X, y, n, lr=1.0: (np.zeros(X.shape[1] + 1), 0.0), r"shape \(\d+,\)"),
        (lambda X, y, n, lr=1.0: (np.full(X.shape[1], np.nan), 0.0), "all finite"),
        (lambda X, y, n, lr=1.0: pocket(X, y, n, lr)[0], "pair"),
    ],
)
def test_pocket_perceptron_rejects_typical_mistakes(wrong, message):
    rejects(check.pocket_perceptron, wrong, message)


def test_pocket_perceptron_rejects_shuffling_the_data_in_place():
    def shuffles(X, y, n_epochs, lr=1.0):
        order = np.argsort(X[:, 0])
        X[:] = X[order]
        y[:] = y[order]
        return pocket(X, y, n_epochs, lr)

    rejects(check.pocket_perceptron, shuffles, "changed X in place")


def sklearn_pocket(X, y, n_epochs, lr=1.0):
    from sklearn.linear_model import Perceptron

    model = Perceptron(max_iter=n_epochs, eta0=lr, shuffle=False, tol=None).fit(X, y)
    return model.coef_[0], model.intercept_[0]


def kept_aside_pocket(X, y, n_epochs, lr=1.0):
    model = lib_perceptron(max_iter=n_epochs, eta0=lr, shuffle=False, tol=None).fit(X, y)
    return model.coef_[0], model.intercept_[0]


@pytest.mark.parametrize("fn", [sklearn_pocket, kept_aside_pocket])
def test_pocket_perceptron_rejects_sklearn_perceptron(fn):
    rejects(check.pocket_perceptron, fn, "by hand.*sklearn's Perceptron", "forbidden-call")


# --------------------------------------------------------------------------- every check
CHECKS = ["predict", "perceptron_update", "margin_and_bound", "pocket_perceptron"]


@pytest.mark.parametrize("name", CHECKS)
def test_every_check_says_when_the_exercise_is_not_written_without_stopping(name, capsys):
    getattr(check, name)(not_written)  # does not raise: Run All goes on
    assert "not written yet" in capsys.readouterr().out
    rejects(getattr(check, name), not_written, "not written yet", status="not-written")


def test_an_unwritten_helper_is_named():
    def pocket_with_update(X, y, n_epochs, lr=1.0):
        return not_written_update(np.zeros(X.shape[1]), 0.0, X[0], y[0], lr)

    def not_written_update(w, b, x, y, lr):
        raise NotImplementedError

    rejects(check.pocket_perceptron, pocket_with_update, "calls not_written_update", "not-written")


@pytest.mark.parametrize(
    ("name", "fn"),
    [
        ("predict", lambda w, b, X: (X @ w + b > 0).astype(int)),
        ("perceptron_update", with_sign_error),
        ("margin_and_bound", unnormalised_margin),
        ("pocket_perceptron", lambda X, y, n, lr=1.0: pocket(X, y, n, lr, keep="last")),
    ],
)
def test_checks_are_deterministic(name, fn):
    exercise = getattr(check, name)
    first, second = verdicts(exercise, fn), verdicts(exercise, fn)
    assert (first.status, first.message) == (second.status, second.message)


@pytest.mark.parametrize(
    ("name", "fn"),
    [
        ("predict", good_predict),
        ("perceptron_update", good_update),
        ("margin_and_bound", good_margin_and_bound),
        ("pocket_perceptron", pocket),
    ],
)
def test_right_answers_pass_on_other_seeds(name, fn):
    for seed in (0, 1, 2):
        accepts(getattr(check, name), fn, seed=seed)
