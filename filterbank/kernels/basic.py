"""Basic kernels: the box (mean) filter.

Every kernel is a float64 array in correlation orientation (what ``cv2.filter2D``
applies), with shape ``(height, width)``.
"""

from __future__ import annotations

import numpy as np

from .._errors import DTypeError
from .._validate import size_pair

__all__ = ["box"]


def box(ksize: int | tuple[int, int], normalize: bool = True) -> np.ndarray:
    """Box kernel, the one ``cv2.boxFilter`` applies.

    Parameters
    ----------
    ksize : int or (int, int)
        Kernel size as ``(height, width)`` (OpenCV's ``ksize`` is
        ``(width, height)``), or one int for a square kernel. Even sizes are
        allowed; apply them with OpenCV's anchor ``(k // 2)`` on each axis.
    normalize : bool, optional
        Divide by ``height * width`` so that the kernel sums to 1 (default),
        as ``cv2.boxFilter(normalize=True)``; otherwise all ones.

    Returns
    -------
    numpy.ndarray
        float64 array of shape ``(height, width)``.

    Raises
    ------
    ParameterError
        If a size is < 1.
    DTypeError
        If a size is not an integer or ``normalize`` is not a bool.

    References
    ----------
    OpenCV ``cv::boxFilter``.

    Examples
    --------
    >>> box(2)
    array([[0.25, 0.25],
           [0.25, 0.25]])
    >>> box((3, 4), normalize=False).shape
    (3, 4)
    """
    h, w = size_pair("ksize", ksize)
    if not isinstance(normalize, (bool, np.bool_)):
        raise DTypeError(f"`normalize` must be a bool; got {normalize!r} ({type(normalize).__name__})")
    out = np.ones((h, w), dtype=np.float64)
    if normalize:
        out /= h * w
    return out
