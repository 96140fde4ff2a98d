"""Gaussian kernels and their derivatives: OpenCV's sampled Gaussian, SciPy's derivatives, LoG, DoG.

Every kernel is a float64 array in correlation orientation (what ``cv2.filter2D``
applies), with shape ``(height, width)``.
"""

from __future__ import annotations

import math

import numpy as np

from .._errors import ParameterError
from .._validate import as_float, int_in_range, positive_float, size_pair

__all__ = ["dog", "gaussian", "gaussian_1d", "gaussian_derivative", "log"]

# OpenCV's fixed tables, used when sigma <= 0 and the size is one of these.
_FIXED_TABLES: dict[int, tuple[float, ...]] = {
    1: (1.0,),
    3: (0.25, 0.5, 0.25),
    5: (0.0625, 0.25, 0.375, 0.25, 0.0625),
    7: tuple(v / 256.0 for v in (8, 28, 56, 72, 56, 28, 8)),
    9: tuple(v / 256.0 for v in (4, 13, 30, 51, 60, 51, 30, 13, 4)),
}

_MAX_ORDER = 6
_TRUNCATE = 4.0


def _optional_sigma(name: str, value: object) -> float | None:
    """``None`` or ``0`` mean OpenCV's automatic rule; a negative value is refused."""
    if value is None:
        return None
    out = as_float(name, value)
    if out < 0:
        raise ParameterError(f"`{name}` must be > 0, or 0 / None for OpenCV's automatic value; got {out!r}")
    return out if out > 0 else None


def _opencv_gaussian_1d(n: int, sigma: float | None) -> np.ndarray:
    """OpenCV's ``getGaussianKernel`` (bit-exact path), with ``sigma=None`` meaning ``sigma <= 0``."""
    if sigma is None and n in _FIXED_TABLES:
        return np.array(_FIXED_TABLES[n], dtype=np.float64)
    s = sigma if sigma is not None else n * 0.15 + 0.35  # = 0.3*((n-1)*0.5 - 1) + 0.8
    scale2x = -0.125 / (s * s)
    half = (n - 1) // 2
    # OpenCV works in half-units: x = 1-n, 3-n, ... (twice the distance to the centre);
    # the centre tap (two taps for an even n) is evaluated at x = 0.
    values = [math.exp(float(x * x) * scale2x) for x in range(1 - n, 1 - n + 2 * half, 2)]
    total = 0.0
    for v in values:
        total += v
    total = total * 2.0 + 1.0
    if n % 2 == 0:
        total += 1.0
    mul = 1.0 / total
    out = np.empty(n, dtype=np.float64)
    for i, v in enumerate(values):
        out[i] = out[n - 1 - i] = v * mul
    out[half] = mul
    if n % 2 == 0:
        out[half + 1] = mul
    return out


def gaussian_1d(ksize: int, sigma: float | None = None) -> np.ndarray:
    """Sampled 1-D Gaussian exactly as ``cv2.getGaussianKernel(ksize, sigma, cv2.CV_64F)``.

    Parameters
    ----------
    ksize : int
        Number of taps, >= 1. Even sizes are allowed and placed like OpenCV does.
    sigma : float or None, optional
        Standard deviation in pixels. ``None`` or ``0`` select OpenCV's rule:
        fixed binomial-like tables for ``ksize`` in {1, 3, 5, 7, 9}, otherwise
        ``sigma = 0.3 * ((ksize - 1) * 0.5 - 1) + 0.8``.

    Returns
    -------
    numpy.ndarray
        float64 array of shape ``(ksize,)`` that sums to 1.

    Raises
    ------
    ParameterError
        If ``ksize < 1`` or ``sigma < 0``.
    DTypeError
        If ``ksize`` is not an integer or ``sigma`` is not a real number.

    Notes
    -----
    OpenCV treats every ``sigma <= 0`` as "automatic"; here a negative sigma is
    an error and only ``None`` / ``0`` mean automatic.

    For an even ``ksize`` OpenCV evaluates the two centre taps both at distance
    0 and the others at their true distance ``i - (ksize - 1) / 2``; e.g. for
    ``ksize = 4`` the taps sit at ``-1.5, 0, 0, 1.5``. This function does the same.

    References
    ----------
    OpenCV ``cv::getGaussianKernel`` (``imgproc/src/smooth.dispatch.cpp``).

    Examples
    --------
    >>> gaussian_1d(3)
    array([0.25, 0.5 , 0.25])
    >>> gaussian_1d(7, 1.5).shape
    (7,)
    """
    n = int_in_range("ksize", ksize, 1)
    s = _optional_sigma("sigma", sigma)
    return _opencv_gaussian_1d(n, s)


def gaussian(
    ksize: int | tuple[int, int] | None,
    sigma: float | None = None,
    sigma_y: float | None = None,
) -> np.ndarray:
    """2-D Gaussian kernel equal to the separable kernel of ``cv2.GaussianBlur``.

    Parameters
    ----------
    ksize : int, (int, int) or None
        Kernel size as ``(height, width)`` (OpenCV's ``ksize`` is
        ``(width, height)``), or one int for a square kernel. Even sizes are
        allowed. ``None`` picks the size ``cv2.GaussianBlur(ksize=(0, 0))``
        uses on float images: ``round(sigma * 8 + 1) | 1`` on each axis, which
        needs ``sigma > 0``.
    sigma : float or None, optional
        Standard deviation along x (columns), like OpenCV's ``sigmaX``.
        ``None`` or ``0``: OpenCV's automatic value for each axis's size (see
        :func:`gaussian_1d`).
    sigma_y : float or None, optional
        Standard deviation along y (rows). ``None`` or ``0``: same as ``sigma``
        (OpenCV's ``sigmaY <= 0`` rule).

    Returns
    -------
    numpy.ndarray
        float64 array of shape ``(height, width)``, the outer product
        ``gaussian_1d(height, sigma_y) x gaussian_1d(width, sigma)``; sums to 1.

    Raises
    ------
    ParameterError
        If a size is < 1, a sigma is negative, or ``ksize`` is None without a
        positive sigma.

    Notes
    -----
    Negative sigmas, which OpenCV silently treats as automatic, are refused.

    References
    ----------
    OpenCV ``cv::GaussianBlur`` / ``cv::createGaussianKernels``.

    Examples
    --------
    >>> gaussian((3, 5), 1.0).shape
    (3, 5)
    >>> float(gaussian(3).sum())
    1.0
    """
    sx = _optional_sigma("sigma", sigma)
    sy = _optional_sigma("sigma_y", sigma_y)
    if sy is None:
        sy = sx
    if ksize is None:
        if sx is None or sy is None:  # sy is None only when sx is
            raise ParameterError(f"`sigma` must be > 0 when `ksize` is None; got {sigma!r}")
        h = (round(sy * 8 + 1)) | 1
        w = (round(sx * 8 + 1)) | 1
    else:
        h, w = size_pair("ksize", ksize)
    return np.outer(_opencv_gaussian_1d(h, sy), _opencv_gaussian_1d(w, sx))


def _hermite_poly(order: int, sigma: float, x: np.ndarray) -> np.ndarray:
    """The polynomial q with d^n/dx^n exp(-x^2/2s^2) = q(x) exp(-x^2/2s^2), as in SciPy."""
    if order == 0:
        return np.ones_like(x)
    exponent_range = np.arange(order + 1)
    q = np.zeros(order + 1)
    q[0] = 1.0
    d = np.diag(exponent_range[1:].astype(np.float64), 1)
    p = np.diag(np.ones(order) / -(sigma * sigma), -1)
    q_deriv = d + p
    for _ in range(order):
        q = q_deriv.dot(q)
    return (x[..., None] ** exponent_range).dot(q)


def _odd_size(ksize: object, radius: int) -> tuple[int, int]:
    if ksize is None:
        return 2 * radius + 1, 2 * radius + 1
    return size_pair("ksize", ksize, odd=True)


def _sampled_gaussian(h: int, w: int, sigma_u: float, sigma_v: float, theta: float):
    """Return (phi / sum(phi), u, v) on the centred grid of size (h, w)."""
    y, x = np.mgrid[-(h // 2) : h // 2 + 1, -(w // 2) : w // 2 + 1].astype(np.float64)
    if theta == 0.0:
        u, v = x, y
    else:
        c, s = math.cos(theta), math.sin(theta)
        u = x * c + y * s
        v = -x * s + y * c
    phi = np.exp(-0.5 / (sigma_u * sigma_u) * u**2 - 0.5 / (sigma_v * sigma_v) * v**2)
    return phi / phi.sum(), u, v


def gaussian_derivative(
    ksize: int | tuple[int, int] | None,
    sigma: float,
    dx: int = 1,
    dy: int = 0,
    *,
    sigma_y: float | None = None,
    theta: float = 0.0,
) -> np.ndarray:
    """Sampled (oriented) Gaussian derivative, SciPy's convention, in correlation orientation.

    The kernel is ``phi(u, v) / sum(phi)`` times the exact polynomial of the
    derivative ``d^dx/du^dx d^dy/dv^dy`` (a scaled probabilists' Hermite
    polynomial), with ``phi = exp(-u^2/2 sigma^2 - v^2/2 sigma_y^2)`` sampled on
    the integer grid, then point-reflected so that ``cv2.filter2D`` with it
    equals ``scipy.ndimage.gaussian_filter(..., order=(dy, dx))``.

    Parameters
    ----------
    ksize : int, (int, int) or None
        Odd kernel size as ``(height, width)``, or one int for a square kernel.
        ``None``: square with SciPy's radius ``int(4 * max(sigma, sigma_y) + 0.5)``,
        size ``2 * radius + 1``.
    sigma : float
        Standard deviation along ``u`` (x when ``theta = 0``), > 0.
    dx : int, optional
        Derivative order along ``u``, in [0, 6]. Default 1.
    dy : int, optional
        Derivative order along ``v``, in [0, 6]. Default 0. ``dx = dy = 0``
        gives the plain (SciPy-normalised) Gaussian.
    sigma_y : float or None, optional
        Standard deviation along ``v``; ``None`` means ``sigma``.
    theta : float, optional
        Orientation in radians. ``u = x cos(theta) + y sin(theta)``,
        ``v = -x sin(theta) + y cos(theta)`` with ``x`` the column offset and
        ``y`` the row offset (rows point down), so ``theta`` turns clockwise on
        screen, as in ``cv2.getGaborKernel``.

    Returns
    -------
    numpy.ndarray
        float64 array of shape ``(height, width)``.

    Raises
    ------
    ParameterError
        If a sigma is not > 0, a size is even or < 1, or an order is outside [0, 6].

    Notes
    -----
    SciPy reverses its 1-D weights before correlating, so for odd total order
    the correlation kernel is the negated derivative of the Gaussian: a unit
    ramp increasing to the right gives a response of about +1 for ``dx = 1``.
    With ``theta = 0`` the kernel is separable and
    ``scipy.ndimage.correlate(img, k, mode='mirror')`` equals
    ``scipy.ndimage.gaussian_filter(img, (sigma_y, sigma), order=(dy, dx),
    mode='mirror', radius=(height // 2, width // 2))``. The Gaussian is
    normalised by its discrete sum, not by ``1 / (2 pi sigma^2)``.

    References
    ----------
    SciPy ``scipy.ndimage.gaussian_filter`` / ``_gaussian_kernel1d``.

    Examples
    --------
    >>> gaussian_derivative(None, 1.0).shape
    (9, 9)
    >>> gaussian_derivative((5, 7), 1.5, dx=0, dy=2, theta=0.3).shape
    (5, 7)
    """
    su = positive_float("sigma", sigma)
    sv = su if sigma_y is None else positive_float("sigma_y", sigma_y)
    ox = int_in_range("dx", dx, 0, _MAX_ORDER)
    oy = int_in_range("dy", dy, 0, _MAX_ORDER)
    th = as_float("theta", theta)
    h, w = _odd_size(ksize, int(_TRUNCATE * max(su, sv) + 0.5))
    phi, u, v = _sampled_gaussian(h, w, su, sv, th)
    # Correlation orientation: evaluate the derivative at (-u, -v).
    kernel = phi * _hermite_poly(ox, su, -u) * _hermite_poly(oy, sv, -v)
    return kernel


def log(ksize: int | tuple[int, int] | None, sigma: float) -> np.ndarray:
    """Laplacian of Gaussian, equal to ``scipy.ndimage.gaussian_laplace``.

    Parameters
    ----------
    ksize : int, (int, int) or None
        Odd kernel size as ``(height, width)``, or one int; ``None``: SciPy's
        radius ``int(4 * sigma + 0.5)``.
    sigma : float
        Standard deviation, > 0.

    Returns
    -------
    numpy.ndarray
        float64 array of shape ``(height, width)``:
        ``gaussian_derivative(ksize, sigma, 2, 0) + gaussian_derivative(ksize, sigma, 0, 2)``.
        It is negative at the centre and sums to about 0 for ``sigma >= 1``
        (about -1e-4); for small sigmas the sampled kernel is far from
        zero-sum (about -1.12 at ``sigma = 0.5``), exactly as SciPy's.

    Raises
    ------
    ParameterError
        If ``sigma`` is not > 0 or a size is even.

    Notes
    -----
    Sign: a bright blob gives a negative response, as in SciPy. MATLAB's
    ``fspecial('log')`` additionally removes the mean so that the kernel sums to
    exactly 0; this kernel does not (it matches SciPy).

    References
    ----------
    SciPy ``scipy.ndimage.gaussian_laplace``.

    Examples
    --------
    >>> k = log(None, 1.0)
    >>> k.shape, bool(k[4, 4] < 0)
    ((9, 9), True)
    """
    s = positive_float("sigma", sigma)
    h, w = _odd_size(ksize, int(_TRUNCATE * s + 0.5))
    return gaussian_derivative((h, w), s, 2, 0) + gaussian_derivative((h, w), s, 0, 2)


def dog(ksize: int | tuple[int, int] | None, sigma_low: float, sigma_high: float) -> np.ndarray:
    """Difference of Gaussians ``G(sigma_low) - G(sigma_high)``, like skimage.

    Parameters
    ----------
    ksize : int, (int, int) or None
        Odd kernel size as ``(height, width)``, or one int: both Gaussians are
        sampled and normalised on that grid. ``None``: each Gaussian uses its
        own SciPy radius ``int(4 * sigma + 0.5)`` and the smaller one is
        zero-padded to the larger, which reproduces
        ``skimage.filters.difference_of_gaussians(img, sigma_low, sigma_high,
        mode='mirror')`` on float64 images.
    sigma_low : float
        Standard deviation of the narrow Gaussian, > 0.
    sigma_high : float
        Standard deviation of the wide Gaussian, > ``sigma_low``.

    Returns
    -------
    numpy.ndarray
        float64 array of shape ``(height, width)`` that sums to about 0.

    Raises
    ------
    ParameterError
        If a sigma is not > 0, ``sigma_low >= sigma_high`` or a size is even.

    Notes
    -----
    Sign: positive on a bright blob, as skimage's ``difference_of_gaussians``;
    kornia's DoG has the opposite sign. Each Gaussian is SciPy's sampled
    Gaussian normalised by its discrete sum.

    References
    ----------
    scikit-image ``skimage.filters.difference_of_gaussians``.

    Examples
    --------
    >>> dog(None, 1.0, 2.0).shape
    (17, 17)
    >>> dog(7, 1.0, 1.6).shape
    (7, 7)
    """
    lo = positive_float("sigma_low", sigma_low)
    hi = positive_float("sigma_high", sigma_high)
    if not lo < hi:
        raise ParameterError(f"`sigma_low` must be < `sigma_high` ({hi!r}); got {lo!r}")
    if ksize is not None:
        h, w = size_pair("ksize", ksize, odd=True)
        return gaussian_derivative((h, w), lo, 0, 0) - gaussian_derivative((h, w), hi, 0, 0)
    r_lo = int(_TRUNCATE * lo + 0.5)
    r_hi = int(_TRUNCATE * hi + 0.5)
    out = -gaussian_derivative(2 * r_hi + 1, hi, 0, 0)
    pad = r_hi - r_lo
    out[pad : pad + 2 * r_lo + 1, pad : pad + 2 * r_lo + 1] += gaussian_derivative(2 * r_lo + 1, lo, 0, 0)
    return out
