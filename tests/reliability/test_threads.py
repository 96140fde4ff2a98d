"""Issue 10, item 5: the planner's cache under concurrent calls.

8 threads call ``filter2d`` / a shared ``FilterConv2d`` with 32 distinct kernels (more than
the cache holds, so entries are evicted while other threads read them) and with shared
kernels; every result must equal the single-thread result and no call may raise.

A race needs a thread switch at the wrong bytecode, which a free run hits rarely on a small
machine. ``_preempting_cache`` makes it likely: the cache's mapping is replaced by one that
sleeps briefly (giving the GIL away) inside every operation, the way a loaded server
preempts threads. A cache that holds a lock around its operations is unaffected.
"""

from __future__ import annotations

import contextlib
import sys
import threading
import time
from collections import OrderedDict

import numpy as np
import pytest
import torch

from filterbank import FilterBank, FilterConv2d, filter2d, plan
from filterbank.plan import cache

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")

THREADS = 8
# Seconds a thread sleeps inside each cache operation (long enough that another thread runs), and
# inside a lookup (long enough that the others insert, and evict, several entries meanwhile).
_PAUSE = 2e-4
_LOOKUP_PAUSE = 5e-3


class _Preempting(OrderedDict):
    """An OrderedDict that sleeps in the middle of every operation."""

    def get(self, *args):
        hit = super().get(*args)
        time.sleep(_LOOKUP_PAUSE)
        return hit

    def __setitem__(self, key, value):
        time.sleep(_PAUSE)
        super().__setitem__(key, value)

    def move_to_end(self, *args, **kwargs):
        time.sleep(_PAUSE)
        super().move_to_end(*args, **kwargs)

    def popitem(self, *args, **kwargs):
        time.sleep(_PAUSE)
        return super().popitem(*args, **kwargs)

    def pop(self, *args):
        time.sleep(_PAUSE)
        return super().pop(*args)


@contextlib.contextmanager
def _preempting_cache():
    plan.clear_cache()
    saved = cache._CACHE
    cache._CACHE = _Preempting()
    try:
        yield
    finally:
        cache._CACHE = saved
        plan.clear_cache()


def _hammer(calls: int, work) -> tuple[list[str], int]:
    """Run ``work(thread, i)`` ``calls`` times in each of 8 threads; return the errors and mismatches."""
    errors: list[str] = []
    wrong = [0]
    start = threading.Barrier(THREADS)

    def run(t: int) -> None:
        start.wait()
        for i in range(calls):
            try:
                if not work(t, i):
                    wrong[0] += 1
            except Exception as exc:  # every exception is a failure of the test
                errors.append(f"{type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=run, args=(t,)) for t in range(THREADS)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return errors, wrong[0]


def _distinct_kernels():
    rng = np.random.default_rng(0)
    kernels = [torch.from_numpy(rng.standard_normal((2, 5, 5)).astype(np.float32)) for _ in range(32)]
    img = torch.from_numpy(rng.random((1, 12, 12)).astype(np.float32))
    return kernels, img


@pytest.mark.parametrize("method", ["fft", "lowrank"])
def test_distinct_kernels_preempted(method) -> None:
    kernels, img = _distinct_kernels()
    ref = [filter2d(img, k, method=method) for k in kernels]
    with _preempting_cache():
        errors, wrong = _hammer(
            40, lambda t, i: torch.equal(filter2d(img, kernels[(7 * t + i) % 32], method=method), ref[(7 * t + i) % 32])
        )
    assert not errors, f"{len(errors)} calls raised, e.g. {errors[0]}"
    assert wrong == 0


def test_shared_layer_and_kernels_preempted() -> None:
    """One eval FilterConv2d and one numpy bank shared by every thread, besides 32 distinct kernels."""
    bank = FilterBank.from_specs(
        [{"family": "gabor", "ksize": 13, "sigma": 3.0, "theta": 0.4 * i, "lambd": 6.0} for i in range(4)]
    )
    layer = FilterConv2d(bank, 2, method="fft").eval()
    x = torch.rand(2, 2, 24, 24)
    kernels, img = _distinct_kernels()
    with torch.no_grad():
        ref_layer = layer(x)
    ref_bank = filter2d(img, bank.kernels, method="lowrank")
    ref = [filter2d(img, k, method="fft") for k in kernels]

    def work(t: int, i: int) -> bool:
        if i % 3 == 0:
            with torch.no_grad():
                return torch.equal(layer(x), ref_layer)
        if i % 3 == 1:
            return torch.equal(filter2d(img, bank.kernels, method="lowrank"), ref_bank)
        j = (5 * t + i) % 32
        return torch.equal(filter2d(img, kernels[j], method="fft"), ref[j])

    with _preempting_cache():
        errors, wrong = _hammer(30, work)
    assert not errors, f"{len(errors)} calls raised, e.g. {errors[0]}"
    assert wrong == 0


def test_distinct_kernels_free_run() -> None:
    """No injected preemption: the plain concurrent use of the issue, with a short switch interval."""
    kernels, img = _distinct_kernels()
    ref = [filter2d(img, k, method="fft") for k in kernels]
    plan.clear_cache()
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    try:
        errors, wrong = _hammer(
            60, lambda t, i: torch.equal(filter2d(img, kernels[(3 * t + i) % 32], method="fft"), ref[(3 * t + i) % 32])
        )
    finally:
        sys.setswitchinterval(interval)
    assert not errors and wrong == 0
