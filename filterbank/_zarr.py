"""Lazy image readers for the chunked engine: tiled TIFF through tifffile's Zarr store, Zarr arrays,
and anything Pillow reads.

:func:`open_image` returns a dask array ``(H, W)`` or ``(H, W, C)`` that reads the file one chunk at a
time where the format allows it (TIFF, Zarr); Pillow formats (PNG, JPEG, ...) are decoded whole by
Pillow anyway and are read with :func:`filterbank.images.load_image`, the reader of the in-memory
``apply``. Every chunk task carries only the file's path, so the arrays pickle and run on a cluster
whose workers see the same filesystem.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import dask.array as da
import numpy as np
import tifffile
import zarr

from ._errors import ShapeError
from ._validate import int_in_range
from .images import load_image

__all__ = ["TIFF_SUFFIXES", "ZARR_SUFFIXES", "open_image"]

#: Suffixes read lazily through tifffile's Zarr store.
TIFF_SUFFIXES: frozenset[str] = frozenset({".tif", ".tiff"})
#: Suffixes read as Zarr arrays (a folder with Zarr metadata is read as Zarr whatever its name).
ZARR_SUFFIXES: frozenset[str] = frozenset({".zarr"})


class _TiffRegions:
    """A picklable array-like over the first series (full resolution) of a TIFF: each read opens the
    file, so a dask task ships a path, not an open file handle."""

    def __init__(self, path: Path) -> None:
        self.path = str(path)
        with tifffile.TiffFile(self.path) as tif:
            series = tif.series[0]
            self.axes = series.axes
            self.shape: tuple[int, ...] = tuple(series.shape)
            self.dtype = np.dtype(series.dtype).newbyteorder("=")  # native order, as filter2d wants
            z = zarr.open(series.aszarr(level=0), mode="r")
            self.chunks: tuple[int, ...] = tuple(z.chunks)  # type: ignore[union-attr]
        self.ndim = len(self.shape)

    def __dask_tokenize__(self) -> tuple[str, int, int]:
        st = os.stat(self.path)
        return (self.path, st.st_mtime_ns, st.st_size)

    def __getitem__(self, key: Any) -> np.ndarray:
        with tifffile.TiffFile(self.path) as tif:
            z = zarr.open(tif.series[0].aszarr(level=0), mode="r")
            out = np.asarray(z[key])
        # '<u2' and 'uint16' compare equal but print differently: view native data, convert the rest.
        return out.view(self.dtype) if out.dtype.isnative else out.astype(self.dtype)


def _tiff(path: Path, chunk: int | None) -> da.Array:
    regions = _TiffRegions(path)
    if regions.axes not in ("YX", "YXS"):
        raise ShapeError(
            f"`path` {str(path)!r}: a TIFF for filtering must hold one image (H, W) or (H, W, samples), "
            f"axes 'YX' or 'YXS'; got axes {regions.axes!r} with shape {regions.shape} "
            "(planar or multi-page TIFFs: write one contiguous image per file)"
        )
    chunks = regions.chunks if chunk is None else (chunk, chunk, -1)[: regions.ndim]
    return da.from_array(regions, chunks=chunks, asarray=True, lock=False)


def _zarr_array(path: Path, chunk: int | None) -> da.Array:
    z = zarr.open(str(path), mode="r")
    if not isinstance(z, zarr.Array):
        keys = sorted(z.array_keys())
        raise ShapeError(
            f"`path` {str(path)!r} is a Zarr group, not an array; pass one of its arrays, e.g. "
            f"{str(Path(path) / keys[0])!r}" + (f" (arrays: {', '.join(keys)})" if keys else " (it holds none)")
        )
    if z.ndim not in (2, 3):
        raise ShapeError(f"`path` {str(path)!r}: the Zarr array must be (H, W) or (H, W, C); got shape {z.shape}")
    x = da.from_zarr(str(path))
    return x if chunk is None else x.rechunk((chunk, chunk, -1)[: z.ndim])


def open_image(path: str | os.PathLike[str], *, chunk: int | None = None) -> da.Array:
    """Open an image as a lazy dask array, channels last.

    Parameters
    ----------
    path : str or path-like
        A TIFF (``.tif`` / ``.tiff``: read tile by tile, or strip by strip, through
        ``tifffile``'s Zarr store; axes must be ``YX`` or ``YXS``), a Zarr array (a
        ``.zarr`` folder or any folder with Zarr metadata; ``(H, W)`` or ``(H, W, C)``),
        or any other file Pillow reads (decoded whole by
        :func:`filterbank.images.load_image`, the in-memory ``apply``'s reader).
    chunk : int, optional
        Chunk side along ``H`` and ``W`` (the channel axis is one chunk). ``None``: the
        file's own tiles (TIFF, Zarr) or one chunk (Pillow).

    Returns
    -------
    dask.array.Array
        ``(H, W)`` or ``(H, W, C)``, the file's dtype (TIFF and Zarr: as stored, e.g.
        uint16; Pillow files: what :func:`~filterbank.images.load_image` returns).

    Notes
    -----
    TIFF orientation tags are not applied (tifffile returns the stored raster);
    Pillow files get their EXIF orientation applied, as ``cv2.imread`` does.

    Examples
    --------
    >>> import numpy as np, tempfile, pathlib, tifffile
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "tiled.tif"
    >>> tifffile.imwrite(p, np.zeros((64, 96), np.uint16), tile=(32, 32))
    >>> x = open_image(p)
    >>> x.shape, x.dtype, x.chunks
    ((64, 96), dtype('uint16'), ((32, 32), (32, 32, 32)))
    """
    if chunk is not None:
        chunk = int_in_range("chunk", chunk, 1)
    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(f"image {str(p)!r} does not exist")
    suffix = p.suffix.lower()
    if suffix in ZARR_SUFFIXES or (p.is_dir() and any((p / m).exists() for m in ("zarr.json", ".zarray"))):
        return _zarr_array(p, chunk)
    if suffix in TIFF_SUFFIXES:
        return _tiff(p, chunk)
    arr = load_image(p)
    side = chunk if chunk is not None else max(arr.shape[:2])
    return da.from_array(arr, chunks=(side, side, -1)[: arr.ndim])
