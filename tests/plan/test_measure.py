"""The measuring planner: its switch, its shortlist, its timing, and what ``filter2d`` does with it.

References: the output of a measured call is compared bit for bit with ``filter2d`` forced
to the method the measurement kept (itself checked against ``cv2.filter2D`` by the parity
tests of every method); the shortlist rule is written out here.
"""

from __future__ import annotations

import time

import cv2
import numpy as np
import pytest
import torch

from filterbank import FilterConv2d, filter2d
from filterbank._errors import UnknownNameError
from filterbank.plan import measure
from filterbank.plan import opencv as plan_cv
from tests.conftest import cv2_reference

RNG = np.random.default_rng(5)


@pytest.fixture(autouse=True)
def _fresh_plans():
    """Every test starts with no cached decision and the default planner, and leaves it so."""
    previous = measure.set_planner("estimate")
    plan_cv.clear_plans()
    measure.forget()
    yield
    measure.set_planner(previous)
    plan_cv.clear_plans()
    measure.forget()


class _Spy:
    """Stands in for :func:`measure.fastest`: records the shortlists and keeps the one at ``pick``."""

    def __init__(self, pick: int = -1) -> None:
        self.pick = pick
        self.calls: list[list[str]] = []

    def __call__(self, runs, estimate):
        names = list(runs)
        self.calls.append(names)
        for run in runs.values():
            run()  # every candidate must run on the call's input without error
        return names[self.pick], {m: 0.0 for m in names}


def _bank_case():
    """A case whose shortlist has several methods: 48 random 5x5 kernels on 8 gray 40^2 float32 images."""
    x = torch.from_numpy(RNG.random((8, 1, 40, 40), dtype=np.float32))
    bank = RNG.normal(size=(48, 5, 5))
    return x, bank


def test_set_planner_returns_the_previous_and_refuses_unknown_names():
    assert measure.set_planner("measure") == "estimate"
    assert measure.planner() == "measure"
    assert measure.set_planner("estimate") == "measure"
    with pytest.raises(UnknownNameError, match=r"`name` must be one of 'estimate', 'measure'; got 'fast'"):
        measure.set_planner("fast")
    assert measure.planner() == "estimate"


def test_environment_variable_sets_the_initial_planner(monkeypatch):
    monkeypatch.setitem(measure._STATE, "planner", None)
    monkeypatch.setenv("FILTERBANK_PLANNER", "measure")
    assert measure.planner() == "measure"
    monkeypatch.setitem(measure._STATE, "planner", None)
    monkeypatch.setenv("FILTERBANK_PLANNER", "measured")
    with pytest.raises(UnknownNameError, match=r"`FILTERBANK_PLANNER` must be one of .*; got 'measured'"):
        measure.planner()


def test_shortlist_keeps_the_best_and_those_within_the_spread_best_first():
    est = {"direct": 2.0, "fft": 7.9, "lowrank": 8.1, "opencv": 3.0, "separable": 1.0}
    # within SPREAD (4) of the best 1.0: separable 1.0, direct 2.0, opencv 3.0 (fft 7.9 > 4.0)
    assert measure.shortlist(est) == ["separable", "direct", "opencv"]
    wide = {f"m{i}": 1.0 + i * 0.1 for i in range(6)}
    assert measure.shortlist(wide) == ["m0", "m1", "m2"]  # at most MAX_CANDIDATES
    assert measure.shortlist({"direct": 5.0}) == ["direct"]


def test_fastest_names_the_run_that_takes_least_time():
    def slow():
        time.sleep(0.01)

    def quick():
        return None

    name, times = measure.fastest({"slow": slow, "quick": quick}, 1e-3)
    assert name == "quick"
    assert times["slow"] >= 0.01 > times["quick"]


def test_fastest_times_short_calls_five_times_after_a_warm_up_and_long_ones_once():
    counts = {"a": 0}

    def run():
        counts["a"] += 1

    measure.fastest({"a": run}, 1e-3)  # a warm-up and five timed runs
    assert counts["a"] == 6
    counts["a"] = 0
    measure.fastest({"a": run}, 0.03)  # a warm-up and two
    assert counts["a"] == 3
    counts["a"] = 0
    measure.fastest({"a": run}, 0.5)  # one, no warm-up
    assert counts["a"] == 1


def test_fastest_keeps_each_runs_shortest_time():
    """Slow outliers (a stalled thread) must not hide the faster candidate: the shortest time counts."""
    calls = {"a": 0}

    def flaky():  # 30 ms in three of its five timed runs (stalls), else nothing
        calls["a"] += 1
        if calls["a"] in (2, 3, 4):  # call 1 is the warm-up
            time.sleep(0.03)

    def steady():
        time.sleep(0.005)

    name, times = measure.fastest({"steady": steady, "flaky": flaky}, 1e-3)
    assert name == "flaky" and times["flaky"] < 0.005 <= times["steady"]


@pytest.mark.parametrize("pick", [0, 1])
def test_a_measured_call_returns_what_the_kept_method_returns_and_measures_once(monkeypatch, pick):
    spy = _Spy(pick)
    monkeypatch.setattr(measure, "fastest", spy)
    x, bank = _bank_case()
    measure.set_planner("measure")
    y = filter2d(x, bank)
    assert len(spy.calls) == 1 and len(spy.calls[0]) >= 2
    kept = spy.calls[0][pick]
    assert kept in ("direct", "separable", "lowrank", "opencv"), kept  # random 5x5 kernels: no rank-1, no FFT
    assert torch.equal(y, filter2d(x, bank, method=kept)), kept
    y2 = filter2d(x, bank)
    assert len(spy.calls) == 1  # the decision is cached with the call's signature
    assert torch.equal(y2, y)


def test_a_kernel_without_a_fast_key_is_measured_once(monkeypatch):
    """A bank too large for the fast path's key (or a list) is decided at every call; its measurement is not
    repeated: the measured decision is keyed by the work, not by the kernel's bytes."""
    spy = _Spy(0)
    monkeypatch.setattr(measure, "fastest", spy)
    monkeypatch.setattr(plan_cv, "_FAST_KERNEL_MAX", 10)
    x, bank = _bank_case()
    measure.set_planner("measure")
    y = filter2d(x, bank)
    assert torch.equal(filter2d(x, list(bank)), y)
    assert len(spy.calls) == 1


def test_decided_keeps_a_bounded_number_of_decisions(monkeypatch):
    monkeypatch.setattr(measure, "_KEEP", 3)
    for i in range(5):
        assert measure.decided(("k", i), {"a": lambda: None}, 1e-3) == "a"
    assert list(measure._DECIDED) == [("k", 2), ("k", 3), ("k", 4)]


def test_the_estimating_planner_never_times(monkeypatch):
    spy = _Spy()
    monkeypatch.setattr(measure, "fastest", spy)
    x, bank = _bank_case()
    filter2d(x, bank)
    assert spy.calls == []


def test_a_decision_is_measured_again_at_another_thread_count(monkeypatch):
    spy = _Spy(0)
    monkeypatch.setattr(measure, "fastest", spy)
    x, bank = _bank_case()
    measure.set_planner("measure")
    before = torch.get_num_threads(), cv2.getNumThreads()
    try:
        torch.set_num_threads(1)
        filter2d(x, bank)
        torch.set_num_threads(2)
        filter2d(x, bank)
    finally:
        torch.set_num_threads(before[0])
        cv2.setNumThreads(before[1])
    assert len(spy.calls) == 2


def test_autograd_calls_are_decided_by_the_model(monkeypatch):
    spy = _Spy()
    monkeypatch.setattr(measure, "fastest", spy)
    x, bank = _bank_case()
    measure.set_planner("measure")
    k = torch.tensor(bank, dtype=torch.float32, requires_grad=True)
    y = filter2d(x, k)
    y.sum().backward()
    assert spy.calls == [] and k.grad is not None


def test_a_measured_uint8_call_keeps_opencv_bits():
    """Integer outputs below the DFT threshold only have exact-order candidates: whatever is kept equals
    cv2.filter2D bit for bit (measured for real here, no spy)."""
    img = RNG.integers(0, 256, size=(64, 64), dtype=np.uint8)
    bank = RNG.normal(size=(6, 3, 3))
    measure.set_planner("measure")
    y = filter2d(img, bank)
    ref = np.stack([cv2_reference(img, k, "reflect101") for k in bank], -1)
    np.testing.assert_array_equal(y, ref)


def test_a_frozen_layer_at_inference_is_measured_once_and_returns_the_kept_method(monkeypatch):
    """The layers' path (filterbank._core.filter_tensor) measures too: a frozen FilterConv2d with a bias under
    no_grad keeps the method measured first, and its output is that method's forced output."""
    spy = _Spy(1)
    monkeypatch.setattr(measure, "fastest", spy)
    x, bank = _bank_case()
    x3 = x.reshape(2, 4, 40, 40)[:, :3].contiguous()
    layer = FilterConv2d(bank, in_channels=3, bias=True)
    with torch.no_grad():
        layer.bias.uniform_(-1.0, 1.0)
        measure.set_planner("measure")
        y = layer(x3)
        assert len(spy.calls) == 1 and len(spy.calls[0]) >= 2
        kept = spy.calls[0][1]
        assert torch.equal(layer(x3), y) and len(spy.calls) == 1  # cached
        measure.set_planner("estimate")
        forced = FilterConv2d(bank, in_channels=3, bias=True, method=kept)
        forced.bias.copy_(layer.bias)
        assert torch.equal(forced(x3), y), kept


def test_a_layer_in_training_is_decided_by_the_model(monkeypatch):
    spy = _Spy()
    monkeypatch.setattr(measure, "fastest", spy)
    x, bank = _bank_case()
    layer = FilterConv2d(bank, in_channels=1, mode="trainable")
    measure.set_planner("measure")
    layer(x).square().mean().backward()
    assert spy.calls == [] and layer.weight.grad is not None
