"""The ``filterbank`` command: list, verify, demo, user errors, and a verify that can fail."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

import filterbank.parity as parity
from filterbank import kernels
from filterbank.cli import main

REPO = Path(__file__).resolve().parent.parent
FAMILIES = [label for label, _ in parity.default_groups()]
BORDERS = ("reflect101", "symmetric", "replicate", "constant")


@pytest.fixture(scope="module")
def images_dir(tmp_path_factory) -> Path:
    """Two small synthetic images: a gray ramp with noise and an RGB one (fast to verify)."""
    folder = tmp_path_factory.mktemp("images")
    rng = np.random.default_rng(7)
    yy, xx = np.mgrid[:40, :48]
    gray = np.clip(3 * xx + 2 * yy + rng.integers(0, 40, xx.shape), 0, 255).astype(np.uint8)
    Image.fromarray(gray, "L").save(folder / "ramp.png")
    rgb = rng.integers(0, 256, (36, 44, 3), dtype=np.uint8)
    Image.fromarray(rgb, "RGB").save(folder / "noise.png")
    return folder


def _one_line_error(err: str) -> str:
    lines = [s for s in err.splitlines() if s.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("filterbank: error: "), err
    assert "Traceback" not in err
    return lines[0]


def test_list_shows_every_family_with_parameters(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    for name in kernels.names():
        assert f"{name}(" in out
    assert "gabor(ksize, sigma, theta, lambd, gamma=1, psi=1.5708)" in out
    assert "sobel(dx, dy, ksize=3, normalize=False)" in out


def test_help_has_examples(capsys):
    for cmd in ("list", "verify", "demo"):
        assert main([cmd, "--help"]) == 0
        assert "example: filterbank" in capsys.readouterr().out


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


def test_verify_fails_when_the_reference_disagrees(images_dir, monkeypatch, capsys):
    real = parity.reference_filter2d

    def off_by_a_bit(channel, kernel, border):
        return real(channel, kernel, border) + np.float32(1e-3)

    monkeypatch.setattr(parity, "reference_filter2d", off_by_a_bit)
    assert main(["verify", "--images", str(images_dir)]) == 1
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


def test_demo_writes_pictures_and_table(images_dir, tmp_path, capsys):
    out_dir = tmp_path / "demo"
    threads = torch.get_num_threads()
    code = main(["demo", "--out", str(out_dir), "--images", str(images_dir), "--device", "cpu", "--threads", "1"])
    assert torch.get_num_threads() == threads  # restored after the command
    out = capsys.readouterr().out
    assert code == 0, out
    for word in [*FAMILIES, *BORDERS, "float32", "uint8", "device cpu"]:
        assert word in out
    expected = ["bank.png"]
    for name in ("noise", "ramp"):
        expected.append(f"responses_{name}.png")
        expected += [f"compare_{name}_{family}.png" for family in FAMILIES]
    assert sorted(p.name for p in out_dir.iterdir()) == sorted(expected)
    for name in expected:
        assert str(out_dir / name) in out
        with Image.open(out_dir / name) as im:
            im.verify()
            assert im.format == "PNG"


def test_missing_images_dir_is_a_one_line_error(tmp_path, capsys):
    missing = tmp_path / "nope"
    for cmd in ("verify", "demo"):
        extra = ["--out", str(tmp_path / "o")] if cmd == "demo" else []
        assert main([cmd, "--images", str(missing), *extra]) == 2
        line = _one_line_error(capsys.readouterr().err)
        assert str(missing) in line


def test_unknown_device_and_bad_options_are_one_line_errors(capsys):
    assert main(["verify", "--device", "tpu"]) == 2
    assert "tpu" in _one_line_error(capsys.readouterr().err)
    assert main(["verify", "--dtype", "float16"]) == 2
    _one_line_error(capsys.readouterr().err)
    assert main(["verify", "--threads", "0"]) == 2
    _one_line_error(capsys.readouterr().err)
    assert main([]) == 2
    _one_line_error(capsys.readouterr().err)


def test_reflect_border_is_refused_with_one_line(images_dir, capsys):
    assert main(["verify", "--images", str(images_dir), "--border", "reflect"]) == 2
    assert "ambiguous" in _one_line_error(capsys.readouterr().err)


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_cuda_without_cuda_is_a_one_line_error(images_dir, tmp_path, capsys):
    assert main(["verify", "--device", "cuda", "--images", str(images_dir)]) == 2
    assert "cuda" in _one_line_error(capsys.readouterr().err).lower()
    assert main(["demo", "--device", "cuda", "--images", str(images_dir), "--out", str(tmp_path)]) == 2
    _one_line_error(capsys.readouterr().err)


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


def test_module_entry_point_in_a_subprocess():
    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = subprocess.run(
        [sys.executable, "-m", "filterbank.cli", "list"],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "sobel(" in proc.stdout and "gabor(" in proc.stdout
