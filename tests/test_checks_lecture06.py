"""The checks of lecture 06 accept correct answers and reject the typical wrong ones."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from conftest import accepts, not_written, rejects

from course_utils.checks import draw, verdict
from course_utils.checks import lecture06 as check

#: Library functions kept aside before a check runs, as a student might.
lib_cell = torch.nn.LSTMCell
lib_gru_cell = torch.nn.GRUCell
lib_clip = torch.nn.utils.clip_grad_norm_

NAMES = [
    "lstm_cell_step",
    "gru_cell_step",
    "softmax_with_temperature",
    "unigram_entropy",
    "clip_by_total_norm",
]


# --------------------------------------------------------------------------- LSTM cell
def lstm_step(order="ifgo", use_b_hh=True, g_act=torch.tanh, tanh_c=True, swap=False):
    """An LSTM step with one of the usual mistakes switched on."""

    def step(x, h, c, W_ih, W_hh, b_ih, b_hh):
        gates = x @ W_ih.T + b_ih + h @ W_hh.T + (b_hh if use_b_hh else 0)
        blocks = dict(zip(order, gates.chunk(4, dim=1)))
        i, f, o = (torch.sigmoid(blocks[k]) for k in "ifo")
        c_new = f * c + i * g_act(blocks["g"])
        h_new = o * torch.tanh(c_new) if tanh_c else o * c_new
        return (c_new, h_new) if swap else (h_new, c_new)

    return step


def test_lstm_cell_step_accepts_the_lstm_equations(capsys):
    accepts(check.lstm_cell_step, lstm_step())
    check.lstm_cell_step(lstm_step())
    assert capsys.readouterr().out.startswith("✓ lstm_cell_step")


def test_lstm_cell_step_accepts_float32_arithmetic():
    def in_float32(*args):
        return lstm_step()(*(a.float() for a in args))

    accepts(check.lstm_cell_step, in_float32)


@pytest.mark.parametrize(
    ("mistake", "message"),
    [
        ({"order": "ifog"}, "wrong order"),
        ({"order": "igfo"}, "TensorFlow"),
        ({"use_b_hh": False}, "forgot b_hh"),
        ({"g_act": torch.sigmoid}, "candidate g with a sigmoid"),
        ({"tanh_c": False}, r"o \* tanh\(c_new\)"),
        ({"swap": True}, r"returned \(c_new, h_new\)"),
    ],
)
def test_lstm_cell_step_names_the_typical_mistakes(mistake, message):
    rejects(check.lstm_cell_step, lstm_step(**mistake), message)


def test_lstm_cell_step_rejects_an_unknown_error_and_reveals_the_formula_later():
    def forget_nothing(x, h, c, W_ih, W_hh, b_ih, b_hh):
        gates = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh
        i, f, g, o = gates.chunk(4, dim=1)
        c_new = c + torch.sigmoid(i) * torch.tanh(g)  # the forget gate left out
        return torch.sigmoid(o) * torch.tanh(c_new), c_new

    result = rejects(check.lstm_cell_step, forget_nothing, "c_new with batch .* is wrong.*forget")
    assert "sigmoid(f) * c" not in result.message
    assert "sigmoid(f) * c" in result.reveal


def test_lstm_cell_step_names_the_shapes_of_a_transposed_answer():
    def transposed(*args):
        h_new, c_new = lstm_step()(*args)
        return h_new.T, c_new.T

    rejects(check.lstm_cell_step, transposed, r"c_new .* has shape \(5, 3\), expected \(3, 5\)")


def test_lstm_cell_step_needs_a_pair():
    rejects(check.lstm_cell_step, lambda *args: lstm_step()(*args)[0], "pair")


def test_lstm_cell_step_rejects_pytorchs_lstm():
    def with_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):
        cell = torch.nn.LSTMCell(x.shape[1], h.shape[1], dtype=x.dtype)
        with torch.no_grad():
            for p, w in zip(cell.parameters(), (W_ih, W_hh, b_ih, b_hh)):
                p.copy_(w)
            return cell(x, (h, c))

    def kept_aside(x, h, c, W_ih, W_hh, b_ih, b_hh):
        cell = lib_cell(x.shape[1], h.shape[1], dtype=x.dtype)
        with torch.no_grad():
            for p, w in zip(cell.parameters(), (W_ih, W_hh, b_ih, b_hh)):
                p.copy_(w)
            return cell(x, (h, c))

    def functional(x, h, c, W_ih, W_hh, b_ih, b_hh):
        return torch.lstm_cell(x, (h, c), W_ih, W_hh, b_ih, b_hh)

    def through_the_module(x, h, c, W_ih, W_hh, b_ih, b_hh):
        from torch.nn.modules import rnn

        cell = rnn.LSTMCell(x.shape[1], h.shape[1], dtype=x.dtype)
        with torch.no_grad():
            for p, w in zip(cell.parameters(), (W_ih, W_hh, b_ih, b_hh)):
                p.copy_(w)
            return cell(x, (h, c))

    for fn, shown in [
        (with_cell, "nn.LSTMCell"),
        (kept_aside, "nn.LSTMCell"),
        (functional, "torch.lstm_cell"),
        (through_the_module, "torch._VF.lstm_cell"),
    ]:
        rejects(check.lstm_cell_step, fn, f"by hand.*{shown}", "forbidden-call")
    accepts(check.lstm_cell_step, lstm_step())  # the library is back once the check is over


# --------------------------------------------------------------------------- GRU cell
def gru_step(order="rzn", keep="z", reset="after", b_hn_inside=True):
    """A GRU step with one of the usual mistakes switched on."""

    def step(x, h, W_ih, W_hh, b_ih, b_hh):
        from_x = dict(zip(order, (x @ W_ih.T + b_ih).chunk(3, dim=1)))
        from_h = dict(zip(order, (h @ W_hh.T + b_hh).chunk(3, dim=1)))
        r = torch.sigmoid(from_x["r"] + from_h["r"])
        z = torch.sigmoid(from_x["z"] + from_h["z"])
        W_hn = dict(zip(order, W_hh.chunk(3, dim=0)))["n"]
        b_hn = dict(zip(order, b_hh.chunk(3, dim=0)))["n"]
        if reset == "after":
            inner = r * from_h["n"] if b_hn_inside else r * (h @ W_hn.T) + b_hn
        elif reset == "before":
            inner = (r * h) @ W_hn.T + b_hn
        else:
            inner = from_h["n"]
        n = torch.tanh(from_x["n"] + inner)
        return z * h + (1 - z) * n if keep == "z" else (1 - z) * h + z * n

    return step


def test_gru_cell_step_accepts_the_gru_equations(capsys):
    accepts(check.gru_cell_step, gru_step())
    check.gru_cell_step(gru_step())
    assert capsys.readouterr().out.startswith("✓ gru_cell_step")


def test_gru_cell_step_accepts_float32_arithmetic_and_a_lerp():
    def in_float32(*args):
        return gru_step()(*(a.float() for a in args))

    def lerp(x, h, W_ih, W_hh, b_ih, b_hh):  # n + z (h - n) is the same mix
        x_r, x_z, x_n = (x @ W_ih.T + b_ih).chunk(3, dim=1)
        h_r, h_z, h_n = (h @ W_hh.T + b_hh).chunk(3, dim=1)
        r, z = torch.sigmoid(x_r + h_r), torch.sigmoid(x_z + h_z)
        n = torch.tanh(x_n + r * h_n)
        return torch.lerp(n, h, z)

    accepts(check.gru_cell_step, in_float32)
    accepts(check.gru_cell_step, lerp)


@pytest.mark.parametrize(
    ("mistake", "message"),
    [
        ({"keep": "1-z"}, "update gate the other way round"),
        ({"reset": "before"}, r"before the matrix product.*r \* \(W_hn h \+ b_hn\)"),
        ({"b_hn_inside": False}, "b_hn outside the reset gate"),
        ({"order": "zrn"}, r"wrong order \(z, r, n\)"),
        ({"reset": "none"}, "never uses the reset gate"),
    ],
)
def test_gru_cell_step_names_the_typical_mistakes(mistake, message):
    rejects(check.gru_cell_step, gru_step(**mistake), message)


def test_gru_cell_step_rejects_an_unknown_error_and_reveals_the_formula_later():
    def relu_candidate(x, h, W_ih, W_hh, b_ih, b_hh):
        x_r, x_z, x_n = (x @ W_ih.T + b_ih).chunk(3, dim=1)
        h_r, h_z, h_n = (h @ W_hh.T + b_hh).chunk(3, dim=1)
        r, z = torch.sigmoid(x_r + h_r), torch.sigmoid(x_z + h_z)
        n = torch.relu(x_n + r * h_n)  # tanh replaced
        return (1 - z) * n + z * h

    result = rejects(check.gru_cell_step, relu_candidate, "h_new with batch .* is wrong")
    assert "tanh(x_n + r * h_n)" not in result.message
    assert "tanh(x_n + r * h_n)" in result.reveal


def test_gru_cell_step_names_the_shape_and_the_type():
    rejects(
        check.gru_cell_step,
        lambda *args: gru_step()(*args).T,
        r"h_new .* has shape \(5, 3\), expected \(3, 5\)",
    )
    rejects(check.gru_cell_step, lambda *args: gru_step()(*args).tolist(), "should return a tensor")


def test_gru_cell_step_rejects_pytorchs_gru():
    def load(cell, W_ih, W_hh, b_ih, b_hh):
        with torch.no_grad():
            for p, w in zip(cell.parameters(), (W_ih, W_hh, b_ih, b_hh)):
                p.copy_(w)
        return cell

    def with_cell(x, h, W_ih, W_hh, b_ih, b_hh):
        cell = torch.nn.GRUCell(x.shape[1], h.shape[1], dtype=x.dtype)
        return load(cell, W_ih, W_hh, b_ih, b_hh)(x, h).detach()

    def kept_aside(x, h, W_ih, W_hh, b_ih, b_hh):
        cell = lib_gru_cell(x.shape[1], h.shape[1], dtype=x.dtype)
        return load(cell, W_ih, W_hh, b_ih, b_hh)(x, h).detach()

    def functional(x, h, W_ih, W_hh, b_ih, b_hh):
        return torch.gru_cell(x, h, W_ih, W_hh, b_ih, b_hh)

    def through_the_module(x, h, W_ih, W_hh, b_ih, b_hh):
        from torch.nn.modules import rnn

        cell = rnn.GRUCell(x.shape[1], h.shape[1], dtype=x.dtype)
        return load(cell, W_ih, W_hh, b_ih, b_hh)(x, h).detach()

    def whole_layer(x, h, W_ih, W_hh, b_ih, b_hh):
        layer = torch.nn.GRU(x.shape[1], h.shape[1], dtype=x.dtype)
        load(layer, W_ih, W_hh, b_ih, b_hh)
        return layer(x[None], h[None])[1][0].detach()

    for fn, shown in [
        (with_cell, "nn.GRUCell"),
        (kept_aside, "nn.GRUCell"),
        (functional, "torch.gru_cell"),
        (through_the_module, "torch._VF.gru_cell"),
        (whole_layer, "nn.GRU"),
    ]:
        rejects(check.gru_cell_step, fn, f"by hand.*{shown}", "forbidden-call")
    accepts(check.gru_cell_step, gru_step())  # the library is back once the check is over


# --------------------------------------------------------------------------- temperature
def test_softmax_with_temperature_accepts_torch_softmax():
    accepts(check.softmax_with_temperature, lambda z, t: torch.softmax(z / t, dim=-1))


def test_softmax_with_temperature_accepts_a_stable_hand_written_version():
    def by_hand(z, t):
        scaled = z / t
        e = torch.exp(scaled - scaled.max(dim=-1, keepdim=True).values)
        return e / e.sum(dim=-1, keepdim=True)

    accepts(check.softmax_with_temperature, by_hand)


def test_softmax_with_temperature_accepts_float64_probabilities():
    accepts(check.softmax_with_temperature, lambda z, t: torch.softmax(z.double() / t, dim=-1))


def test_softmax_with_temperature_names_multiplying_by_the_temperature():
    rejects(
        check.softmax_with_temperature,
        lambda z, t: torch.softmax(z * t, dim=-1),
        "multiplied the logits",
    )


def test_softmax_with_temperature_names_overflow():
    def naive(z, t):
        e = torch.exp(z / t)
        return e / e.sum(dim=-1, keepdim=True)

    rejects(check.softmax_with_temperature, naive, "overflowed")


def test_softmax_with_temperature_names_the_wrong_dimension():
    rejects(check.softmax_with_temperature, lambda z, t: torch.softmax(z / t, dim=0), "each column")


def test_softmax_with_temperature_names_an_ignored_temperature():
    rejects(
        check.softmax_with_temperature,
        lambda z, t: torch.softmax(z, dim=-1),
        "ignored the temperature",
    )


def test_softmax_with_temperature_names_the_shapes():
    rejects(
        check.softmax_with_temperature,
        lambda z, t: torch.softmax(z / t, dim=-1).flatten(),
        r"shape \(20,\) for logits of shape \(4, 5\)",
    )


def test_softmax_with_temperature_rejects_changing_the_logits():
    def in_place(z, t):
        z /= t
        return torch.softmax(z, dim=-1)

    rejects(check.softmax_with_temperature, in_place, "changed logits in place")


def test_softmax_with_temperature_rejects_unnormalised_output():
    result = rejects(
        check.softmax_with_temperature,
        lambda z, t: torch.exp(z / t - (z / t).max()),
        "is wrong.*add up to 1",
    )
    assert "logits / temperature" in result.reveal


def test_softmax_with_temperature_rejects_a_non_tensor():
    rejects(
        check.softmax_with_temperature,
        lambda z, t: torch.softmax(z / t, dim=-1).tolist(),
        "should return a tensor",
    )


# --------------------------------------------------------------------------- unigram entropy
def entropy(ids, vocab_size, log=torch.log):
    counts = torch.bincount(ids, minlength=vocab_size).double()
    p = counts[counts > 0] / counts.sum()
    return float(-(p * log(p)).sum())


def test_unigram_entropy_accepts_the_formula():
    accepts(check.unigram_entropy, entropy)


def test_unigram_entropy_accepts_a_tensor_result_of_any_float_dtype():
    accepts(check.unigram_entropy, lambda ids, v: torch.tensor(entropy(ids, v)))
    accepts(check.unigram_entropy, lambda ids, v: torch.tensor(entropy(ids, v)).double())
    accepts(check.unigram_entropy, lambda ids, v: np.float32(entropy(ids, v)))


def test_unigram_entropy_names_bits():
    rejects(check.unigram_entropy, lambda ids, v: entropy(ids, v, log=torch.log2), "bits")


def test_unigram_entropy_names_zero_counts_giving_nan():
    def with_zeros(ids, vocab_size):
        p = torch.bincount(ids, minlength=vocab_size).double() / len(ids)
        return float(-(p * p.log()).sum())

    rejects(check.unigram_entropy, with_zeros, "0 · log 0")


def test_unigram_entropy_names_a_wrong_sign():
    rejects(check.unigram_entropy, lambda ids, v: -entropy(ids, v), "wrong sign")


def test_unigram_entropy_names_uniform_guessing():
    rejects(check.unigram_entropy, lambda ids, v: math.log(v), "uniform")


def test_unigram_entropy_rejects_unnormalised_counts():
    def counts_not_probabilities(ids, vocab_size):
        counts = torch.bincount(ids, minlength=vocab_size).double()
        counts = counts[counts > 0]
        return float(-(counts * counts.log()).sum())

    result = rejects(check.unigram_entropy, counts_not_probabilities, "expected")
    assert "Σ p log p" in result.reveal


def test_unigram_entropy_rejects_changing_ids_and_non_numbers():
    def sorts_in_place(ids, vocab_size):
        ids[:] = ids.sort().values
        return entropy(ids, vocab_size)

    rejects(check.unigram_entropy, sorts_in_place, "in place")
    rejects(check.unigram_entropy, lambda ids, v: [1.0, 2.0], r"one number, got shape \(2,\)")


# --------------------------------------------------------------------------- clipping
def clip(grads, max_norm):
    total = torch.sqrt(sum(g.pow(2).sum() for g in grads))
    return [g * min(1.0, max_norm / float(total)) for g in grads]


def test_clip_by_total_norm_accepts_one_factor_for_all():
    accepts(check.clip_by_total_norm, clip)


def test_clip_by_total_norm_accepts_float32_tensors_and_in_place_scaling():
    accepts(check.clip_by_total_norm, lambda grads, m: [g.float() for g in clip(grads, m)])

    def in_place(grads, max_norm):
        factor = min(1.0, max_norm / float(torch.sqrt(sum(g.pow(2).sum() for g in grads))))
        for g in grads:
            g.mul_(factor)
        return grads

    accepts(check.clip_by_total_norm, in_place)


def test_clip_by_total_norm_names_clipping_each_tensor_alone():
    def each(grads, max_norm):
        return [g * min(1.0, max_norm / float(g.norm())) for g in grads]

    result = rejects(check.clip_by_total_norm, each, "each tensor on its own")
    assert "sqrt" not in result.message and "sqrt" in result.reveal


def test_clip_by_total_norm_names_clamping_entries():
    rejects(
        check.clip_by_total_norm,
        lambda grads, m: [g.clamp(-m, m) for g in grads],
        "clamped each entry",
    )


def test_clip_by_total_norm_names_stretching_small_gradients():
    def always(grads, max_norm):
        total = torch.sqrt(sum(g.pow(2).sum() for g in grads))
        return [g * max_norm / total for g in grads]

    rejects(check.clip_by_total_norm, always, "stretched anyway")


def test_clip_by_total_norm_rejects_a_wrong_factor_and_a_wrong_length():
    rejects(
        check.clip_by_total_norm, lambda grads, m: [g * 0.5 for g in grads], "clipped gradient 0"
    )
    rejects(check.clip_by_total_norm, lambda grads, m: clip(grads, m)[:1], "list of 2 tensors")


def test_clip_by_total_norm_names_the_shapes():
    rejects(
        check.clip_by_total_norm,
        lambda grads, m: [g.flatten() for g in clip(grads, m)],
        r"clipped gradient 0 .* has shape \(12,\), expected \(3, 4\)",
    )


def test_clip_by_total_norm_rejects_clip_grad_norm():
    def params_of(grads):
        params = [torch.zeros_like(g, requires_grad=True) for g in grads]
        for p, g in zip(params, grads):
            p.grad = g
        return params

    def direct(grads, max_norm):
        params = params_of(grads)
        torch.nn.utils.clip_grad_norm_(params, max_norm)
        return [p.grad for p in params]

    def kept_aside(grads, max_norm):
        params = params_of(grads)
        lib_clip(params, max_norm)
        return [p.grad for p in params]

    def deprecated(grads, max_norm):
        params = params_of(grads)
        torch.nn.utils.clip_grad_norm(params, max_norm)
        return [p.grad for p in params]

    def from_the_module(grads, max_norm):
        params = params_of(grads)
        torch.nn.utils.clip_grad.clip_grad_norm_(params, max_norm)
        return [p.grad for p in params]

    for fn in (direct, kept_aside, deprecated, from_the_module):
        rejects(check.clip_by_total_norm, fn, "by hand.*clip_grad_norm", "forbidden-call")
    accepts(check.clip_by_total_norm, clip)  # the library is back once the check is over


# --------------------------------------------------------------------------- all checks
@pytest.mark.parametrize("name", NAMES)
def test_every_check_says_when_the_exercise_is_not_written_without_stopping(name, capsys):
    getattr(check, name)(not_written)  # does not raise: Run All goes on
    assert "not written yet" in capsys.readouterr().out
    rejects(getattr(check, name), not_written, "not written yet", status="not-written")


def test_an_unwritten_helper_is_named():
    def helper(z):
        raise NotImplementedError

    rejects(
        check.softmax_with_temperature,
        lambda z, t: helper(z / t),
        "calls helper, which is not written yet",
        status="not-written",
    )


RIGHT = {
    "lstm_cell_step": lstm_step(),
    "gru_cell_step": gru_step(),
    "softmax_with_temperature": lambda z, t: torch.softmax(z / t, dim=-1),
    "unigram_entropy": entropy,
    "clip_by_total_norm": clip,
}
WRONG = {
    "lstm_cell_step": lstm_step(use_b_hh=False),
    "gru_cell_step": gru_step(keep="1-z"),
    "softmax_with_temperature": lambda z, t: torch.softmax(z * t, dim=-1),
    "unigram_entropy": lambda ids, v: -entropy(ids, v),
    "clip_by_total_norm": lambda grads, m: [g * 0.5 for g in grads],
}


@pytest.mark.parametrize("name", NAMES)
def test_a_check_leaves_the_global_random_state_alone(name):
    torch.manual_seed(1234)
    np.random.seed(1234)
    torch_before, numpy_before = torch.random.get_rng_state(), np.random.get_state()
    for fn in (RIGHT[name], WRONG[name]):
        verdict(getattr(check, name), fn)
        assert torch.equal(torch.random.get_rng_state(), torch_before)
        numpy_after = np.random.get_state()
        assert numpy_after[0] == numpy_before[0] and np.array_equal(numpy_after[1], numpy_before[1])
        assert numpy_after[2:] == numpy_before[2:]


@pytest.mark.parametrize("name", NAMES)
def test_checks_are_deterministic(name):
    exercise = getattr(check, name)
    assert draw(exercise, 5) == draw(exercise, 5)
    for fn in (RIGHT[name], WRONG[name]):
        first, second = verdict(exercise, fn, seed=5), verdict(exercise, fn, seed=5)
        assert (first.status, first.message) == (second.status, second.message)
    accepts(exercise, RIGHT[name], seed=5)
