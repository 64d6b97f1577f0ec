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
# 3. **padding**, **stride** and the output-size formula; **pooling**;
# 4. a LeNet-style network on MNIST-5k, with **data augmentation**, against the MLP of lecture 04;
# 5. what the network learned: its filters and feature maps;
# 6. **residual connections**, and why they let gradients reach the first layers of deep networks.

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
digit = mnist.X_test[0, 0]  # one 28×28 digit
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
# sign says on which side the ink is. A CNN *learns* its kernels, but the first layer often ends up
# with edge detectors much like these (section 10).

# %%
edge_kernels = torch.stack([kernel, kernel.T])[:, None]  # (2, 1, 3, 3): vertical, horizontal
edge_maps = F.conv2d(digit[None, None], edge_kernels, padding=1)[0]  # (2, 28, 28)
fig, axes = plt.subplots(1, 3, figsize=(8, 2.8))
axes[0].imshow(digit, cmap="gray_r")
axes[0].set_title("digit")
for ax, edge_map, name in zip(axes[1:], edge_maps, ["vertical", "horizontal"]):
    limit = edge_map.abs().max()
    shown = ax.imshow(edge_map, cmap="PuOr", vmin=-limit, vmax=limit)
    ax.set_title(f"{name} edges")
for ax in axes:
    ax.set(xticks=[], yticks=[])
fig.colorbar(shown, ax=axes, shrink=0.8, label="kernel response")
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
    if "C" in title:  # a feature map: diverging colours, white at 0
        limit = edge_maps[0].abs().max()
        ax.imshow(picture, cmap="PuOr", vmin=-limit, vmax=limit)
    else:
        ax.imshow(picture, cmap="gray_r")
    ax.set(title=title, xticks=[], yticks=[])
    ax.axhline(13.5, color=PALETTE[2], linewidth=0.8)  # a fixed line to judge the move by
plt.show()

# %% [markdown]
# The MLP has no such property: its first layer is a different weighted sum for every position, so a
# moved digit is, to it, a different input. Section 9 measures what that costs.

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
# ### Exercise 1: the output size
#
# Write the formula as a function. The check tries sizes, kernels, strides and paddings it has not
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

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise 2: `conv2d` by hand
#
# Write `conv2d` for batches, many channels, stride and padding. One way: pad with `F.pad`, then add
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
#   and shifts it with two learned numbers; it makes training faster and less sensitive to the
#   learning rate, and replaces the convolution's bias;
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
# We train with AdamW (Adam with decoupled weight decay) and the one-cycle schedule of lecture 04,
# 8 epochs of 128-image batches.

# %%
def train_cnn(augment_batches: bool, n_epochs: int = 8, learning_rate: float = 0.03):
    """Train a fresh SmallCNN on MNIST-5k; returns the model and its History."""
    seed_everything(seed)
    shifts = torch.Generator().manual_seed(seed)
    transform = (lambda images: random_shift(images, 2, shifts)) if augment_batches else None
    train_loader, test_loader = mnist.loaders(128, device=device, transform=transform, seed=seed)
    model = SmallCNN().to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=learning_rate, weight_decay=1e-4)
    schedule = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=learning_rate, total_steps=n_epochs * len(train_loader))
    history = fit(model, train_loader, nn.CrossEntropyLoss(), optimizer, n_epochs,
                  val_loader=test_loader, metrics=["accuracy"], scheduler=schedule)
    return model, history

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 8. Training the CNN

# %%
cnn, cnn_history = train_cnn(augment_batches=True)
cnn_accuracy = cnn_history.last("val_accuracy")
print(f"SmallCNN with ±2-pixel shifts: test accuracy {cnn_accuracy:.1%}")
assert cnn_accuracy >= 0.975, f"expected ≥ 97.5 % test accuracy, got {cnn_accuracy:.1%}"

# %% slideshow={"slide_type": "subslide"}
fig = cnn_history.plot()
fig.set_size_inches(10, 3.4)
plt.show()
assert cnn_history.last("loss") < cnn_history["loss"][0] / 5, "the training loss fell steeply"
assert cnn_history["val_accuracy"][0] > 0.9, "after one epoch, already above 90 % on the test set"
assert cnn_history["accuracy"][0] < cnn_history["val_accuracy"][0], "epoch 1: training numbers lag"

# %% [markdown]
# Batch norm and the one-cycle schedule let a large learning rate work: after a single epoch the test
# accuracy is already above 90 %. Early on the training
# accuracy lags behind: it averages over an epoch in which the network was still improving fast, on
# shifted images with dropout on, which are harder than the untouched test images.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 9. CNN against MLP
#
# For a fair comparison we train lecture 04's final MLP here, on the same split: 784 standardised
# pixels, 512 ReLUs, dropout of 20 % and 50 %, Adam with a one-cycle schedule, 15 epochs.

# %%
pixel_mean, pixel_std = mnist.X_train.mean(), mnist.X_train.std()


def mlp_inputs(images: torch.Tensor) -> torch.Tensor:
    """The MLP's view of images: standardised pixels in one row of 784."""
    return ((images - pixel_mean) / pixel_std).flatten(start_dim=1)


flat = replace(mnist, X_train=mlp_inputs(mnist.X_train), X_test=mlp_inputs(mnist.X_test))
flat_train_loader, flat_test_loader = flat.loaders(batch_size=64, device=device, seed=seed)
seed_everything(seed)
mlp = nn.Sequential(nn.Dropout(0.2), nn.Linear(784, 512), nn.ReLU(), nn.Dropout(0.5),
                    nn.Linear(512, 10)).to(device)
n_epochs = 15
optimizer = torch.optim.Adam(mlp.parameters(), lr=2e-3)
schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=2e-3,
                                               total_steps=n_epochs * len(flat_train_loader))
mlp_history = fit(mlp, flat_train_loader, nn.CrossEntropyLoss(), optimizer, n_epochs,
                  val_loader=flat_test_loader, metrics=["accuracy"], scheduler=schedule)
mlp_accuracy = mlp_history.last("val_accuracy")

# %% slideshow={"slide_type": "subslide"}
print(f"{'model':30s} {'parameters':>10s} {'test accuracy':>14s}")
for name, model, accuracy in [("MLP of lecture 04 (512 units)", mlp, mlp_accuracy),
                              ("SmallCNN (16-32 channels)", cnn, cnn_accuracy)]:
    print(f"{name:30s} {count_parameters(model):10,d} {accuracy:14.1%}")
print(f"test errors: MLP {1 - mlp_accuracy:.1%}, CNN {1 - cnn_accuracy:.1%}")
assert count_parameters(cnn) * 20 < count_parameters(mlp), "the CNN has > 20× fewer parameters"
assert 1 - cnn_accuracy < (1 - mlp_accuracy) / 2, "and makes less than half the mistakes"


# %% [markdown]
# With twenty times fewer parameters the CNN makes less than half the mistakes. The parameters it
# does not have are the ones that would let it treat every position differently: what it knows about
# images (locality, weight sharing) is built into its structure instead of learned from 4,000 examples.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Moved test digits
#
# Our test digits are centred, like the training digits. What if they are not? We move every test
# digit by 0 to 4 pixels (up, down, left and right, averaging the four) and measure again. To separate
# the architecture from the augmentation we also train the CNN **without** shifts.

# %%
def accuracy_when_moved(model, distance, inputs=lambda images: images) -> float:
    """Test accuracy with every test digit moved `distance` pixels, averaged over four directions."""
    moves = [(distance, 0), (-distance, 0), (0, distance), (0, -distance)]
    scores = []
    for move in moves:
        moved = InMemoryLoader(inputs(shift(mnist.X_test, *move)), mnist.y_test, 1000, device=device)
        scores.append(evaluate(model, moved)["accuracy"])
    return float(np.mean(scores))


cnn_unaugmented, _ = train_cnn(augment_batches=False)

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
ax.set(xlabel="test digits moved by (pixels)", ylabel="test accuracy",
       title="Accuracy on moved test digits", xticks=list(distances))
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
# ## 10. What the network learned
#
# The first layer's 16 kernels are $5 \times 5$ images themselves. Orange weights add, purple ones
# subtract. Many show a light band next to a dark one: **edge and stroke detectors** at various
# angles, like the Sobel kernel of section 2, learned from the data rather than designed. They are
# also *smooth*: neighbouring weights are similar, where at initialisation they were independent
# random numbers. We measure that by the correlation of each weight with its right and lower
# neighbours.

# %%
filters = cnn.features[0].weight.detach().cpu()[:, 0]  # (16, 5, 5)
limit = filters.abs().max()
fig, axes = plt.subplots(2, 8, figsize=(8, 2.4))
for ax, kernel_weights in zip(axes.flat, filters):
    shown = ax.imshow(kernel_weights, cmap="PuOr_r", vmin=-limit, vmax=limit)
    ax.set(xticks=[], yticks=[])
fig.suptitle("The 16 learned 5×5 kernels of the first layer")
fig.colorbar(shown, ax=axes, shrink=0.8, label="weight")
plt.show()


def neighbour_correlation(kernels: torch.Tensor) -> float:
    """Correlation between each weight of kernels (K, h, w) and its right and lower neighbours."""
    centred = kernels - kernels.mean(dim=(1, 2), keepdim=True)
    pairs = [(centred[:, :, 1:], centred[:, :, :-1]), (centred[:, 1:], centred[:, :-1])]
    here = torch.cat([a.flatten() for a, _ in pairs])
    neighbour = torch.cat([b.flatten() for _, b in pairs])
    return torch.corrcoef(torch.stack([here, neighbour]))[0, 1].item()


learned = neighbour_correlation(filters)
at_start = neighbour_correlation(untrained_cnn.features[0].weight.detach().cpu()[:, 0])
print(f"neighbouring weights: correlation {learned:.2f} after training, {at_start:.2f} at the start")
assert learned > at_start + 0.2, "training made the kernels smooth patterns, not noise"

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Feature maps
#
# Applied to one test digit, each kernel gives one $24 \times 24$ feature map (shown after batch norm
# and ReLU but before pooling; the next layer sees them max-pooled to $12 \times 12$). Different maps
# light up on different parts of the strokes.

# %%
first_stage = nn.Sequential(cnn.features[0], cnn.features[2], cnn.features[3])  # conv, norm, ReLU
cnn.eval()
with torch.no_grad():
    maps = first_stage(mnist.X_test[:1].to(device))[0].cpu()  # (16, 24, 24), without pooling
fig, axes = plt.subplots(1, 2, figsize=(10, 3), width_ratios=[1, 4])
axes[0].imshow(mnist.X_test[0, 0], cmap="gray_r")
axes[0].set(title=f"test digit ({mnist.y_test[0].item()})", xticks=[], yticks=[])
show_images(maps[:, None], nrow=8, ax=axes[1], title="its 16 feature maps after the first layer")
plt.show()
assert maps.shape == (16, 24, 24) and (maps >= 0).all(), "16 maps of 24×24, non-negative after ReLU"

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 11. Residual connections
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
# Two stacks of 20 blocks (41 convolutions), identical except for the skip connections, with
# PyTorch's default initialisation and no batch norm. One backward pass on 64 digits; we record the
# size (norm) of the gradient of each block's first kernel.

# %%
def deep_stack(n_blocks: int, residual: bool, channels: int = 8) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(1, channels, kernel_size=3, padding=1),
                         *[ConvBlock(channels, residual) for _ in range(n_blocks)],
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(channels, 10)).to(device)


def gradient_norms(model: nn.Sequential) -> list[float]:
    images, labels = mnist.X_train[:64].to(device), mnist.y_train[:64].to(device)
    F.cross_entropy(model(images), labels).backward()
    blocks = [m for m in model if isinstance(m, ConvBlock)]
    return [block.conv1.weight.grad.norm().item() for block in blocks]


seed_everything(seed)
plain_norms = gradient_norms(deep_stack(20, residual=False))
residual_norms = gradient_norms(deep_stack(20, residual=True))

# %% slideshow={"slide_type": "subslide"}
ax = plot_curves({"plain stack": plain_norms, "residual stack": residual_norms},
                 xlabel="block (1 = nearest the input)", ylabel="gradient norm of first kernel",
                 title="Gradient reaching each block, 20-block stacks", logy=True)
ax.figure.set_size_inches(7, 3.6)
ax.set_xticks(range(1, 21))
plt.show()
print(f"first block: plain {plain_norms[0]:.1e}, residual {residual_norms[0]:.1e}")
assert plain_norms[0] < 1e-6 * plain_norms[-1], "the plain stack's gradient vanishes on the way back"
assert residual_norms[0] > 0.1 * residual_norms[-1], "the residual stack's gradient arrives"
assert residual_norms[0] > 1e3 * plain_norms[0], "skip connections keep the first layers learning"

# %% [markdown]
# In the plain stack every layer shrinks the gradient by a roughly constant factor, so its first
# block gets a gradient many orders of magnitude smaller than its last: gradient descent would
# leave it where it started. The residual stack's gradient reaches the first block within a factor
# of ten of its size at the last. Good initialisation (lecture 04) and batch norm also keep the factors
# near 1 at the start of training; ResNets use all three, and train networks of 100+ layers.

# %% [markdown] slideshow={"slide_type": "notes"}
# If students ask: with batch norm the plain stack's gradient does not vanish at initialisation, yet
# deep plain networks still train worse than shallower ones (He et al.'s "degradation problem");
# residual blocks fix that too, because learning F ≈ 0 is easier than learning an identity map.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Summary
#
# * A **convolution** slides one small kernel over the image: **locality** (each output sees a small
#   patch) and **weight sharing** (the same kernel everywhere). Deep learning's "convolution" is a
#   cross-correlation (no flip); we wrote it with loops and checked it against `F.conv2d`.
# * Convolutions are **translation equivariant**: moving the input moves the feature map, $C(SX) =
#   S\,C(X)$. **Max-pooling** adds a little invariance and shrinks the maps.
# * **Padding** and **stride** set the output size $\lfloor (n + 2p - k)/s \rfloor + 1$; a layer has
#   $C_\text{out}(C_\text{in} k_h k_w + 1)$ parameters whatever the image size.
# * A LeNet-style CNN with batch norm, a one-cycle schedule and ±2-pixel shifts reached ≥ 97.5 % on
#   MNIST-5k with over 20× fewer parameters than lecture 04's MLP, and kept its accuracy on moved
#   digits where the MLP collapsed. **Data augmentation** (torchvision transforms, or cheap batch
#   shifts) teaches what the architecture does not.
# * The first layer learns **edge detectors**; feature maps show where each one fires.
# * **Residual connections** add an identity path, $\partial (x + F(x)) / \partial x = I +
#   \partial F / \partial x$, so gradients reach the first layers of deep networks.
#
# **Next:** [Lecture 06 — recurrent neural networks](06_rnn.ipynb): weight sharing again, this time
# across the steps of a sequence instead of across the positions of an image.
