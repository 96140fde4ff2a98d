"""Input images of the commands: files and folders named on the command line, or the packaged samples.

:func:`read_image` is the one reader of ``apply``, ``verify`` and ``demo``: what
:func:`filterbank.images.load_image` reads (8-bit gray and colour, palette, opaque alpha),
plus 16-bit gray (uint16) and 32-bit float gray (float32), and Pillow's decompression-bomb
limit as a one-line error unless the caller allows large images.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from .._errors import CliError, ParameterError
from ..images import IMAGE_SUFFIXES, load_image, load_images

__all__ = ["SCALES", "collect_inputs", "gray", "is_zarr_array", "load_image_set", "read_image"]

#: Pillow modes read as 16-bit gray (uint16) or 32-bit float gray (float32) instead of 8 bit.
_WIDE_MODES = {"I;16": np.uint16, "I;16L": np.uint16, "I;16B": np.uint16, "I;16N": np.uint16, "F": np.float32}

#: Metadata files that make a folder a Zarr array (v3, v2).
_ZARR_META = ("zarr.json", ".zarray")

#: What ``apply`` divides an image of each dtype by to get float32 in [0, 1] (float images are taken as they are).
SCALES: dict[np.dtype, float] = {np.dtype(np.uint8): 255.0, np.dtype(np.uint16): 65535.0, np.dtype(np.float32): 1.0}


def _read(path: Path) -> np.ndarray:
    with Image.open(path) as opened:
        mode = opened.mode
        if mode not in _WIDE_MODES:
            return load_image(path)
        try:
            img = ImageOps.exif_transpose(opened)
            return np.asarray(img).astype(_WIDE_MODES[mode], order="C")  # native byte order
        except (OSError, SyntaxError, ValueError) as exc:  # a truncated or corrupt file
            raise ParameterError(f"cannot read image file {str(path)!r}: {exc}") from exc


def read_image(path: str | Path, *, allow_large: bool = False) -> np.ndarray:
    """Read one image file for ``apply``, ``verify`` and ``demo``.

    Parameters
    ----------
    path : str or Path
        An image file Pillow reads.
    allow_large : bool
        Read images above Pillow's decompression-bomb limit (``PIL.Image.MAX_IMAGE_PIXELS``,
        89,478,485 pixels by default) instead of refusing them.

    Returns
    -------
    numpy.ndarray
        uint8 ``(H, W)`` or ``(H, W, 3)`` RGB as :func:`filterbank.images.load_image`
        returns; uint16 ``(H, W)`` for 16-bit gray files; float32 ``(H, W)`` for 32-bit
        float files. EXIF orientation applied.

    Raises
    ------
    CliError
        Above the decompression-bomb limit without ``allow_large`` (the message names the
        file, its size and the flag ``--allow-large``).
    ParameterError, FileNotFoundError
        An unreadable, transparent or unsupported file, a missing one.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "deep.png"
    >>> Image.fromarray(np.full((4, 6), 40000, np.uint16)).save(p)
    >>> img = read_image(p)
    >>> img.dtype, img.shape, int(img.max())
    (dtype('uint16'), (4, 6), 40000)
    """
    path = Path(path)
    if not path.is_file():
        return load_image(path)  # its errors: missing file, not a regular file
    limit = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = None  # the limit is checked here, once, with a message that names the flag
    try:
        try:
            with Image.open(path) as opened:  # the header only
                w, h = opened.size
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
            return load_image(path)  # not an image Pillow knows: its one-line error
        if limit and w * h > limit and not allow_large:
            raise CliError(
                f"image {str(path)!r} has {w} x {h} = {w * h:,} pixels, above Pillow's decompression-bomb limit "
                f"of {limit:,} (PIL.Image.MAX_IMAGE_PIXELS); pass --allow-large if you trust the file"
            )
        return _read(path)
    finally:
        Image.MAX_IMAGE_PIXELS = limit


def _folder_images(item: str, folder: Path) -> list[Path]:
    found = sorted(
        (q for q in folder.iterdir() if q.is_file() and q.suffix.lower() in IMAGE_SUFFIXES), key=lambda q: q.name
    )
    if not found:
        raise CliError(f"folder {item!r} holds no image files ({', '.join(sorted(IMAGE_SUFFIXES))})")
    return found


def _unique_stems(files: list[Path]) -> list[Path]:
    """Drop repeats of the same file; refuse two different files that would write the same outputs."""
    unique: list[Path] = []
    by_stem: dict[str, Path] = {}
    for f in files:
        other = by_stem.get(f.stem)
        if other is not None:
            if other.resolve() == f.resolve():
                continue  # the same file twice
            raise CliError(
                f"inputs {str(other)!r} and {str(f)!r} would both write {f.stem}.npy and {f.stem}_responses.png; "
                "apply them to separate output folders"
            )
        by_stem[f.stem] = f
        unique.append(f)
    return unique


def is_zarr_array(path: Path) -> bool:
    """A folder that holds a Zarr array (its metadata file), or is named ``*.zarr``."""
    return path.is_dir() and (path.suffix.lower() == ".zarr" or any((path / m).is_file() for m in _ZARR_META))


def collect_inputs(items: Sequence[str], *, arrays: bool = False) -> tuple[list[Path], bool]:
    """Image files named on the command line, folders expanded (sorted, not recursive); (files, any folder).

    With ``arrays`` a Zarr array (a ``.zarr`` folder, or one with Zarr metadata) is an image, not a folder.
    """
    files: list[Path] = []
    folder = False
    for item in items:
        p = Path(item)
        if not p.exists():
            raise FileNotFoundError(f"input {item!r} does not exist")
        if arrays and is_zarr_array(p):
            files.append(p)
        elif p.is_dir():
            folder = True
            files += _folder_images(item, p)
        else:
            files.append(p)
    return _unique_stems(files), folder


def load_image_set(images_dir: str | None) -> list[tuple[str, np.ndarray]]:
    """The images of a folder (every file ``apply`` takes from a folder, read by :func:`read_image`),
    or the packaged samples (:func:`filterbank.images.load_images`) for ``None``. The parity check
    compares 8-bit images with ``cv2.filter2D``: a 16-bit or float file is refused, named."""
    if images_dir is None:
        return load_images()
    folder = Path(images_dir)
    if not folder.exists():
        raise FileNotFoundError(f"images folder {str(folder)!r} does not exist")
    if not folder.is_dir():
        raise CliError(f"--images must be a folder; {str(folder)!r} is not one")
    out = []
    for f in collect_inputs([str(folder)])[0]:
        img = read_image(f)
        if img.dtype != np.uint8:
            raise CliError(
                f"image {str(f)!r} is {img.dtype} ({'16-bit' if img.dtype == np.uint16 else 'float'}); "
                "verify and demo compare 8-bit images with cv2.filter2D (apply takes it)"
            )
        out.append((f.stem, img))
    return out


def gray(img: np.ndarray) -> np.ndarray:
    """An RGB uint8 image as one luminance channel (``cv2.COLOR_RGB2GRAY``); a gray one unchanged."""
    return cv2.cvtColor(img, cv2.COLOR_RGB2GRAY) if img.ndim == 3 else img
