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

import inspect
import math
import numbers
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from .. import kernels as _kernels
from .._errors import ParameterError, UnknownNameError
from .._format import spec_value
from .._shape import center_fit
from .._validate import as_float, int_in_range, positive_float, size_pair
from ..kernels.nd import nd_shape

__all__ = [
    "MAX_SPEC_TAPS",
    "NORMALIZATIONS",
    "VERIFY_RTOL",
    "check_specs",
    "is_regenerable",
    "kernel_from_spec",
    "l1_lost",
    "normalized",
    "spec_name",
    "spec_shape",
]

#: Normalisations accepted by :meth:`FilterBank.normalize`.
NORMALIZATIONS = ("sum", "l1", "l2", "zero_mean_l1")
#: Tolerance of the spec check: ``max |regenerated - stored| <= VERIFY_RTOL * max(max |stored|, 1e-300)``.
VERIFY_RTOL = 1e-9

_WRAPPERS = ("normalized", "cropped")

#: Most taps one spec may make its generator compute: the kernel, or for ``random_kernel`` the
#: whole stack it is drawn from (2**24 taps, 128 MiB of float64).
MAX_SPEC_TAPS = 1 << 24
#: A family without a size rule below is regenerated only if no number in its parameters exceeds this.
_UNRULED_MAX_PARAM = 1024


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


# ----------------------------------------------------------------------------- sizes before generating
# What each family's generator would allocate, computed from its parameters alone (the same rules
# as the generators; tests/bank/test_specs.py checks them against generation for every family).
def _radius_size(ksize: Any, sigma: float) -> tuple[int, int]:
    """SciPy's radius ``int(4 * sigma + 0.5)`` when ``ksize`` is None, else the odd ``ksize``."""
    if ksize is None:
        r = int(4.0 * sigma + 0.5)
        return 2 * r + 1, 2 * r + 1
    return size_pair("ksize", ksize, odd=True)


def _gaussian_shape(a: Mapping[str, Any]) -> tuple[int, ...]:
    if a["ksize"] is not None:
        return size_pair("ksize", a["ksize"])
    sx = positive_float("sigma", a["sigma"])
    sy = sx if a["sigma_y"] in (None, 0) else positive_float("sigma_y", a["sigma_y"])
    return round(sy * 8 + 1) | 1, round(sx * 8 + 1) | 1


def _gabor_shape(a: Mapping[str, Any]) -> tuple[int, ...]:
    if a["ksize"] is not None:
        return size_pair("ksize", a["ksize"], odd=True)
    sx = positive_float("sigma", a["sigma"])
    sy = sx / positive_float("gamma", a["gamma"])
    c, s = math.cos(as_float("theta", a["theta"])), math.sin(as_float("theta", a["theta"]))
    xmax = round(max(abs(3 * sx * c), abs(3 * sy * s)))
    ymax = round(max(abs(3 * sx * s), abs(3 * sy * c)))
    return 2 * ymax + 1, 2 * xmax + 1


def _derivative_shape(a: Mapping[str, Any]) -> tuple[int, ...]:
    su = positive_float("sigma", a["sigma"])
    sv = su if a["sigma_y"] is None else positive_float("sigma_y", a["sigma_y"])
    return _radius_size(a["ksize"], max(su, sv))


def _dog_shape(a: Mapping[str, Any]) -> tuple[int, ...]:
    hi = max(positive_float("sigma_low", a["sigma_low"]), positive_float("sigma_high", a["sigma_high"]))
    return _radius_size(a["ksize"], hi)


def _disk_shape(a: Mapping[str, Any]) -> tuple[int, ...]:
    n = 2 * math.ceil(positive_float("radius", a["radius"]) - 0.5) + 1
    return n, n


def _motion_shape(a: Mapping[str, Any]) -> tuple[int, ...]:
    # fspecial('motion'): a quarter grid of (sy + 1, |sx| + 1) taps mirrored to (2 sy + 1, 2 |sx| + 1).
    ln = max(1.0, positive_float("length", a["length"]))
    phi = math.fmod(as_float("angle", a["angle"]), 180.0)
    phi = (phi + 180.0 if phi < 0 else phi) / 180.0 * math.pi
    half, eps = (ln - 1) / 2, np.finfo(np.float64).eps
    xsign = float(np.sign(math.cos(phi)))
    sx = math.trunc(half * math.cos(phi) + xsign - ln * eps)
    sy = math.trunc(half * math.sin(phi) + 1.0 - ln * eps)
    return 2 * sy + 1, 2 * abs(sx) + 1


def _square(name: str) -> Callable[[Mapping[str, Any]], tuple[int, ...]]:
    return lambda a: (int_in_range(name, a[name], 1),) * 2


def _ksize(a: Mapping[str, Any]) -> tuple[int, ...]:
    return size_pair("ksize", a["ksize"])


def _nd(family: str) -> Callable[[Mapping[str, Any]], tuple[int, ...]]:
    """The size rule of an N-D family (:func:`filterbank.kernels.nd.nd_shape`)."""
    return lambda a: nd_shape(family, a)


def _random_stack(a: Mapping[str, Any]) -> int:
    """Taps of the whole stack a random kernel is drawn from."""
    return int_in_range("n", a["n"], 1) * math.prod(size_pair("ksize", a["ksize"]))


#: Size rule of every family whose size follows from its parameters (the others are at most 31 x 31:
#: their kernels are generated to learn their size).
_SHAPES: dict[str, Callable[[Mapping[str, Any]], tuple[int, ...]]] = {
    "average": _ksize,
    "box": _ksize,
    "dct": _ksize,
    "disk": _disk_shape,
    "dog": _dog_shape,
    "fspecial_log": _ksize,
    "gabor": _gabor_shape,
    "gaussian": _gaussian_shape,
    "gaussian_1d": lambda a: (int_in_range("ksize", a["ksize"], 1),),
    "gaussian_derivative": _derivative_shape,
    "log": lambda a: _radius_size(a["ksize"], positive_float("sigma", a["sigma"])),
    "motion": _motion_shape,
    "random_kernel": _ksize,
    "schmid": _square("size"),
    "vgg_gaussian": _square("size"),
    "vgg_log": _square("size"),
    "vgg_oriented": _square("size"),
    **{f: _nd(f) for f in ("box_nd", "gabor3d", "gaussian_nd", "log_nd", "prewitt_nd", "sobel_nd")},
}
#: Families of bounded size (at most 31 x 31 whatever the parameters).
_SMALL = ("fspecial_laplacian", "kirsch", "laplacian", "laws", "prewitt", "scharr", "sobel", "unsharp")
#: Taps generated beyond the kernel's own (random kernels draw their whole stack).
_EXTRA_COST: dict[str, Callable[[Mapping[str, Any]], int]] = {"random_kernel": _random_stack}


def _numbers(obj: Any) -> list[float]:
    if isinstance(obj, bool):
        return []
    if isinstance(obj, numbers.Real):
        return [abs(float(obj))]
    if isinstance(obj, (list, tuple)):
        return [v for item in obj for v in _numbers(item)]
    return []


def _family_shape(family: str, params: Mapping[str, Any]) -> tuple[tuple[int, ...], int]:
    """(shape, taps to compute) of a registry family's kernel, without generating a large one."""
    canon = _kernels.REGISTRY.canonical(family)
    func = _kernels.REGISTRY.lookup(canon)
    try:
        bound = inspect.signature(func).bind(**params)
    except TypeError as exc:
        raise ParameterError(
            f"the parameters of family {family!r} do not fit {canon}{inspect.signature(func)}: {exc}"
        ) from None
    bound.apply_defaults()
    args = bound.arguments
    if canon in _SHAPES:
        shape = tuple(int(v) for v in _SHAPES[canon](args))
        extra = _EXTRA_COST.get(canon)
        return shape, extra(args) if extra is not None else math.prod(shape)
    too_big = [v for v in _numbers(list(args.values())) if v > _UNRULED_MAX_PARAM]
    if canon not in _SMALL and too_big:
        raise ParameterError(
            f"family {family!r} has no size rule, and is generated from a spec only with parameters up to "
            f"{_UNRULED_MAX_PARAM}; got {max(too_big):g}"
        )
    shape = tuple(np.shape(func(**args)))
    return shape, math.prod(shape)


def spec_shape(spec: Mapping[str, Any]) -> tuple[int, ...]:
    """The shape of the kernel a spec regenerates, found without generating a large kernel.

    Every family's size follows from its parameters (``ksize``, ``size``, ``radius``,
    ``length``, or ``sigma`` where ``ksize`` is None); wrappers have their ``ksize``.
    The work regeneration would do is bounded first: a spec that would compute more than
    :data:`MAX_SPEC_TAPS` taps (its kernel, an inner spec, or a random kernel's stack) is
    refused.

    Raises
    ------
    ParameterError
        The spec has no family, bad parameters, or asks for more than :data:`MAX_SPEC_TAPS` taps.
    UnknownNameError
        The family is unknown.

    Examples
    --------
    >>> spec_shape({"family": "gabor", "ksize": (7, 9), "sigma": 2.0, "theta": 0.0, "lambd": 4.0})
    (7, 9)
    >>> spec_shape({"family": "gaussian", "ksize": 60001})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    filterbank._errors.ParameterError: spec {...} asks for a (60001, 60001) kernel (3600120001 taps); at most ...
    """
    if not isinstance(spec, Mapping) or "family" not in spec:
        raise ParameterError(f"each spec must have a 'family' key; got {spec!r}")
    family = spec["family"]
    params = {k: v for k, v in spec.items() if k != "family"}
    if family in _WRAPPERS:
        inner = params.get("spec")
        if not isinstance(inner, Mapping):
            raise ParameterError(f"a {family!r} spec must hold the inner spec under 'spec'; got {spec!r}")
        spec_shape(inner)
        shape = _wrapper_shape(params.get("ksize"))
        cost = math.prod(shape)
    else:
        shape, cost = _family_shape(family, params)
    if cost > MAX_SPEC_TAPS:
        what = f"a {shape} kernel" if cost == math.prod(shape) else f"{cost} taps of work for a {shape} kernel"
        raise ParameterError(
            f"spec {dict(spec)!r} asks for {what} ({cost} taps); at most {MAX_SPEC_TAPS} (MAX_SPEC_TAPS) are "
            "generated from a spec"
        )
    return shape


def _wrapper_shape(ksize: object) -> tuple[int, ...]:
    """A wrapper's size: (height, width) for 2-D banks, one size per axis for 1-D and 3-D banks."""
    if isinstance(ksize, (list, tuple)) and len(ksize) in (1, 3):
        return tuple(size_pair("ksize", (v, v))[0] for v in ksize)
    return tuple(size_pair("ksize", ksize))


def _unwrap(spec: Mapping[str, Any], family: str, params: Mapping[str, Any]) -> np.ndarray:
    inner = params.get("spec")
    if not isinstance(inner, Mapping):
        raise ParameterError(f"a {family!r} spec must hold the inner spec under 'spec'; got {spec!r}")
    shape = _wrapper_shape(params.get("ksize"))
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
    spec_shape(spec)  # refuses a spec that would compute more than MAX_SPEC_TAPS taps, before it does
    family = spec["family"]
    params = {k: v for k, v in spec.items() if k != "family"}
    if family in _WRAPPERS:
        return _unwrap(spec, family, params)
    return _kernels.get(family, **params)


def _regenerated(i: int, name: str, spec: Mapping[str, Any], shape: tuple[int, ...]) -> np.ndarray:
    """Spec ``i`` regenerated at its own size and centre-padded to ``shape`` (never cropped).

    Its size is checked before anything is generated: larger than ``shape``, or an odd
    difference, means the spec does not make the stored kernel.
    """
    try:
        want = spec_shape(spec)
    except (ValueError, TypeError) as exc:
        raise ParameterError(f"spec {i} ({name!r}) does not regenerate its kernel: {exc}") from None
    fits = len(want) == len(shape) and all(w <= s and (s - w) % 2 == 0 for w, s in zip(want, shape, strict=True))
    if not fits:
        raise ParameterError(
            f"spec {i} ({name!r}) regenerates a {want} kernel, which does not fit the bank's {tuple(shape)} "
            "(centre-padding only; a kernel cut from a larger one has a 'cropped' spec): not its kernel; "
            f"spec {dict(spec)!r}"
        )
    try:
        k = np.asarray(kernel_from_spec(spec), dtype=np.float64)
    except (ValueError, TypeError) as exc:
        raise ParameterError(f"spec {i} ({name!r}) does not regenerate its kernel: {exc}") from None
    if k.shape != want:  # the size rule and the generator disagree: a bug, never a crop
        raise ParameterError(f"spec {i} ({name!r}) regenerated a {k.shape} kernel where {want} was expected")
    return fit(k, shape, name)


def check_specs(
    kernels: np.ndarray, names: Sequence[str], specs: Sequence[Mapping[str, Any]], *, rtol: float = VERIFY_RTOL
) -> None:
    """Check that every regenerable spec reproduces its kernel (see :meth:`FilterBank.verify`).

    Each regenerable spec is regenerated at its own size, centre-padded (never
    cropped) to the kernels' size and compared: ``max |regenerated - stored|`` must
    be ``<= rtol * max |stored|``. The size is checked before anything is generated
    (:func:`spec_shape`): a spec whose kernel would be larger than the stored one,
    or would cost more than :data:`MAX_SPEC_TAPS` taps, is refused without generating it.

    Raises
    ------
    ParameterError
        A spec does not regenerate, or regenerates another kernel (the message
        names the kernel, its index and the difference).

    Examples
    --------
    >>> check_specs(np.ones((1, 1, 1)), ["one"], [{"family": "box", "ksize": 1}])
    """
    shape = tuple(int(v) for v in kernels.shape[1:])
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
