"""Checks for lecture 07: generative adversarial networks."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ._core import (
    Exercise,
    Forbidden,
    Unconvertible,
    as_array,
    close,
    expect_close,
    fail,
    generator,
)

__all__ = [
    "count_modes",
    "discriminator_loss",
    "generator_loss",
    "generator_step",
    "gradient_penalty",
]

#: The tolerance for losses a student computes in float32.
RTOL, ATOL = 1e-4, 1e-5

_LOGIT_HINT = (
    "the inputs are logits (any real number, the discriminator's output before the sigmoid), not "
    "probabilities; for stability use F.logsigmoid or F.softplus (log σ(l) = -softplus(-l), "
    "log(1 - σ(l)) = -softplus(l)), or F.binary_cross_entropy_with_logits"
)


def _near(answer, value) -> bool:
    return close(answer, value, rtol=RTOL, atol=ATOL)


def _type_name(value) -> str:
    return value.type_name if isinstance(value, Unconvertible) else type(value).__name__


def _random_logits(gen: torch.Generator, n: int, shape_2d: bool, scale: float) -> torch.Tensor:
    logits = torch.randn(n, generator=gen) * scale
    return logits[:, None] if shape_2d else logits


def _gradient_flows(loss, inputs: tuple[torch.Tensor, ...]) -> bool:
    """Whether autograd reaches the logits from the student's loss (run after the call)."""
    if not isinstance(loss, torch.Tensor) or not loss.requires_grad or loss.numel() != 1:
        return False
    try:
        grads = torch.autograd.grad(loss.sum(), inputs, allow_unused=True)
    except RuntimeError:
        return False
    return any(g is not None for g in grads)


def _call_loss(fn, case, keys):
    """Call a loss on logits that require a gradient; report the loss and whether it can flow."""
    logits = tuple(case[key].requires_grad_() for key in keys)
    loss = fn(*logits)
    return {"loss": loss, "gradient_flows": _gradient_flows(loss, logits)}


def _loss_value(name: str, answer, scale: float):
    """The student's loss as an array, once it is known to be a scalar tensor autograd can use."""
    loss = answer["loss"]
    if not isinstance(loss, torch.Tensor):
        fail(
            f"{name} should return a tensor (so that .backward() works), got {_type_name(loss)}; "
            "do not call .item() or float() on the loss"
        )
    if loss.ndim != 0:
        fail(
            f"{name} returned a tensor of shape {tuple(loss.shape)}; average over the batch "
            "(.mean()) to return one number"
        )
    if not answer["gradient_flows"]:
        fail(
            f"{name} returned a loss that does not depend on the logits (no gradient can flow); "
            "compute it with tensor operations, without .item(), .detach() or NumPy"
        )
    value = as_array(loss, f"the loss {name} returned")
    if not np.isfinite(value):
        fail(f"{name} returned {float(value)} on logits up to ±{scale:g}: {_LOGIT_HINT}")
    return value


# --------------------------------------------------------------------------- discriminator loss
def _discriminator_cases(rng):
    gen = generator(rng)
    return [
        {
            "real": _random_logits(gen, n_real, shape_2d, scale),
            "fake": _random_logits(gen, n_fake, shape_2d, scale),
            "scale": scale,
        }
        for n_real, n_fake, shape_2d, scale in [
            (16, 16, False, 2.0),
            (7, 12, True, 3.0),
            (32, 5, False, 1.0),
            (10, 10, True, 25.0),
        ]
    ]


def _discriminator_losses(case):
    real, fake = case["real"].double(), case["fake"].double()
    right = F.softplus(-real).mean() + F.softplus(fake).mean()
    return {
        "right": right,
        "mistakes": [
            (
                F.softplus(real).mean() + F.softplus(-fake).mean(),
                "the labels are swapped (a sign error): real samples have label 1 "
                "(loss -log σ(real)), generated ones label 0 (loss -log(1 - σ(fake)))",
            ),
            (
                F.softplus(-torch.sigmoid(real)).mean() + F.softplus(torch.sigmoid(fake)).mean(),
                "you applied a sigmoid before a loss that expects logits; " + _LOGIT_HINT,
            ),
            (
                0.5 * right,
                "your loss is half the expected one: add the two averages, do not average them",
            ),
            (
                F.softplus(-real).sum() + F.softplus(fake).sum(),
                "you summed over the batch; take the mean over each batch instead",
            ),
            (
                F.softplus(-real).mean(),
                "the term for generated samples is missing: add mean(-log(1 - σ(fake)))",
            ),
            (
                F.softplus(fake).mean(),
                "the term for real samples is missing: add mean(-log σ(real))",
            ),
            (
                F.softplus(-real).mean() - F.softplus(fake).mean(),
                "the sign of the generated-sample term is wrong: both terms are losses to "
                "minimise, so add -log(1 - σ(fake))",
            ),
        ],
    }


def _diagnose_discriminator(case, answer, expected):
    got = _loss_value("discriminator_loss", answer, case["scale"])
    if _near(got, expected["right"]):
        return
    for value, message in expected["mistakes"]:
        if _near(got, value):
            fail(f"discriminator_loss: {message}")
    expect_close(
        got,
        expected["right"],
        what=(
            f"discriminator_loss on {len(case['real'])} real and {len(case['fake'])} fake logits"
        ),
        rtol=RTOL,
        atol=ATOL,
        hint="binary cross-entropy with label 1 for the real logits and 0 for the fake ones, "
        "each averaged over its own batch, then added",
        reveal="mean(-log σ(real)) + mean(-log(1 - σ(fake))) = "
        "F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean()",
    )


discriminator_loss = Exercise(
    name="discriminator_loss",
    cases=_discriminator_cases,
    call=lambda fn, case: _call_loss(fn, case, ("real", "fake")),
    reference=_discriminator_losses,
    diagnose=_diagnose_discriminator,
    seed=707,
    doc="""Check ``discriminator_loss(real_logits, fake_logits)``.

    The loss is binary cross-entropy with label 1 for real and 0 for generated samples,
    each averaged over its batch and then added:
    ``mean(-log σ(real)) + mean(-log(1 - σ(fake)))``. Tried on random logits, also large
    ones, and batches of different sizes.""",
)


# --------------------------------------------------------------------------- generator loss
def _generator_loss_cases(rng):
    gen = generator(rng)
    return [
        {"fake": _random_logits(gen, n, shape_2d, scale), "scale": scale}
        for n, shape_2d, scale in [
            (16, False, 2.0),
            (9, True, 4.0),
            (40, False, 1.0),
            (12, True, 25.0),
        ]
    ]


def _generator_losses(case):
    fake = case["fake"].double()
    right = F.softplus(-fake).mean()
    return {
        "right": right,
        "mistakes": [
            (
                -F.softplus(fake).mean(),
                "this is the saturating loss mean(log(1 - σ(fake))) of the minimax game; its "
                "gradient vanishes when the discriminator rejects the fakes. Minimise "
                "mean(-log σ(fake)) instead (the non-saturating loss)",
            ),
            (
                F.softplus(fake).mean(),
                "this is the discriminator's loss on fakes (label 0); the generator wants its "
                "fakes called real, so use label 1: mean(-log σ(fake))",
            ),
            (
                -right,
                "the sign is wrong: minimising mean(log σ(fake)) makes the fakes look *less* real; "
                "use mean(-log σ(fake))",
            ),
            (
                F.softplus(-torch.sigmoid(fake)).mean(),
                "you applied a sigmoid before a loss that expects logits; " + _LOGIT_HINT,
            ),
            (F.softplus(-fake).sum(), "you summed over the batch; take the mean instead"),
        ],
    }


def _diagnose_generator_loss(case, answer, expected):
    got = _loss_value("generator_loss", answer, case["scale"])
    if _near(got, expected["right"]):
        return
    for value, message in expected["mistakes"]:
        if _near(got, value):
            fail(f"generator_loss: {message}")
    expect_close(
        got,
        expected["right"],
        what=f"generator_loss on {len(case['fake'])} logits",
        rtol=RTOL,
        atol=ATOL,
        hint="the generator wants its fakes called real (label 1); compute the loss from logits",
        reveal="the non-saturating loss is mean(-log σ(fake)) = F.softplus(-fake_logits).mean()",
    )


generator_loss = Exercise(
    name="generator_loss",
    cases=_generator_loss_cases,
    call=lambda fn, case: _call_loss(fn, case, ("fake",)),
    reference=_generator_losses,
    diagnose=_diagnose_generator_loss,
    seed=708,
    doc="""Check ``generator_loss(fake_logits)``: the non-saturating ``mean(-log σ(fake))``.""",
)


# --------------------------------------------------------------------------- counting modes
#: Counting modes by hand means without the course's own metric.
MODE_METRICS = (
    Forbidden("course_utils.metrics.modes_covered", "modes_covered", bare=True),
    Forbidden("course_utils.metrics.mode_fractions", "mode_fractions", bare=True),
    Forbidden("course_utils.modes_covered", "modes_covered"),
    Forbidden("course_utils.mode_fractions", "mode_fractions"),
)

#: Each mixture: dimension, radius, min_fraction, the modes as (share of the samples, where they
#: lie) and the mode the outliers are nearest to (far away, beyond it). "in": well within radius,
#: and within sqrt(radius) too; "shell": between radius and sqrt(radius), so that comparing the
#: squared distance with radius counts them differently. The shares are chosen so that the typical
#: mistakes give counts that differ from the right one and from each other.
_MIXTURES = [
    (2, 0.5, 0.05, [(0.3, "in"), (0.25, "in"), (0.03, "in"), (0.02, "in"), (0.03, "in"),
                    (0.02, "in"), (0.1, "shell"), (0.1, "shell"), (0.0, "in")], 8),
    (2, 0.3, 0.02, [(0.2, "in"), (0.15, "in"), (0.1, "in"), (0.01, "in"), (0.01, "in"),
                    (0.01, "in"), (0.05, "shell"), (0.0, "in")], 7),
    (3, 1.5, 0.1, [(0.5, "in"), (0.14, "shell"), (0.06, "in"), (0.0, "in")], 0),
    (2, 2.0, 0.04, [(0.25, "in"), (0.25, "in"), (0.02, "in"), (0.02, "in"), (0.2, "shell"),
                    (0.0, "in")], 5),
]  # fmt: skip
_SAMPLES = 400


def _around(gen, centre, count, low, high):
    """``count`` points at distances uniform in [low, high] from ``centre``, any direction."""
    directions = torch.randn(count, len(centre), generator=gen)
    directions = directions / directions.norm(dim=1, keepdim=True)
    return centre + directions * (low + (high - low) * torch.rand(count, 1, generator=gen))


def _mode_cases(rng):
    gen = generator(rng)
    cases = []
    for dim, radius, min_fraction, modes, target in _MIXTURES:
        k = len(modes)
        angles = 2 * torch.pi * (torch.arange(k) + torch.rand(1, generator=gen)) / k
        centres = torch.zeros(k, dim)
        centres[:, 0], centres[:, 1] = angles.cos(), angles.sin()
        centres = 6 * radius * centres[torch.randperm(k, generator=gen)]  # far apart
        inner, outer = sorted((radius, radius**0.5))
        parts = []
        for centre, (share, where) in zip(centres, modes):
            low, high = (0.0, 0.9 * inner) if where == "in" else (inner, outer)
            margin = 0.1 * (high - low) if where == "shell" else 0.0
            parts.append(_around(gen, centre, round(share * _SAMPLES), low + margin, high - margin))
        rest = _SAMPLES - sum(len(part) for part in parts)
        parts.append(_around(gen, 3 * centres[target], rest, 0.0, radius))  # near no centre
        samples = torch.cat(parts)
        samples = samples[torch.randperm(_SAMPLES, generator=gen)]
        cases.append(
            {"samples": samples, "centres": centres, "radius": radius, "min_fraction": min_fraction}
        )
    return cases


def _count(distances: torch.Tensor, radius: float, min_fraction: float) -> int:
    return int(((distances <= radius).double().mean(dim=0) >= min_fraction).sum())


def _mode_counts(case):
    samples, centres = case["samples"].double(), case["centres"].double()
    radius, min_fraction = case["radius"], case["min_fraction"]
    distances = torch.cdist(samples, centres)
    nearest = torch.zeros_like(distances, dtype=torch.bool)
    nearest[torch.arange(len(samples)), distances.argmin(dim=1)] = True
    return {
        "right": _count(distances, radius, min_fraction),
        "any_sample": _count(distances, radius, 1 / len(samples)),
        "squared": _count(distances**2, radius, min_fraction),
        "nearest": int((nearest.double().mean(dim=0) >= min_fraction).sum()),
    }


def _diagnose_modes(case, got, expected):
    if isinstance(got, torch.Tensor) and got.numel() == 1:
        got = got.item()
    if isinstance(got, bool) or not isinstance(got, (int, float)) or got != int(got):
        shown = repr(got) if isinstance(got, (bool, int, float)) else _type_name(got)
        if isinstance(got, torch.Tensor):
            shown = f"a tensor of shape {tuple(got.shape)}"
        fail(f"count_modes should return a whole number (an int), got {shown}")
    got = int(got)
    if got == expected["right"]:
        return
    if got == expected["any_sample"]:
        fail(
            "count_modes counted every mode with any sample near it; a mode needs at least "
            "min_fraction of *all* samples within radius"
        )
    if got == expected["squared"]:
        fail("count_modes compared the squared distance with radius; take the square root")
    if got == expected["nearest"]:
        fail(
            "count_modes gave each sample to its nearest centre however far away it is; count "
            "only samples within radius of a centre"
        )
    k, dim = case["centres"].shape
    fail(
        f"count_modes is wrong on {len(case['samples'])} samples around {k} centres in {dim}-D "
        f"(radius {case['radius']}, min_fraction {case['min_fraction']}): got {got}, expected "
        f"{expected['right']}. Check which samples count for a centre and what share of them "
        "a centre needs",
        reveal="for each centre, take the fraction of samples at distance <= radius and count "
        "the centres where it is >= min_fraction: "
        "((torch.cdist(samples, centres) <= radius).float().mean(dim=0) >= min_fraction).sum()",
    )


count_modes = Exercise(
    name="count_modes",
    cases=_mode_cases,
    call=lambda fn, case: fn(
        case["samples"], case["centres"], case["radius"], case["min_fraction"]
    ),
    reference=_mode_counts,
    diagnose=_diagnose_modes,
    forbidden=MODE_METRICS,
    seed=709,
    doc="""Check ``count_modes(samples, centres, radius, min_fraction)``.

    A mode is covered when at least ``min_fraction`` of all samples lie within ``radius``
    (Euclidean distance) of its centre. Tried on mixtures with uneven weights, empty
    modes, far-away outliers and 2 to 3 dimensions; ``modes_covered`` and
    ``mode_fractions`` of ``course_utils.metrics`` may not be used (that is what the
    exercise replaces).""",
)


# --------------------------------------------------------------------------- a generator step
_LR = 0.5
_STALE = 0.3  # the gradients the generator's parameters hold before the step


def _tiny_gan(case) -> tuple[nn.Module, nn.Module]:
    """The case's generator and discriminator, the same in every process; global RNG untouched."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(case["seed"])
        gen = nn.Sequential(nn.Linear(case["latent"], 8), nn.Tanh(), nn.Linear(8, 2))
        disc = nn.Sequential(nn.Linear(2, 8), nn.LeakyReLU(0.2), nn.Linear(8, 1))
    return gen, disc


def _with_optimizer(case):
    """The tiny GAN and plain SGD over the generator, whose gradients hold stale values."""
    gen, disc = _tiny_gan(case)
    for p in gen.parameters():
        p.grad = torch.full_like(p, _STALE)
    return gen, disc, torch.optim.SGD(gen.parameters(), lr=_LR)


def _parameters(module: nn.Module) -> list[torch.Tensor]:
    return [p.detach().clone() for p in module.parameters()]


def _step_cases(rng):
    gen = generator(rng)
    return [
        {
            "seed": int(rng.integers(2**31)),
            "latent": latent,
            "z": torch.randn(batch, latent, generator=gen),
        }
        for latent, batch in [(3, 16), (5, 7), (2, 32)]
    ]


def _call_step(fn, case):
    gen, disc, optimizer = _with_optimizer(case)
    loss = fn(gen, disc, optimizer, case["z"])
    return {"loss": loss, "generator": _parameters(gen), "discriminator": _parameters(disc)}


def _non_saturating(logits):
    return F.softplus(-logits).mean()


_STEP_MISTAKES = [
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
        _non_saturating,
        False,
        "the gradients were not reset: call optimizer.zero_grad() before "
        "loss.backward(), or stale gradients are added to the new ones",
    ),
]


def _stepped(case, loss_of_logits, zero_grad=True):
    """The generator's parameters and the loss after one step, the right way or a wrong one."""
    gen, disc, optimizer = _with_optimizer(case)
    if zero_grad:
        optimizer.zero_grad()
    loss = loss_of_logits(disc(gen(case["z"])))
    loss.backward()
    optimizer.step()
    return _parameters(gen), loss.item()


def _steps(case):
    gen, disc = _tiny_gan(case)
    right, loss = _stepped(case, _non_saturating)
    return {
        "before": _parameters(gen),
        "discriminator": _parameters(disc),
        "right": right,
        "loss": loss,
        "mistakes": [
            (_stepped(case, loss_of, zero_grad)[0], message)
            for loss_of, zero_grad, message in _STEP_MISTAKES
        ],
    }


def _same_parameters(got, expected, exact=False) -> bool:
    if not isinstance(got, list) or len(got) != len(expected):
        return False
    if exact:
        return all(np.array_equal(as_array(a), as_array(b)) for a, b in zip(got, expected))
    return all(close(a, b) for a, b in zip(got, expected))


def _diagnose_step(case, answer, expected):
    if not _same_parameters(answer["discriminator"], expected["discriminator"], exact=True):
        fail(
            "generator_step changed the discriminator's weights; a generator step updates "
            "only the generator (step only its optimizer)"
        )
    weights = answer["generator"]
    if _same_parameters(weights, expected["before"], exact=True):
        fail(
            "generator_step did not change the generator's weights: did you detach the fakes, "
            "compute under torch.no_grad(), or forget optimizer.step()?"
        )
    if not _same_parameters(weights, expected["right"]):
        for wrong, message in expected["mistakes"]:
            if _same_parameters(weights, wrong):
                fail(f"generator_step: {message}")
        fail(
            "generator_step changed the generator's weights, but not as one step of the "
            "non-saturating loss would: use the z you are given, call zero_grad, backward "
            "and step once"
        )
    loss = answer["loss"]
    if isinstance(loss, torch.Tensor) and loss.numel() == 1:
        loss = loss.item()
    if isinstance(loss, bool) or not isinstance(loss, (int, float)):
        fail(f"generator_step should return the loss as a number, got {_type_name(loss)}")
    expect_close(
        loss,
        expected["loss"],
        what="the loss generator_step returned",
        rtol=RTOL,
        atol=ATOL,
        hint="return the loss computed before the update, e.g. loss.item()",
    )


generator_step = Exercise(
    name="generator_step",
    cases=_step_cases,
    call=_call_step,
    reference=_steps,
    diagnose=_diagnose_step,
    seed=710,
    doc="""Check ``generator_step(generator, discriminator, optimizer, z)``.

    One update of the generator's weights with the non-saturating loss
    ``mean(-log σ(D(G(z))))``, returning that loss (computed before the update) as a
    number. Tried on small networks with plain SGD, whose gradients hold stale values
    beforehand; the discriminator must not change.""",
)


# --------------------------------------------------------------------------- gradient penalty
#: Each case: the shape of one sample (points in the plane, small images) and the batch size.
_PENALTY_SHAPES = [((2,), 16), ((1, 4, 4), 6), ((3, 2, 2), 5), ((2,), 3)]


def _critic(case) -> nn.Module:
    """The case's critic, the same in every process; the global random state is left alone."""
    features = int(np.prod(case["sample_shape"]))
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(case["seed"])
        critic = nn.Sequential(nn.Flatten(), nn.Linear(features, 8), nn.Tanh(), nn.Linear(8, 1))
    return critic


def _penalty_cases(rng):
    gen = generator(rng)
    cases = []
    for sample_shape, batch in _PENALTY_SHAPES:
        shape = (batch, *sample_shape)
        cases.append(
            {
                "seed": int(rng.integers(2**31)),
                "sample_shape": list(sample_shape),
                "real": torch.randn(shape, generator=gen),
                "fake": 2 * torch.randn(shape, generator=gen) + 1,
                "eps": torch.rand(batch, generator=gen),
            }
        )
    return cases


def _call_penalty(fn, case):
    critic = _critic(case)
    penalty = fn(critic, case["real"], case["fake"], case["eps"])
    weights = list(critic.parameters())
    grads = None
    if isinstance(penalty, torch.Tensor) and penalty.requires_grad and penalty.numel() == 1:
        try:
            found = torch.autograd.grad(penalty.sum(), weights, allow_unused=True)
        except RuntimeError:
            found = None
        if found is not None and any(g is not None for g in found):
            grads = [torch.zeros_like(w) if g is None else g for g, w in zip(found, weights)]
    return {"penalty": penalty, "weight_grads": grads}


def _input_gradients(critic, points, per_sample=True):
    """∇_x D(x) for each sample (of the sum of outputs), or of their mean (a typical slip)."""
    scores = critic(points)
    total = scores.sum() if per_sample else scores.mean()
    (grads,) = torch.autograd.grad(total, points, create_graph=True)
    return grads


def _penalties(case):
    critic = _critic(case).double()
    real, fake = case["real"].double(), case["fake"].double()
    eps = case["eps"].double().reshape(-1, *[1] * (real.ndim - 1))
    between = (eps * real + (1 - eps) * fake).requires_grad_()
    grads = _input_gradients(critic, between)
    norms = grads.flatten(1).norm(dim=1)
    right = ((norms - 1) ** 2).mean()
    weights = list(critic.parameters())
    found = torch.autograd.grad(right, weights, retain_graph=True, allow_unused=True)
    weight_grads = [torch.zeros_like(w) if g is None else g for g, w in zip(found, weights)]
    swapped = ((1 - eps) * real + eps * fake).requires_grad_()
    swapped_norms = _input_gradients(critic, swapped).flatten(1).norm(dim=1)
    mean_norms = _input_gradients(critic, between, per_sample=False).flatten(1).norm(dim=1)
    axis = 0 if real.ndim == 2 else 1  # over the batch for points, over channels for images
    mistakes = [
        (
            ((swapped_norms - 1) ** 2).mean(),
            "the interpolation weights are swapped: the points between are "
            "eps * real + (1 - eps) * fake",
        ),
        (
            (grads.norm() - 1) ** 2,
            "you took one norm over the whole batch; the penalty wants one gradient norm per "
            "sample (over all of its features), then the mean over the batch",
        ),
        (
            ((grads.norm(dim=axis) - 1) ** 2).mean(),
            "the norm is taken over the wrong axes: one norm per sample, over all of its "
            "features (flatten every axis but the batch axis first)",
        ),
        (
            (norms - 1).abs().mean(),
            "the square is missing: the penalty is the mean of (‖∇D‖ - 1)²",
        ),
        ((norms - 1).mean(), "the square is missing: the penalty is the mean of (‖∇D‖ - 1)²"),
        (
            (norms**2).mean(),
            "this penalises ‖∇D‖², which pushes the gradient towards 0; WGAN-GP pushes its "
            "norm towards 1: (‖∇D‖ - 1)²",
        ),
        (
            ((norms**2 - 1) ** 2).mean(),
            "you used the squared norm inside: (‖∇D‖² - 1)²; take the norm itself (the square "
            "root of the sum of squares)",
        ),
        (((norms - 1) ** 2).sum(), "you summed over the batch; take the mean instead"),
        (
            ((mean_norms - 1) ** 2).mean(),
            "you differentiated the mean of the critic's outputs, which divides every sample's "
            "gradient by the batch size; differentiate their sum (or pass "
            "grad_outputs=torch.ones_like(scores))",
        ),
    ]
    return {"right": right.detach(), "weight_grads": weight_grads, "mistakes": mistakes}


def _diagnose_penalty(case, answer, expected):
    penalty = answer["penalty"]
    if not isinstance(penalty, torch.Tensor):
        fail(
            f"gradient_penalty should return a tensor (the critic's loss adds it), got "
            f"{_type_name(penalty)}; do not call .item() or float()"
        )
    if penalty.ndim != 0:
        fail(
            f"gradient_penalty returned a tensor of shape {tuple(penalty.shape)}; average over "
            "the batch (.mean()) to return one number"
        )
    got = as_array(penalty, "the penalty")
    shape = tuple(case["real"].shape)
    if not _near(got, expected["right"]):
        for value, message in expected["mistakes"]:
            if _near(got, value.detach()):
                fail(f"gradient_penalty: {message}")
        expect_close(
            got,
            expected["right"],
            what=f"gradient_penalty on a batch of shape {shape}",
            rtol=RTOL,
            atol=ATOL,
            hint="mix real and fake with the weights eps, differentiate the critic's scores "
            "with respect to the mixed points, and penalise how far each sample's gradient "
            "norm is from 1",
            reveal="x̂ = eps.view(-1, 1, ...) * real + (1 - eps) * fake with requires_grad; "
            "g = torch.autograd.grad(critic(x̂).sum(), x̂, create_graph=True)[0]; "
            "((g.flatten(1).norm(dim=1) - 1) ** 2).mean()",
        )
    if answer["weight_grads"] is None:
        fail(
            "gradient_penalty has the right value, but no gradient reaches the critic's weights "
            "from it, so the critic cannot learn from it: pass create_graph=True to "
            "torch.autograd.grad (and do not detach the gradient)"
        )
    for got_grad, want in zip(answer["weight_grads"], expected["weight_grads"]):
        if not close(got_grad, want, rtol=1e-3, atol=1e-5):
            fail(
                "gradient_penalty has the right value, but its gradient with respect to the "
                "critic's weights is wrong: keep every step a tensor operation on the graph "
                "(create_graph=True, no .detach())"
            )


gradient_penalty = Exercise(
    name="gradient_penalty",
    cases=_penalty_cases,
    call=_call_penalty,
    reference=_penalties,
    diagnose=_diagnose_penalty,
    seed=711,
    doc="""Check ``gradient_penalty(critic, real, fake, eps)``: WGAN-GP's penalty.

    ``mean((‖∇ D(x̂)‖ - 1)²)`` over the points ``x̂ = eps * real + (1 - eps) * fake``, one
    gradient norm per sample over all its features, returned as a 0-dim tensor through
    which the critic's weights get a gradient (``create_graph=True``). Tried on points in
    the plane and small images, with ``eps`` of shape (N,).""",
)
