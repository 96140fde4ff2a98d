"""Device helpers: resolve a device name, and switch TF32 off for exact float32 on CUDA."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator

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


#: Where torch 2.13 keeps the two flags ``torch.onnx.is_in_onnx_export`` reads (the dynamo and TorchScript exporters).
_ONNX_FLAGS, _ONNX_GLOBALS = (
    "torch.onnx._internal.exporter._flags",
    "torch.onnx._internal.torchscript_exporter._globals",
)


def _in_onnx_export() -> bool:
    """``torch.onnx.is_in_onnx_export()`` without its two imports per call (5 us beside a 3 us OpenCV call).

    The flags are read from their modules once loaded (an export loads them); where torch keeps
    them elsewhere, the public function answers.
    """
    onnx = sys.modules.get("torch.onnx")
    if onnx is None:  # never imported: no export is running
        return False
    flags, glob = sys.modules.get(_ONNX_FLAGS), sys.modules.get(_ONNX_GLOBALS)
    state = getattr(glob, "GLOBALS", None)
    if hasattr(flags, "_is_onnx_exporting") and hasattr(state, "in_onnx_export"):
        return bool(state.in_onnx_export or flags._is_onnx_exporting)  # type: ignore[union-attr]
    return bool(getattr(onnx, "is_in_onnx_export", lambda: False)())


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
