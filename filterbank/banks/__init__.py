"""Classical filter banks, each returned as a :class:`~filterbank.FilterBank` with readable names.

Banks, one module per family: :mod:`~filterbank.banks.gabor` (:func:`gabor`, and the
skimage / MATLAB parameter translations), :mod:`~filterbank.banks.vgg` (:func:`lm`
Leung-Malik, :func:`schmid`, :func:`rfs` the root filter set, base of MR8),
:mod:`~filterbank.banks.jet` (:func:`gaussian_jet`, :func:`steerable`,
:func:`steering_weights`), :mod:`~filterbank.banks.classic` (:func:`dct`, :func:`laws`,
:func:`kirsch`, :func:`prewitt`, :func:`sobel`, :func:`scharr`) and
:mod:`~filterbank.banks.random` (:func:`random`). The 3-D banks of :mod:`filterbank.banks3d`
are registered too, with a ``3d`` suffix: :func:`gaussian_jet3d` (``banks3d.gaussian_jet``) and
:func:`gabor3d` (``banks3d.gabor``); their kernels are ``(N, kd, kh, kw)``, applied with
:func:`filterbank.filter3d`. :data:`REGISTRY`, :func:`get`, :func:`names` and :func:`signature`
give name-based access.

Every kernel is float64 in correlation orientation (what ``cv2.filter2D`` applies).
The VGG banks (LM, Schmid, RFS) and Laws' masks are defined for true convolution;
their generators flip them once, so that ``filter2d(img, bank)`` equals the
published convolution.

Specs. Every kernel carries a JSON spec that regenerates it through the kernel
registry (:func:`filterbank.kernels.get`). Kernels of the VGG, DCT, Laws, Kirsch
and random families keep the spec names written by filterbank 0.1,
``"banks.<name>"`` (``banks.vgg_oriented``, ``banks.vgg_gaussian``, ``banks.vgg_log``,
``banks.schmid``, ``banks.dct``, ``banks.laws``, ``banks.kirsch``, ``banks.random``),
which the kernel registry accepts as aliases of :func:`filterbank.kernels.vgg_oriented`,
..., :func:`filterbank.kernels.random_kernel`: a file saved now loads in 0.1, and a
file saved by 0.1 loads now.

Examples
--------
>>> from filterbank import banks
>>> bank = banks.lm()
>>> len(bank), bank.ksize, bank.names[:2]
(48, (49, 49), ['lm_edge_s1_t000', 'lm_edge_s1_t030'])
>>> banks.get("gabor", sigmas=[2.0], orientations=2, phases=[0.0]).names
['gabor_s2_t000_p0', 'gabor_s2_t090_p0']
"""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np

from .. import kernels as _kernels
from .._errors import UnknownNameError
from .._registry import Registry
from ..bank import FilterBank
from ..banks3d import gabor as gabor3d
from ..banks3d import gaussian_jet as gaussian_jet3d
from ..kernels._registry import LEGACY_SPEC_NAMES
from .classic import dct, kirsch, laws, prewitt, scharr, sobel
from .gabor import gabor, gabor_params_from_matlab, gabor_params_from_skimage
from .jet import gaussian_jet, steerable, steering_weights
from .random import random
from .vgg import lm, rfs, schmid

__all__ = [
    "REGISTRY",
    "dct",
    "gabor",
    "gabor3d",
    "gabor_params_from_matlab",
    "gabor_params_from_skimage",
    "gaussian_jet",
    "gaussian_jet3d",
    "get",
    "kernel",
    "kernel_families",
    "kirsch",
    "laws",
    "lm",
    "names",
    "prewitt",
    "random",
    "rfs",
    "scharr",
    "schmid",
    "signature",
    "sobel",
    "steerable",
    "steering_weights",
]

#: Every bank constructor by name (the 3-D ones of :mod:`filterbank.banks3d` with a ``3d`` suffix).
REGISTRY: Registry[FilterBank] = Registry(
    "bank",
    {
        "dct": dct,
        "gabor": gabor,
        "gabor3d": gabor3d,
        "gaussian_jet": gaussian_jet,
        "gaussian_jet3d": gaussian_jet3d,
        "kirsch": kirsch,
        "laws": laws,
        "lm": lm,
        "prewitt": prewitt,
        "random": random,
        "rfs": rfs,
        "scharr": scharr,
        "schmid": schmid,
        "sobel": sobel,
        "steerable": steerable,
    },
)


def names(pattern: str | None = None) -> list[str]:
    """Sorted bank names, optionally filtered by a shell-style pattern.

    Examples
    --------
    >>> names("s*")
    ['scharr', 'schmid', 'sobel', 'steerable']
    """
    return REGISTRY.names(pattern)


def signature(name: str) -> inspect.Signature:
    """The call signature of the bank constructor registered as ``name``.

    Examples
    --------
    >>> list(signature("sobel").parameters)
    ['ksize', 'normalize']
    """
    return REGISTRY.signature(name)


def get(name: str, **params: Any) -> FilterBank:
    """Build the bank called ``name`` with keyword parameters.

    Parameters
    ----------
    name : str
        One of :func:`names`.
    **params
        Keyword arguments of that bank's function.

    Returns
    -------
    FilterBank

    Raises
    ------
    UnknownNameError
        If ``name`` is unknown (the message suggests the closest name).
    DTypeError
        If a keyword is not accepted by that bank.

    Examples
    --------
    >>> len(get("schmid"))
    13
    """
    return REGISTRY.get(name, **params)


def kernel_families() -> list[str]:
    """The spec names ``"banks.<name>"`` of the kernel families that 0.1 kept in this module.

    They are aliases in the kernel registry (:data:`filterbank.kernels.REGISTRY`) of
    :func:`filterbank.kernels.vgg_oriented`, ..., :func:`filterbank.kernels.random_kernel`.

    Returns
    -------
    list of str
        Sorted, e.g. ``"banks.vgg_oriented"``.

    Examples
    --------
    >>> "banks.vgg_oriented" in kernel_families()
    True
    """
    return sorted(LEGACY_SPEC_NAMES)


def kernel(family: str, **params: Any) -> np.ndarray:
    """Generate one kernel of a ``"banks.<name>"`` spec family (kept from 0.1; a thin wrapper of the kernel registry).

    Parameters
    ----------
    family : str
        One of :func:`kernel_families` (``"banks.vgg_oriented"``, ...); the ``"banks."``
        prefix may be left out. Prefer :func:`filterbank.kernels.get` with the family's
        own name (``"vgg_oriented"``, ``"random_kernel"``, ...).
    **params
        The family's parameters.

    Returns
    -------
    numpy.ndarray
        float64 kernel in correlation orientation.

    Raises
    ------
    UnknownNameError
        If the family is not one of :func:`kernel_families`.
    DTypeError
        If a keyword is unknown or missing.

    Examples
    --------
    >>> kernel("banks.kirsch", direction="n")[0].tolist()
    [5.0, 5.0, 5.0]
    """
    full = family if isinstance(family, str) and family.startswith("banks.") else f"banks.{family}"
    if full not in LEGACY_SPEC_NAMES:
        raise UnknownNameError("kernel family", family, kernel_families())
    return _kernels.get(full, **params)
