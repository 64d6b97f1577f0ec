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
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/pytorch-dl-course/deep-learning-course/blob/main/notebooks/04_mlp_backprop.ipynb)
#
# # Lecture 04 — Multilayer perceptrons and backpropagation
#
# Lectures 01–03 trained one linear unit. Its decision boundary is a straight line, and some
# problems have no straight line that solves them. This lecture stacks units into **layers**:
#
# 1. why one linear unit is not enough (XOR), and what a **hidden layer** adds;
# 2. **activation functions** and how their derivatives decide whether deep networks can learn;
# 3. **universal approximation**: a sum of simple units can draw any curve;
# 4. **backpropagation**, written by hand in NumPy and checked against finite differences and
#    autograd;
# 5. **softmax and cross-entropy** for several classes;
# 6. the PyTorch way: `nn.Module`, `DataLoader`, SGD, momentum and Adam;
# 7. what makes training work: input normalisation, weight initialisation, statistics to watch
#    during training, depth and width, and a **validation set** to choose on;
# 8. **overfitting**, and three remedies: weight decay, dropout, early stopping;
# 9. a real task: handwritten digits (MNIST-5k), with one look at the test set at the end.

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
import copy
import math
from dataclasses import replace

import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from course_utils import (
    PALETTE,
    accuracy,
    evaluate,
    fit,
    get_device,
    load_mnist5k,
    make_moons,
    make_xor,
    plot_autograd_graph,
    plot_curves,
    plot_decision_boundary,
    seed_everything,
    show_images,
)
from course_utils.checks import lecture04 as check

seed_everything(0)
device = get_device()
print(f"torch {torch.__version__}, training on: {device}")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 1. XOR: where one linear unit fails
#
# In XOR the label is 1 when **exactly one** of the two inputs is positive. Our data set has four
# blobs at the corners $(\pm1, \pm1)$; opposite corners share a label. Any linear unit predicts
# class 1 on one side of a straight line $w_1 x_1 + w_2 x_2 + b = 0$, and no line puts both blobs of
# one class on one side and both of the other on the other side: the best any line can do is 3 blobs
# of 4, that is 75 %.
#
# Logistic regression (lecture 03) does worse than that bound: by symmetry its best cross-entropy
# sits near $\mathbf w = \mathbf 0$, where it cannot tell the classes apart.

# %%
xor = make_xor()
X_xor, y_xor = xor.X_train.to(device), xor.y_train.to(device)
X_xor_test, y_xor_test = xor.X_test.to(device), xor.y_test.to(device)
print(xor)


# %%
def train_binary(model, X, y, n_steps=500, learning_rate=0.5):
    """Full-batch gradient descent on the binary cross-entropy; returns the training accuracy."""
    optimizer = torch.optim.SGD(model.parameters(), lr=learning_rate)
    for _ in range(n_steps):
        loss = F.binary_cross_entropy_with_logits(model(X).squeeze(1), y.float())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    with torch.no_grad():
        return accuracy(model(X), y).item()  # one logit per point: class 1 where it is positive


linear_unit = nn.Linear(2, 1).to(device)
linear_accuracy = train_binary(linear_unit, X_xor, y_xor)
weight_norm = linear_unit.weight.norm().item()
print(f"logistic regression on XOR: accuracy {linear_accuracy:.0%}, |w| = {weight_norm:.3f}")
assert linear_accuracy <= 0.76, f"no line gets more than ~75 % of XOR, got {linear_accuracy:.0%}"
assert weight_norm < 0.3, "by symmetry, the best weights should be close to zero"

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### A hand-made feature makes XOR linear
#
# Add a third input, the product $x_1 x_2$. It is positive on the corners $(1, 1)$ and $(-1, -1)$
# and negative on the other two, so in the space $(x_1, x_2, x_1 x_2)$ the plane $x_1 x_2 = 0$
# separates the classes, and logistic regression on the three features finds such a plane. Back in
# the original plane its boundary, $w_1 x_1 + w_2 x_2 + w_3 x_1 x_2 + b = 0$, is curved.
#
# This is the idea behind **kernel methods** such as the support vector machine: map the data to a
# space of features $\varphi(\mathbf x)$ in which a linear model suffices (a kernel computes the
# inner products $\varphi(\mathbf x)^\top \varphi(\mathbf x')$ without building $\varphi$). The
# catch is that someone has to choose $\varphi$.

# %%
def with_product(X):
    """Append the feature x1·x2 to the two inputs."""
    return torch.cat([X, X[:, :1] * X[:, 1:]], dim=1)


product_unit = nn.Linear(3, 1).to(device)
product_accuracy = train_binary(product_unit, with_product(X_xor), y_xor)
print(f"logistic regression on (x1, x2, x1·x2): training accuracy {product_accuracy:.0%}")
assert product_accuracy == 1.0, "with the product feature, a linear unit should solve XOR"


def predict_with_product(points):
    """Classes 0/1 for an array of points, from the linear unit on (x1, x2, x1·x2)."""
    P = torch.as_tensor(points, dtype=torch.float32, device=device)
    with torch.no_grad():
        return (product_unit(with_product(P)).squeeze(1) > 0).long().cpu()

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### A hidden layer learns its own features
#
# A **multilayer perceptron** (MLP) computes features and then a linear unit on them. With $H$
# hidden units and an activation function $g$ (here $\tanh$),
#
# $$\mathbf h = g(W_1^\top \mathbf x + \mathbf b_1) \in \mathbb R^H, \qquad
#   z = \mathbf w_2^\top \mathbf h + b_2 .$$
#
# Each hidden unit is a linear unit of its own, with its own boundary line; the output unit combines
# their answers. Nobody chooses the features: gradient descent tunes $W_1$ and $\mathbf b_1$
# together with the output weights. Without $g$ the network would collapse into one linear unit,
# since a linear function of a linear function is linear.

# %%
hidden_net = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 1)).to(device)
hidden_accuracy = train_binary(hidden_net, X_xor, y_xor)
with torch.no_grad():
    hidden_test_accuracy = accuracy(hidden_net(X_xor_test), y_xor_test).item()
print(f"MLP with 8 hidden units: training accuracy {hidden_accuracy:.0%}, "
      f"test accuracy {hidden_test_accuracy:.0%}")
assert hidden_accuracy == 1.0 and hidden_test_accuracy == 1.0, "a hidden layer should solve XOR"

# %% slideshow={"slide_type": "subslide"}
fig, axes = plt.subplots(1, 3, figsize=(10, 3.4))
panels = [(linear_unit, f"logistic regression: {linear_accuracy:.0%}"),
          (predict_with_product, f"with $x_1 x_2$: {product_accuracy:.0%}"),
          (hidden_net, f"8 hidden units: {hidden_accuracy:.0%}")]
for ax, (predict, title) in zip(axes, panels):
    plot_decision_boundary(predict, xor.X_train, xor.y_train, ax=ax, title=title, resolution=120)
    ax.set_aspect("equal")
# nn.Linear stores W₁ᵀ: one row per hidden unit
W1_rows, b1 = hidden_net[0].weight.detach().cpu(), hidden_net[0].bias.detach().cpu()
grid = torch.linspace(-2, 2, 50)
for w, b in zip(W1_rows, b1):  # where each hidden unit switches sign: w1 x1 + w2 x2 + b = 0
    axes[2].plot(grid, -(w[0] * grid + b) / w[1], ":", color="0.4", linewidth=0.8)
axes[2].set(xlim=axes[1].get_xlim(), ylim=axes[1].get_ylim())
fig.tight_layout()

# %% [markdown] slideshow={"slide_type": "notes"}
# The dotted lines are the eight hidden units' own boundaries. Each is a linear classifier; the
# output unit adds up their (smoothed) votes, and the sum is high between two of the lines and low
# outside. Several hidden units may learn nearly the same line: the network has more units than XOR
# needs.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 2. Activation functions and their derivatives
#
# The activation $g$ is applied element by element after each linear layer. Three classics:
#
# | | $g(z)$ | $g'(z)$ | largest slope |
# |---|---|---|---|
# | sigmoid | $\sigma(z) = 1 / (1 + e^{-z})$ | $\sigma(z)(1 - \sigma(z))$ | $\frac14$ at $z = 0$ |
# | tanh | $\tanh z$ | $1 - \tanh^2 z$ | $1$ at $z = 0$ |
# | ReLU | $\max(0, z)$ | $1$ if $z > 0$, else $0$ | $1$ for every $z > 0$ |
#
# Backpropagation multiplies by $g'$ once per layer, so these slopes matter. Below, autograd's
# derivatives are checked against the formulas and plotted.

# %%
activations = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "ReLU": torch.relu}
derivative_formulas = {
    "sigmoid": lambda z: torch.sigmoid(z) * (1 - torch.sigmoid(z)),
    "tanh": lambda z: 1 - torch.tanh(z) ** 2,
    "ReLU": lambda z: (z > 0).float(),
}
z = torch.linspace(-5, 5, 201, requires_grad=True)
derivatives = {}
for name, g in activations.items():
    derivatives[name] = torch.autograd.grad(g(z).sum(), z)[0]  # the sum's gradient: g'(z) entrywise
    assert torch.allclose(derivatives[name], derivative_formulas[name](z.detach()), atol=1e-6), name
print("autograd agrees with the three derivative formulas")

# %% slideshow={"slide_type": "subslide"}
fig, (ax_g, ax_dg) = plt.subplots(1, 2, figsize=(10, 3.5))
for color, (name, g) in zip(PALETTE, activations.items()):
    ax_g.plot(z.detach(), g(z).detach(), color=color, label=name)
    ax_dg.plot(z.detach(), derivatives[name], color=color, label=f"{name}'")
ax_g.set(xlabel="$z$", ylabel="$g(z)$", title="Activation functions", ylim=(-1.2, 3))
ax_dg.set(xlabel="$z$", ylabel="$g'(z)$", title="Their derivatives")
ax_g.legend()
ax_dg.legend()
fig.tight_layout()

# %% [markdown]
# Sigmoid and tanh **saturate**: for large $|z|$ they are flat, and their derivative is nearly 0.
# ReLU is flat only on the negative side; where a unit is active, its slope is exactly 1. (At
# $z = 0$ ReLU has no derivative; PyTorch uses 0 there, and so do we.)

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Why ReLU trains deep networks faster: gradients measured layer by layer
#
# In a network of $L$ layers, the gradient that reaches layer 1 has been multiplied by a weight
# matrix and by $g'$ once for each layer above it. With the sigmoid, $g' \le \frac14$, so unless
# the weight matrices make up for it, it shrinks by a factor of 4 or more per layer: it
# **vanishes**. Let us measure it. We build networks with 10 hidden layers of width 64 (11 weight
# matrices), each with the usual initialisation for its activation (Xavier for sigmoid and tanh,
# He for ReLU; section 7 explains them, and why Xavier does not suit the sigmoid), on the two-moons
# data that section 6 fits properly.

# %%
moons = make_moons(noise=0.15)
X_moons, y_moons = moons.X_train.to(device), moons.y_train.to(device)


def make_mlp(sizes, activation=nn.ReLU, init=None):
    """An MLP with layer sizes e.g. (2, 64, 64, 2): Linear, activation, ..., Linear.

    init, if given, fills each weight matrix (the biases start at 0)."""
    layers = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        layer = nn.Linear(n_in, n_out)
        if init is not None:
            init(layer.weight)
            nn.init.zeros_(layer.bias)
        layers += [layer, activation()]
    return nn.Sequential(*layers[:-1])  # no activation after the output layer

# %%
def he_init(weight):
    nn.init.kaiming_normal_(weight, nonlinearity="relu")


deep_nets = {
    "sigmoid": make_mlp((2,) + (64,) * 10 + (2,), nn.Sigmoid, nn.init.xavier_normal_),
    "tanh": make_mlp((2,) + (64,) * 10 + (2,), nn.Tanh, nn.init.xavier_normal_),
    "ReLU": make_mlp((2,) + (64,) * 10 + (2,), nn.ReLU, he_init),
}
gradient_sizes = {}
for name, net in deep_nets.items():
    net.to(device)
    F.cross_entropy(net(X_moons), y_moons).backward()
    linears = [layer for layer in net if isinstance(layer, nn.Linear)]
    rms = [layer.weight.grad.pow(2).mean().sqrt() for layer in linears]  # root mean square
    gradient_sizes[name] = torch.stack(rms).cpu()

# %%
ax = plot_curves(gradient_sizes, xlabel="layer (1 = next to the input)", ylabel="RMS of ∂L/∂W",
                 title="Gradient size per layer, 10 hidden layers of 64", logy=True)
ax.figure.set_size_inches(7, 3.5)
ratios = {name: (sizes[1] / sizes[9]).item() for name, sizes in gradient_sizes.items()}
for name, ratio in ratios.items():
    print(f"{name:>7}: gradient at hidden layer 2 / at hidden layer 10 = {ratio:.1e}")
assert ratios["sigmoid"] < 1e-3, "the sigmoid's gradient should vanish towards the input"
assert ratios["tanh"] > 0.1 and ratios["ReLU"] > 0.1, "tanh and ReLU should keep the gradient size"

# %% [markdown] slideshow={"slide_type": "subslide"}
# With the sigmoid, the first layers receive gradients many orders of magnitude smaller than the
# last ones (the ratio printed above is about $10^{-5}$), so with one learning rate for all, they
# barely move. Tanh and ReLU keep the gradient's size across layers when initialised well. Tanh
# still saturates once its inputs grow during training, while an active ReLU always passes the
# gradient on unchanged (and is cheaper to compute). Here is what that means for training: 120 steps
# of full-batch gradient descent, same learning rate for all three.

# %%
deep_losses = {}
for name, net in deep_nets.items():
    optimizer = torch.optim.SGD(net.parameters(), lr=0.05)
    losses = []
    for _ in range(120):
        loss = F.cross_entropy(net(X_moons), y_moons)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.detach())
    deep_losses[name] = torch.stack(losses).cpu()

# %%
ax = plot_curves(deep_losses, xlabel="gradient-descent step", ylabel="training loss",
                 title="10 hidden layers: the sigmoid does not learn")
ax.figure.set_size_inches(7, 3.5)
final = {name: losses[-1].item() for name, losses in deep_losses.items()}
print("final training loss:", {name: round(value, 3) for name, value in final.items()})
assert final["sigmoid"] > 0.65, "the deep sigmoid network should be stuck near ln 2 ≈ 0.69"
assert final["ReLU"] < final["tanh"], "ReLU should get further than tanh in the same steps"

# %% [markdown] slideshow={"slide_type": "notes"}
# The sigmoid network's loss stays at $\ln 2 \approx 0.693$, the loss of answering 50/50 everywhere.
# ReLU's popularity since about 2012 (AlexNet) comes largely from this: deep ReLU networks train
# with plain gradient descent. ReLU has a failure of its own, "dead" units whose input is negative
# for every example and which therefore never get a gradient; variants such as leaky ReLU and GELU
# keep a small slope on the negative side.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 3. Universal approximation, made visible
#
# How much can one hidden layer represent? The **universal approximation theorem** (Cybenko 1989,
# Hornik 1991; for every non-polynomial activation including ReLU, Leshno et al. 1993) says: any
# continuous function on a closed, bounded interval $[a, b]$ can be approximated as closely as we
# like by $\sum_k c_k\, g(w_k x + b_k)$, given enough hidden units. Let us build such sums by hand
# for a wiggly function on $[-3, 3]$.
#
# * **ReLUs → a broken line.** Put knots $t_0 < t_1 < \dots < t_n$ on the interval. Unit $k$ is
#   $\mathrm{relu}(x - t_k)$: zero left of $t_k$, a ramp right of it. Its output weight $c_k$ is the
#   change of slope at $t_k$, so the sum bends exactly at the knots and passes through $f(t_k)$.
# * **Sigmoids → a staircase.** A steep $\sigma(\beta(x - m))$ is a step at $m$. One step between
#   each pair of knots, of height $f(t_k) - f(t_{k-1})$, gives a staircase that follows $f$.

# %%
def sigmoid(z):
    return 0.5 * (1 + np.tanh(0.5 * z))  # equal to 1 / (1 + e^-z), and never overflows


def wiggly(x):
    return np.sin(3 * x) + 0.5 * np.sin(7 * x) + 0.3 * x

# %%
def relu_sum(x, knots, f):
    """One hidden layer of ReLUs, relu(x - t_k), whose output weights are the changes of slope."""
    hidden = np.maximum(0.0, x[:, None] - knots[None, :-1])  # (points, units)
    slopes = np.diff(f(knots)) / np.diff(knots)
    output_weights = np.diff(slopes, prepend=0.0)
    return f(knots[0]) + hidden @ output_weights


def sigmoid_sum(x, knots, f):
    """One hidden layer of steep sigmoids: a step between each pair of knots."""
    midpoints, spacing = (knots[1:] + knots[:-1]) / 2, knots[1] - knots[0]
    hidden = sigmoid(10 / spacing * (x[:, None] - midpoints[None, :]))
    return f(knots[0]) + hidden @ np.diff(f(knots))

# %%
x_fine = np.linspace(-3, 3, 1201)
n_units = [4, 8, 16, 32, 64, 128]
errors = {"ReLU sum": [], "sigmoid sum": []}
for n in n_units:
    knots = np.linspace(-3, 3, n + 1)
    errors["ReLU sum"].append(np.abs(relu_sum(x_fine, knots, wiggly) - wiggly(x_fine)).max())
    errors["sigmoid sum"].append(np.abs(sigmoid_sum(x_fine, knots, wiggly) - wiggly(x_fine)).max())
for name, errs in errors.items():
    print(f"{name:<12} max error:", "  ".join(f"{n} units {e:.3f}" for n, e in zip(n_units, errs)))
    assert all(np.diff(errs) < 0), f"the {name}'s error should fall with every doubling of units"
assert errors["ReLU sum"][-1] < 0.01, "128 ReLUs should follow the curve to within 0.01"
relu_factor, sigmoid_factor = (errs[-2] / errs[-1] for errs in errors.values())  # 64 → 128 units
assert relu_factor > 3 and 1.5 < sigmoid_factor < 3, "expected about 4× (ReLU) and 2× (sigmoid)"

# %% slideshow={"slide_type": "subslide"}
fig, (ax_fit, ax_err) = plt.subplots(1, 2, figsize=(10, 3.6))
ax_fit.plot(x_fine, wiggly(x_fine), color="black", linewidth=2.5, label="$f(x)$")
for color, n in zip(PALETTE, [8, 32]):
    knots = np.linspace(-3, 3, n + 1)
    ax_fit.plot(x_fine, relu_sum(x_fine, knots, wiggly), color=color, label=f"{n} ReLUs")
    ax_fit.plot(knots, wiggly(knots), "o", color=color, markersize=3)
ax_fit.plot(x_fine, sigmoid_sum(x_fine, np.linspace(-3, 3, 17), wiggly), color=PALETTE[2],
            label="16 sigmoids")
ax_fit.set(xlabel="$x$", ylabel="$y$", title="Sums of shifted units", ylim=(-2.4, 3.4))
ax_fit.legend(fontsize="small", ncol=2, loc="upper left")
for color, (name, errs) in zip(PALETTE, errors.items()):
    ax_err.loglog(n_units, errs, "o-", color=color, label=name)
ax_err.set(xlabel="hidden units", ylabel="max |error|", title="More units, smaller error")
ax_err.legend()
fig.tight_layout()

# %% [markdown]
# Once the units are dense enough to follow every wiggle, the ReLU sum's error falls about 4× per
# doubling (like $1/n^2$), the staircase's about 2× (like $1/n$). The theorem is about
# **existence**: it does not say how many units a function needs (it can be astronomically many),
# nor that gradient descent will find the weights, nor that they will generalise from a finite
# sample. Depth helps with the first: a deep ReLU network can bend its line exponentially many times
# with only polynomially many units.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 4. Backpropagation, by hand
#
# Training needs $\partial L / \partial \theta$ for every weight $\theta$. Write the network as a
# chain of small steps, one line per operation (batch of $N$ rows in $X \in \mathbb R^{N \times D}$,
# $H$ hidden units, one logit per example, labels $y_i \in \{0, 1\}$):
#
# $$Z_1 = X W_1 + \mathbf b_1,\quad A_1 = \tanh(Z_1),\quad \mathbf z_2 = A_1 \mathbf w_2 + b_2,\quad
#   L = \frac1N \sum_{i=1}^N \big[\log(1 + e^{z_{2,i}}) - y_i z_{2,i}\big].$$
#
# The last step is the binary cross-entropy of lecture 03 written with the logit. Autograd records
# the same chain as a **computational graph**; here it is for this network:

# %%
X_small, y_small = moons.X_train[:12].double(), moons.y_train[:12].double()  # float64: exact checks
rng = np.random.default_rng(0)
params = {"W1": rng.normal(0, 0.7, (2, 5)), "b1": rng.normal(0, 0.1, 5),
          "w2": rng.normal(0, 0.45, 5), "b2": np.array(0.1)}
leaves = {name: torch.tensor(value, requires_grad=True) for name, value in params.items()}
Z1 = X_small @ leaves["W1"] + leaves["b1"]
z2 = torch.tanh(Z1) @ leaves["w2"] + leaves["b2"]
torch_loss = (F.softplus(z2) - y_small * z2).mean()  # softplus(z) = log(1 + e^z)
ax = plot_autograd_graph(torch_loss, leaves)
ax.figure.set_size_inches(10, 2.8)

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### The backward pass: the chain rule, from the loss back to the weights
#
# Walk the graph from right to left. Each step multiplies the gradient arriving from above by its
# own local derivative (from lecture 03, $\partial \ell / \partial z = \sigma(z) - y$):
#
# $$\frac{\partial L}{\partial \mathbf z_2} = \frac{\sigma(\mathbf z_2) - \mathbf y}{N}, \qquad
#   \frac{\partial L}{\partial \mathbf w_2} = A_1^\top \frac{\partial L}{\partial \mathbf z_2},
#   \qquad \frac{\partial L}{\partial b_2} = \sum_i \frac{\partial L}{\partial z_{2,i}},$$
#
# $$\frac{\partial L}{\partial A_1} = \frac{\partial L}{\partial \mathbf z_2}\, \mathbf w_2^\top,
#   \qquad \frac{\partial L}{\partial Z_1} = \frac{\partial L}{\partial A_1} \odot (1 - A_1^2),$$
#
# $$\frac{\partial L}{\partial W_1} = X^\top \frac{\partial L}{\partial Z_1}, \qquad
#   \frac{\partial L}{\partial \mathbf b_1}
#   = \sum_i \Big(\frac{\partial L}{\partial Z_1}\Big)_{i,:}.$$
#
# Two rules of thumb make these easy to get right: **a gradient has the shape of its variable** (so
# $\partial L/\partial W_1$ is $D \times H$, which forces $X^\top$ on the left), and **a bias is
# added to every row, so its gradient sums over the rows**.

# %%
def forward(params, X):
    """Return the logits (N,) and what the backward pass needs."""
    A1 = np.tanh(X @ params["W1"] + params["b1"])  # (N, H)
    z2 = A1 @ params["w2"] + params["b2"]  # (N,)
    return z2, A1


def bce_loss(z2, y):
    return np.mean(np.logaddexp(0, z2) - y * z2)  # logaddexp(0, z) = log(1 + e^z), computed stably

# %% slideshow={"slide_type": "subslide"}
def backward(params, X, y, z2, A1):
    """Gradients of the mean cross-entropy with respect to every parameter, by the chain rule."""
    dz2 = (sigmoid(z2) - y) / len(y)  # (N,)
    dA1 = np.outer(dz2, params["w2"])  # (N, H)
    dZ1 = dA1 * (1 - A1**2)  # tanh'(Z1) = 1 - tanh²(Z1)
    return {"W1": X.T @ dZ1, "b1": dZ1.sum(axis=0), "w2": A1.T @ dz2, "b2": dz2.sum()}


X_np, y_np = X_small.numpy(), y_small.numpy()
z2_np, A1_np = forward(params, X_np)
grads = backward(params, X_np, y_np, z2_np, A1_np)
print(f"loss {bce_loss(z2_np, y_np):.6f}; gradient shapes:",
      {name: g.shape for name, g in grads.items()})
assert all(grads[name].shape == params[name].shape for name in params), "shape of its variable"

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Checked twice: finite differences and autograd
#
# A hand-written backward pass needs an independent check. The central difference of lecture 00
# nudges one weight at a time (two forward passes per weight: fine for 21 weights, hopeless for
# millions), and autograd differentiates the graph above. We compare with the **relative error**
# $\lVert a - b \rVert / \max(\lVert a \rVert, \lVert b \rVert)$, in `float64`.

# %%
def numerical_gradients(params, X, y, h=1e-6):
    """Central differences of the loss, one parameter entry at a time."""
    numeric = {}
    for name, value in params.items():
        numeric[name] = np.zeros_like(value)
        for index in np.ndindex(value.shape):
            original = value[index]
            value[index] = original + h
            loss_up = bce_loss(forward(params, X)[0], y)
            value[index] = original - h
            loss_down = bce_loss(forward(params, X)[0], y)
            value[index] = original
            numeric[name][index] = (loss_up - loss_down) / (2 * h)
    return numeric

# %%
def relative_error(a, b):
    return np.linalg.norm(a - b) / max(np.linalg.norm(a), np.linalg.norm(b))


numeric = numerical_gradients(params, X_np, y_np)
torch_loss.backward()  # autograd through the graph drawn above
for name in params:
    by_differences = relative_error(grads[name], numeric[name])
    by_autograd = relative_error(grads[name], leaves[name].grad.numpy())
    print(f"{name}: relative error vs finite differences {by_differences:.1e}, "
          f"vs autograd {by_autograd:.1e}")
    assert by_differences < 1e-6, f"∂L/∂{name} disagrees with the finite differences"
    assert by_autograd < 1e-6, f"∂L/∂{name} disagrees with autograd"
assert np.isclose(bce_loss(z2_np, y_np), torch_loss.item(), rtol=1e-12), "same forward pass"

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Training with our own backpropagation
#
# Forward, backward, step: that is all gradient descent needs. Sixteen hidden units, the full
# training set of two moons (375 points) as one batch, learning rate 1.

# %%
rng = np.random.default_rng(1)
X_train_np, y_train_np, X_test_np, y_test_np = moons.numpy()
numpy_net = {"W1": rng.normal(0, 1 / np.sqrt(2), (2, 16)), "b1": np.zeros(16),
             "w2": rng.normal(0, 1 / np.sqrt(16), 16), "b2": np.array(0.0)}
numpy_losses = []
for _ in range(1500):
    z2, A1 = forward(numpy_net, X_train_np)
    numpy_losses.append(bce_loss(z2, y_train_np))
    for name, grad in backward(numpy_net, X_train_np, y_train_np, z2, A1).items():
        numpy_net[name] -= 1.0 * grad


def numpy_predict(points):
    return (forward(numpy_net, points)[0] > 0).astype(int)

# %%
numpy_test_accuracy = (numpy_predict(X_test_np) == y_test_np).mean()
fig, (ax_loss, ax_boundary) = plt.subplots(1, 2, figsize=(10, 3.6))
plot_curves({"NumPy MLP, 16 tanh units": numpy_losses}, ax=ax_loss, xlabel="step",
            ylabel="training loss", title="Gradient descent with hand-written backprop", logy=True)
plot_decision_boundary(numpy_predict, X_test_np, y_test_np, ax=ax_boundary, resolution=120,
                       class_names=moons.class_names,
                       title=f"test set: {numpy_test_accuracy:.1%} correct")
ax_boundary.set_aspect("equal")
fig.tight_layout()
assert numpy_test_accuracy >= 0.96, f"expected ≥ 96 % test accuracy, got {numpy_test_accuracy:.1%}"

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 5. Softmax and cross-entropy: more than two classes
#
# For $C$ classes the network outputs $C$ **logits** $\mathbf z \in \mathbb R^C$ per example, and
# the **softmax** turns them into probabilities that are positive and sum to 1:
#
# $$p_k = \mathrm{softmax}(\mathbf z)_k = \frac{e^{z_k}}{\sum_{j=1}^C e^{z_j}} .$$
#
# The loss is again the negative log-probability of the true class, averaged over the batch:
# $L = -\frac1N \sum_i \log p_{i, y_i}$. With $C = 2$ and logits $(0, z)$ this is exactly the
# sigmoid and binary cross-entropy of lecture 03, since $e^z / (1 + e^z) = \sigma(z)$.
#
# **Its gradient, in two lines.** For one example with label $y$, write the loss with the logits:
# $\ell = -\log p_y = -z_y + \log \sum_j e^{z_j}$. Differentiate by $z_k$: the first term gives
# $-1$ if $k = y$ (else 0), the second $e^{z_k} / \sum_j e^{z_j} = p_k$. So
# $\partial \ell / \partial z_k = p_k - [k = y]$, and since $L$ is the mean of $N$ such terms, with
# $Y$ the **one-hot** matrix of the labels ($Y_{ik} = 1$ if $y_i = k$),
#
# $$\frac{\partial L}{\partial Z} = \frac1N\,(P - Y).$$
#
# The network is pushed to raise the true class's logit (gradient $p_y - 1 < 0$) and lower every
# other one in proportion to the probability it wrongly receives. Autograd agrees:

# %%
logits = torch.randn(6, 4, dtype=torch.float64, requires_grad=True)
labels = torch.tensor([0, 3, 1, 1, 2, 0])
P = torch.exp(logits) / torch.exp(logits).sum(dim=1, keepdim=True)
by_hand = -torch.log(P[torch.arange(6), labels]).mean()
by_hand.backward()
print(f"cross-entropy by hand {by_hand.item():.6f}, "
      f"F.cross_entropy {F.cross_entropy(logits, labels).item():.6f}")
assert torch.isclose(by_hand, F.cross_entropy(logits, labels)), "same loss as PyTorch's"
Y = F.one_hot(labels, num_classes=4).double()
assert torch.allclose(logits.grad, (P - Y).detach() / 6), "∂L/∂Z should be (P − Y) / N"

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Softmax overflows: subtract the maximum
#
# $e^{z}$ overflows `float64` once $z > 709$ (and `float32` once $z > 88$); then softmax computes
# $\infty / \infty$ = `nan`. Subtracting any constant from all logits leaves the softmax unchanged
# (it cancels between numerator and denominator), so subtract the **largest** logit of each row:
# every exponent becomes $\le 0$, and the largest term is exactly $e^0 = 1$. For the cross-entropy
# use the **log-sum-exp** form, which never takes the log of an underflowed 0:
#
# $$\log p_k = (z_k - m) - \log \sum_j e^{z_j - m}, \qquad m = \max_j z_j .$$

# %%
big = np.array([[1000.0, 999.0, 990.0]])
with np.errstate(over="ignore", invalid="ignore"):
    naive = np.exp(big) / np.exp(big).sum(axis=1, keepdims=True)
shifted = big - big.max(axis=1, keepdims=True)
stable = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
print("naive: ", naive, "\nstable:", stable.round(6))
assert np.isnan(naive).any() and np.isclose(stable.sum(), 1.0), "the naive softmax should overflow"
assert np.allclose(stable, torch.softmax(torch.tensor(big), dim=1).numpy()), "same as torch.softmax"

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 6. The PyTorch way
#
# ### `nn.Module`: layers that own their parameters
#
# A network is a class derived from `nn.Module`: the constructor creates the layers (each
# `nn.Linear` holds a weight and a bias, registered as parameters), and `forward` says how data
# flows through them. Autograd replaces `backward`. First, the checked cell: load section 4's NumPy
# weights into a module and compare gradients.

# %%
class TwoLayerNet(nn.Module):
    """Section 4's network: Linear → tanh → Linear with one logit."""

    def __init__(self, n_inputs, n_hidden):
        super().__init__()
        self.hidden = nn.Linear(n_inputs, n_hidden)
        self.output = nn.Linear(n_hidden, 1)

    def forward(self, x):
        return self.output(torch.tanh(self.hidden(x))).squeeze(1)

# %%
module = TwoLayerNet(2, 5).double()
with torch.no_grad():  # nn.Linear stores its weight as (out, in), the transpose of our W1
    module.hidden.weight.copy_(torch.from_numpy(params["W1"].T))
    module.hidden.bias.copy_(torch.from_numpy(params["b1"]))
    module.output.weight.copy_(torch.from_numpy(params["w2"][None, :]))
    module.output.bias.copy_(torch.from_numpy(params["b2"].reshape(1)))
F.binary_cross_entropy_with_logits(module(X_small), y_small).backward()
module_grads = {"W1": module.hidden.weight.grad.T, "b1": module.hidden.bias.grad,
                "w2": module.output.weight.grad[0], "b2": module.output.bias.grad[0]}
for name, grad in module_grads.items():
    assert relative_error(grads[name], grad.numpy()) < 1e-6, f"nn.Module and NumPy differ on {name}"
print("nn.Module + autograd give the same gradients as the hand-written backward pass")

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Mini-batches from a `DataLoader`
#
# Section 4 used every training point for every step. In practice we take **mini-batches**: a
# `Dataset` knows how to return example $i$, and a `torch.utils.data.DataLoader` draws batches from
# it, in a new random order every epoch (`shuffle=True`), and stacks the examples into tensors. It
# is PyTorch's general tool: it can read images from disk in background worker processes while the
# GPU trains. `split.loaders(kind="dataloader")` builds one over a `TensorDataset`.

# %%
train_loader, test_loader = moons.loaders(batch_size=32, kind="dataloader")
xb, yb = next(iter(train_loader))
print(type(train_loader).__name__, "over", type(train_loader.dataset).__name__,
      f"| {len(train_loader.dataset)} examples in {len(train_loader)} batches")
print("one batch:", tuple(xb.shape), xb.dtype, tuple(yb.shape), yb.dtype)
assert not torch.equal(next(iter(train_loader))[0], xb), "shuffle=True: a new order every epoch"

# %% [markdown]
# ### The training loop
#
# Every PyTorch training loop has the same five lines at its heart: forward, loss, `zero_grad`,
# `backward`, `step`. The loss of each batch is kept on the device (`loss.detach()`), not turned
# into a Python number with `.item()`, which would make a GPU wait after every batch.

# %%
def train_epochs(model, loader, optimizer, n_epochs):
    """The plain training loop; returns the mean training loss of every epoch."""
    epoch_losses = []
    for _ in range(n_epochs):
        total, seen = torch.zeros((), device=device), 0
        for xb, yb in loader:
            xb, yb = xb.to(device), yb.to(device)
            loss = F.cross_entropy(model(xb), yb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.detach() * len(yb)
            seen += len(yb)
        epoch_losses.append(total / seen)
    return torch.stack(epoch_losses).cpu()

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### SGD, momentum and Adam
#
# * Plain **SGD** steps against each batch's gradient:
#   $\theta \leftarrow \theta - \eta\, \mathbf g$.
# * **Momentum** steps along a running sum of past gradients,
#   $\mathbf v \leftarrow \mu \mathbf v + \mathbf g$, $\theta \leftarrow \theta - \eta\, \mathbf v$,
#   so directions that stay the same from batch to batch build up speed: where the gradient stays
#   $\mathbf g$, $\mathbf v$ grows to $\mathbf g / (1 - \mu)$, and with $\mu = 0.9$ the step is
#   **ten times** plain SGD's at the same $\eta$. A fair comparison therefore also runs plain SGD
#   with the same effective step, $\eta / (1 - \mu)$.
# * **Adam** keeps running averages of the gradient, $\mathbf m$, and of its square, $\mathbf s$,
#   and updates
#   $\theta \leftarrow \theta - \eta\, \hat{\mathbf m} / (\sqrt{\hat{\mathbf s}} + \epsilon)$
#   (the hats correct for both averages starting at 0). Every parameter moves by at most
#   about $\eta$ per step, however large or small its gradient.
#
# Same network, same starting weights, same batches:

# %%
moons_net = make_mlp((2, 16, 16, 2), nn.Tanh).to(device)
optimizers = {
    "SGD (lr 0.1)": lambda p: torch.optim.SGD(p, lr=0.1),
    "SGD + momentum 0.9 (lr 0.1)": lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9),
    "SGD (lr 1.0 = 0.1 / (1 - 0.9))": lambda p: torch.optim.SGD(p, lr=1.0),
    "Adam (lr 0.01)": lambda p: torch.optim.Adam(p, lr=0.01),
}
optimizer_losses, trained = {}, {}
for name, make_optimizer in optimizers.items():
    loader, _ = moons.loaders(batch_size=32, kind="dataloader")  # a fresh loader: the same batches
    trained[name] = copy.deepcopy(moons_net)
    optimizer = make_optimizer(trained[name].parameters())
    optimizer_losses[name] = train_epochs(trained[name], loader, optimizer, n_epochs=40)

# %% slideshow={"slide_type": "subslide"}
adam_name = "Adam (lr 0.01)"
adam_net = trained[adam_name]
moons_test_accuracy = evaluate(adam_net, test_loader)["accuracy"]
fig, (ax_loss, ax_boundary) = plt.subplots(1, 2, figsize=(10, 3.6))
plot_curves(optimizer_losses, ax=ax_loss, ylabel="training loss", logy=True,
            title="Two moons: four optimizers")
plot_decision_boundary(adam_net, moons.X_test, moons.y_test, ax=ax_boundary, resolution=120,
                       class_names=moons.class_names,
                       title=f"Adam: {moons_test_accuracy:.1%} of the test set")
ax_boundary.set_aspect("equal")
fig.tight_layout()
final = {name: losses[-5:].mean().item() for name, losses in optimizer_losses.items()}
print("training loss, mean of the last 5 epochs:", {name: round(v, 3) for name, v in final.items()})
final_sgd, final_momentum, final_big_sgd, final_adam = final.values()
assert final_adam < 0.5 * final_sgd, "Adam should reach a much lower loss than plain SGD"
assert final_big_sgd < 0.5 * final_sgd, "plain SGD with the larger step should leave the plateau too"
assert 0.5 < final_big_sgd / final_momentum < 2, "same effective step: about the same loss"
assert moons_test_accuracy >= 0.96, f"expected ≥ 96 % test accuracy, got {moons_test_accuracy:.1%}"

# %% [markdown]
# Plain SGD with $\eta = 0.1$ stalls on a plateau; momentum and Adam leave it after a few epochs
# (their curves are bumpy: their effective steps are large, so each noisy mini-batch moves the
# weights a lot). But plain SGD with **ten times the learning rate** ends within a factor of two of
# momentum's loss: on this problem most of momentum's advantage is simply its larger effective
# step. What momentum adds on top is averaging: it smooths the noise of single batches and
# cancels steps that flip direction, which matters more on badly conditioned losses than here.
# Adam's per-parameter step sizes make it forgiving about the learning rate, which is why it is
# the usual first choice; well-tuned SGD with momentum is still common for large vision models.
#
# **The faster loader.** For a data set that fits in memory, a `DataLoader` spends most of its time
# fetching examples one by one and stacking them. The rest of the course therefore uses
# `split.loaders(batch_size, device=device)`, which returns an `InMemoryLoader`: it moves the data
# to the device once and slices whole batches, with the same `for xb, yb in loader` interface.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 7. What makes training work
#
# ### Input normalisation
#
# Give the second coordinate of the moons other units: multiply it by 100 and add 500 (a height in
# centimetres next to a ratio). The first layer then receives inputs in the hundreds, every tanh
# unit is deep in its flat region, and, as section 2 showed, flat units pass back almost no
# gradient. **Standardising** each feature with the training set's mean and standard deviation fixes
# it; even Adam cannot fix it for us.

# %%
units, offsets = torch.tensor([1.0, 100.0]), torch.tensor([0.0, 500.0])
X_odd = X_moons * units.to(device) + offsets.to(device)
mean, std = X_odd.mean(dim=0), X_odd.std(dim=0)
normalisation_results = {}
for name, X in {"other units": X_odd, "standardised": (X_odd - mean) / std}.items():
    net = copy.deepcopy(moons_net)
    with torch.no_grad():
        saturated = (net[0](X).abs() > 3).float().mean().item()  # tanh'(3) < 0.01
    train_epochs(net, [(X, y_moons)], torch.optim.Adam(net.parameters(), lr=0.01), n_epochs=200)
    normalisation_results[name] = (saturated, evaluate(net, [(X, y_moons)])["accuracy"])
    print(f"{name:>12}: {saturated:.0%} of first-layer units saturated at the start; "
          f"after 200 Adam steps, training accuracy {normalisation_results[name][1]:.1%}")
assert normalisation_results["other units"][0] > 0.9, "nearly all tanh units should start saturated"
assert normalisation_results["other units"][1] < 0.9, "unscaled inputs should leave the net stuck"
assert normalisation_results["standardised"][1] >= 0.96, "standardised inputs should train well"

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### MNIST-5k, and three data sets: train, validation, test
#
# The rest of the lecture works on MNIST-5k: 4,000 training and 1,000 test images of 28×28
# pixels, flattened into 784 inputs and standardised with the training pixels' mean and standard
# deviation.
#
# From here on we make **choices**: an initialisation, a depth and a width, when to stop
# training. A choice made by looking at the test set makes the test set part of training: the
# winner was picked partly for its luck on those very images, so its test accuracy flatters it.
# So the data is split three ways:
#
# * the **training set** (3,200 images) fits the weights;
# * the **validation set** (800 images held out of the training part, 20 % of each class) chooses
#   between models and settings;
# * the **test set** (1,000 images) is looked at once, at the very end, for the number we report.

# %%
mnist_raw = load_mnist5k(flatten=True)
pixel_mean, pixel_std = mnist_raw.X_train.mean(), mnist_raw.X_train.std()
mnist = replace(mnist_raw, X_train=(mnist_raw.X_train - pixel_mean) / pixel_std,
                X_test=(mnist_raw.X_test - pixel_mean) / pixel_std)
fitting = mnist.validation(0.2)  # its "test" part is the validation set; mnist keeps the test set
print(mnist, f"| pixels standardised with mean {pixel_mean:.3f} and std {pixel_std:.3f}")
print(fitting)
mnist_train_loader, mnist_val_loader = fitting.loaders(batch_size=64, device=device)
assert len(fitting.X_train) + len(fitting.X_test) == len(mnist.X_train), "carved from training"

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Weight initialisation
#
# Each layer multiplies its input by a random matrix. If the weights have variance $v$ and the layer
# has $n_\text{in}$ inputs, each output has variance about $n_\text{in} v$ times its input's (halved
# by a ReLU, which zeroes half its inputs). Through many layers that factor compounds: below 1 the
# signal (and the gradient) dies out, above 1 it explodes. **He** initialisation picks
# $v = 2 / n_\text{in}$ for ReLU, making up for the zeroed half. **Xavier** (Glorot) picks
# $v = 2 / (n_\text{in} + n_\text{out})$, a compromise between keeping the forward signal
# ($n_\text{in} v = 1$) and the backward one ($n_\text{out} v = 1$). It was derived for units that
# pass a small input on unchanged, as tanh does near 0 (slope 1). It is often used with the sigmoid
# too, but it ignores the sigmoid's slope of at most ¼: each sigmoid layer still shrinks the
# backward signal 4-fold or more, the vanishing gradient of section 2.
#
# We test three choices on a ReLU network with 6 hidden layers of 256 units for MNIST-5k digits,
# and measure the size of each layer's activations on 500 training images.

# %%
initialisations = {
    "too small: N(0, 0.01²)": lambda w: nn.init.normal_(w, std=0.01),
    "He: N(0, 2 / n_in)": he_init,
    "too large: N(0, 0.2²)": lambda w: nn.init.normal_(w, std=0.2),
}
activation_sizes, init_losses = {}, {}
for name, init in initialisations.items():
    seed_everything(0)
    net = make_mlp((784,) + (256,) * 6 + (10,), nn.ReLU, init).to(device)
    h, sizes = fitting.X_train[:500].to(device), []
    with torch.no_grad():
        for layer in net:
            h = layer(h)
            if isinstance(layer, nn.ReLU):
                sizes.append(h.std())
    activation_sizes[name] = torch.stack(sizes).cpu()
    optimizer = torch.optim.SGD(net.parameters(), lr=0.05)
    init_losses[name] = train_epochs(net, mnist_train_loader, optimizer, n_epochs=2)

# %% slideshow={"slide_type": "subslide"}
ax = plot_curves(activation_sizes, xlabel="hidden layer", ylabel="std of activations", logy=True,
                 title="Signal through 6 ReLU layers")
ax.figure.set_size_inches(7, 3.4)
for name, losses in init_losses.items():
    print(f"{name:<24} training loss per epoch: {[round(v, 3) for v in losses.tolist()]}")
growth = {name: (std[-1] / std[0]).item() ** (1 / 5) for name, std in activation_sizes.items()}
print("factor per layer:", {name: round(factor, 2) for name, factor in growth.items()})
small_growth, he_growth, large_growth = growth.values()
assert small_growth < 0.2 and 0.7 < he_growth < 1.4 and large_growth > 1.5, "shrink / keep / grow"
assert list(activation_sizes.values())[2][-1] > 100, "too large: activations in the hundreds"
small, he, large = (losses[-1].item() for losses in init_losses.values())
assert abs(small - math.log(10)) < 0.05, "tiny weights should leave the loss at ln 10 (guessing)"
assert he < 1.0, f"He initialisation should train, got loss {he:.3f}"
assert not large < 2.3, "too-large weights should blow up (the loss is huge or nan)"

# %% [markdown]
# Too small: the activations shrink about 10× per layer, the output is almost the same for every
# image, and the loss stays at $\ln 10 \approx 2.303$, the loss of guessing. Too large: they grow
# about 2× per layer, the last hidden layer's activations are in the hundreds, and the first steps
# throw the weights so far that the loss becomes `nan`. He initialisation keeps the scale from layer
# to layer and trains. `nn.Linear`'s default (uniform with variance $1/(3 n_\text{in})$, a sixth of
# He's) shrinks the signal by about $\sqrt{1/6} \approx 0.4$ per ReLU layer: harmless for one or two
# hidden layers, and possibly part of why the four-layer networks below, which use it, do worst.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Watching a network while it trains
#
# A loss curve says *that* training goes badly, not *where*. A few statistics per layer, recorded
# at every step, say more:
#
# * each hidden layer's **activations**: their mean and standard deviation, and for tanh the share
#   of **saturated** units ($|a| > 0.97$, where $\tanh' < 0.06$), which pass back almost no
#   gradient;
# * each weight matrix's **update-to-weight ratio**, $\mathrm{std}(\eta\, \partial L / \partial W) /
#   \mathrm{std}(W)$: how much one step changes the layer, relative to its size. A rule of thumb
#   (from Andrej Karpathy's lectures) is about $10^{-3}$; far below it a layer hardly learns, far
#   above it the layer is thrown around.
#
# Two tanh networks with 4 hidden layers of 128 units, trained with SGD ($\eta = 0.1$) for 3
# epochs (150 steps): one with Xavier initialisation, one with weights 5× larger.

# %% slideshow={"slide_type": "skip"}
def watch_training(net, loader, n_epochs, learning_rate=0.1):
    """Train with SGD and record, at every step, statistics of each tanh layer's output and the
    update-to-weight ratio of each weight matrix. Returns tensors of shape (steps, layers)."""
    linears = [layer for layer in net if isinstance(layer, nn.Linear)]
    tanhs = [layer for layer in net if isinstance(layer, nn.Tanh)]
    outputs = {}

    def remember(module, inputs, output):
        outputs[module] = output.detach()

    hooks = [layer.register_forward_hook(remember) for layer in tanhs]
    optimizer = torch.optim.SGD(net.parameters(), lr=learning_rate)
    stats = {"mean": [], "std": [], "saturated": [], "update ratio": []}
    for _ in range(n_epochs):
        for xb, yb in loader:
            loss = F.cross_entropy(net(xb), yb)
            optimizer.zero_grad()
            loss.backward()
            with torch.no_grad():
                activations = [outputs[layer] for layer in tanhs]
                stats["mean"].append(torch.stack([a.mean() for a in activations]))
                stats["std"].append(torch.stack([a.std() for a in activations]))
                stats["saturated"].append(torch.stack([(a.abs() > 0.97).float().mean()
                                                       for a in activations]))
                stats["update ratio"].append(torch.stack(
                    [(learning_rate * layer.weight.grad).std() / layer.weight.std()
                     for layer in linears]))
            optimizer.step()
    for hook in hooks:
        hook.remove()
    return {name: torch.stack(values).cpu() for name, values in stats.items()}

# %%
watched, watched_accuracy = {}, {}
for name, gain in {"Xavier": 1.0, "5× too large": 5.0}.items():
    seed_everything(0)
    net = make_mlp((784,) + (128,) * 4 + (10,), nn.Tanh,
                   lambda w, gain=gain: nn.init.xavier_normal_(w, gain=gain)).to(device)
    watched[name] = watch_training(net, mnist_train_loader, n_epochs=3)
    watched_accuracy[name] = evaluate(net, mnist_val_loader)["accuracy"]
    n_steps = len(watched[name]["std"])
    for step in (0, n_steps - 1):
        row = "  ".join(f"{m:+.2f}/{s:.2f}/{q:3.0%}" for m, s, q in zip(
            *(watched[name][key][step].tolist() for key in ("mean", "std", "saturated"))))
        print(f"{name:<12} step {step + 1:>3}, mean/std/saturated per layer: {row}")
    print(f"{name:<12} validation accuracy after 150 steps: {watched_accuracy[name]:.1%}")

# %% slideshow={"slide_type": "subslide"}
fig, (ax_sat, ax_ratio) = plt.subplots(1, 2, figsize=(10, 3.6))
for style, stats in zip(("-", "--"), watched.values()):
    for layer, color in zip(range(5), PALETTE):
        if layer < 4:
            ax_sat.plot(100 * stats["saturated"][:, layer], style, color=color,
                        label=f"hidden layer {layer + 1}" if style == "-" else None)
        ax_ratio.plot(stats["update ratio"][:, layer].log10(), style, color=color, linewidth=1,
                      label=f"W{layer + 1}" if style == "-" else None)
for name, style in zip(watched, ("-", "--")):
    ax_sat.plot([], [], style, color="0.3", label=name)
ax_ratio.axhline(-3, color="0.5", linestyle=":", linewidth=1)
ax_sat.set(xlabel="step", ylabel="saturated units (%)", title="tanh units with |a| > 0.97")
ax_ratio.set(xlabel="step", ylabel="log10 update / weight", title="Update-to-weight ratio")
ax_sat.legend(fontsize="small", ncol=2, loc="center right")
ax_ratio.legend(fontsize="small", ncol=3, loc="upper right")
fig.tight_layout()
good, bad = watched.values()
assert good["saturated"].max() < 0.4, "with Xavier, most tanh units should stay unsaturated"
assert good["saturated"][:, 1:].max() < 0.05, "with Xavier, the deeper layers hardly saturate"
assert bad["saturated"][0].mean() > 0.5, "5× too large: most units should start saturated"
assert bad["saturated"][-1].mean() > 0.6, "5× too large: most units should end up saturated"
assert watched_accuracy["Xavier"] > watched_accuracy["5× too large"] + 0.1, "saturation hurts"
ratios = good["update ratio"].log10()
print("Xavier: median log10 update ratio per weight matrix:",
      [round(r, 2) for r in ratios.median(dim=0).values.tolist()])
assert -4 < ratios.min() and ratios.max() < -1, "Xavier: updates of 0.01 % to 10 % per step"
assert ((-3.5 < ratios.median(dim=0).values) & (ratios.median(dim=0).values < -1.5)).all()

# %% [markdown]
# With Xavier the first layer saturates most: with 784 inputs and 128 outputs, Xavier's
# compromise gives it weights of variance $2/(784 + 128)$, 1.7 times $1/n_\text{in}$, so its
# inputs to tanh are a little larger than 1. The deeper layers hardly saturate at all. The update
# ratios stay between about $10^{-3}$ and $10^{-2}$: on the high side of the rule of thumb, but
# healthy. With weights 5× larger, most units start and stay saturated: they pass back almost
# no gradient, and after the same 150 steps the network is far behind. Such plots are how one
# notices a dead or saturated layer, or a learning rate that is off for one layer, long before
# the final accuracy says that something was wrong.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Depth or width?
#
# Is it better to have more layers or wider ones? There is no general theory that answers it for a
# given problem; it is measured. A small grid on MNIST-5k: 1, 2 or 4 hidden layers of 32 or 256 ReLU
# units, each trained with Adam for 3 epochs and scored on the **validation** set. One run per
# setting is not enough: runs that differ only in their random initial weights differ by about a
# point, as much as some settings differ from each other. So each setting is trained from 3 seeds,
# and we compare the mean ± one standard deviation.

# %%
depth_width = {}
for width in (32, 256):
    for depth in (1, 2, 4):
        accuracies = []
        for seed in range(3):
            seed_everything(seed)
            net = make_mlp((784,) + (width,) * depth + (10,)).to(device)
            optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
            fit(net, mnist_train_loader, nn.CrossEntropyLoss(), optimizer, epochs=3)
            accuracies.append(evaluate(net, mnist_val_loader)["accuracy"])
        depth_width[depth, width] = torch.tensor(accuracies)
        n_params = sum(p.numel() for p in net.parameters())
        print(f"{depth} × {width:>3} units: {n_params:>7,} parameters, validation accuracy "
              f"{depth_width[depth, width].mean():.1%} ± {depth_width[depth, width].std():.1%}")

# %%
mean = {key: acc.mean().item() for key, acc in depth_width.items()}
spread = {key: acc.std().item() for key, acc in depth_width.items()}
fig, ax = plt.subplots(figsize=(6, 3.4))
for color, width in zip(PALETTE, (32, 256)):
    ax.errorbar((1, 2, 4), [mean[d, width] for d in (1, 2, 4)],
                yerr=[spread[d, width] for d in (1, 2, 4)], fmt="o-", color=color, capsize=4,
                label=f"{width} units per layer")
ax.set(xlabel="hidden layers", ylabel="validation accuracy", xticks=(1, 2, 4),
       title="MNIST-5k after 3 epochs: mean ± std over 3 seeds")
ax.legend()
for d in (1, 2, 4):
    gain = mean[d, 256] - mean[d, 32]
    assert gain > max(spread[d, 256], spread[d, 32]), f"{d} layers: width should pay, beyond noise"
assert mean[4, 32] < min(mean[1, 32], mean[2, 32]), "4 × 32 should be the worst narrow network"
assert abs(mean[2, 256] - mean[1, 256]) < 0.02, "a second layer of 256 should change little"
assert mean[4, 256] < max(mean[1, 256], mean[2, 256]) + 0.01, "four layers of 256 buy nothing"

# %% [markdown]
# On flattened pixels, with 3,200 training images and 3 epochs, width pays at every depth, by
# more than the spread between seeds. Depth buys nothing here: two layers of 256 land within a
# point or two of one, and four are no better (they may even be a little behind: deeper networks
# with `nn.Linear`'s default initialisation start more slowly). For a narrow network depth soon
# hurts: four layers of 32 squeeze every image through 32 numbers four times and are the hardest
# to optimise. Had we run each setting once, differences of a point or less could have come out
# either way. Depth pays when the architecture gives layers something to compose, as lecture 05's
# convolutions do (edges → strokes → digits).

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 8. Overfitting, and three remedies
#
# A network with enough weights can fit its training images exactly, label noise, quirks and all.
# Its **training** loss then keeps falling while its **validation** loss, on images it never
# trained on, stops falling and rises: the network has started to learn the particular training
# images rather than digits. That is **overfitting**. To see it quickly, we give a network of 128
# hidden ReLUs (about 100,000 weights) only 500 training images, and train with AdamW (Adam with
# the weight decay below, here switched off) for 50 epochs, recording both losses after every
# epoch.

# %% slideshow={"slide_type": "skip"}
seed_everything(0)
few = torch.randperm(len(fitting.X_train))[:500]
small = replace(fitting, X_train=fitting.X_train[few], y_train=fitting.y_train[few])


def make_small_net(hidden_dropout=0.0):
    """784 → 128 ReLUs → 10, from the same initial weights every time."""
    seed_everything(1)
    return nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Dropout(hidden_dropout),
                         nn.Linear(128, 10)).to(device)


def train_small(net, weight_decay=0.0, n_epochs=50, callbacks=()):
    """AdamW on the 500 images (the same batches every time), validated after every epoch."""
    loader, val_loader = small.loaders(batch_size=100, device=device)
    optimizer = torch.optim.AdamW(net.parameters(), lr=2e-3, weight_decay=weight_decay)
    return fit(net, loader, nn.CrossEntropyLoss(), optimizer, n_epochs, val_loader=val_loader,
               metrics=["accuracy"], callbacks=callbacks)

# %%
overfit = train_small(make_small_net())  # 784 → 128 ReLUs → 10, AdamW, 500 images, 50 epochs
best_epoch = int(np.argmin(overfit["val_loss"])) + 1
print(f"training accuracy {overfit.last('accuracy'):.1%}, validation accuracy "
      f"{overfit.last('val_accuracy'):.1%}; validation loss lowest at epoch {best_epoch} "
      f"({min(overfit['val_loss']):.3f}), {overfit.last('val_loss'):.3f} at epoch 50")
fig = overfit.plot()
fig.set_size_inches(10, 3.2)
assert overfit.last("accuracy") > 0.99, "the network should fit its 500 images"
assert overfit.last("accuracy") - overfit.last("val_accuracy") > 0.08, "a gap to new images"
assert overfit.last("val_loss") > min(overfit["val_loss"]) + 0.03, "validation loss should rise"
assert overfit.last("loss") < 0.01, "the training loss should head for 0"
moved = overfit.last("val_accuracy") - overfit["val_accuracy"][best_epoch - 1]
assert abs(moved) < 0.03, "meanwhile the validation accuracy should hardly move"

# %% [markdown] slideshow={"slide_type": "subslide"}
# The training accuracy reaches 100 % and the training loss keeps falling towards 0, while the
# validation loss is lowest after a few epochs and then climbs. The validation accuracy hardly
# moves meanwhile: what grows is the network's **confidence**, in its mistakes too, and the
# cross-entropy punishes a confident mistake hard. Three standard remedies:
#
# * **Weight decay** (L2 regularisation) adds $\frac\lambda2 \lVert \mathbf w \rVert^2$ to the
#   loss, whose gradient $\lambda \mathbf w$ pulls every weight towards 0 at every step: large
#   weights, and with them extreme confidence, must earn their keep. `AdamW` applies the decay
#   to the weights directly, $\mathbf w \leftarrow \mathbf w - \eta \lambda \mathbf w$, outside
#   Adam's per-parameter scaling (for plain SGD the two forms are the same); lecture 05 uses it.
# * **Dropout** sets each hidden unit's output to 0 with probability $p$ at every training step
#   and multiplies the others by $1/(1-p)$, so that the expected value is unchanged. No unit can
#   rely on particular others, and every step trains a different thinned network. `model.eval()`
#   switches it off (every unit on, no scaling), `model.train()` on again.
# * **Early stopping** watches the validation loss, keeps the weights of its best epoch, and stops
#   once it has not improved for `patience` epochs.

# %%
class EarlyStopping:
    """A fit callback: keeps the weights of the epoch with the lowest validation loss and stops
    training after `patience` epochs without a new lowest."""

    def __init__(self, model, patience=10):
        self.model, self.patience = model, patience
        self.best_loss, self.best_epoch, self.best_weights = math.inf, 0, None

    def __call__(self, epoch, logs):
        if logs["val_loss"] < self.best_loss:
            self.best_loss, self.best_epoch = logs["val_loss"], epoch
            self.best_weights = copy.deepcopy(self.model.state_dict())
        return epoch - self.best_epoch >= self.patience  # True stops fit

# %%
remedies = {"none": overfit,
            "weight decay λ = 2": train_small(make_small_net(), weight_decay=2.0),
            "dropout p = 0.5": train_small(make_small_net(hidden_dropout=0.5))}
stopped_net = make_small_net()
stopper = EarlyStopping(stopped_net, patience=10)
remedies["early stopping"] = train_small(stopped_net, callbacks=[stopper])
stopped_net.load_state_dict(stopper.best_weights)  # back to the best epoch
stopped = evaluate(stopped_net, small.loaders(device=device)[1], nn.CrossEntropyLoss())

# %% slideshow={"slide_type": "subslide"}
fig, ax = plt.subplots(figsize=(7, 3.6))
for color, (name, history) in zip(PALETTE, remedies.items()):
    ax.plot(history.epochs, history["val_loss"], color=color, label=name)
ax.plot(stopper.best_epoch, stopper.best_loss, "o", color=PALETTE[3], label="weights kept")
ax.set(xlabel="epoch", ylabel="validation loss", title="500 training images: the remedies")
ax.legend(ncol=2)
print(f"{'':<20} train acc  val loss  val acc   (at the end of training)")
for name, history in list(remedies.items())[:3]:
    print(f"{name:<20} {history.last('accuracy'):>8.1%} {history.last('val_loss'):>9.3f}"
          f" {history.last('val_accuracy'):>8.1%}")
print(f"{'early stopping':<20} {'':>8} {stopped['loss']:>9.3f} {stopped['accuracy']:>8.1%}"
      f"   (epoch {stopper.best_epoch}, stopped after {len(remedies['early stopping'])})")

# %% slideshow={"slide_type": "skip"}
end_loss = {name: history.last("val_loss") for name, history in remedies.items()}
best_loss = {name: min(history["val_loss"]) for name, history in remedies.items()}
decay, dropped = "weight decay λ = 2", "dropout p = 0.5"
assert end_loss[decay] < end_loss["none"] - 0.05, "weight decay should keep the loss lower"
assert end_loss[decay] - best_loss[decay] < 0.03, "with weight decay the loss hardly rises"
assert best_loss[dropped] < best_loss["none"] and end_loss[dropped] < end_loss["none"] - 0.01
assert end_loss[dropped] > best_loss[dropped] + 0.02, "with dropout the loss still climbs"
assert len(remedies["early stopping"]) < 25, "early stopping should save most of the 50 epochs"
assert abs(stopped["loss"] - best_loss["none"]) < 1e-3, "it keeps the best epoch's weights"
final_accuracies = [h.last("val_accuracy") for h in list(remedies.values())[:3]]
final_accuracies.append(stopped["accuracy"])
assert max(final_accuracies) - min(final_accuracies) < 0.04, "accuracies within a few points"

# %% [markdown]
# Each remedy attacks the rising validation loss. Weight decay keeps the weights small and the
# loss from climbing more than a little; dropout lowers it (its lowest point and where it ends)
# but does not stop the climb; early stopping simply keeps the epoch before the climb (and saves
# most of the training time). On **accuracy** the four end within a few points of each other,
# hardly more than the uncertainty of an accuracy measured on 800 images (about ±1 point): with
# 500 training images the real limit is the data. Regularisation is no substitute for more data,
# and in practice the remedies are combined, with their strengths ($\lambda$, $p$, the patience)
# chosen on the validation set, never on the test set.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 9. Handwritten digits: MNIST-5k
#
# Now all of the training part. The recipe: one hidden layer of 512 ReLUs with dropout on the
# pixels (20 %) and on the hidden units (50 %), trained for 15 epochs with Adam and a one-cycle
# schedule (the learning rate rises, then decays to almost 0). First on the 3,200 training
# images, watching the 800 validation images after every epoch. `course_utils.fit` runs the loop
# of section 6 for us, with the in-memory loader.

# %%
def train_digits(train_loader, val_loader=None, n_epochs=15):
    """The recipe: 784 → 512 ReLUs → 10 with dropout, Adam with a one-cycle schedule."""
    seed_everything(0)
    net = nn.Sequential(nn.Dropout(0.2), nn.Linear(784, 512), nn.ReLU(), nn.Dropout(0.5),
                        nn.Linear(512, 10)).to(device)
    optimizer = torch.optim.Adam(net.parameters(), lr=2e-3)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=2e-3,
                                                   total_steps=n_epochs * len(train_loader))
    history = fit(net, train_loader, nn.CrossEntropyLoss(), optimizer, n_epochs,
                  val_loader=val_loader, metrics=["accuracy"], scheduler=schedule)
    return net, history


mnist_net, history = train_digits(mnist_train_loader, mnist_val_loader)
print(f"512-unit MLP with dropout: validation accuracy {history.last('val_accuracy'):.1%}")

# %%
fig = history.plot()
fig.set_size_inches(10, 3.4)
assert history["accuracy"][0] < history["val_accuracy"][0], "epoch 1: training numbers lag behind"
assert history.last("accuracy") > history.last("val_accuracy"), "in the end, training fits better"
val_losses = history["val_loss"]
assert val_losses[-1] < min(val_losses) + 0.02, "no overfitting: the last epoch is about the best"

# %% [markdown] slideshow={"slide_type": "subslide"}
# In the first epochs the training curves look *worse* than the validation ones: dropout makes
# training harder on purpose (validation is scored with every unit on), and the training numbers
# average over an epoch during which the model was still improving. Later the network fits its
# own training images better than new ones, but dropout and the decaying learning rate keep the
# validation loss from climbing: the last epoch is about as good as any, so 15 epochs it is.
#
# **The test set, once.** With every choice made, the validation images have done their job and
# go back into training: the final model follows the same recipe on all 4,000 training images,
# and then, only then, meets the test set.

# %%
full_train_loader, mnist_test_loader = mnist.loaders(batch_size=64, device=device)
final_net, _ = train_digits(full_train_loader)
mnist_test_accuracy = evaluate(final_net, mnist_test_loader)["accuracy"]
print(f"512-unit MLP with dropout, trained on 4,000 images: test accuracy {mnist_test_accuracy:.1%}")
assert mnist_test_accuracy >= 0.94, f"expected ≥ 94 % test accuracy, got {mnist_test_accuracy:.1%}"

# %% [markdown]
# ### The mistakes it makes
#
# The first 16 test digits the network gets wrong, with its guess and (in brackets) the true label.
# Many are hard for people too; some are plain errors of a model that sees pixels, not strokes.

# %%
with torch.no_grad():
    final_net.eval()
    predicted = final_net(mnist.X_test.to(device)).argmax(dim=1).cpu()
wrong = torch.nonzero(predicted != mnist.y_test).squeeze(1)[:16]
captions = [f"{p} ({t})" for p, t in zip(predicted[wrong].tolist(), mnist.y_test[wrong].tolist())]
ax = show_images(mnist_raw.X_test[wrong], nrow=8, labels=captions)
ax.set_title("Misclassified test digits: prediction (truth)")
ax.figure.set_size_inches(8, 2.4)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 10. Exercises
#
# Each exercise is checked on cases you have not seen; a check that fails says what to look at.
# Work in NumPy (exercise 4 in PyTorch), without the library functions each one replaces.

# %% [markdown]
# ### Exercise 1 — the cross-entropy from logits
#
# Return the mean over the batch of $-\log p_{i, y_i}$ for logits `Z` of shape (N, C) and integer
# labels `y` of shape (N,), with the log-sum-exp form of section 5 so that it stays finite even when the
# true class's logit is 1000 below the largest. (Indexing hint: `Z[np.arange(N), y]` picks each
# row's true-class logit.)

# %% tags=["exercise"]
def cross_entropy(Z: np.ndarray, y: np.ndarray) -> float:
    """Mean cross-entropy of integer labels y (N,) under softmax(Z), Z of shape (N, C)."""
    ### BEGIN SOLUTION
    m = Z.max(axis=1, keepdims=True)
    log_probs = Z - m - np.log(np.exp(Z - m).sum(axis=1, keepdims=True))
    return -log_probs[np.arange(len(y)), y].mean()
    ### END SOLUTION


# %% tags=["check"]
check.cross_entropy(cross_entropy)

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise 2 — the gradient of softmax + cross-entropy, by hand
#
# Return $\partial L / \partial Z$ for the mean cross-entropy $L$ of logits `Z` (N, C) and integer
# labels `y` (N,): an array shaped like `Z`. Derive it yourself first (section 5 gives the
# result; can you get there without looking?), then write it so that it stays finite for logits
# in the thousands. No autograd, and no library softmax or loss: the check forbids them, and it
# recognises a flipped sign, a forgotten $1/N$, a softmax over the wrong axis and an overflow.

# %% tags=["exercise"]
def softmax_cross_entropy_backward(Z: np.ndarray, y: np.ndarray) -> np.ndarray:
    """∂L/∂Z, shape (N, C), of L = mean_i -log softmax(Z)[i, y_i], for integer labels y (N,)."""
    ### BEGIN SOLUTION
    exps = np.exp(Z - Z.max(axis=1, keepdims=True))
    dZ = exps / exps.sum(axis=1, keepdims=True)
    dZ[np.arange(len(y)), y] -= 1
    return dZ / len(y)
    ### END SOLUTION


# %% tags=["check"]
check.softmax_cross_entropy_backward(softmax_cross_entropy_backward)

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise 3 — backpropagation for several classes
#
# Now put it together for a two-layer network with a **ReLU** hidden layer and a softmax output:
#
# $$Z_1 = X W_1 + \mathbf b_1,\quad A_1 = \mathrm{relu}(Z_1),\quad Z_2 = A_1 W_2 + \mathbf b_2,\quad
#   L = -\frac1N \sum_i \log \mathrm{softmax}(Z_2)_{i, y_i},$$
#
# with $X$ of shape (N, D), integer labels `y` of shape (N,) (not one-hot), $W_1$ (D, H),
# $\mathbf b_1$ (H,), $W_2$ (H, C), $\mathbf b_2$ (C,). Start from
# $\partial L / \partial Z_2 = (P - Y)/N$ (exercise 2), the ReLU's derivative (1 where
# $Z_1 > 0$, else 0) and section 4. Return the four gradients in the order
# `(dW1, db1, dW2, db2)`. The check compares them with autograd on shapes you have not seen and
# recognises a missing transpose, a forgotten $1/N$, a flipped sign and a bias gradient that was
# not summed.

# %% tags=["exercise"]
def two_layer_backward(X, y, W1, b1, W2, b2):
    """Gradients (dW1, db1, dW2, db2), shaped like W1, b1, W2, b2, of the mean cross-entropy of a
    ReLU-then-softmax network; y holds integer labels (N,)."""
    ### BEGIN SOLUTION
    Z1 = X @ W1 + b1
    A1 = np.maximum(Z1, 0)
    Z2 = A1 @ W2 + b2
    P = np.exp(Z2 - Z2.max(axis=1, keepdims=True))
    P /= P.sum(axis=1, keepdims=True)
    dZ2 = P.copy()
    dZ2[np.arange(len(y)), y] -= 1
    dZ2 /= len(y)
    dZ1 = (dZ2 @ W2.T) * (Z1 > 0)
    return X.T @ dZ1, dZ1.sum(axis=0), A1.T @ dZ2, dZ2.sum(axis=0)
    ### END SOLUTION


# %% tags=["check"]
check.two_layer_backward(two_layer_backward)

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise 4 — dropout by hand
#
# Write **inverted dropout** for a tensor `x`: in training mode (`training=True`) set each entry
# to 0 with probability `p`, independently, and scale the survivors so that every entry keeps its
# expected value; in evaluation mode return `x` unchanged. `nn.Dropout` and `F.dropout` are off
# limits. Since the answer is random, the check tests what every right answer satisfies (which
# values can appear, and how often). Why must the survivors be scaled, and why by that factor?

# %% tags=["exercise"]
def dropout(x: torch.Tensor, p: float, training: bool) -> torch.Tensor:
    """Inverted dropout: in training, zero each entry with probability p and divide the others by
    1 - p; in evaluation, x comes back unchanged. Does not modify x in place."""
    ### BEGIN SOLUTION
    if not training:
        return x
    keep = (torch.rand_like(x) >= p).to(x.dtype)
    return x * keep / (1 - p)
    ### END SOLUTION


# %% tags=["check"]
check.dropout(dropout)

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Experiment — how much does more data help?
#
# Section 8 gave a network 500 training images and watched it overfit. The cell below trains the
# same network for 30 epochs on `n_images` training images and prints the gap between training and
# validation. Run it with 500, then with 1,000 and 3,200 (all of the training part), and, for one
# of them, with `weight_decay=2.0`. **Question:** how do the gap and the validation accuracy change
# with the amount of data, and how does that compare with what weight decay or dropout bought in
# section 8? Why?

# %%
n_images = 500  # try 1000 and 3200
weight_decay = 0.0  # try 2.0
seed_everything(0)
chosen = torch.randperm(len(fitting.X_train))[:n_images]
subset = replace(fitting, X_train=fitting.X_train[chosen], y_train=fitting.y_train[chosen])
loader, val_loader = subset.loaders(batch_size=100, device=device)
net = make_small_net()
optimizer = torch.optim.AdamW(net.parameters(), lr=2e-3, weight_decay=weight_decay)
run = fit(net, loader, nn.CrossEntropyLoss(), optimizer, 30, val_loader=val_loader,
          metrics=["accuracy"])
print(f"{n_images} images: training accuracy {run.last('accuracy'):.1%}, validation accuracy "
      f"{run.last('val_accuracy'):.1%}, validation loss {run.last('val_loss'):.3f} "
      f"(lowest {min(run['val_loss']):.3f})")

# %% [markdown] tags=["answer"]
# ### BEGIN SOLUTION
# With 500 images the network fits its training set perfectly and gets about 88 % of the
# validation images right. With 1,000 images it gets about 90 %, with all 3,200 about 93 %; the
# training accuracy stays at 100 % throughout, so the gap between training and validation
# shrinks (from about 12 to about 7 points) only because validation gets better, and the whole
# validation-loss curve moves down. Weight decay at 500 images lowered the final validation loss
# (the network is less over-confident) but left the accuracy where it was, and dropout moved it
# by less than a point; more data moved it by five. Regularisation only limits how far the network
# bends towards the particular images it has; more images pin the function down at more places,
# so there is less room to fit noise, and the features that fit the training set are more likely
# to be the ones that make a digit a digit. When more data cannot be had, regularisation (and,
# for images, augmentation, lecture 05's way of making more data) is the next best thing.
# ### END SOLUTION

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Summary
#
# * A linear unit draws one straight boundary and cannot solve XOR. A hand-made feature ($x_1 x_2$)
#   can; a **hidden layer** learns such features itself, and one hidden layer with enough units can
#   approximate any continuous function on a bounded, closed region (**universal
#   approximation**).
# * **Activations** matter for training: the sigmoid's slope of at most ¼ makes gradients vanish in
#   deep networks (measured: a sigmoid network with 10 hidden layers did not learn at all); an
#   active ReLU passes gradients on unchanged.
# * **Backpropagation** is the chain rule applied from the loss back to the weights, one local
#   derivative per operation; we wrote it in NumPy and checked it against finite differences and
#   autograd to $10^{-6}$.
# * **Softmax + cross-entropy** for $C$ classes, with gradient $(P - Y)/N$, derived in two lines;
#   subtract the maximum logit (log-sum-exp) so it never overflows.
# * The PyTorch way: `nn.Module`, a `DataLoader` (or the faster in-memory loader), the five-line
#   loop. Adam and momentum left plain SGD's plateau behind, and so did plain SGD given
#   momentum's effective step $\eta / (1 - \mu)$.
# * Training needs **standardised inputs** and a **scale-preserving initialisation** (He for ReLU,
#   Xavier for tanh); per-layer statistics (saturation, update-to-weight ratios) show during
#   training where it goes wrong. On flat pixels width helped more than depth, judged over
#   several seeds.
# * **Train / validation / test**: fit on the first, choose on the second, report the third once.
#   A network that fits 500 images perfectly **overfits**: its validation loss rises. **Weight
#   decay**, **dropout** and **early stopping** each hold the validation loss down; at 500 images
#   the accuracy is limited by the data. A 512-unit MLP with dropout, checked on the validation
#   set and then trained on all 4,000 images, classifies ≥ 94 % of MNIST-5k's test digits.
#
# **Next:** [Lecture 05 — convolutional neural networks](05_cnn.ipynb): an MLP treats an image as
# 784 unrelated numbers; convolutions share weights across positions and use the fact that pixels
# have neighbours.
