"""Helpers shared by the command-line tests."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import filterbank.parity as parity

REPO = Path(__file__).resolve().parents[2]
FAMILIES = [label for label, _ in parity.default_groups()]
BORDERS = ("reflect101", "symmetric", "replicate", "constant")


def one_line_error(err: str) -> str:
    """The single ``filterbank: error: ...`` line of ``err`` (asserts there is exactly one, no traceback)."""
    lines = [s for s in err.splitlines() if s.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("filterbank: error: "), err
    assert "Traceback" not in err
    return lines[0]


def run_module(module: str, *argv: str, cwd: Path) -> subprocess.CompletedProcess:
    """``python -m <module> argv...`` in ``cwd`` with the checkout first on the path."""
    env = dict(os.environ, PYTHONPATH=str(REPO))
    return subprocess.run(
        [sys.executable, "-m", module, *argv],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=120,
        check=False,
    )
