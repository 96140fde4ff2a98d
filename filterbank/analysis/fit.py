"""Least-squares Gabor fits to learned filters: :func:`fit_gabor`."""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.optimize import least_squares

from .. import kernels as _kernels
from .._errors import DTypeError, ParameterError, ShapeError
from .._types import KernelLike
from .._validate import as_float, int_in_range, positive_float
from ._inputs import _as_stack
from .dictionary import _default_grids, _odd_generate

__all__ = ["GaborFit", "fit_gabor"]


@dataclass(frozen=True)
class GaborFit:
    """A least-squares Gabor fit to one kernel (see :func:`fit_gabor`).

    The fitted kernel is
    ``amplitude * kernels.gabor(ksize, sigma, theta, lambd, gamma, psi) + offset``
    (an even axis generated at the next odd size, last row / column dropped).

    Attributes
    ----------
    sigma, theta, lambd, gamma, psi : float
        Gabor parameters, OpenCV's meaning. Canonical form: ``amplitude >= 0``,
        ``theta`` in [0, pi), ``psi`` in (-pi, pi]; ``gabor(theta + pi, psi)``
        equals ``gabor(theta, -psi)`` and a negative gain is a phase of pi.
    amplitude, offset : float
        Gain (>= 0) and DC offset (0 when fitted with ``offset=False``).
    r2 : float
        ``1 - SS_res / SS_tot`` with ``SS_tot = sum (k - mean k)^2``.
    kernel : numpy.ndarray
        The fitted kernel, float64, the input's shape.
    """

    sigma: float
    theta: float
    lambd: float
    gamma: float
    psi: float
    amplitude: float
    offset: float
    r2: float
    kernel: np.ndarray

    @property
    def params(self) -> dict[str, float]:
        """``{"sigma", "theta", "lambd", "gamma", "psi"}``, the keyword arguments of ``kernels.gabor``."""
        return {"sigma": self.sigma, "theta": self.theta, "lambd": self.lambd, "gamma": self.gamma, "psi": self.psi}


_NONLINEAR = ("sigma", "theta", "lambd", "gamma")


def _quadrature(h: int, w: int, sigma: float, theta: float, lambd: float, gamma: float) -> np.ndarray:
    """``(h*w, 2)``: the Gabor at psi = 0 and psi = pi/2 (any phase is a combination)."""
    g0 = _odd_generate(h, w, lambda size: _kernels.gabor(size, sigma, theta, lambd, gamma, 0.0))
    g1 = _odd_generate(h, w, lambda size: _kernels.gabor(size, sigma, theta, lambd, gamma, np.pi / 2))
    return np.stack([g0.ravel(), g1.ravel()], axis=1)


def _design(q: np.ndarray, offset: bool) -> np.ndarray:
    return np.concatenate([q, np.ones((q.shape[0], 1))], axis=1) if offset else q


@functools.lru_cache(maxsize=16)
def _grid_quadratures(h: int, w: int) -> tuple[np.ndarray, np.ndarray]:
    """Parameter rows ``(M, 4)`` and quadrature pairs ``(M, h*w, 2)`` of the default Gabor grid."""
    grid = _default_grids(h, w)
    params = np.array(
        [
            (s, t, lam, g)
            for s in grid["sigmas"]
            for t in grid["thetas"]
            for lam in grid["lambdas"]
            for g in grid["gammas"]
        ]
    )
    quads = np.stack([_quadrature(h, w, *p) for p in params])
    params.setflags(write=False)
    quads.setflags(write=False)
    return params, quads


def _grid_scores(k: np.ndarray, quads: np.ndarray, offset: bool) -> np.ndarray:
    """Fraction of ``k``'s (centred) energy explained by each quadrature pair (plus offset)."""
    y = k - k.mean() if offset else k
    q = quads - quads.mean(axis=1, keepdims=True) if offset else quads
    gram = np.einsum("mdi,mdj->mij", q, q)
    rhs = np.einsum("mdi,d->mi", q, y)
    ridge = 1e-12 * np.trace(gram, axis1=1, axis2=2)[:, None, None] * np.eye(2) + 1e-300 * np.eye(2)
    coef = np.linalg.solve(gram + ridge, rhs[..., None])[..., 0]
    return np.einsum("mi,mi->m", coef, rhs) / max(float(y @ y), 1e-300)


def _init_params(name: str, init: Any) -> np.ndarray:
    if isinstance(init, GaborFit):
        init = init.params
    if not isinstance(init, Mapping):
        raise DTypeError(f"`{name}` must be a GaborFit or a mapping with keys {list(_NONLINEAR)}; got {init!r}")
    missing = [k for k in _NONLINEAR if k not in init]
    if missing:
        raise ParameterError(f"`{name}` must have the keys {list(_NONLINEAR)}; got {sorted(init)} (missing {missing})")
    return np.array(
        [
            positive_float(f"{name}['sigma']", init["sigma"]),
            as_float(f"{name}['theta']", init["theta"]),
            positive_float(f"{name}['lambd']", init["lambd"]),
            positive_float(f"{name}['gamma']", init["gamma"]),
        ]
    )


def fit_gabor(kernel: KernelLike, *, init: Any = None, offset: bool = True, starts: int = 4) -> GaborFit:
    """Least-squares fit of ``amplitude * kernels.gabor(...) + offset`` to one kernel.

    The phase, gain and offset enter linearly (a Gabor of phase ``psi`` is
    ``cos(psi) g_0 - sin(psi) g_1`` with ``g_0, g_1`` the phases 0 and pi/2), so
    they are solved exactly for every ``(sigma, theta, lambd, gamma)`` (variable
    projection), and :func:`scipy.optimize.least_squares` (trust region
    reflective, in ``log sigma, theta, log lambd, log gamma``) searches those
    four. Starts: the ``starts`` best points of the default
    :func:`gabor_dictionary` grid at the kernel's size (scored by the energy
    the best phase, gain and offset explain there), or ``init``.

    Parameters
    ----------
    kernel : numpy.ndarray or torch.Tensor
        ``(kh, kw)`` (leading singleton axes, as in ``(1, 1, kh, kw)``, are dropped).
        Must not be constant.
    init : GaborFit or mapping, optional
        Starting ``sigma, theta, lambd, gamma`` (other keys ignored); replaces
        the grid search.
    offset : bool, optional
        Fit a DC offset too (default True). Without it, ``r2`` still uses the
        centred ``SS_tot``.
    starts : int, optional
        Number of grid starting points, >= 1. Default 4.

    Returns
    -------
    GaborFit
        Canonical parameters, gain, offset, ``r2 = 1 - SS_res / SS_tot`` and
        the fitted kernel.

    Raises
    ------
    ShapeError
        If ``kernel`` is not 2-D after dropping leading singleton axes.
    ParameterError
        If ``kernel`` is constant (``SS_tot = 0``, R^2 undefined).

    Notes
    -----
    Bounds: ``sigma`` in [0.2, 4 max(kh, kw)], ``lambd`` in [1.25, 16 max(kh, kw)],
    ``gamma`` in [0.1, 10]. Below a wavelength of 2 pixels the sampled carrier
    aliases, so two parameter sets can give the same kernel; compare fitted
    kernels rather than parameters there.

    Examples
    --------
    >>> from filterbank import kernels
    >>> k = 0.5 * kernels.gabor((9, 11), 2.2, 0.7, 5.5, 0.8, 0.3) + 0.1
    >>> fit = fit_gabor(k)
    >>> fit.r2 > 0.999999, round(fit.lambd, 3), round(fit.amplitude, 3), round(fit.offset, 3)
    (True, 5.5, 0.5, 0.1)
    """
    k, _ = _as_stack("kernel", kernel)
    if k.shape[:2] != (1, 1):
        raise ShapeError(f"`kernel` must be one 2-D kernel (kh, kw); got shape {tuple(np.shape(kernel))}")
    k = k[0, 0]
    h, w = k.shape
    y = k.ravel()
    ss_tot = float(np.sum((y - y.mean()) ** 2))
    if ss_tot <= 1e-24 * max(float(np.max(np.abs(y))), 1e-300) ** 2 * y.size:
        raise ParameterError(f"`kernel` must not be constant (R^2 is undefined); got every tap ~ {float(y[0])!r}")
    n_starts = int_in_range("starts", starts, 1)
    use_offset = bool(offset)

    big = max(h, w)
    lo = np.array([math.log(0.2), -np.inf, math.log(1.25), math.log(0.1)])
    hi = np.array([math.log(4.0 * big), np.inf, math.log(16.0 * big), math.log(10.0)])

    def to_x(p: np.ndarray) -> np.ndarray:
        x = np.array([math.log(p[0]), p[1], math.log(p[2]), math.log(p[3])])
        eps = 1e-9
        return np.clip(x, lo + eps, hi - eps)

    def from_x(x: np.ndarray) -> tuple[float, float, float, float]:
        return math.exp(x[0]), float(x[1]), math.exp(x[2]), math.exp(x[3])

    def residual(x: np.ndarray) -> np.ndarray:
        a = _design(_quadrature(h, w, *from_x(x)), use_offset)
        coef, *_ = np.linalg.lstsq(a, y, rcond=None)
        return a @ coef - y

    if init is not None:
        candidates = [_init_params("init", init)]
    else:
        params, quads = _grid_quadratures(h, w)
        scores = _grid_scores(y, quads, use_offset)
        candidates = [params[i] for i in np.argsort(-scores, kind="stable")[:n_starts]]

    best_x, best_cost = None, np.inf
    for p in candidates:
        res = least_squares(residual, to_x(p), bounds=(lo, hi), method="trf", x_scale=1.0, xtol=1e-12, ftol=1e-12)
        if res.cost < best_cost:
            best_x, best_cost = res.x, float(res.cost)
    assert best_x is not None
    sigma, theta, lambd, gamma = from_x(best_x)
    a = _design(_quadrature(h, w, sigma, theta, lambd, gamma), use_offset)
    coef, *_ = np.linalg.lstsq(a, y, rcond=None)
    amplitude = float(math.hypot(coef[0], coef[1]))
    psi = math.atan2(coef[1], coef[0])
    # Canonical form: theta in [0, pi) (gabor(theta + pi, psi) == gabor(theta, -psi)), psi in (-pi, pi].
    theta = math.fmod(theta, 2 * math.pi)
    theta += 2 * math.pi if theta < 0 else 0.0
    if theta >= math.pi:
        theta, psi = theta - math.pi, -psi
    theta = 0.0 if theta >= math.pi else theta
    psi = psi + 2 * math.pi if psi <= -math.pi else psi
    g = _odd_generate(h, w, lambda size: _kernels.gabor(size, sigma, theta, lambd, gamma, psi))
    off = float(coef[2]) if use_offset else 0.0
    fitted = amplitude * g + off
    r2 = 1.0 - float(np.sum((fitted - k) ** 2)) / ss_tot
    return GaborFit(sigma, theta, lambd, gamma, psi, amplitude, off, r2, fitted)
