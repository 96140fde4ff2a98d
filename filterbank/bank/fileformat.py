"""The bank file format: an ``.npz`` of float64 kernels and JSON metadata, written atomically, read without pickle.

A file is a zip of two ``.npy`` arrays (``numpy.savez``, uncompressed):

* ``kernels``: ``(N, kh, kw)`` float64, little-endian (``<f8``);
* ``meta``: the UTF-8 bytes of a JSON object as a 1-D uint8 array, with the keys
  ``format`` (:data:`FORMAT`), ``version`` (:data:`FORMAT_VERSION`), ``shape``,
  ``dtype`` (``"<f8"``), ``names``, ``specs`` and ``sha256``: a SHA-256 over the
  kernel bytes and the canonical JSON (sorted keys) of names and specs.

Reading never executes code from the file (no pickle) and checks each step in turn,
before allocating anything the file asks for: zip signature; exactly the two members;
their sizes as the zip directory declares them (at most :data:`MAX_META_BYTES` for
``meta``, the caller's ``max_bytes`` for ``kernels``, and a deflated member may not expand
more than :data:`MAX_DEFLATE_RATIO` times past 1 MiB); each ``.npy`` header (dtype,
C order, and a shape whose byte count is the member's declared size: a header cannot
claim more than the file holds); the metadata (JSON nested at most
:data:`MAX_JSON_DEPTH` levels), format tag, version, the kernels' shape against the
metadata's, names (str) and specs (objects), the digest. This layout is the one of
filterbank 0.1; files it wrote load unchanged.

The SHA-256 is an integrity check, not a signature: it detects a damaged or partly
edited file, but anyone who can write the file can write a matching digest. Whether
a file's kernels are what their specs say is what :meth:`FilterBank.verify` checks
(``FilterBank.load(verify=True)``, the default).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import zipfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import IO, Any

import numpy as np

from .._errors import BankFileError, DTypeError
from .._io import write_atomic
from .._validate import int_in_range

__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "MAX_DEFLATE_RATIO",
    "MAX_JSON_DEPTH",
    "MAX_KERNEL_BYTES",
    "MAX_META_BYTES",
    "digest",
    "read",
    "write",
]

#: Format tag written into every saved bank.
FORMAT = "filterbank.FilterBank"
#: Version of the file layout; files with a higher version are refused.
FORMAT_VERSION = 1

#: Default bound on the kernel bytes a file may hold (``FilterBank.load(max_bytes=...)``): 256 MiB,
#: 33.5 million float64 taps (LM is 0.9 MB).
MAX_KERNEL_BYTES = 256 << 20
#: Bound on the metadata member (names and specs as JSON).
MAX_META_BYTES = 64 << 20
#: A deflated member larger than 1 MiB may expand at most this many times (a zip bomb expands ~1000x).
MAX_DEFLATE_RATIO = 100
#: Deepest nesting of lists and objects accepted in the metadata (a spec wrapper adds two levels).
MAX_JSON_DEPTH = 32

_ZIP_MAGIC = b"PK\x03\x04"
_ENTRIES = ["kernels", "meta"]
_MEMBERS = ["kernels.npy", "meta.npy"]
# What numpy and zipfile raise on a damaged archive.
_READ_ERRORS = (ValueError, OSError, EOFError, KeyError, zipfile.BadZipFile, UnicodeDecodeError)


def digest(kernels: np.ndarray, names: Sequence[str], specs: Sequence[Mapping[str, Any]]) -> str:
    """SHA-256 (hex) over the kernels' ``<f8`` bytes and the canonical JSON of names and specs.

    Examples
    --------
    >>> len(digest(np.zeros((1, 1, 1)), ["a"], [{"family": "custom"}]))
    64
    """
    h = hashlib.sha256()
    h.update(np.ascontiguousarray(kernels, dtype="<f8").tobytes())
    h.update(json.dumps({"names": list(names), "specs": list(specs)}, sort_keys=True, allow_nan=False).encode())
    return h.hexdigest()


def write(
    path: str | os.PathLike[str], kernels: np.ndarray, names: Sequence[str], specs: Sequence[Mapping[str, Any]]
) -> Path:
    """Write a bank file atomically (:func:`filterbank._io.write_atomic`); see :meth:`FilterBank.save`.

    Raises
    ------
    DTypeError
        A spec is not JSON-serialisable (nothing is written).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = write(pathlib.Path(tempfile.mkdtemp()) / "b.npz", np.ones((1, 1, 1)), ["one"], [{"family": "custom"}])
    >>> read(p)[1]
    ['one']
    """
    try:
        sha = digest(kernels, names, specs)
    except (TypeError, ValueError) as exc:
        raise DTypeError(f"`specs` must be JSON-serialisable (finite numbers, str, lists, dicts): {exc}") from None
    meta = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "shape": list(kernels.shape),
        "dtype": "<f8",
        "names": list(names),
        "specs": list(specs),
        "sha256": sha,
    }
    blob = np.frombuffer(json.dumps(meta, allow_nan=False).encode("utf-8"), dtype=np.uint8)
    data = np.ascontiguousarray(kernels, dtype="<f8")

    def fill(f: IO[bytes]) -> None:
        np.savez(f, kernels=data, meta=blob)

    return write_atomic(path, fill, mkdir=False)


# ----------------------------------------------------------------------------- reading, one check per step
def _check_signature(p: Path) -> None:
    with open(p, "rb") as f:
        head = f.read(4)
    if head != _ZIP_MAGIC:
        raise BankFileError(
            f"`path` must be a FilterBank file (npz, written by FilterBank.save); {str(p)!r} starts with "
            f"{head!r}, not the zip signature {_ZIP_MAGIC!r}"
        )


def _check_member(p: Path, info: zipfile.ZipInfo, limit: int) -> None:
    """Sizes as the zip directory declares them, before anything is inflated."""
    if info.file_size > limit:
        raise BankFileError(
            f"member {info.filename!r} of {str(p)!r} must hold at most {limit} bytes; it declares {info.file_size}"
        )
    expands = info.file_size > (1 << 20) and info.file_size > MAX_DEFLATE_RATIO * max(info.compress_size, 1)
    if info.compress_type != zipfile.ZIP_STORED and expands:
        raise BankFileError(
            f"member {info.filename!r} of {str(p)!r} must expand at most {MAX_DEFLATE_RATIO} times; "
            f"{info.compress_size} bytes declare {info.file_size} (a zip bomb?)"
        )


def _read_npy(
    p: Path, zf: zipfile.ZipFile, info: zipfile.ZipInfo, check: Callable[[np.dtype, bool, tuple[int, ...]], None]
) -> np.ndarray:
    """One ``.npy`` member: its header checked (``check``, then against the member's declared size), then its bytes."""
    with zf.open(info) as f:
        version = np.lib.format.read_magic(f)
        read_header = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
        shape, fortran, dtype = read_header(f, max_header_size=10_000)
        check(dtype, fortran, shape)
        nbytes = dtype.itemsize * math.prod(shape)
        header = f.tell()
        if header + nbytes != info.file_size:
            raise BankFileError(
                f"member {info.filename!r} of {str(p)!r}: its header claims shape {shape} ({nbytes} bytes) but "
                f"the member holds {info.file_size - header} bytes of data"
            )
        data = f.read(nbytes)
    if len(data) != nbytes:
        raise BankFileError(f"member {info.filename!r} of {str(p)!r} is truncated")
    return np.frombuffer(data, dtype=dtype).reshape(shape)


def _members(p: Path, zf: zipfile.ZipFile, max_bytes: int) -> dict[str, zipfile.ZipInfo]:
    """The two members, their declared sizes checked."""
    infos = zf.infolist()
    found = sorted(i.filename for i in infos)
    if found != _MEMBERS:
        keys = [n.removesuffix(".npy") for n in found]
        raise BankFileError(f"`path` must hold exactly the entries 'kernels' and 'meta'; {str(p)!r} holds {keys}")
    by_name = {i.filename: i for i in infos}
    _check_member(p, by_name["meta.npy"], MAX_META_BYTES)
    _check_member(p, by_name["kernels.npy"], max_bytes + (1 << 16))  # + the npy header
    return by_name


def _meta_check(dtype: np.dtype, fortran: bool, shape: tuple[int, ...]) -> None:
    if dtype != np.uint8 or len(shape) != 1:
        raise BankFileError(f"entry 'meta' must be 1-D uint8 (UTF-8 JSON); got {dtype} {shape}")


def _kernels_check(meta: Mapping[str, Any]) -> Callable[[np.dtype, bool, tuple[int, ...]], None]:
    """The kernels' header must say what the metadata says: checked before their bytes are read."""

    def check(dtype: np.dtype, fortran: bool, shape: tuple[int, ...]) -> None:
        if dtype != np.dtype("<f8") or fortran or list(shape) != meta.get("shape") or len(shape) not in (2, 3, 4):
            raise BankFileError(
                f"entry 'kernels' must be float64 of shape {meta.get('shape')}; got {dtype} {list(shape)}"
                + (" (Fortran order)" if fortran else "")
            )

    return check


def _read_entries(p: Path, max_bytes: int) -> tuple[np.ndarray, dict[str, Any]]:
    """The kernels and the parsed metadata; every size checked before it is allocated."""
    try:
        with zipfile.ZipFile(p) as zf:
            members = _members(p, zf, max_bytes)
            meta = _parse_meta(p, _read_npy(p, zf, members["meta.npy"], _meta_check))
            _check_version(p, meta)
            kernels = _read_npy(p, zf, members["kernels.npy"], _kernels_check(meta))
            return kernels, meta
    except BankFileError:
        raise
    except _READ_ERRORS as exc:
        raise BankFileError(f"`path` {str(p)!r} is truncated or corrupted: {type(exc).__name__}: {exc}") from None


def _depth(obj: Any) -> int:
    """Nesting depth of lists and dicts (iterative: a deep file cannot exhaust the stack)."""
    deepest, todo = 0, [(obj, 1)]
    while todo:
        item, d = todo.pop()
        if isinstance(item, (list, dict)):
            deepest = max(deepest, d)
            if d <= MAX_JSON_DEPTH:
                todo.extend((v, d + 1) for v in (item.values() if isinstance(item, dict) else item))
    return deepest


def _parse_meta(p: Path, blob: np.ndarray) -> dict[str, Any]:
    try:
        meta = json.loads(blob.tobytes().decode("utf-8"))
    except RecursionError:
        meta = None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BankFileError(f"entry 'meta' of {str(p)!r} is not valid UTF-8 JSON: {exc}") from None
    if meta is None or _depth(meta) > MAX_JSON_DEPTH:
        raise BankFileError(f"entry 'meta' of {str(p)!r} is nested too deep (more than {MAX_JSON_DEPTH} levels)")
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        got = meta.get("format") if isinstance(meta, dict) else type(meta).__name__
        raise BankFileError(f"`path` must be a {FORMAT!r} file; {str(p)!r} has format {got!r}")
    return meta


def _check_version(p: Path, meta: Mapping[str, Any]) -> None:
    version = meta.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or not 1 <= version <= FORMAT_VERSION:
        raise BankFileError(
            f"format version must be an int in [1, {FORMAT_VERSION}] (this filterbank reads up to "
            f"{FORMAT_VERSION}); {str(p)!r} has {version!r}"
        )


def _check_digest(p: Path, kernels: np.ndarray, meta: Mapping[str, Any]) -> tuple[list[Any], list[Any]]:
    names, specs = meta.get("names"), meta.get("specs")
    if not isinstance(names, list) or not isinstance(specs, list):
        raise BankFileError(f"'names' and 'specs' in {str(p)!r} must be lists")
    bad = next((i for i, n in enumerate(names) if not isinstance(n, str)), None)
    if bad is not None:
        raise BankFileError(f"'names' in {str(p)!r} must be strings; entry {bad} is {names[bad]!r}")
    bad = next((i for i, s in enumerate(specs) if not isinstance(s, dict)), None)
    if bad is not None:
        raise BankFileError(f"'specs' in {str(p)!r} must be JSON objects; entry {bad} is {specs[bad]!r}")
    try:
        sha = digest(kernels, names, specs)
    except (TypeError, ValueError) as exc:
        raise BankFileError(f"metadata of {str(p)!r} is not valid: {exc}") from None
    if sha != meta.get("sha256"):
        raise BankFileError(
            f"SHA-256 of {str(p)!r} does not match its content (tampered or corrupted file): stored "
            f"{meta.get('sha256')!r}, computed {sha!r}"
        )
    return names, specs


def read(path: str | os.PathLike[str], *, max_bytes: int = MAX_KERNEL_BYTES) -> tuple[np.ndarray, list[Any], list[Any]]:
    """Read and check a bank file: ``(kernels, names, specs)``; see :meth:`FilterBank.load`.

    The names (strings) and specs (JSON objects) are returned as stored.

    Parameters
    ----------
    path : str or path-like
        The file.
    max_bytes : int
        Most bytes of kernels the file may hold (:data:`MAX_KERNEL_BYTES` by default).

    Raises
    ------
    BankFileError
        Any step of the check fails (see the module docstring).
    FileNotFoundError
        If ``path`` does not exist.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = write(pathlib.Path(tempfile.mkdtemp()) / "b.npz", np.ones((1, 2, 2)), ["k"], [{"family": "custom"}])
    >>> read(p)[0].shape
    (1, 2, 2)
    """
    p = Path(path)
    _check_signature(p)
    max_bytes = int_in_range("max_bytes", max_bytes, 0)
    kernels, meta = _read_entries(p, max_bytes)
    names, specs = _check_digest(p, kernels, meta)
    return kernels, names, specs
