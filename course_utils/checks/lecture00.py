"""Checks for lecture 00: tensors, autograd and devices."""

from __future__ import annotations

import numpy as np
import torch

from ._core import (
    AUTOGRAD,
    CheckFailure,
    Exercise,
    Forbidden,
    as_array,
    close,
    expect_close,
    expect_tensor,
    fail,
    generator,
)

__all__ = [
    "analytic_gradient",
    "numerical_gradient",
    "pairwise_sq_distances",
    "standardize_columns",
]

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
    # What float32 rounding alone can do to a central difference with h = 1e-5: f(x ± h e_i) is
    # off by about ε |f| and x_i ± h by about ε |x_i|, so the quotient by about ε (|f| + |x_i g_i|) / h
    # (times a few for the roundings inside f: 16 leaves a margin of 2 over 200 seeds).
    eps32, value = torch.finfo(torch.float32).eps, f(x0).abs()
    float32_error = 16 * eps32 * (value + (x0 * grad).abs()) / 1e-5
    x32 = x0.float()
    in_float32 = torch.stack([(f(x32 + step) - f(x32 - step)) / 2e-5 for step in steps.float()])
    return {
        "gradient": grad,
        "one_sided": one_sided,
        "float32_error": float32_error,
        "in_float32": in_float32,
    }


def _diagnose_gradient(case, got, expected):
    expect_tensor(got, "numerical_gradient")
    what = f"numerical_gradient of {case['f']} with {len(case['x'])} input(s)"
    if not close(got, expected["gradient"]) and close(got, expected["one_sided"], atol=1e-8):
        fail("numerical_gradient looks one-sided; nudge each coordinate both ways, by +h and by -h")
    right = expected["gradient"]
    if as_array(got, what).shape == tuple(right.shape) and not close(got, right):
        if close(got, 2 * right):
            fail(
                f"{what} is twice the gradient: x + h e_i and x - h e_i lie 2 h apart, so divide "
                "the difference by 2 h (not by h), in brackets: / (2 * h)"
            )
        if close(got, right / 2):
            fail(f"{what} is half the gradient: divide the difference once by 2 h, not by 4 h")
        if close(got, -right):
            fail(
                f"{what} has the wrong sign: take f(x + h e_i) - f(x - h e_i), the point ahead "
                "first, over 2 h"
            )
        error = np.abs(as_array(got) - as_array(right))
        noise = np.abs(as_array(expected["in_float32"]) - as_array(right))
        like_float32 = got.dtype == torch.float32 or np.all(
            np.abs(as_array(got) - as_array(expected["in_float32"])) <= 0.1 * noise.max()
        )
        if like_float32 and np.all(error <= expected["float32_error"].numpy()):
            fail(
                f"{what} is off by up to {error.max():.1g}, the size of float32 rounding divided "
                "by h = 1e-5: compute in the dtype of x, float64 here (x.float() or "
                "torch.tensor(x.tolist()) make float32); section 2 shows that float32 with this "
                "step gives noise"
            )
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


# --------------------------------------------------------------------------- pairwise_sq_distances
def _distance_cases(rng):
    gen = generator(rng)
    cases = []
    for n, m, d in [
        (5, 5, 4),
        (4, 3, 2),
        (1, 5, 3),
        (6, 6, 1),
        (7, 2, 3),
        (3, 8, 5),
    ]:  # n = m first
        shift = torch.randn(d, generator=gen, dtype=torch.float64) * 3
        A = torch.randn(n, d, generator=gen, dtype=torch.float64) * 2 + shift
        B = torch.randn(m, d, generator=gen, dtype=torch.float64) * 2 + shift
        cases.append({"A": A, "B": B})
    return cases


def _distances(case):
    A, B = case["A"], case["B"]
    difference = A[:, None, :] - B[None, :, :]  # (n, m, d)
    squared = (difference**2).sum(dim=-1)
    return {
        "right": squared,
        "distances": squared.sqrt(),
        "sum_then_square": difference.sum(dim=-1) ** 2,
        "diagonal": ((A - B) ** 2).sum(dim=-1) if A.shape == B.shape else None,
        "A_with_A": ((A[:, None, :] - A[None, :, :]) ** 2).sum(dim=-1),
    }


def _diagnose_distances(case, got, expected):
    expect_tensor(got, "pairwise_sq_distances")
    (n, d), m = case["A"].shape, len(case["B"])
    right = expected["right"]
    got_array = as_array(got, "pairwise_sq_distances")
    what = f"pairwise_sq_distances of A ({n}×{d}) and B ({m}×{d})"
    if got_array.shape == (n, m) and close(got, right, atol=1e-6):
        return
    if got_array.shape == (n, n) and close(got, expected["A_with_A"]):
        fail(f"{what}: you compared A with itself; D[i, j] uses row j of B")
    if got_array.shape == (m, n) and close(got.T, right):
        fail(
            f"{what} is the transpose of the answer: D[i, j] pairs row i of A with row j of B, "
            "so A's rows index the rows of D (shape (n, m))"
        )
    if expected["diagonal"] is not None and close(got, expected["diagonal"]):
        fail(
            f"{what}: you computed only the pairs (i, i), row i of A with row i of B; every row "
            "of A must meet every row of B (give A and B a dimension of size 1 in different places)"
        )
    if got_array.shape == (n, m):
        if close(got, expected["distances"]):
            fail(f"{what}: these are the distances; the exercise asks for their squares (no sqrt)")
        if close(got, expected["sum_then_square"]):
            fail(
                f"{what}: you summed the coordinate differences and then squared; square each "
                "difference first, then sum over the coordinates"
            )
    expect_close(
        got,
        right,
        what=what,
        atol=1e-6,
        hint=(
            "the difference A[i] - B[j] for every pair has shape (n, m, d); "
            "square it and sum over the last dimension, the coordinates"
        ),
        reveal="((A[:, None, :] - B[None, :, :]) ** 2).sum(dim=-1)",
    )


pairwise_sq_distances = Exercise(
    name="pairwise_sq_distances",
    cases=_distance_cases,
    call=lambda fn, case: fn(case["A"], case["B"]),
    reference=_distances,
    diagnose=_diagnose_distances,
    forbidden=(
        Forbidden("torch.cdist"),
        Forbidden("torch.nn.functional.pairwise_distance"),
        Forbidden("torch.nn.functional.pdist"),
        Forbidden("torch.pdist"),
    ),
    seed=7,
    doc="""Check ``pairwise_sq_distances(A, B)``: the (n, m) squared distances between rows.

    ``D[i, j] = ||A[i] - B[j]||²`` for every pair of rows, on float64 inputs of
    several shapes (n = m among them, so that computing only the pairs (i, i) is
    caught). ``torch.cdist`` and the other pairwise-distance functions may not be
    used; a Python loop is slow but accepted.""",
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
    if isinstance(got, (torch.Tensor, np.ndarray)) and np.size(as_array(got)) == 2:
        fail(
            "analytic_gradient should return a tuple (df_dx, df_dy), not one stacked tensor: "
            "return df_dx, df_dy"
        )
    if not isinstance(got, list) or len(got) != 2:
        fail("analytic_gradient should return a pair (df_dx, df_dy)")
    x, y = float(case["x"]), float(case["y"])
    try:
        pair = [float(as_array(value).reshape(())) for value in got]
    except (CheckFailure, ValueError):
        pair = None  # not two numbers: the loop below says which
    if (
        pair is not None
        and not close(pair[0], expected[0], rtol=1e-6)
        and close(pair[0], expected[1], rtol=1e-6)
        and close(pair[1], expected[0], rtol=1e-6)
    ):
        fail(
            f"analytic_gradient at (x, y) = ({x:.3f}, {y:.3f}) returned the two partials swapped: "
            "the first is ∂f/∂x, the second ∂f/∂y; return (df_dx, df_dy) in that order"
        )
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


# --------------------------------------------------------------------------- standardize_columns
# A supplementary exercise, not in the notebook: standardise every column of a table. Instructors
# can set it as homework or a hidden check; the grading tool's tests use it as their small example.
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
