"""Tests of filterbank.banks (the package): the bank registry, get / names / signature, and bad input."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

from filterbank import DTypeError, ParameterError, ShapeError, UnknownNameError, banks, banks3d, kernels
from filterbank._registry import Registry


# ------------------------------------------------------------------ registry and errors
def test_get_and_names():
    expected = ["dct", "gabor", "gabor3d", "gaussian_jet", "gaussian_jet3d", "kirsch", "laws", "lm", "prewitt"]
    expected += ["random", "rfs", "scharr", "schmid", "sobel", "steerable"]
    assert banks.names() == expected
    assert banks.names("l*") == ["laws", "lm"]
    assert banks.get("lm", size="small").names == banks.lm("small").names
    assert len(banks.get("dct", ksize=2)) == 4
    assert isinstance(banks.REGISTRY, Registry) and banks.REGISTRY.kind == "bank"
    assert list(banks.signature("steerable").parameters) == ["order", "sigma", "angles", "ksize"]


@pytest.mark.parametrize(
    ("name", "function", "params"),
    [
        ("gaussian_jet3d", banks3d.gaussian_jet, {}),
        ("gaussian_jet3d", banks3d.gaussian_jet, {"max_order": 1, "sigmas": [1.0, 1.5], "ksize": 7}),
        ("gabor3d", banks3d.gabor, {}),
        ("gabor3d", banks3d.gabor, {"orientations": 4, "sigmas": [1.5], "phases": [0.0], "ksize": 9}),
    ],
)
def test_3d_banks_are_registered(name, function, params):
    """The registry builds the banks3d function's bank, array for array, with 3-D kernels (N, kd, kh, kw)."""
    got, ref = banks.get(name, **params), function(**params)
    assert got.ndim == 3 and got.kernels.ndim == 4 and len(got.ksize) == 3
    assert got.kernels.shape == (len(ref), *ref.ksize)
    np.testing.assert_array_equal(got.kernels, ref.kernels)
    assert got.names == ref.names and got.specs == ref.specs
    assert getattr(banks, name) is function  # exported as filterbank.banks.<name>, like the 2-D banks
    assert banks.signature(name) == inspect.signature(function)
    assert name in banks.__all__


def test_kernel_wrapper_of_0_1_is_the_kernel_registry():
    assert banks.kernel_families() == [
        "banks.dct",
        "banks.kirsch",
        "banks.laws",
        "banks.random",
        "banks.schmid",
        "banks.vgg_gaussian",
        "banks.vgg_log",
        "banks.vgg_oriented",
    ]
    np.testing.assert_array_equal(banks.kernel("banks.laws", rows="E5", cols="L5"), kernels.laws("E5", "L5"))
    np.testing.assert_array_equal(banks.kernel("kirsch", direction="s"), kernels.kirsch("s"))


def test_every_bank_writes_0_1_spec_names():
    """Files saved now must load in 0.1: every spec family is one 0.1 knew (catalog or ``banks.<name>``)."""
    known_in_0_1 = set(banks.kernel_families()) | {
        "average", "box", "disk", "dog", "fspecial_laplacian", "fspecial_log", "gabor", "gaussian", "gaussian_1d",
        "gaussian_derivative", "laplacian", "log", "motion", "prewitt", "scharr", "sobel", "unsharp",
    }  # fmt: skip
    for name in banks.names():
        bank = banks.get(name)
        if bank.ndim != 2:  # 0.1 had no 1-D or 3-D kernels: no file of a 3-D bank can load there
            assert name.endswith("3d"), name
            continue
        families = {s["family"] for s in bank.specs}
        assert families <= known_in_0_1, (name, families - known_in_0_1)


@pytest.mark.parametrize(
    ("call", "error", "pattern"),
    [
        (lambda: banks.get("lmm"), UnknownNameError, r"`bank` must be one of .*got 'lmm'.*Did you mean 'lm'"),
        (lambda: banks.get("gabor", sigma=2.0), DTypeError, r"bank 'gabor' got an unexpected keyword `sigma`"),
        (lambda: banks.lm("medium"), UnknownNameError, r"`size` must be one of 'large', 'small'; got 'medium'"),
        (lambda: banks.gabor(sigmas=[-1.0]), ParameterError, r"`sigmas\[0\]` must be > 0; got -1.0"),
        (lambda: banks.gabor(sigmas=0.0), ParameterError, r"`sigmas` must be > 0; got 0.0"),
        (lambda: banks.gabor(orientations=0), ParameterError, r"`orientations` must be >= 1 .*got 0"),
        (lambda: banks.gabor(phases=[]), ShapeError, r"`phases` must hold at least one value"),
        (lambda: banks.gabor([1.0, 2.0], lambdas=[1, 2, 3]), ShapeError, r"`lambdas` must have one value per sigma"),
        (lambda: banks.gabor(gamma=-0.5), ParameterError, r"`gamma` must be > 0; got -0.5"),
        (lambda: banks.gabor(ksize=8), ParameterError, r"`ksize` must be odd; got 8"),
        (lambda: banks.gaussian_jet(5), ParameterError, r"`max_order` must be in \[0, 4\]; got 5"),
        (lambda: banks.gaussian_jet(2, [1.0, -2.0]), ParameterError, r"`sigmas\[1\]` must be > 0; got -2.0"),
        (lambda: banks.steerable(3), ParameterError, r"`order` must be in \[1, 2\]; got 3"),
        (lambda: banks.steerable(1, 0.0), ParameterError, r"`sigma` must be > 0; got 0.0"),
        (lambda: banks.random(10, 3, kind="orthogonal"), ParameterError, r"`n` must be <= kh \* kw = 9"),
        (lambda: banks.random(kind="uniform"), UnknownNameError, r"`kind` must be one of 'normal', 'orthogonal'"),
        (lambda: banks.random(0), ParameterError, r"`n` must be >= 1; got 0"),
        (lambda: banks.dct(0), ParameterError, r"`ksize` must be >= 1"),
        (lambda: banks.sobel() + banks.dct(4), ShapeError, r"cannot be centre-padded to \(4, 4\)"),
        (lambda: banks.kernel("banks.nope"), UnknownNameError, r"`kernel family` must be one of 'banks.dct'"),
        (lambda: banks.get(3), DTypeError, r"`bank` must be a str; got 3"),
    ],
)
def test_bad_input(call, error, pattern):
    with pytest.raises(error, match=pattern):
        call()
