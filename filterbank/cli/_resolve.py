"""The bank a command line names: bank names, ``kernel:FAMILY``, bare families and saved files.

Only the public registries are used: :func:`filterbank.kernels.names` / ``signature``,
:func:`filterbank.banks.names` / ``get`` and the public bank functions of
:mod:`filterbank.banks` (for their signatures and summaries).
"""

from __future__ import annotations

import difflib
import inspect
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from .. import banks, kernels
from .._errors import CliError, FilterbankError
from ..bank import FilterBank

__all__ = [
    "KERNEL_PREFIX",
    "bank_signature",
    "bank_text",
    "count",
    "kernel_signature_text",
    "params_text",
    "resolve_bank",
    "summary",
]

KERNEL_PREFIX = "kernel:"


def _fmt_value(v: Any) -> str:
    """A default value as the command line would write it: floats with 6 digits, sequences in brackets."""
    if isinstance(v, float):
        return f"{v:.6g}"
    if isinstance(v, tuple):
        return "(" + ", ".join(_fmt_value(x) for x in v) + ("," if len(v) == 1 else "") + ")"
    if isinstance(v, list):
        return "[" + ", ".join(_fmt_value(x) for x in v) + "]"
    return repr(v)


def params_text(sig: inspect.Signature) -> str:
    """``a, b=3, c=(2, 4)``: the parameters of a signature in the command line's value syntax."""
    out = []
    for p in sig.parameters.values():
        out.append(p.name if p.default is inspect.Parameter.empty else f"{p.name}={_fmt_value(p.default)}")
    return ", ".join(out)


def kernel_signature_text(name: str) -> str:
    """``sobel(dx, dy, ksize=3, normalize=False)`` for a kernel family."""
    return f"{name}({params_text(kernels.signature(name))})"


def bank_signature(name: str) -> inspect.Signature:
    """The signature of the public bank function ``filterbank.banks.<name>``."""
    return inspect.signature(getattr(banks, name))


def summary(func: object) -> str:
    """The first line of a docstring, without reST double backquotes ('' when there is none)."""
    doc = inspect.getdoc(func)
    return doc.splitlines()[0].replace("``", "") if doc else ""


def count(n: int, word: str) -> str:
    """``1 kernel``, ``2 kernels``."""
    return f"{n} {word}{'' if n == 1 else 's'}"


def bank_text(bank: FilterBank, label: str) -> str:
    """``lm: 48 kernels, 49x49`` (``9x9x9`` for a 3-D bank)."""
    return f"{label}: {count(len(bank), 'kernel')}, {'x'.join(map(str, bank.ksize))}"


def _close(name: str, pool: Sequence[str]) -> str:
    close = difflib.get_close_matches(name, list(pool), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _check_keys(what: str, sig: inspect.Signature, params: dict[str, Any], alt: str = "") -> None:
    accepted = params_text(sig) or "no parameters"
    for key in params:
        if key not in sig.parameters:
            raise CliError(
                f"{what} has no parameter `{key}`{_close(key, list(sig.parameters))}; it accepts {accepted}{alt}"
            )
    missing = [p.name for p in sig.parameters.values() if p.default is inspect.Parameter.empty and p.name not in params]
    if missing:
        raise CliError(f"{what} needs {', '.join(m + '=...' for m in missing)}; it accepts {accepted}")


def _build(what: str, make: Callable[[], FilterBank]) -> FilterBank:
    try:
        return make()
    except (FilterbankError, TypeError, ValueError) as exc:
        raise CliError(f"{what}: {exc}") from None


def _kernel_bank(family: str, params: dict[str, Any]) -> FilterBank:
    known = kernels.names()
    if family not in known:
        raise CliError(f"unknown kernel family {family!r}{_close(family, known)}; families: {', '.join(known)}")
    _check_keys(f"kernel family {family!r}", kernels.signature(family), params)
    return _build(f"kernel family {family!r}", lambda: FilterBank.from_specs([{"family": family, **params}]))


def _named_bank(name: str, params: dict[str, Any]) -> FilterBank:
    alt = ""
    if name in kernels.names():
        alt = f" (for one {name} kernel write kernel:{name}; see 'filterbank list {name}')"
    _check_keys(f"bank {name!r}", bank_signature(name), params, alt)
    return _build(f"bank {name!r}", lambda: banks.get(name, **params))


def _looks_like_file(name: str) -> bool:
    return name.lower().endswith(".npz") or os.sep in name or "/" in name or Path(name).is_file()


def _saved_bank(name: str, params: dict[str, Any]) -> FilterBank:
    if params:
        raise CliError(f"a saved bank takes no parameters; got {', '.join(params)} for {name!r}")
    path = Path(name)
    if not path.exists():
        raise FileNotFoundError(f"bank file {name!r} does not exist")
    return FilterBank.load(path)


def resolve_bank(name: str, params: dict[str, Any] | None = None) -> tuple[FilterBank, str]:
    """The bank a command line names, and a label for messages.

    ``name`` is looked up in this order: ``kernel:FAMILY`` (one kernel of a catalog
    family, built with :meth:`FilterBank.from_specs`); a bank of
    :func:`filterbank.banks.names`; a catalog family (:func:`filterbank.kernels.names`)
    that is not a bank name; a file saved with :meth:`FilterBank.save` (a name ending
    in ``.npz``, holding a path separator, or an existing file). ``params`` go to the
    bank's or the family's function and are checked against its signature first.

    Parameters
    ----------
    name : str
        What the user wrote after ``show`` or ``--bank``.
    params : dict or None
        Keyword arguments from :func:`filterbank.cli.parse_params`.

    Returns
    -------
    (FilterBank, str)
        The bank and its label (``"lm"``, ``"kernel:sobel"``, or the file name).

    Raises
    ------
    CliError
        An unknown name (with the closest one), an unknown or missing parameter (with
        the accepted ones), parameters given to a saved bank, or a value the bank refuses.
    FileNotFoundError
        A bank file that does not exist.
    filterbank.bank.BankFileError
        A file that is not a valid saved bank.

    Examples
    --------
    >>> bank, label = resolve_bank("gabor", {"sigmas": (2,), "orientations": 2, "phases": 0.0})
    >>> label, len(bank)
    ('gabor', 2)
    >>> resolve_bank("kernel:sobel", {"dx": 1, "dy": 0})[1]
    'kernel:sobel'
    """
    params = dict(params or {})
    if name.startswith(KERNEL_PREFIX):
        return _kernel_bank(name[len(KERNEL_PREFIX) :], params), name
    if name in banks.names():
        return _named_bank(name, params), name
    if name in kernels.names():
        return _kernel_bank(name, params), f"{KERNEL_PREFIX}{name}"
    if _looks_like_file(name):
        return _saved_bank(name, params), name
    pool = banks.names() + kernels.names()
    raise CliError(
        f"unknown bank {name!r}{_close(name, pool)}; banks: {', '.join(banks.names())}; "
        "a kernel family (see 'filterbank list --kind kernels') or a saved bank file (.npz) also works"
    )
