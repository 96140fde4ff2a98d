"""The README's speed table and 3-D table are what scripts/speed_table.py makes of the recorded run."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "benchmarks" / "results" / "cpu-amd-epyc-2core.json"


def _script():
    spec = importlib.util.spec_from_file_location("speed_table", ROOT / "scripts" / "speed_table.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_readme_tables_are_generated_from_the_recorded_run() -> None:
    st = _script()
    results = json.loads(RESULTS.read_text())
    source = RESULTS.relative_to(ROOT).as_posix()
    readme = (ROOT / "README.md").read_text()
    for begin, end, block in [
        (st.BEGIN, st.END, st.table(results, source)),
        (st.VBEGIN, st.VEND, st.volume_table(results, source)),
    ]:
        inside = readme[readme.index(begin) + len(begin) : readme.index(end)]
        assert inside.strip() == block.strip(), f"README block {begin} is not the script's output: rerun it"


def test_volume_table_reports_each_target_of_the_run() -> None:
    st = _script()
    results = json.loads(RESULTS.read_text())
    block = st.volume_table(results, "x.json")
    for w in results["workloads"]:
        if w["key"].startswith("V"):
            for t in w["info"]["targets"]:
                assert f"{t['speedup']:.2f}x vs {t['peer']}" in block
