"""Checks for lecture 06: recurrent neural networks."""

from __future__ import annotations

import math

import torch

from ._core import (
    Exercise,
    Forbidden,
    as_number,
    close,
    expect_close,
    expect_tensor,
    fail,
    generator,
)

__all__ = [
    "clip_by_total_norm",
    "gru_cell_step",
    "lstm_cell_step",
    "softmax_with_temperature",
    "unigram_entropy",
]


# --------------------------------------------------------------------------- lstm_cell_step
#: The arguments of lstm_cell_step, in order; a case holds one tensor for each.
LSTM_ARGUMENTS = ("x", "h", "c", "W_ih", "W_hh", "b_ih", "b_hh")

#: An LSTM step by hand means without PyTorch's LSTM (nn.LSTMCell runs torch._VF.lstm_cell).
LSTM_LIBRARY = (
    Forbidden("torch.nn.LSTMCell", "nn.LSTMCell"),
    Forbidden("torch.nn.LSTM", "nn.LSTM"),
    Forbidden("torch.lstm_cell", "torch.lstm_cell"),
    Forbidden("torch._VF.lstm_cell", "PyTorch's LSTM cell (torch._VF.lstm_cell)"),
)


def _cell_cases(rng, gates: int, cell_state: bool):
    """Inputs and weights of one recurrent-cell step (``gates`` stacked gates), four sizes."""
    gen = generator(rng)
    cases = []
    for batch, n_in, n_hidden in [(3, 4, 5), (1, 2, 3), (5, 7, 2), (2, 1, 6)]:
        # Weights of size 1 rather than PyTorch's small default, so that every mistake shows.
        shapes = {
            "x": (batch, n_in),
            "h": (batch, n_hidden),
            **({"c": (batch, n_hidden)} if cell_state else {}),
            "W_ih": (gates * n_hidden, n_in),
            "W_hh": (gates * n_hidden, n_hidden),
            "b_ih": (gates * n_hidden,),
            "b_hh": (gates * n_hidden,),
        }
        cases.append(
            {k: torch.randn(s, generator=gen, dtype=torch.float64) for k, s in shapes.items()}
        )
    return cases


def _lstm_cases(rng):
    return _cell_cases(rng, 4, cell_state=True)


def _lstm_step(case, order="ifgo", use_b_hh=True, g_act=torch.tanh, tanh_c=True):
    """An LSTM step with one of the usual mistakes switched on."""
    x, h, c, W_ih, W_hh, b_ih, b_hh = (case[k] for k in LSTM_ARGUMENTS)
    gates = x @ W_ih.T + b_ih + h @ W_hh.T + (b_hh if use_b_hh else 0)
    chunks = dict(zip(order, gates.chunk(4, dim=1)))
    i, f, o = (torch.sigmoid(chunks[k]) for k in "ifo")
    c_new = f * c + i * g_act(chunks["g"])
    return [o * torch.tanh(c_new) if tanh_c else o * c_new, c_new]


def _lstm_reference(case):
    """nn.LSTMCell with the case's weights, and the usual wrong steps, keyed by what went wrong."""
    n_hidden, n_in = case["h"].shape[1], case["x"].shape[1]
    with torch.random.fork_rng(devices=[]), torch.no_grad():  # its initialisation draws numbers
        cell = torch.nn.LSTMCell(n_in, n_hidden, dtype=torch.float64)
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            getattr(cell, name).copy_(case[name.replace("weight", "W").replace("bias", "b")])
        h_new, c_new = cell(case["x"], (case["h"], case["c"]))
    return {
        "right": [h_new, c_new],
        "order": _lstm_step(case, order="ifog"),
        "order_tf": _lstm_step(case, order="igfo"),
        "no_b_hh": _lstm_step(case, use_b_hh=False),
        "sigmoid_g": _lstm_step(case, g_act=torch.sigmoid),
        "no_tanh_c": _lstm_step(case, tanh_c=False),
    }


_LSTM_MESSAGES = {
    "order": (
        "lstm_cell_step reads the gates in the wrong order; PyTorch stacks the 4·H rows as "
        "input i, forget f, cell candidate g, output o"
    ),
    "order_tf": (
        "lstm_cell_step reads the gates in the wrong order (that is TensorFlow's i, g, f, o); "
        "PyTorch's order is i, f, g, o"
    ),
    "no_b_hh": "lstm_cell_step forgot b_hh; PyTorch adds both biases, b_ih and b_hh",
    "sigmoid_g": (
        "lstm_cell_step squashes the candidate g with a sigmoid; g uses tanh (values in (-1, 1)), "
        "only the three gates i, f, o use the sigmoid"
    ),
    "no_tanh_c": "lstm_cell_step returns h = o * c; the new hidden state is o * tanh(c_new)",
}

_LSTM_FORMULA = (
    "i, f, g, o = gates.chunk(4, dim=1); c_new = sigmoid(f) * c + sigmoid(i) * tanh(g) and "
    "h_new = sigmoid(o) * tanh(c_new)"
)


def _diagnose_lstm(case, got, expected):
    if not isinstance(got, list) or len(got) != 2:
        fail("lstm_cell_step should return a pair (h_new, c_new)")
    h_ref, c_ref = expected["right"]
    if close(got[0], h_ref) and close(got[1], c_ref):
        return
    if close(got[0], c_ref) and close(got[1], h_ref):
        fail(
            "lstm_cell_step returned (c_new, h_new); return the hidden state first: (h_new, c_new)"
        )
    for mistake, (h_bad, c_bad) in expected.items():
        if mistake != "right" and close(got[0], h_bad) and close(got[1], c_bad):
            fail(_LSTM_MESSAGES[mistake], reveal=_LSTM_FORMULA)
    batch, n_in = case["x"].shape
    where = f"with batch {batch}, {n_in} inputs and {case['h'].shape[1]} hidden units"
    hint = (
        "the forget gate f decides how much of the old cell c is kept, the input gate i how much "
        "of the candidate g is added, and the output gate o reads the squashed new cell"
    )
    expect_close(got[1], c_ref, what=f"c_new {where}", hint=hint, reveal=_LSTM_FORMULA)
    expect_close(got[0], h_ref, what=f"h_new {where}", hint=hint, reveal=_LSTM_FORMULA)


lstm_cell_step = Exercise(
    name="lstm_cell_step",
    cases=_lstm_cases,
    call=lambda fn, case: fn(*(case[k] for k in LSTM_ARGUMENTS)),
    reference=_lstm_reference,
    diagnose=_diagnose_lstm,
    forbidden=LSTM_LIBRARY,
    seed=606,
    doc="""Check ``lstm_cell_step(x, h, c, W_ih, W_hh, b_ih, b_hh) -> (h_new, c_new)``.

    Compared with ``nn.LSTMCell`` at random sizes (batch, inputs, hidden units) and
    random weights in float64; the gate order, a missing bias, the wrong squashing
    function and a missing tanh on the cell state each get their own message.
    PyTorch's LSTM may not be used.""",
)


# --------------------------------------------------------------------------- gru_cell_step
#: The arguments of gru_cell_step, in order; a case holds one tensor for each.
GRU_ARGUMENTS = ("x", "h", "W_ih", "W_hh", "b_ih", "b_hh")

#: A GRU step by hand means without PyTorch's GRU (nn.GRUCell runs torch._VF.gru_cell).
GRU_LIBRARY = (
    Forbidden("torch.nn.GRUCell", "nn.GRUCell"),
    Forbidden("torch.nn.GRU", "nn.GRU"),
    Forbidden("torch.gru_cell", "torch.gru_cell"),
    Forbidden("torch._VF.gru_cell", "PyTorch's GRU cell (torch._VF.gru_cell)"),
)


def _gru_cases(rng):
    return _cell_cases(rng, 3, cell_state=False)


def _gru_step(case, order="rzn", keep="z", reset="after", b_hn_inside=True):
    """A GRU step with one of the usual mistakes switched on."""
    x, h, W_ih, W_hh, b_ih, b_hh = (case[k] for k in GRU_ARGUMENTS)
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
    else:  # no reset gate at all
        inner = from_h["n"]
    n = torch.tanh(from_x["n"] + inner)
    return z * h + (1 - z) * n if keep == "z" else (1 - z) * h + z * n


def _gru_reference(case):
    """nn.GRUCell with the case's weights, and the usual wrong steps, keyed by what went wrong."""
    n_hidden, n_in = case["h"].shape[1], case["x"].shape[1]
    with torch.random.fork_rng(devices=[]), torch.no_grad():  # its initialisation draws numbers
        cell = torch.nn.GRUCell(n_in, n_hidden, dtype=torch.float64)
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            getattr(cell, name).copy_(case[name.replace("weight", "W").replace("bias", "b")])
        right = cell(case["x"], case["h"])
    return {
        "right": right,
        "swapped_update": _gru_step(case, keep="1-z"),
        "reset_before": _gru_step(case, reset="before"),
        "b_hn_outside": _gru_step(case, b_hn_inside=False),
        "order_zrn": _gru_step(case, order="zrn"),
        "no_reset": _gru_step(case, reset="none"),
    }


_GRU_MESSAGES = {
    "swapped_update": (
        "gru_cell_step uses the update gate the other way round; in PyTorch z is the share of "
        "the OLD state that is kept, so z ≈ 1 copies h forward and (1 - z) weighs the candidate n"
    ),
    "reset_before": (
        "gru_cell_step applies the reset gate before the matrix product, W_hn (r * h); PyTorch "
        "applies it after: r * (W_hn h + b_hn)"
    ),
    "b_hn_outside": (
        "gru_cell_step leaves b_hn outside the reset gate; PyTorch multiplies r with the whole "
        "(W_hn h + b_hn), bias included"
    ),
    "order_zrn": (
        "gru_cell_step reads the gates in the wrong order (z, r, n); PyTorch stacks the 3·H rows "
        "as reset r, update z, candidate n"
    ),
    "no_reset": (
        "gru_cell_step never uses the reset gate r; it scales the hidden state's contribution "
        "to the candidate n"
    ),
}

_GRU_FORMULA = (
    "split x @ W_ih.T + b_ih and h @ W_hh.T + b_hh into r, z, n blocks; r = sigmoid(x_r + h_r), "
    "z = sigmoid(x_z + h_z), n = tanh(x_n + r * h_n) and h_new = (1 - z) * n + z * h"
)


def _diagnose_gru(case, got, expected):
    expect_tensor(got, "gru_cell_step")
    if close(got, expected["right"]):
        return
    for mistake, wrong in expected.items():
        if mistake != "right" and close(got, wrong):
            fail(_GRU_MESSAGES[mistake], reveal=_GRU_FORMULA)
    batch, n_in = case["x"].shape
    expect_close(
        got,
        expected["right"],
        what=f"h_new with batch {batch}, {n_in} inputs and {case['h'].shape[1]} hidden units",
        hint="r gates the old state's part of the candidate n, and z mixes the old state with n",
        reveal=_GRU_FORMULA,
    )


gru_cell_step = Exercise(
    name="gru_cell_step",
    cases=_gru_cases,
    call=lambda fn, case: fn(*(case[k] for k in GRU_ARGUMENTS)),
    reference=_gru_reference,
    diagnose=_diagnose_gru,
    forbidden=GRU_LIBRARY,
    seed=616,
    doc="""Check ``gru_cell_step(x, h, W_ih, W_hh, b_ih, b_hh) -> h_new``.

    Compared with ``nn.GRUCell`` at random sizes and random weights in float64; the
    update-gate convention swapped, the reset gate applied before the matrix
    product or without b_hn, the gates read as z, r, n and a forgotten reset gate
    each get their own message. PyTorch's GRU may not be used.""",
)


# --------------------------------------------------------------------------- temperature
def _logit_cases(rng):
    gen = generator(rng)
    return [
        {"what": "a vector of 6 logits", "logits": torch.randn(6, generator=gen) * 2, "T": 1.0},
        {"what": "a vector of 9 logits", "logits": torch.randn(9, generator=gen) * 2, "T": 0.5},
        {
            "what": "a batch of 4 rows of 5 logits",
            "logits": torch.randn(4, 5, generator=gen) * 3,
            "T": 2.0,
        },
        {
            "what": "a batch of 3 rows of 3 logits",
            "logits": torch.randn(3, 3, generator=gen),
            "T": 5.0,
        },
        {
            "what": "logits around 1000",
            "logits": 1000 + torch.randn(2, 7, generator=gen) * 5,
            "T": 0.7,
        },
        {"what": "a low temperature", "logits": torch.randn(8, generator=gen) * 10, "T": 0.05},
    ]


def _softmaxes(case):
    z, t = case["logits"].double(), case["T"]
    return {
        "right": torch.softmax(z / t, dim=-1),
        "multiplied": torch.softmax(z * t, dim=-1),
        "columns": torch.softmax(z / t, dim=0),
        "ignored": torch.softmax(z, dim=-1),
    }


def _diagnose_softmax(case, got, expected):
    expect_tensor(got, "softmax_with_temperature")
    logits, t, what = case["logits"], case["T"], case["what"]
    if tuple(got.shape) != tuple(logits.shape):
        fail(
            f"softmax_with_temperature returned shape {tuple(got.shape)} for logits of shape "
            f"{tuple(logits.shape)}; return one probability per logit"
        )
    if not bool(torch.isfinite(got).all()):
        fail(
            f"softmax_with_temperature gave nan or inf on {what} (temperature {t}): exp "
            "overflowed. Subtract the largest scaled logit first, or use torch.softmax"
        )
    tolerance = {"rtol": 1e-4, "atol": 1e-6}
    if close(got, expected["right"], **tolerance):
        return
    if close(got, expected["multiplied"], **tolerance):
        fail(
            "softmax_with_temperature multiplied the logits by the temperature; divide by it, "
            "so that a low temperature sharpens the distribution"
        )
    if logits.ndim == 2 and close(got, expected["columns"], **tolerance):
        fail("softmax_with_temperature normalised each column; use the last dimension (dim=-1)")
    if close(got, expected["ignored"], **tolerance):
        fail("softmax_with_temperature ignored the temperature; divide the logits by it")
    expect_close(
        got,
        expected["right"],
        what=f"softmax_with_temperature on {what} at temperature {t}",
        hint="the probabilities should be positive and add up to 1 along the last dimension",
        reveal="softmax(logits / temperature) over the last dimension",
        **tolerance,
    )


softmax_with_temperature = Exercise(
    name="softmax_with_temperature",
    cases=_logit_cases,
    call=lambda fn, case: fn(case["logits"], case["T"]),
    reference=_softmaxes,
    diagnose=_diagnose_softmax,
    seed=66,
    doc="""Check ``softmax_with_temperature(logits, temperature)``: softmax(logits / T).

    Over the last dimension. Tried on 1-D and 2-D float32 logits, temperatures from
    0.05 to 5, and logits so large that ``exp`` overflows unless the maximum is
    subtracted first.""",
)


# --------------------------------------------------------------------------- unigram_entropy
def _id_cases(rng):
    gen = generator(rng)
    cases = []
    for n, vocab_size, used in [(500, 10, 10), (2000, 30, 12), (64, 5, 3), (300, 50, 49)]:
        weights = torch.rand(used, generator=gen) ** 3 + 0.01
        symbols = torch.randperm(vocab_size, generator=gen)[:used]
        ids = symbols[torch.multinomial(weights, n, replacement=True, generator=gen)]
        cases.append({"ids": ids, "vocab_size": vocab_size})
    cases.append({"ids": torch.full((40,), 2, dtype=torch.int64), "vocab_size": 4})  # entropy 0
    return cases


def _entropy(case):
    counts = torch.bincount(case["ids"], minlength=case["vocab_size"]).double()
    p = counts[counts > 0] / counts.sum()
    return float(-(p * p.log()).sum())


def _diagnose_entropy(case, got, expected):
    value = as_number(got, "unigram_entropy")
    vocab_size = case["vocab_size"]
    what = f"on {len(case['ids'])} ids with a vocabulary of {vocab_size}"
    if not math.isfinite(value):
        fail(
            f"unigram_entropy returned {value} {what}: a symbol that never occurs gives 0 · log 0; "
            "count it as 0 (keep only p > 0 before taking the log)"
        )
    if math.isclose(value, expected, rel_tol=1e-5, abs_tol=1e-7):
        return
    if expected > 0 and math.isclose(value, expected / math.log(2), rel_tol=1e-5):
        fail(
            "unigram_entropy is in bits (log2); use the natural log, so it compares with the "
            "loss in nats"
        )
    if expected > 0 and math.isclose(value, -expected, rel_tol=1e-5):
        fail("unigram_entropy has the wrong sign; H = -Σ p log p is never negative")
    if math.isclose(value, math.log(vocab_size), rel_tol=1e-5):
        fail(
            "unigram_entropy returned log(vocab_size), the entropy of uniform guessing; "
            "use the counts"
        )
    expect_close(
        value,
        expected,
        what=f"unigram_entropy {what}",
        rtol=1e-5,
        atol=1e-7,
        hint="count each symbol (torch.bincount) and divide by the total to get probabilities",
        reveal="H = -Σ p log p over the symbols with p > 0, where p = counts / counts.sum()",
    )


unigram_entropy = Exercise(
    name="unigram_entropy",
    cases=_id_cases,
    call=lambda fn, case: fn(case["ids"], case["vocab_size"]),
    reference=_entropy,
    diagnose=_diagnose_entropy,
    seed=6,
    doc="""Check ``unigram_entropy(ids, vocab_size)``: entropy (nats) of the symbol frequencies.

    Symbols of the vocabulary that never occur must count as 0 (0 · log 0 = 0, not
    nan); bits instead of nats and unnormalised counts are recognised.""",
)


# --------------------------------------------------------------------------- clip_by_total_norm
#: Clipping by hand means without PyTorch's clip_grad_norm_ (reachable under two modules).
CLIP_LIBRARY = (
    Forbidden("torch.nn.utils.clip_grad_norm_", "torch.nn.utils.clip_grad_norm_"),
    Forbidden("torch.nn.utils.clip_grad_norm", "torch.nn.utils.clip_grad_norm"),
    Forbidden("torch.nn.utils.clip_grad.clip_grad_norm_", "torch.nn.utils.clip_grad_norm_"),
)


def _gradient_cases(rng):
    gen = generator(rng)
    return [
        {
            "grads": [torch.randn(s, generator=gen, dtype=torch.float64) * scale for s in shapes],
            "max_norm": max_norm,
        }
        for shapes, scale, max_norm in [
            ([(3, 4), (4,)], 10.0, 1.0),
            ([(5,), (2, 2), (3, 1, 2)], 0.01, 1.0),
            ([(6, 3), (6,)], 3.0, 5.0),
            ([(2, 5), (5,), (1,)], 4.0, 0.5),
        ]
    ]


def _clipped(case):
    grads, max_norm = case["grads"], case["max_norm"]
    params = [torch.zeros_like(g, requires_grad=True) for g in grads]
    for p, g in zip(params, grads):
        p.grad = g.clone()
    total = float(torch.nn.utils.clip_grad_norm_(params, max_norm))
    return {
        "total": total,
        "right": [p.grad for p in params],
        "each": [g * min(1.0, max_norm / (float(g.norm()) + 1e-6)) for g in grads],
        "clamped": [g.clamp(-max_norm, max_norm) for g in grads],
        "stretched": [g * max_norm / total for g in grads],
    }


def _diagnose_clipped(case, got, expected):
    count, max_norm, total = len(case["grads"]), case["max_norm"], expected["total"]
    if not isinstance(got, list) or len(got) != count:
        fail(f"clip_by_total_norm should return a list of {count} tensors, one per gradient")

    def matches(key):
        return all(close(a, e) for a, e in zip(got, expected[key]))

    if matches("right"):
        return
    factor = "factor = min(1, max_norm / total_norm), with total_norm = sqrt(Σ_k ‖g_k‖²)"
    if matches("each"):
        fail(
            "clip_by_total_norm clipped each tensor on its own; compute ONE norm over all of "
            "them and scale every tensor by the same factor",
            reveal=factor,
        )
    if matches("clamped"):
        fail(
            "clip_by_total_norm clamped each entry (that is clip_grad_value_); rescale the whole "
            "gradient instead, so its direction stays the same"
        )
    if total < max_norm and matches("stretched"):
        fail(
            f"the total norm {total:.3g} is below max_norm {max_norm} and the gradient was "
            "stretched anyway; leave it unchanged when it is already small enough",
            reveal=factor,
        )
    for k, (a, e) in enumerate(zip(got, expected["right"])):
        expect_close(
            a,
            e,
            what=f"clipped gradient {k} (total norm {total:.3g}, max_norm {max_norm})",
            rtol=1e-5,
            atol=1e-8,
            hint="every tensor is multiplied by the same factor, and only when the total norm "
            "is above max_norm",
            reveal=factor,
        )


clip_by_total_norm = Exercise(
    name="clip_by_total_norm",
    cases=_gradient_cases,
    call=lambda fn, case: fn([g.clone() for g in case["grads"]], case["max_norm"]),
    reference=_clipped,
    diagnose=_diagnose_clipped,
    forbidden=CLIP_LIBRARY,
    seed=16,
    doc="""Check ``clip_by_total_norm(grads, max_norm)`` against ``clip_grad_norm_``.

    One norm over all the tensors together; rescaled only when it exceeds
    ``max_norm``; the direction kept. Clipping each tensor on its own, clamping
    each entry and always rescaling are recognised. ``clip_grad_norm_`` itself may
    not be used.""",
)
