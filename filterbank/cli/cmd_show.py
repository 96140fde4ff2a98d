"""``filterbank show``: draw a bank (or one kernel, or a saved bank) as a PNG picture."""

from __future__ import annotations

import argparse
from pathlib import Path

from .._errors import CliError
from ._args import examples, parse_params, positive_int, wrap
from ._output import check_free, save_png
from ._resolve import bank_text, resolve_bank

__all__ = ["add_parser", "run"]


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the ``show`` command to the subcommands ``sub``; return its parser.

    Examples
    --------
    >>> from filterbank.cli._args import Parser
    >>> sub = Parser(prog="filterbank").add_subparsers(dest="command")
    >>> args = add_parser(sub).parse_args(["lm", "size=small", "-o", "lm.png"])
    >>> args.bank, args.params, args.out
    ('lm', ['size=small'], 'lm.png')
    """
    p = sub.add_parser(
        "show",
        help="draw a bank (or one kernel, or a saved bank) as a PNG picture",
        description=wrap(
            "Draw the kernels of BANK in a grid (blue negative, white zero, red positive; each kernel with its "
            "own contrast, its name underneath) and write it as a PNG. BANK is a bank name ('filterbank list "
            "--kind banks'), kernel:FAMILY for one kernel of a catalog family (a family that is not also a "
            "bank may drop the prefix), or a bank file written by FilterBank.save (.npz). key=value words are "
            "the bank's parameters: Python literals (3, 2.5, 2,4 for a tuple, [1,2], True, 'large'); other "
            "words are strings (size=small). Angles are in radians. An existing output is kept unless --force."
        ),
        epilog=examples(
            "filterbank show lm -o lm.png",
            "filterbank show lm size=small -o lm_small.png",
            "filterbank show gabor sigmas=2,4 orientations=6 -o gabor.png",
            "filterbank show kernel:gabor ksize=31 sigma=4 theta=0.785 lambd=10 -o gabor_kernel.png",
            "filterbank show log ksize=15 sigma=2 -o log.png",
            "filterbank show my_bank.npz -o my_bank.png --force",
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("bank", metavar="BANK", help="bank name, kernel:FAMILY, or a saved bank file (.npz)")
    p.add_argument("params", nargs="*", metavar="key=value", help="parameters of the bank or kernel family")
    p.add_argument("-o", "--out", metavar="PNG", required=True, help="output picture (.png)")
    p.add_argument("--cell", type=positive_int, default=64, metavar="PX", help="kernel size in pixels (default 64)")
    p.add_argument("--cols", type=positive_int, default=None, metavar="N", help="columns (default: up to 8)")
    p.add_argument("--force", action="store_true", help="overwrite the output if it exists")
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    """Draw ``args.bank`` with ``args.params`` into the PNG ``args.out``; return 0.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "sobel.png"
    >>> ns = argparse.Namespace(bank="sobel", params=[], out=str(out), cell=32, cols=None, force=False)
    >>> run(ns)  # doctest: +ELLIPSIS
    wrote .../sobel.png (sobel: 2 kernels, 3x3)
    0
    """
    bank, label = resolve_bank(args.bank, parse_params(args.params))
    out = Path(args.out)
    if out.suffix.lower() != ".png":
        raise CliError(f"`-o` must name a .png file; got {args.out!r}")
    check_free([out], args.force)
    save_png(bank.show(cell=args.cell, cols=args.cols), out)
    print(f"wrote {out} ({bank_text(bank, label)})")
    return 0
