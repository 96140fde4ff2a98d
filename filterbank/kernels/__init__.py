"""Kernel generators: float64 numpy kernels in correlation orientation, shape (height, width).

One module per family; every generator follows OpenCV or SciPy exactly and says
in its docstring where the conventions differ. :func:`get` and :func:`names`
give name-based access.
"""

from __future__ import annotations

from ._registry import get, names, signature
from .basic import box
from .derivative import laplacian, prewitt, scharr, sobel, sobel_1d
from .fspecial import average, disk, fspecial_laplacian, fspecial_log, motion, unsharp
from .gabor import gabor
from .gaussian import dog, gaussian, gaussian_1d, gaussian_derivative, log
from .nd import box_nd, gabor3d, gaussian_nd, log_nd, prewitt_nd, sobel_nd

__all__ = [
    "average",
    "box",
    "box_nd",
    "disk",
    "dog",
    "fspecial_laplacian",
    "fspecial_log",
    "gabor",
    "gabor3d",
    "gaussian",
    "gaussian_1d",
    "gaussian_derivative",
    "gaussian_nd",
    "get",
    "laplacian",
    "log",
    "log_nd",
    "motion",
    "names",
    "prewitt",
    "prewitt_nd",
    "scharr",
    "signature",
    "sobel",
    "sobel_1d",
    "sobel_nd",
    "unsharp",
]
