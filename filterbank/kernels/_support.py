"""Small argument checks shared by the kernel families and the banks built on them."""

from __future__ import annotations

from .._errors import ParameterError
from .._validate import int_in_range

__all__ = ["odd_int"]


def odd_int(name: str, value: object) -> int:
    """An odd int >= 1 (one side of a square kernel), else :class:`ParameterError` naming ``name``.

    Examples
    --------
    >>> odd_int("size", 49)
    49
    >>> odd_int("size", 4)
    Traceback (most recent call last):
    ...
    filterbank._errors.ParameterError: `size` must be odd; got 4
    """
    n = int_in_range(name, value, 1)
    if n % 2 == 0:
        raise ParameterError(f"`{name}` must be odd; got {n}")
    return n
