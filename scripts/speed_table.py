"""Regenerate the README's speed table from one ``filterbank bench --json`` results file.

Usage::

    python scripts/speed_table.py benchmarks/results/cpu-amd-epyc-2core.json           # print the table
    python scripts/speed_table.py benchmarks/results/cpu-amd-epyc-2core.json --write   # replace it in README.md

The table sits in README.md between ``<!-- speed-table:begin -->`` and ``<!-- speed-table:end -->``;
the 3-D section's table (V1, V2) between ``<!-- volume-table:begin -->`` and ``<!-- volume-table:end -->``.
Every number in both comes from the one JSON file (machine, threads, malloc mode and load from its header).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from filterbank._io import write_bytes_atomic

BEGIN, END = "<!-- speed-table:begin -->", "<!-- speed-table:end -->"
VBEGIN, VEND = "<!-- volume-table:begin -->", "<!-- volume-table:end -->"
README = Path(__file__).resolve().parents[1] / "README.md"


def _ms(seconds: float) -> str:
    ms = seconds * 1e3
    return f"{ms:.1f} ms" if ms >= 10 else (f"{ms:.2f} ms" if ms >= 0.1 else f"{ms * 1e3:.1f} us")


def _row(w: dict) -> str:
    rows = {r["contender"]: r for r in w["rows"]}
    ours_name = w["rows"][0]["contender"]
    ours = rows[ours_name]
    peers = [r for name, r in rows.items() if name != ours_name and r.get("extrapolated_x", 1.0) == 1.0]
    fastest = min(peers, key=lambda r: r["median_s"])
    err = ours.get("max_abs_error_vs_cv2")
    err_text = "-" if err is None else ("0" if err == 0 else f"{err:.1g}")
    targets = w["info"].get("targets", [])
    target_text = "; ".join(
        f"{t['target']}: {t['speedup']:.2f}x vs {t['peer']} {'met' if t['met'] else 'NOT met'}" for t in targets
    )
    method = w["info"].get("auto_method", "?")
    title = w["title"]
    return (
        f"| {title} | {_ms(ours['median_s'])} ({method}) | {fastest['contender']} {_ms(fastest['median_s'])} "
        f"| {fastest['median_s'] / ours['median_s']:.2f}x | {err_text} | {target_text} |"
    )


def table(results: dict, source: str) -> str:
    """The markdown block: how it was measured (from the header), then one row per workload."""
    header = " ".join(line.strip() for line in results["header"].splitlines())
    lines = [
        f"From `{source}` (one run of `filterbank bench`; medians of interleaved repetitions). {header}.",
        "",
        "| workload | filterbank (auto's method) | fastest peer | speed-up | max error vs cv2.filter2D | targets |",
        "|---|---|---|---|---|---|",
    ]
    lines += [_row(w) for w in results["workloads"]]
    return "\n".join(lines)


def _volume_row(w: dict) -> str:
    ours, *peers = w["rows"]
    peer_text = "; ".join(
        f"{r['contender']} {_ms(r['median_s'])}"
        + (f" (extrapolated from 1/{r['extrapolated_x']:g} of the work)" if r.get("extrapolated_x", 1.0) != 1.0 else "")
        for r in peers
    )
    targets = "; ".join(
        f"{t['speedup']:.2f}x vs {t['peer']} (target {t['needed']:g}x: {'met' if t['met'] else 'NOT met'})"
        for t in w["info"].get("targets", [])
    )
    title = w["title"].split(" ", 1)[1]
    return f"| {w['key']} {title} | {w['info']['auto_method']} {_ms(ours['median_s'])} | {peer_text} | {targets} |"


def volume_table(results: dict, source: str) -> str:
    """The 3-D section's block: the V workloads of the same run."""
    rows = [_volume_row(w) for w in results["workloads"] if w["key"].startswith("V")]
    return "\n".join(
        [
            f"From `{source}`, the same run as the speed table below.",
            "",
            "| workload | filterbank (auto's method) | peers | speed-up |",
            "|---|---|---|---|",
            *rows,
        ]
    )


def _replace(text: str, begin: str, end: str, block: str) -> str:
    start, stop = text.index(begin) + len(begin), text.index(end)
    return text[:start] + "\n" + block + "\n" + text[stop:]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("results", help="a JSON file written by `filterbank bench --json`")
    ap.add_argument("--write", action="store_true", help="replace the table in README.md")
    args = ap.parse_args(argv)
    path = Path(args.results)
    results = json.loads(path.read_text())
    block, volumes = table(results, path.as_posix()), volume_table(results, path.as_posix())
    if not args.write:
        print(block + "\n\n" + volumes)
        return 0
    text = _replace(README.read_text(), BEGIN, END, block)
    write_bytes_atomic(README, _replace(text, VBEGIN, VEND, volumes).encode("utf-8"))
    print(f"wrote the speed table and the 3-D table of {README}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
