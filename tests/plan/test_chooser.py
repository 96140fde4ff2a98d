"""plan.chooser: the method ``auto`` picks for typical banks and the accuracy rules it obeys."""

from __future__ import annotations

import numpy as np
import torch

from filterbank import kernels, plan


def test_auto_choices() -> None:
    plan.clear_cache()
    sob = torch.from_numpy(np.stack([kernels.sobel(1, 0, 3), kernels.sobel(0, 1, 3)])).float()[None]
    gauss49 = torch.from_numpy(kernels.gaussian(49, 8.0)).float()[None, None]
    gabor = torch.from_numpy(np.stack([kernels.gabor(31, 6.0, t, 12.0, 0.6) for t in np.linspace(0, 3, 32)])).float()
    small_rand = torch.randn(1, 8, 7, 7)
    # a tiny image with small kernels: direct
    assert plan.choose((1, 1, 10, 10), sob)[0] == "direct"
    # large separable Gaussian on big images: separable
    assert plan.choose((24, 1, 560, 560), gauss49)[0] == "separable"
    # a 31x31 non-separable bank: the FFT (allowed from 130 taps in float32)
    assert plan.choose((4, 1, 286, 286), gabor[None])[0] == "fft"
    # float32 under 130 taps: never the FFT, whatever the size
    for shape in [(1, 1, 40, 40), (64, 1, 1030, 1030)]:
        method, _, p = plan.choose(shape, small_rand)
        assert method != "fft" and "fft" not in p.estimates
    # integer outputs below 130 taps: exact, only direct
    assert (
        plan.choose((24, 1, 560, 560), torch.from_numpy(kernels.gaussian(9, 2.0)).float()[None, None], exact=True)[0]
        == "direct"
    )
    # trainable kernels: only exact-gradient methods
    with torch.enable_grad():
        method, _, p = plan.choose((4, 1, 286, 286), gabor[None].clone().requires_grad_(True))
    assert set(p.estimates) == {"direct", "fft"}


def test_bench_command_help() -> None:
    from filterbank.cli import main

    assert main(["bench", "--help"]) == 0
