"""Large output buffers: recycled from a bounded pool, on transparent huge pages where Linux offers them.

A fresh output of hundreds of megabytes costs one page fault per 4 KiB page on
its first write: measured on a 2-core KVM guest, a new 150 MB float32 tensor
filled once took 140 ms against 19 ms for filling an existing one. With
``madvise(MADV_HUGEPAGE)`` on the buffer (the kernel's transparent huge pages in
``madvise`` mode, the common default) it faults once per 2 MiB and took 35 ms.

:func:`empty` and :func:`empty_numpy` allocate as ``torch.empty`` /
``numpy.empty`` do and give that advice for buffers of :data:`MIN_BYTES` or more
(skipped where the kernel has no transparent huge pages, or they are off).

Even on huge pages a fresh buffer costs the kernel's zeroing of every page (15 ms
for 150 MB there). So large outputs are also recycled, as PyTorch's CUDA caching
allocator does: when the last view of an output dies, its buffer goes to a pool
(at most :func:`pool_bytes`, 512 MiB by default, least recently freed dropped
first; ``FILTERBANK_BUFFER_POOL`` sets the cap in MiB, 0 turns it off) and the
next output of the same size reuses it without a fault. Only filterbank's own
outputs are recycled; :func:`clear_pool` empties the pool.
"""

from __future__ import annotations

import ctypes
import functools
import math
import os
import platform
import sys
import threading
import weakref
from collections import OrderedDict
from typing import cast

import numpy as np
import torch
from numpy.typing import DTypeLike

__all__ = [
    "GLIBC_MMAP_MAX",
    "HUGE_PAGE",
    "MIN_BYTES",
    "POOL_MIN_BYTES",
    "advise_huge",
    "clear_pool",
    "empty",
    "empty_numpy",
    "huge_pages_available",
    "pool_bytes",
    "prime_malloc",
]

#: The transparent huge page size on x86-64 and most arm64 kernels.
HUGE_PAGE = 2 << 20

#: Buffers from this size on get the huge-page advice (below it, few faults to save).
MIN_BYTES = 8 << 20

#: Buffers from this size on are recycled (a 1920x1080 uint8 output, 2 MB, faults 500 pages when fresh).
POOL_MIN_BYTES = 1 << 20

_MADV_HUGEPAGE = 14
_THP = "/sys/kernel/mm/transparent_hugepage/enabled"


@functools.lru_cache(maxsize=1)
def _madvise() -> object | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
    except OSError:  # pragma: no cover - not glibc
        return None
    fn = libc.madvise
    fn.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
    fn.restype = ctypes.c_int
    return fn


@functools.lru_cache(maxsize=1)
def huge_pages_available() -> bool:
    """Whether the kernel hands out transparent huge pages on request (mode ``madvise`` or ``always``).

    Examples
    --------
    >>> isinstance(huge_pages_available(), bool)
    True
    """
    try:
        with open(_THP) as f:
            mode = f.read()
    except OSError:
        return False
    return _madvise() is not None and ("[madvise]" in mode or "[always]" in mode)


def advise_huge(address: int, nbytes: int) -> bool:
    """Ask for huge pages on the 2 MiB-aligned interior of ``[address, address + nbytes)``; True when given.

    Examples
    --------
    >>> advise_huge(0, 100)  # too small to hold an aligned huge page
    False
    """
    if nbytes < MIN_BYTES or not huge_pages_available():
        return False
    start = -(-address // HUGE_PAGE) * HUGE_PAGE
    end = (address + nbytes) // HUGE_PAGE * HUGE_PAGE
    if end <= start:
        return False
    return _madvise()(start, end - start, _MADV_HUGEPAGE) == 0  # type: ignore[operator]


#: The largest mmap threshold glibc's malloc adopts by itself (``DEFAULT_MMAP_THRESHOLD_MAX`` on 64-bit).
GLIBC_MMAP_MAX = 32 << 20

_primed = [False]


def prime_malloc() -> bool:
    """Raise glibc's mmap threshold to its dynamic maximum once, as freeing any large tensor would.

    glibc's ``malloc`` serves a block of at least ``M_MMAP_THRESHOLD`` bytes (128 KiB in a
    fresh process) with a fresh ``mmap``, which page-faults on first touch, and returns it
    with ``munmap`` on ``free``. Freeing such a block raises the threshold to its size (up to
    32 MiB). Until a process has freed one, every torch temporary of a few MiB pays its page
    faults on every call: on the 2-core KVM guest, a 7x7 ``F.conv2d`` of 64 output maps on one
    128^2 plane (a 4 MiB output) took 7.2 ms in a fresh process and 1.55 ms once one 32 MiB
    tensor had been freed, the same in every fresh process tried. Which side a process is on
    depended on what it had run before, which is what made the direct engine's speed vary
    from process to process.

    The first CPU call of a torch engine calls this: it allocates and frees one block 64 KiB
    under 32 MiB (never touched, so never faulted in), which any process that once freed a
    large tensor has done already. Freed memory up to 64 MiB (glibc's then trim threshold)
    may then stay with the process for reuse. It does nothing beyond the first call, on
    other C libraries, or where ``MALLOC_MMAP_THRESHOLD_`` fixes the threshold (glibc then
    keeps it). Returns True when it freed the block.

    Examples
    --------
    >>> isinstance(prime_malloc(), bool)
    True
    """
    if _primed[0]:
        return False
    _primed[0] = True
    if not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc":
        return False
    if "MALLOC_MMAP_THRESHOLD_" in os.environ:
        return False
    # torch's CPU allocator (posix_memalign): a block just under the maximum, so the threshold becomes ~32 MiB
    block = torch.empty(GLIBC_MMAP_MAX - (64 << 10), dtype=torch.uint8)
    del block
    return True


_POOL: OrderedDict[int, list[np.ndarray]] = OrderedDict()  # nbytes -> free raw buffers, least recent first
_POOL_LOCK = threading.Lock()
_pooled = [0]


def pool_bytes() -> int:
    """The most bytes the pool keeps (``FILTERBANK_BUFFER_POOL`` MiB, default 512; 0: no pool).

    Examples
    --------
    >>> pool_bytes() >= 0
    True
    """
    raw = os.environ.get("FILTERBANK_BUFFER_POOL", "").strip()
    try:
        return max(0, int(raw)) << 20 if raw else 512 << 20
    except ValueError:
        return 512 << 20


def clear_pool() -> None:
    """Drop every recycled buffer (their memory goes back to the allocator).

    Examples
    --------
    >>> clear_pool()
    """
    with _POOL_LOCK:
        _POOL.clear()
        _pooled[0] = 0


def _release(raw: np.ndarray) -> None:
    """Finalizer of a pooled output: its buffer goes back to the pool (dropping the oldest past the cap)."""
    cap = pool_bytes()
    if raw.nbytes > cap:
        return
    with _POOL_LOCK:
        _POOL.setdefault(raw.nbytes, []).append(raw)
        _POOL.move_to_end(raw.nbytes)
        _pooled[0] += raw.nbytes
        while _pooled[0] > cap and _POOL:
            size, bufs = next(iter(_POOL.items()))
            bufs.pop(0)
            _pooled[0] -= size
            if not bufs:
                del _POOL[size]


def _take(nbytes: int) -> np.ndarray | None:
    with _POOL_LOCK:
        bufs = _POOL.get(nbytes)
        if not bufs:
            return None
        raw = bufs.pop()
        _pooled[0] -= nbytes
        if not bufs:
            del _POOL[nbytes]
        return raw


def empty_numpy(shape: tuple[int, ...], dtype: object) -> np.ndarray:
    """``numpy.empty(shape, dtype)``: large ones recycled from the pool, else on huge pages.

    Examples
    --------
    >>> empty_numpy((2, 3), np.uint8).dtype
    dtype('uint8')
    """
    dt = np.dtype(cast("DTypeLike", dtype))
    nbytes = math.prod(shape) * dt.itemsize  # Python ints: no numpy call on the hot path
    if nbytes < POOL_MIN_BYTES or pool_bytes() == 0:
        a = np.empty(shape, dtype=dt)
        advise_huge(a.ctypes.data, a.nbytes)
        return a
    raw = _take(nbytes)
    if raw is None:
        raw = np.empty(nbytes, dtype=np.uint8)
        advise_huge(raw.ctypes.data, raw.nbytes)
    out = raw.view(dt).reshape(shape)
    weakref.finalize(out, _release, raw)  # when the last view dies, the buffer is free again
    return out


def empty(*shape: int, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """``torch.empty(shape, dtype=dtype)`` on the CPU: large ones recycled from the pool, else on huge pages.

    Examples
    --------
    >>> empty(2, 3).shape
    torch.Size([2, 3])
    """
    itemsize = dtype.itemsize
    nbytes = math.prod(shape) * itemsize
    if nbytes < POOL_MIN_BYTES or pool_bytes() == 0 or dtype not in _NUMPY_OF:
        t = torch.empty(*shape, dtype=dtype)
        advise_huge(t.data_ptr(), nbytes)
        return t
    return torch.from_numpy(empty_numpy(tuple(shape), _NUMPY_OF[dtype]))


_NUMPY_OF = {
    torch.uint8: np.uint8,
    torch.int16: np.int16,
    torch.int32: np.int32,
    torch.int64: np.int64,
    torch.float32: np.float32,
    torch.float64: np.float64,
}
if hasattr(torch, "uint16"):
    _NUMPY_OF[torch.uint16] = np.uint16
