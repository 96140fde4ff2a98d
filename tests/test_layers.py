"""FilterConv2d and inject: layouts, freezing under real optimisers, gradients, state_dict, dtype."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from filterbank import (
    DTypeError,
    FilterBank,
    FilterConv2d,
    ParameterError,
    ShapeError,
    UnknownNameError,
    filter2d,
    inject,
    kernels,
)
from filterbank.borders import pad, padding_for


def sobel_bank() -> FilterBank:
    return FilterBank.from_specs(
        [
            {"family": "sobel", "dx": 1, "dy": 0},
            {"family": "sobel", "dx": 0, "dy": 1},
            {"family": "laplacian", "ksize": 3},
        ]
    )


def _optimisers(params):
    return {
        "sgd_momentum_wd": torch.optim.SGD(params, lr=0.05, momentum=0.9, weight_decay=0.1),
        "adam_l2": torch.optim.Adam(params, lr=0.05, weight_decay=0.1),
        "adamw": torch.optim.AdamW(params, lr=0.05, weight_decay=0.1),
    }


def _train(model: nn.Module, opt: torch.optim.Optimizer, in_ch: int, steps: int = 50) -> None:
    gen = torch.Generator().manual_seed(0)
    for _ in range(steps):
        x = torch.rand(2, in_ch, 12, 12, generator=gen)
        opt.zero_grad()
        model(x).sin().square().mean().backward()
        opt.step()


# ---------------------------------------------------------------------------------------------- FilterConv2d


def test_filterconv2d_is_a_conv2d_with_plain_state_dict() -> None:
    layer = FilterConv2d(sobel_bank(), in_channels=3)
    assert isinstance(layer, nn.Conv2d)
    assert list(layer.state_dict()) == ["weight"]
    assert layer.weight.shape == (9, 1, 3, 3) and layer.groups == 3
    assert layer.names[:4] == ["c0:sobel_dx1_dy0", "c0:sobel_dx0_dy1", "c0:laplacian_ksize3", "c1:sobel_dx1_dy0"]
    assert FilterConv2d(sobel_bank()).names == sobel_bank().names
    assert "border='reflect101'" in repr(layer)


@pytest.mark.parametrize("name", ["sgd_momentum_wd", "adam_l2", "adamw"])
def test_frozen_layer_is_bit_identical_after_training(name: str) -> None:
    model = nn.Sequential(FilterConv2d(sobel_bank(), 2, bias=True), nn.Conv2d(6, 4, 3))
    before = {k: v.clone() for k, v in model[0].state_dict().items()}
    head = model[1].weight.detach().clone()
    opt = _optimisers([p for p in model.parameters()])[name]
    _train(model, opt, 2)
    for k, v in model[0].state_dict().items():
        assert torch.equal(v, before[k]), k
        assert model[0].get_parameter(k).grad is None
    assert not torch.equal(model[1].weight, head)  # the rest did learn


def test_gradient_reaches_input_through_frozen_layer() -> None:
    layer = FilterConv2d(sobel_bank(), 1, border="symmetric")
    x = torch.rand(1, 1, 10, 11, requires_grad=True)
    layer(x).square().sum().backward()
    assert x.grad is not None and x.grad.abs().sum() > 0
    assert layer.weight.grad is None


def test_trainable_layer_learns_towards_a_target() -> None:
    torch.manual_seed(0)
    target = FilterConv2d(np.random.default_rng(1).normal(size=(3, 3)), 1)
    layer = FilterConv2d(kernels.box(3), 1, mode="trainable")
    assert layer.mode == "trainable" and layer.weight.requires_grad
    opt = torch.optim.Adam(layer.parameters(), lr=0.05)
    first = None
    for _ in range(200):
        x = torch.rand(4, 1, 16, 16)
        loss = (layer(x) - target(x)).square().mean()
        first = first if first is not None else loss.item()
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert loss.item() < first * 1e-3
    assert torch.allclose(layer.weight, target.weight, atol=1e-2)


def test_mode_is_derived_from_requires_grad() -> None:
    layer = FilterConv2d(sobel_bank())
    assert layer.mode == "frozen"
    layer.requires_grad_(True)  # torch's own call unfreezes, as for any Parameter
    assert layer.mode == "trainable"


def test_state_dict_round_trip_and_dtype_move() -> None:
    a = FilterConv2d(sobel_bank(), 2, mode="trainable", border="replicate")
    with torch.no_grad():
        a.weight.add_(0.25)
    b = FilterConv2d(sobel_bank(), 2, border="replicate")
    b.load_state_dict(a.state_dict())
    x = torch.rand(1, 2, 9, 9)
    assert torch.equal(a(x), b(x))
    b64 = b.to(torch.float64)
    assert b64.weight.dtype == torch.float64 and b64(x.double()).dtype == torch.float64


def test_float64_layer_equals_filter2d_to_1e_13() -> None:
    bank = FilterBank.from_kernels([kernels.gabor(9, 2.0, 0.3, 5.0), kernels.log(9, 1.2)])
    x = torch.rand(2, 3, 17, 23, dtype=torch.float64)
    layer = FilterConv2d(bank, 3, border="wrap", dtype=torch.float64)
    torch.testing.assert_close(layer(x), filter2d(x, bank, border="wrap"), rtol=0, atol=1e-13)
    # unbatched input, as nn.Conv2d accepts
    torch.testing.assert_close(layer(x[0]), filter2d(x[0], bank, border="wrap"), rtol=0, atol=1e-13)


def test_filterconv2d_errors() -> None:
    layer = FilterConv2d(sobel_bank(), 3)
    with pytest.raises(ShapeError, match=r"`x` must be \(B, 3, H, W\).*got shape \(1, 2, 8, 8\)"):
        layer(torch.rand(1, 2, 8, 8))
    with pytest.raises(UnknownNameError, match=r"`mode` must be one of.*got 'frozn'.*Did you mean 'frozen'"):
        FilterConv2d(sobel_bank(), mode="frozn")
    with pytest.raises(ParameterError, match=r"`in_channels` must be >= 1; got 0"):
        FilterConv2d(sobel_bank(), 0)
    with pytest.raises(ParameterError, match=r"`kernels` must contain only finite values; got nan"):
        FilterConv2d(np.full((3, 3), np.nan))


# ---------------------------------------------------------------------------------------------- inject


def test_inject_full_freeze_keeps_plain_weight_and_equals_filter2d() -> None:
    conv = nn.Conv2d(1, 3, 3, padding=0, bias=True)
    assert inject(conv, sobel_bank()) is conv
    assert list(conv.state_dict()) == ["weight", "bias"]
    assert not conv.weight.requires_grad and not conv.bias.requires_grad
    x = torch.rand(1, 1, 20, 20)
    y = conv(pad(x, padding_for((3, 3)), "reflect101"))
    torch.testing.assert_close(y, filter2d(x, sobel_bank()), rtol=0, atol=1e-5)


@pytest.mark.parametrize("name", ["sgd_momentum_wd", "adam_l2", "adamw"])
def test_partial_freeze_is_exact_under_weight_decay(name: str) -> None:
    conv = nn.Conv2d(2, 8, 3, padding=1, bias=True)
    inject(conv, sobel_bank(), out_channels=[5, 0, 3])
    w0, b0 = conv.weight.detach().clone(), conv.bias.detach().clone()
    _train(conv, _optimisers(list(conv.parameters()))[name], 2)
    frozen, free = [0, 3, 5], [1, 2, 4, 6, 7]
    assert torch.equal(conv.weight[frozen], w0[frozen]) and torch.equal(conv.bias[frozen], b0[frozen])
    assert not torch.equal(conv.weight[free], w0[free]) and not torch.equal(conv.bias[free], b0[free])
    # the injected values are the bank's, spread as the mean over the two inputs
    expect = sobel_bank().to_tensor() / 2
    torch.testing.assert_close(conv.weight[[5, 0, 3], 0], expect, rtol=0, atol=0)
    assert torch.equal(conv.bias[frozen], torch.zeros(3))


def test_partial_freeze_state_dict_round_trip() -> None:
    a = nn.Conv2d(1, 5, 3, padding=1)
    inject(a, sobel_bank())
    b = nn.Conv2d(1, 5, 3, padding=1)
    inject(b, sobel_bank())
    b.load_state_dict(a.state_dict())
    x = torch.rand(1, 1, 8, 8)
    assert torch.equal(a(x), b(x))


def test_injecting_the_remaining_channels_ends_in_a_plain_frozen_weight() -> None:
    conv = nn.Conv2d(1, 6, 3)
    inject(conv, sobel_bank())  # channels 0..2
    inject(conv, sobel_bank(), out_channels=[3, 4, 5])
    assert list(conv.state_dict()) == ["weight", "bias"] and not conv.weight.requires_grad


def test_grouped_conv_gets_the_bank_per_group_like_filterconv2d() -> None:
    conv = nn.Conv2d(3, 9, 3, groups=3, bias=False)
    inject(conv, sobel_bank())
    layer = FilterConv2d(sobel_bank(), 3, border="constant")
    x = torch.rand(2, 3, 11, 13)
    assert torch.equal(conv.weight, layer.weight)
    torch.testing.assert_close(conv(pad(x, (1, 1, 1, 1), "constant")), layer(x), rtol=0, atol=0)


def test_in_channels_rules() -> None:
    k = kernels.gaussian(5, 1.0)
    x = torch.rand(1, 3, 16, 16, dtype=torch.float64)
    ref = filter2d(x.mean(1), k, border="constant")
    for rule, source in (("mean", x.mean(1)), ("sum", x.sum(1)), (2, x[:, 2])):
        conv = nn.Conv2d(3, 1, 5, padding=2, bias=False, dtype=torch.float64)
        inject(conv, k, in_channels=rule)
        torch.testing.assert_close(conv(x)[:, 0], filter2d(source, k, border="constant"), rtol=0, atol=1e-12)
    assert torch.allclose(ref, filter2d(x.mean(1), k, border="constant"))


def test_smaller_kernels_are_centre_padded() -> None:
    conv = nn.Conv2d(1, 2, (5, 7), padding=(2, 3), bias=False, dtype=torch.float64)
    inject(conv, sobel_bank()[:2])
    x = torch.rand(1, 1, 12, 14, dtype=torch.float64)
    torch.testing.assert_close(conv(x), filter2d(x, sobel_bank()[:2], border="constant"), rtol=0, atol=1e-12)


def test_trainable_injection_learns_and_keeps_dtype() -> None:
    conv = nn.Conv2d(1, 4, 3, dtype=torch.float64)
    inject(conv, sobel_bank(), mode="trainable")
    assert conv.weight.requires_grad and conv.weight.dtype == torch.float64
    w0 = conv.weight.detach().clone()
    _train(conv.float(), torch.optim.SGD(conv.parameters(), lr=0.1), 1, steps=5)
    assert not torch.equal(conv.weight.double()[:3], w0[:3])


def test_bias_keep() -> None:
    conv = nn.Conv2d(1, 3, 3)
    with torch.no_grad():
        conv.bias.fill_(0.5)
    inject(conv, sobel_bank(), bias="keep")
    assert torch.equal(conv.bias, torch.full((3,), 0.5)) and conv.bias.requires_grad


@pytest.mark.parametrize(
    "kwargs, conv, error, pattern",
    [
        ({}, nn.Conv2d(1, 2, 3), ShapeError, r"`bank` has 3 kernels but the conv has only 2 output channels"),
        ({}, nn.Conv2d(1, 3, 1), ShapeError, r"`bank` kernels \(3, 3\) must fit the conv's kernel_size \(1, 1\)"),
        ({}, nn.Conv2d(1, 3, 4), ShapeError, r"kernel_size \(4, 4\): equal, or smaller by an even number"),
        ({}, nn.Conv2d(1, 3, 3, dilation=2), ParameterError, r"`conv.dilation` must be \(1, 1\).*got \(2, 2\)"),
        (
            {"out_channels": [0, 1, 9]},
            nn.Conv2d(1, 4, 3),
            ParameterError,
            r"`out_channels` entries must be in \[0, 3\]; got 9",
        ),
        (
            {"out_channels": [0, 1, 1]},
            nn.Conv2d(1, 4, 3),
            ParameterError,
            r"must not repeat a channel; got \[0, 1, 1\]",
        ),
        ({"out_channels": [0, 1]}, nn.Conv2d(1, 4, 3), ShapeError, r"one channel per kernel \(3\); got 2"),
        ({"out_channels": 2}, nn.Conv2d(1, 4, 3), DTypeError, r"`out_channels` must be a sequence.*got 2"),
        ({"mode": "parametric"}, nn.Conv2d(1, 4, 3), UnknownNameError, r"`mode` must be one of 'frozen', 'trainable'"),
        ({"in_channels": 3}, nn.Conv2d(3, 4, 3), ParameterError, r"`in_channels` index must be in \[0, 2\].*got 3"),
        ({"in_channels": "max"}, nn.Conv2d(3, 4, 3), ParameterError, r"`in_channels` must be 'mean', 'sum'.*'max'"),
        ({"bias": "drop"}, nn.Conv2d(1, 4, 3), ParameterError, r"`bias` must be 'zero' or 'keep'; got 'drop'"),
    ],
)
def test_inject_errors(kwargs, conv, error, pattern) -> None:
    with pytest.raises(error, match=pattern):
        inject(conv, sobel_bank(), **kwargs)


def test_inject_refuses_non_conv() -> None:
    with pytest.raises(DTypeError, match=r"`conv` must be a torch.nn.Conv1d, nn.Conv2d or nn.Conv3d; got Linear"):
        inject(nn.Linear(3, 3), sobel_bank())
