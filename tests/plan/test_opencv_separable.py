"""The OpenCV engine's separable paths.

- integer images with integer-factor kernels go to ``cv2.sepFilter2D`` and must equal
  ``cv2.filter2D`` bit for bit (every sum is an exact integer in float32);
- rank-1 float kernels at or above OpenCV's DFT threshold are the planner's
  ``opencv-separable`` candidate: ``cv2.sepFilter2D`` over the planes, checked against a
  float64 correlation (scipy.ndimage).
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import scipy.ndimage as ndi
import torch

import filterbank as fb
from filterbank import kernels, plan
from filterbank._errors import DTypeError, ParameterError
from filterbank.plan import opencv

CV_BORDER = {
    "reflect101": cv2.BORDER_REFLECT_101,
    "symmetric": cv2.BORDER_REFLECT,
    "replicate": cv2.BORDER_REPLICATE,
    "constant": cv2.BORDER_CONSTANT,
}
SCIPY_MODE = {"reflect101": "mirror", "symmetric": "reflect", "replicate": "nearest", "constant": "constant"}

INTEGER_KERNELS = {
    "sobel_x3": kernels.sobel(1, 0, 3),
    "sobel_y5": kernels.sobel(0, 2, 5),
    "scharr_x": kernels.scharr(1, 0),
    "prewitt_like": np.outer([1.0, 1.0, 1.0], [-1.0, 0.0, 1.0]),
    "box_ones_4x6": np.ones((4, 6)),  # even sizes: OpenCV's default anchor is the centre (k // 2)
    "binomial_int": np.outer([1.0, 4.0, 6.0, 4.0, 1.0], [1.0, 2.0, 1.0]),
}


def _random(dtype: np.dtype, shape: tuple[int, ...], seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    info = np.iinfo(dtype)
    return rng.integers(info.min, int(info.max) + 1, shape, dtype=np.int64).astype(dtype)


def test_exact_factors_of_sobel_are_its_smoothing_and_difference() -> None:
    f = opencv.exact_factors(kernels.sobel(1, 0, 3), 255)
    assert f is not None
    assert np.array_equal(np.outer(f.column, f.row), kernels.sobel(1, 0, 3))
    assert sorted(np.abs(f.row).tolist()) == [0.0, 1.0, 1.0] and f.column.tolist() in ([1, 2, 1], [-1, -2, -1])


@pytest.mark.parametrize(
    ("kernel", "max_input"),
    [
        (np.full((3, 3), 1 / 9), 255),  # normalised box: not integer
        (np.array([[1.0, 2.0], [3.0, 4.0]]), 255),  # integer but rank 2
        (np.ones((1, 5)), 255),  # one row: nothing to gain
        (np.zeros((3, 3)), 255),
        (np.ones((31, 31)), 65535),  # 65535 * 31 * 31 >= 2**24: float32 sums would round
    ],
)
def test_exact_factors_refuses_what_would_not_be_exact(kernel: np.ndarray, max_input: int) -> None:
    assert opencv.exact_factors(kernel, max_input) is None


def test_bound_is_the_float32_integer_limit() -> None:
    # 255 * sum|row| * sum|col| just below and at 2**24
    below = np.outer(np.ones(2), np.full(2, float((1 << 24) // (255 * 4) // 1)))
    assert opencv.exact_factors(below, 255) is not None
    at = np.outer(np.ones(2), np.full(2, float((1 << 24) // (255 * 4) + 1)))
    assert opencv.exact_factors(at, 255) is None


@pytest.mark.parametrize("name", sorted(INTEGER_KERNELS))
@pytest.mark.parametrize("border", sorted(CV_BORDER))
def test_integer_image_integer_kernel_equals_filter2d_bit_for_bit(name: str, border: str) -> None:
    k = INTEGER_KERNELS[name]
    img = _random(np.dtype(np.uint8), (37, 53, 3))
    p = opencv.make_plan(k, np.uint8, border=border)
    assert type(p.units[0][0]) is opencv.Sep  # the separable path is the one under test
    ref = cv2.filter2D(img, -1, k, borderType=CV_BORDER[border])
    np.testing.assert_array_equal(fb.filter2d(img, k, border=border, method="opencv"), ref)


@pytest.mark.parametrize(
    ("src", "ddepth"),
    [
        (np.uint8, cv2.CV_16S),
        (np.uint8, cv2.CV_16U),
        (np.uint8, cv2.CV_32F),
        (np.uint8, cv2.CV_64F),
        (np.uint16, cv2.CV_16U),
        (np.uint16, cv2.CV_32F),
        (np.int16, cv2.CV_16S),
        (np.int16, cv2.CV_64F),
    ],
)
def test_every_integer_depth_pair_matches_filter2d(src: type, ddepth: int) -> None:
    out = {cv2.CV_16S: np.int16, cv2.CV_16U: np.uint16, cv2.CV_32F: np.float32, cv2.CV_64F: np.float64}[ddepth]
    k = kernels.sobel(1, 1, 3)
    img = _random(np.dtype(src), (40, 45))
    p = opencv.make_plan(k, src, out)
    assert type(p.units[0][0]) is opencv.Sep
    ref = cv2.filter2D(img, ddepth, k, borderType=cv2.BORDER_REFLECT_101)
    got = fb.filter2d(img, k, out_dtype=out, method="opencv")
    assert got.dtype == ref.dtype
    np.testing.assert_array_equal(got, ref)


@pytest.mark.parametrize("anchor", [(0, 0), (2, 1), (4, 2)])
def test_anchor_moves_the_separable_window_as_filter2d_does(anchor: tuple[int, int]) -> None:
    k = kernels.sobel(0, 1, 5)[:, 1:4] * 1.0  # 5x3, still integer factors
    img = _random(np.dtype(np.uint8), (30, 31))
    ref = cv2.filter2D(img, cv2.CV_16S, k, anchor=(anchor[1], anchor[0]), borderType=cv2.BORDER_REFLECT_101)
    got = fb.filter2d(img, k, anchor=anchor, out_dtype=np.int16, method="opencv")
    np.testing.assert_array_equal(got, ref)


def test_large_image_cut_into_bands_is_still_bit_identical() -> None:
    # one large sepFilter2D call is cut into row bands with halos on two threads
    img = _random(np.dtype(np.uint8), (1080, 1920))
    k = kernels.sobel(1, 0, 3)
    p = opencv.make_plan(k, np.uint8)
    out = np.empty_like(img)
    opencv._execute(p, [(img, p.units[0][0], out)], threads=2)
    bands = opencv._bands(p, img, p.units[0][0], out, 2)
    assert len(bands) > 1
    np.testing.assert_array_equal(out, cv2.filter2D(img, -1, k, borderType=cv2.BORDER_REFLECT_101))


def test_horizontal_edge_gives_one_line_and_keeps_uint8_saturation() -> None:
    img = np.zeros((20, 24), np.uint8)
    img[10:] = 200
    y = fb.filter2d(img, kernels.sobel(0, 1, 3))  # d/dy: the edge rows light up, saturated at 255
    assert set(np.unique(y[9:11])) == {255} and not y[:9].any() and not y[11:].any()
    y_neg = fb.filter2d(255 - img, kernels.sobel(0, 1, 3))  # falling edge: negative sums saturate to 0
    assert not y_neg.any()


def test_float_or_padded_plans_keep_filter2d() -> None:
    k = kernels.sobel(1, 0, 3)
    assert type(opencv.make_plan(k, np.float32).units[0][0]) is np.ndarray
    assert type(opencv.make_plan(k, np.uint8, border="wrap").units[0][0]) is np.ndarray


# --- opencv-separable: rank-1 float kernels from the DFT threshold on ---------------------------


def _gauss(size: int, sigma: float) -> np.ndarray:
    g = np.asarray(kernels.gaussian_1d(size, sigma), dtype=np.float64).ravel()
    return np.outer(g, g)


def test_auto_takes_sepfilter2d_for_a_large_gaussian_and_filter2d_below_the_dft_threshold() -> None:
    big = torch.from_numpy(_gauss(49, 8.0)).float()[None, None]
    small = torch.from_numpy(_gauss(7, 1.5)).float()[None, None]
    pair = (torch.float32, torch.float32)
    assert plan.choose((24, 1, 560, 560), big, opencv=pair)[0] == plan.OPENCV_SEPARABLE
    assert plan.OPENCV_SEPARABLE not in plan.choose((24, 1, 518, 518), small, opencv=pair)[2].estimates
    general = torch.from_numpy(np.random.default_rng(0).normal(size=(31, 31))).float()[None, None]
    assert plan.OPENCV_SEPARABLE not in plan.choose((4, 1, 286, 286), general, opencv=pair)[2].estimates
    big.requires_grad_(True)
    assert plan.OPENCV_SEPARABLE not in plan.choose((24, 1, 560, 560), big, opencv=pair)[2].estimates


@pytest.mark.parametrize("border", sorted(SCIPY_MODE))
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_opencv_separable_equals_the_correlation(border: str, dtype: torch.dtype) -> None:
    k = _gauss(33, 5.0)
    x = torch.rand(2, 3, 70, 90, dtype=dtype, generator=torch.Generator().manual_seed(1))
    y = opencv.correlate(x, torch.from_numpy(k).to(dtype), border=border, separable=True)
    ref = ndi.correlate(x[1, 2].double().numpy(), k, mode=SCIPY_MODE[border], cval=0.0)
    tol = 1e-6 if dtype == torch.float32 else 1e-12  # float32 passes of 33 taps of a unit-sum kernel
    np.testing.assert_allclose(y[1, 2].double().numpy(), ref, rtol=0, atol=tol)


def test_auto_numpy_call_runs_sepfilter2d_and_matches_scipy() -> None:
    k = _gauss(49, 8.0)
    img = np.random.default_rng(3).random((300, 280, 3)).astype(np.float32)
    y = fb.filter2d(img, k)
    ref = np.stack([ndi.correlate(img[..., c].astype(np.float64), k, mode="mirror") for c in range(3)], -1)
    np.testing.assert_allclose(y, ref, rtol=0, atol=1e-6)


def test_separable_plan_refuses_integers_and_autograd() -> None:
    with pytest.raises(DTypeError, match="separable"):
        opencv.make_plan(_gauss(33, 5.0), np.uint8, separable=True)
    x = torch.rand(1, 1, 40, 40, requires_grad=True)
    with pytest.raises(ParameterError, match="autograd"):
        opencv.correlate(x, torch.from_numpy(_gauss(33, 5.0)).float(), separable=True)


def test_separable_plan_refuses_a_kernel_that_is_not_rank_1() -> None:
    rank2 = _gauss(33, 5.0) + np.outer(np.linspace(-1, 1, 33), np.linspace(-1, 1, 33)) * 1e-2
    with pytest.raises(ParameterError, match="rank-1"):
        opencv.make_plan(rank2, np.float32, separable=True)


def test_separable_plan_factors_rebuild_each_kernel_of_a_bank() -> None:
    bank = np.stack([_gauss(33, 5.0), _gauss(33, 3.0), np.outer(np.hanning(33), np.linspace(-1, 1, 33))])
    p = opencv.make_plan(bank, np.float64, separable=True)
    for k, unit in zip(bank, p.units[0], strict=True):
        np.testing.assert_allclose(np.outer(unit.column, unit.row), k, rtol=0, atol=1e-12)
