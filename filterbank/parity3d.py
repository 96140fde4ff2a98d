"""SciPy parity check on a volume: run 3-D banks through torch and compare with ``scipy.ndimage.correlate``.

The 3-D part of ``filterbank verify`` and ``filterbank demo``. OpenCV has no 3-D
filter, so the reference is SciPy, in float64, under the border map of
:mod:`filterbank.borders` (``reflect101`` -> ``mirror``, ``symmetric`` ->
``reflect``, ``replicate`` -> ``nearest``, ``constant`` -> ``constant``, ``wrap``
-> ``wrap``; every border, ``wrap`` included, has a reference here). Each family
group of :func:`default_groups_3d` goes three ways: injected into a plain
depthwise ``nn.Conv3d`` (the input padded with :func:`filterbank.borders.pad_nd`),
through :class:`filterbank.FilterConv3d`, and through :func:`filterbank.filter3d`.
The input is :func:`filterbank.images.synthetic_volume` (or any float volume in
[0, 1]); rows are :class:`filterbank.parity.ParityRow`, the report a
:class:`filterbank.parity.ParityReport`.

Examples
--------
>>> rep = run_parity_3d(borders=("wrap",), size=12)
>>> rep.ok, rep.rows[0].path
(True, 'inject3d')
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence

import numpy as np
import scipy.ndimage as ndi
import torch
from torch import nn

from . import borders as _borders
from ._device import exact_fp32, resolve_device
from ._errors import ParameterError, ShapeError
from ._types import OPENCV_DFT_TAPS
from .bank import FilterBank
from .functional import filter3d
from .images import synthetic_volume
from .inject import inject
from .layers import FilterConv3d
from .parity import ParityReport, ParityRow

__all__ = ["BORDERS_3D", "PATHS_3D", "default_groups_3d", "run_parity_3d", "tolerance_3d"]

#: The ways a 3-D bank is applied; each is compared with ``scipy.ndimage.correlate``.
PATHS_3D: tuple[str, ...] = ("inject3d", "FilterConv3d", "filter3d")

#: Every border (SciPy has all five, ``wrap`` included).
BORDERS_3D: tuple[str, ...] = _borders.BORDERS


def default_groups_3d() -> list[tuple[str, FilterBank]]:
    """The family groups of the 3-D check, each a bank of one kernel size.

    Returns
    -------
    list of (str, FilterBank)
        ``gaussian`` (5^3, sigma 1), ``gauss_deriv`` (orders (0, 0, 1), (0, 1, 0),
        (2, 0, 0); 7^3, sigmas (1, 1.2, 0.8)), ``log`` (9^3, sigma 1.2), ``sobel`` and
        ``prewitt`` (the three axes), ``box_even`` (2^3) and ``box_rect`` (3 x 1 x 5),
        ``gabor3d`` (two directions, 7^3 = 343 taps, past the 130-tap mark) and
        ``random`` (two non-separable 4 x 3 x 5 kernels, seed 0), so that even,
        non-cubic, separable, non-separable and large kernels are all checked.

    Examples
    --------
    >>> [(label, bank.ksize) for label, bank in default_groups_3d()][-3:]
    [('box_rect', (3, 1, 5)), ('gabor3d', (7, 7, 7)), ('random', (4, 3, 5))]
    """
    derivs = [
        {"family": "gaussian_nd", "ksize": 7, "sigma": [1.0, 1.2, 0.8], "order": o}
        for o in ([0, 0, 1], [0, 1, 0], [2, 0, 0])
    ]
    gabors = [
        {"family": "gabor3d", "ksize": 7, "sigma": 2.0, "theta": t, "phi": p, "lambd": 4.0, "psi": 0.0}
        for t, p in ((0.0, math.pi / 2), (0.7, 0.6))
    ]
    rng = np.random.default_rng(0)
    return [
        ("gaussian", FilterBank.from_specs([{"family": "gaussian_nd", "ksize": 5, "sigma": 1.0, "ndim": 3}])),
        ("gauss_deriv", FilterBank.from_specs(derivs, names=["d_x", "d_y", "d_zz"])),
        ("log", FilterBank.from_specs([{"family": "log_nd", "ksize": 9, "sigma": 1.2, "ndim": 3}])),
        ("sobel", FilterBank.from_specs([{"family": "sobel_nd", "ndim": 3, "axis": a} for a in range(3)])),
        ("prewitt", FilterBank.from_specs([{"family": "prewitt_nd", "ndim": 3, "axis": a} for a in range(3)])),
        ("box_even", FilterBank.from_specs([{"family": "box_nd", "ksize": 2, "ndim": 3}])),
        ("box_rect", FilterBank.from_specs([{"family": "box_nd", "ksize": [3, 1, 5]}])),
        ("gabor3d", FilterBank.from_specs(gabors, names=["gabor3d_a", "gabor3d_b"])),
        ("random", FilterBank(rng.standard_normal((2, 4, 3, 5)), names=["random0", "random1"])),
    ]


def tolerance_3d(kernel: np.ndarray, volume_max: float) -> float:
    """The largest accepted ``|ours - scipy|`` in float32 for one kernel: the 2-D check's bound.

    ``1e-6 * sum|k| * max|x|`` below 130 taps (``OPENCV_DFT_TAPS``: direct sums,
    float32 rounding), ``1e-5`` of it from there (the planner may use the FFT).
    SciPy computes in float64, so the bound covers filterbank's float32 rounding only.

    Examples
    --------
    >>> tolerance_3d(np.ones((3, 3, 3)), 1.0)
    2.7e-05
    """
    big = kernel.size >= OPENCV_DFT_TAPS
    return (1e-5 if big else 1e-6) * float(np.abs(kernel).sum()) * float(volume_max)


def _paths_output(paths: Sequence[str], bank: FilterBank, x: torch.Tensor, border: str) -> dict[str, np.ndarray]:
    """Run the bank along each path on ``x`` (1, 1, D, H, W) float32; ``(N, D, H, W)`` float64 numpy out."""
    n, ks, dev = len(bank), tuple(bank.ksize), x.device
    out: dict[str, np.ndarray] = {}
    with torch.no_grad():
        for path in paths:
            if path == "inject3d":
                conv = nn.Conv3d(1, n, (ks[0], ks[1], ks[2]), bias=False, padding=0, device=dev)
                inject(conv, bank, mode="frozen")
                y = conv(_borders.pad_nd(x, _borders.padding_nd(ks), border))[0]
            elif path == "FilterConv3d":
                y = FilterConv3d(bank, 1, border=border, device=dev)(x)[0]
            else:  # filter3d
                y = filter3d(x[0, 0], bank, border=border)
            out[path] = y.cpu().double().numpy()
    return out


def _check(paths: Sequence[str], borders: Sequence[str | int]) -> tuple[list[str], list[str]]:
    bad = [p for p in paths if p not in PATHS_3D]
    if not paths or bad:
        raise ParameterError(f"`paths` entries must be one of {', '.join(PATHS_3D)}; got {list(paths)!r}")
    names = list(dict.fromkeys(_borders.normalize_border(b) for b in borders))
    if not names:
        raise ParameterError("`borders` must name at least one border; got none")
    return list(paths), names


def run_parity_3d(
    volume: np.ndarray | None = None,
    *,
    device: str | torch.device = "cpu",
    borders: Sequence[str | int] = BORDERS_3D,
    groups: Sequence[tuple[str, FilterBank]] | None = None,
    paths: Sequence[str] = PATHS_3D,
    size: int = 32,
) -> ParityReport:
    """Compare 3-D filtering in torch (float32) with ``scipy.ndimage.correlate`` (float64) on a volume.

    Parameters
    ----------
    volume : numpy.ndarray, optional
        A float volume ``(D, H, W)``; default :func:`filterbank.images.synthetic_volume` of side ``size``.
    device : str or torch.device
        Where the torch side runs (TF32 off on CUDA during the run).
    borders : sequence of str or int
        Border modes; default all five.
    groups : sequence of (str, FilterBank), optional
        3-D family groups; default :func:`default_groups_3d`.
    paths : sequence of str
        Which of :data:`PATHS_3D` to check.
    size : int
        Side of the generated volume when ``volume`` is None.

    Returns
    -------
    ParityReport
        One row per (family, border, path), dtype ``"float32"``; its table is headed
        ``parity vs scipy.ndimage.correlate``.

    Examples
    --------
    >>> rep = run_parity_3d(borders=("reflect101", "constant"), paths=("filter3d",), size=10)
    >>> rep.ok, len(rep.rows)
    (True, 18)
    """
    t0 = time.perf_counter()
    dev = resolve_device(device)
    path_list, border_list = _check(paths, borders)
    vol = synthetic_volume(size) if volume is None else np.asarray(volume)
    if vol.ndim != 3 or vol.size == 0:
        raise ShapeError(f"`volume` must be a non-empty (D, H, W) array; got shape {vol.shape}")
    vol32 = vol.astype(np.float32)
    vmax = float(np.abs(vol32).max())
    x = torch.from_numpy(np.ascontiguousarray(vol32))[None, None].to(dev)
    rows: list[ParityRow] = []
    with exact_fp32(dev):
        for family, bank in default_groups_3d() if groups is None else groups:
            for border in border_list:
                ours = _paths_output(path_list, bank, x, border)
                refs = [
                    ndi.correlate(vol32.astype(np.float64), k, mode=_borders.to_scipy(border)) for k in bank.kernels
                ]
                tols = [tolerance_3d(k, vmax) for k in bank.kernels]
                for path in path_list:
                    errs = [float(np.abs(ours[path][i] - r).max()) for i, r in enumerate(refs)]
                    ok = all(e <= t for e, t in zip(errs, tols, strict=True))
                    rows.append(
                        ParityRow(family, border, "float32", path, max(errs), min(tols), ok, str(dev), len(errs))
                    )
    label = f"synthetic_volume({size})" if volume is None else f"volume {tuple(vol.shape)}"
    return ParityReport(rows, [label], time.perf_counter() - t0)
