"""Direct execution: one (grouped) ``F.conv1d`` / ``F.conv2d`` / ``F.conv3d``, OpenCV's summation order below its
DFT threshold."""

from __future__ import annotations

import torch
import torch.nn.functional as F

__all__: list[str] = []

#: The torch convolution for 1, 2 or 3 spatial axes.
_CONV = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}


def _direct(x: torch.Tensor, k: torch.Tensor) -> torch.Tensor:
    """x (M, G, *Sp), k (G, N, *ks) -> (M, G, N, *S) in one (grouped) ``F.conv{1,2,3}d``.

    Examples
    --------
    >>> _direct(torch.ones(2, 3, 6, 6), torch.ones(3, 4, 3, 3)).shape
    torch.Size([2, 3, 4, 4, 4])
    >>> _direct(torch.ones(2, 1, 6, 7, 8), torch.ones(1, 4, 3, 3, 3)).shape
    torch.Size([2, 1, 4, 4, 5, 6])
    """
    m, g = x.shape[:2]
    n, ks = k.shape[1], tuple(k.shape[2:])
    conv = _CONV[len(ks)]
    if g == 1:
        out = conv(x, k.reshape(n, 1, *ks))
    else:
        out = conv(x, k.reshape(g * n, 1, *ks), groups=g)
    return out.reshape(m, g, n, *out.shape[2:])
