"""The OpenCV engine against cv2.filter2D itself: every border, anchor, dtype pair, bank and batch; gradients.

References: ``cv2.filter2D`` (``tests.conftest.cv2_reference``: ``cv2.copyMakeBorder`` +
``cv2.filter2D`` for ``wrap`` and non-zero constants), ``np.pad``, ``F.conv2d`` in float64.
The engine IS ``cv2.filter2D``, so every comparison with OpenCV is bit for bit (``==``).
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from filterbank import borders, filter2d, kernels
from filterbank.borders import BORDERS
from filterbank.plan import opencv as plan_cv
from tests.conftest import _IMAGES, cv2_reference

RNG = np.random.default_rng(11)
DTYPES = [np.uint8, np.uint16, np.int16, np.float32, np.float64]
_DEPTH = {np.uint8: cv2.CV_8U, np.uint16: cv2.CV_16U, np.int16: cv2.CV_16S, np.float32: cv2.CV_32F}
_DEPTH[np.float64] = cv2.CV_64F

# (label, kernel): 3x3, even, non-square, OpenCV's DFT path (>= 130 taps), taller than the 24-row crop
KERNELS = [
    ("sobel_3", kernels.sobel(1, 0, 3)),
    ("random_even_6x4", RNG.normal(size=(6, 4))),
    ("gabor_rect_5x9", kernels.gabor((5, 9), 2.0, 0.7, 6.0, 0.5)),
    ("random_dft_13", RNG.normal(size=(13, 13))),
    ("gaussian_taller_31x3", kernels.gaussian((31, 3), 6.0, 1.0)),
]


def _image(dtype, color: bool = True) -> np.ndarray:
    """A 24 x 29 crop of a photograph in ``dtype`` (the full range of integer dtypes is used)."""
    img = _IMAGES["astronaut"][60:84, 90:119]
    img = img if color else np.ascontiguousarray(img[..., 1])
    dtype = np.dtype(dtype)
    if dtype == np.uint8:
        return img.copy()
    if dtype == np.uint16:
        return img.astype(np.uint16) * 257
    if dtype == np.int16:
        return (img.astype(np.int16) - 128) * 200
    return (img / 255.0).astype(dtype)


def test_depth_pairs_are_what_cv2_computes() -> None:
    k = np.ones((3, 3)) / 9
    for s in DTYPES:
        for d in DTYPES:
            try:
                cv2.filter2D(np.ones((6, 6), s), _DEPTH[d], k)
                accepted = True
            except cv2.error:
                accepted = False
            assert plan_cv.supports(s, d) == accepted, (s, d)
    assert plan_cv.supports(torch.uint8) and plan_cv.supports(torch.float32)
    assert not plan_cv.supports(torch.float16) and not plan_cv.supports(torch.bfloat16)


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("border", BORDERS)
@pytest.mark.parametrize("case", range(len(KERNELS)), ids=[k[0] for k in KERNELS])
def test_numpy_equals_cv2_bit_for_bit(case: int, border: str, dtype) -> None:
    label, k = KERNELS[case]
    kh, kw = k.shape
    for color in (False, True):
        img = _image(dtype, color)
        for anchor in (None, (kh - 1, 0), (0, kw - 1)):
            for value in (0.0, 3.0):
                ref = cv2_reference(img, k, border, anchor=anchor, value=value)
                got = plan_cv.filter_numpy(img, k, border=border, anchor=anchor, value=value)
                assert got.dtype == img.dtype and got.shape == img.shape
                assert np.array_equal(got, ref), f"{label} {border} {anchor} value={value} color={color}"


@pytest.mark.parametrize("border", BORDERS)
def test_bank_layout_channel_c_times_n_plus_n(border: str) -> None:
    bank = np.stack([kernels.sobel(1, 0, 3), kernels.sobel(0, 1, 3), kernels.laplacian(3)])
    for dtype in (np.uint8, np.float32):
        img = _image(dtype, color=True)
        out = plan_cv.filter_numpy(img, bank, border=border, threads=2)
        assert out.shape == (*img.shape[:2], 9)
        for n, k in enumerate(bank):
            ref = cv2_reference(img, k, border)
            for c in range(3):
                assert np.array_equal(out[..., c * 3 + n], ref[..., c])
        gray = img[..., 0].copy()
        out = plan_cv.filter_numpy(gray, bank, border=border)
        assert out.shape == (*gray.shape, 3)
        for n, k in enumerate(bank):
            assert np.array_equal(out[..., n], cv2_reference(gray, k, border))


def test_single_channel_keeps_its_axis() -> None:
    img = _image(np.float32, color=False)[..., None]
    out = plan_cv.filter_numpy(img, kernels.sobel(1, 0, 3))
    assert out.shape == img.shape
    assert np.array_equal(out[..., 0], cv2.filter2D(img[..., 0], -1, kernels.sobel(1, 0, 3)))


@pytest.mark.parametrize("src", DTYPES, ids=lambda d: np.dtype(d).name)
def test_out_dtypes_are_cv2_ddepth(src) -> None:
    img = _image(src, color=True)
    k = kernels.scharr(1, 0)
    for dst in DTYPES:
        if not plan_cv.supports(src, dst):
            with pytest.raises(TypeError, match=r"cv2\.filter2D computes"):
                plan_cv.filter_numpy(img, k, out_dtype=dst)
            continue
        got = plan_cv.filter_numpy(img, k, out_dtype=dst)
        assert got.dtype == np.dtype(dst)
        assert np.array_equal(got, cv2.filter2D(img, _DEPTH[dst], k))


@pytest.mark.parametrize("value", [0.5, 300.0, -7.0])
def test_constant_value_outside_the_dtype_is_padded_in_float(value: float) -> None:
    """uint8 cannot hold 0.5, 300 or -7: the engine pads in float32 (filterbank's compute dtype), filters
    in float32 and rounds half to even with saturation. (``filter2d`` itself refuses such a value on an
    integer image, see tests/reliability; the engine's own entry point keeps the float semantics.)"""
    img = _image(np.uint8, color=False)
    k = kernels.gaussian(5, 1.1)
    padded = np.pad(img.astype(np.float32), 2, mode="constant", constant_values=np.float32(value))
    ref = cv2.filter2D(padded, -1, k, anchor=(2, 2), borderType=cv2.BORDER_CONSTANT)[2:-2, 2:-2]
    ref = np.clip(np.rint(ref), 0, 255).astype(np.uint8)
    got = plan_cv.filter_numpy(img, k, border="constant", value=value)
    assert np.array_equal(got, ref)
    with pytest.raises(ValueError, match="`value` must be an integer"):
        filter2d(img, k, border="constant", value=value, method="opencv")


@pytest.mark.parametrize("border", BORDERS)
def test_pad_numpy_equals_borders_pad(border: str) -> None:
    x = RNG.normal(size=(5, 7, 2))
    for padding in [(1, 2, 0, 3), (9, 4, 15, 8)]:  # the second exceeds the image on every side
        got = plan_cv.pad_numpy(x, padding, border, value=2.5)
        ref = borders.pad(torch.from_numpy(x).permute(2, 0, 1), padding, border, 2.5).permute(1, 2, 0).numpy()
        assert np.array_equal(got, ref)


TORCH_DTYPES = [torch.uint8, torch.int16, torch.float32, torch.float64]
if hasattr(torch, "uint16"):
    TORCH_DTYPES.append(torch.uint16)


@pytest.mark.parametrize("dtype", TORCH_DTYPES, ids=str)
@pytest.mark.parametrize("border", BORDERS)
def test_torch_planes_equal_cv2_per_plane(border: str, dtype: torch.dtype) -> None:
    img = _image(torch.empty(0, dtype=dtype).numpy().dtype, color=True)
    x = torch.from_numpy(np.stack([img, img[::-1].copy()])).permute(0, 3, 1, 2)  # (2, 3, H, W), not contiguous
    bank = np.stack(
        [np.pad(kernels.sobel(1, 0, 3), ((0, 1), (1, 0))), RNG.normal(size=(4, 4)), kernels.gaussian(4, 1.0)]
    )
    per_channel = RNG.normal(size=(3, 2, 4, 4))
    for ks in (bank, per_channel):
        n = ks.shape[-3]
        for value in (0.0, 2.0):
            y = plan_cv.correlate(x, ks, border=border, anchor=(3, 1), value=value, threads=2)
            assert y.dtype == dtype and y.shape == (2, 3 * n, *img.shape[:2])
            for b in range(2):
                for c in range(3):
                    plane = np.ascontiguousarray(x[b, c].numpy())
                    for m in range(n):
                        k = ks[m] if ks.ndim == 3 else ks[c, m]
                        ref = cv2_reference(plane, k, border, anchor=(3, 1), value=value)
                        assert np.array_equal(y[b, c * n + m].numpy(), ref), (b, c, m, value)


def test_threads_do_not_change_the_result() -> None:
    x = torch.rand(6, 2, 33, 41)
    bank = torch.randn(5, 7, 7)
    one = plan_cv.correlate(x, bank, threads=1)
    two = plan_cv.correlate(x, bank, threads=2)
    assert torch.equal(one, two)
    assert plan_cv.thread_count(10) == 1
    assert plan_cv.thread_count(10, threads=2) == 1  # too little work to hand any off
    assert plan_cv.thread_count(10**8, threads=2) == 2


@pytest.mark.parametrize("dtype", [np.uint8, np.int16, np.float32, np.float64], ids=lambda d: np.dtype(d).name)
def test_row_bands_are_bit_identical(dtype) -> None:
    """A large call cut into row bands (halo rows read, OpenCV's border only at the image's edges)."""
    img = (RNG.random((300, 517, 3)) * 200).astype(dtype)
    for k in (kernels.sobel(1, 0, 3), RNG.normal(size=(6, 4)), kernels.gaussian((11, 9), 2.0)):
        for border in ("reflect101", "symmetric", "replicate", "constant"):
            p = plan_cv.make_plan(k, img.dtype, border=border, anchor=(k.shape[0] - 1, 1))
            units = plan_cv._bands(p, img, p.single, np.empty_like(img), 2)
            # really cut, except on OpenCV's DFT path (from 50 taps for int16 / float64), which is not
            assert (len(units) > 2) == (k.size < p.dft_taps)
            out = plan_cv.filter_numpy(img, k, border=border, anchor=(k.shape[0] - 1, 1), threads=2)
            ref = cv2_reference(img, k, border, anchor=(k.shape[0] - 1, 1))
            assert np.array_equal(out, ref), (k.shape, border)


@pytest.mark.parametrize("border", BORDERS)
@pytest.mark.parametrize("ksize", [(3, 4), (9, 10)], ids=["small", "larger_than_image"])
def test_gradcheck(border: str, ksize: tuple[int, int]) -> None:
    """float64 gradcheck of the input and of shared and per-channel kernels, for every border, at the centre
    anchor (shared bank) and a corner anchor (per-channel kernels)."""
    torch.manual_seed(0)
    kh, kw = ksize
    x = torch.rand(1, 2, 5, 6, dtype=torch.float64, requires_grad=True)
    for anchor, shape in ((None, (2, kh, kw)), ((kh - 1, 0), (2, 1, kh, kw))):
        k = torch.rand(*shape, dtype=torch.float64, requires_grad=True)

        def f(x_: torch.Tensor, k_: torch.Tensor, anchor=anchor) -> torch.Tensor:
            return plan_cv.correlate(x_, k_, border=border, anchor=anchor, value=0.3)

        assert torch.autograd.gradcheck(f, (x, k)), (border, anchor, shape)


def test_backward_is_the_flipped_correlation_float32() -> None:
    """The float32 input gradient equals F.conv2d's (autograd of the torch direct sum) to float32 rounding."""
    torch.manual_seed(1)
    x = torch.rand(2, 3, 30, 33, requires_grad=True)
    k = torch.randn(4, 5, 3)
    g = torch.randn(2, 12, 30, 33)
    (gx,) = torch.autograd.grad(plan_cv.correlate(x, k, border="symmetric"), x, g)
    x2 = x.detach().clone().requires_grad_(True)
    xp = borders.pad(x2.reshape(6, 1, 30, 33), borders.padding_for((5, 3)), "symmetric")
    y2 = F.conv2d(xp, k.unsqueeze(1)).reshape(2, 12, 30, 33)
    (gx2,) = torch.autograd.grad(y2, x2, g)
    assert torch.allclose(gx, gx2, atol=1e-5 * float(k.abs().sum()) * float(g.abs().max()))


def test_correlate_valid_equals_conv2d_and_has_gradients() -> None:
    torch.manual_seed(2)
    xp = torch.rand(2, 3, 12, 14, dtype=torch.float64)
    k = torch.rand(4, 3, 5, dtype=torch.float64)
    ref = F.conv2d(xp.reshape(6, 1, 12, 14), k.unsqueeze(1)).reshape(2, 12, 10, 10)
    assert torch.allclose(plan_cv.correlate_valid(xp, k), ref, rtol=0, atol=1e-13 * float(k.abs().sum()))
    xg = torch.rand(1, 2, 6, 7, dtype=torch.float64, requires_grad=True)
    kg = torch.rand(3, 3, 4, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda a, b: plan_cv.correlate_valid(a, b), (xg, kg))


def test_integer_tensors_refuse_gradients() -> None:
    x = torch.zeros(1, 1, 5, 5, dtype=torch.uint8)
    k = torch.ones(3, 3, requires_grad=True)
    with pytest.raises(TypeError, match="differentiates float32 / float64"):
        plan_cv.correlate(x, k)


def test_fast_path_cache_follows_the_kernel_values() -> None:
    plan_cv.clear_plans()
    img = _image(np.float32, color=False)
    k = kernels.sobel(1, 0, 3)
    p1 = plan_cv.cached_plan(img, k)
    assert plan_cv.cached_plan(img, k.copy()) is p1  # same values, another array: a hit
    first = plan_cv.filter_numpy(img, k)
    k[1, 1] = 5.0  # changed in place: another plan, the new values
    assert plan_cv.cached_plan(img, k) is not p1
    assert np.array_equal(plan_cv.filter_numpy(img, k), cv2.filter2D(img, -1, k))
    assert not np.array_equal(first, plan_cv.filter_numpy(img, k))
    assert plan_cv.cached_plan(img, k, border="replicate") is not plan_cv.cached_plan(img, k)


def test_fast_path_still_validates() -> None:
    img = _image(np.float32, color=False)
    k = np.ones((3, 3))
    plan_cv.filter_numpy(img, k, value=1)  # an int value is cached ...
    with pytest.raises(TypeError, match="`value` must be a real number"):
        plan_cv.filter_numpy(img, k, value=True)  # ... and True (== 1) is still refused
    plan_cv.filter_numpy(img, k, anchor=(1, 0))
    with pytest.raises(TypeError, match="`anchor` row must be an integer"):
        plan_cv.filter_numpy(img, k, anchor=(True, 0))
    with pytest.raises(ValueError, match="ambiguous"):
        plan_cv.filter_numpy(img, k, border="reflect")
    with pytest.raises(ValueError, match="finite"):
        plan_cv.filter_numpy(img, np.array([[1.0, np.nan]]))
    with pytest.raises(TypeError, match=r"numpy\.ndarray"):
        plan_cv.filter_numpy(torch.zeros(4, 4), k)
    with pytest.raises(ValueError, match=r"\(H, W\) or \(H, W, C\)"):
        plan_cv.filter_numpy(np.zeros((2, 4, 4, 1), np.float32), k)
    with pytest.raises(TypeError, match=r"cv2\.filter2D computes"):
        plan_cv.filter_numpy(img.astype(np.float16), k)


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=lambda d: np.dtype(d).name)
def test_a_nan_on_the_dft_path_stays_in_its_windows(dtype) -> None:
    """cv2's DFT (>= 130 taps in float32, >= 50 in float64) would spread a NaN over the whole image; the
    engine sums such an image directly: NaN exactly where the window (a 13x13 box of ones) covers it."""
    img = _image(dtype, color=False)
    img[10, 12] = np.nan
    k = np.ones((13, 13))
    out = plan_cv.filter_numpy(img, k, border="constant")
    expect = np.zeros(img.shape, bool)
    expect[10 - 6 : 10 + 7, 12 - 6 : 12 + 7] = True  # the outputs whose window covers (10, 12)
    np.testing.assert_array_equal(np.isnan(out), expect)
    clean = _image(dtype, color=False)
    ref = cv2_reference(clean, k, "constant")
    scale = float(np.abs(k).sum() * np.abs(clean).max())
    np.testing.assert_allclose(
        out[~expect], ref[~expect], rtol=0, atol=(1e-5 if dtype == np.float32 else 1e-13) * scale
    )


@pytest.mark.parametrize("shape", [(16, 20), (1, 1, 16, 20), (1, 16, 20)])
@pytest.mark.parametrize("dtype", [torch.uint8, torch.float32])
def test_a_small_single_kernel_tensor_call_is_cv2_filter2d(shape, dtype) -> None:
    """One small plane and one kernel (the tensor fast path: one OpenCV call on the tensor's memory), also
    for a tensor that requires grad under no_grad and for a non-contiguous one (the general path)."""
    g = torch.Generator().manual_seed(4)
    x = (torch.rand(shape, generator=g) * 255).to(dtype)
    k = kernels.gabor((5, 5), 1.5, 0.3, 4.0, 0.5)
    ref = cv2_reference(np.ascontiguousarray(x.reshape(16, 20).numpy()), k, "reflect101")
    y = filter2d(x, k)
    assert y.shape == x.shape and y.dtype == dtype
    assert np.array_equal(y.reshape(16, 20).numpy(), ref)
    if dtype == torch.float32:
        with torch.no_grad():
            assert torch.equal(filter2d(x.clone().requires_grad_(True), k), y)
    xt = x.reshape(16, 20).t()  # non-contiguous
    assert np.array_equal(filter2d(xt, k).numpy(), cv2_reference(np.ascontiguousarray(xt.numpy()), k, "reflect101"))
