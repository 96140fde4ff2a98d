"""Argument parsing and assembly shared by the bank constructors."""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np

from .._errors import DTypeError, ParameterError, ShapeError
from .._validate import as_float, positive_float
from ..bank import FilterBank

__all__ = ["angles", "bank_of", "float_list", "scipy_size"]


def float_list(name: str, value: object, *, positive: bool = True) -> list[float]:
    """A non-empty list of floats (> 0 when ``positive``) from a number or a sequence."""
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        items: list[Any] = [value]
    elif isinstance(value, (Sequence, np.ndarray)) and not isinstance(value, str):
        items = list(np.asarray(value, dtype=object).ravel()) if isinstance(value, np.ndarray) else list(value)
    else:
        raise DTypeError(f"`{name}` must be a number or a sequence of numbers; got {value!r}")
    if not items:
        raise ShapeError(f"`{name}` must hold at least one value; got an empty sequence")
    out = []
    for i, v in enumerate(items):
        label = f"{name}[{i}]" if len(items) > 1 or not isinstance(value, numbers.Real) else name
        out.append(positive_float(label, v) if positive else as_float(label, v))
    return out


def angles(name: str, value: object) -> list[float]:
    """``value`` orientations: an int n >= 1 gives ``k * pi / n``; a sequence gives those angles (radians)."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        n = int(value)
        if n < 1:
            raise ParameterError(f"`{name}` must be >= 1 (a count) or a sequence of angles; got {n}")
        return [math.pi * k / n for k in range(n)]
    if isinstance(value, (Sequence, np.ndarray)) and not isinstance(value, str):
        return float_list(name, value, positive=False)
    raise DTypeError(f"`{name}` must be an int (a count) or a sequence of angles in radians; got {value!r}")


def scipy_size(sigma: float) -> int:
    """SciPy's Gaussian support ``2 * int(4 sigma + 0.5) + 1`` (``truncate=4``)."""
    return 2 * int(4.0 * sigma + 0.5) + 1


def bank_of(items: list[tuple[str, dict[str, Any]]]) -> FilterBank:
    """A bank from ``(name, spec)`` pairs, generated through the kernel registry."""
    return FilterBank.from_specs([s for _, s in items], names=[n for n, _ in items])
