"""Catalogs of fixed kernels on parameter grids, to match learned filters against: Gabor grid, Gaussian jet."""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import kernels as _kernels
from .._errors import ParameterError
from .._validate import as_float, int_in_range, positive_float, size_pair
from ..bank import FilterBank

__all__ = ["default_dictionary", "gabor_dictionary", "gaussian_jet_dictionary"]


def _default_grids(h: int, w: int) -> dict[str, tuple[float, ...]]:
    """Default Gabor / jet parameter grids for an (h, w) kernel, scaled by its radius."""
    r = max((min(h, w) - 1) / 2.0, 1.0)
    big = max(h, w)
    return {
        "sigmas": tuple(float(s) for s in np.geomspace(max(0.5, r / 4), max(0.9, r / 1.2), 4)),
        "thetas": tuple(float(t) for t in np.arange(8) * (np.pi / 8)),
        "lambdas": tuple(float(x) for x in np.geomspace(2.0, max(4.0, 2.0 * big), 5)),
        "gammas": (0.5, 1.0),
        "psis": (0.0, np.pi / 2),
        "jet_sigmas": tuple(float(s) for s in np.geomspace(max(0.5, r / 4), max(0.8, r / 1.5), 3)),
        "jet_thetas": tuple(float(t) for t in np.arange(4) * (np.pi / 4)),
    }


def _values(name: str, values: Any, default: tuple[float, ...], *, positive: bool) -> tuple[float, ...]:
    """Parse a parameter list (a scalar counts as one value); drop exact repeats, keep the order."""
    if values is None:
        return default
    if isinstance(values, (str, bytes)) or not isinstance(values, (Sequence, np.ndarray)):
        values = [values]
    check = positive_float if positive else as_float
    out = tuple(dict.fromkeys(check(f"{name}[{i}]", v) for i, v in enumerate(np.asarray(values).ravel().tolist())))
    if not out:
        raise ParameterError(f"`{name}` must hold at least one value; got {values!r}")
    return out


def _odd_generate(h: int, w: int, generate: Any) -> np.ndarray:
    """Generate at the next odd size on each axis and drop the last row / column of an even axis.

    An even axis keeps OpenCV's anchor ``k // 2`` on the kernel's centre tap.
    """
    gh, gw = h | 1, w | 1
    return generate((gh, gw))[:h, :w]


def _dictionary_spec(family: str, h: int, w: int, params: dict[str, Any]) -> dict[str, Any]:
    """The spec of a kernel made by :func:`_odd_generate`: the family's own when odd, else a ``custom`` one."""
    if h % 2 == 1 and w % 2 == 1:
        return {"family": family, "ksize": [h, w], **params}
    return {"family": "custom", "generator": family, "ksize": [h, w], "generated": [h | 1, w | 1]} | params


def _fmt(v: float) -> str:
    return f"{v:.4g}"


def gabor_dictionary(
    ksize: int | tuple[int, int],
    *,
    sigmas: Sequence[float] | float | None = None,
    thetas: Sequence[float] | float | None = None,
    lambdas: Sequence[float] | float | None = None,
    gammas: Sequence[float] | float | None = None,
    psis: Sequence[float] | float | None = None,
) -> FilterBank:
    """A catalog of OpenCV Gabor kernels on a parameter grid, as a :class:`FilterBank`.

    Every combination ``sigma x theta x lambd x gamma x psi`` (in that nesting
    order, ``psi`` fastest) is generated with :func:`filterbank.kernels.gabor`
    (equal to ``cv2.getGaborKernel``).

    Parameters
    ----------
    ksize : int or (int, int)
        Kernel size ``(height, width)``. An even axis is generated at the next
        odd size and its last row / column dropped, so the Gabor's centre stays
        on OpenCV's anchor ``k // 2``.
    sigmas, thetas, lambdas, gammas, psis : sequence of float or float, optional
        Grid values (repeats dropped). Defaults, with ``r = (min(h, w) - 1) / 2``
        (at least 1): 4 sigmas geometric from ``max(0.5, r / 4)`` to
        ``max(0.9, r / 1.2)``; 8 thetas ``k pi / 8``; 5 wavelengths geometric
        from 2 to ``max(4, 2 max(h, w))``; gammas (0.5, 1); psis (0, pi / 2),
        the even and odd phase (other phases are their combinations; with
        sign-free matching, ``psi + pi`` adds nothing).

    Returns
    -------
    FilterBank
        Names ``gabor_s{sigma}_t{theta in degrees}_l{lambd}_g{gamma}_p{psi in degrees}``.
        Specs of odd sizes regenerate the kernels through
        :func:`filterbank.kernels.get`; for an even size the spec's family is
        ``"custom"`` with ``generator: "gabor"`` and the generated (odd) size.

    Raises
    ------
    ParameterError
        If a size is < 1, or a sigma, wavelength or gamma is not > 0.

    Examples
    --------
    >>> bank = gabor_dictionary((7, 9), thetas=[0.0, 1.0], lambdas=4.0, sigmas=2.0, gammas=1.0)
    >>> len(bank), bank.ksize, bank.names[1]
    (4, (7, 9), 'gabor_s2_t0_l4_g1_p90')
    """
    h, w = size_pair("ksize", ksize)
    grid = _default_grids(h, w)
    ss = _values("sigmas", sigmas, grid["sigmas"], positive=True)
    ts = _values("thetas", thetas, grid["thetas"], positive=False)
    ls = _values("lambdas", lambdas, grid["lambdas"], positive=True)
    gs = _values("gammas", gammas, grid["gammas"], positive=True)
    ps = _values("psis", psis, grid["psis"], positive=False)
    arrays, names, specs = [], [], []
    for s in ss:
        for t in ts:
            for lam in ls:
                for g in gs:
                    for p in ps:
                        params = {"sigma": s, "theta": t, "lambd": lam, "gamma": g, "psi": p}
                        arrays.append(_odd_generate(h, w, lambda size, q=params: _kernels.gabor(size, **q)))
                        names.append(
                            f"gabor_s{_fmt(s)}_t{_fmt(math.degrees(t))}_l{_fmt(lam)}_g{_fmt(g)}"
                            f"_p{_fmt(math.degrees(p))}"
                        )
                        specs.append(_dictionary_spec("gabor", h, w, params))
    return FilterBank(np.stack(arrays), names=names, specs=specs)


def gaussian_jet_dictionary(
    ksize: int | tuple[int, int],
    *,
    sigmas: Sequence[float] | float | None = None,
    max_order: int = 2,
    thetas: Sequence[float] | float | None = None,
) -> FilterBank:
    """A catalog of (oriented) Gaussian derivatives up to ``max_order``, as a :class:`FilterBank`.

    For each sigma: the Gaussian itself (order 0, once), then for each order
    ``n = 1 .. max_order``, each theta and each ``(dx, dy)`` with ``dx + dy = n``,
    :func:`filterbank.kernels.gaussian_derivative` ``(ksize, sigma, dx, dy,
    theta=theta)``. Kernels equal to an earlier one up to sign (e.g. ``dx = 1``
    at ``pi / 2`` and ``dy = 1`` at 0) are dropped.

    Parameters
    ----------
    ksize : int or (int, int)
        Kernel size ``(height, width)``; an even axis is generated at the next
        odd size and its last row / column dropped (centre on OpenCV's anchor).
    sigmas : sequence of float or float, optional
        Default: 3 values geometric from ``max(0.5, r / 4)`` to ``max(0.8, r / 1.5)``
        with ``r = (min(h, w) - 1) / 2`` (at least 1).
    max_order : int, optional
        Highest total derivative order, in [0, 6]. Default 2.
    thetas : sequence of float or float, optional
        Orientations in radians (clockwise on screen). Default ``k pi / 4``,
        ``k = 0..3``.

    Returns
    -------
    FilterBank
        Names ``gjet_s{sigma}_dx{dx}_dy{dy}_t{theta in degrees}``; odd sizes have
        ``gaussian_derivative`` specs that regenerate them.

    Raises
    ------
    ParameterError
        If a size is < 1, a sigma is not > 0 or ``max_order`` is outside [0, 6].

    Examples
    --------
    >>> gaussian_jet_dictionary(5, sigmas=1.0, max_order=1, thetas=[0.0]).names
    ['gjet_s1_dx0_dy0_t0', 'gjet_s1_dx1_dy0_t0', 'gjet_s1_dx0_dy1_t0']
    """
    h, w = size_pair("ksize", ksize)
    order = int_in_range("max_order", max_order, 0, 6)
    grid = _default_grids(h, w)
    ss = _values("sigmas", sigmas, grid["jet_sigmas"], positive=True)
    ts = _values("thetas", thetas, grid["jet_thetas"], positive=False)
    arrays: list[np.ndarray] = []
    units: list[np.ndarray] = []
    names: list[str] = []
    specs: list[dict[str, Any]] = []
    for s in ss:
        combos = [(0, 0, 0.0)] + [(n - dy, dy, t) for n in range(1, order + 1) for t in ts for dy in range(n + 1)]
        for dx, dy, t in combos:
            params = {"sigma": s, "dx": dx, "dy": dy, "theta": t}
            k = _odd_generate(h, w, lambda size, q=params: _kernels.gaussian_derivative(size, **q))
            norm = float(np.linalg.norm(k))
            if norm == 0:
                continue
            u = k.ravel() / norm
            if any(abs(float(u @ v)) > 1 - 1e-9 for v in units):
                continue
            units.append(u)
            arrays.append(k)
            names.append(f"gjet_s{_fmt(s)}_dx{dx}_dy{dy}_t{_fmt(math.degrees(t))}")
            specs.append(_dictionary_spec("gaussian_derivative", h, w, params))
    return FilterBank(np.stack(arrays), names=names, specs=specs)


@functools.lru_cache(maxsize=16)
def _default_dictionary_cached(h: int, w: int) -> FilterBank:
    return FilterBank.concat([gabor_dictionary((h, w)), gaussian_jet_dictionary((h, w))])


def default_dictionary(ksize: int | tuple[int, int]) -> FilterBank:
    """The dictionary :func:`nearest_catalog` uses by default: default Gabor grid + Gaussian jet.

    ``gabor_dictionary(ksize)`` (640 kernels) followed by
    ``gaussian_jet_dictionary(ksize)``, both with their default grids. Cached per size.

    Examples
    --------
    >>> bank = default_dictionary(5)
    >>> bank.ksize, bank.names[0].startswith("gabor"), bank.names[-1].startswith("gjet")
    ((5, 5), True, True)
    """
    h, w = size_pair("ksize", ksize)
    return _default_dictionary_cached(h, w)
