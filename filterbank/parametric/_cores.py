"""Tensor arithmetic of the torch generators: each core takes parameters ``(..., 1, 1)``, returns ``(..., h, w)``.

The arithmetic follows the numpy generators of :mod:`filterbank.kernels`
operation by operation, so that float64 results agree to rounding.
"""

from __future__ import annotations

import math
from typing import Any

import torch

from .._shape import center_fit

__all__: list[str] = []


def compute_dtype(dtype: torch.dtype) -> torch.dtype:
    """float32 / float64 stay; anything else (half, bfloat16) is generated in float32."""
    return dtype if dtype in (torch.float32, torch.float64) else torch.float32


def _offsets(n: int, like: torch.Tensor, *, reflected: bool = False) -> torch.Tensor:
    """Tap offsets ``i - n // 2`` along one axis, in ``like``'s dtype and device; ``reflected``: ``n // 2 - i``."""
    t = torch.arange(n, dtype=like.dtype, device=like.device)
    return n // 2 - t if reflected else t - n // 2


def _rotated_grid(h: int, w: int, theta: torch.Tensor, *, reflected: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
    """The centred ``(h, w)`` grid turned by ``theta``: ``(x cos + y sin, -x sin + y cos)``, x the column offset
    and y the row offset (``reflected``: both negated, OpenCV's point-reflected grid)."""
    y = _offsets(h, theta, reflected=reflected).unsqueeze(-1)
    x = _offsets(w, theta, reflected=reflected)
    c, s = torch.cos(theta), torch.sin(theta)
    return x * c + y * s, -x * s + y * c


def gabor_core(h: int, w: int, sigma, theta, lambd, gamma, psi) -> torch.Tensor:
    """``cv2.getGaborKernel`` on OpenCV's point-reflected grid."""
    # Row i holds y = ymax - i, column j holds x = xmax - j (OpenCV's point-reflected grid).
    xr, yr = _rotated_grid(h, w, theta, reflected=True)
    sy = sigma / gamma
    ex = -0.5 / (sigma * sigma)
    ey = -0.5 / (sy * sy)
    cscale = (math.pi * 2) / lambd
    return torch.exp(ex * xr * xr + ey * yr * yr) * torch.cos(cscale * xr + psi)


def opencv_gaussian_1d(n: int, sigma: torch.Tensor) -> torch.Tensor:
    """``cv2.getGaussianKernel(n, sigma)`` along the last axis; sigma (..., 1)."""
    t = torch.arange(n, dtype=sigma.dtype, device=sigma.device) - (n - 1) / 2
    # OpenCV evaluates the centre tap (both centre taps for an even n) at x = 0, in half units x = 2t.
    x = torch.where(t.abs() < 1, torch.zeros_like(t), 2 * t)
    g = torch.exp(x * x * (-0.125 / (sigma * sigma)))
    return g / g.sum(-1, keepdim=True)


def gaussian_core(h: int, w: int, sigma, sigma_y) -> torch.Tensor:
    """OpenCV's separable Gaussian, ``sigma`` along x (columns) and ``sigma_y`` along y (rows)."""
    gx = opencv_gaussian_1d(w, sigma[..., 0])  # (..., w)
    gy = opencv_gaussian_1d(h, sigma_y[..., 0])  # (..., h)
    return gy.unsqueeze(-1) * gx.unsqueeze(-2)


def hermite(order: int, sigma: torch.Tensor, x: torch.Tensor) -> torch.Tensor | None:
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


def gd_grid(h: int, w: int, su, sv, theta):
    """phi / sum(phi), u, v on the centred (h, w) grid; parameters (..., 1, 1)."""
    u, v = _rotated_grid(h, w, theta)
    phi = torch.exp(-0.5 / (su * su) * u**2 - 0.5 / (sv * sv) * v**2)
    return phi / phi.sum((-2, -1), keepdim=True), u, v


def gd_core(h: int, w: int, dx: int, dy: int, sigma, sigma_y, theta) -> torch.Tensor:
    """SciPy's oriented Gaussian derivative of orders ``(dx, dy)`` along ``(u, v)``."""
    phi, u, v = gd_grid(h, w, sigma, sigma_y, theta)
    out = phi
    for q in (hermite(dx, sigma, -u), hermite(dy, sigma_y, -v)):
        if q is not None:
            out = out * q
    return out


def log_core(h: int, w: int, sigma) -> torch.Tensor:
    """SciPy's Laplacian of Gaussian (negative at the centre)."""
    zero = torch.zeros_like(sigma)
    phi, u, v = gd_grid(h, w, sigma, sigma, zero)
    return phi * hermite(2, sigma, -u) + phi * hermite(2, sigma, -v)


def dog_core(h: int, w: int, inner: int | None, sigma_low, sigma_high) -> torch.Tensor:
    """``G(sigma_low) - G(sigma_high)``; the narrow one on an ``inner`` square grid when given."""
    zero = torch.zeros_like(sigma_low)
    hi = gd_grid(h, w, sigma_high, sigma_high, zero)[0]
    if inner is None:
        return gd_grid(h, w, sigma_low, sigma_low, zero)[0] - hi
    lo = gd_grid(inner, inner, sigma_low, sigma_low, zero)[0]
    return center_fit(lo, (h, w)) - hi
