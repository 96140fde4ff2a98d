"""Tests of filterbank.kernels.gabor against OpenCV.

Every reference is computed here by calling those libraries (or from a formula
written out in the test), never by the code under test.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from filterbank import kernels as K
from filterbank._errors import ParameterError
from tests.kernels._util import fragments

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


# ---------------------------------------------------------------- errors

ERROR_CASES = [
    # (callable, exception, fragments that must appear in order)
    (lambda: K.gabor(4, 1.0, 0.0, 3.0), ParameterError, ("`ksize`", "5", "4")),
    (lambda: K.gabor((5, 6), 1.0, 0.0, 3.0), ParameterError, ("`ksize`", "7", "(5, 6)")),
    (lambda: K.gabor(5, -1.0, 0.0, 3.0), ParameterError, ("`sigma`", "-1.0")),
    (lambda: K.gabor(5, 1.0, 0.0, 0.0), ParameterError, ("`lambd`", "0.0")),
    (lambda: K.gabor(5, 1.0, 0.0, 3.0, gamma=-0.5), ParameterError, ("`gamma`", "-0.5")),
]


@pytest.mark.parametrize(("call", "exc", "parts"), ERROR_CASES)
def test_errors_name_argument_and_value(call, exc, parts):
    with pytest.raises(exc, match=fragments(*parts)):
        call()
