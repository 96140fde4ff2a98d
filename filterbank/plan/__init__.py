"""How a bank of kernels is executed on padded input: the planner.

Four exact-enough torch methods compute the same 'valid' correlation of every
padded image with every kernel (what ``cv2.filter2D`` computes once the border
is added), and on CPU inputs a fifth engine is ``cv2.filter2D`` itself:

``direct``
    One ``F.conv2d`` in which every image is a batch item and every kernel an
    output channel (on the CPU, a large output is computed by calls of a few MiB
    each into one recycled buffer: the same values, without the page faults of a
    fresh output). In float32 on CPU it often equals ``cv2.filter2D`` bit for bit
    (random 3x3 to 11x11 kernels on a 224^2 image; from 5x5 on 64^2 and 128^2), but
    oneDNN picks its summation by shape: on a 30^2 image, and for 3x3 on 64^2 and
    128^2, it differed by up to 1.9e-6 (one thread, values of ~5), within the
    float32 parity bound. The OpenCV engine is ``cv2.filter2D`` itself. The only
    method used for integer outputs below
    ``OPENCV_DFT_TAPS`` taps (where the parity bound is exact) and for half precision.
``separable``
    Every kernel is rank 1 (Gaussian, Sobel, Scharr, box...): ``k = c r^T``.
    Distinct row factors ``r`` are applied once (row pass), then every kernel's
    column factor ``c`` (column pass). Each 1-D pass is a batched GEMM against a
    banded Toeplitz block (``blk + k - 1`` by ``blk``), which is exact (the extra
    entries are zeros) and runs at BLAS speed, unlike torch's 1-D convolutions.
    Factors of at most ``_SHIFT_MAX`` taps (Sobel, Scharr, small Gaussians) run
    instead as shifted multiply-adds (one memory pass per non-zero tap) when no
    gradient is recorded.
``lowrank``
    A shared row basis ``V`` (``P`` rows, from an SVD of the stacked bank,
    truncated where the reconstruction error is below the parity bound) is
    applied once; every kernel is then ``K_n = C_n V`` and its column pass sums
    over the ``P`` basis responses. Steerable and Gaussian-derivative banks (LM,
    RFS) need far fewer basis rows than taps.
``fft``
    ``rfft2`` of each padded image once, times the cached conjugate spectra of
    the kernels, ``irfft2`` and a crop. FFT sizes are ``scipy.fft.next_fast_len``.
    Output channels are processed in chunks so that the working memory stays a
    fraction of the output (see :func:`fft_chunk`). Planes above about 800^2 are
    tiled (overlap-save, tiles of about 512^2: see :mod:`~filterbank.plan.fft`), so
    the peak stays near the output's size. Under autograd it is one node whose
    spectral backward is tiled like the forward. In float32 its error is
    ~2e-7 of ``sum|k| * max|img|``: within the 1e-5 bound that OpenCV's own DFT
    path sets from ``OPENCV_DFT_TAPS`` taps, but not within the 1e-6 bound below,
    so ``auto`` never uses it for float32 kernels under ``OPENCV_DFT_TAPS`` taps.

``opencv``
    ``cv2.filter2D`` on CPU inputs (numpy arrays, CPU tensors as zero-copy views)
    of every dtype pair it computes, with filterbank's borders and anchors,
    banks and batches over a thread pool, and an autograd backward that is again
    a correlation (:mod:`~filterbank.plan.opencv`). Its output is OpenCV's, bit for
    bit. It runs on the unpadded input, so :func:`filterbank._core.filter_tensor`
    routes to it before padding (:func:`filterbank._core.route`).

``auto`` picks the cheapest method allowed by the accuracy rules with a cost
model whose constants (:data:`COSTS`, the package data file ``costs.json``) were
measured on the machine named there by ``python -m filterbank.bench.calibrate``, which
rewrites that file with :func:`write_costs`.

Factorisations (SVD, in float64) are checked: the L1 norm of every kernel's
residual must be below ``budget * sum|k|`` (1e-7 in float32 below
``OPENCV_DFT_TAPS`` taps, 1e-6 from there, 1e-14 in float64), which bounds the output error by the same
fraction of ``sum|k| * max|img|``. A kernel that requires grad keeps a complete
basis in ``separable`` / ``lowrank`` (a trainable kernel leaves the rank-1 set
after one step, and a truncated basis would project its gradient), so values and
gradients stay exact; ``auto`` then only weighs ``direct`` and ``fft``.

``OPENCV_DFT_TAPS`` (:data:`filterbank._types.OPENCV_DFT_TAPS`) is the kernel
area from which ``cv2.filter2D`` switches to a DFT (a 12x12 kernel is past it,
11x11 is not).

One concern per module: :mod:`~filterbank.plan.accuracy` (error budgets and the
methods allowed), :mod:`~filterbank.plan.costs` (the measured constants),
:mod:`~filterbank.plan.cache` (factorisations and spectra: keyed by kernel values, checked
off the CPU, a byte budget, a lock), :mod:`~filterbank.plan.nonfinite` (a NaN or inf stays
inside the windows that cover it),
:mod:`~filterbank.plan.factors` (SVD), :mod:`~filterbank.plan.separable`
(Toeplitz GEMM passes and shifted sums), :mod:`~filterbank.plan.fft`,
:mod:`~filterbank.plan.nd` (the same methods and rules for 1-D and 3-D kernels),
:mod:`~filterbank.plan.direct`, :mod:`~filterbank.plan.chooser` (cost model and
choice), :mod:`~filterbank.plan.opencv` (the OpenCV engine: ``cv2.filter2D`` itself on CPU
inputs, chosen by ``auto`` when it is estimated cheapest, or with ``method="opencv"``; and
``cv2.sepFilter2D`` for rank-1 float kernels outside autograd, the ``auto``-only candidate
:data:`OPENCV_SEPARABLE`) and
:mod:`~filterbank.plan.execute` (:func:`correlate`, the one entry point).

Examples
--------
>>> import torch
>>> correlate(torch.ones(2, 3, 8, 8), torch.ones(1, 4, 3, 3)).shape
torch.Size([2, 12, 6, 6])
>>> allowed(torch.float32, 9)  # float32 below OPENCV_DFT_TAPS taps: no FFT
('direct', 'separable', 'lowrank')
"""

from __future__ import annotations

from . import accuracy, cache, chooser, costs, direct, execute, factors, fft, nd, nonfinite, opencv, separable
from .accuracy import allowed
from .cache import DEFAULT_CACHE_BUDGET, CacheInfo, cache_info, clear_cache, set_cache_budget
from .chooser import METHODS, OPENCV_SEPARABLE, Plan, choose, estimate
from .costs import COSTS, load_costs, write_costs
from .execute import conv_forward, correlate, correlate_valid
from .fft import fft_chunk, fft_size

__all__ = [
    "COSTS",
    "DEFAULT_CACHE_BUDGET",
    "METHODS",
    "OPENCV_SEPARABLE",
    "CacheInfo",
    "Plan",
    "allowed",
    "cache_info",
    "choose",
    "clear_cache",
    "conv_forward",
    "correlate",
    "correlate_valid",
    "estimate",
    "fft_chunk",
    "fft_size",
    "load_costs",
    "nd",
    "set_cache_budget",
    "write_costs",
]


_SUBMODULES = (accuracy, cache, chooser, costs, direct, execute, factors, fft, nonfinite, opencv, separable)


def __getattr__(name: str) -> object:
    """Private names of the former single-module planner (``plan._factors``, ``plan._CACHE``...).

    They still import from ``filterbank.plan`` and are the submodules' own objects.
    To patch one, patch its submodule (``filterbank.plan.fft._rfft2``): the code reads it there.
    """
    if name.startswith("_") and not name.startswith("__"):
        for module in _SUBMODULES:
            if name in vars(module):
                return vars(module)[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
