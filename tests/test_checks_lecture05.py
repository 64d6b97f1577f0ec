"""The checks of lecture 05 accept correct answers and reject the typical wrong ones."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from conftest import accepts, not_written, rejects

from course_utils.checks import lecture05 as check
from course_utils.checks import verdict

#: Library functions kept aside before the check runs (a by-hand exercise must still reject them).
lib_conv2d = F.conv2d
lib_max_pool2d = F.max_pool2d


# --------------------------------------------------------------------------- conv_output_size
def output_size(size, kernel_size, stride=1, padding=0):
    return (size + 2 * padding - kernel_size) // stride + 1


def test_conv_output_size_accepts_the_formula(capsys):
    check.conv_output_size(output_size)
    assert capsys.readouterr().out.startswith("✓ conv_output_size")
    accepts(check.conv_output_size, output_size)


def test_conv_output_size_accepts_a_float_that_is_a_whole_number():
    accepts(
        check.conv_output_size,
        lambda n, k, stride=1, padding=0: float(output_size(n, k, stride, padding)),
    )


def test_conv_output_size_accepts_a_tensor_holding_one_int():
    accepts(
        check.conv_output_size,
        lambda n, k, stride=1, padding=0: torch.tensor(output_size(n, k, stride, padding)),
    )


def test_conv_output_size_names_the_missing_plus_one():
    rejects(
        check.conv_output_size,
        lambda n, k, stride=1, padding=0: (n + 2 * padding - k) // stride,
        "one too small",
    )


def test_conv_output_size_names_a_forgotten_stride():
    rejects(
        check.conv_output_size,
        lambda n, k, stride=1, padding=0: n + 2 * padding - k + 1,
        "forgot the stride",
    )


def test_conv_output_size_names_padding_on_one_side_only():
    rejects(
        check.conv_output_size,
        lambda n, k, stride=1, padding=0: (n + padding - k) // stride + 1,
        "both sides",
    )


def test_conv_output_size_names_a_forgotten_padding():
    rejects(
        check.conv_output_size,
        lambda n, k, stride=1, padding=0: (n - k) // stride + 1,
        "forgot the padding",
    )


def test_conv_output_size_names_rounding_up():
    rejects(
        check.conv_output_size,
        lambda n, k, stride=1, padding=0: -(-(n + 2 * padding - k) // stride) + 1,
        "round down",
    )


def test_conv_output_size_rejects_true_division():
    rejects(
        check.conv_output_size,
        lambda n, k, stride=1, padding=0: (n + 2 * padding - k) / stride + 1,
        "should return an int",
    )


def test_conv_output_size_rejects_a_bool_and_a_list():
    rejects(check.conv_output_size, lambda n, k, stride=1, padding=0: True, "should return an int")
    rejects(
        check.conv_output_size, lambda n, k, stride=1, padding=0: [n, k], "should return an int"
    )


def test_conv_output_size_shows_the_formula_only_in_the_reveal():
    result = rejects(
        check.conv_output_size, lambda n, k, stride=1, padding=0: n // stride, "expected"
    )
    assert "⌊(n + 2p − k) / s⌋ + 1" in result.reveal
    assert "⌊" not in result.message


def test_repeated_failures_reveal_the_formula():
    wrong = lambda n, k, stride=1, padding=0: n // stride  # noqa: E731
    messages = []
    for _ in range(3):
        with pytest.raises(AssertionError) as info:
            check.conv_output_size(wrong)
        messages.append(str(info.value))
    assert "⌊" not in messages[0] and "⌊(n + 2p − k) / s⌋ + 1" in messages[2]
    check.conv_output_size(output_size)  # a pass starts the count again


# --------------------------------------------------------------------------- conv2d
def reference_conv2d(x, weight, bias=None, stride=1, padding=0):
    """Sum of k_h·k_w shifted products, as in the notebook's solution."""
    x = F.pad(x, (padding,) * 4)
    k_h, k_w = weight.shape[-2:]
    out_h, out_w = (x.shape[2] - k_h) // stride + 1, (x.shape[3] - k_w) // stride + 1
    out = torch.zeros(x.shape[0], weight.shape[0], out_h, out_w, dtype=x.dtype)
    for u in range(k_h):
        for v in range(k_w):
            patch = x[
                :,
                :,
                u : u + stride * (out_h - 1) + 1 : stride,
                v : v + stride * (out_w - 1) + 1 : stride,
            ]
            out += torch.einsum("nchw,oc->nohw", patch, weight[:, :, u, v])
    if bias is not None:
        out += bias[None, :, None, None]
    return out


def test_conv2d_accepts_shifted_products(capsys):
    check.conv2d(reference_conv2d)
    assert capsys.readouterr().out.startswith("✓ conv2d")
    accepts(check.conv2d, reference_conv2d)


def test_conv2d_accepts_float32():
    def float32_conv(x, weight, bias=None, stride=1, padding=0):
        bias = None if bias is None else bias.float()
        return reference_conv2d(x.float(), weight.float(), bias, stride, padding)

    accepts(check.conv2d, float32_conv)


def test_conv2d_accepts_other_seeds():
    for seed in (0, 1, 2):
        accepts(check.conv2d, reference_conv2d, seed=seed)


def test_conv2d_names_a_flipped_kernel():
    rejects(
        check.conv2d,
        lambda x, w, b=None, stride=1, padding=0: reference_conv2d(
            x, w.flip(-2, -1), b, stride, padding
        ),
        "flipped the kernel",
    )


def test_conv2d_names_a_forgotten_stride_with_both_shapes():
    rejects(
        check.conv2d,
        lambda x, w, b=None, stride=1, padding=0: reference_conv2d(x, w, b, 1, padding),
        r"returned shape \(\d+, \d+, \d+, \d+\), expected \(\d+, \d+, \d+, \d+\); "
        "you forgot the stride",
    )


def test_conv2d_names_a_forgotten_padding():
    rejects(
        check.conv2d,
        lambda x, w, b=None, stride=1, padding=0: reference_conv2d(x, w, b, stride, 0),
        "forgot the padding",
    )


def test_conv2d_names_a_forgotten_bias():
    rejects(
        check.conv2d,
        lambda x, w, b=None, stride=1, padding=0: reference_conv2d(x, w, None, stride, padding),
        "forgot the bias",
    )


def test_conv2d_rejects_ignoring_the_input_channels():
    def first_channel_only(x, w, b=None, stride=1, padding=0):
        return reference_conv2d(x[:, :1], w[:, :1], b, stride, padding)

    result = rejects(check.conv2d, first_channel_only, "conv2d with .* is wrong")
    assert "Σ_c" in result.reveal and "Σ_c" not in result.message


def test_conv2d_rejects_changing_the_input_in_place():
    def pads_in_place(x, w, b=None, stride=1, padding=0):
        out = reference_conv2d(x, w, b, stride, padding)
        x.zero_()
        return out

    rejects(check.conv2d, pads_in_place, "in place")


def test_conv2d_rejects_a_non_tensor():
    rejects(
        check.conv2d,
        lambda x, w, b=None, stride=1, padding=0: reference_conv2d(
            x, w, b, stride, padding
        ).tolist(),
        "should return a tensor",
    )


def test_conv2d_library_answers_are_forbidden():
    def direct(x, weight, bias=None, stride=1, padding=0):
        return F.conv2d(x, weight, bias, stride=stride, padding=padding)

    def torch_conv(x, weight, bias=None, stride=1, padding=0):
        return torch.conv2d(x, weight, bias, stride, padding)

    def kept_aside(x, weight, bias=None, stride=1, padding=0):
        return lib_conv2d(x, weight, bias, stride=stride, padding=padding)

    def unfold_conv(x, weight, bias=None, stride=1, padding=0):
        n, _, h, w = x.shape
        c_out, _, k_h, k_w = weight.shape
        columns = F.unfold(x, (k_h, k_w), padding=padding, stride=stride)
        out = weight.reshape(c_out, -1) @ columns
        out_h, out_w = (h + 2 * padding - k_h) // stride + 1, (w + 2 * padding - k_w) // stride + 1
        out = out.reshape(n, c_out, out_h, out_w)
        return out if bias is None else out + bias[None, :, None, None]

    def module(x, weight, bias=None, stride=1, padding=0):
        layer = torch.nn.Conv2d(weight.shape[1], weight.shape[0], weight.shape[2:])
        return layer(x)

    for fn, shown in [
        (direct, "F.conv2d"),
        (torch_conv, "torch.conv2d|F.conv2d"),
        (kept_aside, "F.conv2d"),
        (unfold_conv, "F.unfold"),
        (module, "nn.Conv2d"),
    ]:
        rejects(check.conv2d, fn, f"by hand.*({shown})", status="forbidden-call")


# --------------------------------------------------------------------------- max_pool2d
def reference_max_pool(x, k):
    n, c, h, w = x.shape
    return x[:, :, : h // k * k, : w // k * k].reshape(n, c, h // k, k, w // k, k).amax(dim=(3, 5))


def test_max_pool2d_accepts_reshape_and_amax(capsys):
    check.max_pool2d(reference_max_pool)
    assert capsys.readouterr().out.startswith("✓ max_pool2d")
    accepts(check.max_pool2d, reference_max_pool)


def test_max_pool2d_accepts_loops():
    def loops(x, k):
        out = torch.empty(x.shape[0], x.shape[1], x.shape[2] // k, x.shape[3] // k, dtype=x.dtype)
        for i in range(out.shape[2]):
            for j in range(out.shape[3]):
                out[:, :, i, j] = x[:, :, i * k : (i + 1) * k, j * k : (j + 1) * k].amax(dim=(2, 3))
        return out

    accepts(check.max_pool2d, loops)


def test_max_pool2d_accepts_float32():
    accepts(check.max_pool2d, lambda x, k: reference_max_pool(x.float(), k))


def test_max_pool2d_names_average_pooling():
    rejects(check.max_pool2d, lambda x, k: F.avg_pool2d(x, k), "averaged")


def test_max_pool2d_names_overlapping_windows():
    rejects(
        check.max_pool2d,
        lambda x, k: x.unfold(2, k, 1).unfold(3, k, 1).amax(dim=(-2, -1)),
        "step by kernel_size",
    )


def test_max_pool2d_names_partial_windows_kept():
    def keeps_partial_windows(x, k):
        padded = F.pad(x, (0, -x.shape[3] % k, 0, -x.shape[2] % k), value=float("-inf"))
        return reference_max_pool(padded, k)

    rejects(check.max_pool2d, keeps_partial_windows, "round down")


def test_max_pool2d_names_a_maximum_that_starts_at_zero():
    rejects(check.max_pool2d, lambda x, k: reference_max_pool(x.clamp(min=0), k), "all negative")


def test_max_pool2d_rejects_a_wrong_shape():
    rejects(
        check.max_pool2d,
        lambda x, k: reference_max_pool(x, k)[:, :, :1],
        r"returned shape \(\d+, \d+, 1, \d+\), expected \(",
    )


def test_max_pool2d_rejects_a_wrong_value_with_the_formula_kept_back():
    def off_by_one_window(x, k):
        out = reference_max_pool(x, k).clone()
        out[..., 0, 0] = x[..., 0, 0]
        return out

    result = rejects(check.max_pool2d, off_by_one_window, "max_pool2d on .* is wrong")
    assert "i·k:(i+1)·k" in result.reveal and "i·k" not in result.message


def test_max_pool2d_rejects_changing_the_input_in_place():
    def relu_in_place(x, k):
        out = reference_max_pool(x, k)
        x.mul_(2)
        return out

    rejects(check.max_pool2d, relu_in_place, "in place")


def test_max_pool2d_rejects_a_non_tensor():
    rejects(
        check.max_pool2d, lambda x, k: reference_max_pool(x, k).numpy(), "should return a tensor"
    )


def test_max_pool2d_library_answers_are_forbidden():
    def direct(x, k):
        return F.max_pool2d(x, k)

    def torch_pool(x, k):
        return torch.max_pool2d(x, k, k)

    def kept_aside(x, k):
        return lib_max_pool2d(x, k)

    def with_indices(x, k):
        return F.max_pool2d_with_indices(x, k)[0]

    def module(x, k):
        return torch.nn.MaxPool2d(k)(x)

    def adaptive(x, k):
        return F.adaptive_max_pool2d(x, (x.shape[2] // k, x.shape[3] // k))

    for fn, shown in [
        (direct, "F.max_pool2d"),
        (torch_pool, "torch.max_pool2d"),
        (kept_aside, "F.max_pool2d"),
        (with_indices, "F.max_pool2d_with_indices"),
        (module, "nn.MaxPool2d"),
        (adaptive, "F.adaptive_max_pool2d"),
    ]:
        rejects(check.max_pool2d, fn, f"by hand.*{shown}", status="forbidden-call")


# --------------------------------------------------------------------------- every check
@pytest.mark.parametrize("name", ["conv_output_size", "conv2d", "max_pool2d"])
def test_every_check_says_when_the_exercise_is_not_written_without_stopping(name, capsys):
    getattr(check, name)(not_written)  # does not raise: Run All goes on
    assert "not written yet" in capsys.readouterr().out
    rejects(getattr(check, name), not_written, "not written yet", status="not-written")


def test_an_unwritten_helper_is_named():
    def pad(x, padding):
        raise NotImplementedError

    def conv_with_helper(x, weight, bias=None, stride=1, padding=0):
        return reference_conv2d(pad(x, padding), weight, bias, stride, 0)

    rejects(check.conv2d, conv_with_helper, "calls pad, which is not written yet", "not-written")


@pytest.mark.parametrize(
    ("name", "wrong"),
    [
        ("conv_output_size", lambda n, k, stride=1, padding=0: n // stride),
        ("conv2d", lambda x, w, b=None, stride=1, padding=0: reference_conv2d(x, w, b, 1, 0)),
        ("max_pool2d", lambda x, k: F.avg_pool2d(x, k)),
    ],
)
def test_the_same_seed_gives_the_same_verdict(name, wrong):
    exercise = getattr(check, name)
    first, second = verdict(exercise, wrong), verdict(exercise, wrong)
    assert (first.status, first.message) == (second.status, second.message)
    assert first.status == "failed"
