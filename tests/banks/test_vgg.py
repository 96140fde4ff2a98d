"""Tests of filterbank.banks.vgg: LM, Schmid and RFS against the VGG definitions in tests/_vgg_reference.py."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.signal

from filterbank import banks, filter2d
from tests._vgg_reference import crop, reference


# ------------------------------------------------------------------ VGG banks
@pytest.mark.parametrize(
    ("bank", "ref"),
    [
        (lambda: banks.lm("large"), "lm_large"),
        (lambda: banks.lm("small"), "lm_small"),
        (banks.schmid, "schmid"),
        (banks.rfs, "rfs"),
    ],
)
def test_vgg_banks_equal_definitions_rotated_for_correlation(bank, ref):
    b = bank()
    f = reference(ref)
    assert b.kernels.shape == f.shape
    np.testing.assert_allclose(b.kernels, f[:, ::-1, ::-1], rtol=0, atol=1e-14)
    # normalisation: zero mean, unit L1
    np.testing.assert_allclose(b.kernels.sum(axis=(1, 2)), 0, atol=1e-14)
    np.testing.assert_allclose(np.abs(b.kernels).sum(axis=(1, 2)), 1, atol=1e-12)


def test_lm_names_and_order():
    names = banks.lm().names
    assert len(names) == 48
    assert names[:7] == [f"lm_edge_s1_t{t:03d}" for t in range(0, 180, 30)] + ["lm_edge_s2_t000"]
    assert names[18] == "lm_bar_s1_t000" and names[35] == "lm_bar_s3_t150"
    assert names[36:42] == ["lm_gauss_s1", "lm_log_s1", "lm_log3_s1", "lm_gauss_s2", "lm_log_s2", "lm_log3_s2"]
    assert banks.lm()["lm_edge_s1_t030"].specs[0]["angle"] == pytest.approx(math.pi / 6)
    assert len(banks.schmid()) == 13 and len(banks.rfs()) == 38
    assert banks.rfs().names[-2:] == ["rfs_gauss", "rfs_log"]


@pytest.mark.parametrize(("ref", "index"), [("lm_large", 1), ("lm_large", 20), ("lm_large", 40), ("rfs", 14)])
def test_vgg_responses_equal_true_convolution(ref, index):
    """filter2d with our kernel == conv2(img, F_vgg, 'same') in the interior (no border effects)."""
    bank = {"lm_large": banks.lm, "rfs": banks.rfs}[ref]()
    img = crop(80)
    ours = filter2d(img, bank.kernels[index])
    vgg = scipy.signal.convolve2d(img, reference(ref)[index], mode="same")
    np.testing.assert_allclose(ours[24:-24, 24:-24], vgg[24:-24, 24:-24], rtol=0, atol=1e-13)
    # and the edge filters are odd: correlating with VGG's array unrotated flips the sign
    if index < 18:
        wrong = filter2d(img, reference(ref)[index])
        np.testing.assert_allclose(wrong[24:-24, 24:-24], -vgg[24:-24, 24:-24], atol=1e-13)


def test_lm_edge_orientation_y_up():
    """Angle 0 differentiates along y: it sees a horizontal step, not a vertical one; 90 the opposite."""
    step_h = np.zeros((60, 60))
    step_h[:30] = 1.0  # bright top half
    b = banks.lm()
    e0, e90 = b["lm_edge_s1_t000"].kernels[0], b["lm_edge_s1_t090"].kernels[0]
    assert abs(filter2d(step_h, e0)[30, 30]) > 100 * abs(filter2d(step_h, e90)[30, 30])
    assert abs(filter2d(step_h.T.copy(), e90)[30, 30]) > 100 * abs(filter2d(step_h.T.copy(), e0)[30, 30])
    # VGG's edge filter at angle 0 is -y g(y): negative above the centre (y up), positive below, with
    # L1 norm 1. conv2 rotates it, so a bright-top step meets the positive half: response +0.5.
    assert filter2d(step_h, e0)[30, 30] == pytest.approx(0.5, abs=1e-9)
