"""The lecture 04 checks pass correct answers and reject typical mistakes with a helpful message."""

import numpy as np
import pytest
import scipy.special
import torch
import torch.nn.functional as F
from conftest import accepts, not_written, rejects, verdicts

from course_utils.checks import lecture04 as check

#: Library functions kept aside before a check runs, as a student might.
lib_softmax = F.softmax
lib_dropout = F.dropout
lib_cross_entropy = F.cross_entropy
lib_grad = torch.autograd.grad


# --------------------------------------------------------------------------- helpers
def softmax(Z):
    exps = np.exp(Z - Z.max(axis=1, keepdims=True))
    return exps / exps.sum(axis=1, keepdims=True)


def global_max_softmax(Z):
    with np.errstate(invalid="ignore"):
        exps = np.exp(Z - Z.max())
        return exps / exps.sum(axis=1, keepdims=True)


# --------------------------------------------------------------------------- cross_entropy
def log_softmax_rows(Z):
    m = Z.max(axis=1, keepdims=True)
    return Z - m - np.log(np.exp(Z - m).sum(axis=1, keepdims=True))


def cross_entropy(Z, y):
    m = Z.max(axis=1, keepdims=True)
    log_probs = Z - m - np.log(np.exp(Z - m).sum(axis=1, keepdims=True))
    return -log_probs[np.arange(len(y)), y].mean()


def log_of_softmax_cross_entropy(Z, y):
    with np.errstate(divide="ignore"):
        return -np.log(softmax(Z)[np.arange(len(y)), y]).mean()


def test_cross_entropy_accepts_a_correct_answer(capsys):
    check.cross_entropy(cross_entropy)
    assert "✓ cross_entropy" in capsys.readouterr().out
    accepts(check.cross_entropy, cross_entropy)


def test_cross_entropy_accepts_float32_a_tensor_and_a_python_float():
    accepts(check.cross_entropy, lambda Z, y: np.float32(cross_entropy(Z, y)))
    accepts(check.cross_entropy, lambda Z, y: torch.tensor(cross_entropy(Z, y)))
    accepts(check.cross_entropy, lambda Z, y: float(cross_entropy(Z, y)))


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        (
            lambda Z, y: -log_softmax_rows(Z)[np.arange(len(y)), y].sum(),
            "divide by the batch size",
        ),
        (lambda Z, y: log_softmax_rows(Z)[np.arange(len(y)), y].mean(), "wrong sign"),
        (lambda Z, y: -log_softmax_rows(Z)[np.arange(len(y)), y], "one number"),
        (lambda Z, y: -log_softmax_rows(Z).mean(), "true class"),
        (log_of_softmax_cross_entropy, "log-sum-exp"),
        (
            lambda Z, y: -log_softmax_rows(Z)[np.arange(len(y)), 0].mean(),
            "cross_entropy on 6 examples of 4 classes is wrong",
        ),
    ],
)
def test_cross_entropy_rejects_typical_mistakes(wrong, message):
    rejects(check.cross_entropy, wrong, message)


def test_cross_entropy_shows_the_log_sum_exp_formula_only_in_the_reveal():
    result = rejects(check.cross_entropy, log_of_softmax_cross_entropy, "log-sum-exp")
    assert "z_k - m" not in result.message and "z_k - m" in result.reveal


def test_cross_entropy_gives_the_shapes_for_a_shape_error():
    def picks_a_column(Z, y):
        m = Z.max(axis=1)
        return -(Z[np.arange(len(y)), y] - m - np.log(np.exp(Z - m).sum(axis=1))).mean()

    rejects(check.cross_entropy, picks_a_column, r"logits of shape \(6, 4\)")


def test_cross_entropy_by_the_library_is_a_forbidden_call():
    def functional(Z, y):
        return F.cross_entropy(torch.from_numpy(Z), torch.from_numpy(y)).item()

    def kept_aside(Z, y):
        return lib_cross_entropy(torch.from_numpy(Z), torch.from_numpy(y)).item()

    def nll(Z, y):
        return F.nll_loss(torch.from_numpy(log_softmax_rows(Z)), torch.from_numpy(y)).item()

    def module(Z, y):
        return torch.nn.CrossEntropyLoss()(torch.from_numpy(Z), torch.from_numpy(y)).item()

    def library_log_softmax(Z, y):
        log_probs = F.log_softmax(torch.from_numpy(Z), dim=1).numpy()
        return -log_probs[np.arange(len(y)), y].mean()

    for fn, shown in [
        (functional, "F.cross_entropy"),
        (kept_aside, "F.cross_entropy"),
        (nll, "F.nll_loss"),
        (module, "nn.CrossEntropyLoss"),
        (library_log_softmax, "F.log_softmax"),
    ]:
        rejects(check.cross_entropy, fn, f"by hand.*{shown}", status="forbidden-call")


# --------------------------------------------------------------------------- two_layer_backward
def make_backward(
    *,
    transpose_dW1=False,
    transpose_dW2=False,
    divide=True,
    sign=1.0,
    sum_bias=True,
    derivative="relu",
    untransposed_W2=False,
):
    """A backward pass of the ReLU-softmax network with one chosen mistake (none by default)."""

    def backward(X, y, W1, b1, W2, b2):
        Z1 = X @ W1 + b1
        A1 = np.maximum(Z1, 0)
        P = softmax(A1 @ W2 + b2)
        dZ2 = P.copy()
        dZ2[np.arange(len(y)), y] -= 1
        dZ2 *= sign
        if divide:
            dZ2 /= len(y)
        local = (Z1 > 0) if derivative == "relu" else (1 - np.tanh(Z1) ** 2)
        dA1 = dZ2 @ W2 if untransposed_W2 else dZ2 @ W2.T
        dZ1 = dA1 * local
        dW1 = dZ1.T @ X if transpose_dW1 else X.T @ dZ1
        dW2 = dZ2.T @ A1 if transpose_dW2 else A1.T @ dZ2
        db1, db2 = (dZ1.sum(axis=0), dZ2.sum(axis=0)) if sum_bias else (dZ1, dZ2)
        return dW1, db1, dW2, db2

    return backward


def test_two_layer_backward_accepts_a_correct_answer(capsys):
    check.two_layer_backward(make_backward())
    assert "✓ two_layer_backward" in capsys.readouterr().out
    accepts(check.two_layer_backward, make_backward())


def test_two_layer_backward_accepts_the_transposed_form_float32_and_tensors():
    def transposed(X, y, W1, b1, W2, b2):
        Z1 = X @ W1 + b1
        A1 = np.maximum(Z1, 0)
        dZ2 = softmax(A1 @ W2 + b2)
        dZ2[np.arange(len(y)), y] -= 1
        dZ2 /= len(y)
        dZ1 = (W2 @ dZ2.T).T * (Z1 > 0)
        return X.T @ dZ1, dZ1.sum(axis=0), A1.T @ dZ2, dZ2.sum(axis=0)

    accepts(check.two_layer_backward, transposed)
    accepts(
        check.two_layer_backward,
        lambda *args: [g.astype(np.float32) for g in make_backward()(*args)],
    )
    accepts(
        check.two_layer_backward,
        lambda *args: tuple(torch.from_numpy(g) for g in make_backward()(*args)),
    )


@pytest.mark.parametrize(
    ("mistake", "message"),
    [
        ({"transpose_dW1": True}, "missing or extra transpose"),
        ({"transpose_dW2": True}, "missing or extra transpose"),
        ({"divide": False}, "times too large"),
        ({"sign": -1.0}, "wrong sign"),
        ({"sum_bias": False}, "sums over the batch"),
        ({"derivative": "tanh"}, r"dW1 for N=.*relu'\(Z1\)"),
    ],
)
def test_two_layer_backward_rejects_typical_mistakes(mistake, message):
    rejects(check.two_layer_backward, make_backward(**mistake), message)


def test_two_layer_backward_shows_the_formula_only_after_repeated_failures():
    result = rejects(check.two_layer_backward, make_backward(derivative="tanh"), "dW1")
    assert "X.T @ dZ1" not in result.message and "X.T @ dZ1" in result.reveal


def _seed_where_the_first_case_is(square):
    first = check.two_layer_backward.seed
    for seed in range(first, first + 100):
        W2 = check.two_layer_backward.cases(np.random.default_rng(seed))[0]["W2"]
        if (W2.shape[0] == W2.shape[1]) == square:
            return seed
    raise AssertionError("no such seed")


@pytest.mark.parametrize("square", [False, True])
def test_two_layer_backward_names_the_product_missing_a_transpose(square):
    """dZ2 @ W2 for dZ2 @ W2.T: a shape error when W2 is not square, a wrong value when it is."""
    seed = _seed_where_the_first_case_is(square)
    if not square:
        assert seed == check.two_layer_backward.seed  # what the notebook shows
    case = check.two_layer_backward.cases(np.random.default_rng(seed))[0]
    n, h, c = len(case["y"]), *case["W2"].shape
    result = rejects(
        check.two_layer_backward,
        make_backward(untransposed_W2=True),
        rf"dZ2 @ W2 needs a transpose: dZ2 has shape \(N, C\) = \({n}, {c}\) "
        rf"and W2 has shape \(H, C\) = \({h}, {c}\)",
        seed=seed,
    )
    assert ("raised" in result.message) is not square
    assert "W2.T" not in result.message and "W2.T" in result.reveal


def test_two_layer_backward_gives_the_shapes_for_other_shape_errors():
    def forgets_X_transpose(X, y, *params):
        dW1, db1, dW2, db2 = make_backward()(X, y, *params)
        return X @ dW1.T, db1, dW2, db2

    result = rejects(check.two_layer_backward, forgets_X_transpose, r"X is \(N, D\) = \(\d+, \d+\)")
    assert result.message.startswith("two_layer_backward raised")


def test_two_layer_backward_rejects_dividing_by_the_batch_size_twice():
    correct = make_backward()

    def twice(X, y, *params):
        dW1, db1, dW2, db2 = correct(X, y, *params)
        return dW1 / len(y), db1, dW2, db2

    rejects(check.two_layer_backward, twice, "times too small")


def test_two_layer_backward_rejects_a_wrong_return_value():
    rejects(check.two_layer_backward, lambda *args: make_backward()(*args)[:3], "four arrays")


def test_two_layer_backward_rejects_changing_the_inputs_in_place():
    def in_place(X, y, W1, b1, W2, b2):
        result = make_backward()(X, y, W1, b1, W2, b2)
        W1 -= 0.1 * result[0]
        return result

    rejects(check.two_layer_backward, in_place, "changed W1 in place")


def test_two_layer_backward_names_an_unwritten_softmax_helper():
    def softmax(Z):
        raise NotImplementedError

    def two_layer_backward(X, y, W1, b1, W2, b2):
        Z1 = X @ W1 + b1
        A1 = np.maximum(Z1, 0)
        dZ2 = softmax(A1 @ W2 + b2)
        dZ2[np.arange(len(y)), y] -= 1
        dZ2 /= len(y)
        dZ1 = (dZ2 @ W2.T) * (Z1 > 0)
        return X.T @ dZ1, dZ1.sum(axis=0), A1.T @ dZ2, dZ2.sum(axis=0)

    rejects(
        check.two_layer_backward,
        two_layer_backward,
        "two_layer_backward calls softmax, which is not written yet",
        status="not-written",
    )


def test_two_layer_backward_by_autograd_is_a_forbidden_call():
    def leaves(W1, b1, W2, b2):
        return [torch.tensor(p, requires_grad=True) for p in (W1, b1, W2, b2)]

    def loss(X, y, params):
        hidden = torch.relu(torch.from_numpy(X) @ params[0] + params[1])
        logits = hidden @ params[2] + params[3]
        P = torch.exp(logits - logits.max(dim=1, keepdim=True).values)
        P = P / P.sum(dim=1, keepdim=True)
        return -torch.log(P[torch.arange(len(y)), torch.from_numpy(y)]).mean()

    def by_backward(X, y, *raw):
        params = leaves(*raw)
        loss(X, y, params).backward()
        return [p.grad.numpy() for p in params]

    def by_grad(X, y, *raw):
        params = leaves(*raw)
        return [g.numpy() for g in torch.autograd.grad(loss(X, y, params), params)]

    def kept_aside(X, y, *raw):
        params = leaves(*raw)
        return [g.numpy() for g in lib_grad(loss(X, y, params), params)]

    for fn, shown in [
        (by_backward, "backward"),
        (by_grad, "torch.autograd.grad"),
        (kept_aside, "torch.autograd.grad"),
    ]:
        rejects(check.two_layer_backward, fn, f"by hand.*{shown}", status="forbidden-call")


# --------------------------------------------------------------------------- every check
@pytest.mark.parametrize(
    "name", ["cross_entropy", "softmax_cross_entropy_backward", "two_layer_backward", "dropout"]
)
def test_every_check_says_when_the_exercise_is_not_written_without_stopping(name, capsys):
    getattr(check, name)(not_written)  # does not raise: Run All goes on
    assert "not written yet" in capsys.readouterr().out
    rejects(getattr(check, name), not_written, "not written yet", status="not-written")


@pytest.mark.parametrize(
    ("name", "fn"),
    [
        ("cross_entropy", lambda Z, y: -log_softmax_rows(Z).mean()),
        ("softmax_cross_entropy_backward", lambda Z, y: logit_gradient(global_max_softmax(Z), y)),
        ("dropout", lambda x, p, training: x * (torch.rand(x.shape[1]) >= p) / (1 - p)),
        ("two_layer_backward", make_backward(untransposed_W2=True)),
    ],
)
def test_checks_are_deterministic(name, fn):
    exercise = getattr(check, name)
    first, second = verdicts(exercise, fn, seed=5), verdicts(exercise, fn, seed=5)
    assert (first.status, first.message) == (second.status, second.message)
    assert check.two_layer_backward.cases(np.random.default_rng(1))[0]["X"].tolist() == (
        check.two_layer_backward.cases(np.random.default_rng(1))[0]["X"].tolist()
    )


def test_the_reference_gradients_match_a_hand_written_backward_pass():
    for case in check.two_layer_backward.cases(np.random.default_rng(0)):
        expected = check.two_layer_backward.reference(case)["right"]
        got = make_backward()(*(case[k] for k in ("X", "y", "W1", "b1", "W2", "b2")))
        for a, e in zip(got, expected, strict=True):
            np.testing.assert_allclose(a, e, rtol=1e-10, atol=1e-12)


# --------------------------------------------------------------------------- softmax_cross_entropy_backward
def one_hot(y, c):
    Y = np.zeros((len(y), c))
    Y[np.arange(len(y)), y] = 1.0
    return Y


def logit_gradient(P, y):
    """(P - Y) / N from probabilities P."""
    return (P - one_hot(y, P.shape[1])) / len(y)


def softmax_cross_entropy_backward(Z, y):
    dZ = softmax(Z)
    dZ[np.arange(len(y)), y] -= 1
    return dZ / len(y)


def unstable_gradient(Z, y):
    with np.errstate(over="ignore", invalid="ignore"):
        return logit_gradient(np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True), y)


def test_logit_gradient_accepts_a_correct_answer(capsys):
    check.softmax_cross_entropy_backward(softmax_cross_entropy_backward)
    assert "✓ softmax_cross_entropy_backward" in capsys.readouterr().out
    accepts(check.softmax_cross_entropy_backward, softmax_cross_entropy_backward)


def test_logit_gradient_accepts_the_one_hot_form_float32_and_a_tensor():
    accepts(check.softmax_cross_entropy_backward, lambda Z, y: logit_gradient(softmax(Z), y))
    accepts(
        check.softmax_cross_entropy_backward,
        lambda Z, y: softmax_cross_entropy_backward(Z, y).astype(np.float32),
    )
    accepts(
        check.softmax_cross_entropy_backward,
        lambda Z, y: torch.from_numpy(softmax_cross_entropy_backward(Z, y)),
    )


def column_softmax(Z):
    exps = np.exp(Z - Z.max(axis=0, keepdims=True))
    return exps / exps.sum(axis=0, keepdims=True)


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        (lambda Z, y: -softmax_cross_entropy_backward(Z, y), "wrong sign"),
        (lambda Z, y: softmax_cross_entropy_backward(Z, y) * len(y), "times too large"),
        (
            lambda Z, y: softmax_cross_entropy_backward(Z, y) / Z.shape[1],
            r"divided by N·C",
        ),
        (lambda Z, y: logit_gradient(column_softmax(Z), y), "each column"),
        (lambda Z, y: softmax(Z) / len(y), "P / N"),
        (lambda Z, y: (softmax(Z) - 1) / len(y), "every entry"),
        (lambda Z, y: -one_hot(y, Z.shape[1]) / (len(y) * softmax(Z)), "∂L/∂P"),
        (unstable_gradient, "logits near 1000"),
        (lambda Z, y: logit_gradient(global_max_softmax(Z), y), "rows thousands apart"),
        (
            lambda Z, y: softmax_cross_entropy_backward(Z, y).sum(axis=1),
            r"shape \(5,\) for logits of shape \(5, 3\)",
        ),
        (
            lambda Z, y: softmax_cross_entropy_backward(Z, y) * 0.9,
            "softmax_cross_entropy_backward on 5 examples of 3 classes is wrong",
        ),
    ],
)
def test_logit_gradient_rejects_typical_mistakes(wrong, message):
    rejects(check.softmax_cross_entropy_backward, wrong, message)


def test_logit_gradient_says_to_subtract_the_row_maximum_and_reveals_the_formula_later():
    result = rejects(check.softmax_cross_entropy_backward, unstable_gradient, "row's own maximum")
    assert "(P - Y) / N" not in result.message and "(P - Y) / N" in result.reveal


def test_logit_gradient_gives_the_shapes_for_a_broadcast_error():
    def no_keepdims(Z, y):
        exps = np.exp(Z - Z.max(axis=1, keepdims=True))
        return logit_gradient(exps / exps.sum(axis=1), y)

    rejects(check.softmax_cross_entropy_backward, no_keepdims, r"logits of shape \(5, 3\)")


def test_logit_gradient_rejects_changing_the_logits_in_place():
    def in_place(Z, y):
        Z -= Z.max(axis=1, keepdims=True)
        return softmax_cross_entropy_backward(Z, y)

    rejects(check.softmax_cross_entropy_backward, in_place, "changed Z in place")


def test_logit_gradient_by_autograd_or_the_library_is_a_forbidden_call():
    def by_autograd(Z, y):
        logits = torch.tensor(Z, requires_grad=True)
        shifted = logits - logits.max(dim=1, keepdim=True).values
        log_probs = shifted - shifted.exp().sum(dim=1, keepdim=True).log()
        (-log_probs[torch.arange(len(y)), torch.from_numpy(y)].mean()).backward()
        return logits.grad.numpy()

    def by_grad(Z, y):
        logits = torch.tensor(Z, requires_grad=True)
        loss = torch.logsumexp(logits, dim=1).mean() - logits[torch.arange(len(y)), y].mean()
        return torch.autograd.grad(loss, logits)[0].numpy()

    def library_loss(Z, y):
        logits = torch.tensor(Z, requires_grad=True)
        F.cross_entropy(logits, torch.from_numpy(y)).sum().backward()
        return logits.grad.numpy()

    def functional_softmax(Z, y):
        return logit_gradient(F.softmax(torch.from_numpy(Z), dim=1).numpy(), y)

    def tensor_softmax(Z, y):
        return logit_gradient(torch.from_numpy(Z).softmax(dim=1).numpy(), y)

    def kept_aside(Z, y):
        return logit_gradient(lib_softmax(torch.from_numpy(Z), dim=1).numpy(), y)

    def scipy_softmax(Z, y):
        return logit_gradient(scipy.special.softmax(Z, axis=1), y)

    def through_log_softmax(Z, y):
        return logit_gradient(F.log_softmax(torch.from_numpy(Z), dim=1).exp().numpy(), y)

    for fn, shown in [
        (by_autograd, "backward"),
        (by_grad, "torch.autograd.grad"),
        (library_loss, "F.cross_entropy"),
        (functional_softmax, "F.softmax"),
        (tensor_softmax, "tensor.softmax"),
        (kept_aside, "F.softmax"),
        (scipy_softmax, "scipy.special.softmax"),
        (through_log_softmax, "F.log_softmax"),
    ]:
        rejects(
            check.softmax_cross_entropy_backward, fn, f"by hand.*{shown}", status="forbidden-call"
        )


def test_logit_gradient_reference_is_autograds_gradient_of_the_library_loss():
    for case in check.softmax_cross_entropy_backward.cases(np.random.default_rng(0)):
        logits = torch.tensor(case["Z"], requires_grad=True)
        F.cross_entropy(logits, torch.from_numpy(case["y"])).backward()
        expected = check.softmax_cross_entropy_backward.reference(case)["right"]
        np.testing.assert_allclose(logits.grad.numpy(), expected, rtol=1e-10, atol=1e-12)


# --------------------------------------------------------------------------- dropout
def dropout(x, p, training):
    if not training:
        return x
    mask = (torch.rand_like(x) >= p).to(x.dtype)
    return x * mask / (1 - p)


def test_dropout_accepts_a_correct_answer(capsys):
    check.dropout(dropout)
    assert "✓ dropout" in capsys.readouterr().out
    accepts(check.dropout, dropout)


def test_dropout_accepts_bernoulli_a_numpy_mask_and_a_copy_in_evaluation():
    def bernoulli(x, p, training):
        if not training or p == 0:
            return x.clone()
        return x * torch.bernoulli(torch.full_like(x, 1 - p)) / (1 - p)

    def numpy_mask(x, p, training):
        if not training:
            return x.numpy().copy()
        return x.numpy() * (np.random.rand(*x.shape) >= p) / (1 - p)

    accepts(check.dropout, bernoulli)
    accepts(check.dropout, numpy_mask)


def keep_probability(x, p, training):
    return x * (torch.rand_like(x) < p) / (1 - p) if training else x


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        (lambda x, p, training: x * (torch.rand_like(x) >= p) if training else x, "unchanged"),
        (
            lambda x, p, training: x * (torch.rand_like(x) >= p) * (1 - p) if training else x,
            "scaled UP",
        ),
        (
            lambda x, p, training: x * (torch.rand_like(x) >= p) / p if training and p else x,
            "divided the kept entries by p",
        ),
        (keep_probability, "DROPPING"),
        (lambda x, p, training: x * (torch.rand(x.shape[1]) >= p) / (1 - p), "every row"),
        (lambda x, p, training: dropout(x, p, True), "evaluation time"),
        (lambda x, p, training: dropout(x, p, training) if training else x * (1 - p), "old"),
        (lambda x, p, training: x if p > 0 else x * 0, "dropped nothing"),
        (lambda x, p, training: dropout(x, p, training).T, "shape"),
        (
            lambda x, p, training: dropout(x, p, training) * (1 + 0.1 * torch.rand_like(x)),
            "one common factor",
        ),
        (
            lambda x, p, training: dropout(x, p / 2, training) * (1 - p / 2) / (1 - p),
            r"kept \d+ % of the entries with p = 0.5.*probability 1 - p = 50 %",
        ),
    ],
)
def test_dropout_rejects_typical_mistakes(wrong, message):
    rejects(check.dropout, wrong, message)


def test_dropout_rejects_changing_the_input_in_place():
    def in_place(x, p, training):
        if training:
            x.mul_((torch.rand_like(x) >= p) / (1 - p))
        return x

    rejects(check.dropout, in_place, "changed x in place")


def test_dropout_by_the_library_is_a_forbidden_call():
    def functional(x, p, training):
        return F.dropout(x, p, training)

    def module(x, p, training):
        layer = torch.nn.Dropout(p)
        return layer.train(training)(x)

    def kept_aside(x, p, training):
        return lib_dropout(x, p, training)

    def aten(x, p, training):
        return torch.dropout(x, p, training)

    for fn, shown in [
        (functional, "F.dropout"),
        (module, "nn.Dropout"),
        (kept_aside, "F.dropout"),
        (aten, "torch.dropout"),
    ]:
        rejects(check.dropout, fn, f"by hand.*{shown}", status="forbidden-call")


def test_the_library_dropout_satisfies_the_diagnosis():
    """What the diagnosis tests is what PyTorch's own inverted dropout does."""
    torch.manual_seed(0)
    for case in check.dropout.cases(np.random.default_rng(3)):
        answer = F.dropout(case["x"], case["p"], case["training"])
        check.dropout.diagnose(case, answer, check.dropout.reference(case))  # does not fail
