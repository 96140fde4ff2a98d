"""FilterBank save/load, normalisation, size policy, spec regeneration and pictures."""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import filterbank.bank as bank_module
from filterbank import DTypeError, FilterBank, ParameterError, ShapeError, UnknownNameError, banks, kernels
from filterbank.bank import FORMAT, BankFileError, kernel_from_spec

ROOT = Path(__file__).resolve().parent.parent


def _banks():
    return {
        "lm": banks.lm(),
        "gabor": banks.gabor([2.0], 3),
        "random": banks.random(4, (3, 5), seed=3, kind="orthogonal"),
        "custom": FilterBank(np.random.default_rng(0).standard_normal((3, 4, 4)), names=["a", "b", "c"]),
        "normalized": banks.sobel().normalize("l2"),
        "cropped": banks.gaussian_jet(1, [2.0]).resize(9, crop=True),
        "mixed": banks.kirsch() + banks.laws() + FilterBank.from_specs([{"family": "disk", "radius": 2.0}]),
    }


# ------------------------------------------------------------------ round trip
@pytest.mark.parametrize("name", list(_banks()))
def test_round_trip_bit_exact(tmp_path, name):
    b = _banks()[name]
    p = b.save(tmp_path / f"{name}.npz")
    back = FilterBank.load(p)
    assert back.kernels.tobytes() == b.kernels.tobytes()
    assert back.names == b.names
    assert back.specs == json.loads(json.dumps(b.specs))
    assert not back.kernels.flags.writeable
    # specs regenerate the bank
    regen = FilterBank.from_specs(back.specs, names=back.names) if name != "custom" else back
    if name not in ("custom", "random", "mixed"):
        np.testing.assert_array_equal(regen.resize(back.ksize).kernels, back.kernels)


def test_file_is_plain_npz_without_pickle(tmp_path):
    p = banks.schmid().save(tmp_path / "s.npz")
    with zipfile.ZipFile(p) as z:
        assert sorted(z.namelist()) == ["kernels.npy", "meta.npy"]
    with np.load(p, allow_pickle=False) as d:
        meta = json.loads(d["meta"].tobytes())
        assert meta["format"] == FORMAT and meta["version"] == 1 and meta["shape"] == [13, 49, 49]
        assert len(meta["sha256"]) == 64
        assert d["kernels"].dtype == np.dtype("<f8")


def test_save_is_atomic(tmp_path, monkeypatch):
    p = tmp_path / "bank.npz"
    banks.sobel().save(p)
    before = p.read_bytes()

    def broken_savez(f, **arrays):
        f.write(b"PK\x03\x04 half written")
        raise OSError("disk full")

    monkeypatch.setattr(bank_module.np, "savez", broken_savez)
    with pytest.raises(OSError, match="disk full"):
        banks.lm().save(p)
    assert p.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["bank.npz"]  # no temporary file left behind
    monkeypatch.undo()
    assert FilterBank.load(p).names == ["sobel_x", "sobel_y"]


def test_save_refuses_non_json_specs(tmp_path):
    b = FilterBank(np.ones((1, 3, 3)), specs=[{"family": "custom", "w": np.float32(1.0)}])
    with pytest.raises(DTypeError, match=r"`specs` must be JSON-serialisable"):
        b.save(tmp_path / "x.npz")
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------------ bad files
def _write_npz(path, **arrays):
    with open(path, "wb") as f:
        np.savez(f, **arrays)


def _write_npy(path, array):
    with open(path, "wb") as f:
        np.save(f, array)


def _meta(path):
    with np.load(path, allow_pickle=False) as d:
        return d["kernels"], json.loads(d["meta"].tobytes())


def _blob(meta):
    return np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)


def test_truncated_file(tmp_path):
    p = banks.rfs().save(tmp_path / "r.npz")
    data = p.read_bytes()
    p.write_bytes(data[: len(data) // 2])
    with pytest.raises(BankFileError, match=r"truncated or corrupted"):
        FilterBank.load(p)


def test_corrupted_byte_is_caught(tmp_path):
    p = banks.rfs().save(tmp_path / "r.npz")
    data = bytearray(p.read_bytes())
    data[len(data) // 3] ^= 0xFF  # inside the kernel data
    p.write_bytes(bytes(data))
    with pytest.raises(BankFileError, match=r"truncated or corrupted|SHA-256"):
        FilterBank.load(p)


def test_tampered_kernels_fail_the_hash(tmp_path):
    p = banks.sobel().save(tmp_path / "s.npz")
    k, meta = _meta(p)
    k = k.copy()
    k[0, 1, 1] = 0.5
    _write_npz(p, kernels=k, meta=_blob(meta))
    with pytest.raises(BankFileError, match=r"SHA-256 .* does not match its content"):
        FilterBank.load(p)
    # a renamed kernel is caught as well
    k, meta = _meta(banks.sobel().save(tmp_path / "t.npz"))
    meta["names"][0] = "evil"
    _write_npz(tmp_path / "t.npz", kernels=k, meta=_blob(meta))
    with pytest.raises(BankFileError, match=r"SHA-256"):
        FilterBank.load(tmp_path / "t.npz")


def test_spec_that_does_not_match_its_kernel(tmp_path):
    lm = banks.lm()
    specs = lm.specs
    specs[3], specs[4] = specs[4], specs[3]  # consistent file, wrong specs
    p = FilterBank(lm.kernels, lm.names, specs).save(tmp_path / "bad.npz")
    with pytest.raises(BankFileError, match=r"spec 3 \('lm_edge_s1_t090'\) does not match its kernel"):
        FilterBank.load(p)
    assert len(FilterBank.load(p, verify=False)) == 48
    with pytest.raises(ParameterError, match=r"does not match its kernel"):
        FilterBank(lm.kernels, lm.names, specs).verify()


def test_spec_that_does_not_regenerate(tmp_path):
    b = FilterBank(np.ones((1, 3, 3)), specs=[{"family": "box", "ksize": -3}])
    with pytest.raises(BankFileError, match=r"spec 0 .* does not regenerate its kernel: `ksize`"):
        FilterBank.load(b.save(tmp_path / "b.npz"))


@pytest.mark.parametrize(
    ("writer", "pattern"),
    [
        (lambda p: _write_npy(p, np.ones((2, 3, 3))), r"starts with b'\\x93NUM'"),
        (lambda p: p.write_bytes(pickle.dumps({"kernels": [1, 2]})), r"not the zip signature"),
        (lambda p: Image.new("RGB", (4, 4)).save(p, format="PNG"), r"starts with b'\\x89PNG'"),
        (lambda p: p.write_text("kernels = [1, 2, 3]\n"), r"not the zip signature"),
        (lambda p: p.write_bytes(b""), r"not the zip signature"),
        (lambda p: _write_npz(p, weights=np.ones(3)), r"exactly the entries 'kernels' and 'meta'; .* \['weights'\]"),
        (lambda p: _write_npz(p, kernels=np.ones((1, 3, 3)), meta=np.array(["x"], dtype=object)), r"truncated or corr"),
        (lambda p: _write_npz(p, kernels=np.ones((1, 3, 3)), meta=_blob({"format": "other"})), r"format 'other'"),
        (lambda p: _write_npz(p, kernels=np.ones((1, 3, 3)), meta=_blob([1])), r"has format 'list'"),
        (
            lambda p: _write_npz(p, kernels=np.ones((1, 3, 3)), meta=np.frombuffer(b"{no", np.uint8)),
            r"not valid UTF-8 JSON",
        ),
        (
            lambda p: _write_npz(p, kernels=np.ones((1, 3, 3)), meta=_blob({"format": FORMAT, "version": 2})),
            r"format version must be an int in \[1, 1\] .* has 2",
        ),
        (
            lambda p: _write_npz(
                p,
                kernels=np.ones((1, 3, 3), np.float32),
                meta=_blob({"format": FORMAT, "version": 1, "shape": [1, 3, 3]}),
            ),
            r"entry 'kernels' must be float64 of shape \[1, 3, 3\]; got float32",
        ),
    ],
)
def test_other_formats_are_refused(tmp_path, writer, pattern):
    p = tmp_path / "file.npz"
    writer(p)
    with pytest.raises(BankFileError, match=pattern):
        FilterBank.load(p)


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        FilterBank.load(tmp_path / "nope.npz")


# ------------------------------------------------------------------ normalisation
def test_normalize_kinds():
    b = FilterBank.from_specs([{"family": "gaussian", "ksize": 5, "sigma": 1.0}, {"family": "box", "ksize": (3, 5)}])
    raw = b.kernels
    np.testing.assert_allclose(b.normalize("sum").kernels.sum(axis=(1, 2)), 1.0, atol=1e-15)
    l1 = b.normalize("l1").kernels
    np.testing.assert_allclose(l1, raw / np.abs(raw).sum(axis=(1, 2), keepdims=True), atol=1e-16)
    l2 = b.normalize("l2").kernels
    np.testing.assert_allclose(np.sqrt((l2**2).sum(axis=(1, 2))), 1.0, atol=1e-15)
    e = banks.sobel()
    z = e.normalize("zero_mean_l1").kernels
    np.testing.assert_allclose(z, e.kernels / 8.0, atol=1e-16)  # sobel: already zero mean, L1 8
    n = b.normalize("l2")
    assert n.names == b.names
    assert n.specs[0] == {"family": "normalized", "kind": "l2", "ksize": [5, 5], "spec": b.specs[0]}
    n.verify()
    # VGG's normalise is idempotent on the VGG banks
    np.testing.assert_allclose(banks.schmid().normalize("zero_mean_l1").kernels, banks.schmid().kernels, atol=1e-15)


@pytest.mark.parametrize(
    ("call", "error", "pattern"),
    [
        (lambda: banks.sobel().normalize("sum"), ParameterError, r"`kind`='sum' .* kernel 'sobel_x' sums to 0.0"),
        (
            lambda: FilterBank.from_specs([{"family": "box", "ksize": 3}]).normalize("zero_mean_l1"),
            ParameterError,
            r"constant",
        ),
        (lambda: FilterBank(np.zeros((1, 3, 3))).normalize("l2"), ParameterError, r"kernel 'k0' is all zeros"),
        (lambda: banks.sobel().normalize("max"), UnknownNameError, r"`kind` must be one of .*got 'max'"),
    ],
)
def test_normalize_errors(call, error, pattern):
    with pytest.raises(error, match=pattern):
        call()


# ------------------------------------------------------------------ size policy
def test_resize_pads_and_crops_only_on_request():
    b = FilterBank.from_specs([{"family": "gaussian", "ksize": 9, "sigma": 2.0}, {"family": "sobel", "dx": 1, "dy": 0}])
    assert b.ksize == (9, 9)
    padded = b.resize((11, 13))
    assert padded.ksize == (11, 13) and padded.specs == b.specs
    np.testing.assert_array_equal(padded.kernels[:, 1:10, 2:11], b.kernels)
    with pytest.raises(
        ShapeError, match=r"smaller than the bank's \(9, 9\): cropping would drop up to .*% .*crop=True"
    ):
        b.resize(5)
    k = b.kernels[0]
    expected = 1 - np.abs(k[2:7, 2:7]).sum() / np.abs(k).sum()
    np.testing.assert_allclose(b.crop_loss(5), [expected, 0.0], atol=1e-15)
    cropped = b.resize(5, crop=True)
    assert cropped.ksize == (5, 5)
    np.testing.assert_array_equal(cropped.kernels[0], k[2:7, 2:7])
    assert cropped.specs[0]["family"] == "cropped" and cropped.specs[0]["l1_lost"] == pytest.approx(expected)
    assert cropped.specs[1]["l1_lost"] == 0.0
    cropped.verify()
    with pytest.raises(ParameterError, match=r"`max_loss` is 0.01; cropping to \(5, 5\) drops"):
        b.resize(5, crop=True, max_loss=0.01)
    with pytest.raises(ShapeError, match=r"size difference must be even"):
        b.resize(10)


def test_from_specs_with_bank_families_and_wrappers():
    spec = {"family": "banks.vgg_oriented", "size": 49, "sigma": 2.0, "order": 1, "angle": 0.5}
    k = kernel_from_spec(spec)
    assert k.shape == (49, 49)
    wrapped = {"family": "normalized", "kind": "l2", "ksize": [51, 51], "spec": spec}
    b = FilterBank.from_specs([wrapped])
    assert b.names == ["banks.vgg_oriented_size49_sigma2_order1_angle0.5"]
    assert b.ksize == (51, 51)
    assert np.sqrt((b.kernels**2).sum()) == pytest.approx(1.0)
    with pytest.raises(UnknownNameError, match=r"Did you mean 'banks.vgg_oriented'"):
        kernel_from_spec({"family": "banks.vgg_orientd", "size": 3})
    with pytest.raises(UnknownNameError):
        kernel_from_spec({"family": "custom"})


# ------------------------------------------------------------------ pictures
def test_show_and_to_image(tmp_path):
    b = banks.gabor([2.0], 4)
    img = b.show(cell=40, cols=4)
    assert img.mode == "RGB" and img.size[0] >= 4 * 40
    p = b.to_image(tmp_path / "sub" / "gabor.png")
    with Image.open(p) as im:
        assert im.format == "PNG" and im.size == b.show().size
    resp = b.response_image(np.eye(24), cols=3)
    assert resp.mode == "RGB"
    with pytest.raises(ShapeError, match=r"`image` must be a 2-D"):
        b.response_image(np.zeros((4, 4, 3)))


def test_viz_is_not_imported_by_bank():
    code = "import sys, filterbank.bank, filterbank.banks; assert 'filterbank.viz' not in sys.modules; print('ok')"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT, check=False)
    assert out.returncode == 0, out.stderr
    assert "ok" in out.stdout


def test_catalog_spec_kernels_unchanged():
    b = FilterBank.from_specs([{"family": "motion", "length": 7, "angle": 30}, {"family": "unsharp"}])
    np.testing.assert_array_equal(b.kernels[1, 1:4, 2:5], kernels.unsharp())
