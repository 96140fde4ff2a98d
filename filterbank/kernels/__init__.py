"""Kernel generators: float64 numpy kernels in correlation orientation, shape (height, width).

One module per family; every generator follows OpenCV, SciPy, MATLAB or the
published reference exactly and says in its docstring where the conventions
differ. :func:`get`, :func:`names` and :func:`signature` give name-based access
through :data:`REGISTRY`.
"""

from __future__ import annotations

from ._registry import REGISTRY, get, names, signature
from .basic import box
from .derivative import laplacian, prewitt, scharr, sobel, sobel_1d
from .fspecial import average, disk, fspecial_laplacian, fspecial_log, motion, unsharp
from .gabor import gabor
from .gaussian import dog, gaussian, gaussian_1d, gaussian_derivative, log
from .nd import box_nd, gabor3d, gaussian_nd, log_nd, prewitt_nd, sobel_nd
from .random import random_kernel, random_kernels
from .texture import dct, kirsch, laws
from .vgg import schmid, vgg_gaussian, vgg_log, vgg_oriented

__all__ = [
    "REGISTRY",
    "average",
    "box",
    "box_nd",
    "dct",
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
    "kirsch",
    "laplacian",
    "laws",
    "log",
    "log_nd",
    "motion",
    "names",
    "prewitt",
    "prewitt_nd",
    "random_kernel",
    "random_kernels",
    "scharr",
    "schmid",
    "signature",
    "sobel",
    "sobel_1d",
    "sobel_nd",
    "unsharp",
    "vgg_gaussian",
    "vgg_log",
    "vgg_oriented",
]
