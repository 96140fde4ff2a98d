"""``FilterConv2d``: an ``nn.Conv2d`` that applies a filter bank exactly as ``filter2d``."""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from . import borders as _borders
from ._errors import ShapeError, UnknownNameError
from ._validate import as_float, int_in_range
from .bank import FilterBank, as_bank

__all__ = ["MODES", "FilterConv2d"]

#: Injection modes available today.
MODES: tuple[str, ...] = ("frozen", "trainable")


def check_mode(mode: str) -> str:
    """Validate a mode name."""
    if mode not in MODES:
        raise UnknownNameError("mode", mode, MODES)
    return mode


class FilterConv2d(nn.Conv2d):
    """A depthwise ``nn.Conv2d`` holding a filter bank, with OpenCV borders and anchor.

    Every input channel is filtered by every kernel of the bank: output channel
    ``c * N + n`` is input channel ``c`` correlated with kernel ``n``, the
    layout of :func:`filterbank.filter2d`, whose output this layer equals.

    Parameters
    ----------
    bank : FilterBank or array-like
        ``N`` kernels ``(N, kh, kw)`` (or one ``(kh, kw)``).
    in_channels : int
        Input channels ``C``; the layer has ``C * N`` outputs and ``groups=C``.
    mode : {"frozen", "trainable"}
        ``"frozen"``: ``weight`` is an ``nn.Parameter`` with
        ``requires_grad=False`` (optimisers never move it; gradients still reach
        the input). ``"trainable"``: seeded from the bank, learns.
    border : str or int
        Border name as in :func:`filterbank.filter2d` (default ``"reflect101"``).
    anchor : (int, int) or None
        (row, col) kernel tap on the output pixel; default ``(kh // 2, kw // 2)``.
    value : float
        Border value for ``"constant"``.
    bias : bool
        Add a bias (initialised to zero, frozen with the weight in frozen mode).

    Attributes
    ----------
    bank : FilterBank
        The bank the layer was built from (not part of ``state_dict``).

    Notes
    -----
    The conv itself runs with ``padding=0``; the border is added by
    :func:`filterbank.borders.pad`, so even kernels use OpenCV's anchor rather
    than torch's ``padding='same'`` placement. ``state_dict`` keys are the plain
    ``nn.Conv2d`` ones (``weight`` and, with ``bias=True``, ``bias``).
    ``model.requires_grad_(True)`` unfreezes a frozen layer, as for any Parameter.

    Examples
    --------
    >>> import torch
    >>> from filterbank import FilterBank
    >>> bank = FilterBank.from_specs([{"family": "sobel", "dx": 1, "dy": 0}, {"family": "sobel", "dx": 0, "dy": 1}])
    >>> layer = FilterConv2d(bank, in_channels=3)
    >>> layer(torch.rand(2, 3, 32, 32)).shape
    torch.Size([2, 6, 32, 32])
    >>> layer.weight.requires_grad
    False
    """

    def __init__(
        self,
        bank: FilterBank | Any,
        in_channels: int = 1,
        *,
        mode: str = "frozen",
        border: str | int = "reflect101",
        anchor: tuple[int, int] | None = None,
        value: float = 0.0,
        bias: bool = False,
        device: torch.device | str | None = None,
        dtype: torch.dtype | None = None,
    ) -> None:
        bank = as_bank(bank)
        in_channels = int_in_range("in_channels", in_channels, 1)
        check_mode(mode)
        n = len(bank)
        kh, kw = bank.ksize
        super().__init__(
            in_channels,
            in_channels * n,
            (kh, kw),
            padding=0,
            groups=in_channels,
            bias=bias,
            device=device,
            dtype=dtype,
        )
        self.bank = bank
        self.border = _borders.normalize_border(border)
        self.anchor = anchor
        self.pad4 = _borders.padding_for((kh, kw), anchor)
        self.value = as_float("value", value)
        with torch.no_grad():
            k = bank.to_tensor(dtype=self.weight.dtype, device=self.weight.device)
            self.weight.copy_(k.repeat(in_channels, 1, 1).unsqueeze(1))
            if self.bias is not None:
                self.bias.zero_()
        trainable = mode == "trainable"
        self.weight.requires_grad_(trainable)
        if self.bias is not None:
            self.bias.requires_grad_(trainable)

    @property
    def mode(self) -> str:
        """``"trainable"`` if the weight requires grad now, else ``"frozen"`` (derived, never stale)."""
        return "trainable" if self.weight.requires_grad else "frozen"

    @property
    def names(self) -> list[str]:
        """Output channel names, ``"c{c}:{kernel name}"`` (just the kernel name for one channel)."""
        if self.in_channels == 1:
            return self.bank.names
        return [f"c{c}:{s}" for c in range(self.in_channels) for s in self.bank.names]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Filter ``(B, C, H, W)`` or ``(C, H, W)`` input; returns ``(B, C * N, H, W)``."""
        if x.dim() not in (3, 4) or x.shape[-3] != self.in_channels:
            raise ShapeError(
                f"`x` must be (B, {self.in_channels}, H, W) or ({self.in_channels}, H, W); got shape {tuple(x.shape)}"
            )
        xp = _borders.pad(x, self.pad4, self.border, self.value)
        return F.conv2d(xp, self.weight, self.bias, 1, 0, 1, self.groups)

    def extra_repr(self) -> str:
        return (
            f"bank={len(self.bank)}x{self.bank.ksize}, in_channels={self.in_channels}, mode={self.mode!r}, "
            f"border={self.border!r}, pad(t,b,l,r)={self.pad4}"
        )
