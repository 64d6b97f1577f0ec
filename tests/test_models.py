"""SmallCNN and random_shift: the digit classifier and augmentation lectures 05 and 07 share."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from course_utils.models import SmallCNN, random_shift


def test_small_cnn_maps_digits_to_ten_logits():
    model = SmallCNN()
    assert model(torch.rand(3, 1, 28, 28)).shape == (3, 10)


@pytest.mark.parametrize("channels, n_classes", [((8, 16), 10), ((4, 8), 3)])
def test_small_cnn_takes_other_channels_and_classes(channels, n_classes):
    model = SmallCNN(channels=channels, n_classes=n_classes, dropout=0.0)
    assert model(torch.rand(2, 1, 28, 28)).shape == (2, n_classes)
    assert model.features[0].out_channels == channels[0]
    assert model.features[4].out_channels == channels[1]


def test_small_cnn_has_the_documented_parameter_count():
    convolutions = 16 * 25 + 32 * 16 * 25  # no bias: batch norm adds it
    batch_norms = 2 * (16 + 32)
    linear = 32 * 4 * 4 * 10 + 10
    assert sum(p.numel() for p in SmallCNN().parameters()) == convolutions + batch_norms + linear


def test_small_cnn_accepts_channels_last_and_contiguous_inputs_alike():
    model = SmallCNN().eval()
    x = torch.rand(4, 1, 28, 28)
    with torch.no_grad():
        plain = model(x)
        channels_last = model(x.contiguous(memory_format=torch.channels_last))
    torch.testing.assert_close(plain, channels_last, rtol=1e-4, atol=1e-5)


def test_small_cnn_trains_a_step_and_its_gradients_are_finite():
    model = SmallCNN()
    loss = nn.functional.cross_entropy(model(torch.rand(8, 1, 28, 28)), torch.arange(8))
    loss.backward()
    assert all(p.grad is not None and torch.isfinite(p.grad).all() for p in model.parameters())


def test_small_cnn_dropout_is_off_in_eval_mode():
    model = SmallCNN(dropout=0.5).eval()
    x = torch.rand(2, 1, 28, 28)
    with torch.no_grad():
        torch.testing.assert_close(model(x), model(x))


def test_random_shift_keeps_the_shape():
    images = torch.rand(5, 3, 28, 20)
    assert random_shift(images, max_shift=3).shape == images.shape


def test_random_shift_by_zero_is_the_identity():
    images = torch.rand(4, 1, 28, 28)
    assert torch.equal(random_shift(images, max_shift=0), images)


def test_random_shift_moves_each_image_by_at_most_max_shift():
    images = torch.zeros(64, 1, 15, 15)
    images[:, :, 7, 7] = 1.0  # one bright pixel in the middle
    shifted = random_shift(images, max_shift=2, generator=torch.Generator().manual_seed(0))
    rows, cols = shifted[:, 0].nonzero(as_tuple=True)[1:]
    assert len(rows) == 64, "every image keeps its pixel"
    assert (rows - 7).abs().max() <= 2 and (cols - 7).abs().max() <= 2
    offsets = set(zip((rows - 7).tolist(), (cols - 7).tolist()))
    assert len(offsets) > 10, "images get different shifts"


def test_random_shift_fills_the_border_with_zeros():
    images = torch.ones(32, 1, 10, 10)
    shifted = random_shift(images, max_shift=2, generator=torch.Generator().manual_seed(1))
    assert shifted.min() == 0.0 and shifted.max() == 1.0
    assert (shifted.sum(dim=(1, 2, 3)) >= 8 * 8).all(), "at most 2 rows and 2 columns are lost"


def test_random_shift_is_reproducible_with_a_generator():
    images = torch.rand(16, 1, 28, 28)
    first = random_shift(images, 2, generator=torch.Generator().manual_seed(7))
    second = random_shift(images, 2, generator=torch.Generator().manual_seed(7))
    assert torch.equal(first, second)


def test_random_shift_does_not_change_its_input():
    images = torch.rand(8, 2, 12, 12)
    original = images.clone()
    random_shift(images, 2)
    assert torch.equal(images, original)


def test_random_shift_keeps_the_channels_of_a_pixel_together():
    images = torch.zeros(16, 3, 9, 9)
    images[:, :, 4, 4] = torch.tensor([1.0, 2.0, 3.0])[:, None].T
    shifted = random_shift(images, 1, generator=torch.Generator().manual_seed(2))
    for image in shifted:
        where = image.sum(dim=0).nonzero()
        assert len(where) == 1
        r, c = where[0].tolist()
        assert image[:, r, c].tolist() == [1.0, 2.0, 3.0]


def test_random_shift_works_on_channels_last_input():
    images = torch.rand(6, 3, 10, 10).contiguous(memory_format=torch.channels_last)
    expected = random_shift(images.contiguous(), 2, generator=torch.Generator().manual_seed(3))
    got = random_shift(images, 2, generator=torch.Generator().manual_seed(3))
    assert torch.equal(got, expected)
