"""plan.cache: entries belong to kernel values (digest on the CPU; fingerprint + value check elsewhere).

The device key path is exercised on CPU tensors by sending them down it
(``cache._keyed_by_content``); ``tests/reliability`` runs the whole planner through it.
"""

from __future__ import annotations

import pytest
import torch

from filterbank import plan
from filterbank.plan import cache


@pytest.fixture
def device_keys(monkeypatch):
    monkeypatch.setattr(cache, "_keyed_by_content", lambda t: False)
    plan.clear_cache()
    yield
    plan.clear_cache()


def test_host_keys_name_values() -> None:
    k = torch.arange(12.0).reshape(3, 4)
    assert cache._kernel_key(k) == cache._kernel_key(k.clone())
    assert cache._kernel_key(k) != cache._kernel_key(k + 1e-6)
    assert cache._kernel_key(k) != cache._kernel_key(k.double())
    assert cache._kernel_key(k.requires_grad_()) is None  # autograd: never cached


def test_device_entry_is_served_only_for_equal_values(device_keys) -> None:
    """The fingerprint finds the entry; the stored copy confirms it. A write that keeps the
    fingerprint's inputs but changes the values still misses."""
    k = torch.randn(2, 5, 5)
    cache._cache_put(("fft", 8, 8, cache._kernel_key(k)), "spectrum", k)
    assert cache._cache_get(("fft", 8, 8, cache._kernel_key(k.clone()))) == "spectrum"
    k.data.mul_(2.0)  # bypasses nothing here: the key is recomputed from values
    assert cache._cache_get(("fft", 8, 8, cache._kernel_key(k))) is None
    info = plan.cache_info()
    assert (info.hits, info.misses) == (1, 1)


def test_device_entry_checks_values_even_when_fingerprints_collide(device_keys, monkeypatch) -> None:
    """Two kernels with the same fingerprint (forced here) never share an entry."""
    monkeypatch.setattr(cache, "_fingerprint", lambda t: (0.0, 0.0))
    a, b = torch.ones(3, 3), torch.zeros(3, 3)
    assert cache._kernel_key(a) == cache._kernel_key(b)
    cache._cache_put(("fft", 4, 4, cache._kernel_key(a)), "spectrum of a", a)
    assert cache._cache_get(("fft", 4, 4, cache._kernel_key(b))) is None
    assert cache._cache_get(("fft", 4, 4, cache._kernel_key(a.clone()))) == "spectrum of a"


def test_cache_keeps_no_reference_to_user_tensors(device_keys) -> None:
    """The stored key drops the kernel it carried, and the value check uses a copy."""
    import gc
    import weakref

    k = torch.randn(4, 4)
    ref = weakref.ref(k)
    cache._cache_put(("fft", 4, 4, cache._kernel_key(k)), "spectrum", k)
    del k
    gc.collect()
    assert ref() is None
    assert plan.cache_info().entries == 1


def test_views_of_one_weight_share_an_entry(device_keys) -> None:
    """FilterConv2d reshapes its weight on every forward: the views meet the same entry."""
    weight = torch.randn(6, 1, 3, 3)
    first, second = weight.reshape(3, 2, 3, 3), weight.reshape(3, 2, 3, 3)
    cache._cache_put(("fft", 8, 8, cache._kernel_key(first)), "spectrum", first)
    assert cache._cache_get(("fft", 8, 8, cache._kernel_key(second))) == "spectrum"
    assert cache._cache_get(("fft", 8, 8, cache._kernel_key(weight[:3]))) is None  # other taps


def test_meta_tensors_are_not_cached() -> None:
    assert cache._kernel_key(torch.empty(2, 5, 5, device="meta")) is None
