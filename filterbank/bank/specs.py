"""Kernel specs: the JSON dicts that regenerate a bank's kernels, their names, normalisation and the check.

A spec is ``{"family": name, **params}``:

* a family of the kernel registry (:func:`filterbank.kernels.get`), including the
  names written by filterbank 0.1 for the families that then lived in
  ``filterbank.banks`` (``"banks.vgg_oriented"``, ``"banks.random"``, ...), which
  the registry accepts as aliases;
* ``{"family": "custom", ...}`` for user kernels (data only, not regenerable);
* or one of two wrappers written by :class:`~filterbank.FilterBank`:

  - ``{"family": "normalized", "kind": kind, "ksize": [kh, kw], "spec": inner}``: the
    inner kernel fitted to ``ksize`` and normalised (:meth:`FilterBank.normalize`);
  - ``{"family": "cropped", "ksize": [kh, kw], "l1_lost": f, "spec": inner}``: the inner
    kernel centre-cropped to ``ksize`` (:meth:`FilterBank.resize` with ``crop=True``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .. import kernels as _kernels
from .._errors import ParameterError, UnknownNameError
from .._format import spec_value
from .._shape import center_fit
from .._validate import size_pair

__all__ = [
    "NORMALIZATIONS",
    "VERIFY_RTOL",
    "check_specs",
    "is_regenerable",
    "kernel_from_spec",
    "l1_lost",
    "normalized",
    "spec_name",
]

#: Normalisations accepted by :meth:`FilterBank.normalize`.
NORMALIZATIONS = ("sum", "l1", "l2", "zero_mean_l1")
#: Tolerance of the spec check: ``max |regenerated - stored| <= VERIFY_RTOL * max(max |stored|, 1e-300)``.
VERIFY_RTOL = 1e-9

_WRAPPERS = ("normalized", "cropped")


def spec_name(spec: Mapping[str, Any]) -> str:
    """A readable name for a spec: ``{"family": "sobel", "dx": 1, "dy": 0}`` -> ``"sobel_dx1_dy0"``.

    Wrappers (``normalized``, ``cropped``) are named after their inner spec; numbers are
    written by :func:`filterbank._format.spec_value`.

    Examples
    --------
    >>> spec_name({"family": "gabor", "ksize": [7, 9], "sigma": 2.0})
    'gabor_ksize7x9_sigma2'
    """
    if spec.get("family") in _WRAPPERS and isinstance(spec.get("spec"), Mapping):
        return spec_name(spec["spec"])
    parts = [str(spec.get("family", "kernel"))]
    parts += [f"{k}{spec_value(v)}" for k, v in spec.items() if k != "family"]
    return "_".join(parts)


def fit(k: np.ndarray, shape: Sequence[int], name: str, *, how: str = "centred in") -> np.ndarray:
    """Centre-pad or centre-crop a 2-D kernel to ``shape`` (:func:`filterbank._shape.center_fit`)."""
    return center_fit(k, tuple(shape), what=f"kernel {name!r}", how=how)


def l1_lost(k: np.ndarray, shape: tuple[int, int]) -> float:
    """Fraction of ``sum |k|`` outside the centred window ``shape`` (0 where it fits).

    Examples
    --------
    >>> round(l1_lost(np.ones((3, 3)), (1, 1)), 4)
    0.8889
    """
    total = float(np.abs(k).sum())
    if total == 0.0:
        return 0.0
    h = min(shape[0], k.shape[0])
    w = min(shape[1], k.shape[1])
    r0, c0 = (k.shape[0] - h) // 2, (k.shape[1] - w) // 2
    kept = float(np.abs(k[r0 : r0 + h, c0 : c0 + w]).sum())
    return max(0.0, (total - kept) / total)


def normalized(k: np.ndarray, kind: str, name: str) -> np.ndarray:
    """``k`` normalised by ``kind`` (one of :data:`NORMALIZATIONS`); ``name`` names the kernel in errors.

    Examples
    --------
    >>> normalized(np.array([[1.0, 3.0]]), "sum", "k").tolist()
    [[0.25, 0.75]]
    """
    scale = float(np.abs(k).sum())
    if kind == "sum":
        s = float(k.sum())
        if abs(s) <= 1e-12 * scale:
            raise ParameterError(
                f"`kind`='sum' needs every kernel to have a non-zero sum; kernel {name!r} sums to {s!r}"
            )
        return k / s
    if kind == "zero_mean_l1":
        k = k - k.mean()
        l1 = float(np.abs(k).sum())
        if l1 <= 1e-12 * scale:
            raise ParameterError(
                f"`kind`='zero_mean_l1' needs non-constant kernels; kernel {name!r} is constant (zero after "
                "removing its mean)"
            )
        return k / l1
    norm = scale if kind == "l1" else float(np.sqrt((k * k).sum()))
    if norm == 0.0:
        raise ParameterError(f"`kind`={kind!r} needs non-zero kernels; kernel {name!r} is all zeros")
    return k / norm


def check_normalization(kind: object) -> str:
    """``kind`` if it is one of :data:`NORMALIZATIONS`, else :class:`UnknownNameError` naming ``kind``."""
    if kind not in NORMALIZATIONS:
        raise UnknownNameError("kind", kind, NORMALIZATIONS)
    return str(kind)


def is_regenerable(spec: Mapping[str, Any]) -> bool:
    """Whether :func:`kernel_from_spec` knows the spec's family (wrappers: their inner spec's).

    Examples
    --------
    >>> is_regenerable({"family": "banks.kirsch", "direction": "n"}), is_regenerable({"family": "custom"})
    (True, False)
    """
    family = spec.get("family")
    if family in _WRAPPERS:
        inner = spec.get("spec")
        return isinstance(inner, Mapping) and is_regenerable(inner)
    return isinstance(family, str) and family in _kernels.REGISTRY


def _unwrap(spec: Mapping[str, Any], family: str, params: Mapping[str, Any]) -> np.ndarray:
    inner = params.get("spec")
    if not isinstance(inner, Mapping):
        raise ParameterError(f"a {family!r} spec must hold the inner spec under 'spec'; got {spec!r}")
    shape = size_pair("ksize", params.get("ksize"))
    k = fit(np.asarray(kernel_from_spec(inner), dtype=np.float64), shape, spec_name(inner))
    if family == "normalized":
        k = normalized(k, check_normalization(params.get("kind")), spec_name(inner))
    return k


def kernel_from_spec(spec: Mapping[str, Any]) -> np.ndarray:
    """Regenerate the kernel a spec describes (before centre-padding to a bank's size).

    Parameters
    ----------
    spec : mapping
        ``{"family": name, **params}``: a family of the kernel registry
        (:func:`filterbank.kernels.get`; the 0.1 names ``"banks.<name>"`` included),
        or a ``"normalized"`` / ``"cropped"`` wrapper (see the module docstring).

    Returns
    -------
    numpy.ndarray
        float64 kernel, correlation orientation.

    Raises
    ------
    ParameterError
        If the spec has no ``family``.
    UnknownNameError
        If the family is unknown (``"custom"`` kernels cannot be regenerated).

    Examples
    --------
    >>> kernel_from_spec({"family": "box", "ksize": 2}).tolist()
    [[0.25, 0.25], [0.25, 0.25]]
    >>> kernel_from_spec({"family": "normalized", "kind": "l1", "ksize": [1, 3], "spec": {"family": "box", "ksize": 1}})
    array([[0., 1., 0.]])
    """
    if not isinstance(spec, Mapping) or "family" not in spec:
        raise ParameterError(f"each spec must have a 'family' key; got {spec!r}")
    family = spec["family"]
    params = {k: v for k, v in spec.items() if k != "family"}
    if family in _WRAPPERS:
        return _unwrap(spec, family, params)
    return _kernels.get(family, **params)


def _regenerated(i: int, name: str, spec: Mapping[str, Any], shape: tuple[int, int]) -> np.ndarray:
    try:
        return fit(np.asarray(kernel_from_spec(spec), dtype=np.float64), shape, name)
    except (ValueError, TypeError) as exc:
        raise ParameterError(f"spec {i} ({name!r}) does not regenerate its kernel: {exc}") from None


def check_specs(
    kernels: np.ndarray, names: Sequence[str], specs: Sequence[Mapping[str, Any]], *, rtol: float = VERIFY_RTOL
) -> None:
    """Check that every regenerable spec reproduces its kernel (see :meth:`FilterBank.verify`).

    Each regenerable spec is regenerated, centre-padded to the kernels' size and
    compared: ``max |regenerated - stored|`` must be ``<= rtol * max |stored|``.

    Raises
    ------
    ParameterError
        A spec does not regenerate, or regenerates another kernel (the message
        names the kernel, its index and the difference).

    Examples
    --------
    >>> check_specs(np.ones((1, 1, 1)), ["one"], [{"family": "box", "ksize": 1}])
    """
    shape = (int(kernels.shape[1]), int(kernels.shape[2]))
    for i, (k, name, spec) in enumerate(zip(kernels, names, specs, strict=True)):
        if not is_regenerable(spec):
            continue
        regen = _regenerated(i, name, spec, shape)
        scale = max(float(np.abs(k).max()), 1e-300)
        diff = float(np.abs(regen - k).max())
        if not diff <= rtol * scale:
            raise ParameterError(
                f"spec {i} ({name!r}) does not match its kernel: max |regenerated - stored| = {diff:.3g}, "
                f"allowed {rtol:g} * {scale:.3g}; spec {spec!r}"
            )
