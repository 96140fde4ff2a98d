"""Number and name formatting, once, for every name and label the package writes.

Kernel names (``gabor_s4_t045_p0``, ``sobel_dx1_dy0``), spec names and the labels of
pictures all format their numbers here, so that one kernel is named the same way
wherever it is named:

- :func:`num`: a number as ``"{v:g}"`` (6 significant digits, no trailing zeros);
- :func:`deg`: an angle in radians as zero-padded degrees (``045``, ``022.5``, ``m030``);
- :func:`spec_value`: a spec parameter (numbers, sequences joined by ``x``);
- :func:`gabor_name`: the one name of an OpenCV Gabor kernel;
- :func:`sci`: a magnitude (an error) in scientific notation, ``0`` for zero.
"""

from __future__ import annotations

import math
from typing import Any

__all__ = ["deg", "gabor_name", "num", "sci", "spec_value"]


def num(v: float, digits: int = 6) -> str:
    """A number with ``digits`` significant digits and no trailing zeros (``format(v, "g")``).

    Examples
    --------
    >>> num(2.0), num(0.5), num(1.4142135623730951), num(1.4142135623730951, 4)
    ('2', '0.5', '1.41421', '1.414')
    """
    return f"{v:.{digits}g}"


def deg(angle: float) -> str:
    """An angle in radians as degrees for names: 45 -> ``'045'``, 22.5 -> ``'022.5'``, -30 -> ``'m030'``.

    Whole degrees are zero-padded to three digits; others keep up to four decimals
    (trailing zeros dropped); a negative angle is prefixed with ``m`` (names avoid ``-``).

    Examples
    --------
    >>> deg(math.pi / 4), deg(math.pi / 8), deg(-math.pi / 6), deg(0.0)
    ('045', '022.5', 'm030', '000')
    """
    d = math.degrees(angle)
    sign = "m" if d < -1e-9 else ""
    d = abs(d)
    if abs(d - round(d)) < 1e-9:
        return f"{sign}{round(d):03d}"
    return sign + f"{d:08.4f}".rstrip("0")


def spec_value(v: Any) -> str:
    """A spec parameter for a name: floats with :func:`num`, sequences joined by ``x``, others with ``str``.

    Examples
    --------
    >>> spec_value(2.0), spec_value([3, 5]), spec_value((1.5, 2)), spec_value("l1")
    ('2', '3x5', '1.5x2', 'l1')
    """
    if isinstance(v, float):
        return num(v)
    if isinstance(v, (tuple, list)):
        return "x".join(spec_value(x) for x in v)
    return str(v)


def gabor_name(
    sigma: float, theta: float, psi: float, *, lambd: float | None = None, gamma: float | None = None
) -> str:
    """The name of an OpenCV Gabor kernel (:func:`filterbank.kernels.gabor`): ``gabor_s{sigma}_t{theta}[...]_p{psi}``.

    Parameters
    ----------
    sigma : float
        Envelope standard deviation, written with :func:`num`.
    theta : float
        Orientation in radians, written in degrees with :func:`deg` (``t045``).
    psi : float
        Phase in radians, written in degrees with :func:`num` after rounding to 6 decimals (``p90``).
    lambd, gamma : float, optional
        Wavelength and aspect ratio, written (``_l{lambd}``, ``_g{gamma}``, with :func:`num`)
        only when given: a bank whose wavelength and aspect follow from sigma leaves them out.

    Returns
    -------
    str

    Examples
    --------
    >>> gabor_name(4.0, math.pi / 4, 0.0)
    'gabor_s4_t045_p0'
    >>> gabor_name(2.0, 0.0, math.pi / 2, lambd=4.0, gamma=1.0)
    'gabor_s2_t000_l4_g1_p90'
    """
    parts = [f"gabor_s{num(sigma)}", f"t{deg(theta)}"]
    if lambd is not None:
        parts.append(f"l{num(lambd)}")
    if gamma is not None:
        parts.append(f"g{num(gamma)}")
    parts.append(f"p{num(round(math.degrees(psi), 6))}")
    return "_".join(parts)


def sci(v: float, digits: int = 2) -> str:
    """A magnitude in scientific notation with ``digits`` decimals; exactly zero is ``'0'``.

    Examples
    --------
    >>> sci(3.4e-06), sci(0.0), sci(4.8e-07, 1)
    ('3.40e-06', '0', '4.8e-07')
    """
    return "0" if v == 0 else f"{v:.{digits}e}"
