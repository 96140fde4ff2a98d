"""The kernel-family registry: every generator of :mod:`filterbank.kernels` by name.

Built on :class:`filterbank._registry.Registry` (kind ``"kernel family"``), so an
unknown name or keyword is worded as everywhere else. The names written by
filterbank 0.1 bank files for the families that then lived in ``filterbank.banks``
(``"banks.vgg_oriented"``, ``"banks.random"``, ...) are aliases, so old specs regenerate.
"""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np

from .._registry import Registry
from .basic import box
from .derivative import laplacian, prewitt, scharr, sobel
from .fspecial import average, disk, fspecial_laplacian, fspecial_log, motion, unsharp
from .gabor import gabor
from .gaussian import dog, gaussian, gaussian_1d, gaussian_derivative, log
from .nd import box_nd, gabor3d, gaussian_nd, log_nd, prewitt_nd, sobel_nd
from .random import random_kernel
from .texture import dct, kirsch, laws
from .vgg import schmid, vgg_gaussian, vgg_log, vgg_oriented

__all__ = ["LEGACY_SPEC_NAMES", "REGISTRY", "get", "names", "signature"]

#: Spec family names written by filterbank 0.1 (and still written, see :mod:`filterbank.banks`) -> family.
LEGACY_SPEC_NAMES: dict[str, str] = {
    "banks.dct": "dct",
    "banks.kirsch": "kirsch",
    "banks.laws": "laws",
    "banks.random": "random_kernel",
    "banks.schmid": "schmid",
    "banks.vgg_gaussian": "vgg_gaussian",
    "banks.vgg_log": "vgg_log",
    "banks.vgg_oriented": "vgg_oriented",
}

#: Every kernel family by name.
REGISTRY: Registry[np.ndarray] = Registry(
    "kernel family",
    {
        "average": average,
        "box": box,
        "box_nd": box_nd,
        "dct": dct,
        "disk": disk,
        "dog": dog,
        "fspecial_laplacian": fspecial_laplacian,
        "fspecial_log": fspecial_log,
        "gabor": gabor,
        "gabor3d": gabor3d,
        "gaussian": gaussian,
        "gaussian_1d": gaussian_1d,
        "gaussian_derivative": gaussian_derivative,
        "gaussian_nd": gaussian_nd,
        "kirsch": kirsch,
        "laplacian": laplacian,
        "laws": laws,
        "log": log,
        "log_nd": log_nd,
        "motion": motion,
        "prewitt": prewitt,
        "prewitt_nd": prewitt_nd,
        "random_kernel": random_kernel,
        "scharr": scharr,
        "schmid": schmid,
        "sobel": sobel,
        "sobel_nd": sobel_nd,
        "unsharp": unsharp,
        "vgg_gaussian": vgg_gaussian,
        "vgg_log": vgg_log,
        "vgg_oriented": vgg_oriented,
    },
    aliases=LEGACY_SPEC_NAMES,
)


def names(pattern: str | None = None) -> list[str]:
    """Sorted names of the kernel families, optionally filtered by a shell-style pattern.

    Parameters
    ----------
    pattern : str or None, optional
        An :mod:`fnmatch` pattern such as ``"gauss*"``; ``None`` lists every name.
        The 0.1 spec names (``"banks.vgg_oriented"``, ...) are accepted by :func:`get`
        but not listed.

    Returns
    -------
    list of str
        Matching family names, sorted.

    Examples
    --------
    >>> names("gauss*")
    ['gaussian', 'gaussian_1d', 'gaussian_derivative', 'gaussian_nd']
    """
    return REGISTRY.names(pattern)


def signature(name: str) -> inspect.Signature:
    """The call signature of the generator registered as ``name``.

    Parameters
    ----------
    name : str
        A family name from :func:`names` (or a 0.1 spec name such as ``"banks.dct"``).

    Returns
    -------
    inspect.Signature
        The generator's signature.

    Raises
    ------
    UnknownNameError
        If ``name`` is not a known family (the message suggests the closest).

    Examples
    --------
    >>> list(signature("box").parameters)
    ['ksize', 'normalize']
    """
    return REGISTRY.signature(name)


def get(name: str, **params: Any) -> np.ndarray:
    """Generate the kernel of family ``name`` with keyword parameters ``params``.

    Parameters
    ----------
    name : str
        A family name from :func:`names`, e.g. ``"sobel"`` or ``"gabor"``, or a 0.1 spec
        name such as ``"banks.vgg_oriented"``.
    **params
        Keyword arguments of that family's generator (see :func:`signature`).

    Returns
    -------
    numpy.ndarray
        The float64 kernel, in correlation orientation, shape ``(height, width)``
        (``(ksize,)`` for ``gaussian_1d``).

    Raises
    ------
    UnknownNameError
        If ``name`` is not a known family.
    DTypeError
        If ``params`` do not fit the generator's signature (unknown or missing
        keyword); the message names the family and the keyword.
    ParameterError
        If a value breaks one of the generator's rules.

    Examples
    --------
    >>> get("sobel", dx=1, dy=0).shape
    (3, 3)
    >>> get("gabor", ksize=(5, 7), sigma=2.0, theta=0.0, lambd=4.0).shape
    (5, 7)
    >>> get("banks.kirsch", direction="n")[0].tolist()
    [5.0, 5.0, 5.0]
    """
    return REGISTRY.get(name, **params)
