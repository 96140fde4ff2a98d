"""Direct execution: one (grouped) ``F.conv1d`` / ``F.conv2d`` / ``F.conv3d``, OpenCV's summation order below its
DFT threshold; a shared 2-D bank on a one-thread CPU batch, one ``F.conv2d`` per plane (:func:`_per_plane`)."""

from __future__ import annotations

import torch
import torch.nn.functional as F

__all__: list[str] = []

#: The torch convolution for 1, 2 or 3 spatial axes.
_CONV = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}


#: Output values per plane from which a one-thread CPU bank runs one ``F.conv2d`` per plane.
PER_PLANE_MIN = 1 << 16


def _per_plane(x: torch.Tensor, k: torch.Tensor) -> bool:
    """Whether a shared 2-D bank (``G == 1``) on a CPU batch runs plane by plane (one thread, outside autograd).

    Measured on the 2-core VM (torch 2.13, oneDNN), one thread, one input channel: a batched
    ``F.conv2d`` falls off cliffs of 3-8x per multiply-add that depend on the batch and the
    output channels (32 kernels of 7x7 on 128^2: 4.6e-11 s a multiply-add for 1-4 planes per
    call, 1.9e-10 for 8-24), while one call per plane stayed on the fast side: 0.99-4.2x the
    batched call's speed on 10 shapes (3x3 x 8 on 24 x 128^2: 28.5 -> 6.8 ms; 3x3 x 3 on
    192 x 256^2: 699 -> 312 ms; 15x15 x 32 on 24 x 128^2: 169 -> 171 ms). On two threads the
    batched call was as often faster (0.5-2.7x), so it is kept there.
    """
    return (
        x.device.type == "cpu"
        and x.dim() == 4
        and x.shape[0] > 1
        and torch.get_num_threads() == 1
        and not (torch.is_grad_enabled() and (x.requires_grad or k.requires_grad))
        and k.shape[1] * (x.shape[2] - k.shape[2] + 1) * (x.shape[3] - k.shape[3] + 1) >= PER_PLANE_MIN
    )


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
        w = k.reshape(n, 1, *ks)
        if _per_plane(x, k):
            out = x.new_empty((m, n, *(a - b + 1 for a, b in zip(x.shape[2:], ks, strict=True))))
            for i in range(m):
                out[i : i + 1] = conv(x[i : i + 1], w)
        else:
            out = conv(x, w)
    else:
        out = conv(x, k.reshape(g * n, 1, *ks), groups=g)
    return out.reshape(m, g, n, *out.shape[2:])
