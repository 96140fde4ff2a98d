"""Tests of filterbank.banks.classic: DCT basis, Laws, Kirsch, and the Sobel / Scharr / Prewitt pairs."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import scipy.fft
import scipy.ndimage as ndi
import scipy.signal

from filterbank import banks, filter2d
from tests._vgg_reference import crop


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
    img = crop(20)
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
    img = crop(30)
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
    img = crop(32)
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
