"""Tests for course_utils.metrics: how well generated samples cover a known set of modes."""

import numpy as np
import pytest
import torch

import course_utils
from course_utils.data import make_gaussian_ring
from course_utils.errors import CourseError, ShapeError
from course_utils.metrics import mode_fractions, modes_covered

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
    assert modes_covered(samples, SQUARE, radius=1.0) == 2  # 0.9, 0.09 and 0.01 < 0.02
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


def test_modes_covered_passes_on_the_errors_of_mode_fractions():
    with pytest.raises(CourseError, match="radius must be a positive distance"):
        modes_covered(SQUARE, SQUARE, radius=0.0)
    with pytest.raises(ShapeError):
        modes_covered(np.zeros((3, 3)), SQUARE, radius=1.0)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_mode_fractions_takes_samples_on_the_gpu():  # pragma: no cover - CPU machines skip it
    fractions = mode_fractions(SQUARE.cuda(), SQUARE, radius=1.0)
    assert fractions.device.type == "cpu" and fractions.tolist() == [0.25] * 4


def test_metrics_are_exported_by_the_package():
    assert course_utils.mode_fractions is mode_fractions
    assert course_utils.modes_covered is modes_covered
    assert {"mode_fractions", "modes_covered"} <= set(course_utils.__all__)
