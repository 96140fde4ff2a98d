"""FFT execution: cached kernel spectra, fast transform sizes, and output chunks that bound memory."""

from __future__ import annotations

import scipy.fft
import torch

from .. import _alloc
from .cache import _cache_get, _cache_put, _kernel_key

__all__ = ["fft_chunk", "fft_size"]

# Working bytes allowed for one FFT chunk (product + inverse transform), besides the output.
_FFT_CHUNK_BYTES = 4 << 20

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


def _shared(k: torch.Tensor) -> torch.Tensor:
    """``k[:1]`` when every group holds the same kernels (a FilterConv2d built from one bank), else ``k``.

    Their spectra are then computed and cached once and broadcast over the groups.
    """
    if k.shape[0] == 1 or k.device.type == "meta" or (k.requires_grad and torch.is_grad_enabled()):
        return k
    return k[:1] if torch.equal(k, k[:1].expand_as(k)) else k


def _spectra(k: torch.Tensor, fh: int, fw: int) -> torch.Tensor:
    """Conjugate spectra (G, N, fh, fw//2+1) of the kernels, cached per values, size, dtype and device.

    The leading dimension is 1 when every group holds the same kernels (see :func:`_shared`).
    """
    k = _shared(k)
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
    if x.device.type == "cpu":  # a large output on huge pages: one fault per 2 MiB, not per 4 KiB
        out = _alloc.empty(m, g, n, h, w, dtype=x.dtype)
    else:
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
