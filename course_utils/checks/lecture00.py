"""Checks for lecture 00: tensors, autograd and devices."""

from __future__ import annotations

import torch

from ._core import (
    AUTOGRAD,
    Exercise,
    as_array,
    close,
    expect_close,
    expect_tensor,
    fail,
    generator,
)

__all__ = ["analytic_gradient", "numerical_gradient", "standardize_columns"]

# --------------------------------------------------------------------------- numerical_gradient
#: The functions numerical_gradient is tried on; a case names one, so it travels as data.
FUNCTIONS = {
    "a weighted sum of squares": lambda x: (
        torch.arange(1, len(x) + 1, dtype=x.dtype) * x**2
    ).sum(),
    "a log-sum-exp": lambda x: torch.logsumexp(x, dim=0),
    "a product of sines": lambda x: torch.sin(x).prod() + x.sum(),
}


def _gradient_cases(rng):
    gen = generator(rng)
    return [
        {"f": name, "x": torch.rand(size, generator=gen, dtype=torch.float64) * 2 - 1}
        for size in (1, 3, 6)
        for name in FUNCTIONS
    ]


def _autograd(case):
    x = case["x"].clone().requires_grad_()
    (grad,) = torch.autograd.grad(FUNCTIONS[case["f"]](x), x)
    f, x0 = FUNCTIONS[case["f"]], case["x"]
    steps = torch.eye(len(x0), dtype=x0.dtype) * 1e-5
    one_sided = torch.stack([(f(x0 + step) - f(x0)) / 1e-5 for step in steps])
    return {"gradient": grad, "one_sided": one_sided}


def _diagnose_gradient(case, got, expected):
    expect_tensor(got, "numerical_gradient")
    what = f"numerical_gradient of {case['f']} with {len(case['x'])} input(s)"
    if not close(got, expected["gradient"]) and close(got, expected["one_sided"], atol=1e-8):
        fail("numerical_gradient looks one-sided; nudge each coordinate both ways, by +h and by -h")
    expect_close(
        got,
        expected["gradient"],
        what=what,
        hint="for each i, nudge only coordinate i by +h and -h and take the central difference",
        reveal="grad[i] = (f(x + h e_i) - f(x - h e_i)) / (2 h), with e_i the i-th unit vector",
    )


numerical_gradient = Exercise(
    name="numerical_gradient",
    cases=_gradient_cases,
    call=lambda fn, case: fn(FUNCTIONS[case["f"]], case["x"]),
    reference=_autograd,
    diagnose=_diagnose_gradient,
    forbidden=AUTOGRAD,
    seed=11,
    doc="""Check ``numerical_gradient(f, x, h=1e-5)``: central differences, one coordinate at a time.

    Tried on functions of 1 to 6 inputs that the notebook does not use, compared
    with autograd to about 1e-6; ``x`` must be left unchanged, and autograd may not
    be used (that is what the exercise replaces).""",
)


# --------------------------------------------------------------------------- standardize_columns
def _table_cases(rng):
    gen = generator(rng)
    return [
        {
            "X": torch.randn(rows, cols, generator=gen) * torch.rand(cols, generator=gen) * 10
            + torch.randn(cols, generator=gen) * 5
        }
        for rows, cols in [(5, 3), (40, 1), (17, 6), (8, 2)]
    ]


def _standardized(case):
    X = case["X"].double()
    return {
        "right": (X - X.mean(dim=0)) / X.std(dim=0, correction=0),
        "whole": (X - X.mean()) / X.std(correction=0),
        "unbiased": (X - X.mean(dim=0)) / X.std(dim=0),
    }


def _diagnose_standardized(case, got, expected):
    expect_tensor(got, "standardize_columns")
    rows, cols = case["X"].shape
    if not close(got, expected["right"], atol=1e-4) and rows > 1 and cols > 1:
        if close(got, expected["whole"], atol=1e-5):
            fail(
                "standardize_columns used the mean and std of the whole tensor; "
                "use each column's (dim=0)"
            )
        if close(got, expected["unbiased"], atol=1e-5):
            fail(
                "standardize_columns divided by the sample std (n - 1); "
                "use X.std(dim=0, correction=0)"
            )
    expect_close(
        got,
        expected["right"],
        what=f"standardize_columns on a {rows}×{cols} tensor",
        atol=1e-4,
        hint="each column needs its own mean and standard deviation; broadcasting does the rest",
        reveal="(X - X.mean(dim=0)) / X.std(dim=0, correction=0)",
    )


standardize_columns = Exercise(
    name="standardize_columns",
    cases=_table_cases,
    call=lambda fn, case: fn(case["X"]),
    reference=_standardized,
    diagnose=_diagnose_standardized,
    seed=7,
    doc="""Check ``standardize_columns(X)``: every column of a 2-D tensor to mean 0 and std 1.

    The standard deviation is the population one (``correction=0``), and the
    input must not be changed in place.""",
)


# --------------------------------------------------------------------------- analytic_gradient
def _f(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return x**2 * y + torch.sin(x * y)


def _point_cases(rng):
    gen = generator(rng)
    return [
        dict(zip("xy", (torch.rand(2, generator=gen, dtype=torch.float64) * 4 - 2).unbind()))
        for _ in range(6)
    ]


def _partials(case):
    x, y = case["x"].clone().requires_grad_(), case["y"].clone().requires_grad_()
    return list(torch.autograd.grad(_f(x, y), (x, y)))


def _diagnose_partials(case, got, expected):
    if not isinstance(got, list) or len(got) != 2:
        fail("analytic_gradient should return a pair (df_dx, df_dy)")
    x, y = float(case["x"]), float(case["y"])
    for value, grad, name, hint, rule in [
        (
            got[0],
            expected[0],
            "∂f/∂x",
            "x appears twice: in x² y and inside sin(x y)",
            "2 x y + y cos(x y)",
        ),
        (got[1], expected[1], "∂f/∂y", "y appears in x² y and inside sin(x y)", "x² + x cos(x y)"),
    ]:
        if as_array(value, name).size != 1:
            fail(f"{name} should be one number at (x, y), got shape {as_array(value).shape}")
        expect_close(
            as_array(value).reshape(()),
            grad,
            what=f"{name} at (x, y) = ({x:.3f}, {y:.3f})",
            rtol=1e-6,
            hint=f"differentiate term by term; {hint}, so the chain rule applies there",
            reveal=f"by the chain rule it is {rule}",
        )


analytic_gradient = Exercise(
    name="analytic_gradient",
    cases=_point_cases,
    call=lambda fn, case: fn(case["x"], case["y"]),
    reference=_partials,
    diagnose=_diagnose_partials,
    forbidden=AUTOGRAD,
    seed=3,
    doc="""Check ``analytic_gradient(x, y)`` for f(x, y) = x² y + sin(x y): returns (∂f/∂x, ∂f/∂y).

    Compared with autograd at random points; autograd itself may not be used.""",
)
