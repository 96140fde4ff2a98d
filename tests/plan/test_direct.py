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


@pytest.mark.parametrize("threads", [1, 2])
def test_a_large_shared_bank_runs_in_chunks_with_the_batched_values(monkeypatch, threads: int) -> None:
    """Over CHUNK_ABOVE of output a shared bank runs as several F.conv2d calls (planes grouped, a plane's
    kernels split in chunks of at least MIN_CHANNELS): the same values, bit for bit, as one batched call
    and as cv2.filter2D; under autograd or for a small output it stays one call (grouped kernels run in
    batch chunks: tested below)."""
    import cv2

    import filterbank.plan.direct as d

    torch.manual_seed(3)
    x = torch.rand(5, 1, 40, 40)
    k = torch.randn(1, 40, 5, 5)
    plane = 36 * 36 * 4  # bytes of one output map
    calls: list[tuple[int, int]] = []
    conv = d._CONV[2]
    monkeypatch.setitem(
        d._CONV, 2, lambda a, w, *args, **kw: calls.append((a.shape[0], w.shape[0])) or conv(a, w, *args, **kw)
    )
    before = torch.get_num_threads()
    try:
        torch.set_num_threads(threads)
        ref = conv(x, k.reshape(40, 1, 5, 5)).reshape(5, 1, 40, 36, 36)
        monkeypatch.setattr(d, "CHUNK_ABOVE", 4 * 40 * plane)  # the 5 planes' output is larger
        monkeypatch.setattr(d, "CHUNK_BYTES", 2 * 40 * plane)  # two planes of 40 maps a call
        assert torch.equal(d._direct(x, k), ref)
        assert calls == [(2, 40), (2, 40), (1, 40)]
        calls.clear()
        monkeypatch.setattr(d, "CHUNK_BYTES", 17 * plane)  # a plane's 40 maps in chunks of 17, 17, 6
        assert torch.equal(d._direct(x, k), ref)
        assert calls == [(1, 17), (1, 17), (1, 6)] * 5
        calls.clear()
        monkeypatch.setattr(d, "CHUNK_BYTES", 4 * plane)  # chunks never below MIN_CHANNELS (16)
        assert torch.equal(d._direct(x, k), ref)
        assert calls == [(1, 16), (1, 16), (1, 8)] * 5
        calls.clear()
        assert torch.equal(d._direct(x[:1], k[:, :8]), ref[:1, :, :8])  # one plane of 8 < 16 maps: one call
        assert calls == [(1, 8)]
        calls.clear()
        monkeypatch.setattr(d, "CHUNK_ABOVE", 15 * plane)  # 16 maps (the least a chunk holds) exceed it
        assert torch.equal(d._direct(x, k), ref)
        assert calls == [(5, 40)]
        calls.clear()
        monkeypatch.setattr(d, "CHUNK_ABOVE", 5 * 40 * plane)  # the whole output fits: one call
        assert torch.equal(d._direct(x, k), ref)
        assert calls == [(5, 40)]
        monkeypatch.setattr(d, "CHUNK_ABOVE", 4 * 40 * plane)
        calls.clear()
        kg = k.clone().requires_grad_(True)
        d._direct(x, kg)  # autograd: one batched call
        d._direct(x.expand(5, 2, 40, 40), k.expand(2, 40, 5, 5))  # grouped: one item a call here
        assert calls == [(5, 40)] + [(1, 80)] * 5
        # against OpenCV: the chunked direct sum is cv2.filter2D's, bit for bit (float32, 5x5)
        ks = k[0].numpy()
        y = d._direct(x, k)[:, 0]
        for b in range(5):
            for j in range(0, 40, 13):
                full = cv2.filter2D(x[b, 0].numpy(), -1, ks[j], borderType=cv2.BORDER_CONSTANT)
                assert np.array_equal(y[b, j].numpy(), full[2:-2, 2:-2]), (b, j)
    finally:
        torch.set_num_threads(before)


@pytest.mark.parametrize("threads", [1, 2])
def test_grouped_kernels_with_a_large_output_run_in_batch_chunks_with_the_values_of_one_call(
    monkeypatch, threads: int
) -> None:
    """Per-channel kernels (the layers' inference): over CHUNK_ABOVE the batch runs in chunks of items, bias
    included, bit for bit the values of one grouped F.conv2d; under autograd one call."""
    import torch.nn.functional as F

    import filterbank.plan.direct as d

    torch.manual_seed(5)
    x = torch.rand(5, 3, 30, 30)
    k = torch.randn(3, 4, 5, 5)
    bias = torch.randn(12)
    item = 3 * 4 * 26 * 26 * 4  # bytes of one item's output
    monkeypatch.setattr(d, "CHUNK_ABOVE", 4 * item)
    monkeypatch.setattr(d, "CHUNK_BYTES", 2 * item)
    before = torch.get_num_threads()
    try:
        torch.set_num_threads(threads)
        ref = F.conv2d(x, k.reshape(12, 1, 5, 5), bias, groups=3)
        ref0 = F.conv2d(x, k.reshape(12, 1, 5, 5), groups=3).reshape(5, 3, 4, 26, 26)

        def same(a: torch.Tensor, b: torch.Tensor) -> bool:
            if threads == 1:
                return torch.equal(a, b)
            # two threads: oneDNN divides a grouped call's work by its batch, and one call's values already
            # differ between one and two threads by a few float32 ulps (4.8e-7 measured on values of ~5)
            return torch.allclose(a, b, rtol=0, atol=1e-5 * float(b.abs().max()))

        assert d._batch_chunk(x, k) == 2
        assert same(d.grouped_conv(x, k, bias), ref)
        assert same(d._direct(x, k), ref0)
        monkeypatch.setattr(d, "CHUNK_BYTES", item // 2)  # at least one item a call
        assert d._batch_chunk(x, k) == 1
        assert same(d.grouped_conv(x, k, bias), ref)
        kg = k.clone().requires_grad_(True)
        assert d._batch_chunk(x, kg) is None  # autograd: one call
        assert d._batch_chunk(x[:4], k) is None  # 4 items' output is within CHUNK_ABOVE
    finally:
        torch.set_num_threads(before)
