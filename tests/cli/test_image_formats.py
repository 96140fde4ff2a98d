"""``verify`` and ``demo --images`` read every format ``apply`` reads (one reader for the three commands)."""

from __future__ import annotations

import numpy as np
from PIL import Image

from filterbank.cli import main

from ._helpers import one_line_error


def _folder(tmp_path, names):
    folder = tmp_path / "imgs"
    folder.mkdir()
    yy, xx = np.mgrid[:30, :36]
    img = ((5 * xx + 3 * yy) % 256).astype(np.uint8)
    for name in names:
        Image.fromarray(img).save(folder / name)
    (folder / "notes.txt").write_text("not an image")
    return folder


def test_verify_reads_png_jpeg_bmp_and_tiff(tmp_path, capsys):
    folder = _folder(tmp_path, ["a.png", "b.jpg", "c.bmp", "d.tif", "e.tiff", "f.jpeg"])
    assert main(["verify", "--images", str(folder), "--border", "replicate"]) == 0
    assert "6 image(s): a, b, c, d, e, f" in capsys.readouterr().out


def test_demo_reads_a_tiff(tmp_path, capsys):
    folder = _folder(tmp_path, ["a.png", "d.tif"])
    assert main(["demo", "--images", str(folder), "--out", str(tmp_path / "demo"), "--threads", "1"]) == 0
    assert "images: a, d (" in capsys.readouterr().out


def test_verify_refuses_a_sixteen_bit_image_by_name(tmp_path, capsys):
    folder = _folder(tmp_path, ["a.png"])
    Image.fromarray(np.full((8, 8), 1000, np.uint16)).save(folder / "deep.png")
    assert main(["verify", "--images", str(folder)]) == 2
    line = one_line_error(capsys.readouterr().err)
    assert "deep.png" in line and "16-bit" in line and "8-bit" in line
