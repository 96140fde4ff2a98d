"""No function in the package, the examples or the scripts above cyclomatic complexity 20 (radon grade D)."""

from __future__ import annotations

from pathlib import Path

import pytest

radon_complexity = pytest.importorskip("radon.complexity", reason="radon is in the dev extra")

ROOT = Path(__file__).resolve().parents[2]
LIMIT = 20


def _blocks(path: Path) -> list[tuple[str, int, int]]:
    out = []
    for block in radon_complexity.cc_visit(path.read_text(encoding="utf-8")):
        out.append((block.fullname, block.lineno, block.complexity))
        for inner in getattr(block, "closures", []):
            out.append((f"{block.fullname}.{inner.name}", inner.lineno, inner.complexity))
    return out


def test_no_function_above_complexity_20() -> None:
    files = [p for d in ("filterbank", "examples", "scripts") for p in sorted((ROOT / d).rglob("*.py"))]
    assert len(files) > 50, "the scan found too few files to mean anything"
    over = [f"{p.relative_to(ROOT)}:{line} {name} = {cc}" for p in files for name, line, cc in _blocks(p) if cc > LIMIT]
    assert not over, "functions above cyclomatic complexity 20 (split them):\n" + "\n".join(over)


def test_the_check_sees_a_complex_function(tmp_path: Path) -> None:
    # A function with 21 decision points must be reported, so the scan above cannot pass vacuously.
    body = "\n".join(f"    if x == {i}:\n        return {i}" for i in range(21))
    src = tmp_path / "f.py"
    src.write_text(f"def f(x):\n{body}\n    return -1\n", encoding="utf-8")
    assert [cc for _, _, cc in _blocks(src)] == [22]
