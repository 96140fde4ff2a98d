"""The ``filterbank`` command: ``list``, ``verify``, ``demo`` and ``bench``.

Examples
--------
::

    filterbank list
    filterbank verify --dtype float32 --dtype uint8
    filterbank demo --out demo-out

User mistakes (a missing images folder, an unknown device, CUDA asked for on a
machine without it, a bad option) print one line, ``filterbank: error: ...``, on
stderr and exit with status 2. A parity failure exits with status 1.
"""

from __future__ import annotations

import argparse
import inspect
import os
import re
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

import cv2
import numpy as np
import torch
from torch import nn

from . import __version__, kernels
from . import borders as _borders
from ._errors import FilterbankError
from .bank import FilterBank
from .images import default_image_dir, load_images
from .inject import inject
from .parity import DTYPES, ParityReport, default_groups, reference_filter2d, resolve_device, run_parity

__all__ = ["main"]

_DEVICE_RE = re.compile(r"^(cpu|cuda(:\d+)?)$")


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line: ``filterbank: error: ...`` and status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"filterbank: error: {message} (see '{self.prog} --help')\n")


def _device_arg(allow_auto: bool):
    def parse(text: str) -> str:
        t = text.strip().lower()
        if (allow_auto and t == "auto") or _DEVICE_RE.match(t):
            return t
        choices = "cpu, cuda, cuda:N" + (", auto" if allow_auto else "")
        raise argparse.ArgumentTypeError(f"unknown device {text!r}; choose one of {choices}")

    parse.__name__ = "device"
    return parse


def _threads_arg(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be an integer >= 1; got {text!r}")
    return n


def _add_threads(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--threads",
        type=_threads_arg,
        default=None,
        metavar="N",
        help="torch CPU threads for the run (default: torch's choice); on a busy machine 1 can be much faster",
    )


def _signature_text(name: str) -> str:
    params = []
    for p in kernels.signature(name).parameters.values():
        if p.default is inspect.Parameter.empty:
            params.append(p.name)
        else:
            d = p.default
            params.append(f"{p.name}={d:.6g}" if isinstance(d, float) else f"{p.name}={d!r}")
    return f"{name}({', '.join(params)})"


def _cmd_list(args: argparse.Namespace) -> int:
    found = kernels.names(args.pattern)
    if not found:
        print(f"no kernel family matches {args.pattern!r}; families: {', '.join(kernels.names())}")
        return 0
    for name in found:
        func = getattr(kernels, name, None)
        doc = inspect.getdoc(func) if func is not None else None
        print(_signature_text(name))
        if doc:
            print(f"    {doc.splitlines()[0]}")
    return 0


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
    borders = args.border or ["reflect101", "symmetric", "replicate", "constant"]
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


def _cmd_demo(args: argparse.Namespace) -> int:
    from . import viz  # pictures are only needed here

    images = _load(args.images)
    devices = [torch.device("cpu")]
    if args.device == "auto":
        if torch.cuda.is_available():
            devices.append(torch.device("cuda"))
    else:
        dev = resolve_device(args.device)
        if dev.type == "cuda":
            devices.append(dev)
    groups = default_groups()
    print(f"filterbank {__version__} demo: {sum(len(b) for _, b in groups)} kernels in {len(groups)} families")
    print(f"images: {', '.join(n for n, _ in images)} ({args.images or default_image_dir()})")
    print(f"devices: {', '.join(str(d) for d in devices)}; torch {torch.__version__}, OpenCV {cv2.__version__}")
    print()

    report = ParityReport()
    for dev in devices:
        rep = run_parity(images, device=dev, dtypes=DTYPES, groups=groups)
        report = report + rep
        print(rep.table())
        print()

    out = Path(args.out)
    written: list[Path] = []
    t0 = time.perf_counter()
    written.append(viz.save(viz.kernel_grid([b for _, b in groups], cell=64, cols=7), out / "bank.png"))
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


def _build_parser() -> _Parser:
    parser = _Parser(
        prog="filterbank",
        description="OpenCV-exact hand-crafted filters as PyTorch layers: list kernels, verify parity, demo.",
        epilog="example: filterbank demo --out demo-out",
    )
    parser.add_argument("--version", action="version", version=f"filterbank {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser(
        "list",
        help="list the kernel families and their parameters",
        description="List the kernel families of filterbank.kernels with their parameters.",
        epilog="example: filterbank list 'gauss*'",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("pattern", nargs="?", default=None, help="shell-style pattern on family names (default: all)")
    p.set_defaults(func=_cmd_list)

    border_names = ", ".join(b for b in _borders.BORDERS if b != "wrap")
    p = sub.add_parser(
        "verify",
        help="check torch filtering against cv2.filter2D on images",
        description=(
            "Run the default filter families (Sobel, Scharr, Laplacian, LoG, Gaussian, Gabor, even and "
            "non-square boxes) through an injected nn.Conv2d, FilterConv2d and filter2d, compare every output "
            "channel with cv2.filter2D, print the table and exit 0 if all agree within tolerance, else 1."
        ),
        epilog="example: filterbank verify --device cuda --dtype float32 --dtype uint8 --json parity.json",
    )
    p.add_argument("--device", type=_device_arg(True), default="cpu", help="cpu (default), cuda, cuda:N or auto")
    p.add_argument("--images", metavar="DIR", default=None, help="folder of images (default: the repository's)")
    p.add_argument(
        "--dtype",
        action="append",
        choices=DTYPES,
        help="image dtype to check; repeat for several (default: float32)",
    )
    p.add_argument(
        "--border", action="append", metavar="NAME", help=f"border to check; repeat (default: {border_names})"
    )
    p.add_argument("--json", metavar="PATH", default=None, help="also write the report as JSON")
    _add_threads(p)
    p.set_defaults(func=_cmd_verify)

    p = sub.add_parser(
        "demo",
        help="verify parity and write a gallery of pictures",
        description=(
            "Build the default banks, run them through injected nn.Conv2d layers on the images on CPU "
            "(and CUDA when available or asked), check every output against cv2.filter2D (float32 and "
            "uint8), print the parity table and write bank.png, responses_<image>.png and "
            "compare_<image>_<family>.png. Exits 1 on a parity failure."
        ),
        epilog="example: filterbank demo --out demo-out --device auto",
    )
    p.add_argument("--out", metavar="DIR", default="demo-out", help="output folder (default: demo-out)")
    p.add_argument("--images", metavar="DIR", default=None, help="folder of images (default: the repository's)")
    p.add_argument(
        "--device",
        type=_device_arg(True),
        default="auto",
        help="auto (default: CPU, plus CUDA if available), cpu, or cuda / cuda:N (CPU and that GPU)",
    )
    _add_threads(p)
    p.set_defaults(func=_cmd_demo)

    p = sub.add_parser(
        "bench",
        help="time the planner against OpenCV, kornia, SciPy and plain torch convs",
        description="Run the benchmark harness (benchmarks/run.py); options after 'bench' go to it.",
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
    >>> main(["list", "sobel"])  # doctest: +ELLIPSIS
    sobel(dx, dy, ksize=3, normalize=False)
    ...
    0
    """
    parser = _build_parser()
    argv = list(argv) if argv is not None else sys.argv[1:]
    if argv[:1] == ["bench"]:  # every option after 'bench' (even --help) belongs to the harness
        return _run_bench(argv[1:])
    try:
        args = parser.parse_args(list(argv) if argv is not None else None)
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
