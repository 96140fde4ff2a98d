"""``filterbank verify``: passes, writes JSON, and fails when the reference or the injected kernel is wrong."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from PIL import Image

import filterbank.parity as parity
import filterbank.parity3d as parity3d
from filterbank.cli import main

from ._helpers import BORDERS, FAMILIES, one_line_error


def test_verify_passes_and_writes_json(images_dir, tmp_path, capsys):
    path = tmp_path / "out" / "parity.json"
    code = main(["verify", "--images", str(images_dir), "--dtype", "float32", "--dtype", "uint8", "--json", str(path)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "ALL OK" in out and "FAIL" not in out
    for word in [*FAMILIES, *BORDERS, "float32", "uint8", "inject", "FilterConv2d", "filter2d"]:
        assert word in out
    assert all(len(line) <= 100 for line in out.splitlines())
    data = json.loads(path.read_text())
    assert data["ok"] is True and data["images"] == ["noise", "ramp"]
    assert len(data["rows"]) == len(FAMILIES) * len(BORDERS) * 2 * len(parity.PATHS)
    # the 3-D table: every family, all five borders, three paths, against SciPy
    assert "parity vs scipy.ndimage.correlate" in out and "path FilterConv3d" in out
    volume = data["volume"]
    assert volume["ok"] is True and volume["images"] == ["synthetic_volume(24)"]
    assert len(volume["rows"]) == len(parity3d.default_groups_3d()) * 5 * len(parity3d.PATHS_3D)


def test_verify_fails_when_the_reference_disagrees(images_dir, monkeypatch, capsys):
    real = parity.reference_filter2d

    def off_by_a_bit(channel, kernel, border):
        return real(channel, kernel, border) + np.float32(1e-3)

    monkeypatch.setattr(parity, "reference_filter2d", off_by_a_bit)
    assert main(["verify", "--images", str(images_dir), "--volume-size", "0"]) == 1  # the 2-D table only
    out = capsys.readouterr().out
    assert "FAIL" in out and "ALL OK" not in out


def test_verify_fails_when_the_injected_kernel_is_wrong(images_dir, monkeypatch, capsys):
    """A conv holding the flipped (convolution-orientation) kernel must be caught on the inject path."""
    real_inject = parity.inject

    def flipping_inject(conv, bank, **kw):
        return real_inject(conv, np.ascontiguousarray(bank.kernels[:, ::-1, ::-1]), **kw)

    monkeypatch.setattr(parity, "inject", flipping_inject)
    assert main(["verify", "--images", str(images_dir), "--border", "reflect101"]) == 1
    report = parity.run_parity([("x", np.asarray(Image.open(images_dir / "ramp.png")))], borders=("reflect101",))
    bad = {(r.family, r.path) for r in report.rows if not r.ok}
    assert ("sobel", "inject") in bad and ("gabor", "inject") in bad
    assert ("gaussian", "inject") not in bad  # symmetric kernels do not notice a flip
    assert not any(path != "inject" for _, path in bad)
    capsys.readouterr()


def test_reflect_border_is_refused_with_one_line(images_dir, capsys):
    assert main(["verify", "--images", str(images_dir), "--border", "reflect"]) == 2
    assert "ambiguous" in one_line_error(capsys.readouterr().err)


@pytest.mark.cuda
def test_verify_on_cuda_switches_tf32_off_and_restores_it(images_dir, capsys):
    # Turn TF32 on (torch's default on Ampere+): verify must switch it off for the run
    # (TF32 convs are ~1e-3 off, far outside the tolerances) and restore it afterwards.
    torch.backends.cudnn.allow_tf32 = True
    torch.backends.cuda.matmul.allow_tf32 = True
    code = main(["verify", "--device", "cuda", "--images", str(images_dir), "--dtype", "float32", "--dtype", "uint8"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "device cuda" in out and "ALL OK" in out
    assert torch.backends.cudnn.allow_tf32 is True
    assert torch.backends.cuda.matmul.allow_tf32 is True


def test_verify_catches_a_flipped_3d_injection(images_dir, monkeypatch, capsys):
    """A Conv3d holding the flipped kernels must fail the 3-D table on the inject path only."""
    real_inject = parity3d.inject

    def flipping_inject(conv, bank, **kw):
        return real_inject(conv, np.ascontiguousarray(bank.kernels[:, ::-1, ::-1, ::-1]), **kw)

    monkeypatch.setattr(parity3d, "inject", flipping_inject)
    assert main(["verify", "--images", str(images_dir), "--border", "replicate", "--volume-size", "10"]) == 1
    report = parity3d.run_parity_3d(borders=("replicate",), size=10)
    bad = {(r.family, r.path) for r in report.rows if not r.ok}
    assert ("sobel", "inject3d") in bad and ("random", "inject3d") in bad
    assert ("gaussian", "inject3d") not in bad  # symmetric kernels do not notice a flip
    assert all(path == "inject3d" for _, path in bad)
    capsys.readouterr()
    assert main(["verify", "--images", str(images_dir), "--volume-size", "0"]) == 0  # 2-D only: ok
