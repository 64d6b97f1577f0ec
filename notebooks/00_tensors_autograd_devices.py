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

from course_utils import get_device, plot_autograd_graph, seed_everything
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
# Two differences matter from the first day:
#
# * **Default dtype.** NumPy computes in `float64`; PyTorch defaults to `float32`, which is twice as
#   fast and what GPUs like. Mixing them is a classic source of "expected Float but found Double".
# * **Shared memory.** `torch.from_numpy` and `.numpy()` do not copy: both names see the same numbers.

# %%
shared = torch.from_numpy(a)  # no copy: a float64 tensor over a's memory
shared[0, 0] = 100.0
print("a[0, 0] is now", a[0, 0], "- dtype", shared.dtype)
assert a[0, 0] == 100.0, "from_numpy should share memory with the array"

copied = torch.tensor(a, dtype=torch.float32)  # torch.tensor always copies
copied[0, 0] = -1.0
assert a[0, 0] == 100.0, "torch.tensor should copy, leaving the array alone"

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Broadcasting
#
# When two shapes differ, PyTorch (like NumPy) lines them up **from the right** and stretches every
# dimension of size 1 to match. A `(4, 3)` matrix minus a `(3,)` row subtracts the row from each of the
# 4 rows; minus a `(4, 1)` column it subtracts one number per row. No loop, no copy.

# %%
X = torch.arange(12.0).reshape(4, 3)
row = torch.tensor([100.0, 200.0, 300.0])
column = torch.tensor([[1.0], [2.0], [3.0], [4.0]])
print("X - row:\n", X - row)
print("X - column:\n", X - column)
assert (X - row).shape == (X - column).shape == (4, 3)

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise 1 — standardise every column
#
# Many lectures rescale each feature to mean 0 and standard deviation 1:
# $\tilde x_{ij} = (x_{ij} - \mu_j) / \sigma_j$, with $\mu_j$ and $\sigma_j$ the mean and the
# (population) standard deviation of column $j$. Write it with broadcasting, in one line, without
# changing `X` in place.

# %% tags=["exercise"]
def standardize_columns(X: torch.Tensor) -> torch.Tensor:
    """Return a copy of X with every column scaled to mean 0 and standard deviation 1."""
    ### BEGIN SOLUTION
    return (X - X.mean(dim=0)) / X.std(dim=0, unbiased=False)
    ### END SOLUTION


# %% tags=["check"]
check.standardize_columns(standardize_columns)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 2. Derivatives, numerically
#
# The derivative of $f$ at $x$ is the slope of $f$ there:
# $f'(x) = \lim_{h \to 0} \frac{f(x + h) - f(x)}{h}$. A computer cannot take the limit, but it can pick a
# small $h$. The **central difference** looks both ways and is far more accurate than the one-sided
# one (its error shrinks like $h^2$ instead of $h$):
#
# $$f'(x) \approx \frac{f(x + h) - f(x - h)}{2h}.$$

# %%
def numerical_derivative(f, x: float, h: float = 1e-5) -> float:
    """Approximate f'(x) by the central difference with step h."""
    return (f(x + h) - f(x - h)) / (2 * h)


slope = numerical_derivative(math.sin, 1.0)
print(f"sin'(1) ≈ {slope:.10f}, cos(1) = {math.cos(1.0):.10f}")
assert abs(slope - math.cos(1.0)) < 1e-9, "the central difference should be accurate to ~1e-10 here"

# %% [markdown] slideshow={"slide_type": "subslide"}
# How small should $h$ be? Too large and the secant is not the tangent; too small and the two values
# of $f$ agree in almost every digit, so subtracting them loses precision. For $f = \sin$ at $x = 1$
# the error is smallest around $h \approx 10^{-5}$ (in `float64`):

# %%
steps = np.logspace(-12, -1, 45)
errors = [abs(numerical_derivative(math.sin, 1.0, h) - math.cos(1.0)) for h in steps]
fig, ax = plt.subplots(figsize=(6, 3.5))
ax.loglog(steps, errors, "o-", markersize=3, color="#0072B2", label="central difference")
ax.set(xlabel="step $h$", ylabel="absolute error", title="Error of the central difference for sin'(1)")
ax.legend()
best_h = steps[int(np.argmin(errors))]
assert 1e-8 < best_h < 1e-3, f"expected the best step between 1e-8 and 1e-3, got {best_h:.1e}"
print(f"smallest error {min(errors):.1e} at h = {best_h:.0e}")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 3. Derivatives, exactly: autograd
#
# Finite differences need one or two evaluations of $f$ **per parameter**: hopeless for a network with
# a million weights. PyTorch instead records every operation on tensors marked
# `requires_grad=True`, and `backward()` applies the chain rule through that record, giving every
# derivative at once for about the cost of one more evaluation.

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
# **gradient** $\nabla f$, the direction in which $f$ grows fastest. Take
#
# $$f(x, y) = x^2 y + \sin(x y).$$

# %%
def f(x, y):
    return x**2 * y + torch.sin(x * y) if isinstance(x, torch.Tensor) else x**2 * y + math.sin(x * y)


x0, y0 = 0.5, -1.5
df_dx_numeric = numerical_derivative(lambda v: f(v, y0), x0)  # y held fixed
df_dy_numeric = numerical_derivative(lambda v: f(x0, v), y0)  # x held fixed
xt = torch.tensor(x0, dtype=torch.float64, requires_grad=True)
yt = torch.tensor(y0, dtype=torch.float64, requires_grad=True)
f(xt, yt).backward()
print(f"numeric  ∇f = ({df_dx_numeric:.6f}, {df_dy_numeric:.6f})")
print(f"autograd ∇f = ({xt.grad.item():.6f}, {yt.grad.item():.6f})")
assert torch.allclose(torch.stack([xt.grad, yt.grad]),
                      torch.tensor([df_dx_numeric, df_dy_numeric], dtype=torch.float64), atol=1e-7)

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise 2 — a numerical gradient
#
# Estimating each partial derivative separately gets tedious. Write `numerical_gradient(f, x, h)` for a
# function `f` that takes a 1-D tensor `x` of any length and returns a number: nudge one coordinate at a
# time by $\pm h$ (a copy of `x`, not `x` itself) and apply the central difference to each. It costs
# $2n$ evaluations of $f$ for $n$ inputs, which is exactly why training uses autograd instead.

# %% tags=["exercise"]
def numerical_gradient(f, x: torch.Tensor, h: float = 1e-5) -> torch.Tensor:
    """Approximate the gradient of f at x (a 1-D float64 tensor) by central differences."""
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
# Derive both partial derivatives of $f(x, y) = x^2 y + \sin(x y)$ with the rules of calculus (the
# chain rule gives $\frac{\partial}{\partial x} \sin(xy) = y \cos(xy)$) and return them for tensors
# `x` and `y`. The check compares your formulas with autograd at points you have not seen.

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
# ## 4. The chain rule and the computational graph
#
# A neuron computes $\hat y = \sigma(w x + b)$ with the sigmoid $\sigma(z) = 1 / (1 + e^{-z})$. It is a
# chain of small steps, $z = w x + b$ then $\hat y = \sigma(z)$, and the **chain rule** multiplies their
# local derivatives:
#
# $$\frac{\partial \hat y}{\partial w} = \frac{d \hat y}{d z} \cdot \frac{\partial z}{\partial w}
#   = \sigma(z)\,(1 - \sigma(z)) \cdot x .$$
#
# Autograd stores exactly this chain as a graph: data flows forward through it, and `backward()` walks
# it in reverse, multiplying local derivatives. This is **backpropagation**, lecture 04's subject.

# %%
x = torch.tensor(2.0)
w = torch.tensor(0.5, requires_grad=True)
b = torch.tensor(-0.3, requires_grad=True)
y_hat = torch.sigmoid(w * x + b)
ax = plot_autograd_graph(y_hat, {"x": x, "w": w, "b": b})
ax.figure.set_size_inches(7, 2.6)

# %% slideshow={"slide_type": "subslide"}
y_hat.backward()
sigma = y_hat.item()
print(f"autograd: dŷ/dw = {w.grad.item():.6f}, dŷ/db = {b.grad.item():.6f}")
print(f"by hand:  dŷ/dw = {sigma * (1 - sigma) * 2.0:.6f}, dŷ/db = {sigma * (1 - sigma):.6f}")
assert math.isclose(w.grad.item(), sigma * (1 - sigma) * 2.0, rel_tol=1e-5)
assert math.isclose(b.grad.item(), sigma * (1 - sigma), rel_tol=1e-5)

# %% [markdown] slideshow={"slide_type": "notes"}
# `x` has no `requires_grad`, so it appears in the graph as a plain input: autograd computes no
# derivative for it. Gradients **accumulate** in `.grad`: call `backward()` twice and they add up, which
# is why every training loop calls `optimizer.zero_grad()` before `loss.backward()`.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 5. Devices: CPU, CUDA, Apple MPS
#
# A tensor lives on one **device**. Operations need all their tensors on the same device, and moving
# data costs time, so a training loop moves the model once and each batch as it comes.
# `course_utils.get_device()` picks CUDA if there is an NVIDIA GPU, then Apple's MPS, then the CPU; set
# the environment variable `COURSE_DEVICE=cpu` to force a choice. Every lecture runs unchanged on each.

# %%
v = torch.randn(3)
v_on_device = v.to(device)  # a copy on the device (no copy if it is already there)
print("v lives on", v.device, "| v_on_device lives on", v_on_device.device)
back = v_on_device.cpu().numpy()  # NumPy only reads CPU memory
assert np.allclose(back, v.numpy())

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
# ## Summary
#
# * Tensors are NumPy-like arrays with a dtype (default `float32`), a shape, broadcasting, and a device.
# * A derivative can be **estimated** with the central difference, one evaluation pair per input, or
#   **computed exactly** by autograd for every input at once, through the chain rule on the recorded
#   computational graph.
# * `get_device()` and `seed_everything()` make every lecture run anywhere and give the same numbers.
#
# **Next:** [Lecture 01 — the perceptron](01_perceptron.ipynb), the first learning machine, trained with
# nothing but additions.
