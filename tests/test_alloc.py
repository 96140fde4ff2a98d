"""_alloc: large outputs recycled from a bounded pool (no fresh pages), small ones plain."""

from __future__ import annotations

import gc
import os
import platform
import subprocess
import sys

import numpy as np
import pytest
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


_FAULTS = """
import resource, sys, torch
import torch.nn.functional as F
from filterbank import _alloc
torch.set_num_threads(1)
if sys.argv[1] == "prime":
    assert _alloc.prime_malloc()
x, w = torch.rand(1, 1, 134, 134), torch.randn(64, 1, 7, 7)  # a 4 MiB output, and oneDNN's temporaries
for _ in range(2):
    F.conv2d(x, w)  # the first calls fault either way
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(4):
    F.conv2d(x, w)
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


@pytest.mark.skipif(
    not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc", reason="glibc's malloc only"
)
def test_prime_malloc_stops_mid_size_temporaries_from_faulting_on_every_call() -> None:
    """A 7x7 F.conv2d with a 4 MiB output, called again and again in a fresh process: its temporaries are
    fresh mmaps that fault in on every call (measured ~2000 minor faults a call, 7.2 ms against 1.5 ms)
    until a block of ~32 MiB has been freed once; after prime_malloc they are reused (page faults counted
    by the kernel: getrusage's minor faults)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
    runs = {
        mode: int(
            subprocess.run(
                [sys.executable, "-c", _FAULTS, mode], env=env, capture_output=True, text=True, check=True
            ).stdout
        )
        for mode in ("cold", "prime")
    }
    assert runs["cold"] >= 4 * 200, runs  # every call faults its temporaries in again
    assert runs["prime"] <= 50, runs  # reused


def test_prime_malloc_acts_once_and_respects_a_fixed_threshold(monkeypatch) -> None:
    monkeypatch.setattr(_alloc, "_primed", [False])
    monkeypatch.setenv("MALLOC_MMAP_THRESHOLD_", "131072")
    assert _alloc.prime_malloc() is False  # glibc keeps a threshold set by the environment
    assert _alloc.prime_malloc() is False  # and only the first call ever acts
    monkeypatch.setattr(_alloc, "_primed", [False])
    monkeypatch.delenv("MALLOC_MMAP_THRESHOLD_")
    glibc = sys.platform.startswith("linux") and platform.libc_ver()[0] == "glibc"
    assert _alloc.prime_malloc() is glibc
    assert _alloc.prime_malloc() is False
