"""Checks for lecture 08: attention and transformers."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from ._core import (
    Exercise,
    Forbidden,
    close,
    expect_close,
    expect_shape,
    expect_tensor,
    fail,
    generator,
)

__all__ = ["causal_attention", "pre_norm_block", "shift_matrix"]


# --------------------------------------------------------------------------- causal_attention
#: Attention by hand means without PyTorch's fused attention or its multi-head module.
ATTENTION_LIBRARY = (
    Forbidden("torch.nn.functional.scaled_dot_product_attention", "F.scaled_dot_product_attention"),
    Forbidden("torch._C._nn.scaled_dot_product_attention", "F.scaled_dot_product_attention"),
    Forbidden("torch.nn.MultiheadAttention", "nn.MultiheadAttention"),
    Forbidden("torch.nn.functional.multi_head_attention_forward", "F.multi_head_attention_forward"),
)


def _attention_cases(rng):
    gen = generator(rng)
    cases = []
    # (batch, queries n, keys m, d, d_v): n = m is training; n < m is generation after a cache;
    # the first case has d = m, where forgetting to transpose the keys runs and gives wrong numbers
    for batch, n, m, d, d_v in [(2, 5, 5, 5, 4), (2, 4, 4, 8, 3), (1, 3, 7, 4, 5), (3, 1, 6, 2, 2),
                                (1, 6, 9, 3, 1)]:
        cases.append({
            "q": 2 * torch.randn(batch, n, d, generator=gen, dtype=torch.float64),
            "k": 2 * torch.randn(batch, m, d, generator=gen, dtype=torch.float64),
            "v": torch.randn(batch, m, d_v, generator=gen, dtype=torch.float64),
        })
    return cases


def _allowed(n, m):
    """Query i sits at position m - n + i and may look at keys 0 .. m - n + i."""
    return torch.ones(n, m, dtype=torch.bool).tril(diagonal=m - n)


def _attend(scores, v, mask, *, after=False, dim=-1):
    if after:  # softmax first, then zero the forbidden weights (without renormalising)
        return (torch.softmax(scores, dim=dim) * mask) @ v
    return torch.softmax(scores.masked_fill(~mask, float("-inf")), dim=dim) @ v


def _attention_reference(case):
    q, k, v = case["q"], case["k"], case["v"]
    n, m, d = q.shape[1], k.shape[1], q.shape[2]
    mask = _allowed(n, m)
    scores = q @ k.transpose(-2, -1)
    wrong = {
        "no_scale": _attend(scores, v, mask),
        "scale_d": _attend(scores / d, v, mask),
        "after_softmax": _attend(scores / math.sqrt(d), v, mask, after=True),
        "wrong_axis": _attend(scores / math.sqrt(d), v, mask, dim=-2),
        "no_offset": _attend(scores / math.sqrt(d), v, torch.ones(n, m, dtype=torch.bool).tril()),
        "no_mask": _attend(scores / math.sqrt(d), v, torch.ones(n, m, dtype=torch.bool)),
    }
    if d == m:  # q @ k without the transpose runs only when d = m
        wrong["transposed_key"] = _attend(q @ k / math.sqrt(d), v, mask)
    right = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
    return {"right": right, **{key: value for key, value in wrong.items() if not close(value, right)}}


_ATTENTION_MESSAGES = {
    "no_scale": "causal_attention did not scale the scores; divide q·k by √d (d = the size of a key)",
    "scale_d": "causal_attention divided the scores by d; the scaling is √d, which keeps their variance at 1",
    "after_softmax": (
        "causal_attention applied the mask after the softmax, so the weights of a row no longer add up "
        "to 1; set the forbidden scores to -inf before the softmax"
    ),
    "wrong_axis": (
        "causal_attention took the softmax over the queries; each query's weights are a distribution "
        "over the keys (the last dimension of the scores)"
    ),
    "no_offset": (
        "causal_attention lets query i see keys 0..i, but the queries are the LAST n of the m positions: "
        "query i sits at position m - n + i (look at tril's `diagonal` argument)"
    ),
    "no_mask": "causal_attention lets every query see every key; the future must be masked",
    "transposed_key": "causal_attention multiplied q by k, not by its transpose; the scores are q kᵀ",
}

_ATTENTION_FORMULA = (
    "scores = q @ k.transpose(-2, -1) / sqrt(d), masked_fill(~mask, -inf) with "
    "mask = ones(n, m).tril(diagonal=m - n), then softmax(dim=-1) @ v"
)


def _diagnose_attention(case, got, expected):
    expect_tensor(got, "causal_attention")
    right = expected["right"]
    expect_shape(got, right.shape, "causal_attention's output", "one row of size d_v per query")
    if close(got, right):
        return
    for mistake, message in _ATTENTION_MESSAGES.items():
        if mistake in expected and close(got, expected[mistake]):
            fail(message, reveal=_ATTENTION_FORMULA)
    n, m = case["q"].shape[1], case["k"].shape[1]
    expect_close(got, right, what=f"causal_attention with {n} queries and {m} keys",
                 hint="each output is a weighted average of the values of the keys its query may see",
                 reveal=_ATTENTION_FORMULA)


causal_attention = Exercise(
    name="causal_attention",
    cases=_attention_cases,
    call=lambda fn, case: fn(case["q"], case["k"], case["v"]),
    reference=_attention_reference,
    diagnose=_diagnose_attention,
    forbidden=ATTENTION_LIBRARY,
    seed=808,
    doc="""Check ``causal_attention(q, k, v)``: masked scaled dot-product attention by hand.

    The n queries are the last n of the m positions, so query i may see keys
    0 .. m - n + i. Compared with ``F.scaled_dot_product_attention`` in float64; a
    missing or wrong scaling, the mask after the softmax, the softmax over the
    wrong axis, a mask without the offset, no mask and untransposed keys each get
    their own message. PyTorch's attention functions may not be used.""",
)


# --------------------------------------------------------------------------- shift_matrix
def _shift_cases(rng):
    picks = [(1, 8), (3, 6), (int(rng.integers(4, 9)), 16), (0, 4), (int(rng.integers(10, 30)), 10)]
    return [{"k": k, "d_model": d} for k, d in picks]


def _rotation_blocks(k, d_model, exponent=2.0, sign=1.0):
    """Block-diagonal M with encodings[p + k] = encodings[p] @ M (sign=-1: a shift by -k)."""
    i = torch.arange(d_model // 2, dtype=torch.float64)
    angle = sign * k * 10000.0 ** (-exponent * i / d_model)
    M = torch.zeros(d_model, d_model, dtype=torch.float64)
    M[0::2, 0::2] = torch.diag(torch.cos(angle))
    M[1::2, 1::2] = torch.diag(torch.cos(angle))
    M[1::2, 0::2] = torch.diag(torch.sin(angle))  # the sin of row 2i+1 ... feeds column 2i
    M[0::2, 1::2] = torch.diag(-torch.sin(angle))
    return M


def _shift_reference(case):
    k, d = case["k"], case["d_model"]
    return {
        "right": _rotation_blocks(k, d),
        "backwards": _rotation_blocks(k, d, sign=-1.0),
        "exponent": _rotation_blocks(k, d, exponent=1.0),
        "one_step": _rotation_blocks(1, d),
    }


_SHIFT_FORMULA = (
    "for each pair (2i, 2i+1) with angle a = k·ω_i: M[2i, 2i] = M[2i+1, 2i+1] = cos a, "
    "M[2i+1, 2i] = sin a, M[2i, 2i+1] = -sin a"
)


def _diagnose_shift(case, got, expected):
    expect_tensor(got, "shift_matrix")
    k, d = case["k"], case["d_model"]
    expect_shape(got, (d, d), "shift_matrix", "M multiplies an encoding row: encodings[p] @ M")
    if close(got, expected["right"]):
        return
    if k != 0 and close(got, expected["backwards"]):
        fail("shift_matrix rotates backwards: encodings[p] @ M gives position p - k; the sines sit "
             "on the wrong side of the diagonal (a row vector times M, not M times a column)",
             reveal=_SHIFT_FORMULA)
    if k != 0 and close(got, expected["exponent"]):
        fail("shift_matrix uses the frequencies 10000^(-i/d); section 2 uses ω_i = 10000^(-2i/d)",
             reveal=_SHIFT_FORMULA)
    if k not in (0, 1) and close(got, expected["one_step"]):
        fail(f"shift_matrix shifts by one position, not by k = {k}; the angle is k·ω_i",
             reveal=_SHIFT_FORMULA)
    if close(got, torch.eye(d, dtype=torch.float64)):
        fail(f"shift_matrix returned the identity for k = {k}; a shift turns each pair of columns",
             reveal=_SHIFT_FORMULA)
    expect_close(got, expected["right"], what=f"shift_matrix for k = {k}, d_model = {d}",
                 hint="sin(a + b) = sin a cos b + cos a sin b and cos(a + b) = cos a cos b - sin a sin b",
                 reveal=_SHIFT_FORMULA)


shift_matrix = Exercise(
    name="shift_matrix",
    cases=_shift_cases,
    call=lambda fn, case: fn(case["k"], case["d_model"]),
    reference=_shift_reference,
    diagnose=_diagnose_shift,
    seed=88,
    doc="""Check ``shift_matrix(k, d_model)``: M with encodings[p + k] = encodings[p] @ M.

    The sinusoidal encodings of section 2 (sin in even columns, cos in odd ones,
    ω_i = 10000^(-2i/d)). A rotation the wrong way, the wrong frequencies, a shift
    by one instead of k and the identity each get their own message.""",
)


# --------------------------------------------------------------------------- pre_norm_block
def _block_cases(rng):
    gen = generator(rng)
    return [
        {"x": torch.randn(batch, T, d, generator=gen, dtype=torch.float64),
         "seed": int(rng.integers(2**31))}
        for batch, T, d in [(2, 5, 8), (1, 7, 4), (3, 3, 12)]
    ]


def _block_parts(case):
    """The sub-layers the student's block receives, built from the case's seed by trusted code."""
    d, T = case["x"].shape[2], case["x"].shape[1]
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(case["seed"])
        norm1, norm2 = (torch.nn.LayerNorm(d, dtype=torch.float64) for _ in range(2))
        for norm in (norm1, norm2):  # not the default 1 and 0, so that swapping them shows
            torch.nn.init.normal_(norm.weight, 1.0, 0.5)
            torch.nn.init.normal_(norm.bias, 0.0, 0.5)
        mha = torch.nn.MultiheadAttention(d, 2, batch_first=True, dtype=torch.float64)
        mlp = torch.nn.Sequential(torch.nn.Linear(d, 4 * d, dtype=torch.float64), torch.nn.GELU(),
                                  torch.nn.Linear(4 * d, d, dtype=torch.float64))
    future = torch.ones(T, T, dtype=torch.bool).triu(diagonal=1)

    def attention(h):
        return mha(h, h, h, attn_mask=future, need_weights=False)[0]

    return norm1, attention, norm2, mlp


def _call_block(fn, case):
    with torch.no_grad():
        return fn(case["x"].clone(), *_block_parts(case))


def _block_reference(case):
    x = case["x"]
    norm1, attention, norm2, mlp = _block_parts(case)
    with torch.no_grad():
        h = x + attention(norm1(x))
        right = h + mlp(norm2(h))
        post = norm1(x + attention(x))
        post = norm2(post + mlp(post))
        n1 = norm1(x)
        normed = n1 + attention(n1)
        normed = normed + mlp(norm2(normed))
        parallel = x + attention(norm1(x)) + mlp(norm2(x))
        no_residual = mlp(norm2(attention(norm1(x))))
        swapped = x + attention(norm2(x))
        swapped = swapped + mlp(norm1(swapped))
    return {"right": right, "post_norm": post, "normed_residual": normed, "parallel": parallel,
            "no_residual": no_residual, "swapped": swapped}


_BLOCK_MESSAGES = {
    "post_norm": ("pre_norm_block normalises after adding (post-norm, as in the 2017 paper); in a "
                  "pre-norm block the LayerNorm goes inside the branch: x + attention(norm1(x))"),
    "normed_residual": ("pre_norm_block adds the branch to the normalised x; the residual path must "
                        "carry x itself, untouched: x + attention(norm1(x))"),
    "parallel": ("pre_norm_block feeds the original x to the MLP; the MLP reads the output of the "
                 "attention step (h = x + attention(norm1(x)), then h + mlp(norm2(h)))"),
    "no_residual": "pre_norm_block has no residual connections; add each branch to its input",
    "swapped": "pre_norm_block swapped the norms: norm1 belongs to the attention, norm2 to the MLP",
}


def _diagnose_block(case, got, expected):
    expect_tensor(got, "pre_norm_block")
    expect_shape(got, case["x"].shape, "pre_norm_block's output", "a block keeps the shape of x")
    if close(got, expected["right"]):
        return
    for mistake, message in _BLOCK_MESSAGES.items():
        if close(got, expected[mistake]):
            fail(message, reveal="h = x + attention(norm1(x)); return h + mlp(norm2(h))")
    expect_close(got, expected["right"], what=f"pre_norm_block on x of shape {tuple(case['x'].shape)}",
                 hint="two residual steps, each adding a branch that starts with its LayerNorm",
                 reveal="h = x + attention(norm1(x)); return h + mlp(norm2(h))")


pre_norm_block = Exercise(
    name="pre_norm_block",
    cases=_block_cases,
    call=_call_block,
    reference=_block_reference,
    diagnose=_diagnose_block,
    seed=8,
    doc="""Check ``pre_norm_block(x, norm1, attention, norm2, mlp)``: one pre-norm block.

    The sub-layers are real modules (LayerNorms with random scales, a causal
    ``nn.MultiheadAttention``, a GELU MLP) built from the case's seed. Post-norm,
    a residual that carries the normalised x, the MLP reading the original x, no
    residuals and swapped norms each get their own message.""",
)
