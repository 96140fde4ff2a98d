"""The execution planner: every method against cv2.filter2D, gradients, the auto choice, caches, FFT chunks."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from filterbank import filter2d, kernels, plan
from filterbank.borders import BORDERS
from tests.conftest import _IMAGES, cv2_reference, tolerance

RNG = np.random.default_rng(5)
METHODS = ["direct", "separable", "lowrank", "fft"]

# (label, bank (N, kh, kw), rank-1?): odd, even, non-square, large (DFT-path) sizes
BANKS = [
    (
        "sobel_scharr",
        np.stack([kernels.sobel(1, 0, 3), kernels.sobel(0, 1, 3), kernels.scharr(1, 0), kernels.scharr(0, 1)]),
        True,
    ),
    ("gaussian_even_4", kernels.gaussian(4, 1.0)[None], True),
    ("gaussian_rect_5x9", kernels.gaussian((5, 9), 2.0, 1.0)[None], True),
    ("gaussian_large_25", kernels.gaussian(25, 4.0)[None], True),
    ("box_rect_2x6", kernels.box((2, 6))[None], True),
    ("random_6x4", RNG.normal(size=(3, 6, 4)), False),
    ("gabor_rect_9x15", np.stack([kernels.gabor((9, 15), 3.0, t, 8.0, 0.5) for t in (0.0, 0.7, 1.4)]), False),
    (
        "gauss_deriv_13",
        np.stack([kernels.gaussian_derivative(13, 2.0, 1, 0, theta=t) for t in (0.0, 0.5, 1.0, 1.5)]),
        False,
    ),
]


def _crop(dtype: str) -> np.ndarray:
    img = _IMAGES["astronaut"][40:100, 60:131]  # 60 x 71 x 3
    return (img / 255.0).astype(dtype)


def _bank_reference(img: np.ndarray, bank: np.ndarray, border: str, anchor=None) -> list[np.ndarray]:
    return [cv2_reference(img, k, border, anchor=anchor) for k in bank]


def _split(out: np.ndarray, n: int, c: int) -> list[np.ndarray]:
    """filter2d's channels-last (H, W, C*N) output -> per kernel (H, W, C)."""
    return [out[..., [ci * n + i for ci in range(c)]] for i in range(n)]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("border", BORDERS)
@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("case", range(len(BANKS)), ids=[b[0] for b in BANKS])
def test_method_equals_cv2(case: int, method: str, border: str, dtype: str) -> None:
    label, bank, rank1 = BANKS[case]
    if method == "separable" and not rank1:
        with pytest.raises(ValueError, match="rank-1"):
            filter2d(_crop(dtype), bank, border=border, method=method)
        return
    img = _crop(dtype)
    n, kh, _ = bank.shape
    anchors = [None, (kh - 1, 0)]
    for anchor in anchors:
        out = filter2d(img, bank, border=border, anchor=anchor, method=method)
        assert out.dtype == img.dtype and out.shape == (*img.shape[:2], 3 * n)
        for k, ref, got in zip(bank, _bank_reference(img, bank, border, anchor), _split(out, n, 3), strict=True):
            err = np.abs(got.astype(np.float64) - ref).max()
            tol = tolerance(k, img, dtype)
            assert err <= tol, f"{label} {method} {border} {dtype} anchor={anchor}: {err:.3g} > {tol:.3g}"


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("border", BORDERS)
def test_kernel_larger_than_image(method: str, border: str) -> None:
    img = (_IMAGES["camera"][100:109, 120:133] / 255.0).astype(np.float64)  # 9 x 13
    k = kernels.gaussian((15, 21), 3.0, 5.0) if method == "separable" else RNG.normal(size=(15, 21))
    out = filter2d(img, k, border=border, method=method)
    ref = cv2_reference(img, k, border)
    assert np.abs(out - ref).max() <= tolerance(k, img, np.float64)


@pytest.mark.parametrize("method", METHODS)
def test_gradients(method: str) -> None:
    """gradcheck through every method, for the image and for a trainable bank (tiny float64)."""
    torch.manual_seed(0)
    x = torch.rand(2, 1, 7, 8, dtype=torch.float64, requires_grad=True)
    if method == "separable":
        base = torch.from_numpy(
            np.stack([kernels.gaussian((3, 4), 1.0, 0.8), np.outer([1.0, 2.0, 1.0], [-1.0, 0, 1, 2])])
        )
    else:
        base = torch.rand(2, 3, 4, dtype=torch.float64)
    k = base.clone().requires_grad_(True)
    f = lambda x_, k_: plan.correlate_valid(x_, k_, method=method)  # noqa: E731
    assert torch.autograd.gradcheck(f, (x, k))
    # grouped layer layout (FilterConv2d): per-channel kernels, with a bias
    xg = torch.rand(1, 2, 6, 7, dtype=torch.float64, requires_grad=True)
    w = torch.rand(6, 1, 3, 3, dtype=torch.float64, requires_grad=True)
    bias = torch.rand(6, dtype=torch.float64, requires_grad=True)
    g = lambda x_, w_, b_: plan.conv_forward(x_, w_, 2, "separable" if method == "separable" else method, b_)  # noqa: E731
    assert torch.autograd.gradcheck(g, (xg, w, bias))


@pytest.mark.parametrize("method", [*METHODS, "auto"])
def test_conv_forward_equals_grouped_conv(method: str) -> None:
    torch.manual_seed(1)
    x = torch.rand(2, 3, 20, 22)
    w = torch.rand(3 * 4, 1, 5, 5)
    if method == "separable":
        g1 = torch.rand(12, 5, 1)
        w = (g1 @ torch.rand(12, 1, 5)).unsqueeze(1)
    ref = torch.nn.functional.conv2d(x, w, None, groups=3)
    out = plan.conv_forward(x, w, 3, method)
    assert torch.allclose(out, ref, atol=2e-5 * float(w.abs().sum((1, 2, 3)).max()))


def test_auto_choices() -> None:
    plan.clear_cache()
    sob = torch.from_numpy(np.stack([kernels.sobel(1, 0, 3), kernels.sobel(0, 1, 3)])).float()[None]
    gauss49 = torch.from_numpy(kernels.gaussian(49, 8.0)).float()[None, None]
    gabor = torch.from_numpy(np.stack([kernels.gabor(31, 6.0, t, 12.0, 0.6) for t in np.linspace(0, 3, 32)])).float()
    small_rand = torch.randn(1, 8, 7, 7)
    # a tiny image with small kernels: direct
    assert plan.choose((1, 1, 10, 10), sob)[0] == "direct"
    # large separable Gaussian on big images: separable
    assert plan.choose((24, 1, 560, 560), gauss49)[0] == "separable"
    # a 31x31 non-separable bank: the FFT (allowed from 130 taps in float32)
    assert plan.choose((4, 1, 286, 286), gabor[None])[0] == "fft"
    # float32 under 130 taps: never the FFT, whatever the size
    for shape in [(1, 1, 40, 40), (64, 1, 1030, 1030)]:
        method, _, p = plan.choose(shape, small_rand)
        assert method != "fft" and "fft" not in p.estimates
    # integer outputs below 130 taps: exact, only direct
    assert (
        plan.choose((24, 1, 560, 560), torch.from_numpy(kernels.gaussian(9, 2.0)).float()[None, None], exact=True)[0]
        == "direct"
    )
    # trainable kernels: only exact-gradient methods
    with torch.enable_grad():
        method, _, p = plan.choose((4, 1, 286, 286), gabor[None].clone().requires_grad_(True))
    assert set(p.estimates) == {"direct", "fft"}


def test_unknown_method() -> None:
    with pytest.raises(ValueError, match="method"):
        filter2d(np.zeros((5, 5), np.float32), np.ones((3, 3)), method="winograd")
    with pytest.raises(ValueError, match="method"):
        plan.correlate_valid(torch.zeros(1, 1, 5, 5), torch.ones(1, 3, 3), method="nope")


def test_spectra_cache_hit_and_invalidation(monkeypatch) -> None:
    plan.clear_cache()
    calls = []
    real = plan._rfft2

    def counting(t, s=None):
        calls.append(tuple(t.shape))
        return real(t, s=s)

    monkeypatch.setattr(plan, "_rfft2", counting)
    x = torch.rand(1, 1, 60, 60)
    k = torch.randn(3, 13, 13)
    y1 = plan.correlate_valid(x, k, method="fft")
    n1 = len(calls)  # kernel spectra + image spectrum
    y2 = plan.correlate_valid(x, k, method="fft")
    assert len(calls) == n1 + 1  # only the image: spectra came from the cache
    assert torch.equal(y1, y2)
    k2 = k.clone()  # a new tensor with the same values hits too
    plan.correlate_valid(x, k2, method="fft")
    assert len(calls) == n1 + 2
    k.mul_(2.0)  # changed in place: must not reuse the stale spectrum
    y3 = plan.correlate_valid(x, k, method="fft")
    assert torch.allclose(y3, 2 * y1, atol=1e-4)
    assert len(calls) == n1 + 4
    k4 = torch.randn(3, 13, 13)  # a new tensor with other values
    y4 = plan.correlate_valid(x, k4, method="fft")
    assert torch.allclose(y4, plan.correlate_valid(x, k4, method="direct"), atol=1e-4)
    # a kernel that requires grad is never cached (its values change every step)
    kg = torch.randn(3, 13, 13, requires_grad=True)
    before = len(plan._CACHE)
    plan.correlate_valid(x, kg, method="fft").sum().backward()
    assert len(plan._CACHE) == before and kg.grad is not None
    assert plan._kernel_key(kg) is None


def test_fft_chunk_bounds_memory(monkeypatch) -> None:
    """Chunks never hold more than twice the bytes of the output maps they produce, and cover every map."""
    for count, fh, fw, hw in [
        (128, 288, 288, (256, 256)),
        (96, 320, 320, (256, 256)),
        (3, 64, 64, (20, 20)),
        (1, 576, 576, (512, 512)),
    ]:
        c = plan.fft_chunk(count, fh, fw, hw)
        per_map = 4 * (2 * fh * (fw // 2 + 1) + fh * fw)
        assert 1 <= c <= count
        assert c * per_map <= max(2 * c * 4 * hw[0] * hw[1], per_map) or c * per_map <= plan._FFT_CHUNK_BYTES
        assert c * per_map <= 2 * count * 4 * hw[0] * hw[1] or c == 1
    sizes = []
    real = plan._irfft2

    def recording(t, s=None):
        sizes.append(t.numel() * t.element_size())
        return real(t, s=s)

    monkeypatch.setattr(plan, "_irfft2", recording)
    x = torch.rand(2, 1, 140, 140)
    k = torch.randn(40, 13, 13)
    out = plan.correlate_valid(x, k, method="fft")
    out_bytes = out.numel() * out.element_size()
    assert len(sizes) > 1  # it did chunk
    assert max(sizes) <= plan._FFT_CHUNK_BYTES
    assert max(sizes) + 2 * max(sizes) <= 2 * out_bytes  # product + inverse transform within 2x output
    assert torch.allclose(out, plan.correlate_valid(x, k, method="direct"), atol=1e-4)


def test_lowrank_basis_is_truncated_for_a_steerable_bank() -> None:
    """First-derivative-of-Gaussian at 4 angles is steerable: a basis of 2 rows... up to the tolerance."""
    bank = torch.from_numpy(
        np.stack([kernels.gaussian_derivative(15, 2.0, 1, 0, theta=t) for t in np.linspace(0, np.pi, 6)])
    )[None]
    f = plan._factors(bank, "lowrank", 1e-6)
    assert f is not None and f.V.shape[0] < 15


def test_shifted_passes_equal_gemm_passes() -> None:
    """Short factors run as shifted multiply-adds without autograd, as Toeplitz GEMMs with it: same values."""
    x = torch.rand(3, 2, 30, 33, dtype=torch.float64)
    k = torch.from_numpy(np.stack([kernels.sobel(1, 0, 5), kernels.gaussian(5, 1.1)]))[None].expand(2, 2, 5, 5)
    for method in ("separable", "lowrank"):
        _, f, _ = plan.choose(tuple(x.shape), k, method=method)
        a = plan._factored_shifts(x, f)
        with torch.enable_grad():
            b = plan._factored(x.clone().requires_grad_(True), k, f).detach()
        assert torch.allclose(a, b, rtol=0, atol=1e-12)
        assert torch.allclose(a, plan._direct(x, k), rtol=0, atol=1e-12)


def test_bench_command_help() -> None:
    from filterbank.cli import main

    assert main(["bench", "--help"]) == 0


def test_identity_keyed_entries_die_with_their_tensor() -> None:
    """Off the CPU, spectra are keyed by tensor identity and version: an entry leaves with its tensor,
    so a new tensor at a reused address never meets a stale spectrum, and an in-place change misses."""
    import gc

    plan.clear_cache()
    k = torch.empty(2, 5, 5, device="meta")
    key = plan._kernel_key(k)
    assert key is not None and key[0] == "id"
    plan._cache_put(key, "spectrum", k)
    assert plan._cache_get(key) == "spectrum"
    k.add_(1.0)
    assert plan._kernel_key(k) != key  # version bumped: a miss
    del k
    gc.collect()
    assert key not in plan._CACHE


def test_identity_key_is_shared_by_views_of_one_weight() -> None:
    """FilterConv2d reshapes its weight on every forward: off the CPU those views must hit one entry,
    an in-place change of the weight must miss, and the entry must die with the weight, not the view."""
    import gc

    plan.clear_cache()
    weight = torch.empty(6, 1, 3, 3, device="meta")
    first, second = weight.reshape(3, 2, 3, 3), weight.reshape(3, 2, 3, 3)
    assert first is not second and plan._kernel_key(first) == plan._kernel_key(second)
    assert plan._kernel_key(weight[:3]) != plan._kernel_key(weight[3:])  # other taps, other entry
    key = plan._kernel_key(first)
    plan._cache_put(key, "spectrum", first)
    del first, second
    gc.collect()
    assert plan._cache_get(key) == "spectrum"  # the view died, the weight lives
    weight.mul_(2.0)
    assert plan._kernel_key(weight.reshape(3, 2, 3, 3)) != key
    del weight
    gc.collect()
    assert key not in plan._CACHE
