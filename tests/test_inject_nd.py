"""inject / inject_model into nn.Conv1d and nn.Conv3d: outputs, channels, groups, exact partial freezing."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from filterbank import FilterBank, ParameterError, ShapeError, bake, banks3d, filter1d, filter3d, inject, inject_model
from filterbank.inject import conv_names


def _jet() -> FilterBank:
    return banks3d.gaussian_jet(1, [0.8], ksize=3)  # 4 kernels 3x3x3


def test_conv3d_output_equals_filter3d_with_centre_padding():
    bank = _jet()
    conv = nn.Conv3d(1, 6, 5, padding=2, padding_mode="reflect", bias=True).double()  # torch reflect = reflect101
    inject(conv, bank)  # 3^3 kernels centre-padded into 5^3; channels 0..3; bias zeroed
    x = torch.rand(2, 1, 8, 9, 7, dtype=torch.float64)
    ref = filter3d(x, bank)
    np.testing.assert_allclose(conv(x)[:, :4].detach().numpy(), ref.numpy(), rtol=0, atol=1e-13)
    assert conv.weight.shape == (6, 1, 5, 5, 5) and float(conv.weight[:4, :, 0].detach().abs().sum()) == 0.0


def test_conv1d_mean_sum_and_index_inputs():
    k = np.array([[1.0, -2.0, 0.5], [0.25, 0.5, 0.25]])
    x = torch.rand(3, 2, 20, dtype=torch.float64)
    for in_channels, src in (("mean", x.mean(1, keepdim=True)), ("sum", x.sum(1, keepdim=True)), (1, x[:, 1:2])):
        conv = nn.Conv1d(2, 2, 3, padding=1, padding_mode="circular", bias=False).double()
        inject(conv, k, in_channels=in_channels)
        np.testing.assert_allclose(
            conv(x).detach().numpy(), filter1d(src, k, border="wrap").numpy(), rtol=0, atol=1e-13
        )


def test_grouped_conv3d_gets_the_bank_in_every_group():
    bank = _jet()
    conv = nn.Conv3d(2, 8, 3, padding=1, groups=2, bias=False).double()
    inject(conv, bank)
    x = torch.rand(1, 2, 6, 6, 6, dtype=torch.float64)
    np.testing.assert_allclose(
        conv(x).detach().numpy(), filter3d(x, bank, border="constant").numpy(), rtol=0, atol=1e-13
    )
    assert not conv.weight.requires_grad  # every channel injected, frozen: a plain frozen Parameter


@pytest.mark.parametrize(
    "make_opt",
    [
        lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, weight_decay=0.1),
        lambda p: torch.optim.Adam(p, lr=0.05, weight_decay=0.1),
        lambda p: torch.optim.AdamW(p, lr=0.05, weight_decay=0.1),
    ],
)
def test_partial_freezing_is_exact_in_3d(make_opt):
    torch.manual_seed(0)
    conv = nn.Conv3d(2, 6, 3, padding=1)
    inject(conv, _jet()[:2], out_channels=[1, 4])
    frozen_w = conv.weight[[1, 4]].detach().clone()
    free_w = conv.weight[[0, 2, 3, 5]].detach().clone()
    opt = make_opt(conv.parameters())
    x = torch.rand(2, 2, 6, 7, 5)
    for _ in range(15):
        opt.zero_grad()
        conv(x).sin().sum().backward()
        opt.step()
    assert torch.equal(conv.weight[[1, 4]], frozen_w)  # bit-identical
    assert torch.equal(conv.bias[[1, 4]], torch.zeros(2))
    assert not torch.allclose(conv.weight[[0, 2, 3, 5]], free_w)


def test_parametric_injection_into_conv1d_learns_sigma_and_bakes():
    bank = FilterBank.from_specs(
        [{"family": "gaussian_nd", "ksize": 9, "sigma": 1.5, "order": o, "ndim": 1} for o in (0, 2)]
    )
    conv = nn.Conv1d(1, 4, 9, padding=4, padding_mode="reflect", bias=False).double()
    inject(conv, bank, mode="parametric", out_channels=[0, 3])
    x = torch.rand(2, 1, 30, dtype=torch.float64)
    np.testing.assert_allclose(conv(x)[:, [0, 3]].detach().numpy(), filter1d(x, bank).numpy(), atol=1e-13)
    conv(x).sum().backward()
    gen = conv.parametrizations.weight[0].generator
    assert gen.log_sigma.grad is not None and gen.log_sigma.grad.shape == (2, 1)
    y = conv(x).detach()
    bake(conv)  # the generated channels become exactly frozen values, the others stay free
    assert torch.equal(conv(x), y)
    assert not any("generator" in key for key in conv.state_dict())
    assert conv.parametrizations.weight[0].mask.flatten().tolist() == [True, False, False, True]


def test_inject_model_finds_the_convs_of_the_banks_dimension():
    model = nn.Sequential(nn.Conv2d(1, 4, 3), nn.Conv3d(1, 8, 3), nn.Conv1d(1, 4, 3), nn.Conv3d(8, 8, 3))
    assert conv_names(model) == ["0", "1", "2", "3"] and conv_names(model, 3) == ["1", "3"]
    assert inject_model(model, _jet()) == ["1"]
    assert inject_model(model, _jet(), where="*", in_channels="mean") == ["1", "3"]
    assert inject_model(model, np.ones((3, 3)) / 9) == ["0"]  # a 2-D array is a 2-D kernel
    assert inject_model(model, FilterBank(np.ones((2, 3)) / 3, ndim=1)) == ["2"]
    with pytest.raises(ParameterError, match=r"`model` must contain an nn.Conv3d; got Sequential without one"):
        inject_model(nn.Sequential(nn.Conv2d(1, 1, 3)), _jet())


def test_errors():
    with pytest.raises(ShapeError, match=r"`bank` holds 3-D kernels \(3, 3, 3\) but `conv` is an nn.Conv2d"):
        inject(nn.Conv2d(1, 4, 3), _jet())
    with pytest.raises(ParameterError, match=r"`conv.dilation` must be \(1, 1, 1\).*got \(2, 2, 2\)"):
        inject(nn.Conv3d(1, 4, 3, dilation=2), _jet())
    with pytest.raises(ShapeError, match=r"`bank` kernels \(3, 3, 3\) must fit the conv's kernel_size \(4, 3, 3\)"):
        inject(nn.Conv3d(1, 4, (4, 3, 3)), _jet())
