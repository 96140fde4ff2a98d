"""The OpenCV engine: ``cv2.filter2D`` itself, with filterbank's borders, anchors, banks and layout.

For CPU inputs (numpy arrays, and CPU tensors read as zero-copy numpy views) the
engine calls ``cv2.filter2D``, so its output is OpenCV's bit for bit:

- dtypes: the ``(input, output)`` pairs ``cv2.filter2D`` computes
  (:data:`DEPTH_PAIRS`); any other pair is refused by :func:`supports` and left
  to the torch engines;
- borders ``reflect101``, ``symmetric``, ``replicate`` and ``constant`` with value 0
  are OpenCV's own (``borderType``). ``wrap`` (refused by ``filter2D`` in OpenCV 5)
  and ``constant`` with another value are padded here first with filterbank's
  exact index maps (:func:`filterbank.borders.border_indices`, any pad size),
  then filtered with ``BORDER_CONSTANT`` at the same anchor and cropped: the
  reference the tests build with ``cv2.copyMakeBorder``. A value that the input
  dtype cannot hold (``0.5`` or ``300`` on uint8) is padded in the computing
  dtype (float32, or float64 when the input or the output is float64), filtered
  there and rounded half to even with saturation, as the torch engines do;
- anchors as filterbank writes them, ``(row, col)``; OpenCV's ``anchor=(x, y)``
  is the reverse and is built here;
- banks and batches: every (image, kernel) pair is one ``cv2.filter2D`` call
  writing into a preallocated output (``dst=``). ``cv2`` releases the GIL, so
  many calls run on a small thread pool, a single ``filter2D`` call on OpenCV's
  own threads, and a single large ``sepFilter2D`` call is cut into row bands
  with halos, which give the same sums bit for bit (:func:`thread_count`);
- a numpy ``(H, W, C)`` image goes to ``cv2.filter2D`` whole (interleaved), so the
  result is the one ``cv2.filter2D(image, -1, k)`` returns. A torch ``(B, C, H, W)``
  tensor is filtered plane by plane: in float32 OpenCV's interleaved and planar
  sums can differ in the last bit, so torch output equals ``cv2.filter2D`` of
  each plane bit for bit and the interleaved call within the parity bound;
- under autograd (float32 / float64 tensors that require grad) the forward is the
  same calls and the backward is again a correlation: the output gradient
  correlated with the flipped kernel at the transposed anchor
  ``(kh - 1 - row, kw - 1 - col)``, then the adjoint of the border (every padded
  pixel's gradient added back to the pixel it copies). Kernel gradients come
  from torch's own convolution backward on the padded input.

A separable kernel goes to ``cv2.sepFilter2D`` only where the result cannot
depend on the order of the sums: an integer image (uint8, uint16, int16) and a
kernel that is the outer product of two integer vectors (Sobel, Scharr, Prewitt,
unnormalised boxes and binomials), with every partial sum below 2**24 for any
pixel values of the input dtype (:func:`exact_factors`). Both OpenCV functions
then add exact integers in float32 (or int32), so their outputs are equal bit for
bit, and the separable one does ``kh + kw`` instead of ``kh * kw`` taps per pixel.
Any other kernel stays on ``cv2.filter2D``: float sums in another order differ in
the last bit, and ``sepFilter2D``'s fixed-point uint8 path rounds differently.

Small numpy calls take :func:`filter_numpy`'s fast path: the plan is cached by the
kernel's bytes, shape and dtype, the image's shape and dtype and the call's
keywords, so a repeated call costs one dictionary look-up beyond ``cv2.filter2D``.
"""

from __future__ import annotations

import functools
import itertools
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple, cast

import cv2
import numpy as np
import torch
from numpy.typing import ArrayLike
from torch.autograd.function import once_differentiable
from torch.nn.grad import conv2d_weight

from .. import _alloc, _device, _threads
from .. import borders as _borders
from .._errors import DTypeError, ParameterError, ShapeError
from .._types import OPENCV_DFT_TAPS
from .._validate import as_float
from . import measure as _measure
from .accuracy import _budget
from .factors import _factors

__all__ = [
    "DEPTH_PAIRS",
    "CvPlan",
    "clear_plans",
    "correlate",
    "correlate_valid",
    "default_threads",
    "dft_taps",
    "eligible",
    "exact_factors",
    "fast_plan",
    "filter_numpy",
    "make_plan",
    "pad_numpy",
    "run_fast",
    "run_numpy",
    "run_tensor",
    "supports",
    "thread_count",
]

_U8, _U16, _I16, _F32, _F64 = (np.dtype(t) for t in (np.uint8, np.uint16, np.int16, np.float32, np.float64))

#: OpenCV depth code of every numpy dtype ``cv2.filter2D`` takes (OpenCV 5: these five).
_DEPTH = {_U8: cv2.CV_8U, _U16: cv2.CV_16U, _I16: cv2.CV_16S, _F32: cv2.CV_32F, _F64: cv2.CV_64F}

#: ``(input, output)`` dtype pairs that ``cv2.filter2D`` computes (OpenCV 5.0's ``ddepth`` table,
#: checked against cv2 in tests/plan/test_opencv.py).
DEPTH_PAIRS: frozenset[tuple[np.dtype, np.dtype]] = frozenset(
    [(_U8, d) for d in (_U8, _U16, _I16, _F32, _F64)]
    + [(s, d) for s in (_U16, _I16) for d in (s, _F32, _F64)]
    + [(_F32, _F32), (_F64, _F64)]
)

_TORCH_TO_NP: dict[torch.dtype, np.dtype] = {
    torch.uint8: _U8,
    torch.int16: _I16,
    torch.float32: _F32,
    torch.float64: _F64,
}
if hasattr(torch, "uint16"):  # torch >= 2.3
    _TORCH_TO_NP[torch.uint16] = _U16
_TORCH_OF = {v: k for k, v in _TORCH_TO_NP.items()}

_CV_BORDER = {
    "reflect101": cv2.BORDER_REFLECT_101,
    "symmetric": cv2.BORDER_REFLECT,
    "replicate": cv2.BORDER_REPLICATE,
    "constant": cv2.BORDER_CONSTANT,
}


def _np_dtype(dtype: object) -> np.dtype | None:
    if isinstance(dtype, torch.dtype):
        return _TORCH_TO_NP.get(dtype)
    try:
        return np.dtype(dtype)  # type: ignore[call-overload]
    except TypeError:
        return None


def supports(in_dtype: object, out_dtype: object = None) -> bool:
    """Whether ``cv2.filter2D`` computes this ``(input, output)`` dtype pair (numpy or torch dtypes).

    ``out_dtype=None`` keeps the input dtype (OpenCV's ``ddepth=-1``).

    Examples
    --------
    >>> import numpy as np, torch
    >>> supports(np.uint8), supports(np.float32, np.uint8), supports(torch.float16)
    (True, False, False)
    """
    src = _np_dtype(in_dtype)
    dst = src if out_dtype is None else _np_dtype(out_dtype)
    return src is not None and dst is not None and (src, dst) in DEPTH_PAIRS


def dft_taps(src: object, dst: object) -> int:
    """Kernel area from which ``cv2.filter2D`` switches to its DFT for an ``(input, output)`` dtype pair.

    ``OPENCV_DFT_TAPS`` (130) for uint8 -> uint8 / int16 and float32 -> float32, 50 for the
    other pairs (OpenCV's ``dftFilter2D``, with SSE3).

    Examples
    --------
    >>> dft_taps(np.uint8, np.uint8), dft_taps(np.float64, np.float64)
    (130, 50)
    """
    s, d = _np_dtype(src), _np_dtype(dst)
    return OPENCV_DFT_TAPS if (s, d) in {(_U8, _U8), (_U8, _I16), (_F32, _F32)} else 50


def _compute_dtype(src: np.dtype, dst: np.dtype) -> np.dtype:
    """OpenCV's (and filterbank's) arithmetic: float64 when either side is float64, else float32."""
    return _F64 if _F64 in (src, dst) else _F32


# --- threads ------------------------------------------------------------------------------------

#: Total output pixels x kernel taps below which a call runs in one thread (a hand-off costs more).
MIN_PARALLEL = 1 << 17

#: Output pixels x taps of one row band when a large single call is split across threads.
BAND_WORK = 1 << 20

#: Seconds per output pixel x kernel tap of ``cv2.filter2D`` (direct path, one thread; measured on
#: 1080p uint8 and 224^2 float32 3x3): sizes the thread decision only, the planner uses ``costs.json``.
TAP_SECONDS = 1.5e-10


def default_threads() -> int:
    """The engine's thread budget before the load check: ``cv2.getNumThreads()`` capped by the CPUs.

    Examples
    --------
    >>> default_threads() >= 1
    True
    """
    return max(1, min(cv2.getNumThreads(), _threads.cpu_count()))


def thread_count(work: int, threads: int | None = None, jobs: int = 0) -> int:
    """Threads for ``work`` output pixels x taps of OpenCV calls run as ``jobs`` pool jobs (1: a plain loop).

    ``cv2`` releases the GIL, so filterbank spreads many calls (and row bands of a large
    ``sepFilter2D`` call) over a pool of Python threads that balances them dynamically.
    ``threads`` defaults to :func:`filterbank._threads.engine_threads` of
    ``cv2.getNumThreads()``: one thread for a short call; on a contended CPU one thread
    too, unless each job is long (a thread the OS preempts while it holds the GIL stalls
    the others: measured 576 calls of 256^2 at 31 ms on one thread, 49 ms on two, with
    other processes running). ``jobs=0``: unknown, counted as short.

    Examples
    --------
    >>> thread_count(100)
    1
    >>> thread_count(10**8, threads=2)
    2
    """
    if work < MIN_PARALLEL:
        return 1
    if threads is None:
        job_seconds = work * TAP_SECONDS / jobs if jobs else 0.0
        threads = _threads.engine_threads(default_threads(), work * TAP_SECONDS, job_seconds)
    return max(1, int(threads))


# --- padding (wrap, constant with a value) -------------------------------------------------------

_INDEX_CACHE: dict[tuple[int, int, int, str], np.ndarray] = {}
_INDEX_CACHE_MAX = 256  # entries of at most _INDEX_CACHE_BYTES each: 64 MiB at most
_INDEX_CACHE_BYTES = 1 << 18
_INDEX_LOCK = threading.Lock()


def _indices(n: int, before: int, after: int, border: str) -> np.ndarray:
    key = (n, before, after, border)
    idx = _INDEX_CACHE.get(key)
    if idx is None:
        idx = _borders.border_indices(n, before, after, border).numpy()  # type: ignore[union-attr]
        if idx.nbytes <= _INDEX_CACHE_BYTES:
            with _INDEX_LOCK:
                if len(_INDEX_CACHE) >= _INDEX_CACHE_MAX:
                    _INDEX_CACHE.pop(next(iter(_INDEX_CACHE)))  # first in, first out
                _INDEX_CACHE[key] = idx
    return idx


def pad_numpy(x: np.ndarray, padding: tuple[int, int, int, int], border: str, value: float = 0.0) -> np.ndarray:
    """Pad the first two axes of ``x`` (``(H, W)`` or ``(H, W, C)``) exactly as :func:`filterbank.borders.pad`.

    The same index maps (any pad size, a kernel larger than the image included);
    the interior is one copy and only the border strips are gathered.

    Examples
    --------
    >>> pad_numpy(np.arange(1, 6).reshape(1, 5), (0, 0, 3, 3), "wrap").tolist()
    [[3, 4, 5, 1, 2, 3, 4, 5, 1, 2, 3]]
    """
    border = _borders.normalize_border(border)
    top, bottom, left, right = padding
    h, w = x.shape[:2]
    out = np.empty((h + top + bottom, w + left + right, *x.shape[2:]), dtype=x.dtype)
    out[top : top + h, left : left + w] = x
    if border == "constant":
        fill = x.dtype.type(value)
        out[:top] = fill
        out[top + h :] = fill
        out[top : top + h, :left] = fill
        out[top : top + h, left + w :] = fill
        return out
    if left or right:
        cols = _indices(w, left, right, border)
        out[top : top + h, :left] = x[:, cols[:left]]
        out[top : top + h, left + w :] = x[:, cols[left + w :]]
    if top or bottom:
        rows = _indices(h, top, bottom, border) + top  # the padded array's rows that hold the source rows
        out[:top] = out[rows[:top]]
        out[top + h :] = out[rows[top + h :]]
    return out


# --- exact separable kernels --------------------------------------------------------------------

#: float32 (and int32) hold every integer of magnitude below this exactly.
_EXACT_LIMIT = 1 << 24

#: The largest magnitude of each integer input dtype.
_INT_MAX = {_U8: 255, _U16: 65535, _I16: 32768}


class Sep(NamedTuple):
    """A kernel ``outer(column, row)`` with integer factors, run by ``cv2.sepFilter2D`` (see :func:`exact_factors`)."""

    row: np.ndarray  # (kw,) float32, integer values
    column: np.ndarray  # (kh,) float32, integer values

    @property
    def shape(self) -> tuple[int, int]:
        return (int(self.column.size), int(self.row.size))

    @property
    def size(self) -> int:
        return int(self.column.size * self.row.size)


def exact_factors(kernel: np.ndarray, max_input: int) -> Sep | None:
    """Integer factors ``(row, column)`` of a 2-D kernel when separable filtering is exact, else None.

    They are returned when ``kernel == outer(column, row)`` exactly with integer
    vectors of at least two taps each, and ``max_input * sum|row| * sum|column|`` is
    below ``2**24``: every product and partial sum of ``cv2.filter2D`` (any order) and
    of ``cv2.sepFilter2D`` (rows first) is then an integer that float32 holds exactly,
    so both give the same output bit for bit.

    Parameters
    ----------
    kernel : numpy.ndarray
        ``(kh, kw)`` float64.
    max_input : int
        The largest input magnitude (255 for uint8).

    Examples
    --------
    >>> f = exact_factors(np.array([[-1.0, 0, 1], [-2, 0, 2], [-1, 0, 1]]), 255)
    >>> f.row.tolist(), f.column.tolist()
    ([-1.0, 0.0, 1.0], [1.0, 2.0, 1.0])
    >>> exact_factors(np.full((3, 3), 1 / 9), 255) is None  # not integer
    True
    """
    k = np.asarray(kernel, dtype=np.float64)
    if k.ndim != 2 or min(k.shape) < 2 or not np.all(np.isfinite(k)) or not np.all(k == np.round(k)):
        return None
    if np.abs(k).max() >= _EXACT_LIMIT or not k.any():
        return None
    ki = k.astype(np.int64)
    i0, j0 = np.unravel_index(int(np.argmax(np.abs(ki))), ki.shape)
    row = ki[i0] // np.gcd.reduce(ki[i0])  # the pivot row over its gcd: integers, pivot non-zero
    column_num = ki[:, j0]
    if np.any(column_num % row[j0]):
        return None
    column = column_num // row[j0]
    if not np.array_equal(np.outer(column, row), ki):
        return None
    if max_input * int(np.abs(row).sum()) * int(np.abs(column).sum()) >= _EXACT_LIMIT:
        return None
    return Sep(row.astype(np.float32), column.astype(np.float32))


def _rank1_units(kernels: np.ndarray, dtype: np.dtype) -> list[list[np.ndarray | Sep]]:
    """Every kernel of ``(G, N, kh, kw)`` as ``sepFilter2D`` factors in ``dtype``, from the planner's own
    rank-1 factorisation (:func:`filterbank.plan.factors._factors`, cached by kernel values).

    Raises
    ------
    ParameterError
        When a kernel is not rank 1 within the accuracy budget of ``dtype`` (the torch
        ``separable`` method's rule).
    """
    k = torch.tensor(kernels)  # a copy: the plan's kernels may be a read-only view
    budget = _budget(torch.float64 if dtype == _F64 else torch.float32, k.shape[-2] * k.shape[-1])
    f = _factors(k, "separable", budget)
    if f is None:
        raise ParameterError(
            f"a separable OpenCV plan needs rank-1 kernels (residual <= {budget:g} of sum|k|); these are not"
        )
    assert f.mask is not None  # separable factors say which row each kernel uses
    rows = [v.numpy().astype(dtype) for v in f.V]
    which = f.mask.int().argmax(-1).tolist()  # (G, N): the row factor of each kernel
    return [[Sep(rows[p], f.C[a, b, p].numpy().astype(dtype)) for b, p in enumerate(ps)] for a, ps in enumerate(which)]


# --- plans --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CvPlan:
    """How one call runs on ``cv2.filter2D``: kernels, dtypes, border code, anchor, own padding."""

    kernels: np.ndarray  # (G, N, kh, kw) float64, C-contiguous
    src: np.dtype
    dst: np.dtype
    ddepth: int  # OpenCV depth that filter2D writes (dst's, or the work dtype's when rounding here)
    border: str
    code: int  # borderType given to cv2.filter2D
    anchor: tuple[int, int]  # (row, col)
    anchor_xy: tuple[int, int]  # OpenCV's (x, y)
    padding: tuple[int, int, int, int] | None  # (t, b, l, r) padded here first (wrap, constant with a value)
    value: float
    work: np.dtype | None  # pad and filter in this float dtype, then round and saturate to dst
    single: np.ndarray | None = None  # the (kh, kw) kernel when the call gave one 2-D kernel
    separable: bool = False  # float rank-1 kernels through cv2.sepFilter2D (the planner's "opencv-separable")

    @property
    def ksize(self) -> tuple[int, int]:
        return (int(self.kernels.shape[-2]), int(self.kernels.shape[-1]))

    @property
    def dft_taps(self) -> int:
        """Kernel area from which ``cv2.filter2D`` computes through a DFT for this plan's dtypes."""
        return dft_taps(self.work or self.src, self.work or self.dst)

    @functools.cached_property
    def nan_guard(self) -> bool:
        """Whether a non-finite pixel must be kept from OpenCV's DFT (float input on the DFT path)."""
        big = self.ksize[0] * self.ksize[1] >= self.dft_taps and not self.separable
        return big and (self.work or self.src).kind == "f"

    @functools.cached_property
    def units(self) -> list[list[np.ndarray | Sep]]:
        """``kernels[g][n]`` as run: :class:`Sep` factors where :func:`exact_factors` allows, else the kernel.

        Only on OpenCV's own border and direct path (below :attr:`dft_taps`), for integer inputs;
        a :attr:`separable` plan has the leading singular vectors of every kernel instead.
        """
        if self.separable:
            return _rank1_units(self.kernels, self.work or self.src)
        exact = (
            self.padding is None
            and self.work is None
            and self.src.kind in "iu"
            and self.ksize[0] * self.ksize[1] < self.dft_taps
        )
        limit = _INT_MAX.get(self.src, 0)
        units: list[list[np.ndarray | Sep]] = []
        for ks in self.kernels:
            factors = [exact_factors(k, limit) if exact else None for k in ks]
            units.append([k if f is None else f for k, f in zip(ks, factors, strict=True)])
        return units

    def one_call(self, pixels: int) -> bool:
        """Whether an image of ``pixels`` with this single kernel is one bare OpenCV call and nothing else
        (OpenCV's own border, no NaN guard, too little work for threads)."""
        return (
            self.single is not None
            and self.padding is None
            and not self.nan_guard
            and pixels * self.single.size < MIN_PARALLEL
        )

    @functools.cached_property
    def plain(self) -> bool:
        """Every call is a bare ``cv2.filter2D`` into ``dst``: OpenCV's own border, no NaN guard, no factors."""
        if self.nan_guard or self.padding is not None or self.separable:
            return False
        return all(type(k) is not Sep for ks in self.units for k in ks)

    def prepare(self, image: np.ndarray) -> np.ndarray:
        """The image ``apply`` reads: ``image`` itself with OpenCV's border, else padded here."""
        if self.padding is None:
            return image
        x = image if self.work is None else image.astype(self.work)
        return pad_numpy(x, self.padding, self.border, self.value)

    def call(self, src: np.ndarray, k: np.ndarray | Sep, dst: np.ndarray | None, code: int) -> np.ndarray:
        """One OpenCV call: ``cv2.sepFilter2D`` for :class:`Sep` factors, else ``cv2.filter2D``."""
        if isinstance(k, Sep):
            return cv2.sepFilter2D(src, self.ddepth, k.row, k.column, dst, self.anchor_xy, 0.0, code)
        return cv2.filter2D(src, self.ddepth, k, dst, self.anchor_xy, 0.0, code)

    def apply(self, prepared: np.ndarray, k: np.ndarray | Sep, dst: np.ndarray) -> None:
        """``dst[...] = filter2D(image, k)`` for one ``(H, W[, C])`` image (``prepared`` by :meth:`prepare`).

        On OpenCV's DFT path a NaN or inf would reach every output of the image, so an image
        holding one is summed directly instead (window by window, like ``direct``): a
        non-finite pixel reaches only the outputs whose window covers it, as with every
        filterbank method (:mod:`filterbank.plan.nonfinite`).
        """
        if self.nan_guard and not np.isfinite(prepared.sum()):
            _direct_windows(self, prepared, cast(np.ndarray, k), dst)
            return
        if self.padding is None:
            self.call(prepared, k, dst, self.code)
            return
        y = self.call(prepared, k, None, cv2.BORDER_CONSTANT)
        top, left = self.padding[0], self.padding[2]
        h, w = dst.shape[:2]
        y = y.reshape(prepared.shape)[top : top + h, left : left + w]
        if self.work is None:
            dst[...] = y
        else:
            _round_into(y, dst)


def _direct_windows(p: CvPlan, prepared: np.ndarray, k: np.ndarray, dst: np.ndarray) -> None:
    """The direct sum of one (H, W[, C]) image with ``k`` (torch's ``F.conv2d``, in the image's float dtype)."""
    x = torch.from_numpy(np.ascontiguousarray(prepared))
    planes = (x.unsqueeze(0) if x.dim() == 2 else x.permute(2, 0, 1)).unsqueeze(1)  # (C, 1, H', W')
    if p.padding is None:  # OpenCV's own border: pad with the same rules first
        planes = _borders.pad(planes, _borders.padding_for(p.ksize, p.anchor), p.border, p.value)
    y = torch.nn.functional.conv2d(planes, torch.from_numpy(k).to(planes.dtype)[None, None])[:, 0]
    out = (y[0] if dst.ndim == 2 else y.permute(1, 2, 0)).numpy()
    if p.work is None and dst.dtype == out.dtype:
        dst[...] = out
    else:
        _round_into(out, dst)


def _round_into(y: np.ndarray, dst: np.ndarray) -> None:
    """Round half to even and saturate into ``dst``'s integer dtype (OpenCV's ``saturate_cast``), or cast."""
    if dst.dtype.kind == "f":
        dst[...] = y
        return
    info = np.iinfo(dst.dtype)
    dst[...] = np.clip(np.rint(y), info.min, info.max)


def _check_kernels(kernels: object) -> np.ndarray:
    """``kernels`` as float64 ``(G, N, kh, kw)``; ``(kh, kw)`` and ``(N, kh, kw)`` get leading axes."""
    k = kernels.detach().cpu().numpy() if isinstance(kernels, torch.Tensor) else np.asarray(kernels)
    if k.dtype.kind not in "fiu" or k.dtype == np.float16:
        raise DTypeError(f"`kernel` must have a real float or integer dtype; got {k.dtype}")
    if k.ndim not in (2, 3, 4) or k.size == 0:
        raise ShapeError(f"`kernel` must be (kh, kw) or a bank (N, kh, kw), non-empty; got shape {k.shape}")
    k = np.ascontiguousarray(k, dtype=np.float64)
    if not np.all(np.isfinite(k)):
        bad = tuple(int(i) for i in np.argwhere(~np.isfinite(k))[0])
        raise ParameterError(f"`kernel` must contain only finite values; got {float(k[bad])!r} at index {bad}")
    return k.reshape((1,) * (4 - k.ndim) + k.shape)


def _fits(value: float, dtype: np.dtype) -> bool:
    """Whether ``dtype`` holds ``value`` exactly (so the border can be padded in the input dtype)."""
    if dtype.kind == "f":
        return True  # the torch engines also round the value to the input's float dtype
    info = np.iinfo(dtype)
    return float(value).is_integer() and info.min <= value <= info.max


def make_plan(
    kernels: object,
    src: object,
    dst: object = None,
    *,
    border: str | int = "reflect101",
    anchor: tuple[int, int] | None = None,
    value: float = 0.0,
    separable: bool = False,
) -> CvPlan:
    """Validate a call once and build its :class:`CvPlan`.

    Parameters
    ----------
    kernels : array-like or torch.Tensor
        ``(kh, kw)``, a bank ``(N, kh, kw)``, or per-channel banks ``(C, N, kh, kw)``;
        real and finite; applied as is (correlation), never flipped.
    src, dst : numpy or torch dtype
        Input and output dtypes; ``dst=None`` keeps ``src`` (``ddepth=-1``).
    border, anchor, value
        As in :func:`filterbank.filter2d`: ``anchor`` is ``(row, col)``.
    separable : bool
        Run every kernel as its rank-1 factors through ``cv2.sepFilter2D`` (float input
        and output of one dtype; the planner's ``opencv-separable`` candidate).

    Raises
    ------
    DTypeError
        For a dtype pair that ``cv2.filter2D`` does not compute (see :func:`supports`),
        or a ``separable`` plan that is not float in and out.

    Examples
    --------
    >>> p = make_plan(np.ones((3, 5)), np.uint8, border="wrap")
    >>> p.padding, p.anchor_xy
    ((1, 1, 2, 2), (2, 1))
    """
    border = _borders.normalize_border(border)
    value = as_float("value", value)
    k = _check_kernels(kernels)
    single = k[0, 0] if len(getattr(kernels, "shape", np.shape(cast("ArrayLike", kernels)))) == 2 else None
    s, d = _np_dtype(src), _np_dtype(src if dst is None else dst)
    if s is None or d is None or (s, d) not in DEPTH_PAIRS:
        raise DTypeError(
            "`method` 'opencv' needs an (input, output) dtype pair that cv2.filter2D computes: "
            "uint8 -> uint8/uint16/int16/float32/float64, uint16 and int16 -> themselves/float32/float64, "
            f"float32 -> float32, float64 -> float64; got {src} -> {dst if dst is not None else src}"
        )
    if separable and (s.kind != "f" or s != d):
        raise DTypeError(f"a separable OpenCV plan needs one float dtype in and out; got {src} -> {dst}")
    padding = _borders.padding_for(k.shape[-2:], anchor)
    ar, ac = padding[0], padding[2]
    own_pad = border == "wrap" or (border == "constant" and value != 0.0)
    work = _compute_dtype(s, d) if own_pad and not _fits(value, s) else None
    plan = CvPlan(
        kernels=k,
        src=s,
        dst=d,
        ddepth=_DEPTH[work if work is not None else d],
        border=border,
        code=_CV_BORDER.get(border, cv2.BORDER_CONSTANT),
        anchor=(ar, ac),
        anchor_xy=(ac, ar),
        padding=padding if own_pad else None,
        value=value,
        work=work,
        single=single,
        separable=separable,
    )
    if separable:
        _ = plan.units  # factor now: a kernel that is not rank 1 is refused here
    return plan


# --- numpy: the fast path -----------------------------------------------------------------------

_FAST: dict[tuple, CvPlan | str | None] = {}
_FAST_MAX = 64
#: Kernels of more values than this are not keyed by their bytes (decided every call): 64 keys stay
#: below 32 MiB.
_FAST_KERNEL_MAX = 1 << 16
_FAST_LOCK = threading.Lock()

#: ``decide(image, kernel, border, anchor, value, out_dtype, method)``: validate a call and return its
#: plan, or the name of the torch method that runs it, or None (the full path decides).
Decide = Callable[[Any, object, object, object, object, object, str], "CvPlan | str | None"]


def clear_plans() -> None:
    """Forget every cached OpenCV plan (and every cached decision not to use OpenCV)."""
    with _FAST_LOCK:
        _FAST.clear()


def _kernel_bytes(kernel: object) -> tuple:
    """The kernel's values, shape and dtype as a key (AttributeError when there is no cheap one)."""
    if type(kernel) is np.ndarray and kernel.size <= _FAST_KERNEL_MAX:
        return (kernel.tobytes(), kernel.shape, kernel.dtype.char)
    if isinstance(kernel, torch.Tensor) and kernel.device.type == "cpu" and kernel.numel() <= _FAST_KERNEL_MAX:
        # requires_grad is part of the key: a kernel that needs its gradient takes the autograd path
        k = kernel.detach()
        return (k.contiguous().numpy().tobytes(), tuple(k.shape), k.dtype, kernel.requires_grad)
    raise AttributeError("no cheap key")


def _fast_key(image: object, kernel: object, border: object, anchor: object, value: object, out: object) -> tuple:
    """The cache key of a call (raises AttributeError / TypeError when it has none)."""
    # Types go in with the values: True == 1 and (True, 0) == (1, 0), but only integers are valid.
    pair = cast("tuple[object, object]", anchor)
    akey = anchor if anchor is None else (tuple(pair), *map(type, pair))
    return (
        *_kernel_bytes(kernel),
        type(image),
        image.dtype,  # type: ignore[attr-defined]
        image.shape,  # type: ignore[attr-defined]
        border,
        type(border),
        akey,
        value,
        type(value),
        out,
    )


def _planner_key(method: str) -> tuple[object, ...]:
    """What an ``auto`` decision depends on beyond the call: the planner, and for a measured one the thread
    counts it was timed at."""
    if method != "auto" or _measure.planner() == "estimate":
        return ()
    return ("measure", *_measure.threads())


def _always_opencv(
    image: np.ndarray, kernel: object, border: object, anchor: object, value: object, out: object, method: str
) -> CvPlan:
    """The decision of :func:`filter_numpy`: validate and plan, always on OpenCV."""
    if type(image) is not np.ndarray:
        raise DTypeError(f"`image` must be a numpy.ndarray; got {type(image).__name__}")
    if image.ndim not in (2, 3):
        raise ShapeError(f"`image` as numpy must be (H, W) or (H, W, C); got shape {image.shape}")
    dst = None if out is None else _np_dtype(out)
    if out is not None and dst is None:
        raise DTypeError(f"`out_dtype` must be a numpy dtype for numpy input; got {out!r}")
    return make_plan(kernel, image.dtype, dst, border=border, anchor=anchor, value=value)  # type: ignore[arg-type]


def fast_plan(
    image: np.ndarray | torch.Tensor,
    kernel: object,
    border: object,
    anchor: object,
    value: object,
    out_dtype: object,
    method: str,
    decide: Decide,
) -> CvPlan | str | None:
    """The cached decision for a call: its :class:`CvPlan`, or what ``decide`` returned instead (the torch
    method that runs it, or None).

    Keyed by the kernel's bytes, shape and dtype, the image's shape and dtype and every
    keyword (with their types: ``True == 1`` but only integers are valid), so a repeated
    call costs one dictionary look-up; a changed kernel misses. On a miss ``decide``
    validates the whole call (raising what the full path raises) and decides; calls
    without a cheap key (a list or a ``FilterBank`` as kernel) are decided every time.

    Examples
    --------
    >>> img = np.zeros((4, 5), np.uint8)
    >>> a = fast_plan(img, np.ones((3, 3)), "reflect101", None, 0.0, None, "opencv", _always_opencv)
    >>> a is fast_plan(img, np.ones((3, 3)), "reflect101", None, 0.0, None, "opencv", _always_opencv)
    True
    """
    try:
        # the decision function is part of the key: its validation is what a hit skips
        key = (*_fast_key(image, kernel, border, anchor, value, out_dtype), method, decide, _planner_key(method))
        return _FAST[key]
    except (AttributeError, TypeError):  # no cheap key: decide each time
        return decide(image, kernel, border, anchor, value, out_dtype, method)
    except KeyError:
        pass
    p = decide(image, kernel, border, anchor, value, out_dtype, method)
    with _FAST_LOCK:
        while len(_FAST) >= _FAST_MAX:
            _FAST.pop(next(iter(_FAST)))  # first in, first out
        _FAST[key] = p
    return p


def cached_plan(
    image: np.ndarray,
    kernel: object,
    *,
    border: str | int = "reflect101",
    anchor: tuple[int, int] | None = None,
    value: float = 0.0,
    out_dtype: object = None,
) -> CvPlan:
    """:func:`make_plan` for a numpy call, cached by (kernel bytes, shape, dtype; image shape and dtype; keywords).

    Examples
    --------
    >>> img = np.zeros((4, 5), np.uint8)
    >>> cached_plan(img, np.ones((3, 3))) is cached_plan(img, np.ones((3, 3)))
    True
    """
    p = fast_plan(image, kernel, border, anchor, value, out_dtype, "opencv", _always_opencv)
    assert isinstance(p, CvPlan)
    return p


def filter_numpy(
    image: np.ndarray,
    kernel: object,
    *,
    border: str | int = "reflect101",
    anchor: tuple[int, int] | None = None,
    value: float = 0.0,
    out_dtype: object = None,
    threads: int | None = None,
) -> np.ndarray:
    """``filter2d`` on a numpy image through ``cv2.filter2D``: OpenCV's numbers, filterbank's layout.

    Parameters
    ----------
    image : numpy.ndarray
        ``(H, W)`` or ``(H, W, C)`` of a dtype ``cv2.filter2D`` takes.
    kernel : array-like
        ``(kh, kw)`` or a bank ``(N, kh, kw)``.
    border, anchor, value, out_dtype
        As in :func:`filterbank.filter2d` (``anchor`` is ``(row, col)``).
    threads : int, optional
        Python threads for a bank (see :func:`thread_count`).

    Returns
    -------
    numpy.ndarray
        A single kernel: the image's shape. A bank of ``N``: ``(H, W, N)`` or
        ``(H, W, C * N)``, channel ``c * N + n``.

    Examples
    --------
    >>> img = np.arange(20, dtype=np.float32).reshape(4, 5)
    >>> filter_numpy(img, np.array([[-1.0, 0.0, 1.0]]))[1]
    array([0., 2., 2., 2., 0.], dtype=float32)
    """
    return run_fast(
        cached_plan(image, kernel, border=border, anchor=anchor, value=value, out_dtype=out_dtype), image, threads
    )


def run_tensor(p: CvPlan, image: torch.Tensor, threads: int | None = None) -> torch.Tensor:
    """Run a plan on a CPU tensor ``(..., H, W)`` with filterbank's layout: one kernel keeps the shape; a
    bank of ``N`` gives ``(N, H, W)`` for ``(H, W)`` and ``(..., C * N, H, W)`` otherwise (every
    ``(H, W)`` plane is filtered on its own, so the leading axes fold into one).

    Examples
    --------
    >>> p = make_plan(np.ones((2, 3, 3)), torch.float32)
    >>> run_tensor(p, torch.ones(4, 3, 8, 9)).shape, run_tensor(p, torch.ones(8, 9)).shape
    (torch.Size([4, 6, 8, 9]), torch.Size([2, 8, 9]))
    """
    h, w = image.shape[-2:]
    if image.numel() == h * w and p.one_call(h * w) and image.is_contiguous():  # on the tensor's memory
        y = p.call(image.detach().numpy().reshape(h, w), p.units[0][0], None, p.code)
        return torch.from_numpy(y.reshape(image.shape))
    planes = image.detach().reshape(-1, 1, h, w)
    if not planes.is_contiguous():
        planes = planes.contiguous()
    n = p.kernels.shape[1]
    out = _alloc.empty(planes.shape[0], 1, n, h, w, dtype=_TORCH_OF[p.dst])
    _planes_forward(p, planes.numpy(), out.numpy(), threads)
    if p.single is not None:
        return out.reshape(image.shape)
    if image.dim() == 2:
        return out.reshape(n, h, w)
    return out.reshape(*image.shape[:-3], image.shape[-3] * n, h, w)


def run_fast(p: CvPlan, image: np.ndarray, threads: int | None = None) -> np.ndarray:
    """Run a numpy plan: a small single-kernel call is one OpenCV call and nothing else."""
    if p.one_call(image.size):
        y = p.call(image, p.units[0][0], None, p.code)
        return y if y.ndim == image.ndim else y.reshape(image.shape)
    return run_numpy(p, image, threads=threads)


def run_numpy(p: CvPlan, image: np.ndarray, *, threads: int | None = None) -> np.ndarray:
    """A plan on a numpy ``(H, W)`` / ``(H, W, C)`` image: one kernel keeps the shape; a bank gives
    ``(H, W, C * N)``, channel ``c * N + n``. Each kernel filters the whole (interleaved) image,
    as ``cv2.filter2D(image, -1, k)`` does."""
    if p.kernels.shape[0] != 1:
        raise ShapeError(f"`kernel` for a numpy image must be (kh, kw) or (N, kh, kw); got {p.kernels.shape}")
    src = p.prepare(image)
    units = p.units[0]
    if p.single is not None:
        out = _alloc.empty_numpy(image.shape, p.dst)
        _execute(p, [(src, units[0], out)], threads)
        return out
    n = len(units)
    planes = _alloc.empty_numpy((n, *image.shape), p.dst)
    _execute(p, [(src, units[i], planes[i]) for i in range(n)], threads)
    out = _alloc.empty_numpy((*image.shape, n), p.dst)
    np.copyto(out, np.moveaxis(planes, 0, -1))
    return out.reshape(*image.shape[:2], -1)  # (H, W[, C], N) -> channel c * N + n


Call = tuple[np.ndarray, "np.ndarray | Sep", np.ndarray]  # (prepared image, kernel, output)


def _execute(
    p: CvPlan,
    calls: Sequence[Call],
    threads: int | None,
    work: int | None = None,
    groups: list[list[Call]] | None = None,
) -> None:
    """Run ``dst = filter2D(src, k)`` (or ``sepFilter2D``) for every call: in a loop on this thread, or
    spread over a pool that balances them dynamically.

    One ``cv2.filter2D`` call runs whole on OpenCV's own threads (OpenCV splits its direct
    filter engine into row stripes: measured 1080p uint8 3x3 at 2.0 ms on one thread, 1.2 ms
    on two); a single ``cv2.sepFilter2D`` call, which OpenCV runs on one thread, is cut
    into row bands here. ``work`` (output pixels x taps) and ``groups`` (the calls by source
    plane) are computed here unless the caller knows them.
    """
    if not calls:
        return
    if len(calls) == 1 and type(calls[0][1]) is not Sep:
        _loop(p, calls)
        return
    if work is None:
        work = sum(dst.size * k.size for _, k, dst in calls)
    cap = threads if threads is not None else default_threads()
    if groups is None:
        groups = _by_source(calls)
    if len(groups) >= 4 * cap:
        # one job per source plane with all its kernels: the plane stays in that core's cache, and
        # a job costs one hand-off for several calls (enough jobs left to balance the threads)
        jobs = [_bind(_loop, p, group) for group in groups]
    else:
        jobs = [job for src, k, dst in calls for job in _bands(p, src, k, dst, cap if len(calls) < cap else 1)]
    n = thread_count(work, threads, len(jobs))
    if n == 1:
        _loop(p, calls)
        return
    _threads.run_jobs(jobs, n)


def _by_source(calls: Sequence[Call]) -> list[list[Call]]:
    """Consecutive calls that read the same source array, grouped."""
    groups: list[list[Call]] = []
    for call in calls:
        if groups and groups[-1][0][0] is call[0]:
            groups[-1].append(call)
        else:
            groups.append([call])
    return groups


def _loop(p: CvPlan, calls: Sequence[Call]) -> None:
    """The calls one after another on this thread (plain ``cv2.filter2D`` calls without a Python frame each
    where no guard, padding or factor applies: 1-2 us a call of a W1-sized loop)."""
    if not p.plain:
        for src, k, dst in calls:
            p.apply(src, k, dst)
        return
    f2d, depth, anchor, code = cv2.filter2D, p.ddepth, p.anchor_xy, p.code
    for src, k, dst in calls:
        f2d(src, depth, cast(np.ndarray, k), dst, anchor, 0.0, code)  # plain: no Sep among the units


def _bands(p: CvPlan, src: np.ndarray, k: np.ndarray | Sep, dst: np.ndarray, threads: int) -> list[Callable[[], None]]:
    """One call, or ``4 * threads`` row bands of it when it is large (fewer calls than threads).

    A band filters the rows it owns plus the ``kh - 1`` halo rows around them (real
    pixels; OpenCV's border only at the image's own top and bottom) and keeps its
    rows: the same sums as the whole call, bit for bit, on OpenCV's direct path. The
    DFT path (tiles placed from the image origin) and images padded here are not cut.
    """
    kh = k.shape[0]
    h = dst.shape[0]
    work = dst.size * k.size
    dft = k.size >= p.dft_taps and type(k) is not Sep
    if threads < 2 or p.padding is not None or dft or work < 2 * BAND_WORK or h < 16 * kh:
        return [_bind(p.apply, src, k, dst)]
    # a few large bands: each recomputes kh - 1 halo rows and pays a call and a copy (measured: 108
    # bands of 10 rows made a 1080p RGB 5x5 call slower on two threads than on one)
    nb = int(min(4 * threads, work // BAND_WORK, h // (8 * kh)))
    bounds = np.linspace(0, h, nb + 1).astype(int)
    return [_bind(_band, p, src, k, dst, int(r0), int(r1)) for r0, r1 in itertools.pairwise(bounds)]


def _band(p: CvPlan, src: np.ndarray, k: np.ndarray | Sep, dst: np.ndarray, r0: int, r1: int) -> None:
    ar = p.anchor[0]
    s0, s1 = max(0, r0 - ar), min(src.shape[0], r1 + k.shape[0] - 1 - ar)
    y = np.empty((s1 - s0, *dst.shape[1:]), dst.dtype)
    p.apply(src[s0:s1], k, y)
    dst[r0:r1] = y[r0 - s0 : r1 - s0]


# --- torch CPU tensors ----------------------------------------------------------------------------


def _planes_forward(p: CvPlan, x: np.ndarray, out: np.ndarray, threads: int | None) -> None:
    """x (B, C, H, W) -> out (B, C, N, H, W): one filter2D per (plane, kernel), into ``out``'s planes.

    Plane ``(b, c)`` takes the kernels ``p.kernels[c]`` (per-channel banks) or ``p.kernels[0]``.
    """
    b, c = x.shape[:2]
    g, n = p.kernels.shape[:2]
    groups: list[list[Call]] = []
    kernels = p.units  # views made once, not per plane
    for i in range(b):
        xi, oi = x[i], out[i]
        for j in range(c):
            src = xi[j] if p.padding is None else p.prepare(xi[j])
            ks, oj = kernels[j if g > 1 else 0], oi[j]
            groups.append([(src, ks[m], oj[m]) for m in range(n)])
    calls = [call for group in groups for call in group]
    # plain kernels: every call is one output plane times the kernel's taps
    work = len(calls) * out[0, 0, 0].size * p.ksize[0] * p.ksize[1] if p.plain else None
    _execute(p, calls, threads, work, groups)


def _bind(fn: Callable[..., None], *args: object) -> Callable[[], None]:
    return lambda: fn(*args)


def _flip_plan(p: CvPlan) -> CvPlan:
    """The backward's plan: flipped kernels, transposed anchor, zero border (the adjoint of the crop)."""
    kh, kw = p.ksize
    ar, ac = p.anchor
    return CvPlan(
        kernels=np.ascontiguousarray(p.kernels[..., ::-1, ::-1]),
        src=p.dst,
        dst=p.dst,
        ddepth=_DEPTH[p.dst],
        border="constant",
        code=cv2.BORDER_CONSTANT,
        anchor=(kh - 1 - ar, kw - 1 - ac),
        anchor_xy=(kw - 1 - ac, kh - 1 - ar),
        padding=None,
        value=0.0,
        work=None,
    )


def _grad_input(p: CvPlan, gy: np.ndarray, threads: int | None) -> np.ndarray:
    """gy (B, C, N, H, W) -> the input gradient (B, C, H, W).

    The gradient of the padded input is the output gradient, zero-extended, correlated
    with the flipped kernels at the transposed anchor; the border's adjoint then adds
    every padded pixel's gradient to the pixel it copies (for ``constant`` it is the
    crop, which filter2D produces directly from the unextended gradient).
    """
    b, c, n, h, w = gy.shape
    fp = _flip_plan(p)
    g = p.kernels.shape[0]
    top, bottom, left, right = _borders.padding_for(p.ksize, p.anchor)
    if p.border != "constant":
        canvas = np.zeros((b, c, n, h + top + bottom, w + left + right), dtype=gy.dtype)
        canvas[..., top : top + h, left : left + w] = gy
        gy = canvas
    full = np.empty_like(gy)
    calls = [
        (gy[i, j, m], fp.kernels[j if g > 1 else 0, m], full[i, j, m])
        for i in range(b)
        for j in range(c)
        for m in range(n)
    ]
    _execute(fp, calls, threads)
    gpad = torch.from_numpy(full.sum(axis=2))  # (B, C, Hp, Wp) or (B, C, H, W)
    if p.border == "constant":
        return gpad.numpy()
    rows = _borders.border_indices(h, top, bottom, p.border)
    cols = _borders.border_indices(w, left, right, p.border)
    gcols = torch.zeros(b, c, gpad.shape[2], w, dtype=gpad.dtype).index_add_(3, cols, gpad)  # type: ignore[arg-type]
    return torch.zeros(b, c, h, w, dtype=gpad.dtype).index_add_(2, rows, gcols).numpy()  # type: ignore[arg-type]


class _CvCorrelate(torch.autograd.Function):
    """``cv2.filter2D`` of (B, C, H, W) planes with (G, N, kh, kw) kernels -> (B, C, N, H, W), differentiable."""

    @staticmethod
    def forward(ctx: Any, x: torch.Tensor, k: torch.Tensor, p: CvPlan, threads: int | None) -> torch.Tensor:
        b, c, h, w = x.shape
        out = _alloc.empty(b, c, p.kernels.shape[1], h, w, dtype=x.dtype)
        _planes_forward(p, x.detach().numpy(), out.numpy(), threads)
        ctx.save_for_backward(x, k)
        ctx.plan, ctx.threads = p, threads
        return out

    @staticmethod
    @once_differentiable
    def backward(ctx: Any, gy: torch.Tensor) -> tuple[torch.Tensor | None, ...]:
        x, k = ctx.saved_tensors
        p: CvPlan = ctx.plan
        gy = gy.contiguous()
        gx = gk = None
        if ctx.needs_input_grad[0]:
            gx = torch.from_numpy(_grad_input(p, gy.numpy(), ctx.threads))
        if ctx.needs_input_grad[1]:
            b, c, h, w = x.shape
            g, n, kh, kw = k.shape
            xp = _borders.pad(x, _borders.padding_for((kh, kw), p.anchor), p.border, p.value)
            gw = conv2d_weight(xp, (c * n, 1, kh, kw), gy.reshape(b, c * n, h, w), groups=c)
            gk = gw.reshape(c, n, kh, kw)
            gk = gk if g > 1 else gk.sum(0, keepdim=True)
        return gx, gk, None, None


def correlate(
    x: torch.Tensor,
    kernels: object,
    *,
    border: str | int = "reflect101",
    anchor: tuple[int, int] | None = None,
    value: float = 0.0,
    out_dtype: torch.dtype | None = None,
    threads: int | None = None,
    separable: bool = False,
) -> torch.Tensor:
    """Filter CPU tensor planes with a bank through ``cv2.filter2D``: ``(B, C, H, W)`` -> ``(B, C * N, H, W)``.

    Parameters
    ----------
    x : torch.Tensor
        ``(B, C, H, W)`` on the CPU: uint8, int16, uint16, float32 or float64.
        Read as a zero-copy numpy view when contiguous.
    kernels : torch.Tensor or array-like
        ``(kh, kw)``, a bank ``(N, kh, kw)`` for every channel, or per-channel
        banks ``(C, N, kh, kw)`` (the layout of a trained ``FilterConv2d``). A
        tensor that requires grad gets its gradient (float32 / float64 inputs).
    border, anchor, value, out_dtype
        As in :func:`filterbank.filter2d` (``anchor`` is ``(row, col)``).
    threads : int, optional
        Python threads over the (plane, kernel) calls (see :func:`thread_count`).
    separable : bool
        Rank-1 float kernels through ``cv2.sepFilter2D`` (the planner's separable factors), outside
        autograd only: the planner's ``opencv-separable`` candidate.

    Returns
    -------
    torch.Tensor
        ``(B, C * N, H, W)``, channel ``c * N + n``; differentiable in ``x`` and in
        ``kernels`` when they are floating and autograd is recording. Each plane
        equals ``cv2.filter2D`` of that plane bit for bit.

    Examples
    --------
    >>> import torch
    >>> y = correlate(torch.ones(2, 3, 8, 9), torch.ones(4, 3, 3) / 9)
    >>> y.shape, round(float(y.max()), 6)
    (torch.Size([2, 12, 8, 9]), 1.0)
    """
    if not isinstance(x, torch.Tensor) or x.device.type != "cpu" or x.dim() != 4:
        raise ShapeError(f"`x` must be a (B, C, H, W) CPU tensor; got {_describe(x)}")
    p = make_plan(kernels, x.dtype, out_dtype, border=border, anchor=anchor, value=value, separable=separable)
    b, c, h, w = x.shape
    g, n = p.kernels.shape[:2]
    if g not in (1, c):
        raise ShapeError(f"`kernels` per channel must be (C, N, kh, kw) with C = {c}; got {p.kernels.shape}")
    kt = kernels if isinstance(kernels, torch.Tensor) else None
    grad = torch.is_grad_enabled() and (x.requires_grad or (kt is not None and kt.requires_grad))
    if grad:
        if separable:
            raise ParameterError("a separable OpenCV plan runs outside autograd only (torch's 'separable' has grads)")
        if not x.is_floating_point() or p.dst != p.src or p.work is not None:
            raise DTypeError(
                "`method` 'opencv' differentiates float32 / float64 in and out only; "
                f"got {x.dtype} -> {out_dtype or x.dtype}"
            )
        k4 = kt.reshape(p.kernels.shape).to(x.dtype) if kt is not None else torch.from_numpy(p.kernels).to(x.dtype)
        y = _CvCorrelate.apply(x.contiguous(), k4, p, threads)
    else:
        y = _alloc.empty(b, c, n, h, w, dtype=x.dtype if out_dtype is None else out_dtype)
        _planes_forward(p, x.detach().contiguous().numpy(), y.numpy(), threads)
    return y.reshape(b, c * n, h, w)


def correlate_valid(xp: torch.Tensor, kernels: object, *, threads: int | None = None) -> torch.Tensor:
    """The 'valid' correlation of padded CPU planes: ``(B, C, Hp, Wp)`` -> ``(B, C * N, Hp - kh + 1, Wp - kw + 1)``.

    ``cv2.filter2D`` at anchor (0, 0) with a zero border, cropped to the region
    that reads no border pixel (the planner's contract; the padding is the caller's).

    Examples
    --------
    >>> import torch
    >>> correlate_valid(torch.ones(1, 2, 5, 5), torch.ones(3, 3, 3)).shape
    torch.Size([1, 6, 3, 3])
    """
    kh, kw = tuple(kernels.shape if isinstance(kernels, torch.Tensor) else np.shape(cast("ArrayLike", kernels)))[-2:]
    y = correlate(xp, kernels, border="constant", anchor=(0, 0), threads=threads)
    return y[..., : xp.shape[-2] - kh + 1, : xp.shape[-1] - kw + 1]


def eligible(
    x: torch.Tensor, kernels: torch.Tensor, padding: tuple[int, int, int, int], out_dtype: torch.dtype | None
) -> tuple[torch.dtype, torch.dtype] | None:
    """The ``(input, output)`` dtype pair when this engine can run a core call, else None.

    It can when the input and kernels are on the CPU, outside tracing / export and
    ``torch.autocast`` (:func:`filterbank._device.torch_only`: the torch ops must run
    there), ``cv2.filter2D`` computes the pair, the kernels are in OpenCV's arithmetic
    dtype for it, the padding is the one of an anchor (output as large as the input),
    and, under autograd, the input is float32 / float64 and so is the output.

    Examples
    --------
    >>> import torch
    >>> k = torch.ones(1, 1, 3, 3)
    >>> eligible(torch.zeros(1, 1, 5, 5, dtype=torch.uint8), k, (1, 1, 1, 1), torch.uint8)
    (torch.uint8, torch.uint8)
    >>> eligible(torch.zeros(1, 1, 5, 5, dtype=torch.float16), k.half(), (1, 1, 1, 1), None) is None
    True
    """
    if x.device.type != "cpu" or kernels.device.type != "cpu" or _device.torch_only("cpu"):
        return None
    out = out_dtype if out_dtype is not None else kernels.dtype
    if not supports(x.dtype, out):
        return None
    arithmetic = torch.float64 if torch.float64 in (x.dtype, out) else torch.float32
    if kernels.dtype != arithmetic:
        return None
    kh, kw = kernels.shape[-2:]
    top, bottom, left, right = padding
    if bottom != kh - 1 - top or right != kw - 1 - left:
        return None
    if torch.is_grad_enabled() and (x.requires_grad or kernels.requires_grad) and out != x.dtype:
        return None
    return (x.dtype, out)


def _describe(x: object) -> str:
    if isinstance(x, torch.Tensor):
        return f"shape {tuple(x.shape)} on {x.device}"
    return type(x).__name__
