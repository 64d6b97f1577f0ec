"""Tests for course_utils.device: choosing CUDA → MPS → CPU, and seeding."""

import os
import random

import numpy as np
import pytest
import torch

from course_utils.device import available_devices, get_device, seed_everything
from course_utils.errors import CourseError, DeviceUnavailableError


@pytest.fixture(autouse=True)
def _no_course_device(monkeypatch):
    """Tests start without a COURSE_DEVICE override, whatever the shell running them has."""
    monkeypatch.delenv("COURSE_DEVICE", raising=False)


@pytest.fixture
def fake_hardware(monkeypatch):
    """Pretend the machine has the given accelerators: ``fake_hardware(cuda=True, mps=False)``."""

    def fake(*, cuda: bool = False, mps: bool = False, cuda_count: int | None = None) -> None:
        count = (1 if cuda else 0) if cuda_count is None else cuda_count
        monkeypatch.setattr(torch.cuda, "is_available", lambda: cuda)
        monkeypatch.setattr(torch.cuda, "device_count", lambda: count)
        monkeypatch.setattr(torch.backends.mps, "is_available", lambda: mps)

    return fake


@pytest.fixture
def deterministic_calls(monkeypatch):
    """Record calls to torch.use_deterministic_algorithms instead of making them, and restore the
    cuDNN flags and CUBLAS_WORKSPACE_CONFIG that seed_everything(..., deterministic=True) sets.

    The real call imports torch._inductor (about 2 s) and would switch determinism on for every
    later test; what torch does with the request is torch's business, not ours.
    """
    calls = []
    monkeypatch.setattr(torch, "use_deterministic_algorithms", calls.append)
    monkeypatch.setattr(torch.backends.cudnn, "deterministic", torch.backends.cudnn.deterministic)
    monkeypatch.setattr(torch.backends.cudnn, "benchmark", torch.backends.cudnn.benchmark)
    # setenv then delenv: the variable starts absent, and monkeypatch removes it again afterwards.
    monkeypatch.setenv("CUBLAS_WORKSPACE_CONFIG", "placeholder")
    monkeypatch.delenv("CUBLAS_WORKSPACE_CONFIG")
    return calls


# --------------------------------------------------------------------------- available_devices
def test_available_devices_lists_best_first(fake_hardware):
    fake_hardware(cuda=True, mps=True)
    assert available_devices() == ["cuda", "mps", "cpu"]


def test_available_devices_always_includes_cpu(fake_hardware):
    fake_hardware()
    assert available_devices() == ["cpu"]


def test_available_devices_handles_torch_without_mps_backend(fake_hardware, monkeypatch):
    fake_hardware(cuda=True)
    monkeypatch.setattr(torch.backends, "mps", None)
    assert available_devices() == ["cuda", "cpu"]


# --------------------------------------------------------------------------- get_device
def test_get_device_falls_back_to_cpu_without_cuda(fake_hardware):
    fake_hardware()
    assert get_device() == torch.device("cpu")


def test_get_device_prefers_cuda_when_available(fake_hardware):
    fake_hardware(cuda=True, mps=True)
    assert get_device() == torch.device("cuda")


def test_get_device_picks_mps_without_cuda(fake_hardware):
    fake_hardware(mps=True)
    assert get_device() == torch.device("mps")


def test_get_device_returns_requested_cpu_even_with_cuda(fake_hardware):
    fake_hardware(cuda=True)
    assert get_device("cpu") == torch.device("cpu")


def test_get_device_normalises_case_and_whitespace(fake_hardware):
    fake_hardware()
    assert get_device("  CPU ") == torch.device("cpu")


def test_get_device_accepts_a_torch_device(fake_hardware):
    fake_hardware(cuda=True)
    assert get_device(torch.device("cuda", 0)) == torch.device("cuda", 0)


def test_get_device_uses_course_device_env(fake_hardware, monkeypatch):
    fake_hardware(cuda=True)
    monkeypatch.setenv("COURSE_DEVICE", "cpu")
    assert get_device() == torch.device("cpu")


def test_get_device_prefer_overrides_course_device_env(fake_hardware, monkeypatch):
    fake_hardware(cuda=True)
    monkeypatch.setenv("COURSE_DEVICE", "cpu")
    assert get_device("cuda") == torch.device("cuda")


def test_get_device_ignores_empty_course_device_env(fake_hardware, monkeypatch):
    fake_hardware(mps=True)
    monkeypatch.setenv("COURSE_DEVICE", "")
    assert get_device() == torch.device("mps")


def test_get_device_accepts_existing_cuda_index(fake_hardware):
    fake_hardware(cuda=True, cuda_count=2)
    assert get_device("cuda:1") == torch.device("cuda", 1)


def test_get_device_rejects_unknown_name():
    with pytest.raises(
        DeviceUnavailableError, match=r"unknown device 'tpu' \(from prefer\); use one of"
    ):
        get_device("tpu")


def test_get_device_unknown_name_from_env_names_course_device(monkeypatch):
    monkeypatch.setenv("COURSE_DEVICE", "gpu")
    with pytest.raises(
        DeviceUnavailableError, match=r"unknown device 'gpu' \(from COURSE_DEVICE\)"
    ):
        get_device()


def test_get_device_without_cuda_names_what_is_available(fake_hardware):
    fake_hardware(mps=True)
    with pytest.raises(
        DeviceUnavailableError,
        match=r"CUDA was requested \(from prefer\) but this machine has no cuda device; "
        r"available: mps, cpu\. Use get_device\(\) without arguments",
    ):
        get_device("cuda")


def test_get_device_without_cuda_from_env_names_course_device(fake_hardware, monkeypatch):
    fake_hardware()
    monkeypatch.setenv("COURSE_DEVICE", "cuda:0")
    with pytest.raises(DeviceUnavailableError, match=r"\(from COURSE_DEVICE\).*available: cpu"):
        get_device()


def test_get_device_without_mps_raises(fake_hardware):
    fake_hardware(cuda=True)
    with pytest.raises(DeviceUnavailableError, match=r"MPS was requested.*available: cuda, cpu"):
        get_device("mps")


def test_get_device_rejects_cuda_index_beyond_device_count(fake_hardware):
    fake_hardware(cuda=True, cuda_count=2)
    with pytest.raises(
        DeviceUnavailableError,
        match=r"'cuda:2' was requested but this machine has 2 CUDA device\(s\) "
        r"\(cuda:0 to cuda:1\)",
    ):
        get_device("cuda:2")


def test_get_device_rejects_non_numeric_cuda_index(fake_hardware):
    fake_hardware(cuda=True, cuda_count=1)
    with pytest.raises(DeviceUnavailableError, match=r"'cuda:one' was requested"):
        get_device("cuda:one")


def test_device_unavailable_error_is_a_course_error():
    with pytest.raises(CourseError):
        get_device("tpu")


# --------------------------------------------------------------------------- seed_everything
def _draws() -> tuple[float, float, torch.Tensor]:
    return random.random(), float(np.random.rand()), torch.rand(3)


def test_seed_everything_returns_the_seed():
    assert seed_everything(123) == 123


def test_seed_everything_makes_python_numpy_and_torch_reproducible():
    seed_everything(7)
    first = _draws()
    seed_everything(7)
    second = _draws()
    assert first[0] == second[0]
    assert first[1] == second[1]
    assert torch.equal(first[2], second[2])


def test_seed_everything_different_seeds_give_different_draws():
    seed_everything(1)
    first = _draws()
    seed_everything(2)
    second = _draws()
    assert first[0] != second[0]
    assert first[1] != second[1]
    assert not torch.equal(first[2], second[2])


def test_seed_everything_accepts_numpy_integers():
    assert seed_everything(np.int64(5)) == 5


def test_seed_everything_accepts_seeds_beyond_32_bits():
    assert seed_everything(2**40 + 3) == 2**40 + 3


@pytest.mark.parametrize("bad", [1.5, "42", None, True])
def test_seed_everything_rejects_non_int(bad):
    with pytest.raises(TypeError, match="seed must be an int"):
        seed_everything(bad)


def test_seed_everything_deterministic_asks_torch_for_deterministic_algorithms(
    deterministic_calls,
):
    seed_everything(0, deterministic=True)
    assert deterministic_calls == [True]
    assert torch.backends.cudnn.deterministic is True
    assert torch.backends.cudnn.benchmark is False
    assert os.environ["CUBLAS_WORKSPACE_CONFIG"] == ":4096:8"


def test_seed_everything_deterministic_keeps_a_cublas_setting_already_made(
    deterministic_calls, monkeypatch
):
    monkeypatch.setenv("CUBLAS_WORKSPACE_CONFIG", ":16:8")
    seed_everything(0, deterministic=True)
    assert os.environ["CUBLAS_WORKSPACE_CONFIG"] == ":16:8"


def test_seed_everything_leaves_algorithms_alone_by_default(deterministic_calls):
    seed_everything(0)
    assert deterministic_calls == []
    assert "CUBLAS_WORKSPACE_CONFIG" not in os.environ
