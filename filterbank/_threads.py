"""Thread counts filterbank uses per engine, set only around its own calls.

The defaults follow two measured facts (2-core machine, README "Speed"):

- many short parallel regions lose to one thread whenever another process
  shares the CPU (libgomp's workers spin at every barrier while one thread is
  descheduled: identical calls varied 23 ms - 1.6 s), and a small convolution
  is 8x faster on one thread than on two under load;
- large, long regions still gain from every core on a quiet machine.

So an engine call runs on the caller's thread count (``torch.get_num_threads()``,
``cv2.getNumThreads()``) when its work is large and the CPU is not contended,
and on one thread otherwise. The CPU counts as contended when other processes
kept at least half a core busy since the previous reading (``/proc/stat``'s busy
time minus this process's own CPU time, read at most every 0.1 s: with one busy
process on 2 cores it read 1.02 cores while the pressure below read 0.12 %: one
busy process on 2 cores makes no task wait), or when Linux's pressure stall
information (``/proc/pressure/cpu``, the share of the last 10 s in which a
runnable task waited for a CPU) is above :data:`SHARED_PRESSURE`. ``FILTERBANK_THREADS``
(an integer) or :func:`set_threads` fixes the count for every engine instead.

:func:`torch_threads` changes torch's intra-op thread count for the duration of
a block and restores it after (reference counted, so nested and concurrent
blocks restore the caller's value exactly once): the user's global setting is
never left changed.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor

import torch

from ._errors import ParameterError

__all__ = [
    "LONG_JOB_S",
    "OTHERS_BUSY",
    "SHARED_PRESSURE",
    "cpu_count",
    "cpu_pressure",
    "cpu_shared",
    "engine_threads",
    "others_busy",
    "run_jobs",
    "set_threads",
    "torch_threads",
]

#: ``/proc/pressure/cpu`` "some avg10" (percent) from which the CPU counts as shared.
SHARED_PRESSURE = 20.0

#: Estimated seconds of one call below which it runs on one thread (a parallel region costs
#: tens of microseconds to open and close, and much more when a core is taken).
SMALL_CALL_S = 2e-3

#: Seconds of one :func:`run_jobs` job from which a call keeps its threads on a contended CPU (a
#: preempted thread that holds the GIL stalls the others for its time slice: measured 576 calls of
#: 256^2 3x3, ~50 us each, at 31 ms on one thread and 49 ms on two with other processes running).
LONG_JOB_S = 1e-3

_PSI = "/proc/pressure/cpu"
_state: dict[str, float | None] = {"t": -1.0, "p": None}

#: Cores kept busy by other processes from which the CPU counts as contended.
OTHERS_BUSY = 0.5

_STAT = "/proc/stat"
_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
#: The previous /proc/stat reading: wall time, busy seconds of all CPUs, this process's CPU seconds,
#: and the value derived from the two readings before it.
_busy: dict[str, float | None] = {"t": None, "busy": None, "own": None, "value": None}
_BUSY_LOCK = threading.Lock()
_now = time.monotonic
_fixed: list[int | None] = [None]


def cpu_count() -> int:
    """CPUs this process may run on (its affinity mask).

    Examples
    --------
    >>> cpu_count() >= 1
    True
    """
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def cpu_pressure(max_age: float = 1.0) -> float | None:
    """Percent of the last 10 s in which some runnable task waited for a CPU; None where Linux does not say.

    Read from ``/proc/pressure/cpu`` at most every ``max_age`` seconds.

    Examples
    --------
    >>> p = cpu_pressure()
    >>> p is None or 0.0 <= p <= 100.0
    True
    """
    now = time.monotonic()
    if now - float(_state["t"]) < max_age:  # type: ignore[arg-type]
        return _state["p"]
    value = None
    try:
        with open(_PSI) as f:
            for line in f:
                if line.startswith("some"):
                    value = float(line.split()[1].split("=")[1])
                    break
    except (OSError, ValueError, IndexError):
        value = None
    _state["t"], _state["p"] = now, value
    return value


def _busy_seconds() -> float | None:
    """Busy seconds of all CPUs since boot (``/proc/stat``: everything but idle and iowait, steal included)."""
    try:
        with open(_STAT, "rb") as f:
            fields = f.readline().split()
    except OSError:
        return None
    if len(fields) < 9 or fields[0] != b"cpu":
        return None
    ticks = [int(v) for v in fields[1:9]]  # user nice system idle iowait irq softirq steal
    return (sum(ticks) - ticks[3] - ticks[4]) / _TICK


def _own_seconds() -> float:
    t = os.times()
    return t.user + t.system


def others_busy(min_age: float = 0.1) -> float | None:
    """Cores that other processes kept busy between the last two readings; None before two or without Linux.

    A reading is taken when the previous one is at least ``min_age`` seconds old; the value
    is the busy time of all CPUs (``/proc/stat``, steal included) minus this process's own
    CPU time (all its threads, so its own spinning OpenMP workers do not count), per second.

    Examples
    --------
    >>> v = others_busy()
    >>> v is None or v >= 0.0
    True
    """
    now = _now()
    with _BUSY_LOCK:
        t0 = _busy["t"]
        if t0 is not None and now - t0 < min_age:
            return _busy["value"]
        busy, own = _busy_seconds(), _own_seconds()
        value = None
        if busy is not None and t0 is not None and _busy["busy"] is not None and _busy["own"] is not None:
            value = max(0.0, (busy - _busy["busy"]) - (own - _busy["own"])) / max(now - t0, 1e-9)
        _busy.update(t=now, busy=busy, own=own, value=value)
        return value


def cpu_shared() -> bool:
    """Whether other work competes for this machine's CPUs: other processes kept at least
    :data:`OTHERS_BUSY` of a core busy lately (:func:`others_busy`), or the pressure is above
    :data:`SHARED_PRESSURE`.

    Examples
    --------
    >>> isinstance(cpu_shared(), bool)
    True
    """
    others = others_busy()
    if others is not None and others >= OTHERS_BUSY:
        return True
    p = cpu_pressure()
    return p is not None and p > SHARED_PRESSURE


def set_threads(n: int | None) -> None:
    """Fix the thread count of every filterbank engine (``None``: back to the adaptive default).

    Examples
    --------
    >>> set_threads(1); engine_threads(4, 1.0)
    1
    >>> set_threads(None)
    """
    if n is not None and (isinstance(n, bool) or not isinstance(n, int) or n < 1):
        raise ParameterError(f"`n` must be an int >= 1 or None; got {n!r}")
    _fixed[0] = n


def _env_threads() -> int | None:
    raw = os.environ.get("FILTERBANK_THREADS", "").strip()
    if not raw:
        return None
    try:
        n = int(raw)
    except ValueError:
        raise ParameterError(f"`FILTERBANK_THREADS` must be an integer >= 1; got {raw!r}") from None
    if n < 1:
        raise ParameterError(f"`FILTERBANK_THREADS` must be an integer >= 1; got {raw!r}")
    return n


def engine_threads(available: int, seconds: float, job_seconds: float = 0.0) -> int:
    """Threads for one engine call: ``available`` (the caller's setting) for a large call on an
    uncontended CPU, else 1; :func:`set_threads` or ``FILTERBANK_THREADS`` override it.

    On a CPU where other processes keep cores busy (:func:`others_busy`), an OpenMP call
    gets the cores they leave (one on 2 cores beside one busy process); where only the
    pressure says so (:func:`cpu_pressure`), one thread.

    On a contended CPU a call still gets ``available`` threads when it runs as jobs of at
    least :data:`LONG_JOB_S` each on :func:`run_jobs`: a thread the OS deschedules there
    only leaves its jobs to the others (no barrier to wait at, and the GIL is held for
    microseconds per job), so the call gains whatever share of the other cores it gets.

    Parameters
    ----------
    available : int
        The thread count the caller configured for that engine.
    seconds : float
        The planner's estimate of the call's time.
    job_seconds : float
        For a call made of :func:`run_jobs` jobs: the estimated seconds of one job (0: an
        OpenMP call, whose barriers stall on a descheduled thread).

    Examples
    --------
    >>> engine_threads(2, 1e-5)
    1
    """
    fixed = _fixed[0] if _fixed[0] is not None else _env_threads()
    if fixed is not None:
        return fixed
    cap = max(1, min(int(available), cpu_count()))
    if cap == 1 or seconds < SMALL_CALL_S:
        return 1
    if job_seconds >= LONG_JOB_S:
        return cap
    if not cpu_shared():
        return cap
    others = others_busy()  # the reading cpu_shared() just took (cached for 0.1 s)
    if others is not None and others >= OTHERS_BUSY:
        return max(1, min(cap, int(cpu_count() - others)))  # the cores the others leave
    return 1  # only the pressure says so: no count of free cores


# torch's intra-op count is an OpenMP setting of the calling thread (``omp_set_num_threads``), so each
# thread sets and restores its own: a block's exit on one thread must not restore another's count.
_local = threading.local()


def _depth() -> int:
    """How many :func:`torch_threads` blocks are open on the calling thread."""
    return int(getattr(_local, "depth", 0))


@contextlib.contextmanager
def torch_threads(n: int | None) -> Iterator[None]:
    """Run the block with ``n`` torch intra-op threads, then restore the caller's count.

    The outermost block of each thread sets and restores that thread's count (torch's
    count is a per-thread OpenMP setting); nested blocks keep the outer setting. ``None`` changes nothing.

    Examples
    --------
    >>> import torch
    >>> before = torch.get_num_threads()
    >>> with torch_threads(1):
    ...     torch.get_num_threads()
    1
    >>> torch.get_num_threads() == before
    True
    """
    if n is None:
        yield
        return
    depth = _depth()
    if depth == 0:
        _local.saved = torch.get_num_threads()
        if n != _local.saved:
            torch.set_num_threads(n)
    _local.depth = depth + 1
    try:
        yield
    finally:
        _local.depth -= 1
        if _local.depth == 0 and torch.get_num_threads() != _local.saved:
            torch.set_num_threads(_local.saved)


# --- a shared pool for engines that release the GIL (OpenCV, scipy.fft, numpy) ---------------------

_POOL: ThreadPoolExecutor | None = None
_POOL_LOCK = threading.Lock()


def _pool() -> ThreadPoolExecutor:
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            _POOL = ThreadPoolExecutor(max_workers=cpu_count(), thread_name_prefix="filterbank")
        return _POOL


def run_jobs(jobs: Sequence[Callable[[], object]], nworkers: int) -> None:
    """Run the jobs; with ``nworkers > 1`` the caller and ``nworkers - 1`` pool threads pull them from one
    shared counter.

    The balance is dynamic: a thread the OS does not schedule leaves its share to the
    others, and a pool thread that never started is cancelled instead of waited for. The
    jobs must release the GIL for their heavy part (``cv2``, ``scipy.fft`` and large numpy
    operations do) to run in parallel.

    Examples
    --------
    >>> out = []
    >>> run_jobs([lambda i=i: out.append(i) for i in range(5)], 2)
    >>> sorted(out)
    [0, 1, 2, 3, 4]
    """
    if nworkers <= 1 or len(jobs) < 2:
        for job in jobs:
            job()
        return
    counter = itertools.count()  # next() on a count is atomic under the GIL
    total = len(jobs)

    def drain() -> None:
        for i in counter:
            if i >= total:
                return
            jobs[i]()

    futures = [_pool().submit(drain) for _ in range(min(nworkers, total) - 1)]
    try:
        drain()
    finally:
        for f in futures:
            if not f.cancel():
                f.result()


others_busy()  # the first reading: an engine's first call then has an interval to judge by
