"""Learnable 1-D and 3-D Gaussian-family kernels: :class:`GaussianGeneratorND`.

The N-D counterpart of :class:`~filterbank.parametric.KernelGenerator` for the
families :func:`filterbank.kernels.gaussian_nd` (any derivative order per axis)
and :func:`filterbank.kernels.log_nd`: it regenerates the bank's kernels in every
forward from one learnable standard deviation per kernel and axis, stored as
``log_sigma`` ``(N, ndim)`` (positive by construction). The arithmetic follows
:func:`filterbank.kernels.nd.gaussian_weights_1d` (SciPy's sampled, sum-normalised
Gaussian times the polynomial of the derivative, in correlation orientation), so
float64 kernels equal the catalog's to rounding.

Examples
--------
>>> from filterbank import FilterBank
>>> bank = FilterBank.from_specs([{"family": "gaussian_nd", "ksize": 7, "sigma": 1.5, "order": [0, 1, 0]}])
>>> gen = GaussianGeneratorND(bank)
>>> gen().shape, tuple(gen.log_sigma.shape)
(torch.Size([1, 7, 7, 7]), (1, 3))
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import torch
from torch import nn

from .. import kernels as _kernels
from .._errors import ParameterError, UnknownNameError
from .._shape import center_fit
from ..bank import FilterBank, as_bank
from ._cores import _offsets, compute_dtype, hermite

__all__ = ["FAMILIES_ND", "GaussianGeneratorND"]

#: The N-D families with a torch generator, and their learnable parameter.
FAMILIES_ND: dict[str, tuple[str, ...]] = {"gaussian_nd": ("sigma",), "log_nd": ("sigma",)}


def _weights_1d(size: int, sigma: torch.Tensor, order: int) -> torch.Tensor:
    """SciPy's correlation weights along one axis for sigmas ``(B,)``: ``(B, size)``, differentiable in sigma."""
    x = _offsets(size, sigma)  # size is odd: -r .. r
    s = sigma[:, None]
    phi = torch.exp(-0.5 / (s * s) * x * x)
    phi = phi / phi.sum(-1, keepdim=True)
    q = hermite(order, s, -x)
    return phi if q is None else phi * q


def _gaussian(sizes: tuple[int, ...], sigma: torch.Tensor, orders: tuple[int, ...]) -> torch.Tensor:
    """Kernels ``(B, *sizes)``: the outer product of the per-axis weights; sigma ``(B, ndim)``."""
    out: torch.Tensor | None = None
    for a, (k, o) in enumerate(zip(sizes, orders, strict=True)):
        w = _weights_1d(k, sigma[:, a], o)
        out = w if out is None else out.unsqueeze(-1) * w.reshape(w.shape[0], *([1] * a), k)
    assert out is not None
    return out


def _spec_of(index: int, name: str, spec: dict[str, Any]) -> tuple[str, tuple[int, ...], list[float], tuple[int, ...]]:
    """(family, size, sigmas, orders) of one kernel, validated by generating it with the catalog."""
    family = spec.get("family")
    if family not in FAMILIES_ND:
        err = UnknownNameError("mode", "parametric", ("frozen", "trainable"))
        err.args = (
            f"{err.args[0]} Kernel {index} {name!r} is of family {family!r}, which has no N-D torch generator; "
            f"mode 'parametric' on 1-D / 3-D banks needs every kernel from {', '.join(map(repr, FAMILIES_ND))}.",
        )
        raise err
    params = {k: v for k, v in spec.items() if k != "family"}
    size = tuple(_kernels.get(family, **params).shape)  # validates every value
    d = len(size)
    sig = params["sigma"]
    sigmas = [float(v) for v in sig] if isinstance(sig, (list, tuple)) else [float(sig)] * d
    order = params.get("order") if family == "gaussian_nd" else None
    if order is None:
        orders: tuple[int, ...] = (0,) * d
    else:
        orders = tuple(int(v) for v in (order if isinstance(order, (list, tuple)) else [order] * d))
    return family, size, sigmas, orders


class GaussianGeneratorND(nn.Module):
    """The kernels of a 1-D, 2-D or 3-D ``gaussian_nd`` / ``log_nd`` bank as a function of their sigmas.

    Parameters
    ----------
    bank : FilterBank
        Kernels whose specs are ``gaussian_nd`` (any orders) or ``log_nd``; each
        keeps its own size, centre-padded to ``bank.ksize``.
    learn : "all", "sigma" or None
        ``log_sigma`` learns (default); ``None`` is the same; the family has no
        other parameter. Use ``requires_grad_(False)`` to fix it.
    dtype, device : optional
        Of the parameter; kernels are generated in float32 or float64.

    Attributes
    ----------
    log_sigma : nn.Parameter
        ``(N, ndim)``: one standard deviation per kernel and axis, as a logarithm
        (an isotropic kernel may become anisotropic while learning).

    Examples
    --------
    >>> from filterbank import banks3d
    >>> gen = GaussianGeneratorND(banks3d.gaussian_jet(1, [1.0]), dtype=torch.float64)
    >>> bool(torch.allclose(gen(), banks3d.gaussian_jet(1, [1.0]).to_tensor(torch.float64), atol=1e-14))
    True
    >>> gen.sigma.shape
    torch.Size([4, 3])
    """

    def __init__(
        self,
        bank: FilterBank | Any,
        learn: str | Iterable[str] | None = "all",
        *,
        dtype: torch.dtype | None = None,
        device: torch.device | str | None = None,
    ) -> None:
        super().__init__()
        bank = as_bank(bank)
        if not (
            learn is None or learn in ("all", "sigma") or (not isinstance(learn, str) and list(learn) == ["sigma"])
        ):
            raise UnknownNameError("learn", learn, ("all", "sigma"))
        info = [_spec_of(i, n, s) for i, (n, s) in enumerate(zip(bank.names, bank.specs, strict=True))]
        self.ksize: tuple[int, ...] = bank.ksize
        self.names: list[str] = bank.names
        self._specs = bank.specs
        self._static = [(fam, size, orders) for fam, size, _, orders in info]
        sig = torch.tensor([s for _, _, s, _ in info], dtype=torch.float64)
        self.log_sigma = nn.Parameter(torch.log(sig))
        with torch.no_grad():
            got = self().numpy()
        err = np.abs(got - bank.kernels).reshape(len(bank), -1).max(1)
        bad = np.flatnonzero(err > 1e-9 * np.maximum(1.0, np.abs(bank.kernels).reshape(len(bank), -1).max(1)))
        if bad.size:
            i = int(bad[0])
            raise ParameterError(
                f"`bank` kernel {i} {self.names[i]!r} must equal the kernel its spec generates to use "
                f"mode='parametric'; max difference {err[i]:.3g}"
            )
        self.to(device=device, dtype=dtype if dtype is not None else torch.get_default_dtype())

    @property
    def dtype(self) -> torch.dtype:
        """Dtype of the parameter."""
        return self.log_sigma.dtype

    @property
    def sigma(self) -> torch.Tensor:
        """``exp(log_sigma)``, ``(N, ndim)``."""
        return torch.exp(self.log_sigma)

    @property
    def learn(self) -> tuple[str, ...]:
        """``("sigma",)`` while ``log_sigma`` requires grad, else ``()``."""
        return ("sigma",) if self.log_sigma.requires_grad else ()

    def specs(self) -> list[dict[str, Any]]:
        """The bank's specs with the current sigmas (one per axis)."""
        out = [dict(s) for s in self._specs]
        for spec, row in zip(out, self.sigma.detach().double().cpu().tolist(), strict=True):
            spec["sigma"] = row
        return out

    def to_bank(self) -> FilterBank:
        """The current kernels (float64 copies) as a FilterBank, with :meth:`specs` as specs."""
        with torch.no_grad():
            k = self().double().cpu().numpy()
        return FilterBank(k, names=self.names, specs=self.specs(), ndim=len(self.ksize))

    def forward(self) -> torch.Tensor:
        """Generate the kernels ``(N, *ksize)`` from the current sigmas (float32 or float64)."""
        sig = torch.exp(self.log_sigma.to(compute_dtype(self.dtype)))
        parts = []
        for i, (family, size, orders) in enumerate(self._static):
            s = sig[i : i + 1]
            if family == "gaussian_nd":
                k = _gaussian(size, s, orders)
            else:
                d = len(size)
                k = _gaussian(size, s, tuple(2 if b == 0 else 0 for b in range(d)))
                for a in range(1, d):
                    k = k + _gaussian(size, s, tuple(2 if a == b else 0 for b in range(d)))
            parts.append(center_fit(k, self.ksize))
        return torch.cat(parts, 0)

    def extra_repr(self) -> str:
        return f"n={len(self.names)}, ksize={self.ksize}, ndim={len(self.ksize)}, learn={list(self.learn)}"
