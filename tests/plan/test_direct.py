"""plan.direct: one F.conv2d over every (image, group) with every kernel, against scipy's correlation."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy import ndimage

from filterbank.plan.direct import _direct


@pytest.mark.parametrize("groups", [1, 3])
def test_direct_equals_scipy_correlate(groups: int) -> None:
    rng = np.random.default_rng(3)
    m, n, hp, wp, kh, kw = 2, 4, 11, 13, 4, 3  # even, non-square kernels
    x = rng.normal(size=(m, groups, hp, wp))
    k = rng.normal(size=(groups, n, kh, kw))
    out = _direct(torch.from_numpy(x), torch.from_numpy(k)).numpy()
    assert out.shape == (m, groups, n, hp - kh + 1, wp - kw + 1)
    for i in range(m):
        for g in range(groups):
            for j in range(n):
                # scipy's 'valid' part of a correlation: the window starting at (r, c) times the kernel
                full = ndimage.correlate(x[i, g], k[g, j], mode="constant", origin=(-(kh // 2), -(kw // 2)))
                ref = full[: hp - kh + 1, : wp - kw + 1]
                np.testing.assert_allclose(out[i, g, j], ref, rtol=0, atol=1e-12)
