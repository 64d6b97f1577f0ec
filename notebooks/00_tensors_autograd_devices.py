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
# it. This warm-up gives you the three tools that loop is made of, and ends by running it:
#
# 1. **tensors** — arrays of numbers, like NumPy's, that can live on a GPU;
# 2. **derivatives and gradients** — first by finite differences, then exactly by **autograd**, and
#    once by hand through a computational graph;
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
# * **Default dtype.** NumPy computes in `float64`; PyTorch defaults to `float32`: half the memory
#   (4 bytes a number instead of 8), and faster. How much faster depends on the hardware: on a CPU
#   about 2× (a vector instruction processes twice as many `float32` numbers at once); on consumer
#   GPUs 32–64×, because they carry few `float64` units; on data-centre GPUs about 2× again.
# * **Shared memory.** `torch.from_numpy` and `.numpy()` do not copy: both names see the same numbers.
# * **Standard deviation.** `torch.std` divides by $n - 1$ by default, NumPy's `np.std` by $n$.

# %%
shared = torch.from_numpy(a)  # no copy: a float64 tensor over a's memory
shared[0, 0] = 100.0
assert a[0, 0] == 100.0, "from_numpy should share memory with the array"
print("bytes per number: float32", t.element_size(), "| float64", shared.element_size())
assert shared.element_size() == 2 * t.element_size() == 8, "float64 takes twice the memory"
print(f"std of [1, 2, 3, 4]: torch {torch.tensor([1.0, 2, 3, 4]).std():.4f}, "
      f"NumPy {np.std([1.0, 2, 3, 4]):.4f}")

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Mixing dtypes: the promotion rule
#
# When an element-wise operation mixes dtypes, PyTorch picks the result's dtype by **category**
# (bool < integer < floating point) and by **kind of operand**, in this priority: tensors with at
# least one dimension, then 0-dimensional tensors, then Python numbers.
#
# * Within the same category, the **dimensioned** tensors decide: a `float32` vector plus a `float64`
#   vector is `float64`, but a `float32` vector plus a 0-dim `float64` tensor (or a Python float)
#   **stays `float32`**. This matters from lecture 02 on, where a bias `b` is a 0-dim tensor.
# * A higher category wins anyway: an integer vector plus a 0-dim `float64` tensor is `float64`.
#
# Matrix products and layers do not promote at all: they refuse mixed dtypes. Convert with `.float()`
# or `.to(torch.float64)`.

# %%
v32 = torch.tensor([1.0, 2.0, 3.0])  # float32, shape (3,)
v64, s64 = torch.ones(3, dtype=torch.float64), torch.tensor(0.5, dtype=torch.float64)  # (3,), ()
print("float32 (3,) + float64 (3,):", (v32 + v64).dtype)
print("float32 (3,) + float64 ()  :", (v32 + s64).dtype, "| + a Python float:", (v32 + 0.5).dtype)
print("int64 (3,)   + float64 ()  :", (torch.arange(3) + s64).dtype)
assert (v32 + v64).dtype == torch.float64, "two vectors: the wider dtype wins"
assert (v32 + s64).dtype == torch.float32, "a 0-dim tensor of the same category does not promote"
assert (torch.arange(3) + s64).dtype == torch.float64, "a higher category promotes"
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

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### `keepdim=True`: the most common broadcasting bug
#
# A reduction such as `.sum(dim=1)` removes the dimension it sums over: the row sums of a `(3, 3)`
# matrix come back with shape `(3,)`, and broadcasting lines a `(3,)` up with the **columns**. Dividing
# each row by its sum then divides by the wrong numbers, silently, because the shapes happen to fit.
# `keepdim=True` keeps the summed dimension with size 1, shape `(3, 1)`, which broadcasts along rows.

# %%
counts = torch.tensor([[1.0, 1.0, 2.0], [3.0, 0.0, 1.0], [0.0, 5.0, 5.0]])
wrong = counts / counts.sum(dim=1)  # (3, 3) / (3,): divides column j by the sum of row j
right = counts / counts.sum(dim=1, keepdim=True)  # (3, 3) / (3, 1): row i by its own sum
print("row sums, without keepdim:", wrong.sum(dim=1), "| with keepdim:", right.sum(dim=1))
assert not torch.allclose(wrong.sum(dim=1), torch.ones(3)), "the silent bug: rows do not sum to 1"
assert torch.allclose(right.sum(dim=1), torch.ones(3)), "with keepdim=True every row sums to 1"

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
# of $f$ agree in almost every digit, so subtracting them loses precision. With a relative rounding
# error $\varepsilon$ in each value of $f$, the central difference's error is about
# $\frac{h^2}{6}|f'''| + \frac{\varepsilon |f|}{h}$, smallest near $h \approx \varepsilon^{1/3}$. The
# points $x \pm h$ are themselves rounded, by about $\varepsilon |x|$, which adds about
# $\frac{\varepsilon |x|\,|f'|}{h}$, so away from $|x| \approx 1$ the best step grows with $|x|$. It
# also depends on the dtype:
#
# | dtype | $\varepsilon$ | best $h \approx \varepsilon^{1/3}$ | its error, at most $\approx \varepsilon^{2/3}$ |
# |---|---|---|---|
# | `float64` (Python floats, NumPy) | $2.2 \cdot 10^{-16}$ | $6 \cdot 10^{-6}$ | $4 \cdot 10^{-11}$ |
# | `float32` (PyTorch's default) | $1.2 \cdot 10^{-7}$ | $5 \cdot 10^{-3}$ | $2 \cdot 10^{-5}$ |
#
# So a step of $10^{-5}$, fine in `float64`, gives noise in `float32`: there $h$ must be about
# $10^{-3}$, between $10^{-4}$ and $10^{-2}$. The formula gives the order of magnitude; the measured
# curves below are jagged (rounding is not smooth in $h$), so the best step lands within a decade of
# $\varepsilon^{1/3}$. For $f = \sin$ at $x = 1$:

# %%
steps = np.logspace(-10, 0, 41)


def central_error(h, dtype):
    """|central difference - cos(1)| for sin at x = 1, computed in the given dtype."""
    x = torch.tensor(1.0, dtype=dtype)
    return abs(((torch.sin(x + h) - torch.sin(x - h)) / (2 * h)).item() - math.cos(1.0))


errors = {dtype: np.array([central_error(h, dtype) for h in steps])
          for dtype in (torch.float64, torch.float32)}
one_sided = np.array([abs(forward_difference(math.sin, 1.0, h) - math.cos(1.0)) for h in steps])
best = {dtype: steps[np.argmin(error)] for dtype, error in errors.items()}
for dtype, error in errors.items():
    print(f"{str(dtype):<13}: smallest error {error.min():.0e} at h = {best[dtype]:.0e}; "
          f"at h = 1e-5: {error[np.argmin(abs(steps - 1e-5))]:.0e}")

# %% slideshow={"slide_type": "subslide"}
fig, ax = plt.subplots(figsize=(7, 3.6))
for (dtype, error), color in zip(errors.items(), PALETTE[:2], strict=True):
    ax.loglog(steps, error, "o-", markersize=3, color=color, label=f"central, {dtype}")
    ax.axvline(torch.finfo(dtype).eps ** (1 / 3), color=color, linestyle=":")
ax.loglog(steps, one_sided, "s--", markersize=3, color=PALETTE[3], label="one-sided, float64")
ax.plot([], [], color="0.5", linestyle=":", label=r"$h = \varepsilon^{1/3}$ of each dtype")
ax.set(xlabel="step $h$", ylabel="absolute error", title="Error of finite differences for sin'(1)")
ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize="small")
fig.tight_layout()
error64, error32 = errors[torch.float64], errors[torch.float32]
at_1e5 = int(np.argmin(abs(steps - 1e-5)))
for dtype, h in best.items():
    eps = torch.finfo(dtype).eps
    assert 0.1 < h / eps ** (1 / 3) < 10, f"{dtype}: best h {h:.0e}, not near ε^(1/3)"
    assert errors[dtype].min() < eps ** (2 / 3), f"{dtype}: smallest error above ε^(2/3)"
assert 1e-4 <= best[torch.float32] <= 1e-2, f"float32: best h near 1e-3, got {best[torch.float32]:.0e}"
assert error32[at_1e5] > 100 * error32.min(), "in float32, h = 1e-5 is far from the best step"
assert error64.min() < error32.min() / 1e4, "float64 is far more accurate at its best step"
assert error64.min() < one_sided.min() / 100, "the central difference beats the one-sided one"

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

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Stepping outside the graph: `.item()`, `.detach()`, `torch.no_grad()`
#
# A tensor with `requires_grad=True` drags its recorded history along. Three tools step outside it:
#
# * `.item()` turns a one-element tensor into a Python number (for printing and logging);
# * `.detach()` returns a tensor with the same numbers, sharing memory, but no history; NumPy knows
#   nothing of gradients, so `.numpy()` refuses a tensor that requires grad until you detach it;
# * inside `with torch.no_grad():` nothing is recorded at all: the way to evaluate a model, or to
#   change parameters by hand, without building a graph.

# %%
w = torch.tensor([1.0, -2.0], requires_grad=True)
loss = (w**2).sum()
print("loss:", loss, "| loss.item():", loss.item())
try:
    w.numpy()
except RuntimeError as error:
    print("w.numpy() fails:", error)
print("w.detach().numpy():", w.detach().numpy())
with torch.no_grad():
    doubled = 2 * w
print("inside no_grad, 2 * w requires grad:", doubled.requires_grad)
assert isinstance(loss.item(), float) and loss.requires_grad, ".item() gives a plain Python float"
assert not w.detach().requires_grad and not doubled.requires_grad, "no history outside the graph"

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### `backward()` needs a scalar
#
# `backward()` computes the gradient of **one number**, the loss. Called on a tensor of several
# numbers it stops: which combination of them should it differentiate? Reduce them first. The
# gradient of their **sum** holds each element's own derivative (for element-wise operations), which
# is what you usually want.

# %%
x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
squares = x**2  # three numbers, not a loss
try:
    squares.backward()
except RuntimeError as error:
    print("squares.backward() fails:", error)
squares.sum().backward()  # d(x1² + x2² + x3²)/dx_i = 2 x_i
print("after squares.sum().backward(), x.grad =", x.grad)
assert torch.equal(x.grad, 2 * x.detach()), "the gradient of the sum is 2x, element by element"

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### In-place operations and autograd
#
# Methods ending in `_` (`add_`, `mul_`, `zero_`) change a tensor **in place**, without a copy, and so
# do `x += 1` and `x[0] = 5`. Autograd objects in two cases:
#
# * changing a **leaf** that requires grad (a parameter such as `w`) while recording: a leaf is where
#   the graph starts and where `.grad` is filled, and a recorded in-place change would make it the
#   result of an operation. Parameter updates therefore run inside `torch.no_grad()`;
# * changing a value that `backward()` still needs: `sigmoid` keeps its output to compute
#   $\sigma(1 - \sigma)$, and autograd notices (by a version counter) that it has changed.

# %%
try:
    w.add_(1.0)  # w requires grad, and we are recording
except RuntimeError as error:
    print("w.add_(1) fails:", error)
with torch.no_grad():
    w.add_(1.0)  # allowed: not recorded
s = torch.sigmoid(w)
s.mul_(2)  # overwrites the output that sigmoid's backward needs
overwritten = False
try:
    s.sum().backward()
except RuntimeError as error:
    print("backward after s.mul_(2) fails:", str(error).split(":")[0])
    overwritten = True
assert overwritten and torch.equal(w.detach(), torch.tensor([2.0, -1.0])), "no_grad allows updates"

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
# ### One backward pass by hand
#
# Take $L = (a b + a)^2$ at $a = 2$, $b = -3$, in three steps: $c = a b$, $d = c + a$, $L = d^2$. The
# **forward pass** computes the values. The **backward pass** starts from $\partial L / \partial L = 1$
# and visits the nodes in reverse; each node passes its gradient to its inputs, multiplied by the local
# derivative ($\partial L / \partial c = \partial L / \partial d \cdot \partial d / \partial c$).
#
# Note $a$: it is used **twice**, in $c$ and in $d$. A small change of $a$ moves $L$ along both paths,
# so its gradient is the **sum** of what the two paths bring back. Autograd does this by *adding* into
# `.grad`.

# %%
a_val, b_val = 2.0, -3.0
c_val = a_val * b_val  # forward: values, left to right
d_val = c_val + a_val
L_val = d_val**2
grad = {"L": 1.0}  # backward: gradients, right to left
grad["d"] = grad["L"] * 2 * d_val  # L = d²:    ∂L/∂d = 2d
grad["c"] = grad["d"] * 1.0  # d = c + a: ∂d/∂c = 1
grad["b"] = grad["c"] * a_val  # c = a b:   ∂c/∂b = a
grad["a"] = grad["c"] * b_val + grad["d"] * 1.0  # two paths: through c (∂c/∂a = b), through d
a_t = torch.tensor(a_val, requires_grad=True)
b_t = torch.tensor(b_val, requires_grad=True)
((a_t * b_t + a_t) ** 2).backward()
print(f"L = {L_val}; by hand ∂L/∂a = {grad['a']}, ∂L/∂b = {grad['b']}; "
      f"autograd {a_t.grad.item()}, {b_t.grad.item()}")
assert (a_t.grad.item(), b_t.grad.item()) == (grad["a"], grad["b"]), "the same gradients"

# %% slideshow={"slide_type": "skip"}
def draw_value_graph(ax, nodes, edges):
    """Draw named nodes {name: (x, y, label)} and edges [(start, end, local derivative)]."""
    for start, end, local in edges:
        (x0_, y0_, _), (x1_, y1_, _) = nodes[start], nodes[end]
        ax.annotate("", (x1_, y1_), (x0_, y0_),
                    arrowprops={"arrowstyle": "-|>", "color": "0.4", "shrinkA": 28, "shrinkB": 28})
        ax.text((x0_ + x1_) / 2, (y0_ + y1_) / 2 + 0.12, local, ha="center", fontsize=9,
                color=PALETTE[3])
    for name, (x_, y_, label) in nodes.items():
        ax.text(x_, y_, label, ha="center", va="center", fontsize=9,
                bbox={"boxstyle": "round", "facecolor": PALETTE[5] if name in "ab" else "white",
                      "edgecolor": "0.3"})
    ax.axis("off")

# %% slideshow={"slide_type": "subslide"}
fig, ax = plt.subplots(figsize=(9, 3))
where = {"a": (0, 0.9), "b": (0, -0.9), "c": (1.6, -0.5), "d": (3.2, 0.4), "L": (4.8, 0.4)}
values = {"a": a_val, "b": b_val, "c": c_val, "d": d_val, "L": L_val}
formulas = {"a": "a", "b": "b", "c": "c = a·b", "d": "d = c + a", "L": "L = d²"}
nodes = {name: (*where[name], f"{formulas[name]}\nvalue {values[name]:g}\ngrad {grad[name]:g}")
         for name in where}
draw_value_graph(ax, nodes, [("a", "c", "∂c/∂a = b = −3"), ("b", "c", "∂c/∂b = a = 2"),
                             ("c", "d", "∂d/∂c = 1"), ("a", "d", "∂d/∂a = 1"),
                             ("d", "L", "∂L/∂d = 2d = −8")])
ax.set(xlim=(-0.6, 5.4), ylim=(-1.4, 1.4),
       title="forward: values left to right; backward: gradients right to left "
             "(a's gradient: 24 from c plus −8 from d)")
fig.tight_layout()

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Gradients accumulate
#
# Because a variable used twice must *sum* its paths, `backward()` **adds** into `.grad`; it does not
# overwrite. A second `backward()` is, to autograd, just one more path: run the same computation twice
# and the gradient doubles. That is why every training loop calls `optimizer.zero_grad()` (or
# `w.grad.zero_()`) before `loss.backward()`.

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
back = v_on_device.cpu().numpy()  # NumPy only reads CPU memory: .cpu() first
weights = model.weight.detach().cpu().numpy()  # a parameter requires grad: .detach() too
assert np.allclose(back, v.numpy()), "the round trip should give the same numbers"
assert weights.shape == (1, 3), "nn.Linear(3, 1) has a 1×3 weight matrix"

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Seeds: the same "random" numbers every time
#
# Initial weights, data shuffling and dropout all draw random numbers. `seed_everything(seed)` seeds
# Python's, NumPy's and PyTorch's generators together, so a notebook gives the same results on every
# run (on the same machine and library versions; GPUs may differ in the last digits). It also adds the
# environment variable `COURSE_SEED` to the seed: `course run 00 --seed 3` runs this lecture on other
# random numbers, and its asserts must still hold.

# %%
seed_everything(42)
first = (torch.rand(3), np.random.rand(3))
seed_everything(42)
second = (torch.rand(3), np.random.rand(3))
assert torch.equal(first[0], second[0]) and np.array_equal(first[1], second[1]), "same seed, same numbers"
print("same seed gives the same numbers:", first[0])

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 6. Putting it together: descending a valley
#
# Now run the loop every lecture is built on. Take the valley
# $g(\mathbf p) = (p_1 - 3)^2 + 4\,(p_2 + 1)^2$, lowest at $(3, -1)$, start at $(0, 0)$ and repeat:
# compute $g$, let autograd compute $\nabla g$, step $\mathbf p \leftarrow \mathbf p - \eta\,\nabla g$
# (in place, inside `torch.no_grad()`), and zero the gradient for the next round.

# %%
def valley(p):
    """g(p) = (p1 - 3)² + 4 (p2 + 1)², lowest (0) at p = (3, -1)."""
    return (p[0] - 3) ** 2 + 4 * (p[1] + 1) ** 2


p = torch.zeros(2, requires_grad=True)
learning_rate, path, losses = 0.1, [p.detach().clone()], []
for _ in range(40):
    loss = valley(p)
    loss.backward()  # p.grad = ∇g(p)
    with torch.no_grad():
        p -= learning_rate * p.grad  # an in-place step, not recorded
    p.grad.zero_()  # or the next backward() would add to this gradient
    path.append(p.detach().clone())
    losses.append(loss.item())
print(f"after 40 steps: p = {p.detach().numpy().round(4)}, g = {valley(p).item():.1e}")
assert torch.allclose(p.detach(), torch.tensor([3.0, -1.0]), atol=1e-3), "p should reach (3, -1)"
assert all(later < earlier for earlier, later in zip(losses, losses[1:])), "g falls at every step"
first_step = torch.tensor([0.6, -0.8])  # distance to (3, -1) × 0.8 along p1, × 0.2 along p2
assert torch.allclose(path[1], first_step), "step 1 shrinks the distance by 1 - 2η and 1 - 8η"

# %% slideshow={"slide_type": "subslide"}
grid_1, grid_2 = np.meshgrid(np.linspace(-0.5, 4, 120), np.linspace(-2.2, 0.6, 120))
path_np = torch.stack(path).numpy()
fig, (ax_path, ax_loss) = plt.subplots(1, 2, figsize=(10, 3.4), width_ratios=[1.4, 1])
contours = ax_path.contour(grid_1, grid_2, valley([grid_1, grid_2]), levels=12, cmap="viridis")
ax_path.clabel(contours, fontsize=7)
ax_path.plot(*path_np.T, "o-", markersize=3, color=PALETTE[3], label="gradient descent")
ax_path.plot(3, -1, "*", markersize=12, color="0.1", linestyle="none", label="minimum")
ax_path.set(xlabel="$p_1$", ylabel="$p_2$", title="the path on the contours of g", aspect="equal")
ax_path.legend(loc="upper left", fontsize="small")
ax_loss.semilogy(losses, color=PALETTE[0])
ax_loss.set(xlabel="step", ylabel="g(p)", title="the value of g at each step")
fig.tight_layout()

# %% [markdown] slideshow={"slide_type": "notes"}
# Each step multiplies the distance to the minimum along $p_2$ (curvature 8) by $1 - 8\eta = 0.2$,
# and along $p_1$ (curvature 2) only by $1 - 2\eta = 0.8$: the flat direction is the slow one.
# Lecture 02 studies how the learning rate and the shape of the valley decide the speed, and why
# $\eta$ must stay below $2/8$ here.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 7. Exercises
#
# Each exercise is a function to complete; the cell after it checks your answer on inputs you have not
# seen and says what is wrong if anything is.
#
# ### Exercise 1 — all pairwise squared distances, by broadcasting
#
# Many methods need the distance from every point to every other (nearest neighbours, kernels,
# clustering). Given `A` of shape $(n, d)$ and `B` of shape $(m, d)$, return the $(n, m)$ matrix of
# **squared** Euclidean distances
#
# $$D_{ij} = \lVert A_i - B_j \rVert^2 = \sum_{k=1}^{d} (A_{ik} - B_{jk})^2,$$
#
# row $i$ of `A` against row $j$ of `B`: **every** pair, not only $i = j$. Use broadcasting: give `A`
# and `B` dimensions of size 1 so that their difference has shape $(n, m, d)$, then sum over the right
# axis. `torch.cdist` does this for you, and is therefore not allowed here; a double Python loop works
# but is slow.

# %% tags=["exercise"]
def pairwise_sq_distances(A: torch.Tensor, B: torch.Tensor) -> torch.Tensor:
    """Return the (n, m) tensor of squared distances ||A[i] - B[j]||² between the rows of A and B."""
    ### BEGIN SOLUTION
    return ((A[:, None, :] - B[None, :, :]) ** 2).sum(dim=-1)
    ### END SOLUTION


# %% tags=["check"]
check.pairwise_sq_distances(pairwise_sq_distances)

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise 2 — a numerical gradient
#
# Estimating each partial derivative separately gets tedious. Write `numerical_gradient(f, x, h)` for a
# function `f` that takes a 1-D tensor `x` of any length and returns a number: nudge one coordinate at a
# time by $\pm h$ and apply the central difference to each. It costs $2n$ evaluations of $f$ for $n$
# inputs, which is exactly why training uses autograd instead. The check calls it on `float64`
# tensors, where the default $h = 10^{-5}$ is a good step; for `float32` you would need
# $h \approx 10^{-3}$ (section 2).

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

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Experiment — the best step, away from $x = 1$
#
# Section 2 found the best finite-difference step for $\sin$ at $x = 1$. The cell below measures the
# error of the central difference against autograd (in `float64`) for many steps and prints the best
# one for each dtype. Run it as it is, then change `point` to `100.0` and `1e4`, and `function` to
# `torch.exp` (at points up to about 10).
#
# **Question.** How does the best step move with the point, and why? What step would you choose to
# check the gradient of a `float32` model whose weights are of size 1 to 100, and what would you do
# instead if that check must be accurate to $10^{-8}$?

# %%
point, function = 1.0, torch.sin  # try point = 100.0 and 1e4; function = torch.exp
x_exact = torch.tensor(point, dtype=torch.float64, requires_grad=True)
function(x_exact).backward()
exact = x_exact.grad.item()
steps_to_try = np.logspace(-10, 0, 41)
for dtype in (torch.float64, torch.float32):
    x_d = torch.tensor(point, dtype=dtype)
    error = [abs(((function(x_d + h) - function(x_d - h)) / (2 * h)).item() - exact)
             for h in steps_to_try]
    print(f"{str(dtype):<13} best h = {steps_to_try[np.argmin(error)]:.0e}, "
          f"error {min(error):.1e} (relative {min(error) / abs(exact):.1e})")

# %% [markdown] tags=["answer"]
# ### BEGIN SOLUTION
# At $x = 1$ the best step is near $\varepsilon^{1/3}$: about $6 \cdot 10^{-6}$ in `float64` and
# $10^{-3}$ in `float32` (within a factor of a few that depends on $f$), with errors below
# $\varepsilon^{2/3}$ (about $4 \cdot 10^{-13}$ against $7 \cdot 10^{-7}$). At $x = 100$ the best
# step grows (about $2 \cdot 10^{-5}$ and $2 \cdot 10^{-2}$ for $\sin$), and again at $x = 10^4$
# ($10^{-4}$ and $10^{-1}$), while the best error gets worse. The reason: $x \pm h$ is itself
# rounded, by about $\varepsilon |x|$, so the step actually taken is off by that much, and the rounding term of the
# error becomes about $\varepsilon |x|\,|f'| / h$ instead of $\varepsilon |f| / h$. Balancing it
# against $h^2 |f'''| / 6$ puts the optimum near $(3 \varepsilon |x|\,|f'| / |f'''|)^{1/3}$: for
# $\sin$ it grows like $|x|^{1/3}$, a factor $100^{1/3} \approx 4.6$ per factor 100 in $x$, as
# measured. The step must grow with the size of $x$. For a `float32` model with weights of size 1 to
# 100, a step of $10^{-3}$ to $10^{-2}$, larger for the large weights; the estimate then agrees with
# autograd to only about $10^{-6}$ to $10^{-4}$ relative. To check to $10^{-8}$, compute in `float64`
# (`model.double()` and `float64` inputs) with $h$ near $10^{-5}$.
# ### END SOLUTION

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Summary
#
# * Tensors are NumPy-like arrays with a dtype (default `float32`: half the memory, faster, and much
#   faster on consumer GPUs), a shape, broadcasting, and a device. Dtypes promote by category and by
#   kind of operand (a 0-dim `float64` tensor does not widen a `float32` vector); reductions keep their
#   dimension for broadcasting only with `keepdim=True`.
# * A derivative can be **estimated** with the central difference, two evaluations per input, with a
#   step that suits the dtype ($10^{-5}$ in `float64`, $10^{-3}$ in `float32`), or **computed exactly**
#   by autograd for every input at once, through the chain rule on the recorded computational graph.
#   A variable used twice gets the sum of its paths, so gradients accumulate in `.grad`.
# * `.item()`, `.detach()` and `torch.no_grad()` step outside the graph; in-place updates of
#   parameters run inside `torch.no_grad()`; `backward()` needs a scalar.
# * Gradient descent is those pieces in a loop: loss, `backward()`, a step against the gradient,
#   `zero_()`.
# * `get_device()` and `seed_everything()` make every lecture run anywhere and give the same numbers.
#
# **Next:** [Lecture 01 — the perceptron](01_perceptron.ipynb), the first learning machine, trained with
# nothing but additions.
