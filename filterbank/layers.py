"""``FilterConv2d``: an ``nn.Conv2d`` that applies a filter bank exactly as ``filter2d``; 1-D and 3-D twins.

:class:`FilterConv1d` (an ``nn.Conv1d``) and :class:`FilterConv3d` (an
``nn.Conv3d``) do the same for signals and volumes, equal to
:func:`filterbank.filter1d` / :func:`filterbank.filter3d`. The three share one
body (:class:`_FilterConv`); only the dimension and the conv class differ.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import torch
from torch import nn

from . import _core
from . import borders as _borders
from . import plan as _plan
from ._errors import ParameterError, ShapeError, UnknownNameError
from ._types import KernelLike
from ._validate import as_float, int_in_range
from .bank import as_bank
from .parametric import GaussianGeneratorND, KernelGenerator
from .plan import nd as _plan_nd

__all__ = ["BAKE_MODES", "MODES", "FilterConv1d", "FilterConv2d", "FilterConv3d"]

#: Injection modes.
MODES: tuple[str, ...] = ("frozen", "trainable", "parametric")
# A learned kernel leaves the rank-1 set after one step: 'separable' would train (on a complete
# basis) and then refuse every forward without a gradient. Refused before any training instead.
_LEARNED_SEPARABLE = (
    "`method` 'separable' needs kernels that stay rank 1, which learning does not keep; got mode {mode}: "
    "use method={alternative} or 'auto'"
)
_EXACT_METHOD = {1: "'direct' (or 'fft')", 2: "'lowrank' (exact for any kernel)", 3: "'direct' (or 'fft')"}
# A learned kernel leaves the rank-1 set after one step: 'separable' would train (on a complete
# basis) and then refuse every forward without a gradient. Refused before any training instead.
_LEARNED_SEPARABLE = (
    "`method` 'separable' needs kernels that stay rank 1, which learning does not keep; got mode {mode}: "
    "use method='lowrank' (exact for any kernel) or 'auto'"
)

#: What :meth:`FilterConv2d.bake` can turn a layer into.
BAKE_MODES: tuple[str, ...] = ("frozen", "trainable")


def check_mode(mode: str) -> str:
    """Validate a mode name."""
    if mode not in MODES:
        raise UnknownNameError("mode", mode, MODES)
    return mode


def check_learn(mode: str, learn: object) -> None:
    """``learn`` only means something in parametric mode."""
    if learn is not None and mode != "parametric":
        raise ParameterError(f"`learn` applies to mode='parametric' only; got learn={learn!r} with mode={mode!r}")


def check_bake_mode(mode: str) -> str:
    """Validate what a bake turns generated kernels into."""
    if mode not in BAKE_MODES:
        raise UnknownNameError("mode", mode, BAKE_MODES)
    return mode


def set_plain_weight(conv: nn.Module, w: torch.Tensor) -> None:
    """Make ``w`` the plain ``weight`` Parameter of ``conv``, keeping ``nn.Conv2d``'s key order (weight, bias).

    A parametrised bias (``conv.parametrizations.bias``) is left where it is.
    """
    if "bias" not in conv._parameters:
        conv.weight = nn.Parameter(w)
        return
    bias = conv._parameters.pop("bias")
    conv.weight = nn.Parameter(w)
    conv.register_parameter("bias", bias)


#: How the spatial axes are written in messages, by dimension.
_AXES = {1: "L", 2: "H, W", 3: "D, H, W"}


class _FilterConv(nn.Module):
    """The body of :class:`FilterConv1d`, :class:`FilterConv2d` and :class:`FilterConv3d`.

    A mixin placed before ``nn.Conv1d`` / ``nn.Conv2d`` / ``nn.Conv3d`` in the bases;
    ``_ndim`` is the number of spatial axes.
    """

    _ndim = 2

    def __init__(
        self,
        bank: KernelLike,
        in_channels: int = 1,
        *,
        mode: str = "frozen",
        learn: str | Iterable[str] | None = None,
        border: str | int = "reflect101",
        anchor: tuple[int, int] | None = None,
        value: float = 0.0,
        bias: bool = False,
        method: str = "auto",
        device: torch.device | str | None = None,
        dtype: torch.dtype | None = None,
    ) -> None:
        d = self._ndim
        methods = _plan.METHODS if d == 2 else _plan_nd.METHODS_ND
        if method not in methods:
            raise UnknownNameError("method", method, methods)
        if method == "separable" and mode in ("trainable", "parametric"):
            raise ParameterError(_LEARNED_SEPARABLE.format(mode=repr(mode), alternative=_EXACT_METHOD[d]))
        bank = as_bank(bank, ndim=d)
        if bank.ndim != d:
            raise ShapeError(
                f"`bank` must hold {d}-D kernels for {type(self).__name__}; got {bank.ndim}-D kernels {bank.ksize}"
            )
        in_channels = int_in_range("in_channels", in_channels, 1)
        check_mode(mode)
        check_learn(mode, learn)
        n = len(bank)
        ksize = tuple(bank.ksize)
        super().__init__(
            in_channels,
            in_channels * n,
            ksize,
            padding=0,
            groups=in_channels,
            bias=bias,
            device=device,
            dtype=dtype,
        )
        self.bank = bank
        self.border = _borders.normalize_border(border)
        self.anchor = anchor
        # 2-D: (top, bottom, left, right), the layout of padding_for; 1-D / 3-D: (before, after) per axis.
        self.padding_spec: Any = (
            _borders.padding_for(ksize, anchor) if d == 2 else _borders.padding_nd(ksize, anchor)  # type: ignore[arg-type]
        )
        if d == 2:
            self.pad4 = self.padding_spec
        self.value = _core.border_value(as_float("value", value), self.border)
        self.method = method
        with torch.no_grad():
            k = _core.cast_kernels("bank", bank.to_tensor(dtype=torch.float64), self.weight.dtype)
            k = k.to(self.weight.device)
            self.weight.copy_(k.repeat(in_channels, *([1] * d)).unsqueeze(1))
            if self.bias is not None:
                self.bias.zero_()
        trainable = mode == "trainable"
        if self.bias is not None:
            self.bias.requires_grad_(trainable)
        if mode == "parametric":
            make = KernelGenerator if d == 2 else GaussianGeneratorND
            gen = make(bank, learn=learn, dtype=self.weight.dtype, device=self.weight.device)
            del self.weight  # the weight is generated; no stale copy is kept
            self.generator = gen
        else:
            self.weight.requires_grad_(trainable)

    def __getattr__(self, name: str) -> Any:
        # Parametric mode: ``weight`` is computed from the generator on access.
        if name == "weight":
            modules = self.__dict__.get("_modules")
            if modules is not None and "generator" in modules:
                return self._generated_weight()
        return super().__getattr__(name)

    def _generated_weight(self) -> torch.Tensor:
        gen = self.generator
        k = gen().to(gen.dtype)  # generated in float32/64, cast to the layer's dtype
        return k.unsqueeze(1).repeat(self.in_channels, *([1] * (self._ndim + 1)))

    @property
    def mode(self) -> str:
        """``"parametric"`` with a generator, else ``"trainable"`` if the weight requires grad, else ``"frozen"``.

        Derived from the layer's state, never stale.
        """
        if "generator" in self._modules:
            return "parametric"
        return "trainable" if self.weight.requires_grad else "frozen"

    def bake(self, mode: str = "frozen") -> _FilterConv:
        """Replace the generator by a plain ``weight`` Parameter holding the current kernels; returns ``self``.

        The output is bit-identical before and after. ``self.bank`` becomes the
        current kernels with the learned values in their specs.

        Parameters
        ----------
        mode : {"frozen", "trainable"}
            ``requires_grad`` of the new weight. On a layer that is not
            parametric, bake only sets that flag.

        Returns
        -------
        FilterConv1d, FilterConv2d or FilterConv3d
            ``self``, whose ``state_dict`` now has the plain ``weight`` key.

        Examples
        --------
        >>> import torch
        >>> from filterbank import FilterBank
        >>> bank = FilterBank.from_specs([{"family": "log", "ksize": 7, "sigma": 1.5}])
        >>> layer = FilterConv2d(bank, mode="parametric")
        >>> x = torch.rand(1, 1, 16, 16)
        >>> y = layer(x)
        >>> torch.equal(layer.bake()(x), y), layer.mode, list(layer.state_dict())
        (True, 'frozen', ['weight'])
        """
        check_bake_mode(mode)
        if "generator" in self._modules:
            with torch.no_grad():
                w = self._generated_weight().detach().clone()
            self.bank = self.generator.to_bank()
            del self.generator
            set_plain_weight(self, w)
        self.weight.requires_grad_(mode == "trainable")
        return self

    @property
    def names(self) -> list[str]:
        """Output channel names, ``"c{c}:{kernel name}"`` (just the kernel name for one channel)."""
        if self.in_channels == 1:
            return self.bank.names
        return [f"c{c}:{s}" for c in range(self.in_channels) for s in self.bank.names]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Filter ``(B, C, *S)`` or ``(C, *S)`` input (``S`` = L, (H, W) or (D, H, W)); returns ``(B, C * N, *S)``."""
        d = self._ndim
        axes = _AXES[d]
        if x.dim() not in (d + 1, d + 2) or x.shape[-d - 1] != self.in_channels:
            raise ShapeError(
                f"`x` must be (B, {self.in_channels}, {axes}) or ({self.in_channels}, {axes}); "
                f"got shape {tuple(x.shape)}"
            )
        if d == 2:
            _core.check_pixels("x", x.shape)
        elif any(v == 0 for v in x.shape[x.dim() - d :]):
            raise ShapeError(f"`x` must have every spatial axis >= 1; got shape {tuple(x.shape)}")
        if x.dim() == d + 1:  # unbatched (C, *S), as nn.ConvNd accepts
            return self.forward(x.unsqueeze(0))[0]
        weight = self._generated_weight() if "generator" in self._modules else self.weight
        if self.method == "separable" and weight.requires_grad:
            raise ParameterError(
                _LEARNED_SEPARABLE.format(mode="trainable (weight.requires_grad is True)", alternative=_EXACT_METHOD[d])
            )
        # (C * N, 1, *ks) -> one bank of N kernels per channel, through filter2d's / filter3d's own path
        kernels = weight.reshape(self.in_channels, -1, *weight.shape[2:])
        return _core.filter_tensor(
            x,
            kernels,
            padding=self.padding_spec,
            border=self.border,
            value=self.value,
            method=self.method,
            bias=self.bias,
        )

    def extra_repr(self) -> str:
        pad = f"pad(t,b,l,r)={self.padding_spec}" if self._ndim == 2 else f"pad={self.padding_spec}"
        return (
            f"bank={len(self.bank)}x{self.bank.ksize}, in_channels={self.in_channels}, mode={self.mode!r}, "
            f"border={self.border!r}, {pad}, method={self.method!r}"
        )


class FilterConv2d(_FilterConv, nn.Conv2d):
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
    mode : {"frozen", "trainable", "parametric"}
        ``"frozen"``: ``weight`` is an ``nn.Parameter`` with
        ``requires_grad=False`` (optimisers never move it; gradients still reach
        the input). ``"trainable"``: seeded from the bank, learns.
        ``"parametric"``: the kernels are regenerated in every forward by
        ``self.generator``, a :class:`~filterbank.parametric.KernelGenerator`
        whose Parameters (``log_sigma``, ``theta``, ``log_lambd``,
        ``log_gamma``, ``psi``, ...) learn; the bank must come from the
        families ``gabor``, ``gaussian``, ``gaussian_derivative``, ``log``,
        ``dog`` (its specs are the initial values).
    learn : "all", str or sequence of str, optional
        Parametric mode only: which generator parameters learn (``"sigma"``,
        ``"theta"``, ``"lambd"``, ``"gamma"``, ``"psi"``, ``"sigma_y"``,
        ``"sigma_low"``, ``"sigma_high"``); the others stay fixed. Default
        (None): all of them.
    border : str or int
        Border name as in :func:`filterbank.filter2d` (default ``"reflect101"``).
    anchor : (int, int) or None
        (row, col) kernel tap on the output pixel; default ``(kh // 2, kw // 2)``.
    value : float
        Border value for ``"constant"``; a non-zero value with another border is
        refused (it would mean nothing).
    bias : bool
        Add a bias (initialised to zero; frozen in frozen and parametric mode).
    method : {"auto", "direct", "separable", "lowrank", "fft", "opencv"}
        How the convolution is executed (:mod:`filterbank.plan`). ``"auto"``
        picks the cheapest method whose error stays within the OpenCV parity
        tolerance; ``"direct"`` is the plain grouped ``F.conv2d``; ``"opencv"``
        is ``cv2.filter2D`` on CPU float32 / float64 input, differentiable
        (its backward is again a correlation, with the flipped kernels).
        ``"separable"`` needs rank-1 kernels that stay so: it is refused with
        ``mode="trainable"`` or ``"parametric"``, and in a forward pass while the
        weight requires grad (use ``"lowrank"``, exact for any kernel).

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

    In parametric mode there is no ``weight`` Parameter: ``layer.weight`` is
    computed on access from the generator (differentiable, never cached), the
    ``state_dict`` keys are ``generator.<name>`` (the same in train and eval),
    loading a state_dict changes the next forward, and :meth:`bake` turns the
    layer back into a plain frozen or trainable one with the same output.
    Kernels are generated in float32 or float64 (float32 for a half-precision
    layer) and cast to the layer's dtype; under ``torch.autocast`` the
    convolution casts them like any weight.

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
    >>> gabors = FilterBank.from_specs([{"family": "gabor", "ksize": 7, "sigma": 2.0, "theta": t, "lambd": 5.0}
    ...                                 for t in (0.0, 0.8)])
    >>> learner = FilterConv2d(gabors, mode="parametric", learn=["sigma", "theta"])
    >>> sorted(name for name, p in learner.named_parameters() if p.requires_grad)
    ['generator.log_sigma', 'generator.theta']
    """

    _ndim = 2


class FilterConv1d(_FilterConv, nn.Conv1d):
    """A depthwise ``nn.Conv1d`` holding a bank of 1-D kernels, with filterbank's borders and anchor.

    The 1-D twin of :class:`FilterConv2d`: output channel ``c * N + n`` is input
    channel ``c`` correlated with kernel ``n``, equal to :func:`filterbank.filter1d`
    (and so to ``scipy.ndimage.correlate1d`` under the border map of
    :mod:`filterbank.borders`).

    Parameters
    ----------
    bank : FilterBank or array-like
        ``N`` kernels ``(N, k)`` (or one ``(k,)``; an array is read as 1-D kernels).
    in_channels : int
        Input channels ``C``; ``C * N`` outputs, ``groups=C``.
    mode : {"frozen", "trainable", "parametric"}
        As :class:`FilterConv2d`. ``"parametric"`` needs ``gaussian_nd`` /
        ``log_nd`` specs: ``self.generator`` is a
        :class:`~filterbank.parametric.GaussianGeneratorND` whose ``log_sigma``
        learns.
    learn : "all", "sigma" or None
        Parametric mode only.
    border : str or int
        As :func:`filterbank.filter1d` (default ``"reflect101"``).
    anchor : int, (int,) or None
        Kernel tap on the output sample; default ``k // 2``.
    value : float
        Border value for ``"constant"``.
    bias : bool
        Add a bias (zero; frozen in frozen and parametric mode).
    method : {"auto", "direct", "separable", "fft"}
        How the convolution runs (:mod:`filterbank.plan.nd`).

    Examples
    --------
    >>> import numpy as np, torch
    >>> from filterbank import FilterBank, kernels
    >>> bank = FilterBank(np.stack([kernels.gaussian_nd(9, 1.5, o, ndim=1) for o in (0, 1, 2)]), ndim=1)
    >>> layer = FilterConv1d(bank, in_channels=2)
    >>> layer(torch.rand(4, 2, 100)).shape, isinstance(layer, torch.nn.Conv1d)
    (torch.Size([4, 6, 100]), True)
    """

    _ndim = 1


class FilterConv3d(_FilterConv, nn.Conv3d):
    """A depthwise ``nn.Conv3d`` holding a bank of 3-D kernels, with filterbank's borders and anchor.

    The 3-D twin of :class:`FilterConv2d`: output channel ``c * N + n`` is input
    channel ``c`` correlated with kernel ``n``, equal to :func:`filterbank.filter3d`
    (and so to ``scipy.ndimage.correlate``). A rank-1 bank (a Gaussian jet) runs as
    separable passes, a large non-separable one by FFT (:mod:`filterbank.plan.nd`).

    Parameters
    ----------
    bank : FilterBank or array-like
        ``N`` kernels ``(N, kd, kh, kw)`` (or one ``(kd, kh, kw)``), e.g.
        :func:`filterbank.banks3d.gaussian_jet` or :func:`filterbank.banks3d.gabor`.
    in_channels : int
        Input channels ``C``; ``C * N`` outputs, ``groups=C``.
    mode : {"frozen", "trainable", "parametric"}
        As :class:`FilterConv1d` (parametric: ``gaussian_nd`` / ``log_nd`` banks).
    learn : "all", "sigma" or None
        Parametric mode only.
    border : str or int
        As :func:`filterbank.filter3d` (default ``"reflect101"``).
    anchor : (int, int, int) or None
        ``(depth, row, col)`` kernel tap on the output voxel; default ``k // 2`` per axis.
    value : float
        Border value for ``"constant"``.
    bias : bool
        Add a bias (zero; frozen in frozen and parametric mode).
    method : {"auto", "direct", "separable", "fft"}
        How the convolution runs.

    Examples
    --------
    >>> import torch
    >>> from filterbank import banks3d
    >>> layer = FilterConv3d(banks3d.gaussian_jet(1, [1.0]), in_channels=1, mode="parametric")
    >>> layer(torch.rand(1, 1, 12, 12, 12)).shape, sorted(layer.state_dict())
    (torch.Size([1, 4, 12, 12, 12]), ['generator.log_sigma'])
    """

    _ndim = 3
