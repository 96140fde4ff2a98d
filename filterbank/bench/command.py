"""``filterbank bench``: options, the header line, and the run over the chosen workloads."""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import cv2
import torch

from . import planner
from .report import table, write_json
from .timing import cpu_name, measure_memory, memory_probe, run_workload, tune_malloc
from .workloads import WORKLOADS, build, optional_kornia

__all__ = ["build_parser", "main"]

DESCRIPTION = "Benchmark harness: filterbank's planner against OpenCV, kornia, SciPy and plain torch convs."


def build_parser() -> argparse.ArgumentParser:
    """The options of ``filterbank bench``.

    Examples
    --------
    >>> args = build_parser().parse_args(["-w", "W1", "--reps", "2"])
    >>> args.workload, args.reps, args.device
    (['W1'], 2, 'cpu')
    """
    ap = argparse.ArgumentParser(
        prog="filterbank bench",
        description=DESCRIPTION,
        epilog="example: filterbank bench -w W2 -w W3 --reps 7 --json bench.json",
    )
    ap.add_argument(
        "-w", "--workload", action="append", choices=WORKLOADS, help="workload to run; repeat (default: all)"
    )
    ap.add_argument("--reps", type=int, default=5, help="timed repetitions per contender (default 5)")
    ap.add_argument("--warmup", type=int, default=1, help="untimed calls per contender first (default 1)")
    ap.add_argument("--device", default="cpu", help="cpu (default) or cuda[:N]")
    ap.add_argument("--threads", type=int, default=None, help="torch and OpenCV threads (default: all cores)")
    ap.add_argument("--json", metavar="PATH", default=None, help="write the results as JSON")
    ap.add_argument(
        "--settle",
        type=float,
        default=0.2,
        help="seconds of idle before each timed call, so OpenCV's and torch's spinning thread pools do not "
        "steal cores from the next contender (default 0.2)",
    )
    ap.add_argument(
        "--malloc",
        choices=["tuned", "default"],
        default="default",
        help="default (default): glibc's own settings, what a user's process gets; tuned: glibc keeps freed "
        "blocks (no page faults on every large allocation, as with jemalloc/tcmalloc), reported as such",
    )
    ap.add_argument(
        "--load",
        type=int,
        default=0,
        metavar="N",
        help="run N busy processes (one spinning Python loop each) beside the measurement: a shared CPU",
    )
    ap.add_argument(
        "--planner",
        action="store_true",
        help="the planner sweep instead of the workloads: auto against every method it may choose, on a grid",
    )
    ap.add_argument("--fast", action="store_true", help="with --planner: a small sub-grid (seconds)")
    ap.add_argument(
        "--sample", type=int, default=0, metavar="N", help="with --planner: N cases drawn from the full grid (seeded)"
    )
    ap.add_argument(
        "--seed",
        type=int,
        default=0,
        metavar="S",
        help="with --planner --sample: the draw's seed (another seed: cases to check a recalibration on)",
    )
    ap.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    ap.add_argument("--no-memory", action="store_true", help="skip the peak-memory column (saves a minute)")
    ap.add_argument("--memory-probe", metavar="KEY:INDEX", default=None, help=argparse.SUPPRESS)
    return ap


def _header(args: argparse.Namespace, device: torch.device, threads: int, tuned: bool) -> str:
    kn = optional_kornia()
    gpu = f" ({torch.cuda.get_device_name(device)})" if device.type == "cuda" else ""
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (
        f"machine: {cpu_name()}, {os.cpu_count()} cores, {platform.system()}; threads {threads}; device {device}{gpu}"
        f"\ntorch {torch.__version__}, OpenCV {cv2.__version__}, kornia {kn.__version__ if kn else 'absent'}, "
        f"{args.reps} reps (median), {args.warmup} warm-up, malloc {'tuned' if tuned else 'default'}, "
        f"{args.load} busy processes beside (--load), 1-min load average {load:.2f} at the start"
    )


@contextlib.contextmanager
def busy_processes(n: int) -> Iterator[list[subprocess.Popen]]:
    """Run ``n`` processes that spin a CPU each for the duration of the block (``--load N``).

    Examples
    --------
    >>> with busy_processes(1) as procs:
    ...     procs[0].poll() is None
    True
    >>> procs[0].poll() is not None
    True
    """
    procs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(max(0, n))]
    try:
        yield procs
    finally:
        for p in procs:
            p.kill()
        for p in procs:
            p.wait()


def _run(args: argparse.Namespace, device: torch.device, threads: int, log: Callable[[str], None]) -> dict[str, Any]:
    """Time the chosen workloads (then their memory), print the tables; return the JSON results."""
    tuned = args.malloc == "tuned" and tune_malloc()
    header = _header(args, device, threads, tuned)
    print(header)
    done = []
    for key in args.workload or WORKLOADS:
        log(f"[{key}] building inputs and the OpenCV reference")
        w = build(key, device)
        run_workload(w, device, args.reps, args.warmup, log, args.settle)
        done.append(w)
    # Memory last, each contender in a fresh process: pinning glibc's mmap threshold (so the RSS
    # follows live memory) makes every large allocation a fresh mmap, which would slow timed calls.
    if not args.no_memory:
        for w in done:
            measure_memory(w, device, log, threads)
    results: dict[str, Any] = {"header": header, "workloads": []}
    for w in done:
        text, rows = table(w, device.type == "cuda")
        print()
        print(text, flush=True)
        results["workloads"].append({"key": w.key, "title": w.title, "tolerance": w.tol, "info": w.info, "rows": rows})
    return results


def _log(quiet: bool) -> Callable[[str], None]:
    if quiet:
        return lambda s: None
    return lambda s: print(s, file=sys.stderr, flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark harness; return the exit status (2 when CUDA is asked for and absent).

    Parameters
    ----------
    argv : sequence of str, optional
        Options without the program name (see ``filterbank bench --help``); default ``sys.argv[1:]``.

    Notes
    -----
    The torch and OpenCV thread counts are restored on return; ``--malloc tuned`` changes glibc's
    allocator settings for the rest of the process (the default, ``--malloc default``, leaves them).
    ``--planner`` runs the planner sweep (:mod:`filterbank.bench.planner`) and returns 1 when
    ``auto`` was more than 1.2x the best method somewhere on the grid.

    Examples
    --------
    >>> main(["-w", "W1", "--reps", "1", "--settle", "0", "--no-memory", "--quiet", "--threads", "1"])
    ... # doctest: +ELLIPSIS
    machine: ...
    W1 Sobel+Scharr x/y (4 x 3x3) on 16 x gray 224^2
    ...
    0
    """
    args = build_parser().parse_args(None if argv is None else list(argv))
    device = torch.device(args.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        print("filterbank bench: error: CUDA asked for but not available", file=sys.stderr)
        return 2
    threads = args.threads or os.cpu_count() or 1
    before = torch.get_num_threads(), cv2.getNumThreads()
    torch.set_num_threads(threads)
    cv2.setNumThreads(threads)
    try:
        if args.memory_probe:
            return memory_probe(args.memory_probe, device)
        with busy_processes(args.load):
            if args.planner:
                log = _log(args.quiet)
                return planner.run(
                    fast=args.fast, reps=args.reps, json_path=args.json, log=log, sample=args.sample, seed=args.seed
                )
            results = _run(args, device, threads, _log(args.quiet))
    finally:  # the caller's thread counts come back (filterbank bench may run inside a larger program)
        torch.set_num_threads(before[0])
        cv2.setNumThreads(before[1])
    if args.json:
        print(f"\nwrote {write_json(results, args.json)}")
    return 0
