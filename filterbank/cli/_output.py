"""Output files of the commands (all written through :func:`filterbank._io.write_atomic`) and progress lines."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import IO

import numpy as np
import torch
from PIL import Image

from .._errors import CliError
from .._io import write_atomic, write_bytes_atomic

__all__ = [
    "Progress",
    "check_free",
    "report_failures",
    "save_npy",
    "save_npy_channels_last",
    "save_png",
    "save_text",
    "skip_line",
]

#: Bytes of one band of rows written at a time by :func:`save_npy_channels_last`.
_BAND_BYTES = 32 << 20


def check_free(paths: Sequence[Path], force: bool) -> None:
    """Refuse to write over existing files (or over folders, even with ``force``)."""
    for p in paths:
        if p.is_dir():
            raise CliError(f"output {str(p)!r} is a folder; choose another name")
    existing = [p for p in paths if p.exists()]
    if existing and not force:
        more = f" (and {len(existing) - 1} more output file(s))" if len(existing) > 1 else ""
        raise CliError(f"{str(existing[0])!r} exists{more}; pass --force to overwrite")


def save_png(image: Image.Image, path: Path) -> Path:
    """Write a Pillow image as PNG, atomically."""
    return write_atomic(path, lambda f: image.save(f, format="PNG"))


def save_npy(array: np.ndarray, path: Path) -> Path:
    """Write an array as ``.npy`` (no pickles), atomically."""
    return write_atomic(path, lambda f: np.save(f, array, allow_pickle=False))


def save_npy_channels_last(maps: torch.Tensor, path: Path) -> Path:
    """Write ``(K, H, W)`` maps as the ``.npy`` of their ``(H, W, K)`` channels-last array, atomically.

    The file is byte for byte what ``np.save(path, maps.permute(1, 2, 0).numpy())`` writes, but it is
    written in bands of rows: no transposed copy of the whole array is ever held.

    Examples
    --------
    >>> import io, tempfile, pathlib
    >>> t = torch.arange(24.0).reshape(2, 3, 4)
    >>> p = save_npy_channels_last(t, pathlib.Path(tempfile.mkdtemp()) / "a.npy")
    >>> ref = io.BytesIO(); np.save(ref, t.permute(1, 2, 0).numpy())
    >>> p.read_bytes() == ref.getvalue()
    True
    """
    k, h, w = maps.shape
    dtype = np.dtype(torch.empty(0, dtype=maps.dtype).numpy().dtype)
    rows = max(1, _BAND_BYTES // max(1, w * k * dtype.itemsize))
    header = {"descr": np.lib.format.dtype_to_descr(dtype), "fortran_order": False, "shape": (h, w, k)}

    def write(f: IO[bytes]) -> None:
        np.lib.format.write_array_header_1_0(f, header)
        for r in range(0, h, rows):
            band = maps[:, r : r + rows].permute(1, 2, 0).contiguous().cpu().numpy()
            f.write(band.data)

    return write_atomic(path, write)


def save_text(text: str, path: str | Path) -> Path:
    """Write UTF-8 text, atomically (folders created)."""
    return write_bytes_atomic(Path(path), text.encode("utf-8"))


class Progress:
    """``[3/9] camera.png`` on stderr: one line per item, or a redrawn bar when stderr is a terminal."""

    def __init__(self, total: int, enabled: bool) -> None:
        self.total = total
        self.enabled = enabled
        self.tty = enabled and sys.stderr.isatty()
        self.width = 0

    def step(self, i: int, name: str) -> None:
        """Report that item ``i`` (1-based) called ``name`` starts."""
        if not self.enabled:
            return
        head = f"[{i}/{self.total}]"
        if not self.tty:
            print(f"{head} {name}", file=sys.stderr, flush=True)
            return
        done = round(24 * (i - 1) / self.total)
        line = f"{head} [{'#' * done}{'.' * (24 - done)}] {name}"
        print("\r" + line.ljust(self.width), end="", file=sys.stderr, flush=True)
        self.width = max(self.width, len(line))

    def close(self) -> None:
        """Finish the bar (terminal only)."""
        if self.tty:
            print(f"\r[{self.total}/{self.total}] [{'#' * 24}] done".ljust(self.width), file=sys.stderr, flush=True)


def skip_line(src: Path, exc: BaseException) -> None:
    """One stderr line for an image of a folder that could not be read (the run goes on without it)."""
    print(f"filterbank: skipped {src}: {' '.join(str(exc).split())}", file=sys.stderr, flush=True)


def report_failures(failed: Sequence[tuple[Path, BaseException]], total: int) -> None:
    """The closing summary, on stderr, of the images that could not be read (nothing if none)."""
    if failed:
        names = ", ".join(p.name for p, _ in failed)
        print(
            f"filterbank: {len(failed)} of {total} images could not be read and were skipped: {names}", file=sys.stderr
        )
