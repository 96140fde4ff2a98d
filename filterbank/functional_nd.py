"""``filter1d`` and ``filter3d``: ``filter2d``'s semantics on signals and volumes, equal to SciPy's correlate.

OpenCV has no 1-D or 3-D filters, so the reference is SciPy:
``filter1d(x, k, border=B, anchor=a, value=v)`` equals
``scipy.ndimage.correlate1d(x, k, mode=M, cval=v, origin=a - len(k) // 2)`` and
``filter3d`` equals ``scipy.ndimage.correlate(x, k, mode=M, cval=v, origin=a - k // 2)``
with the border map of :mod:`filterbank.borders` (``reflect101`` -> ``mirror``,
``symmetric`` -> ``reflect``, ``replicate`` -> ``nearest``, ``constant`` ->
``constant``, ``wrap`` -> ``wrap``), for every kernel size (even ones, and kernels
longer than the signal or larger than the volume).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from . import borders as _borders
from . import plan_nd as _plan_nd
from ._errors import DTypeError, ParameterError, ShapeError, UnknownNameError
from ._types import OPENCV_DFT_TAPS, KernelLike
from ._validate import as_float, finite_kernel
from .functional import _NUMPY_DTYPES, _TORCH_FLOAT, _TORCH_INT

__all__ = ["filter1d", "filter3d"]

_SHAPES = {1: "(k,)", 3: "(kd, kh, kw)"}
_BANKS = {1: "(N, k)", 3: "(N, kd, kh, kw)"}
_INPUTS_NP = {1: "(L,) or (L, C)", 3: "(D, H, W) or (D, H, W, C)"}
_INPUTS_T = {1: "(..., L)", 3: "(..., D, H, W)"}


def _kernel_nd(kernel: Any, d: int) -> np.ndarray | torch.Tensor:
    """The kernel as float numpy or a floating tensor, ``(*ks)`` or a bank ``(N, *ks)``, finite."""
    rule = f"`kernel` must be {_SHAPES[d]} or a bank {_BANKS[d]}, non-empty"
    if isinstance(kernel, torch.Tensor):
        if not (kernel.is_floating_point() or kernel.dtype in (*_TORCH_INT, torch.int64)):
            raise DTypeError(f"`kernel` must be a real-valued tensor; got dtype {kernel.dtype}")
        if kernel.dim() not in (d, d + 1) or kernel.numel() == 0:
            raise ShapeError(f"{rule}; got shape {tuple(kernel.shape)}")
        bad = ~torch.isfinite(kernel.detach())
        if bool(bad.any()):
            idx = tuple(torch.nonzero(bad)[0].tolist())
            raise ParameterError(
                f"`kernel` must contain only finite values; got {kernel.detach()[idx].item()!r} at index {idx}"
            )
        return kernel if kernel.is_floating_point() else kernel.double()
    arr = np.asarray(kernel)
    if arr.dtype.kind not in "fiu" or arr.dtype == np.float16:
        raise DTypeError(f"`kernel` must have a real float or integer dtype; got {arr.dtype}")
    if arr.ndim not in (d, d + 1) or arr.size == 0:
        raise ShapeError(f"{rule}; got shape {arr.shape}")
    return finite_kernel("kernel", arr.astype(np.float64, copy=False))


def _out_dtype_np(image: np.ndarray, out_dtype: Any) -> np.dtype:
    if out_dtype is None:
        return image.dtype
    try:
        out = np.dtype(out_dtype)
    except TypeError as exc:
        raise DTypeError(f"`out_dtype` must be a numpy dtype for numpy input; got {out_dtype!r}") from exc
    if out not in _NUMPY_DTYPES:
        raise DTypeError(f"`out_dtype` must be one of uint8, uint16, int16, float32, float64; got {out}")
    return out


def _out_dtype_t(out_dtype: Any, default: torch.dtype) -> torch.dtype:
    if out_dtype is None:
        return default
    if isinstance(out_dtype, torch.dtype) and out_dtype in _TORCH_FLOAT + _TORCH_INT:
        return out_dtype
    raise DTypeError(f"`out_dtype` must be a floating, uint8 or int16 torch dtype for tensor input; got {out_dtype!r}")


def _filter(
    x: np.ndarray | torch.Tensor,
    kernel: Any,
    d: int,
    border: str | int,
    anchor: Any,
    value: float,
    out_dtype: Any,
    method: str,
) -> np.ndarray | torch.Tensor:
    """The common body of :func:`filter1d` and :func:`filter3d` (``d`` spatial axes)."""
    border = _borders.normalize_border(border)
    value = as_float("value", value)
    if method not in _plan_nd.METHODS_ND:
        raise UnknownNameError("method", method, _plan_nd.METHODS_ND)
    k = _kernel_nd(kernel, d)
    is_bank = k.ndim == d + 1
    name = "signal" if d == 1 else "volume"
    if isinstance(x, np.ndarray):
        if x.dtype not in _NUMPY_DTYPES:
            raise DTypeError(f"`{name}` dtype must be one of uint8, uint16, int16, float32, float64; got {x.dtype}")
        if x.ndim not in (d, d + 1):
            raise ShapeError(f"`{name}` as numpy must be {_INPUTS_NP[d]}; got shape {x.shape}")
        out_np = _out_dtype_np(x, out_dtype)
        src = torch.from_numpy(np.ascontiguousarray(x))
        xt = src.unsqueeze(0) if x.ndim == d else src.movedim(-1, 0)
        out_t = torch.from_numpy(np.empty(0, dtype=out_np)).dtype
        y = _filter_tensor(xt.unsqueeze(0), k, border, anchor, value, out_t, method)[0]
        if x.ndim == d and not is_bank:
            return y[0].numpy()
        return y.movedim(0, -1).contiguous().numpy()
    if not isinstance(x, torch.Tensor):
        raise DTypeError(f"`{name}` must be a numpy.ndarray or a torch.Tensor; got {type(x).__name__}")
    if x.dtype not in _TORCH_FLOAT + _TORCH_INT:
        raise DTypeError(f"`{name}` dtype must be floating, uint8 or int16; got {x.dtype}")
    if x.dim() < d:
        raise ShapeError(f"`{name}` as a tensor must be {_INPUTS_T[d]}; got shape {tuple(x.shape)}")
    out_t = _out_dtype_t(out_dtype, x.dtype)
    if isinstance(k, torch.Tensor) and k.device != x.device:
        raise DTypeError(f"`kernel` is on {k.device} but `{name}` is on {x.device}; move one of them")
    sp = tuple(x.shape[x.dim() - d :])
    lead = tuple(x.shape[: x.dim() - d])
    if not is_bank:
        y = _filter_tensor(x.reshape(1, -1, *sp), k, border, anchor, value, out_t, method)
        return y.reshape(*lead, *sp)
    n = k.shape[0]
    if x.dim() == d:
        return _filter_tensor(x.reshape(1, 1, *sp), k, border, anchor, value, out_t, method).reshape(n, *sp)
    c = x.shape[-d - 1]
    y = _filter_tensor(x.reshape(-1, c, *sp), k, border, anchor, value, out_t, method)
    return y.reshape(*lead[:-1], c * n, *sp)


def _filter_tensor(
    x: torch.Tensor,
    k: np.ndarray | torch.Tensor,
    border: str,
    anchor: Any,
    value: float,
    out_dtype: torch.dtype,
    method: str,
) -> torch.Tensor:
    """(B, C, *S) -> (B, C*N, *S): padding, correlation, output cast (``filter2d``'s arithmetic rules)."""
    if torch.float64 in (x.dtype, out_dtype):
        compute = torch.float64
    elif not x.dtype.is_floating_point:
        compute = torch.float32
    else:
        compute = x.dtype
    d = x.dim() - 2
    if isinstance(k, np.ndarray):
        kt = torch.from_numpy(np.array(k, dtype=np.float64)).to(device=x.device, dtype=compute)
    else:
        kt = k.to(device=x.device, dtype=compute)
    if kt.dim() == d:
        kt = kt.unsqueeze(0)
    padding = _borders.padding_nd(tuple(kt.shape[1:]), anchor)
    xp = _borders.pad_nd(x.to(compute), padding, border, value)
    taps = int(np.prod(kt.shape[1:]))
    exact = not out_dtype.is_floating_point and taps < OPENCV_DFT_TAPS
    y = _plan_nd.correlate_valid_nd(xp, kt, method=method, exact=exact)
    if out_dtype.is_floating_point:
        return y.to(out_dtype)
    info = torch.iinfo(out_dtype)
    return torch.round(y).clamp_(info.min, info.max).to(out_dtype)


def filter1d(
    signal: np.ndarray | torch.Tensor,
    kernel: KernelLike,
    *,
    border: str | int = "reflect101",
    anchor: int | Sequence[int] | None = None,
    value: float = 0.0,
    out_dtype: Any = None,
    method: str = "auto",
) -> np.ndarray | torch.Tensor:
    """Correlate signals with a 1-D kernel or a bank, ``filter2d``'s semantics in 1-D.

    Parameters
    ----------
    signal : numpy.ndarray or torch.Tensor
        numpy ``(L,)`` or ``(L, C)`` (channels last) of dtype uint8, uint16,
        int16, float32 or float64; or a torch tensor ``(..., L)`` of a floating
        dtype, uint8 or int16, on any device (the axis before ``L`` is the
        channel axis when a bank is applied).
    kernel : array-like, torch.Tensor or FilterBank
        ``(k,)``, or a bank ``(N, k)``. Applied as is (correlation, never
        flipped). A tensor keeps its gradient. Must be finite.
    border : str or int
        ``"reflect101"`` (default), ``"symmetric"``, ``"replicate"``,
        ``"constant"``, ``"wrap"`` or a ``cv2.BORDER_*`` constant; exact for
        kernels longer than the signal. SciPy names: ``mirror``, ``reflect``,
        ``nearest``, ``constant``, ``wrap``.
    anchor : int or None
        Kernel tap that lands on the output sample; default ``k // 2``. SciPy's
        ``origin`` is ``anchor - k // 2``.
    value : float
        Border value for ``"constant"`` (SciPy's ``cval``).
    out_dtype : numpy or torch dtype, optional
        Output dtype (default the input's); integer outputs are rounded half
        to even and saturated, like :func:`filterbank.filter2d` (SciPy instead
        keeps the input dtype and truncates).
    method : str
        ``"auto"`` (the planner of :mod:`filterbank.plan_nd`), ``"direct"``,
        ``"separable"`` or ``"fft"``.

    Returns
    -------
    numpy.ndarray or torch.Tensor
        Same kind as ``signal``. A single kernel keeps the shape; a bank of ``N``
        gives channel ``c * N + n``: numpy ``(L,)`` -> ``(L, N)``, ``(L, C)`` ->
        ``(L, C * N)``; torch ``(L,)`` -> ``(N, L)``, ``(..., C, L)`` -> ``(..., C * N, L)``.

    Notes
    -----
    Equal to ``scipy.ndimage.correlate1d(signal, kernel, mode=to_scipy(border),
    cval=value, origin=anchor - k // 2)`` on float input (within the accuracy
    rules of :mod:`filterbank.plan_nd`; SciPy computes in float64).

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([1.0, 2.0, 4.0, 8.0], dtype=np.float32)
    >>> filter1d(x, [-1.0, 0.0, 1.0])
    array([0., 3., 6., 0.], dtype=float32)
    >>> filter1d(x, np.ones((2, 3)), border="constant").shape
    (4, 2)
    """
    return _filter(signal, kernel, 1, border, anchor, value, out_dtype, method)


def filter3d(
    volume: np.ndarray | torch.Tensor,
    kernel: KernelLike,
    *,
    border: str | int = "reflect101",
    anchor: Sequence[int] | None = None,
    value: float = 0.0,
    out_dtype: Any = None,
    method: str = "auto",
) -> np.ndarray | torch.Tensor:
    """Correlate volumes with a 3-D kernel or a bank, ``filter2d``'s semantics in 3-D.

    Parameters
    ----------
    volume : numpy.ndarray or torch.Tensor
        numpy ``(D, H, W)`` or ``(D, H, W, C)`` (channels last) of dtype uint8,
        uint16, int16, float32 or float64; or a torch tensor ``(..., D, H, W)``
        of a floating dtype, uint8 or int16, on any device (the axis before
        ``D`` is the channel axis when a bank is applied).
    kernel : array-like, torch.Tensor or FilterBank
        ``(kd, kh, kw)``, or a bank ``(N, kd, kh, kw)``. Applied as is
        (correlation, never flipped). A tensor keeps its gradient.
    border : str or int
        As :func:`filter1d`; exact for kernels larger than the volume.
    anchor : (int, int, int) or None
        Kernel tap ``(depth, row, col)`` that lands on the output voxel; default
        ``(kd // 2, kh // 2, kw // 2)``. SciPy's ``origin`` is ``anchor - k // 2``
        per axis.
    value : float
        Border value for ``"constant"``.
    out_dtype : numpy or torch dtype, optional
        As :func:`filter1d`.
    method : str
        ``"auto"``, ``"direct"``, ``"separable"`` (rank-1 kernels: one pass per
        axis) or ``"fft"``.

    Returns
    -------
    numpy.ndarray or torch.Tensor
        Same kind as ``volume``. A bank of ``N`` gives channel ``c * N + n``:
        numpy ``(D, H, W)`` -> ``(D, H, W, N)``, ``(D, H, W, C)`` ->
        ``(D, H, W, C * N)``; torch ``(D, H, W)`` -> ``(N, D, H, W)``,
        ``(..., C, D, H, W)`` -> ``(..., C * N, D, H, W)``.

    Notes
    -----
    Equal to ``scipy.ndimage.correlate(volume, kernel, mode=to_scipy(border),
    cval=value, origin=[a - k // 2 for each axis])`` on float input.

    Examples
    --------
    >>> import numpy as np
    >>> vol = np.zeros((5, 5, 5), dtype=np.float32)
    >>> vol[2, 2, 2] = 1.0
    >>> out = filter3d(vol, np.ones((3, 3, 3)))
    >>> float(out.sum()), out.shape
    (27.0, (5, 5, 5))
    >>> filter3d(vol, np.ones((4, 3, 3, 3))).shape
    (5, 5, 5, 4)
    """
    return _filter(volume, kernel, 3, border, anchor, value, out_dtype, method)
