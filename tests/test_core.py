"""_core: the one path (layout -> OpenCV border -> plan -> cast) behind filter2d and FilterConv2d."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import filterbank
from filterbank import FilterConv2d, _core, filter2d, kernels, plan
from filterbank.borders import padding_for
from tests.conftest import cv2_reference, tolerance

RNG = np.random.default_rng(11)


def _counting(monkeypatch, module, name: str) -> list[tuple]:
    """Wrap ``module.name`` so that every call is recorded (its kernel shape), then delegated."""
    calls: list[tuple] = []
    real = getattr(module, name)

    def wrapper(x, k, *args, **kwargs):
        calls.append(tuple(k.shape))
        return real(x, k, *args, **kwargs)

    monkeypatch.setattr(module, name, wrapper)
    return calls


def test_filter2d_and_filterconv2d_route_through_the_same_core(monkeypatch) -> None:
    core_calls = _counting(monkeypatch, _core, "filter_tensor")
    plan_calls = _counting(monkeypatch, plan, "correlate")
    old_entries = _counting(monkeypatch, plan, "correlate_valid") + _counting(monkeypatch, plan, "conv_forward")
    bank = np.stack([kernels.sobel(1, 0, 3), kernels.gaussian((5, 3), 1.0, 0.8)[1:4]])  # (2, 3, 3)
    x = torch.rand(2, 3, 17, 19)

    # a torch method forced: ``auto`` may answer a CPU call from the OpenCV engine's cached fast path
    y_fn = filter2d(x, bank, method="direct")
    assert core_calls == [(1, 2, 3, 3)]  # one bank for every channel
    layer = FilterConv2d(bank, in_channels=3, method="direct")
    y_layer = layer(x)
    assert core_calls == [(1, 2, 3, 3), (3, 2, 3, 3)]  # one bank per channel (the depthwise weight)
    y_np = filter2d(x[0].permute(1, 2, 0).numpy(), bank, method="direct")
    y_unbatched = layer(x[0])
    assert len(core_calls) == 4 and len(plan_calls) == 4  # each call: the core once, the planner once
    assert old_entries == []  # neither goes through the older entry points
    tol = 1e-6 * float(np.abs(bank).sum((1, 2)).max())  # two summation layouts of the same float32 sums
    assert torch.allclose(y_layer, y_fn, rtol=0, atol=tol)
    assert torch.allclose(y_unbatched, y_layer[0], rtol=0, atol=0)
    np.testing.assert_allclose(y_np, y_fn[0].permute(1, 2, 0).numpy(), rtol=0, atol=0)
    # under ``auto`` (the OpenCV engine or a torch method, by estimated cost) they agree within the same bound
    auto_layer = FilterConv2d(bank, in_channels=3)
    assert torch.allclose(filter2d(x, bank), auto_layer(x), rtol=0, atol=tol)
    assert torch.allclose(filter2d(x, bank), y_fn, rtol=0, atol=tol)


def test_one_input_channel_is_bit_identical_between_function_and_layer() -> None:
    """With C == 1 both layouts are the same call: identical bits for every method and border."""
    bank = RNG.normal(size=(3, 6, 5))
    x = torch.rand(2, 1, 23, 21, dtype=torch.float64)
    for method in ("direct", "lowrank", "fft", "auto"):
        for border in ("reflect101", "constant", "wrap"):
            layer = FilterConv2d(bank, border=border, method=method, dtype=torch.float64)
            assert torch.equal(layer(x), filter2d(x, bank, border=border, method=method)), (method, border)


@pytest.mark.parametrize("groups", ["shared", "per_channel"])
@pytest.mark.parametrize("border", ["reflect101", "symmetric", "replicate", "constant", "wrap"])
def test_filter_tensor_equals_cv2(groups: str, border: str) -> None:
    img = RNG.random((15, 18, 2))  # (H, W, C) float64
    bank = RNG.normal(size=(2, 4, 6))  # even, non-square
    anchor = (3, 1)
    k = torch.from_numpy(bank)
    kernels_ = k[None] if groups == "shared" else torch.stack([k, 2.0 * k])  # channel 1: doubled kernels
    x = torch.from_numpy(img).permute(2, 0, 1)[None]
    out = _core.filter_tensor(x, kernels_, padding=padding_for((4, 6), anchor), border=border, value=0.0)
    assert out.shape == (1, 4, 15, 18) and out.dtype == torch.float64
    for c in range(2):
        scale = 2.0 if groups == "per_channel" and c == 1 else 1.0
        for n in range(2):
            ref = cv2_reference(img[..., c], scale * bank[n], border, anchor=anchor)
            got = out[0, c * 2 + n].numpy()
            assert np.abs(got - ref).max() <= tolerance(scale * bank[n], img, np.float64)


def test_bias_and_integer_cast() -> None:
    x = torch.full((1, 2, 4, 4), 0.5)
    k = torch.ones(2, 1, 1, 1)  # identity per channel
    bias = torch.tensor([1.0, 2.0])
    # 0.5 + 1 = 1.5 -> 2 and 0.5 + 2 = 2.5 -> 2 (half to even, as cv2 and np.rint)
    out = _core.filter_tensor(x, k, padding=(0, 0, 0, 0), border="reflect101", bias=bias, out_dtype=torch.uint8)
    assert out.dtype == torch.uint8
    assert out[0, 0].unique().tolist() == [int(np.rint(1.5))] == [2]
    assert out[0, 1].unique().tolist() == [int(np.rint(2.5))] == [2]


def test_cast_output_rounds_half_to_even_and_saturates() -> None:
    y = torch.tensor([-3.0, -0.5, 0.5, 1.5, 2.5, 254.5, 255.5, 300.0, 40000.0])
    expected = np.clip(np.rint(y.numpy()), 0, 255).astype(np.uint8)
    assert _core.cast_output(y, torch.uint8).numpy().tolist() == expected.tolist()
    i16 = _core.cast_output(y, torch.int16)
    assert i16.dtype == torch.int16 and i16.tolist() == np.clip(np.rint(y.numpy()), -32768, 32767).tolist()
    assert _core.cast_output(y, None) is y
    assert _core.cast_output(y, torch.float64).dtype == torch.float64


@pytest.mark.parametrize(
    "inp, out, compute",
    [
        (torch.uint8, torch.uint8, torch.float32),
        (torch.uint8, torch.float64, torch.float64),
        (torch.int16, torch.float32, torch.float32),
        (torch.float64, torch.uint8, torch.float64),
        (torch.float32, torch.float32, torch.float32),
        (torch.float16, torch.float16, torch.float16),
        (torch.bfloat16, torch.float32, torch.bfloat16),
    ],
)
def test_compute_dtype_follows_opencv(inp: torch.dtype, out: torch.dtype, compute: torch.dtype) -> None:
    assert _core.compute_dtype(inp, out) == compute


def test_integer_output_below_the_dft_threshold_uses_the_direct_sum(monkeypatch) -> None:
    seen = []
    real = plan.correlate

    def spy(xp, k, **kw):
        seen.append(kw["exact"])
        return real(xp, k, **kw)

    monkeypatch.setattr(plan, "correlate", spy)
    img = (RNG.random((20, 20)) * 255).astype(np.uint8)
    # forced torch method: ``auto`` may run the OpenCV engine, which never reaches plan.correlate
    filter2d(img, np.ones((11, 11)) / 121, method="direct")  # 121 taps: exact
    filter2d(img, np.ones((12, 12)) / 144, method="direct")  # 144 taps: OpenCV itself uses a DFT
    filter2d(img.astype(np.float32), np.ones((3, 3)), method="direct")  # float output: no exactness constraint
    assert seen == [True, False, False]
    # the torch planner under ``auto`` (a float16 image: not an OpenCV dtype) gets the flag too
    seen.clear()
    filter2d(torch.from_numpy(img).half(), torch.ones(3, 3) / 9)
    assert seen == [False]


def test_layout_errors() -> None:
    x = torch.zeros(1, 3, 8, 8)
    with pytest.raises(filterbank.ShapeError, match=r"`kernels` must be \(G, N, kh, kw\).*got kernels \(2, 1, 3, 3\)"):
        _core.filter_tensor(x, torch.ones(2, 1, 3, 3), padding=(1, 1, 1, 1), border="reflect101")
    with pytest.raises(filterbank.ShapeError, match=r"got kernels \(3, 3\)"):
        _core.filter_tensor(x, torch.ones(3, 3), padding=(1, 1, 1, 1), border="reflect101")
    with pytest.raises(filterbank.ShapeError, match=r"x \(8, 8\)"):
        _core.filter_tensor(x[0, 0], torch.ones(1, 1, 3, 3), padding=(1, 1, 1, 1), border="reflect101")
