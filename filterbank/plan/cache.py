"""The LRU cache of kernel factorisations and spectra, and the keys that name a kernel's values."""

from __future__ import annotations

import hashlib
import weakref
from collections import OrderedDict

import torch

__all__ = ["clear_cache"]

_CACHE: OrderedDict[tuple, object] = OrderedDict()
_CACHE_MAX = 16


def clear_cache() -> None:
    """Forget every cached kernel spectrum and factorisation.

    Entries are keyed by the kernel's values on the CPU (a new tensor with the same
    values meets the same entry), by identity and version elsewhere.

    Examples
    --------
    >>> import torch
    >>> _kernel_key(torch.ones(2, 3)) == _kernel_key(torch.ones(2, 3))
    True
    >>> clear_cache()
    >>> len(_CACHE)
    0
    """
    _CACHE.clear()


def _kernel_key(k: torch.Tensor) -> tuple | None:
    """A key naming the kernel's current values, or None when it must not be cached.

    CPU tensors are keyed by a digest of their bytes (a new tensor with the same
    values hits; a changed one misses). Other devices are keyed by the identity and
    version counter (bumped by every in-place change) of the storage's owning
    tensor, plus the view's geometry: ``FilterConv2d`` reshapes its weight on every
    forward, and those views must meet the same entry. A weak reference drops the
    entry when the owner dies, so a new tensor at a reused address never sees a
    stale one. Tensors that take part in autograd are not cached.
    """
    if k.requires_grad and torch.is_grad_enabled():
        return None
    meta = (tuple(k.shape), k.dtype, str(k.device))
    if k.device.type == "cpu":
        data = k.detach().contiguous().numpy().tobytes()
        return ("v", hashlib.blake2b(data, digest_size=16).digest(), *meta)
    owner = _owner(k)
    return ("id", id(owner), owner._version, k.storage_offset(), tuple(k.stride()), *meta)


def _owner(k: torch.Tensor) -> torch.Tensor:
    """The tensor that owns ``k``'s storage (``k`` itself unless it is a view)."""
    return k._base if k._base is not None else k


def _cache_get(key: tuple) -> object | None:
    hit = _CACHE.get(key)
    if hit is not None:
        _CACHE.move_to_end(key)
    return hit


def _cache_put(key: tuple, value: object, owner: torch.Tensor | None = None) -> None:
    _CACHE[key] = value
    _CACHE.move_to_end(key)
    while len(_CACHE) > _CACHE_MAX:
        _CACHE.popitem(last=False)
    if owner is not None and key[0] == "id":
        weakref.finalize(_owner(owner), _CACHE.pop, key, None)
