"""filterbank._zarr.open_image: tiled TIFF, Zarr and Pillow files as lazy dask arrays."""

from __future__ import annotations

import pickle

import dask.array as da
import numpy as np
import pytest
import tifffile
import zarr
from PIL import Image

from filterbank import _errors
from filterbank._zarr import open_image
from filterbank.images import load_image

RNG = np.random.default_rng(3)


def test_tiled_tiff_is_read_tile_by_tile(tmp_path) -> None:
    img = RNG.integers(0, 256, (100, 130, 3)).astype(np.uint8)
    path = tmp_path / "tiled.tif"
    tifffile.imwrite(path, img, tile=(32, 32))
    x = open_image(path)
    assert isinstance(x, da.Array) and x.chunks == ((32, 32, 32, 4), (32, 32, 32, 32, 2), (3,))
    np.testing.assert_array_equal(x.compute(), img)
    np.testing.assert_array_equal(x.compute(), load_image(path))  # the same pixels as the in-memory reader
    y = open_image(path, chunk=50)
    assert y.chunks == ((50, 50), (50, 50, 30), (3,))
    np.testing.assert_array_equal(y[40:60, 90:110].compute(), img[40:60, 90:110])
    assert pickle.loads(pickle.dumps(dict(y.__dask_graph__()))).keys() == dict(y.__dask_graph__()).keys()


def test_sixteen_bit_and_big_endian_tiffs_keep_their_values(tmp_path) -> None:
    img = RNG.integers(0, 65536, (40, 50)).astype(np.uint16)
    tifffile.imwrite(tmp_path / "le.tif", img, tile=(16, 16))
    tifffile.imwrite(tmp_path / "be.tif", img, tile=(16, 16), byteorder=">")
    for name in ("le.tif", "be.tif"):
        x = open_image(tmp_path / name)
        assert x.dtype == np.dtype(np.uint16) and x.dtype.isnative
        np.testing.assert_array_equal(x.compute(), img)


def test_zarr_arrays_and_pillow_files(tmp_path) -> None:
    img = RNG.random((30, 40, 2)).astype(np.float32)
    zarr.create_array(store=str(tmp_path / "in.zarr"), shape=img.shape, chunks=(8, 8, 2), dtype="float32")[:] = img
    x = open_image(tmp_path / "in.zarr", chunk=16)
    assert x.chunks == ((16, 14), (16, 16, 8), (2,))
    np.testing.assert_array_equal(x.compute(), img)
    rgb = RNG.integers(0, 256, (20, 24, 3)).astype(np.uint8)
    Image.fromarray(rgb).save(tmp_path / "p.png")
    np.testing.assert_array_equal(open_image(tmp_path / "p.png", chunk=10).compute(), rgb)


def test_bad_inputs(tmp_path) -> None:
    with pytest.raises(FileNotFoundError, match="does not exist"):
        open_image(tmp_path / "missing.tif")
    tifffile.imwrite(
        tmp_path / "planar.tif", np.zeros((3, 20, 20), np.uint8), planarconfig="separate", photometric="rgb"
    )
    with pytest.raises(_errors.ShapeError, match="axes 'SYX'"):
        open_image(tmp_path / "planar.tif")
    zarr.create_array(store=str(tmp_path / "v.zarr"), shape=(2, 4, 4, 3), chunks=(1, 4, 4, 3), dtype="uint8")
    with pytest.raises(_errors.ShapeError, match=r"\(H, W\) or \(H, W, C\)"):
        open_image(tmp_path / "v.zarr")
    zarr.open_group(str(tmp_path / "g.zarr"), mode="w").create_array("level0", shape=(4, 4), dtype="uint8")
    with pytest.raises(_errors.ShapeError, match=r"Zarr group, not an array.*level0"):
        open_image(tmp_path / "g.zarr")
    with pytest.raises(_errors.ParameterError, match=r"`chunk` must be >= 1; got 0"):
        open_image(tmp_path / "v.zarr", chunk=0)
