"""How a bank of 1-D or 3-D kernels is executed on padded input: the N-D planner.

The N-D twin of the 2-D planner (:mod:`filterbank.plan`), with the same accuracy
rules and the same kind of cost model. Three methods compute the 'valid'
correlation of every padded signal or volume with every kernel (what
``scipy.ndimage.correlate`` computes once the border is added):

``direct``
    One ``F.conv1d`` / ``F.conv2d`` / ``F.conv3d`` in which every input is a batch
    item and every kernel an output channel. The only method used for integer
    outputs below ``OPENCV_DFT_TAPS`` taps and for half precision.
``separable``
    Every kernel is rank 1 (an outer product of 1-D factors: Gaussians and their
    derivatives, Sobel, Prewitt, box). The factors are applied one axis at a time
    (a tree of passes: axes 0 .. d-2, then the last axis); a factor shared by
    several kernels (a Gaussian jet) is applied once. Each 1-D pass is a GEMM
    against a banded Toeplitz block (``blk + k - 1`` by ``blk``), exact (the extra
    entries are zeros) and at BLAS speed; factors of at most 8 taps run as shifted
    multiply-adds. A 15^3 Gaussian costs 3 passes of 15 taps (45 per voxel)
    instead of 3375 taps.
``fft``
    ``rfftn`` / ``fftn`` of each padded input once, times the cached conjugate
    spectra of the kernels, an inverse transform and a crop, in chunks of output
    maps. Without autograd a bank takes one complex inverse transform per *pair*
    of output maps (both are real: one is the real part, the other the imaginary
    part), about half the inverse-transform time. FFT sizes are
    ``scipy.fft.next_fast_len``. On the CPU, from :data:`SCIPY_FFT_MIN` points on,
    the transforms are ``scipy.fft``'s on the job pool, over overlap-save tiles of
    a few hundred thousand points (:func:`fft_tiles_nd`) that stay in cache: 16
    random 9^3 kernels on 96^3 took 111 ms in tiles of 56^3 against 134 ms as one
    108^3 transform.

Accuracy rules, those of the 2-D planner (:func:`filterbank.plan.allowed`,
:mod:`filterbank.plan.accuracy`): a factorisation is accepted only when the L1
norm of every kernel's residual is below ``budget * sum|k|`` (1e-7 in float32
below ``OPENCV_DFT_TAPS`` taps, 1e-6 from there, 1e-14 in float64); in float32 the
FFT (error ~2e-7 of ``sum|k| * max|x|``) is not used by ``auto`` below
``OPENCV_DFT_TAPS`` taps; integer outputs below that size use ``direct`` only. So
a 2-D kernel run as a one-slice 3-D kernel gets the same methods. The SciPy
reference computes in float64: the bounds are fractions of ``sum|k| * max|x|``
against it. A kernel that requires grad keeps a complete basis in ``separable``
(all rows of each axis's SVD basis), so values and gradients stay exact; ``auto``
then weighs only ``direct`` and ``fft``.

``auto`` picks the cheapest allowed method with :func:`estimate_nd`, whose
constants are those of :data:`filterbank.plan.COSTS` plus the N-D convolution
and FFT rates of :data:`COSTS_ND` (the ``"nd"`` key of the same data file,
``filterbank/plan/costs.json``, read by :mod:`filterbank.plan.costs` and rewritten by
``python -m filterbank.bench.calibrate_nd --write``). :func:`correlate_nd` is the entry point
(:func:`filterbank._core.filter_tensor` calls it for 1-D and 3-D input).

Examples
--------
>>> import torch
>>> correlate_nd(torch.ones(2, 3, 9, 8, 7), torch.ones(1, 4, 3, 3, 3)).shape
torch.Size([2, 12, 7, 6, 5])
"""

from __future__ import annotations

import functools
import itertools
import math
import threading
from dataclasses import dataclass

import numpy as np
import scipy.fft
import torch

from .. import _alloc, _threads
from .._errors import ParameterError, ShapeError, UnknownNameError
from .accuracy import _budget, allowed
from .cache import _cache_get, _cache_put, _kernel_key, _memo
from .chooser import _F64_FACTOR, _FFT_MARGIN
from .chooser import _direct_mac as _direct_mac_2d
from .costs import COSTS, COSTS_ND  # COSTS_ND: the 'nd' key of costs.json (re-exported here)
from .direct import _CONV, _direct
from .execute import tracing as _tracing
from .fft import _FFT_CHUNK_BYTES, fft_chunk, fft_size
from .nonfinite import isolated, spreads
from .separable import _blk, _shift_taps, _toeplitz, _uses_shifts

__all__ = [
    "COSTS_ND",
    "METHODS_ND",
    "PlanND",
    "choose_nd",
    "correlate_nd",
    "estimate_nd",
]

#: Execution methods of the N-D planner (``auto`` chooses among the others).
METHODS_ND: tuple[str, ...] = ("auto", "direct", "separable", "fft")


def _spatial(k: torch.Tensor) -> int:
    return k.dim() - 2  # (G, N, *ks)


# --- factorisations -----------------------------------------------------------------------------


@dataclass
class _Tree:
    """Passes of a factored bank along ``axes`` (spatial axes 0 .. d-2, first first), then the last axis.

    ``levels[j]`` lists the nodes of pass ``j`` along ``axes[j]``: ``(parent, vector)`` with ``parent`` an
    index into level ``j - 1`` (-1: the input). The final passes run along the last spatial axis (the
    least efficient GEMM, a right product, on the smallest array): kernel ``n`` is the sum over its
    terms ``(n, parent)`` of the last level's node ``parent`` correlated with ``filters[t]`` (float64,
    detached), computed from the kernels by :func:`_term_filters`. The order was measured on a
    160^3 volume: the last-axis pass is the slowest per output, so it comes last.
    """

    axes: tuple[int, ...]
    levels: list[list[tuple[int, torch.Tensor]]]
    term_kernel: list[int]
    term_parent: list[int]
    filters: torch.Tensor  # (T, k0), float64


def _unit(v: torch.Tensor) -> torch.Tensor:
    """``v / |v|`` with the sign that makes its first large entry (>= half the largest) positive.

    Not the largest entry itself: antisymmetric factors (odd derivatives) have two largest entries of
    opposite signs, equal up to rounding, and the same factor must get the same sign in every kernel.
    """
    v = v / v.norm().clamp_min(1e-300)
    a = v.abs()
    first = int(torch.nonzero(a >= 0.5 * a.max())[0, 0])
    return v * (1.0 if v[first] >= 0 else -1.0)


def _paths(tree: _Tree) -> list[list[torch.Tensor]]:
    """For every node of the last level, its vectors from level 0 down (one per processed axis)."""
    if not tree.levels:
        return [[]]
    out: list[list[torch.Tensor]] = []
    for parent, vec in tree.levels[-1]:
        path = [vec]
        for lvl in range(len(tree.levels) - 2, -1, -1):
            parent, vec = tree.levels[lvl][parent]
            path.append(vec)
        out.append(path[::-1])
    return out


def _term_filters(k: torch.Tensor, tree: _Tree) -> torch.Tensor:
    """``filters[t] = K[n_t]`` contracted with the vectors of its parent's path (differentiable in ``k``).

    ``k`` is ``(N, k0, ..., k_{d-1})``; the contraction over every axis but the last leaves a filter along it.
    """
    paths = _paths(tree)
    rows = []
    for n, p in zip(tree.term_kernel, tree.term_parent, strict=True):
        f = k[n]
        for axis, vec in sorted(zip(tree.axes, paths[max(p, 0)], strict=True), reverse=True):
            f = torch.tensordot(f, vec.to(device=f.device, dtype=f.dtype), dims=([axis], [0]))
        rows.append(f)
    return torch.stack(rows)


def _reconstruct(tree: _Tree, filters: torch.Tensor, shape: tuple[int, ...]) -> torch.Tensor:
    """The kernels ``(N, *ks)`` the tree computes, from its paths and final filters (float64)."""
    paths = _paths(tree)
    out = torch.zeros(shape, dtype=torch.float64)
    for t, (n, p) in enumerate(zip(tree.term_kernel, tree.term_parent, strict=True)):
        term = filters[t]
        for vec in reversed(paths[max(p, 0)]):  # axes d-2 .. 0: prepend each factor
            term = vec.reshape(-1, *([1] * term.dim())) * term
        out[n] += term
    return out


def _residual_ok(k64: torch.Tensor, approx: torch.Tensor, budget: float) -> bool:
    dims = tuple(range(1, k64.dim()))
    res = (k64 - approx).abs().sum(dim=dims)
    scale = k64.abs().sum(dim=dims).clamp_min(1e-300)
    return bool((res <= budget * scale).all())


def _mode_vector(kn: torch.Tensor, axis: int) -> torch.Tensor:
    """The unit factor of one kernel along ``axis``: its fibre through the largest tap, normalised.

    For a rank-1 kernel ``s f0 x f1 x ...`` the fibre is ``f_axis`` times a scalar, exact to one
    rounding, so kernels that share a factor (a Gaussian jet) give the same vector to the last bits
    and share its pass (an SVD's vectors differ by ~1e-13 from kernel to kernel). Kernels that are not
    rank 1 fail the residual check that follows.
    """
    idx = list(torch.unravel_index(kn.abs().argmax(), kn.shape))
    idx[axis] = slice(None)  # type: ignore[call-overload]
    return _unit(kn[tuple(idx)])


def _same(a: torch.Tensor, b: torch.Tensor, budget: float) -> bool:
    return a.shape == b.shape and torch.allclose(a, b, rtol=0, atol=1e-15 if budget < 1e-10 else 1e-12)


def _separable_tree(k64: torch.Tensor, budget: float) -> _Tree | None:
    """Rank-1 factors of every kernel ``(N, *ks)``, shared along the tree; ``None`` if one is not rank 1."""
    n, d = k64.shape[0], k64.dim() - 1
    axes = tuple(range(d - 1))
    levels: list[list[tuple[int, torch.Tensor]]] = [[] for _ in axes]
    leaf: list[int] = []
    for i in range(n):
        parent = -1
        for lvl, axis in enumerate(axes):
            vec = _mode_vector(k64[i], axis)
            for j, (p, v) in enumerate(levels[lvl]):
                if p == parent and _same(v, vec, budget):
                    parent = j
                    break
            else:
                levels[lvl].append((parent, vec))
                parent = len(levels[lvl]) - 1
        leaf.append(parent)
    tree = _Tree(axes, levels, list(range(n)), leaf, torch.empty(0))
    tree.filters = _term_filters(k64, tree)
    if not _residual_ok(k64, _reconstruct(tree, tree.filters, tuple(k64.shape)), budget):
        return None
    return tree


def _complete_tree(k64: torch.Tensor) -> _Tree:
    """A complete orthonormal basis on every axis but the last (all rows of each mode's SVD): exact for any kernel."""
    n, d = k64.shape[0], k64.dim() - 1
    axes = tuple(range(d - 1))
    levels: list[list[tuple[int, torch.Tensor]]] = []
    for axis in axes:
        m = k64.movedim(axis + 1, 0).reshape(k64.shape[axis + 1], -1)
        basis = torch.linalg.svd(m, full_matrices=True)[0].t()  # (k_a, k_a), orthonormal rows
        parents = range(len(levels[-1])) if levels else [-1]
        levels.append([(p, basis[r]) for p in parents for r in range(basis.shape[0])])
    last = len(levels[-1]) if levels else 1
    kernel = [i for i in range(n) for _ in range(last)]
    parent = [p for _ in range(n) for p in (range(last) if levels else [-1])]
    tree = _Tree(axes, levels, kernel, parent, torch.empty(0))
    tree.filters = _term_filters(k64, tree)
    return tree


def _tree_for(k: torch.Tensor, method: str, budget: float) -> _Tree | None:
    """The pass tree of one group's kernels ``(N, *ks)``; cached by kernel values unless they require grad."""
    if k.requires_grad and torch.is_grad_enabled():
        return _complete_tree(k.detach().to("cpu", torch.float64))
    key = _kernel_key(k)
    ck = ("nd-" + method, budget, key) if key is not None else None
    if ck is not None:
        hit = _cache_get(ck)
        if hit is not None:
            return hit if isinstance(hit, _Tree) else None
    tree = _separable_tree(k.detach().to("cpu", torch.float64), budget)
    if ck is not None:
        _cache_put(ck, tree if tree is not None else False, k)
    return tree


# --- banded Toeplitz 1-D passes -----------------------------------------------------------------


def _pass_shifts(x: torch.Tensor, filters: torch.Tensor, axis: int) -> torch.Tensor:
    """Short filters as shifted multiply-adds (one memory pass per non-zero tap); no autograd on filters."""
    c, k = filters.shape
    lo = x.shape[axis] - k + 1
    shape = list(x.shape)
    shape[axis] = lo
    out = torch.empty(c, *shape, dtype=x.dtype, device=x.device)
    for i in range(c):
        taps = _shift_taps(filters[i].to(torch.float64))
        if not taps:
            out[i].zero_()
            continue
        torch.mul(x.narrow(axis, taps[0][0], lo), taps[0][1], out=out[i])
        for t, v in taps[1:]:
            out[i].add_(x.narrow(axis, t, lo), alpha=v)
    return out


def _pass(x: torch.Tensor, filters: torch.Tensor, axis: int) -> torch.Tensor:
    """Correlate ``x`` along ``axis`` ('valid') with each row of ``filters`` (c, k): ``(c, *x.shape')``.

    Filters of at most ``filterbank.plan._SHIFT_MAX`` taps run as shifted multiply-adds when no
    gradient is recorded. Otherwise ``x`` is viewed as ``(outer, Lp, inner)``: the last axis is a right
    product with a block of the banded Toeplitz matrix, any other axis a left product (no
    transposes). Differentiable in both.

    Blocks are those of the 2-D passes (at least 32 wide). Measured on a 160^3 volume with 15 taps,
    best of 7: one thread, 16-wide blocks take 39 ms for the three passes and 32-wide 44 ms; two
    threads on a machine whose other core is busy, 328 ms and 118 ms (every GEMM call waits for both
    threads, and 16-wide blocks make twice the calls).
    """
    c, k = filters.shape
    grad = torch.is_grad_enabled() and (x.requires_grad or filters.requires_grad)
    if not grad and _uses_shifts(k, k, False):
        return _pass_shifts(x, filters, axis)
    shape = list(x.shape)
    lp = shape[axis]
    lo = lp - k + 1
    outer = math.prod(shape[:axis])
    inner = math.prod(shape[axis + 1 :])
    blk = min(_blk(k), lo)
    T = _toeplitz(filters, blk)  # (c, blk + k - 1, blk): T[j + t, j] = f[t]
    out_shape = [c, *shape]
    out_shape[axis + 1] = lo
    if not grad:
        out = torch.empty(c, outer, lo, inner, dtype=x.dtype, device=x.device)
        _gemm_blocks_into(out, x.reshape(outer, lp, inner), T, blk)
        return out.reshape(out_shape)
    parts = []
    if inner == 1:
        x2 = x.reshape(outer, lp)
        for s in range(0, lo, blk):
            nb = min(blk, lo - s)
            Tb = T if nb == blk else T[:, : nb + k - 1, :nb]
            Tb = Tb.permute(1, 0, 2).reshape(nb + k - 1, c * nb)
            parts.append((x2[:, s : s + nb + k - 1] @ Tb).reshape(outer, c, nb))
        y = parts[0] if len(parts) == 1 else torch.cat(parts, dim=-1)
        return y.permute(1, 0, 2).reshape(out_shape)
    x3 = x.reshape(outer, lp, inner)
    for s in range(0, lo, blk):
        nb = min(blk, lo - s)
        Tb = T if nb == blk else T[:, : nb + k - 1, :nb]
        lhs = Tb.transpose(1, 2).reshape(c * nb, nb + k - 1)
        parts.append((lhs @ x3[:, s : s + nb + k - 1, :]).reshape(outer, c, nb, inner))
    y = parts[0] if len(parts) == 1 else torch.cat(parts, dim=2)
    return y.permute(1, 0, 2, 3).reshape(out_shape)


def _gemm_blocks_into(out: torch.Tensor, x3: torch.Tensor, T: torch.Tensor, blk: int) -> None:
    """Fill ``out (c, outer, lo, inner)`` with ``x3 (outer, Lp, inner)`` through the Toeplitz blocks ``T``.

    No autograd. GEMMs write straight into ``out`` where the destination is a strided matrix (BLAS's
    leading dimension): one filter along the last axis, or a single outer slice along another axis;
    otherwise a block is computed for every filter at once and copied into place.
    """
    c, outer, lo, inner = out.shape
    k = T.shape[1] - blk + 1
    for s in range(0, lo, blk):
        nb = min(blk, lo - s)
        Tb = T if nb == blk else T[:, : nb + k - 1, :nb]
        src = x3[:, s : s + nb + k - 1, :]
        if inner == 1:
            x2 = src[:, :, 0]  # (outer, L), rows strided by Lp
            if c == 1:
                torch.mm(x2, Tb[0], out=out[0, :, s : s + nb, 0])
            else:
                y = x2 @ Tb.permute(1, 0, 2).reshape(nb + k - 1, c * nb)
                out[:, :, s : s + nb, 0].copy_(y.reshape(outer, c, nb).permute(1, 0, 2))
        elif outer == 1:
            for ci in range(c):
                torch.mm(Tb[ci].t(), src[0], out=out[ci, 0, s : s + nb])
        else:
            y = Tb.transpose(1, 2).reshape(c * nb, nb + k - 1) @ src
            out[:, :, s : s + nb].copy_(y.reshape(outer, c, nb, inner).permute(1, 0, 2, 3))


def _run_tree(x: torch.Tensor, tree: _Tree, filters: torch.Tensor, n: int) -> torch.Tensor:
    """x (M, *Sp) one group's inputs -> (M, N, *S) through the tree's passes (``filters``: (T, k_last))."""
    nodes: list[torch.Tensor] = [x]  # level -1: the input
    for lvl, axis in enumerate(tree.axes):
        prev, nodes = nodes, [None] * len(tree.levels[lvl])  # type: ignore[list-item]
        by_parent: dict[int, list[int]] = {}
        for j, (p, _) in enumerate(tree.levels[lvl]):
            by_parent.setdefault(max(p, 0), []).append(j)
        for p, js in by_parent.items():
            vecs = torch.stack([tree.levels[lvl][j][1] for j in js]).to(device=x.device, dtype=x.dtype)
            ys = _pass(prev[p], vecs, axis + 1)
            for j, y in zip(js, ys, strict=True):
                nodes[j] = y
    outs: list[torch.Tensor | None] = [None] * n
    by_parent = {}
    for t, p in enumerate(tree.term_parent):
        by_parent.setdefault(max(p, 0), []).append(t)
    last = x.dim() - 1
    for p, ts in by_parent.items():
        ys = _pass(nodes[p], filters[ts], last)
        for t, y in zip(ts, ys, strict=True):
            i = tree.term_kernel[t]
            outs[i] = y if outs[i] is None else outs[i] + y
    if n == 1:
        return outs[0].unsqueeze(1)  # type: ignore[union-attr]
    return torch.stack(outs, 1)  # type: ignore[arg-type]


def _separable(x: torch.Tensor, k: torch.Tensor, trees: list[_Tree]) -> torch.Tensor:
    """x (M, G, *Sp), k (G, N, *ks) -> (M, G, N, *S), one tree per group."""
    grad = k.requires_grad and torch.is_grad_enabled()
    outs = []
    for g, tree in enumerate(trees):
        filters = _term_filters(k[g], tree) if grad else tree.filters
        outs.append(_run_tree(x[:, g], tree, filters.to(device=x.device, dtype=x.dtype), k.shape[1]))
    return outs[0].unsqueeze(1) if len(outs) == 1 else torch.stack(outs, 1)


# --- FFT ----------------------------------------------------------------------------------------


def _spectra(k: torch.Tensor, fs: tuple[int, ...]) -> torch.Tensor:
    """Conjugate spectra ``(G, N, *fs[:-1], fs[-1] // 2 + 1)``, cached per values, size, dtype and device."""
    dims = tuple(range(-len(fs), 0))
    return _memo(("fftn", fs), k, lambda: torch.fft.rfftn(k, s=fs, dim=dims).conj().resolve_conj())


def _paired_spectra(k: torch.Tensor, fs: tuple[int, ...]) -> torch.Tensor:
    """``conj(K[2j]) + i conj(K[2j + 1])``: full complex spectra ``(G, ceil(N / 2), *fs)``, cached like ``_spectra``.

    The inverse transform of ``X * S_j`` is then ``y[2j] + i y[2j + 1]``: both outputs are real, so one
    complex inverse FFT gives two output maps (a missing partner is zero).
    """

    def build() -> torch.Tensor:
        kk = torch.cat([k, torch.zeros_like(k[:, :1])], 1) if k.shape[1] % 2 else k
        spec = torch.fft.fftn(kk, s=fs, dim=tuple(range(-len(fs), 0))).conj()
        return (spec[:, 0::2] + 1j * spec[:, 1::2]).contiguous()

    return _memo(("fftn-pairs", fs), k, build)


def _fft(x: torch.Tensor, k: torch.Tensor) -> torch.Tensor:
    """x (M, G, *Sp), k (G, N, *ks) -> (M, G, N, *S) by FFT, in chunks of output maps.

    Without autograd, banks of two or more kernels take one complex inverse FFT per *pair* of output
    maps (:func:`_paired_spectra`): measured 0.9x the time of one real inverse FFT of the same size
    (MKL, float32, 108^3), so about half the inverse-transform time. Otherwise real transforms.
    """
    m, g = x.shape[:2]
    n = k.shape[1]
    d = _spatial(k)
    sp, ks = x.shape[2:], k.shape[2:]
    out_s = tuple(a - b + 1 for a, b in zip(sp, ks, strict=True))
    fs = tuple(fft_size(v) for v in sp)
    dims = tuple(range(-d, 0))
    crop = (Ellipsis, *(slice(0, v) for v in out_s))
    grad = torch.is_grad_enabled() and (x.requires_grad or k.requires_grad)
    if not grad and n >= 2:
        return _fft_pairs(x, k, fs, out_s)
    spec = _spectra(k, fs)
    X = torch.fft.rfftn(x, s=fs, dim=dims)
    lead = math.prod(fs[:-1])
    chunk = fft_chunk(m * g * n, lead, fs[-1], (math.prod(out_s[:-1]), out_s[-1]), x.element_size())
    if grad:
        rows = []
        for i in range(m):
            parts = [
                torch.fft.irfftn(X[i, :, None] * spec[:, s : s + chunk], s=fs, dim=dims)[crop]
                for s in range(0, n, chunk)
            ]
            rows.append(torch.cat(parts, 1))
        return torch.stack(rows, 0)
    out = torch.empty(m, g, n, *out_s, dtype=x.dtype, device=x.device)
    per = max(1, chunk // n)
    for s in range(0, m, per):
        out[s : s + per].copy_(torch.fft.irfftn(X[s : s + per, :, None] * spec, s=fs, dim=dims)[crop])
    return out


def _fft_pairs(x: torch.Tensor, k: torch.Tensor, fs: tuple[int, ...], out_s: tuple[int, ...]) -> torch.Tensor:
    """The paired-output FFT of :func:`_fft` (no autograd), in chunks of (image, pair) maps within the budget.

    Each inverse transform ``z`` holds map ``2j`` in its real and map ``2j + 1`` in its imaginary part;
    one copy of ``view_as_real(z)`` de-interleaves both into the output (for an odd ``N`` the last
    imaginary part is zero and is dropped by a view).
    """
    m, g = x.shape[:2]
    n = k.shape[1]
    if x.device.type == "cpu" and math.prod(fs) >= SCIPY_FFT_MIN:
        return _fft_pairs_scipy(x, k, out_s, n)
    dims = tuple(range(-len(fs), 0))
    crop = (Ellipsis, *(slice(0, v) for v in out_s))
    spec = _paired_spectra(k, fs)  # (G, P, *fs)
    pairs = spec.shape[1]
    X = torch.fft.fftn(x, s=fs, dim=dims)  # (M, G, *fs)
    out = torch.empty(m, g, pairs, 2, *out_s, dtype=x.dtype, device=x.device)
    per_map = 2 * spec.element_size() * math.prod(fs)  # the product and its inverse transform
    maps = max(1, _FFT_CHUNK_BYTES // per_map)
    if maps >= pairs * g:  # whole banks per chunk: chunk over images
        per = max(1, maps // (pairs * g))
        for s in range(0, m, per):
            z = torch.fft.ifftn(X[s : s + per, :, None] * spec, dim=dims)[crop]
            out[s : s + per].copy_(torch.view_as_real(z).movedim(-1, 3))
    else:
        step = max(1, maps // g)
        for i in range(m):
            for p0 in range(0, pairs, step):
                z = torch.fft.ifftn(X[i, :, None] * spec[:, p0 : p0 + step], dim=dims)[crop]
                out[i, :, p0 : p0 + step].copy_(torch.view_as_real(z).movedim(-1, 2))
    return out.reshape(m, g, 2 * pairs, *out_s)[:, :, :n]


#: Transform size (points) from which the CPU paired FFT runs on ``scipy.fft`` (pocketfft) and Python
#: threads, each thread with its own buffers: the forward transform of a tile, then per pair of maps the
#: product, the in-place inverse transform and the copy-out, all of which release the GIL. One 105^3
#: complex64 inverse transform took 13 ms on one pocketfft thread against 16 ms in ``torch.fft.ifftn`` on
#: two (2-core VM).
SCIPY_FFT_MIN = 1 << 18

#: Transform points of one overlap-save tile from which a transform runs out of cache. Measured on the
#: 2-core VM, two threads each running a complex64 product and inverse transform per job: 5.3-6.3 ns a
#: point for cubes of 40^3 to 72^3 (64-373 K points), 8.6 for 96^3 and 10.6 for 108^3 (1.26 M points).
#: On the V2 workload (16 random 9^3 kernels on 96^3, medians of 7 interleaved calls): tiles of 56^3
#: 111 ms, of 56 x 56 x 108 118 ms, one 108^3 transform 134 ms; :func:`_tile_rate` follows these.
_TILE_POINTS = 200_000

#: A tile's fixed cost (a job's Python, the spectra lookup, the copy-out call) in transform points.
_TILE_OVERHEAD_POINTS = 20_000


def _smooth7(n: int) -> int:
    """The smallest length of at least ``n`` with no prime factor above 7 (pocketfft's fast radices)."""
    while True:
        m = n
        for f in (2, 3, 5, 7):
            while m % f == 0:
                m //= f
        if m == 1:
            return n
        n += 1


def _tile_rate(points: int) -> float:
    """Time per transform point of a tile of ``points``, relative to one that stays in cache."""
    return 1.0 + 0.35 * math.log2(max(1.0, points / _TILE_POINTS))


@functools.lru_cache(maxsize=256)
def fft_tiles_nd(sp: tuple[int, ...], ks: tuple[int, ...]) -> tuple[int, ...]:
    """Per axis, the transform length of an overlap-save tile of the CPU N-D FFT.

    The padded input ``sp`` is cut along each axis into tiles that give ``t - k + 1``
    outputs each (the last may give fewer) and overlap by ``k - 1``; a tile is one
    transform of ``t`` points along that axis, zero-padded at the end. An axis left whole
    has ``t = fft_size(sp)``; a tile's length has no prime factor above 7. The lengths
    minimise the transform points of all tiles, weighted by :func:`_tile_rate` (a large
    transform falls out of cache and costs up to twice as much a point), plus a fixed
    cost per tile.

    Examples
    --------
    >>> fft_tiles_nd((104, 104, 104), (9, 9, 9))  # 9^3 kernels on 96^3: 8 tiles of 48^3 outputs
    (56, 56, 56)
    >>> fft_tiles_nd((40, 40, 40), (5, 5, 5))  # small: one transform
    (40, 40, 40)
    """
    options: list[list[int]] = []
    for n, k in zip(sp, ks, strict=True):
        out = n - k + 1
        whole = fft_size(n)
        lengths = {whole}
        for q in range(2, 17):
            t = _smooth7(-(-out // q) + k - 1)
            if t < whole and t - k + 1 >= k:  # a tile gives at least a kernel length of outputs
                lengths.add(t)
        options.append(sorted(lengths))
    best: tuple[float, tuple[int, ...]] | None = None
    for ts in itertools.product(*options):
        pts = math.prod(ts)
        tiles = math.prod(-(-(n - k + 1) // (t - k + 1)) for n, k, t in zip(sp, ks, ts, strict=True))
        cost = tiles * (pts * _tile_rate(pts) + _TILE_OVERHEAD_POINTS)
        if best is None or cost < best[0]:
            best = (cost, ts)
    assert best is not None
    return best[1]


def _fft_pairs_scipy(x: torch.Tensor, k: torch.Tensor, out_s: tuple[int, ...], n: int) -> torch.Tensor:
    """:func:`_fft_pairs` on the CPU: overlap-save tiles (:func:`fft_tiles_nd`), ``scipy.fft`` transforms.

    A job is one (input, group, tile): its forward transform, then for each pair of maps the product, the
    inverse transform and the copy of both maps' outputs. With fewer such jobs than twice the threads, the
    forward transforms come first and a job is one (input, group, tile, pair).
    """
    m, g = x.shape[:2]
    sp, ks = tuple(x.shape[2:]), tuple(k.shape[2:])
    ts = fft_tiles_nd(sp, ks)
    spec = _paired_spectra(k, ts).numpy()  # (G, P, *ts)
    pairs = spec.shape[1]
    axes = tuple(range(-len(ts), 0))
    steps = [t - kk + 1 for t, kk in zip(ts, ks, strict=True)]
    starts = list(itertools.product(*(range(0, o, s) for o, s in zip(out_s, steps, strict=True))))
    threads = _threads.engine_threads(torch.get_num_threads(), 1.0, 1.0)  # each job: large transforms
    xn = x.detach().numpy()
    cdtype = np.complex64 if x.dtype == torch.float32 else np.complex128
    out = _alloc.empty(m, g, pairs, 2, *out_s, dtype=x.dtype)  # recycled: no page faults on a repeated call
    on = out.numpy()
    local = threading.local()

    def buffer() -> np.ndarray:
        """This thread's product buffer (one per thread and call), transformed in place."""
        buf = getattr(local, "buf", None)
        if buf is None:
            buf = local.buf = np.empty(ts, cdtype)
        return buf

    def forward(i: int, j: int, s: tuple[int, ...]) -> np.ndarray:
        window: tuple[int | slice, ...] = (i, j, *(slice(a, a + t) for a, t in zip(s, ts, strict=True)))
        return scipy.fft.fftn(xn[window], s=ts, axes=axes, workers=1)  # zero-padded to the tile's length

    def inverse(X: np.ndarray, i: int, j: int, s: tuple[int, ...], p: int, buf: np.ndarray) -> None:
        np.multiply(X, spec[j if spec.shape[0] > 1 else 0, p], out=buf)
        z = scipy.fft.ifftn(buf, axes=axes, workers=1, overwrite_x=True)
        size = tuple(min(st, o - a) for st, o, a in zip(steps, out_s, s, strict=True))
        region = tuple(slice(a, a + c) for a, c in zip(s, size, strict=True))
        z = z[tuple(slice(0, c) for c in size)]
        real: tuple[int | slice, ...] = (i, j, p, 0, *region)
        imag: tuple[int | slice, ...] = (i, j, p, 1, *region)
        on[real] = z.real
        on[imag] = z.imag

    units = [(i, j, s) for i in range(m) for j in range(g) for s in starts]
    if len(units) >= 2 * threads:

        def unit(i: int, j: int, s: tuple[int, ...]) -> None:
            X, buf = forward(i, j, s), buffer()
            for p in range(pairs):
                inverse(X, i, j, s, p, buf)

        _threads.run_jobs([functools.partial(unit, *u) for u in units], threads)
    else:
        spectra = [forward(*u) for u in units]

        def one(X: np.ndarray, u: tuple[int, int, tuple[int, ...]], p: int) -> None:
            inverse(X, *u, p, buffer())

        jobs = [functools.partial(one, X, u, p) for X, u in zip(spectra, units, strict=True) for p in range(pairs)]
        _threads.run_jobs(jobs, threads)
    return out.reshape(m, g, 2 * pairs, *out_s)[:, :, :n]


# --- cost model and choice ----------------------------------------------------------------------


@dataclass
class PlanND:
    """A chosen method with its estimated seconds and the candidates it beat."""

    method: str
    seconds: float
    estimates: dict[str, float]


def _direct_mac(d: int, taps: int) -> float:
    table = COSTS_ND["direct_mac"][d]
    if table is None:
        return _direct_mac_2d(taps)
    pts = sorted(table.items())
    if taps <= pts[0][0]:
        return pts[0][1]
    for (t0, c0), (t1, c1) in itertools.pairwise(pts):
        if taps <= t1:
            a = (math.log(taps) - math.log(t0)) / (math.log(t1) - math.log(t0))
            return c0 + a * (c1 - c0)
    return pts[-1][1]


def _tree_cost(shape: tuple[int, ...], ksize: tuple[int, ...], tree: _Tree, grad: bool) -> float:
    """Seconds of the separable passes: per pass, Toeplitz GEMM flops plus one copy of its output."""
    c = COSTS
    call, mem, flop = float(c["call"]), float(c["mem_elem"]), float(c["gemm_flop"])  # type: ignore[arg-type]
    m, g = shape[:2]
    dims = list(shape[2:])
    total = 0.0
    counts = [len(lvl) for lvl in tree.levels] + [len(tree.term_parent)]
    for axis, count in zip((*tree.axes, len(ksize) - 1), counts, strict=True):
        k = ksize[axis]
        dims[axis] = dims[axis] - k + 1
        outs = m * g * count * math.prod(dims)
        if _uses_shifts(k, k, grad):
            total += k * (call * count + float(c["axpy_elem"]) * outs)  # type: ignore[arg-type]
            continue
        blk = min(_blk(k), dims[axis])
        total += flop * 2 * outs * (blk + k - 1) + mem * outs + call * math.ceil(dims[axis] / blk) * count
    return total


def estimate_nd(
    method: str,
    shape: tuple[int, ...],
    ksize: tuple[int, ...],
    tree: _Tree | None = None,
    dtype: torch.dtype = torch.float32,
    grad: bool = False,
) -> float:
    """Estimated seconds of one method for padded input ``shape = (M, G, *Sp)`` and ``ksize = (N, *ks)``.

    ``tree`` is the separable pass tree (required for ``separable``); ``grad`` whether autograd
    records (short factors then run as GEMMs, not as shifted multiply-adds).

    Examples
    --------
    >>> t_direct = estimate_nd("direct", (1, 1, 174, 174, 174), (1, 15, 15, 15))
    >>> t_fft = estimate_nd("fft", (1, 1, 174, 174, 174), (1, 15, 15, 15))
    >>> t_fft < t_direct
    True
    """
    m, g = shape[:2]
    sp = shape[2:]
    n, ks = ksize[0], tuple(ksize[1:])
    d = len(ks)
    out_s = [a - b + 1 for a, b in zip(sp, ks, strict=True)]
    outs = m * g * n * math.prod(out_s)
    c = COSTS
    call, mem = float(c["call"]), float(c["mem_elem"])  # type: ignore[arg-type]
    f64 = 1.0 if dtype != torch.float64 else _F64_FACTOR
    if method == "direct":
        taps = math.prod(ks)
        return call + _direct_mac(d, taps) * outs * taps
    if method == "separable":
        if tree is None:
            raise ParameterError("`tree` is required to estimate 'separable'")
        return f64 * _tree_cost(tuple(shape), tuple(ks), tree, grad)
    if method == "fft":
        fs = [fft_size(v) for v in sp]
        area = math.prod(fs)
        rate = COSTS_ND["fft_elem_log"][d] or float(c["fft_elem_log"])  # type: ignore[arg-type]
        imgs = m * g
        # Without autograd a bank takes one complex inverse transform per pair of maps (about the time of
        # one real one), on full spectra; with autograd or one kernel, one real transform per map.
        inverses = n if grad or n == 1 else (n + 1) // 2
        bins = area if inverses < n else (area // fs[-1]) * (fs[-1] // 2 + 1)
        t = float(rate) * imgs * (1 + inverses) * area * math.log2(max(area, 2))
        t += float(c["cmul_elem"]) * imgs * inverses * bins  # type: ignore[arg-type]
        return f64 * ((imgs * inverses + 2) * call + t + mem * outs)
    raise UnknownNameError("method", method, METHODS_ND)


def _candidates(dtype: torch.dtype, taps: int, d: int, exact: bool, grad: bool) -> tuple[str, ...]:
    """The 2-D planner's accuracy rules (:func:`filterbank.plan.allowed`) restricted to the N-D methods."""
    return tuple(m for m in allowed(dtype, taps, exact=exact, requires_grad=grad) if m in METHODS_ND)


def _check_forced(method: str, dtype: torch.dtype) -> None:
    if method in ("separable", "fft") and dtype not in (torch.float32, torch.float64):
        raise ParameterError(f"`method` {method!r} needs float32 or float64; got {dtype}")


def choose_nd(
    x_shape: tuple[int, ...], kernels: torch.Tensor, *, method: str = "auto", exact: bool = False
) -> tuple[str, list[_Tree] | None, PlanND]:
    """Pick the method for padded input ``(M, G, *Sp)`` and kernels ``(G, N, *ks)``.

    Returns the method, the per-group pass trees (``separable``) and the :class:`PlanND`.

    Examples
    --------
    >>> import torch
    >>> from filterbank.kernels import gaussian_nd
    >>> k = torch.from_numpy(gaussian_nd(15, 2.0, ndim=3)).float()[None, None]
    >>> choose_nd((1, 1, 174, 174, 174), k)[0]
    'separable'
    """
    if method not in METHODS_ND:
        raise UnknownNameError("method", method, METHODS_ND)
    g, n = kernels.shape[:2]
    ks = tuple(kernels.shape[2:])
    taps = math.prod(ks)
    grad = kernels.requires_grad and torch.is_grad_enabled()
    dtype = kernels.dtype
    budget = _budget(dtype, taps)
    shape = tuple(int(v) for v in x_shape)
    if method != "auto":
        _check_forced(method, dtype)
        trees = None
        if method == "separable":
            found = [_tree_for(kernels[i], method, budget) for i in range(g)]
            if any(t is None for t in found):
                raise ParameterError(
                    f"`method` 'separable' needs rank-1 kernels (residual <= {budget:g} of sum|k|); "
                    "this bank is not: use 'auto', 'direct' or 'fft'"
                )
            trees = [t for t in found if t is not None]
        return method, trees, PlanND(method, float("nan"), {})
    est: dict[str, float] = {}
    trees_found: list[_Tree] | None = None
    for mth in _candidates(dtype, taps, len(ks), exact, grad):
        if mth == "separable":
            if taps < 9:
                continue
            found = [_tree_for(kernels[i], mth, budget) for i in range(g)]
            if any(t is None for t in found):
                continue
            trees_found = found  # type: ignore[assignment]
            est[mth] = sum(estimate_nd(mth, (shape[0], 1, *shape[2:]), (n, *ks), t, dtype, grad) for t in found)
        else:
            est[mth] = estimate_nd(mth, shape, (n, *ks), dtype=dtype, grad=grad)
    best = min(est, key=lambda mth: est[mth] * (_FFT_MARGIN if mth == "fft" else 1.0))
    return best, trees_found if best == "separable" else None, PlanND(best, est[best], est)


def _run(x: torch.Tensor, k: torch.Tensor, method: str, exact: bool) -> torch.Tensor:
    """x (M, G, *Sp), k (G, N, *ks) -> (M, G, N, *S).

    Non-finite input keeps the 2-D rule (:mod:`filterbank.plan.nonfinite`): the FFT and the
    Toeplitz GEMM passes would carry a NaN or inf beyond the windows that cover it, so the
    inputs (batch items) that hold one are computed ``direct``, the others by the chosen method.
    """
    mth, trees, _ = choose_nd(tuple(x.shape), k, method=method, exact=exact)
    if mth == "direct":
        return _direct(x, k)
    if mth == "fft":
        return isolated(x, k, lambda xs: _fft(xs, k))
    assert trees is not None
    grad = torch.is_grad_enabled() and (x.requires_grad or k.requires_grad)
    side = max(k.shape[2:])
    if not spreads(mth, side, side, grad):  # shifted multiply-adds touch a voxel only through its windows
        return _separable(x, k, trees)
    return isolated(x, k, lambda xs: _separable(xs, k, trees))


def correlate_nd(
    xp: torch.Tensor,
    kernels: torch.Tensor,
    *,
    method: str = "auto",
    exact: bool = False,
    bias: torch.Tensor | None = None,
) -> torch.Tensor:
    """Correlate a padded batch of signals or volumes with a bank, 'valid' region only: the N-D entry point.

    Parameters
    ----------
    xp : torch.Tensor
        Padded input ``(B, C, *Sp)`` with 1, 2 or 3 spatial axes.
    kernels : torch.Tensor
        ``(G, N, *ks)``, as many spatial axes, same dtype and device as ``xp``,
        with ``G == C`` (channel ``c`` by its own kernels, the weight of
        :class:`filterbank.FilterConv3d`) or ``G == 1`` (one bank for every
        channel, :func:`filterbank.filter3d`). Gradients reach the kernels
        through every method.
    method : str
        One of :data:`METHODS_ND`; ``"auto"`` asks the planner (the plain conv
        under ``torch.compile``, export and tracing).
    exact : bool
        Only ``direct`` may be chosen by ``auto`` (integer outputs below
        ``OPENCV_DFT_TAPS`` taps).
    bias : torch.Tensor, optional
        ``(C * N,)``, added to the output.

    Returns
    -------
    torch.Tensor
        ``(B, C * N, *(Sp - ks + 1))``; channel ``c * N + n`` is input channel ``c``
        correlated with kernel ``n`` (of its group).

    Examples
    --------
    >>> import torch
    >>> correlate_nd(torch.ones(1, 2, 10), torch.ones(2, 3, 4))[0, :, 0]
    tensor([4., 4., 4., 4., 4., 4.])
    """
    if method not in METHODS_ND:
        raise UnknownNameError("method", method, METHODS_ND)
    d = xp.dim() - 2
    if d not in (1, 2, 3) or kernels.dim() != d + 2 or kernels.shape[0] not in (1, xp.shape[1]):
        raise ShapeError(
            "`kernels` must be (G, N, *ks) with G == 1 or G == C of `xp` (B, C, *Sp), as many spatial axes "
            f"(1 to 3); got kernels {tuple(kernels.shape)}, xp {tuple(xp.shape)}"
        )
    b, c = xp.shape[:2]
    g, n = kernels.shape[:2]
    sp, ks = tuple(xp.shape[2:]), tuple(kernels.shape[2:])
    if method == "auto" and _tracing():
        method = "direct"
    if xp.device.type == "cpu" and not _tracing():
        _alloc.prime_malloc()
    if g == c:
        if method == "direct":
            return _CONV[d](xp, kernels.reshape(c * n, 1, *ks), bias, 1, 0, 1, c)
        y = _run(xp, kernels, method, exact)
    else:
        y = _run(xp.reshape(b * c, 1, *sp), kernels, method, exact)
    y = y.reshape(b, c * n, *y.shape[3:])
    return y if bias is None else y + bias.reshape(1, c * n, *([1] * d))
