"""Direct execution: one (grouped) ``F.conv2d``, OpenCV's summation order below its DFT threshold."""

from __future__ import annotations

import torch
import torch.nn.functional as F

__all__: list[str] = []


def _direct(x: torch.Tensor, k: torch.Tensor) -> torch.Tensor:
    """x (M, G, Hp, Wp), k (G, N, kh, kw) -> (M, G, N, H, W) in one (grouped) ``F.conv2d``.

    Examples
    --------
    >>> _direct(torch.ones(2, 3, 6, 6), torch.ones(3, 4, 3, 3)).shape
    torch.Size([2, 3, 4, 4, 4])
    """
    m, g, hp, wp = x.shape
    _, n, kh, kw = k.shape
    if g == 1:
        out = F.conv2d(x, k.reshape(n, 1, kh, kw))
    else:
        out = F.conv2d(x, k.reshape(g * n, 1, kh, kw), groups=g)
    return out.reshape(m, g, n, hp - kh + 1, wp - kw + 1)
