"""``filterbank apply --engine dask``: responses streamed block by block to Zarr arrays.

Each image is read lazily where its format allows (a TIFF tile by tile through tifffile's Zarr
store, a Zarr array chunk by chunk; other formats through :func:`filterbank.cli._inputs.read_image`,
the in-memory engine's reader), scaled to float32 [0, 1] exactly as the in-memory engine scales it,
and written by :func:`filterbank.dask.apply_many_to_zarr`: one Zarr array per image, the images of a
folder as one set of parallel tasks. The values are those of the in-memory ``.npy``: bit for bit
with ``--method direct`` (and whenever the planner picks the direct sum), within the parity bound
when it picks the FFT (whose rounding depends on the transform size, i.e. on the block).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import dask.array as da
import numpy as np
import zarr

from .. import _zarr
from .. import dask as fd
from .._device import resolve_device
from .._errors import CliError, FilterbankError
from ..bank import FilterBank
from ._args import split_items
from ._inputs import SCALES, collect_inputs, gray, read_image
from ._output import report_failures, skip_line
from ._resolve import bank_text, count

__all__ = ["BlockProgress", "open_scaled", "run"]


class BlockProgress:
    """``[blocks 12/144] 8% 31 s`` on stderr: a line per tenth, or a redrawn line on a terminal."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.tty = enabled and sys.stderr.isatty()
        self.tenth = -1
        self.t0 = time.perf_counter()

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        line = f"[blocks {done}/{total}] {100 * done // total}% {time.perf_counter() - self.t0:.0f} s"
        if self.tty:
            print("\r" + line, end="\n" if done == total else "", file=sys.stderr, flush=True)
        elif 10 * done // total > self.tenth:
            self.tenth = 10 * done // total
            print(line, file=sys.stderr, flush=True)


def open_scaled(path: Path, args: argparse.Namespace) -> tuple[da.Array, dict[str, object]]:
    """The image as a lazy float32 dask array in [0, 1] (``--gray`` applied) and the attributes to store.

    Examples
    --------
    >>> import tempfile, pathlib, tifffile
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "t.tif"
    >>> tifffile.imwrite(p, np.full((40, 50), 51, np.uint8), tile=(16, 16))
    >>> x, attrs = open_scaled(p, argparse.Namespace(chunk=32, gray=False, allow_large=False))
    >>> x.dtype, x.chunks, x[0, 0].compute() == np.float32(51) / np.float32(255), attrs["scale"]
    (dtype('float32'), ((32, 8), (32, 18)), np.True_, 255.0)
    """
    lazy = path.is_dir() or path.suffix.lower() in _zarr.TIFF_SUFFIXES | _zarr.ZARR_SUFFIXES
    if lazy:
        x = _zarr.open_image(path, chunk=args.chunk)
    else:
        img = read_image(path, allow_large=args.allow_large)
        x = da.from_array(img, chunks=(args.chunk, args.chunk, -1)[: img.ndim])
    if x.dtype not in SCALES:
        raise CliError(f"image {str(path)!r} is {x.dtype}; apply takes 8-bit and 16-bit unsigned or float32 images")
    if args.gray and x.ndim == 3:
        if x.shape[2] != 3:
            raise CliError(f"--gray needs an RGB image; {str(path)!r} has {x.shape[2]} channels")
        x = da.map_blocks(gray, x, drop_axis=2, dtype=x.dtype)
    dtype, scale = str(x.dtype), SCALES[x.dtype]
    x = x.astype(np.float32)
    if scale != 1.0:
        x = x / np.float32(scale)  # the in-memory engine's float32 division, element for element
    return x, {"source": str(path), "source_dtype": dtype, "scale": scale, "gray": args.gray}


def _outputs(args: argparse.Namespace, files: list[Path], folder: bool) -> list[tuple[Path, Path]]:
    """(input, Zarr output) per image: ``-o OUT.zarr`` for one image, ``OUT/<stem>.zarr`` otherwise."""
    out = Path(args.out)
    if len(files) == 1 and not folder and out.suffix == ".zarr":
        return [(files[0], out)]
    if out.suffix == ".zarr":
        raise CliError(f"`-o` {args.out!r} names one Zarr array; several images need an output folder")
    if out.exists() and not out.is_dir():
        raise CliError(f"`-o` must be a folder (or OUT.zarr for one image); {args.out!r} is a file")
    return [(f, out / f"{f.stem}.zarr") for f in files]


def _device(text: str) -> str | None:
    if text == "cpu":
        return None
    return str(resolve_device(text)) if text == "auto" else text  # CUDA is checked where the blocks run


def run(args: argparse.Namespace, bank: FilterBank, label: str, border: str) -> int:
    """``apply --engine dask``: write one Zarr array per image; return 0 (1 if an image of a folder failed)."""
    files, folder = collect_inputs(split_items(args.items)[0], arrays=True)
    many = folder or len(files) > 1
    targets = _outputs(args, files, folder)
    todo = [(src, out) for src, out in targets if not (args.skip_existing and out.exists())]
    if len(todo) < len(targets) and not args.quiet:
        print(
            f"skipping {count(len(targets) - len(todo), 'image')} whose Zarr exists (--skip-existing)", file=sys.stderr
        )
    items, failed = [], []
    for src, out in todo:
        try:
            x, attrs = open_scaled(src, args)
        except (FilterbankError, OSError) as exc:
            if not many:
                raise
            skip_line(src, exc)
            failed.append((src, exc))
            continue
        items.append((x, out, attrs))
    t0 = time.perf_counter()
    outs = fd.apply_many_to_zarr(
        items,
        bank,
        chunk=args.chunk,
        border=border,
        anchor=args.anchor,
        value=args.value,
        method=args.method,
        device=_device(args.device),
        scheduler=args.scheduler,
        force=args.force,
        progress=BlockProgress(enabled=not args.quiet),
        connect_timeout=args.connect_timeout,
    )
    where = f"{border}; chunks {args.chunk}; {args.scheduler}; {time.perf_counter() - t0:.1f} s"
    if len(outs) == 1:
        shape = "x".join(str(v) for v in _shape(outs[0]))
        print(f"wrote {outs[0]} (float32 {shape}; {bank_text(bank, label)}; {where})")
    elif outs:
        print(f"wrote {len(outs)} Zarr arrays to {outs[0].parent} ({bank_text(bank, label)}; {where})")
    else:
        print("nothing to do: every output exists" if not failed else "nothing written")
    report_failures(failed, len(todo))
    return 1 if failed else 0


def _shape(path: Path) -> tuple[int, ...]:
    return tuple(zarr.open_array(str(path), mode="r").shape)
