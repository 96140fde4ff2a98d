"""``filterbank apply``: filter images with a bank; responses as ``.npy`` and a picture grid, or as Zarr.

Two engines. ``memory`` (the default) filters each image whole and writes ``<stem>.npy`` (float32
``(H, W, C*N)``) and ``<stem>_responses.png``; it holds about one copy of the responses (the
``.npy`` is written in bands of rows, the picture is drawn from the responses averaged down to the
panel size). ``dask`` (:mod:`filterbank.cli._apply_dask`) streams the responses block by block into
Zarr arrays, for images larger than memory and folders processed as parallel tasks.

In a folder (or a list of files) an unreadable image is reported, skipped, and the command ends
with a summary and status 1; ``--skip-existing`` resumes an interrupted run.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import cast

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from .. import borders, viz
from .. import plan as _plan
from .._device import exact_fp32, resolve_device
from .._errors import CliError, FilterbankError
from ..bank import FilterBank
from ..functional import filter2d
from ._args import add_threads, anchor_arg, device_arg, examples, parse_params, positive_int, split_items, wrap
from ._inputs import SCALES, collect_inputs, gray, read_image
from ._output import Progress, check_free, report_failures, save_npy_channels_last, save_png, skip_line
from ._resolve import bank_text, count, resolve_bank

try:  # the optional dask extra: `--engine dask` says how to install it when it is missing
    from . import _apply_dask
except ImportError:  # pragma: no cover - `make setup` installs the extra
    _apply_dask = None  # type: ignore[assignment]

__all__ = ["LARGE_PIXELS", "LUMA", "add_parser", "panel_size", "run"]

#: Luminance weights (ITU-R BT.601, those of ``cv2.COLOR_RGB2GRAY``) used to draw RGB responses.
LUMA = (0.299, 0.587, 0.114)

#: A single image at least this large (pixels) gets progress lines for its stages.
LARGE_PIXELS = 1 << 22

#: Errors that make one image of a folder unreadable: reported and skipped, the others go on.
_READ_ERRORS = (FilterbankError, OSError)


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the ``apply`` command to the subcommands ``sub``; return its parser.

    Examples
    --------
    >>> from filterbank.cli._args import Parser
    >>> sub = Parser(prog="filterbank").add_subparsers(dest="command")
    >>> args = add_parser(sub).parse_args(["photo.png", "--bank", "lm", "-o", "out/", "--anchor", "1,2"])
    >>> args.items, args.bank, args.anchor, args.border, args.engine
    (['photo.png'], 'lm', (1, 2), 'reflect101', 'memory')
    """
    p = sub.add_parser(
        "apply",
        help="filter images with a bank: responses as .npy and a picture grid, or as Zarr (--engine dask)",
        description=wrap(
            "Filter each INPUT (an image file, or a folder: its .png/.jpg/.jpeg/.bmp/.tif/.tiff files, sorted, "
            "not recursive) with BANK and write into the folder OUT: <stem>.npy, the responses as float32 "
            "(H, W, C*N), channels last, channel c*N + n = input channel c filtered by kernel n (the layout of "
            "filterbank.filter2d on a numpy image); and <stem>_responses.png, the input and one panel per "
            "kernel, drawn from the responses averaged down to the panel size. The image is scaled to float32 "
            "[0, 1] (8-bit / 255, 16-bit / 65535; 32-bit float images as they are) and every channel is "
            "filtered (--gray converts RGB to one luminance channel first); the picture of an RGB image "
            "shows the luminance response 0.299 R + 0.587 G + 0.114 B of each kernel. key=value words "
            "anywhere among the inputs are the bank's parameters (see 'filterbank show --help'). Existing "
            "outputs are never overwritten without --force (checked before any work); --skip-existing skips "
            "the images whose outputs exist. In a folder an unreadable image is reported and skipped, and "
            "the command exits 1 with a summary. Images above Pillow's decompression-bomb limit (89 "
            "megapixels) are refused unless --allow-large. --engine dask streams the responses block by "
            "block (--chunk S) into a Zarr array (H, W, C*N) float32 chunked (S, S, C*N), OUT.zarr for one "
            "image or OUT/<stem>.zarr for several, with the bank, border and anchor as attributes: TIFF "
            "and Zarr inputs are read tile by tile, the images of a folder run as parallel tasks on "
            "--scheduler (threads, processes, or a dask.distributed address tcp://HOST:PORT). It needs "
            "the dask extra: pip install 'filterbank[dask]'."
        ),
        epilog=examples(
            "filterbank apply camera.png --bank lm -o out/",
            "filterbank apply photos/ --bank gabor sigmas=2,4 orientations=6 -o out/ --force",
            "filterbank apply photos/ --bank schmid -o out/ --skip-existing",
            "filterbank apply photo.jpg --bank kernel:sobel dx=1 dy=0 --border replicate -o out/",
            "filterbank apply photos/ --bank rfs --device cuda --gray -o out/",
            "filterbank apply slide.tif --bank gabor --engine dask --chunk 1024 -o slide.zarr",
            "filterbank apply tiles/ --bank lm --engine dask --scheduler tcp://10.0.0.5:8786 -o out/",
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    all_borders = ", ".join(borders.BORDERS)
    methods = ", ".join(_plan.METHODS)
    p.add_argument("items", nargs="+", metavar="INPUT", help="image file or folder; key=value bank parameters")
    p.add_argument("--bank", metavar="BANK", required=True, help="bank name, kernel:FAMILY, or a .npz bank file")
    p.add_argument("-o", "--out", metavar="OUT", required=True, help="output folder (or OUT.zarr with --engine dask)")
    p.add_argument("--border", default="reflect101", metavar="NAME", help=f"border (default reflect101; {all_borders})")
    p.add_argument("--value", type=float, default=0.0, help="border value for --border constant (default 0)")
    p.add_argument(
        "--anchor", type=anchor_arg, default=None, metavar="ROW,COL", help="kernel anchor (default: OpenCV's, k//2)"
    )
    p.add_argument("--device", type=device_arg, default="cpu", help="cpu (default), cuda, cuda:N or auto")
    p.add_argument("--method", choices=_plan.METHODS, default="auto", metavar="M", help=f"{methods} (default auto)")
    p.add_argument("--gray", action="store_true", help="convert RGB images to one luminance channel first")
    p.add_argument("--cell", type=positive_int, default=256, metavar="PX", help="largest panel side (default 256)")
    p.add_argument("--cols", type=positive_int, default=8, metavar="N", help="picture columns (default 8)")
    again = p.add_mutually_exclusive_group()
    again.add_argument("--force", action="store_true", help="overwrite existing outputs")
    again.add_argument(
        "--skip-existing", action="store_true", help="skip images whose outputs exist (resume an interrupted run)"
    )
    p.add_argument(
        "--allow-large", action="store_true", help="read images above Pillow's decompression-bomb limit (89 MP)"
    )
    p.add_argument(
        "--engine",
        choices=("memory", "dask"),
        default="memory",
        help="memory (default): each image whole, .npy and picture; dask: block by block to Zarr",
    )
    p.add_argument(
        "--chunk", type=positive_int, default=1024, metavar="S", help="--engine dask: block side (default 1024)"
    )
    p.add_argument(
        "--scheduler",
        default="threads",
        metavar="NAME",
        help="--engine dask: threads (default), processes, synchronous, or a scheduler address tcp://HOST:PORT",
    )
    p.add_argument(
        "--connect-timeout",
        type=float,
        default=10.0,
        metavar="SEC",
        help="--engine dask: seconds to wait for a scheduler address (default 10)",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no progress lines")
    add_threads(p)
    p.set_defaults(func=run)
    return p


# ----------------------------------------------------------------------------- responses and picture
def _unit_tensor(img: np.ndarray, to_gray: bool, device: torch.device) -> torch.Tensor:
    """The image as float32 ``(C, H, W)`` in [0, 1] on ``device`` (8-bit / 255, 16-bit / 65535)."""
    img = gray(img) if to_gray else img
    chw = img[None] if img.ndim == 2 else img.transpose(2, 0, 1)
    x = torch.from_numpy(np.ascontiguousarray(chw)).to(device=device, dtype=torch.float32)
    scale = SCALES[img.dtype]
    return x / scale if scale != 1.0 else x


def panel_size(h: int, w: int, cell: int) -> tuple[int, int]:
    """The (height, width) of a picture panel: the image shrunk so that its longer side is at most ``cell``.

    The size :func:`filterbank.viz.response_grid` shrinks a larger panel to.

    Examples
    --------
    >>> panel_size(3000, 4000, 256), panel_size(100, 80, 256)
    ((192, 256), (100, 80))
    """
    if max(h, w) <= cell:
        return h, w
    f = cell / max(h, w)
    return max(1, round(h * f)), max(1, round(w * f))


def _response_picture(x: torch.Tensor, y: torch.Tensor, bank: FilterBank, cols: int, cell: int) -> Image.Image:
    """The input and one panel per kernel; an RGB image is drawn through its luminance (see ``apply --help``).

    Every map is first averaged down to the panel size, so the picture costs the panels' memory,
    not the image's (averaging is linear: the luminance of the averages is the average luminance).
    """
    size = panel_size(x.shape[-2], x.shape[-1], cell)
    if size != tuple(x.shape[-2:]):
        x = F.adaptive_avg_pool2d(x[None], size)[0]
        y = F.adaptive_avg_pool2d(y[None], size)[0]
    n = len(bank)
    c = x.shape[0]
    if c == 1:
        base, maps, title = x[0], y, "input"
    else:
        w = LUMA if c == 3 else tuple(1.0 / c for _ in range(c))
        base = cast(torch.Tensor, sum(w[i] * x[i] for i in range(c)))  # c > 1 terms: a tensor, never the start 0
        maps = cast(torch.Tensor, sum(w[i] * y[i * n : (i + 1) * n] for i in range(c)))
        title = "input (luminance)"
    panels = [(title, base.cpu().numpy())]
    panels += [(name, m) for name, m in zip(bank.names, maps.cpu().numpy(), strict=True)]
    return viz.response_grid(panels, cols=min(len(panels), cols), cell_max=cell)


def _note(enabled: bool, text: str) -> None:
    if enabled:
        print(text, file=sys.stderr, flush=True)


def _apply_one(
    img: np.ndarray, bank: FilterBank, args: argparse.Namespace, border: str, device: torch.device, outs: tuple
) -> tuple[int, int, int]:
    """Filter one image and write its ``.npy`` and picture; stage lines on stderr for a large single image."""
    src, png, npy = outs
    notes = args.stage_notes and img.shape[0] * img.shape[1] >= LARGE_PIXELS
    x = _unit_tensor(img, args.gray, device)
    c, h, w = x.shape
    kh, kw = bank.ksize
    _note(notes, f"{src.name}: filtering {h}x{w}x{c} ({img.dtype}) with {count(len(bank), 'kernel')} {kh}x{kw}")
    t0 = time.perf_counter()
    with exact_fp32(device), torch.no_grad():
        y = filter2d(x, bank, border=border, anchor=args.anchor, value=args.value, method=args.method)
    gb = y.numel() * 4 / 1e9
    _note(notes, f"{src.name}: filtered in {time.perf_counter() - t0:.1f} s; writing {npy.name} ({gb:.2f} GB)")
    save_npy_channels_last(y, npy)
    _note(notes, f"{src.name}: drawing {png.name}")
    save_png(_response_picture(x, y, bank, args.cols, args.cell), png)
    return h, w, y.shape[0]


# ----------------------------------------------------------------------------- targets, failures, summary
def _targets(
    args: argparse.Namespace, files: list[Path]
) -> tuple[list[tuple[Path, Path, Path]], list[tuple[Path, Path, Path]]]:
    """(to do, skipped) as (input, picture, npy); refuses to overwrite (unless --force) before any work."""
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise CliError(f"`-o` must be a folder; {args.out!r} is a file")
    targets = [(f, out / f"{f.stem}_responses.png", out / f"{f.stem}.npy") for f in files]
    paths = [p for _, png, npy in targets for p in (png, npy)]
    if not args.skip_existing:
        check_free(paths, args.force)
        return targets, []
    check_free(paths, True)  # folders named like an output are refused all the same
    # Both files are written atomically, .npy first: an image with only one of them was interrupted; redo it.
    done = [t for t in targets if t[1].exists() and t[2].exists()]
    return [t for t in targets if t not in done], done


def _summary_line(
    written: list[tuple[Path, Path, tuple[int, int, int]]], bank: FilterBank, label: str, where: str
) -> str:
    """The last line of ``apply``: what was written, for one image or several."""
    if len(written) == 1:
        png, npy, (h, w, cn) = written[0]
        c = cn // len(bank)
        return (
            f"wrote {png} and {npy} (float32 {h}x{w}x{cn}: {count(c, 'channel')} x "
            f"{count(len(bank), 'kernel')}; {label}, {bank.ksize[0]}x{bank.ksize[1]}; {where})"
        )
    folder = written[0][0].parent if written else "nothing"
    return f"wrote {2 * len(written)} files for {len(written)} images to {folder} ({bank_text(bank, label)}; {where})"


def _run_memory(args: argparse.Namespace, bank: FilterBank, label: str, border: str) -> int:
    device = resolve_device(args.device)
    files, folder = collect_inputs(split_items(args.items)[0])
    many = folder or len(files) > 1
    todo, skipped = _targets(args, files)
    if skipped and not args.quiet:
        print(f"skipping {count(len(skipped), 'image')} whose outputs exist (--skip-existing)", file=sys.stderr)
    args.stage_notes = not many and not args.quiet
    t0 = time.perf_counter()
    progress = Progress(len(todo), enabled=many and not args.quiet)
    written, failed = [], []
    for i, (src, png, npy) in enumerate(todo, 1):
        progress.step(i, src.name)
        try:
            img = read_image(src, allow_large=args.allow_large)
        except _READ_ERRORS as exc:
            if not many:
                raise
            skip_line(src, exc)
            failed.append((src, exc))
            continue
        written.append((png, npy, _apply_one(img, bank, args, border, device, (src, png, npy))))
    progress.close()
    if written or not todo:
        where = f"{border}; {device}; {time.perf_counter() - t0:.1f} s"
        print(_summary_line(written, bank, label, where) if written else "nothing to do: every output exists")
    report_failures(failed, len(todo))
    return 1 if failed else 0


def run(args: argparse.Namespace) -> int:
    """Filter the images of ``args.items`` with ``args.bank``; return 0 (1 if an image of a folder failed).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from filterbank.images import sample
    >>> tmp = pathlib.Path(tempfile.mkdtemp())
    >>> Image.fromarray(sample("steps")).save(tmp / "steps.png")
    >>> ns = argparse.Namespace(items=[str(tmp / "steps.png")], bank="sobel", out=str(tmp / "out"),
    ...     border="reflect101", value=0.0, anchor=None, device="cpu", method="auto", gray=False,
    ...     cell=64, cols=8, force=False, skip_existing=False, allow_large=False, engine="memory", quiet=True)
    >>> run(ns)  # doctest: +ELLIPSIS
    wrote .../steps_responses.png and .../steps.npy (float32 192x192x2: 1 channel x 2 kernels; sobel, 3x3; ...)
    0
    """
    inputs, words = split_items(args.items)
    if not inputs:
        raise CliError("apply needs an IMAGE or a folder of images before or after the bank parameters")
    bank, label = resolve_bank(args.bank, parse_params(words))
    if len(bank.ksize) != 2:
        raise CliError(
            f"apply filters 2-D images with 2-D kernels; got {bank_text(bank, label)} "
            f"({len(bank.ksize)}-D kernels: apply them to volumes with filterbank.filter3d / filter1d in Python)"
        )
    border = borders.normalize_border(args.border)
    borders.padding_for(bank.ksize, args.anchor)  # an anchor outside the kernel fails before any work
    if args.engine == "dask":
        if _apply_dask is None:  # pragma: no cover - `make setup` installs the extra
            raise CliError("--engine dask needs the optional dask extra: pip install 'filterbank[dask]'")
        return _apply_dask.run(args, bank, label, border)
    return _run_memory(args, bank, label, border)
