"""The ``filterbank`` command: ``list``, ``show``, ``apply``, ``verify``, ``bench`` and ``demo``.

Examples
--------
::

    filterbank list 'gauss*'
    filterbank show lm size=small -o lm.png
    filterbank show gabor sigmas=2,4 orientations=6 -o gabor.png
    filterbank show kernel:gabor ksize=31 sigma=4 theta=0.785 lambd=10 -o one.png
    filterbank apply images/ --bank schmid -o responses/
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
import ast
import difflib
import inspect
import os
import re
import sys
import textwrap
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

import cv2
import numpy as np
import torch
from PIL import Image
from torch import nn

from . import __version__, banks, kernels
from . import borders as _borders
from . import plan as _plan
from ._errors import FilterbankError
from .bank import FilterBank
from .functional import filter2d
from .images import IMAGE_SUFFIXES, default_image_dir, load_image, load_images
from .inject import inject
from .parity import (
    DEFAULT_BORDERS,
    DTYPES,
    ParityReport,
    default_groups,
    exact_fp32,
    reference_filter2d,
    resolve_device,
    run_parity,
)

__all__ = ["DEMO_BANKS", "CliError", "main", "parse_params", "resolve_bank"]

_DEVICE_RE = re.compile(r"^(cpu|cuda(:\d+)?)$")
_PARAM_RE = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)=(.*)$", re.DOTALL)
_KERNEL_PREFIX = "kernel:"
_LITERAL_WORDS = {"true": True, "false": False, "none": None}

#: Luminance weights (ITU-R BT.601, those of ``cv2.COLOR_RGB2GRAY``) used to draw RGB responses.
_LUMA = (0.299, 0.587, 0.114)

#: The banks whose pictures and FilterConv2d parity ``filterbank demo`` adds.
DEMO_BANKS: tuple[str, ...] = ("lm", "rfs", "schmid", "gabor")


class CliError(FilterbankError, ValueError):
    """A mistake on the command line; ``main`` prints it as one line and returns 2."""


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line: ``filterbank: error: ...`` and status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"filterbank: error: {message} (see '{self.prog} --help')\n")


def _device_arg(text: str) -> str:
    t = text.strip().lower()
    if t == "auto" or _DEVICE_RE.match(t):
        return t
    raise argparse.ArgumentTypeError(f"unknown device {text!r}; choose one of cpu, cuda, cuda:N, auto")


def _positive_int(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be an integer >= 1; got {text!r}")
    return n


def _anchor_arg(text: str) -> tuple[int, int]:
    parts = [s.strip() for s in text.replace("(", "").replace(")", "").split(",")]
    try:
        row, col = (int(s) for s in parts)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be ROW,COL (two integers, e.g. 1,1); got {text!r}") from None
    return row, col


def _add_threads(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--threads",
        type=_positive_int,
        default=None,
        metavar="N",
        help="torch CPU threads for the run (default: torch's choice); on a busy machine 1 can be much faster",
    )


# ----------------------------------------------------------------------------- parameters
def _fmt_value(v: Any) -> str:
    """A default value as the command line would write it: floats with 6 digits, sequences in brackets."""
    if isinstance(v, float):
        return f"{v:.6g}"
    if isinstance(v, tuple):
        return "(" + ", ".join(_fmt_value(x) for x in v) + ("," if len(v) == 1 else "") + ")"
    if isinstance(v, list):
        return "[" + ", ".join(_fmt_value(x) for x in v) + "]"
    return repr(v)


def _params_text(sig: inspect.Signature) -> str:
    out = []
    for p in sig.parameters.values():
        out.append(p.name if p.default is inspect.Parameter.empty else f"{p.name}={_fmt_value(p.default)}")
    return ", ".join(out)


def _signature_text(name: str) -> str:
    return f"{name}({_params_text(kernels.signature(name))})"


def _summary(func: object) -> str:
    doc = inspect.getdoc(func)
    return doc.splitlines()[0].replace("``", "") if doc else ""


def _parse_value(key: str, text: str) -> Any:
    t = text.strip()
    if not t:
        raise CliError(f"parameter `{key}` has no value; write {key}=VALUE")
    if t.lower() in _LITERAL_WORDS:
        return _LITERAL_WORDS[t.lower()]
    try:
        return ast.literal_eval(t)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return t  # a bare word such as size=small is a string


def parse_params(items: Sequence[str]) -> dict[str, Any]:
    """Parse ``key=value`` words into keyword arguments; values are Python literals, never evaluated code.

    Parameters
    ----------
    items : sequence of str
        Words such as ``"sigmas=2,4"``, ``"orientations=6"``, ``"size=small"``.

    Returns
    -------
    dict
        ``{key: value}``: :func:`ast.literal_eval` of the value (``"2,4"`` -> ``(2, 4)``,
        ``"[1, 2]"`` -> ``[1, 2]``, ``"2.5"`` -> ``2.5``; ``true`` / ``false`` / ``none`` in any
        case as ``True`` / ``False`` / ``None``); a value that is not a literal stays a string.

    Raises
    ------
    CliError
        A word without ``=``, a key that is not an identifier, an empty value, a key given twice.

    Examples
    --------
    >>> parse_params(["sigmas=2,4", "orientations=6", "size=small", "normalize=true"])
    {'sigmas': (2, 4), 'orientations': 6, 'size': 'small', 'normalize': True}
    """
    out: dict[str, Any] = {}
    for item in items:
        m = _PARAM_RE.match(item)
        if m is None:
            raise CliError(f"bank parameters must be key=value (e.g. sigmas=2,4); got {item!r}")
        key, text = m.groups()
        if key in out:
            raise CliError(f"parameter `{key}` is given twice")
        out[key] = _parse_value(key, text)
    return out


def _split_items(items: Sequence[str]) -> tuple[list[str], list[str]]:
    """Positional words -> (inputs, key=value words); an existing file whose name has '=' is an input."""
    inputs, params = [], []
    for item in items:
        if _PARAM_RE.match(item) and not os.path.exists(item):
            params.append(item)
        else:
            inputs.append(item)
    return inputs, params


def _close(name: str, pool: Sequence[str]) -> str:
    close = difflib.get_close_matches(name, list(pool), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _check_keys(what: str, sig: inspect.Signature, params: dict[str, Any], alt: str = "") -> None:
    accepted = _params_text(sig) or "no parameters"
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
    if family not in kernels.names():
        raise CliError(
            f"unknown kernel family {family!r}{_close(family, kernels.names())}; families: {', '.join(kernels.names())}"
        )
    _check_keys(f"kernel family {family!r}", kernels.signature(family), params)
    return _build(f"kernel family {family!r}", lambda: FilterBank.from_specs([{"family": family, **params}]))


def resolve_bank(name: str, params: dict[str, Any] | None = None) -> tuple[FilterBank, str]:
    """The bank a command line names, and a label for messages.

    ``name`` is looked up in this order: ``kernel:FAMILY`` (one kernel of a catalog
    family, built with :meth:`FilterBank.from_specs`); a bank of
    :func:`filterbank.banks.names`; a catalog family (:func:`filterbank.kernels.names`)
    that is not a bank name; a file saved with :meth:`FilterBank.save` (a name ending
    in ``.npz``, holding a path separator, or an existing file). ``params`` go to the
    bank's or the family's function and are checked against its signature first.

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
    """
    params = dict(params or {})
    if name.startswith(_KERNEL_PREFIX):
        family = name[len(_KERNEL_PREFIX) :]
        return _kernel_bank(family, params), name
    if name in banks.names():
        func = getattr(banks, name)
        alt = ""
        if name in kernels.names():
            alt = f" (for one {name} kernel write kernel:{name}; see 'filterbank list {name}')"
        _check_keys(f"bank {name!r}", inspect.signature(func), params, alt)
        return _build(f"bank {name!r}", lambda: banks.get(name, **params)), name
    if name in kernels.names():
        return _kernel_bank(name, params), f"{_KERNEL_PREFIX}{name}"
    path = Path(name)
    if name.lower().endswith(".npz") or os.sep in name or "/" in name or path.is_file():
        if params:
            raise CliError(f"a saved bank takes no parameters; got {', '.join(params)} for {name!r}")
        if not path.exists():
            raise FileNotFoundError(f"bank file {name!r} does not exist")
        return FilterBank.load(path), name
    pool = banks.names() + kernels.names()
    raise CliError(
        f"unknown bank {name!r}{_close(name, pool)}; banks: {', '.join(banks.names())}; "
        "a kernel family (see 'filterbank list --kind kernels') or a saved bank file (.npz) also works"
    )


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _bank_text(bank: FilterBank, label: str) -> str:
    kh, kw = bank.ksize
    return f"{label}: {_count(len(bank), 'kernel')}, {kh}x{kw}"


# ----------------------------------------------------------------------------- output files
def _check_free(paths: Sequence[Path], force: bool) -> None:
    """Refuse to write over existing files (or over folders, even with ``force``)."""
    for p in paths:
        if p.is_dir():
            raise CliError(f"output {str(p)!r} is a folder; choose another name")
    existing = [p for p in paths if p.exists()]
    if existing and not force:
        more = f" (and {len(existing) - 1} more output file(s))" if len(existing) > 1 else ""
        raise CliError(f"{str(existing[0])!r} exists{more}; pass --force to overwrite")


def _write_atomic(path: Path, write: Callable[[Any], None]) -> Path:
    """Write through a temporary file in the same folder, then rename (no half-written outputs)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as f:
            write(f)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def _save_png(image: Image.Image, path: Path) -> Path:
    return _write_atomic(path, lambda f: image.save(f, format="PNG"))


def _save_npy(array: np.ndarray, path: Path) -> Path:
    return _write_atomic(path, lambda f: np.save(f, array, allow_pickle=False))


# ----------------------------------------------------------------------------- list
def _cmd_list(args: argparse.Namespace) -> int:
    pattern = args.pattern
    shown = 0
    if args.kind in ("kernels", "all"):
        found = kernels.names(pattern)
        if found:
            print("kernel families (filterbank.kernels; one kernel: filterbank show kernel:NAME key=value ...)")
            for name in found:
                print(f"  {_signature_text(name)}")
                summary = _summary(getattr(kernels, name, None))
                if summary:
                    print(f"      {summary}")
            shown += len(found)
    if args.kind in ("banks", "all"):
        found = banks.names(pattern)
        if found:
            if shown:
                print()
            print("banks (filterbank.banks; filterbank show NAME key=value ..., filterbank apply --bank NAME ...)")
            for name in found:
                func = getattr(banks, name)
                try:
                    bank = banks.get(name)
                    size = f"{len(bank)} kernels, {bank.ksize[0]}x{bank.ksize[1]}"
                except (FilterbankError, TypeError, ValueError):
                    size = "? kernels"
                print(f"  {name}({_params_text(inspect.signature(func))})")
                print(f"      {_summary(func)} [{size} at the defaults]".rstrip())
            shown += len(found)
    if not shown:
        what = {"kernels": "kernel family", "banks": "bank", "all": "kernel family or bank"}[args.kind]
        print(
            f"no {what} matches {pattern!r}; kernel families: {', '.join(kernels.names())}; "
            f"banks: {', '.join(banks.names())}"
        )
    return 0


# ----------------------------------------------------------------------------- show
def _cmd_show(args: argparse.Namespace) -> int:
    bank, label = resolve_bank(args.bank, parse_params(args.params))
    out = Path(args.out)
    if out.suffix.lower() != ".png":
        raise CliError(f"`-o` must name a .png file; got {args.out!r}")
    _check_free([out], args.force)
    _save_png(bank.show(cell=args.cell, cols=args.cols), out)
    print(f"wrote {out} ({_bank_text(bank, label)})")
    return 0


# ----------------------------------------------------------------------------- apply
def _collect_inputs(items: Sequence[str]) -> tuple[list[Path], bool]:
    """Image files named on the command line, folders expanded (sorted, not recursive); (files, any folder)."""
    files: list[Path] = []
    folder = False
    for item in items:
        p = Path(item)
        if not p.exists():
            raise FileNotFoundError(f"input {item!r} does not exist")
        if p.is_dir():
            folder = True
            found = sorted(
                (q for q in p.iterdir() if q.is_file() and q.suffix.lower() in IMAGE_SUFFIXES), key=lambda q: q.name
            )
            if not found:
                raise CliError(f"folder {item!r} holds no image files ({', '.join(sorted(IMAGE_SUFFIXES))})")
            files += found
        else:
            files.append(p)
    unique: list[Path] = []
    by_stem: dict[str, Path] = {}
    for f in files:
        other = by_stem.get(f.stem)
        if other is not None:
            if other.resolve() == f.resolve():
                continue  # the same file twice
            raise CliError(
                f"inputs {str(other)!r} and {str(f)!r} would both write {f.stem}.npy and {f.stem}_responses.png; "
                "apply them to separate output folders"
            )
        by_stem[f.stem] = f
        unique.append(f)
    return unique, folder


class _Progress:
    """``[3/9] camera.png`` on stderr: one line per item, or a redrawn bar when stderr is a terminal."""

    def __init__(self, total: int, enabled: bool) -> None:
        self.total = total
        self.enabled = enabled
        self.tty = enabled and sys.stderr.isatty()
        self.width = 0

    def step(self, i: int, name: str) -> None:
        if not self.enabled:
            return
        head = f"[{i}/{self.total}]"
        if not self.tty:
            print(f"{head} {name}", file=sys.stderr, flush=True)
            return
        done = round(24 * (i - 1) / self.total)
        line = f"{head} [{'#' * done}{'.' * (24 - done)}] {name}"
        print("\r" + line.ljust(self.width), end="", file=sys.stderr, flush=True)
        self.width = max(self.width, len(line))

    def close(self) -> None:
        if self.tty:
            print(f"\r[{self.total}/{self.total}] [{'#' * 24}] done".ljust(self.width), file=sys.stderr, flush=True)


def _responses(
    image: np.ndarray,
    bank: FilterBank,
    *,
    border: str,
    anchor: tuple[int, int] | None,
    value: float,
    method: str,
    device: torch.device,
) -> tuple[np.ndarray, torch.Tensor, torch.Tensor]:
    """Filter a uint8 image (scaled to float32 [0, 1]) with the bank on ``device``.

    Returns the responses ``(H, W, C*N)`` float32 numpy (channel ``c*N + n``, the layout of
    ``filter2d`` on a numpy image), the input ``(C, H, W)`` and the responses ``(C*N, H, W)``
    as tensors on ``device``.
    """
    chw = image[None] if image.ndim == 2 else image.transpose(2, 0, 1)
    x = torch.from_numpy(np.ascontiguousarray(chw)).to(device=device, dtype=torch.float32) / 255.0
    with exact_fp32(device), torch.no_grad():
        y = filter2d(x, bank, border=border, anchor=anchor, value=value, method=method)
    return y.permute(1, 2, 0).contiguous().cpu().numpy(), x, y


def _response_picture(x: torch.Tensor, y: torch.Tensor, bank: FilterBank, cols: int, cell: int) -> Image.Image:
    """The input and one panel per kernel; an RGB image is drawn through its luminance (see ``apply --help``)."""
    from . import viz

    n = len(bank)
    c = x.shape[0]
    if c == 1:
        base, maps, title = x[0], y, "input"
    else:
        w = _LUMA if c == 3 else tuple(1.0 / c for _ in range(c))
        base = sum(w[i] * x[i] for i in range(c))
        maps = sum(w[i] * y[i * n : (i + 1) * n] for i in range(c))
        title = "input (luminance)"
    panels = [(title, base.cpu().numpy())]
    panels += [(name, m) for name, m in zip(bank.names, maps.cpu().numpy(), strict=True)]
    return viz.response_grid(panels, cols=min(len(panels), cols), cell_max=cell)


def _cmd_apply(args: argparse.Namespace) -> int:
    inputs, words = _split_items(args.items)
    if not inputs:
        raise CliError("apply needs an IMAGE or a folder of images before or after the bank parameters")
    bank, label = resolve_bank(args.bank, parse_params(words))
    border = _borders.normalize_border(args.border)
    _borders.padding_for(bank.ksize, args.anchor)  # an anchor outside the kernel fails before any work
    device = resolve_device(args.device)
    files, folder = _collect_inputs(inputs)
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise CliError(f"`-o` must be a folder; {args.out!r} is a file")
    targets = [(f, out / f"{f.stem}_responses.png", out / f"{f.stem}.npy") for f in files]
    _check_free([p for _, png, npy in targets for p in (png, npy)], args.force)

    t0 = time.perf_counter()
    progress = _Progress(len(files), enabled=(folder or len(files) > 1) and not args.quiet)
    shapes: list[tuple[int, ...]] = []
    for i, (src, png, npy) in enumerate(targets, 1):
        progress.step(i, src.name)
        img = load_image(src)
        if args.gray:
            img = _gray(img)
        resp, x, y = _responses(
            img, bank, border=border, anchor=args.anchor, value=args.value, method=args.method, device=device
        )
        _save_npy(resp, npy)
        _save_png(_response_picture(x, y, bank, args.cols, args.cell), png)
        shapes.append(resp.shape)
    progress.close()
    seconds = time.perf_counter() - t0
    if len(targets) == 1:
        h, w, cn = shapes[0]
        c = cn // len(bank)
        print(
            f"wrote {targets[0][1]} and {targets[0][2]} (float32 {h}x{w}x{cn}: {_count(c, 'channel')} x "
            f"{_count(len(bank), 'kernel')}; {label}, {bank.ksize[0]}x{bank.ksize[1]}; {border}; {device}; "
            f"{seconds:.1f} s)"
        )
    else:
        print(
            f"wrote {2 * len(targets)} files for {len(targets)} images to {out} "
            f"({_bank_text(bank, label)}; {border}; {device}; {seconds:.1f} s)"
        )
    return 0


# ----------------------------------------------------------------------------- verify and demo
def _load(images_dir: str | None) -> list[tuple[str, np.ndarray]]:
    folder = Path(images_dir) if images_dir is not None else default_image_dir()
    if not folder.exists():
        raise FileNotFoundError(f"images folder {str(folder)!r} does not exist")
    return load_images(folder)


def _write_json(report: ParityReport, path: str) -> Path:
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(report.to_json() + "\n")
    return p


def _cmd_verify(args: argparse.Namespace) -> int:
    device = resolve_device(args.device)
    images = _load(args.images)
    dtypes = args.dtype or ["float32"]
    borders = args.border or DEFAULT_BORDERS
    report = run_parity(images, device=device, dtypes=dtypes, borders=borders)
    print(report.table())
    if args.json:
        print(f"wrote {_write_json(report, args.json)}")
    return 0 if report.ok else 1


def _gray(img: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(img, cv2.COLOR_RGB2GRAY) if img.ndim == 3 else img


def _inject_responses(gray01: np.ndarray, bank: FilterBank, border: str) -> np.ndarray:
    """Responses ``(N, H, W)`` of a gray float32 image through a plain nn.Conv2d with the bank injected."""
    kh, kw = bank.ksize
    conv = nn.Conv2d(1, len(bank), (kh, kw), bias=False, padding=0)
    inject(conv, bank, mode="frozen")
    x = torch.from_numpy(np.ascontiguousarray(gray01))[None, None]
    with torch.no_grad():
        y = conv(_borders.pad(x, _borders.padding_for((kh, kw)), border))
    return y[0].numpy()


def _pick_images(images: list[tuple[str, np.ndarray]]) -> list[tuple[str, np.ndarray]]:
    named = dict(images)
    if "camera" in named and "zoneplate" in named:
        return [("camera", named["camera"]), ("zoneplate", named["zoneplate"])]
    return images[:2]


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name)


def _parity_tables(images: list[tuple[str, np.ndarray]], devices: list[torch.device], **kwargs: Any) -> ParityReport:
    """:func:`run_parity` on each device, its table printed; the reports summed."""
    report = ParityReport()
    for dev in devices:
        rep = run_parity(images, device=dev, **kwargs)
        report = report + rep
        print(rep.table())
        print()
    return report


def _bank_parity(
    images: list[tuple[str, np.ndarray]], devices: list[torch.device]
) -> tuple[ParityReport, list[tuple[str, FilterBank]]]:
    """The demo banks through FilterConv2d against cv2.filter2D on one image (camera when there is one)."""
    name, img = _pick_images(images)[0]
    groups = [(b, banks.get(b)) for b in DEMO_BANKS]
    sizes = ", ".join(f"{b} ({len(bank)})" for b, bank in groups)
    print(f"banks {sizes} through FilterConv2d (planner 'auto') on {name}, float32:")
    report = _parity_tables([(name, img)], devices, dtypes=("float32",), groups=groups, paths=("FilterConv2d",))
    return report, groups


def _cmd_demo(args: argparse.Namespace) -> int:
    from . import viz  # pictures are only needed here

    images = _load(args.images)
    devices = [torch.device("cpu")]
    dev = resolve_device(args.device)  # "auto": CUDA when available
    if dev.type == "cuda":
        devices.append(dev)
    groups = default_groups()
    print(
        f"filterbank {__version__} demo: {sum(len(b) for _, b in groups)} kernels in {len(groups)} families, "
        f"and the banks {', '.join(DEMO_BANKS)}"
    )
    print(f"images: {', '.join(n for n, _ in images)} ({args.images or default_image_dir()})")
    print(f"devices: {', '.join(str(d) for d in devices)}; torch {torch.__version__}, OpenCV {cv2.__version__}")
    print()

    report = _parity_tables(images, devices, dtypes=DTYPES, groups=groups)
    bank_report, bank_groups = _bank_parity(images, devices)
    report = report + bank_report

    out = Path(args.out)
    written: list[Path] = []
    t0 = time.perf_counter()
    written.append(viz.save(viz.kernel_grid([b for _, b in groups], cell=64, cols=7), out / "bank.png"))
    for name, bank in bank_groups:
        written.append(bank.to_image(out / f"bank_{_safe(name)}.png"))
    border = "reflect101"
    for name, img in _pick_images(images):
        gray = _gray(img)
        gray01 = gray.astype(np.float32) / np.float32(255.0)
        panels: list[tuple[str, np.ndarray]] = [(f"{name} (input)", gray01)]
        for family, bank in groups:
            resp = _inject_responses(gray01, bank, border)
            panels += list(zip(bank.names, resp, strict=True))
            ref = reference_filter2d(gray01, bank.kernels[0], border)
            title = f"{name} | {bank.names[0]} | {border} | float32 | nn.Conv2d+inject vs cv2.filter2D"
            pic = viz.side_by_side(resp[0], ref, title)
            written.append(viz.save(pic, out / f"compare_{_safe(name)}_{_safe(family)}.png"))
        written.append(viz.save(viz.response_grid(panels, cols=5), out / f"responses_{_safe(name)}.png"))
    print(f"wrote {len(written)} pictures to {out} ({time.perf_counter() - t0:.1f} s):")
    for p in sorted(written):
        print(f"  {p}")
    if not report.ok:
        print(f"PARITY FAILED in {len(report.failures)} cell(s)", file=sys.stderr)
        return 1
    return 0


def _wrap(text: str) -> str:
    """A help description filled to 88 columns (the parsers keep the examples' line breaks)."""
    return textwrap.fill(" ".join(text.split()), width=88)


def _examples(*lines: str) -> str:
    return "examples:\n" + "\n".join(f"  {line}" for line in lines)


def _build_parser() -> _Parser:
    parser = _Parser(
        prog="filterbank",
        description=_wrap(
            "OpenCV-exact hand-crafted filters as PyTorch layers: list kernels and banks, draw a bank, "
            "apply it to images, verify parity with cv2.filter2D, benchmark, demo."
        ),
        epilog=_examples(
            "filterbank list",
            "filterbank show lm -o lm.png",
            "filterbank apply images/ --bank schmid -o responses/",
            "filterbank demo --out demo-out",
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"filterbank {__version__}")
    all_borders = ", ".join(_borders.BORDERS)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser(
        "list",
        help="list the kernel families and the banks with their parameters",
        description=_wrap(
            "List the kernel families of filterbank.kernels (signature and summary) and the banks of "
            "filterbank.banks (parameters, number and size of kernels at the defaults)."
        ),
        epilog=_examples("filterbank list", "filterbank list 'gauss*'", "filterbank list --kind banks"),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("pattern", nargs="?", default=None, help="shell-style pattern on the names (default: all)")
    p.add_argument("--kind", choices=("kernels", "banks", "all"), default="all", help="what to list (default: all)")
    p.set_defaults(func=_cmd_list)

    p = sub.add_parser(
        "show",
        help="draw a bank (or one kernel, or a saved bank) as a PNG picture",
        description=_wrap(
            "Draw the kernels of BANK in a grid (blue negative, white zero, red positive; each kernel with its "
            "own contrast, its name underneath) and write it as a PNG. BANK is a bank name ('filterbank list "
            "--kind banks'), kernel:FAMILY for one kernel of a catalog family (a family that is not also a "
            "bank may drop the prefix), or a bank file written by FilterBank.save (.npz). key=value words are "
            "the bank's parameters: Python literals (3, 2.5, 2,4 for a tuple, [1,2], True, 'large'); other "
            "words are strings (size=small). Angles are in radians. An existing output is kept unless --force."
        ),
        epilog=_examples(
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
    p.add_argument("--cell", type=_positive_int, default=64, metavar="PX", help="kernel size in pixels (default 64)")
    p.add_argument("--cols", type=_positive_int, default=None, metavar="N", help="columns (default: up to 8)")
    p.add_argument("--force", action="store_true", help="overwrite the output if it exists")
    p.set_defaults(func=_cmd_show)

    methods = ", ".join(_plan.METHODS)
    p = sub.add_parser(
        "apply",
        help="filter images with a bank: responses as a picture grid and as .npy",
        description=_wrap(
            "Filter each INPUT (an image file, or a folder: its .png/.jpg/.jpeg/.bmp/.tif/.tiff files, sorted, "
            "not recursive) with BANK and write into the folder OUT: <stem>.npy, the responses as float32 "
            "(H, W, C*N), channels last, channel c*N + n = input channel c filtered by kernel n (the layout of "
            "filterbank.filter2d on a numpy image); and <stem>_responses.png, the input and one panel per "
            "kernel. The image (uint8, gray or RGB) is scaled to float32 [0, 1] and every channel is "
            "filtered (--gray converts RGB to one luminance channel first); the picture of an RGB image "
            "shows the luminance response 0.299 R + 0.587 G + 0.114 B of each kernel. key=value words "
            "anywhere among the inputs are the bank's parameters (see 'filterbank show --help'). Existing "
            "outputs are never overwritten without --force (checked before any work). A folder gets a "
            "progress line per image on stderr."
        ),
        epilog=_examples(
            "filterbank apply images/camera.png --bank lm -o out/",
            "filterbank apply images/ --bank gabor sigmas=2,4 orientations=6 -o out/ --force",
            "filterbank apply photo.jpg --bank kernel:sobel dx=1 dy=0 --border replicate -o out/",
            "filterbank apply images/ --bank rfs --device cuda --gray -o out/",
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("items", nargs="+", metavar="INPUT", help="image file or folder; key=value bank parameters")
    p.add_argument("--bank", metavar="BANK", required=True, help="bank name, kernel:FAMILY, or a .npz bank file")
    p.add_argument("-o", "--out", metavar="DIR", required=True, help="output folder (created if needed)")
    p.add_argument("--border", default="reflect101", metavar="NAME", help=f"border (default reflect101; {all_borders})")
    p.add_argument("--value", type=float, default=0.0, help="border value for --border constant (default 0)")
    p.add_argument(
        "--anchor", type=_anchor_arg, default=None, metavar="ROW,COL", help="kernel anchor (default: OpenCV's, k//2)"
    )
    p.add_argument("--device", type=_device_arg, default="cpu", help="cpu (default), cuda, cuda:N or auto")
    p.add_argument("--method", choices=_plan.METHODS, default="auto", metavar="M", help=f"{methods} (default auto)")
    p.add_argument("--gray", action="store_true", help="convert RGB images to one luminance channel first")
    p.add_argument("--cell", type=_positive_int, default=256, metavar="PX", help="largest panel side (default 256)")
    p.add_argument("--cols", type=_positive_int, default=8, metavar="N", help="picture columns (default 8)")
    p.add_argument("--force", action="store_true", help="overwrite existing outputs")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress lines")
    _add_threads(p)
    p.set_defaults(func=_cmd_apply)

    p = sub.add_parser(
        "verify",
        help="check torch filtering against cv2.filter2D on images",
        description=_wrap(
            "Run the default filter families (Sobel, Scharr, Laplacian, LoG, Gaussian, Gabor, even and "
            "non-square boxes) through an injected nn.Conv2d, FilterConv2d and filter2d, compare every output "
            "channel with cv2.filter2D, print the table and exit 0 if all agree within tolerance, else 1."
        ),
        epilog=_examples(
            "filterbank verify",
            "filterbank verify --images my_images/ --dtype float32 --dtype uint8",
            "filterbank verify --device cuda --json parity.json",
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--device", type=_device_arg, default="cpu", help="cpu (default), cuda, cuda:N or auto")
    p.add_argument("--images", metavar="DIR", default=None, help="folder of images (default: the repository's)")
    p.add_argument(
        "--dtype",
        action="append",
        choices=DTYPES,
        help="image dtype to check; repeat for several (default: float32)",
    )
    p.add_argument(
        "--border",
        action="append",
        metavar="NAME",
        help=f"border to check; repeat (default: {', '.join(DEFAULT_BORDERS)})",
    )
    p.add_argument("--json", metavar="PATH", default=None, help="also write the report as JSON")
    _add_threads(p)
    p.set_defaults(func=_cmd_verify)

    p = sub.add_parser(
        "demo",
        help="verify parity and write a gallery of pictures",
        description=_wrap(
            "Build the default banks, run them through injected nn.Conv2d layers on the images on CPU "
            "(and CUDA when available or asked), check every output against cv2.filter2D (float32 and "
            "uint8), then the LM, RFS, Schmid and Gabor banks through FilterConv2d on one image (camera), "
            "print the parity tables and write bank.png, bank_<lm|rfs|schmid|gabor>.png, "
            "responses_<image>.png and compare_<image>_<family>.png. Exits 1 on a parity failure."
        ),
        epilog=_examples("filterbank demo", "filterbank demo --out demo-out --device cpu --threads 1"),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--out", metavar="DIR", default="demo-out", help="output folder (default: demo-out)")
    p.add_argument("--images", metavar="DIR", default=None, help="folder of images (default: the repository's)")
    p.add_argument(
        "--device",
        type=_device_arg,
        default="auto",
        help="auto (default: CPU, plus CUDA if available), cpu, or cuda / cuda:N (CPU and that GPU)",
    )
    _add_threads(p)
    p.set_defaults(func=_cmd_demo)

    p = sub.add_parser(
        "bench",
        help="time the planner against OpenCV, kornia, SciPy and plain torch convs",
        description=_wrap("Run the benchmark harness (benchmarks/run.py); options after 'bench' go to it."),
        epilog="example: filterbank bench -w W2 --reps 7 --json bench.json",
        add_help=False,
    )
    p.add_argument("bench_args", nargs=argparse.REMAINDER, help="harness options (see 'filterbank bench --help')")
    p.set_defaults(func=_cmd_bench)
    return parser


def _cmd_bench(args: argparse.Namespace) -> int:
    """Call the harness's ``main``: ``benchmarks.run`` if importable, else the repository's file."""
    return _run_bench(list(args.bench_args))


def _run_bench(argv: list[str]) -> int:
    try:
        from benchmarks.run import main as bench_main  # type: ignore[import-not-found]
    except ImportError:
        import importlib.util

        path = Path(__file__).resolve().parents[1] / "benchmarks" / "run.py"
        if not path.exists():
            raise FileNotFoundError(
                f"the benchmark harness {str(path)!r} is missing (it ships with the repository)"
            ) from None
        spec = importlib.util.spec_from_file_location("filterbank_bench_run", path)
        mod = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
        spec.loader.exec_module(mod)  # type: ignore[union-attr]
        bench_main = mod.main
    try:
        return int(bench_main(argv))
    except SystemExit as exc:  # the harness's own --help / usage errors
        return exc.code if isinstance(exc.code, int) else 0


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
    parser = _build_parser()
    argv = list(argv) if argv is not None else sys.argv[1:]
    if argv[:1] == ["bench"]:  # every option after 'bench' (even --help) belongs to the harness
        return _run_bench(argv[1:])
    try:
        args, extra = parser.parse_known_args(argv)
        if extra:
            # argparse leaves positionals that follow an option unparsed (e.g. `show lm -o x.png size=small`);
            # show and apply take them as more positional words, everything else is an error.
            target = {"show": "params", "apply": "items"}.get(args.command)
            if target is None or any(e.startswith("-") for e in extra):
                parser.error(f"unrecognized arguments: {' '.join(extra)}")
            setattr(args, target, [*getattr(args, target), *extra])
    except SystemExit as exc:  # --help, --version, usage errors (already printed)
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    threads = torch.get_num_threads()
    if getattr(args, "threads", None):
        torch.set_num_threads(args.threads)
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
    finally:
        torch.set_num_threads(threads)


if __name__ == "__main__":
    raise SystemExit(main())
