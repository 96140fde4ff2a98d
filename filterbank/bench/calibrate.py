"""Measure the constants of the planner's cost model (filterbank.plan.COSTS) on this machine.

Each constant is the median, over several shapes, of the best-of-``reps`` seconds per
unit of work of one primitive, with the other terms of the model subtracted:

- ``call``: the fixed cost of one small torch op;
- ``mem_elem``: seconds per float32 element copied into existing memory (crops, concatenations);
- ``direct_mac``: seconds per multiply-add of the ``direct`` engine (``F.conv2d`` with one input channel,
  in chunked calls where the output is large: :func:`filterbank.plan.direct._chunks`),
  per kernel size (3x3, 7x7, 15x15, 31x31, 49x49): its efficiency varies with size;
- ``gemm_flop``: seconds per flop of the banded-Toeplitz 1-D passes (``separable``);
- ``axpy_elem``: seconds per element of a shifted multiply-add (1-D factors up to 8 taps);
- ``fft_elem_log``: seconds per ``n log2 n`` element of ``rfft2`` / ``irfft2``;
- ``cmul_elem``: seconds per complex multiply of spectra;
- ``cv_call``: the fixed cost of one ``cv2.filter2D`` call through the engine (per plane of a batch);
- ``cv_tap`` / ``cv_tap_int``: seconds per output pixel and tap of ``cv2.filter2D``'s direct sum on
  one thread, per kernel size (3x3, 5x5, 7x7, 11x11), on a float32 / a uint8 image;
- ``cv_dft_px``: seconds per ``n log2 n`` padded-image pixels of ``cv2.filter2D``'s DFT path (15x15, 31x31);
- ``cv_sep_tap``: seconds per output pixel and ``kh + kw`` taps of ``cv2.sepFilter2D`` on float32 (symmetric
  factors of 15, 31, 49 taps);
- ``method_scale``: per method, the median of measured / estimated seconds of whole ``filter2d`` calls on
  :data:`SCALE_CASES` (what the primitive constants miss).

Usage::

    python -m filterbank.bench.calibrate            # print the table
    python -m filterbank.bench.calibrate --write    # also rewrite filterbank/plan/costs.json

``--write`` replaces the package's data file ``filterbank/plan/costs.json`` atomically
(:func:`filterbank.plan.costs.write_costs`); no source file is rewritten.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import time
from pathlib import Path
from typing import cast

import cv2
import numpy as np
import torch

from filterbank import _alloc, plan
from filterbank.bench import planner
from filterbank.bench.timing import cpu_name
from filterbank.functional import filter2d
from filterbank.plan import opencv
from filterbank.plan.chooser import LARGE_PLANE
from filterbank.plan.costs import TABLE_KEYS, write_costs
from filterbank.plan.direct import _direct
from filterbank.plan.factors import _factors
from filterbank.plan.separable import _factored


def _time(fn, reps: int = 5) -> float:
    fn()
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return min(ts)  # best of: the least disturbed by other work on a shared machine


def calibrate(reps: int = 7) -> dict[str, object]:
    torch.manual_seed(0)
    _alloc.prime_malloc()  # the engines run primed (their first CPU call primes): time them so
    costs: dict[str, object] = dict(plan.COSTS)
    small = torch.rand(64)
    call = _time(lambda: small + 1.0, 50)
    big, dst = torch.rand(8, 1024, 1024), torch.empty(8, 1024, 1024)
    mem = _time(lambda: dst.copy_(big), reps) / big.numel()
    costs["call"], costs["mem_elem"] = call, mem
    ax = []
    for m, s in [(16, 224), (4, 512), (64, 64)]:
        src, acc = torch.rand(m, s + 2, s + 2), torch.zeros(m, s + 2, s)
        t = _time(lambda src=src, acc=acc, s=s: acc.add_(src[:, :, 1 : 1 + s], alpha=0.5), reps * 3)
        ax.append(max(t - call, 0.5 * t) / acc.numel())
    costs["axpy_elem"] = statistics.median(ax)

    direct: dict[int, float] = {}
    direct1: dict[int, float] = {}
    # 32-48 kernels: past the few-kernel range where the time per multiply-add still falls (the model's
    # direct_mac1 / n term covers that), on outputs of 13-51 MB (the engine's chunked calls where large)
    for k, m, n, s in [(3, 8, 32, 224), (7, 4, 32, 224), (15, 2, 32, 256), (31, 2, 32, 256), (49, 2, 48, 256)]:
        x = torch.rand(m, 1, s + k - 1, s + k - 1)
        w = torch.randn(n, 1, k, k)
        # the engine (chunked calls into a recycled output where the output is large), not a bare F.conv2d
        bank, one = w.reshape(1, n, k, k), w[:1].reshape(1, 1, k, k)
        t = _time(lambda x=x, b=bank: _direct(x, b), reps)
        outs = m * n * s * s
        direct[k * k] = max(t - call, 0.5 * t) / (outs * k * k)
        t1 = _time(lambda x=x, b=one: _direct(x, b), reps)  # one output channel: a single kernel
        direct1[k * k] = max(t1 - call, 0.5 * t1) / (m * s * s * k * k)
    costs["direct_mac"], costs["direct_mac1"] = direct, direct1

    def solve(key: str, method: str, cases) -> float:
        vals = []
        for shape, ksize, P, fn in cases:
            t = _time(fn, reps)
            plan.COSTS[key] = 0.0
            a = plan.estimate(method, shape, ksize, P)
            plan.COSTS[key] = 1.0
            b = plan.estimate(method, shape, ksize, P) - a
            vals.append(max(t - a, 0.1 * t) / b)
        return statistics.median(vals)

    plan.COSTS.update(costs)
    sep_cases = []
    for m, s, k, n in [(24, 512, 49, 1), (16, 224, 11, 4), (8, 256, 15, 2), (4, 256, 31, 1)]:
        x = torch.rand(m, 1, s + k - 1, s + k - 1)
        g = torch.exp(-(torch.linspace(-2, 2, k) ** 2))
        bank = (g[:, None] * g[None, :]).expand(n, k, k).contiguous()
        f = _factors(bank[None], "separable", 1e-6)
        assert f is not None  # a Gaussian outer product is rank 1
        sep_cases.append(
            (
                (m, 1, s + k - 1, s + k - 1),
                (n, k, k),
                f.V.shape[0],
                lambda x=x, b=bank[None], f=f: _factored(x, b, f),
            )
        )
    costs["gemm_flop"] = solve("gemm_flop", "separable", sep_cases)
    plan.COSTS.update(costs)

    fl, cm = [], []
    for cnt, fs in [(32, 288), (48, 320), (24, 576), (64, 128)]:
        x = torch.rand(cnt, fs, fs)
        spec = torch.fft.rfft2(x)
        t = _time(lambda x=x, fs=fs: torch.fft.irfft2(torch.fft.rfft2(x), s=(fs, fs)), reps)
        area = fs * fs
        fl.append(t / (2 * cnt * area * math.log2(area)))
        t2 = _time(lambda spec=spec: spec * spec, reps)
        cm.append(t2 / spec.numel())
    costs["fft_elem_log"] = statistics.median(fl)
    costs["cmul_elem"] = statistics.median(cm)
    costs.update(calibrate_opencv(reps))
    plan.COSTS.update(costs)
    costs["method_call"] = plan.COSTS["method_call"] = calibrate_fixed()
    costs["method_scale"] = calibrate_scales(max(3, reps // 2))
    costs["machine"] = (
        f"{cpu_name()}, {torch.get_num_threads()} threads, torch {torch.__version__}, float32 "
        f"(filterbank.bench.calibrate, {time.strftime('%Y-%m-%d')})"
    )
    plan.COSTS.update(costs)
    return costs


def calibrate_opencv(reps: int = 7) -> dict[str, object]:
    """The OpenCV engine's constants, measured on one OpenCV thread (the engine spreads calls itself)."""
    rng = np.random.default_rng(0)
    prev = cv2.getNumThreads()
    cv2.setNumThreads(1)
    try:
        # one call through the engine (plan, job list, cv2), per plane of a batch of tiny planes
        tiny = torch.zeros(256, 1, 4, 4)
        p = opencv.make_plan(np.ones((1, 1)), torch.float32)
        call = _time(lambda: opencv.run_tensor(p, tiny, threads=1), 20) / 256
        imgs: list[np.ndarray] = [
            rng.random((512, 512)).astype(np.float32),
            (rng.random((512, 512)) * 255).astype(np.uint8),
        ]
        taps: dict[int, float] = {}
        taps_int: dict[int, float] = {}
        for k in (3, 5, 7, 11):
            ker = rng.normal(size=(k, k))
            for im, table in zip(imgs, (taps, taps_int), strict=True):
                t = _time(lambda im=im, ker=ker: cv2.filter2D(im, -1, ker), reps)
                table[k * k] = max(t - call, 0.0) / (im.size * k * k)
        dft = []
        for k in (15, 31):
            ker = rng.normal(size=(k, k))
            padded = (imgs[0].shape[0] + k - 1) * (imgs[0].shape[1] + k - 1)  # the DFT transforms the padded image
            padded *= math.log2(padded)
            dft += [
                max(_time(lambda im=im, ker=ker: cv2.filter2D(im, -1, ker), reps) - call, 0.0) / padded for im in imgs
            ]
        sep = []
        for k in (15, 31, 49):  # symmetric factors (Gaussians, their even derivatives): OpenCV's symmetric passes
            f = rng.normal(size=k)
            f = ((f + f[::-1]) / 2).astype(np.float32)
            t = max(_time(lambda f=f: cv2.sepFilter2D(imgs[0], -1, f, f), reps) - call, 0.0)
            sep.append(t / (imgs[0].size * 2 * k))
    finally:
        cv2.setNumThreads(prev)
    return {
        "cv_call": call,
        "cv_tap": taps,
        "cv_tap_int": taps_int,
        "cv_dft_px": statistics.median(dft),
        "cv_sep_tap": statistics.median(sep),
    }


#: End-to-end calls on which each method's estimate is compared with its measured time (one thread).
SCALE_CASES = (
    *planner.FAST_GRID,
    planner.Case(1024, 8, 1, 7, 1, "separable", "float32", 1),
    planner.Case(512, 1, 3, 15, 8, "separable", "float32", 1),
    planner.Case(256, 4, 1, 31, 32, "general", "float32", 1),
    planner.Case(128, 64, 1, 3, 4, "general", "uint8", 1),
    planner.Case(32, 64, 3, 31, 8, "lowrank", "uint8", 1),
    planner.Case(1024, 1, 1, 15, 1, "general", "float32", 1),
    planner.Case(1024, 2, 1, 31, 4, "lowrank", "float32", 1),
    planner.Case(2048, 1, 1, 5, 1, "separable", "uint8", 1),
    planner.Case(1024, 1, 3, 3, 3, "general", "float32", 1),
)


def calibrate_fixed(reps: int = 9) -> dict[str, float]:
    """Per method, measured minus estimated seconds of a whole ``filter2d`` call on a tiny image (>= 0)."""
    plan.COSTS["method_scale"], plan.COSTS["method_call"] = {}, {}
    out: dict[str, float] = {}
    for kind in ("separable", "general"):
        case = planner.Case(16, 1, 1, 13, 1, kind, "float32", 1)
        x = planner.make_input(case)
        bank = planner.bank_for(case.kind, case.ksize, case.bank)
        _, methods, est = planner.planner_view(case, x, bank)
        for m in methods:
            t = _time(lambda m=m, x=x, bank=bank: filter2d(x, bank, method=m), reps)
            out[m] = min(out.get(m, float("inf")), max(t - est[m], 0.0))
    return dict(sorted(out.items()))


def calibrate_scales(reps: int = 3) -> dict[str, float]:
    """Per method, the median of measured / estimated seconds through ``filter2d`` on :data:`SCALE_CASES`
    (the fixed cost of ``method_call`` taken out of both)."""
    fixed = cast("dict[str, float]", plan.COSTS["method_call"])
    plan.COSTS["method_scale"], plan.COSTS["method_call"] = {}, {}
    ratios: dict[str, list[float]] = {}
    for case in SCALE_CASES:
        x = planner.make_input(case)
        bank = planner.bank_for(case.kind, case.ksize, case.bank)
        _, methods, est = planner.planner_view(case, x, bank)
        for m in methods:
            if est[m] > 1.0:  # the slow methods of a case are not what the scale is for
                continue
            t = _time(lambda m=m, x=x, bank=bank: filter2d(x, bank, method=m), reps)
            t = max(t - fixed.get(m, 0.0), 0.1 * t)
            large = case.size**2 >= LARGE_PLANE  # output pixels per image (the padding keeps the size)
            ratios.setdefault(f"{m}@large" if large else m, []).append(t / est[m])
    plan.COSTS["method_call"] = fixed
    return {m: statistics.median(v) for m, v in sorted(ratios.items())}


def rescale_from_sweep(rows: list[dict[str, object]], costs: dict[str, object]) -> dict[str, float]:
    """``method_scale`` corrected by a planner sweep's measurements (``filterbank bench --planner --json``).

    For every case of the sweep the planner's current estimate of each method it timed is
    recomputed (:func:`filterbank.bench.planner.planner_view`); each scale (per method and size
    class) is multiplied by the median of measured / estimated over the cases.
    """
    scale = dict(cast("dict[str, float]", costs.get("method_scale", {})))
    ratios: dict[str, list[float]] = {}
    for row in rows:
        fields = {f: row[f] for f in ("size", "batch", "channels", "ksize", "bank", "kind", "dtype", "threads")}
        case = planner.Case(**fields)  # type: ignore[arg-type]
        x = planner.make_input(case)
        _, _, est = planner.planner_view(case, x, planner.bank_for(case.kind, case.ksize, case.bank))
        times = cast("dict[str, float]", row["times_s"])
        for m, t in times.items():
            if m in est and m != "auto":
                key = f"{m}@large" if case.size**2 >= LARGE_PLANE else m
                ratios.setdefault(key, []).append(t / est[m])
    for key, values in ratios.items():
        scale[key] = scale.get(key, scale.get(key.split("@")[0], 1.0)) * statistics.median(values)
    return dict(sorted(scale.items()))


def _rounded(costs: dict[str, object]) -> dict[str, object]:
    """The table at 3 significant digits (what is printed and written).

    Examples
    --------
    >>> table = _rounded({**plan.COSTS, "call": 5.4812e-06})
    >>> table["call"], sorted(table) == sorted(plan.COSTS)
    (5.48e-06, True)
    """

    def num(v: object) -> float:
        return float(f"{float(v):.3g}")  # type: ignore[arg-type]

    out: dict[str, object] = {"machine": costs["machine"]}
    for key, value in costs.items():
        if key in TABLE_KEYS:
            out[key] = {int(k): num(v) for k, v in sorted(cast("dict[int, float]", value).items())}
        elif key in ("method_scale", "method_call"):
            out[key] = {str(k): num(v) for k, v in sorted(cast("dict[str, float]", value).items())}
        elif key != "machine":
            out[key] = num(value)
    return out


def _format(costs: dict[str, object]) -> str:
    lines = [f"machine: {costs['machine']}"]
    for key, value in costs.items():
        if key in TABLE_KEYS or key in ("method_scale", "method_call"):
            d = ", ".join(f"{k}: {v:.3g}" for k, v in sorted(cast("dict[object, float]", value).items()))
            lines.append(f"{key}: {{{d}}}")
        elif key != "machine":
            lines.append(f"{key}: {float(value):.3g}")  # type: ignore[arg-type]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--write", action="store_true", help="rewrite filterbank/plan/costs.json")
    ap.add_argument("--reps", type=int, default=7)
    ap.add_argument(
        "--from-sweep",
        metavar="JSON",
        default=None,
        help="only correct method_scale by a planner sweep's measurements (filterbank bench --planner --json)",
    )
    ap.add_argument(
        "--threads",
        type=int,
        default=1,
        help="torch threads (default 1: the table holds one-thread costs, as the engines share one thread policy)",
    )
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads or os.cpu_count() or 1)
    if args.from_sweep:
        rows = json.loads(Path(args.from_sweep).read_text())
        costs = dict(plan.COSTS)
        costs["method_scale"] = rescale_from_sweep(rows, costs)
        costs = _rounded(costs)
    else:
        costs = _rounded(calibrate(args.reps))
    print(_format(costs))
    if args.write:
        path = write_costs(costs)
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
