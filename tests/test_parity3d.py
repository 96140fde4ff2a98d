"""The 3-D parity check against scipy.ndimage.correlate, and the synthetic volume it runs on."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.ndimage as ndi

from filterbank import ParameterError, ShapeError
from filterbank.images import synthetic_volume
from filterbank.parity3d import PATHS_3D, default_groups_3d, run_parity_3d, tolerance_3d


def test_every_family_border_and_path_passes_on_the_generated_volume():
    report = run_parity_3d(size=12)
    assert report.ok and report.images == ["synthetic_volume(12)"]
    assert len(report.rows) == len(default_groups_3d()) * 5 * len(PATHS_3D)
    assert {r.border for r in report.rows} == {"reflect101", "symmetric", "replicate", "constant", "wrap"}
    text = report.table()
    assert text.startswith("parity vs scipy.ndimage.correlate | device cpu | float32 | path inject3d")
    assert all(len(line) <= 100 for line in text.splitlines())


def test_a_given_volume_and_a_wrong_reference(monkeypatch):
    vol = synthetic_volume(10)
    rep = run_parity_3d(vol, borders=("constant",), paths=("filter3d",))
    assert rep.ok and rep.images == ["volume (10, 10, 10)"]
    real = ndi.correlate
    monkeypatch.setattr(ndi, "correlate", lambda x, k, mode: real(x, k, mode=mode) + 1e-3)
    bad = run_parity_3d(vol, borders=("constant",), paths=("filter3d",))
    assert not bad.ok and len(bad.failures) == len(bad.rows)  # 1e-3 is past every tolerance here
    assert "FAIL" in bad.table()


def test_tolerance_is_the_2d_bound():
    assert tolerance_3d(np.ones((3, 3, 3)), 2.0) == pytest.approx(1e-6 * 27 * 2.0)
    assert tolerance_3d(np.ones((5, 5, 6)), 1.0) == pytest.approx(1e-5 * 150)  # 150 >= 130 taps


def test_errors():
    with pytest.raises(ParameterError, match=r"`paths` entries must be one of inject3d, FilterConv3d, filter3d"):
        run_parity_3d(paths=("inject",), size=6)
    with pytest.raises(ShapeError, match=r"`volume` must be a non-empty \(D, H, W\) array; got shape \(4, 4\)"):
        run_parity_3d(np.zeros((4, 4)))
    with pytest.raises(ShapeError, match=r"`shape` must be >= 4 on each axis; got \(3, 8, 8\)"):
        synthetic_volume((3, 8, 8))


def test_synthetic_volume_is_deterministic_and_fills_the_unit_range():
    a, b = synthetic_volume((9, 10, 11), seed=3), synthetic_volume((9, 10, 11), seed=3)
    assert a.shape == (9, 10, 11) and a.dtype == np.float32
    np.testing.assert_array_equal(a, b)
    assert a.min() == 0.0 and a.max() == 1.0
    assert not np.array_equal(a, synthetic_volume((9, 10, 11), seed=4))


@pytest.mark.cuda
def test_cuda_parity():
    report = run_parity_3d(device="cuda", size=12)
    assert report.ok and report.rows[0].device.startswith("cuda")
