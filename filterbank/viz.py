"""Pictures of banks and responses, drawn with Pillow only.

This module sits above the banks and does not import them: a bank is anything
with ``.kernels`` ``(N, kh, kw)`` and ``.names`` (a :class:`~filterbank.FilterBank`).
Banks of 3-D kernels ``(N, kd, kh, kw)`` are drawn as the three central
orthogonal slices of each kernel, and 1-D kernels ``(N, k)`` as one row.

Colour conventions, the same in every picture:

* signed data (kernels; responses with both signs) use a diverging map centred
  at zero: blue for negative, white for zero, red for positive, scaled by the
  panel's own ``max |v|``;
* non-negative data (images, ``|diff|``) are grayscale, scaled from the
  panel's own min to max (``|diff|`` from 0 to its max).

Examples
--------
>>> from filterbank import FilterBank
>>> bank = FilterBank.from_specs([{"family": "sobel", "dx": 1, "dy": 0}])
>>> kernel_grid(bank).mode
'RGB'
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeGuard, cast

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from ._errors import DTypeError, ParameterError, ShapeError
from ._format import sci
from ._types import KernelLike

if TYPE_CHECKING:  # pragma: no cover - FilterBank sits above this layer (it draws through viz)
    from .bank import FilterBank

__all__ = ["diverging", "grayscale", "kernel_grid", "response_grid", "save", "side_by_side"]

_PAD = 6
_BG = (255, 255, 255)
_TEXT = (0, 0, 0)


def _font() -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    return ImageFont.load_default()


def _text_size(text: str, font: Any) -> tuple[int, int]:
    left, top, right, bottom = font.getbbox(text)
    return int(right - min(left, 0)), int(bottom - min(top, 0))


def _fit_text(text: str, width: int, font: Any) -> str:
    """Shorten ``text`` with an ellipsis so that it fits ``width`` pixels."""
    if _text_size(text, font)[0] <= width:
        return text
    while len(text) > 1 and _text_size(text + "...", font)[0] > width:
        text = text[:-1]
    return text + "..."


def _count(name: str, value: object) -> int:
    """An int >= 1 (refusing bools), else ParameterError."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ParameterError(f"`{name}` must be an int >= 1; got {value!r}")
    return value


def _label_height(font: Any) -> int:
    return _text_size("Ag", font)[1] + 6


def diverging(values: np.ndarray, scale: float | None = None) -> np.ndarray:
    """Map signed values to RGB uint8: blue (negative), white (zero), red (positive).

    Parameters
    ----------
    values : numpy.ndarray
        2-D array of real values.
    scale : float, optional
        The magnitude mapped to full colour; default ``max |values|`` (all white if 0).

    Returns
    -------
    numpy.ndarray
        ``(H, W, 3)`` uint8.

    Examples
    --------
    >>> diverging(np.array([[-1.0, 0.0, 1.0]]))[0].tolist()
    [[0, 0, 255], [255, 255, 255], [255, 0, 0]]
    """
    v = np.asarray(values, dtype=np.float64)
    if v.ndim != 2:
        raise ShapeError(f"`values` must be 2-D; got shape {v.shape}")
    m = float(np.nanmax(np.abs(v))) if scale is None and v.size else float(scale or 0.0)
    t = np.clip(v / m, -1.0, 1.0) if m > 0 else np.zeros_like(v)
    t = np.nan_to_num(t)
    neg, pos = np.clip(-t, 0, 1), np.clip(t, 0, 1)
    r = 1.0 - neg
    g = 1.0 - neg - pos
    b = 1.0 - pos
    rgb = np.stack([r, g, b], axis=-1)
    return np.rint(rgb * 255).astype(np.uint8)


def grayscale(values: np.ndarray, lo: float | None = None, hi: float | None = None) -> np.ndarray:
    """Map values to RGB uint8 gray, ``lo`` -> black, ``hi`` -> white (defaults: min, max).

    Examples
    --------
    >>> grayscale(np.array([[0.0, 0.5, 1.0]]))[0, :, 0].tolist()
    [0, 128, 255]
    """
    v = np.asarray(values, dtype=np.float64)
    if v.ndim != 2:
        raise ShapeError(f"`values` must be 2-D; got shape {v.shape}")
    lo = float(np.nanmin(v)) if lo is None else float(lo)
    hi = float(np.nanmax(v)) if hi is None else float(hi)
    t = (v - lo) / (hi - lo) if hi > lo else np.zeros_like(v)
    g = np.rint(np.clip(np.nan_to_num(t), 0, 1) * 255).astype(np.uint8)
    return np.repeat(g[..., None], 3, axis=-1)


def _auto_map(values: np.ndarray) -> np.ndarray:
    """Diverging map if the values take both signs, else per-panel min/max gray."""
    v = np.asarray(values, dtype=np.float64)
    if v.size and float(np.nanmin(v)) < 0 < float(np.nanmax(v)):
        return diverging(v)
    return grayscale(v)


def _to_2d(name: str, a: Any) -> np.ndarray:
    if hasattr(a, "detach"):
        a = a.detach().cpu().numpy()
    arr = np.asarray(a)
    if arr.dtype.kind not in "fiub":
        raise DTypeError(f"`{name}` must be a real array; got dtype {arr.dtype}")
    if arr.ndim == 3 and arr.shape[-1] == 1:
        arr = arr[..., 0]
    if arr.ndim != 2 or arr.size == 0:
        raise ShapeError(f"`{name}` must be a non-empty 2-D array; got shape {arr.shape}")
    return arr.astype(np.float64)


def _is_bank(obj: object) -> TypeGuard[FilterBank]:
    """A FilterBank, or anything shaped like one: ``.kernels`` and ``.names`` (all that is read of it)."""
    return hasattr(obj, "kernels") and hasattr(obj, "names")


def _array_items(obj: KernelLike) -> list[tuple[str, np.ndarray]]:
    """Kernels ``(N, kh, kw)`` / ``(kh, kw)`` (numpy or torch) named ``k0, k1, ...`` like an unnamed FilterBank."""
    if hasattr(obj, "detach"):
        obj = obj.detach().cpu().double().numpy()
    arr = np.asarray(obj)
    if arr.dtype.kind not in "fiu":
        raise DTypeError(f"`kernels` must be real numbers; got dtype {arr.dtype}")
    if arr.ndim == 2:
        arr = arr[None]
    if arr.ndim not in (3, 4) or arr.size == 0:
        raise ShapeError(
            f"`kernels` must be (N, kh, kw) or (kh, kw), or 3-D (N, kd, kh, kw), non-empty; got shape {arr.shape}"
        )
    return [(f"k{i}", k.astype(np.float64)) for i, k in enumerate(arr)]


def _kernel_items(bank: KernelLike | Sequence[tuple[str, KernelLike]]) -> list[tuple[str, np.ndarray]]:
    if _is_bank(bank):
        return [(str(n), np.asarray(k, dtype=np.float64)) for n, k in zip(bank.names, bank.kernels, strict=True)]
    if isinstance(bank, Sequence) and not isinstance(bank, str) and bank and not hasattr(bank, "shape"):
        items: list[tuple[str, np.ndarray]] = []
        for entry in bank:
            if _is_bank(entry):
                items += _kernel_items(entry)
            elif isinstance(entry, (tuple, list)) and len(entry) == 2 and isinstance(entry[0], str):
                items.append((entry[0], _to_2d("kernel", entry[1])))
            else:
                raise DTypeError(
                    "`bank` as a sequence must hold FilterBanks or (name, 2-D kernel) pairs; "
                    f"got an entry of type {type(entry).__name__}"
                )
        return items
    return _array_items(cast(KernelLike, bank))  # not a bank, not a sequence of pairs: an array or tensor


def _grid(
    panels: Sequence[tuple[str, np.ndarray]], cols: int, cell_w: int, cell_h: int, label_h: int, font: Any
) -> Image.Image:
    """Lay out RGB uint8 panels (centred in cells) with a label under each."""
    rows = math.ceil(len(panels) / cols)
    slot_w, slot_h = cell_w + 2 * _PAD, cell_h + label_h + 2 * _PAD
    canvas = Image.new("RGB", (cols * slot_w, rows * slot_h), _BG)
    draw = ImageDraw.Draw(canvas)
    for i, (label, rgb) in enumerate(panels):
        r, c = divmod(i, cols)
        x0, y0 = c * slot_w + _PAD, r * slot_h + _PAD
        h, w = rgb.shape[:2]
        px, py = x0 + (cell_w - w) // 2, y0 + (cell_h - h) // 2
        canvas.paste(Image.fromarray(rgb, "RGB"), (px, py))
        draw.rectangle((px - 1, py - 1, px + w, py + h), outline=(160, 160, 160))
        text = _fit_text(label, cell_w, font)
        tw, _ = _text_size(text, font)
        draw.text((x0 + (cell_w - tw) // 2, y0 + cell_h + 3), text, fill=_TEXT, font=font)
    return canvas


def kernel_grid(
    bank: KernelLike | Sequence[tuple[str, KernelLike]], *, cell: int = 64, cols: int | None = None
) -> Image.Image:
    """Draw every kernel of a bank in a grid, each with its own contrast, named underneath.

    Parameters
    ----------
    bank : FilterBank, array-like, or sequence of FilterBank / (name, kernel)
        The kernels. A sequence may mix banks of different kernel sizes; each
        kernel is drawn at its own size (no padding).
    cell : int
        Target size in pixels of a kernel's longer side; each kernel is
        upscaled by nearest neighbour by ``max(1, cell // max(kh, kw))``.
    cols : int, optional
        Columns of the grid; default ``min(N, 8)``.

    Returns
    -------
    PIL.Image.Image
        RGB picture. Colours: ``v / max|k|`` of each kernel in [-1, 1] on a
        diverging map, blue negative, white zero, red positive.

    Examples
    --------
    >>> from filterbank import FilterBank
    >>> bank = FilterBank.from_specs([{"family": "sobel", "dx": 1, "dy": 0}, {"family": "sobel", "dx": 0, "dy": 1}])
    >>> kernel_grid(bank, cell=60, cols=2).size[0] >= 2 * 60
    True
    >>> import numpy as np
    >>> kernel_grid(np.ones((2, 5, 7, 9)), cell=45).size  # 3-D: three central slices per kernel
    (286, 65)
    """
    cell = _count("cell", cell)
    items = _kernel_items(bank)
    if not items:
        raise ShapeError("`bank` must hold at least one kernel; got none")
    n = len(items)
    cols = min(n, 8) if cols is None else cols
    cols = min(_count("cols", cols), n)
    font = _font()
    panels = []
    for name, k in items:
        if k.ndim == 3:
            panels.append((f"{name} (z|y|x)", _slices_rgb(k, cell)))
            continue
        k2 = k[None] if k.ndim == 1 else k
        s = max(1, cell // max(k2.shape))
        panels.append((name, np.repeat(np.repeat(diverging(k2), s, axis=0), s, axis=1)))
    cell_w = max(max(p.shape[1] for _, p in panels), min(2 * cell, max(_text_size(s, font)[0] for s, _ in items)))
    cell_h = max(p.shape[0] for _, p in panels)
    label_h = _label_height(font)
    return _grid(panels, cols, cell_w, cell_h, label_h, font)


def _slices_rgb(k: np.ndarray, cell: int) -> np.ndarray:
    """A 3-D kernel as its central slices side by side: ``z`` (kh, kw), ``y`` (kd, kw), ``x`` (kd, kh).

    One colour scale, the kernel's ``max |k|``, for the three slices; a white gap between them.
    """
    kd, kh, kw = k.shape
    scale = float(np.abs(k).max())
    s = max(1, cell // max(kd, kh, kw))
    slices = (k[kd // 2], k[:, kh // 2, :], k[:, :, kw // 2])
    rgbs = [np.repeat(np.repeat(diverging(a, scale), s, axis=0), s, axis=1) for a in slices]
    h = max(r.shape[0] for r in rgbs)
    gap = np.full((h, 3, 3), 255, dtype=np.uint8)
    parts: list[np.ndarray] = []
    for r in rgbs:
        top = (h - r.shape[0]) // 2
        col = np.full((h, r.shape[1], 3), 255, dtype=np.uint8)
        col[top : top + r.shape[0]] = r
        parts += [col, gap]
    return np.concatenate(parts[:-1], axis=1)


def _shrink(rgb: np.ndarray, cell_max: int) -> np.ndarray:
    h, w = rgb.shape[:2]
    if max(h, w) <= cell_max:
        return rgb
    f = cell_max / max(h, w)
    size = (max(1, round(w * f)), max(1, round(h * f)))
    return np.asarray(Image.fromarray(rgb, "RGB").resize(size, Image.Resampling.BILINEAR))


def response_grid(responses: Sequence[tuple[str, Any]], *, cols: int | None = None, cell_max: int = 256) -> Image.Image:
    """Draw filter responses (or images) as panels, each with its own contrast, titled underneath.

    Parameters
    ----------
    responses : sequence of (str, 2-D array)
        ``(title, values)``; numpy arrays or tensors.
    cols : int, optional
        Columns; default ``min(N, 4)``.
    cell_max : int
        Panels larger than this (longer side, pixels) are shrunk to it.

    Returns
    -------
    PIL.Image.Image
        RGB picture. A panel with both signs uses the diverging map centred at
        zero (scaled by its ``max |v|``); otherwise gray from its min to its max.

    Examples
    --------
    >>> import numpy as np
    >>> img = response_grid([("a", np.zeros((10, 20))), ("b", np.ones((10, 20)))], cols=2)
    >>> img.size[0] >= 2 * 20
    True
    """
    cell_max = _count("cell_max", cell_max)
    items = [(str(t), _to_2d(f"responses[{i}]", a)) for i, (t, a) in enumerate(responses)]
    if not items:
        raise ShapeError("`responses` must hold at least one (title, array) pair; got none")
    cols = min(len(items), 4) if cols is None else cols
    cols = min(_count("cols", cols), len(items))
    font = _font()
    panels = [(t, _shrink(_auto_map(a), cell_max)) for t, a in items]
    cell_w = max(p.shape[1] for _, p in panels)
    cell_h = max(p.shape[0] for _, p in panels)
    label_h = _label_height(font)
    return _grid(panels, cols, cell_w, cell_h, label_h, font)


def side_by_side(ours: Any, reference: Any, title: str = "") -> Image.Image:
    """Three panels: our response, OpenCV's, and ``|ours - reference|`` scaled to its max.

    ``ours`` and ``reference`` share one colour scale (so equal results look
    equal); the difference panel runs from black (0) to white (its max), and
    the max difference is printed under it.

    Parameters
    ----------
    ours, reference : 2-D array
        Same shape.
    title : str
        Printed above the panels.

    Returns
    -------
    PIL.Image.Image
        RGB picture.

    Examples
    --------
    >>> import numpy as np
    >>> a = np.linspace(-1, 1, 64).reshape(8, 8)
    >>> side_by_side(a, a + 1e-7, "test").mode
    'RGB'
    """
    a = _to_2d("ours", ours)
    b = _to_2d("reference", reference)
    if a.shape != b.shape:
        raise ShapeError(f"`ours` and `reference` must have the same shape; got {a.shape} and {b.shape}")
    diff = np.abs(a - b)
    dmax = float(diff.max())
    lo, hi = float(min(a.min(), b.min())), float(max(a.max(), b.max()))
    if lo < 0 < hi:
        m = max(-lo, hi)
        pa, pb = diverging(a, m), diverging(b, m)
    else:
        pa, pb = grayscale(a, lo, hi), grayscale(b, lo, hi)
    pd = grayscale(diff, 0.0, dmax if dmax > 0 else 1.0)
    panels = [
        ("filterbank (torch)", pa),
        ("cv2.filter2D", pb),
        (f"|diff|, max {sci(dmax)}", pd),
    ]
    font = _font()
    cell_h, cell_w = a.shape
    label_h = _label_height(font)
    cell_w = max(cell_w, max(_text_size(t, font)[0] for t, _ in panels))
    body = _grid(panels, 3, cell_w, cell_h, label_h, font)
    title_h = _text_size("Ag", font)[1] + 8 if title else 0
    canvas = Image.new("RGB", (body.width, body.height + title_h), _BG)
    canvas.paste(body, (0, title_h))
    if title:
        ImageDraw.Draw(canvas).text((_PAD, 4), _fit_text(title, body.width - 2 * _PAD, font), fill=_TEXT, font=font)
    return canvas


def save(image: Image.Image, path: str | os.PathLike[str]) -> Path:
    """Write a picture as PNG, creating the parent folders.

    Returns
    -------
    pathlib.Path
        The path written.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = save(Image.new("RGB", (4, 4)), pathlib.Path(tempfile.mkdtemp()) / "a" / "b.png")
    >>> p.is_file()
    True
    """
    if not isinstance(image, Image.Image):
        raise DTypeError(f"`image` must be a PIL.Image.Image; got {type(image).__name__}")
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    image.save(p, format="PNG")
    return p
