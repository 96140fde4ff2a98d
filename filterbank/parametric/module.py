"""A ``nn.Module`` that holds the parameters of a bank's kernels and regenerates them: :class:`KernelGenerator`.

:class:`KernelGenerator` turns a :class:`~filterbank.FilterBank` built from the
families of :data:`~filterbank.parametric.families.TABLE` into an ``nn.Module``
whose forward returns the ``(N, kh, kw)`` kernels. It owns one ``nn.Parameter``
per parameter name, with the positive ones stored as logarithms
(``log_sigma``, ``log_lambd``, ``log_gamma``, ``log_sigma_y``,
``log_sigma_low``, ``log_sigma_high``; ``theta`` and ``psi`` as they are), so
they stay positive by construction and never need clipping. Nothing is cached:
every forward regenerates the kernels from the current parameters.

Examples
--------
>>> from filterbank import FilterBank
>>> gen = KernelGenerator(FilterBank.from_specs([{"family": "log", "ksize": 5, "sigma": 1.0}]))
>>> gen.parameter_names, gen().shape
(('sigma',), torch.Size([1, 5, 5]))
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

import numpy as np
import torch
from torch import nn

from .. import kernels as _kernels
from .._errors import DTypeError, ParameterError, UnknownNameError
from .._shape import center_fit
from .._types import KernelLike
from ..bank import FilterBank, as_bank
from ._cores import compute_dtype
from .families import FAMILIES, PARAMETERS, POSITIVE, TABLE, Family, attr_name
from .generators import GENERATORS

__all__ = ["KernelGenerator"]


class _Plan:
    """How one kernel of a bank is generated: family, static configuration, own parameter values."""

    def __init__(self, index: int, name: str, spec: dict[str, Any]) -> None:
        family = spec.get("family")
        if not isinstance(family, str) or family not in GENERATORS:
            raise _no_generator(index, name, family)
        params = {k: v for k, v in spec.items() if k != "family"}
        h, w = _kernels.get(family, **params).shape  # validates every value (sigma > 0, odd sizes, ...)
        bound = _kernels.signature(family).bind(**params)
        bound.apply_defaults()
        args = dict(bound.arguments)
        fam: Family = TABLE[family]
        self.index, self.family = index, family
        self.values: dict[str, float] = {}
        for p in fam.params:
            v = args[p]
            absent = v is None or (p in fam.positive and float(v) == 0)
            if absent and p in fam.tied:
                continue  # copies its source (an isotropic kernel stays isotropic)
            if absent:
                raise ParameterError(
                    f"`{p}` must be > 0 for mode='parametric' (None or 0 selects OpenCV's automatic value or "
                    f"fixed table, which has no parameter to learn); got {v!r} in kernel {index} {name!r}"
                )
            self.values[p] = float(v)
        self.size: tuple[int, int] = (h, w)
        self.static: tuple[Any, ...] = fam.static(args)
        tied = tuple(p for p in fam.tied if p not in self.values)
        self.key: tuple[Any, ...] = (family, h, w, self.static, tied)


def _no_generator(index: int, name: str, family: object) -> UnknownNameError:
    err = UnknownNameError("mode", "parametric", ("frozen", "trainable"))
    err.args = (
        f"{err.args[0]} Kernel {index} {name!r} is of family {family!r}, which has no torch generator; "
        f"mode 'parametric' needs every kernel from one of {', '.join(map(repr, GENERATORS.names()))}.",
    )
    return err


def _learn_names(learn: str | Iterable[str] | None, present: Sequence[str], families: Sequence[str]) -> set[str]:
    if learn is None or (isinstance(learn, str) and learn == "all"):
        return set(present)
    names = [learn] if isinstance(learn, str) else list(learn)
    for n in names:
        if not isinstance(n, str):
            raise DTypeError(f"`learn` must be 'all', a parameter name or a sequence of names; got {n!r}")
        if n not in present:
            err = UnknownNameError("learn", n, present, suggest_from=PARAMETERS)
            owners = "; ".join(f"{f}: {', '.join(FAMILIES[f])}" for f in families)
            err.args = (f"{err.args[0]} The bank's families have these parameters: {owners}{_tied_hint(n, families)}.",)
            raise err
    return set(names)


def _tied_hint(name: str, families: Sequence[str]) -> str:
    """Why a parameter some family has is missing: it copies another one in every kernel."""
    sources = [TABLE[f].tied[name] for f in families if name in TABLE[f].tied]
    if not sources:
        return ""
    return f" (it is tied to `{sources[0]}` in every kernel of this bank: give `{name}` in the spec to learn it)"


class _Group(NamedTuple):
    """Kernels generated together: one family, one size and static configuration."""

    family: str  # a TABLE key (the module pickles: it holds no callables)
    size: tuple[int, int]
    static: tuple[Any, ...]
    members: list[int]  # bank indices
    sources: dict[str, tuple[str, Any]]  # parameter -> (stored parameter, slice bounds or index buffer name)


class KernelGenerator(nn.Module):
    """The kernels of a bank as a differentiable function of named parameters.

    Parameters
    ----------
    bank : FilterBank
        Kernels whose specs come from the families ``gabor``, ``gaussian``
        (with ``sigma > 0``), ``gaussian_derivative``, ``log`` and ``dog``.
        Each kernel keeps the size it has in the bank (a spec with
        ``ksize=None`` is sized once, at construction); all are centre-padded
        to ``bank.ksize`` like the bank itself.
    learn : "all", str or sequence of str, optional
        Which parameters learn (``requires_grad=True``); the others are
        Parameters with ``requires_grad=False``. Names: ``sigma``, ``sigma_y``,
        ``theta``, ``lambd``, ``gamma``, ``psi``, ``sigma_low``, ``sigma_high``
        (see :data:`~filterbank.parametric.FAMILIES`). Default ``"all"``.
    dtype : torch.dtype, optional
        Dtype of the parameters (default torch's default dtype). Kernels are
        generated in float32 or float64: half and bfloat16 parameters are
        generated in float32.
    device : torch.device or str, optional
        Device of the parameters.

    Attributes
    ----------
    log_sigma, theta, log_lambd, log_gamma, psi, log_sigma_y, log_sigma_low, log_sigma_high : nn.Parameter
        One 1-D Parameter per parameter that some kernel of the bank has,
        holding the values of those kernels in bank order (see
        :meth:`kernel_indices`). Positive parameters are stored as logarithms;
        ``gen.sigma`` (and ``gen.lambd`` ...) returns ``exp(log_sigma)``.
        These are the ``state_dict`` keys; they are the same in train and
        eval mode and whatever ``learn`` is.

    Notes
    -----
    An isotropic kernel (``sigma_y`` absent or None) has no ``sigma_y`` entry:
    its vertical sigma is its ``sigma``, so it stays isotropic while learning.
    ``dog`` keeps both sigmas positive but does not keep their order; a
    swapped pair gives the negated kernel.

    Examples
    --------
    >>> from filterbank import FilterBank
    >>> bank = FilterBank.from_specs([{"family": "gabor", "ksize": 7, "sigma": 2.0, "theta": t, "lambd": 5.0}
    ...                               for t in (0.0, 0.8)])
    >>> gen = KernelGenerator(bank, learn=["sigma", "theta"])
    >>> gen().shape, gen.learn
    (torch.Size([2, 7, 7]), ('sigma', 'theta'))
    >>> sorted(gen.state_dict())
    ['log_gamma', 'log_lambd', 'log_sigma', 'psi', 'theta']
    """

    _inverse: torch.Tensor  # buffer (bank order from group order), registered when the groups reorder the bank

    def __init__(
        self,
        bank: KernelLike,
        learn: str | Iterable[str] | None = "all",
        *,
        dtype: torch.dtype | None = None,
        device: torch.device | str | None = None,
    ) -> None:
        super().__init__()
        bank = as_bank(bank)
        plans = [_Plan(i, name, spec) for i, (name, spec) in enumerate(zip(bank.names, bank.specs, strict=True))]
        self.ksize: tuple[int, int] = bank.ksize
        self.names: list[str] = bank.names
        self._specs = bank.specs
        self._register_values(plans, learn)
        self._register_groups(plans)
        self._check_equals(bank)
        self.to(device=device, dtype=dtype if dtype is not None else torch.get_default_dtype())

    def _register_values(self, plans: list[_Plan], learn: str | Iterable[str] | None) -> None:
        """One float64 Parameter per parameter some kernel has, in bank order of those kernels."""
        present = [p for p in PARAMETERS if any(p in plan.values for plan in plans)]
        wanted = _learn_names(learn, present, sorted({plan.family for plan in plans}))
        self._owners: dict[str, list[int]] = {p: [pl.index for pl in plans if p in pl.values] for p in present}
        for p in present:
            vals = torch.tensor([pl.values[p] for pl in plans if p in pl.values], dtype=torch.float64)
            data = torch.log(vals) if p in POSITIVE else vals
            self.register_parameter(attr_name(p), nn.Parameter(data, requires_grad=p in wanted))

    def _register_groups(self, plans: list[_Plan]) -> None:
        """Group kernels generated together; a group reads a slice of each parameter, or an index buffer."""
        by_key: dict[tuple[Any, ...], list[_Plan]] = {}
        for pl in plans:
            by_key.setdefault(pl.key, []).append(pl)
        self._groups: list[_Group] = []
        for g, members in enumerate(by_key.values()):
            first = members[0]
            fam = TABLE[first.family]
            sources: dict[str, tuple[str, Any]] = {}
            for p in fam.params:
                src = p if p in first.values else fam.tied[p]  # a tied parameter reads its source
                pos = [self._owners[src].index(m.index) for m in members]
                if pos == list(range(pos[0], pos[0] + len(pos))):
                    sources[p] = (src, (pos[0], pos[0] + len(pos)))
                else:
                    buf = f"_index_{g}_{p}"
                    self.register_buffer(buf, torch.tensor(pos, dtype=torch.long), persistent=False)
                    sources[p] = (src, buf)
            self._groups.append(_Group(first.family, first.size, first.static, [m.index for m in members], sources))
        order = [i for group in self._groups for i in group.members]
        self._reorder = order != list(range(len(order)))
        if self._reorder:
            inverse = [order.index(i) for i in range(len(order))]
            self.register_buffer("_inverse", torch.tensor(inverse, dtype=torch.long), persistent=False)

    def _check_equals(self, bank: FilterBank) -> None:
        """The generated kernels must be the bank's (a spec that does not describe its kernel is refused)."""
        with torch.no_grad():
            got = self().numpy()
        ref = np.asarray(bank.kernels)
        err = np.abs(got - ref).max(axis=(1, 2))
        bad = np.flatnonzero(err > 1e-9 * np.maximum(1.0, np.abs(ref).max(axis=(1, 2))))
        if bad.size:
            i = int(bad[0])
            raise ParameterError(
                f"`bank` kernel {i} {self.names[i]!r} must equal the kernel its spec generates to use "
                f"mode='parametric'; max difference {err[i]:.3g} (was the bank edited, normalised or resized after "
                "generation?)"
            )

    # -- values ---------------------------------------------------------------------------------
    @property
    def parameter_names(self) -> tuple[str, ...]:
        """The parameters some kernel of the bank has, in storage order."""
        return tuple(self._owners)

    @property
    def learn(self) -> tuple[str, ...]:
        """The parameters that learn now (``requires_grad``); derived, never stale."""
        return tuple(p for p in self._owners if getattr(self, attr_name(p)).requires_grad)

    @property
    def dtype(self) -> torch.dtype:
        """Dtype of the parameters."""
        return next(iter(self.parameters())).dtype

    def kernel_indices(self, name: str) -> list[int]:
        """Bank indices of the kernels whose values ``name`` holds, in order.

        Examples
        --------
        >>> from filterbank import FilterBank
        >>> bank = FilterBank.from_specs([{"family": "log", "ksize": 7, "sigma": 1.0},
        ...                               {"family": "gabor", "ksize": 7, "sigma": 2.0, "theta": 0.0, "lambd": 4.0}])
        >>> KernelGenerator(bank).kernel_indices("theta")
        [1]
        """
        if name not in self._owners:
            raise UnknownNameError("name", name, self._owners)
        return list(self._owners[name])

    def value(self, name: str) -> torch.Tensor:
        """The current values of parameter ``name`` (positive ones through ``exp``), differentiable.

        Examples
        --------
        >>> from filterbank import FilterBank
        >>> bank = FilterBank.from_specs([{"family": "log", "ksize": 7, "sigma": 1.5}])
        >>> KernelGenerator(bank, dtype=torch.float64).value("sigma").tolist()
        [1.5]
        """
        if name not in self._owners:
            raise UnknownNameError("name", name, self._owners, suggest_from=PARAMETERS)
        t = getattr(self, attr_name(name))
        return torch.exp(t) if name in POSITIVE else t

    sigma = property(lambda self: self.value("sigma"), doc="``exp(log_sigma)``.")
    sigma_y = property(lambda self: self.value("sigma_y"), doc="``exp(log_sigma_y)``.")
    lambd = property(lambda self: self.value("lambd"), doc="``exp(log_lambd)``.")
    gamma = property(lambda self: self.value("gamma"), doc="``exp(log_gamma)``.")
    sigma_low = property(lambda self: self.value("sigma_low"), doc="``exp(log_sigma_low)``.")
    sigma_high = property(lambda self: self.value("sigma_high"), doc="``exp(log_sigma_high)``.")

    def specs(self) -> list[dict[str, Any]]:
        """The bank's specs with the current parameter values (``ksize`` as given at construction).

        Examples
        --------
        >>> from filterbank import FilterBank
        >>> bank = FilterBank.from_specs([{"family": "log", "ksize": 7, "sigma": 1.5}])
        >>> KernelGenerator(bank, dtype=torch.float64).specs()
        [{'family': 'log', 'ksize': 7, 'sigma': 1.5}]
        """
        out = [dict(s) for s in self._specs]
        for p, owners in self._owners.items():
            vals = self.value(p).detach().double().cpu().tolist()
            for i, v in zip(owners, vals, strict=True):
                out[i][p] = v
        return out

    def to_bank(self) -> FilterBank:
        """The current kernels (float64 copies) as a FilterBank, with :meth:`specs` as specs.

        Examples
        --------
        >>> from filterbank import FilterBank
        >>> bank = FilterBank.from_specs([{"family": "log", "ksize": 7, "sigma": 1.5}])
        >>> KernelGenerator(bank).to_bank().ksize
        (7, 7)
        """
        with torch.no_grad():
            k = self().double().cpu().numpy()
        return FilterBank(k, names=self.names, specs=self.specs())

    # -- generation -----------------------------------------------------------------------------
    def _take(self, source: tuple[str, Any], dtype: torch.dtype) -> torch.Tensor:
        name, where = source
        t = getattr(self, attr_name(name))
        t = t[where[0] : where[1]] if isinstance(where, tuple) else t.index_select(0, getattr(self, where))
        t = t.to(dtype)
        return (torch.exp(t) if name in POSITIVE else t)[:, None, None]

    def forward(self) -> torch.Tensor:
        """Generate the kernels ``(N, kh, kw)`` from the current parameters.

        Returns
        -------
        torch.Tensor
            In the parameters' dtype if float32 / float64, else float32.
        """
        dt = compute_dtype(self.dtype)
        parts = []
        for group in self._groups:
            p = {n: self._take(src, dt) for n, src in group.sources.items()}
            k = TABLE[group.family].core(*group.size, group.static, p)
            parts.append(center_fit(k, self.ksize))
        out = parts[0] if len(parts) == 1 else torch.cat(parts, 0)
        return out.index_select(0, self._inverse) if self._reorder else out

    def extra_repr(self) -> str:
        return f"n={len(self.names)}, ksize={self.ksize}, learn={list(self.learn)}"
