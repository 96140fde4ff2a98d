"""``filterbank demo``: parity tables and the gallery; missing images folder; CUDA without CUDA."""

from __future__ import annotations

import pytest
import torch
from PIL import Image

from filterbank.cli import DEMO_BANKS, main

from ._helpers import BORDERS, FAMILIES, one_line_error


def test_demo_writes_pictures_and_table(images_dir, tmp_path, capsys):
    out_dir = tmp_path / "demo"
    threads = torch.get_num_threads()
    code = main(["demo", "--out", str(out_dir), "--images", str(images_dir), "--device", "cpu", "--threads", "1"])
    assert torch.get_num_threads() == threads  # restored after the command
    out = capsys.readouterr().out
    assert code == 0, out
    for word in [*FAMILIES, *BORDERS, "float32", "uint8", "device cpu"]:
        assert word in out
    # the banks through FilterConv2d on one image: a table with one row per bank, all ok
    assert "path FilterConv2d" in out and "banks lm (48), rfs (38), schmid (13), gabor (16)" in out
    table = out[out.index("banks lm (48)") :]
    for b in DEMO_BANKS:
        row = next(line for line in table.splitlines() if line.startswith(f"{b} "))
        assert row.count(" ok") == len(BORDERS) and "FAIL" not in row, row
    # the 3-D families on the generated volume, against SciPy, every path and border ok
    assert out.count("parity vs scipy.ndimage.correlate") == 3 and "synthetic_volume(24)" in out
    expected = ["bank.png", *(f"bank_{b}.png" for b in DEMO_BANKS), "bank3d.png", "responses_volume.png"]
    for name in ("noise", "ramp"):
        expected.append(f"responses_{name}.png")
        expected += [f"compare_{name}_{family}.png" for family in FAMILIES]
    assert sorted(p.name for p in out_dir.iterdir()) == sorted(expected)
    for name in expected:
        assert str(out_dir / name) in out
        with Image.open(out_dir / name) as im:
            im.verify()
            assert im.format == "PNG"


def test_missing_images_dir_is_aone_line_error(tmp_path, capsys):
    missing = tmp_path / "nope"
    for cmd in ("verify", "demo"):
        extra = ["--out", str(tmp_path / "o")] if cmd == "demo" else []
        assert main([cmd, "--images", str(missing), *extra]) == 2
        line = one_line_error(capsys.readouterr().err)
        assert str(missing) in line


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_cuda_without_cuda_is_aone_line_error(images_dir, tmp_path, capsys):
    assert main(["verify", "--device", "cuda", "--images", str(images_dir)]) == 2
    assert "cuda" in one_line_error(capsys.readouterr().err).lower()
    assert main(["demo", "--device", "cuda", "--images", str(images_dir), "--out", str(tmp_path)]) == 2
    one_line_error(capsys.readouterr().err)
