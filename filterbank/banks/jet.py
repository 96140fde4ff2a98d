"""Gaussian-derivative banks: the Gaussian jet and steerable first / second derivatives."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from .._format import deg, num
from .._validate import int_in_range, positive_float
from ..bank import FilterBank
from ..kernels._support import odd_int
from ._common import float_list, scipy_size

__all__ = ["gaussian_jet", "steerable", "steering_weights"]


def gaussian_jet(
    max_order: int = 2, sigmas: float | Sequence[float] = (1.0, 2.0), *, ksize: int | None = None
) -> FilterBank:
    """All Gaussian derivatives ``d^(i+j) / dx^i dy^j`` with ``i + j <= max_order``, at each sigma.

    Parameters
    ----------
    max_order : int
        Highest total order, in [0, 4].
    sigmas : float or sequence of float
        Standard deviations, > 0.
    ksize : int or None
        Odd size of every kernel; ``None``: SciPy's ``2 * int(4 sigma + 0.5) + 1``
        per sigma, centre-padded to the largest.

    Returns
    -------
    FilterBank
        Per sigma, by order, then ``dx`` from high to low: ``(0,0), (1,0), (0,1),
        (2,0), (1,1), (0,2), ...``; ``(max_order+1)(max_order+2)/2`` kernels per
        sigma. Names ``jet_s{sigma}_dx{i}_dy{j}``. Each kernel is
        :func:`filterbank.kernels.gaussian_derivative` (SciPy's
        ``gaussian_filter(order=(j, i))`` convention; x = columns, y = rows down).

    Raises
    ------
    ParameterError
        ``max_order`` outside [0, 4], non-positive sigma, even ``ksize``.

    Examples
    --------
    >>> gaussian_jet(1, [1.0]).names
    ['jet_s1_dx0_dy0', 'jet_s1_dx1_dy0', 'jet_s1_dx0_dy1']
    """
    m = int_in_range("max_order", max_order, 0, 4)
    ss = float_list("sigmas", sigmas)
    specs, names = [], []
    for s in ss:
        k = scipy_size(s) if ksize is None else odd_int("ksize", ksize)
        for order in range(m + 1):
            for dx in range(order, -1, -1):
                dy = order - dx
                specs.append({"family": "gaussian_derivative", "ksize": [k, k], "sigma": s, "dx": dx, "dy": dy})
                names.append(f"jet_s{num(s)}_dx{dx}_dy{dy}")
    return FilterBank.from_specs(specs, names=names)


def _basis_angles(order: int) -> list[float]:
    return [math.pi * j / (order + 1) for j in range(order + 1)]


def steering_weights(order: int, angles: float | Sequence[float]) -> np.ndarray:
    """Interpolation weights that steer the basis of :func:`steerable` to any angle, exactly.

    Parameters
    ----------
    order : {1, 2}
        Derivative order.
    angles : float or sequence of float
        Target angles in radians (same convention as :func:`steerable`).

    Returns
    -------
    numpy.ndarray
        ``(len(angles), order + 1)``: row ``a`` holds the weights ``k_j(theta_a)``
        of the basis kernels at ``theta_j = j * pi / (order + 1)``. Order 1:
        ``k_j = cos(theta - theta_j)`` (basis at 0 and 90 degrees, i.e.
        ``cos(theta) G_x + sin(theta) G_y``). Order 2:
        ``k_j = (1 + 2 cos(2 (theta - theta_j))) / 3`` (basis at 0, 60, 120 degrees).

    Notes
    -----
    The oriented derivative ``d^n/du^n`` of an isotropic Gaussian is a
    trigonometric polynomial of degree n in theta with n + 1 terms, so n + 1
    basis filters at equally spaced angles in [0, pi) reproduce it exactly
    (Freeman and Adelson, "The design and use of steerable filters", PAMI 1991).

    Examples
    --------
    >>> steering_weights(1, [0.0, np.pi / 2]).round(12).tolist()
    [[1.0, 0.0], [0.0, 1.0]]
    """
    o = int_in_range("order", order, 1, 2)
    th = np.asarray(float_list("angles", angles, positive=False))
    basis = np.asarray(_basis_angles(o))
    d = th[:, None] - basis[None, :]
    if o == 1:
        return np.cos(d)
    return (1.0 + 2.0 * np.cos(2.0 * d)) / 3.0


def steerable(
    order: int = 1,
    sigma: float = 2.0,
    angles: float | Sequence[float] | None = None,
    *,
    ksize: int | None = None,
) -> FilterBank:
    """Oriented first or second Gaussian derivatives: the steerable basis, or any angles.

    Parameters
    ----------
    order : {1, 2}
        Derivative order along the direction ``u = x cos(theta) + y sin(theta)``.
    sigma : float
        Standard deviation, > 0 (isotropic Gaussian).
    angles : float, sequence of float or None
        Angles in radians (clockwise on screen, rows down, like
        ``kernels.gaussian_derivative``). ``None``: the basis angles
        ``j * pi / (order + 1)``.
    ksize : int or None
        Odd size; ``None``: SciPy's ``2 * int(4 sigma + 0.5) + 1``.

    Returns
    -------
    FilterBank
        One ``kernels.gaussian_derivative(ksize, sigma, dx=order, dy=0, theta=angle)``
        per angle, named ``steer{order}_s{sigma}_t{degrees}``.
        ``steering_weights(order, angles) @ steerable(order, sigma).kernels``
        (flattened) equals ``steerable(order, sigma, angles).kernels`` to rounding.

    Raises
    ------
    ParameterError
        ``order`` not 1 or 2, non-positive sigma, even ksize.

    Examples
    --------
    >>> steerable(2, 1.5).names
    ['steer2_s1.5_t000', 'steer2_s1.5_t060', 'steer2_s1.5_t120']
    """
    o = int_in_range("order", order, 1, 2)
    s = positive_float("sigma", sigma)
    th = _basis_angles(o) if angles is None else float_list("angles", angles, positive=False)
    k = scipy_size(s) if ksize is None else odd_int("ksize", ksize)
    specs = [{"family": "gaussian_derivative", "ksize": [k, k], "sigma": s, "dx": o, "dy": 0, "theta": t} for t in th]
    names = [f"steer{o}_s{num(s)}_t{deg(t)}" for t in th]
    return FilterBank.from_specs(specs, names=names)
