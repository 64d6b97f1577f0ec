"""The checks of lecture 05 accept correct answers and reject the typical wrong ones."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from conftest import not_written

from course_utils.checks import lecture05 as check


# --------------------------------------------------------------------------- conv_output_size
def output_size(size, kernel_size, stride=1, padding=0):
    return (size + 2 * padding - kernel_size) // stride + 1


def test_conv_output_size_accepts_the_formula(capsys):
    check.conv_output_size(output_size)
    assert capsys.readouterr().out.startswith("✓ conv_output_size")


def test_conv_output_size_accepts_a_float_that_is_a_whole_number():
    check.conv_output_size(
        lambda n, k, stride=1, padding=0: float(output_size(n, k, stride, padding))
    )


def test_conv_output_size_names_the_missing_plus_one():
    with pytest.raises(AssertionError, match="one too small"):
        check.conv_output_size(lambda n, k, stride=1, padding=0: (n + 2 * padding - k) // stride)


def test_conv_output_size_names_a_forgotten_stride():
    with pytest.raises(AssertionError, match="forgot the stride"):
        check.conv_output_size(lambda n, k, stride=1, padding=0: n + 2 * padding - k + 1)


def test_conv_output_size_names_padding_on_one_side_only():
    with pytest.raises(AssertionError, match="both sides"):
        check.conv_output_size(lambda n, k, stride=1, padding=0: (n + padding - k) // stride + 1)


def test_conv_output_size_names_a_forgotten_padding():
    with pytest.raises(AssertionError, match="forgot the padding"):
        check.conv_output_size(lambda n, k, stride=1, padding=0: (n - k) // stride + 1)


def test_conv_output_size_names_rounding_up():
    with pytest.raises(AssertionError, match="round down"):
        check.conv_output_size(
            lambda n, k, stride=1, padding=0: -(-(n + 2 * padding - k) // stride) + 1
        )


def test_conv_output_size_rejects_true_division():
    with pytest.raises(AssertionError, match="should return an int"):
        check.conv_output_size(lambda n, k, stride=1, padding=0: (n + 2 * padding - k) / stride + 1)


def test_conv_output_size_reports_an_unwritten_function():
    with pytest.raises(AssertionError, match="not written yet"):
        check.conv_output_size(not_written)


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


def test_conv2d_accepts_unfold_in_float32():
    def unfold_conv(x, weight, bias=None, stride=1, padding=0):
        x = x.float()
        n, _, h, w = x.shape
        c_out, _, k_h, k_w = weight.shape
        columns = F.unfold(x, (k_h, k_w), padding=padding, stride=stride)
        out = weight.float().reshape(c_out, -1) @ columns
        out_h, out_w = (h + 2 * padding - k_h) // stride + 1, (w + 2 * padding - k_w) // stride + 1
        out = out.reshape(n, c_out, out_h, out_w)
        return out if bias is None else out + bias.float()[None, :, None, None]

    check.conv2d(unfold_conv)


def test_conv2d_names_a_flipped_kernel():
    with pytest.raises(AssertionError, match="flipped the kernel"):
        check.conv2d(
            lambda x, w, b=None, stride=1, padding=0: reference_conv2d(
                x, w.flip(-2, -1), b, stride, padding
            )
        )


def test_conv2d_names_a_forgotten_stride():
    with pytest.raises(AssertionError, match="forgot the stride"):
        check.conv2d(
            lambda x, w, b=None, stride=1, padding=0: reference_conv2d(x, w, b, 1, padding)
        )


def test_conv2d_names_a_forgotten_padding():
    with pytest.raises(AssertionError, match="forgot the padding"):
        check.conv2d(lambda x, w, b=None, stride=1, padding=0: reference_conv2d(x, w, b, stride, 0))


def test_conv2d_names_a_forgotten_bias():
    with pytest.raises(AssertionError, match="forgot the bias"):
        check.conv2d(
            lambda x, w, b=None, stride=1, padding=0: reference_conv2d(x, w, None, stride, padding)
        )


def test_conv2d_rejects_ignoring_the_input_channels():
    def first_channel_only(x, w, b=None, stride=1, padding=0):
        return reference_conv2d(x[:, :1], w[:, :1], b, stride, padding)

    with pytest.raises(AssertionError, match="conv2d with"):
        check.conv2d(first_channel_only)


def test_conv2d_rejects_changing_the_input_in_place():
    def pads_in_place(x, w, b=None, stride=1, padding=0):
        out = reference_conv2d(x, w, b, stride, padding)
        x.zero_()
        return out

    with pytest.raises(AssertionError, match="in place"):
        check.conv2d(pads_in_place)


def test_conv2d_rejects_a_non_tensor():
    with pytest.raises(AssertionError, match="should return a tensor"):
        check.conv2d(
            lambda x, w, b=None, stride=1, padding=0: reference_conv2d(
                x, w, b, stride, padding
            ).tolist()
        )


def test_conv2d_reports_an_unwritten_function():
    with pytest.raises(AssertionError, match="not written yet"):
        check.conv2d(not_written)


# --------------------------------------------------------------------------- max_pool2d
def reference_max_pool(x, k):
    n, c, h, w = x.shape
    return x[:, :, : h // k * k, : w // k * k].reshape(n, c, h // k, k, w // k, k).amax(dim=(3, 5))


def test_max_pool2d_accepts_reshape_and_amax(capsys):
    check.max_pool2d(reference_max_pool)
    assert capsys.readouterr().out.startswith("✓ max_pool2d")


def test_max_pool2d_accepts_loops():
    def loops(x, k):
        out = torch.empty(x.shape[0], x.shape[1], x.shape[2] // k, x.shape[3] // k, dtype=x.dtype)
        for i in range(out.shape[2]):
            for j in range(out.shape[3]):
                out[:, :, i, j] = x[:, :, i * k : (i + 1) * k, j * k : (j + 1) * k].amax(dim=(2, 3))
        return out

    check.max_pool2d(loops)


def test_max_pool2d_names_average_pooling():
    with pytest.raises(AssertionError, match="averaged"):
        check.max_pool2d(lambda x, k: F.avg_pool2d(x, k))


def test_max_pool2d_names_overlapping_windows():
    with pytest.raises(AssertionError, match="step by kernel_size"):
        check.max_pool2d(lambda x, k: F.max_pool2d(x, k, stride=1))


def test_max_pool2d_names_partial_windows_kept():
    with pytest.raises(AssertionError, match="round down"):
        check.max_pool2d(lambda x, k: F.max_pool2d(x, k, ceil_mode=True))


def test_max_pool2d_names_a_maximum_that_starts_at_zero():
    with pytest.raises(AssertionError, match="all values negative"):
        check.max_pool2d(lambda x, k: reference_max_pool(x.clamp(min=0), k))


def test_max_pool2d_rejects_a_wrong_shape():
    with pytest.raises(AssertionError, match="returned shape"):
        check.max_pool2d(lambda x, k: reference_max_pool(x, k)[:, :, :1])


def test_max_pool2d_rejects_changing_the_input_in_place():
    def relu_in_place(x, k):
        out = reference_max_pool(x, k)
        x.mul_(2)
        return out

    with pytest.raises(AssertionError, match="in place"):
        check.max_pool2d(relu_in_place)


def test_max_pool2d_rejects_a_non_tensor():
    with pytest.raises(AssertionError, match="should return a tensor"):
        check.max_pool2d(lambda x, k: reference_max_pool(x, k).numpy())


def test_max_pool2d_reports_an_unwritten_function():
    with pytest.raises(AssertionError, match="not written yet"):
        check.max_pool2d(not_written)
