"""Checks for lecture 04: multilayer perceptrons and backpropagation."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from ._core import assert_close, call, fail, passed, to_numpy

__all__ = ["cross_entropy", "relu_derivative", "softmax", "two_layer_backward"]


def _close(a: np.ndarray, b: np.ndarray, rtol: float = 1e-6, atol: float = 1e-9) -> bool:
    return (
        a.shape == b.shape
        and bool(np.all(np.isfinite(a)))
        and np.allclose(a, b, rtol=rtol, atol=atol)
    )


def _reference_softmax(Z: np.ndarray) -> np.ndarray:
    shifted = Z - Z.max(axis=1, keepdims=True)
    exps = np.exp(shifted)
    return exps / exps.sum(axis=1, keepdims=True)


def _reference_cross_entropy(Z: np.ndarray, y: np.ndarray) -> float:
    m = Z.max(axis=1, keepdims=True)
    log_probs = Z - m - np.log(np.exp(Z - m).sum(axis=1, keepdims=True))
    return float(-log_probs[np.arange(len(y)), y].mean())


# --------------------------------------------------------------------------- ReLU
def relu_derivative(student_fn: Callable) -> None:
    """Check ``relu_derivative(z)``: 1.0 where z > 0, else 0.0 (also at 0), shaped like ``z``."""
    rng = np.random.default_rng(404)
    cases = [rng.normal(0, 3, size) for size in [(9,), (4, 5), (2, 3, 4)]]
    cases.append(np.array([-2.0, -1e-9, 0.0, 1e-9, 3.0]))
    for z in cases:
        original = z.copy()
        got = call(student_fn, z, name="relu_derivative")
        if not np.array_equal(z, original):
            fail("relu_derivative changed its input in place; return a new array instead")
        try:
            got = np.asarray(got, dtype=float)
        except (TypeError, ValueError):
            fail(f"relu_derivative should return an array of numbers, got {type(got).__name__}")
        expected = (z > 0).astype(float)
        if got.shape != expected.shape:
            fail(
                f"relu_derivative returned shape {got.shape} for an input of shape {z.shape}; "
                "the derivative is taken entry by entry, so the shapes must match"
            )
        if np.array_equal(got, expected):
            continue
        if np.allclose(got, np.maximum(z, 0)):
            fail(
                "relu_derivative returned max(0, z), the ReLU itself; its derivative is 1 where "
                "z > 0 and 0 elsewhere"
            )
        if np.allclose(got, (z < 0).astype(float)) or np.allclose(got, (z <= 0).astype(float)):
            fail(
                "relu_derivative is 1 for negative z; the slope is 1 on the positive side, "
                "0 on the negative"
            )
        if np.allclose(got[z != 0], expected[z != 0]):
            fail(
                "relu_derivative is wrong at z = 0 exactly; use 0 there, as PyTorch does "
                "(z > 0, not z >= 0)"
            )
        assert_close(
            got,
            expected,
            what=f"relu_derivative on an array of shape {z.shape}",
            hint="it is 1.0 where z > 0 and 0.0 elsewhere",
        )
    passed("relu_derivative", len(cases))


# --------------------------------------------------------------------------- softmax
def softmax(student_fn: Callable) -> None:
    """Check ``softmax(Z)``: the softmax of each row of a 2-D array, finite for any finite logits.

    It is tried on small logits, on huge ones (which overflow ``exp`` unless the row
    maximum is subtracted), and on rows thousands apart (which underflow to 0/0 when
    only the maximum of the whole array is subtracted).
    """
    rng = np.random.default_rng(4)
    cases = [
        ("small logits", rng.normal(0, 2, (5, 3))),
        ("one row", rng.normal(0, 1, (1, 7))),
        ("square logits", rng.normal(0, 1, (4, 4))),
        ("logits near 1000", 1000 + rng.normal(0, 3, (6, 4))),
        ("rows thousands apart", np.array([[1000.0, 1001.0, 998.0], [-1000.0, -1002.0, -999.0]])),
        ("very negative logits", -5000 + rng.normal(0, 1, (3, 5))),
    ]
    for what, Z in cases:
        original = Z.copy()
        got = call(student_fn, Z, name="softmax")
        if not np.array_equal(Z, original):
            fail(
                "softmax changed its input in place; compute into a new array (e.g. Z - Z.max(...))"
            )
        got = to_numpy(got)
        expected = _reference_softmax(Z)
        if got.shape != expected.shape:
            fail(
                f"softmax returned shape {got.shape} for logits of shape {Z.shape}; keep one "
                "probability per logit (use keepdims=True when you sum over axis 1)"
            )
        if not np.all(np.isfinite(got)):
            fail(
                f"softmax gave nan or inf on {what}: exp overflowed, or a whole row underflowed "
                "to 0/0. "
                "Subtract each row's own maximum first, Z - Z.max(axis=1, keepdims=True); "
                "the result does not change, but every exponent becomes ≤ 0"
            )
        if _close(got, expected):
            continue
        column_softmax = _reference_softmax(Z.T).T
        if _close(got, column_softmax) and Z.shape[0] > 1:
            fail("softmax normalised each column; each row is one example, so sum over axis=1")
        assert_close(
            got,
            expected,
            what=f"softmax on {what}",
            rtol=1e-6,
            atol=1e-9,
            hint="divide exp(Z - row max) by its sum over each row",
        )
    passed("softmax", len(cases))


# --------------------------------------------------------------------------- cross-entropy
def cross_entropy(student_fn: Callable) -> None:
    """Check ``cross_entropy(Z, y)``: the mean over the batch of -log softmax(Z)[i, y_i].

    Huge logits and true classes whose logit is far below the largest one require the
    log-sum-exp form; a sum instead of a mean, a missing minus sign and a loss over
    every class instead of the true one are recognised.
    """
    rng = np.random.default_rng(44)
    cases = []
    for n, c, scale, offset in [
        (6, 4, 2.0, 0.0),
        (10, 3, 1.0, 0.0),
        (1, 5, 1.0, 0.0),
        (7, 6, 3.0, 1000.0),
    ]:
        cases.append(
            (
                f"{n} examples of {c} classes",
                scale * rng.normal(size=(n, c)) + offset,
                rng.integers(0, c, n),
            )
        )
    far = np.array([[0.0, 900.0, 5.0], [1200.0, -300.0, 0.0], [2.0, 1.0, 3.0]])
    cases.append(("true classes 900 below the largest logit", far, np.array([0, 1, 2])))
    for what, Z, y in cases:
        got = call(student_fn, Z.copy(), y.copy(), name="cross_entropy")
        array = to_numpy(got)
        if array.size != 1:
            fail(
                f"cross_entropy returned shape {array.shape}; return one number, the mean over "
                "the batch"
            )
        value = float(array.reshape(()))
        expected = _reference_cross_entropy(Z, y)
        if not np.isfinite(value):
            fail(
                f"cross_entropy gave {value} on {what}: log(softmax) underflowed to log(0). Use "
                "log p_k = (z_k - m) - log(sum_j exp(z_j - m)) with m the row maximum (log-sum-exp)"
            )
        if np.isclose(value, expected, rtol=1e-6, atol=1e-9):
            continue
        if np.isclose(value, -expected, rtol=1e-6, atol=1e-9):
            fail(
                "cross_entropy has the wrong sign; the loss is MINUS the mean log-probability, "
                "never negative"
            )
        if len(y) > 1 and np.isclose(value, expected * len(y), rtol=1e-6):
            fail(
                "cross_entropy returned the sum over the batch; divide by the batch size "
                "(take the mean)"
            )
        log_probs = np.log(np.clip(_reference_softmax(Z), 1e-300, None))
        if np.isclose(value, -log_probs.mean(), rtol=1e-6):
            fail(
                "cross_entropy averaged -log p over every class; pick each row's true class, "
                "log_probs[np.arange(N), y]"
            )
        fail(
            f"cross_entropy on {what} returned {value:.6g}, expected {expected:.6g}; "
            "it is -mean_i log softmax(Z)[i, y_i]"
        )
    passed("cross_entropy", len(cases))


# --------------------------------------------------------------------------- backpropagation
def _reference_gradients(X, y, W1, b1, W2, b2) -> list[np.ndarray]:
    """The four gradients of the ReLU-softmax network, by autograd in float64."""
    leaves = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in (W1, b1, W2, b2)]
    hidden = torch.relu(torch.as_tensor(X) @ leaves[0] + leaves[1])
    loss = torch.nn.functional.cross_entropy(hidden @ leaves[2] + leaves[3], torch.as_tensor(y))
    loss.backward()
    return [leaf.grad.numpy() for leaf in leaves]


_GRADIENT_NAMES = ("dW1", "db1", "dW2", "db2")
_HINTS = {
    "dW1": "dW1 = X.T @ dZ1 with dZ1 = (dZ2 @ W2.T) * relu'(Z1)",
    "db1": "db1 = dZ1.sum(axis=0)",
    "dW2": "dW2 = A1.T @ dZ2 with dZ2 = (P - Y) / N",
    "db2": "db2 = dZ2.sum(axis=0)",
}


def two_layer_backward(student_fn: Callable) -> None:
    """Check ``two_layer_backward(X, y, W1, b1, W2, b2) -> (dW1, db1, dW2, db2)`` against autograd.

    The network is Z1 = X W1 + b1, A1 = relu(Z1), Z2 = A1 W2 + b2 and the loss the mean
    cross-entropy of softmax(Z2) against integer labels y. The shapes are chosen so that a
    missing transpose changes a gradient's shape; a forgotten 1/N, a flipped sign and a
    bias gradient that was not summed over the batch get their own messages.
    """
    rng = np.random.default_rng(2024)
    shapes = [(7, 5, 4, 3), (3, 2, 6, 4), (12, 3, 8, 2), (5, 6, 3, 7)]  # (N, D, H, C)
    for n, d, h, c in shapes:
        X = rng.normal(size=(n, d))
        y = rng.integers(0, c, n)
        params = (
            rng.normal(0, 1, (d, h)),
            rng.normal(0, 0.5, h),
            rng.normal(0, 1, (h, c)),
            rng.normal(0, 0.5, c),
        )
        copies = [a.copy() for a in (X, *params)]
        got = call(student_fn, X, y, *params, name="two_layer_backward")
        if any(not np.array_equal(a, b) for a, b in zip((X, *params), copies, strict=True)):
            fail(
                "two_layer_backward changed its inputs in place (e.g. -= on a view of X or W); "
                "work on copies"
            )
        if not isinstance(got, (tuple, list)) or len(got) != 4:
            fail("two_layer_backward should return four arrays, (dW1, db1, dW2, db2)")
        expected = _reference_gradients(X, y, *params)
        where = f"for N={n} examples, D={d} inputs, H={h} hidden units, C={c} classes"
        for name, value, reference, param in zip(
            _GRADIENT_NAMES, got, expected, params, strict=True
        ):
            value = to_numpy(value)
            _diagnose_gradient(name, value, reference, param, n, where)
    passed("two_layer_backward", len(shapes))


def _diagnose_gradient(
    name: str, value: np.ndarray, reference: np.ndarray, param: np.ndarray, n: int, where: str
) -> None:
    variable = name[1:]
    if value.shape != reference.shape:
        if value.ndim == 2 and value.shape == reference.shape[::-1]:
            fail(
                f"{name} has shape {value.shape} but {variable} has shape {param.shape} {where}: "
                "a missing or extra transpose. A gradient has the shape of its variable: "
                f"{_HINTS[name]}"
            )
        if name.startswith("db") and value.shape == (n, *reference.shape):
            fail(
                f"{name} has shape {value.shape}, one row per example; a bias is added to every "
                f"row, so its gradient sums over the batch: {_HINTS[name]}"
            )
        fail(
            f"{name} has shape {value.shape}, expected {reference.shape} (the shape of {variable}) "
            f"{where}"
        )
    if not np.all(np.isfinite(value)):
        fail(
            f"{name} contains nan or inf {where}; subtract the row maximum before exp in the "
            "softmax"
        )
    if _close(value, reference):
        return
    if _close(value, -reference):
        fail(f"{name} has the wrong sign {where}; ∂L/∂Z2 is (P - Y) / N, not (Y - P) / N")
    if n > 1 and _close(value, n * reference):
        fail(
            f"{name} is N = {n} times too large {where}: the loss is a mean, so divide ∂L/∂Z2 by "
            "the batch size N"
        )
    if n > 1 and _close(value * n, reference):
        fail(
            f"{name} is N = {n} times too small {where}: divide by the batch size once, in ∂L/∂Z2, "
            "not again later"
        )
    assert_close(value, reference, what=f"{name} {where}", rtol=1e-6, atol=1e-9, hint=_HINTS[name])
