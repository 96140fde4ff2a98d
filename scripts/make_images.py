"""Regenerate the sample images in ``filterbank/images/samples/`` and their ``README.md``.

Every file is rebuilt deterministically:

* the photographs are read from scikit-image's bundled data folder
  (``skimage.data.data_dir``) and reduced with ``cv2.resize(..., INTER_AREA)``
  so that their longer side is 256 px;
* the synthetic patterns are computed from the formulas written out below.

All files are written as 8-bit PNG with Pillow (RGB channel order, no alpha).

Usage::

    python scripts/make_images.py [--out filterbank/images/samples]

Requires numpy, Pillow, opencv-python(-headless) and scikit-image (a dev dependency).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

MAX_SIDE = 256
"""Photographs are reduced so that their longer side is this many pixels."""


@dataclass(frozen=True)
class Photo:
    """A photograph taken from scikit-image's bundled data."""

    name: str
    skimage_file: str
    mode: str  # Pillow mode expected in the source file: "L" or "RGB"
    source: str
    licence: str


PHOTOS: tuple[Photo, ...] = (
    Photo(
        "camera",
        "camera.png",
        "L",
        "`skimage.data.camera()`: photograph by Lav Varshney (replaced the old cameraman in 0.18)",
        "CC0 (“No copyright restrictions. CC0 by the photographer (Lav Varshney).”)",
    ),
    Photo(
        "astronaut",
        "astronaut.png",
        "RGB",
        "`skimage.data.astronaut()`: astronaut Eileen Collins, NASA Great Images database (https://flic.kr/p/r9qvLn)",
        "Public domain (“No known copyright restrictions, released into the public domain.”)",
    ),
    Photo(
        "coffee",
        "coffee.png",
        "RGB",
        "`skimage.data.coffee()`: coffee cup, photograph by Rachel Michetti, courtesy of Pikolo Espresso Bar",
        "CC0 (“No copyright restrictions. CC0 by the photographer (Rachel Michetti).”)",
    ),
    Photo(
        "chelsea",
        "chelsea.png",
        "RGB",
        "`skimage.data.chelsea()`: Chelsea the cat, photograph by Stefan van der Walt",
        "CC0 (“No copyright restrictions. CC0 by the photographer (Stefan van der Walt).”)",
    ),
)


# --------------------------------------------------------------------------- photos


def skimage_data_dir() -> Path:
    """Return scikit-image's bundled data folder."""
    import skimage.data

    return Path(skimage.data.data_dir)


def reduce_photo(image: np.ndarray, max_side: int = MAX_SIDE) -> np.ndarray:
    """Shrink ``image`` with INTER_AREA so that its longer side is ``max_side`` (never enlarge)."""
    import cv2

    h, w = image.shape[:2]
    scale = max_side / max(h, w)
    if scale >= 1.0:
        return image.copy()
    new_w, new_h = round(w * scale), round(h * scale)
    return cv2.resize(image, (new_w, new_h), interpolation=cv2.INTER_AREA)


def load_photo(photo: Photo) -> np.ndarray:
    """Read one bundled photograph and return it reduced, as uint8."""
    path = skimage_data_dir() / photo.skimage_file
    with Image.open(path) as img:
        if img.mode != photo.mode:
            raise ValueError(f"{path}: expected Pillow mode {photo.mode!r}; got {img.mode!r}")
        array = np.array(img, dtype=np.uint8)
    return reduce_photo(array)


# ------------------------------------------------------------------------ synthetic


def to_uint8(values: np.ndarray) -> np.ndarray:
    """Round values in [0, 255] to uint8 (half to even, then clipped)."""
    return np.clip(np.rint(values), 0, 255).astype(np.uint8)


def zone_plate(size: int = 200) -> np.ndarray:
    """Circular zone plate ``127.5 * (1 + cos(k r^2))`` centred in a ``size`` x ``size`` image.

    ``r`` is the distance in pixels from the centre ``((size - 1) / 2, (size - 1) / 2)`` and
    ``k = pi / (2 * (size / 2))``, so the local frequency ``k r / pi`` grows linearly from 0 at the
    centre to 0.5 cycles/pixel (Nyquist) at the middle of each border; the corners alias.
    """
    c = (size - 1) / 2.0
    y, x = np.mgrid[0:size, 0:size].astype(np.float64)
    r2 = (x - c) ** 2 + (y - c) ** 2
    k = np.pi / size  # = pi / (2 * (size / 2))
    return to_uint8(127.5 * (1.0 + np.cos(k * r2)))


STEP_LOW, STEP_HIGH = 64, 192
STEP_SIZE, STEP_START, STEP_DIAG = 192, 48, 224


def steps(size: int = STEP_SIZE, start: int = STEP_START, diag: int = STEP_DIAG) -> np.ndarray:
    """Bright right triangle on a dark background: a vertical, a horizontal and a diagonal step.

    Pixel ``(row, col)`` is ``STEP_HIGH`` (192) when ``row >= start``, ``col >= start`` and
    ``row + col <= diag``, else ``STEP_LOW`` (64). With the defaults (192 x 192, 48, 224) the
    triangle has a vertical edge between columns 47 and 48 (rows 48-176), a horizontal edge
    between rows 47 and 48 (columns 48-176) and a 45-degree edge along ``row + col = 224``.
    """
    y, x = np.mgrid[0:size, 0:size]
    inside = (y >= start) & (x >= start) & (y + x <= diag)
    return np.where(inside, STEP_HIGH, STEP_LOW).astype(np.uint8)


def grating(size: int = 160, period: float = 16.0, angle_deg: float = 30.0) -> np.ndarray:
    """Sinusoidal grating ``127.5 * (1 + cos(2 pi (x cos(a) + y sin(a)) / period))``.

    ``x`` is the column and ``y`` the row index (y grows downwards), ``a = angle_deg``. With the
    defaults the intensity varies along a direction 30 degrees below the x axis, period 16 px.
    """
    a = np.deg2rad(angle_deg)
    y, x = np.mgrid[0:size, 0:size].astype(np.float64)
    phase = 2.0 * np.pi * (x * np.cos(a) + y * np.sin(a)) / period
    return to_uint8(127.5 * (1.0 + np.cos(phase)))


def checkerboard(size: int = 160, square: int = 16) -> np.ndarray:
    """Checkerboard of ``square`` px squares, 0 and 255, top-left square black."""
    y, x = np.mgrid[0:size, 0:size]
    return np.where(((y // square) + (x // square)) % 2 == 1, 255, 0).astype(np.uint8)


def impulse(size: int = 129) -> np.ndarray:
    """Zero image with a single 255 at the centre pixel ``(size // 2, size // 2)`` (odd size)."""
    out = np.zeros((size, size), dtype=np.uint8)
    out[size // 2, size // 2] = 255
    return out


@dataclass(frozen=True)
class Pattern:
    """A synthetic pattern: a file name, a generator and a description of the formula."""

    name: str
    make: Callable[[], np.ndarray]
    how: str


PATTERNS: tuple[Pattern, ...] = (
    Pattern(
        "zoneplate",
        zone_plate,
        "`zone_plate()`: 127.5·(1 + cos(k r²)), k = π/200, centred; reaches Nyquist at the border midpoints",
    ),
    Pattern(
        "steps",
        steps,
        "`steps()`: 192 inside the triangle row ≥ 48, col ≥ 48, row + col ≤ 224, else 64 "
        "(vertical, horizontal and 45° step)",
    ),
    Pattern(
        "grating",
        grating,
        "`grating()`: 127.5·(1 + cos(2π (x cos 30° + y sin 30°) / 16)), y downwards",
    ),
    Pattern("checkerboard", checkerboard, "`checkerboard()`: 16 px squares, 0 / 255, top-left black"),
    Pattern("impulse", impulse, "`impulse()`: zeros with one 255 at the centre (64, 64)"),
)


# --------------------------------------------------------------------------- output


def save_png(array: np.ndarray, path: Path) -> None:
    """Write a uint8 (H, W) or (H, W, 3) array as an 8-bit PNG (RGB order)."""
    if array.dtype != np.uint8 or array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] != 3):
        raise ValueError(f"cannot save array of shape {array.shape} and dtype {array.dtype} to {path}")
    mode = "L" if array.ndim == 2 else "RGB"
    Image.fromarray(np.ascontiguousarray(array), mode=mode).save(path, format="PNG", optimize=True)


README_HEAD = """\
# Sample images

Images used by the filterbank CLI, examples and tests, shipped inside the package
(package data of `filterbank.images`, installed with the wheel). Load one with
`filterbank.images.sample("camera")` (names: `sample_names()`), all of them with
`filterbank.images.load_images()` (folder defaults to this one), any file with `load_image(path)`.

This file and every image here are written by `scripts/make_images.py`
(`python scripts/make_images.py`, default `--out filterbank/images/samples`); edit the
script, not this file.

* **Photographs** are scikit-image's bundled sample images (scikit-image 0.26,
  `skimage/data/`). Their source and licence below are quoted from the docstrings of
  the matching `skimage.data` functions (`skimage/data/_fetchers.py`); the data
  folder's `README.txt` itself carries no licence text. Only images stated there to be
  public domain or CC0 are used. Each was **reduced so that its longer side is
  256 px** with `cv2.resize(..., interpolation=cv2.INTER_AREA)` (the other side is
  rounded to the nearest pixel); nothing else was changed.
* **Synthetic patterns** are computed from the formulas in the script (functions named
  below); they are released under CC0 as well.

All files are 8-bit PNG: grayscale (`L`) or RGB (`RGB`, channel order R, G, B), no alpha.

| file | kind | size (W × H) | channels | source | licence | how it was made |
|---|---|---|---|---|---|---|
"""


def readme(rows: list[str]) -> str:
    """Return the README.md text for the given table rows."""
    return README_HEAD + "\n".join(rows) + "\n"


def describe(array: np.ndarray) -> tuple[str, str]:
    """Return ``("W × H", "1 (gray)" or "3 (RGB)")`` for a uint8 image."""
    h, w = array.shape[:2]
    channels = "1 (gray)" if array.ndim == 2 else "3 (RGB)"
    return f"{w} × {h}", channels


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out",
        type=Path,
        default=Path(__file__).resolve().parent.parent / "filterbank" / "images" / "samples",
        help="output folder (default: the package's filterbank/images/samples/)",
    )
    args = parser.parse_args(argv)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)

    rows: list[str] = []
    for photo in PHOTOS:
        array = load_photo(photo)
        save_png(array, out / f"{photo.name}.png")
        size, channels = describe(array)
        with Image.open(skimage_data_dir() / photo.skimage_file) as img:
            ow, oh = img.size
        how = f"`load_photo()`: skimage `data/{photo.skimage_file}` ({ow} × {oh}) reduced to {size} with cv2 INTER_AREA"
        rows.append(f"| `{photo.name}.png` | photo | {size} | {channels} | {photo.source} | {photo.licence} | {how} |")
    for pattern in PATTERNS:
        array = pattern.make()
        save_png(array, out / f"{pattern.name}.png")
        size, channels = describe(array)
        rows.append(
            f"| `{pattern.name}.png` | synthetic | {size} | {channels} | generated by "
            f"`scripts/make_images.py` | CC0 | {pattern.how} |"
        )
    (out / "README.md").write_text(readme(rows), encoding="utf-8")

    total = 0
    for path in sorted(out.iterdir()):
        total += path.stat().st_size
        print(f"{path.name:20s} {path.stat().st_size:8d} bytes")
    print(f"{'total':20s} {total:8d} bytes in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
