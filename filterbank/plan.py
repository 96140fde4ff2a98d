"""How a bank of kernels is executed on padded input: the planner.

Four exact-enough methods compute the same 'valid' correlation of every padded
image with every kernel (what ``cv2.filter2D`` computes once the border is added):

``direct``
    One ``F.conv2d`` in which every image is a batch item and every kernel an
    output channel. In float32 on CPU it equals ``cv2.filter2D`` bit for bit for
    kernels up to 11x11. The only method used for integer outputs below 130
    taps (where the parity bound is exact) and for half precision.
``separable``
    Every kernel is rank 1 (Gaussian, Sobel, Scharr, box...): ``k = c r^T``.
    Distinct row factors ``r`` are applied once (row pass), then every kernel's
    column factor ``c`` (column pass). Each 1-D pass is a batched GEMM against a
    banded Toeplitz block (``blk + k - 1`` by ``blk``), which is exact (the extra
    entries are zeros) and runs at BLAS speed, unlike torch's 1-D convolutions.
    Factors of at most ``_SHIFT_MAX`` taps (Sobel, Scharr, small Gaussians) run
    instead as shifted multiply-adds (one memory pass per non-zero tap) when no
    gradient is recorded.
``lowrank``
    A shared row basis ``V`` (``P`` rows, from an SVD of the stacked bank,
    truncated where the reconstruction error is below the parity bound) is
    applied once; every kernel is then ``K_n = C_n V`` and its column pass sums
    over the ``P`` basis responses. Steerable and Gaussian-derivative banks (LM,
    RFS) need far fewer basis rows than taps.
``fft``
    ``rfft2`` of each padded image once, times the cached conjugate spectra of
    the kernels, ``irfft2`` and a crop. FFT sizes are ``scipy.fft.next_fast_len``.
    Output channels are processed in chunks so that the working memory stays a
    fraction of the output (see :func:`fft_chunk`). In float32 its error is
    ~2e-7 of ``sum|k| * max|img|``: within the 1e-5 bound that OpenCV's own DFT
    path sets from 130 taps, but not within the 1e-6 bound below, so ``auto``
    never uses it for float32 kernels under 130 taps.

``auto`` picks the cheapest method allowed by the accuracy rules with a cost
model whose constants (:data:`COSTS`) were measured on the machine named there
by ``benchmarks/calibrate.py``, which can rewrite the table.

Factorisations (SVD, in float64) are checked: the L1 norm of every kernel's
residual must be below ``budget * sum|k|`` (1e-7 in float32 below 130 taps, 1e-6
from 130 taps, 1e-14 in float64), which bounds the output error by the same
fraction of ``sum|k| * max|img|``. A kernel that requires grad keeps a complete
basis in ``separable`` / ``lowrank`` (a trainable kernel leaves the rank-1 set
after one step, and a truncated basis would project its gradient), so values and
gradients stay exact; ``auto`` then only weighs ``direct`` and ``fft``.
"""

from __future__ import annotations

import hashlib
import itertools
import math
import weakref
from collections import OrderedDict
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from ._errors import ParameterError, ShapeError, UnknownNameError

__all__ = [
    "COSTS",
    "METHODS",
    "Plan",
    "choose",
    "clear_cache",
    "conv_forward",
    "correlate_valid",
    "estimate",
    "fft_chunk",
    "fft_size",
]

#: Execution methods known to the planner (``auto`` chooses among the others).
METHODS: tuple[str, ...] = ("auto", "direct", "separable", "lowrank", "fft")

# --- cost model -------------------------------------------------------------------------------
# Seconds per unit of work, measured by benchmarks/calibrate.py (medians over several shapes).
# BEGIN COSTS (written by benchmarks/calibrate.py)
COSTS: dict[str, object] = {
    "machine": "AMD EPYC, 2 threads, torch 2.13.0+cpu, float32 (benchmarks/calibrate.py, 2026-11-29)",
    "direct_mac": {9: 1.25e-10, 49: 3.3e-11, 225: 1.75e-11, 961: 1.39e-11, 2401: 1.34e-11},
    "gemm_flop": 1.95e-11,
    "mem_elem": 1.89e-10,
    "axpy_elem": 6.87e-11,
    "fft_elem_log": 1.9e-10,
    "cmul_elem": 2.37e-10,
    "call": 5.48e-06,
}
# END COSTS

#: How much cheaper the FFT must be estimated before ``auto`` prefers it to an exact-order method.
_FFT_MARGIN = 1.15

#: FFT cost relative to float32 for float64 (measured ratio; applied to FFT and GEMM work).
_F64_FACTOR = 2.0

# Block width of the banded-Toeplitz GEMM passes.
_BLK_MIN = 32

# Working bytes allowed for one FFT chunk (product + inverse transform), besides the output.
_FFT_CHUNK_BYTES = 4 << 20


def _blk(k: int) -> int:
    """Block width of a 1-D pass for a filter of length ``k`` (measured best: 32-64 for k up to 49)."""
    return max(_BLK_MIN, min(128, 1 << (max(k, 1) - 1).bit_length()))


def fft_size(n: int) -> int:
    """The FFT length used for ``n`` samples: the next fast length for a real transform.

    Examples
    --------
    >>> fft_size(286)
    288
    """
    try:
        import scipy.fft

        return int(scipy.fft.next_fast_len(int(n), real=True))
    except ImportError:  # pragma: no cover - scipy is a dependency
        m = int(n)
        while True:
            r = m
            for p in (2, 3, 5):
                while r % p == 0:
                    r //= p
            if r == 1:
                return m
            m += 1


def fft_chunk(count: int, fh: int, fw: int, out_hw: tuple[int, int], elem: int = 4) -> int:
    """How many output maps one FFT chunk computes.

    A chunk holds its complex product (``fh * (fw // 2 + 1)`` complex values per
    map) and its inverse transform (``fh * fw`` reals per map). The chunk is the
    largest count whose working set fits ``_FFT_CHUNK_BYTES`` (cache-friendly,
    measured fastest) and never exceeds twice the bytes of the output maps it
    produces, so the peak memory of a call stays within 3x the output size
    (output + chunk + the input spectra, which are 1/N of the output's order).

    Examples
    --------
    >>> fft_chunk(128, 288, 288, (256, 256))
    6
    """
    per_map = elem * (2 * fh * (fw // 2 + 1) + fh * fw)
    out_map = elem * out_hw[0] * out_hw[1]
    c = max(1, _FFT_CHUNK_BYTES // per_map)
    c = min(c, max(1, (2 * count * out_map) // per_map))
    return int(min(count, c))


# --- accuracy rules -----------------------------------------------------------------------------


def _budget(dtype: torch.dtype, taps: int) -> float:
    """Relative L1 residual allowed in a factorisation (fraction of ``sum|k|``)."""
    if dtype == torch.float64:
        return 1e-14
    return 1e-6 if taps >= 130 else 1e-7


def allowed(dtype: torch.dtype, taps: int, *, exact: bool = False, requires_grad: bool = False) -> tuple[str, ...]:
    """The methods ``auto`` may use for this dtype, kernel size and accuracy need.

    ``exact`` is set for integer outputs below 130 taps, where the parity bound
    with OpenCV is zero: only ``direct`` sums in OpenCV's order.

    Examples
    --------
    >>> allowed(torch.float32, 9)
    ('direct', 'separable', 'lowrank')
    >>> allowed(torch.float32, 961, requires_grad=True)
    ('direct', 'fft')
    """
    if exact or dtype not in (torch.float32, torch.float64):
        return ("direct",)
    fft_ok = dtype == torch.float64 or taps >= 130
    if requires_grad:
        return ("direct", "fft") if fft_ok else ("direct",)
    return ("direct", "separable", "lowrank", "fft") if fft_ok else ("direct", "separable", "lowrank")


# --- caches -------------------------------------------------------------------------------------

_CACHE: OrderedDict[tuple, object] = OrderedDict()
_CACHE_MAX = 16


def clear_cache() -> None:
    """Forget every cached kernel spectrum and factorisation."""
    _CACHE.clear()


def _kernel_key(k: torch.Tensor) -> tuple | None:
    """A key naming the kernel's current values, or None when it must not be cached.

    CPU tensors are keyed by a digest of their bytes (a new tensor with the same
    values hits; a changed one misses). Other devices are keyed by the identity and
    version counter (bumped by every in-place change) of the storage's owning
    tensor, plus the view's geometry: ``FilterConv2d`` reshapes its weight on every
    forward, and those views must meet the same entry. A weak reference drops the
    entry when the owner dies, so a new tensor at a reused address never sees a
    stale one. Tensors that take part in autograd are not cached.
    """
    if k.requires_grad and torch.is_grad_enabled():
        return None
    meta = (tuple(k.shape), k.dtype, str(k.device))
    if k.device.type == "cpu":
        data = k.detach().contiguous().numpy().tobytes()
        return ("v", hashlib.blake2b(data, digest_size=16).digest(), *meta)
    owner = _owner(k)
    return ("id", id(owner), owner._version, k.storage_offset(), tuple(k.stride()), *meta)


def _owner(k: torch.Tensor) -> torch.Tensor:
    """The tensor that owns ``k``'s storage (``k`` itself unless it is a view)."""
    return k._base if k._base is not None else k


def _cache_get(key: tuple) -> object | None:
    hit = _CACHE.get(key)
    if hit is not None:
        _CACHE.move_to_end(key)
    return hit


def _cache_put(key: tuple, value: object, owner: torch.Tensor | None = None) -> None:
    _CACHE[key] = value
    _CACHE.move_to_end(key)
    while len(_CACHE) > _CACHE_MAX:
        _CACHE.popitem(last=False)
    if owner is not None and key[0] == "id":
        weakref.finalize(_owner(owner), _CACHE.pop, key, None)


# --- factorisations -----------------------------------------------------------------------------


@dataclass
class _Factors:
    """Row basis ``V`` (P, kw) and column filters ``C`` (G, N, P, kh) with ``K[g, n] ~ C[g, n]^T V``."""

    V: torch.Tensor
    C: torch.Tensor | None  # None: computed from the kernels at run time (differentiable)
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
    """Factors for ``separable`` / ``lowrank``; cached by kernel values unless the kernel requires grad."""
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


# --- banded Toeplitz 1-D passes -----------------------------------------------------------------


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
    if use is not None and bool((mask.sum(-1) == 1).all()) and bool((use == use[:1]).all()):
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
    out = torch.empty(m, g, n, h, w, dtype=x.dtype, device=x.device)
    for gi in range(g):
        for ni in range(n):
            o = out[:, gi, ni]
            taps = [(q, t, c) for q in range(p) for t, c in _shift_taps(C[gi, ni, q])]
            if not taps:
                o.zero_()
                continue
            q0, t0, c0 = taps[0]
            torch.mul(rows[q0][:, gi, t0 : t0 + h], c0, out=o)
            for q, t, c in taps[1:]:
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


# --- FFT ----------------------------------------------------------------------------------------

_rfft2 = torch.fft.rfft2
_irfft2 = torch.fft.irfft2


def _spectra(k: torch.Tensor, fh: int, fw: int) -> torch.Tensor:
    """Conjugate spectra (G, N, fh, fw//2+1) of the kernels, cached per values, size, dtype and device."""
    key = _kernel_key(k)
    ck = ("fft", fh, fw, key) if key is not None else None
    if ck is not None:
        hit = _cache_get(ck)
        if hit is not None:
            return hit  # type: ignore[return-value]
    spec = _rfft2(k, s=(fh, fw)).conj()
    if ck is not None:
        spec = spec.resolve_conj()
        _cache_put(ck, spec, k)
    return spec


def _fft(x: torch.Tensor, k: torch.Tensor) -> torch.Tensor:
    """x (M, G, Hp, Wp), k (G, N, kh, kw) -> (M, G, N, H, W) by FFT, in chunks of output maps."""
    m, g, hp, wp = x.shape
    _, n, kh, kw = k.shape
    h, w = hp - kh + 1, wp - kw + 1
    fh, fw = fft_size(hp), fft_size(wp)
    ks = _spectra(k, fh, fw)  # (G, N, fh, fw2)
    X = _rfft2(x, s=(fh, fw))  # (M, G, fh, fw2)
    elem = x.element_size()
    chunk = fft_chunk(m * g * n, fh, fw, (h, w), elem)
    if torch.is_grad_enabled() and (x.requires_grad or k.requires_grad):
        # Autograd: concatenate the crops (copying into slices of one output would make every
        # chunk's backward clone the whole output gradient).
        if chunk >= n:
            per = max(1, chunk // n)
            parts = [_irfft2(X[s : s + per, :, None] * ks, s=(fh, fw))[..., :h, :w] for s in range(0, m, per)]
            return torch.cat(parts, 0)
        rows = []
        for i in range(m):
            parts = [_irfft2(X[i, :, None] * ks[:, s : s + chunk], s=(fh, fw))[..., :h, :w] for s in range(0, n, chunk)]
            rows.append(torch.cat(parts, 1))
        return torch.stack(rows, 0)
    # Chunks are cropped straight into the preallocated output (no concatenation pass).
    out = torch.empty(m, g, n, h, w, dtype=x.dtype, device=x.device)
    if chunk >= n:  # whole banks per chunk: chunk over images
        per = max(1, chunk // n)
        for s in range(0, m, per):
            y = _irfft2(X[s : s + per, :, None] * ks, s=(fh, fw))
            out[s : s + per].copy_(y[..., :h, :w])
        return out
    for i in range(m):  # several chunks per image: chunk over kernels, one image at a time
        for s in range(0, n, chunk):
            y = _irfft2(X[i, :, None] * ks[:, s : s + chunk], s=(fh, fw))
            out[i, :, s : s + chunk].copy_(y[..., :h, :w])
    return out


# --- direct -------------------------------------------------------------------------------------


def _direct(x: torch.Tensor, k: torch.Tensor) -> torch.Tensor:
    m, g, hp, wp = x.shape
    _, n, kh, kw = k.shape
    if g == 1:
        out = F.conv2d(x, k.reshape(n, 1, kh, kw))
    else:
        out = F.conv2d(x, k.reshape(g * n, 1, kh, kw), groups=g)
    return out.reshape(m, g, n, hp - kh + 1, wp - kw + 1)


# --- cost model and choice ----------------------------------------------------------------------


@dataclass
class Plan:
    """A chosen method with its estimated seconds and the candidates it beat."""

    method: str
    seconds: float
    estimates: dict[str, float]


def _direct_mac(taps: int) -> float:
    table = sorted(COSTS["direct_mac"].items())  # type: ignore[union-attr]
    if taps <= table[0][0]:
        return table[0][1]
    for (t0, c0), (t1, c1) in itertools.pairwise(table):
        if taps <= t1:
            a = (math.log(taps) - math.log(t0)) / (math.log(t1) - math.log(t0))
            return c0 + a * (c1 - c0)
    return table[-1][1]


def estimate(
    method: str, shape: tuple[int, int, int, int], ksize: tuple[int, int, int], P: int = 0, grad: bool = False
) -> float:
    """Estimated seconds of one method for ``shape = (M, G, Hp, Wp)`` and ``ksize = (N, kh, kw)``.

    ``P`` is the number of row-basis rows for ``separable`` / ``lowrank``; ``grad`` whether
    autograd is recording (short factors then run as GEMMs, not as shifted multiply-adds).
    """
    m, g, hp, wp = shape
    n, kh, kw = ksize
    h, w = hp - kh + 1, wp - kw + 1
    c = COSTS
    call = float(c["call"])  # type: ignore[arg-type]
    mem = float(c["mem_elem"])  # type: ignore[arg-type]
    imgs = m * g
    outs = imgs * n * h * w
    if method == "direct":
        return call + _direct_mac(kh * kw) * outs * kh * kw
    if method in ("separable", "lowrank") and _uses_shifts(kh, kw, grad):
        # rows: P filters of up to kw taps over the padded rows; columns: per output, P (lowrank) or 1 filters
        share = 1 if method == "separable" else P
        row_ops, col_ops = P * kw, n * g * share * kh
        elems = row_ops * imgs * hp * w + col_ops * m * h * w
        return (row_ops + col_ops) * call + float(c["axpy_elem"]) * elems  # type: ignore[arg-type]
    if method in ("separable", "lowrank"):
        bw, bh = min(_blk(kw), w), min(_blk(kh), h)
        rows = imgs * hp * w * P * (bw + kw - 1) * 2
        share = 1 if method == "separable" else P
        cols = outs * share * (bh + kh - 1) * 2
        copies = imgs * hp * w * P * (1 + (0 if method == "separable" else (bh + kh - 1) / bh)) + outs
        calls = math.ceil(w / bw) + math.ceil(h / bh) * (P if method == "separable" else 1)
        return calls * call + float(c["gemm_flop"]) * (rows + cols) + mem * copies  # type: ignore[arg-type]
    if method == "fft":
        fh, fw = fft_size(hp), fft_size(wp)
        area = fh * fw
        lg = math.log2(area)
        chunks = math.ceil(imgs * n / fft_chunk(imgs * n, fh, fw, (h, w)))
        t = float(c["fft_elem_log"]) * (imgs + imgs * n) * area * lg  # type: ignore[arg-type]
        t += float(c["cmul_elem"]) * imgs * n * fh * (fw // 2 + 1)  # type: ignore[arg-type]
        return (chunks + 2) * call + t + mem * outs
    raise UnknownNameError("method", method, METHODS)


def choose(
    x_shape: tuple[int, int, int, int],
    kernels: torch.Tensor,
    *,
    method: str = "auto",
    exact: bool = False,
) -> tuple[str, _Factors | None, Plan]:
    """Pick the method for padded input ``(M, G, Hp, Wp)`` and kernels ``(G, N, kh, kw)``.

    Returns the method, its factors (``separable`` / ``lowrank``) and the :class:`Plan`.
    """
    if method not in METHODS:
        raise UnknownNameError("method", method, METHODS)
    n, kh, kw = kernels.shape[1:]
    taps = kh * kw
    grad = kernels.requires_grad and torch.is_grad_enabled()
    dtype = kernels.dtype
    budget = _budget(dtype, taps)
    shape = tuple(int(v) for v in x_shape)
    if method != "auto":
        f = None
        if method in ("separable", "lowrank"):
            if dtype not in (torch.float32, torch.float64):
                raise ParameterError(f"`method` {method!r} needs float32 or float64; got {dtype}")
            f = _factors(kernels, method, budget)
            if f is None:
                raise ParameterError(
                    f"`method` 'separable' needs rank-1 kernels (residual <= {budget:g} of sum|k|); "
                    "this bank is not: use 'lowrank' or 'auto'"
                )
        if method == "fft" and dtype not in (torch.float32, torch.float64):
            raise ParameterError(f"`method` 'fft' needs float32 or float64; got {dtype}")
        return method, f, Plan(method, float("nan"), {})
    cands = allowed(dtype, taps, exact=exact, requires_grad=grad)
    est: dict[str, float] = {}
    facts: dict[str, _Factors | None] = {}
    for mth in cands:
        if mth in ("separable", "lowrank"):
            if min(kh, kw) < 2 or taps < 9:
                continue
            f = _factors(kernels, mth, budget)
            if f is None:
                continue
            facts[mth] = f
            est[mth] = estimate(mth, shape, (n, kh, kw), f.V.shape[0], grad)
        else:
            est[mth] = estimate(mth, shape, (n, kh, kw))
    if dtype == torch.float64:
        est = {k: (v if k == "direct" else v * _F64_FACTOR) for k, v in est.items()}
    # The FFT's float32 error (~2e-7 of the scale) is larger than the others' (~1e-7): it must win clearly.
    best = min(est, key=lambda mth: est[mth] * (_FFT_MARGIN if mth == "fft" else 1.0))
    return best, facts.get(best), Plan(best, est[best], est)


def _run(x: torch.Tensor, k: torch.Tensor, method: str, exact: bool) -> torch.Tensor:
    """x (M, G, Hp, Wp), k (G, N, kh, kw) -> (M, G, N, H, W)."""
    mth, f, _ = choose(tuple(x.shape), k, method=method, exact=exact)
    if mth == "direct":
        return _direct(x, k)
    if mth == "fft":
        return _fft(x, k)
    assert f is not None
    return _factored(x, k, f)


def correlate_valid(
    xp: torch.Tensor, kernels: torch.Tensor, *, method: str = "direct", exact: bool = False
) -> torch.Tensor:
    """Correlate every channel of a padded batch with every kernel, 'valid' region only.

    Parameters
    ----------
    xp : torch.Tensor
        Padded input ``(B, C, Hp, Wp)``.
    kernels : torch.Tensor
        ``(N, kh, kw)``, same dtype and device as ``xp``.
    method : str
        One of :data:`METHODS`; ``"auto"`` asks the planner.
    exact : bool
        Only ``direct`` may be chosen by ``auto`` (integer outputs below 130
        taps, whose parity bound with OpenCV is exact).

    Returns
    -------
    torch.Tensor
        ``(B, C * N, Hp - kh + 1, Wp - kw + 1)``; channel ``c * N + n`` is input
        channel ``c`` correlated with kernel ``n``.

    Examples
    --------
    >>> import torch
    >>> correlate_valid(torch.ones(1, 2, 5, 5), torch.ones(3, 3, 3)).shape
    torch.Size([1, 6, 3, 3])
    """
    if method not in METHODS:
        raise UnknownNameError("method", method, METHODS)
    b, c, hp, wp = xp.shape
    n, kh, kw = kernels.shape
    y = _run(xp.reshape(b * c, 1, hp, wp), kernels.unsqueeze(0), method, exact)
    return y.reshape(b, c * n, hp - kh + 1, wp - kw + 1)


def _tracing() -> bool:
    """True under torch.compile / torch.export / ONNX export / TorchScript tracing, where ``auto``
    keeps the plain grouped conv (one graph op; the planner's caches read tensor values)."""
    try:
        if torch.compiler.is_compiling():
            return True
    except AttributeError:  # pragma: no cover - older torch
        pass
    onnx = getattr(torch, "onnx", None)
    if onnx is not None and getattr(onnx, "is_in_onnx_export", lambda: False)():
        return True
    return bool(torch.jit.is_tracing())


def conv_forward(
    xp: torch.Tensor,
    weight: torch.Tensor,
    groups: int,
    method: str = "auto",
    bias: torch.Tensor | None = None,
) -> torch.Tensor:
    """``F.conv2d(xp, weight, bias, groups=groups)`` for a depthwise filter-bank weight, by any method.

    Parameters
    ----------
    xp : torch.Tensor
        Padded input ``(B, C, Hp, Wp)`` (or unbatched ``(C, Hp, Wp)``) with ``C == groups``.
    weight : torch.Tensor
        ``(C * N, 1, kh, kw)`` (the layout of :class:`filterbank.FilterConv2d`):
        output ``c * N + n`` correlates input channel ``c`` with ``weight[c * N + n]``.
        The per-channel kernels may differ (a trained layer). Gradients reach
        ``weight`` through every method.
    groups : int
        ``C``.
    method : str
        One of :data:`METHODS`. Under ``torch.compile``, ``torch.export``, ONNX export
        and tracing, ``auto`` is the plain grouped conv.
    bias : torch.Tensor, optional
        ``(C * N,)``.

    Examples
    --------
    >>> import torch
    >>> conv_forward(torch.ones(2, 3, 6, 6), torch.ones(6, 1, 3, 3), 3).shape
    torch.Size([2, 6, 4, 4])
    """
    if method not in METHODS:
        raise UnknownNameError("method", method, METHODS)
    if xp.dim() == 3:  # unbatched (C, Hp, Wp), as F.conv2d accepts
        return conv_forward(xp.unsqueeze(0), weight, groups, method, bias)[0]
    if xp.dim() != 4 or weight.dim() != 4 or weight.shape[1] != 1 or xp.shape[1] != groups:
        raise ShapeError(
            f"`weight` must be (C * N, 1, kh, kw) with `xp` (B, C, Hp, Wp) and C == groups; "
            f"got weight {tuple(weight.shape)}, xp {tuple(xp.shape)}, groups {groups}"
        )
    b, c, hp, wp = xp.shape
    cn, _, kh, kw = weight.shape
    if method == "direct" or (method == "auto" and _tracing()):
        return F.conv2d(xp, weight, bias, 1, 0, 1, groups)
    k = weight.reshape(c, cn // c, kh, kw)
    y = _run(xp, k, method, False).reshape(b, cn, hp - kh + 1, wp - kw + 1)
    return y if bias is None else y + bias.reshape(1, cn, 1, 1)
