"""Planner sweep: does ``method="auto"`` ever lose to a method it could have chosen?

For every case of a grid (image size, batch, channels, kernel size, bank size, kernel
kind, dtype, threads) the sweep times ``filter2d(x, bank, method=m)`` for ``auto``
and for every method the planner may use for that case (its accuracy rules decide:
no FFT in float32 below 130 taps, only exact-order methods for integer outputs,
``separable`` only for rank-1 banks), interleaved repetition by repetition, and
reports the ratio of ``auto``'s median to the best median. A forced method whose
estimated time exceeds both :data:`SKIP_S` and :data:`SKIP_FACTOR` times ``auto``'s
estimate is not run (a direct 63x63 sum over a 4096^2 image would take minutes) and
is listed as skipped.

Usage::

    filterbank bench --planner            # the full grid (tens of minutes)
    filterbank bench --planner --fast     # a small sub-grid (seconds; what the tests run)
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch

from filterbank import filter2d, kernels

#: Largest output (elements) a case may produce: keeps the sweep within memory and minutes.
MAX_OUT = 1 << 24

#: A forced method is skipped when its estimate exceeds this many seconds ...
SKIP_S = 2.0
#: ... and this many times ``auto``'s estimate.
SKIP_FACTOR = 20.0

KINDS = ("separable", "lowrank", "general")


@dataclass(frozen=True)
class Case:
    size: int
    batch: int
    channels: int
    ksize: int
    bank: int
    kind: str
    dtype: str
    threads: int

    @property
    def label(self) -> str:
        return (
            f"{self.batch}x{self.channels}x{self.size}^2 {self.dtype}, {self.bank} {self.kind} "
            f"{self.ksize}x{self.ksize}, {self.threads} thr"
        )

    @property
    def out_elems(self) -> int:
        return self.batch * self.channels * self.bank * self.size * self.size


@dataclass
class Result:
    case: Case
    auto_method: str
    times: dict[str, float] = field(default_factory=dict)  # method -> median seconds
    skipped: list[str] = field(default_factory=list)

    @property
    def best(self) -> tuple[str, float]:
        forced = {m: t for m, t in self.times.items() if m != "auto"}
        m = min(forced, key=forced.__getitem__)
        return m, forced[m]

    @property
    def ratio(self) -> float:
        return self.times["auto"] / self.best[1]


def bank_for(kind: str, ksize: int, n: int, seed: int = 0) -> np.ndarray:
    """``n`` kernels ``ksize`` x ``ksize``: rank-1 Gaussians, a steerable (low-rank) derivative bank, or random."""
    rng = np.random.default_rng(seed)
    if kind == "separable":
        sig = np.linspace(0.3, 0.45, n) * ksize if ksize > 3 else np.linspace(0.6, 1.2, n)
        return np.stack([kernels.gaussian(ksize, float(s)) for s in sig])
    if kind == "lowrank":
        sigma = max(ksize / 6.0, 0.6)
        angles = np.linspace(0.0, np.pi, n, endpoint=False)
        return np.stack([kernels.gaussian_derivative(ksize, sigma, 1, 0, theta=float(a)) for a in angles])
    if kind == "general":
        return rng.normal(size=(n, ksize, ksize)) / ksize
    raise ValueError(f"`kind` must be one of {KINDS}; got {kind!r}")


def grid(fast: bool = False) -> list[Case]:
    """The sweep's cases: every factor of the issue's grid, combinations bounded by :data:`MAX_OUT`."""
    if fast:
        sizes, batches, chans, ksizes, banks = (32, 128), (1, 4), (1, 3), (3, 15), (1, 8)
        dtypes, threads = ("uint8", "float32"), (1,)
    else:
        sizes, batches, chans, ksizes = (32, 128, 512, 1024, 2048, 4096), (1, 8, 64), (1, 3), (3, 7, 15, 31, 63)
        banks, dtypes, threads = (1, 8, 32, 128), ("uint8", "float32"), (1, 2)
    cases = []
    for size, b, c, k, n, kind, dt, th in itertools.product(
        sizes, batches, chans, ksizes, banks, KINDS, dtypes, threads
    ):
        case = Case(size, b, c, k, n, kind, dt, th)
        if k >= size or case.out_elems > MAX_OUT:
            continue
        if kind == "lowrank" and (n == 1 or k == 3):
            continue  # one kernel, or a 3x3 bank, has no shared basis to speak of
        cases.append(case)
    return cases


def _inputs(case: Case) -> torch.Tensor:
    g = torch.Generator().manual_seed(case.size * 31 + case.batch)
    x = torch.rand(case.batch, case.channels, case.size, case.size, generator=g)
    return (x * 255).round().to(torch.uint8) if case.dtype == "uint8" else x


def _median_times(fns: dict[str, Callable[[], object]], reps: int, budget_s: float) -> dict[str, float]:
    """Interleaved medians (one warm-up each); fewer repetitions when a round exceeds ``budget_s``."""
    for fn in fns.values():
        fn()
    times: dict[str, list[float]] = {m: [] for m in fns}
    t_start = time.perf_counter()
    for r in range(reps):
        for m, fn in fns.items():
            t0 = time.perf_counter()
            fn()
            times[m].append(time.perf_counter() - t0)
        if r >= 2 and time.perf_counter() - t_start > budget_s:
            break
    return {m: statistics.median(ts) for m, ts in times.items()}


def run_case(
    case: Case,
    allowed: Callable[[Case, torch.Tensor, np.ndarray], tuple[str, list[str], dict[str, float]]],
    reps: int = 5,
    budget_s: float = 3.0,
) -> Result:
    """Time ``auto`` and every allowed forced method on one case.

    ``allowed(case, x, bank)`` returns ``auto``'s choice, the methods it may choose from
    and their estimated seconds (the planner's own view of the case).
    """
    x = _inputs(case)
    bank = bank_for(case.kind, case.ksize, case.bank)
    prev = torch.get_num_threads()
    torch.set_num_threads(case.threads)
    try:
        import cv2

        cv_prev = cv2.getNumThreads()
        cv2.setNumThreads(case.threads)
        choice, methods, est = allowed(case, x, bank)
        auto_est = est.get(choice, 0.0)
        run, skipped = [], []
        for m in methods:
            e = est.get(m, 0.0)
            (skipped if e > SKIP_S and e > SKIP_FACTOR * auto_est else run).append(m)
        if choice not in run:
            run.append(choice)
        fns: dict[str, Callable[[], object]] = {"auto": lambda: filter2d(x, bank, method="auto")}
        for m in run:
            fns[m] = lambda m=m: filter2d(x, bank, method=m)
        times = _median_times(fns, reps, budget_s)
        return Result(case, choice, times, skipped)
    finally:
        torch.set_num_threads(prev)
        cv2.setNumThreads(cv_prev)


def report(results: Sequence[Result], limit: float = 1.2) -> str:
    lines = [f"{'case':58s} {'auto':>10s} {'auto ms':>9s} {'best':>10s} {'best ms':>9s} {'ratio':>6s}"]
    for r in sorted(results, key=lambda r: -r.ratio):
        bm, bt = r.best
        flag = "  <-- over" if r.ratio > limit else ""
        lines.append(
            f"{r.case.label:58s} {r.auto_method:>10s} {r.times['auto'] * 1e3:9.2f} {bm:>10s} {bt * 1e3:9.2f} "
            f"{r.ratio:6.2f}{flag}"
        )
    worst = max(results, key=lambda r: r.ratio)
    over = sum(r.ratio > limit for r in results)
    lines.append(
        f"\n{len(results)} cases; worst auto/best = {worst.ratio:.2f} ({worst.case.label}); {over} over {limit}x"
    )
    return "\n".join(lines)


def main(
    argv: list[str] | None,
    allowed: Callable[[Case, torch.Tensor, np.ndarray], tuple[str, list[str], dict[str, float]]],
) -> int:
    ap = argparse.ArgumentParser(prog="filterbank bench --planner", description=__doc__.split("\n\n")[0])
    ap.add_argument("--fast", action="store_true", help="a small sub-grid (seconds)")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--json", metavar="PATH", default=None)
    ap.add_argument("--limit", type=float, default=1.2, help="ratio reported as over (default 1.2)")
    args = ap.parse_args(argv)
    cases = grid(args.fast)
    results = []
    for i, case in enumerate(cases, 1):
        print(f"[{i}/{len(cases)}] {case.label}", file=sys.stderr, flush=True)
        results.append(run_case(case, allowed, args.reps))
    print(report(results, args.limit))
    if args.json:
        out = [
            {**asdict(r.case), "auto": r.auto_method, "times_s": r.times, "skipped": r.skipped, "ratio": r.ratio}
            for r in results
        ]
        Path(args.json).write_text(json.dumps(out, indent=1) + "\n")
    return 0 if max(r.ratio for r in results) <= args.limit else 1
