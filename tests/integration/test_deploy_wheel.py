"""The distribution stands alone: the wheel carries its data, and (FILTERBANK_WHEEL_CHECK=1) works installed.

Without the variable, a wheel is built into a temporary folder (``pip wheel --no-deps --no-build-isolation``)
and its members are checked: the package data the API and CLI read (sample images and their licences,
``py.typed``), the CLI and bench packages, the entry point, the licence. With ``FILTERBANK_WHEEL_CHECK=1``
the whole ``scripts/check-wheel.sh`` runs (install into a scratch venv, commands from an empty folder);
CI runs that script directly after ``make test``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from filterbank.images import sample_names

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> zipfile.ZipFile:
    out = tmp_path_factory.mktemp("wheel")
    build = tmp_path_factory.mktemp("src")
    # build from a copy of the package sources so that setuptools' staging folder stays out of the checkout
    for name in ("pyproject.toml", "README.md", "LICENSE", "MANIFEST.in"):
        (build / name).write_bytes((REPO / name).read_bytes())
    subprocess.run(["cp", "-r", str(REPO / "filterbank"), str(build / "filterbank")], check=True)
    cmd = [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation"]
    proc = subprocess.run([*cmd, "--wheel-dir", str(out), str(build)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    (path,) = out.glob("filterbank-*.whl")
    with zipfile.ZipFile(path) as zf:
        yield zf


def test_wheel_carries_the_package_data(wheel):
    names = set(wheel.namelist())
    samples = sample_names()
    assert len(samples) == 9
    for name in samples:
        assert f"filterbank/images/samples/{name}.png" in names, name
        assert (
            wheel.read(f"filterbank/images/samples/{name}.png")
            == (REPO / "filterbank" / "images" / "samples" / f"{name}.png").read_bytes()
        )
    assert "filterbank/images/samples/README.md" in names  # sources and licences travel with the images
    assert "filterbank/py.typed" in names
    for module in ("__main__", "cli/__init__", "cli/__main__", "cli/cmd_bench", "bench/__init__", "bench/__main__"):
        assert f"filterbank/{module}.py" in names, module
    plan_data = sorted(REPO.glob("filterbank/plan/*.json"))
    for p in plan_data:  # the planner's cost data, once plan.py is a package
        assert f"filterbank/plan/{p.name}" in names
    assert not [n for n in names if n.startswith(("tests/", "benchmarks/", "images/", "scripts/"))]


def test_wheel_metadata_entry_point_and_licence(wheel):
    (meta,) = [n for n in wheel.namelist() if n.endswith(".dist-info/METADATA")]
    text = wheel.read(meta).decode()
    assert "License-Expression: BSD-3-Clause" in text
    assert "License-File: LICENSE" in text
    (eps,) = [n for n in wheel.namelist() if n.endswith(".dist-info/entry_points.txt")]
    assert "filterbank = filterbank.cli:main" in wheel.read(eps).decode()
    (lic,) = [n for n in wheel.namelist() if n.endswith("LICENSE") and ".dist-info/" in n]
    body = wheel.read(lic).decode()
    assert body.startswith("BSD 3-Clause License") and "the filterbank developers" in body
    assert body == (REPO / "LICENSE").read_text()


@pytest.mark.skipif(os.environ.get("FILTERBANK_WHEEL_CHECK") != "1", reason="set FILTERBANK_WHEEL_CHECK=1")
def test_installed_wheel_runs_from_an_empty_folder():
    proc = subprocess.run(
        ["bash", str(REPO / "scripts" / "check-wheel.sh")],
        capture_output=True,
        text=True,
        timeout=600,
        env=dict(os.environ, PYTHON=sys.executable),
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "wheel check passed" in proc.stdout
