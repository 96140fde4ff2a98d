"""Measure the N-D constants of the planner's cost model (filterbank.plan.costs.COSTS_ND) on this machine.

- ``direct_mac[1]``, ``direct_mac[3]``: seconds per multiply-add of ``F.conv1d`` / ``F.conv3d`` with one
  input channel and 8 output channels, per kernel size;
- ``fft_elem_log[1]``, ``fft_elem_log[3]``: seconds per ``n log2 n`` element of a real inverse FFT.

Each is the best of ``reps`` runs (the least disturbed by other work on a shared machine). The rates
are then expressed in the units of the 2-D table (:data:`filterbank.plan.COSTS`): every constant is
scaled by ``COSTS["gemm_flop"] / measured gemm_flop`` (a Toeplitz GEMM block measured in the same
run), so that a loaded or differently threaded machine shifts all methods alike and the N-D choices
stay consistent with the 2-D ones.

Usage::

    python -m filterbank.bench.calibrate_nd            # print the table
    python -m filterbank.bench.calibrate_nd --write    # also rewrite the "nd" key of filterbank/plan/costs.json

``--write`` replaces the ``"nd"`` key of the package's data file ``filterbank/plan/costs.json``
atomically (:func:`filterbank.plan.costs.write_costs_nd`, through ``filterbank._io.write_atomic``),
keeping its 2-D table; no source file is rewritten. The shipped values are the average of two runs
(one thread, best of 5) on a shared machine; one ``--write`` stores one run.

Examples
--------
>>> table = calibrate(reps=1, quick=True)  # tiny shapes: only to show the layout
>>> sorted(table), sorted(table["direct_mac"])
(['direct_mac', 'fft_elem_log', 'gemm_scale'], [1, 3])
>>> nd = costs_nd(table, machine="test")  # the layout of plan.costs.COSTS_ND: 2-D axes use the 2-D table
>>> sorted(nd), nd["fft_elem_log"][2], sorted(nd["direct_mac"][3])[:2]
(['direct_mac', 'fft_elem_log', 'machine'], None, [27, 125])
"""

from __future__ import annotations

import argparse
import math
import time
from typing import Any, cast

import torch
import torch.nn.functional as F

from filterbank import plan
from filterbank.bench.timing import cpu_name
from filterbank.plan.costs import write_costs_nd

__all__ = ["calibrate", "costs_nd", "main"]


def _best(fn, reps: int) -> float:
    fn()
    out = math.inf
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        out = min(out, time.perf_counter() - t0)
    return out


def calibrate(reps: int = 5, quick: bool = False) -> dict[str, object]:
    """Seconds per unit of work of conv1d, conv3d and the inverse FFTs, in the units of ``plan.COSTS``.

    ``quick`` uses tiny shapes (a smoke test, not a measurement).
    """
    torch.manual_seed(0)
    n1, n3, s3 = (256, 8, 12) if quick else (4096, 40, 96)
    a = torch.rand(20000, 46)
    t_blk = torch.rand(46, 32)
    gemm = _best(lambda: a @ t_blk, reps) / (2 * 20000 * 46 * 32)
    scale = float(plan.COSTS["gemm_flop"]) / gemm  # type: ignore[arg-type]
    direct: dict[int, dict[int, float]] = {1: {}, 3: {}}
    for k in (3, 15, 63, 255):
        x = torch.rand(64, 1, n1 + k - 1)
        w = torch.rand(8, 1, k)
        direct[1][k] = scale * _best(lambda x=x, w=w: F.conv1d(x, w), reps) / (64 * 8 * n1 * k)
    for k in (3, 5, 7, 9, 15):
        x = torch.rand(1, 1, n3 + k - 1, n3 + k - 1, n3 + k - 1)
        w = torch.rand(8, 1, k, k, k)
        direct[3][k**3] = scale * _best(lambda x=x, w=w: F.conv3d(x, w), reps) / (8 * n3**3 * k**3)
    fft: dict[int, float] = {}
    for d, shape in ((1, (64, 2 * n1)), (3, (s3, s3, s3))):
        z = torch.fft.rfftn(torch.rand(*shape), dim=tuple(range(-d, 0)))
        n = math.prod(shape[-d:]) if d == 3 else shape[-1]
        count = 1 if d == 3 else shape[0]
        sec = _best(lambda z=z, s=shape[-d:]: torch.fft.irfftn(z, s=s, dim=tuple(range(-len(s), 0))), reps)
        fft[d] = scale * sec / (count * n * math.log2(n))
    return {"gemm_scale": scale, "direct_mac": direct, "fft_elem_log": fft}


def costs_nd(measured: dict[str, object], machine: str) -> dict[str, Any]:
    """:func:`calibrate`'s rates as a :data:`filterbank.plan.costs.COSTS_ND` table, at 3 significant digits.

    Axis count 2 is ``None`` in both rows: 2-D kernels use the 2-D table (:data:`filterbank.plan.COSTS`).
    """

    def num(v: float) -> float:
        return float(f"{v:.3g}")

    direct = cast("dict[int, dict[int, float]]", measured["direct_mac"])
    fft = cast("dict[int, float]", measured["fft_elem_log"])
    return {
        "machine": machine,
        "direct_mac": {
            d: None if d not in direct else {k: num(v) for k, v in sorted(direct[d].items())} for d in (1, 2, 3)
        },
        "fft_elem_log": {d: None if d not in fft else num(fft[d]) for d in (1, 2, 3)},
    }


def main(argv: list[str] | None = None) -> int:
    """Measure, print, and with ``--write`` store the N-D table in the package's ``costs.json``."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--write", action="store_true", help='rewrite the "nd" key of filterbank/plan/costs.json')
    ap.add_argument("--reps", type=int, default=5)
    args = ap.parse_args(argv)
    measured = calibrate(args.reps)
    for key, value in measured.items():
        print(key, value)
    if args.write:
        machine = (
            f"{cpu_name()}, torch {torch.__version__}, float32 "
            f"(filterbank.bench.calibrate_nd, {time.strftime('%Y-%m-%d')}, scaled to plan.COSTS)"
        )
        print(f"wrote {write_costs_nd(costs_nd(measured, machine))}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
