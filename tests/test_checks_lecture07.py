"""The lecture 07 checks pass correct answers and reject typical mistakes with a helpful message."""

from __future__ import annotations

import inspect

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from conftest import accepts, not_written, rejects

from course_utils.checks import decide, draw, verdict
from course_utils.checks import lecture07 as check
from course_utils.checks._core import answer, scan_source
from course_utils.metrics import mode_fractions, modes_covered

EXERCISES = [
    "discriminator_loss",
    "generator_loss",
    "count_modes",
    "generator_step",
    "gradient_penalty",
]


# --------------------------------------------------------------------------- discriminator_loss
def discriminator_loss(real_logits, fake_logits):
    return -F.logsigmoid(real_logits).mean() - F.logsigmoid(-fake_logits).mean()


def discriminator_loss_bce(real_logits, fake_logits):
    bce = F.binary_cross_entropy_with_logits
    return bce(real_logits, torch.ones_like(real_logits)) + bce(
        fake_logits, torch.zeros_like(fake_logits)
    )


def discriminator_loss_float64(real_logits, fake_logits):
    return discriminator_loss(real_logits.double(), fake_logits.double())


@pytest.mark.parametrize(
    "solution", [discriminator_loss, discriminator_loss_bce, discriminator_loss_float64]
)
def test_discriminator_loss_accepts_correct_answers(solution, capsys):
    accepts(check.discriminator_loss, solution)
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
        (
            lambda r, f: torch.tensor(discriminator_loss(r, f).item(), requires_grad=True),
            "does not depend on the logits",
        ),
        (
            lambda r, f: torch.stack([F.softplus(-r).mean(), F.softplus(f).mean()]),
            r"shape \(2,\)",
        ),
        (lambda r, f: r.mean() - f.mean(), "discriminator_loss on 16 real and 16 fake"),
    ],
)
def test_discriminator_loss_rejects_typical_mistakes(wrong, message):
    rejects(check.discriminator_loss, wrong, message)


def test_discriminator_loss_shows_the_formula_only_after_repeated_failures():
    result = rejects(
        check.discriminator_loss, lambda r, f: r.mean() - f.mean(), "label 1 for the real"
    )
    assert "softplus" not in result.message and "softplus" in result.reveal
    messages = []
    for _ in range(3):
        with pytest.raises(AssertionError) as info:
            check.discriminator_loss(lambda r, f: r.mean() - f.mean())
        messages.append(str(info.value))
    assert "F.softplus(-real_logits)" not in messages[0]
    assert "F.softplus(-real_logits)" in messages[2]


def test_discriminator_loss_rejects_changing_the_logits_in_place():
    def in_place(real_logits, fake_logits):
        real_logits.data.mul_(2)
        return discriminator_loss(real_logits, fake_logits)

    rejects(check.discriminator_loss, in_place, "changed real in place")


# --------------------------------------------------------------------------- generator_loss
def generator_loss(fake_logits):
    return F.softplus(-fake_logits).mean()


def generator_loss_bce(fake_logits):
    return F.binary_cross_entropy_with_logits(fake_logits, torch.ones_like(fake_logits))


@pytest.mark.parametrize(
    "solution", [generator_loss, generator_loss_bce, lambda f: generator_loss(f.double())]
)
def test_generator_loss_accepts_correct_answers(solution, capsys):
    accepts(check.generator_loss, solution)
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
        (lambda f: F.softplus(-f), r"shape \(16,\).*average over the batch"),
        (lambda f: generator_loss(f).detach().item(), "should return a tensor"),
        (lambda f: f.mean(), "generator_loss on 16 logits"),
    ],
)
def test_generator_loss_rejects_typical_mistakes(wrong, message):
    rejects(check.generator_loss, wrong, message)


def test_generator_loss_shows_the_formula_only_after_repeated_failures():
    result = rejects(check.generator_loss, lambda f: f.mean(), "label 1")
    assert "-log σ(fake)" not in result.message and "-log σ(fake)" in result.reveal


# --------------------------------------------------------------------------- count_modes
def count_modes(samples, centres, radius, min_fraction):
    fractions = (torch.cdist(samples, centres) <= radius).float().mean(dim=0)
    return int((fractions >= min_fraction).sum())


@pytest.mark.parametrize(
    "solution",
    [
        count_modes,
        lambda s, c, r, m: (torch.cdist(s, c) <= r).float().mean(0).ge(m).sum(),  # a tensor
        lambda s, c, r, m: count_modes(s.double(), c.double(), r, m),
        lambda s, c, r, m: float(count_modes(s, c, r, m)),
    ],
)
def test_count_modes_accepts_correct_answers(solution, capsys):
    accepts(check.count_modes, solution)
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
        (lambda s, c, r, m: (torch.cdist(s, c) <= r).float().mean(0), "whole number.*shape"),
        (lambda s, c, r, m: 2.5, "whole number"),
        (lambda s, c, r, m: True, "whole number"),
        (lambda s, c, r, m: "3", "whole number"),
    ],
)
def test_count_modes_rejects_typical_mistakes(wrong, message):
    rejects(check.count_modes, wrong, message)


def test_count_modes_shows_the_recipe_only_after_repeated_failures():
    result = rejects(
        check.count_modes, lambda s, c, r, m: count_modes(s, c, r, m) + 1, "got .*, expected"
    )
    assert "cdist" not in result.message and "cdist" in result.reveal


def test_count_modes_names_the_shapes_of_a_shape_mistake():
    rejects(
        check.count_modes,
        lambda s, c, r, m: count_modes(s[:, None] - c.T, c, r, m),
        r"samples \(400, 2\), centres \(9, 2\)",
    )


@pytest.mark.parametrize("seed", [0, 1, 709])
def test_count_modes_cases_tell_the_typical_mistakes_apart(seed):
    for case in check.count_modes.cases(np.random.default_rng(seed)):
        counts = check._mode_counts(case)
        wrong = [v for key, v in counts.items() if key != "right" and v != counts["right"]]
        assert len(set(wrong)) == len(wrong), counts
    first = check._mode_counts(check.count_modes.cases(np.random.default_rng(seed))[0])
    assert len({*first.values(), first["right"] + 1}) == 5, first


def test_count_modes_rejects_changing_the_samples_in_place():
    def in_place(samples, centres, radius, min_fraction):
        samples -= centres.mean(dim=0)
        return count_modes(samples + centres.mean(dim=0), centres, radius, min_fraction)

    rejects(check.count_modes, in_place, "changed samples in place")


# The library kept aside in a global before the check runs, under another name.
library_count = modes_covered
library_fractions = mode_fractions


def counts_with_the_library(samples, centres, radius, min_fraction):
    return modes_covered(samples, centres, radius, min_fraction)


def counts_with_an_alias(samples, centres, radius, min_fraction):
    return library_count(samples, centres, radius, min_fraction)


def counts_with_fractions(samples, centres, radius, min_fraction):
    return int((library_fractions(samples, centres, radius) >= min_fraction).sum())


def counts_through_the_package(samples, centres, radius, min_fraction):
    import course_utils

    return course_utils.modes_covered(samples, centres, radius, min_fraction)


def counts_with_an_import_inside(samples, centres, radius, min_fraction):
    from course_utils.metrics import mode_fractions as fractions

    return int((fractions(samples, centres, radius) >= min_fraction).sum())


@pytest.mark.parametrize(
    ("library_answer", "shown"),
    [
        (counts_with_the_library, "modes_covered"),
        (counts_with_an_alias, "modes_covered"),
        (counts_with_fractions, "mode_fractions"),
        (counts_through_the_package, "modes_covered"),
        (counts_with_an_import_inside, "mode_fractions"),
    ],
)
def test_count_modes_rejects_the_library_metric(library_answer, shown):
    rejects(check.count_modes, library_answer, f"by hand.*{shown}", status="forbidden-call")


def test_the_grader_scans_the_source_for_the_bare_name():
    source = inspect.getsource(counts_with_the_library)
    assert scan_source(source, check.count_modes.forbidden, "count_modes").name == "modes_covered"
    # Even when the answers are right, a source that calls modes_covered( is rejected.
    cases = draw(check.count_modes, 5)
    answers = answer(check.count_modes, count_modes, cases)
    result = decide(check.count_modes, cases, answers, source)
    assert result.status == "forbidden-call", result.message
    assert decide(check.count_modes, cases, answers, inspect.getsource(count_modes)).passed


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
    return loss.detach().double()


@pytest.mark.parametrize("solution", [generator_step, generator_step_returning_tensor])
def test_generator_step_accepts_correct_answers(solution, capsys):
    accepts(check.generator_step, solution)
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
        (lambda g, d, o, z: [generator_step(g, d, o, z)], "as a number, got list"),
    ],
)
def test_generator_step_rejects_typical_mistakes(wrong, message):
    rejects(check.generator_step, wrong, message)


def test_generator_step_rejects_changing_z_in_place():
    def in_place(generator, discriminator, optimizer, z):
        loss = generator_step(generator, discriminator, optimizer, z)
        z.zero_()
        return loss

    rejects(check.generator_step, in_place, "changed z in place")


# --------------------------------------------------------------------------- gradient_penalty
def _between(real, fake, eps):
    eps = eps.reshape(-1, *[1] * (real.ndim - 1))
    return (eps * real + (1 - eps) * fake).requires_grad_()


def gradient_penalty(critic, real, fake, eps):
    points = _between(real, fake, eps)
    (grads,) = torch.autograd.grad(critic(points).sum(), points, create_graph=True)
    return ((grads.flatten(1).norm(dim=1) - 1) ** 2).mean()


def gradient_penalty_grad_outputs(critic, real, fake, eps):
    points = _between(real.double(), fake.double(), eps.double())
    critic = critic.double()
    scores = critic(points)
    (grads,) = torch.autograd.grad(scores, points, torch.ones_like(scores), create_graph=True)
    norms = (grads**2).sum(dim=tuple(range(1, grads.ndim))).sqrt()
    return (norms - 1).pow(2).mean()


@pytest.mark.parametrize("solution", [gradient_penalty, gradient_penalty_grad_outputs])
def test_gradient_penalty_accepts_correct_answers(solution, capsys):
    accepts(check.gradient_penalty, solution)
    check.gradient_penalty(solution)
    assert "✓ gradient_penalty" in capsys.readouterr().out


def _penalty_with(
    norm_of=lambda g: g.flatten(1).norm(dim=1),
    reduce=lambda n: ((n - 1) ** 2).mean(),
    swap=False,
    mean_scores=False,
    create_graph=True,
):
    def penalty(critic, real, fake, eps):
        points = _between(fake, real, eps) if swap else _between(real, fake, eps)
        scores = critic(points)
        total = scores.mean() if mean_scores else scores.sum()
        (grads,) = torch.autograd.grad(total, points, create_graph=create_graph)
        return reduce(norm_of(grads))

    return penalty


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        (_penalty_with(swap=True), "weights are swapped"),
        (_penalty_with(norm_of=lambda g: g.norm()), "one norm over the whole batch"),
        (_penalty_with(norm_of=lambda g: g.norm(dim=0 if g.ndim == 2 else 1)), "wrong axes"),
        (_penalty_with(norm_of=lambda g: g.norm(dim=-1)), "wrong axes|shape"),
        (_penalty_with(reduce=lambda n: (n - 1).abs().mean()), "square is missing"),
        (_penalty_with(reduce=lambda n: (n - 1).mean()), "square is missing"),
        (_penalty_with(reduce=lambda n: (n**2).mean()), "towards 0"),
        (_penalty_with(reduce=lambda n: ((n**2 - 1) ** 2).mean()), "squared norm inside"),
        (_penalty_with(reduce=lambda n: ((n - 1) ** 2).sum()), "summed over the batch"),
        (_penalty_with(mean_scores=True), "mean of the critic's outputs"),
        (_penalty_with(create_graph=False), "create_graph=True"),
        (lambda c, r, f, e: gradient_penalty(c, r, f, e).detach(), "create_graph=True"),
        (lambda c, r, f, e: gradient_penalty(c, r, f, e).item(), "should return a tensor"),
        (_penalty_with(reduce=lambda n: (n - 1) ** 2), r"shape \(16,\)"),
        (_penalty_with(reduce=lambda n: ((n - 0.5) ** 2).mean()), "gradient_penalty on a batch"),
        (
            lambda c, r, f, e: gradient_penalty(c, e * r, (1 - e) * f, torch.ones_like(e)),
            "size|shape",
        ),
    ],
)
def test_gradient_penalty_rejects_typical_mistakes(wrong, message):
    rejects(check.gradient_penalty, wrong, message)


def test_gradient_penalty_rejects_a_penalty_whose_weight_gradient_is_wrong():
    def half_detached(critic, real, fake, eps):
        points = _between(real, fake, eps)
        (grads,) = torch.autograd.grad(critic(points).sum(), points, create_graph=True)
        norms = grads.flatten(1).norm(dim=1)
        return ((norms - 1) * (norms.detach() - 1)).mean()

    rejects(check.gradient_penalty, half_detached, "gradient with respect to the critic's weights")


def test_gradient_penalty_shows_the_recipe_only_after_repeated_failures():
    result = rejects(
        check.gradient_penalty,
        _penalty_with(reduce=lambda n: ((n - 0.5) ** 2).mean()),
        "gradient_penalty on a batch",
    )
    assert "create_graph" not in result.message and "create_graph" in result.reveal


@pytest.mark.parametrize("seed", [0, 1, 711])
def test_gradient_penalty_cases_tell_the_typical_mistakes_apart(seed):
    for case in check.gradient_penalty.cases(np.random.default_rng(seed)):
        expected = check._penalties(case)
        values = [expected["right"].item()] + [v.item() for v, _ in expected["mistakes"]]
        for i, a in enumerate(values):
            for b in values[i + 1 :]:
                assert abs(a - b) > 1e-3 * max(1.0, abs(a)), values


# --------------------------------------------------------------------------- every check
@pytest.mark.parametrize("name", EXERCISES)
def test_every_check_says_when_the_exercise_is_not_written_without_stopping(name, capsys):
    getattr(check, name)(not_written)  # does not raise: Run All goes on
    assert "not written yet" in capsys.readouterr().out
    rejects(getattr(check, name), not_written, "not written yet", status="not-written")


def test_a_helper_that_is_not_written_is_named():
    def uses_helper(generator, discriminator, optimizer, z):
        return generator_loss_helper(discriminator(generator(z)))

    def generator_loss_helper(logits):
        raise NotImplementedError

    rejects(check.generator_step, uses_helper, "calls generator_loss_helper", "not-written")


SOLUTIONS = {
    "discriminator_loss": discriminator_loss,
    "generator_loss": generator_loss,
    "count_modes": count_modes,
    "generator_step": generator_step,
    "gradient_penalty": gradient_penalty,
}
WRONG = {
    "discriminator_loss": lambda r, f: r.mean() - f.mean(),
    "generator_loss": lambda f: f.mean(),
    "count_modes": lambda s, c, r, m: count_modes(s, c, r, m) + 1,
    "generator_step": _fresh_noise,
    "gradient_penalty": lambda c, r, f, e: gradient_penalty(c, r, f, e) + 0.1,
}


@pytest.mark.parametrize("name", EXERCISES)
def test_no_check_touches_the_global_random_state(name):
    exercise = getattr(check, name)
    torch.manual_seed(1234)
    np.random.seed(1234)
    torch_state, numpy_state = torch.random.get_rng_state(), np.random.get_state()[1].copy()
    for fn in (SOLUTIONS[name], WRONG[name]):
        verdict(exercise, fn)
        for case in exercise.cases(np.random.default_rng(3)):
            exercise.reference(case)
    assert torch.equal(torch.random.get_rng_state(), torch_state)
    assert np.array_equal(np.random.get_state()[1], numpy_state)


@pytest.mark.parametrize("name", EXERCISES)
def test_checks_are_deterministic(name):
    exercise = getattr(check, name)
    assert draw(exercise, 17) == draw(exercise, 17)
    assert draw(exercise, 17) != draw(exercise, 18)
    first, second = verdict(exercise, WRONG[name], 17), verdict(exercise, WRONG[name], 17)
    assert (first.status, first.message) == (second.status, second.message)
    assert first.status == "failed"
    accepts(exercise, SOLUTIONS[name], seed=17)
