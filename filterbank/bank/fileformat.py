"""The bank file format: an ``.npz`` of float64 kernels and JSON metadata, written atomically, read without pickle.

A file is a zip of two ``.npy`` arrays (``numpy.savez``, uncompressed):

* ``kernels``: ``(N, kh, kw)`` float64, little-endian (``<f8``);
* ``meta``: the UTF-8 bytes of a JSON object as a 1-D uint8 array, with the keys
  ``format`` (:data:`FORMAT`), ``version`` (:data:`FORMAT_VERSION`), ``shape``,
  ``dtype`` (``"<f8"``), ``names``, ``specs`` and ``sha256``: a SHA-256 over the
  kernel bytes and the canonical JSON (sorted keys) of names and specs.

Reading never executes code from the file (``allow_pickle=False``) and checks each
step in turn: zip signature, entries, metadata, format tag, version, shape and
dtype, the digest. This layout is the one of filterbank 0.1; files it wrote load
unchanged.
"""

from __future__ import annotations

import hashlib
import json
import os
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO, Any

import numpy as np

from .._errors import BankFileError, DTypeError
from .._io import write_atomic

__all__ = ["FORMAT", "FORMAT_VERSION", "digest", "read", "write"]

#: Format tag written into every saved bank.
FORMAT = "filterbank.FilterBank"
#: Version of the file layout; files with a higher version are refused.
FORMAT_VERSION = 1

_ZIP_MAGIC = b"PK\x03\x04"
_ENTRIES = ["kernels", "meta"]
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


def _read_entries(p: Path) -> tuple[np.ndarray, np.ndarray]:
    try:
        with np.load(p, allow_pickle=False) as data:
            keys = sorted(data.files)
            if keys != _ENTRIES:
                raise BankFileError(
                    f"`path` must hold exactly the entries 'kernels' and 'meta'; {str(p)!r} holds {keys}"
                )
            return data["kernels"], data["meta"]
    except BankFileError:
        raise
    except _READ_ERRORS as exc:
        raise BankFileError(f"`path` {str(p)!r} is truncated or corrupted: {type(exc).__name__}: {exc}") from None


def _parse_meta(p: Path, blob: np.ndarray) -> dict[str, Any]:
    if blob.dtype != np.uint8 or blob.ndim != 1:
        raise BankFileError(f"entry 'meta' must be 1-D uint8 (UTF-8 JSON); got {blob.dtype} {blob.shape}")
    try:
        meta = json.loads(blob.tobytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BankFileError(f"entry 'meta' of {str(p)!r} is not valid UTF-8 JSON: {exc}") from None
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


def _check_kernels(kernels: np.ndarray, meta: Mapping[str, Any]) -> None:
    if kernels.dtype != np.dtype("<f8") or list(kernels.shape) != meta.get("shape") or kernels.ndim != 3:
        raise BankFileError(
            f"entry 'kernels' must be float64 of shape {meta.get('shape')}; got {kernels.dtype} {list(kernels.shape)}"
        )


def _check_digest(p: Path, kernels: np.ndarray, meta: Mapping[str, Any]) -> tuple[list[Any], list[Any]]:
    names, specs = meta.get("names"), meta.get("specs")
    if not isinstance(names, list) or not isinstance(specs, list):
        raise BankFileError(f"'names' and 'specs' in {str(p)!r} must be lists")
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


def read(path: str | os.PathLike[str]) -> tuple[np.ndarray, list[Any], list[Any]]:
    """Read and check a bank file: ``(kernels, names, specs)``; see :meth:`FilterBank.load`.

    The names and specs are returned as stored (their types are checked by the
    :class:`~filterbank.FilterBank` built from them).

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
    kernels, blob = _read_entries(p)
    meta = _parse_meta(p, blob)
    _check_version(p, meta)
    _check_kernels(kernels, meta)
    names, specs = _check_digest(p, kernels, meta)
    return kernels, names, specs
