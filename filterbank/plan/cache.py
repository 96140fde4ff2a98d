"""The planner's cache of kernel spectra and factorisations: keys, value checks, a byte budget, a lock.

What a cached entry is keyed by
-------------------------------
An entry holds something computed from a kernel's values (its FFT spectrum at one size,
its SVD factors). It may only ever be served for a kernel with exactly those values.

* Host (CPU) tensors are keyed by a BLAKE2b digest of their bytes, with shape, dtype and
  device: a new tensor with the same values hits, a changed one misses.
* Tensors in device memory (CUDA, MPS, ...) are keyed by a fingerprint of their values
  computed on the device (two weighted sums with fixed pseudo-random weights: one small
  transfer, not the kernel's bytes), and every hit is confirmed by comparing the kernel
  with a copy stored in the entry (``torch.equal``). Identity, addresses and version
  counters play no part: a new tensor at a dead one's address, a write through
  ``.data`` or ``torch.nn.utils.vector_to_parameters`` (which bypass the version
  counter), and inference tensors (which have none) are all seen for what their values are.
  A lookup costs one reduction over the kernel and one small device-to-host transfer, and
  a hit one comparison more (two synchronisations; the entry's spectrum is far larger).
* ``meta`` tensors (no values) and tensors that take part in autograd are not cached.

Bounds and concurrency
----------------------
The cache keeps at most :func:`cache_info` ``.budget`` bytes (default
:data:`DEFAULT_CACHE_BUDGET`, set with :func:`set_cache_budget`), evicting the least
recently used entries; an entry larger than the budget is not kept. Every operation
holds one lock, so concurrent ``filter2d`` / ``FilterConv2d`` calls from several threads
are safe; work (transforms, SVDs, value checks) runs outside the lock, so two threads
may compute the same entry once each.
"""

from __future__ import annotations

import functools
import hashlib
import numbers
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple, TypeVar, cast

import torch

from .._errors import DTypeError, ParameterError

T = TypeVar("T")

__all__ = ["DEFAULT_CACHE_BUDGET", "CacheInfo", "cache_info", "clear_cache", "set_cache_budget"]

#: Default byte budget of the cache (256 MiB): the spectra of a 48-kernel bank (LM) at about
#: 1024 x 1024 pixels, or of eight RGB-sized calls at 512 x 512.
DEFAULT_CACHE_BUDGET = 256 << 20


class CacheInfo(NamedTuple):
    """What :func:`cache_info` reports."""

    entries: int
    bytes: int
    hits: int
    misses: int
    budget: int


@dataclass
class _Entry:
    value: object
    nbytes: int
    check: torch.Tensor | None  # device kernels: a copy of the values, compared on every hit


class _Values:
    """Carries the kernel inside a key; invisible to hashing and equality.

    The value check of a device kernel needs the kernel at lookup time, and callers
    compose keys (``("fft", fh, fw, key)``) without passing the kernel to the lookup.
    """

    __slots__ = ("tensor",)

    def __init__(self, tensor: torch.Tensor | None) -> None:
        self.tensor = tensor

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Values)

    def __hash__(self) -> int:
        return 0x5EED

    def __repr__(self) -> str:
        return "_Values()"


_LOCK = threading.RLock()
_CACHE: OrderedDict[tuple, _Entry] = OrderedDict()
_STATE = {"bytes": 0, "hits": 0, "misses": 0, "budget": DEFAULT_CACHE_BUDGET}


def clear_cache() -> None:
    """Forget every cached kernel spectrum and factorisation, and reset the hit and miss counts.

    Examples
    --------
    >>> clear_cache()
    >>> cache_info().entries
    0
    """
    with _LOCK:
        _CACHE.clear()
        _STATE.update(bytes=0, hits=0, misses=0)


def cache_info() -> CacheInfo:
    """Entries, bytes held, hits, misses (since the last :func:`clear_cache`) and the byte budget.

    Examples
    --------
    >>> import torch
    >>> from filterbank import filter2d
    >>> clear_cache()
    >>> _ = filter2d(torch.rand(1, 32, 32), torch.rand(2, 13, 13), method="fft")
    >>> info = cache_info()
    >>> info.entries, info.misses, info.bytes > 0
    (1, 1, True)
    """
    with _LOCK:
        return CacheInfo(len(_CACHE), _STATE["bytes"], _STATE["hits"], _STATE["misses"], _STATE["budget"])


def set_cache_budget(nbytes: int) -> None:
    """Set the cache's byte budget; the least recently used entries beyond it are dropped at once.

    Parameters
    ----------
    nbytes : int
        Bytes of spectra, factors and value copies the cache may hold, >= 0; 0 turns
        caching off. Default :data:`DEFAULT_CACHE_BUDGET` (256 MiB).

    Examples
    --------
    >>> set_cache_budget(64 << 20)
    >>> cache_info().budget
    67108864
    >>> set_cache_budget(DEFAULT_CACHE_BUDGET)
    """
    if isinstance(nbytes, bool) or not isinstance(nbytes, numbers.Integral):
        raise DTypeError(f"`nbytes` must be an int number of bytes; got {nbytes!r} ({type(nbytes).__name__})")
    if nbytes < 0:
        raise ParameterError(f"`nbytes` must be >= 0; got {int(nbytes)}")
    with _LOCK:
        _STATE["budget"] = int(nbytes)
        _evict()


def _evict() -> None:
    while _CACHE and _STATE["bytes"] > _STATE["budget"]:
        _, old = _CACHE.popitem(last=False)
        _STATE["bytes"] -= old.nbytes


# --- keys -------------------------------------------------------------------------------------


def _keyed_by_content(t: torch.Tensor) -> bool:
    """True where a kernel is keyed by a digest of its bytes (host memory); else fingerprint + value check."""
    return t.device.type == "cpu"


@functools.lru_cache(maxsize=16)
def _fingerprint_weights(n: int, device: torch.device, dtype: torch.dtype) -> torch.Tensor:
    gen = torch.Generator().manual_seed(0x5EED + n)
    return torch.rand(n, 2, generator=gen, dtype=torch.float64).to(device=device, dtype=dtype) + 0.5


def _fingerprint(k: torch.Tensor) -> tuple[float, ...]:
    dtype = torch.float32 if k.device.type == "mps" else torch.float64  # MPS has no float64
    flat = k.detach().reshape(-1).to(dtype)
    return tuple((flat @ _fingerprint_weights(flat.numel(), k.device, dtype)).tolist())


def _kernel_key(k: torch.Tensor) -> tuple | None:
    """A key naming the kernel's current values, or None when it must not be cached (see the module notes).

    Examples
    --------
    >>> import torch
    >>> _kernel_key(torch.ones(2, 3)) == _kernel_key(torch.ones(2, 3))
    True
    >>> _kernel_key(torch.ones(2, 3)) == _kernel_key(torch.zeros(2, 3))
    False
    """
    if (k.requires_grad and torch.is_grad_enabled()) or k.device.type == "meta":
        return None
    meta = (tuple(k.shape), k.dtype, str(k.device))
    if _keyed_by_content(k):
        data = k.detach().contiguous().reshape(-1).view(torch.uint8).cpu().numpy()  # hashed in place, not copied
        return ("v", hashlib.blake2b(data.data, digest_size=16).digest(), *meta)
    return ("d", *_fingerprint(k), *meta, _Values(k))


def _carried(key: tuple) -> torch.Tensor | None:
    """The kernel a (composite) key carries for its value check, if any."""
    for part in key:
        if isinstance(part, _Values):
            return part.tensor
        if isinstance(part, tuple):
            found = _carried(part)
            if found is not None:
                return found
    return None


def _stripped(key: tuple) -> tuple:
    """``key`` without the kernel it carries (the cache must not keep a user's tensor alive)."""
    return tuple(_Values(None) if isinstance(p, _Values) else _stripped(p) if isinstance(p, tuple) else p for p in key)


def _nbytes(obj: object) -> int:
    """Bytes of the tensors in a cached value: a tensor, a dataclass, or lists, tuples and dicts of them."""
    if isinstance(obj, torch.Tensor):
        return obj.numel() * obj.element_size()
    fields = getattr(obj, "__dataclass_fields__", None)
    if fields is not None:
        return sum(_nbytes(getattr(obj, name)) for name in fields)
    if isinstance(obj, (list, tuple)):
        return sum(_nbytes(v) for v in obj)
    if isinstance(obj, dict):
        return sum(_nbytes(v) for v in obj.values())
    return 0


# --- get / put --------------------------------------------------------------------------------


def _memo(tag: tuple, k: torch.Tensor, build: Callable[[], T]) -> T:
    """``build()`` cached under ``(*tag, key of k's values)``; computed every time when ``k`` has no key
    (it requires grad, or lives on the meta device). ``build`` must not return None.

    Examples
    --------
    >>> _memo(("doc",), torch.ones(2), lambda: torch.zeros(3)).shape
    torch.Size([3])
    """
    key = _kernel_key(k)
    if key is None:
        return build()
    ck = (*tag, key)
    hit = _cache_get(ck)
    if hit is not None:
        return cast(T, hit)
    value = build()
    _cache_put(ck, value)
    return value


def _cache_get(key: tuple) -> object | None:
    """The value stored under ``key`` for exactly these kernel values, or None (counted as a miss)."""
    with _LOCK:
        entry = _CACHE.get(key)
    if entry is not None and entry.check is not None:
        live = _carried(key)
        if live is None or not torch.equal(entry.check, live.detach()):
            entry = None  # same fingerprint, other values
    with _LOCK:
        if entry is None:
            _STATE["misses"] += 1
            return None
        if key in _CACHE:
            _CACHE.move_to_end(key)
        _STATE["hits"] += 1
        return entry.value


def _cache_put(key: tuple, value: object, owner: torch.Tensor | None = None) -> None:
    """Store ``value`` computed from the kernel ``key`` names, within the byte budget.

    ``owner`` is accepted for the callers of the first release and not used: entries are
    never tied to a tensor's identity.
    """
    del owner
    live = _carried(key)
    check = None
    if live is not None:
        check = live.detach().clone()
    nbytes = _nbytes(value) + (_nbytes(check) if check is not None else 0)
    stored = _stripped(key)
    with _LOCK:
        old = _CACHE.pop(stored, None)
        if old is not None:
            _STATE["bytes"] -= old.nbytes
        if nbytes > _STATE["budget"]:
            return
        _CACHE[stored] = _Entry(value, nbytes, check)
        _STATE["bytes"] += nbytes
        _evict()
