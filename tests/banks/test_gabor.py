"""Tests of filterbank.banks.gabor: the Gabor bank and the skimage / MATLAB parameter translations."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest
from skimage.filters import gabor as sk_gabor
from skimage.filters import gabor_kernel

from filterbank import banks, filter2d, kernels
from tests._vgg_reference import crop


# ------------------------------------------------------------------ Gabor
def test_gabor_bank_structure_and_quadrature():
    b = banks.gabor(sigmas=[2.0, 4.0], orientations=4, phases=[0.0, math.pi / 2])
    assert len(b) == 16
    assert b.names[:4] == ["gabor_s2_t000_p0", "gabor_s2_t000_p90", "gabor_s2_t045_p0", "gabor_s2_t045_p90"]
    assert "gabor_s4_t045_p0" in b.names
    for spec, k in zip(b.specs, b.kernels, strict=True):
        ref = cv2.getGaborKernel(
            (spec["ksize"][1], spec["ksize"][0]),
            spec["sigma"],
            spec["theta"],
            spec["lambd"],
            spec["gamma"],
            spec["psi"],
            ktype=cv2.CV_64F,
        )
        pad = (k.shape[0] - ref.shape[0]) // 2
        np.testing.assert_allclose(k[pad : k.shape[0] - pad, pad : k.shape[1] - pad], ref, rtol=0, atol=1e-15)
    even, odd = b["gabor_s4_t045_p0"].kernels[0], b["gabor_s4_t045_p90"].kernels[0]
    np.testing.assert_allclose(even, even[::-1, ::-1], atol=1e-15)
    np.testing.assert_allclose(odd, -odd[::-1, ::-1], atol=1e-15)
    # default wavelength: one octave, sigma = 0.5622 lambda
    assert b.specs[0]["sigma"] / b.specs[0]["lambd"] == pytest.approx(0.5622, abs=1e-4)


def test_gabor_explicit_angles_and_lambdas():
    b = banks.gabor(sigmas=3.0, orientations=[0.0, math.pi / 8], phases=0.0, lambdas=6.0, ksize=15)
    assert b.names == ["gabor_s3_t000_p0", "gabor_s3_t022.5_p0"]
    assert b.ksize == (15, 15)
    np.testing.assert_array_equal(b.kernels[1], kernels.gabor(15, 3.0, math.pi / 8, 6.0, 0.5, 0.0))


@pytest.mark.parametrize(
    "params",
    [
        {"frequency": 0.2},
        {"frequency": 0.1, "theta": 0.7, "bandwidth": 1.5, "offset": 0.4},
        {"frequency": 0.15, "theta": 2.0, "sigma_x": 3.0, "sigma_y": 5.0, "n_stds": 2.5},
    ],
)
def test_gabor_from_skimage_matches_gabor_kernel_and_response(params):
    p = banks.gabor_params_from_skimage(**params)
    g = gabor_kernel(**params)
    sx, sy = p["sigma"], p["sigma"] / p["gamma"]
    ours = kernels.gabor(**p) / (2 * math.pi * sx * sy)
    assert ours.shape == g.shape
    np.testing.assert_allclose(ours, g.real[::-1, ::-1], rtol=0, atol=1e-15)
    img = crop(48)
    real, _ = sk_gabor(img, **params)  # ndimage.convolve, mode='reflect' (= symmetric)
    np.testing.assert_allclose(filter2d(img, ours, border="symmetric"), real, rtol=0, atol=1e-12)


def test_gabor_from_matlab_definition():
    # MATLAB: sigma_x = lambda / pi * sqrt(ln2 / 2) * (2^b + 1) / (2^b - 1); sigma_y = sigma_x / ratio;
    # SpatialKernel real part exp(-(X'^2/sx^2 + Y'^2/sy^2)/2) cos(2 pi X'/lambda), X' = X cosd(o) - Y sind(o),
    # Y' = X sind(o) + Y cosd(o), [X, Y] = meshgrid(-r:r), r = max(ceil(7 sx), ceil(7 sy)).
    lam, o, b, ratio = 6.0, 30.0, 1.0, 0.5
    p = banks.gabor_params_from_matlab(lam, o, b, ratio)
    sx = lam / math.pi * math.sqrt(math.log(2) / 2) * (2**b + 1) / (2**b - 1)
    assert sx / lam == pytest.approx(0.5622, abs=1e-4)
    sy = sx / ratio
    r = max(math.ceil(7 * sx), math.ceil(7 * sy))
    assert p["ksize"] == [2 * r + 1, 2 * r + 1]
    ref = np.zeros((2 * r + 1, 2 * r + 1))
    co, so = math.cos(math.radians(o)), math.sin(math.radians(o))
    for i in range(2 * r + 1):
        for j in range(2 * r + 1):
            x, y = j - r, i - r
            xp = x * co - y * so
            yp = x * so + y * co
            ref[i, j] = math.exp(-0.5 * (xp * xp / sx**2 + yp * yp / sy**2)) * math.cos(2 * math.pi * xp / lam)
    np.testing.assert_allclose(kernels.gabor(**p), ref, rtol=0, atol=1e-12)
