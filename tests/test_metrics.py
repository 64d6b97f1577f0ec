"""Tests for course_utils.metrics: how well generated samples cover a known set of modes."""

import numpy as np
import pytest
import torch

import course_utils
from course_utils.data import make_gaussian_ring
from course_utils.errors import CourseError, ShapeError
from course_utils.metrics import high_quality_fraction, mode_fractions, modes_covered

SQUARE = torch.tensor([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0], [10.0, 10.0]])


def _points_near(centre: torch.Tensor, n: int, spread: float = 0.1, seed: int = 0) -> torch.Tensor:
    gen = torch.Generator().manual_seed(seed)
    return centre + spread * (torch.rand(n, centre.shape[-1], generator=gen) * 2 - 1)


# --------------------------------------------------------------------------- mode_fractions
def test_mode_fractions_counts_the_share_of_samples_near_each_centre():
    samples = torch.cat(
        [_points_near(SQUARE[0], 6), _points_near(SQUARE[1], 3), torch.full((1, 2), 5.0)]
    )
    fractions = mode_fractions(samples, SQUARE, radius=1.0)
    assert torch.allclose(fractions, torch.tensor([0.6, 0.3, 0.0, 0.0]))


def test_mode_fractions_leaves_out_samples_far_from_every_centre():
    samples = torch.cat([_points_near(SQUARE[2], 5), torch.full((5, 2), 5.0)])
    fractions = mode_fractions(samples, SQUARE, radius=1.0)
    assert fractions.sum().item() == pytest.approx(0.5)


def test_mode_fractions_counts_a_sample_exactly_at_the_radius():
    samples = torch.tensor([[3.0, 4.0], [3.0, 4.1]])  # at distance 5 and just beyond
    fractions = mode_fractions(samples, torch.zeros(1, 2), radius=5.0)
    assert fractions.tolist() == [0.5]


def test_mode_fractions_returns_a_float_tensor_on_the_cpu_with_one_value_per_centre():
    fractions = mode_fractions(_points_near(SQUARE[3], 4), SQUARE, radius=0.5)
    assert fractions.shape == (4,)
    assert fractions.dtype == torch.float32
    assert fractions.device.type == "cpu"


def test_mode_fractions_accepts_arrays_integers_and_tensors_that_require_grad():
    samples = torch.tensor([[0.1, 0.0], [9.9, 0.0]], requires_grad=True)
    from_tensor = mode_fractions(samples, SQUARE, radius=0.5)
    from_numpy = mode_fractions(samples.detach().numpy(), SQUARE.numpy(), radius=0.5)
    from_ints = mode_fractions(torch.tensor([[0, 0], [10, 0]]), SQUARE.long(), radius=0.5)
    assert not from_tensor.requires_grad
    assert torch.equal(from_tensor, from_numpy)
    assert torch.equal(from_tensor, from_ints)
    assert from_tensor.tolist() == [0.5, 0.5, 0.0, 0.0]


def test_mode_fractions_works_in_any_dimension():
    centres = torch.eye(3) * 4
    samples = torch.cat([_points_near(centres[0], 3), _points_near(centres[2], 1)])
    assert mode_fractions(samples, centres, radius=0.5).tolist() == [0.75, 0.0, 0.25]


@pytest.mark.parametrize(
    ("samples", "centres"),
    [
        (torch.zeros(5, 3), torch.zeros(4, 2)),  # different dimensions
        (torch.zeros(5), torch.zeros(4, 2)),  # flat samples
        (torch.zeros(5, 2), torch.zeros(2)),  # flat centres
        (torch.zeros(2, 5, 2), torch.zeros(4, 2)),  # a batch of batches
    ],
)
def test_mode_fractions_rejects_shapes_that_do_not_fit(samples, centres):
    with pytest.raises(ShapeError, match=r"samples must have shape \(N, D\) and centres \(K, D\)"):
        mode_fractions(samples, centres, radius=1.0)


def test_mode_fractions_names_both_shapes_in_its_error():
    with pytest.raises(ShapeError, match=r"got \(5, 3\) and \(4, 2\)"):
        mode_fractions(torch.zeros(5, 3), torch.zeros(4, 2), radius=1.0)


def test_mode_fractions_rejects_empty_samples():
    with pytest.raises(CourseError, match="samples is empty: generate some points first"):
        mode_fractions(torch.zeros(0, 2), SQUARE, radius=1.0)


@pytest.mark.parametrize("radius", [0.0, -1.0, float("nan")])
def test_mode_fractions_rejects_a_radius_that_is_not_positive(radius):
    with pytest.raises(CourseError, match="radius must be a positive distance, got"):
        mode_fractions(SQUARE, SQUARE, radius=radius)


# --------------------------------------------------------------------------- modes_covered
def test_modes_covered_counts_every_mode_of_the_true_distribution():
    samples, centres = make_gaussian_ring(2000, seed=3)
    assert modes_covered(samples, centres, radius=0.25) == 8


def test_modes_covered_sees_a_collapsed_generator_cover_one_mode():
    _, centres = make_gaussian_ring(8)
    collapsed = _points_near(centres[5], 500, spread=0.05)
    assert modes_covered(collapsed, centres, radius=0.25) == 1


def test_modes_covered_ignores_modes_below_min_fraction():
    samples = torch.cat([_points_near(SQUARE[0], 90), _points_near(SQUARE[1], 9), SQUARE[2:3]])
    assert modes_covered(samples, SQUARE, radius=1.0) == 1  # 0.9; 0.09 < 1/8, half a fair share
    assert modes_covered(samples, SQUARE, radius=1.0, min_fraction=0.02) == 2  # 0.01 < 0.02
    assert modes_covered(samples, SQUARE, radius=1.0, min_fraction=0.01) == 3  # exactly 0.01 counts
    assert modes_covered(samples, SQUARE, radius=1.0, min_fraction=0.1) == 1
    assert modes_covered(samples, SQUARE, radius=1.0, min_fraction=1.0) == 0


def test_modes_covered_returns_a_python_int():
    covered = modes_covered(SQUARE, SQUARE, radius=1.0)
    assert type(covered) is int and covered == 4


@pytest.mark.parametrize("min_fraction", [0.0, -0.1, 1.5, float("nan")])
def test_modes_covered_rejects_a_min_fraction_outside_0_to_1(min_fraction):
    with pytest.raises(CourseError, match=r"min_fraction must be in \(0, 1\], got"):
        modes_covered(SQUARE, SQUARE, radius=1.0, min_fraction=min_fraction)


def _circle(n: int, radius: float = 2.0) -> torch.Tensor:
    """``n`` points spread evenly along a circle: no clusters at all."""
    angles = torch.arange(n) * (2 * torch.pi / n) + 0.1
    return radius * torch.stack([angles.cos(), angles.sin()], dim=1)


@pytest.mark.parametrize("radius", [0.15, 0.25])  # 3σ and 5σ of lecture 07's ring
def test_modes_covered_does_not_count_a_featureless_circle_through_the_centres(radius):
    _, centres = make_gaussian_ring(8, std=0.05)
    assert modes_covered(_circle(2000), centres, radius=radius) <= 2
    gen = torch.Generator().manual_seed(0)  # and a random one, uniform in angle and a little wide
    angles = 2 * torch.pi * torch.rand(2000, generator=gen)
    radii = 2 + 0.1 * torch.randn(2000, generator=gen)
    noisy = radii[:, None] * torch.stack([angles.cos(), angles.sin()], dim=1)
    assert modes_covered(noisy, centres, radius=radius) <= 2


def test_modes_covered_does_not_count_one_wide_blob():
    _, centres = make_gaussian_ring(8, std=0.05)
    gen = torch.Generator().manual_seed(1)
    for spread in (0.5, 1.0, 2.0, 3.0):
        blob = spread * torch.randn(4000, 2, generator=gen)
        assert modes_covered(blob, centres, radius=0.15) <= 2, spread


def test_a_perfect_mixture_covers_every_mode_with_high_quality():
    samples, centres = make_gaussian_ring(4000, std=0.05, seed=2)
    assert modes_covered(samples, centres, radius=0.15) == 8
    assert high_quality_fraction(samples, centres, radius=0.15) > 0.97


def test_a_generator_collapsed_onto_one_mode_covers_one():
    _, centres = make_gaussian_ring(8, std=0.05)
    collapsed = centres[3] + 0.05 * torch.randn(1000, 2, generator=torch.Generator().manual_seed(4))
    assert modes_covered(collapsed, centres, radius=0.15) == 1
    assert high_quality_fraction(collapsed, centres, radius=0.15) > 0.97  # sharp, but one mode


def test_modes_covered_asks_by_default_for_half_a_fair_share():
    share = {0: 0.125, 1: 0.124, 2: 0.5, 3: 0.251}  # 4 centres: half a fair share is 1/8
    samples = torch.cat(
        [_points_near(SQUARE[k], round(1000 * f), spread=0.1, seed=k) for k, f in share.items()]
    )
    assert modes_covered(samples, SQUARE, radius=0.5) == 3
    assert modes_covered(samples, SQUARE, radius=0.5, min_fraction=0.124) == 4


def test_modes_covered_passes_on_the_errors_of_mode_fractions():
    with pytest.raises(CourseError, match="radius must be a positive distance"):
        modes_covered(SQUARE, SQUARE, radius=0.0)
    with pytest.raises(ShapeError):
        modes_covered(np.zeros((3, 3)), SQUARE, radius=1.0)


# --------------------------------------------------------------------------- high_quality_fraction
def test_high_quality_fraction_is_the_share_of_samples_near_some_centre():
    samples = torch.tensor([[0.1, 0.0], [9.9, 10.0], [5.0, 5.0], [20.0, 0.0]])
    quality = high_quality_fraction(samples, SQUARE, radius=0.5)
    assert type(quality) is float and quality == 0.5


def test_high_quality_fraction_counts_a_sample_near_two_centres_once():
    centres = torch.tensor([[0.0, 0.0], [1.0, 0.0]])
    samples = torch.tensor([[0.5, 0.0], [5.0, 0.0]])
    assert high_quality_fraction(samples, centres, radius=0.6) == 0.5
    assert mode_fractions(samples, centres, radius=0.6).sum().item() == 1.0  # counted twice there


def test_high_quality_fraction_is_low_for_a_circle_through_the_centres():
    _, centres = make_gaussian_ring(8, std=0.05)
    assert high_quality_fraction(_circle(2000), centres, radius=0.15) < 0.25


def test_high_quality_fraction_passes_on_the_errors_of_mode_fractions():
    with pytest.raises(CourseError, match="radius must be a positive distance"):
        high_quality_fraction(SQUARE, SQUARE, radius=-1.0)
    with pytest.raises(ShapeError, match=r"got \(5, 3\) and \(4, 2\)"):
        high_quality_fraction(torch.zeros(5, 3), SQUARE, radius=1.0)
    with pytest.raises(CourseError, match="samples is empty"):
        high_quality_fraction(torch.zeros(0, 2), SQUARE, radius=1.0)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_mode_fractions_takes_samples_on_the_gpu():  # pragma: no cover - CPU machines skip it
    fractions = mode_fractions(SQUARE.cuda(), SQUARE, radius=1.0)
    assert fractions.device.type == "cpu" and fractions.tolist() == [0.25] * 4


def test_metrics_are_exported_by_the_package():
    assert course_utils.mode_fractions is mode_fractions
    assert course_utils.modes_covered is modes_covered
    assert course_utils.high_quality_fraction is high_quality_fraction
    assert {"high_quality_fraction", "mode_fractions", "modes_covered"} <= set(course_utils.__all__)
