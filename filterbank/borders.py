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

:func:`pad` (the last two axes) and :func:`pad_nd` (any number of trailing axes:
1-D signals, 3-D volumes) are exact for every mode and any pad size, including
pads larger than the input (a kernel larger than the image), where torch's own
``reflect`` fails and OpenCV and SciPy keep reflecting. :func:`padding_for` /
:func:`padding_nd` give the padding for a kernel size and anchor.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
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
    "pad_nd",
    "padding_for",
    "padding_nd",
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
    (top, bottom), (left, right) = padding_nd(ksize, anchor)
    return (top, bottom, left, right)


# Words naming the anchor's entries in messages, by number of axes (2-D keeps its (row, col) wording).
_ANCHOR_WORDS = {1: ("index",), 2: ("row", "col"), 3: ("depth", "row", "col")}
_TUPLE_WORDS = {1: "1-tuple (or an int)", 2: "pair", 3: "triple"}
_SIZE_WORDS = {1: "(length,)", 2: "(height, width)", 3: "(depth, height, width)"}


def padding_nd(ksize: Sequence[int], anchor: int | Sequence[int] | None = None) -> tuple[tuple[int, int], ...]:
    """The (before, after) padding per axis that makes a correlation keep the input size, in any dimension.

    Parameters
    ----------
    ksize : sequence of int
        Kernel size per axis, e.g. ``(k,)``, ``(kh, kw)``, ``(kd, kh, kw)``.
    anchor : int, sequence of int or None
        Kernel tap placed on the output sample, one index per axis in array
        order (a bare int is accepted in 1-D). ``None`` is ``k // 2`` on each
        axis (OpenCV's default, SciPy's ``origin=0``). SciPy's ``origin`` is
        ``anchor - k // 2``.

    Returns
    -------
    tuple of (int, int)
        ``((a0, k0 - 1 - a0), (a1, k1 - 1 - a1), ...)``.

    Examples
    --------
    >>> padding_nd((4, 3, 5))
    ((2, 1), (1, 1), (2, 2))
    >>> padding_nd((6,), 0)
    ((0, 5),)
    """
    sizes = tuple(int(k) for k in ksize)
    n = len(sizes)
    words = _ANCHOR_WORDS.get(n, tuple(f"axis {i}" for i in range(n)))
    if anchor is None:
        return tuple((k // 2, k - 1 - k // 2) for k in sizes)
    given: object = anchor
    if n == 1 and isinstance(anchor, numbers.Integral) and not isinstance(anchor, bool):
        given = (anchor,)
    if not isinstance(given, (tuple, list)) or len(given) != n:
        label = f"({', '.join(words)})" if n in _ANCHOR_WORDS else f"{n}-tuple"
        raise ShapeError(f"`anchor` must be a {label} {_TUPLE_WORDS.get(n, 'tuple')} or None; got {given!r}")
    for name, v, k in zip(words, given, sizes, strict=True):
        if isinstance(v, bool) or not isinstance(v, numbers.Integral):
            raise DTypeError(f"`anchor` {name} must be an integer; got {v!r}")
        if not 0 <= int(v) < k:
            raise ParameterError(
                f"`anchor` must lie inside the kernel: {name} in [0, {k - 1}] for kernel "
                f"{_SIZE_WORDS.get(n, 'shape')} = {sizes}; "
                f"got anchor ({', '.join(words)}) = {tuple(given)!r}"
            )
    return tuple((int(a), k - 1 - int(a)) for a, k in zip(given, sizes, strict=True))


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
    normalize_border(border)
    if not isinstance(x, torch.Tensor):
        raise DTypeError(f"`x` must be a torch.Tensor; got {type(x).__name__}")
    if x.dim() < 2:
        raise ShapeError(f"`x` must have at least 2 dimensions (..., H, W); got shape {tuple(x.shape)}")
    if len(padding) != 4 or any(isinstance(p, bool) or not isinstance(p, numbers.Integral) or p < 0 for p in padding):
        raise ParameterError(f"`padding` must be 4 integers >= 0 (top, bottom, left, right); got {padding!r}")
    top, bottom, left, right = (int(p) for p in padding)
    return pad_nd(x, ((top, bottom), (left, right)), border, value)


# torch's own modes, used where they are exact (faster than a gather): F.pad takes 1-D, 2-D and 3-D
# reflect/replicate padding on (N, C, *spatial) or (C, *spatial) inputs of a floating dtype.
_NATIVE = {"replicate": "replicate", "reflect101": "reflect"}


def pad_nd(
    x: torch.Tensor,
    padding: Sequence[tuple[int, int]],
    border: str | int = "reflect101",
    value: float = 0.0,
) -> torch.Tensor:
    """Pad the last ``len(padding)`` axes of a tensor exactly, in any dimension (1-D signals, 3-D volumes).

    Parameters
    ----------
    x : torch.Tensor
        ``(..., *spatial)`` with at least ``len(padding)`` axes.
    padding : sequence of (int, int)
        ``(before, after)`` for each trailing axis, in array order (the first
        pair pads the first spatial axis), each >= 0 and of any size (may
        exceed the axis).
    border : str or int
        A border name (see :func:`normalize_border`).
    value : float
        Fill value for ``constant``.

    Returns
    -------
    torch.Tensor
        Same dtype and device, each padded axis ``before + n + after`` long;
        differentiable with respect to ``x``.

    Notes
    -----
    Equal to ``np.pad(x, padding, mode=to_numpy(border))`` (and to SciPy's
    extension under :func:`to_scipy`) on every mode at every size; numpy's
    ``reflect`` / ``symmetric`` also keep reflecting past the input. Unlike
    ``torch.nn.functional.pad``, ``symmetric`` exists and ``reflect101`` works
    when the pad reaches or exceeds the input size.

    Examples
    --------
    >>> import torch
    >>> pad_nd(torch.arange(1.0, 6.0), [(3, 3)], "reflect101").tolist()
    [4.0, 3.0, 2.0, 1.0, 2.0, 3.0, 4.0, 5.0, 4.0, 3.0, 2.0]
    >>> pad_nd(torch.zeros(2, 3, 4), [(1, 1), (0, 2), (3, 0)], "wrap").shape
    torch.Size([4, 5, 7])
    """
    border = normalize_border(border)
    if not isinstance(x, torch.Tensor):
        raise DTypeError(f"`x` must be a torch.Tensor; got {type(x).__name__}")
    pairs = _padding_pairs(padding)
    d = len(pairs)
    if x.dim() < d:
        raise ShapeError(f"`x` must have at least {d} dimensions to pad its last {d}; got shape {tuple(x.shape)}")
    if all(b == a == 0 for b, a in pairs):
        return x
    flat = [p for b, a in reversed(pairs) for p in (b, a)]  # F.pad order: last axis first
    if border == "constant":
        return F.pad(x, flat, mode="constant", value=float(value))
    sizes = x.shape[x.dim() - d :]
    fits = all(max(b, a) < n for (b, a), n in zip(pairs, sizes, strict=True))
    native = _NATIVE.get(border) if (border == "replicate" or fits) else None
    if native and d <= 3 and x.dim() in (d + 1, d + 2) and x.dtype in (torch.float32, torch.float64):
        return F.pad(x, flat, mode=native)
    # An index gather per axis: exact for every mode and any pad size.
    for i, ((b, a), n) in enumerate(zip(pairs, sizes, strict=True)):
        if b or a:
            # Not "constant" here (returned above), so border_indices gives a tensor, never None.
            idx = cast(torch.Tensor, border_indices(n, b, a, border))
            x = x.index_select(x.dim() - d + i, idx.to(x.device))
    return x


def _padding_pairs(padding: object) -> list[tuple[int, int]]:
    """Check a sequence of (before, after) pairs of integers >= 0."""
    items = list(padding) if isinstance(padding, (tuple, list)) else []
    ok = len(items) > 0
    pairs: list[tuple[int, int]] = []
    for p in items:
        if not isinstance(p, (tuple, list)) or len(p) != 2:
            ok = False
            break
        if any(isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < 0 for v in p):
            ok = False
            break
        pairs.append((int(p[0]), int(p[1])))
    if not ok:
        raise ParameterError(
            f"`padding` must be a non-empty sequence of (before, after) integer pairs >= 0; got {padding!r}"
        )
    return pairs
