"""filterbank.analysis: drift, catalog dictionaries, nearest match, Gabor fits, bank similarity, figure.

Expected values come from first principles or from OpenCV (``cv2.getGaborKernel``),
never from the code under test.
"""

from __future__ import annotations

import math
import subprocess
import sys

import cv2
import numpy as np
import pytest
import torch

from filterbank import DTypeError, FilterBank, ParameterError, ShapeError, kernels
from filterbank.analysis import (
    GaborFit,
    bank_similarity,
    comparison_figure,
    default_dictionary,
    drift,
    fit_gabor,
    gabor_dictionary,
    gaussian_jet_dictionary,
    nearest_catalog,
)


def cv2_gabor(ksize: tuple[int, int], sigma, theta, lambd, gamma, psi) -> np.ndarray:
    """OpenCV's Gabor at an odd (height, width) size (OpenCV takes (width, height))."""
    h, w = ksize
    return cv2.getGaborKernel((w, h), sigma, theta, lambd, gamma, psi, ktype=cv2.CV_64F)


# ------------------------------------------------------------------------------------ drift
def test_drift_hand_computed_values() -> None:
    e = np.zeros((3, 3))
    e[1, 1] = 1.0
    f = np.zeros((3, 3))
    f[0, 0] = 1.0
    initial = np.stack([e, e, e, 2 * e])
    learned = np.stack([3 * e, -e, f, 2 * e + 2 * f])
    d = drift(initial, learned)
    # same direction (cos 1, |3e - e| / |e| = 2); opposite (cos -1, 2); orthogonal (0, sqrt 2);
    # 2e + 2f against 2e: cos = 4 / (2 * sqrt 8) = 1/sqrt 2, change |2f| / |2e| = 1.
    np.testing.assert_allclose(d.cosine, [1.0, -1.0, 0.0, 1 / math.sqrt(2)], atol=1e-15)
    np.testing.assert_allclose(d.relative_change, [2.0, 2.0, math.sqrt(2), 1.0], atol=1e-15)
    np.testing.assert_allclose(d.initial_norm, [1, 1, 1, 2])
    assert d.names == ["k0", "k1", "k2", "k3"] and len(d) == 4
    assert d.as_dict()["relative_change"][1] == 2.0


def test_drift_accepts_bank_numpy_and_conv_weights_alike() -> None:
    bank = FilterBank.from_specs([{"family": "sobel", "dx": 1, "dy": 0}, {"family": "laplacian", "ksize": 3}])
    rng = np.random.default_rng(1)
    learned = bank.kernels + 0.1 * rng.normal(size=bank.kernels.shape)
    ref = drift(bank.kernels, learned)
    from_bank = drift(bank, torch.from_numpy(learned)[:, None].float())  # conv weight (N, 1, kh, kw), float32
    assert from_bank.names == bank.names
    np.testing.assert_allclose(from_bank.cosine, ref.cosine, atol=1e-6)
    np.testing.assert_allclose(from_bank.relative_change, ref.relative_change, atol=1e-6)
    # Independent formula, per filter.
    for i in range(2):
        a, b = bank.kernels[i].ravel(), learned[i].ravel()
        assert ref.cosine[i] == pytest.approx(a @ b / np.linalg.norm(a) / np.linalg.norm(b), abs=1e-14)
        assert ref.relative_change[i] == pytest.approx(np.linalg.norm(b - a) / np.linalg.norm(a), abs=1e-14)


def test_drift_flattens_input_channels_per_output_channel() -> None:
    rng = np.random.default_rng(2)
    w0 = rng.normal(size=(4, 3, 5, 5))
    w1 = w0.copy()
    w1[:, 1] *= -1  # one of three channels flipped
    d = drift(torch.from_numpy(w0), torch.from_numpy(w1))
    n0, n1 = (np.sum(w0[:, c] ** 2, axis=(1, 2)) for c in (0, 1))
    n2 = np.sum(w0[:, 2] ** 2, axis=(1, 2))
    np.testing.assert_allclose(d.cosine, (n0 - n1 + n2) / (n0 + n1 + n2), atol=1e-14)
    np.testing.assert_allclose(d.relative_change, 2 * np.sqrt(n1 / (n0 + n1 + n2)), atol=1e-14)


def test_drift_zero_filters_and_errors() -> None:
    d = drift(np.zeros((2, 3, 3)), np.stack([np.zeros((3, 3)), np.ones((3, 3))]))
    assert np.isnan(d.cosine).all() and np.isnan(d.relative_change).all()
    with pytest.raises(ShapeError, match="`learned` must have the shape of `initial`"):
        drift(np.zeros((2, 3, 3)), np.zeros((2, 5, 5)))
    with pytest.raises(DTypeError, match="`initial`"):
        drift(np.array([["a"]]), np.zeros((1, 1)))
    with pytest.raises(ShapeError, match="`initial` must be"):
        drift(np.zeros(5), np.zeros(5))
    with pytest.raises(ParameterError, match="finite"):
        drift(np.full((3, 3), np.nan), np.zeros((3, 3)))


# ------------------------------------------------------------------------------------ dictionaries
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


# ------------------------------------------------------------------------------------ nearest catalog
def test_nearest_catalog_recovers_entries_up_to_gain_sign_and_offset() -> None:
    dic = gabor_dictionary(9, sigmas=[1.5, 2.5], thetas=[0.0, 0.8, 1.6], lambdas=[4.0, 7.0], gammas=1.0)
    picks = [3, 10, 17, 22]
    gains = [2.5, -0.3, 1.0, -4.0]
    learned = np.stack([g * dic.kernels[i] + 0.7 for i, g in zip(picks, gains, strict=True)])
    out = nearest_catalog(torch.from_numpy(learned)[:, None], dic)
    assert [m.index for m in out] == picks
    assert [m.name for m in out] == [dic.names[i] for i in picks]
    assert [m.sign for m in out] == [1, -1, 1, -1]
    np.testing.assert_allclose([m.score for m in out], 1.0, atol=1e-12)


def test_nearest_catalog_score_is_zero_mean_cosine() -> None:
    rng = np.random.default_rng(3)
    learned = rng.normal(size=(2, 5, 5))
    dic = rng.normal(size=(6, 5, 5))
    out = nearest_catalog(learned, dic)
    for i, m in enumerate(out):
        a = learned[i].ravel() - learned[i].mean()
        cos = [(a @ (d.ravel() - d.mean())) / np.linalg.norm(a) / np.linalg.norm(d - d.mean()) for d in dic]
        j = int(np.argmax(np.abs(cos)))
        assert (m.index, m.name, m.sign) == (j, f"k{j}", int(np.sign(cos[j])))
        assert m.score == pytest.approx(abs(cos[j]), abs=1e-14)


def test_nearest_catalog_default_dictionary_finds_edge_detector() -> None:
    k = kernels.gaussian_derivative(7, 1.2, dx=1, dy=0)  # a horizontal-gradient filter, off the default grid
    (m,) = nearest_catalog(-k)
    assert m.score > 0.97
    assert m.sign in (-1, 1)
    (c,) = nearest_catalog(np.full((7, 7), 0.3))  # constant: no shape to match
    assert c.index == -1 and c.name is None and math.isnan(c.score) and c.sign == 0


def test_nearest_catalog_errors() -> None:
    with pytest.raises(ShapeError, match=r"`dictionary` kernels must have the learned kernels' size \(5, 5\)"):
        nearest_catalog(np.zeros((1, 5, 5)) + np.eye(5), np.ones((2, 7, 7)))
    with pytest.raises(ShapeError, match="one input channel"):
        nearest_catalog(torch.zeros(4, 3, 5, 5))


# ------------------------------------------------------------------------------------ bank similarity
def test_bank_similarity_recovers_permutation_and_signs() -> None:
    rng = np.random.default_rng(4)
    a = rng.normal(size=(12, 7, 7))
    perm = rng.permutation(12)
    signs = rng.choice([-1, 1], size=12)
    scales = rng.uniform(0.2, 5.0, size=12)
    b = np.empty_like(a)
    b[perm] = (signs * scales)[:, None, None] * a  # a[i] = signs[i] / scales[i] * b[perm[i]]
    score, p, s = bank_similarity(a, torch.from_numpy(b))
    assert score == pytest.approx(1.0, abs=1e-12)
    np.testing.assert_array_equal(p, perm)
    np.testing.assert_array_equal(s, signs)


def test_bank_similarity_unrelated_banks_score_low() -> None:
    rng = np.random.default_rng(5)
    scores = [bank_similarity(rng.normal(size=(16, 7, 7)), rng.normal(size=(16, 7, 7)))[0] for _ in range(3)]
    # |cos| of two random 49-D directions averages sqrt(2 / (pi * 49)) ~ 0.11; the best pairing stays well below 0.5.
    assert max(scores) < 0.4


def test_bank_similarity_multichannel_and_unequal_counts() -> None:
    rng = np.random.default_rng(6)
    a = rng.normal(size=(5, 3, 3, 3))
    score, p, s = bank_similarity(a[:3], a)  # 3 filters of a inside the 5
    assert score == pytest.approx(1.0) and p.tolist() == [0, 1, 2] and s.tolist() == [1, 1, 1]
    score, p, s = bank_similarity(a, -a[[4, 2]])
    assert score == pytest.approx(1.0)
    assert p.tolist() == [-1, -1, 1, -1, 0] and s.tolist() == [0, 0, -1, 0, -1]
    # zero_mean ignores a DC offset that otherwise lowers the cosine.
    k = rng.normal(size=(2, 5, 5))
    assert bank_similarity(k, k + 3.0)[0] < 0.9
    assert bank_similarity(k, k + 3.0, zero_mean=True)[0] == pytest.approx(1.0)
    with pytest.raises(ShapeError, match="`b` filters must have as many taps"):
        bank_similarity(np.ones((2, 3, 3)), np.ones((2, 5, 5)))


# ------------------------------------------------------------------------------------ Gabor fit
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


# ------------------------------------------------------------------------------------ figure
def test_comparison_figure_rows_and_colours() -> None:
    k0 = np.stack([cv2_gabor((7, 7), 2.0, t, 5.0, 1.0, 0.0) for t in (0.0, 0.8, 1.6)])
    learned = k0 * 1.1
    learned[2] = 0.0  # a dead filter: no fit
    one = comparison_figure(k0[:1], learned[:1], cell=28)
    three = comparison_figure(k0, learned, cell=28)
    assert three.mode == "RGB" and three.width == one.width
    assert three.height > 2 * one.height - 30
    px = np.asarray(three)
    # Panel colours: positive centre taps are red-ish (R > B), the background white.
    assert (px[..., 0].astype(int) - px[..., 2] > 100).any()
    assert tuple(px[0, 0]) == (255, 255, 255)
    fits = [fit_gabor(learned[0]), None, None]
    assert comparison_figure(k0, learned, fits).size[1] > 0
    with pytest.raises(ShapeError, match="`fits` must have one entry per learned filter"):
        comparison_figure(k0, learned, fits[:2])


def test_viz_does_not_import_analysis() -> None:
    # viz sits below bank (issue 9: bank imports viz at module level), so importing analysis loads viz;
    # what must hold is the one-way direction: viz never loads analysis.
    code = "import sys, filterbank.viz; print('filterbank.analysis' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
