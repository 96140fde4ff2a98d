"""``filterbank bench``: the benchmark harness of :mod:`filterbank.bench` (every option after ``bench`` is its own)."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from .. import bench

__all__ = ["add_parser", "run", "run_argv"]


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the ``bench`` command to the subcommands ``sub`` (for the top-level help); return its parser.

    Examples
    --------
    >>> from filterbank.cli._args import Parser
    >>> sub = Parser(prog="filterbank").add_subparsers(dest="command")
    >>> add_parser(sub).prog  # main() hands every word after 'bench' to the harness unparsed
    'filterbank bench'
    """
    p = sub.add_parser(
        "bench",
        help="time the planner against OpenCV, kornia, SciPy and plain torch convs",
        description="Run the benchmark harness (filterbank.bench); options after 'bench' go to it.",
        epilog="example: filterbank bench -w W2 --reps 7 --json bench.json",
        add_help=False,
    )
    p.add_argument("bench_args", nargs=argparse.REMAINDER, help="harness options (see 'filterbank bench --help')")
    p.set_defaults(func=run)
    return p


def run_argv(argv: Sequence[str]) -> int:
    """Run :func:`filterbank.bench.main` on ``argv``; its ``--help`` and usage errors become exit statuses.

    Examples
    --------
    >>> run_argv(["--help"])  # doctest: +ELLIPSIS
    usage: filterbank bench ...
    0
    """
    try:
        return int(bench.main(list(argv)))
    except SystemExit as exc:  # the harness's own --help / usage errors
        return exc.code if isinstance(exc.code, int) else 0


def run(args: argparse.Namespace) -> int:
    """Run the harness with ``args.bench_args``.

    Examples
    --------
    >>> run(argparse.Namespace(bench_args=["--help"]))  # doctest: +ELLIPSIS
    usage: filterbank bench ...
    0
    """
    return run_argv(args.bench_args)
