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
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/pytorch-dl-course/deep-learning-course/blob/main/notebooks/00_tensors_autograd_devices.ipynb)
#
# # Lecture 00 — Tensors, autograd and devices
#
# Every lecture in this course trains a model by **gradient descent**: compute a loss, compute how the
# loss changes when each parameter changes (its *gradient*), and move the parameters a little against
# it. This warm-up gives you the three tools that loop is made of:
#
# 1. **tensors** — arrays of numbers, like NumPy's, that can live on a GPU;
# 2. **derivatives and gradients** — first by finite differences, then exactly by **autograd**;
# 3. **devices and seeds** — where the numbers live, and how to get the same result twice.

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

import matplotlib.pyplot as plt
import numpy as np
import torch

from course_utils import (
    PALETTE,
    available_devices,
    get_device,
    plot_autograd_graph,
    seed_everything,
)
from course_utils.checks import lecture00 as check

seed_everything(0)
device = get_device()
print(f"torch {torch.__version__}, training on: {device}")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 1. Tensors are NumPy arrays that know about gradients and devices
#
# A `torch.Tensor` holds numbers of one **dtype** in a rectangular **shape**. Most NumPy habits carry
# over unchanged: indexing, slicing, arithmetic element by element, `@` for matrix products.

# %%
a = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
t = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
print("NumPy:", a.shape, a.dtype, "| torch:", tuple(t.shape), t.dtype)
print("column sums:", a.sum(axis=0), t.sum(dim=0))
print("matrix product t @ t.T:\n", t @ t.T)

# %% [markdown] slideshow={"slide_type": "subslide"}
# Three differences matter from the first day:
#
# * **Default dtype.** NumPy computes in `float64`; PyTorch defaults to `float32`, which is twice as
#   fast and what GPUs like. Element-wise operations on mixed dtypes silently promote to `float64`;
#   matrix products and layers refuse them. Convert with `.float()` or `.to(torch.float64)`.
# * **Shared memory.** `torch.from_numpy` and `.numpy()` do not copy: both names see the same numbers.
# * **Standard deviation.** `torch.std` divides by $n - 1$ by default, NumPy's `np.std` by $n$.

# %%
shared = torch.from_numpy(a)  # no copy: a float64 tensor over a's memory
shared[0, 0] = 100.0
assert a[0, 0] == 100.0, "from_numpy should share memory with the array"
assert (t + shared).dtype == torch.float64, "mixing dtypes element-wise promotes to float64"
try:
    t @ shared.T
except RuntimeError as error:
    print("float32 @ float64 fails:", str(error).splitlines()[0])
print("after converting:", (t @ shared.T.float()).dtype)

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Broadcasting
#
# When two shapes differ, PyTorch (like NumPy) lines them up **from the right** and stretches every
# dimension of size 1 to match. A `(4, 3)` matrix minus a `(3,)` row subtracts the row from each of the
# 4 rows; minus a `(4, 1)` column it subtracts one number per row. No loop, no copy. Indexing with
# `None` (or `.unsqueeze`) adds a dimension of size 1: `v[:, None]` turns shape `(4,)` into `(4, 1)`.

# %%
X = torch.arange(12.0).reshape(4, 3)  # 12.0, not 12: a float tensor (integers give int64)
row = torch.tensor([100.0, 200.0, 300.0])
column = torch.tensor([1.0, 2.0, 3.0, 4.0])[:, None]  # (4,) -> (4, 1)
print("X - row:\n", X - row)
print("X - column:\n", X - column)
assert (X - row).shape == (X - column).shape == (4, 3), "both broadcast to X's shape"
oops = torch.zeros(4) - torch.zeros(4, 1)
assert oops.shape == (4, 4), "(4,) minus (4, 1) is a 4×4 matrix: a classic silent bug"

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 2. Derivatives, numerically
#
# The derivative of $f$ at $x$ is the slope of $f$ there:
# $f'(x) = \lim_{h \to 0} \frac{f(x + h) - f(x)}{h}$. A computer cannot take the limit, but it can pick a
# small $h$. Taylor's formula, $f(x \pm h) = f(x) \pm h f'(x) + \frac{h^2}{2} f''(x) \pm \frac{h^3}{6}
# f'''(x) + \dots$, shows why the **central difference** beats the one-sided one: the $h^2$ terms
# cancel, so its error shrinks like $h^2$ instead of $h$:
#
# $$f'(x) \approx \frac{f(x + h) - f(x - h)}{2h}.$$

# %%
def numerical_derivative(f, x: float, h: float = 1e-5) -> float:
    """Approximate f'(x) by the central difference with step h."""
    return (f(x + h) - f(x - h)) / (2 * h)


def forward_difference(f, x: float, h: float = 1e-5) -> float:
    """The one-sided difference, for comparison."""
    return (f(x + h) - f(x)) / h


slope = numerical_derivative(math.sin, 1.0)
print(f"sin'(1) ≈ {slope:.10f}, cos(1) = {math.cos(1.0):.10f}")
assert abs(slope - math.cos(1.0)) < 1e-9, "the central difference should be accurate to ~1e-10 here"

# %% [markdown] slideshow={"slide_type": "subslide"}
# How small should $h$ be? Too large and the secant is not the tangent; too small and the two values
# of $f$ agree in almost every digit, so subtracting them loses precision. With rounding errors of size
# $\varepsilon \approx 2.2 \cdot 10^{-16}$ (`float64`), the central difference's error is about
# $\frac{h^2}{6}|f'''| + \frac{\varepsilon |f|}{h}$, smallest near $h \approx \varepsilon^{1/3} \approx
# 6 \cdot 10^{-6}$. For $f = \sin$ at $x = 1$:

# %%
steps = np.logspace(-12, -1, 45)
central = [abs(numerical_derivative(math.sin, 1.0, h) - math.cos(1.0)) for h in steps]
one_sided = [abs(forward_difference(math.sin, 1.0, h) - math.cos(1.0)) for h in steps]
fig, ax = plt.subplots(figsize=(6.5, 3.5))
ax.loglog(steps, central, "o-", markersize=3, color=PALETTE[0], label="central difference")
ax.loglog(steps, one_sided, "s--", markersize=3, color=PALETTE[3], label="one-sided difference")
ax.axvline(np.finfo(float).eps ** (1 / 3), color="0.5", linestyle=":", label=r"$h = \varepsilon^{1/3}$")
ax.set(xlabel="step $h$", ylabel="absolute error", title="Error of finite differences for sin'(1)")
ax.legend()
best_h = steps[int(np.argmin(central))]
print(f"smallest error: central {min(central):.1e} at h = {best_h:.0e}, one-sided {min(one_sided):.1e}")
assert 1e-8 < best_h < 1e-3, f"expected the best step between 1e-8 and 1e-3, got {best_h:.1e}"
assert min(central) < min(one_sided) / 100, "the central difference should be far more accurate"

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 3. Derivatives, exactly: autograd
#
# Finite differences need two evaluations of $f$ **per input**: hopeless for a network with a million
# weights. PyTorch instead records every operation on tensors marked `requires_grad=True`, and
# `backward()` applies the chain rule through that record, giving every derivative at once for a small
# multiple (2–3×) of the cost of one evaluation.

# %%
x = torch.tensor(1.0, requires_grad=True)
y = torch.sin(x) * x**2  # f(x) = x² sin x
y.backward()  # fills x.grad with dy/dx
by_hand = 2 * 1.0 * math.sin(1.0) + 1.0**2 * math.cos(1.0)  # product rule: 2x sin x + x² cos x
numeric = numerical_derivative(lambda v: math.sin(v) * v**2, 1.0)
print(f"autograd {x.grad.item():.6f} | by hand {by_hand:.6f} | central difference {numeric:.6f}")
assert math.isclose(x.grad.item(), by_hand, rel_tol=1e-6), "autograd should agree with the product rule"
assert math.isclose(numeric, by_hand, rel_tol=1e-6), "the central difference should agree too"

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Partial derivatives and the gradient
#
# For a function of several inputs, the **partial derivative** $\partial f / \partial x$ is the
# derivative in $x$ with every other input held fixed. Stacking all partial derivatives gives the
# **gradient** $\nabla f$. Take
#
# $$f(x, y) = x^2 y + \sin(x y).$$

# %%
def f(x, y):
    """x² y + sin(x y), for Python floats or tensors."""
    sin = torch.sin if isinstance(x, torch.Tensor) else math.sin
    return x**2 * y + sin(x * y)


x0, y0 = 0.5, -1.5
df_dx_numeric = numerical_derivative(lambda v: f(v, y0), x0)  # y held fixed
df_dy_numeric = numerical_derivative(lambda v: f(x0, v), y0)  # x held fixed
# float64, to compare with the float64 finite differences to 1e-7
xt = torch.tensor(x0, dtype=torch.float64, requires_grad=True)
yt = torch.tensor(y0, dtype=torch.float64, requires_grad=True)
f(xt, yt).backward()
grad_f = torch.stack([xt.grad, yt.grad])
print(f"numeric  ∇f = ({df_dx_numeric:.6f}, {df_dy_numeric:.6f})")
print(f"autograd ∇f = ({grad_f[0]:.6f}, {grad_f[1]:.6f})")
expected = torch.tensor([df_dx_numeric, df_dy_numeric], dtype=torch.float64)
assert torch.allclose(grad_f, expected, atol=1e-7), "autograd and finite differences should agree"

# %% [markdown] slideshow={"slide_type": "subslide"}
# The gradient is the direction in which $f$ grows fastest. Check it: the slope of $f$ along a unit
# direction $d$ is the derivative of $t \mapsto f(p + t d)$ at $t = 0$. Trying 360 directions, the
# steepest one is $\nabla f / \lVert \nabla f \rVert$, and its slope is $\lVert \nabla f \rVert$.

# %%
angles = np.linspace(0, 2 * np.pi, 360, endpoint=False)
directions = np.stack([np.cos(angles), np.sin(angles)], axis=1)


def slope_along(d):
    """The derivative of t -> f(p + t d) at t = 0, for the point p = (x0, y0)."""
    return numerical_derivative(lambda t: f(x0 + t * d[0], y0 + t * d[1]), 0.0)


slopes = [slope_along(d) for d in directions]
steepest = directions[int(np.argmax(slopes))]
unit_gradient = (grad_f / grad_f.norm()).numpy()
print(f"steepest direction {steepest.round(3)}, ∇f/‖∇f‖ = {unit_gradient.round(3)}")
assert np.linalg.norm(steepest - unit_gradient) < 0.02, "the gradient should point uphill the steepest"
assert math.isclose(max(slopes), grad_f.norm().item(), rel_tol=1e-3), "the steepest slope is ‖∇f‖"

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 4. The chain rule and the computational graph
#
# A neuron computes $\hat y = \sigma(w x + b)$ with the sigmoid $\sigma(z) = 1 / (1 + e^{-z})$. It is a
# chain of small steps, $z = w x + b$ then $\hat y = \sigma(z)$, and the **chain rule** multiplies their
# local derivatives. The sigmoid's own derivative is
# $\sigma'(z) = \frac{e^{-z}}{(1 + e^{-z})^2} = \sigma(z)\,(1 - \sigma(z))$, so
#
# $$\frac{\partial \hat y}{\partial w} = \sigma'(z) \cdot \frac{\partial z}{\partial w}
#   = \sigma(z)\,(1 - \sigma(z)) \cdot x, \qquad
#   \frac{\partial \hat y}{\partial b} = \sigma(z)\,(1 - \sigma(z)) \cdot 1 .$$
#
# Autograd stores exactly this chain as a graph: data flows forward through it, and `backward()` walks
# it in reverse, multiplying local derivatives. This is **backpropagation**, lecture 04's subject.

# %%
x = torch.tensor(2.0)  # an input: no requires_grad
w = torch.tensor(0.5, requires_grad=True)
b = torch.tensor(-0.3, requires_grad=True)
y_hat = torch.sigmoid(w * x + b)  # Mul = w·x, Add = z, Sigmoid = ŷ
ax = plot_autograd_graph(y_hat, {"w": w, "b": b})
ax.figure.set_size_inches(7, 2.8)

# %% [markdown] slideshow={"slide_type": "notes"}
# `x` has no `requires_grad`, so autograd does not track it: it is not a node of the graph (`Mul` only
# stores its value) and it gets no `.grad`.

# %% slideshow={"slide_type": "subslide"}
y_hat.backward()
sigma = y_hat.item()
by_hand_w, by_hand_b = sigma * (1 - sigma) * x.item(), sigma * (1 - sigma)
numeric_w = numerical_derivative(lambda v: 1 / (1 + math.exp(-(v * x.item() + b.item()))), w.item())
print(f"autograd: dŷ/dw = {w.grad.item():.6f}, dŷ/db = {b.grad.item():.6f}")
print(f"by hand:  dŷ/dw = {by_hand_w:.6f}, dŷ/db = {by_hand_b:.6f} | numeric dŷ/dw = {numeric_w:.6f}")
assert math.isclose(w.grad.item(), by_hand_w, rel_tol=1e-5), "autograd should follow the chain rule"
assert math.isclose(b.grad.item(), by_hand_b, rel_tol=1e-5), "autograd should follow the chain rule"
assert math.isclose(numeric_w, by_hand_w, rel_tol=1e-4), "the finite difference should agree"
assert x.grad is None, "x is a constant to autograd"

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Gradients accumulate
#
# `backward()` **adds** into `.grad`; it does not overwrite. Run the same computation twice and the
# gradient doubles. That is why every training loop calls `optimizer.zero_grad()` (or `w.grad.zero_()`)
# before `loss.backward()`.

# %%
before = w.grad.clone()
torch.sigmoid(w * x + b).backward()  # a fresh graph, a second backward
print(f"w.grad after one backward: {before.item():.6f}, after two: {w.grad.item():.6f}")
assert torch.allclose(w.grad, 2 * before), "backward() should add into .grad"
w.grad.zero_()
b.grad.zero_()

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 5. Devices: CPU, CUDA, Apple MPS
#
# A tensor lives on one **device**. Operations need all their tensors on the same device, and moving
# data costs time, so a training loop moves the model once, and the data once when it fits on the device
# (as in this course), otherwise each batch as it comes. `course_utils.get_device()` picks CUDA if there
# is an NVIDIA GPU, then Apple's MPS, then the CPU. To force a choice, call `get_device("cpu")`, or set
# the environment variable `COURSE_DEVICE=cpu` before starting Jupyter. Every lecture runs unchanged on
# each.

# %%
print("devices on this machine:", available_devices(), "| chosen:", device)
v = torch.randn(3)
v_on_device = v.to(device)  # a copy on the device (no copy if it is already there)
model = torch.nn.Linear(3, 1).to(device)  # a model's parameters move the same way
print("v lives on", v.device, "| v_on_device and the model live on", v_on_device.device)
back = v_on_device.cpu().numpy()  # NumPy only reads CPU memory
assert np.allclose(back, v.numpy()), "the round trip should give the same numbers"
needs_grad = torch.ones(2, requires_grad=True)
assert needs_grad.detach().cpu().numpy().shape == (2,), "detach() before numpy() on a tensor with grad"

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Seeds: the same "random" numbers every time
#
# Initial weights, data shuffling and dropout all draw random numbers. `seed_everything(seed)` seeds
# Python's, NumPy's and PyTorch's generators together, so a notebook gives the same results on every
# run (on the same machine and library versions; GPUs may differ in the last digits).

# %%
seed_everything(42)
first = (torch.rand(3), np.random.rand(3))
seed_everything(42)
second = (torch.rand(3), np.random.rand(3))
assert torch.equal(first[0], second[0]) and np.array_equal(first[1], second[1]), "same seed, same numbers"
print("same seed gives the same numbers:", first[0])

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Exercises
#
# Each exercise is a function to complete; the cell after it checks your answer on inputs you have not
# seen and says what is wrong if anything is.
#
# ### Exercise 1 — standardise every column
#
# Many lectures rescale each feature to mean 0 and standard deviation 1:
# $\tilde x_{ij} = (x_{ij} - \mu_j) / \sigma_j$, with $\mu_j$ and $\sigma_j$ the mean and the
# **population** standard deviation (divide by $n$) of column $j$. Write it with broadcasting, in one
# line, without changing `X` in place.

# %% tags=["exercise"]
def standardize_columns(X: torch.Tensor) -> torch.Tensor:
    """Return a copy of X (n × d) with every column scaled to mean 0 and population std 1.

    Hint: X.mean(dim=0) and X.std(dim=0, correction=0) give one number per column.
    """
    ### BEGIN SOLUTION
    return (X - X.mean(dim=0)) / X.std(dim=0, correction=0)
    ### END SOLUTION


# %% tags=["check"]
check.standardize_columns(standardize_columns)

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise 2 — a numerical gradient
#
# Estimating each partial derivative separately gets tedious. Write `numerical_gradient(f, x, h)` for a
# function `f` that takes a 1-D tensor `x` of any length and returns a number: nudge one coordinate at a
# time by $\pm h$ and apply the central difference to each. It costs $2n$ evaluations of $f$ for $n$
# inputs, which is exactly why training uses autograd instead.

# %% tags=["exercise"]
def numerical_gradient(f, x: torch.Tensor, h: float = 1e-5) -> torch.Tensor:
    """Approximate the gradient of f at x (a 1-D float64 tensor) by central differences.

    f returns a scalar tensor. Do not modify x: nudge a copy (x + step).
    """
    ### BEGIN SOLUTION
    grad = torch.zeros_like(x)
    for i in range(len(x)):
        step = torch.zeros_like(x)
        step[i] = h
        grad[i] = (f(x + step) - f(x - step)) / (2 * h)
    return grad
    ### END SOLUTION


# %% tags=["check"]
check.numerical_gradient(numerical_gradient)

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise 3 — the gradient by hand
#
# Derive both partial derivatives of $f(x, y) = x^2 y + \sin(x y)$ from section 3 with the rules of
# calculus (by the chain rule, $\frac{\partial}{\partial x} \sin(xy) = y \cos(xy)$) and return them
# for tensors `x` and `y`. The check compares your formulas with autograd at points you have not seen.

# %% tags=["exercise"]
def analytic_gradient(x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Return (df/dx, df/dy) of f(x, y) = x² y + sin(x y)."""
    ### BEGIN SOLUTION
    df_dx = 2 * x * y + y * torch.cos(x * y)
    df_dy = x**2 + x * torch.cos(x * y)
    return df_dx, df_dy
    ### END SOLUTION


# %% tags=["check"]
check.analytic_gradient(analytic_gradient)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Summary
#
# * Tensors are NumPy-like arrays with a dtype (default `float32`), a shape, broadcasting, and a device.
# * A derivative can be **estimated** with the central difference, two evaluations per input, or
#   **computed exactly** by autograd for every input at once, through the chain rule on the recorded
#   computational graph. The gradient points uphill the steepest; gradients accumulate in `.grad`.
# * `get_device()` and `seed_everything()` make every lecture run anywhere and give the same numbers.
#
# **Next:** [Lecture 01 — the perceptron](01_perceptron.ipynb), the first learning machine, trained with
# nothing but additions.
