"""Tests of filterbank.kernels.vgg against the VGG definitions written out in tests/_vgg_reference.py.

The reference is VGG's filter ``F`` (y up, applied by ``conv2``); the kernels are ``F``
rotated by 180 degrees, so ``filter2d`` with them equals ``conv2(img, F, 'same')``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.signal

from filterbank import filter2d
from filterbank import kernels as K
from filterbank._errors import DTypeError, ParameterError
from tests._vgg_reference import crop, fspecial_gaussian, fspecial_log, normalise, vgg_makefilter


@pytest.mark.parametrize(
    ("size", "sigma", "order", "angle"), [(49, 1.0, 1, 0.0), (21, 2.0, 2, 1.1), (15, 1.5, 0, -0.4)]
)
def test_vgg_oriented_is_makefilter_rotated(size, sigma, order, angle):
    ref = vgg_makefilter(sigma, order, angle, sup=size)
    np.testing.assert_allclose(K.vgg_oriented(size, sigma, order, angle), ref[::-1, ::-1], rtol=0, atol=1e-14)


def test_vgg_oriented_filter2d_equals_conv2():
    img = crop(40)
    f = vgg_makefilter(1.0, 1, math.pi / 6, sup=11)
    conv = scipy.signal.convolve2d(img, f, mode="same")
    out = filter2d(img, K.vgg_oriented(11, 1.0, 1, math.pi / 6))
    np.testing.assert_allclose(out[5:-5, 5:-5], conv[5:-5, 5:-5], rtol=0, atol=1e-14)


@pytest.mark.parametrize(("size", "sigma"), [(49, 10.0), (13, 1.5)])
def test_vgg_gaussian_and_log_are_normalised_fspecial(size, sigma):
    np.testing.assert_allclose(K.vgg_gaussian(size, sigma), normalise(fspecial_gaussian(size, sigma)), atol=1e-15)
    np.testing.assert_allclose(K.vgg_log(size, sigma), normalise(fspecial_log(size, sigma)), atol=1e-15)


@pytest.mark.parametrize(("sigma", "tau"), [(2.0, 1.0), (6.0, 3.0), (10.0, 4.0)])
def test_schmid_formula(sigma, tau):
    size = 49
    h = size // 2
    f = np.zeros((size, size))
    for i in range(size):
        for j in range(size):
            r = math.hypot(j - h, h - i)
            f[i, j] = math.cos(math.pi * tau * r / sigma) * math.exp(-(r * r) / (2 * sigma * sigma))
    f = f - f.mean()
    f = f / np.abs(f).sum()
    np.testing.assert_allclose(K.schmid(size, sigma, tau), f, rtol=0, atol=1e-15)


@pytest.mark.parametrize(
    ("call", "exc", "pattern"),
    [
        (lambda: K.vgg_oriented(48, 1.0, 1, 0.0), ParameterError, r"`size` must be odd; got 48"),
        (lambda: K.vgg_oriented(49, -1.0, 1, 0.0), ParameterError, r"`sigma` must be > 0; got -1.0"),
        (lambda: K.vgg_oriented(49, 1.0, 3, 0.0), ParameterError, r"`order` must be in \[0, 2\]; got 3"),
        (lambda: K.vgg_oriented(49, 1.0, 1, "up"), DTypeError, r"`angle`"),
        (lambda: K.vgg_gaussian(0, 1.0), ParameterError, r"`size` must be >= 1; got 0"),
        (lambda: K.vgg_log(9, 0.0), ParameterError, r"`sigma` must be > 0; got 0.0"),
        (lambda: K.schmid(9, 2.0, float("nan")), ParameterError, r"`tau`"),
    ],
)
def test_errors(call, exc, pattern):
    with pytest.raises(exc, match=pattern):
        call()
