"""filterbank.bench.timing: interleaved timing, errors against the reference, peak memory."""

from __future__ import annotations

import mmap
import time

import numpy as np
import torch

from filterbank.bench.timing import measure_memory, peak_memory, run_workload
from filterbank.bench.workloads import Contender, Workload, build

CPU = torch.device("cpu")


def test_peak_memory_sees_an_allocation_held_during_the_call():
    size = 64 << 20

    def alloc() -> mmap.mmap:
        # fresh anonymous pages whatever the allocator keeps in its heap; writing makes them resident
        m = mmap.mmap(-1, size)
        np.frombuffer(m, dtype=np.uint8)[:] = 1
        time.sleep(0.01)
        return m

    assert peak_memory(alloc, CPU) >= 0.9 * size
    assert peak_memory(lambda: None, CPU) < size / 4


def test_run_workload_interleaves_and_measures_the_error():
    calls: list[str] = []
    ref = np.arange(6.0).reshape(1, 1, 2, 3)

    def maker(name: str, out: np.ndarray, pause: float):
        def fn() -> np.ndarray:
            calls.append(name)
            time.sleep(pause)
            return out

        return fn

    fast = Contender("fast", maker("fast", ref, 0.0), np.asarray)
    slow = Contender("slow", maker("slow", ref + 0.5, 0.02), np.asarray, scale=3.0)
    w = Workload("X", "x", ref, 0.1, "fast", [fast, slow], [])
    run_workload(w, CPU, reps=3, warmup=2, log=lambda s: None, settle=0.0)
    assert calls == ["fast", "fast", "slow", "slow"] + ["fast", "slow"] * 3  # warm-ups, then interleaved
    assert fast.error == 0.0 and slow.error == 0.5
    assert len(fast.times) == len(slow.times) == 3
    assert min(slow.times) >= 3 * 0.02  # the extrapolation factor multiplies every timed call
    assert fast.times_tf32 == []  # CPU: no TF32 column


def test_measure_memory_runs_a_probe_process_per_contender():
    """The probe is `python -m filterbank.bench --memory-probe W1:0`: it works without a repository."""
    w = build("W1", CPU)
    w.contenders = w.contenders[:1]  # filterbank filter2d: output 16 x 4 x 224 x 224 float32 = 12.8 MB
    lines: list[str] = []
    measure_memory(w, CPU, lines.append, threads=1)
    assert not any("failed" in line for line in lines), lines
    assert w.contenders[0].peak >= 16 * 4 * 224 * 224 * 4 * 0.9
