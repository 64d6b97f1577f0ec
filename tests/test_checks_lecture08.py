"""The checks of lecture 08 accept correct answers and reject the typical wrong ones."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from conftest import accepts, not_written, rejects

from course_utils.checks import draw, verdict
from course_utils.checks import lecture08 as check

#: Library functions kept aside before a check runs, as a student might.
lib_sdpa = F.scaled_dot_product_attention

NAMES = ["causal_attention", "shift_matrix", "pre_norm_block"]


# --------------------------------------------------------------------------- causal attention
def attend(scale="sqrt", after=False, dim=-1, offset=True, transpose=True, masked=True):
    """Causal attention of the last n of m positions, with one of the usual mistakes switched on."""

    def fn(q, k, v):
        n, m, d = q.shape[-2], k.shape[-2], q.shape[-1]
        scores = q @ (k.transpose(-2, -1) if transpose else k)
        scores = scores / {"sqrt": math.sqrt(d), "d": d, "none": 1.0}[scale]
        allowed = torch.ones(n, m, dtype=torch.bool).tril(diagonal=m - n if offset else 0)
        if not masked:
            allowed = torch.ones(n, m, dtype=torch.bool)
        if after:
            return (torch.softmax(scores, dim=dim) * allowed) @ v
        return torch.softmax(scores.masked_fill(~allowed, float("-inf")), dim=dim) @ v

    return fn


def test_causal_attention_accepts_the_formula(capsys):
    accepts(check.causal_attention, attend())
    check.causal_attention(attend())
    assert capsys.readouterr().out.startswith("✓ causal_attention")


def test_causal_attention_accepts_float32_and_a_large_negative_number_for_minus_infinity():
    accepts(check.causal_attention, lambda q, k, v: attend()(q.float(), k.float(), v.float()))

    def with_a_big_negative(q, k, v):
        n, m = q.shape[-2], k.shape[-2]
        scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
        allowed = torch.ones(n, m, dtype=torch.bool).tril(diagonal=m - n)
        return torch.softmax(scores.masked_fill(~allowed, -1e9), dim=-1) @ v

    accepts(check.causal_attention, with_a_big_negative)


@pytest.mark.parametrize(
    ("mistake", "message"),
    [
        ({"scale": "none"}, "did not scale the scores"),
        ({"scale": "d"}, "divided the scores by d"),
        ({"after": True}, "mask after the softmax"),
        ({"dim": -2}, "softmax over the queries"),
        ({"offset": False}, "LAST n of the m positions"),
        ({"masked": False}, "every query see every key"),
        ({"transpose": False}, "multiplied q by k, not by its transpose"),
    ],
)
def test_causal_attention_names_the_typical_mistakes(mistake, message):
    result = rejects(check.causal_attention, attend(**mistake), message)
    assert "tril(diagonal=m - n)" not in result.message


def test_causal_attention_reveals_the_formula_only_in_the_hint():
    result = rejects(check.causal_attention, attend(scale="none"), "did not scale")
    assert "softmax(dim=-1)" in result.reveal


def test_causal_attention_rejects_an_unknown_error_and_a_wrong_shape():
    rejects(check.causal_attention, lambda q, k, v: attend()(q, k, v) * 1.1, "is wrong")
    rejects(check.causal_attention, lambda q, k, v: attend()(q, k, v)[:, -1], "has shape")
    rejects(check.causal_attention, lambda q, k, v: attend()(q, k, v).tolist(), "should return a tensor")


def test_causal_attention_rejects_the_library():
    def mask(q, k):
        n, m = q.shape[-2], k.shape[-2]
        return torch.ones(n, m, dtype=torch.bool).tril(diagonal=m - n)

    def direct(q, k, v):
        return F.scaled_dot_product_attention(q, k, v, attn_mask=mask(q, k))

    def kept_aside(q, k, v):
        return lib_sdpa(q, k, v, attn_mask=mask(q, k))

    def module(q, k, v):
        mha = torch.nn.MultiheadAttention(q.shape[-1], 1, batch_first=True, dtype=q.dtype)
        return mha(q, k, v, attn_mask=~mask(q, k))[0]

    for fn, shown in [(direct, "F.scaled_dot_product_attention"),
                      (kept_aside, "F.scaled_dot_product_attention"),
                      (module, "nn.MultiheadAttention")]:
        rejects(check.causal_attention, fn, f"by hand.*{shown}", "forbidden-call")
    accepts(check.causal_attention, attend())  # the library is back once the check is over


# --------------------------------------------------------------------------- shift matrix
def encodings(n_positions, d_model):
    p = torch.arange(n_positions, dtype=torch.float64)[:, None]
    omega = 10000 ** (-torch.arange(0, d_model, 2, dtype=torch.float64) / d_model)
    table = torch.zeros(n_positions, d_model, dtype=torch.float64)
    table[:, 0::2], table[:, 1::2] = torch.sin(p * omega), torch.cos(p * omega)
    return table


def rotation(sign=1.0, exponent=2.0, fixed_k=None):
    def fn(k, d_model):
        k = fixed_k if fixed_k is not None else k
        M = torch.zeros(d_model, d_model, dtype=torch.float64)
        for i in range(d_model // 2):
            angle = sign * k * 10000 ** (-exponent * i / d_model)
            M[2 * i, 2 * i] = M[2 * i + 1, 2 * i + 1] = math.cos(angle)
            M[2 * i + 1, 2 * i], M[2 * i, 2 * i + 1] = math.sin(angle), -math.sin(angle)
        return M

    return fn


def test_shift_matrix_right_answer_shifts_the_encodings():
    table = encodings(50, 8)
    assert torch.allclose(table[7:], table[:-7] @ rotation()(7, 8), atol=1e-9)


def test_shift_matrix_accepts_the_rotation_in_float32():
    accepts(check.shift_matrix, rotation())
    accepts(check.shift_matrix, lambda k, d: rotation()(k, d).float())


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        (rotation(sign=-1.0), "rotates backwards"),
        (rotation(exponent=1.0), r"10000\^\(-i/d\)"),
        (rotation(fixed_k=1), "shifts by one position"),
        (lambda k, d: torch.eye(d), "identity"),
    ],
)
def test_shift_matrix_names_the_typical_mistakes(wrong, message):
    result = rejects(check.shift_matrix, wrong, message)
    assert "sin a" in result.reveal


def test_shift_matrix_rejects_a_wrong_shape_and_a_non_tensor():
    rejects(check.shift_matrix, lambda k, d: rotation()(k, d)[:, :-1], "has shape")
    rejects(check.shift_matrix, lambda k, d: rotation()(k, d).numpy(), "should return a tensor")
    rejects(check.shift_matrix, lambda k, d: rotation()(k, d) * 2, "is wrong")


# --------------------------------------------------------------------------- pre-norm block
def block(kind="right"):
    def fn(x, norm1, attention, norm2, mlp):
        if kind == "right":
            h = x + attention(norm1(x))
            return h + mlp(norm2(h))
        if kind == "post_norm":
            h = norm1(x + attention(x))
            return norm2(h + mlp(h))
        if kind == "normed_residual":
            h = norm1(x)
            h = h + attention(h)
            return h + mlp(norm2(h))
        if kind == "parallel":
            return x + attention(norm1(x)) + mlp(norm2(x))
        if kind == "no_residual":
            return mlp(norm2(attention(norm1(x))))
        if kind == "swapped":
            h = x + attention(norm2(x))
            return h + mlp(norm1(h))
        raise ValueError(kind)

    return fn


def test_pre_norm_block_accepts_the_block(capsys):
    accepts(check.pre_norm_block, block())
    check.pre_norm_block(block())
    assert capsys.readouterr().out.startswith("✓ pre_norm_block")


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("post_norm", "post-norm"),
        ("normed_residual", "carry x itself"),
        ("parallel", "feeds the original x to the MLP"),
        ("no_residual", "no residual connections"),
        ("swapped", "swapped the norms"),
    ],
)
def test_pre_norm_block_names_the_typical_mistakes(kind, message):
    result = rejects(check.pre_norm_block, block(kind), message)
    assert "norm2(h)" in result.reveal


def test_pre_norm_block_rejects_an_unknown_error_and_a_wrong_shape():
    rejects(check.pre_norm_block, lambda x, *parts: block()(x, *parts) + 1, "is wrong")
    rejects(check.pre_norm_block, lambda x, *parts: block()(x, *parts)[:, -1], "has shape")


# --------------------------------------------------------------------------- all checks
@pytest.mark.parametrize("name", NAMES)
def test_every_check_says_when_the_exercise_is_not_written_without_stopping(name, capsys):
    getattr(check, name)(not_written)  # does not raise: Run All goes on
    assert "not written yet" in capsys.readouterr().out
    rejects(getattr(check, name), not_written, "not written yet", status="not-written")


RIGHT = {"causal_attention": attend(), "shift_matrix": rotation(), "pre_norm_block": block()}
WRONG = {
    "causal_attention": attend(after=True),
    "shift_matrix": rotation(sign=-1.0),
    "pre_norm_block": block("post_norm"),
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


@pytest.mark.parametrize("name", NAMES)
def test_checks_are_deterministic(name):
    exercise = getattr(check, name)
    assert draw(exercise, 5) == draw(exercise, 5)
    for fn in (RIGHT[name], WRONG[name]):
        first, second = verdict(exercise, fn, seed=5), verdict(exercise, fn, seed=5)
        assert (first.status, first.message) == (second.status, second.message)
    accepts(exercise, RIGHT[name], seed=5)
