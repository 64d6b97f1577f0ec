"""Checks for lecture 06: recurrent neural networks."""

from __future__ import annotations

import math
from collections.abc import Callable

import torch

from ._core import assert_close, call, fail, passed, to_numpy

__all__ = ["clip_by_total_norm", "lstm_cell_step", "softmax_with_temperature", "unigram_entropy"]


def _close(actual, expected, rtol: float = 1e-6, atol: float = 1e-8) -> bool:
    a, e = to_numpy(actual), to_numpy(expected)
    return a.shape == e.shape and bool((abs(a - e) <= atol + rtol * abs(e)).all())


# --------------------------------------------------------------------------- LSTM cell
def _lstm_variants(x, h, c, W_ih, W_hh, b_ih, b_hh) -> dict[str, tuple[torch.Tensor, torch.Tensor]]:
    """The right LSTM step and the usual wrong ones, keyed by what went wrong."""

    def step(order="ifgo", use_b_hh=True, g_act=torch.tanh, tanh_c=True):
        gates = x @ W_ih.T + b_ih + h @ W_hh.T + (b_hh if use_b_hh else 0)
        chunks = dict(zip(order, gates.chunk(4, dim=1)))
        i, f, o = (torch.sigmoid(chunks[k]) for k in "ifo")
        g = g_act(chunks["g"])
        c_new = f * c + i * g
        return (o * torch.tanh(c_new) if tanh_c else o * c_new), c_new

    return {
        "right": step(),
        "order": step(order="ifog"),
        "order_tf": step(order="igfo"),
        "no_b_hh": step(use_b_hh=False),
        "sigmoid_g": step(g_act=torch.sigmoid),
        "no_tanh_c": step(tanh_c=False),
    }


_LSTM_MESSAGES = {
    "order": (
        "lstm_cell_step reads the gates in the wrong order; PyTorch stacks the 4·H rows as "
        "input i, forget f, cell candidate g, output o: i, f, g, o = gates.chunk(4, dim=1)"
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


def lstm_cell_step(student_fn: Callable) -> None:
    """Check ``lstm_cell_step(x, h, c, W_ih, W_hh, b_ih, b_hh) -> (h_new, c_new)`` against ``nn.LSTMCell``.

    Random sizes (batch, inputs, hidden units) and random weights in float64; the
    gate order, a missing bias, the wrong squashing function and a missing tanh on the
    cell state each get their own message.
    """
    gen = torch.Generator().manual_seed(606)
    sizes = [(3, 4, 5), (1, 2, 3), (5, 7, 2), (2, 1, 6)]
    for batch, n_in, n_hidden in sizes:
        torch.manual_seed(int(torch.randint(10**6, (1,), generator=gen)))
        cell = torch.nn.LSTMCell(n_in, n_hidden).double()
        with torch.no_grad():
            for p in cell.parameters():  # larger weights than the default, so every mistake shows
                p.copy_(torch.randn(p.shape, generator=gen, dtype=p.dtype))
        x = torch.randn(batch, n_in, generator=gen, dtype=torch.float64)
        h = torch.randn(batch, n_hidden, generator=gen, dtype=torch.float64)
        c = torch.randn(batch, n_hidden, generator=gen, dtype=torch.float64)
        weights = [
            p.detach().clone() for p in (cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh)
        ]
        got = call(student_fn, x.clone(), h.clone(), c.clone(), *weights, name="lstm_cell_step")
        if not isinstance(got, (tuple, list)) or len(got) != 2:
            fail("lstm_cell_step should return a pair (h_new, c_new)")
        with torch.no_grad():
            h_ref, c_ref = cell(x, (h, c))
        if _close(got[0], h_ref) and _close(got[1], c_ref):
            continue
        if _close(got[0], c_ref) and _close(got[1], h_ref):
            fail(
                "lstm_cell_step returned (c_new, h_new); return the hidden state first: (h_new, c_new)"
            )
        for mistake, (h_bad, c_bad) in _lstm_variants(x, h, c, *weights).items():
            if mistake != "right" and _close(got[0], h_bad) and _close(got[1], c_bad):
                fail(_LSTM_MESSAGES[mistake])
        hint = "c_new = f * c + i * g and h_new = o * tanh(c_new), with i, f, g, o = gates.chunk(4, dim=1)"
        where = f"with batch {batch}, {n_in} inputs and {n_hidden} hidden units"
        assert_close(got[1], c_ref, what=f"c_new {where}", hint=hint)
        assert_close(got[0], h_ref, what=f"h_new {where}", hint=hint)
    passed("lstm_cell_step", len(sizes))


# --------------------------------------------------------------------------- temperature
def softmax_with_temperature(student_fn: Callable) -> None:
    """Check ``softmax_with_temperature(logits, temperature)``: softmax(logits / T) over the last dimension.

    Tried on 1-D and 2-D float32 logits, temperatures from 0.05 to 5, and logits so
    large that ``exp`` overflows unless the maximum is subtracted first.
    """
    gen = torch.Generator().manual_seed(66)
    cases = [
        ("a vector of 6 logits", torch.randn(6, generator=gen) * 2, 1.0),
        ("a vector of 9 logits", torch.randn(9, generator=gen) * 2, 0.5),
        ("a batch of 4 rows of 5 logits", torch.randn(4, 5, generator=gen) * 3, 2.0),
        ("a batch of 3 rows of 3 logits", torch.randn(3, 3, generator=gen), 5.0),
        ("logits around 1000", 1000 + torch.randn(2, 7, generator=gen) * 5, 0.7),
        ("a low temperature", torch.randn(8, generator=gen) * 10, 0.05),
    ]
    for what, logits, temperature in cases:
        original = logits.clone()
        got = call(student_fn, logits, temperature, name="softmax_with_temperature")
        if not isinstance(got, torch.Tensor):
            fail(f"softmax_with_temperature should return a tensor, got {type(got).__name__}")
        if not torch.equal(logits, original):
            fail("softmax_with_temperature changed the logits in place; return a new tensor")
        expected = torch.softmax(logits.double() / temperature, dim=-1)
        if got.shape != expected.shape:
            fail(
                f"softmax_with_temperature returned shape {tuple(got.shape)} for logits of shape "
                f"{tuple(logits.shape)}; return one probability per logit"
            )
        if not torch.isfinite(got).all():
            fail(
                f"softmax_with_temperature gave nan or inf on {what} (temperature {temperature}): exp "
                "overflowed. Subtract the largest scaled logit first, or use torch.softmax"
            )
        if _close(got, expected, rtol=1e-4, atol=1e-6):
            continue
        if _close(got, torch.softmax(logits.double() * temperature, dim=-1), rtol=1e-4, atol=1e-6):
            fail(
                "softmax_with_temperature multiplied the logits by the temperature; divide by it, "
                "so that a low temperature sharpens the distribution"
            )
        if logits.ndim == 2 and _close(
            got, torch.softmax(logits.double() / temperature, dim=0), 1e-4, 1e-6
        ):
            fail("softmax_with_temperature normalised each column; use the last dimension (dim=-1)")
        if _close(got, torch.softmax(logits.double(), dim=-1), rtol=1e-4, atol=1e-6):
            fail("softmax_with_temperature ignored the temperature; divide the logits by it")
        assert_close(
            got,
            expected,
            what=f"softmax_with_temperature on {what} at temperature {temperature}",
            rtol=1e-4,
            atol=1e-6,
            hint="it is softmax(logits / temperature) over the last dimension",
        )
    passed("softmax_with_temperature", len(cases))


# --------------------------------------------------------------------------- unigram entropy
def unigram_entropy(student_fn: Callable) -> None:
    """Check ``unigram_entropy(ids, vocab_size)``: the entropy, in nats, of the symbols' frequencies.

    Symbols of the vocabulary that never occur must count as 0 (0 · log 0 = 0, not
    nan); bits instead of nats and unnormalised counts are recognised.
    """
    gen = torch.Generator().manual_seed(6)
    cases = []
    for n, vocab_size, used in [(500, 10, 10), (2000, 30, 12), (64, 5, 3), (300, 50, 49)]:
        weights = torch.rand(used, generator=gen) ** 3 + 0.01
        symbols = torch.randperm(vocab_size, generator=gen)[:used]
        ids = symbols[torch.multinomial(weights, n, replacement=True, generator=gen)]
        cases.append((ids, vocab_size))
    cases.append((torch.full((40,), 2, dtype=torch.int64), 4))  # one symbol only: entropy 0
    for ids, vocab_size in cases:
        original = ids.clone()
        got = call(student_fn, ids, vocab_size, name="unigram_entropy")
        if not torch.equal(ids, original):
            fail("unigram_entropy changed ids in place")
        try:
            value = float(to_numpy(got).reshape(()))
        except (TypeError, ValueError):
            fail(f"unigram_entropy should return one number, got {type(got).__name__} {got!r:.60}")
        counts = torch.bincount(ids, minlength=vocab_size).double()
        p = counts / counts.sum()
        p_used = p[p > 0]
        expected = float(-(p_used * p_used.log()).sum())
        what = f"on {len(ids)} ids with a vocabulary of {vocab_size}"
        if not math.isfinite(value):
            fail(
                f"unigram_entropy returned {value} {what}: a symbol that never occurs gives 0 · log 0; "
                "count it as 0 (keep only p > 0 before taking the log)"
            )
        if math.isclose(value, expected, rel_tol=1e-5, abs_tol=1e-7):
            continue
        if expected > 0 and math.isclose(value, expected / math.log(2), rel_tol=1e-5):
            fail(
                "unigram_entropy is in bits (log2); use the natural log, so it compares with the loss in nats"
            )
        if expected > 0 and math.isclose(value, -expected, rel_tol=1e-5):
            fail("unigram_entropy has the wrong sign; H = -Σ p log p is never negative")
        if math.isclose(value, math.log(vocab_size), rel_tol=1e-5):
            fail(
                "unigram_entropy returned log(vocab_size), the entropy of uniform guessing; use the counts"
            )
        fail(
            f"unigram_entropy {what} returned {value:.6g}, expected {expected:.6g}; count each symbol "
            "(torch.bincount), divide by the total to get p, then H = -Σ p log p over p > 0"
        )
    passed("unigram_entropy", len(cases))


# --------------------------------------------------------------------------- clipping
def clip_by_total_norm(student_fn: Callable) -> None:
    """Check ``clip_by_total_norm(grads, max_norm)`` against ``torch.nn.utils.clip_grad_norm_``.

    One norm over all the tensors together; rescaled only when it exceeds
    ``max_norm``; the direction kept. Clipping each tensor on its own, clamping
    each entry and always rescaling are recognised.
    """
    gen = torch.Generator().manual_seed(16)
    cases = []
    for shapes, scale, max_norm in [
        ([(3, 4), (4,)], 10.0, 1.0),
        ([(5,), (2, 2), (3, 1, 2)], 0.01, 1.0),
        ([(6, 3), (6,)], 3.0, 5.0),
        ([(2, 5), (5,), (1,)], 4.0, 0.5),
    ]:
        grads = [torch.randn(s, generator=gen, dtype=torch.float64) * scale for s in shapes]
        cases.append((grads, max_norm))
    for grads, max_norm in cases:
        originals = [g.clone() for g in grads]
        got = call(student_fn, [g.clone() for g in grads], max_norm, name="clip_by_total_norm")
        if not isinstance(got, (list, tuple)) or len(got) != len(grads):
            fail(
                f"clip_by_total_norm should return a list of {len(grads)} tensors, one per gradient"
            )
        params = [torch.zeros_like(g, requires_grad=True) for g in grads]
        for p, g in zip(params, originals):
            p.grad = g.clone()
        total = float(torch.nn.utils.clip_grad_norm_(params, max_norm))
        expected = [p.grad for p in params]
        if all(_close(a, e) for a, e in zip(got, expected)):
            continue
        each = [g * min(1.0, max_norm / (float(g.norm()) + 1e-6)) for g in originals]
        if all(_close(a, e) for a, e in zip(got, each)):
            fail(
                "clip_by_total_norm clipped each tensor on its own; compute ONE norm over all of them, "
                "sqrt(Σ ‖g‖²), and scale every tensor by the same factor"
            )
        if all(_close(a, g.clamp(-max_norm, max_norm)) for a, g in zip(got, originals)):
            fail(
                "clip_by_total_norm clamped each entry (that is clip_grad_value_); rescale the whole "
                "gradient instead, so its direction stays the same"
            )
        if total < max_norm and all(
            _close(a, g * max_norm / total) for a, g in zip(got, originals)
        ):
            fail(
                f"the total norm {total:.3g} is below max_norm {max_norm} and the gradient was "
                "stretched anyway; scale by min(1, max_norm / total_norm)"
            )
        for k, (a, e) in enumerate(zip(got, expected)):
            assert_close(
                a,
                e,
                what=f"clipped gradient {k} (total norm {total:.3g}, max_norm {max_norm})",
                rtol=1e-5,
                atol=1e-8,
                hint="multiply every gradient by min(1, max_norm / total_norm)",
            )
    passed("clip_by_total_norm", len(cases))
