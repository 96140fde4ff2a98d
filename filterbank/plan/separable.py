"""Factored execution: banded-Toeplitz GEMM passes and shifted multiply-adds over a row basis."""

from __future__ import annotations

import torch

from .. import _alloc
from .factors import _Factors

__all__: list[str] = []

# Block width of the banded-Toeplitz GEMM passes.
_BLK_MIN = 32


def _blk(k: int) -> int:
    """Block width of a 1-D pass for a filter of length ``k`` (measured best: 32-64 for k up to 49).

    Examples
    --------
    >>> _blk(3), _blk(49), _blk(200)
    (32, 64, 128)
    """
    return max(_BLK_MIN, min(128, 1 << (max(k, 1) - 1).bit_length()))


def _toeplitz(f: torch.Tensor, blk: int) -> torch.Tensor:
    """``T[..., j + t, j] = f[..., t]``: (..., blk + k - 1, blk); differentiable in ``f``."""
    k = f.shape[-1]
    L = blk + k - 1
    idx = torch.arange(L, device=f.device)[:, None] - torch.arange(blk, device=f.device)[None, :]
    valid = (idx >= 0) & (idx < k)
    g = f[..., idx.clamp(0, k - 1)]
    return g * valid.to(f.dtype)


def _row_pass(x: torch.Tensor, V: torch.Tensor) -> torch.Tensor:
    """(M, Hp, Wp) correlated along rows with every row of V (P, kw): (M, Hp, P, W)."""
    m, hp, wp = x.shape
    p, kw = V.shape
    w = wp - kw + 1
    blk = min(_blk(kw), w)
    x2 = x.reshape(m * hp, wp)
    T = _toeplitz(V, blk)  # (P, L, blk)
    Tcat = T.permute(1, 0, 2).reshape(blk + kw - 1, p * blk)
    parts = []
    for s in range(0, w, blk):
        e = min(s + blk, w)
        nb = e - s
        Tb = Tcat if nb == blk else T[:, : nb + kw - 1, :nb].permute(1, 0, 2).reshape(nb + kw - 1, p * nb)
        parts.append((x2[:, s : s + nb + kw - 1] @ Tb).reshape(m, hp, p, nb))
    return parts[0] if len(parts) == 1 else torch.cat(parts, dim=-1)


def _col_pass(r: torch.Tensor, C: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
    """Column pass: r (M, G, Hp, P, W), C (G, N, P, kh) -> (M, G, N, H, W)."""
    m, g, hp, p, w = r.shape
    _, n, _, kh = C.shape
    h = hp - kh + 1
    blk = min(_blk(kh), h)
    # Row-pass channels each output uses (separable: one; lowrank: all).
    use = mask.float().argmax(-1) if mask is not None else None  # (G, N)
    if use is not None and mask is not None and bool((mask.sum(-1) == 1).all()) and bool((use == use[:1]).all()):
        Cs = torch.gather(C, 2, use[:, :, None, None].expand(g, n, 1, kh).to(C.device))[:, :, 0]  # (G, N, kh)
        # group outputs by the row channel they read
        parts = []
        for s in range(0, h, blk):
            e = min(s + blk, h)
            nb = e - s
            Tc = _toeplitz(Cs, nb).transpose(-1, -2)  # (G, N, nb, L)
            outs = []
            for q in range(p):
                sel = (use[0] == q).nonzero().flatten()
                if sel.numel() == 0:
                    continue
                rhs = r[:, :, s : s + nb + kh - 1, q, :]  # (M, G, L, W) strided view
                lhs = Tc[:, sel].reshape(g, sel.numel() * nb, nb + kh - 1)
                outs.append((sel, (lhs @ rhs).reshape(m, g, sel.numel(), nb, w)))
            if len(outs) == 1 and outs[0][0].numel() == n:
                parts.append(outs[0][1])
            else:
                order = torch.cat([o[0] for o in outs]).argsort()
                parts.append(torch.cat([o[1] for o in outs], dim=2)[:, :, order.to(r.device)])
        return parts[0] if len(parts) == 1 else torch.cat(parts, dim=3)
    parts = []
    for s in range(0, h, blk):
        e = min(s + blk, h)
        nb = e - s
        L = nb + kh - 1
        Tc = _toeplitz(C, nb).transpose(-1, -2)  # (G, N, P, nb, L)
        lhs = Tc.permute(0, 1, 3, 2, 4).reshape(g, n * nb, p * L)
        rhs = r[:, :, s : s + L].permute(0, 1, 3, 2, 4).reshape(m, g, p * L, w)
        parts.append((lhs @ rhs).reshape(m, g, n, nb, w))
    return parts[0] if len(parts) == 1 else torch.cat(parts, dim=3)


#: Longest 1-D factor run as shifted multiply-adds instead of a Toeplitz GEMM (measured crossover).
_SHIFT_MAX = 8


def _uses_shifts(kh: int, kw: int, grad: bool) -> bool:
    return not grad and kh <= _SHIFT_MAX and kw <= _SHIFT_MAX


def _shift_taps(f: torch.Tensor) -> list[tuple[int, float]]:
    return [(t, float(v)) for t, v in enumerate(f.tolist()) if v != 0.0]


#: Bytes of one image block of the shifted passes (keeps the row results cache-resident for the columns).
_SHIFT_BLOCK_BYTES = 4 << 20


def _factored_shifts(x: torch.Tensor, f: _Factors) -> torch.Tensor:
    """Short factors as shifted multiply-adds (memory-bound passes, no GEMM waste): no autograd on kernels.

    Images are processed in blocks of about ``_SHIFT_BLOCK_BYTES`` so that a block's row-pass
    results are still in cache when its column pass reads them.
    """
    m = x.shape[0]
    per = max(1, _SHIFT_BLOCK_BYTES // max(1, x[0].numel() * x.element_size()))
    if per >= m:
        return _factored_shifts_block(x, f)
    return torch.cat([_factored_shifts_block(x[s : s + per], f) for s in range(0, m, per)], 0)


def _factored_shifts_block(x: torch.Tensor, f: _Factors) -> torch.Tensor:
    m, g, hp, wp = x.shape
    V = f.V.to(x.dtype).to(torch.float64)  # coefficients as the compute dtype rounds them
    C = f.C.to(x.dtype).to(torch.float64)  # (G, N, P, kh)
    p, kw = V.shape
    _, n, _, kh = C.shape
    h, w = hp - kh + 1, wp - kw + 1
    xs = x.reshape(m * g, hp, wp)
    rows = []
    for q in range(p):
        taps = _shift_taps(V[q])
        r = torch.empty(m * g, hp, w, dtype=x.dtype, device=x.device)
        torch.mul(xs[:, :, taps[0][0] : taps[0][0] + w], taps[0][1], out=r)  # first tap writes, the rest add
        for t, c in taps[1:]:
            r.add_(xs[:, :, t : t + w], alpha=c)
        rows.append(r.reshape(m, g, hp, w))
    if x.device.type == "cpu":  # a large output on huge pages: one fault per 2 MiB, not per 4 KiB
        out = _alloc.empty(m, g, n, h, w, dtype=x.dtype)
    else:
        out = torch.empty(m, g, n, h, w, dtype=x.dtype, device=x.device)
    for gi in range(g):
        for ni in range(n):
            o = out[:, gi, ni]
            col_taps = [(q, t, c) for q in range(p) for t, c in _shift_taps(C[gi, ni, q])]
            if not col_taps:
                o.zero_()
                continue
            q0, t0, c0 = col_taps[0]
            torch.mul(rows[q0][:, gi, t0 : t0 + h], c0, out=o)
            for q, t, c in col_taps[1:]:
                o.add_(rows[q][:, gi, t : t + h], alpha=c)
    return out


def _factored(x: torch.Tensor, k: torch.Tensor, f: _Factors) -> torch.Tensor:
    """x (M, G, Hp, Wp), k (G, N, kh, kw) -> (M, G, N, H, W) through row basis + column pass."""
    m, g, hp, wp = x.shape
    grad = torch.is_grad_enabled() and (k.requires_grad or x.requires_grad)
    if _uses_shifts(k.shape[-2], k.shape[-1], grad):
        return _factored_shifts(x, f)
    V = f.V.to(device=x.device, dtype=x.dtype)
    if k.requires_grad and torch.is_grad_enabled():
        C = (k @ f.pinv.to(device=k.device, dtype=k.dtype)).transpose(-1, -2)  # (G, N, P, kh), differentiable
    else:
        C = f.C.to(device=x.device, dtype=x.dtype)
    r = _row_pass(x.reshape(m * g, hp, wp), V)  # (M*G, Hp, P, W)
    r = r.reshape(m, g, hp, V.shape[0], r.shape[-1])
    return _col_pass(r, C, f.mask)
