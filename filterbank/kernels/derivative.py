"""Finite-difference derivative kernels: Sobel, Scharr, Prewitt and OpenCV's Laplacian.

Every kernel is a float64 array in correlation orientation (what ``cv2.filter2D``
applies), with shape ``(height, width)``.
"""

from __future__ import annotations

import numpy as np

from .._errors import DTypeError, ParameterError
from .._validate import int_in_range

__all__ = ["laplacian", "prewitt", "scharr", "sobel", "sobel_1d"]

_MAX_KSIZE = 31


def _check_bool(name: str, value: object) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise DTypeError(f"`{name}` must be a bool; got {value!r} ({type(value).__name__})")
    return bool(value)


def _sobel_ksize(ksize: object) -> int:
    k = int_in_range("ksize", ksize, 1, _MAX_KSIZE)
    if k % 2 == 0:
        raise ParameterError(f"`ksize` must be odd (1, 3, ..., {_MAX_KSIZE}); got {k}")
    return k


def _sobel_taps(order: int, ksize: int) -> list[int]:
    """OpenCV's integer Sobel factor (``getSobelKernels``): binomial smoothing then differences."""
    if ksize == 1:
        return [1]
    if ksize == 3:
        return [[1, 2, 1], [-1, 0, 1], [1, -2, 1]][order]
    taps = [1] + [0] * ksize
    for _ in range(ksize - order - 1):  # smoothing: convolve with [1, 1]
        taps = [taps[0]] + [taps[j] + taps[j - 1] for j in range(1, ksize + 1)]
    for _ in range(order):  # differencing: convolve with [-1, 1]
        taps = [-taps[0]] + [taps[j - 1] - taps[j] for j in range(1, ksize + 1)]
    return taps[:ksize]


def _sobel_factor(name: str, order: int, ksize: int, normalize: bool) -> np.ndarray:
    n = 3 if (ksize == 1 and order > 0) else ksize
    if order >= n:
        raise ParameterError(
            f"`{name}` must be < the factor size {n} (ksize={ksize}"
            f"{', which OpenCV widens to 3 for a derivative' if n != ksize else ''}); got {order}"
        )
    taps = np.array(_sobel_taps(order, n), dtype=np.float64)
    if normalize:
        taps *= 1.0 / (1 << (n - order - 1))
    return taps


def sobel_1d(order: int, ksize: int, normalize: bool = False) -> np.ndarray:
    """One 1-D factor of OpenCV's Sobel kernel (``cv2.getDerivKernels``).

    Parameters
    ----------
    order : int
        Derivative order, >= 0 and < the factor size.
    ksize : int
        Odd aperture size in 1..31. ``ksize = 1`` with ``order > 0`` gives the
        3-tap factor (OpenCV's rule); with ``order = 0`` it gives ``[1]``.
    normalize : bool, optional
        Scale by ``1 / 2**(size - order - 1)`` as OpenCV's ``normalize=True``
        (unit response to a unit ramp for ``order = 1``).

    Returns
    -------
    numpy.ndarray
        float64 array of shape ``(size,)`` in correlation orientation.

    Raises
    ------
    ParameterError
        If ``ksize`` is even or outside 1..31, or ``order`` is negative or too large.

    References
    ----------
    OpenCV ``cv::getDerivKernels`` (``getSobelKernels``).

    Examples
    --------
    >>> sobel_1d(1, 3)
    array([-1.,  0.,  1.])
    >>> sobel_1d(0, 5)
    array([1., 4., 6., 4., 1.])
    """
    k = _sobel_ksize(ksize)
    o = int_in_range("order", order, 0)
    return _sobel_factor("order", o, k, _check_bool("normalize", normalize))


def sobel(dx: int, dy: int, ksize: int = 3, normalize: bool = False) -> np.ndarray:
    """OpenCV's Sobel kernel, ``ky @ kx.T`` from ``cv2.getDerivKernels(dx, dy, ksize, normalize)``.

    Parameters
    ----------
    dx : int
        Derivative order along x (columns), >= 0.
    dy : int
        Derivative order along y (rows, pointing down), >= 0; ``dx + dy >= 1``.
    ksize : int, optional
        Odd aperture in 1..31 (default 3). Each order must be < the factor
        size; ``ksize = 1`` means a 3-tap factor along a differentiated axis
        and no smoothing along the other (OpenCV's rule).
    normalize : bool, optional
        OpenCV's ``normalize`` flag: scale each factor so that the response to
        a unit ramp is 1 (first order).

    Returns
    -------
    numpy.ndarray
        float64 array of shape ``(len(ky), len(kx))`` = (height, width).

    Raises
    ------
    ParameterError
        If ``ksize`` is even or outside 1..31, an order is negative or too
        large, or ``dx + dy == 0``.

    Notes
    -----
    Correlation orientation: ``sobel(1, 0)`` is ``[[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]``
    and gives a positive response (8 per unit slope) on a ramp increasing to
    the right, like ``cv2.Sobel``. Unit-ramp responses for ``ksize``
    1/3/5/7: 2/8/128/2048.

    References
    ----------
    OpenCV ``cv::getDerivKernels``, ``cv::Sobel``.

    Examples
    --------
    >>> sobel(1, 0)
    array([[-1.,  0.,  1.],
           [-2.,  0.,  2.],
           [-1.,  0.,  1.]])
    >>> sobel(0, 1, ksize=5).shape
    (5, 5)
    """
    ox = int_in_range("dx", dx, 0)
    oy = int_in_range("dy", dy, 0)
    k = _sobel_ksize(ksize)
    norm = _check_bool("normalize", normalize)
    if ox + oy < 1:
        raise ParameterError(f"`dx + dy` must be >= 1; got dx={ox}, dy={oy}")
    kx = _sobel_factor("dx", ox, k, norm)
    ky = _sobel_factor("dy", oy, k, norm)
    return np.outer(ky, kx)


def scharr(dx: int, dy: int, normalize: bool = False) -> np.ndarray:
    """OpenCV's 3x3 Scharr kernel, ``cv2.getDerivKernels(dx, dy, cv2.FILTER_SCHARR)``.

    Parameters
    ----------
    dx : int
        Derivative order along x (columns), 0 or 1.
    dy : int
        Derivative order along y (rows, pointing down), 0 or 1; ``dx + dy == 1``.
    normalize : bool, optional
        Divide the smoothing factor ``[3, 10, 3]`` by 32 (OpenCV's rule), which
        gives unit response to a unit ramp.

    Returns
    -------
    numpy.ndarray
        float64 array of shape ``(3, 3)``.

    Raises
    ------
    ParameterError
        If an order is negative or ``dx + dy != 1``.

    Notes
    -----
    Unit-ramp response 32 without normalisation.

    References
    ----------
    OpenCV ``cv::getDerivKernels`` (``getScharrKernels``), ``cv::Scharr``.

    Examples
    --------
    >>> scharr(1, 0)
    array([[ -3.,   0.,   3.],
           [-10.,   0.,  10.],
           [ -3.,   0.,   3.]])
    """
    ox = int_in_range("dx", dx, 0)
    oy = int_in_range("dy", dy, 0)
    norm = _check_bool("normalize", normalize)
    if ox + oy != 1:
        raise ParameterError(f"`dx + dy` must be == 1 for Scharr; got dx={ox}, dy={oy}")
    smooth = np.array([3.0, 10.0, 3.0]) * (1.0 / 32 if norm else 1.0)
    diff = np.array([-1.0, 0.0, 1.0])
    kx, ky = (diff, smooth) if ox == 1 else (smooth, diff)
    return np.outer(ky, kx)


def prewitt(dx: int, dy: int) -> np.ndarray:
    """Prewitt kernel: ``[-1, 0, 1]`` along the derivative axis times ``[1, 1, 1]`` across it.

    Parameters
    ----------
    dx : int
        Derivative order along x (columns), 0 or 1.
    dy : int
        Derivative order along y (rows, pointing down), 0 or 1; ``dx + dy == 1``.

    Returns
    -------
    numpy.ndarray
        float64 array of shape ``(3, 3)``.

    Raises
    ------
    ParameterError
        If an order is negative or ``dx + dy != 1``.

    Notes
    -----
    Response equals ``scipy.ndimage.prewitt(img, axis=1)`` for ``dx = 1`` and
    ``axis=0`` for ``dy = 1`` (SciPy correlates with the same orientation).
    Unnormalised: a unit ramp gives 6.

    References
    ----------
    SciPy ``scipy.ndimage.prewitt``.

    Examples
    --------
    >>> prewitt(1, 0)
    array([[-1.,  0.,  1.],
           [-1.,  0.,  1.],
           [-1.,  0.,  1.]])
    """
    ox = int_in_range("dx", dx, 0)
    oy = int_in_range("dy", dy, 0)
    if ox + oy != 1:
        raise ParameterError(f"`dx + dy` must be == 1 for Prewitt; got dx={ox}, dy={oy}")
    diff = np.array([-1.0, 0.0, 1.0])
    smooth = np.ones(3)
    return np.outer(smooth, diff) if ox == 1 else np.outer(diff, smooth)


def laplacian(ksize: int = 1) -> np.ndarray:
    """The kernel ``cv2.Laplacian(img, ddepth, ksize=ksize)`` applies.

    Parameters
    ----------
    ksize : int, optional
        Odd aperture in 1..31. ``1``: ``[[0, 1, 0], [1, -4, 1], [0, 1, 0]]``;
        ``3``: ``[[2, 0, 2], [0, -8, 0], [2, 0, 2]]``; ``>= 5``:
        ``sobel(2, 0, ksize) + sobel(0, 2, ksize)``.

    Returns
    -------
    numpy.ndarray
        float64 array of shape ``(3, 3)`` for ``ksize`` 1 and 3, else ``(ksize, ksize)``.

    Raises
    ------
    ParameterError
        If ``ksize`` is even or outside 1..31.

    Notes
    -----
    On ``x^2/2 + y^2/2`` the response is 2 (ksize 1), 8 (ksize 3), 128 (ksize 5).
    kornia's "laplacian" is the 8-neighbour kernel and skimage's ``laplace``
    has the opposite sign.

    References
    ----------
    OpenCV ``cv::Laplacian``.

    Examples
    --------
    >>> laplacian(1)
    array([[ 0.,  1.,  0.],
           [ 1., -4.,  1.],
           [ 0.,  1.,  0.]])
    >>> laplacian(5).shape
    (5, 5)
    """
    k = _sobel_ksize(ksize)
    if k == 1:
        return np.array([[0.0, 1.0, 0.0], [1.0, -4.0, 1.0], [0.0, 1.0, 0.0]])
    if k == 3:
        return np.array([[2.0, 0.0, 2.0], [0.0, -8.0, 0.0], [2.0, 0.0, 2.0]])
    return sobel(2, 0, k) + sobel(0, 2, k)
