"""How far learned filters moved from their initial values: :func:`drift`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .._errors import ShapeError
from .._types import KernelLike
from ..bank import FilterBank
from ._inputs import _as_stack

__all__ = ["Drift", "drift"]


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


def drift(initial: KernelLike, learned: KernelLike) -> Drift:
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
