"""``filterbank apply --engine dask``: the in-memory ``.npy`` as Zarr, lazily read inputs, folders, mistakes."""

from __future__ import annotations

import numpy as np
import pytest
import tifffile
import zarr
from PIL import Image

from filterbank import banks
from filterbank.cli import main
from filterbank.parity import tolerance

from ._helpers import one_line_error

RNG = np.random.default_rng(5)


def _memory(path, tmp_path, *argv: str) -> np.ndarray:
    """The in-memory engine's .npy for the same image and options."""
    out = tmp_path / "memory"
    assert main(["apply", str(path), "-o", str(out), "--force", "--quiet", *argv]) == 0
    return np.load(out / f"{path.stem}.npy")


def _zarr(path) -> zarr.Array:
    return zarr.open_array(str(path), mode="r")


@pytest.mark.parametrize("bank", [["--bank", "sobel"], ["--bank", "gabor", "sigmas=1", "orientations=2"]])
def test_equals_the_in_memory_npy_bit_for_bit(tmp_path, capsys, bank):
    img = RNG.integers(0, 256, (70, 90, 3), dtype=np.uint8)
    Image.fromarray(img).save(tmp_path / "photo.png")
    opts = [*bank, "--method", "direct", "--border", "constant", "--value", "0.25", "--anchor", "0,2"]
    want = _memory(tmp_path / "photo.png", tmp_path, *opts)
    out = tmp_path / "photo.zarr"
    assert main(["apply", str(tmp_path / "photo.png"), *opts, "--engine", "dask", "--chunk", "32", "-o", str(out)]) == 0
    captured = capsys.readouterr()
    assert f"wrote {out}" in captured.out and "chunks 32" in captured.out
    # sobel: 3 x 3 blocks; the 13x13 Gabor merges the last 6 rows into the block above (halo 6): 2 x 3
    blocks = 9 if "sobel" in bank else 6
    assert captured.err.splitlines()[-1].startswith(f"[blocks {blocks}/{blocks}] 100%")
    z = _zarr(out)
    assert z.chunks == (32, 32, want.shape[2]) and z.attrs["complete"] is True
    assert z.attrs["source"] == str(tmp_path / "photo.png") and z.attrs["scale"] == 255.0
    np.testing.assert_array_equal(z[:], want)


def test_auto_method_equals_the_in_memory_npy_within_the_parity_bound(tmp_path, capsys):
    # schmid: 13 kernels 49x49; the planner picks the FFT, whose rounding depends on the transform size
    img = RNG.integers(0, 256, (120, 100), dtype=np.uint8)
    Image.fromarray(img).save(tmp_path / "g.png")
    want = _memory(tmp_path / "g.png", tmp_path, "--bank", "schmid")
    argv = ["apply", str(tmp_path / "g.png"), "--bank", "schmid", "--engine", "dask", "--chunk", "64"]
    assert main([*argv, "-o", str(tmp_path / "g.zarr"), "--quiet"]) == 0
    z = _zarr(tmp_path / "g.zarr")
    assert z.attrs["method"] == "fft" and z.attrs["bank_names"] == banks.schmid().names
    for n, k in enumerate(banks.schmid().kernels):
        assert np.abs(z[..., n] - want[..., n]).max() <= tolerance(k, 1.0, "float32")


def test_tiled_tiff_and_sixteen_bit_inputs_read_lazily(tmp_path, capsys):
    rgb = RNG.integers(0, 256, (64, 80, 3), dtype=np.uint8)
    tifffile.imwrite(tmp_path / "rgb.tif", rgb, tile=(16, 16), photometric="rgb")
    deep = RNG.integers(0, 65536, (50, 60), dtype=np.uint16)
    tifffile.imwrite(tmp_path / "deep.tif", deep, tile=(16, 16))
    for name, extra in (("rgb", ["--gray"]), ("deep", [])):
        src = tmp_path / f"{name}.tif"
        want = _memory(src, tmp_path, "--bank", "sobel", "--method", "direct", *extra)
        out = tmp_path / f"{name}.zarr"
        argv = ["apply", str(src), "--bank", "sobel", "--method", "direct", "--engine", "dask", "--chunk", "24"]
        assert main([*argv, *extra, "-o", str(out), "--quiet"]) == 0
        np.testing.assert_array_equal(_zarr(out)[:], want)
    assert _zarr(tmp_path / "deep.zarr").attrs["scale"] == 65535.0


def test_zarr_input_and_a_folder_as_parallel_tasks(tmp_path, capsys):
    folder = tmp_path / "in"
    folder.mkdir()
    imgs = {n: RNG.integers(0, 256, (40 + 9 * i, 50), dtype=np.uint8) for i, n in enumerate("abc")}
    for n, img in imgs.items():
        Image.fromarray(img).save(folder / f"{n}.png")
    (folder / "d.png").write_bytes(b"not an image")
    out = tmp_path / "out"
    argv = ["apply", str(folder), "--bank", "sobel", "--method", "direct", "--engine", "dask", "--chunk", "16"]
    assert main([*argv, "-o", str(out)]) == 1  # d.png: reported, skipped, status 1
    err = capsys.readouterr().err.splitlines()
    assert any(line.startswith("filterbank: skipped ") and "d.png" in line for line in err)
    assert err[-1] == "filterbank: 1 of 4 images could not be read and were skipped: d.png"
    assert sorted(p.name for p in out.iterdir()) == ["a.zarr", "b.zarr", "c.zarr"]
    for n in imgs:
        want = _memory(folder / f"{n}.png", tmp_path, "--bank", "sobel", "--method", "direct")
        np.testing.assert_array_equal(_zarr(out / f"{n}.zarr")[:], want)

    # a Zarr array is an input too (read chunk by chunk); float32 values are taken as they are
    arr = RNG.random((33, 45), dtype=np.float32)
    zarr.create_array(store=str(tmp_path / "in.zarr"), shape=arr.shape, chunks=(10, 10), dtype="float32")[:] = arr
    argv = ["apply", str(tmp_path / "in.zarr"), "--bank", "sobel", "--method", "direct", "--engine", "dask"]
    assert main([*argv, "--chunk", "16", "-o", str(tmp_path / "r.zarr"), "--quiet"]) == 0
    Image.fromarray(arr, mode="F").save(tmp_path / "same.tif")  # the in-memory engine reads it through Pillow
    want = _memory(tmp_path / "same.tif", tmp_path, "--bank", "sobel", "--method", "direct")
    np.testing.assert_array_equal(_zarr(tmp_path / "r.zarr")[:], want)


def test_existing_outputs_force_and_skip_existing(tmp_path, capsys):
    Image.fromarray(RNG.integers(0, 256, (30, 30), dtype=np.uint8)).save(tmp_path / "a.png")
    argv = ["apply", str(tmp_path / "a.png"), "--bank", "sobel", "--engine", "dask", "-o", str(tmp_path / "a.zarr")]
    assert main([*argv, "--quiet"]) == 0
    capsys.readouterr()
    assert main(argv) == 2
    assert "exists" in one_line_error(capsys.readouterr().err)
    assert main([*argv, "--skip-existing"]) == 0
    assert "nothing to do" in capsys.readouterr().out
    assert main([*argv, "--force", "--border", "wrap", "--quiet"]) == 0
    assert _zarr(tmp_path / "a.zarr").attrs["border"] == "wrap"


def test_mistakes_are_one_line_errors(tmp_path, capsys):
    img = tmp_path / "a.png"
    Image.fromarray(RNG.integers(0, 256, (60, 60), dtype=np.uint8)).save(img)
    folder = tmp_path / "f"
    folder.mkdir()
    Image.fromarray(np.zeros((8, 8), np.uint8)).save(folder / "x.png")
    base = ["apply", str(img), "--bank", "schmid", "--engine", "dask"]
    cases = [
        ([*base, "--chunk", "20", "-o", str(tmp_path / "o.zarr")], "halo of 24 rows"),
        ([*base, "--scheduler", "thread", "-o", str(tmp_path / "o.zarr")], "`scheduler` must be one of"),
        (
            [*base, "--scheduler", "tcp://127.0.0.1:9", "--connect-timeout", "1", "-o", str(tmp_path / "o.zarr")],
            "did not answer within 1 s",
        ),
        (["apply", str(folder), "--bank", "sobel", "--engine", "dask", "-o", str(tmp_path / "o.zarr")], "folder"),
        (["apply", str(tmp_path / "in.zarr"), "--bank", "sobel", "-o", str(tmp_path / "o")], "does not exist"),
    ]
    for argv, words in cases:
        assert main(argv) == 2, argv
        assert words in one_line_error(capsys.readouterr().err), argv
        assert not (tmp_path / "o.zarr").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary arrays left
