"""Checks for lecture 00: tensors, autograd and devices."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import torch

from ._core import assert_close, call, fail, passed

__all__ = ["analytic_gradient", "numerical_derivative", "standardize_columns"]


def numerical_derivative(student_fn: Callable) -> None:
    """Check ``numerical_derivative(f, x, h=1e-5)``: the central difference (f(x+h) - f(x-h)) / 2h.

    It is tried on functions and points the notebook does not use, and must be
    accurate to about 1e-6, which a one-sided difference (f(x+h) - f(x)) / h is not.
    """
    rng = np.random.default_rng(20261123)
    cases = [
        (lambda x: x**3, lambda x: 3 * x**2),
        (math.sin, math.cos),
        (lambda x: math.exp(0.5 * x), lambda x: 0.5 * math.exp(0.5 * x)),
        (lambda x: 1 / (1 + math.exp(-x)), lambda x: math.exp(-x) / (1 + math.exp(-x)) ** 2),
    ]
    n = 0
    for f, df in cases:
        for x in rng.uniform(-2, 2, size=3):
            got = call(student_fn, f, float(x), name="numerical_derivative")
            try:
                got = float(got)
            except (TypeError, ValueError):
                fail(f"numerical_derivative should return a number, got {type(got).__name__}")
            expected = df(float(x))
            if not math.isclose(got, expected, rel_tol=1e-6, abs_tol=1e-7):
                one_sided = (f(x + 1e-5) - f(x)) / 1e-5
                hint = (
                    "this looks like a one-sided difference; use the central one, (f(x + h) - f(x - h)) / (2 h)"
                    if math.isclose(got, one_sided, rel_tol=1e-9)
                    else "check the formula (f(x + h) - f(x - h)) / (2 h)"
                )
                fail(f"numerical_derivative(f, {x:.3f}) returned {got:.8g}, but f'({x:.3f}) = {expected:.8g}; {hint}")
            n += 1
    passed("numerical_derivative", n)


def standardize_columns(student_fn: Callable) -> None:
    """Check ``standardize_columns(X)``: every column of a 2-D tensor to mean 0 and standard deviation 1.

    The standard deviation is the population one (``unbiased=False``), and the
    input must not be changed in place.
    """
    gen = torch.Generator().manual_seed(7)
    n = 0
    for rows, cols in [(5, 3), (40, 1), (17, 6), (8, 2)]:
        X = torch.randn(rows, cols, generator=gen) * torch.rand(cols, generator=gen) * 10 + torch.randn(
            cols, generator=gen
        ) * 5
        original = X.clone()
        got = call(student_fn, X, name="standardize_columns")
        if not isinstance(got, torch.Tensor):
            fail(f"standardize_columns should return a tensor, got {type(got).__name__}")
        if not torch.equal(X, original):
            fail("standardize_columns changed its input in place; return a new tensor instead")
        expected = (X - X.mean(dim=0)) / X.std(dim=0, unbiased=False)
        if got.shape == expected.shape and rows > 1 and cols > 1:
            whole = (X - X.mean()) / X.std(unbiased=False)
            if torch.allclose(got, whole, atol=1e-5):
                fail("standardize_columns used the mean and std of the whole tensor; use each column's (dim=0)")
            unbiased = (X - X.mean(dim=0)) / X.std(dim=0)
            if torch.allclose(got, unbiased, atol=1e-5):
                fail("standardize_columns divided by the sample std (n - 1); use X.std(dim=0, unbiased=False)")
        assert_close(got, expected, what=f"standardize_columns on a {rows}×{cols} tensor", atol=1e-4,
                     hint="subtract X.mean(dim=0) and divide by X.std(dim=0, unbiased=False); broadcasting does the rest")
        n += 1
    passed("standardize_columns", n)


def _f(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return x**2 * y + torch.sin(x * y)


def analytic_gradient(student_fn: Callable) -> None:
    """Check ``analytic_gradient(x, y)`` for f(x, y) = x² y + sin(x y): returns (∂f/∂x, ∂f/∂y).

    Compared with autograd at random points.
    """
    gen = torch.Generator().manual_seed(3)
    n = 0
    for _ in range(6):
        x, y = (torch.rand(2, generator=gen, dtype=torch.float64) * 4 - 2).unbind()
        xg, yg = x.clone().requires_grad_(), y.clone().requires_grad_()
        _f(xg, yg).backward()
        got = call(student_fn, x, y, name="analytic_gradient")
        if not isinstance(got, (tuple, list)) or len(got) != 2:
            fail("analytic_gradient should return a pair (df_dx, df_dy)")
        for value, grad, name, rule in [
            (got[0], xg.grad, "∂f/∂x", "2 x y + y cos(x y)"),
            (got[1], yg.grad, "∂f/∂y", "x² + x cos(x y)"),
        ]:
            assert_close(value, grad, what=f"{name} at (x, y) = ({x:.3f}, {y:.3f})", rtol=1e-6,
                         hint=f"by the chain rule it is {rule}")
        n += 1
    passed("analytic_gradient", n)
