"""Where users run it: torch.compile (fullgraph, no graph breaks), torch.export, ONNX + onnxruntime, deepcopy and
pickle, DistributedDataParallel (gloo, 2 CPU processes), autocast.

References are eager torch outputs of the same module, or ``F.conv2d`` with the kernels cast by hand; the
parametric kernels themselves are checked against the numpy catalog in tests/parametric/test_generators.py.
"""

from __future__ import annotations

import copy
import os
import pickle
import socket
import time

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from filterbank import FilterBank, FilterConv2d, bake, inject
from filterbank.borders import pad


def gabor_bank() -> FilterBank:
    return FilterBank.from_specs(
        [{"family": "gabor", "ksize": 7, "sigma": 2.0, "theta": t, "lambd": 4.0, "gamma": 0.8} for t in (0.0, 0.6, 1.2)]
        + [{"family": "log", "ksize": 5, "sigma": 1.0}]
    )


def sobel_bank() -> FilterBank:
    return FilterBank.from_specs([{"family": "sobel", "dx": 1, "dy": 0}, {"family": "sobel", "dx": 0, "dy": 1}])


def injected_conv() -> nn.Conv2d:
    """A plain conv with two frozen channels (exact), two generated channels, two free ones."""
    torch.manual_seed(0)
    conv = nn.Conv2d(2, 6, 7, padding=3)
    inject(conv, sobel_bank(), out_channels=[0, 1])
    inject(conv, gabor_bank()[1:3], mode="parametric", out_channels=[3, 4], learn=["sigma", "theta"])
    return conv


def modules() -> dict[str, nn.Module]:
    return {
        "frozen": FilterConv2d(gabor_bank(), 2, border="symmetric"),
        "trainable": FilterConv2d(gabor_bank(), 2, mode="trainable", bias=True),
        "parametric": FilterConv2d(gabor_bank(), 2, mode="parametric", border="replicate"),
        "injected": injected_conv(),
    }


NAMES = ["frozen", "trainable", "parametric", "injected"]
X = torch.rand(2, 2, 16, 16, generator=torch.Generator().manual_seed(1))


# ---------------------------------------------------------------------------------------------- compile, export


@pytest.mark.parametrize("name", NAMES)
def test_compile_fullgraph_forward_and_backward(name: str) -> None:
    """fullgraph=True raises on any graph break; aot_eager also traces the backward (fast on CPU)."""
    m = modules()[name]
    torch._dynamo.reset()
    compiled = torch.compile(m, backend="aot_eager", fullgraph=True)
    x = X.clone().requires_grad_(True)
    y = compiled(x)
    ref = m(X)
    torch.testing.assert_close(y, ref, rtol=0, atol=1e-6)  # same ops; decompositions may reorder sums
    y.square().sum().backward()
    grads = {n: p.grad.clone() for n, p in m.named_parameters() if p.grad is not None}
    m.zero_grad()
    x2 = X.clone().requires_grad_(True)
    m(x2).square().sum().backward()
    torch.testing.assert_close(x.grad, x2.grad, rtol=1e-5, atol=1e-5)
    for n, g in grads.items():
        torch.testing.assert_close(g, m.get_parameter(n).grad, rtol=1e-5, atol=1e-5)
    if name in ("parametric", "injected"):
        assert any("log_sigma" in n for n in grads)


@pytest.mark.skipif(os.environ.get("FILTERBANK_INDUCTOR") != "1", reason="set FILTERBANK_INDUCTOR=1 (~20 s on 2 cores)")
def test_compile_inductor_parametric() -> None:
    m = modules()["parametric"]
    torch._dynamo.reset()
    with torch.no_grad():
        torch.testing.assert_close(torch.compile(m, fullgraph=True)(X), m(X), rtol=0, atol=1e-5)


@pytest.mark.parametrize("name", NAMES)
def test_torch_export(name: str) -> None:
    m = modules()[name].eval()
    ep = torch.export.export(m, (X,))
    assert torch.equal(ep.module()(X), m(X))


@pytest.mark.parametrize("name", ["frozen", "parametric", "injected"])
def test_onnx_export_equals_torch(name: str, tmp_path) -> None:
    pytest.importorskip("onnx")
    pytest.importorskip("onnxscript")  # the torch 2.13 (dynamo) exporter needs it
    ort = pytest.importorskip("onnxruntime")
    m = modules()[name].eval()
    path = tmp_path / f"{name}.onnx"
    torch.onnx.export(m, (X,), str(path), dynamo=True, verbose=False)
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    (out,) = sess.run(None, {sess.get_inputs()[0].name: X.numpy()})
    with torch.no_grad():
        ref = m(X).numpy()
    # measured max difference ~8e-7: onnxruntime evaluates exp/cos and the conv sums in its own order
    np.testing.assert_allclose(out, ref, rtol=0, atol=1e-5)


# ---------------------------------------------------------------------------------------------- copy, pickle


def test_torchscript_onnx_export_is_seen_as_tracing() -> None:
    """The TorchScript ONNX exporter (dynamo=False) traces the module: ``auto`` must then stay on torch ops.
    filterbank reads the exporter's flags directly (``_device._onnx_export_check``); this checks they are
    the ones torch sets, inside an export and not outside it."""
    import io
    import warnings

    from filterbank import _device

    seen: list[bool] = []

    class Probe(nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            seen.append(_device.tracing())
            return x * 2

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the TorchScript exporter's deprecation notice
        torch.onnx.export(Probe(), (torch.ones(2),), io.BytesIO(), dynamo=False)
    assert seen and all(seen)
    assert not _device.tracing()


@pytest.mark.parametrize("name", NAMES)
def test_deepcopy_is_independent(name: str) -> None:
    m = modules()[name]
    c = copy.deepcopy(m)
    assert torch.equal(c(X), m(X))
    with torch.no_grad():
        for p in c.parameters():
            p.add_(0.5)
    assert not torch.equal(c(X), m(X))


@pytest.mark.parametrize("name", ["frozen", "trainable", "parametric"])
def test_pickle_round_trip(name: str) -> None:
    m = modules()[name]
    c = pickle.loads(pickle.dumps(m))
    assert torch.equal(c(X), m(X)) and c.mode == m.mode
    assert list(c.state_dict()) == list(m.state_dict())


def test_pickle_of_a_parametrised_conv_needs_bake() -> None:
    """torch refuses to pickle a module carrying torch.nn.utils.parametrize; bake() makes a plain conv."""
    conv = nn.Conv2d(2, 4, 7, padding=3)
    inject(conv, gabor_bank(), mode="parametric")
    with pytest.raises(
        RuntimeError, match="Serialization of parametrized modules is only supported through state_dict"
    ):
        pickle.dumps(conv)
    y = conv(X)
    c = pickle.loads(pickle.dumps(bake(conv)))
    assert torch.equal(c(X), y)


# ---------------------------------------------------------------------------------------------- autocast


def test_autocast_bfloat16_on_cpu_generates_in_float32_then_casts() -> None:
    layer = FilterConv2d(gabor_bank(), 2, mode="parametric")
    with torch.autocast("cpu", dtype=torch.bfloat16):
        k = layer.generator()
        y = layer(X)
    assert k.dtype == torch.float32 and y.dtype == torch.bfloat16
    w = layer.weight.detach()  # float32 generation
    ref = F.conv2d(pad(X, layer.pad4, layer.border).bfloat16(), w.bfloat16(), None, 1, 0, 1, 2)
    assert torch.equal(y, ref)
    y.float().square().sum().backward()
    assert layer.generator.log_sigma.grad is not None and layer.generator.log_sigma.grad.dtype == torch.float32


@pytest.mark.cuda
def test_autocast_float16_on_cuda() -> None:
    layer = FilterConv2d(gabor_bank(), 2, mode="parametric").cuda()
    x = X.cuda()
    with torch.autocast("cuda", dtype=torch.float16):
        k = layer.generator()
        y = layer(x)
    assert k.dtype == torch.float32 and y.dtype == torch.float16
    ref = F.conv2d(pad(x, layer.pad4, layer.border).half(), layer.weight.detach().half(), None, 1, 0, 1, 2)
    torch.testing.assert_close(y, ref, rtol=0, atol=1e-3)  # cuDNN may pick another fp16 algorithm per call
    fp32 = layer(x)
    torch.testing.assert_close(y.float(), fp32, rtol=0, atol=2e-2)  # fp16 rounding of inputs and kernels


# ---------------------------------------------------------------------------------------------- DDP


def _ddp_model() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(
        FilterConv2d(gabor_bank(), 2, mode="parametric", learn=["sigma", "theta"]),  # 8 channels
        nn.Conv2d(8, 6, 7, padding=3),
        nn.ReLU(),
        FilterConv2d(sobel_bank(), 6),  # frozen, 12 channels
    )


def _ddp_setup(model: nn.Module) -> None:
    inject(model[1], sobel_bank(), out_channels=[0, 1])
    inject(model[1], gabor_bank()[1:3], mode="parametric", out_channels=[3, 4], learn="sigma")


def _ddp_worker(rank: int, world: int, port: int, out_dir: str) -> None:
    import torch.distributed as dist
    from torch.nn.parallel import DistributedDataParallel as DDP

    os.environ["MASTER_ADDR"] = "127.0.0.1"
    os.environ["MASTER_PORT"] = str(port)
    torch.set_num_threads(1)
    dist.init_process_group("gloo", rank=rank, world_size=world)
    try:
        model = _ddp_model()
        _ddp_setup(model)
        ddp = DDP(model)  # no find_unused_parameters: every learnable parameter is used
        opt = torch.optim.SGD(ddp.parameters(), lr=0.05, momentum=0.9, weight_decay=0.1)
        gen = torch.Generator().manual_seed(100 + rank)  # different data on each rank
        for _ in range(4):
            opt.zero_grad()
            ddp(torch.rand(2, 2, 12, 12, generator=gen)).sin().square().mean().backward()
            opt.step()
        state = {k: v.detach().clone() for k, v in model.state_dict().items()}
        state["stem.weight"] = model[1].weight.detach().clone()
        torch.save(state, os.path.join(out_dir, f"rank{rank}.pt"))
    finally:
        dist.destroy_process_group()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_ddp_gloo_two_processes(tmp_path) -> None:
    import torch.distributed as dist
    import torch.multiprocessing as mp

    if not dist.is_available() or not dist.is_gloo_available():
        pytest.skip("torch.distributed with gloo is not available")
    t0 = time.perf_counter()
    mp.spawn(_ddp_worker, args=(2, _free_port(), str(tmp_path)), nprocs=2, join=True)
    assert time.perf_counter() - t0 < 60
    r0 = torch.load(tmp_path / "rank0.pt")
    r1 = torch.load(tmp_path / "rank1.pt")
    assert r0.keys() == r1.keys()
    for k in r0:
        assert torch.equal(r0[k], r1[k]), k  # identical on both ranks, parametric parameters included
    init = _ddp_model()
    _ddp_setup(init)
    assert torch.equal(r0["3.weight"], init[3].weight)  # frozen layer unchanged
    assert torch.equal(r0["stem.weight"][[0, 1]], init[1].weight[[0, 1]])  # frozen channels unchanged
    assert not torch.equal(r0["stem.weight"][[2, 5]], init[1].weight[[2, 5]])  # free channels learned
    assert not torch.equal(r0["0.generator.log_sigma"], init[0].generator.log_sigma)  # sigma learned
    assert not torch.equal(r0["0.generator.theta"], init[0].generator.theta)
    assert torch.equal(r0["0.generator.log_lambd"], init[0].generator.log_lambd)  # not learned, not decayed
