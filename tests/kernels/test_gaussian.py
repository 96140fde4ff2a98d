"""Tests of filterbank.kernels.gaussian against OpenCV, SciPy and scikit-image.

Every reference is computed here by calling those libraries (or from a formula
written out in the test), never by the code under test.
"""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest
import scipy.ndimage as ndi
import skimage.filters as skf

from filterbank import kernels as K
from filterbank._errors import DTypeError, ParameterError, ShapeError
from tests.kernels._util import BORDER, filt, fragments, ramp

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


# ---------------------------------------------------------------- errors

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
]


@pytest.mark.parametrize(("call", "exc", "parts"), ERROR_CASES)
def test_errors_name_argument_and_value(call, exc, parts):
    with pytest.raises(exc, match=fragments(*parts)):
        call()
