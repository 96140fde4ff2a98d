"""Stream a large image through a filter bank to Zarr and measure time and peak memory.

The default run is issue 12's bound: a 12288 x 12288 uint8 image (a tiled TIFF, read lazily
through tifffile's Zarr store) through the default 16-kernel Gabor bank, 9.7 GB of float32
responses, written to a Zarr array chunked (S, S, 16), with the peak resident memory of the
whole process tree (this process and any worker processes) sampled every 50 ms. The values
of a few blocks are checked against the in-memory ``filter2d`` on a crop.

    .venv/bin/python scripts/scale_memory.py                      # 12288^2, chunk 1024, threads
    .venv/bin/python scripts/scale_memory.py --size 4096 --scheduler processes

Prints one JSON line (also written next to the output with --json).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import psutil
import tifffile
import torch
import zarr

import filterbank
from filterbank import _zarr
from filterbank import dask as fd
from filterbank.parity import tolerance


class TreeMemory:
    """Samples the summed RSS of a process and all its descendants in a background thread."""

    def __init__(self, interval: float = 0.05) -> None:
        self.root = psutil.Process()
        self.interval = interval
        self.peak = 0
        self.peak_processes = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def sample(self) -> int:
        total, count = 0, 0
        for p in [self.root, *self.root.children(recursive=True)]:
            try:
                total += p.memory_info().rss
                count += 1
            except psutil.NoSuchProcess:
                pass
        if total > self.peak:
            self.peak, self.peak_processes = total, count
        return total

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)

    def __enter__(self) -> TreeMemory:
        self.sample()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.sample()


def write_tiff(path: Path, size: int, tile: int = 512) -> None:
    """A synthetic uint8 image (rings, ramps and noise), written tile by tile (never whole in memory)."""
    rng = np.random.default_rng(0)

    def tiles():
        for r in range(0, size, tile):
            for c in range(0, size, tile):
                y, x = np.mgrid[r : r + tile, c : c + tile].astype(np.float32)
                rings = 0.5 + 0.5 * np.cos(np.hypot(y - size / 2, x - size / 3) / 9.0)
                ramp = (x + 2 * y) / (3 * size)
                noise = rng.random((tile, tile), dtype=np.float32)
                yield np.clip(255 * (0.5 * rings + 0.3 * ramp + 0.2 * noise), 0, 255).astype(np.uint8)

    tifffile.imwrite(path, tiles(), shape=(size, size), dtype=np.uint8, tile=(tile, tile))


def spot_check(image: Path, out: Path, bank: filterbank.FilterBank, side: int = 256) -> dict[str, float]:
    """Largest |Zarr - in-memory filter2d| on a corner region and an interior one, each filtered in
    memory on a crop with margins (away from the crop's own edges its result is the image's)."""
    src = zarr.open(tifffile.imread(image, aszarr=True), mode="r")
    z = zarr.open_array(out, mode="r")
    size = src.shape[0]
    m = max(bank.ksize)
    worst = 0.0
    for r, c in ((0, 0), (size // 2 - side // 2 + 7, size // 3 + 5)):
        r0, c0 = max(0, r - m), max(0, c - m)
        r1, c1 = min(size, r + side + m), min(size, c + side + m)
        crop = np.asarray(src[r0:r1, c0:c1]).astype(np.float32) / np.float32(255.0)
        ref = filterbank.filter2d(crop, bank)[r - r0 : r - r0 + side, c - c0 : c - c0 + side]
        worst = max(worst, float(np.abs(z[r : r + side, c : c + side] - ref).max()))
    bound = max(tolerance(k, 1.0, "float32") for k in bank.kernels)
    return {"max_abs_diff": worst, "parity_bound": bound}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--size", type=int, default=12288, help="image side (default 12288)")
    p.add_argument("--chunk", type=int, default=1024, help="chunk side S (default 1024)")
    p.add_argument("--scheduler", default="threads", help="threads (default), processes, or an address")
    p.add_argument("--torch-threads", type=int, default=1, help="torch threads per block (default 1)")
    p.add_argument("--dir", default=None, help="working folder (default: a temporary one, removed)")
    p.add_argument("--keep", action="store_true", help="keep the TIFF and the Zarr output")
    p.add_argument("--json", default=None, help="also write the result as JSON here")
    args = p.parse_args(argv)

    torch.set_num_threads(args.torch_threads)  # dask runs one block per core; torch adds none
    work = Path(args.dir) if args.dir else Path(tempfile.mkdtemp(prefix="filterbank-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    image, out = work / "input.tif", work / "responses.zarr"
    bank = filterbank.banks.gabor()
    assert len(bank) == 16, f"the default Gabor bank has {len(bank)} kernels, not 16"
    try:
        t0 = time.perf_counter()
        if not image.exists():
            write_tiff(image, args.size)
        t_tiff = time.perf_counter() - t0
        blocks = [0, 0]

        def progress(done: int, total: int) -> None:
            blocks[:] = [done, total]
            if done % max(1, total // 10) == 0 or done == total:
                print(f"  {done}/{total} blocks, {time.perf_counter() - t1:.0f} s", file=sys.stderr, flush=True)

        with TreeMemory() as mem:
            t1 = time.perf_counter()
            base = mem.sample()
            x = _zarr.open_image(image, chunk=args.chunk).astype(np.float32) / np.float32(255.0)
            fd.apply_to_zarr(x, bank, out, chunk=args.chunk, scheduler=args.scheduler, force=True, progress=progress)
            seconds = time.perf_counter() - t1
        z = zarr.open_array(out, mode="r")
        disk = sum(f.stat().st_size for f in out.rglob("*") if f.is_file())
        result = {
            "image": [args.size, args.size],
            "dtype": "uint8 (scaled to float32 [0, 1], as `filterbank apply`)",
            "bank": f"banks.gabor(): {len(bank)} kernels {bank.ksize[0]}x{bank.ksize[1]}",
            "method": z.attrs["method"],
            "chunk": args.chunk,
            "scheduler": args.scheduler,
            "blocks": blocks[1],
            "responses_gb": round(z.nbytes / 1e9, 2),
            "zarr_on_disk_gb": round(disk / 1e9, 2),
            "seconds": round(seconds, 1),
            "tiff_seconds": round(t_tiff, 1),
            "peak_rss_tree_gb": round(mem.peak / 1e9, 3),
            "rss_at_start_gb": round(base / 1e9, 3),
            "processes_at_peak": mem.peak_processes,
            "complete": z.attrs["complete"],
            "spot_check": spot_check(image, out, bank),
            "cpus": os.cpu_count(),
            "load_average_1min": round(os.getloadavg()[0], 1),
            "torch": torch.__version__,
        }
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    line = json.dumps(result)
    print(line)
    if args.json:
        Path(args.json).write_text(line + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
