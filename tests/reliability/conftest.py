"""Shared fixtures of the reliability suite (issue 10).

``device_key_path`` sends CPU tensors down the planner cache's off-CPU key path, so the
cache logic that a GPU run depends on is exercised in CI without a GPU. The cache
decides per tensor whether it is keyed by a digest of its bytes (host memory) or by
identity plus a value check (device memory): ``filterbank.plan.cache._keyed_by_content``.
"""

from __future__ import annotations

import pytest

from filterbank import plan


@pytest.fixture
def device_key_path(monkeypatch):
    """Every tensor takes the off-CPU cache key path; the cache starts empty and is emptied after."""
    from filterbank.plan import cache

    monkeypatch.setattr(cache, "_keyed_by_content", lambda t: False)
    plan.clear_cache()
    yield
    plan.clear_cache()


@pytest.fixture
def fresh_cache():
    """An empty planner cache with the default budget, restored afterwards."""
    plan.clear_cache()
    budget = plan.cache_info().budget
    yield
    plan.set_cache_budget(budget)
    plan.clear_cache()
