"""The checks of lecture 06 accept correct answers and reject the typical wrong ones."""

from __future__ import annotations

import math

import pytest
import torch
from conftest import not_written

from course_utils.checks import lecture06 as check


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
    check.lstm_cell_step(lstm_step())
    assert capsys.readouterr().out.startswith("✓ lstm_cell_step")


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
    with pytest.raises(AssertionError, match=message):
        check.lstm_cell_step(lstm_step(**mistake))


def test_lstm_cell_step_rejects_an_unknown_error_with_a_hint():
    def forget_nothing(x, h, c, W_ih, W_hh, b_ih, b_hh):
        gates = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh
        i, f, g, o = gates.chunk(4, dim=1)
        c_new = c + torch.sigmoid(i) * torch.tanh(g)  # the forget gate left out
        return torch.sigmoid(o) * torch.tanh(c_new), c_new

    with pytest.raises(AssertionError, match="c_new with batch .* is wrong.*f \\* c"):
        check.lstm_cell_step(forget_nothing)


def test_lstm_cell_step_needs_a_pair():
    with pytest.raises(AssertionError, match="pair"):
        check.lstm_cell_step(lambda *args: lstm_step()(*args)[0])


# --------------------------------------------------------------------------- temperature
def test_softmax_with_temperature_accepts_torch_softmax():
    check.softmax_with_temperature(lambda z, t: torch.softmax(z / t, dim=-1))


def test_softmax_with_temperature_accepts_a_stable_hand_written_version():
    def by_hand(z, t):
        scaled = z / t
        e = torch.exp(scaled - scaled.max(dim=-1, keepdim=True).values)
        return e / e.sum(dim=-1, keepdim=True)

    check.softmax_with_temperature(by_hand)


def test_softmax_with_temperature_names_multiplying_by_the_temperature():
    with pytest.raises(AssertionError, match="multiplied the logits"):
        check.softmax_with_temperature(lambda z, t: torch.softmax(z * t, dim=-1))


def test_softmax_with_temperature_names_overflow():
    def naive(z, t):
        e = torch.exp(z / t)
        return e / e.sum(dim=-1, keepdim=True)

    with pytest.raises(AssertionError, match="overflowed"):
        check.softmax_with_temperature(naive)


def test_softmax_with_temperature_names_the_wrong_dimension():
    with pytest.raises(AssertionError, match="each column"):
        check.softmax_with_temperature(lambda z, t: torch.softmax(z / t, dim=0))


def test_softmax_with_temperature_names_an_ignored_temperature():
    with pytest.raises(AssertionError, match="ignored the temperature"):
        check.softmax_with_temperature(lambda z, t: torch.softmax(z, dim=-1))


def test_softmax_with_temperature_rejects_changing_the_logits():
    def in_place(z, t):
        z /= t
        return torch.softmax(z, dim=-1)

    with pytest.raises(AssertionError, match="in place"):
        check.softmax_with_temperature(in_place)


def test_softmax_with_temperature_rejects_unnormalised_output():
    with pytest.raises(AssertionError, match="is wrong"):
        check.softmax_with_temperature(lambda z, t: torch.exp(z / t - (z / t).max()))


def test_softmax_with_temperature_rejects_a_non_tensor():
    with pytest.raises(AssertionError, match="should return a tensor"):
        check.softmax_with_temperature(lambda z, t: torch.softmax(z / t, dim=-1).tolist())


# --------------------------------------------------------------------------- unigram entropy
def entropy(ids, vocab_size, log=torch.log):
    counts = torch.bincount(ids, minlength=vocab_size).double()
    p = counts[counts > 0] / counts.sum()
    return float(-(p * log(p)).sum())


def test_unigram_entropy_accepts_the_formula():
    check.unigram_entropy(entropy)


def test_unigram_entropy_accepts_a_tensor_result():
    check.unigram_entropy(lambda ids, v: torch.tensor(entropy(ids, v)))


def test_unigram_entropy_names_bits():
    with pytest.raises(AssertionError, match="bits"):
        check.unigram_entropy(lambda ids, v: entropy(ids, v, log=torch.log2))


def test_unigram_entropy_names_zero_counts_giving_nan():
    def with_zeros(ids, vocab_size):
        p = torch.bincount(ids, minlength=vocab_size).double() / len(ids)
        return float(-(p * p.log()).sum())

    with pytest.raises(AssertionError, match="0 · log 0"):
        check.unigram_entropy(with_zeros)


def test_unigram_entropy_names_a_wrong_sign():
    with pytest.raises(AssertionError, match="wrong sign"):
        check.unigram_entropy(lambda ids, v: -entropy(ids, v))


def test_unigram_entropy_names_uniform_guessing():
    with pytest.raises(AssertionError, match="uniform"):
        check.unigram_entropy(lambda ids, v: math.log(v))


def test_unigram_entropy_rejects_unnormalised_counts():
    def counts_not_probabilities(ids, vocab_size):
        counts = torch.bincount(ids, minlength=vocab_size).double()
        counts = counts[counts > 0]
        return float(-(counts * counts.log()).sum())

    with pytest.raises(AssertionError, match="expected"):
        check.unigram_entropy(counts_not_probabilities)


def test_unigram_entropy_rejects_changing_ids_and_non_numbers():
    def sorts_in_place(ids, vocab_size):
        ids[:] = ids.sort().values
        return entropy(ids, vocab_size)

    with pytest.raises(AssertionError, match="in place"):
        check.unigram_entropy(sorts_in_place)
    with pytest.raises(AssertionError, match="one number"):
        check.unigram_entropy(lambda ids, v: [1.0, 2.0])


# --------------------------------------------------------------------------- clipping
def clip(grads, max_norm):
    total = torch.sqrt(sum(g.pow(2).sum() for g in grads))
    return [g * min(1.0, max_norm / float(total)) for g in grads]


def test_clip_by_total_norm_accepts_one_factor_for_all():
    check.clip_by_total_norm(clip)


def test_clip_by_total_norm_names_clipping_each_tensor_alone():
    def each(grads, max_norm):
        return [g * min(1.0, max_norm / float(g.norm())) for g in grads]

    with pytest.raises(AssertionError, match="each tensor on its own"):
        check.clip_by_total_norm(each)


def test_clip_by_total_norm_names_clamping_entries():
    with pytest.raises(AssertionError, match="clamped each entry"):
        check.clip_by_total_norm(lambda grads, m: [g.clamp(-m, m) for g in grads])


def test_clip_by_total_norm_names_stretching_small_gradients():
    def always(grads, max_norm):
        total = torch.sqrt(sum(g.pow(2).sum() for g in grads))
        return [g * max_norm / total for g in grads]

    with pytest.raises(AssertionError, match="stretched anyway"):
        check.clip_by_total_norm(always)


def test_clip_by_total_norm_rejects_a_wrong_factor_and_a_wrong_length():
    with pytest.raises(AssertionError, match="clipped gradient 0"):
        check.clip_by_total_norm(lambda grads, m: [g * 0.5 for g in grads])
    with pytest.raises(AssertionError, match="list of"):
        check.clip_by_total_norm(lambda grads, m: clip(grads, m)[:1])


# --------------------------------------------------------------------------- all checks
@pytest.mark.parametrize(
    "name", ["lstm_cell_step", "softmax_with_temperature", "unigram_entropy", "clip_by_total_norm"]
)
def test_every_check_says_when_the_exercise_isnot_written(name):
    with pytest.raises(AssertionError, match="not written yet"):
        getattr(check, name)(not_written)
