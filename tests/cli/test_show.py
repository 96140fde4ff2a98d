"""``filterbank show``: banks, kernels and saved banks as pictures; user mistakes; no overwrite."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from filterbank import FilterBank, banks, banks3d
from filterbank.cli import main

from ._helpers import one_line_error


def _pixels(path: Path) -> np.ndarray:
    with Image.open(path) as im:
        assert im.format == "PNG"
        return np.asarray(im.convert("RGB"))


def test_show_bank_with_parameters(tmp_path, capsys):
    out = tmp_path / "lm.png"
    assert main(["show", "lm", "size=small", "-o", str(out)]) == 0
    assert capsys.readouterr().out.strip() == f"wrote {out} (lm: 48 kernels, 49x49)"
    assert np.array_equal(_pixels(out), np.asarray(banks.lm("small").show()))
    # parameters after an option and a tuple written as 2,4
    out2 = tmp_path / "sub" / "gabor.png"
    assert main(["show", "gabor", "-o", str(out2), "sigmas=2,4", "orientations=6", "--cell", "32"]) == 0
    assert "gabor: 24 kernels" in capsys.readouterr().out
    assert np.array_equal(_pixels(out2), np.asarray(banks.gabor(sigmas=(2, 4), orientations=6).show(cell=32)))


def test_show_kernel_family_and_saved_bank(tmp_path, capsys):
    out = tmp_path / "sobel.png"
    assert main(["show", "kernel:sobel", "dx=1", "dy=0", "-o", str(out)]) == 0
    assert "kernel:sobel: 1 kernel, 3x3" in capsys.readouterr().out
    expected = FilterBank.from_specs([{"family": "sobel", "dx": 1, "dy": 0}])
    assert np.array_equal(_pixels(out), np.asarray(expected.show()))
    # a family that is not a bank name needs no prefix
    assert main(["show", "log", "ksize=9", "sigma=1.4", "-o", str(tmp_path / "log.png")]) == 0
    assert "kernel:log: 1 kernel, 9x9" in capsys.readouterr().out

    bank = banks.schmid()[:3]
    saved = bank.save(tmp_path / "mine.npz")
    out = tmp_path / "mine.png"
    assert main(["show", str(saved), "-o", str(out)]) == 0
    assert f"{saved}: 3 kernels, 49x49" in capsys.readouterr().out
    assert np.array_equal(_pixels(out), np.asarray(bank.show()))


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["show", "lm", "sizes=small"], ["`sizes`", "did you mean 'size'", "size='large'"]),
        (["show", "lmm"], ["unknown bank 'lmm'", "did you mean 'lm'"]),
        (["show", "sobel", "dx=1"], ["kernel:sobel"]),
        (["show", "kernel:sobel", "dx=1"], ["needs dy=..."]),
        (["show", "kernel:sobl", "dx=1"], ["did you mean 'sobel'"]),
        (["show", "log", "ksize=9", "sigma=-2"], ["`sigma` must be > 0", "-2"]),
        (["show", "gabor", "sigmas=abc"], ["bank 'gabor'", "`sigmas`"]),
        (["show", "lm", "size=medium"], ["medium"]),
        (["show", "lm", "oops"], ["key=value", "'oops'"]),
        (["show", "missing.npz"], ["missing.npz", "does not exist"]),
    ],
)
def test_show_user_mistakes_are_one_line_errors(argv, words, tmp_path, capsys):
    out = tmp_path / "x.png"
    assert main([*argv, "-o", str(out)]) == 2
    captured = capsys.readouterr()
    line = one_line_error(captured.err)
    for w in words:
        assert w in line, line
    assert captured.out == "" and not out.exists()


def test_show_never_overwrites_without_force(tmp_path, capsys):
    out = tmp_path / "b.png"
    out.write_bytes(b"keep me")
    assert main(["show", "sobel", "-o", str(out)]) == 2
    assert "--force" in one_line_error(capsys.readouterr().err)
    assert out.read_bytes() == b"keep me"
    assert main(["show", "sobel", "-o", str(out), "--force"]) == 0
    assert np.array_equal(_pixels(out), np.asarray(banks.sobel().show()))
    capsys.readouterr()
    assert main(["show", "sobel", "-o", str(tmp_path / "b.jpg")]) == 2
    assert ".png" in one_line_error(capsys.readouterr().err)
    saved = banks.sobel().save(tmp_path / "s.npz")
    assert main(["show", str(saved), "ksize=5", "-o", str(tmp_path / "c.png")]) == 2
    assert "no parameters" in one_line_error(capsys.readouterr().err)


def test_show_3d_kernels_as_orthogonal_slices(tmp_path, capsys):
    out = tmp_path / "g3.png"
    args = ["show", "kernel:gabor3d", "ksize=9", "sigma=2", "theta=0.5", "phi=1.0", "lambd=5", "-o", str(out)]
    assert main(args) == 0
    assert capsys.readouterr().out.strip() == f"wrote {out} (kernel:gabor3d: 1 kernel, 9x9x9)"
    pixels = _pixels(out)
    assert pixels.shape[1] > 3 * 60  # three 9x9 slices side by side at the default cell of 64
    saved = tmp_path / "jet.npz"
    from_file = tmp_path / "jet.png"
    banks3d.gaussian_jet(1, [1.0]).save(saved)
    assert main(["show", str(saved), "-o", str(from_file)]) == 0
    assert "4 kernels, 9x9x9" in capsys.readouterr().out


def test_show_registered_3d_bank_draws_orthogonal_slices(tmp_path, capsys):
    out = tmp_path / "jet3d.png"
    assert main(["show", "gaussian_jet3d", "max_order=1", "sigmas=1", "-o", str(out)]) == 0
    assert capsys.readouterr().out.strip() == f"wrote {out} (gaussian_jet3d: 4 kernels, 9x9x9)"
    # the picture FilterBank.show draws for the banks3d bank: three central slices per kernel
    assert np.array_equal(_pixels(out), np.asarray(banks3d.gaussian_jet(1, [1.0]).show()))
    assert _pixels(out).shape[1] > 4 * 3 * 60  # 4 kernels in one row, each three 9x9 slices at a cell of 64
    out2 = tmp_path / "gabor3d.png"
    assert main(["show", "gabor3d", "orientations=2", "phases=0", "-o", str(out2)]) == 0
    assert "gabor3d: 2 kernels, 13x13x13" in capsys.readouterr().out
    assert np.array_equal(_pixels(out2), np.asarray(banks3d.gabor(2, phases=[0.0]).show()))
