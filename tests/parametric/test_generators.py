"""filterbank.parametric.generators: the torch generators against the numpy catalog, batching, error messages.

References: the numpy catalog (``filterbank.kernels``, itself tested against OpenCV and SciPy); never the code
under test.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from filterbank import (
    DTypeError,
    ParameterError,
    kernels,
    parametric,
)

F64 = torch.float64


def _close(got: torch.Tensor, ref: np.ndarray, atol: float = 1e-12) -> None:
    np.testing.assert_allclose(got.detach().cpu().double().numpy(), ref, rtol=0, atol=atol)


@pytest.mark.parametrize(
    "ksize, sigma, theta, lambd, gamma, psi",
    [((9, 13), 2.1, 0.7, 5.3, 0.6, 0.4), (5, 1.0, -2.0, 2.5, 1.8, math.pi / 2), ((11, 3), 3.0, 3.5, 9.0, 1.0, -1.0)],
)
def test_gabor_equals_catalog(ksize, sigma, theta, lambd, gamma, psi) -> None:
    got = parametric.gabor(ksize, sigma, theta, lambd, gamma, psi, dtype=F64)
    _close(got, kernels.gabor(ksize, sigma, theta, lambd, gamma, psi))


@pytest.mark.parametrize(
    "ksize, sigma, sigma_y", [((4, 7), 1.3, 0.8), ((6, 5), 1.3, None), (11, 2.2, 0.5), (1, 1.0, None)]
)
def test_gaussian_equals_catalog(ksize, sigma, sigma_y) -> None:
    _close(parametric.gaussian(ksize, sigma, sigma_y, dtype=F64), kernels.gaussian(ksize, sigma, sigma_y))


@pytest.mark.parametrize("dx, dy", [(0, 0), (1, 0), (0, 1), (2, 1), (3, 2), (6, 0)])
@pytest.mark.parametrize("theta, sigma_y", [(0.0, None), (0.5, 2.0), (-1.2, 0.7)])
def test_gaussian_derivative_equals_catalog(dx, dy, theta, sigma_y) -> None:
    got = parametric.gaussian_derivative((9, 11), 1.4, dx, dy, sigma_y=sigma_y, theta=theta, dtype=F64)
    _close(got, kernels.gaussian_derivative((9, 11), 1.4, dx, dy, sigma_y=sigma_y, theta=theta))


def test_log_and_dog_equal_catalog() -> None:
    _close(parametric.log(9, 1.2, dtype=F64), kernels.log(9, 1.2))
    _close(parametric.log((7, 11), 0.6, dtype=F64), kernels.log((7, 11), 0.6))
    _close(parametric.dog(9, 1.0, 1.7, dtype=F64), kernels.dog(9, 1.0, 1.7))
    # the catalog's ksize=None rule: each Gaussian on its own SciPy radius
    _close(parametric.dog(17, 1.0, 2.0, inner=9, dtype=F64), kernels.dog(None, 1.0, 2.0))


def test_batched_parameters_give_one_kernel_each() -> None:
    sig = torch.tensor([1.5, 2.0, 2.5], dtype=F64)
    th = torch.tensor([0.0, 0.4, 0.8], dtype=F64)
    got = parametric.gabor(7, sig, th, 4.0, dtype=F64)
    assert got.shape == (3, 7, 7)
    for i in range(3):
        _close(got[i], kernels.gabor(7, float(sig[i]), float(th[i]), 4.0))


def test_generator_errors() -> None:
    with pytest.raises(ParameterError, match=r"`sigma` must be > 0; got -1.0"):
        parametric.gabor(7, -1.0, 0.0, 4.0)
    with pytest.raises(ParameterError, match=r"`lambd` must be > 0; got 0.0"):
        parametric.gabor(7, 1.0, 0.0, 0.0)
    with pytest.raises(ParameterError, match=r"`ksize` must be given to a torch generator.*got None"):
        parametric.log(None, 1.0)
    with pytest.raises(ParameterError, match=r"`ksize` must be odd"):
        parametric.log(4, 1.0)
    with pytest.raises(ParameterError, match=r"`dx` must be in \[0, 6\]; got 7"):
        parametric.gaussian_derivative(5, 1.0, 7, 0)
    with pytest.raises(ParameterError, match=r"`sigma_low` must be < `sigma_high`"):
        parametric.dog(7, 2.0, 1.0)
    with pytest.raises(DTypeError, match=r"`sigma` must be a scalar or a 1-D tensor"):
        parametric.log(5, torch.ones(2, 2))
