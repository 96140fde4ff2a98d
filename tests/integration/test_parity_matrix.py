"""Parity with cv2.filter2D on real images: every family x border x size class x dtype x path.

The reference is always OpenCV (``cv2.filter2D``; ``cv2.copyMakeBorder`` + ``filter2D``
for ``wrap`` and non-zero constants). Paths: ``filter2d`` on numpy, ``filter2d`` on a
torch tensor, ``FilterConv2d``, and a plain ``nn.Conv2d`` after ``inject``.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from filterbank import FilterConv2d, filter2d, inject, kernels
from filterbank.borders import BORDERS, pad, padding_for
from tests.conftest import _IMAGES, cv2_reference, tolerance

RNG = np.random.default_rng(20261129)

# (label, kernel): every catalog family, odd / even / non-square / large (DFT path) sizes.
CASES = [
    ("gaussian_5", kernels.gaussian(5, 1.2)),
    ("gaussian_even_4", kernels.gaussian(4, 1.0)),
    ("gaussian_rect_3x7", kernels.gaussian((3, 7), 2.0, 0.8)),
    ("gaussian_table_7", kernels.gaussian(7)),
    ("gaussian_large_25", kernels.gaussian(25, 4.0)),
    ("sobel_dx1_k3", kernels.sobel(1, 0, 3)),
    ("sobel_dy2_k5", kernels.sobel(0, 2, 5)),
    ("sobel_dx1dy1_k7_norm", kernels.sobel(1, 1, 7, normalize=True)),
    ("sobel_dx1_k1", kernels.sobel(1, 0, 1)),
    ("sobel_dy1_k31_norm", kernels.sobel(0, 1, 31, normalize=True)),
    ("scharr_dx", kernels.scharr(1, 0)),
    ("scharr_dy_norm", kernels.scharr(0, 1, normalize=True)),
    ("prewitt_dy", kernels.prewitt(0, 1)),
    ("laplacian_1", kernels.laplacian(1)),
    ("laplacian_3", kernels.laplacian(3)),
    ("laplacian_5", kernels.laplacian(5)),
    ("laplacian_7", kernels.laplacian(7)),
    ("log_9", kernels.log(9, 1.4)),
    ("log_rect_7x13", kernels.log((7, 13), 1.5)),
    ("dog_default", kernels.dog(None, 1.0, 2.0)),
    ("gabor_11", kernels.gabor(11, 2.5, np.pi / 6, 6.0, 0.7, 0.0)),
    ("gabor_rect_9x21", kernels.gabor((9, 21), 3.0, 2.0, 8.0, 0.5)),
    ("gabor_large_31", kernels.gabor(31, 6.0, 1.0, 12.0, 0.6)),
    ("gaussian_derivative_rot", kernels.gaussian_derivative(9, 1.5, 1, 0, theta=0.6)),
    ("gaussian_derivative_dxy", kernels.gaussian_derivative((11, 7), 1.3, 1, 1, sigma_y=1.0)),
    ("box_even_4", kernels.box(4)),
    ("box_2x6_raw", kernels.box((2, 6), normalize=False)),
    ("box_rect_5x3", kernels.box((5, 3))),
    ("random_even_6x4", RNG.normal(size=(6, 4))),
    ("random_odd_1x5", RNG.normal(size=(1, 5))),
]
PHOTOS = ["astronaut", "camera", "coffee", "chelsea"]
PATTERNS = ["zoneplate", "steps", "grating", "checkerboard"]
DTYPES = ["float32", "float64", "uint8"]
PATHS = ["filter2d", "filter2d_torch", "FilterConv2d", "inject"]
# On the CPU every path runs each engine with the method forced, so that ``auto`` routing to the OpenCV
# engine never leaves the torch engine untested: "direct" (the torch sum; separable / lowrank / fft are
# forced in tests/plan/test_execute.py) and "opencv" (cv2.filter2D itself). ``inject`` is a plain nn.Conv2d.
CPU_PATHS = [
    pytest.param(path, method, id=f"{path}-{method}") for path in PATHS[:3] for method in ("direct", "opencv")
] + [pytest.param("inject", "auto", id="inject")]


def _test_images(case_index: int) -> list[np.ndarray]:
    """A 128 x 144 crop of one photograph and one synthetic pattern, rotating with the case.

    Crops keep the matrix fast; whole images are checked by ``filterbank verify``.
    """
    photo = _IMAGES[PHOTOS[case_index % len(PHOTOS)]][20:148, 30:174]
    return [photo, _IMAGES[PATTERNS[case_index % len(PATTERNS)]][:128, :144]]


def _as_dtype(img: np.ndarray, dtype: str) -> np.ndarray:
    if dtype == "uint8":
        return img
    return (img / 255.0).astype(dtype)


def _run(
    path: str, img: np.ndarray, k: np.ndarray, border: str, device: str = "cpu", method: str = "auto", **kw
) -> np.ndarray:
    """Apply one kernel through one path on ``device``; returns a numpy array shaped like ``img``, img's dtype."""
    if path == "filter2d":
        assert device == "cpu", "numpy input runs on the CPU"
        return filter2d(img, k, border=border, method=method, **kw)
    chw = torch.from_numpy(img).unsqueeze(-1) if img.ndim == 2 else torch.from_numpy(img)
    chw = chw.permute(2, 0, 1).to(device)
    c = chw.shape[0]
    if path == "filter2d_torch":
        out = filter2d(chw, k, border=border, method=method, **kw)
    else:
        # nn layers compute in floating point: uint8 images go in as float32 values
        # and come out rounded half to even and saturated, as cv2 does.
        fdtype = torch.float64 if img.dtype == np.float64 else torch.float32
        x = chw.unsqueeze(0).to(fdtype)
        if path == "FilterConv2d":
            layer = FilterConv2d(k, in_channels=c, border=border, dtype=fdtype, device=device, method=method, **kw)
            out = layer(x)[0]
        else:
            conv = torch.nn.Conv2d(c, c, k.shape, groups=c, padding=0, bias=True, dtype=fdtype, device=device)
            inject(conv, k)
            xp = pad(x, padding_for(k.shape, kw.get("anchor")), border, kw.get("value", 0.0))
            out = conv(xp)[0]
        out = out.detach()
        if img.dtype == np.uint8:
            out = torch.round(out).clamp(0, 255).to(torch.uint8)
    out = out.permute(1, 2, 0).cpu().numpy()
    return out[..., 0] if img.ndim == 2 else out


def _check_case(case: int, border: str, dtype: str, path: str, device: str, method: str = "auto") -> None:
    label, k = CASES[case]
    for base in _test_images(case):
        img = _as_dtype(base, dtype)
        ref = cv2_reference(img, k, border)
        out = _run(path, img, k, border, device=device, method=method)
        assert out.shape == ref.shape and out.dtype == ref.dtype
        err = np.abs(out.astype(np.float64) - ref.astype(np.float64)).max()
        tol = tolerance(k, img, dtype)
        if method == "opencv" and path == "filter2d":
            tol = 0.0  # the OpenCV engine on a numpy image IS cv2.filter2D
        what = f"{device} {label} {border} {dtype} {path} {method}"
        assert err <= tol, f"{what}: max error {err:.3g} > tolerance {tol:.3g}"


@pytest.mark.parametrize("path, method", CPU_PATHS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("border", BORDERS)
@pytest.mark.parametrize("case", range(len(CASES)), ids=[c[0] for c in CASES])
def test_equals_cv2_filter2d(case: int, border: str, dtype: str, path: str, method: str) -> None:
    _check_case(case, border, dtype, path, "cpu", method)


@pytest.mark.cuda
@pytest.mark.parametrize("path", PATHS[1:])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("border", BORDERS)
@pytest.mark.parametrize("case", range(len(CASES)), ids=[c[0] for c in CASES])
def test_equals_cv2_filter2d_on_cuda(case: int, border: str, dtype: str, path: str) -> None:
    """The same matrix on CUDA (TF32 off, see conftest): torch paths only, OpenCV on the CPU as reference."""
    _check_case(case, border, dtype, path, "cuda")


@pytest.mark.parametrize("path, method", CPU_PATHS)
@pytest.mark.parametrize("border", BORDERS)
@pytest.mark.parametrize("ksize", [(15, 15), (31, 21), (4, 40)])
def test_kernel_larger_than_image(ksize, border: str, path: str, method: str) -> None:
    img = (_IMAGES["astronaut"][100:109, 120:133] / 255.0).astype(np.float64)  # 9 x 13 x 3
    k = RNG.normal(size=ksize)
    ref = cv2_reference(img, k, border)
    out = _run(path, img, k, border, method=method)
    assert np.abs(out - ref).max() <= tolerance(k, img, np.float64)


@pytest.mark.parametrize("path, method", CPU_PATHS)
@pytest.mark.parametrize("border", BORDERS)
@pytest.mark.parametrize("ksize", [(4, 6), (5, 3), (2, 2), (1, 7)])
def test_caller_anchor(ksize, border: str, path: str, method: str) -> None:
    img = (_IMAGES["camera"][60:100, 40:90] / 255.0).astype(np.float64)
    k = RNG.normal(size=ksize)
    corners = {(0, 0), (ksize[0] - 1, ksize[1] - 1), (ksize[0] - 1, 0), (0, ksize[1] // 2)}
    for anchor in sorted(corners):
        ref = cv2_reference(img, k, border, anchor=anchor)
        out = _run(path, img, k, border, anchor=anchor, method=method)
        assert np.abs(out - ref).max() <= tolerance(k, img, np.float64), anchor


@pytest.mark.parametrize("path, method", CPU_PATHS)
def test_constant_border_value(path: str, method: str) -> None:
    img = (_IMAGES["coffee"][:40, :50] / 255.0).astype(np.float32)
    k = kernels.gaussian((5, 9), 2.0, 1.0)
    ref = cv2_reference(img, k, "constant", value=0.75)
    out = _run(path, img, k, "constant", value=0.75, method=method)
    assert np.abs(out - ref).max() <= tolerance(k, img, np.float32)
    assert not np.allclose(out, cv2_reference(img, k, "constant"))  # the value matters


def test_bank_channel_layout_numpy_and_torch() -> None:
    img = _IMAGES["astronaut"][:64, :48]
    bank = np.stack([kernels.sobel(1, 0), kernels.sobel(0, 1), kernels.laplacian(3)])
    f = (img / 255.0).astype(np.float32)
    out = filter2d(f, bank)
    assert out.shape == (64, 48, 9)
    for c in range(3):
        for n in range(3):
            ref = cv2_reference(f[..., c], bank[n], "reflect101")
            assert np.abs(out[..., c * 3 + n] - ref).max() <= tolerance(bank[n], f, np.float32)
    gray = f[..., 0]
    assert filter2d(gray, bank).shape == (64, 48, 3)
    t = torch.from_numpy(f).permute(2, 0, 1)
    assert filter2d(t, bank).shape == (9, 64, 48)
    assert filter2d(t[None].repeat(2, 1, 1, 1), bank).shape == (2, 9, 64, 48)
    assert filter2d(torch.from_numpy(gray), bank).shape == (3, 64, 48)
    np.testing.assert_array_equal(filter2d(t, bank).permute(1, 2, 0).numpy(), out)


def test_uint8_saturates_and_rounds_half_to_even() -> None:
    # Sobel responses on a photo go far outside [0, 255]; cv2 saturates them.
    img = _IMAGES["camera"]
    k = kernels.sobel(1, 0, 5)
    out = filter2d(img, k)
    ref = cv2_reference(img, k, "reflect101")
    np.testing.assert_array_equal(out, ref)
    assert (ref == 0).any() and (ref == 255).any()
    # Exact .5 ties: with the default anchor (0, 1), output j = (x[j-1] + x[j]) / 2, so
    # [1, 2, 3, 4] (replicated) gives 1, 1.5, 2.5, 3.5 -> 1, 2, 2, 4 (half to even).
    ties = np.array([[1, 2, 3, 4]], dtype=np.uint8)
    k2 = np.array([[0.5, 0.5]])
    np.testing.assert_array_equal(filter2d(ties, k2, border="replicate"), cv2_reference(ties, k2, "replicate"))
    np.testing.assert_array_equal(filter2d(ties, k2, border="replicate"), [[1, 2, 2, 4]])


@pytest.mark.parametrize("dtype", [np.uint16, np.int16])
def test_16_bit_images(dtype) -> None:
    img = (_IMAGES["chelsea"].astype(np.int64) * 97 - (12000 if dtype == np.int16 else 0)).astype(dtype)
    for k in (kernels.sobel(1, 0), kernels.gaussian(5, 1.0), kernels.laplacian(3)):
        np.testing.assert_array_equal(filter2d(img, k), cv2_reference(img, k, "reflect101"))


@pytest.mark.parametrize("ddepth, out_dtype", [(5, np.float32), (6, np.float64)])  # cv2.CV_32F, CV_64F
def test_integer_image_to_float_output(ddepth: int, out_dtype) -> None:
    img = _IMAGES["camera"]
    k = kernels.scharr(1, 0)
    ref = cv2_reference(img, k, "reflect101", ddepth=ddepth)
    out = filter2d(img, k, out_dtype=out_dtype)
    assert out.dtype == ref.dtype
    assert np.abs(out - ref).max() <= tolerance(k, img, out_dtype)


def test_torch_keeps_device_dtype_and_gradient() -> None:
    x = torch.rand(2, 3, 20, 24, dtype=torch.float64, requires_grad=True)
    k = torch.randn(5, 4, dtype=torch.float64, requires_grad=True)
    y = filter2d(x, k, border="symmetric")
    assert y.dtype == torch.float64 and y.device == x.device and y.shape == x.shape
    y.square().sum().backward()
    assert x.grad is not None and k.grad is not None
    assert torch.autograd.gradcheck(lambda a, b: filter2d(a, b, border="symmetric"), (x[:1, :1, :6, :7], k))


def test_horizontal_edge_gives_a_line() -> None:
    # Behaviour: a dark-top / bright-bottom step makes Sobel dy respond on the step rows only.
    img = np.zeros((20, 30), np.float32)
    img[10:] = 1.0
    dy = filter2d(img, kernels.sobel(0, 1))
    dx = filter2d(img, kernels.sobel(1, 0))
    assert np.all(dy[9:11] == 4.0) and np.all(dy[:9] == 0) and np.all(dy[11:] == 0)
    assert np.all(dx == 0)
