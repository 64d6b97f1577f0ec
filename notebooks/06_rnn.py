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
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/pytorch-dl-course/deep-learning-course/blob/main/notebooks/06_rnn.ipynb)
#
# # Lecture 06 — Recurrent neural networks
#
# An MLP reads a fixed number of inputs; a CNN exploits that pixels have neighbours. Text, speech,
# sensor readings and prices are **sequences**: their length varies and their order carries the
# meaning. A **recurrent neural network** (RNN) reads a sequence one element at a time and keeps a
# running summary of what it has seen, its **hidden state**. This lecture:
#
# 1. sequences and hidden state, shown on a small forecasting task;
# 2. an RNN cell written by hand, equal to `nn.RNN`, and **backpropagation through time**;
# 3. **vanishing and exploding gradients**, measured, and **gradient clipping**;
# 4. **LSTM** and **GRU**: gates that let gradients travel far;
# 5. a **character-level language model** that writes Python docstrings, sampled with a
#    **temperature**.

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

import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F
from torch import nn

from course_utils import (
    PALETTE,
    InMemoryLoader,
    Split,
    accuracy,
    evaluate,
    fit,
    get_device,
    load_char_corpus,
    make_periodic_signal,
    plot_curves,
    seed_everything,
    sliding_windows,
)
from course_utils.checks import lecture06 as check

seed_everything(0)
device = get_device()
print(f"torch {torch.__version__}, training on: {device}")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 1. Sequences and hidden state
#
# An RNN reads a sequence $\mathbf x_1, \mathbf x_2, \dots, \mathbf x_T$ one step at a time. At each
# step it combines the new input with its previous **hidden state** $\mathbf h_{t-1}$ (a vector of
# $H$ numbers, $\mathbf h_0 = \mathbf 0$) and may emit an output:
#
# $$\mathbf h_t = \tanh\left(W_{xh}\,\mathbf x_t + W_{hh}\,\mathbf h_{t-1} + \mathbf b\right),
#   \qquad \hat{\mathbf y}_t = W_{hy}\,\mathbf h_t + \mathbf b_y .$$
#
# The **same** weights $W_{xh}, W_{hh}, \mathbf b$ serve every step, as a convolution shares its
# filter across positions: the rules of a language or of a physical process do not change as the
# sequence goes on. Drawn **unrolled** in time, an RNN is a deep network with one layer per step, all
# layers sharing their weights.

# %%
fig, ax = plt.subplots(figsize=(9, 2.4))
box = dict(boxstyle="round,pad=0.4", facecolor=PALETTE[5], edgecolor="black")
arrow = dict(arrowstyle="->", color="black")
for t in range(1, 5):
    ax.text(2.2 * t, 1, f"$h_{t}$", ha="center", va="center", fontsize=13, bbox=box)
    ax.annotate(f"$x_{t}$", xy=(2.2 * t, 0.72), xytext=(2.2 * t, 0), ha="center", arrowprops=arrow)
    ax.annotate(rf"$\hat y_{t}$", xy=(2.2 * t, 1.3), xytext=(2.2 * t, 1.9), ha="center",
                arrowprops=dict(arrowstyle="<-", color="black"))
    ax.annotate("", xy=(2.2 * t - 0.35, 1), xytext=(2.2 * t - 1.85, 1), arrowprops=arrow)
    ax.text(2.2 * t - 1.1, 1.12, "$W_{hh}$", ha="center", fontsize=9)
ax.text(0.0, 1, "$h_0 = 0$", ha="center", va="center", fontsize=11)
ax.set(xlim=(-0.6, 9.6), ylim=(-0.3, 2.2), title="An RNN unrolled over 4 steps: one cell, shared weights")
ax.axis("off")

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### A first task: predict the next value of a noisy signal
#
# `make_periodic_signal` gives 1,000 steps of a sum of two sines (periods 50 and $50/3$) plus
# Gaussian noise of standard deviation 0.1. We cut it into windows of 24 consecutive values, and
# the target of each window is the value that follows it. The first 800 steps train, the last 200
# test. The noise is unpredictable, so no model can beat a test MSE of $0.1^2 = 0.01$.

# %%
series = make_periodic_signal(1000, period=50.0, noise=0.1, seed=0)
clean = make_periodic_signal(1000, period=50.0, noise=0.0)  # the same signal without noise
window = 24
X, y = sliding_windows(series, window)  # X[i] = series[i : i + 24], y[i] = series[i + 24]
n_train = 800 - window  # the windows whose target lies in the first 800 steps
signal = Split(X[:n_train], y[:n_train], X[n_train:], y[n_train:], name="next value")
print(signal, "| X:", tuple(X.shape), "y:", tuple(y.shape))
assert signal.X_test.shape == (200, window, 1), "200 test targets, steps 800 to 999"

# %% [markdown] slideshow={"slide_type": "subslide"}
# The model: `nn.RNN` reads the window, and a linear layer turns the last hidden state
# $\mathbf h_{24}$ into the prediction. Inputs have shape `(batch, time, features)` with
# `batch_first=True`; `nn.RNN` returns every hidden state and the last one. We train it with
# `course_utils.fit`, clipping the gradient norm at 1 (`grad_clip=1.0`; section 3 explains why).
# The learning rate follows a one-cycle schedule, up and then down to almost 0, so the training
# ends on small steps instead of wherever the last large step happened to land.
#
# Every training input is a window of **true** values, and so is every input at test time: the
# model is always fed the real past, never its own guesses. Training a sequence model this way is
# called **teacher forcing**.

# %%
class NextValueRNN(nn.Module):
    """Read a window of values with an RNN; predict the next value from the last hidden state."""

    def __init__(self, hidden_size: int = 32):
        super().__init__()
        self.rnn = nn.RNN(input_size=1, hidden_size=hidden_size, batch_first=True)
        self.head = nn.Linear(hidden_size, 1)

    def forward(self, x):  # x: (batch, time, 1)
        hidden_states, _ = self.rnn(x)  # (batch, time, hidden): h_1, ..., h_T
        return self.head(hidden_states[:, -1])  # (batch, 1), from h_T


forecaster = NextValueRNN().to(device)
train_loader, test_loader = signal.loaders(64, device=device)
n_epochs = 40
optimizer = torch.optim.Adam(forecaster.parameters(), lr=0.01)
scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=0.01,
                                                total_steps=n_epochs * len(train_loader))
history = fit(forecaster, train_loader, nn.MSELoss(), optimizer, epochs=n_epochs,
              val_loader=test_loader, grad_clip=1.0, scheduler=scheduler)

# %%
test_mse = history.last("val_loss")
naive_mse = (signal.X_test[:, -1] - signal.y_test).pow(2).mean().item()  # "the next value = the last"
print(f"test MSE: RNN {test_mse:.4f} | repeat the last value {naive_mse:.4f} | noise floor 0.0100")
assert test_mse < 0.6 * naive_mse, "the RNN should beat repeating the last value clearly"

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Free running: feeding predictions back in
#
# One-step predictions always see the true past. To forecast further ahead, the model must feed its
# own predictions back in as inputs: each error then becomes part of the next input, and errors
# **accumulate**. This is **exposure bias**: trained with teacher forcing, the model never saw its
# own mistakes as inputs, so nothing taught it to recover from them. From step 800 on, we let the
# RNN run free for 200 steps.

# %%
@torch.no_grad()
def free_run(model, windows, n_steps):
    """Forecast n_steps ahead from each window (batch, window, 1), feeding predictions back in."""
    recent = windows.to(device)
    predictions = []
    for _ in range(n_steps):
        next_value = model(recent)  # (batch, 1)
        predictions.append(next_value)
        recent = torch.cat([recent[:, 1:], next_value[:, :, None]], dim=1)
    return torch.cat(predictions, dim=1).cpu()  # (batch, n_steps)


with torch.no_grad():
    one_step = forecaster(signal.X_test.to(device)).flatten().cpu()
forecast = free_run(forecaster, series[800 - window : 800].reshape(1, window, 1), 200)[0]

# %% slideshow={"slide_type": "subslide"}
steps = torch.arange(800, 1000)
fig, ax = plt.subplots(figsize=(10, 3.6))
ax.plot(torch.arange(740, 1000), series[740:], ".", color="0.6", markersize=3, label="observed (noisy)")
ax.plot(steps, clean[800:], color="black", linewidth=1.5, label="true signal (no noise)")
ax.plot(steps, one_step, color=PALETTE[0], label="one step ahead")
ax.plot(steps, forecast, "--", color=PALETTE[3], linewidth=2, label="free running from step 800")
ax.axvline(800, color="0.4", linestyle=":")
ax.set(xlabel="time step", ylabel="value", title="Next-value RNN: one-step predictions and a free run",
       ylim=(-1.9, 1.4))
ax.legend(loc="lower center", fontsize="small", ncol=4)

# %% [markdown] slideshow={"slide_type": "subslide"}
# One free run is one sample: whether it drifts early or late depends on where it starts and on the
# weights a particular training run found. To measure drift, we start 151 free runs of 150 steps, one
# every 5 steps from step 100 to 850 (so every phase of the wave is a starting point), all in one
# batch, and average their error against the noise-free signal at each horizon. Two naive forecasts give the scale: always predicting 0 (the
# signal's mean), and repeating the last observed value.

# %%
starts = torch.arange(100, 851, 5)
horizon = 150
start_windows = torch.stack([series[s - window : s] for s in starts])[:, :, None]
truth = torch.stack([clean[s : s + horizon] for s in starts])  # (151, 150)
error_by_step = (free_run(forecaster, start_windows, horizon) - truth).abs().mean(dim=0)
zero_error = truth.abs().mean().item()  # forecast 0 everywhere
repeat_error = (series[starts - 1, None] - truth).abs().mean().item()  # repeat the last value
first, last = error_by_step[:25].mean().item(), error_by_step[-25:].mean().item()
print(f"mean |error| over {len(starts)} free runs: steps 1-25 {first:.3f}, steps 126-150 {last:.3f} | "
      f"forecast 0: {zero_error:.3f}, repeat the last value: {repeat_error:.3f}")
assert first < 0.2 * zero_error, "the first 25 free-run steps should follow the signal closely"
assert last > 1.25 * first, "free-running errors should accumulate: the forecast drifts"

# %% slideshow={"slide_type": "subslide"}
fig, ax = plt.subplots(figsize=(7.5, 3.2))
ax.plot(torch.arange(1, horizon + 1), error_by_step, color=PALETTE[3], label="RNN, free running")
ax.axhline(zero_error, color="0.5", linestyle="--", label="always 0")
ax.axhline(repeat_error, color="0.5", linestyle=":", label="repeat the last value")
ax.set(xlabel="steps ahead", ylabel=f"mean |error| over {len(starts)} runs", ylim=(0, None),
       title="Free-run error grows with the horizon")
ax.legend(fontsize="small", loc="center right")

# %% [markdown]
# One step ahead, the predictions follow the wave closely (the test MSE includes the noise of the
# targets, which nothing can predict). Run free, the RNN keeps the shape of the wave for a while,
# far better than either naive forecast, but its error grows with the horizon: small errors fed
# back in compound, step after step, and the forecast slips in phase and shape. How fast it drifts
# differs from one training run to the next; that it drifts does not. The same loop will
# *generate* text in section 6, where wandering off is what we want: it makes new sentences.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 2. Inside the cell: an RNN by hand
#
# `nn.RNN` computes $\mathbf h_t = \tanh(W_{ih}\mathbf x_t + \mathbf b_{ih} + W_{hh}\mathbf h_{t-1}
# + \mathbf b_{hh})$: PyTorch keeps two bias vectors whose sum is our $\mathbf b$. For a batch, each
# $\mathbf x_t$ is a row, so the code multiplies by the transposed matrices. The loop below is the
# whole RNN.

# %%
def rnn_forward(x, h0, W_xh, W_hh, b):
    """Run h_t = tanh(W_xh x_t + W_hh h_{t-1} + b) over x of shape (batch, time, inputs).

    Returns the hidden states h_1, ..., h_T stacked into shape (batch, time, hidden)."""
    h, states = h0, []
    for t in range(x.shape[1]):
        h = torch.tanh(x[:, t] @ W_xh.T + h @ W_hh.T + b)
        states.append(h)
    return torch.stack(states, dim=1)

# %%
rnn = nn.RNN(input_size=3, hidden_size=5, batch_first=True)
x_small = torch.randn(4, 7, 3)  # 4 sequences of 7 steps with 3 features
h0 = torch.zeros(4, 5)
W_xh, W_hh = rnn.weight_ih_l0.detach(), rnn.weight_hh_l0.detach()
b = (rnn.bias_ih_l0 + rnn.bias_hh_l0).detach()
ours = rnn_forward(x_small, h0, W_xh, W_hh, b)
theirs, h_last = rnn(x_small)  # all hidden states, and the last one of shape (layers, batch, hidden)
print("our states:", tuple(ours.shape), "| nn.RNN:", tuple(theirs.shape), "and", tuple(h_last.shape))
assert torch.allclose(ours, theirs, atol=1e-6), "the hand-written RNN should equal nn.RNN"
assert torch.allclose(ours[:, -1], h_last[0], atol=1e-6), "h_n is the last hidden state"

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Backpropagation through time
#
# Unrolled, the RNN is an ordinary deep network, so backpropagation works as in lecture 04; it is
# called **backpropagation through time** (BPTT). Let a loss $L$ depend on the last state
# $\mathbf h_T$, and write $\mathbf z_t$ for the pre-activation, so $\mathbf h_t = \tanh \mathbf z_t$.
# Walking back from $t = T$:
#
# $$\boldsymbol\delta_t = \frac{\partial L}{\partial \mathbf z_t}
#     = \frac{\partial L}{\partial \mathbf h_t} \odot (1 - \mathbf h_t^2), \qquad
#   \frac{\partial L}{\partial \mathbf h_{t-1}} = W_{hh}^\top \boldsymbol\delta_t, \qquad
#   \frac{\partial L}{\partial W_{hh}} = \sum_t \boldsymbol\delta_t\, \mathbf h_{t-1}^\top,$$
#
# and likewise $\partial L / \partial W_{xh} = \sum_t \boldsymbol\delta_t \mathbf x_t^\top$ and
# $\partial L / \partial \mathbf b = \sum_t \boldsymbol\delta_t$. The weights are shared, so their
# gradients **add up over the steps**.

# %%
def rnn_backward(x, h0, states, dL_dhT, W_hh):
    """BPTT for a loss that depends on the last hidden state only; returns (dW_xh, dW_hh, db)."""
    dW_xh, dW_hh, db = 0, 0, 0
    dL_dh = dL_dhT
    for t in reversed(range(x.shape[1])):
        h_prev = states[:, t - 1] if t > 0 else h0
        delta = dL_dh * (1 - states[:, t] ** 2)  # through the tanh
        dW_xh = dW_xh + delta.T @ x[:, t]  # each step adds its share
        dW_hh = dW_hh + delta.T @ h_prev
        db = db + delta.sum(dim=0)
        dL_dh = delta @ W_hh  # one step further back in time
    return dW_xh, dW_hh, db

# %% slideshow={"slide_type": "subslide"}
params = [p.double().clone().requires_grad_() for p in (W_xh, W_hh, b)]
x64, h0_64 = x_small.double(), h0.double()
target = torch.randn(4, 5, dtype=torch.float64)
states = rnn_forward(x64, h0_64, *params)
loss = 0.5 * (states[:, -1] - target).pow(2).sum() / 4  # squared error of h_T, averaged over 4
loss.backward()
by_hand = rnn_backward(x64, h0_64, states.detach(), (states[:, -1].detach() - target) / 4, params[1])
for name, mine, param in zip(["dW_xh", "dW_hh", "db"], by_hand, params):
    assert torch.allclose(mine, param.grad, atol=1e-12), f"{name}: BPTT by hand should equal autograd"
print("BPTT by hand equals autograd for all three gradients, to 1e-12")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 3. Vanishing and exploding gradients
#
# The line `dL_dh = delta @ W_hh` runs once for every step back in time. Going back $k$ steps
# multiplies the gradient by $k$ Jacobians:
#
# $$\frac{\partial L}{\partial \mathbf h_{T-k}} = W_{hh}^\top D_{T-k+1} \cdots W_{hh}^\top D_{T-1}\,
#   W_{hh}^\top D_T\, \frac{\partial L}{\partial \mathbf h_T}, \qquad
#   D_t = \operatorname{diag}\!\left(1 - \mathbf h_t^2\right).$$
#
# Each $D_t$ (the tanh derivative) is at most 1. If every singular value of $W_{hh}$ is $s$,
# the product's size is at most $s^k$: for $s < 1$ the gradient **vanishes** geometrically, and the network cannot learn
# that an input 50 steps ago mattered; for $s > 1$ it can **explode**. Let us measure it: the size
# of $\partial L / \partial \mathbf x_{T-k}$, where $L = \lVert \mathbf h_T \rVert^2$ depends on the
# last step only, for 100-step random sequences.

# %%
x_long = torch.randn(32, 100, 8, dtype=torch.float64)  # 32 sequences, 100 steps, 8 features


def gradient_through_time(layer, x):
    """‖∂L/∂x_{T-k}‖ / ‖∂L/∂x_T‖ for k = 0, ..., T-1, with L = ‖h_T‖² (the last step only).

    In float64 on the CPU: the smallest gradients would underflow float32 to exactly 0."""
    x = x.clone().requires_grad_()
    hidden_states, _ = layer.double()(x)
    loss = hidden_states[:, -1].pow(2).sum()
    (grad,) = torch.autograd.grad(loss, x)
    sizes = grad.norm(dim=(0, 2)).flip(0)  # entry k: k steps before the last
    return sizes / sizes[0]


GRADIENT_AXES = {"xlabel": "steps back in time $k$", "start": 0, "logy": True,
                 "ylabel": r"$\|\partial L / \partial x_{T-k}\|$, relative"}

# %% slideshow={"slide_type": "subslide"}
def rnn_with_scale(scale):
    """An nn.RNN(8, 64) whose recurrent matrix has every singular value equal to `scale`."""
    layer = nn.RNN(8, 64, batch_first=True)
    nn.init.orthogonal_(layer.weight_hh_l0, gain=scale)
    return layer


rnn_curves = {f"$W_{{hh}}$ scale {s}": gradient_through_time(rnn_with_scale(s), x_long)
              for s in (0.5, 1.0, 2.0)}
rnn_curves["PyTorch's default init"] = gradient_through_time(nn.RNN(8, 64, batch_first=True), x_long)
plot_curves(rnn_curves, title="Plain RNN: the gradient from step 100 back to earlier inputs", **GRADIENT_AXES)
at_50 = {name: curve[50].item() for name, curve in rnn_curves.items()}
print("50 steps back:", ", ".join(f"{name}: {value:.1e}" for name, value in at_50.items()))

# %%
assert at_50["$W_{hh}$ scale 0.5"] < 1e-8, "with scale 0.5 the gradient should vanish"
assert at_50["$W_{hh}$ scale 2.0"] > 1e2, "with scale 2 the gradient should explode"
assert at_50["PyTorch's default init"] < 1e-6, "the default init is a vanishing regime"

# %% [markdown]
# Factors this small are no signal at all: what happened 50 steps ago cannot influence learning.
# At scale 1 the gradient decays slowly (the tanh factor is below 1), and at scale 2 it grows by
# orders of magnitude. Why is PyTorch's default in the vanishing regime? It draws every entry of
# $W_{hh}$ independently and uniformly from $[-1/\sqrt H, 1/\sqrt H]$, with variance
# $\sigma^2 = 1/(3H)$. The **circular law** of random matrices says that the eigenvalues of an
# $H \times H$ matrix of independent entries of variance $\sigma^2$ fill a disc of radius
# $\sqrt{H}\,\sigma$, here $1/\sqrt 3 \approx 0.577$ whatever $H$ is. A finite matrix's largest
# eigenvalue pokes a little out of the disc and varies from draw to draw, so we draw 20.

# %%
radii = torch.stack([torch.linalg.eigvals(nn.RNN(8, 64).weight_hh_l0.detach()).abs().max()
                     for _ in range(20)])
print(f"spectral radius of a default 64×64 W_hh over 20 draws: mean {radii.mean():.3f}, "
      f"from {radii.min():.3f} to {radii.max():.3f}; circular law: {1 / math.sqrt(3):.3f}")
assert abs(radii.mean() - 1 / math.sqrt(3)) < 0.08, "the mean radius should be close to 1/√3"
assert radii.max() < 0.85, "every default W_hh should be well inside the unit circle"

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Gradient clipping tames explosions
#
# An exploding gradient makes one step jump far across the loss surface (near a "cliff" of the
# loss) and undo all progress. **Gradient clipping** rescales the whole gradient $\mathbf g$ (all
# parameters together) whenever its norm exceeds a threshold $c$:
#
# $$\mathbf g \leftarrow \mathbf g \cdot \min\left(1, \frac{c}{\lVert \mathbf g \rVert}\right).$$
#
# The direction is kept; only the step length is capped. `torch.nn.utils.clip_grad_norm_` does it
# between `backward()` and `step()`, and `fit(..., grad_clip=c)` calls it for you. It treats the
# symptom, not the cause: vanishing gradients need a different architecture (next section).

# %%
exploding = rnn_with_scale(3.0).double()
hidden_states, _ = exploding(x_long)
hidden_states[:, -1].pow(2).sum().backward()
raw = [p.grad.clone() for p in exploding.parameters()]
norm_before = nn.utils.clip_grad_norm_(exploding.parameters(), max_norm=1.0)
clipped = [p.grad for p in exploding.parameters()]
norm_after = torch.cat([g.flatten() for g in clipped]).norm()
same_direction = F.cosine_similarity(torch.cat([g.flatten() for g in raw]),
                                     torch.cat([g.flatten() for g in clipped]), dim=0)
print(f"gradient norm {norm_before:.3g} → {norm_after:.3g}, cosine with the original {same_direction:.6f}")
assert norm_before > 100 and abs(norm_after - 1.0) < 1e-3, "clipping should cap the norm at 1"
assert same_direction > 0.9999, "clipping keeps the gradient's direction"

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 4. LSTM and GRU: gates keep the gradient alive
#
# The **long short-term memory** (LSTM, Hochreiter & Schmidhuber 1997) adds a **cell state**
# $\mathbf c_t$ that is updated by addition, under the control of three **gates** with values in
# $(0, 1)$ computed from $\mathbf x_t$ and $\mathbf h_{t-1}$:
#
# $$\begin{aligned}
# \mathbf i_t, \mathbf f_t, \mathbf o_t &= \sigma(W_{i,f,o}\,[\mathbf x_t, \mathbf h_{t-1}] +
#   \mathbf b_{i,f,o}) && \text{input, forget, output gates}\\
# \mathbf g_t &= \tanh(W_g\,[\mathbf x_t, \mathbf h_{t-1}] + \mathbf b_g) && \text{candidate}\\
# \mathbf c_t &= \mathbf f_t \odot \mathbf c_{t-1} + \mathbf i_t \odot \mathbf g_t, \qquad
# \mathbf h_t = \mathbf o_t \odot \tanh \mathbf c_t .
# \end{aligned}$$
#
# Follow the gradient along the cell state alone, treating the gates as fixed numbers:
# $\partial \mathbf c_t / \partial \mathbf c_{t-1} = \operatorname{diag}(\mathbf f_t)$, with no
# weight matrix and no squashing derivative. That is the **direct path** only. The gates themselves
# depend on $\mathbf h_{t-1}$, and so on $\mathbf c_{t-1}$, so the full Jacobian adds terms through
# $W_{hh}$ and the sigmoid and tanh derivatives, like a plain RNN's; the gradient flows along every
# path at once. The direct path matters because it cannot vanish while $\mathbf f_t \approx 1$: the
# gradient passes almost unchanged, like the skip connection of a residual network, and the network
# **learns** when to open or close the gate.

# %% [markdown] slideshow={"slide_type": "subslide"}
# The **gated recurrent unit** (GRU, Cho et al. 2014) gets by with two gates and no separate cell:
#
# $$\begin{aligned}
# \mathbf r_t, \mathbf z_t &= \sigma(W_{r,z}\,[\mathbf x_t, \mathbf h_{t-1}] + \mathbf b_{r,z})
#   && \text{reset, update gates}\\
# \mathbf n_t &= \tanh(W_{in}\mathbf x_t + \mathbf b_{in} + \mathbf r_t \odot (W_{hn}\mathbf h_{t-1}
#   + \mathbf b_{hn})), \qquad
# \mathbf h_t = (1 - \mathbf z_t) \odot \mathbf n_t + \mathbf z_t \odot \mathbf h_{t-1} .
# \end{aligned}$$
#
# Where $\mathbf z_t \approx 1$ the state is copied forward. PyTorch stacks the gates' weights in one
# matrix: the LSTM has 4 blocks (in the order i, f, g, o), the GRU 3 (r, z, n), so they have 4× and
# 3× the parameters of a plain RNN of the same size.

# %%
sizes = {kind.__name__: sum(p.numel() for p in kind(8, 64).parameters())
         for kind in (nn.RNN, nn.GRU, nn.LSTM)}
print("parameters with 8 inputs and 64 hidden units:", sizes)
assert sizes["LSTM"] == 4 * sizes["RNN"] and sizes["GRU"] == 3 * sizes["RNN"], "4 and 3 gate blocks"

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### The same measurement, with gates
#
# A gate's bias decides how open it starts. PyTorch initialises all biases near 0, so the forget gate
# starts half open, $\sigma(0) = 0.5$: the cell state halves at every step, and the gradient still
# vanishes. A common fix (Gers et al. 2000; Jozefowicz et al. 2015) is to start the forget gate's
# bias at 1 or 2. The same holds for the GRU's update gate. We measure both initialisations.

# %%
def with_gate_bias(layer, bias):
    """Add `bias` to the 2nd block of gate biases: the forget gate (LSTM) or the update gate (GRU)."""
    H = layer.hidden_size
    with torch.no_grad():
        layer.bias_hh_l0[H : 2 * H] += bias
    return layer


lstm, gru = nn.LSTM(8, 64, batch_first=True), nn.GRU(8, 64, batch_first=True)
gated_curves = {
    "plain RNN (default init)": rnn_curves["PyTorch's default init"],
    "LSTM, forget bias 0": gradient_through_time(lstm, x_long),
    "LSTM, forget bias 2": gradient_through_time(with_gate_bias(lstm, 2.0), x_long),
    "GRU, update bias 0": gradient_through_time(gru, x_long),
    "GRU, update bias 2": gradient_through_time(with_gate_bias(gru, 2.0), x_long),
}

# %% slideshow={"slide_type": "subslide"}
plot_curves(gated_curves, title="Gates that start open carry the gradient far back", **GRADIENT_AXES)
gated_50 = {name: curve[50].item() for name, curve in gated_curves.items()}
print("50 steps back:", ", ".join(f"{name}: {value:.1e}" for name, value in gated_50.items()))
assert gated_50["LSTM, forget bias 2"] > 1e-2, "an open forget gate should keep the gradient alive"
assert gated_50["LSTM, forget bias 2"] > 1e6 * gated_50["plain RNN (default init)"], "LSTM ≫ RNN"
assert gated_50["LSTM, forget bias 2"] > 1e3 * gated_50["LSTM, forget bias 0"], "the gate decides"
assert gated_50["GRU, update bias 2"] > 1e3 * gated_50["GRU, update bias 0"], "the gate decides"

# %% [markdown]
# With its forget gate open, the LSTM still delivers a sizeable gradient 50 steps back and beyond,
# millions of times more than the plain RNN. The gates are no magic at initialisation, though: with
# half-open gates the gradient still vanishes. What the gates add is that the network can *learn* to keep them open
# wherever the task needs a long memory, something a plain RNN's single matrix cannot do without
# also exploding.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Trained: remembering a symbol for 30 steps
#
# Gradients at initialisation are a prediction; training is the test. In a **recall task** each
# sequence holds 30 random symbols out of 4 (one-hot), the first one marked by an extra input
# channel, and the model must name the marked symbol after reading all 30. The 29 symbols after it
# look exactly like it, so the network has to write the first one into its state and keep it there
# while everything else streams past. Guessing is right 25 % of the time (a loss of $\ln 4$).
#
# Both networks have 32 units and train for 400 steps on batches of 64 fresh sequences (Adam at
# 0.01, clipping at 1). The LSTM's forget gate starts at bias 5: $\sigma(5) \approx 0.993$, and
# $0.993^{30} \approx 0.8$ of the cell survives 30 steps, where half-open gates would keep
# $0.5^{30} \approx 10^{-9}$. (With a lag of 50 the LSTM learns the task too, but not reliably
# within a few hundred steps: on some seeds it needs more training than this lecture's time budget.)

# %% slideshow={"slide_type": "skip"}
N_SYMBOLS = 4


def recall_batch(batch_size, lag, generator=None):
    """`lag` random one-hot symbols, the first marked in an extra channel; the target is the first."""
    symbols = torch.randint(N_SYMBOLS, (batch_size, lag), generator=generator)
    x = F.one_hot(symbols, N_SYMBOLS + 1).float()
    x[:, 0, N_SYMBOLS] = 1.0  # the marker
    return x.to(device), symbols[:, 0].to(device)


class Recall(nn.Module):
    """A recurrent layer reads the sequence; a linear layer names the symbol from the last state."""

    def __init__(self, layer):
        super().__init__()
        self.layer, self.head = layer, nn.Linear(layer.hidden_size, N_SYMBOLS)

    def forward(self, x):
        return self.head(self.layer(x)[0][:, -1])


def train_recall(model, lag, n_steps=400, batch_size=64):
    """Train on fresh batches; return the training losses and the accuracy on 2,000 new sequences."""
    model.to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    losses = []
    for _ in range(n_steps):
        x, target = recall_batch(batch_size, lag)
        loss = F.cross_entropy(model(x), target)
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
        optimizer.step()
        losses.append(loss.detach())
    x, target = recall_batch(2000, lag, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        return torch.stack(losses).cpu(), accuracy(model(x), target).item()

# %%
seed_everything(6)
lag, n_steps = 30, 400
recall_runs = {
    "plain RNN": train_recall(Recall(nn.RNN(N_SYMBOLS + 1, 32, batch_first=True)), lag, n_steps),
    "LSTM, forget bias 5": train_recall(
        Recall(with_gate_bias(nn.LSTM(N_SYMBOLS + 1, 32, batch_first=True), 5.0)), lag, n_steps),
}
recall_accuracy = {name: acc for name, (_, acc) in recall_runs.items()}
print("accuracy on new sequences:", {name: f"{acc:.0%}" for name, acc in recall_accuracy.items()})

# %% slideshow={"slide_type": "subslide"}
fig, ax = plt.subplots(figsize=(7.5, 3.2))
for (name, (losses, _)), color in zip(recall_runs.items(), (PALETTE[3], PALETTE[0])):
    ax.plot(torch.arange(19, len(losses)), losses.unfold(0, 20, 1).mean(dim=1), color=color, label=name)
ax.axhline(math.log(N_SYMBOLS), color="0.5", linestyle="--", label="guessing, ln 4")
ax.set(xlabel="training step", ylabel="loss (running mean of 20)", ylim=(0, 1.6),
       title=f"Recalling the first of {lag} symbols")
ax.legend(fontsize="small", loc="lower left")
mean_losses = {name: losses.mean().item() for name, (losses, _) in recall_runs.items()}
print("mean training loss:", {name: f"{v:.2f}" for name, v in mean_losses.items()})
assert recall_accuracy["LSTM, forget bias 5"] >= 0.95, "the LSTM should learn to recall the symbol"
assert mean_losses["LSTM, forget bias 5"] < 0.7 * mean_losses["plain RNN"], "the LSTM learns faster"

# %% [markdown]
# The LSTM leaves the plateau of guessing early and then names the symbol almost every time; its
# mean training loss over the run is well below the RNN's. On most seeds the plain RNN never leaves
# the plateau in 400 steps. It is not hopeless: Adam rescales each parameter's step, so even a tiny
# gradient moves the weights, and on some seeds (or with more training) a plain RNN does learn a
# 30-step recall, later than the LSTM. But it has to find, by luck, weights whose
# dynamics hold one symbol against 29 disturbances, while the LSTM starts with a memory that lasts
# and only has to learn when to write into it.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 5. A character-level language model
#
# A **language model** gives the probability of the next symbol given everything before it. Trained
# on text one character at a time, it learns spelling, words, punctuation and style, and it can then
# **write** by sampling one character after another. Our corpus is on every machine with Python: the
# **docstrings of the Python standard library**, read with `ast` (about a million characters; it
# differs a little between Python versions). Rare characters are replaced by `?`.

# %%
corpus = load_char_corpus()
train_ids, val_ids = corpus.split(0.1)  # the first 90 % trains, the last 10 % validates
print(corpus, f"| {len(train_ids):,} training and {len(val_ids):,} validation characters")
start = corpus.text.index("\n\n", 3000) + 2  # the beginning of a docstring
print(corpus.text[start : start + 400])

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### The baseline: character frequencies alone
#
# The loss is the cross-entropy of the next character, in **nats per character** (natural log).
# Guessing uniformly among $V$ characters costs $\ln V$. A **unigram** model that knows only how
# often each character occurs, $p(c) = \mathrm{count}(c) / N$, and ignores the context costs its
# cross-entropy on the validation text, $-\frac1N \sum_n \ln p(c_n)$, close to the entropy
# $H = -\sum_c p(c) \ln p(c)$ of the training frequencies. A model that reads the context must beat
# it: our target is **at most 0.55 times** the unigram loss.

# %%
counts = torch.bincount(train_ids, minlength=corpus.vocab_size).double()
unigram = counts / counts.sum()
baseline = -unigram[val_ids].log().mean().item()  # cross-entropy on the validation text
entropy = -(unigram[unigram > 0] * unigram[unigram > 0].log()).sum().item()
print(f"uniform guessing ln {corpus.vocab_size} = {math.log(corpus.vocab_size):.3f} | unigram: "
      f"validation loss {baseline:.3f}, training entropy {entropy:.3f} nats/char")
print(f"target: validation loss ≤ 0.55 × {baseline:.3f} = {0.55 * baseline:.3f}")
assert 2.5 < baseline < math.log(corpus.vocab_size), "the unigram model should beat uniform guessing"

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### The model: embedding → LSTM → linear
#
# Each character index becomes a learned vector of 32 numbers (`nn.Embedding`), an LSTM of 128 units
# reads them, and a linear layer gives the logits of the next character at **every** position. So one
# window of 64 characters gives 64 training examples, each predicting character $t + 1$ from
# characters $1..t$. `run` also returns the LSTM's final $(\mathbf h, \mathbf c)$, so that sampling
# can continue where it stopped.

# %%
class CharLSTM(nn.Module):
    """Embedding, one LSTM layer and a linear layer giving next-character logits."""

    def __init__(self, vocab_size: int, embedding_dim: int = 32, hidden_size: int = 128):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, embedding_dim)
        self.lstm = nn.LSTM(embedding_dim, hidden_size, batch_first=True)
        self.head = nn.Linear(hidden_size, vocab_size)

    def run(self, ids, state=None):
        """Logits of shape (batch, time, vocab) and the final (h, c) state."""
        hidden_states, state = self.lstm(self.embed(ids), state)
        return self.head(hidden_states), state

    def forward(self, ids):
        return self.run(ids)[0]

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### What `nn.Embedding` does
#
# `nn.Embedding(V, d)` holds a $V \times d$ matrix $E$ and maps index $c$ to row $c$ of it. That is
# exactly a linear layer without bias applied to the **one-hot** vector of $c$ (all zeros but a 1 at
# position $c$): $\text{onehot}(c)^\top E = E_{c,:}$. The lookup gives the same numbers without
# building a $V$-long vector or multiplying by its zeros, and the gradient reaches only the rows of
# the characters in the batch.

# %%
embedding = nn.Embedding(corpus.vocab_size, 32)
ids = corpus.encode("def")
as_matmul = F.one_hot(ids, corpus.vocab_size).float() @ embedding.weight  # (3, V) @ (V, 32)
print(f"ids {ids.tolist()} → vectors of shape {tuple(embedding(ids).shape)}")
assert torch.allclose(embedding(ids), as_matmul), "a lookup equals one-hot times the matrix"
assert torch.equal(embedding(ids), embedding.weight[ids]), "row c of the matrix for index c"

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Training on random windows
#
# Backpropagating through a million steps is neither possible nor needed. Each batch is 32 windows of
# 64 characters starting at random positions (**truncated BPTT**: gradients flow back at most 64
# steps), the targets are the same windows shifted by one character. The inputs are always the
# true text, never the model's own guesses: **teacher forcing**, as in section 1. Adam with
# clipping at norm 1
# takes 700 steps: at a learning rate of 0.02 for the first half, then decaying linearly to 0, so
# that the last, small steps settle into a lower loss. The data lives on `device` once; each step
# only draws indices.

# %%
def random_windows(ids, batch_size=32, length=64):
    """Inputs ids[s : s + length] and targets ids[s + 1 : s + length + 1] for random starts s."""
    starts = torch.randint(len(ids) - length - 1, (batch_size, 1), device=ids.device)
    windows = ids[starts + torch.arange(length + 1, device=ids.device)]  # (batch, length + 1)
    return windows[:, :-1], windows[:, 1:]


def next_char_loss(logits, targets):
    """Mean cross-entropy over every position of every window."""
    return F.cross_entropy(logits.flatten(0, 1), targets.flatten())

# %% slideshow={"slide_type": "subslide"}
seed_everything(0)
char_model = CharLSTM(corpus.vocab_size).to(device)
n_steps = 700
optimizer = torch.optim.Adam(char_model.parameters(), lr=0.02)
scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: min(1.0, 2 - 2 * step / n_steps))
train_on_device = train_ids.to(device)
step_losses = []
for _ in range(n_steps):
    inputs, targets = random_windows(train_on_device)
    loss = next_char_loss(char_model(inputs), targets)
    optimizer.zero_grad()
    loss.backward()
    nn.utils.clip_grad_norm_(char_model.parameters(), max_norm=1.0)
    optimizer.step()
    scheduler.step()
    step_losses.append(loss.detach())  # no .item(): the GPU never waits for the CPU
step_losses = torch.stack(step_losses).cpu()

# %%
val_windows = (len(val_ids) - 1) // 256
X_val = val_ids[: val_windows * 256].view(val_windows, 256)
Y_val = val_ids[1 : val_windows * 256 + 1].view(val_windows, 256)
val_loader = InMemoryLoader(X_val, Y_val, batch_size=128, device=device)
val = evaluate(char_model, val_loader, next_char_loss, {"accuracy": accuracy})  # (N, T, C) scores
print(f"validation: {val['loss']:.3f} nats/char = {val['loss'] / baseline:.2f} × the unigram "
      f"baseline; next character right {val['accuracy']:.0%} of the time")
assert val["loss"] <= 0.55 * baseline, f"expected ≤ {0.55 * baseline:.3f}, got {val['loss']:.3f}"

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Bits per character and perplexity
#
# Two other units for the same loss are common. Divided by $\ln 2$, it is in **bits per character**
# (bpc): the length, in bits, of the code an ideal compressor driven by the model would need per
# character. Exponentiated, $e^{\text{loss}}$ is the **perplexity**: the model is as uncertain as if
# it chose uniformly among that many characters at every step.

# %%
for name, nats in [("unigram", baseline), ("LSTM", val["loss"])]:
    print(f"{name:>8}: {nats:.3f} nats/char = {nats / math.log(2):.2f} bits/char, "
          f"perplexity {math.exp(nats):.1f}")
assert math.exp(val["loss"]) < math.exp(baseline) / 3, "the LSTM should be ≥ 3× less perplexed"

# %% slideshow={"slide_type": "subslide"}
smoothed = step_losses.unfold(0, 20, 1).mean(dim=1)  # a running mean over 20 steps
fig, ax = plt.subplots(figsize=(7.5, 3.4))
ax.plot(step_losses, color=PALETTE[5], linewidth=0.8, label="training batch")
ax.plot(torch.arange(19, n_steps), smoothed, color=PALETTE[0], label="running mean of 20")
ax.axhline(baseline, color=PALETTE[3], linestyle="--", label="unigram baseline")
ax.axhline(0.55 * baseline, color=PALETTE[2], linestyle=":", label="target (0.55 × baseline)")
ax.plot(n_steps, val["loss"], "*", color="black", markersize=12, label="validation, at the end")
ax.set(xlabel="training step", ylabel="loss (nats/char)", title="Character-level LSTM on docstrings")
ax.legend(fontsize="small")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 6. Writing docstrings: sampling with a temperature
#
# To generate text we feed a prompt, sample the next character from the model's distribution, feed
# it back in, and repeat: the free run of section 1, now on purpose. A **temperature** $\tau$ divides
# the logits before the softmax,
#
# $$p_\tau(c) = \frac{\exp(z_c / \tau)}{\sum_{c'} \exp(z_{c'} / \tau)} .$$
#
# $\tau = 1$ samples from the model as trained; $\tau < 1$ sharpens the distribution towards the
# likeliest characters (safer, more repetitive); $\tau > 1$ flattens it (more varied, more
# mistakes); $\tau \to 0$ always takes the most likely character.

# %%
@torch.no_grad()
def sample(model, prompt, n_chars=300, temperature=1.0):
    """Continue `prompt` by n_chars characters drawn one at a time at the given temperature."""
    model.eval()
    logits, state = model.run(corpus.encode(prompt).to(device)[None])  # read the whole prompt
    new_ids = []
    for _ in range(n_chars):
        probs = torch.softmax(logits[0, -1] / temperature, dim=-1)
        next_id = torch.multinomial(probs, num_samples=1)  # one character, as a (1,) tensor
        new_ids.append(next_id)
        logits, state = model.run(next_id[None], state)  # one step, carrying (h, c) along
    return prompt + corpus.decode(torch.cat(new_ids).cpu())

# %% slideshow={"slide_type": "subslide"}
seed_everything(1)
samples = {tau: sample(char_model, "Return the ", temperature=tau) for tau in (0.5, 1.0, 1.5)}
for tau, text in samples.items():
    print(f"──── temperature {tau} ────\n{text}\n")

# %% [markdown] slideshow={"slide_type": "subslide"}
# How docstring-like is that? A simple test: the fraction of the generated words (runs of two or
# more letters) that occur somewhere in the corpus. Characters drawn from the unigram frequencies
# rarely form real words; the LSTM's samples mostly do at τ ≤ 1, fewer at τ = 1.5: the lower the
# temperature, the more real words.

# %%
known_words = set(re.findall(r"[A-Za-z]{2,}", corpus.text))


def real_word_fraction(text):
    words = re.findall(r"[A-Za-z]{2,}", text)
    return sum(word in known_words for word in words) / max(len(words), 1)


unigram_text = corpus.decode(torch.multinomial(unigram.float(), 2000, replacement=True))
fractions = {tau: real_word_fraction(text) for tau, text in samples.items()}
print("real words:", {f"τ = {tau}": f"{frac:.0%}" for tau, frac in fractions.items()},
      f"| unigram samples: {real_word_fraction(unigram_text):.0%}")
assert fractions[0.5] >= 0.8, "at τ = 0.5 most generated words should be real words"
assert fractions[0.5] > fractions[1.5], "a lower temperature should give more real words"
assert fractions[0.5] > real_word_fraction(unigram_text) + 0.3, "far more real words than unigrams"

# %% [markdown]
# Sampling is the free run of section 1 again, and exposure bias with it: trained with teacher
# forcing, the model has only ever read real docstrings, but now it reads its own output. One odd
# character puts it in a context unlike anything it trained on, and the next characters are
# conditioned on that mistake. A low temperature makes such slips rarer; training schemes that feed
# the model its own samples part of the time (scheduled sampling) attack the cause.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 7. Where attention comes from
#
# Everything the LSTM knows about the past has to fit into its state: $\mathbf h_t$ and
# $\mathbf c_t$, 2 × 128 numbers, rewritten at every character. A detail read 200 characters ago
# (the name of a parameter, say) survives only if every one of the 200 updates since kept it. We can
# see how much context the trained model really uses: its validation loss at each position of a
# 256-character window, where the prediction at position $t$ has read $t$ characters.

# %%
with torch.no_grad():
    logits = char_model(X_val[:256].to(device))  # 256 windows of 256 characters
    loss_by_position = F.cross_entropy(logits.transpose(1, 2), Y_val[:256].to(device),
                                       reduction="none").mean(dim=0).cpu()
context_means = {span: loss_by_position[a:b].mean().item()
                 for span, (a, b) in {"1": (0, 1), "33-64": (32, 64), "129-256": (128, 256)}.items()}
print("validation loss (nats/char) by characters read:", {k: round(v, 3) for k, v in context_means.items()})
assert context_means["1"] > context_means["33-64"] + 0.5, "the first characters of context help a lot"
assert abs(context_means["129-256"] - context_means["33-64"]) < 0.1, "after ~30 characters, little more"

# %%
fig, ax = plt.subplots(figsize=(7.5, 3.2))
ax.plot(torch.arange(1, 257), loss_by_position, color=PALETTE[0], label="LSTM, mean of 256 windows")
ax.axhline(baseline, color=PALETTE[3], linestyle="--", label="unigram baseline")
ax.axvline(64, color="0.5", linestyle=":", label="training window length")
ax.set(xscale="log", xlabel="characters read (position in the window)", ylabel="loss (nats/char)",
       title="How much context the LSTM uses")
ax.legend(fontsize="small", loc="upper right")

# %% [markdown] slideshow={"slide_type": "subslide"}
# The loss falls steeply over the first few characters of context and then flattens: beyond a few
# dozen characters, reading more helps by a few hundredths of a nat at most, even though the start of a docstring says a lot about
# its end. The single state is a **bottleneck**. Translation models of 2014 showed it sharply: an
# encoder RNN read the source sentence into one vector, a decoder RNN wrote the translation from it,
# and quality fell as sentences grew longer. Bahdanau, Cho and Bengio (2015) let the decoder, at
# every output step, **look back at all the encoder's states** and take an average of them weighted
# by how well each matches what it needs now: **attention**. Transformers (Vaswani et al., 2017)
# keep only the attention: every position reads every earlier position directly, through one step
# instead of a chain of $T$ updates, and all positions are computed in parallel rather than one
# after another. Lecture 08 builds one and trains it on this corpus and split.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 8. Exercises
#
# Each exercise is a function to complete; the cell after it checks your answer on inputs you have not
# seen and says what is wrong if anything is.
#
# ### Exercise 1 — one step of an LSTM
#
# Write the LSTM cell of section 4 for a batch. PyTorch's `nn.LSTMCell` computes
# `gates = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh` of shape `(batch, 4H)` and splits it into the
# blocks $i, f, g, o$ in that order. The check compares your step with `nn.LSTMCell` at random sizes.

# %% tags=["exercise"]
def lstm_cell_step(x, h, c, W_ih, W_hh, b_ih, b_hh):
    """One LSTM step. x: (batch, inputs), h and c: (batch, H), W_ih: (4H, inputs), W_hh: (4H, H).

    Returns (h_new, c_new), both of shape (batch, H)."""
    ### BEGIN SOLUTION
    gates = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh
    i, f, g, o = gates.chunk(4, dim=1)
    c_new = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    h_new = torch.sigmoid(o) * torch.tanh(c_new)
    return h_new, c_new
    ### END SOLUTION


# %% tags=["check"]
check.lstm_cell_step(lstm_cell_step)

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise 2 — softmax with a temperature
#
# Return $p_\tau = \mathrm{softmax}(\mathbf z / \tau)$ over the **last** dimension of `logits` (a
# vector, or a batch of rows). It must not overflow for large logits or small temperatures: subtract
# the largest scaled logit before `exp`, or use `torch.softmax`.

# %% tags=["exercise"]
def softmax_with_temperature(logits: torch.Tensor, temperature: float) -> torch.Tensor:
    """Probabilities softmax(logits / temperature) over the last dimension."""
    ### BEGIN SOLUTION
    scaled = logits / temperature
    exps = torch.exp(scaled - scaled.max(dim=-1, keepdim=True).values)
    return exps / exps.sum(dim=-1, keepdim=True)
    ### END SOLUTION


# %% tags=["check"]
check.softmax_with_temperature(softmax_with_temperature)

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise 3 — the unigram entropy
#
# Return the entropy $H = -\sum_c p(c) \ln p(c)$, in nats, of the symbol frequencies in `ids` (a
# 1-D `int64` tensor of values in `0 .. vocab_size - 1`). Symbols that never occur contribute 0
# ($0 \ln 0 = 0$), so make sure they do not turn the result into `nan`.

# %% tags=["exercise"]
def unigram_entropy(ids: torch.Tensor, vocab_size: int) -> float:
    """Entropy in nats of the frequencies of the symbols in ids."""
    ### BEGIN SOLUTION
    counts = torch.bincount(ids, minlength=vocab_size).double()
    p = counts[counts > 0] / counts.sum()
    return float(-(p * p.log()).sum())
    ### END SOLUTION


# %% tags=["check"]
check.unigram_entropy(unigram_entropy)

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise 4 — clipping by the total norm
#
# Write what `clip_grad_norm_` does, for a list of gradient tensors: compute **one** norm over all of
# them, $\lVert \mathbf g \rVert = \sqrt{\sum_k \lVert \mathbf g_k \rVert^2}$, and if it exceeds
# `max_norm`, multiply every tensor by `max_norm / ‖g‖`. Return the new list.

# %% tags=["exercise"]
def clip_by_total_norm(grads: list[torch.Tensor], max_norm: float) -> list[torch.Tensor]:
    """Rescale the gradients together so that their total norm is at most max_norm."""
    ### BEGIN SOLUTION
    total = torch.sqrt(sum(g.pow(2).sum() for g in grads))
    factor = min(1.0, max_norm / (float(total) + 1e-6))
    return [g * factor for g in grads]
    ### END SOLUTION


# %% tags=["check"]
check.clip_by_total_norm(clip_by_total_norm)

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise 5 — one step of a GRU
#
# Write the GRU cell of section 4 for a batch, as `nn.GRUCell` computes it, without PyTorch's GRU.
# `W_ih` (shape `(3H, inputs)`) and `W_hh` (shape `(3H, H)`) stack the weights of the reset gate
# $\mathbf r$, the update gate $\mathbf z$ and the candidate $\mathbf n$, in that order, and so do
# `b_ih` and `b_hh`. Read the equations in section 4 closely: which gate multiplies the old state in
# $\mathbf h_t$, and does the reset gate act before or after $W_{hn}$ and $\mathbf b_{hn}$? The check
# compares your step with `nn.GRUCell` at random sizes and weights.

# %% tags=["exercise"]
def gru_cell_step(x, h, W_ih, W_hh, b_ih, b_hh):
    """One GRU step. x: (batch, inputs), h: (batch, H), W_ih: (3H, inputs), W_hh: (3H, H).

    Returns h_new of shape (batch, H)."""
    ### BEGIN SOLUTION
    x_r, x_z, x_n = (x @ W_ih.T + b_ih).chunk(3, dim=1)
    h_r, h_z, h_n = (h @ W_hh.T + b_hh).chunk(3, dim=1)
    r, z = torch.sigmoid(x_r + h_r), torch.sigmoid(x_z + h_z)
    n = torch.tanh(x_n + r * h_n)  # r scales W_hn h + b_hn, after the product
    return (1 - z) * n + z * h
    ### END SOLUTION


# %% tags=["check"]
check.gru_cell_step(gru_cell_step)

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Experiment — how far back can each network learn?
#
# The cell below trains one network on the recall task of section 4 (200 steps, about a second).
# Change `lag` (try 10, 25, 50, 100), the kind of layer and the LSTM's `forget_bias` (0, 2, 5), and
# rerun it a few times with different seeds. For which lags does each network learn the task in
# 200 steps? Why does the forget bias matter for the LSTM, and what limits the plain RNN? Explain
# with the gradient measurements of sections 3 and 4.

# %%
seed_everything(7)
lag, forget_bias, use_lstm = 10, 0.0, True
layer = nn.LSTM(N_SYMBOLS + 1, 32, batch_first=True) if use_lstm else nn.RNN(N_SYMBOLS + 1, 32, batch_first=True)
if use_lstm:
    with_gate_bias(layer, forget_bias)
_, experiment_accuracy = train_recall(Recall(layer), lag, n_steps=200)
print(f"lag {lag}, {'LSTM, forget bias ' + str(forget_bias) if use_lstm else 'plain RNN'}: "
      f"accuracy {experiment_accuracy:.0%} (guessing: 25%)")

# %% [markdown] tags=["answer"]
# ### BEGIN SOLUTION
# Expect large differences between seeds: run each setting several times before concluding. At a
# lag of 10 the plain RNN usually learns the task within 200 steps, often faster than an LSTM with
# the default forget bias 0: the gradient reaches the first step before it has shrunk much, and the
# RNN has fewer weights and no gates to learn. As the lag grows, the plain RNN's gradient to the
# first input shrinks geometrically (section 3: below $10^{-6}$ after 50 steps at the default
# initialisation), so the signal "the first symbol matters" is buried under the noise of the other
# symbols; Adam's rescaling and luck rescue it on some seeds at 25 to 50 steps, and not on others.
# An LSTM with forget bias 0 keeps about $0.5^{T}$ of its cell after $T$ steps, so at a lag of 25 it
# stays at guessing; with bias 2 ($0.88^{T}$) it sometimes learns; with bias 5 ($0.993^{T}$) the cell
# still holds most of the first symbol after 30 steps and the gradient flows back along the same
# path, so it learns reliably. At a lag of 100, a few hundred steps are not enough even for that
# LSTM: a memory that can last is necessary, but the network still has to learn to write the marked
# symbol and ignore the rest. The lesson: a network learns a long dependency easily only when its
# initial gradients can see it, and the forget gate's bias sets that horizon.
# ### END SOLUTION

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Summary
#
# * An **RNN** reads a sequence step by step, with the same weights at every step, and keeps a
#   **hidden state** $\mathbf h_t = \tanh(W_{xh}\mathbf x_t + W_{hh}\mathbf h_{t-1} + \mathbf b)$.
#   Trained with **teacher forcing** (always fed the true past), it forecast a noisy signal well one
#   step ahead; run free on its own predictions, its error grew with the horizon: **exposure bias**.
# * Our hand-written RNN equals `nn.RNN`, and **backpropagation through time** by hand equals
#   autograd: the unrolled RNN is a deep network whose shared weights sum their gradients over steps.
# * Going back $k$ steps multiplies the gradient by $k$ Jacobians: it **vanished** (below $10^{-8}$
#   after 50 steps at scale 0.5, and at PyTorch's default, whose spectral radius the circular law
#   puts near $1/\sqrt 3$) or **exploded** (scale 2). **Clipping** caps the norm of each step without
#   changing its direction (`clip_grad_norm_`, `fit(..., grad_clip=...)`).
# * **LSTM** and **GRU** add gates and an additive path; along the cell state alone, with the gates
#   held fixed, one step back multiplies the gradient by $\operatorname{diag}(\mathbf f_t)$. With the
#   forget gate open, the LSTM's gradient 50 steps back was millions of times the plain RNN's, and
#   trained on a 30-step recall task it learned to remember the marked symbol, where a plain RNN
#   mostly stayed at guessing.
# * A **character-level LSTM** of 128 units (an `nn.Embedding`, a lookup equal to one-hot times a
#   matrix, feeding the LSTM) learned the standard library's docstrings to under 0.55 × the unigram
#   loss in 700 steps, reported also in bits per character and perplexity, and wrote new ones; the
#   **temperature** trades safety for variety.
# * The whole past has to squeeze through one state, and the trained LSTM used only a few dozen
#   characters of context. Letting every step look back at all earlier states directly is
#   **attention**.
#
# **Next:** [Lecture 08 — attention and transformers](08_attention_transformers.ipynb) replaces the
# recurrence with attention and trains a small transformer on the same docstrings, to compare with
# this LSTM. [Lecture 07 — generative adversarial networks](07_gan.ipynb) turns to generating whole
# samples, judged by a second network.
