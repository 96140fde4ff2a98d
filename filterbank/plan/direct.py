"""Direct execution: one (grouped) ``F.conv2d``, OpenCV's summation order below its DFT threshold."""

from __future__ import annotations

import torch
import torch.nn.functional as F

__all__: list[str] = []


def _direct(x: torch.Tensor, k: torch.Tensor) -> torch.Tensor:
    m, g, hp, wp = x.shape
    _, n, kh, kw = k.shape
    if g == 1:
        out = F.conv2d(x, k.reshape(n, 1, kh, kw))
    else:
        out = F.conv2d(x, k.reshape(g * n, 1, kh, kw), groups=g)
    return out.reshape(m, g, n, hp - kh + 1, wp - kw + 1)
