"""Issue 10, item 4: a non-finite input pixel reaches at most the outputs whose window covers it.

The rule, for every method and for ``FilterConv2d`` as for ``filter2d``: output pixel
``(i, j)`` of image ``b`` can be non-finite only if the kernel window placed at
``(i, j)`` (the full ``kh x kw`` rectangle at the anchor, on the padded image, so border
copies of a pixel count) covers a non-finite pixel of image ``b``; and it is non-finite
wherever the window covers one with a non-zero tap. The expected masks below are written
out from that rule (a padded mask and a sliding window), and OpenCV's direct path
(float32, under 130 taps), which skips zero taps, gives exactly the lower bound.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import torch

from filterbank import FilterConv2d, filter2d, kernels

from ._helpers import direct

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")

METHODS = ["auto", "direct", "separable", "lowrank", "fft"]
# Before the fix these failed: the Toeplitz-GEMM passes of separable / lowrank (factors longer
# than 8 taps: gauss9, gabor13) and the FFT (every kind). Direct and the shifted sums were right.


def _cases(kinds, borders) -> list:
    cases = []
    for border in borders:
        for kind in kinds:
            for method in METHODS:
                if method == "separable" and kind == "gabor13":
                    continue  # Gabor kernels are not rank 1: 'separable' refuses them
                cases.append(pytest.param(method, kind, border, id=f"{border}-{kind}-{method}"))
    return cases


_NP_BORDER = {"reflect101": "reflect", "symmetric": "symmetric", "replicate": "edge", "wrap": "wrap"}


def _cover(bad: np.ndarray, taps: np.ndarray, border: str, anchor: tuple[int, int]) -> np.ndarray:
    """(H, W) mask: outputs whose window (restricted to ``taps``) covers a True pixel of ``bad``."""
    kh, kw = taps.shape
    ar, ac = anchor
    pad = ((ar, kh - 1 - ar), (ac, kw - 1 - ac))
    if border == "constant":
        padded = np.pad(bad, pad, mode="constant", constant_values=False)
    else:
        padded = np.pad(bad, pad, mode=_NP_BORDER[border])
    h, w = bad.shape
    out = np.zeros((h, w), dtype=bool)
    for r, c in zip(*np.nonzero(taps), strict=True):
        out |= padded[r : r + h, c : c + w]
    return out


def _bank(kind: str) -> np.ndarray:
    if kind == "gauss9":  # rank 1, no zero taps: separable and lowrank apply; Toeplitz-GEMM passes (> 8 taps)
        return np.stack([kernels.gaussian(9, s) for s in (1.0, 1.5, 2.0)])
    if kind == "sobel5":  # rank 1 with zero taps: the shifted multiply-add passes (<= 8 taps)
        return np.stack([kernels.sobel(1, 0, 5), kernels.sobel(0, 1, 5)])
    # 13x13 Gabors (169 taps): the FFT is allowed for float32
    return np.stack([kernels.gabor(13, 3.0, t, 6.0, 0.5) for t in (0.0, 0.8)])


def _check(y: np.ndarray, bad: np.ndarray, bank: np.ndarray, border: str) -> None:
    """y (B, C, N, H, W) non-finite mask against the rule, image by image."""
    b, c, n = y.shape[:3]
    for bi in range(b):
        for ci in range(c):
            for ni in range(n):
                k = bank[ni]
                anchor = (k.shape[0] // 2, k.shape[1] // 2)
                got = ~np.isfinite(y[bi, ci, ni])
                upper = _cover(bad[bi, ci], np.ones_like(k, dtype=bool), border, anchor)
                lower = _cover(bad[bi, ci], k != 0, border, anchor)
                assert not (got & ~upper).any(), (bi, ci, ni, int((got & ~upper).sum()))
                assert not (lower & ~got).any(), (bi, ci, ni)


def _batch(rng: np.random.Generator, value: float) -> tuple[np.ndarray, np.ndarray]:
    img = rng.random((4, 3, 48, 40)).astype(np.float32)
    img[0, 0, 20, 17] = value  # interior
    img[2, 1, 1, 38] = value  # next to two borders: its border copies count
    img[2, 2, 47, 0] = -value if np.isinf(value) else value  # a corner
    return img, ~np.isfinite(img)


@pytest.mark.parametrize(
    ("method", "kind", "border"), _cases(["gauss9", "sobel5", "gabor13"], ["reflect101", "constant", "wrap"])
)
def test_filter2d_footprint(method, kind, border) -> None:
    bank = _bank(kind)
    rng = np.random.default_rng(0)
    for value in (np.nan, np.inf):
        img, bad = _batch(rng, value)
        y = filter2d(torch.from_numpy(img), bank, border=border, method=method)
        _check(y.reshape(4, 3, len(bank), 48, 40).numpy(), bad, bank, border)


@pytest.mark.parametrize(("method", "kind", "border"), _cases(["gauss9", "gabor13"], ["reflect101"]))
def test_filterconv2d_footprint(method, kind, border) -> None:
    bank = _bank(kind)
    layer = FilterConv2d(bank, 3, border=border, method=method).eval()
    img, bad = _batch(np.random.default_rng(1), np.nan)
    with torch.no_grad():
        y = layer(torch.from_numpy(img))
    _check(y.reshape(4, 3, len(bank), 48, 40).numpy(), bad, bank, border)


@pytest.mark.parametrize("method", METHODS)
def test_footprint_equals_opencv_direct_path_without_zero_taps(method) -> None:
    """A 9x9 Gaussian (no zero tap, 81 taps: OpenCV sums directly in float32): the NaN masks
    are OpenCV's, pixel for pixel, whatever the method."""
    k = kernels.gaussian(9, 2.0)
    img = np.random.default_rng(2).random((64, 64)).astype(np.float32)
    img[30, 30] = np.nan
    img[0, 5] = np.nan
    ref = cv2.filter2D(img, -1, k, borderType=cv2.BORDER_REFLECT_101)
    got = filter2d(img, k, method=method)
    assert np.array_equal(np.isnan(got), np.isnan(ref))
    assert int(np.isnan(got).sum()) < 4 * 81


@pytest.mark.parametrize("method", ["separable", "lowrank", "fft"])
def test_issue_example(method) -> None:
    """The issue's case: 8 RGB images, a 9x9 Gaussian bank, one NaN: cv2 gives 81 NaN pixels per kernel
    (the Toeplitz passes gave a whole block of NaN, the FFT the whole map)."""
    bank = np.stack([kernels.gaussian(9, s) for s in (1.0, 2.0)])
    img = np.random.default_rng(3).random((8, 3, 64, 64)).astype(np.float32)
    img[5, 1, 32, 32] = np.nan
    y = filter2d(torch.from_numpy(img), bank, method=method)
    assert int(torch.isnan(y).sum()) == 2 * 81
    assert torch.isnan(y).nonzero()[:, 0].unique().tolist() == [5]


def test_finite_results_unchanged_next_to_a_nan_image() -> None:
    """Images of the batch without a non-finite pixel get the same values as when filtered alone."""
    bank = _bank("gabor13")
    img, _ = _batch(np.random.default_rng(4), np.nan)
    x = torch.from_numpy(img)
    for method in ("fft", "lowrank"):
        y = filter2d(x, bank, method=method)
        alone = filter2d(x[1:2], bank, method=method)
        assert torch.isfinite(y[1]).all() and torch.equal(y[1], alone[0])
    layer = FilterConv2d(bank, 3, method="fft").eval()
    with torch.no_grad():
        assert torch.equal(layer(x)[3], layer(x[3:4])[0])
        assert torch.isfinite(direct(x, layer)[3]).all()
