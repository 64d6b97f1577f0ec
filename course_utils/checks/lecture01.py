"""Checks for lecture 01: the perceptron."""

from __future__ import annotations

import numpy as np

from ._core import CheckFailure, Exercise, Forbidden, as_array, as_number, close, expect_close, fail

__all__ = ["dual_perceptron", "margin_and_bound", "pocket_perceptron"]


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


_PAIRS = {"pocket_perceptron": "(w, b)"}


# --------------------------------------------------------------------------- dual_perceptron
def _dual_cases(rng):
    cases = []
    for n, d, n_epochs, gap in [
        (12, 2, 3, 2.5),
        (20, 2, 4, 0.8),
        (9, 1, 5, 1.5),
        (25, 3, 2, 1.0),
        (16, 2, 6, 3.0),
    ]:
        y = (np.arange(n) % 2).astype(float)
        rng.shuffle(y)
        X = rng.normal(size=(n, d)) + gap * y[:, None] + rng.uniform(-2, 2, size=d)
        cases.append({"X": X, "y": y, "n_epochs": n_epochs})
    return cases


def _dual_run(X, y, n_epochs, *, bias=1.0, signs=True, strict=False):
    """The perceptron on mistake counts, or a typical wrong variant of it."""
    gram = X @ X.T + bias
    coefficients = 2 * y - 1 if signs else y
    alpha = np.zeros(len(X))
    for _ in range(n_epochs):
        for j in range(len(X)):
            z = (alpha * coefficients) @ gram[:, j]
            fires = z > 0 if strict else z >= 0
            if fires != (y[j] == 1):
                alpha[j] += 1
    return alpha


def _dual_counts(case):
    X, y, n_epochs = case["X"], case["y"], case["n_epochs"]
    right = _dual_run(X, y, n_epochs)
    return {
        "right": right,
        "signed": right * (2 * y - 1),
        "no_bias": _dual_run(X, y, n_epochs, bias=0.0),
        "zero_one": _dual_run(X, y, n_epochs, signs=False),
        "strict": _dual_run(X, y, n_epochs, strict=True),
        "one_epoch": _dual_run(X, y, 1),
    }


def _diagnose_dual(case, got, expected):
    X = case["X"]
    n, d = X.shape
    alpha = as_array(got, "dual_perceptron's answer").reshape(-1)
    what = f"dual_perceptron on {n} points in {d}-D, {case['n_epochs']} epochs"
    if alpha.shape != (n,):
        weights = (
            " (these look like weights: return the counts instead)"
            if alpha.size in {d, d + 1}
            else ""
        )
        fail(f"{what} returned {alpha.size} numbers; return one count per example, {n}{weights}")
    if np.array_equal(alpha, expected["right"]):
        return
    if np.array_equal(alpha, expected["signed"]):
        fail(f"{what}: alpha counts mistakes, so it is never negative; the sign t_i belongs in z")
    if np.array_equal(alpha, expected["no_bias"]):
        fail(
            f"{what}: the bias is missing; the inputs are augmented with a constant 1, so the dot "
            "product of two augmented inputs is x_i · x_j + 1"
        )
    if np.array_equal(alpha, expected["zero_one"]):
        fail(
            f"{what}: z used the labels 0/1, so mistakes on class 0 never count; a class-0 "
            "mistake subtracts its input: use t = 2 y - 1 in the sum"
        )
    if np.array_equal(alpha, expected["strict"]):
        fail(f"{what}: the neuron fires at z = 0 (z >= 0), as in the lecture, not only at z > 0")
    if np.array_equal(alpha, expected["one_epoch"]) and case["n_epochs"] > 1:
        fail(f"{what}: these are the counts after one epoch; run all n_epochs epochs")
    expect_close(
        alpha,
        expected["right"],
        what=f"the counts of {what}",
        hint="z_j is the sum over i of alpha_i t_i times the dot product of the augmented inputs",
        reveal="z_j = sum_i alpha_i t_i (x_i · x_j + 1); on a mistake alpha_j += 1",
    )


dual_perceptron = Exercise(
    name="dual_perceptron",
    cases=_dual_cases,
    call=lambda fn, case: _plain(fn(case["X"], case["y"], case["n_epochs"])),
    reference=_dual_counts,
    diagnose=_diagnose_dual,
    forbidden=(Forbidden("sklearn.linear_model.Perceptron", "sklearn's Perceptron"),),
    seed=101,
    doc="""Check ``dual_perceptron(X, y, n_epochs)``: the perceptron's mistake count per example.

    The perceptron (η = 1, from zero, rows in their given order, firing at z >= 0)
    run on separable and overlapping data; the answer must be the number of
    updates made on each example. Computing them through w is accepted too.""",
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
    cases.append(_start_is_best_case(rng))
    return cases


def _start_is_best_case(rng):
    """Imbalanced overlapping classes, 34 of 40 points in class 1, on which the zero start (it
    calls every point class 1) is the first best state: the pocket must keep it. Later states
    that call every point class 1 tie with it; at least two must then, so that keeping the last
    of equal states and leaving the start out give different answers. Redrawn from ``rng`` until
    that holds (about every other draw), so every seed has such a case."""
    n, d, n_epochs, lr = 40, 2, 3, 0.5
    for _ in range(1000):
        y = np.ones(n)
        y[:6] = 0.0
        rng.shuffle(y)
        X = rng.normal(size=(n, d)) + 0.3 * y[:, None] + 1.5
        case = {"X": X, "y": y, "n_epochs": n_epochs, "lr": lr}
        mistakes = _pocket(case)["mistakes"]
        start, later = mistakes[0], mistakes[1:]
        if start < later.min() or (start == later.min() and np.sum(later == start) >= 2):
            return case
    raise RuntimeError("no case where the zero start is the best state")  # pragma: no cover


def _mistakes(X: np.ndarray, y: np.ndarray, w: np.ndarray, b: float) -> int:
    return int(np.sum((X @ w + b >= 0) != y))


def _replay(case, *, strict=False):
    """Every state the perceptron passes through (the start, then after each update), in order,
    and the index of each epoch's last state; ``strict`` fires only at z > 0 (a typical slip)."""
    X, y, lr = case["X"], case["y"], case["lr"]
    w, b = np.zeros(X.shape[1]), 0.0
    weights, biases, epoch_ends = [w], [b], []
    for _ in range(case["n_epochs"]):
        for x_i, y_i in zip(X, y, strict=True):
            z = x_i @ w + b
            error = y_i - (1.0 if (z > 0 if strict else z >= 0) else 0.0)
            if error != 0:
                w, b = w + lr * error * x_i, b + lr * error
                weights.append(w)
                biases.append(b)
        epoch_ends.append(len(weights) - 1)
    return np.array(weights), np.array(biases), np.array(epoch_ends)


def _pocket(case):
    """The states of the perceptron with their training mistakes (see ``_replay``), and the
    states of the variant that fires only at z > 0."""
    X, y = case["X"], case["y"]
    weights, biases, epoch_ends = _replay(case)
    strict_weights, strict_biases, _ = _replay(case, strict=True)
    mistakes = np.array(
        [_mistakes(X, y, w_k, b_k) for w_k, b_k in zip(weights, biases, strict=True)]
    )
    return {
        "weights": weights,
        "biases": biases,
        "mistakes": mistakes,
        "epoch_ends": epoch_ends,
        "strict_weights": strict_weights,
        "strict_biases": strict_biases,
    }


def _diagnose_pocket(case, got, expected):
    X, y = case["X"], case["y"]
    n, d = X.shape
    w, b = _pair(got, "pocket_perceptron")
    w, b = as_array(w, "w").reshape(-1), as_array(b, "b")
    if w.shape != (d,) or b.size != 1 or not np.all(np.isfinite(np.r_[w, b.reshape(-1)])):
        fail(f"pocket_perceptron should return w of shape ({d},) and one number b, all finite")
    b = float(b.reshape(()))
    mistakes = expected["mistakes"]
    fewest, first_best = int(mistakes.min()), int(np.argmin(mistakes))
    visited = [
        k
        for k, (w_k, b_k) in enumerate(zip(expected["weights"], expected["biases"], strict=True))
        if close(w, w_k) and close(b, b_k)
    ]
    where = f"on {n} points with lr = {case['lr']} and {case['n_epochs']} epochs"
    if not visited:
        _diagnose_unvisited(w, b, expected, where)
        fail(
            f"pocket_perceptron returned weights ({_mistakes(X, y, w, b)} training mistakes) that "
            f"the perceptron never passes through {where}; start at w = 0, b = 0, visit the rows "
            "in their given order, update only on mistakes with the learning rate lr, and return "
            "one of the states it visits"
        )
    if first_best in visited:
        return
    k = visited[-1]
    if first_best == 0 and k == 1 + int(np.argmin(mistakes[1:])):
        than = (
            "as few as any later state, and of equal states the first counts"
            if mistakes[k] == fewest
            else "fewer than any later state"
        )
        fail(
            f"pocket_perceptron returned the best state after an update ({int(mistakes[k])} "
            f"training mistakes) {where}, but the zero start counts too: w = 0, b = 0 makes "
            f"{fewest}, {than}; put the starting weights in the pocket before the first update"
        )
    if mistakes[k] == fewest:
        fail(
            f"pocket_perceptron returned a later state with as few mistakes ({fewest}) as the "
            f"first best one {where}; of equally good weights keep the first (replace the pocket "
            "only when strictly fewer)"
        )
    if k == len(mistakes) - 1:
        hint = "this looks like the last weights; keep a copy of the best ones seen so far"
    elif k in set(expected["epoch_ends"].tolist()):
        hint = "this looks like the best at an epoch's end; compare after every update"
    else:
        hint = "count the mistakes on the whole training set after every update"
    fail(
        f"pocket_perceptron returned weights with {int(mistakes[k])} training mistakes {where}, "
        f"but the perceptron passed through weights with only {fewest}; {hint}"
    )


def _diagnose_unvisited(w, b, expected, where):
    """Name the typical slips that lead to a state the perceptron never visits."""
    strict = zip(expected["strict_weights"], expected["strict_biases"], strict=True)
    if any(close(w, w_k) and close(b, b_k) for w_k, b_k in strict):
        fail(
            f"pocket_perceptron {where}: the neuron fires at z = 0 (z >= 0), as in the lecture, "
            "not only at z > 0"
        )
    same_w = [k for k, w_k in enumerate(expected["weights"]) if close(w, w_k)]
    same_b = [k for k, b_k in enumerate(expected["biases"]) if close(b, b_k)]
    if same_w and same_b:
        fail(
            f"pocket_perceptron returned w from one state of the perceptron and b from another "
            f"{where} (w is the weights after update {same_w[-1]}, b is not): `best_w = w` "
            "keeps the same array, not a copy, so an in-place update (w += ...) changes the "
            "pocket too; store a copy: best_w = w.copy() (w.clone() for a tensor)"
        )


pocket_perceptron = Exercise(
    name="pocket_perceptron",
    cases=_overlapping_cases,
    call=lambda fn, case: _plain(fn(case["X"], case["y"], case["n_epochs"], case["lr"])),
    reference=_pocket,
    diagnose=_diagnose_pocket,
    forbidden=(Forbidden("sklearn.linear_model.Perceptron", "sklearn's Perceptron"),),
    seed=404,
    doc="""Check ``pocket_perceptron(X, y, n_epochs, lr=1.0)``: the first best state it visits.

    Tried on random overlapping classes (no line separates them), one of them imbalanced
    so that the zero start is the best state the perceptron visits. The check replays
    the perceptron from w = 0, b = 0 over the rows in their given order with the
    given learning rate, and accepts only the state (the start, or the weights after
    an update) with the fewest training mistakes, the first of them on a tie. Any
    other classifier, however good, is rejected: the exercise is the pocket
    algorithm, not the best line.""",
)
