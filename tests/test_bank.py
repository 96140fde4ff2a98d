"""FilterBank: construction, names, selection, centre-padding, tensors."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from filterbank import DTypeError, FilterBank, ParameterError, ShapeError, UnknownNameError, filter2d, kernels


def test_from_specs_generates_catalog_kernels() -> None:
    bank = FilterBank.from_specs(
        [
            {"family": "sobel", "dx": 1, "dy": 0},
            {"family": "gabor", "ksize": 7, "sigma": 2.0, "theta": 0.5, "lambd": 4.0},
        ]
    )
    assert bank.names == ["sobel_dx1_dy0", "gabor_ksize7_sigma2_theta0.5_lambd4"]
    assert bank.ksize == (7, 7)
    np.testing.assert_array_equal(bank.kernels[0, 2:5, 2:5], kernels.sobel(1, 0))
    np.testing.assert_array_equal(bank.kernels[1], kernels.gabor(7, 2.0, 0.5, 4.0))
    assert bank.specs[1]["family"] == "gabor"


def test_centre_padding_changes_no_response() -> None:
    img = np.random.default_rng(0).random((20, 24))
    bank = FilterBank.from_kernels([kernels.box(3), kernels.box((5, 7)), kernels.box(4), kernels.box((2, 6))][:2])
    for i, k in enumerate([kernels.box(3), kernels.box((5, 7))]):
        np.testing.assert_allclose(filter2d(img, bank.kernels[i]), filter2d(img, k), rtol=0, atol=1e-14)
    even = FilterBank.from_kernels([kernels.box(4), kernels.box((2, 6))])
    np.testing.assert_allclose(filter2d(img, even.kernels[1]), filter2d(img, kernels.box((2, 6))), atol=1e-14)


def test_selection_by_index_slice_pattern_and_list() -> None:
    bank = FilterBank.from_specs([{"family": "sobel", "dx": 1, "dy": 0}, {"family": "sobel", "dx": 0, "dy": 1}])
    bank = bank + FilterBank.from_specs([{"family": "laplacian", "ksize": 3}])
    assert len(bank) == 3
    assert bank[0].names == ["sobel_dx1_dy0"]
    assert bank[-1].names == ["laplacian_ksize3"]
    assert bank[1:].names == ["sobel_dx0_dy1", "laplacian_ksize3"]
    assert bank["sobel*"].names == ["sobel_dx1_dy0", "sobel_dx0_dy1"]
    assert bank[[2, "sobel_dx1*"]].names == ["laplacian_ksize3", "sobel_dx1_dy0"]
    np.testing.assert_array_equal(np.asarray(bank), bank.kernels)
    assert bank.to_tensor(torch.float64).shape == (3, 3, 3)


def test_kernels_are_read_only_copies() -> None:
    k = np.ones((3, 3))
    bank = FilterBank(k)
    k[0, 0] = 5.0
    assert bank.kernels[0, 0, 0] == 1.0
    with pytest.raises(ValueError):
        bank.kernels[0, 0, 0] = 2.0


@pytest.mark.parametrize(
    "call, error, pattern",
    [
        (
            lambda: FilterBank(np.ones((2, 3, 3)), names=["a"]),
            ShapeError,
            r"`names` must have one entry per kernel \(2\); got 1",
        ),
        (
            lambda: FilterBank(np.ones((2, 3, 3)), names=["a", "a"]),
            ParameterError,
            r"`names` must be unique; got duplicates \['a'\]",
        ),
        (lambda: FilterBank(np.ones(3)), ShapeError, r"`kernels` must be \(N, kh, kw\) or \(kh, kw\).*\(3,\)"),
        (lambda: FilterBank(np.array([["a"]])), DTypeError, r"`kernels` must be real numbers"),
        (
            lambda: FilterBank.from_kernels([np.ones((3, 3)), np.ones((4, 4))]),
            ShapeError,
            r"cannot be centre-padded to \(4, 4\)",
        ),
        (
            lambda: FilterBank.from_specs([{"family": "sobl", "dx": 1, "dy": 0}]),
            UnknownNameError,
            r"Did you mean 'sobel'",
        ),
        (lambda: FilterBank.from_specs([{"dx": 1}]), ParameterError, r"each spec must have a 'family' key"),
        (
            lambda: FilterBank(np.ones((2, 3, 3)))["x*"],
            ParameterError,
            r"`key` pattern must match at least one name; got 'x\*'",
        ),
        (lambda: FilterBank(np.ones((2, 3, 3)))[5], ParameterError, r"`key` index must be in \[-2, 1\]; got 5"),
    ],
)
def test_bank_errors(call, error, pattern) -> None:
    with pytest.raises(error, match=pattern):
        call()
