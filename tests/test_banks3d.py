"""3-D banks: the jet equals SciPy's gaussian_filter orders, Gabor directions spread evenly, N-D FilterBank."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.ndimage as ndi

from filterbank import FilterBank, ParameterError, ShapeError, banks3d, filter3d
from filterbank.kernels.nd import gabor_frame


def _dirs(angles: np.ndarray) -> np.ndarray:
    return np.stack([gabor_frame(t, p)[0] for t, p in angles])


def test_jet_orders_and_scipy_equality():
    bank = banks3d.gaussian_jet(2, [1.0, 1.5])
    assert len(bank) == 20 and bank.ksize == (13, 13, 13) and bank.ndim == 3
    vol = np.random.default_rng(1).random((10, 12, 11))
    out = filter3d(vol, bank, border="symmetric")
    for i, spec in enumerate(bank.specs):
        # centre-padding to the bank's size changes no response: SciPy's radius for that sigma
        r = int(4 * spec["sigma"] + 0.5)
        ref = ndi.gaussian_filter(vol, spec["sigma"], order=spec["order"], mode="reflect", radius=r)
        np.testing.assert_allclose(out[..., i], ref, rtol=0, atol=1e-12)
    assert bank.names[:4] == [
        "jet3d_s1_dz0_dy0_dx0",
        "jet3d_s1_dz0_dy0_dx1",
        "jet3d_s1_dz0_dy1_dx0",
        "jet3d_s1_dz1_dy0_dx0",
    ]


@pytest.mark.parametrize("n", [1, 2, 3, 4, 6, 9, 13, 16, 32])
def test_sphere_directions_are_spread_evenly(n):
    d = _dirs(banks3d.sphere_directions(n))
    assert d.shape == (n, 3)
    np.testing.assert_allclose(np.linalg.norm(d, axis=1), 1.0, atol=1e-12)
    assert (d[:, 2] >= -1e-12).all()  # upper hemisphere: one of each pair +-d
    if n == 1:
        return
    c = np.abs(d @ d.T)
    np.fill_diagonal(c, 0.0)
    nearest = np.degrees(np.arccos(np.clip(c.max(1), -1, 1)))  # angle to the nearest other axis
    # 2n points +-d on the sphere: the mean spacing of n cells over 2 pi steradians is sqrt(2 pi / n)
    spacing = math.degrees(math.sqrt(2 * math.pi / n))
    assert nearest.min() >= 0.85 * min(spacing, 90.0), (nearest.min(), spacing)
    assert nearest.max() <= 1.2 * nearest.min()
    known = {
        3: 90.0,
        4: math.degrees(math.acos(1 / 3)),
        6: math.degrees(math.atan(2)),
    }  # axes, cube diagonals, icosahedron
    if n in known:
        np.testing.assert_allclose(nearest, known[n], atol=0.05)


def test_gabor_bank_kernels_and_spectra():
    bank = banks3d.gabor(4, [2.0], [0.0, math.pi / 2], lambdas=5.0)
    assert len(bank) == 8 and bank.ksize == (13, 13, 13)
    k = bank.kernels
    np.testing.assert_allclose((k**2).sum(axis=(1, 2, 3)), 1.0, atol=1e-12)  # unit L2 norm by default
    dirs = _dirs(banks3d.sphere_directions(4))
    n = 48
    f = np.fft.fftfreq(n)
    for i in range(0, 8, 2):
        spec = np.abs(np.fft.fftn(k[i], s=(n, n, n), axes=(0, 1, 2)))
        iz, iy, ix = np.unravel_index(np.argmax(spec), spec.shape)
        peak = np.array([f[ix], f[iy], f[iz]])
        cos = abs(peak @ dirs[i // 2]) / np.linalg.norm(peak)
        assert math.degrees(math.acos(min(cos, 1.0))) < 10.0
        np.testing.assert_allclose(np.flip(k[i]), k[i], atol=1e-15)  # psi = 0: even
        np.testing.assert_allclose(np.flip(k[i + 1]), -k[i + 1], atol=1e-15)  # psi = pi/2: odd
    bank.verify()


def test_nd_bank_selection_io_and_2d_only_methods(tmp_path):
    bank = banks3d.gaussian_jet(1, [1.0])
    sub = bank["*dx1*"]
    assert sub.ndim == 3 and sub.ksize == (9, 9, 9) and len(sub) == 1
    loaded = FilterBank.load(bank.save(tmp_path / "jet.npz"))
    assert loaded.ndim == 3 and loaded.names == bank.names
    np.testing.assert_array_equal(loaded.kernels, bank.kernels)
    assert bank.normalize("l2").ndim == 3
    one_d = FilterBank(np.ones((2, 5)), ndim=1)
    assert one_d.ndim == 1 and one_d.ksize == (5,) and len(one_d) == 2
    assert FilterBank.load(one_d.save(tmp_path / "b1.npz")).ksize == (5,)
    both = FilterBank.from_kernels([np.ones(3), np.ones(5)])
    assert both.ndim == 1 and both.ksize == (5,)
    np.testing.assert_array_equal(both.kernels[0], [0, 1, 1, 1, 0])
    picture = bank.show(cell=45)  # each kernel as its three central slices, z | y | x
    assert picture.mode == "RGB" and picture.size[0] > len(bank) * 3 * 45
    with pytest.raises(ShapeError, match=r"`response_image` needs a bank of 2-D kernels; this bank holds 3-D"):
        bank.response_image(np.eye(8))
    with pytest.raises(ShapeError, match=r"`resize` needs a bank of 2-D kernels"):
        bank.resize(11)
    with pytest.raises(ShapeError, match=r"`kernels\[1\]` must be 3-D like kernels\[0\]; got shape \(3, 3\)"):
        FilterBank.from_kernels([np.ones((3, 3, 3)), np.ones((3, 3))])
    with pytest.raises(ShapeError, match=r"`kernels` must be \(N, k\) or \(k,\), non-empty; got shape \(2, 2, 2\)"):
        FilterBank(np.ones((2, 2, 2)), ndim=1)


def test_bank_errors():
    with pytest.raises(ParameterError, match=r"`max_order` must be in \[0, 4\]; got 5"):
        banks3d.gaussian_jet(5)
    with pytest.raises(ParameterError, match=r"`ksize` must be odd; got 4"):
        banks3d.gaussian_jet(1, ksize=4)
    with pytest.raises(ShapeError, match=r"`lambdas` must have one value per sigma \(2\) or one; got 3"):
        banks3d.gabor(3, [1.0, 2.0], lambdas=[1.0, 2.0, 3.0])
    with pytest.raises(ParameterError, match=r"`n` must be in \[1, 256\]; got 0"):
        banks3d.sphere_directions(0)
