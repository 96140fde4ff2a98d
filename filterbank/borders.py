"""Border names, their maps to OpenCV / SciPy / numpy / torch, and exact padding.

filterbank has one border vocabulary, the same in every function:

=============  ==========================  ===========  ==============  ===========
filterbank     OpenCV                      numpy pad    scipy.ndimage   torch F.pad
=============  ==========================  ===========  ==============  ===========
reflect101     BORDER_REFLECT_101 (deflt)  reflect      mirror          reflect
symmetric      BORDER_REFLECT              symmetric    reflect         (none)
replicate      BORDER_REPLICATE            edge         nearest         replicate
constant       BORDER_CONSTANT (value)     constant     constant        constant
wrap           BORDER_WRAP                 wrap         wrap            circular
=============  ==========================  ===========  ==============  ===========

The bare word ``"reflect"`` means ``reflect101`` in torch and numpy but
``symmetric`` in OpenCV and SciPy, so it is refused with a message naming both.

:func:`pad` is exact for every mode and any pad size, including pads larger
than the input (a kernel larger than the image), where torch's own
``reflect`` fails and OpenCV keeps reflecting.
"""

from __future__ import annotations

import numbers
from typing import Literal, cast

import torch
import torch.nn.functional as F

from ._errors import BorderError, DTypeError, ParameterError, ShapeError, UnknownNameError

__all__ = [
    "BORDERS",
    "BorderName",
    "border_indices",
    "normalize_border",
    "pad",
    "padding_for",
    "to_cv2",
    "to_numpy",
    "to_scipy",
]

BorderName = Literal["reflect101", "symmetric", "replicate", "constant", "wrap"]

#: The canonical border names, default first.
BORDERS: tuple[str, ...] = ("reflect101", "symmetric", "replicate", "constant", "wrap")

# OpenCV's integer constants (cv2.BORDER_*), kept here so this module does not import cv2.
_CV2 = {"constant": 0, "replicate": 1, "symmetric": 2, "wrap": 3, "reflect101": 4}
_CV2_ISOLATED = 16
_NUMPY = {
    "reflect101": "reflect",
    "symmetric": "symmetric",
    "replicate": "edge",
    "constant": "constant",
    "wrap": "wrap",
}
_SCIPY = {
    "reflect101": "mirror",
    "symmetric": "reflect",
    "replicate": "nearest",
    "constant": "constant",
    "wrap": "wrap",
}
_ALIASES = {
    "reflect101": "reflect101",
    "reflect_101": "reflect101",
    "reflect-101": "reflect101",
    "border_reflect_101": "reflect101",
    "border_reflect101": "reflect101",
    "border_default": "reflect101",
    "default": "reflect101",
    "mirror": "reflect101",
    "symmetric": "symmetric",
    "border_reflect": "symmetric",
    "replicate": "replicate",
    "edge": "replicate",
    "nearest": "replicate",
    "border_replicate": "replicate",
    "constant": "constant",
    "zeros": "constant",
    "border_constant": "constant",
    "wrap": "wrap",
    "circular": "wrap",
    "border_wrap": "wrap",
}


def normalize_border(border: str | int) -> str:
    """Return the canonical filterbank name of a border.

    Parameters
    ----------
    border : str or int
        A filterbank name (``"reflect101"``, ``"symmetric"``, ``"replicate"``,
        ``"constant"``, ``"wrap"``), an unambiguous alias from another library
        (``"mirror"``, ``"edge"``, ``"nearest"``, ``"circular"``, ``"zeros"``,
        ``"BORDER_REFLECT_101"``...), or one of OpenCV's integer constants
        ``cv2.BORDER_*``. ``cv2.BORDER_ISOLATED`` may be OR-ed onto a constant:
        it only matters for ROIs, which torch tensors are not, and is dropped.

    Returns
    -------
    str
        One of :data:`BORDERS`.

    Raises
    ------
    BorderError
        For the ambiguous ``"reflect"`` (numpy and torch mean ``reflect101``,
        OpenCV and SciPy mean ``symmetric``) and for unknown names.
    DTypeError
        For anything that is neither a string nor an integer.

    Examples
    --------
    >>> normalize_border("mirror")
    'reflect101'
    >>> import cv2
    >>> normalize_border(cv2.BORDER_REFLECT)
    'symmetric'
    """
    if isinstance(border, str):
        key = border.strip().lower()
        if key == "reflect":
            raise BorderError(
                "`border` 'reflect' is ambiguous: numpy and torch mean 'reflect101' "
                "(4 3 2 | 1 2 3 4 5, OpenCV BORDER_REFLECT_101), OpenCV and SciPy mean 'symmetric' "
                "(3 2 1 | 1 2 3 4 5, OpenCV BORDER_REFLECT); pass one of those two names; got 'reflect'"
            )
        if key not in _ALIASES:
            raise BorderError(str(UnknownNameError("border", border, BORDERS, suggest_from=_ALIASES)))
        return _ALIASES[key]
    if isinstance(border, numbers.Integral) and not isinstance(border, bool):
        code = int(border) & ~_CV2_ISOLATED
        for name, value in _CV2.items():
            if value == code:
                return name
        raise BorderError(
            f"`border` as an OpenCV constant must be one of BORDER_CONSTANT=0, BORDER_REPLICATE=1, "
            f"BORDER_REFLECT=2, BORDER_WRAP=3, BORDER_REFLECT_101=4 (optionally | BORDER_ISOLATED=16); "
            f"got {int(border)}"
        )
    raise DTypeError(f"`border` must be a str or an OpenCV integer constant; got {border!r}")


def to_cv2(border: str | int) -> int:
    """OpenCV's ``cv2.BORDER_*`` integer for a border.

    Examples
    --------
    >>> to_cv2("symmetric")
    2
    """
    return _CV2[normalize_border(border)]


def to_numpy(border: str | int) -> str:
    """The ``np.pad`` mode name for a border.

    Examples
    --------
    >>> to_numpy("reflect101")
    'reflect'
    """
    return _NUMPY[normalize_border(border)]


def to_scipy(border: str | int) -> str:
    """The ``scipy.ndimage`` ``mode`` name for a border.

    Examples
    --------
    >>> to_scipy("symmetric")
    'reflect'
    """
    return _SCIPY[normalize_border(border)]


def padding_for(ksize: tuple[int, int], anchor: tuple[int, int] | None = None) -> tuple[int, int, int, int]:
    """The (top, bottom, left, right) padding that makes a correlation keep the input size.

    Parameters
    ----------
    ksize : (int, int)
        Kernel (height, width).
    anchor : (int, int) or None
        Kernel tap placed on the output pixel, as (row, col). ``None`` is
        OpenCV's default, ``(kh // 2, kw // 2)``. OpenCV writes anchors as
        ``(x, y)``, i.e. (col, row): the reverse order.

    Returns
    -------
    tuple of int
        ``(ar, kh - 1 - ar, ac, kw - 1 - ac)``. For even kernels this is
        OpenCV's placement; torch ``padding='same'`` and kornia put the extra
        row/column on the other side.

    Examples
    --------
    >>> padding_for((4, 3))
    (2, 1, 1, 1)
    """
    kh, kw = ksize
    if anchor is None:
        ar, ac = kh // 2, kw // 2
    else:
        if not isinstance(anchor, (tuple, list)) or len(anchor) != 2:
            raise ShapeError(f"`anchor` must be a (row, col) pair or None; got {anchor!r}")
        ar, ac = anchor
        for name, v, k in (("row", ar, kh), ("col", ac, kw)):
            if isinstance(v, bool) or not isinstance(v, numbers.Integral):
                raise DTypeError(f"`anchor` {name} must be an integer; got {v!r}")
            if not 0 <= v < k:
                raise ParameterError(
                    f"`anchor` must lie inside the kernel: {name} in [0, {k - 1}] for kernel "
                    f"(height, width) = ({kh}, {kw}); got anchor (row, col) = {tuple(anchor)!r}"
                )
        ar, ac = int(ar), int(ac)
    return (ar, kh - 1 - ar, ac, kw - 1 - ac)


def border_indices(n: int, before: int, after: int, border: str) -> torch.Tensor | None:
    """Source indices along one axis for a padded axis of length ``before + n + after``.

    Returns ``None`` for ``constant`` (no index map: the pad takes a value).
    Works for any pad size: reflections repeat periodically like OpenCV's
    ``borderInterpolate``.

    Examples
    --------
    >>> border_indices(5, 3, 3, "reflect101").tolist()
    [3, 2, 1, 0, 1, 2, 3, 4, 3, 2, 1]
    """
    border = normalize_border(border)
    if border == "constant":
        return None
    i = torch.arange(-before, n + after)
    if border == "replicate":
        return i.clamp(0, n - 1)
    if border == "wrap":
        return i.remainder(n)
    if border == "symmetric":
        j = i.remainder(2 * n)
        return torch.where(j >= n, 2 * n - 1 - j, j)
    # reflect101
    if n == 1:
        return torch.zeros_like(i)
    period = 2 * n - 2
    j = i.remainder(period)
    return torch.where(j >= n, period - j, j)


def pad(
    x: torch.Tensor,
    padding: tuple[int, int, int, int],
    border: str | int = "reflect101",
    value: float = 0.0,
) -> torch.Tensor:
    """Pad the last two axes of a tensor exactly as OpenCV extends an image.

    Parameters
    ----------
    x : torch.Tensor
        ``(..., H, W)``, any number of leading axes.
    padding : (int, int, int, int)
        ``(top, bottom, left, right)``, each >= 0, any size (may exceed H or W).
    border : str or int
        A border name (see :func:`normalize_border`).
    value : float
        Fill value for ``constant``.

    Returns
    -------
    torch.Tensor
        ``(..., H + top + bottom, W + left + right)``, same dtype and device,
        differentiable with respect to ``x``.

    Notes
    -----
    Unlike ``torch.nn.functional.pad``, ``symmetric`` exists and
    ``reflect101`` works when the pad reaches or exceeds the input size.

    Examples
    --------
    >>> import torch
    >>> pad(torch.arange(1.0, 6.0).view(1, 5), (0, 0, 3, 3), "symmetric").tolist()
    [[3.0, 2.0, 1.0, 1.0, 2.0, 3.0, 4.0, 5.0, 5.0, 4.0, 3.0]]
    """
    border = normalize_border(border)
    if not isinstance(x, torch.Tensor):
        raise DTypeError(f"`x` must be a torch.Tensor; got {type(x).__name__}")
    if x.dim() < 2:
        raise ShapeError(f"`x` must have at least 2 dimensions (..., H, W); got shape {tuple(x.shape)}")
    if len(padding) != 4 or any(isinstance(p, bool) or not isinstance(p, numbers.Integral) or p < 0 for p in padding):
        raise ParameterError(f"`padding` must be 4 integers >= 0 (top, bottom, left, right); got {padding!r}")
    top, bottom, left, right = (int(p) for p in padding)
    if top == bottom == left == right == 0:
        return x
    h, w = x.shape[-2:]
    if border == "constant":
        return F.pad(x, (left, right, top, bottom), mode="constant", value=float(value))
    # Where torch's own padding is exact it is used (faster); otherwise an index gather,
    # which is exact for every mode and any pad size.
    fits = max(top, bottom) < h and max(left, right) < w
    native = {"replicate": "replicate", "reflect101": "reflect" if fits else None}.get(border)
    if native and x.dim() in (3, 4) and x.dtype in (torch.float32, torch.float64):
        return F.pad(x, (left, right, top, bottom), mode=native)
    # Not "constant" here (returned above), so border_indices gives a tensor, never None.
    rows = cast(torch.Tensor, border_indices(h, top, bottom, border)).to(x.device)
    cols = cast(torch.Tensor, border_indices(w, left, right, border)).to(x.device)
    return x.index_select(-2, rows).index_select(-1, cols)
