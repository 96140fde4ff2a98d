"""Write a filter bank into an existing ``nn.Conv2d`` (or ``nn.Conv1d`` / ``nn.Conv3d``) as ``nn.Parameter``.

A bank of 1-D kernels goes into an ``nn.Conv1d``, 2-D into an ``nn.Conv2d``, 3-D
into an ``nn.Conv3d``, under the same rules (centre-padding, channels, groups,
exact partial freezing, parametric mode for the families with a torch generator).
"""

from __future__ import annotations

import copy
import fnmatch
import numbers
import weakref
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, cast

import numpy as np
import torch
from torch import nn
from torch.nn.utils import parametrize
from torch.optim.optimizer import register_optimizer_step_post_hook

from ._errors import DTypeError, ParameterError, ShapeError, UnknownNameError
from ._shape import center_fit
from ._types import KernelLike
from .bank import FilterBank, as_bank
from .layers import _FilterConv, check_bake_mode, check_learn, check_mode, set_plain_weight
from .parametric import GaussianGeneratorND, KernelGenerator

#: The conv layers :func:`inject` writes into, by number of spatial axes.
CONVS: dict[int, type[nn.Module]] = {1: nn.Conv1d, 2: nn.Conv2d, 3: nn.Conv3d}

__all__ = [
    "CONVS",
    "ParametricWeight",
    "PartialFreeze",
    "bake",
    "conv_names",
    "export_plain",
    "freeze",
    "inject",
    "inject_model",
    "param_groups",
    "unfreeze",
]


class PartialFreeze(nn.Module):
    """Parametrisation ``weight = where(mask, fixed, free)``: exact freezing of some channels.

    The frozen values live in a buffer, so no optimiser, momentum or weight
    decay can move them; the free tensor (``parametrizations.<name>.original``)
    still learns everywhere else. Gradient masks cannot do this (see the
    reference notes: masked channels drift under weight decay).
    """

    fixed: torch.Tensor  # buffers
    mask: torch.Tensor

    def __init__(self, fixed: torch.Tensor, mask: torch.Tensor) -> None:
        super().__init__()
        self.register_buffer("fixed", fixed.detach().clone())
        self.register_buffer("mask", mask.clone())

    def forward(self, free: torch.Tensor) -> torch.Tensor:
        return torch.where(self.mask, self.fixed, free)


class ParametricWeight(nn.Module):
    """Parametrisation ``weight = where(mask, generated, w)``: some output channels come from a generator.

    ``self.generator`` (a :class:`~filterbank.parametric.KernelGenerator`, or a
    :class:`~filterbank.parametric.GaussianGeneratorND` for 1-D / 3-D kernels) owns
    the named parameters; its kernels are regenerated in every forward (no
    cache), centre-padded to the conv's kernel size, spread over the inputs of
    each group by ``in_weights`` and placed in the injected output channels.
    The index buffers are derived from the construction arguments and are not
    part of the ``state_dict``.
    """

    rows: torch.Tensor  # buffers
    mask: torch.Tensor
    in_weights: torch.Tensor

    def __init__(
        self,
        generator: KernelGenerator | GaussianGeneratorND,
        channels: Sequence[int],
        out_channels: int,
        in_weights: torch.Tensor,
        ksize: tuple[int, ...],
    ) -> None:
        super().__init__()
        self.generator = generator
        n = len(generator.names)
        ones = (1,) * len(ksize)
        rows = torch.zeros(out_channels, dtype=torch.long)
        mask = torch.zeros(out_channels, 1, *ones, dtype=torch.bool)
        for j, c in enumerate(channels):
            rows[c] = j % n
            mask[c] = True
        self.register_buffer("rows", rows, persistent=False)
        self.register_buffer("mask", mask, persistent=False)
        self.register_buffer("in_weights", in_weights.reshape(1, -1, *ones).clone(), persistent=False)
        self.ksize = tuple(ksize)

    def generated(self, dtype: torch.dtype) -> torch.Tensor:
        """The injected values ``(out_channels, in_per_group, *ksize)`` (rows outside the mask are filler)."""
        k = center_fit(self.generator().to(dtype), self.ksize)
        values = k.unsqueeze(1) * self.in_weights.to(dtype)
        return values.index_select(0, self.rows)

    def forward(self, w: torch.Tensor) -> torch.Tensor:
        return torch.where(self.mask, self.generated(w.dtype), w)


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
        if not 0 <= int(c) < total:
            raise ParameterError(f"`out_channels` entries must be in [0, {total - 1}]; got {int(c)}")
        chans.append(int(c))
    if len(set(chans)) != len(chans):
        raise ParameterError(f"`out_channels` must not repeat a channel; got {list(out_channels)}")
    if len(chans) != n:
        raise ShapeError(f"`out_channels` must name one channel per kernel ({n}); got {len(chans)}")
    return chans


def _fit_kernels(bank: FilterBank, ksize: tuple[int, ...]) -> np.ndarray:
    diffs = [want - have for want, have in zip(ksize, bank.ksize, strict=True)]
    if any(v < 0 or v % 2 for v in diffs):
        raise ShapeError(
            f"`bank` kernels {bank.ksize} must fit the conv's kernel_size {ksize}: equal, or smaller by an even "
            "number on each axis (then centre-padded with zeros); crop the bank yourself to go smaller"
        )
    return np.array(center_fit(bank.kernels, ksize))  # writable copy (from_numpy warns on read-only)


def inject(
    conv: nn.Conv1d | nn.Conv2d | nn.Conv3d,
    bank: KernelLike,
    *,
    mode: str = "frozen",
    out_channels: Sequence[int] | None = None,
    in_channels: str | int = "mean",
    bias: str = "zero",
    learn: str | Iterable[str] | None = None,
) -> nn.Conv1d | nn.Conv2d | nn.Conv3d:
    """Write a bank into an existing ``nn.Conv2d`` as its weights, frozen, trainable or parametric.

    The same for a bank of 1-D kernels and an ``nn.Conv1d``, or 3-D kernels and an
    ``nn.Conv3d`` (every rule below holds per axis; parametric mode then needs
    ``gaussian_nd`` / ``log_nd`` kernels and learns their sigmas through a
    :class:`~filterbank.parametric.GaussianGeneratorND`).

    The conv is changed in place and returned; it stays an ``nn.Conv2d`` (no
    subclassing, no monkey-patching), runs with its own padding, stride and
    groups, and its kernels are not flipped (``nn.Conv2d`` correlates, like
    ``cv2.filter2D``).

    Parameters
    ----------
    conv : torch.nn.Conv2d, torch.nn.Conv1d or torch.nn.Conv3d
        Target layer, of the bank's dimension; ``dilation`` must be 1 (a
        dilated conv would apply a different kernel).
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
        values are written and learn like any weight. ``"parametric"``: the
        injected channels are regenerated in every forward from a
        :class:`~filterbank.parametric.KernelGenerator` (a
        :class:`ParametricWeight` parametrisation) whose named parameters
        learn; the other channels learn as before. The bank must come from the
        families with a torch generator (``gabor``, ``gaussian``,
        ``gaussian_derivative``, ``log``, ``dog``).
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
        ``"keep"`` leaves the bias as it is. In parametric mode the zeroed bias
        is frozen, as in frozen mode.
    learn : "all", str or sequence of str, optional
        Parametric mode only: which generator parameters learn (``"sigma"``,
        ``"theta"``, ``"lambd"``, ...); default (None) all.

    Returns
    -------
    torch.nn.Conv1d, torch.nn.Conv2d or torch.nn.Conv3d
        The same ``conv``.

    Notes
    -----
    Partial freezing changes the ``state_dict`` keys of that conv to those of
    ``torch.nn.utils.parametrize`` (``parametrizations.weight.original`` plus
    the ``fixed``/``mask`` buffers); full freezing keeps ``weight``. Parametric
    mode adds ``parametrizations.weight.<i>.generator.<name>`` (``log_sigma``,
    ``theta``, ...). A parametrised conv still loads a ``state_dict`` of the
    plain layout (``weight``, ``bias``): the weight goes to the free channels,
    and the frozen or generated channels keep their current values. torch
    refuses to pickle a parametrised module (``torch.save(model)``); save the
    ``state_dict``, or :func:`bake` first. Injecting several times composes:
    the last injection into a channel wins.

    Examples
    --------
    >>> import torch
    >>> from filterbank import FilterBank
    >>> conv = torch.nn.Conv2d(3, 16, 3, padding=1)
    >>> bank = FilterBank.from_specs([{"family": "sobel", "dx": 1, "dy": 0}, {"family": "sobel", "dx": 0, "dy": 1}])
    >>> _ = inject(conv, bank, out_channels=[0, 1])   # channels 0, 1 frozen, 2..15 learn
    >>> conv.weight.shape
    torch.Size([16, 3, 3, 3])
    >>> gabors = FilterBank.from_specs([{"family": "gabor", "ksize": 3, "sigma": 1.0, "theta": t, "lambd": 3.0}
    ...                                 for t in (0.0, 1.6)])
    >>> _ = inject(conv, gabors, mode="parametric", out_channels=[2, 3], learn="sigma")
    >>> [name for name, p in conv.named_parameters() if p.requires_grad]  # doctest: +NORMALIZE_WHITESPACE
    ['parametrizations.weight.original', 'parametrizations.weight.1.generator.log_sigma',
     'parametrizations.bias.original']
    """
    if not isinstance(conv, tuple(CONVS.values())):
        raise DTypeError(f"`conv` must be a torch.nn.Conv1d, nn.Conv2d or nn.Conv3d; got {type(conv).__name__}")
    check_mode(mode)
    check_learn(mode, learn)
    if isinstance(conv, _FilterConv) and conv.mode == "parametric":
        name = type(conv).__name__
        raise ParameterError(f"`conv` is a {name} in mode 'parametric'; call conv.bake() before injecting into it")
    if nn.parameter.is_lazy(conv.weight):
        raise ParameterError(
            f"`conv` is an uninitialised {type(conv).__name__} (nn.LazyConv{len(conv.kernel_size)}d: its weight has "
            "no shape until the first forward pass); run one forward pass first"
        )
    d = len(conv.kernel_size)
    if tuple(conv.dilation) != (1,) * d:
        raise ParameterError(
            f"`conv.dilation` must be {(1,) * d} to apply the bank's kernels; got {tuple(conv.dilation)}"
        )
    if bias not in ("zero", "keep"):
        raise ParameterError(f"`bias` must be 'zero' or 'keep'; got {bias!r}")
    bank = as_bank(bank, ndim=d)
    if bank.ndim != d:
        raise ShapeError(
            f"`bank` holds {bank.ndim}-D kernels {bank.ksize} but `conv` is an nn.{type(conv).__name__} "
            f"with {d}-D kernels; use an nn.Conv{bank.ndim}d"
        )
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
    index = torch.tensor(chans, device=weight.device)
    full = len(chans) == out_c
    frozen = mode != "trainable"  # parametric: the zeroed bias is frozen, as in frozen mode
    if mode == "parametric":
        _inject_parametric(conv, bank, chans, scale, only, learn)
    else:
        k = torch.from_numpy(kernels).to(dtype=weight.dtype, device=weight.device)[[i % n for i in range(len(chans))]]
        values = torch.zeros((len(chans), cg, *conv.kernel_size), dtype=weight.dtype, device=weight.device)
        if only is None:
            values[:] = (k * scale).unsqueeze(1)
        else:
            values[:, only] = k
        _write(conv, "weight", index, values, frozen=frozen, full=full)
    if conv.bias is not None and bias == "zero":
        zeros = torch.zeros(len(chans), dtype=weight.dtype, device=weight.device)
        _write(conv, "bias", index, zeros, frozen=frozen, full=full)
    return conv


def _inject_parametric(
    conv: nn.Conv1d | nn.Conv2d | nn.Conv3d,
    bank: FilterBank,
    chans: list[int],
    scale: float,
    only: int | None,
    learn: Any,
) -> None:
    weight = conv.weight
    out_c, cg = conv.out_channels, conv.in_channels // conv.groups
    make = KernelGenerator if bank.ndim == 2 else GaussianGeneratorND
    gen = make(bank, learn=learn, dtype=weight.dtype, device=weight.device)
    if only is None:
        in_weights = torch.full((cg,), scale, dtype=weight.dtype, device=weight.device)
    else:
        in_weights = torch.zeros(cg, dtype=weight.dtype, device=weight.device)
        in_weights[only] = 1.0
    pw = ParametricWeight(gen, chans, out_c, in_weights, tuple(conv.kernel_size)).to(weight.device)
    full = len(chans) == out_c
    if parametrize.is_parametrized(conv, "weight"):
        _owned(conv, "weight")
        if full:  # nothing below would show through: start from a plain weight
            parametrize.remove_parametrizations(conv, "weight", leave_parametrized=True)
    if full:
        with torch.no_grad():  # the original holds the seed, and never learns (it is not used)
            conv.weight.copy_(pw.generated(conv.weight.dtype))
        conv.weight.requires_grad_(False)
    _register(conv, "weight", pw)


def _plist(conv: nn.Module, name: str) -> parametrize.ParametrizationList:
    """``conv.parametrizations[name]``: torch adds ``parametrizations`` at run time, so mypy cannot see its type."""
    return cast(parametrize.ParametrizationList, cast(nn.ModuleDict, conv.parametrizations)[name])


def _owned(conv: nn.Module, name: str) -> None:
    for p in _plist(conv, name):
        if not isinstance(p, (PartialFreeze, ParametricWeight)):
            raise ParameterError(
                f"`conv.{name}` already carries a parametrisation filterbank does not own "
                f"({type(p).__name__}); remove it first"
            )


def _write(conv: nn.Module, name: str, index: torch.Tensor, values: torch.Tensor, frozen: bool, full: bool) -> None:
    """Write ``values`` into rows ``index`` of ``conv.<name>``, freezing them exactly if asked."""
    pmod = _partial_freeze(conv, name)
    with torch.no_grad():
        if pmod is not None:
            free = _plist(conv, name).original
            if len(_plist(conv, name)) == 1:
                free[index] = values
            pmod.fixed[index] = values
            pmod.mask[index] = frozen
            if frozen and bool(pmod.mask.all()):
                parametrize.remove_parametrizations(conv, name, leave_parametrized=True)
                getattr(conv, name).requires_grad_(False)
            return
        param = getattr(conv, name)
        if parametrize.is_parametrized(conv, name):  # a ParametricWeight below: write where it shows through
            if full and frozen:
                parametrize.remove_parametrizations(conv, name, leave_parametrized=True)
                param = getattr(conv, name)
            elif frozen:
                fixed = param.detach().clone()
                fixed[index] = values
                _register(conv, name, PartialFreeze(fixed, _row_mask(param, index)))
                return
            else:
                raise ParameterError(
                    f"`conv.{name}` has generated channels; mode 'trainable' cannot be written under them: "
                    "bake(conv) first"
                )
        param[index] = values
    if full or not frozen:
        if full:
            param.requires_grad_(not frozen)
        return
    _register(conv, name, PartialFreeze(param.detach(), _row_mask(param, index)))


def _row_mask(t: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
    """``(rows, 1, ...)`` bool mask on ``t``'s device, True at the rows ``index`` of ``t``."""
    mask = torch.zeros((t.shape[0],) + (1,) * (t.dim() - 1), dtype=torch.bool, device=t.device)
    mask[index] = True
    return mask


def _partial_freeze(conv: nn.Module, name: str) -> PartialFreeze | None:
    """The PartialFreeze on top of ``conv.<name>``'s parametrisations, if the top one is one."""
    if not parametrize.is_parametrized(conv, name):
        return None
    _owned(conv, name)
    top = _plist(conv, name)[-1]
    return top if isinstance(top, PartialFreeze) else None


def _plain_layout_hook(module: nn.Module, state_dict: dict, prefix: str, *args: Any) -> None:
    """Let a parametrised conv load a plain ``weight`` / ``bias`` state_dict.

    The plain tensor becomes the parametrisation's ``original`` (the free
    channels); keys of the parametrisations that the plain layout lacks
    (frozen values, masks, generator parameters) keep their current values.
    """
    if not hasattr(module, "parametrizations"):
        return
    current = None
    for name in ("weight", "bias"):
        key, orig = prefix + name, f"{prefix}parametrizations.{name}.original"
        if not parametrize.is_parametrized(module, name) or key not in state_dict or orig in state_dict:
            continue
        state_dict[orig] = state_dict.pop(key)
        if current is None:
            current = module.state_dict(prefix=prefix, keep_vars=True)
        head = f"{prefix}parametrizations.{name}."
        for k, v in current.items():
            if k.startswith(head) and k not in state_dict:
                state_dict[k] = v.detach()


def _add_plain_layout_hook(conv: nn.Module) -> None:
    hooks = getattr(conv, "_load_state_dict_pre_hooks", {})
    if not any(getattr(h, "hook", h) is _plain_layout_hook for h in hooks.values()):
        conv.register_load_state_dict_pre_hook(_plain_layout_hook)


def _register(conv: nn.Module, name: str, p: PartialFreeze | ParametricWeight) -> None:
    """Put ``p`` on ``conv.<name>``, with the hooks that keep the conv's state honest.

    Besides the plain-layout load hook: the free tensor ``original`` is made to hold the
    layer's true values on its frozen and generated rows in every ``state_dict``
    (:func:`_sync_original`), and on its frozen rows after every optimiser step, so that
    renaming ``parametrizations.<name>.original`` to ``<name>`` by hand gives the exact
    weights (weight decay would otherwise drift the unused frozen rows of ``original``).
    """
    parametrize.register_parametrization(conv, name, p)
    _add_plain_layout_hook(conv)
    if not any(h is _sync_original for h in conv._state_dict_pre_hooks.values()):
        conv.register_state_dict_pre_hook(_sync_original)
    if isinstance(p, PartialFreeze):
        _PARTIALLY_FROZEN.add(conv)
        if not _STEP_HOOK:
            _STEP_HOOK.append(register_optimizer_step_post_hook(_after_step))


def _covered(conv: nn.Module, name: str) -> torch.Tensor:
    """Rows of ``conv.<name>`` that do not come from the free tensor (frozen or generated)."""
    masks = [cast(torch.Tensor, p.mask) for p in _plist(conv, name)]  # both parametrisations hold a bool mask
    out = masks[0]
    for m in masks[1:]:
        out = out | m
    return out


def _sync_original(conv: nn.Module, *_: Any) -> None:
    """State-dict pre-hook: ``original`` takes the current values of the rows it does not drive.

    Those rows of ``original`` never reach the output, so nothing the model computes changes.
    """
    if not hasattr(conv, "parametrizations"):
        return
    with torch.no_grad():
        for name in ("weight", "bias"):
            if parametrize.is_parametrized(conv, name):
                original = _plist(conv, name).original
                current = getattr(conv, name).to(original.dtype)
                original.copy_(torch.where(_covered(conv, name), current, original))


def _after_step(optimizer: torch.optim.Optimizer, args: Any, kwargs: Any) -> None:
    """Optimiser step post-hook: the frozen rows of every partly frozen ``original`` back to the frozen values."""
    with torch.no_grad():
        for conv in list(_PARTIALLY_FROZEN):
            plists = getattr(conv, "parametrizations", {})
            for name in ("weight", "bias"):
                if name not in plists:
                    continue
                original = plists[name].original
                for p in plists[name]:
                    if isinstance(p, PartialFreeze):
                        original.copy_(torch.where(p.mask, p.fixed.to(original.dtype), original))


# Convs with an exact partial freeze, kept in step with every optimiser step (_after_step).
_PARTIALLY_FROZEN: weakref.WeakSet[nn.Module] = weakref.WeakSet()
_STEP_HOOK: list[Any] = []


# ------------------------------------------------------------------------------------------------ freezing


def _parameters(module: nn.Module, names: str | Sequence[str] | None) -> Iterator[tuple[str, nn.Parameter]]:
    if not isinstance(module, nn.Module):
        raise DTypeError(f"`module` must be a torch.nn.Module; got {type(module).__name__}")
    patterns = [names] if isinstance(names, str) else names
    if patterns is not None and not all(isinstance(p, str) for p in patterns):
        raise DTypeError(f"`names` must be a pattern or a sequence of patterns; got {names!r}")
    matched: set[str] = set()
    for qual, p in module.named_parameters():
        hit = patterns is None or [pat for pat in patterns if fnmatch.fnmatchcase(qual, pat)]
        if hit:
            if isinstance(hit, list):  # patterns were given
                matched.update(hit)
            yield qual, p
    if patterns is not None:
        missing = [pat for pat in patterns if pat not in matched]
        if missing:
            known = [q for q, _ in module.named_parameters()]
            raise ParameterError(f"`names` patterns must match at least one parameter; got {missing} in {known}")


def freeze(module: nn.Module, names: str | Sequence[str] | None = None) -> nn.Module:
    """Set ``requires_grad=False`` on the parameters of ``module`` (or those whose name matches).

    Parameters
    ----------
    module : torch.nn.Module
        Any module: a layer, an injected conv, a whole model.
    names : str or sequence of str, optional
        fnmatch patterns on qualified parameter names (``"*log_sigma"``,
        ``"conv1.*"``); default every parameter. A pattern that matches nothing raises.

    Returns
    -------
    torch.nn.Module
        ``module``.

    Notes
    -----
    Exact partial freezing (:func:`inject` with ``out_channels``) keeps the
    frozen channels in a buffer, so neither :func:`unfreeze` nor
    ``requires_grad_(True)`` can make them learn.

    Examples
    --------
    >>> conv = torch.nn.Conv2d(1, 2, 3)
    >>> freeze(conv, "bias").bias.requires_grad, conv.weight.requires_grad
    (False, True)
    """
    for _, p in _parameters(module, names):
        p.requires_grad_(False)
    return module


def unfreeze(module: nn.Module, names: str | Sequence[str] | None = None) -> nn.Module:
    """Set ``requires_grad=True`` on the parameters of ``module`` (or those whose name matches).

    Parameters
    ----------
    module : torch.nn.Module
        Any module.
    names : str or sequence of str, optional
        fnmatch patterns on qualified parameter names; default every parameter.

    Returns
    -------
    torch.nn.Module
        ``module``.

    Examples
    --------
    >>> conv = freeze(torch.nn.Conv2d(1, 2, 3))
    >>> unfreeze(conv).weight.requires_grad
    True
    """
    for _, p in _parameters(module, names):
        p.requires_grad_(True)
    return module


def param_groups(model: nn.Module, weight_decay: float, **options: Any) -> list[dict[str, Any]]:
    """Optimiser groups that keep frozen and shape parameters out of weight decay.

    Parameters
    ----------
    model : torch.nn.Module
        The model.
    weight_decay : float
        Decay of the ordinary trainable parameters, >= 0.
    **options
        Other per-group options (``lr=...``) copied into both groups.

    Returns
    -------
    list of dict
        ``{"params": [...], "weight_decay": weight_decay}`` with the trainable
        parameters, then ``{"params": [...], "weight_decay": 0.0}`` with the
        generator parameters (``log_sigma``, ``theta``, ...: decay would pull
        sigma towards 1 and theta towards 0) and every parameter that does not
        require grad now (so unfreezing it later never brings decay with it).
        Empty groups are left out.

    Examples
    --------
    >>> from filterbank import FilterBank, FilterConv2d
    >>> bank = FilterBank.from_specs([{"family": "log", "ksize": 5, "sigma": 1.0}])
    >>> model = torch.nn.Sequential(FilterConv2d(bank, mode="parametric"), torch.nn.Conv2d(1, 4, 3))
    >>> [len(g["params"]) for g in param_groups(model, weight_decay=0.01)]
    [2, 1]
    >>> opt = torch.optim.AdamW(param_groups(model, weight_decay=0.01, lr=1e-3))
    """
    if isinstance(weight_decay, bool) or not isinstance(weight_decay, numbers.Real) or not weight_decay >= 0:
        raise ParameterError(f"`weight_decay` must be a number >= 0; got {weight_decay!r}")
    generators = (KernelGenerator, GaussianGeneratorND)
    shape = {id(p) for m in model.modules() if isinstance(m, generators) for p in m.parameters()}
    decay, other = [], []
    for p in model.parameters():
        (decay if p.requires_grad and id(p) not in shape else other).append(p)
    groups = [
        {"params": decay, "weight_decay": float(weight_decay), **options},
        {"params": other, "weight_decay": 0.0, **options},
    ]
    return [g for g in groups if g["params"]]


# ------------------------------------------------------------------------------------------------ model surgery


def conv_names(model: nn.Module, ndim: int | None = None) -> list[str]:
    """Qualified names of the ``nn.Conv1d`` / ``nn.Conv2d`` / ``nn.Conv3d`` layers of ``model``, in order.

    Parameters
    ----------
    model : torch.nn.Module
        Any model.
    ndim : int, optional
        Only the convs with this many spatial axes (2: ``nn.Conv2d``); default all three kinds.

    Examples
    --------
    >>> conv_names(torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3), torch.nn.ReLU(), torch.nn.Conv2d(8, 8, 3)))
    ['0', '2']
    >>> conv_names(torch.nn.Sequential(torch.nn.Conv3d(1, 8, 3), torch.nn.Conv2d(8, 8, 3)), ndim=3)
    ['0']
    """
    kinds = tuple(CONVS.values()) if ndim is None else (CONVS[ndim],)
    return [name for name, m in model.named_modules() if isinstance(m, kinds)]


def _select(model: nn.Module, where: Any, ndim: int) -> list[str]:
    """The convs ``where`` names; ``"first"``, patterns and predicates look at the convs of the bank's dimension."""
    kind = f"nn.Conv{ndim}d"
    convs = {name: model.get_submodule(name) for name in conv_names(model, ndim)}
    if isinstance(where, Sequence) and not isinstance(where, str):
        convs = {name: model.get_submodule(name) for name in conv_names(model)}
    if not convs:
        raise ParameterError(f"`model` must contain an {kind}; got {type(model).__name__} without one")
    if isinstance(where, str):
        if where == "first":
            return [next(iter(convs))]
        chosen = [n for n in convs if fnmatch.fnmatchcase(n, where)]
    elif callable(where):
        chosen = [n for n, m in convs.items() if where(n, m)]
    elif isinstance(where, Sequence):
        for n in where:
            if n not in convs:
                raise UnknownNameError("where", n, convs)
        chosen = list(where)
    else:
        raise DTypeError(f"`where` must be 'first', a name pattern, a sequence of names or a predicate; got {where!r}")
    if not chosen:
        raise ParameterError(f"`where` must select at least one {kind}; got {where!r}; convs: {list(convs)}")
    return chosen


def inject_model(
    model: nn.Module,
    bank: KernelLike,
    *,
    where: str | Sequence[str] | Callable[[str, nn.Module], bool] = "first",
    **options: Any,
) -> list[str]:
    """Inject a bank into chosen ``nn.Conv2d`` (``nn.Conv1d`` / ``nn.Conv3d``) layers of a model, in place.

    Nothing is replaced or monkey-patched: each chosen conv stays the same
    object in the same place and gets the bank through :func:`inject`, so the
    model's structure and ``state_dict`` layout stay as they were (parametrised
    convs also load a plain-layout ``state_dict``, see :func:`inject`).

    Parameters
    ----------
    model : torch.nn.Module
        Any model.
    bank : FilterBank or array-like
        The kernels.
    where : "first", str, sequence of str or callable, optional
        ``"first"`` (default): the first ``nn.Conv2d`` in ``model.named_modules()``
        order (the first ``nn.Conv3d`` for a bank of 3-D kernels, ``nn.Conv1d``
        for 1-D). Another str: an fnmatch pattern on qualified names
        (``"layer1.*.conv1"``), among the convs of the bank's dimension. A
        sequence: exact names. A callable ``(name, conv) -> bool``: a predicate,
        asked about the convs of the bank's dimension.
    **options
        Passed to :func:`inject` (``mode``, ``out_channels``, ``in_channels``,
        ``bias``, ``learn``).

    Returns
    -------
    list of str
        The names of the convs injected.

    Examples
    --------
    >>> from filterbank import FilterBank
    >>> model = torch.nn.Sequential(torch.nn.Conv2d(3, 16, 3, padding=1), torch.nn.ReLU(), torch.nn.Conv2d(16, 8, 3))
    >>> bank = FilterBank.from_specs([{"family": "sobel", "dx": 1, "dy": 0}, {"family": "sobel", "dx": 0, "dy": 1}])
    >>> inject_model(model, bank, out_channels=[0, 1])
    ['0']
    """
    if not isinstance(model, nn.Module):
        raise DTypeError(f"`model` must be a torch.nn.Module; got {type(model).__name__}")
    bank = as_bank(bank)
    chosen = _select(model, where, bank.ndim)
    for name in chosen:
        inject(cast(nn.Conv2d, model.get_submodule(name)), bank, **options)  # _select names only convs
    return chosen


def bake(module: nn.Module, mode: str = "frozen") -> nn.Module:
    """Turn every generated kernel in ``module`` into plain values with identical output; in place.

    A :class:`~filterbank.FilterConv2d` (or ``FilterConv1d`` / ``FilterConv3d``) in
    parametric mode gets :meth:`~filterbank.FilterConv2d.bake`. A conv injected in parametric mode
    gets its current weight as a plain value: with ``mode="frozen"`` the
    generated channels are frozen exactly (with the previously frozen ones);
    with ``"trainable"`` they learn. When no channel stays partly frozen the
    conv is a plain ``nn.Conv2d`` again, with ``weight`` / ``bias`` keys, and
    can be pickled.

    Parameters
    ----------
    module : torch.nn.Module
        A layer or a whole model.
    mode : {"frozen", "trainable"}
        What the generated channels become.

    Returns
    -------
    torch.nn.Module
        ``module``.

    Examples
    --------
    >>> from filterbank import FilterBank
    >>> conv = torch.nn.Conv2d(1, 1, 5, bias=False)
    >>> _ = inject(conv, FilterBank.from_specs([{"family": "log", "ksize": 5, "sigma": 1.0}]), mode="parametric")
    >>> list(bake(conv).state_dict()), conv.weight.requires_grad
    (['weight'], False)
    """
    check_bake_mode(mode)
    for m in list(module.modules()):
        if isinstance(m, _FilterConv) and m.mode == "parametric":
            m.bake(mode)
        elif parametrize.is_parametrized(m, "weight") and any(
            isinstance(p, ParametricWeight) for p in _plist(m, "weight")
        ):
            _bake_conv(m, mode)
    return module


def _bake_conv(conv: nn.Module, mode: str) -> None:
    plist = _plist(conv, "weight")
    original = plist.original
    frozen = torch.zeros((original.shape[0],) + (1,) * (original.dim() - 1), dtype=torch.bool, device=original.device)
    for p in cast("Iterable[PartialFreeze | ParametricWeight]", plist):  # bake() sends ours; later cover earlier
        if isinstance(p, PartialFreeze) or mode == "frozen":
            frozen = frozen | p.mask
        else:  # generated channels that become trainable
            frozen = frozen & ~p.mask
    was_free = original.requires_grad
    with torch.no_grad():
        w = cast(torch.Tensor, conv.weight).detach().clone()  # parametrised: a tensor (mypy sees a Module's attr)
    parametrize.remove_parametrizations(conv, "weight", leave_parametrized=False)
    set_plain_weight(conv, w)
    if bool(frozen.all()):
        conv.weight.requires_grad_(False)
    elif bool(frozen.any()):
        conv.weight.requires_grad_(True)
        _register(conv, "weight", PartialFreeze(w, frozen))
    else:
        conv.weight.requires_grad_(was_free or mode == "trainable")


# ------------------------------------------------------------------------------------------------ plain export


def _foreign(model: nn.Module) -> str | None:
    """The first parametrisation in ``model`` that filterbank does not own, named for a message."""
    for qual, m in model.named_modules():
        for name, plist in getattr(m, "parametrizations", {}).items():
            for p in plist:
                if not isinstance(p, (PartialFreeze, ParametricWeight)):
                    return f"{qual or 'model'}.{name}: {type(p).__name__}"
    return None


def _drop_hooks(m: nn.Module) -> None:
    """Remove filterbank's state-dict hooks from a module that is plain again."""
    for key, h in list(m._state_dict_pre_hooks.items()):
        if h is _sync_original:
            del m._state_dict_pre_hooks[key]
    for key, h in list(m._load_state_dict_pre_hooks.items()):
        if getattr(h, "hook", h) is _plain_layout_hook:
            del m._load_state_dict_pre_hooks[key]


def _unparametrise(m: nn.Module) -> None:
    """Give a deep copy of a parametrised module plain Parameters holding its current values.

    ``remove_parametrizations`` would delete the properties from the module's class, which
    the copy shares with the original (torch copies parametrised modules without copying
    their class): the original would lose its ``weight``. Here only the copy's own state
    changes.
    """
    names = list(cast(nn.ModuleDict, m.parametrizations))
    with torch.no_grad():
        values = {n: getattr(m, n).detach().clone() for n in names}
    free = {n: _plist(m, n).original.requires_grad and not bool(_covered(m, n).all()) for n in names}
    m.__class__ = m.__class__.__bases__[0]  # the class the parametrisation was injected over
    del m._modules["parametrizations"]
    kept = dict(m._parameters)
    m._parameters.clear()
    for n in ("weight", "bias"):  # nn.Conv2d's key order
        if n in values:
            m._parameters[n] = nn.Parameter(values[n], requires_grad=free[n])
        elif n in kept:
            m._parameters[n] = kept.pop(n)
    m._parameters.update(kept)


def export_plain(model: nn.Module) -> nn.Module:
    """A copy of ``model`` in which every injected or generated kernel is a plain ``nn.Parameter``.

    For deployment and for saving whole models: the copy computes the same outputs,
    bit for bit; every conv has the plain ``weight`` / ``bias`` keys of the untouched
    architecture (its ``state_dict`` loads, strictly, into a fresh instance of it);
    and it pickles with ``torch.save(model)``, which torch refuses for a parametrised
    module. ``model`` itself is left as it was and can keep training.

    - A conv frozen in part or carrying generated channels (:func:`inject`) gets a
      plain weight with its current values; it requires grad if any row was free.
    - A :class:`~filterbank.FilterConv2d` in parametric mode is baked
      (:meth:`~filterbank.FilterConv2d.bake`, frozen): the generated kernels become
      its weight.
    - filterbank's state-dict hooks are removed from the copy.

    Parameters
    ----------
    model : torch.nn.Module
        Any model; its parametrisations must all be filterbank's.

    Returns
    -------
    torch.nn.Module
        The plain copy (``copy.deepcopy`` of ``model``, then the changes above).

    Raises
    ------
    ParameterError
        A parametrisation filterbank does not own (``weight_norm``, ...): remove it first.

    Notes
    -----
    The hand route works too: in every ``state_dict`` of an injected conv, the free
    tensor ``parametrizations.weight.original`` holds the layer's current values on
    its frozen and generated rows (and on its frozen rows after every optimiser
    step), so renaming the keys to ``weight`` / ``bias`` and dropping ``fixed`` /
    ``mask`` loads the exact weights into a plain conv.

    Examples
    --------
    >>> import io
    >>> from filterbank import FilterBank
    >>> model = torch.nn.Sequential(torch.nn.Conv2d(1, 4, 3, bias=False))
    >>> _ = inject(model[0], FilterBank.from_specs([{"family": "sobel", "dx": 1, "dy": 0}]), out_channels=[0])
    >>> list(model.state_dict())
    ['0.parametrizations.weight.original', '0.parametrizations.weight.0.fixed', '0.parametrizations.weight.0.mask']
    >>> plain = export_plain(model)
    >>> list(plain.state_dict())
    ['0.weight']
    >>> torch.save(plain, io.BytesIO())
    """
    if not isinstance(model, nn.Module):
        raise DTypeError(f"`model` must be a torch.nn.Module; got {type(model).__name__}")
    foreign = _foreign(model)
    if foreign is not None:
        raise ParameterError(
            f"`model` must carry only filterbank's parametrisations to be exported plain; {foreign} is not one "
            "(remove it with torch.nn.utils.parametrize.remove_parametrizations first)"
        )
    plain = copy.deepcopy(model)
    for m in list(plain.modules()):
        if isinstance(m, _FilterConv) and m.mode == "parametric":
            m.bake("frozen")
        if parametrize.is_parametrized(m):
            _unparametrise(m)
        _drop_hooks(m)
    return plain
