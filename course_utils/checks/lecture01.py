"""Checks for lecture 01: the perceptron."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ._core import assert_close, call, fail, passed, to_numpy

__all__ = ["margin_and_bound", "perceptron_update", "pocket_perceptron", "predict"]


def _step(z: np.ndarray) -> np.ndarray:
    """The Heaviside step with H(0) = 1, as floats."""
    return (z >= 0).astype(float)


def predict(student_fn: Callable) -> None:
    """Check ``predict(w, b, X)``: 0/1 predictions ``H(X @ w + b)`` per row, with ``H(0) = 1``.

    Tried on random data of several shapes, and on integer data where some rows
    lie exactly on the boundary (z = 0), where the neuron must fire.
    """
    rng = np.random.default_rng(101)
    cases = []
    for n, d in [(7, 2), (25, 3), (1, 4), (40, 1)]:
        cases.append((rng.normal(size=d), float(rng.normal()), rng.normal(2.0, 3.0, size=(n, d))))
    # integer data: many points lie exactly on the boundary
    for w, b, low, high in [([1.0, -1.0], 0.0, -3, 4), ([2.0, 1.0, -1.0], -2.0, -2, 3)]:
        X = rng.integers(low, high, size=(30, len(w))).astype(float)
        cases.append((np.array(w), b, X))
    for w, b, X in cases:
        got = to_numpy(call(student_fn, w.copy(), b, X.copy(), name="predict"))
        z = X @ w + b
        expected = _step(z)
        if got.shape != expected.shape:
            hint = " Return one value per row (a 1-D array)." if got.size == expected.size else ""
            fail(
                f"predict returned shape {got.shape} for {len(X)} rows, "
                f"expected {expected.shape}.{hint}"
            )
        if np.array_equal(got, expected):
            continue
        if np.array_equal(got, 2 * expected - 1):
            fail("predict returned -1/+1; the step function H gives 0 or 1")
        if np.array_equal(got, (z > 0).astype(float)):
            fail(
                "predict is wrong exactly on the boundary (z = 0), where the neuron fires: "
                "use z >= 0, not z > 0"
            )
        if np.array_equal(got, _step(X @ w)):
            fail("predict ignored the bias: z = X @ w + b")
        if np.array_equal(got, 1 - expected) or np.array_equal(got, (z <= 0).astype(float)):
            fail("predict has the classes swapped: return 1 where z = X @ w + b is >= 0")
        assert_close(
            got,
            expected,
            what=f"predict on {len(X)} rows with {X.shape[1]} features",
            hint="return (X @ w + b >= 0) as 0/1 values",
        )
    passed("predict", len(cases))


def _reference_update(w, b, x, y, lr):
    error = y - (1.0 if x @ w + b >= 0 else 0.0)
    return w + lr * error * x, b + lr * error


def _update_cases(rng: np.random.Generator) -> list:
    cases = []
    for d in (2, 3, 5, 2, 4, 3):
        w, x = rng.normal(size=d), rng.normal(1.0, 2.0, size=d)
        b, lr = float(rng.normal()), float(rng.choice([0.05, 0.3, 0.7, 2.5]))
        predicted = float(x @ w + b >= 0)
        cases.append((w, b, x, 1.0 - predicted, lr))  # a mistake
        cases.append((w, b, x, predicted, lr))  # a correct prediction
    # on the boundary (w = 0, b = 0) the neuron fires: y = 0 is a mistake, y = 1 is right
    cases.append((np.zeros(3), 0.0, rng.normal(size=3), 0.0, 0.5))
    cases.append((np.zeros(2), 0.0, rng.normal(size=2), 1.0, 0.5))
    return cases


def _diagnose_update(w, b, x, y, lr, new_w, new_b, where: str) -> None:
    """Name the typical mistake behind a wrong update, if it is one of them."""
    z = x @ w + b
    error = y - (1.0 if z >= 0 else 0.0)
    w_ok = np.allclose(new_w, w + lr * error * x, atol=1e-9)
    unchanged = np.allclose(new_w, w) and np.isclose(new_b, b)
    if error == 0 and z == 0:
        fail(
            f"at z = 0 the neuron fires (y_hat = 1), so y = 1 is right and nothing changes {where}"
        )
    if error == 0:
        fail(
            f"the prediction was right but the weights changed {where}; "
            "the rule changes nothing when y_hat = y"
        )
    if z == 0 and unchanged:
        fail(f"at z = 0 the neuron fires (y_hat = 1), so y = 0 is a mistake to correct {where}")
    if np.allclose(new_w, w - lr * error * x) and np.isclose(new_b, b - lr * error):
        fail(f"sign error {where}: the update adds lr * (y - y_hat) * x; you moved the other way")
    if w_ok and np.isclose(new_b, b):
        fail(f"the bias was not updated {where}: b <- b + lr * (y - y_hat) too")
    if w_ok and np.isclose(new_b, b - lr * error):
        fail(f"sign error in the bias {where}: b <- b + lr * (y - y_hat)")
    if np.allclose(new_w, w + error * x) and np.isclose(new_b, b + error) and lr != 1:
        fail(f"the learning rate is missing {where}: multiply the correction by lr")
    if y == 0 and unchanged:
        fail(f"a class-0 example predicted as 1 must change the weights {where}: y - y_hat = -1")


def perceptron_update(student_fn: Callable) -> None:
    """Check ``perceptron_update(w, b, x, y, lr)``: one online step of the perceptron rule.

    ``w <- w + lr (y - y_hat) x`` and ``b <- b + lr (y - y_hat)`` with
    ``y_hat = H(w @ x + b)``; nothing changes when the prediction is right. Tried
    on random examples classified right and wrong, with several learning rates,
    and on examples exactly on the boundary. The ``w`` passed in must not change.
    """
    cases = _update_cases(np.random.default_rng(202))
    for w, b, x, y, lr in cases:
        given_w = w.copy()
        got = call(student_fn, given_w, b, x.copy(), y, lr, name="perceptron_update")
        if not np.array_equal(given_w, w):
            fail("perceptron_update changed w in place; return w + lr * error * x instead")
        if not isinstance(got, (tuple, list)) or len(got) != 2:
            fail("perceptron_update should return the pair (new_w, new_b)")
        new_w, new_b = to_numpy(got[0]), to_numpy(got[1])
        exp_w, exp_b = _reference_update(w, b, x, y, lr)
        if new_w.shape != exp_w.shape or new_b.size != 1:
            fail(
                f"perceptron_update returned shapes {new_w.shape} and {new_b.shape}; "
                f"expected w of shape {exp_w.shape} and one number b"
            )
        new_b = float(new_b.reshape(()))
        if np.allclose(new_w, exp_w, atol=1e-9) and np.isclose(new_b, exp_b, atol=1e-9):
            continue
        where = f"(y = {y:.0f}, z = w·x + b = {x @ w + b:.3f}, lr = {lr})"
        _diagnose_update(w, b, x, y, lr, new_w, new_b, where)
        assert_close(
            new_w,
            exp_w,
            what=f"the new w {where}",
            atol=1e-9,
            hint="w + lr * (y - y_hat) * x with y_hat = 1 if w @ x + b >= 0 else 0",
        )
        assert_close(
            new_b, exp_b, what=f"the new b {where}", atol=1e-9, hint="b + lr * (y - y_hat)"
        )
    passed("perceptron_update", len(cases))


def _separable_case(rng: np.random.Generator, n: int, d: int):
    """Data away from the origin, labelled by a random line; points close to the line dropped."""
    w, b = rng.normal(size=d), float(rng.normal(0, 2))
    X = rng.normal(rng.uniform(-4, 4, size=d), 2.0, size=(4 * n, d))
    z = (X @ w + b) / np.linalg.norm(np.r_[w, b])
    keep = np.flatnonzero(np.abs(z) > 0.05)[:n]
    return X[keep], (z[keep] >= 0).astype(int), w, b


def _diagnose_margin(X, y, w, b, R, gamma, bound, what: str) -> None:
    """Fail with a message naming the mistake when R, gamma or the bound is wrong."""
    X_aug, w_aug, t = np.c_[X, np.ones(len(X))], np.r_[w, b], 2 * y - 1
    exp_R = np.linalg.norm(X_aug, axis=1).max()
    raw = (t * (X_aug @ w_aug)).min()
    exp_gamma = raw / np.linalg.norm(w_aug)
    if not np.isclose(R, exp_R, rtol=1e-6):
        if np.isclose(R, np.linalg.norm(X, axis=1).max(), rtol=1e-6):
            fail(
                f"R is wrong {what}: it is the largest norm of the augmented input (x, 1), not of x"
            )
        fail(f"R is wrong {what}: got {R:.6g}, expected {exp_R:.6g}; R = max_i ||(x_i, 1)||")
    if not np.isclose(gamma, exp_gamma, rtol=1e-6):
        if np.isclose(gamma, raw, rtol=1e-6):
            fail(
                f"gamma is wrong {what}: divide by the norm of (w, b), "
                "so that it does not depend on their scale"
            )
        if np.isclose(gamma, raw / np.linalg.norm(w), rtol=1e-6):
            fail(
                f"gamma is wrong {what}: divide by the norm of the augmented (w, b), "
                "not of w alone; the theorem's unit vector includes the bias"
            )
        with_01_labels = (y * (X_aug @ w_aug)).min() / np.linalg.norm(w_aug)
        if gamma <= 0 or np.isclose(gamma, with_01_labels, rtol=1e-6):
            fail(
                f"gamma is wrong {what}: got {gamma:.6g} for a separating line; "
                "turn the labels into signs t = 2 y - 1 first"
            )
        fail(
            f"gamma is wrong {what}: got {gamma:.6g}, expected {exp_gamma:.6g}; "
            "gamma = min_i t_i (w @ x_i + b) / ||(w, b)||"
        )
    if not np.isclose(bound, (exp_R / exp_gamma) ** 2, rtol=1e-6):
        square = "; square it" if np.isclose(bound, exp_R / exp_gamma, rtol=1e-6) else ""
        fail(
            f"the bound is wrong {what}: got {bound:.6g}, expected "
            f"{(exp_R / exp_gamma) ** 2:.6g}; the bound is (R / gamma)²{square}"
        )


def margin_and_bound(student_fn: Callable) -> None:
    """Check ``margin_and_bound(X, y, w, b)``: R, gamma and (R / gamma)² on augmented inputs.

    ``R = max ||(x_i, 1)||`` and ``gamma = min t_i (w @ x_i + b) / ||(w, b)||`` with
    ``t = 2 y - 1``. Tried on random separable data with separators of random
    scale, which must not change the answer.
    """
    rng = np.random.default_rng(303)
    shapes = [(30, 2), (50, 3), (20, 1), (60, 4)]
    for n, d in shapes:
        X, y, w, b = _separable_case(rng, n, d)
        scale = float(rng.uniform(0.2, 7.0))
        got = call(student_fn, X.copy(), y.copy(), scale * w, scale * b, name="margin_and_bound")
        if not isinstance(got, (tuple, list)) or len(got) != 3:
            fail("margin_and_bound should return the triple (R, gamma, bound)")
        try:
            R, gamma, bound = (float(to_numpy(v).reshape(())) for v in got)
        except (TypeError, ValueError):
            fail("margin_and_bound should return three numbers (R, gamma, bound)")
        _diagnose_margin(X, y, scale * w, scale * b, R, gamma, bound, f"on {len(X)} points, {d}-D")
    passed("margin_and_bound", len(shapes))


def _mistakes(X: np.ndarray, y: np.ndarray, w: np.ndarray, b: float) -> int:
    return int(np.sum((X @ w + b >= 0) != y))


def _pocket(X: np.ndarray, y: np.ndarray, n_epochs: int, lr: float) -> tuple[int, int, int]:
    """Fewest mistakes after any update, fewest at an epoch's end, and those of the last weights."""
    w, b = np.zeros(X.shape[1]), 0.0
    fewest = best_epoch_end = _mistakes(X, y, w, b)
    for _ in range(n_epochs):
        for x_i, y_i in zip(X, y, strict=True):
            error = y_i - (1.0 if x_i @ w + b >= 0 else 0.0)
            if error != 0:
                w, b = w + lr * error * x_i, b + lr * error
                fewest = min(fewest, _mistakes(X, y, w, b))
        best_epoch_end = min(best_epoch_end, _mistakes(X, y, w, b))
    return fewest, best_epoch_end, _mistakes(X, y, w, b)


def pocket_perceptron(student_fn: Callable) -> None:
    """Check ``pocket_perceptron(X, y, n_epochs, lr=1.0)``: the best weights seen after any update.

    Tried on random overlapping classes (no line separates them), visited in
    the given order from w = 0, b = 0. The returned (w, b) must make no more
    training mistakes than the best weights the perceptron passed through.
    """
    rng = np.random.default_rng(404)
    settings = [(40, 2, 5, 1.0), (60, 3, 4, 0.5), (30, 2, 8, 2.0), (80, 2, 3, 1.0)]
    for n, d, n_epochs, lr in settings:
        y = (np.arange(n) % 2).astype(float)
        rng.shuffle(y)
        X = rng.normal(size=(n, d)) + 1.2 * y[:, None] + 1.5  # overlapping, away from the origin
        got = call(student_fn, X.copy(), y.copy(), n_epochs, lr, name="pocket_perceptron")
        if not isinstance(got, (tuple, list)) or len(got) != 2:
            fail("pocket_perceptron should return the pair (w, b)")
        w, b = to_numpy(got[0]).reshape(-1), to_numpy(got[1])
        if w.shape != (d,) or b.size != 1 or not np.all(np.isfinite(np.r_[w, b.reshape(-1)])):
            fail(f"pocket_perceptron should return w of shape ({d},) and one number b, all finite")
        mistakes = _mistakes(X, y, w, float(b.reshape(())))
        fewest, best_epoch_end, final = _pocket(X, y, n_epochs, lr)
        if mistakes > fewest:
            if mistakes == final:
                hint = "this looks like the last weights; keep a copy of the best ones seen so far"
            elif mistakes == best_epoch_end:
                hint = "this looks like the best at an epoch's end; compare after every update"
            else:
                hint = (
                    "visit the rows in their given order, update only on mistakes, and count "
                    "the mistakes on the whole training set after every update"
                )
            fail(
                f"pocket_perceptron returned weights with {mistakes} training mistakes on {n} "
                f"points, but the perceptron passed through weights with only {fewest}; {hint}"
            )
    passed("pocket_perceptron", len(settings))
