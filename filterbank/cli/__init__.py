"""The ``filterbank`` command: ``list``, ``show``, ``apply``, ``verify``, ``bench`` and ``demo``.

One module per command (:mod:`~filterbank.cli.cmd_list`, ``cmd_show``, ``cmd_apply``,
``cmd_verify``, ``cmd_bench``, ``cmd_demo``), each with ``add_parser`` and ``run``; shared
pieces in ``_args`` (parsing, ``key=value`` words), ``_resolve`` (the bank lookup),
``_inputs`` and ``_output`` (files in and out). Nothing in the package imports this one.
``filterbank``, ``python -m filterbank`` and ``python -m filterbank.cli`` all run :func:`main`.

Examples
--------
::

    filterbank list 'gauss*'
    filterbank show lm size=small -o lm.png
    filterbank show gabor sigmas=2,4 orientations=6 -o gabor.png
    filterbank show kernel:gabor ksize=31 sigma=4 theta=0.785 lambd=10 -o one.png
    filterbank apply photos/ --bank schmid -o responses/
    filterbank verify --dtype float32 --dtype uint8
    filterbank demo --out demo-out

Bank parameters are ``key=value`` words after the bank (or anywhere among the
positional arguments); values are Python literals read with
:func:`ast.literal_eval` (``3``, ``2.5``, ``2,4`` -> ``(2, 4)``, ``[1, 2]``,
``True``, ``'large'``); a word that is not a literal is a string
(``size=small``). Nothing is evaluated.

``BANK`` is a bank name (:func:`filterbank.banks.names`), ``kernel:FAMILY`` for one
kernel of a catalog family (a family name that is not also a bank name may be
written without the prefix), or the path of a bank saved with
:meth:`filterbank.FilterBank.save` (``.npz``).

User mistakes (a missing file or folder, an unreadable image, an unknown bank or
parameter, an output that exists without ``--force``, CUDA asked for on a machine
without it, a bad option) print one line, ``filterbank: error: ...``, on stderr and
exit with status 2. A parity failure exits with status 1.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

import torch

from .. import __version__, _threads
from .._errors import CliError, FilterbankError
from . import cmd_apply, cmd_bench, cmd_demo, cmd_list, cmd_show, cmd_verify
from ._args import Parser, examples, parse_params, wrap
from ._resolve import resolve_bank
from .cmd_demo import DEMO_BANKS

__all__ = ["DEMO_BANKS", "CliError", "build_parser", "main", "parse_params", "resolve_bank"]

_COMMANDS = (cmd_list, cmd_show, cmd_apply, cmd_verify, cmd_demo, cmd_bench)
#: Commands that take positional words after an option (``show lm -o x.png size=small``), and where they go.
_TRAILING_WORDS = {"show": "params", "apply": "items"}


def build_parser() -> Parser:
    """The ``filterbank`` argument parser with one subcommand per command module.

    Examples
    --------
    >>> build_parser().parse_args(["list", "--kind", "banks"]).command
    'list'
    """
    parser = Parser(
        prog="filterbank",
        description=wrap(
            "OpenCV-exact hand-crafted filters as PyTorch layers: list kernels and banks, draw a bank, "
            "apply it to images, verify parity with cv2.filter2D, benchmark, demo."
        ),
        epilog=examples(
            "filterbank list",
            "filterbank show lm -o lm.png",
            "filterbank apply photos/ --bank schmid -o responses/",
            "filterbank demo --out demo-out",
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"filterbank {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for command in _COMMANDS:
        command.add_parser(sub)
    return parser


def _parse(parser: Parser, argv: list[str]) -> argparse.Namespace:
    args, extra = parser.parse_known_args(argv)
    if extra:
        # argparse leaves positionals that follow an option unparsed (e.g. `show lm -o x.png size=small`);
        # show and apply take them as more positional words, everything else is an error.
        target = _TRAILING_WORDS.get(args.command)
        if target is None or any(e.startswith("-") for e in extra):
            parser.error(f"unrecognized arguments: {' '.join(extra)}")
        setattr(args, target, [*getattr(args, target), *extra])
    return args


def _run(args: argparse.Namespace) -> int:
    """Run a parsed command; user mistakes become one line on stderr and status 2."""
    try:
        return int(args.func(args))
    except BrokenPipeError:
        # e.g. `filterbank list | head`: stop quietly, as Python's docs advise.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    except (FilterbankError, OSError) as exc:
        message = " ".join(str(exc).split())
        print(f"filterbank: error: {message}", file=sys.stderr)
        return 2


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``filterbank`` command line; return the exit status.

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments without the program name; default ``sys.argv[1:]``.

    Returns
    -------
    int
        0 on success, 1 on a parity failure, 2 on a usage error.

    Examples
    --------
    >>> main(["list", "sobel", "--kind", "kernels"])  # doctest: +ELLIPSIS
    kernel families (...)
      sobel(dx, dy, ksize=3, normalize=False)
    ...
    0
    """
    argv = list(argv) if argv is not None else sys.argv[1:]
    if argv[:1] == ["bench"]:  # every option after 'bench' (even --help) belongs to the harness
        return cmd_bench.run_argv(argv[1:])
    try:
        args = _parse(build_parser(), argv)
    except SystemExit as exc:  # --help, --version, usage errors (already printed)
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    threads = torch.get_num_threads()
    if getattr(args, "threads", None):
        torch.set_num_threads(args.threads)
    elif getattr(args, "command", None) in _SHORT_CALLS:
        # many short calls (every family, border, dtype and path on modest images): one thread each,
        # unless FILTERBANK_THREADS says otherwise (measured: `verify` 8.3-9.6 s on one thread,
        # 13-25 s on two with other jobs on the machine)
        torch.set_num_threads(_threads.engine_threads(threads, 0.0))
    try:
        return _run(args)
    finally:
        torch.set_num_threads(threads)


#: Commands made of many short torch calls, run on one torch thread unless ``--threads`` is given.
_SHORT_CALLS = ("verify", "demo")
