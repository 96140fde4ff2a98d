"""One registry type for every name-based lookup: kernel families, banks, parametric families, CLI commands.

A :class:`Registry` maps names to callables. It lists names by shell-style
pattern, gives a callable's signature and one-line summary, and checks keyword
arguments before calling, with one wording for every mistake:

- an unknown name: ``UnknownNameError`` "`kernel family` must be one of ...; got 'sobal'. Did you mean 'sobel'?"
- an unknown keyword: ``DTypeError`` "kernel family 'sobel' got an unexpected keyword `dz`; it accepts dx, dy, ..."
  (with a suggestion when one is close)
- a missing keyword: ``DTypeError`` "kernel family 'gabor' is missing the keyword `sigma`; it accepts ..."
"""

from __future__ import annotations

import difflib
import fnmatch
import inspect
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Generic, TypeVar

from ._errors import DTypeError, UnknownNameError

__all__ = ["Registry"]

T = TypeVar("T")


class Registry(Generic[T]):
    """Names mapped to callables that return a ``T``, with checked calls.

    Parameters
    ----------
    kind : str
        What an entry is, as the messages say it (``"kernel family"``, ``"bank"``).
    entries : mapping of str to callable, optional
        Initial entries.
    aliases : mapping of str to str, optional
        Extra names accepted by :meth:`lookup` (not listed by :meth:`names`),
        e.g. ``{"banks.kirsch": "kirsch"}`` for names written in old files.

    Examples
    --------
    >>> r = Registry("shape", {"square": lambda side: side * side})
    >>> r.names()
    ['square']
    >>> r.get("square", side=3)
    9
    >>> r.get("squre", side=3)
    Traceback (most recent call last):
    ...
    filterbank._errors.UnknownNameError: `shape` must be one of 'square'; got 'squre'. Did you mean 'square'?
    """

    def __init__(
        self,
        kind: str,
        entries: Mapping[str, Callable[..., T]] | None = None,
        *,
        aliases: Mapping[str, str] | None = None,
    ) -> None:
        self.kind = kind
        self._entries: dict[str, Callable[..., T]] = dict(entries or {})
        self._aliases: dict[str, str] = dict(aliases or {})

    # ------------------------------------------------------------------ building
    def register(self, name: str, func: Callable[..., T] | None = None) -> Any:
        """Add ``func`` as ``name``; usable as a decorator (``@reg.register("box")``)."""

        def add(f: Callable[..., T]) -> Callable[..., T]:
            if name in self._entries:
                raise ValueError(f"{self.kind} {name!r} is registered twice")
            self._entries[name] = f
            return f

        return add(func) if func is not None else add

    def alias(self, old: str, name: str) -> None:
        """Accept ``old`` as another spelling of the registered ``name``."""
        self._aliases[old] = name

    # ------------------------------------------------------------------ reading
    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and (name in self._entries or name in self._aliases)

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def __len__(self) -> int:
        return len(self._entries)

    def canonical(self, name: object) -> str:
        """The registered name for ``name`` (resolving aliases); raises for an unknown one."""
        if not isinstance(name, str):
            raise DTypeError(f"`{self.kind}` must be a str; got {name!r} ({type(name).__name__})")
        if name in self._entries:
            return name
        if name in self._aliases:
            return self._aliases[name]
        raise UnknownNameError(self.kind, name, self._entries)

    def lookup(self, name: object) -> Callable[..., T]:
        """The callable registered as ``name`` (or an alias of it)."""
        return self._entries[self.canonical(name)]

    def names(self, pattern: str | None = None) -> list[str]:
        """Sorted names, optionally filtered by an :mod:`fnmatch` pattern such as ``"gauss*"``."""
        if pattern is not None and not isinstance(pattern, str):
            raise DTypeError(f"`pattern` must be a str or None; got {pattern!r} ({type(pattern).__name__})")
        found = sorted(self._entries)
        return found if pattern is None else [n for n in found if fnmatch.fnmatchcase(n, pattern)]

    def signature(self, name: str) -> inspect.Signature:
        """The call signature of the entry ``name``."""
        return inspect.signature(self.lookup(name))

    def summary(self, name: str) -> str:
        """The first line of the entry's docstring (empty when it has none)."""
        doc = inspect.getdoc(self.lookup(name)) or ""
        return doc.strip().splitlines()[0] if doc.strip() else ""

    # ------------------------------------------------------------------ calling
    def check_params(self, name: str, params: Mapping[str, Any], *, partial: bool = False) -> None:
        """Raise :class:`DTypeError` for a keyword the entry does not take, or one it needs and lacks.

        With ``partial=True`` missing keywords are allowed (defaults filled elsewhere).
        """
        key = self.canonical(name)
        sig = inspect.signature(self._entries[key])
        takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in sig.parameters.values())
        accepted = [p.name for p in sig.parameters.values() if p.kind is not inspect.Parameter.VAR_KEYWORD]
        accepts = f"it accepts {', '.join(accepted)}" if accepted else "it takes no keywords"
        for k in params:
            if not takes_any and k not in sig.parameters:
                close = difflib.get_close_matches(str(k), accepted, n=1)
                hint = f" (did you mean `{close[0]}`?)" if close else ""
                raise DTypeError(f"{self.kind} {key!r} got an unexpected keyword `{k}`{hint}; {accepts}")
        if partial:
            return
        for p in sig.parameters.values():
            needed = p.default is inspect.Parameter.empty and p.kind in (
                inspect.Parameter.POSITIONAL_OR_KEYWORD,
                inspect.Parameter.KEYWORD_ONLY,
            )
            if needed and p.name not in params:
                raise DTypeError(f"{self.kind} {key!r} is missing the keyword `{p.name}`; {accepts}")

    def get(self, name: str, /, **params: Any) -> T:
        """Call the entry ``name`` with ``params`` after :meth:`check_params`."""
        self.check_params(name, params)
        return self.lookup(name)(**params)
