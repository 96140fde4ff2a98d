"""Seed the first conv of a small CNN with a Sobel + Gabor bank, frozen in part, and train it.

Channels 0..5 of the first conv hold fixed filters that no optimiser can move (AdamW
with weight decay included); channels 6..15 learn. Run:

    python examples/seed_first_conv.py [--steps 200]
"""

from __future__ import annotations

import argparse

import numpy as np
import torch
from torch import nn

from filterbank import FilterBank, inject


def build_bank() -> FilterBank:
    specs = [{"family": "sobel", "dx": 1, "dy": 0, "ksize": 5}, {"family": "sobel", "dx": 0, "dy": 1, "ksize": 5}]
    specs += [
        {"family": "gabor", "ksize": 5, "sigma": 1.5, "theta": t, "lambd": 4.0, "gamma": 0.6, "psi": 0.0}
        for t in (0.0, np.pi / 4, np.pi / 2, 3 * np.pi / 4)
    ]
    names = ["sobel_x", "sobel_y"] + [f"gabor_t{d:03d}" for d in (0, 45, 90, 135)]
    return FilterBank.from_specs(specs, names=names)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=200, help="training steps (default 200)")
    args = parser.parse_args(argv)
    torch.manual_seed(0)

    model = nn.Sequential(
        nn.Conv2d(3, 16, 5, padding=2),
        nn.ReLU(),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Linear(16, 2),
    )
    bank = build_bank()
    inject(model[0], bank, mode="frozen", out_channels=range(len(bank)), in_channels="mean")
    seeded = model[0].weight.detach().clone()

    # Toy task: vertical vs horizontal stripes of random phase, on RGB noise.
    def batch(n: int = 32) -> tuple[torch.Tensor, torch.Tensor]:
        y = torch.randint(0, 2, (n,))
        grid = torch.arange(24.0)
        phase = torch.rand(n, 1, 1) * 6.28
        stripes = torch.sin(grid.view(1, 1, 24) * 1.2 + phase)
        img = torch.where(y.view(n, 1, 1) == 0, stripes.expand(n, 24, 24), stripes.transpose(1, 2).expand(n, 24, 24))
        return img.unsqueeze(1).repeat(1, 3, 1, 1) + 0.3 * torch.randn(n, 3, 24, 24), y

    opt = torch.optim.AdamW(model.parameters(), lr=1e-2, weight_decay=0.05)
    for _ in range(args.steps):
        x, y = batch()
        loss = nn.functional.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    x, y = batch(256)
    acc = (model(x).argmax(1) == y).float().mean().item()
    weight = model[0].weight.detach()
    frozen_same = torch.equal(weight[: len(bank)], seeded[: len(bank)])
    moved = (weight[len(bank) :] - seeded[len(bank) :]).abs().max().item()
    print(f"accuracy {acc:.3f} after {args.steps} steps")
    print(f"seeded channels 0..{len(bank) - 1} bit-identical: {frozen_same}; free channels moved by up to {moved:.3g}")
    return 0 if frozen_same else 1


if __name__ == "__main__":
    raise SystemExit(main())
