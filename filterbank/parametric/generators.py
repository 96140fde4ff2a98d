"""Differentiable torch generators equal to the numpy catalog: :func:`gabor`, :func:`gaussian`, ... .

Each builds the same kernels as its namesake in :mod:`filterbank.kernels`
(float64: equal to 1e-12), from tensors, so that gradients reach ``sigma``,
``theta``, ``lambd``, ``gamma``, ``psi``, ... Sizes are plain ints, fixed when
the graph is built, so every shape is static (``torch.compile(fullgraph=True)``,
``torch.export`` and ONNX see constants). Each reads its family's entry of
:data:`~filterbank.parametric.families.TABLE` (size rule, positive parameters,
core); :data:`GENERATORS` looks them up by name.

Examples
--------
>>> GENERATORS.get("log", ksize=5, sigma=1.0, dtype=torch.float64).shape
torch.Size([5, 5])
>>> GENERATORS.get("lg", ksize=5, sigma=1.0)
Traceback (most recent call last):
...
filterbank._errors.UnknownNameError: `parametric family` must be one of 'dog', ...; got 'lg'. Did you mean 'log'?
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from typing import Any

import torch

from .._errors import DTypeError, ParameterError
from .._registry import Registry
from .._validate import int_in_range, positive_float, size_pair
from ..kernels.gaussian import _MAX_ORDER
from ._cores import compute_dtype
from .families import POSITIVE, TABLE

__all__ = ["GENERATORS", "dog", "gabor", "gaussian", "gaussian_derivative", "log"]


def _params(values: dict[str, Any], dtype: torch.dtype | None, device: Any) -> dict[str, torch.Tensor]:
    """Turn floats / tensors into broadcast tensors of shape ``S + (1, 1)``."""
    tensors = [v for v in values.values() if isinstance(v, torch.Tensor)]
    if dtype is None:
        dtype = tensors[0].dtype if tensors else torch.get_default_dtype()
    if not dtype.is_floating_point:
        raise DTypeError(f"`dtype` must be a floating-point dtype; got {dtype}")
    dtype = compute_dtype(dtype)
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


def _generate(
    family: str,
    ksize: object,
    values: dict[str, Any],
    dtype: torch.dtype | None,
    device: Any,
    static: Callable[[], tuple[Any, ...]] = tuple,
) -> torch.Tensor:
    """What every generator but :func:`dog` does: the family's size rule on ``ksize``, the fixed values
    ``static()`` (checked after the size), the parameters as broadcast tensors of one float dtype on one
    device, then the family's core. (:func:`dog` checks its pair of sigmas and ``inner`` after the
    parameters, so it spells the steps out.)"""
    fam = TABLE[family]
    h, w = _static_size(ksize, odd=fam.odd)
    fixed = static()
    return fam.generate(h, w, fixed, _params(values, dtype, device))


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
    return _generate("gabor", ksize, dict(sigma=sigma, theta=theta, lambd=lambd, gamma=gamma, psi=psi), dtype, device)


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
    values = dict(sigma=sigma) if sigma_y is None else dict(sigma=sigma, sigma_y=sigma_y)
    return _generate("gaussian", ksize, values, dtype, device)


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
    values = dict(sigma=sigma, theta=theta)
    if sigma_y is not None:
        values["sigma_y"] = sigma_y

    def orders() -> tuple[int, int]:
        return int_in_range("dx", dx, 0, _MAX_ORDER), int_in_range("dy", dy, 0, _MAX_ORDER)

    return _generate("gaussian_derivative", ksize, values, dtype, device, orders)


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
    return _generate("log", ksize, dict(sigma=sigma), dtype, device)


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
    fam = TABLE["dog"]
    h, w = _static_size(ksize, odd=fam.odd)
    p = _params(dict(sigma_low=sigma_low, sigma_high=sigma_high), dtype, device)  # numbers checked > 0 here
    if not isinstance(sigma_low, torch.Tensor) and not isinstance(sigma_high, torch.Tensor):
        if not float(sigma_low) < float(sigma_high):
            raise ParameterError(f"`sigma_low` must be < `sigma_high` ({sigma_high!r}); got {sigma_low!r}")
    if inner is not None:
        n = size_pair("inner", inner, odd=True)[0]
        if n > min(h, w):
            raise ParameterError(f"`inner` must be <= the kernel size {min(h, w)}; got {n}")
        inner = n
    return fam.generate(h, w, (inner,), p)


#: The torch generators by family name (the families of :data:`~filterbank.parametric.families.TABLE`).
GENERATORS: Registry[torch.Tensor] = Registry(
    "parametric family",
    {"dog": dog, "gabor": gabor, "gaussian": gaussian, "gaussian_derivative": gaussian_derivative, "log": log},
)
if set(GENERATORS.names()) != set(TABLE):  # pragma: no cover - a table edit
    raise AssertionError("every family of the table needs a torch generator, and only those")
