"""Draw the bank pictures shown in the README (docs/images/*.png) with filterbank's own code.

Run from the repository root:

    PYTHONPATH=. python scripts/make_readme_images.py [--out docs/images]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from filterbank import banks
from filterbank.images import default_image_dir, load_image
from filterbank.pooling import MR8


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(Path(__file__).resolve().parent.parent / "docs" / "images"))
    args = parser.parse_args(argv)
    out = Path(args.out)
    written = [
        banks.lm().to_image(out / "lm.png", cell=98, cols=12),
        banks.gabor(sigmas=[2.0, 4.0], orientations=4).to_image(out / "gabor.png", cell=98, cols=8),
        banks.rfs().to_image(out / "rfs.png", cell=98, cols=12),
    ]
    # MR8 of the cameraman crop, one panel per channel
    import torch

    from filterbank import viz

    img = load_image(default_image_dir() / "camera.png").astype(np.float64) / 255.0
    mr8 = MR8(from_image=True, dtype=torch.float64)
    resp = mr8(torch.from_numpy(img)[None, None])[0].numpy()
    panels = [("input", img)] + [(f"MR8 {n}", r) for n, r in zip(mr8.names, resp, strict=True)]
    written.append(viz.save(viz.response_grid(panels, cols=3, cell_max=192), out / "mr8_camera.png"))
    for p in written:
        print(p)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
