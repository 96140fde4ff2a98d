"""plan.fft tiling (overlap-save): tiled results equal scipy's 'valid' correlation, and the tiles are really used."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.signal
import torch

from filterbank import plan
from filterbank.plan import fft as plan_fft
from tests.conftest import tolerance

# kernel sizes: odd, even, non-square both ways, one longer than a tile's overlap budget on one axis
SIZES = [(5, 5), (4, 4), (3, 7), (9, 2), (1, 6)]


def _reference(x: np.ndarray, k: np.ndarray) -> np.ndarray:
    """(M, G, N, H, W): every plane x[m, g] correlated ('valid') with every kernel k[g or 0, n], by scipy in float64."""
    m, g = x.shape[:2]
    gk, n = k.shape[:2]
    out = np.empty((m, g, n, x.shape[2] - k.shape[2] + 1, x.shape[3] - k.shape[3] + 1))
    for i in range(m):
        for j in range(g):
            for t in range(n):
                out[i, j, t] = scipy.signal.correlate2d(x[i, j], k[j if gk > 1 else 0, t], mode="valid")
    return out


@pytest.fixture
def small_tiles(monkeypatch):
    """Tiles of 32 points from any plane size, so a tiled call runs on small images."""
    monkeypatch.setattr(plan_fft, "_FFT_TILE", 32)
    monkeypatch.setattr(plan_fft, "_FFT_TILE_FROM", 0)


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
@pytest.mark.parametrize("groups", [1, 2])
@pytest.mark.parametrize("size", SIZES, ids=[f"{a}x{b}" for a, b in SIZES])
def test_tiled_equals_reference(small_tiles, monkeypatch, size, groups, dtype) -> None:
    kh, kw = size
    rng = np.random.default_rng(kh * 10 + kw)
    x = rng.random((3, groups, 90, 77))  # M = 3, G = groups; 90 x 77 is several tiles with a partial last one
    k = rng.normal(size=(groups, 4, kh, kw))
    th, tw = plan_fft.fft_tiles(90, 77, kh, kw)
    sh, sw = th - kh + 1, tw - kw + 1
    h, w = 90 - kh + 1, 77 - kw + 1
    assert th < plan.fft_size(90) and tw < plan.fft_size(77)  # both axes are tiled
    assert h % sh != 0 or w % sw != 0  # a partial last tile on at least one axis
    calls: list[tuple[int, ...]] = []
    real = plan_fft._rfft2

    def counting(t, s=None):
        calls.append(tuple(t.shape))
        return real(t, s=s)

    monkeypatch.setattr(plan_fft, "_rfft2", counting)
    plan.clear_cache()
    xt, kt = torch.from_numpy(x).to(dtype), torch.from_numpy(k).to(dtype)
    got = plan_fft._fft(xt, kt)
    image_calls = [c for c in calls if c[-2:] != (kh, kw)]
    assert len(image_calls) == math.ceil(h / sh) * math.ceil(w / sw) > 4  # one transform per tile
    ref = _reference(x, k)
    assert got.shape == ref.shape
    for t in range(4):
        err = np.abs(got[:, :, t].double().numpy() - ref[:, :, t]).max()
        tol = max(tolerance(k[g, t], x, np.dtype(str(dtype).split(".")[-1])) for g in range(groups))
        assert err <= tol, f"{size} G={groups} {dtype} kernel {t}: {err:.3g} > {tol:.3g}"


def test_tiled_through_correlate(small_tiles) -> None:
    """The public entry point (grouped layout, a bias) takes the tiled path and equals the grouped conv."""
    torch.manual_seed(3)
    x = torch.rand(2, 3, 70, 66, dtype=torch.float64)
    w = torch.randn(3 * 2, 1, 6, 5, dtype=torch.float64)
    b = torch.randn(6, dtype=torch.float64)
    ref = torch.nn.functional.conv2d(x, w, b, groups=3)
    got = plan.conv_forward(x, w, 3, "fft", b)
    assert torch.allclose(got, ref, rtol=0, atol=1e-13 * float(w.abs().sum((1, 2, 3)).max()))


def test_untiled_below_threshold() -> None:
    """Planes up to the threshold keep one full-size transform; larger ones tile at the tile length."""
    assert plan_fft.fft_tiles(600, 600, 49, 49) == (plan.fft_size(600),) * 2
    # 2048 outputs: tiles of 512 would give 5 tiles (464 outputs each, the last one 192); 5 even tiles of 410 + 48
    assert plan_fft.fft_tiles(2096, 2096, 49, 49) == (plan.fft_size(410 + 48),) * 2
    # a kernel too large for the tile: tiles of 4 kernel lengths (1204 -> 5 tiles), evened out; a short axis stays whole
    th, tw = plan_fft.fft_tiles(4000, 300, 301, 31)
    assert (th, tw) == (plan.fft_size(740 + 300), 300)
