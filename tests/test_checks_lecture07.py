"""The lecture 07 checks pass correct answers and reject typical mistakes with a helpful message."""

import pytest
import torch
import torch.nn.functional as F
from conftest import not_written

from course_utils.checks import lecture07 as check
from course_utils.metrics import modes_covered


# --------------------------------------------------------------------------- discriminator_loss
def discriminator_loss(real_logits, fake_logits):
    return -F.logsigmoid(real_logits).mean() - F.logsigmoid(-fake_logits).mean()


def discriminator_loss_bce(real_logits, fake_logits):
    bce = F.binary_cross_entropy_with_logits
    return bce(real_logits, torch.ones_like(real_logits)) + bce(
        fake_logits, torch.zeros_like(fake_logits)
    )


@pytest.mark.parametrize("solution", [discriminator_loss, discriminator_loss_bce])
def test_discriminator_loss_accepts_correct_answers(solution, capsys):
    check.discriminator_loss(solution)
    assert "✓ discriminator_loss" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        (lambda r, f: F.softplus(r).mean() + F.softplus(-f).mean(), "labels are swapped"),
        (
            lambda r, f: discriminator_loss(torch.sigmoid(r), torch.sigmoid(f)),
            "sigmoid before a loss that expects logits",
        ),
        (lambda r, f: 0.5 * discriminator_loss(r, f), "half the expected"),
        (lambda r, f: F.softplus(-r).sum() + F.softplus(f).sum(), "summed over the batch"),
        (lambda r, f: F.softplus(-r).mean(), "term for generated samples is missing"),
        (lambda r, f: F.softplus(f).mean(), "term for real samples is missing"),
        (lambda r, f: F.softplus(-r).mean() - F.softplus(f).mean(), "sign of the generated"),
        (lambda r, f: -torch.log(r).mean() - torch.log(1 - f).mean(), "not probabilities"),
        (
            lambda r, f: (
                -torch.log(torch.sigmoid(r)).mean() - torch.log(1 - torch.sigmoid(f)).mean()
            ),
            "for stability use F.logsigmoid",
        ),
        (lambda r, f: discriminator_loss(r, f).item(), "should return a tensor"),
        (lambda r, f: discriminator_loss(r.detach(), f.detach()), "does not depend on the logits"),
        (lambda r, f: torch.stack([F.softplus(-r).mean(), F.softplus(f).mean()]), "shape"),
        (lambda r, f: r.mean() - f.mean(), "discriminator_loss on 16 real and 16 fake"),
        (not_written, "not written yet"),
    ],
)
def test_discriminator_loss_rejects_typical_mistakes(wrong, message):
    with pytest.raises(AssertionError, match=message):
        check.discriminator_loss(wrong)


# --------------------------------------------------------------------------- generator_loss
def generator_loss(fake_logits):
    return F.softplus(-fake_logits).mean()


def generator_loss_bce(fake_logits):
    return F.binary_cross_entropy_with_logits(fake_logits, torch.ones_like(fake_logits))


@pytest.mark.parametrize("solution", [generator_loss, generator_loss_bce])
def test_generator_loss_accepts_correct_answers(solution, capsys):
    check.generator_loss(solution)
    assert "✓ generator_loss" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        (lambda f: -F.softplus(f).mean(), "saturating loss"),
        (lambda f: torch.log(1 - torch.sigmoid(f)).mean(), "saturating loss|for stability"),
        (lambda f: F.softplus(f).mean(), "discriminator's loss on fakes"),
        (lambda f: F.logsigmoid(f).mean(), "sign is wrong"),
        (lambda f: generator_loss(torch.sigmoid(f)), "sigmoid before a loss that expects logits"),
        (lambda f: F.softplus(-f).sum(), "summed over the batch"),
        (lambda f: -torch.log(f).mean(), "not probabilities"),
        (lambda f: F.softplus(-f), "average over the batch"),
        (lambda f: generator_loss(f).detach().item(), "should return a tensor"),
        (lambda f: f.mean(), "generator_loss on 16 logits"),
        (not_written, "not written yet"),
    ],
)
def test_generator_loss_rejects_typical_mistakes(wrong, message):
    with pytest.raises(AssertionError, match=message):
        check.generator_loss(wrong)


# --------------------------------------------------------------------------- count_modes
def count_modes(samples, centres, radius, min_fraction):
    fractions = (torch.cdist(samples, centres) <= radius).float().mean(dim=0)
    return int((fractions >= min_fraction).sum())


@pytest.mark.parametrize(
    "solution",
    [
        count_modes,
        lambda s, c, r, m: modes_covered(s, c, r, m),
        lambda s, c, r, m: (torch.cdist(s, c) <= r).float().mean(0).ge(m).sum(),  # a tensor
    ],
)
def test_count_modes_accepts_correct_answers(solution, capsys):
    check.count_modes(solution)
    assert "✓ count_modes" in capsys.readouterr().out


def _nearest_centre(samples, centres, radius, min_fraction):
    nearest = torch.cdist(samples, centres).argmin(dim=1)
    fractions = torch.bincount(nearest, minlength=len(centres)) / len(samples)
    return int((fractions >= min_fraction).sum())


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        (lambda s, c, r, m: count_modes(s, c, r, 1e-9), "any sample near it"),
        (
            lambda s, c, r, m: int(
                ((((s[:, None] - c) ** 2).sum(-1) <= r).float().mean(0) >= m).sum()
            ),
            "squared distance",
        ),
        (_nearest_centre, "nearest centre"),
        (lambda s, c, r, m: count_modes(s, c, r, m) + 1, "got .*, expected"),
        (lambda s, c, r, m: (torch.cdist(s, c) <= r).float().mean(0), "whole number"),
        (lambda s, c, r, m: 2.5, "whole number"),
        (lambda s, c, r, m: True, "whole number"),
        (not_written, "not written yet"),
    ],
)
def test_count_modes_rejects_typical_mistakes(wrong, message):
    with pytest.raises(AssertionError, match=message):
        check.count_modes(wrong)


# --------------------------------------------------------------------------- generator_step
def generator_step(generator, discriminator, optimizer, z):
    optimizer.zero_grad()
    loss = F.softplus(-discriminator(generator(z))).mean()
    loss.backward()
    optimizer.step()
    return loss.item()


def generator_step_returning_tensor(generator, discriminator, optimizer, z):
    optimizer.zero_grad(set_to_none=True)
    logits = discriminator(generator(z))
    loss = F.binary_cross_entropy_with_logits(logits, torch.ones_like(logits))
    loss.backward()
    optimizer.step()
    return loss.detach()


@pytest.mark.parametrize("solution", [generator_step, generator_step_returning_tensor])
def test_generator_step_accepts_correct_answers(solution, capsys):
    check.generator_step(solution)
    assert "✓ generator_step" in capsys.readouterr().out


def _step_with(loss_of_logits, zero_grad=True, detach=False):
    def step(generator, discriminator, optimizer, z):
        if zero_grad:
            optimizer.zero_grad()
        fake = generator(z)
        loss = loss_of_logits(discriminator(fake.detach() if detach else fake))
        if loss.requires_grad:
            loss.backward()
        optimizer.step()
        return loss.item()

    return step


def _steps_the_discriminator(generator, discriminator, optimizer, z):
    both = torch.optim.SGD([*generator.parameters(), *discriminator.parameters()], lr=0.1)
    return generator_step(generator, discriminator, both, z)


def _fresh_noise(generator, discriminator, optimizer, z):
    return generator_step(generator, discriminator, optimizer, torch.randn_like(z))


def _returns_loss_after_the_step(generator, discriminator, optimizer, z):
    generator_step(generator, discriminator, optimizer, z)
    return F.softplus(-discriminator(generator(z))).mean().item()


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        (_step_with(lambda logits: -F.softplus(logits).mean()), "saturating loss"),
        (_step_with(lambda logits: F.logsigmoid(logits).mean()), "sign is wrong"),
        (_step_with(lambda logits: F.softplus(logits).mean()), "label 0 for the fakes"),
        (_step_with(lambda logits: F.softplus(-logits).mean(), zero_grad=False), "zero_grad"),
        (_step_with(lambda logits: F.softplus(-logits).mean(), detach=True), "did not change"),
        (lambda g, d, o, z: 0.0, "did not change"),
        (_steps_the_discriminator, "changed the discriminator"),
        (_fresh_noise, "use the z you are given"),
        (_returns_loss_after_the_step, "before the update"),
        (lambda g, d, o, z: [generator_step(g, d, o, z)], "as a number"),
        (not_written, "not written yet"),
    ],
)
def test_generator_step_rejects_typical_mistakes(wrong, message):
    with pytest.raises(AssertionError, match=message):
        check.generator_step(wrong)
