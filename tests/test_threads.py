"""Thread policy: torch's count is set only around filterbank's calls; contention read from /proc/stat and PSI."""

from __future__ import annotations

import threading

import pytest
import torch

from filterbank import _threads


@pytest.fixture
def psi(tmp_path, monkeypatch):
    """A fake /proc/pressure/cpu whose 'some avg10' the test sets."""
    path = tmp_path / "cpu"
    monkeypatch.setattr(_threads, "_PSI", str(path))

    def write(avg10: float | None) -> None:
        if avg10 is None:
            path.unlink(missing_ok=True)
        else:
            some = f"some avg10={avg10:.2f} avg60=1.00 avg300=1.00 total=5\n"
            path.write_text(some + "full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n")
        _threads._state["t"] = -1.0  # forget the cached reading

    monkeypatch.setattr(_threads, "cpu_count", lambda: 4)
    monkeypatch.setattr(_threads, "others_busy", lambda: None)  # the pressure alone decides here
    monkeypatch.delenv("FILTERBANK_THREADS", raising=False)
    yield write
    _threads._state["t"] = -1.0


@pytest.fixture
def proc_stat(tmp_path, monkeypatch):
    """A fake /proc/stat, a fake clock and a fake CPU time of this process, all set by the test."""
    path = tmp_path / "stat"
    clock = {"now": 100.0, "own": 0.0}
    monkeypatch.setattr(_threads, "_STAT", str(path))
    monkeypatch.setattr(_threads, "_TICK", 100)
    monkeypatch.setattr(_threads, "_now", lambda: clock["now"])
    monkeypatch.setattr(_threads, "_own_seconds", lambda: clock["own"])
    monkeypatch.setattr(_threads, "_PSI", str(tmp_path / "no-psi"))
    monkeypatch.setattr(_threads, "cpu_count", lambda: 2)
    monkeypatch.delenv("FILTERBANK_THREADS", raising=False)
    _threads._busy.update(t=None, busy=None, own=None, value=None)
    _threads._state["t"] = -1.0

    def sample(now: float, busy_ticks: int, idle_ticks: int, own: float) -> None:
        # user nice system idle iowait irq softirq steal: busy in 'user', idle in 'idle'
        path.write_text(f"cpu  {busy_ticks} 0 0 {idle_ticks} 0 0 0 0 0 0\ncpu0 0 0 0 0 0 0 0 0 0 0\n")
        clock["now"], clock["own"] = now, own

    yield sample
    _threads._busy.update(t=None, busy=None, own=None, value=None)
    _threads._state["t"] = -1.0


def test_others_busy_is_the_busy_time_this_process_did_not_use(proc_stat) -> None:
    proc_stat(100.0, busy_ticks=1000, idle_ticks=5000, own=1.0)
    assert _threads.others_busy() is None  # one reading: no interval yet
    # 1 s later: 2 s of CPU busy (both cores), 1 s of it ours -> the others kept one core busy
    proc_stat(101.0, busy_ticks=1200, idle_ticks=5000, own=2.0)
    assert _threads.others_busy() == pytest.approx(1.0)
    assert _threads.cpu_shared()
    assert _threads.engine_threads(2, 1.0) == 1  # an OpenMP call: the one core the others leave
    assert _threads.engine_threads(2, 1.0, job_seconds=_threads.LONG_JOB_S) == 2  # long pool jobs keep both
    proc_stat(101.05, busy_ticks=1300, idle_ticks=5000, own=2.0)
    assert _threads.others_busy() == pytest.approx(1.0)  # within 0.1 s: the previous value, no new reading
    # the next second: all the busy time was ours (our own spinning workers do not count as others)
    proc_stat(102.0, busy_ticks=1400, idle_ticks=5000, own=4.0)
    assert _threads.others_busy() == pytest.approx(0.0)
    assert not _threads.cpu_shared() and _threads.engine_threads(2, 1.0) == 2


def test_others_busy_leaves_the_free_cores_on_a_large_machine(proc_stat, monkeypatch) -> None:
    monkeypatch.setattr(_threads, "cpu_count", lambda: 16)
    proc_stat(100.0, busy_ticks=0, idle_ticks=0, own=0.0)
    _threads.others_busy()
    proc_stat(101.0, busy_ticks=300, idle_ticks=1300, own=0.0)  # others: 3 cores
    assert _threads.engine_threads(16, 1.0) == 13
    assert _threads.engine_threads(4, 1.0) == 4


def test_others_busy_without_proc_stat_is_none(proc_stat, tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(_threads, "_STAT", str(tmp_path / "missing"))
    assert _threads.others_busy() is None
    _threads._busy["t"] = -1.0  # force a new reading
    assert _threads.others_busy() is None and _threads.engine_threads(2, 1.0) == 2


def test_pressure_is_read_and_decides(psi) -> None:
    psi(3.5)
    assert _threads.cpu_pressure() == 3.5 and not _threads.cpu_shared()
    assert _threads.engine_threads(4, 1.0) == 4  # large call, quiet CPU: the caller's count
    assert _threads.engine_threads(8, 1.0) == 4  # never above the CPUs we may use
    assert _threads.engine_threads(4, 1e-4) == 1  # a short call: one thread
    psi(87.0)
    assert _threads.cpu_shared() and _threads.engine_threads(4, 1.0) == 1
    psi(None)  # no PSI (older kernels, other systems): not shared
    assert _threads.cpu_pressure() is None and _threads.engine_threads(4, 1.0) == 4


def test_long_jobs_keep_their_threads_on_a_shared_cpu(psi) -> None:
    psi(87.0)  # contended
    assert _threads.engine_threads(4, 1.0) == 1  # an OpenMP call: its barriers stall on a preempted thread
    assert _threads.engine_threads(4, 1.0, job_seconds=_threads.LONG_JOB_S / 10) == 1  # short jobs: GIL stalls
    assert _threads.engine_threads(4, 1.0, job_seconds=_threads.LONG_JOB_S) == 4  # long GIL-free jobs
    assert _threads.engine_threads(4, 1e-4, job_seconds=1.0) == 1  # a short call stays on one thread


def test_run_jobs_runs_every_job_once_on_several_threads() -> None:
    seen: list[tuple[int, int]] = []
    lock = threading.Lock()
    barrier = threading.Barrier(2, timeout=5)  # two jobs must run at the same time to pass

    def job(i: int) -> None:
        if i < 2:
            barrier.wait()
        with lock:
            seen.append((i, threading.get_ident()))

    _threads.run_jobs([lambda i=i: job(i) for i in range(10)], 2)
    assert sorted(i for i, _ in seen) == list(range(10))
    assert len({t for i, t in seen if i < 2}) == 2


def test_fixed_thread_count_overrides(psi, monkeypatch) -> None:
    psi(87.0)
    _threads.set_threads(3)
    try:
        assert _threads.engine_threads(4, 1e-6) == 3
    finally:
        _threads.set_threads(None)
    monkeypatch.setenv("FILTERBANK_THREADS", "2")
    assert _threads.engine_threads(4, 1e-6) == 2
    monkeypatch.setenv("FILTERBANK_THREADS", "two")
    with pytest.raises(ValueError, match="FILTERBANK_THREADS"):
        _threads.engine_threads(4, 1.0)
    with pytest.raises(ValueError, match="`n` must be an int >= 1"):
        _threads.set_threads(0)


def test_torch_threads_restores_the_callers_count() -> None:
    before = torch.get_num_threads()
    target = 1 if before != 1 else 2
    with _threads.torch_threads(target):
        assert torch.get_num_threads() == target
        with _threads.torch_threads(before):  # nested: the outer block's setting stays
            assert torch.get_num_threads() == target
        assert torch.get_num_threads() == target
    assert torch.get_num_threads() == before
    with pytest.raises(RuntimeError), _threads.torch_threads(target):
        raise RuntimeError("restored on errors too")
    assert torch.get_num_threads() == before


def test_torch_threads_concurrent_blocks_restore_once() -> None:
    before = torch.get_num_threads()
    inside = threading.Barrier(3)

    def worker() -> None:
        with _threads.torch_threads(1):
            inside.wait()  # all three blocks are open at once
            inside.wait()

    ts = [threading.Thread(target=worker) for _ in range(2)]
    with _threads.torch_threads(1):
        for t in ts:
            t.start()
        inside.wait()
        inside.wait()
    for t in ts:
        t.join()
    assert torch.get_num_threads() == before
    assert _threads._depth() == 0
