"""One atomic file writer, used by every file the package writes.

A file is written to a temporary name in the target's folder, flushed and
``fsync``-ed, given the target's permissions (or ``0o644``), then renamed over
the target with :func:`os.replace`. A failure at any point leaves the old file
or none, never a half-written one.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO

__all__ = ["write_atomic", "write_bytes_atomic"]


def write_atomic(path: str | os.PathLike[str], write: Callable[[IO[bytes]], object], *, mkdir: bool = True) -> Path:
    """Write a file atomically: ``write(f)`` fills a binary file object.

    Parameters
    ----------
    path : str or path-like
        The target. Its folder is created when ``mkdir`` is true.
    write : callable
        Called once with a binary file object open for writing.
    mkdir : bool
        Create the parent folders first (default True).

    Returns
    -------
    pathlib.Path
        The path written.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = write_atomic(pathlib.Path(tempfile.mkdtemp()) / "a" / "b.bin", lambda f: f.write(b"hi"))
    >>> p.read_bytes()
    b'hi'
    """
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    if mkdir:
        folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        mode = (target.stat().st_mode & 0o777) if target.exists() else 0o644
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return target


def write_bytes_atomic(path: str | os.PathLike[str], data: bytes, *, mkdir: bool = True) -> Path:
    """Write ``data`` to ``path`` atomically (see :func:`write_atomic`).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> write_bytes_atomic(pathlib.Path(tempfile.mkdtemp()) / "c.txt", b"x").read_bytes()
    b'x'
    """
    return write_atomic(path, lambda f: f.write(data), mkdir=mkdir)
