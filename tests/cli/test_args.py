"""Shared argument parsing of the command line: ``key=value`` words."""

from __future__ import annotations

import pytest

from filterbank.cli import CliError, parse_params


def test_parse_params_reads_literals_and_never_evaluates():
    got = parse_params(["sigmas=2,4", "orientations=6", "size=small", "gamma=0.5", "phases=[0]", "normalize=true"])
    assert got == {"sigmas": (2, 4), "orientations": 6, "size": "small", "gamma": 0.5, "phases": [0], "normalize": True}
    assert parse_params(["name='large'", "x=None", "k=(3, 5)"]) == {"name": "large", "x": None, "k": (3, 5)}
    # not a literal -> a plain string, never run
    assert parse_params(["ksize=__import__('os').getcwd()"]) == {"ksize": "__import__('os').getcwd()"}
    for bad in (["sigmas"], ["=3"], ["1x=3"], ["a=1", "a=2"], ["a="]):
        with pytest.raises(CliError):
            parse_params(bad)
