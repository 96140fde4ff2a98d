"""Output files of the commands (all written through :func:`filterbank._io.write_atomic`) and progress lines."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PIL import Image

from .._errors import CliError
from .._io import write_atomic, write_bytes_atomic

__all__ = ["Progress", "check_free", "save_npy", "save_png", "save_text"]


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
