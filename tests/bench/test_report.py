"""filterbank.bench.report: the text table, speed targets, the JSON file."""

from __future__ import annotations

import json

import numpy as np

from filterbank.bench.report import fmt_ms, table, write_json
from filterbank.bench.workloads import Contender, Workload


def _workload(targets) -> Workload:
    ours = Contender("ours", print, times=[0.010, 0.030, 0.020], error=0.0, peak=3 * 2**20)
    peer = Contender("peer", print, times=[0.050, 0.040, 0.060], error=2.5e-6, peak=2**20)
    slow = Contender("slow", print, times=[2.0, 2.2, 2.1], scale=40.0, peak=0.0)  # no error measured
    return Workload("W0", "W0 demo", np.zeros(1), 3.2e-5, "ours", [ours, peer, slow], targets, {"auto_method": "fft"})


def test_table_rows_medians_and_marks():
    w = _workload([])
    text, rows = table(w, cuda=False)
    lines = text.splitlines()
    assert lines[0] == "W0 demo"
    assert lines[1] == "  tolerance 3.2e-05; auto chose 'fft'"
    assert lines[3].split() == ["ours", "20.0", "1.00x", "3.0", "0"]
    assert lines[4].split() == ["peer", "50.0", "2.50x", "1.0", "2.5e-06"]
    assert lines[5].split() == ["slow", "~", "2100.0", "105.00x", "0.0", "-"]  # extrapolated, no error measured
    assert lines[5][2 + 34] == "~" and lines[4][2 + 34] == " "  # the mark sits right after the name column
    assert [r["median_s"] for r in rows] == [0.020, 0.050, 2.1]
    assert rows[2]["max_abs_error_vs_cv2"] is None and rows[2]["extrapolated_x"] == 40.0
    assert rows[1]["ratio_vs_ours"] == 0.050 / 0.020
    assert "ms TF32" not in text


def test_targets_met_not_met_fastest_peer_and_missing():
    w = _workload([("2x", "peer", 2.0), ("3x", "peer", 3.0), ("2x the best", "*", 2.0), ("vs kornia", "kornia", 1.5)])
    text, _ = table(w, cuda=False)
    assert "  target: 2x: 2.50x vs peer -> MET" in text
    assert "  target: 3x: 2.50x vs peer -> NOT MET" in text
    assert "  target: 2x the best: 2.50x vs peer -> MET" in text  # the fastest contender that is not ours
    assert "  target: vs kornia: peer 'kornia' not available" in text
    met = [(t["target"], t["met"]) for t in w.info["targets"]]
    assert met == [("2x", True), ("3x", False), ("2x the best", True)]


def test_cuda_table_has_a_tf32_column():
    w = _workload([])
    w.contenders[0].times_tf32 = [0.004, 0.006]
    text, rows = table(w, cuda=True)
    assert "ms TF32" in text.splitlines()[2]
    assert text.splitlines()[3].split()[-1] == "5.00"
    assert text.splitlines()[4].split()[-1] == "-"
    assert rows[0]["median_tf32_s"] == 0.005


def test_fmt_ms():
    assert fmt_ms(0.0123) == "     12.3" and fmt_ms(0.00123) == "     1.23" and len(fmt_ms(12.0)) == 9


def test_write_json_is_atomic_and_round_trips(tmp_path):
    results = {"header": "machine: x", "workloads": [{"key": "W1", "rows": [{"median_s": 0.1}]}]}
    p = write_json(results, tmp_path / "sub" / "bench.json")
    assert json.loads(p.read_text()) == results and p.read_text().endswith("\n")
    assert sorted(x.name for x in p.parent.iterdir()) == ["bench.json"]  # no temporary file left
