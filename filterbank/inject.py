"""Write a filter bank into an existing ``nn.Conv2d`` as ``nn.Parameter``."""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.nn.utils import parametrize

from ._errors import DTypeError, ParameterError, ShapeError
from .bank import FilterBank, as_bank
from .layers import check_mode

__all__ = ["PartialFreeze", "inject"]


class PartialFreeze(nn.Module):
    """Parametrisation ``weight = where(mask, fixed, free)``: exact freezing of some channels.

    The frozen values live in a buffer, so no optimiser, momentum or weight
    decay can move them; the free tensor (``parametrizations.<name>.original``)
    still learns everywhere else. Gradient masks cannot do this (see the
    reference notes: masked channels drift under weight decay).
    """

    def __init__(self, fixed: torch.Tensor, mask: torch.Tensor) -> None:
        super().__init__()
        self.register_buffer("fixed", fixed.detach().clone())
        self.register_buffer("mask", mask.clone())

    def forward(self, free: torch.Tensor) -> torch.Tensor:
        return torch.where(self.mask, self.fixed, free)


def _channels(out_channels: Any, n: int, total: int, groups: int) -> list[int]:
    if out_channels is None:
        if groups > 1 and total == groups * n:
            return list(range(total))
        if n > total:
            raise ShapeError(
                f"`bank` has {n} kernels but the conv has only {total} output channels; "
                "pass a smaller bank or `out_channels` explicitly"
            )
        return list(range(n))
    if isinstance(out_channels, numbers.Integral) or not isinstance(out_channels, Sequence | range):
        raise DTypeError(f"`out_channels` must be a sequence of channel indices or None; got {out_channels!r}")
    chans = []
    for c in out_channels:
        if isinstance(c, bool) or not isinstance(c, numbers.Integral):
            raise DTypeError(f"`out_channels` entries must be integers; got {c!r}")
        if not 0 <= c < total:
            raise ParameterError(f"`out_channels` entries must be in [0, {total - 1}]; got {int(c)}")
        chans.append(int(c))
    if len(set(chans)) != len(chans):
        raise ParameterError(f"`out_channels` must not repeat a channel; got {list(out_channels)}")
    if len(chans) != n:
        raise ShapeError(f"`out_channels` must name one channel per kernel ({n}); got {len(chans)}")
    return chans


def _fit_kernels(bank: FilterBank, ksize: tuple[int, int]) -> np.ndarray:
    kh, kw = bank.ksize
    dh, dw = ksize[0] - kh, ksize[1] - kw
    if dh < 0 or dw < 0 or dh % 2 or dw % 2:
        raise ShapeError(
            f"`bank` kernels {bank.ksize} must fit the conv's kernel_size {ksize}: equal, or smaller by an even "
            "number on each axis (then centre-padded with zeros); crop the bank yourself to go smaller"
        )
    return np.pad(bank.kernels, ((0, 0), (dh // 2, dh // 2), (dw // 2, dw // 2)))


def inject(
    conv: nn.Conv2d,
    bank: FilterBank | Any,
    *,
    mode: str = "frozen",
    out_channels: Sequence[int] | None = None,
    in_channels: str | int = "mean",
    bias: str = "zero",
) -> nn.Conv2d:
    """Write a bank into an existing ``nn.Conv2d`` as its weights, frozen or trainable.

    The conv is changed in place and returned; it stays an ``nn.Conv2d`` (no
    subclassing, no monkey-patching), runs with its own padding, stride and
    groups, and its kernels are not flipped (``nn.Conv2d`` correlates, like
    ``cv2.filter2D``).

    Parameters
    ----------
    conv : torch.nn.Conv2d
        Target layer; ``dilation`` must be 1 (a dilated conv would apply a
        different kernel).
    bank : FilterBank or array-like
        ``N`` kernels. Kernels smaller than ``conv.kernel_size`` by an even
        number of taps per axis are centre-padded with zeros; larger ones or odd
        differences raise (cropping would change the filters).
    mode : {"frozen", "trainable"}
        ``"frozen"``: the injected channels never change under any optimiser.
        When every output channel is injected, ``weight`` becomes a Parameter
        with ``requires_grad=False``; when only some are, the weight is
        parametrised as ``where(mask, fixed_buffer, free_param)`` so exactly
        those channels are frozen while the others learn. ``"trainable"``: the
        values are written and learn like any weight.
    out_channels : sequence of int, optional
        Output channel for each kernel. Default: channels ``0..N-1``; except for
        a grouped conv with ``groups * N`` outputs, where every group receives
        the whole bank (channel ``g * N + n`` = kernel ``n``, the layout of
        :class:`FilterConv2d`).
    in_channels : {"mean", "sum"} or int
        How a 2-D kernel fills the ``in_channels // groups`` inputs an output
        channel sees: ``"mean"`` puts ``k / Cg`` on each (the filter of the
        channel mean, e.g. of RGB), ``"sum"`` puts ``k`` on each, an int ``j``
        puts ``k`` on input ``j`` only and zeros elsewhere. With one input per
        group all three are the same.
    bias : {"zero", "keep"}
        ``"zero"`` sets the injected channels' bias to 0 (frozen with them in
        frozen mode), so the output equals :func:`filterbank.filter2d`;
        ``"keep"`` leaves the bias as it is.

    Returns
    -------
    torch.nn.Conv2d
        The same ``conv``.

    Notes
    -----
    Partial freezing changes the ``state_dict`` keys of that conv to those of
    ``torch.nn.utils.parametrize`` (``parametrizations.weight.original`` plus
    the ``fixed``/``mask`` buffers); full freezing keeps ``weight``.

    Examples
    --------
    >>> import torch
    >>> from filterbank import FilterBank
    >>> conv = torch.nn.Conv2d(3, 16, 3, padding=1)
    >>> bank = FilterBank.from_specs([{"family": "sobel", "dx": 1, "dy": 0}, {"family": "sobel", "dx": 0, "dy": 1}])
    >>> _ = inject(conv, bank, out_channels=[0, 1])   # channels 0, 1 frozen, 2..15 learn
    >>> conv.weight.shape
    torch.Size([16, 3, 3, 3])
    """
    if not isinstance(conv, nn.Conv2d):
        raise DTypeError(f"`conv` must be a torch.nn.Conv2d; got {type(conv).__name__}")
    check_mode(mode)
    if tuple(conv.dilation) != (1, 1):
        raise ParameterError(f"`conv.dilation` must be (1, 1) to apply the bank's kernels; got {tuple(conv.dilation)}")
    if bias not in ("zero", "keep"):
        raise ParameterError(f"`bias` must be 'zero' or 'keep'; got {bias!r}")
    bank = as_bank(bank)
    kernels = _fit_kernels(bank, tuple(conv.kernel_size))
    out_c, cg = conv.out_channels, conv.in_channels // conv.groups
    chans = _channels(out_channels, len(bank), out_c, conv.groups)
    n = len(bank)
    if isinstance(in_channels, str):
        if in_channels not in ("mean", "sum"):
            raise ParameterError(f"`in_channels` must be 'mean', 'sum' or an input index; got {in_channels!r}")
        scale = 1.0 / cg if in_channels == "mean" else 1.0
        only = None
    else:
        if isinstance(in_channels, bool) or not isinstance(in_channels, numbers.Integral):
            raise DTypeError(f"`in_channels` must be 'mean', 'sum' or an int; got {in_channels!r}")
        if not 0 <= in_channels < cg:
            raise ParameterError(f"`in_channels` index must be in [0, {cg - 1}] (inputs per group); got {in_channels}")
        scale, only = 1.0, int(in_channels)

    weight = conv.weight
    k = torch.from_numpy(kernels).to(dtype=weight.dtype, device=weight.device)
    values = torch.zeros((len(chans), cg, *conv.kernel_size), dtype=weight.dtype, device=weight.device)
    if only is None:
        values[:] = (k[[i % n for i in range(len(chans))]] * scale).unsqueeze(1)
    else:
        values[:, only] = k[[i % n for i in range(len(chans))]]
    index = torch.tensor(chans, device=weight.device)

    frozen = mode == "frozen"
    full = len(chans) == out_c
    _write(conv, "weight", index, values, frozen=frozen, full=full)
    if conv.bias is not None and bias == "zero":
        _write(
            conv,
            "bias",
            index,
            torch.zeros(len(chans), dtype=weight.dtype, device=weight.device),
            frozen,
            full,
        )
    return conv


def _write(conv: nn.Module, name: str, index: torch.Tensor, values: torch.Tensor, frozen: bool, full: bool) -> None:
    """Write ``values`` into rows ``index`` of ``conv.<name>``, freezing them exactly if asked."""
    pmod = _partial_freeze(conv, name)
    with torch.no_grad():
        if pmod is not None:
            free = conv.parametrizations[name].original
            free[index] = values
            pmod.fixed[index] = values
            pmod.mask[index] = frozen
            if frozen and bool(pmod.mask.all()):
                parametrize.remove_parametrizations(conv, name, leave_parametrized=True)
                getattr(conv, name).requires_grad_(False)
            return
        param = getattr(conv, name)
        param[index] = values
    if full or not frozen:
        if full:
            param.requires_grad_(not frozen)
        return
    mask_shape = (param.shape[0],) + (1,) * (param.dim() - 1)
    mask = torch.zeros(mask_shape, dtype=torch.bool, device=param.device)
    mask[index] = True
    parametrize.register_parametrization(conv, name, PartialFreeze(param.detach(), mask))


def _partial_freeze(conv: nn.Module, name: str) -> PartialFreeze | None:
    if not parametrize.is_parametrized(conv, name):
        return None
    plist = conv.parametrizations[name]
    if len(plist) != 1 or not isinstance(plist[0], PartialFreeze):
        raise ParameterError(
            f"`conv.{name}` already carries a parametrisation filterbank does not own; remove it first"
        )
    return plist[0]
