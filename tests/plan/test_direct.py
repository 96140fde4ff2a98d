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


def test_one_thread_cpu_bank_runs_plane_by_plane_with_the_batched_values() -> None:
    """On one thread a shared bank over a CPU batch runs one F.conv2d per plane: the same values, bit for bit,
    as the batched call; with two threads, under autograd, or for small planes it stays one call."""
    import filterbank.plan.direct as d

    torch.manual_seed(3)
    x = torch.rand(5, 1, 70, 70)
    k = torch.randn(1, 16, 5, 5)
    calls: list[int] = []
    conv = d._CONV[2]
    before = torch.get_num_threads()
    try:
        d._CONV[2] = lambda a, w, **kw: calls.append(a.shape[0]) or conv(a, w, **kw)
        torch.set_num_threads(1)
        with torch.no_grad():
            y = d._direct(x, k)
        assert calls == [1] * 5  # plane by plane
        assert torch.equal(y, conv(x, k.reshape(16, 1, 5, 5)).reshape(5, 1, 16, 66, 66))
        calls.clear()
        kg = k.clone().requires_grad_(True)
        d._direct(x, kg)  # autograd: one batched call
        assert calls == [5]
        calls.clear()
        d._direct(x[:, :, :10, :10], k)  # 16 x 6 x 6 outputs a plane: below PER_PLANE_MIN
        assert calls == [5]
        calls.clear()
        torch.set_num_threads(2)
        with torch.no_grad():
            d._direct(x, k)  # two threads: one batched call
        assert calls == [5]
    finally:
        d._CONV[2] = conv
        torch.set_num_threads(before)
