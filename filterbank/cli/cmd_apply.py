"""``filterbank apply``: filter images with a bank; responses as ``.npy`` and as a picture grid."""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import cast

import numpy as np
import torch
from PIL import Image

from .. import borders, viz
from .. import plan as _plan
from .._device import exact_fp32, resolve_device
from .._errors import CliError
from ..bank import FilterBank
from ..functional import filter2d
from ..images import load_image
from ._args import add_threads, anchor_arg, device_arg, examples, parse_params, positive_int, split_items, wrap
from ._inputs import collect_inputs, gray
from ._output import Progress, check_free, save_npy, save_png
from ._resolve import bank_text, count, resolve_bank

__all__ = ["LUMA", "add_parser", "run"]

#: Luminance weights (ITU-R BT.601, those of ``cv2.COLOR_RGB2GRAY``) used to draw RGB responses.
LUMA = (0.299, 0.587, 0.114)


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the ``apply`` command to the subcommands ``sub``; return its parser.

    Examples
    --------
    >>> from filterbank.cli._args import Parser
    >>> sub = Parser(prog="filterbank").add_subparsers(dest="command")
    >>> args = add_parser(sub).parse_args(["photo.png", "--bank", "lm", "-o", "out/", "--anchor", "1,2"])
    >>> args.items, args.bank, args.anchor, args.border
    (['photo.png'], 'lm', (1, 2), 'reflect101')
    """
    p = sub.add_parser(
        "apply",
        help="filter images with a bank: responses as a picture grid and as .npy",
        description=wrap(
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
        epilog=examples(
            "filterbank apply camera.png --bank lm -o out/",
            "filterbank apply photos/ --bank gabor sigmas=2,4 orientations=6 -o out/ --force",
            "filterbank apply photo.jpg --bank kernel:sobel dx=1 dy=0 --border replicate -o out/",
            "filterbank apply photos/ --bank rfs --device cuda --gray -o out/",
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    all_borders = ", ".join(borders.BORDERS)
    methods = ", ".join(_plan.METHODS)
    p.add_argument("items", nargs="+", metavar="INPUT", help="image file or folder; key=value bank parameters")
    p.add_argument("--bank", metavar="BANK", required=True, help="bank name, kernel:FAMILY, or a .npz bank file")
    p.add_argument("-o", "--out", metavar="DIR", required=True, help="output folder (created if needed)")
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
    p.add_argument("--force", action="store_true", help="overwrite existing outputs")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress lines")
    add_threads(p)
    p.set_defaults(func=run)
    return p


def _responses(
    image: np.ndarray, bank: FilterBank, args: argparse.Namespace, border: str, device: torch.device
) -> tuple[np.ndarray, torch.Tensor, torch.Tensor]:
    """Filter a uint8 image (scaled to float32 [0, 1]) with the bank on ``device``.

    Returns the responses ``(H, W, C*N)`` float32 numpy (channel ``c*N + n``, the layout of
    ``filter2d`` on a numpy image), the input ``(C, H, W)`` and the responses ``(C*N, H, W)``
    as tensors on ``device``.
    """
    chw = image[None] if image.ndim == 2 else image.transpose(2, 0, 1)
    x = torch.from_numpy(np.ascontiguousarray(chw)).to(device=device, dtype=torch.float32) / 255.0
    with exact_fp32(device), torch.no_grad():
        y = filter2d(x, bank, border=border, anchor=args.anchor, value=args.value, method=args.method)
    return y.permute(1, 2, 0).contiguous().cpu().numpy(), x, y


def _response_picture(x: torch.Tensor, y: torch.Tensor, bank: FilterBank, cols: int, cell: int) -> Image.Image:
    """The input and one panel per kernel; an RGB image is drawn through its luminance (see ``apply --help``)."""
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


def _targets(args: argparse.Namespace, files: list[Path]) -> list[tuple[Path, Path, Path]]:
    """(input, picture, npy) per file; checks the output folder and refuses to overwrite before any work."""
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise CliError(f"`-o` must be a folder; {args.out!r} is a file")
    targets = [(f, out / f"{f.stem}_responses.png", out / f"{f.stem}.npy") for f in files]
    check_free([p for _, png, npy in targets for p in (png, npy)], args.force)
    return targets


def _summary_line(
    targets: list[tuple[Path, Path, Path]], shapes: list[tuple[int, ...]], bank: FilterBank, label: str, where: str
) -> str:
    """The last line of ``apply``: what was written, for one image or several."""
    if len(targets) == 1:
        h, w, cn = shapes[0]
        c = cn // len(bank)
        return (
            f"wrote {targets[0][1]} and {targets[0][2]} (float32 {h}x{w}x{cn}: {count(c, 'channel')} x "
            f"{count(len(bank), 'kernel')}; {label}, {bank.ksize[0]}x{bank.ksize[1]}; {where})"
        )
    folder = targets[0][1].parent
    return f"wrote {2 * len(targets)} files for {len(targets)} images to {folder} ({bank_text(bank, label)}; {where})"


def run(args: argparse.Namespace) -> int:
    """Filter the images of ``args.items`` with ``args.bank``; write ``<stem>.npy`` and a picture each; return 0.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from filterbank.images import sample
    >>> from PIL import Image
    >>> tmp = pathlib.Path(tempfile.mkdtemp())
    >>> Image.fromarray(sample("steps")).save(tmp / "steps.png")
    >>> ns = argparse.Namespace(items=[str(tmp / "steps.png")], bank="sobel", out=str(tmp / "out"),
    ...     border="reflect101", value=0.0, anchor=None, device="cpu", method="auto", gray=False,
    ...     cell=64, cols=8, force=False, quiet=True)
    >>> run(ns)  # doctest: +ELLIPSIS
    wrote .../steps_responses.png and .../steps.npy (float32 192x192x2: 1 channel x 2 kernels; sobel, 3x3; ...)
    0
    """
    inputs, words = split_items(args.items)
    if not inputs:
        raise CliError("apply needs an IMAGE or a folder of images before or after the bank parameters")
    bank, label = resolve_bank(args.bank, parse_params(words))
    border = borders.normalize_border(args.border)
    borders.padding_for(bank.ksize, args.anchor)  # an anchor outside the kernel fails before any work
    device = resolve_device(args.device)
    files, folder = collect_inputs(inputs)
    targets = _targets(args, files)

    t0 = time.perf_counter()
    progress = Progress(len(files), enabled=(folder or len(files) > 1) and not args.quiet)
    shapes: list[tuple[int, ...]] = []
    for i, (src, png, npy) in enumerate(targets, 1):
        progress.step(i, src.name)
        img = load_image(src)
        resp, x, y = _responses(gray(img) if args.gray else img, bank, args, border, device)
        save_npy(resp, npy)
        save_png(_response_picture(x, y, bank, args.cols, args.cell), png)
        shapes.append(resp.shape)
    progress.close()
    where = f"{border}; {device}; {time.perf_counter() - t0:.1f} s"
    print(_summary_line(targets, shapes, bank, label, where))
    return 0
