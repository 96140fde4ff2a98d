"""Device helpers: resolve a device name, and switch TF32 off for exact float32 on CUDA."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator
from typing import cast

import torch

from ._errors import ParameterError

__all__ = ["exact_fp32", "resolve_device", "torch_only", "tracing"]


def resolve_device(device: str | torch.device) -> torch.device:
    """Turn ``"cpu"``, ``"cuda"``, ``"cuda:N"`` or ``"auto"`` into a usable device.

    Raises
    ------
    ParameterError
        For an unknown name, or CUDA asked for where ``torch.cuda.is_available()`` is False.

    Examples
    --------
    >>> resolve_device("cpu")
    device(type='cpu')
    """
    if isinstance(device, str) and device.strip().lower() == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ParameterError(f"`device` must be 'cpu', 'cuda', 'cuda:N' or 'auto'; got {device!r}") from exc
    if dev.type not in ("cpu", "cuda"):
        raise ParameterError(f"`device` must be 'cpu', 'cuda', 'cuda:N' or 'auto'; got {device!r}")
    if dev.type == "cuda":
        if not torch.cuda.is_available():
            built = torch.version.cuda or "no CUDA"
            raise ParameterError(
                f"`device` {str(device)!r} was requested but torch.cuda.is_available() is False "
                f"(torch {torch.__version__}, built with {built}); use --device cpu"
            )
        if dev.index is not None and dev.index >= torch.cuda.device_count():
            raise ParameterError(
                f"`device` {str(device)!r} does not exist: {torch.cuda.device_count()} CUDA device(s) visible"
            )
    return dev


@contextlib.contextmanager
def exact_fp32(device: torch.device | str) -> Iterator[None]:
    """Switch TF32 off on CUDA for the duration (torch's default TF32 convs are ~1e-3 off).

    A no-op on other devices; the previous settings are restored on exit.

    Examples
    --------
    >>> with exact_fp32("cpu"):
    ...     pass
    """
    device = torch.device(device)
    if device.type != "cuda":
        yield
        return
    saved = (torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32)
    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cuda.matmul.allow_tf32 = False
    try:
        yield
    finally:
        torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32 = saved


def tracing() -> bool:
    """True under torch.compile / torch.export / ONNX export / TorchScript tracing, where ``auto``
    keeps the plain grouped conv (one graph op; the planner's caches read tensor values, and the
    OpenCV engine leaves the graph).

    Examples
    --------
    >>> tracing()
    False
    """
    try:
        if torch.compiler.is_compiling():
            return True
    except AttributeError:  # pragma: no cover - older torch
        pass
    if _in_onnx_export():
        return True
    return bool(torch.jit.is_tracing())


@functools.lru_cache(maxsize=1)
def _onnx_export_check() -> Callable[[], bool]:
    """``torch.onnx.is_in_onnx_export`` without its two imports per call (5 us of a 3 us OpenCV call):
    the flags it reads, looked up once; the public function where they are not where torch 2.13 keeps them."""
    try:
        from torch.onnx._internal.exporter import _flags
        from torch.onnx._internal.torchscript_exporter._globals import GLOBALS
    except ImportError:  # another torch layout: ask the public function every time
        onnx = getattr(torch, "onnx", None)
        return cast("Callable[[], bool]", getattr(onnx, "is_in_onnx_export", lambda: False))
    if not (hasattr(GLOBALS, "in_onnx_export") and hasattr(_flags, "_is_onnx_exporting")):
        return cast("Callable[[], bool]", torch.onnx.is_in_onnx_export)
    return lambda: bool(GLOBALS.in_onnx_export or _flags._is_onnx_exporting)


def _in_onnx_export() -> bool:
    return _onnx_export_check()()


def torch_only(device_type: str) -> bool:
    """True where a call must stay on torch ops: under :func:`tracing`, or under ``torch.autocast`` for
    ``device_type`` (autocast casts torch's ops; an engine outside torch would not be cast).

    Examples
    --------
    >>> torch_only("cpu")
    False
    >>> with torch.autocast("cpu", dtype=torch.bfloat16):
    ...     torch_only("cpu")
    True
    """
    return tracing() or torch.is_autocast_enabled(device_type)
