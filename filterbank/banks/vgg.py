"""The Oxford VGG texture banks: Leung-Malik (:func:`lm`), Schmid (:func:`schmid`), the root filter set (:func:`rfs`).

Their kernels are the :mod:`filterbank.kernels.vgg` families; the specs keep the
names written by filterbank 0.1 (``"banks.vgg_oriented"``, ``"banks.vgg_gaussian"``,
``"banks.vgg_log"``, ``"banks.schmid"``), which the kernel registry resolves, so that
files saved now still load in 0.1.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from .._errors import UnknownNameError
from .._format import deg
from ..bank import FilterBank
from ._common import bank_of

__all__ = ["lm", "rfs", "schmid"]

_VGG_SUPPORT = 49
_SQRT2 = math.sqrt(2.0)


def _vgg_oriented_part(
    prefix: str, scales: Sequence[float], size: int, norient: int = 6
) -> list[tuple[str, dict[str, Any]]]:
    """Edge specs then bar specs, scale-major then orientation, as VGG's loops."""
    angles = [math.pi * k / norient for k in range(norient)]
    return [
        (
            f"{prefix}_{part}_s{i}_t{deg(a)}",
            {"family": "banks.vgg_oriented", "size": size, "sigma": s, "order": order, "angle": a},
        )
        for part, order in (("edge", 1), ("bar", 2))
        for i, s in enumerate(scales, start=1)
        for a in angles
    ]


def lm(size: str = "large") -> FilterBank:
    """The Leung-Malik bank (48 filters, 49x49), exactly as VGG's ``makeLMfilters``.

    Parameters
    ----------
    size : {"large", "small"}
        LM-large: edge/bar scales ``sqrt(2)**[1, 2, 3]``, isotropic scales
        ``sqrt(2)**[1, 2, 3, 4]``. LM-small: ``[1, sqrt2, 2]`` and
        ``[1, sqrt2, 2, 2 sqrt2]``.

    Returns
    -------
    FilterBank
        48 kernels: 18 edges (first Gaussian derivative across, scale-major then
        orientation ``k * 30`` degrees), 18 bars (second derivative, same order),
        then for each isotropic scale ``s``: Gaussian(s), LoG(s), LoG(3s). Names
        ``lm_edge_s1_t030``, ``lm_bar_s3_t150``, ``lm_gauss_s1``, ``lm_log_s1``,
        ``lm_log3_s1`` (``s`` is the 1-based scale index).

    Raises
    ------
    UnknownNameError
        If ``size`` is not ``"large"`` or ``"small"``.

    Notes
    -----
    VGG's grid has y pointing up; an oriented filter at scale s is a Gaussian of
    sigma 3s along the filter times a derivative of sigma s across it. VGG rotates
    the *sampling points* by ``angle`` counter-clockwise, so the filter itself
    turns clockwise on screen: the long axis of ``lm_edge_s1_t030`` runs down to
    the right at -30 degrees, as in VGG's pictures. Every filter is normalised (mean removed,
    then divided by its L1 norm). VGG applies the bank by convolution
    (``conv2``); the kernels here are rotated 180 degrees so that
    ``filter2d(img, bank)`` equals ``conv2(img, F, 'same')``: the edge filters
    (odd) change sign, the others are symmetric. The widely copied Python port
    (``scalex = sqrt(2) * [1, 2, 3]``, y down, no normalisation) is *not* this bank.

    References
    ----------
    T. Leung and J. Malik, "Representing and recognizing the visual appearance of
    materials using three-dimensional textons", IJCV 43(1), 2001; VGG
    ``makeLMfilters.m`` (Oxford texture classification filters page).

    Examples
    --------
    >>> b = lm("small")
    >>> b.names[36:39]
    ['lm_gauss_s1', 'lm_log_s1', 'lm_log3_s1']
    """
    if size == "large":
        edge_scales = [_SQRT2**i for i in (1, 2, 3)]
        iso_scales = [_SQRT2**i for i in (1, 2, 3, 4)]
    elif size == "small":
        edge_scales = [1.0, _SQRT2, 2.0]
        iso_scales = [1.0, _SQRT2, 2.0, 2.0 * _SQRT2]
    else:
        raise UnknownNameError("size", size, ("large", "small"))
    n = _VGG_SUPPORT
    items = _vgg_oriented_part("lm", edge_scales, n)
    for i, s in enumerate(iso_scales, start=1):
        items.append((f"lm_gauss_s{i}", {"family": "banks.vgg_gaussian", "size": n, "sigma": s}))
        items.append((f"lm_log_s{i}", {"family": "banks.vgg_log", "size": n, "sigma": s}))
        items.append((f"lm_log3_s{i}", {"family": "banks.vgg_log", "size": n, "sigma": 3 * s}))
    return bank_of(items)


_SCHMID_PARAMS = (
    (2, 1),
    (4, 1),
    (4, 2),
    (6, 1),
    (6, 2),
    (6, 3),
    (8, 1),
    (8, 2),
    (8, 3),
    (10, 1),
    (10, 2),
    (10, 3),
    (10, 4),
)


def schmid() -> FilterBank:
    """The Schmid bank (13 isotropic filters, 49x49), exactly as VGG's ``makeSfilters``.

    Returns
    -------
    FilterBank
        ``F(r) = cos(pi tau r / sigma) exp(-r^2 / 2 sigma^2)``, mean removed, unit L1,
        for ``(sigma, tau)`` in (2,1) (4,1) (4,2) (6,1) (6,2) (6,3) (8,1) (8,2)
        (8,3) (10,1) (10,2) (10,3) (10,4). Names ``schmid_s{sigma}_t{tau}``.

    Notes
    -----
    Isotropic, hence identical in correlation and convolution orientation.

    References
    ----------
    C. Schmid, "Constructing models for content-based image retrieval", CVPR 2001;
    VGG ``makeSfilters.m``.

    Examples
    --------
    >>> schmid().names[:3]
    ['schmid_s2_t1', 'schmid_s4_t1', 'schmid_s4_t2']
    """
    items = [
        (f"schmid_s{s}_t{t}", {"family": "banks.schmid", "size": _VGG_SUPPORT, "sigma": float(s), "tau": float(t)})
        for s, t in _SCHMID_PARAMS
    ]
    return bank_of(items)


def rfs() -> FilterBank:
    """The root filter set (38 filters, 49x49), exactly as VGG's ``makeRFSfilters``; base of MR8.

    Returns
    -------
    FilterBank
        18 edges at ``(sigma_x, sigma_y) = (3, 1), (6, 2), (12, 4)`` (along, across)
        x 6 orientations (scale-major), 18 bars in the same order, then a
        Gaussian and a LoG at sigma 10. Names ``rfs_edge_s1_t000`` ..
        ``rfs_bar_s3_t150``, ``rfs_gauss``, ``rfs_log``.

    Notes
    -----
    Same construction, normalisation and 180-degree rotation as :func:`lm` (so
    ``filter2d`` equals VGG's ``conv2``). :class:`filterbank.pooling.MR8` turns
    its responses into the 8 maximum responses.

    References
    ----------
    M. Varma and A. Zisserman, "A statistical approach to texture classification
    from single images", IJCV 62(1), 2005; VGG ``makeRFSfilters.m``.

    Examples
    --------
    >>> b = rfs()
    >>> len(b), b.names[-2:]
    (38, ['rfs_gauss', 'rfs_log'])
    """
    n = _VGG_SUPPORT
    items = _vgg_oriented_part("rfs", [1.0, 2.0, 4.0], n)
    items.append(("rfs_gauss", {"family": "banks.vgg_gaussian", "size": n, "sigma": 10.0}))
    items.append(("rfs_log", {"family": "banks.vgg_log", "size": n, "sigma": 10.0}))
    return bank_of(items)
