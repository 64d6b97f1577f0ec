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
# 4. a 2-D mixture of 8 Gaussians on a ring: watching the samples move, judging them by the modes
#    covered and the share of samples on a mode;
# 5. **mode collapse**, the GAN's typical failure;
# 6. **flow matching**, the simpler family of models that has largely replaced GANs, on the same ring;
# 7. the **transposed convolution**, the layer that lets a generator upsample;
# 8. a small **DCGAN** on MNIST-5k, judged by the digit classifier of lecture 05, and a walk
#    through its latent space.

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

import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F
from torch import nn

from course_utils import (
    PALETTE,
    evaluate,
    fit,
    get_device,
    high_quality_fraction,
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
# $\sigma = 0.1$) spaced evenly on a circle of radius 2. Each Gaussian is a **mode**. A generator
# that serves only a few modes has **collapsed**, the most common failure of GANs. Two numbers judge
# the samples, as in the papers on this benchmark (Metz et al., 2017; Srivastava et al., 2017):
#
# * **modes covered** (`modes_covered`): a mode counts when at least *half its fair share* of the
#   samples, $\frac12 \cdot \frac18$, lies within $3\sigma$ of its centre;
# * **high-quality samples** (`high_quality_fraction`): the share of samples within $3\sigma$ of
#   *some* centre. The data itself scores about 99 % (in 2-D, $1 - e^{-9/2}$).
#
# Both are needed. Points spread evenly along the circle pass near every centre but put only
# $\frac{2 \cdot 3\sigma}{2\pi \cdot 2} \approx 4.8\,\%$ of the samples within $3\sigma$ of each,
# less than the $6.25\,\%$ a mode needs; a metric that asked for a few samples per mode would call
# such a featureless ring a perfect generator. We check the metric on the data and on two things it
# must reject.

# %%
RING_STD = 0.1
RADIUS = 3 * RING_STD  # "near a centre": within 3 standard deviations
ring_data, centres = make_gaussian_ring(10_000, std=RING_STD, seed=0)
ring_data = ring_data.to(device)


def judge(points):
    """(modes covered, share of high-quality samples) of a cloud of points."""
    return modes_covered(points, centres, radius=RADIUS), high_quality_fraction(points, centres, radius=RADIUS)


angles = 2 * math.pi * torch.rand(2000)
references = {"the data": ring_data[:2000], "a featureless circle": 2 * torch.stack([angles.cos(), angles.sin()], 1),
              "a wide blob": 1.5 * torch.randn(2000, 2)}
for name, points in references.items():
    modes, quality = judge(points)
    print(f"{name:>20}: {modes}/8 modes, {quality:.0%} high-quality")
assert judge(references["the data"])[0] == 8 and judge(references["the data"])[1] > 0.97
assert judge(references["a featureless circle"])[0] <= 2 and judge(references["a wide blob"])[0] <= 2

# %% [markdown] slideshow={"slide_type": "subslide"}
# Generator and discriminator are small MLPs with leaky ReLUs (slope 0.2 for negative inputs, so
# no unit goes silent for good). The generator maps 2 noise dimensions to a point in the plane. We
# train for 2,000 steps of 256 points, both learning rates decaying linearly to zero.

# %%
def mlp(n_in, n_out, hidden=128):
    return nn.Sequential(nn.Linear(n_in, hidden), nn.LeakyReLU(0.2),
                         nn.Linear(hidden, hidden), nn.LeakyReLU(0.2), nn.Linear(hidden, n_out))


RING_LATENT = 2
RING_STEPS = (0, 250, 500, 1000, 2000)
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
scores = {step: judge(points) for step, points in ring_samples.items()}
print("(modes, high-quality share) at each snapshot:", {s: (m, round(q, 2)) for s, (m, q) in scores.items()})


def plot_snapshots(samples, title):
    fig, axes = plt.subplots(1, len(samples), figsize=(10, 2.4), sharex=True, sharey=True)
    for ax, (step, points) in zip(axes, samples.items()):
        ax.scatter(*ring_data[:1000].cpu().T, s=2, color="0.75", label="data")
        ax.scatter(*points[:1000].T, s=2, color=PALETTE[0], label="generated")
        ax.scatter(*centres.T, marker="x", s=20, color=PALETTE[3], label="centres")
        modes, quality = judge(points)
        ax.set(title=f"step {step}: {modes}/8, {quality:.0%}", xlim=(-3, 3), ylim=(-3, 3), aspect="equal",
               xlabel="$x_1$")
    axes[0].set_ylabel("$x_2$")
    axes[0].legend(fontsize="x-small", loc="lower left", markerscale=3)
    fig.suptitle(title + " (titles: modes covered, high-quality share)")
    fig.tight_layout()


plot_snapshots(ring_samples, "Non-saturating GAN on the ring: samples G(z) during training")

# %% [markdown] slideshow={"slide_type": "subslide"}
# At step 0 the generator maps all noise to a small blob near the origin. The discriminator's
# gradient pushes the blob outwards and it stretches into a ring, which at first is just that: a
# featureless ring that covers no mode by our metric. Over the later steps, as the learning rates
# decay, the ring thins out between the centres and gathers on them: clusters form, and most
# samples end up within $3\sigma$ of a centre. Thin bridges between neighbouring clusters remain:
# $G$ is a continuous map from a connected noise space, so it cannot jump from one cluster to the
# next without drawing some points in between. We assert what the numbers show:

# %%
final_modes, final_quality = scores[RING_STEPS[-1]]
fractions = mode_fractions(ring_samples[RING_STEPS[-1]], centres, radius=RADIUS)
print("share of samples within 3σ of each centre:", [f"{f:.2f}" for f in fractions.tolist()])
assert scores[0][0] <= 2, "the untrained generator should cover at most 2 modes"
assert final_modes >= 6, f"expected ≥ 6 of 8 modes covered, got {final_modes}"
assert final_quality >= 0.5, f"expected most samples within 3σ of a centre, got {final_quality:.0%}"

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### The losses do not go to zero
#
# In a classifier the loss falls steadily. Here each player's loss is the other's gain, so neither
# goes to zero. At the ideal equilibrium, $D = \frac12$ everywhere, they would be
# $L_D = 2 \log 2 \approx 1.39$ and $L_G = \log 2 \approx 0.69$; in practice the discriminator keeps
# an edge ($L_D$ somewhat lower, $L_G$ higher) without winning outright. A GAN's losses tell you
# whether the game is balanced, not how good the samples are; that is why we judge the samples.

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
saturating_samples, saturating_losses = train_ring(0, lr_g=1e-3, lr_d=1e-3, saturating=True)
modes_saturating, quality_saturating = judge(saturating_samples[RING_STEPS[-1]])
late_d = saturating_losses[len(saturating_losses) // 2 :, 0].mean()
print(f"saturating loss: {modes_saturating}/8 modes, {quality_saturating:.0%} high-quality; "
      f"second half mean L_D = {late_d:.2f}")
assert modes_saturating >= 6 and quality_saturating >= 0.5, "the saturating loss should work here too"
assert late_d > 0.8, "the discriminator should never win outright on the ring"

# %% [markdown]
# It works too. On this easy problem, with leaky ReLUs and a discriminator that learns no faster
# than the generator, the discriminator never wins outright (its loss stays far from 0), so
# $D(G(z))$ stays away from 0 and the saturating gradient $-D(G(z))$ does not vanish. The
# non-saturating loss is the default for the case where the discriminator *does* win early, as it
# can when real and fake are easy to tell apart at the start (Goodfellow et al., 2014, recommend it
# for that reason); we do not run that case here. Vanishing gradients are one failure; the next
# section shows another.

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
collapsed_modes, collapsed_quality = judge(collapsed_samples[RING_STEPS[-1]])
print(f"modes covered: {collapsed_modes}/8, {collapsed_quality:.0%} high-quality (the balanced game: {final_modes}/8)")
assert collapsed_modes <= 3 < final_modes, "the outpaced generator should collapse onto ≤ 3 modes"

# %% [markdown] slideshow={"slide_type": "subslide"}
# Why the balanced game escapes this: a discriminator that keeps up penalises a crowded mode
# quickly, while fakes in the empty modes still fool it, so the gradient spreads the generator out.
# Other remedies used in practice: lower and decaying learning rates, **minibatch discrimination**
# (let $D$ see a whole batch, so a batch of identical fakes is easy to spot), **unrolled GANs**,
# losses with better gradients such as the **Wasserstein GAN** with a gradient penalty (exercise 5),
# and **spectral normalisation** of $D$'s weights. Or a different kind of model altogether.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 6. What replaced GANs: flow matching
#
# Since about 2021, most image generators are **diffusion** models or their simplest modern form,
# **flow matching** (Lipman et al., 2023; Liu et al., 2023). The idea: move noise to data in many
# small steps along a learned velocity field, and learn that field by plain regression.
#
# Draw noise $x_0 \sim \mathcal N(0, I)$, a data point $x_1$ and a time $t \sim U(0, 1)$, and walk
# the straight line between them: $x_t = (1 - t)\,x_0 + t\,x_1$, whose velocity is $x_1 - x_0$. A
# network $v(x_t, t)$ trained by squared error to predict $x_1 - x_0$ learns the *average*
# velocity through each point, and following that field from $t = 0$ to $1$ carries the noise
# distribution onto the data distribution. To sample, start from noise and take Euler steps
# $x \leftarrow x + \frac1n v(x, t)$.
#
# There is no game: one network, one loss that goes down, and every data point is a regression
# target, so no mode can be dropped without raising the loss.

# %%
def train_flow(seed, n_steps=4000, batch_size=256):
    """Fit a velocity MLP v(x_t, t) to x1 - x0 on the ring; return it and its losses."""
    seed_everything(seed)
    velocity = nn.Sequential(nn.Linear(3, 128), nn.SiLU(), nn.Linear(128, 128), nn.SiLU(),
                             nn.Linear(128, 128), nn.SiLU(), nn.Linear(128, 2)).to(device)
    optimizer = torch.optim.Adam(velocity.parameters(), lr=2e-3)
    decay = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: 1 - step / n_steps)
    losses = torch.zeros(n_steps, device=device)
    for step in range(n_steps):
        x1 = ring_data[torch.randint(len(ring_data), (batch_size,), device=device)]
        x0, t = torch.randn_like(x1), torch.rand(batch_size, 1, device=device)
        x_t = (1 - t) * x0 + t * x1
        loss = ((velocity(torch.cat([x_t, t], dim=1)) - (x1 - x0)) ** 2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        decay.step()
        losses[step] = loss.detach()
    return velocity, losses.cpu()

# %% slideshow={"slide_type": "subslide"}
@torch.no_grad()
def sample_flow(velocity, z, n_euler=50):
    """Follow the velocity field from noise z (t = 0) to a sample (t = 1) with n_euler Euler steps."""
    x = z.clone()
    for k in range(n_euler):
        t = torch.full((len(x), 1), k / n_euler, device=x.device)
        x = x + velocity(torch.cat([x, t], dim=1)) / n_euler
    return x.cpu()


velocity, flow_losses = train_flow(0)
z_flow = torch.randn(2000, 2, device=device)
flow_samples = {n: sample_flow(velocity, z_flow, n) for n in (1, 5, 50)}
for n, points in flow_samples.items():
    modes, quality = judge(points)
    print(f"{n:>3} Euler steps: {modes}/8 modes, {quality:.0%} high-quality")

# %% [markdown] slideshow={"slide_type": "subslide"}
# The same judge for both models, on the same data:

# %%
compared = {"GAN, 2,000 steps": (ring_samples[RING_STEPS[-1]], PALETTE[0]),
            "flow matching, 50 Euler steps": (flow_samples[50], PALETTE[2])}
fig, axes = plt.subplots(1, 3, figsize=(10, 3.3))
for ax, (name, (points, colour)) in zip(axes, compared.items()):
    ax.scatter(*ring_data[:1000].cpu().T, s=2, color="0.75", label="data")
    ax.scatter(*points[:1000].T, s=2, color=colour, label=name.split(",")[0])
    modes, quality = judge(points)
    ax.set(title=f"{name}\n{modes}/8 modes, {quality:.0%} high-quality", xlim=(-3, 3), ylim=(-3, 3),
           aspect="equal", xlabel="$x_1$", ylabel="$x_2$")
    ax.legend(fontsize="x-small", loc="lower left", markerscale=3)
plot_curves({"flow matching": flow_losses.unfold(0, 50, 50).mean(dim=-1)}, ax=axes[2], xlabel="step (×50)",
            ylabel="squared error", title="Flow matching: a loss that goes down")
fig.tight_layout()
assert flow_losses[-200:].mean() < flow_losses[:200].mean(), "the flow-matching loss should go down"
flow_modes, flow_quality = judge(flow_samples[50])
assert flow_modes >= 7 and flow_quality >= 0.8, f"flow matching: {flow_modes}/8 modes, {flow_quality:.0%}"
assert flow_quality > final_quality, "flow matching should put more samples on the modes than the GAN"
assert judge(flow_samples[1])[0] == 0 and judge(flow_samples[5])[1] < flow_quality, "few Euler steps fall short"

# %% [markdown]
# Flow matching covers the modes with most samples on them, after training that is simpler than
# the GAN's: one network and one loss to minimise, no balance to keep. It took more steps here
# (4,000 against 2,000), each cheaper (one network's forward and backward pass, where a GAN step
# runs $D$ three times and backpropagates twice). Its price is paid at sampling time: 50 network
# evaluations per sample where the GAN needs one; as the printout above shows, one step does not
# work at all and five leave fewer samples on the modes (the experiment at the end asks why). The bridges between modes are thinner, but not
# gone: a flow, too, is a continuous map of connected noise.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 7. Upsampling: the transposed convolution
#
# A convolution with stride 2 halves an image (lecture 05): each output pixel *gathers* a
# $k \times k$ patch of the input. A generator needs the opposite, a learned layer that doubles the
# size. The **transposed convolution** (`nn.ConvTranspose2d`) *scatters* instead: each input pixel
# multiplies the whole kernel, and that $k \times k$ patch is added into the output at position
# $(s\,i, s\,j)$; where patches overlap, they add up. Padding then works backwards: $p$ rows and
# columns are cropped from each border. So an $n \times n$ input gives
#
# $$n_\text{out} = (n - 1)\,s - 2p + k + \text{output\_padding},$$
#
# where `output_padding` (default 0) adds rows at one side to pick between the sizes that a strided
# convolution maps to the same $n$. With $k = 4$, $s = 2$, $p = 1$: $n_\text{out} = 2n$, so
# $7 \to 14 \to 28$. We write it with two loops and compare with PyTorch.

# %%
def conv_transpose_by_scatter(x, kernel, stride, padding):
    """One-channel transposed convolution: add x[i, j] * kernel into the output at (s i, s j)."""
    n, k = len(x), len(kernel)
    full = torch.zeros((n - 1) * stride + k, (n - 1) * stride + k)
    for i in range(n):
        for j in range(n):
            full[i * stride : i * stride + k, j * stride : j * stride + k] += x[i, j] * kernel
    return full[padding : len(full) - padding, padding : len(full) - padding]


x_small, kernel = torch.randn(3, 3), torch.randn(4, 4)
layer = nn.ConvTranspose2d(1, 1, kernel_size=4, stride=2, padding=1, bias=False)
with torch.no_grad():
    layer.weight.copy_(kernel)  # weight shape (in_channels, out_channels, k, k) = (1, 1, 4, 4)
    theirs = layer(x_small[None, None])[0, 0]
ours = conv_transpose_by_scatter(x_small, kernel, stride=2, padding=1)
print(f"3×3 input → {tuple(ours.shape)} output; largest difference from nn.ConvTranspose2d: "
      f"{(ours - theirs).abs().max():.1e}")
assert ours.shape == theirs.shape == ((3 - 1) * 2 - 2 * 1 + 4,) * 2 and torch.allclose(ours, theirs, atol=1e-5)

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Why "transposed"
#
# A convolution is a linear map, $y = C x$, with a large sparse matrix $C$. The transposed
# convolution with the same kernel multiplies by $C^\top$: it maps the *shape* back (here
# $3 \times 3 \to 6 \times 6$ where the convolution maps $6 \times 6 \to 3 \times 3$), but it is not
# the inverse ($C^\top C \ne I$). $C^\top$ is also exactly what backpropagation needs: for
# $y = Cx$ and an upstream gradient $g = \partial L / \partial y$, $\partial L / \partial x = C^\top g$.
# So the backward pass of every convolution in lecture 05 (to its input) *was* a transposed
# convolution. Autograd agrees. The last lines count how many patches reach each output pixel: with
# $k = 4$, $s = 2$ every pixel away from the border gets exactly 4; with $k = 3$ some get 1, others 2
# or 4, which stamps a checkerboard pattern into generated images (Odena et al., 2016), one reason
# DCGANs pair $k = 4$ with $s = 2$.

# %%
x_big = torch.randn(1, 1, 6, 6, requires_grad=True)
y = F.conv2d(x_big, kernel[None, None], stride=2, padding=1)  # 6×6 → 3×3
upstream = torch.randn_like(y)  # some ∂L/∂y
(grad_x,) = torch.autograd.grad(y, x_big, grad_outputs=upstream)
transposed = F.conv_transpose2d(upstream, kernel[None, None], stride=2, padding=1)  # 3×3 → 6×6
print(f"∂L/∂x vs conv_transpose2d(∂L/∂y): largest difference {(grad_x - transposed).abs().max():.1e}")
assert torch.allclose(grad_x, transposed, atol=1e-5)
# How many patches reach each output pixel: even for k = 4, s = 2, uneven for k = 3 (checkerboards)
coverage = {k: F.conv_transpose2d(torch.ones(1, 1, 4, 4), torch.ones(1, 1, k, k), stride=2)[0, 0, 2:-2, 2:-2]
            for k in (3, 4)}
print({k: sorted(set(c.flatten().tolist())) for k, c in coverage.items()})
assert coverage[4].unique().tolist() == [4.0] and len(coverage[3].unique()) > 1

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 8. A GAN for digits: DCGAN on MNIST-5k
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
classifier.eval()  # from now on it only judges: batch norm's running statistics, no dropout
print(f"classifier test accuracy: {test_accuracy:.1%}")
assert test_accuracy >= 0.97, f"expected the classifier to reach ≥ 97 %, got {test_accuracy:.1%}"

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### DCGAN: convolutions in both players
#
# The DCGAN recipe (Radford et al., 2015): the generator **upsamples** with the transposed
# convolutions of section 7 ($k = 4$, $s = 2$, $p = 1$ doubles the size), with batch norm and ReLU,
# and ends in `tanh`, so pixels lie in $[-1, 1]$; the discriminator **downsamples** with strided
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
DCGAN_STEPS = 1000
MNIST_STEPS = (100, 500, DCGAN_STEPS)
image_snapshots, early_generator = {}, copy.deepcopy(generator)

# %% [markdown] slideshow={"slide_type": "subslide"}
# **Batch norm when drawing.** In training mode a batch-norm layer normalises with the statistics of
# the current batch, so each image would depend on the other $z$'s drawn with it. In evaluation mode
# (`generator.eval()`) it uses the running averages collected during training, and an image depends
# on its own $z$ only. We draw every picture in evaluation mode, the snapshots during training as
# well as the final samples, and switch back with `generator.train()` before training goes on.

# %%
def snapshot_images(step):
    generator.eval()
    with torch.no_grad():
        image_snapshots[step] = (generator(z_show).cpu() + 1) / 2
    if step == MNIST_STEPS[0]:
        early_generator.load_state_dict(generator.state_dict())  # kept to test the judge below
    generator.train()


mnist_losses = train_gan(generator, discriminator, real_images, n_steps=MNIST_STEPS[-1], batch_size=64,
                         latent_dim=LATENT, lr_g=1e-3, lr_d=1e-3, decay=False,
                         snapshot_steps=MNIST_STEPS, on_snapshot=snapshot_images)
generator.eval()
fig, axes = plt.subplots(1, len(MNIST_STEPS), figsize=(10, 2.6))
for ax, (step, images) in zip(axes, image_snapshots.items()):
    show_images(images[:16], nrow=4, ax=ax, title=f"step {step}")
fig.suptitle("The same noise z through the generator during training")
fig.tight_layout()

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Which digits does it draw?
#
# We generate 1,000 digits and let the classifier read them. A sample is **readable** when the
# classifier gives one class a probability of at least 0.9. The generator **makes** a digit when at
# least 2.5 % of its readable samples (a quarter of a fair share) are read as that digit, and the
# **balance** of the readable samples over the ten classes is summed up by the *effective number of
# classes* $e^{H}$, with $H$ the entropy of their histogram: 10 for a perfectly even generator, 1
# for one that draws a single digit. A generator passes when at least a fifth of its samples are
# readable, it makes at least 7 digits and the effective number of classes is at least 6. Before we
# trust the judge, it must pass real digits, fail a "collapsed" generator that returns only the 1s
# of the test set (perfectly readable, but one digit), and rank the half-trained generator of step
# 100 below the final one. (The classifier judges in evaluation mode: in training mode its batch
# norm would normalise a batch of only 1s by that batch's own statistics and misread it.)

# %%
@torch.no_grad()
def read_digits(images):
    """The classifier's verdict: (share readable, digits made, effective classes, counts per digit)."""
    confidence, predicted = F.softmax(classifier(images), dim=1).max(dim=1)
    counts = torch.bincount(predicted[confidence >= 0.9], minlength=10).cpu()
    shares = counts / counts.sum().clamp(min=1)
    entropy = -(shares[shares > 0] * shares[shares > 0].log()).sum()
    return (confidence >= 0.9).float().mean().item(), int((shares >= 0.025).sum()), entropy.exp().item(), counts


def passes(readable, made, effective, counts):
    return readable >= 0.2 and made >= 7 and effective >= 6


z_judge = torch.randn(1000, LATENT, device=device)
with torch.no_grad():
    fakes, early_fakes = ((net(z_judge) + 1) / 2 for net in (generator, early_generator.eval()))
judged = {"real test digits": read_digits(mnist.X_test.to(device)),
          "only the 1s of the test set": read_digits(mnist.X_test[mnist.y_test == 1].to(device)),
          "generator at step 100": read_digits(early_fakes),
          f"generator at step {DCGAN_STEPS}": read_digits(fakes)}
for name, (readable, made, effective, counts) in judged.items():
    verdict = "passes" if passes(readable, made, effective, counts) else "fails"
    print(f"{name:>28}: {readable:4.0%} readable, {made:2d} digits made, {effective:4.1f} effective classes: {verdict}")
assert passes(*judged["real test digits"]), "real digits should pass the judge"
assert not passes(*judged["only the 1s of the test set"]), "a generator of one digit should fail"
assert judged["generator at step 100"][0] < judged[f"generator at step {DCGAN_STEPS}"][0], "training should help"

# %% slideshow={"slide_type": "subslide"}
readable, digits_made, effective, counts = judged[f"generator at step {DCGAN_STEPS}"]
fig, (ax_images, ax_bars) = plt.subplots(1, 2, figsize=(10, 3.6), gridspec_kw={"width_ratios": [1, 1.4]})
predicted = F.softmax(classifier(fakes[:24]), dim=1).argmax(dim=1).tolist()
show_images(fakes[:24].cpu(), nrow=6, ax=ax_images, labels=predicted, title="Generated digits (classifier's reading)")
digits = torch.arange(10)
ax_bars.bar(digits, counts / counts.sum(), color=PALETTE[0], label="generator")
real_counts = judged["real test digits"][3]
ax_bars.plot(digits, real_counts / real_counts.sum(), "o", color="0.3", label="real test digits")
ax_bars.axhline(0.025, color=PALETTE[3], linestyle=":", label="2.5 %: a digit is made")
ax_bars.set(xticks=digits.tolist(), xlabel="digit the classifier reads", ylabel="share of readable samples",
            title=f"Class balance: {digits_made} digits made, {effective:.1f} effective classes")
ax_bars.legend(fontsize="small", loc="upper right")
fig.tight_layout()
assert passes(readable, digits_made, effective, counts), (
    f"the generator should pass: {readable:.0%} readable, {digits_made} digits, {effective:.1f} effective classes")

# %% [markdown]
# Our DCGAN passes, but the table above shows how far it is from real digits: fewer of its samples
# are readable, and the bars are uneven (a GAN need not draw the digits in the data's proportions).
# Longer training and wider networks (minutes rather than seconds) close much of that gap; the
# recipe stays the same. The scores used in research work the same way with a bigger judge: the
# Inception Score and the Fréchet Inception Distance (FID) compare what an ImageNet classifier sees
# in real and generated images.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Walking through the latent space
#
# The generator maps *every* $z$ to an image, so we can walk from one sample to another: take two
# noise vectors $z_a, z_b$ and draw the images of the points between them. The straight line
# $(1 - \alpha) z_a + \alpha z_b$ has a catch in many dimensions: a Gaussian $z \in \mathbb R^{32}$
# almost always has a norm close to $\sqrt{32} \approx 5.7$, but the midpoint of two independent
# ones has norm close to $\sqrt{16} = 4$: a region the generator hardly ever saw in training.
# **Spherical** interpolation (slerp) walks along the arc instead, rotating $z_a$ into $z_b$ by the
# angle $\theta$ between them, which keeps the norm:
# $\operatorname{slerp}(z_a, z_b; \alpha) = \frac{\sin((1 - \alpha)\theta)}{\sin \theta} z_a +
# \frac{\sin(\alpha \theta)}{\sin \theta} z_b$.

# %%
def slerp(z_a, z_b, alpha):
    """Spherical interpolation between rows of z_a and z_b, alpha of shape (n, 1) in [0, 1]."""
    theta = torch.arccos(F.cosine_similarity(z_a, z_b, dim=-1)).unsqueeze(-1)
    return (torch.sin((1 - alpha) * theta) * z_a + torch.sin(alpha * theta) * z_b) / torch.sin(theta)


pairs = torch.randn(2, 1000, LATENT)
ends, middle = pairs[0].norm(dim=1).mean(), ((pairs[0] + pairs[1]) / 2).norm(dim=1).mean()
arc_middle = slerp(pairs[0], pairs[1], torch.full((1000, 1), 0.5)).norm(dim=1).mean()
print(f"mean norm: endpoints {ends:.2f}, linear midpoints {middle:.2f}, spherical midpoints {arc_middle:.2f}")
assert 0.6 < middle / ends < 0.8 and 0.95 < arc_middle / ends < 1.05, "linear midpoints should shrink by about 1/√2"

alpha = torch.linspace(0, 1, 10, device=device)[:, None]
z_a, z_b = z_judge[0], z_judge[1]
with torch.no_grad():
    rows = {"linear": generator((1 - alpha) * z_a + alpha * z_b), "spherical": generator(slerp(z_a, z_b, alpha))}
fig, axes = plt.subplots(2, 1, figsize=(10, 2.6))
for ax, (name, images) in zip(axes, rows.items()):
    show_images((images.cpu() + 1) / 2, nrow=10, ax=ax, title=f"{name} interpolation from $z_a$ to $z_b$")
fig.tight_layout()

# %% [markdown]
# Both rows morph one digit into another through shapes the generator never had as a target:
# the latent space is smooth, and nearby $z$'s give similar digits. Some in-between images are
# hard to read: the generator must pass from one digit to the other continuously, the same reason
# the ring's clusters stay joined by thin bridges.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 9. Exercises
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
# counts). Return a Python `int`. The check compares with `course_utils.metrics.modes_covered`
# called with the same `min_fraction` (section 4 used its default, half a fair share: $1/(2K)$).

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

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise 5 — the WGAN-GP gradient penalty
#
# The Wasserstein GAN with gradient penalty (Gulrajani et al., 2017) replaces the discriminator by
# a *critic* $D$ whose scores need not be probabilities, and keeps it from becoming too steep by
# adding $\lambda \cdot \mathrm{GP}$ to its loss, with
#
# $$\mathrm{GP} = \frac1m \sum_i \big(\lVert \nabla_{\hat x} D(\hat x_i) \rVert_2 - 1\big)^2, \qquad
#   \hat x_i = \epsilon_i\, x_i^\text{real} + (1 - \epsilon_i)\, x_i^\text{fake}:$$
#
# the critic's gradient, at random points between real and fake samples, should have norm 1.
# Write `gradient_penalty(critic, real, fake, eps)` for batches of any shape (points $(m, 2)$ or
# images $(m, C, H, W)$) and weights `eps` of shape $(m,)$; return GP (without $\lambda$) as a 0-dim
# tensor. Think about: which axes one sample's gradient norm runs over; how to get the gradient
# of each $D(\hat x_i)$ with respect to its own $\hat x_i$ in one call of `torch.autograd.grad`;
# and what the critic's optimizer needs in order to learn from GP (its weights must get a gradient
# through your gradient).

# %% tags=["exercise"]
def gradient_penalty(critic: nn.Module, real: torch.Tensor, fake: torch.Tensor,
                     eps: torch.Tensor) -> torch.Tensor:
    """WGAN-GP's penalty: mean over the batch of (‖∇D(x̂)‖ - 1)², x̂ = eps·real + (1 - eps)·fake."""
    ### BEGIN SOLUTION
    eps = eps.reshape(-1, *[1] * (real.ndim - 1))  # one weight per sample, broadcast over its features
    between = (eps * real + (1 - eps) * fake).requires_grad_()
    (grads,) = torch.autograd.grad(critic(between).sum(), between, create_graph=True)
    return ((grads.flatten(start_dim=1).norm(dim=1) - 1) ** 2).mean()
    ### END SOLUTION


# %% tags=["check"]
check.gradient_penalty(gradient_penalty)

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Experiment — how many steps does a flow need?
#
# Section 6 sampled the flow-matching model with 1, 5 and 50 Euler steps. Change `n_euler` below
# (try 1, 2, 3, 5, 10, 20, 100) and re-run the cell. How do the modes covered and the share of
# high-quality samples change? Why does a single step put every sample near the origin? (Hint:
# what is the best prediction of $x_1 - x_0$ at $t = 0$, when $x_t = x_0$ tells nothing about
# $x_1$?) What does this say about the cost of sampling from flows and diffusion models compared
# with a GAN?

# %%
n_euler = 3
points = sample_flow(velocity, z_flow, n_euler)
modes, quality = judge(points)
fig, ax = plt.subplots(figsize=(3.5, 3.5))
ax.scatter(*ring_data[:1000].cpu().T, s=2, color="0.75", label="data")
ax.scatter(*points[:1000].T, s=2, color=PALETTE[2], label="flow matching")
ax.set(title=f"{n_euler} Euler steps: {modes}/8, {quality:.0%}", xlim=(-3, 3), ylim=(-3, 3), aspect="equal",
       xlabel="$x_1$", ylabel="$x_2$")
ax.legend(fontsize="x-small", loc="lower left", markerscale=3)

# %% [markdown] tags=["answer"]
# ### BEGIN SOLUTION
# With one step every sample lands near the origin: 0 modes, almost no high-quality samples. At
# $t = 0$ the point $x_t = x_0$ is pure noise and says nothing about which data point it will
# reach, so the squared-error-optimal velocity is the average, $\mathbb E[x_1] - x_0 = -x_0$ (the
# ring's mean is 0), and one Euler step of size 1 moves $x_0$ to $x_0 - x_0 = 0$. The true paths
# of the learned flow are curved: each point first heads for the middle of the ring and only later
# (larger $t$, when $x_t$ starts to tell the modes apart) turns towards one mode, so a few large
# steps cut the corners and land beside the modes. With a handful of steps every mode is reached but
# the clusters are smeared (about 70 % high-quality samples with 5 steps, against about 90 % with
# 50); from a few tens of steps on, the numbers hardly change: the Euler error is then smaller than
# the model's own error. So a flow or diffusion model pays for its stable,
# mode-covering training with many network evaluations per sample (tens to hundreds), where a GAN
# needs one; distillation and straighter ("rectified") flows are ways to cut that number.
# ### END SOLUTION

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
# * On 8 Gaussians, a generator is judged by two numbers: the **modes covered** (at least half a
#   fair share within $3\sigma$) and the share of **high-quality samples** (within $3\sigma$ of
#   some centre). A featureless ring through the centres fails the first, and so does a generator
#   collapsed onto one sharp cluster; the balanced GAN covered ≥ 6 of 8 modes with most samples on a mode, the saturating
#   loss did as well here, and against a discriminator 10× slower the generator **collapsed**.
# * **Flow matching** learns a velocity field by plain regression on straight noise-to-data paths
#   and samples with Euler steps: on the same ring and the same judge it covered the modes with more
#   samples on them than the GAN, at the price of many network evaluations per sample.
# * The **transposed convolution** scatters each input pixel times the kernel; its output size is
#   $(n - 1)s - 2p + k + \text{output\_padding}$, and it is the backward pass of a convolution.
# * A small **DCGAN** learned to draw MNIST-5k digits; a separately trained classifier, judging in
#   evaluation mode, read at least a fifth of its samples confidently and found ≥ 7 digits among
#   them in a fairly even mix, a judge that real digits pass and a collapsed generator fails. Its latent space is smooth: walking from one $z$ to another morphs one
#   digit into another (spherically, to keep $\lVert z \rVert$ typical).
#
# **Where to go from here.** Generative modelling has moved on from GANs in many places:
# **diffusion** and **flow-matching** models (section 6, at scale, with a U-Net or a transformer as
# the velocity network) draw most of today's generated images, and **variational autoencoders** and
# **normalising flows** give likelihoods, which GANs do not. The next lecture turns to the
# architecture behind today's language models and many of those velocity networks:
# [Lecture 08 — Attention and transformers](08_attention_transformers.ipynb).
