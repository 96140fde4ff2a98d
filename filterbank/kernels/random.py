"""Reproducible random kernels: i.i.d. normal taps, or orthonormal sets (a baseline for learned filters)."""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from .._errors import ParameterError, UnknownNameError
from .._validate import int_in_range, size_pair

__all__ = ["RANDOM_KINDS", "random_kernel", "random_kernels"]

#: Kinds accepted by :func:`random_kernels`.
RANDOM_KINDS = ("normal", "orthogonal")


def random_kernels(n: int, ksize: Any, seed: int, kind: str = "normal") -> np.ndarray:
    """``n`` random kernels ``(n, kh, kw)``, reproducible from ``seed`` (read-only; cached).

    Parameters
    ----------
    n : int
        Number of kernels, >= 1.
    ksize : int or (int, int)
        Size ``(height, width)``.
    seed : int
        Seed of ``numpy.random.default_rng``, >= 0.
    kind : {"normal", "orthogonal"}
        ``"normal"``: i.i.d. N(0, 1) taps (``rng.standard_normal((n, kh, kw))``).
        ``"orthogonal"``: ``n`` orthonormal kernels from the QR decomposition of a
        ``(kh * kw, n)`` Gaussian matrix with the signs of ``diag(R)`` fixed
        (Haar-distributed); needs ``n <= kh * kw``.

    Returns
    -------
    numpy.ndarray
        float64, read-only (the last stack asked for is cached: regenerating a bank's
        specs asks for every index of one stack in turn).

    Examples
    --------
    >>> k = random_kernels(3, 2, seed=0, kind="orthogonal").reshape(3, -1)
    >>> bool(np.allclose(k @ k.T, np.eye(3)))
    True
    """
    n = int_in_range("n", n, 1)
    h, w = size_pair("ksize", ksize)
    seed = int_in_range("seed", seed, 0)
    if kind not in RANDOM_KINDS:
        raise UnknownNameError("kind", kind, RANDOM_KINDS)
    if kind == "orthogonal" and n > h * w:
        raise ParameterError(
            f"`n` must be <= kh * kw = {h * w} for kind='orthogonal' (at most that many orthonormal kernels); got {n}"
        )
    return _stack(n, h, w, seed, kind)


@functools.lru_cache(maxsize=1)
def _stack(n: int, h: int, w: int, seed: int, kind: str) -> np.ndarray:
    # Cached: regenerating a bank's specs (FilterBank.load / verify) asks for every index of the same
    # stack in turn, which would otherwise redraw (and, for "orthogonal", re-factorise) it n times.
    rng = np.random.default_rng(seed)
    if kind == "normal":
        out = rng.standard_normal((n, h, w))
    else:
        q, r = np.linalg.qr(rng.standard_normal((h * w, n)))
        q = q * np.where(np.diag(r) < 0, -1.0, 1.0)[None, :]
        out = np.ascontiguousarray(q.T.reshape(n, h, w))
    out.setflags(write=False)
    return out


def random_kernel(n: int, ksize: Any, seed: int, kind: str, index: int) -> np.ndarray:
    """Kernel ``index`` of :func:`random_kernels` ``(n, ksize, seed, kind)`` (a writable copy).

    Parameters
    ----------
    n, ksize, seed, kind
        As in :func:`random_kernels`: the whole stack is drawn, so a kernel depends on ``n``.
    index : int
        In ``[0, n - 1]``.

    Returns
    -------
    numpy.ndarray
        ``(kh, kw)`` float64.

    Examples
    --------
    >>> random_kernel(4, 3, 1, "normal", 2).shape
    (3, 3)
    """
    ks = random_kernels(n, ksize, seed, kind)
    i = int_in_range("index", index, 0, ks.shape[0] - 1)
    return ks[i].copy()
