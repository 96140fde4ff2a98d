"""SVD factorisations of a bank: rank-1 (separable) factors and a shared low-rank row basis."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from .cache import _cache_get, _cache_put, _kernel_key

__all__: list[str] = []


@dataclass
class _Factors:
    """Row basis ``V`` (P, kw) and column filters ``C`` (G, N, P, kh) with ``K[g, n] ~ C[g, n]^T V``."""

    V: torch.Tensor
    C: torch.Tensor  # (G, N, P, kh); kernels that require grad get theirs as K @ pinv at run time
    pinv: torch.Tensor  # (kw, P): C = K @ pinv
    mask: torch.Tensor | None  # (G, N, P) which basis rows a kernel uses (separable), else None


def _residual_ok(k64: torch.Tensor, approx: torch.Tensor, budget: float) -> bool:
    res = (k64 - approx).abs().sum(dim=(-2, -1))
    scale = k64.abs().sum(dim=(-2, -1)).clamp_min(1e-300)
    return bool((res <= budget * scale).all())


def _separable_factors(k: torch.Tensor, budget: float) -> _Factors | None:
    """Rank-1 factors of every kernel with deduplicated row factors, or None if one is not rank 1."""
    g, n, kh, kw = k.shape
    k64 = k.detach().to("cpu", torch.float64).reshape(g * n, kh, kw)
    u, s, vh = torch.linalg.svd(k64)
    approx = s[:, :1, None] * u[:, :, :1] @ vh[:, :1, :]
    if not _residual_ok(k64, approx, budget):
        return None
    rows: list[torch.Tensor] = []
    which: list[int] = []
    for i in range(g * n):
        r = vh[i, 0]
        r = r * torch.sign(r[r.abs().argmax()])  # sign-normalised unit row factor
        for j, q in enumerate(rows):
            if torch.allclose(q, r, rtol=0, atol=1e-15 if budget < 1e-10 else 1e-12):
                which.append(j)
                break
        else:
            which.append(len(rows))
            rows.append(r)
    V = torch.stack(rows)  # (P, kw), unit rows
    mask = torch.zeros(g * n, len(rows), dtype=torch.bool)
    mask[torch.arange(g * n), torch.tensor(which)] = True
    # C[gn, p] = K[gn] @ V[p] (unit rows: exact projection onto the own row factor)
    C = torch.einsum("ihw,pw->ihp", k64, V).permute(0, 2, 1) * mask[:, :, None]
    approx = torch.einsum("iph,pw->ihw", C, V)
    if not _residual_ok(k64, approx, budget):
        return None
    return _Factors(V=V, C=C.reshape(g, n, len(rows), kh), pinv=V.t(), mask=mask.reshape(g, n, -1))


def _lowrank_factors(k: torch.Tensor, budget: float, full: bool) -> _Factors:
    """A shared orthonormal row basis truncated at the accuracy budget (complete when ``full``)."""
    g, n, kh, kw = k.shape
    k64 = k.detach().to("cpu", torch.float64).reshape(g * n, kh, kw)
    stacked = k64.reshape(g * n * kh, kw)
    vh = torch.linalg.svd(stacked, full_matrices=True)[2]
    P = kw
    if not full:
        for p in range(1, kw + 1):
            V = vh[:p]
            if _residual_ok(k64, k64 @ V.t() @ V, budget):
                P = p
                break
    V = vh[:P]
    C = (k64 @ V.t()).permute(0, 2, 1)  # (gn, P, kh)
    return _Factors(V=V, C=C.reshape(g, n, P, kh), pinv=V.t(), mask=None)


def _factors(k: torch.Tensor, method: str, budget: float) -> _Factors | None:
    """Factors for ``separable`` / ``lowrank``; cached by kernel values unless the kernel requires grad.

    Examples
    --------
    >>> k = torch.outer(torch.tensor([1.0, 2.0, 1.0]), torch.tensor([-1.0, 0.0, 1.0]))[None, None]  # Sobel
    >>> f = _factors(k, "separable", 1e-7)
    >>> f.V.shape, f.C.shape  # one unit row factor, one column filter
    (torch.Size([1, 3]), torch.Size([1, 1, 1, 3]))
    >>> _factors(torch.eye(3)[None, None], "separable", 1e-7) is None  # rank 3: not separable
    True
    """
    needs_grad = k.requires_grad and torch.is_grad_enabled()
    if needs_grad:
        return _lowrank_factors(k, budget, full=True)
    key = _kernel_key(k)
    ck = (method, budget, key) if key is not None else None
    if ck is not None:
        hit = _cache_get(ck)
        if hit is not None:
            return hit if isinstance(hit, _Factors) else None
    f = _separable_factors(k, budget) if method == "separable" else _lowrank_factors(k, budget, full=False)
    if ck is not None:
        _cache_put(ck, f if f is not None else False, k)
    return f
