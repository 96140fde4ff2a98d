"""Small classical texture and compass masks: the DCT-II basis, Laws' masks and Kirsch's compass masks."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from .._errors import UnknownNameError
from .._validate import int_in_range, size_pair

__all__ = ["KIRSCH_DIRECTIONS", "LAWS_VECTORS", "dct", "kirsch", "laws"]

#: Laws' 1-D vectors (level, edge, spot, wave, ripple), in the order of :func:`filterbank.banks.laws`.
LAWS_VECTORS: dict[str, tuple[float, ...]] = {
    "L5": (1.0, 4.0, 6.0, 4.0, 1.0),
    "E5": (-1.0, -2.0, 0.0, 2.0, 1.0),
    "S5": (-1.0, 0.0, 2.0, 0.0, -1.0),
    "W5": (-1.0, 2.0, 0.0, -2.0, 1.0),
    "R5": (1.0, -4.0, 6.0, -4.0, 1.0),
}

#: Kirsch's compass directions, each 45 degrees counter-clockwise (on screen) from the previous.
KIRSCH_DIRECTIONS = ("n", "nw", "w", "sw", "s", "se", "e", "ne")
# Border ring of a 3x3 mask, clockwise from the top-left tap.
_RING = ((0, 0), (0, 1), (0, 2), (1, 2), (2, 2), (2, 1), (2, 0), (1, 0))
_KIRSCH_NORTH = (5.0, 5.0, 5.0, -3.0, -3.0, -3.0, -3.0, -3.0)


def _dct_matrix(n: int) -> np.ndarray:
    """Orthonormal DCT-II matrix ``D[u, i]``."""
    i = np.arange(n, dtype=np.float64)
    d = np.cos(np.pi * (2 * i[None, :] + 1) * np.arange(n)[:, None] / (2 * n))
    d[0] *= math.sqrt(1.0 / n)
    d[1:] *= math.sqrt(2.0 / n)
    return d


def dct(ksize: int | Sequence[int], u: int, v: int) -> np.ndarray:
    """One 2-D DCT-II basis kernel (orthonormal): ``outer(D_h[u], D_w[v])``.

    Parameters
    ----------
    ksize : int or (int, int)
        Block size ``(height, width)``.
    u, v : int
        Vertical frequency in ``[0, height - 1]``, horizontal in ``[0, width - 1]``.

    Returns
    -------
    numpy.ndarray
        ``(height, width)`` float64 with ``D[u, i] = a(u) cos(pi (2 i + 1) u / 2n)``,
        ``a(0) = sqrt(1/n)``, ``a(u) = sqrt(2/n)`` (``scipy.fft.dct(norm="ortho")``'s
        rows). Correlating a block with it gives the block's DCT coefficient ``(u, v)``.

    Examples
    --------
    >>> dct(2, 0, 1).round(12).tolist()
    [[0.5, -0.5], [0.5, -0.5]]
    """
    h, w = size_pair("ksize", ksize)
    uu = int_in_range("u", u, 0, h - 1)
    vv = int_in_range("v", v, 0, w - 1)
    return np.outer(_dct_matrix(h)[uu], _dct_matrix(w)[vv])


def laws(rows: str, cols: str) -> np.ndarray:
    """Laws' 5x5 mask ``outer(rows, cols)``, rotated by 180 degrees (correlation orientation).

    Parameters
    ----------
    rows, cols : {"L5", "E5", "S5", "W5", "R5"}
        The vector that varies down the rows and the one along the columns
        (:data:`LAWS_VECTORS`).

    Returns
    -------
    numpy.ndarray
        ``(5, 5)`` float64. Laws convolved with the masks; the kernel is the mask
        rotated by 180 degrees so that ``filter2d`` equals ``conv2(img, mask, 'same')``
        (a mask with exactly one odd factor, E5 or W5, appears negated).

    Raises
    ------
    UnknownNameError
        If ``rows`` or ``cols`` is not one of the five vectors.

    Examples
    --------
    >>> laws("L5", "E5")[0].tolist()
    [1.0, 2.0, 0.0, -2.0, -1.0]
    """
    for arg, val in (("rows", rows), ("cols", cols)):
        if val not in LAWS_VECTORS:
            raise UnknownNameError(arg, val, LAWS_VECTORS)
    return np.ascontiguousarray(np.outer(LAWS_VECTORS[rows], LAWS_VECTORS[cols])[::-1, ::-1])


def kirsch(direction: str) -> np.ndarray:
    """Kirsch's 3x3 compass mask for ``direction``, as a template (correlation).

    Parameters
    ----------
    direction : {"n", "nw", "w", "sw", "s", "se", "e", "ne"}
        ``"n"`` is ``[[5, 5, 5], [-3, 0, -3], [-3, -3, -3]]``; each next direction
        turns it by 45 degrees counter-clockwise on screen. Mask ``d`` responds most
        where the side ``d`` is brighter.

    Returns
    -------
    numpy.ndarray
        ``(3, 3)`` float64.

    Raises
    ------
    UnknownNameError
        If ``direction`` is not one of the eight.

    Examples
    --------
    >>> kirsch("w").tolist()
    [[5.0, -3.0, -3.0], [5.0, 0.0, -3.0], [5.0, -3.0, -3.0]]
    """
    if direction not in KIRSCH_DIRECTIONS:
        raise UnknownNameError("direction", direction, KIRSCH_DIRECTIONS)
    k = KIRSCH_DIRECTIONS.index(direction)
    ring = np.roll(np.array(_KIRSCH_NORTH), -k)
    out = np.zeros((3, 3))
    for (r, c), val in zip(_RING, ring, strict=True):
        out[r, c] = val
    return out
