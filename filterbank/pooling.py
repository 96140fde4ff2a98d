"""Maximum-response pooling of RFS responses: MR8, MR4 and MRS4 (Varma and Zisserman).

The modules take the 38 responses of :func:`filterbank.banks.rfs` in its order
(18 edges: 3 scales x 6 orientations, scale-major; 18 bars in the same order; the
Gaussian; the LoG), or, with ``from_image=True``, a one-channel image that an
internal :class:`~filterbank.FilterConv2d` filters with the RFS bank first.

Examples
--------
>>> import torch
>>> mr8 = MR8(from_image=True)
>>> mr8(torch.rand(1, 1, 32, 32)).shape
torch.Size([1, 8, 32, 32])
"""

from __future__ import annotations

import torch
from torch import nn

from ._errors import ShapeError, UnknownNameError
from ._validate import int_in_range
from .banks import rfs
from .layers import FilterConv2d

__all__ = ["MR4", "MR8", "MRS4", "MaxResponse"]

#: How orientations are pooled (see :class:`MaxResponse`).
POOL_MODES = ("abs", "signed", "abs_edge")
VARIANTS = ("mr8", "mr4", "mrs4")
_N_RFS = 38
_SCALES = 3
_ORIENT = 6


class MaxResponse(nn.Module):
    """Max over orientations (and, for MRS4, scales) of RFS edge and bar responses.

    Parameters
    ----------
    variant : {"mr8", "mr4", "mrs4"}
        ``"mr8"``: 8 channels, ``[edge_s1, edge_s2, edge_s3, bar_s1, bar_s2,
        bar_s3, gaussian, log]``, each edge/bar channel the maximum over the 6
        orientations at one scale. ``"mr4"``: ``[edge, bar, gaussian, log]`` at the
        single scale ``scale``. ``"mrs4"``: ``[edge, bar, gaussian, log]``, the
        maximum over all orientations *and* scales (rotation and scale invariant).
    mode : {"abs", "signed", "abs_edge"}
        ``"abs"`` (default): maximum of absolute responses for edges and bars, as
        in Varma and Zisserman's papers. An edge filter rotated by 180 degrees is
        its negative and the bank only samples [0, 180), so the absolute value is
        what makes the edge channels invariant to the edge's polarity direction;
        bars keep no sign (dark and bright bars pool alike). ``"signed"``: maximum
        of the signed responses (bright-on-dark bars and edges in one direction
        only). ``"abs_edge"``: absolute for edges, signed for bars (the choice of
        the widely used ``MR8fast`` code).
    scale : int
        For ``"mr4"``: the RFS scale index, 0, 1 or 2 for ``(sigma_x, sigma_y)`` =
        (3, 1), (6, 2), (12, 4); default 2, the largest (MR4's).
    from_image : bool
        Take a one-channel image ``(B, 1, H, W)`` and filter it with the RFS bank
        through an internal frozen :class:`~filterbank.FilterConv2d`. Otherwise the
        input is ``(B, 38, H, W)``.
    border : str or int
        Border of the internal convolution.
    dtype : torch.dtype, optional
        dtype of the internal convolution's weight (default torch's, float32). Pass
        ``torch.float64`` for float64 parity: ``.double()`` on a float32 layer
        would keep the float32-rounded kernels.

    Notes
    -----
    The Gaussian and LoG channels are passed through unchanged. Because the RFS
    kernels are stored rotated for correlation, the responses (and so the pooled
    maps) equal those of VGG's code, which convolves.

    Examples
    --------
    >>> import torch
    >>> MaxResponse("mrs4")(torch.randn(2, 38, 8, 8)).shape
    torch.Size([2, 4, 8, 8])
    """

    def __init__(
        self,
        variant: str = "mr8",
        mode: str = "abs",
        *,
        scale: int = 2,
        from_image: bool = False,
        border: str | int = "reflect101",
        dtype: torch.dtype | None = None,
    ) -> None:
        super().__init__()
        if variant not in VARIANTS:
            raise UnknownNameError("variant", variant, VARIANTS)
        if mode not in POOL_MODES:
            raise UnknownNameError("mode", mode, POOL_MODES)
        self.variant = variant
        self.mode = mode
        self.scale = int_in_range("scale", scale, 0, _SCALES - 1)
        self.filters: FilterConv2d | None = None
        if from_image:
            self.filters = FilterConv2d(rfs(), 1, border=border, dtype=dtype)

    @property
    def names(self) -> list[str]:
        """Output channel names."""
        if self.variant == "mr8":
            return [f"edge_s{i}" for i in (1, 2, 3)] + [f"bar_s{i}" for i in (1, 2, 3)] + ["gauss", "log"]
        return ["edge", "bar", "gauss", "log"]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Pool ``(B, 38, H, W)`` RFS responses (or ``(B, 1, H, W)`` images with ``from_image``)."""
        squeeze = x.dim() == 3
        if squeeze:
            x = x.unsqueeze(0)
        if self.filters is not None:
            if x.dim() != 4 or x.shape[1] != 1:
                raise ShapeError(f"`x` must be (B, 1, H, W) or (1, H, W) with from_image=True; got {tuple(x.shape)}")
            x = self.filters(x)
        if x.dim() != 4 or x.shape[1] != _N_RFS:
            raise ShapeError(
                f"`x` must be RFS responses (B, {_N_RFS}, H, W) or ({_N_RFS}, H, W) in banks.rfs() order; "
                f"got {tuple(x.shape)}"
            )
        b, _, h, w = x.shape
        n = _SCALES * _ORIENT
        edges = x[:, :n].reshape(b, _SCALES, _ORIENT, h, w)
        bars = x[:, n : 2 * n].reshape(b, _SCALES, _ORIENT, h, w)
        if self.mode in ("abs", "abs_edge"):
            edges = edges.abs()
        if self.mode == "abs":
            bars = bars.abs()
        iso = x[:, 2 * n :]
        if self.variant == "mr8":
            e, r = edges.amax(dim=2), bars.amax(dim=2)
        elif self.variant == "mr4":
            e = edges[:, self.scale].amax(dim=1, keepdim=True)
            r = bars[:, self.scale].amax(dim=1, keepdim=True)
        else:
            e = edges.amax(dim=(1, 2)).unsqueeze(1)
            r = bars.amax(dim=(1, 2)).unsqueeze(1)
        out = torch.cat([e, r, iso], dim=1)
        return out.squeeze(0) if squeeze else out

    def extra_repr(self) -> str:
        return f"variant={self.variant!r}, mode={self.mode!r}, from_image={self.filters is not None}"


class MR8(MaxResponse):
    """MR8: 8 maximum responses from the RFS bank (see :class:`MaxResponse`).

    Examples
    --------
    >>> import torch
    >>> MR8()(torch.randn(1, 38, 4, 4)).shape
    torch.Size([1, 8, 4, 4])
    """

    def __init__(
        self,
        mode: str = "abs",
        *,
        from_image: bool = False,
        border: str | int = "reflect101",
        dtype: torch.dtype | None = None,
    ) -> None:
        super().__init__("mr8", mode, from_image=from_image, border=border, dtype=dtype)


class MR4(MaxResponse):
    """MR4: edge and bar maxima at one RFS scale (default the largest) plus Gaussian and LoG.

    Examples
    --------
    >>> import torch
    >>> MR4()(torch.randn(1, 38, 4, 4)).shape
    torch.Size([1, 4, 4, 4])
    """

    def __init__(
        self,
        mode: str = "abs",
        *,
        scale: int = 2,
        from_image: bool = False,
        border: str | int = "reflect101",
        dtype: torch.dtype | None = None,
    ) -> None:
        super().__init__("mr4", mode, scale=scale, from_image=from_image, border=border, dtype=dtype)


class MRS4(MaxResponse):
    """MRS4: edge and bar maxima over all orientations and scales, plus Gaussian and LoG.

    Examples
    --------
    >>> import torch
    >>> MRS4()(torch.randn(1, 38, 4, 4)).shape
    torch.Size([1, 4, 4, 4])
    """

    def __init__(
        self,
        mode: str = "abs",
        *,
        from_image: bool = False,
        border: str | int = "reflect101",
        dtype: torch.dtype | None = None,
    ) -> None:
        super().__init__("mrs4", mode, from_image=from_image, border=border, dtype=dtype)
