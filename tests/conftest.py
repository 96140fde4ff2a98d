"""Shared fixtures: the image set, references from OpenCV, and the CUDA policy.

CUDA policy: tests marked ``cuda`` run with TF32 off. Where no GPU is present they
skip, unless ``FILTERBANK_REQUIRE_CUDA=1`` is set, in which case they fail: a run
that was asked to check CUDA can never pass without having done so.
"""

from __future__ import annotations

import os

import cv2
import numpy as np
import pytest
import torch

from filterbank import exact_fp32
from filterbank.images import default_image_dir, load_images


@pytest.fixture(autouse=True)
def _cuda_policy(request):
    if request.node.get_closest_marker("cuda") is None:
        yield
        return
    if not torch.cuda.is_available():
        if os.environ.get("FILTERBANK_REQUIRE_CUDA") == "1":
            pytest.fail("FILTERBANK_REQUIRE_CUDA=1 but torch.cuda.is_available() is False")
        pytest.skip("no CUDA device")
    with exact_fp32("cuda"):
        yield


_IMAGES = dict(load_images(default_image_dir()))


@pytest.fixture(scope="session")
def images() -> dict[str, np.ndarray]:
    """Every image in images/, uint8, (H, W) or (H, W, 3)."""
    return _IMAGES


def cv2_reference(img: np.ndarray, kernel: np.ndarray, border: str, *, anchor=None, value=0.0, ddepth=-1):
    """``cv2.filter2D`` as the reference, with the two borders it lacks built from cv2 too.

    ``wrap`` (refused by filter2D in OpenCV 5) and ``constant`` with a non-zero value
    are made with ``cv2.copyMakeBorder`` followed by ``cv2.filter2D`` on the padded
    image and a crop of the valid region.
    """
    kh, kw = kernel.shape
    ar, ac = (kh // 2, kw // 2) if anchor is None else anchor
    out = _cv2_filter(img, kernel, border, ar, ac, value, ddepth)
    # cv2 returns (H, W) for an (H, W, 1) input; filterbank keeps the shape it was given.
    return out[..., None] if img.ndim == 3 and out.ndim == 2 else out


def _cv2_filter(img, kernel, border, ar, ac, value, ddepth):
    kh, kw = kernel.shape
    codes = {
        "reflect101": cv2.BORDER_REFLECT_101,
        "symmetric": cv2.BORDER_REFLECT,
        "replicate": cv2.BORDER_REPLICATE,
        "constant": cv2.BORDER_CONSTANT,
        "wrap": cv2.BORDER_WRAP,
    }
    if border == "wrap" or (border == "constant" and value != 0):
        top, bottom, left, right = ar, kh - 1 - ar, ac, kw - 1 - ac
        padded = cv2.copyMakeBorder(img, top, bottom, left, right, codes[border], value=[value] * 4)
        out = cv2.filter2D(padded, ddepth, kernel, anchor=(ac, ar), borderType=cv2.BORDER_CONSTANT)
        h, w = img.shape[:2]
        return out[top : top + h, left : left + w]
    return cv2.filter2D(img, ddepth, kernel, anchor=(ac, ar), borderType=codes[border])


def tolerance(kernel: np.ndarray, img: np.ndarray, dtype) -> float:
    """The parity bound against cv2.filter2D for one kernel and image.

    float64: 1e-13 * sum|k| * max|img|. OpenCV's float64 path switches to a DFT from
    50 taps; measured differences are ~1e-16 of that scale.
    float32: 1e-6 * sum|k| * max|img| below 130 taps (direct sums in a different
    order: measured up to 1.3e-7 of the scale), 1e-5 of it from 130 taps, where
    OpenCV uses a DFT (measured 8.6e-6 at 12x12, 4.2e-5 at 31x31 absolute on [0,1]).
    uint8: exact below 130 taps; from 130 taps OpenCV's DFT result may round the
    other way at .5 ties, so one grey level.
    """
    dtype = np.dtype(dtype)
    scale = float(np.abs(kernel).sum() * max(np.abs(img.astype(np.float64)).max(), 1.0))
    big = kernel.size >= 130
    if dtype == np.float64:
        return 1e-13 * scale
    if dtype == np.float32:
        return (1e-5 if big else 1e-6) * scale
    return 1.0 if big else 0.0
