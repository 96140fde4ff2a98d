"""plan.accuracy: the factorisation budgets and the methods ``auto`` may use, rule by rule."""

from __future__ import annotations

import pytest
import torch

from filterbank import plan
from filterbank._types import OPENCV_DFT_TAPS


def test_opencv_dft_threshold_is_a_12x12_kernel() -> None:
    # REFERENCE.md: cv2.filter2D switches to its DFT path from kernel area ~130 (12x12); 11x11 sums directly.
    assert 11 * 11 < OPENCV_DFT_TAPS <= 12 * 12


@pytest.mark.parametrize(
    "dtype, taps, budget",
    [
        (torch.float64, 9, 1e-14),
        (torch.float64, 2401, 1e-14),
        (torch.float32, 9, 1e-7),
        (torch.float32, OPENCV_DFT_TAPS - 1, 1e-7),
        (torch.float32, OPENCV_DFT_TAPS, 1e-6),
        (torch.float32, 961, 1e-6),
    ],
)
def test_budget(dtype: torch.dtype, taps: int, budget: float) -> None:
    assert plan._budget(dtype, taps) == budget


@pytest.mark.parametrize(
    "dtype, taps, kw, expected",
    [
        # float32 below the DFT threshold: no FFT (its ~2e-7 error exceeds the 1e-6 bound's margin)
        (torch.float32, OPENCV_DFT_TAPS - 1, {}, ("direct", "separable", "lowrank")),
        (torch.float32, OPENCV_DFT_TAPS, {}, ("direct", "separable", "lowrank", "fft")),
        (torch.float64, 9, {}, ("direct", "separable", "lowrank", "fft")),
        # integer outputs below the threshold: only OpenCV's summation order
        (torch.float32, 9, {"exact": True}, ("direct",)),
        # half precision: direct only
        (torch.float16, 961, {}, ("direct",)),
        (torch.bfloat16, 9, {}, ("direct",)),
        # trainable kernels: methods whose gradients are exact
        (torch.float32, 961, {"requires_grad": True}, ("direct", "fft")),
        (torch.float32, 9, {"requires_grad": True}, ("direct",)),
        (torch.float64, 9, {"requires_grad": True}, ("direct", "fft")),
    ],
)
def test_allowed(dtype: torch.dtype, taps: int, kw: dict, expected: tuple[str, ...]) -> None:
    assert plan.allowed(dtype, taps, **kw) == expected
