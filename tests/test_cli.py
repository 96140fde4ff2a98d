"""The ``filterbank`` command: list, show, apply, verify, demo, user errors, and a verify that can fail."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch
from PIL import Image

import filterbank.parity as parity
from filterbank import FilterBank, banks, kernels
from filterbank.cli import DEMO_BANKS, CliError, main, parse_params

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
    for cmd in ("list", "show", "apply", "verify", "demo"):
        assert main([cmd, "--help"]) == 0
        out = capsys.readouterr().out
        assert "examples:\n" in out and f"  filterbank {cmd} " in out, out
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for cmd in ("list", "show", "apply", "verify", "bench", "demo"):
        assert cmd in out


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
    # the banks through FilterConv2d on one image: a table with one row per bank, all ok
    assert "path FilterConv2d" in out and "banks lm (48), rfs (38), schmid (13), gabor (16)" in out
    table = out[out.index("banks lm (48)") :]
    for b in DEMO_BANKS:
        row = next(line for line in table.splitlines() if line.startswith(f"{b} "))
        assert row.count(" ok") == len(BORDERS) and "FAIL" not in row, row
    expected = ["bank.png", *(f"bank_{b}.png" for b in DEMO_BANKS)]
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


# ----------------------------------------------------------------------------- list
def test_list_shows_banks_with_parameters_and_sizes(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert "kernel families" in out and "banks" in out
    for name in banks.names():
        assert f"  {name}(" in out
    assert "  lm(size='large')" in out and "[48 kernels, 49x49 at the defaults]" in out
    assert "gabor(sigmas=(2, 4), orientations=4, phases=(0, 1.5708)" in out  # the CLI's own value syntax
    assert "[13 kernels, 49x49 at the defaults]" in out  # schmid

    assert main(["list", "--kind", "banks", "s*"]) == 0
    out = capsys.readouterr().out
    assert "kernel families" not in out
    assert [
        line.split("(")[0].strip() for line in out.splitlines() if line.startswith("  ") and line[2] != " "
    ] == banks.names("s*")
    assert main(["list", "--kind", "kernels"]) == 0
    out = capsys.readouterr().out
    assert "lm(size" not in out and "sobel(dx, dy" in out
    assert main(["list", "nothing*"]) == 0
    assert "no kernel family or bank matches 'nothing*'" in capsys.readouterr().out


# ----------------------------------------------------------------------------- parameters
def test_parse_params_reads_literals_and_never_evaluates():
    got = parse_params(["sigmas=2,4", "orientations=6", "size=small", "gamma=0.5", "phases=[0]", "normalize=true"])
    assert got == {"sigmas": (2, 4), "orientations": 6, "size": "small", "gamma": 0.5, "phases": [0], "normalize": True}
    assert parse_params(["name='large'", "x=None", "k=(3, 5)"]) == {"name": "large", "x": None, "k": (3, 5)}
    # not a literal -> a plain string, never run
    assert parse_params(["ksize=__import__('os').getcwd()"]) == {"ksize": "__import__('os').getcwd()"}
    for bad in (["sigmas"], ["=3"], ["1x=3"], ["a=1", "a=2"], ["a="]):
        with pytest.raises(CliError):
            parse_params(bad)


# ----------------------------------------------------------------------------- show
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
    line = _one_line_error(captured.err)
    for w in words:
        assert w in line, line
    assert captured.out == "" and not out.exists()


def test_show_never_overwrites_without_force(tmp_path, capsys):
    out = tmp_path / "b.png"
    out.write_bytes(b"keep me")
    assert main(["show", "sobel", "-o", str(out)]) == 2
    assert "--force" in _one_line_error(capsys.readouterr().err)
    assert out.read_bytes() == b"keep me"
    assert main(["show", "sobel", "-o", str(out), "--force"]) == 0
    assert np.array_equal(_pixels(out), np.asarray(banks.sobel().show()))
    capsys.readouterr()
    assert main(["show", "sobel", "-o", str(tmp_path / "b.jpg")]) == 2
    assert ".png" in _one_line_error(capsys.readouterr().err)
    saved = banks.sobel().save(tmp_path / "s.npz")
    assert main(["show", str(saved), "ksize=5", "-o", str(tmp_path / "c.png")]) == 2
    assert "no parameters" in _one_line_error(capsys.readouterr().err)


# ----------------------------------------------------------------------------- apply
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
    line = _one_line_error(capsys.readouterr().err)
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
    ]
    for argv, word in cases:
        assert main(["apply", *argv, "-o", str(out)]) == 2, argv
        assert word in _one_line_error(capsys.readouterr().err), argv
        assert not out.exists(), argv
    assert main(["apply", ramp, "--bank", "lm", "-o", str(afile)]) == 2
    assert "is a file" in _one_line_error(capsys.readouterr().err)


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_apply_on_cuda_without_cuda_is_a_one_line_error(images_dir, tmp_path, capsys):
    argv = ["apply", str(images_dir / "ramp.png"), "--bank", "sobel", "--device", "cuda", "-o", str(tmp_path / "o")]
    assert main(argv) == 2
    assert "cuda" in _one_line_error(capsys.readouterr().err).lower()
    assert not (tmp_path / "o").exists()


@pytest.mark.cuda
def test_apply_on_cuda_matches_opencv(images_dir, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["apply", str(images_dir), "--bank", "rfs", "--device", "cuda", "-o", str(out)]) == 0
    capsys.readouterr()
    for name in ("noise", "ramp"):
        img = np.asarray(Image.open(images_dir / f"{name}.png"))
        _assert_close(np.load(out / f"{name}.npy"), _expected(img, banks.rfs()), banks.rfs(), img.ndim)


# ----------------------------------------------------------------------------- as a subprocess
def _run_cli(*argv: str, cwd: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    return subprocess.run(
        [sys.executable, "-m", "filterbank.cli", *argv],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=120,
        check=False,
    )


def test_show_and_apply_in_a_subprocess(images_dir, tmp_path):
    ok = _run_cli("show", "kernel:sobel", "dx=1", "dy=0", "-o", "s.png", cwd=tmp_path)
    assert ok.returncode == 0 and (tmp_path / "s.png").is_file(), ok.stderr
    for argv, word in [
        (("show", "lmm", "-o", "x.png"), "did you mean 'lm'"),
        (("show", "lm", "size=huge", "-o", "x.png"), "huge"),
        (("apply", "nope.png", "--bank", "lm", "-o", "out"), "nope.png"),
        (("apply", str(images_dir / "ramp.png"), "--bank", "lm", "oops=1", "-o", "out"), "`oops`"),
    ]:
        proc = _run_cli(*argv, cwd=tmp_path)
        assert proc.returncode == 2, (argv, proc.stderr)
        assert word in _one_line_error(proc.stderr), argv
        assert proc.stdout == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.png"]
