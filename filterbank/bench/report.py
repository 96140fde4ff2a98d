"""The harness's output: one text table per workload, speed targets, and the JSON results file."""

from __future__ import annotations

import json
import statistics
from pathlib import Path
from typing import Any

import numpy as np

from .._io import write_bytes_atomic
from .workloads import Contender, Workload

__all__ = ["fmt_ms", "table", "write_json"]


def fmt_ms(s: float) -> str:
    """Seconds as milliseconds in 9 columns: one decimal from 10 ms up, two below.

    Examples
    --------
    >>> fmt_ms(0.0123), fmt_ms(0.00123)
    ('     12.3', '     1.23')
    """
    ms = s * 1e3
    return f"{ms:9.1f}" if ms >= 10 else f"{ms:9.2f}"


def _median(c: Contender) -> float:
    return statistics.median(c.times)


def _row(c: Contender, ours: float, cuda: bool) -> tuple[str, dict[str, Any]]:
    med = _median(c)
    mark = "~" if c.scale != 1.0 else " "
    err = "-" if np.isnan(c.error) else f"{c.error:.2g}"
    ratio = med / ours
    line = f"  {c.name:34s}{mark}{fmt_ms(med)} {ratio:7.2f}x {c.peak / 2**20:8.1f} {err:>15s}"
    if cuda:
        line += f" {fmt_ms(statistics.median(c.times_tf32)) if c.times_tf32 else '        -'}"
    row = {
        "contender": c.name,
        "median_s": med,
        "times_s": c.times,
        "ratio_vs_ours": ratio,
        "peak_bytes": c.peak,
        "max_abs_error_vs_cv2": None if np.isnan(c.error) else c.error,
        "extrapolated_x": c.scale,
        "median_tf32_s": statistics.median(c.times_tf32) if c.times_tf32 else None,
    }
    return line, row


def _peer(w: Workload, peer: str) -> Contender | None:
    """The named peer, or for ``"*"`` the fastest contender that is not ours."""
    if peer == "*":
        return min((c for c in w.contenders if c.name != w.ours), key=_median)
    return next((c for c in w.contenders if c.name == peer), None)


def _target_lines(w: Workload, ours: float) -> list[str]:
    lines = []
    for text, peer, factor in w.targets:
        found = _peer(w, peer)
        if found is None:
            lines.append(f"  target: {text}: peer {peer!r} not available")
            continue
        speedup = _median(found) / ours
        ok = speedup >= factor
        lines.append(f"  target: {text}: {speedup:.2f}x vs {found.name} -> {'MET' if ok else 'NOT MET'}")
        w.info.setdefault("targets", []).append(
            {"target": text, "peer": found.name, "speedup": speedup, "needed": factor, "met": ok}
        )
    return lines


def table(w: Workload, cuda: bool) -> tuple[str, list[dict[str, Any]]]:
    """The text table of a timed workload and its rows for the JSON file; records each target in ``w.info``.

    Parameters
    ----------
    w : Workload
        A workload whose contenders have ``times`` (and ``times_tf32`` on CUDA).
    cuda : bool
        Add the TF32 column.

    Returns
    -------
    (str, list of dict)
        The table and one dict per contender.

    Examples
    --------
    >>> from filterbank.bench.workloads import Contender, Workload
    >>> ours = Contender("ours", print, times=[0.010, 0.012, 0.011], error=0.0, peak=2**20)
    >>> peer = Contender("peer", print, times=[0.030, 0.033, 0.031], error=1e-7, peak=2 * 2**20)
    >>> w = Workload("W0", "W0 demo", np.zeros(1), 1e-6, "ours", [ours, peer], [("2x faster", "peer", 2.0)])
    >>> text, rows = table(w, cuda=False)
    >>> print(text)  # doctest: +NORMALIZE_WHITESPACE
    W0 demo
      tolerance 1e-06; auto chose None
      contender                          median ms  vs ours  peak MB  max err vs cv2
      ours                                   11.0    1.00x      1.0               0
      peer                                   31.0    2.82x      2.0           1e-07
      target: 2x faster: 2.82x vs peer -> MET
    >>> rows[1]["ratio_vs_ours"] == 0.031 / 0.011
    True
    """
    ours = _median(next(c for c in w.contenders if c.name == w.ours))
    head = f"{'contender':34s} {'median ms':>9s} {'vs ours':>8s} {'peak MB':>8s} {'max err vs cv2':>15s}"
    if cuda:
        head += f" {'ms TF32':>9s}"
    lines = [w.title, f"  tolerance {w.tol:.2g}; auto chose {w.info.get('auto_method')!r}", "  " + head]
    rows = []
    for c in w.contenders:
        line, row = _row(c, ours, cuda)
        lines.append(line)
        rows.append(row)
    lines += _target_lines(w, ours)
    return "\n".join(lines), rows


def write_json(results: dict[str, Any], path: str | Path) -> Path:
    """Write the results (header and workloads) as indented JSON, atomically; return the path.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = write_json({"header": "h", "workloads": []}, pathlib.Path(tempfile.mkdtemp()) / "b.json")
    >>> json.loads(p.read_text())["header"]
    'h'
    """
    return write_bytes_atomic(Path(path), (json.dumps(results, indent=1) + "\n").encode("utf-8"))
