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
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/pytorch-dl-course/deep-learning-course/blob/main/notebooks/05_cnn.ipynb)
#
# # Lecture 05 — Convolutional neural networks
#
# The MLP of lecture 04 read a digit as 784 unrelated numbers: it would learn just as well if we
# shuffled the pixels (the same way for every image). But pixels have neighbours, and a stroke is a
# stroke wherever it sits. This lecture builds that knowledge into the network:
#
# 1. **locality** and **weight sharing**: one small kernel slid over the whole image;
# 2. convolution written by hand and checked against `F.conv2d`; **translation equivariance**;
# 3. **padding**, **stride** and the output-size formula; **pooling**, global average pooling and
#    $1 \times 1$ convolutions;
# 4. a LeNet-style network on MNIST-5k, with **data augmentation** and **batch normalisation**,
#    tuned on a validation set and compared with the MLP of lecture 04;
# 5. what the network learned: its filters and feature maps;
# 6. **residual connections**: what they change at initialisation, and what they buy in training.

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
from dataclasses import replace

import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn.functional as F
from scipy.signal import convolve2d, correlate2d
from torch import nn

from course_utils import (
    PALETTE,
    InMemoryLoader,
    evaluate,
    fit,
    get_device,
    load_mnist5k,
    plot_curves,
    seed_everything,
    show_images,
)
from course_utils.checks import lecture05 as check
from course_utils.models import SmallCNN, random_shift

seed = seed_everything(0)
device = get_device()
print(f"torch {torch.__version__}, training on: {device}")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 1. What an MLP does not know about images
#
# The first layer of lecture 04's MLP connects each of 512 hidden units to all 784 pixels: about
# 400,000 weights, and each unit must learn *separately* that a stroke in the top left is a stroke.
# Move a digit by two pixels and the MLP sees a different input (a fifth of its 784 numbers change),
# although the digit has not.
#
# Two observations about images lead to a better layer:
#
# * **Locality.** Whether a pixel belongs to an edge depends on its *neighbours*, not on pixels
#   far away. So a unit should look at a small patch, say $3 \times 3$ or $5 \times 5$ pixels.
# * **Weight sharing.** An edge detector that is useful in one place is useful everywhere. So the
#   *same* weights should be applied to every patch.
#
# A layer that applies one small set of weights, the **kernel**, to every patch is a
# **convolutional** layer; the grid of its results is a **feature map**.

# %%
mnist = load_mnist5k()  # images of shape (1, 28, 28), pixels in [0, 1]
print(mnist)
digit = mnist.X_train[0, 0]  # one 28×28 training digit (the test set waits for the end)
moved = torch.roll(digit, shifts=2, dims=1)  # the same digit, 2 pixels to the right
changed = (digit != moved).float().mean()
print(f"moving the digit by 2 pixels changes {changed:.0%} of the pixels an MLP sees")
assert changed > 0.1, "a small move changes many inputs"

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 2. Convolution by hand
#
# Slide a kernel $K$ of size $k_h \times k_w$ over the image $X$; at each position multiply the
# overlapping numbers and add them up:
#
# $$Y[i, j] = \sum_{u=0}^{k_h-1} \sum_{v=0}^{k_w-1} K[u, v]\, X[i + u,\, j + v] + b .$$
#
# The kernel fits at $H - k_h + 1$ rows and $W - k_w + 1$ columns of an $H \times W$ image, so the
# output is a little smaller than the input. Every output uses the same $k_h k_w + 1$ numbers: that is
# weight sharing. Here it is, two loops over the output and one multiply-and-sum per position:

# %%
def cross_correlate(image: torch.Tensor, kernel: torch.Tensor) -> torch.Tensor:
    """Slide `kernel` over a 2-D `image` without padding: Y[i, j] = sum(K * X[i:i+k_h, j:j+k_w])."""
    k_h, k_w = kernel.shape
    out_h, out_w = image.shape[0] - k_h + 1, image.shape[1] - k_w + 1
    Y = torch.zeros(out_h, out_w)
    for i in range(out_h):
        for j in range(out_w):
            Y[i, j] = (image[i : i + k_h, j : j + k_w] * kernel).sum()
    return Y

# %% [markdown] slideshow={"slide_type": "subslide"}
# PyTorch's `F.conv2d` works on batches of many-channel images, so it wants the image as
# `(N, C_in, H, W)` and the kernels as `(C_out, C_in, k_h, k_w)`. With one image, one input channel
# and one kernel it must agree with our loops:

# %%
small_image = torch.arange(36.0).reshape(6, 6) % 7  # a 6×6 image with a pattern
kernel = torch.tensor([[1.0, 0.0, -1.0], [2.0, 0.0, -2.0], [1.0, 0.0, -1.0]])  # a Sobel kernel
ours = cross_correlate(small_image, kernel)
theirs = F.conv2d(small_image[None, None], kernel[None, None])[0, 0]  # add N and C dims, then drop
print("our loops:\n", ours)
assert ours.shape == (4, 4), "a 3×3 kernel fits 6 - 3 + 1 = 4 times in each direction"
assert torch.allclose(ours, theirs), "F.conv2d computes the same sums"

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Convolution or cross-correlation?
#
# In mathematics and signal processing, a *convolution* flips the kernel first:
# $\sum_{u,v} K[u, v]\, X[i - u, j - v]$. What deep learning calls a convolution is, strictly, a
# **cross-correlation**: no flip. For a learned kernel it makes no difference (the network would
# simply learn the flipped kernel), but it matters when you compare with other libraries. SciPy has
# both:

# %%
image_np, kernel_np = small_image.numpy(), kernel.numpy()
assert np.allclose(correlate2d(image_np, kernel_np, mode="valid"), ours.numpy()), "no flip"
assert np.allclose(convolve2d(image_np, kernel_np[::-1, ::-1], mode="valid"), ours.numpy()), (
    "a true convolution with the flipped kernel is the same cross-correlation"
)
assert not np.allclose(convolve2d(image_np, kernel_np, mode="valid"), ours.numpy()), (
    "a true convolution with the kernel as it is gives something else"
)

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### The PyTorch way: `nn.Conv2d`
#
# `nn.Conv2d(C_in, C_out, kernel_size)` holds the kernels and biases as parameters, learned by
# gradient descent like any others. A one-channel layer is our function plus its bias:

# %%
layer = nn.Conv2d(in_channels=1, out_channels=1, kernel_size=3)
with torch.no_grad():
    from_layer = layer(small_image[None, None])[0, 0]
    by_hand = cross_correlate(small_image, layer.weight[0, 0]) + layer.bias
print(f"weight {tuple(layer.weight.shape)}, bias {tuple(layer.bias.shape)}: "
      f"{sum(p.numel() for p in layer.parameters())} parameters for any image size")
assert torch.allclose(from_layer, by_hand, atol=1e-6), "nn.Conv2d = cross-correlation + bias"

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Kernels detect features
#
# The Sobel kernel above responds where brightness changes from left to right: a **vertical edge**.
# Its transpose finds horizontal edges. Applied to a digit, each kernel gives one feature map; the
# sign says on which side the ink is. Throughout this lecture signed numbers share one colour scale:
# **orange is positive, purple negative, white zero**. A CNN *learns* its kernels; section 11 shows
# how far the first layer of ours got towards detectors like these.

# %%
edge_kernels = torch.stack([kernel, kernel.T])[:, None]  # (2, 1, 3, 3): vertical, horizontal
edge_maps = F.conv2d(digit[None, None], edge_kernels, padding=1)[0]  # (2, 28, 28)
fig, axes = plt.subplots(1, 3, figsize=(8, 2.8))
axes[0].imshow(digit, cmap="gray_r")
axes[0].set_title("digit")
for ax, edge_map, name in zip(axes[1:], edge_maps, ["vertical", "horizontal"]):
    limit = edge_map.abs().max()
    shown = ax.imshow(edge_map, cmap="PuOr_r", vmin=-limit, vmax=limit)  # orange > 0 > purple
    ax.set_title(f"{name} edges")
for ax in axes:
    ax.set(xticks=[], yticks=[])
fig.colorbar(shown, ax=axes, shrink=0.8, label="kernel response (orange > 0, purple < 0)")
plt.show()

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 3. Translation equivariance
#
# Because the same kernel is applied at every position, **moving the input moves the feature map**
# by the same amount and changes nothing else. Writing $S$ for a shift, a convolution $C$ satisfies
#
# $$C(S X) = S\, C(X).$$
#
# This is *equivariance*: the output changes in the same way as the input. We move the digit 3 pixels
# down and 2 to the left, filling with zeros, and compare.

# %%
def shift(images: torch.Tensor, down: int, right: int) -> torch.Tensor:
    """Move images (..., H, W) by `down` rows and `right` columns (negative: up/left), zeros fill in."""
    pad = max(abs(down), abs(right))
    padded = F.pad(images, (pad, pad, pad, pad))
    height, width = images.shape[-2:]
    return padded[..., pad - down : pad - down + height, pad - right : pad - right + width]


shifted_digit = shift(digit, 3, -2)
maps_of_shifted = F.conv2d(shifted_digit[None, None], edge_kernels, padding=1)[0]
shifted_maps = shift(edge_maps, 3, -2)
inner = (slice(None), slice(4, -4), slice(4, -4))  # away from the border, where zeros came in
assert torch.allclose(maps_of_shifted[inner], shifted_maps[inner], atol=1e-6), "C(S X) = S C(X)"
print("largest difference anywhere:", (maps_of_shifted - shifted_maps).abs().max().item())

# %% slideshow={"slide_type": "subslide"}
fig, axes = plt.subplots(1, 4, figsize=(9, 2.6))
panels = [(digit, "digit X"), (edge_maps[0], "C(X)"), (shifted_digit, "shifted S X"),
          (maps_of_shifted[0], "C(S X) = S C(X)")]
for ax, (picture, title) in zip(axes, panels):
    if "C" in title:  # a feature map: orange positive, purple negative, white at 0
        limit = edge_maps[0].abs().max()
        ax.imshow(picture, cmap="PuOr_r", vmin=-limit, vmax=limit)
    else:
        ax.imshow(picture, cmap="gray_r")
    ax.set(title=title, xticks=[], yticks=[])
    ax.axhline(13.5, color=PALETTE[2], linewidth=0.8)  # a fixed line to judge the move by
plt.show()

# %% [markdown]
# The MLP has no such property: its first layer is a different weighted sum for every position, so a
# moved digit is, to it, a different input. Section 10 measures what that costs.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 4. Padding, stride and the output size
#
# Two settings control where the kernel goes:
#
# * **Padding** $p$ adds $p$ rows and columns of zeros on every side. With $p = (k - 1)/2$ for an odd
#   kernel ("same" padding) the output keeps the input's size, and border pixels take part in more
#   outputs than without padding (still fewer than inner pixels).
# * **Stride** $s$ moves the kernel $s$ pixels at a time, so the output is about $s$ times smaller:
#   a cheap way to shrink feature maps.
#
# The padded input is $n + 2p$ wide; the kernel's first position starts at 0 and the last must
# start at most at $n + 2p - k$; positions are $s$ apart. Hence the **output size**
#
# $$n_\text{out} = \left\lfloor \frac{n + 2p - k}{s} \right\rfloor + 1 .$$

# %%
x = torch.randn(1, 1, 28, 28)
for kernel_size, stride, padding in [(5, 1, 0), (3, 1, 1), (5, 1, 2), (3, 2, 1), (4, 3, 0)]:
    out = F.conv2d(x, torch.randn(1, 1, kernel_size, kernel_size), stride=stride, padding=padding)
    formula = (28 + 2 * padding - kernel_size) // stride + 1
    print(f"k={kernel_size}, s={stride}, p={padding}: output {out.shape[-1]:2d}, formula {formula:2d}")
    assert out.shape[-1] == formula, "the formula is what F.conv2d does"

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Many channels in, many channels out
#
# A real layer takes $C_\text{in}$ input channels (3 for colour, 16 for the feature maps of a
# previous layer) and makes $C_\text{out}$ feature maps. Each output channel $o$ has its own kernel
# for *every* input channel, and sums over all of them:
#
# $$Y[n, o, i, j] = b_o + \sum_{c=0}^{C_\text{in}-1} \sum_{u, v} W[o, c, u, v]\;
#   X_\text{pad}[n, c,\, i s + u,\, j s + v].$$
#
# So a layer has $C_\text{out} (C_\text{in} k_h k_w + 1)$ parameters, however large the image.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 5. Pooling
#
# **Max-pooling** with a $k \times k$ window keeps the largest value of each non-overlapping window:
# the feature map gets $k$ times smaller in each direction, and there are no parameters. It keeps
# *whether* a feature was found in a region and forgets exactly *where*, so a feature that moves
# within its window gives the same output: a little **invariance** to small shifts, on top of the
# convolution's equivariance.

# %%
feature_map = torch.tensor([[1.0, 3.0, 0.0, 2.0],
                            [4.0, 2.0, 1.0, 5.0],
                            [0.0, 1.0, 7.0, 0.0],
                            [2.0, 6.0, 0.0, 3.0]])
pooled = F.max_pool2d(feature_map[None, None], kernel_size=2)[0, 0]
print("max-pooled:\n", pooled)
assert torch.equal(pooled, torch.tensor([[4.0, 5.0], [6.0, 7.0]])), "the maximum of each 2×2 block"
one_spot, moved_spot = torch.zeros(1, 1, 4, 4), torch.zeros(1, 1, 4, 4)
one_spot[..., 0, 0], moved_spot[..., 1, 1] = 1.0, 1.0  # a feature moved within its window
assert torch.equal(F.max_pool2d(one_spot, 2), F.max_pool2d(moved_spot, 2)), "pooling forgets where"

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Global average pooling and $1 \times 1$ convolutions
#
# Two extreme settings are common in modern networks:
#
# * **Global average pooling** averages each channel's whole feature map to one number:
#   $(N, C, H, W) \to (N, C)$, with no parameters and for any $H \times W$. A classifier then
#   needs only $C$ inputs instead of $C H W$. The residual stacks of section 12 end with it.
# * A **$1 \times 1$ convolution** looks at one pixel at a time and mixes the channels there:
#   $Y[n, o, i, j] = b_o + \sum_c W[o, c]\, X[n, c, i, j]$, the same linear layer applied at every
#   position, with $C_\text{out}(C_\text{in} + 1)$ parameters. ResNets use it to change the
#   number of channels cheaply.

# %%
stack = torch.randn(8, 32, 4, 4)  # e.g. the last feature maps of the CNN below
pooled_stack = nn.AdaptiveAvgPool2d(1)(stack).flatten(start_dim=1)  # (8, 32)
assert torch.allclose(pooled_stack, stack.mean(dim=(2, 3))), "one average per channel"
mix = nn.Conv2d(32, 10, kernel_size=1)  # 32 channels in, 10 out, at every pixel
per_pixel = torch.einsum("nchw,oc->nohw", stack, mix.weight[:, :, 0, 0]) + mix.bias[:, None, None]
assert torch.allclose(mix(stack), per_pixel, atol=1e-6), "a linear layer applied at every pixel"
print(f"global average pooling: {tuple(stack.shape)} -> {tuple(pooled_stack.shape)}, 0 parameters")
print(f"1×1 convolution: {tuple(stack.shape)} -> {tuple(mix(stack).shape)}, "
      f"{sum(p.numel() for p in mix.parameters())} = 10 · (32 + 1) parameters")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 6. A LeNet-style network
#
# LeNet-5 (LeCun et al., 1998) read handwritten digits with the pattern every CNN still follows:
# **convolution → non-linearity → pooling**, twice, then a classifier on the small feature maps.
# Early layers see small patches (edges); after each pooling, a $5 \times 5$ kernel covers a larger
# part of the digit (strokes, loops): each output of the second convolution below depends on a
# $14 \times 14$ patch of pixels, its **receptive field**. `course_utils.models.SmallCNN` is such a network, with two
# modern additions:
#
# * **batch normalisation** (`nn.BatchNorm2d`) standardises each channel over the batch, then scales
#   and shifts it with two learned numbers, which replace the convolution's bias (section 9 looks
#   at it closely);
# * **dropout** before the last layer, as in lecture 04.
#
# Let us follow a batch of digits through it.

# %%
untrained_cnn = SmallCNN(channels=(16, 32)).to(device)
h = mnist.X_train[:8].to(device)
print(f"{'input':>12s} -> {tuple(h.shape)}")
for module in [*untrained_cnn.features, *untrained_cnn.classifier]:
    h = module(h)
    print(f"{type(module).__name__:>12s} -> {tuple(h.shape)}")
assert h.shape == (8, 10), "one score (logit) per class"

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Where the parameters are
#
# The two convolutions have $16 \cdot 1 \cdot 5 \cdot 5 = 400$ and $32 \cdot 16 \cdot 5 \cdot 5 =
# 12{,}800$ weights. The last layer sees $32 \times 4 \times 4 = 512$ numbers. The model pools
# *before* batch norm and ReLU: max-pooling commutes with ReLU, so little changes, and the two
# layers after it have a quarter of the values to process. The model also stores its weights
# *channels-last*, a memory layout in which convolutions on a CPU run faster; the numbers are the same.

# %%
def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


for name, module in untrained_cnn.named_modules():
    if isinstance(module, (nn.Conv2d, nn.BatchNorm2d, nn.Linear)):
        print(f"{name:14s} {type(module).__name__:12s} {count_parameters(module):6,d} parameters")
print(f"{'total':27s} {count_parameters(untrained_cnn):6,d}")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 7. Data augmentation
#
# 4,000 training digits are few. **Data augmentation** makes more: it changes each training image
# in ways that keep its label (a slightly moved, rotated or scaled 3 is still a 3), freshly at every
# epoch, so the network never sees exactly the same image twice. `torchvision.transforms.v2` has the
# standard ones; `RandomAffine` moves, rotates and scales.

# %%
from torchvision.transforms import v2

augment = v2.RandomAffine(degrees=15, translate=(0.1, 0.1), scale=(0.85, 1.1))
originals = mnist.X_train[:8]
torch.manual_seed(seed)
augmented = torch.stack([augment(image) for image in originals])  # new random parameters per image
cheap = random_shift(originals, max_shift=2, generator=torch.Generator().manual_seed(seed))
fig, ax = plt.subplots(figsize=(8, 3.2))
show_images(torch.cat([originals, augmented, cheap]), nrow=8, ax=ax,
            title="top: originals · middle: RandomAffine · bottom: random_shift (±2 px)")
plt.show()
assert augmented.shape == cheap.shape == originals.shape, "augmentation keeps the image shape"

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Fast augmentation for training
#
# torchvision's transforms work one image at a time (called on a batch, `RandomAffine` would move
# all images the same way). For training we use `course_utils.models.random_shift`, which moves every
# image of a batch by its own random amount, up to ±2 pixels, in one tensor operation. The in-memory
# loader applies it to each training batch (`transform=`); the test images stay as they are.
#
# We train with AdamW (Adam with decoupled weight decay, a small pull of every weight towards 0) and
# the one-cycle schedule of lecture 04, 8 epochs of 128-image batches.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 8. Training the CNN, judged on a validation set
#
# Every choice in this lecture (augmentation or not, CNN or MLP, the learning rate, the number of
# epochs) is a choice made by looking at accuracies. Made on the test set, those choices would fit
# the test set a little, and its number would no longer say how the model does on new digits. So we
# hold out 20 % of the 4,000 training digits as a **validation set** to compare and tune on, and
# look at the **test set once**, at the end (section 13).

# %%
fitting = mnist.validation(0.2)  # X_train: 3,200 digits to train on; X_test: 800 to validate on
print(fitting)
X_val, y_val = fitting.X_test, fitting.y_test


def train_cnn(augment_batches: bool, n_epochs: int = 8, learning_rate: float = 0.03):
    """Train a fresh SmallCNN on the training part of `fitting`; returns the model and History."""
    seed_everything(seed)
    shifts = torch.Generator().manual_seed(seed)
    transform = (lambda images: random_shift(images, 2, shifts)) if augment_batches else None
    train_loader, val_loader = fitting.loaders(128, device=device, transform=transform, seed=seed)
    model = SmallCNN().to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=learning_rate, weight_decay=1e-4)
    schedule = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=learning_rate, total_steps=n_epochs * len(train_loader))
    history = fit(model, train_loader, nn.CrossEntropyLoss(), optimizer, n_epochs,
                  val_loader=val_loader, metrics=["accuracy"], scheduler=schedule)
    return model, history

# %% slideshow={"slide_type": "subslide"}
cnn, cnn_history = train_cnn(augment_batches=True)
cnn_accuracy = cnn_history.last("val_accuracy")
print(f"SmallCNN with ±2-pixel shifts: validation accuracy {cnn_accuracy:.1%}")
assert cnn_accuracy >= 0.97, f"expected ≥ 97 % validation accuracy, got {cnn_accuracy:.1%}"

# %% slideshow={"slide_type": "subslide"}
fig = cnn_history.plot()
fig.set_size_inches(10, 3.4)
plt.show()
assert cnn_history.last("loss") < cnn_history["loss"][0] / 5, "the training loss fell steeply"
assert cnn_history["val_accuracy"][0] > 0.8, "after one epoch, already above 80 % on validation"
assert cnn_history["accuracy"][0] < cnn_history["val_accuracy"][0], "epoch 1: training numbers lag"

# %% [markdown]
# After a single epoch the validation accuracy is already above 80 %. Early on the training
# accuracy lags behind: it averages over an epoch in which the network was still improving fast, on
# shifted images with dropout on, which are harder than the untouched validation images.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 9. Batch normalisation
#
# A batch-norm layer after a convolution treats each channel $c$ as one feature, measured at every
# position of every image in the batch: $m = N H W$ values. In **training mode** it standardises
# them with their own mean and variance, then applies a learned scale $\gamma_c$ and shift $\beta_c$:
#
# $$\mu_c = \frac{1}{m} \sum_{n, i, j} x_{n c i j}, \qquad
#   \sigma_c^2 = \frac{1}{m} \sum_{n, i, j} (x_{n c i j} - \mu_c)^2, \qquad
#   y_{n c i j} = \gamma_c\, \frac{x_{n c i j} - \mu_c}{\sqrt{\sigma_c^2 + \varepsilon}} + \beta_c .$$
#
# ($\varepsilon = 10^{-5}$ keeps the division safe.) Whatever the previous layer does to the scale
# of its outputs, the next layer sees numbers of a scale that $\gamma$ and $\beta$ choose.

# %%
norm = nn.BatchNorm2d(3)  # gamma = 1, beta = 0 at the start; momentum = 0.1
batch = 5.0 + 2.0 * torch.randn(16, 3, 8, 8)  # every channel: mean ≈ 5, std ≈ 2
out = norm(batch)  # a fresh module is in training mode
print("per-channel mean", out.mean(dim=(0, 2, 3)).detach(), "std", out.std(dim=(0, 2, 3)).detach())
assert torch.allclose(out.mean(dim=(0, 2, 3)), torch.zeros(3), atol=1e-5), "mean 0 per channel"
assert torch.allclose(out.var(dim=(0, 2, 3), unbiased=False), torch.ones(3), atol=1e-3), "var 1"
print("running mean after one batch:", norm.running_mean)
assert torch.allclose(norm.running_mean, 0.1 * batch.mean(dim=(0, 2, 3))), "10 % of the way from 0"

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Running statistics and `model.eval()`
#
# A prediction should not depend on which other images share its batch, and at test time there may
# be a batch of one. So during training the layer also keeps **running averages** of the batch
# statistics, $\hat\mu_c \leftarrow (1 - 0.1)\, \hat\mu_c + 0.1\, \mu_c$ (and the same for the variance),
# and in **evaluation mode** it normalises with those instead: a fixed per-channel affine map.
#
# `model.train()` and `model.eval()` switch every batch-norm (and dropout) layer of a model; `fit`
# trains in training mode and `evaluate` predicts in evaluation mode. Forgetting `model.eval()`
# before predicting is the classic bug: each digit below, sent alone, is then normalised by its own
# statistics (and dropout is on), and every call moves the running statistics too, so we try it on
# a copy.

# %%
careless = copy.deepcopy(cnn).train()  # a copy: training mode would change cnn's running statistics
digits, labels = X_val[:200].to(device), y_val[:200].to(device)
with torch.no_grad():
    one_by_one = torch.cat([careless(digit_alone[None]) for digit_alone in digits])
    evaluated = cnn.eval()(digits)
    alone_in_eval = torch.cat([cnn(digit_alone[None]) for digit_alone in digits[:20]])
train_mode_accuracy = (one_by_one.argmax(dim=1) == labels).float().mean().item()
eval_mode_accuracy = (evaluated.argmax(dim=1) == labels).float().mean().item()
print(f"one digit per batch, training mode: {train_mode_accuracy:.1%}; "
      f"evaluation mode: {eval_mode_accuracy:.1%}")
assert torch.allclose(alone_in_eval, evaluated[:20], atol=1e-4), "eval mode: the batch is irrelevant"
assert train_mode_accuracy < eval_mode_accuracy - 0.05, "forgetting model.eval() costs predictions"

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### What batch norm buys: faster training, at small and large learning rates
#
# Without normalisation, the scale of each layer's outputs depends on every weight before it, and
# one step changes all of them; with it, the next layer always sees standardised numbers, and the
# gradient step can be larger without upsetting it. We train SmallCNN with and without its two
# batch-norm layers, with plain SGD for 100 steps, at a modest and at a 10 times larger rate.

# %%
def sgd_losses(model: nn.Module, learning_rate: float, n_steps: int = 100) -> list[float]:
    """Training losses of `n_steps` plain SGD steps on random batches of 64 training digits."""
    model = model.to(device).train()
    optimizer = torch.optim.SGD(model.parameters(), lr=learning_rate)
    picks = torch.Generator().manual_seed(seed)
    X, y = fitting.X_train.to(device), fitting.y_train.to(device)
    losses = []
    for _ in range(n_steps):
        batch_index = torch.randint(0, len(X), (64,), generator=picks).to(device)
        loss = F.cross_entropy(model(X[batch_index]), y[batch_index])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.detach())
    return torch.stack(losses).cpu().tolist()


def without_batch_norm() -> SmallCNN:
    model = SmallCNN()
    model.features[2], model.features[6] = nn.Identity(), nn.Identity()  # the two BatchNorm2d
    return model

# %%
bn_curves = {}
for learning_rate in (0.05, 0.5):
    for name, make in [("batch norm", SmallCNN), ("no batch norm", without_batch_norm)]:
        seed_everything(seed)
        bn_curves[f"{name}, lr={learning_rate}"] = sgd_losses(make(), learning_rate)
ax = plot_curves({name: np.convolve(curve, np.ones(10) / 10, "valid")
                  for name, curve in bn_curves.items()},
                 xlabel="SGD step", ylabel="training loss (mean of 10 steps)", logy=True,
                 title="SmallCNN with and without batch norm")
ax.figure.set_size_inches(7, 3.6)
plt.show()
final = {name: float(np.mean(curve[-10:])) for name, curve in bn_curves.items()}
print({name: round(value, 3) for name, value in final.items()})

# %%
for rate in ("0.05", "0.5"):
    assert final[f"batch norm, lr={rate}"] < final[f"no batch norm, lr={rate}"] / 2, (
        f"at lr={rate}, batch norm at least halves the loss after 100 steps")
assert final["batch norm, lr=0.05"] < final["no batch norm, lr=0.5"], "even at a 10× smaller rate"

# %% [markdown]
# At either rate the network with batch norm ends 100 steps with less than half the loss of the one
# without, and with batch norm even the small rate beats the large rate without it. The one-cycle
# schedule of section 8 uses that freedom: it climbs to a learning rate of 0.03 with AdamW, large
# for Adam. (Try `lr=1.0` or `2.0` in the cell above and watch what each network does.)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 10. CNN against MLP
#
# We train lecture 04's final MLP here, on the same 3,200 digits: 784 standardised pixels, 512
# ReLUs, dropout of 20 % and 50 %, Adam with a one-cycle schedule, 15 epochs. The CNN above had
# more help: shifted digits, batch norm, AdamW. To see how much of its lead is the architecture we
# also train it **without** the shifts; the table lists every difference.

# %%
pixel_mean, pixel_std = fitting.X_train.mean(), fitting.X_train.std()


def mlp_inputs(images: torch.Tensor) -> torch.Tensor:
    """The MLP's view of images: standardised pixels in one row of 784."""
    return ((images - pixel_mean) / pixel_std).flatten(start_dim=1)


flat = replace(fitting, X_train=mlp_inputs(fitting.X_train), X_test=mlp_inputs(X_val))
flat_train_loader, flat_val_loader = flat.loaders(batch_size=64, device=device, seed=seed)
seed_everything(seed)
mlp = nn.Sequential(nn.Dropout(0.2), nn.Linear(784, 512), nn.ReLU(), nn.Dropout(0.5),
                    nn.Linear(512, 10)).to(device)
n_epochs = 15
optimizer = torch.optim.Adam(mlp.parameters(), lr=2e-3)
schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=2e-3,
                                               total_steps=n_epochs * len(flat_train_loader))
mlp_history = fit(mlp, flat_train_loader, nn.CrossEntropyLoss(), optimizer, n_epochs,
                  val_loader=flat_val_loader, metrics=["accuracy"], scheduler=schedule)
mlp_accuracy = mlp_history.last("val_accuracy")
cnn_unaugmented, unaugmented_history = train_cnn(augment_batches=False)
unaugmented_accuracy = unaugmented_history.last("val_accuracy")

# %% slideshow={"slide_type": "subslide"}
rows = [("MLP of lecture 04", mlp, "none", "no", "Adam", 15, mlp_accuracy),
        ("SmallCNN", cnn_unaugmented, "none", "yes", "AdamW", 8, unaugmented_accuracy),
        ("SmallCNN", cnn, "±2-px shifts", "yes", "AdamW", 8, cnn_accuracy)]
print(f"{'model':18s} {'parameters':>10s} {'augmentation':>13s} {'batch norm':>10s} "
      f"{'optimiser':>9s} {'epochs':>6s} {'val. accuracy':>13s}")
for name, model, augmentation, batch_norm, optimiser, epochs, accuracy in rows:
    print(f"{name:18s} {count_parameters(model):10,d} {augmentation:>13s} {batch_norm:>10s} "
          f"{optimiser:>9s} {epochs:6d} {accuracy:13.1%}")
assert count_parameters(cnn) * 20 < count_parameters(mlp), "the CNN has > 20× fewer parameters"
assert 1 - unaugmented_accuracy < 1 - mlp_accuracy, "without shifts, the CNN still wins"
assert 1 - cnn_accuracy < (1 - mlp_accuracy) / 2, "with them, it makes under half the mistakes"


# %% [markdown]
# With twenty times fewer parameters and no augmentation, the CNN already makes fewer mistakes than
# the MLP; with shifted digits, less than half as many. (Batch norm and AdamW mostly make it train
# faster; both networks use dropout and a one-cycle schedule.) The parameters the CNN does not have
# are the ones that would let it treat every position differently: what it knows about images
# (locality, weight sharing) is built into its structure instead of learned from 3,200 examples.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Moved digits
#
# Our digits are centred, in training and validation alike. What if they are not? We move every
# validation digit by 0 to 4 pixels (up, down, left and right, averaging the four) and measure again.

# %%
def accuracy_when_moved(model, distance, inputs=lambda images: images) -> float:
    """Validation accuracy with every digit moved `distance` pixels, averaged over 4 directions."""
    moves = [(distance, 0), (-distance, 0), (0, distance), (0, -distance)]
    scores = []
    for move in moves:
        moved = InMemoryLoader(inputs(shift(X_val, *move)), y_val, 1000, device=device)
        scores.append(evaluate(model, moved)["accuracy"])
    return float(np.mean(scores))

# %% slideshow={"slide_type": "subslide"}
distances = range(5)
robustness = {
    "MLP": [accuracy_when_moved(mlp, d, mlp_inputs) for d in distances],
    "CNN, no augmentation": [accuracy_when_moved(cnn_unaugmented, d) for d in distances],
    "CNN, ±2-pixel shifts": [accuracy_when_moved(cnn, d) for d in distances],
}
fig, ax = plt.subplots(figsize=(6, 3.6))
for color, (name, accuracies) in zip(PALETTE, robustness.items()):
    ax.plot(list(distances), accuracies, "o-", color=color, label=name)
ax.set(xlabel="validation digits moved by (pixels)", ylabel="validation accuracy",
       title="Accuracy on moved digits", xticks=list(distances))
ax.legend()
plt.show()

# %%
at_3 = {name: accuracies[3] for name, accuracies in robustness.items()}
print("moved by 3 pixels:", {name: f"{value:.1%}" for name, value in at_3.items()})
assert at_3["CNN, no augmentation"] > at_3["MLP"] + 0.15, "the architecture alone helps a lot"
assert at_3["CNN, ±2-pixel shifts"] > at_3["CNN, no augmentation"] + 0.05, "augmentation adds more"
assert at_3["CNN, ±2-pixel shifts"] > 0.9, "the augmented CNN barely notices a 3-pixel move"

# %% [markdown]
# Three pixels is a small move for a person, and a disaster for the MLP. The unaugmented CNN holds
# up much better: its convolutions are equivariant and its pooling a little invariant, so the
# features move along with the digit, and only the last layer, which sees a $4 \times 4$ grid of
# positions, must cope with the move. Training on shifted digits teaches that last layer too.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 11. What the network learned
#
# The first layer's 16 kernels are $5 \times 5$ images themselves (orange weights positive, purple
# negative). Did the network learn edge detectors like the Sobel kernel of section 2? One number
# helps to judge: the correlation of each weight with its right and lower neighbours. Independent
# random weights score about 0; the Sobel pair, a designed edge detector, scores 0.64. We draw the
# kernels sorted by their own score, smoothest first.

# %%
def neighbour_correlation(kernels: torch.Tensor) -> float:
    """Correlation between each weight of kernels (K, h, w) and its right and lower neighbours."""
    centred = kernels - kernels.mean(dim=(1, 2), keepdim=True)
    pairs = [(centred[:, :, 1:], centred[:, :, :-1]), (centred[:, 1:], centred[:, :-1])]
    here = torch.cat([a.flatten() for a, _ in pairs])
    neighbour = torch.cat([b.flatten() for _, b in pairs])
    return torch.corrcoef(torch.stack([here, neighbour]))[0, 1].item()


filters = cnn.features[0].weight.detach().cpu()[:, 0]  # (16, 5, 5)
scores = torch.tensor([neighbour_correlation(f[None]) for f in filters])
limit = filters.abs().max()
fig, axes = plt.subplots(2, 8, figsize=(8, 2.6))
for ax, index in zip(axes.flat, scores.argsort(descending=True)):
    shown = ax.imshow(filters[index], cmap="PuOr_r", vmin=-limit, vmax=limit)
    ax.set(xticks=[], yticks=[], title=f"{scores[index]:.2f}")
    ax.title.set_fontsize(8)
fig.suptitle("The 16 learned 5×5 kernels of the first layer, by neighbour correlation")
fig.colorbar(shown, ax=axes, shrink=0.8, label="weight (orange > 0, purple < 0)")
plt.show()

# %%
learned = neighbour_correlation(filters)
at_start = neighbour_correlation(untrained_cnn.features[0].weight.detach().cpu()[:, 0])
sobel = neighbour_correlation(edge_kernels[:, 0])
print(f"neighbour correlation: {at_start:.2f} at the start, {learned:.2f} after training, "
      f"{sobel:.2f} for the Sobel pair; per kernel from {scores.min():.2f} to {scores.max():.2f}")
assert learned > at_start + 0.2, "training gave the kernels some spatial structure"
assert learned < sobel, "but as a whole they are rougher than a designed edge detector"

# %% [markdown]
# Honestly: even the smoothest few show at best a patchy light region next to a dark one, a rough
# edge or stroke at some angle; most of the others look like noise with a faint pattern. Their neighbour correlation,
# clearly above the 0 of random weights but below the Sobel pair's, says the same. Trained on 3,200
# small digits for 8 epochs, the first layer has only partly organised, and it did not need to:
# the layers after it and the batch norm between compensate. Networks trained on millions of
# natural images do end up with clean edge and colour detectors in their first layer.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Feature maps
#
# Applied to one validation digit, each kernel gives one $24 \times 24$ feature map (shown after batch
# norm and ReLU but before pooling; the next layer sees them max-pooled to $12 \times 12$). Different
# maps light up on different parts of the strokes, which says more than the kernels' looks.

# %%
first_stage = nn.Sequential(cnn.features[0], cnn.features[2], cnn.features[3])  # conv, norm, ReLU
cnn.eval()
with torch.no_grad():
    maps = first_stage(X_val[:1].to(device))[0].cpu()  # (16, 24, 24), without pooling
fig, axes = plt.subplots(1, 2, figsize=(10, 3), width_ratios=[1, 4])
axes[0].imshow(X_val[0, 0], cmap="gray_r")
axes[0].set(title=f"validation digit ({y_val[0].item()})", xticks=[], yticks=[])
show_images(maps[:, None], nrow=8, ax=axes[1], title="its 16 feature maps after the first layer")
plt.show()
assert maps.shape == (16, 24, 24) and (maps >= 0).all(), "16 maps of 24×24, non-negative after ReLU"

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 12. Residual connections
#
# Deeper networks can learn more levels of features, but the gradient reaching the first layer is a
# product of one factor per layer (the chain rule of lecture 04). If those factors are a bit below 1,
# a product of 40 of them is tiny: the first layers hardly learn (**vanishing gradients**).
#
# A **residual block** (He et al., 2016) computes a correction $F(x)$ and *adds* it to its input:
#
# $$y = \operatorname{ReLU}\big(x + F(x)\big), \qquad
#   \frac{\partial (x + F(x))}{\partial x} = I + \frac{\partial F}{\partial x} .$$
#
# The identity $I$ is a path along which the gradient flows back **unchanged** (apart from the ReLU
# after the sum), however small $\partial F / \partial x$ is. A block that has nothing useful to add can learn $F \approx 0$ and
# pass its input on.

# %%
class ConvBlock(nn.Module):
    """Two 3×3 convolutions with a ReLU between; with `residual=True`, the input is added back."""

    def __init__(self, channels: int, residual: bool):
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, kernel_size=3, padding=1)
        self.conv2 = nn.Conv2d(channels, channels, kernel_size=3, padding=1)
        self.residual = residual

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        correction = self.conv2(F.relu(self.conv1(x)))  # F(x): same shape as x ("same" padding)
        return F.relu(x + correction) if self.residual else F.relu(correction)

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Measuring the gradient at every depth
#
# Stacks of 20 blocks (41 convolutions, no batch norm), identical except for the skip connections,
# ending in global average pooling and a linear layer. One backward pass on 64 digits; we record
# the size (norm) of the gradient of each block's first kernel. The initialisation matters as much
# as the skips (lecture 04), so we try the plain stack twice: with PyTorch's default initialisation,
# whose weights are too small for ReLU, and with He initialisation.

# %%
def deep_stack(n_blocks: int, residual: bool, channels: int = 8) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(1, channels, kernel_size=3, padding=1),
                         *[ConvBlock(channels, residual) for _ in range(n_blocks)],
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(channels, 10)).to(device)


def he_init(model: nn.Module) -> nn.Module:
    """He (Kaiming) initialisation of every convolution and linear layer, biases at 0."""
    for module in model.modules():
        if isinstance(module, (nn.Conv2d, nn.Linear)):
            nn.init.kaiming_normal_(module.weight, nonlinearity="relu")
            nn.init.zeros_(module.bias)
    return model


def gradient_norms(model: nn.Sequential) -> list[float]:
    images, labels = fitting.X_train[:64].to(device), fitting.y_train[:64].to(device)
    F.cross_entropy(model(images), labels).backward()
    return [block.conv1.weight.grad.norm().item() for block in model if isinstance(block, ConvBlock)]


seed_everything(seed)
norms = {"plain, default init": gradient_norms(deep_stack(20, residual=False)),
         "plain, He init": gradient_norms(he_init(deep_stack(20, residual=False))),
         "residual, default init": gradient_norms(deep_stack(20, residual=True))}

# %% slideshow={"slide_type": "subslide"}
ax = plot_curves(norms, xlabel="block (1 = nearest the input)", ylabel="gradient norm of first kernel",
                 title="Gradient reaching each block, 20-block stacks at initialisation", logy=True)
ax.figure.set_size_inches(7, 3.6)
ax.set_xticks(range(1, 21))
plt.show()
ratio = {name: values[0] / values[-1] for name, values in norms.items()}
print("first block / last block:", {name: f"{value:.1e}" for name, value in ratio.items()})
assert ratio["plain, default init"] < 1e-10, "default init: the plain stack's gradient vanishes"
assert 0.1 < ratio["plain, He init"] < 10, "He init: it arrives at the first block, no skips needed"
assert ratio["residual, default init"] > 0.05, "skips: it arrives even with the default init"

# %% [markdown]
# With the default initialisation, every block of the plain stack shrinks the gradient by a roughly
# constant factor, and the first block gets one more than $10^{10}$ times smaller than the last
# one's. But that
# measures the initialisation: with He initialisation the same plain stack passes the gradient back
# at full size. The residual stack does so even with the small default weights, because its identity
# path does not depend on them. So at the start of training, skips are one way (good initialisation
# and batch norm are others) to keep the gradient alive. What do they buy beyond that?

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### What residual connections buy: deep networks that train
#
# He et al. found that a deep plain network, even well initialised and with batch norm, trains
# *worse* than a shallower one, although it could copy the shallower one and set the extra layers to
# identities: stacks of ReLU layers find identities hard to learn, and a residual block gets one for
# free ($F = 0$). To see it within seconds, we use the same blocks with linear layers in place of
# convolutions, on digits shrunk to $14 \times 14$ (196 numbers), 32 units wide, and train each
# network for 300 Adam steps: one block, and 20 blocks (41 layers) plain with He init or residual.

# %%
class DenseBlock(nn.Module):
    """ConvBlock with linear layers: ReLU(x + F(x)) with residual=True, else ReLU(F(x))."""

    def __init__(self, width: int, residual: bool):
        super().__init__()
        self.linear1, self.linear2 = nn.Linear(width, width), nn.Linear(width, width)
        self.residual = residual

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        correction = self.linear2(F.relu(self.linear1(x)))
        return F.relu(x + correction) if self.residual else F.relu(correction)


def dense_stack(n_blocks: int, residual: bool, width: int = 32) -> nn.Sequential:
    return nn.Sequential(nn.Linear(196, width), nn.ReLU(),
                         *[DenseBlock(width, residual) for _ in range(n_blocks)],
                         nn.Linear(width, 10)).to(device)

# %%
small_digits = F.avg_pool2d(fitting.X_train, 2).flatten(start_dim=1)  # (3,200, 196)
small_digits = ((small_digits - small_digits.mean()) / small_digits.std()).to(device)
small_labels = fitting.y_train.to(device)


def adam_losses(model: nn.Module, n_steps: int = 300) -> list[float]:
    """Training loss on all 3,200 small digits, every 10 of `n_steps` Adam steps on batches of 64."""
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    picks = torch.Generator().manual_seed(seed)
    losses = []
    for step in range(n_steps + 1):
        if step % 10 == 0:
            with torch.no_grad():
                losses.append(F.cross_entropy(model(small_digits), small_labels))
        if step < n_steps:
            batch_index = torch.randint(0, len(small_labels), (64,), generator=picks).to(device)
            loss = F.cross_entropy(model(small_digits[batch_index]), small_labels[batch_index])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return torch.stack(losses).cpu().tolist()

# %% slideshow={"slide_type": "subslide"}
depth_curves = {}
for name, n_blocks, residual in [("1 block, plain (He)", 1, False),
                                 ("20 blocks, plain (He)", 20, False),
                                 ("20 blocks, residual", 20, True)]:
    seed_everything(seed)
    model = dense_stack(n_blocks, residual)
    depth_curves[name] = adam_losses(he_init(model) if not residual else model)
ax = plot_curves(depth_curves, xlabel="Adam step", ylabel="training loss", logy=True, start=0,
                 title="Deeper plain networks train worse; residual ones do not")
ax.figure.set_size_inches(7, 3.6)
ax.set_xticks(range(0, 31, 5), [str(10 * tick) for tick in range(0, 31, 5)])
plt.show()
end = {name: curve[-1] for name, curve in depth_curves.items()}
print("training loss after 300 steps:", {name: round(value, 3) for name, value in end.items()})
assert end["20 blocks, plain (He)"] > 2 * end["1 block, plain (He)"], "depth hurts the plain net"
assert end["20 blocks, plain (He)"] > 2 * end["20 blocks, residual"], "the same depth with skips"
assert end["20 blocks, residual"] < 1.5 * end["1 block, plain (He)"], "trains like the shallow one"

# %% [markdown]
# Twenty plain blocks train far slower than one, although their gradients at the start are of a
# healthy size; twenty residual blocks train about as fast as one block. The residual network starts
# close to a shallow network (each block adds a small correction) and can use its depth where that
# helps; the plain one must first learn to pass information through 41 layers. ResNets combine skip
# connections with good initialisation and batch norm, and train networks of 100+ layers.
#
# (The residual stack keeps PyTorch's default initialisation: with He initialisation every block
# would *add* a full-size correction, doubling the variance 20 times over.)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 13. The test set, once
#
# All choices are made: the CNN with shifted digits, batch norm and AdamW, 8 epochs. Now, and only
# now, we measure it on the 1,000 test digits that no decision looked at. This is the number to
# report; had we gone back to change the model after seeing it, it would be a validation number too.

# %%
test_loader = InMemoryLoader(mnist.X_test, mnist.y_test, 1000, device=device)
test_accuracy = evaluate(cnn, test_loader)["accuracy"]
print(f"SmallCNN, ±2-pixel shifts: validation {cnn_accuracy:.1%}, test {test_accuracy:.1%}")
assert test_accuracy >= 0.975, f"expected ≥ 97.5 % test accuracy, got {test_accuracy:.1%}"

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 14. Exercises
#
# Four functions to write, each checked against PyTorch on cases you have not seen, then one
# experiment to run and explain in words.

# %% [markdown]
# ### Exercise 1: the output size
#
# Write the formula of section 4 as a function. The check tries sizes, kernels, strides and paddings it has not
# shown you, including strides that do not divide $n + 2p - k$ evenly.

# %% tags=["exercise"]
def conv_output_size(size: int, kernel_size: int, stride: int = 1, padding: int = 0) -> int:
    """Number of positions of a `kernel_size` window on `size` pixels padded by `padding`."""
    ### BEGIN SOLUTION
    return (size + 2 * padding - kernel_size) // stride + 1
    ### END SOLUTION


# %% tags=["check"]
check.conv_output_size(conv_output_size)

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise 2: `conv2d` by hand
#
# Write `conv2d` (section 4's formula with many channels) for batches, many channels, stride and padding. One way: pad with `F.pad`, then add
# up $k_h k_w$ terms, one per kernel offset $(u, v)$: the input slice starting at $(u, v)$ taken
# every `stride` pixels (shape `(N, C_in, H_out, W_out)`), times `weight[:, :, u, v]`, summed over
# `C_in` (`torch.einsum("nchw,oc->nohw", ...)` does that). The check compares with `F.conv2d` on
# random shapes, strides and paddings.

# %% tags=["exercise"]
def conv2d(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None = None,
           stride: int = 1, padding: int = 0) -> torch.Tensor:
    """Cross-correlate x (N, C_in, H, W) with weight (C_out, C_in, k_h, k_w) like F.conv2d."""
    ### BEGIN SOLUTION
    x = F.pad(x, (padding, padding, padding, padding))
    k_h, k_w = weight.shape[-2:]
    out_h = (x.shape[2] - k_h) // stride + 1
    out_w = (x.shape[3] - k_w) // stride + 1
    out = torch.zeros(x.shape[0], weight.shape[0], out_h, out_w, dtype=x.dtype, device=x.device)
    for u in range(k_h):
        for v in range(k_w):
            patch = x[:, :, u : u + stride * (out_h - 1) + 1 : stride,
                      v : v + stride * (out_w - 1) + 1 : stride]
            out += torch.einsum("nchw,oc->nohw", patch, weight[:, :, u, v])
    if bias is not None:
        out += bias[None, :, None, None]
    return out
    ### END SOLUTION


# %% tags=["check"]
check.conv2d(conv2d)

# %% [markdown]
# ### Exercise 3: max-pooling by hand
#
# Write `max_pool2d(x, kernel_size)` for `x` of shape `(N, C, H, W)`, with the stride equal to the
# kernel size as in `nn.MaxPool2d(k)`. When $H$ or $W$ is not a multiple of $k$, the rows and columns
# that do not fill a window are dropped. Hint: crop, then `reshape` to `(N, C, H/k, k, W/k, k)` and
# take `amax` over the two window axes.

# %% tags=["exercise"]
def max_pool2d(x: torch.Tensor, kernel_size: int) -> torch.Tensor:
    """The maximum of every non-overlapping kernel_size × kernel_size window of x (N, C, H, W)."""
    ### BEGIN SOLUTION
    k = kernel_size
    n, c, h, w = x.shape
    cropped = x[:, :, : h // k * k, : w // k * k]
    return cropped.reshape(n, c, h // k, k, w // k, k).amax(dim=(3, 5))
    ### END SOLUTION


# %% tags=["check"]
check.max_pool2d(max_pool2d)

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise 4: batch norm by hand, in both modes
#
# Write `batch_norm2d` to do what `nn.BatchNorm2d` does to `x` of shape `(N, C, H, W)` (section 9),
# as a function: it returns `(y, new_running_mean, new_running_var)` and changes none of its inputs.
#
# * `training=True`: normalise each channel with this batch's mean and variance, then scale by
#   `gamma` and shift by `beta`; move the running statistics a step of size `momentum` towards the
#   batch's. One detail is PyTorch's choice: `running_var` stores the *unbiased* variance (divided
#   by $m - 1$), while the normalisation divides by $m$.
# * `training=False`: normalise with the running statistics and return them unchanged.
#
# `F.batch_norm` and `nn.BatchNorm2d` are off limits. The check uses large `eps` values and small
# batches, so where `eps` goes and what you divide by both show.

# %% tags=["exercise"]
def batch_norm2d(x: torch.Tensor, gamma: torch.Tensor, beta: torch.Tensor,
                 running_mean: torch.Tensor, running_var: torch.Tensor, training: bool,
                 momentum: float = 0.1, eps: float = 1e-5):
    """Batch norm of x (N, C, H, W) like nn.BatchNorm2d; returns (y, running_mean, running_var)."""
    ### BEGIN SOLUTION
    if training:
        mean = x.mean(dim=(0, 2, 3))
        var = x.var(dim=(0, 2, 3), unbiased=False)
        m = x.numel() // x.shape[1]  # values per channel
        running_mean = (1 - momentum) * running_mean + momentum * mean
        running_var = (1 - momentum) * running_var + momentum * var * m / (m - 1)
    else:
        mean, var = running_mean, running_var
    x_hat = (x - mean[None, :, None, None]) / torch.sqrt(var[None, :, None, None] + eps)
    y = gamma[None, :, None, None] * x_hat + beta[None, :, None, None]
    return y, running_mean, running_var
    ### END SOLUTION


# %% tags=["check"]
check.batch_norm2d(batch_norm2d)

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Experiment: how deep can a plain network go?
#
# The cell below trains the plain (He-initialised) and the residual dense stack of section 12 at one
# depth, as before. Try `n_blocks` = 2, 5, 10 and 40. From which depth does the plain network train
# clearly worse than the one-block network (training loss about 0.25 after 300 steps)? Does the
# residual one? Then give the residual stack He initialisation too (`he_init(dense_stack(...))`):
# what happens, and why?

# %%
n_blocks = 5
experiment = {}
for name, residual in [("plain (He)", False), ("residual", True)]:
    seed_everything(seed)
    model = dense_stack(n_blocks, residual)
    experiment[name] = adam_losses(he_init(model) if not residual else model)[-1]
print(f"{n_blocks} blocks, training loss after 300 steps:",
      {name: round(value, 3) for name, value in experiment.items()})

# %% [markdown] tags=["answer"]
# ### BEGIN SOLUTION
# The plain stack falls behind as soon as it gets deeper. With the default seed, its training loss
# after 300 steps is about 0.33 at 2 blocks, 0.37 at 5, 0.68 at 10, 1.1 at 20 and 1.6 at 40,
# against 0.26 for one block. Its gradients at the start are of a healthy size (He
# initialisation), so this is not a vanishing gradient: a deep stack of ReLU layers is hard to
# adjust, and it cannot easily pass its input through unchanged. The residual stack ends between
# 0.19 and 0.26 at every depth, as good as one block or a little better, because each block starts
# as a small correction to an identity map and the depth is there to use when it helps.
#
# With He initialisation the residual stack breaks (at 20 blocks its loss stays near 2, close to
# guessing, ln 10 ≈ 2.3): each block now adds a correction about as large as its input, so the
# variance of the signal roughly doubles per block, and after 20 blocks the outputs are enormous.
# Residual networks need their branches to start small: PyTorch's default weights do that here;
# ResNets put batch norm in the branch and often set its last scale to zero at the start, so that
# every block begins as the identity.
# ### END SOLUTION

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Summary
#
# * A **convolution** slides one small kernel over the image: **locality** (each output sees a small
#   patch) and **weight sharing** (the same kernel everywhere). Deep learning's "convolution" is a
#   cross-correlation (no flip); we wrote it with loops and checked it against `F.conv2d`.
# * Convolutions are **translation equivariant**: moving the input moves the feature map, $C(SX) =
#   S\,C(X)$. **Max-pooling** adds a little invariance and shrinks the maps.
# * **Padding** and **stride** set the output size $\lfloor (n + 2p - k)/s \rfloor + 1$; a layer has
#   $C_\text{out}(C_\text{in} k_h k_w + 1)$ parameters whatever the image size. **Global average
#   pooling** turns each map into one number; a **$1 \times 1$ convolution** is a linear layer at
#   every pixel.
# * **Batch norm** standardises each channel with the batch's statistics in training and with
#   running averages in evaluation: call `model.eval()` before predicting. It made training faster.
# * Choices were made on a **validation set**; the **test set** was used once, at the end: a
#   LeNet-style CNN with batch norm, a one-cycle schedule and ±2-pixel shifts reached ≥ 97.5 % with
#   over 20× fewer parameters than lecture 04's MLP, which it beat even without augmentation, and it
#   kept its accuracy on moved digits where the MLP collapsed. **Data augmentation** (torchvision
#   transforms, or cheap batch shifts) teaches what the architecture does not.
# * The first layer's kernels are only partly organised (a few edge-like, many noisy); the
#   feature maps show where each one fires.
# * **Residual connections** add an identity path, $\partial (x + F(x)) / \partial x = I +
#   \partial F / \partial x$. A vanishing gradient at initialisation is fixed by He initialisation
#   as well; what skips buy beyond it is depth that trains: 20 plain blocks trained far worse than
#   one, 20 residual blocks as well as one.
#
# **Next:** [Lecture 06 — recurrent neural networks](06_rnn.ipynb): weight sharing again, this time
# across the steps of a sequence instead of across the positions of an image.
