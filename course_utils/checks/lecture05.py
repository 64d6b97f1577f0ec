"""Checks for lecture 05: convolution, the output-size formula, max-pooling and batch norm by hand."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from ._core import (
    Exercise,
    Forbidden,
    as_array,
    close,
    expect_close,
    expect_tensor,
    fail,
    generator,
)

__all__ = ["batch_norm2d", "conv2d", "conv_output_size", "max_pool2d"]

#: A convolution by hand means without the library's convolution (or its unfold).
CONVOLUTION = (
    Forbidden("torch.nn.functional.conv2d", "F.conv2d"),
    Forbidden("torch.conv2d", "torch.conv2d"),
    Forbidden("torch.nn.functional.unfold", "F.unfold"),
    Forbidden("torch.nn.Conv2d", "nn.Conv2d"),
)

#: Max-pooling by hand means without the library's max-pooling.
MAX_POOLING = (
    Forbidden("torch.nn.functional.max_pool2d", "F.max_pool2d"),
    Forbidden("torch.max_pool2d", "torch.max_pool2d"),
    Forbidden("torch.nn.functional.max_pool2d_with_indices", "F.max_pool2d_with_indices"),
    Forbidden("torch.nn.MaxPool2d", "nn.MaxPool2d"),
    Forbidden("torch.nn.functional.adaptive_max_pool2d", "F.adaptive_max_pool2d"),
)

#: Batch norm by hand means without the library's batch norm (or a module that calls it).
BATCH_NORM = (
    Forbidden("torch.nn.functional.batch_norm", "F.batch_norm"),
    Forbidden("torch.batch_norm", "torch.batch_norm"),
    Forbidden("torch.native_batch_norm", "torch.native_batch_norm"),
    Forbidden("torch.nn.BatchNorm2d", "nn.BatchNorm2d"),
    Forbidden("torch.nn.BatchNorm1d", "nn.BatchNorm1d"),
)


# --------------------------------------------------------------------------- conv_output_size
def _expected_size(size: int, kernel_size: int, stride: int, padding: int) -> int:
    return (size + 2 * padding - kernel_size) // stride + 1


def _size_cases(rng):
    cases = [(30, 5, 1, 0), (20, 3, 1, 1), (9, 3, 2, 0), (11, 4, 3, 1), (32, 7, 2, 3)]
    for _ in range(15):
        kernel = int(rng.integers(1, 8))
        size = kernel + int(rng.integers(0, 30))
        stride = int(rng.integers(1, 5))
        padding = int(rng.integers(0, kernel))
        cases.append((size, kernel, stride, padding))
    return [
        {"size": size, "kernel_size": kernel, "stride": stride, "padding": padding}
        for size, kernel, stride, padding in cases
    ]


def _sizes(case):
    n, k, s, p = case["size"], case["kernel_size"], case["stride"], case["padding"]
    span = n + 2 * p - k
    return {
        "right": _expected_size(n, k, s, p),
        "no_padding": _expected_size(n, k, s, 0),
        "one_side": (n + p - k) // s + 1,
        "no_stride": span + 1,
        "rounded_up": -(-span // s) + 1,
    }


def _as_int(got):
    """The answer as an int: a whole float or a one-element tensor counts, anything else fails."""
    __tracebackhide__ = True
    if isinstance(got, torch.Tensor) and got.numel() == 1:
        got = got.item()
    if isinstance(got, float) and got.is_integer():
        got = int(got)
    if not isinstance(got, int) or isinstance(got, bool):
        name = getattr(got, "type_name", type(got).__name__)
        shown = name if hasattr(got, "type_name") else f"{got!r} ({name})"
        fail(
            f"conv_output_size should return an int, got {shown}; "
            "use integer division // to round down"
        )
    return got


def _diagnose_size(case, got, expected):
    got = _as_int(got)
    right = expected["right"]
    if got == right:
        return
    stride, padding = case["stride"], case["padding"]
    where = (
        f"size={case['size']}, kernel_size={case['kernel_size']}, "
        f"stride={stride}, padding={padding}"
    )
    if padding and got == expected["no_padding"]:
        hint = "you forgot the padding: it makes the input n + 2p wide"
    elif padding and got == expected["one_side"]:
        hint = "padding is added on both sides: use n + 2p, not n + p"
    elif stride > 1 and got == expected["no_stride"]:
        hint = "you forgot the stride: divide n + 2p − k by s before adding 1"
    elif got == right - 1:
        hint = "it is one too small: the kernel fits once more than the steps you count, add 1"
    elif got == expected["rounded_up"]:
        hint = "round down (//), not up: a window that does not fit completely is not used"
    elif got == right + 1:
        hint = "it is one too large: count only the positions where the whole kernel fits"
    else:
        hint = (
            "count the positions where the whole kernel fits inside the padded input, "
            "stepping by the stride"
        )
    fail(
        f"conv_output_size({where}) returned {got}, expected {right}; {hint}",
        reveal="the kernel fits in ⌊(n + 2p − k) / s⌋ + 1 positions",
    )


conv_output_size = Exercise(
    name="conv_output_size",
    cases=_size_cases,
    call=lambda fn, case: fn(
        case["size"], case["kernel_size"], stride=case["stride"], padding=case["padding"]
    ),
    reference=_sizes,
    diagnose=_diagnose_size,
    seed=5,
    doc="""Check ``conv_output_size(size, kernel_size, stride=1, padding=0)``.

    The answer is ⌊(n + 2p − k) / s⌋ + 1, an int. Tried on sizes, kernels, strides
    and paddings the notebook does not use, including strides that do not divide
    ``n + 2p − k`` (the result is rounded down). The formula is the one
    ``F.conv2d`` and ``nn.Conv2d`` use.""",
)


# --------------------------------------------------------------------------- conv2d
def _conv_cases(rng):
    settings = [(1, 1, 1, 5, 5, 3, 3, 1, 0, False), (2, 3, 4, 6, 7, 3, 2, 1, 0, True)]
    for _ in range(10):
        n, c_in, c_out = (int(v) for v in rng.integers(1, 4, size=3))
        k_h, k_w = (int(v) for v in rng.integers(1, 5, size=2))
        stride = int(rng.integers(1, 4))
        padding = int(rng.integers(0, 3))
        h = k_h + int(rng.integers(2, 9))
        w = k_w + int(rng.integers(2, 9))
        with_bias = bool(rng.random() < 0.6)
        settings.append((n, c_in, c_out, h, w, k_h, k_w, stride, padding, with_bias))
    settings.append((2, 2, 3, 9, 8, 3, 3, 2, 1, True))  # stride and padding together, for sure
    gen = generator(rng)
    cases = []
    for n, c_in, c_out, h, w, k_h, k_w, stride, padding, with_bias in settings:
        x = torch.randn(n, c_in, h, w, generator=gen, dtype=torch.float64)
        weight = torch.randn(c_out, c_in, k_h, k_w, generator=gen, dtype=torch.float64)
        bias = torch.randn(c_out, generator=gen, dtype=torch.float64) if with_bias else None
        cases.append({"x": x, "weight": weight, "bias": bias, "stride": stride, "padding": padding})
    return cases


def _convolved(case):
    x, weight, bias = case["x"], case["weight"], case["bias"]
    stride, padding = case["stride"], case["padding"]
    return {
        "right": F.conv2d(x, weight, bias, stride=stride, padding=padding),
        "flipped": F.conv2d(x, weight.flip(-2, -1), bias, stride=stride, padding=padding),
        "no_bias": F.conv2d(x, weight, None, stride=stride, padding=padding),
        "no_stride_shape": list(F.conv2d(x, weight, padding=padding).shape),
        "no_padding_shape": list(F.conv2d(x, weight, stride=stride).shape),
    }


def _diagnose_conv(case, got, expected):
    expect_tensor(got, "conv2d")
    x, weight, bias = case["x"], case["weight"], case["bias"]
    stride, padding = case["stride"], case["padding"]
    setting = (
        f"x of shape {tuple(x.shape)}, weight of shape {tuple(weight.shape)}, "
        f"stride={stride}, padding={padding}, {'with' if bias is not None else 'no'} bias"
    )
    shape, right = tuple(as_array(got, "conv2d's output").shape), tuple(expected["right"].shape)
    if shape != right:
        reveal = ""
        if shape == tuple(expected["no_stride_shape"]) and stride > 1:
            hint = "you forgot the stride: step the window by `stride` pixels"
        elif shape == tuple(expected["no_padding_shape"]) and padding > 0:
            hint = "you forgot the padding: add `padding` zeros on every side first (F.pad)"
        elif len(shape) == 4 and shape[:2] != right[:2]:
            hint = (
                "the output is (N, C_out, H_out, W_out): "
                "sum over the input channels, one map per kernel"
            )
        else:
            hint = "H_out and W_out follow the formula of conv_output_size, once for each side"
            reveal = "H_out = ⌊(H + 2·padding − k_h) / stride⌋ + 1, and the same for W"
        fail(
            f"conv2d with {setting} returned shape {shape}, expected {right}; {hint}",
            reveal=reveal,
        )
    k_h, k_w = weight.shape[-2:]
    if (
        (k_h > 1 or k_w > 1)
        and close(got, expected["flipped"], atol=1e-4)
        and not close(got, expected["right"], atol=1e-5)
    ):
        fail(
            f"conv2d ({setting}) flipped the kernel: that is the textbook convolution. "
            "Deep learning's conv2d is a cross-correlation: multiply weight[.., u, v] with "
            "the input at offset (u, v), without flipping"
        )
    if bias is not None and close(got, expected["no_bias"], atol=1e-4):
        fail(f"conv2d ({setting}) forgot the bias: add bias[o] to every output of channel o")
    expect_close(
        got,
        expected["right"],
        what=f"conv2d with {setting}",
        rtol=1e-5,
        atol=1e-5,
        hint="check which padded input pixel meets weight[o, c, u, v] for output position "
        "(i, j), and that you sum over every input channel c",
        reveal="output[n, o, i, j] = bias[o] + Σ_c Σ_u Σ_v weight[o, c, u, v] · "
        "x_padded[n, c, i·stride + u, j·stride + v]",
    )


conv2d = Exercise(
    name="conv2d",
    cases=_conv_cases,
    call=lambda fn, case: fn(
        case["x"], case["weight"], case["bias"], stride=case["stride"], padding=case["padding"]
    ),
    reference=_convolved,
    diagnose=_diagnose_conv,
    forbidden=CONVOLUTION,
    seed=17,
    doc="""Check ``conv2d(x, weight, bias=None, stride=1, padding=0)`` against ``F.conv2d``.

    Images of shape ``(N, C_in, H, W)``, kernels of shape ``(C_out, C_in, k_h, k_w)``
    (not always square), random stride from 1 to 3 and padding from 0 to 2, with
    and without a bias. Names the usual mistakes: a flipped kernel (true
    convolution instead of the cross-correlation deep learning uses), a
    forgotten stride, padding or bias. ``F.conv2d``, ``F.unfold`` and
    ``nn.Conv2d`` may not be used (that is what the exercise replaces).""",
)


# --------------------------------------------------------------------------- max_pool2d
def _pool_cases(rng):
    settings = [
        (1, 1, 4, 4, 2),
        (2, 3, 6, 6, 3),
        (1, 2, 7, 5, 2),
        (3, 1, 9, 11, 4),
        (2, 2, 5, 5, 1),
    ]
    for _ in range(5):
        k = int(rng.integers(2, 5))
        h, w = (k + int(v) for v in rng.integers(0, 9, size=2))
        settings.append((int(rng.integers(1, 4)), 2, h, w, k))
    gen = generator(rng)
    cases = []
    for index, (n, c, h, w, k) in enumerate(settings):
        x = torch.randn(n, c, h, w, generator=gen, dtype=torch.float64)
        if index % 3 == 2:
            x = -x.abs() - 0.1  # every value negative
        cases.append({"x": x, "kernel_size": k})
    return cases


def _pooled(case):
    x, k = case["x"], case["kernel_size"]
    right = F.max_pool2d(x, k)
    return {
        "right": right,
        "from_zero": right.clamp(min=0),
        "average": F.avg_pool2d(x, k),
        "overlapping_shape": list(F.max_pool2d(x, k, stride=1).shape),
        "rounded_up_shape": list(F.max_pool2d(x, k, ceil_mode=True).shape),
    }


def _diagnose_pool(case, got, expected):
    expect_tensor(got, "max_pool2d")
    k = case["kernel_size"]
    setting = f"x of shape {tuple(case['x'].shape)} and kernel_size={k}"
    shape, right = tuple(as_array(got, "max_pool2d's output").shape), tuple(expected["right"].shape)
    if shape != right:
        if k > 1 and shape == tuple(expected["overlapping_shape"]):
            hint = "the windows do not overlap: step by kernel_size, not by 1"
        elif shape == tuple(expected["rounded_up_shape"]):
            hint = "drop the rows and columns that do not fill a whole window (round down)"
        else:
            hint = "the output is (N, C, ⌊H/k⌋, ⌊W/k⌋)"
        fail(f"max_pool2d on {setting} returned shape {shape}, expected {right}; {hint}")
    if k > 1 and close(got, expected["average"], atol=1e-6):
        fail(f"max_pool2d on {setting} averaged the windows; take their maximum")
    if not close(got, expected["right"]) and close(got, expected["from_zero"]):
        fail(
            f"max_pool2d on {setting} returned zeros for windows whose values are all negative: "
            "do not start the maximum from 0 (or apply a ReLU); take the window's own maximum"
        )
    expect_close(
        got,
        expected["right"],
        what=f"max_pool2d on {setting}",
        hint="each output is the maximum of its own k×k window, and the windows do not overlap",
        reveal="output[n, c, i, j] = max of x[n, c, i·k:(i+1)·k, j·k:(j+1)·k]",
    )


max_pool2d = Exercise(
    name="max_pool2d",
    cases=_pool_cases,
    call=lambda fn, case: fn(case["x"], case["kernel_size"]),
    reference=_pooled,
    diagnose=_diagnose_pool,
    forbidden=MAX_POOLING,
    seed=23,
    doc="""Check ``max_pool2d(x, kernel_size)``: the maximum of each non-overlapping k×k window.

    The stride equals ``kernel_size``, as in ``nn.MaxPool2d(k)``; rows and columns
    that do not fill a whole window are dropped. Tried on images of shape
    ``(N, C, H, W)`` whose sides are not always multiples of k, and on all-negative
    inputs (a maximum that starts from 0 fails them). ``F.max_pool2d`` and
    ``nn.MaxPool2d`` may not be used (that is what the exercise replaces).""",
)


# --------------------------------------------------------------------------- batch_norm2d
def _norm_cases(rng):
    #  n, c, h, w, training, momentum, eps
    settings = [
        (4, 3, 5, 5, True, 0.1, 1e-5),
        (4, 3, 5, 5, False, 0.1, 1e-5),
        (2, 2, 2, 2, True, 0.1, 0.5),  # 8 values per channel: the n / (n - 1) correction shows
        (3, 4, 3, 2, True, 0.3, 0.2),
        (2, 2, 3, 3, False, 0.1, 0.5),
    ]
    for _ in range(5):
        n, c = (int(v) for v in rng.integers(2, 5, size=2))
        h, w = (int(v) for v in rng.integers(1, 5, size=2))
        training = bool(rng.random() < 0.6)
        momentum = float(rng.choice([0.1, 0.2, 0.5]))
        eps = float(rng.choice([1e-5, 0.1, 0.5]))
        settings.append((n, c, h, w, training, momentum, eps))
    gen = generator(rng)
    cases = []
    for n, c, h, w, training, momentum, eps in settings:
        scale = 0.3 + 2 * torch.rand(c, generator=gen, dtype=torch.float64)  # channels differ
        shift = 3 * torch.randn(c, generator=gen, dtype=torch.float64)
        x = torch.randn(n, c, h, w, generator=gen, dtype=torch.float64)
        x = x * scale[None, :, None, None] + shift[None, :, None, None]
        cases.append({
            "x": x,
            "gamma": 1 + 0.5 * torch.randn(c, generator=gen, dtype=torch.float64),
            "beta": torch.randn(c, generator=gen, dtype=torch.float64),
            "running_mean": torch.randn(c, generator=gen, dtype=torch.float64),
            "running_var": 0.5 + torch.rand(c, generator=gen, dtype=torch.float64),
            "training": training,
            "momentum": momentum,
            "eps": eps,
        })
    return cases


def _per_channel(v):
    return v[None, :, None, None]


def _normalised(case):
    """What F.batch_norm returns, and what the typical mistakes return instead."""
    x, gamma, beta = case["x"], case["gamma"], case["beta"]
    mean0, var0 = case["running_mean"], case["running_var"]
    momentum, eps, training = case["momentum"], case["eps"], case["training"]
    mean, var = mean0.clone(), var0.clone()
    right = F.batch_norm(x, mean, var, gamma, beta, training=training, momentum=momentum, eps=eps)

    def affine(x_hat):
        return _per_channel(gamma) * x_hat + _per_channel(beta)

    batch_mean = x.mean(dim=(0, 2, 3))
    biased = x.var(dim=(0, 2, 3), unbiased=False)
    unbiased = x.var(dim=(0, 2, 3), unbiased=True)
    used_mean, used_var = (batch_mean, biased) if training else (mean0, var0)
    centred = x - _per_channel(used_mean)
    per_sample_mean = x.mean(dim=(1, 2, 3), keepdim=True)
    per_sample_var = x.var(dim=(1, 2, 3), unbiased=False, keepdim=True)
    per_map_mean = x.mean(dim=(2, 3), keepdim=True)
    per_map_var = x.var(dim=(2, 3), unbiased=False, keepdim=True)
    per_pixel_mean = x.mean(dim=0, keepdim=True)
    per_pixel_var = x.var(dim=0, unbiased=False, keepdim=True)
    return {
        "right": [right, mean, var],
        "unbiased": affine((x - _per_channel(batch_mean)) / torch.sqrt(_per_channel(unbiased) + eps)),
        "eps_outside": affine(centred / (torch.sqrt(_per_channel(used_var)) + eps)),
        "no_eps": affine(centred / torch.sqrt(_per_channel(used_var))),
        "per_sample": affine((x - per_sample_mean) / torch.sqrt(per_sample_var + eps)),
        "per_map": affine((x - per_map_mean) / torch.sqrt(per_map_var + eps)),
        "per_pixel": affine((x - per_pixel_mean) / torch.sqrt(per_pixel_var + eps)),
        "batch_stats": affine((x - _per_channel(batch_mean)) / torch.sqrt(_per_channel(biased) + eps)),
        "running_stats": affine((x - _per_channel(mean0)) / torch.sqrt(_per_channel(var0) + eps)),
        "no_affine": centred / torch.sqrt(_per_channel(used_var) + eps),
        "swapped_affine": _per_channel(beta) * centred / torch.sqrt(_per_channel(used_var) + eps)
        + _per_channel(gamma),
        "mean_flipped": momentum * mean0 + (1 - momentum) * batch_mean,
        "var_flipped": momentum * var0 + (1 - momentum) * unbiased,
        "var_biased": (1 - momentum) * var0 + momentum * biased,
        "var_flipped_biased": momentum * var0 + (1 - momentum) * biased,
        "batch_mean": batch_mean,
        "unbiased_var": unbiased,
    }


def _diagnose_norm(case, got, expected):
    x, training = case["x"], case["training"]
    n, c, h, w = x.shape
    mode = "train" if training else "eval"
    setting = (
        f"x of shape {tuple(x.shape)} in {mode} mode (training={training}), "
        f"momentum={case['momentum']}, eps={case['eps']}"
    )
    if not isinstance(got, list) or len(got) != 3:
        name = got.type_name if hasattr(got, "type_name") else type(got).__name__
        fail(
            f"batch_norm2d should return three tensors (y, running_mean, running_var), got {name}"
            + (f" of length {len(got)}" if isinstance(got, list) else "")
        )
    y, mean, var = got
    for value, what in [(y, "y"), (mean, "running_mean"), (var, "running_var")]:
        expect_tensor(value, f"batch_norm2d's {what}")
    right_y, right_mean, right_var = expected["right"]
    shape = tuple(as_array(y, "y").shape)
    if shape != tuple(x.shape):
        fail(f"batch_norm2d with {setting} returned y of shape {shape}; y has the shape of x")
    for value, what in [(mean, "running_mean"), (var, "running_var")]:
        got_shape = tuple(as_array(value, what).shape)
        if got_shape != (c,):
            fail(
                f"batch_norm2d with {setting} returned {what} of shape {got_shape}, expected "
                f"({c},): one number per channel"
            )
    if not close(y, right_y):
        _diagnose_output(case, y, expected, setting)
    if training:
        _diagnose_running(case, mean, var, expected, setting)
    else:
        if not (close(mean, case["running_mean"]) and close(var, case["running_var"])):
            fail(
                f"batch_norm2d with {setting} changed the running statistics; in eval mode they "
                "are only read (the model is not learning from this batch), return them unchanged"
            )


def _diagnose_output(case, y, expected, setting):
    training = case["training"]
    if not training and close(y, expected["batch_stats"]):
        fail(
            f"batch_norm2d with {setting} normalised with the batch's own mean and variance; in "
            "eval mode use the running statistics, so a prediction does not depend on the batch"
        )
    if training and close(y, expected["running_stats"]):
        fail(
            f"batch_norm2d with {setting} normalised with the running statistics; in train mode "
            "normalise with this batch's mean and variance (the running ones are only updated)"
        )
    named = [
        ("unbiased", "normalised with the unbiased variance (dividing by m − 1); normalise "
         "with the biased variance (divide by m, the number of values per channel); only the "
         "running variance stores the unbiased one"),
        ("eps_outside", "added eps outside the square root; it goes inside: "
         "(x − mean) / sqrt(var + eps)"),
        ("no_eps", "forgot eps; add it to the variance before the square root"),
        ("per_sample", "normalised each sample over its channels and pixels (that is layer "
         "norm); batch norm takes one mean and variance per channel, over the batch and all "
         "positions: dims (0, 2, 3)"),
        ("per_map", "normalised each sample's feature map on its own (that is instance norm); "
         "batch norm pools the whole batch: one mean and variance per channel over dims (0, 2, 3)"),
        ("per_pixel", "took statistics over the batch only, separately for every pixel; a "
         "convolution's channel is one feature everywhere, so average over dims (0, 2, 3)"),
        ("no_affine", "forgot the learned scale and shift: multiply by gamma, then add beta"),
        ("swapped_affine", "swapped gamma and beta: gamma scales, beta shifts"),
    ]
    for key, hint in named:
        if close(y, expected[key]):
            fail(f"batch_norm2d with {setting} {hint}")
    expect_close(
        y,
        expected["right"][0],
        what=f"y of batch_norm2d with {setting}",
        hint="check the statistics you normalise with, their axes, and gamma and beta",
        reveal="y = gamma · (x − mean) / sqrt(var + eps) + beta, per channel; in train mode "
        "mean and var (divided by m) are over dims (0, 2, 3) of this batch, in eval mode the "
        "running ones",
    )


def _diagnose_running(case, mean, var, expected, setting):
    _, right_mean, right_var = expected["right"]
    mean0, var0 = case["running_mean"], case["running_var"]
    if close(mean, mean0) and close(var, var0):
        fail(
            f"batch_norm2d with {setting} returned the running statistics unchanged; in train "
            "mode move them a step towards this batch's statistics"
        )
    if not close(mean, right_mean):
        if close(mean, expected["mean_flipped"]):
            fail(
                f"batch_norm2d with {setting}: the running mean moved the wrong way round. "
                "In PyTorch, momentum is the weight of the NEW batch: "
                "(1 − momentum) · old + momentum · batch mean"
            )
        if close(mean, expected["batch_mean"]):
            fail(
                f"batch_norm2d with {setting} replaced the running mean by the batch mean; "
                "it is a running average: move only a step of size momentum towards it"
            )
        expect_close(mean, right_mean, what=f"running_mean of batch_norm2d with {setting}",
                     hint="it is an exponential moving average of the batch means")
    if not close(var, right_var):
        if close(var, expected["var_biased"]):
            fail(
                f"batch_norm2d with {setting} updated the running variance with the biased "
                "batch variance; PyTorch stores the unbiased estimate there (divide by m − 1), "
                "the best guess of the population's variance"
            )
        if close(var, expected["var_flipped"]) or close(var, expected["var_flipped_biased"]):
            fail(
                f"batch_norm2d with {setting}: the running variance moved the wrong way round. "
                "momentum is the weight of the NEW batch: (1 − momentum) · old + momentum · new"
            )
        if close(var, expected["unbiased_var"]):
            fail(
                f"batch_norm2d with {setting} replaced the running variance by the batch's; "
                "move only a step of size momentum towards it"
            )
        expect_close(var, right_var, what=f"running_var of batch_norm2d with {setting}",
                     hint="it is an exponential moving average of the batch variances",
                     reveal="running_var ← (1 − momentum) · running_var + momentum · "
                     "var_unbiased, where var_unbiased divides by m − 1")


batch_norm2d = Exercise(
    name="batch_norm2d",
    cases=_norm_cases,
    call=lambda fn, case: fn(
        case["x"], case["gamma"], case["beta"], case["running_mean"], case["running_var"],
        training=case["training"], momentum=case["momentum"], eps=case["eps"],
    ),
    reference=_normalised,
    diagnose=_diagnose_norm,
    forbidden=BATCH_NORM,
    seed=29,
    doc="""Check ``batch_norm2d(x, gamma, beta, running_mean, running_var, training, momentum, eps)``.

    Returns ``(y, new_running_mean, new_running_var)`` and must agree with
    ``F.batch_norm`` (and so with ``nn.BatchNorm2d``) in train and eval mode: in
    train mode one mean and (biased) variance per channel over the batch and all
    positions, and the running statistics moved by ``momentum`` towards the batch's
    (the running variance is the unbiased one); in eval mode the running statistics,
    returned unchanged. Tried with large ``eps`` and few values per channel, so an
    eps outside the square root or an unbiased variance shows. Names those mistakes,
    the wrong axes (layer norm, instance norm, per-pixel statistics), a momentum
    used the wrong way round and eval mode that uses the batch. ``F.batch_norm``
    and ``nn.BatchNorm2d`` may not be used.""",
)
