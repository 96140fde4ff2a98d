"""Model surgery: a bank into the first conv of a model, or convs chosen by pattern / predicate / names, without
monkey-patching nn.Conv2d, keeping the model's state_dict layout loadable. Tested on a small CNN defined here
and, only where torchvision is installed, on resnet18(weights=None).conv1 (torchvision's wheel does not import
beside this project's torch 2.13 CPU build, so that test usually skips).
"""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest
import torch
from torch import nn
from torch.nn.utils import parametrize

from filterbank import (
    DTypeError,
    FilterBank,
    ParameterError,
    UnknownNameError,
    bake,
    filter2d,
    inject,
    inject_model,
    kernels,
)
from filterbank.inject import ParametricWeight, conv_names


class SmallCNN(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Conv2d(3, 16, 5, padding=2, bias=False)
        self.bn = nn.BatchNorm2d(16)
        self.block = nn.Sequential(nn.Conv2d(16, 16, 3, padding=1), nn.ReLU(), nn.Conv2d(16, 8, 3, padding=1))
        self.head = nn.Linear(8, 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = torch.relu(self.bn(self.stem(x)))
        x = self.block(x)
        return self.head(x.mean((-2, -1)))


def gabor_bank(ksize: int = 5, n: int = 4) -> FilterBank:
    return FilterBank.from_specs(
        [
            {"family": "gabor", "ksize": ksize, "sigma": 1.5, "theta": np.pi * i / n, "lambd": 4.0, "psi": 0.0}
            for i in range(n)
        ]
    )


def _train(model: nn.Module, steps: int = 5) -> None:
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=0.1)
    gen = torch.Generator().manual_seed(0)
    for _ in range(steps):
        opt.zero_grad()
        model(torch.rand(2, 3, 12, 12, generator=gen)).square().mean().backward()
        opt.step()


def test_first_conv_is_injected_in_place_without_patching() -> None:
    forward_before = nn.Conv2d.forward
    torch.manual_seed(0)
    model = SmallCNN()
    stem, others = model.stem, {k: v.clone() for k, v in model.block.state_dict().items()}
    assert inject_model(model, gabor_bank(), out_channels=[0, 1, 2, 3]) == ["stem"]
    assert model.stem is stem and isinstance(model.stem, nn.Conv2d)
    assert nn.Conv2d.forward is forward_before and type(nn.Conv2d(1, 1, 1)) is nn.Conv2d
    assert all(torch.equal(v, others[k]) for k, v in model.block.state_dict().items())
    # channels 0..3 are the Gabor kernels (mean over RGB), applied as cv2.filter2D would
    x = torch.rand(1, 3, 16, 16)
    y = model.stem(x)  # the conv's own zero padding (2) is the "constant" border
    ref = filter2d(x.mean(1), gabor_bank(), border="constant")
    torch.testing.assert_close(y[0, :4], ref, rtol=0, atol=1e-5)
    # frozen exactly under training; the other channels learn
    w0 = model.stem.weight.detach().clone()
    _train(model)
    assert torch.equal(model.stem.weight[:4], w0[:4]) and not torch.equal(model.stem.weight[4:], w0[4:])


def test_plain_state_dict_still_loads_after_surgery() -> None:
    torch.manual_seed(0)
    pretrained = SmallCNN()
    _train(pretrained)
    model = SmallCNN()
    inject_model(model, gabor_bank(), out_channels=[0, 1, 2, 3])
    bank_channels = model.stem.weight[:4].detach().clone()
    result = model.load_state_dict(pretrained.state_dict())  # the plain layout, strict
    assert not result.missing_keys and not result.unexpected_keys
    assert torch.equal(model.stem.weight[:4], bank_channels)  # frozen channels keep the bank
    assert torch.equal(model.stem.weight[4:], pretrained.stem.weight[4:])  # the rest is loaded
    assert torch.equal(model.block[0].weight, pretrained.block[0].weight)


def test_surgered_state_dict_round_trip() -> None:
    torch.manual_seed(0)
    a = SmallCNN()
    inject_model(a, gabor_bank(), where="stem", mode="parametric", out_channels=[3, 5, 7, 9], learn=["theta"])
    _train(a)
    b = SmallCNN()
    inject_model(b, gabor_bank(), where="stem", mode="parametric", out_channels=[3, 5, 7, 9], learn=["theta"])
    b.load_state_dict(a.state_dict())
    a.eval(), b.eval()
    x = torch.rand(2, 3, 12, 12)
    assert torch.equal(a(x), b(x))
    assert sorted(a.state_dict()) == sorted(b.eval().state_dict())


def test_where_pattern_predicate_and_names() -> None:
    model = SmallCNN()
    assert conv_names(model) == ["stem", "block.0", "block.2"]
    small = FilterBank.from_specs([{"family": "sobel", "dx": 1, "dy": 0}, {"family": "sobel", "dx": 0, "dy": 1}])
    assert inject_model(model, small, where="block.*") == ["block.0", "block.2"]
    model = SmallCNN()
    chosen = inject_model(model, small, where=lambda name, conv: conv.kernel_size == (3, 3) and conv.out_channels == 8)
    assert chosen == ["block.2"] and hasattr(model.block[2], "parametrizations")  # channels 0, 1 frozen exactly
    model = SmallCNN()
    assert inject_model(model, small, where=["block.0"], mode="trainable") == ["block.0"]
    torch.testing.assert_close(
        model.block[0].weight[:2, 0],
        torch.from_numpy(np.stack([kernels.sobel(1, 0), kernels.sobel(0, 1)])).float() / 16,
    )


def test_parametric_surgery_then_bake_gives_the_plain_layout() -> None:
    torch.manual_seed(0)
    model = SmallCNN()
    inject_model(model, gabor_bank(n=16), mode="parametric", learn=["sigma", "theta"])  # every stem channel
    sigma0 = model.stem.parametrizations.weight[0].generator.sigma.detach().clone()
    _train(model)
    assert not torch.equal(model.stem.parametrizations.weight[0].generator.sigma, sigma0)
    model.eval()
    x = torch.rand(2, 3, 12, 12)
    y = model(x)
    bake(model)
    assert torch.equal(model(x), y)
    plain = SmallCNN().eval()
    assert list(plain.state_dict()) == list(model.state_dict())
    plain.load_state_dict(model.state_dict())
    assert torch.equal(plain(x), y)


def test_surgery_errors() -> None:
    with pytest.raises(ParameterError, match=r"`where` must select at least one nn.Conv2d; got 'head\*'"):
        inject_model(SmallCNN(), gabor_bank(), where="head*")
    with pytest.raises(UnknownNameError, match=r"`where` must be one of 'block.0', 'block.2', 'stem'; got 'stm'"):
        inject_model(SmallCNN(), gabor_bank(), where=["stm"])
    with pytest.raises(ParameterError, match=r"`model` must contain an nn.Conv2d; got Linear"):
        inject_model(nn.Linear(2, 2), gabor_bank())
    with pytest.raises(DTypeError, match=r"`where` must be 'first', a name pattern.*got 3"):
        inject_model(SmallCNN(), gabor_bank(), where=3)
    with pytest.raises(DTypeError, match=r"`model` must be a torch.nn.Module; got str"):
        inject_model("model", gabor_bank())


@pytest.mark.skipif(
    importlib.util.find_spec("torchvision") is None,
    reason="torchvision is not installed (its wheel does not import beside this torch build)",
)
def test_resnet18_conv1() -> None:
    from torchvision.models import resnet18

    model = resnet18(weights=None).eval()
    plain = {k: v.clone() for k, v in model.state_dict().items()}
    bank = gabor_bank(ksize=7, n=8)
    assert inject_model(model, bank, out_channels=list(range(8))) == ["conv1"]
    x = torch.rand(1, 3, 64, 64)
    out = model.conv1(x)
    ref = filter2d(x.mean(1), bank, border="constant")[:, ::2, ::2]  # stride 2, padding 3
    torch.testing.assert_close(out[0, :8], ref, rtol=0, atol=1e-5)
    model.load_state_dict(plain)  # the torchvision layout still loads
    assert model(x).shape == (1, 1000)


def test_bake_parametric_channels_of_a_conv_with_bias() -> None:
    # The generated channels' bias is frozen in part: baking must handle that parametrised bias too.
    bank = FilterBank.from_specs([{"family": "log", "ksize": 5, "sigma": s} for s in (1.0, 1.5)])
    conv = nn.Conv2d(1, 4, 5, padding=2, bias=True)
    inject(conv, bank, mode="parametric", out_channels=[0, 2])
    x = torch.rand(2, 1, 9, 9)
    before = conv(x).detach()
    bake(conv)
    torch.testing.assert_close(conv(x), before, rtol=0, atol=0)
    assert not parametrize.is_parametrized(conv, "weight") or not any(
        isinstance(p, ParametricWeight) for p in conv.parametrizations["weight"]
    )
