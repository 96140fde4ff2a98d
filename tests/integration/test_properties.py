"""Property tests: random kernels, sizes, anchors and borders against cv2.filter2D."""

from __future__ import annotations

import numpy as np
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from filterbank import FilterConv2d, filter2d
from filterbank.borders import BORDERS
from tests.conftest import cv2_reference, tolerance


@st.composite
def problems(draw):
    kh, kw = draw(st.integers(1, 9)), draw(st.integers(1, 9))
    h, w = draw(st.integers(1, 20)), draw(st.integers(1, 20))
    channels = draw(st.sampled_from([0, 1, 3]))  # 0 = a 2-D image
    anchor = draw(st.none() | st.tuples(st.integers(0, kh - 1), st.integers(0, kw - 1)))
    border = draw(st.sampled_from(BORDERS))
    value = draw(st.sampled_from([0.0, -1.5, 3.0])) if border == "constant" else 0.0
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    shape = (h, w) if channels == 0 else (h, w, channels)
    img = rng.uniform(-1, 1, size=shape)
    k = rng.normal(size=(kh, kw))
    return img, k, anchor, border, value


@settings(max_examples=150, deadline=None)
@given(problems())
def test_random_problems_equal_opencv(problem) -> None:
    img, k, anchor, border, value = problem
    ref = cv2_reference(img, k, border, anchor=anchor, value=value)
    out = filter2d(img, k, border=border, anchor=anchor, value=value)
    assert out.shape == ref.shape
    assert np.abs(out - ref).max() <= tolerance(k, img, np.float64)


@settings(max_examples=60, deadline=None)
@given(problems(), st.integers(1, 4))
def test_random_banks_equal_kernel_by_kernel_and_layer(problem, n: int) -> None:
    img, k, anchor, border, value = problem
    rng = np.random.default_rng(n)
    bank = np.stack([k] + [rng.normal(size=k.shape) for _ in range(n - 1)])
    out = filter2d(img.astype(np.float32), bank, border=border, anchor=anchor, value=value)
    img3 = img if img.ndim == 3 else img[..., None]
    c = img3.shape[2]
    for ci in range(c):
        for ni in range(n):
            ref = cv2_reference(img3[..., ci].astype(np.float32), bank[ni], border, anchor=anchor, value=value)
            assert np.abs(out[..., ci * n + ni] - ref).max() <= tolerance(bank[ni], img, np.float32)
    layer = FilterConv2d(bank, c, border=border, anchor=anchor, value=value, dtype=torch.float64)
    x = torch.from_numpy(img3).permute(2, 0, 1)[None]
    y = layer(x)[0].permute(1, 2, 0).detach().numpy()
    np.testing.assert_allclose(y, filter2d(img3, bank, border=border, anchor=anchor, value=value), rtol=0, atol=1e-12)
