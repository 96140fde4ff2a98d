"""``filter2d``: ``cv2.filter2D`` semantics in torch, on numpy or torch input; ``filter1d`` / ``filter3d`` likewise.

OpenCV has no 1-D or 3-D filters, so the reference of :func:`filter1d` and
:func:`filter3d` is SciPy: they equal ``scipy.ndimage.correlate1d`` /
``correlate`` under the border map of :mod:`filterbank.borders` (``reflect101``
-> ``mirror``, ``symmetric`` -> ``reflect``, ``replicate`` -> ``nearest``,
``constant`` -> ``constant``, ``wrap`` -> ``wrap``) with ``origin = anchor - k // 2``,
for every kernel size (even ones, and kernels larger than the input). The three
functions share one body (numpy / torch adaptation, OpenCV's arithmetic dtype)
and one core path (:func:`filterbank._core.filter_tensor`).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from typing import Any, overload

import numpy as np
import torch

from . import _core, _device
from . import borders as _borders
from . import plan as _plan
from ._errors import DTypeError, ParameterError, ShapeError, UnknownNameError
from ._types import OPENCV_DFT_TAPS, KernelLike
from ._validate import as_float, finite_kernel
from .plan import measure as _measure
from .plan import nd as _plan_nd
from .plan import opencv as _opencv

__all__ = ["as_kernel_tensor", "filter1d", "filter2d", "filter3d"]

# dtypes OpenCV's filters accept (OpenCV 5); numpy input is held to the same list.
_NUMPY_DTYPES = {np.dtype(t) for t in (np.uint8, np.uint16, np.int16, np.float32, np.float64)}
_TORCH_FLOAT = (torch.float16, torch.bfloat16, torch.float32, torch.float64)
_TORCH_INT = tuple(t for t in (torch.uint8, torch.int16, getattr(torch, "uint16", None)) if t is not None)

# Words of the messages, by number of spatial axes: the kernel shapes, the input's name and shapes.
_KERNEL_SHAPES = {
    1: "(k,) or a bank (N, k)",
    2: "(kh, kw) or a bank (N, kh, kw)",
    3: "(kd, kh, kw) or a bank (N, kd, kh, kw)",
}
_INPUT_NAME = {1: "signal", 2: "image", 3: "volume"}
_NUMPY_SHAPES = {1: "(L,) or (L, C)", 2: "(H, W) or (H, W, C)", 3: "(D, H, W) or (D, H, W, C)"}
_TORCH_SHAPES = {1: "(..., L)", 2: "(..., H, W)", 3: "(..., D, H, W)"}


def _kernel_array(kernel: KernelLike, d: int = 2) -> np.ndarray | torch.Tensor:
    """Return the kernel as a float numpy array or a floating torch tensor, ``(N, *ks)`` or ``(*ks)`` (d axes)."""
    if isinstance(kernel, torch.Tensor):
        if not (kernel.is_floating_point() or kernel.dtype in _TORCH_INT or kernel.dtype == torch.int64):
            raise DTypeError(f"`kernel` must be a real-valued tensor; got dtype {kernel.dtype}")
        if kernel.dim() not in (d, d + 1) or kernel.numel() == 0:
            raise ShapeError(f"`kernel` must be {_KERNEL_SHAPES[d]}, non-empty; got shape {tuple(kernel.shape)}")
        if not bool(torch.isfinite(kernel.detach()).all()):
            bad = torch.nonzero(~torch.isfinite(kernel.detach()))[0].tolist()
            raise _finite_error(kernel.detach()[tuple(bad)].item(), bad)
        return kernel if kernel.is_floating_point() else kernel.double()
    try:
        arr = np.asarray(kernel)
    except Exception as exc:  # pragma: no cover - numpy's own message is kept
        raise DTypeError(f"`kernel` must be array-like; got {type(kernel).__name__}") from exc
    if arr.dtype.kind not in "fiu" or arr.dtype == np.float16:
        raise DTypeError(f"`kernel` must have a real float or integer dtype; got {arr.dtype}")
    if arr.ndim not in (d, d + 1) or arr.size == 0:
        raise ShapeError(f"`kernel` must be {_KERNEL_SHAPES[d]}, non-empty; got shape {arr.shape}")
    return finite_kernel("kernel", arr.astype(np.float64, copy=False))


def _finite_error(value: float, index: list[int]) -> Exception:
    return ParameterError(f"`kernel` must contain only finite values; got {value!r} at index {tuple(index)}")


def as_kernel_tensor(
    kernel: KernelLike, *, dtype: torch.dtype = torch.float32, device: torch.device | str | None = None
) -> torch.Tensor:
    """A kernel or bank as a ``(N, kh, kw)`` tensor at the caller's dtype and device.

    Numpy kernels (float64 catalog arrays) are converted once, from float64.
    Tensors keep their autograd graph (a cast is differentiable). A cast to
    float16 / bfloat16 that would overflow a tap or lose more than the dtype's
    rounding error to underflow is refused (:func:`filterbank._core.cast_kernels`).

    Examples
    --------
    >>> import numpy as np
    >>> as_kernel_tensor(np.ones((3, 5))).shape
    torch.Size([1, 3, 5])
    """
    k = _kernel_array(kernel)
    t = torch.from_numpy(np.array(k, dtype=np.float64)) if isinstance(k, np.ndarray) else k
    t = _core.cast_kernels("kernel", t, dtype).to(device=device if device is not None else t.device)
    return t.unsqueeze(0) if t.dim() == 2 else t


@overload
def filter2d(
    image: np.ndarray,
    kernel: KernelLike,
    *,
    border: str | int = ...,
    anchor: tuple[int, int] | None = ...,
    value: float = ...,
    out_dtype: Any = ...,
    method: str = ...,
) -> np.ndarray: ...
@overload
def filter2d(
    image: torch.Tensor,
    kernel: KernelLike,
    *,
    border: str | int = ...,
    anchor: tuple[int, int] | None = ...,
    value: float = ...,
    out_dtype: Any = ...,
    method: str = ...,
) -> torch.Tensor: ...
def filter2d(
    image: np.ndarray | torch.Tensor,
    kernel: KernelLike,
    *,
    border: str | int = "reflect101",
    anchor: tuple[int, int] | None = None,
    value: float = 0.0,
    out_dtype: Any = None,
    method: str = "auto",
) -> np.ndarray | torch.Tensor:
    """Correlate an image with a kernel or a bank, with ``cv2.filter2D`` semantics.

    Parameters
    ----------
    image : numpy.ndarray or torch.Tensor
        numpy ``(H, W)`` or ``(H, W, C)`` (channels last, like OpenCV) of dtype
        uint8, uint16, int16, float32 or float64 (OpenCV's list); or a torch
        tensor ``(..., H, W)`` of a floating dtype, uint8 or int16, on any
        device. For torch, the axis before ``H`` is the channel axis.
    kernel : array-like, torch.Tensor or FilterBank
        ``(kh, kw)``, or a bank ``(N, kh, kw)``. Applied as is (correlation),
        never flipped, like ``cv2.filter2D``. Cast to the computing dtype of the
        image (as OpenCV does); a tensor keeps its gradient. Must be finite.
    border : str or int
        ``"reflect101"`` (default, OpenCV's default), ``"symmetric"``,
        ``"replicate"``, ``"constant"``, ``"wrap"``, or a ``cv2.BORDER_*``
        constant. ``"reflect"`` is refused as ambiguous (see
        :mod:`filterbank.borders`). Exact for kernels larger than the image.
    anchor : (int, int) or None
        Kernel tap that lands on the output pixel, as **(row, col)**; OpenCV's
        ``anchor=(x, y)`` is the reverse order. ``None`` is OpenCV's default
        ``(kh // 2, kw // 2)``; for even kernels this differs from torch
        ``padding='same'`` and kornia, which use ``(k - 1) // 2``.
    value : float
        Border value for ``"constant"`` (``cv2.filter2D`` itself always uses 0;
        the result equals ``cv2.copyMakeBorder`` with this value, then
        ``cv2.filter2D``). A non-zero value with another border is refused (it
        would mean nothing). On an integer image it must be an integer in the
        dtype's range: OpenCV would saturate-cast 2.5 to 2 or 300 to 255 on
        uint8, filterbank refuses instead.
    out_dtype : numpy or torch dtype, optional
        Output dtype, like OpenCV's ``ddepth``; default the input's dtype
        (``ddepth=-1``). An integer output is rounded half to even and saturated
        to the dtype's range, exactly as OpenCV does.
    method : str
        How the correlation is executed (:mod:`filterbank.plan`): ``"auto"``
        (default: the planner picks the cheapest method within the parity bound),
        ``"direct"``, ``"separable"`` (rank-1 kernels), ``"lowrank"`` (shared
        row basis), ``"fft"`` (cached kernel spectra) or ``"opencv"``
        (``cv2.filter2D`` itself, on CPU input of a dtype pair it computes: its
        output is OpenCV's bit for bit). Every method stays within the parity
        tolerance against ``cv2.filter2D``; ``auto`` keeps an exact method
        (direct sum or OpenCV) for integer outputs below OpenCV's DFT threshold
        (``filterbank._types.OPENCV_DFT_TAPS`` taps; see the Notes for how close
        the direct sum is to OpenCV) and never uses the FFT in float32 below it.
        A numpy or CPU-tensor call's decision is cached per kernel values, image
        shape and dtype and keywords, so repeated small calls cost about one
        ``cv2.filter2D``.

    Returns
    -------
    numpy.ndarray or torch.Tensor
        Same kind of array as ``image``. With a single kernel the shape is the
        input's. With a bank of ``N`` kernels, channel ``c * N + n`` holds input
        channel ``c`` filtered by kernel ``n``: numpy ``(H, W)`` ->
        ``(H, W, N)``, ``(H, W, C)`` -> ``(H, W, C * N)``; torch ``(H, W)`` ->
        ``(N, H, W)``, ``(..., C, H, W)`` -> ``(..., C * N, H, W)``.

    Notes
    -----
    Arithmetic follows OpenCV: float64 when the input or the output is float64,
    float32 for integer images otherwise, then rounding and saturation. For
    kernels of ``OPENCV_DFT_TAPS`` taps or more (12x12 and larger),
    ``cv2.filter2D`` on float32 switches to a DFT and differs from the direct sum
    by about ``1e-5 * sum|k| * max|image|``; filterbank's own FFT path stays
    within that bound.

    Integer outputs below that threshold: uint8 results equal OpenCV's (tested on
    every family of the demo bank). uint16 and int16 outputs can differ from
    OpenCV's by one level: both round a float32 sum, summed in another order, so
    where the exact sum lies within float32 rounding of a half-integer
    (``2 * taps * 2**-24 * sum|k * x|``) the two may round apart. Measured on
    full-range images with random 3x3 kernels: 0.07% of int16 pixels, 0.002% of
    uint16 pixels, never more than one level.

    Non-finite pixels: a NaN or inf reaches only the output pixels whose kernel
    window (the whole ``kh x kw`` rectangle, border copies included) covers it,
    whatever the method, and never another image of the batch; it reaches every
    one where a non-zero tap meets it. OpenCV's direct path skips zero taps, so it
    marks exactly the latter set; its DFT path (float32 from
    ``OPENCV_DFT_TAPS`` taps) turns the whole image NaN. See
    :mod:`filterbank.plan.nonfinite`.

    ``filter2d`` and :class:`filterbank.FilterConv2d` run through one internal
    path (:func:`filterbank._core.filter_tensor`: pad, plan, cast).

    References
    ----------
    .. [1] OpenCV, ``cv::filter2D``, imgproc module documentation.

    Examples
    --------
    >>> import numpy as np
    >>> img = np.arange(20, dtype=np.float32).reshape(4, 5)
    >>> filter2d(img, np.array([[-1.0, 0.0, 1.0]]))[1]
    array([0., 2., 2., 2., 0.], dtype=float32)
    >>> filter2d(img, np.ones((2, 3, 3))).shape
    (4, 5, 2)
    """
    if (method == "auto" or method == "opencv") and _fast_candidate(image):
        # The fast path: the decision (and its validation) is cached per kernel, shape, dtype and keywords.
        p = _opencv.fast_plan(image, kernel, border, anchor, value, out_dtype, method, _decide)
        if isinstance(p, _opencv.CvPlan):
            return _opencv.run_fast(p, image) if isinstance(image, np.ndarray) else _opencv.run_tensor(p, image)
        if p is not None:  # the planner's torch method for this very call: no second estimate
            method = p
    return _filter(image, kernel, 2, border, anchor, value, out_dtype, method)


def _filter(
    x: np.ndarray | torch.Tensor,
    kernel: KernelLike,
    d: int,
    border: str | int,
    anchor: Any,
    value: float,
    out_dtype: Any,
    method: str,
) -> np.ndarray | torch.Tensor:
    """The body of :func:`filter1d`, :func:`filter2d` and :func:`filter3d` (``d`` spatial axes)."""
    border = _borders.normalize_border(border)
    value = as_float("value", value)
    methods = _plan.METHODS if d == 2 else _plan_nd.METHODS_ND
    if method not in methods:
        raise UnknownNameError("method", method, methods)
    k = _kernel_array(kernel, d)
    if isinstance(x, np.ndarray):
        return _filter_numpy(x, k, d, border, anchor, value, out_dtype, method)
    if not isinstance(x, torch.Tensor):
        raise DTypeError(f"`{_INPUT_NAME[d]}` must be a numpy.ndarray or a torch.Tensor; got {type(x).__name__}")
    return _filter_torch(x, k, d, border, anchor, value, out_dtype, method)


def _fast_candidate(image: Any) -> bool:
    """A numpy image, or a CPU tensor outside autograd and tracing: the calls the fast path may take."""
    if type(image) is np.ndarray:
        return True
    return (
        isinstance(image, torch.Tensor)
        and image.device.type == "cpu"
        and not (image.requires_grad and torch.is_grad_enabled())
        and not _device.torch_only("cpu")
    )


def _decide(
    image: np.ndarray | torch.Tensor, kernel: Any, border: Any, anchor: Any, value: Any, out_dtype: Any, method: str
) -> _opencv.CvPlan | str | None:
    """Validate a call and decide its engine: an OpenCV plan, the torch method ``auto`` chose, or None
    for the full path (which then decides itself).

    The checks are the full path's (the same functions, the same errors). ``method="opencv"``
    always gets a plan (or the error saying why it cannot); ``auto`` asks the planner, with
    the OpenCV engine among the candidates, for the padded shape the torch path would use
    (every plane a batch item). A kernel that needs its gradient takes the full path.
    """
    call = (image, kernel, border, anchor, value, out_dtype)  # as given: what a measured run passes on
    border = _borders.normalize_border(border)
    value = as_float("value", value)
    if method not in _plan.METHODS:
        raise UnknownNameError("method", method, _plan.METHODS)
    k = _kernel_array(kernel)
    out: np.dtype | torch.dtype
    if isinstance(image, np.ndarray):
        out = _numpy_out_dtype(image, out_dtype)
        src_t, out_t = (torch.from_numpy(np.empty(0, dtype=d)).dtype for d in (image.dtype, out))
        planes = 1 if image.ndim == 2 else image.shape[2]
        h, w = image.shape[:2]
    else:
        src_t = image.dtype
        out = out_t = _torch_out_dtype(image, out_dtype)
        h, w = image.shape[-2:]
        planes = image.numel() // (h * w)
    if isinstance(k, torch.Tensor):
        if isinstance(image, torch.Tensor) and k.device != image.device:
            raise DTypeError(f"`kernel` is on {k.device} but `image` is on {image.device}; move one of them")
        if k.requires_grad and torch.is_grad_enabled():
            return None  # the full path keeps the kernel's graph (or refuses a numpy image)
        k = k.detach().cpu().double().numpy()
    value = _core.border_value(value, border, src_t)
    if method == "opencv":
        return _opencv.make_plan(k, src_t, out, border=border, anchor=anchor, value=value)
    if not _opencv.supports(src_t, out_t) or planes == 0:
        return None
    kt = torch.from_numpy(np.array(k, dtype=np.float64)).to(_core.compute_dtype(src_t, out_t))
    kt = kt.reshape(1, -1, *kt.shape[-2:])
    top, bottom, left, right = _borders.padding_for((kt.shape[-2], kt.shape[-1]), anchor)
    shape = (planes, 1, h + top + bottom, w + left + right)
    exact = not out_t.is_floating_point and kt.shape[-1] * kt.shape[-2] < OPENCV_DFT_TAPS
    choice, _, p = _plan.choose(shape, kt, exact=exact, opencv=(src_t, out_t))

    @functools.cache
    def engine(m: str) -> _opencv.CvPlan | str:
        if m not in ("opencv", _plan.OPENCV_SEPARABLE):
            return m  # a torch method: the full path runs it forced, without estimating again
        sep = m == _plan.OPENCV_SEPARABLE
        return _opencv.make_plan(k, src_t, out, border=border, anchor=anchor, value=value, separable=sep)

    sig = (type(image), src_t, out_t, shape, tuple(kt.shape), border, value)
    return engine(_measure.pick(choice, p.estimates, sig, lambda m: _run_engine(engine(m), call)))


def _run_engine(e: _opencv.CvPlan | str, call: tuple[Any, ...]) -> object:
    """One run of a call on a decided engine (an OpenCV plan or a torch method): what measuring times."""
    image, kernel, border, anchor, value, out_dtype = call
    if isinstance(e, _opencv.CvPlan):
        return _opencv.run_fast(e, image) if isinstance(image, np.ndarray) else _opencv.run_tensor(e, image)
    return _filter(image, kernel, 2, border, anchor, value, out_dtype, e)


def _numpy_out_dtype(image: np.ndarray, out_dtype: Any, d: int = 2) -> np.dtype:
    """Check a numpy input's dtype and shape; the output dtype (``None``: the input's, like ``ddepth=-1``)."""
    name = _INPUT_NAME[d]
    if image.dtype not in _NUMPY_DTYPES:
        raise DTypeError(
            f"`{name}` dtype must be one of uint8, uint16, int16, float32, float64 (OpenCV's); got {image.dtype}"
        )
    if image.ndim not in (d, d + 1):
        raise ShapeError(f"`{name}` as numpy must be {_NUMPY_SHAPES[d]}; got shape {image.shape}")
    _check_extent(name, image.shape, 0, d)
    if out_dtype is None:
        return image.dtype
    try:
        out_np = np.dtype(out_dtype)
    except TypeError as exc:
        raise DTypeError(f"`out_dtype` must be a numpy dtype for numpy input; got {out_dtype!r}") from exc
    if out_np not in _NUMPY_DTYPES:
        raise DTypeError(f"`out_dtype` must be one of uint8, uint16, int16, float32, float64; got {out_np}")
    return out_np


def _filter_numpy(
    image: np.ndarray,
    k: np.ndarray | torch.Tensor,
    d: int,
    border: str,
    anchor: Any,
    value: float,
    out_dtype: Any,
    method: str,
) -> np.ndarray:
    """numpy spatial axes first, channels last: ``(*S)`` / ``(*S, C)`` -> ``(*S)`` / ``(*S, C * N)``."""
    out_np = _numpy_out_dtype(image, out_dtype, d)
    if isinstance(k, torch.Tensor) and k.requires_grad and torch.is_grad_enabled():
        raise DTypeError(
            f"`kernel` requires grad, but `{_INPUT_NAME[d]}` is a numpy array, whose result cannot carry a gradient: "
            f"pass a torch {_INPUT_NAME[d]}, or kernel.detach()"
        )
    src = torch.from_numpy(np.ascontiguousarray(image))
    x = src.unsqueeze(0) if image.ndim == d else src.movedim(-1, 0)
    out_t = torch.from_numpy(np.empty(0, dtype=out_np)).dtype
    y = _filter_tensor(x.unsqueeze(0), k, border, anchor, value, out_t, method)[0]
    if image.ndim == d and k.ndim == d:
        return y[0].numpy()
    return y.movedim(0, -1).contiguous().numpy()


def _check_extent(name: str, shape: tuple[int, ...] | torch.Size, first: int, d: int) -> None:
    """Refuse an input with an empty spatial axis (2-D: OpenCV's rule, :func:`filterbank._core.check_pixels`)."""
    if d == 2:
        _core.check_pixels(name, shape, first, first + 1)
    elif any(shape[first + i] == 0 for i in range(d)):
        raise ShapeError(f"`{name}` must have every spatial axis >= 1; got shape {tuple(shape)}")


def _torch_out_dtype(image: torch.Tensor, out_dtype: Any, d: int = 2) -> torch.dtype:
    """Check a tensor input's dtype and shape; the output dtype (``None``: the input's)."""
    name = _INPUT_NAME[d]
    if image.dtype not in _TORCH_FLOAT + _TORCH_INT:
        raise DTypeError(f"`{name}` dtype must be floating, uint8 or int16; got {image.dtype}")
    if image.dim() < d:
        raise ShapeError(f"`{name}` as a tensor must be {_TORCH_SHAPES[d]}; got shape {tuple(image.shape)}")
    _check_extent(name, image.shape, image.dim() - d, d)
    if out_dtype is None:
        return image.dtype
    if isinstance(out_dtype, torch.dtype) and out_dtype in _TORCH_FLOAT + _TORCH_INT:
        return out_dtype
    raise DTypeError(f"`out_dtype` must be a floating, uint8 or int16 torch dtype for tensor input; got {out_dtype!r}")


def _filter_torch(
    image: torch.Tensor,
    k: np.ndarray | torch.Tensor,
    d: int,
    border: str,
    anchor: Any,
    value: float,
    out_dtype: Any,
    method: str,
) -> torch.Tensor:
    """torch ``(..., *S)`` -> ``(..., *S)`` for one kernel, ``(..., C * N, *S)`` for a bank."""
    out_t = _torch_out_dtype(image, out_dtype, d)
    if isinstance(k, torch.Tensor) and k.device != image.device:
        raise DTypeError(f"`kernel` is on {k.device} but `{_INPUT_NAME[d]}` is on {image.device}; move one of them")
    sp = tuple(image.shape[image.dim() - d :])
    lead = tuple(image.shape[: image.dim() - d])
    if k.ndim == d:
        y = _filter_tensor(image.reshape(1, math.prod(lead), *sp), k, border, anchor, value, out_t, method)
        return y.reshape(*lead, *sp)
    n = k.shape[0]
    if image.dim() == d:
        return _filter_tensor(image.reshape(1, 1, *sp), k, border, anchor, value, out_t, method).reshape(n, *sp)
    c = image.shape[-d - 1]
    y = _filter_tensor(image.reshape(math.prod(lead[:-1]), c, *sp), k, border, anchor, value, out_t, method)
    return y.reshape(*lead[:-1], c * n, *sp)


def _filter_tensor(
    x: torch.Tensor,
    k: np.ndarray | torch.Tensor,
    border: str,
    anchor: Any,
    value: float,
    out_dtype: torch.dtype,
    method: str = "auto",
) -> torch.Tensor:
    """(B, C, *S) -> (B, C*N, *S): OpenCV's arithmetic dtype, then the one core path (pad, plan, cast)."""
    d = x.dim() - 2
    value = _core.border_value(value, border, x.dtype)
    compute = _core.compute_dtype(x.dtype, out_dtype)
    t = torch.from_numpy(np.array(k, dtype=np.float64)) if isinstance(k, np.ndarray) else k
    kt = _core.cast_kernels("kernel", t, compute).to(device=x.device)
    kt = kt.unsqueeze(0) if kt.dim() == d else kt
    ks = tuple(int(v) for v in kt.shape[1:])
    padding: Any = _borders.padding_for((ks[0], ks[1]), anchor) if d == 2 else _borders.padding_nd(ks, anchor)
    return _core.filter_tensor(
        x if d == 2 else x.to(compute),  # 2-D: the core casts (the OpenCV engine reads the input's own dtype)
        kt.unsqueeze(0),
        padding=padding,
        border=border,
        value=value,
        method=method,
        out_dtype=out_dtype,
    )


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
        ``"auto"`` (the planner of :mod:`filterbank.plan.nd`), ``"direct"``,
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
    rules of :mod:`filterbank.plan.nd`; SciPy computes in float64).

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
