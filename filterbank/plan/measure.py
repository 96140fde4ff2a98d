"""Measured planning: ``auto`` times its best candidates once per call signature and keeps the fastest.

The cost model (:mod:`~filterbank.plan.chooser`) prices every method from constants
measured once per machine. It cannot see what changes from process to process: torch's
CPU convolution with one input channel has steps of 3-8x in its time per multiply-add
by batch and output channels, and which side of a step a shape falls on varies between
processes and with oneDNN on or off; OpenCV's per-call overhead differs between small
and large planes. Where such a step lies between two candidates, the model's choice can
be 2x slower than the best allowed method.

With :func:`set_planner` ``("measure")`` the first ``filter2d`` / ``FilterConv2d`` call of each signature
(image shape and dtype, kernel shape, border, padding, value, output dtype, thread counts, and the
shortlist with its estimates, which carry the kernels' factor ranks)
runs the model's best candidates on the call's own input (those estimated within
:data:`SPREAD` of the best, at most :data:`MAX_CANDIDATES`), times them and keeps the
fastest for every later call with that signature. Like ``torch.backends.cudnn.benchmark``
and FFTW's ``FFTW_MEASURE``, it is off by default: every candidate is within the accuracy
rules (:mod:`~filterbank.plan.accuracy`), but two methods may differ in the last bits,
so with measuring on, which of them a process uses depends on timing.

Measuring applies to ``filter2d`` and the 2-D layers (``FilterConv2d``) on CPU inputs
(numpy arrays, CPU tensors) outside autograd; elsewhere (CUDA, autograd, 1-D and 3-D)
the model decides.
"""

from __future__ import annotations

import functools
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping

import cv2
import torch

from .._errors import UnknownNameError

__all__ = [
    "MAX_CANDIDATES",
    "PLANNERS",
    "SPREAD",
    "decided",
    "fastest",
    "forget",
    "pick",
    "planner",
    "set_planner",
    "shortlist",
    "threads",
]

#: The planners: the cost model alone (the default), or the model's shortlist timed on the first call.
PLANNERS: tuple[str, ...] = ("estimate", "measure")

#: Candidates estimated within this factor of the model's best are timed (the model's errors reach 2-3x).
SPREAD = 4.0

#: At most this many candidates are timed (the model's best first).
MAX_CANDIDATES = 3

#: Below this estimate (seconds) each candidate is timed five times, below ``_WARM_BELOW`` twice, else once;
#: the shortest time counts (a run's time only ever grows with interference: a descheduled thread, a stall
#: at an OpenMP barrier; on the 2-core VM a median of three 2 ms runs once kept a 3x slower candidate).
_REPEAT_BELOW = 0.02

#: From this estimate (seconds) on, the untimed first run (one-time set-up: spectra, oneDNN primitives) is
#: skipped: such set-up is then a small part of a run, and the first call costs one run per candidate more.
_WARM_BELOW = 0.05

_LOCK = threading.Lock()
#: None until the first :func:`planner` call reads ``FILTERBANK_PLANNER`` (or :func:`set_planner` sets it)
_STATE: dict[str, str | None] = {"planner": None}


def set_planner(name: str) -> str:
    """Choose how ``method="auto"`` decides: by the cost model, or by timing its shortlist.

    Parameters
    ----------
    name : {"estimate", "measure"}
        ``"estimate"`` (the default; the environment variable ``FILTERBANK_PLANNER``,
        read at the first call, sets the initial one): the cost model chooses, the same method in every
        process. ``"measure"``: the first ``filter2d`` (or ``FilterConv2d``) call of each
        signature on a CPU input outside autograd times the model's best candidates (at most
        :data:`MAX_CANDIDATES`, estimated within :data:`SPREAD` of the best) and keeps
        the fastest; it costs those runs once.

    Returns
    -------
    str
        The planner in force before the call.

    Notes
    -----
    Unlike ``torch.backends.cudnn.benchmark`` (a flag for the CUDA convolutions), this
    applies to CPU calls; on other devices the model decides in both modes. Every method
    ``auto`` may choose is within filterbank's accuracy rules, but two of them may differ
    in the last bits: with ``"measure"``, which one a process runs depends on timing.

    Examples
    --------
    >>> previous = set_planner("measure")
    >>> planner()
    'measure'
    >>> set_planner(previous)
    'measure'
    """
    if not isinstance(name, str) or name not in PLANNERS:
        raise UnknownNameError("name", name, PLANNERS)
    with _LOCK:
        previous = planner()
        _STATE["planner"] = name
    return previous


def planner() -> str:
    """The planner in force: ``"estimate"`` or ``"measure"`` (see :func:`set_planner`).

    Examples
    --------
    >>> planner() in PLANNERS
    True
    """
    name = _STATE["planner"]
    if name is not None:
        return name
    raw = os.environ.get("FILTERBANK_PLANNER", "").strip() or "estimate"
    if raw not in PLANNERS:  # read at the first call, not at import: the error names the variable
        raise UnknownNameError("FILTERBANK_PLANNER", raw, PLANNERS)
    _STATE["planner"] = raw
    return raw


def shortlist(estimates: Mapping[str, float]) -> list[str]:
    """The candidates worth timing: the model's best and those within :data:`SPREAD` of it, best first.

    Examples
    --------
    >>> shortlist({"direct": 1.0, "fft": 3.0, "opencv": 0.5, "lowrank": 9.0})
    ['opencv', 'direct']
    """
    ranked = sorted(estimates, key=estimates.__getitem__)
    best = estimates[ranked[0]]
    return [m for m in ranked if estimates[m] <= SPREAD * best][:MAX_CANDIDATES]


def threads() -> tuple[int, int]:
    """The thread counts a measured decision was timed at (torch's, OpenCV's): part of its key."""
    return torch.get_num_threads(), cv2.getNumThreads()


def pick(choice: str, estimates: Mapping[str, float], signature: tuple, run: Callable[[str], object]) -> str:
    """``auto``'s method: the model's ``choice``, or under the measuring planner the fastest of its shortlist.

    ``signature`` names the work (shapes, dtypes, border, value...); the key adds the thread
    counts and the shortlist with its estimates (which carry the kernels' factor ranks), not
    the kernel's values. ``run(method)`` runs the call with that method. Measured once per
    key (:func:`decided`); the caller decides whether a call may be measured at all.

    Examples
    --------
    >>> pick("direct", {"direct": 1.0, "fft": 2.0}, ("doc",), lambda m: None)  # the estimating planner
    'direct'
    """
    if planner() == "estimate":
        return choice
    short = shortlist(estimates)
    if len(short) < 2:
        return choice
    key = (*signature, *threads(), tuple((m, float(f"{estimates[m]:.3g}")) for m in short))
    return decided(key, {m: functools.partial(run, m) for m in short}, estimates[short[0]])


#: Measured decisions kept (least recently used dropped first).
_KEEP = 256
_DECIDED: OrderedDict[Hashable, str] = OrderedDict()


def decided(key: Hashable, runs: Mapping[str, Callable[[], object]], estimate: float) -> str:
    """The method measured for ``key`` (a call's signature and its shortlist), timing ``runs`` on a miss.

    ``runs`` are the shortlist's candidates, the model's best first, and ``estimate`` the
    model's best estimate (see :func:`fastest`). A hit costs one dictionary look-up; the
    measurement runs outside the lock, so two threads may measure the same key once each.

    Examples
    --------
    >>> decided(("doc", 1), {"only": lambda: None}, 1e-3)
    'only'
    """
    with _LOCK:
        hit = _DECIDED.get(key)
        if hit is not None:
            _DECIDED.move_to_end(key)
            return hit
    name = fastest(runs, estimate)[0]
    with _LOCK:
        _DECIDED[key] = name
        while len(_DECIDED) > _KEEP:
            _DECIDED.popitem(last=False)
    return name


def forget() -> None:
    """Drop every measured decision (the next call of each signature measures again).

    Examples
    --------
    >>> forget()
    """
    with _LOCK:
        _DECIDED.clear()


def fastest(runs: Mapping[str, Callable[[], object]], estimate: float) -> tuple[str, dict[str, float]]:
    """Time every run (one untimed first run each, then interleaved rounds) and name the fastest.

    ``estimate`` is the model's best estimate in seconds: below ``_REPEAT_BELOW`` each run
    is timed five times, below ``_WARM_BELOW`` twice, else once, and its shortest time
    counts; from ``_WARM_BELOW`` on the untimed first run is skipped. Ties go to the run
    listed first (the model's choice).

    Examples
    --------
    >>> name, times = fastest({"a": lambda: sum(range(10)), "b": lambda: sum(range(100_000))}, 1e-4)
    >>> name, sorted(times)
    ('a', ['a', 'b'])
    """
    if estimate < _WARM_BELOW:
        for run in runs.values():
            run()
    rounds = 5 if estimate < _REPEAT_BELOW else 2 if estimate < _WARM_BELOW else 1
    times: dict[str, list[float]] = {m: [] for m in runs}
    for _ in range(rounds):
        for m, run in runs.items():
            t0 = time.perf_counter()
            run()
            times[m].append(time.perf_counter() - t0)
    shortest = {m: min(ts) for m, ts in times.items()}
    best = min(runs, key=shortest.__getitem__)  # min keeps the first of equal values
    return best, shortest
