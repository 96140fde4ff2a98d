"""plan.execute: every method against cv2.filter2D (through filter2d), gradients, the grouped layout, method names."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from filterbank import filter2d, kernels, plan
from filterbank.borders import BORDERS
from tests.conftest import _IMAGES, cv2_reference, tolerance

RNG = np.random.default_rng(5)
METHODS = ["direct", "separable", "lowrank", "fft"]

# (label, bank (N, kh, kw), rank-1?): odd, even, non-square, large (DFT-path) sizes
BANKS = [
    (
        "sobel_scharr",
        np.stack([kernels.sobel(1, 0, 3), kernels.sobel(0, 1, 3), kernels.scharr(1, 0), kernels.scharr(0, 1)]),
        True,
    ),
    ("gaussian_even_4", kernels.gaussian(4, 1.0)[None], True),
    ("gaussian_rect_5x9", kernels.gaussian((5, 9), 2.0, 1.0)[None], True),
    ("gaussian_large_25", kernels.gaussian(25, 4.0)[None], True),
    ("box_rect_2x6", kernels.box((2, 6))[None], True),
    ("random_6x4", RNG.normal(size=(3, 6, 4)), False),
    ("gabor_rect_9x15", np.stack([kernels.gabor((9, 15), 3.0, t, 8.0, 0.5) for t in (0.0, 0.7, 1.4)]), False),
    (
        "gauss_deriv_13",
        np.stack([kernels.gaussian_derivative(13, 2.0, 1, 0, theta=t) for t in (0.0, 0.5, 1.0, 1.5)]),
        False,
    ),
]


def _crop(dtype: str) -> np.ndarray:
    img = _IMAGES["astronaut"][40:100, 60:131]  # 60 x 71 x 3
    return (img / 255.0).astype(dtype)


def _bank_reference(img: np.ndarray, bank: np.ndarray, border: str, anchor=None) -> list[np.ndarray]:
    return [cv2_reference(img, k, border, anchor=anchor) for k in bank]


def _split(out: np.ndarray, n: int, c: int) -> list[np.ndarray]:
    """filter2d's channels-last (H, W, C*N) output -> per kernel (H, W, C)."""
    return [out[..., [ci * n + i for ci in range(c)]] for i in range(n)]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("border", BORDERS)
@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("case", range(len(BANKS)), ids=[b[0] for b in BANKS])
def test_method_equals_cv2(case: int, method: str, border: str, dtype: str) -> None:
    label, bank, rank1 = BANKS[case]
    if method == "separable" and not rank1:
        with pytest.raises(ValueError, match="rank-1"):
            filter2d(_crop(dtype), bank, border=border, method=method)
        return
    img = _crop(dtype)
    n, kh, _ = bank.shape
    anchors = [None, (kh - 1, 0)]
    for anchor in anchors:
        out = filter2d(img, bank, border=border, anchor=anchor, method=method)
        assert out.dtype == img.dtype and out.shape == (*img.shape[:2], 3 * n)
        for k, ref, got in zip(bank, _bank_reference(img, bank, border, anchor), _split(out, n, 3), strict=True):
            err = np.abs(got.astype(np.float64) - ref).max()
            tol = tolerance(k, img, dtype)
            assert err <= tol, f"{label} {method} {border} {dtype} anchor={anchor}: {err:.3g} > {tol:.3g}"


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("border", BORDERS)
def test_kernel_larger_than_image(method: str, border: str) -> None:
    img = (_IMAGES["camera"][100:109, 120:133] / 255.0).astype(np.float64)  # 9 x 13
    k = kernels.gaussian((15, 21), 3.0, 5.0) if method == "separable" else RNG.normal(size=(15, 21))
    out = filter2d(img, k, border=border, method=method)
    ref = cv2_reference(img, k, border)
    assert np.abs(out - ref).max() <= tolerance(k, img, np.float64)


@pytest.mark.parametrize("method", METHODS)
def test_gradients(method: str) -> None:
    """gradcheck through every method, for the image and for a trainable bank (tiny float64)."""
    torch.manual_seed(0)
    x = torch.rand(2, 1, 7, 8, dtype=torch.float64, requires_grad=True)
    if method == "separable":
        base = torch.from_numpy(
            np.stack([kernels.gaussian((3, 4), 1.0, 0.8), np.outer([1.0, 2.0, 1.0], [-1.0, 0, 1, 2])])
        )
    else:
        base = torch.rand(2, 3, 4, dtype=torch.float64)
    k = base.clone().requires_grad_(True)
    f = lambda x_, k_: plan.correlate_valid(x_, k_, method=method)  # noqa: E731
    assert torch.autograd.gradcheck(f, (x, k))
    # grouped layer layout (FilterConv2d): per-channel kernels, with a bias
    xg = torch.rand(1, 2, 6, 7, dtype=torch.float64, requires_grad=True)
    w = torch.rand(6, 1, 3, 3, dtype=torch.float64, requires_grad=True)
    bias = torch.rand(6, dtype=torch.float64, requires_grad=True)
    g = lambda x_, w_, b_: plan.conv_forward(x_, w_, 2, "separable" if method == "separable" else method, b_)  # noqa: E731
    assert torch.autograd.gradcheck(g, (xg, w, bias))


@pytest.mark.parametrize("method", [*METHODS, "auto"])
def test_conv_forward_equals_grouped_conv(method: str) -> None:
    torch.manual_seed(1)
    x = torch.rand(2, 3, 20, 22)
    w = torch.rand(3 * 4, 1, 5, 5)
    if method == "separable":
        g1 = torch.rand(12, 5, 1)
        w = (g1 @ torch.rand(12, 1, 5)).unsqueeze(1)
    ref = torch.nn.functional.conv2d(x, w, None, groups=3)
    out = plan.conv_forward(x, w, 3, method)
    assert torch.allclose(out, ref, atol=2e-5 * float(w.abs().sum((1, 2, 3)).max()))


def test_unknown_method() -> None:
    with pytest.raises(ValueError, match="method"):
        filter2d(np.zeros((5, 5), np.float32), np.ones((3, 3)), method="winograd")
    with pytest.raises(ValueError, match="method"):
        plan.correlate_valid(torch.zeros(1, 1, 5, 5), torch.ones(1, 3, 3), method="nope")
