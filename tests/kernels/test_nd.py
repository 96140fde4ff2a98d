"""N-D kernels against SciPy (filtering volumes both ways), OpenCV (the 3-D Gabor's image-plane slice), formulas."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest
import scipy.ndimage as ndi
from hypothesis import given, settings
from hypothesis import strategies as st

from filterbank import DTypeError, ParameterError, ShapeError, filter1d, filter3d, kernels
from filterbank.kernels.nd import gabor_frame, gaussian_weights_1d

MODES = {"reflect101": "mirror", "symmetric": "reflect", "replicate": "nearest", "constant": "constant", "wrap": "wrap"}
RNG = np.random.default_rng(7)
VOL = RNG.random((11, 13, 12))
SIG = RNG.random(40)


def _close(a, b, tol=1e-12):
    np.testing.assert_allclose(a, b, rtol=0, atol=tol * max(1.0, float(np.abs(b).max())))


# ------------------------------------------------------------------ gaussian_nd


@pytest.mark.parametrize("border", list(MODES))
@pytest.mark.parametrize(
    "sigma, order",
    [((1.0, 1.5, 0.8), (0, 0, 0)), ((1.2, 0.7, 2.0), (0, 1, 2)), (0.9, (3, 0, 1)), ((2.0, 1.0, 1.3), (1, 1, 1))],
)
def test_gaussian_nd_filters_like_gaussian_filter(border, sigma, order):
    # SciPy reverses its 1-D weights before correlating: compare filtered volumes, not raw arrays.
    k = kernels.gaussian_nd(None, sigma, order, ndim=3)
    ref = ndi.gaussian_filter(VOL, sigma, order=order, mode=MODES[border], cval=0.0)
    _close(ndi.correlate(VOL, k, mode=MODES[border], cval=0.0), ref)
    _close(filter3d(VOL, k, border=border), ref)


def test_gaussian_nd_explicit_size_is_scipy_radius():
    k = kernels.gaussian_nd((5, 9, 3), (1.5, 1.5, 1.5), (1, 0, 2))
    assert k.shape == (5, 9, 3)
    ref = ndi.gaussian_filter(VOL, 1.5, order=(1, 0, 2), mode="mirror", radius=(2, 4, 1))
    _close(filter3d(VOL, k), ref)


@pytest.mark.parametrize("order", [0, 1, 2, 3])
def test_gaussian_nd_1d_is_gaussian_filter1d(order):
    k = kernels.gaussian_nd(None, 1.7, order, ndim=1)
    for border, mode in MODES.items():
        _close(filter1d(SIG, k, border=border), ndi.gaussian_filter1d(SIG, 1.7, order=order, mode=mode))


def test_gaussian_nd_2d_is_gaussian_derivative():
    # gaussian_derivative normalises the 2-D sampled Gaussian by its 2-D sum, gaussian_nd each axis by its
    # own: equal up to rounding (the 2-D sum is the product of the 1-D sums).
    np.testing.assert_allclose(
        kernels.gaussian_nd((7, 9), (1.1, 1.4), (2, 1)),
        kernels.gaussian_derivative((7, 9), 1.4, dx=1, dy=2, sigma_y=1.1),
        rtol=1e-14,
        atol=1e-17,
    )


def test_gaussian_weights_orientation_written_out():
    # correlation weights phi(x) q(-x) / sum(phi): first order q(x) = -x / s^2, so w(x) = x phi(x) / (s^2 sum phi)
    s = 1.3
    x = np.arange(-4.0, 5.0)
    phi = np.exp(-(x**2) / (2 * s * s))
    np.testing.assert_allclose(gaussian_weights_1d(9, s, 1), x * phi / (s * s * phi.sum()), rtol=1e-14, atol=1e-16)
    # second order: q(x) = (x^2 - s^2) / s^4
    np.testing.assert_allclose(
        gaussian_weights_1d(9, s, 2), (x * x - s * s) / s**4 * phi / phi.sum(), rtol=1e-13, atol=1e-16
    )


@settings(max_examples=25, deadline=None)
@given(
    sig=st.tuples(*[st.floats(0.4, 2.5)] * 3),
    order=st.tuples(*[st.integers(0, 3)] * 3),
)
def test_gaussian_nd_parity_and_sum(sig, order):
    k = kernels.gaussian_nd(None, sig, order)
    for axis, o in enumerate(order):
        flipped = np.flip(k, axis)
        np.testing.assert_allclose(flipped, k if o % 2 == 0 else -k, rtol=0, atol=1e-15)
    if order == (0, 0, 0):
        assert abs(k.sum() - 1.0) < 1e-12


# ------------------------------------------------------------------ log_nd


@pytest.mark.parametrize("ndim, sigma", [(1, 1.4), (2, (1.0, 2.0)), (3, 1.2), (3, (0.8, 1.5, 1.1))])
def test_log_nd_is_gaussian_laplace(ndim, sigma):
    x = {1: SIG, 2: VOL[0], 3: VOL}[ndim]
    k = kernels.log_nd(None, sigma, ndim=ndim)
    for mode in ("mirror", "nearest", "wrap"):
        _close(ndi.correlate(x, k, mode=mode), ndi.gaussian_laplace(x, sigma, mode=mode))
    assert k[(tuple(s // 2 for s in k.shape))] < 0


# ------------------------------------------------------------------ sobel / prewitt


@pytest.mark.parametrize("ndim", [1, 2, 3, 4])
def test_sobel_prewitt_nd_are_scipy(ndim):
    x = RNG.random((7, 6, 8, 5)[:ndim])
    for axis in range(-ndim, ndim):
        for mode in ("mirror", "reflect", "nearest", "wrap", "constant"):
            _close(ndi.correlate(x, kernels.sobel_nd(ndim, axis), mode=mode), ndi.sobel(x, axis, mode=mode))
            _close(ndi.correlate(x, kernels.prewitt_nd(ndim, axis), mode=mode), ndi.prewitt(x, axis, mode=mode))


def test_sobel_nd_normalised_ramp_response():
    z, y, x = np.meshgrid(np.arange(9.0), np.arange(9.0), np.arange(9.0), indexing="ij")
    for axis, ramp in enumerate((z, y, x)):
        for kern in (kernels.sobel_nd, kernels.prewitt_nd):
            raw = ndi.correlate(ramp, kern(3, axis), mode="nearest")[4, 4, 4]
            norm = ndi.correlate(ramp, kern(3, axis, normalize=True), mode="nearest")[4, 4, 4]
            assert raw == (32.0 if kern is kernels.sobel_nd else 18.0)  # 2 * 4**2 and 2 * 3**2
            assert norm == pytest.approx(1.0, abs=1e-14)


# ------------------------------------------------------------------ box


@pytest.mark.parametrize("ksize", [1, 3, 4, (2, 5, 3), (6, 1, 2)])
def test_box_nd_is_uniform_filter(ksize):
    k = kernels.box_nd(ksize, ndim=3)
    for mode in ("mirror", "reflect", "nearest", "wrap"):
        _close(
            filter3d(VOL, k, border={v: k for k, v in MODES.items()}[mode]), ndi.uniform_filter(VOL, ksize, mode=mode)
        )
    assert kernels.box_nd(ksize, normalize=False, ndim=3).sum() == k.size


# ------------------------------------------------------------------ gabor3d


def _gabor_formula(shape, sigma, theta, phi, lambd, g_v, g_w, psi):
    """The docstring's definition, evaluated tap by tap."""
    out = np.zeros(shape)
    d = (math.cos(theta) * math.sin(phi), math.sin(theta) * math.sin(phi), math.cos(phi))
    ev = (-math.sin(theta), math.cos(theta), 0.0)
    ew = (-math.cos(theta) * math.cos(phi), -math.sin(theta) * math.cos(phi), math.sin(phi))
    for i in range(shape[0]):
        for j in range(shape[1]):
            for m in range(shape[2]):
                p = (m - shape[2] // 2, j - shape[1] // 2, i - shape[0] // 2)  # (x, y, z)
                u, v, w = (sum(a * b for a, b in zip(p, e, strict=True)) for e in (d, ev, ew))
                env = math.exp(-(u * u + g_v**2 * v * v + g_w**2 * w * w) / (2 * sigma**2))
                out[i, j, m] = env * math.cos(2 * math.pi * u / lambd - psi)
    return out


def test_gabor3d_is_its_formula():
    args = (2.5, 0.4, 1.1, 5.0, 0.7, 1.6, 0.3)
    np.testing.assert_allclose(kernels.gabor3d((5, 7, 9), *args), _gabor_formula((5, 7, 9), *args), atol=1e-14)


@pytest.mark.parametrize("theta, psi, gamma", [(0.0, math.pi / 2, 0.5), (0.7, 0.0, 1.0), (2.0, 1.0, 0.3)])
def test_gabor3d_image_plane_slice_is_opencv(theta, psi, gamma):
    k = kernels.gabor3d((1, 15, 21), 3.0, theta, math.pi / 2, 8.0, gamma, 1.0, psi)
    ref = cv2.getGaborKernel((21, 15), 3.0, theta, 8.0, gamma, psi, ktype=cv2.CV_64F)
    np.testing.assert_allclose(k[0], ref, rtol=0, atol=1e-12)


def test_gabor_frame_is_orthonormal_and_right_handed():
    for theta, phi in [(0.3, 0.2), (-2.0, 1.3), (1.0, math.pi / 2)]:
        f = gabor_frame(theta, phi)
        np.testing.assert_allclose(f @ f.T, np.eye(3), atol=1e-15)
        np.testing.assert_allclose(np.cross(f[0], f[1]), f[2], atol=1e-15)


@pytest.mark.parametrize("theta, phi", [(0.0, 0.0), (0.5, 1.0), (2.2, 0.6), (-1.0, math.pi / 2)])
def test_gabor3d_spectrum_peaks_at_direction_over_lambda(theta, phi):
    lambd = 5.0
    k = kernels.gabor3d(None, 3.0, theta, phi, lambd, psi=0.0)
    n = 64
    spec = np.abs(np.fft.fftn(k, s=(n, n, n), axes=(0, 1, 2)))
    iz, iy, ix = np.unravel_index(np.argmax(spec), spec.shape)
    f = np.fft.fftfreq(n)
    peak = np.array([f[ix], f[iy], f[iz]])  # (x, y, z) components, cycles per voxel
    d = gabor_frame(theta, phi)[0]
    if peak @ d < 0:
        peak = -peak
    assert abs(np.linalg.norm(peak) - 1 / lambd) <= math.sqrt(3) / n  # within one frequency bin
    assert math.degrees(math.acos(min(1.0, peak @ d / np.linalg.norm(peak)))) < 8.0


def test_gabor3d_phase_symmetry_and_norm():
    even = kernels.gabor3d(9, 2.0, 0.4, 0.9, 4.0, 0.7, 1.3, psi=0.0)
    odd = kernels.gabor3d(9, 2.0, 0.4, 0.9, 4.0, 0.7, 1.3, psi=math.pi / 2)
    np.testing.assert_allclose(np.flip(even), even, atol=1e-15)
    np.testing.assert_allclose(np.flip(odd), -odd, atol=1e-15)
    assert kernels.gabor3d(None, 2.0, 0.0, math.pi / 2, 6.0, psi=0.0).max() == 1.0  # envelope peak 1, cos(0) = 1
    unit = kernels.gabor3d(9, 2.0, 0.4, 0.9, 4.0, psi=0.4, normalize=True)
    assert float((unit**2).sum()) == pytest.approx(1.0, abs=1e-14)
    # antipodal direction: the same even kernel, the negated odd one
    flip_dir = dict(theta=0.4 + math.pi, phi=math.pi - 0.9)
    np.testing.assert_allclose(
        kernels.gabor3d(9, 2.0, lambd=4.0, psi=0.0, **flip_dir),
        kernels.gabor3d(9, 2.0, 0.4, 0.9, 4.0, psi=0.0),
        atol=1e-14,
    )


# ------------------------------------------------------------------ errors


def test_errors_name_argument_rule_and_value():
    with pytest.raises(ParameterError, match=r"`sigma` must be > 0; got -1.0"):
        kernels.gaussian_nd(None, -1.0, ndim=3)
    with pytest.raises(ParameterError, match=r"`ksize` must be odd on each axis; got \(3, 4, 5\)"):
        kernels.gaussian_nd((3, 4, 5), 1.0)
    with pytest.raises(ShapeError, match=r"`order` must have one value per axis \(3\); got 2 values"):
        kernels.gaussian_nd(None, (1.0, 1.0, 1.0), (1, 0))
    with pytest.raises(ParameterError, match=r"`ndim` must be given when `ksize`, `sigma`, `order` are all scalars"):
        kernels.gaussian_nd(5, 1.0)
    with pytest.raises(ParameterError, match=r"`order` must be in \[0, 6\]; got 7"):
        kernels.gaussian_nd(None, 1.0, 7, ndim=1)
    with pytest.raises(ParameterError, match=r"`axis` must be in \[-3, 2\] for ndim=3; got 3"):
        kernels.sobel_nd(3, 3)
    with pytest.raises(DTypeError, match=r"`ksize` must be an integer; got 2.5"):
        kernels.box_nd(2.5, ndim=2)
    with pytest.raises(ShapeError, match=r"`ksize` must be an int or \(depth, height, width\); got \(3, 3\)"):
        kernels.gabor3d((3, 3), 1.0, 0.0, 0.0, 2.0)
    with pytest.raises(ParameterError, match=r"`lambd` must be > 0; got 0.0"):
        kernels.gabor3d(3, 1.0, 0.0, 0.0, 0.0)
