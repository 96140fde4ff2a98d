"""``FilterBank``: kernels ``(N, kh, kw)`` with a name and a spec for each.

Size policy
-----------
A bank holds kernels of one size. Smaller kernels are centre-padded with zeros
(which changes no response, as long as the size difference is even on each axis so
that the anchor ``k // 2`` stays on the same tap). Nothing is ever cropped silently:
:meth:`FilterBank.resize` crops only with ``crop=True``, and reports the fraction of
each kernel's L1 norm that was dropped (:meth:`FilterBank.crop_loss`, and the
``"l1_lost"`` entry of the cropped kernels' specs).

Specs
-----
Each kernel has a JSON-serialisable spec ``{"family": ..., **params}`` that
regenerates it (up to that centre-padding): a catalog family of
:mod:`filterbank.kernels`, a ``"banks.<name>"`` family of :mod:`filterbank.banks`,
``{"family": "custom"}`` for user kernels (not regenerable), or one of two wrappers
written by this module:

* ``{"family": "normalized", "kind": kind, "ksize": [kh, kw], "spec": inner}``: the
  inner kernel fitted to ``ksize`` and normalised (:meth:`FilterBank.normalize`);
* ``{"family": "cropped", "ksize": [kh, kw], "l1_lost": f, "spec": inner}``: the inner
  kernel centre-cropped to ``ksize`` (:meth:`FilterBank.resize` with ``crop=True``).

Files
-----
:meth:`FilterBank.save` writes an ``.npz`` (a zip of ``.npy`` arrays, read back with
``allow_pickle=False``: loading never executes code) with two entries, ``kernels``
(float64, little-endian) and ``meta`` (UTF-8 JSON as uint8): the format tag
``"filterbank.FilterBank"``, the format version, names, specs, shape and a SHA-256
over the kernel bytes and the canonical JSON of names and specs.
"""

from __future__ import annotations

import contextlib
import fnmatch
import hashlib
import json
import numbers
import os
import tempfile
import zipfile
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from . import kernels as _kernels
from ._errors import DTypeError, ParameterError, ShapeError, UnknownNameError
from ._validate import finite_kernel, size_pair

if TYPE_CHECKING:  # pragma: no cover
    from PIL import Image

__all__ = ["FORMAT", "FORMAT_VERSION", "NORMALIZATIONS", "BankFileError", "FilterBank", "as_bank", "kernel_from_spec"]

#: Format tag written into every saved bank.
FORMAT = "filterbank.FilterBank"
#: Version of the file layout; files with a higher version are refused.
FORMAT_VERSION = 1
#: Normalisations accepted by :meth:`FilterBank.normalize`.
NORMALIZATIONS = ("sum", "l1", "l2", "zero_mean_l1")
#: Tolerance of the spec check: ``max |regenerated - stored| <= VERIFY_RTOL * max(max |stored|, 1e-300)``.
VERIFY_RTOL = 1e-9

_ZIP_MAGIC = b"PK\x03\x04"


class BankFileError(ParameterError):
    """A file that is not a valid saved FilterBank (wrong format, truncated, corrupted, tampered)."""


def _format_value(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:g}"
    if isinstance(v, (tuple, list)):
        return "x".join(_format_value(x) for x in v)
    return str(v)


def spec_name(spec: Mapping[str, Any]) -> str:
    """A readable name for a spec: ``{"family": "sobel", "dx": 1, "dy": 0}`` -> ``"sobel_dx1_dy0"``."""
    if spec.get("family") in ("normalized", "cropped") and isinstance(spec.get("spec"), Mapping):
        return spec_name(spec["spec"])
    parts = [str(spec.get("family", "kernel"))]
    parts += [f"{k}{_format_value(v)}" for k, v in spec.items() if k != "family"]
    return "_".join(parts)


def _fit(k: np.ndarray, shape: tuple[int, int], name: str, *, how: str = "centred in") -> np.ndarray:
    """Centre-pad or centre-crop ``k`` to ``shape`` (even differences only; ``how`` words the error)."""
    dh, dw = shape[0] - k.shape[0], shape[1] - k.shape[1]
    if dh % 2 or dw % 2:
        raise ShapeError(
            f"kernel {name!r} of shape {k.shape} cannot be {how} {shape}: the size difference must be "
            "even on each axis so that the anchor (k // 2) stays on the same tap"
        )
    ch, cw = max(-dh, 0) // 2, max(-dw, 0) // 2
    ph, pw = max(dh, 0) // 2, max(dw, 0) // 2
    out = k[ch : k.shape[0] - ch, cw : k.shape[1] - cw]
    return np.pad(out, ((ph, ph), (pw, pw))) if ph or pw else out


def _l1_lost(k: np.ndarray, shape: tuple[int, int]) -> float:
    """Fraction of ``sum |k|`` outside the centred window ``shape`` (0 where it fits)."""
    total = float(np.abs(k).sum())
    if total == 0.0:
        return 0.0
    h = min(shape[0], k.shape[0])
    w = min(shape[1], k.shape[1])
    r0, c0 = (k.shape[0] - h) // 2, (k.shape[1] - w) // 2
    kept = float(np.abs(k[r0 : r0 + h, c0 : c0 + w]).sum())
    return max(0.0, (total - kept) / total)


def _normalized(k: np.ndarray, kind: str, name: str) -> np.ndarray:
    scale = float(np.abs(k).sum())
    if kind == "sum":
        s = float(k.sum())
        if abs(s) <= 1e-12 * scale:
            raise ParameterError(
                f"`kind`='sum' needs every kernel to have a non-zero sum; kernel {name!r} sums to {s!r}"
            )
        return k / s
    if kind == "zero_mean_l1":
        k = k - k.mean()
        l1 = float(np.abs(k).sum())
        if l1 <= 1e-12 * scale:
            raise ParameterError(
                f"`kind`='zero_mean_l1' needs non-constant kernels; kernel {name!r} is constant (zero after "
                "removing its mean)"
            )
        return k / l1
    norm = scale if kind == "l1" else float(np.sqrt((k * k).sum()))
    if norm == 0.0:
        raise ParameterError(f"`kind`={kind!r} needs non-zero kernels; kernel {name!r} is all zeros")
    return k / norm


def _is_regenerable(spec: Mapping[str, Any]) -> bool:
    family = spec.get("family")
    if family in ("normalized", "cropped"):
        inner = spec.get("spec")
        return isinstance(inner, Mapping) and _is_regenerable(inner)
    if not isinstance(family, str):
        return False
    if family.startswith("banks."):
        from . import banks

        return family in banks.kernel_families()
    return family in _kernels.names()


def kernel_from_spec(spec: Mapping[str, Any]) -> np.ndarray:
    """Regenerate the kernel a spec describes (before centre-padding to a bank's size).

    Parameters
    ----------
    spec : mapping
        ``{"family": name, **params}``: a catalog family (:func:`filterbank.kernels.get`),
        a ``"banks.<name>"`` family (:func:`filterbank.banks.kernel`), or a
        ``"normalized"`` / ``"cropped"`` wrapper (see the module docstring).

    Returns
    -------
    numpy.ndarray
        float64 kernel, correlation orientation.

    Raises
    ------
    ParameterError
        If the spec has no ``family``.
    UnknownNameError
        If the family is unknown (``"custom"`` kernels cannot be regenerated).

    Examples
    --------
    >>> kernel_from_spec({"family": "box", "ksize": 2}).tolist()
    [[0.25, 0.25], [0.25, 0.25]]
    >>> kernel_from_spec({"family": "normalized", "kind": "l1", "ksize": [1, 3], "spec": {"family": "box", "ksize": 1}})
    array([[0., 1., 0.]])
    """
    if not isinstance(spec, Mapping) or "family" not in spec:
        raise ParameterError(f"each spec must have a 'family' key; got {spec!r}")
    family = spec["family"]
    params = {k: v for k, v in spec.items() if k != "family"}
    if family in ("normalized", "cropped"):
        inner = params.get("spec")
        if not isinstance(inner, Mapping):
            raise ParameterError(f"a {family!r} spec must hold the inner spec under 'spec'; got {spec!r}")
        shape = size_pair("ksize", params.get("ksize"))
        k = _fit(np.asarray(kernel_from_spec(inner), dtype=np.float64), shape, spec_name(inner))
        if family == "normalized":
            kind = params.get("kind")
            if kind not in NORMALIZATIONS:
                raise UnknownNameError("kind", kind, NORMALIZATIONS)
            k = _normalized(k, kind, spec_name(inner))
        return k
    if isinstance(family, str) and family.startswith("banks."):
        from . import banks

        return banks.kernel(family, **params)
    return _kernels.get(family, **params)


def _digest(kernels: np.ndarray, names: Sequence[str], specs: Sequence[Mapping[str, Any]]) -> str:
    h = hashlib.sha256()
    h.update(np.ascontiguousarray(kernels, dtype="<f8").tobytes())
    h.update(json.dumps({"names": list(names), "specs": list(specs)}, sort_keys=True, allow_nan=False).encode())
    return h.hexdigest()


class FilterBank:
    """A bank of 2-D kernels in correlation orientation, with names and specs.

    Parameters
    ----------
    kernels : array-like
        ``(N, kh, kw)`` or a single ``(kh, kw)`` kernel; stored as a read-only
        float64 array. Must be finite.
    names : sequence of str, optional
        One unique name per kernel; default ``k0, k1, ...``.
    specs : sequence of dict, optional
        One JSON-serialisable dict per kernel, ``{"family": ..., **params}``,
        enough to regenerate it with :func:`filterbank.kernels.get`; default
        ``{"family": "custom"}``.

    Examples
    --------
    >>> bank = FilterBank.from_specs([{"family": "sobel", "dx": 1, "dy": 0}, {"family": "sobel", "dx": 0, "dy": 1}])
    >>> len(bank), bank.ksize, bank.names
    (2, (3, 3), ['sobel_dx1_dy0', 'sobel_dx0_dy1'])
    >>> bank["*dx1*"].names
    ['sobel_dx1_dy0']
    """

    def __init__(
        self,
        kernels: Any,
        names: Sequence[str] | None = None,
        specs: Sequence[Mapping[str, Any]] | None = None,
    ) -> None:
        arr = np.asarray(kernels)
        if arr.dtype.kind not in "fiu":
            raise DTypeError(f"`kernels` must be real numbers; got dtype {arr.dtype}")
        if arr.ndim == 2:
            arr = arr[None]
        if arr.ndim != 3 or arr.size == 0:
            raise ShapeError(f"`kernels` must be (N, kh, kw) or (kh, kw), non-empty; got shape {arr.shape}")
        arr = finite_kernel("kernels", np.array(arr, dtype=np.float64, copy=True))
        arr.setflags(write=False)
        n = arr.shape[0]
        names = [f"k{i}" for i in range(n)] if names is None else [str(s) for s in names]
        specs = [{"family": "custom"} for _ in range(n)] if specs is None else [dict(s) for s in specs]
        if len(names) != n:
            raise ShapeError(f"`names` must have one entry per kernel ({n}); got {len(names)}")
        if len(specs) != n:
            raise ShapeError(f"`specs` must have one entry per kernel ({n}); got {len(specs)}")
        dup = sorted(s for s, count in Counter(names).items() if count > 1)
        if dup:
            raise ParameterError(f"`names` must be unique; got duplicates {dup}")
        self._kernels = arr
        self._names = names
        self._specs = specs

    # -- construction -------------------------------------------------------------------------
    @classmethod
    def from_specs(cls, specs: Iterable[Mapping[str, Any]], names: Sequence[str] | None = None) -> FilterBank:
        """Generate each kernel from the catalog and centre-pad all to the largest size.

        Each spec is ``{"family": name, **params}`` as accepted by
        :func:`kernel_from_spec` (catalog families, ``"banks.<name>"`` families,
        the ``normalized`` / ``cropped`` wrappers). Sizes are centre-padded with
        zeros (which changes no response); size differences must be even on each axis.

        Examples
        --------
        >>> FilterBank.from_specs([{"family": "box", "ksize": 3}, {"family": "box", "ksize": 5}]).ksize
        (5, 5)
        """
        specs = [dict(s) for s in specs]
        arrays = [kernel_from_spec(s) for s in specs]
        if names is None:
            names = [spec_name(s) for s in specs]
        return cls.from_kernels(arrays, names=names, specs=specs)

    @classmethod
    def from_kernels(
        cls,
        kernels: Sequence[Any],
        names: Sequence[str] | None = None,
        specs: Sequence[Mapping[str, Any]] | None = None,
    ) -> FilterBank:
        """Build a bank from 2-D kernels of possibly different sizes, centre-padded to the largest.

        Examples
        --------
        >>> import numpy as np
        >>> FilterBank.from_kernels([np.ones((1, 3)), np.ones((3, 3))]).ksize
        (3, 3)
        """
        arrays = [np.asarray(k, dtype=np.float64) for k in kernels]
        if not arrays:
            raise ShapeError("`kernels` must hold at least one kernel; got an empty sequence")
        for i, a in enumerate(arrays):
            if a.ndim != 2:
                raise ShapeError(f"`kernels[{i}]` must be 2-D (kh, kw); got shape {a.shape}")
        shape = (max(a.shape[0] for a in arrays), max(a.shape[1] for a in arrays))
        label = list(names) if names is not None else [f"k{i}" for i in range(len(arrays))]
        padded = [
            _fit(a, shape, label[i] if i < len(label) else str(i), how="centre-padded to") for i, a in enumerate(arrays)
        ]
        return cls(np.stack(padded), names=names, specs=specs)

    # -- views --------------------------------------------------------------------------------
    @property
    def kernels(self) -> np.ndarray:
        """The kernels, ``(N, kh, kw)`` float64, read-only."""
        return self._kernels

    @property
    def names(self) -> list[str]:
        """One name per kernel."""
        return list(self._names)

    @property
    def specs(self) -> list[dict[str, Any]]:
        """One spec dict per kernel (copies)."""
        return [dict(s) for s in self._specs]

    @property
    def ksize(self) -> tuple[int, int]:
        """Kernel (height, width)."""
        return (int(self._kernels.shape[1]), int(self._kernels.shape[2]))

    def __len__(self) -> int:
        return int(self._kernels.shape[0])

    def __iter__(self) -> Iterator[np.ndarray]:
        return iter(self._kernels)

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        out = self._kernels if dtype is None else self._kernels.astype(dtype)
        return np.array(out, copy=True) if copy else out

    def __getitem__(self, key: int | slice | str | Sequence[int] | Sequence[str]) -> FilterBank:
        """Select kernels by index, slice, name pattern (fnmatch) or a list of either."""
        idx = self._select(key)
        return FilterBank(self._kernels[idx], [self._names[i] for i in idx], [self._specs[i] for i in idx])

    def _select(self, key: Any) -> list[int]:
        n = len(self)
        if isinstance(key, slice):
            return list(range(n))[key]
        if isinstance(key, str):
            idx = [i for i, s in enumerate(self._names) if fnmatch.fnmatchcase(s, key)]
            if not idx:
                raise ParameterError(f"`key` pattern must match at least one name; got {key!r}; names: {self._names}")
            return idx
        if isinstance(key, numbers.Integral) and not isinstance(key, bool):
            if not -n <= key < n:
                raise ParameterError(f"`key` index must be in [{-n}, {n - 1}]; got {key}")
            return [int(key) % n]
        if isinstance(key, Sequence):
            out: list[int] = []
            for k in key:
                out += self._select(k)
            return out
        raise DTypeError(f"`key` must be an int, slice, name pattern or a list of them; got {key!r}")

    def to_tensor(self, dtype: torch.dtype = torch.float32, device: torch.device | str | None = None) -> torch.Tensor:
        """The kernels as a ``(N, kh, kw)`` tensor, converted once from float64.

        Examples
        --------
        >>> FilterBank.from_specs([{"family": "box", "ksize": 3}]).to_tensor().dtype
        torch.float32
        """
        return torch.from_numpy(np.array(self._kernels)).to(dtype=dtype, device=device)

    def __add__(self, other: FilterBank) -> FilterBank:
        return FilterBank.concat([self, other])

    @staticmethod
    def concat(banks: Sequence[FilterBank]) -> FilterBank:
        """Concatenate banks (centre-padding to the largest size); names must stay unique.

        Examples
        --------
        >>> a = FilterBank.from_specs([{"family": "box", "ksize": 3}])
        >>> b = FilterBank.from_specs([{"family": "box", "ksize": 5}])
        >>> FilterBank.concat([a, b]).names
        ['box_ksize3', 'box_ksize5']
        """
        banks = [as_bank(b) for b in banks]
        if not banks:
            raise ShapeError("`banks` must hold at least one bank; got an empty sequence")
        kernels = [k for b in banks for k in b.kernels]
        names = [s for b in banks for s in b.names]
        specs = [s for b in banks for s in b.specs]
        return FilterBank.from_kernels(kernels, names=names, specs=specs)

    # -- normalisation and size ---------------------------------------------------------------
    def normalize(self, kind: str = "l2") -> FilterBank:
        """Return a bank with every kernel normalised.

        Parameters
        ----------
        kind : {"sum", "l1", "l2", "zero_mean_l1"}
            ``"sum"``: divide by the sum (smoothing kernels then sum to 1);
            ``"l1"``: divide by ``sum |k|``; ``"l2"``: divide by the Euclidean norm;
            ``"zero_mean_l1"``: subtract the mean, then divide by ``sum |k|`` (VGG's
            ``normalise``, used by the LM / Schmid / RFS banks).

        Returns
        -------
        FilterBank
            Same names; each spec wrapped as ``{"family": "normalized", "kind": kind,
            "ksize": [kh, kw], "spec": old}`` so that it still regenerates the kernel.

        Raises
        ------
        UnknownNameError
            Unknown ``kind``.
        ParameterError
            ``"sum"`` on a kernel that sums to 0 (derivatives), ``"zero_mean_l1"`` on
            a constant kernel, or any kind on an all-zero kernel; the message names
            the kernel.

        Notes
        -----
        The mean of ``"zero_mean_l1"`` is taken over the bank's (padded) size, as
        VGG does over its 49x49 support.

        Examples
        --------
        >>> b = FilterBank.from_specs([{"family": "box", "ksize": 3, "normalize": False}])
        >>> float(b.normalize("sum").kernels.sum())
        1.0
        """
        if kind not in NORMALIZATIONS:
            raise UnknownNameError("kind", kind, NORMALIZATIONS)
        ks = np.stack([_normalized(k, kind, n) for k, n in zip(self._kernels, self._names, strict=True)])
        ksize = list(self.ksize)
        specs = [{"family": "normalized", "kind": kind, "ksize": ksize, "spec": s} for s in self._specs]
        return FilterBank(ks, self._names, specs)

    def crop_loss(self, ksize: int | tuple[int, int]) -> np.ndarray:
        """Fraction of each kernel's L1 norm that lies outside a centred ``ksize`` window.

        Parameters
        ----------
        ksize : int or (int, int)
            Target ``(height, width)``.

        Returns
        -------
        numpy.ndarray
            ``(N,)`` float64 in [0, 1]; 0 for kernels that fit (an axis that grows loses nothing).

        Examples
        --------
        >>> b = FilterBank.from_specs([{"family": "box", "ksize": 3}])
        >>> b.crop_loss(1).round(4).tolist()
        [0.8889]
        """
        shape = size_pair("ksize", ksize)
        return np.array([_l1_lost(k, shape) for k in self._kernels])

    def resize(self, ksize: int | tuple[int, int], *, crop: bool = False, max_loss: float = 1.0) -> FilterBank:
        """Centre-pad (and, only when asked, centre-crop) every kernel to ``ksize``.

        Parameters
        ----------
        ksize : int or (int, int)
            Target ``(height, width)``; the difference to the bank's size must be
            even on each axis (the anchor ``k // 2`` stays on the same tap).
        crop : bool
            Allow an axis to shrink. Without it, a smaller ``ksize`` raises and
            the message reports the L1 energy that cropping would drop.
        max_loss : float
            With ``crop=True``, refuse to drop more than this fraction of any
            kernel's L1 norm (default 1: no limit).

        Returns
        -------
        FilterBank
            Padding keeps the specs (padding is implicit in the size policy);
            cropping wraps each spec as ``{"family": "cropped", "ksize": [h, w],
            "l1_lost": fraction, "spec": old}``, so the loss stays on record.

        Raises
        ------
        ShapeError
            Odd size difference, or a smaller size without ``crop=True``.
        ParameterError
            A kernel would lose more than ``max_loss`` of its L1 norm.

        Examples
        --------
        >>> b = FilterBank.from_specs([{"family": "gaussian", "ksize": 7, "sigma": 1.0}])
        >>> b.resize(9).ksize, b.resize(5, crop=True).ksize
        ((9, 9), (5, 5))
        >>> round(b.resize(5, crop=True).specs[0]["l1_lost"], 4)
        0.0177
        """
        shape = size_pair("ksize", ksize)
        losses = self.crop_loss(shape)
        shrinks = shape[0] < self.ksize[0] or shape[1] < self.ksize[1]
        if shrinks and not crop:
            worst = int(np.argmax(losses))
            raise ShapeError(
                f"`ksize` {shape} is smaller than the bank's {self.ksize}: cropping would drop up to "
                f"{100 * losses[worst]:.3g}% of the L1 energy (kernel {self._names[worst]!r}); "
                "pass crop=True to crop"
            )
        limit = float(max_loss)
        if shrinks and np.any(losses > limit):
            worst = int(np.argmax(losses))
            raise ParameterError(
                f"`max_loss` is {limit:g}; cropping to {shape} drops {losses[worst]:.4g} of the L1 norm of kernel "
                f"{self._names[worst]!r}"
            )
        ks = np.stack([_fit(k, shape, n) for k, n in zip(self._kernels, self._names, strict=True)])
        if not shrinks:
            return FilterBank(ks, self._names, self._specs)
        specs = [
            {"family": "cropped", "ksize": list(shape), "l1_lost": float(loss), "spec": s}
            for s, loss in zip(self._specs, losses, strict=True)
        ]
        return FilterBank(ks, self._names, specs)

    # -- specs --------------------------------------------------------------------------------
    def verify(self, *, rtol: float = VERIFY_RTOL) -> None:
        """Check that every regenerable spec reproduces its kernel.

        Each spec whose family is known (catalog, ``banks.*``, ``normalized`` /
        ``cropped`` wrappers of those) is regenerated, centre-padded to the bank's
        size and compared with the stored kernel: ``max |regenerated - stored|``
        must be ``<= rtol * max |stored|``. The default ``1e-9`` allows for
        last-digit differences of ``exp`` / LAPACK between platforms; on one
        machine regeneration is bit-exact. Specs of other families (``"custom"``)
        are data only and are not checked.

        Raises
        ------
        ParameterError
            A spec does not regenerate, or regenerates another kernel (the message
            names the kernel, its index and the difference).

        Examples
        --------
        >>> FilterBank.from_specs([{"family": "sobel", "dx": 1, "dy": 0}]).verify()
        """
        for i, (k, name, spec) in enumerate(zip(self._kernels, self._names, self._specs, strict=True)):
            if not _is_regenerable(spec):
                continue
            try:
                regen = _fit(np.asarray(kernel_from_spec(spec), dtype=np.float64), self.ksize, name)
            except (ValueError, TypeError) as exc:
                raise ParameterError(f"spec {i} ({name!r}) does not regenerate its kernel: {exc}") from None
            scale = max(float(np.abs(k).max()), 1e-300)
            diff = float(np.abs(regen - k).max())
            if not diff <= rtol * scale:
                raise ParameterError(
                    f"spec {i} ({name!r}) does not match its kernel: max |regenerated - stored| = {diff:.3g}, "
                    f"allowed {rtol:g} * {scale:.3g}; spec {spec!r}"
                )

    # -- files --------------------------------------------------------------------------------
    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the bank to ``path`` (npz: float64 kernels + JSON metadata; no pickle), atomically.

        The file is written to a temporary file in the same folder, flushed to
        disk, then renamed over ``path`` (:func:`os.replace`): a failure leaves
        either the old file or none, never a half-written one.

        Parameters
        ----------
        path : str or path-like
            Target file; its folder must exist. The name is used as given (no
            ``.npz`` suffix is added).

        Returns
        -------
        pathlib.Path
            The path written.

        Raises
        ------
        DTypeError
            A spec is not JSON-serialisable (nothing is written).

        Examples
        --------
        >>> import tempfile, pathlib
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "sobel.npz"
        >>> bank = FilterBank.from_specs([{"family": "sobel", "dx": 1, "dy": 0}])
        >>> FilterBank.load(bank.save(p)).names
        ['sobel_dx1_dy0']
        """
        target = Path(path)
        try:
            digest = _digest(self._kernels, self._names, self._specs)
        except (TypeError, ValueError) as exc:
            raise DTypeError(f"`specs` must be JSON-serialisable (finite numbers, str, lists, dicts): {exc}") from None
        meta = {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "shape": list(self._kernels.shape),
            "dtype": "<f8",
            "names": self._names,
            "specs": self._specs,
            "sha256": digest,
        }
        blob = np.frombuffer(json.dumps(meta, allow_nan=False).encode("utf-8"), dtype=np.uint8)
        folder = target.parent if str(target.parent) else Path(".")
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
        try:
            with os.fdopen(fd, "wb") as f:
                np.savez(f, kernels=np.ascontiguousarray(self._kernels, dtype="<f8"), meta=blob)
                f.flush()
                os.fsync(f.fileno())
            mode = (target.stat().st_mode & 0o777) if target.exists() else 0o644
            os.chmod(tmp, mode)
            os.replace(tmp, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        return target

    @classmethod
    def load(cls, path: str | os.PathLike[str], *, verify: bool = True) -> FilterBank:
        """Read a bank written by :meth:`save`; never executes code from the file.

        Parameters
        ----------
        path : str or path-like
            The file.
        verify : bool
            Regenerate every regenerable spec and compare it with its kernel (see
            :meth:`verify`); default True.

        Returns
        -------
        FilterBank
            Bit-identical kernels, the same names and specs.

        Raises
        ------
        BankFileError
            Not an npz file (another format: ``.npy``, pickle, image, text), a
            truncated or corrupted zip, missing or extra entries, another format
            tag, a newer format version, a shape/dtype that disagrees with the
            metadata, a SHA-256 mismatch (tampered kernels, names or specs), or a
            spec that does not match its kernel.
        FileNotFoundError
            If ``path`` does not exist.

        Examples
        --------
        >>> import tempfile, pathlib
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "box.npz"
        >>> b = FilterBank.from_specs([{"family": "box", "ksize": 3}])
        >>> bool((FilterBank.load(b.save(p)).kernels == b.kernels).all())
        True
        """
        p = Path(path)
        with open(p, "rb") as f:
            head = f.read(4)
        if head != _ZIP_MAGIC:
            raise BankFileError(
                f"`path` must be a FilterBank file (npz, written by FilterBank.save); {str(p)!r} starts with "
                f"{head!r}, not the zip signature {_ZIP_MAGIC!r}"
            )
        try:
            with np.load(p, allow_pickle=False) as data:
                keys = sorted(data.files)
                if keys != ["kernels", "meta"]:
                    raise BankFileError(
                        f"`path` must hold exactly the entries 'kernels' and 'meta'; {str(p)!r} holds {keys}"
                    )
                kernels = data["kernels"]
                blob = data["meta"]
        except BankFileError:
            raise
        except (ValueError, OSError, EOFError, KeyError, zipfile.BadZipFile, UnicodeDecodeError) as exc:
            raise BankFileError(f"`path` {str(p)!r} is truncated or corrupted: {type(exc).__name__}: {exc}") from None
        if blob.dtype != np.uint8 or blob.ndim != 1:
            raise BankFileError(f"entry 'meta' must be 1-D uint8 (UTF-8 JSON); got {blob.dtype} {blob.shape}")
        try:
            meta = json.loads(blob.tobytes().decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise BankFileError(f"entry 'meta' of {str(p)!r} is not valid UTF-8 JSON: {exc}") from None
        if not isinstance(meta, dict) or meta.get("format") != FORMAT:
            got = meta.get("format") if isinstance(meta, dict) else type(meta).__name__
            raise BankFileError(f"`path` must be a {FORMAT!r} file; {str(p)!r} has format {got!r}")
        version = meta.get("version")
        if not isinstance(version, int) or isinstance(version, bool) or not 1 <= version <= FORMAT_VERSION:
            raise BankFileError(
                f"format version must be an int in [1, {FORMAT_VERSION}] (this filterbank reads up to "
                f"{FORMAT_VERSION}); {str(p)!r} has {version!r}"
            )
        if kernels.dtype != np.dtype("<f8") or list(kernels.shape) != meta.get("shape") or kernels.ndim != 3:
            raise BankFileError(
                f"entry 'kernels' must be float64 of shape {meta.get('shape')}; "
                f"got {kernels.dtype} {list(kernels.shape)}"
            )
        names, specs = meta.get("names"), meta.get("specs")
        if not isinstance(names, list) or not isinstance(specs, list):
            raise BankFileError(f"'names' and 'specs' in {str(p)!r} must be lists")
        try:
            digest = _digest(kernels, names, specs)
        except (TypeError, ValueError) as exc:
            raise BankFileError(f"metadata of {str(p)!r} is not valid: {exc}") from None
        if digest != meta.get("sha256"):
            raise BankFileError(
                f"SHA-256 of {str(p)!r} does not match its content (tampered or corrupted file): stored "
                f"{meta.get('sha256')!r}, computed {digest!r}"
            )
        try:
            bank = cls(kernels, names=names, specs=specs)
        except (ValueError, TypeError) as exc:
            raise BankFileError(f"{str(p)!r} does not describe a valid bank: {exc}") from None
        if verify:
            try:
                bank.verify()
            except (ValueError, TypeError) as exc:
                raise BankFileError(f"{str(p)!r}: {exc}") from None
        return bank

    # -- pictures -----------------------------------------------------------------------------
    def show(self, *, cell: int = 64, cols: int | None = None) -> Image.Image:
        """A picture of the bank: a grid, each kernel with its own contrast, its name underneath.

        Diverging map centred at zero (blue negative, white zero, red positive),
        scaled by each kernel's ``max |k|``; drawn with Pillow by
        :func:`filterbank.viz.kernel_grid` (imported only when called). In a
        notebook the returned image displays itself.

        Parameters
        ----------
        cell : int
            Target size in pixels of a kernel's longer side.
        cols : int, optional
            Columns; default ``min(N, 8)``.

        Returns
        -------
        PIL.Image.Image

        Examples
        --------
        >>> FilterBank.from_specs([{"family": "sobel", "dx": 1, "dy": 0}]).show().mode
        'RGB'
        """
        from . import viz

        return viz.kernel_grid(self, cell=cell, cols=cols)

    def to_image(self, path: str | os.PathLike[str], *, cell: int = 64, cols: int | None = None) -> Path:
        """Write :meth:`show`'s picture as a PNG file (parent folders are created).

        Returns
        -------
        pathlib.Path
            The path written.

        Examples
        --------
        >>> import tempfile, pathlib
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "bank.png"
        >>> FilterBank.from_specs([{"family": "box", "ksize": 3}]).to_image(p).is_file()
        True
        """
        from . import viz

        return viz.save(self.show(cell=cell, cols=cols), path)

    def response_image(
        self,
        image: Any,
        *,
        border: str | int = "reflect101",
        cols: int | None = None,
        cell_max: int = 256,
    ) -> Image.Image:
        """A picture of the bank's responses to a 2-D image: the input, then one panel per kernel.

        Each panel has its own contrast: responses with both signs use the
        diverging map centred at zero, others gray from min to max
        (:func:`filterbank.viz.response_grid`).

        Parameters
        ----------
        image : array-like
            ``(H, W)`` grayscale image (any real dtype; filtered in float64).
        border : str or int
            Border of :func:`filterbank.filter2d`.
        cols : int, optional
            Columns; default ``min(N + 1, 4)``.
        cell_max : int
            Panels larger than this are shrunk.

        Returns
        -------
        PIL.Image.Image

        Examples
        --------
        >>> import numpy as np
        >>> b = FilterBank.from_specs([{"family": "sobel", "dx": 1, "dy": 0}])
        >>> b.response_image(np.eye(16)).mode
        'RGB'
        """
        from . import viz
        from .functional import filter2d

        img = np.asarray(image)
        if img.ndim != 2:
            raise ShapeError(f"`image` must be a 2-D (H, W) grayscale image; got shape {img.shape}")
        img = img.astype(np.float64)
        out = filter2d(img, self._kernels, border=border)
        panels = [("input", img)]
        panels += [(n, out[..., i]) for i, n in enumerate(self._names)]
        return viz.response_grid(panels, cols=cols, cell_max=cell_max)

    def __repr__(self) -> str:
        shown = ", ".join(self._names[:4]) + (", ..." if len(self) > 4 else "")
        return f"FilterBank(n={len(self)}, ksize={self.ksize}, names=[{shown}])"


def as_bank(obj: Any) -> FilterBank:
    """Return ``obj`` if it is a FilterBank, else wrap an array ``(N, kh, kw)`` / ``(kh, kw)``."""
    if isinstance(obj, FilterBank):
        return obj
    if isinstance(obj, torch.Tensor):
        obj = obj.detach().cpu().double().numpy()
    return FilterBank(obj)
