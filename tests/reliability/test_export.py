"""Issue 10, item 9: saving a model after injection.

``filterbank.export_plain(model)`` returns a copy of an injected model in which every conv is
plain again: same outputs, the ``state_dict`` keys of the untouched architecture, picklable by
``torch.save(model)``, loadable into an untouched copy. And the hand route (stripping the
parametrisation's key prefixes from ``state_dict``) cannot give wrong frozen channels: the
free tensor ``original`` holds the frozen values on the frozen channels after every optimiser
step and in every ``state_dict``.
"""

from __future__ import annotations

import io

import pytest
import torch
from torch import nn

import filterbank
from filterbank import FilterBank, FilterConv2d, inject

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")

SOBEL = FilterBank.from_specs([{"family": "sobel", "dx": 1, "dy": 0}, {"family": "sobel", "dx": 0, "dy": 1}])
GABOR = FilterBank.from_specs(
    [{"family": "gabor", "ksize": 3, "sigma": 1.0, "theta": t, "lambd": 3.0} for t in (0.0, 1.6)]
)


def _architecture() -> nn.Sequential:
    torch.manual_seed(0)
    return nn.Sequential(
        nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.Conv2d(8, 6, 3, padding=1), nn.ReLU(), nn.Conv2d(6, 4, 1)
    )


def _trained(steps: int = 5) -> tuple[nn.Sequential, torch.Tensor]:
    model = _architecture()
    inject(model[0], SOBEL, out_channels=[0, 1])  # frozen in part: a PartialFreeze parametrisation
    inject(model[2], GABOR, mode="parametric", out_channels=[2, 3])  # generated channels
    opt = torch.optim.AdamW(model.parameters(), lr=1e-2, weight_decay=0.5)
    x = torch.rand(2, 3, 16, 16)
    for _ in range(steps):
        opt.zero_grad()
        model(x).square().mean().backward()
        opt.step()
    return model, x


def test_export_plain_gives_a_plain_equal_picklable_model() -> None:
    model, x = _trained()
    with torch.no_grad():
        ref = model(x)
    plain = filterbank.export_plain(model)
    assert plain is not model
    with torch.no_grad():
        assert torch.equal(plain(x), ref)
        assert torch.equal(model(x), ref)  # the trained model is left as it was
    assert list(plain.state_dict()) == list(_architecture().state_dict())
    assert not any(hasattr(m, "parametrizations") for m in plain.modules())
    buf = io.BytesIO()
    torch.save(plain, buf)
    buf.seek(0)
    again = torch.load(buf, weights_only=False)
    fresh = _architecture()
    fresh.load_state_dict(plain.state_dict())  # strict
    with torch.no_grad():
        assert torch.equal(again(x), ref)
        assert torch.equal(fresh(x), ref)


def test_export_plain_of_parametric_filterconv2d() -> None:
    model = nn.Sequential(FilterConv2d(GABOR, 3, mode="parametric"), nn.Conv2d(6, 2, 1))
    x = torch.rand(1, 3, 12, 12)
    with torch.no_grad():
        ref = model(x)
    plain = filterbank.export_plain(model)
    assert list(plain.state_dict()) == ["0.weight", "1.weight", "1.bias"]
    assert model[0].mode == "parametric"  # the original keeps learning its generator
    buf = io.BytesIO()
    torch.save(plain, buf)
    buf.seek(0)
    with torch.no_grad():
        assert torch.equal(torch.load(buf, weights_only=False)(x), ref)


def test_hand_route_through_state_dict_keeps_frozen_channels_exact() -> None:
    model = _architecture()
    inject(model[0], SOBEL, out_channels=[0, 1])
    opt = torch.optim.AdamW(model.parameters(), lr=1e-2, weight_decay=0.5)
    x = torch.rand(2, 3, 16, 16)
    for _ in range(5):
        opt.zero_grad()
        model(x).square().mean().backward()
        opt.step()
    free = model[0].parametrizations.weight.original
    fixed = model[0].parametrizations.weight[0].fixed
    assert torch.equal(free[:2], fixed[:2])  # after every step, not only in a state_dict
    stripped = {
        k.replace("parametrizations.weight.original", "weight").replace("parametrizations.bias.original", "bias"): v
        for k, v in model.state_dict().items()
        if not k.endswith((".fixed", ".mask"))
    }
    fresh = _architecture()
    fresh.load_state_dict(stripped)
    with torch.no_grad():
        assert torch.equal(fresh[0].weight, model[0].weight)
        assert torch.equal(fresh(x), model(x))


def test_export_plain_refuses_foreign_parametrisations() -> None:
    conv = nn.Conv2d(1, 2, 3)
    torch.nn.utils.parametrize.register_parametrization(conv, "weight", nn.Identity())
    with pytest.raises(filterbank.ParameterError, match="parametrisation"):
        filterbank.export_plain(nn.Sequential(conv))
