"""Checks for lecture 03: Adaline, and the step from Adaline to logistic regression.

Every check draws fresh inputs (float64, so the comparison can be tight), compares the
student's answer with a reference, and, when it is wrong, compares it with the answers
the usual mistakes produce (a sign error, a sum instead of a mean, a forgotten bias, ...)
to say which one it looks like.
"""

from __future__ import annotations

import numpy as np
import torch

from ._core import AUTOGRAD, Exercise, Forbidden, as_array, close, expect_close, fail, generator

__all__ = ["adaline_epoch", "adaline_gradients", "bce_from_logits", "logistic_gradients"]

#: The stable cross-entropy is the exercise: PyTorch's versions of it, and the softplus and
#: log-sigmoid that contain its trick, are what it replaces.
CROSS_ENTROPY = (
    Forbidden(
        "torch.nn.functional.binary_cross_entropy_with_logits",
        "F.binary_cross_entropy_with_logits",
    ),
    Forbidden("torch.nn.functional.binary_cross_entropy", "F.binary_cross_entropy"),
    Forbidden("torch.nn.BCEWithLogitsLoss", "nn.BCEWithLogitsLoss"),
    Forbidden("torch.nn.BCELoss", "nn.BCELoss"),
    Forbidden("torch.nn.functional.softplus", "F.softplus"),
    Forbidden("torch.nn.functional.logsigmoid", "F.logsigmoid"),
)


# --------------------------------------------------------------------------- helpers
def _bce(z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return torch.nn.functional.binary_cross_entropy_with_logits(z, y)


def _data_cases(rng, shapes):
    """Random w (d,), b 0-dim, X (n, d) and 0/1 targets y (n,), in float64."""
    gen = generator(rng)
    cases = []
    for n, d in shapes:
        X = torch.randn(n, d, generator=gen, dtype=torch.float64) * 1.5
        y = (torch.rand(n, generator=gen, dtype=torch.float64) < 0.5).double()
        w = torch.randn(d, generator=gen, dtype=torch.float64)
        b = torch.randn((), generator=gen, dtype=torch.float64)
        cases.append({"w": w, "b": b, "X": X, "y": y})
    return cases


def _autograd(loss_of, case):
    """Gradients of ``loss_of(w, b, X, y)`` with respect to w and b, by autograd."""
    w, b = case["w"].clone().requires_grad_(), case["b"].clone().requires_grad_()
    grad_w, grad_b = torch.autograd.grad(loss_of(w, b, case["X"], case["y"]), (w, b))
    return grad_w, grad_b


def _mean_gradients(X, signal):
    """(1/n) Xᵀ signal and the mean of signal: the shape of every gradient in this lecture."""
    return X.T @ signal / len(signal), signal.mean()


def _pair(got, name, first, second):
    """The student's pair as two float64 arrays; a second entry of one value counts as a number."""
    if not isinstance(got, list) or len(got) != 2:
        shown = getattr(got, "type_name", type(got).__name__)
        shown = f"{len(got)} values" if isinstance(got, list) else shown
        fail(f"{name} should return a pair ({first}, {second}), got {shown}")
    arrays = []
    for value, label in zip(got, (first, second), strict=True):
        if value is None:
            fail(f"{name} returned None for {label}; return a tensor")
        arrays.append(as_array(value, f"{label} from {name}"))
    if arrays[1].size == 1:
        arrays[1] = arrays[1].reshape(())
    return arrays[0], arrays[1]


def _matches(got, mistakes):
    """The hint of the first typical mistake whose result equals the student's."""
    for hint, w, b in mistakes:
        if close(got[0], w) and close(got[1], b):
            return hint
    return None


def _diagnose_pair(got, expected, *, name, where, first, second, hints, reveal):
    """Compare a pair with the reference; name a typical mistake before comparing values."""
    w, b = _pair(got, name, first, second)
    if close(w, expected["w"]) and close(b, expected["b"]):
        return
    hint = _matches((w, b), expected["mistakes"])
    if hint:
        fail(f"{name} {where} is wrong: {hint}")
    expect_close(w, expected["w"], what=f"{first} {where}", hint=hints[0], reveal=reveal)
    expect_close(b, expected["b"], what=f"{second} {where}", hint=hints[1], reveal=reveal)


def _where(case):
    n, d = case["X"].shape
    return f"for {n} example{'s' if n > 1 else ''} with {d} feature{'s' if d > 1 else ''}"


def _call_gradients(fn, case):
    return fn(case["w"], case["b"], case["X"], case["y"])


# --------------------------------------------------------------------------- adaline_gradients
def _adaline_loss(w, b, X, y):
    return 0.5 * ((X @ w + b - y) ** 2).mean()


def _adaline_cases(rng):
    return _data_cases(rng, [(9, 2), (25, 3), (1, 4), (40, 1), (6, 5)])


def _adaline_reference(case):
    gw, gb = _autograd(_adaline_loss, case)
    w, b, X, y = case["w"], case["b"], case["X"], case["y"]
    error = X @ w + b - y
    step = (X @ w + b >= 0.5).double() - y
    n = len(y)
    mistakes = [
        (
            "it has the opposite sign; the error is z − y (prediction minus target), "
            "and the gradient points uphill",
            -gw,
            -gb,
        ),
        (
            "it is n times too large: divide by the number of examples "
            "(take the mean, not the sum)",
            gw * n,
            gb * n,
        ),
        ("it is twice too large: the ½ in the loss cancels the 2 from the square", 2 * gw, 2 * gb),
        (
            "grad_w is right but grad_b is zero: the bias gets the mean of the errors",
            gw,
            torch.zeros(()),
        ),
        (
            "grad_w is right but grad_b is not: the bias gradient is the mean of the errors z − y",
            gw,
            error.sum(),
        ),
        (
            "it uses the thresholded output, as the perceptron does; Adaline learns "
            "from the linear output z = Xw + b",
            *_mean_gradients(X, step),
        ),
    ]
    return {"w": gw, "b": gb, "mistakes": mistakes}


def _diagnose_adaline(case, got, expected):
    _diagnose_pair(
        got,
        expected,
        name="adaline_gradients",
        where=_where(case),
        first="grad_w",
        second="grad_b",
        hints=(
            "work out ∂L/∂w_j for one weight first, then write all of them as one matrix product",
            "treat b as the weight of a feature that is always 1",
        ),
        reveal="grad_w = (1/n) Xᵀ(z − y) with z = X w + b, and grad_b is the mean of the "
        "errors z − y",
    )


adaline_gradients = Exercise(
    name="adaline_gradients",
    cases=_adaline_cases,
    call=_call_gradients,
    reference=_adaline_reference,
    diagnose=_diagnose_adaline,
    forbidden=AUTOGRAD,
    seed=303,
    doc="""Check ``adaline_gradients(w, b, X, y) -> (grad_w, grad_b)``.

    The gradient of the Adaline loss L = 1/(2n) Σ (x⁽ⁱ⁾·w + b − y⁽ⁱ⁾)², compared with
    autograd on random data, including a single example and a single feature; autograd
    itself may not be used.""",
)


# --------------------------------------------------------------------------- adaline_epoch
def _epoch(
    w,
    b,
    X,
    y,
    learning_rate,
    batch_size,
    *,
    sign=1.0,
    divide_by=None,
    stale=False,
    first_only=False,
):
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


#: (n, d), batch_size and learning_rate of each case: full batch, online, uneven last batches.
EPOCH_SETTINGS = [
    ((12, 2), 12, 0.3),
    ((7, 3), 1, 0.05),
    ((10, 2), 4, 0.2),
    ((9, 1), 3, 0.4),
    ((11, 4), 5, 0.1),
]


def _epoch_cases(rng):
    cases = _data_cases(rng, [shape for shape, _, _ in EPOCH_SETTINGS])
    for case, (_, batch_size, learning_rate) in zip(cases, EPOCH_SETTINGS, strict=True):
        case.update(learning_rate=learning_rate, batch_size=batch_size)
    return cases


def _call_epoch(fn, case):
    # w and b are the student's to update: in place (w -= ...) is fine, the new ones are returned.
    w, b = case["w"].clone(), case["b"].clone()
    return fn(w, b, case["X"], case["y"], case["learning_rate"], case["batch_size"])


def _epoch_reference(case):
    w, b, X, y = case["w"], case["b"], case["X"], case["y"]
    lr, size = case["learning_rate"], case["batch_size"]
    right = _epoch(w, b, X, y, lr, size)
    mistakes = [
        ("it returned the weights unchanged", w, b),
        (
            "the weights moved uphill: subtract learning_rate × gradient",
            *_epoch(w, b, X, y, lr, size, sign=-1.0),
        ),
        (
            "w is right but b did not move: update the bias too, with the mean error of each batch",
            right[0],
            b,
        ),
        (
            "it divides every batch's gradient by batch_size; the last batch can be "
            "smaller, so take the mean over the examples it really has",
            *_epoch(w, b, X, y, lr, size, divide_by=size),
        ),
        (
            "every batch's gradient was computed at the starting weights; compute "
            "each one at the weights the previous step left",
            *_epoch(w, b, X, y, lr, size, stale=True),
        ),
        (
            "only the first mini-batch was used; loop over all of them",
            *_epoch(w, b, X, y, lr, size, first_only=True),
        ),
        (
            "it made one full-batch step; make one step per mini-batch of batch_size examples",
            *_epoch(w, b, X, y, lr, len(y)),
        ),
    ]
    return {"w": right[0], "b": right[1], "mistakes": mistakes}


def _diagnose_epoch(case, got, expected):
    where = (
        f"(n = {len(case['y'])}, batch_size = {case['batch_size']}, "
        f"learning_rate = {case['learning_rate']})"
    )
    _diagnose_pair(
        got,
        expected,
        name="adaline_epoch",
        where=where,
        first="the new w",
        second="the new b",
        hints=(
            "go through the batches in order, one gradient step per batch, each at the "
            "weights the previous step left",
            "the bias takes one step per batch too",
        ),
        reveal="for each batch in order: error = Xb @ w + b - yb, then "
        "w -= lr * Xb.T @ error / len(yb) and b -= lr * error.mean()",
    )


adaline_epoch = Exercise(
    name="adaline_epoch",
    cases=_epoch_cases,
    call=_call_epoch,
    reference=_epoch_reference,
    diagnose=_diagnose_epoch,
    seed=2024,
    doc="""Check ``adaline_epoch(w, b, X, y, learning_rate, batch_size) -> (w, b)``.

    For tensors w (d,), b (0-dim), X (n, d) and y (n,); the new (w, b) have the same shapes.
    One pass over the examples in the order given, in mini-batches of ``batch_size``
    (the last one may be smaller), one gradient step per mini-batch, each step using
    the weights the previous one left. ``batch_size = n`` is one full-batch step and
    ``batch_size = 1`` the online Widrow–Hoff rule.""",
)


# --------------------------------------------------------------------------- logistic_gradients
def _logistic_loss(w, b, X, y):
    return _bce(X @ w + b, y)


def _logistic_cases(rng):
    return _data_cases(rng, [(8, 2), (30, 3), (1, 2), (50, 1), (5, 4)])


def _logistic_reference(case):
    gw, gb = _autograd(_logistic_loss, case)
    w, b, X, y = case["w"], case["b"], case["X"], case["y"]
    z = X @ w + b
    p = torch.sigmoid(z)
    mistakes = [
        (
            "it has the opposite sign; the gradient of the cross-entropy with "
            "respect to z is ŷ − y",
            -gw,
            -gb,
        ),
        (
            "it is n times too large: divide by the number of examples (the loss is a mean)",
            gw * len(y),
            gb * len(y),
        ),
        (
            "this is Adaline's gradient (z − y); logistic regression uses ŷ − y with ŷ = σ(z)",
            *_mean_gradients(X, z - y),
        ),
        (
            "this is the gradient of the squared error of σ(z), with the extra factor σ'(z); "
            "the cross-entropy's is simply ŷ − y",
            *_mean_gradients(X, (p - y) * p * (1 - p)),
        ),
        (
            "grad_w is right but grad_b is zero: the bias gets the mean of ŷ − y",
            gw,
            torch.zeros(()),
        ),
    ]
    return {"w": gw, "b": gb, "mistakes": mistakes}


def _diagnose_logistic(case, got, expected):
    _diagnose_pair(
        got,
        expected,
        name="logistic_gradients",
        where=_where(case),
        first="grad_w",
        second="grad_b",
        hints=(
            "start from ∂ℓ/∂z for one example, then apply the chain rule through z = X w + b",
            "treat b as the weight of a feature that is always 1",
        ),
        reveal="grad_w = (1/n) Xᵀ(σ(z) − y) with z = X w + b, and grad_b is the mean of σ(z) − y",
    )


logistic_gradients = Exercise(
    name="logistic_gradients",
    cases=_logistic_cases,
    call=_call_gradients,
    reference=_logistic_reference,
    diagnose=_diagnose_logistic,
    forbidden=AUTOGRAD,
    seed=404,
    doc="""Check ``logistic_gradients(w, b, X, y) -> (grad_w, grad_b)``.

    The gradient of the mean binary cross-entropy of ŷ = σ(Xw + b) with 0/1 targets y,
    compared with autograd on random data; autograd itself may not be used.""",
)


# --------------------------------------------------------------------------- bce_from_logits
def _bce_cases(rng):
    gen = generator(rng)
    cases = []
    for n in (6, 1, 20):
        z = torch.randn(n, generator=gen, dtype=torch.float64) * 3
        y = (torch.rand(n, generator=gen, dtype=torch.float64) < 0.5).double()
        cases.append({"z": z, "y": y})
    # Logits where σ(z) rounds to 0 or 1 (in float32 here) and exp(z) overflows (below).
    cases.append(
        {
            "z": torch.tensor([30.0, -30.0, 120.0, -120.0, 0.5]),
            "y": torch.tensor([1.0, 0.0, 0.0, 1.0, 1.0]),
        }
    )
    cases.append(
        {
            "z": torch.tensor([500.0, -500.0, 800.0, -2.0], dtype=torch.float64),
            "y": torch.tensor([0.0, 1.0, 1.0, 0.0], dtype=torch.float64),
        }
    )
    return cases


def _bce_reference(case):
    z, y = case["z"].double(), case["y"].double()
    return {"loss": _bce(z, y), "swapped": _bce(z, 1 - y)}


def _diagnose_bce(case, got, expected):
    name = "bce_from_logits"
    z, y = case["z"], case["y"]
    if got is None:
        fail(f"{name} returned None; return the loss as a tensor")
    loss = as_array(got, f"the loss from {name}")
    if loss.shape != ():
        hint = " (one loss per example? return their mean)" if loss.shape == tuple(z.shape) else ""
        fail(
            f"{name} should return one number (a 0-dim tensor), got shape {tuple(loss.shape)}{hint}"
        )
    where = f"for logits {[round(v, 2) for v in z.tolist()]} and targets {y.tolist()}"
    reveal = "the loss is the mean of max(z, 0) − y z + log(1 + e^(−|z|))"
    if not np.isfinite(loss):
        fail(
            f"{name} returned {float(loss)} {where}: log(σ(z)) underflows to log(0) "
            "for large |z| (and e^z overflows). Write log(1 + e^z) as "
            "max(z, 0) + log(1 + e^(−|z|)), which never exponentiates a positive number",
            reveal=reveal,
        )
    right = expected["loss"]
    if close(loss, -right):
        fail(
            f"{name} {where} is negative: the cross-entropy "
            "−[y log ŷ + (1 − y) log(1 − ŷ)] is never below 0"
        )
    if len(y) > 1 and close(loss, right * len(y)):
        fail(f"{name} {where} is the sum over examples; return the mean")
    if close(loss, expected["swapped"]):
        fail(
            f"{name} {where} swapped the roles of y and 1 − y: "
            "y = 1 should be penalised by −log σ(z)"
        )
    expect_close(
        loss,
        right,
        what=f"the loss {where}",
        hint="one example's loss is log(1 + e^z) − y z; write it in its stable form and average",
        reveal=reveal,
    )


bce_from_logits = Exercise(
    name="bce_from_logits",
    cases=_bce_cases,
    call=lambda fn, case: fn(case["z"], case["y"]),
    reference=_bce_reference,
    diagnose=_diagnose_bce,
    forbidden=CROSS_ENTROPY,
    seed=55,
    doc="""Check ``bce_from_logits(z, y)``: the mean binary cross-entropy, stable for any logits z.

    Tried on moderate logits in float64, and on logits of ±30 to ±800 where the
    textbook formula −[y log σ(z) + (1 − y) log(1 − σ(z))] takes the log of 0 (or
    exp overflows) and returns inf or nan. PyTorch's cross-entropy functions, softplus
    and log-sigmoid may not be used (the stable formula is the exercise).""",
)
