"""The N-D planner: method choice under the accuracy rules, the separable pass tree, exact gradients, caches."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from filterbank import ParameterError, ShapeError, UnknownNameError, banks3d, filter3d, kernels
from filterbank import plan as plan2d
from filterbank.plan.nd import METHODS_ND, choose_nd, correlate_nd, estimate_nd

G15 = torch.from_numpy(kernels.gaussian_nd(15, 2.0, ndim=3))


def test_large_gaussian_runs_separable_45_taps_per_voxel():
    method, trees, plan = choose_nd((1, 1, 174, 174, 174), G15.float()[None, None])
    assert method == "separable"
    (tree,) = trees
    # one pass per axis of 15 taps each: 45 multiply-adds per voxel instead of 3375
    assert [len(level) for level in tree.levels] == [1, 1] and len(tree.term_parent) == 1
    assert tree.filters.shape == (1, 15)
    assert plan.estimates["separable"] < plan.estimates["fft"] < plan.estimates["direct"]


def test_large_non_separable_bank_runs_fft_small_runs_direct():
    big = torch.randn(1, 16, 9, 9, 9)
    assert choose_nd((1, 1, 104, 104, 104), big)[0] == "fft"
    small = torch.randn(1, 4, 3, 3, 3)
    assert choose_nd((1, 1, 34, 34, 34), small)[0] == "direct"
    assert choose_nd((64, 1, 1000), torch.randn(1, 8, 201))[0] == "fft"
    assert choose_nd((64, 1, 1000), torch.randn(1, 8, 5))[0] == "direct"


def test_accuracy_rules_are_the_2d_planners():
    k125 = torch.randn(1, 2, 5, 5, 5)  # 125 taps: below OpenCV's DFT threshold
    est = choose_nd((1, 1, 200, 200, 200), k125)[2].estimates
    assert "fft" not in est  # float32 below 130 taps: never the FFT under auto, as in 2-D
    assert "fft" in choose_nd((1, 1, 200, 200, 200), k125.double())[2].estimates
    assert set(choose_nd((1, 1, 40, 40, 40), G15.float()[None, None], exact=True)[2].estimates) == {"direct"}
    grad = G15.float()[None, None].requires_grad_()
    assert "separable" not in choose_nd((1, 1, 174, 174, 174), grad)[2].estimates
    assert set(choose_nd((1, 1, 40, 40, 40), G15.half()[None, None])[2].estimates) == {"direct"}
    for dtype, side in ((torch.float32, 3), (torch.float32, 15), (torch.float64, 3)):
        k = torch.randn(1, 1, side, side, side, dtype=dtype)
        assert set(choose_nd((1, 1, 60, 60, 60), k)[2].estimates) <= set(plan2d.allowed(dtype, side**3))


def test_jet_tree_shares_passes():
    bank = banks3d.gaussian_jet(2, [1.5])  # 10 kernels, orders (dz, dy, dx) with sum <= 2
    k = bank.to_tensor(torch.float64)
    _, trees, _ = choose_nd((1, 1, 40, 40, 40), k[None], method="separable")
    (tree,) = trees
    # x pass: orders 0, 1, 2 (3 filters); y pass: the (dx, dy) pairs with sum <= 2 (6); z pass: one per kernel
    assert [len(level) for level in tree.levels] == [3, 6]
    assert len(tree.term_parent) == 10
    x = torch.rand(2, 1, 40, 40, 40, dtype=torch.float64)
    np.testing.assert_allclose(
        correlate_nd(x, k[None], method="separable").numpy(),
        correlate_nd(x, k[None], method="direct").numpy(),
        atol=1e-13,
    )


def test_separable_refuses_rank_2_and_fft_refuses_integer_kernels():
    k = torch.from_numpy(
        kernels.gaussian_nd(5, 1.0, ndim=3) + kernels.sobel_nd(3, 0)[None].repeat(5, 0)[:, :, :].sum() * 0
    )
    k2 = torch.from_numpy(np.random.default_rng(0).standard_normal((5, 5, 5)))
    with pytest.raises(ParameterError, match=r"`method` 'separable' needs rank-1 kernels"):
        choose_nd((1, 1, 9, 9, 9), k2[None, None], method="separable")
    assert choose_nd((1, 1, 9, 9, 9), k[None, None], method="separable")[0] == "separable"
    with pytest.raises(ParameterError, match=r"`method` 'fft' needs float32 or float64; got torch.float16"):
        choose_nd((1, 1, 9, 9, 9), k.half()[None, None], method="fft")
    with pytest.raises(UnknownNameError, match=r"`method` must be one of"):
        choose_nd((1, 1, 9, 9, 9), k[None, None], method="lowrank")
    assert METHODS_ND == ("auto", "direct", "separable", "fft")


def test_complete_basis_gradients_are_exact():
    # A trainable kernel leaves the rank-1 set after one step: 'separable' keeps a complete basis.
    x = torch.rand(2, 1, 7, 6, 8, dtype=torch.float64, requires_grad=True)
    k = torch.randn(3, 3, 4, 2, dtype=torch.float64, requires_grad=True)
    y_sep = correlate_nd(x, k[None], method="separable")
    y_dir = correlate_nd(x, k[None], method="direct")
    np.testing.assert_allclose(y_sep.detach().numpy(), y_dir.detach().numpy(), atol=1e-13)
    w = torch.randn_like(y_dir)
    g_sep = torch.autograd.grad((y_sep * w).sum(), (x, k))
    g_dir = torch.autograd.grad((y_dir * w).sum(), (x, k))
    for a, b in zip(g_sep, g_dir, strict=True):
        np.testing.assert_allclose(a.numpy(), b.numpy(), atol=1e-12)
    # a rank-1 kernel too: the gradient is not projected onto the rank-1 set
    g = torch.from_numpy(kernels.gaussian_nd((3, 5, 3), 1.0)).requires_grad_()
    out = correlate_nd(x, g[None, None], method="separable")
    (gk,) = torch.autograd.grad((out * torch.randn_like(out)).sum(), g)
    assert torch.linalg.matrix_rank(gk.reshape(3, 15)) > 1


@pytest.mark.parametrize("method", ["auto", "direct", "fft", "separable"])
def test_per_channel_kernels_are_the_grouped_conv(method):
    # G == C: channel c by its own kernels, the weight of FilterConv3d (C * N, 1, *ks) seen as (C, N, *ks)
    torch.manual_seed(0)
    c, n = 3, 2
    if method == "separable":
        base = torch.from_numpy(kernels.gaussian_nd((3, 5, 3), (1.0, 1.2, 0.8), (0, 1, 1)))
        weight = torch.stack([base * (i + 1) for i in range(c * n)])[:, None]
    else:
        weight = torch.randn(c * n, 1, 3, 5, 3, dtype=torch.float64)
    bias = torch.randn(c * n, dtype=torch.float64)
    xp = torch.rand(2, c, 9, 10, 8, dtype=torch.float64)
    ref = F.conv3d(xp, weight, bias, groups=c)
    out = correlate_nd(xp, weight.reshape(c, n, 3, 5, 3), method=method, bias=bias)
    np.testing.assert_allclose(out.numpy(), ref.numpy(), atol=1e-12)
    w1 = torch.randn(c * n, 1, 7, dtype=torch.float64)
    s = torch.rand(2, c, 30, dtype=torch.float64)
    np.testing.assert_allclose(
        correlate_nd(s, w1.reshape(c, n, 7), method="fft" if method == "separable" else method).numpy(),
        F.conv1d(s, w1, groups=c).numpy(),
        atol=1e-12,
    )


def test_spectra_and_trees_are_cached_by_value():
    plan2d.clear_cache()
    x = torch.rand(1, 1, 20, 20, 20, dtype=torch.float64)
    k = torch.randn(2, 7, 7, 7, dtype=torch.float64)
    correlate_nd(x, k[None], method="fft")
    keys = [key for key in plan2d._CACHE if key[0] == "fftn-pairs"]  # two kernels: one complex spectrum per pair
    assert len(keys) == 1
    correlate_nd(x, k.clone()[None], method="fft")  # same values: a hit, no new entry
    assert [key for key in plan2d._CACHE if key[0] == "fftn-pairs"] == keys
    correlate_nd(x, k[None, :1], method="fft")  # a single kernel: a real spectrum
    assert any(key[0] == "fftn" for key in plan2d._CACHE)
    correlate_nd(x, G15[None, None, :7, :7, :7].contiguous(), method="separable")
    assert any(key[0] == "nd-separable" for key in plan2d._CACHE)


def test_half_precision_runs_direct_and_is_close():
    x = torch.rand(1, 1, 12, 12, 12)
    k = torch.from_numpy(kernels.gaussian_nd(5, 1.0, ndim=3)).float()
    ref = correlate_nd(x.double(), k.double()[None, None], method="direct")
    out = correlate_nd(x.bfloat16(), k.bfloat16()[None, None], method="auto")
    assert out.dtype == torch.bfloat16
    # bfloat16 keeps 8 significant bits: 2**-8 of sum|k| * max|x| (= 1 here) bounds each rounding.
    np.testing.assert_allclose(out.double().numpy(), ref.numpy(), atol=2 * 2**-8)


def test_estimate_and_shape_errors():
    assert estimate_nd("direct", (1, 1, 20, 20, 20), (1, 3, 3, 3)) > 0
    with pytest.raises(UnknownNameError):
        estimate_nd("lowrank", (1, 1, 20, 20, 20), (1, 3, 3, 3))
    with pytest.raises(ParameterError, match=r"`tree` is required"):
        estimate_nd("separable", (1, 1, 20, 20, 20), (1, 3, 3, 3))
    with pytest.raises(ShapeError, match=r"`kernels` must be \(G, N, \*ks\) with G == 1 or G == C"):
        correlate_nd(torch.zeros(1, 1, 5, 5), torch.zeros(1, 1, 3, 3, 3))  # 2 spatial axes against 3
    with pytest.raises(ShapeError, match=r"`kernels` must be \(G, N, \*ks\) with G == 1 or G == C"):
        correlate_nd(torch.zeros(1, 2, 5, 5, 5), torch.zeros(3, 2, 3, 3, 3))  # G == 3 for C == 2
    with pytest.raises(UnknownNameError, match=r"`method` must be one of"):
        correlate_nd(torch.zeros(1, 1, 5, 5, 5), torch.zeros(1, 1, 3, 3, 3), method="lowrank")


def test_filter3d_methods_agree_on_a_jet_volume():
    vol = torch.rand(18, 20, 16, dtype=torch.float64)
    bank = banks3d.gaussian_jet(1, [1.0, 2.0])
    ref = filter3d(vol, bank, method="direct")
    for method in ("auto", "separable", "fft"):
        np.testing.assert_allclose(filter3d(vol, bank, method=method).numpy(), ref.numpy(), atol=1e-13)


@pytest.mark.cuda
def test_cuda_methods_agree():
    vol = torch.rand(2, 30, 31, 29, device="cuda")
    k = torch.from_numpy(kernels.gaussian_nd(15, 2.0, ndim=3)).float().cuda()
    ref = filter3d(vol.double(), k.double(), method="direct")
    for method in ("auto", "separable", "fft", "direct"):
        out = filter3d(vol, k, method=method)
        assert out.device.type == "cuda"
        np.testing.assert_allclose(
            out.double().cpu().numpy(), ref.cpu().numpy(), atol=1e-5
        )  # 130+ taps: 1e-5 of sum|k|*max|x| = 1


@pytest.mark.parametrize("method", ["direct", "separable", "fft"])
def test_a_non_finite_voxel_stays_inside_its_windows(method):
    # The 2-D rule (filterbank.plan.nonfinite): an output is non-finite only where its window covers the NaN,
    # and another volume of the batch is untouched, whatever the method.
    k = torch.from_numpy(kernels.gaussian_nd((9, 11, 13), 2.0)).unsqueeze(0)  # 1287 taps: FFT allowed
    x = torch.rand(2, 1, 20, 22, 24, dtype=torch.float64)
    x[1, 0, 10, 11, 12] = float("nan")
    y = correlate_nd(x, k[None], method=method)
    assert bool(torch.isfinite(y[0]).all())
    bad = ~torch.isfinite(y[1, 0])
    window = torch.zeros_like(bad)
    # output (i, j, l) reads x[i : i + 9, j : j + 11, l : l + 13]: those covering (10, 11, 12)
    window[10 - 8 : 11, 11 - 10 : 12, 12 - 12 : 13] = True
    assert bool(bad.any()) and not bool((bad & ~window).any())


@pytest.mark.parametrize("groups", [1, 2])
def test_threaded_scipy_fft_pairs_equal_scipy_correlate(monkeypatch, groups):
    """The CPU paired FFT on scipy.fft and threads (taken from SCIPY_FFT_MIN points on; lowered here so a
    small volume takes it) equals the 'valid' correlation sum over every window, written out, for odd and
    even kernel sides, M > 1, G > 1."""
    from filterbank.plan import nd

    calls = []
    real = nd._fft_pairs_scipy
    monkeypatch.setattr(nd, "SCIPY_FFT_MIN", 1)
    monkeypatch.setattr(nd, "_fft_pairs_scipy", lambda *a: calls.append(1) or real(*a))
    rng = np.random.default_rng(5)
    x = torch.from_numpy(rng.random((2, groups, 14, 13, 12))).double()
    k = torch.from_numpy(rng.standard_normal((groups, 5, 4, 3, 5))).double()  # N = 5: an unpaired last map
    y = correlate_nd(x, k, method="fft")
    assert calls, "the scipy path was not taken"
    assert y.shape == (2, groups * 5, 11, 11, 8)
    for b in range(2):
        for c in range(groups):
            windows = np.lib.stride_tricks.sliding_window_view(x[b, c].numpy(), (4, 3, 5))  # (11, 11, 8, 4, 3, 5)
            for n in range(5):
                ref = np.einsum("ijlabc,abc->ijl", windows, k[c, n].numpy())  # y[i,j,l] = sum x[i+a,j+b,l+c] k[a,b,c]
                np.testing.assert_allclose(y[b, c * 5 + n].numpy(), ref, rtol=0, atol=1e-10)


def test_scipy_fft_pairs_threshold_takes_large_volumes():
    from filterbank.plan import nd

    assert nd.SCIPY_FFT_MIN <= 105**3  # the V2 workload's transforms (96^3 + 9^3 kernels) take it


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
def test_tiled_scipy_fft_pairs_equal_the_window_sums(monkeypatch, dtype):
    """Overlap-save tiles of the CPU paired FFT (tile budget lowered so a small volume is cut along every
    axis, with a short last tile) give the 'valid' correlation written out as window sums."""
    from filterbank.plan import nd

    monkeypatch.setattr(nd, "SCIPY_FFT_MIN", 1)
    monkeypatch.setattr(nd, "_TILE_POINTS", 500)
    monkeypatch.setattr(nd, "_TILE_OVERHEAD_POINTS", 0)
    nd.fft_tiles_nd.cache_clear()
    rng = np.random.default_rng(11)
    x = torch.from_numpy(rng.random((2, 2, 23, 21, 19))).to(dtype)
    k = torch.from_numpy(rng.standard_normal((2, 3, 4, 3, 5))).to(dtype)  # N = 3: an unpaired last map
    ts = nd.fft_tiles_nd(tuple(x.shape[2:]), tuple(k.shape[2:]))
    steps = [t - kk + 1 for t, kk in zip(ts, k.shape[2:], strict=True)]
    outs = [n - kk + 1 for n, kk in zip(x.shape[2:], k.shape[2:], strict=True)]
    assert all(o > s for o, s in zip(outs, steps, strict=True)), (ts, steps, outs)  # cut along every axis
    assert any(o % s for o, s in zip(outs, steps, strict=True)), (ts, steps, outs)  # a short last tile
    try:
        y = correlate_nd(x, k, method="fft")
    finally:
        nd.fft_tiles_nd.cache_clear()
    tol = 1e-10 if dtype == torch.float64 else 2e-5
    for b in range(2):
        for c in range(2):
            windows = np.lib.stride_tricks.sliding_window_view(x[b, c].double().numpy(), (4, 3, 5))
            for n in range(3):
                ref = np.einsum("ijlabc,abc->ijl", windows, k[c, n].double().numpy())
                np.testing.assert_allclose(y[b, c * 3 + n].double().numpy(), ref, rtol=0, atol=tol)


def test_fft_tiles_nd_cover_the_output_and_stay_small():
    """Tiles give at least a kernel length of outputs, have lengths without prime factors above 7, and a
    large volume is cut into tiles of at most a few hundred thousand points."""
    from filterbank.plan import nd

    for sp, ks in [((104, 104, 104), (9, 9, 9)), ((174, 174, 174), (15, 15, 15)), ((24, 300, 300), (9, 9, 9))]:
        ts = nd.fft_tiles_nd(sp, ks)
        for n, k, t in zip(sp, ks, ts, strict=True):
            assert t - k + 1 >= min(k, n - k + 1)
            m = t
            for f in (2, 3, 5, 7):
                while m % f == 0:
                    m //= f
            assert m == 1, t
        assert math.prod(ts) <= 400_000, (sp, ts)
    assert nd.fft_tiles_nd((40, 40, 40), (5, 5, 5)) == (40, 40, 40)  # small: one transform
