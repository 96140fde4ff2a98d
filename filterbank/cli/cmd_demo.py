"""``filterbank demo``: verify parity on CPU (and CUDA) and write a gallery of pictures."""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import torch
from torch import nn

from .. import __version__, banks, borders, viz
from .._device import resolve_device
from ..bank import FilterBank
from ..functional import filter3d
from ..images import default_image_dir, synthetic_volume
from ..inject import inject
from ..parity import DTYPES, ParityReport, default_groups, reference_filter2d, run_parity
from ..parity3d import default_groups_3d, run_parity_3d
from ._args import add_threads, device_arg, examples, wrap
from ._inputs import gray, load_image_set

__all__ = ["DEMO_BANKS", "add_parser", "run"]

#: The banks whose pictures and FilterConv2d parity ``filterbank demo`` adds.
DEMO_BANKS: tuple[str, ...] = ("lm", "rfs", "schmid", "gabor")

#: Side of the synthetic volume of the demo's 3-D parity table.
DEMO_VOLUME = 24


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the ``demo`` command to the subcommands ``sub``; return its parser.

    Examples
    --------
    >>> from filterbank.cli._args import Parser
    >>> sub = Parser(prog="filterbank").add_subparsers(dest="command")
    >>> args = add_parser(sub).parse_args([])
    >>> args.out, args.images, args.device
    ('demo-out', None, 'auto')
    """
    p = sub.add_parser(
        "demo",
        help="verify parity and write a gallery of pictures",
        description=wrap(
            "Build the default banks, run them through injected nn.Conv2d layers on the images on CPU "
            "(and CUDA when available or asked), check every output against cv2.filter2D (float32 and "
            "uint8), then the LM, RFS, Schmid and Gabor banks through FilterConv2d on one image (camera), "
            "then the 3-D families through nn.Conv3d, FilterConv3d and filter3d on a generated volume against "
            "scipy.ndimage.correlate, print the parity tables and write bank.png, "
            "bank_<lm|rfs|schmid|gabor>.png, responses_<image>.png, compare_<image>_<family>.png, bank3d.png "
            "(3-D kernels as their central slices) and responses_volume.png. The images are the sample "
            "images shipped with the package unless --images names a folder. Exits 1 on a parity failure."
        ),
        epilog=examples("filterbank demo", "filterbank demo --out demo-out --device cpu --threads 1"),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--out", metavar="DIR", default="demo-out", help="output folder (default: demo-out)")
    p.add_argument("--images", metavar="DIR", default=None, help="folder of images (default: the packaged samples)")
    p.add_argument(
        "--device",
        type=device_arg,
        default="auto",
        help="auto (default: CPU, plus CUDA if available), cpu, or cuda / cuda:N (CPU and that GPU)",
    )
    add_threads(p)
    p.set_defaults(func=run)
    return p


def _inject_responses(gray01: np.ndarray, bank: FilterBank, border: str) -> np.ndarray:
    """Responses ``(N, H, W)`` of a gray float32 image through a plain nn.Conv2d with the bank injected."""
    kh, kw = bank.ksize
    conv = nn.Conv2d(1, len(bank), (kh, kw), bias=False, padding=0)
    inject(conv, bank, mode="frozen")
    x = torch.from_numpy(np.ascontiguousarray(gray01))[None, None]
    with torch.no_grad():
        y = conv(borders.pad(x, borders.padding_for((kh, kw)), border))
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


def _gallery(
    out: Path,
    images: list[tuple[str, np.ndarray]],
    groups: list[tuple[str, FilterBank]],
    bank_groups: list[tuple[str, FilterBank]],
) -> list[Path]:
    """Write the bank pictures, the responses and the side-by-side comparisons; return the paths."""
    written = [viz.save(viz.kernel_grid([b for _, b in groups], cell=64, cols=7), out / "bank.png")]
    for name, bank in bank_groups:
        written.append(bank.to_image(out / f"bank_{_safe(name)}.png"))
    border = "reflect101"
    for name, img in _pick_images(images):
        gray01 = gray(img).astype(np.float32) / np.float32(255.0)
        panels: list[tuple[str, np.ndarray]] = [(f"{name} (input)", gray01)]
        for family, bank in groups:
            resp = _inject_responses(gray01, bank, border)
            panels += list(zip(bank.names, resp, strict=True))
            ref = reference_filter2d(gray01, bank.kernels[0], border)
            title = f"{name} | {bank.names[0]} | {border} | float32 | nn.Conv2d+inject vs cv2.filter2D"
            pic = viz.side_by_side(resp[0], ref, title)
            written.append(viz.save(pic, out / f"compare_{_safe(name)}_{_safe(family)}.png"))
        written.append(viz.save(viz.response_grid(panels, cols=5), out / f"responses_{_safe(name)}.png"))
    return written


def _volume_parity(devices: list[torch.device]) -> ParityReport:
    """The 3-D families on the synthetic volume against scipy.ndimage.correlate, on each device."""
    print(f"3-D families on synthetic_volume({DEMO_VOLUME}) against scipy.ndimage.correlate, float32:")
    report = ParityReport()
    for dev in devices:
        rep = run_parity_3d(device=dev, size=DEMO_VOLUME)
        report = report + rep
        print(rep.table())
        print()
    return report


def _volume_gallery(out: Path) -> list[Path]:
    """The 3-D banks as central slices, and the central depth slice of the volume's responses."""
    groups = default_groups_3d()
    written = [viz.save(viz.kernel_grid([b for _, b in groups], cell=48, cols=4), out / "bank3d.png")]
    vol = synthetic_volume(DEMO_VOLUME)
    z = DEMO_VOLUME // 2
    panels: list[tuple[str, np.ndarray]] = [(f"volume z={z}", vol[z])]
    for _, bank in groups[:4]:
        resp = np.asarray(filter3d(vol, bank))  # (D, H, W, N)
        panels += [(f"{name} z={z}", resp[z, :, :, i]) for i, name in enumerate(bank.names)]
    written.append(viz.save(viz.response_grid(panels, cols=5), out / "responses_volume.png"))
    return written


def run(args: argparse.Namespace) -> int:
    """Print the parity tables, write the gallery into ``args.out``; return 0, or 1 on a parity failure.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from filterbank.images import sample
    >>> from PIL import Image
    >>> tmp = pathlib.Path(tempfile.mkdtemp())
    >>> Image.fromarray(sample("camera")[100:124, 100:124]).save(tmp / "patch.png")
    >>> ns = argparse.Namespace(images=str(tmp), out=str(tmp / "demo"), device="cpu")

    The run takes a few seconds (tests/cli/test_demo.py runs one):

    >>> run(ns)  # doctest: +SKIP
    filterbank ... demo: ...
    ...ALL OK...
    wrote ... pictures to .../demo (... s):
    ...
    0
    """
    images = load_image_set(args.images)
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
    report = report + bank_report + _volume_parity(devices)

    t0 = time.perf_counter()
    written = _gallery(Path(args.out), images, groups, bank_groups) + _volume_gallery(Path(args.out))
    print(f"wrote {len(written)} pictures to {args.out} ({time.perf_counter() - t0:.1f} s):")
    for p in sorted(written):
        print(f"  {p}")
    if not report.ok:
        print(f"PARITY FAILED in {len(report.failures)} cell(s)", file=sys.stderr)
        return 1
    return 0
