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

__all__ = [
    "average",
    "box",
    "disk",
    "dog",
    "fspecial_laplacian",
    "fspecial_log",
    "gabor",
    "gaussian",
    "gaussian_1d",
    "gaussian_derivative",
    "get",
    "laplacian",
    "log",
    "motion",
    "names",
    "prewitt",
    "scharr",
    "signature",
    "sobel",
    "sobel_1d",
    "unsharp",
]
