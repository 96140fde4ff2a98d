"""Similarity of two banks up to the order and sign of their filters: :func:`bank_similarity`."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy.optimize import linear_sum_assignment

from .._errors import ShapeError
from .._types import KernelLike
from ._inputs import _as_stack, _unit_rows

__all__ = ["BankMatch", "bank_similarity"]


class BankMatch(NamedTuple):
    """Result of :func:`bank_similarity`: ``a[i] ~ signs[i] * b[permutation[i]]``."""

    score: float
    permutation: np.ndarray
    signs: np.ndarray


def bank_similarity(a: KernelLike, b: KernelLike, *, zero_mean: bool = False) -> BankMatch:
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
