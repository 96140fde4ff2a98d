"""Direct execution: one (grouped) ``F.conv1d`` / ``F.conv2d`` / ``F.conv3d``, OpenCV's summation order below its
DFT threshold; a shared 2-D bank whose output is over 24 MiB runs as calls of a few MiB each (:func:`_chunks`)."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from .. import _alloc

__all__: list[str] = []

#: The torch convolution for 1, 2 or 3 spatial axes.
_CONV = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}

#: Bytes of output one ``F.conv2d`` call of a chunked bank produces at most (see :func:`_chunks`).
CHUNK_BYTES = 4 << 20

#: A bank's output is chunked only above this many bytes: below glibc's largest mmap threshold (32 MiB, what
#: :func:`filterbank._alloc.prime_malloc` sets), with a margin; a result above the threshold is a fresh
#: ``mmap`` on every call, whose pages fault in as it is written (measured: one 3x3 bank with exactly 32 MiB
#: of output ran at 8.3e-10 s a multiply-add, its neighbours at 1.3e-10).
CHUNK_ABOVE = 24 << 20

#: A plane's output channels are split into chunks of at least this many (fewer run slower per multiply-add).
MIN_CHANNELS = 16


def _map_bytes(x: torch.Tensor, k: torch.Tensor) -> int | None:
    """Bytes of one output map where the chunk rules may apply (a 2-D CPU batch outside autograd), else None."""
    if x.device.type != "cpu" or x.dim() != 4:
        return None
    if torch.is_grad_enabled() and (x.requires_grad or k.requires_grad):
        return None
    return (x.shape[2] - k.shape[2] + 1) * (x.shape[3] - k.shape[3] + 1) * x.element_size()


def _chunks(x: torch.Tensor, k: torch.Tensor) -> tuple[int, int] | None:
    """``(planes, kernels)`` per ``F.conv2d`` call for a shared 2-D bank (``G == 1``) on a CPU batch outside
    autograd whose output exceeds :data:`CHUNK_ABOVE` (24 MiB); None for one call.

    Planes are grouped so that a call's output stays within :data:`CHUNK_BYTES`; a plane
    whose own output is larger runs its kernels in chunks of at least :data:`MIN_CHANNELS`
    (one call where even that many maps exceed :data:`CHUNK_ABOVE`). Each call's output is
    copied into one output recycled by :mod:`filterbank._alloc`.

    Why: ``F.conv2d`` allocates its output afresh; from 32 MiB that is an ``mmap`` whose
    pages fault in on every call, while a few-MiB result is reused by malloc (after
    :func:`filterbank._alloc.prime_malloc`) and stays in cache. Measured on the 2-core KVM
    guest, one input channel, malloc primed, medians, one batched call -> chunked (1 thread /
    2 threads): 8 x 128^2 with 128 kernels of 7x7 118 -> 34 / 83 -> 19 ms; 64 x 32^2 with
    128 of 3x3 50 -> 8.4 / 37 -> 6.8 ms; 64 x 256^2 with 3 of 3x3 154 -> 42 / 112 -> 23 ms;
    4 x 512^2 with 32 of 5x5 221 -> 63 / 154 -> 49 ms; 4 x 256^2 with 64 of 7x7 111 -> 34 /
    84 -> 25 ms. Below 24 MiB of output the batched call was as fast or faster (8 x 128^2
    with 32 of 7x7: 6.8 against 8.3 ms chunked), and a 1024^2 plane with 32 kernels (4 MiB a
    map) lost 1.2x when split. The values are the batched call's, bit for bit (every split
    of planes and kernels tried, 3x3 to 11x11, 1 and 2 threads).

    Examples
    --------
    >>> _chunks(torch.empty(64, 1, 258, 258), torch.empty(1, 3, 3, 3))  # 786 KiB a plane: 5 planes a call
    (5, 3)
    >>> _chunks(torch.empty(8, 1, 34, 34), torch.empty(1, 3, 3, 3)) is None  # small: one call
    True
    """
    plane = _map_bytes(x, k) if k.shape[0] == 1 else None
    if plane is None:
        return None
    m, n = x.shape[0], k.shape[1]
    if m * n * plane <= CHUNK_ABOVE:
        return None
    if n * plane <= CHUNK_BYTES:
        return CHUNK_BYTES // (n * plane), n
    c = max(MIN_CHANNELS, CHUNK_BYTES // plane)
    if c * plane > CHUNK_ABOVE or (c >= n and m == 1):
        return None
    return 1, min(c, n)


def _batch_chunk(x: torch.Tensor, k: torch.Tensor) -> int | None:
    """Batch items per call for grouped kernels (``G == C > 1``, the layers' depthwise bank) on a CPU batch
    outside autograd whose output exceeds :data:`CHUNK_ABOVE`; None for one call.

    Items are grouped so that a call's output stays within :data:`CHUNK_BYTES` (at least one
    item a call). Measured on the 2-core VM, malloc primed, one grouped ``F.conv2d`` ->
    chunked, 1 thread / 2 threads: 8 x 3 x 128^2 with 32 kernels of 7x7 per channel 86 -> 25 /
    55 -> 15 ms; 16 x 3 x 224^2 with 4 of 3x3 75 -> 26 / 52 -> 24 ms; 4 x 3 x 256^2 with 16
    of 7x7 87 -> 30 / 50 -> 15 ms; below 24 MiB of output (32 x 3 x 64^2, 8 of 5x5) one call
    was faster, 5.4 against 6.6 ms. On one thread, bit for bit the values of one call; on
    two, oneDNN divides a grouped call's work by its batch, and one call's values already
    differ between one and two threads (by 4.8e-7 on values of ~5), so chunks give the
    values of one or the other decomposition.

    Examples
    --------
    >>> _batch_chunk(torch.empty(16, 3, 226, 226), torch.empty(3, 4, 3, 3))  # 2.4 MB an item
    1
    >>> _batch_chunk(torch.empty(2, 3, 34, 34), torch.empty(3, 4, 3, 3)) is None
    True
    """
    plane = _map_bytes(x, k) if k.shape[0] > 1 and x.shape[0] > 1 else None
    if plane is None:
        return None
    item = k.shape[0] * k.shape[1] * plane
    if x.shape[0] * item <= CHUNK_ABOVE:
        return None
    return max(1, CHUNK_BYTES // item)


def grouped_conv(x: torch.Tensor, k: torch.Tensor, bias: torch.Tensor | None = None) -> torch.Tensor:
    """``F.conv2d(x, k.reshape(G * N, 1, kh, kw), bias, groups=G)`` for ``x (B, G, Hp, Wp)``, ``k (G, N, kh, kw)``:
    one call, or batch chunks (:func:`_batch_chunk`) into one recycled output.

    Examples
    --------
    >>> grouped_conv(torch.ones(2, 3, 6, 6), torch.ones(3, 4, 3, 3)).shape
    torch.Size([2, 12, 4, 4])
    """
    g, n, kh, kw = k.shape
    w = k.reshape(g * n, 1, kh, kw)
    conv = _CONV[2]
    pb = _batch_chunk(x, k)
    if pb is None:
        return conv(x, w, bias, 1, 0, 1, g)
    out = _alloc.empty(x.shape[0], g * n, x.shape[2] - kh + 1, x.shape[3] - kw + 1, dtype=x.dtype)
    for i in range(0, x.shape[0], pb):
        out[i : i + pb] = conv(x[i : i + pb], w, bias, 1, 0, 1, g)
    return out


def _direct(x: torch.Tensor, k: torch.Tensor) -> torch.Tensor:
    """x (M, G, *Sp), k (G, N, *ks) -> (M, G, N, *S) in one (grouped) ``F.conv{1,2,3}d``, or in chunks.

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
        split = _chunks(x, k)
        if split is None:
            out = conv(x, w)
        else:
            pb, c = split
            h, wd = x.shape[2] - ks[0] + 1, x.shape[3] - ks[1] + 1
            out = _alloc.empty(m, n, h, wd, dtype=x.dtype)
            for i in range(0, m, pb):
                for j in range(0, n, c):
                    out[i : i + pb, j : j + c] = conv(x[i : i + pb], w[j : j + c])
    elif len(ks) == 2:
        out = grouped_conv(x, k)
    else:
        out = conv(x, k.reshape(g * n, 1, *ks), groups=g)
    return out.reshape(m, g, n, *out.shape[2:])
