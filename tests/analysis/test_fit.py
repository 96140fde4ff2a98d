"""filterbank.analysis.fit: least-squares Gabor fits against OpenCV Gabors.

Expected values come from first principles or from OpenCV (``cv2.getGaborKernel``),
never from the code under test.
"""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest
import torch

from filterbank import ParameterError, ShapeError
from filterbank.analysis import (
    GaborFit,
    fit_gabor,
)


def cv2_gabor(ksize: tuple[int, int], sigma, theta, lambd, gamma, psi) -> np.ndarray:
    """OpenCV's Gabor at an odd (height, width) size (OpenCV takes (width, height))."""
    h, w = ksize
    return cv2.getGaborKernel((w, h), sigma, theta, lambd, gamma, psi, ktype=cv2.CV_64F)


@pytest.mark.parametrize(
    ("ksize", "params"),
    [
        ((9, 11), (2.2, 0.7, 5.5, 0.8, 0.3)),
        ((15, 21), (2.7, 2.2, 6.3, 0.6, 1.1)),
        ((7, 7), (1.3, 0.3, 3.1, 1.4, -2.0)),
    ],
)
def test_fit_gabor_recovers_noiseless_catalog_gabor(ksize, params) -> None:
    true = 0.7 * cv2_gabor(ksize, *params) + 0.1
    fit = fit_gabor(true)
    assert isinstance(fit, GaborFit)
    assert fit.r2 > 0.999
    np.testing.assert_allclose(fit.kernel, true, atol=1e-6)
    for got, want in zip((fit.sigma, fit.theta, fit.lambd, fit.gamma, fit.psi), params, strict=True):
        assert got == pytest.approx(want, abs=1e-5)
    assert fit.amplitude == pytest.approx(0.7, abs=1e-6) and fit.offset == pytest.approx(0.1, abs=1e-6)


def test_fit_gabor_canonical_theta_and_psi() -> None:
    # cv2 at theta + pi with phase psi is the same kernel as at theta with -psi (x' -> -x'), and a negative
    # gain is a phase of pi: -g(psi) = g(psi + pi).
    sigma, theta, lambd, gamma, psi = 2.0, 0.9, 5.0, 0.7, 1.1
    true = -0.5 * cv2_gabor((11, 11), sigma, theta + np.pi, lambd, gamma, psi)
    fit = fit_gabor(torch.from_numpy(true)[None, None])
    assert fit.r2 > 0.999
    np.testing.assert_allclose(fit.kernel, true, atol=1e-6)
    assert fit.theta == pytest.approx(theta, abs=1e-5)
    assert fit.psi == pytest.approx(-psi + np.pi, abs=1e-5)  # -psi, then + pi for the sign
    assert fit.amplitude == pytest.approx(0.5, abs=1e-6)
    assert 0 <= fit.theta < np.pi and -np.pi < fit.psi <= np.pi


def test_fit_gabor_even_size_and_init() -> None:
    true = cv2_gabor((9, 9), 1.8, 1.0, 4.0, 0.7, 0.5)[:8, :8]  # even size, OpenCV anchor (4, 4)
    fit = fit_gabor(true)
    assert fit.r2 > 0.999
    np.testing.assert_allclose(fit.kernel, true, atol=1e-6)
    start = {"sigma": 2.0, "theta": 0.9, "lambd": 4.5, "gamma": 0.8}
    refit = fit_gabor(true, init=start, offset=False)
    assert refit.r2 > 0.999 and refit.offset == 0.0
    assert fit_gabor(true, init=fit).r2 > 0.999


def test_fit_gabor_noisy_r2_matches_expectation() -> None:
    ksize, params = (15, 15), (3.0, 2.0, 7.0, 0.7, 0.9)
    g = cv2_gabor(ksize, *params)
    n = g.size
    ss_g = float(np.sum((g - g.mean()) ** 2))
    noise_sd = math.sqrt(ss_g / 4 / (n - 1))  # noise energy a quarter of the signal's
    # With p = 7 fitted parameters (sigma, theta, lambd, gamma, two phase components, offset):
    # E[SS_res] ~ (n - p) sd^2 and E[SS_tot] ~ SS_g + (n - 1) sd^2, so E[R^2] ~ 1 - (n - p) sd^2 / E[SS_tot].
    expected = 1 - (n - 7) * noise_sd**2 / (ss_g + (n - 1) * noise_sd**2)
    rng = np.random.default_rng(7)
    got = []
    for _ in range(6):
        k = g + noise_sd * rng.normal(size=ksize)
        fit = fit_gabor(k)
        # The least-squares optimum is at least as good as the generating parameters with their best gain/offset.
        design = np.stack([g.ravel(), np.ones(n)], axis=1)
        coef, *_ = np.linalg.lstsq(design, k.ravel(), rcond=None)
        r2_true = 1 - np.sum((design @ coef - k.ravel()) ** 2) / np.sum((k - k.mean()) ** 2)
        assert fit.r2 >= r2_true - 1e-9
        assert np.corrcoef(fit.kernel.ravel(), g.ravel())[0, 1] > 0.98
        got.append(fit.r2)
    assert np.mean(got) == pytest.approx(expected, abs=0.03)


def test_fit_gabor_pure_noise_gives_low_r2() -> None:
    rng = np.random.default_rng(8)
    r2 = [fit_gabor(rng.normal(size=(11, 11))).r2 for _ in range(3)]
    assert max(r2) < 0.3


def test_fit_gabor_errors() -> None:
    with pytest.raises(ParameterError, match="`kernel` must not be constant"):
        fit_gabor(np.full((5, 5), 2.0))
    with pytest.raises(ShapeError, match="`kernel` must be one 2-D kernel"):
        fit_gabor(np.ones((2, 5, 5)))
    with pytest.raises(ParameterError, match=r"`init` must have the keys"):
        fit_gabor(np.eye(5), init={"sigma": 1.0})
    with pytest.raises(ParameterError, match=r"`init\['lambd'\]` must be > 0; got -2.0"):
        fit_gabor(np.eye(5), init={"sigma": 1.0, "theta": 0.0, "lambd": -2.0, "gamma": 1.0})
    with pytest.raises(ParameterError, match="`starts` must be >= 1; got 0"):
        fit_gabor(np.eye(5), starts=0)
