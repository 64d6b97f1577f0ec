"""The checks of lecture 01 accept correct answers and reject the typical wrong ones helpfully."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from conftest import accepts, not_written, rejects, verdicts
from sklearn.linear_model import Perceptron

from course_utils.checks import lecture01 as check
from course_utils.checks.lecture01 import _pocket

#: sklearn's perceptron kept aside before the check runs.
lib_perceptron = Perceptron


# --------------------------------------------------------------------------- reference answers
def dual(X, y, n_epochs, *, bias=1.0, signs=True, strict=False, signed=False):
    """The perceptron on mistake counts, or a typical wrong variant of it."""
    gram = X @ X.T + bias
    t = 2 * y - 1
    coefficients = t if signs else y
    alpha = np.zeros(len(X), dtype=int)
    for _ in range(n_epochs):
        for j in range(len(X)):
            z = (alpha * coefficients) @ gram[:, j]
            if ((z > 0) if strict else (z >= 0)) != (y[j] == 1):
                alpha[j] += 1
    return alpha * t if signed else alpha


def primal_counts(X, y, n_epochs):
    """The same counts, from the ordinary perceptron that stores w and b."""
    w, b, alpha = np.zeros(X.shape[1]), 0.0, np.zeros(len(X), dtype=int)
    for _ in range(n_epochs):
        for j, (x_j, y_j) in enumerate(zip(X, y, strict=True)):
            error = y_j - (1.0 if x_j @ w + b >= 0 else 0.0)
            if error != 0:
                w, b, alpha[j] = w + error * x_j, b + error, alpha[j] + 1
    return alpha


def good_margin_and_bound(X, y, w, b):
    X_aug, w_aug = np.c_[X, np.ones(len(X))], np.r_[w, b]
    R = np.linalg.norm(X_aug, axis=1).max()
    gamma = ((2 * y - 1) * (X_aug @ w_aug)).min() / np.linalg.norm(w_aug)
    return R, gamma, (R / gamma) ** 2


def pocket(
    X, y, n_epochs, lr=1.0, *, when="update", keep="best", ties="first", start=True, strict=False
):
    """The pocket algorithm, or a typical wrong variant (compare at epoch ends, keep the last,
    leave the zero start out of the pocket, fire only at z > 0)."""
    w, b = np.zeros(X.shape[1]), 0.0
    best_w, best_b = w.copy(), b
    fewest = np.sum((X @ w + b >= 0) != y) if start else np.inf

    def consider():
        nonlocal best_w, best_b, fewest
        mistakes = np.sum((X @ w + b >= 0) != y)
        if mistakes < fewest or (ties == "last" and mistakes == fewest):
            best_w, best_b, fewest = w.copy(), b, mistakes

    for _ in range(n_epochs):
        for x_i, y_i in zip(X, y, strict=True):
            z = x_i @ w + b
            error = y_i - (1.0 if (z > 0 if strict else z >= 0) else 0.0)
            if error != 0:
                w, b = w + lr * error * x_i, b + lr * error
                if when == "update":
                    consider()
        if when == "epoch":
            consider()
    return (w, b) if keep == "last" else (best_w, best_b)


# --------------------------------------------------------------------------- dual_perceptron
def test_dual_perceptron_accepts_a_correct_answer(capsys):
    check.dual_perceptron(dual)
    assert "✓ dual_perceptron" in capsys.readouterr().out
    accepts(check.dual_perceptron, dual)


def test_dual_perceptron_accepts_counts_taken_from_the_primal_perceptron():
    accepts(check.dual_perceptron, primal_counts)
    accepts(check.dual_perceptron, lambda X, y, n: torch.tensor(primal_counts(X, y, n)).float())


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        (lambda X, y, n: dual(X, y, n, signed=True), "never negative"),
        (lambda X, y, n: dual(X, y, n, bias=0.0), "bias is missing"),
        (lambda X, y, n: dual(X, y, n, signs=False), "t = 2 y - 1"),
        (lambda X, y, n: dual(X, y, n, strict=True), "fires at z = 0"),
        (lambda X, y, n: dual(X, y, 1), "after one epoch"),
        (lambda X, y, n: dual(X, y, n + 1), "counts of dual_perceptron .* is wrong"),
        (lambda X, y, n: np.zeros(X.shape[1] + 1), "look like weights"),
    ],
)
def test_dual_perceptron_rejects_typical_mistakes(wrong, message):
    rejects(check.dual_perceptron, wrong, message)


def test_dual_perceptron_keeps_the_formula_for_repeated_failures():
    result = rejects(check.dual_perceptron, lambda X, y, n: dual(X, y, n + 1), "is wrong")
    assert "x_i · x_j + 1" not in result.message and "x_i · x_j + 1" in result.reveal


def test_dual_perceptron_rejects_sklearn_perceptron():
    def with_sklearn(X, y, n_epochs):
        from sklearn.linear_model import Perceptron

        Perceptron(max_iter=n_epochs, shuffle=False, tol=None).fit(X, y)
        return np.zeros(len(X), dtype=int)

    rejects(check.dual_perceptron, with_sklearn, "sklearn's Perceptron", "forbidden-call")


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
        (lambda X, y, n, lr=1.0: pocket(X[::-1], y[::-1], n, lr), "never passes through"),
        (lambda X, y, n, lr=1.0: pocket(X, y, n, 1.0 if lr != 1.0 else 0.5), "never passes"),
        (lambda X, y, n, lr=1.0: pocket(X, y, n, lr, ties="last"), "keep the first"),
        (lambda X, y, n, lr=1.0: (np.zeros(X.shape[1] + 1), 0.0), r"shape \(\d+,\)"),
        (lambda X, y, n, lr=1.0: (np.full(X.shape[1], np.nan), 0.0), "all finite"),
        (lambda X, y, n, lr=1.0: pocket(X, y, n, lr)[0], "pair"),
    ],
)
def test_pocket_perceptron_rejects_typical_mistakes(wrong, message):
    rejects(check.pocket_perceptron, wrong, message)


def test_every_draw_has_a_case_where_the_zero_start_is_the_best_state():
    for seed in (0, 1, 2, 8, 19, 404, 2024):
        case = check.pocket_perceptron.cases(np.random.default_rng(seed))[-1]
        start, later = _pocket(case)["mistakes"][0], _pocket(case)["mistakes"][1:]
        assert start <= later.min(), f"seed {seed}: the start is not the best state"
        assert start < later.min() or np.sum(later == start) >= 2, "two later ties, if any"
        assert 0.8 <= case["y"].mean() <= 0.9, "an imbalanced case, mostly class 1"


def test_pocket_perceptron_says_the_zero_start_counts_too():
    def without_start(X, y, n, lr=1.0):
        return pocket(X, y, n, lr, start=False)

    result = rejects(check.pocket_perceptron, without_start, "the zero start counts too")
    assert "w = 0, b = 0" in result.message
    for seed in (0, 1, 2):
        rejects(check.pocket_perceptron, without_start, "zero start counts too", seed=seed)


def aliased_pocket(X, y, n_epochs, lr=1.0):
    """`best_w = w` without a copy, then `w += ...`: the pocket's w follows the current w."""
    w, b = np.zeros(X.shape[1]), 0.0
    best_w, best_b, fewest = w.copy(), b, np.sum((X @ w + b >= 0) != y)
    for _ in range(n_epochs):
        for x_i, y_i in zip(X, y, strict=True):
            error = y_i - (1.0 if x_i @ w + b >= 0 else 0.0)
            if error != 0:
                w += lr * error * x_i
                b += lr * error
                mistakes = np.sum((X @ w + b >= 0) != y)
                if mistakes < fewest:
                    best_w, best_b, fewest = w, b, mistakes
    return best_w, best_b


def test_pocket_perceptron_names_a_pocket_that_is_not_a_copy():
    result = rejects(check.pocket_perceptron, aliased_pocket, "w from one state .* b from another")
    assert "best_w = w.copy()" in result.message and "w.clone()" in result.message


def test_pocket_perceptron_names_firing_only_above_zero():
    strict = lambda X, y, n, lr=1.0: pocket(X, y, n, lr, strict=True)  # noqa: E731
    rejects(check.pocket_perceptron, strict, r"fires at z = 0 \(z >= 0\)")


def test_pocket_perceptron_rejects_shuffling_the_data_in_place():
    def shuffles(X, y, n_epochs, lr=1.0):
        order = np.argsort(X[:, 0])
        X[:] = X[order]
        y[:] = y[order]
        return pocket(X, y, n_epochs, lr)

    rejects(check.pocket_perceptron, shuffles, "changed X in place")


def test_pocket_perceptron_rejects_a_better_line_it_never_visits():
    """A shuffled order and 20 times the epochs find fewer mistakes, but not by the pocket rule."""

    def shuffled_and_longer(X, y, n_epochs, lr=1.0):
        order = np.random.default_rng(1).permutation(len(X))
        return pocket(X[order], y[order], 20 * n_epochs, lr)

    result = rejects(check.pocket_perceptron, shuffled_and_longer, "never passes through")
    assert "given order" in result.message


def test_pocket_perceptron_rejects_the_best_line_by_another_method():
    def least_squares(X, y, n_epochs, lr=1.0):
        X_aug = np.c_[X, np.ones(len(X))]
        w_aug = np.linalg.lstsq(X_aug, y - 0.5, rcond=None)[0]
        return w_aug[:-1], w_aug[-1]

    rejects(check.pocket_perceptron, least_squares, "never passes through")


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
CHECKS = ["dual_perceptron", "margin_and_bound", "pocket_perceptron"]


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
        ("dual_perceptron", lambda X, y, n: dual(X, y, n, bias=0.0)),
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
        ("dual_perceptron", dual),
        ("margin_and_bound", good_margin_and_bound),
        ("pocket_perceptron", pocket),
    ],
)
def test_right_answers_pass_on_other_seeds(name, fn):
    for seed in (0, 1, 2):
        accepts(getattr(check, name), fn, seed=seed)
