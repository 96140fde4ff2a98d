"""plan.factors: SVD factorisations within the accuracy budget."""

from __future__ import annotations

import numpy as np
import torch

from filterbank import kernels, plan


def test_lowrank_basis_is_truncated_for_a_steerable_bank() -> None:
    """First-derivative-of-Gaussian at 4 angles is steerable: a basis of 2 rows... up to the tolerance."""
    bank = torch.from_numpy(
        np.stack([kernels.gaussian_derivative(15, 2.0, 1, 0, theta=t) for t in np.linspace(0, np.pi, 6)])
    )[None]
    f = plan._factors(bank, "lowrank", 1e-6)
    assert f is not None and f.V.shape[0] < 15
