"""Checks for lecture 04: multilayer perceptrons and backpropagation."""

from __future__ import annotations

import numpy as np
import torch

from ._core import (
    AUTOGRAD,
    Exercise,
    Forbidden,
    as_array,
    as_number,
    close,
    expect_close,
    fail,
    generator,
)

__all__ = [
    "cross_entropy",
    "dropout",
    "softmax_cross_entropy_backward",
    "two_layer_backward",
]

LOG_SOFTMAX = (
    Forbidden("torch.nn.functional.log_softmax", "F.log_softmax"),
    Forbidden("scipy.special.log_softmax", "scipy.special.log_softmax"),
)
SOFTMAX = (
    Forbidden("torch.softmax", "torch.softmax"),
    Forbidden("torch.nn.functional.softmax", "F.softmax"),
    Forbidden("scipy.special.softmax", "scipy.special.softmax"),
    *LOG_SOFTMAX,
)
CROSS_ENTROPY = (
    Forbidden("torch.nn.functional.cross_entropy", "F.cross_entropy"),
    Forbidden("torch.nn.functional.nll_loss", "F.nll_loss"),
    Forbidden("torch.nn.CrossEntropyLoss", "nn.CrossEntropyLoss"),
    *LOG_SOFTMAX,
)

#: What an error message says when two arrays do not line up.
_SHAPE_WORDS = (
    "size mismatch",
    "mismatch in its core dimension",
    "must match the size",
    "cannot be multiplied",
    "shapes cannot",
    "could not be broadcast",
    "Expected size",
    "shape",
)


def _shape_error(exc: BaseException) -> str | None:
    """The first line of ``exc`` when it is a shape error (and not "not written yet")."""
    if isinstance(exc, NotImplementedError):
        return None
    text = str(exc).splitlines()[0] if str(exc) else ""
    if any(word in text for word in _SHAPE_WORDS):
        return f"{type(exc).__name__}: {text}"
    return None


def _calling(fn, *args):
    """``fn(*args)``, or ``{"shape_error": ...}`` when it fails because shapes do not line up.

    Any other exception (including "not written yet" and a forbidden call) goes on to
    the runner, which reports it.
    """
    try:
        result = fn(*args)
    except (ValueError, RuntimeError, IndexError, TypeError) as exc:
        error = _shape_error(exc)
        if error is None:
            raise
        return {"shape_error": error}
    # np.float64 passes for a Python float but does not survive JSON when it is inf or nan
    return result.item() if isinstance(result, np.generic) else result


def _raised(answer) -> str | None:
    return answer.get("shape_error") if isinstance(answer, dict) else None


def _softmax_rows(Z: np.ndarray) -> np.ndarray:
    exps = np.exp(Z - Z.max(axis=1, keepdims=True))
    return exps / exps.sum(axis=1, keepdims=True)


def _log_softmax_rows(Z: np.ndarray) -> np.ndarray:
    m = Z.max(axis=1, keepdims=True)
    return Z - m - np.log(np.exp(Z - m).sum(axis=1, keepdims=True))


def _no_shape_error(name, got, inputs, hint=""):
    """Fail with the shapes when the student's function stopped on a shape error."""
    error = _raised(got)
    if error:
        fail(
            f"{name} raised {error}. The input here was {inputs}: write each shape next to "
            "your lines and check which dimensions meet" + (f"; {hint}" if hint else "")
        )


# --------------------------------------------------------------------------- cross-entropy
def _cross_entropy_cases(rng):
    cases = []
    for n, c, scale, offset in [(6, 4, 2.0, 0.0), (10, 3, 1.0, 0.0), (1, 5, 1.0, 0.0)] + [
        (7, 6, 3.0, 1000.0)
    ]:
        cases.append(
            {
                "what": f"{n} example{'s' if n > 1 else ''} of {c} classes",
                "Z": scale * rng.normal(size=(n, c)) + offset,
                "y": rng.integers(0, c, n),
            }
        )
    far = np.array([[0.0, 900.0, 5.0], [1200.0, -300.0, 0.0], [2.0, 1.0, 3.0]])
    cases.append(
        {
            "what": "true classes 900 below the largest logit",
            "Z": far + rng.normal(0, 0.1, far.shape),
            "y": np.array([0, 1, 2]),
        }
    )
    return cases


def _cross_entropy_reference(case):
    Z, y = case["Z"], case["y"]
    log_probs = _log_softmax_rows(Z)
    return {
        "right": float(-log_probs[np.arange(len(y)), y].mean()),
        "every_class": float(-log_probs.mean()),
    }


_LOG_SUM_EXP = "log p_k = (z_k - m) - log(sum_j exp(z_j - m)) with m the row maximum"


def _diagnose_cross_entropy(case, got, expected):
    Z, y, what = case["Z"], case["y"], case["what"]
    _no_shape_error(
        "cross_entropy", got, f"logits of shape {Z.shape} and labels of shape {y.shape}"
    )
    array = as_array(got, "cross_entropy")
    if array.size != 1:
        fail(
            f"cross_entropy returned shape {array.shape}; return one number, the mean over "
            "the batch"
        )
    value = as_number(array, "cross_entropy")
    right = expected["right"]
    if not np.isfinite(value):
        fail(
            f"cross_entropy gave {value} on {what}: log(softmax) underflowed to log(0). Use "
            "the log-sum-exp form, which never takes the log of a probability",
            reveal=_LOG_SUM_EXP,
        )
    if close(value, right):
        return
    if close(value, -right):
        fail(
            "cross_entropy has the wrong sign; the loss is MINUS the mean log-probability, "
            "never negative"
        )
    if len(y) > 1 and close(value, right * len(y)):
        fail(
            "cross_entropy returned the sum over the batch; divide by the batch size "
            "(take the mean)"
        )
    if close(value, expected["every_class"]):
        fail(
            "cross_entropy averaged -log p over every class; pick each row's true class, "
            "log_probs[np.arange(N), y]"
        )
    expect_close(
        value,
        right,
        what=f"cross_entropy on {what}",
        hint="average, over the batch, minus the log-probability of each row's true class",
        reveal="-mean_i log softmax(Z)[i, y_i], with " + _LOG_SUM_EXP,
    )


cross_entropy = Exercise(
    name="cross_entropy",
    cases=_cross_entropy_cases,
    call=lambda fn, case: _calling(fn, case["Z"], case["y"]),
    reference=_cross_entropy_reference,
    diagnose=_diagnose_cross_entropy,
    forbidden=CROSS_ENTROPY,
    seed=44,
    doc="""Check ``cross_entropy(Z, y)``: the mean over the batch of -log softmax(Z)[i, y_i].

    Huge logits and true classes whose logit is far below the largest one require the
    log-sum-exp form; a sum instead of a mean, a missing minus sign and a loss over
    every class instead of the true one are recognised. The library losses may not be
    used.""",
)


# --------------------------------------------------------------------------- softmax-CE backward
def _logit_gradient_cases(rng):
    cases = []
    for n, c, scale in [(5, 3, 2.0), (4, 4, 1.5), (8, 6, 1.0), (1, 4, 1.0)]:
        cases.append(
            {
                "what": f"{n} example{'s' if n > 1 else ''} of {c} classes",
                "Z": scale * rng.normal(size=(n, c)),
                "y": rng.integers(0, c, n),
            }
        )
    cases.append(
        {
            "what": "logits near 1000",
            "Z": 1000 + rng.normal(0, 3, (6, 4)),
            "y": rng.integers(0, 4, 6),
        }
    )
    cases.append(
        {
            "what": "rows thousands apart",
            "Z": np.array([[1000.0, 1001.0, 998.0], [-1000.0, -1002.0, -999.0]])
            + rng.normal(0, 0.1, (2, 3)),
            "y": np.array([2, 1]),
        }
    )
    return cases


def _one_hot(y: np.ndarray, c: int) -> np.ndarray:
    Y = np.zeros((len(y), c))
    Y[np.arange(len(y)), y] = 1.0
    return Y


def _logit_gradient_reference(case):
    Z, y = case["Z"], case["y"]
    n, c = Z.shape
    P, Y = _softmax_rows(Z), _one_hot(y, c)
    with np.errstate(divide="ignore"):
        dP = np.where(Y > 0, -1.0 / (n * P), 0.0)
    return {
        "right": (P - Y) / n,
        "columns": (_softmax_rows(Z.T).T - Y) / n,
        "probabilities": P / n,
        "minus_one_everywhere": (P - 1) / n,
        "by_probabilities": dP,
        "every_entry": (P - Y) / (n * c),
    }


_DZ = "dZ = (P - Y) / N with P = softmax of each row (shifted by its maximum) and Y one-hot"


def _diagnose_logit_gradient(case, got, expected):
    Z, y, what = case["Z"], case["y"], case["what"]
    n, c = Z.shape
    name = "softmax_cross_entropy_backward"
    _no_shape_error(name, got, f"logits of shape {Z.shape} and labels of shape {y.shape}")
    array = as_array(got, name)
    if array.shape != Z.shape:
        fail(
            f"{name} returned shape {array.shape} for logits of shape {Z.shape}; a gradient has "
            "the shape of its variable, one number per logit"
        )
    if not np.all(np.isfinite(array)):
        fail(
            f"{name} gave nan or inf on {what}: exp overflowed, or a whole row underflowed to "
            "0/0. Subtract each row's own maximum from its logits before exp; the softmax does "
            "not change, but every exponent becomes ≤ 0",
            reveal=_DZ,
        )
    right = expected["right"]
    if close(array, right):
        return
    if close(array, -right):
        fail(
            f"{name} has the wrong sign on {what}: the gradient is positive for the classes "
            "the network over-rates (p_k > y_k) and negative for the true class, whose "
            "probability should grow"
        )
    if n > 1 and close(array, n * right):
        fail(
            f"{name} is N = {n} times too large on {what}: the loss is the MEAN over the "
            "batch, so every example's gradient carries a factor 1/N"
        )
    if c > 1 and close(array, expected["every_entry"]):
        fail(
            f"{name} is divided by N·C = {n * c}; the loss averages over the N examples only "
            "(each example has one true class), so divide by N"
        )
    if n > 1 and close(array, expected["columns"]):
        fail(
            f"{name} normalised the softmax over each column; each row is one example, so "
            "sum over axis=1"
        )
    if close(array, expected["probabilities"]):
        fail(
            f"{name} returned P / N: the true class's logit also appears in the loss on its "
            "own (as -z_y), which adds -1 to the gradient of exactly one entry per row"
        )
    if close(array, expected["minus_one_everywhere"]):
        fail(
            f"{name} subtracted 1 from every entry; only the true class of each row gets the "
            "-1 (a one-hot Y, or subtract 1 at [np.arange(N), y])"
        )
    if close(array, expected["by_probabilities"]):
        fail(
            f"{name} returned ∂L/∂P, the gradient with respect to the probabilities; the "
            "question asks for the logits Z, so go on through the softmax (every p_k depends "
            "on every z_j)"
        )
    expect_close(
        array,
        right,
        what=f"{name} on {what}",
        hint="write L for one example as -z_y + log Σ_j exp(z_j) and differentiate by z_k",
        reveal=_DZ,
    )


softmax_cross_entropy_backward = Exercise(
    name="softmax_cross_entropy_backward",
    cases=_logit_gradient_cases,
    call=lambda fn, case: _calling(fn, case["Z"], case["y"]),
    reference=_logit_gradient_reference,
    diagnose=_diagnose_logit_gradient,
    forbidden=(
        *AUTOGRAD,
        *SOFTMAX,
        *CROSS_ENTROPY[:3],
        Forbidden("torch.Tensor.softmax", "tensor.softmax"),
        Forbidden("torch.Tensor.log_softmax", "tensor.log_softmax"),
    ),
    seed=4004,
    doc="""Check ``softmax_cross_entropy_backward(Z, y)``: ∂L/∂Z = (softmax(Z) - Y) / N.

    L is the mean cross-entropy of integer labels ``y`` (N,) under the softmax of each row
    of ``Z`` (N, C). A flipped sign, a missing 1/N (or a division by N·C), a softmax over
    the wrong axis, a forgotten or misplaced -1 for the true class, the gradient with
    respect to the probabilities instead of the logits, and an overflow on large logits
    get their own messages. Autograd and the library's softmax and losses may not be
    used.""",
)


# --------------------------------------------------------------------------- backpropagation
_PARAMS = ("W1", "b1", "W2", "b2")
_GRADIENT_NAMES = ("dW1", "db1", "dW2", "db2")
#: What each gradient is made of, without the formula.
_HINTS = {
    "dW1": "dZ1 is ∂L/∂A1 times relu'(Z1) entry by entry, and dW1 pairs it with the inputs X",
    "db1": "a bias is added to every row, so its gradient adds up dZ1 over the batch",
    "dW2": "dW2 pairs dZ2 with the hidden activations A1",
    "db2": "a bias is added to every row, so its gradient adds up dZ2 over the batch",
}
_FORMULAS = {
    "dW1": "dW1 = X.T @ dZ1 with dZ1 = (dZ2 @ W2.T) * relu'(Z1)",
    "db1": "db1 = dZ1.sum(axis=0)",
    "dW2": "dW2 = A1.T @ dZ2 with dZ2 = (P - Y) / N",
    "db2": "db2 = dZ2.sum(axis=0)",
}


def _backward_cases(rng):
    shapes = [(7, 5, 4, 3), (3, 2, 6, 4), (12, 3, 8, 2), (5, 6, 3, 7), (6, 4, 5, 5)]  # N, D, H, C
    cases = []
    for index in rng.permutation(len(shapes)):
        n, d, h, c = shapes[index]
        cases.append(
            {
                "X": rng.normal(size=(n, d)),
                "y": rng.integers(0, c, n),
                "W1": rng.normal(0, 1, (d, h)),
                "b1": rng.normal(0, 0.5, h),
                "W2": rng.normal(0, 1, (h, c)),
                "b2": rng.normal(0, 0.5, c),
            }
        )
    return cases


def _square(case):
    """The case with as many classes as hidden units (W2 square), built from the case itself."""
    h, c = case["W2"].shape
    reps = -(-h // c)
    return {
        **case,
        "y": case["y"] % h,
        "W2": np.tile(case["W2"], reps)[:, :h].copy(),
        "b2": np.tile(case["b2"], reps)[:h].copy(),
    }


def _backward_args(case):
    return (case["X"], case["y"], *(case[p] for p in _PARAMS))


def _call_backward(fn, case):
    """The student's gradients; after a shape error, also their gradients with W2 made square."""
    got = _calling(fn, *_backward_args(case))
    if _raised(got) and case["W2"].shape[0] != case["W2"].shape[1]:
        square = {k: v.copy() if isinstance(v, np.ndarray) else v for k, v in _square(case).items()}
        got["square"] = _calling(fn, *_backward_args(square))
    return got


def _autograd_gradients(case) -> list[np.ndarray]:
    """The four gradients of the ReLU-softmax network, by autograd in float64."""
    leaves = [torch.tensor(case[p], dtype=torch.float64, requires_grad=True) for p in _PARAMS]
    hidden = torch.relu(torch.as_tensor(case["X"]) @ leaves[0] + leaves[1])
    logits = hidden @ leaves[2] + leaves[3]
    loss = torch.nn.functional.cross_entropy(logits, torch.as_tensor(case["y"]))
    return [g.numpy() for g in torch.autograd.grad(loss, leaves)]


def _untransposed_gradients(case) -> list[np.ndarray]:
    """dW1 and db1 when ∂L/∂A1 is computed as dZ2 @ W2 (possible only when W2 is square)."""
    X, y, W1, b1, W2, b2 = _backward_args(case)
    Z1 = X @ W1 + b1
    A1 = np.maximum(Z1, 0)
    dZ2 = _softmax_rows(A1 @ W2 + b2)
    dZ2[np.arange(len(y)), y] -= 1
    dZ2 /= len(y)
    dZ1 = (dZ2 @ W2) * (Z1 > 0)
    return [X.T @ dZ1, dZ1.sum(axis=0)]


def _backward_reference(case):
    expected = {"right": _autograd_gradients(case)}
    h, c = case["W2"].shape
    if h == c:
        expected["untransposed"] = _untransposed_gradients(case)
    else:
        square = _square(case)
        expected["square"] = {
            "right": _autograd_gradients(square),
            "untransposed": _untransposed_gradients(square),
        }
    return expected


def _sizes(case) -> str:
    n, d = case["X"].shape
    h, c = case["W2"].shape
    return f"for N={n} examples, D={d} inputs, H={h} hidden units, C={c} classes"


def _missing_transpose(case, before=""):
    n = case["X"].shape[0]
    h, c = case["W2"].shape
    fail(
        f"{before}the product dZ2 @ W2 needs a transpose: dZ2 has shape (N, C) = ({n}, {c}) "
        f"and W2 has shape (H, C) = ({h}, {c}), while ∂L/∂A1 must have the shape of A1, "
        f"(N, H) = ({n}, {h}); transpose W2 so that the C's meet",
        reveal=_FORMULAS["dW1"],
    )


def _gradients_of(answer) -> list | None:
    if isinstance(answer, list) and len(answer) == 4:
        return answer
    return None


def _diagnose_backward(case, got, expected):
    where = _sizes(case)
    error = _raised(got)
    if error:
        square = got.get("square")
        if "square" in expected and _gradients_of(square):
            found = [as_array(g, name) for g, name in zip(square, _GRADIENT_NAMES, strict=True)]
            wrong = expected["square"]["untransposed"]
            if all(close(a, e) for a, e in zip(found[:2], wrong, strict=True)):
                _missing_transpose(case, f"two_layer_backward raised {error}: ")
            if all(close(a, e) for a, e in zip(found, expected["square"]["right"], strict=True)):
                fail(
                    f"two_layer_backward raised {error} {where}, yet works when H == C: "
                    "a product multiplies by W2 where it needs W2 transposed. " + _shape_list(case),
                    reveal=_FORMULAS["dW1"],
                )
        fail(f"two_layer_backward raised {error} {where}. " + _shape_list(case))
    gradients = _gradients_of(got)
    if gradients is None:
        fail("two_layer_backward should return four arrays, (dW1, db1, dW2, db2)")
    values = [as_array(g, name) for g, name in zip(gradients, _GRADIENT_NAMES, strict=True)]
    if "untransposed" in expected and not close(values[0], expected["right"][0]):
        wrong = expected["untransposed"]
        if all(close(a, e) for a, e in zip(values[:2], wrong, strict=True)):
            _missing_transpose(case, f"dW1 and db1 are wrong {where}: ")
    for name, value, reference, param in zip(
        _GRADIENT_NAMES, values, expected["right"], _PARAMS, strict=True
    ):
        _diagnose_gradient(name, value, reference, case[param].shape, len(case["y"]), where)


def _shape_list(case) -> str:
    n, d = case["X"].shape
    h, c = case["W2"].shape
    return (
        f"Here X is (N, D) = ({n}, {d}), W1 (D, H) = ({d}, {h}), W2 (H, C) = ({h}, {c}), so "
        f"Z1 and A1 are (N, H) = ({n}, {h}) and Z2, P and dZ2 are (N, C) = ({n}, {c}): write "
        "each shape next to your lines and check which dimensions meet (a missing .T?)"
    )


def _diagnose_gradient(name, value, reference, shape, n, where):
    variable = name[1:]
    if value.shape != reference.shape:
        if value.ndim == 2 and value.shape == reference.shape[::-1]:
            fail(
                f"{name} has shape {value.shape} but {variable} has shape {shape} {where}: "
                "a missing or extra transpose. A gradient has the shape of its variable: "
                + _HINTS[name],
                reveal=_FORMULAS[name],
            )
        if name.startswith("db") and value.shape == (n, *reference.shape):
            fail(
                f"{name} has shape {value.shape}, one row per example; a bias is added to every "
                f"row, so its gradient sums over the batch",
                reveal=_FORMULAS[name],
            )
        fail(
            f"{name} has shape {value.shape}, expected {reference.shape} (the shape of "
            f"{variable}) {where}",
            reveal=_FORMULAS[name],
        )
    if not np.all(np.isfinite(value)):
        fail(
            f"{name} contains nan or inf {where}; subtract the row maximum before exp in the "
            "softmax"
        )
    if close(value, reference):
        return
    if value.ndim == 2 and value.shape[0] == value.shape[1] and close(value, reference.T):
        fail(
            f"{name} is the transpose of the right gradient {where}: a missing or extra "
            "transpose. " + _HINTS[name],
            reveal=_FORMULAS[name],
        )
    if close(value, -reference):
        fail(f"{name} has the wrong sign {where}; ∂L/∂Z2 is (P - Y) / N, not (Y - P) / N")
    if n > 1 and close(value, n * reference):
        fail(
            f"{name} is N = {n} times too large {where}: the loss is a mean, so divide ∂L/∂Z2 by "
            "the batch size N"
        )
    if n > 1 and close(value * n, reference):
        fail(
            f"{name} is N = {n} times too small {where}: divide by the batch size once, in ∂L/∂Z2, "
            "not again later"
        )
    expect_close(
        value, reference, what=f"{name} {where}", hint=_HINTS[name], reveal=_FORMULAS[name]
    )


two_layer_backward = Exercise(
    name="two_layer_backward",
    cases=_backward_cases,
    call=_call_backward,
    reference=_backward_reference,
    diagnose=_diagnose_backward,
    forbidden=AUTOGRAD,
    seed=2024,
    doc="""Check ``two_layer_backward(X, y, W1, b1, W2, b2) -> (dW1, db1, dW2, db2)`` against autograd.

    The network is Z1 = X W1 + b1, A1 = relu(Z1), Z2 = A1 W2 + b2 and the loss the mean
    cross-entropy of softmax(Z2) against integer labels y. Most shapes are chosen so that a
    missing transpose changes a gradient's shape or stops the code, one has a square W2; the
    product dZ2 @ W2 written without its transpose is named either way. A forgotten 1/N, a
    flipped sign and a bias gradient that was not summed over the batch get their own
    messages. Autograd may not be used.""",
)


# --------------------------------------------------------------------------- dropout
def _dropout_cases(rng):
    gen = generator(rng)
    cases = []
    for p, training, shape in [
        (0.5, True, (200, 100)),
        (0.2, True, (100, 250)),
        (0.2, False, (50, 40)),
        (0.8, True, (400, 50)),
        (0.0, True, (30, 20)),
        (0.6, False, (7, 9)),
    ]:
        x = torch.randn(shape, generator=gen) + 0.1  # no entry is exactly 0
        x[x == 0] = 1.0
        cases.append({"x": x, "p": p, "training": training})
    return cases


def _dropout_reference(case):
    return {}  # the answer is random: the diagnosis tests what every correct answer satisfies


def _kept_fraction_is(kept: np.ndarray, keep: float) -> bool:
    """Whether the fraction of kept entries is ``keep`` within 5 standard deviations."""
    spread = 5 * np.sqrt(keep * (1 - keep) / kept.size) + 1e-3
    return abs(kept.mean() - keep) <= spread


def _diagnose_dropout(case, got, expected):
    x = case["x"].double().numpy()
    p, training = case["p"], case["training"]
    mode = "training" if training else "evaluation"
    where = f"with p = {p} in {mode} mode (training={training})"
    _no_shape_error("dropout", got, f"x of shape {tuple(x.shape)}")
    array = as_array(got, "dropout")
    if array.shape != x.shape:
        fail(
            f"dropout returned shape {array.shape} for x of shape {x.shape}; it keeps or "
            "drops each entry, so the shape does not change"
        )
    if not np.all(np.isfinite(array)):
        fail(f"dropout returned nan or inf {where}")
    if not training:
        if close(array, x):
            return
        if p > 0 and close(array, (1 - p) * x):
            fail(
                f"dropout multiplied by 1 - p {where}. That is the old convention; with "
                "inverted dropout the kept units are scaled up during training instead, so "
                "that evaluation is the identity"
            )
        if (array == 0).any():
            fail(
                f"dropout dropped entries {where}; at evaluation time every unit stays on "
                "and x is returned unchanged"
            )
        fail(f"dropout changed x {where}; at evaluation time it returns x unchanged")
    kept = array != 0
    if p == 0:
        if not close(array, x):
            fail(f"dropout changed x {where}; with p = 0 nothing is dropped or scaled")
        return
    if kept.all():
        fail(
            f"dropout dropped nothing {where}; in training mode each entry is set to 0 "
            "with probability p"
        )
    if kept.shape[0] > 1 and (kept == kept[:1]).all():
        fail(
            f"dropout dropped the same entries in every row {where}; draw one random "
            "number per entry of x (its full shape), not one per column"
        )
    values, original = array[kept], x[kept]
    if not close(values, original / (1 - p)):
        _diagnose_scaling(values, original, p, where)
    share = f"{100 * kept.mean():.0f} %"
    if not _kept_fraction_is(kept, 1 - p):
        if _kept_fraction_is(kept, p):
            fail(
                f"dropout kept {share} of the entries {where}: p is the probability of "
                "DROPPING an entry (as in nn.Dropout), so about 1 - p of them survive"
            )
        fail(
            f"dropout kept {share} of the entries {where}; each should survive with "
            f"probability 1 - p = {100 * (1 - p):.0f} %, independently"
        )


def _diagnose_scaling(values, original, p, where):
    """The kept entries are not x / (1 - p): say how they were scaled."""
    if close(values, original):
        fail(
            f"dropout kept the surviving entries unchanged {where}. Then each output's "
            "expected value is (1 - p)·x, smaller in training than at evaluation; scale the "
            "kept entries so that the expected value stays x",
            reveal="x * mask / (1 - p)",
        )
    if close(values, original * (1 - p)):
        fail(
            f"dropout multiplied the kept entries by 1 - p {where}; they must be scaled UP, "
            "so that on average the output equals x"
        )
    if close(values, original / p):
        fail(
            f"dropout divided the kept entries by p {where}; p is the probability of "
            "dropping, and the fraction kept is 1 - p"
        )
    fail(
        f"dropout returned values other than 0 and a scaled copy of x {where}; each "
        "entry is either dropped (0) or kept and scaled by one common factor",
        reveal="x * mask / (1 - p)",
    )


dropout = Exercise(
    name="dropout",
    cases=_dropout_cases,
    call=lambda fn, case: _calling(fn, case["x"], case["p"], case["training"]),
    reference=_dropout_reference,
    diagnose=_diagnose_dropout,
    forbidden=(
        Forbidden("torch.nn.functional.dropout", "F.dropout"),
        Forbidden("torch.nn.Dropout", "nn.Dropout"),
        Forbidden("torch.dropout", "torch.dropout"),
    ),
    seed=40,
    doc="""Check ``dropout(x, p, training)``: inverted dropout of a tensor.

    In training mode each entry is set to 0 with probability p and the others are divided
    by 1 - p; in evaluation mode x comes back unchanged. The answer is random, so the check
    tests what every right answer satisfies: each entry is 0 or x / (1 - p), the share kept
    is 1 - p within five standard deviations, and rows are not all dropped alike. Missing
    or wrong scaling, p taken as the keeping probability, one mask shared by every row and
    dropping or scaling at evaluation time get their own messages. The library's dropout
    may not be used.""",
)
