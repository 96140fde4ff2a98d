"""Random baseline banks, reproducible from a seed."""

from __future__ import annotations

from ..bank import FilterBank
from ..kernels.random import random_kernels

__all__ = ["random"]


def random(n: int = 16, ksize: int | tuple[int, int] = 3, seed: int = 0, kind: str = "normal") -> FilterBank:
    """Random baseline kernels, reproducible from ``seed``.

    Parameters
    ----------
    n : int
        Number of kernels, >= 1.
    ksize : int or (int, int)
        Size ``(height, width)``.
    seed : int
        Seed of ``numpy.random.default_rng``, >= 0 (needed to regenerate the bank).
    kind : {"normal", "orthogonal"}
        ``"normal"``: i.i.d. N(0, 1) taps. ``"orthogonal"``: ``n`` orthonormal
        kernels (``sum(k_i * k_j) = delta_ij``), from the QR decomposition of a
        Gaussian matrix with the signs fixed (Haar-distributed); needs
        ``n <= kh * kw``.

    Returns
    -------
    FilterBank
        Names ``random_{kind}_{i}``.

    Examples
    --------
    >>> import numpy as np
    >>> b = random(4, 3, seed=1, kind="orthogonal")
    >>> bool(np.allclose(b.kernels.reshape(4, -1) @ b.kernels.reshape(4, -1).T, np.eye(4)))
    True
    """
    ks = random_kernels(n, ksize, seed, kind)
    h, w = ks.shape[1:]
    specs = [
        {"family": "banks.random", "n": int(n), "ksize": [h, w], "seed": int(seed), "kind": kind, "index": i}
        for i in range(ks.shape[0])
    ]
    return FilterBank(ks, names=[f"random_{kind}_{i}" for i in range(ks.shape[0])], specs=specs)
