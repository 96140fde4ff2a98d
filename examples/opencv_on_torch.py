"""OpenCV's numbers from torch: filter an image with filterbank and compare with cv2.filter2D.

python examples/opencv_on_torch.py [IMAGE] [--device cpu|cuda]
"""

from __future__ import annotations

import argparse

import cv2
import numpy as np
import torch

from filterbank import exact_fp32, filter2d, kernels
from filterbank.images import default_image_dir, load_image


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("image", nargs="?", default=str(default_image_dir() / "astronaut.png"))
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args(argv)

    img = load_image(args.image)  # uint8, RGB
    steps = {
        "blur": kernels.gaussian(7, 1.5),
        "sobel_x": kernels.sobel(1, 0, 3),
        "laplacian": kernels.laplacian(3),
        "even_box": kernels.box((4, 6)),
    }
    x = torch.from_numpy(img).permute(2, 0, 1).to(args.device)  # uint8 (3, H, W) on the device
    worst = 0
    with exact_fp32(args.device):  # TF32 would cost ~1e-3 relative error
        for name, k in steps.items():
            ours = filter2d(x, k, border="symmetric").permute(1, 2, 0).cpu().numpy()  # uint8, rounded like cv2
            ref = cv2.filter2D(img, -1, k, borderType=cv2.BORDER_REFLECT)
            diff = int(np.abs(ours.astype(int) - ref.astype(int)).max())
            worst = max(worst, diff)
            print(f"{name:10s} kernel {k.shape}  max |filterbank - cv2.filter2D| = {diff} grey levels")
    return 0 if worst == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
