"""The examples run, in a fast mode, and report success through their exit status."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "script, args",
    [
        ("seed_first_conv.py", ["--steps", "30"]),
        ("opencv_on_torch.py", []),
        ("seed_cnn.py", ["--fast"]),
        ("pipeline.py", ["--fast"]),
        ("learned_vs_fixed.py", ["--fast", "--out", "{tmp}"]),
    ],
)
def test_example_runs(script: str, args: list[str], tmp_path: Path) -> None:
    if script in ("seed_cnn.py", "learned_vs_fixed.py"):
        pytest.importorskip("sklearn", reason="the digits task needs scikit-learn (dev extra)")
    args = [a.format(tmp=tmp_path) for a in args]
    proc = subprocess.run(
        [sys.executable, str(ROOT / "examples" / script), *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "OMP_NUM_THREADS": "1"},
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.strip()


def test_study_fast_writes_outputs_not_docs(tmp_path: Path) -> None:
    """The fast study writes its JSON and pictures under --out and refuses to overwrite docs/."""
    pytest.importorskip("sklearn", reason="the digits task needs scikit-learn (dev extra)")
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "OMP_NUM_THREADS": "1"}
    script = str(ROOT / "examples" / "learned_vs_fixed.py")
    # "--tasks none" makes the run stop before writing anything even if the docs/ guard were broken.
    refused = subprocess.run(
        [sys.executable, script, "--fast", "--out", str(ROOT / "docs"), "--tasks", "none"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert refused.returncode == 2 and "must not write to docs" in refused.stderr, refused.stdout + refused.stderr
    proc = subprocess.run(
        [sys.executable, script, "--fast", "--tasks", "digits", "--conditions", "b,c", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    record = json.loads((tmp_path / "study_results.json").read_text())
    rows = record["summary"]["digits"]["conditions"]
    assert set(rows) == {"b", "c"} and rows["b"]["frozen_identical"]
    assert (tmp_path / "images" / "study_accuracy.png").stat().st_size > 0
    assert (tmp_path / "images" / "study_filters.png").stat().st_size > 0


@pytest.mark.parametrize("script", ["pipeline.py", "seed_cnn.py", "learned_vs_fixed.py"])
def test_cuda_asked_without_cuda_exits_2(script: str) -> None:
    """``--device cuda`` on a machine without CUDA: one-line error, exit status 2."""
    import torch

    if torch.cuda.is_available():
        pytest.skip("a CUDA device is present")
    proc = subprocess.run(
        [sys.executable, str(ROOT / "examples" / script), "--fast", "--device", "cuda", "--out", "/nonexistent"]
        if script == "learned_vs_fixed.py"
        else [sys.executable, str(ROOT / "examples" / script), "--fast", "--device", "cuda"],
        capture_output=True,
        text=True,
        timeout=120,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "OMP_NUM_THREADS": "1"},
    )
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "cuda" in proc.stderr.lower() and len(proc.stderr.strip().splitlines()) == 1
