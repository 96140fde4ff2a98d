"""plan.fft: the spectra cache (hits, invalidation, no caching under autograd) and chunks that bound memory."""

from __future__ import annotations

import torch

from filterbank import plan
from filterbank.plan import fft as plan_fft


def test_spectra_cache_hit_and_invalidation(monkeypatch) -> None:
    plan.clear_cache()
    calls = []
    real = plan_fft._rfft2

    def counting(t, s=None):
        calls.append(tuple(t.shape))
        return real(t, s=s)

    monkeypatch.setattr(plan_fft, "_rfft2", counting)
    x = torch.rand(1, 1, 60, 60)
    k = torch.randn(3, 13, 13)
    y1 = plan.correlate_valid(x, k, method="fft")
    n1 = len(calls)  # kernel spectra + image spectrum
    y2 = plan.correlate_valid(x, k, method="fft")
    assert len(calls) == n1 + 1  # only the image: spectra came from the cache
    assert torch.equal(y1, y2)
    k2 = k.clone()  # a new tensor with the same values hits too
    plan.correlate_valid(x, k2, method="fft")
    assert len(calls) == n1 + 2
    k.mul_(2.0)  # changed in place: must not reuse the stale spectrum
    y3 = plan.correlate_valid(x, k, method="fft")
    assert torch.allclose(y3, 2 * y1, atol=1e-4)
    assert len(calls) == n1 + 4
    k4 = torch.randn(3, 13, 13)  # a new tensor with other values
    y4 = plan.correlate_valid(x, k4, method="fft")
    assert torch.allclose(y4, plan.correlate_valid(x, k4, method="direct"), atol=1e-4)
    # a kernel that requires grad is never cached (its values change every step)
    kg = torch.randn(3, 13, 13, requires_grad=True)
    before = len(plan._CACHE)
    plan.correlate_valid(x, kg, method="fft").sum().backward()
    assert len(plan._CACHE) == before and kg.grad is not None
    assert plan._kernel_key(kg) is None


def test_fft_chunk_bounds_memory(monkeypatch) -> None:
    """Chunks never hold more than twice the bytes of the output maps they produce, and cover every map."""
    for count, fh, fw, hw in [
        (128, 288, 288, (256, 256)),
        (96, 320, 320, (256, 256)),
        (3, 64, 64, (20, 20)),
        (1, 576, 576, (512, 512)),
    ]:
        c = plan.fft_chunk(count, fh, fw, hw)
        per_map = 4 * (2 * fh * (fw // 2 + 1) + fh * fw)
        assert 1 <= c <= count
        assert c * per_map <= max(2 * c * 4 * hw[0] * hw[1], per_map) or c * per_map <= plan._FFT_CHUNK_BYTES
        assert c * per_map <= 2 * count * 4 * hw[0] * hw[1] or c == 1
    sizes = []
    real = plan_fft._irfft2

    def recording(t, s=None):
        sizes.append(t.numel() * t.element_size())
        return real(t, s=s)

    monkeypatch.setattr(plan_fft, "_irfft2", recording)
    x = torch.rand(2, 1, 140, 140)
    k = torch.randn(40, 13, 13)
    out = plan.correlate_valid(x, k, method="fft")
    out_bytes = out.numel() * out.element_size()
    assert len(sizes) > 1  # it did chunk
    assert max(sizes) <= plan._FFT_CHUNK_BYTES
    assert max(sizes) + 2 * max(sizes) <= 2 * out_bytes  # product + inverse transform within 2x output
    assert torch.allclose(out, plan.correlate_valid(x, k, method="direct"), atol=1e-4)
