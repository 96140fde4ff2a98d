"""Tests of filterbank.kernels.derivative against OpenCV and SciPy.

Every reference is computed here by calling those libraries (or from a formula
written out in the test), never by the code under test.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import scipy.ndimage as ndi

from filterbank import kernels as K
from filterbank._errors import DTypeError, ParameterError
from tests.kernels._util import BORDER, filt, fragments, ramp

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


# ---------------------------------------------------------------- errors

ERROR_CASES = [
    # (callable, exception, fragments that must appear in order)
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
]


@pytest.mark.parametrize(("call", "exc", "parts"), ERROR_CASES)
def test_errors_name_argument_and_value(call, exc, parts):
    with pytest.raises(exc, match=fragments(*parts)):
        call()
