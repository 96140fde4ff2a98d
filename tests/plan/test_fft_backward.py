"""plan.fft under autograd: one hand-written node whose gradients pass gradcheck and equal the direct method's."""

from __future__ import annotations

import pytest
import torch

from filterbank import plan
from filterbank.plan import fft as plan_fft

# (M, C, Hp, Wp, G, N, kh, kw): odd / even / non-square kernels, G = 1 and G = C, M > 1
SHAPES = [
    (2, 1, 7, 8, 1, 2, 3, 4),
    (3, 2, 9, 10, 2, 3, 4, 4),
    (2, 3, 8, 9, 1, 2, 3, 3),
    (1, 2, 6, 9, 2, 2, 5, 2),
    (2, 2, 8, 8, 2, 1, 1, 6),
]


@pytest.mark.parametrize("shape", SHAPES, ids=[str(s) for s in SHAPES])
def test_gradcheck(shape) -> None:
    m, c, hp, wp, g, n, kh, kw = shape
    torch.manual_seed(sum(shape))
    x = torch.rand(m, c, hp, wp, dtype=torch.float64, requires_grad=True)
    k = torch.randn(g, n, kh, kw, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda a, b: plan.correlate(a, b, method="fft"), (x, k))
    # only one of the two trainable (the other's gradient is not computed)
    assert torch.autograd.gradcheck(lambda a: plan.correlate(a, k.detach(), method="fft"), (x,))
    assert torch.autograd.gradcheck(lambda b: plan.correlate(x.detach(), b, method="fft"), (k,))


def test_gradcheck_tiled(monkeypatch) -> None:
    """The forward may be tiled; the backward is the same function of the inputs."""
    monkeypatch.setattr(plan_fft, "_FFT_TILE", 8)
    monkeypatch.setattr(plan_fft, "_FFT_TILE_FROM", 0)
    th, tw = plan_fft.fft_tiles(16, 18, 3, 4)
    assert th < plan.fft_size(16) and tw < plan.fft_size(18)
    torch.manual_seed(1)
    x = torch.rand(2, 1, 16, 18, dtype=torch.float64, requires_grad=True)
    k = torch.randn(1, 2, 3, 4, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda a, b: plan.correlate(a, b, method="fft"), (x, k))


def _grads(method: str, x: torch.Tensor, k: torch.Tensor, dy: torch.Tensor) -> tuple[torch.Tensor, ...]:
    xg, kg = x.clone().requires_grad_(True), k.clone().requires_grad_(True)
    y = plan.correlate(xg, kg, method=method)
    y.backward(dy)
    assert xg.grad is not None and kg.grad is not None
    return y.detach(), xg.grad, kg.grad


@pytest.mark.parametrize("tiled", [False, True])
@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
@pytest.mark.parametrize("groups", [1, 3])
def test_gradients_equal_direct(monkeypatch, dtype, groups, tiled) -> None:
    if tiled:  # tiles of 36 (4 kernel lengths) on the 45 x 52 planes: 2 x 2 tiles, forward and backward
        monkeypatch.setattr(plan_fft, "_FFT_TILE", 16)
        monkeypatch.setattr(plan_fft, "_FFT_TILE_FROM", 0)
        th, tw = plan_fft.fft_tiles(45, 52, 9, 8)
        assert th < plan.fft_size(45) and tw < plan.fft_size(52)
    torch.manual_seed(groups)
    x = torch.rand(4, 3, 45, 52, dtype=dtype)
    k = torch.randn(groups, 5, 9, 8, dtype=dtype)
    dy = torch.randn(4, 3 * 5, 45 - 9 + 1, 52 - 8 + 1, dtype=dtype)
    y_f, dx_f, dk_f = _grads("fft", x, k, dy)
    y_d, dx_d, dk_d = _grads("direct", x, k, dy)
    # the FFT rule of tests/conftest.py::tolerance, on each sum's scale: sum |k| * max |dy| for dx
    # (a full convolution of dy with the kernels), sum over the summed terms' magnitudes for dk
    rel = 1e-13 if dtype == torch.float64 else 1e-5
    kabs = k.double().abs().sum((2, 3)).sum(1).max()  # over the N kernels that meet in one dx plane
    assert (dx_f - dx_d).abs().max() <= rel * float(kabs * dy.abs().max())
    scale = x.double().abs().max() * dy.double().abs().sum((2, 3)).max() * (x.shape[0] * (3 // groups))
    assert (dk_f - dk_d).abs().max() <= rel * float(scale)
    assert (y_f - y_d).abs().max() <= rel * float(k.double().abs().sum((2, 3)).max() * x.abs().max())


def test_one_autograd_node() -> None:
    """The graph is one node for the correlation (no per-chunk slices, fills or concatenations)."""
    x = torch.rand(8, 1, 60, 60, requires_grad=True)
    k = torch.randn(1, 32, 11, 11, requires_grad=True)
    y = plan_fft._fft(x, k)
    assert y.grad_fn is not None and type(y.grad_fn).__name__ == "_CorrelateBackward"
    leaves = [f for f, _ in y.grad_fn.next_functions]
    assert [type(f).__name__ for f in leaves] == ["AccumulateGrad", "AccumulateGrad"]
