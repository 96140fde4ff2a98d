"""FFT execution: cached kernel spectra, fast transform sizes, output chunks and tiles that bound memory.

Large planes are tiled (overlap-save): the padded input is cut into tiles of a fast FFT size
that overlap by ``kh - 1`` / ``kw - 1``; each tile is transformed once, multiplied by the
kernel spectra at the tile size (cached like the full-size ones) and the valid part of each
inverse transform is written straight into the output. Measured on a 2-core KVM guest, one
thread, LM bank (48 kernels of 49 x 49) on one image, float32 (time; peak RSS rise / output):

=========  ========================  =========================
image      untiled                   tiled (``_FFT_TILE`` 512)
=========  ========================  =========================
640^2      127 ms; 2.8x              215 ms; 1.8x
768^2      295 ms; 2.7x              274 ms; 1.6x
1024^2     626 ms; 2.3x              277 ms; 1.3x
2048^2     5.4 s; 2.3x               1.23 s; 1.11x
4096^2     37 s; 2.2x (6.9 GB)       6.9 s; 1.03x (3.1 GB)
=========  ========================  =========================

Tiles of 256 and 1024 were slower at 1024^2 and 2048^2; hence tiling from a plane of
``_FFT_TILE_FROM`` transform points (about 800^2), with tiles of about 512.
"""

from __future__ import annotations

import scipy.fft
import torch

from .. import _alloc
from .cache import _memo

__all__ = ["fft_chunk", "fft_size", "fft_tiles"]

# Working bytes allowed for one FFT chunk (product + inverse transform), besides the output.
_FFT_CHUNK_BYTES = 4 << 20

# Tile side (before rounding to a fast length) for overlap-save, and the full transform's plane
# area (fh * fw) above which the FFT path tiles.
_FFT_TILE = 512
_FFT_TILE_FROM = 800 * 800

_rfft2 = torch.fft.rfft2
_irfft2 = torch.fft.irfft2


def fft_size(n: int) -> int:
    """The FFT length used for ``n`` samples: the next fast length for a real transform.

    Examples
    --------
    >>> fft_size(286)
    288
    """
    return int(scipy.fft.next_fast_len(int(n), real=True))


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


def _tile_len(n: int, k: int) -> int:
    """One axis's transform length for ``n`` padded samples: the whole axis's, or a shorter tile's.

    The tile is at least ``_FFT_TILE`` and 4 kernel lengths; the tiles are then evened out
    (as many as that length needs, each as short as their count allows, rounded to a fast length).
    """
    full = fft_size(n)
    t = fft_size(max(_FFT_TILE, 4 * k))
    if t >= full:
        return full
    out = n - k + 1
    count = -(-out // (t - k + 1))
    return fft_size(-(-out // count) + k - 1)


def fft_tiles(hp: int, wp: int, kh: int, kw: int) -> tuple[int, int]:
    """The transform size ``(th, tw)`` of the FFT path on a padded ``hp x wp`` plane with ``kh x kw`` kernels.

    Up to a plane of ``_FFT_TILE_FROM`` transform points, the whole plane is one transform
    (``th, tw = fft_size(hp), fft_size(wp)``). Above it the plane is tiled (overlap-save):
    along an axis where a tile of ``fft_size(max(_FFT_TILE, 4 * k))`` is shorter than the
    whole axis's transform, as many tiles as that length needs are evened out (each as short
    as their count allows, rounded up to a fast length ``t``); they overlap by ``k - 1`` and
    each yields ``t - k + 1`` output rows (columns), the last one fewer. The working set is then a few tiles' transforms
    and the kernel spectra at the tile size, not full-size ones.

    Examples
    --------
    >>> fft_tiles(300, 300, 13, 13)
    (300, 300)
    >>> fft_tiles(2096, 2096, 49, 49)
    (480, 480)
    """
    fh, fw = fft_size(hp), fft_size(wp)
    if fh * fw <= _FFT_TILE_FROM:
        return fh, fw
    return _tile_len(hp, kh), _tile_len(wp, kw)


def _shared(k: torch.Tensor) -> torch.Tensor:
    """``k[:1]`` when every group holds the same kernels (a FilterConv2d built from one bank), else ``k``.

    Their spectra are then computed and cached once and broadcast over the groups.
    """
    if k.shape[0] == 1 or k.device.type == "meta" or (k.requires_grad and torch.is_grad_enabled()):
        return k
    return k[:1] if torch.equal(k, k[:1].expand_as(k)) else k


def _spectra(k: torch.Tensor, fh: int, fw: int, cache: bool = True) -> torch.Tensor:
    """Conjugate spectra (G, N, fh, fw//2+1) of the kernels, cached per values, size, dtype and device.

    The leading dimension is 1 when every group holds the same kernels (see :func:`_shared`).
    ``cache=False`` neither reads nor fills the cache (a trainable kernel: new values every step).
    """
    k = _shared(k)
    if not cache:
        return _rfft2(k, s=(fh, fw)).conj()
    return _memo(("fft", fh, fw), k, lambda: _rfft2(k, s=(fh, fw)).conj().resolve_conj())


def _products(X: torch.Tensor, ks: torch.Tensor, dst: torch.Tensor, s: tuple[int, int], chunk: int) -> None:
    """``dst`` (M, G, N, h, w) = the top-left crops of ``irfft2(X * ks, s)``, ``chunk`` maps at a time."""
    m, n = X.shape[0], ks.shape[1]
    h, w = dst.shape[-2:]
    if chunk >= n:  # whole banks per chunk: chunk over images
        per = max(1, chunk // n)
        for i in range(0, m, per):
            dst[i : i + per].copy_(_irfft2(X[i : i + per, :, None] * ks, s=s)[..., :h, :w])
        return
    for i in range(m):  # several chunks per image: chunk over kernels, one image at a time
        for j in range(0, n, chunk):
            dst[i, :, j : j + chunk].copy_(_irfft2(X[i, :, None] * ks[:, j : j + chunk], s=s)[..., :h, :w])


def _forward(x: torch.Tensor, k: torch.Tensor, cache: bool = True) -> torch.Tensor:
    """x (M, G, Hp, Wp), k (G, N, kh, kw) -> (M, G, N, H, W) by FFT, tile by tile (:func:`fft_tiles`), no autograd."""
    m, g, hp, wp = x.shape
    _, n, kh, kw = k.shape
    h, w = hp - kh + 1, wp - kw + 1
    th, tw = fft_tiles(hp, wp, kh, kw)
    sh, sw = th - kh + 1, tw - kw + 1  # output rows / columns per tile
    ks = _spectra(k, th, tw, cache)  # (G or 1, N, th, tw2)
    if x.device.type == "cpu":  # a large output on huge pages: one fault per 2 MiB, not per 4 KiB
        out = _alloc.empty(m, g, n, h, w, dtype=x.dtype)
    else:
        out = torch.empty(m, g, n, h, w, dtype=x.dtype, device=x.device)
    chunk = fft_chunk(m * g * n, th, tw, (min(h, sh), min(w, sw)), x.element_size())
    for r in range(0, h, sh):
        r1 = min(r + sh, h)
        for c in range(0, w, sw):
            c1 = min(c + sw, w)
            X = _rfft2(x[..., r : r1 + kh - 1, c : c1 + kw - 1], s=(th, tw))  # (M, G, th, tw2)
            _products(X, ks, out[..., r:r1, c:c1], (th, tw), chunk)
    return out


def _fft(x: torch.Tensor, k: torch.Tensor) -> torch.Tensor:
    """x (M, G, Hp, Wp), k (G, N, kh, kw) -> (M, G, N, H, W) by FFT, in chunks of output maps."""
    if torch.is_grad_enabled() and (x.requires_grad or k.requires_grad):
        return _autograd_fft(x, k)
    return _forward(x, k)


def _autograd_fft(x: torch.Tensor, k: torch.Tensor) -> torch.Tensor:
    """The FFT correlation under autograd: one :class:`_Correlate` node (forward as without autograd)."""
    out = _Correlate.apply(x, k)
    assert isinstance(out, torch.Tensor)
    return out


class _Correlate(torch.autograd.Function):
    """FFT 'valid' correlation with a hand-written backward: whole spectra products, no per-chunk slices or fills.

    With ``y[m, g, n] = x[m, g] (*) k[g, n]`` (correlation) and output gradient ``dy``:
    ``dx[m, g] = sum_n dy[m, g, n] * k[g, n]`` (full convolution: spectrum ``DY * K``, summed over
    ``n``, one inverse transform per plane) and ``dk[g, n] = sum_m x[m, g] (*) dy[m, g, n]``
    cropped to ``kh x kw`` (spectrum ``X * conj(DY)``, summed over ``m``). Both use transforms of
    the whole padded plane (``fft_size(hp) x fft_size(wp)``): a linear convolution of ``H``
    outputs with ``kh`` taps has ``Hp`` samples, so nothing wraps around.
    """

    @staticmethod
    def forward(ctx: torch.autograd.function.FunctionCtx, x: torch.Tensor, k: torch.Tensor) -> torch.Tensor:
        """The no-autograd FFT path; a trainable kernel's spectra are not cached."""
        ctx.save_for_backward(x, k)
        return _forward(x, k, cache=not k.requires_grad)

    @staticmethod
    def backward(ctx: torch.autograd.function.FunctionCtx, dy: torch.Tensor) -> tuple[torch.Tensor | None, ...]:
        """Gradients for the input planes and the kernels, those that are needed."""
        x, k = ctx.saved_tensors  # type: ignore[attr-defined]
        need_x, need_k = ctx.needs_input_grad  # type: ignore[attr-defined]
        return _backward(x, k, dy, need_x, need_k)


def _backward(
    x: torch.Tensor, k: torch.Tensor, dy: torch.Tensor, need_x: bool, need_k: bool
) -> tuple[torch.Tensor | None, torch.Tensor | None]:
    """``(dx, dk)`` of the 'valid' correlation for the output gradient ``dy`` (see :class:`_Correlate`).

    Tile by tile as the forward (:func:`fft_tiles`): each output tile's gradient meets its input
    tile; ``dx`` is overlap-added and ``dk``'s spectrum summed over the tiles (one transform size).
    """
    m, g, hp, wp = x.shape
    _, n, kh, kw = k.shape
    h, w = hp - kh + 1, wp - kw + 1
    th, tw = fft_tiles(hp, wp, kh, kw)
    sh, sw = th - kh + 1, tw - kw + 1
    # kernels per chunk: a chunk transforms M * G output-gradient maps per kernel
    step = max(1, fft_chunk(m * g * n, th, tw, (min(h, sh), min(w, sw)), x.element_size()) // (m * g))
    K = _spectra(k, th, tw, cache=not k.requires_grad).conj() if need_x else None  # (G or 1, N, th, tw2)
    dx = torch.zeros_like(x) if need_x else None  # one fill per call: tiles overlap-add into it
    dks = None
    for r in range(0, h, sh):
        r1 = min(r + sh, h)
        for c in range(0, w, sw):
            c1 = min(c + sw, w)
            xt = x[..., r : r1 + kh - 1, c : c1 + kw - 1] if need_k else None
            dxs, dks = _tile_grads(xt, K, dy[..., r:r1, c:c1], (th, tw), step, dks)
            if dx is not None and dxs is not None:
                dx[..., r : r1 + kh - 1, c : c1 + kw - 1] += _irfft2(dxs, s=(th, tw))[
                    ..., : r1 - r + kh - 1, : c1 - c + kw - 1
                ]
    dk = _irfft2(dks, s=(th, tw))[..., :kh, :kw].contiguous() if dks is not None else None
    return dx, dk


def _tile_grads(
    xt: torch.Tensor | None,
    K: torch.Tensor | None,
    dy: torch.Tensor,
    s: tuple[int, int],
    step: int,
    dks: torch.Tensor | None,
) -> tuple[torch.Tensor | None, torch.Tensor | None]:
    """One tile: the input gradient's spectrum ``sum_n DY * K``; ``sum_m X * conj(DY)`` added to ``dks``."""
    X = _rfft2(xt, s=s) if xt is not None else None  # (M, G, th, tw2)
    first = dks is None
    if X is not None and dks is None:
        dks = X.new_empty((X.shape[1], dy.shape[2], *X.shape[2:]))
    dxs = None
    for j in range(0, dy.shape[2], step):
        DY = _rfft2(dy[:, :, j : j + step], s=s)  # (M, G, c, th, tw2)
        if K is not None:
            part = (DY * K[:, j : j + step]).sum(2)
            dxs = part if dxs is None else dxs.add_(part)
        if X is not None and dks is not None:
            prod = (X[:, :, None] * DY.conj()).sum(0)  # (G, c, th, tw2)
            if first:
                dks[:, j : j + step] = prod
            else:
                dks[:, j : j + step] += prod
    return dxs, dks
