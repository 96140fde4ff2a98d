"""Argument parsing shared by the commands: the parser class, option types, ``key=value`` words, help text."""

from __future__ import annotations

import argparse
import ast
import os
import re
import textwrap
from collections.abc import Sequence
from typing import Any, NoReturn

from .._errors import CliError

__all__ = [
    "Parser",
    "add_threads",
    "anchor_arg",
    "device_arg",
    "examples",
    "parse_params",
    "positive_int",
    "split_items",
    "wrap",
]

_DEVICE_RE = re.compile(r"^(cpu|cuda(:\d+)?)$")
PARAM_RE = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)=(.*)$", re.DOTALL)
_LITERAL_WORDS = {"true": True, "false": False, "none": None}


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line: ``filterbank: error: ...`` and status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"filterbank: error: {message} (see '{self.prog} --help')\n")


def device_arg(text: str) -> str:
    """``cpu``, ``cuda``, ``cuda:N`` or ``auto`` (any case), else an argparse type error."""
    t = text.strip().lower()
    if t == "auto" or _DEVICE_RE.match(t):
        return t
    raise argparse.ArgumentTypeError(f"unknown device {text!r}; choose one of cpu, cuda, cuda:N, auto")


def positive_int(text: str) -> int:
    """An integer >= 1, else an argparse type error."""
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be an integer >= 1; got {text!r}")
    return n


def anchor_arg(text: str) -> tuple[int, int]:
    """``ROW,COL`` (parentheses allowed) as two integers, else an argparse type error."""
    parts = [s.strip() for s in text.replace("(", "").replace(")", "").split(",")]
    try:
        row, col = (int(s) for s in parts)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be ROW,COL (two integers, e.g. 1,1); got {text!r}") from None
    return row, col


def add_threads(p: argparse.ArgumentParser) -> None:
    """Add ``--threads N`` (torch CPU threads for the run)."""
    p.add_argument(
        "--threads",
        type=positive_int,
        default=None,
        metavar="N",
        help="torch CPU threads for the run (default: torch's choice); on a busy machine 1 can be much faster",
    )


def wrap(text: str) -> str:
    """A help description filled to 88 columns (the parsers keep the examples' line breaks)."""
    return textwrap.fill(" ".join(text.split()), width=88)


def examples(*lines: str) -> str:
    """An ``examples:`` epilog, one indented command per line."""
    return "examples:\n" + "\n".join(f"  {line}" for line in lines)


def _parse_value(key: str, text: str) -> Any:
    t = text.strip()
    if not t:
        raise CliError(f"parameter `{key}` has no value; write {key}=VALUE")
    if t.lower() in _LITERAL_WORDS:
        return _LITERAL_WORDS[t.lower()]
    try:
        return ast.literal_eval(t)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return t  # a bare word such as size=small is a string


def parse_params(items: Sequence[str]) -> dict[str, Any]:
    """Parse ``key=value`` words into keyword arguments; values are Python literals, never evaluated code.

    Parameters
    ----------
    items : sequence of str
        Words such as ``"sigmas=2,4"``, ``"orientations=6"``, ``"size=small"``.

    Returns
    -------
    dict
        ``{key: value}``: :func:`ast.literal_eval` of the value (``"2,4"`` -> ``(2, 4)``,
        ``"[1, 2]"`` -> ``[1, 2]``, ``"2.5"`` -> ``2.5``; ``true`` / ``false`` / ``none`` in any
        case as ``True`` / ``False`` / ``None``); a value that is not a literal stays a string.

    Raises
    ------
    CliError
        A word without ``=``, a key that is not an identifier, an empty value, a key given twice.

    Examples
    --------
    >>> parse_params(["sigmas=2,4", "orientations=6", "size=small", "normalize=true"])
    {'sigmas': (2, 4), 'orientations': 6, 'size': 'small', 'normalize': True}
    """
    out: dict[str, Any] = {}
    for item in items:
        m = PARAM_RE.match(item)
        if m is None:
            raise CliError(f"bank parameters must be key=value (e.g. sigmas=2,4); got {item!r}")
        key, text = m.groups()
        if key in out:
            raise CliError(f"parameter `{key}` is given twice")
        out[key] = _parse_value(key, text)
    return out


def split_items(items: Sequence[str]) -> tuple[list[str], list[str]]:
    """Positional words -> (inputs, key=value words); an existing file whose name has '=' is an input."""
    inputs, params = [], []
    for item in items:
        if PARAM_RE.match(item) and not os.path.exists(item):
            params.append(item)
        else:
            inputs.append(item)
    return inputs, params
