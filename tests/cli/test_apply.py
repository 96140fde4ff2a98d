"""``filterbank apply``: responses equal to ``cv2.filter2D``, pictures, progress, no overwrite, user mistakes."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import torch
from PIL import Image

import filterbank.parity as parity
from filterbank import FilterBank, banks
from filterbank.cli import main

from ._helpers import one_line_error


def _expected(img: np.ndarray, bank: FilterBank, border: str = "reflect101", anchor=None) -> np.ndarray:
    """(H, W, C*N) float32 from cv2.filter2D, channel c*N + n (anchor as (row, col))."""
    x = img.astype(np.float32) / np.float32(255.0)
    chans = [x] if x.ndim == 2 else [np.ascontiguousarray(x[..., c]) for c in range(x.shape[2])]
    codes = {"reflect101": cv2.BORDER_REFLECT_101, "replicate": cv2.BORDER_REPLICATE, "constant": cv2.BORDER_CONSTANT}
    cv_anchor = (-1, -1) if anchor is None else (anchor[1], anchor[0])
    outs = [cv2.filter2D(ch, -1, k, anchor=cv_anchor, borderType=codes[border]) for ch in chans for k in bank.kernels]
    return np.stack(outs, axis=-1)


def _assert_close(got: np.ndarray, want: np.ndarray, bank: FilterBank, n_chan: int) -> None:
    assert got.dtype == np.float32 and got.shape == want.shape
    for j in range(got.shape[-1]):
        tol = parity.tolerance(bank.kernels[j % len(bank)], 1.0, "float32")
        err = float(np.abs(got[..., j].astype(np.float64) - want[..., j]).max())
        assert err <= tol, (j, err, tol)


def test_apply_one_gray_image_writes_npy_and_picture(images_dir, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["apply", str(images_dir / "ramp.png"), "--bank", "schmid", "-o", str(out)]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""  # no progress for a single image
    assert str(out / "ramp.npy") in captured.out and "1 channel x 13 kernels" in captured.out
    assert sorted(p.name for p in out.iterdir()) == ["ramp.npy", "ramp_responses.png"]
    got = np.load(out / "ramp.npy")
    img = np.asarray(Image.open(images_dir / "ramp.png"))
    _assert_close(got, _expected(img, banks.schmid()), banks.schmid(), 1)
    with Image.open(out / "ramp_responses.png") as im:
        assert im.format == "PNG" and im.width > 4 * 48


def test_apply_rgb_keeps_every_channel_with_border_and_anchor(images_dir, tmp_path, capsys):
    out = tmp_path / "out"
    argv = ["apply", str(images_dir / "noise.png"), "--bank", "gabor", "sigmas=1", "orientations=2", "phases=0"]
    argv += ["-o", str(out), "--border", "replicate", "--anchor", "1,5", "--method", "direct"]
    assert main(argv) == 0
    capsys.readouterr()
    bank = banks.gabor(sigmas=1, orientations=2, phases=0)
    img = np.asarray(Image.open(images_dir / "noise.png"))
    got = np.load(out / "noise.npy")
    assert got.shape == (36, 44, 3 * 2)  # channel c*N + n
    _assert_close(got, _expected(img, bank, "replicate", anchor=(1, 5)), bank, 3)

    # --gray: one luminance channel (cv2.COLOR_RGB2GRAY) -> N channels
    assert main(["apply", str(images_dir / "noise.png"), "--bank", "sobel", "--gray", "-o", str(tmp_path / "g")]) == 0
    capsys.readouterr()
    got = np.load(tmp_path / "g" / "noise.npy")
    _assert_close(got, _expected(cv2.cvtColor(img, cv2.COLOR_RGB2GRAY), banks.sobel()), banks.sobel(), 1)


def test_apply_folder_shows_progress_and_never_overwrites(images_dir, tmp_path, capsys):
    out = tmp_path / "out"
    argv = ["apply", str(images_dir), "--bank", "kernel:box", "ksize=3", "-o", str(out)]
    assert main(argv) == 0
    captured = capsys.readouterr()
    assert captured.err.splitlines() == ["[1/2] noise.png", "[2/2] ramp.png"]
    assert "wrote 4 files for 2 images" in captured.out
    names = ["noise.npy", "noise_responses.png", "ramp.npy", "ramp_responses.png"]
    assert sorted(p.name for p in out.iterdir()) == names
    before = {n: (out / n).read_bytes() for n in names}

    # a second run refuses, names a file, and writes nothing
    (out / "ramp.npy").unlink()
    assert main([*argv, "--bank", "sobel"]) == 2
    line = one_line_error(capsys.readouterr().err)
    assert "noise_responses.png" in line and "--force" in line
    assert not (out / "ramp.npy").exists()
    assert all((out / n).read_bytes() == before[n] for n in names if n != "ramp.npy")

    assert main([*argv, "--bank", "sobel", "--force", "--quiet"]) == 0
    assert capsys.readouterr().err == ""
    assert np.load(out / "ramp.npy").shape == (40, 48, 2)


def test_apply_user_mistakes_are_one_line_errors(images_dir, tmp_path, capsys):
    out = tmp_path / "out"
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "broken.png").write_bytes(b"not a png")
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "notes.txt").write_text("no images here")
    twins = tmp_path / "twins"
    twins.mkdir()
    for name in ("a.png", "a.bmp"):
        Image.fromarray(np.zeros((8, 8), np.uint8)).save(twins / name)
    afile = tmp_path / "afile"
    afile.write_text("x")
    ramp = str(images_dir / "ramp.png")
    cases = [
        ([str(tmp_path / "missing.png"), "--bank", "lm"], "missing.png"),
        ([str(bad / "broken.png"), "--bank", "lm"], "broken.png"),
        ([ramp, "--bank", "lmm"], "did you mean 'lm'"),
        ([ramp, "--bank", "gabor", "sigma=2"], "`sigma`"),
        ([ramp, "--bank", "lm", "--anchor", "49,0"], "anchor"),
        ([ramp, "--bank", "lm", "--anchor", "1"], "ROW,COL"),
        ([ramp, "--bank", "lm", "--border", "reflect"], "ambiguous"),
        ([ramp, "--bank", "lm", "--method", "magic"], "--method"),
        ([str(empty), "--bank", "lm"], "no image files"),
        ([str(twins), "--bank", "sobel"], "a.bmp"),
        (["size=small", "--bank", "lm"], "needs an IMAGE"),
        ([ramp, "--bank", "gabor3d", "orientations=1"], "2-D kernels; got gabor3d: 2 kernels, 13x13x13"),
        ([ramp, "--bank", "gaussian_jet3d", "--engine", "dask"], "3-D kernels"),
        ([ramp, "--bank", "kernel:gaussian_nd", "ksize=5", "sigma=1", "ndim=1"], "1-D kernels"),
    ]
    for argv, word in cases:
        assert main(["apply", *argv, "-o", str(out)]) == 2, argv
        assert word in one_line_error(capsys.readouterr().err), argv
        assert not out.exists(), argv
    assert main(["apply", ramp, "--bank", "lm", "-o", str(afile)]) == 2
    assert "is a file" in one_line_error(capsys.readouterr().err)


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_apply_on_cuda_without_cuda_is_aone_line_error(images_dir, tmp_path, capsys):
    argv = ["apply", str(images_dir / "ramp.png"), "--bank", "sobel", "--device", "cuda", "-o", str(tmp_path / "o")]
    assert main(argv) == 2
    assert "cuda" in one_line_error(capsys.readouterr().err).lower()
    assert not (tmp_path / "o").exists()


@pytest.mark.cuda
def test_apply_on_cuda_matches_opencv(images_dir, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["apply", str(images_dir), "--bank", "rfs", "--device", "cuda", "-o", str(out)]) == 0
    capsys.readouterr()
    for name in ("noise", "ramp"):
        img = np.asarray(Image.open(images_dir / f"{name}.png"))
        _assert_close(np.load(out / f"{name}.npy"), _expected(img, banks.rfs()), banks.rfs(), img.ndim)
