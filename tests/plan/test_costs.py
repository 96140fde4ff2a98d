"""plan.costs: the measured constants are package data (JSON), written atomically, never a source file."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import filterbank
from filterbank import plan
from filterbank.bench import calibrate_nd
from filterbank.plan import costs as plan_costs
from filterbank.plan import nd

EXPECTED_KEYS = {"machine", "direct_mac", "gemm_flop", "mem_elem", "axpy_elem", "fft_elem_log", "cmul_elem", "call"}
EXPECTED_KEYS |= {"direct_mac1", "cv_call", "cv_tap", "cv_tap_int", "cv_dft_px", "cv_sep_tap"}
EXPECTED_KEYS |= {"method_scale", "method_call"}


def test_costs_json_round_trips_through_write_and_load(tmp_path: Path) -> None:
    table = {
        "machine": "test machine, 1 thread",
        "direct_mac": {49: 3.0e-11, 9: 1.5e-10, 2401: 1.25e-11},
        "direct_mac1": {9: 6.0e-10, 2401: 5.0e-11},
        "gemm_flop": 2.0e-11,
        "mem_elem": 1.0e-10,
        "axpy_elem": 7.0e-11,
        "fft_elem_log": 2.5e-10,
        "cmul_elem": 2.25e-10,
        "call": 5.0e-6,
        "cv_call": 4.0e-6,
        "cv_tap": {121: 7.0e-11, 9: 1.25e-10},
        "cv_tap_int": {121: 1.7e-10, 9: 2.5e-10},
        "cv_dft_px": 3.0e-8,
        "cv_sep_tap": 1.0e-10,
        "method_scale": {"separable": 2.5, "fft": 1.5},
        "method_call": {"fft": 2.0e-4},
    }
    path = plan_costs.write_costs(table, tmp_path / "sub" / "costs.json")
    assert path == tmp_path / "sub" / "costs.json"
    raw = json.loads(path.read_text())  # plain JSON: taps as string keys, in increasing order
    assert list(raw["direct_mac"]) == ["9", "49", "2401"]
    back = plan_costs.load_costs(path)
    assert back == table
    assert list(back["direct_mac"]) == [9, 49, 2401]
    assert [p.name for p in path.parent.iterdir()] == ["costs.json"]  # no temporary file left behind
    # the shipped table round-trips too
    again = plan_costs.write_costs(plan.COSTS, tmp_path / "shipped.json")
    assert plan_costs.load_costs(again) == plan.COSTS


def test_package_table_is_loaded_from_the_data_file() -> None:
    shipped = Path(plan_costs.__file__).with_name("costs.json")
    raw = json.loads(shipped.read_text())
    assert set(raw) == EXPECTED_KEYS | {"nd"}  # "nd": the N-D planner's rates, read by load_costs_nd
    assert plan_costs.load_costs() == plan.COSTS
    assert plan.COSTS["direct_mac"] == {int(k): float(v) for k, v in raw["direct_mac"].items()}
    assert plan.COSTS["call"] == float(raw["call"])
    assert plan.COSTS is plan_costs.COSTS  # one table: calibration's in-place updates reach the planner


def test_default_write_goes_to_the_package_data_file(tmp_path: Path, monkeypatch) -> None:
    target = tmp_path / "costs.json"
    monkeypatch.setattr(plan_costs, "_package_path", lambda: target)
    assert plan_costs.write_costs(plan.COSTS) == target
    assert plan_costs.load_costs(target) == plan.COSTS


@pytest.mark.parametrize(
    "nd_table, change, pattern",
    [
        (False, lambda t: t.pop("call"), r"`costs` must have the keys .*missing \['call'\]"),
        (False, lambda t: t.update(direct_mac={}), r"`costs\['direct_mac'\]` must be a non-empty mapping"),
        (True, lambda t: t.pop("machine"), r"`costs_nd` must have the keys"),
        (
            True,
            lambda t: t.update(fft_elem_log={1: 1.0, 3: 1.0}),
            r"`costs_nd\['fft_elem_log'\]` must be a mapping with",
        ),
        (
            True,
            lambda t: t.update(direct_mac={1: {}, 2: None, 3: None}),
            r"`costs_nd\['direct_mac'\]\[1\]` must be None",
        ),
    ],
)
def test_bad_tables_are_refused(tmp_path: Path, nd_table: bool, change, pattern: str) -> None:
    """A malformed 2-D or N-D table is refused by its writer, and nothing is written."""
    table = {**(plan_costs.COSTS_ND if nd_table else plan.COSTS)}
    change(table)
    write = plan_costs.write_costs_nd if nd_table else plan_costs.write_costs
    with pytest.raises(filterbank.ParameterError, match=pattern):
        write(table, tmp_path / "bad.json")
    assert not (tmp_path / "bad.json").exists()


def test_nd_table_is_the_nd_key_of_the_data_file() -> None:
    shipped = Path(plan_costs.__file__).with_name("costs.json")
    raw = json.loads(shipped.read_text())["nd"]
    table = plan_costs.load_costs_nd()
    assert table == plan_costs.COSTS_ND
    assert nd.COSTS_ND is plan_costs.COSTS_ND  # plan.nd re-exports the one loaded table
    assert sorted(table) == ["direct_mac", "fft_elem_log", "machine"]
    # JSON string keys become the ints the planner looks up: axis counts, then kernel taps
    assert table["direct_mac"][3] == {int(k): float(v) for k, v in raw["direct_mac"]["3"].items()}
    assert table["direct_mac"][2] is None and table["fft_elem_log"][2] is None  # 2-D: the 2-D table
    assert table["fft_elem_log"][1] == float(raw["fft_elem_log"]["1"])
    assert nd._direct_mac(3, 27) == table["direct_mac"][3][27]  # the planner reads it


def test_each_writer_keeps_the_other_table(tmp_path: Path, monkeypatch) -> None:
    path = plan_costs.write_costs(plan.COSTS, tmp_path / "costs.json")
    with pytest.raises(filterbank.ParameterError, match=r"must have the key 'nd'"):
        plan_costs.load_costs_nd(path)
    new_nd = {
        "machine": "test machine",
        "direct_mac": {1: {3: 1.5e-09, 15: 5.0e-10}, 2: None, 3: {27: 1.25e-10}},
        "fft_elem_log": {1: 1.0e-10, 2: None, 3: 5.0e-10},
    }
    writes = []
    real = plan_costs.write_atomic
    monkeypatch.setattr(plan_costs, "write_atomic", lambda p, fn: writes.append(p) or real(p, fn))
    assert plan_costs.write_costs_nd(new_nd, path) == path
    assert writes == [path]  # through filterbank._io.write_atomic
    assert plan_costs.load_costs_nd(path) == new_nd
    assert plan_costs.load_costs(path) == plan.COSTS  # the 2-D table is kept
    other = {**plan.COSTS, "call": 1.0e-5}
    plan_costs.write_costs(other, path)
    assert plan_costs.load_costs(path) == other
    assert plan_costs.load_costs_nd(path) == new_nd  # the N-D table is kept
    assert [p.name for p in tmp_path.iterdir()] == ["costs.json"]  # no temporary file left behind


def test_calibrate_nd_write_updates_the_nd_key(tmp_path: Path, monkeypatch, capsys) -> None:
    target = plan_costs.write_costs(plan.COSTS, tmp_path / "costs.json")
    monkeypatch.setattr(plan_costs, "_package_path", lambda: target)
    measured = {  # what calibrate() returns (a measurement is not the point here: the write is)
        "gemm_scale": 1.0,
        "direct_mac": {1: {3: 3.2149e-09, 255: 1.2e-10}, 3: {27: 1.3549e-10}},
        "fft_elem_log": {1: 9.2e-11, 3: 6.1049e-10},
    }
    monkeypatch.setattr(calibrate_nd, "calibrate", lambda reps: measured)
    assert calibrate_nd.main(["--write", "--reps", "1"]) == 0
    assert f"wrote {target}" in capsys.readouterr().out
    table = plan_costs.load_costs_nd(target)
    # 3 significant digits, axis count 2 left to the 2-D table
    assert table["direct_mac"] == {1: {3: 3.21e-09, 255: 1.2e-10}, 2: None, 3: {27: 1.35e-10}}
    assert table["fft_elem_log"] == {1: 9.2e-11, 2: None, 3: 6.1e-10}
    assert "filterbank.bench.calibrate_nd" in table["machine"]
    assert plan_costs.load_costs(target) == plan.COSTS


def test_no_source_file_holds_the_cost_table() -> None:
    """Calibration writes JSON: no module of the package carries a COSTS block to rewrite."""
    root = Path(filterbank.__file__).parent
    for py in root.rglob("*.py"):
        text = py.read_text()
        assert "BEGIN COSTS" not in text and "END COSTS" not in text, py
        assert not re.search(r"COSTS_ND\b[^=\n]*=\s*\{", text), py  # no N-D rates as a dict literal: data too
    # the calibration script (benchmarks/ in a checkout, or inside the package once moved there)
    scripts = [p for p in [root.parent / "benchmarks" / "calibrate.py", *root.rglob("calibrate.py")] if p.exists()]
    assert scripts
    for script in scripts:
        text = script.read_text()
        assert "write_costs(" in text and "write_text" not in text, script
