"""The benchmark workloads W1-W9 and V1-V2: inputs, the OpenCV reference, contenders and targets.

- W1: Sobel and Scharr x/y (four 3x3 kernels) on 16 grayscale 224x224 images;
- W2: a Gabor bank of 32 kernels 31x31 (4 scales x 8 orientations) on 4 grayscale 256x256 images;
- W3: the LM bank (48 kernels 49x49) on 2 grayscale 256x256 images;
- W4: Gaussian blur sigma 8, 49x49, on 8 RGB 512x512 images;
- W5: one training step (forward and backward) of a trainable 32-kernel 31x31 Gabor layer on 8 x 1 x 256 x 256;
- W6: 3x3 Sobel on one 1920x1080 grayscale uint8 numpy image (bit-identical to ``cv2.filter2D``);
- W7: 5x5 Gaussian on one 1920x1080 RGB uint8 numpy image (bit-identical to ``cv2.filter2D``);
- W8: 3x3 Sobel on one 32x32 float32 numpy image (the per-call cost);
- W9: Sobel x/y and the 3x3 Laplacian on a 64 x 3 x 256 x 256 float32 CPU tensor;
- V1: a 15^3 Gaussian (sigma 2) on a 160^3 float32 volume (:func:`filterbank.filter3d`);
- V2: a bank of 16 random (non-separable) 9^3 kernels on a 96^3 float32 volume.

Inputs are the packaged sample images (:func:`filterbank.images.sample`) resized with
``cv2.INTER_AREA``, float32 in [0, 1] (uint8 for W6 and W7). The reference is a loop of
``cv2.filter2D`` (``BORDER_REFLECT_101``). The OpenCV peers write into outputs allocated
once, outside the timed call (``dst=``), and read channel planes made contiguous once: the
fair loop a user would write, paying nothing filterbank does not pay.
The 3-D workloads use the generated volume
:func:`filterbank.images.synthetic_volume`; OpenCV has no 3-D filter, so their
reference is SciPy (``gaussian_filter``, float64) for V1 and a float64
``F.conv3d`` of the reflect101-padded volume (equal to ``scipy.ndimage.correlate``,
``mode="mirror"``; SciPy itself would take minutes) for V2.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np
import scipy.ndimage as ndi
import torch
import torch.nn.functional as F

from .. import banks, borders, kernels, plan
from .._errors import UnknownNameError
from .._types import OPENCV_DFT_TAPS
from ..functional import filter2d, filter3d
from ..images import sample, sample_names, synthetic_volume
from ..plan import nd as plan_nd

__all__ = ["WORKLOADS", "Contender", "Workload", "build", "gabor_bank", "images", "lm_bank", "optional_kornia"]

#: The workload keys, in the order ``filterbank bench`` runs them.
WORKLOADS: tuple[str, ...] = ("W1", "W2", "W3", "W4", "W5", "W6", "W7", "W8", "W9", "V1", "V2")

#: (sep_x, sep_y) float32 1-D factors of a separable kernel, for the ``cv2.sepFilter2D`` contender.
Seps = list[tuple[np.ndarray, np.ndarray]]


@dataclass
class Contender:
    """One timed implementation of a workload, with its measurements."""

    name: str
    fn: Callable[[], object]  # the timed call
    to_numpy: Callable[[Any], np.ndarray] | None = None  # output -> (B, C*N, H, W) float64 for the error
    torch_device: bool = False  # runs on the benchmark device (CUDA events there)
    scale: float = 1.0  # extrapolation factor when the timed call is a subset
    times: list[float] = field(default_factory=list)
    times_tf32: list[float] = field(default_factory=list)
    peak: float = float("nan")
    error: float = float("nan")
    note: str = ""


@dataclass
class Workload:
    """Inputs, reference, contenders and speed targets of one benchmark."""

    key: str
    title: str
    reference: np.ndarray  # cv2 loop output (B, C*N, H, W)
    tol: float
    ours: str
    contenders: list[Contender]
    targets: list[tuple[str, str, float]]  # (text, peer name, factor): ours * factor <= peer
    info: dict[str, Any] = field(default_factory=dict)


def images(n: int, size: int, color: bool) -> np.ndarray:
    """``n`` sample images resized to ``size`` (float32 in [0, 1]): ``(n, size, size)`` or ``(n, size, size, 3)``.

    The packaged samples are taken in name order (gray ones made RGB first), resized with
    ``cv2.INTER_AREA``; every second pass over the samples is mirrored left-right.

    Examples
    --------
    >>> images(3, 32, color=False).shape, images(2, 16, color=True).shape
    ((3, 32, 32), (2, 16, 16, 3))
    """
    photos = [sample(name) for name in sample_names()]
    out = []
    for i in range(n):
        im = photos[i % len(photos)]
        if im.ndim == 2:
            im = cv2.cvtColor(im, cv2.COLOR_GRAY2RGB)
        im = cv2.resize(im, (size, size), interpolation=cv2.INTER_AREA)
        if (i // len(photos)) % 2:
            im = im[:, ::-1]
        if not color:
            im = cv2.cvtColor(np.ascontiguousarray(im), cv2.COLOR_RGB2GRAY)
        out.append(np.ascontiguousarray(im).astype(np.float32) / np.float32(255.0))
    return np.stack(out)


def gabor_bank() -> np.ndarray:
    """32 Gabor kernels 31x31: 4 scales x 8 orientations (``cv2.getGaborKernel`` conventions).

    Examples
    --------
    >>> gabor_bank().shape
    (32, 31, 31)
    """
    ks = []
    for sigma in (2.0, 3.0, 4.5, 6.0):
        for i in range(8):
            ks.append(kernels.gabor(31, sigma, i * np.pi / 8, 2.0 * sigma, 0.5, 0.0))
    return np.stack(ks).astype(np.float64)


def lm_bank() -> tuple[np.ndarray, str]:
    """The LM bank (48 x 49 x 49) of :func:`filterbank.banks.lm`, float64, and where it came from.

    Examples
    --------
    >>> bank, src = lm_bank()
    >>> bank.shape, src
    ((48, 49, 49), 'filterbank.banks.lm()')
    """
    # a copy: the bank's own array is read-only (torch warns on a view of it)
    return np.array(banks.lm().kernels, dtype=np.float64), "filterbank.banks.lm()"


def _cv2_loop(imgs: np.ndarray, bank: np.ndarray) -> np.ndarray:
    """(B, H, W[, C]) float32 -> (B, C*N, H, W) with cv2.filter2D, BORDER_REFLECT_101."""
    ks = [k.astype(np.float32) for k in bank]
    out = []
    for im in imgs:
        chans = [im] if im.ndim == 2 else [np.ascontiguousarray(im[..., c]) for c in range(im.shape[-1])]
        out.append([cv2.filter2D(ch, -1, k, borderType=cv2.BORDER_REFLECT_101) for ch in chans for k in ks])
    return np.asarray(out)


def _cv2_loop_into(chw: np.ndarray, bank: np.ndarray) -> Callable[[], np.ndarray]:
    """A timed loop of cv2.filter2D over (B, C, H, W) planes into an output allocated once: (B, C*N, H, W)."""
    ks = [k.astype(np.float32) for k in bank]
    b, c, h, w = chw.shape
    out = np.empty((b, c * len(ks), h, w), dtype=chw.dtype)

    def loop() -> np.ndarray:
        for i in range(b):
            for j in range(c):
                for n, k in enumerate(ks):
                    cv2.filter2D(chw[i, j], -1, k, out[i, j * len(ks) + n], (-1, -1), 0.0, cv2.BORDER_REFLECT_101)
        return out

    return loop


def _sep_loop_into(chw: np.ndarray, seps: Seps) -> Callable[[], np.ndarray]:
    """A timed loop of cv2.sepFilter2D over (B, C, H, W) planes into an output allocated once."""
    b, c, h, w = chw.shape
    out = np.empty((b, c * len(seps), h, w), dtype=chw.dtype)

    def loop() -> np.ndarray:
        for i in range(b):
            for j in range(c):
                for n, (kx, ky) in enumerate(seps):
                    dst = out[i, j * len(seps) + n]
                    cv2.sepFilter2D(chw[i, j], -1, kx, ky, dst, (-1, -1), 0.0, cv2.BORDER_REFLECT_101)
        return out

    return loop


def _tol(bank: np.ndarray, imgs: np.ndarray) -> float:
    """The parity bound of the tests for this bank: relative 1e-6 (1e-5 from OpenCV's DFT size on)."""
    big = bank[0].size >= OPENCV_DFT_TAPS
    return (1e-5 if big else 1e-6) * float(np.abs(bank).sum(axis=(1, 2)).max()) * max(float(np.abs(imgs).max()), 1.0)


def _chw(imgs: np.ndarray) -> np.ndarray:
    return imgs[:, None] if imgs.ndim == 3 else np.ascontiguousarray(imgs.transpose(0, 3, 1, 2))


def _t2np(y: Any) -> np.ndarray:
    return y.detach().cpu().double().numpy()


def _identity(y: Any) -> np.ndarray:
    return np.asarray(y)


def _scipy_loop(imgs_chw: np.ndarray, bank: np.ndarray, budget_calls: int) -> tuple[Callable[[], object], float, int]:
    """A loop of scipy.ndimage.correlate (mode mirror = reflect101); timed on a subset when slow."""
    jobs = [(b, c, k) for b in range(imgs_chw.shape[0]) for c in range(imgs_chw.shape[1]) for k in range(len(bank))]
    sub = jobs[:budget_calls]
    ks = bank.astype(np.float32)

    def fn() -> None:
        for b, c, k in sub:
            ndi.correlate(imgs_chw[b, c], ks[k], mode="mirror")

    return fn, len(jobs) / len(sub), len(sub)


def optional_kornia() -> Any:
    """The kornia module, or None when the ``bench`` extra is not installed.

    Examples
    --------
    >>> kn = optional_kornia()
    >>> kn is None or hasattr(kn, "filters")
    True
    """
    try:
        import kornia  # an optional peer: imported only to time it
    except ImportError:
        return None
    return kornia


# --------------------------------------------------------------------------------------- inputs per workload
def _w1() -> tuple[np.ndarray, np.ndarray, str, Seps | None]:
    imgs = images(16, 224, color=False)
    bank = np.stack([kernels.sobel(1, 0, 3), kernels.sobel(0, 1, 3), kernels.scharr(1, 0), kernels.scharr(0, 1)])
    pairs = [cv2.getDerivKernels(1, 0, 3), cv2.getDerivKernels(0, 1, 3)]
    pairs += [cv2.getDerivKernels(1, 0, -1), cv2.getDerivKernels(0, 1, -1)]
    seps = [(kx.astype(np.float32).ravel(), ky.astype(np.float32).ravel()) for kx, ky in pairs]
    return imgs, bank, "W1 Sobel+Scharr x/y (4 x 3x3) on 16 x gray 224^2", seps


def _w2() -> tuple[np.ndarray, np.ndarray, str, Seps | None]:
    return images(4, 256, color=False), gabor_bank(), "W2 Gabor bank (32 x 31x31) on 4 x gray 256^2", None


def _w3() -> tuple[np.ndarray, np.ndarray, str, Seps | None]:
    bank, src = lm_bank()
    return images(2, 256, color=False), bank, f"W3 LM bank (48 x 49x49, {src}) on 2 x gray 256^2", None


def _w4() -> tuple[np.ndarray, np.ndarray, str, Seps | None]:
    g = np.asarray(kernels.gaussian_1d(49, 8.0), dtype=np.float64).ravel()
    seps = [(g.astype(np.float32), g.astype(np.float32))]
    return images(8, 512, color=True), np.outer(g, g)[None], "W4 Gaussian sigma 8 (49x49) on 8 x RGB 512^2", seps


_INPUTS: dict[str, Callable[[], tuple[np.ndarray, np.ndarray, str, Seps | None]]] = {
    "W1": _w1,
    "W2": _w2,
    "W3": _w3,
    "W4": _w4,
}

_TARGETS: dict[str, list[tuple[str, str, float]]] = {
    "W1": [("at least 1.5x faster than the cv2.filter2D loop", "cv2.filter2D loop", 1.5)],
    "W2": [("at least 2x faster than the fastest peer", "*", 2.0)],
    "W3": [("at least 2x faster than the fastest peer", "*", 2.0)],
    "W4": [
        ("at least 1.5x faster than cv2.sepFilter2D", "cv2.sepFilter2D loop", 1.5),
        ("at least 1.5x faster than kornia gaussian_blur2d", "kornia gaussian_blur2d", 1.5),
    ],
}


# ------------------------------------------------------------------------------------------- contenders
def _kornia_contenders(key: str, x: torch.Tensor, kt: torch.Tensor) -> list[Contender]:
    kn = optional_kornia()
    if kn is None:
        return []
    n, c = kt.shape[0], x.shape[1]

    def kornia_f2d() -> torch.Tensor:
        # kornia applies one kernel per batch item to every channel: batch = kernels, channels = images
        xb = x.reshape(1, -1, *x.shape[-2:]).expand(n, -1, -1, -1)
        return kn.filters.filter2d(xb, kt, border_type="reflect")

    def kf_np(y: Any) -> np.ndarray:
        a = _t2np(y)  # (N, B*C, H, W) -> (B, C*N, H, W)
        b = a.reshape(n, -1, c, *a.shape[-2:]).transpose(1, 2, 0, 3, 4)
        return b.reshape(b.shape[0], c * n, *a.shape[-2:])

    out = [Contender("kornia filter2d", kornia_f2d, kf_np, True)]
    if key == "W4":

        def blur() -> torch.Tensor:
            return kn.filters.gaussian_blur2d(x, (49, 49), (8.0, 8.0), border_type="reflect")

        out.append(Contender("kornia gaussian_blur2d", blur, _t2np, True))
    return out


def _plain_conv(x: torch.Tensor, kt: torch.Tensor) -> Contender:
    pad = borders.padding_for((kt.shape[1], kt.shape[2]))

    def plain_conv() -> torch.Tensor:
        xp = F.pad(x.reshape(-1, 1, *x.shape[-2:]), (pad[2], pad[3], pad[0], pad[1]), mode="reflect")
        y = F.conv2d(xp, kt.unsqueeze(1))
        return y.reshape(x.shape[0], -1, *y.shape[-2:])

    return Contender("torch F.conv2d (direct)", plain_conv, _t2np, True)


def _scipy_contender(chw: np.ndarray, bank: np.ndarray, seps: Seps | None, separable_peer: bool) -> Contender:
    if separable_peer and seps is not None:
        g32 = seps[0][0]

        def sp_sep() -> np.ndarray:
            return np.asarray(
                [
                    [ndi.correlate1d(ndi.correlate1d(ch, g32, 0, mode="mirror"), g32, 1, mode="mirror") for ch in im]
                    for im in chw
                ]
            )

        return Contender("scipy correlate1d x2 loop", sp_sep, _identity)
    # budget ~ a few hundred million multiply-adds per timed call
    per_call = chw.shape[2] * chw.shape[3] * bank.shape[1] * bank.shape[2]
    fn, scale, _ = _scipy_loop(chw, bank, max(1, int(3e8 // per_call)))
    return Contender("scipy ndimage.correlate loop", fn, None, scale=scale)


def _auto_info(
    xp_shape: tuple[int, int, int, int],
    weight: torch.Tensor,
    exact: bool = False,
    opencv: tuple[torch.dtype, torch.dtype] | None = (torch.float32, torch.float32),
) -> dict[str, Any]:
    """What the planner chooses for this input and weight (on the CPU, with the OpenCV engine), and its estimates."""
    method, _, p = plan.choose(xp_shape, weight, exact=exact, opencv=opencv)
    return {"auto_method": method, "estimates_ms": {k: round(v * 1e3, 2) for k, v in p.estimates.items()}}


def build(key: str, device: torch.device) -> Workload:
    """Inputs, contenders and targets of one workload.

    Parameters
    ----------
    key : str
        One of :data:`WORKLOADS`.
    device : torch.device
        Where the torch contenders run.

    Returns
    -------
    Workload

    Raises
    ------
    UnknownNameError
        An unknown ``key``.

    Examples
    --------
    >>> w = build("W1", torch.device("cpu"))
    >>> w.title, w.reference.shape, w.contenders[0].name
    ('W1 Sobel+Scharr x/y (4 x 3x3) on 16 x gray 224^2', (16, 4, 224, 224), 'filterbank filter2d (auto)')
    """
    if key == "W5":
        return _build_w5(device)
    if key in _SINGLE:
        return _build_single(key)
    if key == "W9":
        return _build_w9(device)
    if key in _BUILDERS:
        return _BUILDERS[key](device)
    if key not in _INPUTS:
        raise UnknownNameError("workload", key, WORKLOADS)
    imgs, bank, title, seps = _INPUTS[key]()
    chw = _chw(imgs)
    x = torch.from_numpy(chw).to(device)
    kt = torch.from_numpy(bank).float().to(device)
    ours_name = "filterbank filter2d (auto)"
    cs = [
        Contender(ours_name, lambda: filter2d(x, kt, method="auto"), _t2np, True),
        Contender("cv2.filter2D loop", _cv2_loop_into(chw, bank), _identity),
    ]
    if seps is not None:
        cs.append(Contender("cv2.sepFilter2D loop", _sep_loop_into(chw, seps), _identity))
    cs += _kornia_contenders(key, x, kt)
    cs.append(_plain_conv(x, kt))
    cs.append(_scipy_contender(chw, bank, seps, separable_peer=key == "W4"))
    kh, kw = bank.shape[1:]
    xp_shape = (chw.shape[0] * chw.shape[1], 1, chw.shape[2] + kh - 1, chw.shape[3] + kw - 1)
    info = _auto_info(xp_shape, kt.unsqueeze(0).cpu(), opencv=(torch.float32,) * 2 if device.type == "cpu" else None)
    targets = list(_TARGETS[key])
    return Workload(key, title, _cv2_loop(imgs, bank), _tol(bank, imgs), ours_name, cs, targets, info)


def _build_w5(device: torch.device) -> Workload:
    imgs = images(8, 256, color=False)
    bank = gabor_bank()
    n, kh, kw = bank.shape
    x = torch.from_numpy(_chw(imgs)).to(device)
    target = torch.randn(8, n, 256, 256, generator=torch.Generator().manual_seed(0)).to(device)
    pad = borders.padding_for((kh, kw))
    w_ours = torch.nn.Parameter(torch.from_numpy(bank).float().unsqueeze(1).to(device))
    conv = torch.nn.Conv2d(1, n, (kh, kw), padding=(kh // 2, kw // 2), padding_mode="reflect", bias=False).to(device)
    with torch.no_grad():
        conv.weight.copy_(w_ours)
    opt_a = torch.optim.SGD([w_ours], lr=0.0)  # lr 0: the step runs, the weights (and parity) stay put
    opt_b = torch.optim.SGD(conv.parameters(), lr=0.0)

    def ours_step() -> torch.Tensor:
        opt_a.zero_grad(set_to_none=True)
        y = plan.conv_forward(borders.pad(x, pad, "reflect101"), w_ours, 1, "auto")
        F.mse_loss(y, target).backward()
        opt_a.step()
        return y.detach()

    def conv_step() -> torch.Tensor:
        opt_b.zero_grad(set_to_none=True)
        y = conv(x)
        F.mse_loss(y, target).backward()
        opt_b.step()
        return y.detach()

    ours_name = "filterbank conv_forward (auto) step"
    cs = [
        Contender(ours_name, ours_step, _t2np, True),
        Contender("nn.Conv2d (reflect pad) step", conv_step, _t2np, True),
    ]
    with torch.enable_grad():
        w4 = w_ours.detach().cpu().view(1, n, kh, kw).requires_grad_()
        info = _auto_info(
            (8, 1, 256 + kh - 1, 256 + kw - 1), w4, opencv=(torch.float32,) * 2 if device.type == "cpu" else None
        )
    return Workload(
        "W5",
        "W5 training step, trainable 32 x 31x31 Gabor layer, 8 x 1 x 256^2 (forward + backward + SGD)",
        _cv2_loop(imgs, bank),
        _tol(bank, imgs),
        ours_name,
        cs,
        [("at least 1.5x faster than a plain nn.Conv2d", "nn.Conv2d (reflect pad) step", 1.5)],
        info,
    )


# ------------------------------------------------------------------------------------------ volumes (V1, V2)
def _padded5(v: torch.Tensor, ks: tuple[int, ...]) -> torch.Tensor:
    return borders.pad_nd(v.reshape(1, 1, *v.shape), borders.padding_nd(ks), "reflect101")


def _slab(v: torch.Tensor, depth: int) -> tuple[torch.Tensor, float]:
    """The first ``depth`` planes of a volume and the factor that extrapolates a dense conv on it to the whole."""
    return v[:depth].contiguous(), v.shape[0] / depth


def _build_v1(device: torch.device, side: int = 160) -> Workload:
    vol = synthetic_volume(side)
    k = kernels.gaussian_nd(15, 2.0, ndim=3)
    x = torch.from_numpy(vol).to(device)
    kt = torch.from_numpy(k).float().to(device)
    ref = ndi.gaussian_filter(vol.astype(np.float64), 2.0, mode="mirror", radius=7)[None, None]
    cs = [
        Contender("filterbank filter3d (auto)", lambda: filter3d(x, kt), lambda y: _t2np(y)[None, None], True),
        Contender(
            "scipy ndimage.gaussian_filter",
            lambda: ndi.gaussian_filter(vol, 2.0, mode="mirror", radius=7),
            lambda y: np.asarray(y, dtype=np.float64)[None, None],
        ),
    ]
    kn = optional_kornia()
    if kn is not None:  # a dense 3375-tap conv: timed on 16 planes, extrapolated
        part, scale = _slab(x, min(16, side))
        cs.append(
            Contender(
                "kornia filter3d",
                lambda: kn.filters.filter3d(part[None, None], kt[None], border_type="reflect"),
                None,
                True,
                scale=scale,
            )
        )
    xp_shape = (1, 1, *(n + 14 for n in vol.shape))
    method, _, p = plan_nd.choose_nd(xp_shape, kt.cpu()[None, None])
    info = {"auto_method": method, "estimates_ms": {m: round(v * 1e3, 2) for m, v in p.estimates.items()}}
    tol = 1e-5 * float(np.abs(k).sum())  # >= OPENCV_DFT_TAPS taps, volume in [0, 1]
    return Workload(
        "V1",
        f"V1 Gaussian sigma 2 (15^3) on a {side}^3 volume",
        ref,
        tol,
        "filterbank filter3d (auto)",
        cs,
        [
            ("at least 2x faster than scipy gaussian_filter", "scipy ndimage.gaussian_filter", 2.0),
            ("at least 2x faster than kornia filter3d", "kornia filter3d", 2.0),
        ],
        info,
    )


def _build_v2(device: torch.device, side: int = 96) -> Workload:
    vol = synthetic_volume(side, seed=1)
    bank = np.random.default_rng(7).standard_normal((16, 9, 9, 9))
    x = torch.from_numpy(vol).to(device)
    kt = torch.from_numpy(bank).float().to(device)
    w = kt.unsqueeze(1)
    ref = F.conv3d(_padded5(torch.from_numpy(vol).double(), (9, 9, 9)), torch.from_numpy(bank).unsqueeze(1))
    part, scale = _slab(torch.from_numpy(vol), min(12, side))
    sub = bank[0].astype(np.float32)
    cs = [
        Contender("filterbank filter3d (auto)", lambda: filter3d(x, kt), lambda y: _t2np(y)[None], True),
        Contender("torch F.conv3d (direct)", lambda: F.conv3d(_padded5(x, (9, 9, 9)), w), _t2np, True),
        Contender(
            "scipy ndimage.correlate loop",
            lambda: ndi.correlate(part.numpy(), sub, mode="mirror"),
            None,
            scale=scale * len(bank),  # one kernel on 12 planes, extrapolated to 16 kernels on the volume
        ),
    ]
    method, _, p = plan_nd.choose_nd((1, 1, side + 8, side + 8, side + 8), kt.cpu()[None])
    info = {"auto_method": method, "estimates_ms": {m: round(v * 1e3, 2) for m, v in p.estimates.items()}}
    tol = 1e-5 * float(np.abs(bank).sum(axis=(1, 2, 3)).max())  # >= OPENCV_DFT_TAPS taps, volume in [0, 1]
    return Workload(
        "V2",
        f"V2 bank of 16 random 9^3 kernels on a {side}^3 volume",
        ref.numpy(),
        tol,
        "filterbank filter3d (auto)",
        cs,
        [("at least 2x faster than F.conv3d", "torch F.conv3d (direct)", 2.0)],
        info,
    )


_BUILDERS: dict[str, Callable[[torch.device], Workload]] = {"W5": _build_w5, "V1": _build_v1, "V2": _build_v2}


# ------------------------------------------------------------------------------ W6-W9: where users meet OpenCV
def photo(h: int, w: int, color: bool) -> np.ndarray:
    """The first packaged sample resized to ``w`` x ``h`` (``cv2.INTER_AREA``), uint8, gray or RGB.

    Examples
    --------
    >>> photo(1080, 1920, color=True).shape, photo(32, 32, color=False).dtype
    ((1080, 1920, 3), dtype('uint8'))
    """
    im = sample(sample_names()[0])
    if im.ndim == 2:
        im = cv2.cvtColor(im, cv2.COLOR_GRAY2RGB)
    im = cv2.resize(im, (w, h), interpolation=cv2.INTER_AREA if im.shape[0] >= h else cv2.INTER_LINEAR)
    return np.ascontiguousarray(im if color else cv2.cvtColor(im, cv2.COLOR_RGB2GRAY))


def _to_bchw(y: Any) -> np.ndarray:
    """A numpy image (H, W) or (H, W, C) as the harness's (1, C, H, W) float64."""
    a = np.asarray(y, dtype=np.float64)
    return a[None, None] if a.ndim == 2 else a.transpose(2, 0, 1)[None]


#: W6-W8: (title, image (height, width, color, dtype), kernel, separable factors or None, targets).
_SINGLE: dict[str, tuple[str, tuple[int, int, bool, str], Callable[[], np.ndarray], bool, list]] = {
    "W6": (
        "W6 3x3 Sobel on one 1920x1080 gray uint8 image (numpy)",
        (1080, 1920, False, "uint8"),
        lambda: kernels.sobel(1, 0, 3),
        False,
        [("no slower than cv2.filter2D", "cv2.filter2D", 1.0)],
    ),
    "W7": (
        "W7 5x5 Gaussian on one 1920x1080 RGB uint8 image (numpy)",
        (1080, 1920, True, "uint8"),
        lambda: kernels.gaussian(5, 1.1),
        True,
        [("no slower than the faster of cv2.filter2D and cv2.sepFilter2D", "*", 1.0)],
    ),
    "W8": (
        "W8 3x3 Sobel on one 32x32 float32 image (numpy, per-call cost)",
        (32, 32, False, "float32"),
        lambda: kernels.sobel(1, 0, 3),
        False,
        [("at most 4x OpenCV's per-call time", "cv2.filter2D", 0.25)],
    ),
}


def _build_single(key: str) -> Workload:
    """One numpy image and one kernel: filterbank's ``filter2d`` against ``cv2.filter2D`` into ``dst``."""
    title, (h, w, color, dtype), make_kernel, separable, targets = _SINGLE[key]
    img = photo(h, w, color)
    img = img if dtype == "uint8" else img.astype(np.float32) / np.float32(255.0)
    k = make_kernel()
    dst = np.empty_like(img)
    ref = cv2.filter2D(img, -1, k, borderType=cv2.BORDER_REFLECT_101)
    cs = [
        Contender("filterbank filter2d (auto)", lambda: filter2d(img, k), _to_bchw),
        Contender(
            "cv2.filter2D", lambda: cv2.filter2D(img, -1, k, dst, (-1, -1), 0.0, cv2.BORDER_REFLECT_101), _to_bchw
        ),
    ]
    if separable:
        u, sv, vt = np.linalg.svd(k)
        ky, kx = u[:, 0] * np.sqrt(sv[0]), vt[0] * np.sqrt(sv[0])
        if kx.sum() < 0:  # the SVD's sign is arbitrary; a user passes the positive factors (getGaussianKernel's),
            kx, ky = -kx, -ky  # which OpenCV runs on its fast 8-bit fixed-point path (negative ones: float path)
        sep_dst = np.empty_like(img)

        def sep() -> np.ndarray:
            return cv2.sepFilter2D(img, -1, kx, ky, sep_dst, (-1, -1), 0.0, cv2.BORDER_REFLECT_101)

        cs.append(Contender("cv2.sepFilter2D", sep, _to_bchw))
    tol = 0.0  # the targets ask for OpenCV's own numbers, bit for bit
    src = torch.from_numpy(img[:0]).dtype
    kt = torch.from_numpy(k).to(torch.float32)[None, None]
    c = 1 if img.ndim == 2 else img.shape[2]
    exact = not src.is_floating_point and k.size < OPENCV_DFT_TAPS
    info = _auto_info((c, 1, h + k.shape[0] - 1, w + k.shape[1] - 1), kt, exact=exact, opencv=(src, src))
    info["bit_identical"] = "to cv2.filter2D (the error column must read 0 for filterbank)"
    return Workload(key, title, _to_bchw(ref), tol, "filterbank filter2d (auto)", cs, list(targets), info)


def _build_w9(device: torch.device) -> Workload:
    imgs = images(64, 256, color=True)
    bank = np.stack([kernels.sobel(1, 0, 3), kernels.sobel(0, 1, 3), kernels.laplacian(1)])
    chw = _chw(imgs)
    x = torch.from_numpy(chw).to(device)
    kt = torch.from_numpy(bank).float().to(device)
    ours_name = "filterbank filter2d (auto)"
    cs = [
        Contender(ours_name, lambda: filter2d(x, kt), _t2np, True),
        Contender("cv2.filter2D loop", _cv2_loop_into(chw, bank), _identity),
        _plain_conv(x, kt),
    ]
    ref = _cv2_loop(imgs, bank)
    info = _auto_info(
        (64 * 3, 1, 258, 258), kt.unsqueeze(0).cpu(), opencv=(torch.float32,) * 2 if device.type == "cpu" else None
    )
    targets = [("at least 1.2x faster than the faster of the cv2.filter2D loop and F.conv2d", "*", 1.2)]
    title = "W9 Sobel x/y + Laplacian (3 x 3x3) on 64 x 3 x 256^2 float32 CPU tensors"
    return Workload("W9", title, ref, _tol(bank, imgs), ours_name, cs, targets, info)
