"""Differentiable torch generators equal to the numpy catalog, and a module that holds their parameters.

The functions :func:`gabor`, :func:`gaussian`, :func:`gaussian_derivative`,
:func:`log` and :func:`dog` build the same kernels as their namesakes in
:mod:`filterbank.kernels` (float64: equal to 1e-12), from tensors, so that
gradients reach ``sigma``, ``theta``, ``lambd``, ``gamma``, ``psi``, ... Sizes
are plain ints, fixed when the graph is built, so every shape is static
(``torch.compile(fullgraph=True)``, ``torch.export`` and ONNX see constants).

:class:`KernelGenerator` turns a :class:`~filterbank.FilterBank` built from those
families into an ``nn.Module`` whose forward returns the ``(N, kh, kw)`` kernels.
It owns one ``nn.Parameter`` per parameter name, with the positive ones stored as
logarithms (``log_sigma``, ``log_lambd``, ``log_gamma``, ``log_sigma_y``,
``log_sigma_low``, ``log_sigma_high``; ``theta`` and ``psi`` as they are), so
they stay positive by construction and never need clipping. Nothing is cached:
every forward regenerates the kernels from the current parameters.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from . import kernels as _kernels
from ._errors import DTypeError, ParameterError, UnknownNameError
from ._validate import int_in_range, positive_float, size_pair
from .bank import FilterBank, as_bank
from .kernels.gaussian import _MAX_ORDER, _TRUNCATE

__all__ = [
    "FAMILIES",
    "PARAMETERS",
    "POSITIVE",
    "KernelGenerator",
    "dog",
    "gabor",
    "gaussian",
    "gaussian_derivative",
    "log",
]

#: Learnable parameters of each family that has a torch generator.
FAMILIES: dict[str, tuple[str, ...]] = {
    "dog": ("sigma_low", "sigma_high"),
    "gabor": ("sigma", "theta", "lambd", "gamma", "psi"),
    "gaussian": ("sigma", "sigma_y"),
    "gaussian_derivative": ("sigma", "sigma_y", "theta"),
    "log": ("sigma",),
}
#: Every parameter name, in the order the generator stores them.
PARAMETERS: tuple[str, ...] = ("sigma", "sigma_y", "theta", "lambd", "gamma", "psi", "sigma_low", "sigma_high")
#: Parameters that must stay > 0; stored as ``log_<name>``.
POSITIVE: frozenset[str] = frozenset({"sigma", "sigma_y", "lambd", "gamma", "sigma_low", "sigma_high"})


def _attr(name: str) -> str:
    """The attribute (and state_dict) name of a parameter: ``log_sigma`` for sigma, ``theta`` for theta."""
    return f"log_{name}" if name in POSITIVE else name


# ------------------------------------------------------------------------------------------------ tensor helpers


def _compute_dtype(dtype: torch.dtype) -> torch.dtype:
    """float32 / float64 stay; anything else (half, bfloat16) is generated in float32."""
    return dtype if dtype in (torch.float32, torch.float64) else torch.float32


def _params(values: dict[str, Any], dtype: torch.dtype | None, device: Any) -> dict[str, torch.Tensor]:
    """Turn floats / tensors into broadcast tensors of shape ``S + (1, 1)``."""
    tensors = [v for v in values.values() if isinstance(v, torch.Tensor)]
    if dtype is None:
        dtype = tensors[0].dtype if tensors else torch.get_default_dtype()
    if not dtype.is_floating_point:
        raise DTypeError(f"`dtype` must be a floating-point dtype; got {dtype}")
    dtype = _compute_dtype(dtype)
    if device is None and tensors:
        device = tensors[0].device
    out = {}
    for name, v in values.items():
        if isinstance(v, torch.Tensor):
            if v.dim() > 1:
                raise DTypeError(f"`{name}` must be a scalar or a 1-D tensor; got shape {tuple(v.shape)}")
            out[name] = v.to(dtype=dtype, device=device)
        else:
            if isinstance(v, bool) or not isinstance(v, numbers.Real) or not math.isfinite(float(v)):
                raise DTypeError(f"`{name}` must be a finite real number or a tensor; got {v!r}")
            if name in POSITIVE:
                positive_float(name, v)
            out[name] = torch.tensor(float(v), dtype=dtype, device=device)
    names = list(out)
    shaped = torch.broadcast_tensors(*out.values())
    return {n: t[..., None, None] for n, t in zip(names, shaped, strict=True)}


def _static_size(ksize: object, *, odd: bool) -> tuple[int, int]:
    if ksize is None:
        raise ParameterError(
            "`ksize` must be given to a torch generator (kernel sizes are fixed, so shapes stay static); got None"
        )
    return size_pair("ksize", ksize, odd=odd)


def _center_pad(k: torch.Tensor, h: int, w: int) -> torch.Tensor:
    """Zero-pad ``(..., kh, kw)`` kernels evenly to ``(..., h, w)`` (the differences are even)."""
    dh, dw = h - k.shape[-2], w - k.shape[-1]
    return F.pad(k, (dw // 2, dw // 2, dh // 2, dh // 2)) if dh or dw else k


# ------------------------------------------------------------------------------------------------ cores
# Each core takes parameters shaped (..., 1, 1) and returns (..., h, w); the arithmetic follows the numpy
# generator operation by operation so that float64 results agree to rounding.


def _gabor_core(h: int, w: int, sigma, theta, lambd, gamma, psi) -> torch.Tensor:
    dt, dev = sigma.dtype, sigma.device
    ymax, xmax = h // 2, w // 2
    # Row i holds y = ymax - i, column j holds x = xmax - j (OpenCV's point-reflected grid).
    y = (ymax - torch.arange(h, dtype=dt, device=dev)).unsqueeze(-1)
    x = xmax - torch.arange(w, dtype=dt, device=dev)
    c, s = torch.cos(theta), torch.sin(theta)
    xr = x * c + y * s
    yr = -x * s + y * c
    sy = sigma / gamma
    ex = -0.5 / (sigma * sigma)
    ey = -0.5 / (sy * sy)
    cscale = (math.pi * 2) / lambd
    return torch.exp(ex * xr * xr + ey * yr * yr) * torch.cos(cscale * xr + psi)


def _opencv_gaussian_1d(n: int, sigma: torch.Tensor) -> torch.Tensor:
    """``cv2.getGaussianKernel(n, sigma)`` along the last axis; sigma (..., 1)."""
    t = torch.arange(n, dtype=sigma.dtype, device=sigma.device) - (n - 1) / 2
    # OpenCV evaluates the centre tap (both centre taps for an even n) at x = 0, in half units x = 2t.
    x = torch.where(t.abs() < 1, torch.zeros_like(t), 2 * t)
    g = torch.exp(x * x * (-0.125 / (sigma * sigma)))
    return g / g.sum(-1, keepdim=True)


def _gaussian_core(h: int, w: int, sigma, sigma_y) -> torch.Tensor:
    gx = _opencv_gaussian_1d(w, sigma[..., 0])  # (..., w)
    gy = _opencv_gaussian_1d(h, sigma_y[..., 0])  # (..., h)
    return gy.unsqueeze(-1) * gx.unsqueeze(-2)


def _hermite(order: int, sigma: torch.Tensor, x: torch.Tensor) -> torch.Tensor | None:
    """SciPy's polynomial q(x) with d^n/dx^n exp(-x^2/2s^2) = q(x) exp(...); None for order 0 (q = 1)."""
    if order == 0:
        return None
    inv = 1.0 / -(sigma * sigma)
    q: list[Any] = [1.0] + [0.0] * order
    for _ in range(order):
        q = [(q[i - 1] * inv if i > 0 else 0.0) + ((i + 1) * q[i + 1] if i < order else 0.0) for i in range(order + 1)]
    out: Any = 0.0
    for j, c in enumerate(q):
        if isinstance(c, float) and c == 0.0:
            continue
        out = out + (x**j if j else torch.ones_like(x)) * c
    return out


def _gd_grid(h: int, w: int, su, sv, theta):
    """phi / sum(phi), u, v on the centred (h, w) grid; parameters (..., 1, 1)."""
    dt, dev = su.dtype, su.device
    y = (torch.arange(h, dtype=dt, device=dev) - h // 2).unsqueeze(-1)
    x = torch.arange(w, dtype=dt, device=dev) - w // 2
    c, s = torch.cos(theta), torch.sin(theta)
    u = x * c + y * s
    v = -x * s + y * c
    phi = torch.exp(-0.5 / (su * su) * u**2 - 0.5 / (sv * sv) * v**2)
    return phi / phi.sum((-2, -1), keepdim=True), u, v


def _gd_core(h: int, w: int, dx: int, dy: int, sigma, sigma_y, theta) -> torch.Tensor:
    phi, u, v = _gd_grid(h, w, sigma, sigma_y, theta)
    out = phi
    for q in (_hermite(dx, sigma, -u), _hermite(dy, sigma_y, -v)):
        if q is not None:
            out = out * q
    return out


def _log_core(h: int, w: int, sigma) -> torch.Tensor:
    zero = torch.zeros_like(sigma)
    phi, u, v = _gd_grid(h, w, sigma, sigma, zero)
    return phi * _hermite(2, sigma, -u) + phi * _hermite(2, sigma, -v)


def _dog_core(h: int, w: int, inner: int | None, sigma_low, sigma_high) -> torch.Tensor:
    zero = torch.zeros_like(sigma_low)
    hi = _gd_grid(h, w, sigma_high, sigma_high, zero)[0]
    if inner is None:
        return _gd_grid(h, w, sigma_low, sigma_low, zero)[0] - hi
    lo = _gd_grid(inner, inner, sigma_low, sigma_low, zero)[0]
    return _center_pad(lo, h, w) - hi


# ------------------------------------------------------------------------------------------------ public generators


def gabor(
    ksize: int | tuple[int, int],
    sigma: float | torch.Tensor,
    theta: float | torch.Tensor,
    lambd: float | torch.Tensor,
    gamma: float | torch.Tensor = 1.0,
    psi: float | torch.Tensor = math.pi / 2,
    *,
    dtype: torch.dtype | None = None,
    device: torch.device | str | None = None,
) -> torch.Tensor:
    """Differentiable ``cv2.getGaborKernel``, equal to :func:`filterbank.kernels.gabor`.

    Parameters
    ----------
    ksize : int or (int, int)
        Odd kernel size ``(height, width)`` (fixed: shapes stay static).
    sigma, theta, lambd, gamma, psi : float or torch.Tensor
        As in :func:`filterbank.kernels.gabor`; each a Python number, a 0-d
        tensor or a 1-D tensor of ``n`` values (broadcast together). Numbers
        are checked (``sigma``, ``lambd``, ``gamma`` > 0); tensors are not.
    dtype : torch.dtype, optional
        Dtype of the result; default the tensors' dtype, or torch's default
        dtype for plain numbers. Half and bfloat16 are generated in float32.
    device : torch.device or str, optional
        Device; default the tensors' device.

    Returns
    -------
    torch.Tensor
        ``(height, width)``, or ``(n, height, width)`` for 1-D parameters.

    Examples
    --------
    >>> import numpy as np, torch
    >>> from filterbank import kernels
    >>> k = gabor(7, 2.0, 0.3, 5.0, dtype=torch.float64)
    >>> bool(np.allclose(k.numpy(), kernels.gabor(7, 2.0, 0.3, 5.0), rtol=0, atol=1e-12))
    True
    """
    h, w = _static_size(ksize, odd=True)
    p = _params(dict(sigma=sigma, theta=theta, lambd=lambd, gamma=gamma, psi=psi), dtype, device)
    return _gabor_core(h, w, p["sigma"], p["theta"], p["lambd"], p["gamma"], p["psi"])


def gaussian(
    ksize: int | tuple[int, int],
    sigma: float | torch.Tensor,
    sigma_y: float | torch.Tensor | None = None,
    *,
    dtype: torch.dtype | None = None,
    device: torch.device | str | None = None,
) -> torch.Tensor:
    """Differentiable OpenCV Gaussian, equal to :func:`filterbank.kernels.gaussian` for ``sigma > 0``.

    Parameters
    ----------
    ksize : int or (int, int)
        Kernel size ``(height, width)``; even sizes are placed like OpenCV does.
    sigma : float or torch.Tensor
        Standard deviation along x (columns), > 0 (OpenCV's automatic sigma has
        nothing to differentiate and is not offered).
    sigma_y : float, torch.Tensor or None, optional
        Standard deviation along y (rows); ``None`` means ``sigma``.
    dtype, device : optional
        As in :func:`gabor`.

    Returns
    -------
    torch.Tensor
        ``(height, width)`` or ``(n, height, width)``; each kernel sums to 1.

    Examples
    --------
    >>> float(gaussian((3, 5), 1.0, dtype=torch.float64).sum())
    1.0
    """
    h, w = _static_size(ksize, odd=False)
    values = dict(sigma=sigma) if sigma_y is None else dict(sigma=sigma, sigma_y=sigma_y)
    p = _params(values, dtype, device)
    return _gaussian_core(h, w, p["sigma"], p.get("sigma_y", p["sigma"]))


def gaussian_derivative(
    ksize: int | tuple[int, int],
    sigma: float | torch.Tensor,
    dx: int = 1,
    dy: int = 0,
    *,
    sigma_y: float | torch.Tensor | None = None,
    theta: float | torch.Tensor = 0.0,
    dtype: torch.dtype | None = None,
    device: torch.device | str | None = None,
) -> torch.Tensor:
    """Differentiable oriented Gaussian derivative, equal to :func:`filterbank.kernels.gaussian_derivative`.

    Parameters
    ----------
    ksize : int or (int, int)
        Odd kernel size ``(height, width)``.
    sigma : float or torch.Tensor
        Standard deviation along ``u``, > 0.
    dx, dy : int
        Derivative orders along ``u`` and ``v``, in [0, 6] (fixed, not learnable).
    sigma_y : float, torch.Tensor or None, optional
        Standard deviation along ``v``; ``None`` means ``sigma``.
    theta : float or torch.Tensor, optional
        Orientation in radians, clockwise on screen.
    dtype, device : optional
        As in :func:`gabor`.

    Returns
    -------
    torch.Tensor
        ``(height, width)`` or ``(n, height, width)``, SciPy's convention, correlation orientation.

    Examples
    --------
    >>> gaussian_derivative(5, 1.0, 1, 0, dtype=torch.float64).shape
    torch.Size([5, 5])
    """
    h, w = _static_size(ksize, odd=True)
    ox = int_in_range("dx", dx, 0, _MAX_ORDER)
    oy = int_in_range("dy", dy, 0, _MAX_ORDER)
    values = dict(sigma=sigma, theta=theta)
    if sigma_y is not None:
        values["sigma_y"] = sigma_y
    p = _params(values, dtype, device)
    return _gd_core(h, w, ox, oy, p["sigma"], p.get("sigma_y", p["sigma"]), p["theta"])


def log(
    ksize: int | tuple[int, int],
    sigma: float | torch.Tensor,
    *,
    dtype: torch.dtype | None = None,
    device: torch.device | str | None = None,
) -> torch.Tensor:
    """Differentiable Laplacian of Gaussian, equal to :func:`filterbank.kernels.log` (SciPy's sign).

    Parameters
    ----------
    ksize : int or (int, int)
        Odd kernel size ``(height, width)``.
    sigma : float or torch.Tensor
        Standard deviation, > 0.
    dtype, device : optional
        As in :func:`gabor`.

    Returns
    -------
    torch.Tensor
        ``(height, width)`` or ``(n, height, width)``; negative at the centre.

    Examples
    --------
    >>> bool(log(9, 1.0)[4, 4] < 0)
    True
    """
    h, w = _static_size(ksize, odd=True)
    p = _params(dict(sigma=sigma), dtype, device)
    return _log_core(h, w, p["sigma"])


def dog(
    ksize: int | tuple[int, int],
    sigma_low: float | torch.Tensor,
    sigma_high: float | torch.Tensor,
    *,
    inner: int | None = None,
    dtype: torch.dtype | None = None,
    device: torch.device | str | None = None,
) -> torch.Tensor:
    """Differentiable difference of Gaussians ``G(sigma_low) - G(sigma_high)``, like :func:`filterbank.kernels.dog`.

    Parameters
    ----------
    ksize : int or (int, int)
        Odd kernel size ``(height, width)`` of the result and of the wide Gaussian.
    sigma_low, sigma_high : float or torch.Tensor
        Standard deviations, > 0. Numbers must satisfy ``sigma_low < sigma_high``;
        tensors are not checked (a swapped pair gives the negated kernel).
    inner : int, optional
        Odd square size on which the narrow Gaussian is sampled and normalised,
        then zero-padded to ``ksize``: the catalog's ``ksize=None`` rule uses
        ``2 * int(4 * sigma_low + 0.5) + 1``. Default: ``ksize`` (both on one grid).
    dtype, device : optional
        As in :func:`gabor`.

    Returns
    -------
    torch.Tensor
        ``(height, width)`` or ``(n, height, width)``; sums to about 0.

    Examples
    --------
    >>> dog(7, 1.0, 1.6).shape
    torch.Size([7, 7])
    """
    h, w = _static_size(ksize, odd=True)
    p = _params(dict(sigma_low=sigma_low, sigma_high=sigma_high), dtype, device)  # numbers checked > 0 here
    if not isinstance(sigma_low, torch.Tensor) and not isinstance(sigma_high, torch.Tensor):
        if not float(sigma_low) < float(sigma_high):
            raise ParameterError(f"`sigma_low` must be < `sigma_high` ({sigma_high!r}); got {sigma_low!r}")
    if inner is not None:
        n = size_pair("inner", inner, odd=True)[0]
        if n > min(h, w):
            raise ParameterError(f"`inner` must be <= the kernel size {min(h, w)}; got {n}")
        inner = n
    return _dog_core(h, w, inner, p["sigma_low"], p["sigma_high"])


# ------------------------------------------------------------------------------------------------ the module


class _Plan:
    """How one kernel of a bank is generated: family, static configuration, own parameter values."""

    def __init__(self, index: int, name: str, spec: dict[str, Any]) -> None:
        family = spec.get("family")
        if family not in FAMILIES:
            raise _no_generator(index, name, family)
        params = {k: v for k, v in spec.items() if k != "family"}
        h, w = _kernels.get(family, **params).shape  # validates every value (sigma > 0, odd sizes, ...)
        bound = _kernels.signature(family).bind(**params)
        bound.apply_defaults()
        args = dict(bound.arguments)
        self.index, self.family = index, family
        self.values: dict[str, float]
        if family == "gabor":
            self.values = {n: float(args[n]) for n in FAMILIES["gabor"]}
            self.static: tuple[Any, ...] = (h, w)
        elif family == "gaussian":
            if args["sigma"] is None or float(args["sigma"]) == 0:
                raise ParameterError(
                    f"`sigma` must be > 0 for mode='parametric' (None or 0 selects OpenCV's automatic value or "
                    f"fixed table, which has no parameter to learn); got {args['sigma']!r} in kernel {index} {name!r}"
                )
            self.values = {"sigma": float(args["sigma"])}
            if args["sigma_y"] is not None and float(args["sigma_y"]) != 0:
                self.values["sigma_y"] = float(args["sigma_y"])
            self.static = (h, w, "sigma_y" not in self.values)
        elif family == "gaussian_derivative":
            self.values = {"sigma": float(args["sigma"]), "theta": float(args["theta"])}
            if args["sigma_y"] is not None:
                self.values["sigma_y"] = float(args["sigma_y"])
            self.static = (h, w, int(args["dx"]), int(args["dy"]), "sigma_y" not in self.values)
        elif family == "log":
            self.values = {"sigma": float(args["sigma"])}
            self.static = (h, w)
        else:  # dog
            self.values = {"sigma_low": float(args["sigma_low"]), "sigma_high": float(args["sigma_high"])}
            inner = None if args["ksize"] is not None else 2 * int(_TRUNCATE * self.values["sigma_low"] + 0.5) + 1
            self.static = (h, w, inner)
        self.key = (family, *self.static)


def _no_generator(index: int, name: str, family: object) -> UnknownNameError:
    err = UnknownNameError("mode", "parametric", ("frozen", "trainable"))
    err.args = (
        f"{err.args[0]} Kernel {index} {name!r} is of family {family!r}, which has no torch generator; "
        f"mode 'parametric' needs every kernel from one of {', '.join(map(repr, FAMILIES))}.",
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
            extra = (
                " (it is tied to `sigma` in every kernel of this bank: give `sigma_y` in the spec to learn it)"
                if n == "sigma_y" and any("sigma_y" in FAMILIES[f] for f in families)
                else ""
            )
            err.args = (f"{err.args[0]} The bank's families have these parameters: {owners}{extra}.",)
            raise err
    return set(names)


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
        (see :data:`FAMILIES`). Default ``"all"``.
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
        names, specs = bank.names, bank.specs
        plans = [_Plan(i, names[i], specs[i]) for i in range(len(bank))]
        self.ksize: tuple[int, int] = bank.ksize
        self.names: list[str] = names
        self._specs = specs
        present = [p for p in PARAMETERS if any(p in plan.values for plan in plans)]
        families = sorted({plan.family for plan in plans})
        wanted = _learn_names(learn, present, families)
        # Parameter vectors, in bank order of the kernels that have each parameter.
        self._owners: dict[str, list[int]] = {p: [pl.index for pl in plans if p in pl.values] for p in present}
        for p in present:
            vals = torch.tensor([pl.values[p] for pl in plans if p in pl.values], dtype=torch.float64)
            data = torch.log(vals) if p in POSITIVE else vals
            self.register_parameter(_attr(p), nn.Parameter(data, requires_grad=p in wanted))
        # Groups of kernels generated together (same family and static configuration).
        groups: dict[tuple[Any, ...], list[_Plan]] = {}
        for pl in plans:
            groups.setdefault(pl.key, []).append(pl)
        self._groups: list[tuple[tuple[Any, ...], list[int], dict[str, tuple[str, Any]]]] = []
        for g, (key, members) in enumerate(groups.items()):
            sources: dict[str, tuple[str, Any]] = {}
            for p in FAMILIES[key[0]]:
                src = p if p in members[0].values else "sigma"  # tied sigma_y reads sigma
                pos = [self._owners[src].index(m.index) for m in members]
                if pos == list(range(pos[0], pos[0] + len(pos))):
                    sources[p] = (src, (pos[0], pos[0] + len(pos)))
                else:
                    buf = f"_index_{g}_{p}"
                    self.register_buffer(buf, torch.tensor(pos, dtype=torch.long), persistent=False)
                    sources[p] = (src, buf)
            self._groups.append((key, [m.index for m in members], sources))
        order = [i for _, idx, _ in self._groups for i in idx]
        self._reorder = order != list(range(len(order)))
        if self._reorder:
            inverse = [order.index(i) for i in range(len(order))]
            self.register_buffer("_inverse", torch.tensor(inverse, dtype=torch.long), persistent=False)
        # The generated kernels must be the bank's (a spec that does not describe its kernel is refused).
        with torch.no_grad():
            got = self().numpy()
        ref = np.asarray(bank.kernels)
        err = np.abs(got - ref).max(axis=(1, 2))
        bad = np.flatnonzero(err > 1e-9 * np.maximum(1.0, np.abs(ref).max(axis=(1, 2))))
        if bad.size:
            i = int(bad[0])
            raise ParameterError(
                f"`bank` kernel {i} {names[i]!r} must equal the kernel its spec generates to use mode='parametric'; "
                f"max difference {err[i]:.3g} (was the bank edited, normalised or resized after generation?)"
            )
        self.to(device=device, dtype=dtype if dtype is not None else torch.get_default_dtype())

    # -- values ---------------------------------------------------------------------------------
    @property
    def parameter_names(self) -> tuple[str, ...]:
        """The parameters some kernel of the bank has, in storage order."""
        return tuple(self._owners)

    @property
    def learn(self) -> tuple[str, ...]:
        """The parameters that learn now (``requires_grad``); derived, never stale."""
        return tuple(p for p in self._owners if getattr(self, _attr(p)).requires_grad)

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
        t = getattr(self, _attr(name))
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
        t = getattr(self, _attr(name))
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
        dt = _compute_dtype(self.dtype)
        kh, kw = self.ksize
        parts = []
        for key, _, sources in self._groups:
            p = {n: self._take(src, dt) for n, src in sources.items()}
            family = key[0]
            if family == "gabor":
                k = _gabor_core(key[1], key[2], p["sigma"], p["theta"], p["lambd"], p["gamma"], p["psi"])
            elif family == "gaussian":
                k = _gaussian_core(key[1], key[2], p["sigma"], p["sigma_y"])
            elif family == "gaussian_derivative":
                k = _gd_core(key[1], key[2], key[3], key[4], p["sigma"], p["sigma_y"], p["theta"])
            elif family == "log":
                k = _log_core(key[1], key[2], p["sigma"])
            else:
                k = _dog_core(key[1], key[2], key[3], p["sigma_low"], p["sigma_high"])
            parts.append(_center_pad(k, kh, kw))
        out = parts[0] if len(parts) == 1 else torch.cat(parts, 0)
        return out.index_select(0, self._inverse) if self._reorder else out

    def extra_repr(self) -> str:
        return f"n={len(self.names)}, ksize={self.ksize}, learn={list(self.learn)}"
