"""Checks for lecture 02: linear regression by gradient descent.

Every check builds fresh regression problems (features ``X`` of shape ``(n, d)``,
weights ``w`` of shape ``(d,)``, a 0-dim bias ``b``, targets ``y`` of shape ``(n,)``,
all ``float64``) that the notebook never shows, and compares the student's answer
with a reference: the formula for the loss, autograd for the gradient, a
least-squares solver for the normal equation.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from torch import Tensor

from ._core import assert_close, call, fail, passed, to_numpy

__all__ = ["gradient_descent_step", "mse_gradient", "mse_loss", "normal_equation"]

# (n, d) of the test problems: n differs from 2 everywhere, so "sum instead of mean" (a factor n)
# cannot be mistaken for a stray factor 2.
_SHAPES = ((7, 1), (13, 3), (50, 4), (5, 2))


def _problem(gen: torch.Generator, n: int, d: int) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """A random problem (w, b, X, y) away from the optimum, with features not centred at 0."""
    X = torch.randn(n, d, generator=gen, dtype=torch.float64) * 2 + torch.randn(
        d, generator=gen, dtype=torch.float64
    )
    w_true = torch.randn(d, generator=gen, dtype=torch.float64)
    y = X @ w_true + 1.5 + 0.3 * torch.randn(n, generator=gen, dtype=torch.float64)
    w = torch.randn(d, generator=gen, dtype=torch.float64)
    b = torch.randn((), generator=gen, dtype=torch.float64)
    return w, b, X, y


def _reference_loss(w: Tensor, b: Tensor, X: Tensor, y: Tensor) -> Tensor:
    return 0.5 * ((X @ w + b - y) ** 2).mean()


def _autograd_gradient(w: Tensor, b: Tensor, X: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
    wg, bg = w.clone().requires_grad_(), b.clone().requires_grad_()
    _reference_loss(wg, bg, X, y).backward()
    return wg.grad, bg.grad


def _close(a: Any, e: Any, rtol: float = 1e-6) -> bool:
    a, e = to_numpy(a), to_numpy(e)
    return (
        a.shape == e.shape
        and bool(np.all(np.isfinite(a)))
        and np.allclose(a, e, rtol=rtol, atol=1e-9)
    )


def _number(value: Any, what: str) -> float:
    """The student's scalar result as a float, or a failure saying why it is not one."""
    array = (
        to_numpy(value) if isinstance(value, (Tensor, np.ndarray, np.generic, float, int)) else None
    )
    if array is None:
        fail(f"{what} should return a number (a 0-dim tensor), got {type(value).__name__}")
    if array.size != 1:
        fail(
            f"{what} returned {array.size} values (shape {array.shape}); average over the points "
            "so that the result is one number"
        )
    return float(array.reshape(()))


def _pair(value: Any, what: str, names: str) -> tuple[Any, Any]:
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        fail(f"{what} should return a pair {names}, got {type(value).__name__}")
    return value[0], value[1]


# --------------------------------------------------------------------------- exercise 1
def mse_loss(student_fn: Callable) -> None:
    """Check ``mse_loss(w, b, X, y)`` = 1/(2n) Σ (X w + b - y)² on random problems.

    Recognises a missing ½, a sum instead of a mean, both, and a forgotten bias.
    """
    gen = torch.Generator().manual_seed(2021)
    n_cases = 0
    for n, d in _SHAPES:
        w, b, X, y = _problem(gen, n, d)
        got = _number(call(student_fn, w, b, X, y, name="mse_loss"), "mse_loss")
        expected = float(_reference_loss(w, b, X, y))
        if not np.isclose(got, expected, rtol=1e-6):
            mistakes = [
                (2 * expected, "it is twice the loss: the ½ in front is missing"),
                (
                    n * expected,
                    f"it is n = {n} times the loss: use the mean over points, not the sum",
                ),
                (
                    2 * n * expected,
                    "it is the plain sum of squares: divide by 2n (the ½ and the mean)",
                ),
                (
                    float(_reference_loss(w, torch.zeros(()), X, y)),
                    "the bias b is missing: use X @ w + b",
                ),
                (
                    float(0.5 * (X @ w + b - y).abs().mean()),
                    "square the residuals, not their absolute value",
                ),
            ]
            hint = next(
                (h for value, h in mistakes if np.isclose(got, value, rtol=1e-6)),
                "compute r = X @ w + b - y, then 0.5 * (r ** 2).mean()",
            )
            fail(
                f"mse_loss on a problem with n = {n}, d = {d} returned {got:.6g}, "
                f"expected {expected:.6g}; {hint}"
            )
        n_cases += 1
    passed("mse_loss", n_cases)


# --------------------------------------------------------------------------- exercise 2
def _gradient_hint(got: Any, expected: Tensor, n: int, name: str) -> str:
    for factor, hint in [
        (
            -1.0,
            f"{name} has the wrong sign: the residual is r = X w + b - y (prediction minus target)",
        ),
        (
            float(n),
            f"{name} is n = {n} times too large: average over the points (divide by n), not sum",
        ),
        (2.0, f"{name} is twice too large: the ½ of the loss cancels the 2 from the square"),
        (
            0.5,
            f"{name} is half the right value: the ½ and the 2 from the square cancel, keep neither",
        ),
        (-float(n), f"{name} has the wrong sign and is a sum instead of a mean"),
    ]:
        if _close(got, factor * expected):
            return hint
    return f"by the chain rule {name} is " + ("X.T @ r / n" if name == "∂L/∂w" else "r.mean()")


def mse_gradient(student_fn: Callable) -> None:
    """Check ``mse_gradient(w, b, X, y)`` -> (∂L/∂w, ∂L/∂b) against autograd on random problems.

    Recognises a sign error, a sum instead of a mean, a stray factor 2 or ½, and a
    gradient of the wrong shape.
    """
    gen = torch.Generator().manual_seed(453)
    n_cases = 0
    for n, d in _SHAPES:
        w, b, X, y = _problem(gen, n, d)
        expected_w, expected_b = _autograd_gradient(w, b, X, y)
        got_w, got_b = _pair(
            call(student_fn, w, b, X, y, name="mse_gradient"), "mse_gradient", "(grad_w, grad_b)"
        )
        if to_numpy(got_w).shape != (d,):
            fail(
                f"∂L/∂w should have shape ({d},), one entry per weight, "
                f"got {to_numpy(got_w).shape}; use X.T @ r / n"
            )
        grad_b = _number(got_b, "mse_gradient's ∂L/∂b")
        for got, expected, name in [(got_w, expected_w, "∂L/∂w"), (grad_b, expected_b, "∂L/∂b")]:
            if not _close(got, expected):
                assert_close(
                    got,
                    expected,
                    what=f"{name} (n = {n}, d = {d})",
                    rtol=1e-6,
                    atol=1e-9,
                    hint=_gradient_hint(got, expected, n, name),
                )
        n_cases += 1
    passed("mse_gradient", n_cases)


# --------------------------------------------------------------------------- exercise 3
def gradient_descent_step(student_fn: Callable) -> None:
    """Check ``gradient_descent_step(w, b, X, y, learning_rate)`` -> (w_new, b_new).

    One batch step w - η ∂L/∂w, b - η ∂L/∂b, compared with autograd's gradient.
    Recognises a step uphill, a bias left unchanged, a missing learning rate, and
    inputs changed in place.
    """
    gen = torch.Generator().manual_seed(1847)
    n_cases = 0
    for (n, d), learning_rate in zip(_SHAPES, (0.1, 0.03, 0.2, 0.05), strict=True):
        w, b, X, y = _problem(gen, n, d)
        w_before, b_before = w.clone(), b.clone()
        grad_w, grad_b = _autograd_gradient(w, b, X, y)
        got_w, got_b = _pair(
            call(student_fn, w, b, X, y, learning_rate, name="gradient_descent_step"),
            "gradient_descent_step",
            "(w_new, b_new)",
        )
        if not (torch.equal(w, w_before) and torch.equal(b, b_before)):
            fail(
                "gradient_descent_step changed w or b in place; return new tensors "
                "(w - learning_rate * grad_w) instead of updating with -="
            )
        expected_w, expected_b = w - learning_rate * grad_w, b - learning_rate * grad_b
        if to_numpy(got_w).shape != (d,):
            fail(f"w_new should have shape ({d},), got {to_numpy(got_w).shape}")
        new_b = _number(got_b, "gradient_descent_step's b_new")
        for got, expected, old, grad, name in [
            (got_w, expected_w, w, grad_w, "w_new"),
            (new_b, expected_b, b, grad_b, "b_new"),
        ]:
            if _close(got, expected):
                continue
            if _close(got, old):
                hint = f"{name} equals the old value: update it too" + (
                    " (the bias)" if name == "b_new" else ""
                )
            elif _close(got, old + learning_rate * grad):
                hint = (
                    "this steps uphill: subtract the gradient, parameter - learning_rate * gradient"
                )
            elif _close(got, old - grad):
                hint = "the learning rate is missing: parameter - learning_rate * gradient"
            else:
                hint = "new = old - learning_rate * gradient, with the gradient of exercise 2"
            assert_close(
                got,
                expected,
                what=f"{name} (n = {n}, d = {d}, η = {learning_rate})",
                rtol=1e-6,
                atol=1e-9,
                hint=hint,
            )
        n_cases += 1
    passed("gradient_descent_step", n_cases)


# --------------------------------------------------------------------------- exercise 4
def normal_equation(student_fn: Callable) -> None:
    """Check ``normal_equation(X, y)`` -> (w*, b*) against a least-squares solver.

    Recognises a forgotten column of ones (no bias), θ returned unsplit, and a
    column of ones put first but split as if it were last.
    """
    gen = torch.Generator().manual_seed(1809)
    n_cases = 0
    for n, d in _SHAPES:
        _, _, X, y = _problem(gen, n + 3, d)
        A = torch.cat([X, torch.ones(len(X), 1, dtype=X.dtype)], dim=1)
        theta = torch.linalg.lstsq(A, y[:, None]).solution[:, 0]
        expected_w, expected_b = theta[:-1], theta[-1]
        result = call(student_fn, X.clone(), y.clone(), name="normal_equation")
        if isinstance(result, (Tensor, np.ndarray)) and to_numpy(result).shape == (d + 1,):
            fail(
                "normal_equation returned θ as one vector; return the pair (theta[:-1], theta[-1])"
            )
        got_w, got_b = _pair(result, "normal_equation", "(w, b)")
        if to_numpy(got_w).shape == (d + 1,):
            fail(
                f"w has {d + 1} entries but there are {d} features; "
                "the last entry of θ is the bias b"
            )
        if to_numpy(got_w).shape != (d,):
            fail(f"w should have shape ({d},), got {to_numpy(got_w).shape}")
        got_b = _number(got_b, "normal_equation's b")
        if _close(got_w, expected_w, rtol=1e-5) and np.isclose(
            got_b, float(expected_b), rtol=1e-5, atol=1e-8
        ):
            n_cases += 1
            continue
        no_bias = torch.linalg.lstsq(X, y[:, None]).solution[:, 0]
        if _close(got_w, no_bias, rtol=1e-5):
            hint = "these are the weights without a bias: append a column of ones to X for b"
        elif _close(
            np.append(to_numpy(got_w), got_b),
            np.append(float(expected_b), to_numpy(expected_w)),
            1e-5,
        ):
            hint = (
                "with the column of ones first, θ[0] is the bias: split θ to match where you put it"
            )
        else:
            hint = "build A = [X, 1], solve (Aᵀ A) θ = Aᵀ y, then w = θ[:-1] and b = θ[-1]"
        assert_close(
            np.append(to_numpy(got_w), got_b),
            np.append(to_numpy(expected_w), float(expected_b)),
            what=f"(w, b) on a problem with n = {n + 3}, d = {d}",
            rtol=1e-5,
            atol=1e-8,
            hint=hint,
        )
        n_cases += 1
    passed("normal_equation", n_cases)
