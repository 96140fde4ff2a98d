"""``filterbank list``: the kernel families and the banks with their parameters."""

from __future__ import annotations

import argparse

from .. import banks, kernels
from .._errors import FilterbankError
from ._args import examples, wrap
from ._resolve import bank_signature, kernel_signature_text, params_text, summary

__all__ = ["add_parser", "run"]


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the ``list`` command to the subcommands ``sub``; return its parser.

    Examples
    --------
    >>> from filterbank.cli._args import Parser
    >>> sub = Parser(prog="filterbank").add_subparsers(dest="command")
    >>> add_parser(sub).parse_args(["gauss*", "--kind", "kernels"]).pattern
    'gauss*'
    """
    p = sub.add_parser(
        "list",
        help="list the kernel families and the banks with their parameters",
        description=wrap(
            "List the kernel families of filterbank.kernels (signature and summary) and the banks of "
            "filterbank.banks (parameters, number and size of kernels at the defaults)."
        ),
        epilog=examples("filterbank list", "filterbank list 'gauss*'", "filterbank list --kind banks"),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("pattern", nargs="?", default=None, help="shell-style pattern on the names (default: all)")
    p.add_argument("--kind", choices=("kernels", "banks", "all"), default="all", help="what to list (default: all)")
    p.set_defaults(func=run)
    return p


def _list_kernels(pattern: str | None) -> int:
    found = kernels.names(pattern)
    if found:
        print("kernel families (filterbank.kernels; one kernel: filterbank show kernel:NAME key=value ...)")
        for name in found:
            print(f"  {kernel_signature_text(name)}")
            text = summary(getattr(kernels, name, None))
            if text:
                print(f"      {text}")
    return len(found)


def _size_at_defaults(name: str) -> str:
    try:
        bank = banks.get(name)
    except (FilterbankError, TypeError, ValueError):
        return "? kernels"
    return f"{len(bank)} kernels, {'x'.join(map(str, bank.ksize))}"  # 9x9x9 for a 3-D bank


def _list_banks(pattern: str | None, shown: int) -> int:
    found = banks.names(pattern)
    if found:
        if shown:
            print()
        print("banks (filterbank.banks; filterbank show NAME key=value ..., filterbank apply --bank NAME ...)")
        for name in found:
            print(f"  {name}({params_text(bank_signature(name))})")
            print(f"      {summary(getattr(banks, name))} [{_size_at_defaults(name)} at the defaults]".rstrip())
    return len(found)


def run(args: argparse.Namespace) -> int:
    """List what ``args.kind`` asks for (``kernels``, ``banks`` or ``all``) matching ``args.pattern``; return 0.

    Examples
    --------
    >>> run(argparse.Namespace(pattern="sobel", kind="kernels"))  # doctest: +ELLIPSIS
    kernel families (...)
      sobel(dx, dy, ksize=3, normalize=False)
    ...
    0
    """
    shown = 0
    if args.kind in ("kernels", "all"):
        shown += _list_kernels(args.pattern)
    if args.kind in ("banks", "all"):
        shown += _list_banks(args.pattern, shown)
    if not shown:
        what = {"kernels": "kernel family", "banks": "bank", "all": "kernel family or bank"}[args.kind]
        print(
            f"no {what} matches {args.pattern!r}; kernel families: {', '.join(kernels.names())}; "
            f"banks: {', '.join(banks.names())}"
        )
    return 0
