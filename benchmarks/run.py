"""Benchmark harness: filterbank's planner against OpenCV, kornia, SciPy and plain torch convs.

Workloads (float32, all CPU threads by default):

- W1: Sobel and Scharr x/y (four 3x3 kernels) on 16 grayscale 224x224 images;
- W2: a Gabor bank of 32 kernels 31x31 (4 scales x 8 orientations) on 4 grayscale 256x256 images;
- W3: the LM bank (48 kernels 49x49) on 2 grayscale 256x256 images;
- W4: Gaussian blur sigma 8, 49x49, on 8 RGB 512x512 images;
- W5: one training step (forward and backward) of a trainable 32-kernel 31x31 Gabor layer on 8 x 1 x 256 x 256.

Every contender runs in the same process, interleaved repetition by repetition
(after a warm-up call each), so that load from other processes spreads over all of
them; the table shows medians. Peak memory is the largest rise of the resident
set during one call after a warm-up call, sampled every 0.5 ms (numpy, OpenCV and
torch alike), measured in a fresh process per contender with glibc's mmap
threshold pinned at 1 MiB so that freed blocks leave the RSS (on CUDA: the
allocator's peak).
The error column is the maximum absolute difference from a loop of
``cv2.filter2D`` (BORDER_REFLECT_101), images in [0, 1].

Slow peers (a Python loop of ``scipy.ndimage.correlate`` on large kernels) are
timed on a subset of their calls and extrapolated; the table marks them ``~``.

Usage::

    python benchmarks/run.py                      # all workloads, CPU
    python benchmarks/run.py -w W2 -w W4 --reps 9 --json bench.json
    python benchmarks/run.py --device cuda        # CUDA events, TF32 off for parity, on for a speed column
    filterbank bench ...                          # the same
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import platform
import statistics
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
import torch
import torch.nn.functional as F

from filterbank import borders, filter2d, kernels, plan
from filterbank.images import default_image_dir, load_images

# --- inputs -------------------------------------------------------------------------------------


def _photos() -> list[np.ndarray]:
    try:
        imgs = [im for _, im in load_images(default_image_dir())]
    except Exception:  # pragma: no cover - images folder missing: synthetic inputs
        imgs = []
    if not imgs:
        rng = np.random.default_rng(0)
        imgs = [(rng.random((300, 300, 3)) * 255).astype(np.uint8) for _ in range(4)]
    return imgs


def images(n: int, size: int, color: bool) -> np.ndarray:
    """``n`` real images resized to ``size`` (float32 in [0, 1]): (n, size, size) or (n, size, size, 3)."""
    out = []
    photos = _photos()
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
    """32 Gabor kernels 31x31: 4 scales x 8 orientations (cv2.getGaborKernel conventions)."""
    ks = []
    for sigma in (2.0, 3.0, 4.5, 6.0):
        for i in range(8):
            ks.append(kernels.gabor(31, sigma, i * np.pi / 8, 2.0 * sigma, 0.5, 0.0))
    return np.stack(ks).astype(np.float64)


def lm_bank() -> tuple[np.ndarray, str]:
    """The LM bank (48 x 49 x 49): ``filterbank.banks.lm()`` when present, else built from REFERENCE section 3."""
    try:
        from filterbank import banks

        return np.asarray(banks.lm().kernels, dtype=np.float64), "filterbank.banks.lm()"
    except (ImportError, AttributeError):
        pass
    sup = 49
    h = (sup - 1) // 2
    x, y = np.meshgrid(np.arange(-h, h + 1), np.arange(h, -h - 1, -1))  # y points up

    def g1(s, t, order):
        g = np.exp(-(t**2) / (2 * s * s)) / np.sqrt(2 * np.pi * s * s)
        return g if order == 0 else (-g * t / s**2 if order == 1 else g * (t * t - s * s) / s**4)

    def norm(f):
        f = f - f.mean()
        return f / np.abs(f).sum()

    out = []
    for order in (1, 2):
        for s in np.sqrt(2.0) ** np.array([1, 2, 3]):
            for k in range(6):
                a = k * np.pi / 6
                u, v = x * np.cos(a) - y * np.sin(a), x * np.sin(a) + y * np.cos(a)
                out.append(norm(g1(3 * s, u, 0) * g1(s, v, order)))
    for s in np.sqrt(2.0) ** np.array([1, 2, 3, 4]):
        r2 = x * x + y * y
        out.append(norm(np.exp(-r2 / (2 * s * s))))
        for ss in (s, 3 * s):
            out.append(norm((r2 - 2 * ss * ss) / ss**4 * np.exp(-r2 / (2 * ss * ss))))
    return np.stack(out)[:, ::-1, ::-1].copy(), "LM-like bank built in benchmarks/run.py"


# --- measurement --------------------------------------------------------------------------------


def _pin_malloc() -> None:
    """Fix glibc's mmap threshold so big freed blocks are returned (RSS then tracks live memory)."""
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(-3, 1 << 20)  # M_MMAP_THRESHOLD
        libc.mallopt(-1, 1 << 20)  # M_TRIM_THRESHOLD
        libc.mallopt(-2, 0)  # M_TOP_PAD
        libc.malloc_trim(0)
    except OSError:  # pragma: no cover - not glibc
        pass


def _tune_malloc() -> bool:
    """Keep freed memory in glibc's heap (mmap threshold 32 MiB, no trimming) so that repeated large
    allocations do not page-fault on every call: the allocator tuning PyTorch's CPU performance guide
    recommends (there via jemalloc / tcmalloc). It applies to every contender in the process."""
    try:
        libc = ctypes.CDLL("libc.so.6")
        ok = libc.mallopt(-3, 32 << 20)  # M_MMAP_THRESHOLD (glibc's maximum)
        ok &= libc.mallopt(-1, 1 << 30)  # M_TRIM_THRESHOLD
        ok &= libc.mallopt(-2, 64 << 20)  # M_TOP_PAD
        return bool(ok)
    except OSError:  # pragma: no cover - not glibc
        return False


def _rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def peak_memory(fn: Callable[[], object], device: torch.device) -> float:
    """Peak extra memory (bytes) of one call: CUDA allocator peak, or sampled RSS rise on the CPU."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)
        torch.cuda.reset_peak_memory_stats(device)
        base = torch.cuda.memory_allocated(device)
        fn()
        torch.cuda.synchronize(device)
        return float(torch.cuda.max_memory_allocated(device) - base)
    if not Path("/proc/self/statm").exists():  # pragma: no cover
        return float("nan")
    base = _rss()
    peak = [base]
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], _rss())
            time.sleep(0.0005)

    t = threading.Thread(target=sample, daemon=True)
    t.start()
    try:
        out = fn()
        peak[0] = max(peak[0], _rss())  # the output is still alive here, whatever the sampler saw
        del out
    finally:
        stop.set()
        t.join()
    return float(peak[0] - base)


@dataclass
class Contender:
    name: str
    fn: Callable[[], object]  # the timed call
    to_numpy: Callable[[object], np.ndarray] | None = None  # output -> (B, C*N, H, W) float64 for the error
    torch_device: bool = False  # runs on the benchmark device (CUDA events there)
    scale: float = 1.0  # extrapolation factor when the timed call is a subset
    times: list[float] = field(default_factory=list)
    times_tf32: list[float] = field(default_factory=list)
    peak: float = float("nan")
    error: float = float("nan")
    note: str = ""


@dataclass
class Workload:
    key: str
    title: str
    reference: np.ndarray  # cv2 loop output (B, C*N, H, W)
    tol: float
    ours: str
    contenders: list[Contender]
    targets: list[tuple[str, str, float]]  # (text, peer name, factor): ours * factor <= peer
    info: dict[str, object] = field(default_factory=dict)


def _cv2_loop(imgs: np.ndarray, bank: np.ndarray) -> np.ndarray:
    """(B, H, W[, C]) float32 -> (B, C*N, H, W) with cv2.filter2D, BORDER_REFLECT_101."""
    ks = [k.astype(np.float32) for k in bank]
    out = []
    for im in imgs:
        chans = [im] if im.ndim == 2 else [np.ascontiguousarray(im[..., c]) for c in range(im.shape[-1])]
        out.append([cv2.filter2D(ch, -1, k, borderType=cv2.BORDER_REFLECT_101) for ch in chans for k in ks])
    return np.asarray(out)


def _tol(bank: np.ndarray, imgs: np.ndarray) -> float:
    big = bank[0].size >= 130
    return (1e-5 if big else 1e-6) * float(np.abs(bank).sum(axis=(1, 2)).max()) * max(float(np.abs(imgs).max()), 1.0)


def _chw(imgs: np.ndarray) -> np.ndarray:
    return imgs[:, None] if imgs.ndim == 3 else np.ascontiguousarray(imgs.transpose(0, 3, 1, 2))


def _t2np(y: object) -> np.ndarray:
    return y.detach().cpu().double().numpy()  # type: ignore[union-attr]


def _scipy_loop(imgs_chw: np.ndarray, bank: np.ndarray, budget_calls: int) -> tuple[Callable[[], object], float, int]:
    """A loop of scipy.ndimage.correlate (mode mirror = reflect101); timed on a subset when slow."""
    import scipy.ndimage as ndi

    jobs = [(b, c, k) for b in range(imgs_chw.shape[0]) for c in range(imgs_chw.shape[1]) for k in range(len(bank))]
    sub = jobs[:budget_calls]
    ks = bank.astype(np.float32)

    def fn() -> None:
        for b, c, k in sub:
            ndi.correlate(imgs_chw[b, c], ks[k], mode="mirror")

    return fn, len(jobs) / len(sub), len(sub)


def _kornia():
    try:
        import kornia

        return kornia
    except ImportError:
        return None


def build(key: str, device: torch.device) -> Workload:
    """Inputs, contenders and targets of one workload."""
    kn = _kornia()
    if key == "W1":
        imgs = images(16, 224, color=False)
        bank = np.stack([kernels.sobel(1, 0, 3), kernels.sobel(0, 1, 3), kernels.scharr(1, 0), kernels.scharr(0, 1)])
        title = "W1 Sobel+Scharr x/y (4 x 3x3) on 16 x gray 224^2"
        seps = [cv2.getDerivKernels(1, 0, 3), cv2.getDerivKernels(0, 1, 3)]
        seps += [cv2.getDerivKernels(1, 0, -1), cv2.getDerivKernels(0, 1, -1)]
        seps = [(kx.astype(np.float32).ravel(), ky.astype(np.float32).ravel()) for kx, ky in seps]
    elif key == "W2":
        imgs = images(4, 256, color=False)
        bank = gabor_bank()
        title = "W2 Gabor bank (32 x 31x31) on 4 x gray 256^2"
        seps = None
    elif key == "W3":
        imgs = images(2, 256, color=False)
        bank, src = lm_bank()
        title = f"W3 LM bank (48 x 49x49, {src}) on 2 x gray 256^2"
        seps = None
    elif key == "W4":
        imgs = images(8, 512, color=True)
        g = kernels.gaussian_1d(49, 8.0) if hasattr(kernels, "gaussian_1d") else cv2.getGaussianKernel(49, 8.0)
        g = np.asarray(g, dtype=np.float64).ravel()
        bank = np.outer(g, g)[None]
        title = "W4 Gaussian sigma 8 (49x49) on 8 x RGB 512^2"
        seps = [(g.astype(np.float32), g.astype(np.float32))]
    elif key == "W5":
        return _build_w5(device)
    else:
        raise SystemExit(f"unknown workload {key!r}; choose W1..W5")

    chw = _chw(imgs)
    ref = _cv2_loop(imgs, bank)
    n = len(bank)
    kh, kw = bank.shape[1:]
    x = torch.from_numpy(chw).to(device)
    kt = torch.from_numpy(bank).float().to(device)
    cs: list[Contender] = []
    ours_name = "filterbank filter2d (auto)"
    cs.append(Contender(ours_name, lambda: filter2d(x, kt, method="auto"), _t2np, True))
    cs.append(Contender("cv2.filter2D loop", lambda: _cv2_loop(imgs, bank), lambda y: y))
    if seps is not None:

        def sep_loop() -> np.ndarray:
            out = []
            for im in imgs:
                chans = [im] if im.ndim == 2 else [np.ascontiguousarray(im[..., c]) for c in range(im.shape[-1])]
                out.append(
                    [
                        cv2.sepFilter2D(ch, -1, kx, ky, borderType=cv2.BORDER_REFLECT_101)
                        for ch in chans
                        for kx, ky in seps
                    ]
                )
            return np.asarray(out)

        cs.append(Contender("cv2.sepFilter2D loop", sep_loop, lambda y: y))
    if kn is not None:
        c = chw.shape[1]

        def kornia_f2d() -> torch.Tensor:
            # kornia applies one kernel per batch item to every channel: batch = kernels, channels = images
            xb = x.reshape(1, -1, *x.shape[-2:]).expand(n, -1, -1, -1)
            return kn.filters.filter2d(xb, kt, border_type="reflect")

        def kf_np(y: object) -> np.ndarray:
            a = _t2np(y)  # (N, B*C, H, W) -> (B, C*N, H, W)
            b = a.reshape(n, -1, c, *a.shape[-2:]).transpose(1, 2, 0, 3, 4)
            return b.reshape(b.shape[0], c * n, *a.shape[-2:])

        cs.append(Contender("kornia filter2d", kornia_f2d, kf_np, True))
        if key == "W4":
            cs.append(
                Contender(
                    "kornia gaussian_blur2d",
                    lambda: kn.filters.gaussian_blur2d(x, (49, 49), (8.0, 8.0), border_type="reflect"),
                    _t2np,
                    True,
                )
            )
    pad = borders.padding_for((kh, kw))

    def plain_conv() -> torch.Tensor:
        xp = F.pad(x.reshape(-1, 1, *x.shape[-2:]), (pad[2], pad[3], pad[0], pad[1]), mode="reflect")
        y = F.conv2d(xp, kt.unsqueeze(1))
        return y.reshape(x.shape[0], -1, *y.shape[-2:])

    cs.append(Contender("torch F.conv2d (direct)", plain_conv, _t2np, True))
    # scipy: budget ~ a few hundred million multiply-adds per timed call
    per_call = imgs.shape[1] * imgs.shape[2] * kh * kw
    budget = max(1, int(3e8 // per_call))
    try:
        if key == "W4":
            import scipy.ndimage as ndi

            g32 = seps[0][0]  # type: ignore[index]

            def sp_sep() -> np.ndarray:
                return np.asarray(
                    [
                        [
                            ndi.correlate1d(ndi.correlate1d(ch, g32, 0, mode="mirror"), g32, 1, mode="mirror")
                            for ch in im
                        ]
                        for im in chw
                    ]
                )

            cs.append(Contender("scipy correlate1d x2 loop", sp_sep, lambda y: y))
        else:
            fn, scale, _ = _scipy_loop(chw, bank, budget)
            cs.append(Contender("scipy ndimage.correlate loop", fn, None, scale=scale))
    except ImportError:
        pass
    targets: list[tuple[str, str, float]] = []
    if key == "W1":
        targets = [("no slower than the cv2.filter2D loop", "cv2.filter2D loop", 1.0)]
    elif key in ("W2", "W3"):
        targets = [("at least 2x faster than the fastest peer", "*", 2.0)]
    elif key == "W4":
        targets = [
            ("no slower than cv2.sepFilter2D", "cv2.sepFilter2D loop", 1.0),
            ("at least 1.5x faster than kornia gaussian_blur2d", "kornia gaussian_blur2d", 1.5),
        ]
    xp_shape = (chw.shape[0] * chw.shape[1], 1, chw.shape[2] + kh - 1, chw.shape[3] + kw - 1)
    method, _, p = plan.choose(xp_shape, kt.unsqueeze(0).cpu())
    info = {"auto_method": method, "estimates_ms": {k: round(v * 1e3, 2) for k, v in p.estimates.items()}}
    return Workload(key, title, ref, _tol(bank, imgs), ours_name, cs, targets, info)


def _build_w5(device: torch.device) -> Workload:
    imgs = images(8, 256, color=False)
    bank = gabor_bank()
    n, kh, kw = bank.shape
    chw = _chw(imgs)
    ref = _cv2_loop(imgs, bank)
    x = torch.from_numpy(chw).to(device)
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
        xp = borders.pad(x, pad, "reflect101")
        y = plan.conv_forward(xp, w_ours, 1, "auto")
        loss = F.mse_loss(y, target)
        loss.backward()
        opt_a.step()
        return y.detach()

    def conv_step() -> torch.Tensor:
        opt_b.zero_grad(set_to_none=True)
        y = conv(x)
        loss = F.mse_loss(y, target)
        loss.backward()
        opt_b.step()
        return y.detach()

    ours_name = "filterbank conv_forward (auto) step"
    cs = [
        Contender(ours_name, ours_step, _t2np, True),
        Contender("nn.Conv2d (reflect pad) step", conv_step, _t2np, True),
    ]
    with torch.enable_grad():
        xp_shape = (8, 1, 256 + kh - 1, 256 + kw - 1)
        method, _, p = plan.choose(xp_shape, w_ours.detach().cpu().view(1, n, kh, kw).requires_grad_(True))
    info = {"auto_method": method, "estimates_ms": {k: round(v * 1e3, 2) for k, v in p.estimates.items()}}
    return Workload(
        "W5",
        "W5 training step, trainable 32 x 31x31 Gabor layer, 8 x 1 x 256^2 (forward + backward + SGD)",
        ref,
        _tol(bank, imgs),
        ours_name,
        cs,
        [("at least 1.5x faster than a plain nn.Conv2d", "nn.Conv2d (reflect pad) step", 1.5)],
        info,
    )


def _timed(fn: Callable[[], object], device: torch.device, on_device: bool) -> tuple[float, object]:
    if device.type == "cuda" and on_device:
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        out = fn()
        end.record()
        torch.cuda.synchronize(device)
        return start.elapsed_time(end) / 1e3, out
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def _set_tf32(on: bool) -> None:
    torch.backends.cudnn.allow_tf32 = on
    torch.backends.cuda.matmul.allow_tf32 = on


def run_workload(
    w: Workload, device: torch.device, reps: int, warmup: int, log: Callable[[str], None], settle: float = 0.2
) -> None:
    cuda = device.type == "cuda"
    if cuda:
        _set_tf32(False)
    for i, c in enumerate(w.contenders, 1):
        log(f"[{w.key}] warm-up + error + memory: {c.name} ({i}/{len(w.contenders)})")
        out = None
        for _ in range(max(warmup, 1)):
            _, out = _timed(c.fn, device, c.torch_device)
        if c.to_numpy is not None and out is not None:
            c.error = float(np.abs(c.to_numpy(out) - w.reference).max())
        del out
    t_start = time.perf_counter()
    for r in range(reps):
        for c in w.contenders:  # interleaved: load from other processes spreads over every contender
            time.sleep(settle)  # let the previous library's spinning worker threads go idle
            t, _ = _timed(c.fn, device, c.torch_device)
            c.times.append(t * c.scale)
        log(f"[{w.key}] repetition {r + 1}/{reps} done ({time.perf_counter() - t_start:.1f} s)")
    if cuda:
        _set_tf32(True)
        for c in w.contenders:
            if c.torch_device:
                for _ in range(reps):
                    c.times_tf32.append(_timed(c.fn, device, True)[0])
        _set_tf32(False)


def measure_memory(w: Workload, device: torch.device, log: Callable[[str], None], threads: int) -> None:
    """Peak memory of one call per contender, each in a fresh process (clean heap, pinned malloc)."""
    import subprocess

    for i, c in enumerate(w.contenders):
        log(f"[{w.key}] peak memory: {c.name}")
        cmd = [sys.executable, str(Path(__file__).resolve()), "--memory-probe", f"{w.key}:{i}"]
        cmd += ["--device", str(device), "--threads", str(threads)]
        env = dict(os.environ)
        root = str(Path(__file__).resolve().parents[1])
        env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        try:
            res = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600, check=True)
            c.peak = float(res.stdout.strip().splitlines()[-1])
        except (subprocess.SubprocessError, ValueError, IndexError) as exc:
            log(f"[{w.key}] peak memory of {c.name} failed: {exc}")


def _memory_probe(spec: str, device: torch.device) -> int:
    """Child process of :func:`measure_memory`: one warm-up call, then the peak of one call."""
    _pin_malloc()
    key, idx = spec.split(":")
    w = build(key, device)
    c = w.contenders[int(idx)]
    dev = device if c.torch_device else torch.device("cpu")
    out = c.fn()  # warm-up: caches (spectra, factors) exist, as in the timed runs
    del out
    print(max(peak_memory(c.fn, dev), peak_memory(c.fn, dev)))
    return 0


def _fmt_ms(s: float) -> str:
    ms = s * 1e3
    return f"{ms:9.1f}" if ms >= 10 else f"{ms:9.2f}"


def table(w: Workload, cuda: bool) -> tuple[str, list[dict[str, object]]]:
    ours = statistics.median(next(c for c in w.contenders if c.name == w.ours).times)
    head = f"{'contender':34s} {'median ms':>9s} {'vs ours':>8s} {'peak MB':>8s} {'max err vs cv2':>15s}"
    if cuda:
        head += f" {'ms TF32':>9s}"
    lines = [w.title, f"  tolerance {w.tol:.2g}; auto chose {w.info.get('auto_method')!r}", "  " + head]
    rows = []
    for c in w.contenders:
        med = statistics.median(c.times)
        mark = "~" if c.scale != 1.0 else " "
        err = "-" if np.isnan(c.error) else f"{c.error:.2g}"
        ratio = med / ours
        line = f"  {c.name:34s}{mark}{_fmt_ms(med)} {ratio:7.2f}x {c.peak / 2**20:8.1f} {err:>15s}"
        if cuda:
            line += f" {_fmt_ms(statistics.median(c.times_tf32)) if c.times_tf32 else '        -'}"
        lines.append(line)
        rows.append(
            {
                "contender": c.name,
                "median_s": med,
                "times_s": c.times,
                "ratio_vs_ours": ratio,
                "peak_bytes": c.peak,
                "max_abs_error_vs_cv2": None if np.isnan(c.error) else c.error,
                "extrapolated_x": c.scale,
                "median_tf32_s": statistics.median(c.times_tf32) if c.times_tf32 else None,
            }
        )
    for text, peer, factor in w.targets:
        if peer == "*":
            peers = [c for c in w.contenders if c.name != w.ours]
            best = min(peers, key=lambda c: statistics.median(c.times))
            peer_name, pt = best.name, statistics.median(best.times)
        else:
            peer_name = peer
            found = [c for c in w.contenders if c.name == peer]
            if not found:
                lines.append(f"  target: {text}: peer {peer!r} not available")
                continue
            pt = statistics.median(found[0].times)
        speedup = pt / ours
        ok = speedup >= factor
        lines.append(f"  target: {text}: {speedup:.2f}x vs {peer_name} -> {'MET' if ok else 'NOT MET'}")
        w.info.setdefault("targets", []).append(  # type: ignore[union-attr]
            {"target": text, "peer": peer_name, "speedup": speedup, "needed": factor, "met": ok}
        )
    return "\n".join(lines), rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="filterbank bench",
        description=__doc__.split("\n\n")[0],
        epilog="example: filterbank bench -w W2 -w W3 --reps 7 --json bench.json",
    )
    ap.add_argument(
        "-w",
        "--workload",
        action="append",
        choices=["W1", "W2", "W3", "W4", "W5"],
        help="workload to run; repeat (default: all)",
    )
    ap.add_argument("--reps", type=int, default=5, help="timed repetitions per contender (default 5)")
    ap.add_argument("--warmup", type=int, default=1, help="untimed calls per contender first (default 1)")
    ap.add_argument("--device", default="cpu", help="cpu (default) or cuda[:N]")
    ap.add_argument("--threads", type=int, default=None, help="torch and OpenCV threads (default: all cores)")
    ap.add_argument("--json", metavar="PATH", default=None, help="write the results as JSON")
    ap.add_argument(
        "--settle",
        type=float,
        default=0.2,
        help="seconds of idle before each timed call, so OpenCV's and torch's spinning thread pools do not "
        "steal cores from the next contender (default 0.2)",
    )
    ap.add_argument(
        "--malloc",
        choices=["tuned", "default"],
        default="tuned",
        help="tuned (default): glibc keeps freed blocks (no page faults on every large allocation, as with "
        "jemalloc/tcmalloc); default: glibc's own settings",
    )
    ap.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    ap.add_argument("--no-memory", action="store_true", help="skip the peak-memory column (saves a minute)")
    ap.add_argument("--memory-probe", metavar="KEY:INDEX", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    device = torch.device(args.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        print("filterbank bench: error: CUDA asked for but not available", file=sys.stderr)
        return 2
    threads = args.threads or os.cpu_count() or 1
    torch.set_num_threads(threads)
    cv2.setNumThreads(threads)
    if args.memory_probe:
        return _memory_probe(args.memory_probe, device)
    tuned = args.malloc == "tuned" and _tune_malloc()
    log = (lambda s: None) if args.quiet else (lambda s: print(s, file=sys.stderr, flush=True))
    cpu = "unknown CPU"
    try:
        cpu = next(
            ln.split(":", 1)[1].strip()
            for ln in Path("/proc/cpuinfo").read_text().splitlines()
            if ln.startswith("model name")
        )
    except (OSError, StopIteration):
        pass
    kn = _kornia()
    header = (
        f"machine: {cpu}, {os.cpu_count()} cores, {platform.system()}; threads {threads}; device {device}"
        + (f" ({torch.cuda.get_device_name(device)})" if device.type == "cuda" else "")
        + f"\ntorch {torch.__version__}, OpenCV {cv2.__version__}, kornia {kn.__version__ if kn else 'absent'}, "
        f"float32, {args.reps} reps (median), {args.warmup} warm-up, malloc {'tuned' if tuned else 'default'}"
    )
    print(header)
    results = {"header": header, "workloads": []}
    done = []
    for key in args.workload or ["W1", "W2", "W3", "W4", "W5"]:
        log(f"[{key}] building inputs and the OpenCV reference")
        w = build(key, device)
        run_workload(w, device, args.reps, args.warmup, log, args.settle)
        done.append(w)
    # Memory last, each contender in a fresh process: pinning glibc's mmap threshold (so the RSS
    # follows live memory) makes every large allocation a fresh mmap, which would slow timed calls.
    if not args.no_memory:
        for w in done:
            measure_memory(w, device, log, threads)
    for w in done:
        key = w.key
        text, rows = table(w, device.type == "cuda")
        print()
        print(text, flush=True)
        results["workloads"].append({"key": key, "title": w.title, "tolerance": w.tol, "info": w.info, "rows": rows})
    if args.json:
        p = Path(args.json)
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(json.dumps(results, indent=1) + "\n")
        print(f"\nwrote {p}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
