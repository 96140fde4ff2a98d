"""Running a plan: :func:`correlate`, the one entry point from padded input to the 'valid' correlation.

:func:`filterbank._core.filter_tensor` (behind both ``filter2d`` and ``FilterConv2d``)
calls :func:`correlate`; :func:`correlate_valid` and :func:`conv_forward` are thin
adapters of the two older layouts onto it.
"""

from __future__ import annotations

import functools
import math

import torch
import torch.nn.functional as F

from .. import _alloc, _device, _threads
from .._errors import ShapeError, UnknownNameError
from . import opencv as _opencv
from .chooser import METHODS, choose, estimate
from .direct import _direct, grouped_conv
from .factors import _Factors
from .fft import _fft
from .nonfinite import isolated, spreads
from .separable import _factored

__all__ = ["conv_forward", "correlate", "correlate_valid", "tracing"]


def _run(x: torch.Tensor, k: torch.Tensor, method: str, exact: bool) -> torch.Tensor:
    """x (M, G, Hp, Wp), k (G, N, kh, kw) -> (M, G, N, H, W), on the CPU at the threads of
    :func:`filterbank._threads.engine_threads` (the caller's count for a long call on a quiet CPU,
    else one; the caller's own setting is restored after)."""
    mth, f, p = choose((x.shape[0], x.shape[1], x.shape[2], x.shape[3]), k, method=method, exact=exact)
    if x.device.type != "cpu" or tracing():
        return _execute(x, k, mth, f)
    m, g, hp, wp = x.shape
    n, kh, kw = k.shape[1:]
    seconds = p.seconds if math.isfinite(p.seconds) else estimate("direct", (m, g, hp, wp), (n, kh, kw))
    with _threads.torch_threads(_threads.engine_threads(torch.get_num_threads(), seconds)):
        return _execute(x, k, mth, f)


def _execute(x: torch.Tensor, k: torch.Tensor, mth: str, f: _Factors | None) -> torch.Tensor:
    if mth == "direct":
        return _direct(x, k)
    if mth == "opencv":  # on padded planes: cv2.filter2D at anchor (0, 0), cropped to the valid region
        m, g, hp, wp = x.shape
        n, kh, kw = k.shape[1:]
        return _opencv.correlate_valid(x, k).reshape(m, g, n, hp - kh + 1, wp - kw + 1)
    if mth == "fft":
        run = functools.partial(_fft, k=k)
    else:
        assert f is not None
        run = functools.partial(_factored, k=k, f=f)
    grad = torch.is_grad_enabled() and (x.requires_grad or k.requires_grad)
    if spreads(mth, k.shape[-2], k.shape[-1], grad):  # images with a NaN / inf go direct
        return isolated(x, k, run)
    return run(x)


tracing = _device.tracing  # re-exported: the planner's public name for it


def correlate(
    xp: torch.Tensor,
    kernels: torch.Tensor,
    *,
    method: str = "auto",
    exact: bool = False,
    bias: torch.Tensor | None = None,
) -> torch.Tensor:
    """Correlate a padded batch with a bank, 'valid' region only: the planner's one entry point.

    Parameters
    ----------
    xp : torch.Tensor
        Padded input ``(B, C, Hp, Wp)``.
    kernels : torch.Tensor
        ``(G, N, kh, kw)``, same dtype and device as ``xp``, with ``G == C``
        (channel ``c`` correlated with its own ``N`` kernels ``kernels[c]``: the
        weight of :class:`filterbank.FilterConv2d`, whose per-channel kernels may
        differ) or ``G == 1`` (every channel with the same ``N`` kernels: the bank
        of :func:`filterbank.filter2d`; the channels are folded into the batch).
        Gradients reach the kernels through every method.
    method : str
        One of :data:`METHODS`; ``"auto"`` asks the planner. Under ``torch.compile``,
        ``torch.export``, ONNX export and tracing, ``auto`` is the plain direct conv.
    exact : bool
        Only ``direct`` may be chosen by ``auto`` (integer outputs below
        ``OPENCV_DFT_TAPS`` taps, whose parity bound with OpenCV is exact).
    bias : torch.Tensor, optional
        ``(C * N,)``, added to the output.

    Returns
    -------
    torch.Tensor
        ``(B, C * N, Hp - kh + 1, Wp - kw + 1)``; channel ``c * N + n`` is input
        channel ``c`` correlated with kernel ``n`` (of its group).

    Examples
    --------
    >>> import torch
    >>> correlate(torch.ones(2, 3, 6, 6), torch.ones(3, 2, 3, 3)).shape
    torch.Size([2, 6, 4, 4])
    >>> correlate(torch.ones(2, 3, 6, 6), torch.ones(1, 2, 3, 3))[0, :, 0, 0]
    tensor([9., 9., 9., 9., 9., 9.])
    """
    if method not in METHODS:
        raise UnknownNameError("method", method, METHODS)
    if xp.dim() != 4 or kernels.dim() != 4 or kernels.shape[0] not in (1, xp.shape[1]):
        raise ShapeError(
            "`kernels` must be (G, N, kh, kw) with G == 1 or G == C of `xp` (B, C, Hp, Wp); "
            f"got kernels {tuple(kernels.shape)}, xp {tuple(xp.shape)}"
        )
    b, c, hp, wp = xp.shape
    g, n, kh, kw = kernels.shape
    if method == "auto" and tracing():
        method = "direct"
    if xp.device.type == "cpu" and not tracing():
        _alloc.prime_malloc()  # once per process: before any torch engine allocates on the CPU
    if g == c and c > 1:  # grouped: image b is one batch item of C groups
        if method == "direct":
            return _grouped_direct(xp, kernels, bias)
        y = _run(xp, kernels, method, exact)
    else:  # one bank for every channel: the channels are batch items of one group
        y = _run(xp.reshape(b * c, 1, hp, wp), kernels, method, exact)
    y = y.reshape(b, c * n, hp - kh + 1, wp - kw + 1)
    return y if bias is None else y + bias.reshape(1, c * n, 1, 1)


def _grouped_direct(xp: torch.Tensor, kernels: torch.Tensor, bias: torch.Tensor | None) -> torch.Tensor:
    """One grouped ``F.conv2d`` (the layer's own convolution), at the threads of :func:`_run`."""
    c, n, kh, kw = kernels.shape
    if xp.device.type != "cpu" or tracing():
        return F.conv2d(xp, kernels.reshape(c * n, 1, kh, kw), bias, 1, 0, 1, c)
    seconds = estimate("direct", (xp.shape[0], c, xp.shape[2], xp.shape[3]), (n, kh, kw))
    with _threads.torch_threads(_threads.engine_threads(torch.get_num_threads(), seconds)):
        return grouped_conv(xp, kernels, bias)


def correlate_valid(
    xp: torch.Tensor, kernels: torch.Tensor, *, method: str = "direct", exact: bool = False
) -> torch.Tensor:
    """Correlate every channel of a padded batch with every kernel of ``(N, kh, kw)``: :func:`correlate` with G = 1.

    Parameters
    ----------
    xp : torch.Tensor
        Padded input ``(B, C, Hp, Wp)``.
    kernels : torch.Tensor
        ``(N, kh, kw)``, same dtype and device as ``xp``.
    method : str
        One of :data:`METHODS`; ``"auto"`` asks the planner.
    exact : bool
        Only ``direct`` may be chosen by ``auto`` (see :func:`correlate`).

    Returns
    -------
    torch.Tensor
        ``(B, C * N, Hp - kh + 1, Wp - kw + 1)``; channel ``c * N + n`` is input
        channel ``c`` correlated with kernel ``n``.

    Examples
    --------
    >>> import torch
    >>> correlate_valid(torch.ones(1, 2, 5, 5), torch.ones(3, 3, 3)).shape
    torch.Size([1, 6, 3, 3])
    """
    if kernels.dim() != 3:
        raise ShapeError(f"`kernels` must be (N, kh, kw); got shape {tuple(kernels.shape)}")
    return correlate(xp, kernels.unsqueeze(0), method=method, exact=exact)


def conv_forward(
    xp: torch.Tensor,
    weight: torch.Tensor,
    groups: int,
    method: str = "auto",
    bias: torch.Tensor | None = None,
) -> torch.Tensor:
    """``F.conv2d(xp, weight, bias, groups=groups)`` for a depthwise filter-bank weight: :func:`correlate` with G = C.

    Parameters
    ----------
    xp : torch.Tensor
        Padded input ``(B, C, Hp, Wp)`` (or unbatched ``(C, Hp, Wp)``) with ``C == groups``.
    weight : torch.Tensor
        ``(C * N, 1, kh, kw)`` (the layout of :class:`filterbank.FilterConv2d`):
        output ``c * N + n`` correlates input channel ``c`` with ``weight[c * N + n]``.
    groups : int
        ``C``.
    method : str
        One of :data:`METHODS` (see :func:`correlate`).
    bias : torch.Tensor, optional
        ``(C * N,)``.

    Examples
    --------
    >>> import torch
    >>> conv_forward(torch.ones(2, 3, 6, 6), torch.ones(6, 1, 3, 3), 3).shape
    torch.Size([2, 6, 4, 4])
    """
    if method not in METHODS:
        raise UnknownNameError("method", method, METHODS)
    if xp.dim() == 3:  # unbatched (C, Hp, Wp), as F.conv2d accepts
        return conv_forward(xp.unsqueeze(0), weight, groups, method, bias)[0]
    if xp.dim() != 4 or weight.dim() != 4 or weight.shape[1] != 1 or xp.shape[1] != groups:
        raise ShapeError(
            f"`weight` must be (C * N, 1, kh, kw) with `xp` (B, C, Hp, Wp) and C == groups; "
            f"got weight {tuple(weight.shape)}, xp {tuple(xp.shape)}, groups {groups}"
        )
    c = xp.shape[1]
    cn, _, kh, kw = weight.shape
    return correlate(xp, weight.reshape(c, cn // c, kh, kw), method=method, bias=bias)
