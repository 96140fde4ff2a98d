"""Small argument checks shared by every module; each raises a filterbank error."""

from __future__ import annotations

import math
import numbers

import numpy as np

from ._errors import DTypeError, ParameterError, ShapeError


def as_int(name: str, value: object) -> int:
    """Return ``value`` as a Python int; refuse bools, floats and anything else."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise DTypeError(f"`{name}` must be an integer; got {value!r} ({type(value).__name__})")
    return int(value)


def as_float(name: str, value: object) -> float:
    """Return ``value`` as a finite Python float."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise DTypeError(f"`{name}` must be a real number; got {value!r} ({type(value).__name__})")
    out = float(value)
    if not math.isfinite(out):
        raise ParameterError(f"`{name}` must be finite; got {out!r}")
    return out


def positive_float(name: str, value: object) -> float:
    """Return ``value`` as a float that is > 0."""
    out = as_float(name, value)
    if out <= 0:
        raise ParameterError(f"`{name}` must be > 0; got {out!r}")
    return out


def int_in_range(name: str, value: object, lo: int, hi: int | None = None) -> int:
    """Return ``value`` as an int with ``lo <= value`` (and ``value <= hi`` if given)."""
    out = as_int(name, value)
    if out < lo or (hi is not None and out > hi):
        rule = f">= {lo}" if hi is None else f"in [{lo}, {hi}]"
        raise ParameterError(f"`{name}` must be {rule}; got {out}")
    return out


def size_pair(name: str, value: object, *, odd: bool = False, minimum: int = 1) -> tuple[int, int]:
    """Parse a kernel size given as an int or a (height, width) pair."""
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ShapeError(f"`{name}` must be an int or a (height, width) pair; got {value!r}")
        h, w = value
    else:
        h = w = value
    pair = (as_int(name, h), as_int(name, w))
    for v in pair:
        if v < minimum:
            raise ParameterError(f"`{name}` must be >= {minimum} on each axis; got {value!r}")
        if odd and v % 2 == 0:
            raise ParameterError(f"`{name}` must be odd on each axis; got {value!r}")
    return pair


def finite_kernel(name: str, kernel: np.ndarray) -> np.ndarray:
    """Refuse NaN or infinite taps in a numpy kernel."""
    if not np.all(np.isfinite(kernel)):
        bad = tuple(int(i) for i in np.argwhere(~np.isfinite(kernel))[0])
        raise ParameterError(f"`{name}` must contain only finite values; got {float(kernel[bad])!r} at index {bad}")
    return kernel
