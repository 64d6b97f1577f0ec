"""One argument check for the whole teaching API: integers are integers, errors are CourseErrors."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from course_utils import (
    ArgumentTypeError,
    CourseError,
    DeviceUnavailableError,
    History,
    InvalidArgumentError,
    MissingRecordError,
    ShapeError,
    get_device,
    seed_everything,
)
from course_utils._validation import as_int, as_number


@pytest.mark.parametrize("value", [3, np.int64(3), np.int8(3), torch.tensor(3)])
def test_as_int_takes_any_integral_number(value):
    assert as_int(value, "n") == 3 and type(as_int(value, "n")) is int


@pytest.mark.parametrize(
    "value", [True, False, np.bool_(True), 3.0, 2.5, "3", None, [3], torch.tensor([3])]
)
def test_as_int_rejects_what_is_not_an_integer(value):
    with pytest.raises(ArgumentTypeError, match="n must be an integer"):
        as_int(value, "n")


def test_as_int_checks_the_range_with_a_message_that_names_the_argument():
    with pytest.raises(InvalidArgumentError, match="epochs must be a positive integer, got 0"):
        as_int(0, "epochs", minimum=1)
    with pytest.raises(InvalidArgumentError, match="k must be at least 2, got 1"):
        as_int(1, "k", minimum=2)
    with pytest.raises(InvalidArgumentError, match="k must be at most 5, got 9"):
        as_int(9, "k", maximum=5)


def test_as_number():
    assert as_number(2, "lr") == 2.0 and as_number(np.float32(0.5), "lr") == 0.5
    with pytest.raises(ArgumentTypeError):
        as_number(True, "lr")
    with pytest.raises(InvalidArgumentError, match="finite"):
        as_number(float("nan"), "lr")
    with pytest.raises(InvalidArgumentError, match="greater than 0"):
        as_number(0.0, "lr", minimum=0, strict_minimum=True)


@pytest.mark.parametrize(
    ("error", "builtin"),
    [
        (InvalidArgumentError, ValueError),
        (ArgumentTypeError, TypeError),
        (MissingRecordError, KeyError),
        (ShapeError, ValueError),
        (DeviceUnavailableError, ValueError),
    ],
)
def test_every_error_is_a_course_error_and_the_builtin_users_expect(error, builtin):
    assert issubclass(error, CourseError) and issubclass(error, builtin)


def test_a_missing_record_reads_as_a_sentence_not_a_quoted_key():
    with pytest.raises(MissingRecordError) as info:
        History()["val_loss"]
    assert str(info.value).startswith("no record 'val_loss'")


def test_seed_everything_takes_numpy_integers_and_rejects_bools():
    assert seed_everything(np.int64(5)) == 5
    with pytest.raises(TypeError, match="seed must be an integer"):
        seed_everything(True)
    with pytest.raises(ValueError, match="seed must be at least 0"):
        seed_everything(-1)


def test_course_seed_shifts_every_seed(monkeypatch):
    monkeypatch.setenv("COURSE_SEED", "3")
    assert seed_everything(10) == 13
    assert seed_everything(0) == 3
    first = torch.rand(1)
    monkeypatch.delenv("COURSE_SEED")
    seed_everything(3)
    assert torch.equal(first, torch.rand(1))


def test_a_bad_course_seed_says_what_it_must_be(monkeypatch):
    monkeypatch.setenv("COURSE_SEED", "two")
    with pytest.raises(InvalidArgumentError, match="COURSE_SEED must be a non-negative integer"):
        seed_everything(0)


def test_an_unknown_device_is_a_value_error():
    with pytest.raises(ValueError, match="unknown device"):
        get_device("tpu")
