"""Checks for lecture 03: Adaline, and the step from Adaline to logistic regression.

Every check draws fresh inputs (float64, so the comparison can be tight), compares the
student's answer with a reference, and, when it is wrong, compares it with the answers
the usual mistakes produce (a sign error, a sum instead of a mean, a forgotten bias, ...)
to say which one it looks like.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import torch

from ._core import assert_close, call, fail, passed, to_numpy

__all__ = ["adaline_epoch", "adaline_gradients", "bce_from_logits", "logistic_gradients"]

Tensor = torch.Tensor


# --------------------------------------------------------------------------- helpers
def _close(a: Any, b: Any, rtol: float = 1e-6, atol: float = 1e-8) -> bool:
    a, b = to_numpy(a), to_numpy(b)
    return (
        a.shape == b.shape
        and bool(np.all(np.isfinite(a)))
        and np.allclose(a, b, rtol=rtol, atol=atol)
    )


def _as_tensor(value: Any, name: str, what: str) -> Tensor:
    """The student's value as a float64 tensor; a bias of shape (1,) counts as a number."""
    if value is None:
        fail(f"{name} returned None for {what}; return a tensor")
    try:
        tensor = torch.as_tensor(
            value.detach() if isinstance(value, Tensor) else value, dtype=torch.float64
        )
    except (TypeError, ValueError, RuntimeError):
        fail(f"{name} returned a {type(value).__name__} for {what}; return a tensor")
    return tensor.cpu()


def _pair(got: Any, name: str, first: str, second: str) -> tuple[Tensor, Tensor]:
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        fail(f"{name} should return a pair ({first}, {second}), got {type(got).__name__}")
    w, b = _as_tensor(got[0], name, first), _as_tensor(got[1], name, second)
    if b.numel() == 1:
        b = b.reshape(())
    return w, b


def _diagnose(
    got: tuple[Tensor, Tensor], mistakes: Iterable[tuple[str, tuple[Tensor, Tensor]]]
) -> str | None:
    """The hint of the first typical mistake whose result equals the student's."""
    for hint, (w, b) in mistakes:
        if _close(got[0], w) and _close(got[1], b):
            return hint
    return None


def _cases(
    seed: int, shapes: Iterable[tuple[int, int]]
) -> Iterable[tuple[Tensor, Tensor, Tensor, Tensor]]:
    """Random (w, b, X, y) with 0/1 targets, in float64."""
    gen = torch.Generator().manual_seed(seed)
    for n, d in shapes:
        X = torch.randn(n, d, generator=gen, dtype=torch.float64) * 1.5
        y = (torch.rand(n, generator=gen, dtype=torch.float64) < 0.5).double()
        w = torch.randn(d, generator=gen, dtype=torch.float64)
        b = torch.randn((), generator=gen, dtype=torch.float64)
        yield w, b, X, y


def _autograd(
    loss_of: Callable, w: Tensor, b: Tensor, X: Tensor, y: Tensor
) -> tuple[Tensor, Tensor]:
    """Gradients of ``loss_of(w, b, X, y)`` with respect to w and b, by autograd."""
    w, b = w.clone().requires_grad_(), b.clone().requires_grad_()
    loss_of(w, b, X, y).backward()
    return w.grad, b.grad


def _mean_gradients(X: Tensor, signal: Tensor) -> tuple[Tensor, Tensor]:
    """(1/n) Xᵀ signal and the mean of signal: the shape of every gradient in this lecture."""
    return X.T @ signal / len(signal), signal.mean()


def _check_gradients(
    student_fn: Callable,
    name: str,
    reference: tuple[Tensor, Tensor],
    args: tuple,
    mistakes: list,
    formula: str,
) -> None:
    w, b, X, y = args
    got = call(student_fn, w.clone(), b.clone(), X.clone(), y.clone(), name=name)
    got = _pair(got, name, "grad_w", "grad_b")
    where = f"for {X.shape[0]} examples with {X.shape[1]} features"
    if _close(got[0], reference[0]) and _close(got[1], reference[1]):
        return
    hint = _diagnose(got, mistakes)
    if hint:
        fail(f"{name} is wrong {where}: {hint}")
    assert_close(
        got[0], reference[0], what=f"grad_w {where}", hint=f"it is {formula}", rtol=1e-6, atol=1e-8
    )
    assert_close(
        got[1],
        reference[1],
        what=f"grad_b {where}",
        hint="it is the mean of the errors",
        rtol=1e-6,
        atol=1e-8,
    )


# --------------------------------------------------------------------------- Adaline
def _adaline_loss(w: Tensor, b: Tensor, X: Tensor, y: Tensor) -> Tensor:
    return 0.5 * ((X @ w + b - y) ** 2).mean()


def _adaline_grads(w: Tensor, b: Tensor, X: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
    error = X @ w + b - y
    return X.T @ error / len(y), error.mean()


def adaline_gradients(student_fn: Callable) -> None:
    """Check ``adaline_gradients(w, b, X, y) -> (grad_w, grad_b)``.

    The gradient of the Adaline loss L = 1/(2n) Σ (x⁽ⁱ⁾·w + b − y⁽ⁱ⁾)², compared with
    autograd on random data, including a single example and a single feature.
    """
    name = "adaline_gradients"
    n_cases = 0
    for w, b, X, y in _cases(303, [(9, 2), (25, 3), (1, 4), (40, 1), (6, 5)]):
        reference = _autograd(_adaline_loss, w, b, X, y)
        gw, gb = reference
        error = X @ w + b - y
        step = (X @ w + b >= 0.5).double() - y
        mistakes = [
            (
                "it has the opposite sign; the error is z − y (prediction minus target), "
                "and the gradient points uphill",
                (-gw, -gb),
            ),
            (
                "it is n times too large: divide by the number of examples "
                "(take the mean, not the sum)",
                (gw * len(y), gb * len(y)),
            ),
            (
                "it is twice too large: the ½ in the loss cancels the 2 from the square",
                (2 * gw, 2 * gb),
            ),
            (
                "grad_w is right but grad_b is zero: the bias gets the mean of the errors",
                (gw, torch.zeros(())),
            ),
            (
                "grad_w is right but grad_b is not: the bias gradient is the mean of "
                "the errors z − y",
                (gw, error.sum()),
            ),
            (
                "it uses the thresholded output, as the perceptron does; Adaline learns "
                "from the linear output z = Xw + b",
                _mean_gradients(X, step),
            ),
        ]
        _check_gradients(student_fn, name, reference, (w, b, X, y), mistakes, "(1/n) Xᵀ(z − y)")
        n_cases += 1
    passed(name, n_cases)


def _adaline_epoch(
    w: Tensor,
    b: Tensor,
    X: Tensor,
    y: Tensor,
    learning_rate: float,
    batch_size: int,
    *,
    sign: float = 1.0,
    divide_by: int | None = None,
    stale: bool = False,
    first_only: bool = False,
) -> tuple[Tensor, Tensor]:
    """Reference epoch, and with its keyword arguments the epochs typical mistakes give."""
    w0, b0 = w, b
    for start in range(0, len(y), batch_size):
        Xb, yb = X[start : start + batch_size], y[start : start + batch_size]
        error = (Xb @ (w0 if stale else w) + (b0 if stale else b)) - yb
        size = divide_by or len(yb)
        w = w - sign * learning_rate * (Xb.T @ error) / size
        b = b - sign * learning_rate * error.sum() / size
        if first_only:
            break
    return w, b


def adaline_epoch(student_fn: Callable) -> None:
    """Check ``adaline_epoch(w, b, X, y, learning_rate, batch_size) -> (w, b)``.

    For tensors w (d,), b (0-dim), X (n, d) and y (n,); the new (w, b) have the same shapes.
    One pass over the examples in the order given, in mini-batches of ``batch_size``
    (the last one may be smaller), one gradient step per mini-batch, each step using
    the weights the previous one left. ``batch_size = n`` is one full-batch step and
    ``batch_size = 1`` the online Widrow–Hoff rule.
    """
    name = "adaline_epoch"
    n_cases = 0
    settings = [
        ((12, 2), 12, 0.3),
        ((7, 3), 1, 0.05),
        ((10, 2), 4, 0.2),
        ((9, 1), 3, 0.4),
        ((11, 4), 5, 0.1),
    ]
    for (w, b, X, y), (_, batch_size, lr) in zip(
        _cases(2024, [s[0] for s in settings]), settings, strict=True
    ):
        expected = _adaline_epoch(w, b, X, y, lr, batch_size)
        got = call(
            student_fn, w.clone(), b.clone(), X.clone(), y.clone(), lr, batch_size, name=name
        )
        got = _pair(got, name, "new w", "new b")
        where = f"(n = {len(y)}, batch_size = {batch_size}, learning_rate = {lr})"
        if _close(got[0], expected[0]) and _close(got[1], expected[1]):
            n_cases += 1
            continue
        mistakes = [
            ("it returned the weights unchanged", (w, b)),
            (
                "the weights moved uphill: subtract learning_rate × gradient",
                _adaline_epoch(w, b, X, y, lr, batch_size, sign=-1.0),
            ),
            (
                "w is right but b did not move: update the bias too, with the mean "
                "error of each batch",
                (expected[0], b),
            ),
            (
                "it divides every batch's gradient by batch_size; the last batch can be "
                "smaller, so take the mean over the examples it really has",
                _adaline_epoch(w, b, X, y, lr, batch_size, divide_by=batch_size),
            ),
            (
                "every batch's gradient was computed at the starting weights; compute "
                "each one at the weights the previous step left",
                _adaline_epoch(w, b, X, y, lr, batch_size, stale=True),
            ),
            (
                "only the first mini-batch was used; loop over all of them",
                _adaline_epoch(w, b, X, y, lr, batch_size, first_only=True),
            ),
            (
                "it made one full-batch step; make one step per mini-batch of batch_size examples",
                _adaline_epoch(w, b, X, y, lr, len(y)),
            ),
        ]
        hint = _diagnose(got, mistakes)
        if hint:
            fail(f"{name} {where} is wrong: {hint}")
        assert_close(
            got[0],
            expected[0],
            what=f"the new w {where}",
            rtol=1e-6,
            atol=1e-8,
            hint="for each batch in order: error = Xb @ w + b - yb, "
            "then w -= lr * Xb.T @ error / len(yb)",
        )
        assert_close(
            got[1],
            expected[1],
            what=f"the new b {where}",
            rtol=1e-6,
            atol=1e-8,
            hint="for each batch in order: b -= lr * error.mean()",
        )
    passed(name, n_cases)


# --------------------------------------------------------------------------- logistic regression
def _bce(z: Tensor, y: Tensor) -> Tensor:
    return torch.nn.functional.binary_cross_entropy_with_logits(z, y)


def _logistic_loss(w: Tensor, b: Tensor, X: Tensor, y: Tensor) -> Tensor:
    return _bce(X @ w + b, y)


def logistic_gradients(student_fn: Callable) -> None:
    """Check ``logistic_gradients(w, b, X, y) -> (grad_w, grad_b)``.

    The gradient of the mean binary cross-entropy of ŷ = σ(Xw + b) with 0/1 targets y,
    compared with autograd on random data.
    """
    name = "logistic_gradients"
    n_cases = 0
    for w, b, X, y in _cases(404, [(8, 2), (30, 3), (1, 2), (50, 1), (5, 4)]):
        reference = _autograd(_logistic_loss, w, b, X, y)
        gw, gb = reference
        z = X @ w + b
        p = torch.sigmoid(z)

        mistakes = [
            (
                "it has the opposite sign; the gradient of the cross-entropy with "
                "respect to z is ŷ − y",
                (-gw, -gb),
            ),
            (
                "it is n times too large: divide by the number of examples (the loss is a mean)",
                (gw * len(y), gb * len(y)),
            ),
            (
                "this is Adaline's gradient (z − y); logistic regression uses ŷ − y with ŷ = σ(z)",
                _mean_gradients(X, z - y),
            ),
            (
                "this is the gradient of the squared error of σ(z), with the extra factor σ'(z); the "
                "cross-entropy's is simply ŷ − y",
                _mean_gradients(X, (p - y) * p * (1 - p)),
            ),
            (
                "grad_w is right but grad_b is zero: the bias gets the mean of ŷ − y",
                (gw, torch.zeros(())),
            ),
        ]
        _check_gradients(student_fn, name, reference, (w, b, X, y), mistakes, "(1/n) Xᵀ(σ(z) − y)")
        n_cases += 1
    passed(name, n_cases)


def bce_from_logits(student_fn: Callable) -> None:
    """Check ``bce_from_logits(z, y)``: the mean binary cross-entropy from logits, stable for any z.

    Tried on moderate logits in float64, and on logits of ±30 to ±500 where the
    textbook formula −[y log σ(z) + (1 − y) log(1 − σ(z))] takes the log of 0 (or
    exp overflows) and returns inf or nan.
    """
    name = "bce_from_logits"
    gen = torch.Generator().manual_seed(55)
    cases = []
    for n in (6, 1, 20):
        z = torch.randn(n, generator=gen, dtype=torch.float64) * 3
        cases.append((z, (torch.rand(n, generator=gen, dtype=torch.float64) < 0.5).double()))
    cases.append(
        (torch.tensor([30.0, -30.0, 120.0, -120.0, 0.5]), torch.tensor([1.0, 0.0, 0.0, 1.0, 1.0]))
    )
    cases.append(
        (
            torch.tensor([500.0, -500.0, 800.0, -2.0], dtype=torch.float64),
            torch.tensor([0.0, 1.0, 1.0, 0.0], dtype=torch.float64),
        )
    )
    for z, y in cases:
        expected = _bce(z.double(), y.double())
        got = call(student_fn, z.clone(), y.clone(), name=name)
        got = _as_tensor(got, name, "the loss")
        where = f"for logits {[round(v, 2) for v in z.tolist()]} and targets {y.tolist()}"
        if got.shape != ():
            hint = " (one loss per example? return their mean)" if got.shape == z.shape else ""
            fail(
                f"{name} should return one number (a 0-dim tensor), "
                f"got shape {tuple(got.shape)}{hint}"
            )
        if not torch.isfinite(got):
            fail(
                f"{name} returned {got.item()} {where}: log(σ(z)) underflows to log(0) "
                "for large |z|. "
                "Use log(1 + e^z) = max(z, 0) + log(1 + e^(−|z|)), so the loss is "
                "max(z, 0) − y z + log(1 + e^(−|z|))"
            )
        if _close(got, -expected, rtol=1e-5, atol=1e-6):
            fail(
                f"{name} {where} is negative: the cross-entropy "
                "−[y log ŷ + (1 − y) log(1 − ŷ)] is never below 0"
            )
        if _close(got, expected * len(y), rtol=1e-5, atol=1e-6) and len(y) > 1:
            fail(f"{name} {where} is the sum over examples; return the mean")
        if _close(got, _bce(z.double(), 1 - y.double()), rtol=1e-5, atol=1e-6):
            fail(
                f"{name} {where} swapped the roles of y and 1 − y: "
                "y = 1 should be penalised by −log σ(z)"
            )
        assert_close(
            got,
            expected,
            what=f"the loss {where}",
            rtol=1e-5,
            atol=1e-6,
            hint="the mean of max(z, 0) − y z + log(1 + e^(−|z|))",
        )
    passed(name, len(cases))
