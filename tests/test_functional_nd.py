"""filter1d / filter3d against scipy.ndimage.correlate1d / correlate: every border, anchor, shape, dtype, layout."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.ndimage as ndi
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from filterbank import (
    BorderError,
    DTypeError,
    FilterBank,
    ParameterError,
    ShapeError,
    UnknownNameError,
    filter1d,
    filter3d,
    kernels,
)
from filterbank.borders import BORDERS, to_scipy

RNG = np.random.default_rng(11)
METHODS = ("direct", "separable", "fft")


def scale(k: np.ndarray, x: np.ndarray) -> float:
    return float(np.abs(k).sum() * max(np.abs(x.astype(np.float64)).max(), 1.0))


def tol32(k: np.ndarray, x: np.ndarray) -> float:
    """float32 bound against SciPy (which computes in float64): filter2d's parity bound against cv2.filter2D,
    1e-6 of sum|k| * max|x| below 130 taps and 1e-5 from 130 taps (where the planner may use the FFT)."""
    return (1e-5 if k.size >= 130 else 1e-6) * scale(k, x)


def ref3d(x, k, border, anchor=None, value=0.0):
    origin = [0] * 3 if anchor is None else [a - s // 2 for a, s in zip(anchor, k.shape, strict=True)]
    return ndi.correlate(x, k, mode=to_scipy(border), cval=value, origin=origin)


def cval(border: str, value: float) -> float:
    """The constant of ``border="constant"``; 0 with the other borders (a value there is refused, it means nothing)."""
    return value if border == "constant" else 0.0


def ref1d(x, k, border, anchor=None, value=0.0, axis=-1):
    origin = 0 if anchor is None else anchor - len(k) // 2
    return ndi.correlate1d(x, k, axis=axis, mode=to_scipy(border), cval=value, origin=origin)


# ------------------------------------------------------------------ float64 exactness, every border and anchor


@pytest.mark.parametrize("border", BORDERS)
@pytest.mark.parametrize(
    "vshape, kshape",
    [
        ((7, 8, 9), (3, 3, 3)),
        ((6, 5, 7), (2, 4, 5)),
        ((4, 5, 3), (9, 2, 7)),
        ((3, 4, 2), (6, 11, 5)),
        ((5, 5, 5), (1, 1, 1)),
    ],
)
def test_filter3d_equals_scipy_correlate(border, vshape, kshape):
    # kernels larger than the volume included: SciPy and filterbank keep reflecting.
    x = RNG.random(vshape)
    k = RNG.standard_normal(kshape)
    for anchor in (None, tuple(int(RNG.integers(0, s)) for s in kshape), tuple(s - 1 for s in kshape)):
        ref = ref3d(x, k, border, anchor, value=cval(border, 0.3))
        for method in ("direct", "fft"):
            out = filter3d(x, k, border=border, anchor=anchor, value=cval(border, 0.3), method=method)
            assert out.dtype == np.float64 and out.shape == vshape
            np.testing.assert_allclose(out, ref, rtol=0, atol=1e-13 * scale(k, x))


@pytest.mark.parametrize("border", BORDERS)
@pytest.mark.parametrize("n, klen", [(20, 1), (20, 2), (13, 5), (9, 8), (5, 12), (3, 31)])
def test_filter1d_equals_scipy_correlate1d(border, n, klen):
    x = RNG.random(n)
    k = RNG.standard_normal(klen)
    for anchor in (None, 0, klen - 1, int(RNG.integers(0, klen))):
        ref = ref1d(x, k, border, anchor, value=cval(border, -1.25))
        for method in METHODS:
            out = filter1d(x, k, border=border, anchor=anchor, value=cval(border, -1.25), method=method)
            np.testing.assert_allclose(out, ref, rtol=0, atol=1e-13 * scale(k, x))


@pytest.mark.parametrize("border", BORDERS)
def test_separable_kernels_all_methods(border):
    x = RNG.random((9, 10, 8))
    k = np.multiply.outer(np.multiply.outer(RNG.standard_normal(4), RNG.standard_normal(3)), RNG.standard_normal(6))
    ref = ref3d(x, k, border, (1, 2, 5), value=cval(border, 2.0))
    for method in METHODS:
        out = filter3d(x, k, border=border, anchor=(1, 2, 5), value=cval(border, 2.0), method=method)
        np.testing.assert_allclose(out, ref, rtol=0, atol=1e-13 * scale(k, x))


# ------------------------------------------------------------------ float32, integer dtypes


@pytest.mark.parametrize("border", BORDERS)
@pytest.mark.parametrize("kshape", [(3, 3, 3), (4, 5, 6), (5, 5, 5), (7, 1, 9)])
def test_filter3d_float32_within_parity_bound(border, kshape):
    x = RNG.random((10, 9, 11)).astype(np.float32)
    k = RNG.standard_normal(kshape)
    ref = ref3d(x.astype(np.float64), k.astype(np.float32).astype(np.float64), border)
    for method in ("auto", "direct", "fft"):
        out = filter3d(x, k, border=border, method=method)
        assert out.dtype == np.float32
        np.testing.assert_allclose(out, ref, rtol=0, atol=tol32(k, x))


def test_gaussian_float32_auto_separable_within_bound():
    x = RNG.random((24, 20, 22)).astype(np.float32)
    k = kernels.gaussian_nd(None, (1.5, 2.0, 1.0), ndim=3)
    ref = ndi.gaussian_filter(x.astype(np.float64), (1.5, 2.0, 1.0), mode="mirror")
    for method in ("auto", "separable", "direct"):
        np.testing.assert_allclose(filter3d(x, k, method=method), ref, rtol=0, atol=tol32(k, x))


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.int16])
def test_integer_volumes_round_half_even_and_saturate(dtype):
    # Dyadic weights: float32 sums are exact, so the float64 reference rounded half to even is the answer.
    info = np.iinfo(dtype)
    x = RNG.integers(info.min, info.max, size=(6, 7, 8), endpoint=True).astype(dtype)
    k = RNG.integers(-8, 9, size=(3, 2, 3)) / 8.0
    for border in BORDERS:
        ref = np.clip(
            np.rint(ref3d(x.astype(np.float64), k, border, value=cval(border, 3.0))), info.min, info.max
        ).astype(dtype)
        out = filter3d(x, k, border=border, value=cval(border, 3.0))
        assert out.dtype == dtype
        np.testing.assert_array_equal(out, ref)
    box = kernels.box_nd(2, ndim=1)  # (a + b) / 2: exact halves, rounded to even
    s = np.array([1, 2, 3, 4, 250, 255], dtype=np.uint8)
    np.testing.assert_array_equal(
        filter1d(s, box, border="replicate"), np.rint(ref1d(s.astype(float), box, "replicate"))
    )


def test_out_dtype():
    x = RNG.random((5, 6, 7)).astype(np.float32) * 300
    k = np.ones((1, 1, 1))
    np.testing.assert_array_equal(filter3d(x, k, out_dtype=np.uint8), np.clip(np.rint(x), 0, 255).astype(np.uint8))
    assert filter3d(x, k, out_dtype=np.float64).dtype == np.float64
    assert filter1d(torch.rand(9), [1.0], out_dtype=torch.float64).dtype == torch.float64


# ------------------------------------------------------------------ layouts


def test_numpy_channels_and_bank_layout():
    x = RNG.random((6, 7, 5, 3))  # (D, H, W, C)
    bank = RNG.standard_normal((4, 3, 2, 3))
    out = filter3d(x, bank, border="wrap")
    assert out.shape == (6, 7, 5, 12)
    for c in range(3):
        for n in range(4):
            np.testing.assert_allclose(out[..., c * 4 + n], ref3d(x[..., c], bank[n], "wrap"), atol=1e-12)
    single = filter3d(x, bank[1])
    assert single.shape == x.shape
    np.testing.assert_allclose(single[..., 2], ref3d(x[..., 2], bank[1], "reflect101"), atol=1e-12)
    assert filter3d(x[..., 0], bank).shape == (6, 7, 5, 4)
    sig = RNG.random((30, 2))
    out1 = filter1d(sig, RNG.standard_normal((3, 5)))
    assert out1.shape == (30, 6)
    assert filter1d(sig[:, 0], np.ones((3, 5))).shape == (30, 3)


def test_torch_layouts_and_leading_axes():
    x = torch.rand(2, 3, 5, 6, 7, dtype=torch.float64)  # (B, C, D, H, W)
    bank = torch.randn(4, 3, 3, 2, dtype=torch.float64)
    y = filter3d(x, bank, border="symmetric")
    assert y.shape == (2, 12, 5, 6, 7)
    ref = ref3d(x[1, 2].numpy(), bank[3].numpy(), "symmetric")
    np.testing.assert_allclose(y[1, 2 * 4 + 3].numpy(), ref, atol=1e-12)
    assert filter3d(x[0, 0], bank).shape == (4, 5, 6, 7)
    assert filter3d(x, bank[0]).shape == x.shape
    s = torch.rand(2, 3, 40, dtype=torch.float64)
    assert filter1d(s, torch.randn(5, 7, dtype=torch.float64)).shape == (2, 15, 40)
    np.testing.assert_allclose(
        filter1d(s, torch.ones(4, dtype=torch.float64), anchor=3)[1, 2].numpy(),
        ref1d(s[1, 2].numpy(), np.ones(4), "reflect101", 3),
        atol=1e-12,
    )


def test_filterbank_input():
    bank = FilterBank.from_specs(
        [{"family": "gaussian_nd", "ksize": 5, "sigma": 1.0, "ndim": 3}, {"family": "sobel_nd", "ndim": 3, "axis": 2}]
    )
    x = RNG.random((8, 9, 10))
    out = filter3d(x, bank, border="replicate")
    np.testing.assert_allclose(out[..., 1], ndi.sobel(x, 2, mode="nearest"), atol=1e-12)
    np.testing.assert_allclose(out[..., 0], ndi.gaussian_filter(x, 1.0, mode="nearest", radius=2), atol=1e-12)
    b1 = FilterBank(np.stack([kernels.gaussian_nd(None, 1.0, o, ndim=1) for o in range(3)]), ndim=1)
    sig = RNG.random(25)
    for o in range(3):
        np.testing.assert_allclose(
            filter1d(sig, b1)[:, o], ndi.gaussian_filter1d(sig, 1.0, order=o, mode="mirror"), atol=1e-12
        )


# ------------------------------------------------------------------ properties, gradients


@settings(max_examples=30, deadline=None)
@given(
    vshape=st.tuples(*[st.integers(1, 7)] * 3),
    kshape=st.tuples(*[st.integers(1, 9)] * 3),
    border=st.sampled_from(BORDERS),
    seed=st.integers(0, 2**16),
    method=st.sampled_from(("direct", "fft")),
)
def test_property_any_shape_equals_scipy(vshape, kshape, border, seed, method):
    rng = np.random.default_rng(seed)
    x = rng.random(vshape)
    k = rng.standard_normal(kshape)
    anchor = tuple(int(rng.integers(0, s)) for s in kshape)
    out = filter3d(x, k, border=border, anchor=anchor, value=cval(border, 0.5), method=method)
    np.testing.assert_allclose(out, ref3d(x, k, border, anchor, 0.5), rtol=0, atol=1e-12 * scale(k, x))


@settings(max_examples=30, deadline=None)
@given(n=st.integers(1, 30), klen=st.integers(1, 40), border=st.sampled_from(BORDERS), seed=st.integers(0, 2**16))
def test_property_1d_linear_and_equal_to_scipy(n, klen, border, seed):
    rng = np.random.default_rng(seed)
    x, y = rng.random(n), rng.random(n)
    k = rng.standard_normal(klen)
    a = int(rng.integers(0, klen))
    fx = filter1d(x, k, border=border, anchor=a)
    np.testing.assert_allclose(fx, ref1d(x, k, border, a), rtol=0, atol=1e-12 * scale(k, x))
    if border != "constant":  # linear in the signal (constant pads with a value, which is affine)
        np.testing.assert_allclose(
            filter1d(2 * x - y, k, border=border, anchor=a),
            2 * fx - filter1d(y, k, border=border, anchor=a),
            atol=1e-11,
        )


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("border", ["reflect101", "symmetric", "constant", "wrap"])
def test_gradcheck_float64(method, border):
    x = torch.rand(1, 2, 4, 5, 3, dtype=torch.float64, requires_grad=True)
    k = torch.randn(2, 3, 2, 3, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda a, b: filter3d(a, b, border=border, anchor=(0, 1, 2), method=method), (x, k))
    s = torch.rand(2, 9, dtype=torch.float64, requires_grad=True)
    k1 = torch.randn(3, 4, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda a, b: filter1d(a, b, border=border, method=method), (s, k1))


# ------------------------------------------------------------------ errors


def test_errors():
    x = np.zeros((4, 4, 4))
    with pytest.raises(
        ShapeError, match=r"`kernel` must be \(kd, kh, kw\) or a bank \(N, kd, kh, kw\).*got shape \(3, 3\)"
    ):
        filter3d(x, np.ones((3, 3)))
    with pytest.raises(ShapeError, match=r"`kernel` must be \(k,\) or a bank \(N, k\).*got shape \(1, 1, 3\)"):
        filter1d(np.zeros(5), np.ones((1, 1, 3)))
    with pytest.raises(
        ShapeError, match=r"`volume` as numpy must be \(D, H, W\) or \(D, H, W, C\); got shape \(4, 4\)"
    ):
        filter3d(np.zeros((4, 4)), np.ones((3, 3, 3)))
    with pytest.raises(DTypeError, match=r"`signal` dtype must be one of uint8.*got int32"):
        filter1d(np.zeros(5, dtype=np.int32), [1.0])
    with pytest.raises(ParameterError, match=r"`kernel` must contain only finite values; got nan"):
        filter3d(x, np.full((1, 1, 1), np.nan))
    with pytest.raises(BorderError, match=r"ambiguous"):
        filter1d(np.zeros(5), [1.0], border="reflect")
    with pytest.raises(UnknownNameError, match=r"`method` must be one of.*got 'lowrank'"):
        filter3d(x, np.ones((3, 3, 3)), method="lowrank")
    with pytest.raises(ParameterError, match=r"`method` 'separable' needs rank-1 kernels"):
        filter3d(x, RNG.standard_normal((3, 3, 3)), method="separable")
    with pytest.raises(ParameterError, match=r"`anchor` must lie inside the kernel"):
        filter3d(x, np.ones((3, 3, 3)), anchor=(0, 3, 0))
    with pytest.raises(DTypeError, match=r"`out_dtype` must be a floating, uint8 or int16 torch dtype"):
        filter3d(torch.zeros(4, 4, 4), np.ones((1, 1, 1)), out_dtype=np.float32)


# ------------------------------------------------------------------ CUDA


@pytest.mark.cuda
@pytest.mark.parametrize("border", BORDERS)
def test_cuda_equals_scipy(border):
    x = RNG.random((2, 9, 10, 11)).astype(np.float32)
    k = kernels.gaussian_nd((5, 7, 3), (1.0, 1.5, 0.7), (0, 1, 0))
    bank = np.stack([k, RNG.standard_normal((5, 7, 3))])
    y = filter3d(torch.from_numpy(x).cuda(), bank, border=border, anchor=(1, 3, 2)).cpu().numpy()
    for c in range(2):
        for n in range(2):
            ref = ref3d(x[c].astype(np.float64), bank[n].astype(np.float32).astype(np.float64), border, (1, 3, 2))
            np.testing.assert_allclose(y[c * 2 + n], ref, rtol=0, atol=tol32(bank[n], x))
    for method in METHODS:
        s = torch.rand(3, 50, device="cuda", dtype=torch.float64)
        np.testing.assert_allclose(
            filter1d(s, kernels.gaussian_nd(None, 2.0, 1, ndim=1), border=border, method=method).cpu().numpy(),
            ndi.gaussian_filter1d(s.cpu().numpy(), 2.0, order=1, mode=to_scipy(border)),
            atol=1e-12,
        )
