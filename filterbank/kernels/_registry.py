"""Name-based access to every kernel family: ``get(name, **params)``, ``names()``, ``signature()``."""

from __future__ import annotations

import fnmatch
import inspect
from collections.abc import Callable

import numpy as np

from .._errors import DTypeError, UnknownNameError
from .basic import box
from .derivative import laplacian, prewitt, scharr, sobel
from .fspecial import average, disk, fspecial_laplacian, fspecial_log, motion, unsharp
from .gabor import gabor
from .gaussian import dog, gaussian, gaussian_1d, gaussian_derivative, log
from .nd import box_nd, gabor3d, gaussian_nd, log_nd, prewitt_nd, sobel_nd

__all__ = ["get", "names", "signature"]

_FAMILIES: dict[str, Callable[..., np.ndarray]] = {
    "average": average,
    "box": box,
    "box_nd": box_nd,
    "gabor3d": gabor3d,
    "gaussian_nd": gaussian_nd,
    "log_nd": log_nd,
    "prewitt_nd": prewitt_nd,
    "sobel_nd": sobel_nd,
    "disk": disk,
    "dog": dog,
    "fspecial_laplacian": fspecial_laplacian,
    "fspecial_log": fspecial_log,
    "gabor": gabor,
    "gaussian": gaussian,
    "gaussian_1d": gaussian_1d,
    "gaussian_derivative": gaussian_derivative,
    "laplacian": laplacian,
    "log": log,
    "motion": motion,
    "prewitt": prewitt,
    "scharr": scharr,
    "sobel": sobel,
    "unsharp": unsharp,
}


def _lookup(name: object) -> Callable[..., np.ndarray]:
    if not isinstance(name, str):
        raise DTypeError(f"`name` must be a str; got {name!r} ({type(name).__name__})")
    try:
        return _FAMILIES[name]
    except KeyError:
        raise UnknownNameError("name", name, _FAMILIES) from None


def names(pattern: str | None = None) -> list[str]:
    """Sorted names of the kernel families, optionally filtered by a shell-style pattern.

    Parameters
    ----------
    pattern : str or None, optional
        An :mod:`fnmatch` pattern such as ``"gauss*"``; ``None`` lists every name.

    Returns
    -------
    list of str
        Matching family names, sorted.

    Examples
    --------
    >>> names("gauss*")
    ['gaussian', 'gaussian_1d', 'gaussian_derivative', 'gaussian_nd']
    """
    if pattern is not None and not isinstance(pattern, str):
        raise DTypeError(f"`pattern` must be a str or None; got {pattern!r} ({type(pattern).__name__})")
    found = sorted(_FAMILIES)
    if pattern is None:
        return found
    return [n for n in found if fnmatch.fnmatchcase(n, pattern)]


def signature(name: str) -> inspect.Signature:
    """The call signature of the generator registered as ``name``.

    Parameters
    ----------
    name : str
        A family name from :func:`names`.

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
    return inspect.signature(_lookup(name))


def get(name: str, **params: object) -> np.ndarray:
    """Generate the kernel of family ``name`` with keyword parameters ``params``.

    Parameters
    ----------
    name : str
        A family name from :func:`names`, e.g. ``"sobel"`` or ``"gabor"``.
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
    """
    func = _lookup(name)
    sig = inspect.signature(func)
    accepted = list(sig.parameters)
    unknown = [k for k in params if k not in sig.parameters]
    if unknown:
        raise DTypeError(
            f"kernel family {name!r} got an unexpected keyword `{unknown[0]}`; it accepts {', '.join(accepted)}"
        )
    try:
        sig.bind(**params)
    except TypeError as exc:
        missing = [
            p.name for p in sig.parameters.values() if p.default is inspect.Parameter.empty and p.name not in params
        ]
        what = f"is missing the keyword `{missing[0]}`" if missing else f"cannot take these parameters ({exc})"
        raise DTypeError(f"kernel family {name!r} {what}; it accepts {', '.join(accepted)}") from None
    return func(**params)
