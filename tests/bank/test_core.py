"""Tests of filterbank.bank.core: FilterBank construction, names, selection, centre-padding, tensors,
normalisation, the size policy and pictures."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from filterbank import DTypeError, FilterBank, ParameterError, ShapeError, UnknownNameError, banks, filter2d, kernels
from filterbank.bank import as_bank


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


# ------------------------------------------------------------------ normalisation
def test_normalize_kinds():
    b = FilterBank.from_specs([{"family": "gaussian", "ksize": 5, "sigma": 1.0}, {"family": "box", "ksize": (3, 5)}])
    raw = b.kernels
    np.testing.assert_allclose(b.normalize("sum").kernels.sum(axis=(1, 2)), 1.0, atol=1e-15)
    l1 = b.normalize("l1").kernels
    np.testing.assert_allclose(l1, raw / np.abs(raw).sum(axis=(1, 2), keepdims=True), atol=1e-16)
    l2 = b.normalize("l2").kernels
    np.testing.assert_allclose(np.sqrt((l2**2).sum(axis=(1, 2))), 1.0, atol=1e-15)
    e = banks.sobel()
    z = e.normalize("zero_mean_l1").kernels
    np.testing.assert_allclose(z, e.kernels / 8.0, atol=1e-16)  # sobel: already zero mean, L1 8
    n = b.normalize("l2")
    assert n.names == b.names
    assert n.specs[0] == {"family": "normalized", "kind": "l2", "ksize": [5, 5], "spec": b.specs[0]}
    n.verify()
    # VGG's normalise is idempotent on the VGG banks
    np.testing.assert_allclose(banks.schmid().normalize("zero_mean_l1").kernels, banks.schmid().kernels, atol=1e-15)


@pytest.mark.parametrize(
    ("call", "error", "pattern"),
    [
        (lambda: banks.sobel().normalize("sum"), ParameterError, r"`kind`='sum' .* kernel 'sobel_x' sums to 0.0"),
        (
            lambda: FilterBank.from_specs([{"family": "box", "ksize": 3}]).normalize("zero_mean_l1"),
            ParameterError,
            r"constant",
        ),
        (lambda: FilterBank(np.zeros((1, 3, 3))).normalize("l2"), ParameterError, r"kernel 'k0' is all zeros"),
        (lambda: banks.sobel().normalize("max"), UnknownNameError, r"`kind` must be one of .*got 'max'"),
    ],
)
def test_normalize_errors(call, error, pattern):
    with pytest.raises(error, match=pattern):
        call()


# ------------------------------------------------------------------ size policy
def test_resize_pads_and_crops_only_on_request():
    b = FilterBank.from_specs([{"family": "gaussian", "ksize": 9, "sigma": 2.0}, {"family": "sobel", "dx": 1, "dy": 0}])
    assert b.ksize == (9, 9)
    padded = b.resize((11, 13))
    assert padded.ksize == (11, 13) and padded.specs == b.specs
    np.testing.assert_array_equal(padded.kernels[:, 1:10, 2:11], b.kernels)
    with pytest.raises(
        ShapeError, match=r"smaller than the bank's \(9, 9\): cropping would drop up to .*% .*crop=True"
    ):
        b.resize(5)
    k = b.kernels[0]
    expected = 1 - np.abs(k[2:7, 2:7]).sum() / np.abs(k).sum()
    np.testing.assert_allclose(b.crop_loss(5), [expected, 0.0], atol=1e-15)
    cropped = b.resize(5, crop=True)
    assert cropped.ksize == (5, 5)
    np.testing.assert_array_equal(cropped.kernels[0], k[2:7, 2:7])
    assert cropped.specs[0]["family"] == "cropped" and cropped.specs[0]["l1_lost"] == pytest.approx(expected)
    assert cropped.specs[1]["l1_lost"] == 0.0
    cropped.verify()
    with pytest.raises(ParameterError, match=r"`max_loss` is 0.01; cropping to \(5, 5\) drops"):
        b.resize(5, crop=True, max_loss=0.01)
    with pytest.raises(ShapeError, match=r"size difference must be even"):
        b.resize(10)


# ------------------------------------------------------------------ pictures
def test_show_and_to_image(tmp_path):
    b = banks.gabor([2.0], 4)
    img = b.show(cell=40, cols=4)
    assert img.mode == "RGB" and img.size[0] >= 4 * 40
    p = b.to_image(tmp_path / "sub" / "gabor.png")
    with Image.open(p) as im:
        assert im.format == "PNG" and im.size == b.show().size
    resp = b.response_image(np.eye(24), cols=3)
    assert resp.mode == "RGB"
    with pytest.raises(ShapeError, match=r"`image` must be a 2-D"):
        b.response_image(np.zeros((4, 4, 3)))


def test_as_bank_wraps_arrays_and_tensors():
    b = FilterBank.from_specs([{"family": "box", "ksize": 3}])
    assert as_bank(b) is b
    t = as_bank(torch.ones(2, 3, 3, dtype=torch.float32))
    assert t.names == ["k0", "k1"] and t.kernels.dtype == np.float64
    np.testing.assert_array_equal(as_bank(np.eye(3)).kernels[0], np.eye(3))


def test_bank_error_class_lives_in_errors():
    from filterbank import _errors
    from filterbank.bank import BankFileError

    assert BankFileError is _errors.BankFileError and issubclass(BankFileError, ParameterError)
