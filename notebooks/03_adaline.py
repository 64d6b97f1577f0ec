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
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/pytorch-dl-course/deep-learning-course/blob/main/notebooks/03_adaline.ipynb)
#
# # Lecture 03 — Adaline, the adaptive linear neuron
#
# The perceptron of lecture 01 learns only from its mistakes, and on classes that overlap it never
# stops changing its mind. In 1960 Bernard Widrow and Ted Hoff changed one thing: **learn from the
# linear output, and apply the threshold only to predict.** The error becomes a real number, the
# training a gradient descent on a smooth loss, and, with a small enough learning rate, it
# converges even when the classes overlap.
#
# This lecture builds Adaline three ways (NumPy with gradients by hand, autograd, `nn.Linear` with
# `torch.optim`) and checks that all three find the same weights; then it experiments with the
# learning rate, with feature scaling, with mini-batches and with classes that cannot be separated.
# Then it makes the one change that turns Adaline into **logistic regression**, derives why the
# cross-entropy is the right loss for it (a likelihood, and convex in the weights), builds it from
# scratch and checks it against PyTorch's `BCEWithLogitsLoss` and `torch.optim`.

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
from dataclasses import replace

import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from course_utils import (
    PALETTE,
    InMemoryLoader,
    accuracy,
    fit,
    get_device,
    load_iris,
    plot_curves,
    plot_decision_boundary,
    seed_everything,
)
from course_utils.checks import lecture03 as check

SEED = seed_everything(0)  # 0, or COURSE_SEED: the split, the start and the batches follow it
device = get_device()
print(f"torch {torch.__version__}, training on: {device}")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 1. From the perceptron to Adaline
#
# Both models compute the same **net input** from the features $\mathbf x$, weights $\mathbf w$ and bias
# $b$, and both predict a class with a threshold. Labels are $y \in \{0, 1\}$.
#
# $$z = \mathbf w^\top \mathbf x + b .$$
#
# They differ in what the *learning rule* looks at:
#
# * the **perceptron** compares the label with its thresholded output $\hat y = [z \ge 0]$. The
#   difference $y - \hat y$ is $-1$, $0$ or $1$: it counts mistakes and says nothing about how far off
#   a prediction was;
# * **Adaline** compares the label with the linear output $z$ itself. The difference $y - z$ is a real
#   number, large when $z$ is far from the target and small when it is close. Adaline fits the targets
#   0 and 1, so to predict it cuts halfway: $\hat y = [z \ge \tfrac12]$.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### The two update rules side by side
#
# | | perceptron (lecture 01) | Adaline |
# |---|---|---|
# | output used to learn | $\hat y = [z \ge 0] \in \{0, 1\}$ | $z$ itself (identity activation) |
# | error of one example | $y - \hat y \in \{-1, 0, 1\}$ | $y - z \in \mathbb R$ |
# | loss | none: it counts mistakes | $L = \frac{1}{2n}\sum_i \big(z^{(i)} - y^{(i)}\big)^2$ |
# | update | $\mathbf w \leftarrow \mathbf w + \eta\,(y^{(i)} - \hat y^{(i)})\,\mathbf x^{(i)}$, after each example | $\mathbf w \leftarrow \mathbf w + \eta\,\frac1n \sum_i (y^{(i)} - z^{(i)})\,\mathbf x^{(i)}$ |
# | learns from | mistakes only | every example, in proportion to its error |
# | classes that overlap | never settles | converges to the minimum of $L$ |
#
# The updates look alike: Adaline's is the perceptron's with $\hat y$ replaced by $z$ (and averaged
# over the examples). That one change makes it a **gradient descent** step on a loss, as section 2
# shows. The figure below follows one example of class $y = 1$ as its net input $z$ varies.

# %% slideshow={"slide_type": "subslide"}
z = np.linspace(-1.5, 2.5, 401)
target = 1.0
perceptron_output = (z >= 0).astype(float)
fig, (ax_loss, ax_signal) = plt.subplots(1, 2, figsize=(10, 3.6))
ax_loss.plot(z, target - perceptron_output, color=PALETTE[3], label="perceptron: a mistake or not")
ax_loss.plot(z, 0.5 * (z - target) ** 2, color=PALETTE[0], label=r"Adaline: $\frac{1}{2}(z - y)^2$")
ax_signal.plot(z, target - perceptron_output, color=PALETTE[3], label=r"perceptron: $y - \hat y$")
ax_signal.plot(z, target - z, color=PALETTE[0], label=r"Adaline: $y - z$")
for ax, what in [(ax_loss, "loss of this example"), (ax_signal, "error that drives the update")]:
    ax.axvline(0.0, color=PALETTE[3], linestyle=":", label="perceptron threshold $z = 0$")
    ax.axvline(0.5, color=PALETTE[0], linestyle=":", label=r"Adaline threshold $z = \frac{1}{2}$")
    ax.set(xlabel=r"net input $z = \mathbf{w}^\top\mathbf{x} + b$", ylabel=what)
    ax.legend(loc="upper right", fontsize="small")
ax_loss.set_title("What each rule measures (one example, $y = 1$)")
ax_signal.set_title("How hard each rule pushes")
fig.tight_layout()

# %% [markdown]
# The perceptron pushes with the same strength on every mistake and not at all otherwise. Adaline
# pushes in proportion to the distance from the target, and it also pulls back predictions that
# overshoot ($z > 1$) although they are on the right side of its threshold: keep that in mind for
# section 8. One gradient step on Adaline's loss, taken by autograd for an example of class 1 that
# overshoots with $z = 2$, shows the pull:

# %%
x_example = torch.tensor([1.0, 2.0])
w_example = torch.tensor([1.0, 0.5], requires_grad=True)  # z = 1·1 + 0.5·2 = 2
(0.5 * (w_example @ x_example - target) ** 2).backward()
z_after_step = ((w_example - 0.1 * w_example.grad) @ x_example).item()
print(f"z = 2.00 before one step with η = 0.1, z = {z_after_step:.2f} after")
assert 1 < z_after_step < 2, "Adaline pulls a correct but overshooting z back towards its target 1"

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 2. The loss and its gradient
#
# With the $n$ training examples as the rows of a matrix $X$ and their net inputs
# $\mathbf z = X\mathbf w + b$, Adaline minimises the **mean squared error** with the $\tfrac12$
# convention of lecture 02:
#
# $$L(\mathbf w, b) = \frac{1}{2n} \sum_{i=1}^{n} \big(z^{(i)} - y^{(i)}\big)^2 .$$
#
# The chain rule (outer derivative of the square times the inner derivative of $z^{(i)}$) gives, with
# $\partial z^{(i)} / \partial w_j = x^{(i)}_j$ and $\partial z^{(i)} / \partial b = 1$,
#
# $$\frac{\partial L}{\partial w_j} = \frac1n \sum_{i=1}^{n} \big(z^{(i)} - y^{(i)}\big)\,x^{(i)}_j ,
# \qquad
# \frac{\partial L}{\partial b} = \frac1n \sum_{i=1}^{n} \big(z^{(i)} - y^{(i)}\big),
# \qquad\text{i.e.}\qquad
# \nabla_{\mathbf w} L = \frac1n X^\top(\mathbf z - \mathbf y).$$
#
# The $\tfrac12$ cancels the 2 of the square, and the $\tfrac1n$ keeps the step size independent of
# how many examples there are. A gradient-descent step $\mathbf w \leftarrow \mathbf w - \eta\,
# \nabla_{\mathbf w} L$ is exactly the Adaline update of the table.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Adaline *is* linear regression
#
# This is lecture 02's loss, word for word: Adaline fits a linear regression to the labels 0 and 1 and
# reads its output through a threshold. So everything from lecture 02 carries over: the loss is a convex
# bowl with one minimum, and the normal equation gives that minimum exactly, a reference answer for
# every training run below.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 3. The data: standardised iris
#
# Setosa against versicolor, described by sepal length and petal length, as in lecture 01. The loader
# holds out a stratified 30 % for testing and **standardises** each feature to mean 0 and standard
# deviation 1 (section 6 shows why that matters), using statistics of the training part only, so
# nothing about the test flowers leaks into training.

# %%
iris = load_iris(classes=("setosa", "versicolor"), features=("sepal length", "petal length"),
                 standardize=True, seed=SEED)
X_np, y_np, X_test_np, y_test_np = iris.numpy()
y_np, y_test_np = y_np.astype(np.float32), y_test_np.astype(np.float32)  # targets 0.0 and 1.0
feature_names = [f"{name} (standardised)" for name in iris.feature_names]
print(iris)
print("training means:", X_np.mean(axis=0).round(4), "| std:", X_np.std(axis=0).round(4))
assert np.allclose(X_np.mean(axis=0), 0, atol=1e-5) and np.allclose(X_np.std(axis=0), 1, atol=1e-4)

# %% [markdown] slideshow={"slide_type": "subslide"}
# ## 4. From scratch: NumPy, gradients by hand
#
# Full-batch gradient descent: every epoch computes all net inputs, their errors, the gradient of
# section 2, and takes one step. The loss is recorded before each step.

# %%
def train_adaline(w, b, X, y, learning_rate, n_epochs):
    """Full-batch gradient descent on the Adaline loss; returns w, b and the loss per epoch."""
    losses = []
    for _ in range(n_epochs):
        z = X @ w + b  # the linear activation: no threshold while learning
        error = z - y  # continuous error, one per example
        losses.append(0.5 * np.mean(error**2))
        w = w - learning_rate * X.T @ error / len(y)  # (1/n) Xᵀ(z − y)
        b = b - learning_rate * error.mean()  # (1/n) Σ (z − y)
    return w, b, np.array(losses)


def predict_adaline(w, b, X):
    """Class 1 where the linear output reaches one half."""
    return (X @ w + b >= 0.5).astype(int)

# %% [markdown]
# All three versions below start from the same small random weights and take the same 100 steps of
# size $\eta = 0.5$. The reference is the exact minimum from the normal equation, computed with
# `np.linalg.lstsq` on $X$ with a column of ones appended for the bias.

# %%
w_init = 0.1 * torch.randn(2)  # shared by every version: same start, same path
learning_rate, n_epochs = 0.5, 100
w_np, b_np, losses_np = train_adaline(w_init.numpy(), 0.0, X_np, y_np, learning_rate, n_epochs)


def least_squares(X, y):
    """The exact minimiser (w*, b*) of the Adaline loss, in float64."""
    design = np.c_[X, np.ones(len(X))].astype(np.float64)  # the column of ones carries the bias
    solution = np.linalg.lstsq(design, y.astype(np.float64), rcond=None)[0]
    return solution[:-1], solution[-1]


w_star, b_star = least_squares(X_np, y_np)
loss_star = 0.5 * np.mean((X_np @ w_star + b_star - y_np) ** 2)
print(f"gradient descent: w = {w_np.round(5)}, b = {b_np:.5f}")
print(f"normal equation:  w = {w_star.round(5)}, b = {b_star:.5f}, minimum loss {loss_star:.5f}")
gap_to_minimum = np.abs(np.r_[w_np, b_np] - np.r_[w_star, b_star]).max()
assert gap_to_minimum < 1e-4, f"GD should reach the minimum, still {gap_to_minimum:.1e} away"

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Learning curve and decision boundary
#
# The boundary is where the linear output crosses one half, the line $\mathbf w^\top\mathbf x + b =
# \tfrac12$; the weight vector $\mathbf w$ is normal to it, as for the perceptron. On the held-out
# test flowers, every one is classified correctly.

# %%
test_accuracy = (predict_adaline(w_np, b_np, X_test_np) == y_test_np).mean()
fig, (ax_curve, ax_boundary) = plt.subplots(1, 2, figsize=(10, 4))
ax_curve.plot(np.arange(1, n_epochs + 1), losses_np, color=PALETTE[0], label="Adaline, η = 0.5")
ax_curve.axhline(loss_star, color="0.3", linestyle=":", label="minimum (normal equation)")
ax_curve.set(xlabel="epoch", ylabel="loss $L$", title="Training loss, full-batch gradient descent")
ax_curve.legend()
plot_decision_boundary(lambda P: predict_adaline(w_np, b_np, P), X_test_np, y_test_np,
                       ax=ax_boundary, class_names=iris.class_names, feature_names=feature_names,
                       title=f"Adaline on the test set: {test_accuracy:.0%} correct")
foot = w_np * (0.5 - b_np) / (w_np @ w_np)  # the point of the boundary closest to the origin
tip = foot + 0.8 * w_np / np.linalg.norm(w_np)
ax_boundary.annotate("", xy=tip, xytext=foot, arrowprops={"arrowstyle": "-|>", "color": "k"})
ax_boundary.text(*tip, r" $\mathbf{w}$", va="center")
ax_boundary.set_aspect("equal")
fig.tight_layout()

# %%
assert test_accuracy == 1.0, f"expected 100 % test accuracy, got {test_accuracy:.1%}"

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 5. The PyTorch way
#
# ### Autograd instead of the derivation
#
# The same loop on tensors, with the gradient left to autograd. The update runs under
# `torch.no_grad()` (it is not part of the model), and the gradients are cleared before each
# `backward()`, which would otherwise add to them.

# %%
X_train, y_train = iris.X_train.to(device), iris.y_train.float().to(device)
X_test, y_test = iris.X_test.to(device), iris.y_test.float().to(device)

w = w_init.clone().to(device).requires_grad_()
b = torch.zeros((), device=device, requires_grad=True)
for _ in range(n_epochs):
    loss = 0.5 * ((X_train @ w + b - y_train) ** 2).mean()
    w.grad = b.grad = None  # forget the previous step's gradients
    loss.backward()  # fills w.grad and b.grad
    with torch.no_grad():
        w -= learning_rate * w.grad
        b -= learning_rate * b.grad

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### `nn.Linear` and `torch.optim`
#
# `nn.Linear(2, 1)` holds $\mathbf w$ (as a $1 \times 2$ matrix) and $b$, and `torch.optim.SGD` takes
# the step. One detail: `F.mse_loss` is the plain mean of the squares, without our $\tfrac12$, so we
# multiply by $\tfrac12$ to follow the same path (leaving it out would double every gradient, which is
# the same as doubling $\eta$).

# %%
model = nn.Linear(2, 1).to(device)
with torch.no_grad():  # the same starting point as the other two versions
    model.weight.copy_(w_init.view(1, 2))
    model.bias.zero_()
optimizer = torch.optim.SGD(model.parameters(), lr=learning_rate)
for _ in range(n_epochs):
    z = model(X_train).squeeze(1)  # shape (n, 1) -> (n,), like y_train
    loss = 0.5 * F.mse_loss(z, y_train)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Checked: three implementations, one answer
#
# Same start, same data, same 100 full-batch steps: the weights must agree to rounding error of
# `float32` arithmetic.

# %%
found = {
    "NumPy, gradients by hand": np.r_[w_np, b_np],
    "autograd": torch.cat([w.detach(), b.detach().view(1)]).cpu().numpy(),
    "nn.Linear + optim.SGD": torch.cat([model.weight.view(-1), model.bias]).detach().cpu().numpy(),
}
for name, weights in found.items():
    print(f"{name:<25} w = [{weights[0]:+.7f}, {weights[1]:+.7f}], b = {weights[2]:+.7f}")
for name, weights in found.items():
    gap = np.abs(weights - found["NumPy, gradients by hand"]).max()
    assert gap < 1e-6, f"{name} differs from the NumPy version by {gap:.1e}"

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 6. Experiments
#
# ### The learning rate
#
# The loss is a quadratic bowl. Along each principal direction of the bowl, with curvature $\lambda$
# (an eigenvalue of the Hessian $H = \frac1n \tilde X^\top \tilde X$, where $\tilde X$ is $X$ with a
# column of ones), one step multiplies the distance to the minimum by $1 - \eta\lambda$. The steps
# shrink that distance when $|1 - \eta\lambda| < 1$ for every $\lambda$, that is when
#
# $$\eta < \frac{2}{\lambda_{\max}} ,$$
#
# and above that the steepest direction overshoots further each time: the loss explodes.

# %%
design = np.c_[X_np, np.ones(len(X_np))]  # X̃: a column of ones for the bias
curvatures = np.linalg.eigvalsh(design.T @ design / len(X_np))
largest_stable = 2 / curvatures.max()
print(f"curvatures λ = {curvatures.round(3)}: gradient descent converges for η < {largest_stable:.3f}")

learning_rates = [0.01, 0.1, 0.5, 1.0, round(1.1 * largest_stable, 2)]
runs = {lr: train_adaline(w_init.numpy(), 0.0, X_np, y_np, lr, 40) for lr in learning_rates}

# %% slideshow={"slide_type": "subslide"}
labels = {lr: f"η = {lr}" for lr in learning_rates}
labels[learning_rates[-1]] += " (1.1 × 2/λ_max)"
ax = plot_curves({labels[lr]: run[2] for lr, run in runs.items()}, logy=True,
                 title="Adaline's training loss for several learning rates")
ax.axhline(loss_star, color="0.3", linestyle=":", label="minimum")
ax.legend(fontsize="small", loc="upper left")
ax.figure.set_size_inches(7, 4)
final = {lr: run[2][-1] for lr, run in runs.items()}
assert final[0.01] > 2 * loss_star, "η = 0.01 should still be far from the minimum after 40 epochs"
assert max(final[0.5], final[1.0]) < 1.01 * loss_star, "η = 0.5 and η = 1 should converge"
assert final[1.0] < final[0.5] < final[0.1], (  # after 40 epochs the fastest rate has won
    "η = 1 = 2/(λ_min + λ_max) should be the fastest of the converging rates"
)
assert final[learning_rates[-1]] > runs[learning_rates[-1]][2][0], "η above 2/λ_max should diverge"

# %% [markdown]
# Too small a rate creeps (η = 0.01 is still far above the minimum after 40 epochs); every rate
# below $2/\lambda_{\max}$ converges, fastest near $2/(\lambda_{\min}+\lambda_{\max}) = 1$ (closer to
# $2/\lambda_{\max}$ the steep direction oscillates and convergence slows again); just 10 % above
# $2/\lambda_{\max}$ the loss grows without bound.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Standardised against raw features
#
# Raw iris measurements are in centimetres: sepal lengths around 5.5, petal lengths between 1 and 5.
# Features that are far from zero tie the weights to the bias and stretch the bowl into a narrow
# valley. The **condition number** $\lambda_{\max} / \lambda_{\min}$ measures how narrow: the step
# size must suit the steepest direction ($\eta < 2/\lambda_{\max}$), and then the flattest direction
# shrinks by only $1 - \eta\lambda_{\min}$ per step.

# %%
raw = load_iris(classes=("setosa", "versicolor"), features=("sepal length", "petal length"),
                seed=SEED)
X_raw, y_raw = raw.X_train.numpy(), raw.y_train.numpy().astype(np.float32)
scaling = {}
for name, (X, y) in {"standardised": (X_np, y_np), "raw (cm)": (X_raw, y_raw)}.items():
    design = np.c_[X, np.ones(len(X))]
    lam = np.linalg.eigvalsh(design.T @ design / len(X))
    w_opt, b_opt = least_squares(X, y)
    w, b, distances = w_init.numpy(), 0.0, []
    for _ in range(200):  # η = 1/λ_max: the steepest direction sets the step
        w, b, _ = train_adaline(w, b, X, y, 1 / lam.max(), n_epochs=1)
        distances.append(np.linalg.norm(np.r_[w - w_opt, b - b_opt]))
    minimum = 0.5 * np.mean((X @ w_opt + b_opt - y) ** 2)
    excess = 0.5 * np.mean((X @ w + b - y) ** 2) / minimum - 1  # relative excess loss
    scaling[name] = {"condition": lam.max() / lam.min(), "distances": distances,
                     "excess": excess, "minimum": minimum}

# %% slideshow={"slide_type": "subslide"}
curves = {f"{name}: condition number {run['condition']:,.0f}": run["distances"]
          for name, run in scaling.items()}
ax = plot_curves(curves, logy=True, ylabel="distance of (w, b) to the minimum",
                 title="Same model, η = 1/λ_max: the scaling decides the speed")
ax.figure.set_size_inches(7, 4)
for name, run in scaling.items():
    print(f"{name:<13} after 200 epochs: loss {max(run['excess'], 0):.1%} above the minimum, "
          f"weights {run['distances'][-1]:.1e} away from it")
std, raw_run = scaling["standardised"], scaling["raw (cm)"]
assert abs(raw_run["minimum"] - std["minimum"]) < 1e-6, "both should have the same minimum loss"
assert raw_run["condition"] > 100 * std["condition"], "raw features should be far worse conditioned"
assert std["distances"][-1] < 1e-5, "on standardised features GD should reach the minimum"
assert raw_run["distances"][-1] > 0.02, "on raw features GD should still be far from the minimum"
assert raw_run["distances"][-1] > 0.75 * raw_run["distances"][99], (
    "on raw features the last 100 epochs should remove less than a quarter of the distance"
)
assert raw_run["excess"] < 0.1, "on raw features the loss should already look nearly converged"

# %% [markdown]
# Standardising is only a change of coordinates: both versions can draw the same boundaries and have
# the same minimum loss. What changes is the shape of the bowl, and with it the speed of gradient
# descent: on the raw features, 200 epochs leave the weights thousands of times farther from the
# minimum, still creeping towards it (the last 100 epochs remove less than a quarter of the
# distance), while the loss, which flattens early and ends within a few percent of its minimum,
# hides how far.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Mini-batch stochastic gradient descent
#
# Full-batch descent takes one step per pass over the data. **Mini-batch SGD** takes one step per
# small batch, here 10 examples, so 7 steps per epoch; each step follows a noisy estimate of the
# gradient. This is how every later lecture trains, with `course_utils.fit` running the loop and
# `InMemoryLoader` slicing shuffled batches. `nn.Flatten(0)` turns the $(n, 1)$ output into $(n,)$.

# %%
def half_mse(z, y):
    return 0.5 * F.mse_loss(z, y)  # Adaline's loss, with the ½


def adaline_accuracy(z, y):
    return ((z >= 0.5).float() == y).float().mean()


def train_linear_unit(split, loss_fn, metric, learning_rate, n_epochs, batch_size=10):
    """Mini-batch SGD on one linear unit z = Xw + b with course_utils.fit; returns (model, history)."""
    train_loader = InMemoryLoader(split.X_train, split.y_train.float(), batch_size, shuffle=True,
                                  device=device, seed=SEED)
    test_loader = InMemoryLoader(split.X_test, split.y_test.float(), len(split.X_test), device=device)
    unit = nn.Sequential(nn.Linear(2, 1), nn.Flatten(0)).to(device)
    optimizer = torch.optim.SGD(unit.parameters(), lr=learning_rate)
    history = fit(unit, train_loader, loss_fn, optimizer, n_epochs, val_loader=test_loader,
                  metrics={"accuracy": metric})
    return unit, history

# %% slideshow={"slide_type": "subslide"}
sgd_model, sgd_history = train_linear_unit(iris, half_mse, adaline_accuracy, learning_rate=0.1,
                                           n_epochs=30)
sgd_weights = torch.cat([sgd_model[0].weight.view(-1), sgd_model[0].bias]).detach().cpu().numpy()
ax = plot_curves({"full batch, η = 0.5 (1 step per epoch)": losses_np[:30],
                  "mini-batches of 10, η = 0.1 (7 steps per epoch)": sgd_history["loss"]},
                 logy=True, title="Adaline: full-batch GD against mini-batch SGD")
ax.axhline(loss_star, color="0.3", linestyle=":", label="minimum")
ax.legend(fontsize="small")
ax.figure.set_size_inches(7, 3.6)
sgd_gap = np.abs(sgd_weights - np.r_[w_star, b_star]).max()
print(f"SGD {sgd_weights.round(4)} vs minimum {np.r_[w_star, b_star].round(4)}: {sgd_gap:.3f} apart")
assert 1e-4 < sgd_gap < 0.05, "SGD with a constant learning rate should end near, not on, the minimum"
assert sgd_history.last("val_accuracy") == 1.0, "mini-batch Adaline should classify all test flowers"

# %% [markdown]
# With a constant learning rate, SGD does not settle exactly on the minimum: every batch pulls a little
# in its own direction, so it hovers close to it. On a large dataset the many cheap steps per epoch win;
# for 70 flowers, full-batch descent is simpler and exact.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 7. Classes that overlap: Adaline converges, the perceptron never settles
#
# Versicolor and virginica overlap in these two features: no line separates them. Lecture 01 showed
# that the perceptron then keeps making mistakes and keeps moving. Adaline has a loss with a single
# minimum, and gradient descent with a stable learning rate walks into it (here η = 1, the fastest
# rate of section 6). Both start from zero and get 150 epochs; after every epoch we count the
# training mistakes and how far the weights moved.

# %%
hard = load_iris(classes=("versicolor", "virginica"), features=("sepal length", "petal length"),
                 standardize=True, seed=SEED)
X_hard, y_hard, X_hard_test, y_hard_test = (a.astype(np.float64) for a in hard.numpy())
hard_names = [f"{name} (standardised)" for name in hard.feature_names]


def perceptron_epoch(w, b, X, y, learning_rate=0.1):
    """One pass of the perceptron rule (lecture 01): update after each example, only on mistakes."""
    for x_i, y_i in zip(X, y):
        y_hat = float(x_i @ w + b >= 0)
        w, b = w + learning_rate * (y_i - y_hat) * x_i, b + learning_rate * (y_i - y_hat)
    return w, b

# %% slideshow={"slide_type": "subslide"}
def run_epochs(epoch_fn, threshold, n_epochs=150):
    """Epochs from w = 0, b = 0: final (w, b), and per epoch the mistakes and how far (w, b) moved."""
    w, b, mistakes, moved = np.zeros(2), 0.0, [], []
    for _ in range(n_epochs):
        w_new, b_new = epoch_fn(w, b)
        moved.append(np.linalg.norm(np.r_[w_new - w, b_new - b]))
        mistakes.append(int(((X_hard @ w_new + b_new >= threshold) != y_hard).sum()))
        w, b = w_new, b_new
    return (w, b), mistakes, moved


overlap_runs = {
    "perceptron": run_epochs(lambda w, b: perceptron_epoch(w, b, X_hard, y_hard), 0.0),
    "Adaline": run_epochs(lambda w, b: train_adaline(w, b, X_hard, y_hard, 1.0, 1)[:2], 0.5),
}
(w_perceptron, b_perceptron), (w_ada, b_ada) = (run[0] for run in overlap_runs.values())

# %% slideshow={"slide_type": "subslide"}
mistakes = {name: run[1] for name, run in overlap_runs.items()}
moved = {name: run[2] for name, run in overlap_runs.items()}
fig, (ax_mistakes, ax_moved) = plt.subplots(1, 2, figsize=(10, 3.6))
plot_curves(mistakes, ax=ax_mistakes, ylabel="training mistakes",
            title="Mistakes after each epoch (versicolor vs virginica)")
plot_curves(moved, ax=ax_moved, ylabel=r"$\|\Delta(\mathbf{w}, b)\|$ in the epoch", logy=True,
            title="How far the weights move per epoch")
fig.tight_layout()
w_hard_star, b_hard_star = least_squares(X_hard, y_hard)
assert min(mistakes["perceptron"]) > 0, "the classes overlap: the perceptron never gets all right"
assert min(moved["perceptron"][-50:]) > 1e-3, "the perceptron should still be moving at the end"
assert max(moved["Adaline"][-10:]) < 1e-6, "Adaline's weights should have stopped moving"
assert np.abs(np.r_[w_ada, b_ada] - np.r_[w_hard_star, b_hard_star]).max() < 1e-5, (
    "Adaline should have converged to the least-squares minimum")
assert len(set(mistakes["Adaline"][-50:])) == 1, "Adaline's mistakes should no longer change"

# %% [markdown]
# The perceptron cycles: each epoch some misclassified flower drags the boundary over, which
# misclassifies another. Adaline's steps shrink geometrically, and its boundary stops where the squared
# error is smallest. That is not always where the fewest mistakes are: Adaline minimises its loss, not
# the error count.

# %% slideshow={"slide_type": "subslide"}
overlap_classifiers = {
    "perceptron": lambda P: (P @ w_perceptron + b_perceptron >= 0).astype(int),
    "Adaline": lambda P: predict_adaline(w_ada, b_ada, P),
}
fig, axes = plt.subplots(1, 2, figsize=(10, 4))
for ax, (name, predict) in zip(axes, overlap_classifiers.items()):
    train_acc = (predict(X_hard) == y_hard).mean()
    plot_decision_boundary(predict, X_hard, y_hard, ax=ax, class_names=hard.class_names,
                           feature_names=hard_names,
                           title=f"{name} after 150 epochs: {train_acc:.0%} of training set")
    ax.set_aspect("equal")
fig.tight_layout()

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 8. From Adaline to logistic regression
#
# Adaline treats classification as regression on the numbers 0 and 1. Two consequences fit
# classification badly: its output is not a probability (nothing keeps $z$ between 0 and 1, see
# below), and its loss punishes points that are correct *and confident*, so a far-away flower of the
# right class pulls the boundary towards itself.
#
# **Logistic regression** keeps $z = \mathbf w^\top \mathbf x + b$ and squashes it with the **sigmoid**
# into a probability of class 1,
#
# $$\hat y = \sigma(z) = \frac{1}{1 + e^{-z}} \in (0, 1),$$
#
# and replaces the squared error with the **binary cross-entropy**, the negative log-probability the
# model gives to the true label:
#
# $$L = -\frac1n \sum_{i=1}^{n} \Big[ y^{(i)} \log \hat y^{(i)} + \big(1 - y^{(i)}\big) \log\big(1 - \hat
# y^{(i)}\big) \Big].$$
#
# It predicts class 1 where $\hat y \ge \tfrac12$, that is where $z \ge 0$: the perceptron's rule of
# lecture 01, a net input of exactly 0 included. The course's `accuracy` metric reads one logit per
# example the same way.

# %%
z_adaline = X_np @ w_np + b_np  # the trained Adaline of section 4, on its training flowers
print(f"Adaline's outputs range from {z_adaline.min():.2f} to {z_adaline.max():.2f}")
assert z_adaline.min() < 0 and z_adaline.max() > 1, "Adaline's outputs should leave [0, 1]"

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Where the cross-entropy comes from: likelihood and log-odds
#
# Read $\hat y$ as the model's probability that the label is 1. A label is then a coin toss, a
# **Bernoulli** variable: the model gives the label $y \in \{0, 1\}$ it sees the probability
#
# $$P(y \mid \mathbf x) = \hat y^{\,y}\,(1 - \hat y)^{1 - y}
#   \qquad (\hat y \text{ if } y = 1, \text{ and } 1 - \hat y \text{ if } y = 0).$$
#
# **Maximum likelihood** chooses the weights under which the labels we saw are most probable, the
# product $\prod_i P(y^{(i)} \mid \mathbf x^{(i)})$ over independent examples. Its negative log,
# divided by $n$, turns the product into a mean and the maximum into a minimum, and it is exactly
# the binary cross-entropy $L$ above. (The squared error comes out of the same recipe when the
# label is a Gaussian around $z$: a poor model of a label that is 0 or 1.)
#
# Solved for $z$, $\hat y = \sigma(z)$ gives the other reading of the model:
#
# $$z = \log \frac{\hat y}{1 - \hat y} ,$$
#
# the **log-odds** or **logit** (hence `BCEWithLogitsLoss`, which takes $z$). Logistic regression
# says the log-odds of class 1 are linear in the features: one unit more of feature $j$ adds $w_j$
# to them, that is, multiplies the odds $\hat y / (1 - \hat y)$ by $e^{w_j}$.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### The gradient of the cross-entropy is $\hat y - y$
#
# For one example, $\ell = -[y \log \sigma(z) + (1 - y)\log(1 - \sigma(z))]$. With
# $\sigma'(z) = \sigma(z)(1 - \sigma(z))$ the chain rule gives
#
# $$\frac{\partial \ell}{\partial z}
#   = -\Big[\frac{y}{\sigma(z)} - \frac{1 - y}{1 - \sigma(z)}\Big]\sigma(z)\big(1 - \sigma(z)\big)
#   = -\big[y(1 - \sigma(z)) - (1 - y)\sigma(z)\big] = \sigma(z) - y = \hat y - y .$$
#
# The $\sigma'$ cancels, so the gradient never vanishes while the prediction is wrong. And with
# $\partial z / \partial \mathbf w = \mathbf x$ the whole gradient is Adaline's with $z$ replaced by
# $\hat y$:
#
# $$\nabla_{\mathbf w} L = \frac1n X^\top(\hat{\mathbf y} - \mathbf y), \qquad
#   \frac{\partial L}{\partial b} = \frac1n \sum_i \big(\hat y^{(i)} - y^{(i)}\big).$$

# %%
logits = torch.randn(8, requires_grad=True)
labels = (torch.rand(8) < 0.5).float()
F.binary_cross_entropy_with_logits(logits, labels, reduction="sum").backward()
print("autograd:", logits.grad.numpy().round(4))
print("ŷ − y:   ", (torch.sigmoid(logits) - labels).detach().numpy().round(4))
assert torch.allclose(logits.grad, torch.sigmoid(logits) - labels, atol=1e-6), "∂ℓ/∂z should be ŷ − y"

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Logistic regression from scratch, then the PyTorch way
#
# The arc of sections 4 and 5 once more, on the overlapping versicolor and virginica of section 7:
# full-batch gradient descent with the gradient just derived, on plain tensors, next to `nn.Linear`
# with `nn.BCEWithLogitsLoss` and `torch.optim.SGD`, from the same start with the same steps.

# %%
def train_logistic(w, b, X, y, learning_rate, n_epochs):
    """Full-batch gradient descent on the mean binary cross-entropy, gradient by hand."""
    for _ in range(n_epochs):
        error = torch.sigmoid(X @ w + b) - y  # ŷ − y, one per example
        w = w - learning_rate * X.T @ error / len(y)  # (1/n) Xᵀ(ŷ − y)
        b = b - learning_rate * error.mean()
    return w, b


X_hard_t, y_hard_t = hard.X_train.to(device), hard.y_train.float().to(device)
w_start, b_start = w_init.to(device), torch.zeros((), device=device)
w_scratch, b_scratch = train_logistic(w_start, b_start, X_hard_t, y_hard_t, 2.0, n_epochs=300)

# %%
logistic_hard = nn.Linear(2, 1).to(device)
with torch.no_grad():  # the same start
    logistic_hard.weight.copy_(w_start.view(1, 2))
    logistic_hard.bias.copy_(b_start)
optimizer = torch.optim.SGD(logistic_hard.parameters(), lr=2.0)
for _ in range(300):
    loss = nn.BCEWithLogitsLoss()(logistic_hard(X_hard_t).squeeze(1), y_hard_t)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()

# %%
by_hand = torch.cat([w_scratch, b_scratch.view(1)]).cpu().numpy()
by_optim = torch.cat([logistic_hard.weight.view(-1), logistic_hard.bias]).detach().cpu().numpy()
print(f"by hand:                 w = {by_hand[:2].round(5)}, b = {by_hand[2]:+.5f}")
print(f"BCEWithLogitsLoss + SGD: w = {by_optim[:2].round(5)}, b = {by_optim[2]:+.5f}")
scratch_gap = np.abs(by_hand - by_optim).max()
assert scratch_gap < 1e-5, f"the two should take the same steps, they differ by {scratch_gap:.1e}"

# %% [markdown] slideshow={"slide_type": "subslide"}
# The trained model read both ways: its mean negative log-likelihood of the training labels is the
# cross-entropy, and one standard deviation more petal length multiplies the odds of virginica by
# $e^{w_2}$, wherever a flower starts. (The factor is large because petal length nearly separates
# the two species; a negative $w_1$ means that, at equal petal length, longer sepals make
# virginica *less* likely.)

# %%
theta = torch.as_tensor(by_hand, dtype=torch.float64)  # (w₁, w₂, b), in float64 from here
ones = torch.ones(len(hard.X_train), 1, dtype=torch.float64)
X_tilde = torch.cat([hard.X_train.double(), ones], dim=1)  # a column of ones for the bias
y_hard_64 = hard.y_train.double()
y_hat = torch.sigmoid(X_tilde @ theta)
likelihood = torch.where(y_hard_64 == 1, y_hat, 1 - y_hat)  # P(label | x), one per flower
mean_nll = -likelihood.log().mean().item()
bce = F.binary_cross_entropy_with_logits(X_tilde @ theta, y_hard_64).item()
odds = y_hat / (1 - y_hat)
longer = X_tilde + torch.tensor([0.0, 1.0, 0.0], dtype=torch.float64)  # petal length + 1 sd
odds_ratio = torch.exp(longer @ theta) / odds  # e^z is the odds
print(f"mean negative log-likelihood {mean_nll:.4f}, cross-entropy {bce:.4f}")
print(f"one sd more petal length: odds of virginica × {np.exp(by_hand[1]):,.0f} (e^w₂) for every"
      f" flower; one sd more sepal length: × {np.exp(by_hand[0]):.2f} (e^w₁)")
assert abs(mean_nll - bce) < 1e-9, "the cross-entropy is the mean negative log-likelihood"
assert torch.allclose(odds_ratio, torch.exp(theta[1]), rtol=1e-6), "odds should scale by e^w₂"
assert theta[0] < 0 < theta[1], "longer petals should favour virginica, longer sepals (alone) not"

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Why the cross-entropy: convex in the weights
#
# A function is **convex** when the chord between any two of its points lies on or above its graph;
# in one variable, when its second derivative is never negative. Then every local minimum is a
# global one and there are no shelves where descent stalls away from the bottom. For one example,
# $\ell(z) = \log(1 + e^{z}) - y z$ has $\ell''(z) = \sigma(z)\big(1 - \sigma(z)\big) > 0$; $z$ is
# linear in $(\mathbf w, b)$, and a mean of convex functions is convex: the cross-entropy of
# logistic regression is convex in the weights, like Adaline's bowl. The squared error of
# $\sigma(z)$ is not. Along the line $t\,(\mathbf w, b)$ through zero and the weights just trained:

# %%
t = torch.linspace(-3, 3, 241, dtype=torch.float64)
Z = t[:, None] * (X_tilde @ theta)  # row k: every flower's z at the weights t_k · (w, b)
Y = y_hard_64.expand_as(Z)
along_line = {
    "cross-entropy": F.binary_cross_entropy_with_logits(Z, Y, reduction="none").mean(dim=1),
    "squared error of σ": 0.5 * ((torch.sigmoid(Z) - Y) ** 2).mean(dim=1),
}
bends = {name: loss[2:] - 2 * loss[1:-1] + loss[:-2] for name, loss in along_line.items()}
fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
for ax, color, (name, loss) in zip(axes, PALETTE[2:0:-1], along_line.items()):
    ax.plot(t, loss, color=color, label=name)
    concave = np.r_[False, (bends[name] < 0).numpy(), False]
    ax.fill_between(t, 0, loss.max(), where=concave, color="0.85",
                    label="bends down (concave)" if concave.any() else None)
    ax.axvline(1.0, color="0.3", linestyle=":", label="the trained weights, $t = 1$")
    ax.set(xlabel=r"$t$: the weights are $t\,(\mathbf{w}, b)$", ylabel="training loss",
           title=f"{name} along a line in weight space")
    ax.legend(fontsize="small", loc="center right")
fig.tight_layout()

# %%
print(f"smallest second difference: cross-entropy {bends['cross-entropy'].min():.1e}, "
      f"squared error of σ {bends['squared error of σ'].min():.1e}")
assert bends["cross-entropy"].min() > -1e-12, "the cross-entropy should never bend down"
assert bends["squared error of σ"].min() < -1e-4, "the squared error of σ should bend down somewhere"
slopes_far = {name: (loss[1] - loss[0]).item() / (t[1] - t[0]).item()  # at t = −3
              for name, loss in along_line.items()}
assert abs(slopes_far["squared error of σ"]) < 0.1 * abs(slopes_far["cross-entropy"]), (
    "far on the wrong side, the squared error of σ should be a flat shelf"
)

# %% [markdown]
# The cross-entropy never bends down: on the left, where every flower is confidently on the wrong
# side, it rises steeply and almost straight, so descent always has a slope to follow. The squared
# error of $\sigma$ bends down in the grey bands and flattens there into a shelf, where gradient
# descent barely moves; with more features and more complicated models, such shelves and bends
# are where descent stalls or settles in the wrong place. The next slide shows why, for one
# example.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Confident mistakes: the squared error of $\sigma$ barely notices them
#
# Take one example with $y = 1$ and compare three losses as functions of $z$, with the slopes
# $\partial L / \partial z$ that gradient descent receives, computed by autograd. The squared error
# of $\sigma(z)$ has slope $(\hat y - y)\,\sigma'(z)$, and $\sigma'(z) = \hat y (1 - \hat y)$ vanishes
# when $\hat y$ is near 0 or 1: a point that is **confidently wrong** barely gets a gradient.

# %%
z = torch.linspace(-6, 6, 241, requires_grad=True)
losses = {
    r"Adaline: $\frac{1}{2}(z - 1)^2$": 0.5 * (z - 1) ** 2,
    r"squared error of $\sigma$: $\frac{1}{2}(\sigma(z) - 1)^2$": 0.5 * (torch.sigmoid(z) - 1) ** 2,
    r"cross-entropy: $-\log \sigma(z)$": -F.logsigmoid(z),
}
slopes = {name: torch.autograd.grad(loss.sum(), z)[0] for name, loss in losses.items()}
fig, (ax_loss, ax_slope) = plt.subplots(1, 2, figsize=(10, 3.6))
for color, (name, loss) in zip(PALETTE[:3], losses.items()):
    ax_loss.plot(z.detach(), loss.detach(), color=color, label=name)
for color, (name, slope) in zip(PALETTE[1:3], list(slopes.items())[1:]):
    ax_slope.plot(z.detach(), slope, color=color, label=name.split(":")[0])
ax_loss.set(ylim=(0, 5), xlabel="$z$", ylabel="loss", title="Loss of one example with $y = 1$")
ax_slope.set(xlabel="$z$", ylabel=r"$\partial L / \partial z$", title="The gradient it sends back")
ax_loss.legend(fontsize="small", loc="upper center", bbox_to_anchor=(0.5, -0.22))
ax_slope.legend(fontsize="small", loc="lower right")
fig.tight_layout()

# %%
squared, cross = (slope[0].item() for slope in list(slopes.values())[1:])  # at z = −6
print(f"at z = −6 (σ = {torch.sigmoid(torch.tensor(-6.0)):.4f}, confidently wrong): "
      f"squared error of σ gives {squared:.4f}, cross-entropy gives {cross:.4f}")
assert abs(cross) > 100 * abs(squared), "the cross-entropy gradient should be far larger there"
assert abs(cross + 1) < 0.01, "for y = 1 and very negative z, the cross-entropy slope is close to −1"

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### `sigmoid` + `nn.BCELoss`: a silent error
#
# In `float32`, $\sigma(z)$ rounds to exactly 1 once $z \gtrsim 17$, and then
# $\log(1 - \sigma(z)) = \log 0 = -\infty$: the textbook formula returns `inf` on logits that are
# merely large. `nn.BCELoss` hides the `inf` by clamping each log at $-100$. It returns a number,
# but a wrong one, and through the clamp the confidently wrong example gets **no gradient at all**.
# `nn.BCEWithLogitsLoss` computes $\log\sigma(z)$ and $\log(1 - \sigma(z)) = \log\sigma(-z)$ from $z$
# itself and stays exact. Three examples, the first two confidently wrong:

# %%
big_logits = torch.tensor([40.0, -40.0, 2.0], requires_grad=True)
big_labels = torch.tensor([0.0, 1.0, 1.0])
p = torch.sigmoid(big_logits)
textbook = -(big_labels * torch.log(p) + (1 - big_labels) * torch.log(1 - p)).mean()
clamped = nn.BCELoss()(p, big_labels)  # sigmoid first, then the loss
log_p, log_not_p = F.logsigmoid(big_logits), F.logsigmoid(-big_logits)  # from z: no log(0)
exact = -(big_labels * log_p + (1 - big_labels) * log_not_p).mean()
with_logits = nn.BCEWithLogitsLoss()(big_logits, big_labels)
(grad_clamped,) = torch.autograd.grad(clamped, big_logits)
(grad_exact,) = torch.autograd.grad(with_logits, big_logits)
print(f"textbook formula {textbook.item()}, sigmoid + BCELoss {clamped.item():.2f}, "
      f"BCEWithLogitsLoss {with_logits.item():.2f}, exact (log-sigmoid) {exact.item():.2f}")
print(f"gradient at z = 40, y = 0: sigmoid + BCELoss {grad_clamped[0]:.4f}, "
      f"BCEWithLogitsLoss {grad_exact[0]:.4f}")

# %%
assert not torch.isfinite(textbook), "σ(40) rounds to 1, so log(1 − σ(40)) = −∞"
assert abs(with_logits.item() - exact.item()) < 1e-4, "BCEWithLogitsLoss should be exact"
assert torch.isfinite(clamped) and clamped.item() - exact.item() > 19, (
    "BCELoss should be finite but 20 too large: −100 in place of log(1 − σ(40)) ≈ −40"
)
assert grad_clamped[0] == 0 and abs(grad_exact[0].item() - 1 / 3) < 1e-6, (
    "through the clamp the confidently wrong example should get no gradient; (ŷ − y)/n = 1/3"
)

# %% [markdown]
# The exact losses of the three examples are $\log(1 + e^{40}) \approx 40$, $\log(1 + e^{40})
# \approx 40$ and $\log(1 + e^{-2}) = 0.13$, a mean of 26.71. With the clamp the first becomes 100,
# and the mean 46.71. Nothing warns: training goes on, and the examples the model gets most wrong
# are the ones it stops learning from. Hand PyTorch the logits.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Training logistic regression with `fit`
#
# Back to setosa against versicolor, with `course_utils.fit` and mini-batches as in section 6. The
# model is the same linear unit; the sigmoid lives inside `nn.BCEWithLogitsLoss`, which takes the
# logit $z$. The built-in `accuracy` metric counts a logit $z \ge 0$ as class 1, the rule above.

# %%
logistic, logistic_history = train_linear_unit(iris, nn.BCEWithLogitsLoss(), "accuracy",
                                               learning_rate=0.5, n_epochs=30)
print(f"setosa vs versicolor, test accuracy {logistic_history.last('val_accuracy'):.0%}")
assert logistic_history.last("val_accuracy") == 1.0, "logistic regression should get all test flowers"

# %% [markdown]
# On separable classes the cross-entropy has no minimum: doubling $\mathbf w$ and $b$ keeps every
# prediction and makes each more confident, so the loss keeps falling as long as the weights grow.
# A fixed number of epochs (or a penalty on large weights, exercise 2) keeps them finite.

# %%
with torch.no_grad():
    z_train = logistic(X_train)
    loss_now = F.binary_cross_entropy_with_logits(z_train, y_train)
    loss_doubled = F.binary_cross_entropy_with_logits(2 * z_train, y_train)  # w and b doubled
print(f"training loss {loss_now:.4f}; with w and b doubled {loss_doubled:.4f}")
assert accuracy(z_train, y_train) == 1, "every training flower should be classified right"
assert loss_doubled < loss_now, "on separable data, scaling the weights up should lower the loss"

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Flowers that are too right
#
# Section 1 warned that Adaline pulls back predictions that overshoot. Add five made-up versicolor
# flowers with petals 5 standard deviations longer than average: easy cases, far on the right side.
# Adaline's squared error wants their $z$ near 1, not far beyond it, and tilts the boundary. For
# logistic regression they are confidently right, $\hat y - y \approx 0$, so they barely count.

# %%
made_up = np.c_[np.linspace(-0.5, 0.5, 5), np.full(5, 5.0)]  # five long-petalled versicolor
X_extra = np.r_[X_np, made_up]
y_extra = np.r_[y_np, np.ones(5)]
w_extra, b_extra = least_squares(X_extra, y_extra)  # where Adaline converges
extra = replace(iris, X_train=torch.as_tensor(X_extra, dtype=torch.float32),
                y_train=torch.as_tensor(y_extra).long())
logistic_extra, _ = train_linear_unit(extra, nn.BCEWithLogitsLoss(), "accuracy",
                                      learning_rate=0.5, n_epochs=30)


def classes_of(model):
    """A function from a NumPy array of points to classes 0/1, for a model that outputs logits."""
    def predict(P):
        with torch.no_grad():
            logits = model(torch.as_tensor(P, dtype=torch.float32, device=device))
        return (logits >= 0).long().reshape(-1).cpu().numpy()  # class 1 where z >= 0
    return predict


extra_predictors = {"Adaline": lambda P: predict_adaline(w_extra, b_extra, P),
                    "logistic regression": classes_of(logistic_extra)}

# %% slideshow={"slide_type": "subslide"}
fig, axes = plt.subplots(1, 2, figsize=(10, 4))
for ax, (name, predict) in zip(axes, extra_predictors.items()):
    original_accuracy = (predict(X_np) == y_np).mean()  # on the 70 real training flowers
    plot_decision_boundary(predict, X_extra, y_extra, ax=ax, class_names=iris.class_names,
                           feature_names=feature_names,
                           title=f"{name}: {original_accuracy:.0%} of the real flowers right")
    ax.scatter(*made_up.T, s=110, facecolors="none", edgecolors="k", label="made-up flowers")
    ax.get_legend().remove()  # one legend below both panels, clear of every flower
    ax.set_aspect("equal")
    if name == "Adaline":
        assert original_accuracy < 1, "the far points should tilt Adaline's boundary into the data"
    else:
        assert original_accuracy == 1, "logistic regression should not be moved by far, right points"
fig.legend(*axes[0].get_legend_handles_labels(), loc="lower center", ncol=3, fontsize="small")
fig.tight_layout(rect=(0, 0.07, 1, 1))

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Adaline and logistic regression on the overlapping classes
#
# Back to versicolor against virginica. Both models are linear classifiers, so both draw a straight
# boundary; they place it differently because they weigh the flowers differently. Adaline pays for every
# flower's distance from 0 or 1, logistic regression mostly for the flowers near or across the boundary.

# %%
hard_predictors = {"Adaline": overlap_classifiers["Adaline"],  # section 7
                   "logistic regression": classes_of(logistic_hard)}  # from scratch, above
fig, axes = plt.subplots(1, 2, figsize=(10, 4))
results = {}
for ax, (name, predict) in zip(axes, hard_predictors.items()):
    results[name] = [(predict(X_hard) == y_hard).mean(), (predict(X_hard_test) == y_hard_test).mean()]
    plot_decision_boundary(predict, X_hard_test, y_hard_test, ax=ax, class_names=hard.class_names,
                           feature_names=hard_names, title=f"{name}: {results[name][1]:.0%} of test set")
    ax.set_aspect("equal")
fig.tight_layout()

# %%
for name, (train_acc, test_acc) in results.items():
    print(f"{name:<20} training accuracy {train_acc:.1%}, test accuracy {test_acc:.1%}")
gaps = np.abs(np.subtract(*results.values()))
assert min(min(accs) for accs in results.values()) >= 0.85, "both should get at least 85 % right"
assert gaps.max() <= 0.1, "on this tidy dataset the two should be within 10 points of each other"

# %% [markdown]
# Without far-off points the two land close together. The cross-entropy's real strengths are the ones
# shown above: probabilities as outputs, a convex loss whose gradients do not vanish on confident
# mistakes, and no penalty for being right by a wide margin. Lecture 04 extends the sigmoid and the
# cross-entropy to **softmax** over several classes, the output layer of nearly every classifier
# that follows.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 9. Exercises
#
# Each exercise is followed by its check, which runs your function on cases you have not seen and
# names the usual slips. Nothing above depends on them.
#
# ### Exercise 1 — one epoch of mini-batch Adaline
#
# Go through the examples **in the order given**, in mini-batches of `batch_size` (the last one may be
# smaller), and take one gradient step on the Adaline loss of each mini-batch, each from the weights
# the previous step left. Return the new `(w, b)`. With `batch_size = n` this is one full-batch
# step; with `batch_size = 1` it is Widrow and Hoff's original online rule.

# %% tags=["exercise"]
def adaline_epoch(w, b, X, y, learning_rate: float, batch_size: int):
    """One pass of mini-batch gradient descent on the Adaline loss for tensors w (d,), b (0-dim),
    X (n, d) and y (n,); returns the new (w, b) as tensors of the same shapes."""
    ### BEGIN SOLUTION
    for start in range(0, len(y), batch_size):
        X_batch, y_batch = X[start : start + batch_size], y[start : start + batch_size]
        error = X_batch @ w + b - y_batch
        w = w - learning_rate * X_batch.T @ error / len(y_batch)
        b = b - learning_rate * error.mean()
    return w, b
    ### END SOLUTION


# %% tags=["check"]
check.adaline_epoch(adaline_epoch)

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise 2 — logistic regression with weight decay, by hand
#
# On separable classes the cross-entropy has no minimum (section 8). A penalty on large weights,
# **weight decay** with strength $\lambda \ge 0$, gives it one:
#
# $$L(\mathbf w, b) = -\frac1n \sum_{i=1}^{n} \Big[ y^{(i)} \log \hat y^{(i)} + \big(1 - y^{(i)}\big)
#   \log\big(1 - \hat y^{(i)}\big) \Big] + \frac{\lambda}{2} \|\mathbf w\|^2, \qquad
#   \hat y^{(i)} = \sigma\big(\mathbf w^\top \mathbf x^{(i)} + b\big).$$
#
# The bias stays out of the penalty: it only shifts the boundary, and penalising it would make the
# answer depend on where the features' zero happens to lie. Derive $\nabla_{\mathbf w} L$ and
# $\partial L / \partial b$, then run `n_epochs` full-batch gradient-descent steps of size
# `learning_rate` from $\mathbf w = \mathbf 0$, $b = 0$, for tensors `X` (shape `(n, d)`) and `y`
# (shape `(n,)`, 0 or 1). The gradient is yours: no `.backward()`, `torch.autograd.grad` or PyTorch
# cross-entropy. The check compares with the same descent on autograd's gradients.

# %% tags=["exercise"]
def fit_logistic_regression(X, y, learning_rate: float, n_epochs: int, weight_decay: float):
    """Full-batch gradient descent from zero on the mean binary cross-entropy of σ(X w + b)
    plus (weight_decay / 2) ‖w‖²; returns (w of shape (d,), b as a 0-dim tensor)."""
    ### BEGIN SOLUTION
    w, b = torch.zeros(X.shape[1], dtype=X.dtype), torch.zeros((), dtype=X.dtype)
    for _ in range(n_epochs):
        error = torch.sigmoid(X @ w + b) - y  # ∂ℓ/∂z = ŷ − y
        w = w - learning_rate * (X.T @ error / len(y) + weight_decay * w)  # penalty: λ w
        b = b - learning_rate * error.mean()  # the bias is not penalised
    return w, b
    ### END SOLUTION


# %% tags=["check"]
check.fit_logistic_regression(fit_logistic_regression)

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise 3 — a cross-entropy that stays finite
#
# Section 8 showed the textbook formula returning `inf` for large logits and `nn.BCELoss` returning a
# wrong number. Write the loss in terms of $z$ instead. Using $\log\sigma(z) = -\log(1 + e^{-z})$ and
# $\log(1 - \sigma(z)) = -z - \log(1 + e^{-z})$, one example's loss simplifies to
# $\ell = \log(1 + e^{z}) - y z$, and $\log(1 + e^{z}) = \max(z, 0) + \log(1 + e^{-|z|})$ never
# exponentiates a positive number. Return the mean over the examples, without calling PyTorch's
# cross-entropy functions (or `softplus` and `logsigmoid`, which contain the trick).

# %% tags=["exercise"]
def bce_from_logits(z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Mean binary cross-entropy of targets y for logits z, finite for any z."""
    ### BEGIN SOLUTION
    return (z.clamp(min=0) - y * z + torch.log1p(torch.exp(-z.abs()))).mean()
    ### END SOLUTION


# %% tags=["check"]
check.bce_from_logits(bce_from_logits)

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Experiment — training for ever on separable classes
#
# Setosa and versicolor are separable, so the cross-entropy has no minimum. The cells below train
# logistic regression on them with `train_logistic` (section 8) from $\mathbf w = \mathbf 0$, $b = 0$,
# and report after 10, 100, 1,000 and 10,000 epochs the length of $\mathbf w$, the training loss,
# the direction of $\mathbf w$, the smallest distance of a training flower from the boundary and the
# range of the predicted probabilities; the plot shows the boundaries. Add checkpoints (100,000
# epochs take a few seconds), change the learning rate, or, once exercise 2 passes, compare
# `fit_logistic_regression` with a small `weight_decay` such as 0.01.
#
# **Question:** what happens to the weights, the loss, the boundary and the predicted probabilities
# as training goes on, and why? What does that mean for a model trained this way?

# %%
checkpoints = [10, 100, 1_000, 10_000]
X_sep, y_sep = X_train, y_train  # setosa vs versicolor, standardised, on the device
w_sep, b_sep = torch.zeros(2, device=device), torch.zeros((), device=device)
epochs_done, boundaries = 0, {}
for n_epochs_total in checkpoints:
    w_sep, b_sep = train_logistic(w_sep, b_sep, X_sep, y_sep, 1.0, n_epochs_total - epochs_done)
    epochs_done = n_epochs_total
    z_sep = X_sep @ w_sep + b_sep
    distance = ((2 * y_sep - 1) * z_sep).min() / w_sep.norm()  # negative: a flower on the wrong side
    print(f"{n_epochs_total:>6} epochs: ‖w‖ = {w_sep.norm():5.2f}, "
          f"loss {F.binary_cross_entropy_with_logits(z_sep, y_sep):.1e}, "
          f"w points at {torch.rad2deg(torch.atan2(w_sep[1], w_sep[0])):5.1f}°, "
          f"closest flower {distance:+.2f} from the boundary, "
          f"ŷ from {torch.sigmoid(z_sep).min():.1e} to {torch.sigmoid(z_sep).max():.6f}")
    boundaries[n_epochs_total] = (w_sep.cpu().numpy(), b_sep.item())

# %% slideshow={"slide_type": "subslide"}
fig, ax = plt.subplots(figsize=(6, 4))
for c, name in enumerate(iris.class_names):
    ax.scatter(*X_np[y_np == c].T, s=18, color=PALETTE[c], label=name)
x_line = np.linspace(X_np[:, 0].min(), X_np[:, 0].max(), 2)
shades = np.linspace(0.75, 0.0, len(boundaries))  # light grey early, black late
for shade, (n_epochs_total, (w_line, b_line)) in zip(shades, boundaries.items()):
    ax.plot(x_line, -(w_line[0] * x_line + b_line) / w_line[1], color=str(shade),
            label=f"boundary after {n_epochs_total:,} epochs")
ax.set(xlabel=feature_names[0], ylabel=feature_names[1], title="Logistic regression, separable classes",
       ylim=(X_np[:, 1].min() - 0.5, X_np[:, 1].max() + 0.5))
ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.02, 1))
fig.tight_layout()

# %% [markdown] tags=["answer"]
# ### BEGIN SOLUTION
# The loss keeps falling towards 0 without reaching it (several times smaller for every tenfold more
# epochs), and $\|\mathbf w\|$ keeps growing, by a few units for every tenfold more epochs: slowly,
# like the logarithm of the number of epochs, but without bound. Every training flower is on its
# right side, so scaling $(\mathbf w, b)$ up pushes every $\hat y$ closer to its label and lowers the
# loss; the gradient $\frac1n X^\top(\hat{\mathbf y} - \mathbf y)$ is never exactly zero because
# $\hat y$ never reaches 0 or 1, so gradient descent keeps scaling up. There is no minimum to
# converge to.
#
# The boundary moves less and less. As $\mathbf w$ grows, the flowers far from the boundary
# contribute almost nothing ($\hat y - y \approx 0$) and the loss is dominated by the closest ones,
# so the direction of $\mathbf w$ settles, very slowly, on the separating line with the **largest
# margin** (the one a linear support-vector machine finds): the distance of the closest flower to
# the boundary grows at every checkpoint. The predicted probabilities run off to 0 and 1 (in
# `float32` they round to exactly 1): the model becomes certain of every flower, also of new
# flowers near the boundary, far more certain than 70 training flowers can justify. On separable
# data, then, the number of epochs (early stopping) or a penalty on the weights decides where
# training ends, not the data. With weight decay (exercise 2, $\lambda > 0$) the loss has a
# minimum: for $\lambda = 0.01$ the weights settle within a few hundred epochs at
# $\|\mathbf w\| \approx 3.4$ on this split, and the probabilities stop short of 0 and 1.
# ### END SOLUTION

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Summary
#
# | | perceptron | Adaline | logistic regression |
# |---|---|---|---|
# | learns from | $y - \hat y$, mistakes only | $z - y$ | $\sigma(z) - y$ |
# | loss | none | $\frac{1}{2n}\sum (z - y)^2$ | binary cross-entropy (Bernoulli likelihood) |
# | predicts class 1 where | $z \ge 0$ | $z \ge \frac12$ | $\sigma(z) \ge \frac12$, i.e. $z \ge 0$ |
# | overlapping classes | never settles | converges | converges |
#
# * Adaline learns from the **linear output** and thresholds only to predict; its update is a
#   gradient-descent step on the squared error, the loss of linear regression.
# * Gradients by hand, autograd and `nn.Linear` + `torch.optim` follow the same path to the same
#   weights; the normal equation confirms the minimum.
# * The learning rate must stay below $2/\lambda_{\max}$; **standardised** features give a round bowl
#   and fast convergence, raw ones a narrow valley; mini-batch SGD takes many cheap, noisy steps.
# * Logistic regression keeps the linear unit and models the **log-odds** $z$; its loss, the
#   binary cross-entropy, is the negative log-likelihood of Bernoulli labels, **convex** in the
#   weights, with gradient $\frac1n X^\top(\hat{\mathbf y} - \mathbf y)$, which does not vanish on
#   confident mistakes (the squared error of $\sigma$ has shelves and bends instead).
# * Hand PyTorch the logits: `BCEWithLogitsLoss` is exact where `sigmoid` + `BCELoss` silently
#   clamps the loss and loses the gradient. On separable classes the weights grow for as long as
#   training runs.
#
# **Next:** [Lecture 04 — multilayer perceptrons and backpropagation](04_mlp_backprop.ipynb): one
# linear boundary cannot solve XOR, so we stack units into layers and let the chain rule train them.
