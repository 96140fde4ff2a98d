"""The kernels of the Oxford VGG texture banks: oriented Gaussian derivatives, Gaussian, LoG and Schmid.

Each generator reproduces one filter of VGG's ``makeLMfilters.m`` / ``makeRFSfilters.m`` /
``makeSfilters.m`` (the Leung-Malik, root-filter-set and Schmid banks of
:mod:`filterbank.banks`), including VGG's ``normalise`` (mean removed, then divided by the
L1 norm). VGG applies its banks by true convolution (``conv2``); the generators here
return the kernels rotated by 180 degrees (correlation orientation), so that
``filter2d(img, k)`` equals ``conv2(img, F, 'same')``. Only :func:`vgg_oriented` changes
under that rotation (its odd derivatives change sign); the others are symmetric.

VGG's grid is ``[x, y] = meshgrid(-h:h, h:-1:-h)``: x to the right, y *up* (row 0 is
``y = +h``), unlike the rows-down convention of the other families.
"""

from __future__ import annotations

import math

import numpy as np

from .._validate import as_float, int_in_range, positive_float
from ._support import odd_int
from .fspecial import _gaussian as _matlab_gaussian
from .fspecial import fspecial_log

__all__ = ["schmid", "vgg_gaussian", "vgg_log", "vgg_oriented"]


def _normalise(f: np.ndarray) -> np.ndarray:
    """VGG ``normalise``: subtract the mean, divide by the L1 norm."""
    f = f - f.mean()
    return f / np.abs(f).sum()


def _grid(size: int) -> tuple[np.ndarray, np.ndarray]:
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


def vgg_oriented(size: int, sigma: float, order: int, angle: float) -> np.ndarray:
    """VGG ``makefilter``: an oriented edge (order 1) or bar (order 2) filter, normalised, in correlation orientation.

    Parameters
    ----------
    size : int
        Odd side of the square support (VGG's banks use 49).
    sigma : float
        Scale ``s`` > 0: a Gaussian of sigma ``3 s`` along the filter times a Gaussian
        derivative of sigma ``s`` across it.
    order : {0, 1, 2}
        Derivative order across the filter (1: edge, 2: bar).
    angle : float
        Radians. VGG rotates the *sampling points* by ``angle`` counter-clockwise (y up),
        so the filter turns clockwise on screen.

    Returns
    -------
    numpy.ndarray
        ``(size, size)`` float64, zero mean, unit L1 norm, rotated by 180 degrees from
        VGG's ``F`` (so ``filter2d`` equals VGG's ``conv2``; edges change sign).

    Examples
    --------
    >>> k = vgg_oriented(49, 1.0, 1, 0.0)
    >>> k.shape, round(float(abs(k).sum()), 12), abs(float(k.sum())) < 1e-12
    ((49, 49), 1.0, True)
    """
    n = odd_int("size", size)
    s = positive_float("sigma", sigma)
    o = int_in_range("order", order, 0, 2)
    a = as_float("angle", angle)
    x, y = _grid(n)
    c, sn = math.cos(a), math.sin(a)
    px = c * x - sn * y
    py = sn * x + c * y
    f = _gauss1d(3 * s, px, 0) * _gauss1d(s, py, o)
    return _flip(_normalise(f))


def vgg_gaussian(size: int, sigma: float) -> np.ndarray:
    """VGG's ``normalise(fspecial('gaussian', size, sigma))``: a Gaussian made zero-mean and unit-L1.

    Isotropic, so correlation and convolution orientation agree (no flip).

    Parameters
    ----------
    size : int
        Odd side of the square support.
    sigma : float
        Standard deviation, > 0.

    Returns
    -------
    numpy.ndarray
        ``(size, size)`` float64.

    Examples
    --------
    >>> k = vgg_gaussian(49, 10.0)
    >>> k.shape, round(float(abs(k).sum()), 12)
    ((49, 49), 1.0)
    """
    n = odd_int("size", size)
    return _normalise(_matlab_gaussian(n, n, positive_float("sigma", sigma))[0])


def vgg_log(size: int, sigma: float) -> np.ndarray:
    """VGG's ``normalise(fspecial('log', size, sigma))``: MATLAB's LoG, zero-mean and unit-L1 (isotropic, no flip).

    Parameters
    ----------
    size : int
        Odd side of the square support.
    sigma : float
        Standard deviation, > 0.

    Returns
    -------
    numpy.ndarray
        ``(size, size)`` float64.

    Examples
    --------
    >>> vgg_log(49, 3.0).shape
    (49, 49)
    """
    n = odd_int("size", size)
    return _normalise(fspecial_log(n, positive_float("sigma", sigma)))


def schmid(size: int, sigma: float, tau: float) -> np.ndarray:
    """Schmid's isotropic filter ``cos(pi tau r / sigma) exp(-r^2 / 2 sigma^2)``, zero mean, unit L1 (VGG's).

    Parameters
    ----------
    size : int
        Odd side of the square support (VGG uses 49).
    sigma : float
        Scale, > 0.
    tau : float
        Number of cycles of the harmonic within the Gaussian envelope.

    Returns
    -------
    numpy.ndarray
        ``(size, size)`` float64; isotropic, so identical in both orientations.

    References
    ----------
    C. Schmid, "Constructing models for content-based image retrieval", CVPR 2001.

    Examples
    --------
    >>> k = schmid(49, 2.0, 1.0)
    >>> abs(float(k.sum())) < 1e-12, bool((k == k.T).all())
    (True, True)
    """
    n = odd_int("size", size)
    s = positive_float("sigma", sigma)
    t = as_float("tau", tau)
    x, y = _grid(n)
    r = np.sqrt(x * x + y * y)
    return _normalise(np.cos(r * (math.pi * t / s)) * np.exp(-(r * r) / (2 * s * s)))
