"""Exact chunked filtering on Dask arrays, and the responses streamed to Zarr.

:func:`filter2d` is :func:`filterbank.filter2d` on a dask array ``(H, W)`` or
``(H, W, C)`` chunked along ``H`` and ``W``: it returns a lazy dask array with
the in-memory function's shape, dtype and values, one block at a time, so an
image far larger than memory (or a cluster's worth of images) can be filtered.
:func:`apply_to_zarr` streams those responses into a Zarr (v3) array that many
workers write at once, with the bank and the border recorded as attributes.

The border recipe (see ``docs/scale.md``): Dask's own boundaries are not
OpenCV's (``boundary="reflect"`` repeats the edge pixel, there is no
``reflect101``, asymmetric halos need ``boundary="none"``, and a block-local
``wrap`` wraps the chunk instead of the image). So each block receives a halo of
``anchor`` rows/columns before it and ``k - 1 - anchor`` after it from its
neighbours (``boundary="none"``); a block on an image edge has no neighbour
there and applies the OpenCV border itself, which equals the global border
because the block holds every pixel the border reflects. ``wrap`` takes a
periodic halo from the opposite edge instead and applies no local border.
Chunks are merged where needed so that each is larger than the halo.

Requires the optional extra: ``pip install 'filterbank[dask]'``.

Examples
--------
>>> import numpy as np, dask.array as da
>>> import filterbank
>>> img = np.arange(400, dtype=np.float32).reshape(20, 20)
>>> lazy = filter2d(da.from_array(img, chunks=7), np.ones((5, 4)), method="direct")
>>> lazy.shape, lazy.dtype, lazy.chunks
((20, 20), dtype('float32'), ((7, 7, 6), (7, 7, 6)))
>>> bool((lazy.compute() == filterbank.filter2d(img, np.ones((5, 4)), method="direct")).all())
True
"""

from __future__ import annotations

import importlib.metadata
import json
import math
import os
import re
import shutil
import sys
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from . import _core
from . import borders as _borders
from . import plan as _plan
from ._device import exact_fp32, resolve_device
from ._errors import DTypeError, OutputExistsError, ParameterError, SchedulerError, ShapeError, UnknownNameError
from ._types import OPENCV_DFT_TAPS, KernelLike
from ._validate import as_float, int_in_range
from .functional import as_kernel_tensor
from .functional import filter2d as _filter2d_memory

try:
    import dask
    import dask.array as da
    import zarr
    from dask.base import tokenize
    from dask.callbacks import Callback
except ImportError as exc:  # pragma: no cover - `make setup` installs the extra
    raise ImportError(
        "filterbank.dask needs the optional dask extra (dask, distributed, zarr, tifffile): "
        "pip install 'filterbank[dask]'"
    ) from exc

__all__ = ["LOCAL_SCHEDULERS", "apply_many_to_zarr", "apply_to_zarr", "filter2d", "halo"]

#: Dask's local schedulers accepted by name (anything else must be a ``tcp://`` address or a Client).
LOCAL_SCHEDULERS: tuple[str, ...] = ("threads", "processes", "synchronous")

# torch 2.13's CPU convolution (ATen ``use_mkldnn``) sends a float32 conv with batch 1, one group and a
# kernel side <= 3 through im2col + GEMM when its input has at most this many elements, and through
# oneDNN otherwise. oneDNN sums each output in an order that does not depend on the input's size; the
# GEMM path does not (measured: float32 differences of ~1e-6 between a block and the whole image). So a
# small block of a large image is widened with zero columns past this size (the valid outputs do not
# see them), and an image that is itself this small is filtered as one block. tests/test_dask.py checks
# both sides of the threshold.
_ONEDNN_MIN_NUMEL = 20480


# --------------------------------------------------------------------------------------- geometry
@dataclass(frozen=True)
class _Axis:
    """How the blocks along one image axis get the rows (or columns) their kernel reaches.

    ``whole``: the axis is one chunk and the block applies the border on both sides.
    ``halo``: neighbours supply ``before`` / ``after`` cells (``boundary="none"``); blocks on an
    image edge apply the border there. ``periodic``: ``wrap`` with a symmetric periodic halo of
    ``depth`` cells (Dask's periodic boundary is symmetric), cropped to ``before`` / ``after``.
    """

    mode: str
    before: int
    after: int

    @property
    def depth(self) -> int | tuple[int, int]:
        if self.mode == "whole":
            return 0
        if self.mode == "periodic":
            return max(self.before, self.after)
        return (self.before, self.after)

    def sides(self, index: int, count: int) -> tuple[int, int, int, int]:
        """(crop before, crop after, pad before, pad after) for block ``index`` of ``count``."""
        if self.mode == "whole":
            return 0, 0, self.before, self.after
        if self.mode == "periodic":
            d = max(self.before, self.after)
            return d - self.before, d - self.after, 0, 0
        return 0, 0, self.before if index == 0 else 0, self.after if index == count - 1 else 0


@dataclass(frozen=True, eq=False)
class _Job:
    """Everything a block needs, shipped to workers (plain, picklable values; the kernel as numpy)."""

    kernel: np.ndarray  # (N, kh, kw) float64
    border: str
    value: float
    axes: tuple[_Axis, _Axis]
    compute: torch.dtype
    out_dtype: np.dtype
    method: str
    device: str | None
    widen: int  # pad a block's input to more than this many elements (0: never); see _ONEDNN_MIN_NUMEL
    squeeze: bool  # 2-D image and a single kernel: the output has no channel axis


def halo(ksize: tuple[int, int], anchor: tuple[int, int] | None = None) -> tuple[int, int]:
    """The largest number of rows and of columns a block needs from one neighbour.

    Parameters
    ----------
    ksize : (int, int)
        Kernel (height, width).
    anchor : (int, int) or None
        Kernel tap on the output pixel as (row, col); ``None`` is OpenCV's ``(kh // 2, kw // 2)``.

    Returns
    -------
    (int, int)
        ``max(anchor, k - 1 - anchor)`` per axis. Chunks along an axis cut into several
        pieces must be larger than this (:func:`filter2d` merges chunks where needed;
        :func:`apply_to_zarr` refuses a smaller ``chunk``).

    Examples
    --------
    >>> halo((49, 49))
    (24, 24)
    >>> halo((4, 6), anchor=(3, 0))
    (3, 5)
    """
    top, bottom, left, right = _borders.padding_for((int(ksize[0]), int(ksize[1])), anchor)
    return max(top, bottom), max(left, right)


def _merge_chunks(chunks: tuple[int, ...], minimum: int) -> tuple[int, ...]:
    """Merge neighbouring chunks until each is at least ``minimum`` (one chunk is always fine)."""
    if len(chunks) == 1 or min(chunks) >= minimum:
        return chunks
    out: list[int] = []
    acc = 0
    for c in chunks:
        acc += c
        if acc >= minimum:
            out.append(acc)
            acc = 0
    if acc:
        if out:
            out[-1] += acc
        else:
            out.append(acc)
    return tuple(out)


# --------------------------------------------------------------------------------------- blocks
def _torch_dtype(dtype: np.dtype) -> torch.dtype:
    return torch.from_numpy(np.empty(0, dtype=dtype)).dtype


def _filter_local(block: np.ndarray, job: _Job, pads: tuple[int, int, int, int]) -> np.ndarray:
    """Filter one block ``(h', w', C)`` that already holds its neighbours' halo: apply the border on the
    sides in ``pads`` (image edges), then the one core path (plan, run, cast) on the valid part.
    Returns ``(h, w, C*N)``, or ``(h, w)`` for one kernel on a 2-D image."""
    device = torch.device("cpu") if job.device is None else resolve_device(job.device)
    x = torch.from_numpy(np.ascontiguousarray(block)).permute(2, 0, 1).unsqueeze(0)
    with exact_fp32(device), torch.no_grad():
        x = x.to(device=device, dtype=job.compute)
        k = torch.from_numpy(job.kernel).to(device=device, dtype=job.compute).unsqueeze(0)
        xp = _borders.pad(x, pads, job.border, job.value).contiguous()
        extra = 0
        if job.widen and xp.shape[-2] * xp.shape[-1] <= job.widen:
            extra = -(-(job.widen + 1) // xp.shape[-2]) - xp.shape[-1]
            xp = F.pad(xp, (0, extra))
        y = _core.filter_tensor(
            xp, k, padding=(0, 0, 0, 0), border=job.border, method=job.method, out_dtype=_torch_dtype(job.out_dtype)
        )
        y = y[0, :, :, : y.shape[-1] - extra].permute(1, 2, 0)
    out = y.contiguous().cpu().numpy()
    return out[..., 0] if job.squeeze else out


def _filter_block(block: np.ndarray, job: _Job, block_info: dict | None = None) -> np.ndarray:
    """The block function of :func:`filter2d`: which sides are image edges comes from ``block_info``."""
    assert block_info is not None  # dask passes it because the signature names it
    loc, num = block_info[0]["chunk-location"], block_info[0]["num-chunks"]
    r0, r1, top, bottom = job.axes[0].sides(loc[0], num[0])
    c0, c1, left, right = job.axes[1].sides(loc[1], num[1])
    h, w = block.shape[:2]
    return _filter_local(block[r0 : h - r1, c0 : w - c1], job, (top, bottom, left, right))


def _map_job(
    prep: _Prepared,
    block_fn: Callable[..., np.ndarray],
    kind: str,
    chunks: tuple[tuple[int, ...], ...],
    dtype: np.dtype,
    *key: object,
    **kwargs: Any,
) -> da.Array:
    """``block_fn(block, job=prep.job, **kwargs)`` over every block of ``prep.source``: the one graph that
    :func:`filter2d` and the Zarr writers build. ``chunks`` are the output's (two axes: the channel axis
    is dropped). Keys are ``filterbank-<kind>-`` and a token of the source, the job and ``key``: same
    inputs, same keys."""
    return da.map_blocks(
        block_fn,
        prep.source,
        job=prep.job,
        chunks=chunks,
        drop_axis=2 if len(chunks) == 2 else None,
        dtype=dtype,
        meta=np.empty((0,) * len(chunks), dtype=dtype),
        name=f"filterbank-{kind}-{tokenize(prep.source, prep.job, *key)}",
        **kwargs,
    )


# --------------------------------------------------------------------------------------- filter2d
def _check_image(image: object) -> da.Array:
    if not isinstance(image, da.Array):
        raise DTypeError(
            f"`image` must be a dask.array.Array; got {type(image).__name__} "
            "(wrap an in-memory array with dask.array.from_array(image, chunks=(S, S, -1)), "
            "or use filterbank.filter2d)"
        )
    if image.ndim not in (2, 3):
        raise ShapeError(
            f"`image` must be (H, W) or (H, W, C), channels last; got shape {image.shape} "
            "(filter a stack one image at a time)"
        )
    _core.check_pixels("image", image.shape, 0, 1)
    if any(math.isnan(c) for axis in image.chunks for c in axis):
        raise ShapeError(
            "`image` must have known chunk sizes; got unknown (nan) sizes: call image.compute_chunk_sizes()"
        )
    if image.ndim == 3 and len(image.chunks[2]) > 1:
        raise ShapeError(
            f"`image` channel axis must be a single chunk (chunk along H and W only); got channel chunks "
            f"{image.chunks[2]}: rechunk with image.rechunk({{2: -1}})"
        )
    return image if image.ndim == 3 else image[..., None]


def _check_device(device: str | torch.device | None) -> str | None:
    """Check the device's name now; whether CUDA exists is checked where the blocks run (a worker)."""
    if device is None:
        return None
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ParameterError(f"`device` must be 'cpu', 'cuda' or 'cuda:N'; got {device!r}") from exc
    if dev.type not in ("cpu", "cuda"):
        raise ParameterError(f"`device` must be 'cpu', 'cuda' or 'cuda:N'; got {device!r}")
    return str(dev)


@dataclass(frozen=True)
class _Prepared:
    source: da.Array  # the rechunked (H, W, C) image, with its halo where an axis is cut
    job: _Job
    chunks: tuple[tuple[int, ...], tuple[int, ...]]  # output chunks along H and W
    channels: int  # output channels (C * N, or C for one kernel)


def _gemm_risk(compute: torch.dtype, method: str, channels: int, ksize: tuple[int, int], device: str | None) -> bool:
    """Whether torch may run a block on its shape-dependent GEMM path (see ``_ONEDNN_MIN_NUMEL``)."""
    on_cpu = device is None or torch.device(device).type == "cpu"
    return compute == torch.float32 and method == "direct" and channels == 1 and min(ksize) <= 3 and on_cpu


def _layout(
    x: da.Array, border: str, pads: tuple[int, int, int, int], whole: bool
) -> tuple[da.Array, tuple[_Axis, _Axis], tuple[tuple[int, ...], tuple[int, ...]]]:
    """Merge chunks that are not larger than the halo, then add the halo: (source, axes, output chunks)."""
    top, bottom, left, right = pads
    h, w = x.shape[:2]
    rows = (h,) if whole else _merge_chunks(x.chunks[0], max(top, bottom) + 1)
    cols = (w,) if whole else _merge_chunks(x.chunks[1], max(left, right) + 1)
    if (rows, cols) != x.chunks[:2]:
        x = x.rechunk((rows, cols, -1))

    def axis(chunks: tuple[int, ...], before: int, after: int) -> _Axis:
        mode = "whole" if len(chunks) == 1 else ("periodic" if border == "wrap" else "halo")
        return _Axis(mode, before, after)

    axes = (axis(rows, top, bottom), axis(cols, left, right))
    if any(a.depth != 0 for a in axes):
        boundary = "periodic" if border == "wrap" else "none"
        x = da.overlap.overlap(
            x, depth={0: axes[0].depth, 1: axes[1].depth, 2: 0}, boundary={0: boundary, 1: boundary, 2: "none"}
        )
    return x, axes, (rows, cols)


def _prepare(
    image: object,
    kernel: KernelLike,
    border: str | int,
    anchor: tuple[int, int] | None,
    value: float,
    out_dtype: Any,
    method: str,
    device: str | torch.device | None,
) -> _Prepared:
    x = _check_image(image)
    border = _borders.normalize_border(border)
    # Every other argument is checked by the in-memory filter2d itself (same rules, same messages),
    # on a 1x1 image of the input's dtype and channels; it also gives the output's dtype and channels.
    probe = np.zeros((1, 1, *x.shape[2:]), dtype=x.dtype)
    if x.ndim != image.ndim:  # type: ignore[attr-defined]
        probe = probe[..., 0]
    sample = _filter2d_memory(
        probe, kernel, border=border, anchor=anchor, value=value, out_dtype=out_dtype, method=method
    )
    dev = _check_device(device)
    k = as_kernel_tensor(kernel, dtype=torch.float64).detach().cpu().numpy()
    kh, kw = k.shape[1:]
    pads = _borders.padding_for((kh, kw), anchor)
    h, w, c = x.shape
    hp, wp = h + pads[0] + pads[1], w + pads[2] + pads[3]
    compute = _core.compute_dtype(_torch_dtype(x.dtype), _torch_dtype(sample.dtype))
    exact = sample.dtype.kind != "f" and kh * kw < OPENCV_DFT_TAPS
    if method == "auto":  # the method the in-memory call would choose for the whole image, in every block
        method = _plan.choose((c, 1, hp, wp), torch.from_numpy(k).to(compute).unsqueeze(0), exact=exact)[0]
    risk = _gemm_risk(compute, method, c, (kh, kw), dev)
    small = risk and hp * wp <= _ONEDNN_MIN_NUMEL
    source, axes, chunks = _layout(x, border, pads, whole=small)
    job = _Job(
        kernel=k,
        border=border,
        value=as_float("value", value),
        axes=axes,
        compute=compute,
        out_dtype=sample.dtype,
        method=method,
        device=dev,
        widen=_ONEDNN_MIN_NUMEL if risk and not small else 0,
        squeeze=sample.ndim == 2,
    )
    return _Prepared(source, job, chunks, 1 if sample.ndim == 2 else sample.shape[2])


def filter2d(
    image: da.Array,
    kernel: KernelLike,
    *,
    border: str | int = "reflect101",
    anchor: tuple[int, int] | None = None,
    value: float = 0.0,
    out_dtype: Any = None,
    method: str = "auto",
    device: str | torch.device | None = None,
) -> da.Array:
    """:func:`filterbank.filter2d` on a chunked dask array, lazily, block by block.

    Parameters
    ----------
    image : dask.array.Array
        ``(H, W)`` or ``(H, W, C)``, channels last (the numpy convention of
        :func:`filterbank.filter2d`), chunked along ``H`` and ``W`` only; dtype uint8,
        uint16, int16, float32 or float64. Chunks along an axis cut into pieces are
        merged where one is not larger than the kernel's :func:`halo`; a tiny image
        (at most 20480 padded pixels) with a kernel side <= 3 is one block.
    kernel : array-like, torch.Tensor or FilterBank
        ``(kh, kw)`` or a bank ``(N, kh, kw)``, applied as is (correlation), like
        ``cv2.filter2D``. Shipped to the workers as a float64 numpy array.
    border, anchor, value, out_dtype, method
        As in :func:`filterbank.filter2d`: every border including ``wrap`` (a periodic
        halo from the opposite edge of the image, not of the chunk), anchors as
        **(row, col)**, even and non-square kernels, kernels larger than a chunk.
        ``method="auto"`` runs, in every block, the method the in-memory call picks for
        the whole image.
    device : str or torch.device, optional
        Where the blocks are computed: ``None`` / ``"cpu"`` (default) or ``"cuda"`` /
        ``"cuda:N"`` on the worker that runs the block (TF32 off). The name is checked
        here; whether CUDA exists is checked where the blocks run, so a client without a
        GPU can send work to GPU workers. Each block is one call (blocks are not batched).

    Returns
    -------
    dask.array.Array
        Lazy, with exactly ``filterbank.filter2d(image.compute(), kernel, ...)``'s shape and
        dtype: ``(H, W)``, ``(H, W, N)`` for a bank on ``(H, W)``, ``(H, W, C * N)`` for a
        bank on ``(H, W, C)`` with channel ``c * N + n``. Chunked like the (merged) input
        along ``H`` and ``W``, one chunk along channels.

    Notes
    -----
    Values: with ``method="direct"`` on the CPU and float32 arithmetic (uint8, uint16,
    int16 and float32 images without a float64 output) every pixel is bit-identical to
    the in-memory call. In float64 torch's CPU convolution rounds differently with the
    input's shape (im2col + GEMM): blocks differ from the whole image by about 1e-15 of
    ``sum|k| * max|image|``. Other methods stay within the parity tolerance
    (:func:`filterbank.parity.tolerance`). Nothing is materialised whole: each task
    holds one block, its halo and its output.

    Differences from ``dask.array.map_overlap`` with ``boundary="reflect"``: that repeats
    the edge pixel (OpenCV's ``BORDER_REFLECT``, filterbank's ``symmetric``); the default
    here is OpenCV's ``BORDER_REFLECT_101``.

    Examples
    --------
    >>> import numpy as np, dask.array as da
    >>> x = da.from_array(np.random.default_rng(0).random((30, 40, 3), dtype=np.float32), chunks=(10, 16, 3))
    >>> y = filter2d(x, np.ones((2, 5, 5)), border="wrap")
    >>> y.shape, y.chunks
    ((30, 40, 6), ((10, 10, 10), (16, 16, 8), (6,)))
    """
    prep = _prepare(image, kernel, border, anchor, value, out_dtype, method, device)
    chunks = prep.chunks if prep.job.squeeze else (*prep.chunks, (prep.channels,))
    return _map_job(prep, _filter_block, "filter2d", chunks, prep.job.out_dtype)


# --------------------------------------------------------------------------------------- Zarr
def _version() -> str:
    try:
        return importlib.metadata.version("filterbank")
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover - a source tree on sys.path
        return str(getattr(sys.modules.get("filterbank"), "__version__", "unknown"))


def _jsonable(obj: Any) -> Any:
    """Bank specs as JSON values (numpy scalars and arrays become numbers and lists)."""

    def default(o: Any) -> Any:
        if isinstance(o, np.generic):
            return o.item()
        if isinstance(o, np.ndarray):
            return o.tolist()
        return str(o)

    return json.loads(json.dumps(obj, default=default))


def _write_block(
    block: np.ndarray,
    job: _Job,
    store: str,
    row_starts: tuple[int, ...],
    col_starts: tuple[int, ...],
    block_info: dict | None = None,
) -> np.ndarray:
    """Filter one block and write it into its region of the Zarr array at ``store``."""
    y = _filter_block(block, job, block_info)
    i, j = block_info[0]["chunk-location"][:2]  # type: ignore[index]
    r0, c0 = row_starts[i], col_starts[j]
    z = zarr.open_array(store=store, mode="r+")
    z[r0 : r0 + y.shape[0], c0 : c0 + y.shape[1]] = y if y.ndim == 3 else y[..., None]
    return np.ones((1, 1), dtype=np.int8)


@dataclass(eq=False)
class _Target:
    """One image's Zarr array being written: its write tasks, its temporary folder and its final name."""

    out: Path
    tmp: Path
    writes: da.Array
    done: int = 0

    @property
    def total(self) -> int:
        return int(np.prod(self.writes.numblocks))

    def block_done(self) -> None:
        self.done += 1
        if self.done == self.total:
            z = zarr.open_array(store=str(self.tmp), mode="r+")
            z.attrs["complete"] = True  # last: an interrupted write never says complete
            if self.out.exists():
                shutil.rmtree(self.out) if self.out.is_dir() else self.out.unlink()
            os.replace(self.tmp, self.out)

    def discard(self) -> None:
        if self.done < self.total:
            shutil.rmtree(self.tmp, ignore_errors=True)


class _Counter(Callback):
    """Counts finished write tasks of a local scheduler run: finishes each image, reports progress."""

    def __init__(self, targets: list[_Target], progress: Callable[[int, int], object] | None) -> None:
        super().__init__()
        self.by_name = {t.writes.name: t for t in targets}
        self.total = sum(t.total for t in targets)
        self.progress, self.done = progress, 0

    def _posttask(self, key: Any, result: Any, dsk: Any, state: Any, worker_id: Any) -> None:
        target = self.by_name.get(key[0]) if isinstance(key, tuple) else None
        if target is None:
            return
        target.block_done()
        self.done += 1
        if self.progress is not None:
            self.progress(self.done, self.total)


_ADDRESS = re.compile(r"^([a-z][a-z0-9+.-]*://.+|[\w.-]+:\d+)$")


def _client_for(scheduler: Any, timeout: float) -> tuple[Any, bool] | None:
    """``(client, owned)`` for a distributed scheduler, ``None`` for a local one (validated)."""
    if scheduler is None:
        if "distributed" not in sys.modules:  # no Client can be the default without it
            return None
        from distributed import default_client  # optional heavy module, imported only when in use

        try:
            return default_client(), False
        except ValueError:
            return None
    if isinstance(scheduler, str) and scheduler in LOCAL_SCHEDULERS:
        return None
    if isinstance(scheduler, str) and _ADDRESS.match(scheduler):
        from distributed import Client

        try:
            return Client(scheduler, timeout=timeout, set_as_default=False), True
        except (OSError, TimeoutError) as exc:
            raise SchedulerError(
                f"`scheduler` address {scheduler!r} did not answer within {timeout:g} s "
                f"({type(exc).__name__}: {exc}); start one with `dask scheduler` or check the address"
            ) from exc
    if type(scheduler).__name__ == "Client" and type(scheduler).__module__.startswith("distributed"):
        return scheduler, False
    raise UnknownNameError("scheduler", scheduler, (*LOCAL_SCHEDULERS, "tcp://HOST:PORT", "a distributed.Client"))


def _run(targets: list[_Target], scheduler: Any, progress: Callable[[int, int], object] | None, timeout: float) -> None:
    # One key per block (no final concatenation that the optimiser could fuse the writes into).
    blocks = [(t, d) for t in targets for d in t.writes.to_delayed().ravel()]
    client = _client_for(scheduler, timeout)
    if client is None:
        with _Counter(targets, progress):
            dask.compute(*(d for _, d in blocks), scheduler=scheduler or "threads")
        return
    from distributed import as_completed

    cl, owned = client
    futures = cl.compute([d for _, d in blocks])
    owner = {f.key: t for f, (t, _) in zip(futures, blocks, strict=True)}
    try:
        for done, fut in enumerate(as_completed(futures), 1):
            fut.result()
            owner[fut.key].block_done()
            if progress is not None:
                progress(done, len(futures))
    except BaseException:
        cl.cancel(futures)
        raise
    finally:
        if owned:
            cl.close()


def _attributes(
    kernel: KernelLike, prep: _Prepared, anchor: tuple[int, int] | None, image: Any, extra: Mapping[str, Any]
) -> dict[str, Any]:
    job = prep.job
    n, kh, kw = job.kernel.shape
    names = list(getattr(kernel, "names", None) or [f"kernel{i}" for i in range(n)])
    specs = getattr(kernel, "specs", None)
    top, _, left, _ = _borders.padding_for((kh, kw), anchor)
    attrs = {
        "filterbank_version": _version(),
        "bank_names": names,
        "bank_specs": _jsonable(list(specs)) if specs is not None else None,
        "ksize": [kh, kw],
        "border": job.border,
        "value": job.value,
        "anchor": [top, left],
        "method": job.method,
        "channel_layout": "channels last; channel c * N + n = input channel c filtered by kernel n",
        "input_shape": list(image.shape),  # the (H, W, C) source
        "input_dtype": str(image.dtype),
        **_jsonable(dict(extra)),
        "complete": False,
    }
    return attrs


def apply_to_zarr(
    image: Any,
    kernel: KernelLike,
    out: str | os.PathLike[str],
    *,
    chunk: int = 1024,
    border: str | int = "reflect101",
    anchor: tuple[int, int] | None = None,
    value: float = 0.0,
    method: str = "auto",
    device: str | torch.device | None = None,
    scheduler: Any = None,
    force: bool = False,
    progress: Callable[[int, int], object] | None = None,
    connect_timeout: float = 10.0,
    attributes: Mapping[str, Any] | None = None,
) -> Path:
    """Stream the float32 responses of an image to a Zarr (v3) array, block by block.

    Parameters
    ----------
    image : dask.array.Array or array-like
        ``(H, W)`` or ``(H, W, C)`` channels last: a dask array (for example from a lazily
        read tiled TIFF or Zarr), or anything ``dask.array.from_array`` takes (a Zarr
        array, a numpy array). Rechunked to ``(chunk, chunk, C)``; the channel axis of a
        dask array must be one chunk.
    kernel : array-like, torch.Tensor or FilterBank
        A kernel or a bank; a :class:`~filterbank.FilterBank`'s names and specs are stored.
    out : str or path-like
        The Zarr array to write (a local or shared-filesystem folder every worker can reach).
    chunk : int
        Side ``S`` of the output chunks ``(S, S, C * N)`` and of the computed blocks. Must
        be >= 1 and, along an axis longer than ``S``, larger than the kernel's :func:`halo`.
    border, anchor, value, method, device
        As in :func:`filter2d`.
    scheduler : str, distributed.Client or None
        ``"threads"``, ``"processes"``, ``"synchronous"``, a scheduler address
        (``"tcp://host:8786"``), or a ``distributed.Client``. ``None``: the default
        distributed Client if one is active, else ``"threads"``.
    force : bool
        Replace an existing ``out`` (only once the new array is complete).
    progress : callable, optional
        Called as ``progress(blocks_done, blocks_total)`` after each block is written.
    connect_timeout : float
        Seconds to wait for a scheduler address to answer.
    attributes : mapping, optional
        Extra JSON attributes to store (for example the input's path).

    Returns
    -------
    pathlib.Path
        ``out``. The array is ``(H, W, C * N)`` float32 (channel ``c * N + n``; a single
        kernel on ``(H, W)`` gives ``(H, W, 1)``) with attributes ``bank_names``,
        ``bank_specs``, ``ksize``, ``border``, ``value``, ``anchor`` (row, col),
        ``method``, ``filterbank_version`` and ``complete``.

    Raises
    ------
    OutputExistsError
        ``out`` exists and ``force`` is false (checked before any work).
    ParameterError
        ``chunk`` below 1 or not larger than the halo.
    SchedulerError, UnknownNameError
        An address that does not answer within ``connect_timeout``; an unknown scheduler.
    ShapeError, DTypeError
        As :func:`filter2d` (4-D arrays, a channel axis split across chunks, ...).

    Notes
    -----
    The array is written under a hidden temporary name next to ``out`` with
    ``complete: false``; ``complete`` is set true after the last block, then the folder
    is renamed to ``out``. An interrupted run leaves no ``out`` (and its temporary
    folder says ``complete: false``). Values equal :func:`filter2d` with
    ``out_dtype=numpy.float32``; the input is not rescaled (the command line's
    ``apply`` divides 8-bit images by 255 first).

    Examples
    --------
    >>> import numpy as np, tempfile, pathlib, zarr
    >>> img = np.random.default_rng(0).random((40, 50), dtype=np.float32)
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "r.zarr"
    >>> z = zarr.open_array(apply_to_zarr(img, np.ones((2, 3, 3)), out, chunk=16), mode="r")
    >>> z.shape, z.chunks, z.attrs["complete"]
    ((40, 50, 2), (16, 16, 2), True)
    """
    return apply_many_to_zarr(
        [(image, out, attributes or {})],
        kernel,
        chunk=chunk,
        border=border,
        anchor=anchor,
        value=value,
        method=method,
        device=device,
        scheduler=scheduler,
        force=force,
        progress=progress,
        connect_timeout=connect_timeout,
    )[0]


def _source(image: Any, chunk: int) -> da.Array:
    """The image as a dask array chunked ``(chunk, chunk, C)``."""
    if isinstance(image, da.Array):
        return _check_image(image).rechunk((chunk, chunk, -1))
    arr = image if hasattr(image, "shape") and hasattr(image, "dtype") else np.asarray(image)
    if len(arr.shape) not in (2, 3):
        raise ShapeError(f"`image` must be (H, W) or (H, W, C), channels last; got shape {tuple(arr.shape)}")
    return _check_image(da.from_array(arr, chunks=(chunk, chunk, -1)[: len(arr.shape)]))


def _check_chunk(x: da.Array, chunk: int, ksize: tuple[int, int], anchor: tuple[int, int] | None) -> None:
    for size, need, what in zip(x.shape[:2], halo(ksize, anchor), ("rows", "columns"), strict=True):
        if chunk < size and chunk <= need:
            raise ParameterError(
                f"`chunk` must be larger than the kernel's halo of {need} {what} (kernel {ksize[0]}x{ksize[1]}, "
                f"anchor {anchor}) when the image is cut into chunks; got {chunk}"
            )


def apply_many_to_zarr(
    items: Sequence[tuple[Any, str | os.PathLike[str]] | tuple[Any, str | os.PathLike[str], Mapping[str, Any]]],
    kernel: KernelLike,
    *,
    chunk: int = 1024,
    border: str | int = "reflect101",
    anchor: tuple[int, int] | None = None,
    value: float = 0.0,
    method: str = "auto",
    device: str | torch.device | None = None,
    scheduler: Any = None,
    force: bool = False,
    progress: Callable[[int, int], object] | None = None,
    connect_timeout: float = 10.0,
) -> list[Path]:
    """:func:`apply_to_zarr` for several images at once: their blocks run as one set of parallel tasks.

    Parameters
    ----------
    items : sequence of (image, out) or (image, out, attributes)
        Each image (as in :func:`apply_to_zarr`), its Zarr output and optional extra attributes.
    kernel, chunk, border, anchor, value, method, device, scheduler, force, connect_timeout
        As in :func:`apply_to_zarr`, for every image.
    progress : callable, optional
        ``progress(blocks_done, blocks_total)`` over all images.

    Returns
    -------
    list of pathlib.Path
        The outputs, in the order of ``items``. Each one is completed (``complete: true``,
        renamed from its temporary name) as soon as its own last block is written, so a run
        that fails part-way keeps the images it finished and leaves no ``out`` for the others.

    Raises
    ------
    OutputExistsError, ParameterError, SchedulerError, UnknownNameError, ShapeError, DTypeError
        As :func:`apply_to_zarr`; every output and argument is checked before any work, and two
        items naming the same output are refused.

    Examples
    --------
    >>> import numpy as np, tempfile, pathlib, zarr
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> imgs = [np.ones((20, 30), np.float32), np.zeros((25, 10, 3), np.uint8)]
    >>> outs = apply_many_to_zarr([(imgs[0], d / "a.zarr"), (imgs[1], d / "b.zarr")], np.ones((3, 3)), chunk=8)
    >>> [zarr.open_array(p, mode="r").shape for p in outs]
    [(20, 30, 1), (25, 10, 3)]
    """
    chunk = int_in_range("chunk", chunk, 1)
    ksize = tuple(np.shape(as_kernel_tensor(kernel, dtype=torch.float64))[1:])
    planned: list[tuple[_Prepared, Path, dict[str, Any]]] = []
    seen: set[Path] = set()
    for item in items:
        image, out = item[0], Path(item[1])
        if out.resolve() in seen:
            raise ParameterError(f"`out` {str(out)!r} is named by two items; every image needs its own output")
        seen.add(out.resolve())
        if out.exists() and not force:
            raise OutputExistsError(f"`out` {str(out)!r} exists; pass force=True (--force) to replace it")
        x = _source(image, chunk)
        _check_chunk(x, chunk, ksize, anchor)
        prep = _prepare(x, kernel, border, anchor, value, np.float32, method, device)
        attrs = _attributes(kernel, prep, anchor, x, item[2] if len(item) > 2 else {})
        planned.append((prep, out, attrs))
    targets: list[_Target] = []
    try:
        for prep, out, attrs in planned:
            targets.append(_target(prep, out, chunk, attrs))
        _run(targets, scheduler, progress, connect_timeout)
    except BaseException:
        for t in targets:
            t.discard()
        raise
    return [out for _, out, _ in planned]


def _target(prep: _Prepared, out: Path, chunk: int, attrs: dict[str, Any]) -> _Target:
    """Create the temporary Zarr array (``complete: false``) and the tasks that fill it."""
    h, w = sum(prep.chunks[0]), sum(prep.chunks[1])
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.partial-{uuid.uuid4().hex[:8]}")
    zarr.create_array(
        store=str(tmp),
        shape=(h, w, prep.channels),
        chunks=(chunk, chunk, prep.channels),
        dtype="float32",
        attributes=attrs,
    )
    rows, cols = prep.chunks
    writes = _map_job(
        prep,
        _write_block,
        "zarr-write",
        ((1,) * len(rows), (1,) * len(cols)),  # one int8 flag per block: one key per write
        np.dtype(np.int8),
        str(tmp),
        store=str(tmp),
        row_starts=tuple(np.cumsum((0, *rows[:-1])).tolist()),
        col_starts=tuple(np.cumsum((0, *cols[:-1])).tolist()),
    )
    return _Target(out, tmp, writes)
