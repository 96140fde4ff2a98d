"""MATLAB ``fspecial`` kernels that have no OpenCV / SciPy twin.

``disk`` (anti-aliased pillbox), ``motion`` (anti-aliased line), ``fspecial_laplacian``
(the 3x3 ``alpha`` Laplacian), ``unsharp``, ``fspecial_log`` (zero-sum LoG) and
``average``, each written from the published MATLAB definition (Image Processing
Toolbox ``fspecial.m``). Every kernel is a float64 array of shape ``(height, width)``.

All six are symmetric under a 180-degree rotation, so correlation (``cv2.filter2D``,
MATLAB ``imfilter``'s default) and convolution (``conv2``) give the same result: no
flip is needed, and the arrays are exactly MATLAB's.
"""

from __future__ import annotations

import math

import numpy as np

from .._errors import ParameterError
from .._validate import as_float, positive_float, size_pair

__all__ = ["average", "disk", "fspecial_laplacian", "fspecial_log", "motion", "unsharp"]

_EPS = float(np.finfo(np.float64).eps)


def average(ksize: int | tuple[int, int] = 3) -> np.ndarray:
    """Averaging kernel, ``fspecial('average', hsize)``: ones divided by the number of taps.

    Parameters
    ----------
    ksize : int or (int, int), optional
        Size as ``(height, width)`` (MATLAB's ``hsize`` is ``[rows cols]`` too),
        or one int; default 3. Even sizes are allowed (anchor ``k // 2``).

    Returns
    -------
    numpy.ndarray
        float64 array of shape ``(height, width)`` that sums to 1.

    Raises
    ------
    ParameterError
        If a size is < 1.

    Notes
    -----
    Equal to ``kernels.box(ksize)`` (``cv2.boxFilter``); kept under MATLAB's name.

    References
    ----------
    MATLAB Image Processing Toolbox, ``fspecial('average')``.

    Examples
    --------
    >>> average((1, 4))
    array([[0.25, 0.25, 0.25, 0.25]])
    """
    h, w = size_pair("ksize", ksize)
    return np.full((h, w), 1.0 / (h * w), dtype=np.float64)


def disk(radius: float = 5.0) -> np.ndarray:
    """Anti-aliased pillbox, ``fspecial('disk', radius)``.

    Each tap is (MATLAB's approximation of) the area of its pixel square covered
    by the disk of the given radius centred on the middle tap, and the kernel is
    divided by its sum.

    Parameters
    ----------
    radius : float, optional
        Disk radius in pixels, > 0; default 5 (MATLAB's default).

    Returns
    -------
    numpy.ndarray
        float64 array of shape ``(2 * ceil(radius - 0.5) + 1,) * 2`` that sums to 1.

    Raises
    ------
    ParameterError
        If ``radius`` is not > 0.

    Notes
    -----
    The area of the boundary pixels is computed with MATLAB's closed form (arc
    segments between the points where the circle crosses the pixel's edges), the
    centre tap is capped at 1 and the four axis taps get MATLAB's correction when
    the circle barely crosses into the outermost row. Reproduced operation by
    operation, so the values match MATLAB to rounding.

    References
    ----------
    MATLAB Image Processing Toolbox, ``fspecial('disk')``.

    Examples
    --------
    >>> k = disk(1.0)
    >>> k.shape, round(float(k[1, 1]), 4), round(float(k[0, 1]), 4), round(float(k[0, 0]), 4)
    ((3, 3), 0.3183, 0.1453, 0.0251)
    """
    rad = positive_float("radius", radius)
    crad = math.ceil(rad - 0.5)
    y, x = np.mgrid[-crad : crad + 1, -crad : crad + 1].astype(np.float64)
    maxxy = np.maximum(np.abs(x), np.abs(y))
    minxy = np.minimum(np.abs(x), np.abs(y))
    r2 = rad * rad
    with np.errstate(invalid="ignore"):
        m1 = np.where(
            r2 < (maxxy + 0.5) ** 2 + (minxy - 0.5) ** 2,
            minxy - 0.5,
            np.sqrt(r2 - (maxxy + 0.5) ** 2),
        )
        m2 = np.where(
            r2 > (maxxy - 0.5) ** 2 + (minxy + 0.5) ** 2,
            minxy + 0.5,
            np.sqrt(r2 - (maxxy - 0.5) ** 2),
        )
        a1 = np.arcsin(m1 / rad)
        a2 = np.arcsin(m2 / rad)
        area = (
            (r2 * (0.5 * (a2 - a1) + 0.25 * (np.sin(2 * a2) - np.sin(2 * a1))))
            - (maxxy - 0.5) * (m2 - m1)
            + (m1 - minxy + 0.5)
        )
    crossing = ((r2 < (maxxy + 0.5) ** 2 + (minxy + 0.5) ** 2) & (r2 > (maxxy - 0.5) ** 2 + (minxy - 0.5) ** 2)) | (
        (minxy == 0) & (maxxy - 0.5 < rad) & (maxxy + 0.5 >= rad)
    )
    # MATLAB multiplies by the logical mask; NaN * 0 would stay NaN, so select instead.
    sgrid = np.where(crossing, area, 0.0)
    sgrid = sgrid + ((maxxy + 0.5) ** 2 + (minxy + 0.5) ** 2 < r2)
    c = crad
    sgrid[c, c] = min(math.pi * r2, math.pi / 2)
    if crad > 0 and rad > crad - 0.5 and r2 < (crad - 0.5) ** 2 + 0.25:
        m1s = math.sqrt(r2 - (crad - 0.5) ** 2)
        m1n = m1s / rad
        sg0 = 2 * (r2 * (0.5 * math.asin(m1n) + 0.25 * math.sin(2 * math.asin(m1n))) - m1s * (crad - 0.5))
        n = 2 * crad
        for r, col in ((n, c), (c, n), (c, 0), (0, c)):
            sgrid[r, col] = sg0
        for r, col in ((n - 1, c), (c, n - 1), (c, 1), (1, c)):
            sgrid[r, col] -= sg0
    sgrid[c, c] = min(sgrid[c, c], 1.0)
    return sgrid / sgrid.sum()


def motion(length: float = 9.0, angle: float = 0.0) -> np.ndarray:
    """Anti-aliased line (linear motion blur), ``fspecial('motion', len, theta)``.

    Parameters
    ----------
    length : float, optional
        Length of the motion in pixels, > 0 (values below 1 act as 1, as in
        MATLAB); default 9.
    angle : float, optional
        Direction in degrees, counter-clockwise from the +x axis on screen
        (rows point down, so 45 runs from bottom-left to top-right); default 0.

    Returns
    -------
    numpy.ndarray
        float64 array that sums to 1 (to within ``eps * length**2``, MATLAB's
        guard against a zero sum). A horizontal line of length ``n`` (odd) is
        ``(1, n)`` with every tap ``1 / n``.

    Raises
    ------
    ParameterError
        If ``length`` is not > 0.

    Notes
    -----
    Each tap weighs ``max(0, 1 - d)`` with ``d`` the distance from the pixel
    centre to the line segment of the given length through the centre tap,
    exactly as MATLAB computes it (including its ``eps`` terms and the distance
    rule past the segment's ends). The kernel is symmetric under a 180-degree
    rotation, so correlation and convolution agree.

    References
    ----------
    MATLAB Image Processing Toolbox, ``fspecial('motion')``.

    Examples
    --------
    >>> motion(3, 0)
    array([[0.33333333, 0.33333333, 0.33333333]])
    >>> motion(5, 90).shape
    (5, 1)
    """
    ln = max(1.0, positive_float("length", length))
    theta = as_float("angle", angle)
    half = (ln - 1) / 2
    phi = math.fmod(theta, 180.0)
    if phi < 0:
        phi += 180.0
    phi = phi / 180.0 * math.pi
    cosphi, sinphi = math.cos(phi), math.sin(phi)
    xsign = 1.0 if cosphi > 0 else (-1.0 if cosphi < 0 else 0.0)
    linewdt = 1.0
    sx = math.trunc(half * cosphi + linewdt * xsign - ln * _EPS)
    sy = math.trunc(half * sinphi + linewdt - ln * _EPS)
    # MATLAB's 0:xsign:sx (xsign = 0 gives an empty range; cos(phi) is never exactly 0 in floating point).
    xs = np.arange(0, sx + xsign, xsign, dtype=np.float64) if xsign != 0 else np.zeros(0)
    ys = np.arange(0, sy + 1, dtype=np.float64)
    x, y = np.meshgrid(xs, ys)
    dist2line = y * cosphi - x * sinphi
    rad = np.sqrt(x**2 + y**2)
    last = (rad >= half) & (np.abs(dist2line) <= linewdt)
    x2lastpix = half - np.abs((x[last] + dist2line[last] * sinphi) / cosphi)
    dist2line[last] = np.sqrt(dist2line[last] ** 2 + x2lastpix**2)
    dist2line = linewdt + _EPS - np.abs(dist2line)
    dist2line[dist2line < 0] = 0.0
    hh, ww = dist2line.shape
    h = np.zeros((2 * hh - 1, 2 * ww - 1))
    h[:hh, :ww] = np.rot90(dist2line, 2)
    h[hh - 1 :, ww - 1 :] = dist2line
    h = h / (h.sum() + _EPS * ln * ln)
    if cosphi > 0:
        h = np.flipud(h)
    return np.ascontiguousarray(h)


def _alpha(value: object) -> float:
    a = as_float("alpha", value)
    if not 0.0 <= a <= 1.0:
        raise ParameterError(f"`alpha` must be in [0, 1]; got {a!r}")
    return a


def fspecial_laplacian(alpha: float = 0.2) -> np.ndarray:
    """3x3 Laplacian with shape parameter ``alpha``, ``fspecial('laplacian', alpha)``.

    Parameters
    ----------
    alpha : float, optional
        In [0, 1]; 0 gives the 4-neighbour Laplacian ``[[0,1,0],[1,-4,1],[0,1,0]]``,
        1 gives ``[[1,0,1],[0,-4,0],[1,0,1]] / 2``; default 0.2 (MATLAB's).

    Returns
    -------
    numpy.ndarray
        ``4 / (alpha + 1) * [[a/4, (1-a)/4, a/4], [(1-a)/4, -1, (1-a)/4], [a/4, (1-a)/4, a/4]]``,
        float64, (3, 3), sums to 0.

    Raises
    ------
    ParameterError
        If ``alpha`` is outside [0, 1] (MATLAB raises above 1 and clips below 0;
        here both raise).

    Notes
    -----
    Positive Laplacian (negative centre), like ``kernels.laplacian(1)`` at
    ``alpha = 0``. Named ``fspecial_laplacian`` so it does not collide with
    :func:`filterbank.kernels.laplacian` (OpenCV's).

    References
    ----------
    MATLAB Image Processing Toolbox, ``fspecial('laplacian')``.

    Examples
    --------
    >>> fspecial_laplacian(0.0)
    array([[ 0.,  1.,  0.],
           [ 1., -4.,  1.],
           [ 0.,  1.,  0.]])
    """
    a = _alpha(alpha)
    h1 = a / (a + 1)
    h2 = (1 - a) / (a + 1)
    return np.array([[h1, h2, h1], [h2, -4 / (a + 1), h2], [h1, h2, h1]], dtype=np.float64)


def unsharp(alpha: float = 0.2) -> np.ndarray:
    """Unsharp-masking kernel, ``fspecial('unsharp', alpha)`` = delta minus ``fspecial_laplacian(alpha)``.

    Parameters
    ----------
    alpha : float, optional
        In [0, 1], the Laplacian's shape parameter; default 0.2.

    Returns
    -------
    numpy.ndarray
        float64 (3, 3) kernel that sums to 1; centre ``1 + 4 / (alpha + 1)``.

    Raises
    ------
    ParameterError
        If ``alpha`` is outside [0, 1].

    References
    ----------
    MATLAB Image Processing Toolbox, ``fspecial('unsharp')``.

    Examples
    --------
    >>> unsharp(0.0)
    array([[ 0., -1.,  0.],
           [-1.,  5., -1.],
           [ 0., -1.,  0.]])
    """
    delta = np.zeros((3, 3))
    delta[1, 1] = 1.0
    return delta - fspecial_laplacian(alpha)


def fspecial_log(ksize: int | tuple[int, int] = 5, sigma: float = 0.5) -> np.ndarray:
    """Zero-sum Laplacian of Gaussian, ``fspecial('log', hsize, sigma)``.

    Parameters
    ----------
    ksize : int or (int, int), optional
        Size as ``(height, width)`` or one int; default 5. Even sizes are
        allowed: the grid is then at half-integer offsets, as in MATLAB.
    sigma : float, optional
        Standard deviation, > 0; default 0.5.

    Returns
    -------
    numpy.ndarray
        float64 array of shape ``(height, width)`` that sums to 0 (to rounding).

    Raises
    ------
    ParameterError
        If ``sigma`` is not > 0 or a size is < 1.

    Notes
    -----
    MATLAB's recipe: ``g = exp(-r^2 / 2 sigma^2)`` on the centred grid, taps below
    ``eps * max(g)`` set to 0, ``g / sum(g)``, times ``(r^2 - 2 sigma^2) / sigma^4``,
    then the mean subtracted so that the kernel sums exactly to 0. Negative at
    the centre (a bright blob gives a negative response). Differs from
    :func:`filterbank.kernels.log` (SciPy's ``gaussian_laplace``), which is not
    mean-corrected.

    References
    ----------
    MATLAB Image Processing Toolbox, ``fspecial('log')``.

    Examples
    --------
    >>> k = fspecial_log(5, 0.5)
    >>> k.shape, abs(float(k.sum())) < 1e-12, bool(k[2, 2] < 0)
    ((5, 5), True, True)
    """
    h, w = size_pair("ksize", ksize)
    s = positive_float("sigma", sigma)
    std2 = s * s
    g, r2 = _gaussian(h, w, s)
    h1 = g * (r2 - 2 * std2) / (std2 * std2)
    return h1 - h1.sum() / (h * w)


def _gaussian(h: int, w: int, sigma: float) -> tuple[np.ndarray, np.ndarray]:
    """MATLAB ``fspecial('gaussian', [h w], sigma)`` and the squared radius ``r^2`` of its centred grid.

    ``exp(-r^2 / 2 sigma^2)``, taps below ``eps * max`` set to 0, divided by the sum.
    Used by :func:`fspecial_log` and by the VGG banks of :mod:`filterbank.banks`.
    """
    std2 = sigma * sigma
    yy = np.arange(h, dtype=np.float64) - (h - 1) / 2
    xx = np.arange(w, dtype=np.float64) - (w - 1) / 2
    x, y = np.meshgrid(xx, yy)
    r2 = x * x + y * y
    g = np.exp(-r2 / (2 * std2))
    g[g < _EPS * g.max()] = 0.0
    total = g.sum()
    if total != 0:
        g = g / total
    return g, r2
