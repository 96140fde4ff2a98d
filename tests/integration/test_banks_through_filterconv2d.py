"""Every classical bank applied through FilterConv2d equals cv2.filter2D, kernel by kernel."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from filterbank import FilterConv2d, banks
from tests._vgg_reference import crop
from tests.conftest import cv2_reference, tolerance

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
    img = crop(64)
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
    img = crop(64).astype(np.float32)
    out = FilterConv2d(bank, 1)(torch.from_numpy(img)[None, None])[0].numpy()
    for n, k in enumerate(bank.kernels):
        ref = cv2_reference(img, k.astype(np.float32), "reflect101")
        assert float(np.abs(out[n] - ref).max()) <= tolerance(k, img, np.float32), bank.names[n]
