"""The catalog kernel closest to each learned filter: :func:`nearest_catalog`."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .._errors import ShapeError
from .._types import KernelLike
from ._inputs import _as_kernels, _unit_rows
from .dictionary import default_dictionary

__all__ = ["CatalogMatch", "nearest_catalog"]


class CatalogMatch(NamedTuple):
    """The catalog kernel closest to one learned filter (see :func:`nearest_catalog`).

    ``learned ~ sign * a * dictionary[index] + b`` with ``a > 0``; ``score`` is
    the absolute cosine of the zero-mean kernels, in [0, 1] (NaN, with
    ``index = -1``, ``name = None`` and ``sign = 0``, for a constant learned kernel).
    """

    index: int  # type: ignore[assignment]  # a public field named like tuple.index; mypy flags the shadowing
    name: str | None
    score: float
    sign: int


def nearest_catalog(learned: KernelLike, dictionary: KernelLike | None = None) -> list[CatalogMatch]:
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
    >>> from filterbank.analysis import gaussian_jet_dictionary
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
