"""The cost model and the choice of a method: :func:`estimate`, :func:`choose`, :class:`Plan`."""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import cast

import torch

from .._errors import ParameterError, UnknownNameError
from . import opencv as _opencv
from .accuracy import _budget, allowed
from .costs import COSTS
from .factors import _Factors, _factors
from .fft import fft_chunk, fft_size
from .separable import _blk, _uses_shifts

__all__ = ["METHODS", "OPENCV_SEPARABLE", "Plan", "choose", "estimate"]

#: Execution methods known to the planner (``auto`` chooses among the others).
METHODS: tuple[str, ...] = ("auto", "direct", "separable", "lowrank", "fft", "opencv")


#: The planner's name for rank-1 float kernels run through ``cv2.sepFilter2D`` on the CPU (``auto`` only:
#: a forced ``"separable"`` runs torch's engine, which also differentiates).
OPENCV_SEPARABLE = "opencv-separable"

#: How much cheaper the FFT must be estimated before ``auto`` prefers it to an exact-order method.
_FFT_MARGIN = 1.15

#: FFT cost relative to float32 for float64 (measured ratio; applied to FFT and GEMM work).
_F64_FACTOR = 2.0


@dataclass
class Plan:
    """A chosen method with its estimated seconds and the candidates it beat."""

    method: str
    seconds: float
    estimates: dict[str, float]


def _direct_mac(taps: int, key: str = "direct_mac") -> float:
    table = sorted(cast("dict[int, float]", COSTS[key]).items())  # load_costs makes it taps -> seconds
    if taps <= table[0][0]:
        return table[0][1]
    for (t0, c0), (t1, c1) in itertools.pairwise(table):
        if taps <= t1:
            a = (math.log(taps) - math.log(t0)) / (math.log(t1) - math.log(t0))
            return c0 + a * (c1 - c0)
    return table[-1][1]


def estimate(
    method: str,
    shape: tuple[int, int, int, int],
    ksize: tuple[int, int, int],
    P: int = 0,
    grad: bool = False,
    dtypes: tuple[torch.dtype, torch.dtype] = (torch.float32, torch.float32),
) -> float:
    """Estimated seconds of one method for ``shape = (M, G, Hp, Wp)`` and ``ksize = (N, kh, kw)``.

    ``P`` is the number of row-basis rows for ``separable`` / ``lowrank``; ``grad`` whether
    autograd is recording (short factors then run as GEMMs, not as shifted multiply-adds).
    ``dtypes`` is the ``(input, output)`` pair of the ``opencv`` engine (its direct sum
    and its DFT threshold depend on it). The constants are :data:`~filterbank.plan.costs.COSTS`.

    Examples
    --------
    >>> small = estimate("direct", (1, 1, 10, 10), (1, 3, 3))
    >>> 0 < small < estimate("direct", (8, 1, 258, 258), (4, 3, 3))
    True
    """
    m, g, hp, wp = shape
    n, kh, kw = ksize
    h, w = hp - kh + 1, wp - kw + 1
    c = COSTS
    call = float(c["call"])  # type: ignore[arg-type]
    mem = float(c["mem_elem"])  # type: ignore[arg-type]
    imgs = m * g
    outs = imgs * n * h * w
    if method == "direct":
        # per output channel of one F.conv2d: n (a bank on G == 1 input) or 1 (grouped, one kernel per group)
        mac, mac1 = _direct_mac(kh * kw), _direct_mac(kh * kw, "direct_mac1")
        return call + (mac + (mac1 - mac) / n) * outs * kh * kw
    if method == "opencv":
        return _opencv_seconds(imgs * n, h * w, hp * wp, kh * kw, dtypes)
    if method in ("separable", "lowrank") and _uses_shifts(kh, kw, grad):
        # rows: P filters of up to kw taps over the padded rows; columns: per output, P (lowrank) or 1 filters
        share = 1 if method == "separable" else P
        row_ops, col_ops = P * kw, n * g * share * kh
        elems = row_ops * imgs * hp * w + col_ops * m * h * w
        return (row_ops + col_ops) * call + float(c["axpy_elem"]) * elems  # type: ignore[arg-type]
    if method in ("separable", "lowrank"):
        bw, bh = min(_blk(kw), w), min(_blk(kh), h)
        rows = imgs * hp * w * P * (bw + kw - 1) * 2
        share = 1 if method == "separable" else P
        cols = outs * share * (bh + kh - 1) * 2
        copies = imgs * hp * w * P * (1 + (0 if method == "separable" else (bh + kh - 1) / bh)) + outs
        calls = math.ceil(w / bw) + math.ceil(h / bh) * (P if method == "separable" else 1)
        return calls * call + float(c["gemm_flop"]) * (rows + cols) + mem * copies  # type: ignore[arg-type]
    if method == "fft":
        fh, fw = fft_size(hp), fft_size(wp)
        area = fh * fw
        lg = math.log2(area)
        chunks = math.ceil(imgs * n / fft_chunk(imgs * n, fh, fw, (h, w)))
        t = float(c["fft_elem_log"]) * (imgs + imgs * n) * area * lg  # type: ignore[arg-type]
        t += float(c["cmul_elem"]) * imgs * n * fh * (fw // 2 + 1)  # type: ignore[arg-type]
        return (chunks + 2) * call + t + mem * outs
    raise UnknownNameError("method", method, METHODS)


def _opencv_seconds(calls: int, pixels: int, padded: int, taps: int, dtypes: tuple[torch.dtype, torch.dtype]) -> float:
    """``calls`` ``cv2.filter2D`` calls of ``pixels`` outputs each: direct sum or DFT, on the engine's threads."""
    src, dst = dtypes
    f64 = _F64_FACTOR if torch.float64 in (src, dst) else 1.0
    if taps >= _opencv.dft_taps(src, dst):
        # OpenCV's DFT transforms the image with its border: n log n of the padded area
        per_call = padded * math.log2(max(padded, 2)) * float(COSTS["cv_dft_px"]) * f64  # type: ignore[arg-type]
        return calls * (float(COSTS["cv_call"]) + per_call)  # type: ignore[arg-type]
    per_px = _direct_mac(taps, "cv_tap" if src.is_floating_point else "cv_tap_int") * taps * f64
    # one-thread seconds, like every constant of the table: the engines share one thread policy
    return calls * float(COSTS["cv_call"]) + calls * pixels * per_px  # type: ignore[arg-type]


def _prep_seconds(shape: tuple[int, int, int, int], ksize: tuple[int, int, int], src: torch.dtype) -> float:
    """What the torch engines pay around the correlation and the OpenCV engine does not: the padded
    copy and, for integer input, the cast in and the rounding and saturation out."""
    m, g, hp, wp = shape
    n, kh, kw = ksize
    mem = float(COSTS["mem_elem"])  # type: ignore[arg-type]
    t = mem * m * g * hp * wp
    if not src.is_floating_point:
        h, w = hp - kh + 1, wp - kw + 1
        t += mem * m * g * (h * w + 3 * n * h * w)
    return t


def choose(
    x_shape: tuple[int, int, int, int],
    kernels: torch.Tensor,
    *,
    method: str = "auto",
    exact: bool = False,
    opencv: tuple[torch.dtype, torch.dtype] | None = None,
) -> tuple[str, _Factors | None, Plan]:
    """Pick the method for padded input ``(M, G, Hp, Wp)`` and kernels ``(G, N, kh, kw)``.

    Returns the method, its factors (``separable`` / ``lowrank``) and the :class:`Plan`.
    ``opencv`` is the ``(input, output)`` dtype pair when the OpenCV engine can run the
    call (a CPU input of a pair ``cv2.filter2D`` computes): it is then a candidate of
    ``auto``, weighed against the torch methods plus what they pay around the
    correlation (padding, integer casts). ``None``: torch methods only.

    Examples
    --------
    >>> import torch
    >>> from filterbank import kernels
    >>> sobel = torch.from_numpy(kernels.sobel(1, 0, 3)).float()[None, None]
    >>> method, factors, plan = choose((1, 1, 10, 10), sobel)
    >>> method, sorted(plan.estimates)
    ('direct', ['direct', 'lowrank', 'separable'])
    >>> choose((1, 1, 10, 10), sobel, method="separable")[1].V.shape  # one row factor
    torch.Size([1, 3])
    """
    if method not in METHODS:
        raise UnknownNameError("method", method, METHODS)
    n, kh, kw = kernels.shape[1:]
    taps = kh * kw
    grad = kernels.requires_grad and torch.is_grad_enabled()
    dtype = kernels.dtype
    budget = _budget(dtype, taps)
    shape = cast("tuple[int, int, int, int]", tuple(int(v) for v in x_shape))  # the length of x_shape
    if method != "auto":
        f = None
        if method in ("separable", "lowrank"):
            if dtype not in (torch.float32, torch.float64):
                raise ParameterError(f"`method` {method!r} needs float32 or float64; got {dtype}")
            f = _factors(kernels, method, budget)
            if f is None:
                raise ParameterError(
                    f"`method` 'separable' needs rank-1 kernels (residual <= {budget:g} of sum|k|); "
                    "this bank is not: use 'lowrank' or 'auto'"
                )
        if method == "fft" and dtype not in (torch.float32, torch.float64):
            raise ParameterError(f"`method` 'fft' needs float32 or float64; got {dtype}")
        return method, f, Plan(method, float("nan"), {})
    cands = allowed(dtype, taps, exact=exact, requires_grad=grad)
    est, facts = _estimates(shape, kernels, cands, budget, grad)
    if dtype == torch.float64:
        est = {k: (v if k == "direct" else v * _F64_FACTOR) for k, v in est.items()}
    plane = (shape[2] - kh + 1) * (shape[3] - kw + 1)
    est = _scaled(est, plane)
    if opencv is not None:
        prep = _prep_seconds(shape, (n, kh, kw), opencv[0])
        est = {k: v + prep for k, v in est.items()}
        cv = estimate("opencv", shape, (n, kh, kw), dtypes=opencv) * _scale("opencv", plane) + _fixed("opencv")
        # under autograd: the input gradient is one more pass of the engine; a kernel gradient is
        # torch's convolution backward (about a direct forward); the others' backward ~ 2 forwards
        est["opencv"] = (2 * cv + est.get("direct", cv)) / 3 if grad else cv
        sep = _opencv_separable(shape, kernels, facts, budget, grad, opencv, tried="separable" in cands)
        if sep is not None:
            est[OPENCV_SEPARABLE] = sep * _scale("opencv", plane) + _fixed("opencv")
    # The FFT's float32 error (~2e-7 of the scale) is larger than the others' (~1e-7): it must win clearly.
    best = min(est, key=lambda mth: est[mth] * (_FFT_MARGIN if mth == "fft" else 1.0))
    return best, facts.get(best), Plan(best, est[best], est)


def _opencv_separable(
    shape: tuple[int, int, int, int],
    kernels: torch.Tensor,
    facts: dict[str, _Factors | None],
    budget: float,
    grad: bool,
    dtypes: tuple[torch.dtype, torch.dtype],
    tried: bool = False,
) -> float | None:
    """One-thread seconds of ``cv2.sepFilter2D`` per (plane, kernel) when every kernel is rank 1 within the
    accuracy budget, outside autograd, float in and out of one dtype, and large enough that
    ``cv2.filter2D`` itself would take its DFT path; else None (not a candidate).

    Below the DFT threshold ``cv2.filter2D`` sums directly and filterbank's OpenCV engine returns
    its numbers bit for bit, which a separable sum would not; from the threshold on, OpenCV's own
    output is its DFT's, equal to the correlation only within the DFT's rounding."""
    src, dst = dtypes
    n, kh, kw = kernels.shape[1:]
    if grad or src != dst or not src.is_floating_point or min(kh, kw) < 2:
        return None
    if kh * kw < _opencv.dft_taps(src, dst):
        return None
    if facts.get("separable") is None and (tried or _factors(kernels, "separable", budget) is None):
        return None  # ``tried``: the torch candidates already looked for rank-1 factors and found none
    m, g, hp, wp = shape
    pixels = (hp - kh + 1) * (wp - kw + 1)
    f64 = _F64_FACTOR if src == torch.float64 else 1.0
    calls = m * g * n
    return calls * float(COSTS["cv_call"]) + calls * pixels * (kh + kw) * float(COSTS["cv_sep_tap"]) * f64  # type: ignore[arg-type]


#: Output pixels per image from which a call counts as large for ``method_scale`` (its passes leave the caches).
LARGE_PLANE = 1 << 18


def _scale(method: str, plane: int) -> float:
    """``method_scale`` of a method for images of ``plane`` output pixels (``method@large`` from LARGE_PLANE)."""
    table = cast("dict[str, float]", COSTS.get("method_scale", {}))
    if plane >= LARGE_PLANE and f"{method}@large" in table:
        return float(table[f"{method}@large"])
    return float(table.get(method, 1.0))


def _fixed(method: str) -> float:
    """``method_call``: a method's measured fixed seconds per call beyond the model."""
    return float(cast("dict[str, float]", COSTS.get("method_call", {})).get(method, 0.0))


def _scaled(est: dict[str, float], plane: int) -> dict[str, float]:
    """The model's estimates times each method's measured end-to-end factor (``method_scale``), plus its
    fixed cost per call (``method_call``)."""
    return {m: v * _scale(m, plane) + _fixed(m) for m, v in est.items()}


def _estimates(
    shape: tuple[int, int, int, int], kernels: torch.Tensor, cands: tuple[str, ...], budget: float, grad: bool
) -> tuple[dict[str, float], dict[str, _Factors | None]]:
    """Estimated seconds of every candidate torch method (factorisations where they exist)."""
    n, kh, kw = kernels.shape[1:]
    taps = kh * kw
    est: dict[str, float] = {}
    facts: dict[str, _Factors | None] = {}
    for mth in cands:
        if mth in ("separable", "lowrank"):
            if min(kh, kw) < 2 or taps < 9:
                continue
            f = _factors(kernels, mth, budget)
            if f is None:
                continue
            facts[mth] = f
            est[mth] = estimate(mth, shape, (n, kh, kw), f.V.shape[0], grad)
        else:
            est[mth] = estimate(mth, shape, (n, kh, kw))
    return est, facts
