"""The one internal path of a filter: kernel layout -> OpenCV border -> plan and run -> cast.

Both :func:`filterbank.filter2d` and :meth:`filterbank.FilterConv2d.forward`
(and their 1-D and 3-D twins :func:`filterbank.filter1d` / :func:`filterbank.filter3d`,
:class:`filterbank.FilterConv1d` / :class:`filterbank.FilterConv3d`)
call :func:`filter_tensor`, so the function and the layer agree by construction:
they pad with the same code, execute through the same planner entry point
(:func:`filterbank.plan.correlate`) and cast the same way. What differs between
them is only adaptation around it: ``filter2d`` turns numpy or torch input of
any shape into ``(B, C, H, W)``, picks OpenCV's arithmetic dtype
(:func:`compute_dtype`) and passes one bank for every channel (``G == 1``);
the layer passes its depthwise weight as one bank per channel (``G == C``).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from typing import cast

import torch

from . import _alloc
from . import borders as _borders
from . import plan as _plan
from ._errors import ParameterError, ShapeError
from ._types import OPENCV_DFT_TAPS
from .plan import measure as _measure
from .plan import nd as _plan_nd

__all__ = ["border_value", "cast_kernels", "cast_output", "check_pixels", "compute_dtype", "filter_tensor", "route"]

_HALF = (torch.float16, torch.bfloat16)


def compute_dtype(in_dtype: torch.dtype, out_dtype: torch.dtype) -> torch.dtype:
    """OpenCV's arithmetic dtype: float64 if the input or the output is float64, float32 for integer input.

    Otherwise (a floating input, float16 / bfloat16 / float32) the input's own dtype.

    Examples
    --------
    >>> compute_dtype(torch.uint8, torch.uint8)
    torch.float32
    >>> compute_dtype(torch.float32, torch.float64)
    torch.float64
    """
    if torch.float64 in (in_dtype, out_dtype):
        return torch.float64
    if not in_dtype.is_floating_point:
        return torch.float32
    return in_dtype


def cast_output(y: torch.Tensor, out_dtype: torch.dtype | None, *, owned: bool = False) -> torch.Tensor:
    """Cast a floating result like OpenCV's ``ddepth``: integers are rounded half to even, then saturated.

    ``None`` keeps ``y`` as it is. ``owned``: ``y`` is a fresh result nobody else holds, so an
    integer cast may round it in place, and (on the CPU) the integer output comes from
    :mod:`filterbank._alloc`'s recycled buffers: a fresh 67 MB float tensor for ``torch.round``
    cost 53 ms of page faults on the 2-core VM against 5.5 ms for rounding in place.

    Examples
    --------
    >>> cast_output(torch.tensor([-3.0, 2.5, 3.5, 300.0]), torch.uint8)
    tensor([  0,   2,   4, 255], dtype=torch.uint8)
    """
    if out_dtype is None:
        return y
    if out_dtype.is_floating_point:
        return y.to(out_dtype)
    info = torch.iinfo(out_dtype)
    if not owned or y.requires_grad or y.device.type != "cpu":
        return torch.round(y).clamp_(info.min, info.max).to(out_dtype)
    y.round_().clamp_(info.min, info.max)
    out = _alloc.empty(*y.shape, dtype=out_dtype)
    return out.copy_(y)  # whole numbers within the range: the cast is exact


def check_pixels(name: str, shape: tuple[int, ...] | torch.Size, rows: int = -2, cols: int = -1) -> None:
    """Refuse an image without pixels (a zero height or width), as OpenCV refuses an empty ``src``.

    A batch of zero images (or zero channels) is not refused: it has no pixel to filter,
    and :func:`filter_tensor` returns an empty result of the right shape.

    Examples
    --------
    >>> check_pixels("image", (0, 3, 8, 8))
    >>> check_pixels("image", (3, 0, 8))
    Traceback (most recent call last):
    ...
    filterbank._errors.ShapeError: `image` must have a height and a width >= 1; got shape (3, 0, 8)
    """
    if shape[rows] == 0 or shape[cols] == 0:
        raise ShapeError(f"`{name}` must have a height and a width >= 1; got shape {tuple(shape)}")


def border_value(value: float, border: str, dtype: torch.dtype | None = None) -> float:
    """Check ``value`` against the border and the image dtype; return it.

    ``value`` is the constant of ``border="constant"`` and means nothing with another
    border, so a non-zero value there is refused rather than ignored. On an integer
    image it must be a value of the image's dtype (an integer in its range): OpenCV's
    ``copyMakeBorder`` would saturate-cast 2.5 to 2 and 300 to 255 on uint8, filterbank
    refuses instead of converting. A valid value gives exactly ``copyMakeBorder`` then
    ``filter2D``.

    Examples
    --------
    >>> border_value(7.0, "constant", torch.uint8)
    7.0
    >>> border_value(300.0, "constant", torch.uint8)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    filterbank._errors.ParameterError: `value` must be an integer in [0, 255] on a uint8 image ...; got 300.0
    """
    if border != "constant" and value != 0.0:
        raise ParameterError(
            f"`value` is the constant of border='constant' and means nothing with border={border!r}; got {value!r}"
        )
    if dtype is not None and not dtype.is_floating_point:
        info = torch.iinfo(dtype)
        if value != math.floor(value) or not info.min <= value <= info.max:
            name = str(dtype).replace("torch.", "")
            raise ParameterError(
                f"`value` must be an integer in [{info.min}, {info.max}] on a {name} image (OpenCV would "
                f"saturate-cast it); got {value!r}"
            )
    return value


def cast_kernels(name: str, kernels: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    """``kernels.to(dtype)``, refused where a cast to float16 / bfloat16 would change the kernel.

    No finite tap may overflow to inf, and the cast may not move the kernel by more than
    the dtype's rounding error: ``sum|cast - k| <= eps * sum|k|`` (``eps`` = 2**-10 for
    float16, 2**-7 for bfloat16). Rounding each tap moves it by at most ``eps / 2`` of
    itself, so only taps lost to underflow can break the rule: a kernel whose mass
    underflows is refused, a wide Gaussian whose far tails underflow is kept. Casts to
    other dtypes, and tensors already in half precision, are not checked.

    Examples
    --------
    >>> cast_kernels("kernel", torch.full((3, 3), 1e5, dtype=torch.float64), torch.float16)
    Traceback (most recent call last):
    ...
    filterbank._errors.ParameterError: `kernel` overflows float16 (largest finite value 65504): tap 100000.0 becomes inf
    """
    if dtype not in _HALF or kernels.dtype in _HALF or kernels.device.type == "meta":
        return kernels.to(dtype)
    out = kernels.to(dtype)
    src = kernels.detach().to(device="cpu", dtype=torch.float64)  # on the host: MPS has no float64
    back = out.detach().to(device="cpu", dtype=torch.float64)
    label = str(dtype).replace("torch.", "")
    if not bool(torch.isfinite(back).all()):
        tap = float(src[~torch.isfinite(back)][0])
        raise ParameterError(
            f"`{name}` overflows {label} (largest finite value {torch.finfo(dtype).max:g}): tap {tap!r} becomes inf"
        )
    eps = torch.finfo(dtype).eps
    lost = float((back - src).abs().sum())
    scale = float(src.abs().sum())
    if lost > eps * scale:
        raise ParameterError(
            f"`{name}` loses {lost / scale:.3g} of sum|k| when cast to {label} (at most eps = {eps:g}): its taps "
            "underflow; scale the kernel, or filter in float32"
        )
    return out


def filter_tensor(
    x: torch.Tensor,
    kernels: torch.Tensor,
    *,
    padding: tuple[int, int, int, int] | Sequence[tuple[int, int]],
    border: str,
    value: float = 0.0,
    method: str = "auto",
    bias: torch.Tensor | None = None,
    out_dtype: torch.dtype | None = None,
) -> torch.Tensor:
    """Filter ``(B, C, H, W)`` with a bank, OpenCV border and anchor: pad, plan and run, cast.

    Signals ``(B, C, L)`` and volumes ``(B, C, D, H, W)`` take the same path with
    the N-D padding (:func:`filterbank.borders.pad_nd`) and the N-D planner
    (:func:`filterbank.plan.nd.correlate_nd`).

    Parameters
    ----------
    x : torch.Tensor
        ``(B, C, H, W)`` (or ``(B, C, L)``, ``(B, C, D, H, W)``). With ``out_dtype`` given
        (``filter2d``) a 2-D input comes in its own dtype: the OpenCV engine reads it as it is
        (uint8 stays uint8, as in ``cv2.filter2D``) and the torch methods cast it to the
        computing dtype, that of ``kernels``. Otherwise (the layer, 1-D and 3-D), already in
        the kernels' dtype.
    kernels : torch.Tensor
        ``(G, N, kh, kw)`` (as many spatial axes as ``x``) with ``G == 1`` (every
        channel by the same ``N`` kernels) or ``G == C`` (channel ``c`` by its own
        ``kernels[c]``).
    padding : (int, int, int, int) or sequence of (int, int)
        2-D: ``(top, bottom, left, right)`` from :func:`filterbank.borders.padding_for`
        (OpenCV's anchor, or the caller's); 1-D and 3-D: ``(before, after)`` per
        axis from :func:`filterbank.borders.padding_nd`.
    border : str
        A normalised border name (:func:`filterbank.borders.normalize_border`).
    value : float
        Border value for ``"constant"``.
    method : str
        One of :data:`filterbank.plan.METHODS`; ``"auto"`` weighs the OpenCV engine
        (CPU inputs, see :func:`route`) against the torch methods.
    bias : torch.Tensor, optional
        ``(C * N,)``, added before the cast.
    out_dtype : torch.dtype, optional
        Output dtype (:func:`cast_output`); ``None`` keeps the computing dtype.
        An integer output below ``OPENCV_DFT_TAPS`` taps is computed by the
        direct sum only (OpenCV's order for uint8; see :func:`filterbank.filter2d`
        for the one-level bound of uint16 / int16).

    Returns
    -------
    torch.Tensor
        ``(B, C * N, H', W')`` with ``H' = H + top + bottom - kh + 1`` (``H`` with
        the padding of :func:`~filterbank.borders.padding_for`); channel
        ``c * N + n`` is channel ``c`` filtered by kernel ``n`` of its group.

    Examples
    --------
    >>> x = torch.arange(25.0).reshape(1, 1, 5, 5)
    >>> k = torch.tensor([[[[-1.0, 0.0, 1.0]]]])
    >>> filter_tensor(x, k, padding=(0, 0, 1, 1), border="reflect101")[0, 0, 0]
    tensor([0., 2., 2., 2., 0.])
    """
    if x.dim() in (3, 5) and kernels.dim() == x.dim():
        pairs = cast(Sequence[tuple[int, int]], padding)
        return _filter_nd(x, kernels, pairs, border, value, method, bias, out_dtype)
    if x.dim() != 4 or kernels.dim() != 4 or kernels.shape[0] not in (1, x.shape[1]):
        raise ShapeError(
            "`kernels` must be (G, N, kh, kw) with G == 1 or G == C of `x` (B, C, H, W); "
            f"got kernels {tuple(kernels.shape)}, x {tuple(x.shape)}"
        )
    kh, kw = kernels.shape[-2:]
    pad4 = cast(tuple[int, int, int, int], padding)
    if x.shape[0] == 0 or x.shape[1] == 0:  # no images: the same empty result for every border and method
        top, bottom, left, right = pad4
        shape = (
            x.shape[0],
            x.shape[1] * kernels.shape[1],
            x.shape[2] + top + bottom - kh + 1,
            x.shape[3] + left + right - kw + 1,
        )
        return torch.empty(shape, dtype=out_dtype or x.dtype, device=x.device)
    # Integer outputs below OpenCV's DFT threshold round like OpenCV only through the direct sum
    # (or through OpenCV itself).
    exact = out_dtype is not None and not out_dtype.is_floating_point and kh * kw < OPENCV_DFT_TAPS
    method, plan = _routed(x, kernels, pad4, method, exact, out_dtype)
    if plan is not None:
        method = _measured(method, plan, x, kernels, pad4, border, value, bias, out_dtype)
    if method in ("opencv", _plan.OPENCV_SEPARABLE):
        # with a bias, an integer output is rounded once, after the bias (as on the torch path)
        integer_out = out_dtype is not None and not out_dtype.is_floating_point
        cv_out = kernels.dtype if bias is not None and integer_out else out_dtype
        anchor = (pad4[0], pad4[2])
        sep = method == _plan.OPENCV_SEPARABLE
        y = _plan.opencv.correlate(
            x, kernels, border=border, anchor=anchor, value=value, out_dtype=cv_out, separable=sep
        )
        return y if bias is None else cast_output(y + bias.reshape(1, -1, 1, 1).to(y.dtype), out_dtype, owned=True)
    xp = _borders.pad(x if out_dtype is None else x.to(kernels.dtype), pad4, border, value)
    y = _plan.correlate(xp, kernels, method=method, exact=exact, bias=bias)
    return cast_output(y, out_dtype, owned=True)  # correlate's result is always a fresh tensor


def _filter_nd(
    x: torch.Tensor,
    kernels: torch.Tensor,
    padding: Sequence[tuple[int, int]],
    border: str,
    value: float,
    method: str,
    bias: torch.Tensor | None,
    out_dtype: torch.dtype | None,
) -> torch.Tensor:
    """:func:`filter_tensor` for signals ``(B, C, L)`` and volumes ``(B, C, D, H, W)``."""
    if x.shape[0] == 0 or x.shape[1] == 0:  # no signals or volumes: the same empty result for every method
        sizes = [n + b + a - k + 1 for n, (b, a), k in zip(x.shape[2:], padding, kernels.shape[2:], strict=True)]
        shape = (x.shape[0], x.shape[1] * kernels.shape[1], *sizes)
        return torch.empty(shape, dtype=out_dtype or x.dtype, device=x.device)
    xp = _borders.pad_nd(x, padding, border, value)
    taps = math.prod(kernels.shape[2:])
    exact = out_dtype is not None and not out_dtype.is_floating_point and taps < OPENCV_DFT_TAPS
    y = _plan_nd.correlate_nd(xp, kernels, method=method, exact=exact, bias=bias)
    return cast_output(y, out_dtype)


def route(
    x: torch.Tensor,
    kernels: torch.Tensor,
    padding: tuple[int, int, int, int],
    method: str,
    exact: bool,
    out_dtype: torch.dtype | None,
) -> str:
    """The method a core call runs: ``"opencv"``, :data:`~filterbank.plan.OPENCV_SEPARABLE`, a torch
    method, or ``"auto"`` for the torch planner.

    ``auto`` weighs the OpenCV engine against the torch methods when it can run the
    call (:func:`filterbank.plan.opencv.eligible`); a forced ``"opencv"`` that cannot
    run raises.

    Examples
    --------
    >>> x = torch.zeros(1, 1, 8, 8, dtype=torch.uint8)
    >>> route(x, torch.ones(1, 1, 3, 3), (1, 1, 1, 1), "opencv", True, torch.uint8)
    'opencv'
    >>> route(x.cuda() if torch.cuda.is_available() else x.half(), torch.ones(1, 1, 3, 3), (1, 1, 1, 1), "auto",
    ...       False, None)
    'auto'
    """
    return _routed(x, kernels, padding, method, exact, out_dtype)[0]


def _routed(
    x: torch.Tensor,
    kernels: torch.Tensor,
    padding: tuple[int, int, int, int],
    method: str,
    exact: bool,
    out_dtype: torch.dtype | None,
) -> tuple[str, _plan.Plan | None]:
    """:func:`route`'s method, with the planner's :class:`~filterbank.plan.Plan` when ``auto`` weighed the
    OpenCV engine against the torch methods (None otherwise)."""
    if method not in ("auto", "opencv"):
        return method, None
    pair = _plan.opencv.eligible(x, kernels, padding, out_dtype)  # None under tracing / autocast too
    if method == "opencv":
        if pair is None:
            raise ParameterError(
                "`method` 'opencv' runs cv2.filter2D: it needs a CPU input of uint8, uint16, int16, float32 or "
                "float64 whose output dtype cv2.filter2D computes (float in and out under autograd), outside "
                f"torch.compile / export tracing; got {x.dtype} on {x.device} -> {out_dtype or kernels.dtype}"
            )
        return method, None
    if pair is None:
        return "auto", None
    choice, _, p = _plan.choose(_planned_shape(x, kernels, padding), kernels, exact=exact, opencv=pair)
    return choice, p


def _measured(
    choice: str,
    plan: _plan.Plan,
    x: torch.Tensor,
    kernels: torch.Tensor,
    padding: tuple[int, int, int, int],
    border: str,
    value: float,
    bias: torch.Tensor | None,
    out_dtype: torch.dtype | None,
) -> str:
    """``auto``'s ``choice``, or under the measuring planner the fastest of its shortlist timed on this very
    call (:func:`filterbank.plan.measure.pick`); calls that record autograd are not measured."""
    if _measure.planner() != "measure" or (torch.is_grad_enabled() and (x.requires_grad or kernels.requires_grad)):
        return choice
    sig = ("core", tuple(x.shape), x.dtype, tuple(kernels.shape), kernels.dtype, padding, border, value)
    run = functools.partial(
        filter_tensor, x, kernels, padding=padding, border=border, value=value, bias=bias, out_dtype=out_dtype
    )
    return _measure.pick(choice, plan.estimates, (*sig, out_dtype, bias is None), lambda m: run(method=m))


def _planned_shape(
    x: torch.Tensor, kernels: torch.Tensor, padding: tuple[int, int, int, int]
) -> tuple[int, int, int, int]:
    """The padded ``(M, G, Hp, Wp)`` the planner weighs: every channel a batch item for a shared bank."""
    b, c, h, w = x.shape
    hp, wp = h + padding[0] + padding[1], w + padding[2] + padding[3]
    return (b * c, 1, hp, wp) if kernels.shape[0] == 1 else (b, c, hp, wp)
