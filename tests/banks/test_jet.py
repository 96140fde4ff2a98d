"""Tests of filterbank.banks.jet: Gaussian jets against SciPy, steerable derivatives."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.ndimage as ndi

from filterbank import banks, filter2d, kernels
from tests._vgg_reference import crop


# ------------------------------------------------------------------ Gaussian jets and steerable
def test_gaussian_jet_up_to_order_4_equals_scipy():
    b = banks.gaussian_jet(4, [1.5])
    assert len(b) == 15
    assert b.names[:6] == [f"jet_s1.5_dx{i}_dy{j}" for i, j in [(0, 0), (1, 0), (0, 1), (2, 0), (1, 1), (0, 2)]]
    img = crop(40)
    for spec, k in zip(b.specs, b.kernels, strict=True):
        ref = ndi.gaussian_filter(img, 1.5, order=(spec["dy"], spec["dx"]), mode="mirror")
        np.testing.assert_allclose(filter2d(img, k), ref, rtol=0, atol=1e-12)
    assert len(banks.gaussian_jet(2, [1.0, 2.0])) == 12


@pytest.mark.parametrize("order", [1, 2])
def test_steering_synthesises_any_angle_exactly(order):
    basis = banks.steerable(order, 2.0)
    assert len(basis) == order + 1
    angles = np.random.default_rng(order).uniform(-math.pi, math.pi, 7).tolist()
    direct = banks.steerable(order, 2.0, angles)
    w = banks.steering_weights(order, angles)
    steered = (w @ basis.kernels.reshape(order + 1, -1)).reshape(direct.kernels.shape)
    np.testing.assert_allclose(steered, direct.kernels, rtol=0, atol=1e-12)
    for t, k in zip(angles, direct.kernels, strict=True):
        np.testing.assert_array_equal(k, kernels.gaussian_derivative(17, 2.0, order, 0, theta=t))
