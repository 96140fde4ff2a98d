"""Centre-padding and centre-cropping of kernels, once, for numpy arrays and torch tensors.

A kernel's anchor is ``k // 2`` on each axis (OpenCV's). Padding or cropping by
an even number of taps on an axis keeps the anchor on the same tap, so the
filter's output is unchanged (padding) or loses only the cropped taps. An odd
difference would move the anchor by half a tap and is refused.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import EllipsisType
from typing import TypeVar

import numpy as np
import torch
import torch.nn.functional as F

from ._errors import ShapeError

__all__ = ["center_fit", "even_differences"]

A = TypeVar("A", np.ndarray, torch.Tensor)


def even_differences(
    have: Sequence[int], want: Sequence[int], what: str = "kernel", how: str = "centred in"
) -> list[int]:
    """``want - have`` per axis, after checking every difference is even (raises :class:`ShapeError`).

    Examples
    --------
    >>> even_differences((3, 5), (7, 5))
    [4, 0]
    """
    diffs = [int(w) - int(h) for h, w in zip(have, want, strict=True)]
    if any(d % 2 for d in diffs):
        raise ShapeError(
            f"{what} of shape {tuple(have)} cannot be {how} {tuple(want)}: the size difference must be even "
            "on each axis so that the anchor (k // 2) stays on the same tap"
        )
    return diffs


def center_fit(k: A, shape: Sequence[int], *, what: str = "kernel", crop: bool = True, how: str = "centred in") -> A:
    """Centre-pad with zeros (and, if ``crop``, centre-crop) the last ``len(shape)`` axes of ``k`` to ``shape``.

    Parameters
    ----------
    k : numpy.ndarray or torch.Tensor
        Kernels; the trailing axes are the spatial ones (any leading axes are kept).
    shape : sequence of int
        The wanted trailing shape. Each difference must be even.
    what, how : str
        Words for the error message (``"kernel 'sobel'"``, ``"centred in"``).
    crop : bool
        Allow axes to shrink; with ``False`` a larger kernel raises :class:`ShapeError`.

    Returns
    -------
    numpy.ndarray or torch.Tensor
        The same type as ``k``; ``k`` itself when nothing changes. Torch padding is differentiable.

    Examples
    --------
    >>> center_fit(np.ones((1, 3)), (3, 5)).tolist()
    [[0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 1.0, 1.0, 1.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0]]
    >>> center_fit(np.arange(25.0).reshape(5, 5), (3, 3))[0].tolist()
    [6.0, 7.0, 8.0]
    """
    n = len(shape)
    have: tuple[int, ...] = tuple(k.shape[-n:]) if n else ()
    diffs: list[int] = even_differences(have, shape, what, how)
    if not crop and any(d < 0 for d in diffs):
        raise ShapeError(f"{what} of shape {have} is larger than {tuple(shape)}; crop it yourself to go smaller")
    if any(d < 0 for d in diffs):
        index: tuple[EllipsisType | slice, ...] = (
            Ellipsis,
            *(slice(-d // 2, h + d // 2) if d < 0 else slice(None) for h, d in zip(have, diffs, strict=True)),
        )
        k = k[index]
    if not any(d > 0 for d in diffs):
        return k
    pads = [max(d, 0) // 2 for d in diffs]
    if isinstance(k, torch.Tensor):
        flat: list[int] = []
        for p in reversed(pads):
            flat += [p, p]
        return F.pad(k, flat)
    return np.pad(k, [(0, 0)] * (k.ndim - n) + [(p, p) for p in pads])
