# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown] slideshow={"slide_type": "slide"}
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/pytorch-dl-course/deep-learning-course/blob/main/notebooks/08_attention_transformers.ipynb)
#
# # Lecture 08 — Attention and transformers
#
# The LSTM of lecture 06 reads a text one character at a time and squeezes everything it has read
# into one hidden state: to use a word 50 characters back, that word must survive 50 updates of the
# state, and the gradient must survive 50 steps back. **Attention** removes the bottleneck: every
# position looks directly at every earlier position and takes what it needs. A **transformer** is
# built from attention, and it is the architecture behind today's language models. This lecture:
#
# 1. attention as a **soft dictionary look-up**: queries, keys and values; scaled dot-product
#    attention by hand, equal to PyTorch's; why the scores are divided by $\sqrt d$;
# 2. self-attention does not see **order**: permutation equivariance and **positional encodings**;
# 3. the **causal mask**, and training every position at once;
# 4. **multi-head attention** by hand, equal to `nn.MultiheadAttention`;
# 5. the **transformer block**: pre-norm, residual connections, the MLP; LayerNorm against batch norm;
# 6. a **tiny character-level GPT** on lecture 06's corpus, against lecture 06's LSTM;
# 7. what it learned: samples and **attention maps**;
# 8. the **cost** of attention in the sequence length, and the **KV cache**.

# %% slideshow={"slide_type": "skip"}
# Setup: in Google Colab, install the course package first (elsewhere, `make lab` already did).
import sys

if "google.colab" in sys.modules:
    import subprocess

    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q",
         "course-utils @ git+https://github.com/pytorch-dl-course/deep-learning-course"],
        check=True,
    )

# %% slideshow={"slide_type": "skip"}
import math
import re
import time

import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F
from torch import nn

from course_utils import (
    PALETTE,
    InMemoryLoader,
    evaluate,
    fit,
    get_device,
    load_char_corpus,
    seed_everything,
)
from course_utils.checks import lecture08 as check

seed_everything(0)
device = get_device()
print(f"torch {torch.__version__}, training on: {device}")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 1. Attention: a soft dictionary look-up
#
# A Python dictionary maps a **query** to the **value** whose **key** equals it. Attention does the
# same with vectors, softly: it compares a query $\mathbf q$ with every key $\mathbf k_j$ by a dot
# product, turns the scores into weights with a softmax, and returns the weighted average of the
# values:
#
# $$\alpha_j = \mathrm{softmax}_j\!\left(\frac{\mathbf q \cdot \mathbf k_j}{\sqrt d}\right), \qquad
#   \text{output} = \sum_j \alpha_j\, \mathbf v_j .$$
#
# The weights are positive and add up to 1, so the output is a blend of the values, dominated by
# the values whose keys match the query best. Everything is differentiable, so a network can
# *learn* what to ask (queries), what to advertise (keys) and what to hand over (values).

# %%
keys = torch.tensor([[4.0, 0.0], [0.0, 4.0], [-4.0, 0.0]])  # three entries of a "dictionary"
values = torch.tensor([[1.0], [10.0], [100.0]])
query = torch.tensor([0.0, 1.0])  # most like the second key
weights = torch.softmax(keys @ query / math.sqrt(2), dim=0)
print("weights:", weights.numpy().round(3), "| output:", (weights @ values).item())
assert weights.argmax() == 1 and weights[1] > 0.8, "the query should mostly retrieve the second value"

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Scaled dot-product attention by hand
#
# With many queries at once, stacked as the rows of $Q$ ($n$ queries), $K$ and $V$ ($m$ keys and
# values, each key of size $d$), all the look-ups are two matrix products:
#
# $$\mathrm{Attention}(Q, K, V) = \mathrm{softmax}\!\left(\frac{Q K^\top}{\sqrt d}\right) V,$$
#
# with the softmax taken along each row (over the keys). A **mask** says which keys a query may
# look at: a forbidden score is set to $-\infty$ *before* the softmax, so its weight is exactly 0
# and the other weights still add up to 1. Any leading dimensions (batch, heads) just come along.

# %%
def attention(q, k, v, mask=None):
    """softmax(q kᵀ / √d) v for q: (..., n, d), k: (..., m, d), v: (..., m, d_v).

    mask: booleans of shape (n, m), True where a query may look at a key.
    Returns the outputs (..., n, d_v) and the weights (..., n, m)."""
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    weights = torch.softmax(scores, dim=-1)  # each row: over the keys
    return weights @ v, weights

# %% [markdown] slideshow={"slide_type": "subslide"}
# PyTorch's `F.scaled_dot_product_attention` computes the same thing in one fused call (on a GPU
# without ever storing the $n \times m$ weights). Its boolean `attn_mask` has the same meaning as
# ours: `True` where a query may look.

# %%
q, k, v = torch.randn(2, 5, 8), torch.randn(2, 7, 8), torch.randn(2, 7, 3)  # batch of 2
mask = torch.rand(5, 7) < 0.6
mask[:, 0] = True  # every query keeps at least one key
ours, _ = attention(q, k, v)
ours_masked, masked_weights = attention(q, k, v, mask)
assert torch.allclose(ours, F.scaled_dot_product_attention(q, k, v), atol=1e-6), "no mask"
assert torch.allclose(ours_masked, F.scaled_dot_product_attention(q, k, v, attn_mask=mask),
                      atol=1e-6), "with a mask"
assert (masked_weights[:, ~mask] == 0).all(), "masked keys get exactly zero weight"
print("attention by hand equals F.scaled_dot_product_attention, with and without a mask")

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Why divide by $\sqrt d$?
#
# If the entries of $\mathbf q$ and $\mathbf k$ are independent with mean 0 and variance 1, the
# dot product $\mathbf q \cdot \mathbf k = \sum_{i=1}^d q_i k_i$ is a sum of $d$ terms of variance 1:
# its standard deviation is $\sqrt d$. Without the scaling, wider keys give larger scores, and the
# softmax of large scores **saturates**: almost all the weight goes to one key, and the gradient of
# the softmax, $\partial \boldsymbol\alpha / \partial \mathbf s = \mathrm{diag}(\boldsymbol\alpha) -
# \boldsymbol\alpha \boldsymbol\alpha^\top$, goes to 0. We measure both for 2,000 random queries
# against 16 keys each, as $d$ grows.

# %%
def softmax_saturation(d, scaled, n_queries=2000, n_keys=16):
    """Mean largest weight and mean gradient size ‖diag(α) - ααᵀ‖ of the softmax of q·k (/ √d)."""
    scores = (torch.randn(n_queries, 1, d) @ torch.randn(n_queries, n_keys, d).transpose(1, 2))
    alpha = torch.softmax(scores.squeeze(1) / (math.sqrt(d) if scaled else 1.0), dim=-1)
    sum_sq = alpha.pow(2).sum(-1)
    jacobian_norm = (sum_sq - 2 * alpha.pow(3).sum(-1) + sum_sq**2).clamp(min=0).sqrt()
    return scores.std().item(), alpha.max(-1).values.mean().item(), jacobian_norm.mean().item()


dims = [4, 16, 64, 256, 1024]
saturation = {scaled: [softmax_saturation(d, scaled) for d in dims] for scaled in (False, True)}
for d, (std, top, grad), (_, top_s, grad_s) in zip(dims, saturation[False], saturation[True]):
    print(f"d = {d:4d}: score std {std:5.1f} (√d = {math.sqrt(d):4.1f}) | largest weight "
          f"{top:.2f} unscaled, {top_s:.2f} scaled | gradient {grad:.3f} unscaled, {grad_s:.3f} scaled")

# %% slideshow={"slide_type": "subslide"}
fig, axes = plt.subplots(1, 2, figsize=(10, 3.4))
for scaled, color, label in [(False, PALETTE[3], r"$q \cdot k$"), (True, PALETTE[0], r"$q \cdot k / \sqrt{d}$")]:
    axes[0].plot(dims, [row[1] for row in saturation[scaled]], "o-", color=color, label=label)
    axes[1].plot(dims, [row[2] for row in saturation[scaled]], "o-", color=color, label=label)
axes[0].axhline(1 / 16, color="0.5", linestyle=":", label="uniform (1/16)")
axes[0].set(xscale="log", xlabel="key size $d$", ylabel="mean largest weight",
            title="The softmax saturates without the scaling")
axes[1].set(xscale="log", yscale="log", xlabel="key size $d$", ylabel=r"mean $\|\partial\alpha/\partial s\|$",
            title="... and its gradient vanishes")
axes[0].legend(fontsize="small")
axes[1].legend(fontsize="small", loc="lower left")
fig.tight_layout()

stds = [row[0] for row in saturation[False]]
assert all(abs(s / math.sqrt(d) - 1) < 0.1 for s, d in zip(stds, dims)), "score std ≈ √d"
assert saturation[False][-1][1] > 0.9, "unscaled, at d = 1024 one key takes over 90 % of the weight"
scaled_tops = [row[1] for row in saturation[True]]
assert max(scaled_tops) - min(scaled_tops) < 0.05, "scaled, the weights do not depend on d"
assert saturation[False][-1][2] < 0.3 * saturation[True][-1][2], "unscaled, the gradient shrinks"

# %% [markdown]
# The scores' standard deviation is $\sqrt d$, as computed. Unscaled, the largest of 16 weights
# grows from about 0.4 to over 0.9 as $d$ goes from 4 to 1024: attention becomes a hard look-up
# that cannot learn, because its gradient has shrunk several times over. Dividing by $\sqrt d$ keeps
# the scores at unit variance, and the softmax behaves the same at every width.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 2. Self-attention does not see order
#
# In **self-attention**, the queries, keys and values are all computed from the same sequence
# $X$ (one row per position): $Q = X W_Q$, $K = X W_K$, $V = X W_V$. Nothing in these formulas
# refers to a position. Shuffle the rows of $X$, and the outputs are the same rows, shuffled the
# same way: self-attention is **permutation-equivariant**. To a layer like this, "dog bites man"
# and "man bites dog" are the same bag of words.

# %%
d_model = 16
W_q, W_k, W_v = (torch.randn(d_model, d_model) / math.sqrt(d_model) for _ in range(3))


def self_attention(x):
    """Single-head self-attention of x: (..., T, d_model), without positions."""
    return attention(x @ W_q, x @ W_k, x @ W_v)[0]


x = torch.randn(6, d_model)  # a sequence of 6 positions
permutation = torch.randperm(6)
shuffled_then_attended = self_attention(x[permutation])
attended_then_shuffled = self_attention(x)[permutation]
assert torch.allclose(shuffled_then_attended, attended_then_shuffled, atol=1e-6), "equivariant"
print("permutation:", permutation.tolist(), "→ the outputs are permuted the same way")

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Positional encodings
#
# The remedy is to add to each input a vector that depends on its position $p$. Two common
# choices:
#
# * **learned** positions: one trainable vector per position, an `nn.Embedding(context, d_model)`
#   (GPT-2 does this); it can only encode positions seen in training;
# * **sinusoidal** positions ("Attention is all you need", 2017), fixed, for any $p$:
#   $$PE_{p,\,2i} = \sin\!\left(p\,\omega_i\right), \quad PE_{p,\,2i+1} = \cos\!\left(p\,\omega_i\right),
#     \qquad \omega_i = 10000^{-2i/d}.$$
#   Each pair of columns is a clock turning at its own speed, from one turn every $2\pi$ positions
#   to one every $2\pi \cdot 10000$: together they give every position a distinct code, and a
#   shift by $k$ positions is the same rotation of each pair, whatever $p$ is.

# %%
def sinusoidal_positions(n_positions, d_model):
    """The (n_positions, d_model) sinusoidal encodings: sin in even columns, cos in odd ones."""
    p = torch.arange(n_positions, dtype=torch.float32)[:, None]
    omega = 10000 ** (-torch.arange(0, d_model, 2, dtype=torch.float32) / d_model)
    encodings = torch.zeros(n_positions, d_model)
    encodings[:, 0::2] = torch.sin(p * omega)
    encodings[:, 1::2] = torch.cos(p * omega)
    return encodings


encodings = sinusoidal_positions(128, 64)
distinct = torch.cdist(encodings, encodings) + torch.eye(128) * 1e3
assert distinct.min() > 0.1, "every position gets its own code"

# %% slideshow={"slide_type": "subslide"}
fig, axes = plt.subplots(1, 2, figsize=(10.5, 3.4), gridspec_kw={"width_ratios": [1.4, 1]})
image = axes[0].imshow(encodings.T, aspect="auto", cmap="RdBu", vmin=-1, vmax=1)
axes[0].set(xlabel="position $p$", ylabel="column", title="Sinusoidal encodings (128 positions, d = 64)")
fig.colorbar(image, ax=axes[0])
for column, color in zip([0, 8, 24], PALETTE):
    axes[1].plot(encodings[:, column], color=color, label=f"column {column}")
axes[1].set(xlabel="position $p$", ylabel="value", title="Fast and slow clocks")
axes[1].legend(fontsize="small", loc="lower left")
fig.tight_layout()

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### What a model without positions can and cannot learn
#
# A small test. Sequences of 8 tokens from a vocabulary of 5; a model embeds them (with or without
# learned positions), applies one self-attention layer with a residual connection, **averages over
# the positions** and classifies with a small MLP. Two tasks:
#
# * **the most frequent token** (ties go to the smaller token): a property of the bag of tokens;
# * **the first token**: a property of the order.
#
# Without positions, the average of an equivariant layer's outputs does not change when the input is
# shuffled, so the model sees only the bag. Given only the bag, the first token is each token with
# probability count/8, so the best possible accuracy is the mean of (largest count)/8.

# %%
VOCAB, LENGTH = 5, 8


class OrderProbe(nn.Module):
    """Embed (+ learned positions), one self-attention layer with a residual, mean over positions."""

    def __init__(self, positions: bool, d: int = 32):
        super().__init__()
        self.embed = nn.Embedding(VOCAB, d)
        self.positions = nn.Parameter(torch.randn(LENGTH, d)) if positions else None
        self.attn = nn.MultiheadAttention(d, num_heads=2, batch_first=True)
        self.classify = nn.Sequential(nn.Linear(d, 64), nn.ReLU(), nn.Linear(64, VOCAB))

    def forward(self, ids):
        x = self.embed(ids) + (self.positions if self.positions is not None else 0)
        x = x + self.attn(x, x, x, need_weights=False)[0]
        return self.classify(x.mean(dim=1))

# %% slideshow={"slide_type": "subslide"}
def most_frequent_token(ids):
    return F.one_hot(ids, VOCAB).sum(dim=1).argmax(dim=1)  # argmax: the first of tied counts


def first_token(ids):
    return ids[:, 0]


def train_probe(task, positions, steps=200):
    """Train on fresh random batches; return the accuracy on 4,000 new sequences."""
    model = OrderProbe(positions).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    for _ in range(steps):
        ids = torch.randint(VOCAB, (128, LENGTH), device=device)
        loss = F.cross_entropy(model(ids), task(ids))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    ids = torch.randint(VOCAB, (4000, LENGTH), device=device)
    with torch.no_grad():
        return (model(ids).argmax(dim=1) == task(ids)).float().mean().item(), ids

# %% slideshow={"slide_type": "subslide"}
seed_everything(0)
bag_accuracy, _ = train_probe(most_frequent_token, positions=False)
first_without, test_ids = train_probe(first_token, positions=False)
first_with, _ = train_probe(first_token, positions=True)
best_from_bag = (F.one_hot(test_ids, VOCAB).sum(dim=1).max(dim=1).values / LENGTH).float().mean().item()
print(f"most frequent token, no positions: {bag_accuracy:.1%}")
print(f"first token, no positions: {first_without:.1%} (best possible from the bag: {best_from_bag:.1%})")
print(f"first token, learned positions: {first_with:.1%}")
assert bag_accuracy > 0.95, "a bag-of-tokens question needs no positions"
assert first_without < best_from_bag + 0.03, "without positions, no better than guessing from the bag"
assert first_with > 0.95, "with positions, the first token is easy"

# %% [markdown]
# Without positions the model answers the bag question almost perfectly and the order question no
# better than the bag allows; with positions, the order question is easy too. (In a model with a
# *causal* mask, section 3, positions can partly be inferred, since each position sees a different
# number of tokens; every GPT still adds positional encodings.)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 3. The causal mask: every position trains at once
#
# A language model predicts character $t + 1$ from characters $1..t$. If position $t$ could attend
# to position $t + 1$, it would read the answer. The **causal mask** allows each query $t$ only the
# keys $j \le t$: a lower-triangular matrix of `True`.
#
# Lecture 06's LSTM computed $\mathbf h_t$ from $\mathbf h_{t-1}$: 64 characters are 64 steps, one
# after the other, in training too. A masked self-attention layer computes all 64 outputs from its
# inputs with a few matrix products, and the mask makes each output depend only on the past; so one
# forward pass gives the 64 predictions of a window, each made as if the future did not exist yet.
# Section 6 measures what this buys in wall time.

# %%
T = 6
causal = torch.ones(T, T, dtype=torch.bool).tril()  # query t may look at keys 0..t
x = torch.randn(1, T, d_model)
out, weights = attention(x @ W_q, x @ W_k, x @ W_v, mask=causal)
x_changed = x.clone()
x_changed[0, 4:] = torch.randn(2, d_model)  # change the last two positions only
out_changed, _ = attention(x_changed @ W_q, x_changed @ W_k, x_changed @ W_v, mask=causal)
assert torch.allclose(out[0, :4], out_changed[0, :4]), "the future cannot change the past"
assert not torch.allclose(out[0, 4:], out_changed[0, 4:]), "but it changes its own positions"
assert torch.allclose(out, F.scaled_dot_product_attention(x @ W_q, x @ W_k, x @ W_v, is_causal=True),
                      atol=1e-6), "is_causal=True is the same lower-triangular mask"
print(weights[0].numpy().round(2))

# %% [markdown]
# Each row of the weights (one query) adds up to 1 over the keys it may see; above the diagonal
# everything is exactly 0. Changing the last two inputs left the first four outputs unchanged.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 4. Multi-head attention
#
# One attention layer computes one set of weights per query: it can look for one thing at a time.
# **Multi-head attention** runs $h$ attentions side by side on smaller pieces: the projections
# $Q = XW_Q$, $K = XW_K$, $V = XW_V$ (each $d \times d$) are cut into $h$ heads of $d/h$ columns,
# each head attends on its own (its own weights, $\sqrt{d/h}$ in the scaling), the $h$ outputs are
# put side by side again and mixed by an output projection $W_O$:
#
# $$\mathrm{MHA}(X) = \big[\mathrm{head}_1, \dots, \mathrm{head}_h\big]\, W_O, \qquad
#   \mathrm{head}_i = \mathrm{Attention}(Q_i, K_i, V_i).$$
#
# `nn.MultiheadAttention` stores $W_Q, W_K, W_V$ stacked in one `in_proj_weight` of shape
# $(3d, d)$ (applied as $X W^\top$, like `nn.Linear`) and $W_O$ in `out_proj`.

# %%
def multi_head_attention(x, in_weight, in_bias, out_weight, out_bias, n_heads, mask=None):
    """Multi-head self-attention of x: (batch, T, d) with nn.MultiheadAttention's weight layout."""
    batch, T, d = x.shape
    q, k, v = (x @ in_weight.T + in_bias).chunk(3, dim=-1)  # each (batch, T, d)

    def split(t):  # (batch, T, d) → (batch, heads, T, d / heads)
        return t.view(batch, T, n_heads, d // n_heads).transpose(1, 2)

    heads, weights = attention(split(q), split(k), split(v), mask)
    joined = heads.transpose(1, 2).reshape(batch, T, d)  # the heads side by side again
    return joined @ out_weight.T + out_bias, weights

# %% slideshow={"slide_type": "subslide"}
mha = nn.MultiheadAttention(embed_dim=32, num_heads=4, batch_first=True)
x = torch.randn(3, 10, 32)
causal = torch.ones(10, 10, dtype=torch.bool).tril()
ours, our_weights = multi_head_attention(x, mha.in_proj_weight, mha.in_proj_bias,
                                         mha.out_proj.weight, mha.out_proj.bias, 4, mask=causal)
# nn.MultiheadAttention's boolean mask means the opposite: True where a query may NOT look
theirs, their_weights = mha(x, x, x, attn_mask=~causal, average_attn_weights=False)
assert torch.allclose(ours, theirs, atol=1e-5), "multi-head attention by hand = nn.MultiheadAttention"
assert torch.allclose(our_weights, their_weights, atol=1e-6), "the same weights, head by head"
n_parameters = sum(p.numel() for p in mha.parameters())
assert n_parameters == 4 * 32 * 32 + 4 * 32, "W_Q, W_K, W_V, W_O and their biases"
print(f"equal to nn.MultiheadAttention; {n_parameters:,} parameters = 4·d² + 4·d for d = 32, "
      "whatever the number of heads")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 5. The transformer block
#
# A transformer stacks identical **blocks**. Each has two sub-layers, each wrapped in a **residual
# connection** (lecture 05: the block adds a correction to its input, so gradients flow straight
# through the sum) with a **LayerNorm** in front (**pre-norm**, as in GPT-2 and most models since):
#
# $$\mathbf x \leftarrow \mathbf x + \mathrm{MHA}\big(\mathrm{LN}_1(\mathbf x)\big), \qquad
#   \mathbf x \leftarrow \mathbf x + \mathrm{MLP}\big(\mathrm{LN}_2(\mathbf x)\big).$$
#
# Attention moves information **between** positions; the MLP (two linear layers with a GELU,
# $d \to 4d \to d$) then processes each position **on its own**. Our attention module is the
# multi-head attention of section 4 with a causal mask, computed by `F.scaled_dot_product_attention`.

# %%
class CausalSelfAttention(nn.Module):
    """Multi-head self-attention in which each position sees only itself and the past."""

    def __init__(self, d_model: int, n_heads: int):
        super().__init__()
        self.n_heads = n_heads
        self.qkv = nn.Linear(d_model, 3 * d_model)  # W_Q, W_K, W_V stacked
        self.out = nn.Linear(d_model, d_model)  # W_O

    def forward(self, x):  # x: (batch, T, d_model)
        batch, T, d = x.shape
        q, k, v = self.qkv(x).view(batch, T, 3, self.n_heads, d // self.n_heads).permute(2, 0, 3, 1, 4)
        heads = F.scaled_dot_product_attention(q, k, v, is_causal=True)  # (batch, heads, T, d / heads)
        return self.out(heads.transpose(1, 2).reshape(batch, T, d))

# %% slideshow={"slide_type": "subslide"}
class Block(nn.Module):
    """A pre-norm transformer block: x + attention(LN(x)), then x + MLP(LN(x))."""

    def __init__(self, d_model: int, n_heads: int):
        super().__init__()
        self.norm1, self.norm2 = nn.LayerNorm(d_model), nn.LayerNorm(d_model)
        self.attn = CausalSelfAttention(d_model, n_heads)
        self.mlp = nn.Sequential(nn.Linear(d_model, 4 * d_model), nn.GELU(), nn.Linear(4 * d_model, d_model))

    def forward(self, x):
        x = x + self.attn(self.norm1(x))
        return x + self.mlp(self.norm2(x))


block = Block(32, 4)
x = torch.randn(3, 10, 32)
a = block.attn
by_hand, _ = multi_head_attention(block.norm1(x), a.qkv.weight, a.qkv.bias, a.out.weight, a.out.bias,
                                  4, mask=causal)
assert torch.allclose(a(block.norm1(x)), by_hand, atol=1e-5), "the module is section 4's attention"
assert block(x).shape == x.shape, "a block keeps the shape, so blocks stack"

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### LayerNorm, not batch norm
#
# Lecture 05's **batch norm** standardises each feature over the batch (and, for sequences, over
# the positions). **LayerNorm** standardises each position's $d$ features on their own. For a
# batch of sequences of shape (batch, T, d):
#
# * batch norm: mean and variance per feature, over batch × T: every output depends on the other
#   sequences of the batch **and on the future positions** of its own sequence;
# * LayerNorm: mean and variance per (sequence, position), over $d$: nothing leaks, and it behaves
#   the same in training and at generation, one sequence at a time.

# %%
x = torch.randn(4, 10, 32)
x_future = x.clone()
x_future[0, -1] += 5.0  # change only the last position of the first sequence
layer_norm, batch_norm = nn.LayerNorm(32), nn.BatchNorm1d(32)  # batch norm wants (batch, d, T)
ln_before, ln_after = layer_norm(x), layer_norm(x_future)
bn_before, bn_after = (batch_norm(t.transpose(1, 2)).transpose(1, 2) for t in (x, x_future))
assert torch.allclose(ln_before[:, :-1], ln_after[:, :-1]), "LayerNorm: the rest is unchanged"
assert not torch.allclose(bn_before[0, :-1], bn_after[0, :-1]), "batch norm: the past changes"
assert not torch.allclose(bn_before[1:], bn_after[1:]), "batch norm: other sequences change"
assert torch.allclose(ln_before.mean(dim=-1), torch.zeros(4, 10), atol=1e-5), "each position: mean 0"
print(f"changing one future character moved batch-norm outputs of the past by up to "
      f"{(bn_after[0, :-1] - bn_before[0, :-1]).abs().max():.3f}; LayerNorm outputs by 0")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 6. A tiny character-level GPT
#
# A **GPT** ("generative pre-trained transformer") is a stack of causal blocks between an embedding
# and a linear read-out, trained to predict the next token at every position. Ours reads
# characters: the corpus and the split of lecture 06 (the docstrings of the standard library; the
# first 90 % trains, the last 10 % validates) and the same unigram baseline.

# %%
corpus = load_char_corpus()
train_ids, val_ids = corpus.split(0.1)  # the first 90 % trains, the last 10 % validates
counts = torch.bincount(train_ids, minlength=corpus.vocab_size).double()
baseline = -(counts / counts.sum())[val_ids].log().mean().item()  # unigram cross-entropy
print(corpus, f"| unigram baseline {baseline:.3f} nats/char")

# %% [markdown] slideshow={"slide_type": "subslide"}
# The model: token embeddings plus the sinusoidal positions of section 2 (GPT-2 learns its
# positions instead; both work), two blocks, a final LayerNorm and a linear layer giving the
# logits of the next character at each of the 64 positions of a window.

# %%
class TinyGPT(nn.Module):
    """Character embeddings + sinusoidal positions, a stack of causal blocks, a linear read-out."""

    def __init__(self, vocab_size: int, d_model: int = 64, n_layers: int = 2, n_heads: int = 4,
                 context: int = 64):
        super().__init__()
        self.context = context
        self.embed = nn.Embedding(vocab_size, d_model)
        self.register_buffer("positions", sinusoidal_positions(context, d_model))
        self.blocks = nn.Sequential(*[Block(d_model, n_heads) for _ in range(n_layers)])
        self.norm = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, vocab_size)

    def forward(self, ids):  # ids: (batch, T) with T ≤ context → logits (batch, T, vocab)
        x = self.embed(ids) + self.positions[: ids.shape[1]]
        return self.head(self.norm(self.blocks(x)))

# %% slideshow={"slide_type": "subslide"}
gpt = TinyGPT(corpus.vocab_size).to(device)
d, V = 64, corpus.vocab_size
parts = {
    "embedding": (gpt.embed, V * d),
    "each block: attention": (gpt.blocks[0].attn, 4 * d * d + 4 * d),
    "each block: MLP": (gpt.blocks[0].mlp, 8 * d * d + 5 * d),
    "each block: 2 LayerNorms": ((gpt.blocks[0].norm1, gpt.blocks[0].norm2), 4 * d),
    "final LayerNorm + read-out": ((gpt.norm, gpt.head), 2 * d + d * V + V),
}
for name, (modules, formula) in parts.items():
    modules = modules if isinstance(modules, tuple) else (modules,)
    counted = sum(p.numel() for m in modules for p in m.parameters())
    assert counted == formula, f"{name}: {counted} parameters, the formula says {formula}"
    print(f"{name:28s} {counted:7,d}")
n_gpt = sum(p.numel() for p in gpt.parameters())
print(f"{'total':28s} {n_gpt:7,d}  (the positions are fixed: no parameters)")

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Training with `fit`, against lecture 06's LSTM
#
# As in lecture 06, each batch holds windows of 64 characters starting at random positions, and
# the targets are the same windows shifted by one. `RandomWindows` serves such batches with the
# interface of a data loader, so `course_utils.fit` trains both models. To compare them honestly,
# we also train lecture 06's LSTM (32-dimensional embedding, 128 units, its recipe: Adam at 0.02,
# clipping at 1, 700 steps of 32 windows) in this notebook, on the same machine, and record the
# **training time** (evaluations excluded) next to the validation loss.

# %% slideshow={"slide_type": "skip"}
class RandomWindows:
    """n_batches batches of random windows of `length` characters and their next characters."""

    def __init__(self, ids, batch_size, length, n_batches, device=None):
        self.ids, self.batch_size, self.length, self.n_batches = ids.to(device), batch_size, length, n_batches

    def __len__(self):
        return self.n_batches

    def __iter__(self):
        offsets = torch.arange(self.length + 1, device=self.ids.device)
        for _ in range(self.n_batches):
            starts = torch.randint(len(self.ids) - self.length - 1, (self.batch_size, 1), device=self.ids.device)
            windows = self.ids[starts + offsets]  # (batch, length + 1)
            yield windows[:, :-1], windows[:, 1:]


class CharLSTM(nn.Module):
    """Lecture 06's model: embedding, one LSTM layer, a linear read-out at every position."""

    def __init__(self, vocab_size: int, embedding_dim: int = 32, hidden_size: int = 128):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, embedding_dim)
        self.lstm = nn.LSTM(embedding_dim, hidden_size, batch_first=True)
        self.head = nn.Linear(hidden_size, vocab_size)

    def forward(self, ids):
        return self.head(self.lstm(self.embed(ids))[0])


def next_char_loss(logits, targets):
    """Mean cross-entropy over every position of every window."""
    return F.cross_entropy(logits.flatten(0, 1), targets.flatten())


CONTEXT = 64
n_val = (len(val_ids) - 1) // CONTEXT  # validation: consecutive windows of 64 characters
X_val = val_ids[: n_val * CONTEXT].view(n_val, CONTEXT)
Y_val = val_ids[1 : n_val * CONTEXT + 1].view(n_val, CONTEXT)
val_loader = InMemoryLoader(X_val, Y_val, batch_size=256, device=device)
val_sample = InMemoryLoader(X_val[:256], Y_val[:256], batch_size=256, device=device)  # for curves

# %% slideshow={"slide_type": "subslide"}
def train_and_time(model, optimizer, schedule, n_steps, batch_size, eval_every):
    """fit() on random windows; after every `eval_every` steps record (training seconds, val loss)."""
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, schedule)
    curve, clock = [], {"seconds": 0.0, "start": time.perf_counter()}

    def record(epoch, logs):  # the clock stops while we evaluate
        clock["seconds"] += time.perf_counter() - clock["start"]
        curve.append((clock["seconds"], evaluate(model, val_sample, next_char_loss, metrics=None)["loss"]))
        clock["start"] = time.perf_counter()

    loader = RandomWindows(train_ids, batch_size, CONTEXT, eval_every, device)
    fit(model, loader, next_char_loss, optimizer, epochs=n_steps // eval_every, grad_clip=1.0,
        scheduler=scheduler, callbacks=[record])
    return curve

# %% slideshow={"slide_type": "subslide"}
GPT_STEPS, GPT_BATCH = 3600, 16
GPT_TARGET = 0.50  # validation loss ≤ 0.50 × the unigram baseline, for every seed
seed_everything(0)
gpt = TinyGPT(corpus.vocab_size).to(device)
optimizer = torch.optim.AdamW(gpt.parameters(), lr=0.01, betas=(0.9, 0.99), weight_decay=0.01)


def warm_then_cosine(step):  # 30 steps of warm-up, then a cosine down to 0
    return min(1.0, (step + 1) / 30) * 0.5 * (1 + math.cos(math.pi * step / GPT_STEPS))


gpt_curve = train_and_time(gpt, optimizer, warm_then_cosine, GPT_STEPS, GPT_BATCH, eval_every=200)

LSTM_STEPS, LSTM_BATCH = 700, 32
seed_everything(0)
lstm = CharLSTM(corpus.vocab_size).to(device)
optimizer = torch.optim.Adam(lstm.parameters(), lr=0.02)
lstm_curve = train_and_time(lstm, optimizer, lambda step: min(1.0, 2 - 2 * step / LSTM_STEPS),
                            LSTM_STEPS, LSTM_BATCH, eval_every=100)

# %% slideshow={"slide_type": "subslide"}
gpt_val = evaluate(gpt, val_loader, next_char_loss, metrics=None)["loss"]
lstm_val = evaluate(lstm, val_loader, next_char_loss, metrics=None)["loss"]
n_lstm = sum(p.numel() for p in lstm.parameters())
for name, val, curve, params, steps, batch in [("GPT", gpt_val, gpt_curve, n_gpt, GPT_STEPS, GPT_BATCH),
                                               ("LSTM", lstm_val, lstm_curve, n_lstm, LSTM_STEPS, LSTM_BATCH)]:
    per_token = curve[-1][0] / (steps * batch * CONTEXT) * 1e6
    print(f"{name:4s}: {params:6,d} parameters, {steps} steps of {batch} windows in {curve[-1][0]:5.1f} s "
          f"({per_token:.1f} µs per training character) → validation {val:.3f} = {val / baseline:.2f} × baseline")

# %% slideshow={"slide_type": "subslide"}
fig, ax = plt.subplots(figsize=(7.5, 3.6))
for name, curve, color in [("tiny GPT", gpt_curve, PALETTE[0]), ("LSTM of lecture 06", lstm_curve, PALETTE[3])]:
    ax.plot(*zip(*curve), "o-", color=color, label=name)
ax.axhline(baseline, color="0.5", linestyle="--", label="unigram baseline")
ax.axhline(0.5 * baseline, color=PALETTE[2], linestyle=":", label="0.50 × baseline")
ax.set(xlabel="training time on this machine (s)", ylabel="validation loss (nats/char)",
       title="Validation loss against training time", ylim=(1.3, baseline + 0.2))
ax.legend(fontsize="small")

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Reading the comparison honestly
#
# * **Cost per training character.** The LSTM's 64 steps per window must run one after the other,
#   but each is a small matrix product, and a CPU with two cores has little to gain from doing many
#   at once. The GPT's window is a few large matrix products, and its MLP, four times wider than
#   the model, runs at every position: on a CPU it costs more per character than the LSTM (the
#   printout above). On a GPU, which runs thousands of multiplications at once, the LSTM still waits
#   for step $t$ before step $t + 1$, while the GPT's window is computed in one go; that, and not a
#   lower cost per operation, is what let transformers train on far more data.
# * **Quality at equal time.** Read the two curves at the same training time: when the LSTM has
#   finished, the GPT is still behind. At this tiny scale lecture 06's LSTM is a strong model that
#   learns fast; the GPT needs many steps to learn which earlier characters to attend to, and it
#   ends ahead only after training for longer than the LSTM. Both are scored on the same
#   windows of 64 characters, whose first characters have little context (lecture 06 scored its
#   LSTM on windows of 256, so its numbers are not comparable with these).
# * **The target.** The assert asks the GPT for at most 0.50 × the unigram baseline, what 3,600
#   small steps reliably reach, and checks that it then ends below the LSTM's 700 steps. That lead
#   is small and costs far more computation; transformers pull clearly ahead of recurrent networks
#   with more parameters, more data and more training than a lecture on a laptop CPU can spend.
#   (The times printed come from the machine that ran this notebook; a busy machine stretches both.)

# %%
assert gpt_val <= GPT_TARGET * baseline, f"expected ≤ {GPT_TARGET} × baseline, got {gpt_val / baseline:.3f}"
assert lstm_val <= 0.6 * baseline, f"the LSTM should learn as in lecture 06, got {lstm_val / baseline:.3f}"
assert gpt_val < lstm_val, "after 3,600 steps the GPT ends below the LSTM's 700"
lstm_seconds, lstm_sample_loss = lstm_curve[-1]
if device.type == "cpu":  # on a GPU the costs differ, and so may the race
    gpt_per_char = gpt_curve[-1][0] / (GPT_STEPS * GPT_BATCH)
    assert gpt_per_char > lstm_seconds / (LSTM_STEPS * LSTM_BATCH), "on a CPU the GPT costs more per character"
    gpt_then = next(loss for seconds, loss in gpt_curve if seconds >= lstm_seconds)  # when the LSTM is done
    assert gpt_then > lstm_sample_loss, "at the LSTM's training time, the GPT is still behind"
print(f"GPT: {gpt_val / baseline:.3f} × baseline (target ≤ {GPT_TARGET}); "
      f"LSTM: {lstm_val / baseline:.3f} × baseline")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 7. What the GPT learned
#
# ### Writing docstrings
#
# Generation is lecture 06's loop: sample the next character at a temperature $\tau$ (the logits
# divided by $\tau$ before the softmax), append it, repeat. The GPT carries no hidden state: at each
# step it reads the last 64 characters again (section 8 shows how to avoid recomputing them).

# %%
@torch.no_grad()
def generate(model, prompt, n_chars=200, temperature=1.0):
    """Continue `prompt` character by character, the model reading at most its last `context` ones."""
    model.eval()
    ids = corpus.encode(prompt).to(device)[None]
    for _ in range(n_chars):
        logits = model(ids[:, -model.context :])[0, -1]
        next_id = torch.multinomial(torch.softmax(logits / temperature, dim=-1), num_samples=1)
        ids = torch.cat([ids, next_id[None]], dim=1)
    return corpus.decode(ids[0].cpu())


seed_everything(1)
samples = {tau: generate(gpt, "Return the ", temperature=tau) for tau in (0.5, 1.0, 1.5)}
for tau, text in samples.items():
    print(f"──── temperature {tau} ────\n{text}\n")

# %% slideshow={"slide_type": "subslide"}
known_words = set(re.findall(r"[A-Za-z]{2,}", corpus.text))


def real_word_fraction(text):
    """The fraction of runs of two or more letters that occur as words somewhere in the corpus."""
    words = re.findall(r"[A-Za-z]{2,}", text)
    return sum(word in known_words for word in words) / max(len(words), 1)


fractions = {tau: real_word_fraction(text[len("Return the "):]) for tau, text in samples.items()}
print("real words:", {f"τ = {tau}": f"{fraction:.0%}" for tau, fraction in fractions.items()})
assert fractions[0.5] >= 0.7, "at τ = 0.5 most generated words should be real words"
assert fractions[0.5] > fractions[1.5], "a lower temperature should give more real words"

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Attention maps
#
# Which characters does each head look at? We run one sentence through the trained GPT and, in each
# block, recompute the attention weights with section 4's `multi_head_attention` and the block's
# own weights. Each row of a map is one position (a query), each column a character it may look at.

# %%
sentence = "Return a copy of the list, sorted by key."
ids = corpus.encode(sentence).to(device)[None]
T = ids.shape[1]
causal = torch.ones(T, T, dtype=torch.bool, device=device).tril()
maps = []
with torch.no_grad():
    x = gpt.embed(ids) + gpt.positions[:T]
    for block in gpt.blocks:
        a = block.attn
        _, weights = multi_head_attention(block.norm1(x), a.qkv.weight, a.qkv.bias, a.out.weight,
                                          a.out.bias, a.n_heads, mask=causal)
        maps.append(weights[0].cpu())  # (heads, T, T)
        x = block(x)
maps = torch.stack(maps)  # (layers, heads, T, T)
distance = (torch.arange(T)[:, None] - torch.arange(T)[None, :]).clamp(min=0).float()
mean_distance = (maps * distance).sum(-1).mean(-1)  # how far back each head looks, on average
print("mean distance looked back, per layer and head:\n", mean_distance.numpy().round(1))
assert mean_distance[0].mean() < 5, "the first block's heads look only a few characters back"
assert mean_distance[0].mean() < mean_distance[1].mean(), "the first block looks closer than the second"

# %% slideshow={"slide_type": "subslide"}
layer = 0
fig, axes = plt.subplots(1, maps.shape[1], figsize=(14, 4))
for head, ax in enumerate(axes):
    ax.imshow(maps[layer, head], cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(T), list(sentence), fontsize=5)
    ax.set_yticks(range(T), list(sentence), fontsize=5)
    ax.set(title=f"block {layer + 1}, head {head + 1}: looks {mean_distance[layer, head]:.1f} back",
           xlabel="key (character looked at)")
axes[0].set_ylabel("query (position)")
fig.tight_layout()
assert torch.allclose(maps.sum(-1), torch.ones(maps.shape[:-1])), "each row of weights adds up to 1"
assert (maps.triu(diagonal=1) == 0).all(), "nobody looks at the future"

# %% [markdown]
# The heads of the first block look, on average, only a few characters back (the mean distances
# printed above): they gather the current word. The second block's heads look further back, at
# what the first block gathered. Each map is lower-triangular: the causal mask at work.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 8. The cost of attention, and the KV cache
#
# Every query meets every key: for a sequence of $T$ positions the weights form a $T \times T$
# matrix, so attention's time and memory grow as $T^2$, while the MLP and the projections grow as
# $T$. We time our `attention` for one head of 64 dimensions as $T$ doubles.

# %%
def best_time(fn, repeats=3):
    """The fastest of a few runs, in seconds (the least disturbed by other programs)."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


lengths = [256, 512, 1024, 2048]
attention_seconds = []
for n in lengths:
    x = torch.randn(1, n, 64)
    attention_seconds.append(best_time(lambda x=x: attention(x, x, x)))
for n, seconds in zip(lengths, attention_seconds):
    print(f"T = {n:4d}: {seconds * 1e3:6.1f} ms, {n * n:9,d} weights")
growth = attention_seconds[-1] / attention_seconds[1]
print(f"from T = 512 to T = 2048 (4 × longer) the time grew {growth:.0f}×; a linear cost would grow 4×")
assert growth > 6, "quadratic: four times the length costs far more than four times the time"

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### The KV cache
#
# Generating $n$ characters with `generate` runs the model on the whole window at every step, so
# it recomputes the keys and values of characters it has already seen. With a causal mask they
# never change: a new character cannot alter the past. A **KV cache** keeps them: each step
# computes the query, key and value of the **new** position only, appends the key and value to the
# cache, and attends from the one new query. Here for section 3's single-head layer:

# %%
x = torch.randn(1, 12, d_model)  # 12 positions arriving one at a time
full, _ = attention(x @ W_q, x @ W_k, x @ W_v, mask=torch.ones(12, 12, dtype=torch.bool).tril())
cache_k, cache_v, outputs = torch.empty(1, 0, d_model), torch.empty(1, 0, d_model), []
for t in range(12):
    new = x[:, t : t + 1]  # only the newest position is projected
    cache_k, cache_v = torch.cat([cache_k, new @ W_k], dim=1), torch.cat([cache_v, new @ W_v], dim=1)
    outputs.append(attention(new @ W_q, cache_k, cache_v)[0])  # one query against all cached keys
assert torch.allclose(torch.cat(outputs, dim=1), full, atol=1e-6), "the cache gives the same outputs"
print(f"without a cache: {sum(range(1, 13))} key/value projections for 12 steps; with it: 12")

# %% [markdown]
# Each step now projects one position instead of all of them, and for a $T$-character text the
# projections drop from $T(T+1)/2$ to $T$. The attention itself still reads every cached key: the
# price of the cache is memory, two vectors per position, layer and head, which is why long
# contexts are expensive to serve.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 9. Exercises
#
# Each exercise is a function to complete; the cell after it checks your answer on inputs you have not
# seen and says what is wrong if anything is.
#
# ### Exercise 1 — causal attention after a cache
#
# Write masked scaled dot-product attention with plain tensor operations (no
# `F.scaled_dot_product_attention`, no `nn.MultiheadAttention`). `q` holds $n$ queries of shape
# `(batch, n, d)`; `k` and `v` hold $m \ge n$ keys and values. As in generation with a KV cache,
# the queries are the **last** $n$ of the $m$ positions: query $i$ sits at position $m - n + i$ and
# may look at keys $0 \dots m - n + i$. Return the outputs, of shape `(batch, n, d_v)`.

# %% tags=["exercise"]
def causal_attention(q, k, v):
    """Attention of the last n positions (q: batch, n, d) over m ≥ n positions (k, v: batch, m, ...)."""
    ### BEGIN SOLUTION
    n, m = q.shape[-2], k.shape[-2]
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    allowed = torch.ones(n, m, dtype=torch.bool, device=q.device).tril(diagonal=m - n)
    return torch.softmax(scores.masked_fill(~allowed, float("-inf")), dim=-1) @ v
    ### END SOLUTION


# %% tags=["check"]
check.causal_attention(causal_attention)

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise 2 — a shift is a rotation
#
# Section 2 claimed that with sinusoidal encodings, moving $k$ positions on is the same linear map
# whatever the position: there is one matrix $M_k$ with
# `sinusoidal_positions(P, d)[p + k] == sinusoidal_positions(P, d)[p] @ M_k` for every $p$. This is
# what lets attention learn "look $k$ characters back" with one set of weights. Find $M_k$ (shape
# `(d_model, d_model)`) and return it. Hint: write $\sin((p + k)\omega)$ and $\cos((p + k)\omega)$
# with the addition formulas; you can test your matrix on `sinusoidal_positions`.

# %% tags=["exercise"]
def shift_matrix(k, d_model):
    """The (d_model, d_model) matrix M with encodings[p + k] = encodings[p] @ M for every p."""
    ### BEGIN SOLUTION
    omega = 10000 ** (-torch.arange(0, d_model, 2, dtype=torch.float64) / d_model)
    cos, sin = torch.cos(k * omega), torch.sin(k * omega)
    M = torch.zeros(d_model, d_model, dtype=torch.float64)
    M[0::2, 0::2], M[1::2, 1::2] = torch.diag(cos), torch.diag(cos)  # each pair (sin, cos) turns
    M[1::2, 0::2], M[0::2, 1::2] = torch.diag(sin), torch.diag(-sin)
    return M
    ### END SOLUTION


# %% tags=["check"]
check.shift_matrix(shift_matrix)

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise 3 — a pre-norm block from its parts
#
# Write the forward pass of section 5's block from its four sub-layers, given as functions:
# `norm1` and `norm2` (LayerNorms), `attention` (causal self-attention, a function of one tensor)
# and `mlp`. `x` has shape `(batch, T, d)`. The check builds the parts with random weights.

# %% tags=["exercise"]
def pre_norm_block(x, norm1, attention, norm2, mlp):
    """x + attention(norm1(x)), then + mlp(norm2(...)) of the result: one pre-norm block."""
    ### BEGIN SOLUTION
    h = x + attention(norm1(x))
    return h + mlp(norm2(h))
    ### END SOLUTION


# %% tags=["check"]
check.pre_norm_block(pre_norm_block)

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Experiment — how much context does each model use?
#
# Both models were scored on windows of 64 characters, in which the first characters have almost
# no context. The cells below split the validation loss by position in the window. Run them, then
# change `positions_shown` or look only at the first 16 positions. **Question:** why are the first
# positions so much worse for both models? From which position on does more context stop helping
# each model much? What would you change to make the GPT use longer contexts, and what would it cost?

# %%
@torch.no_grad()
def loss_by_position(model, n_windows=512):
    """Mean validation loss at each position of the window, over the first n_windows windows."""
    model.eval()
    logits = model(X_val[:n_windows].to(device))
    losses = F.cross_entropy(logits.transpose(1, 2), Y_val[:n_windows].to(device), reduction="none")
    return losses.mean(dim=0).cpu()


positions_shown = CONTEXT
by_position = {"tiny GPT": loss_by_position(gpt), "LSTM of lecture 06": loss_by_position(lstm)}

# %%
fig, ax = plt.subplots(figsize=(7.5, 3.4))
for (name, losses), color in zip(by_position.items(), [PALETTE[0], PALETTE[3]]):
    ax.plot(torch.arange(1, positions_shown + 1), losses[:positions_shown], color=color, label=name)
ax.set(xlabel="characters of context (position in the window + 1)", ylabel="validation loss (nats/char)",
       title="Validation loss by position in the window")
ax.legend(fontsize="small")

# %% [markdown] tags=["answer"]
# ### BEGIN SOLUTION
# At position 1 a model sees a single character, so it can do little better than a table of which
# character follows which (a bigram model): the loss there is far above the average. The loss falls
# quickly over the first few characters, as the models see the current word, and then flattens:
# most of what these small models predict comes from the last ten or so characters. How far each
# curve keeps falling shows how much of the longer context each model uses; a small GPT trained for
# a few thousand steps is mostly a local model, like the LSTM. To use longer contexts the GPT needs a
# longer window (the positions and the mask grow with it, and attention's cost grows as the square
# of the window), and above all more training and more layers, so that heads that look far back
# are worth learning; the LSTM is limited instead by what one hidden state can carry.
# ### END SOLUTION

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Summary
#
# * **Attention** is a soft dictionary look-up: $\mathrm{softmax}(QK^\top / \sqrt d)\,V$. By hand
#   it equals `F.scaled_dot_product_attention`, with and without a mask. Without the $\sqrt d$ the
#   scores grow like $\sqrt d$, the softmax saturates and its gradient shrinks (measured).
# * Self-attention is **permutation-equivariant**: without positional encodings a model sees a bag
#   of tokens; it learned "the most frequent token" but not "the first token" until we added
#   positions. Sinusoidal encodings turn a shift into a rotation; learned ones are a table.
# * The **causal mask** lets one forward pass train every position of a window at once;
#   **multi-head attention** by hand equals `nn.MultiheadAttention` ($4d^2 + 4d$ parameters).
# * A **pre-norm block** adds attention and an MLP to a residual stream; it uses **LayerNorm**,
#   which normalises each position on its own, where batch norm would leak the future.
# * A **tiny GPT** trained with `fit` on lecture 06's corpus; we compared it with lecture 06's LSTM
#   on the same windows and the same machine, by validation loss and training time. Attention's
#   cost grows as $T^2$; a **KV cache** avoids recomputing the past at generation time.
#
# **Where to go from here.** This is the last lecture of the course. To go further with
# transformers: *Attention Is All You Need* (Vaswani et al., 2017), the paper that introduced them;
# *The Annotated Transformer* (Harvard NLP), which builds that paper's model line by line in PyTorch;
# and Andrej Karpathy's **nanoGPT** and his video *Let's build GPT: from scratch, in code, spelled
# out*, which grow a model like ours into GPT-2. Everything there is built from what you have
# learned here: tensors and autograd (lecture 00), gradient descent (02–03), backpropagation (04),
# residual connections and normalisation (05), sequences (06) and generative models (07). To revise,
# start again from [Lecture 00 — tensors, autograd and devices](00_tensors_autograd_devices.ipynb).
