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
  thread, per kernel area (taps), for float input;
- ``cv_tap_int``: the same for integer input (uint8, uint16, int16), which OpenCV converts on the
  way in (measured 1.9-2.5x ``cv_tap`` from 3x3 to 11x11);
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

The same file holds, under the top-level key ``"nd"``, the rates of the N-D planner
(:mod:`filterbank.plan.nd`), measured by ``python -m filterbank.bench.calibrate_nd`` in
the units of the 2-D table (scaled by its ``gemm_flop``):

- ``direct_mac``: per number of spatial axes (1, 3), seconds per multiply-add of
  ``F.conv1d`` / ``F.conv3d`` (one input channel), per kernel taps; ``null`` for 2
  (2-D kernels use the 2-D table);
- ``fft_elem_log``: per number of spatial axes, seconds per ``n log2 n`` element of an
  inverse real (or, for pairs of maps, complex) N-D FFT; ``null`` for 2.

Calibration rewrites the data file with :func:`write_costs` / :func:`write_costs_nd`
(atomically, each keeping the other's part), never a source file. :data:`COSTS` and
:data:`COSTS_ND` are the tables loaded at import; the planners read them on every
estimate, so updating them in place changes the next choice.
"""

from __future__ import annotations

import json
import os
from importlib import resources
from pathlib import Path
from typing import Any, cast

from .._errors import ParameterError
from .._io import write_atomic

__all__ = [
    "COSTS",
    "COSTS_ND",
    "COST_KEYS",
    "ND_KEY",
    "TABLE_KEYS",
    "load_costs",
    "load_costs_nd",
    "write_costs",
    "write_costs_nd",
]

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
    "cv_tap_int",
    "cv_dft_px",
    "cv_sep_tap",
    "method_scale",
    "method_call",
)

#: Keys whose value is a table ``{taps: seconds}``.
TABLE_KEYS: tuple[str, ...] = ("direct_mac", "direct_mac1", "cv_tap", "cv_tap_int")

#: The top-level key of ``costs.json`` that holds the N-D table (:data:`COSTS_ND`).
ND_KEY = "nd"

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


def _normalise_nd(nd: object) -> dict[str, Any]:
    """Check an N-D table; axis counts and taps become ints, rates floats, ``None`` stays (2-D: the 2-D table)."""
    if not isinstance(nd, dict) or set(nd) != {"machine", "direct_mac", "fft_elem_log"}:
        got = sorted(nd) if isinstance(nd, dict) else nd
        raise ParameterError(f"`costs_nd` must have the keys ['direct_mac', 'fft_elem_log', 'machine']; got {got!r}")
    out: dict[str, Any] = {"machine": str(nd["machine"])}
    for key in ("direct_mac", "fft_elem_log"):
        value = nd[key]
        if not isinstance(value, dict) or {int(d) for d in value} != {1, 2, 3}:
            raise ParameterError(f"`costs_nd[{key!r}]` must be a mapping with the axis counts 1, 2, 3; got {value!r}")
        rows: dict[int, Any] = {}
        for d, row in sorted(value.items(), key=lambda kv: int(kv[0])):
            if row is None:
                rows[int(d)] = None
            elif key == "fft_elem_log":
                rows[int(d)] = float(row)
            elif isinstance(row, dict) and row:
                rows[int(d)] = {int(k): float(v) for k, v in sorted(row.items(), key=lambda kv: int(kv[0]))}
            else:
                raise ParameterError(f"`costs_nd['direct_mac'][{d}]` must be None or taps -> seconds; got {row!r}")
        out[key] = rows
    return out


def _read(path: str | os.PathLike[str] | None) -> dict[str, Any]:
    """The raw JSON of ``path`` (default: the package's ``costs.json``)."""
    if path is None:
        text = resources.files(__package__).joinpath(_FILE).read_text(encoding="utf-8")
    else:
        text = Path(path).read_text(encoding="utf-8")
    return cast("dict[str, Any]", json.loads(text))


def _write(data: dict[str, Any], path: str | os.PathLike[str] | None) -> Path:
    raw = (json.dumps(data, indent=2) + "\n").encode("utf-8")
    return write_atomic(_package_path() if path is None else path, lambda f: f.write(raw))


def _kept(path: str | os.PathLike[str] | None) -> dict[str, Any]:
    """What is already in the file a write replaces ({} when there is none yet)."""
    target = _package_path() if path is None else Path(path)
    return _read(target) if target.is_file() else {}


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
    return _normalise(_read(path))


def load_costs_nd(path: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """Read the N-D table (the ``"nd"`` key of a cost file): the package's ``costs.json`` by default.

    Parameters
    ----------
    path : str or path-like, optional
        A JSON file written by :func:`write_costs_nd`. Default: the one shipped in ``filterbank.plan``.

    Returns
    -------
    dict
        ``{"machine": str, "direct_mac": {d: {taps: seconds} or None}, "fft_elem_log": {d: seconds or None}}``
        for ``d`` in 1, 2, 3 (``None`` for 2: 2-D kernels use the 2-D table).

    Examples
    --------
    >>> table = load_costs_nd()
    >>> sorted(table["direct_mac"][3])[:2], table["fft_elem_log"][2]
    ([27, 125], None)
    """
    raw = _read(path)
    if ND_KEY not in raw:
        raise ParameterError(f"the cost file must have the key {ND_KEY!r} (the N-D table); got keys {sorted(raw)}")
    return _normalise_nd(raw[ND_KEY])


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
        The file written. The N-D table (key ``"nd"``) of a file already there is kept.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = write_costs(COSTS, pathlib.Path(tempfile.mkdtemp()) / "costs.json")
    >>> load_costs(p) == COSTS
    True
    """
    table: dict[str, Any] = _normalise(costs)
    for key in TABLE_KEYS:
        table[key] = {str(k): v for k, v in cast("dict[int, float]", table[key]).items()}
    old = _kept(path)
    if ND_KEY in old:
        table[ND_KEY] = old[ND_KEY]
    return _write(table, path)


def write_costs_nd(costs_nd: dict[str, Any], path: str | os.PathLike[str] | None = None) -> Path:
    """Write the N-D table into the ``"nd"`` key of a cost file, atomically, keeping the 2-D table there.

    Parameters
    ----------
    costs_nd : dict
        ``{"machine", "direct_mac", "fft_elem_log"}`` as :func:`load_costs_nd` returns.
    path : str or path-like, optional
        Where to write. Default: the package's own ``costs.json`` (what
        ``python -m filterbank.bench.calibrate_nd --write`` updates; the loaded
        :data:`COSTS_ND` is not changed by the write).

    Returns
    -------
    pathlib.Path
        The file written.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = write_costs(COSTS, pathlib.Path(tempfile.mkdtemp()) / "costs.json")
    >>> p = write_costs_nd(COSTS_ND, p)
    >>> load_costs_nd(p) == COSTS_ND, load_costs(p) == COSTS
    (True, True)
    """
    table = _normalise_nd(costs_nd)
    data = _kept(path)
    direct = {str(d): None if r is None else {str(k): v for k, v in r.items()} for d, r in table["direct_mac"].items()}
    fft = {str(d): v for d, v in table["fft_elem_log"].items()}
    data[ND_KEY] = {"machine": table["machine"], "direct_mac": direct, "fft_elem_log": fft}
    return _write(data, path)


#: The cost table in use (loaded from the package's ``costs.json`` at import).
COSTS: dict[str, object] = load_costs()
#: The N-D planner's rates in use (the ``"nd"`` key of the package's ``costs.json``, loaded at import).
COSTS_ND: dict[str, Any] = load_costs_nd()
