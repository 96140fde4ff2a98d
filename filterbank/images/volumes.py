"""A synthetic test volume, generated (not shipped): blobs, a spherical shell, a tube, a step and noise.

Used by the 3-D parity table of ``filterbank demo`` / ``filterbank verify`` and by
the 3-D benchmark workloads: it has flat regions, edges in every direction, curved
surfaces, fine and coarse structure, and values that fill [0, 1].
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .._errors import ShapeError
from .._validate import as_int

__all__ = ["synthetic_volume"]


def synthetic_volume(shape: int | Sequence[int] = 48, seed: int = 0) -> np.ndarray:
    """A deterministic float32 volume ``(D, H, W)`` in [0, 1] with structure at several scales.

    Parameters
    ----------
    shape : int or (int, int, int)
        ``(depth, height, width)``, or one side for a cube; each >= 4.
    seed : int
        Seed of the blob positions and of the noise (``numpy.random.default_rng``).

    Returns
    -------
    numpy.ndarray
        float32, shape ``(D, H, W)``: eight Gaussian blobs of radii 1.5 to 6
        voxels, a spherical shell, a tube along the main diagonal, a step along
        depth and 2% uniform noise, rescaled to [0, 1].

    Examples
    --------
    >>> v = synthetic_volume(24)
    >>> v.shape, v.dtype, float(v.min()), float(v.max())
    ((24, 24, 24), dtype('float32'), 0.0, 1.0)
    >>> bool((synthetic_volume((8, 9, 10), seed=1) == synthetic_volume((8, 9, 10), seed=1)).all())
    True
    """
    dims = [shape] * 3 if isinstance(shape, int) else list(shape)
    if len(dims) != 3:
        raise ShapeError(f"`shape` must be an int or (depth, height, width); got {shape!r}")
    d, h, w = (as_int("shape", v) for v in dims)
    if min(d, h, w) < 4:
        raise ShapeError(f"`shape` must be >= 4 on each axis; got {(d, h, w)}")
    rng = np.random.default_rng(as_int("seed", seed))
    z, y, x = np.meshgrid(*[np.arange(n, dtype=np.float64) for n in (d, h, w)], indexing="ij")
    vol = np.zeros((d, h, w))
    for r in np.linspace(1.5, 6.0, 8):
        c = rng.uniform(0.15, 0.85, 3) * (d, h, w)
        vol += np.exp(-((z - c[0]) ** 2 + (y - c[1]) ** 2 + (x - c[2]) ** 2) / (2 * r * r))
    centre = np.array([d, h, w]) / 2.0
    radius = np.sqrt((z - centre[0]) ** 2 + (y - centre[1]) ** 2 + (x - centre[2]) ** 2)
    vol += 0.6 * np.exp(-((radius - 0.35 * min(d, h, w)) ** 2) / 2.0)  # a shell about 2 voxels thick
    t = (z / d + y / h + x / w) / 3.0  # distance to the main diagonal, in voxels
    off = np.sqrt((z - t * d) ** 2 + (y - t * h) ** 2 + (x - t * w) ** 2)
    vol += 0.5 * (off < 0.08 * min(d, h, w))
    vol += 0.3 * (z >= d // 2)
    vol += 0.02 * rng.random((d, h, w))
    vol -= vol.min()
    return (vol / vol.max()).astype(np.float32)
