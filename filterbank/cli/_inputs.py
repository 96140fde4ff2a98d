"""Input images of the commands: files and folders named on the command line, or the packaged samples."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np

from .._errors import CliError
from ..images import IMAGE_SUFFIXES, load_images

__all__ = ["collect_inputs", "gray", "load_image_set"]


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


def collect_inputs(items: Sequence[str]) -> tuple[list[Path], bool]:
    """Image files named on the command line, folders expanded (sorted, not recursive); (files, any folder)."""
    files: list[Path] = []
    folder = False
    for item in items:
        p = Path(item)
        if not p.exists():
            raise FileNotFoundError(f"input {item!r} does not exist")
        if p.is_dir():
            folder = True
            files += _folder_images(item, p)
        else:
            files.append(p)
    return _unique_stems(files), folder


def load_image_set(images_dir: str | None) -> list[tuple[str, np.ndarray]]:
    """The images of a folder, or the packaged samples (:func:`filterbank.images.load_images`) for ``None``."""
    if images_dir is None:
        return load_images()
    folder = Path(images_dir)
    if not folder.exists():
        raise FileNotFoundError(f"images folder {str(folder)!r} does not exist")
    return load_images(folder)


def gray(img: np.ndarray) -> np.ndarray:
    """An RGB uint8 image as one luminance channel (``cv2.COLOR_RGB2GRAY``); a gray one unchanged."""
    return cv2.cvtColor(img, cv2.COLOR_RGB2GRAY) if img.ndim == 3 else img
