"""Tests of filterbank.kernels against OpenCV, SciPy and scikit-image.

Every reference is computed here by calling those libraries (or from a formula
written out in the test), never by the code under test.
"""

from __future__ import annotations

import inspect
import math
import re

import cv2
import numpy as np
import pytest
import scipy.ndimage as ndi
import skimage.filters as skf

from filterbank import kernels as K
from filterbank._errors import DTypeError, ParameterError, ShapeError, UnknownNameError

BORDER = cv2.BORDER_REFLECT_101


@pytest.fixture
def img() -> np.ndarray:
    return np.random.default_rng(1234).random((23, 31))


def filt(image: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    return cv2.filter2D(image, cv2.CV_64F, kernel, borderType=BORDER)


def ramp(shape=(23, 31), axis=1) -> np.ndarray:
    """Unit ramp increasing to the right (axis=1) or downwards (axis=0)."""
    h, w = shape
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    return x if axis == 1 else y


# ---------------------------------------------------------------- Gaussian


@pytest.mark.parametrize("sigma", [None, 0, 0.3, 0.8, 1.3, 2.5, 6.0])
def test_gaussian_1d_matches_opencv_all_sizes(sigma):
    for n in range(1, 36):
        ref = cv2.getGaussianKernel(n, 0 if sigma is None else sigma, cv2.CV_64F).ravel()
        out = K.gaussian_1d(n, sigma)
        assert out.shape == (n,) and out.dtype == np.float64
        np.testing.assert_allclose(out, ref, rtol=0, atol=1e-15)


def test_gaussian_1d_fixed_tables_and_even_placement():
    tables = {
        1: [1],
        3: np.array([1, 2, 1]) / 4,
        5: np.array([1, 4, 6, 4, 1]) / 16,
        7: np.array([8, 28, 56, 72, 56, 28, 8]) / 256,
        9: np.array([4, 13, 30, 51, 60, 51, 30, 13, 4]) / 256,
    }
    for n, t in tables.items():
        np.testing.assert_array_equal(K.gaussian_1d(n), t)
    # Even size: the two centre taps sit at x = 0, the others at their true distance.
    s = 1.3
    x = np.array([-2.5, -1.5, 0.0, 0.0, 1.5, 2.5])
    ref = np.exp(-(x**2) / (2 * s * s))
    np.testing.assert_allclose(K.gaussian_1d(6, s), ref / ref.sum(), rtol=0, atol=1e-15)
    np.testing.assert_allclose(cv2.getGaussianKernel(6, s, cv2.CV_64F).ravel(), ref / ref.sum(), atol=1e-15)


@pytest.mark.parametrize(
    ("ksize", "sigma", "sigma_y"), [(3, 1.0, None), ((5, 7), 1.2, 0.8), ((9, 5), None, None), (7, 2.0, 0)]
)
def test_gaussian_2d_matches_opencv(img, ksize, sigma, sigma_y):
    h, w = (ksize, ksize) if isinstance(ksize, int) else ksize
    sx = sigma or 0
    sy = sigma_y if sigma_y else sx
    k = K.gaussian(ksize, sigma, sigma_y)
    assert k.shape == (h, w)
    assert k.sum() == pytest.approx(1.0, abs=1e-14)
    gx = cv2.getGaussianKernel(w, sx, cv2.CV_64F)
    gy = cv2.getGaussianKernel(h, sy if sigma_y else sx, cv2.CV_64F)
    sep = cv2.sepFilter2D(img, cv2.CV_64F, gx, gy, borderType=BORDER)
    blur = cv2.GaussianBlur(img, (w, h), sx, sigmaY=sy, borderType=BORDER)
    np.testing.assert_allclose(filt(img, k), sep, rtol=0, atol=1e-13)
    np.testing.assert_allclose(filt(img, k), blur, rtol=0, atol=1e-13)


def test_gaussian_even_size_equals_sepfilter(img):
    k = K.gaussian((4, 6), 1.1)
    gx = cv2.getGaussianKernel(6, 1.1, cv2.CV_64F)
    gy = cv2.getGaussianKernel(4, 1.1, cv2.CV_64F)
    np.testing.assert_allclose(k, gy @ gx.T, rtol=0, atol=1e-15)
    np.testing.assert_allclose(
        filt(img, k), cv2.sepFilter2D(img, cv2.CV_64F, gx, gy, borderType=BORDER), rtol=0, atol=1e-13
    )


def test_gaussian_ksize_none_matches_gaussianblur_auto_size(img):
    k = K.gaussian(None, 1.3, 0.7)
    ref = cv2.GaussianBlur(img, (0, 0), 1.3, sigmaY=0.7, borderType=BORDER)
    assert k.shape == (round(0.7 * 8 + 1) | 1, round(1.3 * 8 + 1) | 1)
    np.testing.assert_allclose(filt(img, k), ref, rtol=0, atol=1e-13)


# ------------------------------------------------- Gaussian derivatives


@pytest.mark.parametrize(("sigma", "sigma_y"), [(1.0, None), (1.3, 0.8), (0.7, 1.9)])
def test_gaussian_derivative_matches_scipy(img, sigma, sigma_y):
    sy = sigma if sigma_y is None else sigma_y
    for dx in range(4):
        for dy in range(4):
            k = K.gaussian_derivative(None, sigma, dx, dy, sigma_y=sigma_y)
            r = int(4 * max(sigma, sy) + 0.5)
            assert k.shape == (2 * r + 1, 2 * r + 1)
            ref = ndi.gaussian_filter(img, (sy, sigma), order=(dy, dx), mode="mirror", radius=(r, r))
            np.testing.assert_allclose(ndi.correlate(img, k, mode="mirror"), ref, rtol=0, atol=1e-12)
            # cv2.filter2D applies the same kernel (reflect101 == scipy 'mirror').
            np.testing.assert_allclose(filt(img, k), ref, rtol=0, atol=1e-12)


def test_gaussian_derivative_rectangular_and_high_order(img):
    k = K.gaussian_derivative((5, 9), 1.2, dx=1, dy=2)
    assert k.shape == (5, 9)
    ref = ndi.gaussian_filter(img, 1.2, order=(2, 1), mode="mirror", radius=(2, 4))
    np.testing.assert_allclose(ndi.correlate(img, k, mode="mirror"), ref, rtol=0, atol=1e-12)
    k = K.gaussian_derivative(11, 1.5, dx=6, dy=0)
    ref = ndi.gaussian_filter(img, 1.5, order=(0, 6), mode="mirror", radius=5)
    np.testing.assert_allclose(ndi.correlate(img, k, mode="mirror"), ref, rtol=0, atol=1e-12)


def test_gaussian_derivative_order_zero_is_scipy_gaussian(img):
    k = K.gaussian_derivative(None, 1.5, 0, 0)
    assert k.sum() == pytest.approx(1.0, abs=1e-14)
    ref = ndi.gaussian_filter(img, 1.5, mode="mirror")
    np.testing.assert_allclose(ndi.correlate(img, k, mode="mirror"), ref, rtol=0, atol=1e-13)


def test_gaussian_derivative_rotation_and_steering():
    kx = K.gaussian_derivative(11, 1.5, 1, 0)
    ky = K.gaussian_derivative(11, 1.5, 0, 1)
    np.testing.assert_allclose(K.gaussian_derivative(11, 1.5, 1, 0, theta=np.pi / 2), ky, rtol=0, atol=1e-12)
    for theta in np.linspace(-3, 3, 7):
        k = K.gaussian_derivative(11, 1.5, 1, 0, theta=theta)
        np.testing.assert_allclose(k, np.cos(theta) * kx + np.sin(theta) * ky, rtol=0, atol=1e-12)


def test_gaussian_derivative_rotated_formula():
    # Written-out formula: theta turns clockwise on screen (rows point down).
    s, sv, theta = 1.4, 0.9, 0.6
    y, x = np.mgrid[-4:5, -4:5].astype(np.float64)
    u = x * math.cos(theta) + y * math.sin(theta)
    v = -x * math.sin(theta) + y * math.cos(theta)
    phi = np.exp(-(u**2) / (2 * s * s) - v**2 / (2 * sv * sv))
    phi /= phi.sum()
    # d/du of the Gaussian is -u/s^2 * G; correlation orientation negates odd orders.
    ref = (u / s**2) * ((v**2 - sv**2) / sv**4) * phi
    out = K.gaussian_derivative(9, s, dx=1, dy=2, sigma_y=sv, theta=theta)
    np.testing.assert_allclose(out, ref, rtol=0, atol=1e-13)


def test_gaussian_derivative_behaviour():
    k = K.gaussian_derivative(None, 1.0, 1, 0)
    assert abs(k.sum()) < 1e-12
    # Ramp increasing to the right: positive, close to unit slope.
    assert filt(ramp(), k)[11, 15] == pytest.approx(1.0, abs=1e-3)
    assert abs(filt(ramp(axis=0), k)[11, 15]) < 1e-12
    # Ramp increasing downwards seen by dy=1.
    assert filt(ramp(axis=0), K.gaussian_derivative(None, 1.0, 0, 1))[11, 15] == pytest.approx(1.0, abs=1e-3)


# ----------------------------------------------------------- LoG and DoG


@pytest.mark.parametrize("sigma", [0.5, 1.0, 1.7, 3.0])
def test_log_matches_scipy(img, sigma):
    k = K.log(None, sigma)
    r = int(4 * sigma + 0.5)
    assert k.shape == (2 * r + 1, 2 * r + 1)
    ref = ndi.gaussian_laplace(img, sigma, mode="mirror", radius=r)
    np.testing.assert_allclose(ndi.correlate(img, k, mode="mirror"), ref, rtol=0, atol=1e-12)
    assert k[r, r] < 0


def test_log_explicit_size_and_behaviour(img):
    k = K.log((7, 9), 1.2)
    ref = ndi.gaussian_laplace(img, 1.2, mode="mirror", radius=(3, 4))
    np.testing.assert_allclose(ndi.correlate(img, k, mode="mirror"), ref, rtol=0, atol=1e-12)
    big = K.log(None, 1.5)
    assert abs(big.sum()) < 1e-3
    blob = np.zeros((31, 31))
    blob[15, 15] = 1.0
    assert filt(blob, big)[15, 15] < 0  # bright blob -> negative (SciPy's sign)


@pytest.mark.parametrize(("lo", "hi"), [(0.5, 1.0), (1.0, 1.6), (1.2, 3.0)])
def test_dog_matches_skimage(img, lo, hi):
    k = K.dog(None, lo, hi)
    r = int(4 * hi + 0.5)
    assert k.shape == (2 * r + 1, 2 * r + 1)
    ref = skf.difference_of_gaussians(img, lo, hi, mode="mirror", truncate=4.0)
    np.testing.assert_allclose(ndi.correlate(img, k, mode="mirror"), ref, rtol=0, atol=1e-12)
    assert abs(k.sum()) < 1e-12
    assert k[r, r] > 0  # bright blob -> positive (skimage's sign)


def test_dog_with_ksize(img):
    k = K.dog((7, 9), 1.0, 2.0)
    ref = ndi.gaussian_filter(img, 1.0, mode="mirror", radius=(3, 4)) - ndi.gaussian_filter(
        img, 2.0, mode="mirror", radius=(3, 4)
    )
    np.testing.assert_allclose(ndi.correlate(img, k, mode="mirror"), ref, rtol=0, atol=1e-12)


# --------------------------------------------------------------- Sobel & co


def _valid_sobel(dx, dy, k):
    nx = 3 if (k == 1 and dx > 0) else k
    ny = 3 if (k == 1 and dy > 0) else k
    return dx < nx and dy < ny


def test_sobel_matches_getderivkernels():
    checked = 0
    for k in (1, 3, 5, 7, 31):
        for dx in range(4):
            for dy in range(4):
                if not 1 <= dx + dy <= 3 or not _valid_sobel(dx, dy, k):
                    continue
                for norm in (False, True):
                    kx, ky = cv2.getDerivKernels(dx, dy, k, normalize=norm, ktype=cv2.CV_64F)
                    out = K.sobel(dx, dy, k, norm)
                    assert out.shape == (len(ky), len(kx))
                    np.testing.assert_array_equal(out, ky @ kx.T)
                    np.testing.assert_array_equal(K.sobel_1d(dx, k, norm), kx.ravel())
                    checked += 1
    assert checked == 82


def test_sobel_invalid_combinations_are_refused_like_opencv():
    for k, dx, dy in [(1, 3, 0), (3, 3, 0), (5, 0, 5), (3, 0, 0)]:
        with pytest.raises(cv2.error):
            cv2.getDerivKernels(dx, dy, k, ktype=cv2.CV_64F)
        with pytest.raises(ParameterError):
            K.sobel(dx, dy, k)


def test_sobel_matches_cv2_sobel(img):
    for k in (1, 3, 5, 7):
        for dx, dy in [(1, 0), (0, 1), (1, 1), (2, 0)]:
            ref = cv2.Sobel(img, cv2.CV_64F, dx, dy, ksize=k, borderType=BORDER)
            np.testing.assert_allclose(filt(img, K.sobel(dx, dy, k)), ref, rtol=0, atol=1e-10)


@pytest.mark.parametrize(("k", "slope"), [(1, 2), (3, 8), (5, 128), (7, 2048)])
def test_sobel_unit_ramp(k, slope):
    assert filt(ramp(), K.sobel(1, 0, k))[11, 15] == pytest.approx(slope, abs=1e-9)
    assert filt(ramp(axis=0), K.sobel(0, 1, k))[11, 15] == pytest.approx(slope, abs=1e-9)
    assert filt(ramp(), K.sobel(1, 0, k, normalize=True))[11, 15] == pytest.approx(1.0, abs=1e-12)
    assert abs(K.sobel(1, 0, k).sum()) == 0


def test_sobel_step_edge_gives_a_line():
    step = np.zeros((21, 21))
    step[10:, :] = 1.0  # top dark, bottom bright: a horizontal edge
    gy = filt(step, K.sobel(0, 1))
    gx = filt(step, K.sobel(1, 0))
    assert np.all(gy[9:11, :] > 0)
    assert np.all(gy[:9, :] == 0) and np.all(gy[11:, :] == 0)
    assert np.all(gx == 0)


def test_scharr_matches_opencv(img):
    for dx, dy in [(1, 0), (0, 1)]:
        for norm in (False, True):
            kx, ky = cv2.getDerivKernels(dx, dy, cv2.FILTER_SCHARR, normalize=norm, ktype=cv2.CV_64F)
            np.testing.assert_array_equal(K.scharr(dx, dy, norm), ky @ kx.T)
        ref = cv2.Scharr(img, cv2.CV_64F, dx, dy, borderType=BORDER)
        np.testing.assert_allclose(filt(img, K.scharr(dx, dy)), ref, rtol=0, atol=1e-12)
    assert filt(ramp(), K.scharr(1, 0))[11, 15] == pytest.approx(32)
    assert filt(ramp(), K.scharr(1, 0, normalize=True))[11, 15] == pytest.approx(1.0)


def test_prewitt_matches_scipy(img):
    np.testing.assert_allclose(filt(img, K.prewitt(1, 0)), ndi.prewitt(img, axis=1, mode="mirror"), rtol=0, atol=1e-13)
    np.testing.assert_allclose(filt(img, K.prewitt(0, 1)), ndi.prewitt(img, axis=0, mode="mirror"), rtol=0, atol=1e-13)
    assert filt(ramp(), K.prewitt(1, 0))[11, 15] == pytest.approx(6.0)


@pytest.mark.parametrize("k", [1, 3, 5, 7])
def test_laplacian_matches_cv2(img, k):
    ref = cv2.Laplacian(img, cv2.CV_64F, ksize=k, borderType=BORDER)
    np.testing.assert_allclose(filt(img, K.laplacian(k)), ref, rtol=0, atol=1e-10)
    assert K.laplacian(k).sum() == 0


def test_laplacian_fixed_kernels_and_quadratic():
    np.testing.assert_array_equal(K.laplacian(1), [[0, 1, 0], [1, -4, 1], [0, 1, 0]])
    np.testing.assert_array_equal(K.laplacian(3), [[2, 0, 2], [0, -8, 0], [2, 0, 2]])
    y, x = np.mgrid[-15:16, -15:16].astype(np.float64)
    surface = x**2 / 2 + y**2 / 2
    for k, expected in [(1, 2.0), (3, 8.0), (5, 128.0)]:
        assert filt(surface, K.laplacian(k))[15, 15] == pytest.approx(expected)


# ---------------------------------------------------------------- Gabor


def test_gabor_matches_opencv_random():
    rng = np.random.default_rng(7)
    for _ in range(150):
        h, w = (int(v) for v in rng.integers(0, 10, 2) * 2 + 1)
        sigma, theta = rng.uniform(0.3, 6), rng.uniform(-7, 7)
        lambd, gamma, psi = rng.uniform(0.5, 20), rng.uniform(0.2, 3), rng.uniform(-4, 4)
        ref = cv2.getGaborKernel((w, h), sigma, theta, lambd, gamma, psi, cv2.CV_64F)
        out = K.gabor((h, w), sigma, theta, lambd, gamma, psi)
        assert out.shape == (h, w)
        np.testing.assert_allclose(out, ref, rtol=0, atol=1e-12)
        ref = cv2.getGaborKernel((0, 0), sigma, theta, lambd, gamma, psi, cv2.CV_64F)
        out = K.gabor(None, sigma, theta, lambd, gamma, psi)
        assert out.shape == ref.shape
        np.testing.assert_allclose(out, ref, rtol=0, atol=1e-12)


def test_gabor_default_psi_and_square(img):
    ref = cv2.getGaborKernel((9, 9), 2.0, 0.5, 5.0, 1.0, ktype=cv2.CV_64F)
    np.testing.assert_allclose(K.gabor(9, 2.0, 0.5, 5.0), ref, rtol=0, atol=1e-12)
    assert K.gabor(5, 2.0, 0.0, 4.0, psi=0.0)[2, 2] == 1.0


# ------------------------------------------------------------------ box


@pytest.mark.parametrize("ksize", [1, 2, 3, (3, 5), (4, 2), (6, 7)])
@pytest.mark.parametrize("normalize", [True, False])
def test_box_matches_boxfilter(img, ksize, normalize):
    h, w = (ksize, ksize) if isinstance(ksize, int) else ksize
    k = K.box(ksize, normalize)
    assert k.shape == (h, w)
    for border in (cv2.BORDER_REFLECT_101, cv2.BORDER_REPLICATE, cv2.BORDER_CONSTANT):
        ref = cv2.boxFilter(img, cv2.CV_64F, (w, h), normalize=normalize, borderType=border)
        out = cv2.filter2D(img, cv2.CV_64F, k, borderType=border)
        np.testing.assert_allclose(out, ref, rtol=0, atol=1e-12)


# ------------------------------------------------------------- registry


REGISTRY_CALLS = {
    "gaussian": {"ksize": (3, 5), "sigma": 1.0},
    "gaussian_1d": {"ksize": 5},
    "gaussian_derivative": {"ksize": 7, "sigma": 1.2, "dx": 0, "dy": 1},
    "sobel": {"dx": 1, "dy": 0, "ksize": 5},
    "scharr": {"dx": 0, "dy": 1},
    "prewitt": {"dx": 1, "dy": 0},
    "laplacian": {"ksize": 3},
    "log": {"ksize": None, "sigma": 1.0},
    "dog": {"ksize": None, "sigma_low": 1.0, "sigma_high": 2.0},
    "gabor": {"ksize": (5, 7), "sigma": 2.0, "theta": 0.3, "lambd": 4.0},
    "box": {"ksize": (2, 3)},
    "average": {"ksize": (2, 3)},
    "disk": {"radius": 2.0},
    "motion": {"length": 7, "angle": 30},
    "fspecial_laplacian": {"alpha": 0.2},
    "unsharp": {"alpha": 0.2},
    "fspecial_log": {"ksize": 5, "sigma": 0.5},
    "gaussian_nd": {"ksize": None, "sigma": (1.0, 0.8, 1.2), "order": (0, 1, 2)},
    "log_nd": {"ksize": None, "sigma": 1.0, "ndim": 3},
    "sobel_nd": {"ndim": 3, "axis": 1},
    "prewitt_nd": {"ndim": 1, "axis": 0},
    "box_nd": {"ksize": (2, 3, 4)},
    "gabor3d": {"ksize": 7, "sigma": 2.0, "theta": 0.3, "phi": 1.0, "lambd": 4.0},
}


def test_registry_get_and_names():
    assert K.names() == sorted(REGISTRY_CALLS)
    assert K.names("gauss*") == ["gaussian", "gaussian_1d", "gaussian_derivative", "gaussian_nd"]
    assert K.names("nothing*") == []
    for name, params in REGISTRY_CALLS.items():
        direct = getattr(K, name)(**params)
        np.testing.assert_array_equal(K.get(name, **params), direct)
        assert isinstance(K.signature(name), inspect.Signature)
    assert set(K.__all__) >= set(REGISTRY_CALLS) | {"get", "names", "signature", "sobel_1d"}


def test_registry_errors():
    with pytest.raises(UnknownNameError, match=r"'sobl'.*Did you mean 'sobel'"):
        K.get("sobl", dx=1, dy=0)
    with pytest.raises(DTypeError, match=r"'gaussian'.*`sigm`"):
        K.get("gaussian", ksize=3, sigm=1.0)
    with pytest.raises(DTypeError, match=r"'gabor'.*`lambd`"):
        K.get("gabor", ksize=3, sigma=1.0, theta=0.0)
    with pytest.raises(DTypeError, match=r"`name`"):
        K.get(3)


# ---------------------------------------------------------------- errors


def _m(*parts: str) -> str:
    return ".*".join(re.escape(p) for p in parts)


ERROR_CASES = [
    # (callable, exception, fragments that must appear in order)
    (lambda: K.gaussian_1d(5, -1.0), ParameterError, ("`sigma`", "-1.0")),
    (lambda: K.gaussian_1d(0), ParameterError, ("`ksize`", "0")),
    (lambda: K.gaussian_1d(5.0), DTypeError, ("`ksize`", "5.0")),
    (lambda: K.gaussian_1d(True), DTypeError, ("`ksize`", "True")),
    (lambda: K.gaussian((3, 3), 1.0, -2.0), ParameterError, ("`sigma_y`", "-2.0")),
    (lambda: K.gaussian((3, 3, 3), 1.0), ShapeError, ("`ksize`", "(3, 3, 3)")),
    (lambda: K.gaussian(None), ParameterError, ("`sigma`", "None")),
    (lambda: K.gaussian(3, float("nan")), ParameterError, ("`sigma`", "nan")),
    (lambda: K.gaussian_derivative(None, 0.0), ParameterError, ("`sigma`", "0.0")),
    (lambda: K.gaussian_derivative(None, 1.0, sigma_y=-1.0), ParameterError, ("`sigma_y`", "-1.0")),
    (lambda: K.gaussian_derivative(4, 1.0), ParameterError, ("`ksize`", "odd", "4")),
    (lambda: K.gaussian_derivative(5, 1.0, dx=-1), ParameterError, ("`dx`", "-1")),
    (lambda: K.gaussian_derivative(5, 1.0, dy=7), ParameterError, ("`dy`", "7")),
    (lambda: K.gaussian_derivative(5, 1.0, dx=1.0), DTypeError, ("`dx`", "1.0")),
    (lambda: K.log(None, -0.5), ParameterError, ("`sigma`", "-0.5")),
    (lambda: K.log((5, 6), 1.0), ParameterError, ("`ksize`", "odd", "(5, 6)")),
    (lambda: K.dog(None, 2.0, 1.0), ParameterError, ("`sigma_low`", "`sigma_high`", "2.0")),
    (lambda: K.dog(None, 0.0, 1.0), ParameterError, ("`sigma_low`", "0.0")),
    (lambda: K.dog(4, 1.0, 2.0), ParameterError, ("`ksize`", "4")),
    (lambda: K.sobel(1, 0, 4), ParameterError, ("`ksize`", "odd", "4")),
    (lambda: K.sobel(1, 0, 33), ParameterError, ("`ksize`", "33")),
    (lambda: K.sobel(3, 0, 3), ParameterError, ("`dx`", "3")),
    (lambda: K.sobel(0, 3, 1), ParameterError, ("`dy`", "widens to 3", "3")),
    (lambda: K.sobel(0, 0), ParameterError, ("`dx + dy`", "dx=0", "dy=0")),
    (lambda: K.sobel(0, -1), ParameterError, ("`dy`", "-1")),
    (lambda: K.sobel(1, 0, 3.0), DTypeError, ("`ksize`", "3.0")),
    (lambda: K.sobel(1, 0, 3, 1), DTypeError, ("`normalize`", "1")),
    (lambda: K.sobel_1d(3, 3), ParameterError, ("`order`", "3")),
    (lambda: K.scharr(1, 1), ParameterError, ("`dx + dy`", "dx=1", "dy=1")),
    (lambda: K.prewitt(0, 2), ParameterError, ("`dx + dy`", "dy=2")),
    (lambda: K.laplacian(2), ParameterError, ("`ksize`", "2")),
    (lambda: K.gabor(4, 1.0, 0.0, 3.0), ParameterError, ("`ksize`", "5", "4")),
    (lambda: K.gabor((5, 6), 1.0, 0.0, 3.0), ParameterError, ("`ksize`", "7", "(5, 6)")),
    (lambda: K.gabor(5, -1.0, 0.0, 3.0), ParameterError, ("`sigma`", "-1.0")),
    (lambda: K.gabor(5, 1.0, 0.0, 0.0), ParameterError, ("`lambd`", "0.0")),
    (lambda: K.gabor(5, 1.0, 0.0, 3.0, gamma=-0.5), ParameterError, ("`gamma`", "-0.5")),
    (lambda: K.box(0), ParameterError, ("`ksize`", "0")),
    (lambda: K.box(3, normalize="yes"), DTypeError, ("`normalize`", "yes")),
]


@pytest.mark.parametrize(("call", "exc", "fragments"), ERROR_CASES)
def test_errors_name_argument_and_value(call, exc, fragments):
    with pytest.raises(exc, match=_m(*fragments)):
        call()
