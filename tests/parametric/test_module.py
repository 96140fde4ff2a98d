"""filterbank.parametric.module: KernelGenerator and parametric mode end to end: named parameters, gradcheck,
learning, bake, exact partial freezing with generated channels, freeze/unfreeze/param_groups, and the error messages.

References: the numpy catalog (``filterbank.kernels``, itself tested against OpenCV and SciPy) and
``filterbank.filter2d`` with catalog kernels; never the code under test.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch import nn

from filterbank import (
    DTypeError,
    FilterBank,
    FilterConv2d,
    ParameterError,
    ShapeError,
    UnknownNameError,
    bake,
    filter2d,
    freeze,
    inject,
    kernels,
    param_groups,
    parametric,
    unfreeze,
)
from filterbank.borders import pad, padding_for
from filterbank.inject import PartialFreeze

F64 = torch.float64


def gabor_specs(ksize=(7, 9), thetas=(0.0, 0.7, 1.9)) -> list[dict]:
    return [
        {"family": "gabor", "ksize": ksize, "sigma": 2.0 + 0.3 * i, "theta": t, "lambd": 5.0, "gamma": 0.7, "psi": 0.4}
        for i, t in enumerate(thetas)
    ]


MIXED_SPECS = [
    {"family": "log", "ksize": 9, "sigma": 1.2},
    *gabor_specs((7, 7), (0.0, 1.1)),
    {"family": "gaussian", "ksize": (5, 7), "sigma": 1.3},
    {"family": "gaussian", "ksize": 5, "sigma": 0.9, "sigma_y": 1.7},
    {"family": "gaussian_derivative", "ksize": 9, "sigma": 1.4, "dx": 2, "dy": 1, "sigma_y": 2.0, "theta": 0.5},
    {"family": "gaussian_derivative", "ksize": None, "sigma": 1.0, "dx": 1, "dy": 0, "theta": 0.3},
    {"family": "dog", "ksize": None, "sigma_low": 1.0, "sigma_high": 1.1},
    {"family": "dog", "ksize": 7, "sigma_low": 0.8, "sigma_high": 1.5},
    {"family": "gabor", "ksize": 9, "sigma": 2.5, "theta": 0.2, "lambd": 4.0},
]


def _close(got: torch.Tensor, ref: np.ndarray, atol: float = 1e-12) -> None:
    np.testing.assert_allclose(got.detach().cpu().double().numpy(), ref, rtol=0, atol=atol)


# ---------------------------------------------------------------------------------------------- KernelGenerator


def test_generator_module_equals_the_bank_and_names_its_parameters() -> None:
    bank = FilterBank.from_specs(MIXED_SPECS)
    gen = parametric.KernelGenerator(bank, dtype=F64)
    _close(gen(), bank.kernels)
    assert list(gen.state_dict()) == [
        "log_sigma",
        "log_sigma_y",
        "theta",
        "log_lambd",
        "log_gamma",
        "psi",
        "log_sigma_low",
        "log_sigma_high",
    ]
    # values in bank order of the kernels that have them; isotropic kernels have no sigma_y entry
    assert gen.kernel_indices("theta") == [1, 2, 5, 6, 9]
    assert gen.kernel_indices("sigma_y") == [4, 5]
    np.testing.assert_allclose(gen.sigma.detach().numpy(), [1.2, 2.0, 2.3, 1.3, 0.9, 1.4, 1.0, 2.5], rtol=1e-15)
    specs = gen.specs()
    assert specs[3] == {"family": "gaussian", "ksize": (5, 7), "sigma": pytest.approx(1.3, rel=1e-15)}
    np.testing.assert_allclose(gen.to_bank().kernels, bank.kernels, rtol=0, atol=1e-12)


def test_generator_module_with_even_sizes() -> None:
    bank = FilterBank.from_specs(
        [{"family": "gaussian", "ksize": (4, 6), "sigma": 1.3}, {"family": "gaussian", "ksize": (2, 4), "sigma": 0.7}]
    )
    _close(parametric.KernelGenerator(bank, dtype=F64)(), bank.kernels)  # OpenCV's even-size tap placement


def test_float32_generation_is_close_to_the_catalog() -> None:
    bank = FilterBank.from_specs(MIXED_SPECS)
    gen = parametric.KernelGenerator(bank)  # default dtype float32
    assert gen.dtype == torch.float32 and gen().dtype == torch.float32
    _close(gen(), bank.kernels, atol=2e-6)  # float32 rounding of log(sigma) and of exp/cos: ~1e-7 of max |k|


def test_positive_parameters_stay_positive_by_reparametrisation() -> None:
    bank = FilterBank.from_specs(gabor_specs())
    gen = parametric.KernelGenerator(bank, dtype=F64)
    opt = torch.optim.SGD(gen.parameters(), lr=50.0)
    for _ in range(3):  # huge steps that would push a raw sigma far below zero
        opt.zero_grad()
        (gen.sigma.sum() + gen.lambd.sum() + gen.gamma.sum()).backward()
        opt.step()
    for name in ("sigma", "lambd", "gamma"):
        assert bool((gen.value(name) > 0).all()), name
    assert torch.isfinite(gen()).all()


# ---------------------------------------------------------------------------------------------- FilterConv2d


def test_parametric_layer_equals_filter2d_with_catalog_kernels() -> None:
    bank = FilterBank.from_specs(MIXED_SPECS)
    layer = FilterConv2d(bank, 2, mode="parametric", border="symmetric", dtype=F64)
    assert layer.mode == "parametric" and isinstance(layer, nn.Conv2d)
    x = torch.rand(2, 2, 15, 17, dtype=F64)
    ref = filter2d(x, bank, border="symmetric")
    scale = float(np.abs(bank.kernels).sum(axis=(1, 2)).max())
    torch.testing.assert_close(layer(x), ref, rtol=0, atol=1e-12 * scale)
    assert layer.weight.shape == (2 * len(bank), 1, 9, 9)  # computed on access
    assert "weight" not in dict(layer.named_parameters())


def test_learn_selects_which_parameters_learn() -> None:
    layer = FilterConv2d(FilterBank.from_specs(gabor_specs()), mode="parametric", learn=["sigma", "theta"])
    flags = {name: p.requires_grad for name, p in layer.named_parameters()}
    assert flags == {
        "generator.log_sigma": True,
        "generator.theta": True,
        "generator.log_lambd": False,
        "generator.log_gamma": False,
        "generator.psi": False,
    }
    assert layer.generator.learn == ("sigma", "theta")
    all_learn = FilterConv2d(FilterBank.from_specs(gabor_specs()), mode="parametric")
    assert all(p.requires_grad for p in all_learn.parameters())
    assert FilterConv2d(FilterBank.from_specs(gabor_specs()), mode="parametric", learn=()).generator.learn == ()


def test_gradients_reach_every_parameter() -> None:
    layer = FilterConv2d(FilterBank.from_specs(MIXED_SPECS), mode="parametric", dtype=F64)
    layer(torch.rand(1, 1, 12, 12, dtype=F64)).square().sum().backward()
    for name, p in layer.named_parameters():
        assert p.grad is not None and bool((p.grad != 0).any()), name


GRADCHECK_BANKS = {
    "gabor": gabor_specs((5, 7), (0.3, 1.2)),
    "gaussian": [{"family": "gaussian", "ksize": (4, 5), "sigma": 1.1, "sigma_y": 0.8}],
    "gaussian_derivative": [
        {"family": "gaussian_derivative", "ksize": 7, "sigma": 1.2, "dx": 1, "dy": 2, "sigma_y": 1.5, "theta": 0.4}
    ],
    "log": [{"family": "log", "ksize": 7, "sigma": 1.1}],
    "dog": [{"family": "dog", "ksize": 7, "sigma_low": 0.9, "sigma_high": 1.6}],
}


@pytest.mark.parametrize("family", sorted(GRADCHECK_BANKS))
def test_gradcheck_every_parameter_through_the_layer(family: str) -> None:
    layer = FilterConv2d(FilterBank.from_specs(GRADCHECK_BANKS[family]), mode="parametric", dtype=F64)
    x = torch.rand(1, 1, 9, 10, dtype=F64)
    names = [n for n, _ in layer.named_parameters()]
    assert len(names) == len(parametric.FAMILIES[family])
    for name in names:
        p0 = layer.get_parameter(name).detach().clone().requires_grad_(True)

        def f(p, name=name):
            return torch.func.functional_call(layer, {name: p}, (x,))

        assert torch.autograd.gradcheck(f, (p0,), eps=1e-6, atol=1e-6, rtol=1e-4), name


def test_state_dict_keys_same_in_train_and_eval_and_loading_changes_next_forward() -> None:
    bank = FilterBank.from_specs(gabor_specs())
    a = FilterConv2d(bank, mode="parametric", dtype=F64)
    keys = list(a.state_dict())
    assert keys == [
        "generator.log_sigma",
        "generator.theta",
        "generator.log_lambd",
        "generator.log_gamma",
        "generator.psi",
    ]
    assert list(a.eval().state_dict()) == keys and list(a.train().state_dict()) == keys
    x = torch.rand(1, 1, 12, 12, dtype=F64)
    b = FilterConv2d(bank, mode="parametric", dtype=F64).eval()
    before = b(x)  # an eval-mode forward first: a cache here would go stale
    with torch.no_grad():
        a.generator.log_sigma.add_(0.3)
        a.generator.theta.add_(0.2)
    b.load_state_dict(a.state_dict())
    after = b(x)
    assert not torch.equal(after, before)
    expect = [kernels.gabor((7, 9), s["sigma"] * math.exp(0.3), s["theta"] + 0.2, 5.0, 0.7, 0.4) for s in bank.specs]
    torch.testing.assert_close(after, filter2d(x, np.stack(expect)), rtol=0, atol=1e-12 * 30)


def test_bake_gives_identical_output_and_a_plain_layer() -> None:
    bank = FilterBank.from_specs(gabor_specs())
    layer = FilterConv2d(bank, 3, mode="parametric", bias=True)
    with torch.no_grad():
        layer.generator.theta.add_(0.1)
    x = torch.rand(2, 3, 16, 16)
    y = layer(x)
    learned = layer.generator.specs()
    assert layer.bake("trainable") is layer
    assert torch.equal(layer(x), y)
    assert list(layer.state_dict()) == ["weight", "bias"]
    assert layer.mode == "trainable" and isinstance(layer.weight, nn.Parameter)
    assert layer.bank.specs == learned
    assert layer.bake().mode == "frozen"
    with pytest.raises(UnknownNameError, match=r"`mode` must be one of 'frozen', 'trainable'; got 'parametric'"):
        layer.bake("parametric")


def test_learning_sigma_and_theta_recovers_the_target() -> None:
    torch.manual_seed(0)
    target = FilterBank.from_specs([{"family": "gabor", "ksize": 11, "sigma": 2.6, "theta": 0.9, "lambd": 5.0}])
    seed = FilterBank.from_specs([{"family": "gabor", "ksize": 11, "sigma": 2.0, "theta": 0.6, "lambd": 5.0}])
    layer = FilterConv2d(seed, mode="parametric", learn=["sigma", "theta"], dtype=F64)
    opt = torch.optim.Adam(layer.parameters(), lr=0.03)
    x = torch.rand(4, 1, 24, 24, dtype=F64)
    y = filter2d(x, target)
    for _ in range(150):
        opt.zero_grad()
        (layer(x) - y).square().mean().backward()
        opt.step()
    assert layer.generator.sigma.item() == pytest.approx(2.6, abs=1e-2)
    assert layer.generator.theta.item() == pytest.approx(0.9, abs=1e-2)
    assert layer.generator.lambd.item() == pytest.approx(5.0, rel=1e-12)  # not learned


def test_half_precision_layer_generates_in_float32_then_casts() -> None:
    bank = FilterBank.from_specs(gabor_specs())
    layer = FilterConv2d(bank, mode="parametric").to(torch.bfloat16)
    assert layer.generator.dtype == torch.bfloat16
    k = layer.generator()
    assert k.dtype == torch.float32
    assert layer.weight.dtype == torch.bfloat16
    g = {n: p.detach().float() for n, p in layer.generator.named_parameters()}  # bf16 values, exactly widened
    ref = parametric.gabor(
        (7, 9),
        g["log_sigma"].exp(),
        g["theta"],
        g["log_lambd"].exp(),
        g["log_gamma"].exp(),
        g["psi"],
        dtype=torch.float64,
    )
    # the generated kernel is the float32 evaluation at the bf16-rounded parameters; float32 rounding only
    np.testing.assert_allclose(k.detach().numpy(), ref.detach().numpy(), rtol=0, atol=5e-6)


# ---------------------------------------------------------------------------------------------- inject, parametric


def test_inject_parametric_channels_equal_the_catalog_kernels() -> None:
    bank = FilterBank.from_specs(gabor_specs((5, 5), (0.0, 0.8)))
    conv = nn.Conv2d(3, 6, 7, padding=0, bias=True, dtype=F64)
    inject(conv, bank, mode="parametric", out_channels=[4, 1], in_channels="sum")
    x = torch.rand(1, 3, 14, 14, dtype=F64)
    y = conv(pad(x, padding_for((7, 7)), "constant"))
    ref = filter2d(x.sum(1), bank, border="constant")
    torch.testing.assert_close(y[0, [4, 1]], ref, rtol=0, atol=1e-12 * 30)
    keys = sorted(conv.state_dict())
    assert "parametrizations.weight.0.generator.log_sigma" in keys and "parametrizations.weight.original" in keys
    assert list(conv.eval().state_dict()) == list(conv.train().state_dict())


def test_inject_parametric_full_and_in_channel_index() -> None:
    bank = FilterBank.from_specs(
        [{"family": "log", "ksize": 5, "sigma": 1.0}, {"family": "log", "ksize": 5, "sigma": 2.0}]
    )
    conv = nn.Conv2d(2, 2, 5, padding=2, bias=False, dtype=F64)
    inject(conv, bank, mode="parametric", in_channels=1)
    x = torch.rand(1, 2, 10, 10, dtype=F64)
    torch.testing.assert_close(conv(x)[0], filter2d(x[0, 1], bank, border="constant"), rtol=0, atol=1e-12 * 10)
    # every channel is generated: the original is not used and does not learn (DDP needs no unused parameter)
    assert not conv.parametrizations.weight.original.requires_grad
    assert [n for n, p in conv.named_parameters() if p.requires_grad] == [
        "parametrizations.weight.0.generator.log_sigma"
    ]


def _optimisers(params):
    return {
        "sgd_momentum_wd": torch.optim.SGD(params, lr=0.05, momentum=0.9, weight_decay=0.1),
        "adam_l2": torch.optim.Adam(params, lr=0.05, weight_decay=0.1),
        "adamw": torch.optim.AdamW(params, lr=0.05, weight_decay=0.1),
    }


@pytest.mark.parametrize("name", ["sgd_momentum_wd", "adam_l2", "adamw"])
def test_frozen_generated_and_free_channels_in_one_conv(name: str) -> None:
    """Frozen channels bit-identical after 50 steps; generated ones move only through sigma; the rest learn."""
    sobel = FilterBank.from_specs([{"family": "sobel", "dx": 1, "dy": 0}, {"family": "sobel", "dx": 0, "dy": 1}])
    logs = FilterBank.from_specs(
        [{"family": "log", "ksize": 3, "sigma": 0.8}, {"family": "log", "ksize": 3, "sigma": 1.0}]
    )
    conv = nn.Conv2d(2, 7, 3, padding=1, bias=True)
    inject(conv, sobel, out_channels=[6, 2])
    inject(conv, logs, mode="parametric", out_channels=[0, 4], learn="sigma")
    w0, b0 = conv.weight.detach().clone(), conv.bias.detach().clone()
    sigma0 = conv.parametrizations.weight[1].generator.sigma.detach().clone()
    opt = _optimisers(list(conv.parameters()))[name]  # every parameter, decay on: the worst case
    gen = torch.Generator().manual_seed(0)
    for _ in range(50):
        x = torch.rand(2, 2, 12, 12, generator=gen)
        opt.zero_grad()
        conv(x).sin().square().mean().backward()
        opt.step()
    frozen, generated, free = [2, 6], [0, 4], [1, 3, 5]
    assert torch.equal(conv.weight[frozen], w0[frozen]) and torch.equal(conv.bias[frozen], b0[frozen])
    assert torch.equal(conv.bias[generated], torch.zeros(2))  # the generated channels' zero bias is frozen too
    assert not torch.equal(conv.weight[free], w0[free]) and not torch.equal(conv.bias[free], b0[free])
    sigma = conv.parametrizations.weight[1].generator.sigma.detach()
    assert not torch.equal(sigma, sigma0)
    expect = np.stack([kernels.log(3, float(s)) for s in sigma]) / 2  # "mean" over the two inputs
    np.testing.assert_allclose(conv.weight[generated, 0].detach().numpy(), expect, rtol=0, atol=1e-6)


def test_param_groups_keep_frozen_and_shape_parameters_out_of_decay() -> None:
    bank = FilterBank.from_specs(gabor_specs((3, 3)))
    layer = FilterConv2d(bank, mode="parametric", learn=["sigma", "theta"])
    head = nn.Conv2d(3, 4, 3)
    frozen = nn.Conv2d(4, 4, 1)
    freeze(frozen)
    model = nn.Sequential(layer, head, frozen)
    groups = param_groups(model, weight_decay=0.5, lr=0.1)
    assert [g["weight_decay"] for g in groups] == [0.5, 0.0] and all(g["lr"] == 0.1 for g in groups)
    ids = [{id(p) for p in g["params"]} for g in groups]
    assert ids[0] == {id(head.weight), id(head.bias)}
    assert ids[1] == {id(p) for p in layer.parameters()} | {id(frozen.weight), id(frozen.bias)}
    # the non-learned generator parameters do not drift under AdamW in these groups
    lambd0 = layer.generator.log_lambd.detach().clone()
    opt = torch.optim.AdamW(groups)
    for _ in range(5):
        opt.zero_grad()
        model(torch.rand(1, 1, 10, 10)).square().mean().backward()
        opt.step()
    assert torch.equal(layer.generator.log_lambd, lambd0)
    with pytest.raises(ParameterError, match=r"`weight_decay` must be a number >= 0; got -1"):
        param_groups(model, weight_decay=-1)


def test_freeze_unfreeze_and_exactness_surviving_unfreeze() -> None:
    bank = FilterBank.from_specs(gabor_specs((3, 3)))
    layer = FilterConv2d(bank, mode="parametric")
    assert freeze(layer) is layer and not any(p.requires_grad for p in layer.parameters())
    unfreeze(layer, "*theta")
    assert layer.generator.learn == ("theta",)
    freeze(layer, ["*theta"])
    unfreeze(layer)
    assert len(layer.generator.learn) == 5
    conv = nn.Conv2d(1, 4, 3)
    inject(conv, bank, out_channels=[0, 1, 2])
    w0 = conv.weight[:3].detach().clone()
    unfreeze(conv)  # the frozen channels are a buffer: unfreezing cannot make them learn
    opt = torch.optim.SGD(conv.parameters(), lr=0.1, weight_decay=0.1)
    for _ in range(3):
        opt.zero_grad()
        conv(torch.rand(1, 1, 8, 8)).square().mean().backward()
        opt.step()
    assert torch.equal(conv.weight[:3], w0)
    with pytest.raises(ParameterError, match=r"`names` patterns must match at least one parameter; got \['nope'\]"):
        freeze(conv, "nope")
    with pytest.raises(DTypeError, match=r"`module` must be a torch.nn.Module; got int"):
        freeze(3)


def test_bake_an_injected_conv() -> None:
    logs = FilterBank.from_specs([{"family": "log", "ksize": 3, "sigma": 1.0}])
    sobel = FilterBank.from_specs([{"family": "sobel", "dx": 1, "dy": 0}])
    conv = nn.Conv2d(1, 3, 3, bias=False)
    inject(conv, sobel, out_channels=[2])
    inject(conv, logs, mode="parametric", out_channels=[0])
    x = torch.rand(1, 1, 9, 9)
    y = conv(x)
    bake(conv)  # generated channel 0 frozen with channel 2; channel 1 still learns
    assert torch.equal(conv(x), y)
    plist = conv.parametrizations.weight
    assert len(plist) == 1 and isinstance(plist[0], PartialFreeze)
    assert plist[0].mask.flatten().tolist() == [True, False, True]
    conv2 = nn.Conv2d(1, 1, 3, bias=False)
    inject(conv2, logs, mode="parametric")
    y2 = conv2(x)
    bake(conv2, "trainable")
    assert list(conv2.state_dict()) == ["weight"] and conv2.weight.requires_grad and torch.equal(conv2(x), y2)


# ---------------------------------------------------------------------------------------------- errors


def test_learning_a_parameter_the_family_lacks() -> None:
    gauss = FilterBank.from_specs([{"family": "gaussian", "ksize": 5, "sigma": 1.0}])
    with pytest.raises(
        UnknownNameError, match=r"`learn` must be one of 'sigma'; got 'theta'.*gaussian: sigma, sigma_y"
    ):
        FilterConv2d(gauss, mode="parametric", learn="theta")
    with pytest.raises(UnknownNameError, match=r"got 'sigma_y'.*tied to `sigma`"):
        FilterConv2d(gauss, mode="parametric", learn=["sigma_y"])
    with pytest.raises(UnknownNameError, match=r"got 'lamda'.*Did you mean 'lambd'"):
        inject(nn.Conv2d(1, 3, 7), FilterBank.from_specs(gabor_specs((7, 7))), mode="parametric", learn=["lamda"])
    with pytest.raises(ParameterError, match=r"`learn` applies to mode='parametric' only; got learn='sigma'"):
        FilterConv2d(gauss, learn="sigma")


def test_parametric_mode_on_a_family_without_generator() -> None:
    bank = FilterBank.from_specs([{"family": "log", "ksize": 3, "sigma": 1.0}, {"family": "sobel", "dx": 1, "dy": 0}])
    pattern = (
        r"`mode` must be one of 'frozen', 'trainable'; got 'parametric'.*Kernel 1 'sobel_dx1_dy0' is of family 'sobel'"
    )
    with pytest.raises(UnknownNameError, match=pattern):
        FilterConv2d(bank, mode="parametric")
    with pytest.raises(UnknownNameError, match=pattern):
        inject(nn.Conv2d(1, 2, 3), bank, mode="parametric")
    with pytest.raises(UnknownNameError, match=r"family 'custom'"):
        FilterConv2d(np.ones((3, 3)), mode="parametric")


def test_partial_channels_out_of_range_or_repeated() -> None:
    bank = FilterBank.from_specs(gabor_specs((3, 3)))
    with pytest.raises(ParameterError, match=r"`out_channels` entries must be in \[0, 3\]; got 4"):
        inject(nn.Conv2d(1, 4, 3), bank, mode="parametric", out_channels=[0, 1, 4])
    with pytest.raises(ParameterError, match=r"`out_channels` must not repeat a channel; got \[0, 1, 1\]"):
        inject(nn.Conv2d(1, 4, 3), bank, mode="frozen", out_channels=[0, 1, 1])
    with pytest.raises(ShapeError, match=r"one channel per kernel \(3\); got 2"):
        inject(nn.Conv2d(1, 4, 3), bank, mode="parametric", out_channels=[0, 1])


def test_zero_or_negative_sigma_at_construction() -> None:
    with pytest.raises(ParameterError, match=r"`sigma` must be > 0; got -1.0"):
        FilterBank.from_specs([{"family": "gabor", "ksize": 5, "sigma": -1.0, "theta": 0.0, "lambd": 3.0}])
    with pytest.raises(ParameterError, match=r"`sigma` must be > 0; got 0.0"):
        FilterBank.from_specs([{"family": "log", "ksize": 5, "sigma": 0.0}])
    # OpenCV's automatic sigma (None / 0) is a fixed table, not a parameter
    auto = FilterBank.from_specs([{"family": "gaussian", "ksize": 5, "sigma": 0}])
    with pytest.raises(ParameterError, match=r"`sigma` must be > 0 for mode='parametric'.*got 0 in kernel 0"):
        FilterConv2d(auto, mode="parametric")


def test_bank_whose_kernels_do_not_match_their_specs() -> None:
    good = FilterBank.from_specs([{"family": "log", "ksize": 5, "sigma": 1.0}])
    edited = FilterBank(good.kernels * 2, names=good.names, specs=good.specs)
    with pytest.raises(ParameterError, match=r"`bank` kernel 0 'log_ksize5_sigma1' must equal the kernel its spec"):
        FilterConv2d(edited, mode="parametric")
    with pytest.raises(ParameterError, match=r"call conv.bake\(\) before injecting"):
        inject(FilterConv2d(good, mode="parametric"), good)


def test_classical_gabor_bank_learns_in_parametric_mode() -> None:
    from filterbank import banks

    bank = banks.gabor()
    layer = FilterConv2d(bank, mode="parametric", dtype=F64)
    _close(layer.generator(), bank.kernels)  # its specs describe its kernels
    assert layer.generator.parameter_names == ("sigma", "theta", "lambd", "gamma", "psi")
