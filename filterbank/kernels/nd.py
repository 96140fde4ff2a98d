"""N-dimensional kernels (1-D signals, 3-D volumes): Gaussian and derivatives, LoG, Sobel, Prewitt, box, 3-D Gabor.

Every kernel is a float64 numpy array in correlation orientation: what
``scipy.ndimage.correlate`` / ``correlate1d`` and :func:`filterbank.filter1d` /
:func:`filterbank.filter3d` apply, tap ``k[i0, i1, ...]`` multiplying the input at
offset ``i - k // 2`` per axis. Axes are in array order: ``(length,)`` in 1-D,
``(depth, height, width)`` in 3-D (``z``, ``y``, ``x``; rows point down, like images).

Sizes, sigmas and orders are given as one number (every axis alike; the number of
axes then comes from ``ndim``) or one value per axis. OpenCV has no N-D filters:
the references are SciPy's (``gaussian_filter``, ``gaussian_laplace``, ``sobel``,
``prewitt``, ``uniform_filter``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from functools import reduce
from typing import Any, cast

import numpy as np

from .._errors import ParameterError, ShapeError
from .._validate import as_float, as_int, int_in_range, positive_float
from .gaussian import _hermite_poly

__all__ = ["box_nd", "gabor3d", "gaussian_nd", "log_nd", "nd_shape", "prewitt_nd", "sobel_nd"]

_MAX_ORDER = 6
_TRUNCATE = 4.0
_MAX_NDIM = 8

IntOrSeq = int | Sequence[int]
FloatOrSeq = float | Sequence[float]


def _is_seq(value: object) -> bool:
    return isinstance(value, (tuple, list, np.ndarray))


def _resolve_ndim(ndim: int | None, **values: object) -> int:
    """The number of axes: ``ndim`` if given, else the length of the per-axis sequences (which must agree)."""
    lengths = {name: len(v) for name, v in values.items() if _is_seq(v)}  # type: ignore[arg-type]
    if ndim is not None:
        n = int_in_range("ndim", ndim, 1, _MAX_NDIM)
    elif lengths:
        n = next(iter(lengths.values()))
    else:
        names = ", ".join(f"`{k}`" for k in values)
        raise ParameterError(f"`ndim` must be given when {names} are all scalars; got ndim=None")
    for name, length in lengths.items():
        if length != n:
            raise ShapeError(f"`{name}` must have one value per axis ({n}); got {length} values: {values[name]!r}")
    return n


def _per_axis(value: object, n: int) -> list[object]:
    return list(cast(Sequence[object], value)) if _is_seq(value) else [value] * n


def _sizes(name: str, value: object, n: int, *, odd: bool) -> list[int]:
    out = [as_int(name, v) for v in _per_axis(value, n)]
    for v in out:
        if v < 1:
            raise ParameterError(f"`{name}` must be >= 1 on each axis; got {value!r}")
        if odd and v % 2 == 0:
            raise ParameterError(f"`{name}` must be odd on each axis; got {value!r}")
    return out


def _gauss_sizes(ksize: object, sig: Sequence[float], n: int) -> list[int]:
    """SciPy's ``2 * int(4 sigma + 0.5) + 1`` per axis for ``ksize=None``, else the given odd sizes."""
    if ksize is None:
        return [2 * int(_TRUNCATE * s + 0.5) + 1 for s in sig]
    return _sizes("ksize", ksize, n, odd=True)


def _gabor_sizes(ksize: object, s: float, g_v: float, g_w: float) -> list[int]:
    if ksize is None:
        return [2 * math.ceil(3.0 * max(s, s / g_v, s / g_w)) + 1] * 3
    if _is_seq(ksize) and len(ksize) != 3:  # type: ignore[arg-type]
        raise ShapeError(f"`ksize` must be an int or (depth, height, width); got {ksize!r}")
    return _sizes("ksize", ksize, 3, odd=True)


def nd_shape(family: str, args: Mapping[str, Any]) -> tuple[int, ...]:
    """The shape of an N-D family's kernel from its (bound) arguments, without generating it.

    The size rule of :mod:`filterbank.bank.specs` for ``gaussian_nd``, ``log_nd``,
    ``sobel_nd``, ``prewitt_nd``, ``box_nd`` and ``gabor3d``.

    Examples
    --------
    >>> nd_shape("gaussian_nd", {"ksize": None, "sigma": [1.0, 2.0], "order": None, "ndim": None})
    (9, 17)
    >>> nd_shape("gabor3d", {"ksize": None, "sigma": 2.0, "gamma": 0.5, "gamma_w": 1.0})
    (25, 25, 25)
    """
    if family in ("sobel_nd", "prewitt_nd"):
        return (3,) * int_in_range("ndim", args["ndim"], 1, _MAX_NDIM)
    if family == "gabor3d":
        s = positive_float("sigma", args["sigma"])
        g_v, g_w = positive_float("gamma", args["gamma"]), positive_float("gamma_w", args["gamma_w"])
        return tuple(_gabor_sizes(args["ksize"], s, g_v, g_w))
    if family == "box_nd":
        n = _resolve_ndim(args["ndim"], ksize=args["ksize"])
        return tuple(_sizes("ksize", args["ksize"], n, odd=False))
    order = args.get("order")
    n = _resolve_ndim(args["ndim"], ksize=args["ksize"], sigma=args["sigma"], order=order)
    sig = [positive_float("sigma", v) for v in _per_axis(args["sigma"], n)]
    return tuple(_gauss_sizes(args["ksize"], sig, n))


def _outer(factors: Sequence[np.ndarray]) -> np.ndarray:
    """The outer product of 1-D factors: ``out[i0, i1, ...] = f0[i0] * f1[i1] * ...``."""
    return reduce(np.multiply.outer, factors) if len(factors) > 1 else np.array(factors[0], dtype=np.float64)


def _axis(axis: object, n: int) -> int:
    a = as_int("axis", axis)
    if not -n <= a < n:
        raise ParameterError(f"`axis` must be in [{-n}, {n - 1}] for ndim={n}; got {a}")
    return a % n


def gaussian_weights_1d(size: int, sigma: float, order: int = 0) -> np.ndarray:
    """The correlation weights ``scipy.ndimage.gaussian_filter1d`` applies, for an odd ``size``.

    SciPy samples ``phi(x) = exp(-x^2 / 2 sigma^2)`` on ``x = -r..r``, divides by
    the sum, multiplies by the polynomial ``q`` of the ``order``-th derivative
    (``d^n phi / dx^n = q(x) phi(x)``) and then *reverses* the weights before
    correlating. So the correlation kernel is ``phi(x) q(-x) / sum(phi)``: for
    odd orders the negated derivative, so a ramp increasing along the axis gives
    a positive first-derivative response.

    Examples
    --------
    >>> gaussian_weights_1d(3, 1.0, 1).round(4).tolist()
    [-0.2741, 0.0, 0.2741]
    """
    n = int_in_range("size", size, 1)
    if n % 2 == 0:
        raise ParameterError(f"`size` must be odd; got {n}")
    s = positive_float("sigma", sigma)
    o = int_in_range("order", order, 0, _MAX_ORDER)
    r = n // 2
    x = np.arange(-r, r + 1, dtype=np.float64)
    phi = np.exp(-0.5 / (s * s) * x * x)
    phi /= phi.sum()
    return phi * _hermite_poly(o, s, -x) if o else phi


def gaussian_nd(
    ksize: IntOrSeq | None,
    sigma: FloatOrSeq,
    order: IntOrSeq | None = None,
    *,
    ndim: int | None = None,
) -> np.ndarray:
    """N-D Gaussian (or Gaussian derivative) kernel, what ``scipy.ndimage.gaussian_filter`` applies.

    Parameters
    ----------
    ksize : int, sequence of int or None
        Odd size per axis (or one for every axis). ``None``: SciPy's default
        radius ``int(4 * sigma + 0.5)`` per axis (``truncate=4``), size ``2 * radius + 1``.
    sigma : float or sequence of float
        Standard deviation per axis (or one for every axis), each > 0.
    order : int, sequence of int or None
        Derivative order per axis, each in [0, 6]; ``None`` is 0 on every axis
        (the plain Gaussian).
    ndim : int or None
        Number of axes, needed when ``ksize``, ``sigma`` and ``order`` are all
        scalars; otherwise it is the length of the sequences (which must agree).

    Returns
    -------
    numpy.ndarray
        float64, shape ``ksize`` (``ndim`` axes), the outer product of the
        per-axis weights of :func:`gaussian_weights_1d`.

    Raises
    ------
    ParameterError
        A sigma <= 0, an even or non-positive size, an order outside [0, 6], or
        ``ndim`` missing for all-scalar arguments.
    ShapeError
        Sequences of different lengths.

    Notes
    -----
    Equal to SciPy in behaviour: ``filter3d(vol, gaussian_nd(ks, s, o))`` equals
    ``scipy.ndimage.gaussian_filter(vol, s, order=o, mode="mirror",
    radius=[k // 2 for k in ks])`` for every border except ``constant`` with a
    non-zero ``value`` (SciPy filters axis by axis and pads every pass with
    ``cval``; one N-D correlation pads the input once). SciPy's 1-D weights are
    reversed before correlating (``gaussian_filter1d``); this kernel already is
    in correlation orientation, so compare filtered volumes, not raw weights.
    Each axis is normalised by its discrete sum (not ``1 / sqrt(2 pi) sigma``).

    References
    ----------
    SciPy ``scipy.ndimage.gaussian_filter`` / ``gaussian_filter1d``.

    Examples
    --------
    >>> gaussian_nd(None, 1.0, ndim=3).shape
    (9, 9, 9)
    >>> k = gaussian_nd((5, 7, 9), (1.0, 1.5, 2.0), order=(0, 1, 2))
    >>> k.shape
    (5, 7, 9)
    >>> round(float(gaussian_nd(None, 2.0, ndim=1).sum()), 12)
    1.0
    """
    n = _resolve_ndim(ndim, ksize=ksize, sigma=sigma, order=order)
    sig = [positive_float("sigma", s) for s in _per_axis(sigma, n)]
    orders = [0] * n if order is None else [int_in_range("order", o, 0, _MAX_ORDER) for o in _per_axis(order, n)]
    sizes = _gauss_sizes(ksize, sig, n)
    return _outer([gaussian_weights_1d(k, s, o) for k, s, o in zip(sizes, sig, orders, strict=True)])


def log_nd(ksize: IntOrSeq | None, sigma: FloatOrSeq, *, ndim: int | None = None) -> np.ndarray:
    """N-D Laplacian of Gaussian, what ``scipy.ndimage.gaussian_laplace`` applies.

    Parameters
    ----------
    ksize : int, sequence of int or None
        Odd size per axis; ``None``: SciPy's radius ``int(4 * sigma + 0.5)`` per axis.
    sigma : float or sequence of float
        Standard deviation per axis, > 0.
    ndim : int or None
        Number of axes when ``ksize`` and ``sigma`` are scalars.

    Returns
    -------
    numpy.ndarray
        float64, the sum over axes ``a`` of :func:`gaussian_nd` with order 2 on
        ``a`` and 0 elsewhere. Negative at the centre (a bright blob gives a
        negative response, as in SciPy).

    Examples
    --------
    >>> k = log_nd(None, 1.0, ndim=3)
    >>> k.shape, bool(k[4, 4, 4] < 0)
    ((9, 9, 9), True)
    """
    n = _resolve_ndim(ndim, ksize=ksize, sigma=sigma)
    sig = [positive_float("sigma", s) for s in _per_axis(sigma, n)]
    sizes = _gauss_sizes(ksize, sig, n)
    out = np.zeros(sizes, dtype=np.float64)
    for a in range(n):
        out += gaussian_nd(sizes, sig, [2 if i == a else 0 for i in range(n)])
    return out


def _difference_kernel(ndim: int, axis: int, smooth: np.ndarray, normalize: bool) -> np.ndarray:
    n = int_in_range("ndim", ndim, 1, _MAX_NDIM)
    a = _axis(axis, n)
    if not isinstance(normalize, (bool, np.bool_)):
        raise ParameterError(f"`normalize` must be a bool; got {normalize!r}")
    diff = np.array([-1.0, 0.0, 1.0])
    if normalize:
        diff, smooth = diff / 2.0, smooth / smooth.sum()
    return _outer([diff if i == a else smooth for i in range(n)])


def sobel_nd(ndim: int, axis: int = -1, *, normalize: bool = False) -> np.ndarray:
    """N-D Sobel kernel along ``axis``: what ``scipy.ndimage.sobel(x, axis)`` applies.

    Parameters
    ----------
    ndim : int
        Number of axes, in [1, 8].
    axis : int
        The derivative axis (negative counts from the end, like SciPy).
    normalize : bool
        Divide by ``2 * 4 ** (ndim - 1)`` so that a unit ramp along ``axis``
        gives 1 (SciPy's ``sobel`` is unnormalised: a unit ramp gives
        ``2 * 4 ** (ndim - 1)``, 32 in 3-D).

    Returns
    -------
    numpy.ndarray
        float64 of shape ``(3,) * ndim``: ``[-1, 0, 1]`` along ``axis`` times
        ``[1, 2, 1]`` along every other axis.

    Notes
    -----
    SciPy applies the factors one axis at a time; with ``mode="constant"`` and a
    non-zero ``cval`` that differs from one N-D correlation (each pass pads with
    ``cval``). Every other border agrees.

    Examples
    --------
    >>> sobel_nd(2, axis=1).tolist()
    [[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]]
    >>> sobel_nd(3, axis=0).shape
    (3, 3, 3)
    """
    return _difference_kernel(ndim, axis, np.array([1.0, 2.0, 1.0]), normalize)


def prewitt_nd(ndim: int, axis: int = -1, *, normalize: bool = False) -> np.ndarray:
    """N-D Prewitt kernel along ``axis``: what ``scipy.ndimage.prewitt(x, axis)`` applies.

    Parameters
    ----------
    ndim : int
        Number of axes, in [1, 8].
    axis : int
        The derivative axis (negative counts from the end).
    normalize : bool
        Divide by ``2 * 3 ** (ndim - 1)`` (unit ramp response 1).

    Returns
    -------
    numpy.ndarray
        float64 of shape ``(3,) * ndim``: ``[-1, 0, 1]`` along ``axis`` times
        ``[1, 1, 1]`` along every other axis.

    Examples
    --------
    >>> prewitt_nd(2, axis=0).tolist()
    [[-1.0, -1.0, -1.0], [0.0, 0.0, 0.0], [1.0, 1.0, 1.0]]
    """
    return _difference_kernel(ndim, axis, np.array([1.0, 1.0, 1.0]), normalize)


def box_nd(ksize: IntOrSeq, normalize: bool = True, *, ndim: int | None = None) -> np.ndarray:
    """N-D box (mean) kernel, what ``scipy.ndimage.uniform_filter(x, size=ksize)`` applies.

    Parameters
    ----------
    ksize : int or sequence of int
        Size per axis, >= 1; even sizes are allowed (anchor ``k // 2``, SciPy's
        ``origin=0``).
    normalize : bool
        Divide by the number of taps (default), else all ones.
    ndim : int or None
        Number of axes when ``ksize`` is one int.

    Returns
    -------
    numpy.ndarray
        float64 of shape ``ksize``.

    Examples
    --------
    >>> box_nd(2, ndim=3).shape
    (2, 2, 2)
    >>> float(box_nd((3, 4)).sum())
    1.0
    """
    n = _resolve_ndim(ndim, ksize=ksize)
    sizes = _sizes("ksize", ksize, n, odd=False)
    if not isinstance(normalize, (bool, np.bool_)):
        raise ParameterError(f"`normalize` must be a bool; got {normalize!r}")
    out = np.ones(sizes, dtype=np.float64)
    return out / out.size if normalize else out


def gabor_frame(theta: float, phi: float) -> np.ndarray:
    """The orthonormal frame ``(d, e_v, e_w)`` of :func:`gabor3d`, as rows in ``(x, y, z)`` components.

    ``d = (cos theta sin phi, sin theta sin phi, cos phi)`` is the wave direction,
    ``e_v = (-sin theta, cos theta, 0)`` and ``e_w = d x e_v = (-cos theta cos phi,
    -sin theta cos phi, sin phi)`` complete a right-handed frame.

    Examples
    --------
    >>> gabor_frame(0.0, math.pi / 2).round(12).tolist()
    [[1.0, 0.0, 0.0], [-0.0, 1.0, 0.0], [-0.0, -0.0, 1.0]]
    """
    t, p = as_float("theta", theta), as_float("phi", phi)
    ct, st, cp, sp = math.cos(t), math.sin(t), math.cos(p), math.sin(p)
    return np.array([[ct * sp, st * sp, cp], [-st, ct, 0.0], [-ct * cp, -st * cp, sp]])


def gabor3d(
    ksize: IntOrSeq | None,
    sigma: float,
    theta: float,
    phi: float,
    lambd: float,
    gamma: float = 1.0,
    gamma_w: float = 1.0,
    psi: float = math.pi / 2,
    *,
    normalize: bool = False,
) -> np.ndarray:
    r"""3-D Gabor kernel: a plane wave along a direction given by two angles under a Gaussian envelope.

    Definition. At the tap with offsets ``(z, y, x)`` from the centre (depth,
    row, column; rows point down), with ``p = (x, y, z)``::

        d   = ( cos(theta) sin(phi),  sin(theta) sin(phi),  cos(phi))   wave direction
        e_v = (-sin(theta),           cos(theta),           0       )
        e_w = (-cos(theta) cos(phi), -sin(theta) cos(phi),  sin(phi))   (= d x e_v)
        u, v, w = p . d, p . e_v, p . e_w
        k(p) = exp(-(u^2 + gamma^2 v^2 + gamma_w^2 w^2) / (2 sigma^2)) * cos(2 pi u / lambd - psi)

    ``theta`` is the azimuth in the ``x``-``y`` (row/column) plane, turning from
    ``+x`` towards ``+y`` (clockwise on screen, like ``cv2.getGaborKernel``);
    ``phi`` is the polar angle from the ``+z`` (depth) axis, so ``phi = pi/2``
    puts the wave in the image plane. The envelope's standard deviations are
    ``sigma`` along the wave, ``sigma / gamma`` along ``e_v`` and ``sigma /
    gamma_w`` along ``e_w``.

    Parameters
    ----------
    ksize : int, (int, int, int) or None
        Odd size ``(depth, height, width)`` or one int for a cube. ``None``: a
        cube of side ``2 * ceil(3 * max(sigma, sigma / gamma, sigma / gamma_w)) + 1``.
    sigma : float
        Envelope standard deviation along the wave direction, > 0.
    theta, phi : float
        Azimuth and polar angle of the wave direction, radians.
    lambd : float
        Wavelength in voxels, > 0.
    gamma, gamma_w : float
        Aspect ratios across the wave (> 0); ``gamma`` is OpenCV's ``gamma``.
    psi : float
        Phase offset; ``pi/2`` (default, OpenCV's) gives an odd (sine) kernel,
        ``0`` an even (cosine) one.
    normalize : bool
        Divide by the L2 norm (``sum(k**2) == 1``); default ``False``: envelope
        peak 1, no normalisation, like ``cv2.getGaborKernel``.

    Returns
    -------
    numpy.ndarray
        float64 of shape ``(depth, height, width)``, in correlation orientation.

    Notes
    -----
    The carrier is written as OpenCV's kernel comes out (``cos(2 pi u / lambd -
    psi)``: OpenCV point-reflects its grid, which turns the textbook
    ``+ psi`` into ``- psi``), so a single-slice kernel in the image plane
    equals OpenCV: ``gabor3d((1, h, w), s, t, pi / 2, l, g, 1, p)[0] ==
    kernels.gabor((h, w), s, t, l, g, p)``. The spectrum peaks at the
    frequencies ``+- d / lambd`` (cycles per voxel, in ``(x, y, z)``
    components). ``psi = 0`` gives ``k(-p) = k(p)``, ``psi = pi/2`` gives
    ``k(-p) = -k(p)``.

    Examples
    --------
    >>> k = gabor3d(None, 2.0, 0.0, math.pi / 2, 6.0)
    >>> k.shape
    (13, 13, 13)
    >>> k = gabor3d(9, 2.0, 0.3, 0.7, 5.0, psi=0.0, normalize=True)
    >>> round(float((k**2).sum()), 12)
    1.0
    """
    s = positive_float("sigma", sigma)
    lam = positive_float("lambd", lambd)
    g_v = positive_float("gamma", gamma)
    g_w = positive_float("gamma_w", gamma_w)
    ps = as_float("psi", psi)
    frame = gabor_frame(theta, phi)
    sizes = _gabor_sizes(ksize, s, g_v, g_w)
    if not isinstance(normalize, (bool, np.bool_)):
        raise ParameterError(f"`normalize` must be a bool; got {normalize!r}")
    z, y, x = np.meshgrid(*[np.arange(-(k // 2), k // 2 + 1, dtype=np.float64) for k in sizes], indexing="ij")
    u, v, w = (x * f[0] + y * f[1] + z * f[2] for f in frame)
    env = np.exp(-(u * u + g_v * g_v * v * v + g_w * g_w * w * w) / (2.0 * s * s))
    out = env * np.cos(2.0 * math.pi * u / lam - ps)
    if normalize:
        norm = float(np.sqrt((out * out).sum()))
        if norm == 0.0:
            raise ParameterError(f"`normalize` needs a non-zero kernel; this one is all zeros (psi={ps!r})")
        out = out / norm
    return out
