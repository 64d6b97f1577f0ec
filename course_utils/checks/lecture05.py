"""Checks for lecture 05: convolution, the output-size formula and max-pooling by hand."""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F

from ._core import assert_close, call, fail, passed

__all__ = ["conv2d", "conv_output_size", "max_pool2d"]


def _expected_size(size: int, kernel_size: int, stride: int, padding: int) -> int:
    return (size + 2 * padding - kernel_size) // stride + 1


def conv_output_size(student_fn: Callable) -> None:
    """Check ``conv_output_size(size, kernel_size, stride=1, padding=0)``: ⌊(n + 2p − k) / s⌋ + 1.

    Tried on sizes, kernels, strides and paddings the notebook does not use,
    including strides that do not divide ``n + 2p − k`` (the result is rounded
    down). The formula is the one ``F.conv2d`` and ``nn.Conv2d`` use.
    """
    gen = torch.Generator().manual_seed(5)
    cases = [(30, 5, 1, 0), (20, 3, 1, 1), (9, 3, 2, 0), (11, 4, 3, 1), (32, 7, 2, 3)]
    for _ in range(15):
        kernel = int(torch.randint(1, 8, (), generator=gen))
        size = kernel + int(torch.randint(0, 30, (), generator=gen))
        stride = int(torch.randint(1, 5, (), generator=gen))
        padding = int(torch.randint(0, kernel, (), generator=gen))
        cases.append((size, kernel, stride, padding))
    for size, kernel, stride, padding in cases:
        expected = _expected_size(size, kernel, stride, padding)
        got = call(
            student_fn, size, kernel, stride=stride, padding=padding, name="conv_output_size"
        )
        if isinstance(got, torch.Tensor) and got.numel() == 1:
            got = got.item()
        if isinstance(got, float) and got.is_integer():
            got = int(got)
        if not isinstance(got, int) or isinstance(got, bool):
            fail(
                f"conv_output_size should return an int, got {got!r} ({type(got).__name__}); "
                "use integer division // to round down"
            )
        if got == expected:
            continue
        where = f"size={size}, kernel_size={kernel}, stride={stride}, padding={padding}"
        span = size + 2 * padding - kernel
        if padding and got == _expected_size(size, kernel, stride, 0):
            hint = "you forgot the padding: it makes the input n + 2p wide"
        elif padding and got == (size + padding - kernel) // stride + 1:
            hint = "padding is added on both sides: use n + 2p, not n + p"
        elif stride > 1 and got == span + 1:
            hint = "you forgot the stride: divide n + 2p − k by s before adding 1"
        elif got == expected - 1:
            hint = "it is one too small: the kernel fits once more than the steps you count, add 1"
        elif got == -(-span // stride) + 1:
            hint = "round down (//), not up: a window that does not fit completely is not used"
        elif got == expected + 1:
            hint = "it is one too large: the output has ⌊(n + 2p − k)/s⌋ + 1 positions"
        else:
            hint = "the kernel fits in ⌊(n + 2p − k)/s⌋ + 1 positions"
        fail(f"conv_output_size({where}) returned {got}, expected {expected}; {hint}")
    passed("conv_output_size", len(cases))


def conv2d(student_fn: Callable) -> None:
    """Check ``conv2d(x, weight, bias=None, stride=1, padding=0)`` against ``F.conv2d``.

    Images of shape ``(N, C_in, H, W)``, kernels of shape ``(C_out, C_in, k_h, k_w)``
    (not always square), random stride from 1 to 3 and padding from 0 to 2, with
    and without a bias. Names the usual mistakes: a flipped kernel (true
    convolution instead of the cross-correlation deep learning uses), a
    forgotten stride, padding or bias.
    """
    gen = torch.Generator().manual_seed(17)
    cases = [(1, 1, 1, 5, 5, 3, 3, 1, 0, False), (2, 3, 4, 6, 7, 3, 2, 1, 0, True)]
    for _ in range(10):
        n, c_in, c_out = (int(v) for v in torch.randint(1, 4, (3,), generator=gen))
        k_h, k_w = (int(v) for v in torch.randint(1, 5, (2,), generator=gen))
        stride = int(torch.randint(1, 4, (), generator=gen))
        padding = int(torch.randint(0, 3, (), generator=gen))
        h = k_h + int(torch.randint(2, 9, (), generator=gen))
        w = k_w + int(torch.randint(2, 9, (), generator=gen))
        with_bias = bool(torch.rand((), generator=gen) < 0.6)
        cases.append((n, c_in, c_out, h, w, k_h, k_w, stride, padding, with_bias))
    cases.append((2, 2, 3, 9, 8, 3, 3, 2, 1, True))  # stride and padding together, for sure
    for n, c_in, c_out, h, w, k_h, k_w, stride, padding, with_bias in cases:
        x = torch.randn(n, c_in, h, w, generator=gen, dtype=torch.float64)
        weight = torch.randn(c_out, c_in, k_h, k_w, generator=gen, dtype=torch.float64)
        bias = torch.randn(c_out, generator=gen, dtype=torch.float64) if with_bias else None
        originals = (x.clone(), weight.clone())
        got = call(student_fn, x, weight, bias, stride=stride, padding=padding, name="conv2d")
        if not isinstance(got, torch.Tensor):
            fail(f"conv2d should return a tensor, got {type(got).__name__}")
        if not (torch.equal(x, originals[0]) and torch.equal(weight, originals[1])):
            fail("conv2d changed x or weight in place; compute a new tensor instead")
        expected = F.conv2d(x, weight, bias, stride=stride, padding=padding)
        setting = (
            f"x of shape {tuple(x.shape)}, weight of shape {tuple(weight.shape)}, "
            f"stride={stride}, padding={padding}, {'with' if with_bias else 'no'} bias"
        )
        if got.shape != expected.shape:
            _explain_conv_shape(got, x, weight, stride, padding, expected, setting)
        got = got.to(expected.dtype)
        flipped = F.conv2d(x, weight.flip(-2, -1), bias, stride=stride, padding=padding)
        if (k_h > 1 or k_w > 1) and torch.allclose(got, flipped, atol=1e-4):
            fail(
                f"conv2d ({setting}) flipped the kernel: that is the textbook convolution. "
                "Deep learning's conv2d is a cross-correlation: multiply weight[.., u, v] with "
                "the input at offset (u, v), without flipping"
            )
        if with_bias:
            no_bias = F.conv2d(x, weight, None, stride=stride, padding=padding)
            if torch.allclose(got, no_bias, atol=1e-4):
                fail(
                    f"conv2d ({setting}) forgot the bias: add bias[o] to every output of channel o"
                )
        assert_close(
            got,
            expected,
            what=f"conv2d with {setting}",
            rtol=1e-5,
            atol=1e-5,
            hint="output[n, o, i, j] = bias[o] + Σ_c Σ_u Σ_v weight[o, c, u, v] · "
            "x_padded[n, c, i·stride + u, j·stride + v]",
        )
    passed("conv2d", len(cases))


def _explain_conv_shape(got, x, weight, stride, padding, expected, setting) -> None:
    shape = tuple(got.shape)
    if shape == tuple(F.conv2d(x, weight, padding=padding).shape) and stride > 1:
        hint = "you forgot the stride: step the window by `stride` pixels"
    elif shape == tuple(F.conv2d(x, weight, stride=stride).shape) and padding > 0:
        hint = "you forgot the padding: add `padding` zeros on every side first (F.pad)"
    elif got.ndim == 4 and shape[:2] != tuple(expected.shape[:2]):
        hint = "the output is (N, C_out, H_out, W_out): sum over the input channels, one map per kernel"
    else:
        hint = "H_out = ⌊(H + 2·padding − k_h) / stride⌋ + 1, and the same for W"
    fail(f"conv2d with {setting} returned shape {shape}, expected {tuple(expected.shape)}; {hint}")


def max_pool2d(student_fn: Callable) -> None:
    """Check ``max_pool2d(x, kernel_size)``: the maximum of each non-overlapping k×k window.

    The stride equals ``kernel_size``, as in ``nn.MaxPool2d(k)``; rows and columns
    that do not fill a whole window are dropped. Tried on images of shape
    ``(N, C, H, W)`` whose sides are not always multiples of k, and on all-negative
    inputs (a maximum that starts from 0 fails them).
    """
    gen = torch.Generator().manual_seed(23)
    cases = [(1, 1, 4, 4, 2), (2, 3, 6, 6, 3), (1, 2, 7, 5, 2), (3, 1, 9, 11, 4), (2, 2, 5, 5, 1)]
    for _ in range(5):
        k = int(torch.randint(2, 5, (), generator=gen))
        h, w = (k + int(v) for v in torch.randint(0, 9, (2,), generator=gen))
        cases.append((int(torch.randint(1, 4, (), generator=gen)), 2, h, w, k))
    for index, (n, c, h, w, k) in enumerate(cases):
        x = torch.randn(n, c, h, w, generator=gen, dtype=torch.float64)
        if index % 3 == 2:
            x = -x.abs() - 0.1  # every value negative
        original = x.clone()
        got = call(student_fn, x, k, name="max_pool2d")
        if not isinstance(got, torch.Tensor):
            fail(f"max_pool2d should return a tensor, got {type(got).__name__}")
        if not torch.equal(x, original):
            fail("max_pool2d changed x in place; compute a new tensor instead")
        expected = F.max_pool2d(x, k)
        setting = f"x of shape {tuple(x.shape)} and kernel_size={k}"
        if tuple(got.shape) != tuple(expected.shape):
            if k > 1 and tuple(got.shape) == tuple(F.max_pool2d(x, k, stride=1).shape):
                hint = "the windows do not overlap: step by kernel_size, not by 1"
            elif tuple(got.shape) == tuple(F.max_pool2d(x, k, ceil_mode=True).shape):
                hint = "drop the rows and columns that do not fill a whole window (round down)"
            else:
                hint = "the output is (N, C, ⌊H/k⌋, ⌊W/k⌋)"
            fail(
                f"max_pool2d on {setting} returned shape {tuple(got.shape)}, "
                f"expected {tuple(expected.shape)}; {hint}"
            )
        got = got.to(expected.dtype)
        if k > 1 and torch.allclose(got, F.avg_pool2d(x, k), atol=1e-6):
            fail(f"max_pool2d on {setting} averaged the windows; take their maximum")
        if (x < 0).all() and (got == 0).any():
            fail(
                f"max_pool2d on {setting} (all values negative) returned zeros: "
                "do not start the maximum from 0 (or apply a ReLU); take the window's own maximum"
            )
        assert_close(
            got,
            expected,
            what=f"max_pool2d on {setting}",
            rtol=0,
            atol=1e-6,
            hint="output[n, c, i, j] = max of x[n, c, i·k:(i+1)·k, j·k:(j+1)·k]",
        )
    passed("max_pool2d", len(cases))
