"""_alloc: large outputs recycled from a bounded pool (no fresh pages), small ones plain."""

from __future__ import annotations

import gc

import numpy as np
import torch

from filterbank import _alloc


def test_large_buffers_are_recycled_after_their_last_view_dies(monkeypatch) -> None:
    monkeypatch.setenv("FILTERBANK_BUFFER_POOL", "64")
    _alloc.clear_pool()
    t = _alloc.empty(4, 1024, 1024)  # 16 MiB
    assert t.shape == (4, 1024, 1024) and t.dtype == torch.float32
    ptr = t.data_ptr()
    view = t[1]  # a view keeps the buffer in use
    del t
    gc.collect()
    other = _alloc.empty(4, 1024, 1024)
    assert other.data_ptr() != ptr  # still held by the view
    del view
    gc.collect()
    assert _alloc._pooled[0] == 16 << 20  # the first buffer is free again
    again = _alloc.empty(16 * 1024 * 1024, dtype=torch.uint8)  # same byte count, another dtype and shape
    assert again.data_ptr() == ptr and _alloc._pooled[0] == 0  # reused, not a fresh allocation
    a = _alloc.empty_numpy((2048, 2048), np.float32)
    a[...] = 3.0  # writable, the requested shape and dtype
    assert a.shape == (2048, 2048) and a.dtype == np.float32 and float(a.sum()) == 3.0 * a.size
    _alloc.clear_pool()
    assert _alloc._pooled[0] == 0


def test_pool_cap_and_off_switch(monkeypatch) -> None:
    monkeypatch.setenv("FILTERBANK_BUFFER_POOL", "20")  # MiB: one 16 MiB buffer fits, two do not
    _alloc.clear_pool()
    bufs = [_alloc.empty(4, 1024, 1024) for _ in range(3)]
    del bufs
    gc.collect()
    assert 0 < _alloc._pooled[0] <= 20 << 20
    monkeypatch.setenv("FILTERBANK_BUFFER_POOL", "0")
    assert _alloc.pool_bytes() == 0
    _alloc.clear_pool()
    x = _alloc.empty(4, 1024, 1024)
    del x
    gc.collect()
    assert _alloc._pooled[0] == 0  # no pool: freed as usual


def test_small_buffers_are_plain_tensors() -> None:
    t = _alloc.empty(3, 5, dtype=torch.int16)
    assert t.shape == (3, 5) and t.dtype == torch.int16
    assert _alloc.advise_huge(0, 1024) is False
