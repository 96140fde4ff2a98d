"""plan.cache: keys by value on the CPU, by identity and version elsewhere; entries die with their tensor."""

from __future__ import annotations

import torch

from filterbank import plan


def test_identity_keyed_entries_die_with_their_tensor() -> None:
    """Off the CPU, spectra are keyed by tensor identity and version: an entry leaves with its tensor,
    so a new tensor at a reused address never meets a stale spectrum, and an in-place change misses."""
    import gc

    plan.clear_cache()
    k = torch.empty(2, 5, 5, device="meta")
    key = plan._kernel_key(k)
    assert key is not None and key[0] == "id"
    plan._cache_put(key, "spectrum", k)
    assert plan._cache_get(key) == "spectrum"
    k.add_(1.0)
    assert plan._kernel_key(k) != key  # version bumped: a miss
    del k
    gc.collect()
    assert key not in plan._CACHE


def test_identity_key_is_shared_by_views_of_one_weight() -> None:
    """FilterConv2d reshapes its weight on every forward: off the CPU those views must hit one entry,
    an in-place change of the weight must miss, and the entry must die with the weight, not the view."""
    import gc

    plan.clear_cache()
    weight = torch.empty(6, 1, 3, 3, device="meta")
    first, second = weight.reshape(3, 2, 3, 3), weight.reshape(3, 2, 3, 3)
    assert first is not second and plan._kernel_key(first) == plan._kernel_key(second)
    assert plan._kernel_key(weight[:3]) != plan._kernel_key(weight[3:])  # other taps, other entry
    key = plan._kernel_key(first)
    plan._cache_put(key, "spectrum", first)
    del first, second
    gc.collect()
    assert plan._cache_get(key) == "spectrum"  # the view died, the weight lives
    weight.mul_(2.0)
    assert plan._kernel_key(weight.reshape(3, 2, 3, 3)) != key
    del weight
    gc.collect()
    assert key not in plan._CACHE
