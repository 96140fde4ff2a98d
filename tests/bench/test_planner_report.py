"""filterbank.bench.planner: the sweep's summary tells timing noise (auto ran the best method) from choices."""

from __future__ import annotations

from filterbank.bench.planner import AUTO, MEASURED, Case, Result, report


def _result(auto: str, measured: str, times: dict[str, float]) -> Result:
    return Result(Case(32, 1, 1, 3, 4, "general", "float32", 1), auto, times, [], measured)


def test_report_counts_cases_over_the_limit_and_those_that_chose_another_method() -> None:
    noise = _result("direct", "direct", {AUTO: 1.5, MEASURED: 1.0, "direct": 1.0, "opencv": 2.0})
    wrong = _result("direct", "opencv", {AUTO: 3.0, MEASURED: 1.3, "direct": 3.0, "opencv": 1.0})
    fine = _result("opencv", "opencv", {AUTO: 1.1, MEASURED: 1.0, "direct": 4.0, "opencv": 1.0})
    assert noise.best == ("direct", 1.0) and wrong.best == ("opencv", 1.0)
    assert (noise.ratio, wrong.ratio, fine.ratio) == (1.5, 3.0, 1.1)
    text = report([noise, wrong, fine], limit=1.2)
    lines = text.splitlines()
    assert lines[1].split()[-5:] == ["3.00", "opencv", "1.30", "<--", "over"]  # worst first; the measured column
    assert "3 cases; auto: worst = 3.00" in text
    assert "2 over 1.2x, 1 of them with another method than the best (worst 3.00)" in text
    # the measuring planner: 1.3 over the limit, with opencv, the best: noise
    assert "measuring planner: worst = 1.30" in text
    assert "1 over 1.2x, 0 of them with another method than the best" in text
