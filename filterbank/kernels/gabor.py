"""OpenCV's real Gabor kernel (``cv2.getGaborKernel``), vectorised in numpy.

The kernel is a float64 array in correlation orientation (what ``cv2.filter2D``
applies), with shape ``(height, width)``.
"""

from __future__ import annotations

import math

import numpy as np

from .._errors import ParameterError
from .._validate import as_float, positive_float, size_pair

__all__ = ["gabor"]


def _gabor_size(ksize: object) -> tuple[int, int]:
    h, w = size_pair("ksize", ksize)
    for k in (h, w):
        if k % 2 == 0:
            raise ParameterError(
                f"`ksize` must be odd on each axis (OpenCV would silently use {k + 1} for {k}); got {ksize!r}"
            )
    return h, w


def gabor(
    ksize: int | tuple[int, int] | None,
    sigma: float,
    theta: float,
    lambd: float,
    gamma: float = 1.0,
    psi: float = np.pi / 2,
) -> np.ndarray:
    """Real Gabor kernel equal to ``cv2.getGaborKernel(..., ktype=cv2.CV_64F)``.

    Parameters
    ----------
    ksize : int, (int, int) or None
        Odd kernel size as ``(height, width)`` (OpenCV's ``ksize`` is
        ``(width, height)``), or one int for a square kernel. ``None``: OpenCV's
        automatic size for ``ksize=(0, 0)``, 3 standard deviations along the
        rotated axes.
    sigma : float
        Standard deviation of the Gaussian envelope along the carrier direction, > 0.
    theta : float
        Orientation of the carrier's normal, radians; turns clockwise on screen
        (rows point down), like OpenCV and skimage.
    lambd : float
        Wavelength of the carrier in pixels, > 0.
    gamma : float, optional
        Spatial aspect ratio, > 0; the envelope's other standard deviation is
        ``sigma / gamma``. Default 1.
    psi : float, optional
        Phase offset, radians. The default ``pi / 2`` gives an odd (sine) kernel.

    Returns
    -------
    numpy.ndarray
        float64 array of shape ``(height, width)``, peak at most 1, not normalised.

    Raises
    ------
    ParameterError
        If ``sigma``, ``lambd`` or ``gamma`` is not > 0, or a size is even or < 1.

    Notes
    -----
    OpenCV always returns an odd size ``2 * (k // 2) + 1`` and silently turns an
    even ``k`` into ``k + 1``; here an even size raises instead. OpenCV fills
    ``kernel[ymax - y, xmax - x]`` with the value at ``(x, y)`` (a 180-degree
    point reflection of the textbook grid), so ``psi``'s sign is inverted
    against the textbook formula; this function reproduces that exactly.

    References
    ----------
    OpenCV ``cv::getGaborKernel`` (``imgproc/src/gabor.cpp``).

    Examples
    --------
    >>> gabor((5, 7), 2.0, 0.0, 4.0).shape
    (5, 7)
    >>> float(gabor(5, 2.0, 0.0, 4.0, psi=0.0)[2, 2])
    1.0
    """
    sx = positive_float("sigma", sigma)
    th = as_float("theta", theta)
    lam = positive_float("lambd", lambd)
    gam = positive_float("gamma", gamma)
    ps = as_float("psi", psi)
    sy = sx / gam
    c, s = math.cos(th), math.sin(th)
    if ksize is None:
        nstds = 3
        xmax = round(max(abs(nstds * sx * c), abs(nstds * sy * s)))
        ymax = round(max(abs(nstds * sx * s), abs(nstds * sy * c)))
    else:
        h, w = _gabor_size(ksize)
        xmax, ymax = w // 2, h // 2
    ex = -0.5 / (sx * sx)
    ey = -0.5 / (sy * sy)
    cscale = math.pi * 2 / lam
    # Row i of the output holds y = ymax - i, column j holds x = xmax - j.
    y = (ymax - np.arange(2 * ymax + 1, dtype=np.float64))[:, None]
    x = (xmax - np.arange(2 * xmax + 1, dtype=np.float64))[None, :]
    xr = x * c + y * s
    yr = -x * s + y * c
    return np.exp(ex * xr * xr + ey * yr * yr) * np.cos(cscale * xr + ps)
