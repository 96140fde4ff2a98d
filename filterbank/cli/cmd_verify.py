"""``filterbank verify``: check torch filtering against ``cv2.filter2D`` on images, and against SciPy on a volume."""

from __future__ import annotations

import argparse
import json

from .._device import resolve_device
from ..parity import DEFAULT_BORDERS, DTYPES, run_parity
from ..parity3d import BORDERS_3D, run_parity_3d
from ._args import add_threads, device_arg, examples, wrap
from ._inputs import load_image_set
from ._output import save_text

__all__ = ["add_parser", "run"]


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the ``verify`` command to the subcommands ``sub``; return its parser.

    Examples
    --------
    >>> from filterbank.cli._args import Parser
    >>> sub = Parser(prog="filterbank").add_subparsers(dest="command")
    >>> args = add_parser(sub).parse_args(["--dtype", "uint8"])
    >>> args.dtype, args.images, args.device
    (['uint8'], None, 'cpu')
    """
    p = sub.add_parser(
        "verify",
        help="check torch filtering against cv2.filter2D on images",
        description=wrap(
            "Run the default filter families (Sobel, Scharr, Laplacian, LoG, Gaussian, Gabor, even and "
            "non-square boxes) through an injected nn.Conv2d, FilterConv2d and filter2d, compare every output "
            "channel with cv2.filter2D, print the table and exit 0 if all agree within tolerance, else 1. "
            "The images are the sample images shipped with the package unless --images names a folder. "
            "Then the 3-D families (Gaussian and its derivatives, LoG, Sobel, Prewitt, even and non-cubic "
            "boxes, 3-D Gabor, random kernels) go through an injected nn.Conv3d, FilterConv3d and filter3d on a "
            "synthetic volume the package generates, against scipy.ndimage.correlate (every border, wrap too)."
        ),
        epilog=examples(
            "filterbank verify",
            "filterbank verify --images my_images/ --dtype float32 --dtype uint8",
            "filterbank verify --device cuda --json parity.json",
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--device", type=device_arg, default="cpu", help="cpu (default), cuda, cuda:N or auto")
    p.add_argument("--images", metavar="DIR", default=None, help="folder of images (default: the packaged samples)")
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
    p.add_argument(
        "--volume-size",
        type=int,
        default=24,
        metavar="N",
        help="side of the synthetic volume of the 3-D table (default 24; 0 skips the 3-D check)",
    )
    p.add_argument("--json", metavar="PATH", default=None, help="also write the report as JSON")
    add_threads(p)
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    """Run the parity check; print the table (and write ``args.json``); return 0 if all agree, else 1.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from filterbank.images import sample
    >>> from PIL import Image
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> Image.fromarray(sample("steps")[:32, :40]).save(folder / "steps.png")
    >>> ns = argparse.Namespace(device="cpu", images=str(folder), dtype=None, border=["replicate"], json=None,
    ...                         volume_size=8)
    >>> run(ns)  # doctest: +ELLIPSIS
    parity ...
    ...ALL OK...
    parity vs scipy.ndimage.correlate ...
    ...ALL OK...
    0
    """
    device = resolve_device(args.device)
    images = load_image_set(args.images)
    dtypes = args.dtype or ["float32"]
    borders = args.border or DEFAULT_BORDERS
    report = run_parity(images, device=device, dtypes=dtypes, borders=borders)
    print(report.table())
    data = report.to_dict()
    ok = report.ok
    if args.volume_size:
        volume = run_parity_3d(device=device, borders=args.border or BORDERS_3D, size=args.volume_size)
        print()
        print(volume.table())
        data["volume"] = volume.to_dict()
        ok = ok and volume.ok
    if args.json:
        path = save_text(json.dumps(data, indent=2) + "\n", args.json)
        print(f"wrote {path}")
    return 0 if ok else 1
