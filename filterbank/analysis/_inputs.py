"""The inputs every measure of :mod:`filterbank.analysis` accepts: a bank, a numpy array or a torch tensor."""

from __future__ import annotations

import math

import numpy as np
import torch

from .._errors import DTypeError, ShapeError
from .._types import KernelLike
from .._validate import finite_kernel
from ..bank import FilterBank

__all__: list[str] = []


def _as_stack(name: str, obj: KernelLike) -> tuple[np.ndarray, list[str]]:
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


def _as_kernels(name: str, obj: KernelLike) -> tuple[np.ndarray, list[str]]:
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
