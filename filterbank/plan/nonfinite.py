"""Non-finite input pixels: each reaches only the outputs whose window covers it, whatever the method.

``direct`` (``F.conv2d``) and the shifted multiply-adds of short factors touch a pixel
only through the taps of the windows that cover it. Two methods would not: the banded
Toeplitz GEMMs of ``separable`` / ``lowrank`` multiply every pixel of a block by the
band's zeros (``nan * 0`` is nan), and the FFT mixes every pixel into every output. For
those, the images (batch items) that hold a non-finite pixel are computed by ``direct``
and the others by the chosen method, so a NaN or inf changes nothing outside its own
image and, there, nothing outside the windows that cover it.

The rule that follows, for every method: output pixel ``(i, j)`` is non-finite only if
the kernel window at ``(i, j)`` (the whole ``kh x kw`` rectangle at the anchor, on the
padded image, so border copies count) covers a non-finite pixel; it is non-finite where
a non-zero tap meets one. ``cv2.filter2D``'s direct path (below 130 taps in float32)
skips zero taps, so it gives exactly the lower bound; its DFT path (from 130 taps in
float32, from 50 in float64) turns the whole image non-finite.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from .direct import _direct
from .separable import _uses_shifts

__all__ = ["isolated", "spreads"]


def spreads(method: str, kh: int, kw: int, grad: bool) -> bool:
    """Whether ``method`` would carry a non-finite pixel beyond the windows that cover it.

    Examples
    --------
    >>> spreads("fft", 3, 3, False), spreads("separable", 3, 3, False), spreads("separable", 9, 9, False)
    (True, False, True)
    """
    if method == "fft":
        return True
    return method in ("separable", "lowrank") and not _uses_shifts(kh, kw, grad)


def isolated(x: torch.Tensor, k: torch.Tensor, run: Callable[[torch.Tensor], torch.Tensor]) -> torch.Tensor:
    """``run(x)``, except that the inputs of ``x`` (M, G, *Sp) holding a non-finite value go ``direct``.

    One reduction finds them (an input whose sum is not finite; a finite input whose sum
    overflows also goes direct, which is exact too). Images ``(M, G, Hp, Wp)`` for the 2-D
    planner; signals and volumes (1 or 3 spatial axes) for the N-D planner, same rule.

    Examples
    --------
    >>> x = torch.ones(2, 1, 5, 5)
    >>> x[1, 0, 2, 2] = float("nan")
    >>> y = isolated(x, torch.ones(1, 1, 3, 3), lambda xs: xs.new_zeros(xs.shape[0], 1, 1, 3, 3))
    >>> int(y[0].count_nonzero()), int(y[1].isnan().sum())
    (0, 9)
    """
    if x.device.type == "meta":  # shapes only
        return run(x)
    bad = ~torch.isfinite(x.sum(dim=tuple(range(1, x.dim()))))
    if not bool(bad.any()):
        return run(x)
    if bool(bad.all()):
        return _direct(x, k)
    good = ~bad
    fast, slow = run(x[good]), _direct(x[bad], k)
    out = fast.new_empty((x.shape[0], *fast.shape[1:]))
    out[good] = fast
    out[bad] = slow
    return out
