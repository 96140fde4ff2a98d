"""filterbank.analysis.dictionary: Gabor grids against OpenCV, the Gaussian jet, the default dictionary.

Expected values come from first principles or from OpenCV (``cv2.getGaborKernel``),
never from the code under test.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from filterbank import DTypeError, FilterBank, ParameterError, kernels
from filterbank.analysis import (
    default_dictionary,
    gabor_dictionary,
    gaussian_jet_dictionary,
)


def cv2_gabor(ksize: tuple[int, int], sigma, theta, lambd, gamma, psi) -> np.ndarray:
    """OpenCV's Gabor at an odd (height, width) size (OpenCV takes (width, height))."""
    h, w = ksize
    return cv2.getGaborKernel((w, h), sigma, theta, lambd, gamma, psi, ktype=cv2.CV_64F)


def test_gabor_dictionary_equals_opencv_on_its_grid() -> None:
    sig, th, lam, gam, ps = [1.5, 2.5], [0.0, 0.4, 2.0], [3.0, 6.0], [0.5, 1.0], [0.0, np.pi / 2]
    bank = gabor_dictionary((7, 11), sigmas=sig, thetas=th, lambdas=lam, gammas=gam, psis=ps)
    assert len(bank) == 2 * 3 * 2 * 2 * 2 and bank.ksize == (7, 11)
    assert len(set(bank.names)) == len(bank)
    i = 0
    for s in sig:
        for t in th:
            for la in lam:
                for g in gam:
                    for p in ps:
                        np.testing.assert_allclose(bank.kernels[i], cv2_gabor((7, 11), s, t, la, g, p), atol=1e-15)
                        spec = bank.specs[i]
                        assert (spec["sigma"], spec["theta"], spec["lambd"], spec["gamma"], spec["psi"]) == (
                            s,
                            t,
                            la,
                            g,
                            p,
                        )
                        i += 1
    # Odd sizes: specs regenerate the kernels.
    regen = FilterBank.from_specs(bank.specs[:5])
    np.testing.assert_array_equal(regen.kernels, bank.kernels[:5])


def test_gabor_dictionary_even_size_keeps_opencv_anchor() -> None:
    bank = gabor_dictionary((6, 8), sigmas=2.0, thetas=0.3, lambdas=5.0, gammas=0.7, psis=0.0)
    # OpenCV anchor of an even axis is k // 2: the Gabor's centre tap (value 1 at psi 0) sits at (3, 4).
    assert bank.kernels[0][3, 4] == pytest.approx(1.0)
    np.testing.assert_allclose(bank.kernels[0], cv2_gabor((7, 9), 2.0, 0.3, 5.0, 0.7, 0.0)[:6, :8], atol=1e-15)
    assert bank.specs[0]["family"] == "custom" and bank.specs[0]["generator"] == "gabor"


def test_gabor_dictionary_default_grid_and_errors() -> None:
    bank = gabor_dictionary(9)
    assert len(bank) == 4 * 8 * 5 * 2 * 2 and bank.ksize == (9, 9)
    with pytest.raises(ParameterError, match=r"`sigmas\[1\]` must be > 0; got -1.0"):
        gabor_dictionary(9, sigmas=[1.0, -1.0])
    with pytest.raises(ParameterError, match="`ksize`"):
        gabor_dictionary(0)
    with pytest.raises(DTypeError, match="`thetas"):
        gabor_dictionary(9, thetas=["x"])


def test_gaussian_jet_dictionary_orders_and_duplicates() -> None:
    one = gaussian_jet_dictionary((7, 9), sigmas=[1.0, 1.6], max_order=2, thetas=[0.0])
    # per sigma: order 0 (1) + order 1 (dx, dy) + order 2 (xx, xy, yy) = 6
    assert len(one) == 12 and one.ksize == (7, 9)
    for name, spec, k in zip(one.names, one.specs, one.kernels, strict=True):
        ref = kernels.gaussian_derivative((7, 9), spec["sigma"], spec["dx"], spec["dy"], theta=spec["theta"])
        np.testing.assert_array_equal(k, ref)
        assert name.startswith("gjet_")
    # Rotating by pi/2 only permutes / negates the axis-aligned derivatives: nothing new is added.
    quarter = gaussian_jet_dictionary((7, 9), sigmas=[1.0, 1.6], max_order=2, thetas=[0.0, np.pi / 2])
    assert len(quarter) == 12
    # pi/4 adds two first-order and three second-order kernels per sigma, none a repeat up to sign.
    diag = gaussian_jet_dictionary(7, sigmas=1.0, max_order=2, thetas=[0.0, np.pi / 4])
    assert len(diag) == 1 + 4 + 6
    assert len(gaussian_jet_dictionary(7, sigmas=1.0, max_order=0)) == 1
    with pytest.raises(ParameterError, match="`max_order` must be in"):
        gaussian_jet_dictionary(7, max_order=7)


def test_default_dictionary_holds_both_families() -> None:
    d = default_dictionary((5, 7))
    assert d.ksize == (5, 7)
    assert any(n.startswith("gabor_") for n in d.names) and any(n.startswith("gjet_") for n in d.names)
    assert default_dictionary((5, 7)) is d  # cached
