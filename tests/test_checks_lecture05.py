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
lib_batch_norm = F.batch_norm


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


# --------------------------------------------------------------------------- batch_norm2d
def reference_batch_norm(x, gamma, beta, running_mean, running_var, training, momentum=0.1,
                         eps=1e-5, *, unbiased=False, eps_outside=False, dims=(0, 2, 3),
                         flipped=False, biased_running=False, eval_batch=False, no_update=False):
    """The notebook's solution, with switches that make each typical mistake."""

    def channel(v):
        return v[None, :, None, None] if v.dim() == 1 else v

    if training or eval_batch:
        mean = x.mean(dim=dims, keepdim=dims != (0, 2, 3))
        var = x.var(dim=dims, unbiased=unbiased, keepdim=dims != (0, 2, 3))
    else:
        mean, var = running_mean, running_var
    if training and not no_update:
        m = x.numel() // x.shape[1]
        batch_mean = x.mean(dim=(0, 2, 3))
        batch_var = x.var(dim=(0, 2, 3), unbiased=False) * (1 if biased_running else m / (m - 1))
        keep = momentum if flipped else 1 - momentum
        running_mean = keep * running_mean + (1 - keep) * batch_mean
        running_var = keep * running_var + (1 - keep) * batch_var
    scale = torch.sqrt(channel(var)) + eps if eps_outside else torch.sqrt(channel(var) + eps)
    y = channel(gamma) * (x - channel(mean)) / scale + channel(beta)
    return y, running_mean, running_var


def mistake(**switches):
    def batch_norm2d(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
        return reference_batch_norm(x, gamma, beta, running_mean, running_var, training,
                                    momentum, eps, **switches)

    return batch_norm2d


def test_batch_norm2d_accepts_the_solution(capsys):
    check.batch_norm2d(reference_batch_norm)
    assert capsys.readouterr().out.startswith("✓ batch_norm2d")
    accepts(check.batch_norm2d, reference_batch_norm)


def test_batch_norm2d_accepts_other_seeds_and_float32():
    for seed in (0, 1, 2):
        accepts(check.batch_norm2d, reference_batch_norm, seed=seed)

    def float32(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
        return reference_batch_norm(x.float(), gamma.float(), beta.float(), running_mean.float(),
                                    running_var.float(), training, momentum, eps)

    accepts(check.batch_norm2d, float32)


def test_batch_norm2d_accepts_a_tuple_of_a_module_like_loop():
    def by_channel(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
        ys, means, variances = [], [], []
        for c in range(x.shape[1]):
            values = x[:, c]
            if training:
                mean, var = values.mean(), ((values - values.mean()) ** 2).mean()
                m = values.numel()
                means.append((1 - momentum) * running_mean[c] + momentum * mean)
                variances.append((1 - momentum) * running_var[c] + momentum * var * m / (m - 1))
            else:
                mean, var = running_mean[c], running_var[c]
                means.append(mean)
                variances.append(var)
            ys.append(gamma[c] * (values - mean) / (var + eps) ** 0.5 + beta[c])
        return torch.stack(ys, dim=1), torch.stack(means), torch.stack(variances)

    accepts(check.batch_norm2d, by_channel)


@pytest.mark.parametrize(
    ("switches", "message"),
    [
        ({"unbiased": True}, "unbiased variance"),
        ({"eps_outside": True}, "eps outside the square root"),
        ({"dims": (1, 2, 3)}, "layer norm"),
        ({"dims": (2, 3)}, "instance norm"),
        ({"dims": (0,)}, "every pixel"),
        ({"flipped": True}, "wrong way round"),
        ({"biased_running": True}, "unbiased estimate"),
        ({"eval_batch": True}, "eval mode use the running statistics"),
        ({"no_update": True}, "unchanged; in train mode move them"),
    ],
)
def test_batch_norm2d_names_the_typical_mistakes(switches, message):
    rejects(check.batch_norm2d, mistake(**switches), message)


def test_batch_norm2d_names_normalising_with_running_statistics_in_train_mode():
    def always_running(x, gamma, beta, running_mean, running_var, training, momentum=0.1,
                       eps=1e-5):
        _, mean, var = reference_batch_norm(x, gamma, beta, running_mean, running_var, training,
                                            momentum, eps)
        y, _, _ = reference_batch_norm(x, gamma, beta, running_mean, running_var, False,
                                       momentum, eps)
        return y, mean, var

    rejects(check.batch_norm2d, always_running, "in train mode normalise with this batch")


def test_batch_norm2d_names_a_forgotten_or_swapped_affine():
    def no_affine(x, gamma, beta, *args, **kwargs):
        return reference_batch_norm(x, torch.ones_like(gamma), torch.zeros_like(beta), *args,
                                    **kwargs)

    def swapped(x, gamma, beta, *args, **kwargs):
        return reference_batch_norm(x, beta, gamma, *args, **kwargs)

    rejects(check.batch_norm2d, no_affine, "forgot the learned scale and shift")
    rejects(check.batch_norm2d, swapped, "swapped gamma and beta")


def test_batch_norm2d_names_replacing_the_running_statistics():
    def replaced(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
        return reference_batch_norm(x, gamma, beta, running_mean, running_var, training, 1.0, eps)

    rejects(check.batch_norm2d, replaced, "replaced the running mean by the batch mean")


def test_batch_norm2d_names_updating_in_eval_mode():
    def updates_always(x, gamma, beta, running_mean, running_var, training, momentum=0.1,
                       eps=1e-5):
        y, _, _ = reference_batch_norm(x, gamma, beta, running_mean, running_var, training,
                                       momentum, eps)
        _, mean, var = reference_batch_norm(x, gamma, beta, running_mean, running_var, True,
                                            momentum, eps)
        return y, mean, var

    rejects(check.batch_norm2d, updates_always, "in eval mode they are only read")


def test_batch_norm2d_rejects_updating_the_running_statistics_in_place():
    def module_style(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
        y, mean, var = reference_batch_norm(x, gamma, beta, running_mean, running_var, training,
                                            momentum, eps)
        running_mean.copy_(mean)
        running_var.copy_(var)
        return y, running_mean, running_var

    rejects(check.batch_norm2d, module_style, "changed running_mean in place")


def test_batch_norm2d_rejects_returning_y_alone_and_wrong_shapes():
    rejects(check.batch_norm2d, lambda *a, **k: reference_batch_norm(*a, **k)[0],
            "should return three tensors")

    def per_sample_stats(x, gamma, beta, running_mean, running_var, training, momentum=0.1,
                         eps=1e-5):
        y, mean, var = reference_batch_norm(x, gamma, beta, running_mean, running_var, training,
                                            momentum, eps)
        return y, mean[None].expand(x.shape[0], -1), var

    rejects(check.batch_norm2d, per_sample_stats, "one number per channel")


def test_batch_norm2d_keeps_the_formula_for_the_reveal():
    def off(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
        y, mean, var = reference_batch_norm(x, gamma, beta, running_mean, running_var, training,
                                            momentum, eps)
        return y * 1.01, mean, var

    result = rejects(check.batch_norm2d, off, "y of batch_norm2d with .* is wrong")
    assert "sqrt(var + eps)" in result.reveal and "sqrt(var + eps)" not in result.message


def test_batch_norm2d_library_answers_are_forbidden():
    def direct(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
        mean, var = running_mean.clone(), running_var.clone()
        y = F.batch_norm(x, mean, var, gamma, beta, training=training, momentum=momentum, eps=eps)
        return y, mean, var

    def kept_aside(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
        mean, var = running_mean.clone(), running_var.clone()
        return lib_batch_norm(x, mean, var, gamma, beta, training, momentum, eps), mean, var

    def torch_level(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
        mean, var = running_mean.clone(), running_var.clone()
        return torch.batch_norm(x, gamma, beta, mean, var, training, momentum, eps, False), mean, var

    def module(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
        layer = torch.nn.BatchNorm2d(x.shape[1], eps=eps, momentum=momentum).double()
        with torch.no_grad():
            layer.weight.copy_(gamma)
            layer.bias.copy_(beta)
            layer.running_mean.copy_(running_mean)
            layer.running_var.copy_(running_var)
        layer.train(training)
        return layer(x).detach(), layer.running_mean, layer.running_var

    for fn, shown in [
        (direct, "F.batch_norm"),
        (kept_aside, "F.batch_norm"),
        (torch_level, "torch.batch_norm"),
        (module, "nn.BatchNorm2d|F.batch_norm"),
    ]:
        rejects(check.batch_norm2d, fn, f"by hand.*({shown})", status="forbidden-call")


# --------------------------------------------------------------------------- every check
@pytest.mark.parametrize("name", ["conv_output_size", "conv2d", "max_pool2d", "batch_norm2d"])
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
        ("batch_norm2d", mistake(unbiased=True)),
    ],
)
def test_the_same_seed_gives_the_same_verdict(name, wrong):
    exercise = getattr(check, name)
    first, second = verdict(exercise, wrong), verdict(exercise, wrong)
    assert (first.status, first.message) == (second.status, second.message)
    assert first.status == "failed"
