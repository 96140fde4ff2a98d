"""Tests of filterbank.bank.fileformat: FilterBank save / load, bad files, and files saved by filterbank 0.1."""

from __future__ import annotations

import json
import os
import pickle
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import filterbank.bank.fileformat as fileformat_module
from filterbank import DTypeError, FilterBank, ParameterError, banks
from filterbank.bank import FORMAT, BankFileError
from tests.fixtures.banks.make_fixtures import FIXTURES as SAVED_BY_0_1

#: Banks saved by filterbank 0.1 (see make_fixtures.py there for how).
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "banks"


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

    monkeypatch.setattr(fileformat_module.np, "savez", broken_savez)
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
        (
            lambda p: _write_npz(p, kernels=np.ones((1, 3, 3)), meta=np.array(["x"], dtype=object)),
            r"entry 'meta' must be 1-D uint8",  # read from its npy header: nothing unpickled or allocated
        ),
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


# ------------------------------------------------------------------ files saved by filterbank 0.1
#: What each committed fixture was saved from, rebuilt here with today's code.
RELEASE_0_1 = SAVED_BY_0_1


def test_every_fixture_is_checked():
    assert sorted(p.stem for p in FIXTURES.glob("*.npz")) == sorted(RELEASE_0_1)


@pytest.mark.parametrize("name", sorted(RELEASE_0_1))
def test_release_0_1_files_load(name):
    """The bank file format is unchanged: a file saved by 0.1 loads, verifies, and equals today's bank."""
    old = FilterBank.load(FIXTURES / f"{name}.npz", verify=True)
    new = RELEASE_0_1[name]()
    assert old.kernels.shape == new.kernels.shape
    assert old.kernels.tobytes() == new.kernels.tobytes()
    assert old.names == new.names
    assert old.specs == json.loads(json.dumps(new.specs))
    # and today's file of that bank is byte-for-byte the same content as 0.1's
    with np.load(FIXTURES / f"{name}.npz", allow_pickle=False) as d:
        meta = json.loads(d["meta"].tobytes())
    assert meta["sha256"] == fileformat_module.digest(new.kernels, new.names, new.specs)
    assert set(meta) == {"format", "version", "shape", "dtype", "names", "specs", "sha256"}


def test_saved_now_reads_as_0_1_did(tmp_path):
    """The layout written today is 0.1's: the same entries, metadata keys, format tag and version."""
    p = banks.lm("small").save(tmp_path / "lm.npz")
    with np.load(p, allow_pickle=False) as d, np.load(FIXTURES / "lm_small.npz", allow_pickle=False) as old:
        assert sorted(d.files) == sorted(old.files) == ["kernels", "meta"]
        assert json.loads(d["meta"].tobytes()) == json.loads(old["meta"].tobytes())
        assert d["kernels"].tobytes() == old["kernels"].tobytes()
