"""Planner sweep: does ``method="auto"`` ever lose to a method it could have chosen?

For every case of a grid (image size, batch, channels, kernel size, bank size, kernel
kind, dtype, threads) the sweep times ``filter2d(x, bank, method=m)`` for ``auto``
and for every method the planner may use for that case (its accuracy rules decide:
no FFT in float32 below 130 taps, only exact-order methods for integer outputs,
``separable`` only for rank-1 banks), interleaved repetition by repetition, and
reports the ratio of ``auto``'s median to the best median, for ``auto`` under the cost
model (the default planner) and under the measuring planner
(:func:`filterbank.set_planner` ``("measure")``, whose first call per case measures and
is the untimed warm-up); the exit status is the cost model's. A forced method whose
estimated time exceeds both :data:`SKIP_S` and :data:`SKIP_FACTOR` times ``auto``'s
estimate is not run (a direct 63x63 sum over a 4096^2 image would take minutes) and
is listed as skipped.

Usage::

    filterbank bench --planner                  # the full grid (tens of minutes)
    filterbank bench --planner --fast           # a small sub-grid (what the tests run)
    filterbank bench --planner --json sweep.json
"""

from __future__ import annotations

import functools
import itertools
import json
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import torch

from .. import kernels, plan
from .._errors import UnknownNameError
from .._io import write_bytes_atomic
from .._types import OPENCV_DFT_TAPS
from ..functional import _decide, filter2d
from ..plan import measure
from ..plan import opencv as plan_cv

#: Largest output (elements) a case may produce: keeps the sweep within memory and minutes.
MAX_OUT = 1 << 24

#: A forced method is skipped when its estimate exceeds this many seconds ...
SKIP_S = 0.5
#: ... and this many times ``auto``'s estimate.
SKIP_FACTOR = 20.0

KINDS = ("separable", "lowrank", "general")

#: ``auto`` may take at most this many times the best method's median on any case.
LIMIT = 1.2

#: The timing names of ``auto`` under the cost model (the default planner) and under the measuring planner.
AUTO, MEASURED = "auto", "auto:measure"

__all__ = [
    "FAST_GRID",
    "KINDS",
    "LIMIT",
    "Case",
    "Result",
    "bank_for",
    "grid",
    "make_input",
    "planner_view",
    "report",
    "run",
    "run_case",
]


@dataclass(frozen=True)
class Case:
    """One point of the grid: ``batch x channels x size^2`` images of ``dtype``, ``bank`` kernels
    ``ksize x ksize`` of ``kind``, at ``threads`` torch and OpenCV threads."""

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
    """The medians of ``auto`` and of every method run on one case; ``ratio`` is auto / the best method."""

    case: Case
    auto_method: str
    times: dict[str, float] = field(default_factory=dict)  # method -> median seconds
    skipped: list[str] = field(default_factory=list)
    measured_method: str = ""  # what the measuring planner kept ("" where it was not timed)

    @property
    def best(self) -> tuple[str, float]:
        forced = {m: t for m, t in self.times.items() if m not in (AUTO, MEASURED)}
        m = min(forced, key=forced.__getitem__)
        return m, forced[m]

    @property
    def ratio(self) -> float:
        return self.times[AUTO] / self.best[1]

    @property
    def ratio_measured(self) -> float:
        """``auto`` under the measuring planner (:func:`filterbank.plan.measure.set_planner`) / the best
        method; NaN where it was not timed."""
        return self.times[MEASURED] / self.best[1] if MEASURED in self.times else float("nan")


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
    raise UnknownNameError("kind", kind, KINDS)


#: The ``--fast`` sub-grid: one case per corner that matters (small and large images, 3x3 and DFT-size
#: kernels, one kernel and a bank, separable / low-rank / general, uint8 / float32).
FAST_GRID: tuple[Case, ...] = (
    Case(32, 1, 1, 3, 1, "general", "float32", 1),
    Case(32, 4, 3, 3, 8, "separable", "uint8", 1),
    Case(128, 1, 1, 15, 1, "general", "float32", 1),
    Case(128, 4, 1, 15, 8, "lowrank", "float32", 1),
    Case(256, 1, 3, 5, 1, "separable", "uint8", 1),
    Case(256, 2, 1, 31, 8, "general", "float32", 1),
    Case(512, 1, 1, 3, 1, "separable", "uint8", 1),
    Case(128, 8, 1, 7, 4, "separable", "float32", 1),
)


def grid(fast: bool = False, sample: int = 0, seed: int = 0) -> list[Case]:
    """The sweep's cases: every factor of the issue's grid, combinations bounded by :data:`MAX_OUT`.

    ``sample`` > 0 draws that many cases (seeded, without replacement) from the full grid
    (2572 cases), always keeping every case of the largest image size: the whole grid
    takes hours on two cores.

    Examples
    --------
    >>> len(grid(fast=True)), min(c.size for c in grid()), max(c.size for c in grid())
    (8, 32, 4096)
    >>> len(grid(sample=100)), grid(sample=100) == grid(sample=100)
    (100, True)
    """
    if fast:
        return list(FAST_GRID)
    cases = _full_grid()
    if 0 < sample < len(cases):
        rng = np.random.default_rng(seed)
        keep = sorted(rng.choice(len(cases), size=sample, replace=False).tolist())
        cases = [cases[i] for i in keep]
    return cases


def _full_grid() -> list[Case]:
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


def make_input(case: Case) -> torch.Tensor:
    """The case's images: uniform in [0, 1) (float32) or [0, 255] (uint8), seeded by the case.

    Examples
    --------
    >>> make_input(Case(8, 2, 3, 3, 1, "general", "uint8", 1)).shape
    torch.Size([2, 3, 8, 8])
    """
    g = torch.Generator().manual_seed(case.size * 31 + case.batch)
    x = torch.rand(case.batch, case.channels, case.size, case.size, generator=g)
    return (x * 255).round().to(torch.uint8) if case.dtype == "uint8" else x


def _median_times(fns: dict[str, Callable[[], object]], reps: int, budget_s: float) -> dict[str, float]:
    """Interleaved medians (one warm-up each); fewer repetitions when a round exceeds ``budget_s``.

    Each round runs the contenders in a new (seeded) random order, so that none always follows
    the same other: a contender right after one that used other threads (OpenCV's pool after
    OpenMP, or back) pays for waking them, 0.13 ms of a 0.66 ms call measured. (Rotating the
    order is not enough: it keeps who follows whom.)
    """
    for fn in fns.values():
        fn()
    names = list(fns)
    rng = np.random.default_rng(len(names))
    times: dict[str, list[float]] = {m: [] for m in fns}
    t_start = time.perf_counter()
    for r in range(reps):
        for m in names if r == 0 else [names[i] for i in rng.permutation(len(names))]:
            t0 = time.perf_counter()
            fns[m]()
            times[m].append(time.perf_counter() - t0)
        if r >= 2 and time.perf_counter() - t_start > budget_s:
            break
    return {m: statistics.median(ts) for m, ts in times.items()}


def planner_view(case: Case, x: torch.Tensor, bank: np.ndarray) -> tuple[str, list[str], dict[str, float]]:
    """What ``auto`` chooses for a case, the methods it weighed that a user can force (the accuracy rules'
    candidates with a factorisation where one is needed, and the OpenCV engine), and every estimate.

    Examples
    --------
    >>> case = Case(64, 1, 1, 3, 2, "general", "float32", 1)
    >>> method, methods, est = planner_view(case, torch.rand(1, 1, 64, 64), bank_for("general", 3, 2))
    >>> method in methods and "opencv" in methods and "fft" not in methods
    True
    """
    kt = torch.from_numpy(bank).to(torch.float32)[None]
    k = case.ksize
    shape = (case.batch * case.channels, 1, case.size + k - 1, case.size + k - 1)
    exact = not x.dtype.is_floating_point and k * k < OPENCV_DFT_TAPS
    method, _, p = plan.choose(shape, kt, exact=exact, opencv=(x.dtype, x.dtype))
    # only what a user can force: an auto-only candidate (opencv-separable) is timed as auto when chosen
    return method, [m for m in p.estimates if m in plan.METHODS], dict(p.estimates)


def run_case(case: Case, reps: int = 5, budget_s: float = 3.0) -> Result:
    """Time ``auto`` and every method the planner weighed for one case (at the case's thread count).

    Examples
    --------
    >>> r = run_case(Case(32, 1, 1, 3, 1, "general", "float32", 1), reps=1)
    >>> set(r.times) >= {"auto", r.auto_method}
    True
    """
    x = make_input(case)
    bank = bank_for(case.kind, case.ksize, case.bank)
    before = torch.get_num_threads(), cv2.getNumThreads()
    torch.set_num_threads(case.threads)
    cv2.setNumThreads(case.threads)
    try:
        choice, methods, est = planner_view(case, x, bank)
        auto_est = est.get(choice, 0.0)
        run: list[str] = []
        skipped: list[str] = []
        for m in methods:
            e = est.get(m, 0.0)
            (skipped if e > SKIP_S and e > SKIP_FACTOR * auto_est else run).append(m)
        fns: dict[str, Callable[[], object]] = {
            AUTO: functools.partial(_auto, x, bank, "estimate"),
            MEASURED: functools.partial(_auto, x, bank, "measure"),  # its first (warm-up) call measures
        }
        for m in run:
            fns[m] = functools.partial(filter2d, x, bank, method=m)
        times = _median_times(fns, reps, budget_s)
        return Result(case, choice, times, skipped, _measured_method(x, bank))
    finally:
        torch.set_num_threads(before[0])
        cv2.setNumThreads(before[1])


def _auto(x: torch.Tensor, bank: np.ndarray, name: str) -> object:
    """``filter2d(x, bank)`` with ``method="auto"`` under the planner ``name`` (the one in force is restored)."""
    previous = measure.set_planner(name)
    try:
        return filter2d(x, bank, method="auto")
    finally:
        measure.set_planner(previous)


def _measured_method(x: torch.Tensor, bank: np.ndarray) -> str:
    """The engine the measuring planner keeps for ``filter2d(x, bank)`` (its cached decision)."""
    previous = measure.set_planner("measure")
    try:
        p = plan_cv.fast_plan(x, bank, "reflect101", None, 0.0, None, "auto", _decide)
    finally:
        measure.set_planner(previous)
    if isinstance(p, plan_cv.CvPlan):
        return plan.OPENCV_SEPARABLE if p.separable else "opencv"
    return str(p)


def _summary(name: str, rows: list[tuple[float, str, Result]], limit: float) -> str:
    """One planner's line: its worst ratio, the cases over ``limit``, and how many of those ran another
    method than the best (``rows``: ratio, the method the planner ran, the case's result)."""
    worst = max(rows, key=lambda row: row[0])
    over = [row for row in rows if row[0] > limit]
    chosen = [ratio for ratio, method, r in over if method != r.best[0]]
    return (
        f"{name}: worst = {worst[0]:.2f} ({worst[2].case.label}); {len(over)} over {limit}x, "
        f"{len(chosen)} of them with another method than the best" + (f" (worst {max(chosen):.2f})" if chosen else "")
    )


def report(results: Sequence[Result], limit: float = 1.2) -> str:
    """The sweep's table, worst ``auto`` ratio first, and a summary of both planners.

    ``ratio`` is ``auto`` (the cost model) over the best method; ``measured`` is the method
    the measuring planner kept and its ratio over the same best. A case over ``limit`` whose
    ``auto`` ran the best method itself is timing noise, not a choice: the summary counts
    those apart.
    """
    head = (
        f"{'case':58s} {'auto':>10s} {'auto ms':>9s} {'best':>10s} {'best ms':>9s} {'ratio':>6s} "
        f"{'measured':>10s} {'ratio':>6s}"
    )
    lines = [head]
    for r in sorted(results, key=lambda r: -r.ratio):
        bm, bt = r.best
        flag = "  <-- over" if r.ratio > limit else ""
        lines.append(
            f"{r.case.label:58s} {r.auto_method:>10s} {r.times[AUTO] * 1e3:9.2f} {bm:>10s} {bt * 1e3:9.2f} "
            f"{r.ratio:6.2f} {r.measured_method or '-':>10s} {r.ratio_measured:6.2f}{flag}"
        )
    lines.append("\n" + _summary(f"{len(results)} cases; auto", [(r.ratio, r.auto_method, r) for r in results], limit))
    timed = [(r.ratio_measured, r.measured_method, r) for r in results if MEASURED in r.times]
    if timed:
        lines.append(_summary("measuring planner", timed, limit))
    return "\n".join(lines)


def run(
    fast: bool = False,
    reps: int = 5,
    json_path: str | None = None,
    log: Callable[[str], None] = print,
    sample: int = 0,
    seed: int = 0,
) -> int:
    """The sweep: print the table, write the JSON; 0 when ``auto`` is within :data:`LIMIT` of the best everywhere.

    Examples
    --------
    >>> run(fast=True, reps=1, log=lambda s: None)  # doctest: +SKIP
    ...
    """
    cases = grid(fast, sample, seed)
    results = []
    for i, case in enumerate(cases, 1):
        log(f"[planner {i}/{len(cases)}] {case.label}")
        results.append(run_case(case, reps))
    print(report(results, LIMIT))
    if json_path:
        out: list[dict[str, Any]] = [
            {
                **asdict(r.case),
                "auto": r.auto_method,
                "times_s": r.times,
                "skipped": r.skipped,
                "ratio": r.ratio,
                "ratio_measured": r.ratio_measured,
                "measured": r.measured_method,
            }
            for r in results
        ]
        p = write_bytes_atomic(Path(json_path), (json.dumps(out, indent=1) + "\n").encode("utf-8"))
        print(f"\nwrote {p}")
    return 0 if max(r.ratio for r in results) <= LIMIT else 1
