"""Classical filter banks, each returned as a :class:`~filterbank.FilterBank` with readable names.

Banks: :func:`gabor`, :func:`lm` (Leung-Malik), :func:`schmid`, :func:`rfs` (root filter
set, the base of MR8), :func:`gaussian_jet`, :func:`steerable`, :func:`dct`,
:func:`laws`, :func:`kirsch`, :func:`prewitt`, :func:`sobel`, :func:`scharr` and
:func:`random`; :func:`get` and :func:`names` give name-based access.

Every kernel is float64 in correlation orientation (what ``cv2.filter2D`` applies).
The VGG banks (LM, Schmid, RFS) and Laws' masks are defined for true convolution;
their generators flip them once, so that ``filter2d(img, bank)`` equals the
published convolution.

Specs. Every kernel carries a JSON spec that regenerates it. Kernels that are plain
catalog kernels use the catalog family (``{"family": "gabor", ...}``,
``{"family": "gaussian_derivative", ...}``); the others use a family of this module
written ``"banks.<name>"`` (``banks.vgg_oriented``, ``banks.vgg_gaussian``,
``banks.vgg_log``, ``banks.schmid``, ``banks.dct``, ``banks.laws``,
``banks.kirsch``, ``banks.random``), which :meth:`FilterBank.from_specs` and
:meth:`FilterBank.load` resolve through :func:`kernel`.

Examples
--------
>>> from filterbank import banks
>>> bank = banks.lm()
>>> len(bank), bank.ksize, bank.names[:2]
(48, (49, 49), ['lm_edge_s1_t000', 'lm_edge_s1_t030'])
>>> banks.get("gabor", sigmas=[2.0], orientations=2, phases=[0.0]).names
['gabor_s2_t000_p0', 'gabor_s2_t090_p0']
"""

from __future__ import annotations

import fnmatch
import functools
import inspect
import math
import numbers
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from . import kernels as _kernels
from ._errors import DTypeError, ParameterError, ShapeError, UnknownNameError
from ._validate import as_float, as_int, int_in_range, positive_float, size_pair
from .bank import FilterBank
from .kernels.fspecial import _gaussian as _matlab_gaussian

__all__ = [
    "dct",
    "gabor",
    "gabor_params_from_matlab",
    "gabor_params_from_skimage",
    "gaussian_jet",
    "get",
    "kernel",
    "kernel_families",
    "kirsch",
    "laws",
    "lm",
    "names",
    "prewitt",
    "random",
    "rfs",
    "scharr",
    "schmid",
    "sobel",
    "steerable",
    "steering_weights",
]

_VGG_SUPPORT = 49
_SQRT2 = math.sqrt(2.0)


# ----------------------------------------------------------------------------- helpers
def _float_list(name: str, value: object, *, positive: bool = True) -> list[float]:
    """A non-empty list of floats (> 0 when ``positive``) from a number or a sequence."""
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        items: list[Any] = [value]
    elif isinstance(value, (Sequence, np.ndarray)) and not isinstance(value, str):
        items = list(np.asarray(value, dtype=object).ravel()) if isinstance(value, np.ndarray) else list(value)
    else:
        raise DTypeError(f"`{name}` must be a number or a sequence of numbers; got {value!r}")
    if not items:
        raise ShapeError(f"`{name}` must hold at least one value; got an empty sequence")
    out = []
    for i, v in enumerate(items):
        label = f"{name}[{i}]" if len(items) > 1 or not isinstance(value, numbers.Real) else name
        out.append(positive_float(label, v) if positive else as_float(label, v))
    return out


def _angles(name: str, value: object) -> list[float]:
    """``value`` orientations: an int n >= 1 gives ``k * pi / n``; a sequence gives those angles (radians)."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        n = int(value)
        if n < 1:
            raise ParameterError(f"`{name}` must be >= 1 (a count) or a sequence of angles; got {n}")
        return [math.pi * k / n for k in range(n)]
    if isinstance(value, (Sequence, np.ndarray)) and not isinstance(value, str):
        return _float_list(name, value, positive=False)
    raise DTypeError(f"`{name}` must be an int (a count) or a sequence of angles in radians; got {value!r}")


def _deg(angle: float) -> str:
    """Angle in radians -> degrees for names: 45 -> '045', 22.5 -> '022.5', -30 -> 'm030'."""
    d = math.degrees(angle)
    sign = "m" if d < -1e-9 else ""
    d = abs(d)
    if abs(d - round(d)) < 1e-9:
        return f"{sign}{round(d):03d}"
    return sign + f"{d:08.4f}".rstrip("0")


def _g(v: float) -> str:
    return f"{v:g}"


def _odd_support(name: str, value: object) -> int:
    n = int_in_range(name, value, 1)
    if n % 2 == 0:
        raise ParameterError(f"`{name}` must be odd; got {n}")
    return n


def _vgg_normalise(f: np.ndarray) -> np.ndarray:
    """VGG ``normalise``: subtract the mean, divide by the L1 norm."""
    f = f - f.mean()
    return f / np.abs(f).sum()


def _vgg_grid(size: int) -> tuple[np.ndarray, np.ndarray]:
    """VGG's grid ``[x, y] = meshgrid(-h:h, h:-1:-h)``: x to the right, y UP (row 0 is y = +h)."""
    h = (size - 1) // 2
    x = np.arange(-h, h + 1, dtype=np.float64)[None, :].repeat(size, axis=0)
    y = np.arange(h, -h - 1, -1, dtype=np.float64)[:, None].repeat(size, axis=1)
    return x, y


def _gauss1d(sigma: float, x: np.ndarray, order: int) -> np.ndarray:
    """VGG ``gauss1d``: Gaussian (order 0) or its 1st / 2nd derivative at ``x``."""
    variance = sigma * sigma
    g = np.exp(-(x * x) / (2 * variance)) / math.sqrt(math.pi * 2 * variance)
    if order == 1:
        return -g * (x / variance)
    if order == 2:
        return g * ((x * x - variance) / (variance * variance))
    return g


def _flip(f: np.ndarray) -> np.ndarray:
    """Convolution orientation -> correlation orientation (180-degree rotation)."""
    return np.ascontiguousarray(f[::-1, ::-1])


# ----------------------------------------------------------------------------- kernel-level families
def _k_vgg_oriented(size: int, sigma: float, order: int, angle: float) -> np.ndarray:
    """VGG ``makefilter``: sigma 3s along, s across with a 1st/2nd derivative; normalised; flipped."""
    n = _odd_support("size", size)
    s = positive_float("sigma", sigma)
    o = int_in_range("order", order, 0, 2)
    a = as_float("angle", angle)
    x, y = _vgg_grid(n)
    c, sn = math.cos(a), math.sin(a)
    px = c * x - sn * y
    py = sn * x + c * y
    f = _gauss1d(3 * s, px, 0) * _gauss1d(s, py, o)
    return _flip(_vgg_normalise(f))


def _k_vgg_gaussian(size: int, sigma: float) -> np.ndarray:
    """VGG ``normalise(fspecial('gaussian', size, sigma))`` (isotropic: no flip needed)."""
    n = _odd_support("size", size)
    return _vgg_normalise(_matlab_gaussian(n, n, positive_float("sigma", sigma))[0])


def _k_vgg_log(size: int, sigma: float) -> np.ndarray:
    """VGG ``normalise(fspecial('log', size, sigma))`` (isotropic: no flip needed)."""
    n = _odd_support("size", size)
    return _vgg_normalise(_kernels.fspecial_log(n, positive_float("sigma", sigma)))


def _k_schmid(size: int, sigma: float, tau: float) -> np.ndarray:
    """Schmid ``cos(pi tau r / sigma) exp(-r^2 / 2 sigma^2)``, zero mean, unit L1 (isotropic)."""
    n = _odd_support("size", size)
    s = positive_float("sigma", sigma)
    t = as_float("tau", tau)
    x, y = _vgg_grid(n)
    r = np.sqrt(x * x + y * y)
    return _vgg_normalise(np.cos(r * (math.pi * t / s)) * np.exp(-(r * r) / (2 * s * s)))


def _dct_matrix(n: int) -> np.ndarray:
    """Orthonormal DCT-II matrix ``D[u, i]``."""
    i = np.arange(n, dtype=np.float64)
    d = np.cos(np.pi * (2 * i[None, :] + 1) * np.arange(n)[:, None] / (2 * n))
    d[0] *= math.sqrt(1.0 / n)
    d[1:] *= math.sqrt(2.0 / n)
    return d


def _k_dct(ksize: int | Sequence[int], u: int, v: int) -> np.ndarray:
    h, w = size_pair("ksize", ksize)
    uu = int_in_range("u", u, 0, h - 1)
    vv = int_in_range("v", v, 0, w - 1)
    return np.outer(_dct_matrix(h)[uu], _dct_matrix(w)[vv])


_LAWS = {
    "L5": (1.0, 4.0, 6.0, 4.0, 1.0),
    "E5": (-1.0, -2.0, 0.0, 2.0, 1.0),
    "S5": (-1.0, 0.0, 2.0, 0.0, -1.0),
    "W5": (-1.0, 2.0, 0.0, -2.0, 1.0),
    "R5": (1.0, -4.0, 6.0, -4.0, 1.0),
}


def _k_laws(rows: str, cols: str) -> np.ndarray:
    for arg, val in (("rows", rows), ("cols", cols)):
        if val not in _LAWS:
            raise UnknownNameError(arg, val, _LAWS)
    return _flip(np.outer(_LAWS[rows], _LAWS[cols]))


_KIRSCH_DIRECTIONS = ("n", "nw", "w", "sw", "s", "se", "e", "ne")
# Border ring of a 3x3 mask, clockwise from the top-left tap.
_RING = ((0, 0), (0, 1), (0, 2), (1, 2), (2, 2), (2, 1), (2, 0), (1, 0))
_KIRSCH_NORTH = (5.0, 5.0, 5.0, -3.0, -3.0, -3.0, -3.0, -3.0)


def _k_kirsch(direction: str) -> np.ndarray:
    if direction not in _KIRSCH_DIRECTIONS:
        raise UnknownNameError("direction", direction, _KIRSCH_DIRECTIONS)
    k = _KIRSCH_DIRECTIONS.index(direction)
    ring = np.roll(np.array(_KIRSCH_NORTH), -k)
    out = np.zeros((3, 3))
    for (r, c), v in zip(_RING, ring, strict=True):
        out[r, c] = v
    return out


_RANDOM_KINDS = ("normal", "orthogonal")


def _random_kernels(n: int, ksize: Any, seed: int, kind: str) -> np.ndarray:
    """The ``(n, kh, kw)`` kernels of :func:`random` (read-only; cached, see :func:`_random_stack`)."""
    n = int_in_range("n", n, 1)
    h, w = size_pair("ksize", ksize)
    seed = int_in_range("seed", seed, 0)
    if kind not in _RANDOM_KINDS:
        raise UnknownNameError("kind", kind, _RANDOM_KINDS)
    if kind == "orthogonal" and n > h * w:
        raise ParameterError(
            f"`n` must be <= kh * kw = {h * w} for kind='orthogonal' (at most that many orthonormal kernels); got {n}"
        )
    return _random_stack(n, h, w, seed, kind)


@functools.lru_cache(maxsize=1)
def _random_stack(n: int, h: int, w: int, seed: int, kind: str) -> np.ndarray:
    # Cached: regenerating a bank's specs (FilterBank.load / verify) asks for every index of the same
    # stack in turn, which would otherwise redraw (and, for "orthogonal", re-factorise) it n times.
    rng = np.random.default_rng(seed)
    if kind == "normal":
        out = rng.standard_normal((n, h, w))
    else:
        q, r = np.linalg.qr(rng.standard_normal((h * w, n)))
        q = q * np.where(np.diag(r) < 0, -1.0, 1.0)[None, :]
        out = np.ascontiguousarray(q.T.reshape(n, h, w))
    out.setflags(write=False)
    return out


def _k_random(n: int, ksize: Any, seed: int, kind: str, index: int) -> np.ndarray:
    ks = _random_kernels(n, ksize, seed, kind)
    i = int_in_range("index", index, 0, ks.shape[0] - 1)
    return ks[i].copy()


_KERNEL_FAMILIES: dict[str, Callable[..., np.ndarray]] = {
    "dct": _k_dct,
    "kirsch": _k_kirsch,
    "laws": _k_laws,
    "random": _k_random,
    "schmid": _k_schmid,
    "vgg_gaussian": _k_vgg_gaussian,
    "vgg_log": _k_vgg_log,
    "vgg_oriented": _k_vgg_oriented,
}


def kernel_families() -> list[str]:
    """Names of the kernel-level families of this module, as written in specs (``"banks.<name>"``).

    Returns
    -------
    list of str
        Sorted, e.g. ``"banks.vgg_oriented"``.

    Examples
    --------
    >>> "banks.vgg_oriented" in kernel_families()
    True
    """
    return [f"banks.{k}" for k in sorted(_KERNEL_FAMILIES)]


def kernel(family: str, **params: Any) -> np.ndarray:
    """Generate one kernel of a ``"banks.<name>"`` spec family (used to regenerate bank specs).

    Parameters
    ----------
    family : str
        ``"banks.vgg_oriented"`` (``size, sigma, order, angle``: VGG ``makefilter``),
        ``"banks.vgg_gaussian"`` / ``"banks.vgg_log"`` (``size, sigma``),
        ``"banks.schmid"`` (``size, sigma, tau``), ``"banks.dct"`` (``ksize, u, v``),
        ``"banks.laws"`` (``rows, cols``, e.g. ``"L5", "E5"``), ``"banks.kirsch"``
        (``direction``), ``"banks.random"`` (``n, ksize, seed, kind, index``). The
        ``"banks."`` prefix may be left out.
    **params
        The family's parameters.

    Returns
    -------
    numpy.ndarray
        float64 kernel in correlation orientation.

    Raises
    ------
    UnknownNameError
        If the family is unknown.
    DTypeError
        If a keyword is unknown or missing.

    Examples
    --------
    >>> kernel("banks.kirsch", direction="n")[0].tolist()
    [5.0, 5.0, 5.0]
    """
    if not isinstance(family, str):
        raise DTypeError(f"`family` must be a str; got {family!r} ({type(family).__name__})")
    key = family[len("banks.") :] if family.startswith("banks.") else family
    if key not in _KERNEL_FAMILIES:
        raise UnknownNameError("family", family, kernel_families())
    func = _KERNEL_FAMILIES[key]
    sig = inspect.signature(func)
    unknown = [k for k in params if k not in sig.parameters]
    missing = [k for k in sig.parameters if k not in params]
    if unknown or missing:
        what = f"an unexpected keyword `{unknown[0]}`" if unknown else f"no keyword `{missing[0]}`"
        raise DTypeError(f"kernel family 'banks.{key}' got {what}; it takes {', '.join(sig.parameters)}")
    return func(**params)


# ----------------------------------------------------------------------------- Gabor
def _sigma_per_lambda(bandwidth: float) -> float:
    """sigma / lambda for a half-magnitude bandwidth ``b`` in octaves: sqrt(ln2/2)/pi * (2^b+1)/(2^b-1)."""
    b = positive_float("bandwidth", bandwidth)
    return math.sqrt(math.log(2) / 2) / math.pi * (2.0**b + 1) / (2.0**b - 1)


def gabor(
    sigmas: float | Sequence[float] = (2.0, 4.0),
    orientations: int | Sequence[float] = 4,
    phases: float | Sequence[float] = (0.0, math.pi / 2),
    *,
    lambdas: float | Sequence[float] | None = None,
    gamma: float = 0.5,
    ksize: int | None = None,
) -> FilterBank:
    """Gabor bank: scales x orientations x phases of ``cv2.getGaborKernel``.

    Parameters
    ----------
    sigmas : float or sequence of float
        Envelope standard deviations (OpenCV's ``sigma``), one per scale, > 0.
    orientations : int or sequence of float
        A count ``n >= 1`` (angles ``k * pi / n``) or explicit angles in radians
        (OpenCV's ``theta``: turns clockwise on screen).
    phases : float or sequence of float
        OpenCV's ``psi`` values; ``(0, pi/2)`` (default) gives quadrature pairs
        (even cosine, odd sine).
    lambdas : float, sequence of float or None
        Wavelengths in pixels, one per scale (or one for all). ``None``: a
        one-octave bandwidth, ``lambd = sigma / 0.5622`` (the skimage/MATLAB
        relation ``sigma = lambda / pi * sqrt(ln 2 / 2) * 3``).
    gamma : float
        Spatial aspect ratio; the envelope's other deviation is ``sigma / gamma``.
    ksize : int or None
        Odd size of every kernel; ``None``: ``2 * ceil(3 * max(sigma, sigma / gamma)) + 1``
        per scale, then centre-padded to the largest.

    Returns
    -------
    FilterBank
        Scale-major, then orientation, then phase. Names
        ``gabor_s{sigma}_t{degrees:03}_p{phase degrees}``, e.g. ``gabor_s4_t045_p0``.
        Specs are catalog ``gabor`` specs.

    Raises
    ------
    ParameterError
        Non-positive sigma, lambda or gamma; ``orientations < 1``; even ``ksize``.
    ShapeError
        An empty sequence, or ``lambdas`` with another length than ``sigmas``.

    Notes
    -----
    Kernels are exactly :func:`filterbank.kernels.gabor` (OpenCV's, peak 1, not
    normalised). Use :func:`gabor_params_from_skimage` / :func:`gabor_params_from_matlab`
    to translate other parametrisations.

    Examples
    --------
    >>> b = gabor([4.0], orientations=4)
    >>> len(b), b.names[2]
    (8, 'gabor_s4_t045_p0')
    """
    ss = _float_list("sigmas", sigmas)
    thetas = _angles("orientations", orientations)
    ps = _float_list("phases", phases, positive=False)
    g = positive_float("gamma", gamma)
    if lambdas is None:
        ls = [s / _sigma_per_lambda(1.0) for s in ss]
    else:
        ls = _float_list("lambdas", lambdas)
        if len(ls) == 1:
            ls = ls * len(ss)
        if len(ls) != len(ss):
            raise ShapeError(f"`lambdas` must have one value per sigma ({len(ss)}) or one for all; got {len(ls)}")
    specs, names = [], []
    for s, lam in zip(ss, ls, strict=True):
        if ksize is None:
            k = 2 * math.ceil(3 * max(s, s / g)) + 1
        else:
            k = _odd_support("ksize", ksize)
        for t in thetas:
            for p in ps:
                specs.append(
                    {"family": "gabor", "ksize": [k, k], "sigma": s, "theta": t, "lambd": lam, "gamma": g, "psi": p}
                )
                names.append(f"gabor_s{_g(s)}_t{_deg(t)}_p{_g(round(math.degrees(p), 6))}")
    return FilterBank.from_specs(specs, names=names)


def gabor_params_from_skimage(
    frequency: float,
    theta: float = 0.0,
    bandwidth: float = 1.0,
    sigma_x: float | None = None,
    sigma_y: float | None = None,
    n_stds: float = 3,
    offset: float = 0.0,
) -> dict[str, Any]:
    """OpenCV Gabor parameters equivalent to ``skimage.filters.gabor_kernel``'s real part.

    Parameters
    ----------
    frequency, theta, bandwidth, sigma_x, sigma_y, n_stds, offset
        As in ``skimage.filters.gabor_kernel`` (frequency in cycles per pixel,
        bandwidth in octaves, used when a sigma is None).

    Returns
    -------
    dict
        Keyword arguments of :func:`filterbank.kernels.gabor`: ``ksize`` (skimage's
        size, which depends on theta), ``sigma = sigma_x``, ``theta``,
        ``lambd = 1 / frequency``, ``gamma = sigma_x / sigma_y``, ``psi = offset``.

    Notes
    -----
    skimage's kernel is complex and scaled by ``1 / (2 pi sigma_x sigma_y)``;
    ``skimage.filters.gabor`` applies it by true convolution
    (``ndimage.convolve``). With these parameters,
    ``kernels.gabor(**p) / (2 pi sigma_x sigma_y)`` is that real kernel rotated by
    180 degrees (correlation orientation: rotating negates the phase, hence
    ``psi = offset``), and ``filter2d(img, that, border="symmetric")`` equals the
    real output of ``skimage.filters.gabor(img, ...)`` (its default mode
    ``"reflect"`` is ``symmetric`` here). Both use the same angle convention.

    References
    ----------
    scikit-image ``skimage.filters.gabor_kernel``.

    Examples
    --------
    >>> p = gabor_params_from_skimage(0.25)
    >>> p["lambd"], round(p["sigma"], 4), p["ksize"]
    (4.0, 2.2487, [15, 15])
    """
    f = positive_float("frequency", frequency)
    th = as_float("theta", theta)
    pre = _sigma_per_lambda(bandwidth)
    sx = pre / f if sigma_x is None else positive_float("sigma_x", sigma_x)
    sy = pre / f if sigma_y is None else positive_float("sigma_y", sigma_y)
    ns = positive_float("n_stds", n_stds)
    ct, st = math.cos(th), math.sin(th)
    x0 = math.ceil(max(abs(ns * sx * ct), abs(ns * sy * st), 1))
    y0 = math.ceil(max(abs(ns * sy * ct), abs(ns * sx * st), 1))
    return {
        "ksize": [2 * y0 + 1, 2 * x0 + 1],
        "sigma": sx,
        "theta": th,
        "lambd": 1.0 / f,
        "gamma": sx / sy,
        "psi": as_float("offset", offset),
    }


def gabor_params_from_matlab(
    wavelength: float,
    orientation: float,
    spatial_frequency_bandwidth: float = 1.0,
    spatial_aspect_ratio: float = 0.5,
) -> dict[str, Any]:
    """OpenCV Gabor parameters equivalent to MATLAB's ``gabor(wavelength, orientation, ...)``.

    Parameters
    ----------
    wavelength : float
        Pixels per cycle, > 0 (MATLAB requires >= 2).
    orientation : float
        Degrees, counter-clockwise on screen (MATLAB's convention).
    spatial_frequency_bandwidth : float
        Octaves, > 0; default 1.
    spatial_aspect_ratio : float
        > 0; default 0.5.

    Returns
    -------
    dict
        Keyword arguments of :func:`filterbank.kernels.gabor`:
        ``sigma = wavelength / pi * sqrt(ln 2 / 2) * (2^b + 1) / (2^b - 1)``,
        ``gamma = spatial_aspect_ratio`` (MATLAB's ``sigma_y = sigma_x / ratio``),
        ``theta = -radians(orientation)`` (OpenCV turns clockwise on screen),
        ``lambd = wavelength``, ``psi = 0`` and MATLAB's size
        ``2 * max(ceil(7 sigma_x), ceil(7 sigma_y)) + 1``.

    Notes
    -----
    With ``psi = 0`` the kernel equals the real part of MATLAB's
    ``SpatialKernel`` (``exp(-(X'^2/sx^2 + Y'^2/sy^2)/2) cos(2 pi X' / lambda)`` with
    ``X' = X cosd(o) - Y sind(o)``). The imaginary part, applied by convolution as
    ``imgaborfilt`` does, corresponds in correlation orientation to ``psi = -pi/2``.
    MATLAB's ``imgaborfilt`` filters in the frequency domain with a sampled
    transfer function, so its outputs are not exactly a spatial correlation.

    References
    ----------
    MATLAB Image Processing Toolbox ``gabor``, ``imgaborfilt``.

    Examples
    --------
    >>> p = gabor_params_from_matlab(8.0, 0.0)
    >>> round(p["sigma"], 4), p["gamma"], p["ksize"]
    (4.4974, 0.5, [127, 127])
    """
    lam = positive_float("wavelength", wavelength)
    o = as_float("orientation", orientation)
    ratio = positive_float("spatial_aspect_ratio", spatial_aspect_ratio)
    sx = lam * _sigma_per_lambda(spatial_frequency_bandwidth)
    sy = sx / ratio
    k = 2 * max(math.ceil(7 * sx), math.ceil(7 * sy)) + 1
    return {"ksize": [k, k], "sigma": sx, "theta": -math.radians(o), "lambd": lam, "gamma": ratio, "psi": 0.0}


# ----------------------------------------------------------------------------- VGG banks
def _vgg_oriented_part(
    prefix: str, scales: Sequence[float], size: int, norient: int = 6
) -> list[tuple[str, dict[str, Any]]]:
    """Edge specs then bar specs, scale-major then orientation, as VGG's loops."""
    angles = [math.pi * k / norient for k in range(norient)]
    return [
        (
            f"{prefix}_{part}_s{i}_t{_deg(a)}",
            {"family": "banks.vgg_oriented", "size": size, "sigma": s, "order": order, "angle": a},
        )
        for part, order in (("edge", 1), ("bar", 2))
        for i, s in enumerate(scales, start=1)
        for a in angles
    ]


def _bank(items: list[tuple[str, dict[str, Any]]]) -> FilterBank:
    return FilterBank.from_specs([s for _, s in items], names=[n for n, _ in items])


def lm(size: str = "large") -> FilterBank:
    """The Leung-Malik bank (48 filters, 49x49), exactly as VGG's ``makeLMfilters``.

    Parameters
    ----------
    size : {"large", "small"}
        LM-large: edge/bar scales ``sqrt(2)**[1, 2, 3]``, isotropic scales
        ``sqrt(2)**[1, 2, 3, 4]``. LM-small: ``[1, sqrt2, 2]`` and
        ``[1, sqrt2, 2, 2 sqrt2]``.

    Returns
    -------
    FilterBank
        48 kernels: 18 edges (first Gaussian derivative across, scale-major then
        orientation ``k * 30`` degrees), 18 bars (second derivative, same order),
        then for each isotropic scale ``s``: Gaussian(s), LoG(s), LoG(3s). Names
        ``lm_edge_s1_t030``, ``lm_bar_s3_t150``, ``lm_gauss_s1``, ``lm_log_s1``,
        ``lm_log3_s1`` (``s`` is the 1-based scale index).

    Raises
    ------
    UnknownNameError
        If ``size`` is not ``"large"`` or ``"small"``.

    Notes
    -----
    VGG's grid has y pointing up; an oriented filter at scale s is a Gaussian of
    sigma 3s along the filter times a derivative of sigma s across it. VGG rotates
    the *sampling points* by ``angle`` counter-clockwise, so the filter itself
    turns clockwise on screen: the long axis of ``lm_edge_s1_t030`` runs down to
    the right at -30 degrees, as in VGG's pictures. Every filter is normalised (mean removed,
    then divided by its L1 norm). VGG applies the bank by convolution
    (``conv2``); the kernels here are rotated 180 degrees so that
    ``filter2d(img, bank)`` equals ``conv2(img, F, 'same')``: the edge filters
    (odd) change sign, the others are symmetric. The widely copied Python port
    (``scalex = sqrt(2) * [1, 2, 3]``, y down, no normalisation) is *not* this bank.

    References
    ----------
    T. Leung and J. Malik, "Representing and recognizing the visual appearance of
    materials using three-dimensional textons", IJCV 43(1), 2001; VGG
    ``makeLMfilters.m`` (Oxford texture classification filters page).

    Examples
    --------
    >>> b = lm("small")
    >>> b.names[36:39]
    ['lm_gauss_s1', 'lm_log_s1', 'lm_log3_s1']
    """
    if size == "large":
        edge_scales = [_SQRT2**i for i in (1, 2, 3)]
        iso_scales = [_SQRT2**i for i in (1, 2, 3, 4)]
    elif size == "small":
        edge_scales = [1.0, _SQRT2, 2.0]
        iso_scales = [1.0, _SQRT2, 2.0, 2.0 * _SQRT2]
    else:
        raise UnknownNameError("size", size, ("large", "small"))
    n = _VGG_SUPPORT
    items = _vgg_oriented_part("lm", edge_scales, n)
    for i, s in enumerate(iso_scales, start=1):
        items.append((f"lm_gauss_s{i}", {"family": "banks.vgg_gaussian", "size": n, "sigma": s}))
        items.append((f"lm_log_s{i}", {"family": "banks.vgg_log", "size": n, "sigma": s}))
        items.append((f"lm_log3_s{i}", {"family": "banks.vgg_log", "size": n, "sigma": 3 * s}))
    return _bank(items)


_SCHMID_PARAMS = (
    (2, 1),
    (4, 1),
    (4, 2),
    (6, 1),
    (6, 2),
    (6, 3),
    (8, 1),
    (8, 2),
    (8, 3),
    (10, 1),
    (10, 2),
    (10, 3),
    (10, 4),
)


def schmid() -> FilterBank:
    """The Schmid bank (13 isotropic filters, 49x49), exactly as VGG's ``makeSfilters``.

    Returns
    -------
    FilterBank
        ``F(r) = cos(pi tau r / sigma) exp(-r^2 / 2 sigma^2)``, mean removed, unit L1,
        for ``(sigma, tau)`` in (2,1) (4,1) (4,2) (6,1) (6,2) (6,3) (8,1) (8,2)
        (8,3) (10,1) (10,2) (10,3) (10,4). Names ``schmid_s{sigma}_t{tau}``.

    Notes
    -----
    Isotropic, hence identical in correlation and convolution orientation.

    References
    ----------
    C. Schmid, "Constructing models for content-based image retrieval", CVPR 2001;
    VGG ``makeSfilters.m``.

    Examples
    --------
    >>> schmid().names[:3]
    ['schmid_s2_t1', 'schmid_s4_t1', 'schmid_s4_t2']
    """
    items = [
        (f"schmid_s{s}_t{t}", {"family": "banks.schmid", "size": _VGG_SUPPORT, "sigma": float(s), "tau": float(t)})
        for s, t in _SCHMID_PARAMS
    ]
    return _bank(items)


def rfs() -> FilterBank:
    """The root filter set (38 filters, 49x49), exactly as VGG's ``makeRFSfilters``; base of MR8.

    Returns
    -------
    FilterBank
        18 edges at ``(sigma_x, sigma_y) = (3, 1), (6, 2), (12, 4)`` (along, across)
        x 6 orientations (scale-major), 18 bars in the same order, then a
        Gaussian and a LoG at sigma 10. Names ``rfs_edge_s1_t000`` ..
        ``rfs_bar_s3_t150``, ``rfs_gauss``, ``rfs_log``.

    Notes
    -----
    Same construction, normalisation and 180-degree rotation as :func:`lm` (so
    ``filter2d`` equals VGG's ``conv2``). :class:`filterbank.pooling.MR8` turns
    its responses into the 8 maximum responses.

    References
    ----------
    M. Varma and A. Zisserman, "A statistical approach to texture classification
    from single images", IJCV 62(1), 2005; VGG ``makeRFSfilters.m``.

    Examples
    --------
    >>> b = rfs()
    >>> len(b), b.names[-2:]
    (38, ['rfs_gauss', 'rfs_log'])
    """
    n = _VGG_SUPPORT
    items = _vgg_oriented_part("rfs", [1.0, 2.0, 4.0], n)
    items.append(("rfs_gauss", {"family": "banks.vgg_gaussian", "size": n, "sigma": 10.0}))
    items.append(("rfs_log", {"family": "banks.vgg_log", "size": n, "sigma": 10.0}))
    return _bank(items)


# ----------------------------------------------------------------------------- Gaussian derivatives
def _scipy_size(sigma: float) -> int:
    return 2 * int(4.0 * sigma + 0.5) + 1


def gaussian_jet(
    max_order: int = 2, sigmas: float | Sequence[float] = (1.0, 2.0), *, ksize: int | None = None
) -> FilterBank:
    """All Gaussian derivatives ``d^(i+j) / dx^i dy^j`` with ``i + j <= max_order``, at each sigma.

    Parameters
    ----------
    max_order : int
        Highest total order, in [0, 4].
    sigmas : float or sequence of float
        Standard deviations, > 0.
    ksize : int or None
        Odd size of every kernel; ``None``: SciPy's ``2 * int(4 sigma + 0.5) + 1``
        per sigma, centre-padded to the largest.

    Returns
    -------
    FilterBank
        Per sigma, by order, then ``dx`` from high to low: ``(0,0), (1,0), (0,1),
        (2,0), (1,1), (0,2), ...``; ``(max_order+1)(max_order+2)/2`` kernels per
        sigma. Names ``jet_s{sigma}_dx{i}_dy{j}``. Each kernel is
        :func:`filterbank.kernels.gaussian_derivative` (SciPy's
        ``gaussian_filter(order=(j, i))`` convention; x = columns, y = rows down).

    Raises
    ------
    ParameterError
        ``max_order`` outside [0, 4], non-positive sigma, even ``ksize``.

    Examples
    --------
    >>> gaussian_jet(1, [1.0]).names
    ['jet_s1_dx0_dy0', 'jet_s1_dx1_dy0', 'jet_s1_dx0_dy1']
    """
    m = int_in_range("max_order", max_order, 0, 4)
    ss = _float_list("sigmas", sigmas)
    specs, names = [], []
    for s in ss:
        k = _scipy_size(s) if ksize is None else _odd_support("ksize", ksize)
        for order in range(m + 1):
            for dx in range(order, -1, -1):
                dy = order - dx
                specs.append({"family": "gaussian_derivative", "ksize": [k, k], "sigma": s, "dx": dx, "dy": dy})
                names.append(f"jet_s{_g(s)}_dx{dx}_dy{dy}")
    return FilterBank.from_specs(specs, names=names)


def _basis_angles(order: int) -> list[float]:
    return [math.pi * j / (order + 1) for j in range(order + 1)]


def steering_weights(order: int, angles: float | Sequence[float]) -> np.ndarray:
    """Interpolation weights that steer the basis of :func:`steerable` to any angle, exactly.

    Parameters
    ----------
    order : {1, 2}
        Derivative order.
    angles : float or sequence of float
        Target angles in radians (same convention as :func:`steerable`).

    Returns
    -------
    numpy.ndarray
        ``(len(angles), order + 1)``: row ``a`` holds the weights ``k_j(theta_a)``
        of the basis kernels at ``theta_j = j * pi / (order + 1)``. Order 1:
        ``k_j = cos(theta - theta_j)`` (basis at 0 and 90 degrees, i.e.
        ``cos(theta) G_x + sin(theta) G_y``). Order 2:
        ``k_j = (1 + 2 cos(2 (theta - theta_j))) / 3`` (basis at 0, 60, 120 degrees).

    Notes
    -----
    The oriented derivative ``d^n/du^n`` of an isotropic Gaussian is a
    trigonometric polynomial of degree n in theta with n + 1 terms, so n + 1
    basis filters at equally spaced angles in [0, pi) reproduce it exactly
    (Freeman and Adelson, "The design and use of steerable filters", PAMI 1991).

    Examples
    --------
    >>> steering_weights(1, [0.0, np.pi / 2]).round(12).tolist()
    [[1.0, 0.0], [0.0, 1.0]]
    """
    o = int_in_range("order", order, 1, 2)
    th = np.asarray(_float_list("angles", angles, positive=False))
    basis = np.asarray(_basis_angles(o))
    d = th[:, None] - basis[None, :]
    if o == 1:
        return np.cos(d)
    return (1.0 + 2.0 * np.cos(2.0 * d)) / 3.0


def steerable(
    order: int = 1,
    sigma: float = 2.0,
    angles: float | Sequence[float] | None = None,
    *,
    ksize: int | None = None,
) -> FilterBank:
    """Oriented first or second Gaussian derivatives: the steerable basis, or any angles.

    Parameters
    ----------
    order : {1, 2}
        Derivative order along the direction ``u = x cos(theta) + y sin(theta)``.
    sigma : float
        Standard deviation, > 0 (isotropic Gaussian).
    angles : float, sequence of float or None
        Angles in radians (clockwise on screen, rows down, like
        ``kernels.gaussian_derivative``). ``None``: the basis angles
        ``j * pi / (order + 1)``.
    ksize : int or None
        Odd size; ``None``: SciPy's ``2 * int(4 sigma + 0.5) + 1``.

    Returns
    -------
    FilterBank
        One ``kernels.gaussian_derivative(ksize, sigma, dx=order, dy=0, theta=angle)``
        per angle, named ``steer{order}_s{sigma}_t{degrees}``.
        ``steering_weights(order, angles) @ steerable(order, sigma).kernels``
        (flattened) equals ``steerable(order, sigma, angles).kernels`` to rounding.

    Raises
    ------
    ParameterError
        ``order`` not 1 or 2, non-positive sigma, even ksize.

    Examples
    --------
    >>> steerable(2, 1.5).names
    ['steer2_s1.5_t000', 'steer2_s1.5_t060', 'steer2_s1.5_t120']
    """
    o = int_in_range("order", order, 1, 2)
    s = positive_float("sigma", sigma)
    th = _basis_angles(o) if angles is None else _float_list("angles", angles, positive=False)
    k = _scipy_size(s) if ksize is None else _odd_support("ksize", ksize)
    specs = [{"family": "gaussian_derivative", "ksize": [k, k], "sigma": s, "dx": o, "dy": 0, "theta": t} for t in th]
    names = [f"steer{o}_s{_g(s)}_t{_deg(t)}" for t in th]
    return FilterBank.from_specs(specs, names=names)


# ----------------------------------------------------------------------------- small classical sets
def dct(ksize: int | tuple[int, int] = 8) -> FilterBank:
    """The 2-D DCT-II basis (orthonormal): ``h * w`` kernels.

    Parameters
    ----------
    ksize : int or (int, int)
        Block size ``(height, width)``, or one int.

    Returns
    -------
    FilterBank
        Kernel ``(u, v)`` is ``outer(D_h[u], D_w[v])`` with
        ``D[u, i] = a(u) cos(pi (2 i + 1) u / 2n)`` (``scipy.fft.dct(norm="ortho")``);
        row-major over ``(u, v)``, ``u`` the vertical frequency. Names ``dct_u{u}_v{v}``.
        Correlating a block with kernel ``(u, v)`` gives its DCT coefficient
        ``(u, v)``, so ``filter2d`` at a pixel returns the coefficients of the
        block whose tap ``(kh // 2, kw // 2)`` sits on it.

    Examples
    --------
    >>> b = dct(4)
    >>> len(b), b.names[1]
    (16, 'dct_u0_v1')
    """
    h, w = size_pair("ksize", ksize)
    items = [
        (f"dct_u{u}_v{v}", {"family": "banks.dct", "ksize": [h, w], "u": u, "v": v}) for u in range(h) for v in range(w)
    ]
    return _bank(items)


def laws() -> FilterBank:
    """Laws' 25 texture-energy masks (5x5), outer products of L5, E5, S5, W5, R5.

    Returns
    -------
    FilterBank
        Mask ``AB`` (name ``laws_A B`` written ``laws_L5E5``) is ``outer(A, B)``:
        ``A`` varies down the rows, ``B`` along the columns, with
        ``L5 = [1 4 6 4 1]``, ``E5 = [-1 -2 0 2 1]``, ``S5 = [-1 0 2 0 -1]``,
        ``W5 = [-1 2 0 -2 1]``, ``R5 = [1 -4 6 -4 1]``; order L5, E5, S5, W5, R5
        for ``A`` (outer loop) and ``B``.

    Notes
    -----
    Laws convolved the image with the masks; the kernels are the masks rotated by
    180 degrees, so ``filter2d`` equals ``conv2(img, outer(A, B), 'same')``. A mask
    with exactly one odd factor (E5 or W5) therefore appears negated; energy
    measures (absolute or squared responses) are unaffected.

    References
    ----------
    K. I. Laws, "Textured image segmentation", PhD thesis, USC, 1980.

    Examples
    --------
    >>> b = laws()
    >>> len(b), b.names[1]
    (25, 'laws_L5E5')
    """
    order = list(_LAWS)
    items = [(f"laws_{a}{b}", {"family": "banks.laws", "rows": a, "cols": b}) for a in order for b in order]
    return _bank(items)


def kirsch() -> FilterBank:
    """Kirsch's 8 compass masks (3x3), as templates (correlation).

    Returns
    -------
    FilterBank
        ``kirsch_n`` = ``[[5, 5, 5], [-3, 0, -3], [-3, -3, -3]]`` and its rotations by
        45 degrees counter-clockwise on screen: n, nw, w, sw, s, se, e, ne. Mask
        ``d`` gives its largest positive response where the side ``d`` is brighter.

    Notes
    -----
    The set is closed under 180-degree rotation (n <-> s, ...), so convolution
    would only permute the names; the masks are stored as templates, as Kirsch
    applied them.

    References
    ----------
    R. A. Kirsch, "Computer determination of the constituent structure of
    biological images", Computers and Biomedical Research 4(3), 1971.

    Examples
    --------
    >>> kirsch().names
    ['kirsch_n', 'kirsch_nw', 'kirsch_w', 'kirsch_sw', 'kirsch_s', 'kirsch_se', 'kirsch_e', 'kirsch_ne']
    """
    return _bank([(f"kirsch_{d}", {"family": "banks.kirsch", "direction": d}) for d in _KIRSCH_DIRECTIONS])


def prewitt() -> FilterBank:
    """The Prewitt pair ``[prewitt_x, prewitt_y]`` (``kernels.prewitt(1, 0)``, ``(0, 1)``; SciPy's).

    Examples
    --------
    >>> prewitt().names
    ['prewitt_x', 'prewitt_y']
    """
    return FilterBank.from_specs(
        [{"family": "prewitt", "dx": 1, "dy": 0}, {"family": "prewitt", "dx": 0, "dy": 1}],
        names=["prewitt_x", "prewitt_y"],
    )


def sobel(ksize: int = 3, normalize: bool = False) -> FilterBank:
    """The Sobel pair ``[sobel_x, sobel_y]``, OpenCV's (``cv2.Sobel`` dx=1 / dy=1).

    Parameters
    ----------
    ksize : int
        Odd aperture 1..31 (OpenCV's).
    normalize : bool
        OpenCV's ``getDerivKernels(normalize=...)``.

    Examples
    --------
    >>> sobel().kernels[0].tolist()
    [[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]]
    """
    k = as_int("ksize", ksize)
    specs = [
        {"family": "sobel", "dx": 1, "dy": 0, "ksize": k, "normalize": bool(normalize)},
        {"family": "sobel", "dx": 0, "dy": 1, "ksize": k, "normalize": bool(normalize)},
    ]
    return FilterBank.from_specs(specs, names=["sobel_x", "sobel_y"])


def scharr(normalize: bool = False) -> FilterBank:
    """The Scharr pair ``[scharr_x, scharr_y]``, OpenCV's (``cv2.Scharr``).

    Examples
    --------
    >>> scharr().kernels[0, 0].tolist()
    [-3.0, 0.0, 3.0]
    """
    specs = [
        {"family": "scharr", "dx": 1, "dy": 0, "normalize": bool(normalize)},
        {"family": "scharr", "dx": 0, "dy": 1, "normalize": bool(normalize)},
    ]
    return FilterBank.from_specs(specs, names=["scharr_x", "scharr_y"])


def random(n: int = 16, ksize: int | tuple[int, int] = 3, seed: int = 0, kind: str = "normal") -> FilterBank:
    """Random baseline kernels, reproducible from ``seed``.

    Parameters
    ----------
    n : int
        Number of kernels, >= 1.
    ksize : int or (int, int)
        Size ``(height, width)``.
    seed : int
        Seed of ``numpy.random.default_rng``, >= 0 (needed to regenerate the bank).
    kind : {"normal", "orthogonal"}
        ``"normal"``: i.i.d. N(0, 1) taps. ``"orthogonal"``: ``n`` orthonormal
        kernels (``sum(k_i * k_j) = delta_ij``), from the QR decomposition of a
        Gaussian matrix with the signs fixed (Haar-distributed); needs
        ``n <= kh * kw``.

    Returns
    -------
    FilterBank
        Names ``random_{kind}_{i}``.

    Examples
    --------
    >>> b = random(4, 3, seed=1, kind="orthogonal")
    >>> bool(np.allclose(b.kernels.reshape(4, -1) @ b.kernels.reshape(4, -1).T, np.eye(4)))
    True
    """
    ks = _random_kernels(n, ksize, seed, kind)
    h, w = ks.shape[1:]
    specs = [
        {"family": "banks.random", "n": int(n), "ksize": [h, w], "seed": int(seed), "kind": kind, "index": i}
        for i in range(ks.shape[0])
    ]
    return FilterBank(ks, names=[f"random_{kind}_{i}" for i in range(ks.shape[0])], specs=specs)


# ----------------------------------------------------------------------------- registry
_BANKS: dict[str, Callable[..., FilterBank]] = {
    "dct": dct,
    "gabor": gabor,
    "gaussian_jet": gaussian_jet,
    "kirsch": kirsch,
    "laws": laws,
    "lm": lm,
    "prewitt": prewitt,
    "random": random,
    "rfs": rfs,
    "scharr": scharr,
    "schmid": schmid,
    "sobel": sobel,
    "steerable": steerable,
}


def names(pattern: str | None = None) -> list[str]:
    """Sorted bank names, optionally filtered by a shell-style pattern.

    Examples
    --------
    >>> names("s*")
    ['scharr', 'schmid', 'sobel', 'steerable']
    """
    if pattern is not None and not isinstance(pattern, str):
        raise DTypeError(f"`pattern` must be a str or None; got {pattern!r} ({type(pattern).__name__})")
    found = sorted(_BANKS)
    return found if pattern is None else [n for n in found if fnmatch.fnmatchcase(n, pattern)]


def get(name: str, **params: Any) -> FilterBank:
    """Build the bank called ``name`` with keyword parameters.

    Parameters
    ----------
    name : str
        One of :func:`names`.
    **params
        Keyword arguments of that bank's function.

    Returns
    -------
    FilterBank

    Raises
    ------
    UnknownNameError
        If ``name`` is unknown (the message suggests the closest name).
    DTypeError
        If a keyword is not accepted by that bank.

    Examples
    --------
    >>> len(get("schmid"))
    13
    """
    if not isinstance(name, str):
        raise DTypeError(f"`name` must be a str; got {name!r} ({type(name).__name__})")
    if name not in _BANKS:
        raise UnknownNameError("name", name, _BANKS)
    func = _BANKS[name]
    sig = inspect.signature(func)
    unknown = [k for k in params if k not in sig.parameters]
    if unknown:
        raise DTypeError(
            f"bank {name!r} got an unexpected keyword `{unknown[0]}`; it accepts {', '.join(sig.parameters)}"
        )
    return func(**params)
