"""The Gabor bank and the translations of skimage's and MATLAB's Gabor parameters into OpenCV's."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from .._errors import ShapeError
from .._format import gabor_name
from .._validate import as_float, positive_float
from ..bank import FilterBank
from ..kernels._support import odd_int
from ._common import angles, float_list

__all__ = ["gabor", "gabor_params_from_matlab", "gabor_params_from_skimage"]


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
        ``gabor_s{sigma}_t{degrees:03}_p{phase degrees}``, e.g. ``gabor_s4_t045_p0``
        (:func:`filterbank._format.gabor_name`).
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
    ss = float_list("sigmas", sigmas)
    thetas = angles("orientations", orientations)
    ps = float_list("phases", phases, positive=False)
    g = positive_float("gamma", gamma)
    if lambdas is None:
        ls = [s / _sigma_per_lambda(1.0) for s in ss]
    else:
        ls = float_list("lambdas", lambdas)
        if len(ls) == 1:
            ls = ls * len(ss)
        if len(ls) != len(ss):
            raise ShapeError(f"`lambdas` must have one value per sigma ({len(ss)}) or one for all; got {len(ls)}")
    specs, names = [], []
    for s, lam in zip(ss, ls, strict=True):
        if ksize is None:
            k = 2 * math.ceil(3 * max(s, s / g)) + 1
        else:
            k = odd_int("ksize", ksize)
        for t in thetas:
            for p in ps:
                specs.append(
                    {"family": "gabor", "ksize": [k, k], "sigma": s, "theta": t, "lambd": lam, "gamma": g, "psi": p}
                )
                names.append(gabor_name(s, t, p))
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
