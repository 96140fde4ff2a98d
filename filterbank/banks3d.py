"""3-D filter banks: a Gaussian jet and Gabor filters over directions spread evenly on the sphere.

Both return a :class:`filterbank.FilterBank` of 3-D kernels ``(N, kd, kh, kw)``
whose specs regenerate every kernel from the catalog (``gaussian_nd``,
``gabor3d``), so they save, load and verify like the 2-D banks, and apply with
:func:`filterbank.filter3d` (channel ``c * N + n``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from ._errors import ParameterError, ShapeError
from ._validate import as_float, int_in_range, positive_float
from .bank import FilterBank

__all__ = ["gabor", "gaussian_jet", "sphere_directions"]

_REPULSION_STEPS = 300


def _floats(name: str, value: object) -> list[float]:
    vals = list(value) if isinstance(value, (list, tuple, np.ndarray)) else [value]
    if not vals:
        raise ShapeError(f"`{name}` must hold at least one value; got {value!r}")
    return [positive_float(name, v) for v in vals]


def _g(v: float) -> str:
    """A compact number for names: 1.0 -> '1', 1.5 -> '1.5'."""
    return f"{v:g}"


def _odd(name: str, value: object) -> int:
    k = int_in_range(name, value, 1)
    if k % 2 == 0:
        raise ParameterError(f"`{name}` must be odd; got {k}")
    return k


def gaussian_jet(
    max_order: int = 2, sigmas: float | Sequence[float] = (1.0, 2.0), *, ksize: int | None = None
) -> FilterBank:
    """All 3-D Gaussian derivatives ``d^(a+b+c) / dz^a dy^b dx^c`` with ``a + b + c <= max_order``, per sigma.

    Parameters
    ----------
    max_order : int
        Highest total order, in [0, 4].
    sigmas : float or sequence of float
        Standard deviations (isotropic), > 0.
    ksize : int or None
        Odd side of every (cubic) kernel; ``None``: SciPy's ``2 * int(4 sigma + 0.5) + 1``
        per sigma, centre-padded to the largest.

    Returns
    -------
    FilterBank
        Per sigma, by total order, then ``dx`` from high to low, then ``dy`` from
        high to low: ``(0,0,0), (0,0,1), (0,1,0), (1,0,0), (0,0,2), ...`` as
        ``(dz, dy, dx)``; ``(m+1)(m+2)(m+3)/6`` kernels per sigma. Names
        ``jet3d_s{sigma}_dz{a}_dy{b}_dx{c}``. Each kernel is
        :func:`filterbank.kernels.gaussian_nd` with ``order=(a, b, c)``:
        ``filter3d`` with it equals ``scipy.ndimage.gaussian_filter(vol, sigma,
        order=(a, b, c))``.

    Examples
    --------
    >>> bank = gaussian_jet(1, [1.0])
    >>> bank.names
    ['jet3d_s1_dz0_dy0_dx0', 'jet3d_s1_dz0_dy0_dx1', 'jet3d_s1_dz0_dy1_dx0', 'jet3d_s1_dz1_dy0_dx0']
    >>> bank.ksize
    (9, 9, 9)
    """
    m = int_in_range("max_order", max_order, 0, 4)
    specs, names = [], []
    for s in _floats("sigmas", sigmas):
        k = 2 * int(4.0 * s + 0.5) + 1 if ksize is None else _odd("ksize", ksize)
        for order in range(m + 1):
            for dx in range(order, -1, -1):
                for dy in range(order - dx, -1, -1):
                    dz = order - dx - dy
                    specs.append({"family": "gaussian_nd", "ksize": [k, k, k], "sigma": s, "order": [dz, dy, dx]})
                    names.append(f"jet3d_s{_g(s)}_dz{dz}_dy{dy}_dx{dx}")
    return FilterBank.from_specs(specs, names=names)


def sphere_directions(n: int) -> np.ndarray:
    """``n`` axes (directions up to sign) spread evenly over the sphere, as ``(theta, phi)`` angles.

    A Gabor filter's direction ``d`` and ``-d`` give the same filter (``psi = 0``)
    or its negative (``psi = pi/2``), so the directions are points of the
    projective plane: ``n`` points on the upper hemisphere whose ``2n`` points
    ``+-d`` are spread evenly over the whole sphere. They start from a
    Fibonacci (golden-angle) lattice on the hemisphere and are relaxed by a
    fixed number of steps of electrostatic repulsion between all ``+-d``,
    which reaches the known optima: 3 -> the coordinate axes (90 degrees apart),
    4 -> the cube diagonals (70.5), 6 -> the icosahedron's axes (63.4).
    Deterministic (no random numbers).

    Parameters
    ----------
    n : int
        Number of directions, in [1, 256].

    Returns
    -------
    numpy.ndarray
        ``(n, 2)`` float64: ``theta`` (azimuth from ``+x`` towards ``+y``, in
        ``(-pi, pi]``) and ``phi`` (polar angle from ``+z``, in ``[0, pi/2]``), the
        angles of :func:`filterbank.kernels.gabor3d`.

    Examples
    --------
    >>> import numpy as np
    >>> t, p = sphere_directions(3).T
    >>> d = np.stack([np.cos(t) * np.sin(p), np.sin(t) * np.sin(p), np.cos(p)], 1)
    >>> np.abs(d @ d.T).round(6).tolist()
    [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]
    """
    count = int_in_range("n", n, 1, 256)
    i = np.arange(count)
    z = 1.0 - (i + 0.5) / count
    az = i * math.pi * (3.0 - math.sqrt(5.0))
    r = np.sqrt(1.0 - z * z)
    p = np.stack([r * np.cos(az), r * np.sin(az), z], 1)
    for _ in range(_REPULSION_STEPS if count > 1 else 0):
        force = np.zeros_like(p)
        for sign in (1.0, -1.0):
            diff = p[:, None] - sign * p[None]
            dist = np.linalg.norm(diff, axis=-1)
            np.fill_diagonal(dist, np.inf)  # a point does not push itself; its antipode pushes radially only
            force += (diff / dist[..., None] ** 3).sum(1)
        force -= (force * p).sum(1, keepdims=True) * p
        p = p + force * (0.5 / count / max(1.0, float(np.linalg.norm(force, axis=1).max())))
        p /= np.linalg.norm(p, axis=1, keepdims=True)
    p[p[:, 2] < 0] *= -1.0
    theta = np.arctan2(p[:, 1], p[:, 0])
    phi = np.arccos(np.clip(p[:, 2], -1.0, 1.0))
    return np.stack([theta, phi], 1)


def gabor(
    orientations: int = 9,
    sigmas: float | Sequence[float] = (2.0,),
    phases: float | Sequence[float] = (0.0, math.pi / 2),
    *,
    lambdas: float | Sequence[float] | None = None,
    gamma: float = 1.0,
    gamma_w: float = 1.0,
    ksize: int | None = None,
    normalize: bool = True,
) -> FilterBank:
    """3-D Gabor bank: scales x directions spread evenly on the sphere x phases of ``kernels.gabor3d``.

    Parameters
    ----------
    orientations : int
        Number of wave directions, from :func:`sphere_directions` (directions
        up to sign), in [1, 256].
    sigmas : float or sequence of float
        Envelope standard deviation along the wave, one per scale, > 0.
    phases : float or sequence of float
        ``psi`` values; ``(0, pi/2)`` (default) gives quadrature pairs (even, odd).
    lambdas : float, sequence of float or None
        Wavelength per scale (or one for all); ``None``: the one-octave relation
        of the 2-D bank, ``lambd = sigma / 0.5622``.
    gamma, gamma_w : float
        Aspect ratios across the wave (see :func:`filterbank.kernels.gabor3d`).
    ksize : int or None
        Odd side of every kernel; ``None``: ``2 * ceil(3 * max(sigma, sigma / gamma,
        sigma / gamma_w)) + 1`` per scale, centre-padded to the largest.
    normalize : bool
        Unit L2 norm per kernel (default), so responses of all directions and
        scales are comparable.

    Returns
    -------
    FilterBank
        Scale-major, then direction, then phase. Names
        ``gabor3d_s{sigma}_o{index}_p{phase degrees}``; the spec holds ``theta`` and ``phi``.

    Examples
    --------
    >>> bank = gabor(6, [2.0], [0.0])
    >>> len(bank), bank.ksize
    (6, (13, 13, 13))
    """
    count = int_in_range("orientations", orientations, 1, 256)
    ss = _floats("sigmas", sigmas)
    ps = [as_float("phases", p) for p in (list(phases) if isinstance(phases, (list, tuple)) else [phases])]
    if not ps:
        raise ShapeError(f"`phases` must hold at least one value; got {phases!r}")
    if lambdas is None:
        ls = [s / 0.5622 for s in ss]
    else:
        ls = _floats("lambdas", lambdas)
        if len(ls) == 1:
            ls = ls * len(ss)
        if len(ls) != len(ss):
            raise ShapeError(f"`lambdas` must have one value per sigma ({len(ss)}) or one; got {len(ls)}")
    g_v, g_w = positive_float("gamma", gamma), positive_float("gamma_w", gamma_w)
    dirs = sphere_directions(count)
    specs, names = [], []
    for s, lam in zip(ss, ls, strict=True):
        k = 2 * math.ceil(3.0 * max(s, s / g_v, s / g_w)) + 1 if ksize is None else _odd("ksize", ksize)
        for o, (theta, phi) in enumerate(dirs):
            for p in ps:
                specs.append(
                    {
                        "family": "gabor3d",
                        "ksize": [k, k, k],
                        "sigma": s,
                        "theta": float(theta),
                        "phi": float(phi),
                        "lambd": lam,
                        "gamma": g_v,
                        "gamma_w": g_w,
                        "psi": p,
                        "normalize": bool(normalize),
                    }
                )
                names.append(f"gabor3d_s{_g(s)}_o{o}_p{round(math.degrees(p))}")
    return FilterBank.from_specs(specs, names=names)
