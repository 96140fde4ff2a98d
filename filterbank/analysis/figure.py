"""A picture of learned filters beside their initial values and Gabor fits: :func:`comparison_figure`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from .._errors import DTypeError, ParameterError, ShapeError
from .._types import KernelLike
from ..viz import diverging
from ._inputs import _as_kernels
from .drift import drift
from .fit import GaborFit, fit_gabor

__all__ = ["comparison_figure"]


def comparison_figure(
    initial: KernelLike,
    learned: KernelLike,
    fits: Sequence[GaborFit | None] | None = None,
    *,
    cell: int = 48,
) -> Image.Image:
    """A picture with one row per filter: initial | learned | best Gabor fit, drift and R^2 underneath.

    Parameters
    ----------
    initial, learned : FilterBank, numpy.ndarray or torch.Tensor
        The same shape, ``(N, kh, kw)`` or ``(N, 1, kh, kw)``.
    fits : sequence of GaborFit or None, optional
        One fit per learned filter (None: no fit shown for that row). Default:
        :func:`fit_gabor` of each learned filter (constant ones get none).
    cell : int, optional
        Target size in pixels of a kernel's longer side (nearest-neighbour
        upscaling by ``max(1, cell // max(kh, kw))``). Default 48.

    Returns
    -------
    PIL.Image.Image
        RGB picture. Each row's three panels share one diverging colour scale
        (blue negative, white zero, red positive, ``max |v|`` over the row), so
        a change of gain shows; the text under each row gives the filter's name,
        cosine and relative change (:func:`drift`) and the fit's R^2.

    Raises
    ------
    ShapeError
        If the shapes differ, a weight has more than one input channel, or
        ``fits`` has the wrong length.

    Examples
    --------
    >>> import numpy as np
    >>> from filterbank import kernels
    >>> k0 = np.stack([kernels.gabor(7, 2.0, 0.0, 5.0), kernels.gabor(7, 2.0, 1.0, 5.0)])
    >>> comparison_figure(k0, k0 + 0.05).mode
    'RGB'
    """
    if isinstance(cell, bool) or not isinstance(cell, int) or cell < 1:
        raise ParameterError(f"`cell` must be an int >= 1; got {cell!r}")
    k0, _ = _as_kernels("initial", initial)
    k1, _ = _as_kernels("learned", learned)
    d = drift(initial, learned)  # checks the shapes, gives the names
    fit_list = _checked_fits(fits, k1)
    lines = []
    for i, f in enumerate(fit_list):
        fit_txt = f"R^2 {f.r2:.3f}" if f is not None else "no fit"
        lines.append(f"{d.names[i]}: cos {d.cosine[i]:.3f}, rel {d.relative_change[i]:.3f}, {fit_txt}")
    kh, kw = k1.shape[1:]
    layout = _Layout(ImageFont.load_default(), max(1, cell // max(kh, kw)), kh, kw, lines)
    canvas = Image.new("RGB", (layout.width, layout.height), (255, 255, 255))
    draw = ImageDraw.Draw(canvas)
    for c, t in enumerate(_TITLES):
        x0 = layout.pad + c * (layout.col_w + layout.gap)
        draw.text((x0 + (layout.col_w - layout.text_w(t)) // 2, layout.pad), t, fill=(0, 0, 0), font=layout.font)
    for i, f in enumerate(fit_list):
        panels = [k0[i], k1[i]] + ([f.kernel] if f is not None else [])
        layout.draw_row(canvas, draw, i, panels, lines[i])
    return canvas


_TITLES = ("initial", "learned", "Gabor fit")


def _checked_fits(fits: Sequence[GaborFit | None] | None, learned: np.ndarray) -> list[GaborFit | None]:
    """``fits`` as a list, one per learned filter; by default :func:`fit_gabor` of each non-constant one."""
    if fits is None:
        return [fit_gabor(k) if np.ptp(k) > 0 else None for k in learned]
    out = list(fits)
    if len(out) != len(learned):
        raise ShapeError(f"`fits` must have one entry per learned filter ({len(learned)}); got {len(out)}")
    for i, f in enumerate(out):
        if f is not None and not isinstance(f, GaborFit):
            raise DTypeError(f"`fits[{i}]` must be a GaborFit or None; got {type(f).__name__}")
    return out


class _Layout:
    """Sizes of the comparison figure: three panel columns of ``kw * s`` pixels, a text line under each row."""

    pad, gap = 6, 4

    def __init__(self, font: Any, s: int, kh: int, kw: int, lines: list[str]) -> None:
        self.font, self.s = font, s
        self.pw, self.ph = kw * s, kh * s
        self.line_h = int(font.getbbox("Ag")[3]) + 4
        self.col_w = max(self.pw, max(self.text_w(t) for t in _TITLES))
        self.width = max(3 * self.col_w + 2 * self.gap, max(self.text_w(t) for t in lines)) + 2 * self.pad
        self.row_h = self.ph + self.line_h + self.gap
        self.height = self.pad + self.line_h + len(lines) * self.row_h + self.pad

    def text_w(self, t: str) -> int:
        left, _, right, _ = self.font.getbbox(t)
        return int(right - min(left, 0))

    def draw_row(self, canvas: Any, draw: Any, i: int, panels: list[np.ndarray], line: str) -> None:
        """Row ``i``: the panels on one diverging scale (``max |v|`` over the row), the text underneath."""
        scale = max(float(np.max(np.abs(p))) for p in panels)
        y0 = self.pad + self.line_h + i * self.row_h
        for c, p in enumerate(panels):
            rgb = np.repeat(np.repeat(diverging(p, scale if scale > 0 else None), self.s, axis=0), self.s, axis=1)
            x = self.pad + c * (self.col_w + self.gap) + (self.col_w - self.pw) // 2
            canvas.paste(Image.fromarray(rgb, "RGB"), (x, y0))
            draw.rectangle((x - 1, y0 - 1, x + self.pw, y0 + self.ph), outline=(160, 160, 160))
        draw.text((self.pad, y0 + self.ph + 2), line, fill=(0, 0, 0), font=self.font)
