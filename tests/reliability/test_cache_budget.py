"""Issue 10, item 10: the planner cache is bounded in bytes, shares spectra, and reports itself.

``filterbank.plan.cache_info()`` gives ``entries``, ``bytes``, ``hits``, ``misses`` and
``budget``; ``filterbank.plan.set_cache_budget(nbytes)`` sets the byte budget (evicting the
least recently used entries at once); ``clear_cache()`` empties it. Expected sizes are written
out from the FFT layout: one conjugate spectrum is ``N * fh * (fw // 2 + 1)`` complex values
with ``fh, fw = scipy.fft.next_fast_len(H + kh - 1, real=True)``.
"""

from __future__ import annotations

import pytest
import scipy.fft
import torch

from filterbank import DTypeError, FilterConv2d, ParameterError, banks, filter2d, plan

pytestmark = [
    pytest.mark.filterwarnings("ignore::UserWarning"),
]


def _spectrum_bytes(n: int, size: int, ksize: int, elem: int = 8) -> int:
    f = scipy.fft.next_fast_len(size + ksize - 1, real=True)
    return n * f * (f // 2 + 1) * elem  # complex64: 8 bytes


def test_one_spectrum_is_shared_by_every_channel(fresh_cache) -> None:
    """FilterConv2d(LM, 3): the three channels hold the same 48 kernels; the cache keeps them once."""
    layer = FilterConv2d(banks.lm("small"), 3, method="fft").eval()
    x = torch.rand(1, 3, 64, 64)
    with torch.no_grad():
        y = layer(x)
    one = _spectrum_bytes(48, 64, 49)
    info = plan.cache_info()
    assert info.entries == 1
    assert one <= info.bytes < 1.25 * one  # the spectrum, plus the small copy that validates it
    with torch.no_grad():
        layer.method = "direct"
        ref = layer(x)
    assert torch.allclose(y, ref, atol=1e-5 * float(layer.weight.abs().sum((1, 2, 3)).max()))


def test_hits_and_misses_are_counted(fresh_cache) -> None:
    k = torch.randn(4, 13, 13)
    img = torch.rand(1, 40, 40)
    filter2d(img, k, method="fft")
    assert (plan.cache_info().hits, plan.cache_info().misses) == (0, 1)
    filter2d(img, k, method="fft")
    filter2d(img.clone(), k.clone(), method="fft")  # same values: a hit on the CPU
    info = plan.cache_info()
    assert (info.entries, info.hits, info.misses) == (1, 2, 1)
    plan.clear_cache()
    info = plan.cache_info()
    assert (info.entries, info.bytes) == (0, 0)


def test_budget_bounds_many_image_sizes(fresh_cache) -> None:
    """Sixteen image sizes used to keep sixteen spectra (about 10 GB at 1024^2 with LM); the bytes
    kept never exceed the budget, and the most recent entries are the ones kept."""
    budget = 3 * _spectrum_bytes(48, 64, 49)
    plan.set_cache_budget(budget)
    layer = FilterConv2d(banks.lm("small"), 1, method="fft").eval()
    with torch.no_grad():
        for s in range(16):
            layer(torch.rand(1, 1, 40 + 2 * s, 40 + 2 * s))
            assert plan.cache_info().bytes <= budget
    info = plan.cache_info()
    assert info.budget == budget and 2 <= info.entries <= 3
    with torch.no_grad():
        layer(torch.rand(1, 1, 70, 70))  # the last size: still cached
    assert plan.cache_info().hits == info.hits + 1


def test_lowering_the_budget_evicts_at_once(fresh_cache) -> None:
    for n in (2, 3, 4):
        filter2d(torch.rand(1, 40, 40), torch.randn(n, 13, 13), method="fft")
    assert plan.cache_info().entries == 3
    plan.set_cache_budget(_spectrum_bytes(4, 40, 13) + 4096)
    info = plan.cache_info()
    assert info.entries == 1 and info.bytes <= info.budget
    plan.set_cache_budget(0)  # caching off
    filter2d(torch.rand(1, 40, 40), torch.randn(2, 13, 13), method="fft")
    assert plan.cache_info().entries == 0


def test_entry_larger_than_the_budget_is_not_kept(fresh_cache) -> None:
    plan.set_cache_budget(1 << 10)
    y = filter2d(torch.rand(1, 40, 40), torch.randn(2, 13, 13), method="fft")
    assert y.shape == (2, 40, 40) and plan.cache_info().entries == 0


def test_default_budget_is_bytes_and_validated(fresh_cache) -> None:
    assert plan.cache_info().budget == 256 << 20
    with pytest.raises(ParameterError, match="`nbytes`"):
        plan.set_cache_budget(-1)
    with pytest.raises(DTypeError, match="`nbytes`"):
        plan.set_cache_budget(1.5e6)
