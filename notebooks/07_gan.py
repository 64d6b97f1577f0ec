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
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/pytorch-dl-course/deep-learning-course/blob/main/notebooks/07_gan.ipynb)
#
# # Lecture 07 — Generative adversarial networks
#
# Every network so far mapped an input to a label or a number. A **generative model** learns to
# produce new data that looks like its training data: new points of a 2-D cloud, new handwritten
# digits. A generative adversarial network (GAN, Goodfellow et al., 2014) does it with a game between
# two networks, and no formula for the probability of an image anywhere. This lecture:
#
# 1. the **game**: a generator, a discriminator and the minimax objective;
# 2. the **losses** from logits, and why the generator uses the *non-saturating* loss;
# 3. the **training loop**: alternating updates, written out plainly;
# 4. a 2-D mixture of 8 Gaussians on a ring: watching the samples move, counting the modes covered,
#    and **mode collapse**;
# 5. a small **DCGAN** on MNIST-5k, evaluated by the digit classifier of lecture 05.

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
import torch
import torch.nn.functional as F
from torch import nn

from course_utils import (
    PALETTE,
    evaluate,
    fit,
    get_device,
    load_mnist5k,
    make_gaussian_ring,
    mode_fractions,
    modes_covered,
    plot_curves,
    seed_everything,
    show_images,
)
from course_utils.checks import lecture07 as check
from course_utils.models import SmallCNN, random_shift

seed_everything(0)
device = get_device()
print(f"torch {torch.__version__}, training on: {device}")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 1. The game
#
# Two networks play against each other:
#
# * the **generator** $G$ turns random noise $z \sim \mathcal N(0, I)$ into a sample $G(z)$, a
#   *fake*. It never sees the data; it only learns from what the discriminator tells it.
# * the **discriminator** $D$ looks at a sample $x$ and outputs $D(x)$, its probability that $x$ is
#   *real* (from the data) rather than fake. It is an ordinary binary classifier.
#
# ```
#   z ~ N(0, I) ──► G ──► fake G(z) ──┐
#                                     ├──► D ──► logit ℓ ──► D(x) = σ(ℓ) = P(real)
#   real x from the data ─────────────┘
# ```
#
# $D$ is trained to tell real from fake; $G$ is trained to fool $D$. If both get good, the fakes
# become indistinguishable from the data.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### The minimax objective
#
# The discriminator maximises the log-likelihood of the right labels (1 for real, 0 for fake), and
# the generator minimises that same quantity:
#
# $$\min_G \max_D \; V(D, G) = \mathbb E_{x \sim p_\text{data}}\big[\log D(x)\big]
#   + \mathbb E_{z \sim \mathcal N(0, I)}\big[\log\big(1 - D(G(z))\big)\big].$$
#
# For a fixed generator whose samples have density $p_g$, the best discriminator is, point by point,
# $D^*(x) = \frac{p_\text{data}(x)}{p_\text{data}(x) + p_g(x)}$, and then
# $V(D^*, G) = -\log 4 + 2\,\mathrm{JSD}(p_\text{data} \,\|\, p_g)$: the Jensen–Shannon divergence,
# zero exactly when $p_g = p_\text{data}$. So the game's solution is a generator that reproduces the
# data, with $D = \frac12$ everywhere. We check both statements numerically on two 1-D densities.

# %%
x = torch.linspace(-6, 6, 3001, dtype=torch.float64)
dx = x[1] - x[0]


def normal_pdf(x, mean, std):
    """A Gaussian density on the grid, normalised so that it integrates to exactly 1 there."""
    density = torch.exp(-0.5 * ((x - mean) / std) ** 2)
    return density / (density.sum() * dx)


def value(d, p_data, p_g):
    """V(D, G) as an integral over the grid, for a discriminator given by its values d(x)."""
    return ((p_data * torch.log(d) + p_g * torch.log(1 - d)) * dx).sum()


p_data, p_g = normal_pdf(x, -1.0, 1.0), normal_pdf(x, 1.5, 0.8)
d_star = p_data / (p_data + p_g)
mixture = (p_data + p_g) / 2
jsd = 0.5 * ((p_data * torch.log(p_data / mixture) + p_g * torch.log(p_g / mixture)) * dx).sum()
print(f"V(D*, G) = {value(d_star, p_data, p_g):.6f}, -log 4 + 2 JSD = {-math.log(4) + 2 * jsd:.6f}")
assert torch.isclose(value(d_star, p_data, p_g), -math.log(4) + 2 * jsd, atol=1e-8)

# %% [markdown] slideshow={"slide_type": "subslide"}
# No other discriminator does better than $D^*$ (we nudge it up and down, and shift it), and when the
# generator matches the data the best discriminator is $\frac12$ everywhere and $V = -\log 4$.

# %%
others = {"D* + 0.05": (d_star + 0.05).clamp(max=1 - 1e-9), "D* − 0.05": (d_star - 0.05).clamp(1e-9),
          "D* shifted": p_data.roll(100) / (p_data.roll(100) + p_g)}
for name, d in others.items():
    assert value(d, p_data, p_g) < value(d_star, p_data, p_g), f"{name} should be worse than D*"
perfect = p_data / (p_data + p_data)
print(f"p_g = p_data: D* = {perfect.min():.3f} to {perfect.max():.3f}, V = {value(perfect, p_data, p_data):.4f}")
assert torch.allclose(value(perfect, p_data, p_data), torch.tensor(-math.log(4), dtype=torch.float64))

fig, ax = plt.subplots(figsize=(8, 3))
ax.plot(x, p_data, color=PALETTE[0], label=r"$p_\mathrm{data}$")
ax.plot(x, p_g, color=PALETTE[1], label=r"$p_g$ (the generator)")
ax.plot(x, d_star, "--", color=PALETTE[2], label=r"$D^*(x)$")
ax.set(xlabel="$x$", ylabel="density / probability", title="The best discriminator for a fixed generator")
ax.legend(fontsize="small")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 2. The losses, from logits
#
# Our discriminators end in a linear layer and return a **logit** $\ell$; $D(x) = \sigma(\ell)$. As
# in lecture 04, the logs are computed from logits for stability:
# $\log \sigma(\ell) = -\operatorname{softplus}(-\ell)$ and
# $\log(1 - \sigma(\ell)) = -\operatorname{softplus}(\ell)$ (PyTorch:
# `F.binary_cross_entropy_with_logits`). The **discriminator** minimises the binary cross-entropy
# with label 1 for real and 0 for fake samples:
#
# $$L_D = -\tfrac1m \textstyle\sum_i \log D(x_i) \;-\; \tfrac1m \sum_i \log\big(1 - D(G(z_i))\big).$$
#
# The **generator**, in the minimax game, minimises the second term with the opposite sign,
# $L_G^\text{sat} = \frac1m \sum_i \log(1 - D(G(z_i)))$. In practice everyone uses the
# **non-saturating** loss instead, $L_G = -\frac1m \sum_i \log D(G(z_i))$: the same goal (make
# $D(G(z))$ large), but a different gradient.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Why: the gradient that vanishes
#
# Write $\ell$ for the discriminator's logit on a fake and $s = \sigma(\ell) = D(G(z))$. With
# $\sigma' = \sigma(1 - \sigma)$, the chain rule gives the gradient that flows back into the generator:
#
# $$\frac{\partial}{\partial \ell} \log(1 - \sigma(\ell)) = -\sigma(\ell) = -s, \qquad
#   \frac{\partial}{\partial \ell} \big(-\log \sigma(\ell)\big) = -(1 - \sigma(\ell)) = -(1 - s).$$
#
# Early in training the discriminator **wins**: it rejects the fakes, $s \approx 0$. Then the
# saturating loss gives the generator a gradient of about $-s \approx 0$, nothing to learn from,
# exactly when it is worst. The non-saturating loss gives about $-1$. We check the hand-derived
# gradients against autograd.

# %%
logits = torch.linspace(-10, 10, 201, requires_grad=True)
s = torch.sigmoid(logits)  # D(G(z))
saturating = torch.log1p(-s)  # log(1 - D(G(z))), minimised by the minimax generator
non_saturating = -torch.log(s)  # -log D(G(z))
(grad_saturating,) = torch.autograd.grad(saturating.sum(), logits, retain_graph=True)
(grad_non_saturating,) = torch.autograd.grad(non_saturating.sum(), logits)
s = s.detach()
assert torch.allclose(grad_saturating, -s, atol=1e-6), "d/dℓ log(1 - σ(ℓ)) = -σ(ℓ)"
assert torch.allclose(grad_non_saturating, -(1 - s), atol=1e-6), "d/dℓ -log σ(ℓ) = -(1 - σ(ℓ))"
rejected = s < 1e-3  # the discriminator is sure these fakes are fake
print(f"where D(G(z)) < 0.001: |gradient| saturating ≤ {grad_saturating[rejected].abs().max():.4f}, "
      f"non-saturating ≥ {grad_non_saturating[rejected].abs().min():.4f}")
assert grad_saturating[rejected].abs().max() < 1e-3 < 0.99 < grad_non_saturating[rejected].abs().min()

# %% slideshow={"slide_type": "subslide"}
fig, (ax_loss, ax_grad) = plt.subplots(1, 2, figsize=(10, 3.5))
ax_loss.plot(s, saturating.detach(), color=PALETTE[3], label=r"saturating: $\log(1 - D(G(z)))$")
ax_loss.plot(s, non_saturating.detach(), color=PALETTE[0], label=r"non-saturating: $-\log D(G(z))$")
ax_loss.set(xlabel="$D(G(z))$", ylabel="generator loss", title="Two losses, one goal: D(G(z)) → 1")
ax_grad.semilogx(s, grad_saturating.abs(), color=PALETTE[3], label="saturating")
ax_grad.semilogx(s, grad_non_saturating.abs(), color=PALETTE[0], label="non-saturating")
ax_grad.axvspan(s.min(), 1e-3, color="0.9", label="D rejects the fake")
ax_grad.set(xlabel="$D(G(z))$ (log scale)", ylabel=r"$|\partial\,\mathrm{loss} / \partial \ell|$",
            title="Gradient reaching the generator")
for ax in (ax_loss, ax_grad):
    ax.legend(fontsize="small")
fig.tight_layout()

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 3. Training: alternating updates
#
# There is no single loss to minimise, so `fit` does not apply: each step of training is two steps,
# one per player.
#
# 1. **Discriminator step.** Draw a batch of real samples and a batch of fakes $G(z)$. Minimise $L_D$
#    with respect to $D$'s weights only; the fakes are `detach()`ed so no gradient reaches $G$.
# 2. **Generator step.** Score the same fakes with the updated discriminator and minimise $L_G$
#    with respect to $G$'s weights only (its own optimizer). Gradients flow *through* $D$ into $G$;
#    $D$'s gradients from this step are discarded by its next `zero_grad()`.
#
# Both optimizers are Adam with $\beta_1 = 0.5$ (the usual choice for GANs: less momentum, because
# the opponent keeps moving the target).

# %%
bce = F.binary_cross_entropy_with_logits


def gan_step(generator, discriminator, opt_g, opt_d, real, latent_dim, saturating=False):
    """One round of the game: a discriminator step, then a generator step. Returns (L_D, L_G)."""
    fake = generator(torch.randn(len(real), latent_dim, device=real.device))
    real_logits, fake_logits = discriminator(real), discriminator(fake.detach())
    loss_d = bce(real_logits, torch.ones_like(real_logits)) + bce(fake_logits, torch.zeros_like(fake_logits))
    opt_d.zero_grad()
    loss_d.backward()
    opt_d.step()
    fake_logits = discriminator(fake)  # the updated discriminator judges the same fakes
    if saturating:  # minimax: minimise log(1 - D(G(z))) = -BCE(ℓ, 0)
        loss_g = -bce(fake_logits, torch.zeros_like(fake_logits))
    else:  # non-saturating: minimise -log D(G(z)) = BCE(ℓ, 1)
        loss_g = bce(fake_logits, torch.ones_like(fake_logits))
    opt_g.zero_grad()
    loss_g.backward()
    opt_g.step()
    return loss_d.detach(), loss_g.detach()

# %% [markdown] slideshow={"slide_type": "subslide"}
# The loop around it draws a random real batch each step and (with `decay=True`) lowers both
# learning rates linearly to zero, which lets the game settle instead of circling at the end. At
# chosen steps it calls `on_snapshot(step)`, which the experiments use to record samples. The
# losses are kept on the device (no `.item()` in the loop) and returned as one tensor.

# %%
def train_gan(generator, discriminator, real_data, *, n_steps, batch_size, latent_dim, lr_g, lr_d,
              saturating=False, decay=True, snapshot_steps=(), on_snapshot=None):
    """Train a GAN by alternating updates; return the losses, shape (n_steps, 2) for (L_D, L_G)."""
    opt_g = torch.optim.Adam(generator.parameters(), lr=lr_g, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(discriminator.parameters(), lr=lr_d, betas=(0.5, 0.999))
    factor = (lambda step: 1 - step / n_steps) if decay else (lambda step: 1.0)
    schedules = [torch.optim.lr_scheduler.LambdaLR(opt, factor) for opt in (opt_g, opt_d)]
    losses = torch.zeros(n_steps, 2, device=real_data.device)
    for step in range(1, n_steps + 1):
        real = real_data[torch.randint(len(real_data), (batch_size,), device=real_data.device)]
        losses[step - 1] = torch.stack(gan_step(generator, discriminator, opt_g, opt_d, real,
                                                latent_dim, saturating))
        for schedule in schedules:
            schedule.step()
        if step in snapshot_steps:
            on_snapshot(step)
    return losses.cpu()

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 4. Eight Gaussians on a ring
#
# The first data set is small enough to see everything: points from 8 Gaussians (standard deviation
# 0.05) spaced evenly on a circle of radius 2. Each Gaussian is a **mode**. A good generator puts
# about $\frac18$ of its samples near each centre; a generator that serves only a few modes has
# **collapsed**, the most common failure of GANs. `course_utils.metrics.modes_covered` counts the
# centres that receive at least 2 % of the samples within a radius of 0.25 (5 standard deviations;
# neighbouring centres are 1.53 apart).

# %%
ring_data, centres = make_gaussian_ring(10_000, std=0.05, seed=0)
ring_data = ring_data.to(device)
print("data:", tuple(ring_data.shape), "| centres:", tuple(centres.shape))
print(f"the data itself covers {modes_covered(ring_data, centres, radius=0.25)} of 8 modes, "
      f"{mode_fractions(ring_data, centres, radius=0.25).sum():.1%} of it within the radius")
assert modes_covered(ring_data, centres, radius=0.25) == 8

# %% [markdown] slideshow={"slide_type": "subslide"}
# Generator and discriminator are small MLPs with leaky ReLUs (slope 0.2 for negative inputs, so
# no unit goes silent for good). The generator maps 8 noise dimensions to a point in the plane.

# %%
def mlp(n_in, n_out, hidden=128):
    return nn.Sequential(nn.Linear(n_in, hidden), nn.LeakyReLU(0.2),
                         nn.Linear(hidden, hidden), nn.LeakyReLU(0.2), nn.Linear(hidden, n_out))


RING_LATENT = 8
RING_STEPS = (0, 100, 300, 600, 1200)
z_ring = torch.randn(2000, RING_LATENT, device=device)  # fixed noise: the same z at every snapshot


def train_ring(seed, **settings):
    """Train a fresh ring GAN; return its samples at RING_STEPS and its losses."""
    seed_everything(seed)
    generator, discriminator = mlp(RING_LATENT, 2).to(device), mlp(2, 1).to(device)
    samples = {}

    def on_snapshot(step):
        with torch.no_grad():
            samples[step] = generator(z_ring).cpu()

    on_snapshot(0)
    losses = train_gan(generator, discriminator, ring_data, n_steps=RING_STEPS[-1], batch_size=256,
                       latent_dim=RING_LATENT, snapshot_steps=RING_STEPS, on_snapshot=on_snapshot,
                       **settings)
    return samples, losses

# %% slideshow={"slide_type": "subslide"}
ring_samples, ring_losses = train_ring(0, lr_g=1e-3, lr_d=1e-3)
covered = {step: modes_covered(points, centres, radius=0.25) for step, points in ring_samples.items()}
print("modes covered at each snapshot:", covered)


def plot_snapshots(samples, title):
    fig, axes = plt.subplots(1, len(samples), figsize=(10, 2.4), sharex=True, sharey=True)
    for ax, (step, points) in zip(axes, samples.items()):
        ax.scatter(*ring_data[:1000].cpu().T, s=2, color="0.75", label="data")
        ax.scatter(*points[:1000].T, s=2, color=PALETTE[0], label="generated")
        ax.scatter(*centres.T, marker="x", s=20, color=PALETTE[3], label="centres")
        ax.set(title=f"step {step}: {modes_covered(points, centres, radius=0.25)}/8 modes",
               xlim=(-3, 3), ylim=(-3, 3), aspect="equal", xlabel="$x_1$")
    axes[0].set_ylabel("$x_2$")
    axes[0].legend(fontsize="x-small", loc="lower left", markerscale=3)
    fig.suptitle(title)
    fig.tight_layout()


plot_snapshots(ring_samples, "Non-saturating GAN on the ring: samples G(z) during training")

# %% [markdown] slideshow={"slide_type": "subslide"}
# At step 0 the generator maps all noise to a small blob near the origin. The discriminator's
# gradient then pushes the blob outwards, it stretches into a ring, and the ring breaks up into
# clusters that settle on the modes. We assert what the plot shows:

# %%
final = ring_samples[RING_STEPS[-1]]
fractions = mode_fractions(final, centres, radius=0.25)
print("share of samples near each centre:", [f"{f:.2f}" for f in fractions.tolist()])
print(f"{fractions.sum():.0%} of the samples lie within 0.25 of a centre")
assert covered[RING_STEPS[-1]] >= 6, f"expected ≥ 6 of 8 modes covered, got {covered[RING_STEPS[-1]]}"
assert covered[0] <= 2, "the untrained generator should cover at most 2 modes"

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### The losses do not go to zero
#
# In a classifier the loss falls steadily. Here each player's loss is the other's gain, so neither
# goes to zero. At the ideal equilibrium, $D = \frac12$ everywhere, they would be
# $L_D = 2 \log 2 \approx 1.39$ and $L_G = \log 2 \approx 0.69$; in practice the discriminator keeps
# an edge ($L_D$ somewhat lower, $L_G$ higher) without winning outright. A GAN's losses tell you
# whether the game is balanced, not how good the samples are; that is why we count modes instead.

# %%
window = 50  # average over 50 steps to see the trend through the noise
smooth = ring_losses.unfold(0, window, window).mean(dim=-1)
ax = plot_curves({"discriminator $L_D$": smooth[:, 0], "generator $L_G$ (non-saturating)": smooth[:, 1]},
                 xlabel=f"step (×{window})", ylabel="loss", title="GAN losses on the ring")
ax.axhline(2 * math.log(2), color="0.5", linestyle=":", label="2 log 2")
ax.axhline(math.log(2), color="0.5", linestyle="--", label="log 2")
ax.legend(fontsize="small", loc="center right")
ax.figure.set_size_inches(7, 3)
late = smooth[len(smooth) // 2 :]
print(f"second half of training: mean L_D = {late[:, 0].mean():.2f}, mean L_G = {late[:, 1].mean():.2f}")
assert 0.8 < late[:, 0].mean() < 1.6, "the discriminator should neither win nor lose outright"
assert 0.5 < late[:, 1].mean() < 2.0, "the generator should neither win nor lose outright"

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### And the saturating loss?
#
# Section 2 predicts trouble for the minimax loss $\log(1 - D(G(z)))$ when the discriminator wins.
# Does it win here? The same run with `saturating=True`:

# %%
saturating_samples, _ = train_ring(0, lr_g=1e-3, lr_d=1e-3, saturating=True)
covered_saturating = modes_covered(saturating_samples[RING_STEPS[-1]], centres, radius=0.25)
print(f"saturating loss: {covered_saturating}/8 modes covered")
assert covered_saturating >= 6, f"expected ≥ 6 of 8 modes with the saturating loss, got {covered_saturating}"

# %% [markdown]
# It works too. On this easy problem, with leaky ReLUs and a discriminator that learns no faster
# than the generator, the discriminator never rejects the fakes with near-certainty, so
# $D(G(z))$ stays away from 0 and the saturating gradient $-D(G(z))$ does not vanish. On images,
# where real and fake are easy to tell apart at first, it does vanish, and the generator stalls
# at the start (Goodfellow et al. report exactly this); that is why the non-saturating loss is the
# default. Vanishing gradients are one failure; the next section shows another.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 5. Mode collapse
#
# The generator is not rewarded for variety. Each of its steps moves every fake towards where the
# *current* discriminator is most easily fooled, and if that is one place, all fakes go there. The
# discriminator then learns to reject that place, the generator jumps to the next one, and so on:
# the samples hop between a few modes instead of covering all of them. This **mode collapse** is
# worst when the generator moves much faster than the discriminator can follow. Same data, same
# networks, same loop; only the discriminator now learns 10× more slowly than the generator:

# %%
collapsed_samples, _ = train_ring(0, lr_g=1e-3, lr_d=1e-4)
plot_snapshots(collapsed_samples, "A discriminator 10× slower than its generator: mode collapse")
collapsed = modes_covered(collapsed_samples[RING_STEPS[-1]], centres, radius=0.25)
print(f"modes covered: {collapsed}/8 (the balanced game: {covered[RING_STEPS[-1]]}/8)")
assert collapsed <= 3 < covered[RING_STEPS[-1]], "the outpaced generator should collapse onto ≤ 3 modes"

# %% [markdown] slideshow={"slide_type": "subslide"}
# Why the balanced game escapes this: a discriminator that keeps up penalises a crowded mode
# quickly, while fakes in the empty modes still fool it, so the gradient spreads the generator out.
# Other remedies used in practice: lower and decaying learning rates, **minibatch discrimination**
# (let $D$ see a whole batch, so a batch of identical fakes is easy to spot), **unrolled GANs**,
# losses with better gradients such as the **Wasserstein GAN** (with a gradient penalty), and
# **spectral normalisation** of $D$'s weights.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 6. A GAN for digits: DCGAN on MNIST-5k
#
# First we need a judge that is not the discriminator: lecture 05's digit classifier, `SmallCNN`,
# trained here briefly on MNIST-5k (3 epochs, with lecture 05's one-cycle schedule and random
# shifts). Later it tells us **which digits** the generator draws and **how confidently** they can
# be read.

# %%
mnist = load_mnist5k()
train_loader, test_loader = mnist.loaders(64, device=device, transform=random_shift)  # ±2 pixels
classifier = SmallCNN().to(device)
optimizer = torch.optim.Adam(classifier.parameters())
one_cycle = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=1e-2, total_steps=3 * len(train_loader))
fit(classifier, train_loader, nn.CrossEntropyLoss(), optimizer, epochs=3, scheduler=one_cycle)
test_accuracy = evaluate(classifier, test_loader)["accuracy"]
print(f"classifier test accuracy: {test_accuracy:.1%}")
assert test_accuracy >= 0.97, f"expected the classifier to reach ≥ 97 %, got {test_accuracy:.1%}"

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### DCGAN: convolutions in both players
#
# The DCGAN recipe (Radford et al., 2015): the generator **upsamples** with transposed convolutions
# (lecture 05's convolutions run backwards: stride 2 doubles the size), with batch norm and ReLU, and
# ends in `tanh`, so pixels lie in $[-1, 1]$; the discriminator **downsamples** with strided
# convolutions and leaky ReLUs. No pooling, no big linear layers. Ours is small:
#
# $z \in \mathbb R^{32} \to 32 \times 7 \times 7 \to 16 \times 14 \times 14 \to 1 \times 28 \times 28$
# for $G$, and the mirror image for $D$. We train for 1,000 steps of 64 images with Adam at a
# learning rate of $10^{-3}$ (five times the DCGAN paper's, as our networks are small and our time
# short), without decay.

# %%
LATENT = 32


def dcgan(channels=16):
    c = channels
    generator = nn.Sequential(
        nn.Linear(LATENT, 2 * c * 7 * 7, bias=False), nn.BatchNorm1d(2 * c * 7 * 7), nn.ReLU(),
        nn.Unflatten(1, (2 * c, 7, 7)),
        nn.ConvTranspose2d(2 * c, c, kernel_size=4, stride=2, padding=1, bias=False),  # → 14×14
        nn.BatchNorm2d(c), nn.ReLU(),
        nn.ConvTranspose2d(c, 1, kernel_size=4, stride=2, padding=1), nn.Tanh())  # → 28×28
    discriminator = nn.Sequential(
        nn.Conv2d(1, c, kernel_size=4, stride=2, padding=1), nn.LeakyReLU(0.2),  # → 14×14
        nn.Conv2d(c, 2 * c, kernel_size=4, stride=2, padding=1, bias=False),  # → 7×7
        nn.BatchNorm2d(2 * c), nn.LeakyReLU(0.2), nn.Flatten(), nn.Linear(2 * c * 7 * 7, 1))
    return generator.to(device), discriminator.to(device)

# %% slideshow={"slide_type": "subslide"}
seed_everything(0)
generator, discriminator = dcgan()
n_g, n_d = (sum(p.numel() for p in net.parameters()) for net in (generator, discriminator))
print(f"generator: {n_g:,} parameters, discriminator: {n_d:,}")
with torch.no_grad():
    assert generator(torch.randn(5, LATENT, device=device)).shape == (5, 1, 28, 28)
    assert discriminator(torch.zeros(5, 1, 28, 28, device=device)).shape == (5, 1)
real_images = (mnist.X_train * 2 - 1).to(device)  # the generator's tanh range, [-1, 1]
z_show = torch.randn(32, LATENT, device=device)
MNIST_STEPS = (100, 500, 1000)
image_snapshots = {}


def snapshot_images(step):
    with torch.no_grad():
        image_snapshots[step] = (generator(z_show).cpu() + 1) / 2


# %% slideshow={"slide_type": "subslide"}
mnist_losses = train_gan(generator, discriminator, real_images, n_steps=MNIST_STEPS[-1], batch_size=64,
                         latent_dim=LATENT, lr_g=1e-3, lr_d=1e-3, decay=False,
                         snapshot_steps=MNIST_STEPS, on_snapshot=snapshot_images)
fig, axes = plt.subplots(1, len(MNIST_STEPS), figsize=(10, 2.6))
for ax, (step, images) in zip(axes, image_snapshots.items()):
    show_images(images[:16], nrow=4, ax=ax, title=f"step {step}")
fig.suptitle("The same noise z through the generator during training")
fig.tight_layout()

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Which digits does it draw?
#
# We generate 1,000 digits and let the classifier read them. A sample counts as a confident digit
# when the classifier gives one class a probability of at least 0.9, and the generator "makes" a
# digit when at least 10 of its 1,000 samples (1 %) are confidently read as that digit. A collapsed
# generator would make few digits; a perfect one all ten, about 100 samples each.

# %%
generator.eval()
with torch.no_grad():
    fakes = (generator(torch.randn(1000, LATENT, device=device)) + 1) / 2
    confidence, predicted = F.softmax(classifier(fakes), dim=1).max(dim=1)
    real_confidence = F.softmax(classifier(mnist.X_test.to(device)), dim=1).max(dim=1).values
confidence, predicted = confidence.cpu(), predicted.cpu()
confident = confidence >= 0.9
counts = torch.bincount(predicted, minlength=10)
confident_counts = torch.bincount(predicted[confident], minlength=10)
digits_made = int((confident_counts >= 10).sum())  # a digit needs ≥ 1 % of samples, read confidently
print(f"mean confidence: generated {confidence.mean():.2f}, real test digits {real_confidence.mean():.2f}")
print(f"confident samples: {confident.float().mean():.0%}; confident counts per digit: {confident_counts.tolist()}")
assert confidence.mean() < real_confidence.mean(), "fakes should be read less confidently than real digits"

# %% slideshow={"slide_type": "subslide"}
fig, (ax_images, ax_hist) = plt.subplots(1, 2, figsize=(10, 3.6), gridspec_kw={"width_ratios": [1, 1.4]})
show_images(fakes[:24].cpu(), nrow=6, ax=ax_images, labels=predicted[:24].tolist(),
            title="Generated digits (classifier's reading)")
digits = torch.arange(10)
ax_hist.bar(digits, counts, color=PALETTE[5], label="all samples")
ax_hist.bar(digits, confident_counts, color=PALETTE[0], label="confidence ≥ 0.9")
ax_hist.axhline(100, color="0.4", linestyle=":", label="uniform (100 per digit)")
ax_hist.set(xticks=digits.tolist(), xlabel="predicted digit", ylabel="samples (of 1,000)",
            title=f"What the generator draws: {digits_made} digits")
ax_hist.legend(fontsize="small")
fig.tight_layout()
assert digits_made >= 7, f"expected ≥ 7 digit classes among the generated samples, got {digits_made}"

# %% [markdown] slideshow={"slide_type": "notes"}
# The classifier's confidence on fakes is lower than on real digits: some fakes are half-formed.
# Longer training (a few minutes) and wider networks make the digits crisp; the recipe stays the
# same. Scores used in research work the same way, with a bigger judge: the Inception Score and the
# Fréchet Inception Distance (FID) compare the features an ImageNet classifier sees in real and
# generated images.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Exercises
#
# Each exercise is a function to complete; the cell after it checks your answer on inputs you have
# not seen and says what is wrong if anything is.
#
# ### Exercise 1 — the discriminator's loss
#
# Given the discriminator's logits on a batch of real samples and on a batch of fakes (any shape,
# possibly different batch sizes), return
# $L_D = \operatorname{mean}(-\log \sigma(\ell_\text{real})) + \operatorname{mean}(-\log(1 - \sigma(\ell_\text{fake})))$
# as a 0-dim tensor. Work from the logits, stably (large logits must not give `inf`).

# %% tags=["exercise"]
def discriminator_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """Binary cross-entropy with label 1 for real and 0 for fake samples, each averaged, then added.

    Hint: -log σ(ℓ) = F.softplus(-ℓ) and -log(1 - σ(ℓ)) = F.softplus(ℓ).
    """
    ### BEGIN SOLUTION
    return F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean()
    ### END SOLUTION


# %% tags=["check"]
check.discriminator_loss(discriminator_loss)

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise 2 — the non-saturating generator loss
#
# Return $L_G = \operatorname{mean}(-\log \sigma(\ell_\text{fake}))$ from the discriminator's logits
# on a batch of fakes, as a 0-dim tensor. (Not the saturating $\operatorname{mean}(\log(1 - \sigma(\ell)))$.)

# %% tags=["exercise"]
def generator_loss(fake_logits: torch.Tensor) -> torch.Tensor:
    """The non-saturating generator loss: the mean of -log D(G(z)) = -log σ(ℓ)."""
    ### BEGIN SOLUTION
    return F.softplus(-fake_logits).mean()
    ### END SOLUTION


# %% tags=["check"]
check.generator_loss(generator_loss)

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise 3 — count the modes
#
# Write your own `modes_covered`: a mode counts as covered when at least `min_fraction` of **all**
# samples lie within Euclidean distance `radius` of its centre (distance equal to the radius
# counts). Return a Python `int`. The check compares with `course_utils.metrics.modes_covered`.

# %% tags=["exercise"]
def count_modes(samples: torch.Tensor, centres: torch.Tensor, radius: float, min_fraction: float) -> int:
    """The number of centres (K, D) with at least min_fraction of the samples (N, D) within radius.

    Hint: torch.cdist(samples, centres) is the (N, K) matrix of distances.
    """
    ### BEGIN SOLUTION
    near = torch.cdist(samples, centres) <= radius
    return int((near.float().mean(dim=0) >= min_fraction).sum())
    ### END SOLUTION


# %% tags=["check"]
check.count_modes(count_modes)

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise 4 — a generator step
#
# Write the second half of `gan_step` on its own: one update of the generator with the
# non-saturating loss, using the noise `z` you are given. Return the loss (computed before the
# update) as a Python number. Only the generator may change: `optimizer` holds its parameters.

# %% tags=["exercise"]
def generator_step(generator: nn.Module, discriminator: nn.Module, optimizer: torch.optim.Optimizer,
                   z: torch.Tensor) -> float:
    """One optimizer step of the generator on mean(-log σ(D(G(z)))); return that loss."""
    ### BEGIN SOLUTION
    logits = discriminator(generator(z))
    loss = F.softplus(-logits).mean()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss.item()
    ### END SOLUTION


# %% tags=["check"]
check.generator_step(generator_step)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Summary
#
# * A **GAN** trains two networks against each other: a generator turns noise into samples, a
#   discriminator tells real from fake. With the best discriminator, the minimax objective is
#   $-\log 4 + 2\,\mathrm{JSD}(p_\text{data} \| p_g)$, minimised when the generator reproduces the
#   data (checked numerically on 1-D densities).
# * The discriminator's loss is binary cross-entropy from **logits**. The generator uses the
#   **non-saturating** loss $-\log D(G(z))$: the minimax loss $\log(1 - D(G(z)))$ has a gradient of
#   $-D(G(z)) \approx 0$ exactly when the discriminator wins.
# * Training **alternates** a discriminator step (fakes detached) and a generator step (gradients
#   through $D$), each with its own optimizer. The losses do not go to zero and do not measure
#   quality.
# * On 8 Gaussians, the balanced game covered ≥ 6 of 8 modes, counted by
#   `course_utils.metrics.modes_covered`; against a discriminator 10× slower, the generator
#   **collapsed** onto a few.
# * A small **DCGAN** learned to draw MNIST-5k digits in 1,000 steps, and a separately trained
#   classifier read ≥ 7 different digits among its samples, less confidently than real ones.
#
# **Where to go from here.** This is the last lecture of the course. Generative modelling has
# moved on from GANs in many places: **diffusion models** (learn to remove noise step by step; they
# train stably and cover all modes, at the price of many network evaluations per sample) and
# **variational autoencoders** and **normalising flows** (which, unlike GANs, give likelihoods). The
# recurrent networks of lecture 06 have been replaced for text by **transformers** (attention instead
# of recurrence), the architecture behind today's language models, and **self-supervised learning**
# trains them on unlabelled data. Everything there is built from what you have learned here:
# tensors and autograd (lecture 00), gradient descent (02–03), backpropagation (04), convolutions
# (05), sequences (06) and games between networks (07). To revise, start again from
# [Lecture 00 — tensors, autograd and devices](00_tensors_autograd_devices.ipynb).
