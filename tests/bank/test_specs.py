"""Tests of filterbank.bank.specs: kernel_from_spec (catalog, 0.1 `banks.<name>` families, wrappers), names, check."""

from __future__ import annotations

import numpy as np
import pytest

from filterbank import FilterBank, ParameterError, UnknownNameError, banks, kernels
from filterbank.bank import VERIFY_RTOL, kernel_from_spec, spec_name
from filterbank.bank import specs as _specs
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


# --- sizes before generating (issue 10, items 3 and 11) --------------------------------------------

# Parameters that exercise every size rule: explicit sizes (odd, even, non-square), sizes derived from
# sigma (ksize None), rotated Gabors, motion at many angles, random stacks.
_SIZE_CASES = [
    {"family": "average", "ksize": (3, 8)},
    {"family": "box", "ksize": 4},
    {"family": "dct", "ksize": (5, 7), "u": 1, "v": 2},
    *({"family": "disk", "radius": r} for r in (0.3, 0.5, 0.51, 1.0, 2.4, 5.0)),
    {"family": "dog", "ksize": None, "sigma_low": 1.0, "sigma_high": 2.6},
    {"family": "dog", "ksize": (7, 9), "sigma_low": 1.0, "sigma_high": 2.0},
    {"family": "fspecial_log", "ksize": (4, 6), "sigma": 0.8},
    *(
        {"family": "gabor", "ksize": None, "sigma": s, "theta": t, "lambd": 5.0, "gamma": g}
        for s in (0.7, 2.3)
        for t in (0.0, 0.4, 1.3, 2.9, -0.8)
        for g in (0.5, 1.0, 2.0)
    ),
    {"family": "gabor", "ksize": (7, 11), "sigma": 2.0, "theta": 0.3, "lambd": 5.0},
    *({"family": "gaussian", "ksize": None, "sigma": s} for s in (0.3, 1.0, 1.7, 2.5)),
    {"family": "gaussian", "ksize": None, "sigma": 1.0, "sigma_y": 2.2},
    {"family": "gaussian", "ksize": (4, 6), "sigma": 1.0},
    {"family": "gaussian_1d", "ksize": 6, "sigma": 1.0},
    *({"family": "gaussian_derivative", "ksize": None, "sigma": s, "dx": 1, "dy": 0} for s in (0.6, 1.9)),
    {"family": "gaussian_derivative", "ksize": None, "sigma": 1.0, "dx": 0, "dy": 2, "sigma_y": 3.1, "theta": 0.5},
    {"family": "gaussian_derivative", "ksize": (5, 9), "sigma": 1.0, "dx": 1, "dy": 1},
    *({"family": "log", "ksize": None, "sigma": s} for s in (0.9, 3.2)),
    {"family": "log", "ksize": (5, 7), "sigma": 1.0},
    *(
        {"family": "motion", "length": n, "angle": a}
        for n in (0.5, 1, 2, 5, 9.5, 20)
        for a in (0, 30, 45, 90, 135, 181, -60)
    ),
    {"family": "random_kernel", "n": 3, "ksize": (2, 5), "seed": 1, "kind": "normal", "index": 2},
    {"family": "schmid", "size": 9, "sigma": 2.0, "tau": 1.0},
    {"family": "vgg_gaussian", "size": 7, "sigma": 1.0},
    {"family": "vgg_log", "size": 9, "sigma": 1.5},
    {"family": "vgg_oriented", "size": 11, "sigma": 1.0, "order": 2, "angle": 0.5},
    *({"family": "sobel", "dx": dx, "dy": dy, "ksize": k} for dx, dy in ((1, 0), (0, 2)) for k in (1, 3, 7)),
    {"family": "laplacian", "ksize": 1},
    {"family": "laplacian", "ksize": 5},
    {"family": "gaussian_nd", "ksize": None, "sigma": [1.0, 2.5, 0.6], "order": [0, 1, 2]},
    {"family": "gaussian_nd", "ksize": [3, 5], "sigma": 1.0},
    {"family": "gaussian_nd", "ksize": None, "sigma": 1.3, "ndim": 1},
    {"family": "log_nd", "ksize": None, "sigma": 1.2, "ndim": 3},
    {"family": "sobel_nd", "ndim": 3, "axis": 0},
    {"family": "prewitt_nd", "ndim": 1, "axis": 0},
    {"family": "box_nd", "ksize": [2, 3, 4]},
    {"family": "box_nd", "ksize": 4, "ndim": 2},
    {"family": "gabor3d", "ksize": None, "sigma": 2.0, "theta": 0.3, "phi": 1.0, "lambd": 4.0, "gamma": 0.5},
    {"family": "gabor3d", "ksize": [3, 5, 7], "sigma": 2.0, "theta": 0.3, "phi": 1.0, "lambd": 4.0},
    {"family": "normalized", "kind": "l2", "ksize": [9, 9, 9], "spec": {"family": "sobel_nd", "ndim": 3, "axis": 1}},
    {"family": "normalized", "kind": "l1", "ksize": [7, 9], "spec": {"family": "box", "ksize": 3}},
    {"family": "cropped", "ksize": [3, 3], "l1_lost": 0.1, "spec": {"family": "gaussian", "ksize": 7, "sigma": 2.0}},
]


def _bank_specs() -> list[dict]:
    out = []
    for name in banks.names():
        out += banks.get(name).specs
    return out


@pytest.mark.parametrize("spec", _SIZE_CASES + _bank_specs(), ids=lambda s: spec_name(s)[:60])
def test_spec_shape_is_the_generated_shape(spec):
    """The size rules (used to refuse a spec before generating it) agree with the generators."""
    assert _specs.spec_shape(spec) == np.shape(kernel_from_spec(spec))


def test_every_registered_family_has_a_size_rule():
    """A family without a rule is generated only with small parameters: every registered family has one."""
    ruled = set(_specs._SHAPES) | set(_specs._SMALL)
    assert set(kernels.names()) <= ruled, sorted(set(kernels.names()) - ruled)
    covered = {kernels.REGISTRY.canonical(s["family"]) for s in _SIZE_CASES if s["family"] in kernels.REGISTRY}
    assert set(_specs._SHAPES) <= covered


def test_huge_specs_are_refused_before_generating():
    for spec in (
        {"family": "gaussian", "ksize": 60001},
        {"family": "gabor", "ksize": None, "sigma": 3000.0, "theta": 0.0, "lambd": 4.0},
        {"family": "random_kernel", "n": 10**7, "ksize": 3, "seed": 0, "kind": "normal", "index": 0},
        {"family": "cropped", "ksize": [3, 3], "spec": {"family": "box", "ksize": 5000}},
    ):
        with pytest.raises(ParameterError, match="MAX_SPEC_TAPS"):
            kernel_from_spec(spec)
