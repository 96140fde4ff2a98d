"""Tests of filterbank.bank.specs: kernel_from_spec (catalog, 0.1 `banks.<name>` families, wrappers), names, check."""

from __future__ import annotations

import numpy as np
import pytest

from filterbank import FilterBank, ParameterError, UnknownNameError, kernels
from filterbank.bank import VERIFY_RTOL, kernel_from_spec, spec_name
from filterbank.bank.specs import check_specs, is_regenerable


def test_from_specs_with_bank_families_and_wrappers():
    spec = {"family": "banks.vgg_oriented", "size": 49, "sigma": 2.0, "order": 1, "angle": 0.5}
    k = kernel_from_spec(spec)
    assert k.shape == (49, 49)
    wrapped = {"family": "normalized", "kind": "l2", "ksize": [51, 51], "spec": spec}
    b = FilterBank.from_specs([wrapped])
    assert b.names == ["banks.vgg_oriented_size49_sigma2_order1_angle0.5"]
    assert b.ksize == (51, 51)
    assert np.sqrt((b.kernels**2).sum()) == pytest.approx(1.0)
    with pytest.raises(
        UnknownNameError, match=r"`kernel family` must be one of .*got 'banks.vgg_orientd'. Did you mean 'vgg_oriented'"
    ):
        kernel_from_spec({"family": "banks.vgg_orientd", "size": 3})
    with pytest.raises(UnknownNameError):
        kernel_from_spec({"family": "custom"})


def test_catalog_spec_kernels_unchanged():
    b = FilterBank.from_specs([{"family": "motion", "length": 7, "angle": 30}, {"family": "unsharp"}])
    np.testing.assert_array_equal(b.kernels[1, 1:4, 2:5], kernels.unsharp())


def test_spec_names():
    assert spec_name({"family": "sobel", "dx": 1, "dy": 0}) == "sobel_dx1_dy0"
    assert (
        spec_name({"family": "gabor", "ksize": [7, 9], "sigma": 2.5, "theta": 0.25})
        == "gabor_ksize7x9_sigma2.5_theta0.25"
    )
    inner = {"family": "box", "ksize": 3}
    assert spec_name({"family": "normalized", "kind": "l1", "ksize": [5, 5], "spec": inner}) == "box_ksize3"
    assert spec_name({"family": "cropped", "ksize": [1, 1], "l1_lost": 0.5, "spec": inner}) == "box_ksize3"


@pytest.mark.parametrize(
    ("spec", "family", "params"),
    [
        ({"family": "banks.vgg_oriented", "size": 9, "sigma": 1.0, "order": 2, "angle": 0.3}, "vgg_oriented", None),
        ({"family": "banks.vgg_gaussian", "size": 9, "sigma": 2.0}, "vgg_gaussian", None),
        ({"family": "banks.vgg_log", "size": 9, "sigma": 2.0}, "vgg_log", None),
        ({"family": "banks.schmid", "size": 9, "sigma": 2.0, "tau": 3.0}, "schmid", None),
        ({"family": "banks.dct", "ksize": [2, 3], "u": 1, "v": 2}, "dct", None),
        ({"family": "banks.laws", "rows": "W5", "cols": "R5"}, "laws", None),
        ({"family": "banks.kirsch", "direction": "ne"}, "kirsch", None),
        (
            {"family": "banks.random", "n": 2, "ksize": [3, 3], "seed": 4, "kind": "orthogonal", "index": 1},
            "random_kernel",
            None,
        ),
    ],
)
def test_0_1_spec_families_regenerate_through_the_kernel_registry(spec, family, params):
    params = {k: v for k, v in spec.items() if k != "family"}
    np.testing.assert_array_equal(kernel_from_spec(spec), getattr(kernels, family)(**params))
    assert is_regenerable(spec)


def test_regenerability():
    assert is_regenerable({"family": "box", "ksize": 3})
    assert not is_regenerable({"family": "custom"})
    assert not is_regenerable({"family": "banks.nope"})
    assert not is_regenerable({"family": "normalized", "spec": {"family": "custom"}})
    assert is_regenerable({"family": "cropped", "ksize": [1, 1], "spec": {"family": "box", "ksize": 3}})


def test_check_specs_tolerance():
    k = kernels.gaussian(5, 1.0)[None]
    spec = [{"family": "gaussian", "ksize": 5, "sigma": 1.0}]
    check_specs(k, ["g"], spec)
    scale = float(np.abs(k).max())
    check_specs(k + 0.5 * VERIFY_RTOL * scale, ["g"], spec)  # within rtol * max|k|
    with pytest.raises(ParameterError, match=r"spec 0 \('g'\) does not match its kernel"):
        check_specs(k + 2 * VERIFY_RTOL * scale, ["g"], spec)
    check_specs(np.ones((1, 3, 3)), ["c"], [{"family": "custom"}])  # custom specs are data only
    with pytest.raises(ParameterError, match=r"spec 0 \('b'\) does not regenerate its kernel"):
        check_specs(np.ones((1, 3, 3)), ["b"], [{"family": "box", "ksize": 0}])
    assert FilterBank(k, ["g"], spec).verify() is None
