"""Compare learned filters with fixed ones: drift, catalog matches, Gabor fits, bank similarity.

Every function accepts a :class:`~filterbank.FilterBank`, a numpy array or a
torch tensor (any dtype, any device; converted once to float64 numpy):

* ``(kh, kw)``: one kernel;
* ``(N, kh, kw)``: ``N`` kernels;
* ``(N, C, kh, kw)``: an ``nn.Conv2d`` weight, ``N`` output channels.

Measures on whole filters (:func:`drift`, :func:`bank_similarity`) flatten a
multi-input-channel weight per output channel: filter ``n`` is the vector
``weight[n].ravel()`` of length ``C * kh * kw``, so its cosine and norm count
every input channel. Measures against 2-D catalog kernels
(:func:`nearest_catalog`, :func:`fit_gabor`, :func:`comparison_figure`) need
one input channel; reduce a ``C > 1`` weight first, for example with
``weight.mean(1)`` (the luminance response of an RGB filter) or
``weight.reshape(-1, kh, kw)`` (every input channel as its own filter).

Similarity conventions:

* :func:`drift` and :func:`bank_similarity` use the plain cosine of the raw
  weights (the DC component counts, a blur and its negation are opposite);
  :func:`bank_similarity` can remove each filter's mean with ``zero_mean=True``.
* :func:`nearest_catalog` and :func:`fit_gabor` compare shapes: each kernel's
  mean is removed and the rest scaled to unit norm, and the match is up to
  sign. A learned filter then matches a catalog kernel whatever its gain and
  DC offset; the squared score is the ``R^2`` of the best fit
  ``a * catalog + b`` to the learned kernel.

Examples
--------
>>> from filterbank import kernels
>>> d = drift(kernels.sobel(1, 0), 2 * kernels.sobel(1, 0))
>>> float(d.cosine[0]), float(d.relative_change[0])
(1.0, 1.0)
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import torch

from . import kernels as _kernels
from ._errors import DTypeError, ParameterError, ShapeError
from ._validate import as_float, finite_kernel, int_in_range, positive_float, size_pair
from .bank import FilterBank

if TYPE_CHECKING:  # pragma: no cover
    from PIL import Image

__all__ = [
    "BankMatch",
    "CatalogMatch",
    "Drift",
    "GaborFit",
    "bank_similarity",
    "comparison_figure",
    "default_dictionary",
    "drift",
    "fit_gabor",
    "gabor_dictionary",
    "gaussian_jet_dictionary",
    "nearest_catalog",
]


# ------------------------------------------------------------------------------------ inputs
def _as_stack(name: str, obj: Any) -> tuple[np.ndarray, list[str]]:
    """Return ``(weights (N, C, kh, kw) float64, names)`` from a bank, array or tensor."""
    if isinstance(obj, FilterBank):
        return obj.kernels[:, None].astype(np.float64), obj.names
    if isinstance(obj, torch.Tensor):
        if obj.is_complex() or obj.dtype == torch.bool:
            raise DTypeError(f"`{name}` must be a real tensor; got dtype {obj.dtype}")
        arr = obj.detach().to("cpu", torch.float64).numpy()
    else:
        try:
            arr = np.asarray(obj)
        except (TypeError, ValueError) as exc:
            raise DTypeError(f"`{name}` must be a FilterBank, numpy array or torch tensor; got {obj!r}") from exc
        if arr.dtype.kind not in "fiu":
            raise DTypeError(
                f"`{name}` must be a FilterBank, real numpy array or torch tensor; got {type(obj).__name__} "
                f"of dtype {arr.dtype}"
            )
        arr = arr.astype(np.float64)
    if arr.ndim == 2:
        arr = arr[None, None]
    elif arr.ndim == 3:
        arr = arr[:, None]
    if arr.ndim != 4 or arr.size == 0:
        raise ShapeError(
            f"`{name}` must be (kh, kw), (N, kh, kw) or (N, C, kh, kw) and non-empty; got shape {tuple(arr.shape)}"
        )
    finite_kernel(name, arr)
    return arr, [f"k{i}" for i in range(arr.shape[0])]


def _as_kernels(name: str, obj: Any) -> tuple[np.ndarray, list[str]]:
    """Return ``(kernels (N, kh, kw), names)``; refuse more than one input channel."""
    arr, names = _as_stack(name, obj)
    if arr.shape[1] != 1:
        n, c, kh, kw = arr.shape
        raise ShapeError(
            f"`{name}` must have one input channel to be compared with 2-D catalog kernels; got shape "
            f"{(n, c, kh, kw)}. Reduce it first, e.g. weight.mean(1) or weight.reshape(-1, {kh}, {kw})"
        )
    return arr[:, 0], names


def _unit_rows(vectors: np.ndarray, zero_mean: bool) -> np.ndarray:
    """Rows scaled to unit norm (after removing each row's mean if asked); zero rows stay zero."""
    v = vectors - vectors.mean(axis=1, keepdims=True) if zero_mean else vectors.copy()
    norms = np.linalg.norm(v, axis=1, keepdims=True)
    scale = np.max(np.abs(vectors), axis=1, keepdims=True)
    # A row whose spread is at rounding level (a constant kernel after mean removal) counts as zero.
    flat = norms <= 1e-12 * np.maximum(scale, 1e-300) * math.sqrt(v.shape[1])
    out = np.divide(v, norms, out=np.zeros_like(v), where=~flat & (norms > 0))
    return out


# ------------------------------------------------------------------------------------ drift
@dataclass(frozen=True)
class Drift:
    """How far each learned filter moved from its initial value (see :func:`drift`).

    Attributes
    ----------
    names : list of str
        One name per filter (the initial bank's names, or ``k0, k1, ...``).
    cosine : numpy.ndarray
        ``(N,)`` cosine similarity between initial and learned filter, in [-1, 1];
        NaN where either filter is all zero.
    relative_change : numpy.ndarray
        ``(N,)`` ``||learned - initial|| / ||initial||``; NaN where ``initial`` is all zero.
    initial_norm, learned_norm : numpy.ndarray
        ``(N,)`` L2 norms of the flattened filters.
    """

    names: list[str]
    cosine: np.ndarray
    relative_change: np.ndarray
    initial_norm: np.ndarray
    learned_norm: np.ndarray

    def __len__(self) -> int:
        return len(self.names)

    def as_dict(self) -> dict[str, Any]:
        """Plain-Python lists, keyed by field name (JSON-serialisable; NaN stays ``float('nan')``).

        Examples
        --------
        >>> import numpy as np
        >>> drift(np.eye(3), np.eye(3)).as_dict()["cosine"]
        [1.0]
        """
        return {
            "names": list(self.names),
            "cosine": [float(x) for x in self.cosine],
            "relative_change": [float(x) for x in self.relative_change],
            "initial_norm": [float(x) for x in self.initial_norm],
            "learned_norm": [float(x) for x in self.learned_norm],
        }


def drift(initial: Any, learned: Any) -> Drift:
    """Per-filter cosine similarity and relative L2 change between initial and learned filters.

    Parameters
    ----------
    initial, learned : FilterBank, numpy.ndarray or torch.Tensor
        The same shape: ``(kh, kw)``, ``(N, kh, kw)`` or ``(N, C, kh, kw)``
        (a ``FilterBank`` counts as ``(N, 1, kh, kw)``). A weight with ``C > 1``
        input channels is flattened per output channel: filter ``n`` is
        ``w[n].ravel()``, all ``C * kh * kw`` taps together.

    Returns
    -------
    Drift
        ``cosine = <i, l> / (||i|| ||l||)`` (NaN if a norm is 0) and
        ``relative_change = ||l - i|| / ||i||`` (NaN if ``||i|| = 0``), one per
        filter, with the norms. Names come from ``initial`` if it is a bank, else
        from ``learned`` if that is one, else ``k0, k1, ...``.

    Raises
    ------
    ShapeError
        If the shapes differ (after reading a bank as ``(N, 1, kh, kw)``).
    DTypeError
        If an input is not real.

    Examples
    --------
    >>> import numpy as np
    >>> w0 = np.stack([np.eye(3), np.ones((3, 3))])
    >>> d = drift(w0, np.stack([-np.eye(3), np.ones((3, 3))]))
    >>> d.cosine.tolist(), d.relative_change.tolist()
    ([-1.0, 1.0], [2.0, 0.0])
    """
    a, names_a = _as_stack("initial", initial)
    b, names_b = _as_stack("learned", learned)
    if a.shape != b.shape:
        raise ShapeError(f"`learned` must have the shape of `initial` {a.shape}; got {b.shape}")
    names = names_a if isinstance(initial, FilterBank) else names_b
    va, vb = a.reshape(a.shape[0], -1), b.reshape(b.shape[0], -1)
    na, nb = np.linalg.norm(va, axis=1), np.linalg.norm(vb, axis=1)
    dot = np.einsum("nd,nd->n", va, vb)
    with np.errstate(divide="ignore", invalid="ignore"):
        cosine = np.where((na > 0) & (nb > 0), dot / (na * nb), np.nan)
        rel = np.where(na > 0, np.linalg.norm(vb - va, axis=1) / na, np.nan)
    return Drift(list(names), np.clip(cosine, -1.0, 1.0), rel, na, nb)


# ------------------------------------------------------------------------------------ dictionaries
def _default_grids(h: int, w: int) -> dict[str, tuple[float, ...]]:
    """Default Gabor / jet parameter grids for an (h, w) kernel, scaled by its radius."""
    r = max((min(h, w) - 1) / 2.0, 1.0)
    big = max(h, w)
    return {
        "sigmas": tuple(float(s) for s in np.geomspace(max(0.5, r / 4), max(0.9, r / 1.2), 4)),
        "thetas": tuple(float(t) for t in np.arange(8) * (np.pi / 8)),
        "lambdas": tuple(float(x) for x in np.geomspace(2.0, max(4.0, 2.0 * big), 5)),
        "gammas": (0.5, 1.0),
        "psis": (0.0, np.pi / 2),
        "jet_sigmas": tuple(float(s) for s in np.geomspace(max(0.5, r / 4), max(0.8, r / 1.5), 3)),
        "jet_thetas": tuple(float(t) for t in np.arange(4) * (np.pi / 4)),
    }


def _values(name: str, values: Any, default: tuple[float, ...], *, positive: bool) -> tuple[float, ...]:
    """Parse a parameter list (a scalar counts as one value); drop exact repeats, keep the order."""
    if values is None:
        return default
    if isinstance(values, (str, bytes)) or not isinstance(values, (Sequence, np.ndarray)):
        values = [values]
    check = positive_float if positive else as_float
    out = tuple(dict.fromkeys(check(f"{name}[{i}]", v) for i, v in enumerate(np.asarray(values).ravel().tolist())))
    if not out:
        raise ParameterError(f"`{name}` must hold at least one value; got {values!r}")
    return out


def _odd_generate(h: int, w: int, generate: Any) -> np.ndarray:
    """Generate at the next odd size on each axis and drop the last row / column of an even axis.

    An even axis keeps OpenCV's anchor ``k // 2`` on the kernel's centre tap.
    """
    gh, gw = h | 1, w | 1
    return generate((gh, gw))[:h, :w]


def _dictionary_spec(family: str, h: int, w: int, params: dict[str, Any]) -> dict[str, Any]:
    """The spec of a kernel made by :func:`_odd_generate`: the family's own when odd, else a ``custom`` one."""
    if h % 2 == 1 and w % 2 == 1:
        return {"family": family, "ksize": [h, w], **params}
    return {"family": "custom", "generator": family, "ksize": [h, w], "generated": [h | 1, w | 1]} | params


def _fmt(v: float) -> str:
    return f"{v:.4g}"


def gabor_dictionary(
    ksize: int | tuple[int, int],
    *,
    sigmas: Sequence[float] | float | None = None,
    thetas: Sequence[float] | float | None = None,
    lambdas: Sequence[float] | float | None = None,
    gammas: Sequence[float] | float | None = None,
    psis: Sequence[float] | float | None = None,
) -> FilterBank:
    """A catalog of OpenCV Gabor kernels on a parameter grid, as a :class:`FilterBank`.

    Every combination ``sigma x theta x lambd x gamma x psi`` (in that nesting
    order, ``psi`` fastest) is generated with :func:`filterbank.kernels.gabor`
    (equal to ``cv2.getGaborKernel``).

    Parameters
    ----------
    ksize : int or (int, int)
        Kernel size ``(height, width)``. An even axis is generated at the next
        odd size and its last row / column dropped, so the Gabor's centre stays
        on OpenCV's anchor ``k // 2``.
    sigmas, thetas, lambdas, gammas, psis : sequence of float or float, optional
        Grid values (repeats dropped). Defaults, with ``r = (min(h, w) - 1) / 2``
        (at least 1): 4 sigmas geometric from ``max(0.5, r / 4)`` to
        ``max(0.9, r / 1.2)``; 8 thetas ``k pi / 8``; 5 wavelengths geometric
        from 2 to ``max(4, 2 max(h, w))``; gammas (0.5, 1); psis (0, pi / 2),
        the even and odd phase (other phases are their combinations; with
        sign-free matching, ``psi + pi`` adds nothing).

    Returns
    -------
    FilterBank
        Names ``gabor_s{sigma}_t{theta in degrees}_l{lambd}_g{gamma}_p{psi in degrees}``.
        Specs of odd sizes regenerate the kernels through
        :func:`filterbank.kernels.get`; for an even size the spec's family is
        ``"custom"`` with ``generator: "gabor"`` and the generated (odd) size.

    Raises
    ------
    ParameterError
        If a size is < 1, or a sigma, wavelength or gamma is not > 0.

    Examples
    --------
    >>> bank = gabor_dictionary((7, 9), thetas=[0.0, 1.0], lambdas=4.0, sigmas=2.0, gammas=1.0)
    >>> len(bank), bank.ksize, bank.names[1]
    (4, (7, 9), 'gabor_s2_t0_l4_g1_p90')
    """
    h, w = size_pair("ksize", ksize)
    grid = _default_grids(h, w)
    ss = _values("sigmas", sigmas, grid["sigmas"], positive=True)
    ts = _values("thetas", thetas, grid["thetas"], positive=False)
    ls = _values("lambdas", lambdas, grid["lambdas"], positive=True)
    gs = _values("gammas", gammas, grid["gammas"], positive=True)
    ps = _values("psis", psis, grid["psis"], positive=False)
    arrays, names, specs = [], [], []
    for s in ss:
        for t in ts:
            for lam in ls:
                for g in gs:
                    for p in ps:
                        params = {"sigma": s, "theta": t, "lambd": lam, "gamma": g, "psi": p}
                        arrays.append(_odd_generate(h, w, lambda size, q=params: _kernels.gabor(size, **q)))
                        names.append(
                            f"gabor_s{_fmt(s)}_t{_fmt(math.degrees(t))}_l{_fmt(lam)}_g{_fmt(g)}"
                            f"_p{_fmt(math.degrees(p))}"
                        )
                        specs.append(_dictionary_spec("gabor", h, w, params))
    return FilterBank(np.stack(arrays), names=names, specs=specs)


def gaussian_jet_dictionary(
    ksize: int | tuple[int, int],
    *,
    sigmas: Sequence[float] | float | None = None,
    max_order: int = 2,
    thetas: Sequence[float] | float | None = None,
) -> FilterBank:
    """A catalog of (oriented) Gaussian derivatives up to ``max_order``, as a :class:`FilterBank`.

    For each sigma: the Gaussian itself (order 0, once), then for each order
    ``n = 1 .. max_order``, each theta and each ``(dx, dy)`` with ``dx + dy = n``,
    :func:`filterbank.kernels.gaussian_derivative` ``(ksize, sigma, dx, dy,
    theta=theta)``. Kernels equal to an earlier one up to sign (e.g. ``dx = 1``
    at ``pi / 2`` and ``dy = 1`` at 0) are dropped.

    Parameters
    ----------
    ksize : int or (int, int)
        Kernel size ``(height, width)``; an even axis is generated at the next
        odd size and its last row / column dropped (centre on OpenCV's anchor).
    sigmas : sequence of float or float, optional
        Default: 3 values geometric from ``max(0.5, r / 4)`` to ``max(0.8, r / 1.5)``
        with ``r = (min(h, w) - 1) / 2`` (at least 1).
    max_order : int, optional
        Highest total derivative order, in [0, 6]. Default 2.
    thetas : sequence of float or float, optional
        Orientations in radians (clockwise on screen). Default ``k pi / 4``,
        ``k = 0..3``.

    Returns
    -------
    FilterBank
        Names ``gjet_s{sigma}_dx{dx}_dy{dy}_t{theta in degrees}``; odd sizes have
        ``gaussian_derivative`` specs that regenerate them.

    Raises
    ------
    ParameterError
        If a size is < 1, a sigma is not > 0 or ``max_order`` is outside [0, 6].

    Examples
    --------
    >>> gaussian_jet_dictionary(5, sigmas=1.0, max_order=1, thetas=[0.0]).names
    ['gjet_s1_dx0_dy0_t0', 'gjet_s1_dx1_dy0_t0', 'gjet_s1_dx0_dy1_t0']
    """
    h, w = size_pair("ksize", ksize)
    order = int_in_range("max_order", max_order, 0, 6)
    grid = _default_grids(h, w)
    ss = _values("sigmas", sigmas, grid["jet_sigmas"], positive=True)
    ts = _values("thetas", thetas, grid["jet_thetas"], positive=False)
    arrays: list[np.ndarray] = []
    units: list[np.ndarray] = []
    names: list[str] = []
    specs: list[dict[str, Any]] = []
    for s in ss:
        combos = [(0, 0, 0.0)] + [(n - dy, dy, t) for n in range(1, order + 1) for t in ts for dy in range(n + 1)]
        for dx, dy, t in combos:
            params = {"sigma": s, "dx": dx, "dy": dy, "theta": t}
            k = _odd_generate(h, w, lambda size, q=params: _kernels.gaussian_derivative(size, **q))
            norm = float(np.linalg.norm(k))
            if norm == 0:
                continue
            u = k.ravel() / norm
            if any(abs(float(u @ v)) > 1 - 1e-9 for v in units):
                continue
            units.append(u)
            arrays.append(k)
            names.append(f"gjet_s{_fmt(s)}_dx{dx}_dy{dy}_t{_fmt(math.degrees(t))}")
            specs.append(_dictionary_spec("gaussian_derivative", h, w, params))
    return FilterBank(np.stack(arrays), names=names, specs=specs)


@functools.lru_cache(maxsize=16)
def _default_dictionary_cached(h: int, w: int) -> FilterBank:
    return FilterBank.concat([gabor_dictionary((h, w)), gaussian_jet_dictionary((h, w))])


def default_dictionary(ksize: int | tuple[int, int]) -> FilterBank:
    """The dictionary :func:`nearest_catalog` uses by default: default Gabor grid + Gaussian jet.

    ``gabor_dictionary(ksize)`` (640 kernels) followed by
    ``gaussian_jet_dictionary(ksize)``, both with their default grids. Cached per size.

    Examples
    --------
    >>> bank = default_dictionary(5)
    >>> bank.ksize, bank.names[0].startswith("gabor"), bank.names[-1].startswith("gjet")
    ((5, 5), True, True)
    """
    h, w = size_pair("ksize", ksize)
    return _default_dictionary_cached(h, w)


# ------------------------------------------------------------------------------------ matching
class CatalogMatch(NamedTuple):
    """The catalog kernel closest to one learned filter (see :func:`nearest_catalog`).

    ``learned ~ sign * a * dictionary[index] + b`` with ``a > 0``; ``score`` is
    the absolute cosine of the zero-mean kernels, in [0, 1] (NaN, with
    ``index = -1``, ``name = None`` and ``sign = 0``, for a constant learned kernel).
    """

    index: int
    name: str | None
    score: float
    sign: int


def nearest_catalog(learned: Any, dictionary: Any = None) -> list[CatalogMatch]:
    """For each learned filter, the dictionary kernel with the highest absolute zero-mean cosine.

    Both kernels have their mean removed and are scaled to unit norm; the score
    is ``|<l, d>|``, and ``sign`` its sign. The match ignores gain, sign and DC
    offset: ``score ** 2`` is the ``R^2`` of the least-squares fit
    ``l ~ a * d + b``.

    Parameters
    ----------
    learned : FilterBank, numpy.ndarray or torch.Tensor
        ``(kh, kw)``, ``(N, kh, kw)`` or ``(N, 1, kh, kw)``.
    dictionary : FilterBank or array-like, optional
        Catalog kernels of the same ``(kh, kw)``. Default
        :func:`default_dictionary` at the learned kernels' size (Gabor grid and
        Gaussian jet). Constant dictionary kernels never match.

    Returns
    -------
    list of CatalogMatch
        ``(index, name, score, sign)`` per learned filter, in order.

    Raises
    ------
    ShapeError
        If the kernel sizes differ or ``learned`` has more than one input channel.

    Examples
    --------
    >>> from filterbank import kernels
    >>> d = gaussian_jet_dictionary(7, sigmas=[1.0, 1.5], max_order=1, thetas=[0.0])
    >>> m = nearest_catalog(-3.0 * kernels.gaussian_derivative(7, 1.5, 0, 1) + 0.2, d)[0]
    >>> m.name, round(m.score, 6), m.sign
    ('gjet_s1.5_dx0_dy1_t0', 1.0, -1)
    """
    lk, _ = _as_kernels("learned", learned)
    if dictionary is None:
        dictionary = default_dictionary(lk.shape[1:])
    dk, dnames = _as_kernels("dictionary", dictionary)
    if dk.shape[1:] != lk.shape[1:]:
        raise ShapeError(
            f"`dictionary` kernels must have the learned kernels' size {tuple(lk.shape[1:])}; got {tuple(dk.shape[1:])}"
        )
    lu = _unit_rows(lk.reshape(len(lk), -1), zero_mean=True)
    du = _unit_rows(dk.reshape(len(dk), -1), zero_mean=True)
    corr = lu @ du.T
    out = []
    for i in range(len(lk)):
        if not np.any(lu[i]):
            out.append(CatalogMatch(-1, None, float("nan"), 0))
            continue
        j = int(np.argmax(np.abs(corr[i])))
        c = float(corr[i, j])
        out.append(CatalogMatch(j, dnames[j], min(abs(c), 1.0), 1 if c >= 0 else -1))
    return out


class BankMatch(NamedTuple):
    """Result of :func:`bank_similarity`: ``a[i] ~ signs[i] * b[permutation[i]]``."""

    score: float
    permutation: np.ndarray
    signs: np.ndarray


def bank_similarity(a: Any, b: Any, *, zero_mean: bool = False) -> BankMatch:
    """Similarity of two banks up to the order and the sign of their filters (Hungarian matching).

    The ``|cosine|`` between every filter of ``a`` and every filter of ``b`` is
    computed, and :func:`scipy.optimize.linear_sum_assignment` picks the
    one-to-one pairing with the largest total.

    Parameters
    ----------
    a, b : FilterBank, numpy.ndarray or torch.Tensor
        ``(N, kh, kw)`` or ``(N, C, kh, kw)`` (flattened per output channel);
        the filters of both must have the same number of taps. The counts may differ.
    zero_mean : bool, optional
        Remove each filter's mean before the cosine (compare shapes, ignoring
        DC). Default False: raw weights.

    Returns
    -------
    BankMatch
        ``score``: mean ``|cosine|`` over the ``min(Na, Nb)`` matched pairs, in
        [0, 1] (1: ``b`` is ``a`` reordered, sign-flipped and rescaled);
        ``permutation``: ``(Na,)`` int, the filter of ``b`` matched to each filter
        of ``a``, -1 where none is left (``Na > Nb``); ``signs``: ``(Na,)`` +1 / -1,
        the sign of each matched cosine (0 where unmatched). An all-zero filter
        has cosine 0 with everything.

    Raises
    ------
    ShapeError
        If the filters have different numbers of taps.

    Examples
    --------
    >>> import numpy as np
    >>> a = np.random.default_rng(0).normal(size=(3, 5, 5))
    >>> score, perm, signs = bank_similarity(a, -a[[2, 0, 1]])
    >>> round(score, 12), perm.tolist(), signs.tolist()
    (1.0, [1, 2, 0], [-1, -1, -1])
    """
    from scipy.optimize import linear_sum_assignment

    wa, _ = _as_stack("a", a)
    wb, _ = _as_stack("b", b)
    va, vb = wa.reshape(len(wa), -1), wb.reshape(len(wb), -1)
    if va.shape[1] != vb.shape[1]:
        raise ShapeError(
            f"`b` filters must have as many taps as `a`'s ({wa.shape[1:]} = {va.shape[1]}); got "
            f"{wb.shape[1:]} = {vb.shape[1]}"
        )
    cos = _unit_rows(va, bool(zero_mean)) @ _unit_rows(vb, bool(zero_mean)).T
    rows, cols = linear_sum_assignment(-np.abs(cos))
    perm = np.full(len(va), -1, dtype=np.int64)
    signs = np.zeros(len(va), dtype=np.int64)
    perm[rows] = cols
    matched = cos[rows, cols]
    signs[rows] = np.where(matched >= 0, 1, -1)
    score = float(np.clip(np.abs(matched).mean(), 0.0, 1.0))
    return BankMatch(score, perm, signs)


# ------------------------------------------------------------------------------------ Gabor fit
@dataclass(frozen=True)
class GaborFit:
    """A least-squares Gabor fit to one kernel (see :func:`fit_gabor`).

    The fitted kernel is
    ``amplitude * kernels.gabor(ksize, sigma, theta, lambd, gamma, psi) + offset``
    (an even axis generated at the next odd size, last row / column dropped).

    Attributes
    ----------
    sigma, theta, lambd, gamma, psi : float
        Gabor parameters, OpenCV's meaning. Canonical form: ``amplitude >= 0``,
        ``theta`` in [0, pi), ``psi`` in (-pi, pi]; ``gabor(theta + pi, psi)``
        equals ``gabor(theta, -psi)`` and a negative gain is a phase of pi.
    amplitude, offset : float
        Gain (>= 0) and DC offset (0 when fitted with ``offset=False``).
    r2 : float
        ``1 - SS_res / SS_tot`` with ``SS_tot = sum (k - mean k)^2``.
    kernel : numpy.ndarray
        The fitted kernel, float64, the input's shape.
    """

    sigma: float
    theta: float
    lambd: float
    gamma: float
    psi: float
    amplitude: float
    offset: float
    r2: float
    kernel: np.ndarray

    @property
    def params(self) -> dict[str, float]:
        """``{"sigma", "theta", "lambd", "gamma", "psi"}``, the keyword arguments of ``kernels.gabor``."""
        return {"sigma": self.sigma, "theta": self.theta, "lambd": self.lambd, "gamma": self.gamma, "psi": self.psi}


_NONLINEAR = ("sigma", "theta", "lambd", "gamma")


def _quadrature(h: int, w: int, sigma: float, theta: float, lambd: float, gamma: float) -> np.ndarray:
    """``(h*w, 2)``: the Gabor at psi = 0 and psi = pi/2 (any phase is a combination)."""
    g0 = _odd_generate(h, w, lambda size: _kernels.gabor(size, sigma, theta, lambd, gamma, 0.0))
    g1 = _odd_generate(h, w, lambda size: _kernels.gabor(size, sigma, theta, lambd, gamma, np.pi / 2))
    return np.stack([g0.ravel(), g1.ravel()], axis=1)


def _design(q: np.ndarray, offset: bool) -> np.ndarray:
    return np.concatenate([q, np.ones((q.shape[0], 1))], axis=1) if offset else q


@functools.lru_cache(maxsize=16)
def _grid_quadratures(h: int, w: int) -> tuple[np.ndarray, np.ndarray]:
    """Parameter rows ``(M, 4)`` and quadrature pairs ``(M, h*w, 2)`` of the default Gabor grid."""
    grid = _default_grids(h, w)
    params = np.array(
        [
            (s, t, lam, g)
            for s in grid["sigmas"]
            for t in grid["thetas"]
            for lam in grid["lambdas"]
            for g in grid["gammas"]
        ]
    )
    quads = np.stack([_quadrature(h, w, *p) for p in params])
    params.setflags(write=False)
    quads.setflags(write=False)
    return params, quads


def _grid_scores(k: np.ndarray, quads: np.ndarray, offset: bool) -> np.ndarray:
    """Fraction of ``k``'s (centred) energy explained by each quadrature pair (plus offset)."""
    y = k - k.mean() if offset else k
    q = quads - quads.mean(axis=1, keepdims=True) if offset else quads
    gram = np.einsum("mdi,mdj->mij", q, q)
    rhs = np.einsum("mdi,d->mi", q, y)
    ridge = 1e-12 * np.trace(gram, axis1=1, axis2=2)[:, None, None] * np.eye(2) + 1e-300 * np.eye(2)
    coef = np.linalg.solve(gram + ridge, rhs[..., None])[..., 0]
    return np.einsum("mi,mi->m", coef, rhs) / max(float(y @ y), 1e-300)


def _init_params(name: str, init: Any) -> np.ndarray:
    if isinstance(init, GaborFit):
        init = init.params
    if not isinstance(init, Mapping):
        raise DTypeError(f"`{name}` must be a GaborFit or a mapping with keys {list(_NONLINEAR)}; got {init!r}")
    missing = [k for k in _NONLINEAR if k not in init]
    if missing:
        raise ParameterError(f"`{name}` must have the keys {list(_NONLINEAR)}; got {sorted(init)} (missing {missing})")
    return np.array(
        [
            positive_float(f"{name}['sigma']", init["sigma"]),
            as_float(f"{name}['theta']", init["theta"]),
            positive_float(f"{name}['lambd']", init["lambd"]),
            positive_float(f"{name}['gamma']", init["gamma"]),
        ]
    )


def fit_gabor(kernel: Any, *, init: Any = None, offset: bool = True, starts: int = 4) -> GaborFit:
    """Least-squares fit of ``amplitude * kernels.gabor(...) + offset`` to one kernel.

    The phase, gain and offset enter linearly (a Gabor of phase ``psi`` is
    ``cos(psi) g_0 - sin(psi) g_1`` with ``g_0, g_1`` the phases 0 and pi/2), so
    they are solved exactly for every ``(sigma, theta, lambd, gamma)`` (variable
    projection), and :func:`scipy.optimize.least_squares` (trust region
    reflective, in ``log sigma, theta, log lambd, log gamma``) searches those
    four. Starts: the ``starts`` best points of the default
    :func:`gabor_dictionary` grid at the kernel's size (scored by the energy
    the best phase, gain and offset explain there), or ``init``.

    Parameters
    ----------
    kernel : numpy.ndarray or torch.Tensor
        ``(kh, kw)`` (leading singleton axes, as in ``(1, 1, kh, kw)``, are dropped).
        Must not be constant.
    init : GaborFit or mapping, optional
        Starting ``sigma, theta, lambd, gamma`` (other keys ignored); replaces
        the grid search.
    offset : bool, optional
        Fit a DC offset too (default True). Without it, ``r2`` still uses the
        centred ``SS_tot``.
    starts : int, optional
        Number of grid starting points, >= 1. Default 4.

    Returns
    -------
    GaborFit
        Canonical parameters, gain, offset, ``r2 = 1 - SS_res / SS_tot`` and
        the fitted kernel.

    Raises
    ------
    ShapeError
        If ``kernel`` is not 2-D after dropping leading singleton axes.
    ParameterError
        If ``kernel`` is constant (``SS_tot = 0``, R^2 undefined).

    Notes
    -----
    Bounds: ``sigma`` in [0.2, 4 max(kh, kw)], ``lambd`` in [1.25, 16 max(kh, kw)],
    ``gamma`` in [0.1, 10]. Below a wavelength of 2 pixels the sampled carrier
    aliases, so two parameter sets can give the same kernel; compare fitted
    kernels rather than parameters there.

    Examples
    --------
    >>> from filterbank import kernels
    >>> k = 0.5 * kernels.gabor((9, 11), 2.2, 0.7, 5.5, 0.8, 0.3) + 0.1
    >>> fit = fit_gabor(k)
    >>> fit.r2 > 0.999999, round(fit.lambd, 3), round(fit.amplitude, 3), round(fit.offset, 3)
    (True, 5.5, 0.5, 0.1)
    """
    from scipy.optimize import least_squares

    k, _ = _as_stack("kernel", kernel)
    if k.shape[:2] != (1, 1):
        raise ShapeError(f"`kernel` must be one 2-D kernel (kh, kw); got shape {tuple(np.shape(kernel))}")
    k = k[0, 0]
    h, w = k.shape
    y = k.ravel()
    ss_tot = float(np.sum((y - y.mean()) ** 2))
    if ss_tot <= 1e-24 * max(float(np.max(np.abs(y))), 1e-300) ** 2 * y.size:
        raise ParameterError(f"`kernel` must not be constant (R^2 is undefined); got every tap ~ {float(y[0])!r}")
    n_starts = int_in_range("starts", starts, 1)
    use_offset = bool(offset)

    big = max(h, w)
    lo = np.array([math.log(0.2), -np.inf, math.log(1.25), math.log(0.1)])
    hi = np.array([math.log(4.0 * big), np.inf, math.log(16.0 * big), math.log(10.0)])

    def to_x(p: np.ndarray) -> np.ndarray:
        x = np.array([math.log(p[0]), p[1], math.log(p[2]), math.log(p[3])])
        eps = 1e-9
        return np.clip(x, lo + eps, hi - eps)

    def from_x(x: np.ndarray) -> tuple[float, float, float, float]:
        return math.exp(x[0]), float(x[1]), math.exp(x[2]), math.exp(x[3])

    def residual(x: np.ndarray) -> np.ndarray:
        a = _design(_quadrature(h, w, *from_x(x)), use_offset)
        coef, *_ = np.linalg.lstsq(a, y, rcond=None)
        return a @ coef - y

    if init is not None:
        candidates = [_init_params("init", init)]
    else:
        params, quads = _grid_quadratures(h, w)
        scores = _grid_scores(y, quads, use_offset)
        candidates = [params[i] for i in np.argsort(-scores, kind="stable")[:n_starts]]

    best_x, best_cost = None, np.inf
    for p in candidates:
        res = least_squares(residual, to_x(p), bounds=(lo, hi), method="trf", x_scale=1.0, xtol=1e-12, ftol=1e-12)
        if res.cost < best_cost:
            best_x, best_cost = res.x, float(res.cost)
    assert best_x is not None
    sigma, theta, lambd, gamma = from_x(best_x)
    a = _design(_quadrature(h, w, sigma, theta, lambd, gamma), use_offset)
    coef, *_ = np.linalg.lstsq(a, y, rcond=None)
    amplitude = float(math.hypot(coef[0], coef[1]))
    psi = math.atan2(coef[1], coef[0])
    # Canonical form: theta in [0, pi) (gabor(theta + pi, psi) == gabor(theta, -psi)), psi in (-pi, pi].
    theta = math.fmod(theta, 2 * math.pi)
    theta += 2 * math.pi if theta < 0 else 0.0
    if theta >= math.pi:
        theta, psi = theta - math.pi, -psi
    theta = 0.0 if theta >= math.pi else theta
    psi = psi + 2 * math.pi if psi <= -math.pi else psi
    g = _odd_generate(h, w, lambda size: _kernels.gabor(size, sigma, theta, lambd, gamma, psi))
    off = float(coef[2]) if use_offset else 0.0
    fitted = amplitude * g + off
    r2 = 1.0 - float(np.sum((fitted - k) ** 2)) / ss_tot
    return GaborFit(sigma, theta, lambd, gamma, psi, amplitude, off, r2, fitted)


# ------------------------------------------------------------------------------------ figure
def comparison_figure(
    initial: Any,
    learned: Any,
    fits: Sequence[GaborFit | None] | None = None,
    *,
    cell: int = 48,
) -> Image.Image:
    """A picture with one row per filter: initial | learned | best Gabor fit, drift and R^2 underneath.

    Parameters
    ----------
    initial, learned : FilterBank, numpy.ndarray or torch.Tensor
        The same shape, ``(N, kh, kw)`` or ``(N, 1, kh, kw)``.
    fits : sequence of GaborFit or None, optional
        One fit per learned filter (None: no fit shown for that row). Default:
        :func:`fit_gabor` of each learned filter (constant ones get none).
    cell : int, optional
        Target size in pixels of a kernel's longer side (nearest-neighbour
        upscaling by ``max(1, cell // max(kh, kw))``). Default 48.

    Returns
    -------
    PIL.Image.Image
        RGB picture. Each row's three panels share one diverging colour scale
        (blue negative, white zero, red positive, ``max |v|`` over the row), so
        a change of gain shows; the text under each row gives the filter's name,
        cosine and relative change (:func:`drift`) and the fit's R^2.

    Raises
    ------
    ShapeError
        If the shapes differ, a weight has more than one input channel, or
        ``fits`` has the wrong length.

    Examples
    --------
    >>> import numpy as np
    >>> from filterbank import kernels
    >>> k0 = np.stack([kernels.gabor(7, 2.0, 0.0, 5.0), kernels.gabor(7, 2.0, 1.0, 5.0)])
    >>> comparison_figure(k0, k0 + 0.05).mode
    'RGB'
    """
    from PIL import Image, ImageDraw, ImageFont

    from .viz import diverging  # viz sits above analysis; import it only when drawing

    if isinstance(cell, bool) or not isinstance(cell, int) or cell < 1:
        raise ParameterError(f"`cell` must be an int >= 1; got {cell!r}")
    k0, _ = _as_kernels("initial", initial)
    k1, _ = _as_kernels("learned", learned)
    d = drift(initial, learned)  # checks the shapes, gives the names
    if fits is None:
        fits = [fit_gabor(k) if np.ptp(k) > 0 else None for k in k1]
    fits = list(fits)
    if len(fits) != len(k1):
        raise ShapeError(f"`fits` must have one entry per learned filter ({len(k1)}); got {len(fits)}")
    for i, f in enumerate(fits):
        if f is not None and not isinstance(f, GaborFit):
            raise DTypeError(f"`fits[{i}]` must be a GaborFit or None; got {type(f).__name__}")

    font = ImageFont.load_default()
    kh, kw = k1.shape[1:]
    s = max(1, cell // max(kh, kw))
    pw, ph = kw * s, kh * s
    pad, gap = 6, 4

    def text_w(t: str) -> int:
        left, _, right, _ = font.getbbox(t)
        return int(right - min(left, 0))

    line_h = int(font.getbbox("Ag")[3]) + 4
    titles = ("initial", "learned", "Gabor fit")
    col_w = max(pw, max(text_w(t) for t in titles))
    lines = []
    for i in range(len(k1)):
        f = fits[i]
        fit_txt = f"R^2 {f.r2:.3f}" if f is not None else "no fit"
        lines.append(f"{d.names[i]}: cos {d.cosine[i]:.3f}, rel {d.relative_change[i]:.3f}, {fit_txt}")
    width = max(3 * col_w + 2 * gap, max(text_w(t) for t in lines)) + 2 * pad
    row_h = ph + line_h + gap
    height = pad + line_h + len(k1) * row_h + pad
    canvas = Image.new("RGB", (width, height), (255, 255, 255))
    draw = ImageDraw.Draw(canvas)
    for c, t in enumerate(titles):
        x0 = pad + c * (col_w + gap)
        draw.text((x0 + (col_w - text_w(t)) // 2, pad), t, fill=(0, 0, 0), font=font)
    for i in range(len(k1)):
        f = fits[i]
        panels = [k0[i], k1[i]] + ([f.kernel] if f is not None else [])
        scale = max(float(np.max(np.abs(p))) for p in panels)
        y0 = pad + line_h + i * row_h
        for c, p in enumerate(panels):
            rgb = np.repeat(np.repeat(diverging(p, scale if scale > 0 else None), s, axis=0), s, axis=1)
            x = pad + c * (col_w + gap) + (col_w - pw) // 2
            canvas.paste(Image.fromarray(rgb, "RGB"), (x, y0))
            draw.rectangle((x - 1, y0 - 1, x + pw, y0 + ph), outline=(160, 160, 160))
        draw.text((pad, y0 + ph + 2), lines[i], fill=(0, 0, 0), font=font)
    return canvas
