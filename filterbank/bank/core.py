"""``FilterBank``: kernels ``(N, kh, kw)`` with a name and a spec for each.

Size policy
-----------
A bank holds kernels of one size. Smaller kernels are centre-padded with zeros
(which changes no response, as long as the size difference is even on each axis so
that the anchor ``k // 2`` stays on the same tap). Nothing is ever cropped silently:
:meth:`FilterBank.resize` crops only with ``crop=True``, and reports the fraction of
each kernel's L1 norm that was dropped (:meth:`FilterBank.crop_loss`, and the
``"l1_lost"`` entry of the cropped kernels' specs).

Specs and files
---------------
Each kernel has a JSON spec that regenerates it (:mod:`filterbank.bank.specs`);
:meth:`FilterBank.save` and :meth:`FilterBank.load` write and read the pickle-free
``.npz`` format of :mod:`filterbank.bank.fileformat`.
"""

from __future__ import annotations

import fnmatch
import numbers
import os
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from PIL import Image

from .. import viz
from .._errors import BankFileError, DTypeError, ParameterError, ShapeError
from .._types import KernelLike
from .._validate import finite_kernel, int_in_range, size_pair
from ..functional import filter2d
from . import fileformat
from .specs import (
    VERIFY_RTOL,
    check_normalization,
    check_specs,
    fit,
    kernel_from_spec,
    l1_lost,
    normalized,
    spec_name,
)

__all__ = ["FilterBank", "as_bank"]

_SHAPES = {1: "(N, k) or (k,)", 2: "(N, kh, kw) or (kh, kw)", 3: "(N, kd, kh, kw) or (kd, kh, kw)"}


class FilterBank:
    """A bank of 2-D kernels in correlation orientation, with names and specs (also 1-D and 3-D kernels).

    Parameters
    ----------
    kernels : array-like
        ``(N, kh, kw)`` or a single ``(kh, kw)`` kernel; stored as a read-only
        float64 array. Must be finite. A 4-D array ``(N, kd, kh, kw)`` is a bank
        of 3-D kernels; 1-D kernels need ``ndim=1``.
    names : sequence of str, optional
        One unique name per kernel; default ``k0, k1, ...``.
    specs : sequence of dict, optional
        One JSON-serialisable dict per kernel, ``{"family": ..., **params}``,
        enough to regenerate it with :func:`filterbank.kernels.get`; default
        ``{"family": "custom"}``.
    ndim : int or None
        Dimensions of one kernel (1, 2 or 3): the array is one kernel
        (``ndim`` axes) or a bank (``ndim + 1`` axes). ``None``: 2, or 3 for a
        4-D array. 2-D-only methods (``resize``, ``crop_loss``,
        ``response_image``) refuse other banks; :meth:`show` draws a 3-D kernel
        as its three central orthogonal slices.

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
        kernels: KernelLike,
        names: Sequence[str] | None = None,
        specs: Sequence[Mapping[str, Any]] | None = None,
        *,
        ndim: int | None = None,
    ) -> None:
        arr = np.asarray(kernels)
        if arr.dtype.kind not in "fiu":
            raise DTypeError(f"`kernels` must be real numbers; got dtype {arr.dtype}")
        nd = (3 if arr.ndim == 4 else 2) if ndim is None else int_in_range("ndim", ndim, 1, 3)
        if arr.ndim == nd:
            arr = arr[None]
        if arr.ndim != nd + 1 or arr.size == 0:
            raise ShapeError(f"`kernels` must be {_SHAPES[nd]}, non-empty; got shape {arr.shape}")
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
        kernels: Sequence[KernelLike],
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
        nd = arrays[0].ndim if arrays[0].ndim in (1, 3) else 2  # 1-D and 3-D kernels: all alike
        for i, a in enumerate(arrays):
            if a.ndim != nd:
                want = "2-D (kh, kw)" if nd == 2 else f"{nd}-D like kernels[0]"
                raise ShapeError(f"`kernels[{i}]` must be {want}; got shape {a.shape}")
        shape = tuple(max(a.shape[j] for a in arrays) for j in range(nd))
        label = list(names) if names is not None else [f"k{i}" for i in range(len(arrays))]
        padded = [
            fit(a, shape, label[i] if i < len(label) else str(i), how="centre-padded to") for i, a in enumerate(arrays)
        ]
        return cls(np.stack(padded), names=names, specs=specs, ndim=nd)

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
        """Kernel (height, width); ``(k,)`` for 1-D and ``(kd, kh, kw)`` for 3-D banks."""
        return tuple(int(v) for v in self._kernels.shape[1:])  # type: ignore[return-value]

    @property
    def ndim(self) -> int:
        """Dimensions of one kernel: 2 for images, 1 for signals, 3 for volumes."""
        return self._kernels.ndim - 1

    def _need_2d(self, what: str) -> None:
        if self.ndim != 2:
            raise ShapeError(
                f"`{what}` needs a bank of 2-D kernels; this bank holds {self.ndim}-D kernels {self.ksize}"
            )

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
        return FilterBank(
            self._kernels[idx], [self._names[i] for i in idx], [self._specs[i] for i in idx], ndim=self.ndim
        )

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
            if not -n <= int(key) < n:
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
        kind = check_normalization(kind)
        ks = np.stack([normalized(k, kind, n) for k, n in zip(self._kernels, self._names, strict=True)])
        ksize = list(self.ksize)
        specs = [{"family": "normalized", "kind": kind, "ksize": ksize, "spec": s} for s in self._specs]
        return FilterBank(ks, self._names, specs, ndim=self.ndim)

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
        self._need_2d("crop_loss")
        shape = size_pair("ksize", ksize)
        return np.array([l1_lost(k, shape) for k in self._kernels])

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
        self._need_2d("resize")
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
        ks = np.stack([fit(k, shape, n) for k, n in zip(self._kernels, self._names, strict=True)])
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
        check_specs(self._kernels, self._names, self._specs, rtol=rtol)

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
        return fileformat.write(path, self._kernels, self._names, self._specs)

    @classmethod
    def load(
        cls, path: str | os.PathLike[str], *, verify: bool = True, max_bytes: int = fileformat.MAX_KERNEL_BYTES
    ) -> FilterBank:
        """Read a bank written by :meth:`save`; never executes code from the file.

        Files may come from anywhere: every size is checked before anything is
        allocated (the zip's declared member sizes, deflate ratio, ``.npy`` headers,
        JSON nesting, each spec's kernel size before it is regenerated), so a crafted
        file is refused with a :class:`BankFileError` in milliseconds, with no more
        memory than the file's own size. The SHA-256 is an integrity check, not a
        signature (see :mod:`filterbank.bank.fileformat`).

        Parameters
        ----------
        path : str or path-like
            The file.
        verify : bool
            Regenerate every regenerable spec and compare it with its kernel (see
            :meth:`verify`); default True.
        max_bytes : int
            Most bytes of kernels the file may hold; default
            :data:`~filterbank.bank.fileformat.MAX_KERNEL_BYTES` (256 MiB).

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
            metadata, sizes beyond the limits, names that are not strings, a
            SHA-256 mismatch (tampered kernels, names or specs), or a spec that
            does not match its kernel.
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
        kernels, names, specs = fileformat.read(path, max_bytes=max_bytes)
        try:
            bank = cls(kernels, names=names, specs=specs, ndim=kernels.ndim - 1)
        except (ValueError, TypeError) as exc:
            raise BankFileError(f"{str(path)!r} does not describe a valid bank: {exc}") from None
        if verify:
            try:
                bank.verify()
            except (ValueError, TypeError) as exc:
                raise BankFileError(f"{str(path)!r}: {exc}") from None
        return bank

    # -- pictures -----------------------------------------------------------------------------
    def show(self, *, cell: int = 64, cols: int | None = None) -> Image.Image:
        """A picture of the bank: a grid, each kernel with its own contrast, its name underneath.

        Diverging map centred at zero (blue negative, white zero, red positive),
        scaled by each kernel's ``max |k|``; drawn with Pillow by
        :func:`filterbank.viz.kernel_grid`. In a
        notebook the returned image displays itself. A 3-D kernel is drawn as its
        three central orthogonal slices (``z``: ``k[kd // 2]``, ``y``, ``x``) side
        by side with one colour scale; a 1-D kernel as one row.

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
        self._need_2d("response_image")
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


def as_bank(obj: KernelLike, ndim: int | None = None) -> FilterBank:
    """Return ``obj`` if it is a FilterBank, else wrap an array ``(N, kh, kw)`` / ``(kh, kw)`` (or a tensor).

    ``ndim`` is the dimension of one kernel for arrays (see :class:`FilterBank`); ``None``: 2, or 3
    for a 4-D array. A FilterBank is returned as it is, whatever ``ndim``.

    Examples
    --------
    >>> as_bank(np.ones((3, 3))).names
    ['k0']
    >>> as_bank(np.ones((3, 3)), ndim=1).ksize
    (3,)
    """
    if isinstance(obj, FilterBank):
        return obj
    if isinstance(obj, torch.Tensor):
        obj = obj.detach().cpu().double().numpy()
    return FilterBank(obj, ndim=ndim)
