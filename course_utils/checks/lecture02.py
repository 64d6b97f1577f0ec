"""Checks for lecture 02: linear regression by gradient descent.

Every check builds fresh regression problems (features ``X`` of shape ``(n, d)``,
weights ``w`` of shape ``(d,)``, a 0-dim bias ``b``, targets ``y`` of shape ``(n,)``,
all ``float64``) that the notebook never shows, and compares the student's answer
with a reference: the formula for the loss, autograd for the gradient, a
least-squares solver for the normal equation.

The loss and the gradient are tried on each problem twice, on all its rows and on
its first few, so that a function dividing by a fixed number instead of the number
of rows (the notebook's global ``n = 100``, say) is recognised.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from ._core import (
    AUTOGRAD,
    Exercise,
    Forbidden,
    Unconvertible,
    as_array,
    close,
    expect_close,
    fail,
    generator,
)

__all__ = [
    "critical_learning_rate",
    "mse_gradient",
    "mse_loss",
    "normal_equation",
    "sgd_momentum",
]

#: The normal equation by hand means building and solving the system, not a least-squares solver.
SOLVERS = (
    Forbidden("numpy.linalg.lstsq", "np.linalg.lstsq"),
    Forbidden("torch.linalg.lstsq", "torch.linalg.lstsq"),
    Forbidden("sklearn.linear_model.LinearRegression", "sklearn's LinearRegression"),
    Forbidden("torch.linalg.pinv", "torch.linalg.pinv (the pseudo-inverse)"),
    Forbidden("torch.pinverse", "torch.pinverse (the pseudo-inverse)"),
    Forbidden("numpy.linalg.pinv", "np.linalg.pinv (the pseudo-inverse)"),
    Forbidden("scipy.linalg.lstsq", "scipy.linalg.lstsq"),
)

# (n, d, rows of the smaller problem): n differs from 2, from d and from 100 everywhere, so a sum
# instead of a mean (a factor n) cannot be mistaken for a stray factor 2, X @ r fails loudly, and
# the notebook's global n = 100 never happens to be right.
_SHAPES = ((7, 1, 4), (13, 3, 9), (50, 4, 31), (5, 2, 3))


def _problem(gen: torch.Generator, n: int, d: int) -> dict:
    """A random problem (w, b, X, y) away from the optimum, with features not centred at 0."""
    X = torch.randn(n, d, generator=gen, dtype=torch.float64) * 2 + torch.randn(
        d, generator=gen, dtype=torch.float64
    )
    w_true = torch.randn(d, generator=gen, dtype=torch.float64)
    y = X @ w_true + 1.5 + 0.3 * torch.randn(n, generator=gen, dtype=torch.float64)
    w = torch.randn(d, generator=gen, dtype=torch.float64)
    b = torch.randn((), generator=gen, dtype=torch.float64)
    return {"w": w, "b": b, "X": X, "y": y}


def _problem_cases(rng: np.random.Generator) -> list[dict]:
    gen = generator(rng)
    return [{**_problem(gen, n, d), "rows": rows} for n, d, rows in _SHAPES]


def _both_sizes(case: dict) -> list[tuple]:
    """(w, b, X, y) on all the rows of a case, then on its first ``rows`` rows."""
    w, b, X, y, rows = case["w"], case["b"], case["X"], case["y"], case["rows"]
    return [(w, b, X, y), (w, b, X[:rows], y[:rows])]


def _loss(w: torch.Tensor, b: torch.Tensor, X: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return 0.5 * ((X @ w + b - y) ** 2).mean()


def _autograd_gradient(w, b, X, y) -> list[torch.Tensor]:
    wg, bg = w.clone().requires_grad_(), b.clone().requires_grad_()
    return list(torch.autograd.grad(_loss(wg, bg, X, y), (wg, bg)))


def _kind(value: Any) -> str:
    if isinstance(value, Unconvertible):
        return value.type_name
    if isinstance(value, list):
        return f"{len(value)} values"
    return type(value).__name__


def _pair(value: Any, what: str, names: str) -> list:
    if not isinstance(value, list) or len(value) != 2:
        fail(f"{what} should return a pair {names}, got {_kind(value)}")
    return value


def _number(value: Any, what: str) -> float:
    """The student's scalar result as a float, or a failure saying why it is not one."""
    if isinstance(value, (bool, str, list, dict, Unconvertible)) or value is None:
        fail(f"{what} should return a number (a 0-dim tensor), got {_kind(value)}")
    array = as_array(value, what)
    if array.size != 1:
        fail(
            f"{what} returned {array.size} values (shape {array.shape}); average over the points "
            "so that the result is one number"
        )
    return float(array.reshape(()))


def _fixed_divisor(got: list, expected: list, rows: list[int], name: str) -> None:
    """Fail when ``got`` is ``expected · n / k`` for one k on problems with different n rows.

    That is a mean taken by dividing by a fixed number k (a variable defined outside the
    function, such as the notebook's ``n = 100``) instead of by the number of rows.
    """
    a, e = as_array(got[0]).ravel(), as_array(expected[0]).ravel()
    if a.size != e.size or not np.all(np.isfinite(a)) or float(a @ e) == 0.0:
        return
    k = rows[0] * float(e @ e) / float(a @ e)
    if not np.isfinite(k) or abs(k) < 1e-9 or rows[0] == rows[1]:
        return
    scaled = [as_array(x) * n / k for x, n in zip(expected, rows, strict=True)]
    answers = [as_array(g) for g in got]
    if all(
        g.size == s.size and close(g.reshape(s.shape), s)
        for g, s in zip(answers, scaled, strict=True)
    ):
        fail(
            f"{name} seems to divide by a fixed number (about {k:.4g}) instead of the number of "
            f"rows: on problems with {rows[0]} and {rows[1]} rows it is the right value times "
            f"{rows[0]}/{k:.4g} and {rows[1]}/{k:.4g}. Take the number of rows from X itself, "
            "inside the function: is it using a variable defined outside the function "
            "(a global variable?)"
        )


# --------------------------------------------------------------------------- exercise 1
def _losses(case: dict) -> list[dict]:
    return [
        {
            "loss": float(_loss(w, b, X, y)),
            "no_bias": float(_loss(w, torch.zeros((), dtype=X.dtype), X, y)),
            "absolute": float(0.5 * (X @ w + b - y).abs().mean()),
            "n": len(X),
        }
        for w, b, X, y in _both_sizes(case)
    ]


def _diagnose_loss(case: dict, answer: Any, expected: list[dict]) -> None:
    got = [_number(value, "mse_loss") for value in answer]
    d = case["X"].shape[1]
    for value, ref in zip(got, expected, strict=True):
        loss, n = ref["loss"], ref["n"]
        if close(value, loss):
            continue
        for wrong, hint in [
            (2 * loss, "it is twice the loss: the ½ in front is missing"),
            (n * loss, f"it is n = {n} times the loss: use the mean over points, not the sum"),
            (2 * n * loss, "it is the plain sum of squares: divide by 2n (the ½ and the mean)"),
            (ref["no_bias"], "the bias b is missing: use X @ w + b"),
            (ref["absolute"], "square the residuals, not their absolute value"),
        ]:
            if close(value, wrong):
                fail(
                    f"mse_loss on a problem with n = {n}, d = {d} returned {value:.6g}, "
                    f"expected {loss:.6g}; {hint}"
                )
        _fixed_divisor(got, [r["loss"] for r in expected], [r["n"] for r in expected], "mse_loss")
        expect_close(
            value,
            loss,
            what=f"mse_loss on a problem with n = {n}, d = {d}",
            hint="check each part: the residual of every point, its square, the mean over the "
            "points, and the ½ in front",
            reveal="r = X @ w + b - y, then 0.5 * (r ** 2).mean()",
        )


mse_loss = Exercise(
    name="mse_loss",
    cases=_problem_cases,
    call=lambda fn, case: [fn(*args) for args in _both_sizes(case)],
    reference=_losses,
    diagnose=_diagnose_loss,
    seed=2021,
    doc="""Check ``mse_loss(w, b, X, y)`` = 1/(2n) Σ (X w + b - y)² on random problems.

    Recognises a missing ½, a sum instead of a mean, both, a forgotten bias, and a
    mean taken over a fixed number of points instead of the rows of ``X``.""",
)


# --------------------------------------------------------------------------- exercise 2
def _gradients(case: dict) -> list[dict]:
    return [
        {"grad": _autograd_gradient(w, b, X, y), "n": len(X), "d": X.shape[1]}
        for w, b, X, y in _both_sizes(case)
    ]


def _gradient_hint(got: Any, expected: Any, n: int, name: str) -> str:
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
        if close(got, factor * as_array(expected)):
            return hint
    return ""


_GRADIENT_RULES = {"∂L/∂w": "∂L/∂w = X.T @ r / n", "∂L/∂b": "∂L/∂b = r.mean()"}


def _diagnose_gradient(case: dict, answer: Any, expected: list[dict]) -> None:
    pairs = [_pair(value, "mse_gradient", "(grad_w, grad_b)") for value in answer]
    for (grad_w, grad_b), ref in zip(pairs, expected, strict=True):
        n, d = ref["n"], ref["d"]
        shape = tuple(as_array(grad_w, "∂L/∂w").shape)
        if shape != (d,):
            fail(
                f"∂L/∂w should have shape ({d},), one entry per weight, got {shape}. "
                f"X is ({n}, {d}) and r = X w + b - y is ({n},): which side of their product "
                "needs .T to give one number per column of X?",
                reveal=_GRADIENT_RULES["∂L/∂w"],
            )
        _number(grad_b, "mse_gradient's ∂L/∂b")
    rows = [ref["n"] for ref in expected]
    for index, name in enumerate(("∂L/∂w", "∂L/∂b")):
        got = [pair[index] for pair in pairs]
        wanted = [ref["grad"][index] for ref in expected]
        for value, right, ref in zip(got, wanted, expected, strict=True):
            if close(value, right):
                continue
            hint = _gradient_hint(value, right, ref["n"], name)
            if not hint:
                _fixed_divisor(got, wanted, rows, name)
                hint = "redo the chain rule: L → r_i → the parameter, averaged over the points"
            expect_close(
                np.reshape(as_array(value), as_array(right).shape),
                right,
                what=f"{name} (n = {ref['n']}, d = {ref['d']})",
                hint=hint,
                reveal=f"by the chain rule {_GRADIENT_RULES[name]}, with r = X @ w + b - y",
            )


mse_gradient = Exercise(
    name="mse_gradient",
    cases=_problem_cases,
    call=lambda fn, case: [fn(*args) for args in _both_sizes(case)],
    reference=_gradients,
    diagnose=_diagnose_gradient,
    forbidden=AUTOGRAD,
    seed=453,
    doc="""Check ``mse_gradient(w, b, X, y)`` -> (∂L/∂w, ∂L/∂b) against autograd on random problems.

    Recognises a sign error, a sum instead of a mean, a stray factor 2 or ½, a mean
    over a fixed number of points instead of the rows of ``X``, and a gradient of the
    wrong shape. Autograd itself may not be used.""",
)


# --------------------------------------------------------------------------- exercise 3
#: (n, d, batch size, epochs, learning rate, momentum): the last batch of an epoch is smaller where
#: the batch size does not divide n, so a fixed batch size taken from the first batch is wrong.
_MOMENTUM_SHAPES = (
    (12, 1, 4, 2, 0.05, 0.9),
    (20, 3, 6, 2, 0.03, 0.5),
    (30, 2, 8, 3, 0.02, 0.8),
    (9, 2, 9, 4, 0.04, 0.7),
)


def _momentum_cases(rng: np.random.Generator) -> list[dict]:
    gen = generator(rng)
    cases = []
    for n, d, size, epochs, learning_rate, momentum in _MOMENTUM_SHAPES:
        problem = _problem(gen, n, d)
        batches = [
            order[start : start + size]
            for _ in range(epochs)
            for order in [torch.randperm(n, generator=gen)]
            for start in range(0, n, size)
        ]
        cases.append(
            {**problem, "batches": batches, "learning_rate": learning_rate, "momentum": momentum}
        )
    return cases


def _call_momentum(fn: Callable, case: dict) -> Any:
    return fn(
        case["w"],
        case["b"],
        case["X"],
        case["y"],
        [batch.clone() for batch in case["batches"]],
        case["learning_rate"],
        case["momentum"],
    )


def _replay(case: dict, rule: str) -> np.ndarray:
    """(w, b) after the case's batches under one update rule, the right one or a typical mistake."""
    w, b, X, y = case["w"], case["b"], case["X"], case["y"]
    eta, beta = case["learning_rate"], case["momentum"]
    theta = torch.cat([w, b.reshape(1)])
    velocity = torch.zeros_like(theta)
    for batch in case["batches"]:
        rows = slice(None) if rule == "full_batch" else batch
        grad = torch.cat([g.reshape(-1) for g in _autograd_gradient(w, b, X[rows], y[rows])])
        if rule == "step_with_old_velocity":
            step = eta * velocity
            velocity = beta * velocity + grad
        else:
            velocity = {
                "no_velocity": grad,
                "lr_twice": beta * velocity + eta * grad,
                "dampened": beta * velocity + (1 - beta) * grad,
                "beta_on_gradient": velocity + beta * grad,
            }.get(rule, beta * velocity + grad)
            step = eta * velocity
        theta = theta + step if rule == "uphill" else theta - step
        if rule == "bias_frozen":
            theta[-1] = b
        w, b = theta[:-1], theta[-1]
    return theta.numpy()


def _momentum_reference(case: dict) -> dict:
    """torch.optim.SGD with momentum, replayed on the same batches, and the typical mistakes."""
    w = case["w"].clone().requires_grad_()
    b = case["b"].clone().requires_grad_()
    optimizer = torch.optim.SGD([w, b], lr=case["learning_rate"], momentum=case["momentum"])
    for batch in case["batches"]:
        optimizer.zero_grad()
        _loss(w, b, case["X"][batch], case["y"][batch]).backward()
        optimizer.step()
    right = np.append(w.detach().numpy(), b.detach().numpy())
    return {"right": right, **{rule: _replay(case, rule) for rule, _ in _MOMENTUM_MISTAKES}}


_MOMENTUM_MISTAKES = (
    (
        "no_velocity",
        "this is plain mini-batch SGD: the velocity must be carried from one batch to the next "
        "(start it at zero once, before the loop) and the step taken along it",
    ),
    (
        "lr_twice",
        "the learning rate is applied twice: it scales either the gradient added to the velocity "
        "or the step along the velocity, not both",
    ),
    (
        "dampened",
        "the gradient is added to the velocity as (1 - momentum) * gradient, an average; here the "
        "velocity adds the whole gradient, as torch.optim.SGD does",
    ),
    (
        "beta_on_gradient",
        "momentum multiplies the wrong term: it shrinks the old velocity, and the new gradient is "
        "added in full",
    ),
    (
        "step_with_old_velocity",
        "the step uses the velocity from before this batch: add the new gradient to the velocity "
        "first, then step along it",
    ),
    ("full_batch", "each update should use the gradient on its batch only, not on all of X"),
    ("uphill", "this steps uphill: subtract the velocity, parameter - learning_rate * velocity"),
    ("bias_frozen", "the bias b is never updated: it gets a velocity and steps too"),
)


def _diagnose_momentum(case: dict, answer: Any, expected: dict) -> None:
    got_w, got_b = _pair(answer, "sgd_momentum", "(w, b)")
    (n, d), size = case["X"].shape, len(case["batches"][0])
    shape = tuple(as_array(got_w, "w").shape)
    if shape != (d,):
        fail(f"sgd_momentum's w should have shape ({d},), like the w it was given, got {shape}")
    got = np.append(as_array(got_w), _number(got_b, "sgd_momentum's b"))
    if close(got, expected["right"]):
        return
    what = (
        f"(w, b) after {len(case['batches'])} batches of up to {size} rows (n = {n}, d = {d}, "
        f"learning_rate = {case['learning_rate']}, momentum = {case['momentum']})"
    )
    for rule, hint in _MOMENTUM_MISTAKES:
        if close(got, expected[rule]):
            fail(f"{what} is wrong; {hint}")
    expect_close(
        got,
        expected["right"],
        what=what,
        hint="replay it on paper for two batches: gradient on the batch, velocity, step",
        reveal="before the loop v = 0; per batch g = gradient on X[batch], y[batch], "
        "v = momentum * v + g, then parameter = parameter - learning_rate * v",
    )


sgd_momentum = Exercise(
    name="sgd_momentum",
    cases=_momentum_cases,
    call=_call_momentum,
    reference=_momentum_reference,
    diagnose=_diagnose_momentum,
    forbidden=(Forbidden("torch.optim.SGD", "torch.optim.SGD"),),
    seed=3307,
    doc="""Check ``sgd_momentum(w, b, X, y, batches, learning_rate, momentum)`` -> (w, b).

    Replays torch.optim.SGD with momentum on the same batches. Recognises a velocity
    that is not carried (plain SGD), the learning rate applied twice, an averaged
    (dampened) velocity, momentum multiplying the gradient instead of the velocity, a
    step along the old velocity, full-batch gradients, a step uphill and a frozen
    bias. torch.optim.SGD itself may not be used.""",
)


# --------------------------------------------------------------------------- exercise 4
def _equation_cases(rng: np.random.Generator) -> list[dict]:
    gen = generator(rng)
    cases = []
    for n, d, _ in _SHAPES:
        problem = _problem(gen, n + 3, d)
        cases.append({"X": problem["X"], "y": problem["y"]})
    return cases


def _least_squares(case: dict) -> dict:
    X, y = case["X"], case["y"]
    A = torch.cat([X, torch.ones(len(X), 1, dtype=X.dtype)], dim=1)
    theta = torch.linalg.lstsq(A, y[:, None]).solution[:, 0]
    no_bias = torch.linalg.lstsq(X, y[:, None]).solution[:, 0]
    return {"theta": theta, "no_bias": no_bias}


def _diagnose_equation(case: dict, answer: Any, expected: dict) -> None:
    n, d = case["X"].shape
    theta = as_array(expected["theta"])
    if isinstance(answer, (torch.Tensor, np.ndarray)) and tuple(answer.shape) == (d + 1,):
        fail("normal_equation returned θ as one vector; return the pair (theta[:-1], theta[-1])")
    got_w, got_b = _pair(answer, "normal_equation", "(w, b)")
    shape = tuple(as_array(got_w, "w").shape)
    if shape == (d + 1,):
        fail(f"w has {d + 1} entries but there are {d} features; the last entry of θ is the bias b")
    if shape != (d,):
        fail(f"w should have shape ({d},), one entry per feature of X ({n}, {d}), got {shape}")
    got = np.append(as_array(got_w), _number(got_b, "normal_equation's b"))
    if close(got, theta):
        return
    if close(got[:-1], expected["no_bias"]):
        hint = "these are the weights without a bias: append a column of ones to X for b"
    elif close(got, np.roll(theta, 1)):
        hint = "with the column of ones first, θ[0] is the bias: split θ to match where you put it"
    else:
        hint = "check the design matrix (X and a column of ones for b) and the system you solve"
    expect_close(
        got,
        theta,
        what=f"(w, b) on a problem with n = {n}, d = {d}",
        hint=hint,
        reveal="build A = [X, 1], solve (Aᵀ A) θ = Aᵀ y, then w = θ[:-1] and b = θ[-1]",
    )


normal_equation = Exercise(
    name="normal_equation",
    cases=_equation_cases,
    call=lambda fn, case: fn(case["X"], case["y"]),
    reference=_least_squares,
    diagnose=_diagnose_equation,
    forbidden=SOLVERS,
    seed=1809,
    doc="""Check ``normal_equation(X, y)`` -> (w*, b*) against a least-squares solver.

    Recognises a forgotten column of ones (no bias), θ returned unsplit, and a
    column of ones put first but split as if it were last. A least-squares solver
    (NumPy's, PyTorch's or scikit-learn's) may not be used: build the system and
    solve it.""",
)


# --------------------------------------------------------------------------- exercise 5
#: Eigenvalue and singular-value routines: with one of them λ_max is a single call. The general
#: ``norm`` functions stay allowed: the power iteration needs a vector's norm (``v.norm()``).
SPECTRAL = (
    Forbidden("torch.linalg.eigvalsh", "torch.linalg.eigvalsh"),
    Forbidden("torch.linalg.eigh", "torch.linalg.eigh"),
    Forbidden("torch.linalg.eigvals", "torch.linalg.eigvals"),
    Forbidden("torch.linalg.eig", "torch.linalg.eig"),
    Forbidden("torch.linalg.svd", "torch.linalg.svd"),
    Forbidden("torch.linalg.svdvals", "torch.linalg.svdvals"),
    Forbidden("torch.linalg.matrix_norm", "torch.linalg.matrix_norm"),
    Forbidden("torch.linalg.cond", "torch.linalg.cond"),
    Forbidden("torch.svd", "torch.svd"),
    Forbidden("torch.lobpcg", "torch.lobpcg"),
    Forbidden("numpy.linalg.eigvalsh", "np.linalg.eigvalsh"),
    Forbidden("numpy.linalg.eigh", "np.linalg.eigh"),
    Forbidden("numpy.linalg.eigvals", "np.linalg.eigvals"),
    Forbidden("numpy.linalg.eig", "np.linalg.eig"),
    Forbidden("numpy.linalg.svd", "np.linalg.svd"),
    Forbidden("numpy.linalg.cond", "np.linalg.cond"),
    Forbidden("scipy.linalg.eigh", "scipy.linalg.eigh"),
    Forbidden("scipy.linalg.eigvalsh", "scipy.linalg.eigvalsh"),
    Forbidden("scipy.linalg.svdvals", "scipy.linalg.svdvals"),
)

#: (n, d) of the cases; features off-centre, so that the bias column matters.
_CRITICAL_SHAPES = ((20, 1), (15, 2), (40, 3), (25, 4))


def _critical_cases(rng: np.random.Generator) -> list[dict]:
    """Feature matrices whose Hessian has a clear gap between its two largest curvatures."""
    gen = generator(rng)
    cases = []
    for n, d in _CRITICAL_SHAPES:
        while True:
            X = torch.randn(n, d, generator=gen, dtype=torch.float64) * (
                0.5 + 2 * torch.rand(d, generator=gen, dtype=torch.float64)
            ) + 2 * torch.randn(d, generator=gen, dtype=torch.float64)
            curvatures = _curvatures(X, bias=True)
            if curvatures[-2] < 0.8 * curvatures[-1]:
                break
        cases.append({"X": X})
    return cases


def _curvatures(X: torch.Tensor, bias: bool = True, mean: bool = True) -> np.ndarray:
    A = torch.cat([X, torch.ones(len(X), 1, dtype=X.dtype)], dim=1) if bias else X
    return np.linalg.eigvalsh((A.T @ A / (len(X) if mean else 1)).numpy())


def _critical_reference(case: dict) -> dict:
    X = case["X"]
    right, no_bias, no_mean = _curvatures(X), _curvatures(X, bias=False), _curvatures(X, mean=False)
    return {
        "right": 2 / right[-1],
        "upper": 2 / right[0],  # 2 / (vᵀ H v) of any unit vector v lies in [2/λ_max, 2/λ_min]
        "mistakes": [
            (2 / no_bias[-1], "the bias is a parameter too: its column of ones belongs in A"),
            (2 / no_mean[-1], "the Hessian of the mean squared error is Aᵀ A / n: divide by n"),
            (1 / right[-1], "that is 1/λ_max, where steps start to overshoot; the limit is higher"),
            (2 / right[0], "that is 2/λ_min: the steepest direction, λ_max, sets the limit"),
            (2 / (right[0] + right[-1]), "that is the best fixed rate, not the critical one"),
            (right[-1], "that is λ_max itself; the learning rate is 2 / λ_max"),
            (2 / np.sqrt(right[-1]), "λ_max is an eigenvalue of Aᵀ A / n, not its square root"),
        ],
    }


def _diagnose_critical(case: dict, answer: Any, expected: dict) -> None:
    got = _number(answer, "critical_learning_rate")
    n, d = case["X"].shape
    right = expected["right"]
    if close(got, right):
        return
    what = f"critical_learning_rate on X of shape ({n}, {d})"
    for wrong, hint in expected["mistakes"]:
        if close(got, wrong, rtol=1e-4):
            fail(f"{what} returned {got:.6g}, expected {right:.6g}; {hint}")
    if right < got <= expected["upper"]:
        fail(
            f"{what} returned {got:.6g}, expected {right:.6g}: too large, as when a power "
            "iteration has not converged yet (vᵀ H v of a unit vector v never exceeds λ_max); "
            "run more iterations, or until the estimate stops changing"
        )
    expect_close(
        got,
        right,
        what=what,
        hint="build the Hessian of the loss first, then find its largest eigenvalue",
        reveal="H = Aᵀ A / n with A = [X, 1]; repeat v = H v / |H v|; λ_max = vᵀ H v; "
        "return 2 / λ_max",
    )


critical_learning_rate = Exercise(
    name="critical_learning_rate",
    cases=_critical_cases,
    call=lambda fn, case: fn(case["X"]),
    reference=_critical_reference,
    diagnose=_diagnose_critical,
    forbidden=SPECTRAL,
    seed=2718,
    doc="""Check ``critical_learning_rate(X)`` -> 2 / λ_max of the MSE's Hessian [X, 1]ᵀ[X, 1] / n.

    Recognises a forgotten bias column, a missing 1/n, 1/λ_max, 2/λ_min, the best
    rate 2/(λ_min + λ_max), λ_max itself, and a power iteration stopped too early.
    Eigenvalue and singular-value routines may not be used.""",
)
