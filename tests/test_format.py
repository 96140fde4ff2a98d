"""Tests of filterbank._format: the one number formatter of names and labels."""

from __future__ import annotations

import math

import pytest

from filterbank import banks
from filterbank._format import deg, gabor_name, num, sci, spec_value


@pytest.mark.parametrize(
    ("angle", "text"),
    [
        (0.0, "000"),
        (math.pi / 4, "045"),
        (math.pi / 8, "022.5"),
        (-math.pi / 6, "m030"),
        (math.pi, "180"),
        (0.3, "017.1887"),
    ],
)
def test_deg(angle, text):
    assert deg(angle) == text


def test_num_and_spec_value():
    assert [num(2.0), num(0.1 + 0.2), num(1e-7), num(123456789.0)] == ["2", "0.3", "1e-07", "1.23457e+08"]
    assert spec_value([7, 9]) == "7x9" and spec_value(True) == "True" and spec_value(2.50) == "2.5"


def test_gabor_name_is_the_bank_name():
    bank = banks.gabor([2.0, 3.5], orientations=[0.0, 0.3], phases=[0.0, math.pi / 2, -math.pi / 4])
    expected = [f"gabor_s{s}_t{t}_p{p}" for s in ("2", "3.5") for t in ("000", "017.1887") for p in ("0", "90", "-45")]
    assert bank.names == expected
    for name, spec in zip(bank.names, bank.specs, strict=True):
        assert gabor_name(spec["sigma"], spec["theta"], spec["psi"]) == name
    assert gabor_name(2.0, 1.0, math.pi / 2, lambd=4.0, gamma=1.0) == "gabor_s2_t057.2958_l4_g1_p90"


def test_sci():
    assert sci(0.0) == "0" and sci(3.4e-6) == "3.40e-06" and sci(4.8e-7, 1) == "4.8e-07"
