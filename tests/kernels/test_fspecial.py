"""MATLAB fspecial kernels: hand-checked values from the published definitions."""

from __future__ import annotations

import math

import numpy as np
import pytest

from filterbank import ParameterError, kernels
from filterbank.kernels import average, disk, fspecial_laplacian, fspecial_log, motion, unsharp

# ------------------------------------------------------------------ disk


def test_disk_radius_1_is_exact_pixel_coverage_over_pi():
    # The unit disk fits in the 3x3 block; each tap is the area of its pixel inside the disk,
    # and the areas sum to pi. Edge pixel [0.5, 1.5] x [-0.5, 0.5]: pi/6 + sqrt(3)/4 - 1/2.
    # Corner pixel [0.5, 1.5]^2: pi/12 - (sqrt(3)/2 - 1/2) / 2. Centre: fully covered, 1.
    edge = math.pi / 6 + math.sqrt(3) / 4 - 0.5
    corner = math.pi / 12 - (math.sqrt(3) / 2 - 0.5) / 2
    assert 1 + 4 * edge + 4 * corner == pytest.approx(math.pi, abs=1e-12)
    expected = np.array([[corner, edge, corner], [edge, 1.0, edge], [corner, edge, corner]]) / math.pi
    np.testing.assert_allclose(disk(1.0), expected, rtol=0, atol=1e-15)
    # MATLAB's documented output, 4 decimals.
    matlab = [[0.0251, 0.1453, 0.0251], [0.1453, 0.3183, 0.1453], [0.0251, 0.1453, 0.0251]]
    np.testing.assert_array_equal(disk(1.0).round(4), matlab)


@pytest.mark.parametrize("radius", [0.4, 1.6, 2.0, 3.3, 5.0])
def test_disk_shape_sum_symmetry_and_area(radius):
    k = disk(radius)
    n = 2 * math.ceil(radius - 0.5) + 1
    assert k.shape == (n, n)
    assert k.sum() == pytest.approx(1.0, abs=1e-14)
    np.testing.assert_array_equal(k, k.T)
    np.testing.assert_array_equal(k, k[::-1, :])
    # Pixel coverage of the disk measured by supersampling, normalised like the kernel: MATLAB's
    # closed form is an approximation at boundary pixels, within a few 1e-3 of the tap scale.
    c = n // 2
    s = 64
    offs = (np.arange(s) + 0.5) / s - 0.5
    cover = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            yy, xx = np.meshgrid(i - c + offs, j - c + offs, indexing="ij")
            cover[i, j] = np.mean(xx**2 + yy**2 <= radius**2)
    cover[c, c] = min(cover[c, c], 1.0)
    np.testing.assert_allclose(k, cover / cover.sum(), atol=0.02 * k.max())


def test_disk_default_is_matlab_default():
    assert disk().shape == (11, 11)


# ------------------------------------------------------------------ motion


def test_motion_horizontal_and_vertical():
    np.testing.assert_allclose(motion(9, 0), np.full((1, 9), 1 / 9), rtol=1e-14)
    np.testing.assert_allclose(motion(), np.full((1, 9), 1 / 9), rtol=1e-14)
    np.testing.assert_allclose(motion(5, 90), np.full((5, 1), 1 / 5), rtol=1e-14)
    np.testing.assert_allclose(motion(5, 180), motion(5, 0), rtol=1e-14)


def test_motion_45_degrees_hand_checked():
    # MATLAB's rule, by hand, for len 3, theta 45 (half = 1, c = s = 1/sqrt2):
    # pixel (x=1, y=0): distance to the line d = -s; past the end (rad >= half), so
    # d' = sqrt(d^2 + (half - |(x + d s) / c|)^2); weight 1 - d'.
    c = s = 1 / math.sqrt(2)
    d = -s
    w_side = 1 - math.sqrt(d * d + (1 - abs((1 + d * s) / c)) ** 2)
    # pixel (1, 1): on the line, d = 0, d' = |1 - 1/c| = sqrt2 - 1.
    w_diag = 1 - (math.sqrt(2) - 1)
    total = 1 + 4 * w_side + 2 * w_diag
    # Line from bottom-left to top-right on screen (rows point down).
    expected = np.array([[0, w_side, w_diag], [w_side, 1, w_side], [w_diag, w_side, 0]]) / total
    np.testing.assert_allclose(motion(3, 45), expected, rtol=0, atol=1e-12)
    assert round(w_side, 4) == 0.2346 and round(w_diag, 4) == 0.5858


@pytest.mark.parametrize(("length", "angle"), [(7, 30), (10, 120), (15, 77), (4.5, -20)])
def test_motion_sums_to_one_and_is_point_symmetric(length, angle):
    k = motion(length, angle)
    assert k.sum() == pytest.approx(1.0, abs=1e-12)
    np.testing.assert_array_equal(k, k[::-1, ::-1])  # correlation == convolution
    assert k.min() >= 0


def test_motion_direction_counter_clockwise_on_screen():
    k = motion(7, 30)
    h, w = k.shape
    # The top-right and bottom-left corners carry the line; the other two are empty.
    assert k[0, w - 1] > 0 and k[h - 1, 0] > 0
    assert k[0, 0] == 0 and k[h - 1, w - 1] == 0


# ------------------------------------------------------------------ laplacian / unsharp


def test_fspecial_laplacian_hand_values():
    # MATLAB default alpha = 0.2: corners 0.2/1.2, edges 0.8/1.2, centre -4/1.2.
    expected = np.array([[1 / 6, 2 / 3, 1 / 6], [2 / 3, -10 / 3, 2 / 3], [1 / 6, 2 / 3, 1 / 6]])
    np.testing.assert_allclose(fspecial_laplacian(), expected, rtol=1e-15)
    np.testing.assert_allclose(fspecial_laplacian(1.0), [[0.5, 0, 0.5], [0, -2, 0], [0.5, 0, 0.5]], rtol=1e-15)
    np.testing.assert_array_equal(fspecial_laplacian(0.0), kernels.laplacian(1))


def test_unsharp_hand_values():
    expected = np.array([[-1 / 6, -2 / 3, -1 / 6], [-2 / 3, 1 + 10 / 3, -2 / 3], [-1 / 6, -2 / 3, -1 / 6]])
    np.testing.assert_allclose(unsharp(), expected, rtol=1e-15)
    np.testing.assert_allclose(unsharp().round(4)[1], [-0.6667, 4.3333, -0.6667])
    assert unsharp(0.7).sum() == pytest.approx(1.0, abs=1e-15)


# ------------------------------------------------------------------ log / average


def test_fspecial_log_matlab_default_values():
    # MATLAB's documented fspecial('log') (5x5, sigma 0.5), 4 decimals.
    expected = np.array(
        [
            [0.0448, 0.0468, 0.0564, 0.0468, 0.0448],
            [0.0468, 0.3167, 0.7146, 0.3167, 0.0468],
            [0.0564, 0.7146, -4.9048, 0.7146, 0.0564],
            [0.0468, 0.3167, 0.7146, 0.3167, 0.0468],
            [0.0448, 0.0468, 0.0564, 0.0468, 0.0448],
        ]
    )
    np.testing.assert_array_equal(fspecial_log().round(4), expected)


def test_fspecial_log_3x3_written_out():
    # sigma 1: g(r^2) = exp(-r^2 / 2) at r^2 = 0, 1, 2; normalised; times (r^2 - 2); mean removed.
    g0, g1, g2 = 1.0, math.exp(-0.5), math.exp(-1.0)
    z = g0 + 4 * g1 + 4 * g2
    h0, h1, h2 = g0 / z * -2, g1 / z * -1, g2 / z * 0
    m = (h0 + 4 * h1 + 4 * h2) / 9
    expected = np.array([[h2, h1, h2], [h1, h0, h1], [h2, h1, h2]]) - m
    np.testing.assert_allclose(fspecial_log(3, 1.0), expected, rtol=0, atol=1e-15)


def test_fspecial_log_even_and_rectangular():
    k = fspecial_log((4, 6), 1.0)
    assert k.shape == (4, 6)
    assert abs(k.sum()) < 1e-14
    np.testing.assert_allclose(k, k[::-1, ::-1], atol=1e-16)


def test_average():
    np.testing.assert_array_equal(average((2, 3)), np.full((2, 3), 1 / 6))
    np.testing.assert_array_equal(average(), kernels.box(3))


# ------------------------------------------------------------------ registry, errors, doctests


def test_registered_in_catalog():
    for name in ("disk", "motion", "fspecial_laplacian", "unsharp", "fspecial_log", "average"):
        assert name in kernels.names()
    np.testing.assert_array_equal(kernels.get("disk", radius=2.0), disk(2.0))
    np.testing.assert_array_equal(kernels.get("motion", length=5, angle=30), motion(5, 30))


@pytest.mark.parametrize(
    ("call", "pattern"),
    [
        (lambda: disk(0.0), r"`radius` must be > 0; got 0.0"),
        (lambda: disk(-1), r"`radius` must be > 0; got -1.0"),
        (lambda: motion(-2, 0), r"`length` must be > 0; got -2.0"),
        (lambda: fspecial_laplacian(1.5), r"`alpha` must be in \[0, 1\]; got 1.5"),
        (lambda: unsharp(-0.1), r"`alpha` must be in \[0, 1\]; got -0.1"),
        (lambda: fspecial_log(5, 0.0), r"`sigma` must be > 0; got 0.0"),
        (lambda: average(0), r"`ksize` must be >= 1"),
    ],
)
def test_errors(call, pattern):
    with pytest.raises(ParameterError, match=pattern):
        call()
