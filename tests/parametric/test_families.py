"""filterbank.parametric.families: the one table against the numpy catalog, and the registry's wording.

The table's claims (which parameters are positive, which sizes must be odd) are checked against
``filterbank.kernels`` (itself tested against OpenCV and SciPy), never against the table itself.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from filterbank import DTypeError, FilterBank, ParameterError, UnknownNameError, kernels, parametric
from filterbank.parametric.families import TABLE, attr_name
from filterbank.parametric.generators import GENERATORS

# One catalog spec per family with a torch generator, written out here (a family added to the table without
# an entry here fails test_every_family_is_covered).
SPECS = {
    "dog": {"ksize": 9, "sigma_low": 1.0, "sigma_high": 1.6},
    "gabor": {"ksize": (7, 9), "sigma": 2.0, "theta": 0.4, "lambd": 5.0, "gamma": 0.8, "psi": 0.3},
    "gaussian": {"ksize": (5, 7), "sigma": 1.2, "sigma_y": 0.9},
    "gaussian_derivative": {"ksize": 9, "sigma": 1.4, "dx": 1, "dy": 1, "sigma_y": 1.1, "theta": 0.5},
    "log": {"ksize": 9, "sigma": 1.3},
}


def test_every_family_is_covered() -> None:
    assert sorted(TABLE) == sorted(SPECS) == GENERATORS.names() == sorted(parametric.FAMILIES)


@pytest.mark.parametrize("family", sorted(SPECS))
def test_registry_generator_equals_the_catalog(family: str) -> None:
    got = GENERATORS.get(family, **SPECS[family], dtype=torch.float64)
    np.testing.assert_allclose(got.numpy(), kernels.get(family, **SPECS[family]), rtol=0, atol=1e-12)


@pytest.mark.parametrize("family", sorted(SPECS))
def test_positive_parameters_are_the_ones_the_catalog_refuses_below_zero(family: str) -> None:
    for p in TABLE[family].params:
        spec = dict(SPECS[family], **{p: -0.5})
        if p in TABLE[family].positive:
            with pytest.raises(ParameterError, match=f"`{p}` must be > 0"):
                kernels.get(family, **spec)
            assert attr_name(p) == f"log_{p}"
        else:
            kernels.get(family, **spec)  # a negative angle is a valid kernel
            assert attr_name(p) == p


@pytest.mark.parametrize("family", sorted(SPECS))
def test_odd_rule_follows_the_catalog(family: str) -> None:
    spec = dict(SPECS[family], ksize=(6, 8))
    if family == "dog":
        spec["ksize"] = 8  # dog takes a square size
    if TABLE[family].odd:
        with pytest.raises(ParameterError, match="`ksize` must be odd"):
            kernels.get(family, **spec)
        with pytest.raises(ParameterError, match="`ksize` must be odd"):
            GENERATORS.get(family, **spec)
    else:
        got = GENERATORS.get(family, **spec, dtype=torch.float64)
        np.testing.assert_allclose(got.numpy(), kernels.get(family, **spec), rtol=0, atol=1e-12)


def test_tied_parameter_copies_its_source_in_the_module() -> None:
    bank = FilterBank.from_specs([{"family": "gaussian", "ksize": 5, "sigma": 1.3}])
    gen = parametric.KernelGenerator(bank, dtype=torch.float64)
    assert gen.parameter_names == ("sigma",)  # sigma_y is tied, not stored
    with torch.no_grad():
        gen.log_sigma.fill_(float(np.log(0.8)))
    np.testing.assert_allclose(gen()[0].detach().numpy(), kernels.gaussian(5, 0.8, 0.8), rtol=0, atol=1e-12)


def test_registry_wording_for_unknown_names_and_keywords() -> None:
    with pytest.raises(UnknownNameError, match=r"`parametric family` must be one of 'dog', .*got 'gabr'.*'gabor'"):
        GENERATORS.get("gabr", ksize=5, sigma=1.0, theta=0.0, lambd=3.0)
    with pytest.raises(DTypeError, match=r"parametric family 'log' got an unexpected keyword `sigmaa`"):
        GENERATORS.get("log", ksize=5, sigmaa=1.0)
    with pytest.raises(DTypeError, match=r"parametric family 'log' is missing the keyword `sigma`"):
        GENERATORS.get("log", ksize=5)
