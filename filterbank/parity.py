"""OpenCV parity check: run filter banks through torch and compare with ``cv2.filter2D``.

This is what ``filterbank verify`` and ``filterbank demo`` run. Each family
group of :func:`default_groups` is written into a **plain** ``nn.Conv2d`` with
:func:`filterbank.inject` (depthwise, ``padding=0``), the input is padded with
:func:`filterbank.borders.pad` (OpenCV's anchor and border), and every output
channel ``c * N + n`` is compared with ``cv2.filter2D(img[..., c], -1, k_n,
borderType=...)`` computed on the CPU. The same comparison is made for
:class:`filterbank.FilterConv2d` and :func:`filterbank.filter2d`, so the table
covers the three ways the library applies a bank.

Examples
--------
>>> import numpy as np
>>> img = (np.arange(32 * 40) % 251).astype(np.uint8).reshape(32, 40)
>>> report = run_parity([("ramp", img)], borders=("reflect101",))
>>> report.ok
True
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import cv2
import numpy as np
import torch
from torch import nn

from . import borders as _borders
from ._device import exact_fp32, resolve_device
from ._errors import DTypeError, ParameterError, ShapeError
from ._types import OPENCV_DFT_TAPS
from .bank import FilterBank
from .functional import filter2d
from .inject import inject
from .layers import FilterConv2d

__all__ = [
    "DEFAULT_BORDERS",
    "DFT_AREA",
    "DTYPES",
    "PATHS",
    "ParityReport",
    "ParityRow",
    "default_groups",
    "exact_fp32",
    "reference_filter2d",
    "resolve_device",
    "run_parity",
    "tolerance",
]

#: Kernel area from which ``cv2.filter2D`` switches from the direct sum to a DFT
#: (float32 -> float32 and uint8 -> uint8, with SSE3; OpenCV's ``dft_filter_size``).
#: The same number as :data:`filterbank._types.OPENCV_DFT_TAPS`, under its older name.
DFT_AREA = OPENCV_DFT_TAPS

#: The ways a bank is applied; each is compared with ``cv2.filter2D``.
PATHS: tuple[str, ...] = ("inject", "FilterConv2d", "filter2d")

#: Image dtypes the check knows.
DTYPES: tuple[str, ...] = ("float32", "uint8")

#: Borders the check covers by default (every border but ``"wrap"``, which ``cv2.filter2D`` refuses).
DEFAULT_BORDERS: tuple[str, ...] = ("reflect101", "symmetric", "replicate", "constant")

_PATH_TEXT = {
    "inject": "plain nn.Conv2d + filterbank.inject",
    "FilterConv2d": "filterbank.FilterConv2d",
    "filter2d": "filterbank.filter2d",
    "inject3d": "nn.Conv3d + inject",
    "FilterConv3d": "nn.Conv3d subclass",
    "filter3d": "function",
}

#: The reference of each path's table (the 3-D paths of :mod:`filterbank.parity3d` are checked against SciPy).
_REFERENCE = {
    "inject3d": "scipy.ndimage.correlate",
    "FilterConv3d": "scipy.ndimage.correlate",
    "filter3d": "scipy.ndimage.correlate",
}


def default_groups() -> list[tuple[str, FilterBank]]:
    """The default family groups of the parity check, each a bank of one kernel size.

    Returns
    -------
    list of (str, FilterBank)
        ``(family label, bank)`` for ``sobel`` (dx, dy; 3x3), ``scharr`` (dx,
        dy), ``laplacian`` (ksize 1 and 3, both 3x3), ``log`` (9x9, sigma 1.4),
        ``gaussian`` (7x7, sigma 1.5), ``gabor`` (15x15, theta 0/45/90/135 deg,
        sigma 3, lambd 8, gamma 0.5, psi pi/2), ``box_even`` (4x4) and
        ``box_rect`` (3 rows x 7 columns), so that even and non-square kernels
        are checked, as are kernels past OpenCV's DFT switch (the Gabor ones).

    Examples
    --------
    >>> [(label, bank.ksize) for label, bank in default_groups()][-2:]
    [('box_even', (4, 4)), ('box_rect', (3, 7))]
    """
    gabor_specs = [
        {
            "family": "gabor",
            "ksize": 15,
            "sigma": 3.0,
            "theta": math.radians(deg),
            "lambd": 8.0,
            "gamma": 0.5,
            "psi": math.pi / 2,
        }
        for deg in (0, 45, 90, 135)
    ]
    return [
        (
            "sobel",
            FilterBank.from_specs(
                [
                    {"family": "sobel", "dx": 1, "dy": 0, "ksize": 3},
                    {"family": "sobel", "dx": 0, "dy": 1, "ksize": 3},
                ]
            ),
        ),
        (
            "scharr",
            FilterBank.from_specs([{"family": "scharr", "dx": 1, "dy": 0}, {"family": "scharr", "dx": 0, "dy": 1}]),
        ),
        (
            "laplacian",
            FilterBank.from_specs([{"family": "laplacian", "ksize": 1}, {"family": "laplacian", "ksize": 3}]),
        ),
        ("log", FilterBank.from_specs([{"family": "log", "ksize": 9, "sigma": 1.4}])),
        ("gaussian", FilterBank.from_specs([{"family": "gaussian", "ksize": 7, "sigma": 1.5}])),
        # The full spec names (every parameter) are long; the angle is what tells them apart.
        ("gabor", FilterBank.from_specs(gabor_specs, names=[f"gabor_theta{d}" for d in (0, 45, 90, 135)])),
        ("box_even", FilterBank.from_specs([{"family": "box", "ksize": 4}])),
        ("box_rect", FilterBank.from_specs([{"family": "box", "ksize": (3, 7)}])),
    ]


def tolerance(kernel: np.ndarray, image_max: float, dtype: str) -> float:
    """The largest accepted ``|ours - cv2.filter2D|`` for one kernel on one image.

    Parameters
    ----------
    kernel : numpy.ndarray
        The 2-D kernel.
    image_max : float
        ``max |image|`` of the input (in the units the filter sees).
    dtype : {"float32", "uint8"}
        The image dtype of the run.

    Returns
    -------
    float
        float32: ``1e-6 * sum|k| * max|img|`` below ``DFT_AREA`` taps, else
        ``1e-5 * sum|k| * max|img|``. uint8: 0 below ``DFT_AREA`` taps, else 1.

    Notes
    -----
    From ``DFT_AREA`` taps (e.g. 12x12) ``cv2.filter2D`` stops summing directly and
    multiplies in the Fourier domain (OpenCV's ``dft_filter_size``). In float32
    that path differs from the direct sum by about ``1e-5 * sum|k| * max|img|``;
    in uint8 it can land on the other side of a rounding boundary, i.e. differ
    by 1. Below ``DFT_AREA`` taps torch's direct conv and OpenCV's agree to float32
    rounding (bit for bit on CPU) and uint8 results must be identical.

    Examples
    --------
    >>> tolerance(np.ones((3, 3)), 1.0, "float32")
    9e-06
    >>> tolerance(np.ones((15, 15)), 255.0, "uint8")
    1.0
    """
    area = kernel.shape[0] * kernel.shape[1]
    dft = area >= DFT_AREA
    if dtype == "uint8":
        return 1.0 if dft else 0.0
    if dtype == "float32":
        # OpenCV switches to a DFT for area >= DFT_AREA in float32: ~1e-5 relative, not ~1e-7.
        return (1e-5 if dft else 1e-6) * float(np.abs(kernel).sum()) * float(image_max)
    raise DTypeError(f"`dtype` must be one of {', '.join(DTYPES)}; got {dtype!r}")


def reference_filter2d(channel: np.ndarray, kernel: np.ndarray, border: str) -> np.ndarray:
    """``cv2.filter2D`` of one 2-D channel with one kernel (``ddepth=-1``, default anchor).

    Examples
    --------
    >>> reference_filter2d(np.eye(3, dtype=np.float32), np.ones((1, 3)), "constant")[0]
    array([1., 1., 0.], dtype=float32)
    """
    return cv2.filter2D(
        np.ascontiguousarray(channel),
        -1,
        np.ascontiguousarray(kernel, dtype=np.float64),
        borderType=_borders.to_cv2(border),
    )


@dataclass(frozen=True)
class ParityRow:
    """One cell of the parity table: a family group, a border, a dtype and a path.

    Attributes
    ----------
    family, border, dtype, path : str
        What was checked; ``path`` is one of :data:`PATHS`.
    max_err : float
        Largest ``|ours - cv2.filter2D|`` over every image, channel and kernel.
    tol : float
        The smallest tolerance applied over those comparisons (see :func:`tolerance`;
        it depends on the kernel and on ``max|image|``).
    ok : bool
        Every comparison was within its own tolerance.
    device : str
        Where the torch side ran.
    checks : int
        Number of (image, channel, kernel) comparisons.
    """

    family: str
    border: str
    dtype: str
    path: str
    max_err: float
    tol: float
    ok: bool
    device: str = "cpu"
    checks: int = 0


def _fmt_err(err: float) -> str:
    return "0" if err == 0 else f"{err:.1e}"


@dataclass
class ParityReport:
    """The result of :func:`run_parity`: one :class:`ParityRow` per (family, border, dtype, path).

    Examples
    --------
    >>> img = np.full((16, 16), 7, np.uint8)
    >>> rep = run_parity([("flat", img)], borders=("constant",))
    >>> print(rep.table().splitlines()[0][:45])
    parity vs cv2.filter2D | device cpu | float32
    """

    rows: list[ParityRow] = field(default_factory=list)
    images: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """True if every row passed (and there is at least one)."""
        return bool(self.rows) and all(r.ok for r in self.rows)

    @property
    def failures(self) -> list[ParityRow]:
        """The rows that failed."""
        return [r for r in self.rows if not r.ok]

    def __add__(self, other: ParityReport) -> ParityReport:
        images = self.images + [s for s in other.images if s not in self.images]
        return ParityReport(self.rows + other.rows, images, self.seconds + other.seconds)

    def table(self) -> str:
        """A plain-text table per (device, dtype, path): one row per family, one column per border.

        Cells read ``"<max |ours - cv2|> ok"`` or ``"... FAIL"`` (``0`` means
        bit-identical); the last column is the tolerance (the smallest one
        applied to that family). Lines stay within 100 columns.
        """
        out: list[str] = []
        keys: list[tuple[str, str, str]] = []
        for row in self.rows:
            key = (row.device, row.dtype, row.path)
            if key not in keys:
                keys.append(key)
        for device, dtype, path in keys:
            rows = [r for r in self.rows if (r.device, r.dtype, r.path) == (device, dtype, path)]
            families = list(dict.fromkeys(r.family for r in rows))
            borders = list(dict.fromkeys(r.border for r in rows))
            cell = {(r.family, r.border): r for r in rows}
            fw = max(9, *(len(f) for f in families))
            bw = max(13, *(len(b) + 1 for b in borders))
            ref = _REFERENCE.get(path, "cv2.filter2D")
            head = f"parity vs {ref} | device {device} | {dtype} | path {path} ({_PATH_TEXT.get(path, path)})"
            out.append(head)
            out.append("family".ljust(fw) + "".join(b.rjust(bw) for b in borders) + "tol".rjust(10))
            for fam in families:
                line = fam.ljust(fw)
                tols = []
                for b in borders:
                    r = cell.get((fam, b))
                    if r is None:
                        line += "-".rjust(bw)
                        continue
                    tols.append(r.tol)
                    line += f"{_fmt_err(r.max_err)} {'ok' if r.ok else 'FAIL'}".rjust(bw)
                line += (_fmt_err(min(tols)) if tols else "-").rjust(10)
                out.append(line)
            n_ok = sum(r.ok for r in rows)
            out.append(f"{n_ok}/{len(rows)} ok" + ("" if n_ok == len(rows) else "  <-- FAILURES"))
            out.append("")
        status = "ALL OK" if self.ok else f"FAILED: {len(self.failures)} of {len(self.rows)} cells"
        out.append(
            f"{status} ({len(self.rows)} cells, {len(self.images)} image(s): "
            f"{', '.join(self.images)}; {self.seconds:.1f} s)"
        )
        return "\n".join(out)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable dict: ``ok``, ``images``, ``seconds`` and ``rows``."""
        return {
            "ok": self.ok,
            "images": list(self.images),
            "seconds": self.seconds,
            "rows": [asdict(r) for r in self.rows],
        }

    def to_json(self, indent: int | None = 2) -> str:
        """The report as a JSON string (see :meth:`to_dict`)."""
        return json.dumps(self.to_dict(), indent=indent)


def _check_images(images: Sequence[tuple[str, np.ndarray]]) -> list[tuple[str, np.ndarray]]:
    out = []
    if not images:
        raise ShapeError("`images` must hold at least one (name, uint8 array) pair; got none")
    for item in images:
        if not (isinstance(item, (tuple, list)) and len(item) == 2):
            raise DTypeError(f"`images` entries must be (name, array) pairs; got {type(item).__name__}")
        name, img = item
        img = np.asarray(img)
        if img.dtype != np.uint8:
            raise DTypeError(f"`images` arrays must be uint8 (as load_images returns); got {img.dtype} for {name!r}")
        if img.ndim not in (2, 3) or img.size == 0:
            raise ShapeError(f"`images` arrays must be (H, W) or (H, W, C); got shape {img.shape} for {name!r}")
        out.append((str(name), img))
    return out


def _check_names(what: str, values: Sequence[str], known: Sequence[str]) -> list[str]:
    if isinstance(values, str):
        values = (values,)
    out = [str(v) for v in values]
    if not out:
        raise ParameterError(f"`{what}` must name at least one of {', '.join(known)}; got none")
    for v in out:
        if v not in known:
            raise ParameterError(f"`{what}` entries must be one of {', '.join(known)}; got {v!r}")
    return out


def _check_borders(borders: Sequence[str | int]) -> list[str]:
    if isinstance(borders, (str, int)):
        borders = (borders,)
    out = [_borders.normalize_border(b) for b in borders]
    if not out:
        raise ParameterError("`borders` must name at least one border; got none")
    if "wrap" in out:
        raise ParameterError(
            "`borders` cannot include 'wrap': cv2.filter2D refuses BORDER_WRAP, so there is no reference"
        )
    return list(dict.fromkeys(out))


def _paths_output(
    paths: Sequence[str], bank: FilterBank, x: torch.Tensor, border: str, dtype: str
) -> dict[str, np.ndarray]:
    """Run the bank along each path on ``x`` (1, C, H, W) float32 on its device; (C*N, H, W) numpy out."""
    c = x.shape[1]
    n = len(bank)
    kh, kw = bank.ksize
    dev = x.device
    padding = _borders.padding_for((kh, kw))
    out: dict[str, np.ndarray] = {}
    with torch.no_grad():
        for path in paths:
            if path == "inject":
                conv = nn.Conv2d(c, c * n, (kh, kw), groups=c, bias=False, padding=0, device=dev)
                inject(conv, bank, mode="frozen")
                y = conv(_borders.pad(x, padding, border))[0]
            elif path == "FilterConv2d":
                layer = FilterConv2d(bank, c, border=border, device=dev)
                y = layer(x)[0]
            else:  # filter2d
                xin = x[0].to(torch.uint8) if dtype == "uint8" else x[0]
                y = filter2d(xin, bank, border=border)
            y = y.cpu()
            if dtype == "uint8" and y.dtype != torch.uint8:
                # cv2's uint8 output is the float result rounded half to even, then saturated.
                y = torch.round(y).clamp_(0, 255)
            out[path] = y.to(torch.float64).numpy()
    return out


def run_parity(
    images: Sequence[tuple[str, np.ndarray]],
    *,
    device: str | torch.device = "cpu",
    borders: Sequence[str | int] = DEFAULT_BORDERS,
    dtypes: Sequence[str] = ("float32",),
    groups: Sequence[tuple[str, FilterBank]] | None = None,
    paths: Sequence[str] = PATHS,
) -> ParityReport:
    """Compare torch filtering with ``cv2.filter2D`` on images, for every group, border and dtype.

    For each image, family group, border and dtype, the group's bank is
    injected (frozen) into a plain depthwise ``nn.Conv2d(C, C*N, (kh, kw),
    groups=C, padding=0)`` on ``device``, the input is padded with
    :func:`filterbank.borders.pad`, and output channel ``c*N + n`` is compared
    with ``cv2.filter2D(img[..., c], -1, kernel_n, borderType=...)`` on the CPU.
    :class:`filterbank.FilterConv2d` and :func:`filterbank.filter2d` are
    compared the same way (``paths``).

    Parameters
    ----------
    images : sequence of (str, numpy.ndarray)
        ``(name, uint8 array)`` pairs, ``(H, W)`` or ``(H, W, C)``, as
        :func:`filterbank.images.load_images` returns.
    device : str or torch.device
        ``"cpu"``, ``"cuda"``, ``"cuda:N"`` or ``"auto"``. On CUDA, TF32 is
        switched off during the run and restored afterwards.
    borders : sequence of str or int
        Border modes (``"wrap"`` is refused: ``cv2.filter2D`` has no such mode).
    dtypes : sequence of {"float32", "uint8"}
        ``"float32"``: the image as float32 in [0, 1] on both sides.
        ``"uint8"``: OpenCV filters the uint8 image (uint8 out); torch filters
        its float32 values and rounds half to even and saturates.
    groups : sequence of (str, FilterBank), optional
        Family groups; default :func:`default_groups`.
    paths : sequence of str
        Which of :data:`PATHS` to check.

    Returns
    -------
    ParityReport
        One row per (family, border, dtype, path), in that nesting order.

    Raises
    ------
    ParameterError
        For CUDA without a CUDA device, an unknown dtype/path, or ``"wrap"``.

    Examples
    --------
    >>> img = np.random.default_rng(0).integers(0, 256, (20, 24, 3), dtype=np.uint8)
    >>> rep = run_parity([("noise", img)], borders=("replicate",), dtypes=("float32", "uint8"))
    >>> rep.ok, len(rep.rows)
    (True, 48)
    """
    t0 = time.perf_counter()
    dev = resolve_device(device)
    imgs = _check_images(images)
    border_list = _check_borders(borders)
    dtype_list = _check_names("dtypes", dtypes, DTYPES)
    path_list = _check_names("paths", paths, PATHS)
    group_list = default_groups() if groups is None else [(str(f), b) for f, b in groups]

    # (family, border, dtype, path) -> [max_err, min_tol, ok, checks]
    acc: dict[tuple[str, str, str, str], list[Any]] = {}
    with exact_fp32(dev):
        for _name, img in imgs:
            chw = img[:, :, None] if img.ndim == 2 else img
            n_chan = chw.shape[2]
            for dtype in dtype_list:
                src = chw.astype(np.float32) / np.float32(255.0) if dtype == "float32" else chw
                image_max = float(np.abs(src.astype(np.float64)).max())
                x = torch.from_numpy(np.ascontiguousarray(src.transpose(2, 0, 1))).to(torch.float32)
                x = x.unsqueeze(0).to(dev)
                for family, bank in group_list:
                    kernels = bank.kernels
                    n = len(bank)
                    tols = [tolerance(k, image_max, dtype) for k in kernels]
                    for border in border_list:
                        outs = _paths_output(path_list, bank, x, border, dtype)
                        for c in range(n_chan):
                            channel = np.ascontiguousarray(src[:, :, c])
                            for j, k in enumerate(kernels):
                                ref = reference_filter2d(channel, k, border).astype(np.float64)
                                for path in path_list:
                                    err = float(np.abs(outs[path][c * n + j] - ref).max())
                                    slot = acc.setdefault((family, border, dtype, path), [0.0, math.inf, True, 0])
                                    slot[0] = max(slot[0], err)
                                    slot[1] = min(slot[1], tols[j])
                                    slot[2] = slot[2] and err <= tols[j]
                                    slot[3] += 1
    rows = []
    for dtype in dtype_list:
        for path in path_list:
            for family, _bank in group_list:
                for border in border_list:
                    max_err, tol, ok, checks = acc[(family, border, dtype, path)]
                    rows.append(ParityRow(family, border, dtype, path, max_err, tol, bool(ok), str(dev), checks))
    return ParityReport(rows, [name for name, _ in imgs], time.perf_counter() - t0)
