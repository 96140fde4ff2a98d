"""The planner's measured cost constants: a JSON data file shipped in the package.

``costs.json`` (next to this module) holds seconds per unit of work of each
primitive, measured by ``python -m filterbank.bench.calibrate`` on the machine it names:

- ``call``: the fixed cost of one small torch op;
- ``mem_elem``: seconds per float32 element copied into existing memory;
- ``direct_mac``: seconds per multiply-add of ``F.conv2d`` with several output channels, per kernel
  area (taps);
- ``direct_mac1``: the same with one output channel (a single kernel), which ``F.conv2d`` runs
  several times less efficiently per multiply-add (measured 3-9x on one thread);
- ``gemm_flop``: seconds per flop of the banded-Toeplitz 1-D passes;
- ``axpy_elem``: seconds per element of a shifted multiply-add;
- ``fft_elem_log``: seconds per ``n log2 n`` element of ``rfft2`` / ``irfft2``;
- ``cmul_elem``: seconds per complex multiply of spectra;
- ``cv_call``: the fixed cost of one ``cv2.filter2D`` call (the OpenCV engine);
- ``cv_tap``: seconds per output pixel and kernel tap of ``cv2.filter2D``'s direct sum on one
  thread, per kernel area (taps);
- ``cv_dft_px``: seconds per ``n log2 n`` of the padded image's pixels on ``cv2.filter2D``'s DFT path
  (one thread);
- ``cv_sep_tap``: seconds per output pixel and ``kh + kw`` taps of ``cv2.sepFilter2D`` on float32
  on one thread (rank-1 kernels, the planner's ``opencv-separable``);
- ``method_scale``: per method, the median ratio of its measured end-to-end time (through
  ``filter2d``) to the model's estimate on a few representative calls: what the primitive
  constants miss (cache misses of large passes, fresh pages, per-op overheads); ``method@large``
  is the ratio on images of ``LARGE_PLANE`` (512^2) output pixels or more;
- ``method_call``: per method, the fixed seconds of one whole call on a tiny image beyond the
  model's estimate (validation, caches, factorisation and spectrum look-ups, chunk set-up).

Calibration rewrites the data file with :func:`write_costs` (atomically), never
a source file. :data:`COSTS` is the table loaded at import; the planner reads it
on every estimate, so updating it in place changes the next choice.
"""

from __future__ import annotations

import json
import os
from importlib import resources
from pathlib import Path
from typing import cast

from .._errors import ParameterError
from .._io import write_atomic

__all__ = ["COSTS", "COST_KEYS", "TABLE_KEYS", "load_costs", "write_costs"]

#: Keys every cost table holds (``machine`` names where it was measured).
COST_KEYS: tuple[str, ...] = (
    "machine",
    "direct_mac",
    "direct_mac1",
    "gemm_flop",
    "mem_elem",
    "axpy_elem",
    "fft_elem_log",
    "cmul_elem",
    "call",
    "cv_call",
    "cv_tap",
    "cv_dft_px",
    "cv_sep_tap",
    "method_scale",
    "method_call",
)

#: Keys whose value is a table ``{taps: seconds}``.
TABLE_KEYS: tuple[str, ...] = ("direct_mac", "direct_mac1", "cv_tap")

_FILE = "costs.json"


def _package_path() -> Path:
    """The ``costs.json`` shipped in this package, as a file system path."""
    return Path(str(resources.files(__package__).joinpath(_FILE)))


def _normalise(costs: dict[str, object]) -> dict[str, object]:
    """Check the keys and types of a cost table; ``direct_mac`` keys become ints (taps), values floats."""
    missing = [k for k in COST_KEYS if k not in costs]
    if missing:
        raise ParameterError(f"`costs` must have the keys {list(COST_KEYS)}; missing {missing}")
    out: dict[str, object] = {"machine": str(costs["machine"])}
    for key in COST_KEYS[1:]:
        value = costs[key]
        if key in ("method_scale", "method_call"):
            if not isinstance(value, dict):
                raise ParameterError(f"`costs[{key!r}]` must be a mapping method -> number; got {value!r}")
            out[key] = {str(k): float(v) for k, v in sorted(value.items())}
            continue
        if key not in TABLE_KEYS:
            out[key] = float(value)  # type: ignore[arg-type]
            continue
        if not isinstance(value, dict) or not value:
            raise ParameterError(f"`costs[{key!r}]` must be a non-empty mapping taps -> seconds; got {value!r}")
        out[key] = {int(k): float(v) for k, v in sorted(value.items(), key=lambda kv: int(kv[0]))}
    return out


def load_costs(path: str | os.PathLike[str] | None = None) -> dict[str, object]:
    """Read a cost table: the package's ``costs.json`` by default.

    Parameters
    ----------
    path : str or path-like, optional
        A JSON file written by :func:`write_costs`. Default: the one shipped in
        ``filterbank.plan`` (read through :mod:`importlib.resources`).

    Returns
    -------
    dict
        ``{"machine": str, "direct_mac": {taps: seconds}, "gemm_flop": seconds, ...}``
        (the keys of :data:`COST_KEYS`; ``direct_mac`` keyed by int taps).

    Examples
    --------
    >>> sorted(load_costs()["direct_mac"])[:2]
    [9, 49]
    """
    if path is None:
        text = resources.files(__package__).joinpath(_FILE).read_text(encoding="utf-8")
    else:
        text = Path(path).read_text(encoding="utf-8")
    return _normalise(json.loads(text))


def write_costs(costs: dict[str, object], path: str | os.PathLike[str] | None = None) -> Path:
    """Write a cost table as JSON, atomically (temporary file, fsync, replace).

    Parameters
    ----------
    costs : dict
        A table with every key of :data:`COST_KEYS`.
    path : str or path-like, optional
        Where to write. Default: the package's own ``costs.json`` (what
        calibration updates; the loaded :data:`COSTS` is not changed by the write).

    Returns
    -------
    pathlib.Path
        The file written.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = write_costs(COSTS, pathlib.Path(tempfile.mkdtemp()) / "costs.json")
    >>> load_costs(p) == COSTS
    True
    """
    table = _normalise(costs)
    for key in TABLE_KEYS:
        table[key] = {str(k): v for k, v in cast("dict[int, float]", table[key]).items()}
    data = (json.dumps(table, indent=2) + "\n").encode("utf-8")
    return write_atomic(_package_path() if path is None else path, lambda f: f.write(data))


#: The cost table in use (loaded from the package's ``costs.json`` at import).
COSTS: dict[str, object] = load_costs()
