"""Seed the first layer of a small CNN with a Gabor bank: train it frozen, then trainable.

Task: scikit-learn's bundled digits (8x8 upsampled to 16x16, fixed 70/30 split).
The first conv (8 filters, 7x7) receives ``banks.gabor`` through :func:`filterbank.inject`
with ``mode="frozen"``; phase 1 trains the rest of the network (AdamW through
:func:`filterbank.param_groups`, weight decay included) and checks that the Gabor weights
stayed bit-identical. Phase 2 unfreezes them (:func:`filterbank.unfreeze`) and trains on;
the example reports accuracy before, between and after, and how far the filters drifted
from the Gabor seed (:func:`filterbank.analysis.drift`) and how Gabor-like they still are
(:func:`filterbank.analysis.nearest_catalog`).

    python examples/seed_cnn.py [--steps 150] [--fast] [--device cpu|cuda]

Exit status 0; 1 if the frozen weights changed in phase 1 or did not move in phase 2; 2 if CUDA is
asked for and absent.
"""

from __future__ import annotations

import argparse
import math
import sys

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from filterbank import analysis, banks, exact_fp32, inject, param_groups, unfreeze


class SmallCNN(nn.Module):
    """conv1 8@7x7 -> BN -> ReLU -> pool -> conv2 16@3x3 -> BN -> ReLU -> pool -> linear."""

    def __init__(self, n_classes: int = 10) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 7, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(8)
        self.conv2 = nn.Conv2d(8, 16, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(16)
        self.fc = nn.Linear(16 * 4 * 4, n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits for a (B, 1, 16, 16) batch."""
        x = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 2)
        x = F.max_pool2d(F.relu(self.bn2(self.conv2(x))), 2)
        return self.fc(x.flatten(1))


def load_digits_16() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Digits as standardised (N, 1, 16, 16) float32 tensors; stratified 70/30 split, random_state 0."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    d = load_digits()
    x = F.interpolate(torch.tensor(d.images, dtype=torch.float32).unsqueeze(1) / 16.0, size=(16, 16), mode="bilinear")
    y = torch.tensor(d.target)
    tr, te = train_test_split(np.arange(len(y)), test_size=0.3, stratify=d.target, random_state=0)
    mean, std = x[tr].mean(), x[tr].std()
    return (x[tr] - mean) / std, y[tr], (x[te] - mean) / std, y[te]


@torch.no_grad()
def accuracy(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    """Accuracy in eval mode."""
    model.eval()
    acc = float((model(x).argmax(1) == y).float().mean())
    model.train()
    return acc


def train(model: nn.Module, opt: torch.optim.Optimizer, x: torch.Tensor, y: torch.Tensor, steps: int, gen) -> None:
    """``steps`` minibatch steps of cross-entropy, batch 64."""
    for _ in range(steps):
        idx = torch.randint(0, len(y), (64,), generator=gen).to(y.device)
        loss = F.cross_entropy(model(x[idx]), y[idx])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()


def main(argv: list[str] | None = None) -> int:
    """Frozen phase, then trainable phase; print accuracies and drift."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=150, help="steps per phase (default 150; 30 with --fast)")
    parser.add_argument("--fast", action="store_true", help="30 steps per phase (what the tests run)")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    parser.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    if args.device == "cuda":
        if not torch.cuda.is_available():
            print("error: --device cuda asked for, but torch sees no CUDA device", file=sys.stderr)
            return 2
    steps = 30 if args.fast else args.steps
    try:
        x_tr, y_tr, x_te, y_te = (t.to(args.device) for t in load_digits_16())
    except ImportError as exc:
        print(f"error: this example needs scikit-learn ({exc}); pip install scikit-learn", file=sys.stderr)
        return 2

    with exact_fp32(args.device):  # TF32 would cost ~1e-3 relative error
        torch.manual_seed(0)
        gen = torch.Generator().manual_seed(0)
        model = SmallCNN().to(args.device)
        gabor = banks.gabor(sigmas=[1.5], orientations=4, phases=(0.0, math.pi / 2), lambdas=4.0, gamma=0.75, ksize=7)
        inject(model.conv1, gabor, mode="frozen")  # every channel injected: weight.requires_grad is False
        seed = model.conv1.weight.detach().clone()
        acc0 = accuracy(model, x_te, y_te)

        # Phase 1: the Gabor layer frozen. param_groups keeps it (and any later-unfrozen weight) out of weight decay.
        opt = torch.optim.AdamW(param_groups(model, weight_decay=1e-2, lr=3e-3))
        train(model, opt, x_tr, y_tr, steps, gen)
        acc1 = accuracy(model, x_te, y_te)
        frozen_ok = torch.equal(model.conv1.weight, seed) and not model.conv1.weight.requires_grad

        # Phase 2: unfreeze the first layer and train everything; a fresh optimiser sees the new trainable weight.
        unfreeze(model.conv1, "weight")
        opt = torch.optim.AdamW(param_groups(model, weight_decay=1e-2, lr=1e-3))
        train(model, opt, x_tr, y_tr, steps, gen)
        acc2 = accuracy(model, x_te, y_te)
        learned = model.conv1.weight.detach()
    d = analysis.drift(gabor, learned)
    cat_seed = np.mean([m.score for m in analysis.nearest_catalog(seed[:, 0])])
    cat_learned = np.mean([m.score for m in analysis.nearest_catalog(learned[:, 0])])
    moved = float(np.nanmax(d.relative_change)) > 0

    print(
        f"digits 16x16, {len(y_tr)} train / {len(y_te)} test; first layer {len(gabor)} Gabors 7x7; {steps} steps/phase"
    )
    print(f"test accuracy: at init {acc0:.4f}, after frozen phase {acc1:.4f}, after trainable phase {acc2:.4f}")
    print(f"frozen phase: Gabor weights bit-identical: {frozen_ok}")
    print(
        f"trainable phase: drift from the seed: cosine mean {np.mean(d.cosine):.4f} (min {np.min(d.cosine):.4f}), "
        f"relative L2 change mean {np.mean(d.relative_change):.4f}"
    )
    print(f"nearest-catalog score (Gabor + Gaussian-jet dictionary): seed {cat_seed:.3f}, learned {cat_learned:.3f}")
    for name, c, r in zip(d.names, d.cosine, d.relative_change, strict=True):
        print(f"  {name:22s} cos {c:.4f}  rel {r:.4f}")
    if not frozen_ok:
        print("CHECK FAILED: the frozen Gabor weights changed during phase 1")
    if not moved:
        print("CHECK FAILED: the unfrozen weights did not move during phase 2")
    return 0 if frozen_ok and moved else 1


if __name__ == "__main__":
    raise SystemExit(main())
