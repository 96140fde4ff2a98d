"""Regenerate the README's parity numbers from one recorded run.

Runs :func:`filterbank.parity.run_parity` on the packaged sample images (CPU, float32 and
uint8, every path, the default borders), writes the whole report as JSON to
``docs/results/parity-cpu.json`` and rewrites the README block between
``<!-- parity:begin -->`` and ``<!-- parity:end -->``: the table of the ``inject`` path
and, for every path and dtype, which families were bit-identical (a measured 0) and the
largest error of the others. Nothing in that block is typed by hand.

Usage::

    python scripts/readme_numbers.py            # run, write the JSON, rewrite the README block
    python scripts/readme_numbers.py --check    # run and fail if the README block differs

The thread count matters for the grouped convolutions (torch may split the sum
differently), so the run states it; ``--threads`` sets it (default 1, what the README shows).
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

import cv2
import torch

import filterbank
from filterbank import images, parity
from filterbank._io import write_bytes_atomic

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
RESULT = ROOT / "docs" / "results" / "parity-cpu.json"
BEGIN, END = "<!-- parity:begin -->", "<!-- parity:end -->"


def _err(v: float, dtype: str = "float32") -> str:
    if v == 0:
        return "0"
    return f"{v:g} grey level(s)" if dtype == "uint8" else f"{v:.1e}"


def _summary(rows: list[dict]) -> list[str]:
    """One line per (dtype, path): the bit-identical families and the largest error of the rest."""
    lines = []
    keys = list(dict.fromkeys((r["dtype"], r["path"]) for r in rows))
    for dtype, path in keys:
        sel = [r for r in rows if (r["dtype"], r["path"]) == (dtype, path)]
        fams = list(dict.fromkeys(r["family"] for r in sel))
        worst = {f: max(r["max_err"] for r in sel if r["family"] == f) for f in fams}
        exact = [f for f in fams if worst[f] == 0]
        other = [f"{f} {_err(worst[f], dtype)}" for f in fams if worst[f] != 0]
        text = f"- {dtype}, `{path}`: bit-identical (max error 0 on every border): {', '.join(exact) or 'none'}"
        text += f"; others: {', '.join(other)}" if other else "; no other family"
        lines.append(text + ".")
    return lines


def block(report: dict, meta: dict) -> str:
    rep = parity.ParityReport([parity.ParityRow(**r) for r in report["rows"]], report["images"], report["seconds"])
    table = rep.table().split("\n\n")[0]  # float32, inject: the first table
    out = [
        BEGIN,
        f"Recorded run ({meta['when']}): {meta['machine']}, torch {meta['torch']}, OpenCV {meta['opencv']}, "
        f"{meta['threads']} thread(s), {len(report['images'])} packaged images; "
        f"`python scripts/readme_numbers.py` regenerates this block and `{RESULT.relative_to(ROOT)}`.",
        "",
        "```",
        table,
        "```",
        "",
        "Every path and dtype of the same run (maximum over the four borders and the images):",
        "",
        *_summary(report["rows"]),
        END,
    ]
    return "\n".join(out)


def run(threads: int) -> tuple[dict, dict]:
    torch.set_num_threads(threads)
    cv2.setNumThreads(threads)
    imgs = images.load_images()
    rep = parity.run_parity(imgs, dtypes=("float32", "uint8"))
    meta = {
        "when": time.strftime("%Y-%m-%d"),
        "machine": f"{platform.machine()} {platform.processor() or ''}".strip(),
        "torch": torch.__version__,
        "opencv": cv2.__version__,
        "filterbank": filterbank.__version__,
        "threads": threads,
    }
    return rep.to_dict(), meta


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true", help="fail if the README block differs (nothing written)")
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args(argv)
    report, meta = run(args.threads)
    text = README.read_text(encoding="utf-8")
    if BEGIN not in text or END not in text:
        print(f"README.md has no {BEGIN} ... {END} block", file=sys.stderr)
        return 2
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    new = head + block(report, meta) + tail
    if args.check:
        # The date line changes every run: compare the tables and summaries only.
        same = [ln for ln in new.splitlines() if not ln.startswith("Recorded run")] == [
            ln for ln in text.splitlines() if not ln.startswith("Recorded run")
        ]
        print("README parity block up to date" if same else "README parity block differs from this run")
        return 0 if same else 1
    write_bytes_atomic(RESULT, (json.dumps({"meta": meta, **report}, indent=1) + "\n").encode())
    write_bytes_atomic(README, new.encode("utf-8"))
    print(block(report, meta))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
