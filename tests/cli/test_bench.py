"""``filterbank bench``: every option after ``bench`` goes to the packaged harness (filterbank.bench)."""

from __future__ import annotations

import json

import pytest
import torch

import filterbank.bench as bench
from filterbank.cli import main

from ._helpers import REPO, run_module


def test_bench_help_is_the_harness_help(capsys):
    assert main(["bench", "--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: filterbank bench")
    for option in ("--workload", "--reps", "--json", "--no-memory", "--malloc"):
        assert option in out


def test_bench_usage_error_is_status_2(capsys):
    assert main(["bench", "-w", "W10"]) == 2
    assert "W10" in capsys.readouterr().err


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_bench_cuda_without_cuda_is_status_2(capsys):
    assert main(["bench", "--device", "cuda"]) == 2
    assert "CUDA" in capsys.readouterr().err


def test_bench_options_reach_the_harness(monkeypatch):
    seen = []
    monkeypatch.setattr(bench, "main", lambda argv: seen.append(argv) or 0)
    assert main(["bench", "-w", "W2", "--reps", "7", "--help-not-parsed-here"]) == 0
    assert seen == [["-w", "W2", "--reps", "7", "--help-not-parsed-here"]]


def test_bench_w1_through_python_m_filterbank(tmp_path):
    """The harness runs from any folder through the package (no repository `benchmarks/` needed)."""
    out = tmp_path / "b.json"
    argv = ("bench", "-w", "W1", "--reps", "1", "--settle", "0", "--no-memory", "--quiet", "--json", str(out))
    proc = run_module("filterbank", *argv, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "W1 Sobel+Scharr x/y (4 x 3x3) on 16 x gray 224^2" in proc.stdout
    data = json.loads(out.read_text())
    (w1,) = data["workloads"]
    assert w1["key"] == "W1" and {r["contender"] for r in w1["rows"]} >= {
        "filterbank filter2d (auto)",
        "cv2.filter2D loop",
    }
    assert not (REPO / "benchmarks" / "run.py").exists()
