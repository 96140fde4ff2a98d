"""Classical banks against their published definitions, and applied through FilterConv2d == cv2.filter2D.

The VGG banks (LM, Schmid, RFS) are rebuilt here from the definitions of makeLMfilters.m,
makeSfilters.m and makeRFSfilters.m (REFERENCE.md section 3) in plain loops, in VGG's
orientation (y up, applied by conv2); filterbank stores them rotated by 180 degrees.
"""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest
import scipy.fft
import scipy.ndimage as ndi
import scipy.signal
import torch
from skimage.filters import gabor as sk_gabor
from skimage.filters import gabor_kernel

from filterbank import DTypeError, FilterConv2d, ParameterError, ShapeError, UnknownNameError, banks, filter2d, kernels
from filterbank.images import default_image_dir, load_image
from tests.conftest import cv2_reference, tolerance

SUP = 49
R2 = math.sqrt(2)


# ------------------------------------------------------------------ VGG reference, written out
def _vgg_points(sup: int = SUP):
    """[x, y] = meshgrid(-h:h, h:-1:-h): element (i, j) has x = j - h, y = h - i."""
    h = (sup - 1) // 2
    pts = []
    for i in range(sup):
        row = []
        for j in range(sup):
            row.append((float(j - h), float(h - i)))
        pts.append(row)
    return pts


def _g1(sigma, x, order):
    var = sigma * sigma
    g = math.exp(-x * x / (2 * var)) / math.sqrt(math.pi * 2 * var)
    if order == 1:
        return -g * x / var
    if order == 2:
        return g * (x * x - var) / (var * var)
    return g


def _normalise(f):
    f = f - f.mean()
    return f / np.abs(f).sum()


def _vgg_makefilter(scale, order, angle, sup=SUP):
    c, s = math.cos(angle), math.sin(angle)
    f = np.zeros((sup, sup))
    for i, row in enumerate(_vgg_points(sup)):
        for j, (x, y) in enumerate(row):
            px = c * x - s * y
            py = s * x + c * y
            f[i, j] = _g1(3 * scale, px, 0) * _g1(scale, py, order)
    return _normalise(f)


def _fspecial_gaussian(sup, sigma):
    h = np.zeros((sup, sup))
    for i, row in enumerate(_vgg_points(sup)):
        for j, (x, y) in enumerate(row):
            h[i, j] = math.exp(-(x * x + y * y) / (2 * sigma * sigma))
    h[h < np.finfo(float).eps * h.max()] = 0
    return h / h.sum()


def _fspecial_log(sup, sigma):
    g = _fspecial_gaussian(sup, sigma)
    h1 = np.zeros((sup, sup))
    for i, row in enumerate(_vgg_points(sup)):
        for j, (x, y) in enumerate(row):
            h1[i, j] = g[i, j] * (x * x + y * y - 2 * sigma**2) / sigma**4
    return h1 - h1.sum() / (sup * sup)


def _vgg_oriented(scales):
    edges, bars = [], []
    for s in scales:
        for k in range(6):
            a = math.pi * k / 6
            edges.append(_vgg_makefilter(s, 1, a))
            bars.append(_vgg_makefilter(s, 2, a))
    return edges + bars


def vgg_lm(size):
    scalex = [R2**1, R2**2, R2**3] if size == "large" else [1.0, R2, 2.0]
    scales = [R2**1, R2**2, R2**3, R2**4] if size == "large" else [1.0, R2, 2.0, 2 * R2]
    out = _vgg_oriented(scalex)
    for s in scales:
        out += [
            _normalise(_fspecial_gaussian(SUP, s)),
            _normalise(_fspecial_log(SUP, s)),
            _normalise(_fspecial_log(SUP, 3 * s)),
        ]
    return np.stack(out)


def vgg_schmid():
    out = []
    params = [(2, 1), (4, 1), (4, 2), (6, 1), (6, 2), (6, 3), (8, 1), (8, 2), (8, 3), (10, 1), (10, 2), (10, 3)]
    params.append((10, 4))
    for sigma, tau in params:
        f = np.zeros((SUP, SUP))
        for i, row in enumerate(_vgg_points()):
            for j, (x, y) in enumerate(row):
                r = math.sqrt(x * x + y * y)
                f[i, j] = math.cos(r * math.pi * tau / sigma) * math.exp(-r * r / (2 * sigma * sigma))
        out.append(_normalise(f))
    return np.stack(out)


def vgg_rfs():
    out = _vgg_oriented([1.0, 2.0, 4.0])
    out += [_normalise(_fspecial_gaussian(SUP, 10.0)), _normalise(_fspecial_log(SUP, 10.0))]
    return np.stack(out)


_REF = {}


def _ref(name):
    if name not in _REF:
        _REF[name] = {"lm_large": lambda: vgg_lm("large"), "lm_small": lambda: vgg_lm("small")}.get(
            name, {"schmid": vgg_schmid, "rfs": vgg_rfs}.get(name)
        )()
    return _REF[name]


def _crop(size=64, r0=90, c0=100):
    img = load_image(default_image_dir() / "camera.png")
    return img[r0 : r0 + size, c0 : c0 + size].astype(np.float64) / 255.0


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
    f = _ref(ref)
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
    img = _crop(80)
    ours = filter2d(img, bank.kernels[index])
    vgg = scipy.signal.convolve2d(img, _ref(ref)[index], mode="same")
    np.testing.assert_allclose(ours[24:-24, 24:-24], vgg[24:-24, 24:-24], rtol=0, atol=1e-13)
    # and the edge filters are odd: correlating with VGG's array unrotated flips the sign
    if index < 18:
        wrong = filter2d(img, _ref(ref)[index])
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


# ------------------------------------------------------------------ Gabor
def test_gabor_bank_structure_and_quadrature():
    b = banks.gabor(sigmas=[2.0, 4.0], orientations=4, phases=[0.0, math.pi / 2])
    assert len(b) == 16
    assert b.names[:4] == ["gabor_s2_t000_p0", "gabor_s2_t000_p90", "gabor_s2_t045_p0", "gabor_s2_t045_p90"]
    assert "gabor_s4_t045_p0" in b.names
    for spec, k in zip(b.specs, b.kernels, strict=True):
        ref = cv2.getGaborKernel(
            (spec["ksize"][1], spec["ksize"][0]),
            spec["sigma"],
            spec["theta"],
            spec["lambd"],
            spec["gamma"],
            spec["psi"],
            ktype=cv2.CV_64F,
        )
        pad = (k.shape[0] - ref.shape[0]) // 2
        np.testing.assert_allclose(k[pad : k.shape[0] - pad, pad : k.shape[1] - pad], ref, rtol=0, atol=1e-15)
    even, odd = b["gabor_s4_t045_p0"].kernels[0], b["gabor_s4_t045_p90"].kernels[0]
    np.testing.assert_allclose(even, even[::-1, ::-1], atol=1e-15)
    np.testing.assert_allclose(odd, -odd[::-1, ::-1], atol=1e-15)
    # default wavelength: one octave, sigma = 0.5622 lambda
    assert b.specs[0]["sigma"] / b.specs[0]["lambd"] == pytest.approx(0.5622, abs=1e-4)


def test_gabor_explicit_angles_and_lambdas():
    b = banks.gabor(sigmas=3.0, orientations=[0.0, math.pi / 8], phases=0.0, lambdas=6.0, ksize=15)
    assert b.names == ["gabor_s3_t000_p0", "gabor_s3_t022.5_p0"]
    assert b.ksize == (15, 15)
    np.testing.assert_array_equal(b.kernels[1], kernels.gabor(15, 3.0, math.pi / 8, 6.0, 0.5, 0.0))


@pytest.mark.parametrize(
    "params",
    [
        {"frequency": 0.2},
        {"frequency": 0.1, "theta": 0.7, "bandwidth": 1.5, "offset": 0.4},
        {"frequency": 0.15, "theta": 2.0, "sigma_x": 3.0, "sigma_y": 5.0, "n_stds": 2.5},
    ],
)
def test_gabor_from_skimage_matches_gabor_kernel_and_response(params):
    p = banks.gabor_params_from_skimage(**params)
    g = gabor_kernel(**params)
    sx, sy = p["sigma"], p["sigma"] / p["gamma"]
    ours = kernels.gabor(**p) / (2 * math.pi * sx * sy)
    assert ours.shape == g.shape
    np.testing.assert_allclose(ours, g.real[::-1, ::-1], rtol=0, atol=1e-15)
    img = _crop(48)
    real, _ = sk_gabor(img, **params)  # ndimage.convolve, mode='reflect' (= symmetric)
    np.testing.assert_allclose(filter2d(img, ours, border="symmetric"), real, rtol=0, atol=1e-12)


def test_gabor_from_matlab_definition():
    # MATLAB: sigma_x = lambda / pi * sqrt(ln2 / 2) * (2^b + 1) / (2^b - 1); sigma_y = sigma_x / ratio;
    # SpatialKernel real part exp(-(X'^2/sx^2 + Y'^2/sy^2)/2) cos(2 pi X'/lambda), X' = X cosd(o) - Y sind(o),
    # Y' = X sind(o) + Y cosd(o), [X, Y] = meshgrid(-r:r), r = max(ceil(7 sx), ceil(7 sy)).
    lam, o, b, ratio = 6.0, 30.0, 1.0, 0.5
    p = banks.gabor_params_from_matlab(lam, o, b, ratio)
    sx = lam / math.pi * math.sqrt(math.log(2) / 2) * (2**b + 1) / (2**b - 1)
    assert sx / lam == pytest.approx(0.5622, abs=1e-4)
    sy = sx / ratio
    r = max(math.ceil(7 * sx), math.ceil(7 * sy))
    assert p["ksize"] == [2 * r + 1, 2 * r + 1]
    ref = np.zeros((2 * r + 1, 2 * r + 1))
    co, so = math.cos(math.radians(o)), math.sin(math.radians(o))
    for i in range(2 * r + 1):
        for j in range(2 * r + 1):
            x, y = j - r, i - r
            xp = x * co - y * so
            yp = x * so + y * co
            ref[i, j] = math.exp(-0.5 * (xp * xp / sx**2 + yp * yp / sy**2)) * math.cos(2 * math.pi * xp / lam)
    np.testing.assert_allclose(kernels.gabor(**p), ref, rtol=0, atol=1e-12)


# ------------------------------------------------------------------ Gaussian jets and steerable
def test_gaussian_jet_up_to_order_4_equals_scipy():
    b = banks.gaussian_jet(4, [1.5])
    assert len(b) == 15
    assert b.names[:6] == [f"jet_s1.5_dx{i}_dy{j}" for i, j in [(0, 0), (1, 0), (0, 1), (2, 0), (1, 1), (0, 2)]]
    img = _crop(40)
    for spec, k in zip(b.specs, b.kernels, strict=True):
        ref = ndi.gaussian_filter(img, 1.5, order=(spec["dy"], spec["dx"]), mode="mirror")
        np.testing.assert_allclose(filter2d(img, k), ref, rtol=0, atol=1e-12)
    assert len(banks.gaussian_jet(2, [1.0, 2.0])) == 12


@pytest.mark.parametrize("order", [1, 2])
def test_steering_synthesises_any_angle_exactly(order):
    basis = banks.steerable(order, 2.0)
    assert len(basis) == order + 1
    angles = np.random.default_rng(order).uniform(-math.pi, math.pi, 7).tolist()
    direct = banks.steerable(order, 2.0, angles)
    w = banks.steering_weights(order, angles)
    steered = (w @ basis.kernels.reshape(order + 1, -1)).reshape(direct.kernels.shape)
    np.testing.assert_allclose(steered, direct.kernels, rtol=0, atol=1e-12)
    for t, k in zip(angles, direct.kernels, strict=True):
        np.testing.assert_array_equal(k, kernels.gaussian_derivative(17, 2.0, order, 0, theta=t))


# ------------------------------------------------------------------ DCT, Laws, Kirsch, edge sets, random
@pytest.mark.parametrize("ksize", [4, (3, 5)])
def test_dct_basis_equals_scipy(ksize):
    b = banks.dct(ksize)
    h, w = (ksize, ksize) if isinstance(ksize, int) else ksize
    dh = scipy.fft.dct(np.eye(h), axis=0, norm="ortho")  # dh[u, i]
    dw = scipy.fft.dct(np.eye(w), axis=0, norm="ortho")
    assert len(b) == h * w
    for n, k in zip(b.names, b.kernels, strict=True):
        u, v = (int(p[1:]) for p in n.split("_")[1:])
        np.testing.assert_allclose(k, np.outer(dh[u], dw[v]), atol=1e-15)
    flat = b.kernels.reshape(h * w, -1)
    np.testing.assert_allclose(flat @ flat.T, np.eye(h * w), atol=1e-14)
    img = _crop(20)
    out = filter2d(img, b.kernels)
    r, c = 10, 9
    patch = img[r - h // 2 : r - h // 2 + h, c - w // 2 : c - w // 2 + w]
    np.testing.assert_allclose(out[r, c], scipy.fft.dctn(patch, norm="ortho").ravel(), atol=1e-13)


def test_laws_masks_and_convolution():
    vec = {
        "L5": [1, 4, 6, 4, 1],
        "E5": [-1, -2, 0, 2, 1],
        "S5": [-1, 0, 2, 0, -1],
        "W5": [-1, 2, 0, -2, 1],
        "R5": [1, -4, 6, -4, 1],
    }
    b = banks.laws()
    assert len(b) == 25 and b.names[0] == "laws_L5L5" and b.names[-1] == "laws_R5R5"
    img = _crop(30)
    for name, k in zip(b.names, b.kernels, strict=True):
        mask = np.outer(vec[name[5:7]], vec[name[7:9]]).astype(float)
        np.testing.assert_array_equal(k, mask[::-1, ::-1])
        conv = scipy.signal.convolve2d(img, mask, mode="same")
        np.testing.assert_allclose(filter2d(img, k)[2:-2, 2:-2], conv[2:-2, 2:-2], atol=1e-12)


def test_kirsch_masks():
    b = banks.kirsch()
    assert len(b) == 8
    np.testing.assert_array_equal(b["kirsch_n"].kernels[0], [[5, 5, 5], [-3, 0, -3], [-3, -3, -3]])
    np.testing.assert_array_equal(b["kirsch_nw"].kernels[0], [[5, 5, -3], [5, 0, -3], [-3, -3, -3]])
    np.testing.assert_array_equal(b["kirsch_e"].kernels[0], [[-3, -3, 5], [-3, 0, 5], [-3, -3, 5]])
    np.testing.assert_array_equal(b["kirsch_s"].kernels[0], [[-3, -3, -3], [-3, 0, -3], [5, 5, 5]])
    step = np.zeros((10, 10))
    step[:5] = 1.0  # bright top
    resp = filter2d(step, b.kernels)[4]
    assert b.names[int(np.argmax(resp[5]))] == "kirsch_n"


def test_edge_sets_match_opencv_and_scipy():
    img = _crop(32)
    s = banks.sobel()
    assert s.names == ["sobel_x", "sobel_y"]
    np.testing.assert_allclose(filter2d(img, s.kernels[0]), cv2.Sobel(img, cv2.CV_64F, 1, 0), atol=1e-13)
    np.testing.assert_allclose(filter2d(img, s.kernels[1]), cv2.Sobel(img, cv2.CV_64F, 0, 1), atol=1e-13)
    s5 = banks.sobel(5)
    np.testing.assert_allclose(filter2d(img, s5.kernels[1]), cv2.Sobel(img, cv2.CV_64F, 0, 1, ksize=5), atol=1e-12)
    sc = banks.scharr()
    np.testing.assert_allclose(filter2d(img, sc.kernels[0]), cv2.Scharr(img, cv2.CV_64F, 1, 0), atol=1e-13)
    np.testing.assert_allclose(filter2d(img, sc.kernels[1]), cv2.Scharr(img, cv2.CV_64F, 0, 1), atol=1e-13)
    p = banks.prewitt()
    np.testing.assert_allclose(filter2d(img, p.kernels[0]), ndi.prewitt(img, axis=1, mode="mirror"), atol=1e-13)
    np.testing.assert_allclose(filter2d(img, p.kernels[1]), ndi.prewitt(img, axis=0, mode="mirror"), atol=1e-13)


def test_random_banks():
    b = banks.random(5, (3, 4), seed=7)
    np.testing.assert_array_equal(b.kernels, np.random.default_rng(7).standard_normal((5, 3, 4)))
    np.testing.assert_array_equal(banks.random(5, (3, 4), seed=7).kernels, b.kernels)
    assert b.names[0] == "random_normal_0"
    o = banks.random(9, 3, seed=3, kind="orthogonal")
    flat = o.kernels.reshape(9, -1)
    np.testing.assert_allclose(flat @ flat.T, np.eye(9), atol=1e-14)
    o.verify()


# ------------------------------------------------------------------ registry and errors
def test_get_and_names():
    expected = ["dct", "gabor", "gaussian_jet", "kirsch", "laws", "lm", "prewitt", "random", "rfs", "scharr"]
    expected += ["schmid", "sobel", "steerable"]
    assert banks.names() == expected
    assert banks.names("l*") == ["laws", "lm"]
    assert banks.get("lm", size="small").names == banks.lm("small").names
    assert len(banks.get("dct", ksize=2)) == 4


@pytest.mark.parametrize(
    ("call", "error", "pattern"),
    [
        (lambda: banks.get("lmm"), UnknownNameError, r"`name` must be one of .*got 'lmm'.*Did you mean 'lm'"),
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
        (lambda: banks.kernel("banks.nope"), UnknownNameError, r"`family` must be one of"),
    ],
)
def test_bad_input(call, error, pattern):
    with pytest.raises(error, match=pattern):
        call()


# ------------------------------------------------------------------ every bank through FilterConv2d == cv2.filter2D
BANKS = {
    "gabor": lambda: banks.gabor([2.0, 3.0], 4),
    "lm_large": banks.lm,
    "lm_small": lambda: banks.lm("small"),
    "schmid": banks.schmid,
    "rfs": banks.rfs,
    "gaussian_jet": lambda: banks.gaussian_jet(4, [1.0, 2.0]),
    "steerable1": lambda: banks.steerable(1, 2.0, [0.3, 1.0, 2.0]),
    "steerable2": lambda: banks.steerable(2, 1.5),
    "dct": lambda: banks.dct(8),
    "laws": banks.laws,
    "kirsch": banks.kirsch,
    "prewitt": banks.prewitt,
    "sobel": banks.sobel,
    "scharr": banks.scharr,
    "random": lambda: banks.random(8, 5, seed=1),
    "random_orth": lambda: banks.random(8, (4, 6), seed=2, kind="orthogonal"),
}


@pytest.mark.parametrize("name", sorted(BANKS))
def test_bank_through_filterconv2d_equals_cv2(name):
    bank = BANKS[name]()
    img = _crop(64)
    layer = FilterConv2d(bank, 1, border="reflect101", dtype=torch.float64)
    out = layer(torch.from_numpy(img)[None, None])[0].numpy()
    assert out.shape == (len(bank), 64, 64)
    for n, k in enumerate(bank.kernels):
        ref = cv2_reference(img, k, "reflect101")
        err = float(np.abs(out[n] - ref).max())
        assert err <= tolerance(k, img, np.float64), (bank.names[n], err)


@pytest.mark.parametrize("name", ["lm_small", "gabor"])
def test_bank_through_filterconv2d_float32(name):
    bank = BANKS[name]()
    img = _crop(64).astype(np.float32)
    out = FilterConv2d(bank, 1)(torch.from_numpy(img)[None, None])[0].numpy()
    for n, k in enumerate(bank.kernels):
        ref = cv2_reference(img, k.astype(np.float32), "reflect101")
        assert float(np.abs(out[n] - ref).max()) <= tolerance(k, img, np.float32), bank.names[n]
