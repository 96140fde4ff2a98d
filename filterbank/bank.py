"""``FilterBank``: kernels ``(N, kh, kw)`` with a name and a spec for each."""

from __future__ import annotations

import fnmatch
import numbers
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np
import torch

from . import kernels as _kernels
from ._errors import DTypeError, ParameterError, ShapeError
from ._validate import finite_kernel

__all__ = ["FilterBank", "as_bank"]


def _format_value(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:g}"
    if isinstance(v, (tuple, list)):
        return "x".join(_format_value(x) for x in v)
    return str(v)


def spec_name(spec: Mapping[str, Any]) -> str:
    """A readable name for a spec: ``{"family": "sobel", "dx": 1, "dy": 0}`` -> ``"sobel_dx1_dy0"``."""
    parts = [str(spec.get("family", "kernel"))]
    parts += [f"{k}{_format_value(v)}" for k, v in spec.items() if k != "family"]
    return "_".join(parts)


def _centre_pad(k: np.ndarray, shape: tuple[int, int], name: str) -> np.ndarray:
    dh, dw = shape[0] - k.shape[0], shape[1] - k.shape[1]
    if dh % 2 or dw % 2:
        raise ShapeError(
            f"kernel {name!r} of shape {k.shape} cannot be centre-padded to {shape}: the size difference must be "
            "even on each axis so that the anchor (k // 2) stays on the same tap"
        )
    return np.pad(k, ((dh // 2, dh // 2), (dw // 2, dw // 2)))


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
        dup = sorted({s for s in names if names.count(s) > 1})
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
        :func:`filterbank.kernels.get`. Sizes are centre-padded with zeros (which
        changes no response); size differences must be even on each axis.

        Examples
        --------
        >>> FilterBank.from_specs([{"family": "box", "ksize": 3}, {"family": "box", "ksize": 5}]).ksize
        (5, 5)
        """
        specs = [dict(s) for s in specs]
        arrays = []
        for s in specs:
            if "family" not in s:
                raise ParameterError(f"each spec must have a 'family' key; got {s!r}")
            params = {k: v for k, v in s.items() if k != "family"}
            arrays.append(_kernels.get(s["family"], **params))
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
        padded = [_centre_pad(a, shape, label[i] if i < len(label) else str(i)) for i, a in enumerate(arrays)]
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
