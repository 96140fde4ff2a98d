"""FilterConv1d / FilterConv3d: nn.Conv1d / nn.Conv3d subclasses equal to filter1d / filter3d, in every mode."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from filterbank import (
    FilterBank,
    FilterConv1d,
    FilterConv3d,
    ShapeError,
    UnknownNameError,
    banks3d,
    filter1d,
    filter3d,
)
from filterbank.borders import BORDERS


def _bank1d() -> FilterBank:
    specs = [{"family": "gaussian_nd", "ksize": 11, "sigma": 1.7, "order": o, "ndim": 1} for o in (0, 1, 2)]
    return FilterBank.from_specs(specs)


@pytest.mark.parametrize("border", BORDERS)
def test_filterconv3d_equals_filter3d(border):
    bank = banks3d.gaussian_jet(1, [1.0])
    x = torch.rand(2, 3, 9, 10, 8, dtype=torch.float64)
    layer = FilterConv3d(
        bank, 3, border=border, anchor=(1, 5, 2), value=0.25 if border == "constant" else 0.0, dtype=torch.float64
    )
    assert isinstance(layer, nn.Conv3d) and layer.groups == 3 and layer.out_channels == 12
    ref = filter3d(x, bank, border=border, anchor=(1, 5, 2), value=layer.value)
    np.testing.assert_allclose(layer(x).detach().numpy(), ref.numpy(), rtol=0, atol=1e-13)
    np.testing.assert_allclose(layer(x[0]).detach().numpy(), ref[0].numpy(), rtol=0, atol=1e-13)
    assert list(layer.state_dict()) == ["weight"] and not layer.weight.requires_grad
    assert layer.names[:2] == ["c0:jet3d_s1_dz0_dy0_dx0", "c0:jet3d_s1_dz0_dy0_dx1"]


@pytest.mark.parametrize("method", ["auto", "direct", "separable", "fft"])
def test_filterconv1d_equals_filter1d(method):
    bank = _bank1d()
    x = torch.rand(4, 2, 50)
    layer = FilterConv1d(bank, 2, border="wrap", method=method, bias=True)
    assert isinstance(layer, nn.Conv1d) and list(layer.state_dict()) == ["weight", "bias"]
    ref = filter1d(x, bank, border="wrap")
    # float32, 11 taps: the 2-D parity bound, 1e-6 of sum|k| * max|x|
    np.testing.assert_allclose(
        layer(x).detach().numpy(), ref.numpy(), rtol=0, atol=1e-6 * np.abs(bank.kernels).sum(1).max()
    )


def test_trainable_learns_and_gradcheck():
    bank = FilterBank(np.random.default_rng(0).standard_normal((2, 3, 2, 4)))
    layer = FilterConv3d(bank, 2, mode="trainable", border="symmetric", dtype=torch.float64)
    assert layer.weight.requires_grad and layer.mode == "trainable"
    x = torch.rand(1, 2, 5, 4, 6, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda t: layer(t), (x,))
    layer(x).square().sum().backward()
    assert layer.weight.grad is not None and layer.weight.grad.abs().sum() > 0


def test_parametric_gaussian_family_learns_sigma_and_bakes():
    bank = FilterBank.from_specs(
        [
            {"family": "gaussian_nd", "ksize": 7, "sigma": [1.0, 1.5, 1.2], "order": [0, 1, 0]},
            {"family": "log_nd", "ksize": 7, "sigma": 1.3, "ndim": 3},
        ]
    )
    frozen = FilterConv3d(bank, 1, dtype=torch.float64)
    layer = FilterConv3d(bank, 1, mode="parametric", dtype=torch.float64)
    assert layer.mode == "parametric" and sorted(layer.state_dict()) == ["generator.log_sigma"]
    x = torch.rand(1, 1, 9, 9, 9, dtype=torch.float64)
    np.testing.assert_allclose(layer(x).detach().numpy(), frozen(x).numpy(), atol=1e-13)
    layer(x).square().sum().backward()
    grad = layer.generator.log_sigma.grad
    assert grad is not None and grad.shape == (2, 3) and bool((grad != 0).all())
    opt = torch.optim.SGD(layer.parameters(), lr=0.05)
    opt.step()
    y = layer(x).detach()
    assert not torch.allclose(y, frozen(x))
    baked = layer.bake()
    assert baked is layer and list(layer.state_dict()) == ["weight"] and layer.mode == "frozen"
    assert torch.equal(layer(x), y)
    assert layer.bank.specs[0]["sigma"] != [1.0, 1.5, 1.2]  # the learned sigmas are on record


def test_parametric_1d():
    layer = FilterConv1d(_bank1d(), 1, mode="parametric")
    y = layer(torch.rand(2, 1, 40))
    y.sum().backward()
    assert layer.generator.log_sigma.grad.shape == (3, 1)


def test_errors():
    with pytest.raises(ShapeError, match=r"`bank` must hold 3-D kernels for FilterConv3d; got 2-D kernels \(3, 3\)"):
        FilterConv3d(FilterBank(np.ones((3, 3))))
    with pytest.raises(UnknownNameError, match=r"`method` must be one of .*got 'lowrank'"):
        FilterConv3d(banks3d.gaussian_jet(0, [1.0]), method="lowrank")
    with pytest.raises(UnknownNameError, match=r"no N-D torch generator"):
        FilterConv3d(FilterBank(np.ones((3, 3, 3)), ndim=3), mode="parametric")
    layer = FilterConv3d(banks3d.gaussian_jet(0, [1.0]), 2)
    with pytest.raises(
        ShapeError, match=r"`x` must be \(B, 2, D, H, W\) or \(2, D, H, W\); got shape \(1, 3, 4, 4, 4\)"
    ):
        layer(torch.rand(1, 3, 4, 4, 4))
    np.testing.assert_array_equal(FilterConv1d(np.ones((2, 3))).weight.shape, (2, 1, 3))  # arrays read as 1-D


@pytest.mark.cuda
def test_cuda_filterconv3d():
    bank = banks3d.gabor(3, [1.5], [0.0])
    layer = FilterConv3d(bank, 2).cuda()
    x = torch.rand(1, 2, 12, 13, 11, device="cuda")
    ref = filter3d(x.double().cpu(), bank)
    # float32 on the GPU against float64: the 2-D bound from 130 taps, 1e-5 of sum|k| * max|x|
    tol = 1e-5 * float(np.abs(bank.kernels).sum(axis=(1, 2, 3)).max())
    np.testing.assert_allclose(layer(x).cpu().double().numpy(), ref.numpy(), atol=tol)
