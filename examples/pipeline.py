"""An edge / blur / sharpen pipeline on a batch of images in torch, equal to the same pipeline in OpenCV.

The photographs of ``images/`` (gray ones repeated to 3 channels, centre-cropped to a common
size) form one uint8 batch ``(B, 3, H, W)`` on the CPU or on CUDA. Each step runs on the
whole batch with :func:`filterbank.filter2d`; the OpenCV version runs ``cv2.filter2D`` per
image on its *own* previous output, with the same kernel and border, so the two pipelines
are independent and are compared after every step:

1. blur      Gaussian 5x5, sigma 1 (``kernels.gaussian``), uint8 -> uint8, border reflect101
2. sharpen   unsharp mask ``image + 1.5 * (image - gaussian(5, 1))`` as one 5x5 kernel, uint8 -> uint8,
             border replicate
3. edges     Sobel dx and dy (3x3), uint8 -> float32, border symmetric; magnitude sqrt(gx^2 + gy^2)
4. laplace   4-neighbour Laplacian (``kernels.laplacian(1)``), uint8 -> int16, border reflect101

uint8 and int16 outputs must be identical (OpenCV rounds half to even and saturates, and so
does filter2d). float32 outputs must agree within ``1e-5 * sum|k| * max|input|``: the README's
parity bound for float32 (a float32 sum of ``kh * kw`` products carries rounding of order
``eps_32 * sum|k| * max|x|`` ~ 6e-8 of that scale; 1e-5 also covers OpenCV's DFT path for large
kernels and any execution plan filter2d may choose). On uint8 input with an integer kernel a
direct float32 sum is exact (every partial sum is an integer below 2**24); ``method="auto"``
may run the 3x3 Sobel as two separable passes with non-integer factors, which leaves ~1 ulp
(observed: 6e-5 on values up to ~1000).

    python examples/pipeline.py [--device cpu|cuda] [--fast]

Exit status: 0 when every step matches, 1 when a step exceeds its tolerance, 2 when CUDA is
asked for and absent.
"""

from __future__ import annotations

import argparse
import sys
import time

import cv2
import numpy as np
import torch

from filterbank import exact_fp32, filter2d, kernels
from filterbank.images import load_images

PHOTOS = ("astronaut", "camera", "chelsea", "coffee")
AMOUNT = 1.5


def load_batch(names: tuple[str, ...]) -> np.ndarray:
    """uint8 (B, H, W, 3) RGB: gray images repeated to 3 channels, all centre-cropped to the smallest size."""
    images = dict(load_images())
    imgs = [images[n] if images[n].ndim == 3 else np.repeat(images[n][..., None], 3, axis=2) for n in names]
    h = min(i.shape[0] for i in imgs)
    w = min(i.shape[1] for i in imgs)
    crops = []
    for i in imgs:
        r, c = (i.shape[0] - h) // 2, (i.shape[1] - w) // 2
        crops.append(i[r : r + h, c : c + w])
    return np.ascontiguousarray(np.stack(crops))


def pipeline_kernels() -> dict[str, np.ndarray]:
    """The kernels of every step (float64, correlation orientation)."""
    gauss = kernels.gaussian(5, 1.0)
    delta = np.zeros((5, 5))
    delta[2, 2] = 1.0
    return {
        "blur": gauss,
        "sharpen": delta + AMOUNT * (delta - gauss),  # unsharp mask in one kernel; sums to 1
        "sobel_x": kernels.sobel(1, 0, 3),
        "sobel_y": kernels.sobel(0, 1, 3),
        "laplace": kernels.laplacian(1),
    }


def run_torch(x: torch.Tensor, k: dict[str, np.ndarray]) -> dict[str, torch.Tensor]:
    """The pipeline on a (B, 3, H, W) uint8 batch, every step batched on x's device."""
    blur = filter2d(x, k["blur"], border="reflect101")
    sharp = filter2d(blur, k["sharpen"], border="replicate")
    gx = filter2d(sharp, k["sobel_x"], border="symmetric", out_dtype=torch.float32)
    gy = filter2d(sharp, k["sobel_y"], border="symmetric", out_dtype=torch.float32)
    mag = torch.sqrt(gx * gx + gy * gy)
    lap = filter2d(sharp, k["laplace"], border="reflect101", out_dtype=torch.int16)
    return {"blur": blur, "sharpen": sharp, "sobel_x": gx, "sobel_y": gy, "magnitude": mag, "laplace": lap}


def run_opencv(img: np.ndarray, k: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The same pipeline on one (H, W, 3) uint8 image with cv2.filter2D."""
    blur = cv2.filter2D(img, -1, k["blur"], borderType=cv2.BORDER_REFLECT_101)
    sharp = cv2.filter2D(blur, -1, k["sharpen"], borderType=cv2.BORDER_REPLICATE)
    gx = cv2.filter2D(sharp, cv2.CV_32F, k["sobel_x"], borderType=cv2.BORDER_REFLECT)
    gy = cv2.filter2D(sharp, cv2.CV_32F, k["sobel_y"], borderType=cv2.BORDER_REFLECT)
    mag = np.sqrt(gx * gx + gy * gy)
    lap = cv2.filter2D(sharp, cv2.CV_16S, k["laplace"], borderType=cv2.BORDER_REFLECT_101)
    return {"blur": blur, "sharpen": sharp, "sobel_x": gx, "sobel_y": gy, "magnitude": mag, "laplace": lap}


def tolerances(k: dict[str, np.ndarray]) -> dict[str, float]:
    """Allowed max |torch - OpenCV| per step: 0 for integer outputs, 1e-5 * sum|k| * 255 for float32 ones."""
    sobel_scale = max(np.abs(k["sobel_x"]).sum(), np.abs(k["sobel_y"]).sum()) * 255.0
    return {
        "blur": 0.0,
        "sharpen": 0.0,
        "sobel_x": 1e-5 * sobel_scale,
        "sobel_y": 1e-5 * sobel_scale,
        # |sqrt(a^2 + b^2) - sqrt(c^2 + d^2)| <= max(|a - c|, |b - d|) * sqrt(2), plus the sqrt's own rounding
        "magnitude": 1e-5 * sobel_scale * np.sqrt(2.0),
        "laplace": 0.0,
    }


def main(argv: list[str] | None = None) -> int:
    """Run both pipelines, print the per-step differences; exit 1 on a mismatch."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    parser.add_argument("--fast", action="store_true", help="two images only (what the tests run)")
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads (default 1)")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    if args.device == "cuda":
        if not torch.cuda.is_available():
            print("error: --device cuda asked for, but torch sees no CUDA device", file=sys.stderr)
            return 2

    names = PHOTOS[:2] if args.fast else PHOTOS
    batch = load_batch(names)  # (B, H, W, 3) uint8
    k = pipeline_kernels()
    x = torch.from_numpy(batch).permute(0, 3, 1, 2).contiguous().to(args.device)  # (B, 3, H, W) uint8

    t0 = time.perf_counter()
    with exact_fp32(args.device):  # TF32 would cost ~1e-3 relative error
        ours = run_torch(x, k)
    if args.device == "cuda":
        torch.cuda.synchronize()
    t_torch = time.perf_counter() - t0
    t0 = time.perf_counter()
    refs = [run_opencv(img, k) for img in batch]
    t_cv = time.perf_counter() - t0

    tol = tolerances(k)
    print(f"batch {tuple(x.shape)} uint8 ({', '.join(names)}) on {args.device}")
    print(f"{'step':10s} {'dtype':8s} {'max |torch - cv2|':>18s} {'tolerance':>10s}")
    failed = []
    for step, out in ours.items():
        got = out.permute(0, 2, 3, 1).cpu().numpy().astype(np.float64)  # (B, H, W, 3)
        ref = np.stack([r[step] for r in refs]).astype(np.float64)
        diff = float(np.abs(got - ref).max())
        ok = diff <= tol[step]
        if not ok:
            failed.append(step)
        dtype = str(out.dtype).replace("torch.", "")
        print(f"{step:10s} {dtype:8s} {diff:18.3g} {tol[step]:10.3g} {'ok' if ok else 'FAIL'}")
    print(f"torch pipeline {1e3 * t_torch:.1f} ms (first call, batched); OpenCV {1e3 * t_cv:.1f} ms (image by image)")
    if failed:
        print(f"mismatch against OpenCV in: {', '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
