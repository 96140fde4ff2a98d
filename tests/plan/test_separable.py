"""plan.separable: shifted multiply-adds and Toeplitz GEMM passes give the same values as the direct sum."""

from __future__ import annotations

import numpy as np
import torch

from filterbank import kernels, plan


def test_shifted_passes_equal_gemm_passes() -> None:
    """Short factors run as shifted multiply-adds without autograd, as Toeplitz GEMMs with it: same values."""
    x = torch.rand(3, 2, 30, 33, dtype=torch.float64)
    k = torch.from_numpy(np.stack([kernels.sobel(1, 0, 5), kernels.gaussian(5, 1.1)]))[None].expand(2, 2, 5, 5)
    for method in ("separable", "lowrank"):
        _, f, _ = plan.choose(tuple(x.shape), k, method=method)
        a = plan._factored_shifts(x, f)
        with torch.enable_grad():
            b = plan._factored(x.clone().requires_grad_(True), k, f).detach()
        assert torch.allclose(a, b, rtol=0, atol=1e-12)
        assert torch.allclose(a, plan._direct(x, k), rtol=0, atol=1e-12)
