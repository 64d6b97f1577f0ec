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

__all__ = ["adaline_epoch", "bce_from_logits", "fit_logistic_regression"]

#: The cross-entropy by hand (bce_from_logits, and inside fit_logistic_regression): PyTorch's
#: versions of it, and the softplus and log-sigmoid that contain its stable trick, are what
#: these exercises replace.
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


# --------------------------------------------------------------------------- fit_logistic_regression
def _fit(
    X,
    y,
    learning_rate,
    n_epochs,
    weight_decay,
    *,
    signal="cross-entropy",
    sign=1.0,
    mean=True,
    decay_factor=1.0,
    decay_bias=False,
):
    """Full-batch descent from zeros by hand; its keyword arguments give the typical mistakes."""
    w, b = torch.zeros(X.shape[1], dtype=X.dtype), torch.zeros((), dtype=X.dtype)
    for _ in range(n_epochs):
        z = X @ w + b
        p = torch.sigmoid(z)
        error = {
            "cross-entropy": p - y,
            "adaline": z - y,
            "squared error of sigmoid": (p - y) * p * (1 - p),
            "labels ±1": p - (2 * y - 1),
            "loss for labels ±1": -y * torch.sigmoid(-y * z),
        }[signal]
        size = len(y) if mean else 1
        grad_w = X.T @ error / size + decay_factor * weight_decay * w
        grad_b = error.sum() / size + (decay_factor * weight_decay * b if decay_bias else 0.0)
        w, b = w - sign * learning_rate * grad_w, b - sign * learning_rate * grad_b
    return w, b


def _penalised_loss(w, b, X, y, weight_decay):
    return _bce(X @ w + b, y) + 0.5 * weight_decay * (w**2).sum()


#: (n, d), learning_rate, n_epochs and weight_decay of each case: first one step without a
#: penalty (only the cross-entropy's gradient counts), then longer runs with one.
FIT_SETTINGS = [
    ((10, 2), 0.5, 1, 0.0),
    ((12, 2), 1.0, 20, 0.1),
    ((30, 3), 0.5, 15, 0.5),
    ((25, 1), 2.0, 10, 0.05),
    ((1, 3), 0.5, 5, 0.2),
]


def _fit_cases(rng):
    cases = _data_cases(rng, [shape for shape, _, _, _ in FIT_SETTINGS])
    for case, (_, learning_rate, n_epochs, decay) in zip(cases, FIT_SETTINGS, strict=True):
        del case["w"], case["b"]
        case.update(learning_rate=learning_rate, n_epochs=n_epochs, weight_decay=decay)
    return cases


def _call_fit(fn, case):
    return fn(case["X"], case["y"], case["learning_rate"], case["n_epochs"], case["weight_decay"])


def _fit_reference(case):
    X, y = case["X"], case["y"]
    settings = (case["learning_rate"], case["n_epochs"], case["weight_decay"])
    learning_rate, n_epochs, decay = settings
    w, b = torch.zeros(X.shape[1], dtype=X.dtype), torch.zeros((), dtype=X.dtype)
    for _ in range(n_epochs):  # the reference takes its gradients from autograd
        w, b = w.requires_grad_(), b.requires_grad_()
        grad_w, grad_b = torch.autograd.grad(_penalised_loss(w, b, X, y, decay), (w, b))
        w, b = (w - learning_rate * grad_w).detach(), (b - learning_rate * grad_b).detach()
    mistakes = [
        ("it returned the starting weights w = 0, b = 0; take n_epochs steps", 0 * w, 0 * b),
        (
            "the weights moved uphill: the gradient of the cross-entropy with respect to z is "
            "ŷ − y, and a descent step subtracts learning_rate × gradient",
            *_fit(X, y, *settings, sign=-1.0),
        ),
        (
            "each gradient is n times too large: the loss is the mean over the examples, "
            "so divide the sums by n",
            *_fit(X, y, *settings, mean=False),
        ),
        (
            "this is Adaline's gradient (z − y); logistic regression compares the "
            "probability ŷ = σ(z) with y",
            *_fit(X, y, *settings, signal="adaline"),
        ),
        (
            "this is the gradient of the squared error of σ(z), with its extra factor "
            "σ'(z) = ŷ(1 − ŷ); in the cross-entropy's gradient that factor cancels",
            *_fit(X, y, *settings, signal="squared error of sigmoid"),
        ),
        (
            "the labels were turned into −1 and +1, but ŷ = σ(z) is a probability of class 1; "
            "compare it with y ∈ {0, 1} as given",
            *_fit(X, y, *settings, signal="labels ±1"),
        ),
        (
            "this is the gradient of log(1 + e^(−y z)), the logistic loss for labels "
            "y ∈ {−1, +1}; here y is 0 or 1, and the examples of class 0 got no gradient at all",
            *_fit(X, y, *settings, signal="loss for labels ±1"),
        ),
        (
            "weight_decay had no effect: add the gradient of the penalty (λ/2)‖w‖² to w's",
            *_fit(X, y, *settings, decay_factor=0.0),
        ),
        (
            "the penalty's gradient is twice too large: the ½ in (λ/2)‖w‖² cancels the 2 of "
            "the square",
            *_fit(X, y, *settings, decay_factor=2.0),
        ),
        (
            "the penalty pushed the weights away from 0: its gradient is +λw, so each step "
            "shrinks w",
            *_fit(X, y, *settings, decay_factor=-1.0),
        ),
        (
            "the bias was penalised too; the penalty (λ/2)‖w‖² leaves b out, "
            "so b's gradient has no λ term",
            *_fit(X, y, *settings, decay_bias=True),
        ),
    ]
    return {"w": w, "b": b, "mistakes": mistakes}


def _diagnose_fit(case, got, expected):
    where = (
        f"(n = {len(case['y'])}, d = {case['X'].shape[1]}, "
        f"learning_rate = {case['learning_rate']}, n_epochs = {case['n_epochs']}, "
        f"weight_decay = {case['weight_decay']})"
    )
    _diagnose_pair(
        got,
        expected,
        name="fit_logistic_regression",
        where=where,
        first="the fitted w",
        second="the fitted b",
        hints=(
            "derive ∂L/∂w_j for one weight, the cross-entropy's part and the penalty's part, "
            "then write all of them as one matrix product; start from w = 0, b = 0",
            "treat b as the weight of a feature that is always 1, one the penalty leaves out",
        ),
        reveal="each epoch: ŷ = σ(X w + b), then w −= lr · (Xᵀ(ŷ − y)/n + λ w) "
        "and b −= lr · mean(ŷ − y)",
    )


fit_logistic_regression = Exercise(
    name="fit_logistic_regression",
    cases=_fit_cases,
    call=_call_fit,
    reference=_fit_reference,
    diagnose=_diagnose_fit,
    forbidden=AUTOGRAD + CROSS_ENTROPY,
    seed=404,
    doc="""Check ``fit_logistic_regression(X, y, learning_rate, n_epochs, weight_decay) -> (w, b)``.

    Full-batch gradient descent from w = 0, b = 0 on the mean binary cross-entropy of
    σ(X w + b) against 0/1 targets plus (weight_decay / 2)‖w‖² (the bias is not
    penalised), with gradients by hand; compared with the same descent on autograd's
    gradients, on random data including a single example and a single feature.
    Autograd and PyTorch's cross-entropy functions may not be used.""",
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
