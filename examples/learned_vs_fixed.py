"""Learned against fixed first-layer filters: one small CNN, two real tasks, six first layers, several seeds.

Tasks (both offline):

* ``digits``: scikit-learn's bundled handwritten digits (1797 images, 8x8, 10 classes),
  upsampled to 16x16 (bilinear); one fixed stratified 70/30 train/test split.
* ``patches``: 32x32 gray patches of the four photographs in ``images/`` (astronaut,
  camera, chelsea, coffee); label = the photograph. Each photograph is cut into 64x64
  blocks; a fixed quarter of the blocks is test, the rest train, and every patch lies
  inside one block, so no test pixel is ever in a training patch.

First layer (8 filters, 7x7, no bias, followed by BatchNorm), the rest identical:

  (a) random init (PyTorch default), learned     (b) Gabor bank, frozen
  (c) Gabor bank as seed, trainable             (d) parametric Gabor (sigma, theta, lambda, gamma, psi learned)
  (e) random bank (banks.random, N(0,1)), frozen (f) LM-small finest-scale filters cropped to 7x7, frozen

Same architecture, optimiser (Adam, lr 3e-3, cosine decay to 0), batch (64) and number of steps for every
condition; test accuracy evaluated every ``--eval-every`` steps. Reports accuracy,
steps to reach 95% of the best condition's mean final accuracy, drift of the learned
first layer from its seed (``analysis.drift``) and its nearest-catalog score
(``analysis.nearest_catalog``). Writes ``study_results.json``, ``images/study_accuracy.png``,
``images/study_filters.png`` under ``--out`` and prints a markdown table.

    python examples/learned_vs_fixed.py --out docs        # the full study (~5-6 min on 1 thread)
    python examples/learned_vs_fixed.py --fast --out DIR  # 1 seed, few steps (what the tests run)
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image, ImageDraw, ImageFont
from torch import nn

from filterbank import FilterBank, analysis, banks, exact_fp32, inject
from filterbank.images import load_images

ROOT = Path(__file__).resolve().parent.parent
KSIZE = 7
N_FILTERS = 8
TARGET_FRACTION = 0.95  # steps-to-target: first evaluation at >= 95% of the best condition's mean final accuracy

CONDITIONS: dict[str, str] = {
    "a": "(a) random init, learned",
    "b": "(b) Gabor, frozen",
    "c": "(c) Gabor seed, trainable",
    "d": "(d) parametric Gabor",
    "e": "(e) random bank, frozen",
    "f": "(f) LM-small 7x7, frozen",
}
FROZEN = ("b", "e", "f")
LEARNED = ("a", "c", "d")
COLOURS = {
    "a": (31, 119, 180),
    "b": (255, 127, 14),
    "c": (44, 160, 44),
    "d": (214, 39, 40),
    "e": (148, 103, 189),
    "f": (140, 86, 75),
}
# LM-small (VGG), finest scale (sigma 1 across, 3 along): 3 edges + 3 bars at 0/60/120 degrees, Gaussian, LoG.
LM_PICK = [
    "lm_edge_s1_t000",
    "lm_edge_s1_t060",
    "lm_edge_s1_t120",
    "lm_bar_s1_t000",
    "lm_bar_s1_t060",
    "lm_bar_s1_t120",
    "lm_gauss_s1",
    "lm_log_s1",
]


# ------------------------------------------------------------------------------------ banks
def gabor_bank() -> FilterBank:
    """8 Gabors at 7x7: sigma 1.5, lambda 4, gamma 0.75, 4 orientations x phases 0 and 90 degrees."""
    return banks.gabor(sigmas=[1.5], orientations=4, phases=(0.0, math.pi / 2), lambdas=4.0, gamma=0.75, ksize=KSIZE)


def lm_bank() -> tuple[FilterBank, dict[str, float]]:
    """LM-small finest-scale filters, centre-cropped from 49x49 to 7x7; returns the bank and the L1 lost per filter."""
    full = banks.lm("small")[LM_PICK]
    lost = dict(zip(full.names, (float(x) for x in full.crop_loss(KSIZE)), strict=True))
    return full.resize(KSIZE, crop=True), lost


# ------------------------------------------------------------------------------------ data
@dataclass
class Task:
    name: str
    x_train: torch.Tensor
    y_train: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor
    n_classes: int
    description: str

    def to(self, device: str) -> Task:
        """The same task with its tensors on ``device``."""
        for name in ("x_train", "y_train", "x_test", "y_test"):
            setattr(self, name, getattr(self, name).to(device))
        return self


def _standardise(x_train: torch.Tensor, x_test: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    mean, std = x_train.mean(), x_train.std()
    return (x_train - mean) / std, (x_test - mean) / std


def digits_task() -> Task:
    """scikit-learn digits, upsampled to 16x16, stratified 70/30 split (random_state 0)."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    d = load_digits()
    x = torch.tensor(d.images, dtype=torch.float32).unsqueeze(1) / 16.0
    x = F.interpolate(x, size=(16, 16), mode="bilinear", align_corners=False)
    y = torch.tensor(d.target, dtype=torch.long)
    idx = np.arange(len(y))
    tr, te = train_test_split(idx, test_size=0.3, stratify=d.target, random_state=0)
    xtr, xte = _standardise(x[tr], x[te])
    return Task("digits", xtr, y[tr], xte, y[te], 10, "sklearn digits, 8x8 -> 16x16 bilinear, 1257 train / 540 test")


PHOTOS = ("astronaut", "camera", "chelsea", "coffee")
BLOCK = 64
PATCH = 32


def _is_test_block(bi: int, bj: int) -> bool:
    return (bi + bj) % 4 == 1  # a quarter of the blocks, spread over each photograph


def patch_task(n_train: int, n_test: int, seed: int = 0) -> Task:
    """Which photograph is a 32x32 gray patch from; train and test patches come from disjoint 64x64 blocks."""
    rng = np.random.default_rng(seed)
    images = dict(load_images())
    xs: dict[str, list[np.ndarray]] = {"train": [], "test": []}
    ys: dict[str, list[int]] = {"train": [], "test": []}
    for label, name in enumerate(PHOTOS):
        img = images[name]
        gray = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY) if img.ndim == 3 else img  # gray: colour would give it away
        blocks = {"train": [], "test": []}
        for bi in range(gray.shape[0] // BLOCK):
            for bj in range(gray.shape[1] // BLOCK):
                blocks["test" if _is_test_block(bi, bj) else "train"].append((bi, bj))
        for split, count in (("train", n_train), ("test", n_test)):
            chosen = rng.integers(0, len(blocks[split]), size=count)
            offsets = rng.integers(0, BLOCK - PATCH + 1, size=(count, 2))
            for b, (dr, dc) in zip(chosen, offsets, strict=True):
                bi, bj = blocks[split][b]
                r, c = bi * BLOCK + dr, bj * BLOCK + dc
                xs[split].append(gray[r : r + PATCH, c : c + PATCH])
                ys[split].append(label)
    xtr = torch.tensor(np.stack(xs["train"]), dtype=torch.float32).unsqueeze(1) / 255.0
    xte = torch.tensor(np.stack(xs["test"]), dtype=torch.float32).unsqueeze(1) / 255.0
    xtr, xte = _standardise(xtr, xte)
    desc = (
        f"32x32 gray patches of {', '.join(PHOTOS)}; label = photograph; {n_train} train / {n_test} test per "
        "photograph from disjoint 64x64 blocks (1/4 of the blocks are test)"
    )
    return Task("patches", xtr, torch.tensor(ys["train"]), xte, torch.tensor(ys["test"]), len(PHOTOS), desc)


# ------------------------------------------------------------------------------------ model
class SmallCNN(nn.Module):
    """conv1 8@7x7 -> BN -> ReLU -> maxpool2 -> conv2 16@3x3 -> BN -> ReLU -> maxpool2 -> avgpool 4x4 -> linear."""

    def __init__(self, n_classes: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, N_FILTERS, KSIZE, padding=KSIZE // 2, bias=False)
        self.bn1 = nn.BatchNorm2d(N_FILTERS)
        self.conv2 = nn.Conv2d(N_FILTERS, 16, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(16)
        self.pool = nn.AdaptiveAvgPool2d(4)
        self.fc = nn.Linear(16 * 16, n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits for a (B, 1, H, W) batch."""
        x = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 2)
        x = F.max_pool2d(F.relu(self.bn2(self.conv2(x))), 2)
        return self.fc(self.pool(x).flatten(1))


def build(condition: str, n_classes: int, seed: int, gabor: FilterBank, lm: FilterBank) -> SmallCNN:
    """The model with its first layer set up for ``condition``; the seed fixes every initial weight."""
    torch.manual_seed(seed)
    model = SmallCNN(n_classes)
    if condition == "b":
        inject(model.conv1, gabor, mode="frozen")
    elif condition == "c":
        inject(model.conv1, gabor, mode="trainable")
    elif condition == "d":
        inject(model.conv1, gabor, mode="parametric")
    elif condition == "e":
        inject(model.conv1, banks.random(N_FILTERS, KSIZE, seed=seed, kind="normal"), mode="frozen")
    elif condition == "f":
        inject(model.conv1, lm, mode="frozen")
    return model


@torch.no_grad()
def accuracy(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    """Test accuracy in eval mode (BatchNorm running statistics)."""
    model.eval()
    correct = sum(int((model(x[i : i + 512]).argmax(1) == y[i : i + 512]).sum()) for i in range(0, len(y), 512))
    model.train()
    return correct / len(y)


def _rounded(w: torch.Tensor) -> list:
    """A weight as nested lists, 6 significant digits (keeps the results file small)."""
    return np.vectorize(lambda v: float(f"{v:.6g}"))(w.cpu().double().numpy()).tolist()


def first_layer(model: SmallCNN) -> torch.Tensor:
    """The first conv's current weight (N, 1, kh, kw), generated for a parametric layer."""
    return model.conv1.weight.detach().clone()


def run_one(task: Task, condition: str, seed: int, steps: int, eval_every: int, banks_: dict) -> dict:
    """Train one model; return its curve, final accuracy, first-layer drift and catalog scores."""
    t0 = time.perf_counter()
    model = build(condition, task.n_classes, seed, banks_["gabor"], banks_["lm"]).to(task.x_train.device)
    w0 = first_layer(model)
    opt = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=3e-3)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=steps)
    gen = torch.Generator().manual_seed(10_000 + seed)
    n = len(task.y_train)
    perm, pos = torch.randperm(n, generator=gen), 0
    curve = [(0, accuracy(model, task.x_test, task.y_test))]
    for step in range(1, steps + 1):
        if pos + 64 > n:
            perm, pos = torch.randperm(n, generator=gen), 0
        idx = perm[pos : pos + 64].to(task.x_train.device)
        pos += 64
        loss = F.cross_entropy(model(task.x_train[idx]), task.y_train[idx])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        if step % eval_every == 0 or step == steps:
            curve.append((step, accuracy(model, task.x_test, task.y_test)))
    w1 = first_layer(model)
    d = analysis.drift(w0, w1)
    cat0 = [m.score for m in analysis.nearest_catalog(w0[:, 0])]
    cat1 = analysis.nearest_catalog(w1[:, 0])
    out = {
        "seed": seed,
        "final_accuracy": curve[-1][1],
        "curve": curve,
        "frozen_identical": bool(torch.equal(w0, w1)),
        "drift_cosine": [float(c) for c in d.cosine],
        "drift_relative_change": [float(r) for r in d.relative_change],
        "catalog_score_init": [float(s) for s in cat0],
        "catalog_score_final": [float(m.score) for m in cat1],
        "catalog_match_final": [m.name for m in cat1],
        "seconds": time.perf_counter() - t0,
    }
    if condition in LEARNED:  # frozen layers, and the Gabor seeds of (c) and (d), are regenerable from the config
        out["final_weight"] = _rounded(w1[:, 0])
        if condition == "a":
            out["initial_weight"] = _rounded(w0[:, 0])
    if condition == "d":
        gen_params = {
            k.rsplit(".", 1)[-1]: v.detach().tolist() for k, v in model.conv1.named_parameters() if "generator" in k
        }
        out["parametric_final"] = gen_params
    return out


# ------------------------------------------------------------------------------------ summary
def _mean_std(values: list[float]) -> tuple[float, float]:
    a = np.asarray(values, dtype=np.float64)
    return float(a.mean()), float(a.std(ddof=1)) if len(a) > 1 else 0.0


def steps_to(curve: list[tuple[int, float]], target: float) -> int | None:
    """The first evaluated step with accuracy >= target (None: never reached)."""
    return next((s for s, acc in curve if acc >= target), None)


def summarise(results: dict) -> dict:
    """Per task and condition: accuracy mean/std, steps to target, drift and catalog scores (means over seeds)."""
    summary = {}
    for task, per_cond in results.items():
        finals = {c: _mean_std([r["final_accuracy"] for r in runs])[0] for c, runs in per_cond.items()}
        target = TARGET_FRACTION * max(finals.values())
        rows = {}
        for c, runs in per_cond.items():
            acc_m, acc_s = _mean_std([r["final_accuracy"] for r in runs])
            reach = [steps_to(r["curve"], target) for r in runs]
            hit = [s for s in reach if s is not None]
            rows[c] = {
                "accuracy_mean": acc_m,
                "accuracy_std": acc_s,
                "steps_to_target": reach,
                "steps_to_target_mean": float(np.mean(hit)) if hit else None,
                "reached": f"{len(hit)}/{len(reach)}",
                "drift_cosine_mean": float(np.mean([np.mean(r["drift_cosine"]) for r in runs])),
                "drift_relative_change_mean": float(np.mean([np.mean(r["drift_relative_change"]) for r in runs])),
                "catalog_score_init_mean": float(np.mean([np.mean(r["catalog_score_init"]) for r in runs])),
                "catalog_score_final_mean": float(np.mean([np.mean(r["catalog_score_final"]) for r in runs])),
                "frozen_identical": all(r["frozen_identical"] for r in runs),
                "seconds_mean": float(np.mean([r["seconds"] for r in runs])),
            }
        summary[task] = {"target_accuracy": target, "conditions": rows}
    return summary


def markdown_table(summary: dict, n_seeds: int) -> str:
    """The study table, one row per task and condition."""
    lines = [
        "| task | first layer | test accuracy (mean ± std) | steps to target (mean, reached) "
        "| drift cos / rel. change | catalog score init → final |",
        "|---|---|---|---|---|---|",
    ]
    for task, s in summary.items():
        for c, row in s["conditions"].items():
            st = row["steps_to_target_mean"]
            st_txt = f"{st:.0f} ({row['reached']})" if st is not None else f"not reached (0/{n_seeds})"
            if c in FROZEN:
                drift_txt = "frozen (bit-identical)" if row["frozen_identical"] else "FROZEN WEIGHTS CHANGED"
            else:
                drift_txt = f"{row['drift_cosine_mean']:.3f} / {row['drift_relative_change_mean']:.3f}"
            lines.append(
                f"| {task} (target {s['target_accuracy']:.3f}) | {CONDITIONS[c]} "
                f"| {row['accuracy_mean']:.4f} ± {row['accuracy_std']:.4f} | {st_txt} | {drift_txt} "
                f"| {row['catalog_score_init_mean']:.3f} → {row['catalog_score_final_mean']:.3f} |"
            )
    return "\n".join(lines)


# ------------------------------------------------------------------------------------ pictures
def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow < 10.1: fixed bitmap font
        return ImageFont.load_default()


def _panel(draw: ImageDraw.ImageDraw, box: tuple[int, int, int, int], task: str, per_cond: dict, target: float):
    """Mean test accuracy against steps, one curve per condition, inside ``box`` (left, top, right, bottom)."""
    font, small = _font(15), _font(12)
    left, top, right, bottom = box
    x0, y0, x1, y1 = left + 56, top + 30, right - 12, bottom - 44
    # x: log scale from the first evaluation after step 0 (step 0 is chance for every condition)
    steps = [s for s, _ in next(iter(per_cond.values()))[0]["curve"]][1:]
    means = {
        c: [float(np.mean([r["curve"][i + 1][1] for r in runs])) for i in range(len(steps))]
        for c, runs in per_cond.items()
    }
    smin, smax = steps[0], steps[-1]
    lo = max(0.0, math.floor(min(min(m) for m in means.values()) * 10 - 1e-9) / 10)
    hi = min(1.0, math.ceil(max(max(m) for m in means.values()) * 10 + 1e-9) / 10)
    ystep = 0.1 if hi - lo <= 0.6 + 1e-9 else 0.2
    span = math.log(smax / smin) if smax > smin else 1.0

    def px(s: float, a: float) -> tuple[float, float]:
        return x0 + (x1 - x0) * math.log(s / smin) / span, y1 - (y1 - y0) * (a - lo) / (hi - lo)

    title = f"{task}: test accuracy, mean of {len(next(iter(per_cond.values())))} seed(s)"
    draw.text(((left + right) / 2, top + 4), title, fill=(0, 0, 0), font=font, anchor="mt")
    a = lo
    while a <= hi + 1e-9:  # y grid and ticks
        _, y = px(smin, a)
        draw.line((x0, y, x1, y), fill=(225, 225, 225))
        draw.text((x0 - 6, y), f"{a:.1f}", fill=(0, 0, 0), font=small, anchor="rm")
        a += ystep
    ticks = sorted({smin, smax} | {m * 10**e for e in range(6) for m in (1, 2, 5) if smin < m * 10**e < smax})
    for t in ticks:  # x ticks (1-2-5 on a log axis), skipping ones that would collide with smax's label
        if t != smax and px(smax, lo)[0] - px(t, lo)[0] < 24:
            continue
        x, _ = px(t, lo)
        draw.line((x, y0, x, y1), fill=(235, 235, 235))
        draw.line((x, y1, x, y1 + 4), fill=(0, 0, 0))
        draw.text((x, y1 + 6), f"{t}", fill=(0, 0, 0), font=small, anchor="mt")
    _, yt = px(smin, target)
    for xs in range(int(x0), int(x1), 8):  # dashed target line
        draw.line((xs, yt, min(xs + 4, x1), yt), fill=(90, 90, 90))
    draw.text((x0 + 6, yt - 3), f"target {target:.3f}", fill=(90, 90, 90), font=small, anchor="lb")
    draw.rectangle((x0, y0, x1, y1), outline=(0, 0, 0))
    draw.text(((x0 + x1) / 2, y1 + 22), "training steps (batch 64, log scale)", fill=(0, 0, 0), font=small, anchor="mt")
    for c, m in means.items():
        draw.line([px(st, acc) for st, acc in zip(steps, m, strict=True)], fill=COLOURS[c], width=2, joint="curve")


def accuracy_plot(results: dict, summary: dict, path: Path) -> None:
    """docs/images/study_accuracy.png: one panel per task, drawn with Pillow."""
    w, h, legend_h = 560, 400, 56
    canvas = Image.new("RGB", (w * len(results), h + legend_h), (255, 255, 255))
    draw = ImageDraw.Draw(canvas)
    for i, (task, per_cond) in enumerate(results.items()):
        _panel(draw, (i * w, 0, (i + 1) * w, h), task, per_cond, summary[task]["target_accuracy"])
    conds = list(next(iter(results.values())))
    font, cols = _font(13), 3
    col_w = canvas.width // cols
    for i, c in enumerate(conds):  # one legend for both panels, under them
        x, y = 40 + (i % cols) * col_w, h + 10 + 22 * (i // cols)
        draw.line((x, y + 7, x + 26, y + 7), fill=COLOURS[c], width=3)
        draw.text((x + 34, y + 7), CONDITIONS[c], fill=(0, 0, 0), font=font, anchor="lm")
    canvas.save(path)


def filters_figure(results: dict, gabor: FilterBank, path: Path) -> None:
    """docs/images/study_filters.png: analysis.comparison_figure of condition (c), seed of the first run, per task."""
    figs = []
    for task, per_cond in results.items():
        run = per_cond["c"][0]
        fig = analysis.comparison_figure(gabor, np.asarray(run["final_weight"]), cell=56)
        figs.append((f"{task}, (c) seed {run['seed']}", fig))
    font = _font(14)
    gap, head = 16, 24
    width = sum(f.width for _, f in figs) + gap * (len(figs) + 1)
    height = max(f.height for _, f in figs) + head + gap
    canvas = Image.new("RGB", (width, height), (255, 255, 255))
    draw = ImageDraw.Draw(canvas)
    x = gap
    for title, f in figs:
        draw.text((x, 6), title, fill=(0, 0, 0), font=font)
        canvas.paste(f, (x, head))
        x += f.width + gap
    canvas.save(path)


# ------------------------------------------------------------------------------------ main
def _json_safe(obj):
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {k: _json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_json_safe(v) for v in obj]
    return obj


def results_json(record: dict) -> str:
    """JSON text: everything indented except ``runs``, a list with one line per run."""
    runs = record.pop("runs")
    head = json.dumps(record, indent=1)
    lines = [
        json.dumps({"task": task, "condition": c, **r}, separators=(",", ":"))
        for task, per_cond in runs.items()
        for c, rs in per_cond.items()
        for r in rs
    ]
    record["runs"] = runs
    return head[:-2] + ',\n "runs": [\n' + ",\n".join(lines) + "\n ]\n}\n"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fast", action="store_true", help="1 seed, 40 steps, small data (what the tests run)")
    parser.add_argument(
        "--out",
        default=None,
        help="output folder (default: docs/ for the full run, a temp folder with --fast; --fast refuses docs/)",
    )
    parser.add_argument("--seeds", type=int, default=None, help="number of seeds (default 3; 1 with --fast)")
    parser.add_argument("--steps", type=int, default=None, help="training steps per run (default 400; 40 with --fast)")
    parser.add_argument("--eval-every", type=int, default=None, help="evaluate every N steps (default 10)")
    parser.add_argument("--tasks", default="digits,patches", help="comma-separated tasks (default digits,patches)")
    parser.add_argument(
        "--conditions",
        default=",".join(CONDITIONS),
        help="comma-separated conditions among a,b,c,d,e,f (default all)",
    )
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    parser.add_argument("--device", choices=["cpu", "cuda"], default="cpu", help="default cpu (the study's timings)")
    return parser


@dataclass
class Config:
    """The study's settings after defaults and checks."""

    fast: bool
    out: Path
    seeds: int
    steps: int
    eval_every: int
    tasks: list[str]
    conds: list[str]
    device: str


def _names(text: str) -> list[str]:
    """The non-empty entries of a comma-separated option."""
    return [t.strip() for t in text.split(",") if t.strip()]


def _config(args: argparse.Namespace) -> Config | str:
    """The settings, or the error message for a bad command line."""
    if args.device == "cuda" and not torch.cuda.is_available():
        return "--device cuda asked for, but torch sees no CUDA device"
    out = Path(args.out) if args.out else (Path(tempfile.mkdtemp(prefix="study-")) if args.fast else ROOT / "docs")
    if args.fast and out.resolve() == (ROOT / "docs").resolve():
        return "--fast must not write to docs/; pass another --out"
    wanted = _names(args.tasks)
    if not wanted or any(t not in ("digits", "patches") for t in wanted):
        return f"--tasks must list digits and/or patches; got {args.tasks!r}"
    conds = _names(args.conditions)
    if not conds or any(c not in CONDITIONS for c in conds):
        return f"--conditions must list some of {','.join(CONDITIONS)}; got {args.conditions!r}"
    return Config(
        fast=args.fast,
        out=out,
        seeds=args.seeds or (1 if args.fast else 3),
        steps=args.steps or (40 if args.fast else 400),
        eval_every=args.eval_every or 10,
        tasks=wanted,
        conds=conds,
        device=args.device,
    )


def _tasks(cfg: Config) -> list[Task]:
    makers = {"digits": digits_task, "patches": lambda: patch_task(*((64, 32) if cfg.fast else (600, 200)))}
    return [makers[t]().to(cfg.device) for t in cfg.tasks]


def run_all(cfg: Config, tasks: list[Task], banks_: dict) -> dict[str, dict[str, list[dict]]]:
    """Every (task, condition, seed) run, printing one line per run."""
    results: dict[str, dict[str, list[dict]]] = {}
    for task in tasks:
        results[task.name] = {}
        for c in cfg.conds:
            runs = []
            for seed in range(cfg.seeds):
                with exact_fp32(cfg.device):  # TF32 would cost ~1e-3 relative error
                    r = run_one(task, c, seed, cfg.steps, cfg.eval_every, banks_)
                runs.append(r)
                print(
                    f"{task.name:8s} {CONDITIONS[c]:28s} seed {seed}: acc {r['final_accuracy']:.4f} "
                    f"({r['seconds']:.1f} s)",
                    flush=True,
                )
            results[task.name][c] = runs
    return results


def study_record(cfg: Config, tasks: list[Task], banks_: dict, lm_lost: dict, results: dict, total: float) -> dict:
    """What study_results.json holds: the configuration, the tasks, the summary and every run."""
    return {
        "config": {
            "fast": cfg.fast,
            "seeds": cfg.seeds,
            "steps": cfg.steps,
            "eval_every": cfg.eval_every,
            "batch": 64,
            "optimizer": "Adam lr 3e-3 with cosine decay to 0 over the run, no weight decay",
            "first_layer": f"{N_FILTERS} filters {KSIZE}x{KSIZE}, no bias, then BatchNorm",
            "target": f"{TARGET_FRACTION} x best condition's mean final test accuracy, per task",
            "torch": torch.__version__,
            "torch_threads": torch.get_num_threads(),
            "device": cfg.device,
            "total_seconds": total,
            "gabor_bank": banks_["gabor"].specs,
            "lm_bank": {"names": LM_PICK, "source": "banks.lm('small') cropped 49x49 -> 7x7", "l1_lost": lm_lost},
        },
        "conditions": CONDITIONS,
        "tasks": {
            t.name: {"description": t.description, "train": len(t.y_train), "test": len(t.y_test)} for t in tasks
        },
        "summary": summarise(results),
        "runs": results,
    }


def failed_checks(tasks: list[Task], summary: dict, fast: bool) -> list[str]:
    """Frozen first layers that moved, and models not above chance (by 0.1 in a full run)."""
    failures = []
    for task in tasks:
        chance = 1.0 / task.n_classes
        for c, row in summary[task.name]["conditions"].items():
            if c in FROZEN and not row["frozen_identical"]:
                failures.append(f"{task.name} {c}: frozen first layer changed")
            if not row["accuracy_mean"] > chance + (0.0 if fast else 0.1):
                failures.append(f"{task.name} {c}: accuracy {row['accuracy_mean']:.3f} not above chance {chance:.3f}")
    return failures


def main(argv: list[str] | None = None) -> int:
    """Run the study; exit 1 if a frozen layer moved or a model stayed at chance."""
    args = _parser().parse_args(argv)
    torch.set_num_threads(args.threads)
    cfg = _config(args)
    if isinstance(cfg, str):
        print(f"error: {cfg}", file=sys.stderr)
        return 2
    try:
        tasks = _tasks(cfg)
    except ImportError as exc:
        print(f"error: this study needs scikit-learn ({exc}); pip install scikit-learn", file=sys.stderr)
        return 2
    lm, lm_lost = lm_bank()
    banks_ = {"gabor": gabor_bank(), "lm": lm}

    t_start = time.perf_counter()
    results = run_all(cfg, tasks, banks_)
    total = time.perf_counter() - t_start
    record = study_record(cfg, tasks, banks_, lm_lost, results, total)
    summary = record["summary"]

    out = cfg.out
    out.mkdir(parents=True, exist_ok=True)
    (out / "images").mkdir(exist_ok=True)
    accuracy_plot(results, summary, out / "images" / "study_accuracy.png")
    if "c" in cfg.conds:
        filters_figure(results, banks_["gabor"], out / "images" / "study_filters.png")
    (out / "study_results.json").write_text(results_json(_json_safe(record)))
    print()
    print(markdown_table(summary, cfg.seeds))
    print(
        f"\n{len(tasks) * len(cfg.conds) * cfg.seeds} runs in {total:.0f} s on {torch.get_num_threads()} thread(s); "
        f"wrote {out / 'study_results.json'}, {out / 'images'}/study_accuracy.png, study_filters.png"
    )
    failures = failed_checks(tasks, summary, cfg.fast)
    for f in failures:
        print("CHECK FAILED:", f)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
