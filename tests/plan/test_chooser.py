"""plan.chooser: the method ``auto`` picks for typical banks and the accuracy rules it obeys."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from filterbank import kernels, plan


def test_auto_choices(fixed_costs) -> None:
    plan.clear_cache()
    sob = torch.from_numpy(np.stack([kernels.sobel(1, 0, 3), kernels.sobel(0, 1, 3)])).float()[None]
    gauss49 = torch.from_numpy(kernels.gaussian(49, 8.0)).float()[None, None]
    gabor = torch.from_numpy(np.stack([kernels.gabor(31, 6.0, t, 12.0, 0.6) for t in np.linspace(0, 3, 32)])).float()
    small_rand = torch.randn(1, 8, 7, 7)
    # a tiny image with small kernels: direct
    assert plan.choose((1, 1, 10, 10), sob)[0] == "direct"
    # large separable Gaussian on big images: separable
    assert plan.choose((24, 1, 560, 560), gauss49)[0] == "separable"
    # a 31x31 non-separable bank: the FFT (allowed from 130 taps in float32)
    assert plan.choose((4, 1, 286, 286), gabor[None])[0] == "fft"
    # float32 under 130 taps: never the FFT, whatever the size
    for shape in [(1, 1, 40, 40), (64, 1, 1030, 1030)]:
        method, _, p = plan.choose(shape, small_rand)
        assert method != "fft" and "fft" not in p.estimates
    # integer outputs below 130 taps: exact, only direct
    assert (
        plan.choose((24, 1, 560, 560), torch.from_numpy(kernels.gaussian(9, 2.0)).float()[None, None], exact=True)[0]
        == "direct"
    )
    # trainable kernels: only exact-gradient methods
    with torch.enable_grad():
        method, _, p = plan.choose((4, 1, 286, 286), gabor[None].clone().requires_grad_(True))
    assert set(p.estimates) == {"direct", "fft"}


def test_bench_command_help() -> None:
    from filterbank.cli import main

    assert main(["bench", "--help"]) == 0


# A fixed cost table (the torch constants of the first release's table, measured on a quiet 2-core AMD
# EPYC; one output channel 4x dearer per multiply-add): the chooser's decisions below follow from these
# numbers alone, whatever machine runs the test and whatever costs.json holds.
FIXED_COSTS = {
    "machine": "fixed table for tests",
    "direct_mac": {9: 1.25e-10, 49: 3.3e-11, 225: 1.75e-11, 961: 1.39e-11, 2401: 1.34e-11},
    "direct_mac1": {9: 5.0e-10, 49: 1.32e-10, 225: 7.0e-11, 961: 5.56e-11, 2401: 5.36e-11},
    "gemm_flop": 1.95e-11,
    "mem_elem": 1.89e-10,
    "axpy_elem": 6.87e-11,
    "fft_elem_log": 1.9e-10,
    "cmul_elem": 2.37e-10,
    "call": 5.48e-6,
    "cv_call": 3.0e-6,
    "cv_tap": {9: 1.2e-10, 25: 1.0e-10, 49: 1.0e-10, 121: 1.0e-10},
    "cv_tap_int": {9: 1.2e-10, 25: 1.0e-10, 49: 1.0e-10, 121: 1.0e-10},
    "cv_dft_px": 1.0e-9,
    "cv_sep_tap": 1.0e-10,
    "method_scale": {},
    "method_call": {},
}


@pytest.fixture
def fixed_costs(monkeypatch):
    for key, value in FIXED_COSTS.items():
        monkeypatch.setitem(plan.COSTS, key, value)
    plan.clear_cache()
    yield
    plan.clear_cache()


F32, U8 = torch.float32, torch.uint8


def test_chooser_decisions_on_fixed_costs(fixed_costs) -> None:
    sob = torch.from_numpy(kernels.sobel(1, 0, 3)).float()[None, None]
    gabor = torch.from_numpy(np.stack([kernels.gabor(31, 6.0, t, 12.0, 0.6) for t in np.linspace(0, 3, 32)]))
    gauss49 = torch.from_numpy(kernels.gaussian(49, 8.0)).float()[None, None]
    # one 3x3 kernel on a 1080p uint8 image: OpenCV (1080*1920*9 taps at 1.2e-10 = 2.2 ms; the torch direct
    # sum of one output channel 5e-10 per tap = 9.3 ms, plus its casts and padding)
    method, _, p = plan.choose((1, 1, 1082, 1922), sob, exact=True, opencv=(U8, U8))
    assert method == "opencv" and set(p.estimates) == {"direct", "opencv"}
    assert p.estimates["opencv"] == pytest.approx(3.0e-6 + 1080 * 1920 * 9 * 1.2e-10)
    # the same without the OpenCV engine (a CUDA tensor, float16...): the exact direct sum
    assert plan.choose((1, 1, 1082, 1922), sob, exact=True)[0] == "direct"
    # a bank of 32 Gabor 31x31 on 4 images: the FFT (OpenCV pays its DFT of the padded image 128 times)
    method, _, p = plan.choose((4, 1, 286, 286), gabor.float()[None], opencv=(F32, F32))
    dft = 286 * 286 * math.log2(286 * 286) * 1.0e-9  # n log n of the padded image
    assert method == "fft" and p.estimates["opencv"] == pytest.approx(128 * (3.0e-6 + dft))
    # a rank-1 49x49 Gaussian on 24 planes of 512^2: separable beats OpenCV's DFT and the FFT
    assert plan.choose((24, 1, 560, 560), gauss49, opencv=(F32, F32))[0] == "separable"


def test_opencv_under_autograd_pays_the_kernel_gradient(fixed_costs) -> None:
    k = torch.rand(1, 4, 5, 5, requires_grad=True)
    with torch.enable_grad():
        method, _, p = plan.choose((2, 1, 68, 68), k, opencv=(F32, F32))
    cv = plan.estimate("opencv", (2, 1, 68, 68), (4, 5, 5), dtypes=(F32, F32))
    prep = 1.89e-10 * 2 * 68 * 68  # the torch methods' padded copy
    assert p.estimates["opencv"] == pytest.approx((2 * cv + p.estimates["direct"]) / 3)
    assert p.estimates["direct"] == pytest.approx(plan.estimate("direct", (2, 1, 68, 68), (4, 5, 5)) + prep)
    assert method in p.estimates


def test_opencv_dft_threshold_follows_the_dtype_pair(fixed_costs) -> None:
    # 8x8 = 64 taps: float64 (DFT from 50 taps) uses the DFT, float32 (from 130 taps) the direct sum
    shape, ksize = (1, 1, 263, 263), (1, 8, 8)
    f32 = plan.estimate("opencv", shape, ksize, dtypes=(F32, F32))
    f64 = plan.estimate("opencv", shape, ksize, dtypes=(torch.float64, torch.float64))
    assert f32 == pytest.approx(3.0e-6 + 256 * 256 * 64 * 1.0e-10)
    assert f64 == pytest.approx(3.0e-6 + 263 * 263 * math.log2(263 * 263) * 1.0e-9 * 2.0)  # float64 costs twice


def test_opencv_integer_input_is_priced_by_its_own_tap_table(fixed_costs, monkeypatch) -> None:
    """OpenCV's direct sum on integer input converts every pixel on the way in: ``cv_tap_int``, not ``cv_tap``."""
    monkeypatch.setitem(plan.COSTS, "cv_tap_int", {9: 3.0e-10, 25: 2.5e-10, 49: 2.5e-10, 121: 2.5e-10})
    shape, ksize = (4, 1, 130, 130), (2, 3, 3)
    u8 = plan.estimate("opencv", shape, ksize, dtypes=(U8, U8))
    f32 = plan.estimate("opencv", shape, ksize, dtypes=(F32, F32))
    calls, pixels = 4 * 2, 128 * 128
    assert u8 == pytest.approx(calls * 3.0e-6 + calls * pixels * 9 * 3.0e-10)
    assert f32 == pytest.approx(calls * 3.0e-6 + calls * pixels * 9 * 1.2e-10)


def test_method_scale_multiplies_the_estimates(fixed_costs, monkeypatch) -> None:
    sob = torch.from_numpy(kernels.sobel(1, 0, 3)).float()[None, None]
    base = plan.choose((1, 1, 1082, 1922), sob, opencv=(F32, F32))[2].estimates
    monkeypatch.setitem(plan.COSTS, "method_scale", {"opencv": 100.0, "direct": 0.5})
    method, _, p = plan.choose((1, 1, 1082, 1922), sob, opencv=(F32, F32))
    assert p.estimates["opencv"] == pytest.approx(100.0 * base["opencv"])
    prep = base["direct"] - plan.estimate("direct", (1, 1, 1082, 1922), (1, 3, 3))
    assert p.estimates["direct"] == pytest.approx(0.5 * (base["direct"] - prep) + prep)
    assert method != "opencv"
