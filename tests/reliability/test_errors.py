"""Issue 10, items 6 and 7: combinations that fail late, and raw errors where the library's own are due.

Every refusal is a filterbank error (a ``ValueError`` / ``TypeError`` subclass) whose message
names the argument; nothing raises a torch ``RuntimeError``, ``ZeroDivisionError`` or
``MemoryError``.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from filterbank import FilterBank, FilterbankError, FilterConv2d, ParameterError, ShapeError, filter2d, inject
from filterbank.cli import main

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")

BORDERS = ["reflect101", "symmetric", "replicate", "constant", "wrap"]
SOBEL = FilterBank.from_specs([{"family": "sobel", "dx": 1, "dy": 0}, {"family": "sobel", "dx": 0, "dy": 1}])
GAUSS = FilterBank.from_specs([{"family": "gaussian", "ksize": 9, "sigma": s} for s in (1.0, 2.0)])


# --- item 6: trainable + separable -------------------------------------------------------------


def test_trainable_separable_is_refused_up_front() -> None:
    with pytest.raises(ParameterError, match="separable") as info:
        FilterConv2d(GAUSS, 1, mode="trainable", method="separable")
    assert "trainable" in str(info.value)


def test_unfrozen_separable_layer_is_refused_before_training() -> None:
    """A frozen separable layer made trainable by hand is refused at its first forward, before any step,
    not after the first optimiser step has left the rank-1 set."""
    layer = FilterConv2d(GAUSS, 1, method="separable")
    x = torch.rand(1, 1, 24, 24)
    layer(x)  # frozen: fine
    layer.weight.requires_grad_(True)
    with pytest.raises(ParameterError, match="separable"):
        layer(x)


def test_trainable_lowrank_keeps_running_after_steps() -> None:
    """The method the error suggests: trains and evaluates, equal to the direct conv."""
    layer = FilterConv2d(GAUSS, 1, mode="trainable", method="lowrank")
    opt = torch.optim.SGD(layer.parameters(), lr=0.1)
    x = torch.rand(2, 1, 24, 24)
    for _ in range(2):
        opt.zero_grad()
        layer(x).square().mean().backward()
        opt.step()
    layer.eval()
    with torch.no_grad():
        y = layer(x)
        layer.method = "direct"
        ref = layer(x)
    assert torch.allclose(y, ref, atol=1e-5)


# --- item 7: empty images ------------------------------------------------------------------------


@pytest.mark.parametrize("border", BORDERS)
@pytest.mark.parametrize("shape", [(0, 8), (8, 0), (2, 3, 0, 8), (2, 3, 8, 0)])
def test_image_without_pixels_is_refused(shape, border) -> None:
    with pytest.raises(ShapeError, match="`image`"):
        filter2d(torch.zeros(shape), SOBEL.kernels, border=border)
    with pytest.raises(ShapeError, match="`image`"):
        filter2d(torch.zeros(shape), SOBEL.kernels[0], border=border)


@pytest.mark.parametrize("shape", [(0, 8), (8, 0), (0, 8, 3), (8, 0, 3)])
def test_numpy_image_without_pixels_is_refused(shape) -> None:
    with pytest.raises(ShapeError, match="`image`"):
        filter2d(np.zeros(shape, np.float32), SOBEL.kernels)


@pytest.mark.parametrize("border", BORDERS)
@pytest.mark.parametrize("shape", [(0, 3, 8, 8), (2, 0, 8, 8)])
def test_no_images_give_an_empty_result_for_every_border(shape, border) -> None:
    """A batch of zero images (or zero channels) has no pixel to refuse: the result is empty, of the
    documented shape, whatever the border and method."""
    for method in ("auto", "direct", "fft"):
        y = filter2d(torch.zeros(shape), SOBEL.kernels, border=border, method=method)
        assert y.shape == (shape[0], shape[1] * 2, 8, 8)
        assert filter2d(torch.zeros(shape), SOBEL.kernels[0], border=border, method=method).shape == shape


def test_numpy_image_without_channels_gives_an_empty_result() -> None:
    assert filter2d(np.zeros((8, 8, 0), np.float32), SOBEL.kernels).shape == (8, 8, 0)


@pytest.mark.parametrize("border", BORDERS)
def test_filterconv2d_refuses_images_without_pixels(border) -> None:
    layer = FilterConv2d(SOBEL, 3, border=border)
    with pytest.raises(ShapeError, match="`x`"):
        layer(torch.zeros(2, 3, 0, 8))
    assert layer(torch.zeros(0, 3, 8, 8)).shape == (0, 6, 8, 8)


# --- item 7: other raw errors --------------------------------------------------------------------


def test_inject_into_lazy_conv_is_refused() -> None:
    with pytest.raises(FilterbankError, match="`conv`") as info:
        inject(nn.LazyConv2d(8, 3), SOBEL)
    assert "Lazy" in str(info.value)
    conv = nn.LazyConv2d(8, 3)
    conv(torch.zeros(1, 3, 8, 8))  # materialised: an ordinary Conv2d now
    inject(conv, SOBEL)
    assert torch.equal(conv.weight[0, 0], torch.from_numpy(SOBEL.kernels[0]).float() / 3)


def test_numpy_image_with_kernel_requiring_grad_is_refused() -> None:
    k = torch.ones(3, 3, requires_grad=True)
    with pytest.raises(FilterbankError, match="`kernel`") as info:
        filter2d(np.zeros((8, 8), np.float32), k)
    assert "requires grad" in str(info.value)
    # a detached kernel, or a tensor image, works
    filter2d(np.zeros((8, 8), np.float32), k.detach())
    assert filter2d(torch.zeros(8, 8), k).requires_grad


def test_cli_show_of_a_huge_kernel_is_a_one_line_error(tmp_path, capsys) -> None:
    status = main(["show", "kernel:gaussian", "ksize=60001", "-o", str(tmp_path / "g.png")])
    err = capsys.readouterr().err
    assert status == 2
    assert err.startswith("filterbank: error:") and err.count("\n") == 1
    assert "ksize" in err and "60001" in err
    assert not (tmp_path / "g.png").exists()
