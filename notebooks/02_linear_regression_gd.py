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
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/pytorch-dl-course/deep-learning-course/blob/main/notebooks/02_linear_regression_gd.ipynb)
#
# # Lecture 02 — Linear regression by gradient descent
#
# The perceptron of lecture 01 learns only from its mistakes, and it never settles when the data
# cannot be separated. This lecture builds the learning rule that every later lecture uses: define a
# smooth **loss** that says how wrong the model is, and walk downhill on it with **gradient
# descent**.
#
# We do it on the simplest model there is, a straight line, because there we know the exact answer
# and can watch every step:
#
# 1. machine learning as *looking for a function*: a model, a loss, an optimiser;
# 2. the exact answer (the normal equation), then gradient descent by hand and the PyTorch way;
# 3. experiments: the learning rate and how to sweep it, batch vs mini-batch vs online updates,
#    feature scaling, momentum, outliers, held-out data, and a loss with a trap in it.

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
import os

import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn.functional as F
from sklearn.linear_model import LinearRegression
from torch import nn

from course_utils import (
    PALETTE,
    fit,
    get_device,
    load_diabetes,
    make_linear_regression,
    plot_curves,
    plot_loss_surface,
    seed_everything,
)
from course_utils.checks import lecture02 as check

seed_everything(0)
device = get_device()
print(f"torch {torch.__version__}, training on: {device}")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 1. Machine learning is looking for a function
#
# We want a function that maps an input $x$ to an output $y$. We cannot write it down, but we have
# examples $(x_i, y_i)$, $i = 1, \dots, n$. Finding it takes three steps:
#
# 1. **A model with unknown parameters.** Guess the *shape* of the function and leave numbers open.
#    Here a straight line, $\hat y = f_{w,b}(x) = w\,x + b$, with a weight $w$ and a bias $b$.
# 2. **A loss.** A number $L(w, b)$ that says how bad a choice of parameters is on the training
#    data.
# 3. **Optimisation.** Find the parameters with the smallest loss:
#    $w^*, b^* = \arg\min_{w, b} L(w, b)$.
#
# Deep learning keeps the three steps and changes only the first: the model becomes a network with
# millions of parameters.

# %% [markdown]
# Our data are 100 points scattered around a line. `make_linear_regression` keeps the line it drew
# them from, so we can tell later how close we got. We work in `float64` NumPy arrays: this lecture
# compares answers to many digits.

# %%
data = make_linear_regression(n_samples=100, weights=(2.0,), bias=-1.0, noise=0.5, seed=0)
x = data.X_train[:, 0].double().numpy()  # inputs x_i, shape (100,)
y = data.y_train.double().numpy()  # targets y_i, shape (100,)
n = len(x)
w_true, b_true = data.true_weights.item(), data.true_bias
print(f"n = {n} points drawn around y = {w_true:.1f} x + ({b_true:.1f}), noise std 0.5")

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Step 1 and step 2: the model and the loss
#
# The **mean squared error** averages the squared residuals $r_i = \hat y_i - y_i$. We put a
# $\frac12$ in front, because it cancels the 2 that the derivative of a square brings down:
#
# $$L(w, b) = \frac{1}{2n} \sum_{i=1}^{n} \left(w\,x_i + b - y_i\right)^2 .$$
#
# The loss is a function of the **parameters**; the data are fixed.

# %%
def predict(w, b, x):
    """The model: a straight line, y_hat = w x + b."""
    return w * x + b


def mse(w, b, x, y):
    """L(w, b) = 1/(2n) Σ (w x_i + b - y_i)², averaged over the last axis of the residuals."""
    residual = predict(w, b, x) - y
    return 0.5 * np.mean(residual**2, axis=-1)


# %% [markdown] slideshow={"slide_type": "subslide"}
# Three guesses for $(w, b)$. The loss ranks them the way our eyes do: the closer the line, the
# smaller the loss.

# %%
guesses = {"w = 0, b = 0": (0.0, 0.0), "w = 1, b = 1": (1.0, 1.0), "w = 2.5, b = -1": (2.5, -1.0)}
fig, ax = plt.subplots(figsize=(6, 3.8))
ax.scatter(x, y, s=14, color="0.4", label="data")
grid = np.linspace(x.min(), x.max(), 2)
for color, (name, (w, b)) in zip(PALETTE, guesses.items()):
    ax.plot(grid, predict(w, b, grid), color=color, label=f"{name}: L = {mse(w, b, x, y):.2f}")
ax.set(xlabel="$x$", ylabel="$y$", title="Three guesses and their loss")
ax.legend(fontsize="small")
losses = [mse(w, b, x, y) for w, b in guesses.values()]
assert losses[0] > losses[1] > losses[2], "the closer line should have the smaller loss"

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Why squares? The MSE is a Gaussian likelihood
#
# Suppose the data came from a line plus Gaussian noise, $y_i = w\,x_i + b + \varepsilon_i$ with
# independent $\varepsilon_i \sim \mathcal N(0, \sigma^2)$. The probability density of the observed
# targets is then a product over the points, and its negative logarithm is a sum:
#
# $$-\log p(y \mid w, b) = -\sum_{i=1}^n \log\Big(\tfrac{1}{\sqrt{2\pi\sigma^2}}
#   e^{-r_i^2 / 2\sigma^2}\Big) = \frac n2 \log(2\pi\sigma^2) + \frac{n}{\sigma^2}\, L(w, b).$$
#
# The first term does not depend on $(w, b)$, and $n/\sigma^2 > 0$: the line of **maximum
# likelihood** is the line of least MSE, whatever $\sigma$ is. Other noise gives other losses:
# Laplace noise, $p(\varepsilon) \propto e^{-|\varepsilon|/s}$, gives the mean absolute error
# (section 7.6).

# %%
sigma = 0.5  # any σ > 0 gives the same ranking
for name, (w, b) in guesses.items():
    noise_model = torch.distributions.Normal(torch.from_numpy(predict(w, b, x)), sigma)
    nll = -noise_model.log_prob(torch.from_numpy(y)).sum().item()
    formula = n / 2 * np.log(2 * np.pi * sigma**2) + n / sigma**2 * mse(w, b, x, y)
    print(f"{name}: -log p(y | w, b) = {nll:8.2f}, formula {formula:8.2f}")
    assert abs(nll - formula) < 1e-8 * abs(formula), "the negative log-likelihood is n/σ² · L + const"

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 2. The exact answer: the normal equation
#
# For a linear model the minimum can be computed directly. Stack the inputs into a **design matrix**
# $A$ with one row $(x_i, 1)$ per point, and the parameters into $\theta = (w, b)^\top$; then the
# predictions are $A\theta$ and $L(\theta) = \frac{1}{2n}\lVert A\theta - y\rVert^2$. At the minimum
# the gradient is zero:
#
# $$\nabla L(\theta) = \frac1n A^\top (A\theta - y) = 0
#   \quad\Longleftrightarrow\quad A^\top A\, \theta^* = A^\top y .$$
#
# These are the **normal equations**: a $2 \times 2$ linear system here. We solve it (never invert
# $A^\top A$ explicitly) and compare with scikit-learn's `LinearRegression`.

# %%
A = np.column_stack([x, np.ones(n)])  # design matrix, rows (x_i, 1)
theta_star = np.linalg.solve(A.T @ A, A.T @ y)  # solves AᵀA θ = Aᵀy
w_star, b_star = theta_star
L_star = mse(w_star, b_star, x, y)
sklearn_model = LinearRegression().fit(x[:, None], y)
theta_sklearn = np.array([sklearn_model.coef_[0], sklearn_model.intercept_])
print(f"normal equation: w* = {w_star:.6f}, b* = {b_star:.6f}, L* = {L_star:.6f}")
print(f"scikit-learn:    w* = {theta_sklearn[0]:.6f}, b* = {theta_sklearn[1]:.6f}")
assert np.allclose(theta_star, theta_sklearn, atol=1e-8), "both should give the same line"
assert abs(w_star - w_true) < 0.2 and abs(b_star - b_true) < 0.2, "near the line behind the data"

# %% [markdown] slideshow={"slide_type": "notes"}
# The fitted line is not exactly the true one ($w = 2$, $b = -1$): with noise, the least-squares
# line of a finite sample differs a little from the line the data came from. Gradient descent can
# only hope to find $\theta^*$, the minimum of *this* loss on *these* data — and that is what we
# will check.

# %% [markdown] slideshow={"slide_type": "fragment"}
# Why not always use the formula? It only exists for *linear* models with a squared loss, and
# solving the system costs $O(n d^2 + d^3)$ for $d$ features. A neural network has no such formula.
# What works for every model is the iterative method we build now: start somewhere and follow the
# gradient downhill. The normal equation stays with us as the **reference answer**.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 3. Calculus refresher, applied to the MSE
#
# Lecture 00 introduced four tools; here they are on our loss.
#
# * **Derivative** of a function of one number: its slope,
#   $g'(w) \approx \frac{g(w+h) - g(w-h)}{2h}$.
# * **Partial derivative** $\partial L / \partial w$: the derivative in $w$ with $b$ held fixed (and
#   $\partial L / \partial b$ with $w$ held fixed).
# * **Gradient** $\nabla L = (\partial L/\partial w,\ \partial L/\partial b)$: the direction of
#   steepest ascent; $-\nabla L$ points downhill.
# * **Chain rule**: for a composition, multiply the local derivatives.

# %% [markdown]
# **The derivative.** Hold $b = 1$ and look at the loss along $w$ only: a function of one number,
# $g(w) = L(w, 1)$. Its derivative at $w = 0.5$ is the slope of the tangent there, estimated by a
# central difference and computed exactly by autograd.

# %%
w0, b0, h = 0.5, 1.0, 1e-6
slope_numeric = (mse(w0 + h, b0, x, y) - mse(w0 - h, b0, x, y)) / (2 * h)
x_t, y_t = torch.from_numpy(x), torch.from_numpy(y)  # float64 tensors sharing the arrays' memory
w_t = torch.tensor(w0, dtype=torch.float64, requires_grad=True)
(0.5 * ((w_t * x_t + b0 - y_t) ** 2).mean()).backward()
print(f"g'(0.5): central difference {slope_numeric:.6f}, autograd {w_t.grad.item():.6f}")
assert abs(slope_numeric - w_t.grad.item()) < 1e-6, "both should give the same slope"

# %% slideshow={"slide_type": "subslide"}
w_values = np.linspace(-1.0, 4.0, 100)
fig, ax = plt.subplots(figsize=(6, 3.4))
ax.plot(w_values, mse(w_values[:, None], b0, x, y), color=PALETTE[0], label="$g(w) = L(w, 1)$")
ax.plot(w_values, mse(w0, b0, x, y) + slope_numeric * (w_values - w0), "--", color=PALETTE[3],
        label=f"tangent at $w = 0.5$, slope {slope_numeric:.2f}")
ax.plot(w0, mse(w0, b0, x, y), "o", color=PALETTE[3])
ax.set(xlabel="$w$", ylabel="loss", ylim=(0, 18), title="A derivative is a slope")
ax.legend(fontsize="small")
fig.tight_layout()

# %% [markdown] slideshow={"slide_type": "subslide"}
# **Partial derivatives and the gradient.** The slope we just computed *is* $\partial L/\partial w$ at
# $(0.5, 1)$: $b$ was held fixed. Holding $w$ fixed instead gives $\partial L/\partial b$; together
# they form $\nabla L$. Autograd gives both at once.

# %%
dL_dw_numeric = (mse(w0 + h, b0, x, y) - mse(w0 - h, b0, x, y)) / (2 * h)  # b held fixed
dL_db_numeric = (mse(w0, b0 + h, x, y) - mse(w0, b0 - h, x, y)) / (2 * h)  # w held fixed
w_t = torch.tensor(w0, dtype=torch.float64, requires_grad=True)
b_t = torch.tensor(b0, dtype=torch.float64, requires_grad=True)
loss = 0.5 * ((w_t * x_t + b_t - y_t) ** 2).mean()
loss.backward()
print(f"numeric  ∇L = ({dL_dw_numeric:.6f}, {dL_db_numeric:.6f})")
print(f"autograd ∇L = ({w_t.grad.item():.6f}, {b_t.grad.item():.6f})")
assert np.allclose([w_t.grad.item(), b_t.grad.item()], [dL_dw_numeric, dL_db_numeric], atol=1e-6)

# %% [markdown]
# ### The gradient by hand, with the chain rule
#
# The loss is a chain: $(w, b) \mapsto r_i = w\,x_i + b - y_i \mapsto L = \frac{1}{2n}\sum_i r_i^2$.
# The local derivatives are
#
# $$\frac{\partial L}{\partial r_i} = \frac{1}{2n}\cdot 2 r_i = \frac{r_i}{n}, \qquad
#   \frac{\partial r_i}{\partial w} = x_i, \qquad \frac{\partial r_i}{\partial b} = 1,$$
#
# and the chain rule sums over every path from a parameter to the loss:
#
# $$\frac{\partial L}{\partial w}
#   = \sum_i \frac{\partial L}{\partial r_i}\frac{\partial r_i}{\partial w}
#   = \frac1n \sum_{i=1}^n r_i\, x_i, \qquad
#   \frac{\partial L}{\partial b} = \frac1n \sum_{i=1}^n r_i .$$

# %% [markdown] slideshow={"slide_type": "subslide"}
# The $\frac12$ has cancelled the 2, as promised. Autograd computes exactly this chain: asked to
# keep the gradient of the intermediate $r$, it shows the middle link
# $\partial L / \partial r_i = r_i / n$.

# %%
w_t.grad, b_t.grad = None, None
residual_t = w_t * x_t + b_t - y_t
residual_t.retain_grad()  # keep ∂L/∂r_i, which autograd would otherwise throw away
(0.5 * (residual_t**2).mean()).backward()
assert torch.allclose(residual_t.grad, residual_t.detach() / n), "∂L/∂r_i should be r_i / n"
assert torch.allclose(w_t.grad, (residual_t.grad * x_t).sum()), "chain rule: Σ (∂L/∂r_i)(∂r_i/∂w)"
print("∂L/∂r_i = r_i / n  ✓    ∂L/∂w = Σ (∂L/∂r_i) · x_i  ✓")


# %% [markdown] slideshow={"slide_type": "fragment"}
# The hand-derived gradient as a function. Like `mse`, it averages over the last axis, so it also
# works on whole grids of $(w, b)$ values, which we will use for pictures.

# %%
def mse_grad(w, b, x, y):
    """(∂L/∂w, ∂L/∂b) of L(w, b) = 1/(2n) Σ (w x_i + b - y_i)², derived with the chain rule."""
    residual = predict(w, b, x) - y
    return np.mean(residual * x, axis=-1), np.mean(residual, axis=-1)


by_hand = mse_grad(w0, b0, x, y)
print(f"by hand  ∇L = ({by_hand[0]:.6f}, {by_hand[1]:.6f})")
assert np.allclose(by_hand, [w_t.grad.item(), b_t.grad.item()], rtol=1e-12), "by hand = autograd"
assert np.allclose(by_hand, [dL_dw_numeric, dL_db_numeric], atol=1e-6), "by hand = numeric"

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 4. The loss surface
#
# With two parameters we can draw the loss as a **3-D surface** over the $(w, b)$ plane. For a
# linear model the MSE is a quadratic function of $(w, b)$: a bowl.

# %%
W_RANGE, B_RANGE = (-2.0, 6.0), (-4.0, 4.0)


def loss_on_grid(W, B):
    """The loss at every (w, b) of a grid: the extra axis lines the grid up against the data."""
    return mse(W[..., None], B[..., None], x, y)


fig = plt.figure(figsize=(6, 4.2))
ax3d = fig.add_subplot(projection="3d")
plot_loss_surface(loss_on_grid, W_RANGE, B_RANGE, kind="surface", ax=ax3d, title="MSE as a surface")
ax3d.view_init(elev=30, azim=-60)

# %% [markdown] slideshow={"slide_type": "subslide"}
# The bowl is **convex**: the chord between any two points of the graph lies on or above it,
#
# $$L\big(t\,\theta_1 + (1-t)\,\theta_2\big) \le t\,L(\theta_1) + (1-t)\,L(\theta_2)
#   \quad \text{for all } \theta_1, \theta_2 \text{ and } t \in [0, 1].$$
#
# For a twice-differentiable loss this is the same as a Hessian (the matrix of second derivatives)
# that is positive semi-definite everywhere: no direction curves downwards. Here the Hessian is the
# constant matrix $A^\top A / n$. On a convex loss every local minimum is a global one, so gradient
# descent cannot get stuck. A single minimum alone is not enough: $\sqrt{|\theta|}$ has one and is
# not convex (its chords run below the graph). Deep networks lose this comfort (section 7.8).

# %% [markdown] slideshow={"slide_type": "fragment"}
# Both tests, on our loss: chords between 1,000 random pairs of points, and the Hessian's
# eigenvalues.

# %%
theta_1, theta_2 = np.random.uniform(-4, 4, size=(2, 2, 1000))  # 1,000 pairs of (w, b)
t = np.random.uniform(0, 1, size=1000)
on_graph = loss_on_grid(*(t * theta_1 + (1 - t) * theta_2))
on_chord = t * loss_on_grid(*theta_1) + (1 - t) * loss_on_grid(*theta_2)
print(f"Hessian eigenvalues: {np.linalg.eigvalsh(A.T @ A / n).round(3)}")
assert np.all(on_graph <= on_chord + 1e-12), "every chord should lie on or above the graph"
assert np.linalg.eigvalsh(A.T @ A / n).min() >= 0, "the Hessian should be positive semi-definite"

# %% [markdown] slideshow={"slide_type": "subslide"}
# Seen from above, the same bowl becomes **contours**: lines of equal loss, closing in on the
# minimum $\theta^*$ (the cross). The gradient is perpendicular to the contour lines, and $-\nabla L$
# points downhill. The arrows show the direction of $-\nabla L$ (all drawn the same length). They do
# not point straight at the minimum: the bowl is steeper in $w$ than in $b$, so the contours are
# ellipses, not circles.

# %%
ax = plot_loss_surface(loss_on_grid, W_RANGE, B_RANGE, levels=15, title="MSE as contours, and $-\\nabla L$")
W_arrows, B_arrows = np.meshgrid(np.linspace(-1.5, 5.5, 8), np.linspace(-3.5, 3.5, 8))
dL_dw, dL_db = mse_grad(W_arrows[..., None], B_arrows[..., None], x, y)
length = np.hypot(dL_dw, dL_db)
ax.quiver(W_arrows, B_arrows, -dL_dw / length, -dL_db / length, color=PALETTE[3], angles="xy",
          scale=2.2, scale_units="xy", width=0.004, label="$-\\nabla L$ (direction)")
ax.plot(w_star, b_star, "kx", markersize=10, markeredgewidth=2.5, label="minimum $\\theta^*$")
ax.set_aspect("equal")
ax.legend(loc="upper right", fontsize="small")
ax.figure.set_size_inches(6, 4.6)


# %% [markdown] slideshow={"slide_type": "slide"}
# ## 5. Gradient descent, from scratch
#
# Start from a guess $(w_0, b_0)$ and repeat: compute the gradient, take a small step against it,
#
# $$w \leftarrow w - \eta\, \frac{\partial L}{\partial w}, \qquad
#   b \leftarrow b - \eta\, \frac{\partial L}{\partial b},$$
#
# where the **learning rate** $\eta > 0$ sets the step size. Each step uses the gradient on all $n$
# points: this is **batch** gradient descent. The function returns the whole path so we can draw it.

# %%
def gradient_descent(w, b, x, y, learning_rate, n_steps):
    """Batch gradient descent on the MSE from (w, b); returns the path, shape (n_steps + 1, 2)."""
    path = [(w, b)]
    for _ in range(n_steps):
        dL_dw, dL_db = mse_grad(w, b, x, y)
        w, b = w - learning_rate * dL_dw, b - learning_rate * dL_db
        path.append((w, b))
    return np.array(path)


START = (-1.0, 3.0)  # the initial guess (w_0, b_0), far from the minimum on purpose
path = gradient_descent(*START, x, y, learning_rate=0.4, n_steps=60)
print(f"after 60 steps: w = {path[-1, 0]:.6f}, b = {path[-1, 1]:.6f}")

# %% [markdown] slideshow={"slide_type": "fragment"}
# The checked cell: gradient descent lands on the normal-equation answer and on scikit-learn's,
# to within $10^{-4}$.

# %%
gap_normal = np.abs(path[-1] - theta_star).max()
gap_sklearn = np.abs(path[-1] - theta_sklearn).max()
print(f"max |θ_GD - θ*| = {gap_normal:.1e} (normal equation), {gap_sklearn:.1e} (scikit-learn)")
assert gap_normal < 1e-4, f"GD should match the normal equation to 1e-4, gap {gap_normal:.1e}"
assert gap_sklearn < 1e-4, f"GD should match scikit-learn to 1e-4, gap {gap_sklearn:.1e}"

# %% [markdown] slideshow={"slide_type": "subslide"}
# On the contours, the path starts at the circle and ends at the star, on the minimum. The steps
# shrink as the bowl flattens towards its bottom; the first ones overshoot in $w$, the steep
# direction (section 7.1 explains when that happens). On a log scale the distance to the minimum
# loss, $L - L^*$, falls along a straight line: each step removes a fixed fraction of it
# (**linear convergence**).

# %%
path_losses = loss_on_grid(path[:, 0], path[:, 1])
fig, (ax_path, ax_loss) = plt.subplots(1, 2, figsize=(10, 4))
plot_loss_surface(loss_on_grid, W_RANGE, B_RANGE, levels=15, paths={"GD, η = 0.4": path}, ax=ax_path,
                  title="Gradient descent path")
ax_path.set_aspect("equal")
plot_curves({"GD, η = 0.4": path_losses[1:41] - L_star}, ax=ax_loss, xlabel="step",
            ylabel="$L - L^*$", title="Distance to the minimum loss", logy=True)
fig.tight_layout()
assert np.all(np.diff(path_losses[:25]) < 0), "with a good learning rate, every step lowers the loss"

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 6. The PyTorch way
#
# The same algorithm with PyTorch's tools, on the course device (`float32`, which GPUs prefer):
#
# 1. **autograd** replaces the hand-derived `mse_grad`;
# 2. **`nn.Linear`** holds $w$ and $b$, and **`torch.optim.SGD`** applies the update rule.
#
# First autograd with a hand-written update. The update must not itself be recorded for autograd,
# hence `torch.no_grad()`; and `.grad` accumulates, so we reset it after every step.

# %%
x_dev = torch.tensor(x, dtype=torch.float32, device=device)
y_dev = torch.tensor(y, dtype=torch.float32, device=device)
w = torch.tensor(START[0], device=device, requires_grad=True)
b = torch.tensor(START[1], device=device, requires_grad=True)
for _ in range(60):
    loss = 0.5 * ((w * x_dev + b - y_dev) ** 2).mean()
    loss.backward()  # fills w.grad and b.grad
    with torch.no_grad():
        w -= 0.4 * w.grad
        b -= 0.4 * b.grad
    w.grad, b.grad = None, None
theta_autograd = np.array([w.item(), b.item()])
print(f"autograd GD: w = {theta_autograd[0]:.6f}, b = {theta_autograd[1]:.6f}")
assert np.abs(theta_autograd - path[-1]).max() < 1e-4, "autograd GD should follow the NumPy path"


# %% [markdown] slideshow={"slide_type": "fragment"}
# ### `nn.Linear` and `torch.optim.SGD`
#
# `nn.Linear(1, 1)` computes $\hat y = x\,w + b$ for a batch of shape $(n, 1)$. We set its
# parameters to our starting point, so it follows the same path. One thing to watch: PyTorch's
# `F.mse_loss` is the plain mean of squares, **without** our $\frac12$, so its gradient is twice
# ours. We multiply by $\frac12$ to keep the same loss (the alternative: halve the learning rate).

# %%
def half_mse(outputs, targets):
    """Our loss, 1/(2n) Σ (ŷ_i - y_i)², for outputs of shape (n, 1) and targets of shape (n,)."""
    return 0.5 * F.mse_loss(outputs.squeeze(-1), targets)


model = nn.Linear(1, 1).to(device)
with torch.no_grad():
    model.weight.fill_(START[0])
    model.bias.fill_(START[1])
optimizer = torch.optim.SGD(model.parameters(), lr=0.4)
X_dev = x_dev[:, None]  # shape (n, 1): one row per point, one column per feature

# %% [markdown] slideshow={"slide_type": "subslide"}
# The training loop every later lecture repeats: `zero_grad`, forward pass and loss, `backward`,
# `step`.

# %%
for _ in range(60):
    optimizer.zero_grad()  # forget the previous step's gradients
    loss = half_mse(model(X_dev), y_dev)
    loss.backward()  # autograd: ∂L/∂w and ∂L/∂b
    optimizer.step()  # w ← w - η ∂L/∂w, b ← b - η ∂L/∂b
theta_torch = np.array([model.weight.item(), model.bias.item()])
print(f"nn.Linear + SGD: w = {theta_torch[0]:.6f}, b = {theta_torch[1]:.6f}, L = {loss.item():.6f}")
assert np.abs(theta_torch - path[-1]).max() < 1e-4, "torch.optim.SGD should follow our path"
assert np.abs(theta_torch - theta_star).max() < 1e-4, "and land on the normal equation's answer"
assert np.abs(theta_torch - theta_sklearn).max() < 1e-4, "and on scikit-learn's"

# %% [markdown] slideshow={"slide_type": "fragment"}
# From here on, `course_utils.fit` runs this loop for us over mini-batches from a loader (section
# 7.2 explains mini-batches). With 10 points per batch it makes 10 updates per pass over the data
# (an **epoch**); each update sees a noisy gradient, so the weights end near, not exactly at, the
# minimum.

# %%
train_loader, _ = data.loaders(batch_size=10, device=device)
minibatch_model = nn.Linear(1, 1).to(device)
history = fit(minibatch_model, train_loader, half_mse,
              torch.optim.SGD(minibatch_model.parameters(), lr=0.05), epochs=20)
theta_minibatch = np.array([minibatch_model.weight.item(), minibatch_model.bias.item()])
print(f"mini-batch SGD, 20 epochs: w = {theta_minibatch[0]:.4f}, b = {theta_minibatch[1]:.4f}; "
      f"mean loss of the last epoch {history.last('loss'):.4f} (L* = {L_star:.4f})")
assert np.abs(theta_minibatch - theta_star).max() < 0.1, "mini-batch SGD should end near θ*"

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 7. Experiments
#
# ### 7.1 The learning rate: too small, right, too large, diverging
#
# Close to the minimum the loss is a bowl. Along one of the axes of its elliptical contours, with
# curvature $\lambda$, the loss grows like $\frac12\lambda e^2$ in the distance $e$ from the
# minimum, so one step maps $e \mapsto e - \eta\lambda e = (1 - \eta\lambda)\,e$. Hence:
#
# * $\eta < 1/\lambda$: $e$ shrinks without changing sign — smoothly, but slowly if $\eta$ is tiny;
# * $1/\lambda < \eta < 2/\lambda$: $e$ flips sign every step — the path **oscillates** across the
#   valley, yet still converges;
# * $\eta > 2/\lambda$: $|e|$ grows every step — gradient descent **diverges**.
#
# The curvatures are the eigenvalues of the Hessian (the matrix of second derivatives), which for
# the MSE is the constant matrix $H = A^\top A / n$. The steepest direction, $\lambda_{\max}$, sets
# the limit: $\eta < 2/\lambda_{\max}$.

# %%
hessian = A.T @ A / n
curvatures = np.linalg.eigvalsh(hessian)  # ascending: λ_min, λ_max
lr_critical = 2 / curvatures.max()
print(f"curvatures λ = {curvatures.round(3)}; gradient descent diverges for η > {lr_critical:.3f}")
print(f"the best fixed rate, 2 / (λ_min + λ_max) = {2 / curvatures.sum():.3f}")
learning_rates = {"too small": 0.02, "right": 0.4, "too large": 0.9 * lr_critical,
                  "diverging": 1.1 * lr_critical}
lr_paths = {name: gradient_descent(*START, x, y, lr, n_steps=1000 if name == "too small" else 60)
            for name, lr in learning_rates.items()}


# %% [markdown] slideshow={"slide_type": "fragment"}
# How many steps until every parameter is within $10^{-4}$ of $\theta^*$?

# %%
def steps_to_converge(path, theta_star, tol=1e-4):
    """The first step at which every parameter is within tol of theta_star (None if never)."""
    close = np.abs(path - theta_star).max(axis=1) <= tol
    return int(np.argmax(close)) if close.any() else None


steps = {name: steps_to_converge(p, theta_star) for name, p in lr_paths.items()}
for name, lr in learning_rates.items():
    outcome = f"{steps[name]} steps" if steps[name] is not None else "does not converge"
    print(f"{name:>10}: η = {lr:.3f} -> {outcome}")
assert steps["too small"] > 10 * steps["right"], "a tiny learning rate needs many more steps"
assert steps["right"] < steps["too large"] < 100, "an oscillating path still converges, more slowly"
assert steps["diverging"] is None, "above 2/λ_max gradient descent must not converge"

# %% [markdown] slideshow={"slide_type": "subslide"}
# The paths, from the same start (circle) to where they end (star). With $\eta = 0.02$ the path
# creeps along the direction of steepest descent. $\eta = 0.4$, near the best fixed rate, gets there
# in about twenty steps, overshooting a little in $w$ (it is above $1/\lambda_{\max}$) but not in
# $b$. Just below $2/\lambda_{\max}$ the path jumps back and forth across the valley in $w$; just
# above, each jump is longer than the last and the path leaves the picture after a few steps.

# %%
lr_colors = dict(zip(learning_rates, PALETTE))  # the colours plot_curves gives the losses below
fig, axes = plt.subplots(1, 2, figsize=(10, 4))
for ax, names in zip(axes, [("too small", "right"), ("too large", "diverging")]):
    shown = {f"{name}, η = {learning_rates[name]:.2f}": lr_paths[name][: (steps[name] or 4) + 1]
             for name in names}  # up to convergence; the diverging path for 4 steps
    plot_loss_surface(loss_on_grid, W_RANGE, B_RANGE, levels=15, paths=shown, ax=ax,
                      title=" vs ".join(names).capitalize())
    for i, name in enumerate(names):  # 4 lines per path; one colour per rate, as in the loss plot
        for line in ax.lines[4 * i : 4 * i + 4]:
            line.set_color(lr_colors[name])
    ax.legend(fontsize="small")
    ax.set_aspect("equal")
fig.tight_layout()
w_errors = lr_paths["too large"][:8, 0] - w_star
assert np.all(w_errors[1:] * w_errors[:-1] < 0), "too large a rate flips the sign of the w error"

# %% [markdown] slideshow={"slide_type": "subslide"}
# The loss tells the same story, and it is what you see in practice (the parameter space of a
# network cannot be drawn): a slow decline, a fast one, a slower one for the oscillating path (its
# loss still falls at every step: each jump lands a little lower in the valley), and a loss that
# explodes.

# %%
lr_losses = {f"{name}, η = {learning_rates[name]:.2f}": loss_on_grid(p[1:41, 0], p[1:41, 1])
             for name, p in lr_paths.items()}
ax = plot_curves(lr_losses, xlabel="step", ylabel="loss $L$", title="Loss per step", logy=True)
ax.axhline(L_star, color="0.3", linestyle=":", label="$L^*$")
ax.legend(fontsize="small")
ax.figure.set_size_inches(6.5, 3.6)
diverging_losses = lr_losses[f"diverging, η = {learning_rates['diverging']:.2f}"]
assert diverging_losses[-1] > 100 * diverging_losses[0], "the diverging loss should explode"

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### A learning-rate sweep: the rule you can always apply
#
# The rule $\eta < 2/\lambda_{\max}$ needs the Hessian. For a network with millions of parameters
# nobody computes it, and it changes from one point to the next. What always works is a **sweep**:
# run the same small budget of steps (here 20) for a grid of learning rates spaced evenly on a log
# scale, and look at the loss. The 31 runs go at once: one entry of `w_sweep` per rate.

# %%
sweep_rates = np.geomspace(0.01, 3.0, 31)  # neighbours differ by a factor 1.21
w_sweep, b_sweep = np.full_like(sweep_rates, START[0]), np.full_like(sweep_rates, START[1])
for _ in range(20):
    dL_dw, dL_db = mse_grad(w_sweep[:, None], b_sweep[:, None], x, y)  # one gradient per rate
    w_sweep, b_sweep = w_sweep - sweep_rates * dL_dw, b_sweep - sweep_rates * dL_db
sweep_gaps = loss_on_grid(w_sweep, b_sweep) - L_star
diverged = sweep_gaps + L_star > loss_on_grid(*np.array(START))  # worse than at the start
best_rate = sweep_rates[np.argmin(sweep_gaps)]
print(f"the sweep: converges up to η = {sweep_rates[~diverged].max():.3f}, diverges from "
      f"η = {sweep_rates[diverged].min():.3f}; the rule: 2/λ_max = {lr_critical:.3f}")
print(f"best rate of the sweep {best_rate:.3f}; the theory's best 2/(λ_min + λ_max) = "
      f"{2 / curvatures.sum():.3f}")
assert sweep_rates[~diverged].max() < lr_critical < sweep_rates[diverged].min(), "sweep = rule"
assert abs(np.log(best_rate * curvatures.sum() / 2)) < np.log(1.21), "best rate within a step"

# %% [markdown] slideshow={"slide_type": "notes"}
# The sweep brackets the limit between two neighbouring rates, and its best rate is the theory's
# best to within one grid step. In practice one picks a rate a little below where the loss
# explodes; a finer grid around it sharpens the answer.

# %%
fig, ax = plt.subplots(figsize=(6.5, 3.6))
ax.plot(sweep_rates, sweep_gaps, "o-", color=PALETTE[0], markersize=4, label="after 20 steps")
ax.axvline(lr_critical, color=PALETTE[3], linestyle="--", label="rule: $2/\\lambda_{\\max}$")
ax.axvline(2 / curvatures.sum(), color="0.3", linestyle=":",
           label="theory's best: $2/(\\lambda_{\\min} + \\lambda_{\\max})$")
ax.set(xscale="log", yscale="log", xlabel="learning rate $\\eta$", ylabel="$L - L^*$",
       title="A learning-rate sweep")
ax.legend(fontsize="small", loc="center left")

# %% [markdown] slideshow={"slide_type": "slide"}
# ### 7.2 Batch, mini-batch and online gradient descent
#
# The gradient is an average over the data, $\nabla L = \frac1n \sum_i \nabla \ell_i$. We can
# estimate it from a random **mini-batch** $\mathcal B$ of $B$ points instead,
# $\frac{1}{B}\sum_{i \in \mathcal B} \nabla \ell_i$, and update after each batch:
#
# | mode | points per update | updates per epoch ($n = 100$) |
# |---|---|---|
# | batch GD | all $n$ | 1 |
# | mini-batch SGD | $B$ (here 10) | $n / B = 10$ |
# | online (stochastic) GD | 1 | $n = 100$ |
#
# One epoch costs the same arithmetic in every mode; the smaller the batch, the more (and the
# noisier) the steps it buys. Shuffling every epoch makes each batch a fresh random sample.

# %%
def minibatch_sgd(w, b, x, y, learning_rate, batch_size, n_updates):
    """Mini-batch SGD on the MSE: one update per batch, a new random order every epoch."""
    path = [(w, b)]
    while len(path) <= n_updates:
        order = np.random.permutation(len(x))
        for start in range(0, len(x), batch_size):
            batch = order[start : start + batch_size]
            dL_dw, dL_db = mse_grad(w, b, x[batch], y[batch])
            w, b = w - learning_rate * dL_dw, b - learning_rate * dL_db
            path.append((w, b))
    return np.array(path[: n_updates + 1])


# %% [markdown] slideshow={"slide_type": "subslide"}
# All three modes, 100 updates each with the same learning rate $\eta = 0.05$. Batch GD walks a
# smooth curve; the smaller the batch, the more the path zig-zags around it. But 100 updates are
# 100 epochs for batch GD and a single epoch for online GD.

# %%
batch_sizes = {"batch (B = 100)": n, "mini-batch (B = 10)": 10, "online (B = 1)": 1}
mode_paths = {name: minibatch_sgd(*START, x, y, 0.05, size, n_updates=100)
              for name, size in batch_sizes.items()}
fig, (ax_paths, ax_epochs) = plt.subplots(1, 2, figsize=(10, 4))
plot_loss_surface(loss_on_grid, W_RANGE, B_RANGE, levels=15, paths=mode_paths, ax=ax_paths,
                  title="100 updates, η = 0.05")
ax_paths.set_aspect("equal")
path_colors = (PALETTE[3], PALETTE[0], PALETTE[2])  # the colours plot_loss_surface gave them
for color, (name, p) in zip(path_colors, mode_paths.items()):
    epochs = np.arange(len(p)) * batch_sizes[name] / n
    ax_epochs.plot(epochs[1:], loss_on_grid(p[1:, 0], p[1:, 1]) - L_star, color=color, label=name)
ax_epochs.set(xscale="log", yscale="log", xlabel="epochs (passes over the data)",
              ylabel="$L - L^*$", title="Same 100 updates, different cost")
ax_epochs.legend(fontsize="small")
fig.tight_layout()


# %% [markdown] slideshow={"slide_type": "fragment"}
# Two measurements back up the picture. **Straightness**: the length of a path divided by the
# distance from its start to its end (1 for a straight line). **Progress per epoch**: the loss after
# one pass over the data.

# %%
def path_length_ratio(path):
    """Length of the path divided by the straight distance from its start to its end."""
    return np.linalg.norm(np.diff(path, axis=0), axis=1).sum() / np.linalg.norm(path[-1] - path[0])


for name, p in mode_paths.items():
    after_one_epoch = n // batch_sizes[name]  # updates in one epoch
    gap = loss_on_grid(*p[after_one_epoch]) - L_star
    print(f"{name:>20}: length / distance = {path_length_ratio(p):.2f}, "
          f"L - L* after one epoch = {gap:.3f}")
ratios = [path_length_ratio(p) for p in mode_paths.values()]
assert ratios[0] < 1.15 and ratios[2] > 1.5, "batch GD goes (almost) straight, online GD zig-zags"
one_epoch_online, one_epoch_batch = mode_paths["online (B = 1)"][100], mode_paths["batch (B = 100)"][1]
assert loss_on_grid(*one_epoch_online) < loss_on_grid(*one_epoch_batch), "more progress per epoch"

# %% [markdown] slideshow={"slide_type": "notes"}
# For linear regression on 100 points there is no reason to use SGD: batch GD is cheap and exact.
# With millions of examples, and with the non-convex losses of deep networks, mini-batches win: many
# cheap, noisy steps per epoch beat one exact step, and the noise can even help leave poor regions.
# With a constant learning rate SGD keeps jittering around the minimum; lowering the rate over time
# (a schedule, lecture 04 and 05) lets it settle.

# %% [markdown] slideshow={"slide_type": "slide"}
# ### 7.3 Feature scaling, on real data: offset and scale
#
# scikit-learn's **diabetes** data: 442 patients, 10 measurements, and a score of disease
# progression one year later. We fit the score from two features at a time,
# $\hat y = w_1 x_1 + w_2 x_2 + b$, in their original units. Two different things can make raw
# features hard for gradient descent, and two pairs of features separate them:
#
# * an **offset**: age (years) and body-mass index (BMI, kg/m²) sit far from zero, but their spreads
#   differ only threefold;
# * a **scale**: blood pressure (bp, mm Hg) and s5 (the logarithm of the blood's triglycerides) have
#   spreads that differ more than twentyfold.

# %%
diabetes = load_diabetes(raw=True)
X_raw = diabetes.X_train.double().numpy()  # (442, 10), original units
y_dia = diabetes.y_train.double().numpy()  # (442,), the progression score
pairs = {"age, BMI": ("age", "bmi"), "bp, s5": ("bp", "s5")}
column = {name: X_raw[:, diabetes.feature_names.index(name)] for name in ("age", "bmi", "bp", "s5")}
for name, values in column.items():
    print(f"{name:>4}: mean {values.mean():6.2f}, std {values.std():6.3f}")
assert column["age"].std() / column["bmi"].std() < 3.5, "age and BMI spread alike"
assert column["bp"].std() / column["s5"].std() > 20, "bp and s5 spread very differently"


# %% [markdown] slideshow={"slide_type": "fragment"}
# In matrix form, with $X$ the $n \times d$ feature matrix, $\hat y = Xw + b$ and the gradient is
# $\nabla_w L = \frac1n X^\top r$. To draw the loss over the two weights we hold the bias at its
# best value $b^*$ and descend on $w$ alone; the target minus $b^*$ then plays the role of $y$. (For
# centred features this changes nothing: their columns have mean 0, so $\nabla_w L$ does not
# depend on $b$ at all.) The function below is gradient descent for any least-squares problem
# $\frac{1}{2n}\lVert A\theta - y\rVert^2$ from $\theta = 0$.

# %%
def gd_least_squares(A, y, learning_rate, n_steps):
    """Batch GD on L(θ) = 1/(2n) ||A θ - y||² from θ = 0; returns the path, (n_steps + 1, d)."""
    theta = np.zeros(A.shape[1])
    path = [theta]
    for _ in range(n_steps):
        theta = theta - learning_rate * A.T @ (A @ theta - y) / len(y)
        path.append(theta)
    return np.array(path)


def least_squares(A, y):
    """The exact minimiser of 1/(2n) ||A θ - y||²: the normal equations AᵀA θ = Aᵀy."""
    return np.linalg.solve(A.T @ A, A.T @ y)


# %% [markdown] slideshow={"slide_type": "subslide"}
# The number of steps gradient descent needs is set by the **condition number**
# $\kappa = \lambda_{\max} / \lambda_{\min}$ of the Hessian $X^\top X / n$: the learning rate must
# respect the steepest direction ($\eta < 2/\lambda_{\max}$) while progress along the flattest is
# proportional to $\eta\,\lambda_{\min}$. Every version gets the same rule,
# $\eta = 1.5 / \lambda_{\max}$, three quarters of the way to the divergence limit, and we count
# the steps until both weights are within $10^{-3} \max_j |w_j^*|$ of $w^*$. Three versions of
# each pair: **raw**, **centred** only (each column minus its mean), and **standardised** (centred,
# then divided by its standard deviation).

# %%
def versions(X2):
    """Two feature columns raw, centred (mean 0) and standardised (mean 0, std 1)."""
    centred = X2 - X2.mean(axis=0)
    return {"raw": X2, "centred": centred, "standardised": centred / X2.std(axis=0)}


def race(X2, max_steps=5000):
    """Per version: GD on the two weights (bias held at b*) from w = 0 with η = 1.5 / λ_max."""
    results = {}
    for version, Xv in versions(X2).items():
        theta = least_squares(np.column_stack([Xv, np.ones(len(Xv))]), y_dia)  # (w_1, w_2, b)
        w_best, target = theta[:2], y_dia - theta[2]  # the bias held at its optimum b*
        curv, axes = np.linalg.eigh(Xv.T @ Xv / len(Xv))  # curvatures (ascending), their axes
        path = gd_least_squares(Xv, target, 1.5 / curv[-1], max_steps)
        steps = steps_to_converge(path, w_best, tol=1e-3 * np.abs(w_best).max())
        results[version] = {"X": Xv, "target": target, "w_best": w_best, "curvatures": curv,
                            "steep_axis": axes[:, -1], "path": path, "steps": steps}
    return results


# %%
scaling = {pair: race(np.column_stack([column[f] for f in features]))
           for pair, features in pairs.items()}
for pair, results in scaling.items():
    for version, r in results.items():
        kappa = r["curvatures"][1] / r["curvatures"][0]
        print(f"{pair:>8}, {version:>12}: κ = {kappa:8.1f}, steps to w*: {r['steps'] or '> 5000'}")
age_bmi, bp_s5 = scaling["age, BMI"], scaling["bp, s5"]
assert 6 < age_bmi["raw"]["steps"] / age_bmi["centred"]["steps"] < 10, "centring: about 8x fewer"
assert age_bmi["centred"]["steps"] > 2 * age_bmi["standardised"]["steps"], "scaling still helps"
assert bp_s5["centred"]["steps"] > 100 * bp_s5["standardised"]["steps"], "bp/s5: the scale costs"
assert bp_s5["raw"]["steps"] is None, "raw bp/s5 should not converge in 5000 steps"

# %% [markdown] slideshow={"slide_type": "subslide"}
# **The offset.** Raw, both columns are large and always positive, so raising $w_1$ or $w_2$ moves
# every prediction up in much the same way: the contours are long, thin, tilted ellipses. Centring
# alone cuts the steps for age and BMI about eightfold.

# %% slideshow={"slide_type": "skip"}
def window(path, w_best, margin=0.1):
    """A square (w_1, w_2) window around a path and the minimum."""
    points = np.vstack([path[np.all(np.isfinite(path), axis=1)], w_best])
    centre = (points.min(axis=0) + points.max(axis=0)) / 2
    half = (points.max(axis=0) - points.min(axis=0)).max() / 2 * (1 + margin)
    return (centre[0] - half, centre[0] + half), (centre[1] - half, centre[1] + half)


def pair_loss(Xv, target):
    """The loss over a grid of (w_1, w_2), the bias held at b*."""
    return lambda W1, W2: 0.5 * np.mean((W1[..., None] * Xv[:, 0] + W2[..., None] * Xv[:, 1]
                                         - target) ** 2, axis=-1)


# %%
fig, axes = plt.subplots(2, 3, figsize=(13.5, 8))
for row, (pair, results) in zip(axes, scaling.items()):
    for ax, (version, r) in zip(row, results.items()):
        shown = r["path"][: (r["steps"] or 5000) + 1]
        label = f"GD, {r['steps']} steps" if r["steps"] else "GD, 5000 steps: not there"
        plot_loss_surface(pair_loss(r["X"], r["target"]), *window(shown, r["w_best"]), levels=15,
                          paths={label: shown}, ax=ax, resolution=50, title=f"{pair}: {version}",
                          labels=tuple(f"$w_{j + 1}$ ({f})" for j, f in enumerate(pairs[pair])))
        ax.plot(*r["w_best"], "kx", markersize=9, markeredgewidth=2)
        ax.set_aspect("equal")
fig.tight_layout()

# %% [markdown] slideshow={"slide_type": "subslide"}
# **The scale.** Once centred, the Hessian's diagonal holds the features' variances, and the
# weight of a feature with a small spread has a small curvature. For age and BMI that is a ratio of
# $3^2$; for bp and s5 it is about $26^2$, so the centred contours are still needles along $w_2$
# and gradient descent needs thousands of steps. Only dividing by the spread makes them round.

# %% [markdown]
# Standardised, the downhill direction points close to the minimum from everywhere and ten steps
# suffice, but not in a straight line: the first step jumps past the minimum. Along the steep axis
# $\eta\lambda_{\max} = 1.5$ multiplies the error by $1 - 1.5 = -0.5$ every step, so the path lands
# on the far side, half as far from $w^*$ as it started, and zig-zags in, halving the error each
# time ($0.5^{10} \approx 10^{-3}$).

# %%
for pair, results in scaling.items():
    r = results["standardised"]
    error = (r["path"][:2] - r["w_best"]) @ r["steep_axis"]  # along the steep axis, steps 0 and 1
    print(f"{pair}, standardised: error along the steep axis {error[0]:+.2f} -> {error[1]:+.2f}")
    assert abs(error[1] / error[0] + 0.5) < 1e-9, "the first step should overshoot by half"

# %% [markdown] slideshow={"slide_type": "notes"}
# With the bias also free to move, the raw problem is far worse still: the constant column of the
# bias and the raw, always-positive features point in almost the same direction. Centring makes
# the features orthogonal to that column; what is left is a scale effect again: the bias's
# curvature is the mean of $1^2$, age's is its variance, $13^2$ (the cell below measures it).

# %%
age_bmi_3 = {version: np.column_stack([Xv, np.ones(len(Xv))])
             for version, Xv in versions(np.column_stack([column["age"], column["bmi"]])).items()}
kappa = {version: np.linalg.cond(A3.T @ A3) for version, A3 in age_bmi_3.items()}
print("κ with the bias free: " + ", ".join(f"{v} {k:.3g}" for v, k in kappa.items()))
assert kappa["raw"] > 100 * kappa["centred"], "with the bias free, the offset is the worst part"
assert kappa["centred"] > 50 * kappa["standardised"], "and the spread of the ones column the rest"

# %% [markdown] slideshow={"slide_type": "slide"}
# ### 7.4 Momentum in a narrow valley
#
# The raw age/BMI valley is a problem no learning rate fixes: a rate small enough for the steep
# walls crawls along the flat floor. **Momentum** keeps a running sum of past gradients, a
# velocity $v$, and steps along it:
#
# $$v \leftarrow \beta v + \nabla L(\theta), \qquad \theta \leftarrow \theta - \eta\, v .$$
#
# Across the valley the gradient flips sign from step to step and its terms in $v$ cancel; along
# the floor they point the same way and add up, towards $1/(1-\beta)$ times one gradient. PyTorch's
# `torch.optim.SGD(..., momentum=β)` makes exactly this update.

# %%
def heavy_ball(Xv, target, learning_rates, momentum, n_steps, start=(0.0, 0.0)):
    """GD with momentum on 1/(2n) ||Xv w - target||², one run per learning rate, all at once.

    Returns the paths, shape (n_steps + 1, runs, 2). momentum = 0 is plain gradient descent.
    """
    w = np.tile(np.asarray(start, dtype=float), (len(learning_rates), 1))  # (runs, 2)
    velocity, path = np.zeros_like(w), [w]
    with np.errstate(over="ignore", invalid="ignore"):  # diverging runs overflow to inf / nan
        for _ in range(n_steps):
            gradient = (w @ Xv.T - target) @ Xv / len(target)  # one gradient per run
            velocity = momentum * velocity + gradient
            w = w - learning_rates[:, None] * velocity
            path.append(w)
    return np.array(path)


def steps_to_stay(paths, w_best, tol):
    """Per run, the step from which the path stays within tol of w_best (None: not by the end)."""
    off = ~(np.abs(paths - w_best).max(axis=-1) <= tol)  # (steps + 1, runs); nan counts as off
    last_off = len(paths) - 1 - np.argmax(off[::-1], axis=0)
    return [None if off[-1, r] else int(last_off[r]) + 1 if off[:, r].any() else 0
            for r in range(off.shape[1])]


# %% [markdown] slideshow={"slide_type": "subslide"}
# A fair race gives each method its best learning rate, found by a sweep: 41 rates, for plain
# gradient descent ($\beta = 0$) and three momenta, 1,000 steps each, counting the steps until the
# weights stay within 0.1 % of $w^*$ for good.

# %%
valley = scaling["age, BMI"]["raw"]
valley_rates = np.geomspace(1e-5, 3e-3, 41)
tol = 1e-3 * np.abs(valley["w_best"]).max()
sweeps = {beta: heavy_ball(valley["X"], valley["target"], valley_rates, beta, n_steps=1000)
          for beta in (0.0, 0.5, 0.7, 0.9)}  # paths, (1001, 41, 2) per momentum
sweep_steps = {beta: steps_to_stay(paths, valley["w_best"], tol) for beta, paths in sweeps.items()}
best = {beta: min((s, rate) for s, rate in zip(steps, valley_rates) if s is not None)
        for beta, steps in sweep_steps.items()}
for beta, (s, rate) in best.items():
    print(f"β = {beta}: best η = {rate:.2e}, {s:4d} steps")
best_momentum = min((b for b in best if b > 0), key=lambda b: best[b][0])
assert best[0.0][0] > 4 * best[best_momentum][0], "momentum at its best should win clearly"
assert best[0.0][0] > 1.5 * best[0.9][0], "even the usual β = 0.9 should beat GD at its best"

# %% [markdown] slideshow={"slide_type": "fragment"}
# Each momentum has its own best rate, and its own limit: with momentum, the heavy ball diverges
# only above $\eta = 2(1 + \beta)/\lambda_{\max}$ (dashed lines). Plain gradient descent at its very
# best needs several times the steps of momentum at its best.

# %%
lam_max = valley["curvatures"][1]
fig, ax = plt.subplots(figsize=(6.5, 3.8))
for color, (beta, steps) in zip(PALETTE, sweep_steps.items()):
    ax.plot(valley_rates, [np.nan if s is None else s for s in steps], "o-", color=color,
            markersize=3, label=f"β = {beta}" + (" (plain GD)" if beta == 0 else ""))
    ax.axvline(2 * (1 + beta) / lam_max, color=color, linestyle="--", linewidth=1)
ax.set(xscale="log", yscale="log", xlabel="learning rate $\\eta$",
       ylabel="steps to reach $w^*$", title="Raw age/BMI: the sweep, with and without momentum")
ax.legend(fontsize="small", loc="lower left")
for beta, paths in sweeps.items():
    distance = np.abs(paths - valley["w_best"]).max(axis=-1)  # (steps + 1, runs)
    diverged = ~(distance[-1] < distance[0])  # ended farther from w* than it started
    limit = 2 * (1 + beta) / lam_max
    assert valley_rates[~diverged].max() < limit < valley_rates[diverged].min(), f"β = {beta}"

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Explore it yourself
#
# The first 100 steps of momentum on the raw valley, from a start, a learning rate and a momentum of
# your choice. In JupyterLab, Notebook 7, VS Code or Colab, sliders appear below it with a copy
# of the figure that they redraw; elsewhere (a slide, a test run) the figure stays as drawn with
# the values below. Try
# the largest rate that still converges with $\beta = 0$ and with $\beta = 0.9$, a start on the
# valley's floor, and $\beta = 0.99$.

# %%
VALLEY_WINDOW = ((-5.0, 9.0), (-1.0, 12.0))


def draw_descent(learning_rate=4e-4, momentum=0.7, w1_start=-3.0, w2_start=0.0, n_steps=100):
    """Draw momentum's path on the raw age/BMI valley; returns the path, (n_steps + 1, 2)."""
    path = heavy_ball(valley["X"], valley["target"], np.array([learning_rate]), momentum,
                      n_steps, start=(w1_start, w2_start))[:, 0]
    gap = np.abs(path[-1] - valley["w_best"]).max()
    fig, ax = plt.subplots(figsize=(6, 4.6))
    plot_loss_surface(pair_loss(valley["X"], valley["target"]), *VALLEY_WINDOW, levels=15,
                      paths={f"η = {learning_rate:.1e}, β = {momentum:.2f}": path[np.all(
                          np.isfinite(path), axis=1)]}, ax=ax, labels=("$w_1$ (age)", "$w_2$ (BMI)"),
                      title=f"{n_steps} steps: max |w - w*| = {gap:.2g}")
    ax.plot(*valley["w_best"], "kx", markersize=10, markeredgewidth=2.5)
    ax.set_aspect("equal")
    return path


explored = draw_descent()
assert np.abs(explored[-1] - valley["w_best"]).max() < tol, "the default values should converge"

# %% slideshow={"slide_type": "skip"}
# Sliders for the figure above, only where a notebook front-end can show them. Headless runs
# (course run, nbval, building slides) have none: widgets created there would only store ids that
# change from run to run, so the static figure is all they get. A front-end is recognised by what
# it leaves in the kernel: Jupyter Server names the notebook in JPY_SESSION_NAME, Colab loads
# google.colab, VS Code sets __vsc_ipynb_file__.
def notebook_frontend():
    """True in a kernel that JupyterLab, Notebook 7, Colab or VS Code is showing, with ipywidgets."""
    try:
        import ipywidgets  # noqa: F401  (installed with the course's `lab` extra)
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    if shell is None or not hasattr(shell, "kernel"):  # plain Python or a terminal IPython
        return False
    return ("JPY_SESSION_NAME" in os.environ or "google.colab" in sys.modules
            or "__vsc_ipynb_file__" in shell.user_ns)


if notebook_frontend():
    import ipywidgets as widgets

    def redraw(**values):
        draw_descent(**values)

    widgets.interact(
        redraw,
        learning_rate=widgets.FloatLogSlider(value=4e-4, base=10, min=-5, max=-2.7, step=0.05,
                                             readout_format=".1e", description="η"),
        momentum=widgets.FloatSlider(value=0.7, min=0.0, max=0.99, step=0.01, description="β"),
        w1_start=widgets.FloatSlider(value=-3.0, min=-5.0, max=9.0, step=0.25, description="start w₁"),
        w2_start=widgets.FloatSlider(value=0.0, min=-1.0, max=12.0, step=0.25, description="start w₂"),
        n_steps=widgets.fixed(100),
    )

# %% [markdown] slideshow={"slide_type": "slide"}
# ### 7.5 The loss converges long before the weights
#
# Now all ten standardised features, the bias free as well, in `float64`. We run gradient descent
# and watch two gaps: how far the loss is from $L^*$ (relative), and how far the parameters are from
# $\theta^*$. Correlated features leave one direction with almost no curvature, so $\kappa$ is large:
# total cholesterol (s1) is close to the sum of LDL (s2), HDL (s3) and a share of the triglycerides
# (s5 is their logarithm, so the match is only rough), so raising the weight of s1 while lowering
# those of the other three barely changes any prediction.

# %%
Z = (X_raw - X_raw.mean(axis=0)) / X_raw.std(axis=0)
A10 = np.column_stack([Z, np.ones(len(Z))])  # 10 weights and the bias
theta10_star = least_squares(A10, y_dia)
L10_star = 0.5 * np.mean((A10 @ theta10_star - y_dia) ** 2)
curv10, directions = np.linalg.eigh(A10.T @ A10 / len(Z))  # curvatures, ascending, and axes
flattest = dict(zip(diabetes.feature_names + ("bias",), directions[:, 0].tolist()))
print(f"κ = {curv10[-1] / curv10[0]:.0f}; the flattest direction moves "
      + ", ".join(f"{name} {v:+.2f}" for name, v in flattest.items() if abs(v) > 0.05))
cholesterol_share = sum(flattest[name] ** 2 for name in ("s1", "s2", "s3", "s5"))
assert cholesterol_share > 0.95, "the flat direction should trade the cholesterol features off"
path10 = gd_least_squares(A10, y_dia, 1 / curv10[-1], n_steps=7000)
loss_gap = 0.5 * np.mean((path10 @ A10.T - y_dia) ** 2, axis=1) / L10_star - 1
weight_gap = np.abs(path10 - theta10_star).max(axis=1)

# %% [markdown] slideshow={"slide_type": "subslide"}
# On a log scale the loss gap falls to $10^{-10}$ — the loss agrees with $L^*$ to ten digits — while
# the weights are still visibly off. Moving along the flat direction changes the loss by only
# $\frac12\lambda_{\min} e^2$, so the loss "sees" almost nothing of the remaining error. A flat loss
# curve tells you that the predictions have converged, not that the weights have.

# %%
ax = plot_curves({"relative loss gap $(L - L^*)/L^*$": loss_gap[1:],
                  "weight gap $\\max_j |\\theta_j - \\theta_j^*|$": weight_gap[1:]},
                 xlabel="step", ylabel="gap", title="Diabetes, 10 features: loss vs weights",
                 logy=True)
ax.axhline(1e-4, color="0.3", linestyle=":", label="$10^{-4}$")
ax.legend(fontsize="small")
ax.figure.set_size_inches(6.5, 3.6)
step_loss_converged = int(np.argmax(loss_gap < 1e-10))
print(f"step {step_loss_converged}: loss gap < 1e-10, weight gap {weight_gap[step_loss_converged]:.1e}")
assert weight_gap[step_loss_converged] > 1e-3, "the weights should still be off when the loss settled"

# %% [markdown] slideshow={"slide_type": "notes"}
# Run long enough, gradient descent does reach the weights: the checked cell compares them with the
# normal equation and with scikit-learn.

# %% slideshow={"slide_type": "skip"}
sk10 = LinearRegression().fit(Z, y_dia)
theta10_sklearn = np.append(sk10.coef_, sk10.intercept_)
print(f"weight gap after {len(path10) - 1} steps: {weight_gap[-1]:.1e} (normal equation), "
      f"{np.abs(path10[-1] - theta10_sklearn).max():.1e} (scikit-learn)")
assert weight_gap[-1] < 1e-4, "GD should match the normal equation to 1e-4"
assert np.abs(path10[-1] - theta10_sklearn).max() < 1e-4, "GD should match scikit-learn to 1e-4"

# %% [markdown] slideshow={"slide_type": "slide"}
# ### 7.6 Outliers: squared against absolute error
#
# The square makes a point's pull on the line grow with its residual: in
# $\nabla L = \frac1n\sum_i r_i\,(x_i, 1)$ a point ten times farther off pulls ten times harder. The
# **mean absolute error** $\frac1n\sum_i |r_i|$ (the loss of Laplace noise) has the gradient
# $\frac1n\sum_i \operatorname{sign}(r_i)\,(x_i, 1)$: every point pulls with the same strength, however
# far it is. We move five of our 100 points 12 units down, all on the right, where they can tilt
# the line, and fit both losses by gradient descent.

# %%
def mae_descent(x, y, learning_rate, n_steps):
    """Gradient descent on the MAE from (0, 0); the step shrinks like 1/√t, since the gradient of
    |r| keeps its size right up to the minimum. Returns the last (w, b)."""
    w, b = 0.0, 0.0
    for t in range(n_steps):
        sign = np.sign(predict(w, b, x) - y)  # d|r|/dr
        step = learning_rate / np.sqrt(t + 1)
        w, b = w - step * np.mean(sign * x), b - step * np.mean(sign)
    return np.array([w, b])


y_outliers = y.copy()
moved = np.random.choice(np.nonzero(x > 1.0)[0], size=5, replace=False)
y_outliers[moved] -= 12.0
fits = {"MSE, clean data": theta_star,
        "MSE, with outliers": gradient_descent(*START, x, y_outliers, 0.4, n_steps=100)[-1],
        "MAE, with outliers": mae_descent(x, y_outliers, 1.0, n_steps=3000)}

# %% [markdown] slideshow={"slide_type": "fragment"}
# Five points out of 100 drag the least-squares line far off; the absolute error barely notices
# them.

# %%
fig, ax = plt.subplots(figsize=(6.5, 4))
kept = np.setdiff1d(np.arange(n), moved)
ax.scatter(x[kept], y_outliers[kept], s=12, color="0.5", label="data")
ax.scatter(x[moved], y_outliers[moved], s=40, marker="X", color=PALETTE[3], label="moved points")
for (name, (w, b)), color, style in zip(fits.items(), ("0.2", PALETTE[0], PALETTE[2]),
                                         (":", "-", "--")):
    ax.plot(grid, predict(w, b, grid), style, color=color, linewidth=2,
            label=f"{name}: w = {w:.2f}, b = {b:.2f}")
ax.set(xlabel="$x$", ylabel="$y$", title="Five outliers: MSE is pulled, MAE is not")
ax.legend(fontsize="small", loc="upper left")
pull = {name: np.abs(theta - theta_star).max() for name, theta in fits.items()}
print("largest change of (w, b) from the clean fit: "
      + ", ".join(f"{name} {p:.3f}" for name, p in pull.items() if "outliers" in name))
assert pull["MSE, with outliers"] > 0.3, "the outliers should pull the least-squares line"
assert pull["MAE, with outliers"] < 0.1, "the absolute error should hardly move"

# %% [markdown] slideshow={"slide_type": "notes"}
# Neither loss is "right": the squared error is the best choice when the noise is Gaussian, the
# absolute error when large errors are more common than a Gaussian allows. The absolute error has a
# price: its gradient does not shrink near the minimum (and has a kink at $r = 0$), so gradient
# descent needs a shrinking step to settle. PyTorch has both, `nn.MSELoss` and `nn.L1Loss`, and
# `nn.HuberLoss` in between: squared for small residuals, absolute for large ones.

# %% [markdown] slideshow={"slide_type": "slide"}
# ### 7.7 Loss on data the model has not seen
#
# Everything so far measured the loss on the data we fitted. What we care about is the loss on new
# data. Keep part of the data aside, a **test set**, fit on the rest, and compare. On the diabetes
# data with all ten features (eleven parameters with the bias), once with 30 patients to train on
# and once with 300; the rest of the 442 are the test set.

# %% [markdown] slideshow={"slide_type": "notes"}
# Which patients land in the training set changes the numbers a lot, so we average over 10 random
# splits. The features are standardised with the *training* patients' means and spreads: the test
# set stays unseen.

# %%
def train_and_test(n_train, n_steps=300):
    """GD on n_train random diabetes patients; the loss per step on them and on the others."""
    order = np.random.permutation(len(y_dia))
    train, test = order[:n_train], order[n_train:]
    mean, spread = X_raw[train].mean(axis=0), X_raw[train].std(axis=0)
    A_train, A_test = (np.column_stack([(X_raw[rows] - mean) / spread, np.ones(len(rows))])
                       for rows in (train, test))
    path = gd_least_squares(A_train, y_dia[train], 1 / np.linalg.eigvalsh(
        A_train.T @ A_train / n_train)[-1], n_steps)
    return np.array([0.5 * np.mean((path @ A.T - y_dia[rows]) ** 2, axis=1)
                     for A, rows in ((A_train, train), (A_test, test))])  # (2, n_steps + 1)


held_out = {}
for n_train in (30, 300):
    train_loss, test_loss = np.mean([train_and_test(n_train) for _ in range(10)], axis=0)
    held_out[n_train] = {"train": train_loss, "test": test_loss}

# %% [markdown] slideshow={"slide_type": "fragment"}
# The training loss keeps falling, as gradient descent promises. With 30 patients for eleven
# parameters the test loss ends far above it (more than one and a half times) and turns up again
# after the first few steps: the fit follows the noise of those 30. With 300 patients, training
# and test loss end close together.

# %%
fig, ax = plt.subplots(figsize=(6.5, 3.8))
for color, (n_train, losses) in zip(PALETTE, held_out.items()):
    ax.plot(losses["train"], color=color, label=f"{n_train} patients: training loss")
    ax.plot(losses["test"], "--", color=color, label=f"{n_train} patients: test loss")
ax.set(xscale="log", xlabel="step", ylabel="loss $L$", ylim=(0, 6000),
       title="Diabetes, 10 features: training against test loss")
ax.legend(fontsize="small", loc="upper right")
for n_train, losses in held_out.items():
    print(f"{n_train:3d} patients: training loss {losses['train'][-1]:6.0f}, "
          f"test loss {losses['test'][-1]:6.0f} (lowest {losses['test'].min():6.0f})")
small, large = held_out[30], held_out[300]
assert small["test"][-1] > 1.5 * small["train"][-1], "30 patients: the test loss should be far above"
assert small["test"][-1] > 1.05 * small["test"].min(), "and it should turn up again"
assert abs(large["test"][-1] / large["train"][-1] - 1) < 0.25, "300 patients: close together"

# %% [markdown] slideshow={"slide_type": "slide"}
# ### 7.8 Convex and non-convex losses
#
# The MSE of a linear model is **convex** (section 4): every local minimum is the global one, and
# gradient descent finds it from anywhere. The losses of neural networks are not. A 1-D example
# with two valleys:
#
# $$f(\theta) = \theta^4 - 4\theta^2 + \theta, \qquad f''(\theta) = 12\theta^2 - 8 ,$$
#
# whose second derivative is negative for $|\theta| < 0.82$: there the graph curves downwards and
# the chord across the hump runs below it. Started on the right, plain gradient descent rolls into
# the nearest valley, a **local minimum**, and stays: the gradient there is zero. Momentum's
# velocity (section 7.4) is a heavy ball's: it can roll through a shallow dip and over the hump.

# %%
def bumpy(theta):
    """A non-convex loss: a local minimum near θ = 1.35 and the global one near θ = -1.47."""
    return theta**4 - 4 * theta**2 + theta


def descend(momentum, start=2.5, learning_rate=0.01, n_steps=150):
    """Minimise bumpy with torch.optim.SGD; returns the visited θ values."""
    theta = torch.tensor(start, requires_grad=True)
    optimizer = torch.optim.SGD([theta], lr=learning_rate, momentum=momentum)
    visited = [start]
    for _ in range(n_steps):
        optimizer.zero_grad()
        bumpy(theta).backward()
        optimizer.step()
        visited.append(theta.item())
    return np.array(visited)


# %% [markdown] slideshow={"slide_type": "fragment"}
# Both start at $\theta = 2.5$ with $\eta = 0.01$. The minima are where
# $f'(\theta) = 4\theta^3 - 8\theta + 1 = 0$.

# %%
runs = {"plain GD": descend(momentum=0.0), "momentum β = 0.9": descend(momentum=0.9)}
stationary = np.sort(np.roots([4, 0, -8, 1]).real)  # global min, local max, local min
global_min, local_min = stationary[0], stationary[2]
thetas = np.linspace(-2.3, 2.6, 300)
fig, (ax_f, ax_t) = plt.subplots(1, 2, figsize=(10, 3.8))
ax_f.plot(thetas, bumpy(thetas), color="0.3", label="$f(\\theta)$")
for color, (name, visited) in zip(PALETTE, runs.items()):
    ax_f.plot(visited, bumpy(visited), "o", color=color, markersize=3, alpha=0.6, label=name)
    ax_t.plot(visited, color=color, label=name)
ax_f.set(xlabel="$\\theta$", ylabel="$f(\\theta)$", title="Where each run went")
ax_t.axhline(local_min, color="0.5", linestyle=":", label="local minimum")
ax_t.axhline(global_min, color="0.2", linestyle="--", label="global minimum")
ax_t.set(xlabel="step", ylabel="$\\theta$", title="$\\theta$ per step")
for a in (ax_f, ax_t):
    a.legend(fontsize="small")
fig.tight_layout()
assert abs(runs["plain GD"][-1] - local_min) < 1e-3, "plain GD should be stuck in the local minimum"
assert abs(runs["momentum β = 0.9"][-1] - global_min) < 1e-2, "momentum should reach the global one"
assert bumpy(0.0) > (bumpy(-0.5) + bumpy(0.5)) / 2, "a chord runs below the graph: not convex"

# %% [markdown] slideshow={"slide_type": "notes"}
# Momentum is no guarantee: with another start or $\beta$ it can just as well roll out of the better
# valley. In high dimensions strict local minima are less of a problem than flat regions and saddle
# points, where momentum's accumulated velocity also helps. Lecture 04 compares SGD, momentum and
# Adam on a real network.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 8. Exercises
#
# The exercises generalise this lecture's code to $d$ features, in PyTorch tensors: `X` has shape
# $(n, d)$, `w` shape $(d,)$, `b` is a number (a 0-dim tensor), `y` has shape $(n,)$. Each check
# tries your function on random data you have not seen.
#
# ### Exercise 1 — the loss
#
# Write $L(w, b) = \frac{1}{2n}\sum_{i=1}^n (x_i^\top w + b - y_i)^2$, where $x_i^\top$ is row $i$
# of `X`.

# %% tags=["exercise"]
def mse_loss(w: torch.Tensor, b: torch.Tensor, X: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Return the MSE with the ½·1/n convention: 1/(2n) Σ (X w + b - y)²."""
    ### BEGIN SOLUTION
    residual = X @ w + b - y
    return 0.5 * (residual**2).mean()
    ### END SOLUTION


# %% tags=["check"]
check.mse_loss(mse_loss)

# %% [markdown] slideshow={"slide_type": "fragment"}
# ### Exercise 2 — the gradient by hand
#
# Return $\left(\nabla_w L,\ \frac{\partial L}{\partial b}\right)$. Redo section 3's chain rule with
# $d$ weights: with residuals $r = Xw + b - y$, each weight gets
# $\frac{\partial L}{\partial w_j} = \frac1n \sum_i r_i\, x_{ij}$. Compute all $d$ of them at once,
# without a loop (which matrix product is it?). Use no autograd: the check compares your formula with
# it, and spots a sign error, a sum instead of a mean, or a stray factor 2.

# %% tags=["exercise"]
def mse_gradient(
    w: torch.Tensor, b: torch.Tensor, X: torch.Tensor, y: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """Return (∂L/∂w of shape (d,), ∂L/∂b as a 0-dim tensor) for L = 1/(2n) Σ (X w + b - y)²."""
    ### BEGIN SOLUTION
    residual = X @ w + b - y
    return X.T @ residual / len(y), residual.mean()
    ### END SOLUTION


# %% tags=["check"] points=2
check.mse_gradient(mse_gradient)

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise 3 — mini-batch SGD with momentum
#
# Write the loop that `torch.optim.SGD(params, lr=learning_rate, momentum=momentum)` runs, for our
# loss. `batches` is a list of tensors of row indices, already shuffled: make one update per batch,
# in that order, with the gradient on that batch's rows only. Start with zero velocity. Return the
# final `(w, b)` as new tensors (leave the ones you were given unchanged). You may call your
# `mse_gradient`; `torch.optim.SGD` is what you are replacing. The check replays `torch.optim.SGD`
# on the same batches and recognises the usual slips: a velocity that is not carried from batch to
# batch, the learning rate applied twice, momentum multiplying the wrong term.

# %% tags=["exercise"]
def sgd_momentum(
    w: torch.Tensor,
    b: torch.Tensor,
    X: torch.Tensor,
    y: torch.Tensor,
    batches: list[torch.Tensor],
    learning_rate: float,
    momentum: float,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Run mini-batch SGD with momentum on the MSE from (w, b); return (w, b) after the last batch."""
    ### BEGIN SOLUTION
    velocity_w, velocity_b = torch.zeros_like(w), torch.zeros_like(b)
    for batch in batches:
        grad_w, grad_b = mse_gradient(w, b, X[batch], y[batch])
        velocity_w = momentum * velocity_w + grad_w
        velocity_b = momentum * velocity_b + grad_b
        w, b = w - learning_rate * velocity_w, b - learning_rate * velocity_b
    return w, b
    ### END SOLUTION


# %% tags=["check"] points=2
check.sgd_momentum(sgd_momentum)

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise 4 — the normal equation, by hand
#
# Return the exact minimiser $(w^*, b^*)$: append a column of ones to `X` for the bias (in the same
# dtype and device: `torch.ones(n, 1, dtype=X.dtype, device=X.device)`), solve
# $A^\top A\,\theta = A^\top y$ with `torch.linalg.solve`, and split $\theta$ into $w^*$ (the
# first $d$ entries) and $b^*$ (the last). Build and solve the system yourself: least-squares
# solvers (`lstsq`, scikit-learn) and the pseudo-inverse (`pinv`) are off limits.

# %% tags=["exercise"]
def normal_equation(X: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Return (w* of shape (d,), b* as a 0-dim tensor) minimising 1/(2n) Σ (X w + b - y)²."""
    ### BEGIN SOLUTION
    A = torch.cat([X, torch.ones(len(X), 1, dtype=X.dtype, device=X.device)], dim=1)
    theta = torch.linalg.solve(A.T @ A, A.T @ y)
    return theta[:-1], theta[-1]
    ### END SOLUTION


# %% tags=["check"]
check.normal_equation(normal_equation)

# %% [markdown] slideshow={"slide_type": "fragment"}
# ### Exercise 5 — the critical learning rate
#
# Return the learning rate above which batch gradient descent on $L(w, b)$ diverges, for features
# `X` (the bias is a parameter too). Section 7.1 tells you what it is; the catch: find
# $\lambda_{\max}$ without an eigenvalue or singular-value routine (no `eigvalsh`, `svd`, matrix
# norms). Use **power iteration**: multiplying a vector by a symmetric matrix $H$ again and again
# stretches it most along the eigenvector of the largest eigenvalue, so
# $v \leftarrow Hv / \lVert Hv\rVert$ turns towards that eigenvector, and then
# $v^\top H v \to \lambda_{\max}$. A hundred iterations are plenty here.

# %% tags=["exercise"]
def critical_learning_rate(X: torch.Tensor) -> torch.Tensor:
    """Return the largest learning rate for which batch GD on 1/(2n) Σ (X w + b - y)² converges."""
    ### BEGIN SOLUTION
    A = torch.cat([X, torch.ones(len(X), 1, dtype=X.dtype, device=X.device)], dim=1)
    hessian = A.T @ A / len(X)
    v = torch.ones(A.shape[1], dtype=X.dtype, device=X.device)
    for _ in range(100):
        v = hessian @ v
        v = v / v.norm()
    return 2 / (v @ hessian @ v)
    ### END SOLUTION


# %% tags=["check"] points=2
check.critical_learning_rate(critical_learning_rate)

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Experiment — how much momentum?
#
# Section 7.4 tried three momenta on the raw age/BMI valley. The cell below sweeps the learning
# rate for every $\beta$ in `betas` and prints the fewest steps each needs. Add values (0.3, 0.6,
# 0.8, 0.95, 0.99, ...) and run it again. **Which $\beta$ is fastest? Why do larger values of
# $\beta$ become slower again, although momentum is what helps here?** Watch a large $\beta$ in the
# explorer of section 7.4 before you answer.

# %%
betas = (0.0, 0.5, 0.7, 0.9)
for beta in betas:
    paths = heavy_ball(valley["X"], valley["target"], valley_rates, beta, n_steps=1000)
    steps = [s for s in steps_to_stay(paths, valley["w_best"], tol) if s is not None]
    print(f"β = {beta:4.2f}: " + (f"{min(steps):4d} steps at its best rate" if steps
                                  else "not within 1,000 steps at any rate"))

# %% [markdown] tags=["answer"]
# ### BEGIN SOLUTION
# The fastest momentum lies around 0.65–0.7 here (about 35 steps, against 275 for plain gradient
# descent at its best rate). Up to there, a larger β lets the velocity build up along the valley's flat
# floor while the steep walls' contributions cancel. Beyond it the ball has too much inertia: it
# overshoots and swings back and forth around the minimum, losing only a fraction 1 − √β of its
# swing per step (for a quadratic the error cannot shrink faster than √β per step, whatever the
# learning rate), so β = 0.9 needs about 120 steps and β = 0.99 does not settle within 1,000. The
# best β grows with how ill-conditioned the valley is: theory puts it at
# $\big((\sqrt\kappa - 1)/(\sqrt\kappa + 1)\big)^2 \approx 0.62$ for κ = 72.5; the sweep finds it
# without knowing κ.
# ### END SOLUTION

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Summary
#
# * Learning is **looking for a function**: a model with unknown parameters, a loss that scores
#   them, and an optimiser that searches for the best ones.
# * The MSE $\frac{1}{2n}\sum_i (w x_i + b - y_i)^2$ has gradient $\big(\frac1n\sum_i r_i x_i,\
#   \frac1n\sum_i r_i\big)$ by the chain rule; autograd computes the same numbers.
# * Minimising the MSE is maximising the likelihood of Gaussian noise; the MSE is **convex**
#   (every chord lies above the graph, the Hessian is positive semi-definite).
# * **Gradient descent** steps against the gradient and reaches the normal-equation answer to
#   $10^{-4}$. The learning rate must stay below $2/\lambda_{\max}$; too small is slow, near the
#   limit it oscillates, above it diverges. A **sweep** over learning rates finds the same limit
#   without the Hessian, which is how it is done for networks.
# * **Mini-batches** buy more, noisier updates per epoch; batch GD walks straight, SGD zig-zags.
# * **Standardise features**: centring removes a shared offset, dividing by the spread removes
#   different scales; each can cost gradient descent hundreds or thousands of steps. The loss can settle long
#   before the weights.
# * **Momentum** crosses an ill-conditioned valley several times faster than plain gradient
#   descent at its best rate, and can roll past a shallow local minimum of a non-convex loss.
# * The square makes outliers pull hard; the absolute error does not. Judge a model by its loss on
#   **held-out data**: with few points per parameter it is far above the training loss.
# * In PyTorch: `nn.Linear`, a loss, `torch.optim.SGD`, and the loop `zero_grad` → `backward` →
#   `step`.
#
# **Next:** [Lecture 03 — Adaline](03_adaline.ipynb): the same loss and the same gradient descent
# turn a linear neuron into a classifier that converges even when the classes overlap.
