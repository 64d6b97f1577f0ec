"""Checks for lecture 07: generative adversarial networks."""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ._core import assert_close, call, fail, passed, to_numpy

__all__ = ["count_modes", "discriminator_loss", "generator_loss", "generator_step"]


def _close(got: Tensor, expected: Tensor, rtol: float = 1e-4, atol: float = 1e-5) -> bool:
    a, e = to_numpy(got), to_numpy(expected)
    return a.shape == e.shape and bool((abs(a - e) <= atol + rtol * abs(e)).all())


def _random_logits(gen: torch.Generator, n: int, shape_2d: bool, scale: float) -> Tensor:
    logits = torch.randn(n, generator=gen) * scale
    return logits[:, None] if shape_2d else logits


def _scalar_with_grad(got: object, name: str) -> Tensor:
    """The student's loss must be a 0-dim tensor that autograd can differentiate."""
    if not isinstance(got, Tensor):
        fail(
            f"{name} should return a tensor (so that .backward() works), got {type(got).__name__}; "
            "do not call .item() or float() on the loss"
        )
    if got.ndim != 0:
        fail(
            f"{name} returned a tensor of shape {tuple(got.shape)}; average over the batch "
            "(.mean()) to return one number"
        )
    if not got.requires_grad:
        fail(
            f"{name} returned a loss that does not depend on the logits (no gradient can flow); "
            "compute it with tensor operations, without .item(), .detach() or NumPy"
        )
    return got


_LOGIT_HINT = (
    "the inputs are logits (any real number, the discriminator's output before the sigmoid), not "
    "probabilities; for stability use F.logsigmoid or F.softplus (log σ(l) = -softplus(-l), "
    "log(1 - σ(l)) = -softplus(l)), or F.binary_cross_entropy_with_logits"
)


# --------------------------------------------------------------------------- discriminator loss
def _reference_discriminator_loss(real: Tensor, fake: Tensor) -> Tensor:
    return F.softplus(-real).mean() + F.softplus(fake).mean()


def discriminator_loss(student_fn: Callable) -> None:
    """Check ``discriminator_loss(real_logits, fake_logits)``.

    The loss is binary cross-entropy with label 1 for real and 0 for generated samples,
    each averaged over its batch and then added:
    ``mean(-log σ(real)) + mean(-log(1 - σ(fake)))``. Tried on random logits, also large
    ones, and batches of different sizes.
    """
    gen = torch.Generator().manual_seed(707)
    cases = [(16, 16, False, 2.0), (7, 12, True, 3.0), (32, 5, False, 1.0), (10, 10, True, 25.0)]
    for n_real, n_fake, shape_2d, scale in cases:
        real = _random_logits(gen, n_real, shape_2d, scale).requires_grad_()
        fake = _random_logits(gen, n_fake, shape_2d, scale).requires_grad_()
        got = _scalar_with_grad(
            call(student_fn, real, fake, name="discriminator_loss"), "discriminator_loss"
        )
        real_, fake_ = real.detach(), fake.detach()
        expected = _reference_discriminator_loss(real_, fake_)
        if _close(got, expected):
            continue
        if not torch.isfinite(got):
            fail(
                f"discriminator_loss returned {got.item()} on logits up to ±{scale:g}: {_LOGIT_HINT}"
            )
        mistakes = [
            (
                F.softplus(real_).mean() + F.softplus(-fake_).mean(),
                "the labels are swapped (a sign error): real samples have label 1 "
                "(loss -log σ(real)), generated ones label 0 (loss -log(1 - σ(fake)))",
            ),
            (
                F.softplus(-torch.sigmoid(real_)).mean() + F.softplus(torch.sigmoid(fake_)).mean(),
                "you applied a sigmoid before a loss that expects logits; " + _LOGIT_HINT,
            ),
            (
                0.5 * expected,
                "your loss is half the expected one: add the two averages, do not average them",
            ),
            (
                F.softplus(-real_).sum() + F.softplus(fake_).sum(),
                "you summed over the batch; take the mean over each batch instead",
            ),
            (
                F.softplus(-real_).mean(),
                "the term for generated samples is missing: add mean(-log(1 - σ(fake)))",
            ),
            (
                F.softplus(fake_).mean(),
                "the term for real samples is missing: add mean(-log σ(real))",
            ),
            (
                F.softplus(-real_).mean() - F.softplus(fake_).mean(),
                "the sign of the generated-sample term is wrong: both terms are losses to "
                "minimise, so add -log(1 - σ(fake))",
            ),
        ]
        for value, message in mistakes:
            if _close(got, value):
                fail(f"discriminator_loss: {message}")
        assert_close(
            got,
            expected,
            what=f"discriminator_loss on {n_real} real and {n_fake} fake logits",
            rtol=1e-4,
            atol=1e-5,
            hint="mean(-log σ(real)) + mean(-log(1 - σ(fake))), from logits",
        )
    passed("discriminator_loss", len(cases))


# --------------------------------------------------------------------------- generator loss
def generator_loss(student_fn: Callable) -> None:
    """Check ``generator_loss(fake_logits)``: the non-saturating loss ``mean(-log σ(fake))``."""
    gen = torch.Generator().manual_seed(708)
    cases = [(16, False, 2.0), (9, True, 4.0), (40, False, 1.0), (12, True, 25.0)]
    for n, shape_2d, scale in cases:
        fake = _random_logits(gen, n, shape_2d, scale).requires_grad_()
        got = _scalar_with_grad(call(student_fn, fake, name="generator_loss"), "generator_loss")
        fake_ = fake.detach()
        expected = F.softplus(-fake_).mean()
        if _close(got, expected):
            continue
        if not torch.isfinite(got):
            fail(f"generator_loss returned {got.item()} on logits up to ±{scale:g}: {_LOGIT_HINT}")
        mistakes = [
            (
                -F.softplus(fake_).mean(),
                "this is the saturating loss mean(log(1 - σ(fake))) of the minimax game; its "
                "gradient vanishes when the discriminator rejects the fakes. Minimise "
                "mean(-log σ(fake)) instead (the non-saturating loss)",
            ),
            (
                F.softplus(fake_).mean(),
                "this is the discriminator's loss on fakes (label 0); the generator wants its "
                "fakes called real, so use label 1: mean(-log σ(fake))",
            ),
            (
                -expected,
                "the sign is wrong: minimising mean(log σ(fake)) makes the fakes look *less* real; "
                "use mean(-log σ(fake))",
            ),
            (
                F.softplus(-torch.sigmoid(fake_)).mean(),
                "you applied a sigmoid before a loss that expects logits; " + _LOGIT_HINT,
            ),
            (F.softplus(-fake_).sum(), "you summed over the batch; take the mean instead"),
        ]
        for value, message in mistakes:
            if _close(got, value):
                fail(f"generator_loss: {message}")
        assert_close(
            got,
            expected,
            what=f"generator_loss on {n} logits",
            rtol=1e-4,
            atol=1e-5,
            hint="the non-saturating loss is mean(-log σ(fake)), from logits",
        )
    passed("generator_loss", len(cases))


# --------------------------------------------------------------------------- counting modes
def _count(distances: Tensor, radius: float, min_fraction: float) -> int:
    return int(((distances <= radius).float().mean(dim=0) >= min_fraction).sum())


def count_modes(student_fn: Callable) -> None:
    """Check ``count_modes(samples, centres, radius, min_fraction)``.

    A mode is covered when at least ``min_fraction`` of all samples lie within ``radius``
    (Euclidean distance) of its centre. Tried on mixtures with uneven weights, empty
    modes, far-away outliers and 2 to 3 dimensions.
    """
    gen = torch.Generator().manual_seed(709)
    # (modes, dimension, radius, min_fraction, weights of the modes; the rest are outliers)
    cases = [
        (6, 2, 0.5, 0.05, [0.3, 0.3, 0.03, 0.0, 0.2, 0.0]),
        (8, 2, 0.3, 0.02, [0.2, 0.01, 0.15, 0.15, 0.0, 0.1, 0.1, 0.1]),
        (4, 3, 1.5, 0.1, [0.5, 0.06, 0.14, 0.0]),
        (5, 2, 2.0, 0.04, [0.25, 0.25, 0.02, 0.2, 0.0]),
    ]
    for k, dim, radius, min_fraction, weights in cases:
        centres = torch.randn(k, dim, generator=gen)
        centres = 6 * radius * centres / centres.norm(dim=1, keepdim=True)  # far apart
        n = 400
        counts = [round(w * n) for w in weights]
        parts = [
            centres[i] + 0.4 * radius * torch.randn(c, dim, generator=gen).clamp(-2, 2) / dim**0.5
            for i, c in enumerate(counts)
        ]
        outliers = 20 * radius + torch.randn(n - sum(counts), dim, generator=gen)  # near no centre
        samples = torch.cat([*parts, outliers])
        samples = samples[torch.randperm(n, generator=gen)]
        got = call(
            student_fn, samples.clone(), centres.clone(), radius, min_fraction, name="count_modes"
        )
        if isinstance(got, Tensor) and got.numel() == 1:
            got = got.item()
        if isinstance(got, bool) or not isinstance(got, (int, float)) or got != int(got):
            fail(f"count_modes should return a whole number (an int), got {got!r}")
        got = int(got)
        distances = torch.cdist(samples, centres)
        expected = _count(distances, radius, min_fraction)
        if got == expected:
            continue
        if got == _count(distances, radius, 1 / n):
            fail(
                "count_modes counted every mode with any sample near it; a mode needs at least "
                "min_fraction of *all* samples within radius"
            )
        if got == _count(distances**2, radius, min_fraction):
            fail("count_modes compared the squared distance with radius; take the square root")
        nearest = torch.zeros_like(distances, dtype=torch.bool)
        nearest[torch.arange(n), distances.argmin(dim=1)] = True
        if got == int((nearest.float().mean(dim=0) >= min_fraction).sum()):
            fail(
                "count_modes gave each sample to its nearest centre however far away it is; count "
                "only samples within radius of a centre"
            )
        fail(
            f"count_modes is wrong on {n} samples around {k} centres in {dim}-D (radius {radius}, "
            f"min_fraction {min_fraction}): got {got}, expected {expected}. For each centre, take "
            "the fraction of samples at distance <= radius and count the centres where it is "
            ">= min_fraction"
        )
    passed("count_modes", len(cases))


# --------------------------------------------------------------------------- a generator step
def _tiny_gan(seed: int, latent: int) -> tuple[nn.Module, nn.Module]:
    torch.manual_seed(seed)
    generator = nn.Sequential(nn.Linear(latent, 8), nn.Tanh(), nn.Linear(8, 2))
    discriminator = nn.Sequential(nn.Linear(2, 8), nn.LeakyReLU(0.2), nn.Linear(8, 1))
    return generator, discriminator


def _state(module: nn.Module) -> list[Tensor]:
    return [p.detach().clone() for p in module.parameters()]


def _reference_step(generator, discriminator, optimizer, z, loss_of_logits, zero_grad=True):
    if zero_grad:
        optimizer.zero_grad()
    loss = loss_of_logits(discriminator(generator(z)))
    loss.backward()
    optimizer.step()
    return loss.item()


def _after(seed, latent, z, junk, loss_of_logits, zero_grad=True):
    """The generator's weights after one step computed the reference way (or a wrong way)."""
    generator, discriminator = _tiny_gan(seed, latent)
    for p, g in zip(generator.parameters(), junk):
        p.grad = g.clone()
    optimizer = torch.optim.SGD(generator.parameters(), lr=0.5)
    loss = _reference_step(generator, discriminator, optimizer, z, loss_of_logits, zero_grad)
    return _state(generator), loss


def generator_step(student_fn: Callable) -> None:
    """Check ``generator_step(generator, discriminator, optimizer, z)``.

    One update of the generator's weights with the non-saturating loss
    ``mean(-log σ(D(G(z))))``, returning that loss (computed before the update) as a
    number. Tried on small networks with plain SGD, whose gradients hold stale values
    beforehand; the discriminator must not change.
    """
    cases = [(0, 3, 16), (1, 5, 7), (2, 2, 32)]
    non_saturating = lambda logits: F.softplus(-logits).mean()  # noqa: E731
    for seed, latent, batch in cases:
        z = torch.randn(batch, latent, generator=torch.Generator().manual_seed(100 + seed))
        generator, discriminator = _tiny_gan(seed, latent)
        junk = [torch.full_like(p, 0.3) for p in generator.parameters()]  # stale gradients
        for p, g in zip(generator.parameters(), junk):
            p.grad = g.clone()
        optimizer = torch.optim.SGD(generator.parameters(), lr=0.5)
        before_g, before_d = _state(generator), _state(discriminator)
        got = call(
            student_fn, generator, discriminator, optimizer, z.clone(), name="generator_step"
        )
        expected_weights, expected_loss = _after(seed, latent, z, junk, non_saturating)
        if any(not torch.equal(a, b) for a, b in zip(_state(discriminator), before_d)):
            fail(
                "generator_step changed the discriminator's weights; a generator step updates "
                "only the generator (step only its optimizer)"
            )
        weights = _state(generator)
        if all(torch.equal(a, b) for a, b in zip(weights, before_g)):
            fail(
                "generator_step did not change the generator's weights: did you detach the fakes, "
                "compute under torch.no_grad(), or forget optimizer.step()?"
            )
        if not all(torch.allclose(a, b, atol=1e-6) for a, b in zip(weights, expected_weights)):
            mistakes = [
                (
                    lambda logits: -F.softplus(logits).mean(),
                    True,
                    "you used the saturating loss mean(log(1 - σ(D(G(z))))); use the "
                    "non-saturating mean(-log σ(D(G(z)))) instead",
                ),
                (
                    lambda logits: -F.softplus(-logits).mean(),
                    True,
                    "the sign is wrong: your step makes the fakes look less real; minimise "
                    "mean(-log σ(D(G(z))))",
                ),
                (
                    lambda logits: F.softplus(logits).mean(),
                    True,
                    "you used label 0 for the fakes (the discriminator's target); the generator "
                    "wants them called real: label 1",
                ),
                (
                    non_saturating,
                    False,
                    "the gradients were not reset: call optimizer.zero_grad() before "
                    "loss.backward(), or stale gradients are added to the new ones",
                ),
            ]
            for loss_of_logits, zero_grad, message in mistakes:
                wrong, _ = _after(seed, latent, z, junk, loss_of_logits, zero_grad)
                if all(torch.allclose(a, b, atol=1e-6) for a, b in zip(weights, wrong)):
                    fail(f"generator_step: {message}")
            fail(
                "generator_step changed the generator's weights, but not as one step of the "
                "non-saturating loss would: use the z you are given, call zero_grad, backward "
                "and step once"
            )
        if isinstance(got, Tensor) and got.numel() == 1:
            got = got.item()
        if not isinstance(got, (int, float)):
            fail(f"generator_step should return the loss as a number, got {type(got).__name__}")
        assert_close(
            got,
            expected_loss,
            what="the loss generator_step returned",
            rtol=1e-4,
            hint="return the loss computed before the update, e.g. loss.item()",
        )
    passed("generator_step", len(cases))
