"""``filterbank.cli.main``: help, option errors, and the module entry points in a subprocess."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from filterbank.cli import main

from ._helpers import REPO, one_line_error, run_module


def test_help_has_examples(capsys):
    for cmd in ("list", "show", "apply", "verify", "demo"):
        assert main([cmd, "--help"]) == 0
        out = capsys.readouterr().out
        assert "examples:\n" in out and f"  filterbank {cmd} " in out, out
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for cmd in ("list", "show", "apply", "verify", "bench", "demo"):
        assert cmd in out


def test_unknown_device_and_bad_options_are_one_line_errors(capsys):
    assert main(["verify", "--device", "tpu"]) == 2
    assert "tpu" in one_line_error(capsys.readouterr().err)
    assert main(["verify", "--dtype", "float16"]) == 2
    one_line_error(capsys.readouterr().err)
    assert main(["verify", "--threads", "0"]) == 2
    one_line_error(capsys.readouterr().err)
    assert main([]) == 2
    one_line_error(capsys.readouterr().err)


@pytest.mark.parametrize("module", ["filterbank.cli", "filterbank"])
def test_module_entry_point_in_a_subprocess(module, capsys):
    """``python -m filterbank.cli`` and ``python -m filterbank`` print what the command prints."""
    proc = run_module(module, "list", cwd=REPO)
    assert proc.returncode == 0, proc.stderr
    assert "sobel(" in proc.stdout and "gabor(" in proc.stdout
    assert main(["list"]) == 0
    assert proc.stdout == capsys.readouterr().out


def test_cli_error_lives_in_errors_and_is_reexported():
    import filterbank._errors as errors
    import filterbank.cli as cli

    assert cli.CliError is errors.CliError
    assert issubclass(errors.CliError, ValueError) and issubclass(errors.CliError, errors.FilterbankError)


def test_nothing_in_the_package_imports_the_cli():
    """The shell is the top layer: no module outside filterbank/cli/ (but __main__) imports it."""
    pattern = re.compile(
        r"^\s*(from\s+(filterbank|\.+)\.?cli\b|import\s+filterbank\.cli\b|from\s+\.\s+import\s+cli\b)", re.M
    )
    offenders = []
    for path in (REPO / "filterbank").rglob("*.py"):
        rel = path.relative_to(REPO / "filterbank")
        if rel.parts[0] == "cli" or rel == Path("__main__.py"):
            continue
        if pattern.search(path.read_text(encoding="utf-8")):
            offenders.append(str(rel))
    assert offenders == []
    # and the pattern does catch an import of the cli
    assert pattern.search("from .cli import main") and pattern.search("from filterbank.cli import main")


def test_show_and_apply_in_a_subprocess(images_dir, tmp_path):
    ok = run_module("filterbank.cli", "show", "kernel:sobel", "dx=1", "dy=0", "-o", "s.png", cwd=tmp_path)
    assert ok.returncode == 0 and (tmp_path / "s.png").is_file(), ok.stderr
    for argv, word in [
        (("show", "lmm", "-o", "x.png"), "did you mean 'lm'"),
        (("show", "lm", "size=huge", "-o", "x.png"), "huge"),
        (("apply", "nope.png", "--bank", "lm", "-o", "out"), "nope.png"),
        (("apply", str(images_dir / "ramp.png"), "--bank", "lm", "oops=1", "-o", "out"), "`oops`"),
    ]:
        proc = run_module("filterbank.cli", *argv, cwd=tmp_path)
        assert proc.returncode == 2, (argv, proc.stderr)
        assert word in one_line_error(proc.stderr), argv
        assert proc.stdout == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.png"]
