"""Accuracy rules: the error budget of a factorisation and the methods ``auto`` may use."""

from __future__ import annotations

import torch

from .._types import OPENCV_DFT_TAPS

__all__ = ["allowed"]


def _budget(dtype: torch.dtype, taps: int) -> float:
    """Relative L1 residual allowed in a factorisation (fraction of ``sum|k|``)."""
    if dtype == torch.float64:
        return 1e-14
    return 1e-6 if taps >= OPENCV_DFT_TAPS else 1e-7


def allowed(dtype: torch.dtype, taps: int, *, exact: bool = False, requires_grad: bool = False) -> tuple[str, ...]:
    """The methods ``auto`` may use for this dtype, kernel size and accuracy need.

    ``exact`` is set for integer outputs below ``OPENCV_DFT_TAPS`` taps, where the parity bound
    with OpenCV is zero: only ``direct`` sums in OpenCV's order.

    Examples
    --------
    >>> allowed(torch.float32, 9)
    ('direct', 'separable', 'lowrank')
    >>> allowed(torch.float32, 961, requires_grad=True)
    ('direct', 'fft')
    """
    if exact or dtype not in (torch.float32, torch.float64):
        return ("direct",)
    fft_ok = dtype == torch.float64 or taps >= OPENCV_DFT_TAPS
    if requires_grad:
        return ("direct", "fft") if fft_ok else ("direct",)
    return ("direct", "separable", "lowrank", "fft") if fft_ok else ("direct", "separable", "lowrank")
