"""How a bank of kernels is executed on padded input.

Today one method exists, ``direct``: a single ``F.conv2d`` in which every input
channel is a batch item and every kernel an output channel. It is what
``cv2.filter2D`` computes (correlation) and, in float32 on CPU, agrees with it
bit for bit for kernels up to 11x11. Separable, low-rank and FFT methods plug in
here behind the same :func:`correlate_valid` signature.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from ._errors import UnknownNameError

__all__ = ["METHODS", "correlate_valid"]

#: Execution methods known to the planner.
METHODS: tuple[str, ...] = ("direct",)


def correlate_valid(xp: torch.Tensor, kernels: torch.Tensor, *, method: str = "direct") -> torch.Tensor:
    """Correlate every channel of a padded batch with every kernel, 'valid' region only.

    Parameters
    ----------
    xp : torch.Tensor
        Padded input ``(B, C, Hp, Wp)``.
    kernels : torch.Tensor
        ``(N, kh, kw)``, same dtype and device as ``xp``.
    method : str
        One of :data:`METHODS`.

    Returns
    -------
    torch.Tensor
        ``(B, C * N, Hp - kh + 1, Wp - kw + 1)``; channel ``c * N + n`` is input
        channel ``c`` correlated with kernel ``n``.

    Examples
    --------
    >>> import torch
    >>> correlate_valid(torch.ones(1, 2, 5, 5), torch.ones(3, 3, 3)).shape
    torch.Size([1, 6, 3, 3])
    """
    if method not in METHODS:
        raise UnknownNameError("method", method, METHODS)
    b, c, hp, wp = xp.shape
    n, kh, kw = kernels.shape
    out = F.conv2d(xp.reshape(b * c, 1, hp, wp), kernels.unsqueeze(1))
    return out.reshape(b, c * n, hp - kh + 1, wp - kw + 1)
