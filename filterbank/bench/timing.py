"""How the harness measures: interleaved timed calls, CUDA events, peak memory in fresh processes.

Every contender runs in the same process, interleaved repetition by repetition (after
a warm-up call each), so that load from other processes spreads over all of them; an
idle pause before each timed call lets OpenCV's and torch's spinning worker threads
go quiet. Peak memory is the largest rise of the resident set during one call after a
warm-up call, sampled every 0.5 ms, measured in a fresh process per contender with
glibc's mmap threshold pinned at 1 MiB so that freed blocks leave the RSS (on CUDA:
the allocator's peak).
"""

from __future__ import annotations

import ctypes
import os
import platform
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

from .workloads import Workload, build

__all__ = ["cpu_name", "measure_memory", "memory_probe", "peak_memory", "run_workload", "tune_malloc"]


def cpu_name() -> str:
    """The CPU's model name (``/proc/cpuinfo``), else what :func:`platform.processor` says, for result headers.

    Examples
    --------
    >>> isinstance(cpu_name(), str) and cpu_name() != ""
    True
    """
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


_PACKAGE_ROOT = Path(__file__).resolve().parents[2]  # the folder holding this copy of filterbank


def _pin_malloc() -> None:
    """Fix glibc's mmap threshold so big freed blocks are returned (RSS then tracks live memory)."""
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(-3, 1 << 20)  # M_MMAP_THRESHOLD
        libc.mallopt(-1, 1 << 20)  # M_TRIM_THRESHOLD
        libc.mallopt(-2, 0)  # M_TOP_PAD
        libc.malloc_trim(0)
    except OSError:  # pragma: no cover - not glibc
        pass


def tune_malloc() -> bool:
    """Keep freed memory in glibc's heap (mmap threshold 32 MiB, no trimming); return whether it applied.

    Repeated large allocations then do not page-fault on every call: the allocator tuning
    PyTorch's CPU performance guide recommends (there via jemalloc / tcmalloc). It applies
    to every contender in the process.

    Examples
    --------
    >>> isinstance(tune_malloc(), bool)
    True
    """
    try:
        libc = ctypes.CDLL("libc.so.6")
        ok = libc.mallopt(-3, 32 << 20)  # M_MMAP_THRESHOLD (glibc's maximum)
        ok &= libc.mallopt(-1, 1 << 30)  # M_TRIM_THRESHOLD
        ok &= libc.mallopt(-2, 64 << 20)  # M_TOP_PAD
        return bool(ok)
    except OSError:  # pragma: no cover - not glibc
        return False


def _rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _peak_cuda(fn: Callable[[], object], device: torch.device) -> float:
    torch.cuda.synchronize(device)
    torch.cuda.reset_peak_memory_stats(device)
    base = torch.cuda.memory_allocated(device)
    fn()
    torch.cuda.synchronize(device)
    return float(torch.cuda.max_memory_allocated(device) - base)


def peak_memory(fn: Callable[[], object], device: torch.device) -> float:
    """Peak extra memory (bytes) of one call: CUDA allocator peak, or sampled RSS rise on the CPU.

    Examples
    --------
    >>> import mmap
    >>> def touch():  # 16 MiB of fresh pages, whatever the allocator keeps, made resident
    ...     m = mmap.mmap(-1, 16 << 20)
    ...     np.frombuffer(m, np.uint8)[:] = 1
    ...     return m
    >>> peak_memory(touch, torch.device("cpu")) >= 15 * 2**20
    True
    """
    if device.type == "cuda":
        return _peak_cuda(fn, device)
    if not Path("/proc/self/statm").exists():  # pragma: no cover
        return float("nan")
    base = _rss()
    peak = [base]
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], _rss())
            time.sleep(0.0005)

    t = threading.Thread(target=sample, daemon=True)
    t.start()
    try:
        out = fn()
        peak[0] = max(peak[0], _rss())  # the output is still alive here, whatever the sampler saw
        del out
    finally:
        stop.set()
        t.join()
    return float(peak[0] - base)


def _timed(fn: Callable[[], object], device: torch.device, on_device: bool) -> tuple[float, object]:
    """Seconds of one call (CUDA events for a call on a CUDA device) and its output."""
    if device.type == "cuda" and on_device:
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        out = fn()
        end.record()
        torch.cuda.synchronize(device)
        return start.elapsed_time(end) / 1e3, out
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def _set_tf32(on: bool) -> None:
    torch.backends.cudnn.allow_tf32 = on
    torch.backends.cuda.matmul.allow_tf32 = on


def _warm_up(w: Workload, device: torch.device, warmup: int, log: Callable[[str], None]) -> None:
    """Untimed calls first; the last output gives each contender's error against the reference."""
    for i, c in enumerate(w.contenders, 1):
        log(f"[{w.key}] warm-up + error + memory: {c.name} ({i}/{len(w.contenders)})")
        out = None
        for _ in range(max(warmup, 1)):
            _, out = _timed(c.fn, device, c.torch_device)
        if c.to_numpy is not None and out is not None:
            c.error = float(np.abs(c.to_numpy(out) - w.reference).max())
        del out


def _tf32_times(w: Workload, device: torch.device, reps: int) -> None:
    _set_tf32(True)
    try:
        for c in w.contenders:
            if c.torch_device:
                c.times_tf32 += [_timed(c.fn, device, True)[0] for _ in range(reps)]
    finally:
        _set_tf32(False)


def run_workload(
    w: Workload, device: torch.device, reps: int, warmup: int, log: Callable[[str], None], settle: float = 0.2
) -> None:
    """Warm up, then time every contender ``reps`` times, interleaved; fills ``times`` (and ``times_tf32``).

    Examples
    --------
    >>> from filterbank.bench.workloads import Contender, Workload
    >>> w = Workload("X", "x", np.zeros(1), 0.0, "a", [Contender("a", lambda: np.zeros(1), np.asarray)], [])
    >>> run_workload(w, torch.device("cpu"), reps=2, warmup=1, log=lambda s: None, settle=0.0)
    >>> len(w.contenders[0].times), w.contenders[0].error
    (2, 0.0)
    """
    cuda = device.type == "cuda"
    if cuda:
        _set_tf32(False)
    _warm_up(w, device, warmup, log)
    t_start = time.perf_counter()
    for r in range(reps):
        for c in w.contenders:  # interleaved: load from other processes spreads over every contender
            time.sleep(settle)  # let the previous library's spinning worker threads go idle
            t, _ = _timed(c.fn, device, c.torch_device)
            c.times.append(t * c.scale)
        log(f"[{w.key}] repetition {r + 1}/{reps} done ({time.perf_counter() - t_start:.1f} s)")
    if cuda:
        _tf32_times(w, device, reps)


def measure_memory(w: Workload, device: torch.device, log: Callable[[str], None], threads: int) -> None:
    """Peak memory of one call per contender, each in a fresh process (``python -m filterbank.bench``).

    The child runs this same copy of filterbank (its folder goes first on ``PYTHONPATH``).
    A failed probe is logged and leaves ``peak`` at NaN.

    Examples
    --------
    >>> w = build("W1", torch.device("cpu"))
    >>> measure_memory(w, torch.device("cpu"), print, threads=1)  # doctest: +SKIP
    [W1] peak memory: filterbank filter2d (auto)
    ...
    >>> w.contenders[1].peak > 0  # doctest: +SKIP
    True
    """
    env = dict(os.environ)
    env["PYTHONPATH"] = str(_PACKAGE_ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env["FILTERBANK_BUFFER_POOL"] = "0"  # a recycled output would not show in the resident set: count it
    for i, c in enumerate(w.contenders):
        log(f"[{w.key}] peak memory: {c.name}")
        cmd = [sys.executable, "-m", "filterbank.bench", "--memory-probe", f"{w.key}:{i}"]
        cmd += ["--device", str(device), "--threads", str(threads)]
        try:
            res = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600, check=True)
            c.peak = float(res.stdout.strip().splitlines()[-1])
        except (subprocess.SubprocessError, ValueError, IndexError) as exc:
            log(f"[{w.key}] peak memory of {c.name} failed: {exc}")


def memory_probe(spec: str, device: torch.device) -> int:
    """Child process of :func:`measure_memory`: print the peak (bytes) of one call after a warm-up call.

    ``spec`` is ``KEY:INDEX``: the workload and the contender's index in it.

    Examples
    --------
    It pins glibc's allocator for the rest of the process, so it runs in a child of its own
    (tests/bench/test_timing.py runs one through :func:`measure_memory`):

    >>> memory_probe("W1:1", torch.device("cpu"))  # doctest: +SKIP
    17342464.0
    0
    """
    _pin_malloc()
    key, idx = spec.split(":")
    w = build(key, device)
    c = w.contenders[int(idx)]
    dev = device if c.torch_device else torch.device("cpu")
    out = c.fn()  # warm-up: caches (spectra, factors) exist, as in the timed runs
    del out
    print(max(peak_memory(c.fn, dev), peak_memory(c.fn, dev)))
    return 0
