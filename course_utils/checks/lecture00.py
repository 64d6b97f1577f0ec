"""Checks for lecture 00: tensors, autograd and devices."""

from __future__ import annotations

from collections.abc import Callable

import torch

from ._core import assert_close, call, fail, passed

__all__ = ["analytic_gradient", "numerical_gradient", "standardize_columns"]


def numerical_gradient(student_fn: Callable) -> None:
    """Check ``numerical_gradient(f, x, h=1e-5)``: central differences, one coordinate at a time.

    Tried on functions of 1 to 6 inputs that the notebook does not use, compared
    with autograd to about 1e-6; also checks that ``x`` is left unchanged.
    """
    gen = torch.Generator().manual_seed(11)
    functions = [
        (
            "a weighted sum of squares",
            lambda x: (torch.arange(1, len(x) + 1, dtype=x.dtype) * x**2).sum(),
        ),
        ("a log-sum-exp", lambda x: torch.logsumexp(x, dim=0)),
        ("a product of sines", lambda x: torch.sin(x).prod() + x.sum()),
    ]
    n = 0
    for size in (1, 3, 6):
        for description, f in functions:
            x = torch.rand(size, generator=gen, dtype=torch.float64) * 2 - 1
            original = x.clone()
            got = call(student_fn, f, x, name="numerical_gradient")
            if not torch.equal(x, original):
                fail("numerical_gradient changed x in place; nudge a copy (x + step) instead")
            if not isinstance(got, torch.Tensor):
                fail(f"numerical_gradient should return a tensor, got {type(got).__name__}")
            xg = x.clone().requires_grad_()
            f(xg).backward()
            steps = torch.eye(size, dtype=x.dtype) * 1e-5
            one_sided = torch.stack([(f(x + step) - f(x)) / 1e-5 for step in steps])
            close = got.shape == xg.grad.shape and torch.allclose(
                got, xg.grad, rtol=1e-5, atol=1e-6
            )
            if (
                not close
                and got.shape == one_sided.shape
                and torch.allclose(got, one_sided, atol=1e-8)
            ):
                fail(
                    "numerical_gradient looks one-sided; use (f(x + h e_i) - f(x - h e_i)) / (2 h)"
                )
            assert_close(
                got,
                xg.grad,
                what=f"numerical_gradient of {description} with {size} input(s)",
                rtol=1e-5,
                atol=1e-6,
                hint="for each i, nudge only coordinate i by +h and -h and take the central difference",
            )
            n += 1
    passed("numerical_gradient", n)


def standardize_columns(student_fn: Callable) -> None:
    """Check ``standardize_columns(X)``: every column of a 2-D tensor to mean 0 and standard deviation 1.

    The standard deviation is the population one (``correction=0``), and the
    input must not be changed in place.
    """
    gen = torch.Generator().manual_seed(7)
    n = 0
    for rows, cols in [(5, 3), (40, 1), (17, 6), (8, 2)]:
        X = (
            torch.randn(rows, cols, generator=gen) * torch.rand(cols, generator=gen) * 10
            + torch.randn(cols, generator=gen) * 5
        )
        original = X.clone()
        got = call(student_fn, X, name="standardize_columns")
        if not isinstance(got, torch.Tensor):
            fail(f"standardize_columns should return a tensor, got {type(got).__name__}")
        if not torch.equal(X, original):
            fail("standardize_columns changed its input in place; return a new tensor instead")
        expected = (X - X.mean(dim=0)) / X.std(dim=0, correction=0)
        if got.shape == expected.shape and rows > 1 and cols > 1:
            whole = (X - X.mean()) / X.std(correction=0)
            if torch.allclose(got, whole, atol=1e-5):
                fail(
                    "standardize_columns used the mean and std of the whole tensor; use each column's (dim=0)"
                )
            unbiased = (X - X.mean(dim=0)) / X.std(dim=0)
            if torch.allclose(got, unbiased, atol=1e-5):
                fail(
                    "standardize_columns divided by the sample std (n - 1); use X.std(dim=0, correction=0)"
                )
        assert_close(
            got,
            expected,
            what=f"standardize_columns on a {rows}×{cols} tensor",
            atol=1e-4,
            hint="subtract X.mean(dim=0) and divide by X.std(dim=0, correction=0); broadcasting does the rest",
        )
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
            assert_close(
                value,
                grad,
                what=f"{name} at (x, y) = ({x:.3f}, {y:.3f})",
                rtol=1e-6,
                hint=f"by the chain rule it is {rule}",
            )
        n += 1
    passed("analytic_gradient", n)
