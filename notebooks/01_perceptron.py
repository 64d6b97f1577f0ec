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
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/pytorch-dl-course/deep-learning-course/blob/main/notebooks/01_perceptron.ipynb)
#
# # Lecture 01 — The perceptron
#
# In 1958 Frank Rosenblatt built a machine that **learned** to tell two kinds of pictures apart, by
# nothing more than adding and subtracting numbers whenever it got an answer wrong. His *perceptron*
# is the ancestor of every network in this course. In this lecture you will:
#
# 1. model a neuron as a **weighted sum and a threshold**;
# 2. train it with the **perceptron rule**, online, one example at a time: first in NumPy, then as
#    an `nn.Linear` layer, then as tensor operations that train a thousand perceptrons at once;
# 3. see the **geometry**: the weights form a vector normal to the decision boundary, and each
#    mistake turns and shifts that boundary;
# 4. check the **convergence theorem**: on separable data it makes at most $(R/\gamma)^2$ mistakes;
# 5. **prove** with a linear program when no straight line separates the classes, watch the
#    perceptron never settle there, and see why a rule without a gradient is hard to repair: the
#    motivation for lectures 02–03.

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
import warnings

import matplotlib.pyplot as plt
import numpy as np
import torch
from scipy.optimize import linprog
from sklearn.exceptions import ConvergenceWarning
from sklearn.svm import LinearSVC

from course_utils import (
    PALETTE,
    get_device,
    load_iris,
    make_xor,
    plot_curves,
    plot_decision_boundary,
    seed_everything,
)
from course_utils.checks import lecture01 as check

SEED = seed_everything(0)  # 0, plus COURSE_SEED when set (course run 01 --seed S)
device = get_device()
rng = np.random.default_rng(SEED)  # NumPy's generator, for the order of the examples
print(f"torch {torch.__version__}, training on: {device}")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 1. The neuron: a weighted sum and a threshold
#
# A biological neuron collects signals from its neighbours, some exciting, some inhibiting, and
# fires when their total is large enough. McCulloch and Pitts (1943) turned this into arithmetic.
# Give the neuron $d$ inputs $x_1, \dots, x_d$; each has a **weight** $w_j$ saying how much it
# counts (negative: it inhibits). The neuron adds them up with a **bias** $b$,
#
# $$z = w_1 x_1 + \dots + w_d x_d + b = \mathbf w^\top \mathbf x + b,$$
#
# and fires when the sum reaches zero. The firing rule is the **Heaviside step function** $H$:
#
# $$\hat y = H(z) = \begin{cases} 1 & \text{if } z \ge 0,\\ 0 & \text{if } z < 0. \end{cases}$$
#
# The bias is a threshold moved to the other side: "fire when $\mathbf w^\top \mathbf x \ge \theta$"
# is the same as $z \ge 0$ with $b = -\theta$.

# %% slideshow={"slide_type": "subslide"}
fig, (ax_net, ax_step) = plt.subplots(1, 2, figsize=(10, 3.2), width_ratios=[1.6, 1])
at = {"x1": (0, 1), "x2": (0, 0), "one": (0, -1), "sum": (1.6, 0), "H": (2.8, 0), "out": (4, 0)}
for start, end, label in [("x1", "sum", "$w_1$"), ("x2", "sum", "$w_2$"), ("one", "sum", "$b$"),
                           ("sum", "H", "$z$"), ("H", "out", "")]:
    ax_net.annotate("", at[end], at[start], arrowprops={"arrowstyle": "-|>", "shrinkB": 15})
    ax_net.text(*(np.add(at[start], at[end]) / 2 + [0, 0.15]), label, fontsize=13, color=PALETTE[3])
for key, name in zip(at, ["$x_1$", "$x_2$", "$1$", r"$\Sigma$", "$H$", r"$\hat y$"], strict=True):
    ax_net.text(*at[key], name, ha="center", va="center", fontsize=13,
                bbox={"boxstyle": "circle", "facecolor": PALETTE[5], "edgecolor": "0.3"})
ax_net.set(xlim=(-0.4, 4.4), ylim=(-1.4, 1.4), title="a neuron: weighted sum, then threshold")
ax_net.axis("off")
ax_step.plot([-3, 0, np.nan, 0, 3], [0, 0, np.nan, 1, 1], color=PALETTE[0])
ax_step.scatter([0, 0], [1, 0], edgecolors=PALETTE[0], facecolors=[PALETTE[0], "white"], zorder=3)
ax_step.set(xlabel="$z$", ylabel=r"$\hat y = H(z)$", title="step function: $H(0) = 1$ (filled dot)")
fig.tight_layout()

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 2. The data: setosa against versicolor
#
# Fisher's iris flowers, two species, two measurements in centimetres: sepal length and petal
# length. `load_iris` keeps a stratified 30 % aside as a test set. Labels are $y = 0$ (setosa) and
# $y = 1$ (versicolor), stored as floats so that $y - \hat y$ is plain arithmetic later on.

# %%
iris = load_iris(classes=("setosa", "versicolor"), features=("sepal length", "petal length"),
                 seed=SEED)
X_train, y_train, X_test, y_test = iris.numpy()
y_train, y_test = y_train.astype(np.float32), y_test.astype(np.float32)
axis_labels = [f"{name} (cm)" for name in iris.feature_names]
print(iris)
print("X_train", X_train.shape, X_train.dtype, "| labels", np.unique(y_train))
print("first example:", X_train[0], "label", y_train[0])
assert X_train.shape == (70, 2), f"expected 70 flowers with 2 features, got {X_train.shape}"
assert set(np.unique(y_train)) == {0.0, 1.0}, "labels should be 0 (setosa) and 1 (versicolor)"

# %% slideshow={"slide_type": "subslide"}
def scatter_classes(ax, X, y, class_names, size=24):
    """Draw two classes in the course's colours: class 0 blue circles, class 1 orange squares."""
    for label, marker in [(0, "o"), (1, "s")]:
        ax.scatter(*X[y == label].T, s=size, marker=marker, color=PALETTE[label],
                   edgecolors="white", linewidths=0.5, label=class_names[label])


fig, ax = plt.subplots(figsize=(5, 4))
scatter_classes(ax, X_train, y_train, iris.class_names)
ax.set(xlabel=axis_labels[0], ylabel=axis_labels[1], xlim=(4, 7.5),
       title="iris training set: a line should separate them")
ax.set_aspect("equal")
ax.legend(loc="center right")
fig.tight_layout()

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 3. The perceptron learning rule
#
# Rosenblatt's rule starts from $\mathbf w = \mathbf 0$, $b = 0$ and looks at one example
# $(\mathbf x, y)$ at a time. It predicts $\hat y = H(\mathbf w^\top \mathbf x + b)$ and corrects
# the weights by the error $y - \hat y$, scaled by a **learning rate** $\eta > 0$:
#
# $$\mathbf w \leftarrow \mathbf w + \eta\,(y - \hat y)\,\mathbf x, \qquad
#   b \leftarrow b + \eta\,(y - \hat y).$$
#
# | truth $y$ | prediction $\hat y$ | $y - \hat y$ | what happens |
# |---|---|---|---|
# | 1 | 1 | 0 | nothing |
# | 0 | 0 | 0 | nothing |
# | 1 | 0 | $+1$ | add $\eta\,\mathbf x$ to $\mathbf w$ and $\eta$ to $b$ |
# | 0 | 1 | $-1$ | subtract $\eta\,\mathbf x$ from $\mathbf w$ and $\eta$ from $b$ |
#
# It learns **only from mistakes**. Why does a correction help? Afterwards the same example scores
#
# $$z_{\text{new}} = (\mathbf w + \eta e\,\mathbf x)^\top \mathbf x + (b + \eta e)
#   = z + \eta\, e\,(\lVert \mathbf x \rVert^2 + 1), \qquad e = y - \hat y,$$
#
# so $z$ moves towards the correct side by a fixed amount, $\eta\,(\lVert \mathbf x \rVert^2 + 1)$:
# up when the neuron should have fired, down when not. One update need not bring this example
# across.

# %% slideshow={"slide_type": "subslide"}
w, b = np.array([0.4, -0.3], dtype=np.float32), np.float32(0.2)  # some weights, to illustrate
first_wrong = np.flatnonzero((X_train @ w + b >= 0) != y_train)[0]  # an example they get wrong
x_i, y_i, learning_rate = X_train[first_wrong], y_train[first_wrong], 0.1
z_before = (w * x_i).sum() + b
error = y_i - (1.0 if z_before >= 0 else 0.0)
w_after, b_after = w + learning_rate * error * x_i, b + learning_rate * error
z_after = (w_after * x_i).sum() + b_after
print(f"example {x_i}, y = {y_i:.0f}: z = {z_before:.3f}, error {error:+.0f} -> z = {z_after:.3f}")
expected_change = learning_rate * error * ((x_i**2).sum() + 1)
assert error != 0 and np.isclose(z_after - z_before, expected_change), "z moves by η e (‖x‖² + 1)"

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Online learning
#
# The perceptron is an **online** learner: it updates its weights after **every single example**,
# and needs nothing but that example and its own weights. Data may arrive as a stream (a sensor, the
# clicks on a website) and never be stored. On a fixed training set we walk through all examples,
# one **epoch**, then walk again, in a fresh random order each time. On separable data any order
# converges (section 6). On non-separable data a fixed order repeats the same cycle of updates
# forever. Shuffling each epoch is also the habit SGD keeps (lecture 02).
#
# **Batch** learning instead looks at the whole training set before each update. Lecture 02 meets
# both, and the mini-batches in between.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 4. From scratch in NumPy
#
# The whole algorithm: loop over epochs, loop over the examples in that epoch's order, predict,
# update on a mistake. We count the mistakes of each epoch, keep every state the weights pass
# through (to draw them later), and stop after the first epoch without a mistake: from then on
# nothing would change.

# %%
def train_perceptron(X, y, orders, learning_rate=1.0, start=None):
    """Online perceptron from (w, b) = start (default 0, 0); epoch k visits rows in orders[k]."""
    w, b = (np.zeros(X.shape[1], dtype=X.dtype), X.dtype.type(0)) if start is None else start
    mistakes_per_epoch, updates = [], []  # updates: (w, b, example index, epoch, step in epoch)
    for epoch, order in enumerate(orders):
        mistakes = 0
        for step, i in enumerate(order):
            z = (w * X[i]).sum() + b  # the weighted sum
            error = y[i] - (1.0 if z >= 0 else 0.0)  # y - H(z): +1, 0 or -1
            if error != 0:
                w, b = w + learning_rate * error * X[i], b + learning_rate * error
                mistakes += 1
                updates.append((w.copy(), b, i, epoch, step))
        mistakes_per_epoch.append(mistakes)
        if mistakes == 0:
            break
    return w, b, mistakes_per_epoch, updates

# %% slideshow={"slide_type": "subslide"}
MAX_EPOCHS = 50
orders = [rng.permutation(len(X_train)) for _ in range(MAX_EPOCHS)]  # a fresh order per epoch
w, b, mistakes_per_epoch, updates = train_perceptron(X_train, y_train, orders)
train_acc = np.mean((X_train @ w + b >= 0) == y_train)
test_acc = np.mean((X_test @ w + b >= 0) == y_test)
print(f"mistakes per epoch: {mistakes_per_epoch} ({sum(mistakes_per_epoch)} updates in all)")
print(f"w = {np.array2string(w, precision=3)}, b = {b:.1f} | "
      f"training accuracy {train_acc:.0%}, test accuracy {test_acc:.0%}")
assert mistakes_per_epoch[-1] == 0, "the perceptron should converge: an epoch without a mistake"
assert train_acc == 1.0, f"expected 100 % training accuracy (separable), got {train_acc:.1%}"
assert test_acc >= 0.9, f"expected at least 90 % test accuracy, got {test_acc:.1%}"

# %% [markdown] slideshow={"slide_type": "subslide"}
# Left, the mistakes in each epoch, down to none in the last. Right, the same run as an online
# learner lives it, example by example: the running total of mistakes climbs while the boundary is
# still wrong, then stays flat. On data this easy the per-epoch count has little to show; for a
# harder problem, where it takes hundreds of epochs to reach zero, see the curves of section 8.

# %%
fig, (ax_epochs, ax_stream) = plt.subplots(1, 2, figsize=(10, 3.2), width_ratios=[1, 2])
epochs = np.arange(1, len(mistakes_per_epoch) + 1)
bars = ax_epochs.bar(epochs, mistakes_per_epoch, width=0.6, color=PALETTE[0])
ax_epochs.bar_label(bars)  # so that an epoch with 0 mistakes shows too
ax_epochs.set(xlabel="epoch", ylabel="mistakes", xticks=epochs, title="mistakes per epoch",
              ylim=(0, 1.15 * max(mistakes_per_epoch)))  # room for the labels
position = [epoch * len(X_train) + step + 1 for *_, epoch, step in updates]
n_seen = len(mistakes_per_epoch) * len(X_train)
ax_stream.step([0, *position, n_seen], [0, *range(1, len(position) + 1), len(position)],
               where="post", color=PALETTE[3], label="mistakes so far")
for end in range(len(X_train), n_seen, len(X_train)):
    ax_stream.axvline(end, color="0.5", linestyle=":",
                      label="end of an epoch" if end == len(X_train) else None)
ax_stream.set(xlabel="examples seen", ylabel="total mistakes", title="the same run, online")
ax_stream.legend(loc="lower right")
fig.tight_layout()

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### The same rule with labels $\pm 1$
#
# This course writes the classes as $y \in \{0, 1\}$, the values of $H$. Many books, papers and
# libraries (and the proof in section 6) write them as signs, $t = 2y - 1 \in \{-1, +1\}$, and
# predict $\hat t = \operatorname{sign}(z)$ (here with $\operatorname{sign}(0) = +1$, as $H(0) = 1$).
# The rule then reads: **on a mistake** ($\hat t \ne t$),
#
# $$\mathbf w \leftarrow \mathbf w + \eta\, t\, \mathbf x, \qquad b \leftarrow b + \eta\, t .$$
#
# It is the same rule: on a mistake $y - \hat y = \pm 1 = t$, and in general
# $t - \hat t = 2\,(y - \hat y)$, so $\frac{\eta}{2}(t - \hat t)\,\mathbf x$ is the 0/1 update
# written with signs. One variant differs: books that test a mistake as $t z \le 0$ also update
# on a point exactly on the boundary with $t = +1$, which $H$ calls right.

# %%
def train_perceptron_signs(X, t, orders, learning_rate=1.0):
    """The online rule with labels t in {-1, +1}: on a mistake, w += η t x and b += η t."""
    w, b = np.zeros(X.shape[1], dtype=X.dtype), X.dtype.type(0)
    for order in orders:
        for i in order:
            t_hat = 1.0 if (w * X[i]).sum() + b >= 0 else -1.0  # sign(z), with sign(0) = +1
            if t_hat != t[i]:
                w, b = w + learning_rate * t[i] * X[i], b + learning_rate * t[i]
    return w, b


w_signs, b_signs = train_perceptron_signs(X_train, 2 * y_train - 1, orders[: len(mistakes_per_epoch)])
print(f"labels ±1: w = {np.array2string(w_signs, precision=3)}, b = {b_signs:.1f}")
assert np.array_equal(w_signs, w) and b_signs == b, "both conventions give the very same weights"

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 5. Geometry: the weight vector is normal to the boundary
#
# The neuron splits the plane along its **decision boundary**, the line where $z = 0$:
# $\{\mathbf x : \mathbf w^\top \mathbf x + b = 0\}$. Take two points $\mathbf x_a, \mathbf x_b$ on
# it; subtracting their equations gives
#
# $$\mathbf w^\top (\mathbf x_a - \mathbf x_b) = 0,$$
#
# so $\mathbf w$ is perpendicular to every direction along the line: it is the line's **normal
# vector**, and it points to the side where $z > 0$, where the neuron fires. The bias shifts the
# line without turning it, and $z / \lVert \mathbf w \rVert$ is a point's signed distance from the
# line. The axes below have equal scales; otherwise right angles would not look right.

# %%
def draw_weight_vector(ax, w, b, anchor, length=0.8, color="0.1"):
    """Draw w, scaled to `length`, from the boundary point nearest `anchor`; return (foot, tip)."""
    foot = anchor - (w @ anchor + b) / (w @ w) * w  # project the anchor onto the line w·x + b = 0
    tip = foot + length * w / np.linalg.norm(w)
    ax.annotate("", xy=tip, xytext=foot, arrowprops={"arrowstyle": "-|>", "color": color, "lw": 2})
    ax.annotate(r"$\mathbf{w}$", xy=tip, xytext=(3, 3), textcoords="offset points", fontsize=13,
                color=color)
    return foot, tip


def neuron(w, b):
    """The step-function neuron as a function of many points at once, for plotting."""
    return lambda points: (points @ w + b >= 0).astype(int)

# %% slideshow={"slide_type": "subslide"}
fig, ax = plt.subplots(figsize=(6, 4))
plot_decision_boundary(neuron(w, b), X_train, y_train, ax=ax, resolution=150,
                       class_names=iris.class_names, feature_names=axis_labels,
                       title="the learned boundary and its normal vector w")
x_line = np.linspace(*ax.get_xlim(), 2)
ax.plot(x_line, -(w[0] * x_line + b) / w[1], color="0.1", lw=1, linestyle="--",
        label=r"$\mathbf{w}^\top \mathbf{x} + b = 0$")
foot, tip = draw_weight_vector(ax, w, b, anchor=X_train.mean(axis=0))
ax.legend(loc="upper left", fontsize="small")
ax.set_aspect("equal")

# %% [markdown]
# The cells below check these facts without the formulas that drew the picture. Two points on the
# boundary are found by **bisection** between a setosa and a versicolor, asking the neuron only for
# its predictions; the distance of the data's mean from the line through them is measured directly.

# %%
def boundary_point(predict, p, q, n_halvings=50):
    """Bisect the segment from p (predicted 0) to q (predicted 1) down to where the class flips."""
    for _ in range(n_halvings):
        middle = (p + q) / 2
        p, q = (middle, q) if predict(middle[None])[0] == 0 else (p, middle)
    return (p + q) / 2

# %%
setosa, versicolor = (X_train[y_train == label].astype(np.float64) for label in (0, 1))
ends = [(setosa[pick(setosa[:, 0])], versicolor[pick(versicolor[:, 0])])
        for pick in (np.argmin, np.argmax)]  # the leftmost and the rightmost flower of each class
x_a, x_b = (boundary_point(neuron(w, b), p, q) for p, q in ends)
mean = X_train.mean(axis=0).astype(np.float64)  # the anchor of the arrow in the plot
along, to_mean = x_b - x_a, mean - x_a
cosine = w @ along / (np.linalg.norm(w) * np.linalg.norm(along))
measured = np.linalg.norm(to_mean - (to_mean @ along) / (along @ along) * along)
by_formula, to_foot = abs(w @ mean + b) / np.linalg.norm(w), np.linalg.norm(mean - foot)
print(f"boundary points {x_a.round(3)}, {x_b.round(3)}: cos(w, x_b - x_a) = {cosine:.1e}")
print(f"distance of the mean from the line: measured {measured:.4f} cm, "
      f"|z| / ‖w‖ = {by_formula:.4f} cm, to the arrow's foot {to_foot:.4f} cm")
assert np.linalg.norm(along) > 0.5, "the two boundary points should be well apart"
assert abs(cosine) < 1e-6, f"w should be perpendicular to the line, cosine {cosine:.1e}"
assert w @ (versicolor.mean(0) - setosa.mean(0)) > 0, "w should point from setosa to versicolor"
assert np.isclose(by_formula, measured, rtol=1e-5), "|z| / ‖w‖ should be the distance to the line"
assert np.isclose(to_foot, measured, atol=1e-5), "the foot should be the line's nearest point"

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Watching the boundary move
#
# Each panel shows the neuron right after one update, in a window that includes the origin (+):
# the orange half-plane is where it now says *versicolor*, the ringed point is the mistake that
# caused the update, and the dashed line is the boundary before it. The arrow shows the direction
# of $\mathbf w$ only; its length is fixed so that it stays in the window. A mistake on a
# versicolor pulls $\mathbf w$ towards that point ($\mathbf w \mathrel{+}= \eta\,\mathbf x$), a
# mistake on a setosa pushes it away, and $b$ moves by $\pm\eta$. Starting from $\mathbf 0$, the
# first updates swing the boundary around the origin, calling everything one class, then the
# other, until it cuts between the classes. (With more than 8 updates, the last panel skips ahead
# to the final one.)

# %%
def draw_neuron_state(ax, w, b, w_before, b_before, mistake):
    """Shade where (w, b) fires; draw its boundary, the one before (dashed) and the mistake."""
    window_x, window_y = np.meshgrid(np.linspace(-1.5, 7.5, 40), np.linspace(-1.5, 5.5, 40))
    z = w[0] * window_x + w[1] * window_y + b
    ax.contourf(window_x, window_y, z, levels=[-np.inf, 0, np.inf], colors=PALETTE[:2], alpha=0.2)
    ax.contour(window_x, window_y, z, levels=[0], colors="0.2", linewidths=1.2)
    if np.any(w_before != 0):
        z_before = w_before[0] * window_x + w_before[1] * window_y + b_before
        ax.contour(window_x, window_y, z_before, levels=[0], colors="0.4", linestyles="--")
    draw_weight_vector(ax, w, b, anchor=np.zeros(2), length=1.2)
    ax.plot([], [], color="0.2", label="boundary now")  # legend entries for the contour lines
    ax.plot([], [], color="0.4", linestyle="--", label="before (dashed)")
    ax.scatter(*mistake, s=120, facecolors="none", edgecolors="0.1", linewidths=2,
               label="the mistake")
    ax.plot(0, 0, "+", color="0.1", markersize=8, linestyle="none", label="origin")

# %% slideshow={"slide_type": "subslide"}
n_updates = len(updates)
shown = list(range(n_updates)) if n_updates <= 8 else [*range(7), n_updates - 1]
fig, axes = plt.subplots(2, 4, figsize=(10, 5.4), sharex=True, sharey=True, layout="constrained")
for ax, k in zip(axes.flat, shown, strict=False):
    w_k, b_k, i, *_ = updates[k]
    w_before, b_before = updates[k - 1][:2] if k > 0 else (np.zeros(2), 0.0)
    scatter_classes(ax, X_train, y_train, iris.class_names, size=10)
    draw_neuron_state(ax, w_k, b_k, w_before, b_before, mistake=X_train[i])
    final = " (final)" if k == n_updates - 1 else ""
    ax.set(title=f"update {k + 1} of {n_updates}{final}", xlim=(-1.5, 7.5), ylim=(-1.5, 5.5))
    ax.set_aspect("equal")
fig.supxlabel(axis_labels[0])
fig.supylabel(axis_labels[1])
fig.legend(*axes[0, 0].get_legend_handles_labels(), loc="outside upper center", ncol=6)
for ax in axes.flat[len(shown):]:
    ax.set_visible(False)  # fewer than 8 updates: hide the empty panels

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 6. Why it must converge: the bound $(R/\gamma)^2$
#
# Fold the bias into the weights: append a constant 1 to every input,
# $\tilde{\mathbf x} = (\mathbf x, 1)$, and $b$ to the weights,
# $\tilde{\mathbf w} = (\mathbf w, b)$, so $z = \tilde{\mathbf w}^\top \tilde{\mathbf x}$.
# Write the labels as signs, $t = 2y - 1 \in \{-1, +1\}$. Every mistake has $t\,z \le 0$ (a tie
# $z = 0$ is a mistake only when $t = -1$), and on a mistake the update is
# $\tilde{\mathbf w} \leftarrow \tilde{\mathbf w} + \eta\, t\, \tilde{\mathbf x}$.
#
# **Theorem** (Block; Novikoff, 1962). Suppose a unit vector $\mathbf u$
# ($\lVert \mathbf u \rVert = 1$) separates the data with **margin** $\gamma > 0$, that is
# $t_i\, \mathbf u^\top \tilde{\mathbf x}_i \ge \gamma$ for every example, and let
# $R = \max_i \lVert \tilde{\mathbf x}_i \rVert$. Then the perceptron started at
# $\tilde{\mathbf w} = \mathbf 0$ makes **at most $(R/\gamma)^2$ mistakes**, in any order, for any
# $\eta > 0$.
#
# Note what $\gamma$ measures. For a separator $(\mathbf w, b)$ it is
# $\min_i t_i\,(\mathbf w^\top \mathbf x_i + b) / \lVert (\mathbf w, b) \rVert$, divided by the
# norm of $(\mathbf w, b)$, **not** of $\mathbf w$: a distance in the augmented 3-D space of the
# $\tilde{\mathbf x}$, not the distance to the line in section 5's plot. That is why moving the
# data changes it (section 8).

# %% [markdown] slideshow={"slide_type": "subslide"}
# **Proof.** Let $\tilde{\mathbf w}_k$ be the weights after the $k$-th mistake, made on
# $(\tilde{\mathbf x}, t)$.
#
# * Progress towards $\mathbf u$: $\;\mathbf u^\top \tilde{\mathbf w}_k
#   = \mathbf u^\top \tilde{\mathbf w}_{k-1} + \eta\, t\, \mathbf u^\top \tilde{\mathbf x}
#   \ge \mathbf u^\top \tilde{\mathbf w}_{k-1} + \eta\gamma$, so
#   $\mathbf u^\top \tilde{\mathbf w}_k \ge k\,\eta\gamma$.
# * Slow growth: $\;\lVert \tilde{\mathbf w}_k \rVert^2 = \lVert \tilde{\mathbf w}_{k-1} \rVert^2
#   + 2\eta\, t\, \tilde{\mathbf w}_{k-1}^\top \tilde{\mathbf x}
#   + \eta^2 \lVert \tilde{\mathbf x} \rVert^2
#   \le \lVert \tilde{\mathbf w}_{k-1} \rVert^2 + \eta^2 R^2$, because the middle term is
#   $2\eta\,t z \le 0$ on a mistake; so $\lVert \tilde{\mathbf w}_k \rVert^2 \le k\,\eta^2 R^2$.
# * Together, by Cauchy–Schwarz: $\;k\,\eta\gamma \le \mathbf u^\top \tilde{\mathbf w}_k
#   \le \lVert \tilde{\mathbf w}_k \rVert \le \sqrt{k}\,\eta R$,
#   hence $k \le (R/\gamma)^2$. $\square$
#
# Every separating $\mathbf u$ gives a valid bound; the tightest comes from the **largest margin**,
# $\gamma^* = \max_{\lVert \mathbf u \rVert = 1} \min_i t_i\, \mathbf u^\top \tilde{\mathbf x}_i$.
# A **support vector machine** (SVM) computes it. An SVM picks the separating line with the widest
# margin; here it is only a tool that returns $\mathbf u$. On the augmented inputs it minimises
# $\lVert \mathbf v \rVert^2$ subject to $t_i\, \mathbf v^\top \tilde{\mathbf x}_i \ge 1$, then
# $\mathbf u = \mathbf v / \lVert \mathbf v \rVert$. We call scikit-learn's `LinearSVC` with
# `fit_intercept=False`, because the bias is already inside $\tilde{\mathbf x}$ and must count in
# the norm. Its other settings, `loss="hinge"` and a very large penalty `C` on points inside the
# margin, make it insist on a margin with no point inside (a "hard" margin).

# %% slideshow={"slide_type": "subslide"}
def augment(X):
    """Append a constant 1 to every row: x̃ = (x, 1), in float64."""
    return np.c_[X, np.ones(len(X))].astype(np.float64)


def max_margin_direction(X, y):
    """The unit vector u on augmented inputs with (nearly) the largest margin: a hard-margin SVM."""
    with warnings.catch_warnings():  # liblinear may stop a hair short of the optimum: still valid
        warnings.simplefilter("ignore", ConvergenceWarning)
        svm = LinearSVC(loss="hinge", C=1e4, fit_intercept=False, max_iter=100_000)
        svm.fit(augment(X), 2 * y - 1)
    return svm.coef_.ravel() / np.linalg.norm(svm.coef_)


def radius_and_margin(X, y, u):
    """R = the largest norm of an augmented input; γ = the smallest margin t u·x̃ in the data."""
    X_aug = augment(X)
    return np.linalg.norm(X_aug, axis=1).max(), ((2 * y - 1) * (X_aug @ u)).min()

# %% slideshow={"slide_type": "subslide"}
u = max_margin_direction(X_train, y_train)
R, gamma = radius_and_margin(X_train, y_train, u)
bound = (R / gamma) ** 2
total_mistakes = sum(mistakes_per_epoch)
print(f"R = {R:.3f}, γ = {gamma:.4f}, bound (R/γ)² = {bound:.1f}; "
      f"the perceptron made {total_mistakes} mistakes")
assert gamma > 0, "u must separate the classes (a positive margin)"
assert total_mistakes <= bound, f"{total_mistakes} mistakes exceed the bound {bound:.1f}"

# %% [markdown] slideshow={"slide_type": "notes"}
# The bound is a worst case over every possible order of the examples. It is loose here partly
# because the data sits far from the origin: $R$ is dominated by raw measurements of 4 to 7 cm,
# while the margin must be shared with the bias component of $\mathbf u$. Section 8 shows how
# moving and scaling the data changes both.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 7. The PyTorch way: the rule as tensor operations
#
# In PyTorch a neuron's weighted sum is a **layer**: `nn.Linear(2, 1)` holds a $1 \times 2$ weight
# matrix and a bias and computes $z = \mathbf x\,W^\top + b$. It is how every later lecture holds
# its weights. The perceptron rule is not a gradient step, so we apply it to the layer's parameters
# by hand, inside `torch.no_grad()` (lecture 00): nothing is recorded for `backward()`.

# %%
layer = torch.nn.Linear(2, 1).to(device)  # one neuron: z = x @ weight.T + bias
X_train_t = torch.as_tensor(X_train, device=device)
y_train_t = torch.as_tensor(y_train, device=device)
n_epochs_numpy = len(mistakes_per_epoch)
layer_mistakes = torch.zeros(n_epochs_numpy, device=device)
with torch.no_grad():
    layer.weight.zero_()  # start at w = 0, b = 0
    layer.bias.zero_()
    for epoch, order in enumerate(orders[:n_epochs_numpy]):  # the NumPy run's orders
        for i in order:
            error = y_train_t[i] - (layer(X_train_t[i]) >= 0).float()  # shape (1,)
            layer.weight += error * X_train_t[i]  # η = 1, as in the NumPy run
            layer.bias += error
            layer_mistakes[epoch] += error.abs().sum()
w_layer, b_layer = layer.weight[0].detach().cpu().numpy(), layer.bias.item()
print(f"nn.Linear: w = {np.array2string(w_layer, precision=3)}, b = {b_layer:.1f}, "
      f"mistakes {layer_mistakes.int().tolist()}")
assert layer_mistakes.int().tolist() == mistakes_per_epoch, "the same mistakes as the NumPy loop"
assert np.allclose(w_layer, w, atol=1e-4) and np.isclose(b_layer, b), "and the same weights"

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Vectorised over runs
#
# The online rule is sequential over the examples: each update needs the weights left by the one
# before, so one neuron's tensors are tiny and the loop above is mostly Python overhead. What
# tensors can do at once is everything *else*. Below, `W` holds in its rows the weights of
# **$K$ perceptrons**, each visiting the training set in its own order; one step takes one example
# for each of them, as a batch. Two details keep it fast on a GPU:
#
# * no Python `if`: the correction $\eta\,(y - \hat y)\,\mathbf x$ is simply zero where the
#   prediction is right, so every row gets the same arithmetic;
# * no `.item()` in the loop: the mistakes are counted in a tensor on the device, so the GPU is
#   never stopped to report a number.

# %%
def train_many_perceptrons(X, y, orders, learning_rate=1.0):
    """Train K perceptrons at once; run k visits the rows of X in the order orders[k, epoch]."""
    n_runs, n_epochs, n_examples = orders.shape
    W = torch.zeros(n_runs, X.shape[1], device=X.device)
    b = torch.zeros(n_runs, device=X.device)
    mistakes = torch.zeros(n_runs, n_epochs, device=X.device)
    for epoch in range(n_epochs):
        for step in range(n_examples):
            index = orders[:, epoch, step]
            x, target = X[index], y[index]  # one example per run: shapes (K, d) and (K,)
            z = (W * x).sum(dim=1) + b
            error = target - (z >= 0).float()  # 0 where right: those rows stay unchanged
            W += learning_rate * error[:, None] * x
            b += learning_rate * error
            mistakes[:, epoch] += error.abs()
    return W, b, mistakes

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Checked: the same weights as NumPy
#
# Run it once ($K = 1$) with the orders of the NumPy run. Both compute in `float32` with the same
# operations in the same order, so they make the same mistakes and reach the same weights: on the
# CPU bit for bit (asserted below); on a GPU, whose arithmetic may round differently, to float32
# precision.

# %%
same_orders = torch.as_tensor(np.stack(orders[: len(mistakes_per_epoch)]), device=device)[None]
W_t, b_t, mistakes_t = train_many_perceptrons(X_train_t, y_train_t, same_orders)
W_t, b_t = W_t[0].cpu().numpy(), b_t[0].cpu().numpy()
mistakes_t = mistakes_t[0].cpu().numpy().astype(int).tolist()
print(f"NumPy: w = {np.array2string(w, precision=3)}, b = {b:.1f}, mistakes {mistakes_per_epoch}")
print(f"torch: w = {np.array2string(W_t, precision=3)}, b = {b_t:.1f}, mistakes {mistakes_t}")
print(f"largest difference in the weights: {max(np.abs(W_t - w).max(), abs(b_t - b)):.1e}")
assert mistakes_t == mistakes_per_epoch, "the same mistakes in every epoch"
if device.type == "cpu":
    assert np.array_equal(W_t, w) and b_t == b, "on the CPU, the very same float32 weights"
else:
    assert np.allclose(W_t, w, atol=1e-5) and np.isclose(b_t, b, atol=1e-5), "the same weights"

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### A thousand orders at once
#
# The theorem promises convergence within the bound for *every* order. Let us try 1,000 random
# orders (a fresh shuffle for every run and every epoch) in one call. A run that has converged
# makes only zero updates from then on, so extra epochs do no harm; they only cost a little time.
# How many are enough? The theorem caps the mistakes, not the epochs: every epoch before
# convergence has at least one mistake, so an unlucky order could in principle need up to
# $(R/\gamma)^2 + 1$ epochs. The NumPy run needed only a few, so we allow 20, a wide margin, and
# print how many the slowest run used.

# %%
N_RUNS, N_EPOCHS = 1000, 20
many_orders = torch.argsort(torch.rand(N_RUNS, N_EPOCHS, len(X_train)), dim=-1).to(device)
W_runs, b_runs, mistakes_runs = train_many_perceptrons(X_train_t, y_train_t, many_orders)
total_per_run = mistakes_runs.sum(dim=1).cpu().numpy()
# z computed as in training: summed in another order (X @ W.T), a point exactly on a run's line
# (z = 0, possible with measurements to 0.1 cm) can round to either side
z_runs = (W_runs[:, None, :] * X_train_t).sum(dim=-1) + b_runs[:, None]  # (runs, examples)
train_acc_runs = ((z_runs >= 0).float() == y_train_t).float().mean(dim=1)  # (runs,)
slowest = int((mistakes_runs > 0).sum(dim=1).max()) + 1  # epochs with mistakes, then a clean one
print(f"mistakes per run: min {total_per_run.min():.0f}, mean {total_per_run.mean():.1f}, "
      f"max {total_per_run.max():.0f} (bound {bound:.0f}); the slowest run used {slowest} epochs")
assert bool((mistakes_runs[:, -1] == 0).all()), "every run should end with a mistake-free epoch"
assert bool((train_acc_runs == 1).all()), "every run should reach 100 % training accuracy"
assert total_per_run.max() <= bound, "no order may break the bound"
assert total_per_run.max() < bound / 4, "in practice far below this worst case"

# %% [markdown] slideshow={"slide_type": "subslide"}
# Every run stops at *a* separating line, but which one depends on the order: the perceptron keeps
# the first line that makes no mistakes, not the best one. The line of $\mathbf u$ from section 6
# is drawn for comparison. It has the largest margin with the bias counted in the norm, which is
# the quantity the theorem uses. It is close to, but not the same as, the line farthest from both
# classes in this plot.

# %%
final_weights = torch.cat([W_runs, b_runs[:, None]], dim=1).cpu().numpy()
n_distinct = len(np.unique(final_weights.round(4), axis=0))
print(f"{n_distinct} different final (w, b) among {N_RUNS} runs")
assert n_distinct > 10, "different orders should end at different separating lines"

# %%
fig, (ax_lines, ax_hist) = plt.subplots(1, 2, figsize=(10, 3.8), width_ratios=[1, 1.2])
scatter_classes(ax_lines, X_train, y_train, iris.class_names)
x_line, W_100, b_100 = np.linspace(4, 7.5, 50), final_weights[:100, :2], final_weights[:100, 2]
ax_lines.plot(x_line, -(np.outer(x_line, W_100[:, 0]) + b_100) / W_100[:, 1], color=PALETTE[4],
              alpha=0.15, lw=1)  # one line per run: the boundary w1 x1 + w2 x2 + b = 0
ax_lines.plot([], [], color=PALETTE[4], label="100 perceptrons")
ax_lines.plot(x_line, -(u[0] * x_line + u[2]) / u[1], color="0.1", lw=2,
              label="max margin (bias in the norm)")
ax_lines.set(xlim=(4, 7.5), ylim=(0.5, 5.5), xlabel=axis_labels[0], ylabel=axis_labels[1],
             title="where 100 runs stopped", aspect="equal")
ax_lines.legend(loc="lower left", bbox_to_anchor=(1.02, 0), fontsize="x-small")  # beside the plot
ax_hist.hist(total_per_run, bins=np.arange(total_per_run.max() + 2) - 0.5, color=PALETTE[0])
ax_hist.set(xlabel="mistakes until convergence", ylabel="runs (of 1,000)",
            title="all far below the bound", xticks=range(0, int(total_per_run.max()) + 1, 2),
            ymargin=0.2)  # headroom for the note on the bound
ax_hist.annotate(f"bound = {bound:.0f} (off the axis) →", (0.97, 0.92), xycoords="axes fraction",
                 ha="right")
fig.tight_layout()

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 8. Experiments
#
# ### The learning rate does not matter (from zero)
#
# Starting from $\mathbf w = \mathbf 0$, every update adds $\pm\eta\,\tilde{\mathbf x}$, so the
# weights are always $\eta$ times those of the run with $\eta = 1$; multiplying $z$ by $\eta > 0$
# never changes its sign, so all runs make the same decisions. (We pick powers of two so that even
# the rounding scales exactly.)

# %%
runs_by_rate = {rate: train_perceptron(X_train, y_train, orders, learning_rate=rate)
                for rate in (0.125, 1.0, 8.0)}
for rate, (w_r, b_r, mistakes_r, _) in runs_by_rate.items():
    w_over_rate = np.array2string(w_r / rate, precision=3)
    print(f"η = {rate:<5}: mistakes {mistakes_r}, w / η = {w_over_rate}, b / η = {b_r / rate:.1f}")
    assert mistakes_r == mistakes_per_epoch, "the same mistakes for every learning rate"
    assert np.array_equal(w_r, rate * w) and b_r == rate * b, "the weights are exactly η times"

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### A thin margin means many mistakes; scaling helps
#
# Now separate setosa from versicolor by their **sepals** only (length and width), using all 100
# flowers. They are still separable, but barely, and far from the origin compared with the gap
# between them: $\gamma$ shrinks and the number of mistakes explodes. **Standardising** the
# features (mean 0, standard deviation 1) moves the data to the origin and gives the bias room:
# $R$ shrinks, $\gamma$ grows, and the perceptron needs far fewer mistakes. Lecture 02 meets feature
# scaling again.

# %%
sepal_runs, sepal_R_gamma = {}, {}
for name, standardize in [("raw (cm)", False), ("standardised", True)]:
    sepals = load_iris(classes=("setosa", "versicolor"), features=("sepal length", "sepal width"),
                       standardize=standardize, test_size=0)  # all 100 flowers
    X_s, y_s = sepals.X_train.numpy(), sepals.y_train.numpy().astype(np.float32)
    orders_s = [rng.permutation(len(X_s)) for _ in range(3000)]
    _, _, mistakes_s, _ = train_perceptron(X_s, y_s, orders_s)
    R_s, gamma_s = radius_and_margin(X_s, y_s, max_margin_direction(X_s, y_s))
    sepal_runs[name], sepal_R_gamma[name] = mistakes_s, (R_s, gamma_s)
    print(f"{name:<12}: R = {R_s:.2f}, γ = {gamma_s:.4f}, bound = {(R_s / gamma_s) ** 2:>6.0f}, "
          f"mistakes = {sum(mistakes_s):>4} in {len(mistakes_s)} epochs")
    assert gamma_s > 0, f"u must separate the {name} sepal data (a positive margin)"
    assert mistakes_s[-1] == 0, "separable data: the perceptron converges"
    assert sum(mistakes_s) <= (R_s / gamma_s) ** 2, "within the bound"
(R_raw, gamma_raw), (R_std, gamma_std) = sepal_R_gamma["raw (cm)"], sepal_R_gamma["standardised"]
assert R_std < R_raw and gamma_std > gamma_raw, "standardising should shrink R and widen γ"
assert sum(sepal_runs["raw (cm)"]) > 10 * sum(sepal_runs["standardised"]), "scaling should help"

# %% slideshow={"slide_type": "subslide"}
ax = plot_curves(sepal_runs, ylabel="mistakes", title="mistakes per epoch: a thin margin is slow")
ax.figure.set_size_inches(7, 3)
ax.set_xscale("log")

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### When no line separates the classes, it never settles
#
# Two cases break the theorem's assumption:
#
# * **versicolor against virginica** (same two features): the species overlap;
# * **XOR** (`course_utils.data.make_xor`): class 1 in two opposite corners of a square, class 0
#   in the other two; no line cuts opposite corners apart.
#
# A picture suggests it; a **linear program** proves it. A line separates the data when some
# $\tilde{\mathbf w}$ has $t_i\, \tilde{\mathbf w}^\top \tilde{\mathbf x}_i > 0$ for every $i$; as the
# data are finite, scaling $\tilde{\mathbf w}$ makes every one of them $\ge 1$. So the data are
# separable exactly when the linear inequalities $-t_i\, \tilde{\mathbf x}_i^\top \tilde{\mathbf w}
# \le -1$ have a solution: a linear program with nothing to minimise, only a question of
# **feasibility**. `scipy.optimize.linprog` answers it: status 0 when it finds a solution (a
# separating line), status 2 when it proves that none exists.

# %%
def separability_test(X, y):
    """linprog's status for 'find w̃ with t_i w̃·x̃_i >= 1 for all i': 0 separable, 2 not."""
    X_aug, t = augment(X), 2 * y.astype(np.float64) - 1
    result = linprog(c=np.zeros(X_aug.shape[1]), A_ub=-t[:, None] * X_aug, b_ub=-np.ones(len(X)),
                     bounds=[(None, None)] * X_aug.shape[1])  # w̃ may be negative
    return result.status, result.x


overlap = load_iris(classes=("virginica", "versicolor"),  # versicolor stays class 1, as before
                    features=("sepal length", "petal length"), seed=SEED)
xor = make_xor(seed=SEED)
pairs = {"setosa vs versicolor": (X_train, y_train), "versicolor vs virginica": overlap.numpy()[:2],
         "XOR": xor.numpy()[:2]}
for name, (X_p, y_p) in pairs.items():
    status, w_found = separability_test(X_p, y_p)
    print(f"{name:<24}: linprog status {status}, "
          + ("separable" if status == 0 else "infeasible: no line separates them"))
    assert status == (0 if name.startswith("setosa") else 2), f"{name}: unexpected status {status}"
    if status == 0:
        assert np.all((augment(X_p) @ w_found >= 0) == y_p), "the line found separates the data"

# %% [markdown] slideshow={"slide_type": "notes"}
# Our neuron fires at $z = 0$, so it also "separates" data with class-1 points exactly on its line.
# That changes nothing: with finitely many points, moving the line a little towards class 0 puts the
# class-1 points on it strictly on their side. Infeasibility (status 2) is decided by the solver up
# to its tolerance (about $10^{-7}$); the overlap here is far larger.

# %% [markdown] slideshow={"slide_type": "subslide"}
# With no separating line, every epoch must contain a mistake (an epoch without one would end on
# a line that separates them), and each mistake moves the boundary again.

# %%
non_separable = {}
for name, split in [("versicolor vs virginica", overlap), ("XOR", xor)]:
    X_n, y_n = split.X_train.numpy(), split.y_train.numpy().astype(np.float32)
    orders_n = [rng.permutation(len(X_n)) for _ in range(60)]
    _, _, mistakes_n, updates_n = train_perceptron(X_n, y_n, orders_n)
    non_separable[name] = (X_n, y_n, split.class_names, mistakes_n, updates_n)
    print(f"{name}: {min(mistakes_n)} to {max(mistakes_n)} mistakes in every one of "
          f"{len(mistakes_n)} epochs")
    assert len(mistakes_n) == 60 and min(mistakes_n) > 0, "every epoch has a mistake"

# %%
curve_styles = {"versicolor vs virginica": {"color": PALETTE[2]},  # not the class colours
                "XOR": {"color": "0.3", "linestyle": "--"}}
fig, ax = plt.subplots(figsize=(7, 3))
for name, (*_, mistakes_n, _) in non_separable.items():
    ax.plot(np.arange(1, len(mistakes_n) + 1), mistakes_n, label=name, **curve_styles[name])
ax.set(xlabel="epoch", ylabel="mistakes", ylim=(0, None), title="mistakes per epoch never reach 0")
ax.legend(fontsize="small")
fig.tight_layout()

# %% slideshow={"slide_type": "subslide"}
fig, axes = plt.subplots(1, 2, figsize=(7, 3.6), layout="constrained")
fig.suptitle("no line separates them: the boundary keeps moving")
panels = [(axis_labels, "lower right"), (("$x_1$", "$x_2$"), "upper center")]
for ax, (name, run), (labels, legend_loc) in zip(axes, non_separable.items(), panels, strict=True):
    X_n, y_n, names, _, updates_n = run
    scatter_classes(ax, X_n, y_n, names, size=14)
    x_line = np.linspace(X_n[:, 0].min(), X_n[:, 0].max(), 50)
    for k, (w_k, b_k, *_) in enumerate(updates_n[-10:]):
        ax.plot(x_line, -(w_k[0] * x_line + b_k) / w_k[1], color=PALETTE[4], alpha=0.3 + 0.07 * k,
                label="last 10 boundaries" if k == 9 else None)
    ax.set(ylim=(X_n[:, 1].min() - 0.4, X_n[:, 1].max() + 0.4), xlabel=labels[0],
           ylabel=labels[1], title=name, aspect="equal")
    ax.legend(loc=legend_loc, fontsize="x-small")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 9. Why not follow a gradient instead?
#
# Lecture 00 computed gradients with autograd; why not minimise the number of mistakes by gradient
# descent? Because $\hat y = H(z)$ is flat everywhere except at $z = 0$, where it jumps:
# $H'(z) = 0$ for $z \ne 0$, and it is undefined at $0$. The number of mistakes is therefore a
# staircase in the weights: where a gradient exists it is zero, and says nothing about which way
# to go. Autograd agrees: a comparison is not even recorded in the graph.

# %%
w_tensor = torch.tensor(w, requires_grad=True)
z_t = torch.as_tensor(X_train) @ w_tensor + float(b)
y_hat_t = (z_t >= 0).float()
print(f"z.requires_grad = {z_t.requires_grad}, y_hat.requires_grad = {y_hat_t.requires_grad}")
assert z_t.requires_grad and not y_hat_t.requires_grad, "the step function cuts the graph"

# %% [markdown] slideshow={"slide_type": "subslide"}
# Below, the number of training mistakes as the first weight $w_1$ varies around its learned value
# (the other weight and the bias held fixed), next to a smooth loss of the *linear* output,
# $\frac{1}{2n}\sum_i (y_i - z_i)^2$. The staircase is flat between its jumps (checked first, by
# central differences at random points); the smooth loss has a slope that points downhill.
# Learning from $z$ instead of $H(z)$ is exactly the idea of **Adaline** (lecture 03); gradient
# descent on such a loss is lecture 02.

# %%
def mistakes_and_loss(w1):
    """Training mistakes and the loss 1/(2n) Σ (y - z)² for each first weight in the array w1."""
    Z = X_train[:, :1] * w1 + X_train[:, 1:] * w[1] + b  # one row per example, a column per w1
    return ((Z >= 0) != y_train[:, None]).sum(axis=0), 0.5 * ((y_train[:, None] - Z) ** 2).mean(0)


w1_random, h = rng.uniform(w[0] - 4, w[0] + 4, size=200), 1e-4  # central differences, step h
mistakes_up, loss_up = mistakes_and_loss(w1_random + h)
mistakes_down, loss_down = mistakes_and_loss(w1_random - h)
mistakes_slope = (mistakes_up - mistakes_down) / (2 * h)
loss_slope = (loss_up - loss_down) / (2 * h)
zero_slope = np.mean(mistakes_slope == 0)
print(f"at 200 random w1: the slope of the mistake count is 0 at {zero_slope:.1%} of them; "
      f"the slope of the loss is 0 at {np.mean(loss_slope == 0):.1%}")
assert zero_slope > 0.95, f"the mistake count should be flat between jumps, got {zero_slope:.1%}"
assert np.all(loss_slope != 0), "the smooth loss should have a slope to follow everywhere"

# %% slideshow={"slide_type": "subslide"}
w1_grid = np.linspace(w[0] - 4, w[0] + 4, 801)
mistakes_grid, loss_grid = mistakes_and_loss(w1_grid)
fig, (ax_m, ax_s) = plt.subplots(1, 2, figsize=(10, 3))
ax_m.step(w1_grid, mistakes_grid, where="mid", color=PALETTE[3], label="mistakes (step output)")
ax_s.plot(w1_grid, loss_grid, color=PALETTE[0], label="squared error of z (linear output)")
for ax, title in [(ax_m, "a staircase: zero slope between jumps"),
                  (ax_s, "smooth: a slope to follow")]:
    ax.axvline(w[0], color="0.5", linestyle=":", label="learned $w_1$")
    ax.set(xlabel="$w_1$", title=title)
    ax.legend(fontsize="small")
ax_m.set_ylabel("training mistakes")
ax_s.set_ylabel("loss")
fig.tight_layout()

# %% [markdown] slideshow={"slide_type": "notes"}
# With hindsight the perceptron rule *is* stochastic gradient descent, on the loss
# $\max(0, -t z)$ (zero when right, growing with $|z|$ when wrong): its gradient with respect to
# $\tilde{\mathbf w}$ is $-t\,\tilde{\mathbf x}$ on a mistake and $0$ otherwise. But that loss is
# zero for *every* separating line (and for $\tilde{\mathbf w} = \mathbf 0$), so it prefers none of
# them, and on non-separable data the constant-size steps keep cycling. Lecture 03 chooses a loss
# that fixes both.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 10. Exercises
#
# Each exercise is checked on inputs you have not seen. Use NumPy arrays; labels are
# $y \in \{0, 1\}$.
#
# ### Exercise 1 — the perceptron without $\mathbf w$
#
# Every update adds $\pm\eta\,\tilde{\mathbf x}_i$ to $\tilde{\mathbf w} = (\mathbf w, b)$, starting
# from $\mathbf 0$. So at any time
# $\tilde{\mathbf w} = \eta \sum_i \alpha_i\, t_i\, \tilde{\mathbf x}_i$, where $\alpha_i$ counts the
# mistakes made so far on example $i$ and $t_i = 2y_i - 1$. The weights never need to be stored:
# the perceptron can run on the counts $\alpha$ and the dot products
# $\tilde{\mathbf x}_i^\top \tilde{\mathbf x}_j$ alone. (Replacing those dot products by another
# measure of similarity is the idea behind kernel methods.)
#
# Write `dual_perceptron(X, y, n_epochs)`: with $\eta = 1$, visit the rows of `X` in their given
# order every epoch; compute $z_j$ for the current example from $\alpha$ and the dot products; on a
# mistake add 1 to $\alpha_j$. Return $\alpha$, one count per example. Work out first what $z_j$ is
# in terms of $\alpha$, $t$ and $X$, and where the bias went.

# %% tags=["exercise"]
def dual_perceptron(X, y, n_epochs):
    """The perceptron (η = 1, from zero, rows in order) run on mistake counts; returns them.

    alpha[i] is the number of updates made on example i; the neuron fires when z >= 0.
    """
    ### BEGIN SOLUTION
    gram = X @ X.T + 1.0  # dot products of the augmented inputs (x, 1)
    t = 2 * y - 1
    alpha = np.zeros(len(X), dtype=int)
    for _ in range(n_epochs):
        for j in range(len(X)):
            z = (alpha * t) @ gram[:, j]
            if (z >= 0) != (y[j] == 1):
                alpha[j] += 1
    return alpha
    ### END SOLUTION


# %% tags=["check"]
check.dual_perceptron(dual_perceptron)

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise 2 — margin and mistake bound
#
# For a neuron `(w, b)` that separates the data `(X, y)`, return `(R, gamma, bound)`: $R$ the
# largest norm of an augmented input $(\mathbf x, 1)$, $\gamma$ the smallest margin
# $t_i\,(\mathbf w^\top \mathbf x_i + b) / \lVert (\mathbf w, b) \rVert$ with $t_i = 2y_i - 1$, and
# the bound $(R/\gamma)^2$. The answer must not change when `(w, b)` is multiplied by a positive
# number.

# %% tags=["exercise"]
def margin_and_bound(X, y, w, b):
    """R, the margin gamma of the separator (w, b) on augmented inputs, and the bound (R/gamma)²."""
    ### BEGIN SOLUTION
    X_aug, w_aug = np.c_[X, np.ones(len(X))], np.r_[w, b]
    R = np.linalg.norm(X_aug, axis=1).max()
    gamma = ((2 * y - 1) * (X_aug @ w_aug)).min() / np.linalg.norm(w_aug)
    return R, gamma, (R / gamma) ** 2
    ### END SOLUTION


# %% tags=["check"]
check.margin_and_bound(margin_and_bound)

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise 3 — the pocket algorithm
#
# On non-separable data the perceptron's final weights are wherever the last mistake left them.
# The **pocket algorithm** (Gallant, 1990) keeps the best weights seen so far "in its pocket". Train
# online from $\mathbf w = \mathbf 0$, $b = 0$, visiting the rows of `X` **in their given order**
# every epoch; after **every update** count the training mistakes of the new weights, and return
# the `(w, b)` with the fewest (the zero start counts too). Of equally good weights keep the
# **first** (replace the pocket only when strictly better). The check replays the perceptron on the
# same data and accepts only weights it passes through.

# %% tags=["exercise"]
def pocket_perceptron(X, y, n_epochs, lr=1.0):
    """Online perceptron over the rows of X in order; returns the (w, b) with fewest mistakes.

    Start at w = 0, b = 0; visit the rows in order each epoch; after every update count the
    mistakes on all of X (y_hat = 1 when z >= 0); return the first (w, b) with the fewest, the
    start included.
    """
    ### BEGIN SOLUTION
    w, b = np.zeros(X.shape[1]), 0.0
    best_w, best_b, fewest = w.copy(), b, np.sum((X @ w + b >= 0) != y)
    for _ in range(n_epochs):
        for x_i, y_i in zip(X, y, strict=True):
            error = y_i - (1.0 if x_i @ w + b >= 0 else 0.0)
            if error != 0:
                w, b = w + lr * error * x_i, b + lr * error
                mistakes = np.sum((X @ w + b >= 0) != y)
                if mistakes < fewest:
                    best_w, best_b, fewest = w.copy(), b, mistakes
    return best_w, best_b
    ### END SOLUTION


# %% tags=["check"]
check.pocket_perceptron(pocket_perceptron)

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Experiment — the learning rate, from a start that is not zero
#
# Section 8 showed that from $\mathbf w = \mathbf 0$ the learning rate changes nothing. The cell
# below starts the perceptron on setosa against versicolor from other weights, far from any
# separating line, and trains it with several learning rates. Run it as it is, then try other
# starts (larger, smaller, pointing elsewhere).
#
# **Question.** How does the number of mistakes depend on $\eta$ now, and which learning rates
# behave like the start from zero? Explain it with what $\tilde{\mathbf w}$ is after $k$ updates.
# Does the convergence theorem still hold?

# %%
start = (np.array([3.0, -2.0], dtype=np.float32), np.float32(5.0))  # (w, b); try other starts
long_orders = [rng.permutation(len(X_train)) for _ in range(500)]
for rate in (0.01, 0.1, 1.0, 10.0, 100.0):
    *_, mistakes_e, _ = train_perceptron(X_train, y_train, long_orders, rate, start=start)
    print(f"η = {rate:<6}: {sum(mistakes_e):>4} mistakes in {len(mistakes_e):>3} epochs")
_, _, mistakes_zero, _ = train_perceptron(X_train, y_train, long_orders)
print(f"from zero  : {sum(mistakes_zero):>4} mistakes in {len(mistakes_zero):>3} epochs")

# %% [markdown] tags=["answer"]
# ### BEGIN SOLUTION
# After $k$ updates $\tilde{\mathbf w}_k = \tilde{\mathbf w}_0 + \eta \sum t_i \tilde{\mathbf x}_i$
# (the sum over the mistakes). Dividing by $\eta > 0$ changes no decision, so a run from
# $\tilde{\mathbf w}_0$ with rate $\eta$ makes exactly the decisions of a run from
# $\tilde{\mathbf w}_0 / \eta$ with rate 1: a small $\eta$ is a start $1/\eta$ times farther away.
# The updates must first undo that start, so the mistakes grow roughly like $1/\eta$ (hundreds at
# $\eta = 0.01$, about ten times fewer at $0.1$). A large $\eta$ shrinks the start towards
# $\mathbf 0$: at $\eta = 10$ or $100$ the run makes (nearly always exactly) the mistakes of the run
# from zero, although its final weights still contain $\tilde{\mathbf w}_0$. The theorem still holds
# with a larger bound: the proof's two steps become
# $\mathbf u^\top \tilde{\mathbf w}_k \ge \mathbf u^\top \tilde{\mathbf w}_0 + k \eta \gamma$ and
# $\lVert \tilde{\mathbf w}_k \rVert^2 \le \lVert \tilde{\mathbf w}_0 \rVert^2 + k \eta^2 R^2$, which
# give $k \le (R/\gamma)^2 + 2 \lVert \tilde{\mathbf w}_0 \rVert / (\eta \gamma)$: it still
# converges on separable data, with a delay that grows with $\lVert \tilde{\mathbf w}_0 \rVert / \eta$.
# This is why the learning rate is usually left at 1 for the perceptron, and why it matters as soon
# as the weights do not start at zero (every network from lecture 04 on).
# ### END SOLUTION

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Summary
#
# * A neuron computes $\hat y = H(\mathbf w^\top \mathbf x + b)$: a weighted sum and a threshold.
#   Its decision boundary is the line $\mathbf w^\top \mathbf x + b = 0$, and $\mathbf w$ is normal
#   to it.
# * The perceptron rule $\mathbf w \leftarrow \mathbf w + \eta\,(y - \hat y)\,\mathbf x$,
#   $b \leftarrow b + \eta\,(y - \hat y)$ learns online, only from mistakes; each mistake turns and
#   shifts the boundary.
# * On linearly separable data it converges after at most $(R/\gamma)^2$ mistakes, whatever the
#   order; on iris it needed far fewer. A thinner margin means more mistakes; standardising helps.
# * The rule reads the same with labels $t = \pm 1$: on a mistake,
#   $\mathbf w \mathrel{+}= \eta\,t\,\mathbf x$.
# * Whether a line separates the data is a linear-programming feasibility question; where none does
#   (versicolor vs virginica, XOR) the perceptron never settles, and the step function offers no
#   gradient to follow towards a good compromise.
# * The NumPy loop, an `nn.Linear` layer updated under `torch.no_grad()` and the tensor version
#   agree, and tensors train a thousand perceptrons at once.
#
# **Next:** [Lecture 02 — linear regression by gradient descent](02_linear_regression_gd.ipynb):
# a smooth loss, its gradient, and how to descend it step by step.
