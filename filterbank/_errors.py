"""Error types raised by filterbank.

Every error is a subclass of :class:`ValueError` or :class:`TypeError`, so code
written against the standard exceptions keeps working, and every message names
the argument, the rule it broke and the value received, for example
``"`sigma` must be > 0; got -1.0"``.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

__all__ = [
    "BankFileError",
    "BorderError",
    "CliError",
    "DTypeError",
    "FilterbankError",
    "OutputExistsError",
    "ParameterError",
    "SchedulerError",
    "ShapeError",
    "UnknownNameError",
]


class FilterbankError(Exception):
    """Base class of every error raised on purpose by filterbank."""


class ParameterError(FilterbankError, ValueError):
    """A parameter value breaks a rule (sign, parity, range, finiteness)."""


class BorderError(FilterbankError, ValueError):
    """An unknown or ambiguous border name."""


class ShapeError(FilterbankError, ValueError):
    """An array or tensor has the wrong rank or shape."""


class DTypeError(FilterbankError, TypeError):
    """An argument has a type or dtype that is not supported."""


class BankFileError(ParameterError):
    """A file that is not a valid saved FilterBank (wrong format, truncated, corrupted, tampered)."""


class CliError(FilterbankError, ValueError):
    """A mistake on the ``filterbank`` command line; the command prints it as one line and exits 2."""


class UnknownNameError(FilterbankError, ValueError):
    """A name (kernel family, mode, bank) that is not known; suggests the closest."""

    def __init__(
        self, what: str, name: object, known: Iterable[str], suggest_from: Iterable[str] | None = None
    ) -> None:
        known = sorted(known)
        pool = sorted(suggest_from) if suggest_from is not None else known
        close = difflib.get_close_matches(str(name), pool, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        super().__init__(f"`{what}` must be one of {', '.join(map(repr, known))}; got {name!r}.{hint}")
        self.name = name
        self.known = known


class OutputExistsError(FilterbankError, FileExistsError, ValueError):
    """An output exists and overwriting it was not asked for (``force=True`` / ``--force``)."""


class SchedulerError(FilterbankError, ConnectionError, ValueError):
    """A Dask scheduler address that does not answer within the connection timeout."""
