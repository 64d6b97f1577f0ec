"""Checks for lecture 01: the perceptron."""

from __future__ import annotations

import numpy as np

from ._core import CheckFailure, Exercise, Forbidden, as_array, as_number, close, expect_close, fail

__all__ = ["margin_and_bound", "perceptron_update", "pocket_perceptron", "predict"]


def _step(z: np.ndarray) -> np.ndarray:
    """The Heaviside step with H(0) = 1, as floats."""
    return (np.asarray(z) >= 0).astype(float)


def _pair(got, what: str) -> list:
    """The answer as a pair, or a failure naming the pair ``what`` should return."""
    if not isinstance(got, list) or len(got) != 2:
        fail(f"{what} should return the pair {_PAIRS[what]}")
    return got


def _plain(value):
    """NumPy scalars as Python numbers, in tuples and lists too.

    ``np.float64`` is a ``float`` that the JSON encoding cannot write when it is inf or nan
    (its repr is ``np.float64(inf)``), so the split runner would not read it back.
    """
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return value


_PAIRS = {"perceptron_update": "(new_w, new_b)", "pocket_perceptron": "(w, b)"}


# --------------------------------------------------------------------------- predict
def _predict_cases(rng):
    cases = [
        {"w": rng.normal(size=d), "b": float(rng.normal()), "X": rng.normal(2.0, 3.0, size=(n, d))}
        for n, d in [(7, 2), (25, 3), (1, 4), (40, 1)]
    ]
    # integer data: many points lie exactly on the boundary
    for w, b, low, high in [([1.0, -1.0], 0.0, -3, 4), ([2.0, 1.0, -1.0], -2.0, -2, 3)]:
        X = rng.integers(low, high, size=(30, len(w))).astype(float)
        cases.append({"w": np.array(w), "b": b, "X": X})
    return cases


def _predictions(case):
    w, b, X = case["w"], case["b"], case["X"]
    z = X @ w + b
    return {
        "right": _step(z),
        "signs": 2 * _step(z) - 1,
        "strict": (z > 0).astype(float),
        "no_bias": _step(X @ w),
        "swapped": [1 - _step(z), (z <= 0).astype(float)],
    }


def _diagnose_predict(case, got, expected):
    X = case["X"]
    got = as_array(got, "predict's answer")
    right = expected["right"]
    if got.shape != right.shape:
        hint = " Return one value per row (a 1-D array)." if got.size == right.size else ""
        fail(f"predict returned shape {got.shape} for {len(X)} rows, expected {right.shape}.{hint}")
    if np.array_equal(got, right):
        return
    if np.array_equal(got, expected["signs"]):
        fail("predict returned -1/+1; the step function H gives 0 or 1")
    if np.array_equal(got, expected["strict"]):
        fail(
            "predict is wrong exactly on the boundary (z = 0), where the neuron fires: "
            "use z >= 0, not z > 0"
        )
    if np.array_equal(got, expected["no_bias"]):
        fail("predict ignored the bias: z = X @ w + b")
    if any(np.array_equal(got, swapped) for swapped in expected["swapped"]):
        fail("predict has the classes swapped: return 1 where z = X @ w + b is >= 0")
    expect_close(
        got,
        right,
        what=f"predict on {len(X)} rows with {X.shape[1]} features",
        hint="one 0/1 value per row: 1 where the neuron fires, 0 elsewhere",
        reveal="return (X @ w + b >= 0) as 0/1 values",
    )


predict = Exercise(
    name="predict",
    cases=_predict_cases,
    call=lambda fn, case: _plain(fn(case["w"], case["b"], case["X"])),
    reference=_predictions,
    diagnose=_diagnose_predict,
    seed=101,
    doc="""Check ``predict(w, b, X)``: 0/1 predictions ``H(X @ w + b)`` per row, with ``H(0) = 1``.

    Tried on random data of several shapes, and on integer data where some rows
    lie exactly on the boundary (z = 0), where the neuron must fire.""",
)


# --------------------------------------------------------------------------- perceptron_update
def _update_cases(rng):
    cases = []
    for d in (2, 3, 5, 2, 4, 3):
        w, x = rng.normal(size=d), rng.normal(1.0, 2.0, size=d)
        b, lr = float(rng.normal()), float(rng.choice([0.05, 0.3, 0.7, 2.5]))
        predicted = float(x @ w + b >= 0)
        cases.append({"w": w, "b": b, "x": x, "y": 1.0 - predicted, "lr": lr})  # a mistake
        cases.append({"w": w, "b": b, "x": x, "y": predicted, "lr": lr})  # a right prediction
    # on the boundary (w = 0, b = 0) the neuron fires: y = 0 is a mistake, y = 1 is right
    cases.append({"w": np.zeros(3), "b": 0.0, "x": rng.normal(size=3), "y": 0.0, "lr": 0.5})
    cases.append({"w": np.zeros(2), "b": 0.0, "x": rng.normal(size=2), "y": 1.0, "lr": 0.5})
    return cases


def _updates(case):
    w, b, x, y, lr = case["w"], case["b"], case["x"], case["y"], case["lr"]
    z = float(x @ w + b)
    error = y - (1.0 if z >= 0 else 0.0)
    return {
        "w": w + lr * error * x,
        "b": b + lr * error,
        "z": z,
        "error": error,
        "flipped": [w - lr * error * x, b - lr * error],
        "without_lr": [w + error * x, b + error],
    }


_RULE = "w <- w + lr * (y - y_hat) * x and b <- b + lr * (y - y_hat)"


def _diagnose_update(case, got, expected):
    new_w, new_b = _pair(got, "perceptron_update")
    new_w, new_b = as_array(new_w, "the new w"), as_array(new_b, "the new b")
    if new_w.shape != expected["w"].shape or new_b.size != 1:
        fail(
            f"perceptron_update returned shapes {new_w.shape} and {new_b.shape}; "
            f"expected w of shape {expected['w'].shape} and one number b"
        )
    new_b = float(new_b.reshape(()))
    if close(new_w, expected["w"]) and close(new_b, expected["b"]):
        return
    w, b, y, lr = case["w"], case["b"], case["y"], case["lr"]
    z, error = expected["z"], expected["error"]
    where = f"(y = {y:.0f}, z = w·x + b = {z:.3f}, lr = {lr})"
    w_ok = close(new_w, expected["w"])
    unchanged = close(new_w, w) and close(new_b, b)
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
    flipped_w, flipped_b = expected["flipped"]
    if close(new_w, flipped_w) and close(new_b, flipped_b):
        fail(
            f"sign error {where}: you moved w and b the other way, away from the right answer; "
            "check the sign of the error",
            reveal=_RULE,
        )
    if w_ok and close(new_b, b):
        fail(
            f"the bias was not updated {where}: b learns by the same rule as w, with x = 1",
            reveal="b <- b + lr * (y - y_hat)",
        )
    if w_ok and close(new_b, flipped_b):
        fail(
            f"sign error in the bias {where}: w is right but b moved the other way",
            reveal="b <- b + lr * (y - y_hat)",
        )
    without_w, without_b = expected["without_lr"]
    if close(new_w, without_w) and close(new_b, without_b) and lr != 1:
        fail(f"the learning rate is missing {where}: multiply the correction by lr")
    if y == 0 and unchanged:
        fail(f"a class-0 example predicted as 1 must change the weights {where}: y - y_hat = -1")
    hint = "predict y_hat first (the neuron fires at z >= 0), then correct by the error"
    expect_close(new_w, expected["w"], what=f"the new w {where}", hint=hint, reveal=_RULE)
    expect_close(new_b, expected["b"], what=f"the new b {where}", hint=hint, reveal=_RULE)


perceptron_update = Exercise(
    name="perceptron_update",
    cases=_update_cases,
    call=lambda fn, case: _plain(fn(case["w"], case["b"], case["x"], case["y"], case["lr"])),
    reference=_updates,
    diagnose=_diagnose_update,
    seed=202,
    doc="""Check ``perceptron_update(w, b, x, y, lr)``: one online step of the perceptron rule.

    ``w <- w + lr (y - y_hat) x`` and ``b <- b + lr (y - y_hat)`` with
    ``y_hat = H(w @ x + b)``; nothing changes when the prediction is right. Tried
    on random examples classified right and wrong, with several learning rates,
    and on examples exactly on the boundary. The ``w`` passed in must not change.""",
)


# --------------------------------------------------------------------------- margin_and_bound
def _separable_cases(rng):
    """Data away from the origin, labelled by a random line of random scale; near points dropped."""
    cases = []
    for n, d in [(30, 2), (50, 3), (20, 1), (60, 4)]:
        w, b = rng.normal(size=d), float(rng.normal(0, 2))
        X = rng.normal(rng.uniform(-4, 4, size=d), 2.0, size=(4 * n, d))
        z = (X @ w + b) / np.linalg.norm(np.r_[w, b])
        keep = np.flatnonzero(np.abs(z) > 0.05)[:n]
        scale = float(rng.uniform(0.2, 7.0))  # the answer must not depend on it
        y = (z[keep] >= 0).astype(int)
        cases.append({"X": X[keep], "y": y, "w": scale * w, "b": scale * b})
    return cases


def _margins(case):
    X, y, w, b = case["X"], case["y"], case["w"], case["b"]
    X_aug, w_aug, t = np.c_[X, np.ones(len(X))], np.r_[w, b], 2 * y - 1
    R = np.linalg.norm(X_aug, axis=1).max()
    raw = (t * (X_aug @ w_aug)).min()
    gamma = raw / np.linalg.norm(w_aug)
    return {
        "R": R,
        "gamma": gamma,
        "bound": (R / gamma) ** 2,
        "R_of_x": np.linalg.norm(X, axis=1).max(),
        "raw": raw,
        "over_w": raw / np.linalg.norm(w),
        "with_01_labels": (y * (X_aug @ w_aug)).min() / np.linalg.norm(w_aug),
        "not_squared": R / gamma,
    }


def _three_numbers(got) -> list[float]:
    if not isinstance(got, list) or len(got) != 3:
        fail("margin_and_bound should return the triple (R, gamma, bound)")
    try:
        return [as_number(value) for value in got]
    except CheckFailure:
        fail("margin_and_bound should return three numbers (R, gamma, bound)")


def _diagnose_margin(case, got, expected):
    R, gamma, bound = _three_numbers(got)
    what = f"on {len(case['X'])} points, {case['X'].shape[1]}-D"
    if not close(R, expected["R"]):
        if close(R, expected["R_of_x"]):
            fail(
                f"R is wrong {what}: it is the largest norm of the augmented input (x, 1), not of x"
            )
        expect_close(
            R,
            expected["R"],
            what=f"R {what}",
            hint="R is the largest norm of an augmented input",
            reveal="R = max_i ||(x_i, 1)||",
        )
    if not close(gamma, expected["gamma"]):
        if close(gamma, expected["raw"]):
            fail(
                f"gamma is wrong {what}: divide by the norm of (w, b), "
                "so that it does not depend on their scale"
            )
        if close(gamma, expected["over_w"]):
            fail(
                f"gamma is wrong {what}: divide by the norm of the augmented (w, b), "
                "not of w alone; the theorem's unit vector includes the bias"
            )
        if gamma <= 0 or close(gamma, expected["with_01_labels"]):
            fail(
                f"gamma is wrong {what}: got {gamma:.6g} for a separating line; "
                "turn the labels into signs t = 2 y - 1 first"
            )
        expect_close(
            gamma,
            expected["gamma"],
            what=f"gamma {what}",
            hint="it is the smallest margin over all points, measured with the augmented (w, b)",
            reveal="gamma = min_i t_i (w @ x_i + b) / ||(w, b)|| with t_i = 2 y_i - 1",
        )
    if not close(bound, expected["bound"]) and close(bound, expected["not_squared"]):
        fail(
            f"the bound is wrong {what}: got {bound:.6g}, expected {expected['bound']:.6g}; "
            "square it"
        )
    expect_close(
        bound,
        expected["bound"],
        what=f"the bound {what}",
        hint="it is the mistake bound of the convergence theorem, from R and gamma",
        reveal="bound = (R / gamma)²",
    )


margin_and_bound = Exercise(
    name="margin_and_bound",
    cases=_separable_cases,
    call=lambda fn, case: _plain(fn(case["X"], case["y"], case["w"], case["b"])),
    reference=_margins,
    diagnose=_diagnose_margin,
    seed=303,
    doc="""Check ``margin_and_bound(X, y, w, b)``: R, gamma and (R / gamma)² on augmented inputs.

    ``R = max ||(x_i, 1)||`` and ``gamma = min t_i (w @ x_i + b) / ||(w, b)||`` with
    ``t = 2 y - 1``. Tried on random separable data with separators of random
    scale, which must not change the answer.""",
)


# --------------------------------------------------------------------------- pocket_perceptron
def _overlapping_cases(rng):
    cases = []
    for n, d, n_epochs, lr in [(40, 2, 5, 1.0), (60, 3, 4, 0.5), (30, 2, 8, 2.0), (80, 2, 3, 1.0)]:
        y = (np.arange(n) % 2).astype(float)
        rng.shuffle(y)
        X = rng.normal(size=(n, d)) + 1.2 * y[:, None] + 1.5  # overlapping, away from the origin
        cases.append({"X": X, "y": y, "n_epochs": n_epochs, "lr": lr})
    return cases


def _mistakes(X: np.ndarray, y: np.ndarray, w: np.ndarray, b: float) -> int:
    return int(np.sum((X @ w + b >= 0) != y))


def _pocket(case):
    """Fewest mistakes after any update, fewest at an epoch's end, and those of the last weights."""
    X, y, lr = case["X"], case["y"], case["lr"]
    w, b = np.zeros(X.shape[1]), 0.0
    fewest = best_epoch_end = _mistakes(X, y, w, b)
    for _ in range(case["n_epochs"]):
        for x_i, y_i in zip(X, y, strict=True):
            error = y_i - (1.0 if x_i @ w + b >= 0 else 0.0)
            if error != 0:
                w, b = w + lr * error * x_i, b + lr * error
                fewest = min(fewest, _mistakes(X, y, w, b))
        best_epoch_end = min(best_epoch_end, _mistakes(X, y, w, b))
    return {"fewest": fewest, "best_epoch_end": best_epoch_end, "final": _mistakes(X, y, w, b)}


def _diagnose_pocket(case, got, expected):
    X, y = case["X"], case["y"]
    n, d = X.shape
    w, b = _pair(got, "pocket_perceptron")
    w, b = as_array(w, "w").reshape(-1), as_array(b, "b")
    if w.shape != (d,) or b.size != 1 or not np.all(np.isfinite(np.r_[w, b.reshape(-1)])):
        fail(f"pocket_perceptron should return w of shape ({d},) and one number b, all finite")
    mistakes = _mistakes(X, y, w, float(b.reshape(())))
    fewest = expected["fewest"]
    if mistakes > fewest:
        if mistakes == expected["final"]:
            hint = "this looks like the last weights; keep a copy of the best ones seen so far"
        elif mistakes == expected["best_epoch_end"]:
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


pocket_perceptron = Exercise(
    name="pocket_perceptron",
    cases=_overlapping_cases,
    call=lambda fn, case: _plain(fn(case["X"], case["y"], case["n_epochs"], case["lr"])),
    reference=_pocket,
    diagnose=_diagnose_pocket,
    forbidden=(Forbidden("sklearn.linear_model.Perceptron", "sklearn's Perceptron"),),
    seed=404,
    doc="""Check ``pocket_perceptron(X, y, n_epochs, lr=1.0)``: the best weights after any update.

    Tried on random overlapping classes (no line separates them), visited in
    the given order from w = 0, b = 0. The returned (w, b) must make no more
    training mistakes than the best weights the perceptron passed through.""",
)
