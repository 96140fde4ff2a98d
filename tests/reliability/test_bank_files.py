"""Issue 10, items 3, 7 and 11: bank files from untrusted sources.

Files are crafted here by hand from the documented format (a zip of two ``.npy`` members,
``kernels`` float64 and ``meta`` UTF-8 JSON as uint8, SHA-256 over the kernel bytes and the
canonical JSON of names and specs), so each carries a valid hash and only the property under
test is wrong. Every refusal must be a ``BankFileError`` raised in well under a second
without allocating the memory the file asks for (measured with ``tracemalloc``, which sees
numpy's allocations).
"""

from __future__ import annotations

import hashlib
import io
import json
import time
import tracemalloc
import zipfile
from pathlib import Path

import numpy as np
import pytest

from filterbank import FilterBank, ParameterError, kernels
from filterbank.bank import BankFileError

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")

# A refusal may allocate a few buffers of the file's own size, never what the file claims.
PEAK_BYTES = 16 << 20
SECONDS = 1.0


def _sha(kernel_bytes: bytes, names, specs) -> str:
    h = hashlib.sha256()
    h.update(kernel_bytes)
    h.update(json.dumps({"names": names, "specs": specs}, sort_keys=True, allow_nan=False).encode())
    return h.hexdigest()


def _npy_header(dtype: str, shape: tuple[int, ...]) -> bytes:
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {"descr": dtype, "fortran_order": False, "shape": shape})
    return buf.getvalue()


def _meta_member(meta_text: str) -> bytes:
    raw = meta_text.encode("utf-8")
    return _npy_header("|u1", (len(raw),)) + raw


def _write(path: Path, kernels_member: bytes, meta_member: bytes, *, compress: bool = False) -> Path:
    how = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    with zipfile.ZipFile(path, "w", compression=how) as zf:
        zf.writestr("kernels.npy", kernels_member)
        zf.writestr("meta.npy", meta_member)
    return path


def _bank_file(path: Path, k: np.ndarray, names, specs, **meta_changes) -> Path:
    """A well-formed file (valid hash) for kernels ``k``, names and specs."""
    k = np.ascontiguousarray(k, dtype="<f8")
    meta = {
        "format": "filterbank.FilterBank",
        "version": 1,
        "shape": list(k.shape),
        "dtype": "<f8",
        "names": names,
        "specs": specs,
        "sha256": _sha(k.tobytes(), names, specs),
        **meta_changes,
    }
    return _write(path, _npy_header("<f8", k.shape) + k.tobytes(), _meta_member(json.dumps(meta)))


def _refused(path: Path, match: str | None = None) -> BankFileError:
    """Load ``path``: it must raise BankFileError quickly and without a large allocation."""
    tracemalloc.start()
    start = time.perf_counter()
    try:
        with pytest.raises(BankFileError, match=match) as info:
            FilterBank.load(path)
        seconds = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert seconds < SECONDS, f"refused after {seconds:.2f} s"
    assert peak < PEAK_BYTES, f"allocated {peak / 2**20:.0f} MiB before refusing"
    return info.value


def test_crafted_well_formed_file_loads(tmp_path) -> None:
    """The crafting helpers write what FilterBank.save writes: a valid file loads."""
    spec = {"family": "gaussian", "ksize": 5, "sigma": 1.0}
    bank = FilterBank.load(_bank_file(tmp_path / "ok.npz", kernels.gaussian(5, 1.0)[None], ["g"], [spec]))
    assert bank.names == ["g"] and np.array_equal(bank.kernels[0], kernels.gaussian(5, 1.0))


# --- item 3: the regenerated kernel is compared at its own size ----------------------------------


def test_kernel_smaller_than_its_spec_is_refused(tmp_path) -> None:
    """A 5x5 kernel cut from a 31x31 Gaussian, with the Gaussian's spec: not what the spec makes."""
    spec = {"family": "gaussian", "ksize": 31, "sigma": 8.0}
    k5 = kernels.gaussian(31, 8.0)[13:18, 13:18]
    with pytest.raises(ParameterError, match="31"):
        FilterBank(k5, names=["g"], specs=[spec]).verify()
    _refused(_bank_file(tmp_path / "crop.npz", k5[None], ["g"], [spec]), match="31")


def test_kernel_padded_to_the_bank_size_still_verifies(tmp_path) -> None:
    bank = FilterBank.from_specs([{"family": "gaussian", "ksize": 5, "sigma": 1.0}, {"family": "box", "ksize": 9}])
    bank.verify()
    assert FilterBank.load(bank.save(tmp_path / "b.npz")).ksize == (9, 9)


# --- item 11: sizes are checked before anything is allocated -------------------------------------


def test_spec_larger_than_its_kernel_is_refused_without_generating(tmp_path) -> None:
    """The issue's 848-byte file names a Gabor of size 8001 (9 s, 2.7 GB); 2001 here keeps the old
    behaviour affordable in CI, the new one refuses from the spec alone."""
    spec = {"family": "gabor", "ksize": 2001, "sigma": 4.0, "theta": 0.0, "lambd": 10.0}
    k = kernels.gabor(3, 4.0, 0.0, 10.0)[None]
    err = _refused(_bank_file(tmp_path / "gabor.npz", k, ["g"], [spec]))
    assert "2001" in str(err)
    tracemalloc.start()
    try:
        with pytest.raises(ParameterError, match="2001"):
            FilterBank(k, names=["g"], specs=[spec]).verify()
        assert tracemalloc.get_traced_memory()[1] < PEAK_BYTES
    finally:
        tracemalloc.stop()


def test_random_bank_spec_beyond_the_limits_is_refused_without_generating(tmp_path) -> None:
    """index 0 of a stack of 2.1 million 3x3 kernels (151 MB to regenerate): past the regeneration limit."""
    spec = {"family": "banks.random", "n": 2_100_000, "ksize": 3, "seed": 0, "kind": "normal", "index": 0}
    k = np.random.default_rng(0).standard_normal((1, 3, 3))
    _refused(_bank_file(tmp_path / "random.npz", k, ["r"], [spec]), match="n")


def test_npy_header_claiming_terabytes_is_refused(tmp_path) -> None:
    shape = (1000, 1000, 1_000_000)
    member = _npy_header("<f8", shape) + bytes(72)
    meta = {"format": "filterbank.FilterBank", "version": 1, "shape": list(shape), "dtype": "<f8"}
    meta |= {"names": ["k"], "specs": [{"family": "custom"}], "sha256": "0" * 64}
    _refused(_write(tmp_path / "huge.npz", member, _meta_member(json.dumps(meta))))


def test_meta_header_claiming_a_terabyte_is_refused(tmp_path) -> None:
    k = np.ones((1, 3, 3))
    member = _npy_header("|u1", (10**12,)) + b"{}"
    _refused(_write(tmp_path / "meta.npz", _npy_header("<f8", k.shape) + k.tobytes(), member))


def test_deflate_bomb_is_refused(tmp_path) -> None:
    """64 MiB of zero kernels deflated to about 64 KiB (ratio ~1000): refused from the zip directory."""
    shape = (2048, 64, 64)
    zeros = bytes(8 * 2048 * 64 * 64)
    names = [f"k{i}" for i in range(shape[0])]
    specs = [{"family": "custom"}] * shape[0]
    meta = {"format": "filterbank.FilterBank", "version": 1, "shape": list(shape), "dtype": "<f8"}
    meta |= {"names": names, "specs": specs, "sha256": _sha(zeros, names, specs)}
    path = _write(
        tmp_path / "bomb.npz", _npy_header("<f8", shape) + zeros, _meta_member(json.dumps(meta)), compress=True
    )
    del zeros
    assert path.stat().st_size < 1 << 20
    _refused(path)


def test_deeply_nested_json_is_refused(tmp_path) -> None:
    k = np.ones((1, 3, 3))
    nested = "[" * 100_000 + "]" * 100_000
    text = (
        '{"format": "filterbank.FilterBank", "version": 1, "shape": [1, 3, 3], "dtype": "<f8", '
        f'"names": ["k"], "specs": [{{"family": "custom", "x": {nested}}}], "sha256": "{"0" * 64}"}}'
    )
    _refused(_write(tmp_path / "deep.npz", _npy_header("<f8", k.shape) + k.tobytes(), _meta_member(text)), match="deep")


@pytest.mark.parametrize("names", [[1], [None], [["a"]]])
def test_non_string_names_are_refused(tmp_path, names) -> None:
    err = _refused(_bank_file(tmp_path / "names.npz", np.ones((1, 3, 3)), names, [{"family": "custom"}]))
    assert "names" in str(err)


def test_docs_say_the_hash_is_not_a_signature() -> None:
    text = " ".join((Path(__file__).parents[2] / "docs" / "banks.md").read_text().split())
    assert "integrity check, not a signature" in text
