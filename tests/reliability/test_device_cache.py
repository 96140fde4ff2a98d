"""Issue 10, items 1 and 2: the planner cache off the CPU.

Off the CPU the cache cannot afford to hash a kernel's bytes, so kernels are keyed by
identity. Two ways that used to go wrong: a new tensor at a dead one's address met the
dead one's spectrum or factors (item 1), and writes that bypass the version counter
(``.data``, ``vector_to_parameters``) left stale results (item 2). The
``device_key_path`` fixture sends CPU tensors down that path, and every result is
compared with ``method='direct'``, which never caches.
"""

from __future__ import annotations

import gc

import numpy as np
import pytest
import torch

from filterbank import FilterBank, FilterConv2d, filter2d, plan

from ._helpers import direct

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


def _gabors(ksize: int = 13, n: int = 2) -> FilterBank:
    return FilterBank.from_specs(
        [{"family": "gabor", "ksize": ksize, "sigma": 3.0, "theta": 0.7 * i, "lambd": 6.0} for i in range(n)]
    )


def _close(y: torch.Tensor, ref: torch.Tensor, kernels: np.ndarray, img: torch.Tensor) -> bool:
    # float32 FFT / factorised sums: within 1e-5 of sum|k| * max|img| (the parity bound from 130 taps).
    scale = float(np.abs(kernels).sum(axis=(-2, -1)).max()) * float(img.abs().max())
    return bool((y - ref).abs().max() <= 1e-5 * scale)


@pytest.mark.parametrize("method", ["fft", "lowrank", "separable"])
def test_fresh_numpy_kernels_never_meet_a_dead_kernels_entry(device_key_path, method) -> None:
    """A numpy kernel becomes a new device tensor on every call: 40 calls, 40 different kernels,
    every result equal to the direct sum of its own kernel."""
    rng = np.random.default_rng(1)
    img = torch.from_numpy(rng.random((1, 40, 40)).astype(np.float32))
    wrong = 0
    for _ in range(40):
        if method == "separable":  # rank-1 kernels
            k = np.stack([np.outer(rng.standard_normal(13), rng.standard_normal(13)) for _ in range(3)])
        else:
            k = rng.standard_normal((3, 13, 13))
        y = filter2d(img, k, method=method)
        wrong += not _close(y, filter2d(img, k, method="direct"), k, img)
    assert wrong == 0, f"{wrong} of 40 calls returned another kernel's result"


@pytest.mark.parametrize("method", ["fft", "lowrank"])
def test_entries_belong_to_values_not_tensors(device_key_path, method) -> None:
    """A dead kernel's entry serves a new tensor only if it holds the same values."""
    img = torch.rand(1, 1, 40, 40)
    first = torch.randn(3, 13, 13)
    saved = first.clone()
    ref = filter2d(img, first, method="direct")
    filter2d(img, first, method=method)
    del first
    gc.collect()
    for _ in range(3):  # new tensors, other values: misses, right results
        other = torch.randn(3, 13, 13)
        assert _close(filter2d(img, other, method=method), filter2d(img, other, method="direct"), other.numpy(), img)
    hits = plan.cache_info().hits
    again = saved.clone()  # a new tensor with the dead one's values: a hit
    assert _close(filter2d(img, again, method=method), ref, saved.numpy(), img)
    assert plan.cache_info().hits == hits + 1


def test_meta_device_kernel_leaves_nothing_behind() -> None:
    """On the `meta` device (no values) the real off-CPU code path runs: nothing may stay cached
    once the kernel is gone."""
    plan.clear_cache()
    xp = torch.zeros(1, 1, 52, 52, device="meta")  # padded for 13 x 13 kernels
    for _ in range(3):  # the FFT path (factorisations need values: an SVD runs on the host)
        k = torch.zeros(2, 13, 13, device="meta")
        assert plan.correlate_valid(xp, k, method="fft").shape == (1, 2, 40, 40)
        del k
        gc.collect()
    assert plan.cache_info().entries == 0


def _write_data_mul(layer: FilterConv2d) -> None:
    layer.weight.data.mul_(2.0)


def _write_data_assign(layer: FilterConv2d) -> None:
    layer.weight.data = layer.weight.data * 2.0


def _write_vector(layer: FilterConv2d) -> None:
    vec = torch.nn.utils.parameters_to_vector(layer.parameters())
    torch.nn.utils.vector_to_parameters(vec * 2.0, layer.parameters())


@pytest.mark.parametrize("method", ["fft", "lowrank"])
@pytest.mark.parametrize("write", [_write_data_mul, _write_data_assign, _write_vector], ids=["mul_", "assign", "vec"])
def test_writes_through_data_are_seen(device_key_path, method, write) -> None:
    layer = FilterConv2d(_gabors(), 1, method=method).eval()
    x = torch.rand(2, 1, 40, 40)
    with torch.no_grad():
        before = layer(x)
        write(layer)
        after = layer(x)
        ref = direct(x, layer)
    k = layer.weight.detach().numpy()
    assert not torch.allclose(after, before)
    assert _close(after, ref, k, x)


def test_parametric_fft_under_inference_mode(device_key_path) -> None:
    layer = FilterConv2d(_gabors(), 1, mode="parametric", method="fft")
    x = torch.rand(1, 1, 40, 40)
    with torch.no_grad():
        ref = direct(x, layer)
    with torch.inference_mode():
        y1 = layer(x)
        y2 = layer(x)  # a second call may be served from the cache: same values
    k = layer.weight.detach().numpy()
    assert _close(y1, ref, k, x) and torch.equal(y1, y2)


# --- the same cases on a real GPU (scripts/gpu-check.sh runs them) ---------------------------------


@pytest.mark.cuda
@pytest.mark.parametrize("method", ["fft", "lowrank"])
def test_cuda_fresh_numpy_kernels_each_call(method) -> None:
    plan.clear_cache()
    rng = np.random.default_rng(5)
    img = torch.from_numpy(rng.random((2, 64, 64)).astype(np.float32)).cuda()
    for _ in range(40):
        k = rng.standard_normal((3, 13, 13))
        y = filter2d(img, k, method=method)
        assert _close(y.cpu(), filter2d(img, k, method="direct").cpu(), k, img.cpu())


@pytest.mark.cuda
@pytest.mark.parametrize("method", ["fft", "lowrank"])
@pytest.mark.parametrize("write", [_write_data_mul, _write_data_assign, _write_vector], ids=["mul_", "assign", "vec"])
def test_cuda_writes_through_data_are_seen(method, write) -> None:
    plan.clear_cache()
    layer = FilterConv2d(_gabors(), 1, method=method, device="cuda").eval()
    x = torch.rand(2, 1, 64, 64, device="cuda")
    with torch.no_grad():
        before = layer(x)
        write(layer)
        after = layer(x)
        ref = direct(x, layer)
    assert not torch.allclose(after, before)
    assert _close(after.cpu(), ref.cpu(), layer.weight.detach().cpu().numpy(), x.cpu())


@pytest.mark.cuda
def test_cuda_parametric_fft_under_inference_mode() -> None:
    plan.clear_cache()
    layer = FilterConv2d(_gabors(), 1, mode="parametric", method="fft", device="cuda")
    x = torch.rand(1, 1, 64, 64, device="cuda")
    with torch.no_grad():
        ref = direct(x, layer)
    with torch.inference_mode():
        y = layer(x)
    assert _close(y.cpu(), ref.cpu(), layer.weight.detach().cpu().numpy(), x.cpu())
